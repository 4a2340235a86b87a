# Golden outputs of kmsdiag doctor and kmsdiag-tui --report, sourced by
# tests/front/run.sh and tests/tui/run.sh.  Needs GOLDEN_TMP (a scratch
# directory) set by the caller.
#
# golden_run DIR NAME LABELS CMD...
#   runs CMD and compares its stdout, "exit N" and any stderr with
#   DIR/NAME.out after masking what varies between runs: the times in
#   tests/front/mask.sed, --activate's CMID, the scratch directory (TMP) and
#   the ports of the test responders.  LABELS names those ports
#   ("GOOD=41234 LOW=39876": each number becomes its label).  Returns 0 when
#   equal, else 1 with the first lines of the diff in golden_diff.
#   KD_GOLDEN_UPDATE=1 writes DIR/NAME.out instead (review the diff!).
golden_run() {
	gd=$1 gn=$2 gl=$3
	shift 3
	"$@" >"$GOLDEN_TMP/golden.raw" 2>"$GOLDEN_TMP/golden.err"
	grc=$?
	set -- -E -f tests/front/mask.sed -e "s|$GOLDEN_TMP|TMP|g"
	for kv in $gl; do
		[ -n "${kv#*=}" ] && set -- "$@" -e "s/\\b${kv#*=}\\b/${kv%%=*}/g"
	done
	{
		sed "$@" "$GOLDEN_TMP/golden.raw"
		echo "exit $grc"
		sed "$@" -e 's/^/stderr: /' "$GOLDEN_TMP/golden.err"
	} >"$GOLDEN_TMP/golden.out"
	if [ "${KD_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$GOLDEN_TMP/golden.out" "$gd/$gn.out"
		return 0
	fi
	if [ ! -f "$gd/$gn.out" ]; then
		golden_diff="$gd/$gn.out missing (KD_GOLDEN_UPDATE=1 writes it)"
		return 1
	fi
	golden_diff=$(diff "$gd/$gn.out" "$GOLDEN_TMP/golden.out" | head -12)
	[ -z "$golden_diff" ]
}
