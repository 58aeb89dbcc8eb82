"""metalgate's BGP speaker against real routers: BIRD 2, FRR and GoBGP, in
labs of network namespaces the tests create (lib/netns.py). metalgate runs
in a node namespace as AS 64512; the router is AS 65001 (eBGP) unless a test
says otherwise. What the router holds is read from its own CLI/JSON
(lib/routers.py), normalised, and compared with what the plan asks for."""

import json
import os
import signal
import time

import pytest

from lib.bulk import service_with_slice
from lib.netns import lab_factory  # noqa: F401  (pytest fixture)
from lib.routers import lab_router, poll, require

ROUTER_AS, NODE_AS = 65001, 64512
ROUTERS = ["bird", "frr", "gobgp"]


def manifests(node, router_asn=ROUTER_AS, v6=False, password=None, peer_asn=None,
              adv_extra="", services=("web",), graceful=False, pool6=False, peer_extra=""):
    """The node's configuration: one peer per family towards the router."""
    peers = [("router4", node.router_v4)] + ([("router6", node.router_v6)] if v6 else [])
    docs = ["""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: vips, namespace: metallb-system}
spec:
  addresses: [100.64.10.0/28%s]
""" % (", 'fd00:64::/124'" if pool6 else "")]
    for name, addr in peers:
        extra = f"\n  password: {password}" if password else ""
        extra += "\n  enableGracefulRestart: true" if graceful else ""
        extra += peer_extra
        docs.append(f"""apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {{name: {name}, namespace: metallb-system}}
spec:
  peerAddress: "{addr}"
  {"dynamicASN: " + peer_asn if isinstance(peer_asn, str) else "peerASN: " + str(peer_asn or router_asn)}
  myASN: {NODE_AS}
  holdTime: 9s{extra}
""")
    docs.append(f"""apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {{name: adv, namespace: metallb-system}}
spec:
  ipAddressPools: [vips]{adv_extra}
""")
    for svc in services:
        docs.append(service(svc, dual=pool6))
    return docs


def service(name, dual=False):
    fam = ("\n  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]" if dual else "")
    return f"""apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: apps}}
spec:
  type: LoadBalancer{fam}
  selector: {{app: {name}}}
  ports: [{{port: 80}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: {name}-1, namespace: apps, labels: {{kubernetes.io/service-name: {name}}}}}
addressType: IPv4
endpoints: [{{addresses: [10.1.0.1]}}]
"""


class Speaker:
    """metalgate run in a node namespace; stopped by PID at teardown."""

    def __init__(self, mg, node, workdir, docs, name="node-a"):
        self.mg, self.node, self.name = mg, node, name
        self.dir = os.path.join(workdir, f"mg-{node.name}")
        os.makedirs(os.path.join(self.dir, "m"), exist_ok=True)
        self.write(docs)
        self.proc = None

    def write(self, docs):
        with open(os.path.join(self.dir, "m", "site.yaml"), "w") as f:
            f.write("\n---\n".join(docs))

    def start(self, env=None):
        self.proc = self.node.ns.spawn(
            [self.mg.binary, "run", "-f", os.path.join(self.dir, "m"), "--node", self.name,
             "--state", os.path.join(self.dir, "state"), "--log-level", "debug"],
            name=f"metalgate-{self.node.name}", env=env)
        return self

    def status(self):
        out = self.node.ns.run(["curl", "-sf", "http://127.0.0.1:9901/status"], check=False)
        return json.loads(out.stdout) if out.returncode == 0 else None

    def session(self, name="router4"):
        st = self.status()
        for s in (st or {}).get("sessions", []):
            if s["name"] == name:
                return s
        return None

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def log(self):
        return self.proc.output()

    def stop(self, sig=signal.SIGTERM):
        return self.proc.stop(sig=sig)


def start_router(kind, lab, **kw):
    require(kind)
    r = lab_router(kind, lab, ROUTER_AS if "asn" not in kw else kw.pop("asn"), NODE_AS, **kw)
    r.start()
    return r


def planned(mg, sp):
    res = mg.run("plan", "-f", os.path.join(sp.dir, "m"), "--node", sp.name, "-o", "json")
    assert res.rc == 0, res.describe()
    return json.loads(res.stdout)


