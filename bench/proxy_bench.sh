#!/bin/sh
# HTTP/1.1 reverse proxy benchmark, side by side (shared/reference/anchors.md):
# two upstream nginx (1 worker each, ~100-byte bodies) on loopback; nginx
# (1 worker, upstream keepalive), HAProxy (1 thread) and metalgate
# (--workers 1) between them and wrk -t1 --latency. wrk and the
# upstreams on CPU 0, the proxy on CPU 1. Prints req/s and p99 per target.
#
#   bench/proxy_bench.sh [BUILD_DIR]     (default build; DURATION=10s CONNS="50 200")
#
# Everything runs on 127.0.0.0/8 and is stopped by PID at the end.
set -eu
BUILD=${1:-build}
MG=$(cd "$(dirname "$0")/.." && pwd)/$BUILD/metalgate
DURATION=${DURATION:-10s}
CONNS=${CONNS:-"50 200"}
T=$(mktemp -d /tmp/proxy-bench.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

for tool in nginx haproxy wrk taskset curl; do
    command -v $tool >/dev/null 2>&1 || [ -x /usr/sbin/$tool ] || { echo "missing $tool" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$MG" ] || { echo "no $MG: build it first" >&2; exit 2; }

UP1=18101 UP2=18102 NGX=18110 HAP=18111 MGP=18112 ADMIN=18113
BODY=$(printf '%0100d' 0)

nginx_conf() { # $1 dir, $2 server block
    mkdir -p "$1"
    cat > "$1/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1;
    uwsgi_temp_path $1; scgi_temp_path $1;
    keepalive_requests 1000000;
    $2
}
CONF
}

start() { # $1 cpu, rest: command
    cpu=$1; shift
    taskset -c "$cpu" "$@" >"$T/log.$$.$cpu.$(date +%s%N)" 2>&1 &
    PIDS="$PIDS $!"
}

nginx_conf "$T/up1" "server { listen 127.0.0.1:$UP1; location / { return 200 '$BODY'; } }"
nginx_conf "$T/up2" "server { listen 127.0.0.1:$UP2; location / { return 200 '$BODY'; } }"
nginx_conf "$T/ngx" "upstream u { server 127.0.0.1:$UP1; server 127.0.0.1:$UP2; keepalive 256; }
    server { listen 127.0.0.1:$NGX; location / { proxy_pass http://u; proxy_http_version 1.1;
    proxy_set_header Connection \"\"; } }"
start 0 "$NGINX" -p "$T/up1" -c "$T/up1/nginx.conf"
start 0 "$NGINX" -p "$T/up2" -c "$T/up2/nginx.conf"
start 1 "$NGINX" -p "$T/ngx" -c "$T/ngx/nginx.conf"

cat > "$T/haproxy.cfg" <<CONF
global
    nbthread 1
    maxconn 8000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend f
    bind 127.0.0.1:$HAP
    default_backend b
backend b
    balance roundrobin
    http-reuse always
    server s1 127.0.0.1:$UP1
    server s2 127.0.0.1:$UP2
CONF
start 1 "$HAPROXY" -f "$T/haproxy.cfg"

mkdir -p "$T/mg"
cat > "$T/mg/all.yaml" <<CONF
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: metallb-system}
spec: {addresses: [127.10.9.1/32]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: mg}
spec: {controllerName: metalgate.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: bench}
spec:
  gatewayClassName: mg
  listeners: [{name: http, port: $MGP, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: bench}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: up, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: up, namespace: bench}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: up-1, namespace: bench, labels: {kubernetes.io/service-name: up}}
addressType: IPv4
ports: [{name: http, port: $UP1}]
endpoints: [{addresses: ['127.0.0.1']}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: up-2, namespace: bench, labels: {kubernetes.io/service-name: up}}
addressType: IPv4
ports: [{name: http, port: $UP2}]
endpoints: [{addresses: ['127.0.0.1']}]
CONF
start 1 "$MG" run -f "$T/mg/all.yaml" --node n1 --admin 127.0.0.1:$ADMIN --workers 1 \
    --log-level warn

wait_up() {
    i=0
    until curl -s -o /dev/null "$1"; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "not answering: $1" >&2; exit 1; }
        sleep 0.1
    done
}
for u in 127.0.0.1:$UP1 127.0.0.1:$UP2 127.0.0.1:$NGX 127.0.0.1:$HAP 127.10.9.1:$MGP; do
    wait_up "http://$u/"
done

pid_on_port() { ss -ltnpH "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

printf '%-22s %6s %10s %9s %9s %8s\n' target conns req/s p50 p99 RSS_MB
run() { # $1 name, $2 url, $3 port
    for c in $CONNS; do
        out=$(taskset -c 0 wrk -t1 -c"$c" -d"$DURATION" --latency "$2")
        rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
        p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
        p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
        errs=$(echo "$out" | grep -E 'Socket errors|Non-2xx' | tr -s ' ' | tr '\n' ' ')
        pid=$(pid_on_port "$3")
        rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo ?)
        printf '%-22s %6s %10s %9s %9s %8s %s\n' "$1" "$c" "$rps" "$p50" "$p99" "$rss" "$errs"
    done
}
run "upstream direct" "http://127.0.0.1:$UP1/" $UP1
run "nginx 1 worker" "http://127.0.0.1:$NGX/" $NGX
run "haproxy 1 thread" "http://127.0.0.1:$HAP/" $HAP
run "metalgate 1 worker" "http://127.10.9.1:$MGP/" $MGP
