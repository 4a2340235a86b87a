/*
 * --srv: find KMS hosts the way a domain-joined client does, from the
 * _vlmcs._tcp.DOMAIN SRV record, with the shared lib/dnslookup code.
 */
#ifndef KD_PROBE_SRV_H
#define KD_PROBE_SRV_H

#include <stddef.h>

#include "probe.h"

struct kd_loop;

/*
 * Look up _vlmcs._tcp.DOMAIN for each domain (none: the search/domain
 * lines of /etc/resolv.conf), resolve each SRV target through the same DNS
 * server, and add every address to p, in domain order.  A name that does
 * not resolve is added as a dns_error result.  server is "ADDR[:PORT]" or
 * NULL.  All domains are looked up at once on loop (p's, not started yet),
 * bounded together by p's timeout; returns once all have answered or the
 * loop's watched flag is set (the unanswered domains are then dns_error).
 * Returns -1 with msg set only when nothing can be looked up at all.
 */
int	probe_srv_add(struct probe *, struct kd_loop *, const char *server,
	    const char *const *domains, size_t ndomains, char *msg, size_t msglen);

#endif
