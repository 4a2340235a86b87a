/* See errlimit.h. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "capture_int.h"
#include "errlimit.h"

/* "call 12 at offset 0x1f" -> "call N at offset 0xN": what stays the same. */
static void
normalize(const char *msg, char *out, size_t outlen)
{
	size_t o = 0;
	const char *s = msg;

	while (*s != '\0' && o + 1 < outlen) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		    isxdigit((unsigned char)s[2])) {
			if (o + 3 >= outlen)
				break;
			out[o++] = '0';
			out[o++] = 'x';
			out[o++] = 'N';
			for (s += 2; isxdigit((unsigned char)*s); s++)
				;
		} else if (isdigit((unsigned char)*s)) {
			out[o++] = 'N';
			while (isdigit((unsigned char)*s))
				s++;
		} else
			out[o++] = *s++;
	}
	out[o] = '\0';
}

static bool
same_layer(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
errlimit_pass(struct errlimit *el, const struct kd_diag *d)
{
	struct errlimit_kind *k = NULL;
	char like[sizeof(el->kinds[0].like)];
	size_t i;

	normalize(d->msg, like, sizeof(like));
	for (i = 0; i < el->nkinds; i++) {
		k = &el->kinds[i];
		if (k->status == d->status && same_layer(k->layer, d->layer) &&
		    strcmp(k->like, like) == 0)
			break;
	}
	if (i == el->nkinds) {
		if (el->nkinds < ERRLIMIT_KINDS)
			k = &el->kinds[el->nkinds++];
		else
			k = &el->other;
		if (k->seen == 0 && k == &el->other) {
			k->other = true;
			snprintf(k->like, sizeof(k->like), "other errors");
		} else if (k->seen == 0) {
			k->layer = d->layer;
			k->status = d->status;
			memcpy(k->like, like, sizeof(k->like));
		}
	}
	k->seen++;
	k->last = d->pkt_no;
	if (k->seen == ERRLIMIT_SHOWN + 1)
		k->first_hidden = d->pkt_no;
	return k->seen <= ERRLIMIT_SHOWN;
}

const struct errlimit_kind *
errlimit_next_hidden(const struct errlimit *el, size_t *i)
{
	while (*i < el->nkinds) {
		const struct errlimit_kind *k = &el->kinds[(*i)++];

		if (k->seen > ERRLIMIT_SHOWN)
			return k;
	}
	if (*i == el->nkinds) {
		(*i)++;
		if (el->other.seen > ERRLIMIT_SHOWN)
			return &el->other;
	}
	return NULL;
}

const struct errlimit *
capture_errlimit(const struct capture *cap)
{
	return &cap->errlim;
}
