/*
 * The probe's results in the site model, and the site's SRV records as
 * probe targets (probesite.h).  No verdict is made here: the checklist
 * engine (kd_site_judge) judges what this records.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dnslookup.h"
#include "probesite.h"
#include "textf.h"

static enum kd_reach
reach_of(enum probe_state st)
{
	switch (st) {
	case PROBE_OPEN:	return KD_REACH_OPEN;
	case PROBE_REFUSED:	return KD_REACH_REFUSED;
	case PROBE_RESET:	return KD_REACH_RESET;
	case PROBE_FILTERED:	return KD_REACH_FILTERED;
	case PROBE_UNREACHABLE:	return KD_REACH_UNREACHABLE;
	case PROBE_BLOCKED:	return KD_REACH_BLOCKED;
	case PROBE_DNS_ERROR:	return KD_REACH_NO_ADDRESS;
	default:		return KD_REACH_UNKNOWN;	/* a local error says nothing */
	}
}

static enum kd_rpc
rpc_of(enum probe_rpc r)
{
	switch (r) {
	case PROBE_RPC_KMS:	return KD_RPC_KMS;
	case PROBE_RPC_REJECTED: return KD_RPC_REJECTED;
	case PROBE_RPC_NOT_RPC:	return KD_RPC_NOT_RPC;
	case PROBE_RPC_SILENT:	return KD_RPC_SILENT;
	default:		return KD_RPC_UNKNOWN;
	}
}

size_t
probe_add_site_targets(struct probe *p, const struct kd_site *s)
{
	size_t d, r, a, n = 0;

	for (d = 0; d < s->ndomains; d++)
		for (r = 0; r < s->domains[d].nsrv; r++) {
			const struct kd_site_srv *rec = &s->domains[d].srv[r];
			char name[256], spec[300];
			const char *err;

			/* Port 0 is a DNS finding, never a target; "." means "no service". */
			if (rec->port == 0 || strcmp(rec->target, ".") == 0)
				continue;
			kd_setf(name, sizeof(name), "%s", rec->target);
			if (name[0] != '\0' && name[strlen(name) - 1] == '.')
				name[strlen(name) - 1] = '\0';
			for (a = 0; a < rec->naddrs; a++)
				if (probe_add_numeric(p, name, s->hosts[rec->host[a]].addr,
				    rec->port) == 0)
					n++;
			if (rec->resolved)
				continue;
			kd_setf(spec, sizeof(spec), "%s:%u", name, (unsigned)rec->port);
			if (probe_add_target(p, spec, &err) == 0)
				n++;
		}
	return n;
}

bool
probe_site_declared(const struct probe_result *r, const char *const *specs, size_t n,
    uint16_t default_port)
{
	char host[256];
	uint16_t port;
	const char *err;

	for (size_t i = 0; i < n; i++)
		if (probe_parse_target(specs[i], default_port, host, sizeof(host), &port,
		    &err) && port == r->port && (strcasecmp(host, r->target) == 0 ||
		    strcmp(host, r->address) == 0))
			return true;
	return false;
}

const struct kd_sku *
probe_site_product(const struct probe_opts *o, const struct probe_result *r)
{
	if (r != NULL && r->act.sku != NULL)
		return r->act.sku;	/* what the request carried */
	if (o->product != NULL)
		return o->product;
	if (r != NULL && r->act.product[0] != '\0')
		return kd_sku_find_name(r->act.product);
	return kd_sku_find_name("Windows 10/11 Enterprise");
}

