/*
 * KMS request/response messages, v4/v5/v6 (protocol doc §4).  Decryption
 * uses the IV sent in clear (§4.7); D(IV) is computed only to verify the
 * salt, XoredIVs and HMAC a response carries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "kms.h"
#include "kdlimits.h"
#include "wire.h"

void
kms_keys_init(struct kms_keys *k)
{
	kms_cipher_init(&k->v5, KMS_CIPHER_V5);
	kms_cipher_init(&k->v6, KMS_CIPHER_V6);
}

static const struct kms_cipher *
cipher_for(const struct kms_keys *k, uint16_t major)
{
	/* Like vlmcs: v5 is AES-128, anything above 5 uses the v6 cipher. */
	return major == 5 ? &k->v5 : &k->v6;
}

static void
read_guid(struct kd_cur *c, struct kd_guid *g)
{
	uint8_t w[16];

	kd_cur_bytes(c, w, 16);
	kd_guid_from_wire(g, w);
}

/* Base request, §4.2; base is 236 bytes, offsets reported from msg_off. */
/*
 * kd_utf16le_to_utf8() with a fast path for what names and ePIDs almost
 * always are: ASCII, NUL-terminated or filling the field, and fitting in
 * out.  Anything else (a non-ASCII unit, a surrogate, too long) goes the
 * general way, so the result is the same byte for byte.
 */
bool
kms_utf16_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t outlen,
    struct kd_utf16_result *r)
{
	size_t i;

	if (outlen == 0)
		return kd_utf16le_to_utf8(in, nunits, out, outlen, r);
	for (i = 0; i < nunits && i + 1 < outlen; i++) {
		if (in[2 * i + 1] != 0 || in[2 * i] >= 0x80)
			return kd_utf16le_to_utf8(in, nunits, out, outlen, r);
		if (in[2 * i] == 0)
			break;
		out[i] = (char)in[2 * i];
	}
	/* Out of room before a NUL: the general way says how it ends. */
	if (i == outlen - 1 && i < nunits && (in[2 * i] | in[2 * i + 1]) != 0)
		return kd_utf16le_to_utf8(in, nunits, out, outlen, r);
	memset(r, 0, sizeof(*r));
	r->valid = true;
	r->terminated = i < nunits;
	r->units = i;
	out[i] = '\0';
	return true;
}

static void
parse_base_request(const uint8_t *base, struct kms_request *r)
{
	struct kd_cur c;
	const uint8_t *ws;
	struct kd_utf16_result u;

	kd_cur_init(&c, base, KMS_BASE_REQ_LEN);
	kd_cur_u16(&c, KD_LE, &r->in_minor);
	kd_cur_u16(&c, KD_LE, &r->in_major);
	kd_cur_u32(&c, KD_LE, &r->is_vm);
	kd_cur_u32(&c, KD_LE, &r->license_status);
	kd_cur_u32(&c, KD_LE, &r->binding_expiration);
	read_guid(&c, &r->app_id);
	read_guid(&c, &r->sku_id);
	read_guid(&c, &r->kms_id);
	read_guid(&c, &r->cmid);
	kd_cur_u32(&c, KD_LE, &r->required_count);
	kd_cur_u64(&c, KD_LE, &r->client_time);
	read_guid(&c, &r->prev_cmid);
	kd_cur_ptr(&c, &ws, KMS_WS_UNITS * 2);
	kms_utf16_to_utf8(ws, KMS_WS_UNITS, r->workstation, sizeof(r->workstation), &u);
	r->ws_terminated = u.terminated;
	r->ws_valid = u.valid;
	r->ws_bad_unit = u.valid ? u.units : u.bad_unit;
}

enum kd_status
kms_decode_request(const struct kms_keys *k, const uint8_t *msg, size_t len,
    struct kms_request *r, struct kd_diag *d)
{
	uint8_t plain[KMS_V56_REQ_LEN];
	const struct kms_cipher *ci;

