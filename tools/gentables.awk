# Turn the TSV reference tables in data/ into C source for lib/tables.c.
#
#   awk -f tools/gentables.awk data/kms-applications.tsv data/kms-counted-ids.tsv \
#       data/kms-skus.tsv data/kms-host-key-groups.tsv data/kms-os-builds.tsv \
#       data/activation-errors.tsv data/license-states.tsv > build/gen/tables_gen.c
#
# POSIX awk only (tested with mawk and gawk): no gensub, strtonum, asort,
# {n} intervals or "delete array".  Each file is recognised by its name
# (or, if renamed, by its key column) and every column is looked up by its
# header name, so adding or reordering columns does not matter.
#
# The generator is strict because a quiet mistake here becomes a wrong
# verdict in every tool: a malformed GUID, number, yes/no or HRESULT, a row
# whose column count differs from the header, a duplicate primary key or a
# reference to a GUID that is not in its table stops the build with
# "file:line: message" on stderr and exit status 1.  Nothing is written to
# stdout unless every file was good.
#
# Sorting is left to tables.c (qsort on first use).  awk compares strings
# in the collation order of the current locale, which need not match the
# byte order the C lookups use; sorting in C with the very comparator the
# binary search uses means the two cannot disagree.

BEGIN {
	FS = "\t"
	failed = 0

	# Each input is recognised by its file name first.
	byname["kms-applications.tsv"] = "app"
	byname["kms-counted-ids.tsv"] = "kmsid"
	byname["kms-skus.tsv"] = "sku"
	byname["kms-host-key-groups.tsv"] = "hostkey"
	byname["kms-os-builds.tsv"] = "osbuild"
	byname["activation-errors.tsv"] = "err"
	byname["license-states.tsv"] = "licfact"
	for (f in byname)
		wanted[byname[f]] = f
	# Otherwise by its key column, tested in this order because a SKU
	# header also has kms_id and app_id, and a counted-ID header app_id.
	nbykey = split("sku_id csvlk_id kms_id app_id build code kind", bykey, " ")
	split("sku hostkey kmsid app osbuild err licfact", bykeyt, " ")

	# Output order; also the order in which they are reported missing.
	ntables = split("app kmsid sku hostkey osbuild err licfact", order, " ")

	need["app"] = "app_id name max_reported_count"
	need["kmsid"] = "kms_id name app_id min_clients default_protocol channel"
	need["sku"] = "sku_id name kms_id kms_name app_id gvlk gvlk_unverified channel"
	need["hostkey"] = "csvlk_id host_key_name ms_csvlk_group epid_group_id " \
	    "key_id_min key_id_max key_type epid_min_date activates_kms_ids"
	need["osbuild"] = "build platform_id os_name server_release prerelease " \
	    "server_rtm_for_epid ndr64 epid_min_date"
	need["err"] = "code name meaning check also_check applies_to ms_documented"
	need["licfact"] = "kind key value unit applies_to meaning verified"

	ctype["app"] = "struct kd_app"
	ctype["kmsid"] = "struct kd_kmsid"
	ctype["sku"] = "struct kd_sku"
	ctype["hostkey"] = "struct kd_hostkey"
	ctype["osbuild"] = "struct kd_osbuild"
	ctype["err"] = "struct kd_errcode"
	ctype["licfact"] = "struct kd_licfact"

	# Octal escapes for control bytes; TSV cells cannot hold tab or newline
	# but nothing else stops one from slipping in.
	for (i = 1; i < 32; i++)
		ctrl[sprintf("%c", i)] = sprintf("\\%03o", i)
	ctrl[sprintf("%c", 127)] = "\\177"

	nact = 0
}

# A file edited on Windows must not leave "\r" in its last column.
{
	sub(/\r$/, "")
}

FNR == 1 {
	nparts = split(FILENAME, parts, "/")
	base = parts[nparts]
	fname = base

	split("", col)
	ncol = NF
	for (i = 1; i <= NF; i++) {
		if ($i in col)
			fail("column \"" $i "\" appears twice in the header")
		col[$i] = i
	}

	table = ""
	if (base in byname)
		table = byname[base]
	for (i = 1; table == "" && i <= nbykey; i++)
		if (bykey[i] in col)
			table = bykeyt[i]
	if (table == "")
		fail("cannot tell which table this is from its name or header")
	if (table in seen)
		fail("a second file for the " table " table")
	seen[table] = FILENAME
	nrow[table] = 0
	n = split(need[table], want, " ")
	for (i = 1; i <= n; i++)
		if (!(want[i] in col))
			fail("header has no \"" want[i] "\" column")
	next
}

