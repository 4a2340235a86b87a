/*
 * The checklist engine: the one place where the site's evidence becomes
 * verdicts (site.h).  Pure: no I/O, no clock; the same site gives the same
 * checklist in every tool.
 *
 * Each judge_*() below owns one part of the checklist and adds findings;
 * finish() sorts them by item, worst first, and folds each item's findings
 * into its verdict.  An item with no finding was not checked: it is
 * UNKNOWN, skipped with the reason (or left to a person), never OK.  The
 * rules are listed in kmsdiag(7), "THE SITE MODEL".
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "explain.h"
#include "site.h"
#include "textf.h"

#define KMS_DEFAULT_PORT	1688
/* A Microsoft host refuses client clocks further off than this (§7). */
#define MAX_CLOCK_SKEW		(4 * 3600)

#define HR_NOT_ENOUGH_COUNT	0xC004F038U
#define HR_KEY_MISMATCH		0xC004F042U
#define HR_INVALID_TIMESTAMP	0xC004F06CU
#define HR_INVALID_DATA		0x8007000DU

struct ctx {
	const struct kd_site		*s;
	struct kd_checklist		*cl;
	uint16_t			 defport;
	bool				 activation_asked;
	char				 skip[KD_NITEMS][320];	/* why an item has no finding */
	/* Hosts that rejected a protocol version with 0x8007000D (rule 6). */
	long				 version_host[8];
	size_t				 nversion_host;
	/* Per host, the largest clock difference of its clients; NULL if none known. */
	int64_t				*host_skew;
	bool				*host_skew_known;
};

/* --- small helpers -------------------------------------------------------- */

static void
vset(char *dst, size_t len, const char *fmt, va_list ap)
{
	vsnprintf(dst, len, fmt, ap);
}

static struct kd_finding *
add(struct ctx *x, enum kd_item item, enum kd_verdict v, const char *code,
    long host, long domain, long client)
{
	struct kd_checklist *cl = x->cl;
	struct kd_finding *f;

	if (cl->nfindings == cl->findings_cap) {
		size_t ncap = cl->findings_cap ? cl->findings_cap * 2 : 16;
		struct kd_finding *nf = realloc(cl->findings, ncap * sizeof(*nf));

		if (nf == NULL) {
			cl->oom = true;
			return NULL;
		}
		cl->findings = nf;
		cl->findings_cap = ncap;
	}
	f = &cl->findings[cl->nfindings];
	memset(f, 0, sizeof(*f));
	if ((f->facts = json_object()) == NULL) {
		cl->oom = true;
		return NULL;
	}
	cl->nfindings++;
	f->item = item;
	f->verdict = v;
	kd_setf(f->code, sizeof(f->code), "%s", code);
	f->host = host;
	f->domain = domain;
	f->client = client;
	f->count = 1;
	if (host >= 0)
		f->src = x->s->hosts[host].src;
	return f;
}

static void fsubj(struct kd_finding *, const char *, ...) __attribute__((format(printf, 2, 3)));
static void fsum(struct kd_finding *, const char *, ...) __attribute__((format(printf, 2, 3)));
static void ffix(struct kd_finding *, const char *, ...) __attribute__((format(printf, 2, 3)));

static void
fsubj(struct kd_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vset(f->subject, sizeof(f->subject), fmt, ap);
	va_end(ap);
}