/* Our own request: the probe is a client of the host, marked as ourselves (rule 12). */
static void
add_self(struct kd_site *s, long h, const struct probe_opts *o, const struct kd_sku *sku,
    const struct probe_activation *a, int64_t now)
{
	struct kd_site_client *c;
	long ci = kd_site_client(s, &o->cmid, &sku->kms_id, NULL);

	if (ci < 0)
		return;
	c = &s->clients[ci];
	c->self = true;
	c->sku_id = sku->id;
	c->app_id = sku->app_id;
	kd_site_client_text(s, ci, KD_CT_WORKSTATION, a->workstation);
	c->required = a->required_count;
	c->major = (uint16_t)a->protocol;
	c->minor = 0;
	c->requests++;
	if (c->first_seen == 0)
		c->first_seen = now;
	c->last_seen = now;
	c->host = h;
	if (h < 64)
		c->host_mask |= 1ULL << h;
	c->src |= KD_SRC_PROBE;
	c->outcome = a->answered && a->verified ? (a->count >= a->required_count ?
	    KD_OUT_ACTIVATES : KD_OUT_BELOW) : a->hresult != 0 ? KD_OUT_REFUSED :
	    a->fault != 0 ? KD_OUT_FAULT : a->answered ? KD_OUT_UNVERIFIED : KD_OUT_NO_RESPONSE;
	c->last_count = a->answered && a->verified ? a->count : 0;
	c->last_hresult = a->hresult;
}

/* The engine names the host and the class itself: keep only what it does not say. */
static const char *
dns_reason(const struct probe_result *r)
{
	size_t n = strlen(r->target);
	static const char tail[] = " does not resolve: ";

	if (r->state == PROBE_DNS_ERROR && strncmp(r->detail, r->target, n) == 0 &&
	    strncmp(r->detail + n, tail, sizeof(tail) - 1) == 0)
		return r->detail + n + sizeof(tail) - 1;
	/* Nothing the engine's own words do not already say. */
	if ((r->state == PROBE_REFUSED && r->err != 0 && strcmp(r->detail, strerror(r->err)) == 0) ||
	    (r->state == PROBE_RESET && strcmp(r->detail, PROBE_RESET_DETAIL) == 0))
		return "";
	return r->detail;
}

/*
 * A result for an SRV target's name and port belongs to that record: the
 * probe resolved a name the zone file did not hold (an address the record
 * already has is not added twice).
 */
static void
link_srv(struct kd_site *s, const struct probe_result *r)
{
	for (size_t d = 0; d < s->ndomains; d++)
		for (size_t k = 0; k < s->domains[d].nsrv; k++) {
			const struct kd_site_srv *rec = &s->domains[d].srv[k];

			if (rec->port == r->port && kd_dns_name_eq(rec->target, r->target))
				kd_site_srv_addr(s, (long)d, (long)k, r->address, KD_SRC_PROBE);
		}
}

static void
activation(struct kd_site *s, long h, const struct probe_opts *o,
    const struct probe_result *r, int64_t now)
{
	const struct probe_activation *a = &r->act;
	const struct kd_sku *sku = probe_site_product(o, r);
	struct kd_site_host *hh = &s->hosts[h];
	struct kd_site_count *c;

	hh->act_tried = true;
	if (r->state != PROBE_OPEN || r->rpc != PROBE_RPC_KMS) {
		kd_setf(hh->act_error, sizeof(hh->act_error), "no activation request was "
		    "sent: %s", r->state != PROBE_OPEN ? "the port is not open" :
		    "the KMS RPC interface was not accepted");
		return;
	}
	if (sku == NULL)
		return;
	hh->exchanges++;
	if (a->answered && a->verified && a->hresult == 0) {
		kd_site_answer(s, h, &sku->app_id, &sku->kms_id, a->epid,
		    a->has_hwid ? a->hwid : NULL, a->count, a->required_count,
		    a->activation_interval, a->renewal_interval, now, KD_SRC_PROBE);
	}
	/* Our own request, once it went out (rule 12: never a client of the site). */
	if (a->cmid[0] != '\0')
		add_self(s, h, o, sku, a, now);
	if ((c = kd_site_count(s, h, &sku->kms_id)) == NULL)
		return;
	hh = &s->hosts[h];
	c->requests++;
	if (a->answered && a->verified && a->hresult == 0)
		return;
	c->src |= KD_SRC_PROBE;
	c->when = now;
	if (a->hresult != 0) {
		c->refusals++;
		c->last_hresult = a->hresult;
		kd_setf(hh->act_error, sizeof(hh->act_error), "the host refused the "
		    "request with 0x%08X", a->hresult);
	} else if (a->fault != 0) {
		c->faults++;
		kd_setf(hh->act_error, sizeof(hh->act_error), "DCE/RPC fault 0x%08X to "
		    "the activation call", a->fault);
	} else if (a->answered && !a->verified) {
		c->unverified++;
		kd_setf(hh->act_error, sizeof(hh->act_error), "the answer failed its "
		    "integrity check%s%s%s", a->verify_detail[0] ? " (" : "",
		    a->verify_detail, a->verify_detail[0] ? ")" : "");
	} else {
		c->no_response++;
		kd_setf(hh->act_error, sizeof(hh->act_error), "%s", a->error[0] ? a->error :
		    "no answer to the activation request");
	}
}

