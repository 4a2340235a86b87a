/*
 * evidence_parse_args: kmsdiag-evidence's command line into struct
 * evidence_args without reading a file: values, refusals, texts.
 */
#include <string.h>

#include "../../evidence/args.h"
#include "kdargv.h"
#include "kdtest.h"

static int
parse(const char *line, struct evidence_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-evidence", line, &argv);

	err->msg[0] = '\0';
	return evidence_parse_args(argc, argv, a, err);
}

static const char *
refused(const char *line, struct evidence_args *a, struct kd_cli_err *err)
{
	if (parse(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct evidence_args a;
	struct kd_cli_err err;

	KDT_CHECK(parse("host.txt client.xml", &a, &err) == KD_CLI_RUN && a.o.nfiles == 2 &&
	    strcmp(a.o.files[1], "client.xml") == 0 && a.o.now == EV_TIME_UNKNOWN);
	KDT_CHECK(parse("--now 2026-12-06T09:00:00Z f", &a, &err) == KD_CLI_RUN &&
	    a.o.now == 1796547600);
	KDT_CHECK(parse("--anonymize --anon-key k --csv f", &a, &err) == KD_CLI_RUN &&
	    a.o.anonymize && strcmp(a.o.anon_key, "k") == 0 && a.csv);
	KDT_CHECK(parse("--dns -s 127.0.0.1:53 f", &a, &err) == KD_CLI_RUN && a.dns);
	KDT_CHECK(parse("-z corp.zone -o corp.test -n -v f", &a, &err) == KD_CLI_RUN &&
	    a.nagios && a.verbose && strcmp(a.origin, "corp.test") == 0);
	KDT_CHECK(parse("-h", &a, &err) == KD_CLI_HELP);
	KDT_CHECK(parse("-V f", &a, &err) == KD_CLI_VERSION);

	KDT_STREQ(refused("--now yesterday f", &a, &err),
	    "now yesterday: not a date (2026-12-06T09:00:00Z)");
	KDT_STREQ(refused("", &a, &err), "no file given");
	KDT_STREQ(refused("-j --csv f", &a, &err), "use only one of --json, --nagios and --csv");
	KDT_STREQ(refused("--anon-key k f", &a, &err), "--anon-key needs --anonymize");
	KDT_STREQ(refused("-z z --dns f", &a, &err), "cannot use --zone with --dns or --server");
	KDT_STREQ(refused("-s 1.2.3.4 f", &a, &err), "--server needs --dns");
	KDT_STREQ(refused("-o corp.test f", &a, &err), "--origin needs --zone");
	/* A bad server is refused even when no domain would be asked. */
	KDT_STREQ(refused("--dns -s 1.2.3.4:0 f", &a, &err), "server 1.2.3.4:0: bad port");
	KDT_STREQ(refused("--dns -s 1.2.3.4:x f", &a, &err), "server 1.2.3.4:x: bad port");
	KDT_STREQ(refused("--nowx 1 f", &a, &err), "unrecognized option '--nowx'");
	KDT_CHECK(!a.nagios);
	/* -n after the error: the usage error is a status line. */
	KDT_STREQ(refused("--now x f -n", &a, &err), "now x: not a date (2026-12-06T09:00:00Z)");
	KDT_CHECK(a.nagios);
	return KDT_DONE("test_evidence_args");
}
