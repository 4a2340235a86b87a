#!/bin/sh
# kmsdiag-exporter and the shipped monitoring configuration, against the
# real servers:
#   - promtool check config / check rules / test rules on contrib/prometheus;
#   - icinga2 daemon -C on contrib/icinga2 (every option of both tools is a
#     custom variable: checked against their --help);
#   - systemd-analyze verify on the shipped unit;
#   - the exporter on a free loopback port probing the test KMS responder
#     (build/tests/kms-responder) and a zone served by nsd: metrics
#     (promtool check metrics), allow list, hostile query strings,
#     activation rate limit, a scrape storm with flat memory;
#   - Prometheus itself with the shipped scrape config pointed at the
#     exporter: the series appear with the right values, and an alert
#     fires once the responder stops.
#
#   sh tests/exporter/run.sh BUILDDIR
#
# Last line: "exporter: N passed, N failed[, N skipped]".  Each real server
# that is not installed skips its cases with the reason.

set -u
cd "$(dirname "$0")/../.." || exit 1
B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
EXP=$B/kmsdiag-exporter
RESP=$B/tests/kms-responder
export LC_ALL=C NO_COLOR=1

pass=0 failn=0 skipn=0
PIDS=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-exporter.XXXXXX") || exit 1
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
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
		echo "exporter: $pass passed, $failn failed, $skipn skipped"
	else
		echo "exporter: $pass passed, $failn failed"
	fi
	[ "$failn" -eq 0 ]
	exit $?
}
have() { command -v "$1" >/dev/null 2>&1; }

# get URL OUTFILE: body to OUTFILE, prints the HTTP status (000: no answer).
get() {
	python3 - "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
url, out = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, headers={"X-Prometheus-Scrape-Timeout-Seconds": "5"})
try:
    with urllib.request.urlopen(req, timeout=20) as r:
        body, code = r.read(), r.status
except urllib.error.HTTPError as e:
    body, code = e.read(), e.code
except Exception as e:
    body, code = str(e).encode(), 0
open(out, "wb").write(body)
print("%03d" % code)
EOF
}

# has NAME FILE REGEX: a line of FILE matches.
has() {
	if grep -Eq -- "$3" "$2"; then ok "$1"; else bad "$1" "no line /$3/ in: $(head -c 600 "$2" | tr '\n' ' ')"; fi
}

# ---- the shipped configuration, by its validators ---------------------------
P=contrib/prometheus
if have promtool; then
	promtool check config "$P/prometheus.yml" >"$tmp/pc" 2>&1 && ok promtool-check-config ||
	    bad promtool-check-config "$(cat "$tmp/pc")"
	promtool check rules "$P/kmsdiag.rules.yml" >"$tmp/pc" 2>&1 && ok promtool-check-rules ||
	    bad promtool-check-rules "$(cat "$tmp/pc")"
	(cd "$P" && promtool test rules kmsdiag.rules.test.yml) >"$tmp/pc" 2>&1 &&
	    ok promtool-test-rules || bad promtool-test-rules "$(cat "$tmp/pc")"
else
	skip promtool "promtool not installed (Debian package prometheus)"
fi

if have icinga2; then
	mkdir -p "$tmp/icinga"
	cp contrib/icinga2/kmsdiag.conf "$tmp/icinga/"
	# icinga2 reads its configuration as its own user, not as root.
	chmod 755 "$tmp" "$tmp/icinga"
	chmod 644 "$tmp/icinga/kmsdiag.conf"
	cat >"$tmp/icinga/icinga2.conf" <<EOF
const PluginDir = "/usr/lib/nagios/plugins"
const PrefixDir = "/usr"
include <itl>
include "kmsdiag.conf"
object Host "kms1" { address = "127.0.0.1"; check_command = "dummy" }
object Service "kms-rpc" {
	host_name = "kms1"
	check_command = "kmsdiag-probe"
	vars.kmsdiag_probe_timeout = 2
	vars.kmsdiag_probe_activate = true
}
object Service "kms-srv" {
	host_name = "kms1"
	check_command = "kmsdiag-probe"
	vars.kmsdiag_probe_srv = true
	vars.kmsdiag_probe_domains = [ "corp.example" ]
}
object Service "kms-dns" {
	host_name = "kms1"
	check_command = "kmsdiag-dnscheck"
	vars.kmsdiag_dnscheck_domains = [ "corp.example" ]
}
EOF
	chmod 644 "$tmp/icinga/icinga2.conf"
	icinga2 daemon -C -c "$tmp/icinga/icinga2.conf" >"$tmp/ic" 2>&1 && ok icinga2-daemon-C ||
	    bad icinga2-daemon-C "$(grep -i 'critical\|error' "$tmp/ic" | head -5)"
