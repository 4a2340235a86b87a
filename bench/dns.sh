#!/bin/sh
# bench/dns.sh BUILD_DIR: kmsdiag-dnscheck on 200 domains behind a 10 ms
# round trip, against sequential drill lookups of the same names in the
# same run; and a domain whose 64 SRV targets never resolve, against -t.
# A benchmark, not a test: it always exits 0 and prints whether each
# target is met:
#   200 domains: well under 2 s (every domain's SRV record, its target's
#                A and AAAA: 600 questions)
#   64 silent targets: bounded by -t (about one timeout, not 64)
#
# nsd serves a generated zone on a loopback port; bench/dnsdelay (built
# here against BUILD_DIR/libkmsdiag.a) relays to it and holds every
# answer 10 ms, the round trip to a DNS server across a WAN link (netem in
# user space: it needs no root and no sch_netem), and drops queries for
# names with a "silent" label.  Reference: for each domain, drill asks the
# SRV record, then A and AAAA of its target, one question after the
# other, as the lookups went before they ran on the event loop (and as a
# shell script would); its time over kmsdiag-dnscheck's is the ratio.
#
# Environment: DOMAINS (200), DELAY (10 ms), RUNS (3, medians), TIMEOUT
# (2 s, the silent case), CC, PKG_CONFIG.  Needs nsd and drill (ldnsutils);
# without drill the reference is skipped.  Traffic stays on 127.0.0.1.

set -u

B=${1:-build}
DOMAINS=${DOMAINS:-200}
DELAY=${DELAY:-10}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-2}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
DNSCHECK=$B/kmsdiag-dnscheck
W=$B/bench/dns
NSD_PID= RELAY_PID=

die() {
	echo "bench/dns: $*" >&2
	exit 0
}

cleanup() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	[ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null && wait "$NSD_PID" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

[ -x "$DNSCHECK" ] && [ -f "$B/libkmsdiag.a" ] || die "$DNSCHECK missing: run 'make' first"
command -v nsd >/dev/null 2>&1 || die "nsd not installed: skipped"
rm -rf "$W"
mkdir -p "$W/zones" || die "cannot create $W"

FLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
# shellcheck disable=SC2046,SC2086
$CC $FLAGS -Ilib -o "$W/dnsdelay" bench/dnsdelay.c "$B/libkmsdiag.a" \
    $($PKG_CONFIG --libs ldns jansson libcrypto) -lm || die "cannot build bench/dnsdelay.c"

# The zone: DOMAINS domains with a right record each, and one with 64
# targets under a silent label.
{
	printf '$ORIGIN bench.test.\n$TTL 3600\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n'
	i=0
	while [ $i -lt "$DOMAINS" ]; do
		printf '_vlmcs._tcp.d%d IN SRV 0 0 1688 kms.d%d\nkms.d%d IN A 192.0.2.%d\nkms.d%d IN AAAA 2001:db8::%x\n' \
		    $i $i $i $((i % 250 + 1)) $i $((i + 1))
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 64 ]; do
		printf '_vlmcs._tcp.silent64 IN SRV 0 0 1688 t%d.silent\nt%d.silent IN A 192.0.2.1\n' $i $i
		i=$((i + 1))
	done
} > "$W/zones/bench.test.zone"

port() { od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 30000 }'; }

for try in 1 2 3 4 5; do
	NSD_PORT=$(port)
	cat > "$W/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$W/zones"
	database: ""
	zonelistfile: "$W/zone.list"
	xfrdfile: "$W/xfrd.state"
	xfrdir: "$W"
	pidfile: "$W/nsd.pid"
	logfile: "$W/nsd.log"
	server-count: 1
	verbosity: 1
	minimal-responses: yes
remote-control:
	control-enable: no
zone:
	name: "bench.test"
	zonefile: "bench.test.zone"
EOF
	nsd -d -c "$W/nsd.conf" > "$W/nsd.out" 2>&1 &
	NSD_PID=$!
	n=200
	while [ $n -gt 0 ] && ! grep -q "nsd started" "$W/nsd.log" 2>/dev/null &&
	    kill -0 "$NSD_PID" 2>/dev/null; do
		sleep 0.05
		n=$((n - 1))
	done
	grep -q "nsd started" "$W/nsd.log" 2>/dev/null && break
	kill "$NSD_PID" 2>/dev/null
	wait "$NSD_PID" 2>/dev/null
	NSD_PID=
