"""Gateway API HTTPRoute conformance, mirrored against the real `metalgate run`.

One test per item of the conformance catalogue (../shared/reference/
kuadrant-gateway.md section 1.11; the mapping is in docs/internals/testing.md),
named after the upstream test. The fixtures follow the suite's: namespace
gateway-conformance-infra with Gateways same-namespace (from Same) and
backend-namespaces (Selector gateway-conformance: backend), echo backends
infra-backend-v1/v2/v3 (and web-backend, app-backend-v1/v2 in other
namespaces) answering JSON
{path, host, method, proto, headers, namespace, pod} (lib/echo.py).

Each item gets its own metalgate (own IPAddressPool 127.<random>.<item>.0/24,
checked unused, own admin port, stopped by PID), started on first use and
shared by the item's sub-cases; the echo servers are shared by the module. Status items
read the route/listener conditions from the daemon's admin /status and also
check the data-plane effect. Every wait is bounded.
"""

import json
import os
import random
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from lib.echo import EchoServer, parse_duration
from lib.gateway import GatewayDaemon

INFRA = "gateway-conformance-infra"
WEB = "gateway-conformance-web-backend"
APP = "gateway-conformance-app-backend"

# service name -> (namespace, loopback address of its echo server)
BACKENDS = {
    "infra-backend-v1": (INFRA, "127.0.0.41"),
    "infra-backend-v2": (INFRA, "127.0.0.42"),
    "infra-backend-v3": (INFRA, "127.0.0.43"),
    "web-backend": (WEB, "127.0.0.44"),
    "app-backend-v1": (APP, "127.0.0.45"),
    "app-backend-v2": (APP, "127.0.0.46"),
}
V1, V2, V3 = "infra-backend-v1", "infra-backend-v2", "infra-backend-v3"


GATEWAY_PORTS = (80, 443, 8080, 8090)


def unused_pool(item, tries=50):
    """A loopback /24 for one item whose first addresses have none of the
    listener ports in use. The gateway's listeners use SO_REUSEPORT: a
    second run (another worktree, an ASan run) on the same address and port
    would silently share the port with this one, so each run picks a
    random second octet and checks it."""
    for _ in range(tries):
        prefix = f"127.{random.randint(100, 199)}.{item}"
        try:
            for host in range(3):
                for port in GATEWAY_PORTS:
                    with socket.socket() as s:
                        s.bind((f"{prefix}.{host}", port))
        except OSError:
            continue
        return f"{prefix}.0/24"
    raise AssertionError(f"no unused loopback pool for item {item}")


def common_yaml(pool, echo):
    """Pool, class, namespaces, and the backends' Services and EndpointSlices."""
    docs = [f"""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{name: conformance, namespace: metallb-system}}
spec: {{addresses: [{pool}]}}
""", """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: metalgate}
spec: {controllerName: metalgate.io/gateway-controller}
""", f"""apiVersion: v1
kind: Namespace
metadata: {{name: {INFRA}}}
""", f"""apiVersion: v1
kind: Namespace
metadata: {{name: {WEB}, labels: {{gateway-conformance: backend}}}}
""", f"""apiVersion: v1
kind: Namespace
metadata: {{name: {APP}}}
"""]
    for name, server in echo.items():
        docs.append(f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {server.namespace}}}
spec: {{ports: [{{name: http, port: 8080}}]}}
""")
        docs.append(f"""apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: {name}-1, namespace: {server.namespace}, labels: {{kubernetes.io/service-name: {name}}}}}
addressType: IPv4
ports: [{{name: http, port: {server.port}}}]
endpoints: [{{addresses: ['{server.host}']}}]
""")
    return docs


def gateway_yaml(name, listeners, namespace=INFRA):
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  gatewayClassName: metalgate
  listeners:
{listeners}"""


SAME_NAMESPACE = gateway_yaml("same-namespace", """  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: Same}}
""")
BACKEND_NAMESPACES = gateway_yaml("backend-namespaces", """  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {gateway-conformance: backend}}
""")


def route_yaml(name, body, namespace=INFRA):
    return (f"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{body}")


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        """All values of a response header, in order (case-insensitive name)."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def echo(self):
        assert self.status == 200, (self.status, self.body[:300])
        return json.loads(self.body)

    def request_header(self, name):
        """What the backend received for header `name`, list values joined
        with "," (as the conformance suite compares them), or None."""
        for k, values in self.echo["headers"].items():
            if k.lower() == name.lower():
                return ",".join(values)
        return None


class ItemGateway(GatewayDaemon):
    """One `metalgate run` for one catalogue item."""

    def __init__(self, binary, workdir, manifest):
        file = workdir / "conformance.yaml"
        file.write_text(manifest)
        super().__init__(binary, file, workdir / "metalgate.log",
                         env=dict(os.environ, METALGATE_WORKERS="2"))
        self.status = self.wait_status()
        self.addresses = {g["name"]: g["addresses"] for g in self.status["gateways"]}
        for g in self.status["gateways"]:
            for lst in g["listeners"]:
                if all(c["status"] == "True" for c in lst["conditions"]
                       if c["type"] in ("Accepted", "Programmed")) and g["addresses"]:
                    self.wait_listening(g["addresses"][0], lst["port"])

    def wait_status(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"metalgate exited: {self.logs()}")
            try:
                with urllib.request.urlopen(f"http://{self.admin}/status", timeout=2) as r:
                    return json.loads(r.read())
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"no /status from metalgate: {self.logs()}")

    def addr(self, gateway):
        return self.addresses[gateway][0]

    def route_parents(self, name, namespace=INFRA):
        for r in self.status["routes"]:
            if r["name"] == name and r["namespace"] == namespace:
                return r["parents"]
        raise AssertionError(f"route {namespace}/{name} not in /status")

    def condition(self, route, ctype, namespace=INFRA, parent=0):
        """(status, reason) of a route condition for its parent #parent."""
        conds = self.route_parents(route, namespace)[parent]["conditions"]
        found = [(c["status"], c["reason"]) for c in conds if c["type"] == ctype]
        assert len(found) == 1, conds
        return found[0]

    def gateway_condition(self, gateway, ctype):
        for g in self.status["gateways"]:
            if g["name"] == gateway:
                found = [(c["status"], c["reason"]) for c in g["conditions"]
                         if c["type"] == ctype]
                assert len(found) == 1, g["conditions"]
                return found[0]
        raise AssertionError(f"gateway {gateway} not in /status")

    def attached(self, gateway):
        """{listener name: attachedRoutes} of a Gateway."""
        for g in self.status["gateways"]:
            if g["name"] == gateway:
                return {lst["name"]: lst["attachedRoutes"] for lst in g["listeners"]}
        raise AssertionError(f"gateway {gateway} not in /status")

    def request(self, path, host=None, gateway="same-namespace", port=80, method=None,
                headers=(), data=None):
        url = f"http://{self.addr(gateway)}:{port}{path}"
        cmd = ["curl", "-sS", "-i", "-m", "10", "--path-as-is"]
        if method == "HEAD":
            cmd.append("-I")
        elif method:
            cmd += ["-X", method]
        if host:
            cmd += ["-H", f"Host: {host}"]
        for h in headers:
            cmd += ["-H", h]
        if data is not None:
            cmd += ["--data-binary", data]
        r = subprocess.run(cmd + [url], capture_output=True, timeout=30)
        assert r.returncode == 0, (cmd, r.stderr, self.logs()[-2000:])
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = [tuple(s.strip() for s in ln.split(":", 1)) for ln in lines[1:] if ":" in ln]
        return Reply(status, hdrs, body)


