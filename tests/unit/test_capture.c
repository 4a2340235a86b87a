/*
 * The capture engine's memory budget: flows whose streams have holes hold
 * their out-of-order bytes; over the budget for all flows, the least
 * recently active flows are evicted and reported, so a lossy live capture
 * cannot grow to the per-flow caps times the flow cap.  An evicted flow is
 * "not tracked", never a protocol finding; a busy host's thousands of idle
 * connections hold no buffers.  And the event writer: its streamed JSON is
 * byte for byte the jansson dump, its text lines what printf wrote.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "../capture/capture.h"
#include "kdtest.h"
#include "pkt.h"

#define SYN	0x02
#define ACK	0x10

static unsigned evicted_memory_events, other_evictions;
static unsigned exchange_events, finding_events, evicted_calls;

static void
on_event(const struct capture_event *e, void *arg)
{
	(void)arg;
	if (e->type == CE_EXCHANGE)
		exchange_events++;
	if (e->type == CE_CONNECTION && e->conn->kind != CC_EVICTED)
		finding_events++;
	if (e->type != CE_CONNECTION || e->conn->kind != CC_EVICTED)
		return;
	evicted_calls += e->conn->count;
	if (strstr(e->conn->detail, "reassembly buffers") != NULL)
		evicted_memory_events++;
	else
		other_evictions++;
}

/*
 * One raw IPv4/TCP packet from 10.0.0.CLIENT:40000+CLIENT to 10.0.0.1:1688
 * (CLIENT below 65000: the address takes its low bytes), with the payload
 * given or paylen bytes of 0x5a.
 */
static void
send_data(struct capture *cap, unsigned client, uint32_t seq, uint8_t flags,
    const uint8_t *pay, size_t paylen)
{
	static uint8_t p[20 + 20 + 4096];
	static uint64_t n;
	struct timeval tv = { .tv_sec = 1700000000, .tv_usec = 0 };
	size_t len = 40 + paylen;

	memset(p, 0, 40);
	if (pay != NULL)
		memcpy(p + 40, pay, paylen);
	else
		memset(p + 40, 0x5a, paylen);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10; p[14] = (uint8_t)((client + 2) >> 8);
	p[15] = (uint8_t)(client + 2);
	p[16] = 10; p[19] = 1;
	p[20] = (uint8_t)((client % 20000 + 40000) >> 8);
	p[21] = (uint8_t)(client % 20000 + 40000);
	p[22] = 1688 >> 8;
	p[23] = 1688 & 0xff;
	p[24] = (uint8_t)(seq >> 24); p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8); p[27] = (uint8_t)seq;
	p[32] = 5 << 4;
	p[33] = flags;
	p[34] = 0xff; p[35] = 0xff;
	capture_packet(cap, "test", ++n, &tv, KD_DLT_RAW, p, len, len);
}

static void
send_pkt(struct capture *cap, unsigned client, uint32_t seq, uint8_t flags,
    size_t paylen)
{
	send_data(cap, client, seq, flags, NULL, paylen);
}

/* The host's answer to CLIENT: a bare RST (port closed). */
static void
send_rst(struct capture *cap, unsigned client)
{
	static uint8_t p[40];
	static uint64_t n = 1000000;
	struct timeval tv = { .tv_sec = 1700000000, .tv_usec = 0 };

	memset(p, 0, sizeof(p));
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10; p[15] = 1;
	p[16] = 10; p[18] = (uint8_t)((client + 2) >> 8);
	p[19] = (uint8_t)(client + 2);
	p[20] = 1688 >> 8;
	p[21] = 1688 & 0xff;
	p[22] = (uint8_t)((client % 20000 + 40000) >> 8);
	p[23] = (uint8_t)(client % 20000 + 40000);
	p[32] = 5 << 4;
	p[33] = 0x04 | ACK;	/* RST */
	capture_packet(cap, "test", ++n, &tv, KD_DLT_RAW, p, sizeof(p),
	    sizeof(p));
}

