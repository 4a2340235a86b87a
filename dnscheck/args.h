/*
 * kmsdiag-dnscheck's command line as a struct: dnscheck_parse_args()
 * fills it without running anything (main.c: parse, run, emit, exit).
 */
#ifndef KD_DNSCHECK_ARGS_H
#define KD_DNSCHECK_ARGS_H

#include <stdbool.h>

#include "cli.h"
#include "dnscheck.h"

struct dnscheck_args {
	struct dnscheck_opts o;		/* domains: the operands, checked */
	const char	*prom_file;	/* --output */
	bool		 json, nagios, verbose, prometheus;
};

/* KD_CLI_RUN, KD_CLI_HELP, KD_CLI_VERSION or KD_CLI_USAGE with err set. */
int	dnscheck_parse_args(int argc, char **argv, struct dnscheck_args *,
	    struct kd_cli_err *);

#endif
