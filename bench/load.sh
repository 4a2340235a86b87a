#!/bin/sh
# bench/load.sh [BUILD_DIR]: live capture under load (a benchmark, not a
# test; run by bench/run.sh, needs root and tcpreplay).
#
# Generates large captures with bench/genbig.c (different seeds, so every
# pass brings new clients), replays them onto lo with tcpreplay --topspeed
# while kmsdiag-capture -i lo decodes them live, and reports per run:
# packets replayed, packets of the KMS port the kernel saw, dropped, and
# kmsdiag-capture decoded, exchanges decoded against the number in the
# files, flows evicted, clients remembered and dropped at the cap, and the
# memory: resident size after every pass and the peak (VmHWM).
#
# Memory must stay bounded: after the client table is full (KD_MAX_CLIENTS;
# 3 passes of 100,000 exchanges bring about 200,000 distinct clients), one
# more pass must not grow the resident size by more than GROWTH_PCT
# (default 10).  Prints "bounded: yes" or "bounded: NO", and where the
# peak goes: the engine (the same files read with -r, GNU time) and the
# kernel packet ring (its mapping in /proc/PID/smaps: libpcap gives each
# frame at least a page, so the ring can take twice -B).  Under loss the
# live engine holds more than offline: connections that lost their FIN
# stay open, with their buffers, until they are evicted.
#
# Environment: EXCHANGES, PACKETS (per pass; default 100000, 1000000),
# PASSES (default 3), OPTS (kmsdiag-capture options for the tuned run;
# default "-s 2048 -B 65536"), GROWTH_PCT, KEEP=1 (keep the files), CC,
# PKG_CONFIG.  Exits 0 once it ran: a missed target is a result.

set -u

B=${1:-build}
EXCHANGES=${EXCHANGES:-100000}
PACKETS=${PACKETS:-1000000}
PASSES=${PASSES:-3}
OPTS=${OPTS:--s 2048 -B 65536}
GROWTH_PCT=${GROWTH_PCT:-10}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CAPTURE=$B/kmsdiag-capture
W=$B/bench/load
CPID=

die() {
	echo "bench load: $*" >&2
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	echo "bench load: skipped (needs root to capture and to replay onto lo)"
	exit 0
fi
for t in tcpreplay jq; do
	command -v $t >/dev/null 2>&1 || {
		echo "bench load: skipped ($t not installed: apt-get install $t)"
		exit 0
	}
done
[ -f "$B/libkmsdiag.a" ] && [ -x "$CAPTURE" ] ||
	die "$B/libkmsdiag.a or $CAPTURE missing: run 'make' first (or 'make bench')"
mkdir -p "$W" || die "cannot create $W"
chmod 755 "$W"

cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -f "$W"/pass*.pcap
	rm -f "$W/fifo"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Makefile's warning flags; the bench sources are not in its wildcards.
FLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
# shellcheck disable=SC2046,SC2086
$CC $FLAGS -Ilib -I"$B/gen" $($PKG_CONFIG --cflags libpcap jansson libcrypto) -o "$W/genbig" \
    bench/genbig.c "$B/libkmsdiag.a" $($PKG_CONFIG --libs libpcap jansson libcrypto ldns) -lm ||
    die "cannot build bench/genbig.c"

# Exchanges per file as kmsdiag-capture -r decodes them: what live should find.
files=
i=1
while [ "$i" -le "$PASSES" ]; do
	f=$W/pass$i.pcap
	if [ ! -s "$f" ]; then
		"$W/genbig" -x "$EXCHANGES" -n "$PACKETS" -s "$i" "$f" >"$W/gen$i.txt" ||
		    die "genbig failed"
	fi
	"$CAPTURE" -r "$f" --json | tail -1 | jq .exchanges >"$W/x$i.txt"
	files="$files $f"
	i=$((i + 1))
done

# The engine alone over every file: the memory the live run adds the ring to.
OFFLINE_KIB=
if [ -x /usr/bin/time ]; then
	# shellcheck disable=SC2086
	OFFLINE_KIB=$(/usr/bin/time -f %M "$CAPTURE" --json --no-summary -r $files 2>&1 >/dev/null | tail -1)
fi

status_kib() {	# status_kib PID FIELD: VmRSS / VmHWM in KiB
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null
}
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null
}
# Until the capture has used no CPU for 0.5 s: the ring is drained.
settle() {
	last=-1 n=0
	while [ $n -lt 600 ]; do
		t=$(cpu_ticks "$1")
		[ -z "$t" ] && return
		if [ "$t" = "$last" ]; then return; fi
		last=$t
		sleep 0.5
		n=$((n + 1))
	done
}
uid_of() {
	awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null
}
json_num() {	# json_num FILE TYPE KEY
	jq -r "select(.type == \"$2\") | .$3" "$1" 2>/dev/null | head -1
}

