/*
 * dnscheck's report in the site model: each domain with its status and SRV
 * records, each record's addresses linked to their hosts (kd_site_srv,
 * kd_site_srv_addr), and dnscheck's own findings about a record's name,
 * TTL and policy as observations.  The SRV port and target are not taken
 * over: the checklist engine judges them against what the probe proved.
 *
 * The DNS engine reports kd_checks, so this reads their facts; it is the
 * one place that does, shared by dnscheck --probe, the dashboard and
 * kmsdiag doctor.
 */
#include <string.h>

#include "report.h"
#include "site.h"
#include "textf.h"
#include "dnscheck.h"
#include "dnslookup.h"
#include "../probe/probesite.h"

static const char *
str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* The domain's check that says why a record's target has no address, if any. */
static const struct kd_check *
target_check(const struct kd_report *r, const char *domain)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].id, "srv_target") == 0 &&
		    strcmp(r->checks[i].subject, domain) == 0 &&
		    r->checks[i].verdict != KD_V_OK)
			return &r->checks[i];
	return NULL;
}

static void
domain(struct kd_site *s, const struct kd_report *r, const struct kd_check *c, unsigned src)
{
	const struct kd_check *tc = target_check(r, c->subject);
	json_t *recs = json_object_get(c->facts, "records"), *rec, *addr;
	char name[256];
	size_t k, a;
	long d;

	kd_setf(name, sizeof(name), "%s%s", c->subject, c->subject[0] != '\0' &&
	    c->subject[strlen(c->subject) - 1] == '.' ? "" : ".");
	if ((d = kd_site_domain(s, name, src)) < 0)
		return;
	s->domains[d].client_domain = true;
	s->domains[d].status = c->verdict == KD_V_OK ? KD_SITE_DNS_FOUND :
	    c->verdict == KD_V_FAIL ? KD_SITE_DNS_NONE : KD_SITE_DNS_ERROR;
	if (c->verdict != KD_V_OK)
		kd_setf(s->domains[d].detail, sizeof(s->domains[d].detail), "%s", c->summary);
	json_array_foreach(recs, k, rec) {
		json_t *addrs = json_object_get(rec, "addresses");
		long ri = kd_site_srv(s, d, str(rec, "target"),
		    (uint16_t)json_integer_value(json_object_get(rec, "priority")),
		    (uint16_t)json_integer_value(json_object_get(rec, "weight")),
		    (uint16_t)json_integer_value(json_object_get(rec, "port")),
		    (uint32_t)json_integer_value(json_object_get(rec, "ttl")));

		if (ri < 0)
			continue;
		json_array_foreach(addrs, a, addr)
			if (json_string_value(addr) != NULL)
				kd_site_srv_addr(s, d, ri, json_string_value(addr), src);
		/*
		 * No address from a live lookup: the target does not resolve.  A
		 * zone file does not hold names outside its zone: the probe
		 * resolves those (probe_add_site_targets).
		 */
		if (json_array_size(addrs) == 0 && src == KD_SRC_DNS) {
			struct kd_site_srv *sr = &s->domains[d].srv[ri];

			sr->resolved = true;
			if (tc != NULL)
				kd_setf(sr->resolve_error, sizeof(sr->resolve_error), "%s",
				    tc->summary);
		}
	}
}

/*
 * dnscheck's corrected record is right in every field by its own
 * expectations, port included: for a TTL finding it would also move a
 * record to 1688 where a host may answer on the published port.  The
 * engine judges the port; the TTL fix keeps each record's own port.
 */
static const char *
ttl_fix(const struct kd_check *c, char *buf, size_t len)
{
	json_t *rec;
	size_t k;

	if (strcmp(c->id, "srv_ttl") != 0 || c->verdict == KD_V_OK ||
	    json_array_size(json_object_get(c->facts, "records")) == 0)
		return c->fix;
	buf[0] = '\0';
	json_array_foreach(json_object_get(c->facts, "records"), k, rec)
		kd_appendf(buf, len, "%s%s 3600 IN SRV %d %d %d %s", k ? "; " : "",
		    str(rec, "name"), (int)json_integer_value(json_object_get(rec, "priority")),
		    (int)json_integer_value(json_object_get(rec, "weight")),
		    (int)json_integer_value(json_object_get(rec, "port")), str(rec, "target"));
	return buf;
}

