/*
 * What the traffic means.  finalize_exchange() looks each exchange up in
 * the product tables and gives it its verdict (the exchange line); the
 * rest records what the capture showed in the site model (site.h): hosts
 * by address and port, each with its ePID per application and its count
 * per KMS counted ID, the clients by (CMID, counted ID), and what only a
 * capture sees (gaps, snaplen, evicted flows) as observations.  Nothing
 * here judges: the summary is kd_site_judge()'s checklist, the same engine
 * kmsdiag doctor and the dashboard use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "textf.h"

void
analyze_init(struct capture *cap)
{
	kd_tables_init();
	kd_site_init(&cap->site);
}

void
analyze_fini(struct capture *cap)
{
	kd_site_fini(&cap->site);
	free(cap->host_ep);
	free(cap->client_ep);
}

/*
 * The ePID's parse and table look-ups, from the last answer's when it is
 * the same ePID (a host answers every client with its one ePID).  False
 * when the ePID is malformed.
 */
static bool
epid_lookup(struct capture *cap, struct capture_exchange *ex)
{
	struct epid_cache *c = &cap->epid_cache;

	if (!c->have || strcmp(c->epid, ex->resp.epid) != 0) {
		if (strlen(ex->resp.epid) >= sizeof(c->epid)) {
			c->have = false;
			if (!kms_epid_parse(ex->resp.epid, &ex->epid))
				return false;
			ex->hostkey = kd_hostkey_find(ex->epid.group,
			    ex->epid.key_id);
			ex->os = kd_osbuild_find(ex->epid.build);
			return true;
		}
		memset(&c->parsed, 0, sizeof(c->parsed));
		c->valid = kms_epid_parse(ex->resp.epid, &c->parsed);
		c->hostkey = c->valid ? kd_hostkey_find(c->parsed.group,
		    c->parsed.key_id) : NULL;
		c->os = c->valid ? kd_osbuild_find(c->parsed.build) : NULL;
		memcpy(c->epid, ex->resp.epid, strlen(ex->resp.epid) + 1);
		c->have = true;
	}
	ex->epid = c->parsed;
	if (!c->valid)
		return false;
	ex->hostkey = c->hostkey;
	ex->os = c->os;
	return true;
}

/*
 * g's slot in a table_memo, emptied for g if it held another GUID (the
 * GUID is random enough to be its own hash).  The caller fills an unset one.
 */
static struct table_memo *
memo_get(struct table_memo *tab, const struct kd_guid *g)
{
	struct table_memo *m;
	uint64_t a, b;

	memcpy(&a, g->b, 8);
	memcpy(&b, g->b + 8, 8);
	m = &tab[((a ^ b) * 0x9e3779b97f4a7c15ULL) >> 58];
	if (m->set && memcmp(m->key.b, g->b, 16) != 0)
		m->set = false;
	m->key = *g;
	return m;
}

/* kd_license_status_name(), which formats and searches, remembered. */
static const char *
license_name(struct capture *cap, uint32_t status)
{
	size_t n = sizeof(cap->license_memo) / sizeof(cap->license_memo[0]);
	size_t i = status % n;

	if (!cap->license_memo[i].set || cap->license_memo[i].status != status) {
		cap->license_memo[i].status = status;
		cap->license_memo[i].name = kd_license_status_name(status);
		cap->license_memo[i].set = true;
	}
	return cap->license_memo[i].name;
}

