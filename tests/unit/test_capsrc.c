/*
 * The packet source: batching and pacing of file replay, pause, -c,
 * --duration, stop, -w, the filter on files, open errors, and (as root)
 * a live source on lo.  Files are written here with libpcap, so the
 * timestamps and ports are known.  Run from the repository root.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <pcap/pcap.h>
#include <signal.h>
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

/*
 * Classic pcap files are read from a mapping (capsrc.c): every variant
 * gives the packets libpcap gives (timestamps, lengths, bytes), and a
 * file that goes wrong part-way gives libpcap's own error after the same
 * packets.  The packets are compared through -w.
 */
struct rec {
	uint32_t	 sec, frac, caplen, len;
};

static void
put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, f);
}

static void
put16(FILE *f, uint16_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap16(v);
	fwrite(&v, 2, 1, f);
}

/* A file by hand: cut bytes off its end when cut > 0. */
static int
write_raw(const char *path, uint32_t magic, uint16_t minor, uint32_t snap,
    bool swap, const struct rec *r, size_t n, long cut)
{
	FILE *f = fopen(path, "wb");
	uint8_t frame[256];
	long size;

	if (f == NULL)
		return -1;
	put32(f, magic, swap);
	put16(f, 2, swap);
	put16(f, minor, swap);
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snap, swap);
	put32(f, 1, swap);
	for (size_t i = 0; i < n; i++) {
		make_frame(frame, (uint16_t)(40000 + i), 1688);
		for (size_t k = 54; k < sizeof(frame); k++)
			frame[k] = (uint8_t)(k * 7 + i);
		put32(f, r[i].sec, swap);
		put32(f, r[i].frac, swap);
		put32(f, r[i].caplen, swap);
		put32(f, r[i].len, swap);
		fwrite(frame, 1, r[i].caplen, f);
	}
	size = ftell(f);
	if (fclose(f) != 0)
		return -1;
	return cut > 0 ? truncate(path, size - cut) : 0;
}

static char read_err[512];

static void
keep_error(const struct capture_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == CE_ERROR)
		snprintf(read_err, sizeof(read_err), "%s", ev->err->msg);
}

/* Packets of a, read by libpcap itself, against packets of b; then its end. */
static bool
same_packets(const char *a, const char *b, char *aerr, size_t aerrlen)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pa = pcap_open_offline_with_tstamp_precision(a,
	    PCAP_TSTAMP_PRECISION_MICRO, eb);
	pcap_t *pb = pcap_open_offline(b, eb);
	struct pcap_pkthdr *ha, *hb;
	const u_char *da, *db;
	bool same = pa != NULL && pb != NULL;
	int ra = 1, rb;

	aerr[0] = '\0';
	while (same && (ra = pcap_next_ex(pa, &ha, &da)) == 1) {
		rb = pcap_next_ex(pb, &hb, &db);
		/* -w keeps 32 bits of each (libpcap's file format). */
		same = rb == 1 && (uint32_t)ha->ts.tv_sec == (uint32_t)hb->ts.tv_sec &&
		    (uint32_t)ha->ts.tv_usec == (uint32_t)hb->ts.tv_usec &&
		    ha->caplen == hb->caplen &&
		    ha->len == hb->len && memcmp(da, db, ha->caplen) == 0;
	}
	if (same && pcap_next_ex(pb, &hb, &db) == 1)
		same = false;
	if (ra == PCAP_ERROR)
		snprintf(aerr, aerrlen, "%s", pcap_geterr(pa));
	if (pa != NULL)
		pcap_close(pa);
	if (pb != NULL)
		pcap_close(pb);
	return same;
}

static void
test_mapped(void)
{
	static const struct rec plain[] = {
		{ 1700000000, 1, 54, 54 }, { 1700000001, 999999, 60, 1514 },
		{ 0x80000001u, 5, 120, 120 }, { 1700000002, 0x80000005u, 54, 54 },
	};
	static const struct rec nsec[] = {
		{ 1700000000, 999999999, 54, 54 }, { 1700000001, 1500, 80, 80 },
		{ 0x80000002u, 0x80000123u, 54, 54 },
	};
	static const struct rec oversnap[] = {
		{ 1700000000, 1, 54, 54 }, { 1700000001, 2, 100, 100 },
		{ 1700000002, 3, 54, 54 },
	};
	static const struct {
		const char	*name;
		uint32_t	 magic;
		uint16_t	 minor;
		uint32_t	 snap;
		bool		 swap;
		const struct rec *r;
		size_t		 n;
		long		 cut;
		bool		 error;
	} v[] = {
		{ "us", 0xa1b2c3d4, 4, 65535, false, plain, 4, 0, false },
		{ "us-swapped", 0xa1b2c3d4, 4, 65535, true, plain, 4, 0, false },
		{ "ns", 0xa1b23c4d, 4, 65535, false, nsec, 3, 0, false },
		{ "ns-swapped", 0xa1b23c4d, 4, 262144, true, nsec, 3, 0, false },
		{ "cut-data", 0xa1b2c3d4, 4, 65535, false, plain, 4, 5, true },
		{ "cut-header", 0xa1b2c3d4, 4, 65535, false, plain, 4, 54 + 9, true },
		{ "over-snaplen", 0xa1b2c3d4, 4, 64, false, oversnap, 3, 0, false },
		{ "format-2.3", 0xa1b2c3d4, 3, 65535, false, plain, 4, 0, false },
	};
	char path[160], want[512];

	snprintf(path, sizeof(path), "%s/raw.pcap", dir);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct capsrc_opts o = { .file = path, .write_file = path_out };
		struct ended end = { 0 };
		struct kd_diag err;
		struct capture *cap;
		struct kd_loop *loop;
		struct capsrc *s;
		bool same;

		if (write_raw(path, v[i].magic, v[i].minor, v[i].snap, v[i].swap,
		    v[i].r, v[i].n, v[i].cut) != 0) {
			KDT_CHECK(!"cannot write the file");
			continue;
		}
		read_err[0] = '\0';
		cap = capture_new(NULL, keep_error, NULL);
		loop = kd_loop_new();
		s = capsrc_open(&o, cap, loop, on_end, &end, &err, NULL);
		KDT_CHECK(s != NULL);
		if (s != NULL) {
			kd_loop_run(loop);
			capsrc_close(s);
		}
		capture_finish(cap);
		capture_free(cap);
		kd_loop_free(loop);
		same = same_packets(path, path_out, want, sizeof(want));
		if (!same)
			fprintf(stderr, "mapped read of %s: other packets than libpcap's\n",
			    v[i].name);
		KDT_CHECK(same);
		KDT_CHECK((want[0] != '\0') == v[i].error);
		if (want[0] != '\0' && strstr(read_err, want) == NULL)
			fprintf(stderr, "%s: \"%s\" does not say \"%s\"\n", v[i].name,
			    read_err, want);
		KDT_CHECK(want[0] == '\0' ? read_err[0] == '\0' :
		    strstr(read_err, want) != NULL);
		KDT_CHECK(end.how == (v[i].error ? CAPSRC_END_CUT : CAPSRC_END_EOF));
	}
	unlink(path);
}

