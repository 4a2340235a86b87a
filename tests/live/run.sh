#!/bin/sh
# kmsdiag-capture -i on the loopback interface: the probe activates against
# the test KMS responder while the capture decodes the exchange live.  Checks
# the decoded JSON against what the probe itself reports, the privilege drop
# (the capture's uid once the interface is open), that -w written packets
# read back with -r give the same exchange, -c, --duration, SIGTERM, IPv6 on
# "any", bad interface, bad user, -w through a planted symlink and onto a
# full file system, and capture with file capabilities only.
#
# usage: tests/live/run.sh BUILD_DIR
# Prints PASS/FAIL/SKIP per case, then "live: N passed, N failed, N skipped".
# Capturing needs root; without it every case prints SKIP.

B=${1:?usage: tests/live/run.sh BUILD_DIR}
CAP=$B/kmsdiag-capture
PROBE=$B/kmsdiag-probe
RESP=$B/tests/kms-responder
npass=0 nfail=0 nskip=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdlive.XXXXXX") || exit 2
chmod 755 "$TMP"	# nobody runs a copy of the binary from here (caps-only)
PIDS=
export NO_COLOR=1 TZ=UTC LC_ALL=C

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1${2:+ ($2)}"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1 ($2)"; nskip=$((nskip + 1)); }
summary() { echo "live: $npass passed, $nfail failed, $nskip skipped"; }

CASES="lo4-ready lo4-privdrop lo4-line-buffered lo4-exit lo4-exchange lo4-matches-probe
lo4-summary lo4-stats lo4-replay-same any6-exchange count-stops duration-stops
sigterm-summary bad-interface bad-user bad-filter user-root write-symlink write-full
caps-only no-privilege"

for t in "$CAP" "$PROBE" "$RESP"; do
	if [ ! -x "$t" ]; then
		echo "FAIL setup ($t not built)"
		nfail=1
		summary
		exit 1
	fi
done
if [ "$(id -u)" != 0 ]; then
	for c in $CASES; do skip "$c" "needs root to capture"; done
	summary
	exit 0
