/*
 * DCE/RPC connection-oriented PDUs as KMS uses them (protocol doc §2, §3).
 * Decoders are pure: a cursor in, a struct out, a kd_diag on failure.
 * Encoders write into a caller buffer and return the length, or 0 if it
 * does not fit.
 */
#ifndef KD_DCERPC_H
#define KD_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "guid.h"

#define DCERPC_HDR_LEN		16
#define DCERPC_MAX_CTX		8	/* contexts we keep per bind; KMS peers offer <= 3 */
#define DCERPC_MAX_PROTOCOLS	8	/* versions kept from a bind_nak */

enum dcerpc_ptype {
	DCERPC_REQUEST = 0, DCERPC_RESPONSE = 2, DCERPC_FAULT = 3,
	DCERPC_BIND = 11, DCERPC_BIND_ACK = 12, DCERPC_BIND_NAK = 13,
	DCERPC_ALTER_CONTEXT = 14, DCERPC_ALTER_CONTEXT_RESP = 15,
	DCERPC_AUTH3 = 16, DCERPC_SHUTDOWN = 17, DCERPC_CO_CANCEL = 18,
	DCERPC_ORPHANED = 19
};

#define PFC_FIRST_FRAG		0x01
#define PFC_LAST_FRAG		0x02
#define PFC_PENDING_CANCEL	0x04
#define PFC_CONC_MPX		0x10
#define PFC_DID_NOT_EXECUTE	0x20
#define PFC_MAYBE		0x40
#define PFC_OBJECT_UUID		0x80

enum dcerpc_syntax { SYNTAX_UNKNOWN, SYNTAX_NDR, SYNTAX_NDR64, SYNTAX_BTFN };

struct dcerpc_hdr {
	uint8_t		 vers, vers_minor, ptype, flags;
	uint8_t		 drep[4];
	uint16_t	 frag_length, auth_length;
	uint32_t	 call_id;
};

struct dcerpc_ctx {
	uint16_t	 id;
	struct kd_guid	 abstract;
	uint32_t	 abstract_version;
	uint8_t		 n_transfer;		/* as sent; only the first is kept */
	struct kd_guid	 transfer;
	uint32_t	 transfer_version;
	enum dcerpc_syntax syntax;
	bool		 is_kms;		/* abstract syntax is the KMS interface 1.0 */
};

/* bind and alter_context */
struct dcerpc_bind {
	uint16_t	 max_xmit_frag, max_recv_frag;
	uint32_t	 assoc_group;
	uint8_t		 n_ctx;			/* as sent */
	uint8_t		 n_kept;		/* <= DCERPC_MAX_CTX */
	struct dcerpc_ctx ctx[DCERPC_MAX_CTX];
};

struct dcerpc_result {
	uint16_t	 result;		/* 0 accept, 1 user rej, 2 provider rej, 3 negotiate_ack */
	uint16_t	 reason;
	struct kd_guid	 transfer;
	uint32_t	 transfer_version;
	enum dcerpc_syntax syntax;
};

/* bind_ack and alter_context_resp */
struct dcerpc_bind_ack {
	uint16_t	 max_xmit_frag, max_recv_frag;
	uint32_t	 assoc_group;
	char		 sec_addr[32];		/* printable port string, sanitised */
	uint16_t	 sec_addr_len;
	uint8_t		 n_results, n_kept;
	struct dcerpc_result res[DCERPC_MAX_CTX];
};

struct dcerpc_bind_nak {
	uint16_t	 reason;
	uint8_t		 n_protocols, n_kept;
	uint8_t		 protocols[DCERPC_MAX_PROTOCOLS][2];
};

/* request, response and fault share the 8-byte call header. */
struct dcerpc_call {
	uint32_t	 alloc_hint;
	uint16_t	 ctx_id;
	uint16_t	 opnum;			/* request only */
	uint8_t		 cancel_count;		/* response/fault */
	uint32_t	 status;		/* fault only */
	size_t		 stub_off;		/* offset of the stub from the PDU start */
	size_t		 stub_len;
};

/*
 * Header checks: rpc_vers 5, minor 0 or 1, little-endian drep, frag_length
 * >= 16.  A frag_length that runs past the bytes given is not an error
 * here: the caller (a stream cutter) waits for more data.
 */
