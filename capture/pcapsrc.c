/*
 * The only file that talks to libpcap for offline reading: opens pcap or
 * pcapng files (or stdin), applies the BPF filter itself so packet numbers
 * stay the file's own, and feeds the engine.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "pcapsrc.h"

int
pcapsrc_read(struct capture *cap, const char *path, const char *bpf,
    uint64_t *npkts)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct kd_diag d = { 0 };
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	uint64_t n = 0;
	bool have_prog = false;
	pcap_t *p;
	int dlt, rc;

	*npkts = 0;
	d.source = name;
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
	    errbuf);
	if (p == NULL) {
		kd_diag_set(&d, KD_EINVAL, "pcap", 0, "cannot read capture: %s",
		    errbuf);
		capture_error(cap, &d);
		return PCAPSRC_UNREADABLE;
	}
	dlt = pcap_datalink(p);
	if (!pkt_dlt_supported(dlt)) {
		kd_diag_set(&d, KD_EUNSUP, "pcap", 0, "link type %s (%d) not "
		    "supported; use Ethernet, Linux cooked, loopback or raw IP",
		    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) :
		    "?", dlt);
		capture_error(cap, &d);
		pcap_close(p);
		return PCAPSRC_UNREADABLE;
	}
	if (bpf != NULL) {
		if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			kd_diag_set(&d, KD_EINVAL, "bpf", 0, "bad filter \"%s\": %s",
			    bpf, pcap_geterr(p));
			capture_error(cap, &d);
			pcap_close(p);
			return PCAPSRC_BADFILTER;
		}
		have_prog = true;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		struct timeval tv = { .tv_sec = hdr->ts.tv_sec, .tv_usec = hdr->ts.tv_usec };

		n++;
		if (have_prog && pcap_offline_filter(&prog, hdr, data) == 0)
			continue;
		capture_packet(cap, name, n, &tv, dlt, data, hdr->caplen, hdr->len);
	}
	*npkts = n;
	if (rc == PCAP_ERROR) {
		d.pkt_no = n + 1;
		kd_diag_set(&d, KD_ETRUNC, "pcap", 0, "%s after %llu packet%s",
		    pcap_geterr(p), (unsigned long long)n, n == 1 ? "" : "s");
		capture_error(cap, &d);
	}
	if (have_prog)
		pcap_freecode(&prog);
	pcap_close(p);
	return rc == PCAP_ERROR ? PCAPSRC_CUT : PCAPSRC_OK;
}
