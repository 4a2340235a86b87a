#!/bin/sh
# bench/capture.sh [BUILD_DIR]: kmsdiag-capture against a bare libpcap loop
# and tshark on one large file (a benchmark, not a test; run by bench/run.sh).
#
# Builds bench/genbig.c and bench/bare.c against BUILD_DIR/libkmsdiag.a,
# generates one large capture under BUILD_DIR/bench/, then times on that
# same file: a bare libpcap read loop (the floor), kmsdiag-capture in JSON
# and in text mode, and tshark when it is installed (on a prefix of the
# file, extrapolated).  Prints a table and the two targets of issue 2.
# Always exits 0 once the tools are built: missing a target is a result.
#
# Environment: RUNS (timed runs per tool, best wall time kept; default 3),
# EXCHANGES and PACKETS (generator minimums; default 100000 and 1000000),
# TSHARK_PACKETS (prefix size for tshark; default 100000), KEEP=1 (keep
# the generated files), CC, PKG_CONFIG.

set -u

B=${1:-build}
RUNS=${RUNS:-3}
EXCHANGES=${EXCHANGES:-100000}
PACKETS=${PACKETS:-1000000}
TSHARK_PACKETS=${TSHARK_PACKETS:-100000}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CAPTURE=$B/kmsdiag-capture
W=$B/bench
FILE=$W/big.pcap
PREFIX=$W/prefix.pcap
RES=$W/results

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -f "$B/libkmsdiag.a" ] && [ -x "$CAPTURE" ] ||
	die "$B/libkmsdiag.a or $CAPTURE missing: run 'make' first (or 'make bench')"
command -v "$PKG_CONFIG" >/dev/null 2>&1 || die "pkg-config not found"
mkdir -p "$W" || die "cannot create $W"

cleanup() {
	if [ "${KEEP:-0}" != 1 ]; then
		rm -f "$FILE" "$PREFIX"
	fi
	rm -f "$RES" "$W/time.out" "$W/out.txt"
	[ -s "$W/stderr.log" ] || rm -f "$W/stderr.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The Makefile's warning flags; the bench sources are not in its wildcards.
FLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
PCFLAGS=$($PKG_CONFIG --cflags libpcap jansson libcrypto) || die "pkg-config --cflags failed"
PCLIBS=$($PKG_CONFIG --libs libpcap jansson libcrypto ldns) || die "pkg-config --libs failed"
# shellcheck disable=SC2046,SC2086	# word splitting of the flag lists is intended
$CC $FLAGS -Ilib -I"$B/gen" $PCFLAGS -o "$W/genbig" bench/genbig.c "$B/libkmsdiag.a" \
    $PCLIBS -lm || die "cannot build bench/genbig.c"
# shellcheck disable=SC2046,SC2086
$CC $FLAGS $($PKG_CONFIG --cflags libpcap) -o "$W/bare" bench/bare.c \
    $($PKG_CONFIG --libs libpcap) || die "cannot build bench/bare.c"

# Wall time from the monotonic-enough nanosecond clock of GNU date; peak
# RSS from GNU time (Debian package "time") when present.
if [ -x /usr/bin/time ]; then
	HAVE_TIME=1
else
	HAVE_TIME=0
	echo "bench: /usr/bin/time not found (apt-get install time): peak memory not measured"
fi
now_ns() {
	date +%s%N
}

# measure LABEL NOTE CMD...: run CMD RUNS times (stdout to /dev/null), keep
# the best wall time and the largest peak RSS, append "LABEL|s|KiB|rc|NOTE".
measure() {
	label=$1
	note=$2
	shift 2
	best=
	rss=0
	rc=0
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		i=$((i + 1))
		t0=$(now_ns)
		if [ "$HAVE_TIME" = 1 ]; then
			/usr/bin/time -f '%M' -o "$W/time.out" "$@" >/dev/null 2>>"$W/stderr.log"
			rc=$?
		else
			"$@" >/dev/null 2>>"$W/stderr.log"
			rc=$?
		fi
		t1=$(now_ns)
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		if [ "$HAVE_TIME" = 1 ]; then
			# GNU time puts "Command exited with non-zero status N" first.
			r=$(tail -n 1 "$W/time.out")
			[ "$r" -gt "$rss" ] 2>/dev/null && rss=$r
		fi
		if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall
		fi
	done
	[ "$HAVE_TIME" = 1 ] || rss=-
	echo "$label|$best|$rss|$rc|$note" >>"$RES"
	printf '  %-34s best of %d: %6.3f s\n' "$label" "$RUNS" "$best"
}

: >"$RES"
: >"$W/stderr.log"

echo "bench: generating $FILE (>= $EXCHANGES exchanges, >= $PACKETS packets)"
t0=$(now_ns)
GEN=$("$W/genbig" -x "$EXCHANGES" -n "$PACKETS" "$FILE") || die "genbig failed"
t1=$(now_ns)
echo "  $GEN"
SIZE=$(wc -c <"$FILE")
awk -v a="$t0" -v b="$t1" -v s="$SIZE" \
    'BEGIN { printf "  %.1f MiB written in %.1f s\n", s / 1048576, (b - a) / 1e9 }'
NPKT=$("$W/bare" "$FILE" | awk '{ print $2 }')
[ -n "$NPKT" ] && [ "$NPKT" -gt 0 ] || die "bare loop could not read $FILE"

# Sanity: the decoder must find every exchange the generator wrote, or the
# timings below measure the wrong thing.  (Also warms the page cache.)
GEN_X=$(echo "$GEN" | awk '{ for (i = 1; i < NF; i++) if ($i == "exchanges") print $(i + 1) }')
"$CAPTURE" -r "$FILE" >"$W/out.txt" 2>>"$W/stderr.log"
SUMMARY=$(grep '^Summary:' "$W/out.txt")
rm -f "$W/out.txt"
echo "  kmsdiag-capture: $SUMMARY (generator wrote $GEN_X exchanges)"
case $SUMMARY in
*" $GEN_X exchanges, 0 errors"*) ;;
*) echo "  WARNING: decoded exchanges or errors differ from what was generated" ;;
esac

