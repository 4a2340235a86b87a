/*
 * The poll loop: timer order and repetition, fd events, deletion from
 * inside callbacks, the stop flag.
 */
#include <fcntl.h>
#include <poll.h>
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
	KDT_CHECK(kd_now_ms() - t0 < 1000);
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
	KDT_CHECK(kd_now_ms() - t0 < 1000);
	kd_loop_free(l);
	kd_loop_free(NULL);
}

int
main(void)
{
	test_timers();
	test_fds();
	test_zero_delay();
	test_stop();
	return KDT_DONE("test_loop");
}