@pytest.mark.parametrize("kind", ROUTERS)
def test_router_holds_exactly_the_planned_prefixes(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    adv = "\n  communities: ['64512:100', no-export, 'large:64512:7:8']"
    sp = Speaker(mg, n, str(tmp_path), manifests(n, adv_extra=adv, services=("web", "api")))
    router = start_router(kind, lab)
    sp.start()
    router.wait_established(timeout=30)
    plan = planned(mg, sp)
    want = {a["prefix"] for a in plan["advertisements"] if "node-a" in a["nodes"]}
    assert want == {"100.64.10.0/32", "100.64.10.1/32"}
    routes = router.wait_prefixes(sorted(want), timeout=30)
    assert set(routes) == want, routes
    for p in want:
        assert len(routes[p]) == 1
        assert routes[p][0].attrs() == {
            "next_hop": n.v4, "as_path": [NODE_AS], "origin": "igp", "local_pref": None,
            "med": None, "communities": ["64512:100", "65535:65281"],
            "large_communities": ["64512:7:8"]}


def test_each_prefix_keeps_its_own_attributes(mg, lab_factory, tmp_path):
    """Neighbouring prefixes from different advertisements get their own
    communities (the speaker reuses the previous prefix's attributes only
    when they are the same)."""
    lab = lab_factory(1)
    n = lab.node(1)
    docs = manifests(n, services=())
    docs.append("""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: gold, namespace: metallb-system}
spec:
  addresses: [100.64.10.16/28]
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: gold, namespace: metallb-system}
spec:
  ipAddressPools: [gold]
  communities: ['64512:300']""")
    for name, pool in (("a", "vips"), ("b", "vips"), ("c", "gold"), ("d", "gold")):
        docs.append(service(name).replace(
            "metadata: {name: %s, namespace: apps}" % name,
            "metadata: {name: %s, namespace: apps, annotations: {metallb.io/address-pool: %s}}"
            % (name, pool), 1))
    sp = Speaker(mg, n, str(tmp_path), docs)
    router = start_router("bird", lab)
    sp.start()
    router.wait_established(timeout=30)
    want = {"100.64.10.0/32": [], "100.64.10.1/32": [],
            "100.64.10.16/32": ["64512:300"], "100.64.10.17/32": ["64512:300"]}
    routes = router.wait_prefixes(sorted(want), timeout=30)
    assert {p: routes[p][0].attrs()["communities"] for p in want} == want, routes


@pytest.mark.parametrize("kind", ROUTERS)
def test_ibgp_sends_local_pref(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, router_asn=NODE_AS, adv_extra="\n  localPref: 150"))
    router = start_router(kind, lab, asn=NODE_AS)
    sp.start()
    router.wait_established(timeout=30)
    routes = router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    path = routes["100.64.10.0/32"][0]
    assert path.as_path == [] and path.local_pref == 150 and path.next_hop == n.v4


@pytest.mark.parametrize("kind", ["bird", "frr"])
def test_reload_changes_routes_without_resetting_the_session(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, services=("web",)))
    router = start_router(kind, lab)
    sp.start()
    router.wait_established(timeout=30)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    assert poll(lambda: (sp.session() or {}).get("established"), 10, what="metalgate session")
    sp.write(manifests(n, services=("web", "api")))
    router.wait_prefixes(["100.64.10.0/32", "100.64.10.1/32"], timeout=30)
    sp.write(manifests(n, services=("api",)))
    poll(lambda: set(router.routes()) == {"100.64.10.1/32"}, 30, what="web withdrawn",
         describe=lambda: router.routes())
    assert sp.session()["establishedCount"] == 1, sp.log()


@pytest.mark.parametrize("kind", ROUTERS)
def test_router_restart_reconnects_and_reannounces(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n))
    router = start_router(kind, lab)
    sp.start()
    router.wait_established(timeout=30)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    router.restart()
    router.wait_established(timeout=60)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    assert sp.session()["establishedCount"] >= 2


