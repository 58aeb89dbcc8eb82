"""Real BGP daemons for the system tests: BIRD 2, FRR (bgpd + zebra), GoBGP.

Each class runs one daemon instance inside one namespace of a lab
(lib/netns.py), from a configuration it writes itself into a private
directory (nothing under /etc or /var/run is read or written):

    role="router"   import everything, export nothing; installs the learned
                    routes into the namespace's kernel table with ECMP (BIRD
                    and FRR; GoBGP has no kernel side)
    role="speaker"  import nothing, announce the given prefixes (GoBGP, FRR)

and reads back, in one normalized form for all three daemons:

    routes(family)   {prefix: [Path, ...]}   what the daemon learned
    sessions()       {neighbor address: Session}
    kernel_routes()  {prefix: [next hop, ...]} from `ip -j route`

Normalization (so a test reads the same thing whoever the router is):
  - prefixes are written as ipaddress prints them ("100.64.0.1/32");
  - as_path is the list of ASNs in order (AS_SET members included, flat);
  - local_pref is None on paths learned over eBGP: LOCAL_PREF is never sent
    to an external peer (RFC 4271 5.1.5), and BIRD shows its own default 100;
  - communities are "A:B" strings, large communities "A:B:C", both sorted;
  - origin is "igp", "egp" or "incomplete";
  - next_hops is the BGP next hop as received (IPv6: global, then link-local
    when present), not the kernel's.
"""

import ipaddress
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field

from .netns import NetnsError

DEFAULT_TIMEOUT = 20.0


# -- the data a test writes and reads --------------------------------------------

@dataclass
class Neighbor:
    """One BGP neighbor of a daemon. None means "the daemon's default"."""
    address: str
    asn: int
    password: str = None            # TCP MD5 (RFC 2385)
    passive: bool = False           # never initiate the TCP connection
    graceful_restart: bool = False  # advertise/accept GR (RFC 4724); None: daemon default
    restart_time: int = 120         # GR restart time we advertise
    hold_time: int = None
    keepalive: int = None
    connect_retry: int = 1          # seconds between connection attempts
    local_address: str = None       # source address of the session
    multihop: int = None            # eBGP TTL; None: directly connected
    port: int = 179
    families: tuple = None          # (4,), (6,), (4, 6); None: the address's family
    bfd: bool = False               # not yet (BFD comes with the next wave)

    def afs(self):
        if self.families:
            return tuple(self.families)
        return (ipaddress.ip_address(self.address).version,)


@dataclass
class Announcement:
    """Prefixes a speaker announces with one set of attributes."""
    prefixes: list
    communities: list = ()
    large_communities: list = ()
    med: int = None
    local_pref: int = None          # sent to iBGP neighbors only
    origin: str = "igp"


@dataclass
class Path:
    next_hops: list
    as_path: list
    origin: str
    local_pref: int = None
    med: int = None
    communities: list = field(default_factory=list)
    large_communities: list = field(default_factory=list)
    peer: str = None                # the neighbor the path came from
    best: bool = False

    @property
    def next_hop(self):
        return self.next_hops[0] if self.next_hops else None

    def attrs(self):
        """The attributes a speaker controls, as one comparable dict."""
        return {"next_hop": self.next_hop, "as_path": self.as_path, "origin": self.origin,
                "local_pref": self.local_pref, "med": self.med,
                "communities": self.communities, "large_communities": self.large_communities}


@dataclass
class Session:
    neighbor: str
    established: bool
    state: str                      # the daemon's own word for the state
    last_error: str = None          # the daemon's last error, if it keeps one
    prefixes_received: int = None


def norm_prefix(p):
    return str(ipaddress.ip_network(p, strict=False))


def _comm_sort(cs):
    return sorted(cs, key=lambda c: [int(x) for x in c.split(":")])


def _family_of(prefix):
    return ipaddress.ip_network(prefix, strict=False).version


def _ebgp(path, local_asn, neighbors_by_addr):
    n = neighbors_by_addr.get(path.peer)
    return n is not None and n.asn != local_asn


