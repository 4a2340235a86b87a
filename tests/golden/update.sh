#!/bin/sh
# Regenerate one golden file from the tool's current output:
#   tests/golden/update.sh NAME [BUILD_DIR]
# Check the new output by hand (fixtures/README.md) before committing it.
name=$1
B=${2:-build}
[ -n "$name" ] || { echo "usage: $0 NAME [BUILD_DIR]" >&2; exit 64; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
line=$(awk -v n="$name" '$1 == n' "$here/TESTLIST")
[ -n "$line" ] || { echo "update: no test $name in TESTLIST" >&2; exit 1; }
set -- $line
input=$2 golden=$3
shift 3
(cd "$root" && TZ=UTC LC_ALL=C NO_COLOR=1 "$B/kmsdiag-capture" "$@" -r "$input" 2>&1
    echo "exit $?") >"$here/$golden"
echo "updated $golden"
