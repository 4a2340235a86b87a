/*
 * kmsdiag: one command in front of the suite.  "kmsdiag probe ..." runs
 * the kmsdiag-probe binary with the same arguments (the separate binaries
 * stay, for scripts and monitoring); explain and doctor run in this
 * process.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "front.h"
#include "report.h"

#define PROG	"kmsdiag"

/* env(1)'s statuses for a command that cannot be run. */
#define EXIT_CANNOT_EXEC	126
#define EXIT_NOT_FOUND		127

static const struct {
	const char	*name;
	const char	*what;
} tools[] = {
	{ "capture",	"decode KMS activation traffic from pcap/pcapng captures" },
	{ "dnscheck",	"check the _vlmcs._tcp SRV records clients use to find the host" },
	{ "evidence",	"read the host's and clients' event logs, slmgr /dlv, ipconfig" },
	{ "probe",	"is TCP 1688 open, is it a KMS host, what count does it return" },
	{ "tui",	"the whole checklist on one screen" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hV] command [argument ...]\n");
}

static void
help(void)
{
	size_t i;

	usage(stdout);
	printf("\nWhy does Windows or Office not activate against the KMS host?\n\n"
	    "Commands:\n"
	    "  doctor      the whole checklist in one run: DNS, port, RPC, count\n"
	    "  explain     what an activation error code means and what to run next\n");
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		printf("  %-11s %s\n", tools[i].name, tools[i].what);
	printf("  help CMD    the help of CMD\n"
	    "\n"
	    "  -h, --help      this help\n"
	    "  -V, --version   print the version\n"
	    "\n"
	    "\"" PROG " TOOL\" runs kmsdiag-TOOL, found next to " PROG " or in PATH.\n"
	    "See kmsdiag(1) and kmsdiag(7).\n");
}

static bool
is_tool(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (strcmp(name, tools[i].name) == 0)
			return true;
	return false;
}

/*
 * Run kmsdiag-TOOL with argv[1..]: first the one installed next to this
 * binary (so a build tree or a DESTDIR tree runs its own tools, not an older
 * copy in PATH), then PATH.  Returns only on failure.
 */
static int
run_tool(const char *tool, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 64], name[64];
	ssize_t n;
	char *slash;

	snprintf(name, sizeof(name), PROG "-%s", tool);
	argv[0] = name;
	fflush(stdout);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, name);
			if (access(path, X_OK) == 0) {
				execv(path, argv);
				fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
				return EXIT_CANNOT_EXEC;
			}
		}
	}
	execvp(name, argv);
	if (errno == ENOENT) {
		fprintf(stderr, PROG ": %s: not found next to " PROG " nor in PATH\n", name);
		return EXIT_NOT_FOUND;
	}
	fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
	return EXIT_CANNOT_EXEC;
}

static int
unknown_command(const char *cmd)
{
	size_t i;

	char clean[256];

	fprintf(stderr, PROG ": unknown command \"%s\"; commands: doctor explain",
	    kd_sanitize(cmd, clean, sizeof(clean)));
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		fprintf(stderr, " %s", tools[i].name);
	fprintf(stderr, " help\n");
	usage(stderr);
	return KD_EXIT_USAGE;
}

static const struct option longopts[] = {
	{ "help",	no_argument,	NULL, 'h' },
	{ "version",	no_argument,	NULL, 'V' },
	{ NULL,		0,		NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct kd_cli_err err;
	char *hargv[3];
	const char *cmd;
	int ch;

	/* "+": stop at the command, its options are its own. */
	kd_cli_reset();
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			return KD_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", KD_VERSION);
			return KD_EXIT_OK;
		default:
			kd_cli_getopt_fail(&err, argv, "+hV", longopts);
			return kd_cli_usage_exit(PROG, &err, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		kd_cli_fail(&err, "no command given");
		return kd_cli_usage_exit(PROG, &err, usage);
	}
	/*
	 * The subcommands parse their own argv (argv[0] is the command) from a
	 * clean getopt state (kd_cli_reset), which also forgets the "+" above,
	 * so "kmsdiag explain CODE --json" works.
	 */
	cmd = argv[0];
	if (strcmp(cmd, "explain") == 0)
		return explain_main(argc, argv);
	if (strcmp(cmd, "doctor") == 0)
		return doctor_main(argc, argv);
	if (is_tool(cmd))
		return run_tool(cmd, argv);
	if (strcmp(cmd, "help") != 0)
		return unknown_command(cmd);
	if (argc == 1) {
		help();
		return KD_EXIT_OK;
	}
	if (argc > 2) {
		kd_cli_fail(&err, "help: one command at a time");
		return kd_cli_usage_exit(PROG, &err, usage);
	}
	hargv[0] = argv[1];
	hargv[1] = (char *)"--help";
	hargv[2] = NULL;
	if (strcmp(argv[1], "explain") == 0)
		return explain_main(2, hargv);
	if (strcmp(argv[1], "doctor") == 0)
		return doctor_main(2, hargv);
	if (is_tool(argv[1]))
		return run_tool(argv[1], hargv);
	return unknown_command(argv[1]);
}