/*
 * A DCE/RPC request PDU, opnum 0, with a stub that is no KMS message: the
 * engine keeps it as a call waiting for its response.  Returns its length.
 */
static size_t
rpc_request(uint8_t *p, uint32_t call_id)
{
	size_t len = 16 + 8 + 16;

	memset(p, 0, len);
	p[0] = 5;			/* rpc_vers */
	p[2] = 0;			/* request */
	p[3] = 0x03;			/* first and last fragment */
	p[4] = 0x10;			/* little-endian */
	p[8] = (uint8_t)len;
	p[12] = (uint8_t)call_id;
	p[16] = 16;			/* alloc_hint */
	return len;
}

/* Each flow: a SYN, then 2000 bytes that arrive 1000 bytes early (a hole). */
static void
open_holey_flow(struct capture *cap, unsigned client)
{
	send_pkt(cap, client, 1000, SYN, 0);
	send_pkt(cap, client, 1001 + 1000, ACK, 2000);
}

static void
test_budget(void)
{
	struct capture_opts o = { .max_buffered = 64 * 1024 };
	const struct capture_stats *st;
	struct capture *cap;

	cap = capture_new(&o, on_event, NULL);
	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	for (unsigned c = 0; c < 200; c++)
		open_holey_flow(cap, c);
	st = capture_stats(cap);
	/* Every flow holds a few KiB: 64 KiB fits a handful, not 200. */
	KDT_CHECK(st->flows_evicted_memory > 100);
	KDT_CHECK(st->flows_evicted == st->flows_evicted_memory);
	KDT_CHECK(evicted_memory_events == st->flows_evicted_memory);
	KDT_CHECK(other_evictions == 0);
	/* Over budget only by the flow that just grew, never by more. */
	KDT_CHECK(st->peak_buffered <= o.max_buffered + 16 * 1024);
	KDT_CHECK(st->peak_flows < 100);
	capture_finish(cap);
	capture_free(cap);
}

static void
test_default_budget_holds_them(void)
{
	struct capture *cap;
	const struct capture_stats *st;

	evicted_memory_events = other_evictions = 0;
	cap = capture_new(NULL, on_event, NULL);
	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	for (unsigned c = 0; c < 200; c++)
		open_holey_flow(cap, c);
	st = capture_stats(cap);
	KDT_CHECK(st->flows_evicted == 0);
	KDT_CHECK(st->peak_flows == 200);
	KDT_CHECK(st->peak_buffered > 200 * 2000);
	capture_finish(cap);
	capture_free(cap);
	KDT_CHECK(evicted_memory_events == 0);
}

/*
 * The flow cap: evicted flows are "not tracked".  Their pending calls are
 * counted, not reported as unanswered exchanges; their unfinished PDUs and
 * unanswered SYNs are not findings; their later packets do not open a new
 * flow (whose response would lack its request), but a new SYN does.
 */
static void
test_evicted_not_findings(void)
{
	struct capture_opts o = { .max_flows = 10 };
	const struct capture_stats *st;
	struct capture *cap;
	uint8_t pdu[64];
	size_t n = rpc_request(pdu, 7);
	uint64_t flows;

	exchange_events = finding_events = evicted_calls = 0;
	evicted_memory_events = other_evictions = 0;
	cap = capture_new(&o, on_event, NULL);
	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	for (unsigned c = 0; c < 30; c++) {
		send_pkt(cap, c, 1000, SYN, 0);
		send_data(cap, c, 1001, ACK, pdu, n);		/* a pending call */
		send_pkt(cap, c, 1001 + (uint32_t)n, ACK, 10);	/* a partial PDU */
	}
	st = capture_stats(cap);
	KDT_CHECK(st->flows_evicted == 20);
	KDT_CHECK(st->calls_untracked == 20);
	KDT_CHECK(evicted_calls == 20 && other_evictions == 20);
	KDT_CHECK(exchange_events == 0);
	/* The request stubs are not KMS messages: errors, not findings. */
	KDT_CHECK(finding_events == 0);

	/* More data of an evicted connection: counted, no new flow. */
	flows = st->flows;
	send_pkt(cap, 0, 1001 + (uint32_t)n + 10, ACK, 20);
	KDT_CHECK(st->flows == flows && st->packets_untracked == 1);
	KDT_CHECK(finding_events == 0 && exchange_events == 0);
	/* A new connection on the same 4-tuple is tracked again. */
	send_pkt(cap, 0, 5000, SYN, 0);
	KDT_CHECK(st->flows == flows + 1);
	KDT_CHECK(st->flows_evicted == 21 && st->calls_untracked == 21);
	capture_finish(cap);
	capture_free(cap);
	/* Only the 9 calls of flows still tracked are reported, at the end. */
	KDT_CHECK(exchange_events == 9);
}

