/* See args.h. */
#include <getopt.h>
#include <string.h>

#include "args.h"

#define OPTSTRING	"B:c:f:hi:jlp:r:s:vVw:Z:"
static const struct option longopts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "interface", required_argument, NULL, 'i' },
	{ "port", required_argument, NULL, 'p' },
	{ "filter", required_argument, NULL, 'f' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'D' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "buffer", required_argument, NULL, 'B' },
	{ "write", required_argument, NULL, 'w' },
	{ "user", required_argument, NULL, 'Z' },
	{ "no-promisc", no_argument, NULL, 'P' },
	{ "speed", required_argument, NULL, 'X' },
	{ "line-buffered", no_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "no-summary", no_argument, NULL, 'S' },
	{ "prometheus", no_argument, NULL, 'Q' },
	{ "output", required_argument, NULL, 'O' },
	{ "max-flows", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* --duration: 30 days at most, so the milliseconds fit in an unsigned. */
#define DURATION_MAX_MS	(30u * 86400u * 1000u)

static bool
add_file(struct capture_args *a, const char *f, struct kd_cli_err *err)
{
	return kd_cli_push("files", f, a->files, &a->nfiles, CAPTURE_MAX_FILES, err);
}

/* The options that take a number. */
static bool
number_option(struct capture_args *a, int ch, const char *arg,
    struct kd_cli_err *err)
{
	unsigned long v;
	unsigned milli;

	switch (ch) {
	case 'p':
		if (a->opts.nports == CAPTURE_MAX_PORTS)
			return kd_cli_fail(err, "too many ports (at most %d): %s",
			    CAPTURE_MAX_PORTS, arg);
		if (!kd_cli_port("port", arg, &a->opts.ports[a->opts.nports], err))
			return false;
		a->opts.nports++;
		return true;
	case 'c':
		if (!kd_cli_uint("count", arg, 1, 2000000000UL, &v, err))
			return false;
		a->so.max_packets = v;
		return true;
	case 'D':
		return kd_cli_secs("duration", arg, KD_CLI_TIMEOUT_MIN_MS, DURATION_MAX_MS,
		    &a->so.duration_ms, err);
	case 's':
		if (!kd_cli_uint("snaplen", arg, 64, CAPSRC_DEFAULT_SNAPLEN, &v, err))
			return false;
		a->so.snaplen = (int)v;
		return true;
	case 'B':
		if (!kd_cli_uint("buffer", arg, 1, 2097152UL, &v, err))
			return false;
		a->so.buffer_kib = (int)v;
		return true;
	case 'X':
		/* A factor, read in thousandths with the seconds' digit rules. */
		if (!kd_cli_secs("speed", arg, 1, 1000000000u, &milli, err))
			return kd_cli_fail(err, "speed %s: want a number above 0 (at most "
			    "1000000, three decimals)", arg);
		a->so.speed = milli / 1000.0;
		return true;
	case 'M':
		if (!kd_cli_uint("max-flows", arg, 1, 1000000, &v, err))
			return false;
		a->opts.max_flows = v;
		return true;
	}
	return false;
}

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct capture_args *a = ctx;
	switch (ch) {
	case 'r':
		return add_file(a, arg, err);
	case 'i':
		if (arg[0] == '\0')
			return kd_cli_fail(err, "empty interface name");
		a->so.iface = arg;
		return true;
	case 'p': case 'c': case 'D': case 's': case 'B': case 'X': case 'M':
		return number_option(a, ch, arg, err);
	case 'f':
		a->so.filter = arg;
		return true;
	case 'w':
		a->so.write_file = arg;
		return true;
	case 'Z':
		if (arg[0] == '\0')
			return kd_cli_fail(err, "-Z needs a user name");
		a->user = arg;
		return true;
	case 'P':
		a->so.no_promisc = true;
		return true;
	case 'l':
		a->line_buffered = true;
		return true;
	case 'v':
		a->verbose = true;
		return true;
	case 'j':
		a->json = true;
		return true;
	case 'Q':
		a->prometheus = true;
		return true;
	case 'O':
		a->prom_file = arg;
		return true;
	case 'S':
		a->summary = false;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

static bool
combined(const struct capture_args *a, struct kd_cli_err *err)
{
	const struct capsrc_opts *so = &a->so;

	if (so->iface != NULL && a->nfiles > 0)
		return kd_cli_fail(err, "-i and -r exclude each other");
	if (so->iface == NULL && a->nfiles == 0)
		return kd_cli_fail(err, "no capture file given (-r FILE) and no interface "
		    "(-i IFACE)");
	if (so->iface == NULL && (so->snaplen || so->buffer_kib || a->user != NULL ||
	    so->no_promisc))
		return kd_cli_fail(err, "-s, -B, -Z and --no-promisc need -i");
	if (so->iface != NULL && so->speed > 0)
		return kd_cli_fail(err, "--speed is for files (-r)");
	/* The report goes to standard output. */
	if (so->write_file != NULL && strcmp(so->write_file, "-") == 0)
		return kd_cli_fail(err, "-w needs a file, not standard output");
	if (so->write_file != NULL && a->nfiles > 1)
		return kd_cli_fail(err, "-w takes one input");
	if (a->prometheus && a->json)
		return kd_cli_fail(err, "--prometheus and --json are two outputs: choose one");
	if (a->prom_file != NULL && !a->prometheus)
		return kd_cli_fail(err, "--output is for --prometheus");
	return true;
}

int
capture_parse_args(int argc, char **argv, struct capture_args *a, struct kd_cli_err *err)
{
	int rc, i;

	memset(a, 0, sizeof(*a));
	a->summary = true;
	if ((rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, a, err)) !=
	    KD_CLI_RUN)
		return rc;
	for (i = optind; i < argc; i++)
		if (!add_file(a, argv[i], err))
			return KD_CLI_USAGE;
	if (!combined(a, err))
		return KD_CLI_USAGE;
	a->so.ports = a->opts.ports;
	a->so.nports = a->opts.nports;
	return KD_CLI_RUN;
}