else
	skip icinga2-daemon-C "icinga2 not installed (Debian package icinga2-bin)"
fi
# Every option of the two plugins is a custom variable of its CheckCommand
# (output modes, --prometheus with its --output, --help and --version are
# not options of a Nagios-style check).
for tool in probe dnscheck; do
	missing=
	for o in $("$B/kmsdiag-$tool" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		case $o in --help|--version|--json|--nagios|--verbose|--prometheus|--output) continue ;; esac
		grep -q -- "\"$o\"" contrib/icinga2/kmsdiag.conf || missing="$missing $o"
	done
	[ -z "$missing" ] && ok "icinga2-$tool-every-option" ||
	    bad "icinga2-$tool-every-option" "not in contrib/icinga2/kmsdiag.conf:$missing"
done

if have systemd-analyze; then
	sed "s|^ExecStart=[^ ]*|ExecStart=$EXP|; /^Documentation=/d" \
	    contrib/systemd/kmsdiag-exporter.service >"$tmp/kmsdiag-exporter.service"
	systemd-analyze verify "$tmp/kmsdiag-exporter.service" >"$tmp/sa" 2>&1 &&
	    ok systemd-analyze-verify || bad systemd-analyze-verify "$(cat "$tmp/sa")"
else
	skip systemd-analyze-verify "systemd-analyze not installed"
fi

# check_metrics NAME FILE: promtool's linter on an exposition.
check_metrics() {
	if ! have promtool; then
		skip "$1" "promtool not installed"
	elif promtool check metrics <"$2" >"$tmp/pcm" 2>&1; then
		ok "$1"
	else
		bad "$1" "$(cat "$tmp/pcm")"
	fi
}

# ---- kmsdiag-capture --prometheus: the same metrics from a capture ----------
CAP=$B/kmsdiag-capture
F=fixtures/synthetic/site-two-hosts-low-first.pcap
"$CAP" -r "$F" -p 1688 -p 21789 --prometheus >"$tmp/cap.prom" 2>"$tmp/cap.err"
rc=$?
[ "$rc" = 1 ] && ok capture-prom-exit || bad capture-prom-exit "exit $rc, want 1 (a host below threshold): $(cat "$tmp/cap.err")"
check_metrics promtool-check-metrics-capture "$tmp/cap.prom"
has capture-prom-requests "$tmp/cap.prom" '^kmsdiag_capture_requests_total\{host="192.0.2.11",port="21789",counted_id="Windows 10/11 \(Volume\)"\} 3$'
has capture-prom-count-low "$tmp/cap.prom" '^kmsdiag_activation_below_threshold\{host="192.0.2.11",port="21789",.*\} 1$'
has capture-prom-count-high "$tmp/cap.prom" '^kmsdiag_activation_below_threshold\{host="192.0.2.10",port="1688",.*\} 0$'
has capture-prom-item "$tmp/cap.prom" '^kmsdiag_check_status\{item="threshold"\} 1$'
if grep -q 'workstation\|cmid\|KMS1-PC' "$tmp/cap.prom"; then
	bad capture-prom-no-personal-data "$(grep -m2 'workstation\|cmid\|KMS1-PC' "$tmp/cap.prom")"
else
	ok capture-prom-no-personal-data
fi
"$CAP" -r "$F" -p 1688 -p 21789 --prometheus --output "$tmp/kms.prom" >"$tmp/cap.out" 2>&1
if [ ! -s "$tmp/cap.out" ] && cmp -s "$tmp/kms.prom" "$tmp/cap.prom" &&
    [ -z "$(ls "$tmp" | grep 'kmsdiag-.*\.tmp')" ]; then
	ok capture-prom-output-file