echo "bench: timing on $NPKT packets (all runs on the same file, page cache warm)"
measure "bare libpcap loop" "" "$W/bare" "$FILE"
measure "kmsdiag-capture --json" "" "$CAPTURE" -r "$FILE" --json --no-summary
measure "kmsdiag-capture (text)" "" "$CAPTURE" -r "$FILE"

if command -v tshark >/dev/null 2>&1; then
	# tshark needs minutes for the whole file: time a prefix and scale.
	if command -v editcap >/dev/null 2>&1; then
		editcap -r "$FILE" "$PREFIX" "1-$TSHARK_PACKETS" >/dev/null 2>&1 ||
		    die "editcap failed"
	else
		"$W/genbig" -x $((EXCHANGES * TSHARK_PACKETS / PACKETS)) -n "$TSHARK_PACKETS" \
		    "$PREFIX" >/dev/null || die "genbig (prefix) failed"
	fi
	PPKT=$("$W/bare" "$PREFIX" | awk '{ print $2 }')
	SAVE_RUNS=$RUNS
	RUNS=1
	# -n: no name lookups (the addresses are documentation ranges anyway).
	measure "tshark -n -r (extrapolated)" "$PPKT" tshark -n -r "$PREFIX"
	RUNS=$SAVE_RUNS
else
	echo "tshark: not installed (apt-get install tshark)"
fi

echo
awk -F'|' -v n="$NPKT" -v errlog="$W/stderr.log" '
	NR == 1 { bare = $2 }
	{
		wall = $2
		if ($5 != "")		# tshark: timed on $5 packets, scaled to n
			wall = $2 * n / $5
		mib = $3 == "-" ? "n/a" : sprintf("%.1f", $3 / 1024)
		label = $1
		if ($5 != "")
			mib = mib " (prefix)"
		printf "%-30s %9.3f %12.0f %8.2f %16s\n", label, wall, n / wall,
		    wall / bare, mib
		if ($4 != 0 && $4 != 1 && $4 != 2)
			bad = bad sprintf("  note: %s exited with status %s (see %s)\n",
			    $1, $4, errlog)
	}
	BEGIN {
		printf "%-30s %9s %12s %8s %16s\n", "tool", "wall s", "packets/s",
		    "vs bare", "peak MiB"
	}
	END {
		printf "%s", bad
	}
' "$RES"
echo

# The targets of issue 2, on the slower of the two capture modes.
awk -F'|' '
	NR == 1 { bare = $2; next }
	$1 ~ /^kmsdiag-capture/ {
		r = $2 / bare
		if (r > ratio) { ratio = r; rmode = $1 }
		if ($3 != "-" && $3 / 1024 > mem) { mem = $3 / 1024; mmode = $1 }
		if ($3 == "-") nomem = 1
	}
	END {
		printf "capture/bare ratio: %.2f (target <= 2.0) %s [%s]\n", ratio,
		    ratio <= 2.0 ? "met" : "MISSED", rmode
		if (nomem)
			print "peak memory: n/a (target < 64 MiB): install GNU time"
		else
			printf "peak memory: %.1f MiB (target < 64 MiB) %s [%s]\n", mem,
			    mem < 64 ? "met" : "MISSED", mmode
	}
' "$RES"
if grep -q '^tshark' "$RES"; then
	echo "tshark: timed on the first $PPKT packets, wall time scaled to $NPKT packets"
fi
if [ "${KEEP:-0}" = 1 ]; then
	echo "bench: kept $FILE"
fi
exit 0
