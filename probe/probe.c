/*
 * kmsdiag-probe engine.  See probe.h.
 *
 * Every address is a job.  A job makes opts.count attempts; an attempt is
 * a non-blocking connect, then (unless --tcp-only) a DCE/RPC bind for the
 * KMS interface, then (with --activate, once per address) one activation
 * request.  All jobs share one kd_loop; at most opts.parallel connections
 * are in flight.  Each phase has its own deadline of opts.timeout_ms.
 *
 * Every byte read from a socket goes through a kd_cur (style R1), cut
 * into PDUs by frag_length, and decoded by lib/dcerpc and lib/kms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/errqueue.h>

#include "cursor.h"
#include "dcerpc.h"
#include "kms.h"
#include "kmscrypto.h"
#include "kdlimits.h"
#include "probe.h"
#include "resolve.h"

/* The request is sent once; call ids as a Windows client numbers them (§2.10). */
#define PROBE_CALL_ID		2
#define PROBE_CTX_NDR		0
#define PROBE_CTX_NDR64		1
#define PROBE_DEFAULT_SKU	"73111121-5638-40f6-bc11-f1d7b0d64300"	/* Windows 10/11 Enterprise */
/* How often running name lookups are polled: small next to any timeout. */
#define PROBE_RESOLVE_POLL_MS	5

enum phase { PH_IDLE, PH_CONNECT, PH_BIND, PH_REQUEST };

/*
 * One address (or, while its name resolves, one name).  Jobs are allocated
 * one by one and never move: loop callbacks hold job pointers, and the
 * result inside stays valid for probe_result_at() callers while names
 * resolve and more jobs arrive.
 */
struct job {
	struct probe		*p;
	struct probe_result	 r;
	struct probe_lookup	*lookup;	/* name being resolved, NULL once known */
	uint64_t		 t_lookup;	/* when the lookup started */
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	unsigned		 attempt;	/* attempts started */
	int			 fd;
	enum phase		 ph;
	long			 timer;		/* phase deadline or next-attempt timer */
	uint64_t		 t_attempt, t_phase;
	uint8_t			*rbuf;		/* KD_MAX_RPC_FRAG, only while reading */
	size_t			 rlen;
	uint8_t			 wbuf[640];
	size_t			 wlen, woff;
	struct kms_request	 req;
	enum dcerpc_syntax	 syntax;	/* accepted for the request */
	uint16_t		 ctx_id;
	/* sums over attempts */
	double			 sum_connect, sum_rpc;
	unsigned		 n_rpc;
};

struct probe {
	struct probe_opts	 o;
	struct kd_loop		*loop;
	struct job		**jobs;		/* in target order; a name's addresses follow it */
	size_t			 n, cap;
	struct job		**queue;	/* ring: jobs ready to start an attempt */
	size_t			 qhead, qlen, qcap;
	size_t			 nresolving;	/* jobs whose name is still resolving */
	long			 resolve_timer;	/* polls the lookups while any runs */
	long			 done_timer;	/* on_done, from the loop */
	unsigned		 inflight, parallel;
	size_t			 ndone;
	bool			 started, cancelled, finished;
	probe_result_cb		*on_result;
	probe_done_cb		*on_done;
	void			*cbarg;
	struct kms_keys		 keys;
	const struct kd_sku	*product;
	char			 workstation[64];
};

static void	pump(struct probe *);

/* Copy with truncation; wire and user text may be longer than our fields. */
static void
scopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}
static void	end_attempt(struct job *, enum probe_state, int, const char *);

/* ---- pure helpers --------------------------------------------------- */

/*
 * The one errno -> reachability table (style R8).  tests/netns/run.sh
 * produces each row for real: RST, nftables drop, ICMP unreachable, no
 * route, and admin-prohibited.
 */
enum probe_state
probe_classify_errno(int err)
{
	switch (err) {
	case 0:
	case EISCONN:
		return PROBE_OPEN;
	case ECONNREFUSED:
	case ECONNRESET:
		return PROBE_REFUSED;
	case ETIMEDOUT:
		return PROBE_FILTERED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case EADDRNOTAVAIL:
	case ENETDOWN:
	case EPROTO:
		return PROBE_UNREACHABLE;
	case EACCES:	/* ICMP administratively prohibited, or local LSM policy */
	case EPERM:	/* a local firewall rule (netfilter OUTPUT reject/drop) */
		return PROBE_BLOCKED;
	default:
		return PROBE_ERROR;
	}
}

/*
 * The ICMP message behind a failed connect, when the kernel queued one
 * (IP_RECVERR): IPv4 reports "administratively prohibited" (type 3, codes
 * 9, 10, 13) as EHOSTUNREACH, so only the ICMP code tells a firewall's
 * reject from a missing route.  Returns PROBE_PENDING when the message
 * does not change the errno's verdict.
 */
