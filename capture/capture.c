/*
 * The capture engine: flow table -> TCP reassembly -> DCE/RPC PDUs ->
 * KMS exchanges, plus the aggregates the summary needs.  Every byte comes
 * from a packet and goes through pkt_decode, the reassembler, and the
 * cursor-based decoders; every table here has a cap from kdlimits.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "capture_int.h"
#include "kdlimits.h"
#include "tcpreasm.h"

#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)

static struct flow *
flow_new(struct capture *cap, const struct kd_endpoint *client,
    const struct kd_endpoint *host)
{
	struct flow *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->client = *client;
	f->host = *host;
	f->first_source = cap->cur_source;
	f->first_pkt = cap->cur_pkt;
	f->first_ts = cap->cur_ts;
	for (int d = 0; d < 2; d++)
		tcpreasm_init(&f->dir[d], cap->max_flow_bytes, KD_MAX_OOO_SEGS);
	return f;
}

/*
 * The flow key: the two endpoints mixed a word at a time (a multiply and
 * a fold per word), not byte by byte; it picks the bucket and, for an
 * evicted flow, is what the tombstone table remembers.
 */
static uint64_t
flow_key(const struct kd_endpoint *c, const struct kd_endpoint *h)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	uint64_t w[4] = { 0, 0, 0, 0 }, x;

	/* Only the bytes kd_endpoint_eq() compares. */
	memcpy(w, c->addr, c->af == 6 ? 16 : 4);
	memcpy(w + 2, h->addr, h->af == 6 ? 16 : 4);
	x = (uint64_t)c->port << 32 | (uint64_t)h->port << 16 |
	    (uint64_t)c->af << 8 | h->af;
	for (int i = 0; i < 4; i++) {
		x = (x ^ w[i]) * m;
		x ^= x >> 29;
	}
	x *= m;
	return x ^ (x >> 32);
}

