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
grep -q 'bpf: invalid (bad filter "tcp port"' "$tmp/out" && ok usage-bad-filter-message || ko usage-bad-filter-message
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
# Packets from a pipe (tcpdump -w - | kmsdiag-capture -r -): lines follow as
# the packets come, in stdio's usual blocks; only a file on disk is written
# in large ones.  Half the file, a pause: the lines of that half are out.
f=fixtures/kms-clientlist-6win-2office2016.pcap
(head -c 9000 "$f"; sleep 3; tail -c +9001 "$f") | "$CAP" --json -r - >"$tmp/pipe" 2>&1 &
sleep 1.5
if [ "$(wc -c <"$tmp/pipe")" -gt 0 ]; then ok stdin-pipe-streams; else
	ko "stdin-pipe-streams (nothing written after half the file)"; fi
wait

expect_rc json-v6 1 "$CAP" --json -r fixtures/kms-v6-win10-education.pcap
check_json json-v6-keys "[o for o in objs if o['type']=='exchange'][0]['request']['cmid']=='dae825c2-cccd-437d-b157-ccbecf144dce' and [o for o in objs if o['type']=='exchange'][0]['request']['version']=='6.0' and [o for o in objs if o['type']=='exchange'][0]['request']['required_count']==25 and [o for o in objs if o['type']=='exchange'][0]['request']['client_time'].endswith('Z')"
check_json json-v6-response "[o for o in objs if o['type']=='exchange'][0]['response']['verified'] is True and [o for o in objs if o['type']=='exchange'][0]['response']['count']==50 and [o for o in objs if o['type']=='exchange'][0]['verdict']=='activates'"
check_json json-summary-last "objs[-1]['type']=='summary' and objs[-1]['products'][0]['distinct_cmids']==1"

# The host on [::1]:1700: nothing on 1688 is "could not check" (exit 3),
# naming the port the traffic was on; one exchange with -p 1700.
expect_rc port-default-ignores-1700 3 "$CAP" --json -r fixtures/kms-v6-win10-ltsc2019-ipv6-port1700.pcap
check_json port-default-no-exchange "not any(o['type']=='exchange' for o in objs)"
check_json port-default-names-1700 "any('use -p 1700' in json.dumps(o) for o in objs if o['type']=='summary')"
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

# Options of live capture and replay that are checked before any capture.
f=fixtures/kms-v6-win10-education.pcap
expect_rc usage-i-and-r 64 "$CAP" -i lo -r "$f"
expect_rc usage-snaplen-offline 64 "$CAP" -s 2048 -r "$f"
expect_rc usage-user-offline 64 "$CAP" -Z nobody -r "$f"
expect_rc usage-empty-user 64 "$CAP" -Z '' -i lo
expect_rc usage-empty-interface 64 "$CAP" -i ''
expect_rc usage-count-zero 64 "$CAP" -c 0 -r "$f"
expect_rc usage-snaplen-small 64 "$CAP" -s 10 -i lo
expect_rc usage-speed-zero 64 "$CAP" --speed 0 -r "$f"
expect_rc usage-speed-live 64 "$CAP" --speed 2 -i lo
expect_rc usage-write-two-files 64 "$CAP" -w "$tmp/w.pcap" -r "$f" "$f"
if "$CAP" --help | grep -q -- "-i, --interface IF"; then ok help-live; else ko help-live; fi

# -c counts the packets that pass the filter; numbers stay the file's.
# Three packets are the handshake: no activation seen, nothing could be checked.
expect_rc count-3 3 "$CAP" --json -c 3 -r "$f"
check_json count-3-packets "objs[-1]['type']=='summary' and objs[-1]['packets']==3 and objs[-1]['exchanges']==0"
# The 6th packet to the port is the request, packet 10 of the file.
expect_rc count-filtered 1 "$CAP" --json -c 6 -f 'tcp dst port 1688' -r "$f"
check_json count-filtered-numbers "[(o['packet'],o['verdict']) for o in objs if o['type']=='exchange']==[(10,'no_response')] and objs[-1]['packets']==6"
# -c spans files: 14 packets in the first file, so 4 from the second.
expect_rc count-two-files 1 "$CAP" --json -c 18 -r "$f" fixtures/kms-v4-vista-business.pcap
check_json count-two-files-total "objs[-1]['packets']==18"

