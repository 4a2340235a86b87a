/*
 * DCE/RPC per connection: cut PDUs out of each reassembled direction,
 * remember which presentation context got which transfer syntax, pair
 * requests with responses by call_id and hand the stubs to the KMS codec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"

static const struct ctx_binding *
ctx_find(const struct flow *f, uint16_t id)
{
	for (size_t i = 0; i < f->nctx; i++)
		if (f->ctx[i].id == id)
			return &f->ctx[i];
	return NULL;
}

static void
ctx_set(struct flow *f, uint16_t id, enum dcerpc_syntax syn, bool kms)
{
	struct ctx_binding *b = (struct ctx_binding *)ctx_find(f, id);

	if (b == NULL) {
		if (f->nctx == MAX_FLOW_CTX)
			return;
		b = &f->ctx[f->nctx++];
	}
	b->id = id;
	b->syntax = syn;
	b->kms = kms;
}

/*
 * The capture may start after the bind: tell NDR from NDR64 by the stub
 * itself.  NDR repeats the size in the next word; NDR64 has 4 zero bytes.
 */
static enum dcerpc_syntax
guess_syntax(const uint8_t *stub, size_t len)
{
	if (len >= 8 && memcmp(stub, stub + 4, 4) == 0)
		return SYNTAX_NDR;
	if (len >= 16 && stub[4] == 0 && stub[5] == 0 && stub[6] == 0 && stub[7] == 0)
		return SYNTAX_NDR64;
	return SYNTAX_NDR;
}

static enum dcerpc_syntax
guess_response_syntax(const uint8_t *stub, size_t len)
{
	/* NDR64 puts 4 pad bytes after the size, then an 8-byte referent. */
	if (len >= 20 && stub[4] == 0 && stub[5] == 0 && stub[6] == 0 &&
	    stub[7] == 0 && (stub[8] | stub[9] | stub[10] | stub[11]) != 0)
		return SYNTAX_NDR64;
	if (len == 20)
		return SYNTAX_NDR64;
	return SYNTAX_NDR;
}

static struct capture_exchange *
pend_take(struct flow *f, uint32_t call_id)
{
	if (f->npend == 0)
		return NULL;
	for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++)
		if (f->pend[i] != NULL && f->pend[i]->call_id == call_id) {
			struct capture_exchange *ex = f->pend[i];

			f->pend[i] = NULL;
			f->npend--;
			return ex;
		}
	return NULL;
}

static struct capture_exchange *
exchange_new(struct capture *cap, struct flow *f, uint32_t call_id, uint16_t ctx_id)
{
	struct capture_exchange *ex = exchange_alloc(cap);

	if (ex == NULL)
		return NULL;
	ex->source = cap->cur_source;
	ex->client = f->client;
	ex->host = f->host;
	ex->call_id = call_id;
	ex->ctx_id = ctx_id;
	return ex;
}

static void
error_at(struct capture *cap, struct kd_diag *d, size_t base)
{
	d->offset += base;
	emit_error(cap, d);
}

