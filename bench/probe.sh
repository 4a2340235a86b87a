#!/bin/sh
# bench/probe.sh BUILD_DIR: kmsdiag-probe against nmap and a sequential nc
# loop on the same lists of 1,000, 5,000 and 20,000 targets.  A benchmark,
# not a test: it always exits 0 and prints, for each size, whether the
# target (total time about one timeout, every class right, true
# latencies) is met.
#
# Two network namespaces joined by a veth pair.  The server namespace
# treats a whole /16 of the RFC 2544 benchmarking range (198.19.0.0/16) as
# local addresses (a "local" route: no 20,000 addresses to add), and one
# test KMS responder listens on 0.0.0.0:1688 there.  nftables in the server
# namespace sorts the targets into three classes, interleaved so that any
# prefix of the list has the same mix:
#   index % 3 == 0  open      the responder answers (TCP and DCE/RPC bind)
#   index % 3 == 1  refused   reject with tcp reset
#   index % 3 == 2  filtered  drop: no answer at all
# Every tool runs in the client namespace on the same list, with a 3 s
# timeout:
#   kmsdiag-probe --tcp-only -t 3 -f LIST, and the default RPC mode
#   nmap -n -Pn -sT -p 1688 --max-retries 0 --min-rtt-timeout 3000ms
#        --initial-rtt-timeout 3000ms --max-rtt-timeout 3000ms -iL LIST
#        (one connect attempt per target, given up after exactly 3 s: the
#        same rules as kmsdiag-probe), and once more without
#        --min-rtt-timeout: nmap then shrinks its timeout to what the fast
#        answers of the open and refused targets suggest (100 ms here), a
#        different rule that the table shows separately
#   for each target: nc -z -v -w 3 ADDR 1688, one after the other
# A sequential nc loop spends 3 s on each filtered target (about 17
# minutes for 1,000), so by default it runs on the first NC_TARGETS (60)
# of the list and its time is scaled to the whole list, labelled as
# extrapolated; NC_TARGETS=all runs it on every target.
#
# Latency: the round trip between the namespaces is measured on its own
# (the median of kmsdiag-probe -n 20 on one open address, which agrees
# with ping); every open target's connect_ms in the big runs should agree
# with it within a millisecond.  The table gives the median and the 99th
# percentile of connect_ms and rpc_ms over the open targets.
#
# Environment: SIZES (default "1000 5000 20000"; each at most 60000),
# NC_TARGETS (60 or "all"), TIMEOUT (seconds, default 3), NMAP (0 skips
# nmap at the sizes above 1,000, where it takes minutes).  The probe runs
# with default options only (no --parallel): the point is what a user
# gets.  Needs root, ip and nft; nmap and
# nc (packages nmap, netcat-openbsd) are optional.  No traffic leaves the
# two namespaces.

set -u

B=${1:-build}
SIZES=${SIZES:-${TARGETS:-1000 5000 20000}}
NMAP=${NMAP:-1}
NC_TARGETS=${NC_TARGETS:-60}
TIMEOUT=${TIMEOUT:-3}
PROBE=$B/kmsdiag-probe
RESP=$B/tests/kms-responder
NS_C=kdb-c-$$
NS_S=kdb-s-$$
NETNS_UP=
RESP_PID=
TMP=

say() { echo "bench/probe: $*"; }

if [ "$(id -u)" != 0 ]; then
	say "skipped: needs root to create network namespaces"
	exit 0
fi
for c in ip nft jq; do
	if ! command -v $c >/dev/null 2>&1; then
		say "skipped: $c is not installed"
		exit 0
	fi
done
for f in "$PROBE" "$RESP"; do
	if [ ! -x "$f" ]; then
		say "skipped: $f is not built (make tests)"
		exit 0
	fi
done
for n in $SIZES; do
	case $n in
	'' | *[!0-9]*) say "SIZES=$SIZES: not a list of numbers"; exit 0 ;;
	esac
	if [ "$n" -lt 3 ] || [ "$n" -gt 60000 ]; then
		say "each size must be 3..60000"
		exit 0
	fi
done
MAXN=$(printf '%s\n' $SIZES | sort -n | tail -1)

