/*
 * A tiny assertion harness: every binary ends with "NAME: N passed, N failed"
 * and exits 1 when something failed; tests/check.sh adds the numbers up.
 */
#ifndef KD_TEST_H
#define KD_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int kdt_passed, kdt_failed;

#define KDT_CHECK(cond) do {						\
	if (cond)							\
		kdt_passed++;						\
	else {								\
		kdt_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define KDT_STREQ(a, b) do {						\
	const char *kdt_a_ = (a), *kdt_b_ = (b);			\
	if (kdt_a_ != NULL && kdt_b_ != NULL && strcmp(kdt_a_, kdt_b_) == 0) \
		kdt_passed++;						\
	else {								\
		kdt_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: \"%s\" != \"%s\"\n", __FILE__, \
		    __LINE__, kdt_a_ ? kdt_a_ : "(null)", kdt_b_ ? kdt_b_ : "(null)"); \
	}								\
} while (0)

#define KDT_MEMEQ(a, b, n) do {						\
	if (memcmp((a), (b), (n)) == 0)					\
		kdt_passed++;						\
	else {								\
		kdt_failed++;						\
		fprintf(stderr, "%s:%d: FAIL: bytes differ: %s vs %s\n", \
		    __FILE__, __LINE__, #a, #b);			\
	}								\
} while (0)

/*
 * Hex text to bytes, spaces allowed anywhere.  A stray character, an odd
 * digit count or more than cap bytes is a broken test vector: abort, which
 * tests/check.sh counts as a failure, rather than test against short data.
 */
static inline size_t
kdt_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = 0;
	int	 hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			goto bad;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			goto bad;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi < 0)
		return n;
bad:
	fprintf(stderr, "broken test vector: \"%.40s...\"\n", s);
	abort();
}

#define KDT_DONE(name) (printf("%s: %d passed, %d failed\n", (name),	\
	kdt_passed, kdt_failed), kdt_failed != 0)

#endif