static void
fsum(struct kd_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vset(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
}

static void
ffix(struct kd_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vset(f->fix, sizeof(f->fix), fmt, ap);
	va_end(ap);
}

static void
fint(struct kd_finding *f, const char *key, int64_t v)
{
	if (f != NULL)
		json_object_set_new(f->facts, key, json_integer((json_int_t)v));
}

/* Wire text may not be valid UTF-8; jansson refuses it, so keep it printable. */
static json_t *
jstr(const char *val)
{
	json_t *j;
	char buf[512];

	if ((j = json_string(val)) == NULL)
		j = json_string(kd_sanitize(val, buf, sizeof(buf)));
	return j;
}

static void
fstr(struct kd_finding *f, const char *key, const char *v)
{
	if (f != NULL)
		json_object_set_new(f->facts, key, jstr(v));
}

static const char *
endpoint(const struct kd_site_host *h, char *buf, size_t len)
{
	return kd_site_endpoint(h, buf, len);
}

static const char *
host_label(const struct kd_site_host *h, char *buf, size_t len)
{
	return kd_site_host_label(h, buf, len);
}

static const char *
kmsid_name(const struct kd_guid *id, const struct kd_kmsid *info, char g[KD_GUID_STRLEN])
{
	return info != NULL ? info->name : kd_guid_format(id, g);
}

static uint32_t
required(const struct kd_site_count *c)
{
	return c->required ? c->required : c->info != NULL ? c->info->min_clients : 0;
}

/* A product KMS cannot activate: retail, OEM, preview (rule 4). */
static bool
not_volume(const char *channel)
{
	return channel != NULL && channel[0] != '\0' && strcmp(channel, "volume") != 0;
}

/* The host is proven to be a KMS host on its port. */
static bool
proven_kms(const struct kd_site_host *h)
{
	return h->rpc == KD_RPC_KMS || h->answers > 0;
}

/* The host is proven not to be a KMS host on its port. */
static bool
proven_closed(const struct kd_site_host *h)
{
	if (proven_kms(h))
		return false;
	switch (h->reach) {
	case KD_REACH_REFUSED:
	case KD_REACH_RESET:
	case KD_REACH_FILTERED:
	case KD_REACH_UNREACHABLE:
	case KD_REACH_BLOCKED:
	case KD_REACH_NO_ADDRESS:
		return true;
	default:
		break;
	}
	return h->rpc == KD_RPC_REJECTED || h->rpc == KD_RPC_NOT_RPC ||
	    h->rpc == KD_RPC_SILENT;
}

/* The ePID the host gave for the application of counted ID c, or NULL. */
static const struct kd_site_app *
app_of(const struct kd_site_host *h, const struct kd_site_count *c)
{
	size_t i;

	if (c->info == NULL)
		return h->napps == 1 ? &h->apps[0] : NULL;
	for (i = 0; i < h->napps; i++)
		if (kd_guid_eq(&h->apps[i].app_id, &c->info->app_id))
			return &h->apps[i];
	return NULL;
}

static const char *
err_name(uint32_t code)
{
	const struct kd_errcode *e = kd_err_find(code);

	return e != NULL && e->name[0] != '\0' ? e->name : "unknown HRESULT";
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * "a, b and c" into out, as many items as fit in len with room left for
 * "and N more (--json lists them)": a summary names what it summarises,
 * or says how many it left out and where they are.
 */
static void
name_items(char *out, size_t len, const char *const *items, size_t n,
    uint64_t total, const char *sep, const char *last_sep)
{
	const size_t tail = sizeof(" and 4294967295 more (--json lists them)");
	size_t used = 0, k;

	if (len == 0)
		return;
	out[0] = '\0';
	for (k = 0; k < n; k++) {
		const char *join = k == 0 ? "" : k + 1 == total ? last_sep : sep;
		size_t need = strlen(join) + strlen(items[k]);

		/* The last item may use the room kept for the tail. */
		if (used + need + (k + 1 == total ? 0 : tail) >= len)
			break;
		used += (size_t)snprintf(out + used, len - used, "%s%s", join,
		    items[k]);
	}
	if (k < total)
		snprintf(out + used, len - used, " and %llu more (--json lists them)",
		    (unsigned long long)(total - k));
}

/* A host that takes the call and then answers badly or not at all. */
static const char fix_bad_answers[] = "the host does not answer activation "
    "requests correctly: check its Key Management Service event log and its load";

/* --- 1. port -------------------------------------------------------------- */

static void
judge_port(struct ctx *x)
{
	const struct kd_site *s = x->s;
	char hl[512], ep[300];
	struct kd_finding *f;

	for (size_t i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		const char *d = h->reach_detail;
		long hi = (long)i;

		if (h->port == 0)
			continue;
		host_label(h, hl, sizeof(hl));
		endpoint(h, ep, sizeof(ep));
		if (proven_kms(h) && h->reach != KD_REACH_UNKNOWN &&
		    h->reach != KD_REACH_OPEN && h->reach != KD_REACH_RESET) {
			/* Clients reach it (a capture saw them), this machine does not. */
			f = add(x, KD_ITEM_PORT, KD_V_WARN, "port_from_here", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s answers KMS requests, but kmsdiag's own connection "
			    "was %s%s%s: a firewall between this machine and the host, "
			    "or the host's own rules", hl, kd_reach_name(h->reach),
			    d[0] ? ": " : "", d);
			continue;
		}
		switch (proven_kms(h) ? KD_REACH_OPEN : h->reach) {
		case KD_REACH_OPEN:
		case KD_REACH_RESET:
			f = add(x, KD_ITEM_PORT, KD_V_OK, "port_open", hi, -1, -1);
			fsubj(f, "%s", ep);
			if (h->reach == KD_REACH_UNKNOWN)
				fsum(f, "%s: KMS traffic seen on TCP port %u", hl, h->port);
			else if (h->connect_ms >= 0)
				fsum(f, "%s: TCP port %u accepts connections (%.1f ms)", hl,
				    h->port, h->connect_ms);
			else
				fsum(f, "%s: TCP port %u accepts connections", hl, h->port);
			if (h->attempts > 1 && h->connected < h->attempts) {
				f = add(x, KD_ITEM_PORT, KD_V_WARN, "port_flaky", hi, -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s: only %u of %u connections completed", hl,
				    h->connected, h->attempts);
				fint(f, "attempts", h->attempts);
				fint(f, "connected", h->connected);
				ffix(f, "the flow to TCP %u is unreliable: check firewalls "
				    "and the host's load", h->port);
			}
			break;
		case KD_REACH_REFUSED:
			f = add(x, KD_ITEM_PORT, KD_V_FAIL, "port_closed", hi, -1, -1);
			fsubj(f, "%s", ep);
			/* The system's "Connection refused" says nothing more. */
			if (strcasecmp(d, "connection refused") == 0)
				d = "";
			fsum(f, "%s: nothing listens on TCP port %u (connection refused)%s%s",
			    hl, h->port, d[0] ? ": " : "", d);
			ffix(f, "start the KMS host service (sppsvc) on the host, or point "
			    "clients at the port it listens on (slmgr /dlv on the host "
			    "shows it)");
			break;
		case KD_REACH_FILTERED:
			f = add(x, KD_ITEM_PORT, KD_V_FAIL, "port_filtered", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s: TCP SYNs to port %u are not answered: a firewall "
			    "drops them, or the host is down%s%s", hl, h->port,
			    d[0] ? ": " : "", d);
			ffix(f, "allow TCP %u from the clients to the host in every "
			    "firewall on the path, or start the host", h->port);
			break;
		case KD_REACH_UNREACHABLE:
		case KD_REACH_BLOCKED:
			f = add(x, KD_ITEM_PORT, KD_V_FAIL, h->reach == KD_REACH_BLOCKED ?
			    "port_blocked" : "unreachable", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s: %s%s%s", hl, h->reach == KD_REACH_BLOCKED ?
			    "administratively prohibited" : "unreachable (no route)",
			    d[0] ? ": " : "", d);
			if (h->reach == KD_REACH_BLOCKED)
				ffix(f, "a firewall policy (local, or one answering "
				    "administratively prohibited) forbids TCP %u: allow it",
				    h->port);
			else
				ffix(f, "no route to the host, or a router or firewall "
				    "answers ICMP unreachable: check routing and firewall "
				    "rules for TCP %u", h->port);
			break;
		case KD_REACH_NO_ADDRESS:
			f = add(x, KD_ITEM_DNS, KD_V_FAIL, "no_address", hi, -1, -1);
			fsubj(f, "%s", h->nnames ? h->names[0] : ep);
			fsum(f, "%s does not resolve to an address%s%s",
			    h->nnames ? h->names[0] : ep, d[0] ? ": " : "", d);
			ffix(f, "check the host name and the DNS servers of this "
			    "machine");
			break;
		case KD_REACH_UNKNOWN:
			break;
		}
	}
	kd_setf(x->skip[KD_ITEM_PORT], sizeof(x->skip[0]),
	    "no KMS host was probed or seen in a capture");
}

/* --- 3. RPC --------------------------------------------------------------- */

struct version_seen {
	uint16_t	 major, minor;
	uint64_t	 clients;
	long		 client, host;
	bool		 refused;
};

static bool
good_version(uint16_t major, uint16_t minor)
{
	return minor == 0 && major >= 4 && major <= 6;
}

/* Rule 6: 0x8007000D after an unsupported protocol version is the version's fault. */
static void
judge_versions(struct ctx *x)
{
	const struct kd_site *s = x->s;
	struct version_seen v[8];
	size_t nv = 0, i, k;
	char hl[512], vs[16];
	struct kd_finding *f;

	for (i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];

		if (c->requests == 0 || (c->major == 0 && c->minor == 0) ||
		    good_version(c->major, c->minor))
			continue;
		for (k = 0; k < nv; k++)
			if (v[k].major == c->major && v[k].minor == c->minor)
				break;
		if (k == nv) {
			if (nv == sizeof(v) / sizeof(v[0]))
				continue;
			memset(&v[k], 0, sizeof(v[k]));
			v[k].major = c->major;
			v[k].minor = c->minor;
			v[k].client = (long)i;
			v[k].host = c->host;
			nv++;
		}
		v[k].clients++;
		if (c->outcome == KD_OUT_REFUSED && c->last_hresult == HR_INVALID_DATA) {
			v[k].refused = true;
			v[k].host = c->host;
			v[k].client = (long)i;
		}
	}
	for (k = 0; k < nv; k++) {
		const struct kd_site_client *c = &s->clients[v[k].client];
		const char *ws = c->self ? "kmsdiag's own request" : c->workstation;

		if (v[k].refused && v[k].host >= 0 && (size_t)v[k].host < s->nhosts) {
			x->version_host[x->nversion_host++] = v[k].host;
			host_label(&s->hosts[v[k].host], hl, sizeof(hl));
			f = add(x, KD_ITEM_RPC, KD_V_FAIL, "protocol_version", v[k].host,
			    -1, v[k].client);
			fsubj(f, "%s", hl);
			fsum(f, "%s rejects protocol version %u.%u (0x8007000D, "
			    "%s): it accepts 4.0, 5.0 and 6.0", hl, v[k].major,
			    v[k].minor, ws[0] ? ws : "a client");
		} else {
			f = add(x, KD_ITEM_RPC, KD_V_WARN, "protocol_version", v[k].host,
			    -1, v[k].client);
			fsubj(f, "protocol %u.%u", v[k].major, v[k].minor);
			fsum(f, "%llu client%s (%s) sent protocol version %u.%u; KMS "
			    "hosts accept 4.0, 5.0 and 6.0",
			    (unsigned long long)v[k].clients, plural(v[k].clients),
			    ws[0] ? ws : "unnamed", v[k].major, v[k].minor);
		}
		kd_setf(vs, sizeof(vs), "%u.%u", v[k].major, v[k].minor);
		fstr(f, "version", vs);
		if (f != NULL)
			f->count = v[k].clients;
	}
}

/* Was this host's 0x8007000D explained by a protocol version (rule 6)? */
static bool
version_explains(const struct ctx *x, long host)
{
	for (size_t i = 0; i < x->nversion_host; i++)
		if (x->version_host[i] == host)
			return true;
	return false;
}

/* The host answered something, or its silence is already counted per product. */
static bool
h_said_anything(const struct kd_site_host *h)
{
	if (h->rpc == KD_RPC_FAULT)
		return true;
	for (size_t k = 0; k < h->ncounts; k++)
		if (h->counts[k].refusals || h->counts[k].faults ||
		    h->counts[k].unverified || h->counts[k].no_response)
			return true;
	return false;
}

static void
judge_rpc(struct ctx *x)
{
	const struct kd_site *s = x->s;
	char hl[512], ep[300], g[KD_GUID_STRLEN];
	struct kd_finding *f;
	bool any_open = false;

	judge_versions(x);
	for (size_t i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		const char *d = h->rpc_detail;
		long hi = (long)i;

		if (h->port == 0)
			continue;
		if (h->reach == KD_REACH_OPEN)
			any_open = true;
		host_label(h, hl, sizeof(hl));
		endpoint(h, ep, sizeof(ep));
		if (proven_kms(h)) {
			f = add(x, KD_ITEM_RPC, KD_V_OK, "rpc_kms", hi, -1, -1);
			fsubj(f, "%s", ep);
			if (h->answers > 0)
				fsum(f, "%s is a KMS host: %llu verified answer%s", hl,
				    (unsigned long long)h->answers, plural(h->answers));
			else
				fsum(f, "%s is a KMS host: it accepted the KMS RPC "
				    "interface", hl);
		} else if (h->reach == KD_REACH_RESET) {
			f = add(x, KD_ITEM_RPC, KD_V_FAIL, "reset", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s accepted the connection, then reset it before any "
			    "answer%s%s", hl, h->reach_detail[0] ? ": " : "",
			    h->reach_detail);
			ffix(f, "something accepts TCP %u and then resets the "
			    "connection before answering: a firewall or IPS that resets "
			    "the flow, a proxy, or a service that is not a KMS host or is "
			    "failing; see what listens on the host (netstat -ano | "
			    "findstr :%u) and the firewalls on the path", h->port,
			    h->port);
		} else if (h->rpc == KD_RPC_REJECTED || h->rpc == KD_RPC_NOT_RPC ||
		    h->rpc == KD_RPC_SILENT || h->rpc == KD_RPC_FAULT) {
			static const char *const what[] = {
				[KD_RPC_REJECTED] = "rejected the KMS RPC interface "
				    "(bind refused): the listener is not a KMS host",
				[KD_RPC_NOT_RPC] = "does not speak DCE/RPC: something "
				    "other than a KMS host listens there",
				[KD_RPC_SILENT] = "accepted the connection but never "
				    "answered the RPC bind",
				[KD_RPC_FAULT] = "answered the activation call with a "
				    "DCE/RPC fault",
			};
			static const char *const code[] = {
				[KD_RPC_REJECTED] = "bind_rejected",
				[KD_RPC_NOT_RPC] = "not_rpc",
				[KD_RPC_SILENT] = "rpc_silent",
				[KD_RPC_FAULT] = "rpc_fault",
			};

			f = add(x, KD_ITEM_RPC, KD_V_FAIL, code[h->rpc], hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s %s%s%s", hl, what[h->rpc], d[0] ? ": " : "", d);
			switch (h->rpc) {
			case KD_RPC_REJECTED:
				ffix(f, "the listener refuses the KMS interface: this "
				    "port is not served by a KMS host");
				break;
			case KD_RPC_NOT_RPC:
				ffix(f, "something other than a KMS host listens on port "
				    "%u: find it on the host (netstat -ano | findstr :%u)",
				    h->port, h->port);
				break;
			case KD_RPC_SILENT:
				ffix(f, "the listener accepts connections but does not "
				    "answer an RPC bind: check that the KMS service is "
				    "running");
				break;
			default:
				ffix(f, "%s", fix_bad_answers);
				break;
			}
		}
		if (h->exchanges > 0 && h->answers == 0 && !h_said_anything(h)) {
			/* Rule 9: a host that never answered is not a host with count 0. */
			f = add(x, KD_ITEM_RPC, KD_V_WARN, "no_answer", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s: no answer seen to %llu activation call%s", hl,
			    (unsigned long long)h->exchanges, plural(h->exchanges));
		}
		for (size_t k = 0; k < h->ncounts; k++) {
			const struct kd_site_count *c = &h->counts[k];
			const char *pn = kmsid_name(&c->kms_id, c->info, g);

			if (c->unverified > 0) {
				/* Rule 7: whatever the decrypted bytes look like. */
				f = add(x, KD_ITEM_RPC, KD_V_FAIL, "integrity", hi, -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s: integrity check failed on %llu response%s "
				    "for %s: clients reject them (forged, or corrupted in "
				    "transit)", hl, (unsigned long long)c->unverified,
				    plural(c->unverified), pn);
				ffix(f, "the answer is corrupt or forged: check what "
				    "really listens on port %u", h->port);
				if (f != NULL)
					f->count = c->unverified;
			}
			if (c->faults > 0 && h->rpc != KD_RPC_FAULT) {
				f = add(x, KD_ITEM_RPC, KD_V_FAIL, "rpc_fault", hi, -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s answered %llu activation call%s for %s with a "
				    "DCE/RPC fault", hl, (unsigned long long)c->faults,
				    plural(c->faults), pn);
				ffix(f, "%s", fix_bad_answers);
				if (f != NULL)
					f->count = c->faults;
			}
			if (c->no_response > 0 && c->answers == 0 && c->refusals == 0) {
				f = add(x, KD_ITEM_RPC, KD_V_WARN, "no_response", hi, -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s did not answer %llu activation request%s for %s",
				    hl, (unsigned long long)c->no_response,
				    plural(c->no_response), pn);
				ffix(f, "%s", fix_bad_answers);
				if (f != NULL)
					f->count = c->no_response;
			}
		}
	}
	kd_setf(x->skip[KD_ITEM_RPC], sizeof(x->skip[0]), "%s", any_open ?
	    "no RPC bind was tried on the open ports (kmsdiag probe HOST binds)" :
	    "no host accepted a connection, so no RPC bind was tried");
}

/* --- 4. threshold --------------------------------------------------------- */

/* Which clients pick host hi by SRV priority: "clients in corp.test. try it first". */
static void
srv_pick(const struct kd_site *s, long hi, char *out, size_t len)
{
	for (size_t d = 0; d < s->ndomains; d++) {
		const struct kd_site_domain *dm = &s->domains[d];
		int mine = -1, best = -1;

		for (size_t r = 0; r < dm->nsrv; r++) {
			const struct kd_site_srv *sr = &dm->srv[r];

			if (sr->port == 0)
				continue;
			if (best < 0 || sr->priority < best)
				best = sr->priority;
			for (size_t a = 0; a < sr->naddrs; a++)
				if (sr->host[a] == (size_t)hi &&
				    (mine < 0 || sr->priority < mine))
					mine = sr->priority;
		}
		if (mine < 0)
			continue;
		if (mine == best)
			kd_appendf(out, len, "; clients in %s may pick it first (SRV "
			    "priority %d)", dm->name, mine);
		else
			kd_appendf(out, len, "; clients in %s use it only when the "
			    "priority-%d hosts fail (SRV priority %d)", dm->name, best,
			    mine);
	}
}

/* Why host h gave no count for c: "the host refused the request with 0x...". */
static void
no_count_reason(const struct kd_site_host *h, const struct kd_site_count *c,
    char *out, size_t len)
{
	if (c != NULL && c->refusals > 0)
		kd_setf(out, len, "the host refused the request with 0x%08X (%s)",
		    c->last_hresult, err_name(c->last_hresult));
	else if (c != NULL && c->unverified > 0)
		kd_setf(out, len, "the answer failed its integrity check");
	else if (c != NULL && c->faults > 0)
		kd_setf(out, len, "the host answered with a DCE/RPC fault");
	else if (h->act_error[0] != '\0')
		kd_setf(out, len, "%s", h->act_error);
	else if (c != NULL && c->no_response > 0)
		kd_setf(out, len, "no answer to the activation request");
	else
		kd_setf(out, len, "no verified answer carried a count");
}

/* One host's count for one KMS counted ID; sorted by ID, then host. */
struct tentry {
	struct kd_guid	 id;
	long		 host;
	size_t		 k;
	size_t		 asked;		/* clients whose last host this is, for id */
	size_t		 id_clients;	/* clients of id at any host (every entry of the id) */
};

static int
tentry_cmp(const void *a, const void *b)
{
	const struct tentry *x = a, *y = b;
	int c = memcmp(x->id.b, y->id.b, sizeof(x->id.b));

	if (c != 0)
		return c;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* First entry not less than (id, host). */
static size_t
lower_bound(const struct tentry *a, size_t n, const struct kd_guid *id, long host)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(a[mid].id.b, id->b, sizeof(id->b));

		if (c < 0 || (c == 0 && a[mid].host < host))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Each count's clients (those that last asked its host for its ID) and
 * each ID's clients at any host, in one pass over the clients: a site of
 * tens of thousands of clients has a handful of counts, and consecutive
 * clients mostly share an ID, so no sort of the clients is needed.
 */
static void
count_clients(const struct kd_site *s, struct tentry *te, size_t nte)
{
	const struct kd_guid *last = NULL;
	size_t g0 = 0, g1 = 0;

	for (size_t i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];

		/* Our own probe is never a client of the site (rule 12). */
		if (c->self)
			continue;
		if (last == NULL || !kd_guid_eq(last, &c->kms_id)) {
			last = &c->kms_id;
			g0 = lower_bound(te, nte, &c->kms_id, LONG_MIN);
			for (g1 = g0; g1 < nte && kd_guid_eq(&te[g1].id, &c->kms_id); g1++)
				;
		}
		if (g0 == g1)
			continue;	/* an ID without a count to judge */
		te[g0].id_clients++;
		for (size_t j = g0; j < g1; j++)
			if (te[j].host == c->host) {
				te[j].asked++;
				break;
			}
	}
	for (size_t j = 1; j < nte; j++)
		if (kd_guid_eq(&te[j].id, &te[j - 1].id))
			te[j].id_clients = te[j - 1].id_clients;
}

static void
judge_below(struct ctx *x, const struct tentry *e, const struct tentry *above)
{
	const struct kd_site *s = x->s;
	const struct kd_site_count *c = &s->hosts[e->host].counts[e->k];
	uint32_t need = required(c);
	char hl[512], ep[300], g[KD_GUID_STRLEN], extra[320] = "";
	const char *pn = kmsid_name(&c->kms_id, c->info, g);
	size_t asked = e->asked;
	struct kd_finding *f;

	host_label(&s->hosts[e->host], hl, sizeof(hl));
	endpoint(&s->hosts[e->host], ep, sizeof(ep));
	srv_pick(s, e->host, extra, sizeof(extra));
	if (asked > 0)
		kd_appendf(extra, sizeof(extra), "; %zu client%s last asked it", asked,
		    asked == 1 ? "" : "s");
	if (above != NULL) {
		const struct kd_site_count *o = &s->hosts[above->host].counts[above->k];
		char al[512];

		host_label(&s->hosts[above->host], al, sizeof(al));
		f = add(x, KD_ITEM_THRESHOLD, KD_V_WARN, "threshold_host", e->host, -1, -1);
		fsubj(f, "%s", ep);
		fsum(f, "%s: count %u < %u for %s; %s answers %u >= %u, so only "
		    "clients that ask %s stay unactivated%s", hl, c->count, need, pn,
		    al, o->count, required(o), ep, extra);
		/* Never send clients to a host that may be a rogue one. */
		if (s->hosts[above->host].signs == 0)
			ffix(f, "retire %s or take it out of the clients' path (its SRV "
			    "record, slmgr /skms): %s activates %s", ep, al, pn);
		else if (f != NULL)
			kd_appendf(f->summary, sizeof(f->summary), "; %s shows signs of "
			    "a KMS emulator (item 5)", al);
	} else {
		const struct kd_app *ap = c->info != NULL ? kd_app_find(&c->info->app_id) :
		    NULL;

		f = add(x, KD_ITEM_THRESHOLD, KD_V_FAIL, "threshold", e->host, -1, -1);
		fsubj(f, "%s", ep);
		fsum(f, "%s: count %u < %u for %s: its clients stay unactivated "
		    "(0xC004F038)%s", hl, c->count, need, pn, extra);
		/* Servers raise a Windows count; for Office they are just more machines. */
		ffix(f, "%u more distinct machine%s asking for %s must reach %s (VMs "
		    "count%s)", need - c->count, plural(need - c->count), pn, ep,
		    ap != NULL && strncmp(ap->name, "Windows", 7) == 0 ?
		    "; servers count toward Windows" : "");
	}
	fint(f, "count", c->count);
	fint(f, "required", need);
	fstr(f, "product", pn);
}

/* Split: every host that answered the ID is below, and together they would reach it. */
static void
judge_split(struct ctx *x, const struct tentry *g0, size_t n)
{
	const struct kd_site *s = x->s;
	const struct kd_site_count *c = &s->hosts[g0->host].counts[g0->k];
	uint32_t need = required(c);
	size_t distinct = g0->id_clients;
	char list[256] = "", ep[300], g[KD_GUID_STRLEN];
	const char *pn = kmsid_name(&c->kms_id, c->info, g);
	struct kd_finding *f;

	if (n < 2 || distinct < need)
		return;
	for (size_t i = 0; i < n; i++)
		kd_appendf(list, sizeof(list), "%s%s %u", i ? ", " : "",
		    endpoint(&s->hosts[g0[i].host], ep, sizeof(ep)),
		    s->hosts[g0[i].host].counts[g0[i].k].count);
	f = add(x, KD_ITEM_THRESHOLD, KD_V_FAIL, "split_count", -1, -1, -1);
	fsubj(f, "%s", pn);
	fsum(f, "%s: clients are split across %zu hosts (%s) and none reaches %u, "
	    "though the %zu distinct clients seen would", pn, n, list, need, distinct);
	ffix(f, "point all %s clients at one host (one SRV record, or the lowest "
	    "SRV priority on one host)", pn);
	fint(f, "hosts", (int64_t)n);
	fint(f, "distinct_clients", (int64_t)distinct);
	fint(f, "required", need);
}

static void
judge_threshold(struct ctx *x)
{
	const struct kd_site *s = x->s;
	char hl[512], ep[300], g[KD_GUID_STRLEN];
	bool any_count = false, any_asked = false, any_volume = false;
	struct tentry *te = NULL;
	size_t nte = 0, i, k;
	struct kd_finding *f;

	/* The counts, sorted by ID and host; the clients are counted into them. */
	if (s->nhosts > 0 && (te = calloc(s->nhosts * KD_SITE_MAX_COUNTS, sizeof(*te))) == NULL)
		x->cl->oom = true;
	for (i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];

		if (h->act_tried)
			any_asked = true;
		for (k = 0; k < h->ncounts; k++) {
			const struct kd_site_count *c = &h->counts[k];

			if (c->requests > 0 || c->answers > 0 || c->refusals > 0)
				any_asked = true;
			/* A retail product has no count to reach (rule 4). */
			if (c->info != NULL && not_volume(c->info->channel))
				continue;
			any_volume = true;
			if (!c->have_count)
				continue;
			any_count = true;
			if (required(c) == 0) {
				host_label(h, hl, sizeof(hl));
				f = add(x, KD_ITEM_THRESHOLD, KD_V_UNKNOWN,
				    "threshold_unknown", (long)i, -1, -1);
				fsubj(f, "%s", endpoint(h, ep, sizeof(ep)));
				fsum(f, "%s: count %u for %s; the count it needs is not "
				    "known", hl, c->count, kmsid_name(&c->kms_id, c->info, g));
				continue;
			}
			if (te != NULL) {
				te[nte].id = c->kms_id;
				te[nte].host = (long)i;
				te[nte].k = k;
				nte++;
			}
		}
	}
	if (te != NULL) {
		qsort(te, nte, sizeof(*te), tentry_cmp);
		count_clients(s, te, nte);
	}
	for (size_t g0 = 0, g1; g0 < nte; g0 = g1) {
		const struct tentry *above = NULL;

		for (g1 = g0; g1 < nte && kd_guid_eq(&te[g1].id, &te[g0].id); g1++) {
			const struct kd_site_count *c = &s->hosts[te[g1].host].counts[te[g1].k];

			/* Prefer a host with no emulator sign: a fix may point clients at it. */
			if (c->count >= required(c) && (above == NULL ||
			    (s->hosts[above->host].signs != 0 &&
			    s->hosts[te[g1].host].signs == 0)))
				above = &te[g1];
		}
		/* The split, when true, explains the item better than any one host. */
		if (above == NULL)
			judge_split(x, &te[g0], g1 - g0);
		for (i = g0; i < g1; i++) {
			const struct kd_site_host *h = &s->hosts[te[i].host];
			const struct kd_site_count *c = &h->counts[te[i].k];

			if (c->count < required(c)) {
				judge_below(x, &te[i], above);
				continue;
			}
			host_label(h, hl, sizeof(hl));
			f = add(x, KD_ITEM_THRESHOLD, KD_V_OK, "threshold", te[i].host, -1,
			    -1);
			fsubj(f, "%s", endpoint(h, ep, sizeof(ep)));
			fsum(f, "%s: count %u >= %u for %s", hl, c->count, required(c),
			    kmsid_name(&c->kms_id, c->info, g));
			fint(f, "count", c->count);
			fint(f, "required", required(c));
			fstr(f, "product", kmsid_name(&c->kms_id, c->info, g));
		}
	}
	free(te);
	/* Hosts asked that gave no count: no threshold verdict (rule 3). */
	for (i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		char why[200];

		host_label(h, hl, sizeof(hl));
		endpoint(h, ep, sizeof(ep));
		for (k = 0; k < h->ncounts; k++) {
			const struct kd_site_count *c = &h->counts[k];

			if (c->have_count || (c->info != NULL && not_volume(c->info->channel)))
				continue;
			if (c->requests == 0 && c->refusals == 0 && c->faults == 0 &&
			    c->no_response == 0 && c->unverified == 0)
				continue;
			no_count_reason(h, c, why, sizeof(why));
			if (any_count) {
				f = add(x, KD_ITEM_THRESHOLD, KD_V_UNKNOWN, "no_count",
				    (long)i, -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s: no count for %s: %s", hl,
				    kmsid_name(&c->kms_id, c->info, g), why);
			} else if (x->skip[KD_ITEM_THRESHOLD][0] == '\0')
				kd_setf(x->skip[KD_ITEM_THRESHOLD], sizeof(x->skip[0]),
				    "no count: %s: %s", hl, why);
		}
		if (h->act_tried && h->ncounts == 0 && !any_count &&
		    x->skip[KD_ITEM_THRESHOLD][0] == '\0') {
			no_count_reason(h, NULL, why, sizeof(why));
			kd_setf(x->skip[KD_ITEM_THRESHOLD], sizeof(x->skip[0]),
			    "no count: %s: %s", hl, why);
		}
	}
	if (x->skip[KD_ITEM_THRESHOLD][0] == '\0')
		kd_setf(x->skip[KD_ITEM_THRESHOLD], sizeof(x->skip[0]), "%s",
		    any_asked && !any_volume ? "only products without a volume "
		    "licence were asked for (item 6), and they have no threshold" :
		    any_asked ? "no verified answer carried a count" :
		    x->activation_asked ? "no KMS host was reached, so no count was "
		    "asked for" : "no activation request was sent: use --activate");
	/* Cloned images: one CMID, two machines, one count. */
	for (i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];

		if (c->self || c->nws < 2)
			continue;
		f = add(x, KD_ITEM_THRESHOLD, KD_V_FAIL, "duplicate_cmid", c->host, -1,
		    (long)i);
		fsubj(f, "%s", kd_guid_format(&c->cmid, g));
		fsum(f, "CMID %s is sent by different machines (%s, %s): a cloned "
		    "image not generalised; the count does not grow", g,
		    c->workstation, c->other_ws);
		ffix(f, "generalise the image (sysprep /generalize), or reset the CMID "
		    "on the clones (slmgr /rearm), then reactivate");
	}
}