else
	bad capture-prom-output-file "stdout: $(head -c 200 "$tmp/cap.out")"
fi
"$CAP" -r "$F" --prometheus --output "$tmp" >/dev/null 2>"$tmp/cap.err"
rc=$?
[ "$rc" = 3 ] && has capture-prom-output-is-dir "$tmp/cap.err" "$tmp" ||
    bad capture-prom-output-is-dir "exit $rc: $(cat "$tmp/cap.err")"
"$CAP" -r "$F" --prometheus --json >/dev/null 2>&1
[ $? = 64 ] && ok capture-prom-json-usage || bad capture-prom-json-usage
"$CAP" -r "$F" --output "$tmp/x.prom" >/dev/null 2>&1
[ $? = 64 ] && ok capture-output-needs-prom || bad capture-output-needs-prom

# ---- kmsdiag-probe --prometheus ------------------------------------------
"$RESP" --count 8 --lifetime 60 >"$tmp/rp" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ $i -lt 100 ] && ! grep -qs '^PORT' "$tmp/rp"; do sleep 0.05; i=$((i + 1)); done
PP=$(sed -n 's/^PORT //p' "$tmp/rp")
"$B/kmsdiag-probe" --prometheus --activate "127.0.0.1:$PP" >"$tmp/probe.prom" 2>"$tmp/probe.err"
rc=$?
[ "$rc" = 2 ] && ok probe-prom-exit || bad probe-prom-exit "exit $rc, want 2 (count 8 < 25): $(cat "$tmp/probe.err")"
check_metrics promtool-check-metrics-probe-tool "$tmp/probe.prom"
has probe-prom-count "$tmp/probe.prom" "^kmsdiag_activation_counted_clients\\{host=\"127.0.0.1\",port=\"$PP\",counted_id=\"Windows 10/11 \\(Volume\\)\"\\} 8$"
has probe-prom-threshold-item "$tmp/probe.prom" '^kmsdiag_check_status\{item="threshold"\} 2$'
if grep -q 'item="dns"' "$tmp/probe.prom"; then
	bad probe-prom-no-skipped-items "a probe judges no DNS: $(grep 'item="dns"' "$tmp/probe.prom")"
else
	ok probe-prom-no-skipped-items
fi
"$B/kmsdiag-probe" --prometheus --output "$tmp/probe2.prom" "127.0.0.1:$PP" >"$tmp/probe.out" 2>&1
[ ! -s "$tmp/probe.out" ] && has probe-prom-output-file "$tmp/probe2.prom" '^kmsdiag_rpc_kms\{.*\} 1$' ||
    bad probe-prom-output-file "stdout: $(head -c 200 "$tmp/probe.out")"
"$B/kmsdiag-probe" --prometheus --json "127.0.0.1:$PP" >/dev/null 2>&1
[ $? = 64 ] && ok probe-prom-json-usage || bad probe-prom-json-usage
"$B/kmsdiag-probe" --output "$tmp/x.prom" "127.0.0.1:$PP" >/dev/null 2>&1
[ $? = 64 ] && ok probe-output-needs-prom || bad probe-output-needs-prom

# ---- kmsdiag-dnscheck --prometheus, with the probe of its targets -------
cat >"$tmp/two.zone" <<EOF
\$ORIGIN two.test.
\$TTL 3600
@ IN SOA ns1 hostmaster 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 127.0.0.1
_vlmcs._tcp 600 IN SRV 0 100 $PP kms1
kms1 IN A 127.0.0.1
EOF
"$B/kmsdiag-dnscheck" -z "$tmp/two.zone" --probe --prometheus two.test >"$tmp/dns.prom" 2>"$tmp/dns.err"
rc=$?
[ "$rc" = 1 ] && ok dnscheck-prom-exit || bad dnscheck-prom-exit "exit $rc, want 1 (TTL 600): $(cat "$tmp/dns.err")"
check_metrics promtool-check-metrics-dnscheck "$tmp/dns.prom"
has dnscheck-prom-ttl "$tmp/dns.prom" "^kmsdiag_srv_ttl_seconds\\{domain=\"two.test.\",target=\"kms1.two.test.\",port=\"$PP\"\\} 600$"
has dnscheck-prom-target-kms "$tmp/dns.prom" "^kmsdiag_rpc_kms\\{host=\"kms1.two.test\",address=\"127.0.0.1\",port=\"$PP\"\\} 1$"
# The port is not 1688, but a KMS host answers there: DNS is judged on the TTL alone.
has dnscheck-prom-dns-warn "$tmp/dns.prom" '^kmsdiag_check_status\{item="dns"\} 1$'
# A usage error in --nagios mode is the plugin's UNKNOWN status line.
"$B/kmsdiag-dnscheck" -z "$tmp/two.zone" --prometheus --nagios two.test >"$tmp/dns.out" 2>/dev/null
[ $? = 3 ] && grep -q '^KMS DNS UNKNOWN - --prometheus is an output of its own' "$tmp/dns.out" &&
    ok dnscheck-prom-nagios-usage || bad dnscheck-prom-nagios-usage

