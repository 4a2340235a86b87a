/* kmsdiag-capture's writer: a tcpdump-like line per event, or JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "jsonw.h"
#include "site.h"
#include "textf.h"

static char *
ts_text(const struct timeval *tv, char *out, size_t len)
{
	struct tm tm;
	time_t t = tv->tv_sec;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(out, len, "?");
	else
		snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
	return out;
}

static char *
ts_rfc3339(const struct timeval *tv, char *out, size_t len)
{
	struct tm tm;
	time_t t = tv->tv_sec;

	if (gmtime_r(&t, &tm) == NULL)
		snprintf(out, len, "invalid");
	else
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
	return out;
}

static json_t *
jstr(const char *s)
{
	char buf[512];
	json_t *j = json_string(s);

	return j ? j : json_string(kd_sanitize(s, buf, sizeof(buf)));
}

static json_t *
jguid(const struct kd_guid *g)
{
	char b[KD_GUID_STRLEN];

	return json_string(kd_guid_format(g, b));
}

json_t *
capture_exchange_json(const struct capture_exchange *ex)
{
	json_t *o = json_object();
	char b[256];

	json_object_set_new(o, "type", json_string("exchange"));
	json_object_set_new(o, "source", jstr(ex->source ? ex->source : ""));
	json_object_set_new(o, "packet", json_integer((json_int_t)(ex->req_pkt ?
	    ex->req_pkt : ex->resp_pkt)));
	json_object_set_new(o, "time", json_string(ts_rfc3339(ex->req_pkt ?
	    &ex->req_ts : &ex->resp_ts, b, sizeof(b))));
	json_object_set_new(o, "client", json_string(kd_endpoint_format(&ex->client,
	    b, sizeof(b))));
	json_object_set_new(o, "host", json_string(kd_endpoint_format(&ex->host,
	    b, sizeof(b))));
	json_object_set_new(o, "call_id", json_integer(ex->call_id));
	json_object_set_new(o, "transfer_syntax",
	    json_string(dcerpc_syntax_name(ex->syntax)));
	if (ex->have_req) {
		const struct kms_request *r = &ex->req;
		json_t *q = json_object();
		const char *ls = ex->license_named ? ex->license_name :
		    kd_license_status_name(r->license_status);

		snprintf(b, sizeof(b), "%u.%u", r->major, r->minor);
		json_object_set_new(q, "version", json_string(b));
		json_object_set_new(q, "vm", json_boolean(r->is_vm != 0));
		json_object_set_new(q, "license_status", ls ? json_string(ls) :
		    json_integer(r->license_status));
		json_object_set_new(q, "license_status_code", json_integer(r->license_status));
		json_object_set_new(q, "binding_expiration", json_integer(r->binding_expiration));
		json_object_set_new(q, "application_id", jguid(&r->app_id));
		json_object_set_new(q, "application", ex->app ? json_string(ex->app->name) :
		    json_null());
		json_object_set_new(q, "sku_id", jguid(&r->sku_id));
		json_object_set_new(q, "sku", ex->sku ? json_string(ex->sku->name) :
		    json_null());
		json_object_set_new(q, "kms_id", jguid(&r->kms_id));
		json_object_set_new(q, "kms_name", ex->kmsid ? json_string(ex->kmsid->name) :
		    json_null());
		json_object_set_new(q, "cmid", jguid(&r->cmid));
		json_object_set_new(q, "previous_cmid", jguid(&r->prev_cmid));
		json_object_set_new(q, "workstation", jstr(r->workstation));
		json_object_set_new(q, "required_count", json_integer(r->required_count));
		json_object_set_new(q, "client_time", json_string(kd_filetime_format(
		    r->client_time, b, sizeof(b))));
		if (ex->skew_known)
			json_object_set_new(q, "clock_skew", json_integer(ex->clock_skew));
		if (r->major < 5)
			json_object_set_new(q, "mac_verified", json_boolean(r->mac_ok));
		json_object_set_new(o, "request", q);
	} else
		json_object_set_new(o, "request", json_null());
	if (ex->have_resp) {
		const struct kms_response *s = &ex->resp;
		json_t *p = json_object();

		snprintf(b, sizeof(b), "%u.%u", s->major, s->minor);
		json_object_set_new(p, "version", json_string(b));
		json_object_set_new(p, "epid", jstr(s->epid));
		json_object_set_new(p, "host_build", ex->epid.valid ?
		    json_integer(ex->epid.build) : json_null());
		json_object_set_new(p, "host_os", ex->os ? json_string(ex->os->os_name) :
		    json_null());
		json_object_set_new(p, "key_group", ex->hostkey ?
		    json_string(ex->hostkey->name) : json_null());
		if (ex->epid.valid && kms_epid_date(&ex->epid, b, sizeof(b)))
			json_object_set_new(p, "key_date", json_string(b));
		json_object_set_new(p, "count", json_integer(s->count));
		json_object_set_new(p, "activation_interval",
		    json_integer(s->activation_interval));
		json_object_set_new(p, "renewal_interval", json_integer(s->renewal_interval));
		if (s->has_hwid) {
			snprintf(b, sizeof(b), "%02X%02X%02X%02X%02X%02X%02X%02X",
			    s->hwid[0], s->hwid[1], s->hwid[2], s->hwid[3],
			    s->hwid[4], s->hwid[5], s->hwid[6], s->hwid[7]);
			json_object_set_new(p, "hwid", json_string(b));
		}
		if (s->fields_unreadable) {
			/* Failed its integrity check and does not parse: nothing to show. */
			json_object_set_new(p, "fields_unreadable", json_true());
			json_object_set_new(p, "epid", json_null());
			json_object_set_new(p, "count", json_null());
			json_object_set_new(p, "activation_interval", json_null());
			json_object_set_new(p, "renewal_interval", json_null());
		}
		json_object_set_new(p, "verified", json_boolean(s->verified));
		if (!s->verified)
			json_object_set_new(p, "verify_detail", json_string(s->verify_detail));
		if (s->iv_reused)
			json_object_set_new(p, "iv_reused", json_true());
		json_object_set_new(o, "response", p);
	} else
		json_object_set_new(o, "response", json_null());
	if (ex->hresult != 0) {
		snprintf(b, sizeof(b), "0x%08X", ex->hresult);
		json_object_set_new(o, "hresult", json_string(b));
		json_object_set_new(o, "hresult_name", ex->herr && ex->herr->name[0] ?
		    json_string(ex->herr->name) : json_null());
		json_object_set_new(o, "hresult_meaning", ex->herr ?
		    json_string(ex->herr->meaning) : json_null());
	}
	if (ex->fault) {
		const char *n = dcerpc_fault_name(ex->fault_status);

		snprintf(b, sizeof(b), "0x%08X", ex->fault_status);
		json_object_set_new(o, "fault", json_string(b));
		json_object_set_new(o, "fault_name", n ? json_string(n) : json_null());
	}
	json_object_set_new(o, "host_key_mismatch", json_boolean(ex->host_key_mismatch));
	json_object_set_new(o, "verdict", json_string(capture_verdict_name(ex->verdict)));
	json_object_set_new(o, "will_activate", json_boolean(ex->verdict == CV_ACTIVATES));
	json_object_set_new(o, "reason", json_string(ex->reason));
	return o;
}