static void
lru_unlink(struct capture *cap, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		cap->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		cap->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void
lru_push_head(struct capture *cap, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = cap->lru_head;
	if (cap->lru_head)
		cap->lru_head->lru_prev = f;
	cap->lru_head = f;
	if (cap->lru_tail == NULL)
		cap->lru_tail = f;
}

static void
hash_remove(struct capture *cap, struct flow *f)
{
	struct flow **pp = &cap->buckets[f->key & (cap->nbuckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			return;
		}
}

void
emit_conn(struct capture *cap, struct flow *f, enum capture_conn_kind kind,
    unsigned count, uint16_t reason, const char *fmt, ...)
{
	struct capture_conn_event ev;
	struct capture_event e = { .type = CE_CONNECTION, .conn = &ev, .cap = cap };
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.source = cap->cur_source;
	ev.pkt_no = cap->cur_pkt;
	ev.ts = cap->cur_ts;
	ev.client = f->client;
	ev.host = f->host;
	ev.kind = kind;
	ev.count = count;
	ev.reason = reason;
	va_start(ap, fmt);
	vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	analyze_conn(cap, &ev);
	cap->cb(&e, cap->cb_arg);
}

void
emit_error(struct capture *cap, struct kd_diag *d)
{
	struct capture_event e = { .type = CE_ERROR, .err = d, .cap = cap };

	d->source = cap->cur_source;
	d->pkt_no = cap->cur_pkt;
	cap->stats.errors++;
	if (errlimit_pass(&cap->errlim, d))
		cap->cb(&e, cap->cb_arg);
}

void
emit_exchange(struct capture *cap, struct capture_exchange *ex)
{
	struct capture_event e = { .type = CE_EXCHANGE, .ex = ex, .cap = cap };

	analyze_exchange(cap, ex);
	cap->stats.exchanges++;
	cap->cb(&e, cap->cb_arg);
}

/*
 * Exchanges come and go one per call; the last one released is kept for
 * the next call instead of going back to malloc.
 */
struct capture_exchange *
exchange_alloc(struct capture *cap)
{
	struct capture_exchange *ex = cap->spare_ex;

	if (ex == NULL)
		return calloc(1, sizeof(*ex));
	cap->spare_ex = NULL;
	memset(ex, 0, sizeof(*ex));
	return ex;
}

void
exchange_release(struct capture *cap, struct capture_exchange *ex)
{
	if (ex == NULL)
		return;
	if (cap->spare_ex == NULL)
		cap->spare_ex = ex;
	else
		free(ex);
}

/* Release a flow and everything it holds, reported or not. */
static void
flow_free(struct capture *cap, struct flow *f)
{
	for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++)
		exchange_release(cap, f->pend[i]);
	for (int d = 0; d < 2; d++) {
		tcpreasm_fini(&f->dir[d]);
		free(f->frag[d].buf);
	}
	lru_unlink(cap, f);
	hash_remove(cap, f);
	cap->nflows--;
	cap->buffered -= f->buffered;
	free(f);
}

enum close_why { CLOSE_END, CLOSE_FLOW_CAP, CLOSE_MEMORY };

/*
 * Evicted flows are remembered by key in a direct-mapped table (a newer
 * eviction may overwrite an older one), so that the rest of an evicted
 * connection is counted as not tracked instead of coming back as a new
 * connection whose requests have no responses or whose response has no
 * request: those would be false protocol problems.
 */
static size_t
tomb_slot(const struct capture *cap, uint64_t key)
{
	return (size_t)(key >> 32 ^ key) & (cap->ntombs - 1);
}

static void
tomb_add(struct capture *cap, uint64_t key)
{
	if (cap->tombs != NULL)
		cap->tombs[tomb_slot(cap, key)] = key | 1;
}

/*
 * Is key a recently evicted flow, whose packets are not tracked?  A SYN
 * (new_conn) starts a new connection on the 4-tuple: it is forgotten.
 */
static bool
tomb_check(struct capture *cap, uint64_t key, bool new_conn)
{
	uint64_t *t;

	if (cap->tombs == NULL)
		return false;
	t = &cap->tombs[tomb_slot(cap, key)];
	if (*t != (key | 1))
		return false;
	if (new_conn) {
		*t = 0;
		return false;
	}
	return true;
}

/*
 * An evicted flow is not tracked any more, and nothing about it is a
 * finding: its calls were not left unanswered and its streams had no gap,
 * we stopped looking.  One event says so, with the number of calls it
 * had pending (dropped, not reported as exchanges), and the counters
 * keep the totals for the summary.
 */
static void
flow_evict(struct capture *cap, struct flow *f, enum close_why why)
{
	unsigned calls = 0;

	for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++)
		if (f->pend[i] != NULL)
			calls++;
	cap->stats.flows_evicted++;
	cap->stats.calls_untracked += calls;
	if (why == CLOSE_FLOW_CAP)
		emit_conn(cap, f, CC_EVICTED, calls, 0,
		    "not tracked: flow evicted after %zu flows were tracked "
		    "(cap); %u unanswered call%s dropped unreported",
		    cap->max_flows, calls, calls == 1 ? "" : "s");
	else {
		cap->stats.flows_evicted_memory++;
		emit_conn(cap, f, CC_EVICTED, calls, 0,
		    "not tracked: flow evicted, reassembly buffers of all flows "
		    "over %zu MiB (cap); %u unanswered call%s dropped unreported",
		    cap->max_buffered >> 20, calls, calls == 1 ? "" : "s");
	}
	tomb_add(cap, f->key);
	flow_free(cap, f);
}

