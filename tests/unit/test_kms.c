/*
 * KMS message codec (lib/kms.c) against the protocol document: the v4,
 * v5 and v6 exchanges of §13 (A, B, C) decode to the values of their field
 * tables and verify; the encoders reproduce those messages byte for byte
 * from the same inputs; round trips cover every version with and without
 * a corrupted integrity field; and the ePID parser (§5) handles the
 * examples, py-kms's day 000 and malformed strings.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms.h"
#include "kdtest.h"
#include "vectors.h"

/* The protocol document's section 13 dumps (tests/unit/vectors.h). */
static const char ex_a4[] = KDV_A4;

static const char ex_a6[] = KDV_A6;

static const char ex_b2[] = KDV_B2;

static const char ex_b5[] = KDV_B5;

static const char ex_c5[] = KDV_C5;

static const char ex_c7[] = KDV_C7;

static const char *
gs(const struct kd_guid *g)
{
	static char s[4][KD_GUID_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return kd_guid_format(g, s[i]);
}

static struct kms_keys keys;

/* The KMS message inside a PDU dump: C.5 at 0x20, C.7 at 0x24. */
static size_t
msg_of(const char *dump, size_t off, uint8_t *out, size_t cap)
{
	uint8_t pdu[512];
	size_t n = kdt_unhex(dump, pdu, sizeof(pdu));

	if (n < off + 4 || n - off - 4 > cap)
		abort();
	/* Request PDUs end with the message; responses add an HRESULT. */
	n -= off;
	if (pdu[2] == 2)
		n -= 4;
	memcpy(out, pdu + off, n);
	return n;
}

static void
test_v4(void)
{
	uint8_t m[512], rs[512], out[512];
	size_t n, rn;
	struct kms_request q;
	struct kms_response r;
	struct kms_response_spec spec;
	struct kd_diag d;

	memset(&d, 0, sizeof(d));
	n = kdt_unhex(ex_a4, m, sizeof(m));
	KDT_CHECK(n == 252);
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	KDT_CHECK(q.major == 4 && q.minor == 0 && q.in_major == 4 && q.in_minor == 0);
	KDT_CHECK(q.is_vm == 0 && q.license_status == 2 && q.binding_expiration == 43200);
	KDT_STREQ(gs(&q.app_id), "59a52881-a989-479d-af46-f275c6370663");
	KDT_STREQ(gs(&q.sku_id), "6f327760-8c5c-417c-9b61-836a98287e0c");
	KDT_STREQ(gs(&q.kms_id), "e85af946-2e25-47b7-83e1-bebcebeac611");
	KDT_STREQ(gs(&q.cmid), "a8d37b24-2b34-46ed-8ce4-8bab0a32eb8a");
	KDT_CHECK(kd_guid_is_nil(&q.prev_cmid));
	KDT_CHECK(q.required_count == 5);
	KDT_CHECK(q.client_time == 134400901780000000ULL);
	KDT_STREQ(q.workstation, "OFFICE-PC-17");
	KDT_CHECK(q.ws_terminated && q.ws_valid);
	KDT_CHECK(q.body_off == 0);
	KDT_CHECK(q.mac_ok);

	rn = kdt_unhex(ex_a6, rs, sizeof(rs));
	KDT_CHECK(rn == 158);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(r.major == 4 && r.minor == 0 && r.in_major == 4 && r.in_minor == 0);
	KDT_CHECK(r.pid_size == 98);
	KDT_STREQ(r.epid, "06401-00096-213-282362-03-1059-9600.0000-2802026");
	KDT_STREQ(gs(&r.cmid), "a8d37b24-2b34-46ed-8ce4-8bab0a32eb8a");
	KDT_CHECK(r.client_time == 134400901780000000ULL);
	KDT_CHECK(r.count == 10);
	KDT_CHECK(r.activation_interval == 120 && r.renewal_interval == 10080);
	KDT_CHECK(!r.has_hwid);
	KDT_CHECK(r.mac_ok && r.echo_ok && r.verified);
	KDT_STREQ(r.verify_detail, "");

	/* Without its request the response decodes but cannot be verified. */
	KDT_CHECK(kms_decode_response(&keys, rs, rn, NULL, &r, &d) == KD_OK);
	KDT_CHECK(r.mac_ok && !r.verified && r.verify_detail[0] != '\0');
	KDT_CHECK(r.count == 10);

	/* The encoders reproduce A.4 and A.6. */
	KDT_CHECK(kms_encode_request(&keys, out, sizeof(out), &q, NULL) == 252);
	KDT_MEMEQ(out, m, 252);
	KDT_CHECK(kms_encode_request(&keys, out, 251, &q, NULL) == 0);
	memset(&spec, 0, sizeof(spec));
	spec.epid = "06401-00096-213-282362-03-1059-9600.0000-2802026";
	spec.count = 10;
	spec.activation_interval = 120;
	spec.renewal_interval = 10080;
	KDT_CHECK(kms_encode_response(&keys, out, sizeof(out), &q, &spec) == 158);
	KDT_MEMEQ(out, rs, 158);
	KDT_CHECK(kms_encode_response(&keys, out, 157, &q, &spec) == 0);

	/* A changed byte breaks the MAC (request) or the verification (response). */
	m[0x50] ^= 1;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	KDT_CHECK(!q.mac_ok && q.required_count == 4);
	m[0x50] ^= 1;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	rs[0x82] ^= 1;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(!r.mac_ok && !r.verified && r.count == 11);
	rs[0x82] ^= 1;
	/* A response that does not echo the request's CMID. */
	q.cmid.b[0] ^= 1;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(r.mac_ok && !r.echo_ok && !r.verified);
	q.cmid.b[0] ^= 1;

	/*
	 * Sizes: a v4 request must be 252 bytes; a response 60 + PIDSize.  The
	 * message length comes from the NDR size word, so a wrong one is the
	 * sender's (EINVAL); only "no version at all" reads as truncated.
	 */
	KDT_CHECK(kms_decode_request(&keys, m, 251, &q, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 0 && d.status == KD_EINVAL);
	KDT_STREQ(d.layer, "kms");
	KDT_CHECK(kms_decode_request(&keys, m, 253, &q, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_request(&keys, m, 3, &q, &d) == KD_ETRUNC);
	KDT_CHECK(kms_decode_request(&keys, m, 0, &q, &d) == KD_ETRUNC);
	kms_decode_request(&keys, m, n, &q, &d);
	KDT_CHECK(kms_decode_response(&keys, rs, rn - 1, &q, &r, &d) == KD_ETRUNC);
	KDT_CHECK(d.offset == 0x8e);
	KDT_CHECK(kms_decode_response(&keys, rs, rn + 1, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_response(&keys, rs, 0x10, &q, &r, &d) == KD_ETRUNC);
	KDT_CHECK(kms_decode_response(&keys, rs, 7, &q, &r, &d) == KD_ETRUNC);
	KDT_CHECK(kms_decode_response(&keys, rs, 3, &q, &r, &d) == KD_ETRUNC);
	/* The diag is optional; the status is the same without it. */
	KDT_CHECK(kms_decode_response(&keys, rs, 0x10, &q, &r, NULL) == KD_ETRUNC);
	KDT_CHECK(kms_decode_response(&keys, rs, rn - 1, &q, &r, NULL) == KD_ETRUNC);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, NULL) == KD_OK && r.verified);
	KDT_CHECK(kms_decode_request(&keys, m, 251, &q, NULL) == KD_EINVAL);
}

/* PIDSize and ePID string edge cases on the v4 response (no cipher in the way). */
static void
test_pid(void)
{
	uint8_t rs[512], m[512];
	size_t rn;
	struct kms_request q;
	struct kms_response r;
	struct kd_diag d;

	memset(&d, 0, sizeof(d));
	kdt_unhex(ex_a4, m, sizeof(m));
	kms_decode_request(&keys, m, 252, &q, &d);
	rn = kdt_unhex(ex_a6, rs, sizeof(rs));

	rs[4] = 0;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 4);
	rs[4] = 97;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	rs[4] = 130;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	rs[4] = 0x62;
	rs[7] = 0x80;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	rs[7] = 0;
	/* PIDSize 128 (the cap) in a message that is too short. */
	rs[4] = 128;
	KDT_CHECK(kms_decode_response(&keys, rs, 100, &q, &r, &d) == KD_ETRUNC);
	KDT_CHECK(d.offset == 8);
	/* PIDSize fits but the fixed fields after it do not. */
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) != KD_OK);
	rs[4] = 0x62;
	/*
	 * The ePID cases below are what a host sends, so each gets its MAC;
	 * the same bytes altered after the MAC was made are an integrity
	 * failure, whatever the ePID looks like (the MAC is checked first).
	 */
	/* No NUL at the end of the ePID. */
	rs[0x68] = '7';
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(!r.verified && !r.mac_ok && r.fields_unreadable && r.count == 0);
	KDT_STREQ(r.verify_detail, "v4 MAC mismatch; fields unreadable");
	kms_v4_hash(rs, rn - 16, rs + rn - 16);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(strstr(d.msg, "no NUL") != NULL);
	rs[0x68] = 0;
	/* A NUL before the end. */
	rs[0x08] = 0;
	kms_v4_hash(rs, rn - 16, rs + rn - 16);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 8);
	/* A lone surrogate, reported at its unit. */
	rs[0x0a] = 0x00;
	rs[0x0b] = 0xdc;
	rs[0x08] = '0';
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(!r.verified && r.fields_unreadable && r.epid[0] == '\0');
	kms_v4_hash(rs, rn - 16, rs + rn - 16);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 0x0a);
	/* PIDSize 2: an empty ePID (just the NUL) is well-formed. */
	{
		struct kms_response_spec spec;
		uint8_t out[512];
		size_t n;

		memset(&spec, 0, sizeof(spec));
		spec.epid = "";
		n = kms_encode_response(&keys, out, sizeof(out), &q, &spec);
		KDT_CHECK(n == 62);
		KDT_CHECK(kms_decode_response(&keys, out, n, &q, &r, &d) == KD_OK);
		KDT_CHECK(r.pid_size == 2 && r.epid[0] == '\0' && r.verified);
	}
	/* An ePID too long for PIDSize 128 is refused by the encoder. */
	{
		struct kms_response_spec spec;
		uint8_t out[512];
		char big[80];

		memset(big, '1', 64);
		big[64] = '\0';
		memset(&spec, 0, sizeof(spec));
		spec.epid = big;
		KDT_CHECK(kms_encode_response(&keys, out, sizeof(out), &q, &spec) == 0);
		big[63] = '\0';
		KDT_CHECK(kms_encode_response(&keys, out, sizeof(out), &q, &spec) == 188);
		KDT_CHECK(kms_decode_response(&keys, out, 188, &q, &r, &d) == KD_OK);
		KDT_CHECK(r.pid_size == 128 && strlen(r.epid) == 63 && r.verified);
	}
}

