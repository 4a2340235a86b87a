/*
 * --srv: SRV discovery for kmsdiag-probe.  See srv.h.
 *
 * Every domain's discovery (its SRV record, then the addresses of every
 * target) runs at once on the probe's kd_loop, all under one deadline, so
 * many domains or a slow server cost one timeout, not one per lookup.
 * What each domain found is held until all are in and then added in the
 * order the domains were given: the results read the same however the
 * answers raced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnslookup.h"
#include "loop.h"
#include "srv.h"

/* One result to add: an address to probe, or a name that gave none. */
struct found {
	char		*name;
	char		*text;		/* the address, or why there is none */
	uint16_t	 port;
	bool		 error;
};

struct srv_run;

struct domain {
	struct srv_run		*run;
	const char		*name;
	struct kd_dns_srvreq	*req;	/* NULL once answered */
	struct found		*f;
	size_t			 n, cap;
};

struct srv_run {
	int			 family;
	struct domain		*d;
	size_t			 nd;
	bool			 oom;
};

/* SRV targets are absolute ("kms1.example."); show them without the dot. */
static void
strip_dot(const char *in, char *out, size_t len)
{
	size_t n;

	snprintf(out, len, "%s", in);
	n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

static void
found_add(struct srv_run *run, struct domain *d, const char *name, const char *text,
    uint16_t port, bool error)
{
	struct found *f;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;

		if ((f = reallocarray(d->f, cap, sizeof(*f))) == NULL) {
			run->oom = true;
			return;
		}
		d->f = f;
		d->cap = cap;
	}
	f = &d->f[d->n];
	f->name = strdup(name);
	f->text = strdup(text);
	if (f->name == NULL || f->text == NULL) {
		free(f->name);
		free(f->text);
		run->oom = true;
		return;
	}
	f->port = port;
	f->error = error;
	d->n++;
}

static void
add_target(struct srv_run *run, struct domain *d, const struct kd_dns_srv_target *t)
{
	const struct kd_dns_result *res = &t->addrs;
	char name[KD_DNS_TEXT_MAX], why[2 * KD_DNS_TEXT_MAX + 256];
	size_t i, added = 0;

	strip_dot(t->srv->data, name, sizeof(name));
	if (res->outcome == KD_DNS_ANSWER) {
		for (i = 0; i < res->nrr; i++) {
			const struct kd_dns_rr *rr = &res->rr[i];

			if ((rr->type == KD_DNS_T_A && run->family != AF_INET6) ||
			    (rr->type == KD_DNS_T_AAAA && run->family != AF_INET)) {
				found_add(run, d, name, rr->data, t->srv->port, false);
				added++;
			}
		}
	}
	if (added > 0)
		return;
	if (res->outcome == KD_DNS_ANSWER)
		snprintf(why, sizeof(why), "SRV target %s has no address of the "
		    "family asked", name);
	else
		snprintf(why, sizeof(why), "SRV target %s does not resolve: %s%s%s",
		    name, kd_dns_outcome_name(res->outcome),
		    res->diag.msg[0] ? ": " : "", res->diag.msg);
	found_add(run, d, name, why, t->srv->port, true);
}

static void
on_srv(struct kd_dns_srv_result *r, void *arg)
{
	struct domain *d = arg;
	struct srv_run *run = d->run;
	char why[2 * KD_DNS_TEXT_MAX + 256];
	const struct kd_dns_rr *rr;
	size_t i;

	d->req = NULL;
	if (r->qname[0] == '\0') {
		snprintf(why, sizeof(why), "invalid domain: %s", r->srv.diag.msg);
		found_add(run, d, d->name, why, 0, true);
		return;
	}
	if (r->nt == 0) {
		strip_dot(r->qname, why, sizeof(why));
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    ": no SRV record (%s%s%s)", kd_dns_outcome_name(r->srv.outcome),
		    r->srv.diag.msg[0] ? ": " : "", r->srv.diag.msg);
		found_add(run, d, r->qname, why, 0, true);
		return;
	}
	for (i = 0; i < r->nt; i++) {
		rr = r->t[i].srv;
		if (rr->port == 0 || strcmp(rr->data, ".") == 0) {
			snprintf(why, sizeof(why), "SRV record %s %u %u %u %s is unusable",
			    r->qname, rr->priority, rr->weight, rr->port, rr->data);
			found_add(run, d, r->qname, why, rr->port, true);
			continue;
		}
		add_target(run, d, &r->t[i]);
	}
}