static void
on_request(struct capture *cap, struct flow *f, const struct dcerpc_hdr *h,
    uint16_t ctx_id, uint16_t opnum, const uint8_t *stub, size_t stub_len,
    size_t stub_off)
{
	struct capture_exchange *ex, *old;
	const struct ctx_binding *b = ctx_find(f, ctx_id);
	struct kd_diag d;
	struct kd_cur c;
	size_t moff, mlen;

	diag_empty(&d);
	if (b != NULL && !b->kms)
		return;
	if (opnum != 0) {
		kd_diag_set(&d, KD_EUNSUP, "dcerpc", 22,
		    "request opnum %u on the KMS interface (only 0 exists)", opnum);
		emit_error(cap, &d);
		return;
	}
	if ((old = pend_take(f, h->call_id)) != NULL) {
		/* A new request reusing a call_id: the old one was never answered. */
		finalize_exchange(cap, old);
		emit_exchange(cap, old);
		exchange_release(cap, old);
	}
	if ((ex = exchange_new(cap, f, h->call_id, ctx_id)) == NULL)
		return;
	ex->req_pkt = cap->cur_pkt;
	ex->req_ts = cap->cur_ts;
	ex->syntax = b != NULL ? b->syntax : guess_syntax(stub, stub_len);
	kd_cur_init(&c, stub, stub_len);
	if (kms_stub_unwrap_request(&c, ex->syntax, &moff, &mlen, &d) != KD_OK)
		error_at(cap, &d, stub_off);
	else if (kms_decode_request(&cap->keys, stub + moff, mlen, &ex->req, &d) != KD_OK)
		error_at(cap, &d, stub_off + moff);
	else {
		ex->have_req = true;
		if (!ex->req.ws_valid || !ex->req.ws_terminated) {
			kd_diag_set(&d, KD_EINVAL, "kms", stub_off + moff +
			    ex->req.body_off + 0x6c + 2 * ex->req.ws_bad_unit,
			    "workstation name %s", !ex->req.ws_valid ?
			    "is not valid UTF-16 (lone surrogate)" :
			    "has no NUL terminator in its 64 units");
			emit_error(cap, &d);
		}
	}
	for (size_t i = 0; i < KD_MAX_PENDING_CALLS; i++)
		if (f->pend[i] == NULL) {
			f->pend[i] = ex;
			f->npend++;
			return;
		}
	/* Too many calls in flight: report the oldest as unanswered. */
	old = f->pend[0];
	memmove(&f->pend[0], &f->pend[1], (KD_MAX_PENDING_CALLS - 1) * sizeof(f->pend[0]));
	f->pend[KD_MAX_PENDING_CALLS - 1] = ex;
	finalize_exchange(cap, old);
	emit_exchange(cap, old);
	exchange_release(cap, old);
}

static void
on_response(struct capture *cap, struct flow *f, const struct dcerpc_hdr *h,
    uint16_t ctx_id, const uint8_t *stub, size_t stub_len, size_t stub_off)
{
	struct capture_exchange *ex = pend_take(f, h->call_id);
	const struct ctx_binding *b = ctx_find(f, ctx_id);
	struct kd_diag d;
	struct kd_cur c;
	size_t moff, mlen;
	enum dcerpc_syntax syn;

	diag_empty(&d);
	if (ex == NULL && (ex = exchange_new(cap, f, h->call_id, ctx_id)) == NULL)
		return;
	ex->resp_pkt = cap->cur_pkt;
	ex->resp_ts = cap->cur_ts;
	syn = b != NULL ? b->syntax : ex->req_pkt ? ex->syntax :
	    guess_response_syntax(stub, stub_len);
	if (ex->req_pkt == 0)
		ex->syntax = syn;
	kd_cur_init(&c, stub, stub_len);
	if (kms_stub_unwrap_response(&c, syn, &moff, &mlen, &ex->hresult, &d) != KD_OK)
		error_at(cap, &d, stub_off);
	else if (mlen > 0) {
		if (kms_decode_response(&cap->keys, stub + moff, mlen,
		    ex->have_req ? &ex->req : NULL, &ex->resp, &d) != KD_OK)
			error_at(cap, &d, stub_off + moff);
		else
			ex->have_resp = true;
	}
	finalize_exchange(cap, ex);
	emit_exchange(cap, ex);
	exchange_release(cap, ex);
}

static void
on_fault(struct capture *cap, struct flow *f, const struct dcerpc_hdr *h,
    const struct dcerpc_call *call)
{
	struct capture_exchange *ex = pend_take(f, h->call_id);

	if (ex == NULL && (ex = exchange_new(cap, f, h->call_id, call->ctx_id)) == NULL)
		return;
	ex->resp_pkt = cap->cur_pkt;
	ex->resp_ts = cap->cur_ts;
	ex->fault = true;
	ex->fault_status = call->status;
	finalize_exchange(cap, ex);
	emit_exchange(cap, ex);
	exchange_release(cap, ex);
}

