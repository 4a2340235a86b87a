/*
 * Targets and lookups: "HOST[:PORT]" parsing, adding addresses and names
 * to a probe, and the background name lookups that turn a name into one
 * job per address, in target order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static bool
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *ep;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &ep, 10);
	if (errno != 0 || *ep != '\0' || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool
probe_parse_target(const char *spec, uint16_t default_port, char *host, size_t hostlen,
    uint16_t *port, const char **errstr)
{
	const char *h = spec, *colon, *hend;

	*port = default_port;
	if (spec == NULL || *spec == '\0') {
		*errstr = "empty target";
		return false;
	}
	if (*spec == '[') {
		const char *rb = strchr(spec, ']');

		if (rb == NULL) {
			*errstr = "missing ']'";
			return false;
		}
		h = spec + 1;
		hend = rb;
		if (rb[1] == ':') {
			if (!parse_port(rb + 2, port)) {
				*errstr = "invalid port";
				return false;
			}
		} else if (rb[1] != '\0') {
			*errstr = "junk after ']'";
			return false;
		}
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hend = colon;
		if (!parse_port(colon + 1, port)) {
			*errstr = "invalid port";
			return false;
		}
	} else {
		struct in6_addr a6;

		hend = spec + strlen(spec);	/* plain name, or a bare IPv6 literal */
		/* Two colons and not an address: "::1:1688" meant [::1]:1688. */
		if (colon != NULL && inet_pton(AF_INET6, spec, &a6) != 1) {
			*errstr = "not an IPv6 address; with a port, write [address]:port";
			return false;
		}
	}
	if (hend == h) {
		*errstr = "empty host";
		return false;
	}
	if ((size_t)(hend - h) >= hostlen) {
		*errstr = "host name too long";
		return false;
	}
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	return true;
}
/*
 * A new job at position pos of the target order (p->n: at the end).  The
 * public add functions only add before probe_start(); a name that resolves
 * later adds its addresses right after its own job.
 */
static struct job *
new_job_at(struct probe *p, size_t pos, const char *target)
{
	struct job *j;

	if (p->n >= PROBE_MAX_ADDRS)
		return NULL;
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct job **nj;

		if ((nj = realloc(p->jobs, ncap * sizeof(*nj))) == NULL)
			return NULL;
		p->jobs = nj;
		p->cap = ncap;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->p = p;
	j->fd = -1;
	j->conn_ms = -1;
	probe_scopy(j->r.target, sizeof(j->r.target), target);
	j->r.act.can_activate = -1;
	memmove(&p->jobs[pos + 1], &p->jobs[pos], (p->n - pos) * sizeof(*p->jobs));
	p->jobs[pos] = j;
	p->n++;
	return j;
}

static struct job *
new_job(struct probe *p, const char *target)
{
	return p->started ? NULL : new_job_at(p, p->n, target);
}

static void
set_addr(struct job *j, const struct sockaddr *sa, socklen_t salen)
{
	struct probe_result *r = &j->r;
	const void *a;

	memcpy(&j->sa, sa, salen);
	j->salen = salen;
	r->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		r->port = ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	} else {
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		r->port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	}
	inet_ntop(sa->sa_family, a, r->address, sizeof(r->address));
}

static bool
usable_addr(const struct sockaddr *sa, socklen_t salen)
{
	return salen <= sizeof(struct sockaddr_storage) &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
}

int
probe_add_addr(struct probe *p, const char *target, const struct sockaddr *sa,
    socklen_t salen)
{
	struct job *j;

	if (!usable_addr(sa, salen))
		return -1;
	if ((j = new_job(p, target)) == NULL)
		return -1;
	set_addr(j, sa, salen);
	return 0;
}

int
probe_add_numeric(struct probe *p, const char *target, const char *addr, uint16_t port)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		if (p->o.family == AF_INET6)
			return 1;
		s4.sin_family = AF_INET;
		s4.sin_port = htons(port);
		return probe_add_addr(p, target, (struct sockaddr *)&s4, sizeof(s4));
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		if (p->o.family == AF_INET)
			return 1;
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(port);
		return probe_add_addr(p, target, (struct sockaddr *)&s6, sizeof(s6));
	}
	return -1;
}

