/*
 * genbig: write a large Ethernet pcap for `make bench`.
 *
 * usage: genbig [-k] [-c sessions] [-x exchanges] [-n packets] [-s seed] file
 *
 * -c: sessions in flight at once (default 64).  -k: every new session is
 * a KMS connection until enough exchanges are planned (no unrelated
 * traffic in between).  `-k -c 10000 -x 40000 -n 0` is the busy host of
 * `make bench`: 10,000 KMS connections in flight, as at a large site at
 * 8 a.m.
 *
 * The file holds at least -x complete KMS activation exchanges (default
 * 100000) and at least -n packets (default 1000000).  KMS connections
 * (bind, bind_ack, then one to three request/response pairs, v4/v5/v6 by
 * the product's protocol, NDR or NDR64, some PDUs split over two
 * segments, a fresh random CMID per client) are interleaved with
 * unrelated traffic: TCP 443 flows with random TLS-looking records and
 * UDP 53 queries and answers.  Every TCP flow has a handshake, consistent
 * sequence and acknowledgement numbers, and a FIN exchange; IPv4, TCP and
 * UDP checksums are correct.  Addresses come from the documentation
 * ranges (RFC 5737, RFC 3849) and MACs are locally administered, so the
 * bytes describe no real network.  Output is deterministic for a seed.
 *
 * Messages are built with the suite's own encoders (lib/dcerpc.h,
 * lib/kms.h); each request is decoded once to obtain DIVreq, which the
 * response's integrity fields need, exactly as a KMS host does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dcerpc.h"
#include "kms.h"
#include "tables.h"

#define SLOTS		64		/* sessions in flight at once (default) */
#define MAX_SLOTS	100000
#define MSS		1448
#define SNAPLEN		262144
#define T0		1768204800LL	/* 2026-01-12T08:00:00Z */

/* splitmix64: small, fast, and good enough for traffic shapes. */
static uint64_t rng_state;

static uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for n far below 2^32. */
static uint32_t
rnd(uint32_t n)
{
	return (uint32_t)((rnd64() >> 32) % n);
}

static void
rnd_bytes(uint8_t *b, size_t n)
{
	uint64_t v;

	while (n >= 8) {
		v = rnd64();
		memcpy(b, &v, 8);
		b += 8;
		n -= 8;
	}
	if (n > 0) {
		v = rnd64();
		memcpy(b, &v, n);
	}
}

struct stats {
	uint64_t	 packets, bytes, exchanges, kms_conns, tls_flows, dns_pairs;
	uint64_t	 by_version[7];
	uint64_t	 ndr64, split;
};

struct gen {
	pcap_dumper_t	*d;
	int64_t		 t_us;		/* capture clock, microseconds since T0 */
	uint16_t	 ip_id;
	uint16_t	 next_port;
	uint32_t	 next_client;
	struct kms_keys	 keys;
	struct stats	 st;
	uint8_t		 frame[14 + 40 + 20 + 65536];
};

struct flow {
	bool		 v6;
	uint8_t		 caddr[16], saddr[16];	/* v4 uses the first 4 bytes */
	uint8_t		 cmac[6], smac[6];
	uint16_t	 cport, sport;
	uint32_t	 cseq, sseq;		/* next sequence number of each side */
};

enum kind { K_FREE, K_KMS, K_TLS, K_DNS };

struct session {
	enum kind	 kind;
	int		 step;
	struct flow	 f;
	/* Outbound data being sent, possibly over several segments. */
	uint8_t		 buf[2048];
	size_t		 blen, boff, chunk;
	bool		 bclient;
	int		 after;		/* step once buf is sent */
	/* KMS */
	int		 nreq;		/* requests still to send after the current one */
	uint32_t	 call_id;
	uint16_t	 ctx_id;
	enum dcerpc_syntax syntax;
	struct kms_request rq;		/* as encoded (client side) */
	struct kms_request dec;		/* as decoded (host side): holds DIVreq */
	const char	*epid;
	uint8_t		 hwid[8];
	/* TLS */
	int		 rounds;
	uint32_t	 srv_left;	/* server bytes left in this round */
	int		 unacked;
	/* DNS */
	uint16_t	 dns_id;
	char		 qname[64];
	uint16_t	 qtype;
};

