/*
 * Bounded formatting into the fixed-size text fields of checks and
 * results (summary, detail, fix).  Cutting a long name at the field's end
 * is intended, so these go through vsnprintf, out of
 * -Wformat-truncation's sight, and always leave a NUL-terminated string.
 */
#ifndef KD_TEXTF_H
#define KD_TEXTF_H

#include <stddef.h>

/* Format into buf (len > 0), cut at len - 1 characters. */
void	kd_setf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Append to the string in buf, cut at len - 1; a full buf is left as is. */
void	kd_appendf(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
