/*
 * poll(2) event loop with CLOCK_MONOTONIC timers.  See loop.h.
 *
 * fds are kept in a table indexed by the fd number (fds are small
 * integers), so add/mod/del are O(1).  Every registration carries a
 * generation number: poll results are dispatched only to the registration
 * that was live when poll() was called, so a callback that closes one fd
 * and opens another (which gets the same number) cannot receive the old
 * fd's events.
 *
 * Timers live in a plain array and the next one is found by a linear scan.
 * At kmsdiag's sizes (a few thousand timers at most) this costs less than
 * the poll() call itself, and it keeps deletion trivial.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"

struct kd_fdent {
	kd_fd_cb	*cb;
	void		*arg;
	short		 events;
	bool		 live;
	uint64_t	 gen;
};

struct kd_timer {
	long		 id;
	uint64_t	 when_ns;
	kd_timer_cb	*cb;
	void		*arg;
};

struct kd_loop {
	struct kd_fdent	*fds;		/* indexed by fd */
	size_t		 fdcap;
	size_t		 nlive;
	uint64_t	 gen;

	struct pollfd	*pfd;		/* scratch for one poll() round */
	uint64_t	*pgen;
	size_t		 pcap;

	struct kd_timer	*timers;
	size_t		 ntimers, tcap;
	long		 next_id;

	bool		 stop;
	volatile sig_atomic_t *flag;
};

uint64_t
kd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
kd_now_ms(void)
{
	return kd_now_ns() / 1000000ULL;
}

struct kd_loop *
kd_loop_new(void)
{
	struct kd_loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->next_id = 1;
	return l;
}

void
kd_loop_free(struct kd_loop *l)
{
	if (l == NULL)
		return;
	free(l->fds);
	free(l->pfd);
	free(l->pgen);
	free(l->timers);
	free(l);
}

int
kd_loop_add_fd(struct kd_loop *l, int fd, short events, kd_fd_cb *cb, void *arg)
{
	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= l->fdcap) {
		size_t ncap = l->fdcap ? l->fdcap : 64;
		struct kd_fdent *n;

		while (ncap <= (size_t)fd)
			ncap *= 2;
		if ((n = realloc(l->fds, ncap * sizeof(*n))) == NULL)
			return -1;
		memset(n + l->fdcap, 0, (ncap - l->fdcap) * sizeof(*n));
		l->fds = n;
		l->fdcap = ncap;
	}
	if (l->fds[fd].live) {
		errno = EEXIST;
		return -1;
	}
	l->fds[fd].cb = cb;
	l->fds[fd].arg = arg;
	l->fds[fd].events = events;
	l->fds[fd].live = true;
	l->fds[fd].gen = ++l->gen;
	l->nlive++;
	return 0;
}

int
kd_loop_mod_fd(struct kd_loop *l, int fd, short events)
{
	if (fd < 0 || (size_t)fd >= l->fdcap || !l->fds[fd].live) {
		errno = ENOENT;
		return -1;
	}
	l->fds[fd].events = events;
	return 0;
}

void
kd_loop_del_fd(struct kd_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->fdcap || !l->fds[fd].live)
		return;
	l->fds[fd].live = false;
	l->fds[fd].cb = NULL;
	l->fds[fd].arg = NULL;
	l->nlive--;
}

long
kd_loop_add_timer(struct kd_loop *l, uint64_t in_ms, kd_timer_cb *cb, void *arg)
{
	struct kd_timer *t;

	if (l->ntimers == l->tcap) {
		size_t ncap = l->tcap ? l->tcap * 2 : 32;

		if ((t = realloc(l->timers, ncap * sizeof(*t))) == NULL)
			return -1;
		l->timers = t;
		l->tcap = ncap;
	}
	t = &l->timers[l->ntimers++];
	t->id = l->next_id++;	/* 2^63 ids: never wraps in practice */
	t->when_ns = kd_now_ns() + in_ms * 1000000ULL;
	t->cb = cb;
	t->arg = arg;
	return t->id;
}

void
kd_loop_del_timer(struct kd_loop *l, long id)
{
	size_t i;

	for (i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			/* Order does not matter: the next timer is found by a scan. */
			l->timers[i] = l->timers[--l->ntimers];
			return;
		}
	}
}

void
kd_loop_stop(struct kd_loop *l)
{
	l->stop = true;
}

bool
kd_loop_stopped(const struct kd_loop *l)
{
	return l->stop || (l->flag != NULL && *l->flag);
}

void
kd_loop_watch_flag(struct kd_loop *l, volatile sig_atomic_t *flag)
{
	l->flag = flag;
}

