/*
 * Event logs from Get-WinEvent | Select-Object ... | ConvertTo-Json,
 * read with jansson.  jansson builds the whole tree, so the file is
 * capped at EV_MAX_JSON (a year of host log is better exported as CSV or
 * XML, which stream).  Accepted shapes, PowerShell 5.1 and 7:
 *   an array of events, or one event object (ConvertTo-Json unwraps one);
 *   TimeCreated "\/Date(ms)\/", ISO 8601, or an object with DateTime/value;
 *   Id a number or a string;
 *   Data an array of values, one value, or Properties [{"Value": v}, ...];
 *   else the Message's Info line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "evidence_int.h"
#include "textf.h"

struct json_state {
	char	*buf;
	size_t	 n, cap;
	bool	 too_big;
};

static enum kd_status
json_start(struct ev_parser *p)
{
	if ((p->fs = calloc(1, sizeof(struct json_state))) == NULL)
		return ev_error(p, 0, 0, "json", KD_ENOMEM, "parser state");
	return KD_OK;
}

static enum kd_status
json_data(struct ev_parser *p, const char *s, size_t n)
{
	struct json_state *j = p->fs;

	if (j->n + n > EV_MAX_JSON)
		return ev_error(p, 0, 0, "json", KD_ELIMIT,
		    "over %d MiB: export as CSV or XML, which are read as a stream",
		    EV_MAX_JSON / (1024 * 1024));
	if (j->n + n > j->cap) {
		size_t cap = j->cap ? j->cap : 65536;
		char *nb;

		while (cap < j->n + n)
			cap *= 2;
		if (cap > EV_MAX_JSON)
			cap = EV_MAX_JSON;
		if ((nb = realloc(j->buf, cap)) == NULL)
			return ev_error(p, 0, 0, "json", KD_ENOMEM, "%zu bytes", cap);
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->n, s, n);
	j->n += n;
	return KD_OK;
}

/* A JSON value as Info field text; false for arrays and objects. */
static bool
value_text(json_t *v, char *out, size_t len)
{
	json_t *inner;

	if (json_is_object(v) && (inner = json_object_get(v, "Value")) != NULL)
		v = inner;
	if (json_is_string(v))
		kd_setf(out, len, "%s", json_string_value(v));
	else if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		/* An HRESULT typed Int32 arrives negative. */
		if (i < 0 && i >= INT32_MIN)
			kd_setf(out, len, "0x%08" PRIX32, (uint32_t)(int32_t)i);
		else
			kd_setf(out, len, "%" JSON_INTEGER_FORMAT, i);
	} else if (json_is_real(v))
		kd_setf(out, len, "%.0f", json_real_value(v));
	else if (json_is_boolean(v))
		kd_setf(out, len, "%d", json_is_true(v) ? 1 : 0);
	else if (json_is_null(v))
		out[0] = '\0';
	else
		return false;
	return true;
}

