#!/bin/sh
# kmsdiag-dnscheck against real DNS servers on loopback (style R12).
#
#   sh tests/dns/run.sh BUILDDIR
#
# Starts nsd (the zones in tests/dns/zones) and ldns-testns (the scripted
# answers in tests/dns/scripted.data) on free loopback ports, waits for
# them to say they listen (with a deadline), runs every case, stops them.
# The same fixtures are checked offline through --zone.  Assertions are on
# the JSON output (jq), never on prose.  One line per case:
# PASS name / FAIL name / SKIP name (reason), then
# "dns: N passed, N failed, N skipped"; exit status 1 if anything failed.
# Needs: nsd, ldnsutils (ldns-testns), jq.  Traffic goes to 127.0.0.1/::1 only.

set -u

B=${1:?usage: run.sh BUILDDIR}
here=$(cd "$(dirname "$0")" && pwd)
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
BIN=$B/kmsdiag-dnscheck
ZONES=$here/zones
TMO=1

pass=0 failn=0 skipn=0
nsd_pid= tns_pid= resp_pids= ptns_pid=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-dns.XXXXXX") || exit 1

cleanup() {
	[ -n "$nsd_pid" ] && kill "$nsd_pid" 2>/dev/null && wait "$nsd_pid" 2>/dev/null
	[ -n "$tns_pid" ] && kill "$tns_pid" 2>/dev/null && wait "$tns_pid" 2>/dev/null
	[ -n "$ptns_pid" ] && kill "$ptns_pid" 2>/dev/null && wait "$ptns_pid" 2>/dev/null
	for rp in $resp_pids; do kill "$rp" 2>/dev/null && wait "$rp" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok()   { pass=$((pass + 1)); echo "PASS $1"; }
bad()  { failn=$((failn + 1)); echo "FAIL $1"; }
skip() { skipn=$((skipn + 1)); echo "SKIP $1 ($2)"; }

# A port number from the ephemeral-free range; the caller retries on a clash.
rand_port() {
	od -An -N2 -tu2 /dev/urandom | awk '{ print 20000 + $1 % 30000 }'
}

# wait_for FILE REGEX SECONDS [PID]: poll until FILE has a line matching
# REGEX; give up at the deadline or when PID has died.
wait_for() {
	n=$(($3 * 20))
	while [ "$n" -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

start_nsd() {
	for try in 1 2 3 4 5; do
		NSD_PORT=$(rand_port)
		d=$tmp/nsd
		rm -rf "$d"
		mkdir -p "$d"
		sed -e "s|@DIR@|$d|g" -e "s|@PORT@|$NSD_PORT|g" -e "s|@ZONES@|$ZONES|g" \
		    "$here/nsd.conf.in" > "$d/nsd.conf"
		nsd -d -c "$d/nsd.conf" > "$d/stdout" 2>&1 &
		nsd_pid=$!
		if wait_for "$d/nsd.log" "nsd started" 10 "$nsd_pid"; then
			return 0
		fi
		kill "$nsd_pid" 2>/dev/null
		wait "$nsd_pid" 2>/dev/null
		nsd_pid=
	done
	cat "$d/nsd.log" "$d/stdout" >&2 2>/dev/null
	return 1
}

. "$here/../lib/testns.sh"

start_testns() {
	if ! kd_start_testns "$here/scripted.data" "$tmp/testns.out"; then
		cat "$tmp/testns.out" >&2
		return 1
	fi
	tns_pid=$TESTNS_PID
	TNS_PORT=$TESTNS_PORT
}

# start_resp FILE ARGS...: a test KMS responder (loopback); sets RPORT.
start_resp() {
	f=$1
	shift
	"$B/tests/kms-responder" --lifetime 120 "$@" > "$f" 2>&1 &
	resp_pids="$resp_pids $!"
	wait_for "$f" '^PORT ' 10 $! || return 1
	RPORT=$(sed -n 's/^PORT //p' "$f")
}

# Helpers for the assertions: c("id") is the first check with that id,
# cd("id"; "domain") the one for that domain.
JQDEFS='def c($i): map(select(.check == $i))[0];
def cd($i; $d): map(select(.check == $i and .domain == $d))[0];
def st($i): c($i).status;'

# t NAME EXPECTED_EXIT JQ_FILTER ARGS...: run the tool with --json and ARGS;
# pass when the exit status matches and the filter (on the array of
# checks) is true.
t() {
	name=$1 want=$2 filter=$3
	shift 3
	# A hang is a failure, not a stuck suite.
	timeout 60 "$BIN" --json "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if grep -q 'runtime error:\|Sanitizer' "$tmp/err"; then
		bad "$name"
		sed 's/^/    /' "$tmp/err" >&2
		return
	fi
	if [ "$rc" != "$want" ]; then
		bad "$name"
		echo "    exit $rc, expected $want: $BIN --json $*" >&2
		sed 's/^/    /' "$tmp/err" "$tmp/out" >&2
		return
	fi
	if ! jq -e -s "$JQDEFS $filter" "$tmp/out" > /dev/null 2>"$tmp/jqerr"; then
		bad "$name"
		echo "    filter false: $filter" >&2
		sed 's/^/    /' "$tmp/jqerr" "$tmp/out" >&2
		return
	fi
	ok "$name"
}

# u NAME EXPECTED_EXIT STDERR_TEXT ARGS...: a usage or input error.
u() {
	name=$1 want=$2 text=$3
	shift 3
	"$BIN" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$text" "$tmp/err" &&
	    ! grep -q 'runtime error:\|Sanitizer' "$tmp/err"; then
		ok "$name"
	else
		bad "$name"
		echo "    exit $rc (expected $want), stderr:" >&2
		sed 's/^/    /' "$tmp/err" >&2
	fi
}

# The same fixture checks, live (SRV="-s ADDR:PORT") or offline (zone files).
# $1 = prefix of the case names, $2 = how to point the tool at fixture $3.
fixtures() {
	p=$1
	at() { if [ "$p" = zone ]; then echo "-z $ZONES/$1.zone"; else echo "-s $SERVER $1"; fi; }
	# shellcheck disable=SC2046
	t "$p-correct" 0 'all(.[]; .status == "ok") and c("srv_exists").records == [{"name":"_vlmcs._tcp.good.test.","ttl":3600,"priority":0,"weight":0,"port":1688,"target":"kms1.good.test.","addresses":["192.0.2.10","2001:db8::10"]}] and (map(.check) == ["srv_exists","srv_name","srv_ttl","srv_port","srv_target","srv_policy"]) and all(.[]; .domain == "good.test")' $(at good.test)
	t "$p-ttl600" 1 'st("srv_ttl") == "warn" and c("srv_ttl").ttl == 600 and c("srv_ttl").expected_ttl == 3600 and c("srv_ttl").zone_lines == ["_vlmcs._tcp.ttl600.test. 3600 IN SRV 0 100 1688 kms1.ttl600.test."] and (c("srv_ttl").dnscmd[1] | startswith("dnscmd /RecordAdd ttl600.test _vlmcs._tcp 3600 SRV")) and st("srv_port") == "ok"' $(at ttl600.test)
	t "$p-ttl600-expected" 0 'st("srv_ttl") == "ok"' --ttl 600 $(at ttl600.test)
	# Not 1688, and nothing shows what answers there: a warning to check, never a rewrite to 1688.
	t "$p-wrong-port" 1 'st("srv_port") == "warn" and c("srv_port").port == 1689 and (c("srv_port").fix | contains("kmsdiag probe kms1.port.test.:1689")) and (c("srv_port").fix | contains(" 1688 ") | not) and c("srv_port").zone_lines == null and st("srv_ttl") == "ok"' $(at port.test)
	# A port the user declared makes a record that differs wrong, corrected to it.
	t "$p-declared-port" 2 'st("srv_port") == "fail" and (c("srv_port").fix | contains(" 1690 kms1.port.test."))' --port 1690 $(at port.test)
	t "$p-port-option" 0 'st("srv_port") == "ok"' --port 1689 $(at port.test)
	t "$p-nxdomain" 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "nxdomain" and c("srv_exists").rcode == "NXDOMAIN" and c("srv_exists").records == [] and length == 1 and (c("srv_exists").fix | startswith("add _vlmcs._tcp.nxdomain.test. 3600 IN SRV 0 0 1688"))' $(at nxdomain.test)
	t "$p-nodata" 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "nodata" and c("srv_exists").rcode == "NOERROR"' $(at nodata.test)
	t "$p-target-no-address" 2 'st("srv_target") == "fail" and c("srv_target").records[0].addresses == [] and (c("srv_target").detail | contains("NXDOMAIN"))' $(at noaddr.test)
	t "$p-target-cname" 2 'st("srv_target") == "fail" and c("srv_target").records[0].target_cname == "kms1.cname.test."' $(at cname.test)
	t "$p-two-priorities" 0 'st("srv_policy") == "ok" and c("srv_policy").hosts == 2 and c("srv_policy").count_split == true and ([c("srv_exists").records[] | .priority] == [0, 10]) and (c("srv_policy").detail | contains("kms1.multi.test. first"))' $(at multi.test)
	t "$p-udp-near-miss" 2 'st("srv_exists") == "fail" and st("srv_name") == "fail" and c("srv_name").near_misses[0].name == "_vlmcs._udp.udp.test." and (c("srv_exists").fix | endswith(" 1688 kms1.udp.test."))' $(at udp.test)
	t "$p-doubled-owner" 2 'st("srv_name") == "fail" and c("srv_name").near_misses[0].name == "_vlmcs._tcp.doubled.test.doubled.test."' $(at doubled.test)
	t "$p-relative-target" 2 'st("srv_name") == "fail" and (c("srv_name").detail | contains("meant kms1.reltarget.test.")) and c("srv_name").zone_lines == ["_vlmcs._tcp.reltarget.test. 3600 IN SRV 0 0 1688 kms1.reltarget.test."] and st("srv_target") == "fail"' $(at reltarget.test)
	t "$p-big" 0 'c("srv_exists").records | length == 40' $(at big.test)
}

if [ ! -x "$BIN" ]; then
	bad "binary ($BIN missing)"
	echo "dns: $pass passed, $failn failed, $skipn skipped"
	exit 1
fi
if ! command -v jq > /dev/null 2>&1; then
	skip dns-all "jq not installed"
	echo "dns: $pass passed, $failn failed, $skipn skipped"
	exit 0
fi

# ---- Offline: zone files --------------------------------------------------
fixtures zone
t zone-two-domains-one-missing 2 'cd("srv_exists"; "corp.test").status == "ok" and cd("srv_exists"; "branch.corp.test").status == "fail" and st("multi_domain") == "fail" and c("multi_domain").domains_missing == ["branch.corp.test"] and c("multi_domain").domains_ok == ["corp.test"] and cd("srv_name"; "branch.corp.test").near_misses[0].name == "_vlmcs._tcp.corp.test."' -z "$ZONES/corp.test.zone" corp.test branch.corp.test
t zone-origin-option 0 'all(.[]; .status == "ok")' -z "$ZONES/good.test.zone" -o good.test
t zone-outside 3 'st("srv_exists") == "unknown" and c("srv_exists").outcome == "notzone"' -z "$ZONES/good.test.zone" other.test
t zone-syntax-error 3 'st("zone_load") == "unknown" and (c("zone_load").detail | test("line 7: "))' -z "$ZONES/syntax-error.zone"
t zone-missing-file 3 'st("zone_load") == "unknown" and (c("zone_load").detail | contains("No such file"))' -z "$tmp/nonexistent.zone"
# Not regular files: an error naming the file, never an endless read.
t zone-dev-zero 3 'st("zone_load") == "unknown" and (c("zone_load").detail | contains("/dev/zero: is a character device"))' -z /dev/zero
t zone-directory 3 'st("zone_load") == "unknown" and (c("zone_load").detail | contains("is a directory"))' -z "$ZONES"
printf '$ORIGIN nul.test.\n@ 3600 IN SOA ns hm 1 2 3 4 5\nkms 3600 IN A 192.0.2.1\000\n' > "$tmp/nul.zone"
t zone-nul-byte 3 'st("zone_load") == "unknown" and (c("zone_load").detail | contains("line 3: NUL byte"))' -z "$tmp/nul.zone"
t resolv-conf-dev-zero 3 'st("srv_exists") == "unknown" and (c("srv_exists").detail | contains("/dev/zero: is a character device"))' --resolv-conf /dev/zero
mkfifo "$tmp/fifo"
t resolv-conf-fifo 3 'st("srv_exists") == "unknown" and (c("srv_exists").detail | contains("FIFO"))' --resolv-conf "$tmp/fifo"
# More domains than the old cap of 64, the same one 100 times: one check
# set each, and the zone asked once per question.
set -- 
for i in $(seq 100); do set -- "$@" good.test; done
t zone-100-domains 0 '([.[] | select(.check == "srv_exists" and .status == "ok")] | length) == 100 and st("multi_domain") == "ok"' -z "$ZONES/good.test.zone" "$@"
set --

# ---- --probe: the probe engine on every SRV target --------------------------
# probe.test points at a KMS responder on 127.0.0.1 and its IPv6 twin on
# ::1 (kms1), at 127.0.0.2 where nothing listens on that port (kms2), and
# at localhost., outside the zone, which the system resolver answers from
# /etc/hosts.  Every record has the responder's port (-p makes it right).
if [ ! -x "$B/tests/kms-responder" ]; then
	skip zone-probe "$B/tests/kms-responder not built"
elif ! start_resp "$tmp/resp4" || ! start_resp "$tmp/resp6" -6 --port "$RPORT"; then
	bad "probe-responder-start"
else
	P=$RPORT
	cat > "$tmp/probe.test.zone" <<EOF
\$ORIGIN probe.test.
\$TTL 3600
@	IN SOA	ns hostmaster 1 3600 600 86400 300
@	IN NS	ns
ns	IN A	127.0.0.1
_vlmcs._tcp	3600	IN SRV	0 0 $P kms1
_vlmcs._tcp	3600	IN SRV	10 0 $P kms2
_vlmcs._tcp	3600	IN SRV	20 0 $P localhost.
kms1	IN A	127.0.0.1
kms1	IN AAAA	::1
kms2	IN A	127.0.0.2
EOF
	sed -e '/kms2/d' -e '/localhost/d' -e 's/probe\.test\./open.test./' "$tmp/probe.test.zone" > "$tmp/open.test.zone"
	PR='[.[] | select(.check == "probe.target")]'
	t zone-probe-open 0 "$PR"' | length == 2 and all(.[]; .state == "open" and .rpc == "kms" and .port == '"$P"' and .target == "kms1.open.test" and .domains == ["open.test"]) and (map(.address) | sort) == ["127.0.0.1", "::1"]' --probe -p "$P" -z "$tmp/open.test.zone"
	t zone-probe-mixed 2 "$PR"' | length == 4 and (map(select(.address == "127.0.0.2"))[0] | .state == "refused" and .status == "fail" and .target == "kms2.probe.test" and .checklist == "port") and (map(select(.target == "localhost"))[0] | .state == "open" and .address == "127.0.0.1" and .rpc == "kms") and (map(select(.status == "ok")) | length) == 3' --probe -p "$P" -z "$tmp/probe.test.zone"
	t zone-probe-dns-checks-unchanged 2 'st("srv_target") == "ok" and st("srv_port") == "ok" and c("srv_exists").records[1].addresses == ["127.0.0.2"]' --probe -p "$P" -z "$tmp/probe.test.zone"
	t zone-probe-tcp-only 0 "$PR"' | length == 2 and all(.[]; .state == "open" and .rpc == null)' --probe --tcp-only -p "$P" -z "$tmp/open.test.zone"
	t zone-no-probe 0 "$PR"' | length == 0' -p "$P" -z "$tmp/open.test.zone"
	"$BIN" -n --probe -p "$P" -z "$tmp/probe.test.zone" > "$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = 2 ] && grep -q "^KMS DNS CRITICAL - 127.0.0.2:$P.*nothing listens on TCP port $P (connection refused)|records=3 hosts_ok=3;;4:\$" "$tmp/out"; then
		ok nagios-probe-refused
	else
		bad nagios-probe-refused
		sed 's/^/    /' "$tmp/out" >&2
	fi
	NO_COLOR=1 "$BIN" --probe -p "$P" -z "$tmp/probe.test.zone" > "$tmp/out" 2>&1
	if grep -q "^FAIL  probe.target  *127.0.0.2:$P: nothing listens on TCP port $P (connection refused)" "$tmp/out" &&
	    grep -q "^OK    probe.target  *\[::1\]:$P: open" "$tmp/out"; then
		ok text-probe
	else
		bad text-probe
		sed 's/^/    /' "$tmp/out" >&2
	fi
	# The same through a live server (ldns-testns), answers generated for $P.
	if command -v ldns-testns > /dev/null 2>&1; then
		{
			for q in "_vlmcs._tcp.probe.test. IN SRV|_vlmcs._tcp.probe.test. 3600 IN SRV 0 0 $P kms1.probe.test." \
			    "kms1.probe.test. IN A|kms1.probe.test. 3600 IN A 127.0.0.1" \
			    "kms1.probe.test. IN AAAA|kms1.probe.test. 3600 IN AAAA ::1"; do
				printf 'ENTRY_BEGIN\nMATCH opcode qtype qname\nADJUST copy_id\nREPLY QR AA NOERROR\nSECTION QUESTION\n%s\nSECTION ANSWER\n%s\nENTRY_END\n' \
				    "${q%%|*}" "${q#*|}"
			done
		} > "$tmp/probe.data"
		if kd_start_testns "$tmp/probe.data" "$tmp/ptns.out"; then
			ptns_pid=$TESTNS_PID
			PTNS=$TESTNS_PORT
			t live-probe-open 0 "$PR"' | length == 2 and all(.[]; .state == "open" and .rpc == "kms" and .domain == "probe.test")' --probe -p "$P" -t 2 -s "127.0.0.1:$PTNS" probe.test
		else
			bad live-probe-start
		fi
	else
		skip live-probe-open "ldns-testns not installed"
	fi
fi

# ---- Usage and input errors -----------------------------------------------
long63=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
u usage-timeout-too-large 64 "kmsdiag-dnscheck: timeout 99999: too large" -t 99999 good.test
u usage-timeout-invalid 64 "kmsdiag-dnscheck: timeout 1s: invalid" -t 1s good.test
u usage-port-zero 64 "kmsdiag-dnscheck: port 0: too small" -p 0 good.test
u usage-bad-server 64 "kmsdiag-dnscheck: server dns.example: not an IP address" -s dns.example good.test
u usage-zone-and-server 64 "cannot use --zone and --server" -z "$ZONES/good.test.zone" -s 127.0.0.1
u usage-json-and-prometheus 64 "--prometheus is an output of its own" -j --prometheus good.test
# With --nagios a usage error is the plugin's UNKNOWN status line, on stdout.
"$BIN" -j -n good.test > "$tmp/out" 2> "$tmp/err"
if [ $? = 3 ] && grep -qx "KMS DNS UNKNOWN - cannot use --json and --nagios" "$tmp/out" &&
    [ ! -s "$tmp/err" ]; then ok usage-json-and-nagios; else bad usage-json-and-nagios; fi
u usage-label-too-long 64 "label longer than 63 octets" "${long63}a.test"
u usage-name-too-long 64 "name longer than 255 octets" "$long63.$long63.$long63.$long63.test"
u usage-unknown-option 64 "usage: kmsdiag-dnscheck" --frobnicate
u usage-tcp-only-needs-probe 64 "--tcp-only needs --probe" --tcp-only good.test
"$BIN" --version > "$tmp/out" 2>&1 && grep -q '^kmsdiag-dnscheck [0-9]' "$tmp/out" && ok version || bad version
"$BIN" --help > "$tmp/out" 2>&1 && grep -q -- '--zone' "$tmp/out" && grep -q -- '--probe' "$tmp/out" && grep -q -- '--tcp-only' "$tmp/out" && ok help || bad help
"$BIN" -z "$ZONES/ttl600.test.zone" -n > "$tmp/out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q '^KMS DNS WARNING - TTL 600 s' "$tmp/out" && ok nagios-warn || bad nagios-warn
"$BIN" -z "$ZONES/good.test.zone" -n > "$tmp/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q '^KMS DNS OK - .*|records=1$' "$tmp/out" && ok nagios-ok || bad nagios-ok
NO_COLOR=1 "$BIN" -z "$ZONES/port.test.zone" > "$tmp/out" 2>&1
! grep -q "$(printf '\033')" "$tmp/out" && grep -q '^WARN  srv_port' "$tmp/out" && ok text-no-color || bad text-no-color
# TTL and port (declared with -p) both wrong: both checks propose the one
# record right in every field, printed once after the report.
sed 's/^_vlmcs._tcp	3600/_vlmcs._tcp	600/' "$ZONES/port.test.zone" > "$tmp/both.zone"
t zone-both-one-correction 2 'c("srv_ttl").zone_lines == ["_vlmcs._tcp.port.test. 3600 IN SRV 0 0 1690 kms1.port.test."] and c("srv_port").zone_lines == c("srv_ttl").zone_lines and c("srv_port").nsupdate == c("srv_ttl").nsupdate' -p 1690 -z "$tmp/both.zone"
# Undeclared, the TTL's correction keeps the record's own port.
t zone-ttl-correction-keeps-port 1 'c("srv_ttl").zone_lines == ["_vlmcs._tcp.port.test. 3600 IN SRV 0 0 1689 kms1.port.test."] and st("srv_port") == "warn"' -z "$tmp/both.zone"
NO_COLOR=1 "$BIN" -p 1690 -z "$tmp/both.zone" > "$tmp/out" 2>&1
if [ "$(grep -c '^Corrected record for port.test:$' "$tmp/out")" = 1 ] &&
    [ "$(grep -c 'IN SRV 0 0 1690 kms1.port.test.$' "$tmp/out")" = 4 ] &&
    grep -q '^  nsupdate   update delete _vlmcs._tcp.port.test. IN SRV 0 0 1689 kms1.port.test.$' "$tmp/out" &&
    grep -q '^             send$' "$tmp/out" &&
    grep -q '^             dnscmd /RecordAdd port.test _vlmcs._tcp 3600 SRV 0 0 1690 kms1.port.test.$' "$tmp/out"; then
	ok text-corrected-record-once
else
	bad text-corrected-record-once
	sed 's/^/    /' "$tmp/out" >&2
fi

# ---- Live: nsd, an authoritative server on loopback ------------------------
if ! command -v nsd > /dev/null 2>&1; then
	for c in correct ttl600 wrong-port nxdomain nodata target refused big ipv6 edns-mid-size-udp; do
		skip "nsd-$c" "nsd not installed"
	done
elif ! start_nsd; then
	bad "nsd-start"
else
	SERVER=127.0.0.1:$NSD_PORT
	fixtures nsd
	t nsd-correct-authoritative 0 'c("srv_exists").authoritative == true and c("srv_exists").transport == "udp" and c("srv_exists").truncated == false and c("srv_exists").server == "127.0.0.1#'"$NSD_PORT"'"' -s "$SERVER" good.test
	t nsd-two-domains-one-missing 2 'st("multi_domain") == "fail" and c("multi_domain").domains_missing == ["nxdomain.test"] and cd("srv_exists"; "good.test").status == "ok"' -s "$SERVER" good.test nxdomain.test
	t nsd-parent-near-miss 2 'cd("srv_exists"; "branch.corp.test").outcome == "nxdomain" and cd("srv_name"; "branch.corp.test").near_misses[0].name == "_vlmcs._tcp.corp.test." and c("multi_domain").domains_missing == ["branch.corp.test"]' -s "$SERVER" corp.test branch.corp.test
	t nsd-refused 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "refused" and c("srv_exists").rcode == "REFUSED"' -s "$SERVER" refused.test
	t nsd-big-tcp-fallback 0 'c("srv_exists").truncated == true and c("srv_exists").transport == "tcp" and (c("srv_exists").records | length) == 40 and all(c("srv_exists").records[]; .addresses | length == 1)' -s "$SERVER" big.test
	t nsd-tcp-only 0 'c("srv_exists").transport == "tcp" and c("srv_exists").truncated == false' -s "$SERVER" --tcp good.test
	t nsd-edns-mid-size-udp 0 'c("srv_exists").transport == "udp" and c("srv_exists").truncated == false and c("srv_exists").edns == true and c("srv_exists").edns_fallback == false and (c("srv_exists").records | length) == 12' -s "$SERVER" mid.test
	t nsd-ipv6 0 'all(.[]; .status == "ok") and c("srv_exists").server == "::1#'"$NSD_PORT"'"' -s "[::1]:$NSD_PORT" good.test
	t nsd-ipv6-nxdomain 2 'c("srv_exists").outcome == "nxdomain"' -s "[::1]:$NSD_PORT" nxdomain.test
	printf '# test resolv.conf\nnameserver 192.0.2.1\nsearch wrong.test\nsearch good.test ttl600.test\n' > "$tmp/resolv.conf"
	t nsd-resolv-conf-search 1 'c("multi_domain").domains_ok == ["good.test", "ttl600.test"] and cd("srv_ttl"; "ttl600.test").status == "warn"' -s "$SERVER" --resolv-conf "$tmp/resolv.conf"
	printf 'nameserver 127.0.0.1\n' > "$tmp/resolv-none.conf"
	t resolv-conf-no-search 3 'st("srv_exists") == "unknown" and (c("srv_exists").detail | contains("no search or domain line"))' -s "$SERVER" --resolv-conf "$tmp/resolv-none.conf"
fi

# ---- Live: ldns-testns, scripted and malformed answers ---------------------
if ! command -v ldns-testns > /dev/null 2>&1; then
	for c in servfail timeout port0 cached loop trunc edns-sent edns-formerr-fallback probe-srv-domains-at-once; do
		skip "testns-$c" "ldns-testns not installed"
	done
elif ! start_testns; then
	bad "testns-start"
else
	S=127.0.0.1:$TNS_PORT
	t testns-servfail 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "servfail" and c("srv_exists").rcode == "SERVFAIL"' -s "$S" -t $TMO servfail.test
	t testns-timeout 3 'st("srv_exists") == "unknown" and c("srv_exists").outcome == "timeout" and c("srv_exists").rcode == "none"' -s "$S" -t $TMO silent.test
	t testns-tcp-hangup 3 'c("srv_exists").outcome == "unreachable" and c("srv_exists").transport == "tcp" and (c("srv_exists").detail | contains("without answering"))' -s "$S" -t $TMO --tcp silent.test
	t testns-port0 2 'st("srv_port") == "fail" and c("srv_port").port == 0 and c("srv_exists").records[0].addresses == ["192.0.2.40"]' -s "$S" -t $TMO port0.test
	t testns-cached-ttl 1 'st("srv_ttl") == "warn" and c("srv_exists").authoritative == false and (c("srv_ttl").detail | contains("not authoritative"))' -s "$S" -t $TMO cached.test
	t testns-compression-loop 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "malformed" and (c("srv_exists").detail | test("compression"; "i"))' -s "$S" -t $TMO loop.test
	t testns-truncated-rdata 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "malformed"' -s "$S" -t $TMO trunc.test
	t testns-edns-sent 0 'st("srv_exists") == "ok" and c("srv_exists").edns_fallback == false and c("srv_exists").records[0].target == "kms1.port0.test."' -s "$S" -t $TMO ednsreq.test
	t testns-foreign-srv 2 'st("srv_exists") == "fail" and c("srv_exists").outcome == "nodata" and c("srv_exists").records == [] and c("srv_exists").ignored_records == 1 and (c("srv_exists").ignored_example | startswith("_vlmcs._tcp.evil.test. SRV")) and ([.[] | select(.check == "srv_name" and .status == "ok")] | length) == 0' -s "$S" -t $TMO evilsrv.test
	t testns-foreign-address 2 'st("srv_target") == "fail" and c("srv_exists").records[0].addresses == [] and (c("srv_target").detail | contains("unrelated.evil.test."))' -s "$S" -t $TMO evila.test
	t testns-stowaway 1 'st("srv_exists") == "warn" and (c("srv_exists").records | length) == 1 and c("srv_exists").ignored_records == 1 and st("srv_target") == "ok"' -s "$S" -t $TMO stowaway.test
	t testns-cname-chain 1 'st("srv_exists") == "ok" and c("srv_exists").alias == "_vlmcs._tcp.real.chain.test." and (c("srv_exists") | has("ignored_records") | not) and st("srv_name") == "warn"' -s "$S" -t $TMO chain.test
	# 64 targets that never resolve: about one timeout, not 64 or 128.
	t0=$(date +%s%N)
	t testns-64-targets-bounded 3 'st("srv_target") == "unknown" and (c("srv_exists").records | length) == 64 and (c("srv_target").detail | contains("timeout"))' -s "$S" -t $TMO silent64.test
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$ms" -lt $((TMO * 1000 + 1500)) ]; then ok testns-64-targets-time; else bad "testns-64-targets-time (${ms} ms at -t $TMO)"; fi
	t testns-edns-formerr-fallback 0 'st("srv_exists") == "ok" and c("srv_exists").edns_fallback == true and c("srv_exists").edns == false and c("srv_exists").rcode == "NOERROR"' -s "$S" -t $TMO formerr.test
	# kmsdiag-probe --srv: every domain is looked up at once under one -t,
	# so six that never answer cost about one timeout, not six; results come
	# in the order the domains were given, not the order the answers came.
	sd='"_vlmcs._tcp.silent1.test.", "_vlmcs._tcp.silent2.test.", "_vlmcs._tcp.silent3.test.", "_vlmcs._tcp.silent4.test.", "_vlmcs._tcp.silent5.test.", "_vlmcs._tcp.silent6.test."'
	t0=$(date +%s%N)
	"$B/kmsdiag-probe" --json --srv -s "$S" -t $TMO silent1.test silent2.test silent3.test \
	    silent4.test silent5.test silent6.test servfail.test port0.test > "$tmp/psrv.json" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$rc" -eq 2 ] && jq -se 'map(.target) == ['"$sd"', "_vlmcs._tcp.servfail.test.", "_vlmcs._tcp.port0.test."] and all(.[]; .state == "dns_error") and ([.[] | select(.state_detail | contains("no SRV record (timeout"))] | length) == 6 and (.[6].state_detail | contains("(servfail)")) and (.[7].state_detail | contains("is unusable"))' "$tmp/psrv.json" > /dev/null; then
		ok probe-srv-domains-at-once
	else
		bad "probe-srv-domains-at-once (exit $rc)"
		sed 's/^/    /' "$tmp/psrv.json" >&2
	fi
	# Sequential lookups took six timeouts; the bound leaves room for a slow host.
	if [ "$ms" -lt $((TMO * 3000)) ]; then ok probe-srv-domains-at-once-time; else bad "probe-srv-domains-at-once-time (${ms} ms at -t $TMO)"; fi
fi

# ---- Golden outputs of kmsdiag-dnscheck ---------------------------------------
# Text and --json on the zone files (offline; named relative to the tree, as
# the JSON names them), and --probe against the test
# responder on a non-default port: what is masked is what tests/front/golden.sh
# says (times; the responder's port as KMS).  KD_GOLDEN_UPDATE=1 rewrites the
# files; each was read line by line against its zone.
GOLDEN_TMP=$tmp
. tests/front/golden.sh
dgolden() {	# NAME LABELS ARGS...
	gname=$1 glabels=$2
	shift 2
	if NO_COLOR=1 golden_run tests/dns/golden "$gname" "$glabels" "$BIN" "$@"; then
		ok "golden-$gname"
	else
		bad "golden-$gname"
		printf '%s\n' "$golden_diff" | sed 's/^/    /' >&2
	fi
}
for z in good ttl600 port multi noaddr nodata doubled; do
	dgolden "dnscheck-$z" "" -z "tests/dns/zones/$z.test.zone"
	dgolden "dnscheck-$z-json" "" --json -z "tests/dns/zones/$z.test.zone"
done
if [ -x "$B/tests/kms-responder" ] && start_resp "$tmp/gresp"; then
	GP=$RPORT
	sed "s/PORT/$GP/" > "$tmp/golden.test.zone" <<'EOF'
$ORIGIN golden.test.
$TTL 3600
@	IN SOA	ns hostmaster 1 3600 600 86400 300
@	IN NS	ns
ns	IN A	127.0.0.1
_vlmcs._tcp	600	IN SRV	0 0 PORT kms1
kms1	IN A	127.0.0.1
EOF
	# A KMS host answers on the published non-default port: only the TTL warns.
	dgolden dnscheck-probe-nondefault-port "KMS=$GP" --probe -z "$tmp/golden.test.zone"
	dgolden dnscheck-probe-nondefault-port-json "KMS=$GP" --json --probe -z "$tmp/golden.test.zone"
fi

# ---- No server at all --------------------------------------------------------
# A port nobody listens on: the kernel answers UDP with ICMP port unreachable.
# Checked, not assumed: it binds on both loopbacks, UDP and TCP, right now.
port_free() {
	python3 -c 'import socket, sys
for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(fam, kind)
        s.bind((addr, int(sys.argv[1])))
        s.close()' "$1" 2>/dev/null
}
for try in 1 2 3 4 5 6 7 8 9 10; do
	NOPORT=$(rand_port)
	port_free "$NOPORT" && break
done
t no-server 3 'st("srv_exists") == "unknown" and c("srv_exists").outcome == "unreachable" and (c("srv_exists").fix | length > 0)' -s "127.0.0.1:$NOPORT" -t $TMO good.test
t no-server-tcp 3 'c("srv_exists").outcome == "unreachable"' -s "127.0.0.1:$NOPORT" -t $TMO --tcp good.test
t no-server-ipv6 3 'c("srv_exists").outcome == "unreachable"' -s "[::1]:$NOPORT" -t $TMO good.test

echo "dns: $pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]
