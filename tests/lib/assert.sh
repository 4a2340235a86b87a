# Assertions for the shell suites: source it, set $tmp to a scratch
# directory, then end with: echo "NAME: $pass passed, $fail failed".
#
#	expect_rc NAME RC COMMAND...	run it, stdout in $tmp/out, stderr in $tmp/err
#	has NAME FILE ERE		a line of FILE matches
#	hasnt NAME FILE ERE		no line of FILE matches
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
expect_rc() {
	name=$1 want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; else
		ko "$name (exit $rc, want $want)"; head -5 "$tmp/err"; fi
}
has() {
	if grep -Eq -- "$3" "$2"; then ok "$1"; else ko "$1: no line matches /$3/"; head -5 "$2"; fi
}
hasnt() {
	if grep -Eq -- "$3" "$2"; then ko "$1: a line matches /$3/"; else ok "$1"; fi
}
