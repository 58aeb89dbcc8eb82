"""Self-tests of the BGP test harness (lib/netns.py, lib/routers.py).

Known-good speakers (GoBGP, FRR) announce to known-good routers (BIRD 2, FRR,
GoBGP) in a lab of network namespaces, and the harness must read back exactly
what was announced. When these pass and a metalgate BGP test fails, the
failure is metalgate's. docs/internals/testing.md describes the harness.
"""

import re

import pytest

from lib.netns import lab_factory  # noqa: F401  (pytest fixture)
from lib.routers import Announcement, Neighbor, lab_router, node_speaker, poll, require

ROUTER_AS, NODE_AS = 65001, 64512
V4 = ["100.64.0.1/32", "100.64.0.2/32", "100.64.7.0/24"]
V6 = ["2001:db8:ff::1/128", "2001:db8:ff::2/128"]
COMMS = ["64512:100", "65000:7"]
LCOMMS = ["64512:1:2", "4200000000:7:8"]


def start(*daemons):
    for d in daemons:
        require(d.kind)
    for d in daemons:
        d.start()
    return daemons


def paths_of(routes, prefix):
    ps = routes[prefix]
    assert len(ps) == 1, f"{prefix}: expected one path, got {ps}"
    return ps[0]


@pytest.mark.parametrize("router_kind,speaker_kind", [
    ("bird", "gobgp"), ("frr", "gobgp"), ("gobgp", "frr"), ("bird", "frr")])
def test_router_holds_exactly_the_announced_prefixes_and_attributes(
        lab_factory, router_kind, speaker_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    ann = [Announcement(V4[:2], communities=COMMS, large_communities=LCOMMS, med=10),
           Announcement(V4[2:], communities=["64512:200"])]
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS)
    speaker = node_speaker(speaker_kind, n, ann, NODE_AS, ROUTER_AS)
    start(router, speaker)
    router.wait_established()
    routes = router.wait_prefixes(V4)
    for p in V4[:2]:
        assert paths_of(routes, p).attrs() == {
            "next_hop": n.v4, "as_path": [NODE_AS], "origin": "igp", "local_pref": None,
            "med": 10, "communities": COMMS, "large_communities": LCOMMS}
    last = paths_of(routes, V4[2])
    assert (last.communities, last.large_communities) == (["64512:200"], [])
    # FRR sends MED 0 (its IGP metric) on the networks it originates.
    assert last.med == (0 if speaker_kind == "frr" else None)
    assert paths_of(routes, V4[0]).peer == n.v4
    if router.kernel_proto:
        kr = router.wait_kernel(lambda k: set(V4) <= set(k), what="kernel routes")
        assert {p: kr[p] for p in V4} == {p: [n.v4] for p in V4}
    assert router.sessions()[n.v4].established


@pytest.mark.parametrize("router_kind", ["bird", "frr", "gobgp"])
def test_ipv6_prefixes_over_an_ipv6_session(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS, families=(6,))
    speaker = node_speaker("gobgp", n, [Announcement(V6, communities=COMMS,
                                                     large_communities=LCOMMS)],
                           NODE_AS, ROUTER_AS, families=(6,))
    start(router, speaker)
    router.wait_established([n.v6])
    routes = router.wait_prefixes(V6, family=6)
    for p in V6:
        path = paths_of(routes, p)
        assert path.next_hop == n.v6
        assert (path.as_path, path.communities, path.large_communities) == \
            ([NODE_AS], COMMS, LCOMMS)
    assert router.routes(4) == {}
    if router.kernel_proto:
        kr = router.wait_kernel(lambda k: set(V6) <= set(k), family=6)
        assert {p: kr[p] for p in V6} == {p: [n.v6] for p in V6}


@pytest.mark.parametrize("router_kind", ["bird", "frr"])
def test_ibgp_carries_local_pref(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, ROUTER_AS)
    speaker = node_speaker("gobgp", n, [Announcement(V4[:1], local_pref=250)],
                           ROUTER_AS, ROUTER_AS)
    start(router, speaker)
    path = paths_of(router.wait_prefixes(V4[:1]), V4[0])
    assert (path.local_pref, path.as_path, path.next_hop) == (250, [], n.v4)


@pytest.mark.parametrize("router_kind", ["bird", "frr"])
def test_two_nodes_announcing_one_prefix_give_an_ecmp_kernel_route(lab_factory, router_kind):
    lab = lab_factory(2)
    n1, n2 = lab.nodes
    vip = "100.64.0.10/32"
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS)
    s1 = node_speaker("gobgp", n1, [Announcement([vip])], NODE_AS, ROUTER_AS)
    s2 = node_speaker("frr", n2, [Announcement([vip])], NODE_AS, ROUTER_AS)
    start(router, s1, s2)
    router.wait_established()
    routes = router.wait_routes(lambda r: len(r.get(vip, [])) == 2, what="two paths")
    assert sorted(p.peer for p in routes[vip]) == [n1.v4, n2.v4]
    kr = router.wait_kernel(lambda k: len(k.get(vip, [])) == 2, what="an ECMP route")
    assert kr[vip] == [n1.v4, n2.v4]
    # One node leaves: the route narrows to the other next hop.
    s1.stop()
    kr = router.wait_kernel(lambda k: k.get(vip) == [n2.v4], what="one next hop left")


