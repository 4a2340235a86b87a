/*
 * From a probe_result to a verdict, a one-line summary, a fix, and the
 * kd_check facts that the JSON output and the dashboard read.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "probe.h"
#include "textf.h"

static void
worsen(struct probe_result *r, enum kd_verdict v, const char *item)
{
	/* The first finding at the worst level names the checklist item. */
	if (v > r->verdict || (v == r->verdict && r->item[0] == '\0' && v != KD_V_OK)) {
		r->verdict = v;
		snprintf(r->item, sizeof(r->item), "%s", item);
	}
}

static void
setfix(struct probe_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
setfix(struct probe_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->fix[0] != '\0')
		return;		/* the first (most basic) fix wins */
	va_start(ap, fmt);
	vsnprintf(r->fix, sizeof(r->fix), fmt, ap);
	va_end(ap);
}

/* Total response time in seconds: connect + bind + request. */
static double
response_s(const struct probe_result *r)
{
	double ms = r->connect_ms;

	if (r->rpc != PROBE_RPC_NONE)
		ms += r->rpc_ms;
	if (r->act.done)
		ms += r->act.ms;
	return ms / 1000.0;
}

void
probe_verdict(const struct probe_opts *o, struct probe_result *r)
{
	const struct probe_activation *a = &r->act;
	enum kd_verdict tv;

	r->verdict = KD_V_OK;
	r->summary[0] = r->fix[0] = r->item[0] = '\0';

	if (r->received == 0 || r->state != PROBE_OPEN) {
		worsen(r, KD_V_FAIL, r->state == PROBE_DNS_ERROR ? "dns" : "port");
		snprintf(r->summary, sizeof(r->summary), "%s: %s",
		    probe_state_name(r->state), r->detail[0] ? r->detail : "no result");
		switch (r->state) {
		case PROBE_REFUSED:
			setfix(r, "nothing listens on port %u: start the KMS service or point "
			    "clients at the port it uses (slmgr /skms host:port)", r->port);
			break;
		case PROBE_FILTERED:
			setfix(r, "a firewall silently drops TCP %u between here and the host "
			    "(or the host is down): allow the flow", r->port);
			break;
		case PROBE_UNREACHABLE:
			setfix(r, "no route to the host or a router/firewall answers ICMP "
			    "unreachable: check routing and firewall rules for TCP %u", r->port);
			break;
		case PROBE_BLOCKED:
			setfix(r, "a firewall policy (local, or one answering "
			    "administratively prohibited) forbids TCP %u: allow it", r->port);
			break;
		case PROBE_DNS_ERROR:
			setfix(r, "check the host name and the DNS servers of this machine");
			break;
		default:
			break;
		}
		return;
	}

	snprintf(r->summary, sizeof(r->summary), "open (%.2f ms)", r->connect_ms);
	if (r->sent > 1 && r->received < r->sent) {
		worsen(r, KD_V_WARN, "port");
		kd_appendf(r->summary, sizeof(r->summary), ", %u of %u attempts failed (%s)",
		    r->sent - r->received, r->sent, r->detail);
		setfix(r, "the flow to TCP %u is unreliable: check firewalls and load on "
		    "the host", r->port);
	}
	switch (r->rpc) {
	case PROBE_RPC_NONE:
		break;
	case PROBE_RPC_KMS:
		kd_appendf(r->summary, sizeof(r->summary), ", KMS RPC %s (%.2f ms)",
		    r->rpc_syntax, r->rpc_ms);
		break;
	default:
		worsen(r, KD_V_FAIL, "rpc");
		kd_appendf(r->summary, sizeof(r->summary), ", RPC %s: %s",
		    probe_rpc_name(r->rpc), r->rpc_detail);
		if (r->rpc == PROBE_RPC_REJECTED)
			setfix(r, "the listener refuses the KMS interface: this port is not "
			    "served by a KMS host");
		else if (r->rpc == PROBE_RPC_NOT_RPC)
			setfix(r, "something other than a KMS host listens on port %u", r->port);
		else
			setfix(r, "the listener accepts connections but does not answer an "
			    "RPC bind: check that the KMS service is running");
		break;
	}

	if (o->activate && r->rpc == PROBE_RPC_KMS) {
		if (!a->done) {
			worsen(r, KD_V_FAIL, "rpc");
			kd_appendf(r->summary, sizeof(r->summary), ", no activation answer");
		} else if (!a->answered) {
			worsen(r, KD_V_FAIL, a->hresult == 0xC004F042 ? "host_key" : "rpc");
			kd_appendf(r->summary, sizeof(r->summary), ", activation: %s", a->error);
			if (a->hresult == 0xC004F042)
				setfix(r, "the host's key cannot activate %s: install a host key "
				    "that covers it", a->product);
			else
				setfix(r, "the host does not answer activation requests "
				    "correctly: check its event log");
		} else if (!a->verified) {
			/* Reported, not believed: count and ePID are not used for verdicts. */
			worsen(r, KD_V_FAIL, "rpc");
			kd_appendf(r->summary, sizeof(r->summary),
			    ", activation response failed its integrity check (%s): not "
			    "believed", a->verify_detail[0] ? a->verify_detail : "unverified");
			setfix(r, "the answer is corrupt or forged: check what really listens "
			    "on port %u", r->port);
		} else {
			enum kd_verdict cv;

			if (o->count_thr_set)
				cv = kd_thresholds_eval(&o->count_thr, a->count);
			else
				cv = a->count < a->required_count ? KD_V_FAIL : KD_V_OK;
			kd_appendf(r->summary, sizeof(r->summary), ", count %u/%u", a->count,
			    a->required_count);
			if (cv != KD_V_OK) {
				worsen(r, cv, "threshold");
				kd_appendf(r->summary, sizeof(r->summary), " (%s threshold)",
				    a->count < a->required_count ? "below" : "outside the");
				setfix(r, "the host has seen too few distinct clients for %s "
				    "(%u < %u): clients stay unactivated until the count "
				    "reaches the threshold; check for cloned CMIDs and hosts "
				    "splitting the count", a->product, a->count, a->required_count);
			}
			if (a->host_os[0] != '\0')
				kd_appendf(r->summary, sizeof(r->summary), ", host %s", a->host_os);
			if (a->host_key[0] != '\0')
				kd_appendf(r->summary, sizeof(r->summary), ", key %s", a->host_key);
			if (a->can_activate == 0) {
				worsen(r, KD_V_FAIL, "host_key");
				kd_appendf(r->summary, sizeof(r->summary), ", cannot activate %s",
				    a->product);
				setfix(r, "the host key group (%s) does not cover %s: install a "
				    "higher host key (CSVLK) and reactivate the host",
				    a->host_key, a->product);
			}
		}
	}

	tv = kd_thresholds_eval(&o->time_thr, response_s(r));
	if (tv != KD_V_OK) {
		worsen(r, tv, "port");
		kd_appendf(r->summary, sizeof(r->summary), ", response time %.3f s %s",
		    response_s(r), tv == KD_V_FAIL ? "critical" : "warning");
		setfix(r, "the host answers slowly: check its load and the network path");
	}
}

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
