#!/bin/sh
# bench/loop.sh BUILD_DIR: the cost of one event in kd_loop (epoll, timer
# heap) with 20,000 fds and 20,000 timers waiting, against a poll(2) loop
# that rebuilds its pollfd array and scans every timer on each wakeup, in
# the same run (bench/loop.c).  Target: the cost of an event does not grow
# with what is waiting (microseconds, where the scan takes milliseconds).
# A benchmark, not a test: always exits 0.  Environment: NFDS, NTIMERS,
# EVENTS, REF_EVENTS, CC.
set -u
B=${1:-build}
CC=${CC:-cc}
W=$B/bench
[ -f "$B/libkmsdiag.a" ] || { echo "bench/loop: $B/libkmsdiag.a missing: run 'make' first"; exit 0; }
mkdir -p "$W" || exit 0
FLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
# shellcheck disable=SC2086
$CC $FLAGS -Ilib -o "$W/loop" bench/loop.c "$B/libkmsdiag.a" || { echo "bench/loop: cannot build"; exit 0; }
"$W/loop" "${NFDS:-20000}" "${NTIMERS:-20000}" "${EVENTS:-20000}" "${REF_EVENTS:-1000}" > "$W/loop.out" ||
    { echo "bench/loop: failed"; exit 0; }
awk '
	$1 == "kd_loop" { k = $6; fds = $2; tm = $3 }
	$1 == "poll-scan" { r = $6 }
	{ printf "  %-10s %6d fds %6d timers %7d events %8.3f s %10.2f us/event\n", $1, $2, $3, $4, $5, $6 }
	END {
		if (k > 0)
			printf "  poll-scan / kd_loop per event: %.0fx\n", r / k
		printf "  target (an event costs microseconds with %d fds and %d timers waiting): %s\n",
		    fds, tm, (k > 0 && k < 50) ? "met" : "NOT met"
	}' "$W/loop.out"
rm -f "$W/loop" "$W/loop.out"
exit 0