/* --- 5. host key, and in-band refusals ------------------------------------ */

static const struct {
	uint32_t	 bit;
	const char	*text;
} sign_texts[] = {
	{ KD_SIGN_IV_REUSED,	"v6 response reuses the request IV" },
	{ KD_SIGN_VLMCSD_HWID,	"HwId 3A1C049600B60076 is vlmcsd's default" },
	{ KD_SIGN_PYKMS_HWID,	"HwId 364F463A8863D35F is py-kms's default" },
	{ KD_SIGN_EPID_CHANGED,	"ePID changed between requests" },
	{ KD_SIGN_FOREIGN,	"answered a product its host key cannot activate "
				"(a genuine host refuses with 0xC004F042)" },
	{ KD_SIGN_UNKNOWN_KEY,	"ePID key ID matches no known host key" },
	{ KD_SIGN_UNKNOWN_BUILD, "ePID build is not a known Windows build" },
	{ KD_SIGN_PLATFORM,	"ePID platform ID does not match its build" },
	{ KD_SIGN_KEY_DATE,	"ePID key date is before its build was released" },
	{ KD_SIGN_EPID_MALFORMED, "ePID is malformed" },
	{ KD_SIGN_OLD_BUILD_NEW_KEY, "ePID pairs a build older than Windows 8 "
				"with a host key released since 2016" },
};

