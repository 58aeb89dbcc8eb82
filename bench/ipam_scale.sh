#!/bin/sh
# Builds and runs the IPAM scale benchmark of issue 3: planning 100,000
# Services over pools totalling a /12 must take under 1 s and 200 MB.
# Prints the time of each run and the peak RSS; exits 1 over a limit.
#
# Usage: bench/ipam_scale.sh [BUILD_DIR]
#   BUILD_DIR defaults to $BUILD_DIR, else build-bench; a missing one is
#   configured as a release build (the benchmark is built with the unit tests).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-${BUILD_DIR:-build-bench}}
if [ ! -d "$dir" ]; then
    meson setup "$dir" --buildtype=release -Dunit_tests=true >/dev/null
fi
ninja -C "$dir" tests/unit/ipam/bench_ipam_scale >/dev/null
echo "ipam scale benchmark ($(uname -m), $(nproc) CPUs, build: $dir)"
exec "./$dir/tests/unit/ipam/bench_ipam_scale"