size_t
kd_loop_nfds(const struct kd_loop *l)
{
	return l->nlive;
}

size_t
kd_loop_ntimers(const struct kd_loop *l)
{
	return l->ntimers;
}

/* Index of the earliest timer, or -1. */
static long
next_timer(const struct kd_loop *l)
{
	size_t i, best = 0;

	if (l->ntimers == 0)
		return -1;
	for (i = 1; i < l->ntimers; i++)
		if (l->timers[i].when_ns < l->timers[best].when_ns)
			best = i;
	return (long)best;
}

/* Run every timer that is due now; a timer rescheduled into the past waits a round. */
static int
run_timers(struct kd_loop *l)
{
	uint64_t now = kd_now_ns();
	int ran = 0;
	long ix;

	while (!kd_loop_stopped(l) && (ix = next_timer(l)) >= 0 &&
	    l->timers[ix].when_ns <= now) {
		struct kd_timer t = l->timers[ix];
		int64_t again;

		/* Take it off first: the callback may add or delete timers. */
		l->timers[ix] = l->timers[--l->ntimers];
		again = t.cb(l, t.id, t.arg);
		ran++;
		if (again >= 0) {
			struct kd_timer *nt;

			/* Re-add under the same id so the owner's handle stays valid. */
			if (l->ntimers == l->tcap) {
				size_t ncap = l->tcap ? l->tcap * 2 : 32;

				if ((nt = realloc(l->timers, ncap * sizeof(*nt))) == NULL)
					return -1;
				l->timers = nt;
				l->tcap = ncap;
			}
			nt = &l->timers[l->ntimers++];
			*nt = t;
			/* Relative to the due time, so periodic timers do not drift. */
			nt->when_ns = t.when_ns + (uint64_t)again * 1000000ULL;
			/*
			 * Late, or due again at once (0): the next round, after
			 * the fds, never again inside this one.
			 */
			if (nt->when_ns <= now)
				nt->when_ns = now + (uint64_t)again * 1000000ULL + 1;
		}
	}
	return ran;
}

int
kd_loop_once(struct kd_loop *l, int max_wait_ms)
{
	size_t i, n = 0;
	long ix;
	int timeout = max_wait_ms, rc, ran = 0;

	if (kd_loop_stopped(l))
		return 0;
	if (l->pcap < l->nlive) {
		size_t ncap = l->nlive + 16;
		struct pollfd *p;
		uint64_t *g;

		if ((p = realloc(l->pfd, ncap * sizeof(*p))) == NULL)
			return -1;
		l->pfd = p;
		if ((g = realloc(l->pgen, ncap * sizeof(*g))) == NULL)
			return -1;
		l->pgen = g;
		l->pcap = ncap;
	}
	for (i = 0; i < l->fdcap && n < l->nlive; i++) {
		if (!l->fds[i].live)
			continue;
		l->pfd[n].fd = (int)i;
		l->pfd[n].events = l->fds[i].events;
		l->pfd[n].revents = 0;
		l->pgen[n] = l->fds[i].gen;
		n++;
	}
	if ((ix = next_timer(l)) >= 0) {
		uint64_t now = kd_now_ns(), when = l->timers[ix].when_ns;
		uint64_t ms = 0;

		if (when > now)	/* round up: waking early would spin */
			ms = (when - now + 999999ULL) / 1000000ULL;
		if (ms > INT32_MAX)	/* INT_MAX on every platform we build on */
			ms = INT32_MAX;
		if (timeout < 0 || (uint64_t)timeout > ms)
			timeout = (int)ms;
	}
	if (n == 0 && ix < 0 && timeout < 0)
		return 0;	/* nothing to wait for */

	rc = poll(l->pfd, (nfds_t)n, timeout);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	for (i = 0; rc > 0 && i < n && !kd_loop_stopped(l); i++) {
		int fd = l->pfd[i].fd;
		struct kd_fdent *e;

		if (l->pfd[i].revents == 0)
			continue;
		rc--;
		e = &l->fds[fd];
		if (!e->live || e->gen != l->pgen[i])
			continue;	/* deleted (or replaced) during this round */
		e->cb(l, fd, l->pfd[i].revents, e->arg);
		ran++;
	}
	if ((rc = run_timers(l)) < 0)
		return -1;
	return ran + rc;
}

int
kd_loop_run(struct kd_loop *l)
{
	while (!kd_loop_stopped(l)) {
		if (l->nlive == 0 && l->ntimers == 0)
			break;
		if (kd_loop_once(l, -1) < 0)
			return -1;
	}
	return 0;
}
