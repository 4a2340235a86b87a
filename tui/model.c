/*
 * The dashboard's model: what the engines last reported, filled into one
 * struct kd_site and judged by the checklist engine (kd_site_judge), plus
 * the tables the panels show.  Pure data; the screen and --report only
 * read it.  Nothing here decides a verdict: items, hosts and DNS rows read
 * the engine's findings, so the dashboard says what kmsdiag doctor and the
 * capture summary say on the same evidence.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../capture/capture.h"
#include "../dnscheck/dnscheck.h"
#include "../evidence/evidence.h"
#include "../probe/probesite.h"
#include "explain.h"
#include "tui.h"

const char *
tui_item_key(enum tui_item i)
{
	return i < TUI_NITEMS ? kd_item_id((enum kd_item)i) : "?";
}

const char *
tui_item_title(enum tui_item i)
{
	return i < TUI_NITEMS ? kd_item_title((enum kd_item)i) : "?";
}

const char *
tui_item_question(enum tui_item i)
{
	const struct kd_checklist_item *ci = i < TUI_NITEMS ? kd_checklist_at(i) : NULL;

	if (ci != NULL && ci->question != NULL)
		return ci->question;
	return "anything the engines found that belongs to no item above";
}

/* Domain membership and a reboot: no engine can see it, a person ticks it. */
bool
tui_item_manual(enum tui_item i)
{
	return i == TUI_DOMAIN;
}

/* As typed on the command line: "Domain" is "domain". */
int
tui_item_parse(const char *key)
{
	enum kd_item it;
	char low[32];
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[i] = '\0';
	return key[i] == '\0' && kd_item_parse(low, &it) ? (int)it : -1;
}

const char *
tui_item_word(const struct tui_itemstate *it)
{
	if (it->pending)
		return "??";
	if (it->basis == KD_BASIS_SKIPPED)
		return "SKIP";
	if (it->basis == KD_BASIS_MANUAL && !it->known)
		return "MANUAL";
	return kd_verdict_name(it->verdict);
}

static void rebuild(struct tui_model *);
static int client_cmp(const void *, const void *);

void
tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->traffic = calloc(TUI_TRAFFIC, sizeof(*m->traffic));
	kd_report_init(&m->dns, "kmsdiag-dnscheck");
	kd_report_init(&m->checks, TUI_TOOL);
	kd_site_init(&m->site);
	rebuild(m);
}

static void
cap_obs_free(struct tui_model *m)
{
	for (size_t i = 0; i < m->ncap_obs; i++)
		json_decref(m->cap_obs[i].facts);
	free(m->cap_obs);
	m->cap_obs = NULL;
	m->ncap_obs = 0;
}

void
tui_model_fini(struct tui_model *m)
{
	kd_report_fini(&m->dns);
	kd_report_fini(&m->checks);
	kd_checklist_fini(&m->cl);
	kd_site_fini(&m->site);
	free(m->probe);
	cap_obs_free(m);
	ev_set_free(m->evidence);
	free(m->hosts);
	free(m->dnsrecs);
	free(m->products);
	free(m->clients);
	for (size_t i = 0; m->traffic != NULL && i < TUI_TRAFFIC; i++)
		free(m->traffic[i].ex);
	free(m->traffic);
	memset(m, 0, sizeof(*m));
}

/* --- filling the site ----------------------------------------------------- */

/*
 * The capture's part: the site its engine filled (capture_site), merged
 * host by host, so a host the probe and the capture both saw is one host
 * with what each learnt.  Counts, applications and clients are the
 * capture's own, per host and per KMS counted ID.
 */
