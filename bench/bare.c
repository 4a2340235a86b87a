/*
 * bare: the floor for `make bench`.  Reads every packet of a capture with
 * pcap_next_ex() and counts packets and captured bytes; nothing else.
 * Summing caplen makes the loop depend on each header, so it cannot be
 * optimised away, but the packet bytes themselves are never touched.
 *
 * usage: bare file
 */
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bare file\n");
		return 64;
	}
	if ((p = pcap_open_offline(argv[1], errbuf)) == NULL) {
		fprintf(stderr, "bare: %s\n", errbuf);
		return 3;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "bare: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 3;
	}
	pcap_close(p);
	printf("packets %llu bytes %llu\n", (unsigned long long)packets,
	    (unsigned long long)bytes);
	return 0;
}
