#!/bin/sh
# kmsdiag-probe against real sockets: loopback, the test KMS responder, a
# test DNS server (ldns-testns), and two network namespaces joined by a veth
# pair with nftables drop/reject rules.  Never the public Internet: every
# address is loopback or one the script gives to its own namespaces
# (198.18.0.0/24, the RFC 2544 benchmarking range, and fd00:6b64::/64).
#
# usage: tests/netns/run.sh BUILD_DIR
# Prints PASS/FAIL/SKIP per case, then "probe: N passed, N failed, N skipped".
# Namespace cases need root (ip netns, nft); without it they print SKIP.

B=${1:?usage: tests/netns/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE=$B/kmsdiag-probe
RESP=$B/tests/kms-responder
npass=0 nfail=0 nskip=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kdprobe.XXXXXX") || exit 2
NS_C=kdp-c-$$
NS_S=kdp-s-$$
PIDS=
NETNS_UP=
ETC_NETNS_NEW=

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "$NETNS_UP" ]; then
		ip netns del "$NS_C" 2>/dev/null
		ip netns del "$NS_S" 2>/dev/null
		rm -rf "/etc/netns/$NS_C"
		[ -n "$ETC_NETNS_NEW" ] && rmdir /etc/netns 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1${2:+ ($2)}"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1 ($2)"; nskip=$((nskip + 1)); }

for t in "$PROBE" "$RESP"; do
	[ -x "$t" ] || { echo "FAIL setup ($t not built)"; echo "probe: 0 passed, 1 failed, 0 skipped"; exit 1; }
done
command -v jq >/dev/null 2>&1 || { echo "FAIL setup (jq not installed)"; echo "probe: 0 passed, 1 failed, 0 skipped"; exit 1; }

# Wait (with a deadline, not a fixed sleep) until FILE has a line matching RE.
wait_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
	return 0
}

# port_of LABEL: the port of a golden case's responder.
port_of() { for kv in $GOLDEN_LABELS; do [ "${kv%%=*}" = "$1" ] && echo "${kv#*=}"; done; }

# start_responder NAME [args]: sets PORT.
start_responder() {
	name=$1; shift
	"$RESP" --lifetime 60 "$@" >"$TMP/$name.resp" 2>&1 &
	PIDS="$PIDS $!"
	if ! wait_line "$TMP/$name.resp" '^PORT '; then
		PORT=0
		return 1
	fi
	PORT=$(sed -n 's/^PORT //p' "$TMP/$name.resp")
}

# check NAME EXPECTED_RC JQ_EXPR -- probe args...: run the probe with --json,
# assert its exit status and that the jq expression holds for the output
# (slurped into an array, one element per address).
check() {
	name=$1 want=$2 expr=$3; shift 4
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$TMP/$name.out" "$TMP/$name.err" | tr '\n' ' ')"
	elif ! jq -s -e "$expr" "$TMP/$name.out" >/dev/null 2>&1; then
		fail "$name" "$expr does not hold for: $(head -c 600 "$TMP/$name.out")"
	else
		pass "$name"
	fi
}