static void
merge_capture(struct tui_model *m)
{
	const struct kd_site *c = m->cap_site;
	struct kd_site *s = &m->site;
	long map[4096];
	size_t i, k;

	if (c == NULL)
		return;
	if (m->cap_sync != NULL)
		m->cap_sync(m->cap_arg);
	for (i = 0; i < c->nhosts && i < sizeof(map) / sizeof(map[0]); i++) {
		const struct kd_site_host *ch = &c->hosts[i];
		struct kd_site_host *h;
		long hi = kd_site_host(s, ch->addr, ch->port, ch->src);

		map[i] = hi;
		if (hi < 0)
			continue;
		for (k = 0; k < ch->nnames; k++)
			kd_site_host_name(s, hi, ch->names[k]);
		h = &s->hosts[hi];
		if (h->reach == KD_REACH_UNKNOWN && ch->reach != KD_REACH_UNKNOWN) {
			h->reach = ch->reach;
			kd_setf(h->reach_detail, sizeof(h->reach_detail), "%s", ch->reach_detail);
		}
		h->reach_src |= ch->reach_src;
		if (h->rpc == KD_RPC_UNKNOWN && ch->rpc != KD_RPC_UNKNOWN) {
			h->rpc = ch->rpc;
			kd_setf(h->rpc_detail, sizeof(h->rpc_detail), "%s", ch->rpc_detail);
		}
		h->rpc_src |= ch->rpc_src;
		h->exchanges += ch->exchanges;
		h->answers += ch->answers;
		h->signs |= ch->signs;
		for (k = 0; k < ch->napps; k++) {
			struct kd_site_app *a = kd_site_app(s, hi, &ch->apps[k].app_id);

			if (a != NULL && a->epid[0] == '\0')
				*a = ch->apps[k];
		}
		for (k = 0; k < ch->ncounts; k++) {
			struct kd_site_count *n = kd_site_count(s, hi, &ch->counts[k].kms_id);

			if (n != NULL && !n->have_count)
				*n = ch->counts[k];
		}
	}
	for (i = 0; i < c->nclients; i++) {
		const struct kd_site_client *cc = &c->clients[i];
		bool isnew;
		long ci = kd_site_client(s, &cc->cmid, &cc->kms_id, &isnew);

		if (ci < 0)
			continue;
		kd_site_client_copy(s, ci, cc);
		s->clients[ci].host = cc->host >= 0 && (size_t)cc->host < c->nhosts &&
		    (size_t)cc->host < sizeof(map) / sizeof(map[0]) ? map[cc->host] : -1;
		s->clients[ci].host_mask = s->clients[ci].host >= 0 &&
		    s->clients[ci].host < 64 ? 1ull << s->clients[ci].host : 0;
	}
	for (i = 0; i < c->nobs; i++) {
		const struct kd_site_obs *o = &c->obs[i];
		long oi = kd_site_observe(s, o->item, o->verdict, o->code, o->subject,
		    o->summary, o->fix, o->facts ? json_deep_copy(o->facts) : NULL, o->src);

		if (oi >= 0) {
			s->obs[oi].count = o->count;
			s->obs[oi].host = o->host >= 0 && (size_t)o->host < c->nhosts &&
			    (size_t)o->host < sizeof(map) / sizeof(map[0]) ? map[o->host] : -1;
		}
	}
	s->sources |= c->sources;
	s->exchanges_seen += c->exchanges_seen;
	s->other_traffic += c->other_traffic;
	s->clients_dropped += c->clients_dropped;
	if (s->other_traffic_hint[0] == '\0')
		kd_setf(s->other_traffic_hint, sizeof(s->other_traffic_hint), "%s",
		    c->other_traffic_hint);
}

/* Input errors the capture engine passed as events: the dashboard's own observation. */
static void
capture_inputs(struct tui_model *m)
{
	for (size_t i = 0; i < m->ncap_obs; i++) {
		const struct kd_site_obs *ob = &m->cap_obs[i];

		kd_site_observe(&m->site, ob->item, ob->verdict, ob->code, ob->subject,
		    ob->summary, ob->fix, ob->facts ? json_deep_copy(ob->facts) : NULL,
		    KD_SRC_CAPTURE);
	}
}

/* The worst finding about host h, by the one verdict order. */
static const struct kd_finding *
host_finding(const struct kd_checklist *cl, long h)
{
	const struct kd_finding *w = NULL;

	for (size_t i = 0; i < cl->nfindings; i++)
		if (cl->findings[i].host == h && (w == NULL ||
		    kd_verdict_rank(cl->findings[i].verdict) > kd_verdict_rank(w->verdict)))
			w = &cl->findings[i];
	return w;
}

/* In the site's order (the order targets were given), not the order answers came. */
static int
host_cmp(const void *x, const void *y)
{
	const struct tui_host *a = x, *b = y;

	if ((a->site < 0) != (b->site < 0))
		return a->site < 0 ? 1 : -1;
	return a->site < b->site ? -1 : a->site > b->site;
}

