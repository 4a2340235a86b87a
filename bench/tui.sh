#!/bin/sh
# bench/tui.sh [BUILD_DIR]: the dashboard's costs (a benchmark, not a test).
#
#  1. Idle CPU: the demo (tools/demo.sh's fixtures) in a tmux pane, after
#     its first cycle, for IDLE_S seconds (default 10), from utime+stime in
#     /proc/PID/stat.  Also with --interval 1 (a DNS check and a probe
#     every second).
#  2. A capture of EXCHANGES (default 100000) KMS exchanges from
#     bench/genbig.c replayed as fast as possible (--speed 0) in a pane:
#     time to the end, key latency while it runs (Tab sent, time until the
#     focused panel's title changes on the screen, through tmux), and peak
#     RSS (VmHWM).
#
# Needs tmux.  Key latency includes tmux's own capture round trip, so it is
# an upper bound.  Always exits 0 once the tools are built.
B=${1:-build}
cd "$(dirname "$0")/.." || exit 1
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
EXCHANGES=${EXCHANGES:-100000}
IDLE_S=${IDLE_S:-10}
W=$B/bench/tui
SOCK=kmsdiag-bench-$$
FILE=$W/big.pcap
TUI=$B/kmsdiag-tui
DEMO="-z fixtures/demo/corp.zone -r fixtures/kms-clientlist-6win-2office2016.pcap -t 1"
export TZ=UTC LC_ALL=C.UTF-8

die() { echo "bench/tui.sh: $*" >&2; exit 0; }
command -v tmux >/dev/null 2>&1 || die "tmux not installed"
[ -x "$TUI" ] || die "$TUI not built"
mkdir -p "$W" || die "cannot create $W"
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -f "$FILE"
	rm -f "$W/idle.pid" "$W/big.pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
# shellcheck disable=SC2046,SC2086	# word splitting of the flag lists is intended
$CC $FLAGS -Ilib -I"$B/gen" $($PKG_CONFIG --cflags libpcap jansson libcrypto) -o "$W/genbig" \
    bench/genbig.c "$B/libkmsdiag.a" $($PKG_CONFIG --libs libpcap jansson libcrypto ldns) -lm ||
    die "cannot build bench/genbig.c"

now_ns() { date +%s%N; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
screen() { tmux -L "$SOCK" capture-pane -p -t "$1"; }
# run SESSION ARGS...: the dashboard in an 80x24 pane; its pid in $W/SESSION.pid.
run() {
	sess=$1; shift
	rm -f "$W/$sess.pid"
	tmux -L "$SOCK" new-session -d -s "$sess" -x 80 -y 24 \
	    "sh -c 'echo \$\$ >$W/$sess.pid; exec $TUI $*'; sleep 600"
}
pane_pid() { cat "$W/$1.pid"; }
wait_for() {	# session regex timeout-s
	end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -le "$end" ]; do
		screen "$1" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
HZ=$(getconf CLK_TCK)

idle() {	# label args...
	label=$1; shift
	run idle "$@"
	wait_for idle 'cycle 1' 20 || { echo "  $label: did not start"; return; }
	sleep 1
	pid=$(pane_pid idle)
	t0=$(ticks "$pid")
	sleep "$IDLE_S"
	t1=$(ticks "$pid")
	awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v s="$IDLE_S" -v l="$label" \
	    'BEGIN { printf "  %-36s %5d ticks in %d s = %.2f%% of one CPU\n", l, b - a, s, (b - a) * 100 / (hz * s) }'
	tmux -L "$SOCK" kill-session -t idle
}

echo "bench: idle CPU of the dashboard (demo fixtures, 80x24)"
idle "idle, no --interval" $DEMO
idle "--interval 1 (DNS + probe each s)" $DEMO -I 1

echo "bench: generating $FILE (>= $EXCHANGES exchanges)"
"$W/genbig" -x "$EXCHANGES" -n 1 "$FILE" || die "genbig failed"
awk -v s="$(wc -c <"$FILE")" 'BEGIN { printf "  %.1f MiB\n", s / 1048576 }'

echo "bench: replay as fast as possible in the dashboard (80x24)"
t0=$(now_ns)
run big -r "$FILE" --speed 0
wait_for big 'capturing' 20 || die "the replay did not start"
pid=$(pane_pid big)
# Key latency while packets flow: Tab moves the focus; the title's star
# follows.  Panel order: checklist, hosts, DNS, traffic, clients.
lat=
n=0
for title in 'KMS hosts \*' 'DNS \*' 'Traffic .*\*' 'Clients .*\*' 'Checklist \*'; do
	screen big | grep -q 'capturing' || break
	k0=$(now_ns)
	tmux -L "$SOCK" send-keys -t big Tab
	wait_for big "─ $title" 10 || { echo "  key not seen: $title"; continue; }
	k1=$(now_ns)
	lat="$lat $(( (k1 - k0) / 1000000 ))"
	n=$((n + 1))
	sleep 0.2
done
wait_for big 'cycle 1' 600 || echo "  replay did not finish in 600 s"
t1=$(now_ns)
ev=$(screen big | sed -n 's/.*Traffic (\([0-9]*\) events.*/\1/p' | head -1)
[ -n "$ev" ] || { tmux -L "$SOCK" send-keys -t big Tab Tab Tab; sleep 0.5;
	ev=$(screen big | sed -n 's/.*Traffic (\([0-9]*\) events.*/\1/p' | head -1); }
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
cpu=$(ticks "$pid")
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "  replay to the end (wall, incl. start): %.2f s\n", (b - a) / 1e9 }'
echo "  events decoded: ${ev:-?}"
echo "  key latency (ms, Tab to screen change, $n keys):$lat"
echo "  peak RSS: ${hwm:-?} KiB"
awk -v c="$cpu" -v hz="$HZ" 'BEGIN { printf "  CPU time: %.2f s\n", c / hz }'
tmux -L "$SOCK" send-keys -t big q

# The same file without a screen, and through kmsdiag-capture, for scale.
echo "bench: the same replay without a screen"
for cmd in "$TUI --report -r $FILE" "$B/kmsdiag-capture --no-summary -r $FILE"; do
	t0=$(now_ns)
	$cmd >/dev/null 2>&1
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" -v c="${cmd%% *}" \
	    'BEGIN { n = split(c, p, "/"); printf "  %-36s %6.2f s\n", p[n] " " "-r", (b - a) / 1e9 }'
done
exit 0