{
	if (NF != ncol)
		fail("row has " NF " columns, the header has " ncol)
	loc = fname ":" FNR
	r = ++nrow[table]
}

table == "app" {
	id = guid(get("app_id"), "app_id")
	unique("app", id, "app_id " id)
	app_loc[id] = loc
	rows["app", r] = "\t{ .id = " guid_c(id) ",\n" \
	    "\t  .name = " cstr(get("name")) ",\n" \
	    "\t  .max_reported_count = " num(get("max_reported_count"), "max_reported_count", 0) " },\n"
	next
}

table == "kmsid" {
	id = guid(get("kms_id"), "kms_id")
	app = guid(get("app_id"), "app_id")
	unique("kmsid", id, "kms_id " id)
	kmsid_app[id] = app
	kmsid_loc[id] = loc
	rows["kmsid", r] = "\t{ .id = " guid_c(id) ",\n" \
	    "\t  .name = " cstr(get("name")) ",\n" \
	    "\t  .app_id = " guid_c(app) ",\n" \
	    "\t  .min_clients = " num(get("min_clients"), "min_clients", 0) ",\n" \
	    "\t  .default_protocol = " cstr(get("default_protocol")) ",\n" \
	    "\t  .channel = " cstr(get("channel")) " },\n"
	next
}

table == "sku" {
	id = guid(get("sku_id"), "sku_id")
	kid = guid(get("kms_id"), "kms_id")
	app = guid(get("app_id"), "app_id")
	unique("sku", id, "sku_id " id)
	sku_kms[r] = kid
	sku_app[r] = app
	sku_loc[r] = loc
	rows["sku", r] = "\t{ .id = " guid_c(id) ",\n" \
	    "\t  .name = " cstr(get("name")) ",\n" \
	    "\t  .kms_id = " guid_c(kid) ",\n" \
	    "\t  .kms_name = " cstr(get("kms_name")) ",\n" \
	    "\t  .app_id = " guid_c(app) ",\n" \
	    "\t  .gvlk = " cstr(get("gvlk")) ",\n" \
	    "\t  .gvlk_unverified = " cstr(get("gvlk_unverified")) ",\n" \
	    "\t  .channel = " cstr(get("channel")) " },\n"
	next
}

table == "hostkey" {
	id = guid(get("csvlk_id"), "csvlk_id")
	unique("hostkey", id, "csvlk_id " id)
	kmin = num(get("key_id_min"), "key_id_min", 1)
	kmax = num(get("key_id_max"), "key_id_max", 1)
	if (kmin + 0 > kmax + 0)
		fail("key_id_min " get("key_id_min") " is above key_id_max " get("key_id_max"))

	# The counted IDs go into one shared array; the row keeps a slice.
	list = get("activates_kms_ids")
	first = nact
	nids = 0
	if (list != "") {
		nids = split(list, ids, ";")
		for (i = 1; i <= nids; i++) {
			act[++nact] = guid(ids[i], "activates_kms_ids entry " i)
			act_loc[nact] = loc
		}
	}
	# Same list as names, same order: a count mismatch means one was
	# edited without the other.
	if (("activates" in col) && get("activates") != "" && nids > 0 &&
	    split(get("activates"), names, ";") != nids)
		fail("activates_kms_ids has " nids " entries but activates has " \
		    split(get("activates"), names, ";"))

	rows["hostkey", r] = "\t{ .csvlk_id = " guid_c(id) ",\n" \
	    "\t  .name = " cstr(get("host_key_name")) ",\n" \
	    "\t  .ms_group = " cstr(get("ms_csvlk_group")) ",\n" \
	    "\t  .epid_group = " num(get("epid_group_id"), "epid_group_id", 1) ",\n" \
	    "\t  .key_min = " kmin ", .key_max = " kmax ",\n" \
	    "\t  .key_type = " cstr(get("key_type")) ",\n" \
	    "\t  .epid_min_date = " cstr(get("epid_min_date")) ",\n" \
	    "\t  .activates = " (nids > 0 ? "kd_gen_activates + " first : "NULL") \
	    ", .nactivates = " nids " },\n"
	next
}

