/*
 * Name resolution that never blocks the caller's loop: glibc's
 * getaddrinfo_a(3) with SIGEV_NONE, polled by the probe engine from a loop
 * timer.  No signals, no extra library (getaddrinfo_a is in libc since
 * glibc 2.34).  Only resolve.c sees the GNU extension.
 */
#ifndef KD_PROBE_RESOLVE_H
#define KD_PROBE_RESOLVE_H

#include <stdint.h>

#include <netdb.h>

struct probe_lookup;

/*
 * Start resolving host (a name, not a numeric address) for TCP port port
 * in family (AF_UNSPEC, AF_INET, AF_INET6).  NULL with *gai_err set (an
 * EAI_* code) when the request could not even be queued.
 */
struct probe_lookup	*probe_lookup_start(const char *host, uint16_t port, int family,
			    int *gai_err);
/*
 * 1 while the lookup runs; 0 when it ended, with *gai_err = 0 and *res the
 * answer (owned by the lookup: valid until probe_lookup_release), or
 * *gai_err an EAI_* code for gai_strerror().
 */
int			 probe_lookup_poll(struct probe_lookup *, int *gai_err,
			    const struct addrinfo **res);
/*
 * Give the lookup up, finished or not.  glibc may still be writing into a
 * running request, so one that cannot be cancelled is parked and freed by
 * a later call once it has ended.  NULL is a no-op.
 */
void			 probe_lookup_release(struct probe_lookup *);

#endif
