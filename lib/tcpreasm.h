/*
 * Per-direction TCP stream reassembly.  A pure module: no I/O, no
 * printing, no clock.  One struct tcpreasm follows one direction of one
 * connection.
 *
 * Memory layout.  One buffer, buf, is a window on the stream:
 *
 *	buf[0, off)			consumed, not yet compacted away
 *	buf[off, off + len)		in-order bytes not yet consumed
 *	buf[off + len + k]		the byte at sequence next_seq + k, for
 *					k inside a held out-of-order range
 *
 * Out-of-order data is written straight to its place in the window and
 * only its extent is recorded (a small sorted array of ranges), so
 * filling a hole is one memcpy of the new bytes and a held range that
 * becomes contiguous costs nothing to drain.  The in-order common case
 * (nothing held, room in buf) is a single memcpy with no allocation.
 * Once everything is consumed and nothing is held the buffers are freed,
 * so an idle direction holds no memory; a consumer that can parse straight
 * from the segment skips the buffer altogether (tcpreasm_can_pass()).
 *
 * Caps (R4).  len + span <= max_bytes, where span is the distance from
 * next_seq to the end of the furthest held byte; buf itself never grows
 * beyond max_bytes.  At most max_segs disjoint ranges are held (adjacent
 * and overlapping arrivals merge into one range).  Memory is therefore
 * at most max_bytes + 8 * max_segs bytes.  The consumed prefix is
 * compacted away (one memmove) only when it is at least a quarter of the
 * bytes that would move, which keeps compaction amortised O(1) per
 * consumed byte; a consequence is that when buf is at max_bytes and a
 * small prefix is still uncompacted an add may be refused before the cap
 * proper is reached, but never while len + span would stay within 4/5 of
 * max_bytes.  With nothing consumed the cap is exact.
 *
 * Sequence numbers are compared modulo 2^32 relative to next_seq: a
 * segment starting up to 2^31 behind it is a retransmission; held data
 * and new data must lie within TCPREASM_MAX_AHEAD of it.
 */
#ifndef KD_TCPREASM_H
#define KD_TCPREASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/*
 * Caps of the module itself; the capture engine passes its own per-flow
 * caps from lib/kdlimits.h.
 *
 * TCPREASM_MAX_AHEAD: the largest TCP window, 65535 << 14 (RFC 7323
 * section 2.3), rounded up to 2^30.  A sender may not send beyond the
 * peer's window, so a byte further than this past next_seq is bogus (or
 * another connection on the same 4-tuple) and is dropped as KD_EINVAL.
 * It also keeps every offset far from the 2^31 ambiguity.
 *
 * TCPREASM_DEF_MAX_BYTES / TCPREASM_DEF_MAX_SEGS: suggested per-direction
 * caps.  KMS PDUs are a few KiB; 1 MiB holds a full 64 KiB receive window
 * of reordering several times over.  256 ranges is far more holes than a
 * real capture has in flight.
 */
#define TCPREASM_MAX_AHEAD	((size_t)1 << 30)
#define TCPREASM_DEF_MAX_BYTES	((size_t)1 << 20)
#define TCPREASM_DEF_MAX_SEGS	256

struct tcpreasm_range;		/* held out-of-order bytes [seq, end), opaque */

struct tcpreasm {
	bool		 have_isn;
	bool		 resync;	/* skip_gap found nothing held: the next
					   data ahead of next_seq restarts the
					   stream (its distance is a gap) */
	uint32_t	 next_seq;	/* sequence of the next in-order byte */

	uint8_t		*buf;		/* owned; the window described above */
	size_t		 off;		/* consumed prefix of buf */
	size_t		 len;		/* unread in-order bytes at buf + off */
	size_t		 cap;		/* allocated size of buf, <= max_bytes */

	struct tcpreasm_range *held;	/* owned; sorted, disjoint, never adjacent */
	size_t		 nheld;		/* ranges in use, <= max_segs */
	size_t		 heldcap;	/* ranges allocated, <= max_segs */
	size_t		 held_bytes;	/* bytes inside the held ranges */

	size_t		 max_bytes;	/* cap on len + span (and on cap) */
	size_t		 max_segs;	/* cap on nheld */

