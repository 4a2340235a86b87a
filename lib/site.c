/*
 * The site model's operations: find-or-add of hosts, domains, SRV records
 * and clients, and the recording of one answer with its table lookups and
 * emulator signs.  See site.h.  Nothing here judges: kd_site_judge()
 * (checklist.c) is the only place evidence becomes a verdict.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kdlimits.h"
#include "site.h"
#include "textf.h"

/* Defaults of the two best-known emulators (protocol notes §11). */
static const uint8_t vlmcsd_hwid[8] = { 0x3a, 0x1c, 0x04, 0x96, 0x00, 0xb6, 0x00, 0x76 };
static const uint8_t pykms_hwid[8] = { 0x36, 0x4f, 0x46, 0x3a, 0x88, 0x63, 0xd3, 0x5f };

/*
 * Windows 8 / Server 2012.  Hosts older than that cannot install the host
 * keys released from 2016 on (Server 2016 and later CSVLKs need a 2012 or
 * later host), so such a pair in one ePID was not made by Windows.
 */
#define FIRST_BUILD_FOR_NEW_KEYS	9200
#define NEW_KEYS_FROM			"2016-01-01"

#define CLIENT_INDEX_INITIAL		1024

/* Copy a UTF-8 string, cutting on a character boundary if it does not fit. */
static void
copy_utf8(char *dst, size_t len, const char *src)
{
	size_t n;

	if (len == 0)
		return;
	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= len) {
		n = len - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The clients' string pool: chunks that are freed only with the site. */
#define TEXT_CHUNK	65536
struct kd_site_chunk {
	struct kd_site_chunk	*next;
	size_t			 used;
	char			 buf[TEXT_CHUNK];
};

static char *
text_alloc(struct kd_site *s, size_t n)
{
	struct kd_site_chunk *c = s->texts;
	char *p;

	if (c == NULL || TEXT_CHUNK - c->used < n) {
		if ((c = malloc(sizeof(*c))) == NULL)
			return NULL;
		c->next = s->texts;
		c->used = 0;
		s->texts = c;
	}
	p = c->buf + c->used;
	c->used += n;
	return p;
}

/* Grow *arr (of *cap elements of size sz) so that it holds n + 1. */
static bool
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / sz || (na = realloc(*arr, ncap * sz)) == NULL)
		return false;
	*arr = na;
	*cap = ncap;
	return true;
}

void
kd_site_init(struct kd_site *s)
{
	memset(s, 0, sizeof(*s));
	kd_tables_init();
}

void
kd_site_fini(struct kd_site *s)
{
	size_t i;

	for (i = 0; i < s->ndomains; i++)
		free(s->domains[i].srv);
	for (i = 0; i < s->nobs; i++)
		json_decref(s->obs[i].facts);
	free(s->hosts);
	free(s->domains);
	free(s->clients);
	free(s->client_index);
	while (s->texts != NULL) {
		struct kd_site_chunk *c = s->texts;

		s->texts = c->next;
		free(c);
	}
	free(s->obs);
	memset(s, 0, sizeof(*s));
}

char *
kd_src_format(unsigned src, char *out, size_t len)
{
	static const char *const names[] = {
		"probe", "capture", "dns", "zone", "windows", "user",
	};
	size_t i, off = 0;

	if (len == 0)
		return out;
	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(src & 1u << i))
			continue;
		n = snprintf(out + off, len - off, "%s%s", off ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return out;
}

const char *
kd_reach_name(enum kd_reach r)
{
	switch (r) {
	case KD_REACH_OPEN:
		return "open";
	case KD_REACH_REFUSED:
		return "refused";
	case KD_REACH_RESET:
		return "reset";
	case KD_REACH_FILTERED:
		return "filtered";
	case KD_REACH_UNREACHABLE:
		return "unreachable";
	case KD_REACH_BLOCKED:
		return "blocked";
	case KD_REACH_NO_ADDRESS:
		return "no_address";
	default:
		return "unknown";
	}
}

const char *
kd_rpc_name(enum kd_rpc r)
{
	switch (r) {
	case KD_RPC_KMS:
		return "kms";
	case KD_RPC_REJECTED:
		return "rejected";
	case KD_RPC_NOT_RPC:
		return "not_rpc";
	case KD_RPC_SILENT:
		return "silent";
	case KD_RPC_FAULT:
		return "fault";
	default:
		return "unknown";
	}
}

