/*
 * kmsdiag-probe: options, run, emit, exit status.  Everything else is in
 * the engine (sched.c, target.c, rpc.c, classify.c; see engine.h), verdict.c,
 * report.c and output.c (table and Nagios renderings).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "fileio.h"
#include "guid.h"
#include "loop.h"
#include "nagios.h"
#include "output.h"
#include "parse.h"
#include "probe.h"
#include "prom.h"
#include "report.h"
#include "srv.h"
#include "tables.h"
#include "textf.h"

#define PROG	"kmsdiag-probe"

static volatile sig_atomic_t interrupted;
static bool nagios_mode;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " PROG " [-46hjV] [-c range] [-f file] [-H host] [-n count]\n"
	    "                     [-p port] [-s server[:port]] [-t timeout] [-w range]\n"
	    "                     [--activate] [--count-critical range] [--count-warning range]\n"
	    "                     [--interval seconds] [--nagios] [--parallel n]\n"
	    "                     [--product name|sku] [--protocol 4|5|6] [--srv]\n"
	    "                     [--tcp-only] [host[:port] ... | domain ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Is the KMS host reachable, is it a KMS host, and what does it answer?\n\n"
	    "  -4, -6                   IPv4 or IPv6 addresses only\n"
	    "      --activate           send one activation request (stable CMID of this machine)\n"
	    "  -c, --critical RANGE     response time (s) that is CRITICAL\n"
	    "      --count-critical R   host count that is CRITICAL (default: below the threshold)\n"
	    "      --count-warning R    host count that is a WARNING\n"
	    "  -f, --file FILE          read targets from FILE, one per line ('-': stdin)\n"
	    "  -H, --hostname HOST      a target (repeatable), as HOST or HOST:PORT\n"
	    "  -h, --help               this help\n"
	    "      --interval SECONDS   time between attempts to one address (default 1)\n"
	    "  -j, --json               JSON Lines, one object per address\n"
	    "  -n, --count N            attempts per address (default 1)\n"
	    "      --nagios             monitoring-plugins output and exit status\n"
	    "      --output FILE        with --prometheus: write to FILE atomically\n"
	    "  -p, --port PORT          default port (default 1688)\n"
	    "      --parallel N         connections in flight at once (default: as many as\n"
	    "                           the descriptor limit allows)\n"
	    "      --prometheus         Prometheus metrics (text format) instead of the table\n"
	    "      --product NAME|SKU   product for --activate (default Windows 10/11 Enterprise);\n"
	    "                           --product list prints the products\n"
	    "      --protocol 4|5|6     KMS protocol version for --activate (default: the\n"
	    "                           product's, 4 for Windows 7 and Office 2010)\n"
	    "  -s, --server ADDR[:PORT] DNS server for --srv\n"
	    "      --srv                find hosts from _vlmcs._tcp.DOMAIN (arguments are domains)\n"
	    "  -t, --timeout SECONDS    deadline of each phase (default 3)\n"
	    "      --tcp-only           only connect, no RPC bind\n"
	    "  -V, --version            print the version\n"
	    "  -w, --warning RANGE      response time (s) that is a WARNING\n"
	    "\nRANGE: 10, 10:, ~:10, 10:20, @10:20 (monitoring-plugins syntax).\n"
	    "Exit: 0 ok, 1 warning, 2 a target failed, 3 unknown, 64 usage.\n");
}

/*
 * --prometheus: the run judged as one site, as metrics; to a file for
 * node_exporter's textfile collector (atomically) or stdout.
 */
static int
emit_prometheus(const struct probe *p, const char *file)
{
	struct kd_site site;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	struct kd_prom prom;
	char err[512], safe[512];
	int64_t now = (int64_t)time(NULL);
	int rc;

	/* Every result, judged as one site, as the table's verdicts are. */
	kd_site_init(&site);
	memset(&cl, 0, sizeof(cl));
	memset(&jo, 0, sizeof(jo));
	probe_site_fill(p, &site, now, NULL);
	jo.default_port = probe_opts_of(p)->default_port;
	jo.activation_asked = probe_opts_of(p)->activate;
	jo.now = now;
	kd_site_judge(&site, &jo, &cl);
	kd_prom_init(&prom);
	kd_prom_site(&prom, &site, &cl, (long long)now);
	rc = prom.oom || cl.oom || site.oom ? -1 :
	    kd_prom_write_file(file ? file : "-", &prom, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, PROG ": %s\n", prom.oom || cl.oom || site.oom ?
		    "out of memory" : kd_sanitize(err, safe, sizeof(safe)));
	kd_prom_fini(&prom);
	kd_checklist_fini(&cl);
	kd_site_fini(&site);
	return rc;
}