static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static uint16_t
csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t
csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static void
put16be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
write_frame(struct gen *g, size_t len)
{
	struct pcap_pkthdr h;

	g->t_us += 1 + rnd(120);		/* ~60 us apart: ~16k packets/s */
	h.ts.tv_sec = (time_t)(T0 + g->t_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(g->t_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->d, &h, g->frame);
	g->st.packets++;
	g->st.bytes += len;
}

/*
 * Ethernet + IP header for one direction; returns the offset of the
 * transport header.  *pseudo receives the pseudo-header checksum sum.
 */
static size_t
put_ip(struct gen *g, const struct flow *f, bool from_client, uint8_t proto,
    size_t l4len, uint32_t *pseudo)
{
	uint8_t *e = g->frame, *ip = g->frame + 14;
	const uint8_t *src = from_client ? f->caddr : f->saddr;
	const uint8_t *dst = from_client ? f->saddr : f->caddr;
	uint32_t s;

	memcpy(e, from_client ? MAC_GW : f->cmac, 6);
	memcpy(e + 6, from_client ? f->cmac : MAC_GW, 6);
	if (f->v6) {
		put16be(e + 12, 0x86dd);
		put32be(ip, 0x60000000);
		put16be(ip + 4, (uint32_t)l4len);
		ip[6] = proto;
		ip[7] = from_client ? 128 : 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		s = csum_add(0, ip + 8, 32);
		s += (uint32_t)l4len + proto;
		*pseudo = s;
		return 14 + 40;
	}
	put16be(e + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put16be(ip + 2, (uint32_t)(20 + l4len));
	put16be(ip + 4, g->ip_id++);
	put16be(ip + 6, proto == 6 ? 0x4000 : 0);	/* DF on TCP */
	ip[8] = from_client ? 128 : 64;
	ip[9] = proto;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16be(ip + 10, csum_fold(csum_add(0, ip, 20)));
	s = csum_add(0, ip + 12, 8);
	s += (uint32_t)l4len + proto;
	*pseudo = s;
	return 14 + 20;
}

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_PUSH	0x08
#define TH_ACK	0x10

static void
emit_tcp(struct gen *g, struct flow *f, bool from_client, uint8_t flags,
    const uint8_t *data, size_t len)
{
	uint32_t pseudo, *seq = from_client ? &f->cseq : &f->sseq;
	uint32_t ack = from_client ? f->sseq : f->cseq;
	size_t off = put_ip(g, f, from_client, 6, 20 + len, &pseudo);
	uint8_t *t = g->frame + off;

	put16be(t, from_client ? f->cport : f->sport);
	put16be(t + 2, from_client ? f->sport : f->cport);
	put32be(t + 4, *seq);
	put32be(t + 8, flags & TH_ACK ? ack : 0);
	t[12] = 5 << 4;
	t[13] = flags;
	put16be(t + 14, from_client ? 64240 : 65160);
	t[16] = t[17] = t[18] = t[19] = 0;
	if (len > 0)
		memcpy(t + 20, data, len);
	put16be(t + 16, csum_fold(csum_add(pseudo, t, 20 + len)));
	*seq += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	write_frame(g, off + 20 + len);
}

static void
emit_udp(struct gen *g, struct flow *f, bool from_client, const uint8_t *data, size_t len)
{
	uint32_t pseudo;
	size_t off = put_ip(g, f, from_client, 17, 8 + len, &pseudo);
	uint8_t *u = g->frame + off;
	uint16_t c;

	put16be(u, from_client ? f->cport : f->sport);
	put16be(u + 2, from_client ? f->sport : f->cport);
	put16be(u + 4, (uint32_t)(8 + len));
	u[6] = u[7] = 0;
	memcpy(u + 8, data, len);
	c = csum_fold(csum_add(pseudo, u, 8 + len));
	put16be(u + 6, c == 0 ? 0xffff : c);
	write_frame(g, off + 8 + len);
}

/* A client in 198.51.100.0/24 or 203.0.113.0/24 (v4) or 2001:db8:1::/64 (v6). */
static void
new_flow(struct gen *g, struct flow *f, bool v6, const uint8_t *srv4,
    const uint8_t *srv6, uint16_t sport)
{
	uint32_t c = g->next_client++;

	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	if (v6) {
		static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };

		memcpy(f->caddr, pfx, 8);
		put32be(f->caddr + 12, c);
		memcpy(f->saddr, srv6, 16);
	} else {
		f->caddr[0] = c & 1 ? 203 : 198;
		f->caddr[1] = c & 1 ? 0 : 51;
		f->caddr[2] = c & 1 ? 113 : 100;
		f->caddr[3] = (uint8_t)(1 + (c >> 1) % 250);
		memcpy(f->saddr, srv4, 4);
	}
	f->cmac[0] = 0x02;
	f->cmac[1] = 0x00;
	put32be(f->cmac + 2, c);
	/* Ports walk 49152..65535; 250 addresses x 16k ports never collide in flight. */
	f->cport = (uint16_t)(49152 + g->next_port);
	g->next_port = (uint16_t)((g->next_port + 1) % 16384);
	f->sport = sport;
	f->cseq = (uint32_t)rnd64();
	f->sseq = (uint32_t)rnd64();
}

/* Queue a payload; it goes out in one or two segments, then step `after`. */
static void
queue(struct session *s, bool from_client, const uint8_t *b, size_t n, int after,
    bool split, struct gen *g)
{
	memcpy(s->buf, b, n);
	s->blen = n;
	s->boff = 0;
	s->bclient = from_client;
	s->chunk = split && n > 32 ? 16 + rnd((uint32_t)(n - 32)) : MSS;
	s->after = after;
	if (split && n > 32)
		g->st.split++;
}

/* Returns true while queued data remains; sends one segment of it. */
static bool
send_queued(struct gen *g, struct session *s)
{
	size_t n;

	if (s->boff >= s->blen)
		return false;
	n = s->blen - s->boff;
	if (n > s->chunk)
		n = s->chunk;
	emit_tcp(g, &s->f, s->bclient, TH_ACK | TH_PUSH, s->buf + s->boff, n);
	s->boff += n;
	if (s->boff >= s->blen)
		s->step = s->after;
	return true;
}

/* ---- KMS ---------------------------------------------------------------- */

static const uint8_t KMS4[2][4] = { { 192, 0, 2, 10 }, { 192, 0, 2, 11 } };
static const uint8_t KMS6[2][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11 }
};
/*
 * Two genuine-looking Windows Server 2025 hosts, each with a Windows
 * Server 2025 CSVLK and an Office 2024 CSVLK (one ePID per application,
 * key IDs inside the ranges of kms-host-key-groups.tsv), so a clean
 * capture raises no host-key or emulator warnings.
 */