fi
command -v jq >/dev/null 2>&1 || { echo "FAIL setup (jq not installed)"; nfail=1; summary; exit 1; }
NOBODY_UID=$(id -u nobody 2>/dev/null)
NOBODY_GID=$(id -g nobody 2>/dev/null)

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (no fixed sleeps).
wait_for() {
	n=$(($1 * 20)); shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ $n -le 0 ] && return 1
		sleep 0.05
	done
	return 0
}
has_line() { grep -q "$2" "$1"; }
alive() { kill -0 "$1"; }
dead() { ! kill -0 "$1"; }
uid_is() { [ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$1/status")" = "$2$2$2$2" ]; }
capprm_zero() { awk '/^CapPrm:/ {exit !($2 ~ /^0+$/)}' "/proc/$1/status"; }
# The process has a packet socket open: the interface is being captured.
has_packet_socket() {
	socks=$(for fd in /proc/"$1"/fd/*; do readlink "$fd"; done 2>/dev/null)
	for i in $(awk 'NR > 1 {print $9}' /proc/net/packet); do
		case $socks in *"socket:[$i]"*) return 0 ;; esac
	done
	return 1
}

# start_responder NAME [args]: sets PORT.
start_responder() {
	name=$1; shift
	"$RESP" --lifetime 60 "$@" >"$TMP/$name.resp" 2>&1 &
	PIDS="$PIDS $!"
	PORT=0
	wait_for 5 has_line "$TMP/$name.resp" '^PORT ' || return 1
	PORT=$(sed -n 's/^PORT //p' "$TMP/$name.resp")
}

# start_capture NAME args...: kmsdiag-capture in the background, sets CPID.
start_capture() {
	name=$1; shift
	"$CAP" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	CPID=$!
	PIDS="$PIDS $CPID"
}

# stop_capture SIGNAL: signal CPID (unless it has exited), wait, set CRC.
stop_capture() {
	[ -n "$1" ] && kill "-$1" "$CPID" 2>/dev/null
	wait "$CPID"
	CRC=$?
}

# jqcheck NAME FILE EXPR: EXPR holds for FILE's JSON lines, slurped into an array.
jqcheck() {
	if jq -e -s "$3" "$2" >/dev/null 2>&1; then pass "$1"; else
		fail "$1" "$3 does not hold for: $(head -c 500 "$2" | tr '\n' ' ')"; fi
}

# ---- IPv4 on lo: the probe activates while the capture decodes ----------------

start_responder lo4 --hwid 3A1C049600B60076 || fail setup "responder did not start"
start_capture lo4 -i lo -p "$PORT" --json -l -w "$TMP/lo4.pcap"
# The uid changes right after the interface is open: that is the ready signal.
if wait_for 5 uid_is "$CPID" "$NOBODY_UID"; then
	pass lo4-ready
	if uid_is "$CPID" "$NOBODY_UID" &&
	    [ "$(awk '/^Gid:/ {print $2 $3 $4 $5}' "/proc/$CPID/status")" = \
	    "$NOBODY_GID$NOBODY_GID$NOBODY_GID$NOBODY_GID" ] &&
	    ! awk '/^Groups:/' "/proc/$CPID/status" | grep -qw 0; then
		pass lo4-privdrop
	else
		fail lo4-privdrop "$(grep -E '^(Uid|Gid|Groups):' "/proc/$CPID/status" | tr '\n' ' ')"
	fi
else
	fail lo4-ready "uid never became nobody's: $(cat "$TMP/lo4.err" "$TMP/lo4.out" | head -c 300)"
	fail lo4-privdrop "not ready"
fi
"$PROBE" --json --activate "127.0.0.1:$PORT" >"$TMP/lo4.probe" 2>&1
# -l: the exchange reaches the file while the capture still runs.
if wait_for 5 has_line "$TMP/lo4.out" '"type":"exchange"' && alive "$CPID"; then
	pass lo4-line-buffered
else
	fail lo4-line-buffered "no exchange line while running: $(head -c 300 "$TMP/lo4.out")"
fi
stop_capture INT
# The responder's hardware ID is vlmcsd's default: an emulator warning, exit 1.
if [ "$CRC" = 1 ]; then pass lo4-exit; else fail lo4-exit "exit $CRC, want 1"; fi
jqcheck lo4-exchange "$TMP/lo4.out" '[.[] | select(.type=="exchange")] | length == 1 and
    (.[0] | .source == "lo" and .host == "127.0.0.1:'"$PORT"'" and .verdict == "activates" and
    .request.version == "6.0" and .response.verified == true and .transfer_syntax == "NDR64")'
# What the capture decoded is what the probe sent and got back.
P_CMID=$(jq -r '.activation.cmid' "$TMP/lo4.probe" 2>/dev/null)
P_COUNT=$(jq -r '.activation.count' "$TMP/lo4.probe" 2>/dev/null)
P_EPID=$(jq -r '.activation.epid' "$TMP/lo4.probe" 2>/dev/null)
if [ -n "$P_CMID" ] && [ "$P_CMID" != null ]; then
	jqcheck lo4-matches-probe "$TMP/lo4.out" '[.[] | select(.type=="exchange")][0] |
	    .request.cmid == "'"$P_CMID"'" and .response.count == '"$P_COUNT"' and
	    .response.epid == "'"$P_EPID"'"'
else
	fail lo4-matches-probe "probe reported no activation: $(head -c 300 "$TMP/lo4.probe")"
fi
jqcheck lo4-summary "$TMP/lo4.out" '[.[] | select(.type=="summary")] | length == 1 and
    .[0].exchanges == 1 and .[0].errors == 0 and .[0].flows_evicted == 0 and
    (.[0].problems | map(.check) | index("emulator") != null)'
# Statistics: the last line; lo shows every packet twice to the kernel counter.
jqcheck lo4-stats "$TMP/lo4.out" '(map(select(.type=="summary"))[0].packets) as $n |
    .[-1].type == "capture_stats" and .[-1].interface == "lo" and .[-1].packets == $n and
    $n >= 8 and .[-1].written == $n and .[-1].kernel_dropped == 0 and .[-1].kernel_received >= $n'
# The -w file read back gives the same exchange, the same packet numbers.
"$CAP" --json -p "$PORT" -r "$TMP/lo4.pcap" >"$TMP/lo4.replay" 2>&1
rrc=$?
if [ "$rrc" = "$CRC" ] && [ "$(jq -c -s 'map(select(.type=="exchange") | del(.source))' "$TMP/lo4.out")" = \
    "$(jq -c -s 'map(select(.type=="exchange") | del(.source))' "$TMP/lo4.replay")" ] &&
    jq -e -s 'map(select(.type=="exchange")) | length == 1' "$TMP/lo4.replay" >/dev/null; then
	pass lo4-replay-same
else
	fail lo4-replay-same "exit $rrc vs $CRC; $(head -c 300 "$TMP/lo4.replay")"
fi

# ---- IPv6 on "any" (Linux cooked headers) --------------------------------------

start_responder any6 -6 || fail setup "IPv6 responder did not start"
start_capture any6 -i any -p "$PORT" --json -l
if wait_for 5 uid_is "$CPID" "$NOBODY_UID"; then
	"$PROBE" --json --activate "[::1]:$PORT" >"$TMP/any6.probe" 2>&1
	wait_for 5 has_line "$TMP/any6.out" '"type":"exchange"'
	sleep 0.2	# a duplicate would come right behind
	stop_capture TERM
	jqcheck any6-exchange "$TMP/any6.out" '[.[] | select(.type=="exchange")] | length == 1 and
	    (.[0] | .source == "any" and .host == "[::1]:'"$PORT"'" and .verdict == "activates") and
	    (map(select(.type=="error")) | length == 0)'
else
	stop_capture TERM
	fail any6-exchange "capture on any did not start: $(head -c 300 "$TMP/any6.out" "$TMP/any6.err")"
fi

# ---- -c and --duration stop by themselves; SIGTERM prints the summary -------

start_responder count || fail setup "responder did not start"
start_capture count -i lo -p "$PORT" --json -c 4
if wait_for 5 uid_is "$CPID" "$NOBODY_UID"; then
	"$PROBE" --json --activate "127.0.0.1:$PORT" >/dev/null 2>&1
	if wait_for 5 dead "$CPID"; then
		stop_capture
		jqcheck count-stops "$TMP/count.out" '.[-1].type == "capture_stats" and .[-1].packets == 4 and
		    (map(select(.type=="summary"))[0].packets == 4)'
	else
		stop_capture KILL
		fail count-stops "still running after -c 4 and a whole exchange"
	fi
else
	stop_capture KILL
	fail count-stops "capture did not start"
fi

t0=$(date +%s)
start_capture duration -i lo -p 9 --json --duration 1
if wait_for 6 dead "$CPID"; then
	stop_capture
	t1=$(date +%s)
	# Nothing on port 9: no verdict without evidence, so unknown (3).
	if [ "$CRC" = 3 ] && [ $((t1 - t0)) -ge 1 ] && jq -e -s '.[-1].type == "capture_stats" and
	    any(.[] | select(.type == "summary") | .problems[]; .check == "no_kms_traffic")' "$TMP/duration.out" >/dev/null 2>&1; then
		pass duration-stops
	else
		fail duration-stops "exit $CRC after $((t1 - t0)) s: $(head -c 200 "$TMP/duration.out")"
	fi
else
	stop_capture KILL
	fail duration-stops "still running 6 s after --duration 1"
fi

start_capture sigterm -i lo -p 9
if wait_for 5 uid_is "$CPID" "$NOBODY_UID"; then
	stop_capture TERM
	if [ "$CRC" = 3 ] && grep -q '^Summary: 0 packets' "$TMP/sigterm.out" &&
	    grep -q 'no KMS activation traffic on the ports captured' "$TMP/sigterm.out" &&
	    grep -q 'received by filter, .* dropped by kernel' "$TMP/sigterm.out"; then
		pass sigterm-summary
	else
		fail sigterm-summary "exit $CRC: $(head -c 300 "$TMP/sigterm.out")"
	fi
else
	stop_capture KILL
	fail sigterm-summary "capture did not start"
fi

# ---- errors -------------------------------------------------------------------

"$CAP" --json -i kdnosuch0 >"$TMP/badif.out" 2>&1
rc=$?
if [ "$rc" = 3 ] && jq -e -s 'length == 1 and .[0].type == "error" and .[0].source == "kdnosuch0" and
    (.[0].message | test("no such interface"))' "$TMP/badif.out" >/dev/null 2>&1; then
	pass bad-interface
else
	fail bad-interface "exit $rc: $(head -c 300 "$TMP/badif.out")"
fi

"$CAP" -i lo -p 9 -Z kdnosuchuser --duration 1 >"$TMP/baduser.out" 2>&1
rc=$?
if [ "$rc" = 3 ] && grep -q 'unknown user "kdnosuchuser"' "$TMP/baduser.out" &&
    ! grep -q '^Summary' "$TMP/baduser.out"; then
	pass bad-user
else
	fail bad-user "exit $rc: $(head -c 300 "$TMP/baduser.out")"
fi

"$CAP" -i lo -f 'tcp port' --duration 1 >"$TMP/badfilter.out" 2>&1
rc=$?
if [ "$rc" = 64 ] && grep -q 'bpf: invalid (bad filter "tcp port"' "$TMP/badfilter.out"; then
	pass bad-filter
else
	fail bad-filter "exit $rc: $(head -c 300 "$TMP/badfilter.out")"
fi

# -Z root: explicitly stays root (ready = the packet socket exists).
start_capture zroot -i lo -p 9 -Z root
if wait_for 5 has_packet_socket "$CPID"; then
	sleep 0.3
	if uid_is "$CPID" 0; then pass user-root; else fail user-root "uid changed"; fi
else
	fail user-root "capture did not start: $(head -c 300 "$TMP/zroot.out" "$TMP/zroot.err")"
fi
stop_capture INT

# -w is opened as root: a symlink planted at the path must not be followed.
mkdir "$TMP/shared" && printf 'keep me\n' >"$TMP/victim" &&
    ln -s "$TMP/victim" "$TMP/shared/cap.pcap"
"$CAP" -i lo -p 9 --duration 1 -w "$TMP/shared/cap.pcap" >"$TMP/wsym.out" 2>&1
rc=$?
if [ "$rc" = 3 ] && [ "$(cat "$TMP/victim")" = "keep me" ] &&
    grep -q 'cap.pcap: offset 0: pcap: I/O error (cannot write capture: is a symbolic link, refused)' "$TMP/wsym.out" &&
    ! grep -q '^Summary' "$TMP/wsym.out"; then
	pass write-symlink
else
	fail write-symlink "exit $rc, victim \"$(head -c 20 "$TMP/victim")\": $(head -c 300 "$TMP/wsym.out")"
fi

# A full file system under -w (a 4 KiB tmpfs in a mount namespace of its own):
# the capture says so, stops, exits 3 and does not claim packets written.
mkdir "$TMP/small"
if ! command -v unshare >/dev/null 2>&1 ||
    ! unshare -m sh -c "mount -t tmpfs -o size=4k tmpfs $TMP/small" 2>/dev/null; then
	skip write-full "no unshare -m or tmpfs here"
else
	start_responder wfull || fail setup "responder did not start"
	# shellcheck disable=SC2016
	unshare -m sh -c 'mount -t tmpfs -o size=4k tmpfs "$1" && shift && exec "$@"' sh \
	    "$TMP/small" "$CAP" -i lo -p "$PORT" --json -l -w "$TMP/small/x.pcap" \
	    >"$TMP/wfull.out" 2>"$TMP/wfull.err" &
	CPID=$!
	PIDS="$PIDS $CPID"
	if wait_for 5 uid_is "$CPID" "$NOBODY_UID"; then
		# About 2 KiB of packets per activation: a few fill 4 KiB.
		for i in 1 2 3 4 5 6; do
			alive "$CPID" || break
			"$PROBE" --json --activate "127.0.0.1:$PORT" >/dev/null 2>&1
		done
		if wait_for 5 dead "$CPID"; then
			stop_capture
			if [ "$CRC" = 3 ]; then
				jqcheck write-full "$TMP/wfull.out" '(map(select(.type=="error" and
				    (.message | test("cannot write capture: No space left on device; the file is incomplete")))) | length == 1) and
				    .[-1].type == "capture_stats" and .[-1].written == null'
			else
				fail write-full "exit $CRC, want 3: $(head -c 300 "$TMP/wfull.out")"
			fi
		else
			stop_capture KILL
			fail write-full "still capturing with a full file system: $(head -c 300 "$TMP/wfull.out")"
		fi
	else
		stop_capture KILL
		fail write-full "capture did not start: $(head -c 300 "$TMP/wfull.out" "$TMP/wfull.err")"
	fi
fi

# ---- without root: file capabilities only, then nothing ---------------------

mkdir -p "$TMP/bin" && chmod 755 "$TMP/bin" && cp "$CAP" "$TMP/bin/kmsdiag-capture" &&
    chmod 755 "$TMP/bin/kmsdiag-capture"
if ! command -v setpriv >/dev/null 2>&1; then
	skip caps-only "setpriv not installed"
	skip no-privilege "setpriv not installed"
else
	AS_NOBODY="setpriv --reuid=$NOBODY_UID --regid=$NOBODY_GID --clear-groups"
	$AS_NOBODY "$TMP/bin/kmsdiag-capture" -i lo -p 9 --duration 1 >"$TMP/nopriv.out" 2>&1
	rc=$?
	if [ "$rc" = 3 ] && grep -q 'permission denied.*CAP_NET_RAW' "$TMP/nopriv.out"; then
		pass no-privilege
	else
		fail no-privilege "exit $rc: $(head -c 300 "$TMP/nopriv.out")"
	fi
	if ! command -v setcap >/dev/null 2>&1; then
		skip caps-only "setcap not installed"
	elif ! setcap cap_net_raw,cap_net_admin=eip "$TMP/bin/kmsdiag-capture" 2>/dev/null; then
		skip caps-only "file capabilities not supported here"
	else
		start_responder caps || fail setup "responder did not start"
		$AS_NOBODY "$TMP/bin/kmsdiag-capture" -i lo -p "$PORT" --json -l >"$TMP/caps.out" 2>&1 &
		CPID=$!
		PIDS="$PIDS $CPID"
		# Capabilities are dropped once the interface is open: the ready signal.
		if wait_for 5 has_packet_socket "$CPID" && wait_for 5 capprm_zero "$CPID"; then
			"$PROBE" --json --activate "127.0.0.1:$PORT" >/dev/null 2>&1
			wait_for 5 has_line "$TMP/caps.out" '"type":"exchange"'
			stop_capture INT
			jqcheck caps-only "$TMP/caps.out" '[.[] | select(.type=="exchange")] | length == 1 and
			    .[0].verdict == "activates"'
		else
			stop_capture KILL
			fail caps-only "did not open with capabilities only: $(head -c 300 "$TMP/caps.out")"
		fi
	fi
fi

summary
[ "$nfail" -eq 0 ]