# checkgrep NAME EXPECTED_RC REGEX -- cmd...: exit status and a line matching REGEX.
checkgrep() {
	name=$1 want=$2 re=$3; shift 4
	"$@" >"$TMP/$name.out" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$TMP/$name.out" | tr '\n' ' ')"
	elif ! grep -Eq -- "$re" "$TMP/$name.out"; then
		fail "$name" "no line matches /$re/ in: $(head -c 400 "$TMP/$name.out" | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

# ---- loopback: reachability, IPv4 and IPv6 ---------------------------------

for fam in 4 6; do
	if [ $fam = 4 ]; then LO=127.0.0.1; T=127.0.0.1; R6=; else LO=::1; T='[::1]'; R6=-6; fi
	start_responder open$fam $R6
	check "lo$fam-open" 0 '.[0].state == "open" and (.[0].connect_ms | type) == "number" and .[0].rpc == null and .[0].address == "'$LO'" and .[0].port == '$PORT \
	    -- "$PROBE" --json --tcp-only "$T:$PORT"
	start_responder refused$fam $R6 --refuse
	check "lo$fam-refused" 2 '.[0].state == "refused" and .[0].connect_ms == null and .[0].status == "fail" and .[0].checklist == "port"' \
	    -- "$PROBE" --json --tcp-only "$T:$PORT"
	checkgrep "lo$fam-refused-text" 2 "refused" -- "$PROBE" "$T:$PORT"
done

# ---- loopback: RPC level against the test responder -------------------------

for fam in 4 6; do
	if [ $fam = 4 ]; then T=127.0.0.1; R6=; else T='[::1]'; R6=-6; fi
	start_responder kms$fam $R6
	check "rpc$fam-kms-ndr64" 0 '.[0].rpc == "kms" and (.[0].rpc_ms | type) == "number" and (.[0].rpc_detail | test("NDR64"))' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder ndr$fam $R6 --syntax ndr
	check "rpc$fam-kms-ndr" 0 '.[0].rpc == "kms" and (.[0].rpc_detail | test("\\(NDR\\)"))' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder nak$fam $R6 --bind nak
	check "rpc$fam-bind-nak" 2 '.[0].rpc == "rejected" and (.[0].rpc_detail | test("bind_nak")) and .[0].checklist == "rpc"' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder fault$fam $R6 --bind fault
	check "rpc$fam-fault" 2 '.[0].rpc == "rejected" and (.[0].rpc_detail | test("fault 0x1c01000b"))' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder rej$fam $R6 --bind reject
	check "rpc$fam-iface-rejected" 2 '.[0].rpc == "rejected" and (.[0].rpc_detail | test("abstract_syntax_not_supported"))' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder garb$fam $R6 --bind garbage
	check "rpc$fam-garbage" 2 '.[0].rpc == "not_rpc" and .[0].state == "open"' \
	    -- "$PROBE" --json "$T:$PORT"
	start_responder sil$fam $R6 --bind silence
	check "rpc$fam-silence" 2 '.[0].rpc == "silent" and (.[0].rpc_detail | test("did not answer"))' \
	    -- "$PROBE" --json -t 0.5 "$T:$PORT"
	start_responder close$fam $R6 --bind close
	check "rpc$fam-close" 2 '.[0].rpc == "silent" and (.[0].rpc_detail | test("closed"))' \
	    -- "$PROBE" --json "$T:$PORT"
done

# ---- loopback: hostile listeners --------------------------------------------

# Accepts, then resets before reading: "reset" whether the loop saw the
# handshake complete first or not (three runs give both orders a chance).
start_responder accrst --accept reset
for i in 1 2 3; do
	check "accept-then-reset-$i" 2 '.[0].state == "reset" and (.[0].state_detail | test("accepted the connection, then reset")) and .[0].connect_ms == null and .[0].checklist == "rpc" and (.[0].detail | test("nothing listens") | not) and (.[0].fix | test("resets the connection"))' \
	    -- "$PROBE" --json "127.0.0.1:$PORT"
done
checkgrep "accept-then-reset-text" 2 "^FAIL 127.0.0.1:$PORT: accepted the connection, then reset it before any answer$" \
    -- "$PROBE" "127.0.0.1:$PORT"
start_responder bindrst --bind reset
check "bind-then-reset" 2 '.[0].state == "reset" and .[0].rpc == null and .[0].received == 0' \
    -- "$PROBE" --json "127.0.0.1:$PORT"
start_responder partial --bind partial
check "bind-ack-stalls" 2 '.[0].rpc == "silent" and (.[0].rpc_detail | test("began to answer the bind \\(a DCE/RPC bind_ack, 10 of [0-9]+ bytes\\), then nothing for")) and (.[0].fix | test("never finished"))' \
    -- "$PROBE" --json -t 0.5 "127.0.0.1:$PORT"
start_responder trickle --trickle 40
check "bind-ack-trickles" 2 '.[0].rpc == "silent" and (.[0].rpc_detail | test("still arriving after 0.6 s \\(a DCE/RPC bind_ack, [0-9]+ of [0-9]+ bytes, in [0-9]+ pieces\\)"))' \
    -- "$PROBE" --json -t 0.6 "127.0.0.1:$PORT"
start_responder badcall --bad-call-id bind
check "bind-ack-wrong-call-id" 2 '.[0].rpc == "not_rpc" and (.[0].rpc_detail | test("for call 7"))' \
    -- "$PROBE" --json "127.0.0.1:$PORT"
start_responder badcallrq --bad-call-id request
check "response-wrong-call-id" 1 '.[0].rpc == "kms" and .[0].status == "warn" and .[0].activation.count == null and (.[0].activation.error | test("for call 7, not for the request"))' \
    -- "$PROBE" --json --activate "127.0.0.1:$PORT"

# ---- golden outputs: text, --json and --nagios ------------------------------
#
# Each case runs kmsdiag-probe against test responders on loopback and
# compares stdout, "exit N" and stderr with tests/netns/golden/NAME.out,
# after tests/netns/mask.sed (times on the wire, this machine's CMID) and
# the responders' ports replaced by their labels (GOOD, LOW, ...): the
# only fields that vary between runs.  KD_GOLDEN_UPDATE=1 rewrites them.
GOLDEN_LABELS=
golden() {
	gname=$1; shift
	"$@" >"$TMP/golden.raw" 2>"$TMP/golden.err"
	grc=$?
	set -- -E -f "$HERE/mask.sed"
	for kv in $GOLDEN_LABELS; do
		set -- "$@" -e "s/(^|[^0-9])${kv#*=}([^0-9]|\$)/\\1${kv%%=*}\\2/g"
	done
	{
		sed "$@" "$TMP/golden.raw"
		echo "exit $grc"
		sed "$@" -e 's/^/stderr: /' "$TMP/golden.err"
	} >"$TMP/golden.out"
	if [ "${KD_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$TMP/golden.out" "$HERE/golden/$gname.out"
		pass "golden-$gname (written)"
	elif diff -u "$HERE/golden/$gname.out" "$TMP/golden.out" >"$TMP/golden.diff" 2>&1; then
		pass "golden-$gname"
	else
		fail "golden-$gname" "$(head -20 "$TMP/golden.diff")"
	fi
}
glabel() { start_responder "$@" && GOLDEN_LABELS="$GOLDEN_LABELS $1=$PORT"; }
glabel GOOD
glabel LOW --count 7
glabel HOSTKEY --request 0xC004F042
glabel FOREIGN --epid 06401-00206-200-123456-03-1033-9200.0000-2992012
glabel EMU --hwid 3A1C049600B60076
glabel CORRUPT --request corrupt
glabel REFUSED --refuse
glabel RESET --accept reset
glabel NAK --bind nak
G=127.0.0.1
golden probe-open "$PROBE" "$G:$(port_of GOOD)"
golden probe-open-json "$PROBE" --json "$G:$(port_of GOOD)"
golden probe-activate "$PROBE" --activate "$G:$(port_of GOOD)"
golden probe-activate-json "$PROBE" --json --activate "$G:$(port_of GOOD)"
# Rule 1: a host below threshold beside one above is a warning about it.
golden probe-two-hosts "$PROBE" --activate "$G:$(port_of GOOD)" "$G:$(port_of LOW)"
golden probe-two-hosts-json "$PROBE" --json --activate "$G:$(port_of LOW)" "$G:$(port_of GOOD)"
golden probe-below "$PROBE" --activate "$G:$(port_of LOW)"
# Rules 3 and 5: a refusal has no threshold verdict; 0xC004F042 is the host key.
golden probe-refusal "$PROBE" --activate "$G:$(port_of HOSTKEY)"
golden probe-refusal-json "$PROBE" --json --activate "$G:$(port_of HOSTKEY)"
# Rule 5: a key group that cannot cover the product, yet a count.
golden probe-foreign-epid "$PROBE" --activate "$G:$(port_of FOREIGN)"
# Rule 4: a retail product is the client's key.
golden probe-retail "$PROBE" --activate --product "Windows 10/11 Home" "$G:$(port_of GOOD)"
golden probe-emulator "$PROBE" --activate "$G:$(port_of EMU)"
golden probe-integrity "$PROBE" --activate "$G:$(port_of CORRUPT)"
golden probe-refused "$PROBE" "$G:$(port_of REFUSED)"
golden probe-reset "$PROBE" "$G:$(port_of RESET)"
golden probe-bind-nak-json "$PROBE" --json "$G:$(port_of NAK)"
golden probe-nagios-two "$PROBE" --nagios --activate "$G:$(port_of GOOD)" "$G:$(port_of LOW)"
golden probe-nagios-count-warning "$PROBE" --nagios --activate --count-warning 60: "$G:$(port_of GOOD)"

# ---- loopback: --activate ---------------------------------------------------

# The CMID is printed in the text header even when the host is not reached.
CMID=$("$PROBE" --activate 127.0.0.1:1 2>/dev/null | sed -n 's/^CMID \([0-9a-f-]*\) .*/\1/p')
case $CMID in
????????-????-4???-????-????????????) pass "cmid-v4-guid" ;;
*) fail "cmid-v4-guid" "got '$CMID'" ;;
esac

