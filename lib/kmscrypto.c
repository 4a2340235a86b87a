/*
 * KMS ciphers: a small table-driven Rijndael for v4 (160-bit key, 11
 * rounds) and v6 (AES-128 with a patched key schedule), run on the AES
 * instructions when the CPU has them, and OpenSSL for the standard pieces
 * (AES-128 for v5, SHA-256, HMAC-SHA-256).  Protocol doc §4.4-§4.7 and
 * §4.10.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "kmscrypto.h"

const uint8_t kms_key_v4[20] = {
	0x05, 0x3d, 0x83, 0x07, 0xf9, 0xe5, 0xf0, 0x88, 0xeb, 0x5e,
	0xa6, 0x68, 0x6c, 0xf0, 0x37, 0xc7, 0xe4, 0xef, 0xd2, 0xd6
};
const uint8_t kms_key_v5[16] = {
	0xcd, 0x7e, 0x79, 0x6f, 0x2a, 0xb2, 0x5d, 0xcb,
	0x55, 0xff, 0xc8, 0xef, 0x83, 0x64, 0xc4, 0x70
};
const uint8_t kms_key_v6[16] = {
	0xa9, 0x4a, 0x41, 0x95, 0xe2, 0x01, 0x43, 0x2d,
	0x9b, 0xcb, 0x46, 0x04, 0x05, 0xd8, 0x4a, 0x21
};

/*
 * The S-box and its inverse (FIPS-197 figures 7 and 14), written once as
 * lists so that every lookup table below is derived from them by the
 * compiler instead of being a further 256-entry block of hex to trust.
 */
#define SBOX_LIST(X) \
	X(0x63) X(0x7c) X(0x77) X(0x7b) X(0xf2) X(0x6b) X(0x6f) X(0xc5) \
	X(0x30) X(0x01) X(0x67) X(0x2b) X(0xfe) X(0xd7) X(0xab) X(0x76) \
	X(0xca) X(0x82) X(0xc9) X(0x7d) X(0xfa) X(0x59) X(0x47) X(0xf0) \
	X(0xad) X(0xd4) X(0xa2) X(0xaf) X(0x9c) X(0xa4) X(0x72) X(0xc0) \
	X(0xb7) X(0xfd) X(0x93) X(0x26) X(0x36) X(0x3f) X(0xf7) X(0xcc) \
	X(0x34) X(0xa5) X(0xe5) X(0xf1) X(0x71) X(0xd8) X(0x31) X(0x15) \
	X(0x04) X(0xc7) X(0x23) X(0xc3) X(0x18) X(0x96) X(0x05) X(0x9a) \
	X(0x07) X(0x12) X(0x80) X(0xe2) X(0xeb) X(0x27) X(0xb2) X(0x75) \
	X(0x09) X(0x83) X(0x2c) X(0x1a) X(0x1b) X(0x6e) X(0x5a) X(0xa0) \
	X(0x52) X(0x3b) X(0xd6) X(0xb3) X(0x29) X(0xe3) X(0x2f) X(0x84) \
	X(0x53) X(0xd1) X(0x00) X(0xed) X(0x20) X(0xfc) X(0xb1) X(0x5b) \
	X(0x6a) X(0xcb) X(0xbe) X(0x39) X(0x4a) X(0x4c) X(0x58) X(0xcf) \
	X(0xd0) X(0xef) X(0xaa) X(0xfb) X(0x43) X(0x4d) X(0x33) X(0x85) \
	X(0x45) X(0xf9) X(0x02) X(0x7f) X(0x50) X(0x3c) X(0x9f) X(0xa8) \
	X(0x51) X(0xa3) X(0x40) X(0x8f) X(0x92) X(0x9d) X(0x38) X(0xf5) \
	X(0xbc) X(0xb6) X(0xda) X(0x21) X(0x10) X(0xff) X(0xf3) X(0xd2) \
	X(0xcd) X(0x0c) X(0x13) X(0xec) X(0x5f) X(0x97) X(0x44) X(0x17) \
	X(0xc4) X(0xa7) X(0x7e) X(0x3d) X(0x64) X(0x5d) X(0x19) X(0x73) \
	X(0x60) X(0x81) X(0x4f) X(0xdc) X(0x22) X(0x2a) X(0x90) X(0x88) \
	X(0x46) X(0xee) X(0xb8) X(0x14) X(0xde) X(0x5e) X(0x0b) X(0xdb) \
	X(0xe0) X(0x32) X(0x3a) X(0x0a) X(0x49) X(0x06) X(0x24) X(0x5c) \
	X(0xc2) X(0xd3) X(0xac) X(0x62) X(0x91) X(0x95) X(0xe4) X(0x79) \
	X(0xe7) X(0xc8) X(0x37) X(0x6d) X(0x8d) X(0xd5) X(0x4e) X(0xa9) \
	X(0x6c) X(0x56) X(0xf4) X(0xea) X(0x65) X(0x7a) X(0xae) X(0x08) \
	X(0xba) X(0x78) X(0x25) X(0x2e) X(0x1c) X(0xa6) X(0xb4) X(0xc6) \
	X(0xe8) X(0xdd) X(0x74) X(0x1f) X(0x4b) X(0xbd) X(0x8b) X(0x8a) \
	X(0x70) X(0x3e) X(0xb5) X(0x66) X(0x48) X(0x03) X(0xf6) X(0x0e) \
	X(0x61) X(0x35) X(0x57) X(0xb9) X(0x86) X(0xc1) X(0x1d) X(0x9e) \
	X(0xe1) X(0xf8) X(0x98) X(0x11) X(0x69) X(0xd9) X(0x8e) X(0x94) \
	X(0x9b) X(0x1e) X(0x87) X(0xe9) X(0xce) X(0x55) X(0x28) X(0xdf) \
	X(0x8c) X(0xa1) X(0x89) X(0x0d) X(0xbf) X(0xe6) X(0x42) X(0x68) \
	X(0x41) X(0x99) X(0x2d) X(0x0f) X(0xb0) X(0x54) X(0xbb) X(0x16)

