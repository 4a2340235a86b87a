/*
 * The fields of the KMS events, and the dates Windows writes: pure text
 * in, values out.  Field orders are those of the fact sheet
 * (../shared/docs/windows-evidence.md, "Events").
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence.h"
#include "textf.h"

const char *
ev_format_name(enum ev_format f)
{
	switch (f) {
	case EV_FMT_EVENT_TEXT:
		return "event log (wevtutil /f:text)";
	case EV_FMT_EVENT_XML:
		return "event log (XML)";
	case EV_FMT_EVENT_CSV:
		return "event log (PowerShell CSV)";
	case EV_FMT_EVENT_JSON:
		return "event log (PowerShell JSON)";
	case EV_FMT_EVTX:
		return "binary event log (.evtx)";
	case EV_FMT_SLMGR:
		return "slmgr.vbs /dlv";
	case EV_FMT_IPCONFIG:
		return "ipconfig /all";
	case EV_FMT_SYSTEMINFO:
		return "systeminfo";
	default:
		return "unknown";
	}
}

const char *
ev_encoding_name(enum ev_encoding e)
{
	switch (e) {
	case EV_ENC_UTF8_BOM:
		return "UTF-8 with BOM";
	case EV_ENC_UTF16LE:
		return "UTF-16LE";
	case EV_ENC_UTF16BE:
		return "UTF-16BE";
	case EV_ENC_CP850:
		return "code page 850";
	default:
		return "UTF-8";
	}
}

int
ev_err_format(const struct ev_err *e, char *buf, size_t len)
{
	char line[32] = "", rec[32] = "";

	if (e->line != 0)
		snprintf(line, sizeof(line), "line %" PRIu64 ": ", e->line);
	if (e->record != 0)
		snprintf(rec, sizeof(rec), "record %" PRIu64 ": ", e->record);
	return snprintf(buf, len, "%s: %s%s%s: %s%s%s%s", e->source ? e->source : "-",
	    line, rec, e->layer ? e->layer : "input", kd_strstatus(e->status),
	    e->msg[0] ? " (" : "", e->msg, e->msg[0] ? ")" : "");
}

bool
ev_id_known(uint32_t id)
{
	return (id >= 12288 && id <= 12294) || id == 12308;
}

static void
trim_copy(char *dst, size_t len, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

size_t
ev_split_info(const char *s, struct ev_event *ev)
{
	const char *comma;

	ev->nfields = 0;
	for (;;) {
		size_t n;

		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (ev->nfields == EV_MAX_FIELDS) {
			ev->fields_cut = true;
			break;
		}
		if (n >= EV_FIELD_MAX)
			ev->fields_cut = true;
		trim_copy(ev->fields[ev->nfields++], EV_FIELD_MAX, s, n);
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return ev->nfields;
}

/* --- dates ----------------------------------------------------------------- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: proleptic Gregorian, no timegm()/TZ. */
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
civil_ok(long y, long mo, long d, long h, long mi, long s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= mdays[mo - 1] && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 &&
	    s >= 0 && s <= 60;
}

static int64_t
civil_secs(long y, long mo, long d, long h, long mi, long s)
{
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + s;
}