/* Collect the stub of a call that may span several fragments. */
static bool
collect(struct capture *cap, struct flow *f, int d, const struct dcerpc_hdr *h,
    const struct dcerpc_call *call, const uint8_t *pdu, const uint8_t **stub,
    size_t *len)
{
	struct frag_buf *fb = &f->frag[d];
	struct kd_diag dg;
	uint8_t *nb;

	diag_empty(&dg);
	if ((h->flags & (PFC_FIRST_FRAG | PFC_LAST_FRAG)) ==
	    (PFC_FIRST_FRAG | PFC_LAST_FRAG)) {
		*stub = pdu + call->stub_off;
		*len = call->stub_len;
		return true;
	}
	if (h->flags & PFC_FIRST_FRAG) {
		fb->active = true;
		fb->call_id = h->call_id;
		fb->ctx_id = call->ctx_id;
		fb->opnum = call->opnum;
		fb->len = 0;
	} else if (!fb->active || fb->call_id != h->call_id) {
		kd_diag_set(&dg, KD_EINVAL, "dcerpc", 3,
		    "middle/last fragment of call %u without its first fragment",
		    h->call_id);
		emit_error(cap, &dg);
		return false;
	}
	if (fb->len + call->stub_len > KD_MAX_RPC_STUB) {
		kd_diag_set(&dg, KD_ELIMIT, "dcerpc", 8,
		    "call %u: fragments add up to more than %d bytes", h->call_id,
		    KD_MAX_RPC_STUB);
		emit_error(cap, &dg);
		fb->active = false;
		return false;
	}
	if ((nb = realloc(fb->buf, fb->len + call->stub_len + 1)) == NULL) {
		fb->active = false;
		return false;
	}
	fb->buf = nb;
	memcpy(fb->buf + fb->len, pdu + call->stub_off, call->stub_len);
	fb->len += call->stub_len;
	if (!(h->flags & PFC_LAST_FRAG))
		return false;
	fb->active = false;
	*stub = fb->buf;
	*len = fb->len;
	return true;
}

static void
handle_pdu(struct capture *cap, struct flow *f, int d, const uint8_t *pdu,
    size_t len)
{
	struct dcerpc_hdr h;
	struct kd_diag dg;
	struct kd_cur c;
	const uint8_t *stub;
	size_t stub_len;

	diag_empty(&dg);
	kd_cur_init(&c, pdu, len);
	if (dcerpc_decode_hdr(&c, &h, &dg) != KD_OK) {
		emit_error(cap, &dg);
		return;
	}
	f->rpc_seen[d] = true;
	switch (h.ptype) {
	case DCERPC_BIND:
	case DCERPC_ALTER_CONTEXT: {
		struct dcerpc_bind b;

		if (d != 0)
			break;
		if (dcerpc_decode_bind(&c, &h, &b, &dg) != KD_OK) {
			emit_error(cap, &dg);
			break;
		}
		f->noffer = b.n_kept;
		for (size_t i = 0; i < b.n_kept; i++) {
			f->offer[i].id = b.ctx[i].id;
			f->offer[i].syntax = b.ctx[i].syntax;
			f->offer[i].kms = b.ctx[i].is_kms;
		}
		break;
	}
	case DCERPC_BIND_ACK:
	case DCERPC_ALTER_CONTEXT_RESP: {
		struct dcerpc_bind_ack a;
		bool any = false;

		if (d != 1)
			break;
		if (dcerpc_decode_bind_ack(&c, &h, &a, &dg) != KD_OK) {
			emit_error(cap, &dg);
			break;
		}
		/* Results come in the order the contexts were offered (§2.6). */
		for (size_t i = 0; i < a.n_kept && i < f->noffer; i++) {
			const struct ctx_binding *o = &f->offer[i];

			if (o->syntax == SYNTAX_BTFN)
				continue;
			if (a.res[i].result == 0) {
				ctx_set(f, o->id, a.res[i].syntax != SYNTAX_UNKNOWN ?
				    a.res[i].syntax : o->syntax, o->kms);
				if (o->kms) {
					f->kms_accepted = true;
					any = true;
				}
			} else if (o->kms || !f->kms_accepted)
				f->reject_reason = a.res[i].reason;
		}
		if (!any && h.ptype == DCERPC_BIND_ACK)
			f->bind_rejected = true;
		break;
	}
	case DCERPC_BIND_NAK: {
		struct dcerpc_bind_nak n;

		if (d != 1)
			break;
		if (dcerpc_decode_bind_nak(&c, &h, &n, &dg) != KD_OK) {
			emit_error(cap, &dg);
			break;
		}
		emit_conn(cap, f, CC_BIND_NAK, 0, n.reason,
		    "bind rejected with bind_nak: %s",
		    dcerpc_nak_reason_name(n.reason));
		break;
	}
	case DCERPC_REQUEST:
	case DCERPC_RESPONSE:
	case DCERPC_FAULT: {
		struct dcerpc_call call;

		if ((h.ptype == DCERPC_REQUEST) != (d == 0))
			break;
		if (dcerpc_decode_call(&c, &h, &call, &dg) != KD_OK) {
			emit_error(cap, &dg);
			break;
		}
		if (h.ptype == DCERPC_FAULT) {
			on_fault(cap, f, &h, &call);
			break;
		}
		if (!collect(cap, f, d, &h, &call, pdu, &stub, &stub_len))
			break;
		if (h.ptype == DCERPC_REQUEST)
			on_request(cap, f, &h, call.ctx_id, call.opnum, stub,
			    stub_len, call.stub_off);
		else
			on_response(cap, f, &h, call.ctx_id, stub, stub_len,
			    call.stub_off);
		break;
	}
	default:
		break;
	}
}

