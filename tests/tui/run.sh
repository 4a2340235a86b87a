#!/bin/sh
# kmsdiag-tui as a person sees it: the real binary in a tmux pane, driven
# with send-keys and read back with capture-pane, on the shipped demo
# fixtures (fixtures/demo/corp.zone, a capture of six Windows and two
# Office clients below the threshold).  Also --report and --report --json,
# usage errors, and --iterations unattended (under ASan when $1 is the
# sanitizer build).  The only network traffic is the probe of 127.0.0.1
# port 1689 that the demo zone's SRV record names.
#
# usage: tests/tui/run.sh BUILD_DIR
# Prints PASS/FAIL/SKIP per case, then "tui: N passed, N failed, N skipped".

B=${1:?usage: tests/tui/run.sh BUILD_DIR}
TUI=$B/kmsdiag-tui
ZONE=fixtures/demo/corp.zone
PCAP=fixtures/kms-clientlist-6win-2office2016.pcap
DEMO="-z $ZONE -r $PCAP -t 1"
npass=0 nfail=0 nskip=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdtui.XXXXXX") || exit 2
SOCK=kmsdiag-test-$$
export TZ=UTC LC_ALL=C.UTF-8
unset NO_COLOR

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in $RPIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1${2:+ ($2)}"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1 ($2)"; nskip=$((nskip + 1)); }

# Sanitizer builds are slower to start; give every wait more room.
case $B in *asan*) WAIT=300 ;; *) WAIT=100 ;; esac

expect_rc() {	# name expected-rc command...
	name=$1 want=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = "$want" ]; then pass "$name"; else
		fail "$name" "exit $rc, want $want"; head -5 "$TMP/err"; fi
}
check_json() {	# name python-expression over objs, the JSON lines of $TMP/out
	if python3 -c "
import json,sys
objs=[json.loads(l) for l in open('$TMP/out') if l.strip()]
item={o['item']:o for o in objs if o['type']=='item'}
hosts={o['host']:o for o in objs if o['type']=='host'}
sys.exit(0 if ($2) else 1)"; then pass "$1"; else fail "$1"; head -c 600 "$TMP/out"; fi
}

# Is something listening on the demo's wrong port?  Then the port verdict
# is not ours to predict.
port_free=yes
if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn 'sport = :1689' 2>/dev/null)" ]; then
	port_free=no
fi

# ---------------------------------------------------------------- report
expect_rc help 0 "$TUI" --help
grep -q -- '--iterations' "$TMP/out" && pass help-text || fail help-text
expect_rc version 0 "$TUI" --version
grep -q "kmsdiag-tui $(sed -n 's/^VERSION[^=]*= *//p' Makefile)" "$TMP/out" &&
    pass version-text || fail version-text
expect_rc usage-nothing 64 "$TUI"
expect_rc usage-json-needs-report 64 "$TUI" --json $DEMO
expect_rc usage-bad-speed 64 "$TUI" --report --speed -1 -r "$PCAP"
expect_rc usage-bad-interval 64 "$TUI" --report -I 0 -r "$PCAP"
expect_rc usage-tick-not-manual 64 "$TUI" --report --tick port -r "$PCAP"
expect_rc usage-i-and-r 64 "$TUI" --report -i lo -r "$PCAP"
expect_rc usage-bad-host-port 64 "$TUI" --report -H 127.0.0.1:99999
grep -q 'host 127.0.0.1:99999' "$TMP/err" && pass usage-bad-host-message || fail usage-bad-host-message
expect_rc usage-extra-arg 64 "$TUI" --report -r "$PCAP" stray
# -f narrows what the capture decodes; it needs a capture and must compile.
expect_rc usage-filter-needs-capture 64 "$TUI" --report -H 127.0.0.1 -f tcp
expect_rc usage-bad-filter 64 "$TUI" --report -r "$PCAP" -f 'tcp port'
grep -q 'bad filter "tcp port"' "$TMP/err" && pass usage-bad-filter-message || fail usage-bad-filter-message
"$TUI" --report --json -r "$PCAP" -f 'tcp port 1688 and host 127.0.0.1' >"$TMP/out" 2>"$TMP/err"
check_json filter-keeps "objs[-1]['clients']==8 and objs[-1]['events']>=8"
"$TUI" --report --json -r "$PCAP" -f 'tcp port 1689' >"$TMP/out" 2>"$TMP/err"
check_json filter-drops "objs[-1]['clients']==0 and objs[-1]['events']==0"
expect_rc usage-no-terminal 64 "$TUI" $DEMO
grep -q 'needs a terminal' "$TMP/err" && pass no-terminal-message || fail no-terminal-message
expect_rc missing-capture 3 "$TUI" --report -r "$TMP/does-not-exist.pcap"
grep -q 'does-not-exist.pcap' "$TMP/err" && pass missing-capture-names-file ||
    fail missing-capture-names-file