/* --- hosts ---------------------------------------------------------------- */

char *
kd_site_endpoint(const struct kd_site_host *h, char *buf, size_t len)
{
	if (h->addr[0] == '\0')
		kd_setf(buf, len, "%s:%u", h->nnames ? h->names[0] : "?", h->port);
	else if (strchr(h->addr, ':') != NULL)
		kd_setf(buf, len, "[%s]:%u", h->addr, h->port);
	else
		kd_setf(buf, len, "%s:%u", h->addr, h->port);
	return buf;
}

char *
kd_site_host_label(const struct kd_site_host *h, char *buf, size_t len)
{
	char ep[300];

	kd_site_endpoint(h, ep, sizeof(ep));
	if (h->nnames > 0 && h->addr[0] != '\0')
		kd_setf(buf, len, "%s %s", h->names[0], ep);
	else
		kd_setf(buf, len, "%s", ep);
	return buf;
}

long
kd_site_host_find(const struct kd_site *s, const char *addr, uint16_t port)
{
	char key[sizeof(s->hosts[0].addr)];
	size_t i;

	/* Compared as stored, so an over-long address still finds its host. */
	copy_utf8(key, sizeof(key), addr);
	for (i = 0; i < s->nhosts; i++)
		if (s->hosts[i].port == port && strcmp(s->hosts[i].addr, key) == 0)
			return (long)i;
	return -1;
}

long
kd_site_host(struct kd_site *s, const char *addr, uint16_t port, unsigned src)
{
	struct kd_site_host *h;
	long i;

	if (addr == NULL)
		addr = "";
	if ((i = kd_site_host_find(s, addr, port)) >= 0) {
		s->hosts[i].src |= src;
		s->sources |= src;
		return i;
	}
	if (!grow((void **)&s->hosts, &s->hosts_cap, s->nhosts, sizeof(*h))) {
		s->oom = true;
		return -1;
	}
	h = &s->hosts[s->nhosts];
	memset(h, 0, sizeof(*h));
	copy_utf8(h->addr, sizeof(h->addr), addr);
	h->family = strchr(addr, ':') != NULL ? AF_INET6 : addr[0] != '\0' ? AF_INET : 0;
	h->port = port;
	h->src = src;
	h->connect_ms = -1;
	s->sources |= src;
	return (long)s->nhosts++;
}

static struct kd_site_host *
host_at(struct kd_site *s, long host)
{
	return host >= 0 && (size_t)host < s->nhosts ? &s->hosts[host] : NULL;
}

void
kd_site_host_name(struct kd_site *s, long host, const char *name)
{
	struct kd_site_host *h = host_at(s, host);
	size_t i, n;

	if (h == NULL || name == NULL || name[0] == '\0')
		return;
	/* "kms.corp.test." and "kms.corp.test" are one name. */
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		n--;
	for (i = 0; i < h->nnames; i++)
		if (strlen(h->names[i]) == n && strncasecmp(h->names[i], name, n) == 0)
			return;
	if (h->nnames == KD_SITE_MAX_NAMES || n >= sizeof(h->names[0]))
		return;
	memcpy(h->names[h->nnames], name, n);
	h->names[h->nnames][n] = '\0';
	h->nnames++;
}

struct kd_site_app *
kd_site_app(struct kd_site *s, long host, const struct kd_guid *app_id)
{
	struct kd_site_host *h = host_at(s, host);
	struct kd_site_app *a;
	size_t i;

	if (h == NULL || app_id == NULL)
		return NULL;
	for (i = 0; i < h->napps; i++)
		if (kd_guid_eq(&h->apps[i].app_id, app_id))
			return &h->apps[i];
	if (h->napps == KD_SITE_MAX_APPS)
		return NULL;
	a = &h->apps[h->napps++];
	memset(a, 0, sizeof(*a));
	a->app_id = *app_id;
	return a;
}

struct kd_site_count *
kd_site_count(struct kd_site *s, long host, const struct kd_guid *kms_id)
{
	struct kd_site_host *h = host_at(s, host);
	struct kd_site_count *c;
	size_t i;

	if (h == NULL || kms_id == NULL)
		return NULL;
	for (i = 0; i < h->ncounts; i++)
		if (kd_guid_eq(&h->counts[i].kms_id, kms_id))
			return &h->counts[i];
	if (h->ncounts == KD_SITE_MAX_COUNTS)
		return NULL;
	c = &h->counts[h->ncounts++];
	memset(c, 0, sizeof(*c));
	c->kms_id = *kms_id;
	c->info = kd_kmsid_find(kms_id);
	return c;
}