def poll(fn, timeout, interval=0.1, what="condition", describe=None):
    """Calls fn() until it returns a true value (returned) or timeout expires
    (AssertionError naming `what`, with describe() appended)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except (NetnsError, ValueError, KeyError) as e:  # daemon not answering yet
            last = e
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    extra = describe() if describe else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what} "
                         f"(last: {last!r})\n{extra}")


# -- common machinery ------------------------------------------------------------

class Daemon:
    """Base of the three daemon classes (see the module documentation)."""
    kind = "?"
    kernel_proto = None             # `ip route` protocol of the routes it installs

    def __init__(self, ns, asn, router_id, neighbors, role="router", announce=(),
                 kernel=True, name=None):
        if role not in ("router", "speaker"):
            raise ValueError(f"role must be router or speaker, not {role!r}")
        for n in neighbors:
            if n.bfd:
                raise NotImplementedError("BFD is not supported by the harness yet")
        self.ns, self.asn, self.router_id = ns, asn, router_id
        self.neighbors = list(neighbors)
        self.role, self.kernel = role, kernel
        self.announcements = list(announce)
        self.name = name or self.kind
        self.dir = os.path.join(ns.workdir, f"{ns.name}.{self.name}")
        self.procs = []
        self.started_at = None

    # subclasses: write_config(), _spawn(), ready(), routes(), sessions()

    def start(self, wait=True, timeout=DEFAULT_TIMEOUT, write=True):
        """Writes the configuration (unless write=False: benchmarks write it
        before they start the clock), starts the daemon, waits until it
        answers its CLI (unless wait=False)."""
        if self.running():
            raise RuntimeError(f"{self.kind} in {self.ns.name} already runs")
        os.makedirs(self.dir, exist_ok=True)
        if write:
            self.write_config()
        self.started_at = time.monotonic()
        self.procs = self._spawn()
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=DEFAULT_TIMEOUT):
        def ok():
            dead = [p for p in self.procs if not p.alive()]
            if dead:
                raise AssertionError(f"{self.kind} exited (status {dead[0].returncode}) "
                                     f"before it was ready\n{self.describe()}")
            return self.ready()
        poll(ok, timeout, 0.05, f"{self.kind} to be ready", self.describe)

    def running(self):
        return bool(self.procs) and all(p.alive() for p in self.procs)

    def stop(self, timeout=10.0):
        """SIGTERM (a clean shutdown: the daemon sends Cease), SIGKILL after timeout."""
        for p in reversed(self.procs):
            p.stop(timeout=timeout)

    def kill(self):
        """SIGKILL every process: a crash, the peers see the TCP session die."""
        for p in reversed(self.procs):
            p.kill()

    def restart(self, wait=True, timeout=DEFAULT_TIMEOUT, **start_kw):
        self.stop()
        return self.start(wait=wait, timeout=timeout, **start_kw)

    def rss_bytes(self):
        return sum(p.rss_bytes() for p in self.procs if p.alive())

    def log(self, tail=4000):
        return "\n".join(f"--- {p.argv[0]} (pid {p.pid}) output:\n{p.output(tail)}"
                         for p in self.procs)

    def config_text(self):
        try:
            with open(self.config_path) as f:
                return f.read()
        except OSError:
            return ""

    def describe(self):
        """Everything useful in a failure message."""
        try:
            sess = self.sessions()
        except Exception as e:  # the daemon may be the problem
            sess = f"(sessions unreadable: {e})"
        cfg = self.config_text()
        if len(cfg) > 3000:
            cfg = cfg[:3000] + "\n... (truncated)"
        return (f"== {self.kind} {self.name} in {self.ns.name}, AS{self.asn}\n"
                f"sessions: {sess}\n--- config {self.config_path}:\n{cfg}\n{self.log()}")

    def neighbor(self, address):
        for n in self.neighbors:
            if n.address == address:
                return n
        raise KeyError(address)

    def _by_addr(self):
        return {n.address: n for n in self.neighbors}

    # -- waiting -------------------------------------------------------------

    def wait_established(self, addresses=None, timeout=DEFAULT_TIMEOUT):
        addrs = addresses or [n.address for n in self.neighbors]

        def up():
            s = self.sessions()
            return all(a in s and s[a].established for a in addrs)
        poll(up, timeout, 0.1, f"sessions {addrs} established on {self.kind}",
              self.describe)

    def assert_not_established(self, address, hold=5.0):
        """The session to address stays down for `hold` seconds; returns the
        last Session seen (its last_error tells why, when the daemon says)."""
        deadline = time.monotonic() + hold
        s = None
        while time.monotonic() < deadline:
            s = self.sessions().get(address)
            if s is not None and s.established:
                raise AssertionError(f"session to {address} established, expected it not to\n"
                                     f"{self.describe()}")
            time.sleep(0.2)
        return s

    def wait_routes(self, predicate, family=4, timeout=DEFAULT_TIMEOUT, what=None):
        """Polls routes(family) until predicate(routes) is true; returns them."""
        box = {}

        def check():
            box["r"] = self.routes(family)
            return predicate(box["r"])
        poll(check, timeout, 0.2, what or "routes", self.describe)
        return box["r"]

    def wait_prefixes(self, prefixes, family=None, timeout=DEFAULT_TIMEOUT):
        """Waits until the learned prefixes of the family are exactly `prefixes`."""
        want = {norm_prefix(p) for p in prefixes}
        fam = family or (_family_of(next(iter(want))) if want else 4)
        return self.wait_routes(lambda r: set(r) == want, fam, timeout,
                                f"exactly {len(want)} prefixes on {self.kind}")

    def wait_count(self, count, family=4, timeout=DEFAULT_TIMEOUT, interval=0.2):
        poll(lambda: self.route_count(family) == count, timeout, interval,
              f"{count} IPv{family} prefixes on {self.kind}", self.describe)

    def route_count(self, family=4):
        return len(self.routes(family))

    def kernel_routes(self, family=4):
        """The namespace's kernel routes this daemon installed."""
        return self.ns.kernel_routes(family, protocol=self.kernel_proto)

    def wait_kernel(self, predicate, family=4, timeout=DEFAULT_TIMEOUT, what="kernel routes"):
        box = {}

        def check():
            box["r"] = self.kernel_routes(family)
            return predicate(box["r"])
        poll(check, timeout, 0.2, what, self.describe)
        return box["r"]


def _chown_frr(path):
    import pwd
    pw = pwd.getpwnam("frr")
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for f in files:
            os.chown(os.path.join(root, f), pw.pw_uid, pw.pw_gid)


# -- BIRD 2 ------------------------------------------------------------------------

_BIRD_ROUTE = re.compile(
    r"^(?P<prefix>\S+)?\s+(?P<type>unicast|blackhole|unreachable|prohibit)\s+"
    r"\[(?P<proto>\S+)[^\]]*\]\s*(?P<best>\*)?")
_BIRD_PROTO = re.compile(r"^(?P<name>\S+)\s+BGP\s+\S+\s+(?P<state>\S+)\s+\S+\s*(?P<info>.*)$")


