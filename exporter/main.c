/*
 * kmsdiag-exporter: parse the command line and the configuration, listen,
 * give up root, serve until SIGINT/SIGTERM.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "exporter.h"
#include "fileio.h"
#include "privdrop.h"
#include "report.h"
#include "serve.h"

#define PROG	"kmsdiag-exporter"
#define DEFAULT_CONFIG	"/etc/kmsdiag/exporter.conf"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hV] [-c file] [-l address:port] [-u user] [--check-config]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "KMS health for Prometheus: GET /probe?target=HOST[:PORT]&module=NAME runs\n"
	    "one check of a module from the configuration and answers with its metrics;\n"
	    "GET /metrics answers with the exporter's own.  Only targets in the allow\n"
	    "list are probed.  See kmsdiag-exporter(1) for the configuration and metrics.\n"
	    "\n"
	    "  -c, --config FILE       configuration (default " DEFAULT_CONFIG ")\n"
	    "      --check-config      parse the configuration, print its modules, exit\n"
	    "  -h, --help              this help\n"
	    "  -l, --listen ADDR:PORT  listen here instead of the configuration's listen\n"
	    "  -u, --user USER         user to run as when started as root (default nobody)\n"
	    "  -V, --version           print the version\n"
	    "\n"
	    "Exit: 0 stopped by a signal, or --check-config passed; 3 could not start\n"
	    "(configuration, address in use); 64 usage.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",		required_argument,	NULL, 'c' },
		{ "check-config",	no_argument,		NULL, 'C' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "listen",		required_argument,	NULL, 'l' },
		{ "user",		required_argument,	NULL, 'u' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = DEFAULT_CONFIG, *listen = NULL, *user = NULL, *errstr = NULL;
	struct exp_config cfg;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct exp_server *srv;
	struct kd_diag diag;
	char err[512], safe[512];
	char *text = NULL;
	size_t len = 0;
	bool check_only = false;
	int ch;

	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, "c:hl:u:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'h':
			help();
			return KD_EXIT_OK;
		case 'l':
			listen = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'V':
			printf(PROG " %s\n", KD_VERSION);
			return KD_EXIT_OK;
		default:
			kd_getopt_error(PROG, argv, "c:hl:u:V", longopts);
			usage(stderr);
			return KD_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument %s\n",
		    kd_sanitize(argv[optind], safe, sizeof(safe)));
		usage(stderr);
		return KD_EXIT_USAGE;
	}
	kd_tables_init();
	exp_config_init(&cfg);
	if (kd_read_regular(file, EXP_MAX_CONFIG, &text, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", kd_sanitize(err, safe, sizeof(safe)));
		return KD_EXIT_UNKNOWN;
	}
	if (!exp_config_parse(&cfg, text, len, file, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", kd_sanitize(err, safe, sizeof(safe)));
		free(text);
		return KD_EXIT_UNKNOWN;
	}
	free(text);
	if (listen != NULL)
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
	if (exp_listen_parse(cfg.listen, &ss, &sslen, &errstr) != 0) {
		fprintf(stderr, PROG ": listen %s: %s\n",
		    kd_sanitize(cfg.listen, safe, sizeof(safe)), errstr);
		return listen != NULL ? KD_EXIT_USAGE : KD_EXIT_UNKNOWN;
	}
	if (check_only) {
		printf("%s: listen %s, %zu allow entr%s, concurrency %u\n", file, cfg.listen,
		    cfg.nallow, cfg.nallow == 1 ? "y" : "ies", cfg.concurrency);
		for (size_t i = 0; i < cfg.nmodules; i++)
			printf("module %s: check %s, timeout %.2f s, port %u%s\n",
			    cfg.modules[i].name, exp_check_name(cfg.modules[i].check),
			    cfg.modules[i].timeout_ms / 1000.0, cfg.modules[i].port,
			    cfg.modules[i].activate ? ", activates (counted as one client)" : "");
		return KD_EXIT_OK;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((srv = exp_server_start(&cfg, &ss, err, sizeof(err))) == NULL) {
		/* It names the listen address, which came from a file or argv. */
		fprintf(stderr, PROG ": %s\n", kd_sanitize(err, safe, sizeof(safe)));
		return KD_EXIT_UNKNOWN;
	}
	/* Listening: nothing more needs root (the probe uses plain sockets). */
	memset(&diag, 0, sizeof(diag));
	if (kd_drop_privileges(user, &diag) != 0) {
		fprintf(stderr, PROG ": giving up root: %s\n", diag.msg);
		exp_server_stop(srv);
		return KD_EXIT_UNKNOWN;
	}
	fprintf(stderr, PROG " %s: listening on %s, %zu module%s\n", KD_VERSION, cfg.listen,
	    cfg.nmodules, cfg.nmodules == 1 ? "" : "s");
	while (!stop)
		pause();
	exp_server_stop(srv);
	return KD_EXIT_OK;
}