static char *
put_text(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u32(char *p, uint32_t v)
{
	char d[10];
	size_t n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

void
finalize_exchange(struct capture *cap, struct capture_exchange *ex)
{
	const struct kms_request *rq = &ex->req;

	if (ex->have_req) {
		int64_t secs;

		struct table_memo *m;

		if (!(m = memo_get(cap->app_memo, &rq->app_id))->set) {
			m->row = kd_app_find(&rq->app_id);
			m->set = true;
		}
		ex->app = m->row;
		if (!(m = memo_get(cap->kmsid_memo, &rq->kms_id))->set) {
			m->row = kd_kmsid_find(&rq->kms_id);
			m->set = true;
		}
		ex->kmsid = m->row;
		if (!(m = memo_get(cap->sku_memo, &rq->sku_id))->set) {
			m->row = kd_sku_find(&rq->sku_id);
			m->set = true;
		}
		ex->sku = m->row;
		ex->license_name = license_name(cap, rq->license_status);
		ex->license_named = true;
		if (kd_filetime_to_unix(rq->client_time, &secs, NULL)) {
			ex->clock_skew = secs - (int64_t)ex->req_ts.tv_sec;
			ex->skew_known = true;
		}
	}
	if (ex->have_resp && epid_lookup(cap, ex)) {
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
		char *p = ex->reason;

		/* Every exchange of a working site: its words without printf. */
		ex->verdict = CV_ACTIVATES;
		p = put_text(put_u32(put_text(put_u32(put_text(p, "count "),
		    ex->resp.count), " >= "), rq->required_count), " required");
		*p = '\0';
	}
}

/* The site's host for a KMS endpoint, added on first sight; -1 past the cap. */
static long
host_of(struct capture *cap, const struct kd_endpoint *ep)
{
	struct kd_site *s = &cap->site;
	char a[64];
	long hi;

	for (size_t i = s->nhosts; i-- > 0;)
		if (kd_endpoint_eq(&cap->host_ep[i], ep))
			return (long)i;
	if (s->nhosts >= KD_MAX_HOSTS) {
		cap->hosts_dropped++;
		return -1;
	}
	if (s->nhosts == cap->host_ep_cap) {
		size_t ncap = cap->host_ep_cap ? cap->host_ep_cap * 2 : 16;
		struct kd_endpoint *n = realloc(cap->host_ep, ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		cap->host_ep = n;
		cap->host_ep_cap = ncap;
	}
	kd_addr_format(ep, a, sizeof(a));
	if ((hi = kd_site_host(s, a, ep->port, KD_SRC_CAPTURE)) < 0)
		return -1;
	cap->host_ep[hi] = *ep;
	return hi;
}

/*
 * Note something only the capture can see, once per (code, host): later
 * occurrences count, the first one's words stay.
 */
static void obs_note(struct capture *, enum kd_item, enum kd_verdict,
    const char *code, long host, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
obs_note(struct capture *cap, enum kd_item item, enum kd_verdict v,
    const char *code, long host, const char *fix, const char *fmt, ...)
{
	struct kd_site *s = &cap->site;
	char subj[300] = "capture", sum[320];
	va_list ap;
	long i;

	for (size_t k = 0; k < s->nobs; k++)
		if (s->obs[k].host == host && strcmp(s->obs[k].code, code) == 0) {
			s->obs[k].count++;
			return;
		}
	va_start(ap, fmt);
	vsnprintf(sum, sizeof(sum), fmt, ap);
	va_end(ap);
	if (host >= 0)
		kd_site_endpoint(&s->hosts[host], subj, sizeof(subj));
	if ((i = kd_site_observe(s, item, v, code, subj, sum, fix, NULL,
	    KD_SRC_CAPTURE)) < 0)
		return;
	s->obs[i].host = host;
	s->obs[i].domain = -1;
	s->obs[i].count = 1;
}

/* Copy a UTF-8 string, cutting on a character boundary if it does not fit. */
void
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

/* The connection reached the host: a handshake, a request, an answer. */
static void
host_open(struct capture *cap, long hi)
{
	struct kd_site_host *h = &cap->site.hosts[hi];

	if (h->reach == KD_REACH_FILTERED || h->reach == KD_REACH_REFUSED)
		obs_note(cap, KD_ITEM_PORT, KD_V_WARN, h->reach == KD_REACH_FILTERED ?
		    "port_partly_filtered" : "port_partly_refused", hi,
		    "look for a firewall or load balancer that drops some "
		    "connections, or a host that was restarted during the capture",
		    "%s: some connections were %s, others reached the KMS host",
		    h->addr, h->reach == KD_REACH_FILTERED ? "never answered "
		    "(SYNs unanswered)" : "refused (RST to the SYN)");
	h->reach = KD_REACH_OPEN;
	h->reach_src |= KD_SRC_CAPTURE;
}

/* The host answered the KMS RPC call (a count, a refusal, a bad answer). */
static void
host_kms(struct capture *cap, long hi)
{
	struct kd_site_host *h = &cap->site.hosts[hi];

	host_open(cap, hi);
	h->rpc = KD_RPC_KMS;
	h->rpc_src |= KD_SRC_CAPTURE;
	h->rpc_detail[0] = '\0';
}

/*
 * The client's address is written down as an endpoint (client_ep[i]) and
 * made text in the site only when someone reads the site (addr_sync):
 * most clients connect from a new port each time, and formatting every
 * exchange's address for a summary that lists a thousand was a visible
 * share of a large capture.
 */
static void
client_addr(struct capture *cap, long ci, const struct kd_endpoint *ep)
{
	char a[KD_SITE_TEXT_MAX];

	if ((size_t)ci >= cap->client_ep_cap) {
		size_t ncap = cap->client_ep_cap ? cap->client_ep_cap * 2 : 256;
		struct client_ep *n = NULL;

		while (ncap <= (size_t)ci)
			ncap *= 2;
		if (cap->client_ep_off ||
		    (n = realloc(cap->client_ep, ncap * sizeof(*n))) == NULL) {
			/* Out of memory: every address as text, as it comes. */
			addr_sync(cap);
			free(cap->client_ep);
			cap->client_ep = NULL;
			cap->client_ep_cap = 0;
			cap->client_ep_off = true;
			kd_site_client_text(&cap->site, ci, KD_CT_ADDR,
			    kd_endpoint_format(ep, a, sizeof(a)));
			return;
		}
		memset(n + cap->client_ep_cap, 0,
		    (ncap - cap->client_ep_cap) * sizeof(*n));
		cap->client_ep = n;
		cap->client_ep_cap = ncap;
	}
	if (!cap->client_ep[ci].dirty) {
		cap->client_ep[ci].dirty = true;
		cap->ndirty++;
	}
	cap->client_ep[ci].ep = *ep;
}

void
addr_sync(struct capture *cap)
{
	char a[KD_SITE_TEXT_MAX];

	for (size_t i = 0; cap->ndirty > 0 && i < cap->client_ep_cap; i++) {
		struct client_ep *ce = &cap->client_ep[i];

		if (!ce->dirty)
			continue;
		ce->dirty = false;
		cap->ndirty--;
		kd_site_client_text(&cap->site, (long)i, KD_CT_ADDR,
		    kd_endpoint_format(&ce->ep, a, sizeof(a)));
	}
}

/* The client side of a request: who asked which host for what, and when. */
static long
record_client(struct capture *cap, const struct capture_exchange *ex, long hi,
    struct kd_site_count **cntp)
{
	const struct kms_request *rq = &ex->req;
	struct kd_site *s = &cap->site;
	struct kd_site_client *c;
	struct kd_site_count *cnt;
	bool isnew, new_here;
	long ci;

	*cntp = NULL;
	if ((ci = kd_site_client(s, &rq->cmid, &rq->kms_id, &isnew)) < 0)
		return -1;
	c = &s->clients[ci];
	if (isnew) {
		kd_site_client_text(s, ci, KD_CT_WORKSTATION, rq->workstation);
		c->nws = 1;
		c->first_seen = ex->req_ts.tv_sec;
	} else if (c->nws < 2 && strcmp(c->workstation, rq->workstation) != 0) {
		char ws[KD_SITE_TEXT_MAX];

		/* Unequal may be only a name cut to fit: compare it as kept. */
		copy_utf8(ws, sizeof(ws), rq->workstation);
		if (strcmp(c->workstation, ws) != 0) {
			/* Same CMID, another machine: a cloned image. */
			kd_site_client_text(s, ci, KD_CT_OTHER_WS, ws);
			c->nws = 2;
		}
	}
	c->sku_id = rq->sku_id;
	c->app_id = rq->app_id;
	client_addr(cap, ci, &ex->client);
	c->license_status = rq->license_status;
	c->required = rq->required_count;
	c->major = rq->major;
	c->minor = rq->minor;
	c->requests++;
	c->last_seen = ex->req_ts.tv_sec;
	c->skew_known = ex->skew_known;
	c->skew = ex->clock_skew;
	c->src |= KD_SRC_CAPTURE;
	if (hi < 0)
		return ci;
	/* Distinct clients per host and counted ID (exact for the first 64 hosts). */
	new_here = hi < 64 ? !(c->host_mask & (UINT64_C(1) << hi)) : c->host != hi;
	c->host = hi;
	if (hi < 64)
		c->host_mask |= UINT64_C(1) << hi;
	if ((cnt = kd_site_count(s, hi, &rq->kms_id)) != NULL) {
		cnt->requests++;
		if (rq->required_count != 0)
			cnt->required = rq->required_count;
		if (new_here)
			cnt->distinct_clients++;
		cnt->src |= KD_SRC_CAPTURE;
	}
	*cntp = cnt;
	return ci;
}

static const enum kd_outcome outcome_of[] = {
	[CV_ACTIVATES] = KD_OUT_ACTIVATES,
	[CV_BELOW_THRESHOLD] = KD_OUT_BELOW,
	[CV_REFUSED] = KD_OUT_REFUSED,
	[CV_UNVERIFIED] = KD_OUT_UNVERIFIED,
	[CV_FAULT] = KD_OUT_FAULT,
	[CV_NO_RESPONSE] = KD_OUT_NO_RESPONSE,
	[CV_UNDECODABLE] = KD_OUT_UNDECODABLE,
};

void
analyze_exchange(struct capture *cap, const struct capture_exchange *ex)
{
	const struct kms_request *rq = &ex->req;
	struct kd_site *s = &cap->site;
	struct kd_site_count *cnt = NULL;
	long hi = host_of(cap, &ex->host), ci = -1;
	char ep[96];

	s->exchanges_seen++;
	if (hi >= 0)
		s->hosts[hi].exchanges++;
	if (ex->have_req) {
		ci = record_client(cap, ex, hi, &cnt);
		if (hi >= 0) {
			host_open(cap, hi);
			if (cnt == NULL)
				cnt = kd_site_count(s, hi, &rq->kms_id);
		}
	}
	if (ci >= 0) {
		struct kd_site_client *c = &s->clients[ci];

		c->outcome = outcome_of[ex->verdict];
		c->last_hresult = ex->hresult;
		if (ex->verdict == CV_ACTIVATES || ex->verdict == CV_BELOW_THRESHOLD)
			c->last_count = ex->resp.count;
	}
	if (hi < 0)
		return;
	switch (ex->verdict) {
	case CV_ACTIVATES:
	case CV_BELOW_THRESHOLD:
		/* Only a verified answer is a host's word (rule 7). */
		host_kms(cap, hi);
		kd_site_answer(s, hi, &rq->app_id, &rq->kms_id, ex->resp.epid,
		    ex->resp.has_hwid ? ex->resp.hwid : NULL, ex->resp.count,
		    rq->required_count, ex->resp.activation_interval,
		    ex->resp.renewal_interval, (int64_t)ex->resp_ts.tv_sec,
		    KD_SRC_CAPTURE);
		if (ex->resp.iv_reused)
			s->hosts[hi].signs |= KD_SIGN_IV_REUSED;
		break;
	case CV_REFUSED:
		host_kms(cap, hi);
		if (cnt != NULL) {
			cnt->refusals++;
			cnt->last_hresult = ex->hresult;
		} else
			obs_note(cap, KD_ITEM_OTHER, KD_V_FAIL, "refused", hi,
			    "the request was not in the capture: capture from the "
			    "start of the connection to see what was asked",
			    "%s refused a request not in the capture with 0x%08X %s",
			    kd_endpoint_format(&ex->host, ep, sizeof(ep)), ex->hresult, ex->herr && ex->herr->name[0] ?
			    ex->herr->name : "(unknown HRESULT)");
		break;
	case CV_UNVERIFIED:
		/* The RPC call was answered; what it carried is not to be trusted. */
		host_kms(cap, hi);
		if (cnt != NULL)
			cnt->unverified++;
		else
			obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "unverifiable", hi,
			    "capture from the start of the connection so requests "
			    "and answers pair up",
			    "%s answered a request not in the capture: its answer "
			    "cannot be verified (%s)", kd_endpoint_format(&ex->host,
			    ep, sizeof(ep)), ex->resp.verify_detail);
		break;
	case CV_FAULT:
		if (cnt != NULL)
			cnt->faults++;
		else if (s->hosts[hi].rpc != KD_RPC_KMS) {
			s->hosts[hi].rpc = KD_RPC_FAULT;
			s->hosts[hi].rpc_src |= KD_SRC_CAPTURE;
			kd_setf(s->hosts[hi].rpc_detail,
			    sizeof(s->hosts[hi].rpc_detail), "%s", ex->reason);
		}
		break;
	case CV_NO_RESPONSE:
		if (cnt != NULL)
			cnt->no_response++;
		break;
	case CV_UNDECODABLE:
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "undecodable", hi,
		    "the error lines name the packet and offset",
		    "%s: call %u: %s", kd_endpoint_format(&ex->host, ep,
		    sizeof(ep)), ex->call_id, ex->reason);
		break;
	}
}

void
analyze_conn(struct capture *cap, const struct capture_conn_event *ev)
{
	long hi = host_of(cap, &ev->host);
	struct kd_site_host *h;
	char ep[96];

	if (hi < 0)
		return;
	h = &cap->site.hosts[hi];
	kd_endpoint_format(&ev->host, ep, sizeof(ep));
	switch (ev->kind) {
	case CC_FILTERED:
	case CC_REFUSED:
		if (h->reach == KD_REACH_OPEN) {
			obs_note(cap, KD_ITEM_PORT, KD_V_WARN, ev->kind == CC_FILTERED ?
			    "port_partly_filtered" : "port_partly_refused", hi,
			    "look for a firewall or load balancer that drops some "
			    "connections, or a host that was restarted during the "
			    "capture", "%s: some connections were %s, others "
			    "reached the KMS host", ep, ev->kind == CC_FILTERED ?
			    "never answered (SYNs unanswered)" :
			    "refused (RST to the SYN)");
			break;
		}
		h->reach = ev->kind == CC_FILTERED ? KD_REACH_FILTERED :
		    KD_REACH_REFUSED;
		h->reach_src |= KD_SRC_CAPTURE;
		kd_setf(h->reach_detail, sizeof(h->reach_detail), "%s", ev->detail);
		break;
	case CC_BIND_NAK:
	case CC_BIND_REJECTED:
	case CC_NOT_RPC:
		host_open(cap, hi);
		if (h->rpc == KD_RPC_KMS)
			break;
		h->rpc = ev->kind == CC_NOT_RPC ? KD_RPC_NOT_RPC : KD_RPC_REJECTED;
		h->rpc_src |= KD_SRC_CAPTURE;
		kd_setf(h->rpc_detail, sizeof(h->rpc_detail), "%s", ev->detail);
		break;
	case CC_GAP:
	case CC_INCOMPLETE:
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "capture_gap", -1,
		    "capture closer to the host, with a bigger buffer (tcpdump -B), "
		    "and from the start of the connections",
		    "bytes missing from the capture (%s): exchanges there may be "
		    "missed or undecodable", ev->detail);
		break;
	case CC_SNAPLEN:
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "snaplen", -1,
		    "re-capture with -s 0 so whole packets are kept",
		    "packets cut by the snaplen: KMS messages in them cannot be "
		    "decoded");
		break;
	case CC_EVICTED:
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "flows_evicted", -1,
		    "raise the caps or capture less at once: results for the "
		    "evicted connections are partial",
		    "connections not tracked: more at once than the flow or buffer "
		    "caps");
		break;
	case CC_LIMIT:
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "flow_limit", hi,
		    "a connection that carries this much is not a KMS client: see "
		    "what else talks to the port",
		    "%s: a connection carried more unparsed data than the per-flow "
		    "cap", ep);
		break;
	}
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

