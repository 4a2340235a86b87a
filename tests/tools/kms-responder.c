/*
 * kms-responder: a scripted KMS host for kmsdiag-probe's tests.
 *
 * Loopback by default (127.0.0.1 or ::1), never installed, not built by
 * the default target.  It listens on port 0, prints "PORT <n>" on stdout,
 * and exits by itself after --lifetime seconds (default 20), so a test
 * needs no fixed port and cannot leave a server behind.
 *
 *   --accept MODE   ok (default), or reset: accept the connection and reset
 *                   it at once, before anything is read (SO_LINGER 0)
 *   --bind MODE     ack (default), nak, fault, reject (bind_ack refusing the
 *                   interface), garbage (an HTTP answer), silence, close,
 *                   reset (read the bind, then reset the connection),
 *                   partial (the first 10 bytes of the bind_ack, then
 *                   nothing)
 *   --request MODE  ok (default), corrupt (integrity field flipped),
 *                   fault, silence, close, or an HRESULT such as 0xC004F042
 *   --bad-call-id WHICH  answer the bind or the request with another
 *                   call_id than the one asked (bind, request)
 *   --trickle MS    send every answer one byte every MS milliseconds
 *   --hwid HEX      the HwId of v6 answers, 16 hex digits (default
 *                   0123456789ABCDEF; vlmcsd's is 3A1C049600B60076, an
 *                   emulator sign kmsdiag reports)
 *   --syntax S      transfer syntaxes accepted: ndr64 (default, like a
 *                   Windows 8+ host), ndr, both
 *   --count N       CurrentCount answered (default 50)
 *   --epid EPID     host ePID (default: a Windows Server 2019 host)
 *   --ai MIN        activation interval (default 120)
 *   --ri MIN        renewal interval (default 10080)
 *   --lifetime S    exit after S seconds (default 20, at most 3600)
 *   --refuse        bind the port but do not listen: connections get RST,
 *                   so "refused" tests have a port that nobody else takes
 *   -6              listen on ::1 instead of 127.0.0.1
 *   --listen ADDR   listen on this numeric address instead: bench/probe.sh
 *                   answers on every address of a test namespace with
 *                   0.0.0.0 or :: (never use it outside a namespace)
 *   --port N        this port instead of a free one (0), e.g. the port of
 *                   the IPv4 responder for its IPv6 twin
 *
 * It uses the suite's own loop, DCE/RPC and KMS codecs (the host side of
 * protocol doc §4.9), so a probe test exercises both directions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cursor.h"
#include "dcerpc.h"
#include "kdlimits.h"
#include "kms.h"
#include "loop.h"

/* Connections served at once: bench/probe.sh opens thousands together. */
#define MAXCONN	32768

enum bind_mode { B_ACK, B_NAK, B_FAULT, B_REJECT, B_GARBAGE, B_SILENCE, B_CLOSE, B_RESET,
	B_PARTIAL };
enum req_mode { RQ_OK, RQ_CORRUPT, RQ_FAULT, RQ_SILENCE, RQ_CLOSE, RQ_HRESULT };

struct cfg {
	enum bind_mode	 bind;
	enum req_mode	 req;
	uint32_t	 hresult;
	bool		 ndr, ndr64;
	uint32_t	 count, ai, ri;
	bool		 accept_reset;
	bool		 bad_call_bind, bad_call_request;
	unsigned	 trickle_ms;
	uint8_t		 hwid[8];
	const char	*epid;
	char		 port[8];
	struct kms_keys	 keys;
};

struct conn {
	int		 fd;
	uint8_t		 buf[KD_MAX_RPC_FRAG];
	size_t		 len;
	enum dcerpc_syntax ctx_syntax[DCERPC_MAX_CTX];	/* by context id; UNKNOWN = not bound */
	struct cfg	*cfg;
	struct kd_loop	*loop;
	size_t		 slot;		/* index in conns[] */
	uint8_t		 out[2048];	/* --trickle: what is still to send */
	size_t		 olen, ooff;
	long		 otimer;
};

