#!/bin/sh
# Make sure the build and test dependencies are there.  As root, install
# what is missing with apt-get; otherwise print the exact command to run.
# The list is tools/packages, which .ci/run, fuzz/run.sh and the Makefile read too.
list() { sed -n "s/^$1[[:space:]]*//p" "$(dirname "$0")/packages"; }
PKGS="$(list build) $(list test)"
# `deps.sh bench`: also the reference tools the benchmarks compare against.
[ "$1" = bench ] && PKGS="$PKGS $(list bench)"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# A fixed name in /tmp could be a planted symlink, written through as root.
	log=$(mktemp "${TMPDIR:-/tmp}/kmsdiag-apt.XXXXXX") || exit 1
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } \
	    >"$log" 2>&1 || {
		echo "deps: apt-get failed, see $log" >&2
		tail -20 "$log" >&2
		exit 1
	}
	rm -f "$log"
	# nsd's package starts a system instance; the tests run their own.
	command -v systemctl >/dev/null 2>&1 && systemctl stop nsd prometheus >/dev/null 2>&1
	exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: run: sudo apt-get install$missing" >&2
exit 1
