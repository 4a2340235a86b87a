/*
 * dnscheck_parse_args: kmsdiag-dnscheck's command line into struct
 * dnscheck_args without running a check: values, edges, refusals, texts.
 */
#include <string.h>

#include "../../dnscheck/args.h"
#include "dnslookup.h"
#include "kdargv.h"
#include "kdtest.h"

static int
parse(const char *line, struct dnscheck_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-dnscheck", line, &argv);

	err->msg[0] = '\0';
	return dnscheck_parse_args(argc, argv, a, err);
}

static const char *
refused(const char *line, struct dnscheck_args *a, struct kd_cli_err *err)
{
	if (parse(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct dnscheck_args a;
	struct kd_cli_err err;

	/* -t is decimal seconds, as in every tool. */
	KDT_CHECK(parse("-t 1.5 corp.test", &a, &err) == KD_CLI_RUN && a.o.timeout_ms == 1500);
	KDT_CHECK(a.o.ndomains == 1 && strcmp(a.o.domains[0], "corp.test") == 0);
	KDT_CHECK(parse("", &a, &err) == KD_CLI_RUN && a.o.ndomains == 0 &&
	    a.o.timeout_ms == KD_DNS_TIMEOUT_DEFAULT);
	KDT_CHECK(parse("-t 0.01 -p 1 --ttl 0 x.test", &a, &err) == KD_CLI_RUN &&
	    a.o.timeout_ms == 10 && a.o.expect_port == 1 && a.o.expect_ttl == 0);
	KDT_CHECK(parse("-t 60 -p 65535 --ttl 2147483647 x.test", &a, &err) == KD_CLI_RUN &&
	    a.o.timeout_ms == 60000 && a.o.expect_port == 65535);
	KDT_CHECK(parse("-z corp.zone -o corp.test -v", &a, &err) == KD_CLI_RUN &&
	    a.verbose && strcmp(a.o.zone_file, "corp.zone") == 0);
	KDT_CHECK(parse("--probe --tcp-only -T -s 127.0.0.1:5353 a.test b.test", &a, &err) ==
	    KD_CLI_RUN && a.o.probe && a.o.probe_tcp_only && a.o.tcp && a.o.ndomains == 2);
	KDT_CHECK(parse("--prometheus --output f.prom x.test", &a, &err) == KD_CLI_RUN &&
	    a.prometheus);
	KDT_CHECK(parse("-n x.test", &a, &err) == KD_CLI_RUN && a.nagios);
	KDT_CHECK(parse("--bogus -h", &a, &err) == KD_CLI_USAGE);
	KDT_CHECK(parse("-h --bogus", &a, &err) == KD_CLI_HELP);
	KDT_CHECK(parse("--version", &a, &err) == KD_CLI_VERSION);

	KDT_STREQ(refused("-t 99999 x.test", &a, &err),
	    "timeout 99999: too large (0.01 to 60 seconds)");
	KDT_STREQ(refused("-t 60.001 x.test", &a, &err),
	    "timeout 60.001: too large (0.01 to 60 seconds)");
	KDT_STREQ(refused("-t 0 x.test", &a, &err), "timeout 0: too small (0.01 to 60 seconds)");
	KDT_STREQ(refused("-t 1s x.test", &a, &err),
	    "timeout 1s: invalid (seconds, such as 0.5 or 2)");
	KDT_STREQ(refused("-p 0 x.test", &a, &err), "port 0: too small (1 to 65535)");
	KDT_STREQ(refused("--ttl -1 x.test", &a, &err), "ttl -1: too small (0 to 2147483647)");
	KDT_CHECK(strncmp(refused("-s 1.2.3.4:99999 x.test", &a, &err),
	    "server 1.2.3.4:99999: ", 22) == 0);
	KDT_STREQ(refused("-j -n", &a, &err), "cannot use --json and --nagios");
	KDT_STREQ(refused("--output f", &a, &err), "--output is for --prometheus");
	KDT_STREQ(refused("--prometheus -j", &a, &err),
	    "--prometheus is an output of its own: not with --json or --nagios");
	KDT_STREQ(refused("-z f -s 1.2.3.4", &a, &err), "cannot use --zone and --server");
	KDT_STREQ(refused("-z f -T", &a, &err), "cannot use --zone and --tcp");
	KDT_STREQ(refused("-o corp.test", &a, &err), "--origin needs --zone");
	KDT_STREQ(refused("--tcp-only", &a, &err), "--tcp-only needs --probe");
	KDT_CHECK(strncmp(refused("a..b", &a, &err), "domain a..b: ", 13) == 0);
	KDT_STREQ(refused("-x", &a, &err), "invalid option -- 'x'");
	KDT_CHECK(!a.nagios);
	/* --nagios after the error still picks the status line; "-t -n" is no --nagios. */
	KDT_STREQ(refused("-t 0 x.test -n", &a, &err), "timeout 0: too small (0.01 to 60 seconds)");
	KDT_CHECK(a.nagios);
	KDT_STREQ(refused("--bogus --nagios", &a, &err), "unrecognized option '--bogus'");
	KDT_CHECK(a.nagios);
	KDT_STREQ(refused("-t -n x.test", &a, &err), "timeout -n: invalid (seconds, such as 0.5 or 2)");
	KDT_CHECK(!a.nagios);
	KDT_STREQ(refused("-x x.test -- -n", &a, &err), "invalid option -- 'x'");
	KDT_CHECK(!a.nagios);
	return KDT_DONE("test_dnscheck_args");
}
