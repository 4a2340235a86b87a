/*
 * Event logs as XML (wevtutil qe /f:xml, with or without /e:Events;
 * /f:RenderedXml; evtxexport -f xml), read with expat as a stream: one
 * event at a time in memory, whatever the size of the file.
 *
 * Without /e:Events the file is a sequence of <Event> fragments, not a
 * document; every input is therefore parsed inside a wrapper element of
 * our own.  A malformed event stops expat; we report it (line, record)
 * and start a new parser at the next "<Event", so the rest of the file
 * is still read.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "evidence_int.h"
#include "textf.h"

#define WRAP_OPEN	"<kmsdiag-evidence>"
#define WRAP_CLOSE	"</kmsdiag-evidence>"
#define MSG_MAX		8192

enum xfield { XF_NONE, XF_EVENTID, XF_CHANNEL, XF_COMPUTER, XF_DATA, XF_MESSAGE };

struct xml_state {
	struct ev_parser	*p;
	XML_Parser		 xp;
	unsigned		 depth, event_depth, field_depth;
	enum xfield		 field;
	struct ev_event		 ev;
	bool			 have_id, id_bad, data_cut;
	char			 text[EV_FIELD_MAX];
	size_t			 ntext;
	char			 data[EV_MAX_FIELDS + 1][EV_FIELD_MAX];
	size_t			 ndata;
	char			 msg[MSG_MAX];
	size_t			 nmsg;
	uint64_t		 nevents;
	/* Where this expat instance started, for line numbers after a restart. */
	uint64_t		 line_base;
	uint64_t		 lines_before;	/* newlines in the chunks already given */
	long long		 fed;		/* bytes given to this expat instance */
	bool			 decl_checked;
	bool			 events_root;	/* the file has /e:Events' root element */
	bool			 skipping;	/* after an error, until the next "<Event" */
	char			 tail[8];	/* the end of the last chunk while skipping */
	size_t			 ntail;
};