const char *
kd_sign_text(enum kd_sign sign)
{
	for (size_t i = 0; i < sizeof(sign_texts) / sizeof(sign_texts[0]); i++)
		if (sign_texts[i].bit == (uint32_t)sign)
			return sign_texts[i].text;
	return "";
}

static json_t *
signs_json(uint32_t signs)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(sign_texts) / sizeof(sign_texts[0]); i++)
		if (signs & sign_texts[i].bit)
			json_array_append_new(a, json_string(sign_texts[i].text));
	return a;
}

static void
judge_refusal(struct ctx *x, long hi, const struct kd_site_count *c)
{
	const struct kd_site_host *h = &x->s->hosts[hi];
	const struct kd_site_app *a = app_of(h, c);
	const struct kd_errcode *e = kd_err_find(c->last_hresult);
	char hl[512], ep[300], g[KD_GUID_STRLEN], kn[160] = "";
	const char *pn = kmsid_name(&c->kms_id, c->info, g);
	enum kd_item item = KD_ITEM_OTHER;
	struct kd_finding *f;

	host_label(h, hl, sizeof(hl));
	endpoint(h, ep, sizeof(ep));
	if (c->last_hresult == HR_KEY_MISMATCH) {
		if (a != NULL && a->hostkey != NULL)
			kd_setf(kn, sizeof(kn), " (%s)", a->hostkey->name);
		f = add(x, KD_ITEM_HOST_KEY, KD_V_FAIL, "host_key", hi, -1, -1);
		fsubj(f, "%s", ep);
		fsum(f, "%s refused %s with 0xC004F042: its host key%s cannot activate "
		    "this product", hl, pn, kn);
		ffix(f, "install a host key (CSVLK) whose group covers %s on %s and "
		    "activate it (slmgr /ipk, slmgr /ato)", pn, ep);
	} else if (c->last_hresult == HR_INVALID_DATA && version_explains(x, hi)) {
		return;
	} else if (c->last_hresult == HR_INVALID_TIMESTAMP) {
		bool known = x->host_skew_known != NULL && x->host_skew_known[hi];
		int64_t skew = known ? x->host_skew[hi] : 0;

		f = add(x, KD_ITEM_TIME, KD_V_FAIL, "clock_refused", hi, -1, -1);
		fsubj(f, "%s", ep);
		if (known) {
			fsum(f, "%s refused %s with 0xC004F06C: the client's clock is "
			    "%+lld s from the %s's, more than 4 h apart", hl, pn,
			    (long long)skew, x->s->sources & KD_SRC_CAPTURE ?
			    "capture" : "probe");
			fint(f, "clock_skew", skew);
		} else
			fsum(f, "%s refused %s with 0xC004F06C: the client's clock is "
			    "more than 4 h from the host's", hl, pn);
		ffix(f, "synchronise the client's and the host's clocks with the "
		    "domain's time source (w32tm /resync), in UTC");
	} else if (c->last_hresult == HR_NOT_ENOUGH_COUNT) {
		f = add(x, KD_ITEM_THRESHOLD, KD_V_FAIL, "threshold", hi, -1, -1);
		fsubj(f, "%s", ep);
		fsum(f, "%s refused %s with 0xC004F038: its count is below the "
		    "threshold", hl, pn);
	} else {
		if (e != NULL)
			(void)kd_item_parse(e->check, &item);
		f = add(x, item, KD_V_FAIL, "refused", hi, -1, -1);
		fsubj(f, "%s", ep);
		fsum(f, "%s refused %s with 0x%08X %s%s%s (%llu time%s)", hl, pn,
		    c->last_hresult, err_name(c->last_hresult), e ? ": " : "",
		    e ? e->meaning : "", (unsigned long long)c->refusals,
		    plural(c->refusals));
		ffix(f, "run: kmsdiag explain 0x%08X", c->last_hresult);
	}
	if (f != NULL) {
		char hx[16];

		kd_setf(hx, sizeof(hx), "0x%08X", c->last_hresult);
		fstr(f, "hresult", hx);
		fstr(f, "product", pn);
		f->count = c->refusals;
	}
}

/* The clock difference each host's clients showed, the largest; for 0xC004F06C. */
static void
host_skews(struct ctx *x)
{
	const struct kd_site *s = x->s;

	if (s->nhosts == 0)
		return;
	x->host_skew = calloc(s->nhosts, sizeof(*x->host_skew));
	x->host_skew_known = calloc(s->nhosts, sizeof(*x->host_skew_known));
	if (x->host_skew == NULL || x->host_skew_known == NULL) {
		free(x->host_skew);
		free(x->host_skew_known);
		x->host_skew = NULL;
		x->host_skew_known = NULL;
		x->cl->oom = true;
		return;
	}
	for (size_t i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];
		int64_t *w;

		if (!c->skew_known || c->host < 0 || (size_t)c->host >= s->nhosts)
			continue;
		w = &x->host_skew[c->host];
		if (!x->host_skew_known[c->host] ||
		    (c->skew < 0 ? -c->skew : c->skew) > (*w < 0 ? -*w : *w))
			*w = c->skew;
		x->host_skew_known[c->host] = true;
	}
}

