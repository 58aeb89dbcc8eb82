"""A peer that misbehaves on purpose (tests/system/bgp_hostile_peer.py)
cannot crash metalgate or grow its memory: each protocol error gets the
NOTIFICATION RFC 4271 prescribes, and a flood of UPDATEs is counted and
dropped with memory staying flat."""

import os
import subprocess
import sys
import time

import pytest

from lib.netns import lab_factory  # noqa: F401  (pytest fixture)
from lib.routers import poll
from test_bgp import Speaker, manifests, service, start_router

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "bgp_hostile_peer.py")


def hostile(lab, mode, count=0, timeout=30):
    return lab.router.spawn([sys.executable, PEER, lab.node(1).router_v4, mode, str(count),
                             str(timeout)], name=f"hostile-{mode}")


@pytest.mark.parametrize("mode,code,subcode", [
    ("garbage", 1, 1),   # Message Header Error / Connection Not Synchronized
    ("toolong", 1, 2),   # Message Header Error / Bad Message Length
    ("badlen", 3, 1),    # UPDATE Message Error / Malformed Attribute List
])
def test_protocol_errors_get_their_notification(mg, lab_factory, tmp_path, mode, code, subcode):
    lab = lab_factory(1)
    peer = hostile(lab, mode)
    sp = Speaker(mg, lab.node(1), str(tmp_path), manifests(lab.node(1))).start()
    assert poll(lambda: f"notification {code} {subcode}" in peer.output(), 20,
                what=f"NOTIFICATION {code}/{subcode}", describe=lambda: peer.output() + sp.log())
    assert sp.proc.alive()
    assert poll(lambda: "sent NOTIFICATION" in sp.log(), 5, what="a log line", describe=sp.log)


def test_malformed_origin_is_treat_as_withdraw_and_keeps_the_session(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    peer = hostile(lab, "badattr", timeout=20)
    sp = Speaker(mg, lab.node(1), str(tmp_path), manifests(lab.node(1))).start()
    assert poll(lambda: (sp.session() or {}).get("updatesReceived", 0) >= 1, 15,
                what="the UPDATE to arrive", describe=sp.log)
    time.sleep(3)
    s = sp.session()
    assert s["established"] and s["establishedCount"] == 1, s
    assert "notification" not in peer.output()


def test_update_flood_is_counted_and_dropped_in_bounded_memory(mg, lab_factory, tmp_path):
    lab = lab_factory(1)
    peer = hostile(lab, "flood", count=4000, timeout=60)
    sp = Speaker(mg, lab.node(1), str(tmp_path), manifests(lab.node(1))).start()
    assert poll(lambda: (sp.session() or {}).get("established"), 20, what="session",
                describe=sp.log)
    before = sp.proc.rss_bytes()
    assert poll(lambda: "sent" in peer.output(), 55, what="the flood to end",
                describe=peer.output)
    assert poll(lambda: sp.session()["prefixesReceived"] >= 4000 * 500, 20,
                what="every flooded prefix counted", describe=lambda: str(sp.session()))
    after = sp.proc.rss_bytes()
    s = sp.session()
    assert s["established"] and s["establishedCount"] == 1, s
    # Two million routes went by; nothing of them is kept.
    assert after - before < 8 * 1024 * 1024, (before, after)


def test_a_slow_reader_gets_the_whole_table(mg, lab_factory, tmp_path):
    """The router (with a small receive window) stops reading while metalgate
    sends a large table, then reads at full speed: the whole table and the
    End-of-RIB arrive without waiting for a KEEPALIVE timer to wake the
    sender (30 s here)."""
    lab = lab_factory(1)
    n = 60000
    peer = hostile(lab, "slowread", count=3000, timeout=60)
    docs = [d.replace("holdTime: 9s", "holdTime: 90s") for d in manifests(lab.node(1), services=())]
    docs[0] = docs[0].replace("100.64.10.0/28", "100.64.0.0/16")
    docs += [service(f"s{i}") for i in range(n)]
    sp = Speaker(mg, lab.node(1), str(tmp_path), docs).start()
    assert poll(lambda: "eor" in peer.output(), 50, what="End-of-RIB",
                describe=lambda: peer.output() + sp.log()[-2000:])
    _, prefixes, seconds = next(line for line in peer.output().splitlines()
                                if line.startswith("eor")).split()
    assert int(prefixes) == n
    assert float(seconds) < 10, peer.output()


def test_a_peer_reading_in_bursts_gets_the_whole_table(mg, lab_factory, tmp_path):
    """BIRD as the router, and metalgate's writes made to stutter
    (shim/send_stutter.c: every other large write finds the socket "full",
    the next one empties the queue). Each time the queue empties that way
    the speaker must go on with the table at once; it once stopped until its
    KEEPALIVE timer (30 s here) woke it."""
    shim = str(tmp_path / "send_stutter.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o", shim,
                    os.path.join(HERE, "shim", "send_stutter.c"), "-ldl"], check=True)
    lab = lab_factory(1)
    n = 60000  # about 300 KB of UPDATEs: more than one fill of the send queue
    docs = [d.replace("holdTime: 9s", "holdTime: 90s") for d in manifests(lab.node(1), services=())]
    docs[0] = docs[0].replace("100.64.10.0/28", "100.64.0.0/16")
    docs += [service(f"s{i}") for i in range(n)]
    router = start_router("bird", lab)
    env = dict(os.environ, LD_PRELOAD=shim)
    # A sanitizer build wants its runtime first among the libraries.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "abort_on_error=1") + ":verify_asan_link_order=0"
    sp = Speaker(mg, lab.node(1), str(tmp_path), docs).start(env=env)
    router.wait_established(timeout=60)
    assert poll(lambda: router.route_count(4) >= n, 20, interval=0.5,
                what=f"all {n} prefixes at BIRD well before a KEEPALIVE (30 s)",
                describe=lambda: f"BIRD holds {router.route_count(4)}\n" + sp.log()[-2000:])
    assert router.route_count(4) == n
    assert sp.proc.alive()