void
dnscheck_site(struct kd_site *s, const struct kd_report *r, bool zone)
{
	unsigned src = zone ? KD_SRC_ZONE : KD_SRC_DNS;
	char fix[320];

	for (size_t i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		enum kd_item item = KD_ITEM_DNS;

		if (strcmp(c->id, "srv_exists") == 0 &&
		    json_object_get(c->facts, "records") != NULL) {
			domain(s, r, c, src);
			continue;
		}
		/* Judged by the engine from the records and the probe. */
		if (strcmp(c->id, "srv_port") == 0 || strcmp(c->id, "srv_target") == 0 ||
		    strncmp(c->id, "probe.", 6) == 0)
			continue;
		if (c->checklist[0] != '\0')
			(void)kd_item_parse(c->checklist, &item);
		kd_site_observe(s, item, c->verdict, strcmp(c->id, "srv_exists") == 0 ?
		    "dns_error" : c->id, c->subject, c->summary, ttl_fix(c, fix, sizeof(fix)),
		    c->facts ? json_deep_copy(c->facts) : NULL, src);
	}
	s->sources |= src;
}

/*
 * dnscheck --probe: the SRV port is judged by the checklist engine against
 * what the probe proved (kmsdiag(7), rule 2), as doctor and the dashboard
 * judge it.  Each domain's srv_port check takes the engine's worst SRV
 * finding for that domain: a port other than the default where a KMS host
 * answers passes with a note, and a corrected record that would move it to
 * a port no KMS host was shown to answer on is dropped.
 */
void
dnscheck_probe_verdicts(struct kd_report *r, const struct probe *p, bool zone,
    uint16_t default_port)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	size_t i, k;

	kd_site_init(&s);
	memset(&cl, 0, sizeof(cl));
	dnscheck_site(&s, r, zone);
	for (i = 0; i < probe_nresults(p); i++)
		probe_site_result(&s, probe_opts_of(p), probe_result_at(p, i), 0);
	memset(&jo, 0, sizeof(jo));
	jo.default_port = default_port;
	kd_site_judge(&s, &jo, &cl);
	for (i = 0; i < r->n; i++) {
		struct kd_check *c = &r->checks[i];
		const struct kd_finding *w = NULL;

		if (strcmp(c->id, "srv_port") != 0)
			continue;
		for (k = 0; k < cl.nfindings; k++) {
			const struct kd_finding *f = &cl.findings[k];

			if (f->item != KD_ITEM_DNS || f->domain < 0 ||
			    (strcmp(f->code, "srv_port") != 0 && strcmp(f->code, "srv") != 0) ||
			    !kd_dns_name_eq(s.domains[f->domain].name, c->subject))
				continue;
			if (w == NULL || kd_verdict_rank(f->verdict) > kd_verdict_rank(w->verdict))
				w = f;
		}
		if (w == NULL)
			continue;
		c->verdict = w->verdict;
		kd_setf(c->summary, sizeof(c->summary), "%s", w->summary);
		kd_setf(c->fix, sizeof(c->fix), "%s", w->fix);
		/* A corrected record may name the default port only where a KMS host answers there. */
		/*
		 * The corrected record is right in every field, port included:
		 * any check of this domain may carry it.
		 */
		for (k = 0; strstr(w->fix, "change the record's port") == NULL && k < r->n;
		    k++) {
			struct kd_check *o = &r->checks[k];

			if (o->facts == NULL || !kd_dns_name_eq(o->subject, c->subject))
				continue;
			json_object_del(o->facts, "zone_lines");
			json_object_del(o->facts, "nsupdate");
			json_object_del(o->facts, "dnscmd");
		}
		kd_check_str(c, "judged_by", "checklist engine, with the probe");
	}
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}