/*
 * A file that changes while it is read, as libpcap reads it: records
 * appended after the open are read too, and a file cut short under the
 * reader (pages gone from the mapping) ends the read as libpcap ends it,
 * without SIGBUS.  In a child, so that a crash is a failed check.
 */
static const char *cut_path;

/* The first decode error (record 100, made so) cuts the file at 8 KiB. */
static void
cut_at_error(const struct capture_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == CE_ERROR && cut_path != NULL) {
		if (truncate(cut_path, 8192) != 0)
			_exit(13);
		cut_path = NULL;
	}
}

static int
read_changed(const char *path, int change, uint64_t *packets, enum capsrc_end *how)
{
	struct capsrc_opts o = { .file = path };
	struct ended end = { 0 };
	struct capsrc_stats st;
	struct kd_diag err;
	struct capture *cap = capture_new(NULL, change == 2 ? cut_at_error :
	    keep_error, NULL);
	struct kd_loop *loop = kd_loop_new();
	struct capsrc *s = capsrc_open(&o, cap, loop, on_end, &end, &err, NULL);
	bool grow = change == 1;
	char more[200];
	FILE *in, *out;
	int c;

	if (s == NULL)
		return -1;
	if (grow) {
		/* The records of a second file (past its header) appended. */
		snprintf(more, sizeof(more), "%s.more", path);
		if (write_pcap(more, 7, 1000) != 0 || (in = fopen(more, "rb")) == NULL)
			return -1;
		out = fopen(path, "ab");
		fseek(in, 24, SEEK_SET);
		while (out != NULL && (c = getc(in)) != EOF)
			putc(c, out);
		fclose(in);
		unlink(more);
		if (out == NULL || fclose(out) != 0)
			return -1;
	} else if (change == 2)
		cut_path = path;
	else if (truncate(path, 24 + 3 * (16 + 54) + 10) != 0)
		return -1;
	kd_loop_run(loop);
	capsrc_stats(s, &st);
	*packets = st.packets;
	*how = end.how;
	capsrc_close(s);
	capture_finish(cap);
	capture_free(cap);
	kd_loop_free(loop);
	return 0;
}

static void
test_file_changes(void)
{
	static const char *const name[] = { "cut", "growing", "cut while read" };
	/* Packets read, then how it ends: libpcap's error on the cut record. */
	static const uint64_t want[] = { 3, 12, 116 };
	char path[160];

	snprintf(path, sizeof(path), "%s/changing.pcap", dir);
	for (int change = 0; change < 3; change++) {
		int status = -1;
		pid_t pid;

		/* Many pages, so that a cut leaves mapped pages past the end. */
		if (write_pcap(path, change == 1 ? 5 : 4000, 1000) != 0) {
			KDT_CHECK(!"cannot write the file");
			continue;
		}
		if (change == 2) {
			/* Record 100 (70 bytes each): IPv4 header length 4, an error. */
			FILE *f = fopen(path, "r+b");

			if (f == NULL || fseek(f, 24 + 100 * 70 + 16 + 14, SEEK_SET) != 0 ||
			    putc(0x41, f) == EOF || fclose(f) != 0) {
				KDT_CHECK(!"cannot write the file");
				continue;
			}
		}
		if ((pid = fork()) == 0) {
			uint64_t n = 0;
			enum capsrc_end how = CAPSRC_END_ERROR;

			if (read_changed(path, change, &n, &how) != 0)
				_exit(10);
			if (n != want[change])
				fprintf(stderr, "%s file: %llu packets read\n", name[change],
				    (unsigned long long)n);
			_exit(n == want[change] && how == (change == 1 ? CAPSRC_END_EOF :
			    CAPSRC_END_CUT) ? 0 : 11);
		}
		KDT_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fprintf(stderr, "%s file: the reader %s %d\n", name[change],
			    WIFSIGNALED(status) ? "died of signal" : "exited",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		KDT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	unlink(path);
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
	test_mapped();
	test_file_changes();
	test_live();
	unlink(path_tick);
	unlink(path_wide);
	unlink(path_out);
	rmdir(dir);
	return KDT_DONE("test_capsrc");
}
