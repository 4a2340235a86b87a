/*
 * Unit tests for the TCP stream reassembler (lib/tcpreasm.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kdtest.h"
#include "tcpreasm.h"

#define RND_LEN		65536

static uint64_t	rng_state;

static uint64_t
rng(void)
{
	/* xorshift64 (Marsaglia 2003); fixed seeds keep runs reproducible. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state);
}

static size_t
rng_below(size_t n)
{
	return (n == 0 ? 0 : (size_t)(rng() % n));
}

/* The byte a test stream carries at offset i. */
static uint8_t
pat(size_t i)
{
	return ((uint8_t)((i * 2654435761u) >> 13));
}

static void
fill(uint8_t *p, size_t from, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = pat(from + i);
}

/* Unread bytes equal pat(from .. from + n). */
static bool
data_is(const struct tcpreasm *r, size_t from, size_t n)
{
	const uint8_t	*p;
	size_t		 len, i;

	p = tcpreasm_data(r, &len);
	if (len != n)
		return (false);
	for (i = 0; i < n; i++)
		if (p[i] != pat(from + i))
			return (false);
	return (true);
}

/* Adds stream bytes [from, from + n) of a stream starting at isn. */
static enum kd_status
add_pat(struct tcpreasm *r, uint32_t isn, size_t from, size_t n)
{
	uint8_t	buf[4096];

	if (n > sizeof(buf))
		return (KD_EINVAL);
	fill(buf, from, n);
	return (tcpreasm_add(r, isn + (uint32_t)from, buf, n));
}

static void
test_in_order(void)
{
	struct tcpreasm	 r;
	const uint8_t	*p, *pbuf;
	size_t		 n, mem, i;
	bool		 same = true;

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	p = tcpreasm_data(&r, &n);
	KDT_CHECK(p != NULL && n == 0);
	tcpreasm_set_isn(&r, 1000);
	KDT_CHECK(add_pat(&r, 1000, 0, 100) == KD_OK);
	KDT_CHECK(add_pat(&r, 1000, 100, 50) == KD_OK);
	KDT_CHECK(add_pat(&r, 1000, 150, 1) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 151));
	KDT_CHECK(r.next_seq == 1151);
	tcpreasm_consume(&r, 60);
	KDT_CHECK(data_is(&r, 60, 91));
	KDT_CHECK(add_pat(&r, 1000, 151, 9) == KD_OK);
	KDT_CHECK(data_is(&r, 60, 100));
	tcpreasm_consume(&r, 1000);		/* clamped */
	p = tcpreasm_data(&r, &n);
	KDT_CHECK(n == 0);
	KDT_CHECK(r.bytes_in_order == 160 && r.bytes_accepted == 160);
	KDT_CHECK(r.segs_ooo == 0 && r.bytes_retransmitted == 0);
	KDT_CHECK(!tcpreasm_has_held(&r));
	KDT_CHECK(tcpreasm_valid(&r));

	/*
	 * A drained window is freed: an idle direction holds nothing, and
	 * tcpreasm_held() counts the window in use, not the allocation.
	 */
	KDT_CHECK(r.buf == NULL && tcpreasm_mem(&r) == 0);
	for (i = 0; i < 1000; i++) {
		if (add_pat(&r, 1000, 160 + i * 1460, 1460) != KD_OK)
			same = false;
		if (tcpreasm_held(&r) != (size_t)(i % 3 + 1) * 1460)
			same = false;
		if (i % 3 == 2) {
			p = tcpreasm_data(&r, &n);
			tcpreasm_consume(&r, n);
			if (r.buf != NULL || tcpreasm_mem(&r) != 0 ||
			    tcpreasm_held(&r) != 0)
				same = false;
		}
	}
	KDT_CHECK(same);
	KDT_CHECK(tcpreasm_valid(&r));
	(void)pbuf;
	(void)mem;

	/* Zero-copy: in order with nothing buffered, the segment is the stream. */
	KDT_CHECK(!tcpreasm_can_pass(&r, r.next_seq));	/* unread bytes */
	p = tcpreasm_data(&r, &n);
	tcpreasm_consume(&r, n);
	KDT_CHECK(tcpreasm_can_pass(&r, r.next_seq));
	KDT_CHECK(!tcpreasm_can_pass(&r, r.next_seq + 1));
	{
		uint64_t	 acc = r.bytes_accepted;
		uint32_t	 ns = r.next_seq;

		tcpreasm_pass(&r, 300);
		KDT_CHECK(r.next_seq == ns + 300 && r.bytes_accepted == acc + 300);
		KDT_CHECK(r.buf == NULL && tcpreasm_valid(&r));
		/* The partial PDU after the used bytes goes to the buffer. */
		KDT_CHECK(add_pat(&r, 1000, (size_t)(ns + 300 - 1000), 40) == KD_OK);
		KDT_CHECK(!tcpreasm_can_pass(&r, r.next_seq));
		KDT_CHECK(tcpreasm_held(&r) == 40 && tcpreasm_mem(&r) >= 40);
		/* A held out-of-order range also forbids passing. */
		p = tcpreasm_data(&r, &n);
		tcpreasm_consume(&r, n);
		KDT_CHECK(add_pat(&r, 1000, (size_t)(r.next_seq + 10 - 1000), 5) == KD_OK);
		KDT_CHECK(!tcpreasm_can_pass(&r, r.next_seq));
		KDT_CHECK(tcpreasm_held(&r) == 15);
	}

	/* No ISN: the first segment starts the stream. */
	tcpreasm_fini(&r);
	KDT_CHECK(!r.have_isn && r.buf == NULL);
	KDT_CHECK(add_pat(&r, 77, 5, 10) == KD_OK);
	KDT_CHECK(r.have_isn && r.next_seq == 77 + 15);
	KDT_CHECK(data_is(&r, 5, 10));
	tcpreasm_fini(&r);
	tcpreasm_fini(&r);			/* safe twice */
	KDT_CHECK(tcpreasm_mem(&r) == 0);
}

