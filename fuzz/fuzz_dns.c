/*
 * Fuzz target for the DNS answer decoder and the name helpers that see
 * wire or user text (lib/dnslookup.c, dnscheck/dnscheck.c).
 *
 *	byte 0 % 3	0  bytes 1.. as a DNS message, no id/question match
 *			1  bytes 1.. as an answer to query id 0x4b4d for
 *			   _vlmcs._tcp.example.com. SRV (the checker's path)
 *			2  bytes 1.. as a presentation-form name: name check,
 *			   _vlmcs._tcp name, doubled-suffix test
 *
 * Invariants: success means a DNS outcome (not an error one), at most
 * KD_DNS_MAX_ANSWERS records, every string NUL-terminated in its field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dnscheck/dnscheck.h"
#include "dnslookup.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_result(enum kd_status st, const struct kd_dns_result *r)
{
	size_t i;

	if (st == KD_OK && r->outcome >= KD_DNS_MALFORMED)
		abort();
	if (st != KD_OK && r->outcome < KD_DNS_MALFORMED)
		abort();
	if (r->nrr > KD_DNS_MAX_ANSWERS || r->nrr > r->rrcap)
		abort();
	/* Dropped records of other names are named, in a terminated string. */
	if (memchr(r->foreign, '\0', sizeof(r->foreign)) == NULL ||
	    (r->nforeign > 0) != (r->foreign[0] != '\0'))
		abort();
	for (i = 0; i < r->nrr; i++) {
		if (memchr(r->rr[i].owner, '\0', sizeof(r->rr[i].owner)) == NULL ||
		    memchr(r->rr[i].data, '\0', sizeof(r->rr[i].data)) == NULL)
			abort();
		/* What the checker does with a target. */
		if (r->rr[i].type == KD_DNS_T_SRV) {
			char fixed[KD_DNS_TEXT_MAX];

			dnscheck_doubled_suffix(r->rr[i].data, fixed, sizeof(fixed));
		}
	}
	if (memchr(r->diag.msg, '\0', sizeof(r->diag.msg)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kd_dns_result r;
	struct kd_diag d;
	enum kd_status st;
	char *s, q[KD_DNS_TEXT_MAX], fixed[KD_DNS_TEXT_MAX];

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
	case 1:
		kd_dns_result_init(&r);
		if (data[0] % 3 == 0)
			st = kd_dns_parse_answer(data + 1, size - 1, -1, NULL, 0, &r);
		else
			st = kd_dns_parse_answer(data + 1, size - 1, 0x4b4d,
			    "_vlmcs._tcp.example.com.", KD_DNS_T_SRV, &r);
		check_result(st, &r);
		kd_dns_result_fini(&r);
		break;
	case 2:
		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		kd_dns_name_check(s, &d);
		if (kd_dns_vlmcs_name(s, q, sizeof(q), &d) == KD_OK &&
		    strncmp(q, "_vlmcs._tcp.", 12) != 0)
			abort();
		if (dnscheck_doubled_suffix(s, fixed, sizeof(fixed)) &&
		    strlen(fixed) >= strlen(s))
			abort();
		free(s);
		break;
	}
	return 0;
}
