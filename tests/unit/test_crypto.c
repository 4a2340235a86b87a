/*
 * Known-answer tests for the KMS ciphers, taken from the protocol doc:
 * the §4.10 table and the worked examples A (v4), B (v5) and C (v6) of
 * §13, plus round trips and a cross-check of the own AES against OpenSSL.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kmscrypto.h"
#include "kdtest.h"
#include "vectors.h"

/* The protocol document's section 13 dumps (tests/unit/vectors.h). */
static const char ex_a4[] = KDV_A4;

static const char ex_a6[] = KDV_A6;

static const char ex_b2[] = KDV_B2;

/* B.3: decrypted v5 request body (240 bytes) */
static const char ex_b3[] =
	    "00 00 05 00 01 00 00 00 02 00 00 00 c0 a8 00 00 "
	    "34 27 c9 55 82 d6 71 4d 98 3e d6 ec 3f 16 05 9f "
	    "ec 1b 8e 45 7a 83 f6 45 b9 d5 92 5e d5 d2 99 de "
	    "58 b3 40 3c 48 59 af 45 92 3b 53 d2 1f cc 7e 79 "
	    "64 64 e9 b6 96 f6 17 4d 80 eb 54 92 91 67 ab 9e "
	    "19 00 00 00 00 fa 47 79 e8 7c dd 01 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 77 00 69 00 "
	    "6e 00 38 00 2d 00 6b 00 69 00 6f 00 73 00 6b 00 "
	    "2d 00 30 00 33 00 2e 00 62 00 72 00 61 00 6e 00 "
	    "63 00 68 00 2e 00 65 00 78 00 61 00 6d 00 70 00 "
	    "6c 00 65 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 04 04 04 04";

static const char ex_b5[] = KDV_B5;

/* B.6: decrypted v5 response body (208 bytes) */
static const char ex_b6[] =
	    "00 00 05 00 64 00 00 00 30 00 33 00 36 00 31 00 "
	    "32 00 2d 00 30 00 30 00 32 00 30 00 36 00 2d 00 "
	    "35 00 36 00 31 00 2d 00 39 00 34 00 39 00 32 00 "
	    "35 00 37 00 2d 00 30 00 33 00 2d 00 31 00 30 00 "
	    "39 00 31 00 2d 00 31 00 34 00 33 00 39 00 33 00 "
	    "2e 00 30 00 30 00 30 00 30 00 2d 00 30 00 31 00 "
	    "31 00 32 00 30 00 32 00 32 00 00 00 64 64 e9 b6 "
	    "96 f6 17 4d 80 eb 54 92 91 67 ab 9e 00 fa 47 79 "
	    "e8 7c dd 01 32 00 00 00 78 00 00 00 60 27 00 00 "
	    "87 63 5a 6a f2 ef d6 7a 26 d7 fa 05 7e d4 3f c5 "
	    "17 ee 4f 17 9f 77 66 bc 68 c1 19 48 12 71 69 23 "
	    "4c 3f e3 dc 89 d4 09 95 2a fd a9 73 40 4f 30 a0 "
	    "10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10";

static const char ex_c5[] = KDV_C5;

/* C.6: decrypted v6 request body (240 bytes) */
static const char ex_c6[] =
	    "00 00 06 00 00 00 00 00 02 00 00 00 c0 a8 00 00 "
	    "34 27 c9 55 82 d6 71 4d 98 3e d6 ec 3f 16 05 9f "
	    "92 73 e6 2d a7 b7 2a 46 b1 ca 10 8d d1 89 f5 88 "
	    "4f 13 e2 58 11 8e 17 4d 9c b2 91 06 9c 15 11 48 "
	    "a4 f8 e4 8d 8c ff d0 4e b0 6f 61 0d a7 7b 0f 3a "
	    "19 00 00 00 00 ae 0c 7e e8 7c dd 01 11 de e6 e4 "
	    "e7 e3 d9 48 8a 82 4d 2e 12 15 44 a8 64 00 65 00 "
	    "73 00 6b 00 74 00 6f 00 70 00 2d 00 37 00 68 00 "
	    "32 00 6b 00 39 00 71 00 31 00 2e 00 63 00 6f 00 "
	    "72 00 70 00 2e 00 65 00 78 00 61 00 6d 00 70 00 "
	    "6c 00 65 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 04 04 04 04";

static const char ex_c7[] = KDV_C7;

