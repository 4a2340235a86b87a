/*
 * lib/cli.c: the option layer every tool shares.  Seconds, counts, ports
 * and ranges with their good, edge and bad values and the exact error
 * text; a usage error is printed escaped; getopt's own diagnostics are
 * said again as glibc words them; getopt starts over cleanly after
 * kd_cli_reset, even after a "+" parse or an error inside "-jx"; and the
 * shared parse loop (kd_cli_parse).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kdtest.h"

/* kd_cli_secs with the probe's -t range; the message, or "ms=N". */
static const char *
secs(const char *s, unsigned lo, unsigned hi, char *out, size_t len)
{
	struct kd_cli_err err;
	unsigned ms = 777;

	if (kd_cli_secs("timeout", s, lo, hi, &ms, &err))
		snprintf(out, len, "ms=%u", ms);
	else
		snprintf(out, len, "%s%s", err.msg, ms == 777 ? "" : " (out changed)");
	return out;
}

static void
test_secs(void)
{
	char b[600];
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "2", "ms=2000" },
		{ "0.5", "ms=500" },
		{ "1.5", "ms=1500" },
		{ ".25", "ms=250" },
		{ "3.", "ms=3000" },
		{ "0.01", "ms=10" },		/* the lower edge */
		{ "3600", "ms=3600000" },	/* the upper edge */
		{ "3600.000", "ms=3600000" },
		{ "007", "ms=7000" },
		{ "0.009", "timeout 0.009: too small (0.01 to 3600 seconds)" },
		{ "0", "timeout 0: too small (0.01 to 3600 seconds)" },
		{ "3600.001", "timeout 3600.001: too large (0.01 to 3600 seconds)" },
		{ "99999999999999999999", "timeout 99999999999999999999: too large "
		    "(0.01 to 3600 seconds)" },
		{ "0.0005", "timeout 0.0005: finer than a millisecond (at most 3 decimals)" },
		{ "", "timeout : invalid (seconds, such as 0.5 or 2)" },
		{ ".", "timeout .: invalid (seconds, such as 0.5 or 2)" },
		{ "-1", "timeout -1: invalid (seconds, such as 0.5 or 2)" },
		{ "+1", "timeout +1: invalid (seconds, such as 0.5 or 2)" },
		{ "1e3", "timeout 1e3: invalid (seconds, such as 0.5 or 2)" },
		{ "inf", "timeout inf: invalid (seconds, such as 0.5 or 2)" },
		{ "0x10", "timeout 0x10: invalid (seconds, such as 0.5 or 2)" },
		{ " 2", "timeout  2: invalid (seconds, such as 0.5 or 2)" },
		{ "2s", "timeout 2s: invalid (seconds, such as 0.5 or 2)" },
		{ "1,5", "timeout 1,5: invalid (seconds, such as 0.5 or 2)" },
		/* Zeros past the third decimal add nothing: still milliseconds. */
		{ "1.0000", "ms=1000" },
		{ "0.0100", "ms=10" },
		{ "1.5000000000000000000000", "ms=1500" },
		{ "1.0001", "timeout 1.0001: finer than a millisecond (at most 3 decimals)" },
		{ "0.0000", "timeout 0.0000: too small (0.01 to 3600 seconds)" },
		/* Not a number at all, whatever its decimals. */
		{ "1.2345x", "timeout 1.2345x: invalid (seconds, such as 0.5 or 2)" },
		{ "1.2.3", "timeout 1.2.3: invalid (seconds, such as 0.5 or 2)" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		KDT_STREQ(secs(v[i].in, KD_CLI_TIMEOUT_MIN_MS, 3600000, b, sizeof(b)),
		    v[i].want);
	/* A range with a fractional bound, and one from zero. */
	KDT_STREQ(secs("0.2", 250, 1500, b, sizeof(b)),
	    "timeout 0.2: too small (0.25 to 1.5 seconds)");
	KDT_STREQ(secs("0", 0, 3600000, b, sizeof(b)), "ms=0");
}

