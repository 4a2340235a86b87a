/*
 * Link, IP and TCP headers of one captured packet: a pure decoder that
 * says where the TCP payload is.  Link types are libpcap's DLT_ values.
 */
#ifndef KD_PKT_H
#define KD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag.h"

#define KD_DLT_NULL		0
#define KD_DLT_EN10MB		1
#define KD_DLT_RAW		12
#define KD_DLT_RAW_ALT		14	/* DLT_RAW on OpenBSD */
#define KD_DLT_LOOP		108
#define KD_DLT_LINUX_SLL	113
#define KD_DLT_IPV4		228
#define KD_DLT_IPV6		229
#define KD_DLT_LINUX_SLL2	276

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PUSH	0x08
#define TH_ACK	0x10

struct kd_endpoint {
	uint8_t		 af;		/* 4 or 6 */
	uint8_t		 addr[16];	/* IPv4 in the first 4 bytes */
	uint16_t	 port;
};

struct pkt_info {
	struct kd_endpoint src, dst;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	const uint8_t	*payload;	/* inside the caller's buffer */
	size_t		 paylen;	/* payload bytes captured */
	size_t		 wirelen;	/* payload bytes on the wire (from IP lengths) */
	size_t		 payload_off;	/* offset of the payload in the packet */
	bool		 is_tcp;
};

bool		pkt_dlt_supported(int dlt);
/*
 * KD_EUNSUP for non-TCP or non-IP packets (not an error worth reporting),
 * KD_ETRUNC when headers are cut by the snaplen, KD_EINVAL for impossible
 * lengths.  A payload cut by the snaplen is not an error here:
 * paylen < wirelen tells the caller.
 */
enum kd_status	pkt_decode(int dlt, const uint8_t *data, size_t caplen,
		    struct pkt_info *, struct kd_diag *);
/* "127.0.0.1:1688" or "[::1]:1688" */
char		*kd_endpoint_format(const struct kd_endpoint *, char *out, size_t len);
char		*kd_addr_format(const struct kd_endpoint *, char *out, size_t len);

/*
 * Inline, with fixed-size compares: the flow table compares two endpoints
 * per packet, and a call to memcmp of a run-time length each time showed.
 */
static inline bool
kd_endpoint_eq(const struct kd_endpoint *a, const struct kd_endpoint *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (a->af != b->af || a->port != b->port)
		return false;
	if (a->af != 6) {
		memcpy(&u, a->addr, 4);
		memcpy(&v, b->addr, 4);
		return u == v;
	}
	memcpy(x, a->addr, 16);
	memcpy(y, b->addr, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

#endif
