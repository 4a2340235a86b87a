/*
 * The bounds-checked cursor (lib/cursor.c, style R1): byte order, the
 * sticky error and its offset, sub-cursors that keep offsets absolute,
 * alignment, and no read past the end whatever length is asked for.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "kdtest.h"

static const uint8_t buf[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10
};

static void
test_orders(void)
{
	struct kd_cur c;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_ok(&c));
	KDT_CHECK(kd_cur_left(&c) == 16);
	KDT_CHECK(kd_cur_off(&c) == 0);
	KDT_CHECK(kd_cur_u8(&c, &v8) && v8 == 0x01);
	KDT_CHECK(kd_cur_u16(&c, KD_LE, &v16) && v16 == 0x0302);
	KDT_CHECK(kd_cur_u16(&c, KD_BE, &v16) && v16 == 0x0405);
	KDT_CHECK(kd_cur_off(&c) == 5);
	KDT_CHECK(kd_cur_u8(&c, &v8) && v8 == 0x06);
	KDT_CHECK(kd_cur_u8(&c, &v8) && v8 == 0x07);
	KDT_CHECK(kd_cur_u8(&c, &v8) && v8 == 0x08);
	KDT_CHECK(kd_cur_u32(&c, KD_LE, &v32) && v32 == 0x0c0b0a09);
	KDT_CHECK(kd_cur_u32(&c, KD_BE, &v32) && v32 == 0x0d0e0f10);
	KDT_CHECK(kd_cur_left(&c) == 0);
	KDT_CHECK(kd_cur_ok(&c));

	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_u64(&c, KD_LE, &v64) && v64 == 0x0807060504030201ULL);
	KDT_CHECK(kd_cur_u64(&c, KD_BE, &v64) && v64 == 0x090a0b0c0d0e0f10ULL);
	KDT_CHECK(kd_cur_off(&c) == 16);

	/* High bits survive the shifts (no sign extension through int). */
	{
		static const uint8_t ff[8] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8 };

		kd_cur_init(&c, ff, sizeof(ff));
		KDT_CHECK(kd_cur_u32(&c, KD_LE, &v32) && v32 == 0xfcfdfeffu);
		kd_cur_init(&c, ff, sizeof(ff));
		KDT_CHECK(kd_cur_u16(&c, KD_BE, &v16) && v16 == 0xfffe);
		kd_cur_init(&c, ff, sizeof(ff));
		KDT_CHECK(kd_cur_u64(&c, KD_BE, &v64) && v64 == 0xfffefdfcfbfaf9f8ULL);
	}
}