static void
one_event(struct ev_parser *p, json_t *o, uint64_t rec)
{
	struct ev_event ev;
	json_t *v, *data;
	char vals[EV_MAX_FIELDS + 1][EV_FIELD_MAX];
	const char *ptrs[EV_MAX_FIELDS + 1];
	size_t i, n = 0;

	memset(&ev, 0, sizeof(ev));
	ev.when = EV_TIME_UNKNOWN;
	ev.record = rec;
	if (!json_is_object(o)) {
		ev_error(p, 0, rec, "json", KD_EINVAL, "not an object");
		return;
	}
	v = json_object_get(o, "Id");
	if (v == NULL)
		v = json_object_get(o, "EventID");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= UINT32_MAX)
		ev.id = (uint32_t)json_integer_value(v);
	else if (json_is_string(v) && strspn(json_string_value(v), "0123456789") == strlen(json_string_value(v)) &&
	    json_string_length(v) > 0 && json_string_length(v) < 10)
		ev.id = (uint32_t)strtoul(json_string_value(v), NULL, 10);
	else {
		ev_error(p, 0, rec, "json", KD_EINVAL, v == NULL ? "no \"Id\"" :
		    "\"Id\" is not a number");
		return;
	}
	v = json_object_get(o, "TimeCreated");
	if (json_is_object(v)) {
		/* PowerShell 5.1 with ETS properties: value "\/Date(ms)\/", DateTime in words. */
		json_t *d = json_object_get(v, "value");

		v = d != NULL ? d : json_object_get(v, "DateTime");
	}
	if (json_is_string(v) && !ev_parse_time(json_string_value(v), &ev.when)) {
		ev.when = EV_TIME_UNKNOWN;
		ev_error(p, 0, rec, "json", KD_EINVAL, "TimeCreated \"%.40s\" is not a date",
		    json_string_value(v));
	}
	if (json_is_string(v = json_object_get(o, "MachineName")))
		kd_setf(ev.computer, sizeof(ev.computer), "%s", json_string_value(v));
	if (json_is_string(v = json_object_get(o, "LogName")))
		kd_setf(ev.channel, sizeof(ev.channel), "%s", json_string_value(v));
	if (json_is_string(v = json_object_get(o, "ProviderName")))
		kd_setf(ev.provider, sizeof(ev.provider), "%s", json_string_value(v));
	data = json_object_get(o, "Data");
	if (data == NULL)
		data = json_object_get(o, "Properties");
	if (json_is_array(data)) {
		for (i = 0; i < json_array_size(data); i++) {
			if (n == EV_MAX_FIELDS + 1) {
				ev.fields_cut = true;
				break;
			}
			if (!value_text(json_array_get(data, i), vals[n], sizeof(vals[n]))) {
				ev_error(p, 0, rec, "json", KD_EINVAL,
				    "Data value %zu is not a string or a number", i + 1);
				return;
			}
			ptrs[n] = vals[n];
			n++;
		}
	} else if (data != NULL && value_text(data, vals[0], sizeof(vals[0]))) {
		ptrs[0] = vals[0];
		n = 1;
	}
	/*
	 * ConvertTo-Json without the Properties.Value projection writes the
	 * values as type names ("System.Diagnostics...EventProperty"): use
	 * the message's Info line instead.
	 */
	for (i = 0; i < n; i++)
		if (strncmp(vals[i], "System.", 7) == 0 || strncmp(vals[i], "@{", 2) == 0) {
			n = 0;
			break;
		}
	if (n > 0)
		ev_fields_from_values(&ev, ptrs, n);
	else if (json_is_string(v = json_object_get(o, "Message")))
		ev_info_from_message(json_string_value(v), &ev);
	ev_emit_event(p, &ev);
}

static enum kd_status
json_end(struct ev_parser *p)
{
	struct json_state *j = p->fs;
	json_error_t err;
	json_t *root;
	size_t i;

	root = json_loadb(j->buf ? j->buf : "", j->n, JSON_DECODE_ANY, &err);
	if (root == NULL)
		return ev_error(p, (uint64_t)(err.line > 0 ? err.line : 0), 0, "json",
		    KD_EINVAL, "%s at column %d: the file is not read", err.text, err.column);
	if (json_is_array(root)) {
		for (i = 0; i < json_array_size(root); i++)
			one_event(p, json_array_get(root, i), i + 1);
		if (json_array_size(root) == 0)
			ev_error(p, 0, 0, "json", KD_EINVAL, "an empty array: no events");
	} else
		one_event(p, root, 1);
	json_decref(root);
	return KD_OK;
}

static void
json_fini(struct ev_parser *p)
{
	struct json_state *j = p->fs;

	if (j != NULL)
		free(j->buf);
	free(j);
	p->fs = NULL;
}

const struct ev_fmt_ops ev_json_ops = {
	json_start, json_data, NULL, json_end, json_fini
};