enum probe_state
probe_classify_icmp(int family, unsigned type, unsigned code)
{
	if (family == AF_INET && type == 3) {
		if (code == 9 || code == 10 || code == 13)
			return PROBE_BLOCKED;
		if (code == 2 || code == 3)
			return PROBE_REFUSED;	/* protocol/port unreachable */
		return PROBE_UNREACHABLE;
	}
	if (family == AF_INET6 && type == 1) {
		if (code == 1 || code == 5 || code == 6)
			return PROBE_BLOCKED;	/* admin prohibited, policy, reject route */
		if (code == 4)
			return PROBE_REFUSED;
		return PROBE_UNREACHABLE;
	}
	return PROBE_PENDING;
}

/* Read the queued ICMP error of a failed connect into a detail line. */
static enum probe_state
read_icmp(struct job *j, char *detail, size_t len)
{
	union {
		char		buf[512];
		struct cmsghdr	align;
	} cb;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	char dummy[64], addr[64];

	memset(&m, 0, sizeof(m));
	iov.iov_base = dummy;
	iov.iov_len = sizeof(dummy);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cb.buf;
	m.msg_controllen = sizeof(cb.buf);
	if (recvmsg(j->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return PROBE_PENDING;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		struct sock_extended_err ee;
		const struct sockaddr *off;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		addr[0] = '\0';
		off = SO_EE_OFFENDER((struct sock_extended_err *)(void *)CMSG_DATA(c));
		if (c->cmsg_len >= CMSG_LEN(sizeof(ee) + sizeof(struct sockaddr_in6)) ||
		    (off->sa_family == AF_INET && c->cmsg_len >= CMSG_LEN(sizeof(ee) +
		    sizeof(struct sockaddr_in)))) {
			if (off->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
				    off)->sin_addr, addr, sizeof(addr));
			else if (off->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
				    off)->sin6_addr, addr, sizeof(addr));
		}
		snprintf(detail, len, "%s (ICMP%s type %u code %u%s%s)", strerror((int)ee.ee_errno),
		    ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? "v6" : "", ee.ee_type, ee.ee_code,
		    addr[0] ? " from " : "", addr);
		return probe_classify_icmp(ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? AF_INET6 :
		    AF_INET, ee.ee_type, ee.ee_code);
	}
	return PROBE_PENDING;
}

const char *
probe_state_name(enum probe_state s)
{
	static const char *const names[] = {
		"pending", "open", "refused", "filtered", "unreachable",
		"blocked", "dns_error", "error"
	};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "error";
}

const char *
probe_rpc_name(enum probe_rpc r)
{
	static const char *const names[] = {
		"none", "kms", "rejected", "not_rpc", "silent"
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}

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

bool
probe_machine_cmid(const char *path, struct kd_guid *out)
{
	static const char tag[] = "kmsdiag-probe cmid v1:";
	char buf[256], msg[sizeof(tag) + sizeof(buf)];
	uint8_t h[32];
	size_t n, s = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (s < n && (buf[s] == ' ' || buf[s] == '\t' || buf[s] == '\n' || buf[s] == '\r'))
		s++;
	while (n > s && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\n' ||
	    buf[n - 1] == '\r'))
		n--;
	if (n == s)
		return false;
	/*
	 * Hash with a tag rather than use machine-id itself: machine-id(5)
	 * asks applications not to expose the raw ID on the network.
	 */
	memcpy(msg, tag, sizeof(tag) - 1);
	memcpy(msg + sizeof(tag) - 1, buf + s, n - s);
	kms_sha256(msg, sizeof(tag) - 1 + (n - s), h);
	memcpy(out->b, h, 16);
	out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x40);	/* version 4 */
	out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	return true;
}

void
probe_opts_init(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->default_port = PROBE_DEFAULT_PORT;
	o->timeout_ms = PROBE_DEFAULT_TIMEOUT;
	o->count = 1;
	o->interval_ms = 1000;
	o->parallel = PROBE_DEFAULT_PARALLEL;
	o->protocol = 6;
}

/* ---- engine --------------------------------------------------------- */

struct probe *
probe_new(const struct probe_opts *o, struct kd_loop *loop)
{
	struct probe *p;
	struct kd_guid g;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->o = *o;
	if (p->o.default_port == 0)
		p->o.default_port = PROBE_DEFAULT_PORT;
	if (p->o.timeout_ms == 0)
		p->o.timeout_ms = PROBE_DEFAULT_TIMEOUT;
	if (p->o.count == 0)
		p->o.count = 1;
	if (p->o.parallel == 0)
		p->o.parallel = PROBE_DEFAULT_PARALLEL;
	if (p->o.protocol == 0)
		p->o.protocol = 6;
	p->parallel = p->o.parallel;
	p->loop = loop;
	p->product = o->product;
	if (p->product == NULL && kd_guid_parse(&g, PROBE_DEFAULT_SKU))
		p->product = kd_sku_find(&g);
	if (o->workstation != NULL)
		snprintf(p->workstation, sizeof(p->workstation), "%s", o->workstation);
	else if (gethostname(p->workstation, sizeof(p->workstation)) != 0 ||
	    p->workstation[0] == '\0')
		snprintf(p->workstation, sizeof(p->workstation), "kmsdiag-probe");
	p->workstation[sizeof(p->workstation) - 1] = '\0';
	if (o->activate)
		kms_keys_init(&p->keys);
	return p;
}

