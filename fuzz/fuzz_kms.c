/*
 * Fuzz target for the KMS message codec and the ePID parser.
 *
 *	byte 0 % 5	0  decode bytes 1.. as a request; if it decodes,
 *			   encode it again and decode that: the fields agree
 *			1  decode bytes 1.. as a response to the worked
 *			   example request of its version (A.4, B.2, C.5)
 *			2  decode bytes 1.. as a response without its request:
 *			   never "verified"
 *			3  bytes 1.. as an ePID string (parse, date)
 *			4  bytes 1.. drive the response encoder (ePID, counts,
 *			   R, X0, HwId, corrupt, reuse_iv) for one of the three
 *			   requests: the decoder must verify exactly the
 *			   uncorrupted ones
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* §13 A.4, B.2 and the KMS message of C.5. */
static const char req_hex[3][540] = {
	"000004000000000002000000c0a800008128a55989a99d47af46f275c6370663"
	"6077326f5c8c7c419b61836a98287e0c46f95ae8252eb74783e1bebcebeac611"
	"247bd3a8342bed468ce48bab0a32eb8a0500000000cd1678e87cdd0100000000"
	"0000000000000000000000004f00460046004900430045002d00500043002d00"
	"3100370000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000ae0ee6db7e0c071585a066f1841f90fe",
	"00000500191f16bac0b3d375963d3ed9d2f92c43ff0a2274c5cfddff1b235037"
	"dc2b530f215236d7c16737f416540f290bbfe308b155dff39ed0d5136d73f1ff"
	"35e69414b8538f382cb04877fd24b1e83688933ccbdd6a4dc1732303e1193ab6"
	"01e349d7a5316421b039d1f068741600aae5615599e0ccb89e07dd3f35918b37"
	"814f9405684fba0d7fac2035c2e85b0ff5d4a0440c6407ff8f736e8dec7455bd"
	"531a5084fe84249184f054d53ad385af1726e3ff5813b86a31284e80fa81a97a"
	"ae382695341073a15d17b0c6c4ca90459855704c8f4a0c21b6027ee9645884bd"
	"c1d1c3da6e701e943e0ac4945676763b11cf70dd1c75e8a0467c1485c8691d0a"
	"b03124a1",
	"00000600791db356c088510704fdaa834513951df24ccb5c6da48d5afdefedae"
	"7162e95a0cd6923f0263b2314b1178720df90921148e97ccf75d8f592d69bc67"
	"f3911e046eba1a7b3911667bce516e3f4943f495187b4a96eed5a76c36b2874d"
	"3fe22bf2f0d22db263dcf8fd2965b34cc3b7eac4fe6d7b4c8f55fd61e4466d06"
	"bab0f5c538ea4d27213379c037f20de7a8f571636436ffc71bdac7c32abf3ab1"
	"19e1518d46ba93bb9c7211071ed782626d373ed74f25a635f04e45b38ab74f12"
	"009238c4413e05335bb08bf9c9553664fc191314edc79e3a17a21c4de65ced55"
	"1dd8f093ac16d5f4a5084c424226d8ca7283e107d6b8bf7ea3278c04cbfd4822"
	"70100c1c",
};