	memset(r, 0, sizeof(*r));
	if (len < 4)
		return kd_diag_set(d, KD_ETRUNC, "kms", 0,
		    "request of %zu bytes has no version", len);
	r->minor = (uint16_t)(msg[0] | msg[1] << 8);
	r->major = (uint16_t)(msg[2] | msg[3] << 8);
	if (r->major < 5) {
		uint8_t mac[16];

		if (len != KMS_V4_REQ_LEN)
			return kd_diag_set(d, KD_EINVAL, "kms", 0,
			    "v%u request of %zu bytes, expected %d", r->major,
			    len, KMS_V4_REQ_LEN);
		parse_base_request(msg, r);
		kms_v4_hash(msg, KMS_BASE_REQ_LEN, mac);
		r->mac_ok = memcmp(mac, msg + KMS_BASE_REQ_LEN, 16) == 0;
		r->body_off = 0;
		return KD_OK;
	}
	if (len != KMS_V56_REQ_LEN)
		return kd_diag_set(d, KD_EINVAL, "kms", 4,
		    "v%u request ciphertext of %zu bytes, expected 240",
		    r->major, len >= 20 ? len - 20 : 0);
	ci = cipher_for(k, r->major);
	memcpy(r->iv, msg + 4, 16);
	kms_block_decrypt(ci, r->iv, r->div);
	kms_cbc_decrypt(ci, r->iv, msg + 20, plain, 240);
	if (kms_pkcs7_check(plain, 240) != 4)
		return kd_diag_set(d, KD_EVERIFY, "kms", 20 + 236,
		    "v%u request does not decrypt: bad padding (wrong key or "
		    "corrupted ciphertext)", r->major);
	parse_base_request(plain, r);
	r->body_off = 20;
	if (r->in_major != r->major || r->in_minor != r->minor)
		return kd_diag_set(d, KD_EINVAL, "kms", 20,
		    "inner version %u.%u differs from outer %u.%u",
		    r->in_major, r->in_minor, r->major, r->minor);
	return KD_OK;
}

/* Base response, §4.3.  Returns the bytes consumed or 0 on error. */
static size_t
parse_base_response(const uint8_t *q, size_t qlen, size_t off0,
    struct kms_response *r, struct kd_diag *d)
{
	struct kd_cur c;
	const uint8_t *pid;
	struct kd_utf16_result u;

	kd_cur_init(&c, q, qlen);
	kd_cur_u16(&c, KD_LE, &r->in_minor);
	kd_cur_u16(&c, KD_LE, &r->in_major);
	kd_cur_u32(&c, KD_LE, &r->pid_size);
	if (!kd_cur_ok(&c)) {
		kd_diag_set(d, KD_ETRUNC, "kms", off0,
		    "response of %zu bytes too short for its header", qlen);
		return 0;
	}
	if (r->pid_size < 2 || r->pid_size > KMS_MAX_PID_SIZE ||
	    r->pid_size % 2 != 0) {
		kd_diag_set(d, KD_EINVAL, "kms", off0 + 4,
		    "PIDSize %u (expected an even size from 2 to %d)",
		    r->pid_size, KMS_MAX_PID_SIZE);
		return 0;
	}
	if (!kd_cur_ptr(&c, &pid, r->pid_size)) {
		kd_diag_set(d, KD_ETRUNC, "kms", off0 + 8,
		    "PIDSize %u runs past the %zu-byte message", r->pid_size, qlen);
		return 0;
	}
	kms_utf16_to_utf8(pid, r->pid_size / 2, r->epid, sizeof(r->epid), &u);
	if (!u.valid) {
		kd_diag_set(d, KD_EINVAL, "kms", off0 + 8 + 2 * u.bad_unit,
		    "ePID is not valid UTF-16 (lone surrogate)");
		return 0;
	}
	if (!u.terminated || u.units != r->pid_size / 2 - 1) {
		kd_diag_set(d, KD_EINVAL, "kms", off0 + 8 + 2 * u.units,
		    "ePID %s before the end of PIDSize %u",
		    u.terminated ? "ends with a NUL" : "has no NUL terminator",
		    r->pid_size);
		return 0;
	}
	read_guid(&c, &r->cmid);
	kd_cur_u64(&c, KD_LE, &r->client_time);
	kd_cur_u32(&c, KD_LE, &r->count);
	kd_cur_u32(&c, KD_LE, &r->activation_interval);
	kd_cur_u32(&c, KD_LE, &r->renewal_interval);
	if (!kd_cur_ok(&c)) {
		kd_diag_set(d, KD_ETRUNC, "kms", off0 + kd_cur_off(&c),
		    "response ends inside its fixed fields");
		return 0;
	}
	return kd_cur_off(&c);
}

