#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guid.h"
#include "parse.h"

/* Wire order reverses the first three groups (4, 2 and 2 bytes). */
static const uint8_t wire_map[16] = {
	3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
};

void
kd_guid_from_wire(struct kd_guid *g, const uint8_t wire[16])
{
	for (int i = 0; i < 16; i++)
		g->b[i] = wire[wire_map[i]];
}

void
kd_guid_to_wire(const struct kd_guid *g, uint8_t wire[16])
{
	for (int i = 0; i < 16; i++)
		wire[wire_map[i]] = g->b[i];
}

bool
kd_guid_parse(struct kd_guid *g, const char *s)
{
	size_t len = strlen(s);
	int n = 0;

	if (len == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		len = 36;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			continue;
		}
		int hi = kd_hexval((unsigned char)s[i]), lo = kd_hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		g->b[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return n == 16;
}

char *
kd_guid_format(const struct kd_guid *g, char out[KD_GUID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[g->b[i] >> 4];
		*p++ = hex[g->b[i] & 15];
	}
	*p = '\0';
	return out;
}

bool
kd_guid_eq(const struct kd_guid *a, const struct kd_guid *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

bool
kd_guid_is_nil(const struct kd_guid *g)
{
	static const struct kd_guid nil;

	return memcmp(g->b, nil.b, 16) == 0;
}

bool
kd_filetime_to_unix(uint64_t ft, int64_t *secs, uint32_t *nsec100)
{
	if (ft < KD_FILETIME_UNIX_EPOCH)
		return false;
	ft -= KD_FILETIME_UNIX_EPOCH;
	*secs = (int64_t)(ft / 10000000);
	if (nsec100 != NULL)
		*nsec100 = (uint32_t)(ft % 10000000);
	/* Year 9999 is as far as RFC 3339 goes. */
	return *secs <= 253402300799LL;
}

uint64_t
kd_filetime_from_unix(int64_t secs, uint32_t usec)
{
	return (uint64_t)secs * 10000000 + (uint64_t)usec * 10 +
	    KD_FILETIME_UNIX_EPOCH;
}

char *
kd_unix_format(int64_t secs, char *out, size_t len)
{
	struct tm tm;
	time_t t = (time_t)secs;

	if (secs < 0 || secs > 253402300799LL || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "invalid");
	return out;
}

char *
kd_filetime_format(uint64_t ft, char *out, size_t len)
{
	int64_t secs;

	if (!kd_filetime_to_unix(ft, &secs, NULL)) {
		snprintf(out, len, "invalid");
		return out;
	}
	return kd_unix_format(secs, out, len);
}

static size_t
put_utf8(char *out, size_t outlen, size_t pos, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (pos + n >= outlen)
		return 0;
	memcpy(out + pos, b, n);
	return n;
}

bool
kd_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t outlen,
    struct kd_utf16_result *r)
{
	size_t pos = 0, i;
	struct kd_utf16_result tmp;

	if (r == NULL)
		r = &tmp;
	memset(r, 0, sizeof(*r));
	r->valid = true;
	if (outlen == 0)
		return false;
	for (i = 0; i < nunits; i++) {
		uint32_t u = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
		uint32_t cp = u;
		size_t n;

		if (u == 0) {
			r->terminated = true;
			break;
		}
		if (u >= 0xd800 && u <= 0xdbff) {
			uint32_t lo = 0;

			if (i + 1 < nunits)
				lo = (uint32_t)in[2 * i + 2] |
				    (uint32_t)in[2 * i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff) {
				r->valid = false;
				r->bad_unit = i;
				break;
			}
			cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			r->valid = false;
			r->bad_unit = i;
			break;
		}
		if ((n = put_utf8(out, outlen, pos, cp)) == 0)
			break;
		pos += n;
	}
	r->units = i;
	out[pos] = '\0';
	return r->valid;
}

bool
kd_utf8_to_utf16le(const char *in, uint8_t *out, size_t nunits)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;

	memset(out, 0, nunits * 2);
	while (*s != '\0') {
		uint32_t cp;
		int extra;

		if (*s < 0x80) {
			cp = *s;
			extra = 0;
		} else if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			extra = 1;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			extra = 2;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			extra = 3;
		} else
			return false;
		s++;
		for (int k = 0; k < extra; k++, s++) {
			if ((*s & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (*s & 0x3f);
		}
		/* Overlong forms, surrogates and code points past U+10FFFF have no UTF-16 form. */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (cp >= 0x10000) {
			/* Room for the pair and the terminating NUL. */
			if (n + 2 >= nunits)
				return false;
			cp -= 0x10000;
			uint32_t hi = 0xd800 + (cp >> 10), lo = 0xdc00 + (cp & 0x3ff);
			out[2 * n] = (uint8_t)hi;
			out[2 * n + 1] = (uint8_t)(hi >> 8);
			n++;
			out[2 * n] = (uint8_t)lo;
			out[2 * n + 1] = (uint8_t)(lo >> 8);
			n++;
		} else {
			if (n + 1 >= nunits)
				return false;
			out[2 * n] = (uint8_t)cp;
			out[2 * n + 1] = (uint8_t)(cp >> 8);
			n++;
		}
	}
	return true;
}