#define INV_SBOX_LIST(X) \
	X(0x52) X(0x09) X(0x6a) X(0xd5) X(0x30) X(0x36) X(0xa5) X(0x38) \
	X(0xbf) X(0x40) X(0xa3) X(0x9e) X(0x81) X(0xf3) X(0xd7) X(0xfb) \
	X(0x7c) X(0xe3) X(0x39) X(0x82) X(0x9b) X(0x2f) X(0xff) X(0x87) \
	X(0x34) X(0x8e) X(0x43) X(0x44) X(0xc4) X(0xde) X(0xe9) X(0xcb) \
	X(0x54) X(0x7b) X(0x94) X(0x32) X(0xa6) X(0xc2) X(0x23) X(0x3d) \
	X(0xee) X(0x4c) X(0x95) X(0x0b) X(0x42) X(0xfa) X(0xc3) X(0x4e) \
	X(0x08) X(0x2e) X(0xa1) X(0x66) X(0x28) X(0xd9) X(0x24) X(0xb2) \
	X(0x76) X(0x5b) X(0xa2) X(0x49) X(0x6d) X(0x8b) X(0xd1) X(0x25) \
	X(0x72) X(0xf8) X(0xf6) X(0x64) X(0x86) X(0x68) X(0x98) X(0x16) \
	X(0xd4) X(0xa4) X(0x5c) X(0xcc) X(0x5d) X(0x65) X(0xb6) X(0x92) \
	X(0x6c) X(0x70) X(0x48) X(0x50) X(0xfd) X(0xed) X(0xb9) X(0xda) \
	X(0x5e) X(0x15) X(0x46) X(0x57) X(0xa7) X(0x8d) X(0x9d) X(0x84) \
	X(0x90) X(0xd8) X(0xab) X(0x00) X(0x8c) X(0xbc) X(0xd3) X(0x0a) \
	X(0xf7) X(0xe4) X(0x58) X(0x05) X(0xb8) X(0xb3) X(0x45) X(0x06) \
	X(0xd0) X(0x2c) X(0x1e) X(0x8f) X(0xca) X(0x3f) X(0x0f) X(0x02) \
	X(0xc1) X(0xaf) X(0xbd) X(0x03) X(0x01) X(0x13) X(0x8a) X(0x6b) \
	X(0x3a) X(0x91) X(0x11) X(0x41) X(0x4f) X(0x67) X(0xdc) X(0xea) \
	X(0x97) X(0xf2) X(0xcf) X(0xce) X(0xf0) X(0xb4) X(0xe6) X(0x73) \
	X(0x96) X(0xac) X(0x74) X(0x22) X(0xe7) X(0xad) X(0x35) X(0x85) \
	X(0xe2) X(0xf9) X(0x37) X(0xe8) X(0x1c) X(0x75) X(0xdf) X(0x6e) \
	X(0x47) X(0xf1) X(0x1a) X(0x71) X(0x1d) X(0x29) X(0xc5) X(0x89) \
	X(0x6f) X(0xb7) X(0x62) X(0x0e) X(0xaa) X(0x18) X(0xbe) X(0x1b) \
	X(0xfc) X(0x56) X(0x3e) X(0x4b) X(0xc6) X(0xd2) X(0x79) X(0x20) \
	X(0x9a) X(0xdb) X(0xc0) X(0xfe) X(0x78) X(0xcd) X(0x5a) X(0xf4) \
	X(0x1f) X(0xdd) X(0xa8) X(0x33) X(0x88) X(0x07) X(0xc7) X(0x31) \
	X(0xb1) X(0x12) X(0x10) X(0x59) X(0x27) X(0x80) X(0xec) X(0x5f) \
	X(0x60) X(0x51) X(0x7f) X(0xa9) X(0x19) X(0xb5) X(0x4a) X(0x0d) \
	X(0x2d) X(0xe5) X(0x7a) X(0x9f) X(0x93) X(0xc9) X(0x9c) X(0xef) \
	X(0xa0) X(0xe0) X(0x3b) X(0x4d) X(0xae) X(0x2a) X(0xf5) X(0xb0) \
	X(0xc8) X(0xeb) X(0xbb) X(0x3c) X(0x83) X(0x53) X(0x99) X(0x61) \
	X(0x17) X(0x2b) X(0x04) X(0x7e) X(0xba) X(0x77) X(0xd6) X(0x26) \
	X(0xe1) X(0x69) X(0x14) X(0x63) X(0x55) X(0x21) X(0x0c) X(0x7d)

