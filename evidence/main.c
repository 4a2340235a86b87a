/*
 * kmsdiag-evidence: parse (args.c), read, emit, verdict to exit status.
 * Everything else is in the other files of evidence/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "evidence.h"
#include "report.h"

#define PROG	EVIDENCE_TOOL

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " PROG " [-hjnvV] [--anonymize [--anon-key KEY]] [--csv]\n"
	    "       [--dns [-s server[:port]] | -z zonefile [-o origin]] [--now TIME]\n"
	    "       file ...\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "Read what the KMS host and its clients recorded, from files exported with\n"
	    "Windows' own commands, detected by content:\n"
	    "  event logs   wevtutil qe ... /f:text, /f:xml, /f:RenderedXml;\n"
	    "               Get-WinEvent | Export-Csv; Get-WinEvent | ConvertTo-Json\n"
	    "  slmgr.vbs /dlv (all), /dli;  ipconfig /all;  systeminfo\n"
	    "\n"
	    "      --anonymize     CMIDs and names as stable keyed hashes\n"
	    "      --anon-key KEY  the key of those hashes (default: a fixed one)\n"
	    "      --csv           the host log's client inventory as CSV, one row per\n"
	    "                      CMID and product\n"
	    "      --dns           ask DNS for _vlmcs._tcp in every domain the files name\n"
	    "                      (the client's suffixes, the host's domain)\n"
	    "  -h, --help          this help\n"
	    "  -j, --json          JSON Lines, one object per check\n"
	    "  -n, --nagios        one monitoring-plugins status line\n"
	    "      --now TIME      judge ages as of TIME (ISO 8601) instead of the clock\n"
	    "  -o, --origin DOMAIN the zone's name, with --zone\n"
	    "  -s, --server ADDR[:PORT]  with --dns: ask this server, not resolv.conf's\n"
	    "  -v, --verbose       print every fact\n"
	    "  -V, --version       print the version\n"
	    "  -z, --zone FILE     the same as --dns, from a zone file\n"
	    "\n"
	    "Exit status: 0 all OK, 1 warnings, 2 failures, 3 could not check, 64 usage\n"
	    "(3 with --nagios).\n"
	    "See kmsdiag-evidence(1), \"Collecting evidence on Windows\".\n");
}

/* --nagios: one status line, the worst check's summary, counts as perfdata. */
static void
emit_nagios(const struct kd_report *r)
{
	enum kd_verdict worst = kd_report_worst(r);
	const char *summary = NULL;
	char perf[96];
	size_t k;

	for (k = 0; k < r->n && summary == NULL; k++)
		if (r->checks[k].verdict == worst)
			summary = r->checks[k].summary;
	snprintf(perf, sizeof(perf), "checks=%zu fail=%zu warn=%zu", r->n,
	    kd_report_count(r, KD_V_FAIL), kd_report_count(r, KD_V_WARN));
	kd_emit_nagios(stdout, r, "KMS EVIDENCE", summary, perf);
}

static void
emit(const struct evidence_args *a, struct ev_set *set, const struct kd_report *r)
{
	struct kd_emit_opts eo;

	if (a->csv)
		ev_set_csv(set, stdout);
	else if (a->json)
		kd_emit_json(stdout, r);
	else if (a->nagios)
		emit_nagios(r);
	else {
		eo.color = kd_want_color(stdout);
		eo.verbose = a->verbose;
		kd_emit_text(stdout, r, &eo);
	}
}

static const struct kd_cli_tool tool = { PROG, help, usage, "KMS EVIDENCE" };

int
main(int argc, char *argv[])
{
	struct evidence_args a;
	struct kd_cli_err err;
	struct kd_report r;
	struct ev_set *set;
	size_t i;
	int act, ret;

	/* Parsed first: a usage error in --nagios mode depends on what it read. */
	act = evidence_parse_args(argc, argv, &a, &err);
	if ((ret = kd_cli_answer(act, &tool, a.nagios, &err)) >= 0)
		return ret;
	if ((set = ev_set_new(&a.o)) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	for (i = 0; i < a.o.nfiles; i++)
		ev_set_read(set, a.o.files[i]);
	if ((a.dns || a.zone != NULL) &&
	    ev_set_check_dns(set, a.server, a.zone, a.origin, err.msg, sizeof(err.msg)) == -1) {
		kd_cli_print(stderr, PROG, &err);	/* names the zone file */
		ev_set_free(set);
		return KD_EXIT_UNKNOWN;
	}
	kd_report_init(&r, PROG);
	ev_set_report(set, &r);
	emit(&a, set, &r);
	ev_set_free(set);
	if (r.oom)
		fprintf(stderr, PROG ": out of memory: some checks are missing\n");
	ret = r.oom ? KD_EXIT_UNKNOWN : (int)kd_report_worst(&r);
	kd_report_fini(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": stdout: %s\n", strerror(errno));
		return KD_EXIT_UNKNOWN;
	}
	return ret;
}
