/* See cli.h. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse.h"
#include "report.h"

void
kd_cli_reset(void)
{
#if defined(__GLIBC__)
	/*
	 * glibc starts over only from 0: from 1 it keeps the first parse's
	 * ordering ("+": stop at the first operand) and its place inside a
	 * group such as "-jx" left by an error.
	 */
	optind = 0;
#else
	optind = 1;
#if defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__) || \
    defined(__APPLE__)
	optreset = 1;
#endif
#endif
	opterr = 0;	/* getopt's own messages echo arguments unescaped */
}

bool
kd_cli_fail(struct kd_cli_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* More than one long option starts with the name given, none is exactly it. */
static int
ambiguous(const char *arg, const struct option *longopts)
{
	size_t len = strcspn(arg, "=");
	int n = 0;

	for (; longopts != NULL && longopts->name != NULL; longopts++) {
		if (strncmp(longopts->name, arg, len) != 0)
			continue;
		if (longopts->name[len] == '\0')
			return 0;
		n++;
	}
	return n > 1;
}

/*
 * After getopt_long returned '?' (opterr = 0): what glibc would have said
 * ("unrecognized option '--x'", "invalid option -- 'x'", "option requires
 * an argument -- 'x'", "option '--x' is ambiguous").  glibc prints those
 * with the argument unescaped, which is why opterr is 0 and kd_cli_print
 * escapes this text.
 */
static void
getopt_message(char *buf, size_t len, char *const argv[], const char *optstring,
    const struct option *longopts)
{
	const char *prev = optind > 0 ? argv[optind - 1] : NULL;
	const char *cur = argv[optind];
	char c[2] = { (char)optopt, '\0' };

	/*
	 * glibc keeps its place inside "-abc" private; a bad option in the
	 * middle of such a group leaves optind on that group.
	 */
	if (optopt > 0 && optopt < 256 && strchr(optstring, optopt) == NULL &&
	    cur != NULL && cur[0] == '-' && cur[1] != '-' &&
	    strchr(cur + 1, optopt) != NULL)
		snprintf(buf, len, "invalid option -- '%s'", c);
	else if (prev != NULL && strncmp(prev, "--", 2) == 0 && prev[2] != '\0') {
		/* optopt: 0 for an unknown name, the option's value otherwise. */
		if (optopt == 0 && ambiguous(prev + 2, longopts))
			snprintf(buf, len, "option '%s' is ambiguous", prev);
		else if (optopt == 0)
			snprintf(buf, len, "unrecognized option '%s'", prev);
		else if (strchr(prev, '=') != NULL)
			snprintf(buf, len, "option '%.*s' doesn't allow an argument",
			    (int)strcspn(prev, "="), prev);
		else
			snprintf(buf, len, "option '%s' requires an argument", prev);
	} else if (optopt > 0 && optopt < 256 && optopt != ':' &&
	    strchr(optstring, optopt) != NULL)
		snprintf(buf, len, "option requires an argument -- '%s'", c);
	else
		snprintf(buf, len, "invalid option -- '%s'", c);
}

bool
kd_cli_getopt_fail(struct kd_cli_err *err, char *const argv[], const char *optstring,
    const struct option *longopts)
{
	getopt_message(err->msg, sizeof(err->msg), argv, optstring, longopts);
	return false;
}

int
kd_cli_parse(int argc, char **argv, const char *optstring, const struct option *longopts,
    kd_cli_option_fn *one, void *ctx, struct kd_cli_err *err)
{
	int ch;

	kd_cli_reset();
	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':')
			return kd_cli_getopt_fail(err, argv, optstring, longopts), KD_CLI_USAGE;
		if (ch == 'h')
			return KD_CLI_HELP;
		if (ch == 'V')
			return KD_CLI_VERSION;
		if (!one(ctx, ch, optarg, err))
			return KD_CLI_USAGE;
	}
	return KD_CLI_RUN;
}

bool
kd_cli_given(int argc, char **argv, const char *optstring, const struct option *longopts,
    int ch)
{
	bool seen = false;
	int c;

	kd_cli_reset();
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (c == ch)
			seen = true;
	return seen;
}

/*
 * An argument as a message echoes it: cut, so that a long one leaves room
 * for why it was refused (the message has 512 bytes).
 */
#define ARG_SHOWN	104
static const char *
shown(const char *s, char *buf, size_t len)
{
	if (strlen(s) < len)
		return memcpy(buf, s, strlen(s) + 1);
	snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	return buf;
}

/* "3600", "0.01": the bound as a person would type it. */
static void
secs_str(unsigned ms, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u.%03u", ms / 1000, ms % 1000);

	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && (size_t)n < len && buf[n - 1] == '.')
		buf[--n] = '\0';
}

