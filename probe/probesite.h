/*
 * The probe's results in the site model (lib/site.h), and the site's SRV
 * records as probe targets: the one path from "SRV record" to "target" to
 * "what answered there" for every tool that probes (doctor, the dashboard,
 * dnscheck --probe).
 */
#ifndef KD_PROBESITE_H
#define KD_PROBESITE_H

#include <stdint.h>

#include "probe.h"
#include "site.h"

/*
 * Every SRV record of every domain in the site becomes targets: each
 * address the DNS gave (as target NAME, that port).  A record whose target
 * was not looked up (a zone file does not hold names outside its zone) is
 * added by name, so the probe resolves it.  Port 0 is never a target.
 * Returns the number of targets added.
 */
size_t	probe_add_site_targets(struct probe *, const struct kd_site *);

/*
 * One result into the site: the host at (address, port) with its
 * reachability, RPC state and, with --activate, the answer (kd_site_answer)
 * or why there was none (refusal, fault, integrity, no answer).  A result
 * for an SRV target added by name is linked to its record.  Returns the
 * host's index, or -1 (a name that never resolved has no host).
 */
long	probe_site_result(struct kd_site *, const struct probe_opts *,
	    const struct probe_result *, int64_t now);

/*
 * A run's results into the site, as the probe's --prometheus and the
 * exporter both need them: every result that has an address
 * (probe_site_result; a name that never resolved has no host).  Flags:
 * PROBE_SITE_DECLARED marks the hosts as named by the user (the exporter's
 * target), PROBE_SITE_DONE_ONLY leaves out results still in flight (a
 * deadline cut the run short).  hosts (probe_nresults entries, or NULL)
 * gets each result's host index or -1.
 */
#define PROBE_SITE_DECLARED	0x1
#define PROBE_SITE_DONE_ONLY	0x2
void	probe_site_fill(const struct probe *, struct kd_site *, int64_t now, unsigned flags,
	    long *hosts);
/*
 * A finished run as one site, judged the way its options ask (their
 * default port, whether an activation was sent): the probe's --prometheus.
 * Returns -1 out of memory.
 */
int	probe_site_judge(const struct probe *, struct kd_site *, struct kd_checklist *,
	    int64_t now);

/*
 * Was this result asked for by one of the specs ("HOST[:PORT]", as -H
 * takes them and slmgr /skms names a host)?  It is then declared, not only
 * found.
 */
bool	probe_site_declared(const struct probe_result *, const char *const *specs,
	    size_t nspecs, uint16_t default_port);

/* The product an activation request of these options asks for. */
const struct kd_sku *probe_site_product(const struct probe_opts *,
	    const struct probe_result *);

#endif
