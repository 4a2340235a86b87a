/* See cmdline.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "report.h"

void
kd_usage_vmsg(const char *prog, const char *fmt, va_list ap)
{
	char msg[1024], clean[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s\n", prog, kd_sanitize(msg, clean, sizeof(clean)));
}

void
kd_usage_msg(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kd_usage_vmsg(prog, fmt, ap);
	va_end(ap);
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

void
kd_getopt_errstr(char *buf, size_t len, char *const argv[], const char *optstring,
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

void
kd_getopt_error(const char *prog, char *const argv[], const char *optstring,
    const struct option *longopts)
{
	char msg[512];

	kd_getopt_errstr(msg, sizeof(msg), argv, optstring, longopts);
	kd_usage_msg(prog, "%s", msg);
}
