/*
 * DCE/RPC connection-oriented PDUs (protocol doc §2, §3).  Everything is
 * read through the cursor; counts from the wire are capped before use.
 */
#include <string.h>

#include "dcerpc.h"
#include "kdlimits.h"
#include "wire.h"

const struct kd_guid dcerpc_kms_interface = { {
	0x51, 0xc8, 0x21, 0x75, 0x84, 0x4e, 0x47, 0x50,
	0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06 } };
static const struct kd_guid ndr_syntax = { {
	0x8a, 0x88, 0x5d, 0x04, 0x1c, 0xeb, 0x11, 0xc9,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } };
static const struct kd_guid ndr64_syntax = { {
	0x71, 0x71, 0x05, 0x33, 0xbe, 0xba, 0x49, 0x37,
	0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36 } };
/* BTFN: only the first 8 bytes are fixed; the rest are feature bits (§2.5). */
static const uint8_t btfn_prefix[8] = {
	0x6c, 0xb7, 0x1c, 0x2c, 0x98, 0x12, 0x45, 0x40 };

enum dcerpc_syntax
dcerpc_syntax_of(const struct kd_guid *g)
{
	if (kd_guid_eq(g, &ndr_syntax))
		return SYNTAX_NDR;
	if (kd_guid_eq(g, &ndr64_syntax))
		return SYNTAX_NDR64;
	if (memcmp(g->b, btfn_prefix, sizeof(btfn_prefix)) == 0)
		return SYNTAX_BTFN;
	return SYNTAX_UNKNOWN;
}

const char *
dcerpc_syntax_name(enum dcerpc_syntax s)
{
	switch (s) {
	case SYNTAX_NDR:
		return "NDR";
	case SYNTAX_NDR64:
		return "NDR64";
	case SYNTAX_BTFN:
		return "BTFN";
	default:
		return "unknown";
	}
}

