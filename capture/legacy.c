/*
 * The capture's own summary as the dashboard (kmsdiag-tui) reads it today:
 * per-host and per-product aggregates, and problems judged here.  It is
 * kept only until the dashboard reads the site model (capture_site());
 * kmsdiag-capture itself reports the checklist engine's verdicts
 * (capture_report), and new rules go there, not here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"

/* A Microsoft host refuses client clocks further off than this (§7). */
#define MAX_CLOCK_SKEW	(4 * 3600)
#define CLIENTS_INITIAL	1024

static const uint8_t vlmcsd_hwid[8] = { 0x3a, 0x1c, 0x04, 0x96, 0x00, 0xb6, 0x00, 0x76 };
static const uint8_t pykms_hwid[8] = { 0x36, 0x4f, 0x46, 0x3a, 0x88, 0x63, 0xd3, 0x5f };

void
legacy_fini(struct capture *cap)
{
	free(cap->lg.clients);
	free(cap->lg.hosts);
}

/* Counted every time, put in words (subject: the host's endpoint) the first. */
static void
problem(struct capture *cap, enum problem_kind k, const struct kd_endpoint *subject,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct capture *cap, enum problem_kind k, const struct kd_endpoint *subject,
    const char *fmt, ...)
{
	struct problem *p = &cap->lg.problems[k];
	va_list ap;

	if (p->n++ > 0)
		return;
	kd_endpoint_format(subject, p->subject, sizeof(p->subject));
	va_start(ap, fmt);
	vsnprintf(p->example, sizeof(p->example), fmt, ap);
	va_end(ap);
}

static uint32_t
client_hash(const struct kd_guid *cmid, const struct kd_guid *kms_id)
{
	uint32_t h = 2166136261u;

	for (int k = 0; k < 16; k++)
		h = (h ^ cmid->b[k] ^ kms_id->b[k]) * 16777619u;
	return h;
}

/* The slot of site client ci, added on first sight; NULL past the cap. */
static struct client_agg *
client_slot(struct capture *cap, long ci, bool *isnew)
{
	const struct kd_site_client *sc = &cap->site.clients[ci];
	struct capture_legacy *lg = &cap->lg;
	size_t i, mask;

	*isnew = false;
	if (lg->nclients * 4 >= lg->clients_cap * 3 &&
	    lg->clients_cap < KD_CLIENT_SLOTS && lg->nclients < KD_MAX_CLIENTS) {
		size_t ncap = lg->clients_cap ? lg->clients_cap * 2 : CLIENTS_INITIAL;
		struct client_agg *nt, *old = lg->clients;

		if ((nt = calloc(ncap, sizeof(*nt))) != NULL) {
			for (i = 0; i < lg->clients_cap; i++) {
				const struct kd_site_client *oc;
				size_t j;

				if (old[i].site == 0)
					continue;
				oc = &cap->site.clients[old[i].site - 1];
				for (j = client_hash(&oc->cmid, &oc->kms_id) &
				    (ncap - 1); nt[j].site != 0; j = (j + 1) & (ncap - 1))
					;
				nt[j] = old[i];
			}
			free(old);
			lg->clients = nt;
			lg->clients_cap = ncap;
		}
	}
	if (lg->clients_cap == 0)
		return NULL;
	mask = lg->clients_cap - 1;
	/* One site index per (CMID, counted ID): the index is the key. */
	for (i = client_hash(&sc->cmid, &sc->kms_id) & mask; lg->clients[i].site != 0;
	    i = (i + 1) & mask)
		if (lg->clients[i].site == (uint32_t)ci + 1)
			return &lg->clients[i];
	/* Keep the table at most 3/4 full so probing stays short. */
	if (lg->nclients >= KD_MAX_CLIENTS ||
	    lg->nclients * 4 >= lg->clients_cap * 3) {
		lg->clients_dropped++;
		return NULL;
	}
	lg->clients[i].site = (uint32_t)ci + 1;
	lg->clients[i].host_idx = -1;
	lg->clients[i].host_mask = 0;
	lg->nclients++;
	*isnew = true;
	return &lg->clients[i];
}

