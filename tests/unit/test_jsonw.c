/*
 * lib/jsonw against jansson: the streaming writer must produce exactly the
 * bytes of json_dumpb(JSON_COMPACT | JSON_PRESERVE_ORDER), including for
 * hostile strings (control characters, quotes, backslashes, invalid UTF-8,
 * U+2028), and what it writes must parse back to the same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonw.h"
#include "kdtest.h"

#define DUMP_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)

static const char *const hostile[] = {
	"", "plain", "quote\"inside", "back\\slash", "\\\"", "/slash",
	"\b\f\n\r\t", "\x01\x02\x1e\x1f", "del\x7f", "caf\xc3\xa9",
	"line\xe2\x80\xa8sep\xe2\x80\xa9", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",
	"\xf4\x8f\xbf\xbf",
	/* not UTF-8 */
	"\xc3", "x\xc0\x80", "\xc1\xbf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xff", "\x80", "ab\xe2\x80", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
	"\xf5\x80\x80\x80", "ok\xc3\xa9then\xe9",
};

/* The jansson dump of {"k": s, "n": -5}, or of {"n": -5} if s is refused. */
static char *
jansson_pair(const char *s)
{
	json_t	*o = json_object();
	char	*d;

	json_object_set_new(o, "k", json_string(s));
	json_object_set_new(o, "n", json_integer(-5));
	d = json_dumps(o, DUMP_FLAGS);
	json_decref(o);
	return d;
}

static void
jsonw_pair(const char *s, char *out, size_t cap)
{
	struct jsonw	 w;

	jw_init(&w, out, cap - 1, NULL);
	jw_open(&w, NULL);
	jw_str(&w, "k", s);
	jw_int(&w, "n", -5);
	jw_close(&w);
	KDT_CHECK(!w.overflow);
	out[w.len] = '\0';
}

/* jsonw_pair() with jw_scan()'s answer kept and given to jw_str_scanned(). */
static void
jsonw_pair_scanned(const char *s, char *out, size_t cap)
{
	struct jsonw	 w;
	size_t		 len;
	bool		 plain, valid = jw_scan(s, &len, &plain);

	jw_init(&w, out, cap - 1, NULL);
	jw_open(&w, NULL);
	if (valid)
		jw_str_scanned(&w, "k", 1, s, len, plain);
	jw_int(&w, "n", -5);
	jw_close(&w);
	KDT_CHECK(!w.overflow);
	out[w.len] = '\0';
	KDT_CHECK(valid == jw_utf8_valid(s));
	KDT_CHECK(!valid || len == strlen(s));
}

static void
check_string(const char *s)
{
	char		 got[4096];
	char		*want = jansson_pair(s);
	json_t		*back;
	json_error_t	 err;

	jsonw_pair(s, got, sizeof(got));
	KDT_STREQ(got, want);
	jsonw_pair_scanned(s, got, sizeof(got));
	KDT_STREQ(got, want);
	back = json_string(s);
	KDT_CHECK(jw_utf8_valid(s) == (back != NULL));
	json_decref(back);
	/* What was written parses back to the same string. */
	back = json_loads(got, 0, &err);
	KDT_CHECK(back != NULL);
	if (back != NULL && jw_utf8_valid(s))
		KDT_STREQ(json_string_value(json_object_get(back, "k")), s);
	else if (back != NULL)
		KDT_CHECK(json_object_get(back, "k") == NULL);
	json_decref(back);
	free(want);
}

static void
test_hostile(void)
{
	char	 all[64];
	size_t	 i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		check_string(hostile[i]);
	/* Every control character. */
	for (i = 1; i < 0x20; i++) {
		all[0] = 'a';
		all[1] = (char)i;
		all[2] = 'b';
		all[3] = '\0';
		check_string(all);
	}
	/* Validity as jansson sees it. */
	KDT_CHECK(jw_utf8_valid("caf\xc3\xa9"));
	KDT_CHECK(jw_utf8_valid("\xe2\x80\xa8"));
	KDT_CHECK(!jw_utf8_valid("\xed\xa0\x80"));
	KDT_CHECK(!jw_utf8_valid("\xc0\x80"));
	KDT_CHECK(!jw_utf8_valid("\xf4\x90\x80\x80"));
	KDT_CHECK(!jw_utf8_valid("a\xe2\x80"));
}

