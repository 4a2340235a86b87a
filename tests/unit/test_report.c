/*
 * The results model (lib/report.c, style R6): checks and facts, the worst
 * verdict, and the three emitters.  Wire text (workstation names, ePIDs,
 * DNS names) reaches the emitters, so escaping and invalid UTF-8 are
 * tested the hardest: a fact must never silently vanish.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "kdtest.h"

/* Runs an emitter into a memory buffer; the caller frees the result. */
static char *
capture_text(const struct kd_report *r, const struct kd_emit_opts *o, int which,
    int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		abort();
	if (which == 0)
		*rc = kd_emit_text(fp, r, o);
	else if (which == 1)
		*rc = kd_emit_json(fp, r);
	else
		*rc = kd_emit_nagios(fp, r, "KMS", NULL, which == 3 ? "rtt=3ms" : NULL);
	fclose(fp);
	return buf;
}

static void
test_model(void)
{
	struct kd_report r;
	struct kd_check *c;

	kd_report_init(&r, "kmsdiag-test");
	KDT_CHECK(r.n == 0 && kd_report_worst(&r) == KD_V_OK);
	c = kd_report_add(&r, "probe.reach", "kms01:1688", KD_V_OK, "connected in %d ms", 3);
	KDT_CHECK(c != NULL);
	KDT_STREQ(c->id, "probe.reach");
	KDT_STREQ(c->subject, "kms01:1688");
	KDT_STREQ(c->summary, "connected in 3 ms");
	KDT_CHECK(c->fix[0] == '\0' && c->checklist[0] == '\0');
	kd_check_fix(c, "open TCP %d", 1688);
	KDT_STREQ(c->fix, "open TCP 1688");
	kd_check_item(c, "port");
	KDT_STREQ(c->checklist, "port");
	kd_check_int(c, "port", 1688);
	kd_check_bool(c, "open", true);
	kd_check_real(c, "rtt_ms", 2.5);
	kd_check_str(c, "host", "kms01.corp.example");
	kd_check_str(c, "none", NULL);
	kd_check_json(c, "list", json_pack("[ii]", 1, 2));
	KDT_CHECK(json_integer_value(json_object_get(c->facts, "port")) == 1688);
	KDT_CHECK(json_is_true(json_object_get(c->facts, "open")));
	KDT_CHECK(json_real_value(json_object_get(c->facts, "rtt_ms")) == 2.5);
	KDT_STREQ(json_string_value(json_object_get(c->facts, "host")), "kms01.corp.example");
	KDT_CHECK(json_is_null(json_object_get(c->facts, "none")));
	KDT_CHECK(json_array_size(json_object_get(c->facts, "list")) == 2);
	/* Setting a key twice replaces the value. */
	kd_check_int(c, "port", 1689);
	KDT_CHECK(json_integer_value(json_object_get(c->facts, "port")) == 1689);
	KDT_CHECK(json_object_size(c->facts) == 6);

	/* NULL checks are accepted everywhere (allocation failure upstream). */
	kd_check_fix(NULL, "x");
	kd_check_item(NULL, "x");
	kd_check_str(NULL, "k", "v");
	kd_check_int(NULL, "k", 1);
	kd_check_bool(NULL, "k", true);
	kd_check_real(NULL, "k", 1.0);
	kd_check_json(NULL, "k", json_integer(1));	/* freed, not leaked */
	KDT_CHECK(1);

	/* Worst verdict: FAIL > UNKNOWN > WARN > OK. */
	kd_report_add(&r, "a", NULL, KD_V_WARN, "w");
	KDT_CHECK(kd_report_worst(&r) == KD_V_WARN);
	kd_report_add(&r, "b", "", KD_V_UNKNOWN, "u");
	KDT_CHECK(kd_report_worst(&r) == KD_V_UNKNOWN);
	kd_report_add(&r, "c", "", KD_V_FAIL, "f");
	KDT_CHECK(kd_report_worst(&r) == KD_V_FAIL);
	kd_report_add(&r, "d", "", KD_V_UNKNOWN, "u2");
	kd_report_add(&r, "e", "", KD_V_WARN, "w2");
	KDT_CHECK(kd_report_worst(&r) == KD_V_FAIL);
	KDT_CHECK(kd_report_count(&r, KD_V_OK) == 1 && kd_report_count(&r, KD_V_WARN) == 2);
	KDT_CHECK(kd_report_count(&r, KD_V_UNKNOWN) == 2 && kd_report_count(&r, KD_V_FAIL) == 1);
	KDT_STREQ(r.checks[1].subject, "");

	/* Growth past the first allocation keeps earlier checks intact. */
	for (int i = 0; i < 100; i++)
		kd_check_int(kd_report_add(&r, "bulk", "s", KD_V_OK, "n%d", i), "i", i);
	KDT_CHECK(r.n == 106 && !r.oom);
	KDT_STREQ(r.checks[0].fix, "open TCP 1688");
	KDT_STREQ(r.checks[105].summary, "n99");
	KDT_CHECK(json_integer_value(json_object_get(r.checks[105].facts, "i")) == 99);

	/* Long strings are cut, not overflowed. */
	{
		char big[1000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		c = kd_report_add(&r, big, big, KD_V_OK, "%s", big);
		KDT_CHECK(strlen(c->id) == sizeof(c->id) - 1);
		KDT_CHECK(strlen(c->subject) == sizeof(c->subject) - 1);
		KDT_CHECK(strlen(c->summary) == sizeof(c->summary) - 1);
		kd_check_item(c, big);
		KDT_CHECK(strlen(c->checklist) == sizeof(c->checklist) - 1);
	}

	KDT_STREQ(kd_verdict_name(KD_V_OK), "OK");
	KDT_STREQ(kd_verdict_name(KD_V_WARN), "WARN");
	KDT_STREQ(kd_verdict_name(KD_V_FAIL), "FAIL");
	KDT_STREQ(kd_verdict_name(KD_V_UNKNOWN), "UNKNOWN");
	KDT_STREQ(kd_verdict_name((enum kd_verdict)9), "UNKNOWN");
	KDT_STREQ(kd_verdict_key(KD_V_OK), "ok");
	KDT_STREQ(kd_verdict_key(KD_V_WARN), "warn");
	KDT_STREQ(kd_verdict_key(KD_V_FAIL), "fail");
	KDT_STREQ(kd_verdict_key(KD_V_UNKNOWN), "unknown");
	KDT_CHECK(KD_V_OK == KD_EXIT_OK && KD_V_WARN == KD_EXIT_WARN &&
	    KD_V_FAIL == KD_EXIT_FAIL && KD_V_UNKNOWN == KD_EXIT_UNKNOWN);

	kd_report_fini(&r);
	KDT_CHECK(r.n == 0 && r.checks == NULL);
	kd_report_fini(&r);	/* twice is harmless */
}

static void
test_sanitize(void)
{
	char out[64];

	KDT_STREQ(kd_sanitize("plain text 1688", out, sizeof(out)), "plain text 1688");
	KDT_STREQ(kd_sanitize("a\nb\tc\x1b[31m", out, sizeof(out)), "a\\x0ab\\x09c\\x1b[31m");
	KDT_STREQ(kd_sanitize("back\\slash", out, sizeof(out)), "back\\x5cslash");
	KDT_STREQ(kd_sanitize("\x7f", out, sizeof(out)), "\\x7f");
	/* Well-formed UTF-8 is kept. */
	KDT_STREQ(kd_sanitize("h\xc3\xb6st \xe2\x82\xac \xf0\x9f\x98\x80", out, sizeof(out)),
	    "h\xc3\xb6st \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Broken sequences are escaped byte by byte. */
	KDT_STREQ(kd_sanitize("a\xc3" "b", out, sizeof(out)), "a\\xc3b");
	KDT_STREQ(kd_sanitize("\xe2\x82", out, sizeof(out)), "\\xe2\\x82");
	KDT_STREQ(kd_sanitize("\xff\xfe", out, sizeof(out)), "\\xff\\xfe");
	KDT_STREQ(kd_sanitize("\x80", out, sizeof(out)), "\\x80");
	/* Overlong, surrogate and beyond-U+10FFFF forms are not UTF-8 either. */
	KDT_STREQ(kd_sanitize("\xc0\xaf", out, sizeof(out)), "\\xc0\\xaf");
	KDT_STREQ(kd_sanitize("\xed\xa0\x80", out, sizeof(out)), "\\xed\\xa0\\x80");
	KDT_STREQ(kd_sanitize("\xf4\x90\x80\x80", out, sizeof(out)), "\\xf4\\x90\\x80\\x80");
	KDT_STREQ(kd_sanitize("\xe0\x80\x80", out, sizeof(out)), "\\xe0\\x80\\x80");
	/* Truncation keeps the output terminated and never splits an escape. */
	KDT_STREQ(kd_sanitize("abcdef", out, 4), "abc");
	KDT_STREQ(kd_sanitize("ab\x01", out, 5), "ab");
	KDT_STREQ(kd_sanitize("ab\x01", out, 7), "ab\\x01");
	KDT_STREQ(kd_sanitize("a\xe2\x82\xac", out, 4), "a");
	KDT_STREQ(kd_sanitize("", out, sizeof(out)), "");
	out[0] = 'z';
	kd_sanitize("abc", out, 0);
	KDT_CHECK(out[0] == 'z');
}

/*
 * Well-formed UTF-8 that still drives a terminal: C1 controls (U+009B is
 * CSI on xterm: "\xc2\x9b" "2J" clears the screen) and the bidirectional
 * controls that make a workstation name display as another.  Each is one
 * \uNNNN escape; its neighbours (U+00A0, U+2065, U+206A, U+202F) are text.
 */
static void
test_sanitize_terminal_controls(void)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "\xc2\x9b" "2J", "\\u009b2J" },			/* CSI */
		{ "a\xc2\x85" "b", "a\\u0085b" },			/* NEL */
		{ "\xc2\x80\xc2\x9f", "\\u0080\\u009f" },		/* C1 bounds */
		{ "\xc2\xa0", "\xc2\xa0" },				/* NBSP is text */
		{ "PC\xe2\x80\xae" "exe.txt", "PC\\u202eexe.txt" },	/* RLO */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		    "\\u202a\\u202b\\u202c\\u202d" },		/* LRE RLE PDF LRO */
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		    "\\u2066\\u2067\\u2068\\u2069" },		/* isolates */
		{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c" },	/* LRM RLM ALM */
		{ "\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029" },	/* line, paragraph separators */
		{ "\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\xaf", "\xe2\x81\xa5\xe2\x81\xaa\xe2\x80\xaf" },
		{ "\xd8\x9b", "\xd8\x9b" },				/* U+061B is text */
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		KDT_STREQ(kd_sanitize(v[i].in, out, sizeof(out)), v[i].want);
	/* The escape is never split: 6 bytes need room for 6 plus the NUL. */
	KDT_STREQ(kd_sanitize("a\xe2\x80\xae", out, 7), "a");
	KDT_STREQ(kd_sanitize("a\xe2\x80\xae", out, 8), "a\\u202e");
	/* Through the text emitter too: a workstation name in a summary. */
	{
		struct kd_report r;
		struct kd_emit_opts o = { 0 };
		char *txt;
		int rc;

		kd_report_init(&r, "kmsdiag-test");
		kd_report_add(&r, "capture.client", "ws\xe2\x80\xae" "gpj.exe",
		    KD_V_WARN, "name \xc2\x9b" "31m red");
		txt = capture_text(&r, &o, 0, &rc);
		KDT_CHECK(strstr(txt, "ws\\u202egpj.exe") != NULL);
		KDT_CHECK(strstr(txt, "name \\u009b31m red") != NULL);
		KDT_CHECK(strstr(txt, "\xe2\x80\xae") == NULL && strstr(txt, "\xc2\x9b") == NULL);
		free(txt);
		kd_report_fini(&r);
	}
}