static const char *
local(const XML_Char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static void
text_append(char *buf, size_t cap, size_t *n, const char *s, int len, bool *cut)
{
	size_t take = (size_t)len;

	if (*n + take >= cap) {
		take = cap - 1 - *n;
		if (cut != NULL)
			*cut = true;
	}
	memcpy(buf + *n, s, take);
	*n += take;
	buf[*n] = '\0';
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state *x = arg;
	const char *n = local(name);
	size_t i;

	x->depth++;
	if (x->event_depth == 0) {
		if (x->depth == 2 && strcmp(n, "Events") == 0)
			x->events_root = true;
		if (strcmp(n, "Event") != 0)
			return;
		x->event_depth = x->depth;
		memset(&x->ev, 0, sizeof(x->ev));
		x->ev.when = EV_TIME_UNKNOWN;
		x->ev.line = x->line_base + XML_GetCurrentLineNumber(x->xp);
		x->ev.record = ++x->nevents;
		x->have_id = x->id_bad = x->data_cut = false;
		x->ndata = x->nmsg = 0;
		x->msg[0] = '\0';
		return;
	}
	if (x->field != XF_NONE)
		return;
	if (strcmp(n, "Provider") == 0 || strcmp(n, "TimeCreated") == 0) {
		for (i = 0; attrs[i] != NULL && attrs[i + 1] != NULL; i += 2) {
			if (strcmp(n, "Provider") == 0 && strcmp(attrs[i], "Name") == 0)
				kd_setf(x->ev.provider, sizeof(x->ev.provider), "%s", attrs[i + 1]);
			if (strcmp(n, "TimeCreated") == 0 && strcmp(attrs[i], "SystemTime") == 0 &&
			    !ev_parse_time(attrs[i + 1], &x->ev.when)) {
				x->ev.when = EV_TIME_UNKNOWN;
				ev_error(x->p, x->line_base + XML_GetCurrentLineNumber(x->xp),
				    x->ev.record, "xml", KD_EINVAL,
				    "TimeCreated SystemTime \"%.40s\" is not a date", attrs[i + 1]);
			}
		}
		return;
	}
	if (strcmp(n, "EventID") == 0)
		x->field = XF_EVENTID;
	else if (strcmp(n, "Channel") == 0)
		x->field = XF_CHANNEL;
	else if (strcmp(n, "Computer") == 0)
		x->field = XF_COMPUTER;
	else if (strcmp(n, "Data") == 0)
		x->field = XF_DATA;
	else if (strcmp(n, "Message") == 0)
		x->field = XF_MESSAGE;
	else
		return;
	x->field_depth = x->depth;
	x->ntext = 0;
	x->text[0] = '\0';
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_state *x = arg;

	if (x->field == XF_NONE || len <= 0)
		return;
	if (x->field == XF_MESSAGE)
		text_append(x->msg, sizeof(x->msg), &x->nmsg, s, len, NULL);
	else
		text_append(x->text, sizeof(x->text), &x->ntext, s, len,
		    x->field == XF_DATA ? &x->data_cut : NULL);
}

static void
finish_event(struct xml_state *x)
{
	const char *vals[EV_MAX_FIELDS + 1];
	size_t i;

	if (!x->have_id) {
		ev_error(x->p, x->ev.line, x->ev.record, "xml", KD_EINVAL,
		    x->id_bad ? "<EventID> is not a number" : "event without <EventID>");
		return;
	}
	for (i = 0; i < x->ndata; i++)
		vals[i] = x->data[i];
	if (x->ndata > 0)
		ev_fields_from_values(&x->ev, vals, x->ndata);
	else
		ev_info_from_message(x->msg, &x->ev);
	if (x->data_cut)
		x->ev.fields_cut = true;
	ev_emit_event(x->p, &x->ev);
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xml_state *x = arg;
	char *end;
	unsigned long v;

	(void)name;
	if (x->field != XF_NONE && x->depth == x->field_depth) {
		char *t = x->text;

		while (isspace((unsigned char)*t))
			t++;
		switch (x->field) {
		case XF_EVENTID:
			v = strtoul(t, &end, 10);
			while (isspace((unsigned char)*end))
				end++;
			if (!isdigit((unsigned char)*t) || *end != '\0' || v > UINT32_MAX)
				x->id_bad = true;
			else {
				x->ev.id = (uint32_t)v;
				x->have_id = true;
			}
			break;
		case XF_CHANNEL:
			kd_setf(x->ev.channel, sizeof(x->ev.channel), "%s", t);
			break;
		case XF_COMPUTER:
			kd_setf(x->ev.computer, sizeof(x->ev.computer), "%s", t);
			break;
		case XF_DATA:
			if (x->ndata < EV_MAX_FIELDS + 1)
				memcpy(x->data[x->ndata++], x->text, sizeof(x->text));
			else
				x->data_cut = true;
			break;
		default:
			break;
		}
		x->field = XF_NONE;
	}
	if (x->event_depth != 0 && x->depth == x->event_depth) {
		finish_event(x);
		x->event_depth = 0;
		x->field = XF_NONE;
	}
	x->depth--;
}

static bool
new_expat(struct xml_state *x)
{
	if (x->xp != NULL)
		XML_ParserFree(x->xp);
	/* The decoder already made the text UTF-8, whatever the file declared. */
	if ((x->xp = XML_ParserCreate("UTF-8")) == NULL)
		return false;
	XML_SetUserData(x->xp, x);
	XML_SetElementHandler(x->xp, on_start, on_end);
	XML_SetCharacterDataHandler(x->xp, on_text);
	x->depth = x->event_depth = 0;
	x->field = XF_NONE;
	x->fed = (long long)strlen(WRAP_OPEN);
	if (XML_Parse(x->xp, WRAP_OPEN, (int)strlen(WRAP_OPEN), 0) != XML_STATUS_OK)
		return false;
	/* Resuming inside <Events>: open it again so its end tag still matches. */
	if (x->events_root) {
		x->fed += 8;
		return XML_Parse(x->xp, "<Events>", 8, 0) == XML_STATUS_OK;
	}
	return true;
}

static enum kd_status
xml_start(struct ev_parser *p)
{
	struct xml_state *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ev_error(p, 0, 0, "xml", KD_ENOMEM, "parser state");
	p->fs = x;
	x->p = p;
	if (!new_expat(x))
		return ev_error(p, 0, 0, "xml", KD_ENOMEM, "expat");
	return KD_OK;
}

static uint64_t
count_nl(const char *s, size_t n)
{
	uint64_t k = 0;
	const char *e = s + n;

	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s++;
	}
	return k;
}

/* The next "<Event" start tag (not "<Events") in s, or n. */
static size_t
next_event(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 7 <= n; i++)
		if (memcmp(s + i, "<Event", 6) == 0 &&
		    (s[i + 6] == '>' || isspace((unsigned char)s[i + 6]) || s[i + 6] == '/'))
			return i;
	return n;
}

