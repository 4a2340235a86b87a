/*
 * capture_parse_args: kmsdiag-capture's command line into struct
 * capture_args without opening a file or an interface.
 */
#include <string.h>

#include "../../capture/args.h"
#include "kdargv.h"
#include "kdtest.h"

static int
parse(const char *line, struct capture_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-capture", line, &argv);

	err->msg[0] = '\0';
	return capture_parse_args(argc, argv, a, err);
}

static const char *
refused(const char *line, struct capture_args *a, struct kd_cli_err *err)
{
	if (parse(line, a, err) != KD_CLI_USAGE)
		snprintf(err->msg, sizeof(err->msg), "(accepted)");
	return err->msg;
}

int
main(void)
{
	struct capture_args a;
	struct kd_cli_err err;

	KDT_CHECK(parse("-r a.pcap b.pcap -p 1688 -p 1689 --json", &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.nfiles == 2 && strcmp(a.files[1], "b.pcap") == 0 && a.opts.nports == 2 &&
	    a.so.ports == a.opts.ports && a.so.nports == 2 && a.json && a.summary);
	KDT_CHECK(parse("-i lo -c 5 --duration 1.5 -s 64 -B 1 -Z nobody --no-promisc -w o.pcap",
	    &a, &err) == KD_CLI_RUN);
	KDT_CHECK(a.so.max_packets == 5 && a.so.duration_ms == 1500 && a.so.snaplen == 64 &&
	    a.so.buffer_kib == 1 && a.so.no_promisc && strcmp(a.user, "nobody") == 0);
	KDT_CHECK(parse("--speed 0.5 --max-flows 1 --no-summary -l -v f", &a, &err) ==
	    KD_CLI_RUN && a.so.speed == 0.5 && a.opts.max_flows == 1 && !a.summary &&
	    a.line_buffered && a.verbose);
	KDT_CHECK(parse("--prometheus --output m.prom f", &a, &err) == KD_CLI_RUN &&
	    a.prometheus);
	KDT_CHECK(parse("-i lo --duration 2592000", &a, &err) == KD_CLI_RUN &&
	    a.so.duration_ms == 2592000000u);
	KDT_CHECK(parse("-h", &a, &err) == KD_CLI_HELP);
	KDT_CHECK(parse("-V", &a, &err) == KD_CLI_VERSION);

	KDT_STREQ(refused("-i lo --duration 2592000.001", &a, &err),
	    "duration 2592000.001: too large (0.01 to 2592000 seconds)");
	KDT_STREQ(refused("-i lo --duration 1m", &a, &err),
	    "duration 1m: invalid (seconds, such as 0.5 or 2)");
	KDT_STREQ(refused("-p 0 f", &a, &err), "port 0: too small (1 to 65535)");
	KDT_STREQ(refused("-c 0 f", &a, &err), "count 0: too small (1 to 2000000000)");
	KDT_STREQ(refused("-i lo -s 63", &a, &err), "snaplen 63: too small (64 to 262144)");
	KDT_STREQ(refused("--speed 0 f", &a, &err),
	    "speed 0: want a number above 0 (at most 1000000, three decimals)");
	KDT_STREQ(refused("", &a, &err),
	    "no capture file given (-r FILE) and no interface (-i IFACE)");
	KDT_STREQ(refused("-i lo f", &a, &err), "-i and -r exclude each other");
	KDT_STREQ(refused("-s 100 f", &a, &err), "-s, -B, -Z and --no-promisc need -i");
	KDT_STREQ(refused("-i lo --speed 2", &a, &err), "--speed is for files (-r)");
	KDT_STREQ(refused("-w - f", &a, &err), "-w needs a file, not standard output");
	KDT_STREQ(refused("-w o a b", &a, &err), "-w takes one input");
	KDT_STREQ(refused("--prometheus -j f", &a, &err),
	    "--prometheus and --json are two outputs: choose one");
	KDT_STREQ(refused("--output m f", &a, &err), "--output is for --prometheus");
	KDT_STREQ(refused("-i ", &a, &err), "option requires an argument -- 'i'");
	KDT_STREQ(refused("--bogus f", &a, &err), "unrecognized option '--bogus'");
	return KDT_DONE("test_capture_args");
}
