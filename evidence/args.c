/* See args.h. */
#include <getopt.h>
#include <string.h>

#include "args.h"
#include "dnslookup.h"

#define OPTSTRING	"hjno:s:vVz:"

enum { OPT_ANON = 256, OPT_ANON_KEY, OPT_CSV, OPT_DNS, OPT_NOW };

static const struct option longopts[] = {
	{ "anon-key",	required_argument,	NULL, OPT_ANON_KEY },
	{ "anonymize",	no_argument,		NULL, OPT_ANON },
	{ "csv",	no_argument,		NULL, OPT_CSV },
	{ "dns",	no_argument,		NULL, OPT_DNS },
	{ "help",	no_argument,		NULL, 'h' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "nagios",	no_argument,		NULL, 'n' },
	{ "now",	required_argument,	NULL, OPT_NOW },
	{ "origin",	required_argument,	NULL, 'o' },
	{ "server",	required_argument,	NULL, 's' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "zone",	required_argument,	NULL, 'z' },
	{ NULL,		0,			NULL, 0 }
};

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct evidence_args *a = ctx;
	const char *errstr;
	char addr[64];
	uint16_t port;

	switch (ch) {
	case OPT_ANON:
		a->o.anonymize = true;
		return true;
	case OPT_ANON_KEY:
		a->o.anon_key = arg;
		return true;
	case OPT_CSV:
		a->csv = true;
		return true;
	case OPT_DNS:
		a->dns = true;
		return true;
	case 'o':
		a->origin = arg;
		return true;
	case 's':
		/* Refused here as dnscheck and doctor do, not only once a domain is asked. */
		if (!kd_dns_server_parse(arg, addr, sizeof(addr), &port, &errstr))
			return kd_cli_fail(err, "server %s: %s", arg, errstr);
		a->server = arg;
		return true;
	case 'z':
		a->zone = arg;
		return true;
	case 'j':
		a->json = true;
		return true;
	case 'n':
		a->nagios = true;
		return true;
	case OPT_NOW:
		if (!ev_parse_time(arg, &a->o.now))
			return kd_cli_fail(err, "now %s: not a date (2026-12-06T09:00:00Z)",
			    arg);
		return true;
	case 'v':
		a->verbose = true;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

static bool
combined(const struct evidence_args *a, struct kd_cli_err *err)
{
	if (a->json + a->nagios + a->csv > 1)
		return kd_cli_fail(err, "use only one of --json, --nagios and --csv");
	if (a->o.anon_key != NULL && !a->o.anonymize)
		return kd_cli_fail(err, "--anon-key needs --anonymize");
	if (a->o.nfiles == 0)
		return kd_cli_fail(err, "no file given");
	if (a->zone != NULL && (a->dns || a->server != NULL))
		return kd_cli_fail(err, "cannot use --zone with --dns or --server");
	if (a->server != NULL && !a->dns)
		return kd_cli_fail(err, "--server needs --dns");
	if (a->origin != NULL && a->zone == NULL)
		return kd_cli_fail(err, "--origin needs --zone");
	return true;
}

int
evidence_parse_args(int argc, char **argv, struct evidence_args *a, struct kd_cli_err *err)
{
	int rc;

	memset(a, 0, sizeof(*a));
	evidence_opts_init(&a->o);
	rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, a, err);
	/* --nagios after the bad option still asks for a status line. */
	if (rc == KD_CLI_USAGE && !a->nagios)
		a->nagios = kd_cli_given(argc, argv, OPTSTRING, longopts, 'n');
	if (rc != KD_CLI_RUN)
		return rc;
	a->o.files = (const char *const *)(argv + optind);
	a->o.nfiles = (size_t)(argc - optind);
	return combined(a, err) ? KD_CLI_RUN : KD_CLI_USAGE;
}