static void
test_v5(void)
{
	uint8_t m[512], rs[512], out[512], iv[16];
	size_t n, rn;
	struct kms_request q;
	struct kms_response r;
	struct kms_response_spec spec;
	struct kd_diag d;
	uint8_t div[16];

	memset(&d, 0, sizeof(d));
	n = kdt_unhex(ex_b2, m, sizeof(m));
	KDT_CHECK(n == 260);
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	KDT_CHECK(q.major == 5 && q.minor == 0 && q.in_major == 5 && q.in_minor == 0);
	KDT_CHECK(q.is_vm == 1 && q.license_status == 2 && q.binding_expiration == 43200);
	KDT_STREQ(gs(&q.app_id), "55c92734-d682-4d71-983e-d6ec3f16059f");
	KDT_STREQ(gs(&q.sku_id), "458e1bec-837a-45f6-b9d5-925ed5d299de");
	KDT_STREQ(gs(&q.kms_id), "3c40b358-5948-45af-923b-53d21fcc7e79");
	KDT_STREQ(gs(&q.cmid), "b6e96464-f696-4d17-80eb-54929167ab9e");
	KDT_CHECK(q.required_count == 25);
	KDT_CHECK(q.client_time == 134400901800000000ULL);
	KDT_CHECK(kd_guid_is_nil(&q.prev_cmid));
	KDT_STREQ(q.workstation, "win8-kiosk-03.branch.example");
	KDT_CHECK(q.ws_terminated && q.ws_valid && q.body_off == 20);
	kdt_unhex("19 1f 16 ba c0 b3 d3 75 96 3d 3e d9 d2 f9 2c 43", iv, 16);
	KDT_MEMEQ(q.iv, iv, 16);
	kdt_unhex("13367a2972b8c9e652fb1357f472550a", div, 16);
	KDT_MEMEQ(q.div, div, 16);

	rn = kdt_unhex(ex_b5, rs, sizeof(rs));
	KDT_CHECK(rn == 228);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(r.major == 5 && r.in_major == 5 && r.pid_size == 100);
	KDT_STREQ(r.epid, "03612-00206-561-949257-03-1091-14393.0000-0112022");
	KDT_STREQ(gs(&r.cmid), "b6e96464-f696-4d17-80eb-54929167ab9e");
	KDT_CHECK(r.client_time == 134400901800000000ULL);
	KDT_CHECK(r.count == 50 && r.activation_interval == 120 && r.renewal_interval == 10080);
	KDT_MEMEQ(r.iv, iv, 16);
	KDT_CHECK(r.pad_ok && r.hash_ok && r.echo_ok && r.verified);
	KDT_CHECK(!r.has_hwid);
	KDT_STREQ(r.verify_detail, "");

	/* Encoders: same IV and plaintext, same bytes (B.2, B.5). */
	KDT_CHECK(kms_encode_request(&keys, out, sizeof(out), &q, iv) == 260);
	KDT_MEMEQ(out, m, 260);
	KDT_CHECK(kms_encode_request(&keys, out, 259, &q, iv) == 0);
	memset(&spec, 0, sizeof(spec));
	spec.epid = r.epid;
	spec.count = 50;
	spec.activation_interval = 120;
	spec.renewal_interval = 10080;
	kdt_unhex("9455204380571f9c742ce9528aa66acf", spec.random, 16);
	KDT_CHECK(kms_encode_response(&keys, out, sizeof(out), &q, &spec) == 228);
	KDT_MEMEQ(out, rs, 228);

	/* A v5 response whose IV is not the request IV fails verification. */
	{
		struct kms_request q2 = q;

		q2.iv[0] ^= 1;
		KDT_CHECK(kms_decode_response(&keys, rs, rn, &q2, &r, &d) == KD_OK);
		KDT_CHECK(!r.verified);
	}
	/* The wrong request: the salt check fails. */
	{
		struct kms_request q2 = q;

		q2.div[5] ^= 0x40;
		KDT_CHECK(kms_decode_response(&keys, rs, rn, &q2, &r, &d) == KD_OK);
		KDT_CHECK(!r.hash_ok && !r.verified);
	}

	/* Ciphertext sizes. */
	KDT_CHECK(kms_decode_request(&keys, m, 259, &q, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 4);
	KDT_CHECK(kms_decode_request(&keys, m, 261, &q, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 4);
	KDT_CHECK(kms_decode_request(&keys, m, 20, &q, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_request(&keys, m, 5, &q, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_request(&keys, m, 3, &q, &d) == KD_ETRUNC);
	kms_decode_request(&keys, m, n, &q, &d);
	KDT_CHECK(kms_decode_response(&keys, rs, rn - 1, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(d.offset == 4);
	KDT_CHECK(kms_decode_response(&keys, rs, 35, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_response(&keys, rs, 19, &q, &r, &d) == KD_EINVAL);
	KDT_CHECK(kms_decode_response(&keys, rs, 2, &q, &r, &d) == KD_ETRUNC);
	/* Whole blocks but cut: padding no longer checks out, or a field is missing. */
	KDT_CHECK(kms_decode_response(&keys, rs, rn - 16, &q, &r, &d) != KD_OK);
	KDT_CHECK(kms_decode_response(&keys, rs, 36, &q, &r, &d) != KD_OK);

	/* A flipped byte in the last block spoils the padding. */
	m[259] ^= 0x80;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_EVERIFY);
	KDT_CHECK(d.offset == 256);
	m[259] ^= 0x80;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	/*
	 * In a response of the length its PIDSize implies, that is a message
	 * altered in transit: it fails its integrity check (what a client
	 * sees), it is not undecodable.  Without the request, or cut to
	 * another length, it stays a decode error.
	 */
	rs[rn - 1] ^= 0x01;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(!r.verified && !r.pad_ok && r.fields_unreadable && r.count == 0);
	KDT_STREQ(r.verify_detail, "bad padding; fields unreadable");
	KDT_CHECK(kms_decode_response(&keys, rs, rn, NULL, &r, &d) == KD_EVERIFY);
	KDT_CHECK(d.offset == rn - 1);
	rs[rn - 1] ^= 0x01;
	/*
	 * A flipped byte elsewhere: an error or an unverified response.  v5
	 * protects only R/Hash and the echoes (§4.5), so the blocks that hold
	 * nothing but ePID characters (ciphertext blocks 1-5) are left out:
	 * there a flip is not detectable by any client.
	 */
	for (size_t i = 20; i < rn - 16; i++) {
		enum kd_status st;
		size_t blk = (i - 20) / 16;

		if (blk >= 1 && blk <= 5)
			continue;
		rs[i] ^= 0x10;
		st = kms_decode_response(&keys, rs, rn, &q, &r, &d);
		KDT_CHECK(st != KD_OK || !r.verified);
		rs[i] ^= 0x10;
	}
	/* The IV in clear is part of the chain too. */
	rs[4] ^= 0x01;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) != KD_OK || !r.verified);
	rs[4] ^= 0x01;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK && r.verified);
}

static void
test_v6(void)
{
	uint8_t m[512], rs[512], out[512], iv[16], div[16], riv[16], hwid[8];
	size_t n, rn;
	struct kms_request q;
	struct kms_response r;
	struct kms_response_spec spec;
	struct kd_diag d;

	memset(&d, 0, sizeof(d));
	n = msg_of(ex_c5, 0x20, m, sizeof(m));
	KDT_CHECK(n == 260);
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
	/* C.6 */
	KDT_CHECK(q.major == 6 && q.minor == 0 && q.in_major == 6 && q.in_minor == 0);
	KDT_CHECK(q.is_vm == 0 && q.license_status == 2 && q.binding_expiration == 43200);
	KDT_STREQ(gs(&q.app_id), "55c92734-d682-4d71-983e-d6ec3f16059f");
	KDT_STREQ(gs(&q.sku_id), "2de67392-b7a7-462a-b1ca-108dd189f588");
	KDT_STREQ(gs(&q.kms_id), "58e2134f-8e11-4d17-9cb2-91069c151148");
	KDT_STREQ(gs(&q.cmid), "8de4f8a4-ff8c-4ed0-b06f-610da77b0f3a");
	KDT_CHECK(q.required_count == 25);
	KDT_CHECK(q.client_time == 134400901880000000ULL);
	KDT_STREQ(gs(&q.prev_cmid), "e4e6de11-e3e7-48d9-8a82-4d2e121544a8");
	KDT_STREQ(q.workstation, "desktop-7h2k9q1.corp.example");
	KDT_CHECK(q.ws_terminated && q.ws_valid && q.body_off == 20);
	kdt_unhex("791db356c088510704fdaa834513951d", iv, 16);
	KDT_MEMEQ(q.iv, iv, 16);
	kdt_unhex("7b569d3fd5f73e6149cd2c87b785faf2", div, 16);
	KDT_MEMEQ(q.div, div, 16);

	rn = msg_of(ex_c7, 0x24, rs, sizeof(rs));
	KDT_CHECK(rn == 260);
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	/* C.8 */
	KDT_CHECK(r.major == 6 && r.in_major == 6 && r.pid_size == 100);
	KDT_STREQ(r.epid, "03612-00206-557-163526-03-1037-14393.0000-0612024");
	KDT_STREQ(gs(&r.cmid), "8de4f8a4-ff8c-4ed0-b06f-610da77b0f3a");
	KDT_CHECK(r.client_time == 134400901880000000ULL);
	KDT_CHECK(r.count == 50 && r.activation_interval == 120 && r.renewal_interval == 10080);
	kdt_unhex("539b29cf30bd3f66dad892ae1e5f6aa7", riv, 16);
	KDT_MEMEQ(r.iv, riv, 16);
	kdt_unhex("3a1c049600b60076", hwid, 8);
	KDT_CHECK(r.has_hwid);
	KDT_MEMEQ(r.hwid, hwid, 8);
	KDT_CHECK(r.pad_ok && r.hash_ok && r.xoredivs_ok && r.hmac_ok && r.echo_ok);
	KDT_CHECK(!r.iv_reused);
	KDT_CHECK(r.verified);
	KDT_STREQ(r.verify_detail, "");

	/* Encoders reproduce C.5's message and C.7's (X0 = DIVresp of C.8). */
	KDT_CHECK(kms_encode_request(&keys, out, sizeof(out), &q, iv) == 260);
	KDT_MEMEQ(out, m, 260);
	memset(&spec, 0, sizeof(spec));
	spec.epid = "03612-00206-557-163526-03-1037-14393.0000-0612024";
	spec.count = 50;
	spec.activation_interval = 120;
	spec.renewal_interval = 10080;
	memcpy(spec.hwid, hwid, 8);
	kdt_unhex("6b36aa6930696ea1f2df84b48e976671", spec.random, 16);
	kdt_unhex("1f07d5e62cc36dbc9f4081c0b6cff5f0", spec.x0, 16);
	KDT_CHECK(kms_encode_response(&keys, out, sizeof(out), &q, &spec) == 260);
	KDT_MEMEQ(out, rs, 260);
	/* No room: nothing is written past cap (ASan watches the heap block). */
	{
		uint8_t *small = malloc(19);

		KDT_CHECK(small != NULL);
		KDT_CHECK(kms_encode_response(&keys, small, 19, &q, &spec) == 0);
		KDT_CHECK(kms_encode_response(&keys, small, 3, &q, &spec) == 0);
		free(small);
		small = malloc(259);
		KDT_CHECK(kms_encode_response(&keys, small, 259, &q, &spec) == 0);
		KDT_CHECK(kms_encode_request(&keys, small, 259, &q, iv) == 0);
		free(small);
	}

	/* One flipped ciphertext byte: decode error or not verified. */
	for (size_t i = 20; i < rn; i++) {
		enum kd_status st;

		rs[i] ^= 0x01;
		st = kms_decode_response(&keys, rs, rn, &q, &r, &d);
		KDT_CHECK(st != KD_OK || !r.verified);
		rs[i] ^= 0x01;
	}
	/*
	 * Stronger, since the integrity is checked before the inner fields
	 * are read: any byte after the version altered in transit (IV, ePID,
	 * counts, trailer, padding) is an integrity failure, never a decode
	 * error about the garbled ePID it leaves behind.
	 */
	for (size_t i = 4; i < rn; i++) {
		enum kd_status st;

		rs[i] ^= 0x40;
		st = kms_decode_response(&keys, rs, rn, &q, &r, &d);
		KDT_CHECK(st == KD_OK && !r.verified && r.verify_detail[0] != '\0');
		if (st != KD_OK)
			fprintf(stderr, "byte %zu: %s\n", i, d.msg);
		rs[i] ^= 0x40;
	}
	/* A byte in the HMAC block (0xd8 of Q6 = message 0xec) leaves only hmac_ok false. */
	rs[20 + 0xc8] ^= 0x01;	/* ciphertext of the XoredIVs block flips HMAC plaintext */
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
	KDT_CHECK(!r.hmac_ok && !r.verified && r.verify_detail[0] != '\0');
	rs[20 + 0xc8] ^= 0x01;
	KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK && r.verified);
	/* XoredIVs checked against the request. */
	{
		struct kms_request q2 = q;

		q2.div[0] ^= 1;
		KDT_CHECK(kms_decode_response(&keys, rs, rn, &q2, &r, &d) == KD_OK);
		KDT_CHECK(!r.xoredivs_ok && !r.hash_ok && r.hmac_ok && !r.verified);
	}
	/* Without the request: decoded, HwId read, not verified. */
	KDT_CHECK(kms_decode_response(&keys, rs, rn, NULL, &r, &d) == KD_OK);
	KDT_CHECK(!r.verified && r.count == 50 && r.has_hwid);

	/* A v5 key cannot read a v6 message: relabelled as 5.0 the padding fails. */
	m[2] = 5;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_EVERIFY);
	m[2] = 6;
	/* A 7.0 request is read with the v6 cipher; the inner 6.0 then differs. */
	m[2] = 7;
	KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_EINVAL);
	KDT_CHECK(q.major == 7 && q.in_major == 6 && d.offset == 20);
	m[2] = 6;
	/* Inner minor 1 under an outer 6.0: re-encrypt a changed plaintext. */
	{
		struct kms_cipher c6;
		uint8_t plain[240];

		kms_cipher_init(&c6, KMS_CIPHER_V6);
		kms_cbc_decrypt(&c6, m + 4, m + 20, plain, 240);
		KDT_CHECK(plain[2] == 6 && plain[236] == 4 && plain[239] == 4);
		plain[0] = 1;
		kms_cbc_encrypt(&c6, m + 4, plain, out + 20, 240);
		memcpy(out, m, 20);
		KDT_CHECK(kms_decode_request(&keys, out, 260, &q, &d) == KD_EINVAL);
		KDT_CHECK(q.in_minor == 1);
		/* A workstation name with a lone surrogate and no terminator. */
		plain[0] = 0;
		for (int i = 0; i < 64; i++) {
			plain[0x6c + 2 * i] = 'w';
			plain[0x6c + 2 * i + 1] = 0;
		}
		plain[0x6c + 10] = 0x00;
		plain[0x6c + 11] = 0xdc;
		kms_cbc_encrypt(&c6, m + 4, plain, out + 20, 240);
		KDT_CHECK(kms_decode_request(&keys, out, 260, &q, &d) == KD_OK);
		KDT_CHECK(!q.ws_valid && q.ws_bad_unit == 5);
		KDT_STREQ(q.workstation, "wwwww");
		plain[0x6c + 11] = 0;
		plain[0x6c + 10] = 'w';
		kms_cbc_encrypt(&c6, m + 4, plain, out + 20, 240);
		KDT_CHECK(kms_decode_request(&keys, out, 260, &q, &d) == KD_OK);
		KDT_CHECK(q.ws_valid && !q.ws_terminated && q.ws_bad_unit == 64);
		KDT_CHECK(strlen(q.workstation) == 64);
	}
}