static void
test_numbers(void)
{
	struct kd_cli_err err;
	unsigned long v = 42;
	uint16_t port = 9;

	KDT_CHECK(kd_cli_uint("count", "1", 1, 100, &v, &err) && v == 1);
	KDT_CHECK(kd_cli_uint("count", "100", 1, 100, &v, &err) && v == 100);
	KDT_CHECK(!kd_cli_uint("count", "101", 1, 100, &v, &err) && v == 100);
	KDT_STREQ(err.msg, "count 101: too large (1 to 100)");
	KDT_CHECK(!kd_cli_uint("count", "0", 1, 100, &v, &err));
	KDT_STREQ(err.msg, "count 0: too small (1 to 100)");
	KDT_CHECK(!kd_cli_uint("count", "1.5", 1, 100, &v, &err));
	KDT_STREQ(err.msg, "count 1.5: invalid (1 to 100)");
	KDT_CHECK(!kd_cli_uint("count", "-3", 1, 100, &v, &err));
	KDT_STREQ(err.msg, "count -3: too small (1 to 100)");

	KDT_CHECK(kd_cli_port("port", "1", &port, &err) && port == 1);
	KDT_CHECK(kd_cli_port("port", "65535", &port, &err) && port == 65535);
	KDT_CHECK(!kd_cli_port("port", "65536", &port, &err) && port == 65535);
	KDT_STREQ(err.msg, "port 65536: too large (1 to 65535)");
	KDT_CHECK(!kd_cli_port("port", "0", &port, &err));
	KDT_STREQ(err.msg, "port 0: too small (1 to 65535)");
	KDT_CHECK(!kd_cli_port("port", "http", &port, &err));
	KDT_STREQ(err.msg, "port http: invalid (1 to 65535)");
	/* strtoll's leading white space is not part of a number here. */
	KDT_CHECK(!kd_cli_port("port", "\t1688", &port, &err) && port == 65535);
	KDT_STREQ(err.msg, "port \t1688: invalid (1 to 65535)");
	KDT_CHECK(!kd_cli_uint("count", "\n5", 1, 100, &v, &err) && v == 100);
	KDT_STREQ(err.msg, "count \n5: invalid (1 to 100)");
}

/* An argument too long for the message is cut; why it was refused stays. */
static void
test_long_argument(void)
{
	struct kd_cli_err err;
	struct kd_range r;
	char big[700];
	const char *v[1];
	unsigned ms = 0;
	unsigned long n = 0;
	size_t nv = 1;

	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	KDT_CHECK(!kd_cli_secs("timeout", big, 10, 3600000, &ms, &err));
	KDT_CHECK(strstr(err.msg, "9...: too large (0.01 to 3600 seconds)") != NULL);
	KDT_CHECK(strlen(err.msg) < 200);
	KDT_CHECK(!kd_cli_uint("count", big, 1, 100, &n, &err));
	KDT_CHECK(strstr(err.msg, "9...: too large (1 to 100)") != NULL);
	big[5] = 'x';
	KDT_CHECK(!kd_cli_range("-w", big, &r, &err));
	KDT_CHECK(strstr(err.msg, "9...: ") != NULL &&
	    strstr(err.msg, "(a range: 10, 10:, ~:10, 10:20, @10:20)") != NULL);
	KDT_CHECK(!kd_cli_push("hosts", big, v, &nv, 1, &err));
	KDT_CHECK(strstr(err.msg, "too many hosts (at most 1): 99999x9") == err.msg &&
	    strstr(err.msg, "9...") != NULL && strlen(err.msg) < 200);
	/* Up to the cut, shown whole. */
	big[100] = '\0';
	KDT_CHECK(!kd_cli_uint("count", big, 1, 100, &n, &err));
	KDT_CHECK(strstr(err.msg, "...") == NULL);
}

