/*
 * Fuzz target for the reading of capture files from a mapping
 * (capture/capsrc.c reads classic pcap files itself, and hands a record it
 * does not like back to libpcap): the input is a file.  It is read the way
 * kmsdiag-capture -r reads a file, every packet written out with -w, and
 * the packets written must be the packets libpcap reads from the input
 * itself: the same count, timestamps, lengths and bytes, whatever the
 * header, the byte order, the precision or where the file is cut.  Any
 * difference aborts (a finding), as does a crash.
 *
 * The files live in a private directory under TMPDIR (a real file: the
 * mapping and the -w checks need one, not a stream).
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/capsrc.h"
#include "../capture/capture.h"
#include "loop.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char dir[200], in_path[256], out_path[256];

static void
ended(struct capsrc *src, enum capsrc_end how, void *arg)
{
	(void)src;
	(void)how;
	(void)arg;
}

static void
ignore(const struct capture_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

/* A finding: say which, then abort (libFuzzer keeps the input). */
static void
differ(const char *what)
{
	fprintf(stderr, "fuzz_pcapfile: %s\n", what);
	abort();
}

static void
cleanup(void)
{
	unlink(in_path);
	unlink(out_path);
	rmdir(dir);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/kd-fuzz-pcapfile.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("fuzz_pcapfile: mkdtemp");
		abort();
	}
	snprintf(in_path, sizeof(in_path), "%s/in.pcap", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.pcap", dir);
	atexit(cleanup);
}

/* Every packet of the input as libpcap reads it, against the -w file. */
static void
compare(void)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *pa, *pb;
	struct pcap_pkthdr *ha, *hb;
	const u_char *da, *db;
	int ra, rb;

	pa = pcap_open_offline_with_tstamp_precision(in_path,
	    PCAP_TSTAMP_PRECISION_MICRO, eb);
	pb = pcap_open_offline(out_path, eb);
	if (pa == NULL) {
		/* libpcap refuses the file: so did the capture, nothing written. */
		if (pb != NULL && pcap_next_ex(pb, &hb, &db) == 1)
			differ("libpcap refuses the file, the capture read packets");
		if (pb != NULL)
			pcap_close(pb);
		return;
	}
	if (pb == NULL) {
		/* The capture wrote nothing: libpcap must find no packet either. */
		if (pcap_next_ex(pa, &ha, &da) == 1)
			differ("libpcap reads packets, the capture wrote none");
		pcap_close(pa);
		return;
	}
	while ((ra = pcap_next_ex(pa, &ha, &da)) == 1) {
		rb = pcap_next_ex(pb, &hb, &db);
		/* -w keeps 32 bits of each (libpcap's file format). */
		if (rb != 1 || (uint32_t)ha->ts.tv_sec != (uint32_t)hb->ts.tv_sec ||
		    (uint32_t)ha->ts.tv_usec != (uint32_t)hb->ts.tv_usec ||
		    ha->caplen != hb->caplen || ha->len != hb->len ||
		    memcmp(da, db, ha->caplen) != 0)
			differ(rb != 1 ? "the capture wrote fewer packets than libpcap "
			    "reads" : "a packet differs from libpcap's");
	}
	if (pcap_next_ex(pb, &hb, &db) == 1)
		differ("the capture wrote more packets than libpcap reads");
	pcap_close(pa);
	pcap_close(pb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct capsrc_opts so;
	struct capture *cap;
	struct capsrc *src;
	struct kd_loop *loop;
	struct kd_diag d = { 0 };
	bool opened = false;
	FILE *f;

	if (in_path[0] == '\0')
		setup();
	if ((f = fopen(in_path, "wb")) == NULL) {
		perror(in_path);
		abort();
	}
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	unlink(out_path);
	memset(&so, 0, sizeof(so));
	so.file = in_path;
	so.write_file = out_path;
	if ((loop = kd_loop_new()) == NULL)
		return (0);
	if ((cap = capture_new(NULL, ignore, NULL)) == NULL) {
		kd_loop_free(loop);
		return (0);
	}
	/* A file the capture refuses (a link type it cannot decode) is an error, not a read. */
	if ((src = capsrc_open(&so, cap, loop, ended, NULL, &d, NULL)) != NULL) {
		opened = true;
		kd_loop_run(loop);
		capsrc_close(src);
	}
	capture_finish(cap);
	capture_free(cap);
	kd_loop_free(loop);
	if (opened)
		compare();
	return (0);
}