/*
 * The per-event lines below are built with lib/jsonw.h, not jansson and
 * not stdio formatting: at a busy host's rate, building a jansson tree
 * per exchange and printf's format parsing cost more than decoding and
 * verifying the exchange.  The bytes are the same as capture_exchange_json
 * dumped by kd_json_line(), and as the printf formats they replace
 * (tests/unit/test_capture.c compares both ways on hostile strings).
 */

/* Calendar fields of a Unix time from 1970 to 9999, without gmtime_r. */
struct civil {
	unsigned	 year, mon, mday, hour, min, sec;
};

static bool
civil_of(int64_t secs, struct civil *c)
{
	int64_t		 days, z, era, doe, yoe, doy, mp;

	if (secs < 0 || secs > INT64_C(253402300799))
		return false;
	days = secs / 86400;
	secs %= 86400;
	c->hour = (unsigned)(secs / 3600);
	c->min = (unsigned)(secs / 60 % 60);
	c->sec = (unsigned)(secs % 60);
	/* H. Hinnant's civil_from_days, for days >= 0. */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (unsigned)(yoe + era * 400 + (c->mon <= 2));
	return true;
}

/* "YYYY-MM-DD<sep>HH:MM:SS" */
static void
put_civil(struct jsonw *w, const struct civil *c, char sep)
{
	jw_dec0(w, c->year, 4);
	jw_char(w, '-');
	jw_dec0(w, c->mon, 2);
	jw_char(w, '-');
	jw_dec0(w, c->mday, 2);
	jw_char(w, sep);
	jw_dec0(w, c->hour, 2);
	jw_char(w, ':');
	jw_dec0(w, c->min, 2);
	jw_char(w, ':');
	jw_dec0(w, c->sec, 2);
}

/* ts_text() (rfc3339 false) or ts_rfc3339() of tv. */
static void
put_ts(struct jsonw *w, const struct timeval *tv, bool rfc3339)
{
	struct civil	 c;
	char		 b[64];

	if (tv->tv_usec < 0 || tv->tv_usec > 999999 ||
	    !civil_of(tv->tv_sec, &c)) {
		jw_text(w, rfc3339 ? ts_rfc3339(tv, b, sizeof(b)) :
		    ts_text(tv, b, sizeof(b)));
		return;
	}
	put_civil(w, &c, rfc3339 ? 'T' : ' ');
	jw_char(w, '.');
	jw_dec0(w, (uint64_t)tv->tv_usec, 6);
	if (rfc3339)
		jw_char(w, 'Z');
}

static void
put_endpoint(struct jsonw *w, const struct kd_endpoint *e)
{
	char	 b[96];

	jw_text(w, kd_endpoint_format(e, b, sizeof(b)));
}

/* kd_filetime_format() of a FILETIME, as a JSON member. */
static void
j_filetime(struct jsonw *w, const char *key, uint64_t ft)
{
	struct civil	 c;
	int64_t		 secs;

	jw_key(w, key);
	if (!kd_filetime_to_unix(ft, &secs, NULL) || !civil_of(secs, &c)) {
		jw_text(w, "\"invalid\"");
		return;
	}
	jw_char(w, '"');
	put_civil(w, &c, 'T');
	jw_text(w, "Z\"");
}

/* A JSON member whose value needs no escaping: digits, '-', ':', '.'. */
static void
j_ts(struct jsonw *w, const char *key, const struct timeval *tv)
{
	jw_key(w, key);
	jw_char(w, '"');
	put_ts(w, tv, true);
	jw_char(w, '"');
}

static void
j_endpoint(struct jsonw *w, const char *key, const struct kd_endpoint *e)
{
	jw_key(w, key);
	jw_char(w, '"');
	put_endpoint(w, e);
	jw_char(w, '"');
}

