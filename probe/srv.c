/*
 * --srv: SRV discovery for kmsdiag-probe.  See srv.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnslookup.h"
#include "srv.h"

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
add_host(struct probe *p, const struct kd_dns_opts *dopts, const char *host, uint16_t port)
{
	struct kd_dns_result res;
	char name[KD_DNS_TEXT_MAX];
	int family = probe_opts_of(p)->family;
	size_t i, added = 0;

	strip_dot(host, name, sizeof(name));
	kd_dns_result_init(&res);
	if (kd_dns_query_addrs(dopts, host, &res) == KD_OK && res.outcome == KD_DNS_ANSWER) {
		for (i = 0; i < res.nrr; i++) {
			const struct kd_dns_rr *rr = &res.rr[i];
			struct sockaddr_in s4;
			struct sockaddr_in6 s6;

			if (rr->type == KD_DNS_T_A && family != AF_INET6) {
				memset(&s4, 0, sizeof(s4));
				s4.sin_family = AF_INET;
				s4.sin_port = htons(port);
				if (inet_pton(AF_INET, rr->data, &s4.sin_addr) == 1 &&
				    probe_add_addr(p, name, (struct sockaddr *)&s4,
				    sizeof(s4)) == 0)
					added++;
			} else if (rr->type == KD_DNS_T_AAAA && family != AF_INET) {
				memset(&s6, 0, sizeof(s6));
				s6.sin6_family = AF_INET6;
				s6.sin6_port = htons(port);
				if (inet_pton(AF_INET6, rr->data, &s6.sin6_addr) == 1 &&
				    probe_add_addr(p, name, (struct sockaddr *)&s6,
				    sizeof(s6)) == 0)
					added++;
			}
		}
	}
	if (added == 0) {
		char why[2 * KD_DNS_TEXT_MAX + 256];

		if (res.outcome == KD_DNS_ANSWER)
			snprintf(why, sizeof(why), "SRV target %s has no address of the "
			    "family asked", name);
		else
			snprintf(why, sizeof(why), "SRV target %s does not resolve: %s%s%s",
			    name, kd_dns_outcome_name(res.outcome),
			    res.diag.msg[0] ? ": " : "", res.diag.msg);
		probe_add_error(p, name, port, PROBE_DNS_ERROR, why);
	}
	kd_dns_result_fini(&res);
}

static int
lookup_domain(struct probe *p, const struct kd_dns_opts *dopts, const char *domain)
{
	struct kd_dns_result res;
	struct kd_diag d;
	char qname[KD_DNS_TEXT_MAX], why[2 * KD_DNS_TEXT_MAX + 256];
	size_t i, nsrv = 0;

	kd_diag_clear(&d);
	if (kd_dns_vlmcs_name(domain, qname, sizeof(qname), &d) != KD_OK) {
		snprintf(why, sizeof(why), "invalid domain: %s", d.msg);
		probe_add_error(p, domain, 0, PROBE_DNS_ERROR, why);
		return 0;
	}
	kd_dns_result_init(&res);
	if (kd_dns_query(dopts, qname, KD_DNS_T_SRV, &res) == KD_OK &&
	    res.outcome == KD_DNS_ANSWER) {
		for (i = 0; i < res.nrr; i++) {
			if (res.rr[i].type != KD_DNS_T_SRV)
				continue;
			nsrv++;
			if (res.rr[i].port == 0 || strcmp(res.rr[i].data, ".") == 0) {
				snprintf(why, sizeof(why), "SRV record %s %u %u %u %s is "
				    "unusable", qname, res.rr[i].priority, res.rr[i].weight,
				    res.rr[i].port, res.rr[i].data);
				probe_add_error(p, qname, res.rr[i].port, PROBE_DNS_ERROR, why);
				continue;
			}
			add_host(p, dopts, res.rr[i].data, res.rr[i].port);
		}
	}
	if (nsrv == 0) {
		strip_dot(qname, why, sizeof(why));
		snprintf(why + strlen(why), sizeof(why) - strlen(why), ": no SRV record (%s%s%s)",
		    kd_dns_outcome_name(res.outcome), res.diag.msg[0] ? ": " : "",
		    res.diag.msg);
		probe_add_error(p, qname, 0, PROBE_DNS_ERROR, why);
	}
	kd_dns_result_fini(&res);
	return 0;
}

int
probe_srv_add(struct probe *p, const char *server, const char *const *domains,
    size_t ndomains, char *msg, size_t msglen)
{
	struct kd_dns_opts dopts;
	struct kd_resolv_conf rc;
	struct kd_diag d;
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
	if (ndomains > 0) {
		for (i = 0; i < ndomains; i++)
			lookup_domain(p, &dopts, domains[i]);
		return 0;
	}
	kd_diag_clear(&d);
	memset(&rc, 0, sizeof(rc));
	if (kd_dns_resolv_conf("/etc/resolv.conf", &rc, &d) != KD_OK || rc.nsearch == 0) {
		snprintf(msg, msglen, "no DOMAIN given and no search or domain line in "
		    "/etc/resolv.conf");
		return -1;
	}
	for (i = 0; i < rc.nsearch; i++)
		lookup_domain(p, &dopts, rc.search[i]);
	return 0;
}