/* C.8: decrypted v6 response body (240 bytes) */
static const char ex_c8[] =
	    "00 00 06 00 64 00 00 00 30 00 33 00 36 00 31 00 "
	    "32 00 2d 00 30 00 30 00 32 00 30 00 36 00 2d 00 "
	    "35 00 35 00 37 00 2d 00 31 00 36 00 33 00 35 00 "
	    "32 00 36 00 2d 00 30 00 33 00 2d 00 31 00 30 00 "
	    "33 00 37 00 2d 00 31 00 34 00 33 00 39 00 33 00 "
	    "2e 00 30 00 30 00 30 00 30 00 2d 00 30 00 36 00 "
	    "31 00 32 00 30 00 32 00 34 00 00 00 a4 f8 e4 8d "
	    "8c ff d0 4e b0 6f 61 0d a7 7b 0f 3a 00 ae 0c 7e "
	    "e8 7c dd 01 32 00 00 00 78 00 00 00 60 27 00 00 "
	    "10 60 37 56 e5 9e 50 c0 bb 12 a8 33 39 12 9c 83 "
	    "ce d4 1c 88 ea 4a 07 99 30 36 9b 6e 9d b3 6e cd "
	    "f0 59 d1 73 2b e3 f0 a7 78 bd a7 db a5 0b cb d5 "
	    "3a 1c 04 96 00 b6 00 76 7b 56 9d 3f d5 f7 3e 61 "
	    "49 cd 2c 87 b7 85 fa f2 bb 13 48 ae 0a 02 55 00 "
	    "56 63 7c 66 33 aa 94 ce 08 08 08 08 08 08 08 08";