/* What one application's ePID says about the host that sent it (§11). */
static uint32_t
epid_signs(const struct kd_site_app *a)
{
	const struct kms_epid *e = &a->parsed;
	uint32_t signs = 0;
	char date[16];

	if (a->epid[0] == '\0')
		return 0;
	if (!e->valid)
		return KD_SIGN_EPID_MALFORMED;
	if (a->hostkey == NULL)
		signs |= KD_SIGN_UNKNOWN_KEY;
	if (a->os == NULL)
		signs |= KD_SIGN_UNKNOWN_BUILD;
	else if (a->os->platform_id != e->platform)
		signs |= KD_SIGN_PLATFORM;
	if (a->os != NULL && kms_epid_date(e, date, sizeof(date)) &&
	    a->os->epid_min_date[0] != '\0' && strcmp(date, a->os->epid_min_date) < 0)
		signs |= KD_SIGN_KEY_DATE;
	if (a->os != NULL && a->hostkey != NULL && e->build < FIRST_BUILD_FOR_NEW_KEYS &&
	    strcmp(a->hostkey->epid_min_date, NEW_KEYS_FROM) >= 0)
		signs |= KD_SIGN_OLD_BUILD_NEW_KEY;
	return signs;
}

void
kd_site_answer(struct kd_site *s, long host, const struct kd_guid *app_id,
    const struct kd_guid *kms_id, const char *epid, const uint8_t *hwid,
    uint32_t count, uint32_t required, uint32_t activation_interval,
    uint32_t renewal_interval, int64_t when, unsigned src)
{
	struct kd_site_host *h = host_at(s, host);
	struct kd_site_app *a;
	struct kd_site_count *c;
	char buf[sizeof(a->epid)];

	if (h == NULL)
		return;
	h->answers++;
	h->src |= src;
	s->sources |= src;
	if ((a = kd_site_app(s, host, app_id)) != NULL) {
		/*
		 * The same ePID again (every answer but the first, on a
		 * genuine host) parses to what is already there, and its
		 * signs are already in h->signs.
		 */
		if (a->epid[0] == '\0' || strcmp(a->epid, epid) != 0) {
			copy_utf8(buf, sizeof(buf), epid);
			if (a->epid[0] != '\0' && strcmp(a->epid, buf) != 0) {
				/* A genuine host has one ePID per host key. */
				a->epid_changes++;
				h->signs |= KD_SIGN_EPID_CHANGED;
			}
			memcpy(a->epid, buf, sizeof(a->epid));
			a->hostkey = NULL;
			a->os = NULL;
			if (kms_epid_parse(a->epid, &a->parsed)) {
				a->hostkey = kd_hostkey_find(a->parsed.group,
				    a->parsed.key_id);
				a->os = kd_osbuild_find(a->parsed.build);
			}
			h->signs |= epid_signs(a);
		}
		if (hwid != NULL) {
			a->has_hwid = true;
			memcpy(a->hwid, hwid, 8);
		}
		a->activation_interval = activation_interval;
		a->renewal_interval = renewal_interval;
		a->when = when;
		a->src |= src;
	}
	if (hwid != NULL && memcmp(hwid, vlmcsd_hwid, 8) == 0)
		h->signs |= KD_SIGN_VLMCSD_HWID;
	if (hwid != NULL && memcmp(hwid, pykms_hwid, 8) == 0)
		h->signs |= KD_SIGN_PYKMS_HWID;
	if ((c = kd_site_count(s, host, kms_id)) != NULL) {
		c->answers++;
		c->have_count = true;
		c->count = count;
		if (count > c->max_count)
			c->max_count = count;
		if (required != 0)
			c->required = required;
		c->when = when;
		c->src |= src;
		if (a != NULL && a->hostkey != NULL &&
		    !kd_hostkey_activates(a->hostkey, kms_id)) {
			c->foreign = true;
			h->signs |= KD_SIGN_FOREIGN;
		}
	}
}

/* --- domains -------------------------------------------------------------- */

