/*
 * kmsdiag-evidence's command line as a struct: evidence_parse_args()
 * fills it without reading a file (main.c: parse, run, emit, exit).
 */
#ifndef KD_EVIDENCE_ARGS_H
#define KD_EVIDENCE_ARGS_H

#include <stdbool.h>

#include "cli.h"
#include "evidence.h"

struct evidence_args {
	struct evidence_opts o;		/* files: the operands */
	const char	*server, *zone, *origin;
	bool		 json, nagios, verbose, csv, dns;
};

/* KD_CLI_RUN, KD_CLI_HELP, KD_CLI_VERSION or KD_CLI_USAGE with err set. */
int	evidence_parse_args(int argc, char **argv, struct evidence_args *,
	    struct kd_cli_err *);

#endif