static void
sync_hosts(struct tui_model *m)
{
	const struct kd_site *s = &m->site;

	for (size_t i = 0; i < m->nhosts; i++)
		m->hosts[i].site = -1;
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		const struct kd_finding *f = host_finding(&m->cl, (long)i);
		struct tui_host *t;
		char key[80];

		if ((t = tui_model_host(m, kd_site_endpoint(h, key, sizeof(key)))) == NULL)
			break;
		t->site = (long)i;
		kd_setf(t->target, sizeof(t->target), "%s", h->nnames ? h->names[0] : "");
		kd_setf(t->reach, sizeof(t->reach), "%s", h->reach_src ?
		    kd_reach_name(h->reach) : "");
		kd_setf(t->rpc, sizeof(t->rpc), "%s", h->rpc_src ? kd_rpc_name(h->rpc) : "");
		t->probed = (h->src & KD_SRC_PROBE) != 0;
		t->verdict = f ? f->verdict : KD_V_UNKNOWN;
		kd_setf(t->summary, sizeof(t->summary), "%s", f ? f->summary :
		    h->exchanges > 0 && h->answers == 0 ? "no answer seen" : "");
		t->exchanges = (int64_t)h->exchanges;
		t->ncounts = 0;
		for (size_t k = 0; k < h->ncounts && t->ncounts < TUI_HOST_COUNTS; k++) {
			const struct kd_site_count *c = &h->counts[k];
			struct tui_count *tc = &t->counts[t->ncounts++];
			char g[KD_GUID_STRLEN];

			kd_setf(tc->product, sizeof(tc->product), "%s", c->info ? c->info->name :
			    kd_guid_format(&c->kms_id, g));
			tc->count = c->have_count ? (int64_t)c->count : -1;
			tc->required = c->required ? (int64_t)c->required : c->info ?
			    (int64_t)c->info->min_clients : -1;
		}
		t->count = t->ncounts ? t->counts[0].count : -1;
		t->required = t->ncounts ? t->counts[0].required : -1;
		t->epid[0] = t->host_os[0] = t->key_group[0] = '\0';
		if (h->napps > 0) {
			kd_setf(t->epid, sizeof(t->epid), "%s", h->apps[0].epid);
			if (h->apps[0].os != NULL)
				kd_setf(t->host_os, sizeof(t->host_os), "%s", h->apps[0].os->os_name);
			if (h->apps[0].hostkey != NULL)
				kd_setf(t->key_group, sizeof(t->key_group), "%s",
				    h->apps[0].hostkey->name);
		}
	}
}

/* The worst finding about one SRV record (its subject is "target:port"). */
static enum kd_verdict
record_verdict(const struct kd_checklist *cl, long d, const struct kd_site_srv *r)
{
	char subj[300];

	kd_setf(subj, sizeof(subj), "%s:%u", r->target, (unsigned)r->port);
	for (size_t i = 0; i < cl->nfindings; i++)
		if (cl->findings[i].domain == d && strcmp(cl->findings[i].subject, subj) == 0)
			return cl->findings[i].verdict;	/* worst first within the item */
	return KD_V_UNKNOWN;
}

/* Every domain checked, with or without a record. */
static void
sync_dns(struct tui_model *m)
{
	const struct kd_site *s = &m->site;
	size_t n = 0;

	free(m->dnsrecs);
	m->dnsrecs = NULL;
	m->ndns = 0;
	for (size_t d = 0; d < s->ndomains; d++)
		n += s->domains[d].nsrv ? s->domains[d].nsrv : 1;
	if (n == 0 || (m->dnsrecs = calloc(n, sizeof(*m->dnsrecs))) == NULL)
		return;
	for (size_t d = 0; d < s->ndomains; d++) {
		const struct kd_site_domain *dm = &s->domains[d];

		if (dm->nsrv == 0) {
			struct tui_dnsrec *r = &m->dnsrecs[m->ndns++];
			const struct kd_finding *w = NULL;

			for (size_t i = 0; i < m->cl.nfindings; i++)
				if (m->cl.findings[i].domain == (long)d && (w == NULL ||
				    kd_verdict_rank(m->cl.findings[i].verdict) >
				    kd_verdict_rank(w->verdict)))
					w = &m->cl.findings[i];
			r->none = true;
			kd_setf(r->domain, sizeof(r->domain), "%s", dm->name);
			kd_setf(r->detail, sizeof(r->detail), "%s", dm->detail[0] ? dm->detail :
			    dm->status == KD_SITE_DNS_UNKNOWN ? "not asked" : "no record");
			r->verdict = r->port_v = r->ttl_v = w ? w->verdict : KD_V_UNKNOWN;
			continue;
		}
		for (size_t k = 0; k < dm->nsrv; k++) {
			const struct kd_site_srv *sr = &dm->srv[k];
			struct tui_dnsrec *r = &m->dnsrecs[m->ndns++];

			kd_setf(r->domain, sizeof(r->domain), "%s", dm->name);
			kd_setf(r->target, sizeof(r->target), "%s", sr->target);
			for (size_t a = 0; a < sr->naddrs; a++)
				kd_appendf(r->addrs, sizeof(r->addrs), "%s%s", a ? " " : "",
				    s->hosts[sr->host[a]].addr);
			r->ttl = sr->ttl;
			r->port = sr->port;
			r->priority = sr->priority;
			r->weight = sr->weight;
			r->port_v = record_verdict(&m->cl, (long)d, sr);
			r->ttl_v = sr->ttl == 3600 ? KD_V_OK : KD_V_WARN;
			r->verdict = kd_verdict_worst(r->port_v, r->ttl_v);
		}
	}
}