static void
fill_request(struct kms_request *q, uint16_t major)
{
	memset(q, 0, sizeof(*q));
	q->major = q->in_major = major;
	q->is_vm = 1;
	q->license_status = 5;
	q->binding_expiration = 259200;
	kd_guid_parse(&q->app_id, "55c92734-d682-4d71-983e-d6ec3f16059f");
	kd_guid_parse(&q->sku_id, "2de67392-b7a7-462a-b1ca-108dd189f588");
	kd_guid_parse(&q->kms_id, "58e2134f-8e11-4d17-9cb2-91069c151148");
	kd_guid_parse(&q->cmid, "01234567-89ab-cdef-0123-456789abcdef");
	kd_guid_parse(&q->prev_cmid, "fedcba98-7654-3210-fedc-ba9876543210");
	q->required_count = 25;
	q->client_time = 133000000000000000ULL;
	snprintf(q->workstation, sizeof(q->workstation), "%s",
	    "h\xc3\xb6st-\xe2\x82\xac-\xf0\x9f\x98\x80.example");
}

static void
test_roundtrip(void)
{
	static const uint16_t vers[] = { 4, 5, 6 };
	uint8_t iv[16], m[512], rs[512];

	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0xa0 + i);
	for (size_t vi = 0; vi < sizeof(vers) / sizeof(vers[0]); vi++) {
		struct kms_request in, q;
		struct kms_response r;
		struct kms_response_spec spec;
		struct kd_diag d;
		size_t n, rn;
		uint16_t v = vers[vi];

		memset(&d, 0, sizeof(d));
		fill_request(&in, v);
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(n == (v == 4 ? 252u : 260u));
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		KDT_CHECK(q.major == v && q.in_major == v && q.minor == 0);
		KDT_CHECK(q.is_vm == 1 && q.license_status == 5 && q.binding_expiration == 259200);
		KDT_CHECK(kd_guid_eq(&q.app_id, &in.app_id) && kd_guid_eq(&q.sku_id, &in.sku_id));
		KDT_CHECK(kd_guid_eq(&q.kms_id, &in.kms_id) && kd_guid_eq(&q.cmid, &in.cmid));
		KDT_CHECK(kd_guid_eq(&q.prev_cmid, &in.prev_cmid));
		KDT_CHECK(q.required_count == 25 && q.client_time == in.client_time);
		KDT_STREQ(q.workstation, in.workstation);
		KDT_CHECK(q.ws_valid && q.ws_terminated);
		if (v == 4)
			KDT_CHECK(q.mac_ok);
		else
			KDT_MEMEQ(q.iv, iv, 16);

		memset(&spec, 0, sizeof(spec));
		spec.epid = "03612-00206-557-163526-03-1037-14393.0000-0612024";
		spec.count = 25;
		spec.activation_interval = 120;
		spec.renewal_interval = 10080;
		for (int i = 0; i < 16; i++) {
			spec.random[i] = (uint8_t)(i * 7);
			spec.x0[i] = (uint8_t)(i * 13 + 1);
		}
		memcpy(spec.hwid, "\x3a\x1c\x04\x96\x00\xb6\x00\x76", 8);

		rn = kms_encode_response(&keys, rs, sizeof(rs), &q, &spec);
		KDT_CHECK(rn == (v == 4 ? 160u : v == 5 ? 228u : 260u));
		KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
		KDT_CHECK(r.major == v && r.count == 25 && r.activation_interval == 120 &&
		    r.renewal_interval == 10080);
		KDT_STREQ(r.epid, spec.epid);
		KDT_CHECK(kd_guid_eq(&r.cmid, &in.cmid) && r.client_time == in.client_time);
		KDT_CHECK(r.echo_ok && r.verified);
		KDT_STREQ(r.verify_detail, "");
		KDT_CHECK(!r.iv_reused);
		if (v == 6)
			KDT_CHECK(r.hmac_ok && r.xoredivs_ok && r.hash_ok && r.has_hwid &&
			    memcmp(r.hwid, spec.hwid, 8) == 0);

		/* corrupt = true: decodes, does not verify. */
		spec.corrupt = true;
		rn = kms_encode_response(&keys, rs, sizeof(rs), &q, &spec);
		KDT_CHECK(rn != 0);
		KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
		KDT_CHECK(!r.verified && r.verify_detail[0] != '\0');
		KDT_CHECK(r.count == 25);
		if (v == 4)
			KDT_CHECK(!r.mac_ok);
		else if (v == 5)
			KDT_CHECK(!r.hash_ok);
		else
			KDT_CHECK(!r.hmac_ok && r.hash_ok && r.xoredivs_ok);
		spec.corrupt = false;

		/* reuse_iv (v6): verified, but flagged as an emulator sign. */
		if (v == 6) {
			spec.reuse_iv = true;
			rn = kms_encode_response(&keys, rs, sizeof(rs), &q, &spec);
			KDT_CHECK(rn == 260);
			KDT_MEMEQ(rs + 4, iv, 16);
			KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
			KDT_CHECK(r.iv_reused && r.hmac_ok && r.verified);
		}
	}

	/* ePIDs of every length from 0 to 63 characters round-trip in v6. */
	{
		struct kms_request in, q;
		struct kms_response r;
		struct kms_response_spec spec;
		struct kd_diag d;
		char epid[64];
		size_t n, rn;

		fill_request(&in, 6);
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		memset(&spec, 0, sizeof(spec));
		spec.epid = epid;
		for (size_t len = 0; len < 64; len++) {
			memset(epid, '0' + (char)(len % 10), len);
			epid[len] = '\0';
			rn = kms_encode_response(&keys, rs, sizeof(rs), &q, &spec);
			KDT_CHECK(rn == 20 + (132 + 2 * (len + 1)) / 16 * 16 + 16);
			KDT_CHECK(kms_decode_response(&keys, rs, rn, &q, &r, &d) == KD_OK);
			KDT_CHECK(r.verified && strlen(r.epid) == len);
		}
	}

	/* A workstation name longer than the field. */
	{
		struct kms_request in, q;
		struct kd_diag d;
		size_t n;

		fill_request(&in, 4);
		memset(in.workstation, 'n', 100);
		in.workstation[100] = '\0';
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(n == 252);
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		KDT_CHECK(q.mac_ok && q.ws_valid && q.ws_terminated);
		KDT_CHECK(strlen(q.workstation) == 63 && q.workstation[62] == 'n');
		/* Cut at a character boundary: 62 ASCII + a pair does not fit. */
		memset(in.workstation, 'n', 62);
		memcpy(in.workstation + 62, "\xf0\x9f\x98\x80", 5);
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		KDT_CHECK(strlen(q.workstation) == 62 && q.ws_valid);
		/* 61 ASCII + a pair fits exactly. */
		memcpy(in.workstation + 61, "\xf0\x9f\x98\x80", 5);
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		KDT_CHECK(strlen(q.workstation) == 65 && q.ws_valid && q.ws_terminated);
		/* Invalid UTF-8 is cut off, the valid prefix kept. */
		snprintf(in.workstation, sizeof(in.workstation), "ok\xff" "bad");
		n = kms_encode_request(&keys, m, sizeof(m), &in, iv);
		KDT_CHECK(kms_decode_request(&keys, m, n, &q, &d) == KD_OK);
		KDT_STREQ(q.workstation, "ok");
	}
}

