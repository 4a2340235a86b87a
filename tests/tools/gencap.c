/*
 * gencap OUTDIR: write the deterministic synthetic captures of
 * fixtures/synthetic/.  Everything is fixed: timestamps start at
 * 2026-11-25T10:00:00Z, CMIDs and IVs come from a seeded xorshift, and
 * addresses are documentation ranges (192.0.2.0/24, 2001:db8::/32).
 * No traffic is sent: the packets are only written to files.
 * See fixtures/README.md for what each file shows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "dcerpc.h"
#include "guid.h"
#include "kms.h"
#include "kmscrypto.h"
#include "tables.h"

#define T0		1795600800LL	/* 2026-11-25T10:00:00Z */
#define MAXPKT		2048

static const char	*outdir;
static struct kms_keys	 keys;
static uint64_t		 rng = 0x9e3779b97f4a7c15ULL;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "gencap: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint32_t
rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 16));
}

static void
rndbytes(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd32();
}

static void
rnd_guid(struct kd_guid *g)
{
	rndbytes(g->b, 16);
	g->b[6] = (uint8_t)((g->b[6] & 0x0f) | 0x40);
	g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80);
}

/* ---- output files: classic pcap through libpcap, or pcapng by hand ---- */

struct out {
	pcap_t		*pd;
	pcap_dumper_t	*dump;
	FILE		*ng;		/* pcapng */
	int		 dlt;
	int		 snaplen;
	int64_t		 usec;		/* current time, us since T0 */
	char		 path[512];
};

static void
out_open(struct out *o, const char *name, int dlt, int snaplen, bool ng)
{
	memset(o, 0, sizeof(*o));
	o->dlt = dlt;
	o->snaplen = snaplen;
	snprintf(o->path, sizeof(o->path), "%s/%s", outdir, name);
	if (ng) {
		uint8_t shb[28] = { 0 }, idb[20] = { 0 };
		uint32_t v;

		if ((o->ng = fopen(o->path, "wb")) == NULL)
			die("%s: %s", o->path, strerror(errno));
		v = 0x0A0D0D0A; memcpy(shb, &v, 4);
		v = 28; memcpy(shb + 4, &v, 4); memcpy(shb + 24, &v, 4);
		v = 0x1A2B3C4D; memcpy(shb + 8, &v, 4);
		shb[12] = 1;			/* major 1, minor 0 */
		memset(shb + 16, 0xff, 8);	/* section length unknown */
		fwrite(shb, 1, sizeof(shb), o->ng);
		v = 1; memcpy(idb, &v, 4);
		v = 20; memcpy(idb + 4, &v, 4); memcpy(idb + 16, &v, 4);
		idb[8] = (uint8_t)dlt;
		v = (uint32_t)snaplen; memcpy(idb + 12, &v, 4);
		fwrite(idb, 1, sizeof(idb), o->ng);
		return;
	}
	o->pd = pcap_open_dead(dlt, snaplen);
	if (o->pd == NULL || (o->dump = pcap_dump_open(o->pd, o->path)) == NULL)
		die("%s: cannot open", o->path);
}

static void
out_close(struct out *o)
{
	if (o->ng != NULL)
		fclose(o->ng);
	else {
		pcap_dump_close(o->dump);
		pcap_close(o->pd);
	}
}

static void
out_frame(struct out *o, const uint8_t *f, size_t len)
{
	size_t cap = len > (size_t)o->snaplen ? (size_t)o->snaplen : len;
	int64_t s = T0 + o->usec / 1000000, us = o->usec % 1000000;

	if (o->ng != NULL) {
		uint8_t h[28] = { 0 }, pad[4] = { 0 };
		uint64_t ts = (uint64_t)(s * 1000000 + us);
		uint32_t v, padn = (uint32_t)((4 - cap % 4) % 4);

		v = 6; memcpy(h, &v, 4);
		v = (uint32_t)(32 + cap + padn); memcpy(h + 4, &v, 4);
		v = (uint32_t)(ts >> 32); memcpy(h + 12, &v, 4);
		v = (uint32_t)ts; memcpy(h + 16, &v, 4);
		v = (uint32_t)cap; memcpy(h + 20, &v, 4);
		v = (uint32_t)len; memcpy(h + 24, &v, 4);
		fwrite(h, 1, sizeof(h), o->ng);
		fwrite(f, 1, cap, o->ng);
		fwrite(pad, 1, padn, o->ng);
		v = (uint32_t)(32 + cap + padn);
		fwrite(&v, 1, 4, o->ng);
	} else {
		struct pcap_pkthdr ph;

		ph.ts.tv_sec = (time_t)s;
		ph.ts.tv_usec = (suseconds_t)us;
		ph.caplen = (bpf_u_int32)cap;
		ph.len = (bpf_u_int32)len;
		pcap_dump((u_char *)o->dump, &ph, f);
	}
	o->usec += 1000;	/* 1 ms between packets */
}

/* ---- IP/TCP ---- */

struct conn {
	struct out	*o;
	bool		 v6;
	uint8_t		 caddr[16], saddr[16];
	uint16_t	 cport, sport;
	uint32_t	 cseq, sseq;	/* next sequence number each way */
};

#define C2S	0
#define S2C	1
#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return (sum);
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
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

