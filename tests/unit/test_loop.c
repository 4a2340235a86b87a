/*
 * The poll loop: timer order and repetition, fd events, deletion from
 * inside callbacks, the stop flag.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "kdtest.h"
#include "loop.h"

static char order[16];
static size_t norder;

static int64_t
mark(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id;
	if (norder + 1 < sizeof(order))
		order[norder++] = *(const char *)arg;
	return KD_NOMORE;
}

static int ticks;

static int64_t
tick(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	return ++ticks < 3 ? 5 : KD_NOMORE;
}

static void
test_timers(void)
{
	struct kd_loop *l = kd_loop_new();
	uint64_t t0;
	long id;

	KDT_CHECK(l != NULL);
	t0 = kd_now_ms();
	kd_loop_add_timer(l, 30, mark, "c");
	kd_loop_add_timer(l, 10, mark, "a");
	kd_loop_add_timer(l, 20, mark, "b");
	id = kd_loop_add_timer(l, 15, mark, "x");
	kd_loop_del_timer(l, id);
	kd_loop_del_timer(l, 9999);	/* unknown: no-op */
	kd_loop_add_timer(l, 0, tick, NULL);
	KDT_CHECK(kd_loop_ntimers(l) == 4);
	KDT_CHECK(kd_loop_run(l) == 0);
	order[norder] = '\0';
	KDT_STREQ(order, "abc");
	KDT_CHECK(ticks == 3);
	KDT_CHECK(kd_now_ms() - t0 >= 30);
	/* Not a speed test: only that nothing waited for a timer it deleted. */
	KDT_CHECK(kd_now_ms() - t0 < 10000);
	KDT_CHECK(kd_loop_ntimers(l) == 0);
	kd_loop_free(l);
}

struct pipes {
	int	 a[2], b[2];
	int	 reads;
	char	 got[8];
};

static void
on_read(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct pipes *p = arg;
	char c;

	if ((rev & POLLIN) && read(fd, &c, 1) == 1) {
		p->got[p->reads++] = c;
		/*
		 * Reading a closes b and deletes it: b's pending event in
		 * this round must not be delivered.
		 */
		if (c == 'a') {
			kd_loop_del_fd(l, p->b[0]);
			close(p->b[0]);
			p->b[0] = -1;
		}
	}
	kd_loop_del_fd(l, fd);
}

static void
test_fds(void)
{
	struct kd_loop *l = kd_loop_new();
	struct pipes p;

	memset(&p, 0, sizeof(p));
	KDT_CHECK(pipe(p.a) == 0 && pipe(p.b) == 0);
	KDT_CHECK(write(p.a[1], "a", 1) == 1 && write(p.b[1], "b", 1) == 1);
	KDT_CHECK(kd_loop_add_fd(l, p.a[0], POLLIN, on_read, &p) == 0);
	KDT_CHECK(kd_loop_add_fd(l, p.b[0], POLLIN, on_read, &p) == 0);
	KDT_CHECK(kd_loop_add_fd(l, p.a[0], POLLIN, on_read, &p) == -1);
	KDT_CHECK(kd_loop_nfds(l) == 2);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(p.reads == 1);
	KDT_CHECK(p.got[0] == 'a');
	KDT_CHECK(kd_loop_nfds(l) == 0);
	KDT_CHECK(kd_loop_mod_fd(l, p.a[0], POLLOUT) == -1);
	close(p.a[0]); close(p.a[1]); close(p.b[1]);
	kd_loop_free(l);
}

static int spins;

static int64_t
spin(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	return ++spins < 1000 ? 0 : KD_NOMORE;
}

/*
 * A timer that asks to run again at once (the capture source's "next
 * batch") runs once per round, so the fds of the same loop (the terminal)
 * get their turn in between.
 */
static void
test_zero_delay(void)
{
	struct kd_loop *l = kd_loop_new();

	KDT_CHECK(l != NULL);
	kd_loop_add_timer(l, 0, spin, NULL);
	KDT_CHECK(kd_loop_once(l, 0) >= 1);
	KDT_CHECK(spins == 1);
	KDT_CHECK(kd_loop_once(l, 100) >= 1);
	KDT_CHECK(spins == 2);
	KDT_CHECK(kd_loop_ntimers(l) == 1);
	kd_loop_free(l);
}

static volatile sig_atomic_t stopflag;

static int64_t
set_flag(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	stopflag = 1;
	return KD_NOMORE;
}

static int64_t
never(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	return 1000;
}

static void
test_stop(void)
{
	struct kd_loop *l = kd_loop_new();
	uint64_t t0 = kd_now_ms();

	kd_loop_watch_flag(l, &stopflag);
	kd_loop_add_timer(l, 5, set_flag, NULL);
	kd_loop_add_timer(l, 10000, never, NULL);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(stopflag == 1);
	KDT_CHECK(kd_loop_stopped(l));
	/* Stopped by the flag, long before the 10 s timer. */
	KDT_CHECK(kd_now_ms() - t0 < 8000);
	kd_loop_free(l);
	kd_loop_free(NULL);
}


