/*
 * The packet source: batching and pacing of file replay, pause, -c,
 * --duration, stop, -w, the filter on files, open errors, and (as root)
 * a live source on lo.  Files are written here with libpcap, so the
 * timestamps and ports are known.  Run from the repository root.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../capture/capsrc.h"
#include "kdtest.h"

static char dir[] = "/tmp/kdcapsrc.XXXXXX";
static char path_tick[128], path_wide[128], path_out[128];

/* Ethernet + IPv4 + TCP (SYN) from 10.0.0.1:sport to 10.0.0.2:dport. */
static size_t
make_frame(uint8_t *f, uint16_t sport, uint16_t dport)
{
	static const uint8_t eth_ip[] = {
		0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2
	};

	memset(f, 0, 54);
	memcpy(f, eth_ip, sizeof(eth_ip));
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[46] = 0x50;		/* data offset 5 words */
	f[47] = 0x02;		/* SYN */
	f[48] = 0xff;
	return 54;
}

/* n packets, step_us apart; every third one goes to port 1689 instead of 1688. */
static int
write_pcap(const char *path, int n, long step_us)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;
	uint8_t f[64];
	int i;

	if (p == NULL || (d = pcap_dump_open(p, path)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr h;
		long us = 1000000L + (long)i * step_us;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + us / 1000000;
		h.ts.tv_usec = us % 1000000;
		h.caplen = h.len = (bpf_u_int32)make_frame(f, (uint16_t)(40000 + i),
		    i % 3 == 2 ? 1689 : 1688);
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}

static int
count_packets(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, eb);
	int n = 0;

	if (p == NULL)
		return -1;
	while (pcap_next_ex(p, &h, &data) == 1)
		n++;
	pcap_close(p);
	return n;
}

struct ended {
	int		 calls;
	enum capsrc_end	 how;
	bool		 close_in_cb;
};

static void
on_end(struct capsrc *s, enum capsrc_end how, void *arg)
{
	struct ended *e = arg;

	e->calls++;
	e->how = how;
	if (e->close_in_cb)
		capsrc_close(s);
}

static unsigned exchanges;
static struct capsrc *close_at_exchange;

static void
count_events(const struct capture_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == CE_EXCHANGE) {
		exchanges++;
		if (close_at_exchange != NULL) {
			capsrc_close(close_at_exchange);
			close_at_exchange = NULL;
		}
	}
}

struct fixture {
	struct capture	*cap;
	struct kd_loop	*loop;
	struct ended	 end;
	struct kd_diag	 err;
	bool		 bad_filter;
};

static struct capsrc *
open_src(struct fixture *fx, const struct capsrc_opts *o)
{
	memset(fx, 0, sizeof(*fx));
	fx->cap = capture_new(&(struct capture_opts){ .nports = 0 }, count_events, NULL);
	fx->loop = kd_loop_new();
	return capsrc_open(o, fx->cap, fx->loop, on_end, &fx->end, &fx->err,
	    &fx->bad_filter);
}

static void
close_fx(struct fixture *fx, struct capsrc *s)
{
	capsrc_close(s);
	capture_finish(fx->cap);
	capture_free(fx->cap);
	kd_loop_free(fx->loop);
}

static void
test_batching(void)
{
	struct capsrc_opts o = { .file = path_tick, .batch = 4 };
	struct capsrc_stats st;
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);
	int rounds = 0;

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	KDT_CHECK(!capsrc_live(s));
	kd_loop_once(fx.loop, 0);
	capsrc_stats(s, &st);
	KDT_CHECK(st.packets == 4);	/* one batch per loop turn */
	while (fx.end.calls == 0 && rounds++ < 100)
		kd_loop_once(fx.loop, 0);
	capsrc_stats(s, &st);
	KDT_CHECK(st.packets == 10);
	KDT_CHECK(capsrc_matched(s) == 10);
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_EOF);
	KDT_CHECK(rounds >= 2 && rounds <= 3);
	KDT_CHECK(kd_loop_ntimers(fx.loop) == 0);	/* nothing left behind */
	KDT_CHECK(!st.kernel_known);
	close_fx(&fx, s);
}

