#!/bin/sh
# kmsdiag-capture as an administrator runs it: exit statuses, bad input,
# stdin, ports, IPv6, JSON keys.  Assertions are on JSON where possible.
B=${1:-build}
CAP="$B/kmsdiag-capture"
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC LC_ALL=C NO_COLOR=1

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
expect_rc() {	# name expected-rc command...
	name=$1 want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; else
		ko "$name (exit $rc, want $want)"; head -5 "$tmp/err"; fi
}
jq_py() {	# python3 expression over the list of JSON objects in $tmp/out
	python3 -c "
import json,sys
objs=[json.loads(l) for l in open('$tmp/out') if l.strip()]
sys.exit(0 if ($1) else 1)"
}
check_json() {	# name python-expression
	if jq_py "$2"; then ok "$1"; else ko "$1"; head -3 "$tmp/out"; fi
}

expect_rc usage-no-file 64 "$CAP"
expect_rc usage-bad-port 64 "$CAP" -p 70000 -r fixtures/kms-v6-win10-education.pcap
expect_rc usage-bad-filter 64 "$CAP" -f 'tcp port' -r fixtures/kms-v6-win10-education.pcap
expect_rc help 0 "$CAP" --help
expect_rc version 0 "$CAP" --version
grep -q "kmsdiag-capture $(sed -n 's/^VERSION[^=]*= *//p' Makefile)" "$tmp/out" && ok version-text || ko version-text

printf 'this is not a capture file\n' >"$tmp/notpcap"
expect_rc not-a-capture 3 "$CAP" -r "$tmp/notpcap"
grep -q "notpcap: offset 0: pcap: invalid" "$tmp/out" && ok not-a-capture-message || ko not-a-capture-message
: >"$tmp/empty"
expect_rc empty-file 3 "$CAP" -r "$tmp/empty"
expect_rc missing-file 3 "$CAP" -r "$tmp/does-not-exist"

# A capture cut in the middle of a record: packets before the cut decode.
f=fixtures/kms-v6-win10-education.pcap
head -c $(( $(wc -c <"$f") - 100 )) "$f" >"$tmp/cut.pcap"
expect_rc truncated-record 1 "$CAP" --json -r "$tmp/cut.pcap"
check_json truncated-record-error "any(o['type']=='error' and o['layer']=='pcap' and o['packet']==13 for o in objs)"
check_json truncated-record-still-decodes "any(o['type']=='exchange' and o['response'] and o['response']['count']==50 for o in objs)"

expect_rc ok-exit-warn-emulator 1 "$CAP" -r fixtures/kms-v6-win10-education.pcap
expect_rc stdin 1 sh -c "cat fixtures/kms-v6-win10-education.pcap | $CAP --json -r -"
check_json stdin-source "any(o['type']=='exchange' and o['source']=='(stdin)' for o in objs)"

expect_rc json-v6 1 "$CAP" --json -r fixtures/kms-v6-win10-education.pcap
check_json json-v6-keys "[o for o in objs if o['type']=='exchange'][0]['request']['cmid']=='dae825c2-cccd-437d-b157-ccbecf144dce' and [o for o in objs if o['type']=='exchange'][0]['request']['version']=='6.0' and [o for o in objs if o['type']=='exchange'][0]['request']['required_count']==25 and [o for o in objs if o['type']=='exchange'][0]['request']['client_time'].endswith('Z')"
check_json json-v6-response "[o for o in objs if o['type']=='exchange'][0]['response']['verified'] is True and [o for o in objs if o['type']=='exchange'][0]['response']['count']==50 and [o for o in objs if o['type']=='exchange'][0]['verdict']=='activates'"
check_json json-summary-last "objs[-1]['type']=='summary' and objs[-1]['products'][0]['distinct_cmids']==1"

# The host on [::1]:1700: nothing on 1688, one exchange with -p 1700.
expect_rc port-default-ignores-1700 0 "$CAP" --json -r fixtures/kms-v6-win10-ltsc2019-ipv6-port1700.pcap
check_json port-default-no-exchange "not any(o['type']=='exchange' for o in objs)"
expect_rc port-1700 1 "$CAP" --json -p 1700 -r fixtures/kms-v6-win10-ltsc2019-ipv6-port1700.pcap
check_json ipv6-host-format "any(o['type']=='exchange' and o['host']=='[::1]:1700' and o['response']['verified'] for o in objs)"

# BPF narrowing keeps the file's packet numbers.
expect_rc bpf-filter 1 "$CAP" --json -f 'tcp dst port 1688' -r fixtures/kms-v6-win10-education.pcap
check_json bpf-filter-no-response "any(o['type']=='exchange' and o['verdict']=='no_response' for o in objs)"

# Refusals: exit 2, HRESULT named from the error table.
expect_rc refused-exit 2 "$CAP" --json -r fixtures/kms-error-c004f042-whitelist-K3.pcap
check_json refused-hresult "sum(1 for o in objs if o['type']=='exchange' and o.get('hresult')=='0xC004F042' and o['hresult_name']=='SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH')==2"
check_json refused-checklist "any(p['checklist']=='host_key' for p in objs[-1]['problems'])"

# Below threshold: the client list fixture has 6 Windows and 2 Office clients.
expect_rc below-threshold 2 "$CAP" --json -r fixtures/kms-clientlist-6win-2office2016.pcap
check_json below-threshold-counts "[o['response']['count'] for o in objs if o['type']=='exchange']==[1,2,3,4,5,6,1,2]"
check_json below-threshold-verdicts "all(o['verdict']=='below_threshold' for o in objs if o['type']=='exchange')"

# Multiple files in one run are one summary.
expect_rc two-files 1 "$CAP" --json -r fixtures/kms-v4-vista-business.pcap fixtures/kms-v5-ws2012r2-standard-vm.pcap
check_json two-files-hosts "objs[-1]['exchanges']==2"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
