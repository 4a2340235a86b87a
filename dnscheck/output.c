/*
 * The corrected records, once per domain, after the checks: the same
 * correction can come from several checks (TTL and port of one record),
 * and an administrator wants to paste it once.  Read from the checks'
 * facts (zone_lines, nsupdate, dnscmd), so it shows exactly what --json
 * carries.
 */
#include <stdio.h>
#include <string.h>

#include "dnscheck.h"

/* Append the strings of array a not yet in seen (an array too). */
static void
merge(json_t *seen, json_t *a)
{
	size_t i, j;
	json_t *v, *w;

	json_array_foreach(a, i, v) {
		bool dup = false;

		json_array_foreach(seen, j, w)
			if (json_equal(v, w)) {
				dup = true;
				break;
			}
		if (!dup)
			json_array_append(seen, v);
	}
}

static void
print_lines(FILE *fp, const char *label, json_t *lines, const char *last)
{
	size_t i;
	json_t *v;

	char clean[1024];

	/* Record text holds names from DNS and the command line. */
	json_array_foreach(lines, i, v)
		fprintf(fp, "  %-10s %s\n", i == 0 ? label : "",
		    kd_sanitize(json_string_value(v), clean, sizeof(clean)));
	if (last != NULL && json_array_size(lines) > 0)
		fprintf(fp, "  %-10s %s\n", "", last);
}

void
dnscheck_print_corrections(FILE *fp, const struct kd_report *r)
{
	for (size_t k = 0; k < r->n; k++) {
		const char *domain = r->checks[k].subject;
		json_t *zl, *nu, *dc;
		char clean[512];
		bool first_of_domain = true;

		if (json_object_get(r->checks[k].facts, "zone_lines") == NULL)
			continue;
		/* Print each domain once, at its first check with corrections. */
		for (size_t j = 0; j < k && first_of_domain; j++)
			if (strcmp(r->checks[j].subject, domain) == 0 &&
			    json_object_get(r->checks[j].facts, "zone_lines") != NULL)
				first_of_domain = false;
		if (!first_of_domain)
			continue;
		zl = json_array();
		nu = json_array();
		dc = json_array();
		for (size_t j = k; j < r->n; j++) {
			json_t *f = r->checks[j].facts;

			if (strcmp(r->checks[j].subject, domain) != 0)
				continue;
			merge(zl, json_object_get(f, "zone_lines"));
			merge(nu, json_object_get(f, "nsupdate"));
			merge(dc, json_object_get(f, "dnscmd"));
		}
		fprintf(fp, "\nCorrected record%s for %s:\n",
		    json_array_size(zl) == 1 ? "" : "s",
		    kd_sanitize(domain, clean, sizeof(clean)));
		print_lines(fp, "zone file", zl, NULL);
		print_lines(fp, "nsupdate", nu, "send");
		print_lines(fp, "dnscmd", dc, NULL);
		json_decref(zl);
		json_decref(nu);
		json_decref(dc);
	}
}
