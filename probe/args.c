/* See args.h. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "fileio.h"
#include "guid.h"
#include "report.h"
#include "tables.h"
#include "textf.h"

enum {
	OPT_ACTIVATE = 256, OPT_COUNT_CRIT, OPT_COUNT_WARN, OPT_INTERVAL, OPT_NAGIOS,
	OPT_PARALLEL, OPT_PRODUCT, OPT_PROTOCOL, OPT_SRV, OPT_TCP_ONLY, OPT_PROMETHEUS,
	OPT_OUTPUT
};

#define OPTSTRING	"46c:f:H:hjn:p:s:t:Vw:"
static const struct option longopts[] = {
	{ "activate",		no_argument,		NULL, OPT_ACTIVATE },
	{ "count",		required_argument,	NULL, 'n' },
	{ "count-critical",	required_argument,	NULL, OPT_COUNT_CRIT },
	{ "count-warning",	required_argument,	NULL, OPT_COUNT_WARN },
	{ "critical",		required_argument,	NULL, 'c' },
	{ "file",		required_argument,	NULL, 'f' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "hostname",		required_argument,	NULL, 'H' },
	{ "interval",		required_argument,	NULL, OPT_INTERVAL },
	{ "json",		no_argument,		NULL, 'j' },
	{ "nagios",		no_argument,		NULL, OPT_NAGIOS },
	{ "output",		required_argument,	NULL, OPT_OUTPUT },
	{ "prometheus",		no_argument,		NULL, OPT_PROMETHEUS },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "port",		required_argument,	NULL, 'p' },
	{ "product",		required_argument,	NULL, OPT_PRODUCT },
	{ "protocol",		required_argument,	NULL, OPT_PROTOCOL },
	{ "server",		required_argument,	NULL, 's' },
	{ "srv",		no_argument,		NULL, OPT_SRV },
	{ "tcp-only",		no_argument,		NULL, OPT_TCP_ONLY },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "warning",		required_argument,	NULL, 'w' },
	{ NULL,			0,			NULL, 0 }
};

void
probe_args_init(struct probe_args *a)
{
	memset(a, 0, sizeof(*a));
	probe_opts_init(&a->o);
}

void
probe_args_fini(struct probe_args *a)
{
	size_t i;

	for (i = 0; i < a->ntargets; i++)
		free(a->targets[i]);
	free(a->targets);
	a->targets = NULL;
	a->ntargets = a->cap = 0;
}

static bool
add_target(struct probe_args *a, const char *s, struct kd_cli_err *err)
{
	char *d;

	if (a->ntargets == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		char **nv = realloc(a->targets, ncap * sizeof(*nv));

		if (nv == NULL)
			return kd_cli_fail(err, "out of memory");
		a->targets = nv;
		a->cap = ncap;
	}
	if ((d = strdup(s)) == NULL)
		return kd_cli_fail(err, "out of memory");
	a->targets[a->ntargets++] = d;
	return true;
}

/*
 * A target list is a regular file (or "-"), capped in size, with no line
 * longer than a host name could be: a long commented-out line is refused
 * with its number instead of having its tail probed.
 */
static bool
read_targets(struct probe_args *a, const char *path, struct kd_cli_err *err)
{
	struct kd_lines it;
	char *buf, *s, *e;
	size_t len;
	int rc, more;

	rc = strcmp(path, "-") == 0 ?
	    kd_read_fd(STDIN_FILENO, "-", KD_FILE_MAX_BYTES, &buf, &len, err->msg,
	    sizeof(err->msg)) :
	    kd_read_regular(path, KD_FILE_MAX_BYTES, &buf, &len, err->msg, sizeof(err->msg));
	if (rc != 0)
		return false;
	kd_lines_init(&it, buf, len, path, KD_FILE_MAX_LINE);
	while ((more = kd_lines_next(&it, &s, err->msg, sizeof(err->msg))) == 1) {
		while (*s == ' ' || *s == '\t')
			s++;
		if ((e = strchr(s, '#')) != NULL)
			*e = '\0';
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s != '\0' && !add_target(a, s, err)) {
			more = -1;
			break;
		}
	}
	free(buf);
	return more == 0;
}

bool
probe_args_product(const char *name, const struct kd_sku **out, struct kd_cli_err *err)
{
	const struct kd_sku *near[4], *sku;
	struct kd_guid g;
	char alt[600] = "";
	size_t i, nn;

	sku = kd_guid_parse(&g, name) ? kd_sku_find(&g) : kd_sku_find_name(name);
	if (sku != NULL) {
		*out = sku;
		return true;
	}
	nn = probe_product_suggest(name, near, 4);
	for (i = 0; i < nn; i++)
		kd_appendf(alt, sizeof(alt), "%s\"%s\"", i ? ", " : "", near[i]->name);
	return kd_cli_fail(err, "product %.200s: not in the product table%s%s%s "
	    "(kmsdiag-probe --product list shows them all)", name,
	    nn ? "; did you mean " : "", alt, nn ? "?" : "");
}

/* Option texts whose meaning depends on others, checked once all are read. */
struct later {
	const char	*warn, *crit, *cwarn, *ccrit, *product;
};

static bool
one_option(struct probe_args *a, int ch, char **argv, struct later *l,
    struct kd_cli_err *err)
{
	unsigned long v;

