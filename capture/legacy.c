/*
 * The capture's own summary as the dashboard (kmsdiag-tui) reads it today:
 * per-host and per-product aggregates (capture_summary_json).  It is kept
 * only until the dashboard reads the site model (capture_site()); every
 * verdict comes from the checklist engine (capture_report), and new facts
 * go into the site model, not here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"

#define CLIENTS_INITIAL	1024

static const uint8_t vlmcsd_hwid[8] = { 0x3a, 0x1c, 0x04, 0x96, 0x00, 0xb6, 0x00, 0x76 };
static const uint8_t pykms_hwid[8] = { 0x36, 0x4f, 0x46, 0x3a, 0x88, 0x63, 0xd3, 0x5f };

void
legacy_fini(struct capture *cap)
{
	free(cap->lg.clients);
	free(cap->lg.hosts);
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
kmsid_slot(struct capture *cap, const struct kd_guid *id)
{
	for (size_t i = 0; i < cap->lg.nkmsids; i++)
		if (kd_guid_eq(&cap->lg.kmsids[i].kms_id, id))
			return &cap->lg.kmsids[i];
	if (cap->lg.nkmsids == MAX_TRACKED_KMSIDS)
		return NULL;
	memset(&cap->lg.kmsids[cap->lg.nkmsids], 0, sizeof(cap->lg.kmsids[0]));
	cap->lg.kmsids[cap->lg.nkmsids].kms_id = *id;
	cap->lg.kmsids[cap->lg.nkmsids].info = kd_kmsid_find(id);
	return &cap->lg.kmsids[cap->lg.nkmsids++];
}

/* ci: the exchange's client in the site model, -1 when it has none. */
void
legacy_exchange(struct capture *cap, const struct capture_exchange *ex, long ci)
{
	const struct kms_request *rq = &ex->req;
	int hi = host_index(cap, &ex->host);
	struct host_agg *h = hi >= 0 ? &cap->lg.hosts[hi] : NULL;
	struct client_agg *cl = NULL;
	struct kmsid_agg *ka = NULL;
	bool isnew = false;

	if (h != NULL)
		h->exchanges++;
	if (ex->have_req) {
		ka = kmsid_slot(cap, &rq->kms_id);
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
			h->iv_reused = true;
		if (ka != NULL && rs->count > ka->max_count)
			ka->max_count = rs->count;
		if (ex->host_key_mismatch)
			h->answered_foreign = true;
	}
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
