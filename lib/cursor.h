/*
 * The bounds-checked cursor through which every untrusted byte is read.
 *
 * A failed read records the first error and its offset, returns false, and
 * makes every later read fail too (the error is sticky), so a decoder can
 * read a whole header and check once.  Lengths are always compared with
 * the bytes remaining; p + n is never formed before that check.
 */
#ifndef KD_CURSOR_H
#define KD_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"

struct kd_cur {
	const uint8_t	*base;		/* offsets are reported from here */
	const uint8_t	*p;		/* next unread byte */
	const uint8_t	*end;		/* one past the last readable byte */
	enum kd_status	 err;		/* first failure, sticky */
	size_t		 err_off;
};

enum kd_order { KD_LE, KD_BE };

/*
 * The reads are inline: the packet headers and KMS messages are read a
 * field at a time, and a call per field (with the byte order decided at
 * run time) was a tenth of a capture's CPU.  kd_cur_fail() and the rarer
 * reads stay in cursor.c.
 */
void	kd_cur_init(struct kd_cur *, const void *buf, size_t len);
/* Mark the cursor invalid (for a semantic error found by the caller). */
void	kd_cur_fail(struct kd_cur *, enum kd_status);
bool	kd_cur_u64(struct kd_cur *, enum kd_order, uint64_t *);
/* Skip to the next multiple of a (power of two) counted from base. */
bool	kd_cur_align(struct kd_cur *, size_t a);
/* A sub-cursor over the next n bytes, sharing base so offsets stay absolute. */
bool	kd_cur_sub(struct kd_cur *, size_t n, struct kd_cur *sub);

static inline size_t
kd_cur_left(const struct kd_cur *c)
{
	return c->err != KD_OK ? 0 : (size_t)(c->end - c->p);
}

static inline size_t
kd_cur_off(const struct kd_cur *c)
{
	return c->err != KD_OK ? c->err_off : (size_t)(c->p - c->base);
}

static inline bool
kd_cur_ok(const struct kd_cur *c)
{
	return c->err == KD_OK;
}

/* The single place where a length is checked against what is left. */
static inline bool
kd_cur_need(struct kd_cur *c, size_t n)
{
	if (c->err != KD_OK)
		return false;
	if (n > (size_t)(c->end - c->p)) {
		kd_cur_fail(c, KD_ETRUNC);
		return false;
	}
	return true;
}

static inline bool
kd_cur_u8(struct kd_cur *c, uint8_t *v)
{
	if (!kd_cur_need(c, 1)) {
		*v = 0;
		return false;
	}
	*v = *c->p++;
	return true;
}

static inline bool
kd_cur_u16(struct kd_cur *c, enum kd_order o, uint16_t *v)
{
	if (!kd_cur_need(c, 2)) {
		*v = 0;
		return false;
	}
	*v = o == KD_LE ? (uint16_t)(c->p[0] | c->p[1] << 8) :
	    (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return true;
}

static inline bool
kd_cur_u32(struct kd_cur *c, enum kd_order o, uint32_t *v)
{
	const uint8_t *p;

	if (!kd_cur_need(c, 4)) {
		*v = 0;
		return false;
	}
	p = c->p;
	if (o == KD_LE)
		*v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	else
		*v = (uint32_t)p[3] | (uint32_t)p[2] << 8 |
		    (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
	c->p += 4;
	return true;
}

static inline bool
kd_cur_bytes(struct kd_cur *c, void *dst, size_t n)
{
	if (!kd_cur_need(c, n)) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, c->p, n);
	c->p += n;
	return true;
}

/* Points *ptr at the next n bytes without copying. */
static inline bool
kd_cur_ptr(struct kd_cur *c, const uint8_t **ptr, size_t n)
{
	if (!kd_cur_need(c, n)) {
		*ptr = NULL;
		return false;
	}
	*ptr = c->p;
	c->p += n;
	return true;
}

static inline bool
kd_cur_skip(struct kd_cur *c, size_t n)
{
	if (!kd_cur_need(c, n))
		return false;
	c->p += n;
	return true;
}

#endif