const char *
dcerpc_ptype_name(uint8_t t)
{
	static const char *const names[] = {
		"request", "ping", "response", "fault", "working", "nocall",
		"reject", "ack", "cl_cancel", "fack", "cancel_ack", "bind",
		"bind_ack", "bind_nak", "alter_context", "alter_context_resp",
		"auth3", "shutdown", "co_cancel", "orphaned"
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

const char *
dcerpc_fault_name(uint32_t st)
{
	static const struct {
		uint32_t	 code;
		const char	*name;
	} faults[] = {
		{ 0x1c010003, "nca_unk_if" },
		{ 0x1c01000b, "nca_proto_error" },
		{ 0x1c010002, "nca_op_rng_error" },
		{ 0x000006f7, "nca_s_fault_ndr" },
		{ 0x00000005, "nca_s_fault_access_denied" },
		{ 0x000006d8, "nca_s_fault_cant_perform" },
		{ 0x1c00001c, "nca_invalid_pres_context_id" },
		{ 0x1c000008, "nca_rpc_version_mismatch" },
		{ 0x1c000009, "nca_unspec_reject" },
		{ 0x1c010014, "nca_server_too_busy" },
		{ 0x1c00001a, "nca_s_fault_context_mismatch" },
		{ 0x1c00001b, "nca_s_fault_remote_no_memory" },
		{ 0x00000001, "nca_s_fault_other" },
	};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (faults[i].code == st)
			return faults[i].name;
	return NULL;
}

const char *
dcerpc_nak_reason_name(uint16_t r)
{
	static const char *const names[] = {
		"reason_not_specified", "temporary_congestion",
		"local_limit_exceeded", "called_paddr_unknown",
		"protocol_version_not_supported", "default_context_not_supported",
		"user_data_not_readable", "no_psap_available",
		"authentication_type_not_recognized", "invalid_checksum"
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

const char *
dcerpc_result_name(uint16_t r)
{
	static const char *const names[] = {
		"acceptance", "user_rejection", "provider_rejection", "negotiate_ack"
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

const char *
dcerpc_reason_name(uint16_t r)
{
	static const char *const names[] = {
		"reason_not_specified", "abstract_syntax_not_supported",
		"proposed_transfer_syntaxes_not_supported", "local_limit_exceeded"
	};

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

bool
dcerpc_looks_like_hdr(const uint8_t *p, size_t len)
{
	uint16_t flen;

	if (len < DCERPC_HDR_LEN)
		return false;
	flen = (uint16_t)(p[8] | p[9] << 8);
	return p[0] == 5 && p[1] <= 1 && p[2] <= DCERPC_ORPHANED &&
	    (p[4] & 0xf0) == 0x10 && flen >= DCERPC_HDR_LEN &&
	    flen <= KD_MAX_RPC_FRAG;
}

enum kd_status
dcerpc_decode_hdr(struct kd_cur *c, struct dcerpc_hdr *h, struct kd_diag *d)
{
	size_t off = kd_cur_off(c);

	kd_cur_u8(c, &h->vers);
	kd_cur_u8(c, &h->vers_minor);
	kd_cur_u8(c, &h->ptype);
	kd_cur_u8(c, &h->flags);
	kd_cur_bytes(c, h->drep, 4);
	kd_cur_u16(c, KD_LE, &h->frag_length);
	kd_cur_u16(c, KD_LE, &h->auth_length);
	kd_cur_u32(c, KD_LE, &h->call_id);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
		    "header needs 16 bytes");
	if (h->vers != 5 || h->vers_minor > 1)
		return kd_diag_set(d, KD_EINVAL, "dcerpc", off,
		    "rpc version %u.%u, expected 5.0", h->vers, h->vers_minor);
	if ((h->drep[0] & 0xf0) != 0x10)
		return kd_diag_set(d, KD_EUNSUP, "dcerpc", off + 4,
		    "big-endian data representation 0x%02x", h->drep[0]);
	if (h->frag_length < DCERPC_HDR_LEN)
		return kd_diag_set(d, KD_EINVAL, "dcerpc", off + 8,
		    "frag_length %u < header length 16", h->frag_length);
	if (h->frag_length > KD_MAX_RPC_FRAG)
		return kd_diag_set(d, KD_ELIMIT, "dcerpc", off + 8,
		    "frag_length %u > %u", h->frag_length, KD_MAX_RPC_FRAG);
	if (h->auth_length > h->frag_length - DCERPC_HDR_LEN)
		return kd_diag_set(d, KD_EINVAL, "dcerpc", off + 10,
		    "auth_length %u does not fit in frag_length %u",
		    h->auth_length, h->frag_length);
	return KD_OK;
}

static void
read_guid(struct kd_cur *c, struct kd_guid *g)
{
	uint8_t w[16];

	kd_cur_bytes(c, w, 16);
	kd_guid_from_wire(g, w);
}

enum kd_status
dcerpc_decode_bind(struct kd_cur *c, const struct dcerpc_hdr *h,
    struct dcerpc_bind *b, struct kd_diag *d)
{
	uint8_t r8;
	uint16_t r16;

	memset(b, 0, sizeof(*b));
	kd_cur_u16(c, KD_LE, &b->max_xmit_frag);
	kd_cur_u16(c, KD_LE, &b->max_recv_frag);
	kd_cur_u32(c, KD_LE, &b->assoc_group);
	kd_cur_u8(c, &b->n_ctx);
	kd_cur_u8(c, &r8);
	kd_cur_u16(c, KD_LE, &r16);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
		    "bind body shorter than 12 bytes");
	/*
	 * Each element is at least 44 bytes: a count that frag_length cannot
	 * hold is a lie (EINVAL).  One that fits frag_length but not the bytes
	 * captured is a truncation, reported by the loop below (ETRUNC).  The
	 * offset is the count's own, counted like every other offset.
	 */
	if ((size_t)b->n_ctx * 44 > (h->frag_length > 28 ? h->frag_length - 28u : 0u))
		return kd_diag_set(d, KD_EINVAL, "dcerpc", kd_cur_off(c) - 4,
		    "n_context_elem %u needs at least %zu bytes, the PDU has %u",
		    b->n_ctx, (size_t)b->n_ctx * 44,
		    h->frag_length > 28 ? h->frag_length - 28u : 0u);
	for (unsigned i = 0; i < b->n_ctx; i++) {
		struct dcerpc_ctx tmp, *x = i < DCERPC_MAX_CTX ? &b->ctx[i] : &tmp;
		size_t off = kd_cur_off(c);

		memset(x, 0, sizeof(*x));
		kd_cur_u16(c, KD_LE, &x->id);
		kd_cur_u8(c, &x->n_transfer);
		kd_cur_u8(c, &r8);
		read_guid(c, &x->abstract);
		kd_cur_u32(c, KD_LE, &x->abstract_version);
		if (x->n_transfer == 0 && kd_cur_ok(c))
			return kd_diag_set(d, KD_EINVAL, "dcerpc", off + 2,
			    "context %u offers no transfer syntax", x->id);
		/* Keep the first transfer syntax, skip the others (each 20 bytes). */
		read_guid(c, &x->transfer);
		kd_cur_u32(c, KD_LE, &x->transfer_version);
		if (x->n_transfer > 1)
			kd_cur_skip(c, (size_t)(x->n_transfer - 1) * 20);
		if (!kd_cur_ok(c))
			return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
			    "context element %u of %u runs past the PDU", i + 1,
			    b->n_ctx);
		x->syntax = dcerpc_syntax_of(&x->transfer);
		x->is_kms = kd_guid_eq(&x->abstract, &dcerpc_kms_interface) &&
		    (x->abstract_version & 0xffff) == 1;
		if (i < DCERPC_MAX_CTX)
			b->n_kept++;
	}
	return KD_OK;
}

enum kd_status
dcerpc_decode_bind_ack(struct kd_cur *c, const struct dcerpc_hdr *h,
    struct dcerpc_bind_ack *a, struct kd_diag *d)
{
	uint8_t r8;
	uint16_t r16;
	size_t off, pdu = kd_cur_off(c) - DCERPC_HDR_LEN;
	bool ended = false;

	(void)h;
	memset(a, 0, sizeof(*a));
	kd_cur_u16(c, KD_LE, &a->max_xmit_frag);
	kd_cur_u16(c, KD_LE, &a->max_recv_frag);
	kd_cur_u32(c, KD_LE, &a->assoc_group);
	kd_cur_u16(c, KD_LE, &a->sec_addr_len);
	off = kd_cur_off(c);
	for (unsigned i = 0; i < a->sec_addr_len; i++) {
		uint8_t ch;

		if (!kd_cur_u8(c, &ch))
			break;
		/* Keep printable port digits only; the NUL ends it. */
		if (ch == 0)
			ended = true;
		if (!ended && i + 1 < sizeof(a->sec_addr) && ch >= 0x20 && ch < 0x7f)
			a->sec_addr[strlen(a->sec_addr)] = (char)ch;
	}
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
		    "secondary address of %u bytes runs past the PDU",
		    a->sec_addr_len);
	/*
	 * Pad to 4 counted from the PDU start (§2.6), not from the cursor
	 * base: a sub-cursor of a captured frame keeps the frame as its base.
	 */
	kd_cur_skip(c, (4 - (kd_cur_off(c) - pdu) % 4) % 4);
	kd_cur_u8(c, &a->n_results);
	kd_cur_u8(c, &r8);
	kd_cur_u16(c, KD_LE, &r16);
	for (unsigned i = 0; i < a->n_results && kd_cur_ok(c); i++) {
		struct dcerpc_result tmp, *x = i < DCERPC_MAX_CTX ? &a->res[i] : &tmp;

		kd_cur_u16(c, KD_LE, &x->result);
		kd_cur_u16(c, KD_LE, &x->reason);
		read_guid(c, &x->transfer);
		kd_cur_u32(c, KD_LE, &x->transfer_version);
		x->syntax = dcerpc_syntax_of(&x->transfer);
		if (kd_cur_ok(c) && i < DCERPC_MAX_CTX)
			a->n_kept++;
	}
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
		    "%u results run past the PDU", a->n_results);
	return KD_OK;
}

enum kd_status
dcerpc_decode_bind_nak(struct kd_cur *c, const struct dcerpc_hdr *h,
    struct dcerpc_bind_nak *n, struct kd_diag *d)
{
	(void)h;
	memset(n, 0, sizeof(*n));
	if (!kd_cur_u16(c, KD_LE, &n->reason))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
		    "bind_nak without a reject reason");
	/* The version list is optional in practice; read what is there. */
	if (kd_cur_u8(c, &n->n_protocols))
		for (unsigned i = 0; i < n->n_protocols; i++) {
			uint8_t v[2];

			if (!kd_cur_bytes(c, v, 2))
				break;
			if (n->n_kept < DCERPC_MAX_PROTOCOLS) {
				n->protocols[n->n_kept][0] = v[0];
				n->protocols[n->n_kept][1] = v[1];
				n->n_kept++;
			}
		}
	return KD_OK;
}

enum kd_status
dcerpc_decode_call(struct kd_cur *c, const struct dcerpc_hdr *h,
    struct dcerpc_call *call, struct kd_diag *d)
{
	size_t body = kd_cur_off(c);
	uint8_t r8;
	size_t end;

	memset(call, 0, sizeof(*call));
	kd_cur_u32(c, KD_LE, &call->alloc_hint);
	kd_cur_u16(c, KD_LE, &call->ctx_id);
	if (h->ptype == DCERPC_REQUEST)
		kd_cur_u16(c, KD_LE, &call->opnum);
	else {
		kd_cur_u8(c, &call->cancel_count);
		kd_cur_u8(c, &r8);
	}
	if (h->ptype == DCERPC_FAULT)
		kd_cur_u32(c, KD_LE, &call->status);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", body,
		    "%s header runs past the PDU", dcerpc_ptype_name(h->ptype));
	if (h->ptype == DCERPC_REQUEST && (h->flags & PFC_OBJECT_UUID) &&
	    !kd_cur_skip(c, 16))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
		    "object UUID runs past the PDU");
	call->stub_off = kd_cur_off(c) - (body - DCERPC_HDR_LEN);
	/* The stub span must lie inside the bytes the cursor holds. */
	if (call->stub_off + kd_cur_left(c) < h->frag_length)
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", body - DCERPC_HDR_LEN + 8,
		    "frag_length %u but only %zu bytes of the PDU present",
		    h->frag_length, call->stub_off + kd_cur_left(c));
	/* The stub ends where the auth trailer (if any) begins. */
	end = h->frag_length;
	if (h->auth_length != 0)
		end -= (size_t)h->auth_length + 8 <= end ? (size_t)h->auth_length + 8 : end;
	call->stub_len = end > call->stub_off ? end - call->stub_off : 0;
	return KD_OK;
}

