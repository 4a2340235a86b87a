/*
 * kmsdiag-probe's command line as a struct: probe_parse_args() fills it
 * without running anything, so main.c is parse, run, emit, exit and the
 * unit tests check every option's good, edge and bad values.
 */
#ifndef KD_PROBE_ARGS_H
#define KD_PROBE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "probe.h"

/* -t: the deadline of each phase, 0.01 to 3600 seconds (default 3). */
#define PROBE_TIMEOUT_MAX_MS	3600000u

struct probe_args {
	struct probe_opts o;		/* engine options, product resolved */
	char		**targets;	/* -H, -f lines, operands (owned), in order */
	size_t		  ntargets, cap;
	char *const	 *domains;	/* --srv: the operands */
	size_t		  ndomains;
	const char	 *dns_server;	/* -s, for --srv */
	const char	 *prom_file;	/* --output */
	bool		  json, nagios, prometheus, srv;
	bool		  product_list;	/* --product list */
};

void	probe_args_init(struct probe_args *);
void	probe_args_fini(struct probe_args *);
/*
 * Parse argv (argv[0] is the program).  Returns KD_CLI_RUN, KD_CLI_HELP,
 * KD_CLI_VERSION or KD_CLI_USAGE with err set.  --nagios is honoured
 * wherever it stands, also after a bad option, so a monitoring system
 * always gets a status line.  -f reads its file here (errors are usage
 * errors naming the file and line).
 */
int	probe_parse_args(int argc, char **argv, struct probe_args *, struct kd_cli_err *);
/*
 * --product NAME|SKU (also doctor's): a row of the product table, or an
 * error that suggests the nearest names.
 */
bool	probe_args_product(const char *name, const struct kd_sku **out,
	    struct kd_cli_err *);

#endif