static void
verify_fail(struct kms_response *r, const char *what)
{
	if (r->verify_detail[0] == '\0')
		snprintf(r->verify_detail, sizeof(r->verify_detail), "%s", what);
}

/*
 * After a failed integrity check the inner fields are not trusted: if they
 * do not even parse, the response is still one that failed its integrity
 * check (what a client sees), not an undecodable one, and its fields stay
 * zero.
 */
static enum kd_status
unreadable_fields(struct kms_response *r)
{
	memset(r->epid, 0, sizeof(r->epid));
	memset(&r->cmid, 0, sizeof(r->cmid));
	r->pid_size = 0;
	r->client_time = 0;
	r->count = r->activation_interval = r->renewal_interval = 0;
	memset(r->hwid, 0, sizeof(r->hwid));
	r->has_hwid = false;
	r->fields_unreadable = true;
	r->verified = false;
	if (strlen(r->verify_detail) + sizeof("; fields unreadable") <=
	    sizeof(r->verify_detail))
		strcat(r->verify_detail, "; fields unreadable");
	return KD_OK;
}

/* Bytes after the base response: R^DIVreq and Hash; v6 adds HwId, XoredIVs, HMAC. */
#define V5_TRAILER	(16 + 32)
#define V6_TRAILER	(16 + 32 + 8 + 16 + 16)

/*
 * The v5/v6 checks of §4.5/§4.6, on the trailer located from the end of
 * the plaintext, so nothing inside the base response is read before its
 * integrity is known.  The v6 HMAC key comes from the request's time: an
 * honest host echoes it (the echo is checked later), and a corrupted echo
 * must not choose the key that checks it.
 */
static void
check_trailer(const struct kms_cipher *ci, const uint8_t *q, size_t qlen,
    const struct kms_request *req, struct kms_response *r)
{
	size_t tl = r->major > 5 ? V6_TRAILER : V5_TRAILER;
	const uint8_t *t = q + qlen - tl;
	uint8_t rnd[16], h2[32];

	if (r->major > 5) {
		memcpy(r->hwid, t + 48, 8);
		r->has_hwid = true;
	}
	if (req == NULL)
		return;
	if (r->major > 5) {
		uint8_t divresp[16], tmp[16 + KD_MAX_KMS_MSG];

		r->xoredivs_ok = memcmp(t + 56, req->div, 16) == 0;
		if (!r->xoredivs_ok)
			verify_fail(r, "XoredIVs differs from D(request IV)");
		kms_block_decrypt(ci, r->iv, divresp);
		memcpy(tmp, divresp, 16);
		memcpy(tmp + 16, q, qlen - 16);
		kms_v6_hmac(req->client_time, tmp, 16 + qlen - 16, h2);
		r->hmac_ok = memcmp(h2, t + 72, 16) == 0;
		if (!r->hmac_ok)
			verify_fail(r, "HMAC mismatch");
		r->iv_reused = memcmp(r->iv, req->iv, 16) == 0;
	}
	for (int i = 0; i < 16; i++)
		rnd[i] = t[i] ^ req->div[i];
	kms_sha256(rnd, 16, h2);
	r->hash_ok = memcmp(h2, t + 16, 32) == 0;
	if (!r->hash_ok)
		verify_fail(r, "salt hash SHA-256(R) mismatch");
	if (r->major == 5 && memcmp(r->iv, req->iv, 16) != 0)
		verify_fail(r, "v5 response IV differs from the request IV");
}

/*
 * A message of exactly the length its PIDSize implies (v4: in clear; v5/v6:
 * in the first plaintext block, which a flip further on leaves alone) that
 * fails its MAC or padding was altered in transit or made with a wrong key:
 * an integrity failure.  Any other length is a cut or misframed message,
 * which stays a decode error.  len: v4 the message, v5/v6 the ciphertext.
 */
