/*
 * epoll(7) event loop with CLOCK_MONOTONIC timers in a binary heap.
 * See loop.h.
 *
 * Cost per event is independent of how many fds and timers are waiting:
 * the kernel keeps the interest set (epoll), and the next timer is the top
 * of a min-heap.  A poll(2) loop that rebuilt its pollfd array and scanned
 * every timer on each wakeup spent a third of the CPU of a 20,000-target
 * probe run doing just that.
 *
 * fds are kept in a table indexed by the fd number (fds are small
 * integers), so add/mod/del are O(1).  Every registration carries a
 * generation number, and the epoll event carries the generation it was
 * registered with: an event is dispatched only to the registration that
 * was live when epoll_wait() returned it, so a callback that closes one fd
 * and opens another (which gets the same number) cannot receive the old
 * fd's events.
 *
 * epoll refuses regular files and a few devices (EPERM), which poll(2)
 * reports as always ready: a capture file's selectable fd, or stdin
 * redirected from a file.  Those are kept aside in a short list and
 * reported ready on every round, as poll(2) would.
 *
 * Timers live in slots (a free list reuses them); the heap holds slot
 * numbers ordered by due time, then by the order they were scheduled, so
 * timers due at the same instant run in the order they were added.  A
 * timer id is its slot number plus a sequence number in the high bits, so
 * a stale id never matches the slot's next tenant and deleting by id is
 * O(log n).
 */
#include <sys/epoll.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

/* The poll(2) event bits are the epoll ones on Linux; the API speaks poll. */
_Static_assert(POLLIN == EPOLLIN && POLLOUT == EPOLLOUT && POLLERR == EPOLLERR &&
    POLLHUP == EPOLLHUP && POLLPRI == EPOLLPRI, "poll and epoll bits differ");

/* Events taken from the kernel per epoll_wait(); the rest wait a round. */
#define KD_LOOP_BATCH	1024
/* Timer slots: the low bits of an id (16 million pending timers). */
#define KD_TSLOT_BITS	24
#define KD_TSLOT_MAX	(1L << KD_TSLOT_BITS)

struct kd_fdent {
	kd_fd_cb	*cb;
	void		*arg;
	short		 events;
	bool		 live;
	bool		 always;	/* not in epoll: always ready (regular file) */
	uint32_t	 gen;
};

struct kd_tslot {
	uint64_t	 when_ns;
	uint64_t	 order;		/* ties on when_ns: first scheduled runs first */
	kd_timer_cb	*cb;
	void		*arg;
	long		 id;		/* 0: free */
	size_t		 heap_ix;	/* SIZE_MAX: not in the heap (free or running) */
	bool		 cancelled;	/* deleted from inside its own callback */
	size_t		 next_free;
};

struct kd_asnap {
	int		 fd;
	uint32_t	 gen;
	short		 revents;
};

struct kd_loop {
	int		 epfd;
	struct kd_fdent	*fds;		/* indexed by fd */
	size_t		 fdcap;
	size_t		 nlive;
	uint32_t	 gen;

	int		*always;	/* fds epoll refused */
	size_t		 nalways, acap;
	struct kd_asnap	*asnap;		/* those ready in this round, acap long */

	struct epoll_event *ev;		/* scratch for one epoll_wait() */
	size_t		 evcap;

	struct kd_tslot	*slots;
	size_t		 nslots, scap;
	size_t		 free_head;	/* SIZE_MAX: none */
	size_t		*heap;		/* slot numbers, min-heap on (when_ns, order) */
	size_t		 nheap, hcap;
	uint64_t	 order;
	long		 seq;

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
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(l);
		return NULL;
	}
	l->free_head = SIZE_MAX;
	return l;
}

void
kd_loop_free(struct kd_loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->fds);
	free(l->always);
	free(l->asnap);
	free(l->ev);
	free(l->slots);
	free(l->heap);
	free(l);
}

/* ------------------------------------------------------------------ */
/* fds */