class Bird(Daemon):
    """BIRD 2 as the router (role "router" only). Kernel export with
    `merge paths` (ECMP) unless kernel=False (benchmarks: BIRD alone)."""
    kind = "bird"
    kernel_proto = "bird"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        if self.role != "router":
            raise NotImplementedError("BIRD runs as the router only")

    @property
    def config_path(self):
        return os.path.join(self.dir, "bird.conf")

    @property
    def socket(self):
        return os.path.join(self.dir, "bird.ctl")

    def proto_name(self, n):
        return f"peer{self.neighbors.index(n) + 1}"

    def write_config(self):
        lines = [f"router id {self.router_id};",
                 f'log "{self.dir}/bird.log" all;',
                 "protocol device { scan time 10; }"]
        if self.kernel:
            for af in (4, 6):
                lines += [f"protocol kernel k{af} {{",
                          f"  ipv{af} {{ import none; export filter {{ "
                          "if source = RTS_BGP then accept; reject; }; };",
                          "  merge paths yes limit 16;", "}"]
        for n in self.neighbors:
            lines += self._proto(n)
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _proto(self, n):
        local = f"local {n.local_address} " if n.local_address else "local "
        out = [f"protocol bgp {self.proto_name(n)} {{",
               f"  {local}as {self.asn};",
               f"  neighbor {n.address} port {n.port} as {n.asn};",
               f"  connect delay time 1; connect retry time {n.connect_retry};",
               "  error wait time 1, 5;"]
        if n.password is not None:
            out.append(f'  password "{n.password}";')
        if n.passive:
            out.append("  passive on;")
        if n.hold_time is not None:
            out.append(f"  hold time {n.hold_time};")
        if n.keepalive is not None:
            out.append(f"  keepalive time {n.keepalive};")
        if n.multihop is not None:
            out.append(f"  multihop {n.multihop};")
        if n.graceful_restart is True:
            out.append(f"  graceful restart on; graceful restart time {n.restart_time};")
        elif n.graceful_restart is False:
            out.append("  graceful restart off;")
        for af in n.afs():
            out.append(f"  ipv{af} {{ import all; export none; }};")
        out.append("}")
        return out

    def _spawn(self):
        for leftover in (self.socket,):
            if os.path.exists(leftover):
                os.unlink(leftover)
        argv = ["bird", "-f", "-c", self.config_path, "-s", self.socket,
                "-P", os.path.join(self.dir, "bird.pid")]
        if getattr(self, "_recovery", False):
            argv.append("-R")
        return [self.ns.spawn(argv, name=self.name)]

    def start(self, wait=True, timeout=DEFAULT_TIMEOUT, write=True, recovery=False):
        """recovery=True starts BIRD with -R (graceful restart recovery)."""
        self._recovery = recovery
        return super().start(wait=wait, timeout=timeout, write=write)

    def birdc(self, *cmd, timeout=30):
        # The control socket is a file: birdc reaches it from any namespace,
        # which saves `ip netns exec` on every poll.
        p = subprocess.run(["birdc", "-s", self.socket, *cmd], capture_output=True, text=True,
                           errors="replace", timeout=timeout)
        if p.returncode != 0:
            raise NetnsError(f"birdc {' '.join(cmd)}: exit {p.returncode}: {p.stdout}{p.stderr}")
        return p.stdout

    def ready(self):
        return os.path.exists(self.socket) and "Daemon is up" in self.birdc("show", "status")

    def routes(self, family=4):
        out = self.birdc("show", "route", "all", "table", f"master{family}")
        by_addr = self._by_addr()
        peers = {self.proto_name(n): n.address for n in self.neighbors}
        routes = {}
        for prefix, proto, best, attrs in _parse_bird_routes(out):
            if not attrs.get("BGP.origin"):
                continue
            p = _bird_path(attrs, peers.get(proto), best)
            if _ebgp(p, self.asn, by_addr):
                p.local_pref = None
            routes.setdefault(prefix, []).append(p)
        return routes

    def route_count(self, family=4):
        """Networks in master4/master6 (fast: no route is printed)."""
        out = self.birdc("show", "route", "table", f"master{family}", "count")
        m = re.search(r"(\d+) of \d+ routes for (\d+) networks", out)
        return int(m.group(2)) if m else 0

    def sessions(self):
        out = self.birdc("show", "protocols", "all")
        names = {self.proto_name(n): n.address for n in self.neighbors}
        return {names[name]: s for name, s in _parse_bird_protocols(out).items()
                if name in names}


def _parse_bird_routes(text):
    """(prefix, protocol, best, {attr: value}) for each route of `show route all`."""
    cur_prefix = None
    cur = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("BIRD ") or line.startswith("Table "):
            continue
        m = _BIRD_ROUTE.match(line)
        if m and not line.startswith("\t"):
            if cur:
                yield cur
            if m.group("prefix"):
                cur_prefix = norm_prefix(m.group("prefix"))
            cur = (cur_prefix, m.group("proto"), bool(m.group("best")), {})
            continue
        if cur is None:
            continue
        body = line.strip()
        key, sep, value = body.partition(":")
        if sep and key.startswith("BGP."):
            cur[3][key] = value.strip()
        elif body.startswith("via "):
            cur[3].setdefault("via", []).append(body.split()[1])
    if cur:
        yield cur


