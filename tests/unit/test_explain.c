/*
 * lib/explain: code parsing in every form administrators paste, every row
 * of the error table explained, unknown codes, bare Win32 numbers read as
 * their HRESULT, the same-machine case of 0x8007000D, the checklist table
 * and the root-cause precedence of kmsdiag doctor.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "kdtest.h"
#include "tables.h"

static void
parse_ok(const char *s, uint32_t want)
{
	const char *errstr = "unset";
	uint32_t code = 0;

	KDT_CHECK(kd_explain_parse(s, &code, &errstr));
	KDT_CHECK(errstr == NULL);
	if (code != want)
		fprintf(stderr, "parse \"%s\": 0x%08X, want 0x%08X\n", s, (unsigned)code,
		    (unsigned)want);
	KDT_CHECK(code == want);
}

static void
parse_bad(const char *s, const char *why)
{
	const char *errstr = NULL;
	uint32_t code = 0x12345678;

	KDT_CHECK(!kd_explain_parse(s, &code, &errstr));
	KDT_STREQ(errstr, why);
	KDT_CHECK(code == 0x12345678);
}

static void
test_parse(void)
{
	parse_ok("0xC004F074", 0xC004F074);
	parse_ok("0XC004F074", 0xC004F074);
	parse_ok("0xc004f074", 0xC004F074);
	parse_ok("C004F074", 0xC004F074);
	parse_ok("c004f074", 0xC004F074);
	parse_ok("3221549172", 0xC004F074);
	parse_ok("-1073418124", 0xC004F074);
	/* Eight decimal digits are still hex: that is how HRESULTs are printed. */
	parse_ok("80070005", 0x80070005);
	parse_ok("0x5", 5);
	parse_ok("5", 5);
	parse_ok("0", 0);
	parse_ok("4294967295", 0xFFFFFFFF);
	parse_ok("-1", 0xFFFFFFFF);
	parse_ok("-2147483648", 0x80000000);
	parse_ok("0x00000000C004F074", 0xC004F074);
	parse_bad("", "empty");
	parse_bad("0x", "invalid");
	parse_bad("-", "invalid");
	parse_bad("-0", "invalid");
	parse_bad("0xC004F07G", "invalid");
	parse_bad("C004F07", "invalid");		/* 7 characters: decimal, and not digits */
	parse_bad(" 0xC004F074", "invalid");
	parse_bad("0xC004F074 ", "invalid");
	parse_bad("+5", "invalid");
	parse_bad("--5", "invalid");
	parse_bad("4294967296", "out of range");
	parse_bad("0x1C004F074", "out of range");
	parse_bad("-2147483649", "out of range");
	parse_bad("99999999999999999999999999", "out of range");
	parse_bad("0x0x5", "invalid");
}

static void
test_rows(void)
{
	size_t i, k, n = kd_err_count();
	int bad = 0;

	KDT_CHECK(n > 40);
	for (i = 0; i < n; i++) {
		const struct kd_errcode *e = kd_err_at(i);
		const struct kd_checklist_item *first;
		struct kd_explanation x;
		char buf[16], *s;
		const char *errstr;
		uint32_t back;
		json_t *j;

		kd_explain(e->code, &x);
		if (x.err != e)
			bad++;
		/* The printed form parses back to the same code. */
		kd_explain_code_str(e->code, buf, sizeof(buf));
		if (!kd_explain_parse(buf, &back, &errstr) || back != e->code)
			bad++;
		first = kd_checklist_find(e->check);
		if (strcmp(e->check, "other") == 0) {
			/* Not a KMS connection problem: no item unless also_check names one. */
			if (first != NULL || (e->also_check[0] == '\0' && x.nitems != 0))
				bad++;
		} else {
			/* Every other check name is a checklist item, and comes first. */
			if (first == NULL || x.nitems == 0 || x.items[0] != first) {
				fprintf(stderr, "%s: check \"%s\" is not item %s\n", buf,
				    e->check, x.nitems ? x.items[0]->id : "(none)");
				bad++;
			}
			if (x.ncommands == 0)
				bad++;
		}
		for (k = 0; k < x.nitems; k++)
			if (x.items[k] == NULL || x.items[k]->commands[0] == NULL)
				bad++;
		for (k = 0; k < x.ncommands; k++)
			if (strncmp(x.commands[k], "kmsdiag ", 8) != 0)
				bad++;
		j = kd_explain_json(&x);
		s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		if (s == NULL || strstr(s, "\"known\":true") == NULL ||
		    strstr(s, buf) == NULL ||
		    json_string_value(json_object_get(j, "meaning")) == NULL ||
		    strcmp(json_string_value(json_object_get(j, "meaning")), e->meaning) != 0)
			bad++;
		free(s);
		json_decref(j);
	}
	KDT_CHECK(bad == 0);
}