static void
test_ranges(void)
{
	struct kd_cli_err err;
	struct kd_range r;
	struct kd_thresholds t;

	/* "30:": below 30 alerts, 30 and above do not (the count threshold). */
	KDT_CHECK(kd_cli_range("--count-warning", "30:", &r, &err));
	KDT_CHECK(kd_range_alert(&r, 27) && !kd_range_alert(&r, 30) && !kd_range_alert(&r, 50));
	KDT_CHECK(kd_cli_range("-w", "@1:2", &r, &err) && r.inside);
	KDT_CHECK(!kd_cli_range("-w", "5:1", &r, &err));
	KDT_STREQ(err.msg, "-w 5:1: start of range is greater than end "
	    "(a range: 10, 10:, ~:10, 10:20, @10:20)");
	KDT_CHECK(!kd_cli_range("-w", "", &r, &err));
	KDT_STREQ(err.msg, "-w : empty range (a range: 10, 10:, ~:10, 10:20, @10:20)");

	KDT_CHECK(kd_cli_thresholds("-w", "0.5", "-c", NULL, &t, &err));
	KDT_CHECK(t.has_warn && !t.has_crit);
	KDT_CHECK(kd_thresholds_eval(&t, 0.7) == KD_V_WARN);
	KDT_CHECK(!kd_cli_thresholds("-w", "1", "-c", "x", &t, &err));
	KDT_STREQ(err.msg, "-c x: invalid number (a range: 10, 10:, ~:10, 10:20, @10:20)");
	KDT_CHECK(t.has_warn && !t.has_crit);	/* unchanged on error */
}

static void
test_push(void)
{
	struct kd_cli_err err;
	const char *v[2];
	size_t n = 0;

	KDT_CHECK(kd_cli_push("hosts", "a", v, &n, 2, &err));
	KDT_CHECK(kd_cli_push("hosts", "b", v, &n, 2, &err));
	KDT_CHECK(!kd_cli_push("hosts", "c", v, &n, 2, &err) && n == 2);
	KDT_STREQ(err.msg, "too many hosts (at most 2): c");
}

