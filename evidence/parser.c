/*
 * The streaming front of the evidence parser: the encoding (BOM, UTF-16,
 * a console code page), the format (by content), lines for the line
 * formats, and errors that name the file, the line and the record.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence_int.h"
#include "textf.h"

enum kd_status
ev_error(struct ev_parser *p, uint64_t line, uint64_t record, const char *layer,
    enum kd_status st, const char *fmt, ...)
{
	struct ev_err e;
	va_list ap;

	p->errors++;
	if (p->errors > EV_MAX_ERRORS || p->sink.error == NULL)
		return st;
	memset(&e, 0, sizeof(e));
	e.source = p->source;
	e.line = line;
	e.record = record;
	e.layer = layer;
	e.status = st;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	p->sink.error(p->sink.arg, &e);
	return st;
}

void
ev_emit_event(struct ev_parser *p, struct ev_event *ev)
{
	p->records++;
	if (ev->record == 0)
		ev->record = p->records;
	if (p->sink.event != NULL)
		p->sink.event(p->sink.arg, ev);
}

bool
ev_info_from_message(const char *msg, struct ev_event *ev)
{
	const char *s = msg, *info = NULL, *eol;
	char line[EV_FIELD_MAX * EV_MAX_FIELDS];
	size_t n;

	/* The last "Info:" line wins: a description could quote the word. */
	while ((s = strstr(s, "Info:")) != NULL) {
		if (s == msg || s[-1] == '\n' || s[-1] == '\r' || s[-1] == ' ')
			info = s;
		s += 5;
	}
	if (info == NULL)
		return false;
	info += 5;
	/* The fields follow on the same line or on the next non-empty one. */
	while (*info == ' ' || *info == '\t')
		info++;
	while (*info == '\r' || *info == '\n' || *info == ' ' || *info == '\t')
		info++;
	eol = info + strcspn(info, "\r\n");
	n = (size_t)(eol - info);
	if (n == 0)
		return false;
	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		ev->fields_cut = true;
	}
	memcpy(line, info, n);
	line[n] = '\0';
	ev_split_info(line, ev);
	return true;
}

/* --- detection ----------------------------------------------------------------- */

static bool
starts(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && strncmp(s, prefix, n) == 0;
}

static bool
has(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; (size_t)(end - s) >= n; s++)
		if (memcmp(s, needle, n) == 0)
			return true;
	return false;
}

/* An extended PID: 05426-00206-271-298161-03-1033-9200.0000-0452024 and kin. */
static bool
epid_shape(const char *s, const char *end)
{
	static const int groups[] = { 5, 5, 3, 6, 2 };
	size_t g;
	int k;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		for (k = 0; k < groups[g]; k++, s++)
			if (s >= end || !isdigit((unsigned char)*s))
				return false;
		if (s >= end || *s != '-')
			return false;
		s++;
	}
	return true;
}