expect_rc report-text 2 "$TUI" --report $DEMO
grep -q '^2\. DNS  *FAIL  *corp\.test\. publishes kms1\.corp\.test\. port 1689, where no KMS host answers' "$TMP/out" &&
    pass report-text-dns || fail report-text-dns
grep -q '^4\. Threshold  *FAIL  *127\.0\.0\.1:1688: count [0-9]* < 25' "$TMP/out" &&
    pass report-text-threshold || fail report-text-threshold
grep -q '^7\. Domain  *MANUAL ' "$TMP/out" && pass report-text-manual-unknown ||
    fail report-text-manual-unknown
grep -q '^   - WARN  *TTL 600 s .*\[zone\]$' "$TMP/out" &&
    pass report-text-evidence || fail report-text-evidence
if grep -q "$(printf '\033')" "$TMP/out"; then fail report-text-no-color-in-pipe; else
	pass report-text-no-color-in-pipe; fi

expect_rc report-json 2 "$TUI" --report --json $DEMO
check_json json-nine-items "[o['item'] for o in objs if o['type']=='item']==['port','dns','rpc','threshold','host_key','key','domain','time','other']"
check_json json-dns-fail "item['dns']['status']=='fail' and any(e['check']=='srv_port' and e['status']=='fail' for e in item['dns']['evidence']) and any(e['check']=='srv_ttl' and e['ttl']==600 for e in item['dns']['evidence'])"
check_json json-threshold-fail "item['threshold']['status']=='fail' and item['threshold']['source']=='capture' and any('count 6 < 25' in e['detail'] and e.get('host')=='127.0.0.1:1688' for e in item['threshold']['evidence'])"
# The host answers Windows with an Office key: a forged ePID or an emulator (rule 5),
# client clocks and keys are judged from the clients it saw.
check_json json-capture-items "item['key']['status']=='ok' and item['time']['status']=='ok' and item['host_key']['status']=='warn' and 'emulator' in item['host_key']['detail']"
check_json json-emulator-warn "item['host_key']['status']=='warn' and any('emulator' in e['detail'] for e in item['host_key']['evidence'])"
check_json json-domain-manual "item['domain']['status']=='unknown' and item['domain']['manual'] is True and item['domain']['ticked'] is False"
check_json json-hosts "hosts['127.0.0.1:1688']['count']==6 and hosts['127.0.0.1:1688']['required_count']==25 and hosts['127.0.0.1:1688']['exchanges']==8 and hosts['127.0.0.1:1689']['probed'] is True"
check_json json-products "sorted((o['name'],o['distinct_cmids']) for o in objs if o['type']=='product')[0]==('Office 2016 (Volume)',2)"
check_json json-summary-last "objs[-1]['type']=='summary' and objs[-1]['exit']==2 and objs[-1]['clients']==8"
if [ "$port_free" = yes ]; then
	check_json json-port-refused "item['port']['status']=='fail' and hosts['127.0.0.1:1689']['state']=='refused'"
else
	skip json-port-refused "something listens on 127.0.0.1:1689"
fi

printf 'nameserver 127.0.0.1\nsearch corp.test example.org\n' >"$TMP/resolv.conf"
expect_rc report-suffix 2 "$TUI" --report --json --resolv-conf "$TMP/resolv.conf" $DEMO
check_json json-domain-suffix-hint "item['domain']['status']=='unknown' and item['domain']['detail'].endswith('DNS suffix: corp.test')"
expect_rc report-tick 2 "$TUI" --report --json --tick domain $DEMO
check_json json-tick-domain "item['domain']['status']=='ok' and item['domain']['ticked'] is True and item['domain']['source']=='operator'"

# A capture cut in the middle of a record: what came before is decoded and
# the error, with its packet number, is evidence under "other".
f=fixtures/kms-v6-win10-education.pcap
head -c $(( $(wc -c <"$f") - 100 )) "$f" >"$TMP/cut.pcap"
expect_rc report-cut-capture 1 "$TUI" --report --json -r "$TMP/cut.pcap"
check_json cut-capture-other "item['other']['status']=='warn' and 'packet 13' in item['other']['detail'] and 'cut.pcap' in item['other']['detail']"

