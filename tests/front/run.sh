#!/bin/sh
# The kmsdiag front command: dispatch to the tools, explain, doctor, and the
# option consistency of every binary (tests/front/options.sh).
#
#   sh tests/front/run.sh BUILDDIR
#
# doctor runs against real things only: nsd on a free loopback port serving
# a zone written here (its SRV record names the port of the test KMS
# responder, build/tests/kms-responder), the same zone offline (--zone),
# and the responder in its failure modes.  Facts about error codes are
# computed from data/activation-errors.tsv here, never typed in.
# Assertions are on --json (jq).  Last line: "front: N passed, N failed".
# Needs: jq, nsd (the live DNS cases are skipped without it).

set -u
cd "$(dirname "$0")/../.." || exit 1
B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
KD=$B/kmsdiag
RESP=$B/tests/kms-responder
TSV=data/activation-errors.tsv
export LC_ALL=C NO_COLOR=1

pass=0 failn=0 skipn=0
PIDS= NSD_PID=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-front.XXXXXX") || exit 1
cleanup() {
	for p in $PIDS $NSD_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok()   { pass=$((pass + 1)); echo "PASS $1"; }
bad()  { failn=$((failn + 1)); echo "FAIL $1"; [ $# -gt 1 ] && printf '    %s\n' "$2"; }
skip() { skipn=$((skipn + 1)); echo "SKIP $1 ($2)"; }
finish() {
	if [ "$skipn" -gt 0 ]; then
		echo "front: $pass passed, $failn failed, $skipn skipped"
	else
		echo "front: $pass passed, $failn failed"
	fi
	[ "$failn" -eq 0 ]
	exit $?
}

sanitizer() { grep -q 'runtime error:\|Sanitizer' "$1"; }

# t NAME WANT_RC JQ_FILTER CMD...: exit status and a jq filter over the
# slurped JSON Lines.
t() {
	name=$1 want=$2 filter=$3
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if sanitizer "$tmp/err"; then
		bad "$name" "sanitizer: $(head -c 300 "$tmp/err")"
	elif [ "$rc" != "$want" ]; then
		bad "$name" "exit $rc, want $want: $(head -c 400 "$tmp/out" "$tmp/err" | tr '\n' ' ')"
	elif ! jq -e -s "$filter" "$tmp/out" >/dev/null 2>"$tmp/jqerr"; then
		bad "$name" "filter false: $filter on $(head -c 600 "$tmp/out" | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

# g NAME WANT_RC REGEX CMD...: exit status and a line of stdout+stderr matching REGEX.
g() {
	name=$1 want=$2 re=$3
	shift 3
	"$@" >"$tmp/out" 2>&1
	rc=$?
	if sanitizer "$tmp/out"; then
		bad "$name" "sanitizer: $(head -c 300 "$tmp/out")"
	elif [ "$rc" != "$want" ]; then
		bad "$name" "exit $rc, want $want: $(head -c 400 "$tmp/out" | tr '\n' ' ')"
	elif ! grep -Eq -- "$re" "$tmp/out"; then
		bad "$name" "no line matches /$re/ in: $(head -c 400 "$tmp/out" | tr '\n' ' ')"
	else
		ok "$name"
	fi
}

# same NAME CMD1... -- CMD2...: identical stdout and exit status.
same() {
	name=$1
	shift
	i=0
	for a in "$@"; do
		i=$((i + 1))
		[ "$a" = -- ] && break
	done
	(
		# Keep the words before "--" (the for list is expanded once).
		n=$# k=0
		for a in "$@"; do
			k=$((k + 1))
			[ $k -lt $i ] && set -- "$@" "$a"
		done
		shift "$n"
		exec "$@"
	) >"$tmp/s1" 2>"$tmp/s1e"
	rc1=$?
	shift "$i"
	"$@" >"$tmp/s2" 2>"$tmp/s2e"
	rc2=$?
	if [ "$rc1" = "$rc2" ] && [ -s "$tmp/s1" ] && cmp -s "$tmp/s1" "$tmp/s2"; then
		ok "$name"
	else
		bad "$name" "exit $rc1 vs $rc2; $(diff "$tmp/s1" "$tmp/s2" | head -5 | tr '\n' ' ')"
	fi
}

for f in "$KD" "$RESP"; do
	[ -x "$f" ] || { bad "setup ($f not built)"; finish; }
done
command -v jq >/dev/null 2>&1 || { bad "setup (jq not installed)"; finish; }

# ---- dispatch ---------------------------------------------------------------
CAPF=fixtures/kms-v6-win10-education.pcap
same dispatch-capture-text "$KD" capture -r "$CAPF" -- "$B/kmsdiag-capture" -r "$CAPF"
same dispatch-capture-json "$KD" capture --json -r fixtures/kms-clientlist-6win-2office2016.pcap -- \
    "$B/kmsdiag-capture" --json -r fixtures/kms-clientlist-6win-2office2016.pcap
same dispatch-probe-version "$KD" probe --version -- "$B/kmsdiag-probe" --version
same dispatch-help-dnscheck "$KD" help dnscheck -- "$B/kmsdiag-dnscheck" --help
same dispatch-help-explain "$KD" help explain -- "$KD" explain --help
same dispatch-help-doctor "$KD" help doctor -- "$KD" doctor --help
# The tool's own exit status comes back through the front command.
"$KD" dnscheck -z tests/dns/zones/ttl600.test.zone >/dev/null 2>&1
[ $? = 1 ] && ok dispatch-exit-status || bad dispatch-exit-status
g dispatch-usage-passthrough 64 'usage: kmsdiag-probe' "$KD" probe --frobnicate

same help-command "$KD" help -- "$KD" --help
g help 0 '^usage: kmsdiag ' "$KD" --help
for c in capture dnscheck doctor explain probe tui; do
	grep -Eq "^  $c  " "$tmp/out" && ok "help-lists-$c" || bad "help-lists-$c"
done
version=$(sed -n 's/^VERSION[^=]*= *//p' Makefile)
g version 0 "^kmsdiag $version\$" "$KD" --version
g no-command 64 'no command given' "$KD"
g unknown-command 64 'unknown command "frob"; commands: doctor explain capture dnscheck evidence probe tui help' "$KD" frob
g unknown-option 64 '^usage: kmsdiag ' "$KD" --frob
g help-unknown 64 'unknown command "frob"' "$KD" help frob

# The tool next to the front command wins over PATH; without either: 127.
mkdir -p "$tmp/alone" "$tmp/path"
cp "$KD" "$tmp/alone/kmsdiag"
g tool-not-found 127 'kmsdiag-probe: not found next to kmsdiag nor in PATH' env PATH=/nonexistent "$tmp/alone/kmsdiag" probe 127.0.0.1
printf '#!/bin/sh\necho "from PATH: $*"\n' >"$tmp/path/kmsdiag-probe"
printf '#!/bin/sh\necho "from next to kmsdiag: $0 $*"\n' >"$tmp/next-probe"
chmod +x "$tmp/path/kmsdiag-probe" "$tmp/next-probe"
g tool-from-path 0 '^from PATH: -x y$' env PATH="$tmp/path:/usr/bin:/bin" "$tmp/alone/kmsdiag" probe -x y
cp "$tmp/next-probe" "$tmp/alone/kmsdiag-probe"
g tool-next-first 0 '^from next to kmsdiag: .*/alone/kmsdiag-probe -x y$' env PATH="$tmp/path:/usr/bin:/bin" "$tmp/alone/kmsdiag" probe -x y

# ---- explain ----------------------------------------------------------------
rows=$(awk -F '\t' 'NR > 1 && $1 != ""' "$TSV" | wc -l)
name74=$(awk -F '\t' '$1 == "0xC004F074" { print $2 }' "$TSV")
mean38=$(awk -F '\t' '$1 == "0xC004F038" { print $3 }' "$TSV")
[ "$rows" -gt 40 ] && [ -n "$name74" ] && ok explain-tsv-read || bad explain-tsv-read
for form in 0xC004F074 0Xc004f074 C004F074 c004f074 3221549172 -1073418124; do
	t "explain-form-$form" 0 'length == 1 and .[0].code == "0xC004F074" and .[0].decimal == 3221549172 and .[0].known and .[0].name == "'"$name74"'"' \
	    "$KD" explain --json "$form"
done
t explain-074-items 0 '.[0].checklist | map(.id) == ["port", "dns"]' "$KD" explain -j 0xC004F074
t explain-074-next 0 '.[0].next | index("kmsdiag probe HOST") != null and index("kmsdiag dnscheck DOMAIN") != null and index("kmsdiag doctor --domain DOMAIN") != null' "$KD" explain -j 0xC004F074
g explain-text 0 '^0xC004F038  SL_E_VL_NOT_ENOUGH_COUNT$' "$KD" explain 0xC004F038
grep -qxF "  $mean38" "$tmp/out" && ok explain-text-meaning || bad explain-text-meaning
grep -q '^  kmsdiag probe --activate HOST$' "$tmp/out" && ok explain-text-next || bad explain-text-next
g explain-list-count 0 '' "$KD" explain --list
[ "$(wc -l <"$tmp/out")" -eq "$rows" ] && ok explain-list-rows || bad explain-list-rows "$(wc -l <"$tmp/out") lines, $rows rows"
awk -F '\t' 'NR > 1 { print $1 }' "$TSV" | sort >"$tmp/tsvcodes"
"$KD" explain --list --json | jq -r .code | sort >"$tmp/listcodes"
cmp -s "$tmp/tsvcodes" "$tmp/listcodes" && ok explain-list-codes || bad explain-list-codes
# Every row of the table, in one run: name and meaning as in the TSV.
awk -F '\t' 'NR > 1 { printf "{\"code\":\"%s\",\"name\":\"%s\",\"check\":\"%s\"}\n", $1, $2, $4 }' "$TSV" |
    jq -s . >"$tmp/tsv.json"
"$KD" explain --json $(cat "$tmp/tsvcodes") >"$tmp/all.json" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && jq -e -s --slurpfile tsv "$tmp/tsv.json" '
    length == ($tsv[0] | length) and
    all(.[]; .known) and
    ([.[] | {code, name: (.name // ""), check}] | sort_by(.code)) == ($tsv[0] | sort_by(.code)) and
    all(.[]; (.check == "other") or (.checklist | length) > 0)' "$tmp/all.json" >/dev/null; then
	ok explain-every-row-json
else
	bad explain-every-row-json "exit $rc"
fi
# Meanings: compared with the TSV text by the shell, not through JSON quoting.
"$KD" explain --list --json | jq -r '[.code, .meaning] | @tsv' | sort >"$tmp/m1"
awk -F '\t' 'NR > 1 { print $1 "\t" $3 }' "$TSV" | sort >"$tmp/m2"
cmp -s "$tmp/m1" "$tmp/m2" && ok explain-meanings || bad explain-meanings "$(diff "$tmp/m1" "$tmp/m2" | head -3)"
g explain-unknown 1 '^0xDEADBEEF: not a known activation error$' "$KD" explain 0xdeadbeef
t explain-unknown-json 1 '.[0].known == false and .[0].name == null' "$KD" explain --json DEADBEEF
t explain-unknown-winsock 1 '.[0].known == false and (.[0].checklist | map(.id)) == ["port"]' "$KD" explain --json 0x80072746
t explain-mixed 1 'length == 2 and .[0].known and (.[1].known | not)' "$KD" explain --json 0xC004F038 0xC004F0FF
g explain-invalid 64 'kmsdiag explain: 0xZZ: not an error code' "$KD" explain 0xZZ
g explain-out-of-range 64 'out of range' "$KD" explain 4294967296
g explain-nothing 64 'no code given' "$KD" explain
g explain-list-and-code 64 'takes no code' "$KD" explain --list 0xC004F074

# kmsdiag(7) names codes and the items they point to: both must match the table.
awk '/^\.It 0x/ { code = $2; next }
    code != "" && / items? [0-9]/ {
	s = $0; sub(/.* items? /, "", s); gsub(/[^0-9]+/, " ", s)
	print code ":" s; code = "" }' man/kmsdiag.7 >"$tmp/man7"
n7=0 bad7=
while IFS=: read -r code nums; do
	n7=$((n7 + 1))
	got=$("$KD" explain --json "$code" | jq -r '[.checklist[].number] | sort | map(tostring) | join(" ")')
	want=$(echo $nums | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || bad7="$bad7 $code(page: $want, table: $got)"
done <"$tmp/man7"
if [ "$n7" -ge 10 ] && [ -z "$bad7" ]; then ok "kmsdiag.7-codes-match-table"
else bad "kmsdiag.7-codes-match-table" "$n7 codes;$bad7"; fi

# ---- doctor -----------------------------------------------------------------
wait_line() {	# FILE REGEX: poll with a deadline
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}
# start_responder NAME [args]: sets PORT.  The ePID is a consistent
# Windows Server 2019 one (platform 03612 for build 17763, as the table
# says), so a host that answers is not taken for an emulator.
EPID=03612-00206-556-123456-03-1033-17763.0000-3182018
start_responder() {
	rname=$1
	shift
	"$RESP" --lifetime 120 --epid "$EPID" "$@" >"$tmp/$rname.resp" 2>&1 &
	PIDS="$PIDS $!"
	PORT=0
	wait_line "$tmp/$rname.resp" '^PORT ' || return 1
	PORT=$(sed -n 's/^PORT //p' "$tmp/$rname.resp")
}
# zone NAME DOMAIN PORT [PORT2]: a zone whose SRV record points at
# 127.0.0.1:PORT (and a second record, kms2, at PORT2).
zone() {
	cat >"$tmp/$1.zone" <<EOF
\$ORIGIN $2.
\$TTL 3600
@	IN SOA	ns.$2. hostmaster.$2. 1 3600 600 86400 300
@	IN NS	ns
ns	IN A	127.0.0.1
_vlmcs._tcp	3600	IN SRV	0 0 $3 kms1
kms1		IN A	127.0.0.1
EOF
	if [ $# -gt 3 ]; then
		printf '_vlmcs._tcp\t3600\tIN SRV\t10 0 %s kms2\nkms2\t\tIN A\t127.0.0.1\n' "$4" >>"$tmp/$1.zone"
	fi
}
D='def s($i): map(select(.type == "step" and .step == $i))[0];
def rc: map(select(.type == "root_cause"))[0];
def site: map(select(.type == "site"))[0].site;
def steps: [.[] | select(.type == "step") | .step];
def nocheck($i; $why): s($i) as $x | ($x.status == "skipped" or $x.status == "unknown") and ($x.detail | contains($why));'

start_responder good || bad "responder start"
GOOD=$PORT
zone good good.doc.test "$GOOD"
t doctor-zone-ok 0 "$D"'s("dns").status == "ok" and s("port").status == "ok" and s("rpc").status == "ok" and s("threshold").status == "skipped" and s("host_key").status == "skipped" and rc.step == null and rc.status == "ok" and steps == ["dns","port","rpc","threshold","host_key","key","domain","time"] and ([.[] | select(.status == "manual") | .checklist] == [6,7,8]) and (s("port").evidence[0].host | endswith("127.0.0.1:'"$GOOD"'")) and site.hosts[0].address == "127.0.0.1"' \
    "$KD" doctor --json -z "$tmp/good.zone" -p "$GOOD"
t doctor-zone-activate 0 "$D"'s("threshold").status == "ok" and s("host_key").status == "ok" and (s("threshold").detail | contains("count 50 >= 25")) and site.hosts[0].counts[0].count == 50 and rc.step == null' \
    "$KD" doctor --json -z "$tmp/good.zone" -p "$GOOD" --activate
# The record names a port other than 1688 where a KMS host answers: that is
# legitimate (slmgr /sprt), with a note, and no fix rewrites it to 1688.
t doctor-zone-srv-port-proven 0 "$D"'s("dns").status == "ok" and (s("dns").evidence | map(select(.check == "srv_port"))[0].detail | contains("not the default; a KMS host answers there")) and ([.[] | .fix? // "" | select(contains(" 1688 "))] == []) and rc.step == null' \
    "$KD" doctor --json -z "$tmp/good.zone"
g doctor-text 0 '^Most likely root cause: no fault found' "$KD" doctor -z "$tmp/good.zone"
grep -q '^Check by hand:$' "$tmp/out" && grep -q '^6\. Client key' "$tmp/out" && ok doctor-text-by-hand || bad doctor-text-by-hand

# Two DNS findings: the worst is the step's line, the other follows.
sed -e 's/^_vlmcs._tcp	3600/_vlmcs._tcp	600/' "$tmp/good.zone" >"$tmp/ttl.zone"
g doctor-text-also 1 '^   also: OK +good\.doc\.test\. publishes kms1' "$KD" doctor -z "$tmp/ttl.zone"
grep -q '^2\. DNS         WARN     TTL 600 s' "$tmp/out" && ok doctor-text-worst-first ||
    bad doctor-text-worst-first "$(head -3 "$tmp/out")"
# The TTL fix keeps the record's port, where a KMS host answers (rule 2).
grep -q "^   fix: _vlmcs._tcp.good.doc.test. 3600 IN SRV 0 0 $GOOD kms1.good.doc.test.\$" "$tmp/out" &&
    ok doctor-ttl-fix-keeps-port || bad doctor-ttl-fix-keeps-port "$(grep fix: "$tmp/out" | head -2)"
# --evidence: the host's own log judged in the same site, beside the zone's
# DNS check, each line naming its source.
W=fixtures/windows
g doctor-evidence-text 2 '^   also: WARN +one CMID from at least two machines .*\[host log\]$' \
    "$KD" doctor -z "$tmp/ttl.zone" --evidence "$W/host-events.xml"
grep -q '^2\. DNS         WARN     TTL 600 s.* \[zone\]$' "$tmp/out" &&
    grep -q '^4\. Threshold   FAIL     the host.s count for Windows 10/11 (Volume): 24 .*\[host log\]$' "$tmp/out" &&
    ok doctor-evidence-beside-dns || bad doctor-evidence-beside-dns "$(head -12 "$tmp/out")"
t doctor-evidence-json 2 "$D"'s("dns").status == "warn" and s("port").status == "warn" and s("threshold").status == "fail" and (s("threshold").evidence | map(select(.check == "cloned_cmid" and .evidence == "host log" and .source == "windows")) | length) == 1 and rc.step == "threshold"' \
    "$KD" doctor --json -z "$tmp/good.zone" --evidence "$W/host-events.xml" --evidence "$W/slmgr-client-dlv.txt"
g doctor-evidence-unreadable 3 '^0\. Other       UNKNOWN  not read: .*no-such-file' \
    "$KD" doctor -z "$tmp/good.zone" --evidence "$tmp/no-such-file"

start_responder refused --refuse || bad "responder start"
REFUSED=$PORT
zone refused refused.doc.test "$PORT"
t doctor-refused 2 "$D"'s("dns").status == "fail" and (s("dns").detail | contains("no KMS host answers")) and s("port").status == "fail" and (s("port").detail | contains("refused")) and s("rpc").status == "skipped" and rc.step == "dns" and (rc.fix | contains("1688") | not)' \
    "$KD" doctor --json -z "$tmp/refused.zone"
# Two records on two ports, one host answers, the other refuses: the
# record that points at nothing fails, the other passes.
zone two two.doc.test "$GOOD" "$REFUSED"
t doctor-two-records 2 "$D"'(s("dns").evidence | map(select(.check == "srv_port" and .status == "ok")) | length) == 1 and (s("dns").evidence | map(select(.check == "srv_port" and .status == "fail")) | length) == 1 and rc.step == "dns"' \
    "$KD" doctor --json -z "$tmp/two.zone"

start_responder nak --bind nak || bad "responder start"
t doctor-host-rpc 2 "$D"'s("dns").status == "skipped" and s("port").status == "ok" and s("rpc").status == "fail" and rc.step == "rpc"' \
    "$KD" doctor --json -H "127.0.0.1:$PORT"

start_responder low --count 3 || bad "responder start"
LOW=$PORT
t doctor-threshold 2 "$D"'s("rpc").status == "ok" and s("threshold").status == "fail" and (s("threshold").detail | contains("127.0.0.1:'"$LOW"'")) and (s("threshold").detail | contains("count 3 < 25")) and rc.step == "threshold" and rc.checklist == 4' \
    "$KD" doctor --json -H "127.0.0.1:$PORT" --activate
t doctor-no-activate 0 "$D"'nocheck("threshold"; "--activate") and rc.step == null' \
    "$KD" doctor --json -H "127.0.0.1:$PORT"
# Rule 1: a host below the threshold beside one above it is a finding about
# that host (WARN), naming it, never "none reaches".
t doctor-two-hosts-threshold 1 "$D"'s("threshold").status == "warn" and (s("threshold").detail | contains("127.0.0.1:'"$LOW"'")) and ([.[] | .detail? // "" | select(contains("none reaches"))] == []) and rc.step == "threshold"' \
    "$KD" doctor --json -H "127.0.0.1:$GOOD" -H "127.0.0.1:$LOW" --activate

start_responder hk --request 0xC004F042 || bad "responder start"
HOSTKEY=$PORT
t doctor-host-key 2 "$D"'s("rpc").status == "ok" and s("host_key").status == "fail" and (s("host_key").detail | contains("0xC004F042")) and rc.step == "host_key" and rc.checklist == 5' \
    "$KD" doctor --json -H "127.0.0.1:$PORT" --activate

# No evidence is never OK (issue 13): the count and host key steps say what
# stopped them, for nothing listening, a silent listener, a forged answer
# and a refusal.
t doctor-nothing-listens-activate 2 "$D"'nocheck("threshold"; "not open") and nocheck("host_key"; "") and nocheck("rpc"; "") and rc.step == "port"' \
    "$KD" doctor --json -H "127.0.0.1:$REFUSED" --activate -t 1
g doctor-nothing-listens-text 2 '^4\. Threshold +(SKIP|UNKNOWN) +.*not open' "$KD" doctor -H "127.0.0.1:$REFUSED" --activate -t 1
grep -Eq '^[45]\. [A-Za-z ]+ +OK' "$tmp/out" && bad doctor-nothing-listens-text-no-ok "$(cat "$tmp/out")" ||
    ok doctor-nothing-listens-text-no-ok
start_responder silent --bind silence || bad "responder start"
t doctor-silent-activate 2 "$D"'s("port").status == "ok" and s("rpc").status == "fail" and nocheck("threshold"; "") and nocheck("host_key"; "") and rc.step == "rpc"' \
    "$KD" doctor --json -H "127.0.0.1:$PORT" --activate -t 1
start_responder forged --request corrupt || bad "responder start"
t doctor-forged-activate 2 "$D"'s("rpc").status == "fail" and (s("rpc").detail | contains("integrity check failed")) and nocheck("threshold"; "integrity") and nocheck("host_key"; "") and rc.step == "rpc"' \
    "$KD" doctor --json -H "127.0.0.1:$PORT" --activate -t 1
t doctor-refusal-no-count 2 "$D"'nocheck("threshold"; "0xC004F042") and s("host_key").status == "fail"' \
    "$KD" doctor --json -H "127.0.0.1:$HOSTKEY" --activate -t 1
# "UNKNOWN" is the widest status word: the columns stay aligned.
g doctor-text-aligned 2 '^5\. Host key    FAIL     ' "$KD" doctor -H "127.0.0.1:$HOSTKEY" --activate -t 1
awk '/^[1-8]\. / && substr($0, 15, 1) != " " { bad = 1 }
    /^[1-5]\. / && substr($0, 23, 2) != "  " { bad = 1 } END { exit bad }' "$tmp/out" &&
    ok doctor-text-columns || bad doctor-text-columns "$(cat "$tmp/out")"

start_responder v6 -6 || bad "responder start"
t doctor-ipv6 0 "$D"'s("port").status == "ok" and site.hosts[0].address == "::1" and s("rpc").status == "ok"' \
    "$KD" doctor --json -H "[::1]:$PORT"

# Two hosts: the good one and one that refuses; the port step fails on the second.
t doctor-two-hosts 2 "$D"'(s("port").evidence | length) == 2 and s("port").status == "fail" and (s("port").detail | contains("refused")) and (s("port").evidence | map(select(.status == "ok")) | length) == 1' \
    "$KD" doctor --json -H "127.0.0.1:$GOOD" -H "127.0.0.1:$REFUSED"

# Live DNS: nsd on loopback serving the zones written above.
. tests/lib/nsd.sh
if ! command -v nsd >/dev/null 2>&1; then
	skip doctor-live "nsd not installed"
elif ! kd_start_nsd "$tmp" good.doc.test=good.zone refused.doc.test=refused.zone; then
	bad doctor-live-nsd-start "$(cat "$tmp/nsd/nsd.log" "$tmp/nsd/stdout" 2>/dev/null | head -5)"
else
	S=127.0.0.1:$NSD_PORT
	t doctor-live-ok 0 "$D"'s("dns").status == "ok" and site.domains[0].source == "dns" and s("port").status == "ok" and s("rpc").status == "ok" and rc.step == null' \
	    "$KD" doctor --json -s "$S" -d good.doc.test -p "$GOOD"
	t doctor-live-activate 0 "$D"'s("threshold").status == "ok" and s("host_key").status == "ok"' \
	    "$KD" doctor --json -s "$S" -d good.doc.test -p "$GOOD" --activate
	t doctor-live-nxdomain 2 "$D"'s("dns").status == "fail" and (s("dns").detail | contains("NXDOMAIN")) and s("port").status == "skipped" and rc.step == "dns" and (rc.fix | startswith("publish _vlmcs._tcp.missing.good.doc.test."))' \
	    "$KD" doctor --json -s "$S" -d missing.good.doc.test
	t doctor-live-refused 2 "$D"'s("dns").status == "fail" and s("port").status == "fail" and rc.step == "dns"' \
	    "$KD" doctor --json -s "$S" -d refused.doc.test
	# Two domains, one without a record: DNS fails, the other's host is still probed.
	t doctor-live-two-domains 2 "$D"'s("dns").status == "fail" and s("port").status == "ok" and rc.step == "dns"' \
	    "$KD" doctor --json -s "$S" -d good.doc.test -d missing.good.doc.test -p "$GOOD"
	# Nothing given: the resolv.conf domain, as a client here would use.
	printf 'nameserver 127.0.0.1\nsearch good.doc.test\n' >"$tmp/resolv.conf"
	t doctor-live-resolv-conf 0 "$D"'s("dns").status == "ok" and site.domains[0].domain == "good.doc.test." and (map(select(.step == "domain"))[0].detail | contains("good.doc.test"))' \
	    "$KD" doctor --json -s "$S" --resolv-conf "$tmp/resolv.conf" -p "$GOOD"
fi

printf '# nothing\n' >"$tmp/empty.conf"
t doctor-no-domain 3 "$D"'s("dns").status == "unknown" and rc.step == "dns" and rc.status == "unknown"' \
    "$KD" doctor --json --resolv-conf "$tmp/empty.conf"

g doctor-usage-operand 64 'unexpected argument "good.test"' "$KD" doctor good.test
g doctor-usage-product 64 '--product needs --activate' "$KD" doctor --product "Windows 10/11 Enterprise" -H 127.0.0.1
g doctor-usage-bad-product 64 'not in the product table' "$KD" doctor --activate --product "No Such Edition" -H 127.0.0.1
g doctor-usage-port 64 'port 0: too small' "$KD" doctor -p 0 -H 127.0.0.1
g doctor-usage-zone-server 64 'cannot use --zone and --server' "$KD" doctor -z "$tmp/good.zone" -s 127.0.0.1
g doctor-usage-bad-server 64 'server dns.example:' "$KD" doctor -s dns.example -d good.test
g doctor-usage-bad-host 64 'host 127.0.0.1:99999:' "$KD" doctor -H 127.0.0.1:99999
g doctor-usage-bad-domain 64 'domain ' "$KD" doctor -d "a..b"

# ---- golden outputs of doctor ------------------------------------------------
# Whole outputs, text and JSON, against the responders and zones above; what
# varies between runs is masked (tests/front/golden.sh says what).
GOLDEN_TMP=$tmp
. tests/front/golden.sh
gport() { sed -n 's/^PORT //p' "$tmp/$1.resp"; }
G="GOOD=$GOOD REFUSED=$REFUSED LOW=$LOW HOSTKEY=$HOSTKEY SILENT=$(gport silent) FORGED=$(gport forged) NAK=$(gport nak) V6=$(gport v6)"
gd() {	# NAME ARGS...: text and --json
	gname=$1
	shift
	for gj in "" --json; do
		if golden_run tests/front/golden "doctor-$gname${gj:+-json}" "$G" "$KD" doctor $gj "$@"; then
			ok "golden-doctor-$gname${gj:+-json}"
		else
			bad "golden-doctor-$gname${gj:+-json}" "$golden_diff"
		fi
	done
}
gd zone-ok -z "$tmp/good.zone" -p "$GOOD" -t 1
gd zone-activate -z "$tmp/good.zone" -p "$GOOD" --activate -t 1
gd zone-srv-port -z "$tmp/good.zone" -t 1
gd zone-ttl -z "$tmp/ttl.zone" -p "$GOOD" -t 1
gd refused-activate -H "127.0.0.1:$REFUSED" --activate -t 1
gd bind-nak -H "127.0.0.1:$(gport nak)" -t 1
gd silent-activate -H "127.0.0.1:$(gport silent)" --activate -t 1
gd forged-activate -H "127.0.0.1:$(gport forged)" --activate -t 1
gd below-threshold -H "127.0.0.1:$(gport low)" --activate -t 1
gd host-key-refusal -H "127.0.0.1:$(gport hk)" --activate -t 1
gd two-hosts -H "127.0.0.1:$GOOD" -H "127.0.0.1:$(gport low)" --activate -t 1
gd two-hosts-refused -H "127.0.0.1:$GOOD" -H "127.0.0.1:$REFUSED" -t 1
gd two-records -z "$tmp/two.zone" --activate -t 1
gd zone-refused -z "$tmp/refused.zone" -t 1
gd no-domain --resolv-conf "$tmp/empty.conf" -t 1

# ---- dnscheck --probe: the SRV port judged by the engine ---------------------
# A record on a port other than 1688 where a KMS host answers passes; one
# where nothing answers fails, and no corrected record moves it to 1688.
g dnscheck-probe-port-proven 0 '^OK +srv_port +good\.doc\.test: .*not the default; a KMS host answers there' \
    "$KD" dnscheck --probe -z "$tmp/good.zone" -t 1
g dnscheck-probe-port-refused 2 '^FAIL +srv_port +refused\.doc\.test: .*where no KMS host answers' \
    "$KD" dnscheck --probe -z "$tmp/refused.zone" -t 1
grep -q ' 1688 ' "$tmp/out" && bad dnscheck-probe-no-1688 "$(grep ' 1688 ' "$tmp/out" | head -2)" ||
    ok dnscheck-probe-no-1688

# ---- one verdict per item in doctor, the dashboard and the capture ----------
. tests/front/consistency.sh

# ---- options: code, --help and man page agree -------------------------------
sh tests/front/options.sh "$B" >"$tmp/options" 2>&1
cat "$tmp/options"
p=$(sed -n 's/^options: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$tmp/options")
f=$(sed -n 's/^options: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$tmp/options")
if [ -z "$p" ]; then
	bad "options.sh (no summary line)"
else
	pass=$((pass + p))
	failn=$((failn + f))
fi

finish