@pytest.mark.parametrize("router_kind", ["bird", "frr", "gobgp"])
def test_wrong_peer_asn_gives_no_session_and_a_readable_reason(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS + 1)   # expects 64513
    speaker = node_speaker("gobgp", n, [Announcement(V4[:1])], NODE_AS, ROUTER_AS)
    start(router, speaker)
    seen = []

    def reason():
        s = router.sessions().get(n.v4)
        if s and s.last_error:
            seen.append(s.last_error)
        return any(re.search(r"(?i)\bAS\b|as number", e) for e in seen)
    poll(reason, 15, 0.1, "a last error naming the AS", router.describe)
    router.assert_not_established(n.v4, hold=2)
    assert router.routes(4) == {}


@pytest.mark.parametrize("router_kind", ["bird", "frr", "gobgp"])
def test_md5_mismatch_gives_no_session(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS, password="right-secret")
    # FRR connects at once (GoBGP waits 5 to 10 s before its first attempt).
    speaker = node_speaker("frr", n, [Announcement(V4[:1])], NODE_AS, ROUTER_AS,
                           password="wrong-secret")
    start(router, speaker)
    router.assert_not_established(n.v4, hold=4)
    assert router.routes(4) == {}
    # The kernel drops every segment whose signature does not verify; that
    # is the readable reason (the daemons only see timeouts).
    drops = lab.router.nstat("TcpExtTCPMD5Failure")["TcpExtTCPMD5Failure"] + \
        n.ns.nstat("TcpExtTCPMD5Failure")["TcpExtTCPMD5Failure"]
    assert drops > 0


@pytest.mark.parametrize("router_kind", ["bird", "frr", "gobgp"])
def test_md5_match_establishes(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS, password="same-secret")
    speaker = node_speaker("frr", n, [Announcement(V4[:1])], NODE_AS, ROUTER_AS,
                           password="same-secret")
    start(router, speaker)
    router.wait_prefixes(V4[:1])


@pytest.mark.parametrize("router_kind", ["bird", "frr"])
def test_router_restart_brings_the_routes_back(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS)
    speaker = node_speaker("gobgp", n, [Announcement(V4)], NODE_AS, ROUTER_AS)
    start(router, speaker)
    router.wait_prefixes(V4)
    router.kill()
    assert not router.running()
    router.start()
    router.wait_prefixes(V4, timeout=30)
    router.wait_kernel(lambda k: set(V4) <= set(k))


def test_speaker_withdraw_reaches_the_router(lab_factory):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router("bird", lab, ROUTER_AS, NODE_AS)
    speaker = node_speaker("gobgp", n, [Announcement(V4)], NODE_AS, ROUTER_AS)
    start(router, speaker)
    router.wait_prefixes(V4)
    speaker.withdraw(V4[:1])
    speaker.announce([Announcement(["100.64.9.9/32"])])
    speaker.wait_announced()
    router.wait_prefixes(V4[1:] + ["100.64.9.9/32"])


def test_router_forwards_to_an_announced_vip(lab_factory):
    lab = lab_factory(1)
    n = lab.node(1)
    vip = "100.64.0.20"
    n.ns.add_address(vip)
    assert not lab.router.reaches(vip, timeout=0.5)
    router = lab_router("bird", lab, ROUTER_AS, NODE_AS)
    speaker = node_speaker("gobgp", n, [Announcement([vip + "/32"])], NODE_AS, ROUTER_AS)
    start(router, speaker)
    router.wait_kernel(lambda k: k.get(vip + "/32") == [n.v4])
    assert lab.router.reaches(vip)


@pytest.mark.parametrize("router_kind", ["bird", "frr"])
def test_graceful_restart_keeps_a_dead_speakers_routes_as_stale(lab_factory, router_kind):
    lab = lab_factory(1)
    n = lab.node(1)
    router = lab_router(router_kind, lab, ROUTER_AS, NODE_AS, graceful_restart=True)
    speaker = node_speaker("gobgp", n, [Announcement(V4)], NODE_AS, ROUTER_AS,
                           graceful_restart=True, restart_time=60)
    start(router, speaker)
    router.wait_prefixes(V4)
    router.wait_kernel(lambda k: set(V4) <= set(k))
    speaker.kill()
    poll(lambda: not router.sessions()[n.v4].established, 10, 0.1, "the session to drop",
         router.describe)
    router.assert_not_established(n.v4, hold=1.5)
    assert set(router.routes(4)) == set(V4)                 # kept as stale
    assert set(V4) <= set(router.kernel_routes(4))          # and still forwarded
    speaker.start()
    router.wait_established()
    router.wait_prefixes(V4)


def test_lab_addresses_and_links(lab_factory):
    lab = lab_factory(2)
    assert [n.v4 for n in lab.nodes] == ["198.18.1.2", "198.18.2.2"]
    assert [n.router_v6 for n in lab.nodes] == ["2001:db8:1::1", "2001:db8:2::1"]
    assert lab.router.kernel_routes(4) == {"198.18.1.0/30": ["dev n1"],
                                           "198.18.2.0/30": ["dev n2"]}
    r = lab.node(1).ns.run(["ip", "-j", "addr", "show", "eth0"])
    assert "tentative" not in r.stdout   # nodad: usable at once
    lab.set_link(2, False)
    assert lab.router.kernel_routes(4) == {"198.18.1.0/30": ["dev n1"]}
    lab.set_link(2, True)


def test_unused_neighbor_fields_are_refused():
    with pytest.raises(NotImplementedError):
        from lib.routers import Bird
        Bird(None, 1, "198.18.0.1", [Neighbor("198.18.1.2", 2, bfd=True)])