/* Random strings over an alphabet of troublesome bytes. */
static void
test_random(void)
{
	static const unsigned char alpha[] = {
		'a', '"', '\\', '/', 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc2, 0xc3,
		0xa9, 0xe2, 0x80, 0xa8, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xf4,
		0x90, 0xff, '\n', ' '
	};
	uint64_t	 st = 0x1688;
	char		 s[48];
	int		 k, n, i, bad = 0, valid = 0;

	for (k = 0; k < 5000; k++) {
		char		 got[4096];
		char		*want;

		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		n = (int)(st >> 59) + 1;
		for (i = 0; i < n; i++) {
			st = st * 6364136223846793005ULL + 1442695040888963407ULL;
			s[i] = (char)alpha[(st >> 33) % sizeof(alpha)];
		}
		s[n] = '\0';
		want = jansson_pair(s);
		jsonw_pair(s, got, sizeof(got));
		if (strcmp(got, want) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "differs: %s vs %s\n", got, want);
		}
		valid += jw_utf8_valid(s);
		free(want);
	}
	KDT_CHECK(bad == 0);
	KDT_CHECK(valid > 100 && valid < 4900);	/* both kinds were tried */
}

static void
test_values(void)
{
	static const int64_t	 ints[] = { 0, 1, -1, 9, 10, -10, 4294967295LL,
				    INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	json_t			*o = json_object(), *in = json_object();
	struct jsonw		 w;
	char			 got[2048], *want;
	char			 key[16];
	size_t			 i;

	jw_init(&w, got, sizeof(got) - 1, NULL);
	jw_open(&w, NULL);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(key, sizeof(key), "i%zu", i);
		json_object_set_new(o, key, json_integer(ints[i]));
		jw_int(&w, key, ints[i]);
	}
	json_object_set_new(o, "t", json_true());
	jw_bool(&w, "t", true);
	json_object_set_new(o, "f", json_false());
	jw_bool(&w, "f", false);
	json_object_set_new(o, "z", json_null());
	jw_null(&w, "z");
	json_object_set_new(o, "empty", json_object());
	jw_open(&w, "empty");
	jw_close(&w);
	json_object_set_new(in, "a", json_string("x"));
	json_object_set_new(in, "b", json_null());
	json_object_set_new(o, "inner", in);
	jw_open(&w, "inner");
	jw_str(&w, "a", "x");
	jw_null(&w, "b");
	jw_close(&w);
	/* A refused string in first place: no stray comma after it. */
	json_object_set_new(o, "last", json_object());
	jw_open(&w, "last");
	KDT_CHECK(!jw_str(&w, "bad", "\xff"));
	jw_int(&w, "after", 1);
	jw_close(&w);
	json_object_set_new(json_object_get(o, "last"), "after", json_integer(1));
	jw_close(&w);
	KDT_CHECK(!w.overflow && w.depth == 0);
	got[w.len] = '\0';
	want = json_dumps(o, DUMP_FLAGS);
	KDT_STREQ(got, want);
	free(want);
	json_decref(o);
}

/* A full buffer: without a FILE it overflows, with one it is written out. */
static void
test_buffering(void)
{
	struct jsonw	 w;
	char		 small[8], text[64], *mem = NULL;
	size_t		 memlen = 0;
	FILE		*fp;

	jw_init(&w, small, sizeof(small), NULL);
	jw_open(&w, NULL);
	jw_str(&w, "key", "a long enough value");
	KDT_CHECK(w.overflow);

	fp = open_memstream(&mem, &memlen);
	KDT_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	jw_init(&w, small, sizeof(small), fp);
	jw_open(&w, NULL);
	jw_str(&w, "key", "a long enough \"value\" with\nescapes");
	jw_int(&w, "n", 1234567890123LL);
	jw_close(&w);
	jw_char(&w, '\n');
	KDT_CHECK(jw_flush(&w) && !w.overflow);
	fclose(fp);
	KDT_STREQ(mem, "{\"key\":\"a long enough \\\"value\\\" with\\nescapes\","
	    "\"n\":1234567890123}\n");
	free(mem);

	/* Plain text helpers. */
	jw_init(&w, text, sizeof(text) - 1, NULL);
	jw_dec0(&w, 7, 4);
	jw_char(&w, ' ');
	jw_sdec(&w, -42);
	jw_char(&w, ' ');
	jw_dec(&w, UINT64_MAX);
	text[w.len] = '\0';
	KDT_STREQ(text, "0007 -42 18446744073709551615");
}

int
main(void)
{
	test_hostile();
	test_random();
	test_values();
	test_buffering();
	return KDT_DONE("test_jsonw");
}