static void
test_json(void)
{
	struct kd_report r;
	struct kd_check *c;
	json_t *o, *back;
	char *s;
	int rc;
	json_error_t err;

	kd_report_init(&r, "kmsdiag-capture");
	c = kd_report_add(&r, "kms.response", "10.0.0.5:1688", KD_V_WARN, "ePID %s", "x\"y");
	kd_check_item(c, "epid");
	kd_check_fix(c, "check the host key");
	kd_check_str(c, "epid", "03612-00206-557-163526-03-1037-14393.0000-0612024");
	kd_check_int(c, "count", 50);

	o = kd_check_to_json(&r, c);
	KDT_CHECK(o != NULL);
	KDT_STREQ(json_string_value(json_object_get(o, "type")), "check");
	KDT_STREQ(json_string_value(json_object_get(o, "tool")), "kmsdiag-capture");
	KDT_STREQ(json_string_value(json_object_get(o, "check")), "kms.response");
	KDT_STREQ(json_string_value(json_object_get(o, "subject")), "10.0.0.5:1688");
	KDT_STREQ(json_string_value(json_object_get(o, "status")), "warn");
	KDT_STREQ(json_string_value(json_object_get(o, "detail")), "ePID x\"y");
	KDT_STREQ(json_string_value(json_object_get(o, "fix")), "check the host key");
	KDT_STREQ(json_string_value(json_object_get(o, "checklist")), "epid");
	KDT_CHECK(json_integer_value(json_object_get(o, "count")) == 50);
	json_decref(o);

	/* Wire text that is not UTF-8 still becomes a (sanitised) string fact. */
	c = kd_report_add(&r, "kms.request", "ws-\xff\xfe", KD_V_OK, "name \xc0\xaf");
	kd_check_str(c, "workstation", "WS\xff" "1");
	kd_check_str(c, "overlong", "\xc0\xaf");
	kd_check_str(c, "surrogate", "a\xed\xa0\x80z");
	kd_check_str(c, "toobig", "\xf4\x90\x80\x80");
	kd_check_str(c, "ctl", "tab\there");
	KDT_STREQ(json_string_value(json_object_get(c->facts, "workstation")), "WS\\xff1");
	KDT_STREQ(json_string_value(json_object_get(c->facts, "overlong")), "\\xc0\\xaf");
	KDT_STREQ(json_string_value(json_object_get(c->facts, "surrogate")),
	    "a\\xed\\xa0\\x80z");
	KDT_STREQ(json_string_value(json_object_get(c->facts, "toobig")), "\\xf4\\x90\\x80\\x80");
	/* Valid text is kept as is; JSON escaping is jansson's job. */
	KDT_STREQ(json_string_value(json_object_get(c->facts, "ctl")), "tab\there");
	o = kd_check_to_json(&r, c);
	KDT_STREQ(json_string_value(json_object_get(o, "subject")), "ws-\\xff\\xfe");
	KDT_STREQ(json_string_value(json_object_get(o, "detail")), "name \\xc0\\xaf");
	KDT_CHECK(json_is_null(json_object_get(o, "checklist")));
	KDT_STREQ(json_string_value(json_object_get(o, "fix")), "");
	json_decref(o);

	/* JSON Lines: one compact object per check, keys in insertion order. */
	s = capture_text(&r, NULL, 1, &rc);
	KDT_CHECK(rc == 0 && s != NULL);
	{
		static const char want[] = "{\"type\":\"check\",\"tool\":\"kmsdiag-capture\","
		    "\"check\":\"kms.response\",\"subject\":\"10.0.0.5:1688\",\"status\":\"warn\","
		    "\"detail\":\"ePID x\\\"y\",\"fix\":\"check the host key\","
		    "\"checklist\":\"epid\",\"epid\":";

		KDT_CHECK(strncmp(s, want, sizeof(want) - 1) == 0);
	}
	{
		char *nl = strchr(s, '\n'), *line2;

		KDT_CHECK(nl != NULL);
		line2 = nl + 1;
		KDT_CHECK(strchr(line2, '\n') != NULL && strchr(line2, '\n')[1] == '\0');
		*nl = '\0';
		back = json_loads(s, 0, &err);
		KDT_CHECK(back != NULL);
		KDT_STREQ(json_string_value(json_object_get(back, "epid")),
		    "03612-00206-557-163526-03-1037-14393.0000-0612024");
		json_decref(back);
		back = json_loads(line2, JSON_DISABLE_EOF_CHECK, &err);
		KDT_CHECK(back != NULL);
		KDT_STREQ(json_string_value(json_object_get(back, "workstation")), "WS\\xff1");
		KDT_STREQ(json_string_value(json_object_get(back, "ctl")), "tab\there");
		json_decref(back);
	}
	free(s);
	KDT_CHECK(kd_json_line(stdout, NULL) == -1);
	kd_report_fini(&r);
}

