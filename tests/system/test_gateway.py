"""The gateway data plane: `metalgate run` proxying HTTP/1.1 for a Gateway of
our class on a loopback pool (127.10.0.0/24) to backends started by the test
(threads of this process, on 127.0.0.21/22 and free ports), checked with
curl. Every daemon is started by the test and stopped by its PID; every loop
is bounded in count and time."""

import hashlib
import resource
import shutil
import json
import os
import socket
import subprocess
import threading
import time
import http.client
import http.server
import urllib.parse

import pytest

from lib.gateway import (GatewayDaemon, ServerThread, free_port, pool_and_class_yaml,
                         read_all)

GW_ADDR = "127.10.0.0"  # the pool's first address: the Gateway's


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers with JSON naming the backend, what it received, and the
    upstream connection's source port (to see keep-alive reuse)."""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data), True
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n), False

    def answer(self):
        body, chunked = self.read_body()
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/ws" and self.headers.get("Upgrade") == "echo":
            return self.echo_tunnel()
        if url.path.startswith("/slow"):
            time.sleep(2.5)
        if url.path == "/chunked":
            return self.chunked_reply()
        if url.path == "/big":
            n = int(q["n"][0])
            data = (b"0123456789abcdef" * (n // 16 + 1))[:n]
            return self.reply(data, "application/octet-stream")
        doc = {"name": self.server.name, "method": self.command, "path": self.path,
               "port": self.client_address[1], "len": len(body), "chunked": chunked,
               "sha": hashlib.sha256(body).hexdigest(),
               "xff": self.headers.get("X-Forwarded-For"),
               "xfp": self.headers.get("X-Forwarded-Proto"),
               "host": self.headers.get("Host"),
               "headers": [[k.lower(), v] for k, v in self.headers.items()]}
        self.reply(json.dumps(doc).encode() + b"\n", "application/json")

    def reply(self, data, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def echo_tunnel(self):
        self.send_response(101)
        self.send_header("Upgrade", "echo")
        self.send_header("Connection", "Upgrade")
        self.end_headers()
        self.wfile.flush()
        while True:
            data = self.connection.recv(4096)
            if not data:
                break
            self.connection.sendall(data.upper())
        self.close_connection = True

    def chunked_reply(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(5):
            part = f"part{i}-{self.server.name};".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = answer


class Backend(ServerThread):
    def __init__(self, name, host):
        super().__init__(host, Handler, name=name)


def slice_yaml(name, svc, addr, port, ready=True):
    cond = "" if ready else ", conditions: {ready: false}"
    return (f"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
            f"metadata: {{name: {name}, namespace: apps, "
            f"labels: {{kubernetes.io/service-name: {svc}}}}}\n"
            f"addressType: IPv4\nports: [{{name: http, port: {port}}}]\n"
            f"endpoints: [{{addresses: ['{addr}']{cond}}}]\n")


def service_yaml(name):
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: apps}}\n"
            f"spec: {{ports: [{{name: http, port: 80, targetPort: web}}]}}\n")


GATEWAY = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: apps}}
spec:
  gatewayClassName: mg
  listeners:
  - {{name: http, port: {port}, protocol: HTTP}}
  - {{name: iso, port: {port}, protocol: HTTP, hostname: iso.example}}
"""

MAIN_ROUTE = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: main, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {type: Exact, value: /exact}}]
    backendRefs: [{name: svc-b, port: 80}]
  - matches: [{path: {value: /hdr}, headers: [{name: X-Pick, value: b}]}]
    backendRefs: [{name: svc-b, port: 80}]
  - matches: [{path: {value: /hdr}}, {path: {value: /chunked}}, {path: {value: /big}},
              {path: {value: /echo}}]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /m}, method: DELETE}, {path: {value: /q}, queryParams: [{name: pick, value: b}]}]
    backendRefs: [{name: svc-b, port: 80}]
  - matches: [{path: {value: /m}}, {path: {value: /q}}]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /weights}}]
    backendRefs: [{name: svc-a, port: 80, weight: 3}, {name: svc-b, port: 80, weight: 1}]
  - matches: [{path: {value: /rr}}]
    backendRefs: [{name: svc-ab, port: 80}]
  - matches: [{path: {value: /noeps}}]
    backendRefs: [{name: svc-empty, port: 80}]
  - matches: [{path: {value: /missing}}]
    backendRefs: [{name: svc-missing, port: 80}]
  - matches: [{path: {value: /refused}}]
    backendRefs: [{name: svc-refused, port: 80}]
  - matches: [{path: {value: /slow}}]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /ws}}]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /half}}]
    backendRefs: [{name: svc-half, port: 80}]
  - matches: [{path: {value: /dyn}}]
    backendRefs: [{name: %(dyn)s, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: filters, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /slowto}}]
    timeouts: {request: 500ms}
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /reqhdr}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Set, value: s1}]
        add: [{name: X-Add, value: a1}]
        remove: [X-Remove]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /resphdr}}]
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: X-Resp, value: r1}]
        add: [{name: X-Resp-Add, value: r2}]
        remove: [Content-Type]
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /redir}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {hostname: redirect.example, statusCode: 301}
  - matches: [{path: {value: /redirs}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https}
  - matches: [{path: {value: /redirp}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
  - matches: [{path: {value: /rewrite}}]
    filters:
    - type: URLRewrite
      urlRewrite:
        hostname: rewritten.example
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /r2}
    backendRefs: [{name: svc-a, port: 80}]
  - matches: [{path: {value: /full}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /fixed}}
    backendRefs: [{name: svc-b, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: foo, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [foo.example]
  rules:
  - backendRefs: [{name: svc-b, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: iso, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: iso}]
  rules:
  - matches: [{path: {value: /iso}}]
    backendRefs: [{name: svc-b, port: 80}]
"""


