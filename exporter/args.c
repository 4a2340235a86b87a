/* See args.h. */
#include <getopt.h>
#include <string.h>

#include "args.h"
#include "serve.h"

#define OPTSTRING	"c:hl:u:V"
static const struct option longopts[] = {
	{ "config",		required_argument,	NULL, 'c' },
	{ "check-config",	no_argument,		NULL, 'C' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "user",		required_argument,	NULL, 'u' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct exp_args *a = ctx;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *errstr = NULL;

	switch (ch) {
	case 'c':
		a->config = arg;
		return true;
	case 'C':
		a->check_only = true;
		return true;
	case 'l':
		if (exp_listen_parse(arg, &ss, &sslen, &errstr) != 0)
			return kd_cli_fail(err, "listen %s: %s", arg, errstr);
		a->listen = arg;
		return true;
	case 'u':
		a->user = arg;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

int
exp_parse_args(int argc, char **argv, struct exp_args *a, struct kd_cli_err *err)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->config = EXP_DEFAULT_CONFIG;
	if ((rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, a, err)) !=
	    KD_CLI_RUN)
		return rc;
	if (optind != argc)
		return kd_cli_fail(err, "unexpected argument %s", argv[optind]), KD_CLI_USAGE;
	return KD_CLI_RUN;
}
