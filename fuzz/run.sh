#!/bin/sh
# Build every fuzz target with libFuzzer (clang) and run each on a copy of
# its committed corpus.
#
#	sh fuzz/run.sh [--smoke] [target...]
#
# --smoke (make check): a fixed seed and a fixed number of runs per target
# (FUZZ_RUNS, 20000), so the same tree gives the same result every time:
# a random run never gates a submission.
# Without it (make fuzz): a random campaign of FUZZ_SECONDS per target (60
# by default).  A crash is kept as build/libfuzzer/crashes/<target>-crash-<sha1>
# and copied to fuzz/corpus/<target>/regress_crash-<sha1>, where make check
# replays it: fix the bug, rename the input for what it shows, commit both.
#
# Builds into build/libfuzzer/ (BUILD_DIR overrides); new coverage inputs go
# to a scratch copy of the corpus, never into fuzz/corpus/.
#
# Prints "fuzz <target>: 1 passed, 0 failed" per target (or the crash file
# and "0 passed, 1 failed"), then "fuzz: N passed, N failed".  Without clang:
# "fuzz: 0 passed, 0 failed, 5 skipped (clang not installed)".
cd "$(dirname "$0")/.." || exit 3

smoke=
targets=
for a in "$@"; do
	case $a in
	--smoke) smoke=1 ;;
	-*) echo "usage: sh fuzz/run.sh [--smoke] [target...]" >&2; exit 64 ;;
	*) targets="$targets ${a#fuzz/}" ;;
	esac
done
[ -n "$targets" ] || targets=$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
ntargets=$(echo $targets | wc -w)
SECONDS_EACH=${FUZZ_SECONDS:-60}
RUNS_EACH=${FUZZ_RUNS:-20000}
if [ -n "$smoke" ]; then
	budget="-seed=1 -runs=$RUNS_EACH"
	what="seed 1"
else
	budget="-max_total_time=$SECONDS_EACH"
	what="${SECONDS_EACH}s"
fi
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "fuzz: 0 passed, 0 failed, $ntargets skipped (clang not installed)"
	exit 0
fi

B=${BUILD_DIR:-build/libfuzzer}
mkdir -p "$B" || exit 3
# clang without its libFuzzer runtime (Debian: libclang-rt-dev, only a
# Recommends of clang) cannot link a target: that is "not installed" too.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
    'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
    >"$B/probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$B/probe" "$B/probe.c" >/dev/null 2>&1; then
	echo "fuzz: 0 passed, 0 failed, $ntargets skipped (clang has no libFuzzer runtime: apt-get install libclang-rt-dev)"
	exit 0
fi
rm -f "$B/probe" "$B/probe.c"
MAKE=${MAKE:-make}
PKGS=$(sed -n 's/^pkgconfig[[:space:]]*//p' tools/packages)
NOPC=$(sed -n 's/^nopc[[:space:]]*//p' tools/packages)
VERSION=$(sed -n 's/^VERSION[^=]*= *//p' Makefile)
# The project's flags (Makefile KD_CFLAGS) minus -Werror: a warning clang
# alone emits should not stop a fuzz run; it still shows in the build log.
CFLAGS="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DKD_VERSION=\"$VERSION\"
    -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
    -Ilib -Ibuild/gen $(pkg-config --cflags $PKGS) -g -O1 -fno-omit-frame-pointer
    -fno-sanitize-recover=all"
SAN="-fsanitize=address,undefined"
LIBS="$(pkg-config --libs $PKGS) $NOPC -lm -pthread"

# Input size caps, a little above each decoder's own cap so those checks run.
max_len() {
	case $1 in
	fuzz_dcerpc) echo 20000 ;;	# KD_MAX_RPC_FRAG 16384
	fuzz_kms) echo 5000 ;;		# KD_MAX_KMS_MSG 4096
	fuzz_tcpreasm) echo 8192 ;;	# segment scripts
	fuzz_dns) echo 8192 ;;		# EDNS answers; UDP rarely more
	fuzz_pipeline|fuzz_pcapfile) echo 65536 ;;	# a whole small capture file
	fuzz_evidence) echo 65536 ;;	# a small export; the caps are tested in units
	*) echo 4096 ;;
	esac
}

mkdir -p "$B/obj" "$B/crashes" "$B/work" || exit 3
log=$B/build.log
: >"$log"
pass=0 fail=0

build() {
	$MAKE -s build/gen/tables_gen.c >>"$log" 2>&1 || return 1
	objs=
	# Every library part (lib/, the tools but their main.c): the linker
	# takes what each target uses from the archive.
	for src in lib/*.c build/gen/tables_gen.c capture/*.c probe/*.c dnscheck/*.c evidence/*.c; do
		[ -f "$src" ] || continue
		case $src in */main.c) continue ;; esac
		obj=$B/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find lib capture probe dnscheck evidence -name '*.h' -newer "$obj" 2>/dev/null | head -1)" ]; then
			# shellcheck disable=SC2086
			$CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src" >>"$log" 2>&1 || return 1
		fi
		objs="$objs $obj"
	done
	rm -f "$B/libkd.a"
	# shellcheck disable=SC2086
	ar rcs "$B/libkd.a" $objs >>"$log" 2>&1 || return 1
}

if ! build; then
	tail -20 "$log"
	for t in $targets; do echo "fuzz $t: 0 passed, 1 failed (build)"; done
	echo "fuzz: 0 passed, $ntargets failed"
	exit 1
fi

for t in $targets; do
	if [ ! -f "fuzz/$t.c" ]; then
		echo "fuzz $t: 0 passed, 1 failed (no fuzz/$t.c)"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	if ! $CLANG $CFLAGS $SAN -fsanitize=fuzzer -o "$B/$t" "fuzz/$t.c" "$B/libkd.a" $LIBS >>"$log" 2>&1; then
		tail -10 "$log"
		echo "fuzz $t: 0 passed, 1 failed (build)"
		fail=$((fail + 1))
		continue
	fi
	work=$B/work/$t
	rm -rf "$work"
	mkdir -p "$work/corpus"
	[ -d "fuzz/corpus/$t" ] && cp fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null
	before=$(ls "$B/crashes" | wc -l)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$B/$t" $budget -max_len="$(max_len "$t")" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" \
	    "$work/corpus" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
	if [ "$rc" = 0 ] && [ "$(ls "$B/crashes" | wc -l)" = "$before" ]; then
		echo "fuzz $t: 1 passed, 0 failed ($what, ${execs:-?} runs, ${cov:-cov: ?})"
		pass=$((pass + 1))
	else
		crash=$(grep -o "Test unit written to .*" "$work/log" | tail -1 | sed 's/Test unit written to //')
		grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$work/log" | head -5
		echo "fuzz $t: crash ${crash:-(see $work/log)}"
		if [ -z "$smoke" ] && [ -n "$crash" ] && [ -f "$crash" ]; then
			mkdir -p "fuzz/corpus/$t"
			cp "$crash" "fuzz/corpus/$t/regress_$(basename "$crash" | sed "s/^$t-//")"
			echo "fuzz $t: saved as fuzz/corpus/$t/regress_$(basename "$crash" | sed "s/^$t-//") (make check replays it)"
		fi
		echo "fuzz $t: 0 passed, 1 failed"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
