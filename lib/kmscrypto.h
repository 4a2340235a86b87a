/*
 * The KMS ciphers and integrity checks (protocol doc §4.4-§4.7, §4.10).
 *
 * v4 uses Rijndael with a 160-bit key and 11 rounds as a CBC-MAC; no
 * mainstream library offers that key size, so it runs on a small
 * Rijndael of our own.  v5 is plain AES-128 and goes through OpenSSL.
 * v6 is AES-128 with three bytes of the key schedule changed; libraries
 * keep their round keys private (and often pre-transformed for
 * decryption), so it runs on our own Rijndael as well.
 *
 * A struct kms_cipher is caller-owned plain data: no heap, no fini, safe to
 * copy and to share read-only between threads.  Nothing here prints or
 * exits.  The OpenSSL algorithm objects are fetched once per process and
 * each thread keeps its own reusable OpenSSL contexts (freed when the
 * thread ends): looking the algorithms up again on every call was the
 * larger part of the crypto cost of a capture.
 */
#ifndef KD_KMSCRYPTO_H
#define KD_KMSCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMS_BLOCK	16

enum kms_cipher_kind {
	KMS_CIPHER_V5,		/* AES-128, V5 key, via OpenSSL EVP */
	KMS_CIPHER_V6,		/* AES-128, V6 key, patched schedule */
	KMS_CIPHER_V4,		/* Rijndael-160: Nk 5, 11 rounds, V4 key */
	KMS_CIPHER_AES128	/* AES-128, caller's key (init_aes128) */
};

struct kms_cipher {			/* caller-owned, no heap */
	enum kms_cipher_kind kind;
	uint8_t		 rk[15 * 16];	/* encryption round keys, v6 patched */
	int		 nrounds;
	uint8_t		 key[16];	/* AES-128 key, OpenSSL's for v5 */
	uint32_t	 ek[4 * 15];	/* rk as big-endian words */
	uint32_t	 dk[4 * 15];	/* decryption schedule, from rk */
	uint8_t		 rkd[15 * 16];	/* dk as bytes, for the AES instructions */
};

/*
 * How the Rijndael rounds run: the lookup tables (portable), or the AES
 * instructions (x86-64 with AES-NI, checked at run time).  The choice is
 * process-wide; AUTO picks AES-NI when the CPU has it and is the default.
 * Tests and benchmarks force TABLES to compare the two.  Returns the
 * implementation now in use (asking for AESNI on a CPU without it gives
 * TABLES).  Not meant to be switched while other threads are encrypting.
 */
enum kms_impl { KMS_IMPL_AUTO, KMS_IMPL_TABLES, KMS_IMPL_AESNI };
enum kms_impl	kms_crypto_impl(enum kms_impl);

/* The fixed keys of §4.4-§4.6. */
extern const uint8_t	kms_key_v4[20];
extern const uint8_t	kms_key_v5[16];
extern const uint8_t	kms_key_v6[16];

/*
 * Prepare one of the fixed KMS ciphers.  KMS_CIPHER_AES128 has no fixed
 * key; passed here it gets the all-zero key (use kms_cipher_init_aes128()).
 */
void	kms_cipher_init(struct kms_cipher *, enum kms_cipher_kind);
/* Standard AES-128 on the own Rijndael: cross-checks and test vectors. */
void	kms_cipher_init_aes128(struct kms_cipher *, const uint8_t key[16]);

/* Raw single-block operations, e.g. DIVreq = D(IV) of §4.5. */
void	kms_block_encrypt(const struct kms_cipher *, const uint8_t in[16],
	    uint8_t out[16]);
void	kms_block_decrypt(const struct kms_cipher *, const uint8_t in[16],
	    uint8_t out[16]);

/*
 * CBC without padding.  len must be a multiple of 16 (a trailing partial
 * block is left untouched); in and out may be the same buffer, but must
 * not overlap otherwise.
 */
void	kms_cbc_encrypt(const struct kms_cipher *, const uint8_t iv[16],
	    const uint8_t *in, uint8_t *out, size_t len);
void	kms_cbc_decrypt(const struct kms_cipher *, const uint8_t iv[16],
	    const uint8_t *in, uint8_t *out, size_t len);

/* V4HASH, §4.4: Rijndael-160 CBC-MAC with 0x80 padding, zero IV (the
 * fixed key's schedule is built once per process). */
void	kms_v4_hash(const uint8_t *msg, size_t len, uint8_t mac[16]);
/* The same with a KMS_CIPHER_V4 cipher prepared once by the caller. */
void	kms_v4_hash_with(const struct kms_cipher *, const uint8_t *msg,
	    size_t len, uint8_t mac[16]);

/*
 * SHA-256 via OpenSSL.  The API has no error return: should OpenSSL fail
 * (out of memory) the digest is all zero, which no honest Hash field
 * matches, so verification fails closed.
 */
void	kms_sha256(const void *msg, size_t len, uint8_t out[32]);

/* §4.6 steps 1-3: the ClientTime time slot and the HMAC key from it. */
uint64_t kms_v6_time_slot(uint64_t client_time);
void	kms_v6_hmac_key(uint64_t client_time, uint8_t key[16]);
/*
 * v6 HMAC field: last 16 bytes of HMAC-SHA-256 keyed from the ClientTime
 * time slot, §4.6.  msg is DIVresp followed by Q6 up to the HMAC field.
 * All zero if OpenSSL fails (see kms_sha256()).
 */
void	kms_v6_hmac(uint64_t client_time, const uint8_t *msg, size_t len,
	    uint8_t out[16]);

/*
 * PKCS#7 check on a decrypted buffer: returns the pad length (1..16), or 0
 * if the padding is invalid or len is not a positive multiple of 16.
 */
size_t	kms_pkcs7_check(const uint8_t *buf, size_t len);

#endif
