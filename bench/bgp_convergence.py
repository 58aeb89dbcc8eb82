"""The BGP anchor benchmark (docs: bench/bgp_convergence.sh --help).

For each speaker (GoBGP, FRR, metalgate), in a fresh lab each time: BIRD 2 is
the router (AS 65001, no kernel export: BIRD alone is measured, not the
kernel's FIB), the speaker runs in the node namespace (AS 64512) and announces
N /32 prefixes from 100.64.0.0 up. Each run:

  1. everything the speaker reads is written before the clock starts (FRR's
     config with N `network` lines, GoBGP's MRT feed, metalgate's manifests);
  2. t0: the speaker process starts (GoBGP: gobgpd starts, then its feed
     runs as soon as its API answers -- both inside the measured time);
  3. BIRD is polled (bounded loop) until its protocol is Established
     ("session") and until master4 holds N networks ("all");
  4. at that moment the speaker's RSS is read (/proc, VmRSS; FRR: bgpd +
     zebra; GoBGP: gobgpd, not the short-lived `gobgp mrt inject`).

A speaker that does not finish within the timeout is stopped and reported
as such. Speakers alternate within each run so that a change in machine
load hits all of them alike; times are the median over runs.
"""

import argparse
import ipaddress
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from lib.bulk import service_with_slice  # noqa: E402
from lib.netns import make_lab, unavailable_reason  # noqa: E402
from lib.routers import (Announcement, Bird, Frr, GoBgp, Neighbor, available,  # noqa: E402
                         mrt_chunks, mrt_table_dump)

ROUTER_AS, NODE_AS = 65001, 64512
BASE = int(ipaddress.ip_address("100.64.0.0"))
ANCHORS = ("gobgp", "frr")
LABELS = {"gobgp": "GoBGP", "frr": "FRR bgpd+zebra", "metalgate": "metalgate"}


def prefixes(n):
    return [f"{ipaddress.IPv4Address(BASE + i)}/32" for i in range(n)]


