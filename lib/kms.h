/*
 * KMS activation messages, protocol versions 4, 5 and 6 (protocol doc §4, §5).
 * Pure codec: bytes in, structs out.  The v5/v6 ciphers are prepared once
 * in a kms_keys the caller owns, so decoding needs no hidden state.
 */
#ifndef KD_KMS_H
#define KD_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "guid.h"
#include "kmscrypto.h"

#define KMS_BASE_REQ_LEN	236
#define KMS_V4_REQ_LEN		252
#define KMS_V56_REQ_LEN		260
#define KMS_WS_UNITS		64	/* WorkstationName: 64 UTF-16 units */
#define KMS_MAX_PID_SIZE	128	/* vlmcs rejects larger PIDSize */
#define KMS_EPID_MAX		64	/* characters kept */

struct kms_keys {
	struct kms_cipher	v5, v6;
};
void	kms_keys_init(struct kms_keys *);

struct kms_request {
	uint16_t	 major, minor;		/* outer (clear) version */
	uint16_t	 in_major, in_minor;	/* inside the base request */
	uint32_t	 is_vm;
	uint32_t	 license_status;
	uint32_t	 binding_expiration;	/* minutes */
	struct kd_guid	 app_id, sku_id, kms_id, cmid, prev_cmid;
	uint32_t	 required_count;
	uint64_t	 client_time;		/* FILETIME */
	char		 workstation[KMS_WS_UNITS * 3 + 1];	/* UTF-8 */
	bool		 ws_terminated;
	bool		 ws_valid;
	size_t		 ws_bad_unit;		/* first bad or missing-NUL unit */
	size_t		 body_off;		/* offset of the base request in the message (0 or 20) */
	uint8_t		 iv[16];		/* v5/v6 */
	uint8_t		 div[16];		/* D_k(IV): needed to verify the response */
	bool		 mac_ok;		/* v4 request MAC */
};

struct kms_response {
	uint16_t	 major, minor, in_major, in_minor;
	uint8_t		 iv[16];
	uint32_t	 pid_size;
	char		 epid[KMS_EPID_MAX * 3 + 1];	/* UTF-8, sanitised by the emitter */
	struct kd_guid	 cmid;
	uint64_t	 client_time;
	uint32_t	 count;
	uint32_t	 activation_interval, renewal_interval;	/* minutes */
	bool		 has_hwid;
	uint8_t		 hwid[8];
	/* Integrity: each flag is meaningful only for the versions that carry it. */
	bool		 pad_ok;		/* v5/v6 */
	bool		 mac_ok;		/* v4 */
	bool		 hash_ok;		/* v5/v6 SHA-256(R) == Hash */
	bool		 xoredivs_ok;		/* v6 */
	bool		 hmac_ok;		/* v6 */
	bool		 echo_ok;		/* CMID, time and versions echo the request */
	bool		 iv_reused;		/* v6 response IV == request IV (emulator sign) */
	bool		 verified;		/* every applicable check passed */
	/*
	 * A response that failed its integrity check and whose base fields
	 * then do not parse: they are zero, only the failure is known.
	 */
	bool		 fields_unreadable;
	char		 verify_detail[96];	/* first failed check, empty if verified */
};

/*
 * Decode a KMS request message (the bytes inside the RPC stub).  Versions
 * other than 4/5/6 are decoded with the layout their sender would have
 * used (major < 5: v4 layout; otherwise the v6 cipher) and flagged by the
 * caller: the host answers those with 0x8007000D.
 */
enum kd_status	kms_decode_request(const struct kms_keys *, const uint8_t *msg, size_t len,
		    struct kms_request *, struct kd_diag *);
/* req may be NULL (response without its request): then salt, XoredIVs and echoes are not checked. */
enum kd_status	kms_decode_response(const struct kms_keys *, const uint8_t *msg, size_t len,
		    const struct kms_request *req, struct kms_response *, struct kd_diag *);

/* Encoders.  iv is used for v5/v6 requests. */
size_t	kms_encode_request(const struct kms_keys *, uint8_t *out, size_t cap,
	    const struct kms_request *, const uint8_t iv[16]);

struct kms_response_spec {
	const char	*epid;
	uint32_t	 count, activation_interval, renewal_interval;
	uint8_t		 hwid[8];
	uint8_t		 random[16];	/* R */
	uint8_t		 x0[16];	/* v6: the block whose encryption becomes the IV */
	bool		 corrupt;	/* flip a byte of the integrity field (tests) */
	bool		 reuse_iv;	/* v6: answer with the request IV like a v5 host */
};
size_t	kms_encode_response(const struct kms_keys *, uint8_t *out, size_t cap,
	    const struct kms_request *req, const struct kms_response_spec *);

/* The ePID, §5: PPPPP-GGGGG-KKK-KKKKKK-CC-LLLL-BBBBB.RRRR-DDDYYYY */
struct kms_epid {
	unsigned	 platform, group, channel, lcid, build, revision, day, year;
	uint32_t	 key_id;
	bool		 valid;
};
bool	kms_epid_parse(const char *, struct kms_epid *);
/*
 * kd_utf16le_to_utf8(), with a fast path for ASCII: the same result byte
 * for byte (the decoders use it for names and ePIDs).
 */
struct kd_utf16_result;
bool	kms_utf16_to_utf8(const uint8_t *in, size_t nunits, char *out,
	    size_t outlen, struct kd_utf16_result *);
/* "2024-03-01"; day 0 (py-kms's 0-based day) is taken as January 1. */
bool	kms_epid_date(const struct kms_epid *, char *out, size_t len);

#endif