enum kd_status	dcerpc_decode_hdr(struct kd_cur *, struct dcerpc_hdr *, struct kd_diag *);
/* True if the 16 bytes look like a DCE/RPC CO header (for resync after a gap). */
bool		dcerpc_looks_like_hdr(const uint8_t *p, size_t len);

/* Body decoders take a cursor over exactly one PDU (frag_length bytes). */
enum kd_status	dcerpc_decode_bind(struct kd_cur *, const struct dcerpc_hdr *,
		    struct dcerpc_bind *, struct kd_diag *);
enum kd_status	dcerpc_decode_bind_ack(struct kd_cur *, const struct dcerpc_hdr *,
		    struct dcerpc_bind_ack *, struct kd_diag *);
enum kd_status	dcerpc_decode_bind_nak(struct kd_cur *, const struct dcerpc_hdr *,
		    struct dcerpc_bind_nak *, struct kd_diag *);
enum kd_status	dcerpc_decode_call(struct kd_cur *, const struct dcerpc_hdr *,
		    struct dcerpc_call *, struct kd_diag *);

const char	*dcerpc_ptype_name(uint8_t);
const char	*dcerpc_fault_name(uint32_t);		/* NULL if unknown */
const char	*dcerpc_nak_reason_name(uint16_t);
const char	*dcerpc_result_name(uint16_t);
const char	*dcerpc_reason_name(uint16_t);		/* bind_ack provider reasons */
const char	*dcerpc_syntax_name(enum dcerpc_syntax);
enum dcerpc_syntax dcerpc_syntax_of(const struct kd_guid *);

extern const struct kd_guid dcerpc_kms_interface;	/* 51c82175-844e-4750-b0d8-ec255555bc06 */

/* Encoders (probe, test responder, fixture generator). */
struct dcerpc_bind_spec {
	uint32_t	 call_id;
	uint8_t		 flags;			/* 0 = FIRST|LAST|CONC_MPX */
	bool		 ndr, ndr64, btfn;	/* contexts offered, in this order */
	bool		 alter;			/* alter_context instead of bind */
	const struct kd_guid *iface;		/* NULL = KMS interface */
};
size_t	dcerpc_encode_bind(uint8_t *out, size_t cap, const struct dcerpc_bind_spec *);
size_t	dcerpc_encode_bind_ack(uint8_t *out, size_t cap, uint32_t call_id, uint8_t flags,
	    bool alter, uint32_t assoc_group, const char *sec_addr,
	    const struct dcerpc_result *res, size_t nres);
size_t	dcerpc_encode_bind_nak(uint8_t *out, size_t cap, uint32_t call_id, uint16_t reason);
size_t	dcerpc_encode_fault(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
	    uint32_t status);
/* A request or response carrying a whole stub in one fragment. */
size_t	dcerpc_encode_request(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
	    uint16_t opnum, const uint8_t *stub, size_t stub_len);
size_t	dcerpc_encode_response(uint8_t *out, size_t cap, uint32_t call_id, uint16_t ctx_id,
	    const uint8_t *stub, size_t stub_len);

/*
 * Stub framing of RequestActivation (§3.1, §3.2).  unwrap_* give the KMS
 * message span (offsets relative to the stub) and the HRESULT.
 */
enum kd_status	kms_stub_unwrap_request(struct kd_cur *stub, enum dcerpc_syntax,
		    size_t *msg_off, size_t *msg_len, struct kd_diag *);
enum kd_status	kms_stub_unwrap_response(struct kd_cur *stub, enum dcerpc_syntax,
		    size_t *msg_off, size_t *msg_len, uint32_t *hresult, struct kd_diag *);
size_t	kms_stub_wrap_request(uint8_t *out, size_t cap, enum dcerpc_syntax,
	    const uint8_t *msg, size_t len);
/* msg may be NULL (len 0) for the error form carrying only an HRESULT. */
size_t	kms_stub_wrap_response(uint8_t *out, size_t cap, enum dcerpc_syntax,
	    const uint8_t *msg, size_t len, uint32_t hresult);

#endif