/*
 * A busy host: 12,000 connections in flight with the default options,
 * each past its bind and idle between PDUs.  None is evicted, and idle
 * connections hold no buffer (a drained reassembly window is freed).
 */
static void
test_busy_host(void)
{
	const struct capture_stats *st;
	struct capture *cap;
	uint8_t pdu[64];
	size_t n = rpc_request(pdu, 1);
	unsigned c;

	exchange_events = finding_events = 0;
	evicted_memory_events = other_evictions = 0;
	cap = capture_new(NULL, on_event, NULL);
	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	for (c = 0; c < 12000; c++)
		send_pkt(cap, c, 1000, SYN, 0);
	for (c = 0; c < 12000; c++)
		send_data(cap, c, 1001, ACK, pdu, n);
	st = capture_stats(cap);
	KDT_CHECK(st->flows_evicted == 0 && st->peak_flows == 12000);
	KDT_CHECK(evicted_memory_events == 0 && other_evictions == 0);
	/* Pending calls count; stream buffers do not (all drained). */
	KDT_CHECK(st->peak_buffered <= 12000 * sizeof(struct capture_exchange));
	capture_finish(cap);
	capture_free(cap);
	KDT_CHECK(exchange_events == 12000);
}

/* ---- the event writer ---------------------------------------------------- */

static char *
out_line(const struct capture_event *e, bool json, bool color)
{
	struct capture_out o = { .json = json, .color = color };
	char *mem = NULL;
	size_t len = 0;

	o.fp = open_memstream(&mem, &len);
	if (o.fp == NULL)
		return NULL;
	capture_out_event(e, &o);
	fclose(o.fp);
	return mem;
}

static char *
jansson_line(json_t *j)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&mem, &len);

	if (fp == NULL)
		return NULL;
	kd_json_line(fp, j);
	fclose(fp);
	json_decref(j);
	return mem;
}

static void
set_endpoint(struct kd_endpoint *e, const char *addr, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	if (strchr(addr, ':') != NULL) {
		e->af = 6;
		inet_pton(AF_INET6, addr, e->addr);
	} else {
		e->af = 4;
		inet_pton(AF_INET, addr, e->addr);
	}
	e->port = port;
}

static void
check_exchange(const struct capture_exchange *ex)
{
	struct capture_event e = { .type = CE_EXCHANGE, .ex = ex };
	char *got = out_line(&e, true, false);
	char *want = jansson_line(capture_exchange_json(ex));

	KDT_CHECK(got != NULL && want != NULL);
	if (got != NULL && want != NULL)
		KDT_STREQ(got, want);
	free(got);
	free(want);
}

