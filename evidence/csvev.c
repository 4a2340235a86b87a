/*
 * Event logs from Get-WinEvent | Select-Object ... | Export-Csv, read
 * with libcsv (RFC 4180 quoting: the Message column holds line breaks
 * and quotes inside quotes).  Columns are found by their header name,
 * in any order; Windows PowerShell's "#TYPE ..." first line (without
 * -NoTypeInformation) is skipped.  libcsv buffers one field at a time,
 * through an allocator of ours that refuses more than EV_MAX_RECORD.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "evidence_int.h"
#include "textf.h"

#define MSG_MAX		8192
#define MAX_COLS	64

enum col { C_OTHER, C_TIME, C_ID, C_MACHINE, C_MESSAGE, C_LOG, C_PROVIDER, C_DATA };

struct csv_state {
	struct ev_parser	*p;
	struct csv_parser	 cp;
	bool			 cp_ready;
	bool			 first_line_checked, in_type_line;
	bool			 header_done;
	enum col		 cols[MAX_COLS];
	size_t			 ncols;
	size_t			 col;		/* field index in the current row */
	uint64_t		 row;		/* data rows, 1-based */
	struct ev_event		 ev;
	bool			 have_id, id_bad, time_bad;
	char			 time_text[48];
	char			 msg[MSG_MAX];
	char			 data[MSG_MAX];
	bool			 have_id_col;
};

/* libcsv grows its field buffer with this; past the cap it fails (CSV_ENOMEM). */
static void *
capped_realloc(void *ptr, size_t size)
{
	if (size > EV_MAX_RECORD)
		return NULL;
	return realloc(ptr, size);
}

static enum col
col_kind(const char *s)
{
	static const struct {
		const char	*name;
		enum col	 c;
	} names[] = {
		{ "TimeCreated", C_TIME }, { "Id", C_ID }, { "EventID", C_ID },
		{ "MachineName", C_MACHINE }, { "Message", C_MESSAGE },
		{ "LogName", C_LOG }, { "ProviderName", C_PROVIDER },
		{ "Data", C_DATA }, { "Properties", C_DATA },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].c;
	return C_OTHER;
}

static void
row_reset(struct csv_state *c)
{
	memset(&c->ev, 0, sizeof(c->ev));
	c->ev.when = EV_TIME_UNKNOWN;
	c->have_id = c->id_bad = c->time_bad = false;
	c->msg[0] = c->data[0] = c->time_text[0] = '\0';
	c->col = 0;
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct csv_state *c = arg;
	const char *f = s ? s : "";
	char *end;
	unsigned long v;

	if (!c->header_done) {
		if (c->ncols < MAX_COLS) {
			c->cols[c->ncols] = col_kind(f);
			if (c->cols[c->ncols] == C_ID)
				c->have_id_col = true;
			c->ncols++;
		}
		return;
	}
	(void)len;
	if (c->col < c->ncols) {
		switch (c->cols[c->col]) {
		case C_TIME:
			kd_setf(c->time_text, sizeof(c->time_text), "%s", f);
			if (!ev_parse_time(f, &c->ev.when)) {
				c->ev.when = EV_TIME_UNKNOWN;
				c->time_bad = *f != '\0';
			}
			break;
		case C_ID:
			while (isspace((unsigned char)*f))
				f++;
			v = strtoul(f, &end, 10);
			if (!isdigit((unsigned char)*f) || *end != '\0' || v > UINT32_MAX)
				c->id_bad = true;
			else {
				c->ev.id = (uint32_t)v;
				c->have_id = true;
			}
			break;
		case C_MACHINE:
			kd_setf(c->ev.computer, sizeof(c->ev.computer), "%s", f);
			break;
		case C_MESSAGE:
			kd_setf(c->msg, sizeof(c->msg), "%s", f);
			break;
		case C_LOG:
			kd_setf(c->ev.channel, sizeof(c->ev.channel), "%s", f);
			break;
		case C_PROVIDER:
			kd_setf(c->ev.provider, sizeof(c->ev.provider), "%s", f);
			break;
		case C_DATA:
			kd_setf(c->data, sizeof(c->data), "%s", f);
			break;
		default:
			break;
		}
	}
	c->col++;
}