static void
test_text_nagios(void)
{
	struct kd_report r;
	struct kd_check *c;
	struct kd_emit_opts o = { false, false };
	char *s;
	int rc;

	kd_report_init(&r, "kmsdiag-probe");
	c = kd_report_add(&r, "probe.reach", "kms01:1688", KD_V_OK, "open");
	kd_check_fix(c, "not shown for OK");
	c = kd_report_add(&r, "probe.rpc", "evil\x1b]0;x\x07", KD_V_FAIL, "bind | rejected\nnext");
	kd_check_fix(c, "enable NDR");
	kd_check_int(c, "result", 2);

	s = capture_text(&r, &o, 0, &rc);
	KDT_CHECK(rc == 0);
	KDT_STREQ(s, "OK    probe.reach        kms01:1688: open\n"
	    "FAIL  probe.rpc          evil\\x1b]0;x\\x07: bind | rejected\\x0anext\n"
	    "      fix: enable NDR\n");
	free(s);
	o.verbose = true;
	s = capture_text(&r, &o, 0, &rc);
	KDT_CHECK(strstr(s, "      result: 2\n") != NULL);
	free(s);
	o.verbose = false;
	o.color = true;
	s = capture_text(&r, &o, 0, &rc);
	KDT_CHECK(strncmp(s, "\033[32mOK  \033[0m", 13) == 0);
	KDT_CHECK(strstr(s, "\033[31mFAIL\033[0m") != NULL);
	free(s);
	s = capture_text(&r, NULL, 0, &rc);
	KDT_CHECK(strncmp(s, "OK    probe.reach", 17) == 0);
	free(s);

	/* Nagios: worst verdict, its first summary, no '|' or newline in the text. */
	s = capture_text(&r, NULL, 2, &rc);
	KDT_CHECK(rc == KD_EXIT_FAIL);
	KDT_STREQ(s, "KMS CRITICAL - bind   rejected next\n");
	free(s);
	s = capture_text(&r, NULL, 3, &rc);
	KDT_STREQ(s, "KMS CRITICAL - bind   rejected next|rtt=3ms\n");
	free(s);
	kd_report_fini(&r);

	kd_report_init(&r, "kmsdiag-probe");
	s = capture_text(&r, NULL, 2, &rc);
	KDT_CHECK(rc == KD_EXIT_OK);
	KDT_STREQ(s, "KMS OK - \n");
	free(s);
	kd_report_add(&r, "x", "", KD_V_WARN, "slow");
	kd_report_add(&r, "y", "", KD_V_WARN, "slower");
	s = capture_text(&r, NULL, 2, &rc);
	KDT_CHECK(rc == KD_EXIT_WARN);
	KDT_STREQ(s, "KMS WARNING - slow\n");
	free(s);
	kd_report_add(&r, "z", "", KD_V_UNKNOWN, "no answer");
	s = capture_text(&r, NULL, 2, &rc);
	KDT_CHECK(rc == KD_EXIT_UNKNOWN);
	KDT_STREQ(s, "KMS UNKNOWN - no answer\n");
	free(s);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		rc = kd_emit_nagios(fp, &r, "KMS", "given | summary", "a=1");
		fclose(fp);
		KDT_STREQ(buf, "KMS UNKNOWN - given   summary|a=1\n");
		KDT_CHECK(rc == KD_EXIT_UNKNOWN);
		free(buf);
	}
	/* A summary quoting wire text: terminal controls escaped, '|' still gone. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		kd_emit_nagios(fp, &r, "KMS", "ePID \x1b[2J\xe2\x80\xae|x", NULL);
		fclose(fp);
		KDT_STREQ(buf, "KMS UNKNOWN - ePID \\x1b[2J\\u202e x\n");
		free(buf);
	}
	kd_report_fini(&r);
}

static void
test_color(void)
{
	FILE *fp = tmpfile();

	setenv("TERM", "xterm", 1);
	unsetenv("NO_COLOR");
	KDT_CHECK(fp != NULL && !kd_want_color(fp));	/* not a terminal */
	setenv("NO_COLOR", "1", 1);
	KDT_CHECK(!kd_want_color(fp));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	KDT_CHECK(!kd_want_color(fp));
	unsetenv("TERM");
	KDT_CHECK(!kd_want_color(fp));
	fclose(fp);
}

