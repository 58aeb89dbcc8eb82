#!/usr/bin/env bash
# How fast `metalgate plan` plans a large site (issue 3): N LoadBalancer
# Services (default 100,000) over 16 IPAddressPools of a /16 each (a /12 in
# all), one BGPAdvertisement, one BGPPeer and two Nodes, generated into one
# file. Times `metalgate plan -o json` (loading and checking the manifests
# included) and prints wall time and peak RSS (/usr/bin/time -v), then the
# same for `metalgate check` alone so the planning share is visible.
#
#   bench/plan_scale.sh [-n SERVICES] [-b BINARY]
#
# Bar (issue 3): planning under 1 s and under 200 MB for 100,000 Services
# (the "plan" stage of --timings; reading 100,000 YAML objects comes on top
# and is printed too). There is
# no anchor: MetalLB's controller allocates one Service per reconcile
# through the Kubernetes API, which is not comparable with an offline plan.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=100000
bin="$root/build/metalgate"
while getopts "n:b:h" opt; do
    case "$opt" in
    n) n=$OPTARG ;;
    b) bin=$OPTARG ;;
    h) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "build first: $bin not found" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$n" > "$dir/site.yaml" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for p in range(16):
    out.write(f"apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: pool-{p:02d}\n"
              f"  namespace: metallb-system\nspec:\n  addresses:\n  - 10.{16 + p}.0.0/16\n---\n")
out.write("apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n  name: all\n"
          "  namespace: metallb-system\n---\n"
          "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: router\n"
          "  namespace: metallb-system\nspec:\n  peerAddress: 192.0.2.1\n  peerASN: 65001\n  myASN: 64512\n---\n")
for node in ("node-a", "node-b"):
    out.write(f"apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n---\n")
for i in range(n):
    out.write(f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: ns-{i % 100}\n"
              f"spec:\n  type: LoadBalancer\n  selector:\n    app: svc-{i}\n  ports:\n"
              f"  - port: 80\n    targetPort: 8080\n---\n")
PY

measure() {
    local label=$1
    shift
    /usr/bin/time -v "$@" > /dev/null 2> "$dir/time.txt" || {
        cat "$dir/time.txt" >&2
        exit 1
    }
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.txt")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
    printf '%-28s wall %-10s peak RSS %6.1f MB\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

echo "metalgate plan, $n Services over 16 x /16 pools (a /12), $(nproc) CPUs, $(date -u +%F)"
measure "check (load + validate)" "$bin" check -q -f "$dir/site.yaml"
measure "plan -o json (everything)" "$bin" plan -f "$dir/site.yaml" --node node-a -o json
echo "stages of one plan run (the 'plan' stage is the planning the bar is about):"
"$bin" plan -f "$dir/site.yaml" --node node-a -o json --timings 2>&1 >/dev/null | sed 's/^/  /'
"$bin" plan -f "$dir/site.yaml" --node node-a -o json |
    /usr/bin/python3 -c 'import json,sys; p=json.load(sys.stdin); s=p["services"]; a=sum(1 for x in s if x["status"]=="allocated"); n_ads=len(p["advertisements"]); print(f"allocated {a} of {len(s)} services, {n_ads} advertisements")'
