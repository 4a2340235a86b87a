#!/bin/sh
# Option consistency: for every binary, the options in the code (the
# getopt strings and struct option arrays of its .c files), in its --help,
# and in its man page (.Fl macros of SYNOPSIS, DESCRIPTION, OPTIONS and
# COMMANDS) must be the same sets, in both directions.
#
#   sh tests/front/options.sh BUILDDIR
#
# Short options are written -x, long ones --name.  One line per assertion,
# naming the options that differ; last line "options: N passed, N failed".
# The front command is checked per subcommand against its --help (kmsdiag,
# kmsdiag explain, kmsdiag doctor each have their own .c file), and as a
# whole against kmsdiag.1.

set -u
cd "$(dirname "$0")/../.." || exit 1
B=${1:-build}
pass=0 failn=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kd-opts.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { failn=$((failn + 1)); echo "FAIL $1"; }

# code_opts FILE...: options declared in C sources.
code_opts() {
	awk '
	# getopt("...") / getopt_long(argc, argv, "...", ...): the short options.
	# ... or the string named by a constant: optstring[] = "...", #define OPTSTRING "...".
	/getopt(_long)?[ \t]*\(/ || /[A-Za-z_]*optstring\[\][ \t]*=[ \t]*"/ ||
	    /#define[ \t]+[A-Z_]*OPTSTRING[ \t]+"/ {
		s = $0
		if (match(s, /getopt(_long)?[ \t]*\([^"]*"/) ||
		    match(s, /optstring\[\][ \t]*=[ \t]*"/) ||
		    match(s, /OPTSTRING[ \t]+"/)) {
			s = substr(s, RSTART + RLENGTH)
			s = substr(s, 1, index(s, "\"") - 1)
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (c ~ /[A-Za-z0-9]/)
					print "-" c
			}
		}
	}
	/struct option[^;]*\[\][ \t]*=/ { inopt = 1 }
	inopt && /\{[ \t]*"/ {
		s = $0
		sub(/^[^"]*"/, "", s)
		sub(/".*/, "", s)
		print "--" s
	}
	inopt && /\};/ { inopt = 0 }
	' "$@" | sort -u
}

# help_opts: options named in a --help text on stdin.
help_opts() {
	awk '
	{
		s = $0
		# Bundles in brackets: [-46hjV].
		t = s
		while (match(t, /\[-[A-Za-z0-9]+[]]/)) {
			b = substr(t, RSTART + 2, RLENGTH - 3)
			for (i = 1; i <= length(b); i++)
				print "-" substr(b, i, 1)
			t = substr(t, RSTART + RLENGTH)
		}
		# Long options.
		t = s
		while (match(t, /--[A-Za-z0-9][A-Za-z0-9-]*/)) {
			print substr(t, RSTART, RLENGTH)
			t = substr(t, RSTART + RLENGTH)
		}
		# Single short options: -x not inside a word and not followed by one.
		t = " " s " "
		while (match(t, /[^A-Za-z0-9-]-[A-Za-z0-9][^A-Za-z0-9-]/)) {
			print substr(t, RSTART + 1, 2)
			t = substr(t, RSTART + 2)
		}
	}' | sort -u
}

# man_opts PAGE: .Fl arguments in the sections that define options.
man_opts() {
	awk '
	/^\.Sh / {
		sec = $0
		sub(/^\.Sh[ \t]+/, "", sec)
		want = (sec == "SYNOPSIS" || sec == "DESCRIPTION" || sec == "OPTIONS" ||
		    sec == "COMMANDS")
		next
	}
	!want || !/^\./ { next }
	{
		line = substr($0, 2)
		gsub(/\\-/, "-", line)
		gsub(/\\&/, "", line)
		n = split(line, w, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] != "Fl")
				continue
			for (j = i + 1; j <= n; j++) {
				x = w[j]
				# The next macro or punctuation ends the flag list.
				if (x ~ /^[A-Z][a-z][a-z]?$/ || x ~ /^[][,.;:|()]+$/ || x == "")
					break
				sub(/[,.;:)|]+$/, "", x)
				if (x ~ /^-[A-Za-z0-9]/)
					print "-" x
				else
					for (k = 1; k <= length(x); k++)
						if (substr(x, k, 1) ~ /[A-Za-z0-9]/)
							print "-" substr(x, k, 1)
			}
			i = j - 1
		}
	}' "$1" | sort -u
}

# compare NAME WHAT_A FILE_A WHAT_B FILE_B: both directions, one line each.
compare() {
	only_a=$(comm -23 "$3" "$5" | tr '\n' ' ')
	only_b=$(comm -13 "$3" "$5" | tr '\n' ' ')
	if [ -z "$only_a" ]; then ok "$1: every option in $2 is in $4"
	else bad "$1: in $2 but not in $4: $only_a"; fi
	if [ -z "$only_b" ]; then ok "$1: every option in $4 is in $2"
	else bad "$1: in $4 but not in $2: $only_b"; fi
}

# check_tool TOOL: kmsdiag-TOOL against TOOL/*.c and man/kmsdiag-TOOL.1.
check_tool() {
	tool=$1 bin=$B/kmsdiag-$1 page=man/kmsdiag-$1.1
	[ -f "$tool/main.c" ] || return 0
	if [ ! -x "$bin" ]; then
		bad "kmsdiag-$tool: $bin not built"
		return
	fi
	code_opts "$tool"/*.c >"$tmp/code"
	"$bin" --help 2>&1 | help_opts >"$tmp/help"
	if [ ! -s "$tmp/code" ] || [ ! -s "$tmp/help" ]; then
		bad "kmsdiag-$tool: no options found in the code or in --help"
		return
	fi
	compare "kmsdiag-$tool" code "$tmp/code" "--help" "$tmp/help"
	if [ ! -f "$page" ]; then
		bad "kmsdiag-$tool: no man page $page"
		return
	fi
	man_opts "$page" >"$tmp/man"
	compare "kmsdiag-$tool" code "$tmp/code" "$page" "$tmp/man"
}

# The checker itself, on text whose answer is known.
printf 'usage: x [-46hV] [-c range] [--json]\n  -4, -6   v4/v6\n  -s, --server ADDR  not -10 nor a-b, nor "-"\n' |
    help_opts | tr '\n' ' ' >"$tmp/self"
[ "$(cat "$tmp/self")" = "--json --server -4 -6 -V -c -h -s " ] && ok "help parser" ||
    bad "help parser: $(cat "$tmp/self")"
printf '.Sh SYNOPSIS\n.Op Fl hjV\n.Op Fl \\-ttl Ar s\n.Sh DESCRIPTION\n.It Fl s Ar x , Fl \\-server Ar x\n.Sh EXAMPLES\n.Fl z\n' >"$tmp/self.1"
man_opts "$tmp/self.1" | tr '\n' ' ' >"$tmp/self"
[ "$(cat "$tmp/self")" = "--server --ttl -V -h -j -s " ] && ok "man parser" ||
    bad "man parser: $(cat "$tmp/self")"
printf 'static const struct option longopts[] = {\n\t{ "json", no_argument, NULL, 1 },\n};\nx = getopt_long(argc, argv, "+hj:V", longopts, NULL);\n' >"$tmp/self.c"
code_opts "$tmp/self.c" | tr '\n' ' ' >"$tmp/self"
[ "$(cat "$tmp/self")" = "--json -V -h -j " ] && ok "code parser" ||
    bad "code parser: $(cat "$tmp/self")"

for tool in capture probe dnscheck tui exporter evidence; do
	check_tool "$tool"
done

# kmsdiag: each subcommand's code against its --help, all of them against kmsdiag.1.
if [ ! -x "$B/kmsdiag" ]; then
	bad "kmsdiag: $B/kmsdiag not built"
else
	: >"$tmp/allcode"
	: >"$tmp/allhelp"
	for sub in main:"" explain_cmd:explain doctor:doctor; do
		file=front/${sub%%:*}.c cmd=${sub#*:}
		code_opts "$file" >"$tmp/code"
		# shellcheck disable=SC2086
		"$B/kmsdiag" $cmd --help 2>&1 | help_opts >"$tmp/help"
		compare "kmsdiag${cmd:+ $cmd}" "$file" "$tmp/code" "--help" "$tmp/help"
		cat "$tmp/code" >>"$tmp/allcode"
		cat "$tmp/help" >>"$tmp/allhelp"
	done
	sort -u -o "$tmp/allcode" "$tmp/allcode"
	man_opts man/kmsdiag.1 >"$tmp/man"
	compare kmsdiag "front/*.c" "$tmp/allcode" man/kmsdiag.1 "$tmp/man"
fi

echo "options: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
