"""Operating the gateway: the JSON access log (per listener, from the
Gateway's metalgate.io/access-log annotation), the per-route metrics on
/metrics, and the `metalgate run` options for workers, limits and timeouts
(docs/cli.md). Backends are the threads of test_gateway.py; every daemon is
started by the test and stopped by its PID; every wait is bounded."""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request

import pytest

from lib.gateway import GatewayDaemon, free_port, pool_and_class_yaml, read_all
from test_gateway import Backend, service_yaml, slice_yaml

OPS_ADDR = "127.11.0.0"  # the first address of this file's pool

MANIFEST = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: apps
  annotations: {{metalgate.io/access-log: "{log}"}}
spec:
  gatewayClassName: mg
  listeners:
  - {{name: http, port: {port}, protocol: HTTP}}
  - {{name: quiet, port: {port}, protocol: HTTP, hostname: quiet.example}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: web, namespace: apps}}
spec:
  parentRefs: [{{name: gw, sectionName: http}}]
  rules:
  - matches: [{{path: {{value: /a}}}}]
    backendRefs: [{{name: svc-a, port: 80}}]
  - matches: [{{path: {{value: /slow}}}}, {{path: {{value: /hang}}}}]
    backendRefs: [{{name: {slow_svc}, port: 80}}]
{extra}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: q, namespace: apps}}
spec:
  parentRefs: [{{name: gw, sectionName: quiet}}]
  rules:
  - matches: [{{path: {{value: /q}}}}]
    backendRefs: [{{name: svc-a, port: 80}}]
"""

EXTRA_RULE = """  - matches: [{path: {value: /extra}}]
    backendRefs: [{name: svc-a, port: 80}]