# -w then -r: the same exchanges; a filter writes only what it matched.
"$CAP" --json -r "$f" >"$tmp/direct.json"
expect_rc write-file 1 "$CAP" --json -w "$tmp/w.pcap" -r "$f"
expect_rc write-reread 1 "$CAP" --json -r "$tmp/w.pcap"
if python3 -c "
import json,sys
a=[json.loads(l) for l in open('$tmp/direct.json')]
b=[json.loads(l) for l in open('$tmp/out')]
for o in a+b: o.pop('source',None)
sys.exit(0 if a==b and any(o['type']=='exchange' for o in a) else 1)"; then ok write-reread-same; else ko write-reread-same; fi
expect_rc write-filtered 1 "$CAP" --json -f 'tcp dst port 1688' -w "$tmp/wf.pcap" -r "$f"
expect_rc write-filtered-reread 1 "$CAP" --json -r "$tmp/wf.pcap"
check_json write-filtered-only-requests "objs[-1]['packets']==8 and any(o['type']=='exchange' and o['verdict']=='no_response' for o in objs)"
expect_rc write-unwritable 3 "$CAP" -w /nonexistent-dir/x.pcap -r "$f"
grep -q "x.pcap: offset 0: pcap: I/O error (cannot write capture" "$tmp/out" && ok write-unwritable-message || ko write-unwritable-message

# -w is opened before privileges are dropped: nothing planted at the path
# may be written through, and a write error is an error.
printf 'keep me\n' >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link.pcap"
expect_rc write-symlink 3 "$CAP" -w "$tmp/link.pcap" -r "$f"
grep -q "link.pcap: offset 0: pcap: I/O error (cannot write capture: is a symbolic link, refused)" "$tmp/out" && ok write-symlink-message || ko write-symlink-message
[ "$(cat "$tmp/victim")" = "keep me" ] && ok write-symlink-victim-untouched || ko write-symlink-victim-untouched
ln -s "$tmp/nowhere" "$tmp/dangling.pcap"
expect_rc write-dangling-symlink 3 "$CAP" -w "$tmp/dangling.pcap" -r "$f"
[ ! -e "$tmp/nowhere" ] && ok write-dangling-not-created || ko write-dangling-not-created
ln "$tmp/victim" "$tmp/hard.pcap"
expect_rc write-hardlink 3 "$CAP" -w "$tmp/hard.pcap" -r "$f"
grep -q "has 2 hard links, refused" "$tmp/out" && ok write-hardlink-message || ko write-hardlink-message
[ "$(cat "$tmp/victim")" = "keep me" ] && ok write-hardlink-victim-untouched || ko write-hardlink-victim-untouched
expect_rc write-dev-full 3 "$CAP" -w /dev/full -r "$f"
grep -q "/dev/full: offset 0: pcap: I/O error (cannot write capture: is a character device, not a regular file)" "$tmp/out" && ok write-dev-full-message || ko write-dev-full-message
expect_rc write-directory 3 "$CAP" -w "$tmp" -r "$f"
mkfifo "$tmp/fifo"
expect_rc write-fifo 3 timeout 10 "$CAP" -w "$tmp/fifo" -r "$f"
grep -q "fifo: offset 0: pcap: I/O error (cannot write capture: is not a regular file)" "$tmp/out" && ok write-fifo-message || ko write-fifo-message
expect_rc usage-write-stdout 64 "$CAP" -w - -r "$f"
# A file another user planted (as root, in a shared directory) is refused:
# filled, it would stay theirs to read.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	printf 'planted\n' >"$tmp/planted.pcap"; chown nobody "$tmp/planted.pcap"; chmod 644 "$tmp/planted.pcap"
	expect_rc write-other-owner 3 "$CAP" -w "$tmp/planted.pcap" -r "$f"
	grep -q "planted.pcap: offset 0: pcap: I/O error (cannot write capture: belongs to another user (uid $(id -u nobody)), refused)" "$tmp/out" &&
	    [ "$(cat "$tmp/planted.pcap")" = planted ] && ok write-other-owner-untouched || ko write-other-owner-untouched
else
	echo "SKIP write-other-owner (needs root and a nobody user)"