static void
close_conn(struct job *j)
{
	struct probe *p = j->p;

	if (j->timer > 0)
		kd_loop_del_timer(p->loop, j->timer);
	j->timer = 0;
	if (j->fd >= 0) {
		kd_loop_del_fd(p->loop, j->fd);
		close(j->fd);
		j->fd = -1;
	}
	free(j->rbuf);
	j->rbuf = NULL;
	j->rlen = j->wlen = j->woff = 0;
	j->ph = PH_IDLE;
}

void
probe_free(struct probe *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		close_conn(p->jobs[i]);
		probe_lookup_release(p->jobs[i]->lookup);
		free(p->jobs[i]);
	}
	if (p->resolve_timer > 0)
		kd_loop_del_timer(p->loop, p->resolve_timer);
	if (p->done_timer > 0)
		kd_loop_del_timer(p->loop, p->done_timer);
	free(p->jobs);
	free(p->queue);
	free(p);
}

void
probe_set_callbacks(struct probe *p, probe_result_cb *r, probe_done_cb *d, void *arg)
{
	p->on_result = r;
	p->on_done = d;
	p->cbarg = arg;
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
	scopy(j->r.target, sizeof(j->r.target), target);
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
	scopy(r->detail, sizeof(r->detail), detail);
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

size_t
probe_nresults(const struct probe *p)
{
	return p->n;
}

const struct probe_opts *
probe_opts_of(const struct probe *p)
{
	return &p->o;
}

const struct probe_result *
probe_result_at(const struct probe *p, size_t i)
{
	return i < p->n ? &p->jobs[i]->r : NULL;
}

bool
probe_finished(const struct probe *p)
{
	return p->finished;
}

static int64_t
fire_done(struct kd_loop *l, long id, void *arg)
{
	struct probe *p = arg;

	(void)l;
	(void)id;
	p->done_timer = 0;
	if (p->on_done != NULL)
		p->on_done(p, p->cbarg);
	return KD_NOMORE;
}

static void
check_finished(struct probe *p)
{
	if (p->ndone == p->n && p->nresolving == 0 && !p->finished) {
		p->finished = true;
		p->done_timer = kd_loop_add_timer(p->loop, 0, fire_done, p);
	}
}

static void
job_finished(struct job *j)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;

	r->done = true;
	if (r->received > 0) {
		r->connect_ms = j->sum_connect / r->received;
		r->state = PROBE_OPEN;
	}
	if (j->n_rpc > 0)
		r->rpc_ms = j->sum_rpc / j->n_rpc;
	probe_verdict(&p->o, r);
	p->ndone++;
	if (p->on_result != NULL)
		p->on_result(p, r, p->cbarg);
	check_finished(p);
}

/*
 * Room in the ring for need jobs.  A job is in the ring at most once, so
 * need = p->n makes every later enqueue() succeed.
 */
static bool
queue_reserve(struct probe *p, size_t need)
{
	struct job **nq;
	size_t i, ncap;

	if (need <= p->qcap)
		return true;
	ncap = p->qcap ? p->qcap : 16;
	while (ncap < need)
		ncap *= 2;
	if ((nq = calloc(ncap, sizeof(*nq))) == NULL)
		return false;
	for (i = 0; i < p->qlen; i++)
		nq[i] = p->queue[(p->qhead + i) % p->qcap];
	free(p->queue);
	p->queue = nq;
	p->qcap = ncap;
	p->qhead = 0;
	return true;
}

static void
enqueue(struct probe *p, struct job *j)
{
	p->queue[(p->qhead + p->qlen) % p->qcap] = j;
	p->qlen++;
}

/* Back to the head of the ring: it goes first when descriptors free up. */
static void
requeue_front(struct probe *p, struct job *j)
{
	p->qhead = (p->qhead + p->qcap - 1) % p->qcap;
	p->queue[p->qhead] = j;
	p->qlen++;
}

static int64_t
next_attempt(struct kd_loop *l, long id, void *arg)
{
	struct job *j = arg;

	(void)l;
	(void)id;
	j->timer = 0;
	enqueue(j->p, j);
	pump(j->p);
	return KD_NOMORE;
}

static int64_t on_deadline(struct kd_loop *, long, void *);

static void
set_deadline(struct job *j)
{
	if (j->timer > 0)
		kd_loop_del_timer(j->p->loop, j->timer);
	j->t_phase = kd_now_ns();
	j->timer = kd_loop_add_timer(j->p->loop, j->p->o.timeout_ms, on_deadline, j);
}

static double
ms_since(uint64_t t)
{
	return (double)(kd_now_ns() - t) / 1e6;
}

