/*
 * The capture engine's memory budget: flows whose streams have holes hold
 * their out-of-order bytes; over the budget for all flows, the least
 * recently active flows are evicted and reported, so a lossy live capture
 * cannot grow to the per-flow caps times the flow cap.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

#include "../capture/capture.h"
#include "kdtest.h"
#include "pkt.h"

#define SYN	0x02
#define ACK	0x10

static unsigned evicted_memory_events, other_evictions;

static void
on_event(const struct capture_event *e, void *arg)
{
	(void)arg;
	if (e->type != CE_CONNECTION || e->conn->kind != CC_EVICTED)
		return;
	if (strstr(e->conn->detail, "reassembly buffers") != NULL)
		evicted_memory_events++;
	else
		other_evictions++;
}

/* One raw IPv4/TCP packet from 10.0.0.CLIENT:40000+CLIENT to 10.0.0.1:1688. */
static void
send_pkt(struct capture *cap, unsigned client, uint32_t seq, uint8_t flags,
    size_t paylen)
{
	static uint8_t p[20 + 20 + 4096];
	static uint64_t n;
	struct timeval tv = { .tv_sec = 1700000000, .tv_usec = 0 };
	size_t len = 40 + paylen;

	memset(p, 0, 40);
	memset(p + 40, 0x5a, paylen);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10; p[15] = (uint8_t)(client + 2);
	p[16] = 10; p[19] = 1;
	p[20] = (uint8_t)((40000 + client) >> 8);
	p[21] = (uint8_t)(40000 + client);
	p[22] = 1688 >> 8;
	p[23] = 1688 & 0xff;
	p[24] = (uint8_t)(seq >> 24); p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8); p[27] = (uint8_t)seq;
	p[32] = 5 << 4;
	p[33] = flags;
	p[34] = 0xff; p[35] = 0xff;
	capture_packet(cap, "test", ++n, &tv, KD_DLT_RAW, p, len, len);
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

int
main(void)
{
	test_budget();
	test_default_budget_holds_them();
	return KDT_DONE("test_capture");
}
