#!/bin/sh
# Golden tests: run every TESTLIST line, diff against its .out file.
# usage: tests/golden/run.sh BUILD_DIR   (from the repository root or anywhere)
# TESTLIST line: name  input  golden  options...   ('#' starts a comment)
# The golden file holds stdout, then stderr, then "exit N".
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
tool=$B/kmsdiag-capture
[ -x "$tool" ] || { echo "golden: $tool not built" >&2; exit 2; }
pass=0 fail=0
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
while read -r name input golden opts; do
	case $name in ''|'#'*) continue ;; esac
	(cd "$root" && TZ=UTC LC_ALL=C NO_COLOR=1 "$tool" $opts -r "$input" 2>&1
	    echo "exit $?") >"$tmp"
	if diff -u "$here/$golden" "$tmp" >"$tmp.diff" 2>&1; then
		echo "PASS $name"; pass=$((pass + 1))
	else
		echo "FAIL $name"; cat "$tmp.diff"; fail=$((fail + 1))
	fi
	rm -f "$tmp.diff"
done <"$here/TESTLIST"
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