def _bird_path(attrs, peer, best):
    origin = attrs.get("BGP.origin", "").lower()
    asp = [int(x) for x in re.findall(r"\d+", attrs.get("BGP.as_path", ""))]
    comms = [f"{a}:{b}" for a, b in
             re.findall(r"\((\d+),\s*(\d+)\)", attrs.get("BGP.community", ""))]
    lcomms = [f"{a}:{b}:{c}" for a, b, c in
              re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", attrs.get("BGP.large_community", ""))]
    lp = attrs.get("BGP.local_pref")
    med = attrs.get("BGP.med")
    return Path(next_hops=attrs.get("BGP.next_hop", "").split(), as_path=asp, origin=origin,
                local_pref=int(lp) if lp else None, med=int(med) if med else None,
                communities=_comm_sort(comms), large_communities=_comm_sort(lcomms),
                peer=peer, best=best)


def _parse_bird_protocols(text):
    out = {}
    cur = None
    for line in text.splitlines():
        m = _BIRD_PROTO.match(line)
        if m:
            cur = m.group("name")
            info = m.group("info").strip()
            out[cur] = Session(neighbor=None, established=info.startswith("Established"),
                               state=info.split()[0] if info else m.group("state"))
            rest = info.split(None, 1)
            if len(rest) > 1 and not info.startswith("Established"):
                out[cur].last_error = rest[1].strip()
            continue
        if cur and line.strip().startswith("Last error:"):
            out[cur].last_error = line.split(":", 1)[1].strip()
        elif cur and line.strip().startswith("Neighbor address:"):
            out[cur].neighbor = line.split(":", 1)[1].strip()
        elif cur and re.match(r"\s+Routes:\s+(\d+) imported", line):
            out[cur].prefixes_received = int(re.findall(r"\d+", line)[0])
    return out


# -- FRR (bgpd + zebra) --------------------------------------------------------------

class Frr(Daemon):
    """FRR 8 bgpd with zebra, as router or speaker. Both daemons run as the
    frr user (the vty group check fails for root) from a private directory:
    -f config, -i pidfile, -z zebra socket, --vty_socket, --log file:."""
    kind = "frr"
    kernel_proto = "bgp"

    @property
    def config_path(self):
        return os.path.join(self.dir, "bgpd.conf")

    def write_config(self):
        with open(os.path.join(self.dir, "zebra.conf"), "w") as f:
            f.write(f"hostname {self.name}\n")
        with open(self.config_path, "w") as f:
            f.write(self._bgpd_config())
        os.chmod(self.dir, 0o755)
        _chown_frr(self.dir)

    def _bgpd_config(self):
        # Route maps first: bgpd applies a route map defined after its use
        # only when `bgp route-map delay-timer` (5 s) fires.
        L = [f"hostname {self.name}", "route-map MGT-ALL permit 10", "exit",
             "route-map MGT-NONE deny 10", "exit"]
        for i, a in enumerate(self.announcements):
            L += [f"route-map MGT-ANN{i} permit 10"] + _frr_sets(a) + ["exit"]
        L += [f"router bgp {self.asn}",
             f" bgp router-id {self.router_id}", " no bgp ebgp-requires-policy",
             " no bgp default ipv4-unicast", " no bgp network import-check"]
        if any(n.graceful_restart for n in self.neighbors):
            rt = max(n.restart_time for n in self.neighbors if n.graceful_restart)
            L.append(f" bgp graceful-restart restart-time {rt}")
        for n in self.neighbors:
            L += self._neighbor(n)
        for af in (4, 6):
            L += self._af(af)
        L.append("exit")
        return "\n".join(L) + "\n"

    def _neighbor(self, n):
        a = n.address
        L = [f" neighbor {a} remote-as {n.asn}", f" neighbor {a} timers connect {n.connect_retry}"]
        if n.port != 179:
            L.append(f" neighbor {a} port {n.port}")
        if n.password is not None:
            L.append(f" neighbor {a} password {n.password}")
        if n.passive:
            L.append(f" neighbor {a} passive")
        if n.hold_time is not None:
            ka = n.keepalive if n.keepalive is not None else max(1, n.hold_time // 3)
            L.append(f" neighbor {a} timers {ka} {n.hold_time}")
        if n.local_address:
            L.append(f" neighbor {a} update-source {n.local_address}")
        if n.multihop is not None:
            L.append(f" neighbor {a} ebgp-multihop {n.multihop}")
        if n.graceful_restart is True:
            L.append(f" neighbor {a} graceful-restart")
        elif n.graceful_restart is False:
            L.append(f" neighbor {a} graceful-restart-disable")
        return L

    def _af(self, af):
        members = [n for n in self.neighbors if af in n.afs()]
        anns = [(i, a) for i, a in enumerate(self.announcements)
                if a.prefixes and _family_of(a.prefixes[0]) == af]
        if not members and not anns:
            return []
        L = [f" address-family ipv{af} unicast"]
        if self.role == "router":
            L.append("  maximum-paths 16")
            L.append("  maximum-paths ibgp 16")
        for i, a in anns:
            L += [f"  network {norm_prefix(p)} route-map MGT-ANN{i}" for p in a.prefixes]
        inbound, outbound = ("MGT-ALL", "MGT-NONE") if self.role == "router" \
            else ("MGT-NONE", "MGT-ALL")
        for n in members:
            L += [f"  neighbor {n.address} activate",
                  f"  neighbor {n.address} route-map {inbound} in",
                  f"  neighbor {n.address} route-map {outbound} out"]
        L.append(" exit-address-family")
        return L

    def _spawn(self):
        d = self.dir
        for f in os.listdir(d):
            if f.endswith((".vty", ".api", ".pid")):
                os.unlink(os.path.join(d, f))
        common = ["-u", "frr", "-g", "frr", "--vty_socket", d, "-z", f"{d}/zserv.api", "-P", "0"]
        zebra = self.ns.spawn(["/usr/lib/frr/zebra", "-f", f"{d}/zebra.conf", "-i",
                               f"{d}/zebra.pid", "--log", f"file:{d}/zebra.log", *common],
                              name=f"{self.name}-zebra")
        poll(lambda: os.path.exists(f"{d}/zserv.api") or not zebra.alive(), 10, 0.02,
              "zebra's socket")
        bgpd = self.ns.spawn(["/usr/lib/frr/bgpd", "-f", self.config_path, "-i",
                              f"{d}/bgpd.pid", "--log", f"file:{d}/bgpd.log", *common],
                             name=f"{self.name}-bgpd")
        return [zebra, bgpd]

    def vtysh(self, *cmds, timeout=30):
        argv = ["vtysh", "--vty_socket", self.dir, "-d", "bgpd"]
        for c in cmds:
            argv += ["-c", c]
        p = self.ns.run(argv, timeout=timeout, check=False)
        if p.returncode != 0:
            raise NetnsError(f"{' '.join(argv)}: exit {p.returncode}: {p.stdout}{p.stderr}")
        return p.stdout

    def vtysh_json(self, cmd, timeout=60):
        return json.loads(self.vtysh(cmd, timeout=timeout) or "{}")

    def ready(self):
        if not os.path.exists(os.path.join(self.dir, "bgpd.vty")):
            return False
        self.vtysh_json("show bgp summary json")   # raises until bgpd answers
        return True

    def routes(self, family=4):
        data = self.vtysh_json(f"show bgp ipv{family} unicast json detail")
        by_addr = self._by_addr()
        out = {}
        for prefix, entries in (data.get("routes") or {}).items():
            paths = [_frr_path(e) for e in entries if "nexthops" in e or "peer" in e]
            for p in paths:
                if _ebgp(p, self.asn, by_addr):
                    p.local_pref = None
            if paths:
                out[norm_prefix(prefix)] = paths
        return out

    def route_count(self, family=4):
        data = self.vtysh_json(f"show bgp ipv{family} unicast summary json")
        peers = (data.get(f"ipv{family}Unicast") or data).get("peers", {})
        return sum(int(p.get("pfxRcd", 0)) for p in peers.values())

    def sent_count(self, family=4):
        data = self.vtysh_json(f"show bgp ipv{family} unicast summary json")
        peers = (data.get(f"ipv{family}Unicast") or data).get("peers", {})
        return {a: int(p.get("pfxSnt", 0)) for a, p in peers.items()}

    def sessions(self):
        data = self.vtysh_json("show bgp neighbors json")
        out = {}
        for addr, d in data.items():
            if not isinstance(d, dict) or "bgpState" not in d:
                continue
            err = ": ".join(x for x in (d.get("lastResetDueTo"), d.get("lastNotificationReason"))
                            if x)
            if err == "Waiting for peer OPEN":  # FRR's initial value, not an error
                err = None
            out[addr] = Session(addr, d["bgpState"] == "Established", d["bgpState"], err)
        return out


def _frr_sets(a):
    L = []
    if a.communities:
        L.append(f" set community {' '.join(a.communities)}")
    if a.large_communities:
        L.append(f" set large-community {' '.join(a.large_communities)}")
    if a.med is not None:
        L.append(f" set metric {a.med}")
    if a.local_pref is not None:
        L.append(f" set local-preference {a.local_pref}")
    if a.origin and a.origin != "igp":
        L.append(f" set origin {a.origin}")
    return L


# FRR's JSON names the well-known communities (RFC 1997, 7999, 8326, ...).
_FRR_WELL_KNOWN = {
    "gracefulShutdown": "65535:0", "acceptOwn": "65535:1", "routeFilterTranslatedv4": "65535:2",
    "routeFilterv4": "65535:3", "routeFilterTranslatedv6": "65535:4", "routeFilterv6": "65535:5",
    "llgrStale": "65535:6", "noLlgr": "65535:7", "acceptownNexthop": "65535:8",
    "blackhole": "65535:666", "noExport": "65535:65281", "noAdvertise": "65535:65282",
    "localAs": "65535:65283", "noPeer": "65535:65284"}


def _frr_path(e):
    hops = [h["ip"] for h in e.get("nexthops", []) if "ip" in h]
    asp = []
    for seg in (e.get("aspath") or {}).get("segments", []):
        asp += seg.get("list", [])
    if not asp and isinstance(e.get("path"), str):
        asp = [int(x) for x in re.findall(r"\d+", e["path"])]
    comms = [_FRR_WELL_KNOWN.get(c, c) for c in (e.get("community") or {}).get("list", [])]
    lcomms = (e.get("largeCommunity") or {}).get("list", [])
    lp = e.get("localpref", e.get("locPrf"))
    med = e.get("med", e.get("metric"))
    peer = (e.get("peer") or {}).get("peerId") or e.get("peerId")
    best = e.get("bestpath")
    best = bool(best.get("overall")) if isinstance(best, dict) else bool(best)
    return Path(next_hops=hops, as_path=[int(x) for x in asp],
                origin=str(e.get("origin", "")).lower(), local_pref=lp, med=med,
                communities=_comm_sort(comms), large_communities=_comm_sort(lcomms),
                peer=peer, best=best)


# -- GoBGP ------------------------------------------------------------------------

_ORIGINS = {0: "igp", 1: "egp", 2: "incomplete"}


class GoBgp(Daemon):
    """gobgpd with a TOML config; the gobgp CLI reaches it on 127.0.0.1:api_port
    inside the namespace (each namespace has its own loopback). No kernel
    routes (no zebra). Speakers announce through `gobgp mrt inject global`
    fed from a FIFO (see announce())."""
    kind = "gobgp"

    def __init__(self, *a, api_port=50051, **kw):
        super().__init__(*a, **kw)
        self.api_port = api_port
        self._feeds = []

    @property
    def config_path(self):
        return os.path.join(self.dir, "gobgpd.toml")

    @property
    def full_config_path(self):
        return os.path.join(self.dir, "gobgpd.full.toml")

    def write_config(self):
        """gobgpd.full.toml: the whole configuration. gobgpd.toml, what gobgpd
        starts with: the same, less the neighbors when there are
        announcements to load first (see start())."""
        # A global import policy also filters paths added through the API,
        # so a speaker accepts (the harness's routers export nothing anyway).
        imp, exp = ("accept-route", "reject-route") if self.role == "router" \
            else ("accept-route", "accept-route")
        L = ["[global.config]", f"  as = {self.asn}", f'  router-id = "{self.router_id}"',
             "[global.apply-policy.config]", f'  default-import-policy = "{imp}"',
             f'  default-export-policy = "{exp}"']
        full = list(L)
        for n in self.neighbors:
            full += self._neighbor(n)
        with open(self.full_config_path, "w") as f:
            f.write("\n".join(full) + "\n")
        with open(self.config_path, "w") as f:
            f.write("\n".join(L if self.announcements else full) + "\n")

    def _neighbor(self, n):
        L = ["[[neighbors]]", "  [neighbors.config]", f'    neighbor-address = "{n.address}"',
             f"    peer-as = {n.asn}"]
        if n.password is not None:
            L.append(f'    auth-password = "{n.password}"')
        L += ["  [neighbors.transport.config]", f"    remote-port = {n.port}"]
        if n.passive:
            L.append("    passive-mode = true")
        if n.local_address:
            L.append(f'    local-address = "{n.local_address}"')
        # gobgpd waits 30 s after a NOTIFICATION before it tries again by
        # default; the harness wants the same short retry as for the others.
        L += ["  [neighbors.timers.config]", f"    connect-retry = {n.connect_retry}",
              f"    idle-hold-time-after-reset = {n.connect_retry}"]
        if n.hold_time is not None:
            ka = n.keepalive if n.keepalive is not None else max(1, n.hold_time // 3)
            L += [f"    hold-time = {n.hold_time}", f"    keepalive-interval = {ka}"]
        if n.multihop is not None:
            L += ["  [neighbors.ebgp-multihop.config]", "    enabled = true",
                  f"    multihop-ttl = {n.multihop}"]
        if n.graceful_restart:
            L += ["  [neighbors.graceful-restart.config]", "    enabled = true",
                  f"    restart-time = {n.restart_time}"]
        for af in n.afs():
            L += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                  f'      afi-safi-name = "ipv{af}-unicast"']
            if n.graceful_restart:
                L += ["    [neighbors.afi-safis.mp-graceful-restart.config]",
                      "      enabled = true"]
        return L

    def _spawn(self):
        return [self.ns.spawn(["gobgpd", "-f", self.config_path, "-t", "toml", "--api-hosts",
                               f"127.0.0.1:{self.api_port}", "--pprof-disable", "-p",
                               "-l", "info"], name=self.name)]

    def start(self, wait=True, timeout=DEFAULT_TIMEOUT, write=True, mrt=None):
        """With announcements, gobgpd starts without neighbors, loads them
        (mrt: made in advance by mrt_table_dump()), then gets its neighbors
        (SIGHUP, config reload): the table is complete before any session
        comes up, as for FRR (config) and metalgate (plan), and no path is
        added while a session is being set up. Then returns at once."""
        super().start(wait=wait or bool(self.announcements), timeout=timeout, write=write)
        if self.announcements:
            self.announce(self.announcements, record=False, mrt=mrt)
            self.wait_announced(timeout=None)
            os.replace(self.full_config_path, self.config_path)
            self.procs[0].send_signal(signal.SIGHUP)
            want = {n.address for n in self.neighbors}
            poll(lambda: want <= set(self.sessions()), timeout, 0.05,
                 "gobgpd to load its neighbors (SIGHUP)", self.describe)
        return self

    def gobgp(self, *args, timeout=60):
        argv = ["gobgp", "-p", str(self.api_port), *args]
        p = self.ns.run(argv, timeout=timeout, check=False)
        if p.returncode != 0:
            raise NetnsError(f"{' '.join(argv)}: exit {p.returncode}: {p.stdout}{p.stderr}")
        return p.stdout

    def ready(self):
        try:
            return "AS" in self.gobgp("global", timeout=5)
        except NetnsError:
            return False

    def routes(self, family=4):
        data = json.loads(self.gobgp("global", "rib", "-a", f"ipv{family}", "-j") or "{}")
        by_addr = self._by_addr()
        out = {}
        for prefix, paths in data.items():
            ps = [_gobgp_path(p) for p in paths]
            for p in ps:
                if _ebgp(p, self.asn, by_addr):
                    p.local_pref = None
            out[norm_prefix(prefix)] = ps
        return out

    def route_count(self, family=4):
        out = self.gobgp("global", "rib", "summary", "-a", f"ipv{family}")
        m = re.search(r"Destination:\s*(\d+)", out)
        return int(m.group(1)) if m else 0

    def sessions(self):
        data = json.loads(self.gobgp("neighbor", "-j") or "[]")
        out = {}
        for d in data:
            conf, st = d.get("conf", {}), d.get("state", {})
            addr = conf.get("neighbor_address") or st.get("neighbor_address")
            state = st.get("session_state")
            if isinstance(state, int):
                state = {1: "idle", 2: "connect", 3: "active", 4: "opensent",
                         5: "openconfirm", 6: "established"}.get(state, str(state))
            state = str(state or "unknown").lower()
            out[addr] = Session(addr, state == "established", state, self._log_error(addr))
        return out

    def _log_error(self, addr):
        """GoBGP keeps no last error in its API: the newest log line about the
        neighbor that reports an error or a notification."""
        if not self.procs:
            return None
        hit = None
        for line in self.procs[0].output(200000).splitlines():
            if addr in line and re.search(r"(?i)error|notification|bad|mismatch", line):
                hit = line
        if hit:
            m = re.search(r'msg="([^"]*)"', hit)
            data = re.search(r'[Dd]ata="?([^"]*)"?', hit)
            return (m.group(1) if m else hit) + (f" ({data.group(1)})" if data else "")
        return None

    # -- speaker ---------------------------------------------------------------

    def announce(self, announcements, timeout=None, record=True, mrt=None):
        """Adds the announcements to the global RIB. Paths are written as an
        MRT TABLE_DUMPv2 stream (RFC 6396) into a FIFO read by
        `gobgp mrt inject global`: gobgp 3.10 exits without closing its gRPC
        stream, so the FIFO is held open until gobgpd's RIB holds every path,
        then closed. Returns at once; wait_announced() waits. `mrt` is
        mrt_table_dump(announcements) (or its mrt_chunks()) made in advance
        (benchmarks), for announcements of one family."""
        if record:
            self.announcements += list(announcements)
        for fam in (4, 6):
            anns = [a for a in announcements if a.prefixes and _family_of(a.prefixes[0]) == fam]
            if anns:
                self._feed(fam, anns, timeout, mrt)

    def _feed(self, family, anns, timeout, mrt=None):
        want = self.route_count(family) + sum(len(a.prefixes) for a in anns)
        data = mrt if mrt is not None else mrt_table_dump(anns)
        feed = _Feed(self, len(self._feeds), data, family, want,
                     timeout or _feed_timeout(want))
        self._feeds.append(feed)
        feed.start()

    def wait_announced(self, timeout=None):
        """Waits until every feed is in gobgpd's RIB; raises on a failed feed."""
        for f in self._feeds:
            f.join(timeout)
            if f.error:
                raise AssertionError(f"gobgp feed failed: {f.error}\n{self.describe()}")

    def withdraw(self, prefixes):
        for p in prefixes:
            fam = _family_of(p)
            self.gobgp("global", "rib", "-a", f"ipv{fam}", "del", norm_prefix(p))

    def stop(self, timeout=10.0):
        for f in self._feeds:
            f.cancel()
        super().stop(timeout)
        self._feeds = []


def _feed_timeout(n):
    return 30.0 + n / 5000.0


class _Feed(threading.Thread):
    """Writes one MRT stream into a FIFO read by `gobgp mrt inject global`
    and keeps it open until gobgpd's RIB count reaches `want`, then closes
    it. `gobgp mrt inject` (3.10) reads a record with one read() and no
    retry, so a short read from the pipe garbles the stream ("failed to
    parse: unsupported type: 3328"): every write() here is at most PIPE_BUF
    bytes of whole records, which the kernel writes atomically, so the pipe
    never holds part of a record. Should the RIB still stop growing short
    of `want`, the whole stream is sent again (adding a path twice changes
    nothing), at most MAX_ATTEMPTS times in all; `retries` counts."""
    MAX_ATTEMPTS = 3
    STALL_S = 5.0

    def __init__(self, gb, index, data, family, want, timeout):
        super().__init__(daemon=True)
        self.gb, self.index = gb, index
        self.chunks = data if isinstance(data, list) else mrt_chunks(data)
        self.size = sum(len(c) for c in self.chunks)
        self.family, self.want, self.timeout = family, want, timeout
        self.error = None
        self.written = 0
        self.retries = 0
        self.failures = []
        self.proc = None
        self._cancelled = threading.Event()

    def cancel(self):
        self._cancelled.set()

    def _spawn(self, attempt):
        fifo = os.path.join(self.gb.dir, f"feed{self.index}.{attempt}.mrt")
        if os.path.exists(fifo):
            os.unlink(fifo)
        os.mkfifo(fifo, 0o600)
        self.proc = self.gb.ns.spawn(["gobgp", "-p", str(self.gb.api_port), "mrt", "inject",
                                      "global", fifo],
                                     name=f"{self.gb.name}-inject{self.index}.{attempt}")
        return fifo

    def _open(self, fifo, deadline):
        while time.monotonic() < deadline and not self._cancelled.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:     # ENXIO: no reader yet
                if not self.proc.alive():
                    raise RuntimeError(f"gobgp mrt inject exited: {self.proc.output(2000)}")
                time.sleep(0.01)
                continue
            os.set_blocking(fd, True)
            return fd
        raise RuntimeError("gobgp mrt inject never opened the FIFO")

    def _attempt(self, attempt, deadline):
        """True when the RIB reached `want`; False when it stalled short."""
        fd = self._open(self._spawn(attempt), deadline)
        try:
            self.written = 0
            for chunk in self.chunks:
                if self._cancelled.is_set():
                    break
                if os.write(fd, chunk) != len(chunk):   # cannot happen: <= PIPE_BUF
                    raise RuntimeError("short write into the FIFO")
                self.written += len(chunk)
            last, since = -1, time.monotonic()
            while not self._cancelled.is_set():
                count = self.gb.route_count(self.family)
                if count >= self.want:
                    return True
                now = time.monotonic()
                if now > deadline:
                    raise RuntimeError(f"gobgpd's RIB holds {count} of {self.want} paths "
                                       f"after {self.timeout}s: {self.proc.output(500)!r}")
                if count != last:
                    last, since = count, now
                elif now - since > self.STALL_S:
                    self.failures.append(f"stalled at {count} of {self.want}: "
                                         f"{self.proc.output(300).strip()!r}")
                    return False
                time.sleep(0.1)
            return True
        finally:
            os.close(fd)
            self.proc.wait(10)

    def run(self):
        deadline = time.monotonic() + self.timeout
        try:
            for attempt in range(self.MAX_ATTEMPTS):
                if self._attempt(attempt, deadline):
                    return
                self.retries += 1
            raise RuntimeError(f"gobgpd's RIB stalled short of {self.want} paths after "
                               f"{self.MAX_ATTEMPTS} feeds: {self.proc.output(500)!r}")
        except Exception as e:  # reported by wait_announced()
            self.error = str(e)


# -- MRT TABLE_DUMPv2 (RFC 6396) writer, the input of `gobgp mrt inject` ---------

def _attr(flags, code, body):
    if len(body) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(body)) + body
    return struct.pack("!BBB", flags, code, len(body)) + body


def _nlri(net):
    nb = (net.prefixlen + 7) // 8
    return bytes([net.prefixlen]) + net.network_address.packed[:nb]


def _path_attrs(a, net):
    origin = {"igp": 0, "egp": 1, "incomplete": 2}[a.origin]
    out = _attr(0x40, 1, bytes([origin])) + _attr(0x40, 2, b"")
    if net.version == 4:
        out += _attr(0x40, 3, bytes(4))                  # 0.0.0.0: next hop self
    else:
        # gobgp 3.10 reads the full MP_REACH_NLRI form here, not RFC 6396's
        # abbreviated one: AFI 2, SAFI 1, next hop :: (self), the prefix.
        out += _attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + bytes(16) + b"\0" + _nlri(net))
    if a.med is not None:
        out += _attr(0x80, 4, struct.pack("!I", a.med))
    if a.local_pref is not None:
        out += _attr(0x40, 5, struct.pack("!I", a.local_pref))
    if a.communities:
        out += _attr(0xC0, 8, b"".join(struct.pack("!HH", *map(int, c.split(":")))
                                       for c in a.communities))
    if a.large_communities:
        out += _attr(0xC0, 32, b"".join(struct.pack("!III", *map(int, c.split(":")))
                                        for c in a.large_communities))
    return out