static void
judge_host_key(struct ctx *x)
{
	const struct kd_site *s = x->s;
	char hl[512], ep[300], g[KD_GUID_STRLEN], date[16];
	struct kd_finding *f;

	for (size_t i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		long hi = (long)i;
		uint32_t signs = h->signs;

		host_label(h, hl, sizeof(hl));
		endpoint(h, ep, sizeof(ep));
		for (size_t k = 0; k < h->ncounts; k++) {
			const struct kd_site_count *c = &h->counts[k];
			const struct kd_site_app *a = app_of(h, c);

			/* A retail product is the client's key, never the host's (rule 4). */
			if (c->info != NULL && not_volume(c->info->channel))
				continue;
			if (c->refusals > 0 && c->last_hresult != 0)
				judge_refusal(x, hi, c);
			if (c->foreign && c->have_count) {
				f = add(x, KD_ITEM_HOST_KEY, KD_V_WARN, "foreign_epid", hi,
				    -1, -1);
				fsubj(f, "%s", ep);
				fsum(f, "%s answered %s with count %u, but its ePID's key "
				    "group (%s) cannot activate it: forged ePID or emulator: "
				    "a genuine host refuses with 0xC004F042", hl,
				    kmsid_name(&c->kms_id, c->info, g), c->count,
				    a != NULL && a->hostkey != NULL ? a->hostkey->name :
				    "unknown");
				ffix(f, "find out what answers on port %u: a genuine KMS "
				    "host with this host key refuses the product "
				    "(0xC004F042)", h->port);
				signs &= ~(uint32_t)KD_SIGN_FOREIGN;
			}
		}
		for (size_t k = 0; k < h->napps; k++) {
			const struct kd_site_app *a = &h->apps[k];
			const struct kd_app *ap = kd_app_find(&a->app_id);
			bool foreign = false;

			if (a->epid[0] == '\0' || a->hostkey == NULL)
				continue;
			for (size_t m = 0; m < h->ncounts; m++)
				if (h->counts[m].foreign && app_of(h, &h->counts[m]) == a)
					foreign = true;
			if (foreign)
				continue;
			f = add(x, KD_ITEM_HOST_KEY, KD_V_OK, "epid", hi, -1, -1);
			fsubj(f, "%s", ep);
			fsum(f, "%s: %s ePID %s: host key %s%s%s%s%s", hl,
			    ap != NULL ? ap->name : kd_guid_format(&a->app_id, g), a->epid,
			    a->hostkey->name, a->os != NULL ? ", " : "",
			    a->os != NULL ? a->os->os_name : "",
			    kms_epid_date(&a->parsed, date, sizeof(date)) ? ", key date " :
			    "", a->parsed.valid ? date : "");
			fstr(f, "epid", a->epid);
			fstr(f, "key_group", a->hostkey->name);
		}
		if (signs != 0) {
			json_t *sj = signs_json(signs);
			const char *texts[32];
			char named[sizeof(f->summary)];
			/* The line is "HOST shows N signs of a KMS emulator: ...". */
			size_t nt = 0, room = strlen(hl) + 100 < sizeof(named) ?
			    sizeof(named) - strlen(hl) - 40 : 60;

			for (size_t k = 0; k < json_array_size(sj) && nt < 32; k++)
				texts[nt++] = json_string_value(json_array_get(sj, k));
			name_items(named, room, texts, nt, nt, "; ", "; ");
			f = add(x, KD_ITEM_HOST_KEY, KD_V_WARN, "emulator", hi, -1, -1);
			fsubj(f, "%s", ep);
			if (nt == 1)
				fsum(f, "%s shows a sign of a KMS emulator: %s", hl,
				    named);
			else
				fsum(f, "%s shows %zu signs of a KMS emulator: %s", hl,
				    nt, named);
			if (f != NULL)
				json_object_set_new(f->facts, "signs", sj);
			else
				json_decref(sj);
		}
	}
	/* Why no ePID: the same reason the threshold has no count. */
	if (strncmp(x->skip[KD_ITEM_THRESHOLD], "no count: ", 10) == 0)
		kd_setf(x->skip[KD_ITEM_HOST_KEY], sizeof(x->skip[0]), "no ePID: %s",
		    x->skip[KD_ITEM_THRESHOLD] + 10);
	else
		kd_setf(x->skip[KD_ITEM_HOST_KEY], sizeof(x->skip[0]),
		    "no ePID: no KMS host answered an activation request%s",
		    x->activation_asked ? "" : " (use --activate)");
}

/* --- 6. client key -------------------------------------------------------- */

struct product_seen {
	struct kd_guid	 id;
	bool		 sku;		/* id is a SKU, not a counted ID */
	uint64_t	 clients;
	long		 client, host;
};

static void
seen(struct product_seen *p, size_t *np, size_t cap, const struct kd_guid *id,
    bool sku, long client, long host, bool is_client)
{
	size_t k;

	for (k = 0; k < *np; k++)
		if (p[k].sku == sku && kd_guid_eq(&p[k].id, id))
			break;
	if (k == *np) {
		if (k == cap)
			return;
		memset(&p[k], 0, sizeof(p[k]));
		p[k].id = *id;
		p[k].sku = sku;
		p[k].client = client;
		p[k].host = host;
		(*np)++;
	}
	if (is_client)
		p[k].clients++;
	if (p[k].client < 0)
		p[k].client = client;
	if (p[k].host < 0)
		p[k].host = host;
}

static void
judge_client_key(struct ctx *x)
{
	const struct kd_site *s = x->s;
	struct product_seen retail[16], unknown[16];
	size_t nretail = 0, nunknown = 0, i, k, volume = 0;
	char g[KD_GUID_STRLEN], hl[512];
	struct kd_finding *f;

	for (i = 0; i < s->nhosts; i++)
		for (k = 0; k < s->hosts[i].ncounts; k++) {
			const struct kd_site_count *c = &s->hosts[i].counts[k];

			if (c->info != NULL && not_volume(c->info->channel))
				seen(retail, &nretail, 16, &c->kms_id, false, -1, (long)i,
				    false);
		}
	for (i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];
		const struct kd_kmsid *ki = kd_kmsid_find(&c->kms_id);
		const struct kd_sku *sk = kd_sku_find(&c->sku_id);

		if (ki != NULL && not_volume(ki->channel))
			seen(retail, &nretail, 16, &c->kms_id, false, (long)i, c->host,
			    !c->self);
		else if (sk != NULL && not_volume(sk->channel))
			seen(retail, &nretail, 16, &c->sku_id, true, (long)i, c->host,
			    !c->self);
		else if (ki == NULL)
			seen(unknown, &nunknown, 16, &c->kms_id, false, (long)i, c->host,
			    !c->self);
		else if (!c->self)
			volume++;
	}
	for (k = 0; k < nretail; k++) {
		const struct product_seen *p = &retail[k];
		const struct kd_kmsid *ki = p->sku ? NULL : kd_kmsid_find(&p->id);
		const struct kd_sku *sk = p->sku ? kd_sku_find(&p->id) : NULL;
		const char *name = sk ? sk->name : ki ? ki->name : kd_guid_format(&p->id, g);
		const char *chan = sk ? sk->channel : ki ? ki->channel : "";
		const struct kd_site_client *c = p->client >= 0 ? &s->clients[p->client] :
		    NULL;
		char who[300] = "";

		if (c != NULL && !c->self && c->workstation[0] != '\0')
			kd_setf(who, sizeof(who), "client %s", c->workstation);
		else if (c != NULL && c->self)
			kd_setf(who, sizeof(who), "kmsdiag's own request");
		if (p->host >= 0 && (size_t)p->host < s->nhosts)
			kd_appendf(who, sizeof(who), "%sasked %s", who[0] ? " " : "",
			    host_label(&s->hosts[p->host], hl, sizeof(hl)));
		if (p->clients > 0)
			kd_appendf(who, sizeof(who), "%s%llu client%s", who[0] ? "; " : "",
			    (unsigned long long)p->clients, plural(p->clients));
		f = add(x, KD_ITEM_CLIENT_KEY, KD_V_FAIL, "retail_product", p->host, -1,
		    p->client);
		fsubj(f, "%s", name);
		fsum(f, "%s is a %s product: KMS activates only volume editions, the "
		    "client needs a GVLK%s%s%s", name, chan, who[0] ? " (" : "", who,
		    who[0] ? ")" : "");
		ffix(f, "install the edition's KMS client setup key (GVLK) on the "
		    "client: slmgr /ipk GVLK, then slmgr /ato");
		fstr(f, "product", name);
		fstr(f, "channel", chan);
		if (f != NULL)
			f->count = p->clients;
	}
	for (k = 0; k < nunknown; k++) {
		const struct product_seen *p = &unknown[k];
		const struct kd_site_client *c = &s->clients[p->client];

		f = add(x, KD_ITEM_CLIENT_KEY, KD_V_WARN, "unknown_product", p->host, -1,
		    p->client);
		fsubj(f, "%s", kd_guid_format(&p->id, g));
		fsum(f, "%llu client%s (%s) ask for KMS counted ID %s, unknown to the "
		    "product table", (unsigned long long)p->clients, plural(p->clients),
		    c->self ? "kmsdiag's own request" : c->workstation, g);
		if (f != NULL)
			f->count = p->clients;
	}
	if (volume > 0 && nretail == 0) {
		f = add(x, KD_ITEM_CLIENT_KEY, KD_V_OK, "client_keys", -1, -1, -1);
		fsubj(f, "clients");
		if (volume == 1)
			fsum(f, "1 client asks for a volume product: it has a KMS client "
			    "key (GVLK)");
		else
			fsum(f, "%zu clients ask for volume products: they have KMS "
			    "client keys (GVLK)", volume);
	}
	kd_setf(x->skip[KD_ITEM_CLIENT_KEY], sizeof(x->skip[0]),
	    "no client request was seen: a capture of the clients' traffic shows "
	    "their products (kmsdiag capture)");
}

/* --- 8. time -------------------------------------------------------------- */

/* Clients by the size of their clock difference, largest first; then in site order. */
static int
cmp_skew_desc(const void *a, const void *b)
{
	const int64_t *p = a, *q = b;
	int64_t x = p[0] < 0 ? -p[0] : p[0], y = q[0] < 0 ? -q[0] : q[0];

	if (x != y)
		return x < y ? 1 : -1;
	return p[1] < q[1] ? -1 : p[1] > q[1];
}

