#include <string.h>

#include "cursor.h"

void
kd_cur_init(struct kd_cur *c, const void *buf, size_t len)
{
	c->base = buf;
	c->p = buf;
	/* NULL + 0 is undefined; an empty buffer may come as NULL. */
	c->end = buf != NULL ? c->base + len : c->base;
	c->err = KD_OK;
	c->err_off = 0;
}

void
kd_cur_fail(struct kd_cur *c, enum kd_status st)
{
	if (c->err == KD_OK) {
		c->err = st;
		c->err_off = (size_t)(c->p - c->base);
	}
}

bool
kd_cur_u64(struct kd_cur *c, enum kd_order o, uint64_t *v)
{
	uint32_t a, b;

	if (!kd_cur_need(c, 8)) {
		*v = 0;
		return false;
	}
	kd_cur_u32(c, o, &a);
	kd_cur_u32(c, o, &b);
	*v = o == KD_LE ? (uint64_t)b << 32 | a : (uint64_t)a << 32 | b;
	return true;
}

bool
kd_cur_align(struct kd_cur *c, size_t a)
{
	size_t off;

	if (c->err != KD_OK)
		return false;
	if (a == 0) {
		kd_cur_fail(c, KD_EINVAL);
		return false;
	}
	off = (size_t)(c->p - c->base);
	return kd_cur_skip(c, (a - off % a) % a);
}

bool
kd_cur_sub(struct kd_cur *c, size_t n, struct kd_cur *sub)
{
	if (!kd_cur_need(c, n)) {
		sub->base = c->base;
		sub->p = sub->end = c->p;
		sub->err = KD_ETRUNC;
		sub->err_off = (size_t)(c->p - c->base);
		return false;
	}
	sub->base = c->base;
	sub->p = c->p;
	sub->end = c->p + n;
	sub->err = KD_OK;
	sub->err_off = 0;
	c->p += n;
	return true;
}