/* getopt_long's diagnostics, said again without the raw bytes. */
static const struct option msg_longopts[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "count-warning", required_argument, NULL, 256 },
	{ "no-color", no_argument, NULL, 'N' },
	{ "no-summary", no_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
#define MSG_OPTS	"c:hj"

static const char *
getopt_msg(char **argv, char *out, size_t len)
{
	struct kd_cli_err err;
	int argc = 0, ch;

	while (argv[argc] != NULL)
		argc++;
	kd_cli_reset();
	out[0] = '\0';
	while ((ch = getopt_long(argc, argv, MSG_OPTS, msg_longopts, NULL)) != -1)
		if (ch == '?') {
			kd_cli_getopt_fail(&err, argv, MSG_OPTS, msg_longopts);
			snprintf(out, len, "%s", err.msg);
			break;
		}
	return out;
}

static void
test_getopt_messages(void)
{
	char m[600];
	static const struct {
		char *argv[5];
		const char *want;
	} v[] = {
		{ { "t", "--bogus", NULL }, "unrecognized option '--bogus'" },
		{ { "t", "--bo\x1b[2J", NULL }, "unrecognized option '--bo\x1b[2J'" },
		{ { "t", "-x", NULL }, "invalid option -- 'x'" },
		/* In the middle of a group, after a long option. */
		{ { "t", "--json", "-jxh", NULL }, "invalid option -- 'x'" },
		{ { "t", "-c", NULL }, "option requires an argument -- 'c'" },
		{ { "t", "-jc", NULL }, "option requires an argument -- 'c'" },
		{ { "t", "--count", NULL }, "option '--count' requires an argument" },
		{ { "t", "--count-warning", NULL },
		    "option '--count-warning' requires an argument" },
		{ { "t", "--help=1", NULL }, "option '--help' doesn't allow an argument" },
		{ { "t", "--no", NULL }, "option '--no' is ambiguous" },
		/* An exact name is not ambiguous with longer ones. */
		{ { "t", "--count", "1", "--x", NULL }, "unrecognized option '--x'" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		KDT_STREQ(getopt_msg((char **)v[i].argv, m, sizeof(m)), v[i].want);
}

/* The message of the first '?' getopt returns, after kd_cli_reset. */
static const char *
first_error(char **argv, const char *opts, char *out, size_t len)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct kd_cli_err err;
	int argc = 0, ch;

	while (argv[argc] != NULL)
		argc++;
	kd_cli_reset();
	snprintf(out, len, "none, optind %d", 0);
	while ((ch = getopt_long(argc, argv, opts, lo, NULL)) != -1)
		if (ch == '?') {
			kd_cli_getopt_fail(&err, argv, opts, lo);
			snprintf(out, len, "%s", err.msg);
			return out;
		}
	snprintf(out, len, "none, optind %d", optind);
	return out;
}

static void
test_reset(void)
{
	char m[600];
	char *a1[] = { "t", "-jx", "-q", NULL };
	char *a2[] = { "t", "-j", NULL };
	char *a3[] = { "t", "op", "-j", NULL };
	char *a4[] = { "t", "op", "-j", NULL };

	/* An error in the middle of a group, then a clean parse. */
	KDT_STREQ(first_error(a1, "j", m, sizeof(m)), "invalid option -- 'x'");
	KDT_STREQ(first_error(a2, "j", m, sizeof(m)), "none, optind 2");
	/* "+" stops at the operand; the next parse permutes again. */
	KDT_STREQ(first_error(a3, "+j", m, sizeof(m)), "none, optind 1");
	KDT_STREQ(first_error(a4, "j", m, sizeof(m)), "none, optind 2");
}

/* kd_cli_parse: options to the callback, -h/-V, getopt errors, a callback's error. */
static bool
seen(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	char *log = ctx;
	size_t n = strlen(log);

	if (ch == 'c' && strcmp(arg, "bad") == 0)
		return kd_cli_fail(err, "count %s: invalid", arg);
	snprintf(log + n, 64 - n, "%c%s,", ch, arg ? arg : "");
	return true;
}

/* kd_cli_given: an option anywhere before "--", read past errors. */
static void
test_given(void)
{
	static const struct option lo[] = {
		{ "nagios", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	char a0[] = "x", a1[] = "--bogus", a2[] = "op", a3[] = "--nagios", a4[] = "-t";
	char a5[] = "-n", a6[] = "--";
	char *v1[] = { a0, a1, a2, a3, NULL };
	char *v2[] = { a0, a4, a5, a2, NULL };
	char *v3[] = { a0, a2, a6, a5, NULL };

	KDT_CHECK(kd_cli_given(4, v1, "nt:", lo, 'n'));
	KDT_CHECK(!kd_cli_given(4, v2, "nt:", lo, 'n'));	/* -t's argument */
	KDT_CHECK(!kd_cli_given(4, v3, "nt:", lo, 'n'));	/* an operand */
}

static void
test_parse_loop(void)
{
	struct kd_cli_err err;
	char log[64] = "";
	char *a1[] = { "t", "-j", "op", "-c", "3", NULL };
	char *a2[] = { "t", "-j", "-h", "-x", NULL };
	char *a3[] = { "t", "-j", "--bogus", "-h", NULL };
	char *a4[] = { "t", "-c", "bad", "-h", NULL };
	char *a5[] = { "t", "-V", NULL };

	KDT_CHECK(kd_cli_parse(5, a1, MSG_OPTS "V", msg_longopts, seen, log, &err) ==
	    KD_CLI_RUN);
	KDT_STREQ(log, "j,c3,");
	KDT_CHECK(optind == 4 && strcmp(a1[optind], "op") == 0);	/* permuted */
	KDT_CHECK(kd_cli_parse(4, a2, MSG_OPTS, msg_longopts, seen, log, &err) == KD_CLI_HELP);
	KDT_CHECK(kd_cli_parse(4, a3, MSG_OPTS, msg_longopts, seen, log, &err) == KD_CLI_USAGE);
	KDT_STREQ(err.msg, "unrecognized option '--bogus'");
	KDT_CHECK(kd_cli_parse(4, a4, MSG_OPTS, msg_longopts, seen, log, &err) == KD_CLI_USAGE);
	KDT_STREQ(err.msg, "count bad: invalid");
	KDT_CHECK(kd_cli_parse(2, a5, MSG_OPTS "V", msg_longopts, seen, log, &err) ==
	    KD_CLI_VERSION);
}

static void
test_print(void)
{
	struct kd_cli_err err;
	char buf[256] = "";
	FILE *f = tmpfile();

	if (f == NULL) {
		KDT_CHECK(f != NULL);
		return;
	}
	kd_cli_fail(&err, "host %s: %s", "a\x1b[2Jb", "invalid");
	kd_cli_print(f, "kmsdiag-test", &err);
	rewind(f);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	KDT_STREQ(buf, "kmsdiag-test: host a\\x1b[2Jb: invalid\n");
	/* An OSC title and a bidi override: both shown as escapes. */
	kd_cli_fail(&err, "port %s: %s", "1\x1b]0;t\x07\xe2\x80\xae", "invalid");
	if ((f = tmpfile()) == NULL)
		return;
	kd_cli_print(f, "kmsdiag-test", &err);
	rewind(f);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	KDT_STREQ(buf, "kmsdiag-test: port 1\\x1b]0;t\\x07\\u202e: invalid\n");
	/* A message longer than the buffer is cut, not overrun. */
	memset(buf, 'x', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	kd_cli_fail(&err, "%s%s%s", buf, buf, buf);
	KDT_CHECK(strlen(err.msg) == sizeof(err.msg) - 1);
}

static int helped, usaged;

static void
count_help(void)
{
	helped++;
}

static void
count_usage(FILE *fp)
{
	(void)fp;
	usaged++;
}

/* kd_cli_answer: what every main does with its parse function's answer. */
static void
test_answer(void)
{
	const struct kd_cli_tool plain = { "kmsdiag-x", count_help, count_usage, NULL };
	const struct kd_cli_tool plugin = { "kmsdiag-x", NULL, count_usage, "KMS X" };
	struct kd_cli_err err;

	kd_cli_fail(&err, "bad option");
	KDT_CHECK(kd_cli_answer(KD_CLI_RUN, &plain, false, &err) == -1);
	KDT_CHECK(kd_cli_answer(KD_CLI_RUN, &plugin, true, &err) == -1);
	KDT_CHECK(kd_cli_answer(KD_CLI_HELP, &plain, false, &err) == KD_EXIT_OK &&
	    helped == 1 && usaged == 0);
	/* No help function: the usage on stdout is the help. */
	KDT_CHECK(kd_cli_answer(KD_CLI_HELP, &plugin, false, &err) == KD_EXIT_OK &&
	    helped == 1 && usaged == 1);
	KDT_CHECK(kd_cli_answer(KD_CLI_VERSION, &plain, false, &err) == KD_EXIT_OK);
	KDT_CHECK(kd_cli_answer(KD_CLI_USAGE, &plain, false, &err) == KD_EXIT_USAGE &&
	    usaged == 2);
	/* --nagios: UNKNOWN, where the tool has a status line at all. */
	KDT_CHECK(kd_cli_answer(KD_CLI_USAGE, &plain, true, &err) == KD_EXIT_USAGE &&
	    usaged == 3);
	KDT_CHECK(kd_cli_answer(KD_CLI_USAGE, &plugin, true, &err) == KD_EXIT_UNKNOWN &&
	    usaged == 3);
	KDT_CHECK(kd_cli_answer(KD_CLI_USAGE, &plugin, false, &err) == KD_EXIT_USAGE &&
	    usaged == 4);
}

int
main(void)
{
	test_secs();
	test_numbers();
	test_ranges();
	test_long_argument();
	test_push();
	test_reset();
	test_getopt_messages();
	test_parse_loop();
	test_given();
	test_print();
	test_answer();
	return KDT_DONE("test_cli");
}