@pytest.mark.parametrize("kind", ["bird", "frr"])
def test_wrong_peer_asn_gives_no_session_and_says_why(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, peer_asn=65099))
    router = start_router(kind, lab)
    sp.start()
    assert poll(lambda: "Bad Peer AS" in sp.log(), 30, what="a Bad Peer AS line",
                describe=sp.log)
    router.assert_not_established(n.v4, hold=3)
    assert not router.routes()


@pytest.mark.parametrize("kind", ["bird", "frr"])
def test_md5_mismatch_gives_no_session_and_says_why(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, password="metalgate-secret"))
    router = start_router(kind, lab, password="router-secret")
    sp.start()
    assert poll(lambda: "TCP-MD5" in sp.log(), 40, what="an MD5 hint in the log",
                describe=sp.log)
    router.assert_not_established(n.v4, hold=3)


def test_md5_match_establishes(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, password="same-secret"))
    router = start_router("bird", lab, password="same-secret")
    sp.start()
    router.wait_established(timeout=30)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)


@pytest.mark.parametrize("kind", ["bird", "frr", "gobgp"])
def test_ipv6_prefixes_over_an_ipv6_session(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, v6=True, pool6=True))
    router = start_router(kind, lab, families=(4, 6))
    sp.start()
    router.wait_established(timeout=30)
    routes6 = router.wait_prefixes(["fd00:64::/128"], family=6, timeout=30)
    assert routes6["fd00:64::/128"][0].next_hop == n.v6
    assert routes6["fd00:64::/128"][0].as_path == [NODE_AS]
    routes4 = router.wait_prefixes(["100.64.10.0/32"], family=4, timeout=30)
    assert routes4["100.64.10.0/32"][0].next_hop == n.v4


GATEWAY = """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: metalgate}
spec: {controllerName: metalgate.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: metalgate
  addresses: [{value: 100.64.10.9}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
"""


@pytest.mark.parametrize("kind", ["bird", "frr"])
def test_two_nodes_announcing_one_gateway_vip_give_ecmp(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(2)
    speakers = []
    for i, name in ((1, "node-a"), (2, "node-b")):
        n = lab.node(i)
        docs = manifests(n, services=()) + [GATEWAY]
        speakers.append(Speaker(mg, n, str(tmp_path), docs, name=name))
    router = start_router(kind, lab)
    for sp in speakers:
        sp.start()
    router.wait_established(timeout=30)
    kr = router.wait_kernel(lambda k: len(k.get("100.64.10.9/32", [])) == 2, timeout=30,
                            what="two next hops for the VIP")
    assert sorted(kr["100.64.10.9/32"]) == sorted([lab.node(1).v4, lab.node(2).v4])


def test_graceful_restart_keeps_forwarding_during_a_restart(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n, graceful=True))
    router = start_router("bird", lab, graceful_restart=True)
    sp.start()
    router.wait_established(timeout=30)
    router.wait_kernel(lambda k: "100.64.10.0/32" in k, timeout=30, what="the VIP route")
    sp.stop()
    assert "closing without NOTIFICATION" in sp.log()
    # metalgate is down: the router keeps the stale route in its kernel table.
    time.sleep(3)
    assert "100.64.10.0/32" in router.kernel_routes(), router.log()
    sp2 = Speaker(mg, n, str(tmp_path), manifests(n, graceful=True)).start()
    router.wait_established(timeout=30)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    assert "100.64.10.0/32" in router.kernel_routes()
    sp2.stop()