# ---- the exporter itself -------------------------------------------------------
if ! pkg-config --exists libmicrohttpd; then
	skip exporter "libmicrohttpd not installed (Debian package libmicrohttpd-dev): kmsdiag-exporter is not built"
	finish
elif [ ! -x "$EXP" ] || [ ! -x "$RESP" ]; then
	bad exporter-built "$EXP or $RESP missing"
	finish
fi

"$EXP" -c contrib/exporter.conf --check-config >"$tmp/cc" 2>&1 && has shipped-config-parses "$tmp/cc" \
    '^module kms_activate: check activate, .*counted as one client' ||
    bad shipped-config-parses "$(cat "$tmp/cc")"
printf 'allow 127.0.0.1\nmodule a\n\tcheck activate\n' >"$tmp/noconsent.conf"
"$EXP" -c "$tmp/noconsent.conf" --check-config >"$tmp/cc" 2>&1
rc=$?
[ "$rc" = 3 ] && has activate-needs-consent "$tmp/cc" 'noconsent.conf:3: module a: check activate needs "activate yes"' ||
    bad activate-needs-consent "exit $rc: $(cat "$tmp/cc")"
"$EXP" -c "$tmp" --check-config >"$tmp/cc" 2>&1
rc=$?
[ "$rc" = 3 ] && has config-not-a-directory "$tmp/cc" 'directory' || bad config-not-a-directory "exit $rc: $(cat "$tmp/cc")"
"$EXP" --bogus >/dev/null 2>&1
[ $? = 64 ] && ok usage-exit-64 || bad usage-exit-64

# Responders: one KMS host at 30/25, one that refuses (nothing listens).
"$RESP" --count 30 --lifetime 300 >"$tmp/r1" 2>&1 &
R1=$!
PIDS="$PIDS $R1"
"$RESP" --refuse --lifetime 300 >"$tmp/r2" 2>&1 &
PIDS="$PIDS $!"
i=0
while [ $i -lt 100 ] && ! { grep -qs '^PORT' "$tmp/r1" && grep -qs '^PORT' "$tmp/r2"; }; do sleep 0.05; i=$((i + 1)); done
P1=$(sed -n 's/^PORT //p' "$tmp/r1")
P2=$(sed -n 's/^PORT //p' "$tmp/r2")

# The zone of the srv module, served by nsd on a free loopback port: its
# record names the responder with a TTL of 600 s.
. tests/lib/nsd.sh
cat >"$tmp/corp.zone" <<EOF
\$ORIGIN corp.test.
\$TTL 3600
@ IN SOA ns1 hostmaster 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 127.0.0.1
_vlmcs._tcp 600 IN SRV 0 100 $P1 kms1
kms1 IN A 127.0.0.1
EOF
NSD_PORT=
if have nsd && kd_start_nsd "$tmp" corp.test=corp.zone; then
	PIDS="$PIDS $NSD_PID"
fi

cat >"$tmp/exporter.conf" <<EOF
listen 127.0.0.1:0
concurrency 4
max_connections 32
allow 127.0.0.1
allow ::1
allow corp.test
module kms_srv
	check srv
	probe_targets yes
	dns_server 127.0.0.1:${NSD_PORT:-1}
	timeout 2
module kms_tcp
	check tcp
	timeout 2
module kms_rpc
	check rpc
	timeout 2
