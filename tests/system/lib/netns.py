"""Network namespaces, veth links and processes for the system tests.

A *lab* is one router namespace and N node namespaces. Each node has its own
point-to-point veth link to the router (no bridge): a failure on one link
(carrier loss, `tc` loss) touches one node only, and the router's kernel
route to a prefix announced by two nodes shows two next hops on two
interfaces, which is what ECMP checks look at.

Addressing of node i (1-based, at most 250 nodes):

    IPv4  198.18.i.0/30     router 198.18.i.1, node 198.18.i.2
    IPv6  2001:db8:i::/64   router 2001:db8:i::1, node 2001:db8:i::2 (nodad)
    router's loopback: 198.18.0.1/32 and 2001:db8::1/128 (its router id)

198.18.0.0/15 is the benchmarking range (RFC 2544) and 2001:db8::/32 the
documentation range: neither can be real, and none of these addresses exist
outside the namespaces, so nothing a test sends can leave the machine.

Names: every namespace is "mgt-<pid>-<n>-<role>" (role "r" or "n<i>"), where
<pid> is the creating process: parallel runs never collide, and leftovers of a
dead run are recognisable (`python3 tests/system/lib/netns.py sweep` removes
the namespaces of dead creators, and only those). Inside the namespaces the
router's interface to node i is "n<i>" and every node's interface is "eth0".

Processes: Netns.spawn() starts a command inside a namespace through
`ip netns exec` (which execs it, so the PID is the command's own), records the
Popen and stops it by PID (SIGTERM, then SIGKILL after a timeout) when the
namespace is destroyed. Netns.run() runs a command to completion with a
timeout. Nothing here ever signals a process by name.

MGT_KEEP=1 keeps every namespace and process of a test for inspection;
MGT_KEEP=fail keeps them only when the test failed. Either prints where they
are and how to remove them.
"""

import ipaddress
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

PREFIX = "mgt"
NETNS_DIR = "/run/netns"
MAX_NODES = 250
_counter = itertools.count(1)


class NetnsError(RuntimeError):
    """A namespace operation failed: a broken harness, never a skip."""