fi
# New files are 0600 whatever the umask; an old file of ours becomes 0600 too.
rm -f "$tmp/mode.pcap"
expect_rc write-mode-new 1 sh -c "umask 022; exec $CAP -w $tmp/mode.pcap -r $f"
[ "$(stat -c %a "$tmp/mode.pcap")" = 600 ] && ok write-mode-new-0600 || ko "write-mode-new-0600 ($(stat -c %a "$tmp/mode.pcap"))"
printf 'old content that is longer than nothing\n' >"$tmp/old.pcap"; chmod 644 "$tmp/old.pcap"
expect_rc write-existing 1 "$CAP" -w "$tmp/old.pcap" -r "$f"
[ "$(stat -c %a "$tmp/old.pcap")" = 600 ] && cmp -s "$tmp/old.pcap" "$tmp/mode.pcap" && ok write-existing-replaced || ko write-existing-replaced
# A write that fails (file size limit: EFBIG) is reported, exits 3 (2 when
# KMS itself fails: FAIL outranks UNKNOWN), stops the capture, and the file
# is not called complete.  Through a pipe: the limit would cut stdout too.
c=fixtures/kms-clientlist-6win-2office2016.pcap
fsize() {	# name blocks expected-rc file options...
	name=$1 blocks=$2 want=$3 in=$4; shift 4
	sh -c "ulimit -f $blocks; \"\$@\"; echo \$? >$tmp/rc" sh "$CAP" "$@" -w "$tmp/big.pcap" -r "$in" 2>"$tmp/err" | cat >"$tmp/out"
	if [ "$(cat "$tmp/rc")" = "$want" ]; then ok "$name"; else ko "$name (exit $(cat "$tmp/rc"), want $want)"; fi
}
fsize write-fsize 1 3 "$f" --json
check_json write-fsize-error "any(o['type']=='error' and o['source'].endswith('big.pcap') and 'cannot write capture: File too large; the file is incomplete' in o['message'] for o in objs)"
fsize write-fsize-text 1 3 "$f"
grep -q "^error: .*big.pcap: offset 0: pcap: I/O error (cannot write capture: File too large; the file is incomplete)" "$tmp/out" && ok write-fsize-text-message || ko write-fsize-text-message
fsize write-fsize-stops 8 2 "$c" --json
check_json write-fsize-stopped "objs[-1]['type']=='summary' and objs[-1]['packets'] < 112 and sum(1 for o in objs if o['type']=='error')==1"
# A full file system: a 4 KiB tmpfs, in a mount namespace of its own.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && mkdir "$tmp/small" &&
    unshare -m sh -c "mount -t tmpfs -o size=4k tmpfs $tmp/small" 2>/dev/null; then
	expect_rc write-enospc 2 unshare -m sh -c "mount -t tmpfs -o size=4k tmpfs $tmp/small && exec $CAP -w $tmp/small/x.pcap -r $c"
	grep -q "x.pcap: offset 0: pcap: I/O error (cannot write capture: No space left on device; the file is incomplete)" "$tmp/out" && ok write-enospc-message || ko write-enospc-message
else
	echo "SKIP write-enospc (needs root and unshare -m)"
fi

# Real-time replay paces by the timestamps and decodes the same.
expect_rc speed-replay 1 "$CAP" --json --speed 1000 -r "$f"
if python3 -c "
import json,sys
a=[json.loads(l) for l in open('$tmp/direct.json')]
b=[json.loads(l) for l in open('$tmp/out')]
sys.exit(0 if a==b else 1)"; then ok speed-replay-same; else ko speed-replay-same; fi
# The client-list capture spans 2.36 s: about 0.59 s at 4x, instant at full speed.
c=fixtures/kms-clientlist-6win-2office2016.pcap
t0=$(date +%s%N)
expect_rc speed-4x 2 "$CAP" --json --speed 4 -r "$c"
t1=$(date +%s%N)
"$CAP" --json -r "$c" >/dev/null
t2=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 )) fast=$(( (t2 - t1) / 1000000 ))
if [ "$ms" -ge 540 ] && [ "$ms" -le 2500 ] && [ "$fast" -lt 400 ]; then ok speed-4x-paced; else
	ko "speed-4x-paced ($ms ms at 4x, $fast ms at full speed)"; fi
check_json speed-4x-decodes "sum(1 for o in objs if o['type']=='exchange')==8"
# --duration stops a slow replay part way, with a summary.
expect_rc duration-offline 2 "$CAP" --json --speed 1 --duration 1 -r "$c"
check_json duration-offline-partial "objs[-1]['type']=='summary' and 0 < objs[-1]['packets'] < 112"