static void
judge_time(struct ctx *x)
{
	const struct kd_site *s = x->s;
	uint64_t known = 0, off = 0;
	int64_t maxabs = 0;
	/* (skew, client index) pairs of the clients too far off */
	int64_t (*offs)[2] = NULL;
	struct kd_finding *f;

	for (size_t i = 0; i < s->nclients; i++) {
		const struct kd_site_client *c = &s->clients[i];
		int64_t a;

		if (c->self || !c->skew_known)
			continue;
		known++;
		a = c->skew < 0 ? -c->skew : c->skew;
		if (a > maxabs)
			maxabs = a;
		if (a > MAX_CLOCK_SKEW) {
			if (offs == NULL && (offs = calloc(s->nclients,
			    sizeof(*offs))) == NULL) {
				x->cl->oom = true;
				return;
			}
			offs[off][0] = c->skew;
			offs[off][1] = (int64_t)i;
			off++;
		}
	}
	if (off > 0) {
		/* Name the worst ones in the line; the facts list every one. */
		enum { NAMED = 8, LISTED = 100 };
		char names[NAMED][96], named[sizeof(f->summary)], g[KD_GUID_STRLEN];
		const char *items[NAMED];
		size_t nn = 0;
		const struct kd_site_client *worst;
		json_t *list = json_array();

		qsort(offs, off, sizeof(*offs), cmp_skew_desc);
		worst = &s->clients[offs[0][1]];
		for (size_t k = 0; k < off; k++) {
			const struct kd_site_client *c = &s->clients[offs[k][1]];
			const char *who = c->workstation[0] ? c->workstation :
			    kd_guid_format(&c->cmid, g);

			if (k < NAMED) {
				snprintf(names[nn], sizeof(names[0]), "%s: %+lld s", who,
				    (long long)c->skew);
				items[nn] = names[nn];
				nn++;
			}
			if (k < LISTED && list != NULL)
				json_array_append_new(list, json_pack("{s:s, s:s, s:I}",
				    "workstation", c->workstation, "cmid",
				    kd_guid_format(&c->cmid, g), "clock_skew",
				    (json_int_t)c->skew));
		}
		name_items(named, 200, items, nn, off, ", ", ", ");
		f = add(x, KD_ITEM_TIME, KD_V_FAIL, "clock_skew", worst->host, -1,
		    (long)offs[0][1]);
		fsubj(f, "%s", worst->workstation[0] ? worst->workstation :
		    kd_guid_format(&worst->cmid, g));
		fsum(f, "%llu client%s more than 4 h off the capture's clock (%s): "
		    "hosts refuse them (0xC004F06C)", (unsigned long long)off,
		    plural(off), named);
		ffix(f, "synchronise the clients' clocks (w32tm /resync) with the "
		    "domain's time source");
		if (f != NULL) {
			f->count = off;
			/* The largest differences first; the rest only counted. */
			json_object_set_new(f->facts, "clients", list);
			if (off > LISTED)
				fint(f, "clients_not_listed", (int64_t)(off - LISTED));
		} else
			json_decref(list);
	} else if (known > 0) {
		f = add(x, KD_ITEM_TIME, KD_V_OK, "clock", -1, -1, -1);
		fsubj(f, "clients");
		fsum(f, "%llu client%s within 4 h of the capture's clock (largest "
		    "difference %lld s)", (unsigned long long)known, plural(known),
		    (long long)maxabs);
	}
	free(offs);
}

/* --- 2. DNS --------------------------------------------------------------- */

/* A KMS host proven on port at one of the SRV record's addresses. */
static bool
proven_at(const struct kd_site *s, const struct kd_site_srv *r, uint16_t port)
{
	for (size_t a = 0; a < r->naddrs; a++) {
		long h = kd_site_host_find(s, s->hosts[r->host[a]].addr, port);

		if (h >= 0 && proven_kms(&s->hosts[h]))
			return true;
	}
	return false;
}

static void
judge_srv(struct ctx *x, long di, const struct kd_site_srv *r)
{
	const struct kd_site *s = x->s;
	const struct kd_site_domain *d = &s->domains[di];
	size_t a, nproven = 0, nclosed = 0;
	char subj[300];
	struct kd_finding *f;

	kd_setf(subj, sizeof(subj), "%s:%u", r->target, r->port);
	if (r->port == 0) {
		f = add(x, KD_ITEM_DNS, KD_V_FAIL, "srv_port", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "SRV record for %s in %s has port 0: clients cannot use it",
		    r->target, d->name);
		if (proven_at(s, r, x->defport))
			ffix(f, "publish port %u in the record: a KMS host answers "
			    "there", x->defport);
		else
			ffix(f, "publish the port the KMS host listens on (slmgr /dlv "
			    "on the host shows it)");
		return;
	}
	if (r->resolved && r->resolve_error[0] != '\0') {
		f = add(x, KD_ITEM_DNS, KD_V_FAIL, "srv_target", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "SRV target %s in %s does not resolve: %s", r->target, d->name,
		    r->resolve_error);
		return;
	}
	if (r->resolved && r->naddrs == 0) {
		f = add(x, KD_ITEM_DNS, KD_V_FAIL, "srv_target", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "SRV target %s in %s has no address", r->target, d->name);
		return;
	}
	for (a = 0; a < r->naddrs; a++) {
		const struct kd_site_host *h = &s->hosts[r->host[a]];

		if (proven_kms(h))
			nproven++;
		else if (proven_closed(h))
			nclosed++;
	}
	if (r->port == x->defport) {
		f = add(x, KD_ITEM_DNS, KD_V_OK, "srv", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "%s publishes %s port %u (priority %u, weight %u)", d->name,
		    r->target, r->port, r->priority, r->weight);
		return;
	}
	/* Rule 2: a port other than the default is legitimate where a KMS host answers. */
	if (nproven > 0) {
		f = add(x, KD_ITEM_DNS, KD_V_OK, "srv_port", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "%s publishes %s port %u: port %u is not the default; a KMS "
		    "host answers there", d->name, r->target, r->port, r->port);
	} else if (r->naddrs > 0 && nclosed == r->naddrs) {
		f = add(x, KD_ITEM_DNS, KD_V_FAIL, "srv_port", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "%s publishes %s port %u, where no KMS host answers (%s)",
		    d->name, r->target, r->port,
		    kd_reach_name(s->hosts[r->host[0]].reach));
		if (proven_at(s, r, x->defport))
			ffix(f, "change the record's port to %u: a KMS host answers "
			    "there on %s", x->defport, r->target);
		else
			ffix(f, "publish the port the KMS host on %s listens on (slmgr "
			    "/dlv on the host shows it), or start it on port %u",
			    r->target, r->port);
	} else {
		f = add(x, KD_ITEM_DNS, KD_V_WARN, "srv_port", -1, di, -1);
		fsubj(f, "%s", subj);
		fsum(f, "%s publishes %s port %u, not the default %u, and no probe "
		    "showed a KMS host there", d->name, r->target, r->port,
		    x->defport);
		ffix(f, "check it: kmsdiag probe %s:%u", r->target, r->port);
	}
	fint(f, "port", r->port);
}

