/*
 * What the exchanges mean: lookups in the product tables, the verdict of
 * each exchange, and the aggregates behind the summary (hosts, distinct
 * clients per KMS counted ID, the problems with their checklist items).
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
analyze_init(struct capture *cap)
{
	kd_tables_init();
	cap->clients_cap = 0;
	cap->clients = NULL;
}

void
analyze_fini(struct capture *cap)
{
	free(cap->clients);
	free(cap->hosts);
}

static void
problem(struct capture *cap, enum problem_kind k, const char *subject,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct capture *cap, enum problem_kind k, const char *subject,
    const char *fmt, ...)
{
	struct problem *p = &cap->problems[k];
	va_list ap;

	if (p->n++ > 0)
		return;
	snprintf(p->subject, sizeof(p->subject), "%s", subject);
	va_start(ap, fmt);
	vsnprintf(p->example, sizeof(p->example), fmt, ap);
	va_end(ap);
}

void
finalize_exchange(struct capture *cap, struct capture_exchange *ex)
{
	const struct kms_request *rq = &ex->req;

	(void)cap;
	if (ex->have_req) {
		int64_t secs;

		ex->app = kd_app_find(&rq->app_id);
		ex->kmsid = kd_kmsid_find(&rq->kms_id);
		ex->sku = kd_sku_find(&rq->sku_id);
		if (kd_filetime_to_unix(rq->client_time, &secs, NULL)) {
			ex->clock_skew = secs - (int64_t)ex->req_ts.tv_sec;
			ex->skew_known = true;
		}
	}
	if (ex->have_resp && kms_epid_parse(ex->resp.epid, &ex->epid)) {
		ex->hostkey = kd_hostkey_find(ex->epid.group, ex->epid.key_id);
		ex->os = kd_osbuild_find(ex->epid.build);
		if (ex->hostkey != NULL && ex->have_req &&
		    !kd_hostkey_activates(ex->hostkey, &rq->kms_id))
			ex->host_key_mismatch = true;
	}
	if (ex->hresult != 0)
		ex->herr = kd_err_find(ex->hresult);
	if (ex->fault) {
		const char *n = dcerpc_fault_name(ex->fault_status);

		ex->verdict = CV_FAULT;
		snprintf(ex->reason, sizeof(ex->reason), "RPC fault 0x%08X%s%s%s",
		    ex->fault_status, n ? " (" : "", n ? n : "", n ? ")" : "");
	} else if (ex->hresult != 0) {
		ex->verdict = CV_REFUSED;
		snprintf(ex->reason, sizeof(ex->reason), "host refused: 0x%08X %s",
		    ex->hresult, ex->herr && ex->herr->name[0] ? ex->herr->name :
		    "(unknown HRESULT)");
	} else if (ex->resp_pkt == 0) {
		ex->verdict = CV_NO_RESPONSE;
		snprintf(ex->reason, sizeof(ex->reason),
		    "no response in the capture to call %u", ex->call_id);
	} else if (!ex->have_resp || !ex->have_req) {
		ex->verdict = CV_UNDECODABLE;
		snprintf(ex->reason, sizeof(ex->reason), "%s could not be decoded",
		    !ex->have_req ? "request" : "response");
	} else if (!ex->resp.verified) {
		ex->verdict = CV_UNVERIFIED;
		snprintf(ex->reason, sizeof(ex->reason),
		    "response failed its integrity check (%s): a client rejects it",
		    ex->resp.verify_detail);
	} else if (ex->resp.count < rq->required_count) {
		ex->verdict = CV_BELOW_THRESHOLD;
		snprintf(ex->reason, sizeof(ex->reason),
		    "count %u < %u required: client stays unactivated (0xC004F038)",
		    ex->resp.count, rq->required_count);
	} else {
		ex->verdict = CV_ACTIVATES;
		snprintf(ex->reason, sizeof(ex->reason), "count %u >= %u required",
		    ex->resp.count, rq->required_count);
	}
}

/* Copy a UTF-8 string, cutting on a character boundary if it does not fit. */
static void
copy_utf8(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint32_t
client_hash(const struct kd_guid *cmid, const struct kd_guid *kms_id)
{
	uint32_t h = 2166136261u;

	for (int k = 0; k < 16; k++)
		h = (h ^ cmid->b[k] ^ kms_id->b[k]) * 16777619u;
	return h;
}

static struct client_agg *
client_slot(struct capture *cap, const struct kd_guid *cmid,
    const struct kd_guid *kms_id, bool *isnew)
{
	size_t i;

	*isnew = false;
	if (cap->nclients * 4 >= cap->clients_cap * 3 &&
	    cap->clients_cap < KD_CLIENT_SLOTS) {
		size_t ncap = cap->clients_cap ? cap->clients_cap * 2 : CLIENTS_INITIAL;
		struct client_agg *nt, *old = cap->clients;

		if (cap->nclients >= KD_MAX_CLIENTS)
			goto probe;
		if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
			goto probe;
		for (i = 0; i < cap->clients_cap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = client_hash(&old[i].cmid, &old[i].kms_id) & (ncap - 1); nt[j].used; j = (j + 1) & (ncap - 1))
				;
			nt[j] = old[i];
		}
		free(old);
		cap->clients = nt;
		cap->clients_cap = ncap;
	}
probe:
	if (cap->clients_cap == 0)
		return NULL;
	for (i = client_hash(cmid, kms_id) & (cap->clients_cap - 1); cap->clients[i].used;
	    i = (i + 1) & (cap->clients_cap - 1))
		if (kd_guid_eq(&cap->clients[i].cmid, cmid) &&
		    kd_guid_eq(&cap->clients[i].kms_id, kms_id))
			return &cap->clients[i];
	/* Keep the table at most 3/4 full so probing stays short. */
	if (cap->nclients >= KD_MAX_CLIENTS ||
	    cap->nclients * 4 >= cap->clients_cap * 3) {
		cap->clients_dropped++;
		return NULL;
	}
	cap->clients[i].used = true;
	cap->clients[i].cmid = *cmid;
	cap->clients[i].kms_id = *kms_id;
	cap->clients[i].host_idx = -1;
	cap->nclients++;
	*isnew = true;
	return &cap->clients[i];
}

