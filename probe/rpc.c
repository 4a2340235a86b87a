/*
 * The RPC state machine on a connected socket: a DCE/RPC bind for the KMS
 * interface, then (with --activate, once per address) one activation
 * request, each answer cut into PDUs by frag_length and decoded by
 * lib/dcerpc and lib/kms.  Every byte read goes through a kd_cur (style R1).
 * Each path ends the attempt with probe_job_end() (through rpc_outcome or
 * act_error), saying what the host did.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cursor.h"
#include "kdlimits.h"
#include "engine.h"

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
	probe_job_end(j, PROBE_OPEN, 0, NULL);
}

static void
act_error(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
act_error(struct job *j, const char *fmt, ...)
{
	struct probe_activation *a = &j->r.act;
	va_list ap;

	a->done = true;
	a->ms = probe_ms_since(j->t_phase);
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	probe_job_end(j, PROBE_OPEN, 0, NULL);
}

/* CLOCK_REALTIME, the clock of the kernel's receive timestamps (SO_TIMESTAMPNS). */
static uint64_t
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * How long the host took to answer this phase: from the moment the last
 * byte of our PDU went to the kernel to the kernel's receive timestamp of
 * the answer, so a loop busy with thousands of sockets does not add its
 * own lateness.  The loop's measure when the kernel gave no timestamp, or
 * when the wall clock stepped in between (the result would exceed it).
 */
static double
phase_ms(const struct job *j)
{
	double loop_ms = probe_ms_since(j->t_phase), ms;

	if (j->tx_rt != 0 && j->rx_rt >= j->tx_rt) {
		ms = (double)(j->rx_rt - j->tx_rt) / 1e6;
		if (ms <= loop_ms)
			return ms;
	}
	return loop_ms;
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
	if (j->woff == j->wlen && j->tx_rt == 0)
		j->tx_rt = realtime_ns();
	kd_loop_mod_fd(j->p->loop, j->fd, j->woff < j->wlen ? POLLIN | POLLOUT : POLLIN);
	return 0;
}

/*
 * Sending the bind failed.  A reset that arrives before the bind is sent
 * (the peer resets right after accepting) makes send() fail with
 * ECONNRESET or EPIPE, where a reset arriving later is read by recv():
 * both are the listener resetting an accepted connection, one class.
 */
static void	ended_early(struct job *, bool reset);

static void
bind_send_failed(struct job *j)
{
	if ((errno == ECONNRESET || errno == EPIPE) && j->rlen == 0)
		ended_early(j, true);
	else
		rpc_outcome(j, PROBE_RPC_SILENT, "could not send the bind: %s", strerror(errno));
}

void
probe_rpc_begin(struct job *j)
{
	struct dcerpc_bind_spec s;

	memset(&s, 0, sizeof(s));
	s.call_id = PROBE_CALL_ID;
	s.ndr = s.ndr64 = s.btfn = true;	/* as Windows 8 and later offer (§2.5) */
	j->wlen = dcerpc_encode_bind(j->wbuf, sizeof(j->wbuf), &s);
	j->woff = 0;
	j->rlen = 0;
	j->nrecv = 0;
	j->tx_rt = j->rx_rt = 0;
	j->ph = PH_BIND;
	if (j->rbuf == NULL && (j->rbuf = malloc(KD_MAX_RPC_FRAG)) == NULL) {
		probe_job_end(j, PROBE_ERROR, ENOMEM, "out of memory");
		return;
	}
	probe_job_deadline(j);
	if (j->wlen == 0) {
		rpc_outcome(j, PROBE_RPC_SILENT, "could not encode the bind");
		return;
	}
	if (flush_out(j) != 0)
		bind_send_failed(j);
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

/*
 * The protocol version a client of this product sends: the product table's
 * row (4 for Windows 7 and Office 2010, 5 for Windows 8, 6 for 8.1 and
 * later), unless --protocol asked for one.  A Windows 7 client never sends
 * v6, and a host's answer to a version its clients do not use proves
 * little.
 */
unsigned
probe_protocol_for(unsigned asked, const struct kd_sku *product)
{
	const struct kd_kmsid *k = product != NULL ? kd_kmsid_find(&product->kms_id) : NULL;

	if (asked != 0)
		return asked;
	if (k != NULL && k->default_protocol != NULL && k->default_protocol[0] >= '4' &&
	    k->default_protocol[0] <= '6')
		return (unsigned)(k->default_protocol[0] - '0');
	return 6;
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
	rq.major = (uint16_t)probe_protocol_for(p->o.protocol, p->product);
	rq.minor = 0;
	rq.license_status = 2;			/* initial grace: not activated yet */
	rq.binding_expiration = 43200;		/* minutes of grace left: 30 days */
	if (p->product != NULL) {
		rq.app_id = p->product->app_id;
		rq.sku_id = p->product->id;
		rq.kms_id = p->product->kms_id;
		snprintf(a->product, sizeof(a->product), "%s", p->product->name);
		a->sku = p->product;
	}
	kid = p->product ? kd_kmsid_find(&p->product->kms_id) : NULL;
	rq.required_count = kid && kid->min_clients ? kid->min_clients : 25;
	rq.cmid = p->o.cmid;
	rq.client_time = filetime_now();
	snprintf(rq.workstation, sizeof(rq.workstation), "%s", p->workstation);
	random_bytes(iv, sizeof(iv));
	a->protocol = rq.major;
	a->required_count = rq.required_count;
	kd_guid_format(&rq.cmid, a->cmid);
	probe_scopy(a->workstation, sizeof(a->workstation), rq.workstation);
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
	j->nrecv = 0;
	j->tx_rt = j->rx_rt = 0;
	j->ph = PH_REQUEST;
	probe_job_deadline(j);
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
	double rtt = phase_ms(j);

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
		probe_job_end(j, PROBE_OPEN, 0, NULL);
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
	a->has_hwid = resp->has_hwid;
	memcpy(a->hwid, resp->hwid, sizeof(a->hwid));
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
	a->ms = phase_ms(j);
	fill_activation(j, &resp);
	probe_job_end(j, PROBE_OPEN, 0, NULL);
}

/*
 * The first line of what the listener sent, when it is printable text
 * (a banner or an error page): true and the line in out, up to len - 1
 * characters.  Anything else is shown in hex by the caller.
 */
static bool
banner(const struct job *j, char *out, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < j->rlen; i++) {
		uint8_t c = j->rbuf[i];

		if (c == '\r' || c == '\n')
			break;
		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return false;
		if (n + 1 < len)
			out[n++] = (char)c;
	}
	out[n] = '\0';
	return n >= 4;
}

