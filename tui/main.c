/*
 * kmsdiag-tui: parse (args.c), then the dashboard or --report, exit.  The
 * engines and the model are in the other tui/ files.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "loop.h"
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
	    "  -t, --timeout SECONDS   per DNS query and per probe phase, 0.01 to 3600\n"
	    "                          (default 5 for DNS, 3 for probes)\n"
	    "      --tick ITEM         confirm a manual checklist item (domain)\n"
	    "  -V, --version           print the version\n"
	    "  -z, --zone FILE         check a zone file instead of asking a DNS server\n"
	    "  -Z, --user USER         with -i: run as USER once the interface is open\n"
	    "                          (default nobody)\n"
	    "\nKeys: q quit, ? help, Tab panels, Enter details, Space tick, / filter,\n"
	    "r re-run, p pause.\n"
	    "Exit: 0 ok, 1 warning, 2 failure, 3 unknown, 64 usage.\n");
}

/* --report: run the checks to the end, print the checklist and its evidence. */
static int
run_report(struct tui_app *app, struct kd_loop *loop)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	kd_loop_watch_flag(loop, &interrupted);
	if (kd_loop_run(loop) != 0)
		fprintf(stderr, PROG ": poll: %s\n", strerror(errno));
	tui_app_stop_capture(app);
	if (app->o.json)
		tui_model_report_json(stdout, &app->model);
	else
		tui_model_report_text(stdout, &app->model, app->o.color &&
		    kd_want_color(stdout));
	/* With -i, SIGINT is how a report ends: not an error. */
	return tui_model_status(&app->model);
}

static const struct kd_cli_tool tool = { PROG, help, usage, NULL };

int
main(int argc, char **argv)
{
	struct tui_opts o;
	struct tui_app app;
	struct kd_cli_err err;
	struct kd_loop *loop;
	int act, rc;

	act = tui_parse_args(argc, argv, &o, &err);
	if ((rc = kd_cli_answer(act, &tool, false, &err)) >= 0)
		return rc;
	if (!o.report && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		kd_cli_fail(&err, "the dashboard needs a terminal; use --report for text");
		return kd_cli_usage_exit(PROG, &err, usage);
	}

	signal(SIGPIPE, SIG_IGN);
	if ((loop = kd_loop_new()) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	if (tui_app_start(&app, &o, loop) != 0) {
		kd_cli_fail(&err, "%s", app.error);	/* names a file or interface */
		kd_cli_print(stderr, PROG, &err);
		rc = app.bad_filter ? KD_EXIT_USAGE : KD_EXIT_UNKNOWN;
		tui_app_fini(&app);
		kd_loop_free(loop);
		return rc;
	}
	rc = o.report ? run_report(&app, loop) : tui_screen_run(&app);
	tui_app_fini(&app);
	kd_loop_free(loop);
	if (fflush(stdout) != 0 && rc == KD_EXIT_OK)
		rc = KD_EXIT_UNKNOWN;
	return rc;
}