# kmsdiag-probe -f reads a regular file only, capped, lines whole: none of
# these may spin, block or probe anything (no -H: a probe would need a host).
PRB="$B/kmsdiag-probe"
expect_rc probe-f-devzero 64 timeout 10 "$PRB" -f /dev/zero
grep -q "/dev/zero: is a character device, not a regular file" "$tmp/err" && ok probe-f-devzero-message || ko probe-f-devzero-message
expect_rc probe-f-directory 64 timeout 10 "$PRB" -f "$tmp"
grep -q "is a directory, not a regular file" "$tmp/err" && ok probe-f-directory-message || ko probe-f-directory-message
expect_rc probe-f-fifo 64 timeout 10 "$PRB" -f "$tmp/fifo"
grep -q "fifo: is a FIFO, not a regular file" "$tmp/err" && ok probe-f-fifo-message || ko probe-f-fifo-message
expect_rc probe-f-stdin-cap 64 sh -c "head -c 20000000 /dev/zero | timeout 20 $PRB -f -"
grep -q -- "-: larger than 16777216 bytes" "$tmp/err" && ok probe-f-stdin-cap-message || ko probe-f-stdin-cap-message
# A commented-out line of 1,032 characters: its tail after 1,023 bytes,
# 127.0.0.1, was probed.
{ printf '# '; head -c 1021 /dev/zero | tr '\0' x; printf '127.0.0.1\n'; } >"$tmp/long.txt"
expect_rc probe-f-long-line 64 timeout 10 "$PRB" -t 1 -f "$tmp/long.txt"
grep -q "long.txt: line 1: longer than 1023 bytes" "$tmp/err" && ok probe-f-long-line-message || ko probe-f-long-line-message
grep -q "127.0.0.1" "$tmp/out" && ko probe-f-long-line-not-probed || ok probe-f-long-line-not-probed

# Messages that echo an argument escape it: a terminal must never get the
# raw ESC (nor getopt's own unescaped messages).
E=$(printf '\033[2J\302\233')
no_raw() {	# name: stdout and stderr hold the escaped text, no ESC, no CSI
	if grep -q "$(printf '\033')" "$tmp/out" "$tmp/err" ||
	    grep -q "$(printf '\302\233')" "$tmp/out" "$tmp/err"; then
		ko "$1 (raw control bytes)"; cat -A "$tmp/err" | head -3
	elif grep -q '\\x1b\[2J\\u009b' "$tmp/out" "$tmp/err"; then ok "$1"
	else ko "$1 (no escaped text)"; cat -A "$tmp/err" | head -3; fi
}
for t in capture probe dnscheck tui; do
	expect_rc "argv-$t-long" 64 "$B/kmsdiag-$t" "--x$E" </dev/null
	no_raw "argv-$t-long-escaped"
	expect_rc "argv-$t-port" 64 "$B/kmsdiag-$t" -p "1$E" </dev/null
	no_raw "argv-$t-port-escaped"
done
for t in evidence exporter; do
	[ -x "$B/kmsdiag-$t" ] || continue
	expect_rc "argv-$t-long" 64 "$B/kmsdiag-$t" "--x$E" </dev/null
	no_raw "argv-$t-long-escaped"
done
expect_rc argv-front-command 64 "$B/kmsdiag" "x$E"
no_raw argv-front-command-escaped
expect_rc argv-doctor-port 64 "$B/kmsdiag" doctor -p "1$E"
no_raw argv-doctor-port-escaped
expect_rc argv-probe-nagios 3 "$B/kmsdiag-probe" --nagios -p "1$E"
no_raw argv-probe-nagios-escaped
expect_rc argv-capture-file 3 "$CAP" -r "$tmp/none$E"
no_raw argv-capture-file-escaped
expect_rc argv-probe-file 64 "$B/kmsdiag-probe" -f "$tmp/none$E"
no_raw argv-probe-file-escaped
expect_rc argv-tui-file 3 "$B/kmsdiag-tui" -R -r "$tmp/none$E"
no_raw argv-tui-file-escaped
if [ -x "$B/kmsdiag-evidence" ]; then
	printf 'Name: x\n' >"$tmp/ev.txt"
	"$B/kmsdiag-evidence" -z "$tmp/none$E" "$tmp/ev.txt" >"$tmp/out" 2>"$tmp/err"
	no_raw argv-evidence-zone-escaped
fi

# The doctor quotes resolv.conf's search domain in its by-hand steps.
printf 'search corp\342\200\256lmth.test\nnameserver 127.0.0.1\n' >"$tmp/resolv.conf"
"$B/kmsdiag" doctor --resolv-conf "$tmp/resolv.conf" -H 127.0.0.1:1 -t 1 >"$tmp/out" 2>"$tmp/err"
if grep -q 'corp\\u202elmth.test' "$tmp/out" && ! grep -q "$(printf '\342\200\256')" "$tmp/out"; then
	ok doctor-search-domain-escaped; else ko doctor-search-domain-escaped; fi