module kms_activate
	check activate
	activate yes
	timeout 2
EOF
# A free port: ask the kernel, then give it to the exporter.
EPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$EXP" -c "$tmp/exporter.conf" -l "127.0.0.1:$EPORT" 2>"$tmp/exp.err" &
EPID=$!
PIDS="$PIDS $EPID"
i=0
while [ $i -lt 100 ] && ! grep -qs listening "$tmp/exp.err"; do sleep 0.05; i=$((i + 1)); done
U="http://127.0.0.1:$EPORT"

code=$(get "$U/probe?target=127.0.0.1:$P1&module=kms_rpc" "$tmp/m1")
[ "$code" = 200 ] && ok rpc-200 || bad rpc-200 "status $code: $(head -c 300 "$tmp/m1")"
has rpc-open "$tmp/m1" "^kmsdiag_tcp_open\\{host=\"127.0.0.1\",address=\"127.0.0.1\",port=\"$P1\"\\} 1$"
has rpc-kms "$tmp/m1" "^kmsdiag_rpc_kms\\{.*port=\"$P1\"\\} 1$"
has rpc-success "$tmp/m1" '^kmsdiag_probe_success\{module="kms_rpc"\} 1$'
has rpc-connect-seconds "$tmp/m1" '^kmsdiag_tcp_connect_seconds\{.*\} [0-9.]+(e-[0-9]+)?$'
has rpc-item-port-ok "$tmp/m1" '^kmsdiag_check_status\{item="port"\} 0$'
check_metrics promtool-check-metrics-probe "$tmp/m1"

code=$(get "$U/probe?target=127.0.0.1:$P2&module=kms_tcp" "$tmp/m2")
[ "$code" = 200 ] && ok refused-200 || bad refused-200 "status $code"
has refused-open-0 "$tmp/m2" "^kmsdiag_tcp_open\\{.*port=\"$P2\"\\} 0$"
has refused-state "$tmp/m2" "^kmsdiag_tcp_state\\{.*port=\"$P2\",state=\"refused\"\\} 1$"
has refused-success-0 "$tmp/m2" '^kmsdiag_probe_success\{module="kms_tcp"\} 0$'
has refused-item-port-fail "$tmp/m2" '^kmsdiag_check_status\{item="port"\} 2$'

if [ -n "$NSD_PORT" ]; then
	code=$(get "$U/probe?target=corp.test&module=kms_srv" "$tmp/s1")
	[ "$code" = 200 ] && ok srv-200 || bad srv-200 "status $code: $(head -c 300 "$tmp/s1")"
	has srv-records "$tmp/s1" '^kmsdiag_srv_records\{domain="corp.test."\} 1$'
	has srv-ttl "$tmp/s1" "^kmsdiag_srv_ttl_seconds\\{domain=\"corp.test.\",target=\"kms1.corp.test.\",port=\"$P1\"\\} 600$"
	has srv-target-addresses "$tmp/s1" '^kmsdiag_srv_target_addresses\{.*\} 1$'
	# TTL 600 is a warning; the port is not 1688 but a KMS host answers there.
	has srv-dns-item-warn "$tmp/s1" '^kmsdiag_check_status\{item="dns"\} 1$'
	has srv-target-probed "$tmp/s1" "^kmsdiag_rpc_kms\\{host=\"kms1.corp.test\",address=\"127.0.0.1\",port=\"$P1\"\\} 1$"
	check_metrics promtool-check-metrics-srv "$tmp/s1"
else
	skip srv-module "nsd not installed or did not start"
fi

# Activation: the count, then the same answer again without a second request.
code=$(get "$U/probe?target=127.0.0.1:$P1&module=kms_activate" "$tmp/a1")
has activate-count "$tmp/a1" "^kmsdiag_activation_counted_clients\\{.*port=\"$P1\",counted_id=\"Windows 10/11 \\(Volume\\)\"\\} 30$"
has activate-threshold "$tmp/a1" '^kmsdiag_activation_threshold\{.*\} 25$'
has activate-not-cached "$tmp/a1" '^kmsdiag_activation_cached\{module="kms_activate"\} 0$'
has activate-info "$tmp/a1" '^kmsdiag_host_info\{.*key_group="Windows Server 2019".*\} 1$'
code=$(get "$U/probe?target=127.0.0.1:$P1&module=kms_activate" "$tmp/a2")
has activate-cached "$tmp/a2" '^kmsdiag_activation_cached\{module="kms_activate"\} 1$'
has activate-cached-count "$tmp/a2" '^kmsdiag_activation_counted_clients\{.*\} 30$'
has activate-cached-age "$tmp/a2" '^kmsdiag_activation_age_seconds\{.*\} [0-9]+$'
check_metrics promtool-check-metrics-activate "$tmp/a1"