@pytest.fixture(scope="module", autouse=True)
def need_curl():
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")


@pytest.fixture(scope="module")
def echo():
    servers = {name: EchoServer(name, ns, host) for name, (ns, host) in BACKENDS.items()}
    yield servers
    for s in servers.values():
        s.stop()


class Items:
    """Starts one metalgate per catalogue item on first use; stops them all."""

    def __init__(self, binary, tmp_factory, echo):
        self.binary, self.tmp_factory, self.echo = binary, tmp_factory, echo
        self.running = {}

    def get(self, item, *docs):
        if item not in self.running:
            manifest = "---\n".join(common_yaml(unused_pool(item), self.echo) + list(docs))
            self.running[item] = ItemGateway(self.binary,
                                             self.tmp_factory.mktemp(f"item{item}"), manifest)
        return self.running[item]

    def stop_all(self):
        errors = []
        for g in self.running.values():
            try:
                g.stop()
            except AssertionError as e:
                errors.append(str(e))
        assert not errors, errors


@pytest.fixture(scope="module")
def items(mg, echo, tmp_path_factory):
    it = Items(mg.binary, tmp_path_factory, echo)
    yield it
    it.stop_all()


def served_by(reply, backend):
    doc = reply.echo
    assert (doc["pod"], doc["namespace"]) == (f"{backend}-pod", BACKENDS[backend][0]), doc
    return doc


def backend_or_404(reply, want):
    if want is None:
        assert reply.status == 404, (reply.status, reply.body[:300])
    else:
        served_by(reply, want)


# --- 1-4: attachment and its status ---------------------------------------

def test_http_route_simple_same_namespace(items):
    g = items.get(1, SAME_NAMESPACE, route_yaml("gateway-conformance-infra-test", """
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""))
    assert g.condition("gateway-conformance-infra-test", "Accepted") == ("True", "Accepted")
    assert g.condition("gateway-conformance-infra-test", "ResolvedRefs") == (
        "True", "ResolvedRefs")
    assert g.attached("same-namespace") == {"http": 1}
    doc = served_by(g.request("/"), V1)
    assert doc["path"] == "/" and doc["method"] == "GET"


def test_http_route_cross_namespace(items):
    g = items.get(2, BACKEND_NAMESPACES, route_yaml("cross-namespace", """
  parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}]
  rules:
  - backendRefs: [{name: web-backend, port: 8080}]
""", namespace=WEB), route_yaml("namespace-not-selected", """
  parentRefs: [{name: backend-namespaces, namespace: gateway-conformance-infra}]
  rules:
  - backendRefs: [{name: app-backend-v1, port: 8080}]
""", namespace=APP))
    assert g.condition("cross-namespace", "Accepted", namespace=WEB) == ("True", "Accepted")
    assert g.condition("cross-namespace", "ResolvedRefs", namespace=WEB) == (
        "True", "ResolvedRefs")
    # The selector admits only namespaces labelled gateway-conformance: backend.
    assert g.condition("namespace-not-selected", "Accepted", namespace=APP) == (
        "False", "NotAllowedByListeners")
    assert g.attached("backend-namespaces") == {"http": 1}
    served_by(g.request("/", gateway="backend-namespaces"), "web-backend")


def test_http_route_invalid_cross_namespace_parent_ref(items):
    g = items.get(3, SAME_NAMESPACE, route_yaml("invalid-cross-namespace-parent-ref", """
  parentRefs: [{name: same-namespace, namespace: gateway-conformance-infra}]
  rules:
  - backendRefs: [{name: web-backend, port: 8080}]
""", namespace=WEB))
    assert g.condition("invalid-cross-namespace-parent-ref", "Accepted", namespace=WEB) == (
        "False", "NotAllowedByListeners")
    assert g.attached("same-namespace") == {"http": 0}
    assert g.request("/").status == 404  # the route serves nothing


def test_http_route_disallowed_kind(items):
    g = items.get(4, gateway_yaml("tlsroutes-only", """  - name: tls
    port: 443
    protocol: TLS
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
"""), gateway_yaml("http-tlsroutes-only", """  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: Same}, kinds: [{kind: TLSRoute}]}
"""), SAME_NAMESPACE, route_yaml("disallowed-kind", """
  parentRefs: [{name: tlsroutes-only}, {name: http-tlsroutes-only}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""), route_yaml("control", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /control}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