static bool
whole_message(const uint8_t *q, size_t len, uint16_t major)
{
	uint32_t p;
	size_t ql;

	if (len < 8)
		return false;
	p = (uint32_t)(q[4] | q[5] << 8 | q[6] << 16 | (uint32_t)q[7] << 24);
	if (p < 2 || p > KMS_MAX_PID_SIZE || p % 2 != 0)
		return false;
	if (major < 5)
		return len == 44 + p + 16;
	ql = 44 + p + (major > 5 ? V6_TRAILER : V5_TRAILER);
	return len == (ql / 16 + 1) * 16;
}

enum kd_status
kms_decode_response(const struct kms_keys *k, const uint8_t *msg, size_t len,
    const struct kms_request *req, struct kms_response *r, struct kd_diag *d)
{
	uint8_t q[KD_MAX_KMS_MSG];
	const struct kms_cipher *ci;
	size_t qlen, base, pad, tl;
	struct kd_diag local;

	/* parse_base_response() reports through d: keep the status without one. */
	if (d == NULL) {
		memset(&local, 0, sizeof(local));
		d = &local;
	}
	memset(r, 0, sizeof(*r));
	if (len < 4)
		return kd_diag_set(d, KD_ETRUNC, "kms", 0,
		    "response of %zu bytes has no version", len);
	r->minor = (uint16_t)(msg[0] | msg[1] << 8);
	r->major = (uint16_t)(msg[2] | msg[3] << 8);
	if (r->major < 5) {
		uint8_t mac[16];

		/* The MAC covers everything before it: check it first (§4.4). */
		if (len >= 16) {
			kms_v4_hash(msg, len - 16, mac);
			r->mac_ok = memcmp(mac, msg + len - 16, 16) == 0;
		}
		if (!r->mac_ok)
			verify_fail(r, "v4 MAC mismatch");
		if ((base = parse_base_response(msg, len, 0, r, d)) == 0)
			return r->mac_ok || !whole_message(msg, len, 4) ?
			    d->status : unreadable_fields(r);
		if (len != base + 16)
			return kd_diag_set(d, len < base + 16 ? KD_ETRUNC :
			    KD_EINVAL, "kms", base,
			    "v4 response of %zu bytes, expected %zu", len, base + 16);
		goto echo;
	}
	if (len < 20 + 16 || (len - 20) % 16 != 0 || len - 20 > sizeof(q))
		return kd_diag_set(d, KD_EINVAL, "kms", 4,
		    "v%u response ciphertext of %zu bytes is not a whole number "
		    "of blocks", r->major, len >= 20 ? len - 20 : 0);
	ci = cipher_for(k, r->major);
	memcpy(r->iv, msg + 4, 16);
	qlen = len - 20;
	kms_cbc_decrypt(ci, r->iv, msg + 20, q, qlen);
	if ((pad = kms_pkcs7_check(q, qlen)) == 0) {
		if (req == NULL || !whole_message(q, qlen, r->major))
			return kd_diag_set(d, KD_EVERIFY, "kms", len - 1,
			    "v%u response does not decrypt: bad padding", r->major);
		verify_fail(r, "bad padding");
		return unreadable_fields(r);
	}
	r->pad_ok = true;
	qlen -= pad;
	tl = r->major > 5 ? V6_TRAILER : V5_TRAILER;
	if (qlen < tl + 8)
		return kd_diag_set(d, KD_ETRUNC, "kms", 20,
		    "v%u response ends before its %s", r->major,
		    r->major > 5 ? "HMAC" : "hash");
	check_trailer(ci, q, qlen, req, r);
	if ((base = parse_base_response(q, qlen - tl, 20, r, d)) == 0)
		return r->verify_detail[0] == '\0' || req == NULL ? d->status :
		    unreadable_fields(r);
	if (base != qlen - tl)
		verify_fail(r, "PIDSize does not match the message length");
echo:
	if (req == NULL) {
		verify_fail(r, "request not seen: salt and echoes not checked");
		r->verified = false;
		return KD_OK;
	}
	r->echo_ok = kd_guid_eq(&r->cmid, &req->cmid) &&
	    r->client_time == req->client_time && r->major == req->major &&
	    r->minor == req->minor && r->in_major == r->major &&
	    r->in_minor == r->minor;
	if (!r->echo_ok)
		verify_fail(r, "CMID, client time or version not echoed");
	r->verified = r->verify_detail[0] == '\0';
	return KD_OK;
}