int
probe_add_error(struct probe *p, const char *target, uint16_t port, enum probe_state st,
    const char *detail)
{
	struct job *j = new_job(p, target);
	struct probe_result *r;

	if (j == NULL)
		return -1;
	r = &j->r;
	r->port = port;
	r->state = st;
	r->done = true;
	probe_scopy(r->detail, sizeof(r->detail), detail);
	return 0;
}

/* getaddrinfo may list one address twice (hosts file + DNS). */
static bool
seen_before(const struct addrinfo *list, const struct addrinfo *x)
{
	const struct addrinfo *y;

	for (y = list; y != x; y = y->ai_next)
		if (y->ai_addrlen == x->ai_addrlen &&
		    memcmp(y->ai_addr, x->ai_addr, x->ai_addrlen) == 0)
			return true;
	return false;
}

/* The state detail; names are up to 255 characters, so it may be cut. */
static void
detailf(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
detailf(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->r.detail, sizeof(j->r.detail), fmt, ap);
	va_end(ap);
}

static void
dns_failed(struct job *j, const char *host, int rc)
{
	detailf(j, "%s does not resolve: %s", host, gai_strerror(rc));
	j->r.state = PROBE_DNS_ERROR;
}

int
probe_add_target(struct probe *p, const char *spec, const char **errstr)
{
	char host[256], portstr[8];
	uint16_t port;
	struct addrinfo hints, *ai = NULL, *x;
	struct job *j;
	int rc;

	if (!probe_parse_target(spec, p->o.default_port, host, sizeof(host), &port, errstr))
		return -1;
	if (p->started) {
		*errstr = "probe already started";
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	/* A numeric address never waits for a resolver, so it needs no lookup. */
	if ((rc = getaddrinfo(host, portstr, &hints, &ai)) == 0) {
		freeaddrinfo(ai);
		ai = NULL;
		hints.ai_family = p->o.family;
		rc = getaddrinfo(host, portstr, &hints, &ai);
		if (rc == 0) {
			for (x = ai; x != NULL; x = x->ai_next) {
				if (seen_before(ai, x) || !usable_addr(x->ai_addr, x->ai_addrlen))
					continue;
				if (probe_add_addr(p, host, x->ai_addr, x->ai_addrlen) != 0) {
					freeaddrinfo(ai);
					*errstr = "too many addresses";
					return -1;
				}
			}
			freeaddrinfo(ai);
			return 0;
		}
	} else if (rc == EAI_NONAME) {
		/* A name: resolve it in the background, bounded by the timeout. */
		if ((j = new_job(p, host)) == NULL) {
			*errstr = p->n >= PROBE_MAX_ADDRS ? "too many addresses" : "out of memory";
			return -1;
		}
		j->r.port = port;
		j->t_lookup = kd_now_ns();
		if ((j->lookup = probe_lookup_start(host, port, p->o.family, &rc)) == NULL) {
			dns_failed(j, host, rc);
			j->r.done = true;
			return 0;
		}
		snprintf(j->r.detail, sizeof(j->r.detail), "resolving");
		p->nresolving++;
		return 0;
	}
	if (probe_add_error(p, host, port, PROBE_DNS_ERROR, "") != 0) {
		*errstr = "out of memory";
		return -1;
	}
	dns_failed(p->jobs[p->n - 1], host, rc);
	return 0;
}
/*
 * A name's lookup ended: the job takes the first address, further ones
 * become jobs right after it (so results stay in target order), and all
 * are queued.  Returns how many jobs were inserted.
 */
static size_t
expand(struct probe *p, size_t pos, const struct addrinfo *ai)
{
	struct job *j = p->jobs[pos], *nj;
	const struct addrinfo *x;
	size_t added = 0;
	bool first = true;

	for (x = ai; x != NULL; x = x->ai_next) {
		if (seen_before(ai, x) || !usable_addr(x->ai_addr, x->ai_addrlen))
			continue;
		if (first) {
			set_addr(j, x->ai_addr, x->ai_addrlen);
			first = false;
			continue;
		}
		/* Past PROBE_MAX_ADDRS or out of memory: probe the addresses we have. */
		if ((nj = new_job_at(p, pos + 1 + added, j->r.target)) == NULL)
			break;
		set_addr(nj, x->ai_addr, x->ai_addrlen);
		added++;
	}
	if (first) {
		detailf(j, "%s has no address of the family asked", j->r.target);
		j->r.state = PROBE_DNS_ERROR;
		probe_job_finished(j);
		return 0;
	}
	j->r.detail[0] = '\0';
	if (!probe_queue_reserve(p, p->n)) {
		size_t k;

		for (k = 0; k <= added; k++) {
			p->jobs[pos + k]->r.state = PROBE_ERROR;
			snprintf(p->jobs[pos + k]->r.detail, sizeof(j->r.detail),
			    "out of memory");
			probe_job_finished(p->jobs[pos + k]);
		}
		return added;
	}
	for (size_t k = 0; k <= added; k++)
		probe_enqueue(p, p->jobs[pos + k]);
	return added;
}

static const char *
family_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

static int
other_family(int af)
{
	return af == AF_INET6 ? AF_INET : AF_INET6;
}

/* Start the same lookup under the other family; false if it cannot start. */
static bool
retry_other(struct job *j, int *gerr)
{
	int rc;

	j->first_err = *gerr;
	j->next_lookup = probe_lookup_start(j->r.target, j->r.port,
	    other_family(j->p->o.family), &rc);
	if (j->next_lookup == NULL)
		return false;
	j->other_family = true;
	return true;
}

/*
 * Look at the running lookups.  getaddrinfo_a() was asked for no
 * notification (SIGEV_NONE: no signal, no thread of ours), so the loop
 * polls; a lookup still running at the probe timeout is a dns_error.
 */
int64_t
probe_poll_lookups(struct kd_loop *l, long id, void *arg)
{
	struct probe *p = arg;
	const struct addrinfo *ai;
	uint64_t now = kd_now_ns(), tmo = (uint64_t)p->o.timeout_ms * 1000000ULL;
	size_t i;
	int gerr;

	(void)l;
	(void)id;
	for (i = 0; i < p->n; i++) {
		struct job *j = p->jobs[i];

		if (j->lookup == NULL)
			continue;
		if (probe_lookup_poll(j->lookup, &gerr, &ai) != 0) {
			if (now - j->t_lookup < tmo)
				continue;
			probe_lookup_release(j->lookup);
			j->lookup = NULL;
			p->nresolving--;
			detailf(j, "%s does not resolve: timed out after %g s", j->r.target,
			    p->o.timeout_ms / 1000.0);
			j->r.state = PROBE_DNS_ERROR;
			probe_job_finished(j);
			continue;
		}
		if (j->other_family) {
			/* The name under the other family: say what -4/-6 excluded. */
			p->nresolving--;
			if (gerr == 0)
				detailf(j, "%s has no %s address, only %s: %s excludes it",
				    j->r.target, family_name(p->o.family),
				    family_name(other_family(p->o.family)),
				    p->o.family == AF_INET6 ? "-6" : "-4");
			else
				dns_failed(j, j->r.target, j->first_err);
			j->r.state = PROBE_DNS_ERROR;
			probe_job_finished(j);
		} else if (gerr == EAI_NONAME && p->o.family != AF_UNSPEC &&
		    retry_other(j, &gerr)) {
			/* glibc says "not known" either way: ask the other family. */
			probe_lookup_release(j->lookup);
			j->lookup = j->next_lookup;
			j->next_lookup = NULL;
			continue;
		} else {
			p->nresolving--;
			if (gerr != 0) {
				dns_failed(j, j->r.target, gerr);
				probe_job_finished(j);
			} else
				i += expand(p, i, ai);
		}
		probe_lookup_release(j->lookup);
		j->lookup = NULL;
	}
	probe_pump(p);
	probe_check_finished(p);
	if (p->nresolving > 0)
		return PROBE_RESOLVE_POLL_MS;
	p->resolve_timer = 0;
	return KD_NOMORE;
}