for v in 4 5 6; do
	start_responder act$v --syntax both --count 42 --ai 60 --ri 2880
	check "activate-v$v" 0 '.[0].activation.count == 42 and .[0].activation.required_count == 25 and .[0].activation.verified == true and .[0].activation.protocol == '$v' and .[0].activation.activation_interval == 60 and .[0].activation.renewal_interval == 2880 and .[0].activation.host_build == 17763 and .[0].activation.key_group == 206 and .[0].activation.epid == "03612-00206-556-123456-03-1033-17763.0000-3182018" and .[0].activation.cmid == "'$CMID'" and .[0].activation.can_activate == true' \
	    -- "$PROBE" --json --activate --protocol $v 127.0.0.1:$PORT
done
start_responder act6v6 -6
check "activate-v6-ipv6" 0 '.[0].activation.verified == true and .[0].activation.syntax == "NDR64"' \
    -- "$PROBE" --json --activate '[::1]':$PORT

start_responder low --count 3
check "activate-below-threshold" 2 '.[0].activation.count == 3 and .[0].status == "fail" and .[0].checklist == "threshold"' \
    -- "$PROBE" --json --activate 127.0.0.1:$PORT
checkgrep "nagios-below-threshold" 2 '^KMS CRITICAL - 127.0.0.1:[0-9]+: count 3 < 25 for Windows 10/11 \(Volume\).*\|time=[0-9.]+s;;;0;3 count=3;;25:;0$' \
    -- "$PROBE" --nagios --activate -H 127.0.0.1 -p $PORT
