/*
 * The client's DNS, checked in the same run: "nslookup finds the record"
 * is not "the client finds it".  The domains come from the evidence
 * (ipconfig's suffixes, the domain the host publishes in, slmgr's
 * /skms-domain); the _vlmcs._tcp SRV records are asked from a server or a
 * zone file (lib/dnslookup).  The lookups are the only I/O here; what they
 * mean is judged in report_dns() from the stored answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dnslookup.h"
#include "evidence_int.h"
#include "ev_set.h"
#include "textf.h"

static void
want(struct ev_set *s, const char *domain, bool client)
{
	size_t i;

	if (domain == NULL || domain[0] == '\0')
		return;
	for (i = 0; i < s->nsrv; i++)
		if (kd_dns_name_eq(s->srv[i].domain, domain)) {
			s->srv[i].client |= client;
			return;
		}
	if (s->nsrv == EV_MAX_SRV_DOMAINS)
		return;
	memset(&s->srv[s->nsrv], 0, sizeof(s->srv[0]));
	kd_setf(s->srv[s->nsrv].domain, sizeof(s->srv[0].domain), "%s", domain);
	s->srv[s->nsrv++].client = client;
}

void
ev_set_dns(struct ev_set *s, const struct kd_dns_opts *o)
{
	size_t i, k;

	for (i = 0; i < s->nnet; i++) {
		const struct ev_netcfg *n = &s->net[i];

		if (n->kind != EV_FMT_IPCONFIG)
			continue;
		want(s, n->primary_suffix, true);
		for (k = 0; k < n->nconn; k++)
			want(s, n->conn_suffix[k], true);
		for (k = 0; k < n->nsearch; k++)
			want(s, n->search[k], true);
	}
	for (i = 0; i < s->nslmgr; i++)
		for (k = 0; k < s->slmgr[i]->nblocks; k++)
			want(s, s->slmgr[i]->blocks[k].lookup_domain, true);
	for (i = 0; i < s->ndns; i++)
		want(s, s->dns[i].domain, false);
	for (i = 0; i < s->nsrv; i++) {
		struct ev_srvlook *l = &s->srv[i];
		struct kd_dns_result res;
		struct kd_diag d;
		char q[KD_DNS_TEXT_MAX];

		l->asked = true;
		if (kd_dns_vlmcs_name(l->domain, q, sizeof(q), &d) != KD_OK) {
			l->outcome = KD_DNS_ERROR;
			kd_setf(l->error, sizeof(l->error), "%s", d.msg);
			continue;
		}
		kd_dns_result_init(&res);
		kd_dns_query(o, q, KD_DNS_T_SRV, &res);
		l->outcome = res.outcome;
		if (res.outcome >= KD_DNS_MALFORMED)
			kd_setf(l->error, sizeof(l->error), "%s", res.diag.msg);
		for (k = 0; k < res.nrr && l->nrr < EV_MAX_SRV; k++) {
			const struct kd_dns_rr *rr = &res.rr[k];

			if (rr->type != KD_DNS_T_SRV)
				continue;
			kd_setf(l->rr[l->nrr].target, sizeof(l->rr[0].target), "%s", rr->data);
			l->rr[l->nrr].port = rr->port;
			l->rr[l->nrr].ttl = rr->ttl;
			l->nrr++;
		}
		kd_dns_result_fini(&res);
	}
}

int
ev_set_check_dns(struct ev_set *s, const char *server, const char *zone_file,
    const char *origin, char *err, size_t errlen)
{
	struct kd_dns_opts o;
	struct kd_dns_zone *z = NULL;
	struct kd_diag d;

	kd_dns_opts_init(&o);
	memset(&d, 0, sizeof(d));
	if (zone_file != NULL) {
		if ((z = kd_dns_zone_load(zone_file, origin, &d)) == NULL) {
			kd_setf(err, errlen, "%s", d.msg[0] ? d.msg : "cannot load the zone");
			return -1;
		}
		o.zone = z;
		kd_setf(s->dns_source, sizeof(s->dns_source), "zone %s", zone_file);
	} else {
		o.server = server;
		kd_setf(s->dns_source, sizeof(s->dns_source), "%s%s",
		    server ? "server " : "the system resolver", server ? server : "");
	}
	ev_set_dns(s, &o);
	s->dns_checked = true;
	kd_dns_zone_free(z);
	return 0;
}