/* An SRV target is a name, never an address. */
static bool
is_address(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* The one host a fix may name: the only proven KMS host without an emulator sign. */
static const struct kd_site_host *
only_proven(const struct kd_site *s)
{
	const struct kd_site_host *p = NULL;

	for (size_t i = 0; i < s->nhosts; i++)
		if (proven_kms(&s->hosts[i]) && s->hosts[i].nnames > 0 &&
		    s->hosts[i].signs == 0 && !is_address(s->hosts[i].names[0])) {
			if (p != NULL)
				return NULL;
			p = &s->hosts[i];
		}
	return p;
}

static void
judge_dns(struct ctx *x)
{
	const struct kd_site *s = x->s;
	const struct kd_site_host *p;
	struct kd_finding *f;

	for (size_t i = 0; i < s->ndomains; i++) {
		const struct kd_site_domain *d = &s->domains[i];
		const char *dt = d->detail;

		switch (d->status) {
		case KD_SITE_DNS_FOUND:
			for (size_t r = 0; r < d->nsrv; r++)
				judge_srv(x, (long)i, &d->srv[r]);
			if (d->nsrv > 0)
				break;
			/* "Found" with no record is none. */
			/* FALLTHROUGH */
		case KD_SITE_DNS_NONE:
			f = add(x, KD_ITEM_DNS, KD_V_FAIL, "srv_missing", -1, (long)i, -1);
			fsubj(f, "%s", d->name);
			fsum(f, "no _vlmcs._tcp SRV record in %s%s%s: clients there "
			    "cannot find a KMS host", d->name, dt[0] ? ": " : "", dt);
			if ((p = only_proven(s)) != NULL)
				ffix(f, "publish _vlmcs._tcp.%s 3600 IN SRV 0 0 %u %s.",
				    d->name, p->port, p->names[0]);
			else
				ffix(f, "publish _vlmcs._tcp.%s pointing at the KMS host, "
				    "or let the host publish it (slmgr /cdns)", d->name);
			break;
		case KD_SITE_DNS_ERROR:
			f = add(x, KD_ITEM_DNS, KD_V_UNKNOWN, "dns_error", -1, (long)i, -1);
			fsubj(f, "%s", d->name);
			fsum(f, "could not look up _vlmcs._tcp.%s%s%s", d->name,
			    dt[0] ? ": " : "", dt);
			break;
		case KD_SITE_DNS_UNKNOWN:
			break;
		}
	}
	kd_setf(x->skip[KD_ITEM_DNS], sizeof(x->skip[0]),
	    "no domain was looked up (kmsdiag dnscheck DOMAIN)");
}

/* --- other, and observations ---------------------------------------------- */

/* Does the engine judge SRV ports for the observation's domain itself? */
static bool
srv_judged(const struct kd_site *s, long domain)
{
	for (size_t i = 0; i < s->ndomains; i++)
		if ((domain < 0 || (size_t)domain == i) &&
		    s->domains[i].status == KD_SITE_DNS_FOUND && s->domains[i].nsrv > 0)
			return true;
	return false;
}

static void
judge_other(struct ctx *x)
{
	const struct kd_site *s = x->s;
	struct kd_finding *f;
	uint64_t ex = s->exchanges_seen;

	for (size_t i = 0; i < s->nhosts; i++)
		ex += s->hosts[i].exchanges;
	/* Rule 8: a capture with no KMS traffic could not check anything. */
	if ((s->sources & KD_SRC_CAPTURE) && ex == 0) {
		f = add(x, KD_ITEM_OTHER, KD_V_UNKNOWN, "no_kms_traffic", -1, -1, -1);
		fsubj(f, "capture");
		if (s->other_traffic_hint[0] != '\0')
			fsum(f, "no KMS activation traffic on the ports captured; seen "
			    "instead: %s", s->other_traffic_hint);
		else if (s->other_traffic > 0)
			fsum(f, "no KMS activation traffic on the ports captured; %llu "
			    "packet%s on other ports",
			    (unsigned long long)s->other_traffic, plural(s->other_traffic));
		else
			fsum(f, "no KMS activation traffic on the ports captured, and no "
			    "other traffic either");
		fint(f, "other_packets", (int64_t)s->other_traffic);
	}
	if (s->clients_dropped > 0) {
		f = add(x, KD_ITEM_OTHER, KD_V_WARN, "client_limit", -1, -1, -1);
		fsubj(f, "clients");
		fsum(f, "%llu clients not tracked: more than %zu distinct clients; "
		    "counts of clients are lower bounds",
		    (unsigned long long)s->clients_dropped, s->nclients);
		ffix(f, "split the capture");
	}
	for (size_t i = 0; i < s->nobs; i++) {
		const struct kd_site_obs *o = &s->obs[i];

		/* The engine re-judges SRV ports against the probe (rule 2). */
		if (strcmp(o->code, "srv_port") == 0 && srv_judged(s, o->domain))
			continue;
		f = add(x, o->item, o->verdict, o->code, o->host, o->domain, -1);
		if (f == NULL)
			continue;
		fsubj(f, "%s", o->subject);
		fsum(f, "%s", o->summary);
		ffix(f, "%s", o->fix);
		f->count = o->count;
		f->src = o->src;
		if (o->facts != NULL)
			json_object_update(f->facts, o->facts);
	}
}

/* --- folding -------------------------------------------------------------- */

struct order {
	size_t	 idx;
	int	 key;
};

static int
order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Group by item, worst first within an item, otherwise in the order found. */
static void
sort_findings(struct kd_checklist *cl)
{
	struct order *o;
	struct kd_finding *nf;
	size_t i;

	if (cl->nfindings < 2)
		return;
	o = calloc(cl->nfindings, sizeof(*o));
	nf = calloc(cl->nfindings, sizeof(*nf));
	if (o == NULL || nf == NULL) {
		free(o);
		free(nf);
		cl->oom = true;
		return;
	}
	for (i = 0; i < cl->nfindings; i++) {
		o[i].idx = i;
		o[i].key = (int)cl->findings[i].item * 8 +
		    (3 - kd_verdict_rank(cl->findings[i].verdict));
	}
	qsort(o, cl->nfindings, sizeof(*o), order_cmp);
	for (i = 0; i < cl->nfindings; i++)
		nf[i] = cl->findings[o[i].idx];
	memcpy(cl->findings, nf, cl->nfindings * sizeof(*nf));
	free(nf);
	free(o);
}

static void
finish(struct ctx *x)
{
	struct kd_checklist *cl = x->cl;
	const struct kd_site *s = x->s;
	/* The order a client meets the items in (root cause). */
	static const enum kd_item client_order[] = {
		KD_ITEM_DOMAIN, KD_ITEM_DNS, KD_ITEM_PORT, KD_ITEM_RPC,
		KD_ITEM_THRESHOLD, KD_ITEM_HOST_KEY, KD_ITEM_CLIENT_KEY, KD_ITEM_TIME,
		KD_ITEM_OTHER,
	};
	static const enum kd_verdict precedence[] = {
		KD_V_FAIL, KD_V_UNKNOWN, KD_V_WARN,
	};
	bool judged = false;
	size_t i;

#define OVERALL(v) do {							\
	cl->overall = judged ? kd_verdict_worst(cl->overall, (v)) : (v);	\
	judged = true;							\
} while (0)

	sort_findings(cl);
	for (i = 0; i < KD_NITEMS; i++) {
		struct kd_item_result *it = &cl->items[i];

		it->item = (enum kd_item)i;
		it->basis = KD_BASIS_EVIDENCE;
		it->verdict = KD_V_OK;
	}
	for (i = 0; i < cl->nfindings; i++) {
		const struct kd_finding *f = &cl->findings[i];
		struct kd_item_result *it = &cl->items[f->item];

		if (it->nfindings++ == 0) {
			/* Sorted worst first: the first finding explains the item. */
			it->verdict = f->verdict;
			kd_setf(it->summary, sizeof(it->summary), "%s", f->summary);
			kd_setf(it->fix, sizeof(it->fix), "%s", f->fix);
		}
	}
	for (i = 0; i < KD_NITEMS; i++) {
		struct kd_item_result *it = &cl->items[i];
		const struct kd_checklist_item *ci = kd_checklist_at(i);

		if (it->nfindings > 0) {
			OVERALL(it->verdict);
			continue;
		}
		if (i == KD_ITEM_OTHER) {
			kd_setf(it->summary, sizeof(it->summary), "no other findings");
			continue;
		}
		if (s->manual[i]) {
			it->basis = KD_BASIS_MANUAL;
			it->verdict = KD_V_OK;
			kd_setf(it->summary, sizeof(it->summary), "confirmed by hand");
			OVERALL(KD_V_OK);
			continue;
		}
		it->verdict = KD_V_UNKNOWN;
		if (x->skip[i][0] == '\0' && ci != NULL && ci->by_hand[0] != '\0') {
			it->basis = KD_BASIS_MANUAL;
			kd_setf(it->summary, sizeof(it->summary), "%s", ci->by_hand);
		} else {
			it->basis = KD_BASIS_SKIPPED;
			kd_setf(it->summary, sizeof(it->summary), "%s", x->skip[i][0] ?
			    x->skip[i] : "not checked");
		}
	}
#undef OVERALL
	if (!judged)
		cl->overall = KD_V_UNKNOWN;
	cl->root_cause = KD_NITEMS;
	for (size_t p = 0; p < sizeof(precedence) / sizeof(precedence[0]) &&
	    cl->root_cause == KD_NITEMS; p++)
		for (i = 0; i < sizeof(client_order) / sizeof(client_order[0]); i++) {
			const struct kd_item_result *it = &cl->items[client_order[i]];

			if (it->nfindings > 0 && it->verdict == precedence[p]) {
				cl->root_cause = client_order[i];
				break;
			}
		}
}

void
kd_site_judge(const struct kd_site *s, const struct kd_judge_opts *opts,
    struct kd_checklist *cl)
{
	struct ctx x;

	memset(cl, 0, sizeof(*cl));
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.cl = cl;
	x.defport = opts != NULL && opts->default_port ? opts->default_port :
	    KMS_DEFAULT_PORT;
	x.activation_asked = opts != NULL && opts->activation_asked;
	judge_port(&x);
	judge_dns(&x);
	judge_rpc(&x);
	judge_threshold(&x);
	host_skews(&x);
	judge_host_key(&x);
	judge_client_key(&x);
	judge_time(&x);
	judge_other(&x);
	finish(&x);
	free(x.host_skew);
	free(x.host_skew_known);
	if (s->oom)
		cl->oom = true;
}

void
kd_checklist_fini(struct kd_checklist *cl)
{
	for (size_t i = 0; i < cl->nfindings; i++)
		json_decref(cl->findings[i].facts);
	free(cl->findings);
	memset(cl, 0, sizeof(*cl));
}

/* --- views' common forms -------------------------------------------------- */

const char *
kd_basis_name(enum kd_basis b)
{
	switch (b) {
	case KD_BASIS_SKIPPED:
		return "skipped";
	case KD_BASIS_MANUAL:
		return "manual";
	default:
		return "evidence";
	}
}

void
kd_checklist_report(const struct kd_checklist *cl, const struct kd_site *s,
    struct kd_report *r)
{
	char id[64], src[64], ep[300];

	for (size_t i = 0; i < KD_NITEMS; i++) {
		const struct kd_item_result *it = &cl->items[i];
		struct kd_check *c;

		if (i == KD_ITEM_OTHER && it->nfindings == 0)
			continue;
		kd_setf(id, sizeof(id), "checklist.%s", kd_item_id(it->item));
		c = kd_report_add(r, id, kd_item_title(it->item), it->verdict, "%s",
		    it->summary);
		kd_check_item(c, kd_item_id(it->item));
		kd_check_fix(c, "%s", it->fix);
		kd_check_int(c, "number", kd_item_number(it->item));
		kd_check_str(c, "basis", kd_basis_name(it->basis));
		kd_check_int(c, "findings", (int64_t)it->nfindings);
		if (c != NULL)
			c->skipped = it->basis != KD_BASIS_EVIDENCE &&
			    it->verdict == KD_V_UNKNOWN;
	}
	for (size_t i = 0; i < cl->nfindings; i++) {
		const struct kd_finding *f = &cl->findings[i];
		struct kd_check *c = kd_report_add(r, f->code, f->subject, f->verdict,
		    "%s", f->summary);

		kd_check_item(c, kd_item_id(f->item));
		kd_check_fix(c, "%s", f->fix);
		if (c == NULL)
			continue;
		if (f->facts != NULL)
			json_object_update(c->facts, f->facts);
		if (f->host >= 0 && s != NULL && (size_t)f->host < s->nhosts)
			kd_check_str(c, "host", endpoint(&s->hosts[f->host], ep,
			    sizeof(ep)));
		if (f->domain >= 0 && s != NULL && (size_t)f->domain < s->ndomains)
			kd_check_str(c, "domain", s->domains[f->domain].name);
		if (f->count > 1)
			kd_check_int(c, "occurrences", (int64_t)f->count);
		if (f->src != 0)
			kd_check_str(c, "source", kd_src_format(f->src, src, sizeof(src)));
	}
	if (cl->oom)
		r->oom = true;
}

static json_t *
guid_json(const struct kd_guid *g)
{
	char b[KD_GUID_STRLEN];

	return json_string(kd_guid_format(g, b));
}

static json_t *
app_json(const struct kd_site_app *a)
{
	const struct kd_app *ap = kd_app_find(&a->app_id);
	json_t *o = json_object();
	char buf[32];

	json_object_set_new(o, "app_id", guid_json(&a->app_id));
	json_object_set_new(o, "application", ap ? json_string(ap->name) : json_null());
	json_object_set_new(o, "epid", a->epid[0] ? jstr(a->epid) : json_null());
	json_object_set_new(o, "epid_valid", json_boolean(a->parsed.valid));
	json_object_set_new(o, "key_group", a->hostkey ? json_string(a->hostkey->name) :
	    json_null());
	json_object_set_new(o, "host_os", a->os ? json_string(a->os->os_name) :
	    json_null());
	json_object_set_new(o, "host_build", a->parsed.valid ?
	    json_integer(a->parsed.build) : json_null());
	json_object_set_new(o, "key_date", kms_epid_date(&a->parsed, buf, sizeof(buf)) ?
	    json_string(buf) : json_null());
	if (a->has_hwid) {
		for (int k = 0; k < 8; k++)
			kd_setf(buf + 2 * k, 3, "%02X", a->hwid[k]);
		json_object_set_new(o, "hwid", json_string(buf));
	} else
		json_object_set_new(o, "hwid", json_null());
	json_object_set_new(o, "activation_interval", json_integer(a->activation_interval));
	json_object_set_new(o, "renewal_interval", json_integer(a->renewal_interval));
	json_object_set_new(o, "epid_changes", json_integer(a->epid_changes));
	json_object_set_new(o, "when", json_integer((json_int_t)a->when));
	return o;
}

