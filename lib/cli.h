/*
 * The option layer every tool shares: one syntax for seconds, counts,
 * ports and monitoring-plugins ranges, and usage errors as values.
 *
 * Each tool parses its argv into a struct with a function of its library
 * part (probe_parse_args, dnscheck_parse_args, ...), which unit tests call
 * without running the tool.  Nothing here prints or exits while parsing:
 * a parse function fills a struct kd_cli_err and returns KD_CLI_USAGE, and
 * the tool's main prints it (kd_cli_print) and picks the exit status.
 *
 * It also holds getopt's diagnostics said again with the argument escaped:
 * glibc prints "unrecognized option '--\e[2J'" as is, so tools set
 * opterr = 0 (kd_cli_reset) and report the '?' themselves.
 *
 * Seconds are decimal ("0.5", "2", "1.5"), at most three decimals, no
 * sign or exponent, and come back as milliseconds.  -t is the same
 * everywhere: the deadline of one check (one DNS lookup, one probe phase),
 * in seconds; only its range differs per tool.
 */
#ifndef KD_CLI_H
#define KD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nagios.h"

struct option;

/* What a parse function tells its main to do. */
enum kd_cli_act {
	KD_CLI_USAGE = -1,	/* err says why; exit 64 (UNKNOWN in Nagios mode) */
	KD_CLI_RUN = 0,
	KD_CLI_HELP,		/* print the help, exit 0 */
	KD_CLI_VERSION		/* print the version, exit 0 */
};

/* A usage error: the message, unescaped (it echoes arguments as given). */
struct kd_cli_err {
	char	msg[512];
};

/* -t: from 10 ms; the upper bound is each tool's. */
#define KD_CLI_TIMEOUT_MIN_MS	10u

/* Start the next getopt_long parse from a clean state (see cli.c). */
void	kd_cli_reset(void);

/* Set the error (printf-style, truncated to fit); returns false. */
bool	kd_cli_fail(struct kd_cli_err *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * After getopt_long returned '?' (opterr = 0): its message as glibc words
 * it ("unrecognized option '--x'", "option requires an argument -- 'x'"),
 * for kd_cli_print to escape.
 */
bool	kd_cli_getopt_fail(struct kd_cli_err *, char *const argv[], const char *optstring,
	    const struct option *longopts);

/*
 * The getopt_long loop of every tool, from a clean state: -h and -V end it
 * with KD_CLI_HELP and KD_CLI_VERSION, an unknown option or a missing
 * argument is a usage error, and each other option goes to one(ctx, ch,
 * arg, err), which returns false with err set to stop.  KD_CLI_RUN: optind
 * is at the first operand.
 */
typedef bool	kd_cli_option_fn(void *ctx, int ch, const char *arg, struct kd_cli_err *);
int	kd_cli_parse(int argc, char **argv, const char *optstring,
	    const struct option *longopts, kd_cli_option_fn *one, void *ctx,
	    struct kd_cli_err *);

/*
 * The parsers.  what names the option in the message ("timeout 9999: too
 * large (0.01 to 60 seconds)"); each returns false with err set, and
 * leaves *out unchanged then.
 */
bool	kd_cli_secs(const char *what, const char *s, unsigned min_ms, unsigned max_ms,
	    unsigned *ms, struct kd_cli_err *);
bool	kd_cli_uint(const char *what, const char *s, unsigned long min, unsigned long max,
	    unsigned long *out, struct kd_cli_err *);
bool	kd_cli_port(const char *what, const char *s, uint16_t *out, struct kd_cli_err *);
/* A monitoring-plugins range (lib/nagios.h): 10, 10:, ~:10, 10:20, @10:20. */
bool	kd_cli_range(const char *what, const char *s, struct kd_range *out,
	    struct kd_cli_err *);
/* A warning and a critical range (either NULL), each named by its option. */
bool	kd_cli_thresholds(const char *wname, const char *warn, const char *cname,
	    const char *crit, struct kd_thresholds *out, struct kd_cli_err *);
/* Append arg to a bounded list of a repeatable option (-d, -H, --evidence). */
bool	kd_cli_push(const char *what, const char *arg, const char **v, size_t *n,
	    size_t max, struct kd_cli_err *);

/*
 * Whether option ch is on the line (before "--"), read again from a clean
 * state and past any error: after a usage error, the output mode the line
 * asks for (--nagios) is still known.
 */
bool	kd_cli_given(int argc, char **argv, const char *optstring,
	    const struct option *longopts, int ch);

/* "PROG: message\n", escaped, to fp. */
void	kd_cli_print(FILE *fp, const char *prog, const struct kd_cli_err *);
/*
 * What a main does with its parse function's answer, the same in every
 * tool: -1 to run; otherwise the exit status once the help (help, or
 * usage on stdout when NULL) or "PROG VERSION" is printed (0), or the
 * usage error reported: kd_cli_nagios_exit for nagios_service when
 * nagios is set (3), else kd_cli_usage_exit (64).
 */
struct kd_cli_tool {
	const char	*prog;
	void		(*help)(void);
	void		(*usage)(FILE *);
	const char	*nagios_service;	/* "KMS DNS"; NULL: no --nagios */
};
int	kd_cli_answer(int act, const struct kd_cli_tool *, bool nagios,
	    const struct kd_cli_err *);

/* A usage error as every tool reports it: the message, then its usage; returns 64. */
int	kd_cli_usage_exit(const char *prog, const struct kd_cli_err *,
	    void (*usage)(FILE *));
/*
 * A usage error in a monitoring plugin's mode: "SERVICE UNKNOWN - message"
 * (escaped) on stdout, the one line a monitoring system reads; returns 3.
 */
int	kd_cli_nagios_exit(const char *service, const struct kd_cli_err *);

#endif
