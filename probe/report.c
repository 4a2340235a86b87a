/*
 * A finished probe run as kd_checks, one per address, with the facts named
 * as in the JSON output: what --json prints and what the dashboard reads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "probe.h"
#include "probesite.h"
#include "site.h"

static json_t *
ms_value(double ms)
{
	/* Microsecond resolution is all a monotonic connect time is worth. */
	return json_real(round(ms * 1000.0) / 1000.0);
}

static json_t *
activation_json(const struct probe_result *r)
{
	const struct probe_activation *a = &r->act;
	json_t *o = json_object();
	char hex[24];

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "count", a->answered ? json_integer(a->count) : json_null());
	json_object_set_new(o, "required_count", json_integer(a->required_count));
	json_object_set_new(o, "epid", a->answered ? json_string(a->epid) : json_null());
	json_object_set_new(o, "hwid", a->answered && a->has_hwid ?
	    json_string(probe_hwid_text(a, hex, sizeof(hex))) : json_null());
	json_object_set_new(o, "host_build",
	    a->epid_valid ? json_integer(a->host_build) : json_null());
	json_object_set_new(o, "key_group",
	    a->epid_valid ? json_integer(a->key_group) : json_null());
	json_object_set_new(o, "activation_interval",
	    a->answered ? json_integer(a->activation_interval) : json_null());
	json_object_set_new(o, "renewal_interval",
	    a->answered ? json_integer(a->renewal_interval) : json_null());
	json_object_set_new(o, "cmid", json_string(a->cmid));
	json_object_set_new(o, "product", json_string(a->product));
	json_object_set_new(o, "protocol", json_integer(a->protocol));
	json_object_set_new(o, "syntax", json_string(a->syntax));
	json_object_set_new(o, "verified", json_boolean(a->answered && a->verified));
	json_object_set_new(o, "verify_detail", json_string(a->verify_detail));
	json_object_set_new(o, "hresult", json_integer(a->hresult));
	json_object_set_new(o, "error", a->error[0] ? json_string(a->error) : json_null());
	json_object_set_new(o, "host_os", json_string(a->host_os));
	json_object_set_new(o, "key_name", json_string(a->host_key));
	json_object_set_new(o, "key_id", a->epid_valid ? json_integer(a->key_id) : json_null());
	json_object_set_new(o, "key_date", json_string(a->key_date));
	json_object_set_new(o, "can_activate", a->can_activate < 0 ? json_null() :
	    json_boolean(a->can_activate));
	json_object_set_new(o, "request_ms", ms_value(a->ms));
	return o;
}

/* The engine's findings about one host, as the JSON of each address lists them. */
static json_t *
findings_json(const struct probe_judged *j, long host)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && host >= 0 && i < j->cl.nfindings; i++) {
		const struct kd_finding *f = &j->cl.findings[i];
		json_t *o;

		if (f->host != host || (o = json_object()) == NULL)
			continue;
		json_object_set_new(o, "status", json_string(kd_verdict_key(f->verdict)));
		json_object_set_new(o, "checklist", json_string(kd_item_id(f->item)));
		json_object_set_new(o, "code", json_string(f->code));
		json_object_set_new(o, "summary", json_string(f->summary));
		json_object_set_new(o, "fix", f->fix[0] ? json_string(f->fix) : json_null());
		json_array_append_new(a, o);
	}
	return a;
}

/* One result judged on its own: a host whose verdict no other host can change. */
int
probe_judge_one(const struct probe_opts *o, const struct probe_result *r, struct probe_judged *j,
    long *host)
{
	struct kd_judge_opts jo;

	memset(j, 0, sizeof(*j));
	memset(&jo, 0, sizeof(jo));
	jo.default_port = o->default_port;
	jo.activation_asked = o->activate;
	jo.now = (int64_t)time(NULL);
	kd_site_init(&j->site);
	*host = probe_site_result(&j->site, o, r, jo.now);
	kd_site_judge(&j->site, &jo, &j->cl);
	j->judged = true;
	return j->site.oom || j->cl.oom ? -1 : 0;
}

static json_t *
alone_json(const struct probe_opts *o, const struct probe_result *r)
{
	struct probe_judged j;
	json_t *a;
	long h;

	(void)probe_judge_one(o, r, &j, &h);
	a = findings_json(&j, h);
	probe_judged_fini(&j);
	return a;
}

bool
probe_counted(const struct probe_result *r)
{
	return r->address[0] != '\0' && r->act.answered && r->act.verified;
}

