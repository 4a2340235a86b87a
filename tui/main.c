/*
 * kmsdiag-tui: options, then the dashboard or --report.  The engines and
 * the model are in the other tui/ files.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmdline.h"
#include "../probe/probe.h"
#include "loop.h"
#include "parse.h"
#include "report.h"
#include "tui.h"

#define PROG	TUI_TOOL

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
	    "usage: " PROG " [-46hjRV] [-d domain] [-H host[:port]] [-i iface] [-r file]\n"
	    "                   [-f filter] [-z zonefile] [-o origin] [-p port] [-t timeout]\n"
	    "                   [-s server[:port]] [-I seconds] [-n iterations] [-S speed]\n"
	    "                   [-Z user] [--activate] [--evidence file]... [--no-color]\n"
	    "                   [--resolv-conf file] [--tick item]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "The KMS activation troubleshooting checklist on one screen, live.\n\n"
	    "  -4, -6                  probe IPv4 or IPv6 addresses only\n"
	    "      --activate          probes send one activation request (adds this\n"
	    "                          machine to the host's count)\n"
	    "  -d, --domain DOMAIN     check _vlmcs._tcp.DOMAIN, probe its hosts; repeatable\n"
	    "      --evidence FILE     a Windows export (event log, slmgr /dlv, ipconfig\n"
	    "                          /all, systeminfo) judged with the rest; repeatable\n"
	    "  -f, --filter EXPR       BPF expression selecting the packets -i or -r\n"
	    "                          decode (default with -i: tcp port PORT per -p)\n"
	    "  -H, --host HOST[:PORT]  probe this KMS host (repeatable)\n"
	    "  -h, --help              this help\n"
	    "  -I, --interval SECONDS  re-run DNS checks and probes this often; default once\n"
	    "  -i, --interface IFACE   capture KMS traffic live (needs privileges)\n"
	    "  -j, --json              with --report: JSON Lines\n"
	    "  -n, --iterations N      quit after N check cycles (unattended runs)\n"
	    "      --no-color          monochrome (also NO_COLOR, a terminal without colour)\n"
	    "  -o, --origin DOMAIN     the zone's name, with --zone\n"
	    "  -p, --port PORT         a port the capture decodes as KMS (repeatable;\n"
	    "                          default 1688)\n"
	    "  -R, --report            print the checklist and evidence, no dashboard\n"
	    "  -r, --read FILE         replay a capture file (pcap, pcapng; - = stdin)\n"
	    "      --resolv-conf FILE  read FILE instead of /etc/resolv.conf\n"
	    "  -S, --speed N           replay at N times real time; 0 = as fast as possible\n"
	    "                          (default 1; --report: 0)\n"
	    "  -s, --server ADDR[:PORT] DNS server to ask (default: the system resolver)\n"
	    "  -t, --timeout SECONDS   per DNS query and per probe phase (default 3)\n"
	    "      --tick ITEM         confirm a manual checklist item (domain)\n"
	    "  -V, --version           print the version\n"
	    "  -z, --zone FILE         check a zone file instead of asking a DNS server\n"
	    "  -Z, --user USER         with -i: run as USER once the interface is open\n"
	    "                          (default nobody)\n"
	    "\nKeys: q quit, ? help, Tab panels, Enter details, Space tick, / filter,\n"
	    "r re-run, p pause.\n"
	    "Exit: 0 ok, 1 warning, 2 failure, 3 unknown, 64 usage.\n");
}

static void
die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kd_usage_vmsg(PROG, fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(KD_EXIT_USAGE);
}

static bool
parse_speed(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 10000)
		return false;
	*out = v;
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "activate",	no_argument,		NULL, 'A' },
		{ "domain",	required_argument,	NULL, 'd' },
		{ "evidence",	required_argument,	NULL, 'E' },
		{ "filter",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "host",	required_argument,	NULL, 'H' },
		{ "interface",	required_argument,	NULL, 'i' },
		{ "interval",	required_argument,	NULL, 'I' },
		{ "iterations",	required_argument,	NULL, 'n' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "no-color",	no_argument,		NULL, 'C' },
		{ "origin",	required_argument,	NULL, 'o' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "read",	required_argument,	NULL, 'r' },
		{ "report",	no_argument,		NULL, 'R' },
		{ "resolv-conf", required_argument,	NULL, 'F' },
		{ "server",	required_argument,	NULL, 's' },
		{ "speed",	required_argument,	NULL, 'S' },
		{ "tick",	required_argument,	NULL, 'K' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "user",	required_argument,	NULL, 'Z' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "zone",	required_argument,	NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	struct tui_opts o;
	struct tui_app app;
	struct kd_loop *loop;
	bool speed_set = false, no_color = false;
	const char *errstr;
	int ch, rc, item;

	memset(&o, 0, sizeof(o));
	o.speed = 1;
	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, "46d:f:H:hI:i:jn:o:p:Rr:S:s:t:Vz:Z:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '4':
			o.family = AF_INET;
			break;
		case '6':
			o.family = AF_INET6;
			break;
		case 'A':
			o.activate = true;
			break;
		case 'C':
			no_color = true;
			break;
		case 'd':
			if (o.ndomains == TUI_MAX_ARGS)
				die_usage("too many domains (at most 64): %s", optarg);
			o.domains[o.ndomains++] = optarg;
			break;
		case 'E':
			if (o.nevidence == TUI_MAX_ARGS)
				die_usage("too many evidence files (at most 64): %s", optarg);
			o.evidence[o.nevidence++] = optarg;
			break;
		case 'f':
			o.filter = optarg;
			break;
		case 'F':
			o.resolv_conf = optarg;
			break;
		case 'H': {
			char host[256];
			uint16_t port;

			if (o.nhosts == TUI_MAX_ARGS)
				die_usage("too many hosts (at most 64): %s", optarg);
			if (!probe_parse_target(optarg, PROBE_DEFAULT_PORT, host, sizeof(host),
			    &port, &errstr))
				die_usage("host %s: %s", optarg, errstr);
			o.hosts[o.nhosts++] = optarg;
			break;
		}
		case 'h':
			help();
			return KD_EXIT_OK;
		case 'I':
			o.interval_s = (unsigned)kd_parse_num(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				die_usage("interval %s: bad number of seconds", optarg);
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'K':
			if ((item = tui_item_parse(optarg)) < 0 ||
			    !tui_item_manual((enum tui_item)item))
				die_usage("--tick %s: only a manual item (domain) can be "
				    "ticked", optarg);
			o.tick[item] = true;
			break;
		case 'n':
			o.iterations = (unsigned)kd_parse_num(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				die_usage("iterations %s: bad number", optarg);
			break;
		case 'o':
			o.origin = optarg;
			break;
		case 'p':
			if (o.nports == sizeof(o.ports) / sizeof(o.ports[0]))
				die_usage("too many ports (at most 16): %s", optarg);
			o.ports[o.nports++] = (uint16_t)kd_parse_num(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				die_usage("port %s: %s", optarg, errstr);
			break;
		case 'R':
			o.report = true;
			break;
		case 'r':
			o.file = optarg;
			break;
		case 'S':
			if (!parse_speed(optarg, &o.speed))
				die_usage("speed %s: want a number from 0 to 10000", optarg);
			speed_set = true;
			break;
		case 's':
			o.server = optarg;
			break;
		case 't':
			o.timeout_ms = 1000 * (unsigned)kd_parse_num(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				die_usage("timeout %s: bad number of seconds", optarg);
			break;
		case 'V':
			printf(PROG " %s\n", KD_VERSION);
			return KD_EXIT_OK;
		case 'z':
			o.zone = optarg;
			break;
		case 'Z':
			o.user = optarg;
			break;
		default:
			kd_getopt_error(PROG, argv, "46d:f:H:hI:i:jn:o:p:Rr:S:s:t:Vz:Z:",
			    longopts);
			usage(stderr);
			return KD_EXIT_USAGE;
		}
	}
	if (optind < argc)
		die_usage("unexpected argument %s", argv[optind]);
	if (o.iface != NULL && o.file != NULL)
		die_usage("%s", "cannot use -i and -r together");
	if (o.ndomains == 0 && o.nhosts == 0 && o.zone == NULL && o.file == NULL &&
	    o.iface == NULL && o.nevidence == 0)
		die_usage("%s", "nothing to check: give -d, -H, -z, -r, -i or --evidence");
	if (o.json && !o.report)
		die_usage("%s", "--json needs --report");
	if (o.filter != NULL && o.iface == NULL && o.file == NULL)
		die_usage("%s", "-f applies to a capture (-i or -r)");
	if (o.user != NULL && o.iface == NULL)
		die_usage("%s", "-Z only applies to live capture (-i)");
	if (o.report && !speed_set)
		o.speed = 0;
	if (!o.report && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		die_usage("%s", "the dashboard needs a terminal; use --report for text");
	/* A replay or a single DNS/probe round ends by itself; live capture does not. */
	if (o.report && o.iterations == 0 && o.iface == NULL)
		o.iterations = 1;
	o.color = !no_color;

	signal(SIGPIPE, SIG_IGN);
	if ((loop = kd_loop_new()) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	if (tui_app_start(&app, &o, loop) != 0) {
		kd_usage_msg(PROG, "%s", app.error);	/* names a file or interface */
		rc = app.bad_filter ? KD_EXIT_USAGE : KD_EXIT_UNKNOWN;
		tui_app_fini(&app);
		kd_loop_free(loop);
		return rc;
	}
	if (o.report) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		kd_loop_watch_flag(loop, &interrupted);
		if (kd_loop_run(loop) != 0)
			fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
		tui_app_stop_capture(&app);
		if (o.json)
			tui_model_report_json(stdout, &app.model);
		else
			tui_model_report_text(stdout, &app.model,
			    !no_color && kd_want_color(stdout));
		/* With -i, SIGINT is how a report ends: not an error. */
		rc = tui_model_status(&app.model);
	} else
		rc = tui_screen_run(&app);
	tui_app_fini(&app);
	kd_loop_free(loop);
	if (fflush(stdout) != 0 && rc == KD_EXIT_OK)
		rc = KD_EXIT_UNKNOWN;
	return rc;
}