static void
test_out_of_order(void)
{
	struct tcpreasm	r;

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, 500);
	/* Three segments delivered 3, 1, 2. */
	KDT_CHECK(add_pat(&r, 500, 200, 100) == KD_OK);
	KDT_CHECK(tcpreasm_has_held(&r) && data_is(&r, 0, 0));
	KDT_CHECK(r.held_bytes == 100);
	KDT_CHECK(add_pat(&r, 500, 0, 100) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 100) && tcpreasm_has_held(&r));
	KDT_CHECK(add_pat(&r, 500, 100, 100) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 300));
	KDT_CHECK(!tcpreasm_has_held(&r) && r.held_bytes == 0);
	KDT_CHECK(r.next_seq == 800);
	KDT_CHECK(r.segs_ooo == 1 && r.bytes_overlap == 0);
	KDT_CHECK(r.bytes_in_order == 300 && r.bytes_accepted == 300);
	KDT_CHECK(tcpreasm_valid(&r));

	/* Reverse order: 4 held ranges merging into one as they abut. */
	tcpreasm_consume(&r, 300);
	KDT_CHECK(add_pat(&r, 500, 600, 100) == KD_OK);
	KDT_CHECK(add_pat(&r, 500, 500, 100) == KD_OK);
	KDT_CHECK(add_pat(&r, 500, 400, 100) == KD_OK);
	KDT_CHECK(r.nheld == 1 && r.held_bytes == 300);
	KDT_CHECK(add_pat(&r, 500, 300, 100) == KD_OK);
	KDT_CHECK(data_is(&r, 300, 400) && r.nheld == 0);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_retransmission(void)
{
	struct tcpreasm	r;
	uint8_t		junk[64];

	memset(junk, 0xee, sizeof(junk));
	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, 1);
	KDT_CHECK(add_pat(&r, 1, 0, 64) == KD_OK);
	/* Exact retransmission, with different bytes: ignored. */
	KDT_CHECK(tcpreasm_add(&r, 1, junk, 64) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 64);
	KDT_CHECK(data_is(&r, 0, 64));
	/* After consumption too. */
	tcpreasm_consume(&r, 64);
	KDT_CHECK(add_pat(&r, 1, 0, 64) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 128 && data_is(&r, 0, 0));
	/* Exact retransmission of a held segment: overlap, first copy wins. */
	KDT_CHECK(add_pat(&r, 1, 100, 20) == KD_OK);
	KDT_CHECK(tcpreasm_add(&r, 101, junk, 20) == KD_OK);
	KDT_CHECK(r.bytes_overlap == 20 && r.nheld == 1);
	KDT_CHECK(r.segs_ooo == 2);
	KDT_CHECK(add_pat(&r, 1, 64, 36) == KD_OK);
	KDT_CHECK(data_is(&r, 64, 56));
	KDT_CHECK(r.bytes_accepted == 120);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_partial_overlap(void)
{
	struct tcpreasm	r;
	uint8_t		seg[64];

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, 0);
	/* In order, overlapping the delivered tail: [0,10) then [5,15). */
	KDT_CHECK(add_pat(&r, 0, 0, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 0, 5, 10) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 5 && data_is(&r, 0, 15));
	tcpreasm_consume(&r, 15);

	/* Held [30,40); [25,45) overlaps both of its ends with other bytes. */
	KDT_CHECK(add_pat(&r, 0, 30, 10) == KD_OK);
	memset(seg, 0xaa, sizeof(seg));
	fill(seg, 25, 5);
	fill(seg + 15, 40, 5);
	KDT_CHECK(tcpreasm_add(&r, 25, seg, 20) == KD_OK);
	KDT_CHECK(r.bytes_overlap == 10);
	KDT_CHECK(r.nheld == 1 && r.held_bytes == 20);
	/* Fill [15,25), overlapping delivered bytes and the held range. */
	fill(seg, 10, 20);
	KDT_CHECK(tcpreasm_add(&r, 10, seg, 20) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 10 && r.bytes_overlap == 15);
	KDT_CHECK(data_is(&r, 15, 30) && r.nheld == 0);
	KDT_CHECK(r.next_seq == 45);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_cover_two(void)
{
	struct tcpreasm	r;
	uint8_t		seg[64];

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, 7000);
	KDT_CHECK(add_pat(&r, 7000, 10, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 7000, 30, 10) == KD_OK);
	KDT_CHECK(r.nheld == 2);
	/* [5,45) covers both; the held copies win. */
	memset(seg, 0x55, sizeof(seg));
	fill(seg, 5, 5);
	fill(seg + 15, 20, 10);
	fill(seg + 35, 40, 5);
	KDT_CHECK(tcpreasm_add(&r, 7005, seg, 40) == KD_OK);
	KDT_CHECK(r.nheld == 1 && r.held_bytes == 40);
	KDT_CHECK(r.bytes_overlap == 20);
	KDT_CHECK(add_pat(&r, 7000, 0, 5) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 45) && r.nheld == 0);
	/* An exact fill between two held ranges merges all three. */
	KDT_CHECK(add_pat(&r, 7000, 50, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 7000, 70, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 7000, 60, 10) == KD_OK);
	KDT_CHECK(r.nheld == 1 && r.held_bytes == 30);
	KDT_CHECK(add_pat(&r, 7000, 45, 5) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 80));
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_wraparound(void)
{
	struct tcpreasm	r;
	uint32_t	isn = UINT32_C(0xfffffff0);
	size_t		dropped;

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, isn);
	/* [16,48) is past 2^32 and arrives first. */
	KDT_CHECK(add_pat(&r, isn, 16, 32) == KD_OK);
	KDT_CHECK(r.nheld == 1 && r.segs_ooo == 1);
	/* [8,24) crosses 2^32 and overlaps it. */
	KDT_CHECK(add_pat(&r, isn, 8, 16) == KD_OK);
	KDT_CHECK(r.nheld == 1 && r.bytes_overlap == 8);
	KDT_CHECK(add_pat(&r, isn, 0, 8) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 48) && r.next_seq == 32);
	/* A retransmission from before the wrap. */
	KDT_CHECK(add_pat(&r, isn, 4, 10) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 10 && data_is(&r, 0, 48));
	/* One crossing the wrap and reaching past next_seq. */
	KDT_CHECK(add_pat(&r, isn, 12, 40) == KD_OK);
	KDT_CHECK(r.bytes_retransmitted == 46 && data_is(&r, 0, 52));
	KDT_CHECK(tcpreasm_valid(&r));

	/* A gap across the wrap. */
	tcpreasm_set_isn(&r, UINT32_C(0xfffffffa));
	KDT_CHECK(r.bytes_unread_dropped == 52);
	KDT_CHECK(tcpreasm_add(&r, 10, (const uint8_t *)"abcd", 4) == KD_OK);
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 16 && dropped == 0);
	KDT_CHECK(r.next_seq == 14 && r.bytes_gap == 16);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_gap(void)
{
	struct tcpreasm	 r;
	size_t		 dropped = 99, gap;

	tcpreasm_init(&r, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	tcpreasm_set_isn(&r, 1000);
	/* Nothing held, nothing unread. */
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 0 && dropped == 0);
	KDT_CHECK(r.resync && r.gaps == 0);
	KDT_CHECK(add_pat(&r, 1000, 0, 10) == KD_OK);	/* in order: no jump */
	KDT_CHECK(!r.resync && r.gaps == 0 && data_is(&r, 0, 10));

	KDT_CHECK(add_pat(&r, 1000, 20, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 1000, 40, 10) == KD_OK);
	gap = tcpreasm_skip_gap(&r, &dropped);
	KDT_CHECK(gap == 10 && dropped == 10);
	KDT_CHECK(r.gaps == 1 && r.bytes_gap == 10);
	KDT_CHECK(r.bytes_unread_dropped == 10);
	KDT_CHECK(data_is(&r, 20, 10) && r.nheld == 1);
	KDT_CHECK(r.next_seq == 1030);
	tcpreasm_consume(&r, 4);
	gap = tcpreasm_skip_gap(&r, NULL);
	KDT_CHECK(gap == 10 && r.gaps == 2 && r.bytes_gap == 20);
	KDT_CHECK(r.bytes_unread_dropped == 16);
	KDT_CHECK(data_is(&r, 40, 10) && r.nheld == 0);
	KDT_CHECK(tcpreasm_valid(&r));

	/* Nothing held: the next data ahead restarts the stream. */
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 0 && dropped == 10);
	KDT_CHECK(r.resync && data_is(&r, 0, 0));
	KDT_CHECK(add_pat(&r, 1000, 40, 10) == KD_OK);	/* old: retransmitted */
	KDT_CHECK(r.resync && r.bytes_retransmitted == 10);
	KDT_CHECK(add_pat(&r, 1000, 100, 10) == KD_OK);
	KDT_CHECK(!r.resync && r.gaps == 3 && r.bytes_gap == 70);
	KDT_CHECK(data_is(&r, 100, 10) && r.nheld == 0);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_caps(void)
{
	struct tcpreasm	 r;
	uint8_t		 big[300];
	size_t		 i, dropped;

	/* max_segs: two holes are held, a third is dropped. */
	tcpreasm_init(&r, 1000, 2);
	tcpreasm_set_isn(&r, 0);
	KDT_CHECK(add_pat(&r, 0, 10, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 0, 30, 10) == KD_OK);
	KDT_CHECK(add_pat(&r, 0, 50, 10) == KD_ELIMIT);
	KDT_CHECK(r.limit_hits == 1 && r.bytes_dropped == 10);
	KDT_CHECK(r.nheld == 2 && r.held_bytes == 20);
	/* Abutting and in-order data needs no new range. */
	KDT_CHECK(add_pat(&r, 0, 40, 5) == KD_OK);
	KDT_CHECK(add_pat(&r, 0, 0, 5) == KD_OK);
	KDT_CHECK(r.nheld == 2 && data_is(&r, 0, 5));
	KDT_CHECK(tcpreasm_mem(&r) <= 1000 + 2 * 8);
	KDT_CHECK(tcpreasm_valid(&r));
	/* Skip past the first hole; the dropped one becomes a later hole. */
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 5 && dropped == 5);
	KDT_CHECK(data_is(&r, 10, 10));
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 10 && dropped == 10);
	KDT_CHECK(data_is(&r, 30, 15) && r.nheld == 0);
	tcpreasm_fini(&r);

	/* max_bytes: in order, never consumed (no PDU boundary). */
	tcpreasm_init(&r, 100, 4);
	tcpreasm_set_isn(&r, 0);
	fill(big, 0, 150);
	KDT_CHECK(tcpreasm_add(&r, 0, big, 150) == KD_ELIMIT);
	KDT_CHECK(data_is(&r, 0, 100) && r.bytes_dropped == 50);
	KDT_CHECK(r.cap <= 100 && tcpreasm_mem(&r) <= 100 + 4 * 8);
	for (i = 0; i < 5; i++)
		KDT_CHECK(add_pat(&r, 0, 150 + i * 10, 10) == KD_ELIMIT);
	KDT_CHECK(r.limit_hits == 6 && r.bytes_dropped == 100);
	KDT_CHECK(data_is(&r, 0, 100) && r.cap <= 100);
	KDT_CHECK(tcpreasm_valid(&r));
	/* The consumer skips: unread dropped, the stream resumes later on. */
	KDT_CHECK(tcpreasm_skip_gap(&r, &dropped) == 0 && dropped == 100);
	KDT_CHECK(add_pat(&r, 0, 200, 10) == KD_OK);
	KDT_CHECK(data_is(&r, 200, 10) && r.bytes_gap == 100);
	tcpreasm_fini(&r);

	/* max_bytes with held data: the span counts, not just held bytes. */
	tcpreasm_init(&r, 100, 4);
	tcpreasm_set_isn(&r, 0);
	KDT_CHECK(add_pat(&r, 0, 90, 20) == KD_ELIMIT);
	KDT_CHECK(r.held_bytes == 10 && r.bytes_dropped == 10);
	KDT_CHECK(add_pat(&r, 0, 120, 5) == KD_ELIMIT);
	KDT_CHECK(r.bytes_dropped == 15 && r.nheld == 1);
	KDT_CHECK(add_pat(&r, 0, 0, 90) == KD_OK);
	KDT_CHECK(data_is(&r, 0, 100));
	KDT_CHECK(tcpreasm_mem(&r) <= 100 + 4 * 8);
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);

	/*
	 * buf at max_bytes with a small uncompacted prefix: compaction would
	 * move 90 bytes to win 10, so the add is refused (tcpreasm.h).
	 */
	tcpreasm_init(&r, 100, 4);
	tcpreasm_set_isn(&r, 0);
	KDT_CHECK(add_pat(&r, 0, 0, 60) == KD_OK && r.cap == 100);
	tcpreasm_consume(&r, 10);
	KDT_CHECK(add_pat(&r, 0, 90, 10) == KD_OK);	/* span 40 */
	KDT_CHECK(add_pat(&r, 0, 100, 10) == KD_ELIMIT);
	KDT_CHECK(r.bytes_dropped == 10 && r.off == 10);
	KDT_CHECK(add_pat(&r, 0, 95, 13) == KD_ELIMIT);	/* tail trimmed */
	KDT_CHECK(r.bytes_dropped == 18 && r.bytes_overlap == 5);
	KDT_CHECK(tcpreasm_valid(&r));
	/* Once the prefix pays for the move, it is compacted. */
	tcpreasm_consume(&r, 20);
	KDT_CHECK(add_pat(&r, 0, 100, 10) == KD_OK);
	KDT_CHECK(r.off == 0 && r.cap == 100);
	KDT_CHECK(add_pat(&r, 0, 60, 30) == KD_OK);
	KDT_CHECK(data_is(&r, 30, 80));
	KDT_CHECK(tcpreasm_valid(&r));
	tcpreasm_fini(&r);

	/* No holding at all. */
	tcpreasm_init(&r, 100, 0);
	tcpreasm_set_isn(&r, 0);
	KDT_CHECK(add_pat(&r, 0, 10, 10) == KD_ELIMIT);
	KDT_CHECK(add_pat(&r, 0, 0, 10) == KD_OK && data_is(&r, 0, 10));
	KDT_CHECK(tcpreasm_mem(&r) <= 100 && tcpreasm_valid(&r));
	tcpreasm_fini(&r);

	/* Beyond any TCP window. */
	tcpreasm_init(&r, 100, 4);
	tcpreasm_set_isn(&r, 0);
	KDT_CHECK(tcpreasm_add(&r, UINT32_C(0x40000000), big, 10) == KD_EINVAL);
	KDT_CHECK(tcpreasm_add(&r, UINT32_C(0x7fffffff), big, 10) == KD_EINVAL);
	KDT_CHECK(r.bytes_invalid == 20 && r.limit_hits == 0);
	KDT_CHECK(tcpreasm_mem(&r) == 0 && tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

static void
test_zero_length(void)
{
	struct tcpreasm	r;
	uint8_t		b = 0;

	tcpreasm_init(&r, 100, 4);
	KDT_CHECK(tcpreasm_add(&r, 5, NULL, 0) == KD_OK);
	KDT_CHECK(!r.have_isn && tcpreasm_mem(&r) == 0);
	tcpreasm_set_isn(&r, 5);
	KDT_CHECK(tcpreasm_add(&r, 5, &b, 0) == KD_OK);
	KDT_CHECK(tcpreasm_add(&r, 50, &b, 0) == KD_OK);
	KDT_CHECK(tcpreasm_add(&r, 1, &b, 0) == KD_OK);
	KDT_CHECK(tcpreasm_add(&r, UINT32_C(0x90000000), &b, 0) == KD_OK);
	KDT_CHECK(r.next_seq == 5 && r.nheld == 0 && r.len == 0);
	KDT_CHECK(r.segs_ooo == 0 && r.bytes_retransmitted == 0);
	KDT_CHECK(r.bytes_invalid == 0 && r.limit_hits == 0);
	KDT_CHECK(tcpreasm_mem(&r) == 0 && tcpreasm_valid(&r));
	tcpreasm_fini(&r);
}

struct seg {
	size_t	off, len;
};

/*
 * Splits RND_LEN bytes into random segments, adds duplicates and
 * overlapping extras, shuffles (fully, or within a window of maxdisp
 * positions), feeds them with a consumer that takes random amounts, and
 * checks the output is the input.
 */
static void
test_random_round(uint64_t seed, uint32_t isn, size_t maxseg,
    size_t maxdisp, size_t max_bytes, size_t max_segs)
{
	struct tcpreasm	 r;
	struct seg	*segs, t;
	uint8_t		*in, *out;
	const uint8_t	*p;
	size_t		 nseg = 0, cap = 4 * RND_LEN, o = 0, i, j, n, outlen = 0;
	size_t		 step = 0, offered = 0;
	bool		 ok = true, valid = true;

	rng_state = seed;
	in = malloc(RND_LEN);
	out = malloc(RND_LEN);
	segs = calloc(cap, sizeof(*segs));
	if (in == NULL || out == NULL || segs == NULL) {
		KDT_CHECK(!"out of memory");
		goto out;
	}
	for (i = 0; i < RND_LEN; i++)
		in[i] = (uint8_t)rng();
	while (o < RND_LEN) {
		n = 1 + rng_below(maxseg);
		if (n > RND_LEN - o)
			n = RND_LEN - o;
		segs[nseg].off = o;
		segs[nseg++].len = n;
		if (rng_below(8) == 0) {		/* duplicate */
			segs[nseg] = segs[nseg - 1];
			nseg++;
		}
		if (rng_below(8) == 0 && o > 0) {	/* overlapping extra */
			t.off = o - rng_below(o < maxseg ? o : maxseg);
			t.len = 1 + rng_below(2 * maxseg);
			if (t.len > RND_LEN - t.off)
				t.len = RND_LEN - t.off;
			segs[nseg++] = t;
		}
		o += n;
	}
	/* Fisher-Yates, optionally limited to a displacement window. */
	for (i = nseg - 1; i > 0; i--) {
		j = rng_below(i + 1);
		if (maxdisp != 0 && i - j > maxdisp)
			j = i - rng_below(maxdisp + 1);
		t = segs[i];
		segs[i] = segs[j];
		segs[j] = t;
	}

	tcpreasm_init(&r, max_bytes, max_segs);
	tcpreasm_set_isn(&r, isn);
	for (i = 0; i < nseg; i++) {
		if (tcpreasm_add(&r, isn + (uint32_t)segs[i].off,
		    in + segs[i].off, segs[i].len) != KD_OK)
			ok = false;
		offered += segs[i].len;
		if (++step % 7 == 0 && !tcpreasm_valid(&r))
			valid = false;
		p = tcpreasm_data(&r, &n);
		switch (rng_below(4)) {
		case 0:
			break;
		case 1:
			n = rng_below(n + 1);
			break;
		default:
			/* Leave a partial "PDU" behind now and then. */
			if (n > 0 && rng_below(2) == 0)
				n -= rng_below(n < 300 ? n : 300);
			break;
		}
		if (n > RND_LEN - outlen)
			ok = false;
		else {
			memcpy(out + outlen, p, n);
			outlen += n;
		}
		tcpreasm_consume(&r, n);
	}
	p = tcpreasm_data(&r, &n);
	if (n <= RND_LEN - outlen) {
		memcpy(out + outlen, p, n);
		outlen += n;
	}
	tcpreasm_consume(&r, n);
	KDT_CHECK(ok);
	KDT_CHECK(valid && tcpreasm_valid(&r));
	KDT_CHECK(outlen == RND_LEN);
	KDT_MEMEQ(in, out, RND_LEN);
	KDT_CHECK(!tcpreasm_has_held(&r));
	KDT_CHECK(r.next_seq == isn + (uint32_t)RND_LEN);
	KDT_CHECK(r.bytes_accepted == RND_LEN && r.bytes_in_order == RND_LEN);
	KDT_CHECK(r.bytes_retransmitted + r.bytes_overlap + r.bytes_accepted ==
	    offered);
	KDT_CHECK(r.limit_hits == 0 && r.gaps == 0 && r.bytes_dropped == 0);
	KDT_CHECK(tcpreasm_mem(&r) <= max_bytes + max_segs * 8);
	tcpreasm_fini(&r);
out:
	free(in);
	free(out);
	free(segs);
}

static void
test_random(void)
{
	/* Full shuffle of small segments, crossing 2^32. */
	test_random_round(UINT64_C(0x9e3779b97f4a7c15), UINT32_C(0xffff8000),
	    400, 0, TCPREASM_DEF_MAX_BYTES, 1024);
	/* Full shuffle, MTU-sized segments, mid-range ISN. */
	test_random_round(UINT64_C(0x0123456789abcdef), 123456789,
	    1460, 0, TCPREASM_DEF_MAX_BYTES, TCPREASM_DEF_MAX_SEGS);
	/* Local reordering in a small buffer: exercises compaction. */
	test_random_round(UINT64_C(0xdeadbeefcafef00d), UINT32_C(0xfffff000),
	    512, 4, 16384, 16);
	test_random_round(42, 0, 64, 8, 4096, 16);
}

int
main(void)
{
	test_in_order();
	test_out_of_order();
	test_retransmission();
	test_partial_overlap();
	test_cover_two();
	test_wraparound();
	test_gap();
	test_caps();
	test_zero_length();
	test_random();
	return (KDT_DONE("test_tcpreasm"));
}