/* One TCP segment with explicit sequence number; does not move cseq/sseq. */
static void
seg_at(struct conn *c, int dir, uint8_t flags, uint32_t seq, const uint8_t *data,
    size_t len)
{
	uint8_t f[MAXPKT + 128], *ip, *tcp;
	size_t l2 = 0, iplen = c->v6 ? 40 : 20, tot;
	const uint8_t *src = dir == C2S ? c->caddr : c->saddr;
	const uint8_t *dst = dir == C2S ? c->saddr : c->caddr;
	uint32_t ack = dir == C2S ? c->sseq : c->cseq, sum;
	uint16_t etype = c->v6 ? 0x86dd : 0x0800;

	if (len > MAXPKT)
		die("segment too large");
	memset(f, 0, sizeof(f));
	switch (c->o->dlt) {
	case DLT_EN10MB:
		f[0] = 0x02; f[5] = dir == C2S ? 0x02 : 0x01;
		f[6] = 0x02; f[11] = dir == C2S ? 0x01 : 0x02;
		put16be(f + 12, etype);
		l2 = 14;
		break;
	case DLT_LINUX_SLL:
		put16be(f, dir == C2S ? 4 : 0);		/* outgoing / to us */
		put16be(f + 2, 1);			/* ARPHRD_ETHER */
		put16be(f + 4, 6);
		f[6] = 0x02; f[11] = dir == C2S ? 0x01 : 0x02;
		put16be(f + 14, etype);
		l2 = 16;
		break;
	case DLT_LINUX_SLL2:
		put16be(f, etype);
		put32be(f + 4, 2);			/* ifindex */
		put16be(f + 8, 1);
		f[10] = dir == C2S ? 4 : 0;
		f[11] = 6;
		f[12] = 0x02; f[17] = dir == C2S ? 0x01 : 0x02;
		l2 = 20;
		break;
	case DLT_NULL:
		f[0] = c->v6 ? 24 : 2;			/* AF_INET, host (LE) order */
		l2 = 4;
		break;
	case DLT_RAW:
		break;
	default:
		die("dlt %d", c->o->dlt);
	}
	ip = f + l2;
	tcp = ip + iplen;
	tot = iplen + 20 + len;
	if (c->v6) {
		ip[0] = 0x60;
		put16be(ip + 4, (uint32_t)(20 + len));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		put16be(ip + 2, (uint32_t)tot);
		ip[6] = 0x40;				/* DF */
		ip[8] = dir == C2S ? 128 : 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16be(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	put16be(tcp, dir == C2S ? c->cport : c->sport);
	put16be(tcp + 2, dir == C2S ? c->sport : c->cport);
	put32be(tcp + 4, seq);
	put32be(tcp + 8, flags & F_ACK ? ack : 0);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16be(tcp + 14, 64240);
	memcpy(tcp + 20, data, len);
	/* pseudo header */
	if (c->v6) {
		sum = csum_add(0, src, 16);
		sum = csum_add(sum, dst, 16);
		sum += (uint32_t)(20 + len) + 6;
	} else {
		sum = csum_add(0, src, 4);
		sum = csum_add(sum, dst, 4);
		sum += (uint32_t)(20 + len) + 6;
	}
	sum = csum_add(sum, tcp, 20 + len);
	put16be(tcp + 16, csum_fold(sum));
	out_frame(c->o, f, l2 + tot);
}

/* Send data in order in chunks of at most mss bytes. */
static void
tx(struct conn *c, int dir, const uint8_t *data, size_t len, size_t mss)
{
	uint32_t *seq = dir == C2S ? &c->cseq : &c->sseq;

	while (len > 0) {
		size_t n = len > mss ? mss : len;

		seg_at(c, dir, F_ACK | F_PSH, *seq, data, n);
		*seq += (uint32_t)n;
		data += n;
		len -= n;
	}
}

static void
ack(struct conn *c, int dir)
{
	seg_at(c, dir, F_ACK, dir == C2S ? c->cseq : c->sseq, NULL, 0);
}

static void
conn_init(struct conn *c, struct out *o, int cli, int srv, uint16_t cport)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->caddr[0] = 192; c->caddr[2] = 2; c->caddr[3] = (uint8_t)cli;
	c->saddr[0] = 192; c->saddr[2] = 2; c->saddr[3] = (uint8_t)srv;
	c->cport = cport;
	c->sport = 1688;
	c->cseq = rnd32();
	c->sseq = rnd32();
}

static void
conn_init6(struct conn *c, struct out *o, int cli, int srv, uint16_t cport)
{
	static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	conn_init(c, o, cli, srv, cport);
	c->v6 = true;
	memset(c->caddr, 0, 16);
	memset(c->saddr, 0, 16);
	memcpy(c->caddr, pfx, 4);
	memcpy(c->saddr, pfx, 4);
	c->caddr[15] = (uint8_t)cli;
	c->saddr[15] = (uint8_t)srv;
}

static void
handshake(struct conn *c)
{
	seg_at(c, C2S, F_SYN, c->cseq++, NULL, 0);
	seg_at(c, S2C, F_SYN | F_ACK, c->sseq++, NULL, 0);
	ack(c, C2S);
}

static void
teardown(struct conn *c)
{
	seg_at(c, C2S, F_FIN | F_ACK, c->cseq++, NULL, 0);
	seg_at(c, S2C, F_FIN | F_ACK, c->sseq++, NULL, 0);
	ack(c, C2S);
}

/* ---- DCE/RPC and KMS PDUs ---- */

struct pdu {
	uint8_t	b[MAXPKT];
	size_t	len;
};

static void
mk_bind(struct pdu *p, uint32_t call_id)
{
	struct dcerpc_bind_spec s = { .call_id = call_id, .ndr = true,
	    .ndr64 = true, .btfn = true };

	if ((p->len = dcerpc_encode_bind(p->b, sizeof(p->b), &s)) == 0)
		die("bind");
}

static void
mk_bind_ack(struct pdu *p, uint32_t call_id)
{
	struct dcerpc_result r[3];

	memset(r, 0, sizeof(r));
	r[0].result = 0; r[0].syntax = SYNTAX_NDR;
	r[1].result = 2; r[1].reason = 2;		/* NDR64 refused */
	r[2].result = 3; r[2].reason = 3;		/* BTFN negotiate_ack */
	p->len = dcerpc_encode_bind_ack(p->b, sizeof(p->b), call_id, 0, false,
	    0x00012a4b, "1688", r, 3);
	if (p->len == 0)
		die("bind_ack");
}

struct client {
	const char	*sku;
	uint16_t	 major;
	const char	*ws;
	struct kd_guid	 cmid;
	uint32_t	 status;
	int64_t		 skew;		/* seconds added to the client clock */
};

static void
mk_req(struct kms_request *r, const struct client *cl, int64_t usec)
{
	const struct kd_sku *s = kd_sku_find_name(cl->sku);
	const struct kd_kmsid *k;
	uint8_t iv[16];

	if (s == NULL)
		die("unknown SKU name \"%s\"", cl->sku);
	k = kd_kmsid_find(&s->kms_id);
	memset(r, 0, sizeof(*r));
	r->major = r->in_major = cl->major;
	r->license_status = cl->status ? cl->status : 2;	/* initial grace */
	r->binding_expiration = 43200;
	r->app_id = s->app_id;
	r->sku_id = s->id;
	r->kms_id = s->kms_id;
	r->cmid = cl->cmid;
	r->required_count = k != NULL ? k->min_clients : 25;
	r->client_time = kd_filetime_from_unix(T0 + usec / 1000000 + cl->skew,
	    (uint32_t)(usec % 1000000));
	snprintf(r->workstation, sizeof(r->workstation), "%s", cl->ws);
	/* The IV must be known to compute D_k(IV) for the response. */
	rndbytes(iv, 16);
	memcpy(r->iv, iv, 16);
	if (cl->major == 5)
		kms_block_decrypt(&keys.v5, iv, r->div);
	else if (cl->major >= 6)
		kms_block_decrypt(&keys.v6, iv, r->div);
}

/* KMS request message (no RPC). */
static size_t
kms_req_msg(uint8_t *m, size_t cap, const struct kms_request *r)
{
	size_t n = kms_encode_request(&keys, m, cap, r, r->iv);

	if (n == 0)
		die("kms_encode_request");
	return (n);
}

static void
wrap_req(struct pdu *p, uint32_t call_id, const uint8_t *m, size_t n)
{
	uint8_t stub[1024];
	size_t sl = kms_stub_wrap_request(stub, sizeof(stub), SYNTAX_NDR, m, n);

	if (sl == 0)
		die("wrap request");
	p->len = dcerpc_encode_request(p->b, sizeof(p->b), call_id, 0, 0, stub, sl);
	if (p->len == 0)
		die("request");
}

static void
mk_request(struct pdu *p, uint32_t call_id, const struct kms_request *r)
{
	uint8_t m[512];

	wrap_req(p, call_id, m, kms_req_msg(m, sizeof(m), r));
}

struct host {
	const char	*epid;
	uint8_t		 hwid[8];
	uint32_t	 count;		/* next count answered */
	bool		 corrupt, reuse_iv;
};

static size_t	flip_for_bad_utf16(uint8_t *, size_t);

/*
 * flip: alter one byte of the response in transit, after it was made
 * (see flip_for_bad_utf16).
 */
static void
mk_response_flip(struct pdu *p, uint32_t call_id, const struct kms_request *r,
    const struct host *h, uint32_t count, bool flip)
{
	struct kms_response_spec s;
	uint8_t m[512], stub[1024];
	size_t n, sl;

	memset(&s, 0, sizeof(s));
	s.epid = h->epid;
	s.count = count;
	s.activation_interval = 120;
	s.renewal_interval = 10080;
	memcpy(s.hwid, h->hwid, 8);
	rndbytes(s.random, 16);
	rndbytes(s.x0, 16);
	s.corrupt = h->corrupt;
	s.reuse_iv = h->reuse_iv;
	if ((n = kms_encode_response(&keys, m, sizeof(m), r, &s)) == 0)
		die("kms_encode_response");
	if (flip)
		flip_for_bad_utf16(m, n);
	sl = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, m, n, 0);
	p->len = dcerpc_encode_response(p->b, sizeof(p->b), call_id, 0, stub, sl);
	if (sl == 0 || p->len == 0)
		die("response");
}

