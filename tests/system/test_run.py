"""metalgate run on loopback: the admin endpoint, reloads (a bad one keeps
the running configuration), sticky allocations across restarts, clean stop.
Every daemon is started by the test and stopped by its PID."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from lib.metalgate import EXIT_INVALID, EXIT_OK, EXIT_USAGE

POOL = """apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: metallb-system}
spec: {addresses: [10.30.0.0/29]}
"""


def service(name):
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: apps}}\n"
            f"spec: {{type: LoadBalancer, ports: [{{port: 80}}]}}\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, mg, args, tmp_path):
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.log = open(tmp_path / f"run-{self.port}.log", "w+")
        self.proc = subprocess.Popen([mg.binary, "run", *args, "--admin", self.addr],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path):
        return f"http://{self.addr}{path}"

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.logs()}")
            try:
                with urllib.request.urlopen(self.url("/ready"), timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.05)
        raise AssertionError(f"daemon not ready: {self.logs()}")

    def get(self, path, timeout=5):
        with urllib.request.urlopen(self.url(path), timeout=timeout) as r:
            return r.status, r.read().decode()

    def post(self, path, timeout=10):
        req = urllib.request.Request(self.url(path), method="POST", data=b"")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def status(self, timeout=5):
        return json.loads(self.get("/status", timeout)[1])

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def daemons(mg, tmp_path):
    started = []

    def start(*args):
        d = Daemon(mg, args, tmp_path)
        started.append(d)
        return d
    yield start
    for d in started:
        d.stop()
        d.log.close()


def wait_for(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_admin_endpoints(daemons, manifests, tmp_path):
    d, _ = manifests({"pool.yaml": POOL, "a.yaml": service("a")})
    dm = daemons("-f", d, "--node", "node-a", "--state", tmp_path / "st")
    dm.wait_ready()
    st = dm.status()
    assert st["node"] == "node-a"
    assert st["services"][0]["ips"] == ["10.30.0.0"]
    assert st["runtime"]["generation"] == 1 and st["runtime"]["ready"] is True
    code, metrics = dm.get("/metrics")
    assert code == 200
    assert 'metallb_allocator_addresses_in_use_total{pool="pool"} 1' in metrics
    assert 'metalgate_config_reloads_total{result="success"} 1' in metrics
    req = urllib.request.Request(dm.url("/status"), method="HEAD")
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200 and int(r.headers["Content-Length"]) > 0 and r.read() == b""
    with pytest.raises(urllib.error.HTTPError) as e:
        dm.get("/nothing")
    assert e.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as e:
        dm.get("/reload")
    assert e.value.code == 405
    assert dm.post("/reload") == (200, "configuration 2 running\n")


def test_status_command_reads_the_daemon(mg, daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL, "a.yaml": service("a")})
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready()
    res = mg.run("status", "--admin", dm.addr)
    assert res.rc == EXIT_OK, res.describe()
    assert "apps/a" in res.stdout and "10.30.0.0" in res.stdout and "ready" in res.stdout
    res = mg.run("status", "--admin", dm.addr, "-o", "json")
    assert json.loads(res.stdout)["services"][0]["name"] == "a"


def test_status_without_daemon_is_a_runtime_failure(mg):
    res = mg.run("status", "--admin", f"127.0.0.1:{free_port()}")
    assert res.rc == 3 and "cannot reach" in res.stderr


def test_bad_reload_keeps_the_running_configuration(daemons, manifests):
    d, paths = manifests({"pool.yaml": POOL, "a.yaml": service("a")})
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready()
    with open(paths[0], "w") as f:
        f.write(POOL.replace("10.30.0.0/29", "10.30.0.9-10.30.0.1"))
    code, text = dm.post("/reload")
    assert code == 422 and "start is after end" in text
    assert text.startswith("reload failed, configuration 1 keeps running: "), text
    st = dm.status()
    assert st["runtime"]["generation"] == 1
    assert st["runtime"]["reloads"]["failed"] >= 1
    assert st["services"][0]["ips"] == ["10.30.0.0"]
    assert dm.get("/ready")[0] == 200


def test_file_change_and_sighup_reload(daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL, "a.yaml": service("a")})
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready()
    with open(os.path.join(d, "b.yaml"), "w") as f:
        f.write(service("b"))
    assert wait_for(lambda: len(dm.status()["services"]) == 2), dm.logs()
    gen = dm.status()["runtime"]["generation"]
    dm.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: dm.status()["runtime"]["generation"] == gen + 1), dm.logs()


def test_allocations_survive_a_restart(daemons, manifests, tmp_path):
    state = tmp_path / "st"
    d, _ = manifests({"pool.yaml": POOL, "c.yaml": service("c")})
    first = daemons("-f", d, "--node", "node-a", "--state", state)
    first.wait_ready()
    assert first.status()["services"][0]["ips"] == ["10.30.0.0"]
    assert first.stop() == 0
    # A newcomer that sorts first must not take c's address after the restart.
    with open(os.path.join(d, "a.yaml"), "w") as f:
        f.write(service("a"))
    second = daemons("-f", d, "--node", "node-a", "--state", state)
    second.wait_ready()
    by = {s["name"]: s["ips"] for s in second.status()["services"]}
    assert by == {"a": ["10.30.0.1"], "c": ["10.30.0.0"]}


def test_sigterm_stops_cleanly_and_invalid_start_exits_1(mg, daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL})
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready()
    assert dm.stop(signal.SIGTERM) == 0
    assert "SIGTERM: stopping" in dm.logs() and "runtime: stopped" in dm.logs()
    bad, _ = manifests({"pool.yaml": POOL.replace("10.30.0.0/29", "nope")}, subdir="bad")
    res = mg.run("run", "-f", bad, "--node", "x", "--admin", f"127.0.0.1:{free_port()}")
    assert res.rc == EXIT_INVALID and "not a valid CIDR" in res.stderr
    assert mg.run("run", "-f", d).rc == EXIT_USAGE  # --node missing


def test_admin_address_in_use_is_a_runtime_failure(mg, manifests):
    d, _ = manifests({"pool.yaml": POOL})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = mg.run("run", "-f", d, "--node", "x", "--admin", f"127.0.0.1:{port}")
    assert res.rc == 3 and "cannot listen" in res.stderr


def test_malformed_admin_requests_get_http_errors(daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL})
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready()
    for raw, want in [(b"GET /status HTTP/1.1\r\n\r\n", b" 400 "),  # no Host
                      (b"GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n", b" 400 "),
                      (b"\x00\xff\xfe garbage\r\n\r\n", b" 400 ")]:
        with socket.create_connection(("127.0.0.1", dm.port), timeout=5) as s:
            s.sendall(raw)
            assert want in s.recv(4096)
    assert dm.get("/ready")[0] == 200


# Enough Services that one load takes seconds here (about 3 s for 120,000
# with their EndpointSlices on the 2-core test VM), in a pool of their own.
BULK = 120_000


def write_bulk(directory, n, per_file=20_000):
    with open(os.path.join(directory, "bulk-pool.yaml"), "w") as f:
        f.write("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n"
                "metadata: {name: bulk, namespace: metallb-system}\n"
                "spec: {addresses: [10.64.0.0/14], autoAssign: false}\n")
    for start in range(0, n, per_file):
        parts = []
        for i in range(start, min(n, start + per_file)):
            parts.append(
                f"apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\n  namespace: b{i % 50}\n"
                "  annotations: {metallb.io/address-pool: bulk}\n"
                "spec: {type: LoadBalancer, ports: [{port: 80}]}\n---\n"
                "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
                f"  name: s{i}-1\n  namespace: b{i % 50}\n"
                f"  labels: {{kubernetes.io/service-name: s{i}}}\naddressType: IPv4\n"
                "endpoints: [{addresses: [10.0.0.1], nodeName: node-a}]\n---\n")
        with open(os.path.join(directory, f"bulk-{start // per_file:03d}.yaml"), "w") as f:
            f.write("".join(parts))


def runtime_status(dm):
    # /status renders every Service: seconds for 120,000 under sanitizers.
    return dm.status(timeout=60)["runtime"]


def test_requests_during_a_long_load_are_coalesced(daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL, "a.yaml": service("a")})
    write_bulk(d, BULK)
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready(timeout=60)
    dm.proc.send_signal(signal.SIGHUP)
    # The control thread answers while the loader thread works.
    assert wait_for(lambda: runtime_status(dm)["loading"], timeout=20), dm.logs()
    answers = []

    def post():
        try:
            answers.append(dm.post("/reload", timeout=90))  # ASan builds load slowly
        except OSError as e:
            answers.append(e)
    posts = [threading.Thread(target=post) for _ in range(2)]
    for t in posts:
        t.start()
    # A client that goes away while it waits changes nothing.
    with socket.create_connection(("127.0.0.1", dm.port), timeout=5) as s:
        s.sendall(b"POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    for t in posts:
        t.join(timeout=100)
    # Both waited for the one load after SIGHUP's: configuration 3.
    assert answers == [(200, "configuration 3 running\n")] * 2, (answers, dm.logs())
    assert wait_for(lambda: not runtime_status(dm)["loading"], timeout=60), dm.logs()
    rt = runtime_status(dm)
    assert rt["generation"] == 3, dm.logs()
    assert rt["reloads"] == {"succeeded": 3, "failed": 0, "coalesced": 2}, dm.logs()
    assert dm.logs().count("during a load: already pending") == 2
    assert dm.post("/reload", timeout=90) == (200, "configuration 4 running\n")


def test_sigterm_during_a_load_stops_cleanly(daemons, manifests):
    d, _ = manifests({"pool.yaml": POOL})
    write_bulk(d, BULK)
    dm = daemons("-f", d, "--node", "node-a")
    dm.wait_ready(timeout=60)
    dm.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: runtime_status(dm)["loading"], timeout=20), dm.logs()
    # At most 16 POST /reload wait for a load; the 17th is refused at once.
    waiting = [socket.create_connection(("127.0.0.1", dm.port), timeout=5) for _ in range(16)]
    for s in waiting:
        s.sendall(b"POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    # The first waits for the pending load, the other 15 join it.
    assert wait_for(lambda: runtime_status(dm)["reloads"]["coalesced"] == 15, timeout=30)
    code, text = dm.post("/reload")
    assert code == 503 and "too many reload requests waiting" in text
    # The loader stops between stages: a stage runs to its end (long under sanitizers).
    assert dm.stop(signal.SIGTERM, timeout=90) == 0, dm.logs()
    assert "waiting for the configuration load to stop" in dm.logs()
    assert "runtime: stopped" in dm.logs()
    for s in waiting:  # closed unanswered: the load they waited for never ran
        assert s.recv(100) == b""
        s.close()