static struct cfg cfg;
static struct conn *conns[MAXCONN];
static size_t nextconn;	/* where to look for a free slot first */

static void
conn_close(struct kd_loop *l, struct conn *c)
{
	kd_loop_del_fd(l, c->fd);
	if (c->otimer > 0)
		kd_loop_del_timer(l, c->otimer);
	close(c->fd);
	conns[c->slot] = NULL;
	if (c->slot < nextconn)
		nextconn = c->slot;
	free(c);
}

/* Reset rather than close: SO_LINGER with a zero timeout sends a RST. */
static void
conn_reset(struct kd_loop *l, struct conn *c)
{
	struct linger lg = { 1, 0 };

	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(l, c);
}

static int64_t
trickle(struct kd_loop *l, long id, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)id;
	if (c->ooff < c->olen && send(c->fd, c->out + c->ooff, 1, MSG_NOSIGNAL) == 1)
		c->ooff++;
	if (c->ooff < c->olen)
		return c->cfg->trickle_ms;
	c->olen = c->ooff = 0;
	c->otimer = 0;
	return KD_NOMORE;
}

static void
put(struct conn *c, const void *b, size_t n)
{
	if (c->cfg->trickle_ms > 0) {
		if (n > sizeof(c->out) - c->olen)
			n = sizeof(c->out) - c->olen;
		memcpy(c->out + c->olen, b, n);
		c->olen += n;
		if (c->otimer == 0)
			c->otimer = kd_loop_add_timer(c->loop, c->cfg->trickle_ms, trickle, c);
		return;
	}
	/* Answers are a few hundred bytes: one blocking-free send fits the socket buffer. */
	if (n > 0 && send(c->fd, b, n, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "kms-responder: send: %s\n", strerror(errno));
}

/* false: close the connection */
static bool
on_bind(struct conn *c, const struct dcerpc_hdr *h, struct kd_cur *body)
{
	struct dcerpc_bind b;
	struct dcerpc_result res[DCERPC_MAX_CTX];
	struct kd_diag d;
	uint8_t out[1024];
	size_t n, i;
	static const char http[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

	switch (c->cfg->bind) {
	case B_SILENCE:
		return true;
	case B_CLOSE:
	case B_RESET:	/* the caller resets */
		return false;
	case B_GARBAGE:
		put(c, http, sizeof(http) - 1);
		return true;
	case B_NAK:
		n = dcerpc_encode_bind_nak(out, sizeof(out), h->call_id, 4);
		put(c, out, n);
		return true;
	case B_FAULT:
		n = dcerpc_encode_fault(out, sizeof(out), h->call_id, 0, 0x1C01000B);
		put(c, out, n);
		return true;
	default:
		break;
	}
	kd_diag_clear(&d);
	if (dcerpc_decode_bind(body, h, &b, &d) != KD_OK)
		return false;	/* as vlmcsd: a malformed bind closes the connection */
	memset(res, 0, sizeof(res));
	for (i = 0; i < b.n_kept; i++) {
		const struct dcerpc_ctx *x = &b.ctx[i];

		if (c->cfg->bind == B_REJECT || !x->is_kms) {
			res[i].result = 2;
			res[i].reason = 1;	/* abstract syntax not supported */
		} else if (x->syntax == SYNTAX_BTFN) {
			res[i].result = 3;
			res[i].reason = 3;
		} else if ((x->syntax == SYNTAX_NDR && c->cfg->ndr) ||
		    (x->syntax == SYNTAX_NDR64 && c->cfg->ndr64)) {
			res[i].syntax = x->syntax;
			if (x->id < DCERPC_MAX_CTX)
				c->ctx_syntax[x->id] = x->syntax;
		} else {
			res[i].result = 2;
			res[i].reason = 2;	/* transfer syntax not supported */
		}
	}
	n = dcerpc_encode_bind_ack(out, sizeof(out), h->call_id + (c->cfg->bad_call_bind ? 5 : 0),
	    h->flags, h->ptype == DCERPC_ALTER_CONTEXT, 0x1063bf3f, c->cfg->port, res, b.n_kept);
	put(c, out, c->cfg->bind == B_PARTIAL && n > 10 ? 10 : n);
	return true;
}

static bool
on_request(struct conn *c, const struct dcerpc_hdr *h, struct kd_cur *body)
{
	struct dcerpc_call call;
	struct kms_request req;
	struct kms_response_spec spec;
	struct kd_cur stub;
	struct kd_diag d;
	uint8_t msg[512], st[640], out[1024];
	size_t moff, mlen, n, slen;
	enum dcerpc_syntax syn;

	kd_diag_clear(&d);
	if (dcerpc_decode_call(body, h, &call, &d) != KD_OK)
		return false;
	syn = call.ctx_id < DCERPC_MAX_CTX ? c->ctx_syntax[call.ctx_id] : SYNTAX_UNKNOWN;
	if (syn == SYNTAX_UNKNOWN || c->cfg->req == RQ_FAULT) {
		n = dcerpc_encode_fault(out, sizeof(out), h->call_id, call.ctx_id,
		    syn == SYNTAX_UNKNOWN ? 0x1C010003 : 0x1C010002);
		put(c, out, n);
		return true;
	}
	if (c->cfg->req == RQ_SILENCE)
		return true;
	if (c->cfg->req == RQ_CLOSE)
		return false;
	if (call.stub_off > h->frag_length || call.stub_len > h->frag_length - call.stub_off)
		return false;
	kd_cur_init(&stub, c->buf + call.stub_off, call.stub_len);
	if (kms_stub_unwrap_request(&stub, syn, &moff, &mlen, &d) != KD_OK)
		return false;
	if (c->cfg->req == RQ_HRESULT ||
	    kms_decode_request(&c->cfg->keys, c->buf + call.stub_off + moff, mlen, &req,
	    &d) != KD_OK) {
		slen = kms_stub_wrap_response(st, sizeof(st), syn, NULL, 0,
		    c->cfg->req == RQ_HRESULT ? c->cfg->hresult : 0x8007000D);
		n = dcerpc_encode_response(out, sizeof(out), h->call_id, call.ctx_id, st, slen);
		put(c, out, n);
		return true;
	}
	memset(&spec, 0, sizeof(spec));
	spec.epid = c->cfg->epid;
	spec.count = c->cfg->count;
	spec.activation_interval = c->cfg->ai;
	spec.renewal_interval = c->cfg->ri;
	memcpy(spec.hwid, c->cfg->hwid, 8);
	if (getrandom(spec.random, sizeof(spec.random), 0) != sizeof(spec.random) ||
	    getrandom(spec.x0, sizeof(spec.x0), 0) != sizeof(spec.x0))
		return false;
	spec.corrupt = c->cfg->req == RQ_CORRUPT;
	mlen = kms_encode_response(&c->cfg->keys, msg, sizeof(msg), &req, &spec);
	if (mlen == 0)
		return false;
	slen = kms_stub_wrap_response(st, sizeof(st), syn, msg, mlen, 0);
	n = dcerpc_encode_response(out, sizeof(out), h->call_id +
	    (c->cfg->bad_call_request ? 5 : 0), call.ctx_id, st, slen);
	put(c, out, n);
	return true;
}

static void
on_conn(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	(void)fd;
	(void)rev;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(l, c);
		return;
	}
	c->len += (size_t)n;
	/* Cut whole PDUs out of the stream by frag_length (§2.9). */
	while (c->len >= DCERPC_HDR_LEN) {
		struct dcerpc_hdr h;
		struct kd_cur cur, body;
		struct kd_diag d;
		bool keep = true;

		kd_diag_clear(&d);
		kd_cur_init(&cur, c->buf, c->len);
		if (dcerpc_decode_hdr(&cur, &h, &d) != KD_OK) {
			conn_close(l, c);
			return;
		}
		if (c->len < h.frag_length)
			return;
		kd_cur_init(&cur, c->buf, h.frag_length);
		kd_cur_sub(&cur, h.frag_length, &body);
		kd_cur_skip(&body, DCERPC_HDR_LEN);
		if (h.ptype == DCERPC_BIND || h.ptype == DCERPC_ALTER_CONTEXT)
			keep = on_bind(c, &h, &body);
		else if (h.ptype == DCERPC_REQUEST)
			keep = on_request(c, &h, &body);
		if (!keep) {
			if (c->cfg->bind == B_RESET)
				conn_reset(l, c);
			else
				conn_close(l, c);
			return;
		}
		memmove(c->buf, c->buf + h.frag_length, c->len - h.frag_length);
		c->len -= h.frag_length;
	}
}

static void
on_accept(struct kd_loop *l, int lfd, short rev, void *arg)
{
	struct conn *c;
	int fd;

	(void)rev;
	(void)arg;
	/* Every connection waiting, not one per wakeup: thousands arrive at once. */
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
			close(fd);
			continue;
		}
		while (nextconn < MAXCONN && conns[nextconn] != NULL)
			nextconn++;
		if (nextconn == MAXCONN) {
			for (nextconn = 0; nextconn < MAXCONN && conns[nextconn] != NULL;
			    nextconn++)
				;
		}
		if (nextconn == MAXCONN || (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->cfg = &cfg;
		c->loop = l;
		c->slot = nextconn;
		conns[nextconn] = c;
		if (cfg.accept_reset) {
			conn_reset(l, c);
			continue;
		}
		if (kd_loop_add_fd(l, fd, POLLIN, on_conn, c) != 0)
			conn_close(l, c);
	}
}

static int64_t
on_lifetime(struct kd_loop *l, long id, void *arg)
{
	(void)id;
	(void)arg;
	kd_loop_stop(l);
	return KD_NOMORE;
}

static void
usage(void)
{
	fprintf(stderr, "usage: kms-responder [-6] [--bind MODE] [--request MODE] "
	    "[--syntax ndr|ndr64|both]\n"
	    "                     [--count N] [--epid EPID] [--ai MIN] [--ri MIN] "
	    "[--lifetime S] [--refuse]\n"
	    "                     [--listen ADDR] [--port N] [--accept ok|reset]\n"
	    "                     [--bad-call-id bind|request] [--trickle MS] [--hwid HEX]\n");
	exit(64);
}

/* Mode names, in enum order. */
static const char *const bind_modes[] = {
	"ack", "nak", "fault", "reject", "garbage", "silence", "close", "reset", "partial",
	NULL
};
static const char *const req_modes[] = {
	"ok", "corrupt", "fault", "silence", "close", NULL
};

static int
lookup(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static uint32_t
num(const char *s, uint32_t max)
{
	char *ep;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &ep, 0);
	if (errno != 0 || *ep != '\0' || v > max)
		usage();
	return (uint32_t)v;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "request", required_argument, NULL, 'r' },
		{ "syntax", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "epid", required_argument, NULL, 'e' },
		{ "ai", required_argument, NULL, 'A' },
		{ "ri", required_argument, NULL, 'R' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "refuse", no_argument, NULL, 'x' },
		{ "listen", required_argument, NULL, 'L' },
		{ "port", required_argument, NULL, 'P' },
		{ "accept", required_argument, NULL, 'a' },
		{ "bad-call-id", required_argument, NULL, 'C' },
		{ "trickle", required_argument, NULL, 'T' },
		{ "hwid", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage ss;
	socklen_t sl;
	struct kd_loop *l;
	unsigned lifetime = 20, port = 0;
	const char *listen_addr = NULL;
	bool v6 = false, refuse = false;
	int ch, k, lfd, one = 1;
	size_t i;

	cfg.ndr64 = true;
	memcpy(cfg.hwid, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	cfg.count = 50;
	cfg.ai = 120;
	cfg.ri = 10080;
	cfg.epid = "03612-00206-556-123456-03-1033-17763.0000-3182018";
	while ((ch = getopt_long(argc, argv, "6", lo, NULL)) != -1) {
		switch (ch) {
		case '6':
			v6 = true;
			break;
		case 'b':
			if ((k = lookup(bind_modes, optarg)) < 0)
				usage();
			cfg.bind = (enum bind_mode)k;
			break;
		case 'r':
			if ((k = lookup(req_modes, optarg)) >= 0)
				cfg.req = (enum req_mode)k;
			else {
				cfg.req = RQ_HRESULT;
				cfg.hresult = num(optarg, UINT32_MAX);
			}
			break;
		case 's':
			cfg.ndr = strcmp(optarg, "ndr") == 0 || strcmp(optarg, "both") == 0;
			cfg.ndr64 = strcmp(optarg, "ndr64") == 0 || strcmp(optarg, "both") == 0;
			if (!cfg.ndr && !cfg.ndr64)
				usage();
			break;
		case 'c':
			cfg.count = num(optarg, 1000000);
			break;
		case 'e':
			cfg.epid = optarg;
			break;
		case 'A':
			cfg.ai = num(optarg, UINT32_MAX);
			break;
		case 'R':
			cfg.ri = num(optarg, UINT32_MAX);
			break;
		case 'l':
			lifetime = num(optarg, 3600);
			break;
		case 'x':
			refuse = true;
			break;
		case 'L':
			listen_addr = optarg;
			break;
		case 'P':
			port = num(optarg, 65535);
			break;
		case 'a':
			if (strcmp(optarg, "reset") == 0)
				cfg.accept_reset = true;
			else if (strcmp(optarg, "ok") != 0)
				usage();
			break;
		case 'C':
			if (strcmp(optarg, "bind") == 0)
				cfg.bad_call_bind = true;
			else if (strcmp(optarg, "request") == 0)
				cfg.bad_call_request = true;
			else
				usage();
			break;
		case 'T':
			cfg.trickle_ms = num(optarg, 10000);
			break;
		case 'W':
			if (strlen(optarg) != 16)
				usage();
			for (k = 0; k < 8; k++) {
				unsigned b;

				if (sscanf(optarg + 2 * k, "%2x", &b) != 1)
					usage();
				cfg.hwid[k] = (uint8_t)b;
			}
			break;
		default:
			usage();
		}
	}
	kms_keys_init(&cfg.keys);
	{
		struct rlimit rl;	/* as many connections as the hard limit allows */

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}

	memset(&ss, 0, sizeof(ss));
	if (listen_addr != NULL && strchr(listen_addr, ':') != NULL)
		v6 = true;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons((uint16_t)port);
		if (listen_addr != NULL && inet_pton(AF_INET6, listen_addr, &s6->sin6_addr) != 1)
			usage();
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons((uint16_t)port);
		if (listen_addr != NULL && inet_pton(AF_INET, listen_addr, &s4->sin_addr) != 1)
			usage();
		sl = sizeof(*s4);
	}
	if ((lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (v6 && setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(lfd, (struct sockaddr *)&ss, sl) != 0 ||
	    (!refuse && listen(lfd, 65535) != 0) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &sl) != 0) {
		fprintf(stderr, "kms-responder: listen: %s\n", strerror(errno));
		return 1;
	}
	snprintf(cfg.port, sizeof(cfg.port), "%u", ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port));
	printf("PORT %s\n", cfg.port);
	fflush(stdout);

	if ((l = kd_loop_new()) == NULL)
		return 1;
	if (!refuse)
		kd_loop_add_fd(l, lfd, POLLIN, on_accept, NULL);
	kd_loop_add_timer(l, (uint64_t)lifetime * 1000, on_lifetime, NULL);
	kd_loop_run(l);
	for (i = 0; i < MAXCONN; i++)
		if (conns[i] != NULL)
			conn_close(l, conns[i]);
	close(lfd);
	kd_loop_free(l);
	return 0;
}