def _mrt_record(subtype, body):
    return struct.pack("!IHHI", 0, 13, subtype, len(body)) + body


def mrt_chunks(data, limit=select.PIPE_BUF):
    """Splits an MRT stream into pieces of whole records, each at most
    `limit` bytes (a record is never split unless it alone is larger)."""
    chunks, start, pos, end = [], 0, 0, len(data)
    while pos < end:
        rec = 12 + struct.unpack_from("!I", data, pos + 8)[0]
        if pos + rec - start > limit and pos > start:
            chunks.append(data[start:pos])
            start = pos
        pos += rec
    if start < end:
        chunks.append(data[start:end])
    return chunks


def mrt_table_dump(announcements):
    """One PEER_INDEX_TABLE (a single AS4 IPv4 peer) and one RIB entry per
    prefix. gobgp injects the attributes as they are; it fills the next hop
    and, on eBGP, prepends its AS."""
    rid = bytes(4)
    # The peer entry is the paths' source: AS 0 and BGP ID 0.0.0.0 make them
    # local paths, as `gobgp global rib add` makes them (so that `rib del`
    # withdraws them); gobgpd drops paths whose source ID is its own.
    peer = bytes([0x02]) + bytes(4) + bytes(4) + struct.pack("!I", 0)
    chunks = [_mrt_record(1, rid + struct.pack("!HH", 0, 1) + peer)]
    seq = 0
    for a in announcements:
        entry = None
        for p in a.prefixes:
            net = ipaddress.ip_network(p, strict=False)
            if entry is None or net.version == 6:   # IPv6 attributes hold the prefix
                attrs = _path_attrs(a, net)
                entry = struct.pack("!HIH", 0, 0, len(attrs)) + attrs
            body = struct.pack("!I", seq) + _nlri(net) + struct.pack("!H", 1) + entry
            chunks.append(_mrt_record(2 if net.version == 4 else 4, body))
            seq += 1
    return b"".join(chunks)