/* Hostile strings everywhere a string comes from the wire or the input. */
static void
test_exchange_json(void)
{
	static const char *const strs[] = {
		"WS01.corp.example", "quote\"back\\slash", "ctl\x01\x1f\n\t",
		"line\xe2\x80\xa8sep", "bad\xff utf8", "cut\xe2\x80", "caf\xc3\xa9",
		"\xed\xa0\x80 surrogate", ""
	};
	struct capture_exchange ex;
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		memset(&ex, 0, sizeof(ex));
		ex.source = strs[(i + 1) % 9];
		ex.req_pkt = 12345678901ULL;
		ex.req_ts.tv_sec = 1768204800 + (time_t)i * 86399;
		ex.req_ts.tv_usec = (suseconds_t)(i * 111111);
		set_endpoint(&ex.client, i % 2 ? "2001:db8::1:0:0:5" : "203.0.113.7",
		    (uint16_t)(49152 + i));
		set_endpoint(&ex.host, i % 3 ? "::ffff:192.0.2.1" : "192.0.2.10", 1688);
		ex.call_id = (uint32_t)-1 - (uint32_t)i;
		ex.syntax = i % 2 ? SYNTAX_NDR64 : SYNTAX_NDR;
		ex.have_req = i % 4 != 3;
		ex.req.major = (uint16_t)(4 + i % 3);
		ex.req.minor = 0;
		ex.req.license_status = i % 2 ? 2 : 0xdead;
		ex.req.binding_expiration = 43200;
		ex.req.required_count = 25;
		ex.req.client_time = i % 5 ? 0x01dcd6f0a0b0c0d0ULL : 1;
		ex.req.cmid.b[0] = (uint8_t)i;
		snprintf(ex.req.workstation, sizeof(ex.req.workstation), "%s", strs[i]);
		ex.req.mac_ok = i % 2;
		ex.skew_known = i % 2;
		ex.clock_skew = -(int64_t)i * 1000;
		ex.have_resp = i % 4 != 2;
		ex.resp.major = ex.req.major;
		snprintf(ex.resp.epid, sizeof(ex.resp.epid), "%s", strs[(i + 2) % 9]);
		ex.resp.count = 50;
		ex.resp.has_hwid = i % 2;
		ex.resp.hwid[0] = 0xab;
		ex.resp.verified = i % 3 == 0;
		snprintf(ex.resp.verify_detail, sizeof(ex.resp.verify_detail), "%s",
		    strs[(i + 3) % 9]);
		ex.resp.iv_reused = i % 2;
		ex.hresult = i % 3 == 1 ? 0xC004F038 : i % 3 == 2 ? 0x8007000D : 0;
		ex.herr = kd_err_find(ex.hresult);
		ex.fault = i == 4;
		ex.fault_status = 0x1c010003;
		ex.host_key_mismatch = i % 2;
		ex.verdict = (enum capture_verdict)(i % 7);
		snprintf(ex.reason, sizeof(ex.reason), "%s", strs[(i + 4) % 9]);
		check_exchange(&ex);
	}
}

/* Connection and error events, and the calendar against gmtime_r. */
static void
test_event_lines(void)
{
	struct capture_conn_event c;
	struct capture_event e = { .type = CE_CONNECTION, .conn = &c };
	struct kd_diag d;
	uint64_t st = 42;
	char want[512], *got;
	struct tm tm;
	time_t t;
	int bad = 0;

	memset(&c, 0, sizeof(c));
	c.source = "file \"q\".pcap";
	c.pkt_no = 9;
	set_endpoint(&c.client, "2001:db8::10", 50000);
	set_endpoint(&c.host, "192.0.2.10", 1688);
	c.kind = CC_GAP;
	c.count = 5;
	snprintf(c.detail, sizeof(c.detail), "5 bytes missing");
	for (int k = 0; k < 3000; k++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		c.ts.tv_sec = (time_t)((st >> 20) % 253402300800ULL);
		if (k < 6)
			c.ts.tv_sec = (time_t[]){ 0, 951782400, 4107542399,
			    253402300799, -1, 253402300800 }[k];
		c.ts.tv_usec = (suseconds_t)(st % 1000000);
		t = c.ts.tv_sec;
		gmtime_r(&t, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02d %02d:%02d:%02d.%06ld "
		    "[2001:db8::10]:50000 > 192.0.2.10:1688 gap: 5 bytes missing\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)c.ts.tv_usec);
		got = out_line(&e, false, false);
		if (got == NULL || strcmp(got, want) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "got %s want %s", got, want);
		}
		free(got);
	}
	KDT_CHECK(bad == 0);

	/* The JSON connection line, against a jansson tree of it. */
	{
		json_t *j = json_object();
		char b[64];

		t = c.ts.tv_sec;
		gmtime_r(&t, &tm);
		snprintf(b, sizeof(b), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (long)c.ts.tv_usec);
		json_object_set_new(j, "type", json_string("connection"));
		json_object_set_new(j, "source", json_string(c.source));
		json_object_set_new(j, "packet", json_integer(9));
		json_object_set_new(j, "time", json_string(b));
		json_object_set_new(j, "client", json_string("[2001:db8::10]:50000"));
		json_object_set_new(j, "host", json_string("192.0.2.10:1688"));
		json_object_set_new(j, "event", json_string("gap"));
		json_object_set_new(j, "count", json_integer(5));
		json_object_set_new(j, "detail", json_string(c.detail));
		got = out_line(&e, true, false);
		{
			char *w = jansson_line(j);

			KDT_STREQ(got, w);
			free(w);
		}
		free(got);
	}

	/* An error event: text and JSON. */
	memset(&d, 0, sizeof(d));
	d.source = "x.pcap";
	d.pkt_no = 3;
	kd_diag_set(&d, KD_EINVAL, "kms", 20, "bad \"thing\" \x01");
	e.type = CE_ERROR;
	e.err = &d;
	got = out_line(&e, false, false);
	/* On a terminal the control byte is escaped. */
	KDT_STREQ(got, "error: x.pcap: packet 3: offset 20: kms: invalid (bad \"thing\" "
	    "\\x01)\n");
	free(got);
	got = out_line(&e, true, false);
	KDT_CHECK(got != NULL && strstr(got, "\"type\":\"error\"") != NULL &&
	    strstr(got, "\\u0001") != NULL);
	free(got);
}

