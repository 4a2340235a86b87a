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

#include "diag.h"

struct kd_cur {
	const uint8_t	*base;		/* offsets are reported from here */
	const uint8_t	*p;		/* next unread byte */
	const uint8_t	*end;		/* one past the last readable byte */
	enum kd_status	 err;		/* first failure, sticky */
	size_t		 err_off;
};

enum kd_order { KD_LE, KD_BE };

void	kd_cur_init(struct kd_cur *, const void *buf, size_t len);
size_t	kd_cur_left(const struct kd_cur *);
size_t	kd_cur_off(const struct kd_cur *);
bool	kd_cur_ok(const struct kd_cur *);
bool	kd_cur_u8(struct kd_cur *, uint8_t *);
bool	kd_cur_u16(struct kd_cur *, enum kd_order, uint16_t *);
bool	kd_cur_u32(struct kd_cur *, enum kd_order, uint32_t *);
bool	kd_cur_u64(struct kd_cur *, enum kd_order, uint64_t *);
bool	kd_cur_bytes(struct kd_cur *, void *dst, size_t n);
/* Points *ptr at the next n bytes without copying. */
bool	kd_cur_ptr(struct kd_cur *, const uint8_t **ptr, size_t n);
bool	kd_cur_skip(struct kd_cur *, size_t n);
/* Skip to the next multiple of a (power of two) counted from base. */
bool	kd_cur_align(struct kd_cur *, size_t a);
/* A sub-cursor over the next n bytes, sharing base so offsets stay absolute. */
bool	kd_cur_sub(struct kd_cur *, size_t n, struct kd_cur *sub);
/* Mark the cursor invalid (for a semantic error found by the caller). */
void	kd_cur_fail(struct kd_cur *, enum kd_status);

#endif