static void
mk_response(struct pdu *p, uint32_t call_id, const struct kms_request *r,
    const struct host *h, uint32_t count)
{
	mk_response_flip(p, call_id, r, h, count, false);
}

static const struct host winhost = {
	"03612-00206-560-123456-03-1033-17763.0000-3302024",
	{ 0x0A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x71 }, 0, false, false
};
static const struct host ofchost = {
	"03612-00206-670-654321-03-1033-17763.0000-3302024",
	{ 0x0A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x71 }, 0, false, false
};

/* A whole conversation: handshake, bind, bind_ack, request, response, FIN. */
static void
exchange(struct conn *c, const struct client *cl, const struct host *h, uint32_t count)
{
	struct pdu p;
	struct kms_request r;

	handshake(c);
	mk_bind(&p, 2);
	tx(c, C2S, p.b, p.len, 1460);
	mk_bind_ack(&p, 2);
	tx(c, S2C, p.b, p.len, 1460);
	mk_req(&r, cl, c->o->usec);
	mk_request(&p, 2, &r);
	tx(c, C2S, p.b, p.len, 1460);
	mk_response(&p, 2, &r, h, count);
	tx(c, S2C, p.b, p.len, 1460);
	ack(c, C2S);
	teardown(c);
}

static struct client
cli(const char *sku, uint16_t major, const char *ws)
{
	struct client c;

	memset(&c, 0, sizeof(c));
	c.sku = sku;
	c.major = major;
	c.ws = ws;
	rnd_guid(&c.cmid);
	return (c);
}

static bool
is_office(const char *sku)
{
	return (strncmp(sku, "Office", 6) == 0);
}

/* ---- cases ---- */

static void
case_version(const char *name, uint16_t major, const char *const sku[3],
    const char *const ws[3], const char *office_epid)
{
	struct out o;
	struct conn c;
	struct host oh = ofchost;

	/*
	 * A real host answers each application with the ePID of its own
	 * CSVLK; Office is served by a second host here (see README.md).
	 */
	oh.epid = office_epid;

	out_open(&o, name, DLT_EN10MB, 262144, false);
	for (int i = 0; i < 3; i++) {
		struct client cl = cli(sku[i], major, ws[i]);

		conn_init(&c, &o, 21 + i, is_office(sku[i]) ? 12 : 10,
		    (uint16_t)(49700 + i));
		exchange(&c, &cl, is_office(sku[i]) ? &oh : &winhost,
		    is_office(sku[i]) ? 10 : 50);
		o.usec += 1000000;
	}
	out_close(&o);
}

/* One host answering Windows and Office with its two ePIDs, as a genuine host does. */
static void
case_mixed_host(void)
{
	struct out o;
	struct conn c;
	struct client a = cli("Windows 10/11 Enterprise", 6, "MIXED-WIN");
	struct client b = cli("Office Professional Plus 2019", 6, "MIXED-OFC");

	out_open(&o, "host-windows-and-office-epids.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 49800);
	exchange(&c, &a, &winhost, 50);
	conn_init(&c, &o, 22, 10, 49801);
	exchange(&c, &b, &ofchost, 10);
	out_close(&o);
}

static void
case_simple(const char *name, int dlt, bool ng, bool v6)
{
	struct out o;
	struct conn c;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "LINK-TEST-PC");

	out_open(&o, name, dlt, 262144, ng);
	if (v6)
		conn_init6(&c, &o, 0x21, 0x10, 50001);
	else
		conn_init(&c, &o, 21, 10, 50001);
	exchange(&c, &cl, &winhost, 50);
	out_close(&o);
}

static void
case_threshold(void)
{
	struct out o;
	struct conn c;
	char ws[32];

	out_open(&o, "threshold-30-clients.pcap", DLT_EN10MB, 262144, false);
	for (int i = 1; i <= 30; i++) {
		struct client cl;

		snprintf(ws, sizeof(ws), "LAB-PC-%02d", i);
		cl = cli("Windows 10/11 Professional", 6, ws);
		conn_init(&c, &o, 100 + i, 10, (uint16_t)(50000 + i));
		exchange(&c, &cl, &winhost, (uint32_t)i);
		o.usec += 500000;
	}
	out_close(&o);
}

