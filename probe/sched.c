/*
 * The scheduler: every address is a job; a job makes opts.count attempts;
 * an attempt is a non-blocking connect, then (unless --tcp-only) the RPC
 * state machine of rpc.c.  All jobs share one kd_loop; at most
 * p->parallel connections are in flight.  Each phase has its own deadline
 * of opts.timeout_ms.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "probesite.h"

void
probe_scopy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
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
	o->parallel = 0;	/* from the descriptor limit, at probe_new() */
	o->protocol = 0;	/* from the product's row of the table */
}

/* ---- engine --------------------------------------------------------- */

/*
 * Connections in flight when --parallel is not given: as many as the
 * descriptor limit allows, less a reserve for what the process and its
 * caller hold or open meanwhile (output, resolver sockets, the dashboard's
 * capture).  All targets at once when the limit allows it, so N targets
 * take about one timeout; the pacing in probe_pump() keeps that from being
 * one burst of SYNs.  With fewer descriptors than targets, the rest wait
 * for a slot, and EMFILE lowers the level further (start_attempt).
 */
static unsigned
auto_parallel(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 256;
	n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > PROBE_MAX_ADDRS ? PROBE_MAX_ADDRS :
	    rl.rlim_cur;
	return n > 2 * PROBE_FD_RESERVE ? (unsigned)(n - PROBE_FD_RESERVE) :
	    n > 2 ? (unsigned)(n / 2) : 1;
}

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
	p->parallel = p->o.parallel != 0 ? p->o.parallel : auto_parallel();
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

void
probe_job_close(struct job *j)
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
		probe_job_close(p->jobs[i]);
		probe_lookup_release(p->jobs[i]->lookup);
		free(p->jobs[i]);
	}
	if (p->resolve_timer > 0)
		kd_loop_del_timer(p->loop, p->resolve_timer);
	if (p->done_timer > 0)
		kd_loop_del_timer(p->loop, p->done_timer);
	if (p->pace_timer > 0)
		kd_loop_del_timer(p->loop, p->pace_timer);
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

/*
 * Every result judged as one site: a host's verdict may depend on the
 * others (a host below threshold while another answers above it is a
 * warning about that host, not a failure of the site).  Names that never
 * resolved keep their own verdict: they have no address to be a host by.
 */
void
probe_judge_all(struct probe *p)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	long *hosts;
	size_t i;

	size_t counted = 0;

	for (i = 0; i < p->n; i++)
		counted += probe_counted(&p->jobs[i]->r);
	/* Only counts make one host's verdict depend on another's (probe_judge_run). */
	if (counted < 2 || (hosts = calloc(p->n, sizeof(*hosts))) == NULL)
		return;
	memset(&jo, 0, sizeof(jo));
	jo.default_port = p->o.default_port;
	jo.activation_asked = p->o.activate;
	jo.now = (int64_t)time(NULL);
	kd_site_init(&s);
	for (i = 0; i < p->n; i++)
		hosts[i] = probe_counted(&p->jobs[i]->r) ?
		    probe_site_result(&s, &p->o, &p->jobs[i]->r, jo.now) : -1;
	kd_site_judge(&s, &jo, &cl);
	for (i = 0; i < p->n; i++)
		if (hosts[i] >= 0)
			probe_view(&p->o, &p->jobs[i]->r, &cl, hosts[i]);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
	free(hosts);
}

void
probe_check_finished(struct probe *p)
{
	if (p->ndone == p->n && p->nresolving == 0 && !p->finished) {
		probe_judge_all(p);
		p->finished = true;
		p->done_timer = kd_loop_add_timer(p->loop, 0, fire_done, p);
	}
}

void
probe_job_finished(struct job *j)
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
	probe_check_finished(p);
}

/*
 * Room in the ring for need jobs.  A job is in the ring at most once, so
 * need = p->n makes every later probe_enqueue() succeed.
 */
bool
probe_queue_reserve(struct probe *p, size_t need)
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

void
probe_enqueue(struct probe *p, struct job *j)
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
	probe_enqueue(j->p, j);
	probe_pump(j->p);
	return KD_NOMORE;
}