/* "TCP 1688" or "TCP 1688, 21789" */
static void
ports_text(const struct capture *cap, char *out, size_t len)
{
	size_t off = (size_t)snprintf(out, len, "TCP ");

	for (size_t i = 0; i < cap->nports && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%u", i ? ", " : "",
		    (unsigned)cap->ports[i]);
}

/*
 * What to say when no KMS exchange was seen on the ports asked for: the
 * busiest DCE/RPC server elsewhere (the likely KMS host on another port),
 * else the busiest server.  False when nothing else was seen either.
 */
static const struct other_server *
busiest_other(const struct capture *cap)
{
	const struct other_server *best = NULL;

	for (size_t i = 0; i < cap->nother; i++) {
		const struct other_server *o = &cap->other[i];

		if (best == NULL || (o->rpc && !best->rpc) ||
		    (o->rpc == best->rpc && o->packets > best->packets))
			best = o;
	}
	return best;
}

static bool
other_traffic_hint(const struct capture *cap, char *out, size_t len)
{
	const struct other_server *best = busiest_other(cap);
	char ep[96], ports[128];

	if (best == NULL)
		return false;
	kd_endpoint_format(&best->ep, ep, sizeof(ep));
	ports_text(cap, ports, sizeof(ports));
	kd_setf(out, len, "%s to %s, not on %s: use -p %u", best->rpc ?
	    "DCE/RPC" : "TCP", ep, ports, (unsigned)best->ep.port);
	return true;
}