/* Up to 9 digits; returns the count read. */
static int
digits(const char **pp, long *v)
{
	const char *p = *pp;
	int n = 0;

	*v = 0;
	while (isdigit((unsigned char)*p) && n < 9) {
		*v = *v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (isdigit((unsigned char)*p))
		return 0;
	*pp = p;
	return n;
}

static bool
parse_msdate(const char *s, int64_t *out)
{
	const char *p = s;
	long long ms;
	char *end;

	/* "\/Date(1709540131000)\/" as JSON text holds "/Date(...)/". */
	if (*p == '\\')
		p++;
	if (strncmp(p, "/Date(", 6) != 0)
		return false;
	p += 6;
	ms = strtoll(p, &end, 10);
	if (end == p || ms < 0 || ms > 253402300799000LL)
		return false;
	/* A "+0100" offset may follow; the number is UTC already. */
	if (*end == '+' || *end == '-')
		for (end++; isdigit((unsigned char)*end); end++)
			;
	if (*end != ')')
		return false;
	*out = ms / 1000;
	return true;
}

bool
ev_parse_time(const char *s, int64_t *out)
{
	const char *p;
	long a, b, c, h = 0, mi = 0, sec = 0, y, mo, d, frac;
	int na, nb, nc;
	char sep;
	int64_t t;

	while (isspace((unsigned char)*s) || *s == '"')
		s++;
	if (parse_msdate(s, out))
		return true;
	p = s;
	if ((na = digits(&p, &a)) == 0)
		return false;
	sep = *p;
	if (sep != '-' && sep != '/' && sep != '.')
		return false;
	p++;
	if ((nb = digits(&p, &b)) == 0 || *p != sep)
		return false;
	p++;
	if ((nc = digits(&p, &c)) == 0)
		return false;
	if (na == 4) {			/* 2010/9/29, 2024-03-04 */
		y = a;
		mo = b;
		d = c;
	} else if (nc == 4 && sep == '/') {	/* 9/29/2010: the en-US order */
		y = c;
		mo = a;
		d = b;
	} else if (nc == 4) {		/* 04.03.2024, 04-03-2024: day first */
		y = c;
		mo = b;
		d = a;
	} else
		return false;
	if (*p == ',')
		p++;
	if (*p == 'T' || *p == ' ') {
		while (*p == 'T' || *p == ' ')
			p++;
		if (digits(&p, &h) == 0 || *p != ':')
			return false;
		p++;
		if (digits(&p, &mi) == 0)
			return false;
		if (*p == ':') {
			p++;
			if (digits(&p, &sec) == 0)
				return false;
			if (*p == '.' || *p == ',') {
				p++;
				if (digits(&p, &frac) == 0)
					return false;
			}
		}
		while (*p == ' ')
			p++;
		if (strncasecmp(p, "AM", 2) == 0 || strncasecmp(p, "PM", 2) == 0) {
			if (h < 1 || h > 12)
				return false;
			if (h == 12)
				h = 0;
			if (toupper((unsigned char)*p) == 'P')
				h += 12;
			p += 2;
		}
	}
	if (!civil_ok(y, mo, d, h, mi, sec))
		return false;
	t = civil_secs(y, mo, d, h, mi, sec);
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
		long oh, om = 0;
		int sign = *p == '-' ? -1 : 1;

		p++;
		if (digits(&p, &oh) == 0)
			return false;
		if (oh >= 100) {	/* +0100 */
			om = oh % 100;
			oh /= 100;
		} else if (*p == ':') {
			p++;
			if (digits(&p, &om) == 0)
				return false;
		}
		if (oh > 14 || om > 59)
			return false;
		t -= sign * (oh * 3600 + om * 60);
	}
	while (isspace((unsigned char)*p) || *p == '"')
		p++;
	if (*p != '\0')
		return false;
	*out = t;
	return true;
}

/* --- the KMS events --------------------------------------------------------- */

struct fieldspec {
	uint32_t	id;
	size_t		min, max;	/* fields */
};

static const struct fieldspec specs[] = {
	{ 12288, 10, 10 },
	{ 12289, 8, 8 },
	{ 12290, 9, 9 },
	{ 12291, 1, 1 },
	{ 12292, 1, 1 },
	{ 12293, 2, 2 },
	{ 12294, 1, 1 },
	{ 12308, 1, 3 },
};

static bool
efail(struct ev_err *e, const struct ev_event *ev, enum kd_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool
efail(struct ev_err *e, const struct ev_event *ev, enum kd_status st, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return false;
	e->status = st;
	e->line = ev->line;
	e->record = ev->record;
	e->layer = "event";
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool
num_field(const struct ev_event *ev, size_t i, const char *what, uint32_t *v, struct ev_err *e)
{
	const char *s = ev->fields[i];
	unsigned long long x;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s))
		return efail(e, ev, KD_EINVAL, "%" PRIu32 " field %zu (%s) \"%.40s\": not a number",
		    ev->id, i + 1, what, ev->fields[i]);
	x = strtoull(s, &end, base);
	if (*end != '\0' || x > UINT32_MAX)
		return efail(e, ev, KD_EINVAL, "%" PRIu32 " field %zu (%s) \"%.40s\": not a number",
		    ev->id, i + 1, what, ev->fields[i]);
	*v = (uint32_t)x;
	return true;
}

static bool
guid_field(const struct ev_event *ev, size_t i, const char *what, struct kd_guid *g,
    struct ev_err *e)
{
	if (!kd_guid_parse(g, ev->fields[i]))
		return efail(e, ev, KD_EINVAL, "%" PRIu32 " field %zu (%s) \"%.40s\": not a GUID",
		    ev->id, i + 1, what, ev->fields[i]);
	return true;
}