/* Record the RPC outcome of this attempt and close it. */
static void
rpc_outcome(struct job *j, enum probe_rpc rpc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
rpc_outcome(struct job *j, enum probe_rpc rpc, const char *fmt, ...)
{
	struct probe_result *r = &j->r;
	va_list ap;

	r->rpc = rpc;
	va_start(ap, fmt);
	vsnprintf(r->rpc_detail, sizeof(r->rpc_detail), fmt, ap);
	va_end(ap);
	end_attempt(j, PROBE_OPEN, 0, NULL);
}

static void
act_error(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
act_error(struct job *j, const char *fmt, ...)
{
	struct probe_activation *a = &j->r.act;
	va_list ap;

	a->done = true;
	a->ms = ms_since(j->t_phase);
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	end_attempt(j, PROBE_OPEN, 0, NULL);
}

static int
flush_out(struct job *j)
{
	while (j->woff < j->wlen) {
		ssize_t n = send(j->fd, j->wbuf + j->woff, j->wlen - j->woff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return -1;
		}
		j->woff += (size_t)n;
	}
	kd_loop_mod_fd(j->p->loop, j->fd, j->woff < j->wlen ? POLLIN | POLLOUT : POLLIN);
	return 0;
}

static void
send_bind(struct job *j)
{
	struct dcerpc_bind_spec s;

	memset(&s, 0, sizeof(s));
	s.call_id = PROBE_CALL_ID;
	s.ndr = s.ndr64 = s.btfn = true;	/* as Windows 8 and later offer (§2.5) */
	j->wlen = dcerpc_encode_bind(j->wbuf, sizeof(j->wbuf), &s);
	j->woff = 0;
	j->rlen = 0;
	j->ph = PH_BIND;
	if (j->rbuf == NULL && (j->rbuf = malloc(KD_MAX_RPC_FRAG)) == NULL) {
		end_attempt(j, PROBE_ERROR, ENOMEM, "out of memory");
		return;
	}
	set_deadline(j);
	if (j->wlen == 0 || flush_out(j) != 0)
		rpc_outcome(j, PROBE_RPC_SILENT, "could not send the bind: %s", strerror(errno));
}

static uint64_t
filetime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);	/* a timestamp for the host, not a timer */
	return kd_filetime_from_unix(ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000));
}

static void
random_bytes(uint8_t *b, size_t n)
{
	size_t i;

	if (getrandom(b, n, 0) == (ssize_t)n)
		return;
	for (i = 0; i < n; i++)	/* only the IV: unpredictability is not security here */
		b[i] = (uint8_t)(kd_now_ns() >> ((i % 8) * 8)) ^ (uint8_t)i;
}

static void
send_request(struct job *j)
{
	struct probe *p = j->p;
	struct probe_activation *a = &j->r.act;
	const struct kd_kmsid *kid;
	struct kms_request rq;
	struct kd_diag d;
	uint8_t msg[KMS_V56_REQ_LEN], stub[KMS_V56_REQ_LEN + 32], iv[16];
	size_t mlen, slen;

	memset(&rq, 0, sizeof(rq));
	rq.major = (uint16_t)p->o.protocol;
	rq.minor = 0;
	rq.license_status = 2;			/* initial grace: not activated yet */
	rq.binding_expiration = 43200;		/* minutes of grace left: 30 days */
	if (p->product != NULL) {
		rq.app_id = p->product->app_id;
		rq.sku_id = p->product->id;
		rq.kms_id = p->product->kms_id;
		snprintf(a->product, sizeof(a->product), "%s", p->product->name);
	}
	kid = p->product ? kd_kmsid_find(&p->product->kms_id) : NULL;
	rq.required_count = kid && kid->min_clients ? kid->min_clients : 25;
	rq.cmid = p->o.cmid;
	rq.client_time = filetime_now();
	snprintf(rq.workstation, sizeof(rq.workstation), "%s", p->workstation);
	random_bytes(iv, sizeof(iv));
	a->protocol = p->o.protocol;
	a->required_count = rq.required_count;
	kd_guid_format(&rq.cmid, a->cmid);
	snprintf(a->syntax, sizeof(a->syntax), "%s", dcerpc_syntax_name(j->syntax));

	mlen = kms_encode_request(&p->keys, msg, sizeof(msg), &rq, iv);
	/* Decode our own request: it fills DIVreq, which verifying the answer needs. */
	kd_diag_clear(&d);
	if (mlen == 0 || kms_decode_request(&p->keys, msg, mlen, &j->req, &d) != KD_OK) {
		j->t_phase = kd_now_ns();
		act_error(j, "could not build the activation request");
		return;
	}
	slen = kms_stub_wrap_request(stub, sizeof(stub), j->syntax, msg, mlen);
	j->wlen = slen ? dcerpc_encode_request(j->wbuf, sizeof(j->wbuf), PROBE_CALL_ID,
	    j->ctx_id, 0, stub, slen) : 0;
	j->woff = 0;
	j->rlen = 0;
	j->ph = PH_REQUEST;
	set_deadline(j);
	if (j->wlen == 0) {
		act_error(j, "could not build the activation request");
		return;
	}
	if (flush_out(j) != 0)
		act_error(j, "could not send the activation request: %s", strerror(errno));
}

