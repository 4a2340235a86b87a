/*
 * kmsdiag-capture's command line as a struct: capture_parse_args() fills
 * the engine's and the packet source's options without opening anything
 * (main.c: parse, run, emit, exit).
 */
#ifndef KD_CAPTURE_ARGS_H
#define KD_CAPTURE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "capsrc.h"
#include "capture.h"
#include "cli.h"

#define CAPTURE_MAX_FILES	256

struct capture_args {
	struct capture_opts opts;	/* ports, flow cap */
	struct capsrc_opts so;		/* interface or files, filter, limits */
	const char	*files[CAPTURE_MAX_FILES];	/* -r and operands */
	size_t		 nfiles;
	const char	*user;		/* -Z; NULL: nobody */
	const char	*prom_file;	/* --output */
	bool		 json, verbose, line_buffered, prometheus;
	bool		 summary;	/* not --no-summary */
};

/* KD_CLI_RUN, KD_CLI_HELP, KD_CLI_VERSION or KD_CLI_USAGE with err set. */
int	capture_parse_args(int argc, char **argv, struct capture_args *,
	    struct kd_cli_err *);

#endif
