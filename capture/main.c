/* kmsdiag-capture: decode KMS activation traffic from pcap/pcapng files. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "parse.h"
#include "pcapsrc.h"

#define MAX_FILES	256

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kmsdiag-capture [-v] [--json] [-p port]... [-f filter] -r file...\n"
	    "\n"
	    "Decode KMS activation traffic (DCE/RPC on TCP 1688) from capture files.\n"
	    "\n"
	    "  -r, --read FILE     read a pcap or pcapng file (\"-\" = stdin); repeatable,\n"
	    "                      and further file operands may follow the options\n"
	    "  -p, --port PORT     KMS port to decode (repeatable; default 1688)\n"
	    "  -f, --filter EXPR   BPF expression selecting packets to decode\n"
	    "  -v, --verbose       print every field of every exchange\n"
	    "  -j, --json          JSON Lines output (schema in kmsdiag-capture(1))\n"
	    "      --no-summary    do not print the summary\n"
	    "      --max-flows N   connections tracked at once (default 4096)\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "Exit status: 0 nothing wrong, 1 warnings, 2 activation problems,\n"
	    "3 input could not be read, 64 usage error.\n");
}

static int
parse_num(const char *s, long min, long max, const char *what, long *out)
{
	const char *errstr;

	*out = (long)kd_parse_num(s, min, max, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "kmsdiag-capture: %s %s: %s\n", what, s, errstr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'p' },
		{ "filter", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-summary", no_argument, NULL, 'S' },
		{ "max-flows", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct capture_opts opts = { 0 };
	struct capture_out out = { 0 };
	const char *files[MAX_FILES], *bpf = NULL;
	size_t nfiles = 0, readable = 0;
	bool summary = true;
	struct capture *cap;
	struct kd_report rep;
	int ch, status;
	long v;

	out.fp = stdout;
	while ((ch = getopt_long(argc, argv, "f:hjp:r:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (nfiles == MAX_FILES) {
				fprintf(stderr, "kmsdiag-capture: too many files\n");
				return KD_EXIT_USAGE;
			}
			files[nfiles++] = optarg;
			break;
		case 'p':
			if (parse_num(optarg, 1, 65535, "port", &v) != 0)
				return KD_EXIT_USAGE;
			if (opts.nports == CAPTURE_MAX_PORTS) {
				fprintf(stderr, "kmsdiag-capture: at most %d ports\n",
				    CAPTURE_MAX_PORTS);
				return KD_EXIT_USAGE;
			}
			opts.ports[opts.nports++] = (uint16_t)v;
			break;
		case 'f':
			bpf = optarg;
			break;
		case 'v':
			out.verbose = true;
			break;
		case 'j':
			out.json = true;
			break;
		case 'S':
			summary = false;
			break;
		case 'M':
			if (parse_num(optarg, 1, 1000000, "max-flows", &v) != 0)
				return KD_EXIT_USAGE;
			opts.max_flows = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return KD_EXIT_OK;
		case 'V':
			printf("kmsdiag-capture %s\n", KD_VERSION);
			return KD_EXIT_OK;
		default:
			usage(stderr);
			return KD_EXIT_USAGE;
		}
	}
	for (; optind < argc && nfiles < MAX_FILES; optind++)
		files[nfiles++] = argv[optind];
	if (optind < argc || nfiles == 0) {
		fprintf(stderr, "kmsdiag-capture: %s\n", nfiles == 0 ?
		    "no capture file given (-r FILE)" : "too many files");
		usage(stderr);
		return KD_EXIT_USAGE;
	}
	out.color = !out.json && kd_want_color(stdout);
	if ((cap = capture_new(&opts, capture_out_event, &out)) == NULL) {
		fprintf(stderr, "kmsdiag-capture: out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	for (size_t i = 0; i < nfiles; i++) {
		uint64_t n;
		int rc = pcapsrc_read(cap, files[i], bpf, &n);

		if (rc == PCAPSRC_BADFILTER) {
			capture_free(cap);
			return KD_EXIT_USAGE;
		}
		if (rc != PCAPSRC_UNREADABLE)
			readable++;
	}
	capture_finish(cap);
	kd_report_init(&rep, "kmsdiag-capture");
	capture_problems(cap, &rep);
	if (summary && readable > 0)
		capture_out_summary(&out, cap, &rep);
	if (readable == 0)
		status = KD_EXIT_UNKNOWN;
	else {
		status = (int)kd_report_worst(&rep);
		if (status == KD_EXIT_OK && capture_stats(cap)->errors > 0)
			status = KD_EXIT_WARN;
		if (status == KD_EXIT_UNKNOWN)
			status = KD_EXIT_WARN;
	}
	kd_report_fini(&rep);
	capture_free(cap);
	fflush(stdout);
	return status;
}
