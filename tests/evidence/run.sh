#!/bin/sh
# kmsdiag-evidence as an administrator runs it: exit statuses, usage
# errors, every fixture of fixtures/windows/, --json, --nagios, --csv,
# --anonymize, --zone, and the front command.  No network.
#
#	sh tests/evidence/run.sh [BUILDDIR]
B=${1:-build}
EV="$B/kmsdiag-evidence"
W=fixtures/windows
NOW="--now 2026-12-06T00:00:00Z"
cd "$(dirname "$0")/../.." || exit 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC LC_ALL=C NO_COLOR=1
. tests/lib/assert.sh

[ -x "$EV" ] || { echo "evidence: 0 passed, 1 failed ($EV not built)"; exit 1; }

# Usage errors are 64 and say why.
expect_rc usage-no-file 64 "$EV"
has usage-no-file-says "$tmp/err" "no file given"
expect_rc usage-bad-option 64 "$EV" --bogus "$W/host-events.xml"
expect_rc usage-zone-and-dns 64 "$EV" --dns -z "$W/contoso.zone" "$W/host-events.xml"
expect_rc usage-server-without-dns 64 "$EV" -s 127.0.0.1 "$W/host-events.xml"
expect_rc usage-origin-without-zone 64 "$EV" -o contoso.com "$W/host-events.xml"
expect_rc usage-json-and-csv 64 "$EV" --json --csv "$W/host-events.xml"
# With --nagios a usage error is the plugin's UNKNOWN status line.
expect_rc usage-json-and-nagios 3 "$EV" --json --nagios "$W/host-events.xml"
has usage-json-and-nagios-line "$tmp/out" "^KMS EVIDENCE UNKNOWN - use only one of --json, --nagios and --csv$"
expect_rc usage-bad-now 64 "$EV" --now yesterday "$W/host-events.xml"
expect_rc usage-anon-key-alone 64 "$EV" --anon-key k "$W/host-events.xml"
expect_rc bad-zone 3 "$EV" -z "$W/ipconfig-all.txt" -o x.test "$W/host-events.xml"

# Nothing readable: 3, with the reason.
expect_rc missing-file 3 "$EV" "$tmp/nonexistent.xml"
has missing-file-says "$tmp/out" "No such file"
expect_rc evtx 3 "$EV" "$W/binary.evtx"
has evtx-names-the-command "$tmp/out" "wevtutil qe FILE.evtx /lf:true /f:xml /e:Events"
printf 'hello\n' >"$tmp/unknown.txt"
expect_rc unknown-format 3 "$EV" "$tmp/unknown.txt"
has unknown-format-says "$tmp/out" "not an export kmsdiag-evidence reads"

# Records that cannot be read: the first named, the rest counted.
cp "$W/host-ps.csv" "$tmp/bad.csv"
for i in 1 2 3 4 5 6 7; do printf '"garbage %d","notanid","x","y"\n' $i >>"$tmp/bad.csv"; done
expect_rc unreadable-records 2 "$EV" $NOW "$tmp/bad.csv"
has unreadable-records-counted "$tmp/out" \
    "fix: .*bad.csv: record 29: csv: invalid \\(Id is not a number\\) \\(and 6 more; --verbose shows the first 5\\)$"

# Standard input.
expect_rc stdin 2 sh -c "\"$EV\" $NOW - <$W/host-ps51.json"
has stdin-read "$tmp/out" "^OK +input +-: event log \\(PowerShell JSON\\), UTF-16LE: 28 events"

# Verdicts: worst of what was judged.
expect_rc host-log-fails 2 "$EV" $NOW "$W/host-events.xml"
has host-log-threshold "$tmp/out" "^FAIL +checklist.threshold"
has host-log-cloned "$tmp/out" "^WARN +cloned_cmid .*: one CMID from at least two machines \\([^,]+, [^,)]+\\): a cloned image"
expect_rc joined-ok 0 "$EV" "$W/systeminfo-joined.txt"
expect_rc slmgr-pinned-warns 1 "$EV" "$W/slmgr-client-dlv.txt"
expect_rc german-unknown 3 "$EV" "$W/slmgr-german.txt"
has german-says "$tmp/out" "another language"

