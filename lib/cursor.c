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

size_t
kd_cur_left(const struct kd_cur *c)
{
	return c->err != KD_OK ? 0 : (size_t)(c->end - c->p);
}

size_t
kd_cur_off(const struct kd_cur *c)
{
	return c->err != KD_OK ? c->err_off : (size_t)(c->p - c->base);
}

bool
kd_cur_ok(const struct kd_cur *c)
{
	return c->err == KD_OK;
}

void
kd_cur_fail(struct kd_cur *c, enum kd_status st)
{
	if (c->err == KD_OK) {
		c->err = st;
		c->err_off = (size_t)(c->p - c->base);
	}
}

/* The single place where a length is checked against what is left. */
static bool
need(struct kd_cur *c, size_t n)
{
	if (c->err != KD_OK)
		return false;
	if (n > (size_t)(c->end - c->p)) {
		kd_cur_fail(c, KD_ETRUNC);
		return false;
	}
	return true;
}

bool
kd_cur_u8(struct kd_cur *c, uint8_t *v)
{
	if (!need(c, 1)) {
		*v = 0;
		return false;
	}
	*v = *c->p++;
	return true;
}

bool
kd_cur_u16(struct kd_cur *c, enum kd_order o, uint16_t *v)
{
	if (!need(c, 2)) {
		*v = 0;
		return false;
	}
	*v = o == KD_LE ? (uint16_t)(c->p[0] | c->p[1] << 8) :
	    (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return true;
}

bool
kd_cur_u32(struct kd_cur *c, enum kd_order o, uint32_t *v)
{
	const uint8_t *p;

	if (!need(c, 4)) {
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

bool
kd_cur_u64(struct kd_cur *c, enum kd_order o, uint64_t *v)
{
	uint32_t a, b;

	if (!need(c, 8)) {
		*v = 0;
		return false;
	}
	kd_cur_u32(c, o, &a);
	kd_cur_u32(c, o, &b);
	*v = o == KD_LE ? (uint64_t)b << 32 | a : (uint64_t)a << 32 | b;
	return true;
}

bool
kd_cur_bytes(struct kd_cur *c, void *dst, size_t n)
{
	if (!need(c, n)) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, c->p, n);
	c->p += n;
	return true;
}

bool
kd_cur_ptr(struct kd_cur *c, const uint8_t **ptr, size_t n)
{
	if (!need(c, n)) {
		*ptr = NULL;
		return false;
	}
	*ptr = c->p;
	c->p += n;
	return true;
}

bool
kd_cur_skip(struct kd_cur *c, size_t n)
{
	if (!need(c, n))
		return false;
	c->p += n;
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
	if (!need(c, n)) {
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