static void
put_hex(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

/* Like KDT_MEMEQ against a hex string, but shows both sides on failure. */
#define CHECK_HEX(got, n, hex)	check_hex((got), (n), (hex), __LINE__)

static void
check_hex(const uint8_t *got, size_t n, const char *hex, int line)
{
	uint8_t	 want[512];
	size_t	 wn;

	wn = kdt_unhex(hex, want, sizeof(want));
	if (wn == n && memcmp(got, want, n) == 0) {
		kdt_passed++;
		return;
	}
	kdt_failed++;
	fprintf(stderr, "%s:%d: FAIL: bytes differ (%zu vs %zu)\n  got  ",
	    __FILE__, line, n, wn);
	put_hex(got, n);
	fprintf(stderr, "  want %s\n", hex);
}

/* Decode a dump and check it has the size the doc states. */
static void
load(const char *hex, uint8_t *buf, size_t cap, size_t want)
{
	KDT_CHECK(kdt_unhex(hex, buf, cap) == want);
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
xor16(uint8_t *dst, const uint8_t *a, const uint8_t *b)
{
	int	 i;

	for (i = 0; i < 16; i++)
		dst[i] = a[i] ^ b[i];
}

/* Deterministic filler for round trips and cross-checks. */
static uint8_t
next_byte(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return (uint8_t)(*st >> 24);
}

static void
fill(uint64_t *st, uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = next_byte(st);
}

/* The §4.10 table. */
static void
test_vectors(void)
{
	static const uint8_t	 zero[16];
	struct kms_cipher	 c;
	uint8_t			 out[16], back[16], a4[252];

	kms_cipher_init(&c, KMS_CIPHER_V5);
	kms_block_encrypt(&c, zero, out);
	CHECK_HEX(out, 16, "ec7c7e75b1923978eac4b2d2260235d5");
	kms_block_decrypt(&c, out, back);
	KDT_MEMEQ(back, zero, 16);

	kms_cipher_init(&c, KMS_CIPHER_V6);
	kms_block_encrypt(&c, zero, out);
	CHECK_HEX(out, 16, "8ca59de0c483c04aa7026a22d6dd208e");
	kms_block_decrypt(&c, out, back);
	KDT_MEMEQ(back, zero, 16);

	kms_cipher_init_aes128(&c, kms_key_v6);
	kms_block_encrypt(&c, zero, out);
	CHECK_HEX(out, 16, "b4c3c015f6fb320c9b64aecd52fa58c8");
	kms_block_decrypt(&c, out, back);
	KDT_MEMEQ(back, zero, 16);

	kms_cipher_init(&c, KMS_CIPHER_V4);
	KDT_CHECK(c.nrounds == 11);
	kms_block_encrypt(&c, zero, out);
	CHECK_HEX(out, 16, "933030f10e2e7782b80915d5778a4957");
	kms_block_decrypt(&c, out, back);
	KDT_MEMEQ(back, zero, 16);

	kms_v4_hash((const uint8_t *)"", 0, out);
	CHECK_HEX(out, 16, "d144963029e2bd12f9970c9f52b27f09");

	load(ex_a4, a4, sizeof(a4), 252);
	kms_v4_hash(a4, 0xec, out);
	CHECK_HEX(out, 16, "ae0ee6db7e0c071585a066f1841f90fe");
}

/* Textbook vectors: FIPS-197 appendix C.1 and the all-zero key. */
static void
test_fips197(void)
{
	static const uint8_t	 zero[16];
	struct kms_cipher	 c;
	uint8_t			 key[16], pt[16], out[16];

	KDT_CHECK(kdt_unhex("000102030405060708090a0b0c0d0e0f", key, 16) == 16);
	KDT_CHECK(kdt_unhex("00112233445566778899aabbccddeeff", pt, 16) == 16);
	kms_cipher_init_aes128(&c, key);
	KDT_CHECK(c.kind == KMS_CIPHER_AES128 && c.nrounds == 10);
	/* FIPS-197 A.1: the last round key of this key. */
	CHECK_HEX(c.rk + 160, 16, "13111d7fe3944a17f307a78b4d2b30c5");
	kms_block_encrypt(&c, pt, out);
	CHECK_HEX(out, 16, "69c4e0d86a7b0430d8cdb78070b4c55a");
	kms_block_decrypt(&c, out, out);
	KDT_MEMEQ(out, pt, 16);

	kms_cipher_init(&c, KMS_CIPHER_AES128);	/* all-zero key */
	kms_block_encrypt(&c, zero, out);
	CHECK_HEX(out, 16, "66e94bd4ef8a2c3b884cfa59ca342b2e");
}

/* The v6 schedule is AES-128's with exactly three bytes changed. */
static void
test_v6_schedule(void)
{
	struct kms_cipher	 std, v6;
	int			 i, diff = 0;

	kms_cipher_init_aes128(&std, kms_key_v6);
	kms_cipher_init(&v6, KMS_CIPHER_V6);
	for (i = 0; i < 176; i++)
		if (std.rk[i] != v6.rk[i])
			diff++;
	KDT_CHECK(diff == 3);
	KDT_CHECK((std.rk[64] ^ v6.rk[64]) == 0x73);
	KDT_CHECK((std.rk[96] ^ v6.rk[96]) == 0x09);
	KDT_CHECK((std.rk[128] ^ v6.rk[128]) == 0xe4);
	/* Round key 0 is the key itself. */
	KDT_MEMEQ(v6.rk, kms_key_v6, 16);
}

/* Example A: both v4 MACs. */
static void
test_example_a(void)
{
	struct kms_cipher	 v4;
	uint8_t			 a4[252], a6[158], mac[16];

	load(ex_a4, a4, sizeof(a4), 252);
	load(ex_a6, a6, sizeof(a6), 158);

	kms_v4_hash(a4, 0xec, mac);
	KDT_MEMEQ(mac, a4 + 0xec, 16);

	/* The response MAC covers 44 + PIDSize = 142 bytes. */
	kms_v4_hash(a6, 0x8e, mac);
	CHECK_HEX(mac, 16, "50137a4acc5f0c3a2ec4d44a1018b092");
	KDT_MEMEQ(mac, a6 + 0x8e, 16);

	kms_cipher_init(&v4, KMS_CIPHER_V4);
	kms_v4_hash_with(&v4, a6, 0x8e, mac);
	KDT_MEMEQ(mac, a6 + 0x8e, 16);

	/* One flipped bit in the ePID must show. */
	a6[0x20] ^= 0x01;
	kms_v4_hash(a6, 0x8e, mac);
	KDT_CHECK(memcmp(mac, a6 + 0x8e, 16) != 0);
}

/*
 * V4HASH padding: checked against CBC with a zero IV over a by-hand
 * padded copy, for tails of 0, 1, 12 and 15 bytes.
 */
static void
test_v4_padding(void)
{
	static const uint8_t	 zero[16];
	static const size_t	 lens[] = { 16, 17, 28, 31, 32 };
	struct kms_cipher	 v4;
	uint8_t			 msg[48], padded[48], mac[16];
	uint64_t		 st = 0x1234567887654321ULL;
	size_t			 i, plen;

	kms_cipher_init(&v4, KMS_CIPHER_V4);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fill(&st, msg, lens[i]);
		memset(padded, 0, sizeof(padded));
		memcpy(padded, msg, lens[i]);
		padded[lens[i]] = 0x80;
		plen = (lens[i] / 16 + 1) * 16;
		kms_cbc_encrypt(&v4, zero, padded, padded, plen);
		kms_v4_hash(msg, lens[i], mac);
		KDT_MEMEQ(mac, padded + plen - 16, 16);
	}
}

/* Example B: v5 request and response, salt check. */
static void
test_example_b(void)
{
	static const uint8_t	 zero[16];
	struct kms_cipher	 v5, own;
	uint8_t			 b2[260], b3[240], b5[228], b6[208];
	uint8_t			 buf[240], gen[16 + 208], div[16], r[16], h[32];

	load(ex_b2, b2, sizeof(b2), 260);
	load(ex_b3, b3, sizeof(b3), 240);
	load(ex_b5, b5, sizeof(b5), 228);
	load(ex_b6, b6, sizeof(b6), 208);
	kms_cipher_init(&v5, KMS_CIPHER_V5);
	kms_cipher_init_aes128(&own, kms_key_v5);

	/* Request: IV at 0x04, ciphertext at 0x14. */
	kms_cbc_decrypt(&v5, b2 + 4, b2 + 0x14, buf, 240);
	KDT_MEMEQ(buf, b3, 240);
	KDT_CHECK(kms_pkcs7_check(buf, 240) == 4);
	kms_cbc_encrypt(&v5, b2 + 4, b3, buf, 240);
	KDT_MEMEQ(buf, b2 + 0x14, 240);
	/* In place, and on the own AES. */
	memcpy(buf, b2 + 0x14, 240);
	kms_cbc_decrypt(&v5, b2 + 4, buf, buf, 240);
	KDT_MEMEQ(buf, b3, 240);
	memcpy(buf, b2 + 0x14, 240);
	kms_cbc_decrypt(&own, b2 + 4, buf, buf, 240);
	KDT_MEMEQ(buf, b3, 240);

	kms_block_decrypt(&v5, b2 + 4, div);
	CHECK_HEX(div, 16, "13367a2972b8c9e652fb1357f472550a");
	kms_block_decrypt(&own, b2 + 4, buf);
	KDT_MEMEQ(buf, div, 16);

	/* Response: v5 reuses the request IV. */
	KDT_MEMEQ(b5 + 4, b2 + 4, 16);
	kms_cbc_decrypt(&v5, b5 + 4, b5 + 0x14, buf, 208);
	KDT_MEMEQ(buf, b6, 208);
	KDT_CHECK(kms_pkcs7_check(buf, 208) == 16);

	xor16(r, b6 + 0x90, div);
	CHECK_HEX(r, 16, "9455204380571f9c742ce9528aa66acf");
	kms_sha256(r, 16, h);
	KDT_MEMEQ(h, b6 + 0xa0, 32);

	/* §4.7: vlmcsd encrypts [DIVreq, Q] with a zero IV. */
	memcpy(gen, div, 16);
	memcpy(gen + 16, b6, 208);
	kms_cbc_encrypt(&v5, zero, gen, gen, sizeof(gen));
	KDT_MEMEQ(gen, b5 + 4, 16);
	KDT_MEMEQ(gen + 16, b5 + 0x14, 208);
}

/* Example C: v6 request and response, salt, XoredIVs and HMAC. */
static void
test_example_c(void)
{
	static const uint8_t	 zero[16];
	struct kms_cipher	 v6, plain;
	uint8_t			 c5[292], c6[240], c7[300], c8[240];
	uint8_t			 buf[240], gen[16 + 240], hmsg[16 + 0xd8];
	uint8_t			 divreq[16], divresp[16], r[16], h[32];
	uint8_t			 le[8], key[16], field[16], md[EVP_MAX_MD_SIZE];
	const uint8_t		*req, *resp;
	uint64_t		 t, slot;
	unsigned int		 mdlen = 0;
	int			 i;

	load(ex_c5, c5, sizeof(c5), 292);
	load(ex_c6, c6, sizeof(c6), 240);
	load(ex_c7, c7, sizeof(c7), 300);
	load(ex_c8, c8, sizeof(c8), 240);
	req = c5 + 0x20;
	resp = c7 + 0x24;
	CHECK_HEX(req + 4, 16, "791db356c088510704fdaa834513951d");
	CHECK_HEX(resp + 4, 16, "539b29cf30bd3f66dad892ae1e5f6aa7");
	kms_cipher_init(&v6, KMS_CIPHER_V6);

	kms_cbc_decrypt(&v6, req + 4, req + 0x14, buf, 240);
	KDT_MEMEQ(buf, c6, 240);
	KDT_CHECK(kms_pkcs7_check(buf, 240) == 4);
	kms_cbc_encrypt(&v6, req + 4, c6, buf, 240);
	KDT_MEMEQ(buf, req + 0x14, 240);

	/* The tweak matters: plain AES-128 with the V6 key gets garbage. */
	kms_cipher_init_aes128(&plain, kms_key_v6);
	kms_cbc_decrypt(&plain, req + 4, req + 0x14, buf, 240);
	KDT_CHECK(memcmp(buf, c6, 240) != 0);

	kms_block_decrypt(&v6, req + 4, divreq);
	CHECK_HEX(divreq, 16, "7b569d3fd5f73e6149cd2c87b785faf2");

	memcpy(buf, resp + 0x14, 240);
	kms_cbc_decrypt(&v6, resp + 4, buf, buf, 240);
	KDT_MEMEQ(buf, c8, 240);
	KDT_CHECK(kms_pkcs7_check(buf, 240) == 8);

	xor16(r, c8 + 0x90, divreq);
	CHECK_HEX(r, 16, "6b36aa6930696ea1f2df84b48e976671");
	kms_sha256(r, 16, h);
	KDT_MEMEQ(h, c8 + 0xa0, 32);
	KDT_MEMEQ(c8 + 0xc8, divreq, 16);		/* XoredIVs */

	kms_block_decrypt(&v6, resp + 4, divresp);
	CHECK_HEX(divresp, 16, "1f07d5e62cc36dbc9f4081c0b6cff5f0");

	/* §4.7: [IVresp, ciphertext] = CBC-E(zero IV, [DIVresp, Q6 + pad]). */
	memcpy(gen, divresp, 16);
	memcpy(gen + 16, c8, 240);
	kms_cbc_encrypt(&v6, zero, gen, gen, sizeof(gen));
	KDT_MEMEQ(gen, resp + 4, 16);
	KDT_MEMEQ(gen + 16, resp + 0x14, 240);

	/* HMAC, step by step as the doc derives it. */
	t = le64(c8 + 0x7c);
	KDT_CHECK(t == UINT64_C(134400901880000000));
	KDT_CHECK(t == le64(c6 + 0x54));
	slot = kms_v6_time_slot(t);
	KDT_CHECK(slot == UINT64_C(0x331939c4da760b62));
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(slot >> (8 * i));
	kms_sha256(le, 8, h);
	CHECK_HEX(h, 32, "589c42987a1831184307be8077fddb2b"
	    "089dde93ef1baa4f536f34f80a7af1bf");
	kms_v6_hmac_key(t, key);
	CHECK_HEX(key, 16, "089dde93ef1baa4f536f34f80a7af1bf");

	memcpy(hmsg, divresp, 16);
	memcpy(hmsg + 16, c8, 0xd8);
	KDT_CHECK(HMAC(EVP_sha256(), key, 16, hmsg, sizeof(hmsg), md,
	    &mdlen) != NULL && mdlen == 32);
	CHECK_HEX(md, 32, "8411c2004a54dcf58a7fcc474a53ba6d"
	    "bb1348ae0a02550056637c6633aa94ce");
	kms_v6_hmac(t, hmsg, sizeof(hmsg), field);
	CHECK_HEX(field, 16, "bb1348ae0a02550056637c6633aa94ce");
	KDT_MEMEQ(field, c8 + 0xd8, 16);

	/* The next slot (vlmcs's skew allowance) keys differently. */
	kms_v6_hmac(t + UINT64_C(0x22816889bd), hmsg, sizeof(hmsg), field);
	KDT_CHECK(memcmp(field, c8 + 0xd8, 16) != 0);
	hmsg[0x30] ^= 0x80;
	kms_v6_hmac(t, hmsg, sizeof(hmsg), field);
	KDT_CHECK(memcmp(field, c8 + 0xd8, 16) != 0);
}

/* Encrypt then decrypt, separate buffers and in place, every kind. */
static void
test_roundtrip(void)
{
	static const size_t	 lens[] = { 16, 32, 240, 1024 };
	static const enum kms_cipher_kind kinds[] = {
		KMS_CIPHER_V4, KMS_CIPHER_V5, KMS_CIPHER_V6, KMS_CIPHER_AES128
	};
	struct kms_cipher	 c;
	uint8_t			 pt[1024 + 16], ct[1024 + 16], back[1024 + 16];
	uint8_t			 iv[16];
	uint64_t		 st = 0x9e3779b97f4a7c15ULL;
	size_t			 k, i;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		kms_cipher_init(&c, kinds[k]);
		KDT_CHECK(c.kind == kinds[k]);
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			fill(&st, pt, lens[i]);
			fill(&st, iv, 16);
			kms_cbc_encrypt(&c, iv, pt, ct, lens[i]);
			KDT_CHECK(memcmp(ct, pt, lens[i]) != 0);
			kms_cbc_decrypt(&c, iv, ct, back, lens[i]);
			KDT_MEMEQ(back, pt, lens[i]);

			memcpy(back, pt, lens[i]);
			kms_cbc_encrypt(&c, iv, back, back, lens[i]);
			KDT_MEMEQ(back, ct, lens[i]);
			kms_cbc_decrypt(&c, iv, back, back, lens[i]);
			KDT_MEMEQ(back, pt, lens[i]);
		}
		kms_block_encrypt(&c, pt, ct);
		kms_block_decrypt(&c, ct, back);
		KDT_MEMEQ(back, pt, 16);

		/* A trailing partial block is left alone. */
		fill(&st, pt, 20);
		memcpy(ct, pt, 20);
		kms_cbc_encrypt(&c, iv, ct, ct, 20);
		KDT_MEMEQ(ct + 16, pt + 16, 4);
		kms_cbc_decrypt(&c, iv, ct, ct, 20);
		KDT_MEMEQ(ct, pt, 20);
	}
}