static bool
guid_shape(const char *s, const char *end)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if ((size_t)(end - s) < sizeof(pat) - 1)
		return false;
	for (i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

enum ev_format
ev_detect(const char *s, size_t n)
{
	const char *end = s + n, *l, *eol, *colon;
	unsigned dots = 0, sysinfo = 0, slmgr = 0, labels = 0, values = 0;

	if (n >= 8 && memcmp(s, "ElfFile", 8) == 0)
		return EV_FMT_EVTX;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end)
		return EV_FMT_UNKNOWN;
	if (*s == '<')
		return EV_FMT_EVENT_XML;
	if (*s == '[' || *s == '{')
		return EV_FMT_EVENT_JSON;
	if (starts(s, end, "Event["))
		return EV_FMT_EVENT_TEXT;
	eol = memchr(s, '\n', (size_t)(end - s));
	if (eol == NULL)
		eol = end;
	if (starts(s, end, "#TYPE") ||
	    (memchr(s, ',', (size_t)(eol - s)) != NULL &&
	    (has(s, eol, "TimeCreated") || (has(s, eol, "Id") && has(s, eol, "Message")))))
		return EV_FMT_EVENT_CSV;
	if (has(s, end, "Windows IP Configuration"))
		return EV_FMT_IPCONFIG;
	for (l = s; l < end; l = eol + 1) {
		const char *v;

		eol = memchr(l, '\n', (size_t)(end - l));
		if (eol == NULL)
			eol = end;
		if (has(l, eol, ". . . :") || has(l, eol, ". . :"))
			dots++;
		if ((colon = memchr(l, ':', (size_t)(eol - l))) == NULL)
			continue;
		v = colon + 1;
		while (v < eol && *v == ' ')
			v++;
		/* systeminfo pads every label so the values start in column 28. */
		if (colon - l < 26 && v - l == 27 && colon > l && !isspace((unsigned char)*l))
			sysinfo++;
		if (starts(l, eol, "Host Name:") || starts(l, eol, "OS Name:") ||
		    starts(l, eol, "System Boot Time:"))
			sysinfo += 4;
		if (starts(l, eol, "Name:") || starts(l, eol, "Description:") ||
		    starts(l, eol, "Activation ID:") || starts(l, eol, "License Status:") ||
		    starts(l, eol, "Extended PID:") || starts(l, eol, "Partial Product Key:") ||
		    starts(l, eol, "Software licensing service version:"))
			slmgr++;
		if (colon > l && !isspace((unsigned char)*l))
			labels++;
		if (epid_shape(v, eol) || guid_shape(v, eol))
			values++;
	}
	if (dots >= 2)
		return EV_FMT_IPCONFIG;
	if (sysinfo >= 4)
		return EV_FMT_SYSTEMINFO;
	if (slmgr >= 2 || (values >= 1 && labels >= 3))
		return EV_FMT_SLMGR;
	return EV_FMT_UNKNOWN;
}

/* --- the format, once known ------------------------------------------------------- */

static const struct ev_fmt_ops *
ops_for(enum ev_format f)
{
	switch (f) {
	case EV_FMT_EVENT_TEXT:
		return &ev_text_ops;
	case EV_FMT_EVENT_XML:
		return &ev_xml_ops;
	case EV_FMT_EVENT_CSV:
		return &ev_csv_ops;
	case EV_FMT_EVENT_JSON:
		return &ev_json_ops;
	case EV_FMT_SLMGR:
		return &ev_slmgr_ops;
	case EV_FMT_IPCONFIG:
		return &ev_ipconfig_ops;
	case EV_FMT_SYSTEMINFO:
		return &ev_systeminfo_ops;
	default:
		return NULL;
	}
}

static void
finish_line(struct ev_parser *p)
{
	p->lineno++;
	if (p->line_long) {
		ev_error(p, p->lineno, 0, "text", KD_ELIMIT,
		    "line longer than %d bytes: skipped", EV_MAX_LINE);
		p->line_long = false;
		p->nline = 0;
		return;
	}
	if (p->nline > 0 && p->line[p->nline - 1] == '\r')
		p->nline--;
	p->line[p->nline] = '\0';
	p->ops->line(p, p->line, p->nline);
	p->nline = 0;
}

static void
split_lines(struct ev_parser *p, const char *s, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t take = nl ? (size_t)(nl - s) : n;

		if (p->nline + take > EV_MAX_LINE) {
			p->line_long = true;
			take = p->nline < EV_MAX_LINE ? EV_MAX_LINE - p->nline : 0;
		}
		memcpy(p->line + p->nline, s, take);
		p->nline += take;
		if (nl == NULL)
			return;
		finish_line(p);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
}

static void
to_format(struct ev_parser *p, const char *s, size_t n)
{
	enum kd_status st;

	if (p->stop != KD_OK || n == 0)
		return;
	if (p->ops->data == NULL) {
		split_lines(p, s, n);
		return;
	}
	/* Non-line formats still count lines, for the formats that cannot. */
	if ((st = p->ops->data(p, s, n)) != KD_OK)
		p->stop = st;
}