# The dashboard paints the same names escaped (it passed U+202E before).
if command -v tmux >/dev/null 2>&1; then
	SOCK=kmsdiag-cli-$$
	tmux -L "$SOCK" new-session -d -s dash -x 200 -y 50 \
	    "env LC_ALL=C.UTF-8 TERM=xterm $B/kmsdiag-tui -r fixtures/synthetic/kms-terminal-controls.pcap --speed 0; sleep 60"
	i=0
	while [ $i -lt 100 ]; do
		tmux -L "$SOCK" capture-pane -p -t dash >"$tmp/screen" 2>/dev/null
		grep -q 'WS.u009b2J' "$tmp/screen" && break
		sleep 0.1
		i=$((i + 1))
	done
	tmux -L "$SOCK" kill-server 2>/dev/null
	if grep -q 'PC\\u202eexe.txt' "$tmp/screen" && grep -q 'WS\\u009b2J\\u0085X' "$tmp/screen" &&
	    ! grep -q "$(printf '\342\200\256')" "$tmp/screen" &&
	    ! grep -q "$(printf '\302\233')" "$tmp/screen"; then
		ok dashboard-names-escaped
	else
		ko dashboard-names-escaped; head -20 "$tmp/screen"
	fi
else
	echo "SKIP dashboard-names-escaped (no tmux)"
fi

# The error lines are capped per kind, not the counts: the dashboard's
# report still counts all 1,030 errors of the fragment bomb.
"$B/kmsdiag-tui" -R -r fixtures/synthetic/rpc-fragment-bomb.pcap >"$tmp/out" 2>"$tmp/err"
grep -Eq 'WARN +1030 input errors; first: .*call 100 without its first fragment' "$tmp/out" &&
    ok tui-bomb-error-count || ko tui-bomb-error-count
"$CAP" --json -r fixtures/synthetic/rpc-fragment-bomb.pcap >"$tmp/out" 2>"$tmp/err"
check_json bomb-summary-counts-all "objs[-1]['errors']==1030 and sum(1 for o in objs if o['type']=='error')==40 and sum(o['count'] for o in objs if o['type']=='errors_not_shown')==990"

# Usage errors, the same in every program (lib/cli.c): "PROG: message"
# with the argument escaped, then the usage lines, exit 64.
esc=$(printf '\033')
for prog in kmsdiag-capture kmsdiag-probe kmsdiag-dnscheck kmsdiag-tui kmsdiag-evidence \
    kmsdiag-exporter kmsdiag "kmsdiag doctor" "kmsdiag explain"; do
	bin=${prog%% *} sub=${prog#"$bin"}
	[ -x "$B/$bin" ] || { echo "SKIP usage-escaped $prog (not built)"; continue; }
	# shellcheck disable=SC2086
	"$B/$bin" $sub "--x${esc}[2J" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 64 ] && head -n1 "$tmp/err" | grep -qxF "$prog: unrecognized option '--x\\x1b[2J'" &&
	    sed -n 2p "$tmp/err" | grep -q '^usage: ' && ! grep -q "$esc" "$tmp/err" &&
	    [ ! -s "$tmp/out" ]; then
		ok "usage-escaped $prog"
	else
		ko "usage-escaped $prog (exit $rc)"; head -3 "$tmp/err"
	fi
done
# --nagios anywhere on the line, even after the bad option: a status line
# on stdout, UNKNOWN.  kmsdiag-probe and kmsdiag-dnscheck (the CheckCommands
# of contrib/icinga2) and kmsdiag-evidence, with -n or --nagios.
for spec in "kmsdiag-probe:KMS:-t 0 --nagios 127.0.0.1" \
    "kmsdiag-probe:KMS:--nagios -t 0 127.0.0.1" "kmsdiag-probe:KMS:--bogus 127.0.0.1 --nagios" \
    "kmsdiag-dnscheck:KMS DNS:-t 0 -n x.test" "kmsdiag-dnscheck:KMS DNS:-n --bogus x.test" \
    "kmsdiag-dnscheck:KMS DNS:--bogus x.test --nagios" "kmsdiag-evidence:KMS EVIDENCE:--now x f -n" \
    "kmsdiag-evidence:KMS EVIDENCE:--nagios --bogus f"; do
	prog=${spec%%:*} rest=${spec#*:}
	svc=${rest%%:*} args=${rest#*:}
	# shellcheck disable=SC2086
	"$B/$prog" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = 3 ] && grep -q "^$svc UNKNOWN - " "$tmp/out" && [ ! -s "$tmp/err" ]; then
		ok "nagios-usage $prog ($args)"
	else
		ko "nagios-usage $prog ($args): exit $rc"; cat "$tmp/out" "$tmp/err" | head -3
	fi
done
# "kmsdiag explain CODE --json": the front's "+" parse does not leak into
# the subcommand's (options after operands still count).
"$B/kmsdiag" explain 0x6BA --json >"$tmp/out" 2>"$tmp/err"
check_json front-subcommand-permutes "len(objs)==1 and objs[0]['code']=='0x800706BA'"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