/* Compare DNS names ignoring case and one trailing dot. */
static bool
name_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 0 && a[na - 1] == '.')
		na--;
	if (nb > 0 && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

long
kd_site_domain(struct kd_site *s, const char *name, unsigned src)
{
	struct kd_site_domain *d;
	size_t i, n;

	if (name == NULL)
		name = "";
	for (i = 0; i < s->ndomains; i++)
		if (name_eq(s->domains[i].name, name)) {
			s->domains[i].src |= src;
			s->sources |= src;
			return (long)i;
		}
	if (!grow((void **)&s->domains, &s->domains_cap, s->ndomains, sizeof(*d))) {
		s->oom = true;
		return -1;
	}
	d = &s->domains[s->ndomains];
	memset(d, 0, sizeof(*d));
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > sizeof(d->name) - 2)
		n = sizeof(d->name) - 2;
	memcpy(d->name, name, n);
	d->name[n] = '.';
	d->name[n + 1] = '\0';
	d->src = src;
	s->sources |= src;
	return (long)s->ndomains++;
}

long
kd_site_srv(struct kd_site *s, long domain, const char *target, uint16_t priority,
    uint16_t weight, uint16_t port, uint32_t ttl)
{
	struct kd_site_domain *d;
	struct kd_site_srv *r;

	if (domain < 0 || (size_t)domain >= s->ndomains)
		return -1;
	d = &s->domains[domain];
	if (!grow((void **)&d->srv, &d->srv_cap, d->nsrv, sizeof(*r))) {
		s->oom = true;
		return -1;
	}
	r = &d->srv[d->nsrv];
	memset(r, 0, sizeof(*r));
	copy_utf8(r->target, sizeof(r->target), target);
	r->priority = priority;
	r->weight = weight;
	r->port = port;
	r->ttl = ttl;
	if (d->status == KD_SITE_DNS_UNKNOWN)
		d->status = KD_SITE_DNS_FOUND;
	return (long)d->nsrv++;
}

long
kd_site_srv_addr(struct kd_site *s, long domain, long srv, const char *addr,
    unsigned src)
{
	struct kd_site_srv *r;
	size_t i;
	long h;

	if (domain < 0 || (size_t)domain >= s->ndomains || srv < 0 ||
	    (size_t)srv >= s->domains[domain].nsrv)
		return -1;
	r = &s->domains[domain].srv[srv];
	r->resolved = true;
	/* Port 0 is a DNS finding, never a target: no host is made for it. */
	if (r->port == 0)
		return -1;
	if ((h = kd_site_host(s, addr, r->port, src)) < 0)
		return -1;
	/* r stays valid: kd_site_host() moves only the hosts. */
	kd_site_host_name(s, h, r->target);
	for (i = 0; i < r->naddrs; i++)
		if (r->host[i] == (size_t)h)
			return h;
	if (r->naddrs < KD_SITE_MAX_ADDRS)
		r->host[r->naddrs++] = (size_t)h;
	return h;
}

/* --- clients -------------------------------------------------------------- */

/*
 * The client hash, a word at a time (a byte-wise hash of the two GUIDs
 * was a visible part of a capture with tens of thousands of clients).
 */
static uint32_t
client_hash(const struct kd_guid *cmid, const struct kd_guid *kms_id)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	uint64_t w[4], x = 0;

	memcpy(w, cmid->b, 16);
	memcpy(w + 2, kms_id->b, 16);
	for (int i = 0; i < 4; i++) {
		x = (x ^ w[i]) * m;
		x ^= x >> 29;
	}
	return (uint32_t)(x ^ x >> 32);
}

/*
 * An index slot: the client's hash above its index + 1 (0: free), so a
 * probe compares the hash before it touches the client's entry, which is
 * likely a cache miss in a table of tens of thousands.
 */
#define SLOT(h, i)	((uint64_t)(h) << 32 | ((uint64_t)(i) + 1))
#define SLOT_HASH(v)	((uint32_t)((v) >> 32))
#define SLOT_INDEX(v)	((size_t)((v) & 0xffffffffu) - 1)

/* Rebuild the index at ncap slots (a power of two). */
static bool
client_rehash(struct kd_site *s, size_t ncap)
{
	uint64_t *ni = calloc(ncap, sizeof(*ni));
	size_t i, j;

	if (ni == NULL)
		return false;
	for (i = 0; i < s->client_index_cap; i++) {
		uint64_t v = s->client_index[i];

		if (v == 0)
			continue;
		for (j = SLOT_HASH(v) & (ncap - 1); ni[j] != 0; j = (j + 1) & (ncap - 1))
			;
		ni[j] = v;
	}
	free(s->client_index);
	s->client_index = ni;
	s->client_index_cap = ncap;
	return true;
}