/* Bind exchanged normally; returns the request PDU and its KMS request. */
static void
start(struct conn *c, const struct client *cl, struct kms_request *r, struct pdu *req)
{
	struct pdu p;

	handshake(c);
	mk_bind(&p, 2);
	tx(c, C2S, p.b, p.len, 1460);
	mk_bind_ack(&p, 2);
	tx(c, S2C, p.b, p.len, 1460);
	mk_req(r, cl, c->o->usec);
	mk_request(req, 2, r);
}

static void
finish_resp(struct conn *c, const struct kms_request *r, uint32_t call_id, uint32_t count)
{
	struct pdu p;

	mk_response(&p, call_id, r, &winhost, count);
	tx(c, S2C, p.b, p.len, 1460);
	ack(c, C2S);
}

static void
case_reorder(void)
{
	struct out o;
	struct conn c;
	struct pdu req;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "OOO-PC-1");
	uint32_t s0;

	out_open(&o, "tcp-out-of-order.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50101);
	start(&c, &cl, &r, &req);
	/* 3 segments of the request sent in order 3, 1, 2. */
	s0 = c.cseq;
	seg_at(&c, C2S, F_ACK | F_PSH, s0 + 200, req.b + 200, req.len - 200);
	seg_at(&c, C2S, F_ACK, s0, req.b, 100);
	seg_at(&c, C2S, F_ACK, s0 + 100, req.b + 100, 100);
	c.cseq += (uint32_t)req.len;
	finish_resp(&c, &r, 2, 50);
	teardown(&c);
	out_close(&o);
}

static void
case_tiny(void)
{
	struct out o;
	struct conn c;
	struct pdu req;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "TINY-SEG-PC");
	size_t off = 0, k = 0;

	out_open(&o, "tcp-tiny-segments.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50102);
	start(&c, &cl, &r, &req);
	while (off < req.len) {
		size_t n = 1 + k++ % 3;

		if (n > req.len - off)
			n = req.len - off;
		seg_at(&c, C2S, F_ACK, c.cseq, req.b + off, n);
		c.cseq += (uint32_t)n;
		off += n;
	}
	finish_resp(&c, &r, 2, 50);
	teardown(&c);
	out_close(&o);
}

static void
case_overlap(void)
{
	struct out o;
	struct conn c;
	struct pdu req;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "RETRANS-PC");
	uint32_t s0;

	out_open(&o, "tcp-retrans-overlap.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50103);
	start(&c, &cl, &r, &req);
	s0 = c.cseq;
	seg_at(&c, C2S, F_ACK, s0, req.b, 100);			/* [0,100) */
	seg_at(&c, C2S, F_ACK, s0, req.b, 100);			/* retransmitted */
	seg_at(&c, C2S, F_ACK, s0 + 80, req.b + 80, 120);		/* [80,200) overlaps */
	seg_at(&c, C2S, F_ACK, s0 + 150, req.b + 150, 100);		/* [150,250) overlaps */
	seg_at(&c, C2S, F_ACK | F_PSH, s0 + 250, req.b + 250, req.len - 250);
	seg_at(&c, C2S, F_ACK | F_PSH, s0 + 250, req.b + 250, req.len - 250);
	c.cseq += (uint32_t)req.len;
	finish_resp(&c, &r, 2, 50);
	teardown(&c);
	out_close(&o);
}

static void
case_coalesced(void)
{
	struct out o;
	struct conn c;
	struct pdu a, b;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "PIPELINE-PC");
	uint8_t buf[2 * MAXPKT];

	out_open(&o, "rpc-several-pdus-per-segment.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50104);
	handshake(&c);
	mk_bind(&a, 2);
	mk_req(&r, &cl, o.usec);
	mk_request(&b, 2, &r);
	memcpy(buf, a.b, a.len);
	memcpy(buf + a.len, b.b, b.len);
	tx(&c, C2S, buf, a.len + b.len, 1460);
	mk_bind_ack(&a, 2);
	mk_response(&b, 2, &r, &winhost, 50);
	memcpy(buf, a.b, a.len);
	memcpy(buf + a.len, b.b, b.len);
	tx(&c, S2C, buf, a.len + b.len, 1460);
	ack(&c, C2S);
	teardown(&c);
	out_close(&o);
}

static void
case_two_requests(void)
{
	struct out o;
	struct conn c;
	struct pdu req;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "TWO-REQ-PC");

	out_open(&o, "rpc-two-requests.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50105);
	start(&c, &cl, &r, &req);
	tx(&c, C2S, req.b, req.len, 1460);
	finish_resp(&c, &r, 2, 49);
	cl = cli("Windows 10/11 Enterprise", 6, "TWO-REQ-PC");
	mk_req(&r, &cl, o.usec);
	mk_request(&req, 3, &r);
	tx(&c, C2S, req.b, req.len, 1460);
	finish_resp(&c, &r, 3, 50);
	teardown(&c);
	out_close(&o);
}

static void
case_gap(void)
{
	struct out o;
	struct conn c;
	struct pdu req;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "GAP-PC");

	out_open(&o, "tcp-gap-then-request.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50106);
	start(&c, &cl, &r, &req);
	/* request 1 in 3 segments; the middle one [100,200) is not captured */
	seg_at(&c, C2S, F_ACK, c.cseq, req.b, 100);
	seg_at(&c, C2S, F_ACK | F_PSH, c.cseq + 200, req.b + 200, req.len - 200);
	c.cseq += (uint32_t)req.len;
	finish_resp(&c, &r, 2, 49);
	cl = cli("Windows 10/11 Enterprise", 6, "GAP-PC");
	mk_req(&r, &cl, o.usec);
	mk_request(&req, 3, &r);
	tx(&c, C2S, req.b, req.len, 1460);
	finish_resp(&c, &r, 3, 50);
	teardown(&c);
	out_close(&o);
}

static void
case_badhash(void)
{
	struct out o;
	struct conn c;
	struct host h = winhost;
	uint16_t v[3] = { 4, 5, 6 };

	h.corrupt = true;
	out_open(&o, "kms-bad-hash.pcap", DLT_EN10MB, 262144, false);
	for (int i = 0; i < 3; i++) {
		struct client cl = cli("Windows Server 2019 Standard", v[i], "BADHASH-SRV");

		conn_init(&c, &o, 21 + i, 10, (uint16_t)(50110 + i));
		exchange(&c, &cl, &h, 10);
	}
	out_close(&o);
}

