/*
 * The kmsdiag front command: the tools by name, plus the two commands
 * that exist only here.  Each returns an exit status and parses its own
 * argv (argv[0] is the command name).
 */
#ifndef KD_FRONT_H
#define KD_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

int	explain_main(int argc, char **argv);
int	doctor_main(int argc, char **argv);

/* doctor's command line (doctor_parse_args), without running a check. */
#define DOCTOR_MAX_ARGS	64
struct kd_sku;
struct doctor_args {
	const char	*domains[DOCTOR_MAX_ARGS];	/* -d, checked names */
	size_t		 ndomains;
	const char	*hosts[DOCTOR_MAX_ARGS];	/* -H HOST[:PORT], checked */
	size_t		 nhosts;
	const char	*evidence[DOCTOR_MAX_ARGS];	/* --evidence: Windows exports */
	size_t		 nevidence;
	const char	*zone, *server, *resolv_conf;
	const struct kd_sku *product;			/* --product; NULL: the default */
	unsigned	 timeout_ms;			/* -t; 0: each engine's default */
	uint16_t	 port;
	bool		 activate, json;
};
/* KD_CLI_RUN, KD_CLI_HELP or KD_CLI_USAGE with err set. */
int	doctor_parse_args(int argc, char **argv, struct doctor_args *, struct kd_cli_err *);
/* explain's: the codes are checked here, before anything is printed. */
struct explain_args {
	uint32_t	*codes;		/* ncodes, allocated; free() them */
	size_t		 ncodes;
	bool		 json, list;
};
int	explain_parse_args(int argc, char **argv, struct explain_args *, struct kd_cli_err *);

#endif
