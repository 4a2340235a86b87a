/* See args.h. */
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "args.h"
#include "diag.h"
#include "dnslookup.h"

enum { OPT_TTL = 256, OPT_RESOLV, OPT_PROBE, OPT_TCP_ONLY, OPT_PROMETHEUS, OPT_OUTPUT };

#define OPTSTRING	"hjno:p:s:Tt:vVz:"
static const struct option longopts[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "nagios",	no_argument,		NULL, 'n' },
	{ "origin",	required_argument,	NULL, 'o' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "probe",	no_argument,		NULL, OPT_PROBE },
	{ "prometheus",	no_argument,		NULL, OPT_PROMETHEUS },
	{ "output",	required_argument,	NULL, OPT_OUTPUT },
	{ "resolv-conf", required_argument,	NULL, OPT_RESOLV },
	{ "server",	required_argument,	NULL, 's' },
	{ "tcp",	no_argument,		NULL, 'T' },
	{ "tcp-only",	no_argument,		NULL, OPT_TCP_ONLY },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "ttl",	required_argument,	NULL, OPT_TTL },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "zone",	required_argument,	NULL, 'z' },
	{ NULL,		0,			NULL, 0 }
};

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct dnscheck_args *a = ctx;
	struct dnscheck_opts *o = &a->o;
	const char *errstr;
	char addr[64];
	uint16_t port;
	unsigned long v;

	switch (ch) {
	case 'j':
		a->json = true;
		return true;
	case 'n':
		a->nagios = true;
		return true;
	case 'o':
		o->origin = arg;
		return true;
	case 'p':
		return kd_cli_port("port", arg, &o->expect_port, err);
	case OPT_PROMETHEUS:
		a->prometheus = true;
		return true;
	case OPT_OUTPUT:
		a->prom_file = arg;
		return true;
	case OPT_PROBE:
		o->probe = true;
		return true;
	case OPT_RESOLV:
		o->resolv_conf = arg;
		return true;
	case OPT_TCP_ONLY:
		o->probe_tcp_only = true;
		return true;
	case 's':
		if (!kd_dns_server_parse(arg, addr, sizeof(addr), &port, &errstr))
			return kd_cli_fail(err, "server %s: %s", arg, errstr);
		o->server = arg;
		return true;
	case 'T':
		o->tcp = true;
		return true;
	case 't':
		return kd_cli_secs("timeout", arg, KD_CLI_TIMEOUT_MIN_MS, KD_DNS_TIMEOUT_MAX,
		    &o->timeout_ms, err);
	case OPT_TTL:
		if (!kd_cli_uint("ttl", arg, 0, INT32_MAX, &v, err))
			return false;
		o->expect_ttl = (uint32_t)v;
		return true;
	case 'v':
		a->verbose = true;
		return true;
	case 'z':
		o->zone_file = arg;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

/* "domain NAME: why", the name cut at 80 characters. */
static bool
bad_name(const char *what, const char *name, const char *why, struct kd_cli_err *err)
{
	return kd_cli_fail(err, "%s %.80s%s: %s", what, name, strlen(name) > 80 ? "..." : "",
	    why);
}

static bool
combined(const struct dnscheck_args *a, struct kd_cli_err *err)
{
	const struct dnscheck_opts *o = &a->o;
	struct kd_diag diag;
	size_t i;

	if (a->json && a->nagios)
		return kd_cli_fail(err, "cannot use --json and --nagios");
	if (a->prometheus && (a->json || a->nagios))
		return kd_cli_fail(err, "--prometheus is an output of its own: not with "
		    "--json or --nagios");
	if (a->prom_file != NULL && !a->prometheus)
		return kd_cli_fail(err, "--output is for --prometheus");
	if (o->zone_file != NULL && o->server != NULL)
		return kd_cli_fail(err, "cannot use --zone and --server");
	if (o->zone_file != NULL && o->tcp)
		return kd_cli_fail(err, "cannot use --zone and --tcp");
	if (o->origin != NULL && o->zone_file == NULL)
		return kd_cli_fail(err, "--origin needs --zone");
	if (o->probe_tcp_only && !o->probe)
		return kd_cli_fail(err, "--tcp-only needs --probe");
	if (o->origin != NULL && kd_dns_name_check(o->origin, &diag) != KD_OK)
		return bad_name("origin", o->origin, diag.msg, err);
	for (i = 0; i < o->ndomains; i++) {
		char q[KD_DNS_TEXT_MAX];

		if (kd_dns_vlmcs_name(o->domains[i], q, sizeof(q), &diag) != KD_OK)
			return bad_name("domain", o->domains[i], diag.msg, err);
	}
	return true;
}

int
dnscheck_parse_args(int argc, char **argv, struct dnscheck_args *a, struct kd_cli_err *err)
{
	int rc;

	memset(a, 0, sizeof(*a));
	dnscheck_opts_init(&a->o);
	rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, a, err);
	/* --nagios after the bad option still asks for a status line. */
	if (rc == KD_CLI_USAGE && !a->nagios)
		a->nagios = kd_cli_given(argc, argv, OPTSTRING, longopts, 'n');
	if (rc != KD_CLI_RUN)
		return rc;
	a->o.domains = (const char *const *)(argv + optind);
	a->o.ndomains = (size_t)(argc - optind);
	return combined(a, err) ? KD_CLI_RUN : KD_CLI_USAGE;
}