static void
j_guid(struct jsonw *w, const char *key, const struct kd_guid *g)
{
	char	 b[KD_GUID_STRLEN];

	jw_key(w, key);
	jw_char(w, '"');
	jw_text(w, kd_guid_format(g, b));
	jw_char(w, '"');
}

/* jstr(): a string that is not UTF-8 is sanitised first. */
static void
j_sstr(struct jsonw *w, const char *key, const char *s)
{
	char	 buf[512];

	if (!jw_str(w, key, s))
		jw_str(w, key, kd_sanitize(s, buf, sizeof(buf)));
}

/*
 * A string of the program's tables (products, errors, names: they never
 * change while it runs), as jw_str() writes it, with what scanning it
 * found kept by its address: a dozen of them in every exchange line were
 * the largest part of scanning.  Without o (NULL), scanned every time.
 */
static void
j_tstr(struct capture_out *o, struct jsonw *w, const char *key, const char *s)
{
	struct capture_tstr *t;

	if (o == NULL) {
		jw_str(w, key, s);
		return;
	}
	t = &o->tstr[((uintptr_t)s >> 3 ^ (uintptr_t)s >> 9) %
	    (sizeof(o->tstr) / sizeof(o->tstr[0]))];
	if (t->s != s) {
		t->s = s;
		t->valid = jw_scan(s, &t->len, &t->plain);
	}
	if (t->valid)
		jw_str_scanned(w, key, strlen(key), s, t->len, t->plain);
}

/* A table string or JSON null. */
static void
j_strnull(struct capture_out *o, struct jsonw *w, const char *key, const char *s)
{
	if (s != NULL)
		j_tstr(o, w, key, s);
	else
		jw_null(w, key);
}

static void
j_hex32(struct jsonw *w, const char *key, uint32_t v)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 b[12];

	b[0] = '"';
	b[1] = '0';
	b[2] = 'x';
	for (int i = 0; i < 8; i++)
		b[3 + i] = hex[(v >> (28 - 4 * i)) & 15];
	b[11] = '"';
	jw_key(w, key);
	jw_raw(w, b, sizeof(b));
}

static void
j_version(struct jsonw *w, uint16_t major, uint16_t minor)
{
	jw_key(w, "version");
	jw_char(w, '"');
	jw_dec(w, major);
	jw_char(w, '.');
	jw_dec(w, minor);
	jw_char(w, '"');
}

/* capture_exchange_json(), streamed: the same members in the same order. */
static void
exchange_jsonw(struct capture_out *o, struct jsonw *w,
    const struct capture_exchange *ex)
{
	char b[256];

	jw_open(w, NULL);
	jw_str(w, "type", "exchange");
	j_sstr(w, "source", ex->source ? ex->source : "");
	jw_int(w, "packet", (int64_t)(ex->req_pkt ? ex->req_pkt : ex->resp_pkt));
	j_ts(w, "time", ex->req_pkt ? &ex->req_ts : &ex->resp_ts);
	j_endpoint(w, "client", &ex->client);
	j_endpoint(w, "host", &ex->host);
	jw_int(w, "call_id", ex->call_id);
	j_tstr(o, w, "transfer_syntax", dcerpc_syntax_name(ex->syntax));
	if (ex->have_req) {
		const struct kms_request *r = &ex->req;
		const char *ls = ex->license_named ? ex->license_name :
		    kd_license_status_name(r->license_status);

		jw_open(w, "request");
		j_version(w, r->major, r->minor);
		jw_bool(w, "vm", r->is_vm != 0);
		if (ls != NULL)
			j_tstr(o, w, "license_status", ls);
		else
			jw_int(w, "license_status", r->license_status);
		jw_int(w, "license_status_code", r->license_status);
		jw_int(w, "binding_expiration", r->binding_expiration);
		j_guid(w, "application_id", &r->app_id);
		j_strnull(o, w, "application", ex->app ? ex->app->name : NULL);
		j_guid(w, "sku_id", &r->sku_id);
		j_strnull(o, w, "sku", ex->sku ? ex->sku->name : NULL);
		j_guid(w, "kms_id", &r->kms_id);
		j_strnull(o, w, "kms_name", ex->kmsid ? ex->kmsid->name : NULL);
		j_guid(w, "cmid", &r->cmid);
		j_guid(w, "previous_cmid", &r->prev_cmid);
		j_sstr(w, "workstation", r->workstation);
		jw_int(w, "required_count", r->required_count);
		j_filetime(w, "client_time", r->client_time);
		if (ex->skew_known)
			jw_int(w, "clock_skew", ex->clock_skew);
		if (r->major < 5)
			jw_bool(w, "mac_verified", r->mac_ok);
		jw_close(w);
	} else
		jw_null(w, "request");
	if (ex->have_resp) {
		const struct kms_response *s = &ex->resp;

		jw_open(w, "response");
		j_version(w, s->major, s->minor);
		if (!s->fields_unreadable)
			j_sstr(w, "epid", s->epid);
		else
			jw_null(w, "epid");
		if (ex->epid.valid)
			jw_int(w, "host_build", ex->epid.build);
		else
			jw_null(w, "host_build");
		j_strnull(o, w, "host_os", ex->os ? ex->os->os_name : NULL);
		j_strnull(o, w, "key_group", ex->hostkey ? ex->hostkey->name : NULL);
		if (ex->epid.valid && kms_epid_date(&ex->epid, b, sizeof(b)))
			jw_str(w, "key_date", b);
		if (!s->fields_unreadable) {
			jw_int(w, "count", s->count);
			jw_int(w, "activation_interval", s->activation_interval);
			jw_int(w, "renewal_interval", s->renewal_interval);
		} else {
			/* Failed its integrity check and does not parse: nothing to show. */
			jw_null(w, "count");
			jw_null(w, "activation_interval");
			jw_null(w, "renewal_interval");
		}
		if (s->has_hwid) {
			static const char hex[] = "0123456789ABCDEF";

			for (int i = 0; i < 8; i++) {
				b[2 * i] = hex[s->hwid[i] >> 4];
				b[2 * i + 1] = hex[s->hwid[i] & 15];
			}
			b[16] = '\0';
			jw_str(w, "hwid", b);
		}
		if (s->fields_unreadable)
			jw_bool(w, "fields_unreadable", true);
		jw_bool(w, "verified", s->verified);
		if (!s->verified)
			jw_str(w, "verify_detail", s->verify_detail);
		if (s->iv_reused)
			jw_bool(w, "iv_reused", true);
		jw_close(w);
	} else
		jw_null(w, "response");
	if (ex->hresult != 0) {
		j_hex32(w, "hresult", ex->hresult);
		j_strnull(o, w, "hresult_name", ex->herr && ex->herr->name[0] ?
		    ex->herr->name : NULL);
		j_strnull(o, w, "hresult_meaning", ex->herr ? ex->herr->meaning : NULL);
	}
	if (ex->fault) {
		j_hex32(w, "fault", ex->fault_status);
		j_strnull(o, w, "fault_name", dcerpc_fault_name(ex->fault_status));
	}
	jw_bool(w, "host_key_mismatch", ex->host_key_mismatch);
	j_tstr(o, w, "verdict", capture_verdict_name(ex->verdict));
	jw_bool(w, "will_activate", ex->verdict == CV_ACTIVATES);
	jw_str(w, "reason", ex->reason);
	jw_close(w);
}