table == "osbuild" {
	b = num(get("build"), "build", 1)
	unique("osbuild", b + 0, "build " get("build"))
	rows["osbuild", r] = "\t{ .build = " b ", .platform_id = " \
	    num(get("platform_id"), "platform_id", 0) ",\n" \
	    "\t  .os_name = " cstr(get("os_name")) ",\n" \
	    "\t  .server_release = " yesno(get("server_release"), "server_release") \
	    ", .prerelease = " yesno(get("prerelease"), "prerelease") ",\n" \
	    "\t  .server_rtm_for_epid = " yesno(get("server_rtm_for_epid"), "server_rtm_for_epid") \
	    ", .ndr64 = " yesno(get("ndr64"), "ndr64") ",\n" \
	    "\t  .epid_min_date = " cstr(get("epid_min_date")) " },\n"
	next
}

table == "err" {
	code = hresult(get("code"))
	unique("err", code, "code " code)
	rows["err", r] = "\t{ .code = " code ",\n" \
	    "\t  .name = " cstr(get("name")) ",\n" \
	    "\t  .meaning = " cstr(get("meaning")) ",\n" \
	    "\t  .check = " cstr(get("check")) ",\n" \
	    "\t  .also_check = " cstr(get("also_check")) ",\n" \
	    "\t  .applies_to = " cstr(get("applies_to")) ",\n" \
	    "\t  .ms_documented = " yesno(get("ms_documented"), "ms_documented") " },\n"
	next
}

table == "licfact" {
	if (get("kind") == "" || get("key") == "")
		fail("kind and key must not be empty")
	unique("licfact", get("kind") SUBSEP get("key"),
	    "kind/key " get("kind") "/" get("key"))
	rows["licfact", r] = "\t{ .kind = " cstr(get("kind")) ", .key = " cstr(get("key")) ",\n" \
	    "\t  .value = " cstr(get("value")) ", .unit = " cstr(get("unit")) ",\n" \
	    "\t  .applies_to = " cstr(get("applies_to")) ",\n" \
	    "\t  .meaning = " cstr(get("meaning")) ",\n" \
	    "\t  .verified = " yesno(get("verified"), "verified") " },\n"
	next
}

END {
	# exit inside a rule still runs END; only a clean run may print.
	if (failed)
		exit 1

	for (t = 1; t <= ntables; t++) {
		if (!(order[t] in seen))
			fail_at("arguments", "no input file for the " order[t] \
			    " table (" wanted[order[t]] ")")
		if (nrow[order[t]] == 0)
			fail_at(seen[order[t]], "no rows")
	}

	# The cross-checks data/README.md promises; a broken reference would
	# otherwise surface as an unknown product at run time.
	for (id in kmsid_app)
		if (!((kmsid_app[id]) in app_loc))
			fail_at(kmsid_loc[id], "app_id " kmsid_app[id] " is not in the applications table")
	for (r = 1; r <= nrow["sku"]; r++) {
		if (!(sku_kms[r] in kmsid_app))
			fail_at(sku_loc[r], "kms_id " sku_kms[r] " is not in the counted-ID table")
		if (kmsid_app[sku_kms[r]] != sku_app[r])
			fail_at(sku_loc[r], "app_id " sku_app[r] " differs from the app_id " \
			    kmsid_app[sku_kms[r]] " of its kms_id")
	}
	for (i = 1; i <= nact; i++)
		if (!(act[i] in kmsid_app))
			fail_at(act_loc[i], "activates_kms_ids entry " act[i] \
			    " is not in the counted-ID table")

	print "/*"
	print " * Generated by tools/gentables.awk from the TSV files in data/: do not edit."
	print " * The lookups and sorted indexes are in lib/tables.c."
	print " */"
	print "#define KD_TABLES_GEN"
	print "#include \"tables.h\""

	emit("app")
	emit("kmsid")
	emit("sku")
	print "uint32_t kd_gen_sku_name_idx[" nrow["sku"] "];"

	print ""
	print "/* Every host key's activates_kms_ids, concatenated in row order. */"
	if (nact == 0) {
		print "const struct kd_guid kd_gen_activates[1];"
	} else {
		print "const struct kd_guid kd_gen_activates[] = {"
		for (i = 1; i <= nact; i++)
			print "\t" guid_c(act[i]) ","
		print "};"
	}
	print "const size_t kd_gen_nactivates = " nact ";"
	emit("hostkey")
	print "uint32_t kd_gen_hostkey_reach[" nrow["hostkey"] "];"

	emit("osbuild")
	emit("err")
	emit("licfact")
}