/* Usage errors: exit 64, or UNKNOWN (3) with a status line in --nagios mode. */
static int
fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail_usage(const char *fmt, ...)
{
	char raw[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages echo arguments, which may come from anywhere. */
	kd_sanitize(raw, msg, sizeof(msg));
	if (nagios_mode) {
		printf("KMS UNKNOWN - %s\n", msg);
		return KD_EXIT_UNKNOWN;
	}
	fprintf(stderr, PROG ": %s\n", msg);
	usage(stderr);
	return KD_EXIT_USAGE;
}

static bool
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out,
    const char **errstr)
{
	long long v = kd_parse_num(s, (long long)min, (long long)max, errstr);

	if (*errstr != NULL)
		return false;
	*out = (unsigned long)v;
	return true;
}

static bool
parse_secs(const char *s, double min, double max, unsigned *ms, const char **errstr)
{
	char *ep;
	double v;

	if ((*s < '0' || *s > '9') && *s != '.') {
		*errstr = "invalid";
		return false;
	}
	errno = 0;
	v = strtod(s, &ep);
	if (*ep != '\0' || !isfinite(v)) {
		*errstr = "invalid";
		return false;
	}
	if (v > max) {
		*errstr = "too large";
		return false;
	}
	if (v < min) {
		*errstr = "too small";
		return false;
	}
	*ms = (unsigned)llround(v * 1000.0);
	return true;
}

struct targets {
	char	**v;
	size_t	  n, cap;
};

static int
add_target(struct targets *t, const char *s)
{
	char *d;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nv = realloc(t->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		t->v = nv;
		t->cap = ncap;
	}
	if ((d = strdup(s)) == NULL)
		return -1;
	t->v[t->n++] = d;
	return 0;
}

/*
 * A target list is a regular file (or "-"), capped in size, with no line
 * longer than a host name could be: a long commented-out line is refused
 * with its number instead of having its tail probed.
 */
static int
read_targets(struct targets *t, const char *path, char *err, size_t errlen)
{
	struct kd_lines it;
	char *buf, *s, *e;
	size_t len;
	int rc, more;

	rc = strcmp(path, "-") == 0 ?
	    kd_read_fd(STDIN_FILENO, "-", KD_FILE_MAX_BYTES, &buf, &len, err, errlen) :
	    kd_read_regular(path, KD_FILE_MAX_BYTES, &buf, &len, err, errlen);
	if (rc != 0)
		return -1;
	kd_lines_init(&it, buf, len, path, KD_FILE_MAX_LINE);
	while ((more = kd_lines_next(&it, &s, err, errlen)) == 1) {
		while (*s == ' ' || *s == '\t')
			s++;
		if ((e = strchr(s, '#')) != NULL)
			*e = '\0';
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s != '\0' && add_target(t, s) != 0) {
			snprintf(err, errlen, "out of memory");
			more = -1;
			break;
		}
	}
	free(buf);
	return more == 0 ? 0 : -1;
}

