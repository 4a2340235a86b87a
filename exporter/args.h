/*
 * kmsdiag-exporter's command line as a struct: exp_parse_args() fills it
 * without reading the configuration (main.c: parse, load, serve, exit).
 */
#ifndef KD_EXPORTER_ARGS_H
#define KD_EXPORTER_ARGS_H

#include <stdbool.h>

#include "cli.h"

#define EXP_DEFAULT_CONFIG	"/etc/kmsdiag/exporter.conf"

struct exp_args {
	const char	*config;	/* -c */
	const char	*listen;	/* -l, checked; NULL: the configuration's */
	const char	*user;		/* -u; NULL: nobody */
	bool		 check_only;	/* --check-config */
};

/* KD_CLI_RUN, KD_CLI_HELP, KD_CLI_VERSION or KD_CLI_USAGE with err set. */
int	exp_parse_args(int argc, char **argv, struct exp_args *, struct kd_cli_err *);

#endif