static void
test_known(void)
{
	struct kd_explanation x;
	size_t i;
	bool probe = false, dnscheck = false, doctor = false;

	kd_explain(0xC004F074, &x);
	KDT_CHECK(x.err != NULL);
	KDT_STREQ(x.err->name, "SL_E_VL_BINDING_SERVICE_UNAVAILABLE");
	/* check port, also dns;srv_port;srv_ttl: items 1 and 2, in that order. */
	KDT_CHECK(x.nitems == 2);
	KDT_CHECK(x.nitems == 2 && x.items[0]->number == 1 && x.items[1]->number == 2);
	for (i = 0; i < x.ncommands; i++) {
		probe |= strcmp(x.commands[i], "kmsdiag probe HOST") == 0;
		dnscheck |= strcmp(x.commands[i], "kmsdiag dnscheck DOMAIN") == 0;
		doctor |= strcmp(x.commands[i], "kmsdiag doctor --domain DOMAIN") == 0;
	}
	KDT_CHECK(probe && dnscheck && doctor);
	KDT_STREQ(x.commands[0], "kmsdiag probe HOST");

	kd_explain(0xC004F038, &x);
	KDT_CHECK(x.nitems == 1 && x.items[0]->number == 4);
	KDT_STREQ(x.commands[0], "kmsdiag probe --activate HOST");

	kd_explain(0xC004F042, &x);	/* host_key, also key */
	KDT_CHECK(x.nitems == 2 && x.items[0]->number == 5 && x.items[1]->number == 6);

	kd_explain(0xC004F041, &x);	/* host_state is item 5 */
	KDT_CHECK(x.nitems == 1 && x.items[0]->number == 5);

	kd_explain(0x8007232B, &x);
	KDT_CHECK(x.nitems == 2 && x.items[0]->number == 2 && x.items[1]->number == 7);
	KDT_CHECK(strstr(x.structure, "DNS") != NULL);

	kd_explain(0xC004F06C, &x);
	KDT_CHECK(x.nitems == 1 && x.items[0]->number == 8);
	KDT_CHECK(x.items[0]->by_hand[0] != '\0');
}

static void
test_unknown(void)
{
	struct kd_explanation x;
	json_t *j;

	kd_explain(0xDEADBEEF, &x);
	KDT_CHECK(x.err == NULL);
	KDT_CHECK(x.nitems == 0 && x.ncommands == 0);
	KDT_CHECK(x.structure[0] != '\0');
	j = kd_explain_json(&x);
	KDT_CHECK(j != NULL && json_is_false(json_object_get(j, "known")));
	KDT_CHECK(j != NULL && json_is_null(json_object_get(j, "meaning")));
	json_decref(j);

	/* Not in the table, but the Winsock range points at the port. */
	KDT_CHECK(kd_err_find(0x80072746) == NULL);
	kd_explain(0x80072746, &x);	/* WSAECONNRESET, 10054 */
	KDT_CHECK(x.nitems == 1 && x.items[0]->number == 1);
	KDT_CHECK(strstr(x.structure, "10054") != NULL);
	/* And the DNS range at DNS. */
	kd_explain(0x80072332, &x);	/* 9010 */
	KDT_CHECK(kd_err_find(0x80072332) == NULL);
	KDT_CHECK(x.nitems == 1 && x.items[0]->number == 2);
	/* A licensing code we do not know says so, with no invented item. */
	kd_explain(0xC004F0FF, &x);
	KDT_CHECK(x.err == NULL && x.nitems == 0);
	KDT_CHECK(strstr(x.structure, "Software Licensing") != NULL);
}

