/*
 * Per-direction TCP stream reassembly; see tcpreasm.h for the window
 * layout and the caps.  Every sequence number is handled as an offset
 * from next_seq (modulo 2^32), which is what makes wraparound a non-event:
 * held data always lies within TCPREASM_MAX_AHEAD (2^30) after next_seq,
 * so its offsets stay ordered however next_seq moves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpreasm.h"

struct tcpreasm_range {
	uint32_t	seq;		/* first held byte */
	uint32_t	end;		/* one past the last, modulo 2^32 */
};

/*
 * First size of buf.  Small because a drained window is freed: a buffer
 * exists only while a PDU is incomplete, and KMS PDUs are a few hundred
 * bytes.
 */
#define TCPREASM_ALLOC_MIN	512
#define TCPREASM_RANGES_MIN	8	/* first size of held[] */
/* Compact when moved bytes <= RATIO * consumed prefix (tcpreasm.h). */
#define TCPREASM_COMPACT_RATIO	4

static const uint8_t	tcpreasm_empty[1];

/* Distance from next_seq to seq. */
static inline size_t
rel(const struct tcpreasm *r, uint32_t seq)
{
	return ((uint32_t)(seq - r->next_seq));
}

/* Distance from next_seq to the end of the furthest held byte. */
static size_t
span(const struct tcpreasm *r)
{
	if (r->nheld == 0)
		return (0);
	return (rel(r, r->held[r->nheld - 1].end));
}

void
tcpreasm_init(struct tcpreasm *r, size_t max_bytes, size_t max_segs)
{
	memset(r, 0, sizeof(*r));
	/* Keeps cap * 2 and offset sums far from overflow. */
	if (max_bytes > SIZE_MAX / 4)
		max_bytes = SIZE_MAX / 4;
	if (max_segs > SIZE_MAX / 4 / sizeof(struct tcpreasm_range))
		max_segs = SIZE_MAX / 4 / sizeof(struct tcpreasm_range);
	r->max_bytes = max_bytes;
	r->max_segs = max_segs;
}

void
tcpreasm_fini(struct tcpreasm *r)
{
	free(r->buf);
	free(r->held);
	r->buf = NULL;
	r->held = NULL;
	r->off = r->len = r->cap = 0;
	r->nheld = r->heldcap = r->held_bytes = 0;
	r->have_isn = false;
	r->resync = false;
}

/*
 * Nothing unread and nothing held: give the memory back.  An idle
 * connection then costs no buffer at all, which is what lets a busy host's
 * ten thousand connections in flight fit the capture's budget.
 */
static void
release_if_drained(struct tcpreasm *r)
{
	if (r->len != 0 || r->nheld != 0)
		return;
	free(r->buf);
	free(r->held);
	r->buf = NULL;
	r->held = NULL;
	r->off = r->cap = r->heldcap = 0;
}

void
tcpreasm_set_isn(struct tcpreasm *r, uint32_t next_seq)
{
	r->bytes_unread_dropped += r->len;
	r->off = r->len = 0;
	r->nheld = 0;
	r->held_bytes = 0;
	release_if_drained(r);
	r->next_seq = next_seq;
	r->have_isn = true;
	r->resync = false;
}

/*
 * Makes room in buf for want bytes past next_seq (after the unread ones);
 * *got is how many fit, never less than span().  The caller has checked
 * len + want <= max_bytes.  May move (compact) or reallocate buf.
 */
static enum kd_status
reserve(struct tcpreasm *r, size_t want, size_t *got)
{
	size_t	 used, need, newcap, avail;
	uint8_t	*nb;

	if (r->off + r->len + want <= r->cap) {
		*got = want;
		return (KD_OK);
	}
	used = r->len + span(r);
	if (r->off > 0 && used / TCPREASM_COMPACT_RATIO <= r->off) {
		memmove(r->buf, r->buf + r->off, used);
		r->off = 0;
	}
	need = r->off + r->len + want;
	if (need > r->cap && r->cap < r->max_bytes) {
		newcap = r->cap < TCPREASM_ALLOC_MIN ? TCPREASM_ALLOC_MIN :
		    r->cap * 2;
		if (newcap < need)
			newcap = need;
		if (newcap > r->max_bytes)
			newcap = r->max_bytes;
		if ((nb = realloc(r->buf, newcap)) == NULL)
			return (KD_ENOMEM);
		r->buf = nb;
		r->cap = newcap;
	}
	avail = r->cap - r->off - r->len;
	*got = want < avail ? want : avail;
	return (KD_OK);
}