static const char *const EPIDS[2][2] = {
	{ "03612-04919-000-020417-03-1033-26100.0000-3002024",
	  "03612-00206-591-004417-03-1033-26100.0000-3002024" },
	{ "03612-04919-000-021905-03-1033-26100.0000-3052024",
	  "03612-00206-591-005905-03-1033-26100.0000-3052024" }
};
static const uint8_t HWIDS[2][8] = {
	{ 0x5c, 0x0a, 0x41, 0x27, 0x18, 0x9e, 0x04, 0x33 },
	{ 0x77, 0x30, 0x0b, 0xd2, 0x6e, 0x51, 0x09, 0xa4 }
};

/* Volume SKUs one of the two host keys activates, with the key that does. */
struct cand {
	const struct kd_sku	*sku;
	const struct kd_kmsid	*kid;
	int			 key;
};
static struct cand *cands;
static size_t ncands;

static void
kms_candidates(void)
{
	const struct kd_hostkey *hk[2];
	struct kms_epid e;
	size_t i, n = kd_sku_count();
	int k;

	for (k = 0; k < 2; k++) {
		hk[k] = NULL;
		if (kms_epid_parse(EPIDS[0][k], &e))
			hk[k] = kd_hostkey_find(e.group, e.key_id);
	}
	if ((cands = calloc(n ? n : 1, sizeof(*cands))) == NULL) {
		fprintf(stderr, "genbig: out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		const struct kd_sku *sku = kd_sku_at(i);
		const struct kd_kmsid *kid = sku ? kd_kmsid_find(&sku->kms_id) : NULL;

		if (kid == NULL || sku->channel == NULL || strcmp(sku->channel, "volume") != 0)
			continue;
		for (k = 0; k < 2; k++)
			if (hk[k] != NULL && kd_hostkey_activates(hk[k], &sku->kms_id))
				break;
		if (k == 2)
			continue;
		cands[ncands].sku = sku;
		cands[ncands].kid = kid;
		cands[ncands].key = k;
		ncands++;
	}
	if (ncands == 0) {
		fprintf(stderr, "genbig: no volume SKU in the tables matches the host keys\n");
		exit(1);
	}
}

/* Returns the host key (ePID column) that serves the product. */
static int
kms_pick_product(struct session *s)
{
	const struct cand *c = &cands[rnd((uint32_t)ncands)];
	const char *proto = c->kid->default_protocol;

	s->rq.app_id = c->sku->app_id;
	s->rq.sku_id = c->sku->id;
	s->rq.kms_id = c->sku->kms_id;
	s->rq.required_count = c->kid->min_clients ? c->kid->min_clients : 25;
	if (proto != NULL && proto[0] >= '4' && proto[0] <= '6')
		s->rq.major = (uint16_t)(proto[0] - '0');
	else
		s->rq.major = (uint16_t)(4 + rnd(3));
	return c->key;
}

static void
kms_start(struct gen *g, struct session *s)
{
	int host = (int)rnd(2);
	uint32_t c;

	memset(s, 0, sizeof(*s));
	s->kind = K_KMS;
	new_flow(g, &s->f, rnd(10) == 0, KMS4[host], KMS6[host], 1688);
	memcpy(s->hwid, HWIDS[host], 8);
	s->nreq = rnd(3) == 0 ? (int)(1 + rnd(2)) : 0;
	s->call_id = 1;
	s->epid = EPIDS[host][kms_pick_product(s)];
	s->rq.license_status = rnd(4) == 0 ? 1 : 2;	/* licensed (renewal) or OOB grace */
	s->rq.binding_expiration = s->rq.license_status == 1 ? 259200 : 43200;
	s->rq.is_vm = rnd(5) == 0;
	rnd_bytes(s->rq.cmid.b, 16);
	s->rq.cmid.b[6] = (uint8_t)((s->rq.cmid.b[6] & 0x0f) | 0x40);	/* version 4 */
	s->rq.cmid.b[8] = (uint8_t)((s->rq.cmid.b[8] & 0x3f) | 0x80);
	c = g->next_client;
	snprintf(s->rq.workstation, sizeof(s->rq.workstation), "WS%06u.corp.example", c % 1000000);
	/* Vista/7-era v4 clients offer NDR only; later ones add NDR64 and BTFN (§2.5). */
	s->syntax = s->rq.major == 4 || rnd(4) == 0 ? SYNTAX_NDR : SYNTAX_NDR64;
	s->ctx_id = s->syntax == SYNTAX_NDR64 ? 1 : 0;
	g->st.kms_conns++;
}

static void
kms_bind(struct gen *g, struct session *s)
{
	struct dcerpc_bind_spec b;
	uint8_t out[512];
	size_t n;

	memset(&b, 0, sizeof(b));
	b.call_id = s->call_id++;
	b.ndr = true;
	b.ndr64 = b.btfn = s->rq.major > 4;
	n = dcerpc_encode_bind(out, sizeof(out), &b);
	queue(s, true, out, n, 4, false, g);
}

static void
kms_bind_ack(struct gen *g, struct session *s)
{
	struct dcerpc_result res[3];
	uint8_t out[512];
	size_t n, nres = s->rq.major > 4 ? 3 : 1;

	memset(res, 0, sizeof(res));
	if (nres == 3) {
		/* A Windows 8+ host: NDR64 if it is the client's choice, BTFN negotiated. */
		if (s->syntax == SYNTAX_NDR64) {
			res[0].result = 2;
			res[0].reason = 2;
			res[1].syntax = SYNTAX_NDR64;
		} else {
			res[0].syntax = SYNTAX_NDR;
			res[1].result = 2;
			res[1].reason = 2;
		}
		res[2].result = 3;
		res[2].reason = 3;
	} else
		res[0].syntax = SYNTAX_NDR;
	n = dcerpc_encode_bind_ack(out, sizeof(out), s->call_id - 1, 0, false,
	    (uint32_t)rnd64(), "1688", res, nres);
	queue(s, false, out, n, 5, false, g);
}

static bool
kms_request(struct gen *g, struct session *s)
{
	uint8_t msg[KMS_V56_REQ_LEN], stub[KMS_V56_REQ_LEN + 32], out[1024], iv[16];
	struct kd_diag d;
	size_t mlen, slen, n;

	s->rq.client_time = KD_FILETIME_UNIX_EPOCH +
	    (uint64_t)(T0 * 1000000 + g->t_us) * 10;
	rnd_bytes(iv, sizeof(iv));
	mlen = kms_encode_request(&g->keys, msg, sizeof(msg), &s->rq, iv);
	kd_diag_clear(&d);
	if (mlen == 0 || kms_decode_request(&g->keys, msg, mlen, &s->dec, &d) != KD_OK)
		return false;
	slen = kms_stub_wrap_request(stub, sizeof(stub), s->syntax, msg, mlen);
	n = slen ? dcerpc_encode_request(out, sizeof(out), s->call_id, s->ctx_id, 0,
	    stub, slen) : 0;
	if (n == 0 || n > sizeof(s->buf))
		return false;
	queue(s, true, out, n, 7, rnd(20) == 0, g);
	return true;
}

static bool
kms_response(struct gen *g, struct session *s)
{
	struct kms_response_spec sp;
	uint8_t msg[512], stub[640], out[1024];
	size_t mlen, slen, n;
	uint32_t req = s->rq.required_count;

	memset(&sp, 0, sizeof(sp));
	sp.epid = s->epid;
	/* An established host: it reports twice the threshold (§4.9). */
	sp.count = req * 2;
	sp.activation_interval = 120;
	sp.renewal_interval = 10080;
	memcpy(sp.hwid, s->hwid, 8);
	rnd_bytes(sp.random, 16);
	rnd_bytes(sp.x0, 16);
	mlen = kms_encode_response(&g->keys, msg, sizeof(msg), &s->dec, &sp);
	slen = mlen ? kms_stub_wrap_response(stub, sizeof(stub), s->syntax, msg, mlen, 0) : 0;
	n = slen ? dcerpc_encode_response(out, sizeof(out), s->call_id, s->ctx_id,
	    stub, slen) : 0;
	if (n == 0 || n > sizeof(s->buf))
		return false;
	s->call_id++;
	g->st.exchanges++;
	g->st.by_version[s->rq.major < 7 ? s->rq.major : 0]++;
	if (s->syntax == SYNTAX_NDR64)
		g->st.ndr64++;
	queue(s, false, out, n, 8, rnd(20) == 0, g);
	return true;
}

/*
 * Steps: 0 SYN, 1 SYN/ACK, 2 ACK (then the bind is queued), 4 bind_ack,
 * 5 request, 7 response, 8 an optional delayed ACK and the next request,
 * or the client's FIN; 10 the host's FIN, 11 the last ACK.  Queued PDUs
 * go out first, one segment per call, before the step advances.  Returns false when the session ends.
 */
static bool
kms_step(struct gen *g, struct session *s)
{
	if (send_queued(g, s))
		return true;
	switch (s->step) {
	case 0:
		emit_tcp(g, &s->f, true, TH_SYN, NULL, 0);
		break;
	case 1:
		emit_tcp(g, &s->f, false, TH_SYN | TH_ACK, NULL, 0);
		break;
	case 2:
		emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
		kms_bind(g, s);
		s->step = 3;
		return true;
	case 4:
		kms_bind_ack(g, s);
		return send_queued(g, s);
	case 5:
		if (!kms_request(g, s)) {
			fprintf(stderr, "genbig: could not encode a KMS v%u request\n", s->rq.major);
			exit(1);
		}
		return send_queued(g, s);
	case 7:
		if (!kms_response(g, s)) {
			fprintf(stderr, "genbig: could not encode a KMS v%u response\n", s->rq.major);
			exit(1);
		}
		return send_queued(g, s);
	case 8:
		if (s->nreq > 0) {
			s->nreq--;
			s->step = 5;
			if (rnd(3) == 0) {	/* a delayed ACK before the next request */
				emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
				return true;
			}
			return kms_step(g, s);
		}
		emit_tcp(g, &s->f, true, TH_FIN | TH_ACK, NULL, 0);
		s->step = 10;
		return true;
	case 10:
		emit_tcp(g, &s->f, false, TH_FIN | TH_ACK, NULL, 0);
		break;
	case 11:
		emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
		return false;
	default:
		fprintf(stderr, "genbig: bad KMS step %d\n", s->step);
		exit(1);
	}
	s->step++;
	return true;
}

/* ---- unrelated traffic -------------------------------------------------- */

static const uint8_t WEB4[4] = { 203, 0, 113, 80 };
static const uint8_t WEB6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 };
static const uint8_t DNS4[4] = { 192, 0, 2, 53 };
static const uint8_t DNS6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 };

