/*
 * Streaming JSON and text lines; see jsonw.h for why and for the exact
 * output rules (those of jansson's compact dump).
 */
#include <string.h>

#include "jsonw.h"

void
jw_init(struct jsonw *w, char *buf, size_t cap, FILE *fp)
{
	w->fp = fp;
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->overflow = cap == 0;
	w->depth = 0;
	w->nonempty = 0;
}

bool
jw_flush(struct jsonw *w)
{
	bool	 ok = true;

	if (w->fp != NULL && w->len > 0)
		ok = fwrite(w->buf, 1, w->len, w->fp) == w->len;
	if (w->fp != NULL)
		w->len = 0;
	return ok;
}

void
jw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (w->overflow)
		return;
	if (n > w->cap - w->len) {
		if (w->fp == NULL) {
			w->overflow = true;
			return;
		}
		jw_flush(w);
		if (n > w->cap) {
			fwrite(s, 1, n, w->fp);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void
jw_char(struct jsonw *w, char c)
{
	if (w->len < w->cap)
		w->buf[w->len++] = c;
	else
		jw_raw(w, &c, 1);
}

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

void
jw_dec0(struct jsonw *w, uint64_t v, unsigned width)
{
	char	 t[24];
	size_t	 n = sizeof(t);

	while (v >= 100) {
		n -= 2;
		memcpy(t + n, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		n -= 2;
		memcpy(t + n, digit_pairs + 2 * v, 2);
	} else
		t[--n] = (char)('0' + v);
	while (sizeof(t) - n < width && n > 0)
		t[--n] = '0';
	jw_raw(w, t + n, sizeof(t) - n);
}

void
jw_dec(struct jsonw *w, uint64_t v)
{
	jw_dec0(w, v, 1);
}

void
jw_sdec(struct jsonw *w, int64_t v)
{
	if (v < 0) {
		jw_char(w, '-');
		/* Two's complement: -(v + 1) + 1 avoids overflow at INT64_MIN. */
		jw_dec(w, (uint64_t)-(v + 1) + 1);
	} else
		jw_dec(w, (uint64_t)v);
}

/*
 * Length of the UTF-8 sequence at s (1-4), or 0 if it is not valid:
 * jansson's utf8_check_first/utf8_check_full.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned char	 u = s[0];
	uint32_t	 v;
	size_t		 n, i;

	if (u < 0x80)
		return 1;
	if (u >= 0xc2 && u <= 0xdf) {
		n = 2;
		v = u & 0x1f;
	} else if (u >= 0xe0 && u <= 0xef) {
		n = 3;
		v = u & 0x0f;
	} else if (u >= 0xf0 && u <= 0xf4) {
		n = 4;
		v = u & 0x07;
	} else
		return 0;	/* continuation byte, C0/C1, F5..FF */
	for (i = 1; i < n; i++) {
		/* A NUL here fails this test too, so s is never overrun. */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	return n;
}

/*
 * One pass over a string: its length, whether it is valid UTF-8 and
 * whether any byte needs an escape.  Most strings are plain ASCII and go
 * out in one copy.
 */
/* Byte classes for scan(): 0 plain ASCII, 1 needs an escape, 2 NUL, 3 not ASCII. */
#define C_ESC	1, 1, 1, 1, 1, 1, 1, 1
#define C_ASC	0, 0, 0, 0, 0, 0, 0, 0
#define C_HI	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
static const unsigned char byte_class[256] = {
	2, 1, 1, 1, 1, 1, 1, 1, C_ESC, C_ESC, C_ESC,		/* 0x00-0x1f */
	0, 0, 1, 0, 0, 0, 0, 0, C_ASC, C_ASC, C_ASC,		/* 0x20-0x3f: '"' */
	C_ASC, C_ASC, C_ASC, 0, 0, 0, 0, 1, 0, 0, 0,		/* 0x40-0x5f: '\\' */
	C_ASC, C_ASC, C_ASC, C_ASC,				/* 0x60-0x7f */
	C_HI, C_HI, C_HI, C_HI, C_HI, C_HI, C_HI, C_HI		/* 0x80-0xff */
};

static size_t
scan(const char *str, bool *valid, bool *plain)
{
	const unsigned char	*s = (const unsigned char *)str, *p = s;
	size_t			 n;

	*valid = *plain = true;
	for (;;) {
		while (byte_class[*p] == 0)
			p++;
		switch (byte_class[*p]) {
		case 1:
			*plain = false;
			p++;
			break;
		case 2:
			return (size_t)(p - s);
		default:
			if ((n = utf8_seq(p)) == 0) {
				*valid = false;
				return 0;
			}
			p += n;
		}
	}
}

bool
jw_utf8_valid(const char *str)
{
	bool	 valid, plain;

	scan(str, &valid, &plain);
	return valid;
}

/* Appends s (valid UTF-8, n bytes) as a JSON string. */
static void
put_string(struct jsonw *w, const char *str, size_t n, bool plain)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)str, *run;
	char			 e[6];
	size_t			 k;

	if (plain && n + 2 <= w->cap - w->len && !w->overflow) {
		w->buf[w->len] = '"';
		memcpy(w->buf + w->len + 1, str, n);
		w->buf[w->len + 1 + n] = '"';
		w->len += n + 2;
		return;
	}
	jw_char(w, '"');
	for (;;) {
		/* The run of bytes that need no escape goes out in one copy. */
		run = s;
		while (*s >= 0x20 && *s != '"' && *s != '\\')
			s++;
		jw_raw(w, (const char *)run, (size_t)(s - run));
		if (*s == '\0')
			break;
		e[0] = '\\';
		k = 2;
		switch (*s) {
		case '"':
			e[1] = '"';
			break;
		case '\\':
			e[1] = '\\';
			break;
		case '\b':
			e[1] = 'b';
			break;
		case '\f':
			e[1] = 'f';
			break;
		case '\n':
			e[1] = 'n';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\t':
			e[1] = 't';
			break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[*s >> 4];
			e[5] = hex[*s & 15];
			k = 6;
		}
		jw_raw(w, e, k);
		s++;
	}
	jw_char(w, '"');
}

/* The separator and the member name before a value. */
static void
member(struct jsonw *w, const char *key, size_t n)
{
	uint32_t	 bit;
	char		*p;
	bool		 comma;

	if (w->depth == 0)
		return;
	bit = UINT32_C(1) << (w->depth - 1);
	comma = (w->nonempty & bit) != 0;
	w->nonempty |= bit;
	if (key == NULL) {
		if (comma)
			jw_char(w, ',');
		return;
	}
	/* Member names are the caller's constants: see jsonw.h. */
	if (w->overflow || n + 4 > w->cap - w->len) {
		if (comma)
			jw_char(w, ',');
		put_string(w, key, n, true);
		jw_char(w, ':');
		return;
	}
	/* The common case: [,]"key": in one go. */
	p = w->buf + w->len;
	if (comma)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	w->len = (size_t)(p - w->buf);
}

void
jw_open_n(struct jsonw *w, const char *key, size_t klen)
{
	member(w, key, klen);
	if (w->depth >= JW_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	w->depth++;
	w->nonempty &= ~(UINT32_C(1) << (w->depth - 1));
	jw_char(w, '{');
}

void
jw_close(struct jsonw *w)
{
	if (w->depth == 0) {
		w->overflow = true;
		return;
	}
	w->depth--;
	jw_char(w, '}');
}

void
jw_key_n(struct jsonw *w, const char *key, size_t klen)
{
	member(w, key, klen);
}

bool
jw_scan(const char *s, size_t *len, bool *plain)
{
	bool	 valid;

	*len = scan(s, &valid, plain);
	return valid;
}

void
jw_str_scanned(struct jsonw *w, const char *key, size_t klen, const char *s,
    size_t len, bool plain)
{
	member(w, key, klen);
	put_string(w, s, len, plain);
}

bool
jw_str_n(struct jsonw *w, const char *key, size_t klen, const char *s)
{
	bool	 valid, plain;
	size_t	 n = scan(s, &valid, &plain);

	/* Not UTF-8: no member at all, as jansson would not add it. */
	if (!valid)
		return false;
	member(w, key, klen);
	put_string(w, s, n, plain);
	return true;
}

void
jw_int_n(struct jsonw *w, const char *key, size_t klen, int64_t v)
{
	member(w, key, klen);
	jw_sdec(w, v);
}

void
jw_bool_n(struct jsonw *w, const char *key, size_t klen, bool v)
{
	member(w, key, klen);
	if (v)
		jw_raw(w, "true", 4);
	else
		jw_raw(w, "false", 5);
}

void
jw_null_n(struct jsonw *w, const char *key, size_t klen)
{
	member(w, key, klen);
	jw_raw(w, "null", 4);
}
