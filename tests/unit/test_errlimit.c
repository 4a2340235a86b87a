/*
 * capture/errlimit.c: which error events pass, what counts as one kind,
 * and what is left to report at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/errlimit.h"
#include "kdtest.h"

static bool
feed(struct errlimit *el, enum kd_status st, const char *layer, uint64_t pkt,
    const char *msg)
{
	struct kd_diag d;

	memset(&d, 0, sizeof(d));
	d.pkt_no = pkt;
	kd_diag_set(&d, st, layer, 0, "%s", msg);
	return errlimit_pass(el, &d);
}

int
main(void)
{
	struct errlimit *el = calloc(1, sizeof(*el));
	const struct errlimit_kind *k;
	char msg[96];
	size_t i, n, pass;

	if (el == NULL)
		return 1;
	/* One kind whatever the call ID and the hex value: 20 pass, 5 do not. */
	for (i = 0, pass = 0; i < 25; i++) {
		snprintf(msg, sizeof(msg), "fragment of call %zu at 0x%zx", i * 7, i * 4096);
		pass += feed(el, KD_EINVAL, "dcerpc", 100 + i, msg);
	}
	KDT_CHECK(pass == ERRLIMIT_SHOWN);
	KDT_CHECK(el->nkinds == 1);
	KDT_STREQ(el->kinds[0].like, "fragment of call N at 0xN");
	KDT_CHECK(el->kinds[0].seen == 25 && el->kinds[0].first_hidden == 120 &&
	    el->kinds[0].last == 124);
	/* Same text, another status or layer: other kinds, shown again. */
	KDT_CHECK(feed(el, KD_ETRUNC, "dcerpc", 200, "fragment of call 1 at 0x1"));
	KDT_CHECK(feed(el, KD_EINVAL, "kms", 201, "fragment of call 1 at 0x1"));
	KDT_CHECK(feed(el, KD_EINVAL, NULL, 202, "no layer"));
	KDT_CHECK(el->nkinds == 4);
	/* Past ERRLIMIT_KINDS distinct kinds, the rest share one slot. */
	for (i = 0; el->nkinds < ERRLIMIT_KINDS; i++) {
		snprintf(msg, sizeof(msg), "kind %c%c", 'a' + (int)(i / 26), 'a' + (int)(i % 26));
		KDT_CHECK(feed(el, KD_EINVAL, "tcp", 300, msg));
	}
	for (i = 0, pass = 0; i < 30; i++) {
		snprintf(msg, sizeof(msg), "overflow kind %c%c", 'a' + (int)(i / 26), 'a' + (int)(i % 26));
		pass += feed(el, KD_EINVAL, "tcp", 400 + i, msg);
	}
	KDT_CHECK(pass == ERRLIMIT_SHOWN);
	KDT_CHECK(el->other.other && el->other.seen == 30 && el->other.first_hidden == 420);
	/* What is reported at the end: the first kind, then the shared slot. */
	i = 0;
	n = 0;
	while ((k = errlimit_next_hidden(el, &i)) != NULL) {
		if (n == 0)
			KDT_CHECK(k == &el->kinds[0] && k->seen - ERRLIMIT_SHOWN == 5);
		else
			KDT_CHECK(k == &el->other && k->seen - ERRLIMIT_SHOWN == 10);
		n++;
	}
	KDT_CHECK(n == 2);
	KDT_CHECK(errlimit_next_hidden(el, &i) == NULL);
	free(el);
	return KDT_DONE("test_errlimit");
}
