/*
 * tui_parse_args: kmsdiag-tui's command line into struct tui_opts
 * without opening anything: values, edges, refusals, texts.
 */
#include <string.h>

#include "../../tui/args.h"
#include "kdargv.h"
#include "kdtest.h"

static int
parse(const char *line, struct tui_opts *o, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-tui", line, &argv);

	err->msg[0] = '\0';
	return tui_parse_args(argc, argv, o, err);
}

static const char *
refused(const char *line, struct tui_opts *o, struct kd_cli_err *err)
{
	if (parse(line, o, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct tui_opts o;
	struct kd_cli_err err;
	char line[600];
	int i;

	KDT_CHECK(parse("-d corp.test -t 0.5 -I 1.5", &o, &err) == KD_CLI_RUN);
	KDT_CHECK(o.ndomains == 1 && o.timeout_ms == 500 && o.interval_ms == 1500 &&
	    o.speed == 1 && o.color && !o.report && o.iterations == 0);
	/* --report: replay as fast as possible, one round. */
	KDT_CHECK(parse("--report -r x.pcap -p 1688 -p 1689 --no-color", &o, &err) ==
	    KD_CLI_RUN && o.speed == 0 && o.iterations == 1 && o.nports == 2 &&
	    o.ports[1] == 1689 && !o.color);
	KDT_CHECK(parse("-R -r x.pcap -S 2.5 -n 3", &o, &err) == KD_CLI_RUN &&
	    o.speed == 2.5 && o.iterations == 3);
	KDT_CHECK(parse("-H kms1:1689 -H [::1]:1688 --activate -6", &o, &err) == KD_CLI_RUN &&
	    o.nhosts == 2 && o.activate);
	KDT_CHECK(parse("-i eth0 -f tcp -Z nobody", &o, &err) == KD_CLI_RUN &&
	    strcmp(o.filter, "tcp") == 0);
	KDT_CHECK(parse("--evidence a.txt --tick domain", &o, &err) == KD_CLI_RUN &&
	    o.nevidence == 1);
	KDT_CHECK(parse("-d x -t 0.01 -I 86400 -S 0", &o, &err) == KD_CLI_RUN &&
	    o.timeout_ms == 10 && o.interval_ms == 86400000);
	KDT_CHECK(parse("-d x -t 3600 -S 10000", &o, &err) == KD_CLI_RUN &&
	    o.timeout_ms == 3600000 && o.speed == 10000);
	KDT_CHECK(parse("-h -x", &o, &err) == KD_CLI_HELP);
	KDT_CHECK(parse("-V", &o, &err) == KD_CLI_VERSION);

	KDT_STREQ(refused("-d x -t 0", &o, &err), "timeout 0: too small (0.01 to 3600 seconds)");
	KDT_STREQ(refused("-d x -t 3601", &o, &err),
	    "timeout 3601: too large (0.01 to 3600 seconds)");
	KDT_STREQ(refused("-d x -I 0.5", &o, &err),
	    "interval 0.5: too small (1 to 86400 seconds)");
	KDT_STREQ(refused("-d x -S -1", &o, &err), "speed -1: want a number from 0 to 10000");
	KDT_STREQ(refused("-d x -n 0", &o, &err), "iterations 0: too small (1 to 1000000)");
	KDT_STREQ(refused("-d x -p 70000", &o, &err), "port 70000: too large (1 to 65535)");
	KDT_CHECK(strncmp(refused("-H kms1:x", &o, &err), "host kms1:x: ", 13) == 0);
	KDT_STREQ(refused("--tick dns -d x", &o, &err),
	    "--tick dns: only a manual item (domain) can be ticked");
	KDT_STREQ(refused("", &o, &err),
	    "nothing to check: give -d, -H, -z, -r, -i or --evidence");
	KDT_STREQ(refused("-i eth0 -r f", &o, &err), "cannot use -i and -r together");
	KDT_STREQ(refused("-d x -j", &o, &err), "--json needs --report");
	KDT_STREQ(refused("-d x -f tcp", &o, &err), "-f applies to a capture (-i or -r)");
	KDT_STREQ(refused("-d x -Z u", &o, &err), "-Z only applies to live capture (-i)");
	KDT_STREQ(refused("-d x extra", &o, &err), "unexpected argument extra");
	line[0] = '\0';
	for (i = 0; i < 17; i++)
		strcat(line, "-p 1 ");
	KDT_STREQ(refused(line, &o, &err), "too many ports (at most 16): 1");
	return KDT_DONE("test_tui_args");
}