/* Multiplication in GF(2^8) by small constants, as constant expressions. */
#define XT(x)	((((x) << 1) ^ (((x) & 0x80) ? 0x11b : 0)) & 0xff)
#define M2(x)	XT(x)
#define M3(x)	(XT(x) ^ (x))
#define M4(x)	XT(XT(x))
#define M8(x)	XT(XT(XT(x)))
#define M9(x)	(M8(x) ^ (x))
#define M11(x)	(M8(x) ^ M2(x) ^ (x))
#define M13(x)	(M8(x) ^ M4(x) ^ (x))
#define M14(x)	(M8(x) ^ M4(x) ^ M2(x))
#define W(a, b, c, d)	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			    ((uint32_t)(c) << 8) | (uint32_t)(d))

/*
 * Round tables: Te fuses SubBytes and MixColumns for one input byte, Td
 * fuses InvSubBytes and InvMixColumns.  Words are big-endian, so byte 0
 * of a round key is the top byte of its first word (as in OpenSSL's C code).
 */
#define BYTE(s)	(s),
#define TE0(s)	W(M2(s), (s), (s), M3(s)),
#define TE1(s)	W(M3(s), M2(s), (s), (s)),
#define TE2(s)	W((s), M3(s), M2(s), (s)),
#define TE3(s)	W((s), (s), M3(s), M2(s)),
#define TD0(s)	W(M14(s), M9(s), M13(s), M11(s)),
#define TD1(s)	W(M11(s), M14(s), M9(s), M13(s)),
#define TD2(s)	W(M13(s), M11(s), M14(s), M9(s)),
#define TD3(s)	W(M9(s), M13(s), M11(s), M14(s)),

static const uint8_t	sbox[256] = { SBOX_LIST(BYTE) };
static const uint8_t	isbox[256] = { INV_SBOX_LIST(BYTE) };
static const uint32_t	te0[256] = { SBOX_LIST(TE0) };
static const uint32_t	te1[256] = { SBOX_LIST(TE1) };
static const uint32_t	te2[256] = { SBOX_LIST(TE2) };
static const uint32_t	te3[256] = { SBOX_LIST(TE3) };
static const uint32_t	td0[256] = { INV_SBOX_LIST(TD0) };
static const uint32_t	td1[256] = { INV_SBOX_LIST(TD1) };
static const uint32_t	td2[256] = { INV_SBOX_LIST(TD2) };
static const uint32_t	td3[256] = { INV_SBOX_LIST(TD3) };

/* Rcon[i] for i = 1..10; AES-128 needs all ten, Nk = 5 stops at 9. */
static const uint8_t	rcon[11] = {
	0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36
};

/*
 * EVP takes int lengths; feed longer buffers in block-aligned pieces.
 * (Not INT_MAX: with -Ilib, <limits.h> is the project's caps header.)
 */
#define EVP_CHUNK	(1 << 30)

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
sub_word(uint32_t w)
{
	return W(sbox[w >> 24], sbox[(w >> 16) & 0xff],
	    sbox[(w >> 8) & 0xff], sbox[w & 0xff]);
}

/*
 * InvMixColumns of one column.  td0[sbox[b]] is InvMixColumns applied to
 * the byte b alone, so the S-box lookups cancel the inverse S-box that
 * is built into the Td tables.
 */
static uint32_t
inv_mix_word(uint32_t w)
{
	return td0[sbox[w >> 24]] ^ td1[sbox[(w >> 16) & 0xff]] ^
	    td2[sbox[(w >> 8) & 0xff]] ^ td3[sbox[w & 0xff]];
}

/*
 * The ordinary Rijndael key schedule for Nk = 4 or 5 (§4.4), written as
 * bytes into c->rk.  The Nk > 6 extra SubWord step never applies here.
 */
static void
expand_key(struct kms_cipher *c, const uint8_t *key, int nk, int nrounds)
{
	uint32_t	 w[4 * 15], t;
	int		 i, nw = 4 * (nrounds + 1);

	for (i = 0; i < nk; i++)
		w[i] = load_be32(key + 4 * i);
	for (; i < nw; i++) {
		t = w[i - 1];
		if (i % nk == 0)
			t = sub_word(t << 8 | t >> 24) ^
			    (uint32_t)rcon[i / nk] << 24;
		w[i] = w[i - nk] ^ t;
	}
	for (i = 0; i < nw; i++)
		store_be32(c->rk + 4 * i, w[i]);
	c->nrounds = nrounds;
}

/*
 * Derive the word schedules from c->rk, after any v6 patching.  Decryption
 * uses the equivalent inverse cipher (FIPS-197 §5.3.5): the inner round
 * keys are passed through InvMixColumns.  Because that happens to the
 * already patched bytes, the result equals the plain inverse cipher run
 * over the patched encryption keys in reverse, which is what §4.10 asks
 * for; patching a library's pre-transformed schedule would not.
 */