def _gobgp_path(d):
    hops, asp, comms, lcomms = [], [], [], []
    origin, lp, med = None, None, None
    for a in d.get("attrs", []):
        t = a.get("type")
        if t == 1:
            origin = _ORIGINS.get(a.get("value"), str(a.get("value")))
        elif t == 2:
            for seg in a.get("as_paths", []):
                asp += seg.get("asns", [])
        elif t == 3:
            hops.append(a["nexthop"])
        elif t == 4:
            med = a.get("metric")
        elif t == 5:
            lp = a.get("value")
        elif t == 8:
            comms = [f"{c >> 16}:{c & 0xFFFF}" for c in a.get("communities", [])]
        elif t == 14:
            nh = a.get("nexthop")
            hops += [nh] if nh else []
            hops += [h for h in a.get("nexthops", []) if h not in hops]
            if a.get("linklocal_nexthop"):
                hops.append(a["linklocal_nexthop"])
        elif t == 32:
            lcomms = [f"{c['ASN']}:{c['LocalData1']}:{c['LocalData2']}" for c in a.get("value", [])]
    return Path(next_hops=hops, as_path=[int(x) for x in asp], origin=origin or "",
                local_pref=lp, med=med, communities=_comm_sort(comms),
                large_communities=_comm_sort(lcomms),
                peer=d.get("neighbor-ip") or d.get("source-id"), best=bool(d.get("best")))