static void
rebuild(struct tui_model *m)
{
	struct kd_judge_opts jo;
	char src[64];

	kd_checklist_fini(&m->cl);
	kd_report_fini(&m->checks);
	kd_report_init(&m->checks, TUI_TOOL);
	kd_site_fini(&m->site);
	kd_site_init(&m->site);
	if (m->have_dns)
		dnscheck_site(&m->site, &m->dns, m->dns_zone);
	for (size_t i = 0; m->have_probe && i < m->nprobe; i++) {
		long h = probe_site_result(&m->site, &m->probe_opts, &m->probe[i], 0);

		if (h >= 0 && probe_site_declared(&m->probe[i], m->declared, m->ndeclared,
		    PROBE_DEFAULT_PORT))
			m->site.hosts[h].declared = true;
	}
	if (m->have_capture) {
		merge_capture(m);
		capture_inputs(m);
	}
	/* Windows' own records, beside what the network showed (KD_SRC_WINDOWS). */
	if (m->evidence != NULL)
		ev_set_site(m->evidence, &m->site);
	/* Rule 12: the dashboard's own probe is not a client of the site. */
	for (size_t i = 0; m->have_probe && m->probe_opts.activate && i < m->site.nclients; i++)
		if (kd_guid_eq(&m->site.clients[i].cmid, &m->probe_opts.cmid))
			m->site.clients[i].self = true;
	for (int i = 0; i < TUI_NITEMS; i++)
		m->site.manual[i] = m->ticked[i];
	memset(&jo, 0, sizeof(jo));
	jo.activation_asked = (m->have_probe && m->probe_opts.activate) || m->have_capture;
	kd_site_judge(&m->site, &jo, &m->cl);
	kd_checklist_report(&m->cl, &m->site, &m->checks);
	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct kd_item_result *r = &m->cl.items[i];
		struct tui_itemstate *it = &m->items[i];

		memset(it, 0, sizeof(*it));
		it->verdict = r->verdict;
		it->basis = r->basis;
		it->known = r->basis == KD_BASIS_EVIDENCE || (r->basis == KD_BASIS_MANUAL &&
		    m->ticked[i]);
		it->nevidence = r->nfindings;
		kd_setf(it->reason, sizeof(it->reason), "%s", r->summary);
		kd_setf(it->fix, sizeof(it->fix), "%s", r->fix);
		if (r->basis == KD_BASIS_MANUAL && m->ticked[i])
			kd_setf(it->tool, sizeof(it->tool), "operator");
		for (size_t k = 0; k < m->cl.nfindings; k++)
			if (m->cl.findings[k].item == (enum kd_item)i) {
				kd_setf(it->tool, sizeof(it->tool), "%s",
				    tui_finding_source(&m->cl.findings[k], src, sizeof(src)));
				break;
			}
		if (i == TUI_DOMAIN && !m->ticked[i] && m->suffix[0] != '\0')
			kd_appendf(it->reason, sizeof(it->reason), "; this machine's DNS "
			    "suffix: %s", m->suffix);
	}
	if (m->dns_pending && !m->have_dns) {
		m->items[TUI_DNS].pending = true;
		kd_setf(m->items[TUI_DNS].reason, sizeof(m->items[TUI_DNS].reason),
		    "looking up the SRV records");
	}
	sync_hosts(m);
	if (m->nhosts > 1)
		qsort(m->hosts, m->nhosts, sizeof(*m->hosts), host_cmp);
	sync_dns(m);
	m->generation++;
}

/* --- what the engines report ---------------------------------------------- */

void
tui_model_set_dns(struct tui_model *m, struct kd_report *rep, bool zone)
{
	kd_report_fini(&m->dns);
	m->dns = *rep;
	kd_report_init(rep, m->dns.tool);
	m->have_dns = true;
	m->dns_zone = zone;
	rebuild(m);
}

void
tui_model_set_probe(struct tui_model *m, const struct probe_opts *o,
    const struct probe_result *r, size_t n)
{
	struct probe_result *c = n ? calloc(n, sizeof(*c)) : NULL;

	if (n > 0 && c == NULL)
		return;
	if (n > 0)
		memcpy(c, r, n * sizeof(*c));
	free(m->probe);
	m->probe = c;
	m->nprobe = n;
	m->probe_opts = *o;
	m->have_probe = true;
	rebuild(m);
}

/* The Clients panel lists this many clients, as the capture's summary. */
#define TUI_MAX_CLIENTS	1000

/* The Clients panel's rows for a KMS counted ID: its index in m->products. */
static size_t
product_of(struct tui_model *m, const struct kd_guid *kms_id, struct kd_guid *ids)
{
	const struct kd_kmsid *ki;
	struct tui_product *p;
	size_t k;
	char g[KD_GUID_STRLEN];

	for (k = 0; k < m->nproducts; k++)
		if (kd_guid_eq(&ids[k], kms_id))
			return k;
	ki = kd_kmsid_find(kms_id);
	p = &m->products[m->nproducts];
	memset(p, 0, sizeof(*p));
	kd_setf(p->name, sizeof(p->name), "%s", ki != NULL ? ki->name :
	    kd_guid_format(kms_id, g));
	p->required = ki != NULL ? ki->min_clients : 0;
	ids[k] = *kms_id;
	m->nproducts++;
	return k;
}