long
probe_site_result(struct kd_site *s, const struct probe_opts *o,
    const struct probe_result *r, int64_t now)
{
	struct kd_site_host *hh;
	long h;

	if (r->address[0] == '\0')
		return -1;	/* the name never resolved: no address, no host */
	if (r->port == 0)
		return -1;	/* an SRV record with port 0 is a DNS finding, never a host */
	if ((h = kd_site_host(s, r->address, r->port, KD_SRC_PROBE)) < 0)
		return -1;
	link_srv(s, r);
	if (strcmp(r->target, r->address) != 0)
		kd_site_host_name(s, h, r->target);
	hh = &s->hosts[h];
	hh->family = r->family;
	if (r->state != PROBE_ERROR) {
		hh->reach = reach_of(r->state);
		hh->reach_src |= KD_SRC_PROBE;
		kd_setf(hh->reach_detail, sizeof(hh->reach_detail), "%s",
		    r->state == PROBE_OPEN ? "" : dns_reason(r));
	}
	hh->connect_ms = r->state == PROBE_OPEN && r->received > 0 ? r->connect_ms : -1;
	hh->attempts += r->sent;
	hh->connected += r->received;
	if (r->rpc != PROBE_RPC_NONE) {
		hh->rpc = rpc_of(r->rpc);
		hh->rpc_src |= KD_SRC_PROBE;
		kd_setf(hh->rpc_detail, sizeof(hh->rpc_detail), "%s", r->rpc_detail);
	}
	if (o->activate)
		activation(s, h, o, r, now);
	return h;
}

const char *
probe_hwid_text(const struct probe_activation *a, char *out, size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; a->has_hwid && i < sizeof(a->hwid) && o + 3 <= len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02X", a->hwid[i]);
	return out;
}

void
probe_site_fill(const struct probe *p, struct kd_site *s, int64_t now, unsigned flags,
    long *hosts)
{
	const struct probe_opts *o = probe_opts_of(p);
	size_t i, n = probe_nresults(p);

	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);
		long h = -1;

		/* Names that never resolved stay apart: "" is no address to share. */
		if (r->address[0] != '\0' && (r->done || !(flags & PROBE_SITE_DONE_ONLY)))
			h = probe_site_result(s, o, r, now);
		if (h >= 0 && (flags & PROBE_SITE_DECLARED))
			s->hosts[h].declared = true;
		if (hosts != NULL)
			hosts[i] = h;
	}
}

int
probe_site_judge(const struct probe *p, struct kd_site *s, struct kd_checklist *cl,
    int64_t now)
{
	const struct probe_opts *o = probe_opts_of(p);
	struct kd_judge_opts jo;

	probe_site_fill(p, s, now, 0, NULL);
	memset(&jo, 0, sizeof(jo));
	jo.default_port = o->default_port;
	jo.activation_asked = o->activate;
	jo.now = now;
	kd_site_judge(s, &jo, cl);
	return s->oom || cl->oom ? -1 : 0;
}