cleanup() {
	if [ -n "$RESP_PID" ]; then
		kill "$RESP_PID" 2>/dev/null
		wait "$RESP_PID" 2>/dev/null
	fi
	if [ -n "$NETNS_UP" ]; then
		ip netns del "$NS_C" 2>/dev/null
		ip netns del "$NS_S" 2>/dev/null
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdbench.XXXXXX") || exit 0

# ---- the target lists and their ground truth ------------------------------
# Target i (0-based) is 198.19.0.0 + i + 1; its class is i % 3.  The lists
# of every size are prefixes of the largest, so one nftables rule set
# serves them all.
mklist() {
	awk -v n="$1" -v dir="$TMP" 'BEGIN {
		for (i = 0; i < n; i++) {
			o = i + 1
			a = "198.19." int(o / 256) "." (o % 256)
			print a > (dir "/list")
			print a > (dir "/" (i % 3 == 0 ? "open" : i % 3 == 1 ? "refused" : "filtered"))
		}
	}'
	T_OPEN=$(wc -l <"$TMP/open")
	T_REF=$(wc -l <"$TMP/refused")
	T_FIL=$(wc -l <"$TMP/filtered")
}
mklist "$MAXN"

# ---- namespaces -----------------------------------------------------------
setup() {
	ip netns add "$NS_C" || return 1
	NETNS_UP=1
	ip netns add "$NS_S" || return 1
	ip -n "$NS_C" link set lo up
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" link add kdbc0 type veth peer name kdbs0 netns "$NS_S" || return 1
	ip -n "$NS_C" addr add 198.18.0.1/24 dev kdbc0
	ip -n "$NS_S" addr add 198.18.0.2/24 dev kdbs0
	ip -n "$NS_C" link set kdbc0 up
	ip -n "$NS_S" link set kdbs0 up
	ip -n "$NS_C" route add 198.19.0.0/16 via 198.18.0.2 || return 1
	# Every address of the /16 is local in the server namespace.
	ip -n "$NS_S" route add local 198.19.0.0/16 dev lo || return 1
	# Thousands of connections at once to one listener: room in its queues.
	ip netns exec "$NS_S" sysctl -q -w net.core.somaxconn=65535 \
	    net.ipv4.tcp_max_syn_backlog=65535 || return 1
	{
		echo "table ip kdbench {"
		for set in refused filtered; do
			printf '\tset %s {\n\t\ttype ipv4_addr\n\t\telements = { ' "$set"
			paste -sd, "$TMP/$set"
			printf '\t\t}\n\t}\n'
		done
		printf '\tchain input {\n'
		printf '\t\ttype filter hook input priority 0; policy accept;\n'
		printf '\t\tip daddr @refused tcp dport 1688 reject with tcp reset\n'
		printf '\t\tip daddr @filtered tcp dport 1688 drop\n'
		printf '\t}\n}\n'
	} >"$TMP/rules.nft"
	ip netns exec "$NS_S" nft -f "$TMP/rules.nft" || return 1
	# The responder must outlive a full nc run (NC_TARGETS=all).
	ip netns exec "$NS_S" "$RESP" --listen 0.0.0.0 --port 1688 --lifetime 3600 \
	    >"$TMP/resp.out" 2>&1 &
	RESP_PID=$!
	i=0
	until grep -q '^PORT 1688' "$TMP/resp.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$RESP_PID" 2>/dev/null; then
			cat "$TMP/resp.out" >&2
			return 1
		fi
		sleep 0.05
	done
	return 0
}
if ! setup; then
	say "skipped: could not set up the namespaces (see above)"
	exit 0