done
[ -n "$NSD_PID" ] || die "nsd did not start: $(cat "$W/nsd.log" 2>/dev/null)"

"$W/dnsdelay" 0 "$NSD_PORT" "$DELAY" > "$W/relay.out" 2>&1 &
RELAY_PID=$!
n=100
while [ $n -gt 0 ] && ! grep -q '^PORT ' "$W/relay.out"; do sleep 0.05; n=$((n - 1)); done
RPORT=$(sed -n 's/^PORT //p' "$W/relay.out")
[ -n "$RPORT" ] || die "dnsdelay did not start"
SERVER=127.0.0.1:$RPORT

i=0
: > "$W/domains"
while [ $i -lt "$DOMAINS" ]; do
	echo "d$i.bench.test" >> "$W/domains"
	i=$((i + 1))
done

ms_now() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# kmsdiag-dnscheck: all domains in one run.
: > "$W/k.times"
okdomains=0
r=0
while [ $r -lt "$RUNS" ]; do
	t0=$(ms_now)
	# shellcheck disable=SC2046
	"$DNSCHECK" --json -t 5 -s "$SERVER" $(cat "$W/domains") > "$W/k.json" 2>&1
	t1=$(ms_now)
	echo $((t1 - t0)) >> "$W/k.times"
	r=$((r + 1))
done
okdomains=$(grep -c '"check":"srv_target","subject":"d[0-9]*.bench.test","status":"ok"' "$W/k.json")
K=$(median < "$W/k.times")

# The reference: drill, one question after the other.
D=
if command -v drill >/dev/null 2>&1; then
	: > "$W/d.times"
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(ms_now)
		while read -r d; do
			tgt=$(drill -p "$RPORT" @127.0.0.1 SRV "_vlmcs._tcp.$d" 2>/dev/null |
			    awk '$4 == "SRV" && $1 !~ /^;/ { print $8; exit }')
			[ -n "$tgt" ] || continue
			drill -p "$RPORT" @127.0.0.1 A "$tgt" > /dev/null 2>&1
			drill -p "$RPORT" @127.0.0.1 AAAA "$tgt" > /dev/null 2>&1
		done < "$W/domains"
		t1=$(ms_now)
		echo $((t1 - t0)) >> "$W/d.times"
		r=$((r + 1))
	done
	D=$(median < "$W/d.times")
fi

# 64 targets that never resolve.
t0=$(ms_now)
"$DNSCHECK" --json -t "$TIMEOUT" -s "$SERVER" silent64.bench.test > "$W/s.json" 2>&1
t1=$(ms_now)
S=$((t1 - t0))
sok=$(grep -c '"check":"srv_target".*"status":"unknown"' "$W/s.json")

echo "DNS: $DOMAINS domains behind a ${DELAY} ms round trip (dnsdelay relay to nsd), medians of $RUNS runs"
printf '  %-44s %8s %8s\n' "" "ms" "ratio"
printf '  %-44s %8d %8s\n' "kmsdiag-dnscheck, all domains in one run" "$K" "1.00"
if [ -n "$D" ]; then
	printf '  %-44s %8d %8.1f\n' "drill, SRV + A + AAAA one after the other" "$D" \
	    "$(echo "$D $K" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
else
	echo "  (drill not installed: no reference)"
fi
printf '  domains whose target resolved: %d of %d\n' "$okdomains" "$DOMAINS"
if [ "$K" -lt 2000 ] && [ "$okdomains" = "$DOMAINS" ]; then
	echo "  target (well under 2 s, every domain right): met"
else
	echo "  target (well under 2 s, every domain right): NOT met"
fi
echo "DNS: one domain, 64 SRV targets that never resolve, -t $TIMEOUT"
printf '  %-44s %8d ms (bound: %d ms; one lookup after the other: %d ms)\n' \
    "kmsdiag-dnscheck" "$S" $((TIMEOUT * 1000)) $((64 * TIMEOUT * 1000))
if [ "$S" -lt $((TIMEOUT * 1000 + 500)) ] && [ "$sok" -ge 1 ]; then
	echo "  target (bounded by -t, srv_target unknown): met"
else
	echo "  target (bounded by -t, srv_target unknown): NOT met"
fi
kill "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null
RELAY_PID=
sed -n 's/^queries/  relay: queries/p' "$W/relay.out"
exit 0