/*
 * The Clients panel from the capture's site: per KMS counted ID (in the
 * order first asked for) the distinct clients, the N they sent and the
 * highest count a host answered; then the first TUI_MAX_CLIENTS clients,
 * most recently seen first.  Our own probe's CMID is not a client (rule 12).
 */
static void
capture_tables(struct tui_model *m, const struct kd_site *site)
{
	struct kd_guid *ids = NULL;
	size_t i, n = site != NULL ? site->nclients : 0, listed = 0;
	bool *asked = NULL;

	free(m->products);
	free(m->clients);
	m->products = NULL;
	m->clients = NULL;
	m->nproducts = m->nclients = 0;
	if ((m->products = calloc(n + 1, sizeof(*m->products))) == NULL ||
	    (ids = calloc(n + 1, sizeof(*ids))) == NULL ||
	    (asked = calloc(n + 1, sizeof(*asked))) == NULL ||
	    (m->clients = calloc((n < TUI_MAX_CLIENTS ? n : TUI_MAX_CLIENTS) + 1,
	    sizeof(*m->clients))) == NULL) {
		free(ids);
		free(asked);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct kd_site_client *c = &site->clients[i];
		size_t k = product_of(m, &c->kms_id, ids);
		struct tui_product *p = &m->products[k];

		p->distinct++;
		if (c->required > 0 && (!asked[k] || c->required > p->required))
			p->required = c->required;
		asked[k] |= c->required > 0;
	}
	for (i = 0; site != NULL && i < site->nhosts; i++)
		for (size_t j = 0; j < site->hosts[i].ncounts; j++) {
			const struct kd_site_count *cn = &site->hosts[i].counts[j];

			for (size_t k = 0; k < m->nproducts; k++)
				if (cn->have_count && kd_guid_eq(&ids[k], &cn->kms_id) &&
				    cn->max_count > m->products[k].count)
					m->products[k].count = cn->max_count;
		}
	for (i = 0; i < n && listed < TUI_MAX_CLIENTS; i++) {
		const struct kd_site_client *sc = &site->clients[i];
		const struct kd_sku *sk = kd_sku_find(&sc->sku_id);
		const struct kd_kmsid *ki = kd_kmsid_find(&sc->kms_id);
		const char *ls = kd_license_status_name(sc->license_status);
		struct tui_client *c;
		char buf[300];

		listed++;
		/* Whoever filled the site, our own CMID is not a client of it. */
		if (sc->self || (m->have_probe && m->probe_opts.activate &&
		    kd_guid_eq(&sc->cmid, &m->probe_opts.cmid)))
			continue;
		c = &m->clients[m->nclients++];
		kd_guid_format(&sc->cmid, c->cmid);
		kd_setf(c->workstation, sizeof(c->workstation), "%s",
		    kd_sanitize(sc->workstation, buf, sizeof(buf)));
		kd_setf(c->client, sizeof(c->client), "%s", sc->addr);
		kd_setf(c->product, sizeof(c->product), "%s", sk != NULL ? sk->name :
		    ki != NULL ? ki->name : "");
		if (ls != NULL)
			kd_setf(c->license, sizeof(c->license), "%s", ls);
		else
			kd_setf(c->license, sizeof(c->license), "%u",
			    sc->license_status);
		kd_unix_format(sc->last_seen, c->last_seen, sizeof(c->last_seen));
		if (sc->host >= 0 && (size_t)sc->host < site->nhosts)
			kd_site_endpoint(&site->hosts[sc->host], c->host,
			    sizeof(c->host));
		c->requests = (int64_t)sc->requests;
	}
	free(ids);
	free(asked);
}

void
tui_model_set_capture(struct tui_model *m, const struct kd_site *site,
    const struct kd_report *inputs)
{
	const struct kd_report *problems = inputs;
	size_t i;

	cap_obs_free(m);
	if (problems->n > 0 && (m->cap_obs = calloc(problems->n, sizeof(*m->cap_obs))) != NULL)
		for (i = 0; i < problems->n; i++) {
			const struct kd_check *c = &problems->checks[i];
			struct kd_site_obs *ob = &m->cap_obs[m->ncap_obs++];

			ob->item = KD_ITEM_OTHER;
			/*
			 * The capture files bind refusals, faults and failed
			 * integrity checks under "host_state": who answers, the
			 * RPC item.  Its emulator signs are the host key's.
			 */
			if (strcmp(c->checklist, "host_state") == 0)
				ob->item = strstr(c->id, "emulator") != NULL ?
				    KD_ITEM_HOST_KEY : KD_ITEM_RPC;
			else if (c->checklist[0] != '\0')
				(void)kd_item_parse(c->checklist, &ob->item);
			ob->verdict = c->verdict;
			kd_setf(ob->code, sizeof(ob->code), "%s", c->id);
			kd_setf(ob->subject, sizeof(ob->subject), "%s", c->subject);
			kd_setf(ob->summary, sizeof(ob->summary), "%s", c->summary);
			kd_setf(ob->fix, sizeof(ob->fix), "%s", c->fix);
			ob->facts = c->facts ? json_deep_copy(c->facts) : NULL;
			ob->host = ob->domain = -1;
		}
	m->cap_site = site;
	m->have_capture = true;
	capture_tables(m, site);
	if (m->clients != NULL)
		qsort(m->clients, m->nclients, sizeof(*m->clients), client_cmp);
	rebuild(m);
}

