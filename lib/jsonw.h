/*
 * A streaming writer for one line of output at a time: JSON objects
 * written straight into a caller's buffer, and plain text for the
 * tcpdump-like lines, without building a tree.
 *
 * kmsdiag-capture emits one JSON object per exchange, about 45 values;
 * building them as jansson objects (a malloc and a UTF-8 check each) and
 * dumping them character by character cost more than decoding,
 * decrypting and verifying the exchange.  This writer produces the same
 * bytes jansson's json_dumpb() does with JSON_COMPACT | JSON_PRESERVE_ORDER:
 * members in the order written, "," and ":" without spaces, integers as
 * %lld, strings escaped as jansson escapes them (\" \\ \b \f \n \r \t,
 * other control characters as \u00XX with upper-case hex, everything else
 * including DEL, U+2028 and U+2029 as is).  Like json_string(), a string
 * that is not valid UTF-8 is refused: its member is left out, exactly as
 * json_object_set_new() leaves out a NULL value.
 *
 * Nothing is allocated.  With a FILE the buffer is written out whenever
 * it fills up and by jw_flush(), so any length works; without one (fp
 * NULL) a full buffer sets overflow and nothing more is written.
 * Nesting is limited to JW_MAX_DEPTH (deeper sets overflow as well).
 */
#ifndef KD_JSONW_H
#define KD_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JW_MAX_DEPTH	16

struct jsonw {
	FILE		*fp;		/* where a full buffer goes, or NULL */
	char		*buf;
	size_t		 len, cap;
	bool		 overflow;	/* something did not fit (or nested too deep) */
	unsigned	 depth;		/* open objects */
	uint32_t	 nonempty;	/* bit d: the object at depth d has a member */
};

void	jw_init(struct jsonw *, char *buf, size_t cap, FILE *fp);
/* Writes out what is buffered (with a FILE); false on a write error. */
bool	jw_flush(struct jsonw *);

/* Plain text, for lines that are not JSON. */
void	jw_raw(struct jsonw *, const char *s, size_t n);
void	jw_char(struct jsonw *, char c);
void	jw_dec(struct jsonw *, uint64_t v);	/* decimal, as %llu */
void	jw_sdec(struct jsonw *, int64_t v);	/* decimal, as %lld */
/* v in decimal with at least width digits, zero-padded (as %0*llu). */
void	jw_dec0(struct jsonw *, uint64_t v, unsigned width);

/*
 * JSON.  key is the member name inside an object and NULL for the
 * top-level value; it is written as is, so it must be printable ASCII
 * without '"' or '\\' (member names are the caller's constants, never
 * data).  jw_str returns false (and writes nothing) when s is not valid
 * UTF-8.
 */
void	jw_close(struct jsonw *);
/* The calls below with the member name's length (klen), for the inline ones. */
void	jw_open_n(struct jsonw *, const char *key, size_t klen);
void	jw_key_n(struct jsonw *, const char *key, size_t klen);
bool	jw_str_n(struct jsonw *, const char *key, size_t klen, const char *s);
void	jw_int_n(struct jsonw *, const char *key, size_t klen, int64_t v);
void	jw_bool_n(struct jsonw *, const char *key, size_t klen, bool v);
void	jw_null_n(struct jsonw *, const char *key, size_t klen);

/*
 * Inline, so that the length of a constant (every member name, most
 * text) is known when the call is compiled: about 45 strlen() calls per
 * exchange line were a visible part of --json.
 */
static inline void
jw_text(struct jsonw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static inline size_t
jw_klen(const char *key)
{
	return key != NULL ? strlen(key) : 0;
}

static inline void
jw_open(struct jsonw *w, const char *key)
{
	jw_open_n(w, key, jw_klen(key));
}

/*
 * Only the separator and "key": for a value the caller writes itself
 * with the plain-text calls (a number, or a string known to need no
 * escaping, quotes included).
 */
static inline void
jw_key(struct jsonw *w, const char *key)
{
	jw_key_n(w, key, jw_klen(key));
}

static inline bool
jw_str(struct jsonw *w, const char *key, const char *s)
{
	return jw_str_n(w, key, jw_klen(key), s);
}

static inline void
jw_int(struct jsonw *w, const char *key, int64_t v)
{
	jw_int_n(w, key, jw_klen(key), v);
}

static inline void
jw_bool(struct jsonw *w, const char *key, bool v)
{
	jw_bool_n(w, key, jw_klen(key), v);
}

static inline void
jw_null(struct jsonw *w, const char *key)
{
	jw_null_n(w, key, jw_klen(key));
}

/*
 * What jw_str() finds out about s before writing it: its length, whether
 * it is valid UTF-8 (false: jw_str writes nothing) and whether it is
 * plain (nothing to escape).  jw_str_scanned() writes s with that answer,
 * for a caller that keeps it for strings that never change.
 */
bool	jw_scan(const char *s, size_t *len, bool *plain);
void	jw_str_scanned(struct jsonw *, const char *key, size_t klen, const char *s,
	    size_t len, bool plain);

/* jansson's notion of valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
bool	jw_utf8_valid(const char *s);

#endif
