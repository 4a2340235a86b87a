#!/bin/sh
# Option consistency: for every binary, the options in the code (the
# getopt strings and struct option arrays of its .c files), in its --help,
# and in its man page (.Fl macros of SYNOPSIS, DESCRIPTION, OPTIONS and
# COMMANDS) must be the same sets, in both directions.  An option of the
# code must have a line of its own: in --help's option list (a line that
# starts with it, not only the usage lines), and an .It entry of the man
# page's OPTIONS section (not only SYNOPSIS).
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

# man_opts PAGE [items]: .Fl arguments in the sections that define options;
# with "items", only those of the OPTIONS section's .It entries.
man_opts() {
	awk -v items="${2:+1}" '
	/^\.Sh / {
		sec = $0
		sub(/^\.Sh[ \t]+/, "", sec)
		want = items ? sec == "OPTIONS" : (sec == "SYNOPSIS" ||
		    sec == "DESCRIPTION" || sec == "OPTIONS" || sec == "COMMANDS")
		next
	}
	!want || !/^\./ { next }
	items && !/^\.It / { next }
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

# compare NAME WHAT_A FILE_A WHAT_B FILE_B [FILE_B_ALL]: both directions,
# one line each; A must be in FILE_B, and all of B (FILE_B_ALL if given, a
# superset of FILE_B) in A.
compare() {
	only_a=$(comm -23 "$3" "$5" | tr '\n' ' ')
	only_b=$(comm -13 "$3" "${6:-$5}" | tr '\n' ' ')
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
	"$bin" --help >"$tmp/helptext" 2>&1
	help_opts <"$tmp/helptext" >"$tmp/help"
	grep -E '^ +-' "$tmp/helptext" | help_opts >"$tmp/helplist"
	if [ ! -s "$tmp/code" ] || [ ! -s "$tmp/helplist" ]; then
		bad "kmsdiag-$tool: no options found in the code or in --help"
		return
	fi
	compare "kmsdiag-$tool" code "$tmp/code" "--help" "$tmp/helplist" "$tmp/help"
	if [ ! -f "$page" ]; then
		bad "kmsdiag-$tool: no man page $page"
		return
	fi
	man_opts "$page" >"$tmp/man"
	man_opts "$page" items >"$tmp/manitems"
	compare "kmsdiag-$tool" code "$tmp/code" "$page OPTIONS" "$tmp/manitems" "$tmp/man"
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
printf '.Sh SYNOPSIS\n.Op Fl q\n.Sh OPTIONS\n.Bl -tag\n.It Fl s , Fl \\-server Ar x\nas with\n.Fl t .\n' >"$tmp/self.1"
man_opts "$tmp/self.1" items | tr '\n' ' ' >"$tmp/self"
[ "$(cat "$tmp/self")" = "--server -s " ] && ok "man parser, OPTIONS entries" ||
    bad "man parser, OPTIONS entries: $(cat "$tmp/self")"
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
		"$B/kmsdiag" $cmd --help >"$tmp/helptext" 2>&1
		help_opts <"$tmp/helptext" >"$tmp/help"
		grep -E '^ +-' "$tmp/helptext" | help_opts >"$tmp/helplist"
		compare "kmsdiag${cmd:+ $cmd}" "$file" "$tmp/code" "--help" "$tmp/helplist" \
		    "$tmp/help"
		cat "$tmp/code" >>"$tmp/allcode"
		cat "$tmp/help" >>"$tmp/allhelp"
	done
	sort -u -o "$tmp/allcode" "$tmp/allcode"
	man_opts man/kmsdiag.1 >"$tmp/man"
	compare kmsdiag "front/*.c" "$tmp/allcode" man/kmsdiag.1 "$tmp/man"
fi

# The Icinga 2 CheckCommands (contrib/icinga2/kmsdiag.conf): every option
# of the two plugins is an argument of its CheckCommand, and every argument
# is an option (output modes, --help and --version are not arguments of a
# Nagios-style check; --nagios is in the command itself).
icinga_opts() {	# TOOL: the arguments of CheckCommand "kmsdiag-TOOL"
	awk -v cmd="\"kmsdiag-$1\"" '
	$1 == "object" && $2 == "CheckCommand" { on = ($3 == cmd) }
	on && /^[ \t]*"-/ { s = $1; gsub(/"/, "", s); print s }' contrib/icinga2/kmsdiag.conf |
	    sort -u
}
for tool in probe dnscheck; do
	code_opts "$tool"/*.c | grep -v -x -e --help -e --version -e --json -e --nagios \
	    -e --verbose -e --prometheus -e --output -e -h -e -V -e -j -e -n -e -v >"$tmp/code"
	# Short options count through their long names in the CheckCommand.
	"$B/kmsdiag-$tool" --help | awk '
	    match($0, /^ +-[A-Za-z0-9], --[a-z][a-z0-9-]*/) {
		s = substr($0, RSTART, RLENGTH); sub(/^ +/, "", s)
		split(s, w, /, /); print w[1], w[2] }' >"$tmp/pairs"
	awk 'NR == FNR { long[$1] = $2; next }
	    { print ($0 in long) ? long[$0] : $0 }' "$tmp/pairs" "$tmp/code" |
	    grep -v -x -e --json -e --nagios -e --verbose | sort -u >"$tmp/codelong"
	icinga_opts "$tool" | awk 'NR == FNR { long[$1] = $2; next }
	    { print ($0 in long) ? long[$0] : $0 }' "$tmp/pairs" - | sort -u >"$tmp/icinga"
	compare "kmsdiag-$tool" code "$tmp/codelong" "contrib/icinga2" "$tmp/icinga"