static void
hexprefix(const uint8_t *b, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && i < 8 && o + 3 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%02x", b[i]);
}

static void
handle_bind_answer(struct job *j, const struct dcerpc_hdr *h, struct kd_cur *pdu)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;
	struct kd_diag d;
	double rtt = ms_since(j->t_phase);

	kd_diag_clear(&d);
	r->rpc_ms = rtt;
	j->sum_rpc += rtt;
	j->n_rpc++;
	if (h->ptype == DCERPC_BIND_ACK) {
		struct dcerpc_bind_ack a;
		const struct dcerpc_result *rej = NULL;
		bool ndr = false, ndr64 = false;
		unsigned i;

		if (dcerpc_decode_bind_ack(pdu, h, &a, &d) != KD_OK) {
			rpc_outcome(j, PROBE_RPC_NOT_RPC, "malformed bind_ack: %s", d.msg);
			return;
		}
		/* Results come in the order offered: NDR, NDR64, BTFN. */
		for (i = 0; i < a.n_kept && i < 2; i++) {
			if (a.res[i].result == 0) {
				if (i == 0)
					ndr = true;
				else
					ndr64 = true;
			} else if (rej == NULL)
				rej = &a.res[i];
		}
		if (!ndr && !ndr64) {
			if (rej != NULL)
				rpc_outcome(j, PROBE_RPC_REJECTED,
				    "bind_ack refused the KMS interface: %s, %s",
				    dcerpc_result_name(rej->result),
				    dcerpc_reason_name(rej->reason));
			else
				rpc_outcome(j, PROBE_RPC_REJECTED,
				    "bind_ack with no result for the KMS interface");
			return;
		}
		j->syntax = ndr ? SYNTAX_NDR : SYNTAX_NDR64;
		j->ctx_id = ndr ? PROBE_CTX_NDR : PROBE_CTX_NDR64;
		r->rpc = PROBE_RPC_KMS;
		snprintf(r->rpc_syntax, sizeof(r->rpc_syntax), "%s",
		    ndr && ndr64 ? "NDR+NDR64" : ndr ? "NDR" : "NDR64");
		snprintf(r->rpc_detail, sizeof(r->rpc_detail),
		    "bind accepted for the KMS interface (%s), secondary address \"%s\"",
		    r->rpc_syntax, a.sec_addr);
		if (p->o.activate && !r->act.done) {
			send_request(j);
			return;
		}
		end_attempt(j, PROBE_OPEN, 0, NULL);
	} else if (h->ptype == DCERPC_BIND_NAK) {
		struct dcerpc_bind_nak n;

		if (dcerpc_decode_bind_nak(pdu, h, &n, &d) != KD_OK)
			rpc_outcome(j, PROBE_RPC_REJECTED, "bind_nak (malformed: %s)", d.msg);
		else
			rpc_outcome(j, PROBE_RPC_REJECTED, "bind_nak: %s (reason %u)",
			    dcerpc_nak_reason_name(n.reason), n.reason);
	} else if (h->ptype == DCERPC_FAULT) {
		struct dcerpc_call c;
		const char *name;

		if (dcerpc_decode_call(pdu, h, &c, &d) != KD_OK) {
			rpc_outcome(j, PROBE_RPC_REJECTED, "fault (malformed: %s)", d.msg);
			return;
		}
		name = dcerpc_fault_name(c.status);
		rpc_outcome(j, PROBE_RPC_REJECTED, "fault 0x%08x%s%s%s in answer to the bind",
		    c.status, name ? " (" : "", name ? name : "", name ? ")" : "");
	} else
		rpc_outcome(j, PROBE_RPC_NOT_RPC, "unexpected DCE/RPC %s in answer to the bind",
		    dcerpc_ptype_name(h->ptype));
}

static void
fill_activation(struct job *j, const struct kms_response *resp)
{
	struct probe *p = j->p;
	struct probe_activation *a = &j->r.act;
	struct kms_epid e;

	a->answered = true;
	a->count = resp->count;
	a->activation_interval = resp->activation_interval;
	a->renewal_interval = resp->renewal_interval;
	snprintf(a->epid, sizeof(a->epid), "%s", resp->epid);
	a->verified = resp->verified;
	snprintf(a->verify_detail, sizeof(a->verify_detail), "%s", resp->verify_detail);
	if (kms_epid_parse(resp->epid, &e) && e.valid) {
		const struct kd_osbuild *ob = kd_osbuild_find(e.build);
		const struct kd_hostkey *hk = kd_hostkey_find(e.group, e.key_id);

		a->epid_valid = true;
		a->host_build = e.build;
		a->key_group = e.group;
		a->key_id = e.key_id;
		if (!kms_epid_date(&e, a->key_date, sizeof(a->key_date)))
			a->key_date[0] = '\0';
		if (ob != NULL)
			snprintf(a->host_os, sizeof(a->host_os), "%s", ob->os_name);
		if (hk != NULL) {
			snprintf(a->host_key, sizeof(a->host_key), "%s", hk->name);
			if (p->product != NULL)
				a->can_activate = kd_hostkey_activates(hk, &p->product->kms_id);
		}
	}
}

