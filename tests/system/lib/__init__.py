"""Helpers for metalgate's system tests (see tests/system/conftest.py)."""