"""))
    for parent in (0, 1):
        assert g.condition("disallowed-kind", "Accepted", parent=parent) == (
            "False", "NotAllowedByListeners")
    assert g.attached("tlsroutes-only") == {"tls": 0}
    assert g.attached("http-tlsroutes-only") == {"http": 0}
    # Neither Gateway has a valid listener: not accepted, nothing listens
    # on its address; a valid Gateway of the same instance serves.
    for gateway, port in (("tlsroutes-only", 443), ("http-tlsroutes-only", 80)):
        assert g.gateway_condition(gateway, "Accepted") == ("False", "ListenersNotValid")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((g.addr(gateway), port), timeout=2).close()
    served_by(g.request("/control"), V2)


# --- 5-15: matching, precedence, hostnames, listeners ---------------------

EXACT_PATH = route_yaml("exact-matching", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: Exact, value: /one}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /two}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("path,want", [
    ("/one", V1), ("/two", V2), ("/", None), ("/one/example", None), ("/two/", None),
    ("/Two", None)])
def test_http_route_exact_path_matching(items, path, want):
    g = items.get(5, SAME_NAMESPACE, EXACT_PATH)
    backend_or_404(g.request(path), want)


MATCHING = route_yaml("matching", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    - headers: [{name: version, value: one}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches:
    - path: {type: PathPrefix, value: /v2}
    - headers: [{name: version, value: two}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("path,headers,want", [
    ("/", [], V1), ("/example", [], V1), ("/", ["version: one"], V1),
    ("/v2", [], V2), ("/v2/", [], V2), ("/v2/example", [], V2), ("/", ["version: two"], V2),
    ("/v2example", [], V1), ("/foo/v2/example", [], V1)])
def test_http_route_matching(items, path, headers, want):
    g = items.get(6, SAME_NAMESPACE, MATCHING)
    served_by(g.request(path, headers=headers), want)


PATH_MATCH_ORDER = route_yaml("path-matching-order", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: Exact, value: /match}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: Exact, value: /match/exact}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{path: {type: Exact, value: /match/exact/one}}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /match/}}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /match/prefix/}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /match/prefix/one}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("path,want", [
    ("/match/exact/one", V3), ("/match/exact", V2), ("/match", V1),
    ("/match/prefix/one/any", V2), ("/match/prefix/any", V1), ("/match/any", V3)])
def test_http_route_path_match_order(items, path, want):
    g = items.get(7, SAME_NAMESPACE, PATH_MATCH_ORDER)
    served_by(g.request(path), want)


MATCHING_ACROSS_ROUTES = route_yaml("matching-part1", """
  parentRefs: [{name: same-namespace}]
  hostnames: [example.com, example.net]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    - headers: [{name: version, value: one}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
""") + "---\n" + route_yaml("matching-part2", """
  parentRefs: [{name: same-namespace}]
  hostnames: [example.com]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /v2}
    - headers: [{name: version, value: two}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("host,path,headers,want", [
    ("example.com", "/", [], V1), ("example.net", "/", [], V1),
    ("example.com", "/example", [], V1), ("example.net", "/example", [], V1),
    ("example.com", "/v2", [], V2), ("example.com", "/v2/example", [], V2),
    ("example.net", "/v2", [], V1), ("example.com", "/", ["version: two"], V2),
    ("example.net", "/", ["version: two"], V1),
    ("example.com", "/example", ["version: one"], V1), ("example.org", "/", [], None)])
def test_http_route_matching_across_routes(items, host, path, headers, want):
    g = items.get(8, SAME_NAMESPACE, MATCHING_ACROSS_ROUTES)
    backend_or_404(g.request(path, host=host, headers=headers), want)


HEADER_MATCHING = route_yaml("header-matching", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{headers: [{name: version, value: one}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{headers: [{name: version, value: two}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{headers: [{name: version, value: two}, {name: color, value: orange}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{headers: [{name: color, value: blue}]}, {headers: [{name: color, value: green}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{headers: [{name: color, value: red}]}, {headers: [{name: color, value: yellow}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("headers,want", [
    (["Version: one"], V1), (["Version: two"], V2),
    (["Version: two", "Color: orange"], V1),  # two header matches beat one
    (["Version: two", "Color: blue"], V2),  # equal counts: the first rule
    (["Color: blue"], V1), (["Color: green"], V1), (["Color: red"], V2), (["Color: yellow"], V2),
    (["VERSION: one"], V1),  # header names are case-insensitive
    (["Version: ONE"], None),  # values are not
    (["Color: orange"], None), (["Color: purple"], None), (["Some-Other-Header: one"], None),
    (["Version: four"], None), ([], None)])
def test_http_route_header_matching(items, headers, want):
    g = items.get(9, SAME_NAMESPACE, HEADER_MATCHING)
    backend_or_404(g.request("/", headers=headers), want)


QUERY_MATCHING = route_yaml("query-param-matching", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{queryParams: [{name: animal, value: whale}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{queryParams: [{name: animal, value: dolphin}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches:
    - queryParams: [{name: animal, value: dolphin}, {name: color, value: blue}]
    - queryParams: [{name: ANIMAL, value: Whale}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /path1}, queryParams: [{name: animal, value: whale}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{headers: [{name: version, value: one}], queryParams: [{name: animal, value: whale}]}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{queryParams: [{name: animal, value: hydra}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{headers: [{name: version, value: four}]}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
""")


@pytest.mark.parametrize("path,headers,want", [
    ("/?animal=whale", [], V1), ("/?animal=dolphin", [], V2),
    ("/?animal=dolphin&color=blue", [], V3), ("/?ANIMAL=Whale", [], V3),
    ("/?animal=whale&otherparam=irrelevant", [], V1),
    ("/?animal=dolphin&color=yellow", [], V2),
    ("/?color=blue&animal=dolphin", [], V3),
    ("/?animal=whale&animal=dolphin", [], V1),  # a repeated param: its first value
    ("/?animal=whaledolphin", [], None), ("/", [], None), ("/?animal=Whale", [], None),
    ("/path1?animal=whale", [], V2),  # a longer path prefix beats the query rule
    ("/?animal=whale", ["version: one"], V3),  # path tie: header count decides
    ("/?animal=hydra", ["version: four"], V2)])  # a header match beats a query match
def test_http_route_query_param_matching(items, path, headers, want):
    g = items.get(10, SAME_NAMESPACE, QUERY_MATCHING)
    backend_or_404(g.request(path, headers=headers), want)


METHOD_MATCHING = route_yaml("method-matching", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{method: POST}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{method: GET}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /path1}, method: GET}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /path2}, method: POST}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /path3}, method: DELETE,
               headers: [{name: version, value: one}]}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /path5}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{method: PATCH}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
  - matches: [{headers: [{name: version, value: four}]}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
""")


@pytest.mark.parametrize("method,path,headers,want", [
    ("POST", "/", [], V1), ("GET", "/", [], V2), ("HEAD", "/", [], None),
    ("GET", "/path1", [], V1), ("POST", "/path2", [], V2), ("GET", "/path2", [], V2),
    ("DELETE", "/path3", ["version: one"], V3), ("DELETE", "/path3", [], None),
    ("PATCH", "/path5", [], V1),  # a path match beats a method match
    ("PATCH", "/", ["version: four"], V3),  # a method match beats a header match
    ("PUT", "/", ["version: four"], V1), ("PUT", "/", [], None)])
def test_http_route_method_matching(items, method, path, headers, want):
    g = items.get(11, SAME_NAMESPACE, METHOD_MATCHING)
    reply = g.request(path, method=method, headers=headers)
    backend_or_404(reply, want)
    if want:
        assert reply.echo["method"] == method


HOSTNAME_INTERSECTION = [
    gateway_yaml("httproute-hostname-intersection", """  - {name: listener-1, port: 80, protocol: HTTP, hostname: very.specific.com}
  - {name: listener-2, port: 80, protocol: HTTP, hostname: "*.wildcard.io"}
  - {name: listener-3, port: 80, protocol: HTTP, hostname: "*.anotherwildcard.io"}
"""),
    gateway_yaml("httproute-hostname-intersection-all", """  - {name: listener-1, port: 80, protocol: HTTP}
"""),
    route_yaml("specific-host-matches-listener-specific-host", """
  parentRefs: [{name: httproute-hostname-intersection}]
  hostnames: [non.matching.com, "*.nonmatchingwildcard.io", very.specific.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s1}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
"""),
    route_yaml("specific-host-matches-listener-wildcard-host", """
  parentRefs: [{name: httproute-hostname-intersection}]
  hostnames: [non.matching.com, wildcard.io, foo.wildcard.io, bar.wildcard.io, "*.baz.wildcard.io"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s2}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
"""),
    route_yaml("wildcard-host-matches-listener-specific-host", """
  parentRefs: [{name: httproute-hostname-intersection}]
  hostnames: [non.matching.com, "*.specific.com"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s3}}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
"""),
    route_yaml("wildcard-host-matches-listener-wildcard-host", """
  parentRefs: [{name: httproute-hostname-intersection}]
  hostnames: ["*.anotherwildcard.io"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s4}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
"""),
    route_yaml("no-intersecting-hosts", """
  parentRefs: [{name: httproute-hostname-intersection}]
  hostnames: [specific.but.wrong.com, wildcard.io]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s5}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
"""),
    route_yaml("route-hostnames-on-listener-without", """
  parentRefs: [{name: httproute-hostname-intersection-all}]
  hostnames: [very.specific.com, "*.wildcard.io"]
  rules:
  - matches: [{path: {type: PathPrefix, value: /s6}}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
"""),
]


@pytest.mark.parametrize("gateway,host,path,want", [
    ("httproute-hostname-intersection", "very.specific.com", "/s1", V1),
    ("httproute-hostname-intersection", "very.specific.com:1234", "/s1", V1),
    ("httproute-hostname-intersection", "non.matching.com", "/s1", None),
    ("httproute-hostname-intersection", "foo.nonmatchingwildcard.io", "/s1", None),
    ("httproute-hostname-intersection", "foo.wildcard.io", "/s1", None),
    ("httproute-hostname-intersection", "foo.wildcard.io", "/s2", V2),
    ("httproute-hostname-intersection", "bar.wildcard.io", "/s2", V2),
    ("httproute-hostname-intersection", "foo.baz.wildcard.io", "/s2", V2),
    ("httproute-hostname-intersection", "foo.baz.wildcard.io:1234", "/s2", V2),
    ("httproute-hostname-intersection", "wildcard.io", "/s2", None),
    ("httproute-hostname-intersection", "non.matching.com", "/s2", None),
    ("httproute-hostname-intersection", "other.wildcard.io", "/s2", None),
    ("httproute-hostname-intersection", "very.specific.com", "/s3", V3),
    ("httproute-hostname-intersection", "other.specific.com", "/s3", None),
    ("httproute-hostname-intersection", "foo.anotherwildcard.io", "/s4", V1),
    ("httproute-hostname-intersection", "foo.bar.anotherwildcard.io", "/s4", V1),
    ("httproute-hostname-intersection", "anotherwildcard.io", "/s4", None),
    ("httproute-hostname-intersection", "specific.but.wrong.com", "/s5", None),
    ("httproute-hostname-intersection", "wildcard.io", "/s5", None),
    ("httproute-hostname-intersection-all", "very.specific.com", "/s6", V3),
    ("httproute-hostname-intersection-all", "a.wildcard.io", "/s6", V3),
    ("httproute-hostname-intersection-all", "wildcard.io", "/s6", None),
    ("httproute-hostname-intersection-all", "non.matching.com", "/s6", None)])
def test_http_route_hostname_intersection(items, gateway, host, path, want):
    g = items.get(12, *HOSTNAME_INTERSECTION)
    backend_or_404(g.request(path, host=host, gateway=gateway), want)


def test_http_route_hostname_intersection_status(items):
    g = items.get(12, *HOSTNAME_INTERSECTION)
    for route in ("specific-host-matches-listener-specific-host",
                  "specific-host-matches-listener-wildcard-host",
                  "wildcard-host-matches-listener-specific-host",
                  "wildcard-host-matches-listener-wildcard-host"):
        assert g.condition(route, "Accepted") == ("True", "Accepted"), route
    assert g.condition("no-intersecting-hosts", "Accepted") == (
        "False", "NoMatchingListenerHostname")
    assert g.attached("httproute-hostname-intersection") == {
        "listener-1": 2, "listener-2": 1, "listener-3": 1}


LISTENER_HOSTNAME_MATCHING = [
    gateway_yaml("httproute-listener-hostname-matching", """  - {name: listener-1, port: 80, protocol: HTTP, hostname: bar.com}
  - {name: listener-2, port: 80, protocol: HTTP, hostname: foo.bar.com}
  - {name: listener-3, port: 80, protocol: HTTP, hostname: "*.bar.com"}
  - {name: listener-4, port: 80, protocol: HTTP, hostname: "*.foo.com"}
"""),
    route_yaml("backend-v1", """
  parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-1}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""),
    route_yaml("backend-v2", """
  parentRefs: [{name: httproute-listener-hostname-matching, sectionName: listener-2}]
  rules:
  - backendRefs: [{name: infra-backend-v2, port: 8080}]
"""),
    route_yaml("backend-v3", """
  parentRefs:
  - {name: httproute-listener-hostname-matching, sectionName: listener-3}
  - {name: httproute-listener-hostname-matching, sectionName: listener-4}
  rules:
  - backendRefs: [{name: infra-backend-v3, port: 8080}]
"""),
]


@pytest.mark.parametrize("host,want", [
    ("bar.com", V1), ("foo.bar.com", V2), ("baz.bar.com", V3), ("boo.bar.com", V3),
    ("multiple.prefixes.bar.com", V3), ("multiple.prefixes.foo.com", V3),
    ("FOO.BAR.COM", V2), ("foo.com", None), ("no.matching.host", None)])
def test_http_route_listener_hostname_matching(items, host, want):
    g = items.get(13, *LISTENER_HOSTNAME_MATCHING)
    backend_or_404(g.request("/", host=host, gateway="httproute-listener-hostname-matching"),
                   want)


LISTENER_PORT_MATCHING = [
    gateway_yaml("httproute-listener-port-matching", """  - {name: http-80, port: 80, protocol: HTTP}
  - {name: http-8080, port: 8080, protocol: HTTP}
  - {name: http-8090, port: 8090, protocol: HTTP, hostname: foo.com}
"""),
    route_yaml("port-80", """
  parentRefs: [{name: httproute-listener-port-matching, port: 80}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""),
    route_yaml("port-8080", """
  parentRefs: [{name: httproute-listener-port-matching, port: 8080}]
  rules:
  - backendRefs: [{name: infra-backend-v2, port: 8080}]
"""),
    route_yaml("port-8090", """
  parentRefs: [{name: httproute-listener-port-matching, port: 8090}]
  rules:
  - backendRefs: [{name: infra-backend-v3, port: 8080}]
"""),
]


@pytest.mark.parametrize("port,host,want", [
    (80, "foo.com", V1), (80, "bar.com", V1), (8080, "foo.com", V2), (8080, "bar.com", V2),
    (8090, "foo.com", V3), (8090, "foo.com:8090", V3), (8090, "bar.com", None)])
def test_http_route_listener_port_matching(items, port, host, want):
    g = items.get(14, *LISTENER_PORT_MATCHING)
    backend_or_404(g.request("/", host=host, port=port,
                             gateway="httproute-listener-port-matching"), want)


ISOLATION_LISTENERS = {  # listener name -> (hostname, backend of its route)
    "empty-hostname": (None, V1),
    "wildcard-example-com": ("*.example.com", V2),
    "wildcard-foo-example-com": ("*.foo.example.com", V3),
    "abc-foo-example-com": ("abc.foo.example.com", V1),
}
LISTENER_ISOLATION = [gateway_yaml("http-listener-isolation", "".join(
    f"  - {{name: {name}, port: 80, protocol: HTTP"
    + (f", hostname: \"{host}\"" if host else "") + "}\n"
    for name, (host, _) in ISOLATION_LISTENERS.items()))] + [
    route_yaml(f"attaches-to-{name}", f"""
  parentRefs: [{{name: http-listener-isolation, sectionName: {name}}}]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /{name}}}}}]
    backendRefs: [{{name: {backend}, port: 8080}}]
""") for name, (_, backend) in ISOLATION_LISTENERS.items()]


@pytest.mark.parametrize("host,listener", [
    ("bar.com", "empty-hostname"), ("bar.example.com", "wildcard-example-com"),
    ("bar.foo.example.com", "wildcard-foo-example-com"),
    ("abc.foo.example.com", "abc-foo-example-com")])
def test_gateway_http_listener_isolation(items, host, listener):
    """The request reaches only the routes of its most specific listener."""
    g = items.get(15, *LISTENER_ISOLATION)
    for name, (_, backend) in ISOLATION_LISTENERS.items():
        reply = g.request(f"/{name}", host=host, gateway="http-listener-isolation")
        backend_or_404(reply, backend if name == listener else None)


# --- 18, 19: several gateways, named rules ---------------------------------

MULTIPLE_GATEWAYS = [
    gateway_yaml("gateway-one", """  - {name: http, port: 80, protocol: HTTP}
"""),
    gateway_yaml("gateway-two", """  - {name: http, port: 80, protocol: HTTP}
"""),
    route_yaml("shared", """
  parentRefs: [{name: gateway-one}, {name: gateway-two}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /shared}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
"""),
    route_yaml("only-one", """
  parentRefs: [{name: gateway-one}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /dedicated}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
"""),
    route_yaml("only-two", """
  parentRefs: [{name: gateway-two}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /dedicated}}]
    backendRefs: [{name: infra-backend-v3, port: 8080}]
"""),
]


@pytest.mark.parametrize("gateway,path,want", [
    ("gateway-one", "/shared", V1), ("gateway-two", "/shared", V1),
    ("gateway-one", "/dedicated", V2), ("gateway-two", "/dedicated", V3),
    ("gateway-one", "/other", None), ("gateway-two", "/other", None)])
def test_http_route_multiple_gateways(items, gateway, path, want):
    g = items.get(18, *MULTIPLE_GATEWAYS)
    assert g.addr("gateway-one") != g.addr("gateway-two")
    assert [p["gateway"] for p in g.route_parents("shared")] == [
        f"{INFRA}/gateway-one", f"{INFRA}/gateway-two"]
    backend_or_404(g.request(path, gateway=gateway), want)


def test_http_route_named_rule(items):
    g = items.get(19, SAME_NAMESPACE, route_yaml("named-rule", """
  parentRefs: [{name: same-namespace}]
  rules:
  - name: named-rule
    matches: [{path: {type: PathPrefix, value: /named}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /unnamed}}]
    backendRefs: [{name: infra-backend-v2, port: 8080}]
"""))
    assert g.condition("named-rule", "Accepted") == ("True", "Accepted")
    served_by(g.request("/named"), V1)
    served_by(g.request("/unnamed"), V2)


# --- 20, 23: header modifiers ----------------------------------------------
# The suite's request and response tests share their rules and most cases;
# they differ in the filter's direction and the case-insensitivity rule.

def header_modifier_route(direction, case_insensitive_add, extra_rules=""):
    """The route `{direction}-header-modifier`: one rule per path prefix,
    each with one {direction}HeaderModifier filter, to infra-backend-v1."""
    field = f"{direction}HeaderModifier"
    modifiers = [
        ("/set", " {set: [{name: X-Header-Set, value: set-overwrites-values}]}"),
        ("/add", " {add: [{name: X-Header-Add, value: add-appends-values}]}"),
        ("/remove", " {remove: [X-Header-Remove]}"),
        ("/multiple", """
        set: [{name: X-Header-Set-1, value: header-set-1}, {name: X-Header-Set-2, value: header-set-2}]
        add: [{name: X-Header-Add-1, value: header-add-1}, {name: X-Header-Add-2, value: header-add-2},
              {name: X-Header-Add-3, value: header-add-3}]
        remove: [X-Header-Remove-1, X-Header-Remove-2]"""),
        ("/case-insensitivity", f"""
        set: [{{name: X-HEADER-set, value: header-set}}]
        add: {case_insensitive_add}
        remove: [X-header-REMOVE]"""),
    ]
    body = "\n  parentRefs: [{name: same-namespace}]\n  rules:\n"
    for path, modifier in modifiers:
        body += (f"  - matches: [{{path: {{type: PathPrefix, value: {path}}}}}]\n"
                 f"    filters:\n    - type: {field[0].upper() + field[1:]}\n"
                 f"      {field}:{modifier}\n"
                 f"    backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n")
    return route_yaml(f"{direction}-header-modifier", body + extra_rules)


# (path, headers sent, {header: value that must arrive, None = absent}): the
# client sends them to the request modifier, the backend to the response one.
HEADER_CASES = [
    ("/set", [("Some-Other-Header", "val")],
     {"Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"}),
    ("/set", [("Some-Other-Header", "val"), ("X-Header-Set", "some-other-value")],
     {"Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"}),
    ("/add", [("Some-Other-Header", "val")],
     {"Some-Other-Header": "val", "X-Header-Add": "add-appends-values"}),
    ("/add", [("Some-Other-Header", "val"), ("X-Header-Add", "some-other-value")],
     {"Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values"}),
    ("/remove", [("X-Header-Remove", "val")], {"X-Header-Remove": None}),
    ("/multiple", [("X-Header-Set-2", "set-val-2"), ("X-Header-Add-2", "add-val-2"),
                   ("X-Header-Add-3", "add-val-3"), ("X-Header-Remove-2", "remove-val-2"),
                   ("Another-Header", "another-header-val")],
     {"X-Header-Set-1": "header-set-1", "X-Header-Set-2": "header-set-2",
      "X-Header-Add-1": "header-add-1", "X-Header-Add-2": "add-val-2,header-add-2",
      "X-Header-Add-3": "add-val-3,header-add-3", "Another-Header": "another-header-val",
      "X-Header-Remove-1": None, "X-Header-Remove-2": None}),
]

REQUEST_HEADER_MODIFIER = header_modifier_route(
    "request", "[{name: x-Header-ADD, value: header-add}]")

# (path, request headers, {header: value the backend must see, None = absent})
REQUEST_HEADER_CASES = [(path, [f"{k}: {v}" for k, v in sent], want)
                        for path, sent, want in HEADER_CASES] + [
    ("/case-insensitivity", ["x-header-set: original-val-set", "x-header-add: original-val-add",
                             "x-header-remove: original-val-remove"],
     {"X-Header-Set": "header-set", "X-Header-Add": "original-val-add,header-add",
      "X-Header-Remove": None}),
]


@pytest.mark.parametrize("path,headers,want", REQUEST_HEADER_CASES,
                         ids=[f"{c[0][1:]}-{i}" for i, c in enumerate(REQUEST_HEADER_CASES)])
def test_http_route_request_header_modifier(items, path, headers, want):
    g = items.get(20, SAME_NAMESPACE, REQUEST_HEADER_MODIFIER)
    reply = g.request(path, headers=headers)
    served_by(reply, V1)
    for name, value in want.items():
        assert reply.request_header(name) == value, (name, reply.echo["headers"])


RESPONSE_HEADER_MODIFIER = header_modifier_route("response", """\
[{name: X-Lowercase-Add, value: one}, {name: X-Mixedcase-ADD-1, value: two},
              {name: X-Mixedcase-ADD-2, value: three}, {name: X-UPPERCASE-ADD, value: four}]""", """\
  - matches: [{path: {type: PathPrefix, value: /request-and-response}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-Request-Set, value: request-set}]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Response-Set, value: response-set}]}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
""")

# (path, headers the backend is asked to set, {response header: value, None = absent})
RESPONSE_HEADER_CASES = [(path, ",".join(f"{k}:{v}" for k, v in sent), want)
                         for path, sent, want in HEADER_CASES] + [
    ("/case-insensitivity", "x-header-set:original-val-set,x-header-remove:original-val-remove",
     {"X-Header-Set": "header-set", "X-Header-Remove": None, "X-Lowercase-Add": "one",
      "X-Mixedcase-Add-1": "two", "X-Mixedcase-Add-2": "three", "X-Uppercase-Add": "four"}),
]


@pytest.mark.parametrize("path,set_header,want", RESPONSE_HEADER_CASES,
                         ids=[f"{c[0][1:]}-{i}" for i, c in enumerate(RESPONSE_HEADER_CASES)])
def test_http_route_response_header_modifier(items, path, set_header, want):
    g = items.get(23, SAME_NAMESPACE, RESPONSE_HEADER_MODIFIER)
    reply = g.request(path, headers=[f"X-Echo-Set-Header: {set_header}"])
    served_by(reply, V1)
    for name, value in want.items():
        got = ",".join(reply.header(name)) or None
        assert got == value, (name, reply.headers)


def test_http_route_response_header_modifier_with_request_modifier(items):
    g = items.get(23, SAME_NAMESPACE, RESPONSE_HEADER_MODIFIER)
    reply = g.request("/request-and-response")
    assert reply.request_header("X-Request-Set") == "request-set"
    assert reply.header("X-Response-Set") == ["response-set"]


# --- 24-29: redirects --------------------------------------------------------

def redirect_route(name, rules, extra=""):
    body = "  parentRefs: [{name: same-namespace}]\n" + extra + "  rules:\n"
    for path, redirect in rules:
        body += (f"  - matches: [{{path: {{type: PathPrefix, value: {path}}}}}]\n"
                 f"    filters:\n    - type: RequestRedirect\n"
                 f"      requestRedirect: {redirect}\n")
    return route_yaml(name, body)


def check_redirect(g, path, want_status, want_location, host="redirect.example",
                   method=None, gateway="same-namespace", port=80):
    reply = g.request(path, host=host, method=method, gateway=gateway, port=port)
    assert reply.status == want_status, (reply.status, reply.headers)
    assert reply.header("Location") == [want_location], reply.headers
    # No upstream was called: the body is not an echo.
    assert b'"pod"' not in reply.body


REDIRECT_HOST_AND_STATUS = redirect_route("redirect-host-and-status", [
    ("/hostname-redirect", "{hostname: example.org}"),
    ("/host-and-status", "{hostname: example.org, statusCode: 301}")])


@pytest.mark.parametrize("path,status,location", [
    ("/hostname-redirect", 302, "http://example.org/hostname-redirect"),
    ("/host-and-status", 301, "http://example.org/host-and-status"),
    ("/hostname-redirect/x?q=1", 302, "http://example.org/hostname-redirect/x?q=1")])
def test_http_route_redirect_host_and_status(items, path, status, location):
    g = items.get(24, SAME_NAMESPACE, REDIRECT_HOST_AND_STATUS)
    check_redirect(g, path, status, location)


REDIRECT_PATH = redirect_route("redirect-path", [
    ("/original-prefix", "{path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement-prefix}}"),
    ("/full", "{path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}}"),
    ("/path-and-host", "{hostname: example.org, path: {type: ReplacePrefixMatch, "
                       "replacePrefixMatch: /replacement-prefix}}"),
    ("/path-and-status", "{statusCode: 301, path: {type: ReplacePrefixMatch, "
                         "replacePrefixMatch: /replacement-prefix}}"),
    ("/full-path-and-host", "{hostname: example.org, path: {type: ReplaceFullPath, "
                            "replaceFullPath: /replacement-full}}"),
    ("/full-path-and-status", "{statusCode: 301, path: {type: ReplaceFullPath, "
                              "replaceFullPath: /replacement-full}}"),
    ("/trailing-slash/", "{path: {type: ReplacePrefixMatch, replacePrefixMatch: /prefix/}}"),
    ("/to-root", "{path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}")])


@pytest.mark.parametrize("path,status,location", [
    ("/original-prefix/lemon", 302, "http://redirect.example/replacement-prefix/lemon"),
    ("/original-prefix", 302, "http://redirect.example/replacement-prefix"),
    ("/original-prefix/", 302, "http://redirect.example/replacement-prefix/"),
    ("/full/path/original", 302, "http://redirect.example/full-path-replacement"),
    ("/path-and-host", 302, "http://example.org/replacement-prefix"),
    ("/path-and-status", 301, "http://redirect.example/replacement-prefix"),
    ("/full-path-and-host", 302, "http://example.org/replacement-full"),
    ("/full-path-and-status", 301, "http://redirect.example/replacement-full"),
    ("/trailing-slash/x", 302, "http://redirect.example/prefix/x"),
    ("/to-root/x", 302, "http://redirect.example/x"),
    ("/to-root", 302, "http://redirect.example/")])
def test_http_route_redirect_path(items, path, status, location):
    g = items.get(25, SAME_NAMESPACE, REDIRECT_PATH)
    check_redirect(g, path, status, location)


REDIRECT_PORT = redirect_route("redirect-port", [
    ("/port", "{port: 8083}"),
    ("/port-and-host", "{port: 8083, hostname: example.org}"),
    ("/port-and-status", "{port: 8083, statusCode: 301}"),
    ("/port-and-host-and-status", "{port: 8083, hostname: example.org, statusCode: 302}")])


@pytest.mark.parametrize("path,status,location", [
    ("/port", 302, "http://redirect.example:8083/port"),
    ("/port-and-host", 302, "http://example.org:8083/port-and-host"),
    ("/port-and-status", 301, "http://redirect.example:8083/port-and-status"),
    ("/port-and-host-and-status", 302, "http://example.org:8083/port-and-host-and-status")])
def test_http_route_redirect_port(items, path, status, location):
    g = items.get(26, SAME_NAMESPACE, REDIRECT_PORT)
    check_redirect(g, path, status, location)


REDIRECT_SCHEME = redirect_route("redirect-scheme", [
    ("/scheme", "{scheme: https}"),
    ("/scheme-and-host", "{scheme: https, hostname: example.org}"),
    ("/scheme-and-status", "{scheme: https, statusCode: 301}"),
    ("/scheme-and-host-and-status", "{scheme: https, hostname: example.org, statusCode: 302}")])


@pytest.mark.parametrize("path,status,location", [
    ("/scheme", 302, "https://redirect.example/scheme"),
    ("/scheme-and-host", 302, "https://example.org/scheme-and-host"),
    ("/scheme-and-status", 301, "https://redirect.example/scheme-and-status"),
    ("/scheme-and-host-and-status", 302, "https://example.org/scheme-and-host-and-status")])
def test_http_route_redirect_scheme(items, path, status, location):
    g = items.get(27, SAME_NAMESPACE, REDIRECT_SCHEME)
    # The Host header's own port never survives into the Location.
    check_redirect(g, path, status, location, host="redirect.example:80")


PORT_AND_SCHEME_CASES = [
    ("/scheme-nil-and-port-nil", "{}"),
    ("/scheme-nil-and-port-80", "{port: 80}"),
    ("/scheme-nil-and-port-8080", "{port: 8080}"),
    ("/scheme-https-and-port-nil", "{scheme: https}"),
    ("/scheme-https-and-port-443", "{scheme: https, port: 443}"),
    ("/scheme-https-and-port-8443", "{scheme: https, port: 8443}"),
]
REDIRECT_PORT_AND_SCHEME = [
    gateway_yaml("same-namespace", """  - {name: http, port: 80, protocol: HTTP}
  - {name: http-8080, port: 8080, protocol: HTTP}
"""),
    route_yaml("redirect-port-and-scheme", "  parentRefs: [{name: same-namespace}]\n"
               "  hostnames: [example.org]\n  rules:\n" + "".join(
                   f"  - matches: [{{path: {{type: PathPrefix, value: {p}}}}}]\n"
                   f"    filters:\n    - type: RequestRedirect\n      requestRedirect: {r}\n"
                   for p, r in PORT_AND_SCHEME_CASES))]


@pytest.mark.parametrize("port,path,location", [
    (80, "/scheme-nil-and-port-nil", "http://example.org/scheme-nil-and-port-nil"),
    (80, "/scheme-nil-and-port-80", "http://example.org/scheme-nil-and-port-80"),
    (80, "/scheme-nil-and-port-8080", "http://example.org:8080/scheme-nil-and-port-8080"),
    (80, "/scheme-https-and-port-nil", "https://example.org/scheme-https-and-port-nil"),
    (80, "/scheme-https-and-port-443", "https://example.org/scheme-https-and-port-443"),
    (80, "/scheme-https-and-port-8443", "https://example.org:8443/scheme-https-and-port-8443"),
    (8080, "/scheme-nil-and-port-nil", "http://example.org:8080/scheme-nil-and-port-nil"),
    (8080, "/scheme-nil-and-port-80", "http://example.org/scheme-nil-and-port-80"),
    (8080, "/scheme-nil-and-port-8080", "http://example.org:8080/scheme-nil-and-port-8080"),
    (8080, "/scheme-https-and-port-nil", "https://example.org/scheme-https-and-port-nil"),
    (8080, "/scheme-https-and-port-443", "https://example.org/scheme-https-and-port-443"),
    (8080, "/scheme-https-and-port-8443",
     "https://example.org:8443/scheme-https-and-port-8443")])
def test_http_route_redirect_port_and_scheme(items, port, path, location):
    g = items.get(28, *REDIRECT_PORT_AND_SCHEME)
    check_redirect(g, path, 302, location, host="example.org", port=port)
    # The port in the Host header plays no part: the listener's does.
    check_redirect(g, path, 302, location, host="example.org:1234", port=port)


REDIRECT_STATUS_CODES = redirect_route("redirect-303-307-308", [
    ("/see-other", "{statusCode: 303}"),
    ("/temporary", "{statusCode: 307}"),
    ("/permanent", "{statusCode: 308}")])


def check_status_redirect(items, path, status):
    g = items.get(29, SAME_NAMESPACE, REDIRECT_STATUS_CODES)
    for method in ("POST", "GET"):
        check_redirect(g, path, status, f"http://redirect.example{path}", method=method)
        check_redirect(g, f"{path}/x?q=1", status, f"http://redirect.example{path}/x?q=1",
                       method=method)


def test_http_route_303_redirect(items):
    check_status_redirect(items, "/see-other", 303)


def test_http_route_307_redirect(items):
    check_status_redirect(items, "/temporary", 307)


def test_http_route_308_redirect(items):
    check_status_redirect(items, "/permanent", 308)


# --- 31, 32: rewrites ------------------------------------------------------

REWRITE_PATH = route_yaml("rewrite-path", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /full/one}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /one}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /full/rewrite-path-and-modify-headers}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /test}}
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Header-Set, value: set-overwrites-values}]
        add: [{name: X-Header-Add, value: header-val-1}]
        remove: [X-Header-Remove]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /prefix/rewrite-path-and-modify-headers}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /prefix}}
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Header-Set, value: set-overwrites-values}]
        add: [{name: X-Header-Add, value: header-val-1}]
        remove: [X-Header-Remove]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /strip-prefix}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /slash-prefix/}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /xyz}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /slash-replacement}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /xyz/}}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
""")

MODIFY_HEADERS_IN = ["X-Header-Add: header-val-1", "X-Header-Set: set-val",
                     "X-Header-Remove: remove-val", "Another-Header: another-val"]
MODIFY_HEADERS_OUT = {"X-Header-Add": "header-val-1,header-val-1",
                      "X-Header-Set": "set-overwrites-values", "X-Header-Remove": None,
                      "Another-Header": "another-val"}


@pytest.mark.parametrize("path,upstream,headers,want", [
    ("/prefix/one/two", "/one/two", [], {}),
    ("/prefix/one", "/one", [], {}),
    ("/prefix/one/", "/one/", [], {}),
    ("/prefix/one/two?q=1", "/one/two?q=1", [], {}),
    ("/full/one/two", "/one", [], {}),
    ("/full/one?q=1", "/one?q=1", [], {}),
    ("/strip-prefix/three", "/three", [], {}),
    ("/strip-prefix", "/", [], {}),
    ("/strip-prefix/", "/", [], {}),
    # One joining slash whichever side has it (digest 1.6).
    ("/slash-prefix/bar", "/xyz/bar", [], {}),
    ("/slash-prefix", "/xyz", [], {}),
    ("/slash-replacement/bar", "/xyz/bar", [], {}),
    ("/slash-replacement/", "/xyz/", [], {}),
    ("/slash-replacement", "/xyz", [], {}),
    ("/full/rewrite-path-and-modify-headers/test", "/test", MODIFY_HEADERS_IN,
     MODIFY_HEADERS_OUT),
    ("/prefix/rewrite-path-and-modify-headers/one", "/prefix/one", MODIFY_HEADERS_IN,
     MODIFY_HEADERS_OUT)])
def test_http_route_rewrite_path(items, path, upstream, headers, want):
    g = items.get(31, SAME_NAMESPACE, REWRITE_PATH)
    reply = g.request(path, headers=headers)
    assert served_by(reply, V1)["path"] == upstream
    for name, value in want.items():
        assert reply.request_header(name) == value, (name, reply.echo["headers"])


REWRITE_HOST = route_yaml("rewrite-host", """
  parentRefs: [{name: same-namespace}]
  hostnames: [rewrite.example]
  rules:
  - matches: [{path: {type: PathPrefix, value: /one}}]
    filters:
    - type: URLRewrite
      urlRewrite: {hostname: one.example.org}
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /two}}]
    filters:
    - type: URLRewrite
      urlRewrite: {hostname: test.example.org}
    backendRefs: [{name: infra-backend-v2, port: 8080}]
  - filters:
    - type: URLRewrite
      urlRewrite: {hostname: example.org}
    backendRefs: [{name: infra-backend-v3, port: 8080}]