static void
time_field(const struct ev_event *ev, size_t i, int64_t *t)
{
	if (!ev_parse_time(ev->fields[i], t))
		*t = EV_TIME_UNKNOWN;
}

bool
ev_info_decode(const struct ev_event *ev, struct ev_kms *k, struct ev_err *e)
{
	const struct fieldspec *sp = NULL;
	size_t i;

	memset(k, 0, sizeof(*k));
	k->id = ev->id;
	k->client_time = EV_TIME_UNKNOWN;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (specs[i].id == ev->id)
			sp = &specs[i];
	if (sp == NULL)
		return efail(e, ev, KD_EUNSUP, "event ID %" PRIu32 " is not a KMS event", ev->id);
	if (ev->nfields < sp->min)
		return efail(e, ev, ev->nfields == 0 ? KD_ETRUNC : KD_EINVAL,
		    "%" PRIu32 ": %zu Info fields, %zu expected", ev->id, ev->nfields, sp->min);
	switch (ev->id) {
	case 12288:
		/* HRESULT, flags, host:port, CMID, time, VM, status, minutes, ActID, N */
		if (!num_field(ev, 0, "HRESULT", &k->hresult, e) ||
		    !num_field(ev, 1, "status flags", &k->flags, e) ||
		    !guid_field(ev, 3, "CMID", &k->cmid, e) ||
		    !num_field(ev, 5, "VM", &k->vm, e) ||
		    !num_field(ev, 6, "license status", &k->license_status, e) ||
		    !num_field(ev, 7, "minutes to expiration", &k->minutes_left, e) ||
		    !guid_field(ev, 8, "ActID", &k->actid, e) ||
		    !num_field(ev, 9, "N-policy", &k->required, e))
			return false;
		kd_setf(k->name, sizeof(k->name), "%s", ev->fields[2]);
		time_field(ev, 4, &k->client_time);
		break;
	case 12289:
		/* HRESULT, flags, activated, unused, count, act. interval, renewal interval, time */
		if (!num_field(ev, 0, "HRESULT", &k->hresult, e) ||
		    !num_field(ev, 1, "status flags", &k->flags, e) ||
		    !num_field(ev, 2, "activated", &k->activated, e) ||
		    !num_field(ev, 4, "current count", &k->count, e) ||
		    !num_field(ev, 5, "activation interval", &k->activation_interval, e) ||
		    !num_field(ev, 6, "renewal interval", &k->renewal_interval, e))
			return false;
		time_field(ev, 7, &k->client_time);
		break;
	case 12290:
		/* HRESULT, N, FQDN, CMID, time, VM, status, minutes, ActID */
		if (!num_field(ev, 0, "HRESULT", &k->hresult, e) ||
		    !num_field(ev, 1, "N-policy", &k->required, e) ||
		    !guid_field(ev, 3, "CMID", &k->cmid, e) ||
		    !num_field(ev, 5, "VM", &k->vm, e) ||
		    !num_field(ev, 6, "license status", &k->license_status, e) ||
		    !num_field(ev, 7, "minutes to expiration", &k->minutes_left, e) ||
		    !guid_field(ev, 8, "ActID", &k->actid, e))
			return false;
		if (ev->fields[2][0] == '\0')
			return efail(e, ev, KD_EINVAL, "12290 field 3 (client FQDN) is empty");
		kd_setf(k->name, sizeof(k->name), "%s", ev->fields[2]);
		time_field(ev, 4, &k->client_time);
		break;
	case 12291:
	case 12292:
		if (!num_field(ev, 0, "HRESULT", &k->hresult, e))
			return false;
		break;
	case 12293:
		if (!num_field(ev, 0, "HRESULT", &k->hresult, e))
			return false;
		kd_setf(k->name, sizeof(k->name), "%s", ev->fields[1]);
		break;
	case 12294:
		kd_setf(k->name, sizeof(k->name), "%s", ev->fields[0]);
		break;
	case 12308:
		kd_setf(k->name, sizeof(k->name), "%s", ev->fields[0]);
		break;
	}
	if ((ev->id == 12288 || ev->id == 12290) && k->vm > 1)
		return efail(e, ev, KD_EINVAL, "%" PRIu32 ": VM field %" PRIu32 " is not 0 or 1",
		    ev->id, k->vm);
	if ((ev->id == 12288 || ev->id == 12290) && k->license_status > 6)
		return efail(e, ev, KD_EINVAL, "%" PRIu32 ": license status %" PRIu32
		    " is out of range 0-6", ev->id, k->license_status);
	return true;
}