/* The text line of an exchange, as the printf formats wrote it. */
static void
test_exchange_text(void)
{
	struct capture_exchange ex;
	struct capture_event e = { .type = CE_EXCHANGE, .ex = &ex };
	char *got;

	memset(&ex, 0, sizeof(ex));
	ex.req_pkt = 1;
	ex.req_ts.tv_sec = 1768204800;
	ex.req_ts.tv_usec = 5;
	set_endpoint(&ex.client, "203.0.113.7", 49152);
	set_endpoint(&ex.host, "2001:db8::10", 1688);
	ex.call_id = 3;
	ex.have_req = ex.have_resp = true;
	ex.req.major = 6;
	ex.req.required_count = 25;
	snprintf(ex.req.workstation, sizeof(ex.req.workstation), "ws\x01\\\"");
	ex.resp.count = 50;
	ex.verdict = CV_UNVERIFIED;
	snprintf(ex.reason, sizeof(ex.reason), "HMAC mismatch");
	got = out_line(&e, false, false);
	KDT_STREQ(got, "2026-01-12 08:00:00.000005 203.0.113.7:49152 > "
	    "[2001:db8::10]:1688 call 3 KMS v6.0 unknown product "
	    "\"ws\\x01\\x5c\"\" cmid 00000000-0000-0000-0000-000000000000: "
	    "count 50/25 UNVERIFIED -> unverified: HMAC mismatch\n");
	free(got);
	got = out_line(&e, false, true);
	KDT_CHECK(got != NULL && strstr(got, " -> \033[31munverified\033[0m: ") != NULL);
	free(got);
}