def test_sigterm_sends_cease(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    n = lab.node(1)
    sp = Speaker(mg, n, str(tmp_path), manifests(n))
    router = start_router("bird", lab)
    sp.start()
    router.wait_established(timeout=30)
    assert sp.stop() == 0
    log = os.path.join(router.dir, "bird.log")
    assert poll(lambda: "Administrative shutdown" in open(log).read(), 10,
                what="Cease in BIRD's log", describe=lambda: open(log).read())
    assert "metalgate is stopping" in open(log).read()


@pytest.mark.parametrize("kind", ["bird", "frr"])
def test_dynamic_asn_source_address_and_timers(mg, lab_factory, tmp_path, kind):
    lab = lab_factory(1)
    n = lab.node(1)
    extra = (f"\n  sourceAddress: {n.v4}\n  routerID: 10.255.0.7\n  connectTime: 2s"
             "\n  keepaliveTime: 3s")
    sp = Speaker(mg, n, str(tmp_path), manifests(n, peer_asn="external", peer_extra=extra))
    plan = planned(mg, sp)
    assert plan["peers"][0]["asn"] is None and plan["peers"][0]["dynamicASN"] == "external"
    router = start_router(kind, lab)
    sp.start()
    router.wait_established(timeout=30)
    routes = router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    assert routes["100.64.10.0/32"][0].next_hop == n.v4
    # dynamicASN external refuses a peer in our own AS.
    lab2 = lab_factory(1)
    n2 = lab2.node(1)
    sp2 = Speaker(mg, n2, str(tmp_path / "ibgp"), manifests(n2, router_asn=NODE_AS,
                                                             peer_asn="external"))
    router2 = start_router(kind, lab2, asn=NODE_AS)
    sp2.start()
    assert poll(lambda: "Bad Peer AS" in sp2.log(), 30, what="a Bad Peer AS line",
                describe=sp2.log)
    router2.assert_not_established(n2.v4, hold=2)


# Services in a pool no BGPAdvertisement names: they cost a reload its full
# read/check/plan time without sending BIRD a route each. A load of 300,000
# of them (with their EndpointSlices) takes about 7 s on the 2-core test VM,
# more than twice the 3 s hold time.
BULK_SERVICES = 300_000
BULK_PER_FILE = 20_000  # metalgate refuses files over 64 MiB


def write_bulk_services(directory, n):
    with open(os.path.join(directory, "bulk-pool.yaml"), "w") as f:
        f.write("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
                "metadata: {name: bulk, namespace: metallb-system}\n"
                "spec: {addresses: [100.96.0.0/13], autoAssign: false}\n")
    for start in range(0, n, BULK_PER_FILE):
        parts = []
        for i in range(start, min(n, start + BULK_PER_FILE)):
            parts.append(service_with_slice(i, f"bulk-{i % 100}",
                                            "{metallb.io/address-pool: bulk}"))
        with open(os.path.join(directory, f"bulk-{start // BULK_PER_FILE:03d}.yaml"), "w") as f:
            f.write("".join(parts))


def bird_since(router):
    """When BIRD's session to the node last changed state (its `show protocols`)."""
    for line in router.birdc("show", "protocols").splitlines():
        if line.startswith("peer1 "):
            return line.split()[4]
    return None


def test_long_reload_keeps_a_short_hold_time_session(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    n = lab.node(1)
    docs = [d.replace("holdTime: 9s", "holdTime: 3s") for d in manifests(n)]
    sp = Speaker(mg, n, str(tmp_path), docs)
    write_bulk_services(os.path.join(sp.dir, "m"), BULK_SERVICES)
    router = start_router("bird", lab, hold_time=3, kernel=False)
    sp.start()  # the first load is synchronous: no session before it is done
    router.wait_established(timeout=60)
    router.wait_prefixes(["100.64.10.0/32"], timeout=30)
    assert poll(lambda: (sp.session() or {}).get("established"), 10, what="metalgate session")
    since = bird_since(router)
    assert since is not None, router.describe()
    with open(os.path.join(sp.dir, "m", "late.yaml"), "w") as f:
        f.write(service("late"))
    sp.reload()  # then the file watch asks for one more load (configuration 3)
    router.wait_prefixes(["100.64.10.0/32", "100.64.10.1/32"], timeout=60)
    # Watched in the log, not /status: rendering 300,000 Services as JSON
    # takes the control thread long enough to starve a 3 s hold time itself.
    poll(lambda: "configuration 3 running" in sp.log(), 60, what="the second load applied",
         describe=sp.log)
    st = sp.status()
    assert st["runtime"]["reloads"]["failed"] == 0, sp.log()
    assert st["runtime"]["generation"] >= 2
    assert sp.session()["establishedCount"] == 1, sp.log()
    assert bird_since(router) == since, router.describe()
    assert router.sessions()[n.v4].established
    assert "Hold timer expired" not in open(os.path.join(router.dir, "bird.log")).read()