long
kd_site_client(struct kd_site *s, const struct kd_guid *cmid,
    const struct kd_guid *kms_id, bool *isnew)
{
	struct kd_site_client *c;
	size_t j, mask;
	uint64_t v;
	uint32_t h;

	if (isnew != NULL)
		*isnew = false;
	/* Keep the index at most half full so probing stays short. */
	if ((s->nclients + 1) * 2 > s->client_index_cap &&
	    s->client_index_cap < (size_t)KD_CLIENT_SLOTS * 2 &&
	    !client_rehash(s, s->client_index_cap ? s->client_index_cap * 2 :
	    CLIENT_INDEX_INITIAL)) {
		s->oom = true;
		return -1;
	}
	mask = s->client_index_cap - 1;
	h = client_hash(cmid, kms_id);
	for (j = h & mask; (v = s->client_index[j]) != 0; j = (j + 1) & mask) {
		if (SLOT_HASH(v) != h)
			continue;
		c = &s->clients[SLOT_INDEX(v)];
		if (kd_guid_eq(&c->cmid, cmid) && kd_guid_eq(&c->kms_id, kms_id))
			return (long)SLOT_INDEX(v);
	}
	if (s->nclients >= KD_MAX_CLIENTS) {
		s->clients_dropped++;
		return -1;
	}
	if (!grow((void **)&s->clients, &s->clients_cap, s->nclients, sizeof(*c))) {
		s->oom = true;
		return -1;
	}
	c = &s->clients[s->nclients];
	memset(c, 0, sizeof(*c));
	c->workstation = c->other_ws = c->addr = "";
	c->cmid = *cmid;
	c->kms_id = *kms_id;
	c->host = -1;
	s->client_index[j] = SLOT(h, s->nclients);
	if (isnew != NULL)
		*isnew = true;
	return (long)s->nclients++;
}

void
kd_site_client_text(struct kd_site *s, long ci, enum kd_client_text t,
    const char *v)
{
	struct kd_site_client *c = &s->clients[ci];
	const char **f = t == KD_CT_WORKSTATION ? &c->workstation :
	    t == KD_CT_OTHER_WS ? &c->other_ws : &c->addr;
	char buf[KD_SITE_TEXT_MAX], *p;
	size_t n, room;

	copy_utf8(buf, sizeof(buf), v);
	if (strcmp(*f, buf) == 0)
		return;
	n = strlen(buf) + 1;
	if (n <= c->text_room[t])
		p = (char *)(uintptr_t)*f;	/* the pool's, not a caller's */
	else {
		/* An address gets room for a longer port next time. */
		room = t == KD_CT_ADDR && n < 24 ? 24 : n;
		if ((p = text_alloc(s, room)) == NULL) {
			s->oom = true;
			return;
		}
		c->text_room[t] = (uint8_t)room;
	}
	memcpy(p, buf, n);
	*f = p;
}

void
kd_site_client_copy(struct kd_site *s, long ci, const struct kd_site_client *from)
{
	struct kd_site_client *c = &s->clients[ci];

	*c = *from;
	c->workstation = c->other_ws = c->addr = "";
	memset(c->text_room, 0, sizeof(c->text_room));
	kd_site_client_text(s, ci, KD_CT_WORKSTATION, from->workstation);
	kd_site_client_text(s, ci, KD_CT_OTHER_WS, from->other_ws);
	kd_site_client_text(s, ci, KD_CT_ADDR, from->addr);
}