DAEMONS = {"bird": Bird, "frr": Frr, "gobgp": GoBgp}


def available(kind):
    """None when the daemon's binaries are installed, else why not."""
    need = {"bird": ["bird", "birdc"], "frr": ["/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "vtysh"],
            "gobgp": ["gobgpd", "gobgp"]}[kind]
    missing = [b for b in need if shutil.which(b) is None]
    return f"{kind}: not installed ({', '.join(missing)}): scripts/install-deps" if missing \
        else None


def require(kind):
    """Fails the calling test (never skips) when the daemon is missing."""
    reason = available(kind)
    if reason:
        import pytest
        pytest.fail(reason, pytrace=False)


def lab_router(kind, lab, asn=65001, node_asn=64512, families=(4,), kernel=True,
               **neighbor_kw):
    """A router of `kind` in lab.router with one neighbor per node and family
    (the node's link address, AS node_asn; neighbor_kw go to every Neighbor).
    Not started."""
    neighbors = [Neighbor(n.v4 if af == 4 else n.v6, node_asn, **neighbor_kw)
                 for n in lab.nodes for af in families]
    return DAEMONS[kind](lab.router, asn, lab.router_id, neighbors, role="router",
                         kernel=kernel)


def node_speaker(kind, node, announce, asn=64512, router_asn=65001, families=(4,),
                 **neighbor_kw):
    """A speaker of `kind` in the node's namespace, peering with the router's
    link address of each family and announcing `announce`. Not started."""
    neighbors = [Neighbor(node.router_v4 if af == 4 else node.router_v6, router_asn,
                          **neighbor_kw) for af in families]
    return DAEMONS[kind](node.ns, asn, node.v4, neighbors, role="speaker", announce=announce)