static void
schedule_words(struct kms_cipher *c)
{
	int	 i, nw = 4 * (c->nrounds + 1);

	for (i = 0; i < nw; i++) {
		c->ek[i] = load_be32(c->rk + 4 * i);
		if (i < 4 || i >= nw - 4)
			c->dk[i] = c->ek[i];
		else
			c->dk[i] = inv_mix_word(c->ek[i]);
		store_be32(c->rkd + 4 * i, c->dk[i]);
	}
}

static void
rijndael_encrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	const uint32_t	*rk = c->ek;
	uint32_t	 s0, s1, s2, s3, t0, t1, t2, t3;
	int		 r;

	s0 = load_be32(in) ^ rk[0];
	s1 = load_be32(in + 4) ^ rk[1];
	s2 = load_be32(in + 8) ^ rk[2];
	s3 = load_be32(in + 12) ^ rk[3];
	for (r = 1; r < c->nrounds; r++) {
		rk += 4;
		t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 0xff] ^
		    te2[(s2 >> 8) & 0xff] ^ te3[s3 & 0xff] ^ rk[0];
		t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 0xff] ^
		    te2[(s3 >> 8) & 0xff] ^ te3[s0 & 0xff] ^ rk[1];
		t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 0xff] ^
		    te2[(s0 >> 8) & 0xff] ^ te3[s1 & 0xff] ^ rk[2];
		t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 0xff] ^
		    te2[(s1 >> 8) & 0xff] ^ te3[s2 & 0xff] ^ rk[3];
		s0 = t0;
		s1 = t1;
		s2 = t2;
		s3 = t3;
	}
	/* The last round has no MixColumns. */
	rk += 4;
	store_be32(out, W(sbox[s0 >> 24], sbox[(s1 >> 16) & 0xff],
	    sbox[(s2 >> 8) & 0xff], sbox[s3 & 0xff]) ^ rk[0]);
	store_be32(out + 4, W(sbox[s1 >> 24], sbox[(s2 >> 16) & 0xff],
	    sbox[(s3 >> 8) & 0xff], sbox[s0 & 0xff]) ^ rk[1]);
	store_be32(out + 8, W(sbox[s2 >> 24], sbox[(s3 >> 16) & 0xff],
	    sbox[(s0 >> 8) & 0xff], sbox[s1 & 0xff]) ^ rk[2]);
	store_be32(out + 12, W(sbox[s3 >> 24], sbox[(s0 >> 16) & 0xff],
	    sbox[(s1 >> 8) & 0xff], sbox[s2 & 0xff]) ^ rk[3]);
}

static void
rijndael_decrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	const uint32_t	*rk = c->dk + 4 * c->nrounds;
	uint32_t	 s0, s1, s2, s3, t0, t1, t2, t3;
	int		 r;

	s0 = load_be32(in) ^ rk[0];
	s1 = load_be32(in + 4) ^ rk[1];
	s2 = load_be32(in + 8) ^ rk[2];
	s3 = load_be32(in + 12) ^ rk[3];
	for (r = c->nrounds - 1; r > 0; r--) {
		rk -= 4;
		t0 = td0[s0 >> 24] ^ td1[(s3 >> 16) & 0xff] ^
		    td2[(s2 >> 8) & 0xff] ^ td3[s1 & 0xff] ^ rk[0];
		t1 = td0[s1 >> 24] ^ td1[(s0 >> 16) & 0xff] ^
		    td2[(s3 >> 8) & 0xff] ^ td3[s2 & 0xff] ^ rk[1];
		t2 = td0[s2 >> 24] ^ td1[(s1 >> 16) & 0xff] ^
		    td2[(s0 >> 8) & 0xff] ^ td3[s3 & 0xff] ^ rk[2];
		t3 = td0[s3 >> 24] ^ td1[(s2 >> 16) & 0xff] ^
		    td2[(s1 >> 8) & 0xff] ^ td3[s0 & 0xff] ^ rk[3];
		s0 = t0;
		s1 = t1;
		s2 = t2;
		s3 = t3;
	}
	rk -= 4;
	store_be32(out, W(isbox[s0 >> 24], isbox[(s3 >> 16) & 0xff],
	    isbox[(s2 >> 8) & 0xff], isbox[s1 & 0xff]) ^ rk[0]);
	store_be32(out + 4, W(isbox[s1 >> 24], isbox[(s0 >> 16) & 0xff],
	    isbox[(s3 >> 8) & 0xff], isbox[s2 & 0xff]) ^ rk[1]);
	store_be32(out + 8, W(isbox[s2 >> 24], isbox[(s1 >> 16) & 0xff],
	    isbox[(s0 >> 8) & 0xff], isbox[s3 & 0xff]) ^ rk[2]);
	store_be32(out + 12, W(isbox[s3 >> 24], isbox[(s2 >> 16) & 0xff],
	    isbox[(s1 >> 8) & 0xff], isbox[s0 & 0xff]) ^ rk[3]);
}

static void
xor_block(uint8_t *dst, const uint8_t *a, const uint8_t *b)
{
	int	 i;

	for (i = 0; i < KMS_BLOCK; i++)
		dst[i] = a[i] ^ b[i];
}