static json_t *
count_json(const struct kd_site_count *c)
{
	json_t *o = json_object();
	char hx[16];

	json_object_set_new(o, "kms_id", guid_json(&c->kms_id));
	json_object_set_new(o, "product", c->info ? json_string(c->info->name) :
	    json_null());
	json_object_set_new(o, "channel", c->info ? json_string(c->info->channel) :
	    json_null());
	json_object_set_new(o, "required", json_integer(required(c)));
	/* A host that never answered has no count, not a count of 0 (rule 9). */
	json_object_set_new(o, "count", c->have_count ? json_integer(c->count) :
	    json_null());
	json_object_set_new(o, "max_count", c->have_count ? json_integer(c->max_count) :
	    json_null());
	json_object_set_new(o, "when", c->have_count ? json_integer((json_int_t)c->when) :
	    json_null());
	json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(o, "answers", json_integer((json_int_t)c->answers));
	json_object_set_new(o, "refusals", json_integer((json_int_t)c->refusals));
	kd_setf(hx, sizeof(hx), "0x%08X", c->last_hresult);
	json_object_set_new(o, "last_hresult", c->last_hresult ? json_string(hx) :
	    json_null());
	json_object_set_new(o, "faults", json_integer((json_int_t)c->faults));
	json_object_set_new(o, "no_response", json_integer((json_int_t)c->no_response));
	json_object_set_new(o, "unverified", json_integer((json_int_t)c->unverified));
	json_object_set_new(o, "foreign", json_boolean(c->foreign));
	json_object_set_new(o, "distinct_clients",
	    json_integer((json_int_t)c->distinct_clients));
	return o;
}

static json_t *
host_json(const struct kd_site_host *h)
{
	json_t *o = json_object(), *names = json_array(), *apps = json_array();
	json_t *counts = json_array();
	char buf[300];

	json_object_set_new(o, "host", json_string(endpoint(h, buf, sizeof(buf))));
	json_object_set_new(o, "address", json_string(h->addr));
	json_object_set_new(o, "port", json_integer(h->port));
	for (size_t i = 0; i < h->nnames; i++)
		json_array_append_new(names, jstr(h->names[i]));
	json_object_set_new(o, "names", names);
	json_object_set_new(o, "source", json_string(kd_src_format(h->src, buf,
	    sizeof(buf))));
	json_object_set_new(o, "declared", json_boolean(h->declared));
	json_object_set_new(o, "reach", json_string(kd_reach_name(h->reach)));
	if (h->reach_detail[0])
		json_object_set_new(o, "reach_detail", jstr(h->reach_detail));
	json_object_set_new(o, "connect_ms", h->connect_ms >= 0 ?
	    json_real(h->connect_ms) : json_null());
	json_object_set_new(o, "rpc", json_string(kd_rpc_name(h->rpc)));
	if (h->rpc_detail[0])
		json_object_set_new(o, "rpc_detail", jstr(h->rpc_detail));
	json_object_set_new(o, "answered", json_boolean(h->answers > 0));
	if (h->act_error[0])
		json_object_set_new(o, "activation_error", jstr(h->act_error));
	json_object_set_new(o, "exchanges", json_integer((json_int_t)h->exchanges));
	json_object_set_new(o, "answers", json_integer((json_int_t)h->answers));
	for (size_t i = 0; i < h->napps; i++)
		json_array_append_new(apps, app_json(&h->apps[i]));
	json_object_set_new(o, "applications", apps);
	for (size_t i = 0; i < h->ncounts; i++)
		json_array_append_new(counts, count_json(&h->counts[i]));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "emulator_signs", signs_json(h->signs));
	return o;
}

static json_t *
domain_json(const struct kd_site *s, const struct kd_site_domain *d)
{
	static const char *const status[] = {
		[KD_SITE_DNS_UNKNOWN] = "not_asked", [KD_SITE_DNS_FOUND] = "found",
		[KD_SITE_DNS_NONE] = "none", [KD_SITE_DNS_ERROR] = "error",
	};
	json_t *o = json_object(), *srv = json_array();
	char buf[300];

	json_object_set_new(o, "domain", jstr(d->name));
	json_object_set_new(o, "source", json_string(kd_src_format(d->src, buf,
	    sizeof(buf))));
	json_object_set_new(o, "status", json_string(status[d->status]));
	if (d->detail[0])
		json_object_set_new(o, "detail", jstr(d->detail));
	json_object_set_new(o, "client_domain", json_boolean(d->client_domain));
	for (size_t i = 0; i < d->nsrv; i++) {
		const struct kd_site_srv *r = &d->srv[i];
		json_t *ro = json_object(), *hosts = json_array();

		json_object_set_new(ro, "target", jstr(r->target));
		json_object_set_new(ro, "priority", json_integer(r->priority));
		json_object_set_new(ro, "weight", json_integer(r->weight));
		json_object_set_new(ro, "port", json_integer(r->port));
		json_object_set_new(ro, "ttl", json_integer(r->ttl));
		json_object_set_new(ro, "resolved", json_boolean(r->resolved));
		if (r->resolve_error[0])
			json_object_set_new(ro, "resolve_error", jstr(r->resolve_error));
		for (size_t a = 0; a < r->naddrs; a++)
			if (r->host[a] < s->nhosts)
				json_array_append_new(hosts, json_string(endpoint(
				    &s->hosts[r->host[a]], buf, sizeof(buf))));
		json_object_set_new(ro, "hosts", hosts);
		json_array_append_new(srv, ro);
	}
	json_object_set_new(o, "srv", srv);
	return o;
}

/* Clients listed in the JSON; the total is always given. */
#define JSON_MAX_CLIENTS	1000

static json_t *
client_json(const struct kd_site *s, const struct kd_site_client *c)
{
	static const char *const outcome[] = {
		[KD_OUT_NONE] = "none", [KD_OUT_ACTIVATES] = "activates",
		[KD_OUT_BELOW] = "below_threshold", [KD_OUT_REFUSED] = "refused",
		[KD_OUT_FAULT] = "fault", [KD_OUT_NO_RESPONSE] = "no_response",
		[KD_OUT_UNVERIFIED] = "unverified", [KD_OUT_UNDECODABLE] = "undecodable",
	};
	const struct kd_kmsid *ki = kd_kmsid_find(&c->kms_id);
	const struct kd_sku *sk = kd_sku_find(&c->sku_id);
	const char *ls = kd_license_status_name(c->license_status);
	json_t *o = json_object();
	char buf[300];

	json_object_set_new(o, "cmid", guid_json(&c->cmid));
	json_object_set_new(o, "workstation", jstr(c->workstation));
	if (c->nws > 1)
		json_object_set_new(o, "other_workstation", jstr(c->other_ws));
	json_object_set_new(o, "client", jstr(c->addr));
	json_object_set_new(o, "kms_id", guid_json(&c->kms_id));
	json_object_set_new(o, "product", sk ? json_string(sk->name) :
	    ki ? json_string(ki->name) : json_null());
	json_object_set_new(o, "license_status", ls ? json_string(ls) :
	    json_integer(c->license_status));
	kd_setf(buf, sizeof(buf), "%u.%u", c->major, c->minor);
	json_object_set_new(o, "protocol", json_string(buf));
	json_object_set_new(o, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(o, "host", c->host >= 0 && (size_t)c->host < s->nhosts ?
	    json_string(endpoint(&s->hosts[c->host], buf, sizeof(buf))) : json_null());
	json_object_set_new(o, "outcome", json_string(
	    (unsigned)c->outcome < sizeof(outcome) / sizeof(outcome[0]) ?
	    outcome[c->outcome] : "none"));
	if (c->outcome == KD_OUT_ACTIVATES || c->outcome == KD_OUT_BELOW)
		json_object_set_new(o, "count", json_integer(c->last_count));
	if (c->last_hresult != 0) {
		kd_setf(buf, sizeof(buf), "0x%08X", c->last_hresult);
		json_object_set_new(o, "hresult", json_string(buf));
	}
	if (c->skew_known)
		json_object_set_new(o, "clock_skew", json_integer((json_int_t)c->skew));
	json_object_set_new(o, "last_seen", json_string(kd_unix_format(c->last_seen,
	    buf, sizeof(buf))));
	return o;
}

json_t *
kd_site_json(const struct kd_site *s)
{
	json_t *o = json_object(), *hosts = json_array(), *domains = json_array();
	json_t *clients = json_array();
	size_t listed = 0, total = 0;
	char buf[64];

	if (o == NULL || hosts == NULL || domains == NULL || clients == NULL) {
		json_decref(o);
		json_decref(hosts);
		json_decref(domains);
		json_decref(clients);
		return NULL;
	}
	json_object_set_new(o, "type", json_string("site"));
	json_object_set_new(o, "sources", json_string(kd_src_format(s->sources, buf,
	    sizeof(buf))));
	for (size_t i = 0; i < s->nhosts; i++)
		json_array_append_new(hosts, host_json(&s->hosts[i]));
	json_object_set_new(o, "hosts", hosts);
	for (size_t i = 0; i < s->ndomains; i++)
		json_array_append_new(domains, domain_json(s, &s->domains[i]));
	json_object_set_new(o, "domains", domains);
	/* Our own probe is not a client of the site (rule 12). */
	for (size_t i = 0; i < s->nclients; i++) {
		if (s->clients[i].self)
			continue;
		total++;
		if (listed < JSON_MAX_CLIENTS) {
			json_array_append_new(clients, client_json(s, &s->clients[i]));
			listed++;
		}
	}
	json_object_set_new(o, "clients", clients);
	json_object_set_new(o, "clients_total", json_integer((json_int_t)total));
	json_object_set_new(o, "clients_dropped",
	    json_integer((json_int_t)s->clients_dropped));
	json_object_set_new(o, "exchanges_seen", json_integer((json_int_t)s->exchanges_seen));
	json_object_set_new(o, "other_traffic", json_integer((json_int_t)s->other_traffic));
	if (s->other_traffic_hint[0])
		json_object_set_new(o, "other_traffic_hint", jstr(s->other_traffic_hint));
	return o;
}