/* --- encoders --- */

static size_t
put_hdr(uint8_t *out, uint8_t ptype, uint8_t flags, uint16_t len, uint32_t call_id)
{
	out[0] = 5;
	out[1] = 0;
	out[2] = ptype;
	out[3] = flags;
	out[4] = 0x10;
	out[5] = out[6] = out[7] = 0;
	out[8] = (uint8_t)len;
	out[9] = (uint8_t)(len >> 8);
	out[10] = out[11] = 0;
	out[12] = (uint8_t)call_id;
	out[13] = (uint8_t)(call_id >> 8);
	out[14] = (uint8_t)(call_id >> 16);
	out[15] = (uint8_t)(call_id >> 24);
	return DCERPC_HDR_LEN;
}

size_t
dcerpc_encode_bind(uint8_t *out, size_t cap, const struct dcerpc_bind_spec *s)
{
	static const uint8_t btfn[16] = {
		0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45,
		0x03, 0, 0, 0, 0, 0, 0, 0 };
	const struct kd_guid *iface = s->iface ? s->iface : &dcerpc_kms_interface;
	unsigned n = (unsigned)s->ndr + s->ndr64 + s->btfn;
	size_t len = 28 + 44 * (size_t)n, p = 28;
	uint16_t id = 0;

	if (cap < len)
		return 0;
	memset(out, 0, len);
	put_hdr(out, s->alter ? DCERPC_ALTER_CONTEXT : DCERPC_BIND,
	    s->flags ? s->flags : PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_CONC_MPX,
	    (uint16_t)len, s->call_id);
	kd_put16le(out + 16, 5840);
	kd_put16le(out + 18, 5840);
	out[24] = (uint8_t)n;
	for (int k = 0; k < 3; k++) {
		bool want = k == 0 ? s->ndr : k == 1 ? s->ndr64 : s->btfn;

		if (!want)
			continue;
		kd_put16le(out + p, id++);
		out[p + 2] = 1;
		kd_guid_to_wire(iface, out + p + 4);
		kd_put32le(out + p + 20, 1);
		if (k == 0)
			kd_guid_to_wire(&ndr_syntax, out + p + 24);
		else if (k == 1)
			kd_guid_to_wire(&ndr64_syntax, out + p + 24);
		else
			memcpy(out + p + 24, btfn, 16);
		kd_put32le(out + p + 40, k == 0 ? 2 : 1);
		p += 44;
	}
	return len;
}