static void
own_cbc_encrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t	 chain[KMS_BLOCK], x[KMS_BLOCK];
	size_t	 off;

	memcpy(chain, iv, KMS_BLOCK);
	for (off = 0; off < len; off += KMS_BLOCK) {
		xor_block(x, in + off, chain);
		rijndael_encrypt(c, x, chain);
		memcpy(out + off, chain, KMS_BLOCK);
	}
}

static void
own_cbc_decrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t	 chain[KMS_BLOCK], ct[KMS_BLOCK], x[KMS_BLOCK];
	size_t	 off;

	memcpy(chain, iv, KMS_BLOCK);
	for (off = 0; off < len; off += KMS_BLOCK) {
		/* Keep the ciphertext: with in == out it is about to go. */
		memcpy(ct, in + off, KMS_BLOCK);
		rijndael_decrypt(c, ct, x);
		xor_block(out + off, x, chain);
		memcpy(chain, ct, KMS_BLOCK);
	}
}

/* ---- AES-NI rounds ------------------------------------------------------ */

/*
 * The AES instructions take any round keys and any round count, so they
 * run the patched v6 schedule and the 11 rounds of Rijndael-160 as well
 * as plain AES.  They are used only when the CPU has them (checked at run
 * time); the tables above remain the portable path and the reference the
 * tests compare against.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define KMS_AESNI	1
#include <emmintrin.h>
#include <wmmintrin.h>

#define AESNI_FN	__attribute__((target("aes,sse2")))

AESNI_FN static inline __m128i
ni_load(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

AESNI_FN static inline void
ni_store(uint8_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}

AESNI_FN static inline __m128i
ni_enc(const uint8_t *rk, int nr, __m128i x)
{
	int	 r;

	x = _mm_xor_si128(x, ni_load(rk));
	for (r = 1; r < nr; r++)
		x = _mm_aesenc_si128(x, ni_load(rk + 16 * r));
	return _mm_aesenclast_si128(x, ni_load(rk + 16 * nr));
}

/* rk is the equivalent inverse cipher's schedule (c->rkd), used backwards. */
AESNI_FN static inline __m128i
ni_dec(const uint8_t *rk, int nr, __m128i x)
{
	int	 r;

	x = _mm_xor_si128(x, ni_load(rk + 16 * nr));
	for (r = nr - 1; r > 0; r--)
		x = _mm_aesdec_si128(x, ni_load(rk + 16 * r));
	return _mm_aesdeclast_si128(x, ni_load(rk));
}

AESNI_FN static void
ni_block_encrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	ni_store(out, ni_enc(c->rk, c->nrounds, ni_load(in)));
}

AESNI_FN static void
ni_block_decrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	ni_store(out, ni_dec(c->rkd, c->nrounds, ni_load(in)));
}

AESNI_FN static void
ni_cbc_encrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	__m128i	 chain;
	size_t	 off;

	chain = ni_load(iv);
	for (off = 0; off < len; off += KMS_BLOCK) {
		chain = ni_enc(c->rk, c->nrounds,
		    _mm_xor_si128(ni_load(in + off), chain));
		ni_store(out + off, chain);
	}
}

/*
 * CBC decryption has no chain between the block decryptions, so four run
 * interleaved.  All four ciphertext blocks are loaded before anything is
 * stored, which keeps in == out safe.
 */
AESNI_FN static void
ni_cbc_decrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	const uint8_t	*rk = c->rkd;
	__m128i		 k, chain, c0, c1, c2, c3, x0, x1, x2, x3;
	size_t		 off;
	int		 nr = c->nrounds, r;

	chain = ni_load(iv);
	for (off = 0; off + 4 * KMS_BLOCK <= len; off += 4 * KMS_BLOCK) {
		c0 = ni_load(in + off);
		c1 = ni_load(in + off + 16);
		c2 = ni_load(in + off + 32);
		c3 = ni_load(in + off + 48);
		k = ni_load(rk + 16 * nr);
		x0 = _mm_xor_si128(c0, k);
		x1 = _mm_xor_si128(c1, k);
		x2 = _mm_xor_si128(c2, k);
		x3 = _mm_xor_si128(c3, k);
		for (r = nr - 1; r > 0; r--) {
			k = ni_load(rk + 16 * r);
			x0 = _mm_aesdec_si128(x0, k);
			x1 = _mm_aesdec_si128(x1, k);
			x2 = _mm_aesdec_si128(x2, k);
			x3 = _mm_aesdec_si128(x3, k);
		}
		k = ni_load(rk);
		x0 = _mm_aesdeclast_si128(x0, k);
		x1 = _mm_aesdeclast_si128(x1, k);
		x2 = _mm_aesdeclast_si128(x2, k);
		x3 = _mm_aesdeclast_si128(x3, k);
		ni_store(out + off, _mm_xor_si128(x0, chain));
		ni_store(out + off + 16, _mm_xor_si128(x1, c0));
		ni_store(out + off + 32, _mm_xor_si128(x2, c1));
		ni_store(out + off + 48, _mm_xor_si128(x3, c2));
		chain = c3;
	}
	for (; off < len; off += KMS_BLOCK) {
		c0 = ni_load(in + off);
		ni_store(out + off, _mm_xor_si128(ni_dec(rk, nr, c0), chain));
		chain = c0;
	}
}