/*
 * Bring the site up to date with what is known only at the end (what
 * was seen on other ports), then judge it.
 */
void
capture_checklist(struct capture *cap, struct kd_checklist *cl)
{
	struct kd_judge_opts o = { .activation_asked = true };
	struct kd_site *s = &cap->site;

	addr_sync(cap);
	s->sources |= KD_SRC_CAPTURE;
	s->other_traffic = cap->other_packets;
	if (!other_traffic_hint(cap, s->other_traffic_hint,
	    sizeof(s->other_traffic_hint)))
		s->other_traffic_hint[0] = '\0';
	if (cap->hosts_dropped > 0)
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "host_limit", -1,
		    "split the capture by host (a BPF filter per host)",
		    "exchanges with more than %d KMS hosts: those beyond are not "
		    "judged", KD_MAX_HOSTS);
	/* KMS seen on the ports asked for, and DCE/RPC elsewhere: a host not judged. */
	if (s->exchanges_seen > 0 && busiest_other(cap) != NULL &&
	    busiest_other(cap)->rpc)
		obs_note(cap, KD_ITEM_OTHER, KD_V_WARN, "rpc_other_port", -1,
		    "read the capture again with -p for that port too (once per "
		    "port): a KMS host there is not judged", "%s",
		    s->other_traffic_hint);
	o.default_port = cap->nports > 0 ? cap->ports[0] : 1688;
	kd_site_judge(s, &o, cl);
}