/*
 * Start every domain's discovery, run the loop until all are answered (or
 * the user interrupts), then add what was found in domain order.
 */
static int
discover(struct probe *p, struct kd_loop *loop, const struct kd_dns_opts *dopts,
    const char *const *domains, size_t n, char *msg, size_t msglen)
{
	struct srv_run run;
	struct kd_dns *dns;
	uint64_t deadline;
	size_t i, k;
	int rc = -1;

	memset(&run, 0, sizeof(run));
	run.family = probe_opts_of(p)->family;
	if ((run.d = calloc(n, sizeof(*run.d))) == NULL ||
	    (dns = kd_dns_new(loop, dopts)) == NULL) {
		free(run.d);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	run.nd = n;
	deadline = kd_now_ms() + dopts->timeout_ms;
	for (i = 0; i < n; i++) {
		run.d[i].run = &run;
		run.d[i].name = domains[i];
		if ((run.d[i].req = kd_dns_start_srv(dns, domains[i], deadline, on_srv,
		    &run.d[i])) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
	}
	while (kd_dns_pending(dns) > 0 && !kd_loop_stopped(loop))
		if (kd_loop_once(loop, -1) < 0) {
			snprintf(msg, msglen, "poll failed");
			goto out;
		}
	if (run.oom) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct domain *d = &run.d[i];

		/* Interrupted: the table shows which domains never answered. */
		if (d->req != NULL) {
			probe_add_error(p, d->name, 0, PROBE_DNS_ERROR,
			    "SRV lookup interrupted");
			continue;
		}
		for (k = 0; k < d->n; k++) {
			const struct found *f = &d->f[k];

			if (f->error)
				probe_add_error(p, f->name, f->port, PROBE_DNS_ERROR, f->text);
			else
				probe_add_numeric(p, f->name, f->text, f->port);
		}
	}
	rc = 0;
out:
	/* Cancels what is still in flight (interrupted) without calling back. */
	kd_dns_free(dns);
	for (i = 0; i < n; i++) {
		for (k = 0; k < run.d[i].n; k++) {
			free(run.d[i].f[k].name);
			free(run.d[i].f[k].text);
		}
		free(run.d[i].f);
	}
	free(run.d);
	return rc;
}

int
probe_srv_add(struct probe *p, struct kd_loop *loop, const char *server,
    const char *const *domains, size_t ndomains, char *msg, size_t msglen)
{
	struct kd_dns_opts dopts;
	struct kd_resolv_conf rc;
	struct kd_diag d;
	const char *search[KD_DNS_MAX_SEARCH];
	size_t i;

	kd_dns_opts_init(&dopts);
	dopts.server = server;
	dopts.timeout_ms = probe_opts_of(p)->timeout_ms;
	if (server != NULL) {
		char addr[64];
		uint16_t port;
		const char *err;

		if (!kd_dns_server_parse(server, addr, sizeof(addr), &port, &err)) {
			snprintf(msg, msglen, "DNS server %s: %s", server, err);
			return -1;
		}
	}
	if (ndomains > 0)
		return discover(p, loop, &dopts, domains, ndomains, msg, msglen);
	kd_diag_clear(&d);
	memset(&rc, 0, sizeof(rc));
	if (kd_dns_resolv_conf("/etc/resolv.conf", &rc, &d) != KD_OK || rc.nsearch == 0) {
		snprintf(msg, msglen, "no DOMAIN given and no search or domain line in "
		    "/etc/resolv.conf");
		return -1;
	}
	for (i = 0; i < rc.nsearch; i++)
		search[i] = rc.search[i];
	return discover(p, loop, &dopts, search, rc.nsearch, msg, msglen);
}
