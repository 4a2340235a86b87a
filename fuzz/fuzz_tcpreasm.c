/*
 * Fuzz target for the TCP stream reassembler: the input is a script.
 *
 *	header (7 bytes)  u16 max_bytes (mod 8192), u8 max_segs (mod 32),
 *			  u32 isn (all little endian)
 *	records (7 bytes) u8 op, u32 v, u16 len
 *
 *	op & 7	0  add len & 0x7ff bytes at next_seq + (v & 0x1fff) - 2048
 *		1  add len bytes at isn + v (anything: wraps, far, behind)
 *		2  add len & 0x7ff bytes at next_seq (in order)
 *		3  consume v % (unread + 1)
 *		4  consume everything unread
 *		5  skip_gap
 *		6  set_isn(v)
 *		7  fini (the struct is used again afterwards)
 *
 * Every byte the script sends is pat(its sequence number), so whatever
 * becomes readable must match the pattern of its own sequence number;
 * any misplaced, stale or lost-then-invented byte shows.  After each
 * step the invariants are checked (tcpreasm_valid, caps, memory bound,
 * byte conservation of the counters) and a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpreasm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_HDR		7
#define FZ_REC		7

static uint8_t
pat(uint32_t seq)
{
	return ((uint8_t)((seq * 2654435761u) >> 24));
}

static uint32_t
get_le(const uint8_t *p, size_t n)
{
	uint32_t	v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return (v);
}

struct fz {
	struct tcpreasm	 r;
	uint64_t	 offered;	/* bytes passed to add */
	uint64_t	 consumed;	/* bytes consume()d */
	uint64_t	 forgotten;	/* held bytes dropped by set_isn/fini */
	uint64_t	 unread_fini;	/* unread bytes dropped by fini */
};

static void
check(const struct fz *f)
{
	const struct tcpreasm	*r = &f->r;
	const uint8_t		*p;
	size_t			 n, i;
	uint32_t		 s;

	if (!tcpreasm_valid(r))
		abort();
	if (r->len > r->max_bytes || r->cap > r->max_bytes)
		abort();
	if (tcpreasm_mem(r) > r->max_bytes + r->max_segs * 8)
		abort();
	if (r->nheld > r->max_segs || tcpreasm_has_held(r) != (r->nheld > 0))
		abort();
	/* Every offered byte is accounted for exactly once. */
	if (f->offered != r->bytes_retransmitted + r->bytes_overlap +
	    r->bytes_dropped + r->bytes_invalid + r->bytes_accepted)
		abort();
	if (r->bytes_accepted != r->bytes_in_order + r->held_bytes +
	    f->forgotten)
		abort();
	if (r->bytes_in_order != f->consumed + r->len +
	    r->bytes_unread_dropped + f->unread_fini)
		abort();
	/* Readable bytes are the pattern of their own sequence numbers. */
	p = tcpreasm_data(r, &n);
	if (p == NULL)
		abort();
	s = r->next_seq - (uint32_t)n;
	for (i = 0; i < n; i++)
		if (p[i] != pat(s + (uint32_t)i))
			abort();
}

static void
add(struct fz *f, uint32_t seq, size_t len)
{
	static uint8_t	buf[65536];
	enum kd_status	st;
	size_t		i;
	uint64_t	dropped, invalid, hits;

	for (i = 0; i < len; i++)
		buf[i] = pat(seq + (uint32_t)i);
	dropped = f->r.bytes_dropped;
	invalid = f->r.bytes_invalid;
	hits = f->r.limit_hits;
	st = tcpreasm_add(&f->r, seq, buf, len);
	f->offered += len;
	switch (st) {
	case KD_OK:
		if (f->r.bytes_dropped != dropped ||
		    f->r.bytes_invalid != invalid || f->r.limit_hits != hits)
			abort();
		break;
	case KD_ELIMIT:
		if (f->r.bytes_dropped == dropped || f->r.limit_hits != hits + 1)
			abort();
		break;
	case KD_EINVAL:
		if (f->r.bytes_invalid == invalid || f->r.limit_hits != hits)
			abort();
		break;
	case KD_ENOMEM:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz	 f;
	const uint8_t	*p;
	size_t		 max_bytes, max_segs, n, len, unread;
	uint32_t	 isn, v;

	if (size < FZ_HDR)
		return (0);
	memset(&f, 0, sizeof(f));
	max_bytes = get_le(data, 2) % 8192;
	max_segs = data[2] % 32;
	isn = get_le(data + 3, 4);
	tcpreasm_init(&f.r, max_bytes, max_segs);
	tcpreasm_set_isn(&f.r, isn);
	check(&f);

	for (p = data + FZ_HDR; (size_t)(data + size - p) >= FZ_REC;
	    p += FZ_REC) {
		v = get_le(p + 1, 4);
		len = get_le(p + 5, 2);
		switch (p[0] & 7) {
		case 0:
			add(&f, f.r.next_seq + (v & 0x1fff) - 2048,
			    len & 0x7ff);
			break;
		case 1:
			add(&f, isn + v, len);
			break;
		case 2:
			add(&f, f.r.next_seq, len & 0x7ff);
			break;
		case 3:
			(void)tcpreasm_data(&f.r, &unread);
			n = v % (unread + 1);
			tcpreasm_consume(&f.r, n);
			f.consumed += n;
			break;
		case 4:
			(void)tcpreasm_data(&f.r, &unread);
			tcpreasm_consume(&f.r, unread);
			f.consumed += unread;
			break;
		case 5:
			(void)tcpreasm_skip_gap(&f.r, &n);
			break;
		case 6:
			f.forgotten += f.r.held_bytes;
			tcpreasm_set_isn(&f.r, v);
			isn = v;
			break;
		case 7:
			f.forgotten += f.r.held_bytes;
			f.unread_fini += f.r.len;
			tcpreasm_fini(&f.r);
			if (tcpreasm_mem(&f.r) != 0 || f.r.have_isn)
				abort();
			break;
		}
		check(&f);
	}
	tcpreasm_fini(&f.r);
	tcpreasm_fini(&f.r);
	return (0);
}
