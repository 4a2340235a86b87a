/*
 * The srv module: the _vlmcs._tcp SRV record of one domain into the site
 * model (records, TTLs, target addresses), and with probe_targets each
 * target address probed on the record's port, so the engine can judge the
 * port against what answers there.
 */
#include <stdio.h>
#include <string.h>

#include "dnslookup.h"
#include "exporter.h"
#include "loop.h"
#include "textf.h"
#include "../probe/probe.h"

static void
srv_addresses(const struct kd_dns_opts *dopt, struct kd_site *site, long d, long r,
    const char *target)
{
	struct kd_dns_result ar;
	struct kd_site_srv *sr;

	kd_dns_result_init(&ar);
	kd_dns_query_addrs(dopt, target, &ar);
	sr = &site->domains[d].srv[r];
	sr->resolved = true;
	if (ar.outcome != KD_DNS_ANSWER)
		snprintf(sr->resolve_error, sizeof(sr->resolve_error), "%s",
		    kd_dns_outcome_name(ar.outcome));
	for (size_t i = 0; i < ar.nrr; i++)
		if (ar.rr[i].type == KD_DNS_T_A || ar.rr[i].type == KD_DNS_T_AAAA)
			kd_site_srv_addr(site, d, r, ar.rr[i].data, KD_SRC_DNS);
	kd_dns_result_fini(&ar);
}

struct srv_run {
	struct kd_loop	*loop;
	struct probe	*probe;
};

static void
srv_done(struct probe *p, void *arg)
{
	(void)p;
	kd_loop_stop(((struct srv_run *)arg)->loop);
}

static int64_t
srv_deadline(struct kd_loop *l, long id, void *arg)
{
	(void)id;
	probe_cancel(((struct srv_run *)arg)->probe);
	kd_loop_stop(l);
	return KD_NOMORE;
}

/* Probe every host the SRV records led to, on the record's port. */
static void
srv_probe(const struct exp_module *m, unsigned deadline_ms, struct kd_site *site)
{
	struct probe_opts o;
	struct srv_run run = { 0 };

	probe_opts_init(&o);
	o.family = m->family;
	o.timeout_ms = m->timeout_ms < deadline_ms ? m->timeout_ms : deadline_ms;
	if ((run.loop = kd_loop_new()) == NULL || (run.probe = probe_new(&o, run.loop)) == NULL) {
		kd_loop_free(run.loop);
		return;
	}
	probe_set_callbacks(run.probe, NULL, srv_done, &run);
	for (size_t h = 0; h < site->nhosts; h++)
		/* Port 0 is a DNS finding, never a probe target. */
		if (site->hosts[h].addr[0] != '\0' && site->hosts[h].port != 0)
			probe_add_numeric(run.probe, site->hosts[h].nnames ?
			    site->hosts[h].names[0] : site->hosts[h].addr,
			    site->hosts[h].addr, site->hosts[h].port);
	kd_loop_add_timer(run.loop, deadline_ms, srv_deadline, &run);
	if (probe_nresults(run.probe) > 0 && probe_start(run.probe) == 0)
		kd_loop_run(run.loop);
	for (size_t i = 0; i < probe_nresults(run.probe); i++) {
		const struct probe_result *r = probe_result_at(run.probe, i);

		if (r->done)
			exp_site_add_probe(site, r, &o, 0, false);
	}
	probe_free(run.probe);
	kd_loop_free(run.loop);
}

void
exp_check_srv(const struct exp_module *m, const char *domain, unsigned deadline_ms,
    struct kd_site *site, struct exp_result *res)
{
	struct kd_dns_opts dopt;
	struct kd_dns_result sr;
	struct kd_diag diag;
	char qname[KD_DNS_TEXT_MAX];
	long d;
	uint64_t t0 = kd_now_ms();

	memset(&diag, 0, sizeof(diag));
	if (kd_dns_vlmcs_name(domain, qname, sizeof(qname), &diag) != KD_OK) {
		kd_setf(res->error, sizeof(res->error), "domain %s: %s", domain, diag.msg);
		return;
	}
	kd_dns_opts_init(&dopt);
	dopt.server = m->dns_server[0] ? m->dns_server : NULL;
	dopt.timeout_ms = m->timeout_ms < deadline_ms ? m->timeout_ms : deadline_ms;
	if ((d = kd_site_domain(site, qname + strlen("_vlmcs._tcp."), KD_SRC_DNS)) < 0) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	site->domains[d].client_domain = true;
	kd_dns_result_init(&sr);
	kd_dns_query(&dopt, qname, KD_DNS_T_SRV, &sr);
	switch (sr.outcome) {
	case KD_DNS_ANSWER:
		site->domains[d].status = KD_SITE_DNS_FOUND;
		break;
	case KD_DNS_NODATA:
	case KD_DNS_NXDOMAIN:
		site->domains[d].status = KD_SITE_DNS_NONE;
		kd_setf(site->domains[d].detail, sizeof(site->domains[d].detail),
		    "%s: %s", qname, kd_dns_outcome_name(sr.outcome));
		break;
	default:
		site->domains[d].status = KD_SITE_DNS_ERROR;
		kd_setf(site->domains[d].detail, sizeof(site->domains[d].detail),
		    "%s: %s", qname, kd_dns_outcome_name(sr.outcome));
		kd_setf(res->error, sizeof(res->error), "SRV lookup of %s: %s", qname,
		    kd_dns_outcome_name(sr.outcome));
		break;
	}
	for (size_t i = 0; i < sr.nrr; i++) {
		const struct kd_dns_rr *rr = &sr.rr[i];
		long r;

		if (rr->type != KD_DNS_T_SRV || !kd_dns_name_eq(rr->owner, qname))
			continue;
		r = kd_site_srv(site, d, rr->data, rr->priority, rr->weight, rr->port, rr->ttl);
		if (r < 0)
			continue;
		/* One deadline for the whole check: what is left of it. */
		if (kd_now_ms() - t0 >= deadline_ms)
			break;
		dopt.timeout_ms = (unsigned)(deadline_ms - (kd_now_ms() - t0));
		if (dopt.timeout_ms > m->timeout_ms)
			dopt.timeout_ms = m->timeout_ms;
		srv_addresses(&dopt, site, d, r, rr->data);
	}
	kd_dns_result_fini(&sr);
	if (m->probe_targets && kd_now_ms() - t0 < deadline_ms)
		srv_probe(m, (unsigned)(deadline_ms - (kd_now_ms() - t0)), site);
}
