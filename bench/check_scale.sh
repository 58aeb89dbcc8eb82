#!/usr/bin/env bash
# How fast `metalgate check` validates a large site: generates N objects
# (default 10,000: IPAddressPools, Services, Gateways, HTTPRoutes,
# RateLimitPolicies, in 100-object files; bench/gen_manifests.py) into a
# temporary directory, times `metalgate check -q -f DIR` over repeated runs
# (hyperfine when installed, else a loop of bash `time`), and prints
# objects/s and the peak RSS (/usr/bin/time -v).
#
#   bench/check_scale.sh [-n OBJECTS] [-r RUNS] [-b BINARY] [-c]
#
# -c also counts instructions under callgrind (valgrind): slow, but the same
# count for the same binary and input whatever else the machine is doing, so
# it compares runs on a busy machine where wall-clock times do not.
#
# Issue 2 asks for "well under a second" on 10,000 objects. There is no
# anchor to compare with: schema-only validators (kubeconform, kubeval) do
# not apply MetalLB's webhook rules or any cross-object check, and kubectl
# --dry-run=server needs a cluster with the CRDs and webhooks. The numbers
# are ours alone; record them in bench/RESULTS.md with the date and machine.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
n=10000
runs=10
bin="$root/build/metalgate"
count=0

while getopts "n:r:b:ch" opt; do
    case "$opt" in
    n) n=$OPTARG ;;
    r) runs=$OPTARG ;;
    b) bin=$OPTARG ;;
    c) count=1 ;;
    h)
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) exit 2 ;;
    esac
done
if [ ! -x "$bin" ]; then
    echo "check_scale: $bin not found: build first (scripts/demo), or pass -b BINARY" >&2
    exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 "$root/bench/gen_manifests.py" "$n" "$dir/m"
files=$(find "$dir/m" -name '*.yaml' | wc -l)
bytes=$(du -sb "$dir/m" | cut -f1)

# One run first: the input must load (exit 0 or 1), and we report what it said.
set +e
summary=$("$bin" check -q -f "$dir/m" 2>"$dir/stderr")
rc=$?
set -e
if [ "$rc" -gt 1 ]; then
    echo "check_scale: metalgate check exited $rc" >&2
    head -5 "$dir/stderr" >&2
    exit 1
fi
errors=$(grep -c . "$dir/stderr" || true)

echo "binary:   $bin ($("$bin" version))"
echo "input:    $n objects in $files files, $((bytes / 1024)) KiB"
echo "result:   exit $rc; ${summary:-$errors error lines}"
echo "machine:  $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"

cmd="$bin check -q -f $dir/m"
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 2 --runs "$runs" --ignore-failure --export-json "$dir/h.json" \
        --style basic "$cmd"
    mean=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' \
        "$dir/h.json")
    how="hyperfine, $runs runs"
else
    TIMEFORMAT=%R
    total=0
    "$bin" check -q -f "$dir/m" >/dev/null 2>&1 || true # warm the page cache
    for _ in $(seq "$runs"); do
        t=$({ time "$bin" check -q -f "$dir/m" >/dev/null 2>&1; } 2>&1 || true)
        total=$(/usr/bin/python3 -c "print($total + $t)")
    done
    mean=$(/usr/bin/python3 -c "print($total / $runs)")
    how="bash time, $runs runs"
fi

rss="n/a"
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$bin" check -q -f "$dir/m" >/dev/null 2>"$dir/time" || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time")
    rss="$((rss / 1024)) MiB"
fi

/usr/bin/python3 - "$n" "$mean" "$rss" "$how" <<'EOF'
import sys
n, mean, rss, how = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
print(f"mean:     {mean * 1000:.1f} ms ({how})")
print(f"rate:     {n / mean:,.0f} objects/s")
print(f"peak RSS: {rss}")
EOF

if [ "$count" = 1 ]; then
    if ! command -v valgrind >/dev/null; then
        echo "check_scale: -c needs valgrind" >&2
        exit 1
    fi
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
        "$bin" check -q -f "$dir/m" >/dev/null 2>"$dir/cg.log" || true
    instr=$(sed -n 's/.*I *refs: *//p' "$dir/cg.log" | tr -d ,)
    /usr/bin/python3 -c "import sys; i, n = int(sys.argv[1]), int(sys.argv[2]); \
print(f'instr:    {i:,} ({i // n:,} per object, callgrind)')" "$instr" "$n"
fi