static int
host_index(struct capture *cap, const struct kd_endpoint *ep)
{
	for (size_t i = 0; i < cap->nhosts; i++)
		if (kd_endpoint_eq(&cap->hosts[i].ep, ep))
			return (int)i;
	if (cap->nhosts >= KD_MAX_HOSTS) {
		cap->hosts_dropped++;
		return -1;
	}
	if (cap->nhosts % 16 == 0) {
		struct host_agg *nh = realloc(cap->hosts,
		    (cap->nhosts + 16) * sizeof(*nh));

		if (nh == NULL)
			return -1;
		cap->hosts = nh;
	}
	memset(&cap->hosts[cap->nhosts], 0, sizeof(cap->hosts[0]));
	cap->hosts[cap->nhosts].ep = *ep;
	return (int)cap->nhosts++;
}

static struct kmsid_agg *
kmsid_slot(struct capture *cap, const struct kd_guid *id, const struct kd_guid *app)
{
	for (size_t i = 0; i < cap->nkmsids; i++)
		if (kd_guid_eq(&cap->kmsids[i].kms_id, id))
			return &cap->kmsids[i];
	if (cap->nkmsids == MAX_TRACKED_KMSIDS)
		return NULL;
	memset(&cap->kmsids[cap->nkmsids], 0, sizeof(cap->kmsids[0]));
	cap->kmsids[cap->nkmsids].kms_id = *id;
	cap->kmsids[cap->nkmsids].app_id = *app;
	cap->kmsids[cap->nkmsids].info = kd_kmsid_find(id);
	return &cap->kmsids[cap->nkmsids++];
}