static int
host_index(struct capture *cap, const struct kd_endpoint *ep)
{
	for (size_t i = 0; i < cap->lg.nhosts; i++)
		if (kd_endpoint_eq(&cap->lg.hosts[i].ep, ep))
			return (int)i;
	if (cap->lg.nhosts >= KD_MAX_HOSTS) {
		cap->lg.hosts_dropped++;
		return -1;
	}
	if (cap->lg.nhosts % 16 == 0) {
		struct host_agg *nh = realloc(cap->lg.hosts,
		    (cap->lg.nhosts + 16) * sizeof(*nh));

		if (nh == NULL)
			return -1;
		cap->lg.hosts = nh;
	}
	memset(&cap->lg.hosts[cap->lg.nhosts], 0, sizeof(cap->lg.hosts[0]));
	cap->lg.hosts[cap->lg.nhosts].ep = *ep;
	return (int)cap->lg.nhosts++;
}

static struct kmsid_agg *
kmsid_slot(struct capture *cap, const struct kd_guid *id, const struct kd_guid *app)
{
	for (size_t i = 0; i < cap->lg.nkmsids; i++)
		if (kd_guid_eq(&cap->lg.kmsids[i].kms_id, id))
			return &cap->lg.kmsids[i];
	if (cap->lg.nkmsids == MAX_TRACKED_KMSIDS)
		return NULL;
	memset(&cap->lg.kmsids[cap->lg.nkmsids], 0, sizeof(cap->lg.kmsids[0]));
	cap->lg.kmsids[cap->lg.nkmsids].kms_id = *id;
	cap->lg.kmsids[cap->lg.nkmsids].app_id = *app;
	cap->lg.kmsids[cap->lg.nkmsids].info = kd_kmsid_find(id);
	return &cap->lg.kmsids[cap->lg.nkmsids++];
}