static void
handle_request_answer(struct job *j, const struct dcerpc_hdr *h, struct kd_cur *pdu)
{
	struct probe *p = j->p;
	struct probe_activation *a = &j->r.act;
	struct dcerpc_call c;
	struct kd_cur stub;
	struct kd_diag d;
	struct kms_response resp;
	size_t moff, mlen;
	uint32_t hr;

	kd_diag_clear(&d);
	if (h->ptype == DCERPC_FAULT) {
		const char *name;

		if (dcerpc_decode_call(pdu, h, &c, &d) != KD_OK) {
			act_error(j, "malformed fault: %s", d.msg);
			return;
		}
		a->fault = c.status;
		name = dcerpc_fault_name(c.status);
		act_error(j, "RPC fault 0x%08x%s%s%s", c.status, name ? " (" : "",
		    name ? name : "", name ? ")" : "");
		return;
	}
	if (h->ptype != DCERPC_RESPONSE) {
		act_error(j, "unexpected %s in answer to the request",
		    dcerpc_ptype_name(h->ptype));
		return;
	}
	if (dcerpc_decode_call(pdu, h, &c, &d) != KD_OK) {
		act_error(j, "malformed response: %s", d.msg);
		return;
	}
	if (!(h->flags & PFC_LAST_FRAG)) {
		act_error(j, "fragmented response (not sent by KMS hosts; not reassembled)");
		return;
	}
	/* A cursor over just the stub; offsets stay relative to the PDU. */
	kd_cur_init(&stub, j->rbuf + c.stub_off, c.stub_len);
	if (kms_stub_unwrap_response(&stub, j->syntax, &moff, &mlen, &hr, &d) != KD_OK) {
		act_error(j, "malformed response stub: %s", d.msg);
		return;
	}
	a->hresult = hr;
	if (hr != 0) {
		const struct kd_errcode *ec = kd_err_find(hr);

		act_error(j, "the host refused the request: HRESULT 0x%08X%s%s", hr,
		    ec ? " " : "", ec ? ec->name : "");
		return;
	}
	if (mlen == 0) {
		act_error(j, "response without a KMS message");
		return;
	}
	memset(&resp, 0, sizeof(resp));
	if (kms_decode_response(&p->keys, j->rbuf + c.stub_off + moff, mlen, &j->req,
	    &resp, &d) != KD_OK) {
		act_error(j, "undecodable KMS response: %s", d.msg);
		return;
	}
	a->done = true;
	a->ms = ms_since(j->t_phase);
	fill_activation(j, &resp);
	end_attempt(j, PROBE_OPEN, 0, NULL);
}

static void
on_readable(struct job *j)
{
	struct probe_result *r = &j->r;
	struct dcerpc_hdr h;
	struct kd_cur cur, pdu;
	struct kd_diag d;
	ssize_t n;
	char hex[24];

	n = recv(j->fd, j->rbuf + j->rlen, KD_MAX_RPC_FRAG - j->rlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		const char *how = n == 0 ? "closed" : "reset";

		if (j->ph == PH_REQUEST)
			act_error(j, "the host %s the connection without answering the request",
			    how);
		else if (j->rlen == 0)
			rpc_outcome(j, PROBE_RPC_SILENT,
			    "accepted the connection, then %s it without answering the bind",
			    how);
		else {
			hexprefix(j->rbuf, j->rlen, hex, sizeof(hex));
			rpc_outcome(j, PROBE_RPC_NOT_RPC,
			    "sent %zu bytes (%s...) that are not a complete DCE/RPC PDU, then %s",
			    j->rlen, hex, how);
		}
		return;
	}
	j->rlen += (size_t)n;
	/* Not DCE/RPC version 5: no need to wait for more. */
	if (j->rbuf[0] != 5 || (j->rlen >= 2 && j->rbuf[1] > 1) ||
	    (j->rlen >= DCERPC_HDR_LEN && !dcerpc_looks_like_hdr(j->rbuf, j->rlen))) {
		hexprefix(j->rbuf, j->rlen, hex, sizeof(hex));
		if (j->ph == PH_REQUEST)
			act_error(j, "answered the request with non-DCE/RPC bytes %s", hex);
		else
			rpc_outcome(j, PROBE_RPC_NOT_RPC,
			    "answered with bytes that are not DCE/RPC (%s...)", hex);
		return;
	}
	if (j->rlen < DCERPC_HDR_LEN)
		return;
	kd_diag_clear(&d);
	kd_cur_init(&cur, j->rbuf, j->rlen);
	if (dcerpc_decode_hdr(&cur, &h, &d) != KD_OK) {
		if (j->ph == PH_REQUEST)
			act_error(j, "invalid DCE/RPC header: %s", d.msg);
		else
			rpc_outcome(j, PROBE_RPC_NOT_RPC, "invalid DCE/RPC header: %s", d.msg);
		return;
	}
	if (j->rlen < h.frag_length)
		return;		/* wait for the rest of the PDU */
	/* One PDU: a cursor bounded by frag_length (R1), body after the header. */
	kd_cur_init(&cur, j->rbuf, h.frag_length);
	kd_cur_sub(&cur, h.frag_length, &pdu);
	kd_cur_skip(&pdu, DCERPC_HDR_LEN);
	(void)r;
	if (j->ph == PH_BIND)
		handle_bind_answer(j, &h, &pdu);
	else
		handle_request_answer(j, &h, &pdu);
}