static void
build_base_request(const struct kms_request *r, uint8_t *b)
{
	memset(b, 0, KMS_BASE_REQ_LEN);
	kd_put16le(b, r->minor);
	kd_put16le(b + 2, r->major);
	kd_put32le(b + 4, r->is_vm);
	kd_put32le(b + 8, r->license_status);
	kd_put32le(b + 12, r->binding_expiration);
	kd_guid_to_wire(&r->app_id, b + 16);
	kd_guid_to_wire(&r->sku_id, b + 32);
	kd_guid_to_wire(&r->kms_id, b + 48);
	kd_guid_to_wire(&r->cmid, b + 64);
	kd_put32le(b + 80, r->required_count);
	kd_put64le(b + 84, r->client_time);
	kd_guid_to_wire(&r->prev_cmid, b + 92);
	/*
	 * A name that does not fit is cut at a character boundary: the wire
	 * field has 63 units and a NUL.  Invalid UTF-8 is cut off the same way.
	 */
	{
		char ws[sizeof(r->workstation)];
		size_t n;

		snprintf(ws, sizeof(ws), "%s", r->workstation);
		n = strlen(ws);
		while (!kd_utf8_to_utf16le(ws, b + 108, KMS_WS_UNITS) && n > 0) {
			do
				n--;
			while (n > 0 && ((unsigned char)ws[n] & 0xc0) == 0x80);
			ws[n] = '\0';
		}
	}
}

size_t
kms_encode_request(const struct kms_keys *k, uint8_t *out, size_t cap,
    const struct kms_request *r, const uint8_t iv[16])
{
	uint8_t base[KMS_BASE_REQ_LEN + 4];

	build_base_request(r, base);
	if (r->major < 5) {
		if (cap < KMS_V4_REQ_LEN)
			return 0;
		memcpy(out, base, KMS_BASE_REQ_LEN);
		kms_v4_hash(base, KMS_BASE_REQ_LEN, out + KMS_BASE_REQ_LEN);
		return KMS_V4_REQ_LEN;
	}
	if (cap < KMS_V56_REQ_LEN)
		return 0;
	memset(base + KMS_BASE_REQ_LEN, 4, 4);
	kd_put16le(out, r->minor);
	kd_put16le(out + 2, r->major);
	memcpy(out + 4, iv, 16);
	kms_cbc_encrypt(cipher_for(k, r->major), iv, base, out + 20, 240);
	return KMS_V56_REQ_LEN;
}

/* UTF-16 units of a UTF-8 string: a non-ASCII ePID is shorter in units than in bytes. */
static size_t
utf16_units(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80)
			n += *p >= 0xf0 ? 2 : 1;
	return n;
}

size_t
kms_encode_response(const struct kms_keys *k, uint8_t *out, size_t cap,
    const struct kms_request *req, const struct kms_response_spec *s)
{
	uint8_t q[512], ivout[16];
	size_t p = 0, pidsz, padded;
	const struct kms_cipher *ci = cipher_for(k, req->major);
	size_t nunits = utf16_units(s->epid) + 1;

	if (nunits * 2 > KMS_MAX_PID_SIZE)
		return 0;
	pidsz = nunits * 2;
	kd_put16le(q, req->minor);
	kd_put16le(q + 2, req->major);
	kd_put32le(q + 4, (uint32_t)pidsz);
	if (!kd_utf8_to_utf16le(s->epid, q + 8, nunits))
		return 0;
	p = 8 + pidsz;
	kd_guid_to_wire(&req->cmid, q + p);
	kd_put64le(q + p + 16, req->client_time);
	kd_put32le(q + p + 24, s->count);
	kd_put32le(q + p + 28, s->activation_interval);
	kd_put32le(q + p + 32, s->renewal_interval);
	p += 36;
	if (req->major < 5) {
		if (cap < p + 16)
			return 0;
		memcpy(out, q, p);
		kms_v4_hash(q, p, out + p);
		if (s->corrupt)
			out[p] ^= 0x01;
		return p + 16;
	}
	for (int i = 0; i < 16; i++)
		q[p + i] = s->random[i] ^ req->div[i];
	kms_sha256(s->random, 16, q + p + 16);
	p += 48;
	if (req->major > 5) {
		uint8_t ivresp[16], tmp[16 + 512];

		memcpy(q + p, s->hwid, 8);
		memcpy(q + p + 8, req->div, 16);
		p += 24;
		if (s->reuse_iv) {
			memcpy(ivresp, req->iv, 16);
			kms_block_decrypt(ci, ivresp, tmp);
		} else {
			kms_block_encrypt(ci, s->x0, ivresp);
			memcpy(tmp, s->x0, 16);
		}
		memcpy(tmp + 16, q, p);
		kms_v6_hmac(req->client_time, tmp, 16 + p, q + p);
		p += 16;
		if (s->corrupt)
			q[p - 1] ^= 0x01;
		memcpy(ivout, ivresp, 16);
	} else {
		if (s->corrupt)
			q[p - 1] ^= 0x01;
		memcpy(ivout, req->iv, 16);
	}
	padded = (p / 16 + 1) * 16;
	/* Nothing is written to out before this check. */
	if (cap < 20 + padded || padded > sizeof(q))
		return 0;
	memcpy(out + 4, ivout, 16);
	memset(q + p, (int)(padded - p), padded - p);
	kd_put16le(out, req->minor);
	kd_put16le(out + 2, req->major);
	kms_cbc_encrypt(ci, out + 4, q, out + 20, padded);
	return 20 + padded;
}