static void
free_targets(struct targets *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

static int
emit_json(const struct kd_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		json_t *o = kd_check_to_json(rep, &rep->checks[i]);

		if (o == NULL)
			return -1;
		/* ms values are rounded to microseconds; print them without binary noise. */
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(9));
		fputc('\n', stdout);
		json_decref(o);
	}
	return ferror(stdout) ? -1 : 0;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	/* 1,000 targets in one timeout need 1,000 sockets at once. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

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

int
main(int argc, char **argv)
{
	struct probe_opts o;
	struct targets t = { NULL, 0, 0 };
	struct kd_report rep;
	struct kd_loop *loop = NULL;
	struct probe *p = NULL;
	const char *warn = NULL, *crit = NULL, *cwarn = NULL, *ccrit = NULL;
	const char *product = NULL, *dns_server = NULL, *errstr = NULL;
	const char *cmid_src = NULL;
	char ferr[512];
	bool json = false, srv = false, prometheus = false;
	const char *prom_file = NULL;
	unsigned long v;
	struct sigaction sa;
	size_t i;
	int ch, rc = KD_EXIT_UNKNOWN, status;

	for (i = 1; i < (size_t)argc; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			nagios_mode = true;
	probe_opts_init(&o);
	kd_report_init(&rep, PROG);

	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		switch (ch) {
		case '4':
			o.family = AF_INET;
			break;
		case '6':
			o.family = AF_INET6;
			break;
		case 'c':
			crit = optarg;
			break;
		case 'f':
			if (read_targets(&t, optarg, ferr, sizeof(ferr)) != 0) {
				rc = fail_usage("%s", ferr);
				goto out;
			}
			break;
		case 'H':
			if (add_target(&t, optarg) != 0)
				goto oom;
			break;
		case 'h':
			help();
			rc = KD_EXIT_OK;
			goto out;
		case 'j':
			json = true;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, PROBE_MAX_COUNT, &v, &errstr)) {
				rc = fail_usage("count %s: %s", optarg, errstr);
				goto out;
			}
			o.count = (unsigned)v;
			break;
		case 'p':
			if (!parse_uint(optarg, 1, 65535, &v, &errstr)) {
				rc = fail_usage("port %s: %s", optarg, errstr);
				goto out;
			}
			o.default_port = (uint16_t)v;
			break;
		case 's':
			dns_server = optarg;
			break;
		case 't':
			if (!parse_secs(optarg, 0.01, 3600, &o.timeout_ms, &errstr)) {
				rc = fail_usage("timeout %s: %s", optarg, errstr);
				goto out;
			}
			break;
		case 'V':
			printf(PROG " %s\n", KD_VERSION);
			rc = KD_EXIT_OK;
			goto out;
		case 'w':
			warn = optarg;
			break;
		case OPT_ACTIVATE:
			o.activate = true;
			break;
		case OPT_COUNT_CRIT:
			ccrit = optarg;
			break;
		case OPT_COUNT_WARN:
			cwarn = optarg;
			break;
		case OPT_INTERVAL:
			if (!parse_secs(optarg, 0, 3600, &o.interval_ms, &errstr)) {
				rc = fail_usage("interval %s: %s", optarg, errstr);
				goto out;
			}
			break;
		case OPT_NAGIOS:
			nagios_mode = true;
			break;
		case OPT_PROMETHEUS:
			prometheus = true;
			break;
		case OPT_OUTPUT:
			prom_file = optarg;
			break;
		case OPT_PARALLEL:
			if (!parse_uint(optarg, 1, PROBE_MAX_ADDRS, &v, &errstr)) {
				rc = fail_usage("parallel %s: %s", optarg, errstr);
				goto out;
			}
			o.parallel = (unsigned)v;
			break;
		case OPT_PRODUCT:
			product = optarg;
			break;
		case OPT_PROTOCOL:
			if (!parse_uint(optarg, 4, 6, &v, &errstr)) {
				rc = fail_usage("protocol %s: %s (4, 5 or 6)", optarg, errstr);
				goto out;
			}
			o.protocol = (unsigned)v;
			break;
		case OPT_SRV:
			srv = true;
			break;
		case OPT_TCP_ONLY:
			o.tcp_only = true;
			break;
		default:
			kd_getopt_errstr(ferr, sizeof(ferr), argv, OPTSTRING, longopts);
			rc = fail_usage("%s", ferr);
			goto out;
		}
	}
	argc -= optind;
	argv += optind;

	if (json && nagios_mode) {
		rc = fail_usage("cannot use --json and --nagios together");
		goto out;
	}
	if (prometheus && (json || nagios_mode)) {
		rc = fail_usage("--prometheus is an output of its own: not with --json or --nagios");
		goto out;
	}
	if (prom_file != NULL && !prometheus) {
		rc = fail_usage("--output is for --prometheus");
		goto out;
	}
	if (o.tcp_only && o.activate) {
		rc = fail_usage("cannot use --tcp-only and --activate together");
		goto out;
	}
	if (!kd_thresholds_set(&o.time_thr, warn, crit, &errstr)) {
		rc = fail_usage("response time threshold %s: %s", crit && !warn ? crit :
		    warn ? warn : "", errstr);
		goto out;
	}
	if (!kd_thresholds_set(&o.count_thr, cwarn, ccrit, &errstr)) {
		rc = fail_usage("count threshold: %s", errstr);
		goto out;
	}
	o.count_thr_set = cwarn != NULL || ccrit != NULL;
	if (o.count_thr_set && !o.activate) {
		rc = fail_usage("--count-warning and --count-critical need --activate");
		goto out;
	}
	if (product != NULL && strcmp(product, "list") == 0) {
		probe_product_list(stdout);
		rc = ferror(stdout) ? KD_EXIT_UNKNOWN : KD_EXIT_OK;
		goto out;
	}
	if (product != NULL && !o.activate) {
		rc = fail_usage("--product needs --activate");
		goto out;
	}
	if (product != NULL) {
		struct kd_guid g;

		o.product = kd_guid_parse(&g, product) ? kd_sku_find(&g) :
		    kd_sku_find_name(product);
		if (o.product == NULL) {
			const struct kd_sku *near[4];
			size_t nn = probe_product_suggest(product, near, 4);
			char clean[200], alt[600] = "";

			for (i = 0; i < nn; i++)
				kd_appendf(alt, sizeof(alt), "%s\"%s\"", i ? ", " : "", near[i]->name);
			rc = fail_usage("product %s: not in the product table%s%s%s "
			    "(--product list shows them all)", kd_sanitize(product, clean,
			    sizeof(clean)), nn ? "; did you mean " : "", alt, nn ? "?" : "");
			goto out;
		}
	}
	if (o.activate) {
		if (probe_machine_cmid("/etc/machine-id", &o.cmid))
			cmid_src = "/etc/machine-id";
		else if (probe_machine_cmid("/var/lib/dbus/machine-id", &o.cmid))
			cmid_src = "/var/lib/dbus/machine-id";
		else {
			rc = fail_usage("--activate: cannot read /etc/machine-id to derive "
			    "this machine's CMID");
			goto out;
		}
	}
	if (dns_server != NULL && !srv) {
		rc = fail_usage("-s/--server is for --srv");
		goto out;
	}
	if (!srv) {
		for (i = 0; i < (size_t)argc; i++)
			if (add_target(&t, argv[i]) != 0)
				goto oom;
		if (t.n == 0) {
			rc = fail_usage("no target given");
			goto out;
		}
	} else if (t.n > 0) {
		rc = fail_usage("with --srv the arguments are domains, not hosts");
		goto out;
	}

	raise_nofile();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if ((loop = kd_loop_new()) == NULL || (p = probe_new(&o, loop)) == NULL)
		goto oom;
	kd_loop_watch_flag(loop, &interrupted);
	if (srv) {
		char msg[256];

		if (probe_srv_add(p, loop, dns_server, (const char *const *)argv, (size_t)argc,
		    msg, sizeof(msg)) != 0) {
			rc = fail_usage("--srv: %s", msg);
			goto out;
		}
	}
	for (i = 0; i < t.n; i++) {
		if (probe_add_target(p, t.v[i], &errstr) != 0) {
			rc = fail_usage("%.300s: %s", t.v[i], errstr);
			goto out;
		}
	}
	if (probe_start(p) != 0 || kd_loop_run(loop) != 0) {
		if (nagios_mode)
			printf("KMS UNKNOWN - %s\n", strerror(errno));
		else
			fprintf(stderr, PROG ": %s\n", strerror(errno));
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	if (interrupted) {
		probe_cancel(p);
		if (!nagios_mode)
			fprintf(stderr, PROG ": interrupted\n");
	}
	probe_report(p, &rep);
	if (nagios_mode) {
		status = probe_emit_nagios(stdout, p, &rep);
		if (o.activate) {
			char g[KD_GUID_STRLEN];

			/* Long output (second line): the CMID this probe counts as. */
			printf("CMID %s (derived from %s)\n", kd_guid_format(&o.cmid, g),
			    cmid_src);
		}
		rc = interrupted ? KD_EXIT_UNKNOWN : status;
		goto out;
	}
	if (prometheus) {
		if (emit_prometheus(p, prom_file) != 0) {
			rc = KD_EXIT_UNKNOWN;
			goto out;
		}
	} else if (json)
		emit_json(&rep);
	else {
		if (o.activate) {
			char g[KD_GUID_STRLEN];

			printf("CMID %s (derived from %s; one stable client)\n",
			    kd_guid_format(&o.cmid, g), cmid_src);
		}
		probe_emit_table(stdout, p, kd_want_color(stdout));
	}
	rc = interrupted ? KD_EXIT_UNKNOWN : (int)kd_report_worst(&rep);
	if (rep.oom)
		rc = KD_EXIT_UNKNOWN;
	goto out;
oom:
	if (nagios_mode)
		printf("KMS UNKNOWN - out of memory\n");
	else
		fprintf(stderr, PROG ": out of memory\n");
	rc = KD_EXIT_UNKNOWN;
out:
	probe_free(p);
	kd_loop_free(loop);
	kd_report_fini(&rep);
	free_targets(&t);
	fflush(stdout);
	return rc;
}