fi
NX="ip netns exec $NS_C"

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# row TOOL TARGETS WALL_S MATCH: one line of the results, kept for the table.
# The last field is the size's kmsdiag-probe --tcp-only time, for the ratio.
row() { printf '%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "${REF:-0}" >>"$TMP/rows"; }

# match OPEN REFUSED FILTERED [WANT_OPEN WANT_REF WANT_FIL]: "yes", or the counts.
match() {
	wo=${4:-$T_OPEN} wr=${5:-$T_REF} wf=${6:-$T_FIL}
	if [ "$1" = "$wo" ] && [ "$2" = "$wr" ] && [ "$3" = "$wf" ]; then
		echo "yes ($1/$2/$3)"
	else
		echo "NO: $1/$2/$3, expected $wo/$wr/$wf"
	fi
}

# Per-address ground truth check on kmsdiag-probe's JSON: every address in
# the class its nftables rule puts it in.
probe_exact() {
	jq -r '[.address, .state] | @tsv' "$1" | sort >"$TMP/got"
	for c in open refused filtered; do sed "s/\$/	$c/" "$TMP/$c"; done | sort >"$TMP/want"
	cmp -s "$TMP/got" "$TMP/want"
}

# ---- the round trip, measured alone ------------------------------------------
RTT=$($NX "$PROBE" --json --tcp-only -n 20 --interval 0.01 198.19.0.1 | jq '.connect_ms')
[ -n "$RTT" ] || RTT=null

# stats FILE FIELD: "median/p99" of FIELD over the open targets, in ms.
stats() {
	jq -r 'select(.state == "open") | .'"$2"' // empty' "$1" | sort -g | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) { print "-"; exit }
		m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.99 + 0.5) < 1 ? 1 : int(NR * 0.99 + 0.5)]
		printf "%.3f/%.3f", m, p
	}'
}

for TARGETS in $SIZES; do
mklist "$TARGETS"
# ---- kmsdiag-probe ------------------------------------------------------------
for mode in tcp rpc; do
	if [ $mode = tcp ]; then flags=--tcp-only; label="kmsdiag-probe --tcp-only"; else flags=; label="kmsdiag-probe (RPC bind)"; fi
	t0=$(now_ns)
	# shellcheck disable=SC2086
	$NX "$PROBE" --json $flags -t "$TIMEOUT" -f "$TMP/list" >"$TMP/probe-$mode.json" 2>"$TMP/probe-$mode.err"
	t1=$(now_ns)
	w=$(secs "$t0" "$t1")
	[ $mode = tcp ] && REF=$w
	o=$(jq -s 'map(select(.state == "open")) | length' "$TMP/probe-$mode.json")
	r=$(jq -s 'map(select(.state == "refused")) | length' "$TMP/probe-$mode.json")
	f=$(jq -s 'map(select(.state == "filtered")) | length' "$TMP/probe-$mode.json")
	m=$(match "$o" "$r" "$f")
	if ! probe_exact "$TMP/probe-$mode.json"; then
		m="NO: some address is in the wrong class ($o/$r/$f)"
	fi
	if [ $mode = rpc ]; then
		k=$(jq -s 'map(select(.rpc == "kms")) | length' "$TMP/probe-$mode.json")
		m="$m, rpc kms $k/$T_OPEN"
	fi
	c=$(stats "$TMP/probe-$mode.json" connect_ms)
	m="$m, connect ms median/p99 $c"
	[ $mode = rpc ] && m="$m, rpc ms $(stats "$TMP/probe-$mode.json" rpc_ms)"
	row "$label" "$TARGETS" "$w" "$m"
	[ $mode = tcp ] && P99=${c#*/}
done

# ---- nmap -----------------------------------------------------------------------
NMAP_ADAPTIVE="-n -Pn -sT -p 1688 --max-retries 0 --initial-rtt-timeout ${TIMEOUT}000ms --max-rtt-timeout ${TIMEOUT}000ms"
NMAP_FIXED="$NMAP_ADAPTIVE --min-rtt-timeout ${TIMEOUT}000ms"
for kind in fixed adaptive; do
	if [ $kind = fixed ]; then flags=$NMAP_FIXED; label="nmap -sT (fixed ${TIMEOUT} s timeout)"; else flags=$NMAP_ADAPTIVE; label="nmap -sT (adaptive, max ${TIMEOUT} s)"; fi
	if ! command -v nmap >/dev/null 2>&1; then
		row "$label" "$TARGETS" "not installed" "-"
		continue
	fi
	if [ "$NMAP" = 0 ] && [ "$TARGETS" -gt 1000 ]; then
		row "$label" "$TARGETS" "skipped" "(NMAP=0)"
		continue
	fi
	t0=$(now_ns)
	# shellcheck disable=SC2086
	$NX nmap $flags -iL "$TMP/list" -oG "$TMP/nmap.gnmap" >/dev/null 2>"$TMP/nmap.err"
	t1=$(now_ns)
	o=$(grep -c '1688/open/' "$TMP/nmap.gnmap")
	r=$(grep -c '1688/closed/' "$TMP/nmap.gnmap")
	f=$(grep -c '1688/filtered/' "$TMP/nmap.gnmap")
	row "$label" "$TARGETS" "$(secs "$t0" "$t1")" "$(match "$o" "$r" "$f")"
done

# ---- sequential nc loop ----------------------------------------------------------
# Measured once, on the first NC_TARGETS of the first size; every size's
# row scales the same per-target time.
if ! command -v nc >/dev/null 2>&1; then
	row "nc -z -w $TIMEOUT loop" "$TARGETS" "not installed" "-"
elif [ -z "${NC_N:-}" ]; then
	if [ "$NC_TARGETS" = all ] || [ "$NC_TARGETS" -ge "$TARGETS" ] 2>/dev/null; then
		NC_N=$TARGETS
	else
		case $NC_TARGETS in '' | *[!0-9]*) NC_TARGETS=60 ;; esac
		NC_N=$NC_TARGETS
		[ "$NC_N" -lt 3 ] && NC_N=3
	fi
	head -n "$NC_N" "$TMP/list" >"$TMP/nclist"
	o=0 r=0 f=0
	t0=$(now_ns)
	while read -r a; do
		# -v: "succeeded" when open, "refused" on a reset, else a timeout.
		$NX nc -z -v -w "$TIMEOUT" "$a" 1688 >"$TMP/nc.out" 2>&1
		if grep -q succeeded "$TMP/nc.out"; then o=$((o + 1))
		elif grep -q refused "$TMP/nc.out"; then r=$((r + 1))
		else f=$((f + 1)); fi
	done <"$TMP/nclist"
	t1=$(now_ns)
	NC_NS=$((t1 - t0))
	wo=$(awk 'NR % 3 == 1' "$TMP/nclist" | wc -l)
	wr=$(awk 'NR % 3 == 2' "$TMP/nclist" | wc -l)
	wf=$(awk 'NR % 3 == 0' "$TMP/nclist" | wc -l)
	NC_MATCH=$(match $o $r $f "$wo" "$wr" "$wf")
	row "nc -z -w $TIMEOUT loop (measured)" "$NC_N" "$(secs 0 "$NC_NS")" "$NC_MATCH"
