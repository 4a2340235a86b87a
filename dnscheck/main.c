/*
 * kmsdiag-dnscheck: options in, dnscheck_run(), report out, verdict to
 * exit status.  Everything else is in dnscheck.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "diag.h"
#include "dnscheck.h"
#include "dnslookup.h"
#include "parse.h"
#include "prom.h"
#include "report.h"
#include "site.h"

#define PROG	"kmsdiag-dnscheck"

enum { OPT_TTL = 256, OPT_RESOLV, OPT_PROBE, OPT_TCP_ONLY, OPT_PROMETHEUS, OPT_OUTPUT };

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

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " PROG " [-hjnTvV] [-o origin] [-p port] [-s server[:port]]\n"
	    "       [-t timeout] [--probe [--tcp-only]] [--resolv-conf file]\n"
	    "       [--ttl seconds] [--prometheus [--output file]] [-z zonefile]\n"
	    "       [domain ...]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Check the _vlmcs._tcp SRV records KMS clients use to find their host.\n"
	    "Without a domain, the search/domain list of resolv.conf is checked.\n"
	    "\n"
	    "  -h, --help              this help\n"
	    "  -j, --json              JSON Lines, one object per check\n"
	    "  -n, --nagios            one monitoring-plugins status line\n"
	    "  -o, --origin DOMAIN     the zone's name, with --zone\n"
	    "      --output FILE       with --prometheus: write to FILE atomically\n"
	    "  -p, --port PORT         port the records must give (default %u)\n"
	    "      --probe             then probe every SRV target address at the\n"
	    "                          record's port: TCP connect and DCE/RPC bind\n"
	    "      --prometheus        Prometheus metrics (text format) instead\n"
	    "      --resolv-conf FILE  read FILE instead of /etc/resolv.conf\n"
	    "  -s, --server ADDR[:PORT] ask this server (default: the system resolver)\n"
	    "  -T, --tcp               query over TCP only\n"
	    "  -t, --timeout SECONDS   deadline of each domain's lookups, and of each probe\n"
	    "                          phase (default %u)\n"
	    "      --tcp-only          with --probe: only connect, no RPC bind\n"
	    "      --ttl SECONDS       TTL the records must have (default %u)\n"
	    "  -v, --verbose           print every fact\n"
	    "  -V, --version           print the version\n"
	    "  -z, --zone FILE         check a zone file instead of asking a server\n"
	    "\n"
	    "Exit status: 0 all OK, 1 warnings, 2 failures, 3 could not check, 64 usage.\n",
	    DNSCHECK_PORT, KD_DNS_TIMEOUT_DEFAULT / 1000, DNSCHECK_TTL);
}

static void usage_error(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kd_usage_vmsg(PROG, fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(KD_EXIT_USAGE);
}

/*
 * --prometheus: the records and (with --probe) what answers at their
 * targets, judged, as metrics; to a file atomically or to stdout.
 */
static int
emit_prometheus(const struct kd_report *r, struct kd_site *site, bool zone,
    uint16_t port, const char *file)
{
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	struct kd_prom p;
	char err[512], safe[512];
	int rc;

	dnscheck_site(site, r, zone);
	memset(&jo, 0, sizeof(jo));
	jo.default_port = port;
	memset(&cl, 0, sizeof(cl));
	kd_site_judge(site, &jo, &cl);
	kd_prom_init(&p);
	kd_prom_site(&p, site, &cl, 0);
	rc = p.oom || cl.oom ? -1 : kd_prom_write_file(file ? file : "-", &p, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, PROG ": %s\n", p.oom || cl.oom ? "out of memory" :
		    kd_sanitize(err, safe, sizeof(safe)));
	kd_prom_fini(&p);
	kd_checklist_fini(&cl);
	return rc;
}

static long long
num_arg(const char *what, const char *s, long long min, long long max)
{
	const char *errstr;
	long long v = kd_parse_num(s, min, max, &errstr);

	if (errstr != NULL)
		usage_error("%s %s: %s", what, s, errstr);
	return v;
}