static void
conn_jsonw(struct jsonw *w, const struct capture_conn_event *c)
{
	jw_open(w, NULL);
	jw_str(w, "type", "connection");
	j_sstr(w, "source", c->source ? c->source : "");
	jw_int(w, "packet", (int64_t)c->pkt_no);
	j_ts(w, "time", &c->ts);
	j_endpoint(w, "client", &c->client);
	j_endpoint(w, "host", &c->host);
	jw_str(w, "event", capture_conn_kind_name(c->kind));
	jw_int(w, "count", c->count);
	jw_str(w, "detail", c->detail);
	jw_close(w);
}

static void
error_jsonw(struct jsonw *w, const struct kd_diag *d)
{
	char	 buf[512];

	jw_open(w, NULL);
	jw_str(w, "type", "error");
	j_sstr(w, "source", d->source ? d->source : "");
	jw_int(w, "packet", (int64_t)d->pkt_no);
	jw_int(w, "offset", (int64_t)d->offset);
	jw_str(w, "layer", d->layer ? d->layer : "input");
	jw_str(w, "status", kd_strstatus(d->status));
	j_sstr(w, "message", d->msg);
	kd_diag_format(d, buf, sizeof(buf));
	j_sstr(w, "text", buf);
	jw_close(w);
}

static const char *
color_of(const struct capture_out *o, enum capture_verdict v)
{
	if (!o->color)
		return "";
	return v == CV_ACTIVATES ? "\033[32m" : v == CV_NO_RESPONSE ? "\033[33m" :
	    "\033[31m";
}

/* Endpoints and time of an event line: "<time> <client> > <host> ". */
static void
line_head(struct jsonw *w, const struct timeval *tv,
    const struct kd_endpoint *client, const struct kd_endpoint *host)
{
	put_ts(w, tv, false);
	jw_char(w, ' ');
	put_endpoint(w, client);
	jw_raw(w, " > ", 3);
	put_endpoint(w, host);
	jw_char(w, ' ');
}

/* The one line of an exchange (text mode), into w. */
static void
exchange_line(struct capture_out *o, const struct capture_exchange *ex,
    struct jsonw *wp)
{
	char g[KD_GUID_STRLEN], ws[256];
	const struct kms_request *r = &ex->req;
#define w (*wp)
	line_head(&w, ex->req_pkt ? &ex->req_ts : &ex->resp_ts, &ex->client,
	    &ex->host);
	jw_text(&w, "call ");
	jw_dec(&w, ex->call_id);
	if (ex->have_req) {
		jw_text(&w, " KMS v");
		jw_dec(&w, r->major);
		jw_char(&w, '.');
		jw_dec(&w, r->minor);
		jw_char(&w, ' ');
		jw_text(&w, ex->sku ? ex->sku->name : ex->kmsid ?
		    ex->kmsid->name : "unknown product");
		jw_text(&w, " \"");
		jw_text(&w, kd_sanitize(r->workstation, ws, sizeof(ws)));
		jw_text(&w, "\" cmid ");
		jw_text(&w, kd_guid_format(&r->cmid, g));
	}
	if (ex->have_resp && ex->resp.fields_unreadable)
		jw_text(&w, ": fields unreadable UNVERIFIED");
	else if (ex->have_resp) {
		jw_text(&w, ": count ");
		jw_dec(&w, ex->resp.count);
		jw_char(&w, '/');
		jw_dec(&w, r->required_count);
		if (!ex->resp.verified)
			jw_text(&w, " UNVERIFIED");
	}
	jw_text(&w, " -> ");
	jw_text(&w, color_of(o, ex->verdict));
	jw_text(&w, capture_verdict_name(ex->verdict));
	jw_text(&w, o->color ? "\033[0m" : "");
	jw_text(&w, ": ");
	jw_text(&w, ex->reason);
	jw_char(&w, '\n');
#undef w
}