static int
always_add(struct kd_loop *l, int fd)
{
	if (l->nalways == l->acap) {
		size_t ncap = l->acap ? l->acap * 2 : 4;
		struct kd_asnap *s;
		int *n;

		if ((s = realloc(l->asnap, ncap * sizeof(*s))) == NULL)
			return -1;
		l->asnap = s;
		if ((n = realloc(l->always, ncap * sizeof(*n))) == NULL)
			return -1;
		l->always = n;
		l->acap = ncap;
	}
	l->always[l->nalways++] = fd;
	return 0;
}

static void
always_del(struct kd_loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nalways; i++)
		if (l->always[i] == fd) {
			/* Keep the order: they are dispatched in it. */
			memmove(&l->always[i], &l->always[i + 1],
			    (l->nalways - i - 1) * sizeof(l->always[0]));
			l->nalways--;
			return;
		}
}

int
kd_loop_add_fd(struct kd_loop *l, int fd, short events, kd_fd_cb *cb, void *arg)
{
	struct epoll_event ev;
	struct kd_fdent *e;

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
	e = &l->fds[fd];
	if (e->live) {
		errno = EEXIST;
		return -1;
	}
	e->gen = ++l->gen;
	e->always = false;
	memset(&ev, 0, sizeof(ev));
	ev.events = (uint32_t)(unsigned short)events;
	ev.data.u64 = (uint64_t)e->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		if (errno != EPERM)
			return -1;
		if (always_add(l, fd) != 0)
			return -1;
		e->always = true;
	}
	e->cb = cb;
	e->arg = arg;
	e->events = events;
	e->live = true;
	l->nlive++;
	return 0;
}

int
kd_loop_mod_fd(struct kd_loop *l, int fd, short events)
{
	struct epoll_event ev;
	struct kd_fdent *e;

	if (fd < 0 || (size_t)fd >= l->fdcap || !l->fds[fd].live) {
		errno = ENOENT;
		return -1;
	}
	e = &l->fds[fd];
	if (!e->always) {
		memset(&ev, 0, sizeof(ev));
		ev.events = (uint32_t)(unsigned short)events;
		ev.data.u64 = (uint64_t)e->gen << 32 | (uint32_t)fd;
		if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
			return -1;
	}
	e->events = events;
	return 0;
}

void
kd_loop_del_fd(struct kd_loop *l, int fd)
{
	struct kd_fdent *e;

	if (fd < 0 || (size_t)fd >= l->fdcap || !l->fds[fd].live)
		return;
	e = &l->fds[fd];
	if (e->always)
		always_del(l, fd);
	else
		/* Fails harmlessly when the owner closed the fd first. */
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	e->live = false;
	e->always = false;
	e->cb = NULL;
	e->arg = NULL;
	l->nlive--;
}

/* ------------------------------------------------------------------ */
/* Timers */

static bool
t_before(const struct kd_loop *l, size_t a, size_t b)
{
	const struct kd_tslot *x = &l->slots[a], *y = &l->slots[b];

	if (x->when_ns != y->when_ns)
		return x->when_ns < y->when_ns;
	return x->order < y->order;
}

static void
heap_set(struct kd_loop *l, size_t ix, size_t slot)
{
	l->heap[ix] = slot;
	l->slots[slot].heap_ix = ix;
}

static void
sift_up(struct kd_loop *l, size_t ix)
{
	size_t slot = l->heap[ix], parent;

	while (ix > 0) {
		parent = (ix - 1) / 2;
		if (!t_before(l, slot, l->heap[parent]))
			break;
		heap_set(l, ix, l->heap[parent]);
		ix = parent;
	}
	heap_set(l, ix, slot);
}

static void
sift_down(struct kd_loop *l, size_t ix)
{
	size_t slot = l->heap[ix], child;

	for (;;) {
		child = 2 * ix + 1;
		if (child >= l->nheap)
			break;
		if (child + 1 < l->nheap && t_before(l, l->heap[child + 1], l->heap[child]))
			child++;
		if (!t_before(l, l->heap[child], slot))
			break;
		heap_set(l, ix, l->heap[child]);
		ix = child;
	}
	heap_set(l, ix, slot);
}