# Hostile and mistaken requests: refused with a status, never a check.
for case in "notallowed|/probe?target=192.0.2.1:1688&module=kms_rpc|403" \
    "notallowed-name|/probe?target=localhost&module=kms_rpc|403" \
    "unknown-module|/probe?target=127.0.0.1:$P1&module=nope|400" \
    "no-target|/probe?module=kms_rpc|400" \
    "empty-target|/probe?target=&module=kms_rpc|400" \
    "bad-port|/probe?target=127.0.0.1:99999&module=kms_rpc|403" \
    "percent-garbage|/probe?target=%ff%00%zz&module=kms_rpc|403" \
    "long-target|/probe?target=$(python3 -c 'print("a"*300)')&module=kms_rpc|400" \
    "not-found|/nothing|404" \
    "metrics|/metrics|200"; do
	name=${case%%|*}
	rest=${case#*|}
	path=${rest%|*}
	want=${rest##*|}
	code=$(get "$U$path" "$tmp/h")
	[ "$code" = "$want" ] && ok "http-$name" || bad "http-$name" "status $code, want $want: $(head -c 200 "$tmp/h")"
done
code=$(get "$U/metrics" "$tmp/own")
has own-refused-count "$tmp/own" '^kmsdiag_exporter_refused_total\{reason="target_not_allowed"\} [3-9]$'
has own-checks "$tmp/own" '^kmsdiag_exporter_checks_total\{module="kms_rpc",result="success"\} 1$'
check_metrics promtool-check-metrics-own "$tmp/own"

# A scrape storm: 2,000 requests from 200 threads.  Every one is answered
# (200 or 503) or refused at connect; the exporter's memory stays flat.
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$EPID/status"; }
before=$(rss)
python3 - "$U/probe?target=127.0.0.1:$P1&module=kms_tcp" >"$tmp/storm" <<'EOF'
import sys, threading, urllib.request, urllib.error, collections
url = sys.argv[1]
seen = collections.Counter()
lock = threading.Lock()
def worker():
    for _ in range(10):
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read(); k = r.status
        except urllib.error.HTTPError as e:
            k = e.code
        except Exception:
            k = "refused"
        with lock:
            seen[k] += 1
ts = [threading.Thread(target=worker) for _ in range(200)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join("%s=%d" % (k, v) for k, v in sorted(seen.items(), key=str)))
print("other=%d" % sum(v for k, v in seen.items() if k not in (200, 503, "refused")))
print("ok=%d" % seen[200])
EOF
after=$(rss)
grep -q '^other=0$' "$tmp/storm" && ! grep -q '^ok=0$' "$tmp/storm" && ok storm-answered-or-refused ||
    bad storm-answered-or-refused "$(cat "$tmp/storm")"
if ! kill -0 "$EPID" 2>/dev/null; then
	bad storm-memory-flat "the exporter died: $(tail -5 "$tmp/exp.err")"
elif grep -q __asan_init "$EXP"; then
	# ASan keeps freed memory in quarantine: RSS says nothing there.
	skip storm-memory-flat "sanitizer build"
elif [ -n "$before" ] && [ -n "$after" ] && [ "$after" -lt $((before + 20000)) ]; then
	ok "storm-memory-flat"
else
	bad storm-memory-flat "RSS $before kB -> $after kB"
fi
echo "    storm: $(head -1 "$tmp/storm"); RSS $before kB -> $after kB"

# stop_exporter: SIGTERM, then its stderr must hold no sanitizer report.
stop_exporter() {
	kill -TERM "$EPID" 2>/dev/null
	wait "$EPID" 2>/dev/null
	rc=$?
	if grep -q 'runtime error:\|Sanitizer' "$tmp/exp.err"; then
		bad exporter-clean-exit "$(grep -m3 'runtime error:\|Sanitizer\|#[0-9]' "$tmp/exp.err")"
	elif [ "$rc" != 0 ]; then
		bad exporter-clean-exit "exit $rc after SIGTERM"
	else
		ok exporter-clean-exit
	fi
}

# ---- Prometheus with the shipped scrape config ------------------------------
if ! have prometheus; then
	skip prometheus-end-to-end "prometheus not installed (Debian package prometheus)"
	stop_exporter
	finish
fi
PPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/prom"
# The shipped files, pointed at this exporter and these targets, scraping
# every second; the rules fire at once instead of after minutes.
sed -e "s/127\\.0\\.0\\.1:9688/127.0.0.1:$EPORT/" \
    -e "s/kms1\\.corp\\.example:1688/127.0.0.1:$P1/" \
    -e "/kms2\\.corp\\.example:1688/d" \
    -e "s/- corp\\.example$/- corp.test/" \
    -e "s/scrape_interval: [0-9a-z]*/scrape_interval: 1s/" \
    -e "s/scrape_timeout: [0-9a-z]*/scrape_timeout: 1s/" \
    -e "s/evaluation_interval: [0-9a-z]*/evaluation_interval: 1s/" \
    "$P/prometheus.yml" >"$tmp/prom/prometheus.yml"
sed "s/for: [0-9a-z]*/for: 0s/" "$P/kmsdiag.rules.yml" >"$tmp/prom/kmsdiag.rules.yml"
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
    --web.listen-address="127.0.0.1:$PPORT" >"$tmp/prom/log" 2>&1 &
PIDS="$PIDS $!"
PU="http://127.0.0.1:$PPORT/api/v1"
# query NAME PROMQL PYEXPR: poll until the instant vector satisfies PYEXPR
# (v: list of result values as floats), at most 30 s.
query() {
	python3 - "$PU" "$2" "$3" <<'EOF'
import sys, json, time, urllib.request, urllib.parse
base, q, expr = sys.argv[1:4]
last = None
for _ in range(150):
    try:
        with urllib.request.urlopen(base + "/query?query=" + urllib.parse.quote(q), timeout=5) as r:
            d = json.load(r)
        v = [float(x["value"][1]) for x in d["data"]["result"]]
        last = v
        if eval(expr):
            print("ok", v); sys.exit(0)
    except Exception as e:
        last = str(e)
    time.sleep(0.2)
print("last:", last); sys.exit(1)
EOF
}
pq() {
	if query "$@" >"$tmp/q" 2>&1; then ok "$1"; else bad "$1" "$2: $(cat "$tmp/q")"; fi
}
pq prom-up 'up{job="kms_rpc"}' 'v == [1.0]'
pq prom-rpc-kms "kmsdiag_rpc_kms{job=\"kms_rpc\",port=\"$P1\"}" 'v == [1.0]'
pq prom-count "kmsdiag_activation_counted_clients{job=\"kms_activate\",port=\"$P1\"}" 'v == [30.0]'
pq prom-threshold 'kmsdiag_activation_threshold{job="kms_activate"}' 'v == [25.0]'
pq prom-below 'kmsdiag_activation_below_threshold{job="kms_activate"}' 'v == [0.0]'
pq prom-exporter-up 'up{job="kmsdiag_exporter"}' 'v == [1.0]'
if [ -n "$NSD_PORT" ]; then
	pq prom-srv-ttl 'kmsdiag_srv_ttl_seconds{job="kms_srv",domain="corp.test."}' 'v == [600.0]'
	pq prom-alert-ttl 'ALERTS{alertname="KMSSRVRecordTTL",alertstate="firing"}' 'v == [1.0]'
fi
# The responder stops: the host is down, and the alert fires.
kill "$R1" 2>/dev/null
pq prom-host-down "kmsdiag_tcp_open{job=\"kms_rpc\",port=\"$P1\"}" 'v == [0.0]'
pq prom-alert-fires "ALERTS{alertname=\"KMSHostDown\",alertstate=\"firing\",job=\"kms_rpc\",port=\"$P1\"}" 'v == [1.0]'
stop_exporter
finish