static void
text_exchange(struct capture_out *o, const struct capture_exchange *ex)
{
	char t[64], g[KD_GUID_STRLEN], ws[256], line[1024];
	const struct kms_request *r = &ex->req;
	FILE *fp = o->fp;
	struct jsonw w;

	jw_init(&w, line, sizeof(line), fp);
	exchange_line(o, ex, &w);
	jw_flush(&w);
	if (!o->verbose)
		return;
	if (ex->have_req) {
		const char *ls = ex->license_named ? ex->license_name :
		    kd_license_status_name(r->license_status);

		fprintf(fp, "    request: packet %llu, %s, context %u, vm %s, license "
		    "status %s (%u), binding expiration %u min\n",
		    (unsigned long long)ex->req_pkt, dcerpc_syntax_name(ex->syntax),
		    ex->ctx_id, r->is_vm ? "yes" : "no", ls ? ls : "unknown",
		    r->license_status, r->binding_expiration);
		fprintf(fp, "    application %s (%s)\n", kd_guid_format(&r->app_id, g),
		    ex->app ? ex->app->name : "unknown");
		fprintf(fp, "    sku %s (%s)\n", kd_guid_format(&r->sku_id, g),
		    ex->sku ? ex->sku->name : "unknown");
		fprintf(fp, "    kms id %s (%s, threshold %u)\n",
		    kd_guid_format(&r->kms_id, g), ex->kmsid ? ex->kmsid->name :
		    "unknown", ex->kmsid ? ex->kmsid->min_clients : r->required_count);
		fprintf(fp, "    cmid %s, previous cmid %s\n", kd_guid_format(&r->cmid, g),
		    kd_guid_format(&r->prev_cmid, ws));
		fprintf(fp, "    client time %s (skew %+lld s), required count %u%s\n",
		    kd_filetime_format(r->client_time, t, sizeof(t)),
		    (long long)ex->clock_skew, r->required_count,
		    r->major < 5 ? (r->mac_ok ? ", MAC ok" : ", MAC BAD") : "");
	}
	if (ex->have_resp && ex->resp.fields_unreadable)
		fprintf(fp, "    response: packet %llu, integrity FAILED: %s\n",
		    (unsigned long long)ex->resp_pkt, ex->resp.verify_detail);
	else if (ex->have_resp) {
		const struct kms_response *s = &ex->resp;

		fprintf(fp, "    response: packet %llu, epid %s",
		    (unsigned long long)ex->resp_pkt, kd_sanitize(s->epid, ws, sizeof(ws)));
		if (s->has_hwid)
			fprintf(fp, ", HwId %02X%02X%02X%02X%02X%02X%02X%02X",
			    s->hwid[0], s->hwid[1], s->hwid[2], s->hwid[3],
			    s->hwid[4], s->hwid[5], s->hwid[6], s->hwid[7]);
		fputc('\n', fp);
		if (ex->epid.valid) {
			kms_epid_date(&ex->epid, t, sizeof(t));
			fprintf(fp, "    host build %u (%s), key group %s, key date %s\n",
			    ex->epid.build, ex->os ? ex->os->os_name : "unknown build",
			    ex->hostkey ? ex->hostkey->name : "unknown", t);
		}
		fprintf(fp, "    count %u, activation interval %u min, renewal "
		    "interval %u min, integrity %s%s%s\n", s->count,
		    s->activation_interval, s->renewal_interval,
		    s->verified ? "verified" : "FAILED", s->verified ? "" : ": ",
		    s->verify_detail);
	}
	if (ex->hresult != 0)
		fprintf(fp, "    hresult 0x%08X %s: %s\n", ex->hresult,
		    ex->herr ? ex->herr->name : "", ex->herr ? ex->herr->meaning : "");
}

/* The line of an event other than a verbose exchange, into w. */
static void
event_line(struct capture_out *o, const struct capture_event *e,
    struct jsonw *w)
{
	char buf[512];

	if (o->json) {
		if (e->type == CE_EXCHANGE)
			exchange_jsonw(o, w, e->ex);
		else if (e->type == CE_CONNECTION)
			conn_jsonw(w, e->conn);
		else
			error_jsonw(w, e->err);
	} else if (e->type == CE_EXCHANGE) {
		exchange_line(o, e->ex, w);
		return;
	} else if (e->type == CE_CONNECTION) {
		line_head(w, &e->conn->ts, &e->conn->client, &e->conn->host);
		jw_text(w, capture_conn_kind_name(e->conn->kind));
		jw_text(w, ": ");
		jw_text(w, e->conn->detail);
	} else {
		char clean[sizeof(buf) * 2];

		kd_diag_format(e->err, buf, sizeof(buf));
		jw_text(w, "error: ");
		jw_text(w, kd_sanitize(buf, clean, sizeof(clean)));
	}
	jw_char(w, '\n');
}

static void
write_event(struct capture_out *o, const struct capture_event *e)
{
	char line[2048];
	struct jsonw w;

	if (e->type == CE_EXCHANGE && !o->json && o->verbose) {
		text_exchange(o, e->ex);
		return;
	}
	jw_init(&w, line, sizeof(line), o->fp);
	event_line(o, e, &w);
	jw_flush(&w);
}

/* A text line (or an exchange's block of lines) waiting for its turn. */
struct capture_held {
	unsigned	 source;
	uint64_t	 pkt, seq;
	size_t		 off, len;	/* its text in o->arena */
};

/*
 * Held lines go out as soon as nothing still to come can be dated before
 * them; that is worked out every HOLD_BATCH lines, or every two lines per
 * flow and call in flight (it walks them all).
 * Over HELD_MAX_BYTES (a capture with calls that never end) the oldest
 * half is printed early, out of order if need be.
 */