static int64_t on_deadline(struct kd_loop *, long, void *);

void
probe_job_deadline(struct job *j)
{
	if (j->timer > 0)
		kd_loop_del_timer(j->p->loop, j->timer);
	j->t_phase = kd_now_ns();
	j->timer = kd_loop_add_timer(j->p->loop, j->p->o.timeout_ms, on_deadline, j);
}

double
probe_ms_since(uint64_t t)
{
	return (double)(kd_now_ns() - t) / 1e6;
}

/*
 * The connect time of this attempt, from the socket's own completion: the
 * kernel's RTT sample of the SYN / SYN-ACK exchange (TCP_INFO, in
 * microseconds).  The loop may notice a completed handshake long after it
 * happened (thousands of connects in flight), so the time it took the loop
 * to get round to it would be the loop's latency, not the network's.  A
 * retransmitted SYN gives no RTT sample (Karn): then the loop's time,
 * which does include the retransmission the client waited for.
 */
static double
connect_time_ms(const struct job *j)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	double loop_ms = probe_ms_since(j->t_attempt);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(j->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_rtt) + sizeof(ti.tcpi_rtt) &&
	    ti.tcpi_rtt > 0 && ti.tcpi_total_retrans == 0 && ti.tcpi_rtt / 1000.0 <= loop_ms)
		return ti.tcpi_rtt / 1000.0;
	return loop_ms;
}

static void
connected(struct job *j)
{
	struct probe *p = j->p;

	j->conn_ms = connect_time_ms(j);
	if (p->o.tcp_only) {
		probe_job_end(j, PROBE_OPEN, 0, NULL);
		return;
	}
	probe_rpc_begin(j);
}

/*
 * An attempt counts as connected once it ends open: one that was accepted
 * and then reset is a failed attempt (PROBE_RESET), not a handshake.
 */
static void
count_connect(struct job *j)
{
	struct probe_result *r = &j->r;
	double ms = j->conn_ms;

	if (ms < 0)
		return;
	r->received++;
	j->sum_connect += ms;
	if (r->received == 1 || ms < r->connect_min_ms)
		r->connect_min_ms = ms;
	if (ms > r->connect_max_ms)
		r->connect_max_ms = ms;
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
			enum probe_state st = probe_read_icmp(j->fd, why, sizeof(why));

			if (st != PROBE_PENDING)
				probe_job_end(j, st, err, why);
			else
				probe_job_end(j, probe_classify_errno(err), err, NULL);
			return;
		}
		if (rev & POLLOUT)
			connected(j);
		return;
	}
	probe_rpc_event(j, rev);
}

static int64_t
on_deadline(struct kd_loop *l, long id, void *arg)
{
	struct job *j = arg;

	(void)l;
	(void)id;
	j->timer = 0;
	switch (j->ph) {
	case PH_CONNECT:
		probe_job_end(j, PROBE_FILTERED, 0, NULL);
		break;
	case PH_BIND:
	case PH_REQUEST:
		probe_rpc_deadline(j);
		break;
	default:
		break;
	}
	return KD_NOMORE;
}

void
probe_job_end(struct job *j, enum probe_state st, int err, const char *detail)
{
	struct probe *p = j->p;
	struct probe_result *r = &j->r;
	uint64_t due, now;

	probe_job_close(j);
	p->inflight--;
	if (st == PROBE_OPEN)
		count_connect(j);
	j->conn_ms = -1;
	if (st != PROBE_OPEN) {
		if (r->state != PROBE_OPEN)
			r->state = st;
		r->err = err;
		if (detail != NULL)
			snprintf(r->detail, sizeof(r->detail), "%s", detail);
		else if (st == PROBE_FILTERED)
			snprintf(r->detail, sizeof(r->detail), "no answer within %g s",
			    p->o.timeout_ms / 1000.0);
		else if (st == PROBE_RESET)
			snprintf(r->detail, sizeof(r->detail), "%s", PROBE_RESET_DETAIL);
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
		probe_job_finished(j);
	probe_pump(p);
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
		probe_job_end(j, PROBE_ERROR, errno, NULL);
		return;
	}
	j->attempt++;
	r->sent++;
	p->inflight++;
	j->fd = fd;
	j->ph = PH_CONNECT;
	/* The kernel's receive time of each answer: see phase_ms() in rpc.c. */
	if (!p->o.tcp_only)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int));
	/* Queue the ICMP error of a failed connect so probe_read_icmp() can name it. */
	if (j->sa.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &(int){ 1 }, sizeof(int));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &(int){ 1 }, sizeof(int));
	j->t_attempt = kd_now_ns();
	rc = connect(fd, (struct sockaddr *)&j->sa, j->salen);
	if (rc != 0 && errno != EINPROGRESS) {
		int e = errno;

		probe_job_end(j, probe_classify_errno(e), e, NULL);
		return;
	}
	if (kd_loop_add_fd(p->loop, fd, POLLOUT, on_fd, j) != 0) {
		probe_job_end(j, PROBE_ERROR, errno, NULL);
		return;
	}
	probe_job_deadline(j);
	if (rc == 0)
		connected(j);
}