""")


@pytest.mark.parametrize("path,host,backend", [
    ("/one", "one.example.org", V1), ("/one/more?x=y", "one.example.org", V1),
    ("/two", "test.example.org", V2), ("/rewrite-host", "example.org", V3)])
def test_http_route_rewrite_host(items, path, host, backend):
    g = items.get(32, SAME_NAMESPACE, REWRITE_HOST)
    doc = served_by(g.request(path, host="rewrite.example"), backend)
    assert (doc["host"], doc["path"]) == (host, path)


# --- 35, 38: weights, missing backends ---------------------------------------

def test_http_route_weight(items):
    g = items.get(35, SAME_NAMESPACE, route_yaml("weighted-backends", """
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs:
    - {name: infra-backend-v1, port: 8080, weight: 70}
    - {name: infra-backend-v2, port: 8080, weight: 30}
    - {name: infra-backend-v3, port: 8080, weight: 0}
"""))
    n = 300
    url = f"http://{g.addr('same-namespace')}/"
    r = subprocess.run(["curl", "-sS", "-m", "60"] + [url] * n, capture_output=True,
                       timeout=90, text=True)
    pods = [json.loads(line)["pod"] for line in r.stdout.splitlines()]
    assert len(pods) == n, r.stderr
    assert pods.count(f"{V3}-pod") == 0  # weight 0 is never picked
    share = pods.count(f"{V1}-pod") / n
    # 0.7 expected; +-0.1 is about 3.8 standard deviations at n=300.
    assert 0.6 <= share <= 0.8, share
    assert pods.count(f"{V1}-pod") + pods.count(f"{V2}-pod") == n


def test_http_route_no_backend_refs(items):
    g = items.get(38, SAME_NAMESPACE, route_yaml("no-backends", """
  parentRefs: [{name: same-namespace}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /omitted}}]
  - matches: [{path: {type: PathPrefix, value: /empty}}]
    backendRefs: []
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
"""))
    assert g.condition("no-backends", "Accepted") == ("True", "Accepted")
    assert g.request("/omitted").status == 500
    assert g.request("/empty/x").status == 500
    served_by(g.request("/other"), V1)


# --- 39-45: invalid references and parent refs -------------------------------

def test_http_route_invalid_non_existent_backend_ref(items):
    g = items.get(39, SAME_NAMESPACE, route_yaml("invalid-nonexistent-backend-ref", """
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs: [{name: nonexistent, port: 8080}]
"""))
    assert g.condition("invalid-nonexistent-backend-ref", "Accepted") == ("True", "Accepted")
    assert g.condition("invalid-nonexistent-backend-ref", "ResolvedRefs") == (
        "False", "BackendNotFound")
    assert g.request("/").status == 500


def test_http_route_invalid_backend_ref_unknown_kind(items):
    g = items.get(40, SAME_NAMESPACE, route_yaml("invalid-backend-ref-unknown-kind", """
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs: [{group: unknownkind.example.com, kind: NonExistent, name: infra-backend-v1,
                   port: 8080}]