done

# One syntax for -t in every tool: decimal seconds, the same refusal text.
for cmd in "$B/kmsdiag-probe" "$B/kmsdiag-dnscheck" "$B/kmsdiag-tui" "$B/kmsdiag doctor"; do
	name=${cmd#"$B/"}
	# shellcheck disable=SC2086
	if $cmd -t 0.5 --help >/dev/null 2>&1; then ok "$name: -t 0.5 accepted"
	else bad "$name: -t 0.5 refused"; fi
	# shellcheck disable=SC2086
	$cmd -t 1,5 >"$tmp/t.out" 2>"$tmp/t.err"
	rc=$?
	want="${name%% *}"
	[ "$name" = "kmsdiag doctor" ] && want="kmsdiag doctor"
	if [ "$rc" = 64 ] && head -n1 "$tmp/t.err" | grep -qx \
	    "$want: timeout 1,5: invalid (seconds, such as 0.5 or 2)" &&
	    sed -n 2p "$tmp/t.err" | grep -q "^usage: "; then
		ok "$name: -t 1,5 refused with the common text and the usage"
	else
		bad "$name: -t 1,5: exit $rc: $(head -n2 "$tmp/t.err" | tr '\n' ' ')"
	fi
done

# Values that name a mode of an option are in --help and the man page.
for spec in "kmsdiag-probe:--product list:man/kmsdiag-probe.1" \
    "kmsdiag explain:1722:man/kmsdiag.1" "kmsdiag explain:0x6BA:man/kmsdiag.1"; do
	cmd=${spec%%:*} rest=${spec#*:}
	what=${rest%%:*} page=${rest#*:}
	# shellcheck disable=SC2086
	if "$B"/$cmd --help 2>&1 | grep -q -- "$what"; then ok "$cmd --help names $what"
	else bad "$cmd --help does not name $what"; fi
	# shellcheck disable=SC2086
	# The probe's usage names --product, not its list: nothing to check there.
	if [ "$what" = "--product list" ]; then :
	elif "$B"/$cmd --bogus-option 2>&1 | grep -q -- "$what"; then ok "$cmd usage names $what"
	else bad "$cmd usage does not name $what"; fi
	if sed 's/\\-/-/g; s/^\.\(Li\|Fl\|Cm\|Ar\) //; s/ Ns //g' "$page" | grep -q -- "${what#--}"
	then ok "$page names $what"
	else bad "$page does not name $what"; fi
done

echo "options: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