size_t
dcerpc_encode_bind_ack(uint8_t *out, size_t cap, uint32_t call_id, uint8_t flags,
    bool alter, uint32_t assoc_group, const char *sec_addr,
    const struct dcerpc_result *res, size_t nres)
{
	size_t alen = sec_addr && sec_addr[0] ? strlen(sec_addr) + 1 : 0;
	size_t p = 26 + alen, len;

	if (alen > 64 || nres > 255)
		return 0;
	p = (p + 3) & ~(size_t)3;
	len = p + 4 + 24 * nres;
	if (cap < len || len > 0xffff)
		return 0;
	memset(out, 0, len);
	put_hdr(out, alter ? DCERPC_ALTER_CONTEXT_RESP : DCERPC_BIND_ACK,
	    flags ? flags : PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_CONC_MPX,
	    (uint16_t)len, call_id);
	kd_put16le(out + 16, 5840);
	kd_put16le(out + 18, 5840);
	kd_put32le(out + 20, assoc_group);
	kd_put16le(out + 24, (uint16_t)alen);
	if (alen)
		memcpy(out + 26, sec_addr, alen);
	out[p] = (uint8_t)nres;
	p += 4;
	for (size_t i = 0; i < nres; i++, p += 24) {
		kd_put16le(out + p, res[i].result);
		kd_put16le(out + p + 2, res[i].reason);
		if (res[i].result == 0) {
			const struct kd_guid *g = res[i].syntax == SYNTAX_NDR64 ?
			    &ndr64_syntax : &ndr_syntax;

			kd_guid_to_wire(g, out + p + 4);
			kd_put32le(out + p + 20, res[i].syntax == SYNTAX_NDR64 ? 1 : 2);
		}
	}
	return len;
}