def version(kind, mg=None):
    cmds = {"gobgp": ["gobgpd", "--version"], "frr": ["/usr/lib/frr/bgpd", "--version"],
            "bird": ["bird", "--version"], "metalgate": [mg or "metalgate", "version"]}
    try:
        p = subprocess.run(cmds[kind], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (p.stdout + p.stderr).strip().splitlines()
    return text[0] if text else "?"


def metalgate_ready(binary):
    """True when `metalgate run --help` exists (the daemon has landed)."""
    if not (binary and os.path.isfile(binary) and os.access(binary, os.X_OK)):
        return False
    try:
        p = subprocess.run([binary, "run", "--help"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0


PER_FILE = 20000  # Services per file: metalgate refuses files over 64 MiB


def metalgate_manifests(directory, n, peer_address):
    """N LoadBalancer Services, each with a serving endpoint on node-a (so the
    plan announces it), one pool large enough, one BGPPeer, one
    BGPAdvertisement, the Node; PER_FILE Services per file."""
    bits = max(8, (n - 1).bit_length())
    pool = ipaddress.ip_network(f"100.64.0.0/{32 - bits}")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "site.yaml"), "w") as f:
        f.write("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n"
                f"  name: bench\n  namespace: metallb-system\nspec:\n  addresses:\n  - {pool}\n---\n"
                "apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n"
                "  name: all\n  namespace: metallb-system\n---\n"
                "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n"
                f"  namespace: metallb-system\nspec:\n  peerAddress: {peer_address}\n"
                f"  peerASN: {ROUTER_AS}\n  myASN: {NODE_AS}\n---\n"
                "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-a\n")
    for start in range(0, n, PER_FILE):
        with open(os.path.join(directory, f"services-{start // PER_FILE:04d}.yaml"), "w") as f:
            _services(f, start, min(n, start + PER_FILE))


def _services(f, start, end):
    for i in range(start, end):
        f.write(service_with_slice(i, f"ns-{i % 100}"))


class Speaker:
    """Prepares one speaker in a node namespace (prepare()), then starts it
    (go()) and exposes its processes for RSS."""

    def __init__(self, kind, node, n, metalgate=None):
        self.kind, self.node, self.n, self.metalgate = kind, node, n, metalgate
        self.daemon = None
        self.procs = []
        self.mrt = None

    def prepare(self):
        node, n = self.node, self.n
        nb = [Neighbor(node.router_v4, ROUTER_AS, connect_retry=1)]
        if self.kind == "gobgp":
            ann = [Announcement(prefixes(n))]
            self.daemon = GoBgp(node.ns, NODE_AS, node.v4, nb, role="speaker", announce=ann)
            os.makedirs(self.daemon.dir, exist_ok=True)
            self.daemon.write_config()
            self.mrt = mrt_chunks(mrt_table_dump(ann))
        elif self.kind == "frr":
            self.daemon = Frr(node.ns, NODE_AS, node.v4, nb, role="speaker",
                              announce=[Announcement(prefixes(n))])
            os.makedirs(self.daemon.dir, exist_ok=True)
            self.daemon.write_config()
        else:
            self.dir = os.path.join(node.ns.workdir, "metalgate")
            os.makedirs(os.path.join(self.dir, "state"), exist_ok=True)
            metalgate_manifests(os.path.join(self.dir, "manifests"), n, node.router_v4)

    def go(self):
        if self.kind == "gobgp":
            # Returns when gobgpd holds the table and has its neighbor.
            self.daemon.start(write=False, timeout=self.timeout, mrt=self.mrt)
        elif self.kind == "frr":
            self.daemon.start(write=False, wait=False)
        else:
            p = self.node.ns.spawn([self.metalgate, "run", "-f", os.path.join(self.dir, "manifests"),
                                    "--node", "node-a", "--state", os.path.join(self.dir, "state"),
                                    "--admin", "127.0.0.1:9901", "--log-level", "warn"],
                                   name="metalgate")
            self.procs = [p]
        if self.daemon:
            self.procs = self.daemon.procs

    def alive(self):
        return all(p.alive() for p in self.procs)

    def rss(self):
        return sum(p.rss_bytes() for p in self.procs if p.alive())

    def stop(self):
        if self.daemon:
            self.daemon.stop()
        for p in self.procs:
            p.stop()

    def diagnose(self):
        """What the speaker itself holds, for a timeout message."""
        try:
            if self.kind == "gobgp":
                errs = [f.error for f in self.daemon._feeds if f.error]
                errs += [f"feed wrote {f.written} of {f.size} bytes, {f.retries} retries, "
                         f"inject {'runs' if f.proc and f.proc.alive() else 'exited'}: "
                         f"{f.proc.output(500) if f.proc else ''!r}" for f in self.daemon._feeds]
                return f"; gobgpd's RIB holds {self.daemon.route_count(4)}" + \
                    (f", feed: {errs[0]}" if errs else "")
            if self.kind == "frr":
                return f"; bgpd sent {self.daemon.sent_count(4)}"
        except Exception as e:
            return f"; speaker unreadable: {e}"
        return ""

    def output(self):
        return "\n".join(p.output(1500) for p in self.procs)


def poll_interval(n, established):
    if not established:
        return 0.02
    return 0.05 if n <= 20000 else (0.1 if n <= 200000 else 0.25)


def measure(kind, n, timeout, metalgate=None):
    """One run of one speaker in a fresh lab: a dict of the results."""
    lab = make_lab(1, ipv6=False)
    res = {"speaker": kind, "n": n, "session_s": None, "all_s": None, "rss": None,
           "bird_rss": None, "status": "ok"}
    try:
        node = lab.node(1)
        bird = Bird(lab.router, ROUTER_AS, lab.router_id,
                    [Neighbor(node.v4, NODE_AS, connect_retry=1)], kernel=False)
        bird.start()
        sp = Speaker(kind, node, n, metalgate)
        sp.timeout = timeout
        sp.prepare()
        t0 = time.monotonic()
        sp.go()
        deadline = t0 + timeout
        established = False
        count = 0
        while True:
            now = time.monotonic()
            if not established:
                s = bird.sessions().get(node.v4)
                if s and s.established:
                    established = True
                    res["session_s"] = now - t0
            if established:
                count = bird.route_count(4)
                if count >= n:
                    res["all_s"] = time.monotonic() - t0
                    res["rss"] = sp.rss()
                    res["bird_rss"] = bird.rss_bytes()
                    retries = sum(f.retries for f in sp.daemon._feeds) \
                        if kind == "gobgp" else 0
                    if retries:
                        why = [x for f in sp.daemon._feeds for x in f.failures]
                        res["status"] = f"ok after {retries} feed retries"
                        print(f"  ({kind} feed retried: {why})", flush=True)
                    break
            if not sp.alive():
                res["status"] = f"speaker exited: {sp.output()[-300:]!r}"
                break
            if now > deadline:
                res["status"] = (f"timeout after {timeout:.0f}s: "
                                 + (f"{count} of {n} prefixes" if established else "no session")
                                 + sp.diagnose())
                break
            time.sleep(poll_interval(n, established))
        sp.stop()
    finally:
        lab.destroy(remove_workdir=True)
    return res


def fmt_s(x):
    return "-" if x is None else (f"{x:.2f} s" if x < 100 else f"{x:.0f} s")


def fmt_mb(b):
    return "-" if not b else f"{b / 1e6:,.0f} MB"


def summarize(kind, runs):
    ok = [r for r in runs if r["all_s"] is not None]
    retried = [r["status"] for r in ok if r["status"] != "ok"]
    if not ok:
        return {"speaker": kind, "status": runs[-1]["status"] if runs else "no run"}
    bad = [r["status"] for r in runs if r["all_s"] is None]
    return {"speaker": kind, "status": (f"{len(bad)} of {len(runs)} runs failed: {bad[0]}" if bad
                                        else retried[0] if retried else "ok"),
            "all_s": statistics.median(r["all_s"] for r in ok),
            "session_s": statistics.median(r["session_s"] for r in ok),
            "after_s": statistics.median(r["all_s"] - r["session_s"] for r in ok),
            "rss": statistics.median(r["rss"] for r in ok),
            "bird_rss": max(r["bird_rss"] for r in ok),
            "all_list": [r["all_s"] for r in ok]}


def table(n, rows):
    """Markdown table; ratios are to the best anchor (GoBGP or FRR) of the
    same column."""
    def best(key):
        return min((r[key] for r in rows if r.get(key) is not None and r["speaker"] in ANCHORS),
                   default=None)
    b_all, b_after = best("all_s"), best("after_s")
    head = (f"| speaker | N | session up | all {n:,} at BIRD (from start) | runs | ratio | "
            "after session up | ratio | speaker RSS | RSS/prefix | BIRD RSS |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        label = LABELS.get(r["speaker"], r["speaker"])
        if r.get("all_s") is None:
            lines.append(f"| {label} | {n:,} | - | {r['status']} |" + " |" * 7)
            continue
        ratio = f"{r['all_s'] / b_all:.2f}x" if b_all else "-"
        ratio2 = f"{r['after_s'] / b_after:.2f}x" if b_after else "-"
        runs = ", ".join(f"{x:.2f}" for x in r["all_list"])
        note = "" if r["status"] == "ok" else f" ({r['status']})"
        lines.append(f"| {label} | {n:,} | {fmt_s(r['session_s'])} | {fmt_s(r['all_s'])}{note} | "
                     f"{runs} | {ratio} | {fmt_s(r['after_s'])} | {ratio2} | {fmt_mb(r['rss'])} | "
                     f"{r['rss'] / n:,.0f} B | {fmt_mb(r['bird_rss'])} |")
    return "\n".join(lines)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100000, help="prefixes (default 100,000)")
    ap.add_argument("-r", "--runs", type=int, default=None,
                    help="runs per speaker (default 3 up to 100,000 prefixes, else 1)")
    ap.add_argument("-s", "--speakers", default="gobgp,frr,metalgate")
    ap.add_argument("-t", "--timeout", type=float, default=None,
                    help="seconds per speaker and run (default 60 + N/2000)")
    ap.add_argument("-b", "--binary", default=os.path.join(ROOT, "build", "metalgate"))
    a = ap.parse_args(argv)
    n = a.n
    runs = a.runs or (3 if n <= 100000 else 1)
    timeout = a.timeout or 60 + n / 2000
    reason = unavailable_reason()
    if reason:
        print(f"bgp_convergence: {reason}", file=sys.stderr)
        return 2
    kinds = [k for k in a.speakers.split(",") if k]
    for k in ("bird",) + tuple(x for x in kinds if x != "metalgate"):
        why = available(k)
        if why:
            print(f"bgp_convergence: {why}", file=sys.stderr)
            return 2
    mg_ok = "metalgate" in kinds and metalgate_ready(a.binary)
    mg_word = "not yet" if "metalgate" in kinds else "not measured (-s)"
    load0 = os.getloadavg()
    print(f"BGP convergence to BIRD: {n:,} /32 prefixes, {runs} run(s) per speaker, "
          f"timeout {timeout:.0f} s, {os.cpu_count()} CPUs, load {load0[0]:.2f} {load0[1]:.2f}")
    print(f"  {version('bird')}; {version('gobgp')}; {version('frr')}; "
          f"metalgate: {version('metalgate', a.binary) if mg_ok else mg_word}")
    results = {k: [] for k in kinds}
    for i in range(runs):
        for k in kinds:
            if k == "metalgate" and not mg_ok:
                continue
            r = measure(k, n, timeout, a.binary if k == "metalgate" else None)
            results[k].append(r)
            print(f"  run {i + 1} {k}: session {fmt_s(r['session_s'])}, all {fmt_s(r['all_s'])}, "
                  f"RSS {fmt_mb(r['rss'])}, {r['status']}", flush=True)
    rows = []
    for k in kinds:
        if k == "metalgate" and not mg_ok:
            rows.append({"speaker": k, "status": "metalgate: not yet"})
        else:
            rows.append(summarize(k, results[k]))
    load1 = os.getloadavg()
    print()
    print(table(n, rows))
    print(f"\nload average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
          f"after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    return 0 if all(r.get("all_s") is not None or r["status"] == "metalgate: not yet"
                    for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