static void
test_epid(void)
{
	struct kms_epid e;
	char s[32];

	KDT_CHECK(kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-0612024", &e));
	KDT_CHECK(e.valid && e.platform == 3612 && e.group == 206);
	KDT_CHECK(e.key_id == 557163526 && e.channel == 3 && e.lcid == 1037);
	KDT_CHECK(e.build == 14393 && e.revision == 0 && e.day == 61 && e.year == 2024);
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2024-03-01");

	KDT_CHECK(kms_epid_parse("06401-00096-213-282362-03-1059-9600.0000-2802026", &e));
	KDT_CHECK(e.platform == 6401 && e.group == 96 && e.key_id == 213282362);
	KDT_CHECK(e.lcid == 1059 && e.build == 9600 && e.day == 280 && e.year == 2026);
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2026-10-07");

	KDT_CHECK(kms_epid_parse("03612-00206-561-949257-03-1091-14393.0000-0112022", &e));
	KDT_CHECK(e.key_id == 561949257 && e.day == 11 && e.year == 2022);
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2022-01-11");

	/* py-kms's 0-based day 000 is January 1. */
	KDT_CHECK(kms_epid_parse("55041-00168-305-190596-03-1033-7601.0000-0002021", &e));
	KDT_CHECK(e.day == 0 && e.year == 2021 && e.platform == 55041);
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2021-01-01");
	/* Day 366: only in a leap year. */
	KDT_CHECK(kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-3662024", &e));
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2024-12-31");
	KDT_CHECK(kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-3662023", &e));
	KDT_CHECK(!kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "invalid");
	KDT_CHECK(kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-3652023", &e));
	KDT_CHECK(kms_epid_date(&e, s, sizeof(s)));
	KDT_STREQ(s, "2023-12-31");
	/* Written without printf: what "%04u-%02d-%02u" gives, cut as snprintf cuts. */
	{
		static const unsigned years[] = { 0, 7, 999, 2024, 12345, 4294967295u };
		size_t bad = 0;

		for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++)
			for (unsigned day = 1; day <= 365; day += 17)
				for (size_t len = 0; len <= 24; len++) {
					char a[32], b[32], want[32];
					unsigned m = 0, d = day;
					static const unsigned md[] = { 31, 28, 31, 30, 31,
					    30, 31, 31, 30, 31, 30, 31 };
					bool leap;

					e.year = years[y];
					e.day = day;
					leap = (e.year % 4 == 0 && e.year % 100 != 0) ||
					    e.year % 400 == 0;
					while (d > md[m] + (m == 1 && leap))
						d -= md[m] + (m == 1 && leap), m++;
					snprintf(want, sizeof(want), "%04u-%02u-%02u",
					    e.year, m + 1, d);
					memset(a, 'x', sizeof(a));
					memset(b, 'x', sizeof(b));
					/* snprintf's cut: len - 1 bytes and a NUL. */
					if (len > 0) {
						size_t n = strlen(want) < len - 1 ?
						    strlen(want) : len - 1;

						memcpy(a, want, n);
						a[n] = '\0';
					}
					kms_epid_date(&e, b, len);
					if (memcmp(a, b, sizeof(a)) != 0)
						bad++;
				}
		KDT_CHECK(bad == 0);
	}
	/* A 5-digit LCID and build; the key serial at its largest. */
	KDT_CHECK(kms_epid_parse("03612-04918-999-999999-03-10250-26100.0000-0012025", &e));
	KDT_CHECK(e.lcid == 10250 && e.build == 26100 && e.key_id == 999999999u);

	/* Malformed. */
	KDT_CHECK(!kms_epid_parse("", &e));
	KDT_CHECK(!e.valid);
	KDT_CHECK(!kms_epid_date(&e, s, sizeof(s)));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-0612024 ", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-061202", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-06120245", &e));
	KDT_CHECK(!kms_epid_parse("0361-00206-557-163526-03-1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-5571-63526-03-1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-3-1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393-0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03--14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1234567890-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000", &e));
	KDT_CHECK(!kms_epid_parse("O3612-00206-557-163526-03-1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("-03612-00206-557-163526-03-1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-+1037-14393.0000-0612024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-3672024", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-0611989", &e));
	KDT_CHECK(!kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-9999999", &e));
	KDT_CHECK(!kms_epid_parse("03612\xef\xbc\x8d" "00206-557-163526-03-1037-14393.0000-0612024", &e));
	/* A short output buffer is still terminated. */
	kms_epid_parse("03612-00206-557-163526-03-1037-14393.0000-0612024", &e);
	kms_epid_date(&e, s, 5);
	KDT_STREQ(s, "2024");
}

/*
 * The ASCII fast path gives what kd_utf16le_to_utf8 gives, on every
 * length around the output size, with and without a NUL, and with a
 * non-ASCII unit, a surrogate pair or a lone surrogate at each place.
 */
static void
test_utf16_fast(void)
{
	static const uint16_t odd[] = { 0x00e9, 0x20ac, 0xd83d, 0xdc00, 0x0100, 0x0080 };
	uint8_t in[2 * 80];
	char a[70], b[70];
	size_t bad = 0, runs = 0;

	for (size_t nunits = 0; nunits <= 72; nunits++)
		for (size_t len = 0; len <= 68; len += len < 8 ? 1 : 7)
			for (size_t nul = 0; nul <= nunits + 1; nul += 3)
				for (size_t k = 0; k <= sizeof(odd) / sizeof(odd[0]); k++) {
					struct kd_utf16_result ra, rb;
					bool va, vb;

					for (size_t i = 0; i < nunits; i++) {
						in[2 * i] = (uint8_t)('A' + i % 26);
						in[2 * i + 1] = 0;
					}
					if (nul < nunits)
						in[2 * nul] = 0;
					if (k > 0 && nunits > 0) {
						size_t at = (nul * 7 + k) % nunits;

						in[2 * at] = (uint8_t)(odd[k - 1] & 0xff);
						in[2 * at + 1] = (uint8_t)(odd[k - 1] >> 8);
					}
					memset(a, 'x', sizeof(a));
					memset(b, 'x', sizeof(b));
					va = kd_utf16le_to_utf8(in, nunits, a, len, &ra);
					vb = kms_utf16_to_utf8(in, nunits, b, len, &rb);
					runs++;
					if (va != vb || ra.units != rb.units ||
					    ra.terminated != rb.terminated ||
					    ra.valid != rb.valid || ra.bad_unit != rb.bad_unit ||
					    (len > 0 && strcmp(a, b) != 0))
						bad++;
				}
	KDT_CHECK(runs > 10000);
	KDT_CHECK(bad == 0);
}

int
main(void)
{
	kms_keys_init(&keys);
	test_v4();
	test_pid();
	test_v5();
	test_v6();
	test_roundtrip();
	test_epid();
	test_utf16_fast();
	return KDT_DONE("test_kms");
}
