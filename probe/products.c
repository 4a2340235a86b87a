/*
 * The products --product knows: the list (--product list) and, for a name
 * not in it, the closest ones ("did you mean").
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe.h"

static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* Every word of q (case-insensitive) appears in name. */
static bool
all_words(const char *q, const char *name)
{
	char w[64];
	size_t n;

	while (*q != '\0') {
		while (*q == ' ')
			q++;
		for (n = 0; q[n] != '\0' && q[n] != ' ' && n < sizeof(w) - 1; n++)
			w[n] = q[n];
		w[n] = '\0';
		q += n;
		while (*q != '\0' && *q != ' ')
			q++;
		if (n > 0 && !contains_nocase(name, w))
			return false;
	}
	return true;
}

/* Edit distance, case-insensitive, capped at 64 characters of each. */
static unsigned
distance(const char *a, const char *b)
{
	unsigned row[65], prev, tmp;
	size_t i, j, na = strnlen(a, 64), nb = strnlen(b, 64);

	for (j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= nb; j++) {
			unsigned sub = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));

			tmp = row[j];
			row[j] = sub;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[nb];
}

size_t
probe_product_suggest(const char *q, const struct kd_sku **out, size_t max)
{
	size_t i, k, n = 0, count = kd_sku_count();
	unsigned best[8];

	if (max > 8)
		max = 8;
	/* Names that hold every word asked for, in table order. */
	for (i = 0; i < count && n < max; i++)
		if (all_words(q, kd_sku_at(i)->name))
			out[n++] = kd_sku_at(i);
	if (n > 0)
		return n;
	/* Else the nearest by spelling, if any is near at all. */
	for (i = 0; i < count; i++) {
		const struct kd_sku *s = kd_sku_at(i);
		unsigned d = distance(q, s->name);

		if (d > strlen(q) / 2 + 2)
			continue;
		for (k = n; k > 0 && best[k - 1] > d; k--)
			if (k < max) {
				best[k] = best[k - 1];
				out[k] = out[k - 1];
			}
		if (k < max) {
			best[k] = d;
			out[k] = s;
			if (n < max)
				n++;
		}
	}
	return n;
}

void
probe_product_list(FILE *fp)
{
	size_t i, count = kd_sku_count();

	fprintf(fp, "%-52s  %-34s  %9s  %8s  %s\n", "PRODUCT", "KMS COUNTED ID", "THRESHOLD",
	    "PROTOCOL", "CHANNEL");
	for (i = 0; i < count; i++) {
		const struct kd_sku *s = kd_sku_at(i);
		const struct kd_kmsid *k = kd_kmsid_find(&s->kms_id);

		fprintf(fp, "%-52s  %-34s  %9u  %8u  %s\n", s->name,
		    k != NULL ? k->name : s->kms_name != NULL ? s->kms_name : "?",
		    k != NULL ? k->min_clients : 0, probe_protocol_for(0, s),
		    s->channel != NULL ? s->channel : "");
	}
}
