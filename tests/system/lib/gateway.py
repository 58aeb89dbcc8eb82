"""`metalgate run` as a daemon of one test, and the HTTP backends it proxies to.

GatewayDaemon starts the binary on one manifest file with its own admin port
and log file, waits (bounded) for a listener, and stops it by its PID:
SIGTERM, then SIGKILL if it is still there after 10 s. Stopping asserts a
clean exit and no sanitizer report in the log, so an ASan build
(METALGATE_BIN=build-asan/metalgate) fails the test that started it.
"""

import signal
import socket
import subprocess
import threading
import time
import http.server

STOP_TIMEOUT = 10  # seconds a daemon has to exit after SIGTERM


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read_all(s, limit=1 << 20):
    """Everything the peer sends until EOF (or a reset, or limit bytes)."""
    data = b""
    while len(data) < limit:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def pool_and_class_yaml(cidr):
    """The IPAddressPool `pool` and our GatewayClass `mg`, each followed by
    a document separator: the head of the gateway tests' manifests."""
    return f"""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {{name: pool, namespace: metallb-system}}
spec: {{addresses: [{cidr}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {{name: mg}}
spec: {{controllerName: metalgate.io/gateway-controller}}
---
"""


class GatewayDaemon:
    """One `metalgate run -f FILE --node n1 --admin 127.0.0.1:<free port>`.

    host/port name the listener used by url(), curl() and raw(), and the one
    waited for on start when both are given."""

    def __init__(self, binary, manifest_file, log_path, args=(), host=None, port=None,
                 env=None, preexec_fn=None):
        self.file = manifest_file
        self.host, self.port = host, port
        self.log = open(log_path, "w+")
        self.admin = f"127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            [binary, "run", "-f", str(self.file), "--node", "n1", "--admin", self.admin,
             *args],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn)
        if host is not None and port is not None:
            try:
                self.wait_listening(host, port)
            except AssertionError:
                self.abort()  # a failed start leaves no process behind
                raise

    def wait_listening(self, host, port, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"metalgate exited: {self.logs()}")
            try:
                socket.create_connection((host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"{host}:{port} not listening: {self.logs()}")

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"

    def curl(self, path, *args, host=None):
        """(status, body) of curl on url(path); status 0 when curl got none."""
        cmd = ["curl", "-sS", "-m", "10", "-o", "-", "-w", "\n%{http_code}", *args]
        if host:
            cmd += ["-H", f"Host: {host}"]
        r = subprocess.run(cmd + [self.url(path)], capture_output=True, timeout=30)
        body, _, code = r.stdout.rpartition(b"\n")
        return int(code or 0), body

    def raw(self, data):
        """Sends data on a new connection; returns everything the gateway sent."""
        with socket.create_connection((self.host, self.port), timeout=10) as s:
            s.sendall(data)
            return read_all(s)

    def abort(self):
        """Stops the daemon by PID without judging how it ended (the test has
        failed already); safe to call when it has exited."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            logs = self.logs()
            self.log.close()
        assert "Sanitizer" not in logs and "runtime error" not in logs, logs
        assert self.proc.returncode == 0, logs


class ServerThread:
    """An http.server on host:<free port>, served by a daemon thread of the
    test process; extra keyword arguments become attributes of the server
    (set before it serves) for its handler to read."""

    def __init__(self, host, handler, server_class=http.server.ThreadingHTTPServer, **attrs):
        self.server = server_class((host, 0), handler)
        self.server.daemon_threads = True
        for name, value in attrs.items():
            setattr(self.server, name, value)
        self.host, self.port = host, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
