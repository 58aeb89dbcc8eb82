"""The Gateway API conformance echo backend, as a thread of the test process.

Every request is answered 200 with JSON
    {path, host, method, proto, headers, namespace, pod}
where path is the request target (query included), headers maps each
canonical header name (X-Header-Set) to the list of values received, and
namespace/pod name the backend (the conformance suite reads them from the
pod's environment). Like the suite's echo-basic it honours:
    ?delay=<duration>            sleep first (h, m, s, ms units; at most 10 s)
    X-Echo-Set-Header: N:v,N2:v2 set these headers on the response
"""

import http.server
import json
import re
import time
import urllib.parse

from lib.gateway import ServerThread

DURATION_RE = re.compile(r"([0-9]{1,5})(ms|h|m|s)")
UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
MAX_DELAY = 10.0  # a test's bounded wait, whatever the query says


def parse_duration(text):
    """Seconds for a GEP-2257 duration ("1s", "500ms", "1m30s"), or None."""
    parts = DURATION_RE.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * UNIT_SECONDS[u] for n, u in parts)


def canonical(name):
    """Go's canonical MIME header form, as the conformance echo reports names."""
    return "-".join(p[:1].upper() + p[1:].lower() for p in name.split("-"))


class EchoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        if n:
            self.rfile.read(n)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "delay" in query:
            delay = parse_duration(query["delay"][0])
            if delay is not None:
                time.sleep(min(delay, MAX_DELAY))
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(canonical(name), []).append(value)
        doc = {"path": self.path, "host": self.headers.get("Host", ""),
               "method": self.command, "proto": self.request_version,
               "headers": headers, "namespace": self.server.namespace,
               "pod": self.server.pod}
        data = json.dumps(doc).encode() + b"\n"
        self.send_response(200)
        for item in self.headers.get_all("X-Echo-Set-Header") or []:
            for pair in item.split(","):
                name, sep, value = pair.partition(":")
                if sep and name.strip():
                    self.send_header(name.strip(), value.strip())
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = answer


class EchoServer(ServerThread):
    """One echo backend: service `name` in `namespace`, on host:<free port>."""

    def __init__(self, name, namespace, host):
        super().__init__(host, EchoHandler, namespace=namespace, pod=f"{name}-pod")
        self.name, self.namespace, self.pod = name, namespace, self.server.pod
