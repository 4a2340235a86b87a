# Sourced by tests/front/run.sh (needs its t/ok/bad/skip, $KD, $B, $tmp,
# start_responder, zone).  One fixture set, three views, one verdict per
# checklist item (issue 11): kmsdiag doctor, kmsdiag-tui --report --json
# and the capture summary (kmsdiag-capture -r FILE --json) on
#   - a zone file whose SRV record names a test responder on a port that
#     is not 1688 (rule 2: it passes where a KMS host answers),
#   - that responder, answering with a count below the threshold,
#   - a capture of the same exchange, recorded live on loopback here.
# Items a view cannot see are left out of the comparison: the capture
# does not look at DNS, doctor and the dashboard's probe see no client.

cons_items() {	# FILE FORMAT: "item status" lines, sorted
	case $2 in
	doctor)	jq -r 'select(.type == "step" and .basis == "evidence") | "\(.step) \(.status)"' "$1" ;;
	tui)	jq -r 'select(.type == "item" and .basis == "evidence") | "\(.item) \(.status)"' "$1" ;;
	capture) jq -r '.. | objects | select((.check? // "") | startswith("checklist.")) |
		select(.basis == "evidence") | "\(.check | ltrimstr("checklist.")) \(.status)"' "$1" ;;
	esac | sort -u
}

start_responder cons --count 7 || bad "responder start"
CONS=$PORT
zone cons cons.doc.test "$CONS"
if [ "$(id -u)" != 0 ] || [ ! -x "$B/kmsdiag-capture" ]; then
	skip consistency "needs root (live capture on lo) and kmsdiag-capture"
else
	"$B/kmsdiag-capture" -i lo -p "$CONS" -w "$tmp/cons.pcap" --duration 8 -Z root \
	    >/dev/null 2>&1 &
	cpid=$!
	sleep 1.5
	"$KD" doctor --json -z "$tmp/cons.zone" --activate -t 2 >"$tmp/cons.doctor" 2>&1
	wait "$cpid"
	# The dashboard twice: on doctor's evidence (the zone and a probe) and
	# on the capture's (the file).
	"$B/kmsdiag-tui" --report --json -z "$tmp/cons.zone" --activate -t 2 \
	    >"$tmp/cons.tui" 2>&1
	"$B/kmsdiag-tui" --report --json -r "$tmp/cons.pcap" -p "$CONS" >"$tmp/cons.tuicap" 2>&1
	"$B/kmsdiag-capture" -r "$tmp/cons.pcap" -p "$CONS" --json >"$tmp/cons.capture" 2>&1
	cons_items "$tmp/cons.doctor" doctor >"$tmp/cons.d"
	cons_items "$tmp/cons.tui" tui >"$tmp/cons.t"
	cons_items "$tmp/cons.tuicap" tui >"$tmp/cons.tc"
	cons_items "$tmp/cons.capture" capture >"$tmp/cons.c"
	# same NAME A B: every item both judged has one verdict.
	same_items() {
		if [ ! -s "$2" ] || [ ! -s "$3" ]; then
			bad "$1" "nothing judged: $(tr '\n' ' ' <"$2") / $(tr '\n' ' ' <"$3")"
		elif awk 'NR == FNR { d[$1] = $2; next } ($1 in d) && d[$1] != $2 { bad = 1 }
		    END { exit bad }' "$2" "$3"; then
			ok "$1"
		else
			bad "$1" "$(tr '\n' ' ' <"$2") / $(tr '\n' ' ' <"$3")"
		fi
	}
	# The fixture says what every view must find.
	if grep -qx 'threshold fail' "$tmp/cons.d" && grep -qx 'dns ok' "$tmp/cons.d"; then
		ok consistency-doctor-fixture
	else
		bad consistency-doctor-fixture "$(tr '\n' ' ' <"$tmp/cons.d")"
	fi
	same_items consistency-doctor-tui "$tmp/cons.d" "$tmp/cons.t"
	if ! grep -q '^threshold ' "$tmp/cons.c"; then
		skip consistency-capture "the capture summary has no checklist items"
	else
		same_items consistency-capture-tui "$tmp/cons.c" "$tmp/cons.tc"
		# Across all three, on the items the probe and the capture both
		# see.  (The host key is left out: the capture reads the host's
		# HwId, the probe does not report it yet.)
		grep -E '^(port|rpc|threshold) ' "$tmp/cons.d" >"$tmp/cons.d3"
		grep -E '^(port|rpc|threshold) ' "$tmp/cons.c" >"$tmp/cons.c3"
		if [ "$(wc -l <"$tmp/cons.d3")" = 3 ] && cmp -s "$tmp/cons.d3" "$tmp/cons.c3"; then
			ok consistency-doctor-capture
		else
			bad consistency-doctor-capture "$(tr '\n' ' ' <"$tmp/cons.d3") / $(tr '\n' ' ' <"$tmp/cons.c3")"
		fi
	fi
fi