# Each checklist item from a capture that shows that one problem.
for case in kms-clock-skew-6h:time:fail tcp-syn-filtered:port:fail \
    kms-host-key-mismatch:host_key:warn clients-duplicate-cmid:threshold:fail \
    rpc-bind-nak:rpc:fail not-rpc-http-on-1688:rpc:fail kms-bad-hash:rpc:fail; do
	f=${case%%:*} rest=${case#*:}
	it=${rest%%:*} st=${rest#*:}
	"$TUI" --report --json -r "fixtures/synthetic/$f.pcap" >"$TMP/out" 2>"$TMP/err"
	check_json "item-$it-$st-from-$f" "item['$it']['status']=='$st' and 'capture' in item['$it']['source']"
done

# A capture whose exchanges all activate, no DNS, no probe: everything the
# capture can see is OK, the manual item stays open, the status is OK.
expect_rc report-activates 1 "$TUI" --report --json -r fixtures/kms-v6-win10-education.pcap
check_json json-activates-threshold-ok "item['threshold']['status']=='ok' and item['port']['status']=='ok' and item['dns']['status']=='unknown'"

# --evidence: the host's own log judged with the replayed capture and the
# zone, its findings in their items with the record kind as their source.
W=fixtures/windows
expect_rc report-evidence 2 "$TUI" --report --json $DEMO --evidence "$W/host-events.xml" \
    --evidence "$W/slmgr-client-dlv.txt"
check_json json-evidence-cloned "any(e['check']=='cloned_cmid' and e['evidence']=='host log' and e['source']=='windows' for e in item['threshold']['evidence'])"
check_json json-evidence-beside-network "any(e['check']=='srv_ttl' for e in item['dns']['evidence']) and any(e['check']=='host_refused' for e in item['time']['evidence']) and item['time']['status']=='fail' and item['time']['source']=='host log'"
"$TUI" --report --no-color --evidence "$W/host-events.xml" >"$TMP/out" 2>"$TMP/err"
grep -q '^   - WARN  *one CMID from at least two machines .*\[host log\]$' "$TMP/out" &&
    pass report-text-evidence-source || fail report-text-evidence-source
expect_rc usage-evidence-needs-file 64 "$TUI" --report --evidence

# ---------------------------------------------------------------- golden
GOLDEN_TMP=$TMP
. tests/front/golden.sh
tui_golden() {	# NAME ARGS...: --report and --report --json against tests/tui/golden
	gname=$1
	shift
	for gj in "" --json; do
		if golden_run tests/tui/golden "report-$gname${gj:+-json}" \
		    "GOOD=${good:-} LOW=${low:-} REFUSED=${port:-}" "$TUI" --report $gj "$@"; then
			pass "golden-report-$gname${gj:+-json}"
		else
			fail "golden-report-$gname${gj:+-json}"
			echo "$golden_diff"
		fi
	done
}
if [ "$port_free" = yes ]; then
	tui_golden demo $DEMO
	tui_golden demo-tick --tick domain $DEMO
else
	skip golden-report-demo "something listens on 127.0.0.1:1689"
fi
for f in kms-v6-win10-education kms-clientlist-6win-2office2016; do
	tui_golden "capture-$f" -r "fixtures/$f.pcap"
done
tui_golden capture-cut -r "$TMP/cut.pcap"

# ---------------------------------------------------------------- probes
# The test KMS responder on loopback, IPv4 and IPv6: the probe engine in
# process, --activate passed through.
RESP=$B/tests/kms-responder
RPIDS=
responder() {	# name args...: starts one, sets $port
	n=$1; shift
	"$RESP" --lifetime 300 --epid 03612-00206-556-123456-03-1033-17763.0000-3182018 "$@" \
	    >"$TMP/$n.port" 2>/dev/null &
	RPIDS="$RPIDS $!"
	i=0
	while [ $i -lt 100 ] && ! grep -q PORT "$TMP/$n.port" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	port=$(sed -n 's/^PORT //p' "$TMP/$n.port")
}
if [ -x "$RESP" ]; then
	responder good
	good=$port
	expect_rc probe-activate-ok 0 "$TUI" --report --json -H "127.0.0.1:$good" --activate
	check_json probe-items-ok "item['port']['status']=='ok' and item['rpc']['status']=='ok' and item['threshold']['status']=='ok' and item['host_key']['status']=='ok' and item['dns']['status']=='unknown'"
	check_json probe-host-facts "hosts['127.0.0.1:$good']['count']==50 and hosts['127.0.0.1:$good']['state']=='open' and hosts['127.0.0.1:$good']['rpc']=='kms' and hosts['127.0.0.1:$good']['key_group'] is not None and len(hosts['127.0.0.1:$good']['connect_ms'])==1"
	# Without --activate the host's count stays unknown: nothing was sent.
	expect_rc probe-no-activate 0 "$TUI" --report --json -H "127.0.0.1:$good"
	check_json probe-no-activate-count "hosts['127.0.0.1:$good']['count'] is None and item['threshold']['status']=='unknown'"
	responder low --count 3
	low=$port
	expect_rc probe-below-threshold 2 "$TUI" --report --json -H "127.0.0.1:$port" --activate
	check_json probe-below-threshold-item "item['threshold']['status']=='fail' and item['port']['status']=='ok' and item['threshold']['source']=='probe'"
	responder reject --bind reject
	expect_rc probe-bind-rejected 2 "$TUI" --report --json -H "127.0.0.1:$port"
	check_json probe-bind-rejected-item "item['rpc']['status']=='fail' and item['port']['status']=='ok'"
	responder v6 -6
	if [ -n "$port" ]; then
		expect_rc probe-ipv6 0 "$TUI" --report --json -6 -H "[::1]:$port"
		check_json probe-ipv6-host "hosts['[::1]:$port']['state']=='open' and item['port']['status']=='ok'"
	else
		skip probe-ipv6 "no IPv6 loopback"
	fi
	responder closed --refuse
	expect_rc probe-refused 2 "$TUI" --report --json -H "127.0.0.1:$port"
	check_json probe-refused-item "item['port']['status']=='fail' and 'refused' in item['port']['detail']"
	# Golden --report outputs, text and JSON (tests/front/golden.sh masks
	# what varies between runs).
	for gc in "probe-good:-H 127.0.0.1:$good --activate" \
	    "probe-below:-H 127.0.0.1:$low --activate" \
	    "probe-refused:-H 127.0.0.1:$port" \
	    "probe-two-hosts:-H 127.0.0.1:$good -H 127.0.0.1:$low --activate"; do
		tui_golden "${gc%%:*}" -t 1 ${gc#*:}
	done
	# Live capture on loopback sees the probe's own activation exchange:
	# the three engines in one loop.  Root only; privileges are dropped to
	# nobody once the interface is open.
	if [ "$(id -u)" = 0 ]; then
		# vlmcsd's HwId: the capture's emulator warning makes the exit 1.
		responder emu --hwid 3A1C049600B60076
		good=$port
		"$TUI" --report --json -i lo -p "$good" -H "127.0.0.1:$good" --activate \
		    >"$TMP/out" 2>"$TMP/err" &
		tpid=$!
		sleep 1.5
		uid=$(awk '/^Uid:/ { print $3 }' "/proc/$tpid/status" 2>/dev/null)
		[ "$uid" = "$(id -u nobody 2>/dev/null)" ] && pass live-drops-to-nobody ||
		    fail live-drops-to-nobody "euid ${uid:-?}"
		sleep 1
		kill -INT "$tpid"
		wait "$tpid"
		rc=$?
		[ "$rc" = 1 ] && pass live-report-exit || fail live-report-exit "exit $rc"
		check_json live-sees-probe-exchange "objs[-1]['events']>=1 and hosts['127.0.0.1:$good']['exchanges']>=1 and any('capture' in e.get('source','') for e in item['rpc']['evidence'])"
		expect_rc live-bad-user 3 "$TUI" --report -i lo -Z no-such-user-kmsdiag -H "127.0.0.1:$good"
		grep -q 'no-such-user-kmsdiag' "$TMP/err" && pass live-bad-user-message ||
		    fail live-bad-user-message
	else
		skip live-capture "needs root"
	fi
else
	skip probes "$RESP not built"
fi

# ---------------------------------------------------------------- dashboard
if ! command -v tmux >/dev/null 2>&1; then
	skip dashboard "tmux not installed"
	echo "tui: $npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ]
	exit
fi

# start NAME COLS ROWS "ENV..." ARGS...: the dashboard in a pane; its pid
# lands in $TMP/NAME.pid and its exit status in $TMP/NAME.rc.
start() {
	name=$1 cols=$2 rows=$3 envs=$4; shift 4
	tmux -L "$SOCK" new-session -d -s "$name" -x "$cols" -y "$rows" \
	    "sh -c 'echo \$\$ >$TMP/$name.pid; exec env $envs $TUI $*'; echo \$? >$TMP/$name.rc; sleep 600"
}
screen() { tmux -L "$SOCK" capture-pane -p -t "$1"; }
# wait_for NAME REGEX: until the pane shows it (grep -E), bounded.
wait_for() {
	i=0
	while [ $i -lt $WAIT ]; do
		screen "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
wait_rc() {
	i=0
	while [ $i -lt $WAIT ]; do
		[ -s "$TMP/$1.rc" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
keys() { n=$1; shift; tmux -L "$SOCK" send-keys -t "$n" "$@"; sleep 0.3; }
shows() {	# name session regex
	if wait_for "$2" "$3"; then pass "$1"; else fail "$1" "screen lacks /$3/"; screen "$2" | head -30; fi
}
lacks() {
	if screen "$2" | grep -Eq -- "$3"; then fail "$1" "screen shows /$3/"; else pass "$1"; fi
}
alt_off() {	# the program left the alternate screen: the terminal is back
	[ "$(tmux -L "$SOCK" display -p -t "$1" '#{alternate_on}')" = 0 ]
}

start main 80 24 "" $DEMO --speed 0
shows dash-checklist-port main '^│1 Port +(FAIL|OK) '
shows dash-checklist-dns main '^│2 DNS +FAIL +corp\.test\. publishes kms1\.corp\.test\. port 1689'
shows dash-checklist-rpc main '^│3 RPC +OK +127\.0\.0\.1:1688 is a KMS host'
shows dash-checklist-threshold main '^│4 Threshold +FAIL +127\.0\.0\.1:1688: count [0-9]+ < 25'
shows dash-checklist-hostkey main '^│5 Host key +WARN +127\.0\.0\.1:1688 shows a sign of a KMS emul'
shows dash-checklist-key main '^│6 Client key +OK '
shows dash-checklist-domain main '^│7 Domain +MANUAL +\[ \] on the client'
shows dash-checklist-time main '^│8 Time +OK '
shows dash-overall main 'overall FAIL'
if [ "$port_free" = yes ]; then
	shows dash-port-refused main '^│1 Port +FAIL +kms1\.corp\.test 127\.0\.0\.1:1689: nothing listens'
fi
shows dash-hosts-panel main '127\.0\.0\.1:1688 .*\[##\.+\] 6/25'
# Every line fits 80 columns: nothing wraps at the smallest usual size.
fits() {	# session cols rows: no line wider, no more lines (characters, not bytes)
	screen "$1" | python3 -c "
import sys
ls=sys.stdin.read().rstrip('\\n').split('\\n')
sys.exit(0 if len(ls) <= $3 and max(len(l) for l in ls) <= $2 else 1)"
}
if fits main 80 24; then pass dash-fits-80x24; else fail dash-fits-80x24; fi

keys main Tab
shows tab-hosts main '─ KMS hosts \* '
keys main Tab
shows tab-dns main '─ DNS \* '
shows tab-dns-record main 'FAIL _vlmcs\._tcp\.corp\.test\. -> kms1\.corp\.test\. port 1689 FAIL, TTL 600 WARN'
keys main Tab
shows tab-traffic main '─ Traffic \(8 events\) \* '
shows tab-traffic-line main '14:44:39 CL-WIN-01 1/25 below_threshold'
# The traffic panel follows the newest line: Enter opens the last exchange,
# with its whole decode.
keys main Enter
shows traffic-details main 'Details: Traffic'
shows traffic-details-newest main '^│ 14:44:41 CL-OFC-02 2/5 below_threshold'
shows traffic-details-verdict main 'Verdict: FAIL'
# What the client gets from it, as kmsdiag explain says it.
shows traffic-details-explain main 'Error 0xC004F038: SL_E_VL_NOT_ENOUGH_COUNT \(kmsdiag explain\)'
shows traffic-details-explain-item main 'checklist 4\. Threshold'
keys main PgDn
shows traffic-details-scrolls main 'cmid: d7f8e031-c293-4899-87ac-df5c4339a8f7'
keys main Escape
keys main Tab
shows tab-clients main '─ Clients \(8 distinct CMIDs\) \* '
shows tab-clients-bar main 'FAIL Office 2016 \(Volume\) +\[#+\.+\] 2/5 *│'
keys main Tab
shows tab-wraps-to-checklist main '─ Checklist \* '
keys main BTab
shows shift-tab-back main '─ Clients \(8 distinct CMIDs\) \* '

keys main Tab Enter
shows details-open main 'Details: Checklist \(Esc back\)'
shows details-question main 'Question: TCP 1688 on the KMS host'
shows details-evidence main 'seen by: (probe|zone|capture)'
keys main Escape
shows details-back main '─ Checklist \* '
lacks details-closed main 'Details:'

keys main Down Down Down Down Down Down Space
shows tick-domain main '^│7 Domain +OK +\[x\] confirmed by hand'
keys main Space
shows untick-domain main '^│7 Domain +MANUAL +\[ \]'

keys main Tab Tab Tab / O F C Enter
shows filter-keeps main 'CL-OFC-01'
lacks filter-hides main 'CL-WIN-01'
keys main / Escape
shows filter-cleared main 'CL-WIN-01'

keys main '?'
shows help-open main 'kmsdiag-tui keys'
keys main x
lacks help-closed main 'kmsdiag-tui keys'

tmux -L "$SOCK" resize-window -t main -x 200 -y 60
sleep 0.5
shows resize-200x60-all-panels main '─ Checklist '
shows resize-200x60-hosts main '─ KMS hosts '
shows resize-200x60-dns main '─ DNS '
shows resize-200x60-traffic main '─ Traffic '
shows resize-200x60-clients main '─ Clients '
# Layout by content (160x45, 220x50): the checklist's findings are not cut,
# a panel with two rows is two rows high, an empty one shrinks to one.
boxes() {	# session: "TITLE x y w h" per panel frame on the screen
	screen "$1" | python3 -c "
import sys
ls=sys.stdin.read().split('\n')
for y,l in enumerate(ls):
    x=l.find('┌─ ')
    while x>=0:
        t=l[x+3:].split(' ')[0]
        e=l.find('┐',x)
        h=next((k-y+1 for k in range(y+1,len(ls)) if len(ls[k])>x and ls[k][x]=='└'),0)
        print(t,x,y,e-x+1,h)
        x=l.find('┌─ ',x+1)
"
}
for size in 160x45 220x50; do
	tmux -L "$SOCK" resize-window -t main -x "${size%x*}" -y "${size#*x}"
	sleep 0.5
	boxes main >"$TMP/boxes"
	if awk -v w="${size%x*}" '$1 == "Checklist" && $4 == w { f = 1 } END { exit !f }' "$TMP/boxes"
	then pass "layout-$size-findings-full-width"; else fail "layout-$size-findings-full-width" "$(tr '\n' ' ' <"$TMP/boxes")"; fi
	# No finding runs into the border: each row ends in a blank before it.
	if screen main | grep -Eq '^│1 Port .*connection refused\) +│' &&
	    screen main | grep -Eq '^│2 DNS .*no KMS host answers \(refused\) +│'; then
		pass "layout-$size-findings-not-cut"
	else fail "layout-$size-findings-not-cut" "$(screen main | grep -E '^│[1-9] ' | head -3)"; fi
	awk '$1 == "KMS" { h = $5 } END { exit !(h == 4) }' "$TMP/boxes" &&
	    pass "layout-$size-hosts-two-rows" || fail "layout-$size-hosts-two-rows" "$(tr '\n' ' ' <"$TMP/boxes")"
	awk '$1 == "DNS" { h = $5 } END { exit !(h == 3) }' "$TMP/boxes" &&
	    pass "layout-$size-dns-one-row" || fail "layout-$size-dns-one-row" "$(tr '\n' ' ' <"$TMP/boxes")"
	[ "$(wc -l <"$TMP/boxes")" = 5 ] && pass "layout-$size-five-panels" || fail "layout-$size-five-panels"
	if fits main "${size%x*}" "${size#*x}"; then pass "layout-$size-fits"; else fail "layout-$size-fits"; fi
done
tmux -L "$SOCK" resize-window -t main -x 80 -y 24
sleep 0.5
lacks resize-80x24-compact main '─ DNS .*─|─ KMS hosts .*─ Traffic'
shows resize-80x24-checklist main '^│9 Other '
if fits main 80 24; then pass resize-80x24-fits; else fail resize-80x24-fits; fi

keys main q
if wait_rc main && [ "$(cat "$TMP/main.rc")" = 0 ]; then pass quit-exit-0; else
	fail quit-exit-0 "rc $(cat "$TMP/main.rc" 2>/dev/null)"; fi
if alt_off main; then pass quit-restores-terminal; else fail quit-restores-terminal; fi

# Colour is semantic: escapes for verdicts with colour, none without, and
# the words are there either way.
esc=$(printf '\033')
start color 80 24 "" $DEMO --speed 0
wait_for color 'overall FAIL' >/dev/null
if tmux -L "$SOCK" capture-pane -e -p -t color | grep -q "${esc}\[[0-9;]*3[123]m"; then
	pass color-escapes; else fail color-escapes; fi
keys color q
# An empty NO_COLOR is unset (no-color.org): colour stays.
start colorempty 80 24 "NO_COLOR=" $DEMO --speed 0
wait_for colorempty 'overall FAIL' >/dev/null
if tmux -L "$SOCK" capture-pane -e -p -t colorempty | grep -q "${esc}\[[0-9;]*3[123]m"; then
	pass color-empty-no-color; else fail color-empty-no-color; fi
keys colorempty q
for mode in no-color:NO_COLOR=1 vt100:TERM=vt100 flag:--no-color; do
	n=${mode%%:*} e=${mode#*:} flag=
	case $e in --*) flag=$e e= ;; esac
	start "$n" 80 24 "$e" $DEMO --speed 0 $flag
	shows "mono-$n-words" "$n" '^.1 Port +(FAIL|OK) '
	shows "mono-$n-warn" "$n" '^.5 Host key +WARN '
	shows "mono-$n-ok" "$n" '^.6 Client key +OK '
	if tmux -L "$SOCK" capture-pane -e -p -t "$n" | grep -q "${esc}\[[0-9;]*3[1-6]m"; then
		fail "mono-$n-no-colour"; else pass "mono-$n-no-colour"; fi
	keys "$n" q
done

# p holds a real-time replay (the capture spans about 2 s; at half speed,
# about 4 s) and p again resumes it.
start replay 200 60 "" $DEMO --speed 0.5
if wait_for replay 'Traffic \([1-5] events'; then
	keys replay p
	sleep 0.3	# the last redraw before the pause may still be due
	n1=$(screen replay | sed -n 's/.*Traffic (\([0-9]*\) events.*/\1/p' | head -1)
	sleep 1.5
	n2=$(screen replay | sed -n 's/.*Traffic (\([0-9]*\) events.*/\1/p' | head -1)
	[ -n "$n1" ] && [ "$n1" = "$n2" ] && [ "$n1" -lt 8 ] && pass pause-holds-replay ||
	    fail pause-holds-replay "$n1 -> $n2"
	keys replay p
	shows resume-finishes-replay replay 'Traffic \(8 events'
else
	fail pause-holds-replay "replay did not start"
fi
keys replay q

# A terminal type curses cannot drive: a clear error, not a crash.
# (ncurses keeps the block of its failed newterm() until exit; LeakSanitizer
# would report that library allocation, so leaks are not checked here.)
start badterm 80 24 "ASAN_OPTIONS=detect_leaks=0 TERM=no-such-terminal-kmsdiag" $DEMO
shows bad-term-message badterm 'cannot drive terminal type "no-such-terminal-kmsdiag"'
if wait_rc badterm && [ "$(cat "$TMP/badterm.rc")" = 3 ]; then pass bad-term-exit-3; else
	fail bad-term-exit-3; fi

# SIGTERM and SIGINT restore the terminal as well.
for sig in TERM INT; do
	start "sig$sig" 80 24 "" $DEMO --speed 0
	wait_for "sig$sig" 'overall' >/dev/null
	kill -"$sig" "$(cat "$TMP/sig$sig.pid")" 2>/dev/null
	if wait_rc "sig$sig" && alt_off "sig$sig"; then pass "sig$sig-restores-terminal"; else
		fail "sig$sig-restores-terminal"; fi
done

# Periodic cycles against the responder: the latency history grows into a
# sparkline, r re-runs now, p pauses.
if [ -n "$good" ]; then
	start live 80 24 "" -H "127.0.0.1:$good" -I 1
	shows interval-cycles live 'cycle [3-9]'
	shows interval-sparkline live '127\.0\.0\.1:'"$good"' +open +kms +[^ ]{3,} [0-9.]+ms'
	keys live p
	shows pause-shown live 'PAUSED'
	sleep 0.5	# a cycle already under way may still finish
	c1=$(screen live | sed -n 's/.*cycle \([0-9]*\).*/\1/p')
	sleep 1.5
	c2=$(screen live | sed -n 's/.*cycle \([0-9]*\).*/\1/p')
	[ "$c1" = "$c2" ] && pass pause-stops-cycles || fail pause-stops-cycles "$c1 -> $c2"
	keys live r
	shows rerun-now live "cycle $((c2 + 1))"
	keys live p q
	wait_rc live && pass live-quit || fail live-quit
fi

# DNS through a live server (ldns-testns) whose SRV record names the
# responder: the SRV targets become probe targets.
if [ -n "$good" ] && command -v ldns-testns >/dev/null 2>&1; then
	for q in "_vlmcs._tcp.live.test. IN SRV|_vlmcs._tcp.live.test. 3600 IN SRV 0 0 $good kms1.live.test." \
	    "kms1.live.test. IN A|kms1.live.test. 3600 IN A 127.0.0.1" \
	    "kms1.live.test. IN AAAA|kms1.live.test. 3600 IN AAAA ::1"; do
		printf 'ENTRY_BEGIN\nMATCH opcode qtype qname\nADJUST copy_id\nREPLY QR AA NOERROR\nSECTION QUESTION\n%s\nSECTION ANSWER\n%s\nENTRY_END\n' \
		    "${q%%|*}" "${q#*|}"
	done >"$TMP/live.data"
	. tests/lib/testns.sh
	kd_start_testns "$TMP/live.data" "$TMP/tns.out"
	RPIDS="$RPIDS $TESTNS_PID"
	tns=$TESTNS_PORT
	# The record's port is the responder's, not 1688, and the host it names
	# answers there: the port passes with a note (rule 2), and no message
	# names an option the dashboard does not have.  -4: the responder is
	# not on ::1.
	expect_rc dns-live-srv 0 "$TUI" --report --json -4 -d live.test -s "127.0.0.1:$tns" -t 2
	check_json dns-live-srv-probed "hosts['127.0.0.1:$good']['state']=='open' and item['port']['status']=='ok' and item['rpc']['status']=='ok' and ('[::1]:$good' not in hosts or hosts['[::1]:$good']['state'] is None)"
	check_json dns-live-srv-port "item['dns']['status']=='ok' and any(e['check']=='srv_port' and e['status']=='ok' and 'a KMS host answers there' in e['detail'] for e in item['dns']['evidence'])"
	if grep -q -- '--port' "$TMP/out"; then fail dns-live-no-foreign-option; else pass dns-live-no-foreign-option; fi
else
	skip dns-live-srv "ldns-testns not installed"
fi

# A DNS server that never answers: the checks wait for their timeout in
# the worker thread while the screen keeps answering keys.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$TMP/silent.port" &
RPIDS="$RPIDS $!"
i=0
while [ $i -lt 100 ] && [ ! -s "$TMP/silent.port" ]; do sleep 0.05; i=$((i + 1)); done
silent=$(cat "$TMP/silent.port")
start slow 80 24 "" -d silent.test -s "127.0.0.1:$silent" -t 120
wait_for slow '\| dns ' >/dev/null
k0=$(date +%s%N)
keys slow Tab
if wait_for slow '─ KMS hosts \* ' && screen slow | grep -q '| dns '; then
	k1=$(date +%s%N)
	pass "responsive-while-dns-waits ($(( (k1 - k0) / 1000000 )) ms)"
else
	fail responsive-while-dns-waits
fi
shows dns-timeout-unknown slow '^│2 DNS +\?\? '
# Quitting does not wait for the DNS timeout (120 s) either: the exit
# comes within the usual wait.
tmux -L "$SOCK" send-keys -t slow q
if wait_rc slow; then
	pass slow-quit-before-dns-timeout
	[ "$(cat "$TMP/slow.rc")" = 0 ] && pass slow-quit-status ||
	    fail slow-quit-status "rc $(cat "$TMP/slow.rc")"
else
	fail slow-quit-before-dns-timeout "still waiting for the DNS check"
fi

# Unattended: N refresh cycles then quit by itself with the checklist's
# status (2: failures found).  A sanitizer report would change the status.
start iter 80 24 "" $DEMO --speed 0 -I 1 --iterations 3
if wait_rc iter || { sleep 5; wait_rc iter; }; then
	rc=$(cat "$TMP/iter.rc")
	[ "$rc" = 2 ] && pass iterations-exit-2 || fail iterations-exit-2 "rc $rc"
	alt_off iter && pass iterations-restores-terminal || fail iterations-restores-terminal
else
	fail iterations-exit-2 "did not stop"
fi

echo "tui: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
