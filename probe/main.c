/*
 * kmsdiag-probe: parse (args.c), run, emit, exit status.  Everything else
 * is in the engine (sched.c, target.c, rpc.c, classify.c; see engine.h),
 * verdict.c, report.c, probesite.c and output.c (table and Nagios renderings).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "guid.h"
#include "loop.h"
#include "output.h"
#include "probe.h"
#include "probesite.h"
#include "prom.h"
#include "report.h"
#include "srv.h"

#define PROG	"kmsdiag-probe"

static volatile sig_atomic_t interrupted;

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
	    "                     [--prometheus [--output file]]\n"
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
	    "  -t, --timeout SECONDS    deadline of each phase, 0.01 to 3600 (default 3)\n"
	    "      --tcp-only           only connect, no RPC bind\n"
	    "  -V, --version            print the version\n"
	    "  -w, --warning RANGE      response time (s) that is a WARNING\n"
	    "\nRANGE: 10, 10:, ~:10, 10:20, @10:20 (monitoring-plugins syntax).\n"
	    "Exit: 0 ok, 1 warning, 2 a target failed, 3 unknown, 64 usage (3 with --nagios).\n");
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
	struct kd_prom prom;
	char err[512], safe[512];
	int64_t now = (int64_t)time(NULL);
	int rc;

	kd_site_init(&site);
	memset(&cl, 0, sizeof(cl));
	kd_prom_init(&prom);
	rc = probe_site_judge(p, &site, &cl, now);
	if (rc == 0)
		kd_prom_site(&prom, &site, &cl, (long long)now);
	rc = rc != 0 || prom.oom ? -1 :
	    kd_prom_write_file(file ? file : "-", &prom, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, PROG ": %s\n", prom.oom || cl.oom || site.oom ?
		    "out of memory" : kd_sanitize(err, safe, sizeof(safe)));
	kd_prom_fini(&prom);
	kd_checklist_fini(&cl);
	kd_site_fini(&site);
	return rc;
}

static const struct kd_cli_tool tool = { PROG, help, usage, "KMS" };

/* Usage errors: exit 64, or UNKNOWN (3) with a status line in --nagios mode. */
static int
fail_usage(const struct probe_args *a, const struct kd_cli_err *err)
{
	return kd_cli_answer(KD_CLI_USAGE, &tool, a->nagios, err);
}

/* A run-time failure, on the channel the output mode reads. */
static int
fail_run(const struct probe_args *a, const char *msg)
{
	if (a->nagios)
		printf("KMS UNKNOWN - %s\n", msg);
	else
		fprintf(stderr, PROG ": %s\n", msg);
	return KD_EXIT_UNKNOWN;
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

/* --activate: this machine's stable CMID; the file it came from, or NULL. */
static const char *
machine_cmid(struct probe_opts *o)
{
	if (probe_machine_cmid("/etc/machine-id", &o->cmid))
		return "/etc/machine-id";
	if (probe_machine_cmid("/var/lib/dbus/machine-id", &o->cmid))
		return "/var/lib/dbus/machine-id";
	return NULL;
}

/* The targets and --srv domains into the engine, then run until done. */
static int
run(struct probe_args *a, struct probe *p, struct kd_loop *loop, struct kd_cli_err *err)
{
	const char *errstr = NULL;
	char msg[256];
	size_t i;

	if (a->srv && probe_srv_add(p, loop, a->dns_server, (const char *const *)a->domains,
	    a->ndomains, msg, sizeof(msg)) != 0)
		return kd_cli_fail(err, "--srv: %s", msg), KD_CLI_USAGE;
	for (i = 0; i < a->ntargets; i++)
		if (probe_add_target(p, a->targets[i], &errstr) != 0)
			return kd_cli_fail(err, "%.300s: %s", a->targets[i], errstr),
			    KD_CLI_USAGE;
	if (probe_start(p) != 0 || kd_loop_run(loop) != 0)
		return -2;
	if (interrupted) {
		probe_cancel(p);
		if (!a->nagios)
			fprintf(stderr, PROG ": interrupted\n");
	}
	return 0;
}

static int
emit(const struct probe_args *a, const struct probe *p, const struct kd_report *rep,
    const char *cmid_src)
{
	char g[KD_GUID_STRLEN];
	int status;

	if (a->nagios) {
		status = probe_emit_nagios(stdout, p, rep);
		/* Long output (second line): the CMID this probe counts as. */
		if (a->o.activate)
			printf("CMID %s (derived from %s)\n", kd_guid_format(&a->o.cmid, g),
			    cmid_src);
		return interrupted ? KD_EXIT_UNKNOWN : status;
	}
	if (a->prometheus) {
		if (emit_prometheus(p, a->prom_file) != 0)
			return KD_EXIT_UNKNOWN;
	} else if (a->json)
		emit_json(rep);
	else {
		if (a->o.activate)
			printf("CMID %s (derived from %s; one stable client)\n",
			    kd_guid_format(&a->o.cmid, g), cmid_src);
		probe_emit_table(stdout, p, kd_want_color(stdout));
	}
	return interrupted || rep->oom ? KD_EXIT_UNKNOWN : (int)kd_report_worst(rep);
}

int
main(int argc, char **argv)
{
	struct probe_args a;
	struct kd_cli_err err;
	struct kd_report rep;
	struct kd_loop *loop = NULL;
	struct probe *p = NULL;
	struct sigaction sa;
	const char *cmid_src = NULL;
	int act, rc;

	probe_args_init(&a);
	kd_report_init(&rep, PROG);
	/* Parsed first: a usage error in --nagios mode depends on what it read. */
	act = probe_parse_args(argc, argv, &a, &err);
	if ((rc = kd_cli_answer(act, &tool, a.nagios, &err)) >= 0)
		goto out;
	if (a.product_list) {
		probe_product_list(stdout);
		rc = ferror(stdout) ? KD_EXIT_UNKNOWN : KD_EXIT_OK;
		goto out;
	}
	if (a.o.activate && (cmid_src = machine_cmid(&a.o)) == NULL) {
		kd_cli_fail(&err, "--activate: cannot read /etc/machine-id to derive "
		    "this machine's CMID");
		rc = fail_usage(&a, &err);
		goto out;
	}

	raise_nofile();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((loop = kd_loop_new()) == NULL || (p = probe_new(&a.o, loop)) == NULL) {
		rc = fail_run(&a, "out of memory");
		goto out;
	}
	kd_loop_watch_flag(loop, &interrupted);
	if ((rc = run(&a, p, loop, &err)) != 0) {
		rc = rc == KD_CLI_USAGE ? fail_usage(&a, &err) : fail_run(&a, strerror(errno));
		goto out;
	}
	probe_report(p, &rep);
	rc = emit(&a, p, &rep, cmid_src);
out:
	probe_free(p);
	kd_loop_free(loop);
	kd_report_fini(&rep);
	probe_args_fini(&a);
	fflush(stdout);
	return rc;
}