AESNI_FN static void
ni_v4_hash(const struct kms_cipher *c, const uint8_t *msg, size_t len,
    uint8_t mac[16])
{
	__m128i	 st;
	uint8_t	 tail[KMS_BLOCK];

	st = _mm_setzero_si128();
	for (; len >= KMS_BLOCK; msg += KMS_BLOCK, len -= KMS_BLOCK)
		st = ni_enc(c->rk, c->nrounds, _mm_xor_si128(st, ni_load(msg)));
	memset(tail, 0, sizeof(tail));
	memcpy(tail, msg, len);
	tail[len] = 0x80;
	st = ni_enc(c->rk, c->nrounds, _mm_xor_si128(st, ni_load(tail)));
	ni_store(mac, st);
}
#endif	/* KMS_AESNI */

/* ---- implementation choice and per-thread OpenSSL state ----------------- */

/* KMS_IMPL_AUTO until first resolved; read and written atomically. */
static int	kms_impl_sel = KMS_IMPL_AUTO;

static bool
cpu_has_aesni(void)
{
#ifdef KMS_AESNI
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse2");
#else
	return false;
#endif
}

enum kms_impl
kms_crypto_impl(enum kms_impl want)
{
	int	 v;

	if (want == KMS_IMPL_AESNI && !cpu_has_aesni())
		want = KMS_IMPL_TABLES;
	if (want == KMS_IMPL_AUTO)
		want = cpu_has_aesni() ? KMS_IMPL_AESNI : KMS_IMPL_TABLES;
	v = want;
	__atomic_store_n(&kms_impl_sel, v, __ATOMIC_RELAXED);
	return want;
}

static inline bool
use_aesni(void)
{
	int	 v = __atomic_load_n(&kms_impl_sel, __ATOMIC_RELAXED);

	if (v == KMS_IMPL_AUTO)
		v = (int)kms_crypto_impl(KMS_IMPL_AUTO);
	return v == KMS_IMPL_AESNI;
}

/*
 * OpenSSL 3 looks an algorithm up by name on every EVP_sha256()-style
 * call and every one-shot HMAC(): fetch each one once per process and
 * keep one context of each kind per thread, re-initialised per message.
 * The struct kms_cipher stays plain data; the contexts live here.
 */
struct kms_tls {
	EVP_CIPHER_CTX	*cbc[2];	/* [enc]: AES-128-CBC keyed with key[enc] */
	uint8_t		 key[2][16];
	bool		 keyed[2];
	EVP_MD_CTX	*md;
	EVP_MAC_CTX	*mac;		/* HMAC-SHA-256 */
	bool		 mac_keyed;
	uint64_t	 slot;		/* §4.6 time slot of hkey and mac's key */
	bool		 have_slot;
	uint8_t		 hkey[16];
};

static pthread_once_t	 kms_once = PTHREAD_ONCE_INIT;
static pthread_key_t	 kms_tls_key;
static bool		 kms_tls_ok;
static EVP_CIPHER	*kms_evp_cbc;
static EVP_MD		*kms_evp_sha256;
static EVP_MAC		*kms_evp_hmac;
/* The V4 key is fixed: its schedule is built once, not per hash. */
static struct kms_cipher kms_v4_cipher;

static void
kms_tls_free(void *p)
{
	struct kms_tls	*t = p;

	if (t == NULL)
		return;
	EVP_CIPHER_CTX_free(t->cbc[0]);
	EVP_CIPHER_CTX_free(t->cbc[1]);
	EVP_MD_CTX_free(t->md);
	EVP_MAC_CTX_free(t->mac);
	free(t);
}

static void
kms_init_once(void)
{
	kms_tls_ok = pthread_key_create(&kms_tls_key, kms_tls_free) == 0;
	kms_evp_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	kms_evp_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	kms_evp_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	kms_cipher_init(&kms_v4_cipher, KMS_CIPHER_V4);
}