int
main(int argc, char *argv[])
{
	struct dnscheck_opts o;
	struct kd_emit_opts eo;
	struct kd_report r;
	struct kd_diag diag;
	char addr[64], perf[96];
	const char *errstr;
	uint16_t port;
	bool json = false, nagios = false, verbose = false, prometheus = false;
	bool prom_failed = false;
	const char *prom_file = NULL;
	struct kd_site site;
	int ch, i, ret;

	dnscheck_opts_init(&o);
	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, "hjno:p:s:Tt:vVz:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			return KD_EXIT_OK;
		case 'j':
			json = true;
			break;
		case 'n':
			nagios = true;
			break;
		case 'o':
			o.origin = optarg;
			break;
		case 'p':
			o.expect_port = (uint16_t)num_arg("port", optarg, 1, 65535);
			break;
		case OPT_PROMETHEUS:
			prometheus = true;
			break;
		case OPT_OUTPUT:
			prom_file = optarg;
			break;
		case OPT_PROBE:
			o.probe = true;
			break;
		case OPT_RESOLV:
			o.resolv_conf = optarg;
			break;
		case OPT_TCP_ONLY:
			o.probe_tcp_only = true;
			break;
		case 's':
			if (!kd_dns_server_parse(optarg, addr, sizeof(addr), &port, &errstr))
				usage_error("server %s: %s", optarg, errstr);
			o.server = optarg;
			break;
		case 'T':
			o.tcp = true;
			break;
		case 't':
			o.timeout_ms = (unsigned)num_arg("timeout", optarg, 1,
			    KD_DNS_TIMEOUT_MAX / 1000) * 1000;
			break;
		case OPT_TTL:
			o.expect_ttl = (uint32_t)num_arg("ttl", optarg, 0, INT32_MAX);
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf(PROG " " KD_VERSION "\n");
			return KD_EXIT_OK;
		case 'z':
			o.zone_file = optarg;
			break;
		default:
			kd_getopt_error(PROG, argv, "hjno:p:s:Tt:vVz:", longopts);
			usage(stderr);
			return KD_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;

	if (json && nagios)
		usage_error("cannot use --json and --nagios");
	if (prometheus && (json || nagios))
		usage_error("--prometheus is an output of its own: not with --json or --nagios");
	if (prom_file != NULL && !prometheus)
		usage_error("--output is for --prometheus");
	if (o.zone_file != NULL && o.server != NULL)
		usage_error("cannot use --zone and --server");
	if (o.zone_file != NULL && o.tcp)
		usage_error("cannot use --zone and --tcp");
	if (o.origin != NULL && o.zone_file == NULL)
		usage_error("--origin needs --zone");
	if (o.probe_tcp_only && !o.probe)
		usage_error("--tcp-only needs --probe");
	if (o.origin != NULL && kd_dns_name_check(o.origin, &diag) != KD_OK)
		usage_error("origin %.80s%s: %s", o.origin,
		    strlen(o.origin) > 80 ? "..." : "", diag.msg);
	for (i = 0; i < argc; i++) {
		char q[KD_DNS_TEXT_MAX];

		if (kd_dns_vlmcs_name(argv[i], q, sizeof(q), &diag) != KD_OK)
			usage_error("domain %.80s%s: %s", argv[i],
			    strlen(argv[i]) > 80 ? "..." : "", diag.msg);
	}
	o.domains = (const char *const *)argv;
	o.ndomains = (size_t)argc;

	kd_report_init(&r, PROG);
	kd_site_init(&site);
	if (prometheus)
		o.site = &site;
	dnscheck_run(&o, &r);

	if (prometheus) {
		if (emit_prometheus(&r, &site, o.zone_file != NULL, o.expect_port,
		    prom_file) != 0)
			prom_failed = true;
	} else if (json)
		kd_emit_json(stdout, &r);
	else if (nagios) {
		enum kd_verdict worst = kd_report_worst(&r);
		size_t nrec = 0, nprobe = 0, nreach = 0;
		const char *summary = NULL;
		char line[sizeof(r.checks[0].subject) + sizeof(r.checks[0].summary) + 2];

		for (size_t k = 0; k < r.n; k++) {
			const struct kd_check *c = &r.checks[k];

			if (strcmp(c->id, "srv_exists") == 0 && c->verdict == KD_V_OK) {
				json_t *a = json_object_get(c->facts, "records");

				nrec += json_array_size(a);
			}
			if (strcmp(c->id, "probe.target") == 0) {
				nprobe++;
				if (c->verdict == KD_V_OK)
					nreach++;
			}
			/* A probe summary does not name its address: prefix it. */
			if (summary == NULL && c->verdict == worst) {
				summary = c->summary;
				if (strcmp(c->id, "probe.target") == 0) {
					snprintf(line, sizeof(line), "%s %s", c->subject,
					    c->summary);
					summary = line;
				}
			}
		}
		if (o.probe)
			snprintf(perf, sizeof(perf), "records=%zu hosts_ok=%zu;;%zu:", nrec,
			    nreach, nprobe);
		else
			snprintf(perf, sizeof(perf), "records=%zu", nrec);
		kd_emit_nagios(stdout, &r, "KMS DNS", summary, perf);
	} else {
		eo.color = kd_want_color(stdout);
		eo.verbose = verbose;
		kd_emit_text(stdout, &r, &eo);
		dnscheck_print_corrections(stdout, &r);
	}
	if (r.oom)
		fprintf(stderr, PROG ": out of memory: some checks are missing\n");
	ret = r.oom || prom_failed ? KD_EXIT_UNKNOWN : (int)kd_report_worst(&r);
	kd_report_fini(&r);
	kd_site_fini(&site);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": stdout: %s\n", strerror(errno));
		return KD_EXIT_UNKNOWN;
	}
	return ret;
}