static void
tls_start(struct gen *g, struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = K_TLS;
	new_flow(g, &s->f, rnd(10) == 0, WEB4, WEB6, 443);
	s->rounds = 1 + (int)rnd(3);
	g->st.tls_flows++;
}

/* One TLS application-data record header, then random bytes. */
static void
tls_payload(uint8_t *b, size_t n)
{
	rnd_bytes(b, n);
	if (n >= 5) {
		b[0] = 0x17;
		b[1] = 0x03;
		b[2] = 0x03;
		put16be(b + 3, (uint32_t)(n - 5));
	}
}

/* 0 SYN, 1 SYN/ACK, 2 ACK, 3 client record, 4 server segments (+ACKs), 5 FIN... */
static bool
tls_step(struct gen *g, struct session *s)
{
	uint8_t b[MSS];
	size_t n;

	if (send_queued(g, s))
		return true;
	switch (s->step) {
	case 0:
		emit_tcp(g, &s->f, true, TH_SYN, NULL, 0);
		break;
	case 1:
		emit_tcp(g, &s->f, false, TH_SYN | TH_ACK, NULL, 0);
		break;
	case 2:
		emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
		break;
	case 3:
		n = 80 + rnd(520);
		tls_payload(b, n);
		emit_tcp(g, &s->f, true, TH_ACK | TH_PUSH, b, n);
		s->srv_left = 100 + rnd(3000);
		s->unacked = 0;
		break;
	case 4:
		if (s->unacked >= 2) {
			emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
			s->unacked = 0;
			return true;
		}
		n = s->srv_left > MSS ? MSS : s->srv_left;
		tls_payload(b, n);
		emit_tcp(g, &s->f, false, TH_ACK | (n < MSS ? TH_PUSH : 0), b, n);
		s->srv_left -= (uint32_t)n;
		s->unacked++;
		if (s->srv_left > 0)
			return true;
		if (--s->rounds > 0) {
			s->step = 3;
			return true;
		}
		break;
	case 5:
		emit_tcp(g, &s->f, true, TH_FIN | TH_ACK, NULL, 0);
		break;
	case 6:
		emit_tcp(g, &s->f, false, TH_FIN | TH_ACK, NULL, 0);
		break;
	case 7:
		emit_tcp(g, &s->f, true, TH_ACK, NULL, 0);
		return false;
	}
	s->step++;
	return true;
}