function emit(t,	r) {
	print ""
	print "/* " fnameof(t) ": " nrow[t] " rows */"
	print "const " ctype[t] " kd_gen_" t "[] = {"
	for (r = 1; r <= nrow[t]; r++)
		printf "%s", rows[t, r]
	print "};"
	print "const size_t kd_gen_n" t " = " nrow[t] ";"
	print "uint32_t kd_gen_" t "_idx[" nrow[t] "];"
}

function fnameof(t,	n, p) {
	n = split(seen[t], p, "/")
	return p[n]
}

function fail(msg) {
	fail_at(fname != "" ? fname ":" FNR : FILENAME ":" FNR, msg)
}

function fail_at(where, msg) {
	printf "gentables.awk: %s: %s\n", where, msg > "/dev/stderr"
	failed = 1
	exit 1
}

function get(name) {
	return $(col[name])
}

function unique(t, key, what) {
	if ((t, key) in pkey)
		fail(what " already appears at " pkey[t, key])
	pkey[t, key] = fname ":" FNR
}

# Canonical 8-4-4-4-12 text; returned lowercased, which is also how the
# duplicate and cross-reference checks compare GUIDs.
function guid(s, what,	p, n, i, len) {
	split("8 4 4 4 12", len, " ")
	n = split(s, p, "-")
	if (length(s) != 36 || n != 5)
		fail("malformed GUID in " what ": \"" s "\"")
	for (i = 1; i <= 5; i++)
		if (length(p[i]) != len[i] || p[i] !~ /^[0123456789abcdefABCDEF]+$/)
			fail("malformed GUID in " what ": \"" s "\"")
	return tolower(s)
}

# The 16 bytes in text order, as struct kd_guid stores them.
function guid_c(g,	h, i, out) {
	h = g
	gsub(/-/, "", h)
	out = "{ { "
	for (i = 1; i < 32; i += 2)
		out = out (i > 1 ? ", " : "") "0x" substr(h, i, 2)
	return out " } }"
}

# Decimal, 0..UINT32_MAX.  An empty cell is "unknown" (0) unless required.
function num(s, what, required) {
	if (s == "") {
		if (required)
			fail(what " is empty")
		return "0"
	}
	if (s !~ /^[0123456789]+$/)
		fail(what " is not a decimal number: \"" s "\"")
	sub(/^0+/, "", s)		# a leading 0 would make a C octal literal
	if (s == "")
		s = "0"
	if (length(s) > 10 || s + 0 > 4294967295)
		fail(what " does not fit in 32 bits: " s)
	return s "U"
}

function yesno(s, what) {
	if (s == "yes")
		return "true"
	if (s == "no")
		return "false"
	fail(what " must be yes or no, not \"" s "\"")
}

function hresult(s) {
	if (length(s) != 10 || s !~ /^0[xX][0123456789abcdefABCDEF]+$/)
		fail("code must be 0x and 8 hex digits, not \"" s "\"")
	return "0x" toupper(substr(s, 3)) "U"
}

# A C string literal holding the same bytes.  "?" is escaped too: "??("
# and friends are trigraphs in strict C11 and -Wtrigraphs is an error here.
function cstr(s,	out, i, n, c) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\")
			out = out "\\\\"
		else if (c == "\"")
			out = out "\\\""
		else if (c == "?")
			out = out "\\?"
		else if (c in ctrl)
			out = out ctrl[c]
		else
			out = out c
	}
	return "\"" out "\""
}