/* This thread's contexts, or NULL if they cannot be had (no memory). */
static struct kms_tls *
tls_get(void)
{
	struct kms_tls	*t;

	pthread_once(&kms_once, kms_init_once);
	if (!kms_tls_ok)
		return NULL;
	if ((t = pthread_getspecific(kms_tls_key)) != NULL)
		return t;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (pthread_setspecific(kms_tls_key, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/*
 * AES-128-CBC through OpenSSL for v5, on this thread's context: keyed
 * once, then only the IV is set per call.  A single block is CBC with a
 * zero IV, which is ECB.  Returns false only if OpenSSL failed before
 * writing anything; the caller then falls back to the own Rijndael, which
 * computes the same standard AES-128, because this API has no way to
 * report an error.
 */
static bool
evp_aes128(const struct kms_cipher *c, int enc, const uint8_t *iv,
    const uint8_t *in, uint8_t *out, size_t len)
{
	static const uint8_t	 zero_iv[KMS_BLOCK];
	struct kms_tls		*t;
	EVP_CIPHER_CTX		*ctx;
	size_t			 done;
	int			 chunk, n;

	if ((t = tls_get()) == NULL || kms_evp_cbc == NULL)
		return false;
	if (iv == NULL)
		iv = zero_iv;
	if (t->cbc[enc] == NULL && (t->cbc[enc] = EVP_CIPHER_CTX_new()) == NULL)
		return false;
	ctx = t->cbc[enc];
	if (!t->keyed[enc] || memcmp(t->key[enc], c->key, 16) != 0) {
		t->keyed[enc] = false;
		if (EVP_CipherInit_ex2(ctx, kms_evp_cbc, c->key, iv, enc,
		    NULL) != 1 || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
			return false;
		memcpy(t->key[enc], c->key, 16);
		t->keyed[enc] = true;
	} else if (EVP_CipherInit_ex2(ctx, NULL, NULL, iv, enc, NULL) != 1)
		return false;
	for (done = 0; done < len; done += (size_t)chunk) {
		chunk = len - done > (size_t)EVP_CHUNK ? EVP_CHUNK :
		    (int)(len - done);
		if (EVP_CipherUpdate(ctx, out + done, &n, in + done,
		    chunk) != 1 || n != chunk) {
			/*
			 * Not expected with aligned input and padding off.
			 * The input may already be overwritten, so fail
			 * closed: an all-zero plaintext fails every check.
			 */
			memset(out, 0, len);
			t->keyed[enc] = false;
			break;
		}
	}
	/* No EVP_CipherFinal_ex: without padding there is nothing left. */
	return true;
}

void
kms_cipher_init(struct kms_cipher *c, enum kms_cipher_kind kind)
{
	static const uint8_t	 zero[16];

	memset(c, 0, sizeof(*c));
	switch (kind) {
	case KMS_CIPHER_V4:
		c->kind = KMS_CIPHER_V4;
		expand_key(c, kms_key_v4, 5, 11);
		break;
	case KMS_CIPHER_V5:
		/* The own schedule too: evp_aes128() may fall back to it. */
		c->kind = KMS_CIPHER_V5;
		memcpy(c->key, kms_key_v5, sizeof(c->key));
		expand_key(c, kms_key_v5, 4, 10);
		break;
	case KMS_CIPHER_V6:
		c->kind = KMS_CIPHER_V6;
		memcpy(c->key, kms_key_v6, sizeof(c->key));
		expand_key(c, kms_key_v6, 4, 10);
		/* §4.6: byte 0 of round keys 4, 6 and 8. */
		c->rk[64] ^= 0x73;
		c->rk[96] ^= 0x09;
		c->rk[128] ^= 0xe4;
		break;
	case KMS_CIPHER_AES128:
	default:
		kms_cipher_init_aes128(c, zero);
		return;
	}
	schedule_words(c);
}

void
kms_cipher_init_aes128(struct kms_cipher *c, const uint8_t key[16])
{
	memset(c, 0, sizeof(*c));
	c->kind = KMS_CIPHER_AES128;
	memcpy(c->key, key, sizeof(c->key));
	expand_key(c, key, 4, 10);
	schedule_words(c);
}

void
kms_block_encrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	if (c->kind == KMS_CIPHER_V5 && evp_aes128(c, 1, NULL, in, out,
	    KMS_BLOCK))
		return;
#ifdef KMS_AESNI
	if (use_aesni()) {
		ni_block_encrypt(c, in, out);
		return;
	}
#endif
	rijndael_encrypt(c, in, out);
}

void
kms_block_decrypt(const struct kms_cipher *c, const uint8_t in[16],
    uint8_t out[16])
{
	if (c->kind == KMS_CIPHER_V5 && evp_aes128(c, 0, NULL, in, out,
	    KMS_BLOCK))
		return;
#ifdef KMS_AESNI
	if (use_aesni()) {
		ni_block_decrypt(c, in, out);
		return;
	}
#endif
	rijndael_decrypt(c, in, out);
}

void
kms_cbc_encrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	len -= len % KMS_BLOCK;
	if (len == 0)
		return;
	if (c->kind == KMS_CIPHER_V5 && evp_aes128(c, 1, iv, in, out, len))
		return;
#ifdef KMS_AESNI
	if (use_aesni()) {
		ni_cbc_encrypt(c, iv, in, out, len);
		return;
	}
#endif
	own_cbc_encrypt(c, iv, in, out, len);
}

void
kms_cbc_decrypt(const struct kms_cipher *c, const uint8_t iv[16],
    const uint8_t *in, uint8_t *out, size_t len)
{
	len -= len % KMS_BLOCK;
	if (len == 0)
		return;
	if (c->kind == KMS_CIPHER_V5 && evp_aes128(c, 0, iv, in, out, len))
		return;
#ifdef KMS_AESNI
	if (use_aesni()) {
		ni_cbc_decrypt(c, iv, in, out, len);
		return;
	}
#endif
	own_cbc_decrypt(c, iv, in, out, len);
}

/*
 * §4.4: XOR each block into the state and encrypt; the tail gets 0x80 and
 * zeros, and a message that fills its last block gets a whole padding
 * block.  No CMAC subkeys, whatever vlmcsd calls it.
 */
void
kms_v4_hash_with(const struct kms_cipher *c, const uint8_t *msg, size_t len,
    uint8_t mac[16])
{
	uint8_t	 st[KMS_BLOCK];
	size_t	 i;

#ifdef KMS_AESNI
	if (use_aesni()) {
		ni_v4_hash(c, msg, len, mac);
		return;
	}
#endif
	memset(st, 0, sizeof(st));
	for (; len >= KMS_BLOCK; msg += KMS_BLOCK, len -= KMS_BLOCK) {
		xor_block(st, st, msg);
		rijndael_encrypt(c, st, st);
	}
	for (i = 0; i < len; i++)
		st[i] ^= msg[i];
	st[len] ^= 0x80;
	rijndael_encrypt(c, st, st);
	memcpy(mac, st, KMS_BLOCK);
}

void
kms_v4_hash(const uint8_t *msg, size_t len, uint8_t mac[16])
{
	pthread_once(&kms_once, kms_init_once);
	kms_v4_hash_with(&kms_v4_cipher, msg, len, mac);
}

void
kms_sha256(const void *msg, size_t len, uint8_t out[32])
{
	static const uint8_t	 empty[1];
	struct kms_tls		*t;
	unsigned int		 n = 0;

	if (msg == NULL)
		msg = empty;
	if ((t = tls_get()) != NULL && kms_evp_sha256 != NULL &&
	    (t->md != NULL || (t->md = EVP_MD_CTX_new()) != NULL) &&
	    EVP_DigestInit_ex2(t->md, kms_evp_sha256, NULL) == 1 &&
	    EVP_DigestUpdate(t->md, msg, len) == 1 &&
	    EVP_DigestFinal_ex(t->md, out, &n) == 1 && n == 32)
		return;
	if (EVP_Digest(msg, len, out, NULL, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);
}

/*
 * §4.6 step 2.  Unsigned arithmetic wraps, which is exactly the "mod 2^64"
 * the protocol wants.
 */
uint64_t
kms_v6_time_slot(uint64_t client_time)
{
	return client_time / UINT64_C(0x00000022816889bd) *
	    UINT64_C(0x000000208cbab5ed) + UINT64_C(0x3156cd5ac628477a);
}

void
kms_v6_hmac_key(uint64_t client_time, uint8_t key[16])
{
	uint8_t		 le[8], h[32];
	uint64_t	 s;
	int		 i;

	s = kms_v6_time_slot(client_time);
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(s >> (8 * i));
	kms_sha256(le, sizeof(le), h);
	memcpy(key, h + 16, 16);
}

/*
 * HMAC-SHA-256 on this thread's EVP_MAC context.  A time slot lasts about
 * 41 hours, so nearly every message of a capture has the key of the one
 * before: then the context is only reset (OpenSSL keeps the padded key),
 * which saves deriving the key and hashing the pads again.
 */
static bool
tls_hmac(struct kms_tls *t, uint64_t client_time, const uint8_t *msg,
    size_t len, uint8_t md[32])
{
	OSSL_PARAM	 p[2];
	uint64_t	 slot = kms_v6_time_slot(client_time);
	size_t		 n = 0;
	int		 ok;

	if (t == NULL || kms_evp_hmac == NULL)
		return false;
	if (t->mac == NULL) {
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0);
		p[1] = OSSL_PARAM_construct_end();
		if ((t->mac = EVP_MAC_CTX_new(kms_evp_hmac)) == NULL)
			return false;
		if (EVP_MAC_CTX_set_params(t->mac, p) != 1) {
			EVP_MAC_CTX_free(t->mac);
			t->mac = NULL;
			return false;
		}
	}
	if (t->mac_keyed && t->have_slot && t->slot == slot)
		ok = EVP_MAC_init(t->mac, NULL, 0, NULL);
	else {
		t->mac_keyed = false;
		kms_v6_hmac_key(client_time, t->hkey);
		t->slot = slot;
		t->have_slot = true;
		ok = EVP_MAC_init(t->mac, t->hkey, sizeof(t->hkey), NULL);
		t->mac_keyed = ok == 1;
	}
	if (ok != 1 || EVP_MAC_update(t->mac, msg, len) != 1 ||
	    EVP_MAC_final(t->mac, md, &n, 32) != 1 || n != 32) {
		t->mac_keyed = false;
		return false;
	}
	return true;
}

void
kms_v6_hmac(uint64_t client_time, const uint8_t *msg, size_t len,
    uint8_t out[16])
{
	static const uint8_t	 empty[1];
	uint8_t			 key[16], md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	if (msg == NULL)
		msg = empty;
	if (tls_hmac(tls_get(), client_time, msg, len, md)) {
		/* The field carries the second half of the 32-byte HMAC. */
		memcpy(out, md + 16, 16);
		return;
	}
	kms_v6_hmac_key(client_time, key);
	if (HMAC(EVP_sha256(), key, (int)sizeof(key), msg, len, md,
	    &mdlen) == NULL || mdlen != 32) {
		memset(out, 0, 16);
		return;
	}
	memcpy(out, md + 16, 16);
}

size_t
kms_pkcs7_check(const uint8_t *buf, size_t len)
{
	size_t	 i, pad;

	if (buf == NULL || len == 0 || len % KMS_BLOCK != 0)
		return 0;
	pad = buf[len - 1];
	if (pad == 0 || pad > KMS_BLOCK)
		return 0;
	for (i = 2; i <= pad; i++)
		if (buf[len - i] != pad)
			return 0;
	return pad;
}