/* The client part of an exchange; the host's counters are done by the caller. */
static long
exchange_client(struct kd_site *s, long host, const struct kd_site_request *rq,
    const struct kd_site_response *rs, enum kd_outcome out, unsigned src,
    bool *first_ask)
{
	struct kd_site_client *c;
	char ws[KD_SITE_TEXT_MAX];
	bool isnew;
	long ci;

	*first_ask = false;
	if ((ci = kd_site_client(s, &rq->cmid, &rq->kms_id, &isnew)) < 0)
		return -1;
	c = &s->clients[ci];
	copy_utf8(ws, sizeof(ws), rq->workstation);
	if (isnew) {
		kd_site_client_text(s, ci, KD_CT_WORKSTATION, ws);
		c->nws = 1;
		c->first_seen = rq->when;
	} else if (strcmp(c->workstation, ws) != 0 && c->nws < 2) {
		/* One CMID, another machine: a cloned image. */
		kd_site_client_text(s, ci, KD_CT_OTHER_WS, ws);
		c->nws = 2;
	}
	c->sku_id = rq->sku_id;
	c->app_id = rq->app_id;
	if (rq->client_addr != NULL)
		kd_site_client_text(s, ci, KD_CT_ADDR, rq->client_addr);
	c->license_status = rq->license_status;
	c->required = rq->required;
	c->major = rq->major;
	c->minor = rq->minor;
	c->requests++;
	if (rq->when < c->first_seen)
		c->first_seen = rq->when;
	if (rq->when > c->last_seen)
		c->last_seen = rq->when;
	if (rq->skew_known) {
		c->skew_known = true;
		c->skew = rq->skew;
	}
	if (host >= 0) {
		/* A host counts a client once; past 64 hosts, a change of host is a first ask. */
		if (host < 64) {
			*first_ask = !(c->host_mask & (uint64_t)1 << host);
			c->host_mask |= (uint64_t)1 << host;
		} else
			*first_ask = isnew || c->host != host;
		c->host = host;
	}
	c->outcome = out;
	if (out == KD_OUT_ACTIVATES || out == KD_OUT_BELOW)
		c->last_count = rs->count;
	c->last_hresult = out == KD_OUT_REFUSED ? rs->hresult : 0;
	c->self = rq->self;
	c->src |= src;
	return ci;
}

long
kd_site_exchange(struct kd_site *s, long host, const struct kd_site_request *rq,
    const struct kd_site_response *rs, unsigned src)
{
	struct kd_site_host *h = host_at(s, host);
	struct kd_site_count *c = NULL;
	enum kd_outcome out = rs->outcome;
	bool first_ask;
	long ci;

	if (out == KD_OUT_ACTIVATES || out == KD_OUT_BELOW)
		out = rq->required != 0 && rs->count < rq->required ? KD_OUT_BELOW :
		    KD_OUT_ACTIVATES;
	if (src & KD_SRC_CAPTURE)
		s->exchanges_seen++;
	s->sources |= src;
	if (h != NULL) {
		h->exchanges++;
		h->src |= src;
		if (rs->iv_reused)
			h->signs |= KD_SIGN_IV_REUSED;
		if ((c = kd_site_count(s, host, &rq->kms_id)) != NULL) {
			c->requests++;
			c->src |= src;
			if (rq->required > c->required)
				c->required = rq->required;
			switch (out) {
			case KD_OUT_REFUSED:
				c->refusals++;
				c->last_hresult = rs->hresult;
				break;
			case KD_OUT_FAULT:
				c->faults++;
				break;
			case KD_OUT_NO_RESPONSE:
				c->no_response++;
				break;
			case KD_OUT_UNVERIFIED:
				c->unverified++;
				break;
			default:
				break;
			}
		}
		if (out == KD_OUT_ACTIVATES || out == KD_OUT_BELOW)
			kd_site_answer(s, host, &rq->app_id, &rq->kms_id, rs->epid,
			    rs->hwid, rs->count, rq->required, rs->activation_interval,
			    rs->renewal_interval, rq->when, src);
	}
	ci = exchange_client(s, host, rq, rs, out, src, &first_ask);
	/* c is still valid: counts live in the host, and no host was added. */
	if (c != NULL && first_ask && !rq->self)
		c->distinct_clients++;
	return ci;
}

/* --- observations --------------------------------------------------------- */

long
kd_site_observe(struct kd_site *s, enum kd_item item, enum kd_verdict v,
    const char *code, const char *subject, const char *summary, const char *fix,
    json_t *facts, unsigned src)
{
	struct kd_site_obs *o;

	if (!grow((void **)&s->obs, &s->obs_cap, s->nobs, sizeof(*o))) {
		s->oom = true;
		json_decref(facts);
		return -1;
	}
	o = &s->obs[s->nobs];
	memset(o, 0, sizeof(*o));
	o->item = item < KD_NITEMS ? item : KD_ITEM_OTHER;
	o->verdict = v;
	copy_utf8(o->code, sizeof(o->code), code);
	copy_utf8(o->subject, sizeof(o->subject), subject);
	copy_utf8(o->summary, sizeof(o->summary), summary);
	copy_utf8(o->fix, sizeof(o->fix), fix);
	o->host = o->domain = -1;
	o->count = 1;
	o->facts = facts;
	o->src = src;
	s->sources |= src;
	return (long)s->nobs++;
}