void
tui_model_set_suffix(struct tui_model *m, const char *suffix)
{
	char buf[256];

	kd_setf(m->suffix, sizeof(m->suffix), "%s", kd_sanitize(suffix, buf, sizeof(buf)));
	rebuild(m);
}

bool
tui_model_tick(struct tui_model *m, enum tui_item i, bool on)
{
	if (!tui_item_manual(i))
		return false;
	m->ticked[i] = on;
	rebuild(m);
	return true;
}

void
tui_model_set_evidence(struct tui_model *m, struct ev_set *set)
{
	ev_set_free(m->evidence);
	m->evidence = set;
	rebuild(m);
}

json_t *
tui_model_evidence(const struct tui_model *m, enum tui_item item)
{
	return tui_findings_json(&m->checks, (enum kd_item)item);
}

struct tui_host *
tui_model_host(struct tui_model *m, const char *key)
{
	struct tui_host *h;

	for (size_t i = 0; i < m->nhosts; i++)
		if (strcmp(m->hosts[i].key, key) == 0)
			return &m->hosts[i];
	if (m->nhosts == m->hosts_cap) {
		size_t ncap = m->hosts_cap ? m->hosts_cap * 2 : 16;

		/* Hosts on screen, not the probe's 65536 addresses. */
		if (ncap > 4096 ||
		    (h = realloc(m->hosts, ncap * sizeof(*h))) == NULL)
			return NULL;
		m->hosts = h;
		m->hosts_cap = ncap;
	}
	h = &m->hosts[m->nhosts++];
	memset(h, 0, sizeof(*h));
	kd_setf(h->key, sizeof(h->key), "%s", key);
	h->count = h->required = -1;
	h->verdict = KD_V_UNKNOWN;
	h->site = -1;
	m->generation++;
	return h;
}

void
tui_resolv_suffix(const char *path, char *out, size_t len)
{
	char line[512], word[256];
	FILE *fp;

	out[0] = '\0';
	if (len == 0 || (fp = fopen(path, "r")) == NULL)
		return;
	/* The resolver uses the last domain or search line; so do we. */
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((strncmp(line, "domain", 6) == 0 || strncmp(line, "search", 6) == 0) &&
		    (line[6] == ' ' || line[6] == '\t') &&
		    sscanf(line + 6, "%255s", word) == 1)
			kd_setf(out, len, "%s", word);
	}
	fclose(fp);
}

void
tui_host_rtt(struct tui_host *h, double ms)
{
	if (h->nrtt == TUI_SPARK) {
		memmove(h->rtt, h->rtt + 1, (TUI_SPARK - 1) * sizeof(h->rtt[0]));
		h->nrtt--;
	}
	h->rtt[h->nrtt++] = ms;
}

/* Most recently seen first, then by name: the panel reads like a log. */
static int
client_cmp(const void *x, const void *y)
{
	const struct tui_client *a = x, *b = y;
	int c = strcmp(b->last_seen, a->last_seen);

	return c != 0 ? c : strcmp(a->workstation, b->workstation);
}

void
tui_model_traffic(struct tui_model *m, const char *line, enum kd_verdict v,
    const struct capture_exchange *ex)
{
	struct tui_event *e;

	if (m->traffic == NULL)
		return;
	e = &m->traffic[m->traffic_next];
	kd_setf(e->line, sizeof(e->line), "%s", line);
	e->verdict = v;
	e->have_ex = false;
	if (ex != NULL && (e->ex != NULL || (e->ex = malloc(sizeof(*e->ex))) != NULL)) {
		memcpy(e->ex, ex, sizeof(*e->ex));
		e->have_ex = true;
	}
	m->traffic_next = (m->traffic_next + 1) % TUI_TRAFFIC;
	if (m->ntraffic < TUI_TRAFFIC)
		m->ntraffic++;
	m->traffic_total++;
	m->generation++;
}

const struct tui_event *
tui_model_traffic_at(const struct tui_model *m, size_t i)
{
	if (i >= m->ntraffic)
		return NULL;
	return &m->traffic[(m->traffic_next + TUI_TRAFFIC - m->ntraffic + i) % TUI_TRAFFIC];
}

void
tui_bar(char *out, size_t width, int64_t value, int64_t max)
{
	size_t fill = 0;

	if (width == 0)
		return;
	width--;
	if (max > 0 && value > 0)
		fill = value >= max ? width : (size_t)((double)value * (double)width /
		    (double)max + 0.5);
	for (size_t i = 0; i < width; i++)
		out[i] = i < fill ? '#' : '.';
	out[width] = '\0';
}