fi
if [ -n "${NC_NS:-}" ] && [ "$NC_N" != "$TARGETS" ]; then
	row "nc -z -w $TIMEOUT loop (EXTRAPOLATED)" "$TARGETS" \
	    "$(awk -v ns="$NC_NS" -v n="$NC_N" -v t="$TARGETS" \
	    'BEGIN { printf "%.2f", ns / 1e9 * t / n }')" "(from the $NC_N measured)"
fi

echo "$TARGETS|$REF|${P99:-}" >>"$TMP/summary"
done

# ---- table -------------------------------------------------------------------------
echo "kmsdiag-probe vs nmap vs nc: sizes $SIZES (a third each open, refused, filtered), timeout $TIMEOUT s, default options"
echo "nmap flags (fixed): $NMAP_FIXED"
echo "nmap flags (adaptive): $NMAP_ADAPTIVE"
echo "round trip measured alone (kmsdiag-probe -n 20 on one open address): $RTT ms"
echo
awk -F'|' '
BEGIN {
	printf "%-38s %8s %10s %9s  %s\n", "tool", "targets", "wall s", "vs probe", "classes match ground truth (open/refused/filtered); latencies"
}
{
	ratio = ($3 ~ /^[0-9.]+$/ && $5 > 0) ? sprintf("%.2f", $3 / $5) : "-"
	printf "%-38s %8s %10s %9s  %s\n", $1, $2, $3, ratio, $4
}' "$TMP/rows"
echo
while IFS='|' read -r n w p99; do
	awk -v n="$n" -v w="$w" -v t="$TIMEOUT" -v p="$p99" -v rtt="$RTT" 'BEGIN {
		printf "%6d targets: kmsdiag-probe --tcp-only %.2f s = timeout + %.2f s: %s", n, w, w - t,
		    (w <= t + 1.5) ? "about one timeout, met" : "about one timeout, MISSED"
		if (p != "" && p != "-" && rtt != "null")
			printf "; connect p99 %.3f ms vs round trip %.3f ms: %s", p, rtt,
			    (p - rtt <= 1) ? "within 1 ms, met" : "MISSED"
		printf "\n"
	}'
done <"$TMP/summary"
exit 0
