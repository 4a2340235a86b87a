/* kmsdiag-capture's writer: a tcpdump-like line per event, or JSON Lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"

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
		const char *ls = kd_license_status_name(r->license_status);

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

static const char *
color_of(const struct capture_out *o, enum capture_verdict v)
{
	if (!o->color)
		return "";
	return v == CV_ACTIVATES ? "\033[32m" : v == CV_NO_RESPONSE ? "\033[33m" :
	    "\033[31m";
}

static void
text_exchange(struct capture_out *o, const struct capture_exchange *ex)
{
	char t[64], c[96], h[96], g[KD_GUID_STRLEN], ws[256];
	const struct kms_request *r = &ex->req;
	FILE *fp = o->fp;

	fprintf(fp, "%s %s > %s call %u", ts_text(ex->req_pkt ? &ex->req_ts :
	    &ex->resp_ts, t, sizeof(t)), kd_endpoint_format(&ex->client, c,
	    sizeof(c)), kd_endpoint_format(&ex->host, h, sizeof(h)), ex->call_id);
	if (ex->have_req)
		fprintf(fp, " KMS v%u.%u %s \"%s\" cmid %s", r->major, r->minor,
		    ex->sku ? ex->sku->name : ex->kmsid ? ex->kmsid->name :
		    "unknown product", kd_sanitize(r->workstation, ws, sizeof(ws)),
		    kd_guid_format(&r->cmid, g));
	if (ex->have_resp)
		fprintf(fp, ": count %u/%u%s", ex->resp.count, r->required_count,
		    ex->resp.verified ? "" : " UNVERIFIED");
	fprintf(fp, " -> %s%s%s: %s\n", color_of(o, ex->verdict),
	    capture_verdict_name(ex->verdict), o->color ? "\033[0m" : "", ex->reason);
	if (!o->verbose)
		return;
	if (ex->have_req) {
		const char *ls = kd_license_status_name(r->license_status);

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
	if (ex->have_resp) {
		const struct kms_response *s = &ex->resp;

		fprintf(fp, "    response: packet %llu, epid %s\n",
		    (unsigned long long)ex->resp_pkt, kd_sanitize(s->epid, ws, sizeof(ws)));
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

void
capture_out_event(const struct capture_event *e, void *arg)
{
	struct capture_out *o = arg;
	char buf[512], c[96], h[96], t[64];

	o->counts[e->type]++;
	if (o->json) {
		json_t *j = NULL;

		if (e->type == CE_EXCHANGE)
			j = capture_exchange_json(e->ex);
		else if (e->type == CE_CONNECTION) {
			j = json_object();
			json_object_set_new(j, "type", json_string("connection"));
			json_object_set_new(j, "source", jstr(e->conn->source ?
			    e->conn->source : ""));
			json_object_set_new(j, "packet", json_integer((json_int_t)e->conn->pkt_no));
			json_object_set_new(j, "time", json_string(ts_rfc3339(&e->conn->ts,
			    t, sizeof(t))));
			json_object_set_new(j, "client", json_string(kd_endpoint_format(
			    &e->conn->client, c, sizeof(c))));
			json_object_set_new(j, "host", json_string(kd_endpoint_format(
			    &e->conn->host, h, sizeof(h))));
			json_object_set_new(j, "event", json_string(
			    capture_conn_kind_name(e->conn->kind)));
			json_object_set_new(j, "count", json_integer(e->conn->count));
			json_object_set_new(j, "detail", json_string(e->conn->detail));
		} else {
			j = json_object();
			json_object_set_new(j, "type", json_string("error"));
			json_object_set_new(j, "source", jstr(e->err->source ?
			    e->err->source : ""));
			json_object_set_new(j, "packet", json_integer((json_int_t)e->err->pkt_no));
			json_object_set_new(j, "offset", json_integer((json_int_t)e->err->offset));
			json_object_set_new(j, "layer", json_string(e->err->layer ?
			    e->err->layer : "input"));
			json_object_set_new(j, "status", json_string(kd_strstatus(e->err->status)));
			json_object_set_new(j, "message", jstr(e->err->msg));
			kd_diag_format(e->err, buf, sizeof(buf));
			json_object_set_new(j, "text", jstr(buf));
		}
		kd_json_line(o->fp, j);
		json_decref(j);
		return;
	}
	if (e->type == CE_EXCHANGE)
		text_exchange(o, e->ex);
	else if (e->type == CE_CONNECTION)
		fprintf(o->fp, "%s %s > %s %s: %s\n", ts_text(&e->conn->ts, t, sizeof(t)),
		    kd_endpoint_format(&e->conn->client, c, sizeof(c)),
		    kd_endpoint_format(&e->conn->host, h, sizeof(h)),
		    capture_conn_kind_name(e->conn->kind), e->conn->detail);
	else {
		kd_diag_format(e->err, buf, sizeof(buf));
		fprintf(o->fp, "error: %s\n", kd_sanitize(buf, c, sizeof(c)) ? buf : buf);
	}
}

void
capture_out_summary(struct capture_out *o, struct capture *cap, struct kd_report *r)
{
	json_t *s = capture_summary_json(cap);
	FILE *fp = o->fp;
	size_t i;
	json_t *v;

	if (o->json) {
		json_t *probs = json_array();

		for (i = 0; i < r->n; i++)
			json_array_append_new(probs, kd_check_to_json(r, &r->checks[i]));
		json_object_set_new(s, "problems", probs);
		kd_json_line(fp, s);
		json_decref(s);
		return;
	}
	fprintf(fp, "\nSummary: %lld packets, %lld exchanges, %lld errors\n",
	    (long long)json_integer_value(json_object_get(s, "packets")),
	    (long long)json_integer_value(json_object_get(s, "exchanges")),
	    (long long)json_integer_value(json_object_get(s, "errors")));
	fprintf(fp, "\nKMS hosts:\n");
	json_array_foreach(json_object_get(s, "hosts"), i, v) {
		json_t *signs = json_object_get(v, "emulator_signs");
		const char *epid = json_string_value(json_object_get(v, "epid"));
		char ep[256];

		fprintf(fp, "  %s  epid %s\n", json_string_value(json_object_get(v, "host")),
		    epid ? kd_sanitize(epid, ep, sizeof(ep)) : "-");
		fprintf(fp, "      os %s, key %s, last count %lld, %lld client%s served\n",
		    json_string_value(json_object_get(v, "host_os")) ?
		    json_string_value(json_object_get(v, "host_os")) : "unknown",
		    json_string_value(json_object_get(v, "key_group")) ?
		    json_string_value(json_object_get(v, "key_group")) : "unknown",
		    (long long)json_integer_value(json_object_get(v, "last_count")),
		    (long long)json_integer_value(json_object_get(v, "clients")),
		    json_integer_value(json_object_get(v, "clients")) == 1 ? "" : "s");
		if (json_array_size(signs) > 0) {
			size_t k;
			json_t *sg;

			json_array_foreach(signs, k, sg)
				fprintf(fp, "      emulator sign: %s\n", json_string_value(sg));
		}
	}
	fprintf(fp, "\nDistinct clients per KMS counted ID (the host keeps the last 50):\n");
	json_array_foreach(json_object_get(s, "products"), i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));

		fprintf(fp, "  %-45s %4lld / %lld required\n",
		    n ? n : json_string_value(json_object_get(v, "kms_id")),
		    (long long)json_integer_value(json_object_get(v, "distinct_cmids")),
		    (long long)json_integer_value(json_object_get(v, "required_count")));
	}
	fprintf(fp, "\nClients:\n");
	json_array_foreach(json_object_get(s, "clients"), i, v) {
		const char *p = json_string_value(json_object_get(v, "product"));
		const char *ls = json_string_value(json_object_get(v, "license_status"));

		fprintf(fp, "  %s  %-30s %-40s %s\n",
		    json_string_value(json_object_get(v, "cmid")),
		    json_string_value(json_object_get(v, "workstation")),
		    p ? p : "unknown product", ls ? ls : "?");
	}
	fprintf(fp, "\nProblems:\n");
	if (r->n == 0)
		fprintf(fp, "  none found\n");
	for (i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		char b1[512];

		fprintf(fp, "  %s%-4s%s [%s] %s\n", o->color ? (c->verdict == KD_V_FAIL ?
		    "\033[31m" : "\033[33m") : "", kd_verdict_name(c->verdict),
		    o->color ? "\033[0m" : "", c->checklist[0] ? c->checklist : "capture",
		    kd_sanitize(c->summary, b1, sizeof(b1)));
		if (c->fix[0])
			fprintf(fp, "       fix: %s\n", c->fix);
	}
	json_decref(s);
}
