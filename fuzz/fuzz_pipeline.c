/*
 * Fuzz target for the whole capture pipeline: the input is a pcap or
 * pcapng file.  It is opened from memory with fmemopen() and
 * pcap_fopen_offline(), and every packet goes through capture_packet()
 * (link layer, IP, TCP reassembly, DCE/RPC, KMS decode, analysis), as
 * kmsdiag-capture does.  Events are discarded; the summary is built and
 * freed so that the analysis code runs too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../capture/capture.h"
#include "report.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
discard(const struct capture_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture_opts opts;
	struct capture *cap;
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	struct timeval tv;
	struct kd_report rep;
	uint64_t n = 0;
	pcap_t *p;
	FILE *f;
	int dlt;

	if (len == 0)
		return (0);
	if ((f = fmemopen((void *)(uintptr_t)data, len, "rb")) == NULL)
		return (0);
	if ((p = pcap_fopen_offline(f, errbuf)) == NULL) {
		fclose(f);
		return (0);
	}
	dlt = pcap_datalink(p);
	memset(&opts, 0, sizeof(opts));
	opts.max_flows = 64;
	if ((cap = capture_new(&opts, discard, NULL)) == NULL) {
		pcap_close(p);
		return (0);
	}
	while (pcap_next_ex(p, &hdr, &pkt) == 1 && n < 100000) {
		tv.tv_sec = hdr->ts.tv_sec;
		tv.tv_usec = hdr->ts.tv_usec;
		capture_packet(cap, "fuzz", ++n, &tv, dlt, pkt, hdr->caplen, hdr->len);
	}
	capture_finish(cap);
	kd_report_init(&rep, "capture");
	capture_problems(cap, &rep);
	kd_report_fini(&rep);
	capture_free(cap);
	pcap_close(p);		/* closes f */
	return (0);
}