const struct kd_site *
capture_site(struct capture *cap)
{
	addr_sync(cap);
	return &cap->site;
}

void
capture_report(struct capture *cap, struct kd_report *r)
{
	struct kd_checklist cl;

	capture_checklist(cap, &cl);
	kd_checklist_report(&cl, &cap->site, r);
	kd_checklist_fini(&cl);
}

int
capture_exit_status(const struct capture *cap, const struct kd_report *r)
{
	enum kd_verdict w = kd_report_worst(r);

	if (w == KD_V_OK && cap->stats.errors > 0)
		w = KD_V_WARN;
	return (int)w;
}

/* The counters the summary starts with. */
static void
summary_counters(const struct capture *cap, json_t *o)
{
	json_object_set_new(o, "type", json_string("summary"));
	json_object_set_new(o, "packets", json_integer((json_int_t)cap->stats.packets));
	json_object_set_new(o, "exchanges", json_integer((json_int_t)cap->stats.exchanges));
	json_object_set_new(o, "errors", json_integer((json_int_t)cap->stats.errors));
	json_object_set_new(o, "flows", json_integer((json_int_t)cap->stats.flows));
	json_object_set_new(o, "flows_evicted",
	    json_integer((json_int_t)cap->stats.flows_evicted));
	json_object_set_new(o, "flows_evicted_memory",
	    json_integer((json_int_t)cap->stats.flows_evicted_memory));
	json_object_set_new(o, "calls_untracked",
	    json_integer((json_int_t)cap->stats.calls_untracked));
}