static void
on_row(int term, void *arg)
{
	struct csv_state *c = arg;
	struct ev_parser *p = c->p;

	(void)term;
	if (!c->header_done) {
		c->header_done = true;
		if (!c->have_id_col)
			ev_error(p, 1, 0, "csv", KD_EINVAL,
			    "no \"Id\" column in the header: export with "
			    "Select-Object TimeCreated,Id,MachineName,Message");
		row_reset(c);
		return;
	}
	c->row++;
	c->ev.record = c->row;
	if (!c->have_id_col) {
		row_reset(c);
		return;
	}
	if (c->col < c->ncols)
		ev_error(p, 0, c->row, "csv", KD_EINVAL, "%zu fields, the header has %zu%s",
		    c->col, c->ncols, c->have_id ? "" : "; the row is skipped");
	if (!c->have_id) {
		if (c->id_bad)
			ev_error(p, 0, c->row, "csv", KD_EINVAL, "Id is not a number");
		row_reset(c);
		return;
	}
	if (c->time_bad)
		ev_error(p, 0, c->row, "csv", KD_EINVAL, "TimeCreated \"%.40s\" is not a date",
		    c->time_text);
	if (!ev_info_from_message(c->msg, &c->ev) && c->data[0] != '\0') {
		const char *v = c->data;

		ev_fields_from_values(&c->ev, &v, 1);
	}
	ev_emit_event(p, &c->ev);
	row_reset(c);
}

static enum kd_status
csv_start(struct ev_parser *p)
{
	struct csv_state *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ev_error(p, 0, 0, "csv", KD_ENOMEM, "parser state");
	p->fs = c;
	c->p = p;
	if (csv_init(&c->cp, CSV_APPEND_NULL) != 0)
		return ev_error(p, 0, 0, "csv", KD_ENOMEM, "libcsv");
	c->cp_ready = true;
	csv_set_realloc_func(&c->cp, capped_realloc);
	row_reset(c);
	return KD_OK;
}

static enum kd_status
csv_data(struct ev_parser *p, const char *s, size_t n)
{
	struct csv_state *c = p->fs;
	size_t done;

	if (!c->first_line_checked) {
		size_t k = 0;

		c->first_line_checked = true;
		while (k < n && isspace((unsigned char)s[k]))
			k++;
		c->in_type_line = n - k >= 5 && memcmp(s + k, "#TYPE", 5) == 0;
	}
	if (c->in_type_line) {
		const char *nl = memchr(s, '\n', n);

		if (nl == NULL)
			return KD_OK;
		c->in_type_line = false;
		n -= (size_t)(nl + 1 - s);
		s = nl + 1;
	}
	done = csv_parse(&c->cp, s, n, on_field, on_row, c);
	if (done != n)
		return ev_error(p, 0, c->row + 1, "csv", KD_ELIMIT,
		    "%s (a field over %d bytes?): the rest of the file is not read",
		    csv_strerror(csv_error(&c->cp)), EV_MAX_RECORD);
	return KD_OK;
}

static enum kd_status
csv_end(struct ev_parser *p)
{
	struct csv_state *c = p->fs;

	csv_fini(&c->cp, on_field, on_row, c);
	if (!c->header_done)
		ev_error(p, 0, 0, "csv", KD_EINVAL, "no header line");
	return KD_OK;
}

static void
csv_free_state(struct ev_parser *p)
{
	struct csv_state *c = p->fs;

	if (c != NULL && c->cp_ready)
		csv_free(&c->cp);
	free(c);
	p->fs = NULL;
}

const struct ev_fmt_ops ev_csv_ops = {
	csv_start, csv_data, NULL, csv_end, csv_free_state
};