static struct kms_keys keys;
static struct kms_request reqs[3];

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		unsigned v;

		if (n == cap || sscanf(s, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void
init(void)
{
	static int done;
	uint8_t m[300];

	if (done)
		return;
	done = 1;
	kms_keys_init(&keys);
	for (int i = 0; i < 3; i++) {
		size_t n = unhex(req_hex[i], m, sizeof(m));

		if (kms_decode_request(&keys, m, n, &reqs[i], NULL) != KD_OK)
			abort();
	}
}

static const struct kms_request *
req_for(uint16_t major)
{
	return major < 5 ? &reqs[0] : major == 5 ? &reqs[1] : &reqs[2];
}

static void
do_request(const uint8_t *m, size_t n)
{
	struct kms_request q, q2;
	struct kd_diag d;
	uint8_t out[300];
	size_t on;

	memset(&d, 0, sizeof(d));
	if (kms_decode_request(&keys, m, n, &q, &d) != KD_OK) {
		if (d.status == KD_OK)
			abort();
		return;
	}
	if (memchr(q.workstation, '\0', sizeof(q.workstation)) == NULL)
		abort();
	on = kms_encode_request(&keys, out, sizeof(out), &q, q.iv);
	if (on != n || kms_decode_request(&keys, out, on, &q2, &d) != KD_OK)
		abort();
	if (q2.major != q.major || q2.minor != q.minor || q2.is_vm != q.is_vm ||
	    q2.license_status != q.license_status ||
	    q2.binding_expiration != q.binding_expiration ||
	    !kd_guid_eq(&q2.app_id, &q.app_id) || !kd_guid_eq(&q2.sku_id, &q.sku_id) ||
	    !kd_guid_eq(&q2.kms_id, &q.kms_id) || !kd_guid_eq(&q2.cmid, &q.cmid) ||
	    !kd_guid_eq(&q2.prev_cmid, &q.prev_cmid) ||
	    q2.required_count != q.required_count || q2.client_time != q.client_time)
		abort();
	if (q.major < 5 && !q2.mac_ok)
		abort();
	/* A clean name (valid, terminated) survives the round trip. */
	if (q.ws_valid && q.ws_terminated && strcmp(q.workstation, q2.workstation) != 0)
		abort();
}

static void
do_response(const uint8_t *m, size_t n, bool with_req)
{
	struct kms_response r;
	struct kd_diag d;
	const struct kms_request *q = NULL;
	enum kd_status st;

	memset(&d, 0, sizeof(d));
	if (with_req && n >= 4)
		q = req_for((uint16_t)(m[2] | m[3] << 8));
	st = kms_decode_response(&keys, m, n, q, &r, &d);
	if (st != KD_OK) {
		if (d.status != st)
			abort();
		return;
	}
	if (memchr(r.epid, '\0', sizeof(r.epid)) == NULL ||
	    memchr(r.verify_detail, '\0', sizeof(r.verify_detail)) == NULL)
		abort();
	if (q == NULL && r.verified)
		abort();
	if (r.verified != (r.verify_detail[0] == '\0'))
		abort();
	if (r.epid[0] != '\0') {
		struct kms_epid e;
		char date[32];

		if (kms_epid_parse(r.epid, &e))
			kms_epid_date(&e, date, sizeof(date));
	}
}

static void
do_epid(const uint8_t *m, size_t n)
{
	char s[256], date[16];
	struct kms_epid e;

	if (n > sizeof(s) - 1)
		n = sizeof(s) - 1;
	memcpy(s, m, n);
	s[n] = '\0';
	if (kms_epid_parse(s, &e)) {
		if (!e.valid || e.day > 366 || e.year < 1990 || e.year > 9999)
			abort();
		if (kms_epid_date(&e, date, sizeof(date)) && strlen(date) != 10)
			abort();
	} else if (e.valid)
		abort();
}

static void
do_encode(const uint8_t *m, size_t n)
{
	struct kms_response_spec spec;
	const struct kms_request *q;
	struct kms_response r;
	struct kd_diag d;
	uint8_t out[400], fixed[64];
	char epid[64];
	size_t on, k, elen;

	/* 0: request, 1: flags, 2-13: counts, 14-29: R, 30-45: X0, 46-53: HwId, 54: ePID length */
	memset(fixed, 0, sizeof(fixed));
	memcpy(fixed, m, n < 55 ? n : 55);
	q = &reqs[fixed[0] % 3];
	memset(&spec, 0, sizeof(spec));
	spec.corrupt = fixed[1] & 1;
	spec.reuse_iv = (fixed[1] & 2) != 0;
	memcpy(&spec.count, fixed + 2, 4);
	memcpy(&spec.activation_interval, fixed + 6, 4);
	memcpy(&spec.renewal_interval, fixed + 10, 4);
	memcpy(spec.random, fixed + 14, 16);
	memcpy(spec.x0, fixed + 30, 16);
	memcpy(spec.hwid, fixed + 46, 8);
	elen = fixed[54] % 64;
	for (k = 0; k < elen && 55 + k < n; k++)
		epid[k] = (char)(0x20 + m[55 + k] % 0x5f);
	epid[k] = '\0';
	spec.epid = epid;
	on = kms_encode_response(&keys, out, sizeof(out), q, &spec);
	if (on == 0)
		abort();
	memset(&d, 0, sizeof(d));
	if (kms_decode_response(&keys, out, on, q, &r, &d) != KD_OK)
		abort();
	if (r.verified == spec.corrupt || strcmp(r.epid, epid) != 0 ||
	    r.count != spec.count || !kd_guid_eq(&r.cmid, &q->cmid))
		abort();
	/*
	 * The IV field of a v6 response is E(X0) (kms-protocol §4.7), so
	 * X0 == D(IVreq) puts the request IV on the wire exactly as reuse_iv
	 * does: the decoder reports what the wire shows, either way.
	 */
	if (q->major == 6 &&
	    r.iv_reused != (spec.reuse_iv || memcmp(spec.x0, q->div, 16) == 0))
		abort();
	/* Every shorter buffer is refused without writing past it. */
	if (kms_encode_response(&keys, out, on - 1, q, &spec) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *m;
	size_t n;

	if (size < 1)
		return 0;
	init();
	/* A copy of exactly the payload, so ASan sees any over-read. */
	n = size - 1;
	if ((m = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(m, data + 1, n);
	switch (data[0] % 5) {
	case 0:
		do_request(m, n);
		break;
	case 1:
		do_response(m, n, true);
		break;
	case 2:
		do_response(m, n, false);
		break;
	case 3:
		do_epid(m, n);
		break;
	default:
		do_encode(m, n);
		break;
	}
	free(m);
	return 0;
}
