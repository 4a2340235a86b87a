/*
 * kmsdiag-evidence: options in, evidence_run(), report out, verdict to
 * exit status.  Everything else is in the other files of evidence/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "evidence.h"
#include "report.h"

#define PROG	EVIDENCE_TOOL
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
	    "Exit status: 0 all OK, 1 warnings, 2 failures, 3 could not check, 64 usage.\n"
	    "See kmsdiag-evidence(1), \"Collecting evidence on Windows\".\n");
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

int
main(int argc, char *argv[])
{
	struct evidence_opts o;
	struct kd_emit_opts eo;
	struct kd_report r;
	struct ev_set *set = NULL;
	bool json = false, nagios = false, verbose = false, csv = false, dns = false;
	const char *server = NULL, *zone = NULL, *origin = NULL;
	char err[200];
	int ch, ret, i;

	evidence_opts_init(&o);
	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_ANON:
			o.anonymize = true;
			break;
		case OPT_ANON_KEY:
			o.anon_key = optarg;
			break;
		case OPT_CSV:
			csv = true;
			break;
		case OPT_DNS:
			dns = true;
			break;
		case 'o':
			origin = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'h':
			help();
			return KD_EXIT_OK;
		case 'j':
			json = true;
			break;
		case 'n':
			nagios = true;
			break;
		case OPT_NOW:
			if (!ev_parse_time(optarg, &o.now))
				usage_error("now %s: not a date (2026-12-06T09:00:00Z)", optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf(PROG " " KD_VERSION "\n");
			return KD_EXIT_OK;
		default:
			kd_getopt_error(PROG, argv, OPTSTRING, longopts);
			usage(stderr);
			return KD_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (json + nagios + csv > 1)
		usage_error("use only one of --json, --nagios and --csv");
	if (o.anon_key != NULL && !o.anonymize)
		usage_error("--anon-key needs --anonymize");
	if (argc == 0)
		usage_error("no file given");
	if (zone != NULL && (dns || server != NULL))
		usage_error("cannot use --zone with --dns or --server");
	if (server != NULL && !dns)
		usage_error("--server needs --dns");
	if (origin != NULL && zone == NULL)
		usage_error("--origin needs --zone");
	o.files = (const char *const *)argv;
	o.nfiles = (size_t)argc;

	kd_report_init(&r, PROG);
	if ((set = ev_set_new(&o)) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	for (i = 0; i < argc; i++)
		ev_set_read(set, argv[i]);
	if ((dns || zone != NULL) &&
	    ev_set_check_dns(set, server, zone, origin, err, sizeof(err)) == -1) {
		kd_usage_msg(PROG, "%s", err);	/* names the zone file */
		ev_set_free(set);
		kd_report_fini(&r);
		return KD_EXIT_UNKNOWN;
	}
	ev_set_report(set, &r);
	if (csv)
		ev_set_csv(set, stdout);
	else if (json)
		kd_emit_json(stdout, &r);
	else if (nagios) {
		enum kd_verdict worst = kd_report_worst(&r);
		const char *summary = NULL;
		char perf[96];

		for (size_t k = 0; k < r.n && summary == NULL; k++)
			if (r.checks[k].verdict == worst)
				summary = r.checks[k].summary;
		snprintf(perf, sizeof(perf), "checks=%zu fail=%zu warn=%zu", r.n,
		    kd_report_count(&r, KD_V_FAIL), kd_report_count(&r, KD_V_WARN));
		kd_emit_nagios(stdout, &r, "KMS EVIDENCE", summary, perf);
	} else {
		eo.color = kd_want_color(stdout);
		eo.verbose = verbose;
		kd_emit_text(stdout, &r, &eo);
	}
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