int
tui_model_status(const struct tui_model *m)
{
	switch (m->cl.overall) {
	case KD_V_OK:	return KD_EXIT_OK;
	case KD_V_WARN:	return KD_EXIT_WARN;
	case KD_V_FAIL:	return KD_EXIT_FAIL;
	default:	return KD_EXIT_UNKNOWN;
	}
}

static void
report_host(FILE *fp, const struct tui_model *m, const struct tui_host *t)
{
	const struct kd_site_host *h;
	char buf[512], hw[20];

	fprintf(fp, "  %s", kd_sanitize(t->key, buf, sizeof(buf)));
	if (t->target[0] != '\0')
		fprintf(fp, " (%s)", kd_sanitize(t->target, buf, sizeof(buf)));
	if (t->site < 0) {
		fputc('\n', fp);
		return;
	}
	h = &m->site.hosts[t->site];
	fprintf(fp, " %s: %s\n", kd_verdict_name(t->verdict), kd_sanitize(t->summary, buf,
	    sizeof(buf)));
	if (h->exchanges > 0 && h->answers == 0)
		fprintf(fp, "    no answer seen to %llu activation call%s\n",
		    (unsigned long long)h->exchanges, h->exchanges == 1 ? "" : "s");
	for (size_t k = 0; k < t->ncounts; k++) {
		const struct tui_count *c = &t->counts[k];

		if (c->count >= 0)
			fprintf(fp, "    %s: count %lld of %lld\n", c->product,
			    (long long)c->count, (long long)c->required);
		else
			fprintf(fp, "    %s: no count\n", c->product);
	}
	/* Per application: a host serving Windows and Office has one ePID for each. */
	for (size_t k = 0; k < h->napps; k++) {
		const struct kd_site_app *a = &h->apps[k];
		const struct kd_app *ap = kd_app_find(&a->app_id);

		hw[0] = '\0';
		for (size_t b = 0; a->has_hwid && b < sizeof(a->hwid); b++)
			kd_appendf(hw, sizeof(hw), "%02X", a->hwid[b]);
		fprintf(fp, "    %s ePID %s", ap ? ap->name : "application",
		    kd_sanitize(a->epid, buf, sizeof(buf)));
		if (a->os != NULL)
			fprintf(fp, ", host %s", a->os->os_name);
		if (a->hostkey != NULL)
			fprintf(fp, ", key %s", a->hostkey->name);
		if (hw[0] != '\0')
			fprintf(fp, ", HwId %s", hw);
		fputc('\n', fp);
	}
}

void
tui_model_report_text(FILE *fp, const struct tui_model *m, bool color)
{
	char buf[512];

	fprintf(fp, "KMS activation checklist\n");
	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct tui_itemstate *it = &m->items[i];
		size_t nf = 0;

		fprintf(fp, "%u. %-11s %s%-7s%s  %s", kd_item_number((enum kd_item)i) ?
		    kd_item_number((enum kd_item)i) : (unsigned)i + 1, tui_item_title(i),
		    color && it->known ? kd_verdict_color(it->verdict) : "", tui_item_word(it),
		    color && it->known ? "\033[0m" : "",
		    kd_sanitize(it->reason, buf, sizeof(buf)));
		if (it->tool[0] != '\0')
			fprintf(fp, " [%s]", it->tool);
		fputc('\n', fp);
		if (it->fix[0] != '\0' && it->known && it->verdict != KD_V_OK)
			fprintf(fp, "   fix: %s\n", kd_sanitize(it->fix, buf, sizeof(buf)));
		/* Every finding behind the verdict, one line each: the evidence. */
		if (it->nevidence < 2 && it->verdict == KD_V_OK)
			continue;
		for (size_t k = 0; it->nevidence > 0 && k < m->cl.nfindings; k++) {
			const struct kd_finding *f = &m->cl.findings[k];
			char src[64];

			if (f->item != (enum kd_item)i || nf++ == 0)
				continue;
			fprintf(fp, "   - %-7s %s [%s]\n", kd_verdict_name(f->verdict),
			    kd_sanitize(f->summary, buf, sizeof(buf)),
			    tui_finding_source(f, src, sizeof(src)));
		}
	}
	if (m->nhosts > 0)
		fprintf(fp, "\nKMS hosts\n");
	for (size_t i = 0; i < m->nhosts; i++)
		report_host(fp, m, &m->hosts[i]);
	if (m->ndns > 0)
		fprintf(fp, "\nDNS SRV records\n");
	for (size_t i = 0; i < m->ndns; i++) {
		const struct tui_dnsrec *d = &m->dnsrecs[i];

		if (d->none) {
			fprintf(fp, "  _vlmcs._tcp.%s %s: %s\n", kd_sanitize(d->domain, buf,
			    sizeof(buf)), kd_verdict_name(d->verdict), d->detail);
			continue;
		}
		fprintf(fp, "  _vlmcs._tcp.%s -> %s:%u ttl %u (%s) port %s prio %u "
		    "weight %u [%s]\n", d->domain, d->target, d->port, d->ttl,
		    kd_verdict_name(d->ttl_v), kd_verdict_name(d->port_v), d->priority,
		    d->weight, d->addrs);
	}
	if (m->nproducts > 0)
		fprintf(fp, "\nClients per product (captured)\n");
	for (size_t i = 0; i < m->nproducts; i++)
		fprintf(fp, "  %-48s %lld distinct, %lld required\n",
		    kd_sanitize(m->products[i].name, buf, sizeof(buf)),
		    (long long)m->products[i].distinct, (long long)m->products[i].required);
}