/*
 * Cut the PDUs out of n bytes of one direction's stream, in order, and
 * return how many bytes were used; the rest is an incomplete PDU (or a
 * possible header prefix while resynchronising) that has to wait for
 * more bytes.  buf is either the reassembly window or, when nothing is
 * buffered, the segment itself (capture.c's zero-copy path).
 */
size_t
cut_pdus(struct capture *cap, struct flow *f, int d, const uint8_t *buf,
    size_t n)
{
	const uint8_t *p;
	size_t used = 0, len;

	for (;;) {
		uint16_t flen;

		p = buf + used;
		len = n - used;
		if (len == 0)
			return used;
		if (f->not_rpc[d])
			return n;
		if (f->resync[d]) {
			size_t i;

			for (i = 0; i + DCERPC_HDR_LEN <= len; i++)
				if (dcerpc_looks_like_hdr(p + i, len - i))
					break;
			if (i + DCERPC_HDR_LEN > len) {
				/* Keep a possible header prefix for the next segment. */
				if (len >= DCERPC_HDR_LEN)
					used += len - (DCERPC_HDR_LEN - 1);
				return used;
			}
			used += i;
			f->resync[d] = false;
			continue;
		}
		if (len < DCERPC_HDR_LEN && (p[0] == 5 || len < 1))
			return used;
		if (!dcerpc_looks_like_hdr(p, len)) {
			struct kd_diag dg;

			diag_empty(&dg);
			if (len < DCERPC_HDR_LEN && p[0] == 5)
				return used;
			if (len >= DCERPC_HDR_LEN && p[0] == 5 && p[1] <= 1 &&
			    p[2] <= DCERPC_ORPHANED && (p[4] & 0xf0) == 0x10) {
				/* A DCE/RPC header whose length we refuse. */
				struct kd_cur hc;
				struct dcerpc_hdr hh;

				kd_cur_init(&hc, p, len);
				if (dcerpc_decode_hdr(&hc, &hh, &dg) != KD_OK)
					emit_error(cap, &dg);
				f->rpc_seen[d] = true;
				used++;
				f->resync[d] = true;
				continue;
			}
			if (!f->rpc_seen[d]) {
				f->not_rpc[d] = true;
				emit_conn(cap, f, CC_NOT_RPC, (unsigned)len, 0,
				    "%s sent %zu bytes that are not DCE/RPC "
				    "(first byte 0x%02x): not a KMS host on this port",
				    d == 0 ? "client" : "host", len, p[0]);
				return n;
			}
			kd_diag_set(&dg, KD_EINVAL, "dcerpc", 0,
			    "no valid PDU header in the %s stream (rpc_vers 0x%02x, "
			    "frag_length %u); skipping to the next PDU",
			    d == 0 ? "client" : "host", p[0],
			    len >= 10 ? (unsigned)(p[8] | p[9] << 8) : 0);
			emit_error(cap, &dg);
			used++;
			f->resync[d] = true;
			continue;
		}
		flen = (uint16_t)(p[8] | p[9] << 8);
		if (len < flen)
			return used;
		handle_pdu(cap, f, d, p, flen);
		used += flen;
	}
}

void
process_stream(struct capture *cap, struct flow *f, int d)
{
	struct tcpreasm *r = &f->dir[d];
	const uint8_t *p;
	size_t len;

	p = tcpreasm_data(r, &len);
	if (len > 0)
		tcpreasm_consume(r, cut_pdus(cap, f, d, p, len));
}
