"""Fixtures for metalgate's system tests.

The binary comes from METALGATE_BIN (default: build/metalgate in the
repository). The compatibility corpus comes from METALGATE_CORPUS (default:
../shared/upstream-examples next to the repository, where CI puts it).
Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/system
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib.corpus import corpus_root  # noqa: E402
from lib.metalgate import REPO_ROOT, Metalgate, write_files  # noqa: E402


def metalgate_bin():
    path = os.environ.get("METALGATE_BIN", os.path.join(REPO_ROOT, "build", "metalgate"))
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def mg():
    path = metalgate_bin()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"metalgate binary not found at {path}: build it, or set METALGATE_BIN",
                    pytrace=False)
    return Metalgate(path)


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus():
    root = corpus_root()
    if not os.path.isdir(root):
        pytest.fail(f"compatibility corpus not found at {root} (CI clones shared/ next to the "
                    f"repository; or set METALGATE_CORPUS)", pytrace=False)
    return root


@pytest.fixture
def manifests(tmp_path):
    """manifests({"a.yaml": text, ...}) writes files into a fresh directory and
    returns (directory, [paths])."""
    def write(files, subdir="m"):
        d = tmp_path / subdir
        d.mkdir(exist_ok=True)
        return str(d), write_files(d, files)
    return write
