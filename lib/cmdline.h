/*
 * Command-line error messages that are safe on a terminal.  A message
 * echoes the argument it refuses ("port 99999: too large"), and an
 * argument may come from wherever a script took it (a DNS name, a file
 * name), so the message is escaped like wire text (kd_sanitize).
 * getopt_long's own messages print arguments unescaped: tools set
 * opterr = 0 and report its '?' with kd_getopt_error() instead.
 */
#ifndef KD_CMDLINE_H
#define KD_CMDLINE_H

#include <stdarg.h>
#include <stddef.h>

/* "PROG: message\n" on stderr, the message escaped. */
void	kd_usage_msg(const char *prog, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	kd_usage_vmsg(const char *prog, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * After getopt_long returned '?' (opterr = 0): what glibc would have said
 * ("unrecognized option '--x'", "invalid option -- 'x'", "option requires
 * an argument -- 'x'", "option '--x' is ambiguous"), escaped.  optstring
 * and longopts are the ones given to getopt_long.
 */
struct option;
void	kd_getopt_error(const char *prog, char *const argv[], const char *optstring,
	    const struct option *longopts);
/* The same message into buf, unescaped, for a caller that prints it its own way. */
void	kd_getopt_errstr(char *buf, size_t len, char *const argv[],
	    const char *optstring, const struct option *longopts);

#endif