void
analyze_exchange(struct capture *cap, const struct capture_exchange *ex)
{
	char subj[96], g[KD_GUID_STRLEN];
	const struct kms_request *rq = &ex->req;
	int hi = host_index(cap, &ex->host);
	struct host_agg *h = hi >= 0 ? &cap->hosts[hi] : NULL;
	struct client_agg *cl = NULL;
	struct kmsid_agg *ka = NULL;
	bool isnew = false;

	kd_endpoint_format(&ex->host, subj, sizeof(subj));
	if (h != NULL)
		h->exchanges++;
	if (ex->have_req) {
		ka = kmsid_slot(cap, &rq->kms_id, &rq->app_id);
		cl = client_slot(cap, &rq->cmid, &rq->kms_id, &isnew);
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
			char ws[64];

			copy_utf8(ws, sizeof(ws), rq->workstation);
			if (isnew) {
				memcpy(cl->workstation, ws, sizeof(ws));
				cl->nws = 1;
				cl->sku_id = rq->sku_id;
				cl->app_id = rq->app_id;
				if (h != NULL)
					h->clients++;
			} else if (strcmp(cl->workstation, ws) != 0 && cl->nws < 2) {
				/* Same CMID, another machine: a cloned image. */
				memcpy(cl->other_ws, ws, sizeof(ws));
				cl->nws = 2;
				cap->dup_cmids++;
			}
			cl->license_status = rq->license_status;
			cl->required = rq->required_count;
			cl->requests++;
			cl->last_seen = ex->req_ts;
			kd_endpoint_format(&ex->client, cl->client_addr,
			    sizeof(cl->client_addr));
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
			problem(cap, P_SKEW, subj, "client %s (%s) clock is %+lld s "
			    "from the capture time; hosts refuse more than 4 h "
			    "(0xC004F06C)", rq->workstation,
			    kd_guid_format(&rq->cmid, g), (long long)ex->clock_skew);
		if (ex->kmsid == NULL)
			problem(cap, P_KEY, subj, "client %s asks for KMS counted ID "
			    "%s, unknown to the product table", rq->workstation,
			    kd_guid_format(&rq->kms_id, g));
		else if (strcmp(ex->kmsid->channel, "volume") != 0)
			problem(cap, P_KEY, subj, "client %s asks for %s, a %s "
			    "product: it needs a volume (GVLK) key",
			    rq->workstation, ex->kmsid->name, ex->kmsid->channel);
		if (rq->major < 4 || rq->major > 6 || rq->minor != 0)
			problem(cap, P_BAD_VERSION, subj, "client %s sent protocol "
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
			problem(cap, P_HOSTKEY, subj, "host %s (key %s) cannot "
			    "activate %s, yet answered with count %u",
			    subj, ex->hostkey->name, ex->kmsid ? ex->kmsid->name :
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
		for (i = 0; i < cap->nhresults; i++)
			if (cap->hresults[i].code == ex->hresult)
				break;
		if (i == cap->nhresults && i < sizeof(cap->hresults) /
		    sizeof(cap->hresults[0])) {
			cap->hresults[i].code = ex->hresult;
			snprintf(cap->hresults[i].subject,
			    sizeof(cap->hresults[i].subject), "%s", subj);
			cap->nhresults++;
		}
		if (i < cap->nhresults)
			cap->hresults[i].n++;
		break;
	}
	case CV_UNVERIFIED:
		problem(cap, P_UNVERIFIED, subj, "response from %s failed its "
		    "integrity check (%s)", subj, ex->resp.verify_detail);
		break;
	case CV_FAULT:
		problem(cap, P_FAULT, subj, "%s", ex->reason);
		break;
	case CV_NO_RESPONSE:
		problem(cap, P_NO_RESPONSE, subj, "call %u from %s: %s",
		    ex->call_id, rq->workstation[0] ? rq->workstation : "client",
		    ex->reason);
		break;
	case CV_UNDECODABLE:
		problem(cap, P_UNDECODABLE, subj, "call %u: %s", ex->call_id,
		    ex->reason);
		break;
	default:
		break;
	}
}

void
analyze_conn(struct capture *cap, const struct capture_conn_event *ev)
{
	static const enum problem_kind map[] = {
		[CC_FILTERED] = P_FILTERED, [CC_REFUSED] = P_REFUSED,
		[CC_BIND_NAK] = P_BIND_NAK, [CC_BIND_REJECTED] = P_BIND_REJECTED,
		[CC_NOT_RPC] = P_NOT_RPC, [CC_GAP] = P_GAP,
		[CC_SNAPLEN] = P_SNAPLEN, [CC_INCOMPLETE] = P_GAP,
		[CC_EVICTED] = P_EVICTED, [CC_LIMIT] = P_LIMIT,
	};
	char c[96], h[96];

	kd_endpoint_format(&ev->client, c, sizeof(c));
	kd_endpoint_format(&ev->host, h, sizeof(h));
	problem(cap, map[ev->kind], h, "%s > %s: %s", c, h, ev->detail);
}

/*
 * TCP outside the KMS ports: remember the servers it went to, so that "no
 * KMS traffic" can say what was there instead.  The server is the side a
 * SYN went to, or the side a DCE/RPC bind or request went to; failing both,
 * the lower port (clients use ephemeral ones).
 */
void
analyze_other(struct capture *cap, const struct pkt_info *pi)
{
	const struct kd_endpoint *srv;
	struct other_server *o = NULL;
	bool rpc = false, syn = false;
	size_t i;

	cap->other_packets++;
	if ((pi->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		srv = &pi->dst;
		syn = true;
	} else if ((pi->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
		srv = &pi->src;
	else if (pi->paylen >= DCERPC_HDR_LEN &&
	    dcerpc_looks_like_hdr(pi->payload, pi->paylen)) {
		uint8_t pt = pi->payload[2];

		rpc = true;
		srv = pt == DCERPC_BIND || pt == DCERPC_ALTER_CONTEXT ||
		    pt == DCERPC_REQUEST ? &pi->dst : &pi->src;
	} else
		srv = pi->src.port < pi->dst.port ? &pi->src : &pi->dst;
	for (i = 0; i < cap->nother; i++)
		if (kd_endpoint_eq(&cap->other[i].ep, srv)) {
			o = &cap->other[i];
			break;
		}
	if (o == NULL) {
		if (cap->nother == MAX_OTHER_SERVERS)
			return;
		o = &cap->other[cap->nother++];
		memset(o, 0, sizeof(*o));
		o->ep = *srv;
	}
	o->packets++;
	o->rpc |= rpc;
	o->syn |= syn;
}

/*
 * What to say when no KMS exchange was seen on the ports asked for: the
 * busiest DCE/RPC server elsewhere (the likely KMS host on another port),
 * else the busiest server.  False when nothing else was seen either.
 */
static bool
other_traffic_hint(const struct capture *cap, char *out, size_t len)
{
	const struct other_server *best = NULL;
	char ep[96];

	for (size_t i = 0; i < cap->nother; i++) {
		const struct other_server *o = &cap->other[i];

		if (best == NULL || (o->rpc && !best->rpc) ||
		    (o->rpc == best->rpc && o->packets > best->packets))
			best = o;
	}
	if (best == NULL)
		return false;
	kd_endpoint_format(&best->ep, ep, sizeof(ep));
	snprintf(out, len, "saw %s to %s: use -p %u", best->rpc ? "DCE/RPC" :
	    "TCP", ep, (unsigned)best->ep.port);
	return true;
}

/* "TCP 1688" or "TCP 1688, 21789" */
static void
ports_text(const struct capture *cap, char *out, size_t len)
{
	size_t off = (size_t)snprintf(out, len, "TCP ");

	for (size_t i = 0; i < cap->nports && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%u", i ? ", " : "",
		    (unsigned)cap->ports[i]);
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

	if (cap->stats.exchanges == 0 && cap->stats.port_packets == 0) {
		char ports[128], hint[200];
		bool other = other_traffic_hint(cap, hint, sizeof(hint));
		struct kd_check *c;

		ports_text(cap, ports, sizeof(ports));
		c = kd_report_add(r, "no_kms_traffic", ports, KD_V_UNKNOWN,
		    "no KMS traffic on %s%s%s", ports, other ? "; " : "",
		    other ? hint : "");
		kd_check_item(c, "other");
		kd_check_fix(c, "%s", other ? "read the capture again with the "
		    "port the KMS host listens on (-p PORT, once per port)" :
		    "capture where clients and the KMS host talk (the host's "
		    "port, both directions), or longer");
		kd_check_int(c, "other_packets", (int64_t)cap->other_packets);
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		const struct problem *p = &cap->problems[simple[i].k];

		if (p->n == 0)
			continue;
		add(r, simple[i].id, simple[i].item[0] ? simple[i].item : NULL,
		    simple[i].v, p, simple[i].fix);
	}
	for (size_t i = 0; i < cap->nhresults; i++) {
		const struct kd_errcode *e = kd_err_find(cap->hresults[i].code);
		struct kd_check *c = kd_report_add(r, "refused",
		    cap->hresults[i].subject, KD_V_FAIL,
		    "host answered 0x%08X %s%s%s (%llu time%s)", cap->hresults[i].code,
		    e && e->name[0] ? e->name : "", e ? ": " : "",
		    e ? e->meaning : "", (unsigned long long)cap->hresults[i].n,
		    cap->hresults[i].n == 1 ? "" : "s");
		char hx[16];

		snprintf(hx, sizeof(hx), "0x%08X", cap->hresults[i].code);
		kd_check_str(c, "hresult", hx);
		kd_check_item(c, e && e->check[0] ? e->check : "other");
		kd_check_fix(c, "run: kmsdiag explain %s", hx);
	}
	/* Thresholds, per KMS counted ID. */
	for (size_t i = 0; i < cap->nkmsids; i++) {
		const struct kmsid_agg *k = &cap->kmsids[i];
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
	for (size_t i = 0; i < cap->nkmsids; i++) {
		const struct kmsid_agg *k = &cap->kmsids[i];
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
	if (cap->dup_cmids > 0) {
		for (size_t i = 0; i < cap->clients_cap; i++) {
			const struct client_agg *cl = &cap->clients[i];
			struct kd_check *c;

			if (!cl->used || cl->nws < 2)
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
	}
	for (size_t i = 0; i < cap->nhosts; i++) {
		json_t *signs = emulator_signs(&cap->hosts[i]);

		if (json_array_size(signs) > 0) {
			struct kd_check *c;

			kd_endpoint_format(&cap->hosts[i].ep, subj, sizeof(subj));
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
	if (cap->clients_dropped > 0) {
		struct kd_check *c = kd_report_add(r, "client_limit", "", KD_V_WARN,
		    "%llu clients not tracked: more than %d distinct clients",
		    (unsigned long long)cap->clients_dropped, KD_MAX_CLIENTS);

		kd_check_fix(c, "split the capture; counts in the summary are lower "
		    "bounds");
	}
}

int
capture_exit_status(const struct capture *cap, const struct kd_report *r)
{
	enum kd_verdict w = kd_report_worst(r);

	if (w == KD_V_OK && cap->stats.errors > 0)
		w = KD_V_WARN;
	return (int)w;
}

json_t *
capture_summary_json(struct capture *cap)
{
	json_t *o = json_object(), *hosts = json_array(), *prods = json_array();
	json_t *clients = json_array();
	char buf[256], g[KD_GUID_STRLEN];
	size_t nlisted = 0;

	json_object_set_new(o, "type", json_string("summary"));
	json_object_set_new(o, "packets", json_integer((json_int_t)cap->stats.packets));
	json_object_set_new(o, "exchanges", json_integer((json_int_t)cap->stats.exchanges));
	json_object_set_new(o, "errors", json_integer((json_int_t)cap->stats.errors));
	json_object_set_new(o, "flows", json_integer((json_int_t)cap->stats.flows));
	json_object_set_new(o, "flows_evicted",
	    json_integer((json_int_t)cap->stats.flows_evicted));
	json_object_set_new(o, "flows_evicted_memory",
	    json_integer((json_int_t)cap->stats.flows_evicted_memory));
	for (size_t i = 0; i < cap->nhosts; i++) {
		const struct host_agg *h = &cap->hosts[i];
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
	for (size_t i = 0; i < cap->nkmsids; i++) {
		const struct kmsid_agg *k = &cap->kmsids[i];
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
	for (size_t i = 0; i < cap->clients_cap && nlisted < 1000; i++) {
		const struct client_agg *cl = &cap->clients[i];
		const struct kd_kmsid *ki;
		const struct kd_sku *sk;
		const char *ls;
		json_t *co;

		if (!cl->used)
			continue;
		nlisted++;
		co = json_object();
		ki = kd_kmsid_find(&cl->kms_id);
		sk = kd_sku_find(&cl->sku_id);
		ls = kd_license_status_name(cl->license_status);
		json_object_set_new(co, "cmid", json_string(kd_guid_format(&cl->cmid, g)));
		kd_sanitize(cl->workstation, buf, sizeof(buf));
		json_object_set_new(co, "workstation", json_string(buf));
		json_object_set_new(co, "client", json_string(cl->client_addr));
		json_object_set_new(co, "kms_id", json_string(kd_guid_format(&cl->kms_id, g)));
		json_object_set_new(co, "product", sk ? json_string(sk->name) :
		    ki ? json_string(ki->name) : json_null());
		json_object_set_new(co, "license_status", ls ? json_string(ls) :
		    json_integer(cl->license_status));
		json_object_set_new(co, "requests", json_integer((json_int_t)cl->requests));
		json_object_set_new(co, "last_seen", json_string(kd_unix_format(
		    cl->last_seen.tv_sec, buf, sizeof(buf))));
		json_object_set_new(co, "host", cl->host_idx >= 0 ?
		    json_string(kd_endpoint_format(&cap->hosts[cl->host_idx].ep, buf,
		    sizeof(buf))) : json_null());
		json_array_append_new(clients, co);
	}
	json_object_set_new(o, "hosts", hosts);
	json_object_set_new(o, "products", prods);
	json_object_set_new(o, "clients", clients);
	json_object_set_new(o, "clients_total", json_integer((json_int_t)cap->nclients));
	return o;
}
