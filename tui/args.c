/* See args.h. */
#include <getopt.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "../probe/probe.h"

#define OPTSTRING	"46d:f:H:hI:i:jn:o:p:Rr:S:s:t:Vz:Z:"
static const struct option longopts[] = {
	{ "activate",	no_argument,		NULL, 'A' },
	{ "domain",	required_argument,	NULL, 'd' },
	{ "evidence",	required_argument,	NULL, 'E' },
	{ "filter",	required_argument,	NULL, 'f' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "host",	required_argument,	NULL, 'H' },
	{ "interface",	required_argument,	NULL, 'i' },
	{ "interval",	required_argument,	NULL, 'I' },
	{ "iterations",	required_argument,	NULL, 'n' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "no-color",	no_argument,		NULL, 'C' },
	{ "origin",	required_argument,	NULL, 'o' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "read",	required_argument,	NULL, 'r' },
	{ "report",	no_argument,		NULL, 'R' },
	{ "resolv-conf", required_argument,	NULL, 'F' },
	{ "server",	required_argument,	NULL, 's' },
	{ "speed",	required_argument,	NULL, 'S' },
	{ "tick",	required_argument,	NULL, 'K' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "user",	required_argument,	NULL, 'Z' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "zone",	required_argument,	NULL, 'z' },
	{ NULL, 0, NULL, 0 }
};

/*
 * -S: a factor, not seconds: 0 (as fast as possible) to 10000, decimals
 * allowed.  Read as thousandths with the seconds parser, the same digits
 * rules.
 */
static bool
speed(const char *s, double *out, struct kd_cli_err *err)
{
	unsigned milli;

	if (!kd_cli_secs("speed", s, 0, 10000000, &milli, err))
		return kd_cli_fail(err, "speed %s: want a number from 0 to 10000", s);
	*out = milli / 1000.0;
	return true;
}

static bool
host(struct tui_opts *o, const char *s, struct kd_cli_err *err)
{
	const char *errstr;
	char name[256];
	uint16_t port;

	if (!probe_parse_target(s, PROBE_DEFAULT_PORT, name, sizeof(name), &port, &errstr))
		return kd_cli_fail(err, "host %s: %s", s, errstr);
	return kd_cli_push("hosts", s, o->hosts, &o->nhosts, TUI_MAX_ARGS, err);
}

/* What the loop learns besides the options themselves. */
struct parse {
	struct tui_opts	*o;
	bool		 speed_set, no_color;
};

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct parse *ps = ctx;
	struct tui_opts *o = ps->o;
	unsigned long v;
	int item;

	switch (ch) {
	case '4':
		o->family = AF_INET;
		return true;
	case '6':
		o->family = AF_INET6;
		return true;
	case 'A':
		o->activate = true;
		return true;
	case 'C':
		ps->no_color = true;
		return true;
	case 'd':
		return kd_cli_push("domains", arg, o->domains, &o->ndomains, TUI_MAX_ARGS,
		    err);
	case 'E':
		return kd_cli_push("evidence files", arg, o->evidence, &o->nevidence,
		    TUI_MAX_ARGS, err);
	case 'f':
		o->filter = arg;
		return true;
	case 'F':
		o->resolv_conf = arg;
		return true;
	case 'H':
		return host(o, arg, err);
	case 'I':
		return kd_cli_secs("interval", arg, 1000, 86400000, &o->interval_ms, err);
	case 'i':
		o->iface = arg;
		return true;
	case 'j':
		o->json = true;
		return true;
	case 'K':
		if ((item = tui_item_parse(arg)) < 0 || !tui_item_manual((enum tui_item)item))
			return kd_cli_fail(err, "--tick %s: only a manual item (domain) can be "
			    "ticked", arg);
		o->tick[item] = true;
		return true;
	case 'n':
		if (!kd_cli_uint("iterations", arg, 1, 1000000, &v, err))
			return false;
		o->iterations = (unsigned)v;
		return true;
	case 'o':
		o->origin = arg;
		return true;
	case 'p':
		if (o->nports == sizeof(o->ports) / sizeof(o->ports[0]))
			return kd_cli_fail(err, "too many ports (at most 16): %s", arg);
		if (!kd_cli_port("port", arg, &o->ports[o->nports], err))
			return false;
		o->nports++;
		return true;
	case 'R':
		o->report = true;
		return true;
	case 'r':
		o->file = arg;
		return true;
	case 'S':
		ps->speed_set = true;
		return speed(arg, &o->speed, err);
	case 's':
		o->server = arg;
		return true;
	case 't':
		return kd_cli_secs("timeout", arg, KD_CLI_TIMEOUT_MIN_MS, TUI_TIMEOUT_MAX_MS,
		    &o->timeout_ms, err);
	case 'z':
		o->zone = arg;
		return true;
	case 'Z':
		o->user = arg;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

static bool
combined(const struct tui_opts *o, struct kd_cli_err *err)
{
	if (o->iface != NULL && o->file != NULL)
		return kd_cli_fail(err, "cannot use -i and -r together");
	if (o->ndomains == 0 && o->nhosts == 0 && o->zone == NULL && o->file == NULL &&
	    o->iface == NULL && o->nevidence == 0)
		return kd_cli_fail(err, "nothing to check: give -d, -H, -z, -r, -i or "
		    "--evidence");
	if (o->json && !o->report)
		return kd_cli_fail(err, "--json needs --report");
	if (o->filter != NULL && o->iface == NULL && o->file == NULL)
		return kd_cli_fail(err, "-f applies to a capture (-i or -r)");
	if (o->user != NULL && o->iface == NULL)
		return kd_cli_fail(err, "-Z only applies to live capture (-i)");
	return true;
}

int
tui_parse_args(int argc, char **argv, struct tui_opts *o, struct kd_cli_err *err)
{
	struct parse ps = { o, false, false };
	int rc;

	memset(o, 0, sizeof(*o));
	o->speed = 1;
	if ((rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, &ps, err)) !=
	    KD_CLI_RUN)
		return rc;
	if (optind < argc)
		return kd_cli_fail(err, "unexpected argument %s", argv[optind]), KD_CLI_USAGE;
	if (!combined(o, err))
		return KD_CLI_USAGE;
	if (o->report && !ps.speed_set)
		o->speed = 0;
	/* A replay or a single DNS/probe round ends by itself; live capture does not. */
	if (o->report && o->iterations == 0 && o->iface == NULL)
		o->iterations = 1;
	o->color = !ps.no_color;
	return KD_CLI_RUN;
}