/* ci: the exchange's client in the site model, -1 when it has none. */
void
legacy_exchange(struct capture *cap, const struct capture_exchange *ex, long ci)
{
	char subj[96], g[KD_GUID_STRLEN];
	const struct kms_request *rq = &ex->req;
	int hi = host_index(cap, &ex->host);
	struct host_agg *h = hi >= 0 ? &cap->lg.hosts[hi] : NULL;
	struct client_agg *cl = NULL;
	struct kmsid_agg *ka = NULL;
	bool isnew = false;

	if (h != NULL)
		h->exchanges++;
	if (ex->have_req) {
		ka = kmsid_slot(cap, &rq->kms_id, &rq->app_id);
		if (ci >= 0)
			cl = client_slot(cap, ci, &isnew);
		else
			cap->lg.clients_dropped++;
		if (ka != NULL) {
			ka->requests++;
			if (rq->required_count > ka->required)
				ka->required = rq->required_count;
			if (isnew)
				ka->distinct++;
			if (hi >= 0 && hi < 32)
				ka->host_mask |= 1u << hi;
		}
		if (cl != NULL) {
			if (isnew && h != NULL)
				h->clients++;
			if (hi >= 0) {
				if (!isnew && cl->host_idx != hi && h != NULL &&
				    !(hi < 32 && (cl->host_mask & 1u << hi)))
					h->clients++;
				cl->host_idx = hi;
				if (hi < 32)
					cl->host_mask |= 1u << hi;
			}
		}
		if (ex->skew_known && (ex->clock_skew > MAX_CLOCK_SKEW ||
		    ex->clock_skew < -MAX_CLOCK_SKEW))
			problem(cap, P_SKEW, &ex->host, "client %s (%s) clock is %+lld s "
			    "from the capture time; hosts refuse more than 4 h "
			    "(0xC004F06C)", rq->workstation,
			    kd_guid_format(&rq->cmid, g), (long long)ex->clock_skew);
		if (ex->kmsid == NULL)
			problem(cap, P_KEY, &ex->host, "client %s asks for KMS counted ID "
			    "%s, unknown to the product table", rq->workstation,
			    kd_guid_format(&rq->kms_id, g));
		else if (strcmp(ex->kmsid->channel, "volume") != 0)
			problem(cap, P_KEY, &ex->host, "client %s asks for %s, a %s "
			    "product: it needs a volume (GVLK) key",
			    rq->workstation, ex->kmsid->name, ex->kmsid->channel);
		if (rq->major < 4 || rq->major > 6 || rq->minor != 0)
			problem(cap, P_BAD_VERSION, &ex->host, "client %s sent protocol "
			    "version %u.%u; hosts accept 4.0, 5.0 and 6.0",
			    rq->workstation, rq->major, rq->minor);
	}
	if (ex->have_resp && !ex->resp.fields_unreadable && h != NULL) {
		const struct kms_response *rs = &ex->resp;

		if (ex->have_req) {
			size_t k;

			for (k = 0; k < h->napp_epid; k++)
				if (kd_guid_eq(&h->app_epid[k].app, &rq->app_id))
					break;
			if (k < h->napp_epid) {
				if (strcmp(h->app_epid[k].epid, rs->epid) != 0)
					h->epid_changes++;
			} else if (k < sizeof(h->app_epid) / sizeof(h->app_epid[0])) {
				h->app_epid[k].app = rq->app_id;
				h->napp_epid++;
			}
			if (k < sizeof(h->app_epid) / sizeof(h->app_epid[0]))
				memcpy(h->app_epid[k].epid, rs->epid,
				    sizeof(h->app_epid[k].epid));
		}
		memcpy(h->epid, rs->epid, sizeof(h->epid));
		h->epid_parsed = ex->epid;
		h->hostkey = ex->hostkey;
		h->os = ex->os;
		h->last_count = rs->count;
		h->activation_interval = rs->activation_interval;
		h->renewal_interval = rs->renewal_interval;
		if (rs->has_hwid) {
			h->has_hwid = true;
			memcpy(h->hwid, rs->hwid, 8);
		}
		if (rs->iv_reused)
			h->iv_reused++;
		if (!rs->verified)
			h->unverified++;
		if (ka != NULL) {
			if (rs->count > ka->max_count)
				ka->max_count = rs->count;
			ka->last_count = rs->count;
			ka->have_count = true;
		}
		if (ex->host_key_mismatch) {
			h->answered_foreign = true;
			problem(cap, P_HOSTKEY, &ex->host, "host %s (key %s) "
			    "cannot activate %s, yet answered with count %u",
			    kd_endpoint_format(&ex->host, subj, sizeof(subj)),
			    ex->hostkey->name, ex->kmsid ? ex->kmsid->name :
			    "this product", rs->count);
		}
	}
	if (ka != NULL) {
		if (ex->verdict == CV_BELOW_THRESHOLD)
			ka->below++;
		else if (ex->verdict == CV_ACTIVATES)
			ka->activates++;
	}
	switch (ex->verdict) {
	case CV_REFUSED: {
		size_t i;

		if (h != NULL)
			h->refusals++;
		for (i = 0; i < cap->lg.nhresults; i++)
			if (cap->lg.hresults[i].code == ex->hresult)
				break;
		if (i == cap->lg.nhresults && i < sizeof(cap->lg.hresults) /
		    sizeof(cap->lg.hresults[0])) {
			cap->lg.hresults[i].code = ex->hresult;
			kd_endpoint_format(&ex->host, cap->lg.hresults[i].subject,
			    sizeof(cap->lg.hresults[i].subject));
			cap->lg.nhresults++;
		}
		if (i < cap->lg.nhresults)
			cap->lg.hresults[i].n++;
		break;
	}
	case CV_UNVERIFIED:
		problem(cap, P_UNVERIFIED, &ex->host, "response from %s failed "
		    "its integrity check (%s)", kd_endpoint_format(&ex->host, subj,
		    sizeof(subj)), ex->resp.verify_detail);
		break;
	case CV_FAULT:
		problem(cap, P_FAULT, &ex->host, "%s", ex->reason);
		break;
	case CV_NO_RESPONSE:
		problem(cap, P_NO_RESPONSE, &ex->host, "call %u from %s: %s",
		    ex->call_id, rq->workstation[0] ? rq->workstation : "client",
		    ex->reason);
		break;
	case CV_UNDECODABLE:
		problem(cap, P_UNDECODABLE, &ex->host, "call %u: %s", ex->call_id,
		    ex->reason);
		break;
	default:
		break;
	}
}