/*
 * What arrived of an answer that never completed, in words: "a DCE/RPC
 * bind_ack, 10 of 60 bytes" when the header says what it is, else the
 * first bytes in hex.
 */
static void
partial(const struct job *j, char *out, size_t len)
{
	char hex[24];

	if (j->rlen >= 10 && j->rbuf[0] == 5) {
		/* frag_length at offset 8, in the byte order of drep[0] (0x10: little endian). */
		unsigned fl = j->rbuf[4] & 0x10 ? (unsigned)j->rbuf[8] | (unsigned)j->rbuf[9] << 8 :
		    (unsigned)j->rbuf[8] << 8 | (unsigned)j->rbuf[9];

		snprintf(out, len, "a DCE/RPC %s, %zu of %u bytes", dcerpc_ptype_name(j->rbuf[2]),
		    j->rlen, fl);
	} else if (j->rlen >= 3 && j->rbuf[0] == 5)
		snprintf(out, len, "the first %zu bytes of a DCE/RPC %s", j->rlen,
		    dcerpc_ptype_name(j->rbuf[2]));
	else {
		hexprefix(j->rbuf, j->rlen, hex, sizeof(hex));
		snprintf(out, len, "%zu bytes (%s...)", j->rlen, hex);
	}
}

/* The peer closed or reset before a whole answer arrived. */
static void
ended_early(struct job *j, bool reset)
{
	const char *how = reset ? "reset" : "closed";
	char what[96];

	if (j->ph == PH_REQUEST) {
		act_error(j, "the host %s the connection without answering the request", how);
		return;
	}
	if (j->rlen == 0) {
		/*
		 * Accepted, then reset: the same class whether or not the loop
		 * saw the handshake complete first (probe_classify_errno).
		 */
		if (reset)
			probe_job_end(j, PROBE_RESET, ECONNRESET, PROBE_RESET_DETAIL);
		else
			rpc_outcome(j, PROBE_RPC_SILENT,
			    "accepted the connection, then closed it without answering the bind");
		return;
	}
	partial(j, what, sizeof(what));
	j->r.rpc_partial = true;
	rpc_outcome(j, j->rbuf[0] == 5 ? PROBE_RPC_SILENT : PROBE_RPC_NOT_RPC,
	    "began to answer the bind (%s), then %s the connection", what, how);
}

/* recv() that also keeps the kernel's receive timestamp of the data (SO_TIMESTAMPNS). */
static ssize_t
recv_stamped(struct job *j)
{
	union {
		char		buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	align;
	} cb;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *c;
	struct timespec ts;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	iov.iov_base = j->rbuf + j->rlen;
	iov.iov_len = KD_MAX_RPC_FRAG - j->rlen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cb.buf;
	m.msg_controllen = sizeof(cb.buf);
	if ((n = recvmsg(j->fd, &m, 0)) <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			j->rx_rt = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		}
	return n;
}