def _run(argv, timeout=30, check=True, input=None):
    p = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise NetnsError(f"$ {' '.join(argv)}\nexit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def unavailable_reason():
    """Why labs cannot be built here (None when they can): not root, no `ip`,
    or the kernel refuses `ip netns add`."""
    if os.geteuid() != 0:
        return "network namespaces need root (run the system tests as root)"
    if shutil.which("ip") is None:
        return "`ip` (iproute2) is not installed: scripts/install-deps"
    name = f"{PREFIX}-{os.getpid()}-probe"
    try:
        p = _run(["ip", "netns", "add", name], check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"`ip netns add` failed: {e}"
    if p.returncode != 0:
        return f"`ip netns add` is impossible here: {p.stderr.strip()}"
    _run(["ip", "netns", "del", name], check=False)
    return None


class Proc:
    """A process started inside a namespace, owned by the harness."""

    def __init__(self, ns, argv, popen, log_path):
        self.ns, self.argv, self.popen, self.log_path = ns, argv, popen, log_path
        self.pid = popen.pid

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        """Exit status, or None if still running after timeout seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5.0, sig=signal.SIGTERM):
        """SIGTERM (or sig), then SIGKILL after timeout; returns the exit status."""
        if not self.alive():
            return self.popen.returncode
        os.kill(self.pid, sig)
        rc = self.wait(timeout)
        if rc is None:
            os.kill(self.pid, signal.SIGKILL)
            rc = self.popen.wait(timeout=10)
        return rc

    def kill(self):
        """SIGKILL: a crash as far as the peer can tell."""
        return self.stop(timeout=0.01, sig=signal.SIGKILL)

    def output(self, tail=None):
        """What the process wrote to stdout and stderr (last `tail` chars)."""
        try:
            with open(self.log_path, errors="replace") as f:
                text = f.read()
        except OSError:
            return ""
        return text[-tail:] if tail else text

    def rss_bytes(self):
        """Resident set size now (VmRSS), 0 when the process is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def __repr__(self):
        return f"<Proc {self.pid} in {self.ns.name}: {' '.join(self.argv)}>"


class Netns:
    """One namespace created by the harness; destroy() removes it and stops
    every process it holds."""

    def __init__(self, name, workdir):
        self.name = name
        self.workdir = workdir
        self.procs = []
        _run(["ip", "netns", "add", name])
        try:
            self.sysctl("net.ipv6.conf.all.accept_dad", 0)
            self.sysctl("net.ipv6.conf.default.accept_dad", 0)
            self.ip("link", "set", "lo", "up")
        except Exception:
            _run(["ip", "netns", "del", name], check=False)
            raise

    # -- commands --------------------------------------------------------------

    def argv(self, argv):
        return ["ip", "netns", "exec", self.name] + [str(a) for a in argv]

    def run(self, argv, timeout=30, check=True, input=None):
        """Runs argv inside the namespace to completion (at most timeout s)."""
        return _run(self.argv(argv), timeout=timeout, check=check, input=input)

    def ip(self, *args, timeout=30, check=True):
        return _run(["ip", "-n", self.name] + [str(a) for a in args], timeout=timeout,
                    check=check)

    def ip_json(self, *args):
        out = self.ip("-j", *args).stdout.strip()
        return json.loads(out) if out else []

    def sysctl(self, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(["sh", "-c", f"echo {int(value)} > {path}"])

    def spawn(self, argv, name=None, env=None, cwd=None):
        """Starts argv in the background inside the namespace; its stdout and
        stderr go to workdir/<name>.log. The Proc is stopped on destroy()."""
        name = name or os.path.basename(str(argv[0]))
        log_path = os.path.join(self.workdir, f"{self.name}.{name}.log")
        with open(log_path, "ab") as log:
            popen = subprocess.Popen(self.argv(argv), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                     start_new_session=True)
        proc = Proc(self, [str(a) for a in argv], popen, log_path)
        self.procs.append(proc)
        return proc

    def pids(self):
        """Every PID inside the namespace (ours: the namespace is ours)."""
        p = _run(["ip", "netns", "pids", self.name], check=False)
        return [int(x) for x in p.stdout.split()]

    # -- reading ---------------------------------------------------------------

    def kernel_routes(self, family=4, protocol=None):
        """The kernel's main table: {prefix: sorted [next hop, ...]}. Host
        routes print as /32 or /128; a route without gateway maps to ["dev X"]."""
        args = ["-6" if family == 6 else "-4", "route", "show"]
        if protocol:
            args += ["proto", protocol]
        out = {}
        for r in self.ip_json(*args):
            dst = r.get("dst", "")
            if dst == "default":
                dst = "0.0.0.0/0" if family == 4 else "::/0"
            elif "/" not in dst:
                dst += "/32" if family == 4 else "/128"
            hops = [h["gateway"] for h in r.get("nexthops", []) if "gateway" in h]
            if not hops and "gateway" in r:
                hops = [r["gateway"]]
            if not hops:
                hops = [f"dev {r.get('dev', '?')}"]
            # Several routes to one prefix (other metric or device): merged.
            out[dst] = sorted(set(out.get(dst, [])) | set(hops), key=_addr_key)
        return out

    def nstat(self, *counters):
        """Kernel SNMP counters inside the namespace (absolute values), e.g.
        nstat("TcpExtTCPMD5Failure") -> {"TcpExtTCPMD5Failure": 2}."""
        p = self.run(["nstat", "-a", "-z", "-j", *counters])
        data = json.loads(p.stdout or "{}")
        flat = {}
        for table in data.values():
            flat.update(table)
        return {c: int(flat.get(c, 0)) for c in counters} if counters else flat

    def add_address(self, address, dev="lo"):
        """Adds address (a host address unless it has a /len) to dev."""
        ip = ipaddress.ip_interface(address)
        args = ["addr", "add", str(ip), "dev", dev]
        self.ip(*(args + (["nodad"] if ip.version == 6 else [])))

    def reaches(self, address, port=9, timeout=1.0):
        """True when a TCP SYN from this namespace to address:port gets an
        answer (SYN-ACK or RST): the path and the way back both forward.
        Needs no server and no ping (not installed by default)."""
        code = ("import socket,sys\n"
                f"a=({address!r},{int(port)})\n"
                f"s=socket.socket(socket.AF_INET6 if ':' in a[0] else socket.AF_INET)\n"
                f"s.settimeout({float(timeout)})\n"
                "try:\n s.connect(a); print('open')\n"
                "except ConnectionRefusedError: print('refused')\n"
                "except OSError as e: print('no', e)\n")
        p = self.run([sys.executable, "-c", code], timeout=timeout + 10)
        return p.stdout.split()[:1] in (["open"], ["refused"])

    # -- teardown --------------------------------------------------------------

    def stop_procs(self, timeout=5.0):
        for proc in reversed(self.procs):
            try:
                proc.stop(timeout=timeout)
            except ProcessLookupError:
                pass

    def destroy(self):
        self.stop_procs()
        for pid in self.pids():
            _kill_pid(pid)
        _run(["ip", "netns", "del", self.name], check=False)

    def __repr__(self):
        return f"<Netns {self.name}>"


def _kill_pid(pid, timeout=5.0):
    """SIGTERM, then SIGKILL, to one PID found inside one of our namespaces."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _addr_key(a):
    try:
        ip = ipaddress.ip_address(a)
        return (ip.version, int(ip))
    except ValueError:
        return (9, a)


@dataclass
class Node:
    """A node namespace and its link to the router."""
    index: int
    ns: Netns
    router_if: str      # the router's interface towards this node
    node_if: str        # this node's interface towards the router ("eth0")
    v4: str             # this node's IPv4 address on the link
    router_v4: str      # the router's IPv4 address on the link
    v6: str = None
    router_v6: str = None

    @property
    def name(self):
        return f"n{self.index}"


@dataclass
class Lab:
    """A router namespace and its nodes; see the module documentation."""
    router: Netns
    nodes: list
    workdir: str
    tag: str
    router_id: str = "198.18.0.1"
    router_id6: str = "2001:db8::1"
    extra: list = field(default_factory=list)   # more namespaces to destroy

    def namespaces(self):
        return [self.router] + [n.ns for n in self.nodes] + list(self.extra)

    def node(self, i):
        return self.nodes[i - 1]

    def set_link(self, i, up):
        """Carrier on or off for node i's link (both ends)."""
        n = self.node(i)
        state = "up" if up else "down"
        self.router.ip("link", "set", n.router_if, state)
        n.ns.ip("link", "set", n.node_if, state)

    def destroy(self, remove_workdir=False):
        errors = []
        for ns in reversed(self.namespaces()):
            try:
                ns.destroy()
            except Exception as e:  # keep tearing down the rest
                errors.append(f"{ns.name}: {e}")
        if errors:
            raise NetnsError("lab teardown: " + "; ".join(errors))
        if remove_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def describe(self):
        lines = [f"lab {self.tag} (workdir {self.workdir})",
                 f"  router {self.router.name}: {self.router_id}"]
        for n in self.nodes:
            lines.append(f"  node {n.index} {n.ns.name}: {n.v4} / {n.v6} "
                         f"<-> router {n.router_v4} / {n.router_v6} on {n.router_if}")
        return "\n".join(lines)


def _link_addresses(i):
    return (f"198.18.{i}.2", f"198.18.{i}.1", f"2001:db8:{i:x}::2", f"2001:db8:{i:x}::1")


def _connect(router, ns, i, ipv6):
    v4, rv4, v6, rv6 = _link_addresses(i)
    rif, nif = f"n{i}", "eth0"
    _run(["ip", "link", "add", "name", rif, "netns", router.name, "type", "veth",
          "peer", "name", nif, "netns", ns.name])
    router.ip("addr", "add", f"{rv4}/30", "dev", rif)
    ns.ip("addr", "add", f"{v4}/30", "dev", nif)
    if ipv6:
        router.ip("addr", "add", f"{rv6}/64", "dev", rif, "nodad")
        ns.ip("addr", "add", f"{v6}/64", "dev", nif, "nodad")
    router.ip("link", "set", rif, "up")
    ns.ip("link", "set", nif, "up")
    return Node(i, ns, rif, nif, v4, rv4, v6 if ipv6 else None, rv6 if ipv6 else None)


def _wait_carrier(lab, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        down = [f"{ns.name}:{ifname}" for n in lab.nodes
                for ns, ifname in ((lab.router, n.router_if), (n.ns, n.node_if))
                if ns.ip_json("link", "show", ifname)[0].get("operstate") != "UP"]
        if not down:
            return
        if time.monotonic() > deadline:
            raise NetnsError(f"veth links still down after {timeout}s: {down}")
        time.sleep(0.05)


def make_lab(nodes=1, ipv6=True, workdir=None, tag=None):
    """Builds a lab (see the module documentation). The caller owns it and
    must call lab.destroy(); the lab_factory fixture does that."""
    if not 1 <= nodes <= MAX_NODES:
        raise ValueError(f"nodes must be 1..{MAX_NODES}")
    tag = tag or f"{PREFIX}-{os.getpid()}-{next(_counter)}"
    workdir = workdir or tempfile.mkdtemp(prefix=f"{tag}-")
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o755)  # daemons that drop privileges read configs here
    router = Netns(f"{tag}-r", workdir)
    lab = Lab(router, [], workdir, tag)
    try:
        router.ip("addr", "add", f"{lab.router_id}/32", "dev", "lo")
        if ipv6:
            router.ip("addr", "add", f"{lab.router_id6}/128", "dev", "lo", "nodad")
        router.sysctl("net.ipv4.ip_forward", 1)
        router.sysctl("net.ipv6.conf.all.forwarding", 1)
        for i in range(1, nodes + 1):
            ns = Netns(f"{tag}-n{i}", workdir)
            lab.extra.append(ns)        # destroyed even if _connect fails
            node = _connect(router, ns, i, ipv6)
            lab.extra.remove(ns)
            lab.nodes.append(node)
            ns.ip("route", "add", "default", "via", node.router_v4)
            if ipv6:
                ns.ip("-6", "route", "add", "default", "via", node.router_v6)
        _wait_carrier(lab)
    except BaseException:
        lab.destroy()
        raise
    return lab


def keep_mode():
    """MGT_KEEP: "always" (1, yes, always), "fail", or None."""
    v = os.environ.get("MGT_KEEP", "").strip().lower()
    if v in ("1", "yes", "true", "always"):
        return "always"
    if v == "fail":
        return "fail"
    return None


def _should_keep(request, failed_before):
    mode = keep_mode()
    if mode == "always":
        return True
    return mode == "fail" and request.session.testsfailed > failed_before


def lab_factory_fixture(request):
    """Body of the `lab_factory` fixture: returns make(nodes=1, ipv6=True) ->
    Lab; every lab is destroyed at teardown (kept under MGT_KEEP)."""
    import pytest
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    labs = []
    failed_before = request.session.testsfailed

    def make(nodes=1, ipv6=True):
        lab = make_lab(nodes=nodes, ipv6=ipv6)
        labs.append(lab)
        return lab

    def teardown():
        if _should_keep(request, failed_before):
            for lab in labs:
                sys.stderr.write(f"\nMGT_KEEP: kept {lab.describe()}\n"
                                 f"  remove with: python3 {__file__} sweep --tag {lab.tag}"
                                 f" && rm -rf {lab.workdir}\n")
            return
        errors = []
        for lab in reversed(labs):
            try:
                lab.destroy(remove_workdir=True)
            except Exception as e:
                errors.append(str(e))
        if errors:
            raise NetnsError("; ".join(errors))

    request.addfinalizer(teardown)
    return make


def _pytest_fixtures():
    try:
        import pytest
    except ImportError:     # used as a plain library (bench/)
        return None

    @pytest.fixture
    def lab_factory(request):
        """make(nodes=1, ipv6=True) -> Lab, destroyed after the test."""
        return lab_factory_fixture(request)

    @pytest.fixture
    def lab(lab_factory):
        """A lab with one node."""
        return lab_factory(1)

    @pytest.fixture
    def lab2(lab_factory):
        """A lab with two nodes."""
        return lab_factory(2)

    return lab_factory, lab, lab2


_fx = _pytest_fixtures()
if _fx:
    lab_factory, lab, lab2 = _fx


# -- leftovers -------------------------------------------------------------------

def _ours(name):
    """(creator pid, tag) when name is one of ours, else None."""
    parts = name.split("-")
    if len(parts) < 3 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1]), "-".join(parts[:3])


def sweep(tag=None, dry_run=False):
    """Removes our namespaces whose creator process is dead (or exactly the
    namespaces of `tag`), stopping the processes inside them by PID."""
    p = _run(["ip", "-j", "netns", "list"], check=False)
    names = [e["name"] for e in json.loads(p.stdout or "[]")]
    removed = []
    for name in names:
        mine = _ours(name)
        if mine is None:
            continue
        pid, ns_tag = mine
        if tag is not None:
            if ns_tag != tag:
                continue
        elif os.path.exists(f"/proc/{pid}"):
            continue    # its creator still runs: not a leftover
        removed.append(name)
        if dry_run:
            continue
        for q in _run(["ip", "netns", "pids", name], check=False).stdout.split():
            _kill_pid(int(q))
        _run(["ip", "netns", "del", name], check=False)
    return removed


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="metalgate test namespaces")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sw = sub.add_parser("sweep", help="remove namespaces left by dead test runs")
    sw.add_argument("--tag", help="remove exactly this lab (mgt-PID-N), even if its creator runs")
    sw.add_argument("-n", "--dry-run", action="store_true")
    sub.add_parser("list", help="list the harness's namespaces")
    args = ap.parse_args(argv)
    if args.cmd == "list":
        p = _run(["ip", "-j", "netns", "list"], check=False)
        for e in json.loads(p.stdout or "[]"):
            if _ours(e["name"]):
                print(e["name"])
        return 0
    for name in sweep(tag=args.tag, dry_run=args.dry_run):
        print(("would remove " if args.dry_run else "removed ") + name)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