static void
flow_close(struct capture *cap, struct flow *f, enum close_why why)
{
	size_t len;

	if (why != CLOSE_END) {
		flow_evict(cap, f, why);
		return;
	}
	if (f->syn_seen && !f->synack_seen && !f->refused && !f->any_data) {
		const char *src = cap->cur_source;
		uint64_t pkt = cap->cur_pkt;
		struct timeval ts = cap->cur_ts;

		/* Dated by the first SYN, so the line sits where it happened. */
		cap->cur_source = f->first_source;
		cap->cur_pkt = f->first_pkt;
		cap->cur_ts = f->first_ts;
		emit_conn(cap, f, CC_FILTERED, f->syn_count > 0 ?
		    f->syn_count - 1 : 0, 0,
		    "SYN sent %u time%s, never answered: port filtered or host "
		    "down", f->syn_count, f->syn_count == 1 ? "" : "s");
		cap->cur_source = src;
		cap->cur_pkt = pkt;
		cap->cur_ts = ts;
	}
	for (int d = 0; d < 2; d++) {
		if (tcpreasm_has_held(&f->dir[d])) {
			size_t dropped = 0, gap = tcpreasm_skip_gap(&f->dir[d], &dropped);

			cap->stats.gaps++;
			emit_conn(cap, f, CC_GAP, (unsigned)gap, 0,
			    "%zu bytes missing from the %s stream at the end of "
			    "the connection", gap, d == 0 ? "client" : "host");
			process_stream(cap, f, d);
		}
		tcpreasm_data(&f->dir[d], &len);
		if (len > 0 && !f->not_rpc[d])
			emit_conn(cap, f, CC_INCOMPLETE, (unsigned)len, 0,
			    "%zu bytes of an unfinished PDU from the %s when the "
			    "capture ended", len, d == 0 ? "client" : "host");
	}
	if (f->bind_rejected && !f->kms_accepted)
		emit_conn(cap, f, CC_BIND_REJECTED, 0, f->reject_reason,
		    "bind_ack accepted no KMS presentation context (%s): no "
		    "activation possible on this connection",
		    dcerpc_reason_name(f->reject_reason));
	for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++) {
		struct capture_exchange *ex = f->pend[i];

		if (ex == NULL)
			continue;
		f->pend[i] = NULL;
		f->npend--;
		finalize_exchange(cap, ex);
		emit_exchange(cap, ex);
		exchange_release(cap, ex);
	}
	flow_free(cap, f);
}

/* Twice the buckets, every flow moved over; on no memory, keep the old. */
static void
buckets_grow(struct capture *cap)
{
	size_t n = cap->nbuckets * 2;
	struct flow **nb = calloc(n, sizeof(*nb)), *f;

	if (nb == NULL)
		return;
	for (f = cap->lru_head; f != NULL; f = f->lru_next) {
		f->hnext = nb[f->key & (n - 1)];
		nb[f->key & (n - 1)] = f;
	}
	free(cap->buckets);
	cap->buckets = nb;
	cap->nbuckets = n;
}

static struct flow *
flow_get(struct capture *cap, const struct kd_endpoint *client,
    const struct kd_endpoint *host, bool create, bool syn)
{
	uint64_t h = flow_key(client, host);
	struct flow *f;

	for (f = cap->buckets[h & (cap->nbuckets - 1)]; f != NULL; f = f->hnext)
		if (f->key == h && kd_endpoint_eq(&f->client, client) &&
		    kd_endpoint_eq(&f->host, host)) {
			if (cap->lru_head != f) {
				lru_unlink(cap, f);
				lru_push_head(cap, f);
			}
			return f;
		}
	if (!create)
		return NULL;
	/* A new SYN on an evicted 4-tuple is a new connection. */
	if (tomb_check(cap, h, syn)) {
		cap->stats.packets_untracked++;
		return NULL;
	}
	if (cap->nflows >= cap->max_flows && cap->lru_tail != NULL)
		flow_close(cap, cap->lru_tail, CLOSE_FLOW_CAP);
	if (cap->nflows >= cap->nbuckets && cap->nbuckets < cap->max_buckets)
		buckets_grow(cap);
	if ((f = flow_new(cap, client, host)) == NULL)
		return NULL;
	f->key = h;
	f->hnext = cap->buckets[h & (cap->nbuckets - 1)];
	cap->buckets[h & (cap->nbuckets - 1)] = f;
	lru_push_head(cap, f);
	cap->nflows++;
	cap->stats.flows++;
	if (cap->nflows > cap->stats.peak_flows)
		cap->stats.peak_flows = cap->nflows;
	return f;
}

