/*
 * Numbers from the command line, shaped like OpenBSD's strtonum(3), so
 * every tool says "timeout 99999: too large" the same way; and the hex
 * digits of GUIDs and error codes.
 */
#ifndef KD_PARSE_H
#define KD_PARSE_H

/*
 * Decimal only, no sign prefix or spaces.  Returns the value, or 0 with
 * *errstr set to "invalid", "too small" or "too large".
 */
long long	kd_parse_num(const char *s, long long min, long long max,
		    const char **errstr);

/* The value of one hex digit (either case), or -1. */
int		kd_hexval(int c);

#endif
