#!/bin/sh
# bench/run.sh [BUILD_DIR]: the `make bench` driver (benchmarks, not tests).
# Runs each benchmark in turn; each prints its own table with ratios against
# the reference tools it runs in the same invocation.  BENCH="capture probe"
# picks a subset (default: all present).  Always exits 0 once the tools are
# built: a missed target is a result, not a failure.
B=${1:-build}
cd "$(dirname "$0")/.." || exit 1
for b in ${BENCH:-capture probe load tui dns loop}; do
	[ -f "bench/$b.sh" ] || continue
	echo "==== bench/$b.sh"
	sh "bench/$b.sh" "$B"
	echo
done
exit 0