static void
test_sticky(void)
{
	struct kd_cur c;
	uint8_t v8 = 0xaa, dst[4];
	uint16_t v16 = 0xaaaa;
	uint32_t v32 = 0xaaaaaaaa;
	uint64_t v64 = 1;
	const uint8_t *p = buf;

	kd_cur_init(&c, buf, 5);
	KDT_CHECK(kd_cur_u32(&c, KD_LE, &v32));
	/* Two bytes wanted, one left: fails at offset 4, value zeroed, p kept. */
	KDT_CHECK(!kd_cur_u16(&c, KD_LE, &v16));
	KDT_CHECK(v16 == 0);
	KDT_CHECK(!kd_cur_ok(&c));
	KDT_CHECK(c.err == KD_ETRUNC);
	KDT_CHECK(kd_cur_off(&c) == 4);
	KDT_CHECK(kd_cur_left(&c) == 0);
	/* Sticky: even a read that would fit now fails, and the offset stays. */
	KDT_CHECK(!kd_cur_u8(&c, &v8));
	KDT_CHECK(v8 == 0);
	KDT_CHECK(!kd_cur_u32(&c, KD_LE, &v32) && v32 == 0);
	KDT_CHECK(!kd_cur_u64(&c, KD_LE, &v64) && v64 == 0);
	KDT_CHECK(!kd_cur_bytes(&c, dst, 0));
	KDT_CHECK(!kd_cur_ptr(&c, &p, 0) && p == NULL);
	KDT_CHECK(!kd_cur_skip(&c, 0));
	KDT_CHECK(!kd_cur_align(&c, 4));
	KDT_CHECK(kd_cur_off(&c) == 4);
	/* A later kd_cur_fail does not overwrite the first error. */
	kd_cur_fail(&c, KD_EINVAL);
	KDT_CHECK(c.err == KD_ETRUNC && kd_cur_off(&c) == 4);

	/* kd_cur_fail records a semantic error at the current offset. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 7);
	kd_cur_fail(&c, KD_EINVAL);
	KDT_CHECK(!kd_cur_ok(&c) && c.err == KD_EINVAL && kd_cur_off(&c) == 7);
	KDT_CHECK(!kd_cur_u8(&c, &v8));

	/* kd_cur_bytes: a failed read zeroes the destination. */
	kd_cur_init(&c, buf, 3);
	memset(dst, 0x55, sizeof(dst));
	KDT_CHECK(!kd_cur_bytes(&c, dst, 4));
	KDT_CHECK(dst[0] == 0 && dst[1] == 0 && dst[2] == 0 && dst[3] == 0);
	KDT_CHECK(kd_cur_off(&c) == 0);

	/* Empty buffers, including a NULL one. */
	kd_cur_init(&c, buf, 0);
	KDT_CHECK(kd_cur_ok(&c) && kd_cur_left(&c) == 0);
	KDT_CHECK(kd_cur_skip(&c, 0));
	KDT_CHECK(!kd_cur_u8(&c, &v8));
	kd_cur_init(&c, NULL, 0);
	KDT_CHECK(kd_cur_ok(&c) && kd_cur_left(&c) == 0);
	KDT_CHECK(!kd_cur_u8(&c, &v8) && c.err == KD_ETRUNC && kd_cur_off(&c) == 0);
}

static void
test_huge(void)
{
	struct kd_cur c, sub;
	const uint8_t *p = buf;
	uint8_t small[2];

	/* SIZE_MAX and friends must fail cleanly, never wrap p + n. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 3);
	KDT_CHECK(!kd_cur_skip(&c, SIZE_MAX));
	KDT_CHECK(c.err == KD_ETRUNC && kd_cur_off(&c) == 3);

	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 1);
	KDT_CHECK(!kd_cur_ptr(&c, &p, SIZE_MAX) && p == NULL);
	KDT_CHECK(kd_cur_off(&c) == 1);

	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(!kd_cur_skip(&c, SIZE_MAX - 8));
	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(!kd_cur_skip(&c, (size_t)1 << (sizeof(size_t) * 8 - 1)));
	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(!kd_cur_skip(&c, 17));
	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_skip(&c, 16) && kd_cur_left(&c) == 0);

	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 2);
	KDT_CHECK(!kd_cur_sub(&c, SIZE_MAX, &sub));
	KDT_CHECK(!kd_cur_ok(&c) && !kd_cur_ok(&sub));
	KDT_CHECK(sub.err == KD_ETRUNC && kd_cur_off(&sub) == 2);
	KDT_CHECK(kd_cur_left(&sub) == 0);

	/* kd_cur_bytes with n > left but a small destination of n bytes. */
	kd_cur_init(&c, buf, 1);
	KDT_CHECK(!kd_cur_bytes(&c, small, sizeof(small)));
}

