/*
 * kmsdiag-dnscheck engine: validate the _vlmcs._tcp SRV records that KMS
 * clients use to find their host, for one or more DNS domains, against a
 * live server or a zone file.  Produces a kd_report; never prints, never
 * exits.  The dashboard links this file and calls dnscheck_run() in
 * process.
 *
 * Checks, per domain unless noted (ids are stable):
 *   srv_exists    the record exists; NXDOMAIN, NODATA, SERVFAIL, REFUSED,
 *                 malformed answer and timeout are told apart
 *   srv_name      exact name; near misses (_vlmcs._udp, missing underscore,
 *                 doubled domain, parent zone); targets expanded twice
 *   srv_ttl       TTL = expect_ttl (3600 s, 60 minutes)
 *   srv_port      port = expect_port (1688)
 *   srv_target    every target has A and/or AAAA, is not a CNAME, not "."
 *   srv_policy    how clients choose among several hosts (never an error)
 *   multi_domain  every domain given has its record (only with 2+ domains)
 *   probe.target  with opts.probe: one per SRV target address and port,
 *                 from the probe engine (probe/probe.h), run in process
 *                 after the DNS checks; facts as kmsdiag-probe --json, plus
 *                 domain/domains (the domains whose records lead there)
 *
 * Every lookup of every domain is in flight at once on one kd_loop (see
 * lib/dnslookup.h); one deadline per domain, timeout_ms after the start,
 * bounds all of that domain's lookups (SRV, every target, the near
 * misses), so a run takes about one timeout however many domains, targets
 * and nameservers there are.  A target named by several records or
 * domains is asked once.  Then the probe step, on the same loop (each
 * probe phase gets timeout_ms).
 * The probe uses the addresses the checks found: the server's answers, or
 * the zone file's A/AAAA records with --zone.  A target the zone cannot
 * tell about (outside it) is resolved by the system resolver.
 */
#ifndef DNSCHECK_H
#define DNSCHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define DNSCHECK_TOOL		"kmsdiag-dnscheck"
#define DNSCHECK_TTL		3600	/* the deployment guides' 60 minutes */
#define DNSCHECK_PORT		1688	/* KMS default (protocol doc 1.1) */

struct kd_site;

struct dnscheck_opts {
	const char *const	*domains;	/* none: resolv.conf search list, or the zone origin */
	size_t			 ndomains;
	const char		*server;	/* "ADDR[:PORT]"; NULL: resolv.conf nameservers */
	unsigned		 timeout_ms;	/* per domain, all its lookups */
	bool			 tcp;		/* TCP only */
	const char		*zone_file;	/* check this zone file instead of asking a server */
	const char		*origin;	/* the zone's name when the file does not say */
	const char		*resolv_conf;	/* NULL: /etc/resolv.conf */
	uint32_t		 expect_ttl;
	uint16_t		 expect_port;
	bool			 probe;		/* probe every SRV target (probe.target checks) */
	bool			 probe_tcp_only;	/* ... with a TCP connect only, no RPC bind */
	/* When set, the probe's results go into it too (dnscheck_site adds the DNS side). */
	struct kd_site		*site;
};

void	dnscheck_opts_init(struct dnscheck_opts *);
/*
 * Run every check and add them to report (initialised by the caller, with
 * tool DNSCHECK_TOOL).  Returns 0, or -1 when the checks could not run at
 * all (bad zone file, no domain to check); the report then holds one
 * UNKNOWN check that says why.  Blocking: a private loop around
 * dnscheck_start().
 */
int	dnscheck_run(const struct dnscheck_opts *, struct kd_report *);

/*
 * The same on the caller's loop, without blocking it (the dashboard).
 * done runs once, from the loop, when the report is complete (ret as
 * dnscheck_run's); the run has freed itself by then.  opts, the strings
 * it points to and report must live until then.  NULL: out of memory
 * (done is not called).  dnscheck_cancel() stops a run before done
 * without calling it; the checks added so far stay in the report.
 */
struct kd_loop;
struct dnscheck;
typedef void	dnscheck_done_cb(struct kd_report *, int ret, void *arg);
struct dnscheck	*dnscheck_start(const struct dnscheck_opts *, struct kd_report *,
		    struct kd_loop *, dnscheck_done_cb *, void *arg);
void		 dnscheck_cancel(struct dnscheck *);

/*
 * A line for the zone file, for nsupdate, and for dnscmd, describing the
 * SRV record _vlmcs._tcp.DOMAIN.  domain has no trailing dot requirement.
 */
void	dnscheck_zone_line(char *, size_t, const char *domain, uint32_t ttl,
	    unsigned prio, unsigned weight, unsigned port, const char *target);
void	dnscheck_nsupdate(char *, size_t, const char *verb, const char *domain,
	    uint32_t ttl, unsigned prio, unsigned weight, unsigned port,
	    const char *target);
void	dnscheck_dnscmd(char *, size_t, const char *verb, const char *domain,
	    uint32_t ttl, unsigned prio, unsigned weight, unsigned port,
	    const char *target);
/*
 * After the text report: the corrected records of each domain, once, as a
 * zone-file line, nsupdate and dnscmd commands (dnscheck/output.c).
 */
void	dnscheck_print_corrections(FILE *, const struct kd_report *);

/*
 * True when name ends in the same two or more labels twice
 * ("kms.example.com.example.com."): a relative name expanded with the
 * origin although it already held it.  *fixed gets the name without the
 * repeated part.
 */
bool	dnscheck_doubled_suffix(const char *name, char *fixed, size_t fixedlen);

/*
 * site.c: the report's domains, SRV records and findings into the site
 * model (zone: read from a zone file), for doctor and the dashboard; and
 * --probe's SRV port verdicts from the checklist engine.
 */
struct kd_site;
struct probe;
void	dnscheck_site(struct kd_site *, const struct kd_report *, bool zone);
void	dnscheck_probe_verdicts(struct kd_report *, const struct probe *, bool zone,
	    uint16_t default_port);

#endif
