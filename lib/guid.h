/*
 * GUID, FILETIME and UTF-16LE helpers shared by every decoder.
 *
 * A kd_guid holds the 16 bytes in text order (the order of the hex digits
 * in "aabbccdd-eeff-..."), so memcmp() sorts and compares like the text.
 * On the wire Microsoft sends the first three groups byte-reversed.
 */
#ifndef KD_GUID_H
#define KD_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct kd_guid {
	uint8_t	b[16];
};

#define KD_GUID_STRLEN	37	/* 36 characters and the NUL */

void	kd_guid_from_wire(struct kd_guid *, const uint8_t wire[16]);
void	kd_guid_to_wire(const struct kd_guid *, uint8_t wire[16]);
/* Accepts canonical text, any case, optional braces.  Returns false if malformed. */
bool	kd_guid_parse(struct kd_guid *, const char *);
/* Lowercase canonical form. */
char	*kd_guid_format(const struct kd_guid *, char out[KD_GUID_STRLEN]);
bool	kd_guid_eq(const struct kd_guid *, const struct kd_guid *);
bool	kd_guid_is_nil(const struct kd_guid *);

/* FILETIME: 100-ns ticks since 1601-01-01 UTC. */
#define KD_FILETIME_UNIX_EPOCH	116444736000000000ULL
/* Returns false if the value is before 1970 or past what time_t holds. */
bool	kd_filetime_to_unix(uint64_t ft, int64_t *secs, uint32_t *nsec100);
uint64_t kd_filetime_from_unix(int64_t secs, uint32_t usec);
/* RFC 3339 UTC, "2026-11-25T14:23:08Z"; "invalid" when out of range. */
char	*kd_filetime_format(uint64_t ft, char *out, size_t len);
char	*kd_unix_format(int64_t secs, char *out, size_t len);

/*
 * Decode UTF-16LE units into UTF-8.  Stops at the first NUL unit; reports
 * whether one was found.  Invalid surrogates are an error (returns false)
 * and are never passed through.  out always ends up NUL terminated.
 */
struct kd_utf16_result {
	size_t	units;		/* units consumed before the NUL or the end */
	bool	terminated;	/* a NUL unit was found */
	bool	valid;		/* no lone surrogates */
	size_t	bad_unit;	/* index of the first bad unit when !valid */
};
bool	kd_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t outlen,
	    struct kd_utf16_result *);
/* Encode UTF-8 into exactly nunits UTF-16LE units, NUL padded.  False if it does not fit. */
bool	kd_utf8_to_utf16le(const char *in, uint8_t *out, size_t nunits);

#endif