/* Reads exactly n decimal digits (n == 0: 1 to 9 digits) up to the delimiter. */
static const char *
digits(const char *s, unsigned n, char delim, unsigned *out)
{
	unsigned v = 0, k = 0;

	while (*s >= '0' && *s <= '9' && k < 9) {
		v = v * 10 + (unsigned)(*s - '0');
		s++;
		k++;
	}
	if (k == 0 || (n != 0 && k != n) || *s != delim)
		return NULL;
	*out = v;
	return delim ? s + 1 : s;
}

bool
kms_epid_parse(const char *s, struct kms_epid *e)
{
	unsigned k1, k2, dy;

	memset(e, 0, sizeof(*e));
	if ((s = digits(s, 5, '-', &e->platform)) == NULL ||
	    (s = digits(s, 5, '-', &e->group)) == NULL ||
	    (s = digits(s, 3, '-', &k1)) == NULL ||
	    (s = digits(s, 6, '-', &k2)) == NULL ||
	    (s = digits(s, 2, '-', &e->channel)) == NULL ||
	    (s = digits(s, 0, '-', &e->lcid)) == NULL ||
	    (s = digits(s, 0, '.', &e->build)) == NULL ||
	    (s = digits(s, 4, '-', &e->revision)) == NULL ||
	    (s = digits(s, 7, '\0', &dy)) == NULL)
		return false;
	e->key_id = k1 * 1000000u + k2;
	e->day = dy / 10000;
	e->year = dy % 10000;
	e->valid = e->day <= 366 && e->year >= 1990;
	return e->valid;
}

/* v in decimal, zero-padded to width, at p; returns the end. */
static char *
put_digits(char *p, unsigned v, int width)
{
	char	 d[10];
	int	 n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n < width)
		d[n++] = '0';
	while (n > 0)
		*p++ = d[--n];
	return p;
}

bool
kms_epid_date(const struct kms_epid *e, char *out, size_t len)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned day = e->day ? e->day : 1;
	bool leap = (e->year % 4 == 0 && e->year % 100 != 0) || e->year % 400 == 0;
	char t[32], *p = t;
	size_t n;
	int m;

	if (!e->valid || day > (leap ? 366u : 365u)) {
		snprintf(out, len, "invalid");
		return false;
	}
	for (m = 0; m < 12; m++) {
		unsigned md = (unsigned)mdays[m] + (m == 1 && leap);

		if (day <= md)
			break;
		day -= md;
	}
	/* "%04u-%02d-%02u" without printf: the JSON line of every exchange has it. */
	p = put_digits(p, e->year, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)m + 1, 2);
	*p++ = '-';
	p = put_digits(p, day, 2);
	n = (size_t)(p - t);
	if (len > 0) {
		if (n >= len)
			n = len - 1;
		memcpy(out, t, n);
		out[n] = '\0';
	}
	return true;
}