/* Request whose RPC or KMS bytes are patched after encoding. */
enum hostile { H_FRAGLEN, H_NDRSIZE, H_PIDSIZE, H_NCTX, H_V6SIZE, H_WS_NONUL,
    H_WS_SURR };

static void
patch_ws(struct kms_request *r, uint8_t *m, size_t n, bool surrogate)
{
	uint8_t *base = r->major < 5 ? m : m + 20;
	uint8_t plain[240];

	if (r->major >= 5) {
		kms_cbc_decrypt(r->major == 5 ? &keys.v5 : &keys.v6, r->iv, m + 20,
		    plain, 240);
		base = plain;
	}
	if (surrogate) {
		base[108 + 2 * 3] = 0x00;
		base[108 + 2 * 3 + 1] = 0xD8;		/* lone high surrogate */
	} else {
		for (int i = 0; i < KMS_WS_UNITS; i++) {
			base[108 + 2 * i] = (uint8_t)('A' + i % 26);
			base[108 + 2 * i + 1] = 0;
		}
	}
	if (r->major < 5)
		kms_v4_hash(m, KMS_BASE_REQ_LEN, m + KMS_BASE_REQ_LEN);
	else
		kms_cbc_encrypt(r->major == 5 ? &keys.v5 : &keys.v6, r->iv, plain,
		    m + 20, 240);
	(void)n;
}

static void
hostile_conn(struct out *o, int idx, enum hostile h, uint16_t major)
{
	struct conn c;
	struct pdu p;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", major, "HOSTILE-PC");
	uint8_t m[512];
	size_t n;

	conn_init(&c, o, 30 + idx, 10, (uint16_t)(50200 + idx));
	handshake(&c);
	mk_bind(&p, 2);
	if (h == H_NCTX)
		p.b[24] = 255;
	if (h == H_FRAGLEN) {
		p.b[8] = 0xff;
		p.b[9] = 0xff;
	}
	tx(&c, C2S, p.b, p.len, 1460);
	if (h == H_FRAGLEN || h == H_NCTX) {
		o->usec += 2000000;
		teardown(&c);
		o->usec += 1000000;
		return;
	}
	mk_bind_ack(&p, 2);
	tx(&c, S2C, p.b, p.len, 1460);
	mk_req(&r, &cl, o->usec);
	n = kms_req_msg(m, sizeof(m), &r);
	if (h == H_WS_NONUL || h == H_WS_SURR)
		patch_ws(&r, m, n, h == H_WS_SURR);
	if (h == H_V6SIZE)
		n -= 10;			/* 250 bytes: not whole AES blocks */
	wrap_req(&p, 2, m, n);
	if (h == H_NDRSIZE) {
		/* NDR: the conformant array's max_count is the second stub u32 */
		uint32_t bogus = (uint32_t)n + 1000;

		memcpy(p.b + 28, &bogus, 4);
	}
	tx(&c, C2S, p.b, p.len, 1460);
	if (h == H_PIDSIZE) {
		struct host hh = winhost;
		uint8_t stub[1024], rm[512];
		struct kms_response_spec s;
		size_t rn, sl;

		memset(&s, 0, sizeof(s));
		s.epid = hh.epid;
		s.count = 50;
		s.activation_interval = 120;
		s.renewal_interval = 10080;
		rn = kms_encode_response(&keys, rm, sizeof(rm), &r, &s);
		rm[4] = 0xff; rm[5] = 0x7f;	/* v4 clear text: PIDSize 0x7fff */
		sl = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, rm, rn, 0);
		p.len = dcerpc_encode_response(p.b, sizeof(p.b), 2, 0, stub, sl);
		tx(&c, S2C, p.b, p.len, 1460);
	} else if (h == H_V6SIZE || h == H_NDRSIZE) {
		/* a host answers a message it cannot read with an error HRESULT */
		uint8_t stub[64];
		size_t sl = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR,
		    NULL, 0, 0x8007000D);

		p.len = dcerpc_encode_response(p.b, sizeof(p.b), 2, 0, stub, sl);
		tx(&c, S2C, p.b, p.len, 1460);
	} else
		finish_resp(&c, &r, 2, 50);
	ack(&c, C2S);
	teardown(&c);
	o->usec += 1000000;
}

static void
case_hostile(void)
{
	struct out o;

	out_open(&o, "hostile-lengths.pcap", DLT_EN10MB, 262144, false);
	hostile_conn(&o, 1, H_FRAGLEN, 6);
	hostile_conn(&o, 2, H_NDRSIZE, 6);
	hostile_conn(&o, 3, H_PIDSIZE, 4);
	hostile_conn(&o, 4, H_NCTX, 6);
	out_close(&o);
	out_open(&o, "kms-v6-wrong-ciphertext-size.pcap", DLT_EN10MB, 262144, false);
	hostile_conn(&o, 5, H_V6SIZE, 6);
	out_close(&o);
	out_open(&o, "kms-workstation-names.pcap", DLT_EN10MB, 262144, false);
	hostile_conn(&o, 6, H_WS_NONUL, 4);
	hostile_conn(&o, 7, H_WS_NONUL, 6);
	hostile_conn(&o, 8, H_WS_SURR, 6);
	out_close(&o);
}

static void
case_snaplen(void)
{
	struct out o;
	struct conn c;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "SNAPLEN-PC");

	out_open(&o, "snaplen-128.pcap", DLT_EN10MB, 128, false);
	conn_init(&c, &o, 21, 10, 50300);
	exchange(&c, &cl, &winhost, 50);
	out_close(&o);
}

/* n SYNs retransmitted at 0, 1, 3, 7, 15 s from the start, never answered. */
static void
syns_unanswered(struct conn *c, int n)
{
	uint32_t isn = c->cseq;

	for (int i = 0, t = 0; i < n; i++) {
		c->o->usec = (int64_t)t * 1000000;
		seg_at(c, C2S, F_SYN, isn, NULL, 0);
		t = t * 2 + 1;
	}
}

