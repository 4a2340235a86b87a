#!/bin/sh
# The README's examples and its dashboard screen against the tools' real
# output: tests/readme/check.py, which says what it allows to differ.
#
#	sh tests/readme/run.sh [BUILD_DIR]
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 3
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP readme (python3 not installed)"
	echo "readme: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
exec python3 tests/readme/check.py "$B"
