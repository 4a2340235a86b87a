/*
 * kmsdiag-dnscheck: parse (args.c), dnscheck_run(), emit, verdict to exit
 * status.  Everything else is in dnscheck.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "dnscheck.h"
#include "dnslookup.h"
#include "prom.h"
#include "report.h"
#include "site.h"

#define PROG	"kmsdiag-dnscheck"

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
	    "                          phase, 0.01 to 60 (default %u)\n"
	    "      --tcp-only          with --probe: only connect, no RPC bind\n"
	    "      --ttl SECONDS       TTL the records must have (default %u)\n"
	    "  -v, --verbose           print every fact\n"
	    "  -V, --version           print the version\n"
	    "  -z, --zone FILE         check a zone file instead of asking a server\n"
	    "\n"
	    "Exit status: 0 all OK, 1 warnings, 2 failures, 3 could not check, 64 usage\n"
	    "(3 with --nagios).\n",
	    DNSCHECK_PORT, KD_DNS_TIMEOUT_DEFAULT / 1000, DNSCHECK_TTL);
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

/* --nagios: one status line, the worst check's summary, records and hosts as perfdata. */
static void
emit_nagios(const struct kd_report *r, bool probe)
{
	enum kd_verdict worst = kd_report_worst(r);
	size_t k, nrec = 0, nprobe = 0, nreach = 0;
	const char *summary = NULL;
	char line[sizeof(r->checks[0].subject) + sizeof(r->checks[0].summary) + 2];
	char perf[96];

	for (k = 0; k < r->n; k++) {
		const struct kd_check *c = &r->checks[k];

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
				snprintf(line, sizeof(line), "%s %s", c->subject, c->summary);
				summary = line;
			}
		}
	}
	if (probe)
		snprintf(perf, sizeof(perf), "records=%zu hosts_ok=%zu;;%zu:", nrec, nreach,
		    nprobe);
	else
		snprintf(perf, sizeof(perf), "records=%zu", nrec);
	kd_emit_nagios(stdout, r, "KMS DNS", summary, perf);
}

/* The report in the output asked for; -1 when --prometheus could not write. */
static int
emit(const struct dnscheck_args *a, const struct kd_report *r, struct kd_site *site)
{
	struct kd_emit_opts eo;

	if (a->prometheus)
		return emit_prometheus(r, site, a->o.zone_file != NULL, a->o.expect_port,
		    a->prom_file);
	if (a->json)
		kd_emit_json(stdout, r);
	else if (a->nagios)
		emit_nagios(r, a->o.probe);
	else {
		eo.color = kd_want_color(stdout);
		eo.verbose = a->verbose;
		kd_emit_text(stdout, r, &eo);
		dnscheck_print_corrections(stdout, r);
	}
	return 0;
}

static const struct kd_cli_tool tool = { PROG, help, usage, "KMS DNS" };

int
main(int argc, char *argv[])
{
	struct dnscheck_args a;
	struct kd_cli_err err;
	struct kd_report r;
	struct kd_site site;
	int act, ret;

	/* Parsed first: a usage error in --nagios mode depends on what it read. */
	act = dnscheck_parse_args(argc, argv, &a, &err);
	if ((ret = kd_cli_answer(act, &tool, a.nagios, &err)) >= 0)
		return ret;
	kd_report_init(&r, PROG);
	kd_site_init(&site);
	if (a.prometheus)
		a.o.site = &site;
	dnscheck_run(&a.o, &r);
	ret = emit(&a, &r, &site) != 0 || r.oom ? KD_EXIT_UNKNOWN :
	    (int)kd_report_worst(&r);
	if (r.oom)
		fprintf(stderr, PROG ": out of memory: some checks are missing\n");
	kd_report_fini(&r);
	kd_site_fini(&site);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": stdout: %s\n", strerror(errno));
		return KD_EXIT_UNKNOWN;
	}
	return ret;
}