start_responder mid --count 10
checkgrep "nagios-count-warning" 1 '^KMS WARNING - .*\|time=[0-9.]+s;;;0;3 count=10;25:;5:;0$' \
    -- "$PROBE" --nagios --activate -H 127.0.0.1 -p $PORT --count-warning 25: --count-critical 5:
start_responder srvr --count 5
check "activate-server-product" 0 '.[0].activation.required_count == 5 and .[0].activation.product == "Windows Server 2019 Standard" and .[0].status == "ok"' \
    -- "$PROBE" --json --activate --product 'Windows Server 2019 Standard' 127.0.0.1:$PORT

for v in 4 5 6; do
	start_responder bad$v --request corrupt
	check "activate-v$v-integrity-failure" 2 '.[0].activation.verified == false and (.[0].activation.verify_detail | length) > 0 and .[0].status == "fail" and (.[0].detail | test("integrity check failed")) and .[0].checklist == "rpc"' \
	    -- "$PROBE" --json --activate --protocol $v 127.0.0.1:$PORT
done
start_responder hr --request 0xC004F042
check "activate-hresult" 2 '.[0].activation.hresult == 3221549122 and .[0].activation.count == null and .[0].checklist == "host_key"' \
    -- "$PROBE" --json --activate 127.0.0.1:$PORT
start_responder rqf --request fault
check "activate-fault" 2 '(.[0].activation.error | test("fault 0x1c010002"))' \
    -- "$PROBE" --json --activate 127.0.0.1:$PORT
start_responder w8 --epid 06401-00206-200-123456-03-1033-9200.0000-2992012
# Rule 5: a key group that cannot cover the product, yet a count: a warning
# about the host (forged ePID or emulator), not "install a higher key".
check "activate-hostkey-too-low" 1 '.[0].activation.can_activate == false and .[0].activation.key_name == "Windows 8" and .[0].checklist == "host_key" and .[0].status == "warn" and (.[0].detail | test("forged ePID or emulator")) and (.[0].fix | test("higher") | not)' \
    -- "$PROBE" --json --activate 127.0.0.1:$PORT

# ---- loopback: repeats, Nagios conventions, usage ----------------------------

start_responder rep
check "count-3" 0 '.[0].sent == 3 and .[0].received == 3 and .[0].loss_pct == 0 and (.[0].connect_min_ms <= .[0].connect_max_ms)' \
    -- "$PROBE" --json -n 3 --interval 0.1 127.0.0.1:$PORT
