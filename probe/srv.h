/*
 * --srv: find KMS hosts the way a domain-joined client does, from the
 * _vlmcs._tcp.DOMAIN SRV record, with the shared lib/dnslookup code.
 */
#ifndef KD_PROBE_SRV_H
#define KD_PROBE_SRV_H

#include <stddef.h>

#include "probe.h"

/*
 * Look up _vlmcs._tcp.DOMAIN for each domain (none: the search/domain
 * lines of /etc/resolv.conf), resolve each SRV target through the same DNS
 * server, and add every address to p.  A name that does not resolve is
 * added as a dns_error result.  server is "ADDR[:PORT]" or NULL.  Returns
 * -1 with msg set only when nothing can be looked up at all.  Blocking.
 */
int	probe_srv_add(struct probe *, const char *server, const char *const *domains,
	    size_t ndomains, char *msg, size_t msglen);

#endif