static int64_t
idle(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	return 1000;
}

/* ------------------------------------------------------------------ */
/* Scale, ordering, removal: what the heap and epoll must keep. */

#define NT	20000

/*
 * When a timer is due is only known within the time its add took: the
 * loop reads the clock somewhere between lo and hi.  Order is checked
 * against those bounds, so a preemption under load (or a sanitizer) is
 * never taken for a misplaced timer.
 */
struct due {
	uint64_t	 lo, hi;	/* ns */
};
static struct due dues[NT];
static uint64_t max_lo;
static int nfired, misorder;
static long tids[NT];

static int64_t
ordered(struct kd_loop *l, long id, void *arg)
{
	const struct due *d = arg;

	(void)l; (void)id;
	/* A timer surely due earlier than one that already fired came late. */
	if (d->hi < max_lo)
		misorder++;
	if (d->lo > max_lo)
		max_lo = d->lo;
	nfired++;
	return KD_NOMORE;
}

/*
 * Many timers in random order, a third deleted: the rest fire once each,
 * in due order, and none of the deleted ones does.
 */
static void
test_many_timers(void)
{
	struct kd_loop *l = kd_loop_new();
	size_t i, ndel = 0, nbad = 0;
	uint64_t t0 = kd_now_ms();

	srandom(12);
	for (i = 0; i < NT; i++) {
		uint64_t in = (uint64_t)(random() % 200);

		dues[i].lo = kd_now_ns() + in * 1000000ULL;
		tids[i] = kd_loop_add_timer(l, in, ordered, &dues[i]);
		dues[i].hi = kd_now_ns() + in * 1000000ULL;
		if (tids[i] <= 0)
			nbad++;
	}
	KDT_CHECK(nbad == 0);
	for (i = 0; i < NT; i += 3, ndel++)
		kd_loop_del_timer(l, tids[i]);
	KDT_CHECK(kd_loop_ntimers(l) == NT - ndel);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(nfired == (int)(NT - ndel));
	KDT_CHECK(misorder == 0);
	/* Timers of at most 200 ms: a generous bound that only a hang breaks. */
	KDT_CHECK(kd_now_ms() - t0 < 20000);
	/* Stale ids of fired and deleted timers: no-ops, even on reused slots. */
	KDT_CHECK(kd_loop_add_timer(l, 10000, idle, NULL) > 0);
	for (i = 0; i < NT; i++)
		kd_loop_del_timer(l, tids[i]);
	KDT_CHECK(kd_loop_ntimers(l) == 1);
	kd_loop_free(l);
}

/* Same due time: the order they were added in. */
static void
test_ties(void)
{
	struct kd_loop *l = kd_loop_new();
	static const char *const letters[] = { "d", "e", "f", "g", "h", "i" };
	size_t i;

	norder = 0;
	for (i = 0; i < 6; i++)
		kd_loop_add_timer(l, 5, mark, (void *)letters[i]);
	KDT_CHECK(kd_loop_run(l) == 0);
	order[norder] = '\0';
	KDT_STREQ(order, "defghi");
	kd_loop_free(l);
}

static long victim;
static int victim_ran, self_runs;

static int64_t
kill_victim(struct kd_loop *l, long id, void *arg)
{
	(void)id; (void)arg;
	kd_loop_del_timer(l, victim);
	return KD_NOMORE;
}

static int64_t
victim_cb(struct kd_loop *l, long id, void *arg)
{
	(void)l; (void)id; (void)arg;
	victim_ran++;
	return KD_NOMORE;
}

static int64_t
self_delete(struct kd_loop *l, long id, void *arg)
{
	(void)arg;
	self_runs++;
	kd_loop_del_timer(l, id);
	return 1;	/* ignored: deleted */
}

/*
 * A due timer deleted by another due timer of the same round does not run;
 * a timer that deletes itself is not rescheduled.
 */
static void
test_timer_removal(void)
{
	struct kd_loop *l = kd_loop_new();

	kd_loop_add_timer(l, 0, kill_victim, NULL);
	victim = kd_loop_add_timer(l, 0, victim_cb, NULL);
	kd_loop_add_timer(l, 0, self_delete, NULL);
	usleep(2000);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(victim_ran == 0);
	KDT_CHECK(self_runs == 1);
	KDT_CHECK(kd_loop_ntimers(l) == 0);
	kd_loop_free(l);
}

#define NPAIRS	2000

struct many {
	int	 sv[NPAIRS][2];
	int	 got, bad;
	size_t	 n;
};

static void
on_many(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct many *m = arg;
	char c;

	if (!(rev & POLLIN) || read(fd, &c, 1) != 1 || c != 'x')
		m->bad++;
	m->got++;
	kd_loop_del_fd(l, fd);
}