checkgrep "nagios-ok" 0 "^KMS OK - .*\|time=[0-9.]+s;1;2;0;3$" \
    -- "$PROBE" --nagios -H 127.0.0.1 -p $PORT -w 1 -c 2
checkgrep "nagios-time-critical" 2 "^KMS CRITICAL - .*response time .*\|time=[0-9.]+s;~:0;@0:10;0;3$" \
    -- "$PROBE" --nagios -H 127.0.0.1 -p $PORT -w '~:0' -c '@0:10'
checkgrep "nagios-invalid-range" 3 "^KMS UNKNOWN - .*start of range is greater than end" \
    -- "$PROBE" --nagios -H 127.0.0.1 -w 20:10
checkgrep "usage-bad-timeout" 64 "timeout 99999: too large" -- "$PROBE" -t 99999 127.0.0.1
checkgrep "usage-no-target" 64 "no target" -- "$PROBE"
checkgrep "usage-bad-port" 64 "invalid port" -- "$PROBE" 127.0.0.1:99999
printf '# list\n127.0.0.1:%s\n\n[::1]:%s\n' "$PORT" "$PORT" >"$TMP/list"
check "file-list" 2 'length == 2 and .[0].rpc == "kms" and .[1].state == "refused"' \
    -- "$PROBE" --json -f "$TMP/list"

# Every long option is in --help and in the man page (style R13).
SRC=$(cd "$(dirname "$0")/../.." && pwd)
"$PROBE" --help >"$TMP/help" 2>&1
sed 's/\\-/-/g' "$SRC/man/kmsdiag-probe.1" >"$TMP/man"
missing=
for o in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' "$SRC/probe/main.c"); do
	grep -Eq -- "--$o([ ,=]|\$)" "$TMP/help" || missing="$missing help:--$o"
	grep -Eq -- "Fl -$o( |\$)" "$TMP/man" || missing="$missing man:--$o"
done
if [ -z "$missing" ]; then pass "options-documented"; else fail "options-documented" "$missing"; fi

# ---- --srv against a real DNS server (ldns-testns) on loopback ---------------

if command -v ldns-testns >/dev/null 2>&1; then
	start_responder srv
	cat >"$TMP/zone.data" <<EOF
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
_vlmcs._tcp.kdtest.example. IN SRV
SECTION ANSWER
_vlmcs._tcp.kdtest.example. 3600 IN SRV 0 0 $PORT kms1.kdtest.example.
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
kms1.kdtest.example. IN A
SECTION ANSWER
kms1.kdtest.example. 3600 IN A 127.0.0.1
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
kms1.kdtest.example. IN AAAA
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
kms2.kdtest.example. IN A
SECTION ANSWER
kms2.kdtest.example. 3600 IN A 198.18.0.2
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NXDOMAIN
SECTION QUESTION
_vlmcs._tcp.nokms.kdtest.example. IN SRV
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NXDOMAIN
SECTION QUESTION
nosuch.kdtest.invalid. IN A
ENTRY_END
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NXDOMAIN
SECTION QUESTION
nosuch.kdtest.invalid. IN AAAA
ENTRY_END
EOF
	. "$HERE/../lib/testns.sh"
	if kd_start_testns "$TMP/zone.data" "$TMP/dns.out"; then
		PIDS="$PIDS $TESTNS_PID"
		DNSPORT=$TESTNS_PORT
		check "srv-found" 0 'length == 1 and .[0].target == "kms1.kdtest.example" and .[0].port == '$PORT' and .[0].rpc == "kms"' \
		    -- "$PROBE" --json --srv -s 127.0.0.1:$DNSPORT kdtest.example
		check "srv-dns-error" 2 'length == 1 and .[0].state == "dns_error" and (.[0].state_detail | test("nxdomain"))' \
		    -- "$PROBE" --json --srv -s 127.0.0.1:$DNSPORT nokms.kdtest.example
	else
		fail "srv" "ldns-testns did not start: $(cat "$TMP/dns.out")"
	fi
else
	skip "srv" "ldns-testns (ldnsutils) not installed"
fi

# ---- namespaces: filtered, unreachable, blocked, refused, dns_error ----------

