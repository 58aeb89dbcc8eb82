#!/usr/bin/env bash
# The BGP anchor of ../shared/reference/anchors.md, side by side in one run:
# BIRD 2 as the router in a network namespace, and each speaker in turn --
# GoBGP, FRR (bgpd + zebra), metalgate (`metalgate run`; "metalgate: not yet"
# while `BINARY run --help` does not exist) -- announcing N /32 prefixes over
# eBGP (64512 -> 65001). Measures the time from the speaker's start until
# BIRD holds all N (bounded polling of BIRD's control socket), the time until
# the session is up, and the speaker's RSS at that moment; prints a table
# with the ratio to the best anchor (the faster of GoBGP and FRR).
#
#   bench/bgp_convergence.sh [-n PREFIXES] [-r RUNS] [-s gobgp,frr,metalgate]
#                            [-t TIMEOUT_S] [-b BINARY]
#
#   -n  prefixes (default 100000; -n 1000000 for the big run)
#   -r  runs per speaker, median reported (default 3 up to 100,000, else 1)
#   -t  give up on a speaker after this many seconds (default 60 + N/2000)
#   -b  metalgate binary (default build/metalgate)
#
# Needs root (network namespaces) and bird2, frr, gobgpd (scripts/install-deps).
# Traffic stays inside the namespaces it creates (198.18.0.0/15), which it
# removes on exit, with every process it started (stopped by PID).
# bench/bgp_convergence.py has the details; results go to bench/RESULTS.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
-h | --help)
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "bgp_convergence: needs root (network namespaces)" >&2
    exit 2
fi
args=()
while getopts "n:r:s:t:b:" opt; do
    case "$opt" in
    n) args+=(-n "$OPTARG") ;;
    r) args+=(-r "$OPTARG") ;;
    s) args+=(-s "$OPTARG") ;;
    t) args+=(-t "$OPTARG") ;;
    b) args+=(-b "$OPTARG") ;;
    *) exit 2 ;;
    esac
done
exec /usr/bin/python3 "$root/bench/bgp_convergence.py" "${args[@]}"
