/*
 * The findings of one checklist item as check objects, for the views that
 * print evidence (kmsdiag doctor --json, the dashboard).
 */
#include <string.h>

#include "report.h"
#include "site.h"
#include "textf.h"
#include "tui.h"

json_t *
tui_findings_json(const struct kd_report *checks, enum kd_item item)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < checks->n; i++) {
		const struct kd_check *c = &checks->checks[i];

		if (strncmp(c->id, "checklist.", 10) != 0 &&
		    strcmp(c->checklist, kd_item_id(item)) == 0)
			json_array_append_new(a, kd_check_to_json(checks, c));
	}
	return a;
}

char *
tui_finding_source(const struct kd_finding *f, char *out, size_t len)
{
	const char *kind = json_string_value(json_object_get(f->facts, "evidence"));

	if (kind != NULL)
		kd_setf(out, len, "%s", kind);
	else
		kd_src_format(f->src, out, len);
	return out;
}
