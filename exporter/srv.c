/*
 * The srv module: the _vlmcs._tcp SRV record of one domain, checked by the
 * DNS engine of kmsdiag-dnscheck (records, TTL, name, targets), and with
 * probe_targets each target address probed on its record's port, so the
 * checklist engine can tell a legitimate non-default port from a wrong one.
 * The same path as dnscheck --probe, doctor and the dashboard.
 */
#include <stdio.h>
#include <string.h>

#include "../dnscheck/dnscheck.h"
#include "exporter.h"
#include "textf.h"

void
exp_check_srv(const struct exp_module *m, const char *domain, unsigned deadline_ms,
    struct kd_site *site, struct exp_result *res)
{
	struct dnscheck_opts o;
	struct kd_report rep;
	const char *domains[1] = { domain };
	unsigned t = m->timeout_ms;

	dnscheck_opts_init(&o);
	o.domains = domains;
	o.ndomains = 1;
	o.server = m->dns_server[0] != '\0' ? m->dns_server : NULL;
	/* One deadline for the lookups, then connect and bind: three in the scrape's. */
	if (t > deadline_ms / 3)
		t = deadline_ms / 3 > 0 ? deadline_ms / 3 : 1;
	o.timeout_ms = t;
	o.probe = m->probe_targets;
	o.site = site;
	kd_report_init(&rep, "kmsdiag-exporter");
	if (dnscheck_run(&o, &rep) != 0 || rep.oom) {
		const struct kd_check *c = rep.n > 0 ? &rep.checks[0] : NULL;

		kd_setf(res->error, sizeof(res->error), "domain %s: %s", domain,
		    c != NULL ? c->summary : "out of memory");
	} else
		dnscheck_site(site, &rep, false);
	for (size_t i = 0; i < site->ndomains; i++)
		site->domains[i].client_domain = true;
	kd_report_fini(&rep);
}