"""))
    assert g.condition("invalid-backend-ref-unknown-kind", "Accepted") == ("True", "Accepted")
    assert g.condition("invalid-backend-ref-unknown-kind", "ResolvedRefs") == (
        "False", "InvalidKind")
    assert g.request("/").status == 500


def test_http_route_invalid_cross_namespace_backend_ref(items):
    g = items.get(41, SAME_NAMESPACE, route_yaml("invalid-cross-namespace-backend-ref", """
  parentRefs: [{name: same-namespace}]
  rules:
  - backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
"""))
    assert g.condition("invalid-cross-namespace-backend-ref", "Accepted") == (
        "True", "Accepted")
    assert g.condition("invalid-cross-namespace-backend-ref", "ResolvedRefs") == (
        "False", "RefNotPermitted")
    assert g.request("/").status == 500


REFERENCE_GRANTS = [
    SAME_NAMESPACE,
    f"""apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {{name: reference-grant, namespace: {APP}}}
spec:
  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {INFRA}}}]
  to: [{{group: "", kind: Service, name: app-backend-v1}}]
""",
    f"""apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {{name: reference-grant-wrong-service, namespace: {WEB}}}
spec:
  from: [{{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {INFRA}}}]
  to: [{{group: "", kind: Service, name: not-web-backend}}]