static void
detect_and_start(struct ev_parser *p)
{
	enum kd_status st;

	p->detected = true;
	p->fmt = ev_detect(p->head, p->nhead);
	if (p->fmt == EV_FMT_EVTX) {
		p->stop = ev_error(p, 0, 0, "evtx", KD_EUNSUP,
		    "binary .evtx, not built with libevtx: convert it with "
		    "wevtutil qe FILE.evtx /lf:true /f:xml /e:Events > FILE.xml");
		return;
	}
	if ((p->ops = ops_for(p->fmt)) == NULL) {
		p->stop = ev_error(p, 0, 0, "input", KD_EUNSUP,
		    "not an export kmsdiag-evidence reads (wevtutil text/XML, Get-WinEvent "
		    "CSV/JSON, slmgr /dlv, ipconfig /all, systeminfo)");
		return;
	}
	if (p->ops->data == NULL && (p->line = malloc(EV_MAX_LINE + 1)) == NULL) {
		p->stop = ev_error(p, 0, 0, "input", KD_ENOMEM, "line buffer");
		return;
	}
	if (p->ops->start != NULL && (st = p->ops->start(p)) != KD_OK) {
		p->stop = st;
		return;
	}
	to_format(p, p->head, p->nhead);
}

/* UTF-8 text from the decoder. */
static void
utf8_in(struct ev_parser *p, const char *s, size_t n)
{
	if (!p->detected) {
		size_t take = EV_HEAD - p->nhead < n ? EV_HEAD - p->nhead : n;

		memcpy(p->head + p->nhead, s, take);
		p->nhead += take;
		s += take;
		n -= take;
		if (p->nhead < EV_HEAD)
			return;
		detect_and_start(p);
	}
	to_format(p, s, n);
}

/* --- decoding ----------------------------------------------------------------- */

struct outbuf {
	struct ev_parser	*p;
	char			 b[16384];
	size_t			 n;
};

static void
out_flush(struct outbuf *o)
{
	utf8_in(o->p, o->b, o->n);
	o->n = 0;
}