void
tui_model_report_json(FILE *fp, const struct tui_model *m)
{
	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct tui_itemstate *it = &m->items[i];
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string("item"));
		json_object_set_new(o, "tool", json_string(TUI_TOOL));
		json_object_set_new(o, "number", json_integer(i + 1));
		json_object_set_new(o, "item", json_string(tui_item_key(i)));
		json_object_set_new(o, "title", json_string(tui_item_title(i)));
		json_object_set_new(o, "status", json_string(kd_verdict_key(it->verdict)));
		json_object_set_new(o, "basis", json_string(kd_basis_name(it->basis)));
		json_object_set_new(o, "detail", json_string(it->reason));
		json_object_set_new(o, "fix", json_string(it->fix));
		json_object_set_new(o, "source", it->tool[0] ? json_string(it->tool) :
		    json_null());
		json_object_set_new(o, "manual", json_boolean(tui_item_manual(i)));
		json_object_set_new(o, "ticked", json_boolean(m->ticked[i]));
		json_object_set_new(o, "evidence", tui_model_evidence(m, (enum tui_item)i));
		kd_json_line(fp, o);
		json_decref(o);
	}
	for (size_t i = 0; i < m->nhosts; i++) {
		const struct tui_host *h = &m->hosts[i];
		json_t *o = json_object(), *rtt = json_array(), *counts = json_array();

		for (size_t k = 0; k < h->nrtt; k++)
			json_array_append_new(rtt, json_real(h->rtt[k]));
		for (size_t k = 0; k < h->ncounts; k++)
			json_array_append_new(counts, json_pack("{s:s, s:o, s:I}", "product",
			    h->counts[k].product, "count", h->counts[k].count >= 0 ?
			    json_integer(h->counts[k].count) : json_null(), "required_count",
			    (json_int_t)h->counts[k].required));
		json_object_set_new(o, "type", json_string("host"));
		json_object_set_new(o, "host", json_string(h->key));
		json_object_set_new(o, "probed", json_boolean(h->probed));
		json_object_set_new(o, "state", h->reach[0] ? json_string(h->reach) :
		    json_null());
		json_object_set_new(o, "rpc", h->rpc[0] ? json_string(h->rpc) : json_null());
		json_object_set_new(o, "status", json_string(kd_verdict_key(h->verdict)));
		json_object_set_new(o, "detail", json_string(h->summary));
		json_object_set_new(o, "connect_ms", rtt);
		json_object_set_new(o, "counts", counts);
		json_object_set_new(o, "count", h->count >= 0 ? json_integer(h->count) :
		    json_null());
		json_object_set_new(o, "required_count", h->required >= 0 ?
		    json_integer(h->required) : json_null());
		json_object_set_new(o, "epid", h->epid[0] ? json_string(h->epid) : json_null());
		json_object_set_new(o, "host_os", h->host_os[0] ? json_string(h->host_os) :
		    json_null());
		json_object_set_new(o, "key_group", h->key_group[0] ?
		    json_string(h->key_group) : json_null());
		json_object_set_new(o, "exchanges", json_integer(h->exchanges));
		kd_json_line(fp, o);
		json_decref(o);
	}
	for (size_t i = 0; i < m->nproducts; i++) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "type", "product",
		    "name", m->products[i].name, "distinct_cmids",
		    (json_int_t)m->products[i].distinct, "required_count",
		    (json_int_t)m->products[i].required, "max_count_returned",
		    (json_int_t)m->products[i].count);

		kd_json_line(fp, o);
		json_decref(o);
	}
	{
		json_t *o = json_pack("{s:s, s:o}", "type", "site", "site",
		    kd_site_json(&m->site));

		kd_json_line(fp, o);
		json_decref(o);
	}
	{
		int st = tui_model_status(m);
		json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s?, s:I, s:I}", "type", "summary",
		    "tool", TUI_TOOL, "status", kd_verdict_key(m->cl.overall), "exit", st,
		    "root_cause", m->cl.root_cause < KD_NITEMS ?
		    kd_item_id(m->cl.root_cause) : NULL,
		    "clients", (json_int_t)m->nclients, "events",
		    (json_int_t)m->traffic_total);

		kd_json_line(fp, o);
		json_decref(o);
	}
}
