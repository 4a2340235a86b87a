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

int
exp_parse_args(int argc, char **argv, struct exp_args *a, struct kd_cli_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *errstr = NULL;
	int ch;

	memset(a, 0, sizeof(*a));
	a->config = EXP_DEFAULT_CONFIG;
	kd_cli_reset();
	while ((ch = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case 'C':
			a->check_only = true;
			break;
		case 'h':
			return KD_CLI_HELP;
		case 'l':
			if (exp_listen_parse(optarg, &ss, &sslen, &errstr) != 0)
				return kd_cli_fail(err, "listen %s: %s", optarg, errstr),
				    KD_CLI_USAGE;
			a->listen = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'V':
			return KD_CLI_VERSION;
		default:
			return kd_cli_getopt_fail(err, argv, OPTSTRING, longopts), KD_CLI_USAGE;
		}
	}
	if (optind != argc)
		return kd_cli_fail(err, "unexpected argument %s", argv[optind]), KD_CLI_USAGE;
	return KD_CLI_RUN;
}