/* 5 packets 100 ms apart: 400 ms at speed 1, 100 ms at speed 4. */
static void
test_pacing(double speed, uint64_t min_ms, uint64_t max_ms)
{
	struct capsrc_opts o = { .file = path_tick, .speed = speed, .max_packets = 5 };
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);
	uint64_t t0 = kd_now_ms(), took;

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_run(fx.loop);
	took = kd_now_ms() - t0;
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_LIMIT);
	KDT_CHECK(capsrc_matched(s) == 5);
	KDT_CHECK(took >= min_ms);
	KDT_CHECK(took <= max_ms);
	if (took < min_ms || took > max_ms)
		fprintf(stderr, "speed %.1f took %llu ms\n", speed, (unsigned long long)took);
	close_fx(&fx, s);
}

static void
test_pause(void)
{
	struct capsrc_opts o = { .file = path_tick, .batch = 2 };
	struct capsrc_stats st;
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_once(fx.loop, 0);
	capsrc_pause(s, true);
	kd_loop_once(fx.loop, 20);
	kd_loop_once(fx.loop, 20);
	capsrc_stats(s, &st);
	KDT_CHECK(st.packets == 2);	/* nothing read while paused */
	KDT_CHECK(fx.end.calls == 0);
	capsrc_pause(s, false);
	kd_loop_run(fx.loop);
	capsrc_stats(s, &st);
	KDT_CHECK(st.packets == 10);
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_EOF);
	close_fx(&fx, s);
}

/* Pausing real-time replay does not turn the paused span into a burst. */
static void
test_pause_realtime(void)
{
	struct capsrc_opts o = { .file = path_tick, .speed = 1, .max_packets = 3 };
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);
	uint64_t t0;

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_once(fx.loop, 0);	/* packet 1 at once */
	KDT_CHECK(capsrc_matched(s) == 1);
	capsrc_pause(s, true);
	usleep(300000);
	capsrc_pause(s, false);
	t0 = kd_now_ms();
	kd_loop_once(fx.loop, 0);
	kd_loop_once(fx.loop, 0);
	KDT_CHECK(capsrc_matched(s) == 1);	/* packet 2 is still 100 ms away */
	kd_loop_run(fx.loop);
	KDT_CHECK(capsrc_matched(s) == 3);
	KDT_CHECK(kd_now_ms() - t0 >= 150);
	close_fx(&fx, s);
}

static void
test_filter_and_write(void)
{
	struct capsrc_opts o = { .file = path_tick, .filter = "tcp dst port 1688",
	    .write_file = path_out };
	struct capsrc_stats st;
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_run(fx.loop);
	capsrc_stats(s, &st);
	KDT_CHECK(st.packets == 10);		/* read: every packet of the file */
	KDT_CHECK(capsrc_matched(s) == 7);	/* 3 of 10 go to 1689 */
	KDT_CHECK(st.written == 7);
	close_fx(&fx, s);
	KDT_CHECK(count_packets(path_out) == 7);
}

static void
test_duration_and_stop(void)
{
	struct capsrc_opts o = { .file = path_wide, .speed = 1, .duration_ms = 150 };
	struct fixture fx;
	struct capsrc *s = open_src(&fx, &o);
	uint64_t t0 = kd_now_ms(), took;

	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_run(fx.loop);
	took = kd_now_ms() - t0;
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_LIMIT);
	KDT_CHECK(took >= 140 && took < 1000);
	KDT_CHECK(capsrc_matched(s) == 1);	/* the next packet is 10 s later */
	capsrc_stop(s);				/* after the end: no second callback */
	KDT_CHECK(fx.end.calls == 1);
	close_fx(&fx, s);

	o.duration_ms = 0;
	s = open_src(&fx, &o);
	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_once(fx.loop, 0);
	fx.end.close_in_cb = true;	/* the callback may close the source */
	capsrc_stop(s);
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_STOPPED);
	KDT_CHECK(kd_loop_ntimers(fx.loop) == 0);
	close_fx(&fx, NULL);
}