netns_setup() {
	[ "$(id -u)" = 0 ] || return 1
	command -v ip >/dev/null 2>&1 && command -v nft >/dev/null 2>&1 || return 1
	ip netns add "$NS_C" 2>/dev/null || return 1
	NETNS_UP=1
	ip netns add "$NS_S" || return 1
	ip -n "$NS_C" link set lo up
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" link add kdpc0 type veth peer name kdps0 netns "$NS_S" || return 1
	ip -n "$NS_C" addr add 198.18.0.1/24 dev kdpc0
	ip -n "$NS_S" addr add 198.18.0.2/24 dev kdps0
	ip -n "$NS_C" addr add fd00:6b64::1/64 dev kdpc0 nodad
	ip -n "$NS_S" addr add fd00:6b64::2/64 dev kdps0 nodad
	ip -n "$NS_C" link set kdpc0 up
	ip -n "$NS_S" link set kdps0 up
	ip netns exec "$NS_S" nft -f - <<'EOF' || return 1
table inet kdtest {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 1001 drop
		tcp dport 1002 reject with icmpx type host-unreachable
		tcp dport 1003 reject with icmpx type admin-prohibited
		tcp dport 1004 reject with tcp reset
	}
}
EOF
	ip netns exec "$NS_C" nft -f - <<'EOF' || return 1
table inet kdtest {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 1006 reject with icmpx type admin-prohibited
		tcp dport 1007 drop
	}
}
EOF
	# The client namespace asks a test DNS server on its own loopback.
	[ -d /etc/netns ] || ETC_NETNS_NEW=1
	mkdir -p "/etc/netns/$NS_C" && echo "nameserver 127.0.0.1" >"/etc/netns/$NS_C/resolv.conf"
	# Wait until IPv6 on the veth is usable (nodad: immediate, but be sure).
	i=0
	until ip netns exec "$NS_C" ip -6 route get fd00:6b64::2 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 40 ] && return 1; sleep 0.05
	done
	return 0
}

