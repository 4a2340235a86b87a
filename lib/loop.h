/*
 * A small event loop (epoll(7), poll(2) semantics) with CLOCK_MONOTONIC
 * timers (style R8).  An event costs the same with ten or twenty thousand
 * fds and timers waiting.
 *
 * One loop drives every socket of a probe run and, in the dashboard, the
 * terminal and the redraw timer as well.  No threads.  Signal handlers only
 * set a volatile sig_atomic_t flag; the loop checks it after every wakeup
 * (kd_loop_watch_flag) and stops.
 *
 * Callbacks may add and delete fds and timers, including their own, from
 * inside a callback.  A deleted fd never gets a stale event, even if its
 * number is reused before the loop dispatches the rest of a poll round.
 */
#ifndef KD_LOOP_H
#define KD_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_loop;

/* Timer callbacks return the next delay in ms, or KD_NOMORE to end the timer. */
#define KD_NOMORE	(-1)

typedef void	 kd_fd_cb(struct kd_loop *, int fd, short revents, void *arg);
typedef int64_t	 kd_timer_cb(struct kd_loop *, long id, void *arg);

struct kd_loop	*kd_loop_new(void);
/* Frees the loop; does not close the fds still registered.  NULL is a no-op. */
void		 kd_loop_free(struct kd_loop *);

/*
 * events are poll(2) events (POLLIN, POLLOUT); so are revents.  A regular
 * file is always ready, as with poll(2).  Delete an fd before closing it.
 * 0 on success, -1 (errno) on failure.
 */
int		 kd_loop_add_fd(struct kd_loop *, int fd, short events, kd_fd_cb *, void *arg);
int		 kd_loop_mod_fd(struct kd_loop *, int fd, short events);
void		 kd_loop_del_fd(struct kd_loop *, int fd);

/* Returns a timer id > 0, or -1 on allocation failure. */
long		 kd_loop_add_timer(struct kd_loop *, uint64_t in_ms, kd_timer_cb *, void *arg);
/*
 * Deleting an unknown or finished timer id is a no-op.  A timer deleted
 * from inside its own callback is not rescheduled, whatever it returns.
 * Timers due at the same time run in the order they were added.
 */
void		 kd_loop_del_timer(struct kd_loop *, long id);

/*
 * Run until kd_loop_stop(), the watched flag is set, or nothing is left to
 * wait for (no fds and no timers).  Returns 0, or -1 if waiting failed.
 */
int		 kd_loop_run(struct kd_loop *);
/*
 * One round: wait at most max_wait_ms (-1: until the next timer or fd
 * event), dispatch.  Returns the number of callbacks run, or -1 on error.
 */
int		 kd_loop_once(struct kd_loop *, int max_wait_ms);
void		 kd_loop_stop(struct kd_loop *);
bool		 kd_loop_stopped(const struct kd_loop *);
/* The loop stops when *flag becomes non-zero (set by a signal handler). */
void		 kd_loop_watch_flag(struct kd_loop *, volatile sig_atomic_t *flag);
/* Number of registered fds and pending timers. */
size_t		 kd_loop_nfds(const struct kd_loop *);
size_t		 kd_loop_ntimers(const struct kd_loop *);

/* CLOCK_MONOTONIC, never wall-clock time. */
uint64_t	 kd_now_ns(void);
uint64_t	 kd_now_ms(void);

#endif