/*
 * The summary as one JSON object: the capture's counters, the site model
 * (kd_site_json), and per KMS counted ID the distinct clients seen (the
 * host keeps only the last 50 it saw, §7).
 */
size_t
capture_products(const struct capture *cap, struct capture_product **out)
{
	const struct kd_site *s = &cap->site;
	struct capture_product *p = NULL;
	size_t np = 0, last = 0;

	*out = NULL;
	if (s->nclients > 0 && (p = calloc(s->nclients, sizeof(*p))) == NULL)
		return 0;
	for (size_t i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];
		size_t k;

		if (c->self)
			continue;
		/* Clients come in runs of one counted ID: try the last one first. */
		if (np > 0 && kd_guid_eq(&p[last].kms_id, &c->kms_id))
			k = last;
		else {
			for (k = 0; k < np; k++)
				if (kd_guid_eq(&p[k].kms_id, &c->kms_id))
					break;
			if (k == np) {
				p[np].kms_id = c->kms_id;
				p[np].info = kd_kmsid_find(&c->kms_id);
				p[np].required = p[np].info != NULL ?
				    p[np].info->min_clients : 0;
				np++;
			}
			last = k;
		}
		p[k].distinct++;
		if (c->required > p[k].required)
			p[k].required = c->required;
	}
	*out = p;
	return np;
}

/*
 * The summary as one JSON object: the capture's counters, the site model
 * (kd_site_json), and per KMS counted ID the distinct clients seen (the
 * host keeps only the last 50 it saw, §7).
 */
json_t *
capture_site_summary(struct capture *cap)
{
	json_t *o = json_object(), *prods = json_array(), *site;
	char g[KD_GUID_STRLEN];
	struct capture_product *p;
	size_t np = capture_products(cap, &p);

	addr_sync(cap);
	summary_counters(cap, o);
	for (size_t k = 0; k < np; k++) {
		json_t *po = json_object();

		json_object_set_new(po, "kms_id", json_string(kd_guid_format(&p[k].kms_id,
		    g)));
		json_object_set_new(po, "name", p[k].info ? json_string(p[k].info->name) :
		    json_null());
		json_object_set_new(po, "distinct_cmids", json_integer((json_int_t)
		    p[k].distinct));
		json_object_set_new(po, "required_count", json_integer(p[k].required));
		json_array_append_new(prods, po);
	}
	free(p);
	json_object_set_new(o, "products", prods);
	site = kd_site_json(&cap->site);
	json_object_set_new(o, "site", site != NULL ? site : json_null());
	return o;
}