if netns_setup; then
	NX="ip netns exec $NS_C"
	for fam in 4 6; do
		if [ $fam = 4 ]; then S=198.18.0.2; NOROUTE=198.18.9.9; else S='[fd00:6b64::2]'; NOROUTE='[fd00:6b65::9]'; fi
		check "ns$fam-filtered" 2 '.[0].state == "filtered" and .[0].connect_ms == null and (.[0].state_detail | test("no answer within 1 s"))' \
		    -- $NX "$PROBE" --json -t 1 "$S:1001"
		check "ns$fam-unreachable-icmp" 2 '.[0].state == "unreachable"' \
		    -- $NX "$PROBE" --json -t 2 "$S:1002"
		check "ns$fam-admin-prohibited" 2 '.[0].state == "blocked" and (.[0].state_detail | test("ICMP"))' \
		    -- $NX "$PROBE" --json -t 2 "$S:1003"
		check "ns$fam-reset" 2 '.[0].state == "refused"' \
		    -- $NX "$PROBE" --json -t 2 "$S:1004"
		check "ns$fam-closed" 2 '.[0].state == "refused"' \
		    -- $NX "$PROBE" --json -t 2 "$S:1005"
		check "ns$fam-local-reject" 2 '.[0].state == "blocked"' \
		    -- $NX "$PROBE" --json -t 2 "$S:1006"
		# A local drop of the SYN is not reported to connect(): it looks filtered.
		check "ns$fam-local-drop" 2 '.[0].state == "filtered"' \
		    -- $NX "$PROBE" --json -t 0.5 "$S:1007"
		check "ns$fam-no-route" 2 '.[0].state == "unreachable" and (.[0].state_detail | test("unreachable"))' \
		    -- $NX "$PROBE" --json -t 2 "$NOROUTE:1688"
		checkgrep "ns$fam-filtered-nagios" 2 "^KMS CRITICAL - .*:1001: TCP SYNs to port 1001 are not answered" \
		    -- $NX "$PROBE" --nagios -t 0.5 -H "$S" -p 1001
	done
	# Concurrency: 40 filtered targets with a 1 s deadline take about one deadline.
	: >"$TMP/many"
	for i in $(seq 1 20); do echo "198.18.0.2:1001" >>"$TMP/many"; echo "[fd00:6b64::2]:1001" >>"$TMP/many"; done
	t0=$(date +%s%N)
	check "ns-concurrent-40-filtered" 2 'length == 40 and all(.[]; .state == "filtered")' \
	    -- $NX "$PROBE" --json -t 1 -f "$TMP/many"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ $ms -lt 2500 ]; then pass "ns-concurrent-time (${ms} ms)"; else fail "ns-concurrent-time" "${ms} ms for 40 filtered targets"; fi
	# Thousands in flight with default options: every open target's connect
	# time is the network's round trip (well under a millisecond on a veth),
	# not the time the loop took to get round to it, and all of it in about
	# one timeout.
	ip netns exec "$NS_S" "$RESP" --listen 198.18.0.2 --port 1688 --lifetime 60 >"$TMP/nsresp.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_line "$TMP/nsresp.out" '^PORT ' || fail "ns-load-responder" "did not start"
	awk 'BEGIN { for (i = 0; i < 4000; i++) print (i % 50 == 0 ? "198.18.0.2:1688" : "198.18.0.2:1001") }' >"$TMP/load"
	t0=$(date +%s%N)
	check "ns-load-4000-latency" 2 'length == 4000 and (map(select(.state == "open")) | length) == 80 and (map(select(.state == "filtered")) | length) == 3920 and all(.[] | select(.state == "open"); .connect_ms < 1 and .rpc == "kms")' \
	    -- $NX "$PROBE" --json -t 1 -f "$TMP/load"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ $ms -lt 2500 ]; then pass "ns-load-4000-time (${ms} ms)"; else fail "ns-load-4000-time" "${ms} ms for 4,000 targets at -t 1"; fi
	# --parallel 1 serialises: 3 filtered targets x 0.3 s >= 0.9 s.
	t0=$(date +%s%N)
	$NX "$PROBE" --json -t 0.3 --parallel 1 198.18.0.2:1001 198.18.0.2:1001 198.18.0.2:1001 >/dev/null 2>&1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ $ms -ge 880 ]; then pass "ns-parallel-cap (${ms} ms)"; else fail "ns-parallel-cap" "${ms} ms < 900"; fi
	# dns_error through a real DNS server inside the client namespace.
	if command -v ldns-testns >/dev/null 2>&1; then
		$NX ldns-testns -p 53 "$TMP/zone.data" >"$TMP/nsdns.out" 2>&1 &
		PIDS="$PIDS $!"
		if wait_line "$TMP/nsdns.out" 'port'; then
			check "ns-dns-error" 2 '.[0].state == "dns_error" and .[0].address == null and (.[0].state_detail | test("does not resolve"))' \
			    -- $NX "$PROBE" --json nosuch.kdtest.invalid
			check "ns-dns-name-resolves" 2 '.[0].target == "kms2.kdtest.example" and .[0].address == "198.18.0.2" and .[0].state == "refused"' \
			    -- $NX "$PROBE" --json -4 kms2.kdtest.example:1005
			# A name the server never answers: dns_error at the probe timeout,
			# while the numeric target beside it is probed at the same time
			# (a blocking lookup would take 1 s + 1 s, glibc's own 5 s x 2).
			t0=$(date +%s%N)
			check "ns-dns-timeout" 2 'length == 2 and .[0].target == "silent.kdtest.example" and .[0].state == "dns_error" and (.[0].state_detail | test("timed out after 1 s")) and .[1].state == "filtered"' \
			    -- $NX "$PROBE" --json -t 1 silent.kdtest.example 198.18.0.2:1001
			ms=$(( ($(date +%s%N) - t0) / 1000000 ))
			if [ $ms -lt 1800 ]; then pass "ns-dns-timeout-concurrent (${ms} ms)"; else fail "ns-dns-timeout-concurrent" "${ms} ms: the lookup held up the probe"; fi
			# Two names and a number, all resolved while probing: target order kept.
			check "ns-dns-order" 2 'length == 3 and ([.[].target] == ["kms2.kdtest.example", "198.18.0.2", "nosuch.kdtest.invalid"]) and .[0].state == "refused" and .[2].state == "dns_error"' \
			    -- $NX "$PROBE" --json -4 -t 2 kms2.kdtest.example:1005 198.18.0.2:1005 nosuch.kdtest.invalid
		else
			fail "ns-dns" "ldns-testns did not start in the namespace"
		fi
	else
		skip "ns-dns-error" "ldns-testns (ldnsutils) not installed"
	fi
else
	for c in filtered unreachable-icmp admin-prohibited reset closed local-reject local-drop no-route dns-error concurrent; do
		skip "ns-$c" "needs root, ip and nft to create network namespaces"
	done
fi

echo "probe: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