/* Room for one more held range. */
static enum kd_status
reserve_range(struct tcpreasm *r)
{
	struct tcpreasm_range	*nh;
	size_t			 n;

	if (r->nheld < r->heldcap)
		return (KD_OK);
	n = r->heldcap < TCPREASM_RANGES_MIN ? TCPREASM_RANGES_MIN :
	    r->heldcap * 2;
	if (n > r->max_segs)
		n = r->max_segs;
	if ((nh = realloc(r->held, n * sizeof(*nh))) == NULL)
		return (KD_ENOMEM);
	r->held = nh;
	r->heldcap = n;
	return (KD_OK);
}

/* A held range that now starts at next_seq becomes readable. */
static void
drain(struct tcpreasm *r)
{
	size_t	n;

	if (r->nheld == 0 || r->held[0].seq != r->next_seq)
		return;
	n = rel(r, r->held[0].end);
	r->len += n;
	r->next_seq = r->held[0].end;
	r->held_bytes -= n;
	r->bytes_in_order += n;
	r->nheld--;
	memmove(r->held, r->held + 1, r->nheld * sizeof(*r->held));
	/* Ranges are never adjacent, so the next one cannot start here. */
}

/* First held range whose end is at or after off (it overlaps or abuts). */
static size_t
first_touching(const struct tcpreasm *r, size_t off)
{
	size_t	lo = 0, hi = r->nheld, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rel(r, r->held[mid].end) < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* First held range, from lo on, starting strictly after end. */
static size_t
first_after(const struct tcpreasm *r, size_t lo, size_t end)
{
	size_t	hi = r->nheld, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rel(r, r->held[mid].seq) <= end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

enum kd_status
tcpreasm_add(struct tcpreasm *r, uint32_t seq, const uint8_t *data,
    size_t len)
{
	enum kd_status	 st = KD_OK, e;
	uint8_t		*base;
	uint32_t	 d;
	size_t		 off, end, room, got, behind, i, j, k, pos, hs, he;
	size_t		 stored = 0;

	if (len == 0)
		return (KD_OK);
	if (!r->have_isn)
		tcpreasm_set_isn(r, seq);

	/* The common case: in order, nothing held, room in buf. */
	if (seq == r->next_seq && r->nheld == 0 &&
	    len <= r->cap - r->off - r->len && len <= TCPREASM_MAX_AHEAD) {
		memcpy(r->buf + r->off + r->len, data, len);
		r->len += len;
		r->next_seq += (uint32_t)len;
		r->bytes_accepted += len;
		r->bytes_in_order += len;
		r->resync = false;
		return (KD_OK);
	}

	d = seq - r->next_seq;
	if (d >= UINT32_C(0x80000000)) {
		/* Starts before next_seq: that part was delivered already. */
		behind = (uint32_t)-d;
		if (len <= behind) {
			r->bytes_retransmitted += len;
			return (KD_OK);
		}
		r->bytes_retransmitted += behind;
		data += behind;
		len -= behind;
		d = 0;
	}
	off = d;
	if (off >= TCPREASM_MAX_AHEAD) {
		r->bytes_invalid += len;
		return (KD_EINVAL);
	}
	if (off > 0 && r->resync && r->len == 0 && r->nheld == 0) {
		/* After a skip with nothing held: restart here. */
		r->gaps++;
		r->bytes_gap += off;
		r->next_seq = seq;
		r->off = 0;
		off = 0;
	}
	r->resync = false;
	if (off > 0)
		r->segs_ooo++;
	if (len > TCPREASM_MAX_AHEAD - off) {
		r->bytes_invalid += len - (TCPREASM_MAX_AHEAD - off);
		len = TCPREASM_MAX_AHEAD - off;
		st = KD_EINVAL;
	}
	end = off + len;

	/* The cap: unread bytes plus everything up to the last held byte. */
	room = r->max_bytes - r->len;
	if (end > room) {
		if (off >= room)
			goto drop;
		r->bytes_dropped += end - room;
		end = room;
		len = end - off;
		st = KD_ELIMIT;
	}
	if ((e = reserve(r, end, &got)) != KD_OK)
		return (e);
	if (got < end) {
		if (got <= off)
			goto drop;
		r->bytes_dropped += end - got;
		end = got;
		len = end - off;
		st = KD_ELIMIT;
	}

	/* Held ranges [i, j) overlap or abut [off, end). */
	i = first_touching(r, off);
	j = first_after(r, i, end);
	if (i == j && off > 0) {
		if (r->nheld >= r->max_segs)
			goto drop;
		if ((e = reserve_range(r)) != KD_OK)
			return (e);
	}

	/* Copy the bytes that fill holes; held bytes win where they overlap. */
	base = r->buf + r->off + r->len;
	pos = off;
	for (k = i; k < j; k++) {
		hs = rel(r, r->held[k].seq);
		he = rel(r, r->held[k].end);
		if (hs > pos) {
			memcpy(base + pos, data + (pos - off), hs - pos);
			stored += hs - pos;
			pos = hs;
		}
		if (he > pos) {
			r->bytes_overlap += (he < end ? he : end) - pos;
			pos = he;
		}
	}
	if (pos < end) {
		memcpy(base + pos, data + (pos - off), end - pos);
		stored += end - pos;
	}
	r->bytes_accepted += stored;

	if (i == j && off == 0) {
		/* In order and touching nothing held. */
		r->len += len;
		r->next_seq += (uint32_t)len;
		r->bytes_in_order += len;
	} else if (i == j) {
		memmove(r->held + i + 1, r->held + i,
		    (r->nheld - i) * sizeof(*r->held));
		r->held[i].seq = r->next_seq + (uint32_t)off;
		r->held[i].end = r->next_seq + (uint32_t)end;
		r->nheld++;
		r->held_bytes += stored;
	} else {
		/* Merge [off, end) and ranges i..j-1 into range i. */
		if (off < rel(r, r->held[i].seq))
			r->held[i].seq = r->next_seq + (uint32_t)off;
		if (end > rel(r, r->held[j - 1].end))
			r->held[i].end = r->next_seq + (uint32_t)end;
		else
			r->held[i].end = r->held[j - 1].end;
		memmove(r->held + i + 1, r->held + j,
		    (r->nheld - j) * sizeof(*r->held));
		r->nheld -= j - i - 1;
		r->held_bytes += stored;
		drain(r);
	}
	if (st == KD_ELIMIT)
		r->limit_hits++;
	return (st);

drop:
	r->bytes_dropped += len;
	r->limit_hits++;
	return (KD_ELIMIT);
}

const uint8_t *
tcpreasm_data(const struct tcpreasm *r, size_t *len)
{
	*len = r->len;
	if (r->buf == NULL)
		return (tcpreasm_empty);
	return (r->buf + r->off);
}

void
tcpreasm_consume(struct tcpreasm *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->off += n;
	r->len -= n;
	release_if_drained(r);
}

bool
tcpreasm_can_pass(const struct tcpreasm *r, uint32_t seq)
{
	return r->have_isn && r->len == 0 && r->nheld == 0 &&
	    seq == r->next_seq;
}

void
tcpreasm_pass(struct tcpreasm *r, size_t n)
{
	if (n > TCPREASM_MAX_AHEAD)
		n = TCPREASM_MAX_AHEAD;
	r->next_seq += (uint32_t)n;
	r->bytes_accepted += n;
	r->bytes_in_order += n;
	if (n > 0)
		r->resync = false;
}

size_t
tcpreasm_skip_gap(struct tcpreasm *r, size_t *dropped_unread)
{
	size_t	gap;

	if (dropped_unread != NULL)
		*dropped_unread = r->len;
	r->bytes_unread_dropped += r->len;
	if (r->nheld == 0) {
		r->off = r->len = 0;
		r->resync = r->have_isn;
		release_if_drained(r);
		return (0);
	}
	gap = rel(r, r->held[0].seq);
	r->off += r->len + gap;
	r->len = 0;
	r->next_seq = r->held[0].seq;
	r->gaps++;
	r->bytes_gap += gap;
	r->resync = false;
	drain(r);
	return (gap);
}

bool
tcpreasm_has_held(const struct tcpreasm *r)
{
	return (r->nheld > 0);
}

size_t
tcpreasm_held(const struct tcpreasm *r)
{
	return (r->len + span(r));
}

size_t
tcpreasm_mem(const struct tcpreasm *r)
{
	return (r->cap + r->heldcap * sizeof(struct tcpreasm_range));
}

bool
tcpreasm_valid(const struct tcpreasm *r)
{
	size_t	i, s, e, prev_end = 0, sum = 0;

	if (r->cap > r->max_bytes || r->off > r->cap ||
	    r->len > r->cap - r->off)
		return (false);
	if ((r->buf == NULL) != (r->cap == 0))
		return (false);
	if (r->heldcap > r->max_segs || r->nheld > r->heldcap ||
	    (r->held == NULL) != (r->heldcap == 0))
		return (false);
	if (!r->have_isn && (r->len != 0 || r->nheld != 0))
		return (false);
	if (r->resync && (r->len != 0 || r->nheld != 0))
		return (false);
	for (i = 0; i < r->nheld; i++) {
		s = rel(r, r->held[i].seq);
		e = rel(r, r->held[i].end);
		/* Strictly after next_seq and the previous range, not adjacent. */
		if (s <= prev_end || e <= s || e > TCPREASM_MAX_AHEAD)
			return (false);
		sum += e - s;
		prev_end = e;
	}
	if (sum != r->held_bytes)
		return (false);
	if (r->len + prev_end > r->max_bytes ||
	    r->off + r->len + prev_end > r->cap)
		return (false);
	if (tcpreasm_mem(r) > r->max_bytes +
	    r->max_segs * sizeof(struct tcpreasm_range))
		return (false);
	return (true);
}