/* The RPC and Win32 codes a KMS client logs when the host or the path fails. */
static const struct {
	const char	*given;		/* as a log or a ticket quotes it */
	uint32_t	 hresult;
	const char	*name;
} win32[] = {
	{ "0x6BA",	0x800706BA, "RPC_S_SERVER_UNAVAILABLE" },
	{ "1722",	0x800706BA, "RPC_S_SERVER_UNAVAILABLE" },
	{ "0x6bb",	0x800706BB, "RPC_S_SERVER_TOO_BUSY" },
	{ "1726",	0x800706BE, "RPC_S_CALL_FAILED" },
	{ "0x6BF",	0x800706BF, "RPC_S_CALL_FAILED_DNE" },
	{ "0x6D9",	0x800706D9, "EPT_S_NOT_REGISTERED" },
	{ "0x0000071C",	0x8007071C, "RPC_S_COMM_FAILURE" },
	{ "0000071C",	0x8007071C, "RPC_S_COMM_FAILURE" },
	{ "1820",	0x8007071C, "RPC_S_COMM_FAILURE" },
	{ "13",		0x8007000D, "ERROR_INVALID_DATA" },
};

static void
test_win32(void)
{
	struct kd_explanation x;
	char hr[16];
	size_t i;

	for (i = 0; i < sizeof(win32) / sizeof(win32[0]); i++) {
		const char *errstr;
		uint32_t c = 0;
		json_t *j;

		KDT_CHECK(kd_explain_parse(win32[i].given, &c, &errstr));
		kd_explain(c, &x);
		if (x.code != win32[i].hresult || x.err == NULL)
			fprintf(stderr, "explain %s: 0x%08X %s\n", win32[i].given,
			    (unsigned)x.code, x.err ? x.err->name : "(not in the table)");
		KDT_CHECK(x.code == win32[i].hresult);
		KDT_CHECK(x.given == c && x.given <= 0xFFFF);
		KDT_STREQ(x.err ? x.err->name : NULL, win32[i].name);
		/* The output says the number was read as its HRESULT. */
		kd_explain_code_str(win32[i].hresult, hr, sizeof(hr));
		KDT_CHECK(strstr(x.structure, "given bare") != NULL);
		KDT_CHECK(strstr(x.structure, hr) != NULL);
		j = kd_explain_json(&x);
		KDT_STREQ(j ? json_string_value(json_object_get(j, "code")) : NULL, hr);
		KDT_CHECK(j != NULL && json_string_value(json_object_get(j, "given")) != NULL);
		json_decref(j);

		/* The HRESULT itself is not "given bare". */
		kd_explain(win32[i].hresult, &x);
		KDT_CHECK(x.given == x.code && x.err != NULL);
		KDT_CHECK(strstr(x.structure, "wrapped as an HRESULT") != NULL);
		j = kd_explain_json(&x);
		KDT_CHECK(j != NULL && json_object_get(j, "given") == NULL);
		json_decref(j);
	}

	/* The RPC failures after the port answered point at item 3 first. */
	kd_explain(0x71C, &x);
	KDT_CHECK(x.nitems >= 1 && x.items[0]->number == 3);
	kd_explain(0x6BF, &x);
	KDT_CHECK(x.nitems >= 1 && x.items[0]->number == 3);
	kd_explain(0x6D9, &x);
	KDT_CHECK(x.nitems >= 1 && x.items[0]->number == 3);
	/* 0x6BA stays a port problem first (Microsoft's page). */
	kd_explain(0x6BA, &x);
	KDT_CHECK(x.nitems >= 1 && x.items[0]->number == 1);
	/* Winsock and DNS numbers given bare keep their range hints. */
	kd_explain(10054, &x);
	KDT_CHECK(x.code == 0x80072746 && x.nitems == 1 && x.items[0]->number == 1);
	KDT_CHECK(strstr(x.structure, "Winsock") != NULL);

	/* 0 is success, and past 0xFFFF a number is not a Win32 error. */
	kd_explain(0, &x);
	KDT_CHECK(x.code == 0 && x.given == 0 && x.err == NULL);
	kd_explain(0x10000, &x);
	KDT_CHECK(x.code == 0x10000 && x.err == NULL);
	KDT_CHECK(strstr(x.structure, "given bare") == NULL);
}