void
legacy_conn(struct capture *cap, const struct capture_conn_event *ev)
{
	static const enum problem_kind map[] = {
		[CC_FILTERED] = P_FILTERED, [CC_REFUSED] = P_REFUSED,
		[CC_BIND_NAK] = P_BIND_NAK, [CC_BIND_REJECTED] = P_BIND_REJECTED,
		[CC_NOT_RPC] = P_NOT_RPC, [CC_GAP] = P_GAP,
		[CC_SNAPLEN] = P_SNAPLEN, [CC_INCOMPLETE] = P_GAP,
		[CC_EVICTED] = P_EVICTED, [CC_LIMIT] = P_LIMIT,
	};
	char c[96], h[96];

	if (cap->lg.problems[map[ev->kind]].n > 0) {
		cap->lg.problems[map[ev->kind]].n++;
		return;
	}
	kd_endpoint_format(&ev->client, c, sizeof(c));
	kd_endpoint_format(&ev->host, h, sizeof(h));
	problem(cap, map[ev->kind], &ev->host, "%s > %s: %s", c, h, ev->detail);
}

/* Signs that a host is an emulator (§11): each is a hint, not proof. */
static json_t *
emulator_signs(const struct host_agg *h)
{
	json_t *a = json_array();
	char date[16];

	if (h->iv_reused)
		json_array_append_new(a, json_string("v6 response reuses the "
		    "request IV"));
	if (h->has_hwid && memcmp(h->hwid, vlmcsd_hwid, 8) == 0)
		json_array_append_new(a, json_string("HwId 3A1C049600B60076 is "
		    "vlmcsd's default"));
	if (h->has_hwid && memcmp(h->hwid, pykms_hwid, 8) == 0)
		json_array_append_new(a, json_string("HwId 364F463A8863D35F is "
		    "py-kms's default"));
	if (h->epid_changes)
		json_array_append_new(a, json_string("ePID changed between "
		    "requests"));
	if (h->answered_foreign)
		json_array_append_new(a, json_string("answered a product its host "
		    "key cannot activate (a genuine host refuses with 0xC004F042)"));
	if (h->epid[0] != '\0' && h->epid_parsed.valid) {
		const struct kms_epid *e = &h->epid_parsed;

		if (h->hostkey == NULL)
			json_array_append_new(a, json_string("ePID key ID matches no "
			    "known host key"));
		if (h->os == NULL)
			json_array_append_new(a, json_string("ePID build is not a "
			    "known Windows build"));
		else if (h->os->platform_id != e->platform)
			json_array_append_new(a, json_string("ePID platform ID does "
			    "not match its build"));
		if (h->os != NULL && kms_epid_date(e, date, sizeof(date)) &&
		    h->os->epid_min_date[0] && strcmp(date, h->os->epid_min_date) < 0)
			json_array_append_new(a, json_string("ePID key date is before "
			    "its build was released"));
	} else if (h->epid[0] != '\0')
		json_array_append_new(a, json_string("ePID is malformed"));
	return a;
}

static const char *
kmsid_name(const struct kmsid_agg *k, char *buf)
{
	return k->info ? k->info->name : kd_guid_format(&k->kms_id, buf);
}

static struct kd_check *
add(struct kd_report *r, const char *id, const char *item, enum kd_verdict v,
    const struct problem *p, const char *fix)
{
	struct kd_check *c = kd_report_add(r, id, p->subject, v, "%s%s", p->example,
	    p->n > 1 ? " (and more)" : "");

	kd_check_item(c, item);
	kd_check_fix(c, "%s", fix);
	kd_check_int(c, "occurrences", (int64_t)p->n);
	return c;
}