static int64_t
pace_resume(struct kd_loop *l, long id, void *arg)
{
	struct probe *p = arg;

	(void)l;
	(void)id;
	p->pace_timer = 0;
	probe_pump(p);
	return KD_NOMORE;
}

/*
 * Start queued attempts while slots are free, at most PROBE_PACE_BURST
 * per PROBE_PACE_WINDOW_MS: thousands of targets become a steady stream
 * of SYNs (no burst to overflow a host's SYN queue, a neighbour table or a
 * firewall's rate limit), and between bursts the loop serves the sockets
 * already in flight.  Not re-entered: an attempt that fails at once ends
 * inside start_attempt() and frees its slot for this same loop.
 */
void
probe_pump(struct probe *p)
{
	uint64_t now;

	if (p->pumping)
		return;
	p->pumping = true;
	now = kd_now_ns();
	if (now - p->pace_t0 >= (uint64_t)PROBE_PACE_WINDOW_MS * 1000000ULL) {
		p->pace_t0 = now;
		p->pace_n = 0;
	}
	while (!p->cancelled && p->qlen > 0 && p->inflight < p->parallel) {
		struct job *j = p->queue[p->qhead];
		unsigned before = p->inflight;
		size_t qlen = p->qlen;

		if (p->pace_n >= PROBE_PACE_BURST) {
			if (p->pace_timer == 0) {
				uint64_t left = p->pace_t0 + PROBE_PACE_WINDOW_MS * 1000000ULL -
				    kd_now_ns();

				p->pace_timer = kd_loop_add_timer(p->loop,
				    left < PROBE_PACE_WINDOW_MS * 1000000ULL ? left / 1000000 + 1 :
				    1, pace_resume, p);
			}
			break;
		}
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		p->pace_n++;
		start_attempt(j);
		if (p->qlen == qlen && p->inflight == before)
			break;	/* requeued for lack of descriptors */
	}
	p->pumping = false;
}

int
probe_start(struct probe *p)
{
	size_t i;

	if (p->started)
		return -1;
	p->started = true;
	if (!probe_queue_reserve(p, p->n))
		return -1;
	for (i = 0; i < p->n; i++) {
		struct job *j = p->jobs[i];

		if (j->r.done) {	/* dns_error: already final */
			probe_verdict(&p->o, &j->r);
			p->ndone++;
			if (p->on_result != NULL)
				p->on_result(p, &j->r, p->cbarg);
		} else if (j->lookup == NULL)
			probe_enqueue(p, j);
	}
	if (p->nresolving > 0 &&
	    (p->resolve_timer = kd_loop_add_timer(p->loop, PROBE_RESOLVE_POLL_MS,
	    probe_poll_lookups, p)) < 0)
		return -1;
	probe_check_finished(p);
	probe_pump(p);
	return 0;
}

void
probe_cancel(struct probe *p)
{
	size_t i;

	p->cancelled = true;
	p->qlen = 0;
	if (p->pace_timer > 0)
		kd_loop_del_timer(p->loop, p->pace_timer);
	p->pace_timer = 0;
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

			probe_job_close(j);
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