"""


class Ops(GatewayDaemon):
    """metalgate run with this file's manifest, an access log file and options."""

    def __init__(self, binary, tmp_path, backend, args=(), log="http", hang=None):
        self.port = free_port(OPS_ADDR)
        self.backend, self.log_setting, self.hang = backend, log, hang
        self.file = tmp_path / "ops.yaml"
        self.write_manifest()
        self.access = tmp_path / "access.log"
        super().__init__(binary, self.file, tmp_path / "daemon.log",
                         ("--access-log", str(self.access), *args), host=OPS_ADDR,
                         port=self.port)

    def write_manifest(self, extra=""):
        a = self.backend
        gateway = MANIFEST.format(port=self.port, log=self.log_setting, extra=extra,
                                  slow_svc="svc-hang" if self.hang else "svc-a")
        docs = [pool_and_class_yaml(f"{OPS_ADDR}/24") + gateway,
                service_yaml("svc-a"), slice_yaml("a", "svc-a", a.host, a.port)]
        if self.hang:
            docs += [service_yaml("svc-hang"), slice_yaml("hang", "svc-hang", *self.hang)]
        self.file.write_text("---\n".join(d if d.endswith("\n") else d + "\n" for d in docs))

    def get(self, path, host="ops.example", headers=(), body=None, method="GET"):
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers)
        if body is not None:
            head += f"Content-Length: {len(body)}\r\n"
        data = self.raw(head.encode() + b"\r\n" + (body or b""))
        return int(data.split(b" ", 2)[1]) if data else 0, data

    def admin_get(self, path):
        with urllib.request.urlopen(f"http://{self.admin}{path}", timeout=10) as r:
            return r.read().decode()

    def lines(self):
        if not self.access.exists():
            return []
        return [json.loads(x) for x in self.access.read_text().splitlines()]

    def wait_lines(self, n, timeout=10):
        """The first n lines, once there are at least n (lines are written
        when a transaction ends, which can be just after the client saw it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.lines()
            if len(got) >= n:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {n} access log lines, got {self.lines()}")

    def metric(self, name, **labels):
        want = ",".join(f'{k}="{v}"' for k, v in labels.items())
        for line in self.admin_get("/metrics").splitlines():
            if line.startswith(name + "{" + want + "}"):
                return int(float(line.rsplit(" ", 1)[1]))
        return 0


@pytest.fixture(scope="module")
def backend():
    a = Backend("A", "127.0.0.21")
    yield a
    a.stop()


@pytest.fixture
def ops(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend)
    yield o
    o.stop()


TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FIELDS = ["time", "listener", "route", "rule", "client", "client_port", "method", "target",
          "host", "protocol", "status", "request_bytes", "response_bytes", "duration_ms",
          "upstream", "upstream_latency_ms", "aborted"]


def test_access_log_routed_request(ops, backend):
    code, data = ops.get("/a/x?y=1", body=b"0123456789", method="POST")
    assert code == 200
    [line] = ops.wait_lines(1)
    assert list(line) == FIELDS
    assert TIME_RE.match(line["time"]), line
    assert line["listener"] == "apps/gw/http"
    assert line["route"] == "apps/web"
    assert line["rule"] == 0
    assert line["client"] == "127.0.0.1" and line["client_port"] > 0
    assert (line["method"], line["target"], line["host"]) == ("POST", "/a/x?y=1", "ops.example")
    assert line["protocol"] == "HTTP/1.1"
    assert line["status"] == 200
    assert line["request_bytes"] == 10
    assert line["response_bytes"] == len(data)
    assert line["upstream"] == f"{backend.host}:{backend.port}"
    assert 0 <= line["upstream_latency_ms"] <= line["duration_ms"]
    assert line["aborted"] is False


def test_access_log_404_and_quiet_listener(ops):
    assert ops.get("/q", host="quiet.example")[0] == 200  # not logged
    assert ops.get("/nothing")[0] == 404
    assert ops.get("/nothing", host="quiet.example")[0] == 404  # not logged
    code, data = ops.get("/a")
    assert code == 200
    lines = ops.wait_lines(2)
    time.sleep(0.2)  # a stray line of the quiet listener would be written by now
    assert len(ops.lines()) == 2, ops.lines()
    miss = lines[0]
    assert (miss["listener"], miss["route"], miss["rule"]) == ("apps/gw/http", None, None)
    assert (miss["status"], miss["upstream"], miss["upstream_latency_ms"]) == (404, None, None)
    assert miss["target"] == "/nothing"
    assert lines[1]["target"] == "/a" and lines[1]["status"] == 200


def test_access_log_hostile_bytes(ops):
    # Quote, backslash, obs-text and invalid UTF-8 in the target (the
    # parser takes them); a 6 KB target; a Host the parser refuses (its
    # bytes never reach the log: the head did not parse).
    target = b'/a/"q"\\\xff\xc3(\xe2\x82\xac'
    data = ops.raw(b"GET " + target + b" HTTP/1.1\r\nHost: ops.example\r\n"
                   b"Connection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200"), data
    long_target = "/a/" + "x" * 6000
    assert ops.get(long_target)[0] == 200
    assert ops.raw(b"GET /a HTTP/1.1\r\nHost: h\"\\\xfe\x01.example\r\n\r\n").startswith(
        b"HTTP/1.1 400")
    raw = ops.wait_lines(3) and ops.access.read_bytes()
    lines = raw.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert len(line) < 4096
        line.decode("utf-8")  # valid UTF-8 whatever the client sent
    hostile, longer, bad = (json.loads(x) for x in lines)
    assert hostile["target"] == '/a/"q"\\\ufffd\ufffd(\u20ac'
    assert hostile["host"] == "ops.example"
    assert longer["target"] == long_target[:2043] + "..."
    assert bad["status"] == 400
    assert (bad["listener"], bad["method"], bad["target"], bad["protocol"]) == (
        None, None, None, None)


def test_access_log_off_by_default(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend, log="")
    try:
        assert o.get("/a")[0] == 200
        assert o.get("/nothing")[0] == 404
        time.sleep(0.2)
        assert o.lines() == []
    finally:
        o.stop()


def test_access_log_every_listener_and_reopen(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend, log="*")
    try:
        assert o.get("/q", host="quiet.example")[0] == 200
        [line] = o.wait_lines(1)
        assert (line["listener"], line["route"]) == ("apps/gw/quiet", "apps/q")
        # logrotate: move the file away, SIGHUP, the next line goes to a new file.
        os.rename(o.access, tmp_path / "access.log.1")
        o.reload()
        deadline = time.monotonic() + 10
        while not o.access.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert o.get("/a")[0] == 200
        [line] = o.wait_lines(1)
        assert line["target"] == "/a"
        assert len((tmp_path / "access.log.1").read_text().splitlines()) == 1
    finally:
        o.stop()


# ---- metrics ---------------------------------------------------------------------


def reload_and_wait(o, generation):
    o.reload()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if json.loads(o.admin_get("/status"))["runtime"]["generation"] >= generation:
            return
        time.sleep(0.05)
    raise AssertionError(f"no generation {generation}: {o.logs()}")


def test_metrics_counts_survive_reload(ops):
    web = dict(gateway="apps/gw", listener="http", route="apps/web")
    for _ in range(7):
        assert ops.get("/a")[0] == 200
    for _ in range(2):
        assert ops.get("/nothing")[0] == 404
    assert ops.get("/nothing", host="quiet.example")[0] == 404
    assert ops.raw(b"GET /a HTTP/1.1\r\nBad Field: y\r\n\r\n").startswith(b"HTTP/1.1 400")
    ops.wait_lines(10)  # written after the counters: every count is in
    assert ops.metric("metalgate_http_requests_total", **web, code="2xx") == 7
    assert ops.metric("metalgate_http_request_duration_seconds_count", **web) == 7
    assert ops.metric("metalgate_http_request_duration_seconds_bucket", **web, le="+Inf") == 7
    assert ops.metric("metalgate_http_requests_total", gateway="apps/gw", listener="http",
                      route="", code="4xx") == 2
    assert ops.metric("metalgate_http_requests_total", gateway="apps/gw", listener="quiet",
                      route="", code="4xx") == 1
    assert ops.metric("metalgate_http_requests_total", gateway="apps/gw", listener="",
                      route="", code="4xx") == 1
    # A reload that changes the route keeps its counts.
    ops.write_manifest(extra=EXTRA_RULE)
    reload_and_wait(ops, 2)
    for _ in range(3):
        assert ops.get("/extra")[0] == 200
    ops.wait_lines(13)
    assert ops.metric("metalgate_http_requests_total", **web, code="2xx") == 10
    assert ops.metric("metalgate_http_request_duration_seconds_count", **web) == 10


# ---- options -----------------------------------------------------------------------


def test_limits_header_bytes_and_count(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend,
            args=("--max-header-bytes", "1024", "--max-headers", "5"))
    try:
        assert o.get("/a", headers=[("X-Pad", "p" * 900)])[0] == 200
        assert o.get("/a", headers=[("X-Pad", "p" * 1100)])[0] == 431
        assert o.get("/a", headers=[(f"X-{i}", "v") for i in range(3)])[0] == 200
        assert o.get("/a", headers=[(f"X-{i}", "v") for i in range(4)])[0] == 431
    finally:
        o.stop()


def test_limit_body_bytes(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend, args=("--max-body-bytes", "100"))
    try:
        assert o.get("/a", method="POST", body=b"x" * 100)[0] == 200
        assert o.get("/a", method="POST", body=b"x" * 101)[0] == 413
        chunked = (b"POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"40\r\n" + b"y" * 64 + b"\r\n40\r\n" + b"y" * 64 + b"\r\n0\r\n\r\n")
        assert o.raw(chunked).startswith(b"HTTP/1.1 413")
    finally:
        o.stop()


def test_workers_in_status_and_log(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend, args=("--workers", "3"))
    try:
        assert json.loads(o.admin_get("/status"))["runtime"]["gatewayWorkers"] == 3
        assert "3 worker threads" in o.logs()
    finally:
        o.stop()


def test_header_and_idle_timeouts(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend,
            args=("--header-timeout", "300", "--idle-timeout", "300"))
    try:
        # Slowloris: the head never ends: 408 and close.
        assert o.raw(b"GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ").startswith(b"HTTP/1.1 408")
        # An idle connection is closed without an answer (within the 10 s bound).
        with socket.create_connection((OPS_ADDR, o.port), timeout=10) as s:
            assert read_all(s) == b""
    finally:
        o.stop()


def test_upstream_timeout(mg, backend, tmp_path):
    o = Ops(mg.binary, tmp_path, backend, args=("--upstream-timeout", "300"))
    try:
        assert o.get("/slow")[0] == 504  # the backend answers /slow after 2.5 s
        [line] = o.wait_lines(1)
        assert line["status"] == 504 and line["upstream_latency_ms"] is None
    finally:
        o.stop()


def test_connect_timeout(mg, backend, tmp_path):
    # A listener whose accept queue is full drops SYNs: connects hang.
    with socket.socket() as full:
        full.bind(("127.0.0.24", 0))
        full.listen(0)
        fillers = []
        try:
            for _ in range(3):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(full.getsockname())
                fillers.append(c)
            time.sleep(0.1)
            o = Ops(mg.binary, tmp_path, backend, args=("--connect-timeout", "300"),
                    hang=full.getsockname())
            try:
                assert o.get("/hang")[0] == 504
            finally:
                o.stop()
        finally:
            for c in fillers:
                c.close()


@pytest.mark.parametrize("flag,value", [
    ("--workers", "0"), ("--workers", "257"), ("--workers", "two"),
    ("--header-timeout", "0"), ("--idle-timeout", "-5"), ("--connect-timeout", "1.5"),
    ("--upstream-timeout", "3600001"), ("--max-header-bytes", "1023"),
    ("--max-header-bytes", "65537"), ("--max-headers", "0"), ("--max-headers", "101"),
    ("--max-body-bytes", "-1"), ("--max-body-bytes", "1e6"), ("--access-log", ""),
])
def test_bad_option_values(mg, tmp_path, flag, value):
    f = tmp_path / "m.yaml"
    f.write_text("")
    r = subprocess.run([mg.binary, "run", "-f", str(f), "--node", "n1", flag, value],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    assert flag in r.stderr, r.stderr


def test_help_shows_gateway_options_and_defaults(mg):
    r = subprocess.run([mg.binary, "run", "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    for option, default in [("--workers N", "online CPUs"), ("--header-timeout MS", "10000"),
                            ("--idle-timeout MS", "60000"), ("--connect-timeout MS", "5000"),
                            ("--upstream-timeout MS", "30000"),
                            ("--max-header-bytes N", "32768"), ("--max-headers N", "100"),
                            ("--max-body-bytes N", "0"), ("--access-log PATH", "-")]:
        [line] = [x for x in r.stdout.splitlines() if option in x]
        assert f"(default {default}" in line or f"(default: {default}" in line or (
            option == "--access-log PATH" and "(default -)" in r.stdout), line