""",
    route_yaml("reference-grant", """
  parentRefs: [{name: same-namespace}]
  hostnames: [valid.example]
  rules:
  - backendRefs: [{name: app-backend-v1, namespace: gateway-conformance-app-backend, port: 8080}]
"""),
    route_yaml("invalid-reference-grant", """
  parentRefs: [{name: same-namespace}]
  hostnames: [invalid.example]
  rules:
  - backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
"""),
    route_yaml("partially-invalid-via-reference-grant", """
  parentRefs: [{name: same-namespace}]
  hostnames: [partial.example]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1}}]
    backendRefs: [{name: infra-backend-v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /invalid}}]
    backendRefs: [{name: web-backend, namespace: gateway-conformance-web-backend, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /not-granted}}]
    backendRefs: [{name: app-backend-v2, namespace: gateway-conformance-app-backend, port: 8080}]
"""),
]


def check_grant(items, route, resolved, host, path, want):
    g = items.get(42, *REFERENCE_GRANTS)
    assert g.condition(route, "Accepted") == ("True", "Accepted")
    assert g.condition(route, "ResolvedRefs") == resolved
    reply = g.request(path, host=host)
    if want == 500:
        assert reply.status == 500, (reply.status, reply.body[:300])
    else:
        served_by(reply, want)


def test_http_route_reference_grant(items):
    check_grant(items, "reference-grant", ("True", "ResolvedRefs"), "valid.example", "/",
                "app-backend-v1")


def test_http_route_invalid_reference_grant(items):
    """The grant in the web-backend namespace names another Service."""
    check_grant(items, "invalid-reference-grant", ("False", "RefNotPermitted"),
                "invalid.example", "/", 500)


@pytest.mark.parametrize("path,want", [
    ("/v1", V1), ("/invalid", 500),
    ("/not-granted", 500)])  # the grant names app-backend-v1, not its sibling
def test_http_route_partially_invalid_via_invalid_reference_grant(items, path, want):
    check_grant(items, "partially-invalid-via-reference-grant", ("False", "RefNotPermitted"),
                "partial.example", path, want)


def check_no_matching_parent(g, route):
    assert g.condition(route, "Accepted") == ("False", "NoMatchingParent")
    assert g.attached("same-namespace") == {"http": 0}
    assert g.request("/").status == 404  # nothing attached, nothing served


def test_http_route_invalid_parent_ref_not_matching_listener_port(items):
    g = items.get(43, SAME_NAMESPACE, route_yaml("httproute-listener-not-matching-route-port", """
  parentRefs: [{name: same-namespace, port: 81}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""))
    check_no_matching_parent(g, "httproute-listener-not-matching-route-port")