static int
heap_push(struct kd_loop *l, size_t slot)
{
	if (l->nheap == l->hcap) {
		size_t ncap = l->hcap ? l->hcap * 2 : 32, *n;

		if ((n = realloc(l->heap, ncap * sizeof(*n))) == NULL)
			return -1;
		l->heap = n;
		l->hcap = ncap;
	}
	l->slots[slot].order = ++l->order;
	heap_set(l, l->nheap++, slot);
	sift_up(l, l->nheap - 1);
	return 0;
}

static void
heap_remove(struct kd_loop *l, size_t ix)
{
	size_t slot = l->heap[ix];

	l->slots[slot].heap_ix = SIZE_MAX;
	if (--l->nheap == ix)
		return;
	heap_set(l, ix, l->heap[l->nheap]);
	/* The moved element may belong above or below its new place. */
	if (ix > 0 && t_before(l, l->heap[ix], l->heap[(ix - 1) / 2]))
		sift_up(l, ix);
	else
		sift_down(l, ix);
}

static void
slot_release(struct kd_loop *l, size_t slot)
{
	l->slots[slot].id = 0;
	l->slots[slot].cb = NULL;
	l->slots[slot].arg = NULL;
	l->slots[slot].next_free = l->free_head;
	l->free_head = slot;
}

long
kd_loop_add_timer(struct kd_loop *l, uint64_t in_ms, kd_timer_cb *cb, void *arg)
{
	struct kd_tslot *t;
	size_t slot;

	if (l->free_head != SIZE_MAX) {
		slot = l->free_head;
		l->free_head = l->slots[slot].next_free;
	} else {
		if (l->nslots >= (size_t)KD_TSLOT_MAX)
			return -1;
		if (l->nslots == l->scap) {
			size_t ncap = l->scap ? l->scap * 2 : 32;

			if ((t = realloc(l->slots, ncap * sizeof(*t))) == NULL)
				return -1;
			l->slots = t;
			l->scap = ncap;
		}
		slot = l->nslots++;
	}
	t = &l->slots[slot];
	memset(t, 0, sizeof(*t));
	/*
	 * The sequence in the high bits keeps ids unique; with a 64-bit long
	 * it does not wrap in practice.  It skips 0 so every id is > 0.
	 */
	if (++l->seq > (LONG_MAX >> KD_TSLOT_BITS))
		l->seq = 1;
	t->id = l->seq << KD_TSLOT_BITS | (long)slot;
	t->when_ns = kd_now_ns() + in_ms * 1000000ULL;
	t->cb = cb;
	t->arg = arg;
	t->heap_ix = SIZE_MAX;
	if (heap_push(l, slot) != 0) {
		slot_release(l, slot);
		return -1;
	}
	return t->id;
}

void
kd_loop_del_timer(struct kd_loop *l, long id)
{
	size_t slot;
	struct kd_tslot *t;

	if (id <= 0)
		return;
	slot = (size_t)(id & (KD_TSLOT_MAX - 1));
	if (slot >= l->nslots || l->slots[slot].id != id)
		return;
	t = &l->slots[slot];
	if (t->heap_ix == SIZE_MAX) {
		/* Running: its callback deleted it; do not reschedule. */
		t->cancelled = true;
		return;
	}
	heap_remove(l, t->heap_ix);
	slot_release(l, slot);
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
	return l->nheap;
}

