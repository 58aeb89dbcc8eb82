"""metalgate plan: the gateways, routes and policies sections (Gateway API and
Kuadrant status conditions) on the seed and on a small manifest set."""

import json
import os

from lib.metalgate import EXIT_OK

CLASS = """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: metalgate}
spec: {controllerName: metalgate.io/gateway-controller}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: metallb-system}
spec: {addresses: [10.20.0.0/29]}
"""

GATEWAY = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: metalgate
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com"}
  - {name: db, port: 5432, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: infra}
spec: {ports: [{port: 8080}]}
"""

ROUTES = """apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: good, namespace: infra}
spec:
  parentRefs: [{name: edge}]
  hostnames: [www.example.com, www.example.org]
  rules: [{backendRefs: [{name: web, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: typo, namespace: infra}
spec:
  parentRefs: [{name: edge, sectionName: htp}]
  rules: [{backendRefs: [{name: web, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: elsewhere, namespace: apps}
spec:
  parentRefs: [{name: edge, namespace: infra}]
  rules: [{backendRefs: [{name: web, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: other-domain, namespace: infra}
spec:
  parentRefs: [{name: edge, sectionName: http}]
  hostnames: [www.example.net]
  rules: [{backendRefs: [{name: missing, port: 8080}]}]
"""

POLICIES = """apiVersion: kuadrant.io/v1
kind: RateLimitPolicy
metadata: {name: edge-limit, namespace: infra}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: edge}
  limits:
    global: {rates: [{limit: 100, window: 1m}]}
---
apiVersion: kuadrant.io/v1
kind: AuthPolicy
metadata: {name: lost, namespace: infra}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: nothing-here}
  rules:
    authentication:
      anyone: {anonymous: {}}
"""


def plan_json(mg, *args):
    res = mg.run("plan", *args, "-o", "json")
    assert res.rc == EXIT_OK, res.describe()
    return json.loads(res.stdout)


def conds(obj):
    return {c["type"]: (c["status"], c["reason"]) for c in obj["conditions"]}


def by_name(items):
    return {(i["namespace"], i["name"]): i for i in items}


def test_seed_api_gateway_is_programmed_with_its_routes_attached(mg, repo_root):
    p = plan_json(mg, "-f", os.path.join(repo_root, "examples", "seed"), "--node", "node-a")
    gw = by_name(p["gateways"])[("rhcl-sandbox", "api-gateway")]
    assert gw["addresses"] == ["192.168.2.20"]
    assert conds(gw) == {"Accepted": ("True", "Accepted"), "Programmed": ("True", "Programmed")}
    [http] = gw["listeners"]
    assert (http["name"], http["port"], http["protocol"], http["hostname"]) == \
        ("http", 80, "HTTP", "*.apps.example.com")
    assert http["attachedRoutes"] == 2
    assert conds(http) == {"Accepted": ("True", "Accepted"), "Conflicted": ("False", "NoConflicts"),
                           "ResolvedRefs": ("True", "ResolvedRefs"),
                           "Programmed": ("True", "Programmed")}
    routes = by_name(p["routes"])
    for name, host in (("news-api", "news.apps.example.com"), ("echo", "echo.apps.example.com")):
        [parent] = routes[("rhcl-sandbox", name)]["parents"]
        assert routes[("rhcl-sandbox", name)]["kind"] == "HTTPRoute"
        assert parent["gateway"] == "rhcl-sandbox/api-gateway"
        assert conds(parent)["Accepted"] == ("True", "Accepted")
        assert parent["hostnames"] == {"http": [host]}
    assert routes[("rhcl-sandbox", "news-api")]["parents"][0]["sectionName"] == "http"
    assert routes[("rhcl-sandbox", "echo")]["parents"][0]["sectionName"] is None
    policies = {(q["kind"], q["name"]): q for q in p["policies"]}
    assert set(policies) == {("RateLimitPolicy", "api-gateway-rlp"),
                             ("RateLimitPolicy", "news-api-rlp"), ("AuthPolicy", "news-api-auth")}
    assert policies[("RateLimitPolicy", "api-gateway-rlp")]["targetRef"] == "Gateway/api-gateway"
    for q in policies.values():
        assert conds(q) == {"Accepted": ("True", "Accepted"), "Enforced": ("False", "Unknown")}


def test_reasons_on_a_small_manifest_set(mg, manifests):
    d, _ = manifests({"class.yaml": CLASS, "gateway.yaml": GATEWAY, "routes.yaml": ROUTES,
                      "policies.yaml": POLICIES})
    p = plan_json(mg, "-f", d)
    [gw] = p["gateways"]
    assert gw["addresses"] == ["10.20.0.0"]
    assert conds(gw) == {"Accepted": ("True", "Accepted"), "Programmed": ("True", "Programmed")}
    listeners = {li["name"]: li for li in gw["listeners"]}
    assert conds(listeners["db"])["Accepted"] == ("False", "UnsupportedProtocol")
    assert listeners["http"]["attachedRoutes"] == 1
    assert listeners["db"]["attachedRoutes"] == 0

    routes = by_name(p["routes"])
    good = routes[("infra", "good")]["parents"][0]
    assert conds(good) == {"Accepted": ("True", "Accepted"), "ResolvedRefs": ("True", "ResolvedRefs")}
    assert good["hostnames"] == {"http": ["www.example.com"]}
    assert set(good) == {"gateway", "sectionName", "port", "conditions", "hostnames"}
    typo = routes[("infra", "typo")]["parents"][0]
    assert conds(typo)["Accepted"] == ("False", "NoMatchingParent")
    assert typo["hostnames"] == {}
    assert conds(routes[("apps", "elsewhere")]["parents"][0])["Accepted"] == \
        ("False", "NotAllowedByListeners")
    other = routes[("infra", "other-domain")]["parents"][0]
    assert conds(other) == {"Accepted": ("False", "NoMatchingListenerHostname"),
                            "ResolvedRefs": ("False", "BackendNotFound")}

    policies = {q["name"]: q for q in p["policies"]}
    assert conds(policies["edge-limit"])["Accepted"] == ("True", "Accepted")
    lost = policies["lost"]
    assert lost["targetRef"] == "HTTPRoute/nothing-here"
    assert [c["type"] for c in lost["conditions"]] == ["Accepted"]
    assert conds(lost)["Accepted"] == ("False", "TargetNotFound")
    assert "nothing-here was not found" in lost["conditions"][0]["message"]
    for c in (cond for q in p["policies"] for cond in q["conditions"]):
        assert set(c) == {"type", "status", "reason", "message"}


def test_plan_is_the_same_whatever_the_document_order(mg, manifests):
    one, _ = manifests({"all.yaml": "---\n".join([CLASS, GATEWAY, ROUTES, POLICIES])})
    docs = "---\n".join([POLICIES, ROUTES, GATEWAY, CLASS]).split("\n---\n")
    two, _ = manifests({"all.yaml": "\n---\n".join(reversed(docs))}, subdir="m2")
    first, second = plan_json(mg, "-f", one), plan_json(mg, "-f", two)
    for key in ("gateways", "routes", "policies"):
        assert first[key] == second[key]


def test_text_output_has_the_three_tables(mg, manifests):
    d, _ = manifests({"class.yaml": CLASS, "gateway.yaml": GATEWAY, "routes.yaml": ROUTES,
                      "policies.yaml": POLICIES})
    res = mg.run("plan", "-f", d)
    assert res.rc == EXIT_OK, res.describe()
    for word in ("GATEWAYS", "infra/edge", "http:80/HTTP=1", "db:5432/TCP!False/Invalid",
                 "ROUTES", "False/NoMatchingParent", "http=www.example.com",
                 "POLICIES", "HTTPRoute/nothing-here", "False/TargetNotFound"):
        assert word in res.stdout, word


def test_metallb_only_configuration_has_empty_sections(mg, manifests):
    d, _ = manifests({"pool.yaml": CLASS.split("---\n")[1]})
    p = plan_json(mg, "-f", d)
    assert p["gateways"] == [] and p["routes"] == [] and p["policies"] == []
    res = mg.run("plan", "-f", d)
    assert "GATEWAYS" not in res.stdout and "POLICIES" not in res.stdout