static void
connected(struct job *j)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;
	double ms = ms_since(j->t_attempt);

	r->received++;
	j->sum_connect += ms;
	if (r->received == 1 || ms < r->connect_min_ms)
		r->connect_min_ms = ms;
	if (ms > r->connect_max_ms)
		r->connect_max_ms = ms;
	if (p->o.tcp_only) {
		end_attempt(j, PROBE_OPEN, 0, NULL);
		return;
	}
	send_bind(j);
}

static void
on_fd(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct job *j = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)l;
	(void)fd;
	if (j->ph == PH_CONNECT) {
		if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err == 0 && (rev & (POLLERR | POLLHUP)) && !(rev & POLLOUT))
			err = ECONNRESET;
		if (err != 0) {
			char why[192];
			enum probe_state st = read_icmp(j, why, sizeof(why));

			if (st != PROBE_PENDING)
				end_attempt(j, st, err, why);
			else
				end_attempt(j, probe_classify_errno(err), err, NULL);
			return;
		}
		if (rev & POLLOUT)
			connected(j);
		return;
	}
	if ((rev & POLLOUT) && j->woff < j->wlen && flush_out(j) != 0) {
		if (j->ph == PH_REQUEST)
			act_error(j, "could not send the request: %s", strerror(errno));
		else
			rpc_outcome(j, PROBE_RPC_SILENT, "could not send the bind: %s",
			    strerror(errno));
		return;
	}
	if (rev & (POLLIN | POLLHUP | POLLERR))
		on_readable(j);
}

static int64_t
on_deadline(struct kd_loop *l, long id, void *arg)
{
	struct job *j = arg;
	double secs = j->p->o.timeout_ms / 1000.0;
	char hex[24];

	(void)l;
	(void)id;
	j->timer = 0;
	switch (j->ph) {
	case PH_CONNECT:
		end_attempt(j, PROBE_FILTERED, 0, NULL);
		break;
	case PH_BIND:
		if (j->rlen == 0)
			rpc_outcome(j, PROBE_RPC_SILENT,
			    "accepted the connection but did not answer the bind within %g s",
			    secs);
		else {
			hexprefix(j->rbuf, j->rlen, hex, sizeof(hex));
			rpc_outcome(j, PROBE_RPC_NOT_RPC,
			    "sent %zu bytes (%s...) and then nothing for %g s", j->rlen, hex,
			    secs);
		}
		break;
	case PH_REQUEST:
		act_error(j, "no answer to the activation request within %g s", secs);
		break;
	default:
		break;
	}
	return KD_NOMORE;
}

static void
end_attempt(struct job *j, enum probe_state st, int err, const char *detail)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;
	uint64_t due, now;

	close_conn(j);
	p->inflight--;
	if (st != PROBE_OPEN) {
		if (r->state != PROBE_OPEN)
			r->state = st;
		r->err = err;
		if (detail != NULL)
			snprintf(r->detail, sizeof(r->detail), "%s", detail);
		else if (st == PROBE_FILTERED)
			snprintf(r->detail, sizeof(r->detail), "no answer within %g s",
			    p->o.timeout_ms / 1000.0);
		else
			snprintf(r->detail, sizeof(r->detail), "%s", strerror(err));
	} else
		r->state = PROBE_OPEN;
	if (!p->cancelled && j->attempt < p->o.count) {
		now = kd_now_ns();
		due = j->t_attempt + (uint64_t)p->o.interval_ms * 1000000ULL;
		j->timer = kd_loop_add_timer(p->loop, due > now ? (due - now + 999999) / 1000000 : 0,
		    next_attempt, j);
	} else
		job_finished(j);
	pump(p);
}