static enum kd_status
xml_data(struct ev_parser *p, const char *s, size_t n)
{
	struct xml_state *x = p->fs;
	size_t pos = 0, i;

	if (!x->decl_checked) {
		/* An XML declaration would be illegal inside our wrapper: skip it. */
		x->decl_checked = true;
		while (pos < n && isspace((unsigned char)s[pos]) && s[pos] != '\n')
			pos++;
		if (n - pos >= 5 && memcmp(s + pos, "<?xml", 5) == 0) {
			const char *e;

			for (e = s + pos; e + 1 < s + n; e++)
				if (e[0] == '?' && e[1] == '>')
					break;
			if (e + 1 < s + n)
				pos = (size_t)(e + 2 - s);
		}
	}
	while (pos < n) {
		if (x->skipping) {
			char join[16];
			size_t k = x->ntail, take = n - pos < 7 ? n - pos : 7;

			/* A "<Event" cut between two chunks. */
			memcpy(join, x->tail, k);
			memcpy(join + k, s + pos, take);
			i = next_event(join, k + take);
			if (i < k) {
				/* Starts in the tail: give expat the tail's part first. */
				x->skipping = false;
				x->ntail = 0;
				x->line_base = x->lines_before + count_nl(s, pos);
				if (!new_expat(x))
					return ev_error(p, 0, 0, "xml", KD_ENOMEM, "expat");
				x->fed += (long long)(k - i);
				if (XML_Parse(x->xp, join + i, (int)(k - i), 0) != XML_STATUS_OK)
					x->skipping = true;
				continue;
			}
			i = pos + next_event(s + pos, n - pos);
			if (i == n) {
				size_t keep = n - pos < 7 ? n - pos : 7;

				if (x->ntail + keep > sizeof(x->tail) - 1)
					x->ntail = 0;
				memcpy(x->tail + x->ntail, s + n - keep, keep);
				x->ntail += keep;
				if (x->ntail > 7) {
					memmove(x->tail, x->tail + x->ntail - 7, 7);
					x->ntail = 7;
				}
				break;
			}
			x->skipping = false;
			x->ntail = 0;
			x->line_base = x->lines_before + count_nl(s, i);
			if (!new_expat(x))
				return ev_error(p, 0, 0, "xml", KD_ENOMEM, "expat");
			pos = i;
			continue;
		}
		{
			long long before = x->fed;
			size_t len = n - pos > (size_t)1 << 30 ? (size_t)1 << 30 : n - pos;
			long long idx;

			x->fed += (long long)len;
			if (XML_Parse(x->xp, s + pos, (int)len, 0) == XML_STATUS_OK) {
				pos += len;
				continue;
			}
			ev_error(p, x->line_base + XML_GetCurrentLineNumber(x->xp),
			    x->event_depth ? x->ev.record : 0, "xml", KD_EINVAL,
			    "%s at column %lu%s", XML_ErrorString(XML_GetErrorCode(x->xp)),
			    (unsigned long)XML_GetCurrentColumnNumber(x->xp),
			    x->event_depth ? "; the event is skipped" : "");
			/* Resume after the error point, at the next event. */
			idx = XML_GetCurrentByteIndex(x->xp);
			if (idx < before || idx - before >= (long long)len)
				pos += len;
			else
				pos += (size_t)(idx - before) + 1;
			x->skipping = true;
			x->ntail = 0;
			if (pos > n)
				pos = n;
		}
	}
	x->lines_before += count_nl(s, n);
	return KD_OK;
}

static enum kd_status
xml_end(struct ev_parser *p)
{
	struct xml_state *x = p->fs;

	if (x->skipping)
		return KD_OK;
	if (x->event_depth != 0) {
		ev_error(p, x->ev.line, x->ev.record, "xml", KD_ETRUNC,
		    "the file ends inside this event: cut short?");
		return KD_OK;
	}
	if (x->depth > 1) {
		ev_error(p, x->lines_before + 1, 0, "xml", KD_ETRUNC,
		    "the file ends before the root element is closed: cut short?");
		return KD_OK;
	}
	if (XML_Parse(x->xp, WRAP_CLOSE, (int)strlen(WRAP_CLOSE), 1) != XML_STATUS_OK)
		ev_error(p, x->line_base + XML_GetCurrentLineNumber(x->xp), 0, "xml", KD_EINVAL,
		    "%s", XML_ErrorString(XML_GetErrorCode(x->xp)));
	if (x->nevents == 0)
		ev_error(p, 0, 0, "xml", KD_EINVAL, "no <Event> element in the file");
	return KD_OK;
}

static void
xml_fini(struct ev_parser *p)
{
	struct xml_state *x = p->fs;

	if (x != NULL && x->xp != NULL)
		XML_ParserFree(x->xp);
	free(x);
	p->fs = NULL;
}

const struct ev_fmt_ops ev_xml_ops = {
	xml_start, xml_data, NULL, xml_end, xml_fini
};
