#!/usr/bin/python3
"""Memory per idle keep-alive client connection, metalgate beside nginx.

Each proxy (one worker) fronts an nginx upstream on loopback. The script
opens N client connections, sends one request on each, reads the answer and
leaves the connection open (keep-alive), then reads the proxy's RSS: the
difference to the RSS before, divided by N, is what one idle connection
costs in process memory (kernel socket buffers are not in RSS and not
counted). Issue 5's bar: under 10 KB per connection for metalgate.

    bench/idle_conns.py [-n 10000] [-b build/metalgate]

Everything runs on 127.0.0.0/8 and is stopped by PID at the end.
"""

import argparse
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

UPSTREAM, NGINX_PROXY, MG_PROXY, MG_ADMIN = 18301, 18310, 18312, 18313
MG_ADDR = "127.10.9.3"


def nginx_conf(directory, server):
    os.makedirs(directory, exist_ok=True)
    temps = " ".join(f"{k}_temp_path {directory};" for k in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    with open(os.path.join(directory, "nginx.conf"), "w") as f:
        f.write(f"worker_processes 1;\ndaemon off;\npid {directory}/nginx.pid;\n"
                f"error_log {directory}/error.log;\nworker_rlimit_nofile 30000;\n"
                "events { worker_connections 30000; }\n"
                f"http {{ access_log off; {temps} keepalive_requests 1000000;\n"
                f"keepalive_timeout 300s;\n{server} }}\n")


MANIFEST = f"""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{name: pool, namespace: metallb-system}}
spec: {{addresses: [{MG_ADDR}/32]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {{name: mg}}
spec: {{controllerName: metalgate.io/gateway-controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: bench}}
spec:
  gatewayClassName: mg
  listeners: [{{name: http, port: {MG_PROXY}, protocol: HTTP}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: r, namespace: bench}}
spec:
  parentRefs: [{{name: gw}}]
  rules: [{{backendRefs: [{{name: up, port: 80}}]}}]
---
apiVersion: v1
kind: Service
metadata: {{name: up, namespace: bench}}
spec: {{ports: [{{name: http, port: 80}}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: up-1, namespace: bench, labels: {{kubernetes.io/service-name: up}}}}
addressType: IPv4
ports: [{{name: http, port: {UPSTREAM}}}]
endpoints: [{{addresses: ['127.0.0.1']}}]
"""


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_port(host, port, deadline=10.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{host}:{port} is not answering")


def open_idle(host, port, n, deadline=120.0):
    """n connections, one GET answered on each, left open. Bounded in time."""
    sel = selectors.DefaultSelector()
    socks, done = [], 0
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    end = time.monotonic() + deadline
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        sel.register(s, selectors.EVENT_WRITE, [b""])
        socks.append(s)
        # keep the accept queue short: drain events as we go
        if len(socks) % 200 == 0:
            done += pump(sel, request, 0)
    while done < n and time.monotonic() < end:
        done += pump(sel, request, 0.2)
    if done < n:
        raise RuntimeError(f"only {done} of {n} connections got their answer")
    return socks


def pump(sel, request, timeout):
    finished = 0
    for key, mask in sel.select(timeout):
        s, state = key.fileobj, key.data
        if mask & selectors.EVENT_WRITE:
            s.send(request)
            sel.modify(s, selectors.EVENT_READ, state)
            continue
        data = s.recv(4096)
        if not data:
            raise RuntimeError("a connection was closed by the proxy")
        state[0] += data
        head, sep, body = state[0].partition(b"\r\n\r\n")
        if sep:
            length = [int(v) for k, v in (line.split(b":", 1) for line in head.split(b"\r\n")[1:])
                      if k.strip().lower() == b"content-length"]
            if length and len(body) >= length[0]:
                sel.unregister(s)
                finished += 1
    return finished


def measure(name, pid, host, port, n):
    wait_port(host, port)
    warm = open_idle(host, port, 50)  # allocations made once per worker
    time.sleep(0.5)
    before = rss_kb(pid)
    socks = open_idle(host, port, n)
    time.sleep(1.0)
    after = rss_kb(pid)
    per = (after - before) * 1024 / n
    for s in socks + warm:
        s.close()
    print(f"| {name} | {n:,} | {before / 1024:.1f} MB | {after / 1024:.1f} MB | "
          f"{per / 1024:.1f} KB |", flush=True)
    return per


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("-b", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                               "build", "metalgate"))
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < args.n + 1000:
        sys.exit(f"idle_conns: RLIMIT_NOFILE hard limit {hard} is below {args.n + 1000}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    tmp = tempfile.mkdtemp(prefix="idle-conns.")
    procs = []
    try:
        nginx_conf(f"{tmp}/up", f"server {{ listen 127.0.0.1:{UPSTREAM}; "
                                f"location / {{ return 200 '{'0' * 100}'; }} }}")
        nginx_conf(f"{tmp}/px", f"upstream u {{ server 127.0.0.1:{UPSTREAM}; keepalive 64; }}\n"
                                f"server {{ listen 127.0.0.1:{NGINX_PROXY}; location / {{ "
                                f"proxy_pass http://u; proxy_http_version 1.1; "
                                f"proxy_set_header Connection \"\"; }} }}")
        with open(f"{tmp}/all.yaml", "w") as f:
            f.write(MANIFEST)
        procs.append(subprocess.Popen([nginx, "-p", f"{tmp}/up", "-c", f"{tmp}/up/nginx.conf"]))
        proxy = subprocess.Popen([nginx, "-p", f"{tmp}/px", "-c", f"{tmp}/px/nginx.conf"])
        procs.append(proxy)
        mg = subprocess.Popen([args.b, "run", "-f", f"{tmp}/all.yaml", "--node", "n1",
                               "--admin", f"127.0.0.1:{MG_ADMIN}", "--workers", "1",
                               "--idle-timeout", "300000", "--log-level", "warn"])
        procs.append(mg)
        wait_port("127.0.0.1", UPSTREAM)
        time.sleep(0.5)
        # nginx's worker is the master's only child
        worker = int(subprocess.check_output(["pgrep", "-P", str(proxy.pid)]).split()[0])
        print("| proxy | idle connections | RSS before | RSS after | per connection |")
        print("|---|---|---|---|---|")
        measure("nginx (worker)", worker, "127.0.0.1", NGINX_PROXY, args.n)
        per = measure("metalgate", mg.pid, MG_ADDR, MG_PROXY, args.n)
        print(f"\nmetalgate: {per / 1024:.1f} KB per idle connection "
              f"({'under' if per < 10240 else 'OVER'} the 10 KB bar)")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