void
capture_problems(struct capture *cap, struct kd_report *r)
{
	static const struct {
		enum problem_kind k;
		const char	*id, *item;
		enum kd_verdict	 v;
		const char	*fix;
	} simple[] = {
		{ P_FILTERED, "filtered", "port", KD_V_FAIL, "open TCP 1688 (or the "
		  "host's port) from the clients to the KMS host in every firewall "
		  "on the path" },
		{ P_REFUSED, "port_closed", "port", KD_V_FAIL, "start the KMS host "
		  "service (sppsvc) or point clients at the right host:port "
		  "(slmgr /skms)" },
		{ P_BIND_NAK, "bind_nak", "host_state", KD_V_FAIL, "the listener "
		  "rejects RPC binds: check the KMS host service and its RPC stack" },
		{ P_BIND_REJECTED, "bind_rejected", "port", KD_V_FAIL, "the service "
		  "on this port is not a KMS host: fix the SRV record or the port" },
		{ P_NOT_RPC, "not_rpc", "port", KD_V_FAIL, "something other than a "
		  "KMS host listens on this port: fix the SRV record or slmgr /skms" },
		{ P_FAULT, "rpc_fault", "host_state", KD_V_FAIL, "the host refused "
		  "the call at RPC level: check the KMS host service" },
		{ P_NO_RESPONSE, "no_response", "host_state", KD_V_WARN, "the host "
		  "did not answer: check its event log (12290) and load, or capture "
		  "longer" },
		{ P_UNVERIFIED, "integrity", "host_state", KD_V_FAIL, "responses "
		  "that fail their integrity check are forged or corrupted: find "
		  "the host and remove it" },
		{ P_SKEW, "clock_skew", "time", KD_V_FAIL, "synchronise client and "
		  "host clocks (w32tm /resync); more than 4 h apart is refused" },
		{ P_HOSTKEY, "host_key", "host_key", KD_V_FAIL, "install a host key "
		  "(CSVLK) whose group covers this product and reactivate the host "
		  "(slmgr /ipk, /ato)" },
		{ P_KEY, "client_key", "key", KD_V_WARN, "install the product's "
		  "KMS client setup key (GVLK): slmgr /ipk <GVLK>" },
		{ P_BAD_VERSION, "protocol_version", "key", KD_V_WARN, "the client "
		  "speaks a KMS protocol version hosts do not accept" },
		{ P_UNDECODABLE, "undecodable", "", KD_V_WARN, "see the error lines "
		  "for the exact packet and offset" },
		{ P_SNAPLEN, "snaplen", "", KD_V_WARN, "re-capture with -s 0 so "
		  "whole packets are kept" },
		{ P_GAP, "capture_gap", "", KD_V_WARN, "bytes are missing from the "
		  "capture: capture closer to the host, with a bigger buffer (-B)" },
		{ P_EVICTED, "flows_evicted", "", KD_V_WARN, "more connections, or "
		  "more buffered bytes, than the caps: results for the evicted "
		  "connections are partial" },
		{ P_LIMIT, "flow_limit", "", KD_V_WARN, "a connection carried more "
		  "unparsed data than the per-flow cap" },
	};
	char g[KD_GUID_STRLEN], subj[96];

	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		const struct problem *p = &cap->lg.problems[simple[i].k];

		if (p->n == 0)
			continue;
		add(r, simple[i].id, simple[i].item[0] ? simple[i].item : NULL,
		    simple[i].v, p, simple[i].fix);
	}
	for (size_t i = 0; i < cap->lg.nhresults; i++) {
		const struct kd_errcode *e = kd_err_find(cap->lg.hresults[i].code);
		struct kd_check *c = kd_report_add(r, "refused",
		    cap->lg.hresults[i].subject, KD_V_FAIL,
		    "host answered 0x%08X %s%s%s (%llu time%s)", cap->lg.hresults[i].code,
		    e && e->name[0] ? e->name : "", e ? ": " : "",
		    e ? e->meaning : "", (unsigned long long)cap->lg.hresults[i].n,
		    cap->lg.hresults[i].n == 1 ? "" : "s");
		char hx[16];

		snprintf(hx, sizeof(hx), "0x%08X", cap->lg.hresults[i].code);
		kd_check_str(c, "hresult", hx);
		kd_check_item(c, e && e->check[0] ? e->check : "other");
		kd_check_fix(c, "run: kmsdiag explain %s", hx);
	}
	/* Thresholds, per KMS counted ID. */
	for (size_t i = 0; i < cap->lg.nkmsids; i++) {
		const struct kmsid_agg *k = &cap->lg.kmsids[i];
		uint32_t need = k->required ? k->required :
		    k->info ? k->info->min_clients : 0;
		struct kd_check *c;

		/* The host's latest answer is what clients act on now. */
		if (k->below == 0 || !k->have_count || k->last_count >= need)
			continue;
		c = kd_report_add(r, "threshold", kmsid_name(k, g), KD_V_FAIL,
		    "%s: host count %u < %u required; %llu distinct client%s seen "
		    "in the capture", kmsid_name(k, g), k->last_count, need,
		    (unsigned long long)k->distinct, k->distinct == 1 ? "" : "s");
		kd_check_item(c, "threshold");
		kd_check_fix(c, "the host must see %u distinct machines of this "
		    "kind (VMs count; servers count toward Windows): add clients or "
		    "consolidate hosts", need);
		kd_check_int(c, "distinct_cmids", (int64_t)k->distinct);
		kd_check_int(c, "required_count", need);
		kd_check_int(c, "host_count", k->last_count);
	}
	/* Clients split between hosts so that none reaches the threshold. */
	for (size_t i = 0; i < cap->lg.nkmsids; i++) {
		const struct kmsid_agg *k = &cap->lg.kmsids[i];
		unsigned nh = (unsigned)__builtin_popcount(k->host_mask);

		if (nh > 1 && k->below > 0) {
			struct kd_check *c = kd_report_add(r, "split_hosts",
			    kmsid_name(k, g), KD_V_FAIL, "%s clients are split "
			    "across %u KMS hosts and none reaches the threshold",
			    kmsid_name(k, g), nh);

			kd_check_item(c, "dns");
			kd_check_fix(c, "publish one host (or give one host the lowest "
			    "SRV priority) so the count is not split");
		}
	}
	for (size_t i = 0; i < cap->lg.clients_cap; i++) {
		const struct kd_site_client *cl;
		struct kd_check *c;

		if (cap->lg.clients[i].site == 0)
			continue;
		cl = &cap->site.clients[cap->lg.clients[i].site - 1];
		if (cl->nws < 2)
			continue;
		c = kd_report_add(r, "duplicate_cmid", kd_guid_format(&cl->cmid, g),
		    KD_V_FAIL, "CMID %s is sent by different machines (%s, "
		    "%s, ...): cloned image not generalized, the count does "
		    "not grow", g, cl->workstation, cl->other_ws);
		kd_check_item(c, "threshold");
		kd_check_fix(c, "generalize images (sysprep /generalize) or "
		    "reset the CMID on clones (slmgr /rearm), then reactivate");
		break;
	}
	for (size_t i = 0; i < cap->lg.nhosts; i++) {
		json_t *signs = emulator_signs(&cap->lg.hosts[i]);

		if (json_array_size(signs) > 0) {
			struct kd_check *c;

			kd_endpoint_format(&cap->lg.hosts[i].ep, subj, sizeof(subj));
			c = kd_report_add(r, "emulator", subj, KD_V_WARN,
			    "host %s shows signs of a KMS emulator: %s%s", subj,
			    json_string_value(json_array_get(signs, 0)),
			    json_array_size(signs) > 1 ? " (and more)" : "");
			kd_check_item(c, "host_state");
			kd_check_fix(c, "a rogue KMS host splits the count and is a "
			    "security finding: identify and remove it");
			kd_check_json(c, "signs", signs);
		} else
			json_decref(signs);
	}
	if (cap->lg.clients_dropped > 0) {
		struct kd_check *c = kd_report_add(r, "client_limit", "", KD_V_WARN,
		    "%llu clients not tracked: more than %d distinct clients",
		    (unsigned long long)cap->lg.clients_dropped, KD_MAX_CLIENTS);

		kd_check_fix(c, "split the capture; counts in the summary are lower "
		    "bounds");
	}
}

