/*
 * From one finished probe_result to a verdict, a one-line summary, a fix
 * and the checklist item.  Pure: it reads the result and the options and
 * nothing of the engine, so the engine can call it without a cycle.
 */
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
		case PROBE_RESET:
			setfix(r, "something accepts TCP %u and then resets the connection before "
			    "answering: a firewall or IPS that resets the flow, a proxy, or a "
			    "service that is not a KMS host or is failing; see what listens on "
			    "the host (netstat -ano | findstr :%u) and the firewalls on the path",
			    r->port, r->port);
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
		else if (r->rpc_partial)
			setfix(r, "the listener began to answer the RPC bind but never finished: "
			    "an overloaded or hung host, a network path that stalls, or a "
			    "tarpit; check the host's load and the path");
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
