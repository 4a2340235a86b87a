/*
 * dnsdelay: a UDP DNS relay on loopback that holds every answer for a
 * fixed time, so a local authoritative server looks like one across a
 * WAN link (netem in user space, for hosts whose kernel has no sch_netem).
 *
 *   dnsdelay LISTEN_PORT UPSTREAM_PORT DELAY_MS
 *
 * Listens on 127.0.0.1:LISTEN_PORT (UDP and TCP), prints "PORT n" once it
 * does, relays each query to 127.0.0.1:UPSTREAM_PORT from a socket of its
 * own and sends the answer back DELAY_MS after it came.  A TCP connection
 * (after a truncated answer) is relayed by a child process of its own, the
 * same way.  A query whose name has a label
 * "silent" is dropped: a name that never resolves.  It counts the queries
 * and prints "queries N" on SIGTERM/SIGINT.  Benchmark tool: one process,
 * one kd_loop, no threads.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

struct relay {
	int			 fd;		/* to the upstream */
	struct sockaddr_in	 client;
	uint8_t			 buf[4096];
	ssize_t			 len;
};

static int lfd;
static struct sockaddr_in upstream;
static unsigned delay_ms;
static unsigned long nqueries, ndropped;
static volatile sig_atomic_t quit;

static void
on_sig(int sig)
{
	(void)sig;
	quit = 1;
}

static int64_t
send_late(struct kd_loop *l, long id, void *arg)
{
	struct relay *r = arg;

	(void)l;
	(void)id;
	sendto(lfd, r->buf, (size_t)r->len, 0, (struct sockaddr *)&r->client,
	    sizeof(r->client));
	free(r);
	return KD_NOMORE;
}

static void
on_upstream(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct relay *r = arg;

	(void)rev;
	r->len = recv(fd, r->buf, sizeof(r->buf), 0);
	kd_loop_del_fd(l, fd);
	close(fd);
	if (r->len <= 0 || kd_loop_add_timer(l, delay_ms, send_late, r) < 0)
		free(r);
}

/* True when the question name has a label "silent". */
static bool
silent(const uint8_t *q, ssize_t n)
{
	ssize_t off = 12;

	while (off < n && q[off] != 0 && (q[off] & 0xc0) == 0) {
		if (q[off] == 6 && off + 7 <= n && memcmp(q + off + 1, "silent", 6) == 0)
			return true;
		off += q[off] + 1;
	}
	return false;
}

static void
on_query(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	uint8_t q[4096];
	struct relay *r;
	ssize_t n;
	int ufd;

	(void)rev;
	(void)arg;
	while ((n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
	    &fl)) > 0) {
		nqueries++;
		if (silent(q, n)) {
			ndropped++;
			continue;
		}
		if ((r = calloc(1, sizeof(*r))) == NULL)
			continue;
		r->client = from;
		ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (ufd < 0 || connect(ufd, (struct sockaddr *)&upstream,
		    sizeof(upstream)) != 0 || send(ufd, q, (size_t)n, 0) != n ||
		    kd_loop_add_fd(l, ufd, POLLIN, on_upstream, r) != 0) {
			if (ufd >= 0)
				close(ufd);
			free(r);
		}
		fl = sizeof(from);
	}
}

/* Exactly n bytes, blocking; false on EOF or error. */
static bool
io_full(int fd, uint8_t *b, size_t n, bool wr)
{
	ssize_t r;
	size_t off = 0;

	while (off < n) {
		r = wr ? write(fd, b + off, n - off) : read(fd, b + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		off += (size_t)r;
	}
	return true;
}

/* The child for one TCP connection: one message each way, late. */
static void
tcp_relay(int cfd)
{
	uint8_t len[2], msg[65536];
	size_t n;
	int ufd;

	if (!io_full(cfd, len, 2, false))
		_exit(0);
	n = (size_t)len[0] << 8 | len[1];
	if (!io_full(cfd, msg, n, false))
		_exit(0);
	if (silent(msg, (ssize_t)n))
		_exit(0);
	if ((ufd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(ufd, (struct sockaddr *)&upstream, sizeof(upstream)) != 0 ||
	    !io_full(ufd, len, 2, true) || !io_full(ufd, msg, n, true) ||
	    !io_full(ufd, len, 2, false))
		_exit(1);
	n = (size_t)len[0] << 8 | len[1];
	if (!io_full(ufd, msg, n, false))
		_exit(1);
	usleep(delay_ms * 1000);
	io_full(cfd, len, 2, true);
	io_full(cfd, msg, n, true);
	_exit(0);
}

static void
on_accept(struct kd_loop *l, int fd, short rev, void *arg)
{
	int cfd;

	(void)l;
	(void)rev;
	(void)arg;
	if ((cfd = accept(fd, NULL, NULL)) < 0)
		return;
	nqueries++;
	if (fork() == 0) {
		close(fd);
		tcp_relay(cfd);
	}
	close(cfd);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct kd_loop *l;
	int tfd, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: dnsdelay LISTEN_PORT UPSTREAM_PORT DELAY_MS\n");
		return 64;
	}
	delay_ms = (unsigned)strtoul(argv[3], NULL, 10);
	memset(&upstream, 0, sizeof(upstream));
	upstream.sin_family = AF_INET;
	upstream.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)strtoul(argv[1], NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) != 0) {
		fprintf(stderr, "dnsdelay: %s\n", strerror(errno));
		return 1;
	}
	/* TCP on the same port number. */
	if ((tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(tfd, 64) != 0) {
		fprintf(stderr, "dnsdelay: tcp: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	signal(SIGCHLD, SIG_IGN);	/* children reap themselves */
	if ((l = kd_loop_new()) == NULL || kd_loop_add_fd(l, lfd, POLLIN, on_query, NULL) != 0 ||
	    kd_loop_add_fd(l, tfd, POLLIN, on_accept, NULL) != 0)
		return 1;
	kd_loop_watch_flag(l, &quit);
	printf("PORT %u\n", (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	kd_loop_run(l);
	printf("queries %lu dropped %lu\n", nqueries, ndropped);
	return 0;
}