static bool
is_kms_port(const struct capture *cap, uint16_t port)
{
	for (size_t i = 0; i < cap->nports; i++)
		if (cap->ports[i] == port)
			return true;
	return false;
}

struct capture *
capture_new(const struct capture_opts *o, capture_event_cb *cb, void *arg)
{
	struct capture *cap = calloc(1, sizeof(*cap));

	if (cap == NULL)
		return NULL;
	cap->max_flows = o && o->max_flows ? o->max_flows : KD_MAX_FLOWS;
	/*
	 * Buckets: a power of two that grows with the flows in flight, up to
	 * twice the flow cap.  A table sized for the cap from the start would
	 * be half a MiB of mostly empty buckets, and each lookup a cache miss.
	 */
	for (cap->max_buckets = 1024; cap->max_buckets < 2 * cap->max_flows;)
		cap->max_buckets *= 2;
	cap->nbuckets = 1024;
	cap->ntombs = cap->max_buckets;
	if ((cap->buckets = calloc(cap->nbuckets, sizeof(*cap->buckets))) == NULL) {
		free(cap);
		return NULL;
	}
	/* Without tombstones evictions are still counted, only less precisely. */
	cap->tombs = calloc(cap->ntombs, sizeof(*cap->tombs));
	cap->cb = cb;
	cap->cb_arg = arg;
	if (o != NULL && o->nports > 0) {
		cap->nports = o->nports;
		memcpy(cap->ports, o->ports, o->nports * sizeof(o->ports[0]));
	} else {
		cap->nports = 1;
		cap->ports[0] = 1688;
	}
	cap->max_flow_bytes = o && o->max_flow_bytes ? o->max_flow_bytes :
	    KD_MAX_FLOW_BYTES;
	cap->max_buffered = o && o->max_buffered ? o->max_buffered :
	    KD_MAX_BUFFERED;
	kms_keys_init(&cap->keys);
	analyze_init(cap);
	return cap;
}

void
capture_free(struct capture *cap)
{
	if (cap == NULL)
		return;
	while (cap->lru_head != NULL)
		flow_free(cap, cap->lru_head);
	analyze_fini(cap);
	free(cap->spare_ex);
	free(cap->buckets);
	free(cap->tombs);
	free(cap);
}

void
capture_error(struct capture *cap, const struct kd_diag *d)
{
	struct capture_event e = { .type = CE_ERROR, .err = d, .cap = cap };

	cap->stats.errors++;
	cap->cb(&e, cap->cb_arg);
}

void
capture_finish(struct capture *cap)
{
	while (cap->lru_tail != NULL)
		flow_close(cap, cap->lru_tail, CLOSE_END);
}

void
capture_pending_marks(const struct capture *cap,
    void (*fn)(void *, const char *, uint64_t), void *arg)
{
	for (const struct flow *f = cap->lru_head; f != NULL; f = f->lru_next) {
		/* A "filtered" line would be dated by its first SYN. */
		if (f->syn_seen && !f->synack_seen && !f->refused && !f->any_data)
			fn(arg, f->first_source, f->first_pkt);
		for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++) {
			const struct capture_exchange *ex = f->pend[i];

			if (ex != NULL)
				fn(arg, ex->source, ex->req_pkt ? ex->req_pkt :
				    ex->resp_pkt);
		}
	}
	fn(arg, cap->cur_source, cap->cur_pkt);
}

const struct capture_stats *
capture_stats(const struct capture *cap)
{
	return &cap->stats;
}

static void
gap_check(struct capture *cap, struct flow *f, int d, uint32_t peer_ack)
{
	struct tcpreasm *r = &f->dir[d];
	size_t dropped = 0, gap;

	/* The peer acknowledged bytes we never saw: they are lost to us. */
	if (!tcpreasm_has_held(r) || !SEQ_GT(peer_ack, r->next_seq))
		return;
	gap = tcpreasm_skip_gap(r, &dropped);
	cap->stats.gaps++;
	f->resync[d] = true;
	emit_conn(cap, f, CC_GAP, (unsigned)gap, 0,
	    "%zu bytes missing from the %s stream (not in the capture); "
	    "resynchronising at the next PDU%s", gap,
	    d == 0 ? "client" : "host", dropped ? ", partial PDU dropped" : "");
}