static void
dns_start(struct gen *g, struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = K_DNS;
	new_flow(g, &s->f, rnd(10) == 0, DNS4, DNS6, 53);
	s->dns_id = (uint16_t)rnd64();
	if (rnd(4) == 0) {
		snprintf(s->qname, sizeof(s->qname), "_vlmcs._tcp.corp.example");
		s->qtype = 33;	/* SRV */
	} else {
		snprintf(s->qname, sizeof(s->qname), "host%u.example.org", rnd(100000));
		s->qtype = 1;	/* A */
	}
	g->st.dns_pairs++;
}

static size_t
dns_name(uint8_t *out, const char *name)
{
	size_t o = 0;

	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		out[o++] = (uint8_t)l;
		memcpy(out + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return o;
}

static bool
dns_step(struct gen *g, struct session *s)
{
	uint8_t b[512];
	size_t n = 12;

	memset(b, 0, 12);
	put16be(b, s->dns_id);
	put16be(b + 4, 1);
	n += dns_name(b + n, s->qname);
	put16be(b + n, s->qtype);
	put16be(b + n + 2, 1);
	n += 4;
	if (s->step == 0) {
		put16be(b + 2, 0x0100);
		emit_udp(g, &s->f, true, b, n);
		s->step = 1;
		return true;
	}
	/* The answer: the question, then one record of random rdata. */
	put16be(b + 2, 0x8180);
	put16be(b + 6, 1);
	put16be(b + n, 0xc00c);
	put16be(b + n + 2, s->qtype);
	put16be(b + n + 4, 1);
	put32be(b + n + 6, 300);
	if (s->qtype == 33) {
		size_t rd = dns_name(b + n + 18, "kms1.corp.example");

		put16be(b + n + 10, (uint32_t)(6 + rd));
		put16be(b + n + 12, 0);
		put16be(b + n + 14, 0);
		put16be(b + n + 16, 1688);
		n += 18 + rd;
	} else {
		put16be(b + n + 10, 4);
		b[n + 12] = 203;
		b[n + 13] = 0;
		b[n + 14] = 113;
		b[n + 15] = (uint8_t)(1 + rnd(254));
		n += 16;
	}
	emit_udp(g, &s->f, false, b, n);
	return false;
}

/* ---- driver ------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: genbig [-k] [-c sessions] [-x exchanges] [-n packets] "
	    "[-s seed] file\n");
	exit(64);
}

static unsigned long
num(const char *s)
{
	char *ep;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &ep, 10);
	if (errno != 0 || *s == '\0' || *ep != '\0' || v > 100000000UL)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	static struct gen g;
	struct session *slots;
	size_t *active, *freel, nactive = 0, nfree, k;
	unsigned long want_x = 100000, want_pkts = 1000000, seed = 1688;
	unsigned long nslots = SLOTS;
	bool kms_only = false;
	uint64_t kms_planned = 0;
	pcap_t *p;
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "c:kn:s:x:")) != -1) {
		switch (ch) {
		case 'c':
			nslots = num(optarg);
			break;
		case 'k':
			kms_only = true;
			break;
		case 'n':
			want_pkts = num(optarg);
			break;
		case 's':
			seed = num(optarg);
			break;
		case 'x':
			want_x = num(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || nslots == 0 || nslots > MAX_SLOTS)
		usage();
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL ||
	    (active = calloc(nslots, sizeof(*active))) == NULL ||
	    (freel = calloc(nslots, sizeof(*freel))) == NULL) {
		fprintf(stderr, "genbig: out of memory\n");
		return 1;
	}
	/* Slot indices: free ones (taken from the end) and active ones. */
	for (i = 0; i < nslots; i++)
		freel[i] = nslots - 1 - i;
	nfree = nslots;
	rng_state = seed;
	kms_keys_init(&g.keys);
	kms_candidates();
	if ((p = pcap_open_dead(DLT_EN10MB, SNAPLEN)) == NULL) {
		fprintf(stderr, "genbig: pcap_open_dead failed\n");
		return 1;
	}
	if ((g.d = pcap_dump_open(p, argv[optind])) == NULL) {
		fprintf(stderr, "genbig: %s: %s\n", argv[optind], pcap_geterr(p));
		return 1;
	}

	/*
	 * Keep nslots sessions in flight and advance a random one each time,
	 * so flows interleave as on a shared link.  About half the new
	 * sessions are KMS connections until enough exchanges are planned;
	 * after that, unrelated traffic fills up to the packet target.
	 */
	for (;;) {
		while (nfree > 0) {
			struct session *s = &slots[freel[nfree - 1]];

			if (kms_planned < want_x && (kms_only || rnd(2) == 0)) {
				kms_start(&g, s);
				kms_planned += 1 + (uint64_t)s->nreq;
			} else if (kms_planned < want_x || g.st.packets < want_pkts)
				rnd(5) < 3 ? tls_start(&g, s) : dns_start(&g, s);
			else
				break;
			active[nactive++] = freel[--nfree];
		}
		if (nactive == 0)
			break;
		k = rnd((uint32_t)nactive);
		i = active[k];
		{
			struct session *s = &slots[i];
			bool more = s->kind == K_KMS ? kms_step(&g, s) :
			    s->kind == K_TLS ? tls_step(&g, s) : dns_step(&g, s);

			if (!more) {
				s->kind = K_FREE;
				active[k] = active[--nactive];
				freel[nfree++] = i;
			}
		}
	}
	if (pcap_dump_flush(g.d) != 0) {
		fprintf(stderr, "genbig: %s: write error\n", argv[optind]);
		return 1;
	}
	pcap_dump_close(g.d);
	pcap_close(p);
	free(slots);
	free(active);
	free(freel);
	printf("packets %llu bytes %llu exchanges %llu kms_connections %llu "
	    "v4 %llu v5 %llu v6 %llu ndr64 %llu split_pdus %llu tls_flows %llu dns_pairs %llu\n",
	    (unsigned long long)g.st.packets, (unsigned long long)g.st.bytes,
	    (unsigned long long)g.st.exchanges, (unsigned long long)g.st.kms_conns,
	    (unsigned long long)g.st.by_version[4], (unsigned long long)g.st.by_version[5],
	    (unsigned long long)g.st.by_version[6], (unsigned long long)g.st.ndr64,
	    (unsigned long long)g.st.split, (unsigned long long)g.st.tls_flows,
	    (unsigned long long)g.st.dns_pairs);
	return 0;
}