/* One line per object, short or longer than the line buffer. */
static void
test_json_line_lengths(void)
{
	static const size_t lens[] = { 0, 100, 16370, 16384, 40000 };
	char *big, *line = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		FILE *fp = tmpfile();
		json_t *o = json_object(), *back;
		ssize_t n;

		big = malloc(lens[i] + 1);
		KDT_CHECK(fp != NULL && big != NULL);
		if (fp == NULL || big == NULL)
			return;
		memset(big, 'x', lens[i]);
		big[lens[i]] = '\0';
		json_object_set_new(o, "type", json_string("test"));
		json_object_set_new(o, "text", json_string(big));
		KDT_CHECK(kd_json_line(fp, o) == 0);
		KDT_CHECK(kd_json_line(fp, o) == 0);
		rewind(fp);
		for (int k = 0; k < 2; k++) {
			n = getline(&line, &cap, fp);
			KDT_CHECK(n > 0 && line[n - 1] == '\n');
			back = json_loads(line, 0, NULL);
			KDT_CHECK(back != NULL && json_equal(back, o));
			json_decref(back);
		}
		KDT_CHECK(getline(&line, &cap, fp) == -1);
		json_decref(o);
		free(big);
		fclose(fp);
	}
	free(line);
}

int
main(void)
{
	test_model();
	test_json_line_lengths();
	test_sanitize();
	test_sanitize_terminal_controls();
	test_json();
	test_text_nagios();
	test_color();
	return KDT_DONE("test_report");
}