static void
rpc_readable(struct job *j)
{
	struct dcerpc_hdr h;
	struct kd_cur cur, pdu;
	struct kd_diag d;
	ssize_t n;
	char hex[24];

	n = recv_stamped(j);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		ended_early(j, n < 0);
		return;
	}
	j->rlen += (size_t)n;
	j->nrecv++;
	j->t_last_rx = kd_now_ns();
	/* Not DCE/RPC version 5: no need to wait for more. */
	if (j->rbuf[0] != 5 || (j->rlen >= 2 && j->rbuf[1] > 1) ||
	    (j->rlen >= DCERPC_HDR_LEN && !dcerpc_looks_like_hdr(j->rbuf, j->rlen))) {
		char text[80];

		if (banner(j, text, sizeof(text))) {
			/* A text protocol (HTTP, SMTP, SSH...): show what it said. */
			if (j->ph == PH_REQUEST)
				act_error(j, "answered the request with text, not DCE/RPC: "
				    "\"%s\"", text);
			else
				rpc_outcome(j, PROBE_RPC_NOT_RPC,
				    "answered with text, not DCE/RPC: \"%s\"", text);
			return;
		}
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
	/*
	 * An answer names the call it answers; one for another call is not
	 * an answer to ours, whatever it carries (a client's RPC runtime
	 * drops it too).
	 */
	if (h.call_id != PROBE_CALL_ID) {
		if (j->ph == PH_REQUEST)
			act_error(j, "a DCE/RPC %s for call %u, not for the request (call %u): "
			    "not believed", dcerpc_ptype_name(h.ptype), h.call_id, PROBE_CALL_ID);
		else
			rpc_outcome(j, PROBE_RPC_NOT_RPC, "answered the bind (call %u) with a "
			    "DCE/RPC %s for call %u: not a conforming DCE/RPC server",
			    PROBE_CALL_ID, dcerpc_ptype_name(h.ptype), h.call_id);
		return;
	}
	/* One PDU: a cursor bounded by frag_length (R1), body after the header. */
	kd_cur_init(&cur, j->rbuf, h.frag_length);
	kd_cur_sub(&cur, h.frag_length, &pdu);
	kd_cur_skip(&pdu, DCERPC_HDR_LEN);
	if (j->ph == PH_BIND)
		handle_bind_answer(j, &h, &pdu);
	else
		handle_request_answer(j, &h, &pdu);
}

void
probe_rpc_event(struct job *j, short rev)
{
	if ((rev & POLLOUT) && j->woff < j->wlen && flush_out(j) != 0) {
		if (j->ph == PH_REQUEST)
			act_error(j, "could not send the request: %s", strerror(errno));
		else
			bind_send_failed(j);
		return;
	}
	if (rev & (POLLIN | POLLHUP | POLLERR))
		rpc_readable(j);
}

void
probe_rpc_deadline(struct job *j)
{
	double secs = j->p->o.timeout_ms / 1000.0, quiet;
	const char *phase = j->ph == PH_REQUEST ? "the activation request" : "the bind";
	char what[96];

	if (j->ph != PH_BIND && j->ph != PH_REQUEST)
		return;
	if (j->rlen == 0) {
		if (j->ph == PH_REQUEST)
			act_error(j, "no answer to the activation request within %g s", secs);
		else
			rpc_outcome(j, PROBE_RPC_SILENT,
			    "accepted the connection but did not answer the bind within %g s",
			    secs);
		return;
	}
	/*
	 * Part of an answer came.  Say which: bytes still trickling in when
	 * the deadline struck (a host or path far too slow, or a tarpit) or
	 * an answer that stopped part-way.
	 */
	partial(j, what, sizeof(what));
	if (j->ph == PH_BIND)
		j->r.rpc_partial = true;
	quiet = probe_ms_since(j->t_last_rx) / 1000.0;
	if (j->nrecv > 1 && quiet < secs / 4) {
		if (j->ph == PH_REQUEST)
			act_error(j, "the answer to %s was still arriving after %g s (%s, in "
			    "%u pieces): far too slow", phase, secs, what, j->nrecv);
		else
			rpc_outcome(j, PROBE_RPC_SILENT, "the answer to %s was still arriving "
			    "after %g s (%s, in %u pieces): far too slow", phase, secs, what,
			    j->nrecv);
	} else if (j->ph == PH_REQUEST)
		act_error(j, "began to answer %s (%s), then nothing for %.1f s", phase, what,
		    quiet);
	else
		rpc_outcome(j, j->rbuf[0] == 5 ? PROBE_RPC_SILENT : PROBE_RPC_NOT_RPC,
		    "began to answer %s (%s), then nothing for %.1f s", phase, what, quiet);
}