/* Run every timer that is due now; a timer rescheduled into the past waits a round. */
static int
run_timers(struct kd_loop *l)
{
	uint64_t now = kd_now_ns();
	int ran = 0;

	while (!kd_loop_stopped(l) && l->nheap > 0 &&
	    l->slots[l->heap[0]].when_ns <= now) {
		size_t slot = l->heap[0];
		struct kd_tslot t = l->slots[slot];
		int64_t again;

		/* Off the heap first: the callback may add or delete timers. */
		heap_remove(l, 0);
		again = t.cb(l, t.id, t.arg);
		ran++;
		/* The callback may have grown l->slots: index again. */
		if (again < 0 || l->slots[slot].cancelled) {
			slot_release(l, slot);
			continue;
		}
		/* Same slot and id, so the owner's handle stays valid. */
		/* Relative to the due time, so periodic timers do not drift. */
		l->slots[slot].when_ns = t.when_ns + (uint64_t)again * 1000000ULL;
		/*
		 * Late, or due again at once (0): the next round, after the
		 * fds, never again inside this one.
		 */
		if (l->slots[slot].when_ns <= now)
			l->slots[slot].when_ns = now + (uint64_t)again * 1000000ULL + 1;
		if (heap_push(l, slot) != 0) {
			slot_release(l, slot);
			return -1;
		}
	}
	return ran;
}

/* Dispatch one event if its registration is still the one that was waited on. */
static bool
dispatch(struct kd_loop *l, int fd, uint32_t gen, short revents)
{
	struct kd_fdent *e;

	if (fd < 0 || (size_t)fd >= l->fdcap)
		return false;
	e = &l->fds[fd];
	if (!e->live || e->gen != gen)
		return false;	/* deleted (or replaced) during this round */
	e->cb(l, fd, revents, e->arg);
	return true;
}

int
kd_loop_once(struct kd_loop *l, int max_wait_ms)
{
	size_t i, na;
	int timeout = max_wait_ms, n, ran = 0, rc;

	if (kd_loop_stopped(l))
		return 0;
	if (l->evcap == 0) {
		if ((l->ev = calloc(KD_LOOP_BATCH, sizeof(*l->ev))) == NULL)
			return -1;
		l->evcap = KD_LOOP_BATCH;
	}
	if (l->nheap > 0) {
		uint64_t now = kd_now_ns(), when = l->slots[l->heap[0]].when_ns;
		uint64_t ms = 0;

		if (when > now)	/* round up: waking early would spin */
			ms = (when - now + 999999ULL) / 1000000ULL;
		if (ms > INT32_MAX)	/* INT_MAX on every platform we build on */
			ms = INT32_MAX;
		if (timeout < 0 || (uint64_t)timeout > ms)
			timeout = (int)ms;
	}
	if (l->nlive == 0 && l->nheap == 0 && timeout < 0)
		return 0;	/* nothing to wait for */
	if (l->nalways > 0)
		timeout = 0;

	n = epoll_wait(l->epfd, l->ev, (int)l->evcap, timeout);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	/*
	 * Snapshot the always-ready set before any callback runs, so one
	 * added during this round waits for the next, like an epoll fd.
	 */
	na = 0;
	for (i = 0; i < l->nalways; i++) {
		struct kd_fdent *e = &l->fds[l->always[i]];
		short r = e->events & (POLLIN | POLLOUT);

		if (r == 0)
			continue;
		l->asnap[na].fd = l->always[i];
		l->asnap[na].gen = e->gen;
		l->asnap[na++].revents = r;
	}
	for (i = 0; i < (size_t)n && !kd_loop_stopped(l); i++) {
		uint64_t d = l->ev[i].data.u64;

		if (dispatch(l, (int)(uint32_t)d, (uint32_t)(d >> 32),
		    (short)l->ev[i].events))
			ran++;
	}
	/* A callback may grow l->asnap only by adding, after this round's copy. */
	for (i = 0; i < na && !kd_loop_stopped(l); i++) {
		struct kd_asnap a = l->asnap[i];

		if (dispatch(l, a.fd, a.gen, a.revents))
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
		if (l->nlive == 0 && l->nheap == 0)
			break;
		if (kd_loop_once(l, -1) < 0)
			return -1;
	}
	return 0;
}