static void
test_sub(void)
{
	struct kd_cur c, sub, sub2;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;

	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 4);
	KDT_CHECK(kd_cur_sub(&c, 6, &sub));
	/* The parent moved past the sub-range; the sub-cursor keeps absolute offsets. */
	KDT_CHECK(kd_cur_off(&c) == 10);
	KDT_CHECK(kd_cur_off(&sub) == 4);
	KDT_CHECK(kd_cur_left(&sub) == 6);
	KDT_CHECK(sub.base == buf);
	KDT_CHECK(kd_cur_u32(&sub, KD_LE, &v32) && v32 == 0x08070605);
	/* Bounded by n, not by the parent's end. */
	KDT_CHECK(!kd_cur_u32(&sub, KD_LE, &v32));
	KDT_CHECK(sub.err == KD_ETRUNC && kd_cur_off(&sub) == 8);
	/* A failed sub-cursor does not poison the parent. */
	KDT_CHECK(kd_cur_ok(&c));
	KDT_CHECK(kd_cur_u8(&c, &v8) && v8 == 0x0b);

	/* Nested sub-cursors stay inside the outer one. */
	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_sub(&c, 8, &sub));
	KDT_CHECK(!kd_cur_sub(&sub, 9, &sub2));
	KDT_CHECK(!kd_cur_ok(&sub) && !kd_cur_ok(&sub2));
	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_sub(&c, 8, &sub));
	KDT_CHECK(kd_cur_sub(&sub, 8, &sub2) && kd_cur_left(&sub) == 0);
	KDT_CHECK(kd_cur_left(&sub2) == 8);

	/* A sub-cursor of zero bytes at the very end is fine. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 16);
	KDT_CHECK(kd_cur_sub(&c, 0, &sub) && kd_cur_left(&sub) == 0);
	KDT_CHECK(!kd_cur_u8(&sub, &v8) && kd_cur_off(&sub) == 16);

	/* Too short: both cursors fail at the parent's offset. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 12);
	KDT_CHECK(!kd_cur_sub(&c, 5, &sub));
	KDT_CHECK(c.err == KD_ETRUNC && kd_cur_off(&c) == 12);
	KDT_CHECK(sub.err == KD_ETRUNC && kd_cur_off(&sub) == 12);
	KDT_CHECK(!kd_cur_u16(&sub, KD_LE, &v16));
}

static void
test_align(void)
{
	struct kd_cur c, sub;
	uint8_t v8;

	kd_cur_init(&c, buf, sizeof(buf));
	KDT_CHECK(kd_cur_align(&c, 4) && kd_cur_off(&c) == 0);
	kd_cur_u8(&c, &v8);
	KDT_CHECK(kd_cur_align(&c, 4) && kd_cur_off(&c) == 4);
	KDT_CHECK(kd_cur_align(&c, 4) && kd_cur_off(&c) == 4);
	kd_cur_skip(&c, 1);
	KDT_CHECK(kd_cur_align(&c, 8) && kd_cur_off(&c) == 8);
	KDT_CHECK(kd_cur_align(&c, 1) && kd_cur_off(&c) == 8);
	kd_cur_skip(&c, 7);
	KDT_CHECK(kd_cur_align(&c, 16) && kd_cur_off(&c) == 16);
	/* Aligning past the end is a truncation. */
	kd_cur_init(&c, buf, 14);
	kd_cur_skip(&c, 13);
	KDT_CHECK(!kd_cur_align(&c, 4));
	KDT_CHECK(c.err == KD_ETRUNC && kd_cur_off(&c) == 13);
	/* Alignment counts from base, also inside a sub-cursor. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 3);
	kd_cur_sub(&c, 10, &sub);
	KDT_CHECK(kd_cur_align(&sub, 4) && kd_cur_off(&sub) == 4);
	/* A zero alignment is refused rather than dividing by zero. */
	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 3);
	KDT_CHECK(!kd_cur_align(&c, 0));
	KDT_CHECK(c.err == KD_EINVAL);
}

static void
test_ptr(void)
{
	struct kd_cur c;
	const uint8_t *p = NULL;

	kd_cur_init(&c, buf, sizeof(buf));
	kd_cur_skip(&c, 2);
	KDT_CHECK(kd_cur_ptr(&c, &p, 3) && p == buf + 2);
	KDT_CHECK(kd_cur_off(&c) == 5);
	KDT_CHECK(kd_cur_ptr(&c, &p, 11) && p == buf + 5 && kd_cur_left(&c) == 0);
	KDT_CHECK(kd_cur_ptr(&c, &p, 0) && p == buf + 16);
}

int
main(void)
{
	test_orders();
	test_sticky();
	test_huge();
	test_sub();
	test_align();
	test_ptr();
	return KDT_DONE("test_cursor");
}