# Every fixture is read without a crash, and each says what it was.
for f in "$W"/*; do
	case $f in *.py|*.zone) continue ;; esac
	"$EV" $NOW "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	n=$(basename "$f")
	if [ "$rc" -le 3 ] && grep -q "input" "$tmp/out"; then ok "fixture-$n"; else
		ko "fixture-$n (exit $rc)"; head -3 "$tmp/err"; fi
done
# All of them at once.
expect_rc all-fixtures 2 "$EV" $NOW $(ls "$W"/* | grep -v -e '\.py$' -e '\.zone$')

# The same conclusions from every export format of the host log.
for f in host-wevtutil.txt host-events.xml host-fragments.xml host-rendered.xml \
    host-ps.csv host-ps51.csv host-ps51.json host-ps7.json; do
	"$EV" $NOW --json "$W/$f" | python3 -c '
import json, sys
rows = sorted((o["check"], o["status"], o.get("subject", "")) for o in map(json.loads, sys.stdin)
              if o.get("check") not in ("input", "checklist.other"))
print(rows)' >"$tmp/$f.sum"
done
same=1
for f in host-events.xml host-fragments.xml host-rendered.xml host-ps.csv host-ps51.csv \
    host-ps51.json host-ps7.json; do
	cmp -s "$tmp/host-wevtutil.txt.sum" "$tmp/$f.sum" || { same=0; echo "  differs: $f"; diff "$tmp/host-wevtutil.txt.sum" "$tmp/$f.sum" | head -3; }
done
[ $same = 1 ] && ok same-findings-every-format || ko same-findings-every-format

# --json: one object per line, the checklist and the facts.
"$EV" $NOW --json "$W/host-events.xml" "$W/client-events.xml" >"$tmp/out"
if python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
by = {o["check"]: o for o in objs}
assert by["checklist.threshold"]["status"] == "fail"
h = [o for o in objs if o["check"] == "host_log"][0]
assert len(h["clients"]) == 24 and h["evidence"] == "host log" and h["source"] == "windows"
assert any(o["check"] == "client_no_response" and o["status"] == "fail" for o in objs)
' "$tmp/out"; then ok json-checklist; else ko json-checklist; head -3 "$tmp/out"; fi

# --nagios: one status line, the exit status of the worst verdict.
expect_rc nagios 2 "$EV" $NOW --nagios "$W/host-events.xml"
has nagios-line "$tmp/out" "^KMS EVIDENCE CRITICAL - .*\|checks=[0-9]+ fail=[0-9]+ warn=[0-9]+$"

# --csv: the header and one row per CMID and product.
"$EV" --csv "$W/host-events.xml" >"$tmp/out"
has csv-header "$tmp/out" "^cmid,fqdn,other_fqdn,product,act_id,vm,license_status,required,"
[ "$(wc -l <"$tmp/out")" = 25 ] && ok csv-rows || ko "csv-rows ($(wc -l <"$tmp/out"))"

# --anonymize: no name or CMID of the input left; stable for one key.
"$EV" $NOW --anonymize --json "$W/host-events.xml" "$W/client-events.xml" >"$tmp/a1"
"$EV" $NOW --anonymize --json "$W/host-events.xml" "$W/client-events.xml" >"$tmp/a2"
"$EV" $NOW --anonymize --anon-key other --json "$W/host-events.xml" >"$tmp/a3"
hasnt anon-no-names "$tmp/a1" "kms[12]\.|ws0[0-9]|img0|vdi0"
hasnt anon-no-cmids "$tmp/a1" "36f27b39-9f5a-4d6c-8b1c-bc2e3a71"
cmp -s "$tmp/a1" "$tmp/a2" && ok anon-stable || ko anon-stable
grep -Eo 'host-[0-9a-f]{10}' "$tmp/a1" | sort -u >"$tmp/k1"
grep -Eo 'host-[0-9a-f]{10}' "$tmp/a3" | sort -u >"$tmp/k3"
[ -s "$tmp/k1" ] && ! grep -qxFf "$tmp/k1" "$tmp/k3" && ok anon-keyed || ko anon-keyed

# --zone: the record the client really finds.
expect_rc zone 2 "$EV" $NOW -z "$W/contoso.zone" "$W/client-events.xml" "$W/ipconfig-all.txt"
has zone-finds "$tmp/out" "^OK +client_finds_srv .*_vlmcs._tcp.lab.contoso.com"

# NO_COLOR: no escape sequence.
"$EV" $NOW "$W/host-events.xml" >"$tmp/out"
if grep -q "$(printf '\033')" "$tmp/out"; then ko no-color; else ok no-color; fi

# Through the front command.
if [ -x "$B/kmsdiag" ]; then
	expect_rc front-evidence 2 "$B/kmsdiag" evidence $NOW "$W/host-events.xml"
	has front-evidence-out "$tmp/out" "checklist.threshold"
fi

echo "evidence: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