	/* Counters, in bytes unless named segs_ or a count. */
	uint64_t	 bytes_accepted;	/* new bytes stored (in order or held) */
	uint64_t	 bytes_in_order;	/* bytes that became readable */
	uint64_t	 bytes_retransmitted;	/* arrived again before next_seq */
	uint64_t	 bytes_overlap;		/* duplicated held data; first copy won */
	uint64_t	 bytes_dropped;		/* did not fit a cap */
	uint64_t	 bytes_invalid;		/* beyond TCPREASM_MAX_AHEAD */
	uint64_t	 bytes_gap;		/* never seen, skipped by skip_gap/resync */
	uint64_t	 bytes_unread_dropped;	/* readable but discarded by skip_gap/set_isn */
	uint64_t	 segs_ooo;		/* segments that arrived ahead of next_seq */
	uint64_t	 gaps;			/* gaps skipped */
	uint64_t	 limit_hits;		/* adds that returned KD_ELIMIT */
};

/* The caller owns the struct; nothing is allocated until the first add. */
void	tcpreasm_init(struct tcpreasm *, size_t max_bytes, size_t max_segs);
/*
 * Frees buf and the held ranges and forgets the stream (have_isn becomes
 * false).  Caps and counters are kept for reporting; the struct may be
 * used again.  Safe to call twice.
 */
void	tcpreasm_fini(struct tcpreasm *);
/*
 * Start of stream: the SYN's seq + 1, or the first data seq seen mid
 * stream.  An add before any set_isn uses its own seq.  Calling it again
 * restarts the stream: unread bytes are discarded (counted in
 * bytes_unread_dropped) and held bytes are forgotten.
 */
void	tcpreasm_set_isn(struct tcpreasm *, uint32_t next_seq);
/*
 * Adds a segment's payload.  Bytes before next_seq are retransmissions
 * (trimmed, counted); in-order bytes become readable, together with a
 * held range they reach; later bytes are held (where they overlap held
 * data the first copy wins, counted in bytes_overlap).  Zero-length
 * segments are ignored.
 *
 * Returns KD_ELIMIT when a cap forced bytes to be dropped (they are
 * counted in bytes_dropped; the state stays consistent and the bytes
 * that fitted were kept), KD_EINVAL when bytes lay beyond
 * TCPREASM_MAX_AHEAD (dropped, counted in bytes_invalid), KD_ENOMEM when
 * an allocation failed (nothing from this segment was stored), else
 * KD_OK.  After KD_ELIMIT the caller normally lets the consumer skip:
 * tcpreasm_skip_gap().  May move or reallocate buf: pointers from
 * tcpreasm_data() are invalidated.
 */
enum kd_status	tcpreasm_add(struct tcpreasm *, uint32_t seq,
		    const uint8_t *data, size_t len);
/* Contiguous unread bytes; valid until the next add, skip_gap or fini. */
const uint8_t	*tcpreasm_data(const struct tcpreasm *, size_t *len);
/* Marks n unread bytes consumed; n larger than what is unread is clamped. */
void	tcpreasm_consume(struct tcpreasm *, size_t n);
/*
 * Gives up waiting for missing bytes: discards the unread bytes (stored
 * in *dropped_unread if not NULL; the consumer has to resynchronise),
 * jumps next_seq to the first held range, which becomes readable, and
 * returns the number of missing bytes skipped.  With nothing held it
 * returns 0 and arms a resync: the next segment starting beyond next_seq
 * (the bytes that did not fit a cap never come back) becomes the new
 * start, and its distance is counted in gaps and bytes_gap.  Call at
 * FIN, RST, end of capture, or after KD_ELIMIT.
 */
size_t	tcpreasm_skip_gap(struct tcpreasm *, size_t *dropped_unread);
bool	tcpreasm_has_held(const struct tcpreasm *);
/*
 * Zero-copy delivery.  can_pass: nothing is unread or held and seq is
 * next_seq, so a segment starting at seq is the stream itself and the
 * consumer may read it in place.  pass: the consumer did, and used n
 * bytes of it; they count as accepted and in order and next_seq moves
 * past them.  The rest of the segment (a partial PDU) is then added with
 * tcpreasm_add() at seq + n.
 */
bool	tcpreasm_can_pass(const struct tcpreasm *, uint32_t seq);
void	tcpreasm_pass(struct tcpreasm *, size_t n);
/*
 * Bytes of the window in use: unread plus up to the end of the furthest
 * held byte (holes included, as buf must keep room for them).  This is
 * what the capture engine counts against its budget; the allocation is
 * at most about twice that, and zero when nothing is held.
 */
size_t	tcpreasm_held(const struct tcpreasm *);
/* Bytes currently allocated: at most max_bytes + 8 * max_segs. */
size_t	tcpreasm_mem(const struct tcpreasm *);
/* Checks every internal invariant; for tests and fuzz targets. */
bool	tcpreasm_valid(const struct tcpreasm *);

#endif