static void
test_open_errors(void)
{
	char notpcap[160];
	struct capsrc_opts o = { .file = path_tick, .filter = "tcp port" };
	struct fixture fx;
	struct capsrc *s;
	FILE *fp;

	s = open_src(&fx, &o);
	KDT_CHECK(s == NULL && fx.bad_filter);
	KDT_STREQ(fx.err.layer, "bpf");
	KDT_STREQ(fx.err.source, path_tick);
	KDT_CHECK(strstr(fx.err.msg, "tcp port") != NULL);
	KDT_CHECK(kd_loop_ntimers(fx.loop) == 0 && kd_loop_nfds(fx.loop) == 0);
	close_fx(&fx, s);

	snprintf(notpcap, sizeof(notpcap), "%s/notpcap", dir);
	if ((fp = fopen(notpcap, "w")) != NULL) {
		fputs("not a capture\n", fp);
		fclose(fp);
	}
	o.file = notpcap;
	o.filter = NULL;
	s = open_src(&fx, &o);
	KDT_CHECK(s == NULL && !fx.bad_filter);
	KDT_STREQ(fx.err.layer, "pcap");
	KDT_CHECK(fx.err.status == KD_EINVAL);
	close_fx(&fx, s);
	unlink(notpcap);

	o.file = path_tick;
	o.write_file = "/nonexistent-dir/x.pcap";
	s = open_src(&fx, &o);
	KDT_CHECK(s == NULL);
	KDT_STREQ(fx.err.source, "/nonexistent-dir/x.pcap");
	close_fx(&fx, s);

	o = (struct capsrc_opts){ .iface = "kdnosuch0" };
	s = open_src(&fx, &o);
	KDT_CHECK(s == NULL && !fx.bad_filter);
	KDT_STREQ(fx.err.source, "kdnosuch0");
	close_fx(&fx, s);
}

/* A real capture through the same path: one exchange, as kmsdiag-capture -r finds. */
static void
test_fixture(void)
{
	struct capsrc_opts o = { .file = "fixtures/kms-v6-win10-education.pcap" };
	struct fixture fx;
	struct capsrc *s;

	exchanges = 0;
	s = open_src(&fx, &o);
	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	kd_loop_run(fx.loop);
	close_fx(&fx, s);
	KDT_CHECK(exchanges == 1);
}

/* The dashboard may close the source from an event, in the middle of a read. */
static void
test_close_in_event(void)
{
	struct capsrc_opts o = { .file = "fixtures/kms-clientlist-6win-2office2016.pcap" };
	struct fixture fx;
	struct capsrc *s;

	exchanges = 0;
	s = open_src(&fx, &o);
	KDT_CHECK(s != NULL);
	if (s == NULL)
		return;
	close_at_exchange = s;
	kd_loop_run(fx.loop);
	KDT_CHECK(exchanges == 1);	/* nothing read after the close */
	KDT_CHECK(fx.end.calls == 0);
	KDT_CHECK(kd_loop_ntimers(fx.loop) == 0 && kd_loop_nfds(fx.loop) == 0);
	close_fx(&fx, NULL);
}

/* Live on lo (root only): opens, registers a selectable fd, kernel counters work. */
static void
test_live(void)
{
	struct capsrc_opts o = { .iface = "lo", .duration_ms = 100 };
	struct capsrc_stats st;
	struct fixture fx;
	struct capsrc *s;
	uint64_t t0 = kd_now_ms();

	if (geteuid() != 0) {
		fprintf(stderr, "test_capsrc: not root, live source not tested\n");
		return;
	}
	s = open_src(&fx, &o);
	KDT_CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "%s\n", fx.err.msg);
		return;
	}
	KDT_CHECK(capsrc_live(s));
	KDT_CHECK(kd_loop_nfds(fx.loop) == 1);
	kd_loop_run(fx.loop);
	KDT_CHECK(fx.end.calls == 1 && fx.end.how == CAPSRC_END_LIMIT);
	KDT_CHECK(kd_now_ms() - t0 >= 90);
	KDT_CHECK(kd_loop_nfds(fx.loop) == 0);
	capsrc_stats(s, &st);
	KDT_CHECK(st.kernel_known);
	close_fx(&fx, s);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path_tick, sizeof(path_tick), "%s/tick.pcap", dir);
	snprintf(path_wide, sizeof(path_wide), "%s/wide.pcap", dir);
	snprintf(path_out, sizeof(path_out), "%s/out.pcap", dir);
	if (write_pcap(path_tick, 10, 100000) != 0 || write_pcap(path_wide, 3, 10000000) != 0) {
		fprintf(stderr, "cannot write test captures in %s\n", dir);
		return 1;
	}
	test_batching();
	test_pacing(1, 380, 1500);
	test_pacing(4, 90, 380);
	test_pause();
	test_pause_realtime();
	test_filter_and_write();
	test_duration_and_stop();
	test_open_errors();
	test_fixture();
	test_close_in_event();
	test_live();
	unlink(path_tick);
	unlink(path_wide);
	unlink(path_out);
	rmdir(dir);
	return KDT_DONE("test_capsrc");
}