/* Windows refuses a KMS host on the client's own machine with 0x8007000D. */
static void
test_same_machine(void)
{
	struct kd_explanation x;
	json_t *j;
	const char *m;

	kd_explain(0x8007000D, &x);
	KDT_CHECK(x.err != NULL);
	m = x.err != NULL ? x.err->meaning : "";
	KDT_CHECK(strstr(m, "same machine") != NULL);
	KDT_CHECK(strstr(m, "Windows 8") != NULL);
	/* And the host-side cause is still there. */
	KDT_CHECK(strstr(m, "protocol version") != NULL);
	/* A host that answers others is checked from another machine. */
	KDT_CHECK(x.nitems >= 1 && x.items[0]->number == 3);
	j = kd_explain_json(&x);
	KDT_CHECK(j != NULL && strstr(json_string_value(json_object_get(j, "meaning")),
	    "same machine") != NULL);
	json_decref(j);
}

static void
test_checklist(void)
{
	size_t i;

	KDT_CHECK(kd_checklist_count() == 8);
	for (i = 0; i < kd_checklist_count(); i++) {
		const struct kd_checklist_item *it = kd_checklist_at(i);

		KDT_CHECK(it->number == i + 1);
		KDT_CHECK(kd_checklist_find(it->id) == it);
		KDT_CHECK(it->commands[0] != NULL);
	}
	KDT_CHECK(kd_checklist_at(8) == NULL);
	KDT_CHECK(kd_checklist_find("srv_ttl") == kd_checklist_find("dns"));
	KDT_CHECK(kd_checklist_find("srv_port") == kd_checklist_find("dns"));
	KDT_CHECK(kd_checklist_find("hostkey") == kd_checklist_find("host_key"));
	KDT_CHECK(kd_checklist_find("host_state")->number == 5);
	KDT_CHECK(kd_checklist_find("other") == NULL);
	KDT_CHECK(kd_checklist_find("") == NULL);
	KDT_CHECK(kd_checklist_find(NULL) == NULL);
}

static void
test_root_cause(void)
{
	int a[] = { KD_V_OK, KD_V_WARN, KD_V_FAIL, KD_V_FAIL };
	int b[] = { KD_V_WARN, KD_V_UNKNOWN, KD_V_OK };
	int c[] = { KD_V_OK, -1, KD_V_OK };
	int d[] = { -1, KD_V_WARN };
	int e[] = { KD_V_FAIL, KD_V_OK };

	KDT_CHECK(kd_root_cause_index(a, 4) == 2);
	KDT_CHECK(kd_root_cause_index(b, 3) == 1);
	KDT_CHECK(kd_root_cause_index(c, 3) == -1);
	KDT_CHECK(kd_root_cause_index(d, 2) == 1);
	KDT_CHECK(kd_root_cause_index(e, 2) == 0);
	KDT_CHECK(kd_root_cause_index(NULL, 0) == -1);
}

int
main(void)
{
	test_parse();
	test_rows();
	test_known();
	test_unknown();
	test_win32();
	test_same_machine();
	test_checklist();
	test_root_cause();
	printf("test_explain: %d passed, %d failed\n", kdt_passed, kdt_failed);
	return kdt_failed ? 1 : 0;
}