/*
 * Bytes a flow holds beyond its own struct: the reassembly windows in use
 * (a drained one is freed, so an idle flow holds nothing), fragment stubs
 * and the calls waiting for a response.
 */
static size_t
flow_buffered(const struct flow *f)
{
	size_t n = 0;

	for (int d = 0; d < 2; d++)
		n += tcpreasm_held(&f->dir[d]) + f->frag[d].len;
	return n + f->npend * sizeof(struct capture_exchange);
}

/*
 * Keep the buffers of all flows within the budget: evict the least
 * recently active flows (never f, which just got a packet).
 */
static void
account(struct capture *cap, struct flow *f)
{
	size_t now = flow_buffered(f);

	cap->buffered += now - f->buffered;
	f->buffered = now;
	if (cap->buffered > cap->stats.peak_buffered)
		cap->stats.peak_buffered = cap->buffered;
	while (cap->buffered > cap->max_buffered && cap->lru_tail != NULL &&
	    cap->lru_tail != f)
		flow_close(cap, cap->lru_tail, CLOSE_MEMORY);
}

void
capture_packet(struct capture *cap, const char *source, uint64_t pkt_no,
    const struct timeval *ts, int dlt, const uint8_t *data, size_t caplen,
    size_t wirelen)
{
	struct pkt_info pi;
	struct kd_diag d;
	enum kd_status st;
	struct flow *f;
	uint64_t untracked = cap->stats.packets_untracked;
	bool create, direct = false;
	int dir;

	(void)wirelen;
	diag_empty(&d);
	cap->cur_source = source;
	cap->cur_pkt = pkt_no;
	cap->cur_ts = *ts;
	cap->stats.packets++;
	if ((st = pkt_decode(dlt, data, caplen, &pi, &d)) != KD_OK) {
		/* Non-TCP traffic is not our business; broken headers are. */
		if (st != KD_EUNSUP)
			emit_error(cap, &d);
		return;
	}
	cap->stats.tcp_packets++;
	/*
	 * Only a SYN or data opens a flow: the last ACK after both FINs, or a
	 * stray RST, must not resurrect a closed connection.
	 */
	create = (pi.flags & TH_SYN) || pi.wirelen > 0;
	if (is_kms_port(cap, pi.dst.port)) {
		dir = 0;
		f = flow_get(cap, &pi.src, &pi.dst, create,
		    (pi.flags & (TH_SYN | TH_ACK)) == TH_SYN);
	} else if (is_kms_port(cap, pi.src.port)) {
		dir = 1;
		f = flow_get(cap, &pi.dst, &pi.src, create, false);
	} else {
		analyze_other(cap, &pi);
		return;
	}
	cap->stats.port_packets++;
	if (f == NULL && !create)
		return;
	if (f == NULL && cap->stats.packets_untracked > untracked)
		return;		/* the rest of an evicted connection */
	if (f == NULL) {
		kd_diag_set(&d, KD_ENOMEM, "tcp", 0, "no memory for a new flow");
		emit_error(cap, &d);
		return;
	}
	f->last_ts = *ts;
	if (dir == 0 && (pi.flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		if (f->syn_seen && pi.seq == f->syn_seq)
			f->syn_count++;
		else {
			f->syn_seen = true;
			f->syn_seq = pi.seq;
			f->syn_count = 1;
			tcpreasm_set_isn(&f->dir[0], pi.seq + 1);
		}
	}
	if (dir == 1 && (pi.flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		f->synack_seen = true;
		tcpreasm_set_isn(&f->dir[1], pi.seq + 1);
	}
	if (dir == 1 && (pi.flags & TH_RST) && f->syn_seen && !f->synack_seen &&
	    !f->any_data && !f->refused) {
		f->refused = true;
		emit_conn(cap, f, CC_REFUSED, f->syn_count, 0,
		    "SYN answered by RST: port closed (connection refused)");
	}
	if (pi.paylen > 0 || pi.wirelen > 0) {
		struct tcpreasm *r = &f->dir[dir];

		f->any_data = true;
		if (pi.paylen < pi.wirelen && !f->snaplen_reported) {
			f->snaplen_reported = true;
			kd_diag_set(&d, KD_ETRUNC, "pcap", pi.payload_off + pi.paylen,
			    "payload cut by the snaplen: %zu of %zu bytes captured; "
			    "re-capture with -s 0", pi.paylen, pi.wirelen);
			emit_error(cap, &d);
			emit_conn(cap, f, CC_SNAPLEN, (unsigned)(pi.wirelen - pi.paylen),
			    0, "packets cut by the snaplen: re-capture with -s 0");
		}
		if (!r->have_isn)
			tcpreasm_set_isn(r, pi.seq);
		/* In order with nothing buffered: parse it in place, below. */
		direct = pi.paylen > 0 && tcpreasm_can_pass(r, pi.seq);
		if (pi.paylen > 0 && !direct) {
			st = tcpreasm_add(r, pi.seq, pi.payload, pi.paylen);
			if (st == KD_ELIMIT) {
				cap->stats.flow_limit_hits++;
				if (!f->limit_reported) {
					f->limit_reported = true;
					emit_conn(cap, f, CC_LIMIT, 0, 0,
					    "per-flow buffer cap of %zu bytes hit; "
					    "data dropped", cap->max_flow_bytes);
				}
				/* Nothing sensible is buffered: drop it and resync. */
				if (tcpreasm_has_held(r)) {
					size_t dropped;

					tcpreasm_skip_gap(r, &dropped);
					f->resync[dir] = true;
				}
			} else if (st == KD_ENOMEM) {
				kd_diag_set(&d, KD_ENOMEM, "tcp", pi.payload_off,
				    "no memory for reassembly");
				emit_error(cap, &d);
			}
		}
	}
	if (pi.flags & TH_ACK)
		gap_check(cap, f, 1 - dir, pi.ack);
	if (direct) {
		size_t used = cut_pdus(cap, f, dir, pi.payload, pi.paylen);

		tcpreasm_pass(&f->dir[dir], used);
		/* Only an unfinished PDU is left: it waits in the buffer. */
		if (used < pi.paylen && tcpreasm_add(&f->dir[dir],
		    pi.seq + (uint32_t)used, pi.payload + used,
		    pi.paylen - used) == KD_ENOMEM) {
			kd_diag_set(&d, KD_ENOMEM, "tcp", pi.payload_off + used,
			    "no memory for reassembly");
			emit_error(cap, &d);
		}
	} else
		process_stream(cap, f, dir);
	if (pi.flags & TH_FIN)
		f->fin[dir] = true;
	if ((pi.flags & TH_RST) || (f->fin[0] && f->fin[1]))
		flow_close(cap, f, CLOSE_END);
	else
		account(cap, f);
}

const char *
capture_verdict_name(enum capture_verdict v)
{
	static const char *const names[] = {
		[CV_ACTIVATES] = "activates",
		[CV_BELOW_THRESHOLD] = "below_threshold",
		[CV_REFUSED] = "refused",
		[CV_UNVERIFIED] = "unverified",
		[CV_FAULT] = "rpc_fault",
		[CV_NO_RESPONSE] = "no_response",
		[CV_UNDECODABLE] = "undecodable",
	};

	return (size_t)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

const char *
capture_conn_kind_name(enum capture_conn_kind k)
{
	static const char *const names[] = {
		[CC_FILTERED] = "filtered",
		[CC_REFUSED] = "refused",
		[CC_BIND_NAK] = "bind_nak",
		[CC_BIND_REJECTED] = "bind_rejected",
		[CC_NOT_RPC] = "not_rpc",
		[CC_GAP] = "gap",
		[CC_SNAPLEN] = "snaplen",
		[CC_INCOMPLETE] = "incomplete",
		[CC_EVICTED] = "evicted",
		[CC_LIMIT] = "flow_limit",
	};

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}