CROSS_NS = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: xns-ok, namespace: apps}}
spec:
  parentRefs: [{{name: gw, sectionName: http}}]
  rules:
  - matches: [{{path: {{value: /xns}}}}]
    backendRefs: [{{name: svc-x, namespace: other, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: xns-denied, namespace: apps}}
spec:
  parentRefs: [{{name: gw, sectionName: http}}]
  rules:
  - matches: [{{path: {{value: /xdenied}}}}]
    backendRefs: [{{name: svc-y, namespace: other, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: foreign, namespace: other}}
spec:
  parentRefs: [{{name: gw, namespace: apps}}]
  rules:
  - matches: [{{path: {{value: /foreign}}}}]
    backendRefs: [{{name: svc-x, port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {{name: grant, namespace: other}}
spec:
  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}}]
  to: [{{group: "", kind: Service, name: svc-x}}]
---
apiVersion: v1
kind: Service
metadata: {{name: svc-x, namespace: other}}
spec: {{ports: [{{name: http, port: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: svc-y, namespace: other}}
spec: {{ports: [{{name: http, port: 80}}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: x, namespace: other, labels: {{kubernetes.io/service-name: svc-x}}}}
addressType: IPv4
ports: [{{name: http, port: {bport}}}]
endpoints: [{{addresses: ['{baddr}']}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: y, namespace: other, labels: {{kubernetes.io/service-name: svc-y}}}}
addressType: IPv4
ports: [{{name: http, port: {bport}}}]
endpoints: [{{addresses: ['{baddr}']}}]
"""


def manifests(port, a, b, dyn="svc-a"):
    refused = free_port("127.0.0.23")
    docs = [pool_and_class_yaml(f"{GW_ADDR}/24") + GATEWAY.format(port=port),
            MAIN_ROUTE % {"dyn": dyn},
            CROSS_NS.format(bport=b.port, baddr=b.host)]
    for s in ("svc-a", "svc-b", "svc-ab", "svc-empty", "svc-refused", "svc-half"):
        docs.append(service_yaml(s))
    docs += [slice_yaml("a", "svc-a", a.host, a.port), slice_yaml("b", "svc-b", b.host, b.port),
             slice_yaml("ab-1", "svc-ab", a.host, a.port),
             slice_yaml("ab-2", "svc-ab", b.host, b.port),
             slice_yaml("empty", "svc-empty", a.host, a.port, ready=False),
             slice_yaml("refused", "svc-refused", "127.0.0.23", refused),
             slice_yaml("half-1", "svc-half", a.host, a.port),
             slice_yaml("half-2", "svc-half", "127.0.0.23", refused)]
    return "---\n".join(d if d.endswith("\n") else d + "\n" for d in docs)


class Gateway(GatewayDaemon):
    """metalgate run on manifests() in tmp_path/m/all.yaml, 2 workers."""

    def __init__(self, binary, tmp_path, a, b, args=(), preexec_fn=None):
        port = free_port(GW_ADDR)
        self.a, self.b = a, b
        self.dir = tmp_path / "m"
        self.dir.mkdir()
        file = self.dir / "all.yaml"
        file.write_text(manifests(port, a, b))
        super().__init__(binary, file, tmp_path / "gw.log", ("--workers", "2", *args),
                         host=GW_ADDR, port=port, preexec_fn=preexec_fn)

    def who(self, path, *args, host=None):
        code, body = self.curl(path, *args, host=host)
        assert code == 200, (code, body)
        return json.loads(body)["name"]


@pytest.fixture(scope="module", autouse=True)
def need_curl():
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")


@pytest.fixture(scope="module")
def backends():
    a, b = Backend("A", "127.0.0.21"), Backend("B", "127.0.0.22")
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture(scope="module")
def gw(mg, backends, tmp_path_factory):
    g = Gateway(mg.binary, tmp_path_factory.mktemp("gw"), *backends)
    yield g
    g.stop()


def test_path_prefix(gw):
    assert gw.who("/a") == "A"
    assert gw.who("/a/deeper/x") == "A"


def test_prefix_is_segment_wise(gw):
    assert gw.curl("/ab")[0] == 404


def test_exact_path(gw):
    assert gw.who("/exact") == "B"
    assert gw.curl("/exact/more")[0] == 404


def test_header_match(gw):
    assert gw.who("/hdr", "-H", "X-Pick: b") == "B"
    assert gw.who("/hdr") == "A"


def test_method_and_query_match(gw):
    assert gw.who("/m", "-X", "DELETE") == "B"
    assert gw.who("/m") == "A"
    assert gw.who("/q?pick=b") == "B"
    assert gw.who("/q?pick=c") == "A"


def test_hostname_routing(gw):
    # The route with hostname foo.example is the only one for that host.
    assert gw.who("/a", host="foo.example") == "B"
    assert gw.who("/a", host="bar.example") == "A"


def test_listener_isolation(gw):
    assert gw.who("/iso", host="iso.example") == "B"
    assert gw.curl("/a", host="iso.example")[0] == 404
    assert gw.curl("/iso")[0] == 404


def test_cross_namespace_backend_needs_grant(gw):
    assert gw.who("/xns") == "B"  # ReferenceGrant in the Service's namespace
    assert gw.curl("/xdenied")[0] == 500  # not granted: the ref does not resolve


def test_route_from_other_namespace_not_attached(gw):
    # allowedRoutes defaults to the Gateway's namespace.
    assert gw.curl("/foreign")[0] == 404


def test_no_route_404(gw):
    assert gw.curl("/nothing/here")[0] == 404


def test_no_ready_endpoint_503(gw):
    assert gw.curl("/noeps")[0] == 503


def test_unresolved_backend_500(gw):
    assert gw.curl("/missing")[0] == 500


def test_refused_backend_502(gw):
    assert gw.curl("/refused")[0] == 502
    assert gw.curl("/refused", "-X", "POST", "-d", "x")[0] == 502


def test_refusing_endpoint_ejected(gw):
    """One endpoint of two refuses: GETs are retried on the other; a POST
    is not, but once a worker has seen the refusal it skips that endpoint."""
    assert [gw.curl("/half")[0] for _ in range(6)] == [200] * 6
    codes = [gw.curl("/half", "-X", "POST", "-d", "x")[0] for _ in range(12)]
    assert codes.count(200) >= 10 and set(codes) <= {200, 502}, codes


def test_forwarded_headers(gw):
    code, body = gw.curl("/a", "-H", "X-Forwarded-For: 192.0.2.7", "-H",
                         "X-Forwarded-Proto: https")
    doc = json.loads(body)
    assert doc["xff"].startswith("192.0.2.7, 127.")
    assert doc["xfp"] == "http"
    assert doc["host"] == f"{GW_ADDR}:{gw.port}"


def test_keep_alive_both_sides(gw):
    r = subprocess.run(["curl", "-sv", "-m", "10", gw.url("/a/1"), gw.url("/a/2"),
                        gw.url("/a/3")], capture_output=True, timeout=30, text=True)
    assert "Re-using existing connection" in r.stderr
    ports = {json.loads(line)["port"] for line in r.stdout.splitlines()}
    assert len(ports) == 1, "the upstream connection is pooled and reused"


def test_post_content_length(gw):
    data = b"hello, gateway"
    code, body = gw.curl("/echo", "--data-binary", data.decode())
    doc = json.loads(body)
    assert code == 200 and doc["method"] == "POST" and doc["len"] == len(data)
    assert doc["sha"] == hashlib.sha256(data).hexdigest()


def test_chunked_request_body(gw, tmp_path):
    data = os.urandom(300000)
    f = tmp_path / "body"
    f.write_bytes(data)
    code, body = gw.curl("/echo", "-m", "60", "-H", "Transfer-Encoding: chunked",
                         "--data-binary", f"@{f}")
    doc = json.loads(body)
    assert code == 200 and doc["chunked"] and doc["len"] == len(data)
    assert doc["sha"] == hashlib.sha256(data).hexdigest()


def test_chunked_response_body(gw):
    code, body = gw.curl("/chunked")
    assert code == 200
    assert body == b"".join(b"part%d-A;" % i for i in range(5))
    r = subprocess.run(["curl", "-sv", "-m", "10", gw.url("/chunked")], capture_output=True,
                       timeout=30, text=True)
    assert "transfer-encoding: chunked" in r.stderr.lower()


def curl_verbose(gw, path, *args):
    """(status, body) like gw.curl; a failure shows curl's exit code and
    stderr (timeout or empty reply?) and the end of the gateway's log."""
    cmd = ["curl", "-sS", "-m", "60", "-o", "-", "-w", "\n%{http_code}", *args, gw.url(path)]
    r = subprocess.run(cmd, capture_output=True, timeout=90)
    body, _, code = r.stdout.rpartition(b"\n")
    why = (f"curl exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}\n"
           f"gateway log:\n{gw.logs()[-1500:]}")
    return int(code or 0), body, why


def test_large_bodies(gw, tmp_path):
    data = os.urandom(8 * 1024 * 1024)
    f = tmp_path / "big"
    f.write_bytes(data)
    # curl sends Expect: 100-continue for a body this large: the proxy answers it.
    # -m 60: on a loaded machine the Python backend hashing 8 MB is slow.
    code, body, why = curl_verbose(gw, "/echo", "--data-binary", f"@{f}")
    assert code == 200, (code, body[:200], why)
    doc = json.loads(body)
    assert doc["len"] == len(data)
    assert doc["sha"] == hashlib.sha256(data).hexdigest()
    n = 20 * 1000 * 1000
    code, body, why = curl_verbose(gw, f"/big?n={n}")
    assert code == 200 and len(body) == n, (code, len(body), why)
    assert body[:32] == b"0123456789abcdef" * 2


def test_head(gw):
    r = subprocess.run(["curl", "-sI", "-m", "10", gw.url("/a")], capture_output=True,
                       timeout=30, text=True)
    assert r.stdout.startswith("HTTP/1.1 200")
    assert "content-length:" in r.stdout.lower()


def test_round_robin_endpoints(gw):
    names = [gw.who("/rr") for _ in range(8)]
    assert set(names) == {"A", "B"}


def test_weights(gw):
    n = 200
    r = subprocess.run(["curl", "-s", "-m", "30"] + [gw.url("/weights")] * n,
                       capture_output=True, timeout=60, text=True)
    names = [json.loads(line)["name"] for line in r.stdout.splitlines()]
    assert len(names) == n
    share = names.count("A") / n
    assert 0.6 <= share <= 0.9, share  # 3:1 is 0.75


def test_smuggling_refused(gw):
    with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 400")
    assert b"connection: close" in data.lower()


def test_pipelining(gw):
    with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
        s.sendall(b"GET /a/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /exact HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.count(b"HTTP/1.1 200") == 2
    assert b'"name": "A"' in data and b'"name": "B"' in data


def test_http10_and_connection_close(gw):
    # HTTP/1.0 without Host: the Gateway address stands in; a chunked
    # upstream body is sent close-delimited, and the connection closes.
    with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
        s.sendall(b"GET /chunked HTTP/1.0\r\n\r\n")
        data = read_all(s)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" not in head.lower()
    assert body == b"".join(b"part%d-A;" % i for i in range(5))
    code, body = gw.curl("/a", "-0")
    assert code == 200 and json.loads(body)["host"] == f"{GW_ADDR}:{gw.port}"
    with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
        s.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_all(s)
    assert data.startswith(b"HTTP/1.1 200") and b"connection: close" in data.lower()


def test_upgrade_tunnel(gw):
    with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n"
                  b"\r\nearly")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            assert chunk, data
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101") and b"upgrade: echo" in head.lower(), head
        for msg in (b"", b"hello", b"x" * 100000):
            s.sendall(msg)
            want = (b"EARLY" if not msg else msg.upper())
            while len(rest) < len(want):
                chunk = s.recv(65536)
                assert chunk, rest
                rest += chunk
            assert rest == want
            rest = b""
    # Without an upgrade the same path is an ordinary request.
    assert gw.who("/ws") == "A"


def test_half_close_still_answered(gw):
    for path in (b"/a/half", b"/nothing"):
        with socket.create_connection((GW_ADDR, gw.port), timeout=5) as s:
            s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            s.shutdown(socket.SHUT_WR)
            data = read_all(s)
        assert data.startswith(b"HTTP/1.1 200" if path == b"/a/half" else b"HTTP/1.1 404"), data


def test_reload_switches_routes_on_open_connection(mg, backends, tmp_path):
    g = Gateway(mg.binary, tmp_path, *backends)
    try:
        conn = http.client.HTTPConnection(GW_ADDR, g.port, timeout=5)
        conn.request("GET", "/dyn")
        r = conn.getresponse()
        assert json.loads(r.read())["name"] == "A"
        sock = conn.sock
        g.file.write_text(manifests(g.port, *backends, dyn="svc-b"))
        g.reload()
        deadline, name, n = time.monotonic() + 10, "A", 0
        while name == "A" and time.monotonic() < deadline and n < 500:
            conn.request("GET", "/dyn")
            r = conn.getresponse()
            assert r.status == 200
            name = json.loads(r.read())["name"]
            n += 1
            time.sleep(0.02)
        assert name == "B", g.logs()
        assert conn.sock is sock, "the client connection was kept across the reload"
        conn.close()
    finally:
        g.stop()


def test_timeouts(mg, backends, tmp_path):
    args = ("--header-timeout", "800", "--idle-timeout", "800", "--upstream-timeout", "800")
    g = Gateway(mg.binary, tmp_path, *backends, args=args)
    try:
        t0 = time.monotonic()
        assert g.curl("/slow")[0] == 504
        assert time.monotonic() - t0 < 2.4
        # Slowloris: a head that never ends gets 408 and the connection closes.
        with socket.create_connection((GW_ADDR, g.port), timeout=5) as s:
            s.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            time.sleep(0.3)
            s.sendall(b"still")
            data = read_all(s)
        assert data.startswith(b"HTTP/1.1 408"), data
        # An idle keep-alive connection is closed without an answer.
        with socket.create_connection((GW_ADDR, g.port), timeout=5) as s:
            t0 = time.monotonic()
            assert read_all(s) == b""
            assert 0.5 < time.monotonic() - t0 < 4
    finally:
        g.stop()


def header_values(doc, name):
    return [v for k, v in doc["headers"] if k == name]


def test_route_timeout_504(gw):
    t0 = time.monotonic()
    assert gw.curl("/slowto")[0] == 504
    assert time.monotonic() - t0 < 2.0


def test_request_header_modifier(gw):
    code, body = gw.curl("/reqhdr", "-H", "X-Set: client", "-H", "X-Add: c1", "-H",
                         "X-Remove: gone")
    doc = json.loads(body)
    assert code == 200
    assert header_values(doc, "x-set") == ["s1"]
    assert header_values(doc, "x-add") == ["c1", "a1"]
    assert header_values(doc, "x-remove") == []


def test_response_header_modifier(gw):
    r = subprocess.run(["curl", "-si", "-m", "10", gw.url("/resphdr")], capture_output=True,
                       timeout=30, text=True)
    head = r.stdout.split("\n\n")[0].lower()
    assert head.startswith("http/1.1 200")
    assert "x-resp: r1" in head and "x-resp-add: r2" in head
    assert "content-type" not in head


def location(gw, path, host=None):
    args = ["curl", "-si", "-m", "10"] + (["-H", f"Host: {host}"] if host else [])
    r = subprocess.run(args + [gw.url(path)], capture_output=True, timeout=30, text=True)
    lines = r.stdout.splitlines()
    loc = [ln.split(": ", 1)[1] for ln in lines if ln.lower().startswith("location:")]
    return int(lines[0].split()[1]), loc[0] if loc else None


def test_request_redirect(gw):
    assert location(gw, "/redir/x?a=1", host="www.example") == (
        301, f"http://redirect.example:{gw.port}/redir/x?a=1")
    assert location(gw, "/redirs", host="www.example:8080") == (302, "https://www.example/redirs")
    assert location(gw, "/redirp/x/y", host="www.example") == (
        302, f"http://www.example:{gw.port}/new/x/y")


def test_url_rewrite(gw):
    code, body = gw.curl("/rewrite/x?q=1")
    doc = json.loads(body)
    assert doc["path"] == "/r2/x?q=1" and doc["host"] == "rewritten.example"
    code, body = gw.curl("/rewrite")
    assert json.loads(body)["path"] == "/r2"
    code, body = gw.curl("/full/any/thing?z=2")
    doc = json.loads(body)
    assert doc["name"] == "B" and doc["path"] == "/fixed?z=2"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_reload_under_load(mg, backends, tmp_path):
    """wrk keeps 20 connections busy while the route flips five times:
    no error, no non-2xx answer, no socket error."""
    g = Gateway(mg.binary, tmp_path, *backends)
    try:
        wrk = subprocess.Popen(["wrk", "-t1", "-c20", "-d3s", g.url("/dyn")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for i in range(5):
                time.sleep(0.4)
                g.file.write_text(manifests(g.port, *backends,
                                            dyn="svc-b" if i % 2 == 0 else "svc-a"))
                g.reload()
            out, _ = wrk.communicate(timeout=30)
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
        assert "requests in" in out, out
        assert "Non-2xx" not in out and "Socket errors" not in out, out
        assert g.logs().count("running:") >= 3
    finally:
        g.stop()


def test_out_of_descriptors_pauses_accept(mg, backends, tmp_path):
    """With 64 descriptors, 100 clients exhaust them: accept pauses (no spin),
    and once they leave the gateway serves again."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    g = Gateway(mg.binary, tmp_path, *backends, preexec_fn=limit)
    try:
        socks = []
        for _ in range(100):
            s = socket.create_connection((GW_ADDR, g.port), timeout=5)
            s.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        time.sleep(0.5)
        for s in socks:
            s.close()
        deadline, code = time.monotonic() + 10, 0
        while code != 200 and time.monotonic() < deadline:
            code = g.curl("/a")[0]
            time.sleep(0.1)
        assert code == 200, g.logs()
        assert "pausing for 100 ms" in g.logs()
    finally:
        g.stop()


# ---- backendRef filters and rule timeouts --------------------------------------
# A second gateway (fixture gwx): the manifests above plus the routes below,
# loaded by a SIGHUP, and a backend T that can answer late (?delay=MS, like
# the conformance echo server) or send its body slowly (/drip).

class TimedHandler(Handler):
    def answer(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path.endswith("/drip"):
            return self.drip()
        if "delay" in q:
            time.sleep(int(q["delay"][0]) / 1000)
        super().answer()

    def drip(self):
        """A head at once, then ten 1-byte parts 300 ms apart; records
        whether the proxy closed the connection before the end."""
        self.read_body()
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(10):
                time.sleep(0.3)
                self.wfile.write(b"x")
                self.wfile.flush()
        except OSError:
            self.server.drips_cut += 1
        self.close_connection = True

    do_GET = do_POST = answer


class TimedServer(http.server.ThreadingHTTPServer):
    drips_cut = 0

    def handle_error(self, request, client_address):
        pass  # the proxy closing a connection it gave up on is expected here


EXTRA_ROUTES = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: extra, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /bf/hdr}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Order, value: rule}]
        add: [{name: X-Rule, value: r1}]
    backendRefs:
    - name: svc-a
      port: 80
      filters:
      - type: RequestHeaderModifier
        requestHeaderModifier:
          set: [{name: X-Set, value: s1}, {name: X-Order, value: backend}]
          add: [{name: X-Add, value: a1}]
          remove: [X-Remove]
      - type: ResponseHeaderModifier
        responseHeaderModifier:
          set: [{name: X-Served-By, value: ref-a}]
          remove: [Content-Type]
  - matches: [{path: {value: /bf/weights}}]
    backendRefs:
    - name: svc-a
      port: 80
      filters:
      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: A}]}}
    - name: svc-b
      port: 80
      filters:
      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: B}]}}
  - matches: [{path: {value: /bf/redirect-full}}]
    backendRefs:
    - name: svc-a
      port: 80
      filters:
      - type: RequestRedirect
        requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /full}, statusCode: 301}
  - matches: [{path: {value: /bf/redirect-prefix}}]
    backendRefs:
    - name: svc-a
      port: 80
      filters:
      - type: RequestRedirect
        requestRedirect:
          hostname: example.org
          path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement}
  - matches: [{path: {value: /bf/redirect-long}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL}}
  - matches: [{path: {value: /bf/redirect-half}}]
    backendRefs:
    - name: svc-a
      port: 80
      filters:
      - {type: RequestRedirect, requestRedirect: {hostname: example.org}}
    - {name: svc-b, port: 80}
  - matches: [{path: {value: /bf/rewrite}}]
    filters:
    - {type: URLRewrite, urlRewrite: {hostname: rule.example}}
    backendRefs:
    - name: svc-a
      port: 80
      weight: 1
      filters:
      - type: URLRewrite
        urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /to-a}}
    - name: svc-b
      port: 80
      weight: 1
      filters:
      - {type: URLRewrite, urlRewrite: {hostname: b.example}}
  - matches: [{path: {value: /to/req}}]
    timeouts: {request: 500ms}
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/req0}}]
    timeouts: {request: 0s}
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/default}}]
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/be}}]
    timeouts: {backendRequest: 500ms}
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/be0}}]
    timeouts: {backendRequest: 0s}
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/both}}]
    timeouts: {request: 10s, backendRequest: 500ms}
    backendRefs: [{name: svc-t, port: 80}]
  - matches: [{path: {value: /to/drip}}]
    timeouts: {request: 1s}
    backendRefs: [{name: svc-t, port: 80}]
"""


@pytest.fixture(scope="module")
def timed_backend():
    t = ServerThread("127.0.0.24", TimedHandler, TimedServer, name="T")
    yield t.server
    t.stop()


def reloaded_gateway(mg, backends, tmp_path, routes, service, server, ready_path, args=()):
    """A Gateway on manifests() that a SIGHUP then gives `routes` and the
    Service `service` (EndpointSlice: `server`); returned once ready_path
    answers 200 (bounded)."""
    g = Gateway(mg.binary, tmp_path, *backends, args=args)
    g.file.write_text(manifests(g.port, *backends) + "---\n" + routes + "---\n" +
                      service_yaml(service) + "---\n" +
                      slice_yaml(service.removeprefix("svc-"), service, *server.server_address))
    g.reload()
    deadline, code = time.monotonic() + 10, 0
    while code != 200 and time.monotonic() < deadline:
        code = g.curl(ready_path)[0]
        time.sleep(0.05)
    if code != 200:
        logs = g.logs()
        g.abort()  # the fixture never yields it: nobody else would stop it
        raise AssertionError(logs)
    return g


@pytest.fixture(scope="module")
def gwx(mg, backends, timed_backend, tmp_path_factory):
    """The upstream timeout is 800 ms here: rules without timeouts keep it."""
    g = reloaded_gateway(mg, backends, tmp_path_factory.mktemp("gwx"), EXTRA_ROUTES, "svc-t",
                         timed_backend, "/to/req", args=("--upstream-timeout", "800"))
    yield g
    g.stop()


def test_backend_request_header_modifier(gwx):
    code, body = gwx.curl("/bf/hdr", "-H", "X-Set: client", "-H", "X-Add: c1", "-H",
                          "X-Remove: gone", "-H", "X-Order: client")
    assert code == 200, body
    doc = json.loads(body)
    assert header_values(doc, "x-set") == ["s1"]
    assert header_values(doc, "x-add") == ["c1", "a1"]
    assert header_values(doc, "x-remove") == []
    # The rule's filter runs first, the backendRef's after it.
    assert header_values(doc, "x-rule") == ["r1"]
    assert header_values(doc, "x-order") == ["backend"]
    r = subprocess.run(["curl", "-si", "-m", "10", gwx.url("/bf/hdr")], capture_output=True,
                       timeout=30, text=True)
    head = r.stdout.split("\r\n\r\n")[0].lower()
    assert head.startswith("http/1.1 200") and "x-served-by: ref-a" in head, head
    assert "content-type" not in head


def test_header_modifier_backend_weights(gwx):
    n = 100
    r = subprocess.run(["curl", "-s", "-m", "30"] + [gwx.url("/bf/weights")] * n,
                       capture_output=True, timeout=60, text=True)
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(docs) == n
    for doc in docs:
        assert header_values(doc, "backend") == [doc["name"]], doc
    # Equal weights: both serve (all 100 on one side has probability 2^-99).
    assert {doc["name"] for doc in docs} == {"A", "B"}


def test_backend_request_redirect(gwx):
    assert location(gwx, "/bf/redirect-full/x?q=1", host="www.example") == (
        301, f"http://www.example:{gwx.port}/full?q=1")
    assert location(gwx, "/bf/redirect-prefix/lemon", host="www.example") == (
        302, f"http://example.org:{gwx.port}/replacement/lemon")
    # Only requests given to the ref with the filter are redirected.
    seen = set()
    for _ in range(20):
        code, body = gwx.curl("/bf/redirect-half")
        assert code in (200, 302), (code, body)
        if code == 200:
            assert json.loads(body)["name"] == "B"
        seen.add(code)
    assert seen == {200, 302}


def test_redirect_location_too_long_is_500(gwx):
    """A Location that cannot be written (a 1,000-byte replacement path and a
    long query) is a 500 at once, not a client left waiting."""
    code, body = gwx.curl("/bf/redirect-long?q=1")
    assert code == 302, body
    query = "q=" + "x" * 8100  # the request line stays under 8 KiB
    with socket.create_connection((GW_ADDR, gwx.port), timeout=10) as s:
        s.sendall(f"GET /bf/redirect-long?{query} HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = read_all(s)
    assert data.startswith(b"HTTP/1.1 500"), data[:200]

def test_backend_url_rewrite(gwx):
    """A ref's URLRewrite part replaces the rule's, the rest of the rule's stays."""
    seen = {}
    for _ in range(20):
        doc = json.loads(gwx.curl("/bf/rewrite/x?q=1")[1])
        seen[doc["name"]] = (doc["host"], doc["path"])
    assert seen == {"A": ("rule.example", "/to-a/x?q=1"), "B": ("b.example", "/bf/rewrite/x?q=1")}


def pipelined(gw, *targets):
    """Sends every request at once on one connection (the last asks to close)
    and returns what came back."""
    reqs = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" %
                    (t.encode(), b"Connection: close\r\n" if i == len(targets) - 1 else b"")
                    for i, t in enumerate(targets))
    with socket.create_connection((GW_ADDR, gw.port), timeout=10) as s:
        s.sendall(reqs)
        return read_all(s)


def test_timeout_request(gwx):
    assert gwx.curl("/to/req")[0] == 200
    assert gwx.curl("/to/req?delay=1000")[0] == 504
    # "0s" disables it, and the proxy's upstream timeout (800 ms here) with it.
    assert gwx.curl("/to/req0?delay=1000")[0] == 200
    assert gwx.curl("/to/default?delay=1000")[0] == 504
    # A late answer and the next pipelined request: each has its own deadline.
    data = pipelined(gwx, "/to/req?delay=1000", "/to/req")
    assert data.startswith(b"HTTP/1.1 504"), data
    assert data.count(b"HTTP/1.1 200") == 1 and b'"name": "T"' in data, data
    # The request body's upload counts: half a body, then nothing.
    with socket.create_connection((GW_ADDR, gwx.port), timeout=10) as s:
        s.sendall(b"POST /to/req HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        data = read_all(s)
    assert data.startswith(b"HTTP/1.1 504"), data
    assert b"connection: close" in data.lower()
    # So does reading the head: the clock starts at the request's first byte.
    with socket.create_connection((GW_ADDR, gwx.port), timeout=10) as s:
        s.sendall(b"GET /to/req HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.7)
        s.sendall(b"Connection: close\r\n\r\n")
        data = read_all(s)
    assert data.startswith(b"HTTP/1.1 504"), data


def test_timeout_backend_request(gwx):
    assert gwx.curl("/to/be")[0] == 200
    assert gwx.curl("/to/be?delay=1000")[0] == 504
    assert gwx.curl("/to/be0?delay=1000")[0] == 200
    # backendRequest shorter than request: the attempt's deadline answers.
    assert gwx.curl("/to/both?delay=1000")[0] == 504
    # On one client connection (one worker, one pool): the upstream connection
    # that timed out is closed, not pooled; the client connection is kept.
    conn = http.client.HTTPConnection(GW_ADDR, gwx.port, timeout=10)
    try:
        statuses, ports = [], []
        for path in ("/to/be", "/to/be?delay=1000", "/to/be"):
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            statuses.append(r.status)
            if r.status == 200:
                ports.append(json.loads(body)["port"])
        sock = conn.sock
        conn.request("GET", "/to/be")
        conn.getresponse().read()
        assert conn.sock is sock
    finally:
        conn.close()
    assert statuses == [200, 504, 200]
    assert ports[0] != ports[1], "the timed-out upstream connection was reused"


def test_timeout_after_head_closes(gwx, timed_backend):
    cut = timed_backend.drips_cut
    with socket.create_connection((GW_ADDR, gwx.port), timeout=10) as s:
        s.sendall(b"GET /to/drip HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_all(s)  # returns at EOF: the proxy closed the connection
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"content-length: 10" in head.lower(), data
    assert len(body) < 10, data
    # The upstream connection was closed too: the backend's writes fail.
    deadline = time.monotonic() + 10
    while timed_backend.drips_cut == cut and time.monotonic() < deadline:
        time.sleep(0.1)
    assert timed_backend.drips_cut == cut + 1


# ---- filters the gateway does not apply ------------------------------------------
# ExternalAuth and ExtensionRef must not be skipped: the rule (or the
# backendRef) that carries one answers 500 and its backend never sees the
# request. RequestMirror and CORS are skipped: the rule forwards as usual.
# Backend C (fixture counted_backend) records every request it receives.

class CountingHandler(Handler):
    def answer(self):
        with self.server.lock:
            self.server.seen.append(self.path)
        super().answer()

    do_GET = do_POST = answer


UNAPPLIED_ROUTES = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: unapplied, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {value: /fc/auth}}]
    filters:
    - type: ExternalAuth
      externalAuth: {protocol: HTTP, backendRef: {name: svc-a, port: 80}}
    backendRefs: [{name: svc-c, port: 80}]
  - matches: [{path: {value: /fc/auth-redirect}}]
    filters:
    - type: ExternalAuth
      externalAuth: {protocol: HTTP, backendRef: {name: svc-a, port: 80}}
    - {type: RequestRedirect, requestRedirect: {hostname: example.org}}
  - matches: [{path: {value: /fc/ext}}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: Filter, name: f}
    backendRefs: [{name: svc-c, port: 80}]
  - matches: [{path: {value: /fc/ref-ext}}]
    backendRefs:
    - name: svc-c
      port: 80
      filters:
      - type: ExtensionRef
        extensionRef: {group: example.com, kind: Filter, name: f}
    - {name: svc-a, port: 80}
  - matches: [{path: {value: /fc/ref-auth}}]
    backendRefs:
    - name: svc-c
      port: 80
      filters:
      - type: ExternalAuth
        externalAuth: {protocol: GRPC, backendRef: {name: svc-a, port: 80}}
  - matches: [{path: {value: /fc/mirror}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: svc-b, port: 80}}
    - type: CORS
      cors: {allowOrigins: ["https://www.example.org"]}
    backendRefs:
    - name: svc-c
      port: 80
      filters:
      - type: RequestMirror
        requestMirror: {backendRef: {name: svc-b, port: 80}}
"""


@pytest.fixture(scope="module")
def counted_backend():
    c = ServerThread("127.0.0.25", CountingHandler, name="C", seen=[], lock=threading.Lock())
    yield c.server
    c.stop()


@pytest.fixture(scope="module")
def gwf(mg, backends, counted_backend, tmp_path_factory):
    g = reloaded_gateway(mg, backends, tmp_path_factory.mktemp("gwf"), UNAPPLIED_ROUTES,
                         "svc-c", counted_backend, "/fc/mirror/ready")
    yield g
    g.stop()


def seen_under(backend, prefix):
    with backend.lock:
        return [p for p in backend.seen if p.startswith(prefix)]


def test_external_auth_fails_closed(gwf, counted_backend):
    for path in ("/fc/auth", "/fc/auth/x?q=1"):
        assert gwf.curl(path)[0] == 500
    r = subprocess.run(["curl", "-s", "-m", "10", "-X", "POST", "--data", "secret",
                        "-o", "/dev/null", "-w", "%{http_code}", gwf.url("/fc/auth")],
                       capture_output=True, timeout=30, text=True)
    assert r.stdout == "500", r
    # The rule's redirect does not answer in the filter's place.
    assert location(gwf, "/fc/auth-redirect") == (500, None)
    assert gwf.curl("/fc/ref-auth")[0] == 500
    # Backend C serves (/fc/mirror) but was never given these requests.
    assert gwf.who("/fc/mirror/check") == "C"
    assert seen_under(counted_backend, "/fc/auth") == []
    assert seen_under(counted_backend, "/fc/ref-auth") == []


def test_extension_ref_fails_closed(gwf, counted_backend):
    assert gwf.curl("/fc/ext")[0] == 500
    assert gwf.curl("/fc/ext/deeper")[0] == 500
    assert seen_under(counted_backend, "/fc/ext") == []


def test_backend_extension_ref_fails_its_share(gwf, counted_backend):
    n = 60
    r = subprocess.run(["curl", "-s", "-m", "30", "-w", "%{http_code}\n"] +
                       [gwf.url("/fc/ref-ext")] * n, capture_output=True, timeout=60, text=True)
    lines = r.stdout.splitlines()
    codes = [line for line in lines if line in ("200", "500")]
    names = [json.loads(line)["name"] for line in lines if line.startswith("{")]
    assert len(codes) == n, r.stdout
    # Equal weights: both shares show (all 60 on one side has probability 2^-59).
    assert codes.count("500") > 0 and codes.count("200") > 0, codes
    assert names == ["A"] * codes.count("200"), names
    assert seen_under(counted_backend, "/fc/ref-ext") == []


def test_request_mirror_and_cors_are_skipped(gwf, counted_backend):
    code, body = gwf.curl("/fc/mirror/x", "-H", "Origin: https://www.example.org")
    assert code == 200, body
    assert json.loads(body)["name"] == "C"
    assert seen_under(counted_backend, "/fc/mirror/x") == ["/fc/mirror/x"]
