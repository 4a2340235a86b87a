/*
 * kmsdiag-exporter: parse (args.c), load the configuration, listen, give
 * up root, serve until SIGINT/SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "exporter.h"
#include "fileio.h"
#include "privdrop.h"
#include "report.h"
#include "serve.h"

#define PROG	"kmsdiag-exporter"

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
	    "  -c, --config FILE       configuration (default " EXP_DEFAULT_CONFIG ")\n"
	    "      --check-config      parse the configuration, print its modules, exit\n"
	    "  -h, --help              this help\n"
	    "  -l, --listen ADDR:PORT  listen here instead of the configuration's listen\n"
	    "  -u, --user USER         user to run as when started as root (default nobody)\n"
	    "  -V, --version           print the version\n"
	    "\n"
	    "Exit: 0 stopped by a signal, or --check-config passed; 3 could not start\n"
	    "(configuration, address in use); 64 usage.\n");
}

/* The configuration file, with -l in place of its listen address. */
static int
load(const struct exp_args *a, struct exp_config *cfg, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	char err[512], safe[512];
	const char *errstr = NULL;
	char *text = NULL;
	size_t len = 0;

	exp_config_init(cfg);
	if (kd_read_regular(a->config, EXP_MAX_CONFIG, &text, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", kd_sanitize(err, safe, sizeof(safe)));
		return -1;
	}
	if (!exp_config_parse(cfg, text, len, a->config, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", kd_sanitize(err, safe, sizeof(safe)));
		free(text);
		return -1;
	}
	free(text);
	if (a->listen != NULL)
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", a->listen);
	if (exp_listen_parse(cfg->listen, ss, sslen, &errstr) != 0) {
		fprintf(stderr, PROG ": listen %s: %s\n",
		    kd_sanitize(cfg->listen, safe, sizeof(safe)), errstr);
		return -1;
	}
	return 0;
}

/* --check-config: what the exporter would serve. */
static int
print_config(const char *file, const struct exp_config *cfg)
{
	size_t i;

	printf("%s: listen %s, %zu allow entr%s, concurrency %u\n", file, cfg->listen,
	    cfg->nallow, cfg->nallow == 1 ? "y" : "ies", cfg->concurrency);
	for (i = 0; i < cfg->nmodules; i++)
		printf("module %s: check %s, timeout %.2f s, port %u%s\n",
		    cfg->modules[i].name, exp_check_name(cfg->modules[i].check),
		    cfg->modules[i].timeout_ms / 1000.0, cfg->modules[i].port,
		    cfg->modules[i].activate ? ", activates (counted as one client)" : "");
	return fflush(stdout) != 0 ? KD_EXIT_UNKNOWN : KD_EXIT_OK;
}

static const struct kd_cli_tool tool = { PROG, help, usage, NULL };

int
main(int argc, char **argv)
{
	struct exp_args a;
	struct kd_cli_err err;
	struct exp_config cfg;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct exp_server *srv;
	struct kd_diag diag;
	char msg[512], safe[512];
	int rc;

	if ((rc = kd_cli_answer(exp_parse_args(argc, argv, &a, &err), &tool, false,
	    &err)) >= 0)
		return rc;
	kd_tables_init();
	if (load(&a, &cfg, &ss, &sslen) != 0)
		return KD_EXIT_UNKNOWN;
	if (a.check_only)
		return print_config(a.config, &cfg);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((srv = exp_server_start(&cfg, &ss, msg, sizeof(msg))) == NULL) {
		/* It names the listen address, which came from a file or argv. */
		fprintf(stderr, PROG ": %s\n", kd_sanitize(msg, safe, sizeof(safe)));
		return KD_EXIT_UNKNOWN;
	}
	/* Listening: nothing more needs root (the probe uses plain sockets). */
	memset(&diag, 0, sizeof(diag));
	if (kd_drop_privileges(a.user, &diag) != 0) {
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