# run LABEL PASSES OPTIONS...: one live capture over PASSES files.
run() {
	label=$1 passes=$2
	tag=$(echo "$label" | tr -c 'a-zA-Z0-9\n' _)
	shift 2
	rm -f "$W/fifo" "$W/$tag.last"
	mkfifo "$W/fifo" || die "mkfifo failed"
	# Only the summary and the statistics are kept; exchanges go by.
	tail -n 2 <"$W/fifo" >"$W/$tag.last" &
	tailpid=$!
	"$CAPTURE" -i lo --json "$@" >"$W/fifo" 2>"$W/$tag.err" &
	CPID=$!
	n=0
	while [ "$(uid_of "$CPID")" != "$(id -u nobody)" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	replayed=0 rss_list=
	p=1
	while [ "$p" -le "$passes" ]; do
		r=$(tcpreplay --topspeed -i lo "$W/pass$p.pcap" 2>&1 |
		    sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p')
		replayed=$((replayed + ${r:-0}))
		settle "$CPID"
		rss_list="$rss_list $(status_kib "$CPID" VmRSS)"
		p=$((p + 1))
	done
	hwm=$(status_kib "$CPID" VmHWM)
	# The packet ring is the process's mapping of its packet socket.
	ring=$(awk '/socket:\[/ {getline; print $2; exit}' "/proc/$CPID/smaps" 2>/dev/null)
	kill -INT "$CPID"
	wait "$CPID"
	rc=$?
	CPID=
	wait "$tailpid"
	rm -f "$W/fifo"
	file_x=0
	p=1
	while [ "$p" -le "$passes" ]; do
		x=$(cat "$W/x$p.txt")
		file_x=$((file_x + x))
		p=$((p + 1))
	done
	s=$W/$tag.last
	printf '%-28s %9s %9s %9s %9s %8s/%-8s %7s %7s/%-7s %8s  %s\n' "$label" "$replayed" \
	    "$(json_num "$s" capture_stats kernel_received)" \
	    "$(json_num "$s" capture_stats kernel_dropped)" \
	    "$(json_num "$s" capture_stats packets)" \
	    "$(json_num "$s" summary exchanges)" "$file_x" \
	    "$(json_num "$s" summary flows_evicted)" \
	    "$(json_num "$s" summary clients_total)" \
	    "$(grep -o '[0-9]* clients not tracked' "$s" | head -1 | sed 's/[^0-9]//g')" \
	    "$hwm" "RSS after each pass (KiB):$rss_list; packet ring ${ring:-?} KiB; exit $rc"
	LAST_RSS=$rss_list
	LAST_HWM=$hwm
	LAST_RING=${ring:-}
}

echo "Live capture on lo under tcpreplay --topspeed; files: $PASSES x ($(head -1 "$W/gen1.txt" | cut -d' ' -f1-4))"
echo "Kernel counters count each lo packet twice (sent and received); libpcap delivers it once."
printf '%-28s %9s %9s %9s %9s %17s %7s %15s %8s\n' "run" "replayed" "k.recv" "k.drop" \
    "captured" "exchanges/in file" "evicted" "clients/dropped" "peak KiB"
run "defaults, 1 pass" 1
# shellcheck disable=SC2086	# OPTS is a list of options
run "$OPTS, $PASSES passes" "$PASSES" $OPTS
# The resident size must stop growing once the caps are reached.
ring_kib=${LAST_RING:-0}
verdict=yes why=
# shellcheck disable=SC2086
set -- $LAST_RSS
if [ $# -ge 2 ]; then
	eval "prev=\${$(($# - 1))}"
	eval "last=\${$#}"
	growth=$(( (last - prev) * 100 / prev ))
	why="last pass grew the resident size by $growth% (limit $GROWTH_PCT%)"
	[ "$growth" -le "$GROWTH_PCT" ] || verdict=NO
fi
echo "bounded: $verdict ($why)"
echo "peak $LAST_HWM KiB = packet ring $ring_kib KiB + engine and buffers $((LAST_HWM - ring_kib)) KiB" \
    "(the engine alone over the same files with -r: ${OFFLINE_KIB:-?} KiB)"
exit 0