size_t
dcerpc_encode_bind_nak(uint8_t *out, size_t cap, uint32_t call_id, uint16_t reason)
{
	size_t len = 16 + 2 + 1 + 2;

	if (cap < len)
		return 0;
	put_hdr(out, DCERPC_BIND_NAK, PFC_FIRST_FRAG | PFC_LAST_FRAG,
	    (uint16_t)len, call_id);
	kd_put16le(out + 16, reason);
	out[18] = 1;
	out[19] = 5;
	out[20] = 0;
	return len;
}

size_t
dcerpc_encode_fault(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
    uint32_t status)
{
	if (cap < 32)
		return 0;
	memset(out, 0, 32);
	put_hdr(out, DCERPC_FAULT, PFC_FIRST_FRAG | PFC_LAST_FRAG |
	    PFC_DID_NOT_EXECUTE, 32, call_id);
	kd_put32le(out + 16, 32);
	kd_put16le(out + 20, ctx_id);
	kd_put32le(out + 24, status);
	return 32;
}

static size_t
encode_call(uint8_t *out, size_t cap, uint8_t ptype, uint32_t call_id,
    uint16_t ctx_id, uint16_t opnum, const uint8_t *stub, size_t stub_len)
{
	size_t len = 24 + stub_len;

	if (cap < len || len > KD_MAX_RPC_FRAG)
		return 0;
	put_hdr(out, ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, (uint16_t)len, call_id);
	kd_put32le(out + 16, (uint32_t)stub_len);
	kd_put16le(out + 20, ctx_id);
	kd_put16le(out + 22, ptype == DCERPC_REQUEST ? opnum : 0);
	if (stub_len != 0)	/* stub may be NULL then; memmove(, NULL, 0) is undefined */
		memmove(out + 24, stub, stub_len);
	return len;
}

size_t
dcerpc_encode_request(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
    uint16_t opnum, const uint8_t *stub, size_t stub_len)
{
	return encode_call(out, cap, DCERPC_REQUEST, call_id, ctx_id, opnum,
	    stub, stub_len);
}

size_t
dcerpc_encode_response(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
    const uint8_t *stub, size_t stub_len)
{
	return encode_call(out, cap, DCERPC_RESPONSE, call_id, ctx_id, 0,
	    stub, stub_len);
}

/* --- RequestActivation stub framing (§3.1, §3.2) --- */

enum kd_status
kms_stub_unwrap_request(struct kd_cur *c, enum dcerpc_syntax syn,
    size_t *msg_off, size_t *msg_len, struct kd_diag *d)
{
	uint32_t size, max32 = 0;
	uint64_t max64 = 0;
	size_t off = kd_cur_off(c);

	kd_cur_u32(c, KD_LE, &size);
	if (syn == SYNTAX_NDR64) {
		kd_cur_skip(c, 4);
		kd_cur_u64(c, KD_LE, &max64);
	} else {
		kd_cur_u32(c, KD_LE, &max32);
		max64 = max32;
	}
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
		    "request stub shorter than its NDR prefix");
	if (max64 != size)
		return kd_diag_set(d, KD_EINVAL, "dcerpc", off + 4,
		    "NDR conformance %llu != requestSize %u",
		    (unsigned long long)max64, size);
	if (size > KD_MAX_KMS_MSG)
		return kd_diag_set(d, KD_ELIMIT, "kms", off,
		    "requestSize %u > %u", size, KD_MAX_KMS_MSG);
	/* Relative to the stub (where c was on entry), as dcerpc.h says. */
	*msg_off = kd_cur_off(c) - off;
	if (!kd_cur_skip(c, size))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off + *msg_off,
		    "requestSize %u but only %zu stub bytes", size,
		    (size_t)(c->end - c->p));
	*msg_len = size;
	return KD_OK;
}