static void
start_attempt(struct job *j)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;
	int fd, rc;

	fd = socket(j->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE) && p->inflight > 0) {
			/* Out of descriptors: run at the level we reached and retry later. */
			p->parallel = p->inflight;
			requeue_front(p, j);
			return;
		}
		j->attempt++;
		r->sent++;
		p->inflight++;
		end_attempt(j, PROBE_ERROR, errno, NULL);
		return;
	}
	j->attempt++;
	r->sent++;
	p->inflight++;
	j->fd = fd;
	j->ph = PH_CONNECT;
	/* Queue the ICMP error of a failed connect so read_icmp() can name it. */
	if (j->sa.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &(int){ 1 }, sizeof(int));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &(int){ 1 }, sizeof(int));
	j->t_attempt = kd_now_ns();
	rc = connect(fd, (struct sockaddr *)&j->sa, j->salen);
	if (rc != 0 && errno != EINPROGRESS) {
		int e = errno;

		end_attempt(j, probe_classify_errno(e), e, NULL);
		return;
	}
	if (kd_loop_add_fd(p->loop, fd, POLLOUT, on_fd, j) != 0) {
		end_attempt(j, PROBE_ERROR, errno, NULL);
		return;
	}
	set_deadline(j);
	if (rc == 0)
		connected(j);
}

static void
pump(struct probe *p)
{
	while (!p->cancelled && p->qlen > 0 && p->inflight < p->parallel) {
		struct job *j = p->queue[p->qhead];
		unsigned before = p->inflight;
		size_t qlen = p->qlen;

		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		start_attempt(j);
		if (p->qlen == qlen && p->inflight == before)
			break;	/* requeued for lack of descriptors */
	}
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
		job_finished(j);
		return 0;
	}
	j->r.detail[0] = '\0';
	if (!queue_reserve(p, p->n)) {
		size_t k;

		for (k = 0; k <= added; k++) {
			p->jobs[pos + k]->r.state = PROBE_ERROR;
			snprintf(p->jobs[pos + k]->r.detail, sizeof(j->r.detail),
			    "out of memory");
			job_finished(p->jobs[pos + k]);
		}
		return added;
	}
	for (size_t k = 0; k <= added; k++)
		enqueue(p, p->jobs[pos + k]);
	return added;
}

/*
 * Look at the running lookups.  getaddrinfo_a() was asked for no
 * notification (SIGEV_NONE: no signal, no thread of ours), so the loop
 * polls; a lookup still running at the probe timeout is a dns_error.
 */
static int64_t
poll_lookups(struct kd_loop *l, long id, void *arg)
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
			job_finished(j);
			continue;
		}
		p->nresolving--;
		if (gerr != 0) {
			dns_failed(j, j->r.target, gerr);
			job_finished(j);
		} else
			i += expand(p, i, ai);
		probe_lookup_release(j->lookup);
		j->lookup = NULL;
	}
	pump(p);
	check_finished(p);
	if (p->nresolving > 0)
		return PROBE_RESOLVE_POLL_MS;
	p->resolve_timer = 0;
	return KD_NOMORE;
}

int
probe_start(struct probe *p)
{
	size_t i;

	if (p->started)
		return -1;
	p->started = true;
	if (!queue_reserve(p, p->n))
		return -1;
	for (i = 0; i < p->n; i++) {
		struct job *j = p->jobs[i];

		if (j->r.done) {	/* dns_error: already final */
			probe_verdict(&p->o, &j->r);
			p->ndone++;
			if (p->on_result != NULL)
				p->on_result(p, &j->r, p->cbarg);
		} else if (j->lookup == NULL)
			enqueue(p, j);
	}
	if (p->nresolving > 0 &&
	    (p->resolve_timer = kd_loop_add_timer(p->loop, PROBE_RESOLVE_POLL_MS,
	    poll_lookups, p)) < 0)
		return -1;
	check_finished(p);
	pump(p);
	return 0;
}

void
probe_cancel(struct probe *p)
{
	size_t i;

	p->cancelled = true;
	p->qlen = 0;
	if (p->resolve_timer > 0)
		kd_loop_del_timer(p->loop, p->resolve_timer);
	p->resolve_timer = 0;
	for (i = 0; i < p->n; i++) {
		struct job *j = p->jobs[i];

		if (j->r.done)
			continue;
		if (j->lookup != NULL) {
			probe_lookup_release(j->lookup);
			j->lookup = NULL;
			p->nresolving--;
		}
		if (j->fd >= 0 || j->timer > 0) {
			bool was_conn = j->fd >= 0;

			close_conn(j);
			if (was_conn)
				p->inflight--;
		}
		if (j->r.sent == 0)
			snprintf(j->r.detail, sizeof(j->r.detail), "cancelled");
		j->r.done = true;
		probe_verdict(&p->o, &j->r);
	}
}

int
probe_run(const struct probe_opts *o, const char *const *targets, size_t n,
    struct kd_report *rep, const char **errstr)
{
	struct kd_loop *l;
	struct probe *p;
	size_t i;
	int rc = -1;

	if ((l = kd_loop_new()) == NULL || (p = probe_new(o, l)) == NULL) {
		kd_loop_free(l);
		*errstr = "out of memory";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (probe_add_target(p, targets[i], errstr) != 0)
			goto out;
	if (probe_start(p) != 0) {
		*errstr = "out of memory";
		goto out;
	}
	if (kd_loop_run(l) != 0) {
		*errstr = "poll failed";
		goto out;
	}
	probe_report(p, rep);
	rc = 0;
out:
	probe_free(p);
	kd_loop_free(l);
	return rc;
}
