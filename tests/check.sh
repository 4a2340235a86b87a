#!/bin/sh
# The whole suite: unit tests, golden outputs, fuzz corpus replay, DNS and
# network tests; once with the normal build and once under ASan+UBSan.
# Ends with one line "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 3
MAKE=${MAKE:-make}
total_pass=0 total_fail=0 total_skip=0

add() {	# parse "...: N passed, N failed[, N skipped]" lines from a log
	p=$(sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p' "$1" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + s))
}

add_last() {	# only the last summary line of a log
	grep "passed, .* failed" "$1" | tail -1 >"$1.last"
	add "$1.last"
	rm -f "$1.last"
}

run_suite() {	# $1 = build dir, $2 = label
	B=$1
	log=$(mktemp)
	for t in "$B"/tests/test_*; do
		[ -x "$t" ] || continue
		if ! "$t" >"$log.one" 2>&1; then
			cat "$log.one"
			grep -q "passed, .* failed" "$log.one" ||
			    echo "$(basename "$t"): 0 passed, 1 failed (crashed)" >>"$log.one"
		fi
		tail -1 "$log.one"
		cat "$log.one" >>"$log"
	done
	for f in "$B"/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		if [ -d "fuzz/corpus/$name" ]; then
			if "$f" "fuzz/corpus/$name" >"$log.one" 2>&1; then
				n=$(ls "fuzz/corpus/$name" | wc -l)
				echo "corpus $name: $n passed, 0 failed" | tee -a "$log"
			else
				cat "$log.one"
				echo "corpus $name: 0 passed, 1 failed" | tee -a "$log"
			fi
		fi
	done
	for s in tests/golden/run.sh tests/evidence/run.sh tests/dns/run.sh tests/netns/run.sh tests/live/run.sh tests/tui/run.sh tests/dist/run.sh \
	    tests/front/run.sh tests/cli/run.sh tests/exporter/run.sh tests/readme/run.sh; do
		[ -f "$s" ] || continue
		sh "$s" "$B" >"$log.one" 2>&1
		rc=$?
		cat "$log.one"
		if ! grep -q "passed, .* failed" "$log.one"; then
			echo "$s: 0 passed, 1 failed (exit $rc, no summary line)" | tee -a "$log.one"
		fi
		grep "passed, .* failed" "$log.one" | tail -1 >>"$log"
	done
	echo "== $2"
	add "$log"
	rm -f "$log" "$log.one"
}

$MAKE -s -j2 tests >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
run_suite build "plain build"
$MAKE -s -j2 asan >/dev/null || { echo "sanitizer build failed"; echo "$total_pass passed, $((total_fail + 1)) failed"; exit 1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/asan "ASan+UBSan build"
# A libFuzzer smoke run of every target, when clang is there: fixed seed and
# run count, so it cannot fail one day and pass the next on the same tree.
# The random campaign is make fuzz.
if [ -f fuzz/run.sh ]; then
	log=$(mktemp)
	sh fuzz/run.sh --smoke >"$log" 2>&1
	cat "$log"
	grep -q "passed, .* failed" "$log" ||
	    echo "fuzz/run.sh: 0 passed, 1 failed (no summary line)" >>"$log"
	echo "== fuzz smoke"
	add_last "$log"
	rm -f "$log"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
