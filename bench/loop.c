/*
 * loop: the cost of one event in kd_loop with many fds and timers
 * waiting, against a poll(2) loop that rebuilds its pollfd array and scans
 * every timer on each wakeup (what lib/loop.c did before epoll and a
 * timer heap, and what a simple loop does).
 *
 *   loop [NFDS [NTIMERS [EVENTS [REF_EVENTS]]]]
 *                              (defaults 20000 20000 20000 1000)
 *
 * NFDS idle descriptors are registered for POLLIN, NTIMERS timers wait an
 * hour, and one pipe carries EVENTS one-byte messages, each written by
 * the callback that read the previous one: every wakeup has one ready fd
 * among many idle ones, as in a probe run with thousands of connects in
 * flight.  Prints one line per loop:
 * "name nfds ntimers events seconds us_per_event" (NFDS is lowered to what
 * the descriptor limit allows).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

static int pp[2];
static long todo;

static void
on_pipe(struct kd_loop *l, int fd, short rev, void *arg)
{
	char c;

	(void)rev;
	(void)arg;
	if (read(fd, &c, 1) != 1)
		return;
	if (--todo <= 0) {
		kd_loop_stop(l);
		return;
	}
	if (write(pp[1], "x", 1) != 1)
		kd_loop_stop(l);
}

static void
on_idle(struct kd_loop *l, int fd, short rev, void *arg)
{
	(void)l;
	(void)fd;
	(void)rev;
	(void)arg;
}

static int64_t
on_timer(struct kd_loop *l, long id, void *arg)
{
	(void)l;
	(void)id;
	(void)arg;
	return KD_NOMORE;
}

/* The reference: poll(2) over an array rebuilt each round, timers scanned. */
struct ref_timer {
	uint64_t	when_ms;
};

static double
run_ref(int *idle, int nfds, int ntimers, long events)
{
	struct pollfd *pfd = calloc((size_t)nfds + 1, sizeof(*pfd));
	struct ref_timer *t = calloc((size_t)ntimers + 1, sizeof(*t));
	uint64_t t0, next;
	long left = events;
	int i, n, timeout;
	char c;

	if (pfd == NULL || t == NULL)
		return -1;
	for (i = 0; i < ntimers; i++)
		t[i].when_ms = kd_now_ms() + 3600 * 1000;
	if (write(pp[1], "x", 1) != 1)
		return -1;
	t0 = kd_now_ns();
	while (left > 0) {
		/* What a scanning loop does on every wakeup. */
		for (i = 0; i < nfds; i++) {
			pfd[i].fd = idle[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		pfd[nfds].fd = pp[0];
		pfd[nfds].events = POLLIN;
		pfd[nfds].revents = 0;
		next = UINT64_MAX;
		for (i = 0; i < ntimers; i++)
			if (t[i].when_ms < next)
				next = t[i].when_ms;
		timeout = next == UINT64_MAX ? -1 : 1000;
		if ((n = poll(pfd, (nfds_t)nfds + 1, timeout)) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i <= nfds && n > 0; i++) {
			if (pfd[i].revents == 0)
				continue;
			n--;
			if (pfd[i].fd == pp[0] && read(pp[0], &c, 1) == 1 && --left > 0 &&
			    write(pp[1], "x", 1) != 1)
				return -1;
		}
	}
	free(pfd);
	free(t);
	return (double)(kd_now_ns() - t0) / 1e9;
}

static double
run_kd(int *idle, int nfds, int ntimers, long events)
{
	struct kd_loop *l = kd_loop_new();
	uint64_t t0;
	int i;

	if (l == NULL)
		return -1;
	for (i = 0; i < nfds; i++)
		if (kd_loop_add_fd(l, idle[i], POLLIN, on_idle, NULL) != 0)
			return -1;
	for (i = 0; i < ntimers; i++)
		if (kd_loop_add_timer(l, 3600 * 1000, on_timer, NULL) < 0)
			return -1;
	if (kd_loop_add_fd(l, pp[0], POLLIN, on_pipe, NULL) != 0)
		return -1;
	todo = events;
	if (write(pp[1], "x", 1) != 1)
		return -1;
	t0 = kd_now_ns();
	while (!kd_loop_stopped(l))
		if (kd_loop_once(l, -1) < 0)
			return -1;
	t0 = kd_now_ns() - t0;
	kd_loop_free(l);
	return (double)t0 / 1e9;
}

int
main(int argc, char *argv[])
{
	int nfds = argc > 1 ? atoi(argv[1]) : 20000;
	int ntimers = argc > 2 ? atoi(argv[2]) : 20000;
	long events = argc > 3 ? atol(argv[3]) : 20000;
	/* The reference takes milliseconds an event: fewer of them. */
	long ref_events = argc > 4 ? atol(argv[4]) : 1000;
	struct rlimit rl;
	int *idle, sv[2], i;
	double k, r;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		/* What the descriptor limit allows, with room for the rest. */
		if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)nfds + 32 > rl.rlim_cur)
			nfds = (int)rl.rlim_cur - 32;
	}
	if ((idle = calloc((size_t)nfds, sizeof(*idle))) == NULL || pipe(pp) != 0)
		return 1;
	/*
	 * One silent socket, watched through NFDS descriptors of its own
	 * (dup): each is a registration of its own for poll and epoll alike,
	 * and the descriptor limit allows twice as many as socket pairs.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	for (i = 0; i < nfds; i++)
		if ((idle[i] = dup(sv[0])) < 0) {
			fprintf(stderr, "loop: %d fds: %s\n", i, strerror(errno));
			return 1;
		}
	k = run_kd(idle, nfds, ntimers, events);
	r = run_ref(idle, nfds, ntimers, ref_events);
	if (k < 0 || r < 0) {
		fprintf(stderr, "loop: failed: %s\n", strerror(errno));
		return 1;
	}
	printf("kd_loop %d %d %ld %.3f %.2f\n", nfds, ntimers, events, k,
	    k * 1e6 / (double)events);
	printf("poll-scan %d %d %ld %.3f %.2f\n", nfds, ntimers, ref_events, r,
	    r * 1e6 / (double)ref_events);
	return 0;
}