enum kd_status
kms_stub_unwrap_response(struct kd_cur *c, enum dcerpc_syntax syn,
    size_t *msg_off, size_t *msg_len, uint32_t *hresult, struct kd_diag *d)
{
	uint32_t size, ref32 = 0, max32 = 0;
	uint64_t ref = 0, max = 0;
	size_t off = kd_cur_off(c);

	*msg_off = *msg_len = 0;
	*hresult = 0;
	kd_cur_u32(c, KD_LE, &size);
	if (syn == SYNTAX_NDR64) {
		kd_cur_skip(c, 4);
		kd_cur_u64(c, KD_LE, &ref);
	} else {
		kd_cur_u32(c, KD_LE, &ref32);
		ref = ref32;
	}
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
		    "response stub shorter than its NDR prefix");
	if (ref == 0) {
		/* NULL referent: no message, just the HRESULT (the error form). */
		if (!kd_cur_u32(c, KD_LE, hresult))
			return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
			    "response stub ends before its HRESULT");
		return KD_OK;
	}
	if (syn == SYNTAX_NDR64)
		kd_cur_u64(c, KD_LE, &max);
	else {
		kd_cur_u32(c, KD_LE, &max32);
		max = max32;
	}
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off,
		    "response stub ends inside its NDR prefix");
	if (max != size)
		return kd_diag_set(d, KD_EINVAL, "dcerpc", off,
		    "NDR conformance %llu != responseSize %u",
		    (unsigned long long)max, size);
	if (size > KD_MAX_KMS_MSG)
		return kd_diag_set(d, KD_ELIMIT, "kms", off,
		    "responseSize %u > %u", size, KD_MAX_KMS_MSG);
	/* Relative to the stub (where c was on entry), as dcerpc.h says. */
	*msg_off = kd_cur_off(c) - off;
	if (!kd_cur_skip(c, size))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", off + *msg_off,
		    "responseSize %u runs past the stub", size);
	*msg_len = size;
	/* Pad to 4 relative to the stub start, then the HRESULT. */
	kd_cur_skip(c, (4 - size % 4) % 4);
	if (!kd_cur_u32(c, KD_LE, hresult))
		return kd_diag_set(d, KD_ETRUNC, "dcerpc", kd_cur_off(c),
		    "response stub ends before its HRESULT");
	return KD_OK;
}

size_t
kms_stub_wrap_request(uint8_t *out, size_t cap, enum dcerpc_syntax syn,
    const uint8_t *msg, size_t len)
{
	size_t pre = syn == SYNTAX_NDR64 ? 16 : 8;

	if (cap < pre + len || len > KD_MAX_KMS_MSG)
		return 0;
	memset(out, 0, pre);
	kd_put32le(out, (uint32_t)len);
	kd_put32le(out + (syn == SYNTAX_NDR64 ? 8 : 4), (uint32_t)len);
	if (len != 0)
		memcpy(out + pre, msg, len);
	return pre + len;
}

size_t
kms_stub_wrap_response(uint8_t *out, size_t cap, enum dcerpc_syntax syn,
    const uint8_t *msg, size_t len, uint32_t hresult)
{
	bool n64 = syn == SYNTAX_NDR64;
	size_t p;

	if (len > KD_MAX_KMS_MSG)
		return 0;
	if (msg == NULL || len == 0) {
		p = n64 ? 16 : 8;
		if (cap < p + 4)
			return 0;
		memset(out, 0, p);
		kd_put32le(out + p, hresult);
		return p + 4;
	}
	p = n64 ? 24 : 12;
	if (cap < p + len + 3 + 4)
		return 0;
	memset(out, 0, p);
	kd_put32le(out, (uint32_t)len);
	kd_put32le(out + (n64 ? 8 : 4), 0x20000);
	kd_put32le(out + (n64 ? 16 : 8), (uint32_t)len);
	memcpy(out + p, msg, len);
	p += len;
	while (p % 4)
		out[p++] = 0;
	kd_put32le(out + p, hresult);
	return p + 4;
}
