/*
 * kmsdiag-tui's command line as a struct: tui_parse_args() fills struct
 * tui_opts without opening anything (main.c: parse, run, emit, exit).
 */
#ifndef KD_TUI_ARGS_H
#define KD_TUI_ARGS_H

#include "cli.h"
#include "tui.h"

/* -t: per DNS query and per probe phase, 0.01 to 3600 seconds. */
#define TUI_TIMEOUT_MAX_MS	3600000u

/*
 * KD_CLI_RUN, KD_CLI_HELP, KD_CLI_VERSION or KD_CLI_USAGE with err set.
 * Whether the dashboard has a terminal is the caller's to check: it is
 * not in the arguments.
 */
int	tui_parse_args(int argc, char **argv, struct tui_opts *, struct kd_cli_err *);

#endif
