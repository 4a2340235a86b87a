/*
 * Fuzz target for the DCE/RPC codec and the KMS stub framing.
 *
 *	byte 0		bits 0-1: junk bytes that precede the stream (0-3), so
 *			the PDUs sit at every alignment inside the buffer, as
 *			behind the 54 bytes of Ethernet/IP/TCP in a frame
 *	bytes 1..	junk, then a byte stream of PDUs cut by frag_length
 *
 * Every PDU goes through the header decoder and the body decoder its
 * ptype selects; request/response stubs are unwrapped as NDR and NDR64.
 * Invariants that abort: spans stay inside the bytes given, kept counts
 * stay within their arrays, sanitised strings stay terminated, and a
 * message unwrapped from a stub wraps back to a stub that unwraps to the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcerpc.h"
#include "kdlimits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_stub(const uint8_t *stub, size_t len)
{
	static const enum dcerpc_syntax syn[2] = { SYNTAX_NDR, SYNTAX_NDR64 };
	static uint8_t again[KD_MAX_KMS_MSG + 64];
	struct kd_diag d;
	struct kd_cur c;
	size_t off, mlen, off2, mlen2, n;
	uint32_t hr, hr2;

	for (int i = 0; i < 2; i++) {
		memset(&d, 0, sizeof(d));
		kd_cur_init(&c, stub, len);
		if (kms_stub_unwrap_request(&c, syn[i], &off, &mlen, &d) == KD_OK) {
			if (off > len || mlen > len - off || mlen > KD_MAX_KMS_MSG)
				abort();
			n = kms_stub_wrap_request(again, sizeof(again), syn[i],
			    stub + off, mlen);
			if (n == 0)
				abort();
			kd_cur_init(&c, again, n);
			if (kms_stub_unwrap_request(&c, syn[i], &off2, &mlen2, &d) != KD_OK ||
			    mlen2 != mlen || memcmp(again + off2, stub + off, mlen) != 0)
				abort();
		}
		kd_cur_init(&c, stub, len);
		if (kms_stub_unwrap_response(&c, syn[i], &off, &mlen, &hr, &d) == KD_OK) {
			if (off > len || mlen > len - off || mlen > KD_MAX_KMS_MSG)
				abort();
			n = kms_stub_wrap_response(again, sizeof(again), syn[i],
			    mlen ? stub + off : NULL, mlen, hr);
			if (n == 0)
				abort();
			kd_cur_init(&c, again, n);
			if (kms_stub_unwrap_response(&c, syn[i], &off2, &mlen2, &hr2,
			    &d) != KD_OK || mlen2 != mlen || hr2 != hr ||
			    memcmp(again + off2, stub + off, mlen) != 0)
				abort();
		} else if (d.status == KD_OK)
			abort();	/* a failure always says why */
	}
}

/* One PDU: c covers from its first byte to the end of what we have (or frag_length). */
static void
one_pdu(const uint8_t *pdu, struct kd_cur *c, size_t avail)
{
	struct dcerpc_hdr h;
	struct kd_diag d;
	union {
		struct dcerpc_bind b;
		struct dcerpc_bind_ack a;
		struct dcerpc_bind_nak n;
		struct dcerpc_call call;
	} u;
	char name[32];

	memset(&d, 0, sizeof(d));
	if (dcerpc_decode_hdr(c, &h, &d) != KD_OK)
		return;
	snprintf(name, sizeof(name), "%s", dcerpc_ptype_name(h.ptype));
	switch (h.ptype) {
	case DCERPC_BIND:
	case DCERPC_ALTER_CONTEXT:
		if (dcerpc_decode_bind(c, &h, &u.b, &d) == KD_OK &&
		    u.b.n_kept != (u.b.n_ctx < DCERPC_MAX_CTX ? u.b.n_ctx : DCERPC_MAX_CTX))
			abort();
		if (u.b.n_kept > DCERPC_MAX_CTX)
			abort();
		for (unsigned i = 0; i < u.b.n_kept; i++)
			(void)dcerpc_syntax_name(u.b.ctx[i].syntax);
		break;
	case DCERPC_BIND_ACK:
	case DCERPC_ALTER_CONTEXT_RESP:
		dcerpc_decode_bind_ack(c, &h, &u.a, &d);
		if (u.a.n_kept > DCERPC_MAX_CTX ||
		    memchr(u.a.sec_addr, '\0', sizeof(u.a.sec_addr)) == NULL)
			abort();
		for (unsigned i = 0; i < u.a.n_kept; i++) {
			(void)dcerpc_result_name(u.a.res[i].result);
			(void)dcerpc_reason_name(u.a.res[i].reason);
		}
		break;
	case DCERPC_BIND_NAK:
		dcerpc_decode_bind_nak(c, &h, &u.n, &d);
		if (u.n.n_kept > DCERPC_MAX_PROTOCOLS)
			abort();
		(void)dcerpc_nak_reason_name(u.n.reason);
		break;
	case DCERPC_REQUEST:
	case DCERPC_RESPONSE:
	case DCERPC_FAULT:
		if (dcerpc_decode_call(c, &h, &u.call, &d) != KD_OK)
			break;
		if (u.call.stub_off > avail || u.call.stub_len > avail - u.call.stub_off ||
		    u.call.stub_off + u.call.stub_len > h.frag_length)
			abort();
		if (h.ptype == DCERPC_FAULT)
			(void)dcerpc_fault_name(u.call.status);
		else
			check_stub(pdu + u.call.stub_off, u.call.stub_len);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kd_cur c, sub;
	size_t skew;

	if (size < 1)
		return 0;
	skew = data[0] & 3;
	kd_cur_init(&c, data, size);
	kd_cur_skip(&c, 1 + skew);
	while (kd_cur_ok(&c) && kd_cur_left(&c) >= DCERPC_HDR_LEN) {
		size_t at = kd_cur_off(&c), left = kd_cur_left(&c);
		const uint8_t *p = data + at;
		uint16_t flen = (uint16_t)(p[8] | p[9] << 8);

		(void)dcerpc_looks_like_hdr(p, left);
		if (flen < DCERPC_HDR_LEN || flen > left) {
			/* Short or bogus: decode what there is (a truncated capture), then stop. */
			kd_cur_sub(&c, left, &sub);
			one_pdu(p, &sub, left);
			break;
		}
		kd_cur_sub(&c, flen, &sub);
		one_pdu(p, &sub, flen);
	}
	return 0;
}