	switch (ch) {
	case '4':
	case '6':
		/* Both would silently mean the last one: say so instead. */
		if (a->o.family == (ch == '4' ? AF_INET6 : AF_INET))
			return kd_cli_fail(err, "cannot use -4 and -6 together");
		a->o.family = ch == '4' ? AF_INET : AF_INET6;
		return true;
	case 'c':
		l->crit = optarg;
		return true;
	case 'f':
		return read_targets(a, optarg, err);
	case 'H':
		return add_target(a, optarg, err);
	case 'j':
		a->json = true;
		return true;
	case 'n':
		if (!kd_cli_uint("count", optarg, 1, PROBE_MAX_COUNT, &v, err))
			return false;
		a->o.count = (unsigned)v;
		return true;
	case 'p':
		return kd_cli_port("port", optarg, &a->o.default_port, err);
	case 's':
		a->dns_server = optarg;
		return true;
	case 't':
		return kd_cli_secs("timeout", optarg, KD_CLI_TIMEOUT_MIN_MS,
		    PROBE_TIMEOUT_MAX_MS, &a->o.timeout_ms, err);
	case 'w':
		l->warn = optarg;
		return true;
	case OPT_ACTIVATE:
		a->o.activate = true;
		return true;
	case OPT_COUNT_CRIT:
		l->ccrit = optarg;
		return true;
	case OPT_COUNT_WARN:
		l->cwarn = optarg;
		return true;
	case OPT_INTERVAL:
		return kd_cli_secs("interval", optarg, 0, 3600000, &a->o.interval_ms, err);
	case OPT_PROMETHEUS:
		a->prometheus = true;
		return true;
	case OPT_OUTPUT:
		a->prom_file = optarg;
		return true;
	case OPT_PARALLEL:
		if (!kd_cli_uint("parallel", optarg, 1, PROBE_MAX_ADDRS, &v, err))
			return false;
		a->o.parallel = (unsigned)v;
		return true;
	case OPT_PRODUCT:
		l->product = optarg;
		return true;
	case OPT_PROTOCOL:
		if (!kd_cli_uint("protocol", optarg, 4, 6, &v, err))
			return false;
		a->o.protocol = (unsigned)v;
		return true;
	case OPT_SRV:
		a->srv = true;
		return true;
	case OPT_TCP_ONLY:
		a->o.tcp_only = true;
		return true;
	default:
		return kd_cli_getopt_fail(err, argv, OPTSTRING, longopts);
	}
}

/* The options together. */
static bool
combined(struct probe_args *a, const struct later *l, struct kd_cli_err *err)
{
	if (a->json && a->nagios)
		return kd_cli_fail(err, "cannot use --json and --nagios together");
	if (a->prometheus && (a->json || a->nagios))
		return kd_cli_fail(err, "--prometheus is an output of its own: not with "
		    "--json or --nagios");
	if (a->prom_file != NULL && !a->prometheus)
		return kd_cli_fail(err, "--output is for --prometheus");
	if (a->o.tcp_only && a->o.activate)
		return kd_cli_fail(err, "cannot use --tcp-only and --activate together");
	if (!kd_cli_thresholds("-w", l->warn, "-c", l->crit, &a->o.time_thr, err))
		return false;
	if (!kd_cli_thresholds("--count-warning", l->cwarn, "--count-critical", l->ccrit,
	    &a->o.count_thr, err))
		return false;
	a->o.count_thr_set = l->cwarn != NULL || l->ccrit != NULL;
	if (a->o.count_thr_set && !a->o.activate)
		return kd_cli_fail(err, "--count-warning and --count-critical need --activate");
	if (l->product != NULL && strcmp(l->product, "list") == 0) {
		a->product_list = true;
		return true;
	}
	if (l->product != NULL && !a->o.activate)
		return kd_cli_fail(err, "--product needs --activate");
	if (l->product != NULL && !probe_args_product(l->product, &a->o.product, err))
		return false;
	if (a->dns_server != NULL && !a->srv)
		return kd_cli_fail(err, "-s/--server is for --srv");
	return true;
}

int
probe_parse_args(int argc, char **argv, struct probe_args *a, struct kd_cli_err *err)
{
	struct later l;
	bool ok = true;
	int ch, i;

	memset(&l, 0, sizeof(l));
	kd_cli_reset();
	while ((ch = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		/* Read on after an error: a later --nagios still picks the output. */
		if (ch == OPT_NAGIOS)
			a->nagios = true;
		else if (!ok)
			continue;
		else if (ch == 'h')
			return KD_CLI_HELP;
		else if (ch == 'V')
			return KD_CLI_VERSION;
		else
			ok = one_option(a, ch, argv, &l, err);
	}
	if (!ok || !combined(a, &l, err))
		return KD_CLI_USAGE;
	if (a->product_list)
		return KD_CLI_RUN;
	if (a->srv) {
		if (a->ntargets > 0)
			return kd_cli_fail(err, "with --srv the arguments are domains, not "
			    "hosts"), KD_CLI_USAGE;
		a->domains = argv + optind;
		a->ndomains = (size_t)(argc - optind);
		return KD_CLI_RUN;
	}
	for (i = optind; i < argc; i++)
		if (!add_target(a, argv[i], err))
			return KD_CLI_USAGE;
	if (a->ntargets == 0)
		return kd_cli_fail(err, "no target given"), KD_CLI_USAGE;
	return KD_CLI_RUN;
}