json_t *
capture_summary_json(struct capture *cap)
{
	json_t *o = json_object(), *hosts = json_array(), *prods = json_array();
	json_t *clients = json_array();
	char buf[256], g[KD_GUID_STRLEN];
	char addr[48];		/* the width the summary always cut it to */
	size_t nlisted = 0;

	summary_counters(cap, o);
	for (size_t i = 0; i < cap->lg.nhosts; i++) {
		const struct host_agg *h = &cap->lg.hosts[i];
		json_t *ho = json_object();

		json_object_set_new(ho, "host", json_string(kd_endpoint_format(&h->ep,
		    buf, sizeof(buf))));
		json_object_set_new(ho, "epid", h->epid[0] ? json_string(h->epid) :
		    json_null());
		json_object_set_new(ho, "host_os", h->os ? json_string(h->os->os_name) :
		    json_null());
		json_object_set_new(ho, "host_build", h->epid_parsed.valid ?
		    json_integer(h->epid_parsed.build) : json_null());
		json_object_set_new(ho, "key_group", h->hostkey ?
		    json_string(h->hostkey->name) : json_null());
		if (h->epid_parsed.valid && kms_epid_date(&h->epid_parsed, buf, sizeof(buf)))
			json_object_set_new(ho, "key_date", json_string(buf));
		json_object_set_new(ho, "last_count", json_integer(h->last_count));
		json_object_set_new(ho, "exchanges", json_integer((json_int_t)h->exchanges));
		json_object_set_new(ho, "clients", json_integer((json_int_t)h->clients));
		json_object_set_new(ho, "activation_interval",
		    json_integer(h->activation_interval));
		json_object_set_new(ho, "renewal_interval",
		    json_integer(h->renewal_interval));
		json_object_set_new(ho, "emulator_signs", emulator_signs(h));
		json_array_append_new(hosts, ho);
	}
	for (size_t i = 0; i < cap->lg.nkmsids; i++) {
		const struct kmsid_agg *k = &cap->lg.kmsids[i];
		json_t *po = json_object();
		uint32_t need = k->required ? k->required :
		    k->info ? k->info->min_clients : 0;

		json_object_set_new(po, "kms_id", json_string(kd_guid_format(&k->kms_id, g)));
		json_object_set_new(po, "name", k->info ? json_string(k->info->name) :
		    json_null());
		json_object_set_new(po, "distinct_cmids", json_integer((json_int_t)k->distinct));
		/* The host only remembers the last 50 (§7). */
		json_object_set_new(po, "host_view", json_integer((json_int_t)
		    (k->distinct > 50 ? 50 : k->distinct)));
		json_object_set_new(po, "required_count", json_integer(need));
		json_object_set_new(po, "max_count_returned", json_integer(k->max_count));
		json_object_set_new(po, "requests", json_integer((json_int_t)k->requests));
		json_array_append_new(prods, po);
	}
	for (size_t i = 0; i < cap->lg.clients_cap && nlisted < 1000; i++) {
		const struct client_agg *slot = &cap->lg.clients[i];
		const struct kd_site_client *cl;
		const struct kd_kmsid *ki;
		const struct kd_sku *sk;
		const char *ls;
		json_t *co;

		if (slot->site == 0)
			continue;
		cl = &cap->site.clients[slot->site - 1];
		nlisted++;
		co = json_object();
		ki = kd_kmsid_find(&cl->kms_id);
		sk = kd_sku_find(&cl->sku_id);
		ls = kd_license_status_name(cl->license_status);
		json_object_set_new(co, "cmid", json_string(kd_guid_format(&cl->cmid, g)));
		kd_sanitize(cl->workstation, buf, sizeof(buf));
		json_object_set_new(co, "workstation", json_string(buf));
		json_object_set_new(co, "client", json_string(slot->site <=
		    cap->client_ep_cap ? kd_endpoint_format(&cap->client_ep[slot->site
		    - 1], addr, sizeof(addr)) : cl->addr));
		json_object_set_new(co, "kms_id", json_string(kd_guid_format(&cl->kms_id, g)));
		json_object_set_new(co, "product", sk ? json_string(sk->name) :
		    ki ? json_string(ki->name) : json_null());
		json_object_set_new(co, "license_status", ls ? json_string(ls) :
		    json_integer(cl->license_status));
		json_object_set_new(co, "requests", json_integer((json_int_t)cl->requests));
		json_object_set_new(co, "last_seen", json_string(kd_unix_format(
		    cl->last_seen, buf, sizeof(buf))));
		json_object_set_new(co, "host", slot->host_idx >= 0 ?
		    json_string(kd_endpoint_format(&cap->lg.hosts[slot->host_idx].ep,
		    buf, sizeof(buf))) : json_null());
		json_array_append_new(clients, co);
	}
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "products", prods);
	json_object_set_new(o, "clients", clients);
	json_object_set_new(o, "clients_total", json_integer((json_int_t)cap->lg.nclients));
	return o;
}
