#!/bin/sh
# The release path: `make dist` gives a tarball that builds on its own, and
# `make install DESTDIR=` / `make uninstall` put every file in place and
# take every one away again.
B=${1:-build}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MAKE=${MAKE:-make}

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

version=$(sed -n 's/^VERSION[^=]*= *//p' Makefile)
if ! command -v git >/dev/null 2>&1 || ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "SKIP dist (not a git checkout)"
	echo "dist: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

if $MAKE -s --no-print-directory B="$tmp/b" dist >"$tmp/dist.log" 2>&1 &&
    [ -f "$tmp/b/kmsdiag-$version.tar.gz" ]; then ok dist-tarball; else
	ko dist-tarball; cat "$tmp/dist.log"; fi
mkdir -p "$tmp/x"
tar xzf "$tmp/b/kmsdiag-$version.tar.gz" -C "$tmp/x" 2>/dev/null
# Every tracked file is in the tarball, under one versioned directory.
want=$(git ls-files | wc -l)
got=$(tar tzf "$tmp/b/kmsdiag-$version.tar.gz" | grep -c "^kmsdiag-$version/")
[ "$want" -eq "$got" ] && ok "dist-complete ($got files)" || ko "dist-complete ($got of $want files)"

src="$tmp/x/kmsdiag-$version"
if (cd "$src" && $MAKE -s -j2 all) >"$tmp/build.log" 2>&1; then ok dist-builds; else
	ko dist-builds; tail -20 "$tmp/build.log"; fi
for t in capture probe dnscheck tui; do
	[ -f "$t/main.c" ] || continue
	"$src/build/kmsdiag-$t" --version 2>/dev/null | grep -q "$version" &&
	    ok "dist-$t-version" || ko "dist-$t-version"
done

dest="$tmp/root"
if (cd "$src" && $MAKE -s install PREFIX=/usr/local DESTDIR="$dest") >"$tmp/inst.log" 2>&1; then
	ok install; else ko install; tail -5 "$tmp/inst.log"; fi
for t in capture probe dnscheck tui; do
	[ -f "$t/main.c" ] || continue
	[ -x "$dest/usr/local/bin/kmsdiag-$t" ] && ok "install-bin-$t" || ko "install-bin-$t"
done
for m in man/*.1 man/*.7; do
	[ -f "$m" ] || continue
	sec=${m##*.}
	[ -f "$dest/usr/local/share/man/man$sec/${m##*/}" ] && ok "install-man-${m##*/}" ||
	    ko "install-man-${m##*/}"
done
n=$(ls data/*.tsv | wc -l)
[ "$(ls "$dest/usr/local/share/kmsdiag/"*.tsv 2>/dev/null | wc -l)" -eq "$n" ] &&
    ok install-data || ko install-data
(cd "$src" && $MAKE -s uninstall PREFIX=/usr/local DESTDIR="$dest") >/dev/null 2>&1
left=$(find "$dest" -type f | wc -l)
[ "$left" -eq 0 ] && ok uninstall-removes-all || { ko "uninstall-removes-all ($left left)"; find "$dest" -type f | head; }

echo "dist: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