/*
 * Thousands of fds, every one ready once: each callback runs exactly once,
 * and the loop ends when the last one deletes itself.
 */
static void
test_many_fds(void)
{
	struct kd_loop *l = kd_loop_new();
	struct many *m = calloc(1, sizeof(*m));
	struct rlimit rl;
	size_t i;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * NPAIRS + 64) {
		rl.rlim_cur = rl.rlim_max < 2 * NPAIRS + 64 ? rl.rlim_max : 2 * NPAIRS + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < NPAIRS; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, m->sv[i]) != 0)
			break;
		if (kd_loop_add_fd(l, m->sv[i][0], POLLIN, on_many, m) != 0 ||
		    write(m->sv[i][1], "x", 1) != 1)
			m->bad++;
	}
	m->n = i;
	KDT_CHECK(m->n >= 400);	/* whatever the descriptor limit allows */
	KDT_CHECK(kd_loop_nfds(l) == m->n);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(m->got == (int)m->n);
	KDT_CHECK(m->bad == 0);
	for (i = 0; i < m->n; i++) {
		close(m->sv[i][0]);
		close(m->sv[i][1]);
	}
	free(m);
	kd_loop_free(l);
}

struct reuse {
	int	 a[2], b[2];
	int	 keep;
	int	 stale, fresh;
};

static void
on_fresh(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct reuse *r = arg;

	(void)rev;
	r->fresh++;
	kd_loop_del_fd(l, fd);
}

static void
on_stale(struct kd_loop *l, int fd, short rev, void *arg)
{
	(void)l; (void)fd; (void)rev;
	((struct reuse *)arg)->stale++;
}

/*
 * The first callback closes the other ready fd and opens a new one that
 * gets the same number: the old event (already fetched from the kernel)
 * must not reach the new registration.
 */
static void
on_reopen(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct reuse *r = arg;
	int other = fd == r->a[0] ? r->b[0] : r->a[0], nfd[2];

	(void)rev;
	kd_loop_del_fd(l, fd);
	kd_loop_del_fd(l, other);
	close(other);
	if (pipe(nfd) != 0)
		return;
	/* pipe() takes the lowest free numbers: other's comes back. */
	if (nfd[0] == other)
		kd_loop_add_fd(l, nfd[0], POLLIN, on_stale, r);
	else
		r->stale += 100;	/* could not set the trap up */
	/* The write end stays open: a hang-up would be a real event. */
	r->keep = nfd[1];
	if (fd == r->a[0])
		r->b[0] = nfd[0];
	else
		r->a[0] = nfd[0];
	/* A fresh fd that is ready, to prove the loop keeps going. */
	kd_loop_add_fd(l, r->a[1], POLLOUT, on_fresh, r);
}

static void
test_fd_reuse(void)
{
	struct kd_loop *l = kd_loop_new();
	struct reuse r;

	memset(&r, 0, sizeof(r));
	KDT_CHECK(pipe(r.a) == 0 && pipe(r.b) == 0);
	KDT_CHECK(write(r.a[1], "a", 1) == 1 && write(r.b[1], "b", 1) == 1);
	kd_loop_add_fd(l, r.a[0], POLLIN, on_reopen, &r);
	kd_loop_add_fd(l, r.b[0], POLLIN, on_reopen, &r);
	KDT_CHECK(kd_loop_once(l, 100) == 1);
	KDT_CHECK(r.stale == 0);
	KDT_CHECK(kd_loop_once(l, 100) >= 1);
	KDT_CHECK(r.fresh == 1);
	KDT_CHECK(r.stale == 0);	/* the new pipe's read end has no data */
	kd_loop_free(l);
	close(r.a[0]); close(r.a[1]); close(r.b[0]); close(r.b[1]); close(r.keep);
}

static int file_reads;

static void
on_file(struct kd_loop *l, int fd, short rev, void *arg)
{
	(void)arg;
	if (rev & POLLIN)
		file_reads++;
	if (file_reads == 3)
		kd_loop_del_fd(l, fd);
}

/* epoll refuses regular files; the loop reports them ready, as poll(2) does. */
static void
test_regular_file(void)
{
	struct kd_loop *l = kd_loop_new();
	char path[] = "/tmp/kd-loop-XXXXXX";
	int fd = mkstemp(path);

	KDT_CHECK(fd >= 0);
	unlink(path);
	KDT_CHECK(kd_loop_add_fd(l, fd, POLLIN, on_file, NULL) == 0);
	KDT_CHECK(kd_loop_mod_fd(l, fd, POLLIN) == 0);
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(file_reads == 3);
	KDT_CHECK(kd_loop_nfds(l) == 0);
	close(fd);
	kd_loop_free(l);
}

int
main(void)
{
	test_timers();
	test_fds();
	test_zero_delay();
	test_stop();
	test_many_timers();
	test_ties();
	test_timer_removal();
	test_many_fds();
	test_fd_reuse();
	test_regular_file();
	return KDT_DONE("test_loop");
}