static void
evp_ecb(const uint8_t key[16], int enc, const uint8_t *in, uint8_t *out,
    size_t len)
{
	EVP_CIPHER_CTX	*ctx;
	int		 n = 0;

	ctx = EVP_CIPHER_CTX_new();
	KDT_CHECK(ctx != NULL);
	if (ctx == NULL)
		return;
	KDT_CHECK(EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL,
	    enc) == 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	KDT_CHECK(EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	    (size_t)n == len);
	EVP_CIPHER_CTX_free(ctx);
}

/* The own AES-128 (no tweak) against OpenSSL, several keys and blocks. */
static void
test_vs_openssl(void)
{
	struct kms_cipher	 own, v5;
	uint8_t			 key[16], iv[16], pt[128], a[128], b[128];
	uint64_t		 st = 0xdeadbeefcafef00dULL;
	size_t			 off;
	int			 k;

	for (k = 0; k < 6; k++) {
		if (k == 0)
			memcpy(key, kms_key_v5, 16);
		else
			fill(&st, key, 16);
		fill(&st, pt, sizeof(pt));
		kms_cipher_init_aes128(&own, key);
		for (off = 0; off < sizeof(pt); off += 16)
			kms_block_encrypt(&own, pt + off, a + off);
		evp_ecb(key, 1, pt, b, sizeof(pt));
		KDT_MEMEQ(a, b, sizeof(pt));
		for (off = 0; off < sizeof(pt); off += 16)
			kms_block_decrypt(&own, pt + off, a + off);
		evp_ecb(key, 0, pt, b, sizeof(pt));
		KDT_MEMEQ(a, b, sizeof(pt));
	}

	/* CBC: the OpenSSL path of V5 against the own path, same key. */
	kms_cipher_init(&v5, KMS_CIPHER_V5);
	kms_cipher_init_aes128(&own, kms_key_v5);
	fill(&st, iv, 16);
	fill(&st, pt, sizeof(pt));
	kms_cbc_encrypt(&v5, iv, pt, a, sizeof(pt));
	kms_cbc_encrypt(&own, iv, pt, b, sizeof(pt));
	KDT_MEMEQ(a, b, sizeof(pt));
	kms_cbc_decrypt(&v5, iv, pt, a, sizeof(pt));
	kms_cbc_decrypt(&own, iv, pt, b, sizeof(pt));
	KDT_MEMEQ(a, b, sizeof(pt));
}