static void
case_transport(void)
{
	struct out o;
	struct conn c;
	static const char http[] = "GET / HTTP/1.1\r\nHost: kms.example\r\n"
	    "User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
	struct pdu p;

	/* filtered: SYN at 0, 1, 3, 7, 15 s, never answered */
	out_open(&o, "tcp-syn-filtered.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50400);
	syns_unanswered(&c, 5);
	o.usec = 40000000;
	/* an unrelated packet later so the capture outlasts the SYN timeout */
	conn_init(&c, &o, 22, 11, 50401);
	c.sport = 443;
	seg_at(&c, C2S, F_SYN, c.cseq, NULL, 0);
	out_close(&o);

	out_open(&o, "tcp-syn-rst.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50402);
	seg_at(&c, C2S, F_SYN, c.cseq++, NULL, 0);
	c.sseq = 0;
	seg_at(&c, S2C, F_RST | F_ACK, 0, NULL, 0);
	out_close(&o);

	out_open(&o, "rpc-bind-nak.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50403);
	handshake(&c);
	mk_bind(&p, 2);
	tx(&c, C2S, p.b, p.len, 1460);
	p.len = dcerpc_encode_bind_nak(p.b, sizeof(p.b), 2, 4);
	tx(&c, S2C, p.b, p.len, 1460);
	teardown(&c);
	out_close(&o);

	out_open(&o, "rpc-fault.pcap", DLT_EN10MB, 262144, false);
	{
		struct client cl = cli("Windows 10/11 Enterprise", 6, "FAULT-PC");
		struct kms_request r;

		conn_init(&c, &o, 21, 10, 50404);
		start(&c, &cl, &r, &p);
		tx(&c, C2S, p.b, p.len, 1460);
		p.len = dcerpc_encode_fault(p.b, sizeof(p.b), 2, 0, 0x1c010003);
		tx(&c, S2C, p.b, p.len, 1460);
		teardown(&c);
	}
	out_close(&o);

	out_open(&o, "not-rpc-http-on-1688.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 21, 10, 50405);
	handshake(&c);
	tx(&c, C2S, (const uint8_t *)http, sizeof(http) - 1, 1460);
	seg_at(&c, S2C, F_RST | F_ACK, c.sseq, NULL, 0);
	out_close(&o);
}

static void
case_hosts(void)
{
	struct out o;
	struct conn c;
	struct client a, b;
	struct host h2 = winhost;

	/* same CMID from two workstations: a cloned image */
	out_open(&o, "clients-duplicate-cmid.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "CLONE-PC-01");
	b = a;
	b.ws = "CLONE-PC-02";
	conn_init(&c, &o, 41, 10, 50500);
	exchange(&c, &a, &winhost, 10);
	conn_init(&c, &o, 42, 10, 50501);
	exchange(&c, &b, &winhost, 10);
	out_close(&o);

	/* six clients alternating between two hosts */
	out_open(&o, "clients-split-two-hosts.pcap", DLT_EN10MB, 262144, false);
	h2.epid = "03612-00206-561-222222-03-1033-17763.0000-3302024";
	h2.hwid[7] = 0x72;
	for (int i = 0; i < 6; i++) {
		char ws[32];

		snprintf(ws, sizeof(ws), "SPLIT-PC-%02d", i + 1);
		a = cli("Windows 10/11 Enterprise", 6, ws);
		conn_init(&c, &o, 51 + i, i % 2 ? 11 : 10, (uint16_t)(50510 + i));
		exchange(&c, &a, i % 2 ? &h2 : &winhost, (uint32_t)(i / 2 + 1));
	}
	out_close(&o);

	out_open(&o, "kms-clock-skew-6h.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "SKEW-PC");
	a.skew = 6 * 3600;
	conn_init(&c, &o, 21, 10, 50520);
	exchange(&c, &a, &winhost, 50);
	out_close(&o);

	out_open(&o, "kms-host-key-mismatch.pcap", DLT_EN10MB, 262144, false);
	a = cli("Office Professional Plus 2019", 6, "OFFICE-PC");
	conn_init(&c, &o, 21, 10, 50530);
	exchange(&c, &a, &winhost, 10);
	out_close(&o);

	out_open(&o, "kms-v6-iv-reused.pcap", DLT_EN10MB, 262144, false);
	h2 = winhost;
	h2.reuse_iv = true;
	a = cli("Windows 10/11 Enterprise", 6, "IVREUSE-PC");
	conn_init(&c, &o, 21, 10, 50540);
	exchange(&c, &a, &h2, 50);
	out_close(&o);
}

static void
case_files(void)
{
	char path[512], src[512];
	FILE *f, *g;
	uint8_t buf[65536];
	size_t n;

	snprintf(path, sizeof(path), "%s/empty.pcap", outdir);
	if ((f = fopen(path, "wb")) == NULL)
		die("%s", path);
	fclose(f);
	snprintf(path, sizeof(path), "%s/not-a-pcap.pcap", outdir);
	if ((f = fopen(path, "wb")) == NULL)
		die("%s", path);
	fputs("This is not a capture file: it is plain text.\n", f);
	fclose(f);
	/* the v6 file cut in the middle of its 8th packet record */
	snprintf(src, sizeof(src), "%s/kms-v6-all-products.pcap", outdir);
	snprintf(path, sizeof(path), "%s/truncated-mid-record.pcap", outdir);
	if ((f = fopen(src, "rb")) == NULL)
		die("%s", src);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	{
		/* walk records: 24-byte file header, 16-byte record headers */
		size_t off = 24;

		for (int i = 0; i < 7 && off + 16 <= n; i++) {
			uint32_t cl;

			memcpy(&cl, buf + off + 8, 4);
			off += 16 + cl;
		}
		n = off + 16 + 40;
	}
	if ((g = fopen(path, "wb")) == NULL)
		die("%s", path);
	fwrite(buf, 1, n, g);
	fclose(g);
}

/*
 * A DCE/RPC fragment bomb: after a normal bind, 1,000 request fragments
 * that are neither first nor continue a call (an error each), 30 requests
 * for an opnum KMS does not have (another kind), then a real exchange.
 * The error lines are capped per kind; the exchange still decodes.
 */
static void
case_fragment_bomb(void)
{
	struct out o;
	struct conn c;
	struct pdu p;
	struct kms_request r;
	struct client cl = cli("Windows 10/11 Enterprise", 6, "BOMB-VICTIM-PC");
	static const uint8_t stub[8];
	static uint8_t bomb[1000 * 64];
	uint32_t id;
	size_t n;

	out_open(&o, "rpc-fragment-bomb.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 40, 10, 50500);
	handshake(&c);
	mk_bind(&p, 2);
	tx(&c, C2S, p.b, p.len, 1460);
	mk_bind_ack(&p, 2);
	tx(&c, S2C, p.b, p.len, 1460);
	/* Back to back in full-size segments, as a flood arrives. */
	for (id = 100, n = 0; id < 1100; id++) {
		p.len = dcerpc_encode_request(p.b, sizeof(p.b), id, 0, 0, stub,
		    sizeof(stub));
		if (p.len == 0 || n + p.len > sizeof(bomb))
			die("bomb fragment");
		p.b[3] = id % 2 ? 0 : PFC_LAST_FRAG;	/* middle or last, never first */
		memcpy(bomb + n, p.b, p.len);
		n += p.len;
	}
	tx(&c, C2S, bomb, n, 1460);
	for (id = 3000; id < 3030; id++) {
		p.len = dcerpc_encode_request(p.b, sizeof(p.b), id, 0, 5, stub,
		    sizeof(stub));
		if (p.len == 0)
			die("bomb opnum");
		tx(&c, C2S, p.b, p.len, 1460);
	}
	ack(&c, S2C);
	mk_req(&r, &cl, o.usec);
	mk_request(&p, 2, &r);
	tx(&c, C2S, p.b, p.len, 1460);
	mk_response(&p, 2, &r, &winhost, 50);
	tx(&c, S2C, p.b, p.len, 1460);
	ack(&c, C2S);
	teardown(&c);
	out_close(&o);
}

/*
 * Text that drives a terminal, as well-formed UTF-8 from the wire: a
 * workstation name with U+202E (right-to-left override) and one with
 * U+009B (CSI: "2J" clears an xterm), and an ePID with U+2066/U+2069.
 */
static void
case_terminal_controls(void)
{
	struct out o;
	struct conn c;
	struct host h = winhost;
	struct client a = cli("Windows 10/11 Enterprise", 6,
	    "PC\xe2\x80\xae" "exe.txt");
	struct client b = cli("Windows 10/11 Enterprise", 6,
	    "WS\xc2\x9b" "2J\xc2\x85" "X");

	h.epid = "03612-00206-560-123456-03-1033-17763.0000-3302024"
	    "\xe2\x81\xa6" "evil" "\xe2\x81\xa9";
	out_open(&o, "kms-terminal-controls.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 41, 10, 50600);
	exchange(&c, &a, &h, 50);
	conn_init(&c, &o, 42, 10, 50601);
	exchange(&c, &b, &h, 51);
	out_close(&o);
}

/* ---- sites with several hosts (fixtures/README.md, "Sites") ---- */

/*
 * Flip one bit of a v6 response's ciphertext so that the ePID it decrypts
 * to is not valid UTF-16: the first bit, in the blocks that hold only ePID
 * characters (ciphertext blocks 1-5), that garbles the ePID's block into a
 * lone surrogate.  Deterministic for a given message.  Returns the offset
 * of the flipped byte in the message.
 */
static size_t
flip_for_bad_utf16(uint8_t *m, size_t n)
{
	uint8_t plain[512];
	char epid[256];

	if (n < 20 + 6 * 16 || n - 20 > sizeof(plain))
		die("flip: v6 message of %zu bytes", n);
	for (size_t off = 20 + 16; off < 20 + 6 * 16; off++)
		for (int bit = 0; bit < 8; bit++) {
			struct kd_utf16_result u;
			uint32_t pidsz;

			m[off] ^= (uint8_t)(1 << bit);
			kms_cbc_decrypt(&keys.v6, m + 4, m + 20, plain, n - 20);
			pidsz = (uint32_t)(plain[4] | plain[5] << 8);
			kd_utf16le_to_utf8(plain + 8, pidsz / 2, epid, sizeof(epid), &u);
			if (!u.valid)
				return off;
			m[off] ^= (uint8_t)(1 << bit);
		}
	die("flip: no flip gives a lone surrogate");
	return 0;
}

enum answer {
	ANS_COUNT,		/* a normal response with the count */
	ANS_HRESULT,		/* an in-band refusal */
	ANS_SILENT,		/* the request is never answered */
	ANS_FLIP,		/* a response altered in transit */
};

static void
refusal(struct conn *c, uint32_t call_id, uint32_t hresult)
{
	struct pdu p;
	uint8_t stub[64];
	size_t sl;

	sl = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, NULL, 0,
	    hresult);
	p.len = dcerpc_encode_response(p.b, sizeof(p.b), call_id, 0, stub, sl);
	if (sl == 0 || p.len == 0)
		die("refusal");
	tx(c, S2C, p.b, p.len, 1460);
}

/* A conversation to addr:port that ends as `how` says. */
static void
site_exchange(struct out *o, int cli_ip, int host_ip, uint16_t port,
    uint16_t cport, const struct client *cl, const struct host *h,
    enum answer how, uint32_t value)
{
	struct conn c;
	struct pdu p;
	struct kms_request r;

	conn_init(&c, o, cli_ip, host_ip, cport);
	c.sport = port;
	start(&c, cl, &r, &p);
	tx(&c, C2S, p.b, p.len, 1460);
	switch (how) {
	case ANS_COUNT:
	case ANS_FLIP:
		mk_response_flip(&p, 2, &r, h, value, how == ANS_FLIP);
		tx(&c, S2C, p.b, p.len, 1460);
		break;
	case ANS_HRESULT:
		refusal(&c, 2, value);
		break;
	case ANS_SILENT:
		/* the client gives up after 30 s */
		ack(&c, S2C);
		o->usec += 30000000;
		break;
	}
	ack(&c, C2S);
	teardown(&c);
	o->usec += 1000000;
}

static const struct host kms2host = {
	"03612-00206-561-222222-03-1033-17763.0000-3302024",
	{ 0x0A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60, 0x72 }, 0, false, false
};

/*
 * Two hosts on two ports, one far below the threshold (counts 6, 7, 8 on
 * 192.0.2.11:21789) and one above it (48, 49, 50 on 192.0.2.10:1688),
 * three clients each; low_first says which host is seen first.
 */
static void
case_two_hosts(const char *name, bool low_first)
{
	struct out o;
	char ws[32];

	out_open(&o, name, DLT_EN10MB, 262144, false);
	for (int pass = 0; pass < 2; pass++) {
		bool low = (pass == 0) == low_first;

		for (int i = 0; i < 3; i++) {
			struct client cl;

			snprintf(ws, sizeof(ws), "%s-PC-%02d", low ? "KMS2" : "KMS1",
			    i + 1);
			cl = cli("Windows 10/11 Enterprise", 6, ws);
			site_exchange(&o, (low ? 70 : 60) + i, low ? 11 : 10,
			    low ? 21789 : 1688, (uint16_t)(50600 + pass * 10 + i),
			    &cl, low ? &kms2host : &winhost, ANS_COUNT,
			    (uint32_t)((low ? 6 : 48) + i));
		}
	}
	out_close(&o);
}

/*
 * 26 clients alternating between two hosts on 1688, each host counting
 * 1..13: every host is below 25 and the 26 distinct clients together would
 * reach it, the one case where "split" is the right word.
 */
static void
case_true_split(void)
{
	struct out o;
	char ws[32];

	out_open(&o, "site-split-26-clients.pcap", DLT_EN10MB, 262144, false);
	for (int i = 0; i < 26; i++) {
		struct client cl;

		snprintf(ws, sizeof(ws), "HALF-PC-%02d", i + 1);
		cl = cli("Windows 10/11 Professional", 6, ws);
		site_exchange(&o, 100 + i, i % 2 ? 11 : 10, 1688,
		    (uint16_t)(50700 + i), &cl, i % 2 ? &kms2host : &winhost,
		    ANS_COUNT, (uint32_t)(i / 2 + 1));
	}
	out_close(&o);
}

/*
 * Hosts that never answer: SYNs to 192.0.2.13 unanswered, a request to
 * 192.0.2.14 never answered; then 192.0.2.10 answers a client normally.
 */
static void
case_silent_hosts(void)
{
	struct out o;
	struct conn c;
	struct client b = cli("Windows 10/11 Enterprise", 6, "SILENT-PC-02");
	struct client d = cli("Windows 10/11 Enterprise", 6, "SILENT-PC-03");

	out_open(&o, "site-hosts-never-answer.pcap", DLT_EN10MB, 262144, false);
	conn_init(&c, &o, 80, 13, 50800);
	syns_unanswered(&c, 3);
	o.usec += 1000000;
	site_exchange(&o, 81, 14, 1688, 50801, &b, &winhost, ANS_SILENT, 0);
	site_exchange(&o, 82, 10, 1688, 50802, &d, &winhost, ANS_COUNT, 50);
	out_close(&o);
}

/* In-band refusals and the exchanges that explain them. */
static void
case_refusals(void)
{
	struct out o;
	struct client a, b;

	/* A retail product refused, a volume one served, by the same host. */
	out_open(&o, "kms-retail-product.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Home", 6, "HOME-PC");
	b = cli("Windows 10/11 Enterprise", 6, "ENT-PC");
	site_exchange(&o, 21, 10, 1688, 50900, &a, &winhost, ANS_HRESULT,
	    0xC004F042);
	site_exchange(&o, 22, 10, 1688, 50901, &b, &winhost, ANS_COUNT, 50);
	out_close(&o);

	/* The host's key does not cover the product: 0xC004F042. */
	out_open(&o, "kms-refused-c004f042.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "REFUSED-PC");
	site_exchange(&o, 21, 10, 1688, 50910, &a, &winhost, ANS_HRESULT,
	    0xC004F042);
	out_close(&o);

	/* Protocol versions no host accepts: 7.0 (v6 cipher) and 3.0 (v4 layout). */
	out_open(&o, "kms-version-7-and-3.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 7, "V7-PC");
	b = cli("Windows 7 Professional", 3, "V3-PC");
	site_exchange(&o, 21, 10, 1688, 50920, &a, &winhost, ANS_HRESULT,
	    0x8007000D);
	site_exchange(&o, 22, 10, 1688, 50921, &b, &winhost, ANS_HRESULT,
	    0x8007000D);
	out_close(&o);

	/* A client clock 6 h ahead, refused with 0xC004F06C. */
	out_open(&o, "kms-clock-skew-refused.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "SKEW-REFUSED-PC");
	a.skew = 6 * 3600;
	site_exchange(&o, 21, 10, 1688, 50930, &a, &winhost, ANS_HRESULT,
	    0xC004F06C);
	out_close(&o);
}

static void
case_wire(void)
{
	struct out o;
	struct client a;

	/* A KMS host moved to port 21688 (slmgr /sprt 21688). */
	out_open(&o, "kms-on-port-21688.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "PORT-PC");
	site_exchange(&o, 21, 10, 21688, 51000, &a, &winhost, ANS_COUNT, 50);
	out_close(&o);

	/* One bit of a v6 response flipped in transit. */
	out_open(&o, "kms-v6-flipped-byte.pcap", DLT_EN10MB, 262144, false);
	a = cli("Windows 10/11 Enterprise", 6, "FLIP-PC");
	site_exchange(&o, 21, 10, 1688, 51010, &a, &winhost, ANS_FLIP, 50);
	out_close(&o);
}

int
main(int argc, char **argv)
{
	static const char *const v4[3] = { "Windows 7 Professional",
	    "Windows Server 2008 R2 Enterprise", "Office Professional Plus 2010" };
	static const char *const v5[3] = { "Windows 8.1 Enterprise",
	    "Windows Server 2012 R2 Standard", "Office Professional Plus 2013" };
	static const char *const v6[3] = { "Windows 10/11 Enterprise",
	    "Windows Server 2019 Standard", "Office Professional Plus 2019" };
	static const char *const ws[3] = { "DESKTOP-0001", "SRV-APP-01",
	    "OFFICE-WS-01" };

	if (argc != 2) {
		fprintf(stderr, "usage: gencap OUTDIR\n");
		return (64);
	}
	outdir = argv[1];
	kd_tables_init();
	kms_keys_init(&keys);
	case_version("kms-v4-all-products.pcap", 4, v4, ws,
	    "55041-00096-200-123456-03-1033-7601.0000-3302024");
	case_version("kms-v5-all-products.pcap", 5, v5, ws,
	    "06401-00206-240-123456-03-1033-9600.0000-3302024");
	case_version("kms-v6-all-products.pcap", 6, v6, ws, ofchost.epid);
	case_mixed_host();
	case_simple("link-linux-sll.pcap", DLT_LINUX_SLL, false, false);
	case_simple("link-linux-sll2-ipv6.pcap", DLT_LINUX_SLL2, false, true);
	case_simple("link-null.pcap", DLT_NULL, false, false);
	case_simple("link-raw.pcap", DLT_RAW, false, false);
	case_simple("link-ethernet-ipv6.pcapng", DLT_EN10MB, true, true);
	case_threshold();
	case_reorder();
	case_tiny();
	case_overlap();
	case_coalesced();
	case_two_requests();
	case_gap();
	case_badhash();
	case_hostile();
	case_snaplen();
	case_transport();
	case_hosts();
	case_files();
	case_fragment_bomb();
	case_terminal_controls();
	/* New cases only after the old ones: the xorshift stream is shared. */
	case_two_hosts("site-two-hosts-low-first.pcap", true);
	case_two_hosts("site-two-hosts-high-first.pcap", false);
	case_true_split();
	case_silent_hosts();
	case_refusals();
	case_wire();
	return (0);
}
