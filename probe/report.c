/*
 * A finished probe run as kd_checks, one per address, with the facts named
 * as in the JSON output: what --json prints and what the dashboard reads.
 */
#include <math.h>
#include <stdio.h>
#include <sys/socket.h>

#include "probe.h"

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

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "count", a->answered ? json_integer(a->count) : json_null());
	json_object_set_new(o, "required_count", json_integer(a->required_count));
	json_object_set_new(o, "epid", a->answered ? json_string(a->epid) : json_null());
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

void
probe_report(const struct probe *p, struct kd_report *rep)
{
	size_t i, n = probe_nresults(p);

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
	}
}