#define HOLD_BATCH	1024
#define HELD_MAX_BYTES	(64u << 20)

static unsigned
source_no(struct capture_out *o, const char *src)
{
	size_t i;

	if (src == NULL)
		src = "";
	for (i = 0; i < o->nsources; i++)
		if (o->sources[i] == src || strcmp(o->sources[i], src) == 0)
			return (unsigned)i;
	if (o->nsources == sizeof(o->sources) / sizeof(o->sources[0]))
		return (unsigned)i;
	o->sources[o->nsources] = src;
	return (unsigned)o->nsources++;
}

static int
held_cmp(const void *a, const void *b)
{
	const struct capture_held *x = a, *y = b;

	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
held_off_cmp(const void *a, const void *b)
{
	const struct capture_held *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Print the first n held lines in order and drop them.  The text of the
 * others moves down to the front of the arena, in place: taken in arena
 * order each line moves towards the start, never over a line still to
 * move.  Then they go back into print order.
 */
static void
held_print(struct capture_out *o, size_t n)
{
	size_t i, used = 0;

	if (o->nheld == 0)
		return;
	qsort(o->held, o->nheld, sizeof(o->held[0]), held_cmp);
	for (i = 0; i < n; i++) {
		fwrite(o->arena + o->held[i].off, 1, o->held[i].len, o->fp);
		o->held_bytes -= o->held[i].len;
	}
	memmove(o->held, o->held + n, (o->nheld - n) * sizeof(o->held[0]));
	o->nheld -= n;
	if (o->nheld == 0 || n == 0) {
		if (o->nheld == 0)
			o->arena_len = 0;
		return;
	}
	qsort(o->held, o->nheld, sizeof(o->held[0]), held_off_cmp);
	for (i = 0; i < o->nheld; i++) {
		if (o->held[i].off != used)
			memmove(o->arena + used, o->arena + o->held[i].off,
			    o->held[i].len);
		o->held[i].off = used;
		used += o->held[i].len;
	}
	o->arena_len = used;
	qsort(o->held, o->nheld, sizeof(o->held[0]), held_cmp);
}

void
capture_out_flush(struct capture_out *o)
{
	held_print(o, o->nheld);
	free(o->held);
	free(o->arena);
	o->held = NULL;
	o->arena = NULL;
	o->nheld = o->held_cap = o->held_bytes = o->arena_cap = o->arena_len = 0;
}

/* The earliest mark of capture_pending_marks(), in held order. */
struct mark {
	struct capture_out	*o;
	unsigned		 source;
	uint64_t		 pkt;
	bool			 any;
	size_t			 n;		/* marks seen */
};

static void
mark_cb(void *arg, const char *source, uint64_t pkt)
{
	struct mark *m = arg;
	unsigned s = source_no(m->o, source);

	m->n++;
	if (!m->any || s < m->source || (s == m->source && pkt < m->pkt)) {
		m->source = s;
		m->pkt = pkt;
		m->any = true;
	}
}

/* Print the held lines that nothing still to come can precede. */
static void
held_release(struct capture_out *o, const struct capture *cap)
{
	struct mark m = { .o = o };
	size_t n = 0;

	capture_pending_marks(cap, mark_cb, &m);
	/* The walk costs a visit per flow: at most one per two lines held. */
	o->release_every = 2 * m.n > HOLD_BATCH ? 2 * m.n : HOLD_BATCH;
	if (!m.any || o->nheld == 0)
		return;
	qsort(o->held, o->nheld, sizeof(o->held[0]), held_cmp);
	while (n < o->nheld && (o->held[n].source < m.source ||
	    (o->held[n].source == m.source && o->held[n].pkt < m.pkt)))
		n++;
	held_print(o, n);
}

/* Room for want more bytes of text in the arena. */
static bool
arena_reserve(struct capture_out *o, size_t want)
{
	size_t ncap;
	char *na;

	if (o->arena_cap - o->arena_len >= want)
		return true;
	ncap = o->arena_cap ? o->arena_cap : 65536;
	while (ncap - o->arena_len < want)
		ncap *= 2;
	if ((na = realloc(o->arena, ncap)) == NULL)
		return false;
	o->arena = na;
	o->arena_cap = ncap;
	return true;
}

/* Render the event's text now, print it when its turn comes. */
static void
hold_event(struct capture_out *o, const struct capture_event *e)
{
	struct capture_held *hl;
	struct jsonw w;
	const char *src;
	uint64_t pkt;
	size_t len = 0;

	if (o->nheld == o->held_cap) {
		size_t ncap = o->held_cap ? o->held_cap * 2 : 256;
		struct capture_held *nh = realloc(o->held, ncap * sizeof(*nh));

		if (nh == NULL)
			goto direct;
		o->held = nh;
		o->held_cap = ncap;
	}
	if (e->type == CE_EXCHANGE && o->verbose) {
		/* Several lines of stdio formatting: through a memory stream. */
		FILE *fp = o->fp, *mem;
		char *text = NULL;

		if ((mem = open_memstream(&text, &len)) == NULL)
			goto direct;
		o->fp = mem;
		write_event(o, e);
		o->fp = fp;
		if (fclose(mem) != 0 || text == NULL || !arena_reserve(o, len)) {
			free(text);
			goto direct;
		}
		memcpy(o->arena + o->arena_len, text, len);
		free(text);
	} else {
		/* One line, written straight into the arena. */
		if (!arena_reserve(o, 4096))
			goto direct;
		for (;;) {
			jw_init(&w, o->arena + o->arena_len,
			    o->arena_cap - o->arena_len, NULL);
			event_line(o, e, &w);
			if (!w.overflow)
				break;
			if (!arena_reserve(o, 2 * (o->arena_cap - o->arena_len)))
				goto direct;
		}
		len = w.len;
	}
	if (e->type == CE_EXCHANGE) {
		src = e->ex->source;
		pkt = e->ex->req_pkt ? e->ex->req_pkt : e->ex->resp_pkt;
	} else if (e->type == CE_CONNECTION) {
		src = e->conn->source;
		pkt = e->conn->pkt_no;
	} else {
		src = e->err->source;
		pkt = e->err->pkt_no;
	}
	hl = &o->held[o->nheld++];
	hl->source = source_no(o, src);
	hl->pkt = pkt;
	hl->seq = o->counts[0] + o->counts[1] + o->counts[2];
	hl->off = o->arena_len;
	hl->len = len;
	o->arena_len += len;
	o->held_bytes += len;
	if (o->held_bytes > HELD_MAX_BYTES)
		held_print(o, o->nheld / 2);
	else if (++o->since_release >= (o->release_every ? o->release_every :
	    HOLD_BATCH) && e->cap != NULL) {
		o->since_release = 0;
		held_release(o, e->cap);
	}
	return;
direct:
	/* No room to hold it: what is held goes out in order, then this. */
	held_print(o, o->nheld);
	write_event(o, e);
}

void
capture_out_event(const struct capture_event *e, void *arg)
{
	struct capture_out *o = arg;

	o->counts[e->type]++;
	if (o->in_capture_order && !o->json)
		hold_event(o, e);
	else
		write_event(o, e);
}


/* "Windows 10/11 (Volume)", or the GUID when the table does not know it. */
static const char *
count_name(const struct kd_site_count *c, char g[KD_GUID_STRLEN])
{
	return c->info != NULL ? c->info->name : kd_guid_format(&c->kms_id, g);
}

static const char *
app_name(const struct kd_site_app *a, char g[KD_GUID_STRLEN])
{
	const struct kd_app *ap = kd_app_find(&a->app_id);

	return ap != NULL ? ap->name : kd_guid_format(&a->app_id, g);
}

/* ", refused 2 (0xC004F042)": what a host did with requests it gave no count for. */
static void
count_troubles(const struct kd_site_count *c, char *out, size_t len)
{
	out[0] = '\0';
	if (c->refusals > 0)
		kd_appendf(out, len, ", refused %llu (0x%08X)",
		    (unsigned long long)c->refusals, c->last_hresult);
	if (c->unverified > 0)
		kd_appendf(out, len, ", %llu failed the integrity check",
		    (unsigned long long)c->unverified);
	if (c->faults > 0)
		kd_appendf(out, len, ", %llu DCE/RPC fault%s",
		    (unsigned long long)c->faults, c->faults == 1 ? "" : "s");
	if (c->no_response > 0)
		kd_appendf(out, len, ", %llu unanswered",
		    (unsigned long long)c->no_response);
}

/* One host: what it answered per application and per counted ID (rule 9). */
static void
text_host(FILE *fp, const struct kd_site_host *h)
{
	char ep[300], b1[512], b2[512], g[KD_GUID_STRLEN], t[64];
	bool said = h->answers > 0;
	size_t i;

	for (i = 0; i < h->ncounts; i++)
		if (h->counts[i].refusals > 0 || h->counts[i].unverified > 0 ||
		    h->counts[i].faults > 0)
			said = true;
	kd_site_endpoint(h, ep, sizeof(ep));
	if (said)
		fprintf(fp, "  %s  %llu request%s, %llu verified answer%s\n", ep,
		    (unsigned long long)h->exchanges, h->exchanges == 1 ? "" : "s",
		    (unsigned long long)h->answers, h->answers == 1 ? "" : "s");
	else if (h->reach_detail[0] != '\0' && h->reach != KD_REACH_OPEN)
		fprintf(fp, "  %s  no answer seen (%s: %s)\n", ep,
		    kd_reach_name(h->reach), kd_sanitize(h->reach_detail, b1,
		    sizeof(b1)));
	else if (h->rpc_detail[0] != '\0')
		fprintf(fp, "  %s  no answer seen (%s)\n", ep,
		    kd_sanitize(h->rpc_detail, b1, sizeof(b1)));
	else
		fprintf(fp, "  %s  no answer seen (%llu request%s unanswered)\n", ep,
		    (unsigned long long)h->exchanges, h->exchanges == 1 ? "" : "s");
	for (i = 0; i < h->napps; i++) {
		const struct kd_site_app *a = &h->apps[i];

		fprintf(fp, "      %s: ePID %s", app_name(a, g),
		    kd_sanitize(a->epid, b1, sizeof(b1)));
		if (a->has_hwid)
			fprintf(fp, ", HwId %02X%02X%02X%02X%02X%02X%02X%02X",
			    a->hwid[0], a->hwid[1], a->hwid[2], a->hwid[3],
			    a->hwid[4], a->hwid[5], a->hwid[6], a->hwid[7]);
		fprintf(fp, "\n          key %s, %s", a->hostkey ? a->hostkey->name :
		    "unknown", a->os ? a->os->os_name : "unknown build");
		if (kms_epid_date(&a->parsed, t, sizeof(t)))
			fprintf(fp, ", key date %s", t);
		fprintf(fp, ", intervals %u/%u min\n", a->activation_interval,
		    a->renewal_interval);
	}
	for (i = 0; i < h->ncounts; i++) {
		const struct kd_site_count *c = &h->counts[i];
		uint32_t need = c->required ? c->required : c->info ?
		    c->info->min_clients : 0;

		count_troubles(c, b2, sizeof(b2));
		if (c->have_count)
			fprintf(fp, "      %s: count %u/%u at %s, %llu distinct "
			    "client%s asked%s\n", count_name(c, g), c->count, need,
			    kd_unix_format(c->when, t, sizeof(t)),
			    (unsigned long long)c->distinct_clients,
			    c->distinct_clients == 1 ? "" : "s", b2);
		else
			fprintf(fp, "      %s: no count, %llu distinct client%s "
			    "asked%s\n", count_name(c, g),
			    (unsigned long long)c->distinct_clients,
			    c->distinct_clients == 1 ? "" : "s", b2);
	}
	for (uint32_t bit = 1; bit != 0 && bit <= KD_SIGN_OLD_BUILD_NEW_KEY; bit <<= 1)
		if (h->signs & bit)
			fprintf(fp, "      emulator sign: %s\n",
			    kd_sign_text((enum kd_sign)bit));
}

static const char *
vcolor(const struct capture_out *o, enum kd_verdict v)
{
	return o->color ? kd_verdict_color(v) : "";
}

void
capture_out_summary(struct capture_out *o, struct capture *cap, struct kd_report *r)
{
	const struct kd_site *site = capture_site(cap);
	const struct capture_stats *st = capture_stats(cap);
	struct capture_product *p;
	FILE *fp = o->fp;
	size_t i, np, nproblems = 0;

	capture_out_flush(o);
	if (o->json) {
		json_t *s = capture_site_summary(cap), *probs = json_array();

		/*
		 * One line per check (each item, each finding), then the summary
		 * last, with the findings that are not OK again under "problems".
		 */
		kd_emit_json(fp, r);
		for (i = 0; i < r->n; i++)
			if (strncmp(r->checks[i].id, "checklist.", 10) != 0 &&
			    r->checks[i].verdict != KD_V_OK)
				json_array_append_new(probs, kd_check_to_json(r,
				    &r->checks[i]));
		json_object_set_new(s, "problems", probs);
		kd_json_line(fp, s);
		json_decref(s);
		return;
	}
	fprintf(fp, "\nSummary: %lld packets, %lld exchanges, %lld errors\n",
	    (long long)st->packets, (long long)st->exchanges, (long long)st->errors);
	fprintf(fp, "\nKMS hosts:\n");
	if (site->nhosts == 0)
		fprintf(fp, "  none seen\n");
	for (i = 0; i < site->nhosts; i++)
		text_host(fp, &site->hosts[i]);
	fprintf(fp, "\nDistinct clients per KMS counted ID (a host keeps the last 50):\n");
	np = capture_products(cap, &p);
	for (i = 0; i < np; i++) {
		char g[KD_GUID_STRLEN];

		fprintf(fp, "  %-45s %4lld / %lld required\n", p[i].info != NULL ?
		    p[i].info->name : kd_guid_format(&p[i].kms_id, g),
		    (long long)p[i].distinct, (long long)p[i].required);
	}
	free(p);
	fprintf(fp, "\nClients:\n");
	for (i = 0; i < site->nclients && i < 1000; i++) {
		const struct kd_site_client *c = &site->clients[i];
		const struct kd_sku *sk = kd_sku_find(&c->sku_id);
		const struct kd_kmsid *ki = kd_kmsid_find(&c->kms_id);
		const char *ls = kd_license_status_name(c->license_status);
		char g[KD_GUID_STRLEN], ws[256], ep[300] = "no host";

		if (c->self)
			continue;
		if (c->host >= 0 && (size_t)c->host < site->nhosts)
			kd_site_endpoint(&site->hosts[c->host], ep, sizeof(ep));
		fprintf(fp, "  %s  %-30s %-40s %-10s -> %s\n",
		    kd_guid_format(&c->cmid, g), kd_sanitize(c->workstation, ws,
		    sizeof(ws)), sk ? sk->name : ki ? ki->name : "unknown product",
		    ls ? ls : "?", ep);
	}
	if (site->nclients > 1000)
		fprintf(fp, "  ... and %zu more\n", site->nclients - 1000);
	fprintf(fp, "\nChecklist:\n");
	for (i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		enum kd_item it;
		char b1[512];

		if (strncmp(c->id, "checklist.", 10) != 0 ||
		    !kd_item_parse(c->checklist, &it))
			continue;
		fprintf(fp, "  %s%-7s%s ", vcolor(o, c->verdict),
		    c->skipped ? "SKIP" : kd_verdict_name(c->verdict),
		    o->color ? "\033[0m" : "");
		if (kd_item_number(it) > 0)
			fprintf(fp, "%u ", kd_item_number(it));
		fprintf(fp, "%s: %s\n", kd_item_title(it), kd_sanitize(c->summary,
		    b1, sizeof(b1)));
	}
	fprintf(fp, "\nProblems:\n");
	for (i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		char b1[512];

		if (strncmp(c->id, "checklist.", 10) == 0 || c->verdict == KD_V_OK)
			continue;
		nproblems++;
		fprintf(fp, "  %s%-4s%s [%s] %s\n", vcolor(o, c->verdict),
		    kd_verdict_name(c->verdict), o->color ? "\033[0m" : "",
		    c->checklist[0] ? c->checklist : "other",
		    kd_sanitize(c->summary, b1, sizeof(b1)));
		if (c->fix[0])
			fprintf(fp, "       fix: %s\n", kd_sanitize(c->fix, b1, sizeof(b1)));
	}
	if (nproblems == 0)
		fprintf(fp, "  none found\n");
}
