/*
 * Non-blocking name resolution for the probe engine.  See resolve.h.
 *
 * glibc runs each getaddrinfo_a() request on a helper thread and writes
 * the answer into the caller's struct gaicb.  gai_cancel() only stops a
 * request that has not started, so a lookup given up while it runs (a
 * probe timeout shorter than the resolver's own, a cancelled or freed
 * probe) must stay allocated until the thread is done with it.  Such
 * lookups are parked on a list and freed by a later call; the list is
 * static so they stay reachable and leak checkers do not report them.
 */
#define _GNU_SOURCE	/* getaddrinfo_a, gai_error, gai_cancel */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "resolve.h"

struct probe_lookup {
	struct gaicb		 cb;
	struct addrinfo		 hints;
	char			 host[256];
	char			 port[8];
	struct probe_lookup	*next;		/* on the parked list */
};

static struct probe_lookup *parked;
static pthread_mutex_t parked_mu = PTHREAD_MUTEX_INITIALIZER;

static void
lookup_free(struct probe_lookup *lk)
{
	if (gai_error(&lk->cb) == 0 && lk->cb.ar_result != NULL)
		freeaddrinfo(lk->cb.ar_result);
	free(lk);
}

/* Free the parked lookups that have ended since they were parked. */
static void
reap_parked(void)
{
	struct probe_lookup **pp, *lk;

	pthread_mutex_lock(&parked_mu);
	for (pp = &parked; (lk = *pp) != NULL;) {
		if (gai_error(&lk->cb) == EAI_INPROGRESS) {
			pp = &lk->next;
			continue;
		}
		*pp = lk->next;
		lookup_free(lk);
	}
	pthread_mutex_unlock(&parked_mu);
}

struct probe_lookup *
probe_lookup_start(const char *host, uint16_t port, int family, int *gai_err)
{
	struct probe_lookup *lk;
	struct gaicb *list[1];
	struct sigevent sev;
	int rc;

	reap_parked();
	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		*gai_err = EAI_MEMORY;
		return NULL;
	}
	snprintf(lk->host, sizeof(lk->host), "%s", host);
	snprintf(lk->port, sizeof(lk->port), "%u", port);
	lk->hints.ai_family = family;
	lk->hints.ai_socktype = SOCK_STREAM;
	lk->hints.ai_protocol = IPPROTO_TCP;
	lk->cb.ar_name = lk->host;
	lk->cb.ar_service = lk->port;
	lk->cb.ar_request = &lk->hints;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;	/* polled: no signal, no notification thread */
	list[0] = &lk->cb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev)) != 0) {
		free(lk);
		*gai_err = rc;
		return NULL;
	}
	*gai_err = 0;
	return lk;
}

int
probe_lookup_poll(struct probe_lookup *lk, int *gai_err, const struct addrinfo **res)
{
	int rc = gai_error(&lk->cb);

	if (rc == EAI_INPROGRESS)
		return 1;
	*gai_err = rc;
	*res = rc == 0 ? lk->cb.ar_result : NULL;
	return 0;
}

void
probe_lookup_release(struct probe_lookup *lk)
{
	if (lk == NULL)
		return;
	if (gai_error(&lk->cb) == EAI_INPROGRESS && gai_cancel(&lk->cb) == EAI_NOTCANCELED) {
		pthread_mutex_lock(&parked_mu);
		lk->next = parked;
		parked = lk;
		pthread_mutex_unlock(&parked_mu);
	} else
		lookup_free(lk);
	reap_parked();
}