static void
out_cp(struct outbuf *o, uint32_t cp)
{
	if (o->n + 4 > sizeof(o->b))
		out_flush(o);
	if (cp == 0)
		cp = 0xfffd;	/* a NUL would end a C string early */
	if (cp < 0x80)
		o->b[o->n++] = (char)cp;
	else if (cp < 0x800) {
		o->b[o->n++] = (char)(0xc0 | cp >> 6);
		o->b[o->n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		o->b[o->n++] = (char)(0xe0 | cp >> 12);
		o->b[o->n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o->b[o->n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		o->b[o->n++] = (char)(0xf0 | cp >> 18);
		o->b[o->n++] = (char)(0x80 | (cp >> 12 & 0x3f));
		o->b[o->n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		o->b[o->n++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Code page 850's upper half from the C library's iconv, not a table typed here. */
static void
cp850_init(struct ev_parser *p)
{
	iconv_t cd;
	unsigned i;

	p->cp850_ready = true;
	cd = iconv_open("UTF-32LE", "CP850");
	for (i = 0; i < 128; i++) {
		char in = (char)(0x80 + i), *ip = &in, out[4], *op = out;
		size_t il = 1, ol = 4;

		p->cp850[i] = 0xfffd;
		if (cd != (iconv_t)-1 && iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && ol == 0)
			p->cp850[i] = (uint32_t)(uint8_t)out[0] | (uint32_t)(uint8_t)out[1] << 8 |
			    (uint32_t)(uint8_t)out[2] << 16 | (uint32_t)(uint8_t)out[3] << 24;
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

static void
byte_cp850(struct ev_parser *p, struct outbuf *o, uint8_t b)
{
	if (!p->cp850_ready)
		cp850_init(p);
	if (p->enc == EV_ENC_UTF8)
		p->enc = EV_ENC_CP850;
	out_cp(o, p->cp850[b - 0x80]);
}

/* Length of the UTF-8 sequence at s (n bytes available): 0 invalid, -1 incomplete. */
static int
utf8_len(const uint8_t *s, size_t n, uint32_t *cp)
{
	int len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

static void
decode_8bit(struct ev_parser *p, struct outbuf *o, const uint8_t *s, size_t n, bool last)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		int len = utf8_len(s + i, n - i, &cp);

		if (len == -1 && !last) {
			memcpy(p->carry, s + i, n - i);
			p->ncarry = n - i;
			return;
		}
		if (len <= 0) {
			/* Not UTF-8: the console code page cscript writes in. */
			byte_cp850(p, o, s[i]);
			i++;
			continue;
		}
		out_cp(o, cp);
		i += (size_t)len;
	}
}

static uint32_t
unit16(const struct ev_parser *p, const uint8_t *b)
{
	return p->enc == EV_ENC_UTF16LE ? (uint32_t)b[0] | (uint32_t)b[1] << 8 :
	    (uint32_t)b[0] << 8 | b[1];
}

static void
bad_utf16(struct ev_parser *p, struct outbuf *o, const char *what)
{
	out_cp(o, 0xfffd);
	if (!p->bad_encoding_told) {
		p->bad_encoding_told = true;
		ev_error(p, 0, 0, "utf-16", KD_EINVAL, "%s: replaced by U+FFFD", what);
	}
}

static void
decode_16(struct ev_parser *p, struct outbuf *o, const uint8_t *s, size_t n, bool last)
{
	size_t i = 0;

	while (i + 2 <= n) {
		uint32_t u = unit16(p, s + i), lo;

		if (u >= 0xd800 && u <= 0xdbff) {
			if (i + 4 > n) {
				if (!last)
					break;
				bad_utf16(p, o, "lone high surrogate");
				i += 2;
				continue;
			}
			lo = unit16(p, s + i + 2);
			if (lo < 0xdc00 || lo > 0xdfff) {
				bad_utf16(p, o, "high surrogate without its low half");
				i += 2;
				continue;
			}
			out_cp(o, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
			i += 4;
			continue;
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			bad_utf16(p, o, "lone low surrogate");
		else
			out_cp(o, u);
		i += 2;
	}
	if (i < n) {
		if (last) {
			out_flush(o);
			ev_error(p, 0, 0, "utf-16", KD_ETRUNC,
			    "the file ends in the middle of a UTF-16 character (%zu byte%s left)",
			    n - i, n - i == 1 ? "" : "s");
			return;
		}
		memcpy(p->carry, s + i, n - i);
		p->ncarry = n - i;
	}
}

static void
decode(struct ev_parser *p, const uint8_t *s, size_t n, bool last)
{
	struct outbuf *o;

	if ((o = malloc(sizeof(*o))) == NULL) {
		p->stop = ev_error(p, 0, 0, "input", KD_ENOMEM, "decode buffer");
		return;
	}
	o->p = p;
	o->n = 0;
	/* A character cut between two pieces: complete it from this one first. */
	if (p->ncarry > 0 && (n > 0 || last)) {
		uint8_t tmp[8];
		size_t k = p->ncarry, take = n < sizeof(tmp) - k ? n : sizeof(tmp) - k;
		size_t before;

		memcpy(tmp, p->carry, k);
		memcpy(tmp + k, s, take);
		p->ncarry = 0;
		before = k + take;
		if (p->enc == EV_ENC_UTF16LE || p->enc == EV_ENC_UTF16BE)
			decode_16(p, o, tmp, before, last && take == n);
		else
			decode_8bit(p, o, tmp, before, last && take == n);
		/* What is carried again came from s; only the consumed part of s advances. */
		if (p->ncarry > take) {
			/* Still incomplete with everything we had: s is all carried. */
			s += take;
			n -= take;
		} else {
			s += take - p->ncarry;
			n -= take - p->ncarry;
			p->ncarry = 0;
		}
	}
	if (p->enc == EV_ENC_UTF16LE || p->enc == EV_ENC_UTF16BE)
		decode_16(p, o, s, n, last);
	else
		decode_8bit(p, o, s, n, last);
	out_flush(o);
	free(o);
}

static void
decide_encoding(struct ev_parser *p, bool last)
{
	const uint8_t *r = p->raw;
	size_t skip = 0;

	p->enc_known = true;
	p->enc = EV_ENC_UTF8;
	if (p->nraw >= 7 && memcmp(r, "ElfFile", 7) == 0) {
		memcpy(p->head, r, p->nraw);
		p->nhead = p->nraw;
		detect_and_start(p);
		return;
	}
	if (p->nraw >= 2 && r[0] == 0xff && r[1] == 0xfe) {
		p->enc = EV_ENC_UTF16LE;
		skip = 2;
	} else if (p->nraw >= 2 && r[0] == 0xfe && r[1] == 0xff) {
		p->enc = EV_ENC_UTF16BE;
		skip = 2;
	} else if (p->nraw >= 3 && r[0] == 0xef && r[1] == 0xbb && r[2] == 0xbf) {
		p->enc = EV_ENC_UTF8_BOM;
		skip = 3;
	} else if (p->nraw >= 4 && r[0] != 0 && r[1] == 0 && r[2] != 0 && r[3] == 0)
		p->enc = EV_ENC_UTF16LE;	/* no BOM, but ASCII in UTF-16LE */
	decode(p, r + skip, p->nraw - skip, last);
}

struct ev_parser *
ev_parser_new(const char *source, const struct ev_sink *sink)
{
	struct ev_parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->head = malloc(EV_HEAD)) == NULL) {
		free(p);
		return NULL;
	}
	p->source = source;
	if (sink != NULL)
		p->sink = *sink;
	p->cd = (iconv_t)-1;
	return p;
}

enum kd_status
ev_parser_feed(struct ev_parser *p, const void *buf, size_t len)
{
	const uint8_t *s = buf;

	if (p->stop != KD_OK)
		return p->stop;
	if (!p->enc_known) {
		size_t take = sizeof(p->raw) - p->nraw < len ? sizeof(p->raw) - p->nraw : len;

		memcpy(p->raw + p->nraw, s, take);
		p->nraw += take;
		s += take;
		len -= take;
		if (p->nraw < sizeof(p->raw))
			return KD_OK;
		decide_encoding(p, false);
	}
	if (p->stop == KD_OK && len > 0)
		decode(p, s, len, false);
	return p->stop;
}

enum kd_status
ev_parser_end(struct ev_parser *p)
{
	enum kd_status st;

	if (p->stop != KD_OK)
		return p->stop;
	if (!p->enc_known)
		decide_encoding(p, true);
	else if (p->ncarry > 0)
		decode(p, (const uint8_t *)"", 0, true);
	if (p->stop != KD_OK)
		return p->stop;
	if (!p->detected)
		detect_and_start(p);
	if (p->stop != KD_OK)
		return p->stop;
	if (p->ops->data == NULL && (p->nline > 0 || p->line_long))
		finish_line(p);
	if (p->ops->end != NULL && (st = p->ops->end(p)) != KD_OK)
		p->stop = st;
	if (p->errors > EV_MAX_ERRORS) {
		uint64_t more = p->errors - EV_MAX_ERRORS;

		p->errors = EV_MAX_ERRORS;	/* let this one through */
		ev_error(p, 0, 0, "input", KD_ELIMIT, "%llu more errors not shown",
		    (unsigned long long)more);
		p->errors += more;
	}
	return p->stop;
}

enum ev_format
ev_parser_format(const struct ev_parser *p)
{
	return p->fmt;
}

enum ev_encoding
ev_parser_encoding(const struct ev_parser *p)
{
	return p->enc;
}

uint64_t
ev_parser_records(const struct ev_parser *p)
{
	return p->records;
}

uint64_t
ev_parser_errors(const struct ev_parser *p)
{
	return p->errors;
}

void
ev_parser_free(struct ev_parser *p)
{
	if (p == NULL)
		return;
	if (p->ops != NULL && p->ops->fini != NULL)
		p->ops->fini(p);
	if (p->cd != (iconv_t)-1)
		iconv_close(p->cd);
	free(p->head);
	free(p->line);
	free(p);
}

enum kd_status
ev_parse_buffer(const char *source, const void *buf, size_t len, const struct ev_sink *sink,
    enum ev_format *fmt)
{
	struct ev_parser *p;
	enum kd_status st;

	if ((p = ev_parser_new(source, sink)) == NULL)
		return KD_ENOMEM;
	ev_parser_feed(p, buf, len);
	st = ev_parser_end(p);
	if (fmt != NULL)
		*fmt = p->fmt;
	ev_parser_free(p);
	return st;
}

enum kd_status
ev_parser_read_file(struct ev_parser *p, const char *path)
{
	enum kd_status st = KD_OK;
	uint8_t *buf;
	ssize_t n;
	int fd;

	/* "-": standard input, as exported and piped. */
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1)
		return p->stop = ev_error(p, 0, 0, "input", KD_EIO, "%s", strerror(errno));
	if ((buf = malloc(65536)) == NULL) {
		if (fd != STDIN_FILENO)
			close(fd);
		return p->stop = ev_error(p, 0, 0, "input", KD_ENOMEM, "read buffer");
	}
	while ((n = read(fd, buf, 65536)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st = p->stop = ev_error(p, 0, 0, "input", KD_EIO, "read: %s",
			    strerror(errno));
			break;
		}
		if (ev_parser_feed(p, buf, (size_t)n) != KD_OK)
			break;
	}
	if (st == KD_OK)
		st = ev_parser_end(p);
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return st;
}

enum kd_status
ev_parse_file(const char *path, const struct ev_sink *sink, enum ev_format *fmt)
{
	struct ev_parser *p;
	enum kd_status st;

	if ((p = ev_parser_new(path, sink)) == NULL)
		return KD_ENOMEM;
	st = ev_parser_read_file(p, path);
	if (fmt != NULL)
		*fmt = p->fmt;
	ev_parser_free(p);
	return st;
}

void
ev_fields_from_values(struct ev_event *ev, const char *const *vals, size_t n)
{
	size_t i, first = 0;

	/*
	 * EventData holds the values one per <Data>, or the whole Info line
	 * first and then the values (scripts read values 1-9), or only the
	 * line.  A first value with a comma is the line.
	 */
	if (n >= 1 && strchr(vals[0], ',') != NULL) {
		if (n == 1) {
			ev_split_info(vals[0], ev);
			return;
		}
		first = 1;
	}
	ev->nfields = 0;
	for (i = first; i < n; i++) {
		if (ev->nfields == EV_MAX_FIELDS) {
			ev->fields_cut = true;
			break;
		}
		if (strlen(vals[i]) >= EV_FIELD_MAX)
			ev->fields_cut = true;
		kd_setf(ev->fields[ev->nfields], EV_FIELD_MAX, "%s", vals[i]);
		/* Values are trimmed like the Info line's. */
		{
			char *f = ev->fields[ev->nfields], *e;
			size_t lead = strspn(f, " \t\r\n");

			memmove(f, f + lead, strlen(f + lead) + 1);
			e = f + strlen(f);
			while (e > f && isspace((unsigned char)e[-1]))
				*--e = '\0';
		}
		ev->nfields++;
	}
}