static void
test_sha256(void)
{
	uint8_t	 h[32];

	kms_sha256("abc", 3, h);
	CHECK_HEX(h, 32, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	kms_sha256(NULL, 0, h);
	CHECK_HEX(h, 32, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

static void
test_pkcs7(void)
{
	uint8_t	 b[48];

	memset(b, 0xaa, sizeof(b));
	b[31] = 0x01;
	KDT_CHECK(kms_pkcs7_check(b, 32) == 1);
	memset(b + 28, 0x04, 4);
	KDT_CHECK(kms_pkcs7_check(b, 32) == 4);
	b[29] = 0x05;
	KDT_CHECK(kms_pkcs7_check(b, 32) == 0);
	memset(b + 16, 0x10, 16);
	KDT_CHECK(kms_pkcs7_check(b, 32) == 16);
	b[16] = 0x0f;
	KDT_CHECK(kms_pkcs7_check(b, 32) == 0);
	/* A pad of 16 may fill the whole buffer; more may not. */
	memset(b, 0x10, 16);
	KDT_CHECK(kms_pkcs7_check(b, 16) == 16);
	memset(b, 0x11, 48);
	KDT_CHECK(kms_pkcs7_check(b, 48) == 0);
	b[47] = 0x00;
	KDT_CHECK(kms_pkcs7_check(b, 48) == 0);
	memset(b, 0x02, 48);
	KDT_CHECK(kms_pkcs7_check(b, 0) == 0);
	KDT_CHECK(kms_pkcs7_check(b, 18) == 0);	/* not whole blocks */
	KDT_CHECK(kms_pkcs7_check(b, 48) == 2);
	KDT_CHECK(kms_pkcs7_check(NULL, 16) == 0);
}

/* Random keys, IVs and lengths: the AES-NI path against the tables. */
static void
test_impls_agree(void)
{
	struct kms_cipher	 c;
	uint8_t			 key[16], iv[16], pt[160], a[160], b[160];
	uint8_t			 ma[16], mb[16];
	uint64_t		 st = 0x0123456789abcdefULL;
	size_t			 len;
	int			 kind, k;

	if (kms_crypto_impl(KMS_IMPL_AESNI) != KMS_IMPL_AESNI) {
		printf("test_crypto: no AES-NI on this CPU, cross-check skipped\n");
		kms_crypto_impl(KMS_IMPL_AUTO);
		return;
	}
	for (k = 0; k < 40; k++) {
		kind = k % 4;
		fill(&st, key, 16);
		fill(&st, iv, 16);
		fill(&st, pt, sizeof(pt));
		if (kind == 3)
			kms_cipher_init_aes128(&c, key);
		else
			kms_cipher_init(&c, kind == 0 ? KMS_CIPHER_V4 :
			    kind == 1 ? KMS_CIPHER_V6 : KMS_CIPHER_V5);
		/* 1 to 10 blocks: the four-way decryption and its tail. */
		len = 16 * (size_t)(1 + k % 10);
		kms_crypto_impl(KMS_IMPL_TABLES);
		kms_cbc_encrypt(&c, iv, pt, a, len);
		kms_crypto_impl(KMS_IMPL_AESNI);
		kms_cbc_encrypt(&c, iv, pt, b, len);
		KDT_MEMEQ(a, b, len);
		kms_crypto_impl(KMS_IMPL_TABLES);
		kms_cbc_decrypt(&c, iv, pt, a, len);
		kms_crypto_impl(KMS_IMPL_AESNI);
		memcpy(b, pt, len);
		kms_cbc_decrypt(&c, iv, b, b, len);	/* in place */
		KDT_MEMEQ(a, b, len);
		kms_crypto_impl(KMS_IMPL_TABLES);
		kms_block_encrypt(&c, pt, a);
		kms_block_decrypt(&c, pt + 16, a + 16);
		kms_v4_hash_with(&c, pt, len - (size_t)k % 16, ma);
		kms_crypto_impl(KMS_IMPL_AESNI);
		kms_block_encrypt(&c, pt, b);
		kms_block_decrypt(&c, pt + 16, b + 16);
		kms_v4_hash_with(&c, pt, len - (size_t)k % 16, mb);
		KDT_MEMEQ(a, b, 32);
		KDT_MEMEQ(ma, mb, 16);
	}
	kms_crypto_impl(KMS_IMPL_AUTO);
}

/*
 * The per-thread contexts are re-initialised per call: alternate keys
 * (time slots), IVs and directions and compare with one-shot OpenSSL.
 */
static void
test_context_reuse(void)
{
	struct kms_cipher	 v5;
	EVP_CIPHER_CTX		*ctx;
	uint8_t			 iv[16], pt[64], a[64], b[64], key[16];
	uint8_t			 md[32], h[16];
	uint64_t		 st = 0xfeedfacecafebeefULL;
	uint64_t		 times[] = { 0, 0, UINT64_C(133500000000000000),
				    UINT64_C(133500000000000001),
				    UINT64_C(133600000000000000), 0 };
	unsigned int		 mdlen;
	int			 i, n;

	kms_cipher_init(&v5, KMS_CIPHER_V5);
	for (i = 0; i < 6; i++) {
		fill(&st, iv, 16);
		fill(&st, pt, sizeof(pt));
		ctx = EVP_CIPHER_CTX_new();
		KDT_CHECK(ctx != NULL);
		if (ctx == NULL)
			return;
		EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, kms_key_v5, iv,
		    i % 2);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		EVP_CipherUpdate(ctx, b, &n, pt, (int)sizeof(pt));
		EVP_CIPHER_CTX_free(ctx);
		if (i % 2)
			kms_cbc_encrypt(&v5, iv, pt, a, sizeof(pt));
		else
			kms_cbc_decrypt(&v5, iv, pt, a, sizeof(pt));
		KDT_MEMEQ(a, b, sizeof(pt));

		kms_v6_hmac(times[i], pt, 16 + (size_t)i * 7, h);
		kms_v6_hmac_key(times[i], key);
		HMAC(EVP_sha256(), key, 16, pt, 16 + (size_t)i * 7, md, &mdlen);
		KDT_MEMEQ(h, md + 16, 16);
	}
}

/*
 * Each thread has its own OpenSSL contexts: four threads decrypting,
 * hashing and MACing at once (keys and time slots changing every round)
 * get what one thread gets alone.
 */
static uint8_t	thread_ref[5][3][64];

static void
worker_round(uint8_t out[3][64], int k)
{
	struct kms_cipher	 v5;
	uint8_t			 iv[16], msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)(i * 7 + k);
	memset(iv, k, sizeof(iv));
	memset(out, 0, 3 * 64);
	kms_cipher_init(&v5, KMS_CIPHER_V5);
	kms_cbc_decrypt(&v5, iv, msg, out[0], 64);
	kms_sha256(msg, 40, out[1]);
	kms_v6_hmac(UINT64_C(133500000000000000) +
	    (uint64_t)k * UINT64_C(10000000000000), msg, 48, out[2]);
}

static void *
worker_main(void *arg)
{
	int		*bad = arg;
	uint8_t		 got[3][64];

	for (int r = 0; r < 2000; r++) {
		worker_round(got, r % 5);
		if (memcmp(got, thread_ref[r % 5], sizeof(got)) != 0)
			(*bad)++;
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t	 th[4];
	int		 bad[4] = { 0, 0, 0, 0 }, i, started = 0;

	for (i = 0; i < 5; i++)
		worker_round(thread_ref[i], i);
	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, worker_main, &bad[i]) == 0)
			started++;
	KDT_CHECK(started == 4);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	KDT_CHECK(bad[0] + bad[1] + bad[2] + bad[3] == 0);
}

static void
run_all(void)
{
	test_vectors();
	test_fips197();
	test_v6_schedule();
	test_example_a();
	test_v4_padding();
	test_example_b();
	test_example_c();
	test_roundtrip();
	test_vs_openssl();
	test_sha256();
	test_pkcs7();
	test_context_reuse();
}

/* Every known answer on the tables, then on AES-NI where the CPU has it. */
int
main(void)
{
	kms_crypto_impl(KMS_IMPL_TABLES);
	run_all();
	if (kms_crypto_impl(KMS_IMPL_AESNI) == KMS_IMPL_AESNI)
		run_all();
	else
		printf("test_crypto: no AES-NI on this CPU, tables only\n");
	test_impls_agree();
	test_threads();
	return KDT_DONE("test_crypto");
}
