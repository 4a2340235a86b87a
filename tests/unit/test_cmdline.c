/*
 * lib/cmdline.c: getopt_long's diagnostics, said again with the argument
 * escaped.  glibc prints "unrecognized option '--\e[2J'" as is; these
 * messages must name the same problem without the raw bytes.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "kdtest.h"

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'c' },
	{ "count-warning", required_argument, NULL, 256 },
	{ "no-color", no_argument, NULL, 'N' },
	{ "no-summary", no_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
#define OPTS	"c:hj"

/* Run getopt over argv until '?', then format its message into out. */
static const char *
first_error(char **argv, char *out, size_t len)
{
	int argc = 0, ch;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;	/* glibc: start over, including inside "-abc" */
	opterr = 0;
	out[0] = '\0';
	while ((ch = getopt_long(argc, argv, OPTS, longopts, NULL)) != -1)
		if (ch == '?') {
			kd_getopt_errstr(out, len, argv, OPTS, longopts);
			break;
		}
	return out;
}

int
main(void)
{
	char m[256];
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
		KDT_STREQ(first_error((char **)v[i].argv, m, sizeof(m)), v[i].want);

	/* kd_usage_msg escapes: run it into a file in place of stderr. */
	{
		char buf[256] = "";
		FILE *tmp = tmpfile(), *save = stderr;

		if (tmp == NULL)
			return 1;
		stderr = tmp;
		kd_usage_msg("kmsdiag-test", "port %s: %s", "1\x1b]0;t\x07\xe2\x80\xae", "invalid");
		stderr = save;
		rewind(tmp);
		if (fgets(buf, sizeof(buf), tmp) == NULL)
			buf[0] = '\0';
		fclose(tmp);
		KDT_STREQ(buf, "kmsdiag-test: port 1\\x1b]0;t\\x07\\u202e: invalid\n");
	}
	return KDT_DONE("test_cmdline");
}