def test_http_route_invalid_parent_ref_not_matching_section_name(items):
    g = items.get(44, SAME_NAMESPACE, route_yaml("httproute-listener-not-matching-section-name",
                                                 """
  parentRefs: [{name: same-namespace, sectionName: http1}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""))
    check_no_matching_parent(g, "httproute-listener-not-matching-section-name")


def test_http_route_invalid_parent_ref_section_name_not_matching_port(items):
    g = items.get(45, SAME_NAMESPACE, route_yaml("httproute-listener-section-name-not-matching-port",
                                                 """
  parentRefs: [{name: same-namespace, sectionName: http, port: 81}]
  rules:
  - backendRefs: [{name: infra-backend-v1, port: 8080}]
"""))
    check_no_matching_parent(g, "httproute-listener-section-name-not-matching-port")


# --- the echo backend itself -------------------------------------------------

@pytest.mark.parametrize("text,seconds", [
    ("1s", 1.0), ("500ms", 0.5), ("1m30s", 90.0), ("1h", 3600.0), ("0s", 0.0),
    ("1.5s", None), ("1d", None), ("s", None), ("", None), ("1s ", None)])
def test_echo_parse_duration(text, seconds):
    """?delay= takes GEP-2257 durations, as the conformance echo does."""
    assert parse_duration(text) == seconds