/*
 * Only the results that carry a count are judged together: the rules
 * between hosts (one below the threshold beside one above, a split count)
 * are about counts.  Every other result is judged on its own (hosts[i] =
 * -1, probe_judge_one), which keeps a scan of 20,000 addresses linear.
 */
int
probe_judge_run(const struct probe *p, struct probe_judged *j)
{
	const struct probe_opts *o = probe_opts_of(p);
	size_t i, n = probe_nresults(p), counted = 0;
	struct kd_judge_opts jo;

	memset(j, 0, sizeof(*j));
	kd_site_init(&j->site);
	if (n > 0 && (j->hosts = calloc(n, sizeof(*j->hosts))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		counted += probe_counted(probe_result_at(p, i));
	memset(&jo, 0, sizeof(jo));
	jo.default_port = o->default_port;
	jo.activation_asked = o->activate;
	jo.now = (int64_t)time(NULL);
	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);

		j->hosts[i] = counted >= 2 && probe_counted(r) ?
		    probe_site_result(&j->site, o, r, jo.now) : -1;
	}
	kd_site_judge(&j->site, &jo, &j->cl);
	j->judged = true;
	return j->site.oom || j->cl.oom ? -1 : 0;
}

void
probe_judged_fini(struct probe_judged *j)
{
	if (j->judged)
		kd_checklist_fini(&j->cl);
	kd_site_fini(&j->site);
	free(j->hosts);
	memset(j, 0, sizeof(*j));
}

void
probe_report(const struct probe *p, struct kd_report *rep)
{
	size_t i, n = probe_nresults(p);
	struct probe_judged jd;

	if (probe_judge_run(p, &jd) != 0)
		rep->oom = true;

	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);
		struct kd_check *c;
		char subject[320];
		bool open = r->state == PROBE_OPEN && r->received > 0;

		if (r->family == AF_INET6)
			snprintf(subject, sizeof(subject), "[%s]:%u", r->address, r->port);
		else
			snprintf(subject, sizeof(subject), "%s:%u",
			    r->address[0] ? r->address : r->target, r->port);
		c = kd_report_add(rep, "probe.target", subject, r->verdict, "%s", r->summary);
		if (c == NULL)
			continue;
		if (r->fix[0] != '\0')
			kd_check_fix(c, "%s", r->fix);
		if (r->item[0] != '\0')
			kd_check_item(c, r->item);
		kd_check_str(c, "target", r->target);
		kd_check_json(c, "address", r->address[0] ? json_string(r->address) : json_null());
		kd_check_int(c, "port", r->port);
		kd_check_json(c, "family", r->family == AF_INET ? json_string("ipv4") :
		    r->family == AF_INET6 ? json_string("ipv6") : json_null());
		kd_check_str(c, "state", probe_state_name(r->state));
		kd_check_json(c, "state_detail", open || r->detail[0] == '\0' ? json_null() :
		    json_string(r->detail));
		kd_check_json(c, "connect_ms", open ? ms_value(r->connect_ms) : json_null());
		kd_check_json(c, "rpc", r->rpc == PROBE_RPC_NONE ? json_null() :
		    json_string(probe_rpc_name(r->rpc)));
		kd_check_json(c, "rpc_ms", r->rpc == PROBE_RPC_NONE || r->rpc == PROBE_RPC_SILENT ?
		    json_null() : ms_value(r->rpc_ms));
		kd_check_json(c, "rpc_detail", r->rpc_detail[0] ? json_string(r->rpc_detail) :
		    json_null());
		kd_check_int(c, "sent", r->sent);
		kd_check_int(c, "received", r->received);
		kd_check_real(c, "loss_pct", r->sent ?
		    round(1000.0 * (r->sent - r->received) / r->sent) / 10.0 : 0.0);
		if (r->received > 1) {
			kd_check_json(c, "connect_min_ms", ms_value(r->connect_min_ms));
			kd_check_json(c, "connect_max_ms", ms_value(r->connect_max_ms));
		}
		/* Only when asked: an object once a request went out, else null. */
		if (probe_opts_of(p)->activate)
			kd_check_json(c, "activation", r->act.cmid[0] != '\0' ?
			    activation_json(r) : json_null());
		/* What the checklist engine found about the host, every item. */
		if (jd.hosts != NULL && jd.hosts[i] >= 0)
			kd_check_json(c, "findings", findings_json(&jd, jd.hosts[i]));
		else
			kd_check_json(c, "findings", alone_json(probe_opts_of(p), r));
	}
	probe_judged_fini(&jd);
}