bool
kd_cli_secs(const char *what, const char *s, unsigned min_ms, unsigned max_ms,
    unsigned *ms, struct kd_cli_err *err)
{
	unsigned long long v = 0;
	const char *p = s;
	char lo[24], hi[24], arg[ARG_SHOWN];
	int ndig = 0, nfrac = 0;
	bool finer = false;

	shown(s, arg, sizeof(arg));
	secs_str(min_ms, lo, sizeof(lo));
	secs_str(max_ms, hi, sizeof(hi));
	/* Digits by hand: strtod would take "1e3", "inf", " 2", "0x10". */
	for (; *p >= '0' && *p <= '9'; p++, ndig++)
		if (v <= 100000000ULL)
			v = v * 10 + (unsigned)(*p - '0');
	v *= 1000;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
			/* "1.5000" is a millisecond value; "1.0005" is not. */
			if (nfrac >= 3)
				finer = finer || *p != '0';
			else
				v += (unsigned)(*p - '0') * (nfrac == 0 ? 100u :
				    nfrac == 1 ? 10u : 1u);
		}
	}
	if (*p != '\0' || ndig + nfrac == 0)
		return kd_cli_fail(err, "%s %s: invalid (seconds, such as 0.5 or 2)", what, arg);
	if (finer)
		return kd_cli_fail(err, "%s %s: finer than a millisecond "
		    "(at most 3 decimals)", what, arg);
	if (v < min_ms)
		return kd_cli_fail(err, "%s %s: too small (%s to %s seconds)", what, arg, lo, hi);
	if (v > max_ms)
		return kd_cli_fail(err, "%s %s: too large (%s to %s seconds)", what, arg, lo, hi);
	*ms = (unsigned)v;
	return true;
}

bool
kd_cli_uint(const char *what, const char *s, unsigned long min, unsigned long max,
    unsigned long *out, struct kd_cli_err *err)
{
	const char *errstr;
	char arg[ARG_SHOWN];
	long long v = kd_parse_num(s, (long long)min, (long long)max, &errstr);

	/* strtoll skips leading white space: "\t5" is not a count either. */
	if (errstr == NULL && (*s == '\t' || *s == '\n' || *s == '\v' || *s == '\f' ||
	    *s == '\r'))
		errstr = "invalid";
	if (errstr != NULL)
		return kd_cli_fail(err, "%s %s: %s (%lu to %lu)", what,
		    shown(s, arg, sizeof(arg)), errstr, min, max);
	*out = (unsigned long)v;
	return true;
}

bool
kd_cli_port(const char *what, const char *s, uint16_t *out, struct kd_cli_err *err)
{
	unsigned long v = 0;

	if (!kd_cli_uint(what, s, 1, 65535, &v, err))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool
kd_cli_range(const char *what, const char *s, struct kd_range *out, struct kd_cli_err *err)
{
	struct kd_range r;
	const char *errstr = NULL;
	char arg[ARG_SHOWN];

	if (!kd_range_parse(s, &r, &errstr))
		return kd_cli_fail(err, "%s %s: %s (a range: 10, 10:, ~:10, 10:20, @10:20)",
		    what, shown(s, arg, sizeof(arg)), errstr);
	*out = r;
	return true;
}

bool
kd_cli_thresholds(const char *wname, const char *warn, const char *cname, const char *crit,
    struct kd_thresholds *out, struct kd_cli_err *err)
{
	struct kd_thresholds t;

	memset(&t, 0, sizeof(t));
	if (warn != NULL && !kd_cli_range(wname, warn, &t.warn, err))
		return false;
	if (crit != NULL && !kd_cli_range(cname, crit, &t.crit, err))
		return false;
	t.has_warn = warn != NULL;
	t.has_crit = crit != NULL;
	*out = t;
	return true;
}

bool
kd_cli_push(const char *what, const char *arg, const char **v, size_t *n, size_t max,
    struct kd_cli_err *err)
{
	char a[ARG_SHOWN];

	if (*n == max)
		return kd_cli_fail(err, "too many %s (at most %zu): %s", what, max,
		    shown(arg, a, sizeof(a)));
	v[(*n)++] = arg;
	return true;
}

void
kd_cli_print(FILE *fp, const char *prog, const struct kd_cli_err *err)
{
	char clean[2 * sizeof(err->msg)];

	fprintf(fp, "%s: %s\n", prog, kd_sanitize(err->msg, clean, sizeof(clean)));
}

int
kd_cli_usage_exit(const char *prog, const struct kd_cli_err *err, void (*usage)(FILE *))
{
	kd_cli_print(stderr, prog, err);
	if (usage != NULL)
		usage(stderr);
	return KD_EXIT_USAGE;
}

int
kd_cli_nagios_exit(const char *service, const struct kd_cli_err *err)
{
	char clean[2 * sizeof(err->msg)];

	printf("%s UNKNOWN - %s\n", service, kd_sanitize(err->msg, clean, sizeof(clean)));
	return KD_EXIT_UNKNOWN;
}

int
kd_cli_answer(int act, const struct kd_cli_tool *t, bool nagios,
    const struct kd_cli_err *err)
{
	switch (act) {
	case KD_CLI_RUN:
		return -1;
	case KD_CLI_HELP:
		if (t->help != NULL)
			t->help();
		else
			t->usage(stdout);
		return KD_EXIT_OK;
	case KD_CLI_VERSION:
		printf("%s %s\n", t->prog, KD_VERSION);
		return KD_EXIT_OK;
	default:
		if (nagios && t->nagios_service != NULL)
			return kd_cli_nagios_exit(t->nagios_service, err);
		return kd_cli_usage_exit(t->prog, err, t->usage);
	}
}
