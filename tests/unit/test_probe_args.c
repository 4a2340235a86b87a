/*
 * probe_parse_args: kmsdiag-probe's command line into struct probe_args,
 * without running the probe.  Good, edge and bad values of every option
 * that takes one, the combinations it refuses, and the error texts.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../probe/args.h"
#include "kdargv.h"
#include "kdtest.h"

/* Parse a space-separated command line; *a is left parsed for the caller. */
static int
parse(const char *line, struct probe_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-probe", line, &argv);

	probe_args_fini(a);
	probe_args_init(a);
	err->msg[0] = '\0';
	return probe_parse_args(argc, argv, a, err);
}

/* The error text of a command line that must be refused. */
static const char *
refused(const char *line, struct probe_args *a, struct kd_cli_err *err)
{
	if (parse(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct probe_args a;
	struct kd_cli_err err;
	char path[] = "/tmp/kd-probe-args.XXXXXX";
	char line[128];
	FILE *f;
	int fd;

	probe_args_init(&a);

	/* Good values. */
	KDT_CHECK(parse("-t 0.5 -n 3 -p 1689 --interval 0.25 host1", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.o.timeout_ms == 500 && a.o.count == 3 && a.o.default_port == 1689 &&
	    a.o.interval_ms == 250);
	KDT_CHECK(a.ntargets == 1 && strcmp(a.targets[0], "host1") == 0);
	KDT_CHECK(parse("--timeout 2 -H a -H b:1690 c", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.o.timeout_ms == 2000 && a.ntargets == 3 &&
	    strcmp(a.targets[1], "b:1690") == 0 && strcmp(a.targets[2], "c") == 0);
	KDT_CHECK(parse("-w 0.5 -c 1: --nagios h", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.nagios && a.o.time_thr.has_warn && a.o.time_thr.has_crit);
	KDT_CHECK(parse("--activate --count-warning 30: h", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.o.count_thr_set && a.o.count_thr.has_warn &&
	    kd_thresholds_eval(&a.o.count_thr, 27) == KD_V_WARN &&
	    kd_thresholds_eval(&a.o.count_thr, 30) == KD_V_OK);
	KDT_CHECK(parse("--activate --product 2d5a5a60-3040-48bf-beb0-fcd770c20ce0 h", &a,
	    &err) == KD_CLI_RUN && a.o.product != NULL);
	KDT_CHECK(parse("--product list", &a, &err) == KD_CLI_RUN && a.product_list);
	KDT_CHECK(parse("--srv -s 127.0.0.1:53 corp.test other.test", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.srv && a.ndomains == 2 && strcmp(a.domains[1], "other.test") == 0 &&
	    a.ntargets == 0);
	KDT_CHECK(parse("--prometheus --output m.prom h", &a, &err) == KD_CLI_RUN &&
	    a.prometheus && strcmp(a.prom_file, "m.prom") == 0);
	KDT_CHECK(parse("-h x --bogus", &a, &err) == KD_CLI_HELP);
	KDT_CHECK(parse("-V", &a, &err) == KD_CLI_VERSION);

	/* Edges: the ends of each range are accepted. */
	KDT_CHECK(parse("-t 0.01 -n 1 -p 1 --protocol 4 h", &a, &err) == KD_CLI_RUN &&
	    a.o.timeout_ms == 10 && a.o.protocol == 4);
	KDT_CHECK(parse("-t 3600 -p 65535 --protocol 6 --interval 0 h", &a, &err) ==
	    KD_CLI_RUN && a.o.timeout_ms == 3600000 && a.o.interval_ms == 0);

	/* Bad values, with their text. */
	KDT_STREQ(refused("-t 0.001 h", &a, &err),
	    "timeout 0.001: too small (0.01 to 3600 seconds)");
	KDT_STREQ(refused("-t 3601 h", &a, &err),
	    "timeout 3601: too large (0.01 to 3600 seconds)");
	KDT_STREQ(refused("-t 2s h", &a, &err),
	    "timeout 2s: invalid (seconds, such as 0.5 or 2)");
	KDT_STREQ(refused("-p 0 h", &a, &err), "port 0: too small (1 to 65535)");
	KDT_STREQ(refused("-4 -6 h", &a, &err), "cannot use -4 and -6 together");
	KDT_STREQ(refused("-6 -4 h", &a, &err), "cannot use -4 and -6 together");
	KDT_CHECK(parse("-6 -6 h", &a, &err) == KD_CLI_RUN);
	KDT_STREQ(refused("-n 0 h", &a, &err), "count 0: too small (1 to 1000)");
	KDT_STREQ(refused("--protocol 7 h", &a, &err), "protocol 7: too large (4 to 6)");
	KDT_STREQ(refused("-w 5:1 h", &a, &err), "-w 5:1: start of range is greater "
	    "than end (a range: 10, 10:, ~:10, 10:20, @10:20)");
	KDT_STREQ(refused("--activate --count-warning 30x h", &a, &err),
	    "--count-warning 30x: invalid number (a range: 10, 10:, ~:10, 10:20, "
	    "@10:20)");
	KDT_STREQ(refused("--count-warning 30: h", &a, &err),
	    "--count-warning and --count-critical need --activate");
	KDT_STREQ(refused("--bogus h", &a, &err), "unrecognized option '--bogus'");
	KDT_STREQ(refused("-t", &a, &err), "option requires an argument -- 't'");
	KDT_STREQ(refused("", &a, &err), "no target given");
	KDT_STREQ(refused("-j --nagios h", &a, &err), "cannot use --json and --nagios together");
	KDT_STREQ(refused("--output f h", &a, &err), "--output is for --prometheus");
	KDT_STREQ(refused("--tcp-only --activate h", &a, &err),
	    "cannot use --tcp-only and --activate together");
	KDT_STREQ(refused("--product Windows h", &a, &err), "--product needs --activate");
	KDT_CHECK(strstr(refused("--activate --product Office-2016 h", &a, &err),
	    "product Office-2016: not in the product table; did you mean ") == err.msg);
	KDT_STREQ(refused("-s 1.2.3.4 h", &a, &err), "-s/--server is for --srv");
	KDT_STREQ(refused("--srv -H h corp.test", &a, &err),
	    "with --srv the arguments are domains, not hosts");

	/* --nagios after a bad option still selects the status-line output. */
	KDT_CHECK(parse("-t 0 --nagios h", &a, &err) == KD_CLI_USAGE && a.nagios);
	KDT_CHECK(parse("--bogus h --nagios", &a, &err) == KD_CLI_USAGE && a.nagios);
	KDT_CHECK(parse("-t 0 h", &a, &err) == KD_CLI_USAGE && !a.nagios);

	/* -f: lines, comments and blanks; targets keep their order with -H. */
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		KDT_CHECK(!"mkstemp");
		return KDT_DONE("test_probe_args");
	}
	fputs("# hosts\n  kms1:1688  # first\n\nkms2\n", f);
	fclose(f);
	snprintf(line, sizeof(line), "-H a -f %s b", path);
	KDT_CHECK(parse(line, &a, &err) == KD_CLI_RUN && a.ntargets == 4);
	KDT_CHECK(a.ntargets == 4 && strcmp(a.targets[1], "kms1:1688") == 0 &&
	    strcmp(a.targets[2], "kms2") == 0 && strcmp(a.targets[3], "b") == 0);
	unlink(path);
	snprintf(line, sizeof(line), "-f %s", path);
	KDT_CHECK(strstr(refused(line, &a, &err), path) != NULL);

	probe_args_fini(&a);
	return KDT_DONE("test_probe_args");
}