/* kd_endpoint_format()'s own IPv4 text against inet_ntop and snprintf. */
static void
test_endpoint_format(void)
{
	struct kd_endpoint e;
	uint64_t st = 7;
	char got[64], a[INET_ADDRSTRLEN], want[64];
	int bad = 0;

	memset(&e, 0, sizeof(e));
	e.af = 4;
	for (int k = 0; k < 5000; k++) {
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(e.addr, &st, 4);
		e.port = (uint16_t)(st >> 40);
		if (k == 0)
			memset(e.addr, 0, 4), e.port = 0;
		if (k == 1)
			memset(e.addr, 0xff, 4), e.port = 65535;
		inet_ntop(AF_INET, e.addr, a, sizeof(a));
		snprintf(want, sizeof(want), "%s:%u", a, e.port);
		if (strcmp(kd_endpoint_format(&e, got, sizeof(got)), want) != 0)
			bad++;
		/* Cut like snprintf would cut it. */
		want[7] = '\0';
		if (strcmp(kd_endpoint_format(&e, got, 8), want) != 0)
			bad++;
	}
	KDT_CHECK(bad == 0);
	/*
	 * IPv6, against inet_ntop: random groups, each zero with one chance in
	 * two so that runs of every length and place occur, and the forms with
	 * an IPv4 tail (::a.b.c.d, ::ffff:a.b.c.d, and near misses).
	 */
	e.af = 6;
	for (int k = 0; k < 200000; k++) {
		char a6[INET6_ADDRSTRLEN];

		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		for (int g = 0; g < 8; g++) {
			uint64_t r = st >> (g * 8) & 0xff;

			e.addr[2 * g] = r & 1 ? 0 : (uint8_t)(r & 0x0e ? r : r << 4);
			e.addr[2 * g + 1] = r & 1 ? 0 : (uint8_t)(r >> 3);
		}
		if (k % 7 == 0) {
			memset(e.addr, 0, 10);
			e.addr[10] = e.addr[11] = k % 14 == 0 ? 0xff : 0;
		}
		if (k % 11 == 0)
			memset(e.addr, 0, 16 - k % 5);
		e.port = (uint16_t)(st >> 40);
		inet_ntop(AF_INET6, e.addr, a6, sizeof(a6));
		snprintf(want, sizeof(want), "[%s]:%u", a6, e.port);
		if (strcmp(kd_endpoint_format(&e, got, sizeof(got)), want) != 0 &&
		    bad++ < 5)
			fprintf(stderr, "%s != %s\n", got, want);
		want[9] = '\0';
		if (strcmp(kd_endpoint_format(&e, got, 10), want) != 0)
			bad++;
	}
	KDT_CHECK(bad == 0);
}

/*
 * Text in capture order: a line waits while a call that started before it
 * is in flight, and goes out as soon as none is; held lines stay few.
 */
static void
test_capture_order(void)
{
	struct capture_out o = { .in_capture_order = true };
	struct capture *cap;
	uint8_t pdu[64];
	size_t n = rpc_request(pdu, 9), held_while_pending;
	char *mem = NULL, *first, *second;
	size_t len = 0;
	unsigned c;

	o.fp = open_memstream(&mem, &len);
	KDT_CHECK(o.fp != NULL);
	if (o.fp == NULL)
		return;
	cap = capture_new(NULL, capture_out_event, &o);
	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	/* A call from client 0 that stays unanswered for a while. */
	send_pkt(cap, 0, 1000, SYN, 0);
	send_data(cap, 0, 1001, ACK, pdu, n);
	for (c = 1; c <= 3000; c++) {
		send_pkt(cap, c, 1000, SYN, 0);
		send_rst(cap, c);			/* a "refused" line */
	}
	held_while_pending = o.nheld;
	KDT_CHECK(held_while_pending >= 3000);	/* all after the call */
	/* The call ends (the host resets it): everything can go out. */
	send_rst(cap, 0);
	for (c = 3001; c <= 6000; c++) {
		send_pkt(cap, c, 1000, SYN, 0);
		send_rst(cap, c);
	}
	KDT_CHECK(o.nheld < 2 * 1024);
	capture_finish(cap);
	capture_out_flush(&o);
	capture_free(cap);
	fclose(o.fp);
	KDT_CHECK(mem != NULL);
	if (mem == NULL)
		return;
	/* The call's lines (its decode error, its exchange) come first. */
	first = strstr(mem, " call 9");
	second = strstr(mem, " refused: ");
	KDT_CHECK(first != NULL && second != NULL && first < second);
	free(mem);
}

int
main(void)
{
	test_endpoint_format();
	test_budget();
	test_default_budget_holds_them();
	test_evicted_not_findings();
	test_busy_host();
	test_exchange_json();
	test_event_lines();
	test_exchange_text();
	test_capture_order();
	return KDT_DONE("test_capture");
}
