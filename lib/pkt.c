#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "pkt.h"

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
/* Extension headers followed before the upper-layer header, at most this many. */
#define MAX_IPV6_EXT	8

bool
pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case KD_DLT_NULL: case KD_DLT_EN10MB: case KD_DLT_RAW: case KD_DLT_RAW_ALT:
	case KD_DLT_LOOP: case KD_DLT_LINUX_SLL: case KD_DLT_IPV4: case KD_DLT_IPV6:
	case KD_DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

static enum kd_status
decode_tcp(struct kd_cur *c, size_t iplen_left, struct pkt_info *pi,
    struct kd_diag *d)
{
	size_t off = kd_cur_off(c);
	uint8_t doff, r8;
	uint16_t win, sum, urg;

	kd_cur_u16(c, KD_BE, &pi->src.port);
	kd_cur_u16(c, KD_BE, &pi->dst.port);
	kd_cur_u32(c, KD_BE, &pi->seq);
	kd_cur_u32(c, KD_BE, &pi->ack);
	kd_cur_u8(c, &doff);
	kd_cur_u8(c, &r8);
	kd_cur_u16(c, KD_BE, &win);
	kd_cur_u16(c, KD_BE, &sum);
	kd_cur_u16(c, KD_BE, &urg);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "tcp", off,
		    "TCP header cut by the snaplen");
	pi->flags = r8;
	pi->is_tcp = true;
	doff = (uint8_t)(doff >> 4) * 4;
	if (doff < 20 || doff > iplen_left)
		return kd_diag_set(d, KD_EINVAL, "tcp", off + 12,
		    "data offset %u outside 20..%zu", doff, iplen_left);
	if (!kd_cur_skip(c, doff - 20u))
		return kd_diag_set(d, KD_ETRUNC, "tcp", off + 20,
		    "TCP options cut by the snaplen");
	pi->payload_off = kd_cur_off(c);
	pi->wirelen = iplen_left - doff;
	pi->paylen = kd_cur_left(c) < pi->wirelen ? kd_cur_left(c) : pi->wirelen;
	pi->payload = c->p;
	return KD_OK;
}

static enum kd_status
decode_ipv4(struct kd_cur *c, struct pkt_info *pi, struct kd_diag *d)
{
	size_t off = kd_cur_off(c);
	uint8_t vihl, tos, ttl, proto;
	uint16_t tot, id, frag, sum;
	size_t ihl;

	kd_cur_u8(c, &vihl);
	kd_cur_u8(c, &tos);
	kd_cur_u16(c, KD_BE, &tot);
	kd_cur_u16(c, KD_BE, &id);
	kd_cur_u16(c, KD_BE, &frag);
	kd_cur_u8(c, &ttl);
	kd_cur_u8(c, &proto);
	kd_cur_u16(c, KD_BE, &sum);
	pi->src.af = pi->dst.af = 4;
	kd_cur_bytes(c, pi->src.addr, 4);
	kd_cur_bytes(c, pi->dst.addr, 4);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "ipv4", off,
		    "IPv4 header cut by the snaplen");
	ihl = (size_t)(vihl & 15) * 4;
	if (vihl >> 4 != 4 || ihl < 20 || tot < ihl)
		return kd_diag_set(d, KD_EINVAL, "ipv4", off,
		    "version %u, header length %zu, total length %u",
		    vihl >> 4, ihl, tot);
	if (!kd_cur_skip(c, ihl - 20))
		return kd_diag_set(d, KD_ETRUNC, "ipv4", off + 20,
		    "IPv4 options cut by the snaplen");
	if (proto != 6)
		return KD_EUNSUP;
	/* Only the first fragment holds the TCP header; KMS PDUs never fragment. */
	if ((frag & 0x1fff) != 0 || (frag & 0x2000) != 0)
		return kd_diag_set(d, KD_EUNSUP, "ipv4", off + 6,
		    "IP fragment (not reassembled)");
	return decode_tcp(c, (size_t)tot - ihl, pi, d);
}

static enum kd_status
decode_ipv6(struct kd_cur *c, struct pkt_info *pi, struct kd_diag *d)
{
	size_t off = kd_cur_off(c);
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;
	size_t left;

	kd_cur_u32(c, KD_BE, &vtf);
	kd_cur_u16(c, KD_BE, &plen);
	kd_cur_u8(c, &nh);
	kd_cur_u8(c, &hlim);
	pi->src.af = pi->dst.af = 6;
	kd_cur_bytes(c, pi->src.addr, 16);
	kd_cur_bytes(c, pi->dst.addr, 16);
	if (!kd_cur_ok(c))
		return kd_diag_set(d, KD_ETRUNC, "ipv6", off,
		    "IPv6 header cut by the snaplen");
	if (vtf >> 28 != 6)
		return kd_diag_set(d, KD_EINVAL, "ipv6", off, "version %u",
		    vtf >> 28);
	left = plen;
	for (int i = 0; i < MAX_IPV6_EXT && nh != 6; i++) {
		uint8_t next, hlen;
		size_t len;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			return KD_EUNSUP;
		kd_cur_u8(c, &next);
		kd_cur_u8(c, &hlen);
		if (nh == 44) {
			uint16_t fo;

			kd_cur_u16(c, KD_BE, &fo);
			if (kd_cur_ok(c) && (fo & 0xfff9) != 0)
				return kd_diag_set(d, KD_EUNSUP, "ipv6",
				    kd_cur_off(c), "IPv6 fragment (not reassembled)");
			len = 8;
			kd_cur_skip(c, 4);
		} else {
			len = ((size_t)hlen + 1) * 8;
			kd_cur_skip(c, len - 2);
		}
		if (!kd_cur_ok(c))
			return kd_diag_set(d, KD_ETRUNC, "ipv6", kd_cur_off(c),
			    "IPv6 extension header cut by the snaplen");
		if (len > left)
			return kd_diag_set(d, KD_EINVAL, "ipv6", kd_cur_off(c),
			    "extension header longer than the payload");
		left -= len;
		nh = next;
	}
	if (nh != 6)
		return KD_EUNSUP;
	return decode_tcp(c, left, pi, d);
}

enum kd_status
pkt_decode(int dlt, const uint8_t *data, size_t caplen, struct pkt_info *pi,
    struct kd_diag *d)
{
	struct kd_cur c;
	uint16_t etype = 0;
	uint32_t af;
	uint8_t v;

	memset(pi, 0, sizeof(*pi));
	kd_cur_init(&c, data, caplen);
	switch (dlt) {
	case KD_DLT_EN10MB:
		kd_cur_skip(&c, 12);
		kd_cur_u16(&c, KD_BE, &etype);
		for (int i = 0; i < 2 && (etype == ETH_VLAN || etype == ETH_QINQ); i++) {
			kd_cur_skip(&c, 2);
			kd_cur_u16(&c, KD_BE, &etype);
		}
		break;
	case KD_DLT_LINUX_SLL:
		kd_cur_skip(&c, 14);
		kd_cur_u16(&c, KD_BE, &etype);
		break;
	case KD_DLT_LINUX_SLL2:
		kd_cur_u16(&c, KD_BE, &etype);
		kd_cur_skip(&c, 18);
		break;
	case KD_DLT_NULL:
	case KD_DLT_LOOP:
		/* NULL is host byte order of the writer, LOOP is network order. */
		kd_cur_u32(&c, dlt == KD_DLT_LOOP ? KD_BE : KD_LE, &af);
		if (dlt == KD_DLT_NULL && af > 0xffff)
			af = __builtin_bswap32(af);
		etype = af == 2 ? ETH_IPV4 :
		    (af == 10 || af == 24 || af == 28 || af == 30) ? ETH_IPV6 : 0;
		break;
	case KD_DLT_RAW:
	case KD_DLT_RAW_ALT:
		if (caplen > 0) {
			v = data[0] >> 4;
			etype = v == 4 ? ETH_IPV4 : v == 6 ? ETH_IPV6 : 0;
		}
		break;
	case KD_DLT_IPV4:
		etype = ETH_IPV4;
		break;
	case KD_DLT_IPV6:
		etype = ETH_IPV6;
		break;
	default:
		return kd_diag_set(d, KD_EUNSUP, "link", 0,
		    "link type %d not supported", dlt);
	}
	if (!kd_cur_ok(&c))
		return kd_diag_set(d, KD_ETRUNC, "link", 0,
		    "link header cut by the snaplen");
	if (etype == ETH_IPV4)
		return decode_ipv4(&c, pi, d);
	if (etype == ETH_IPV6)
		return decode_ipv6(&c, pi, d);
	return KD_EUNSUP;
}

char *
kd_addr_format(const struct kd_endpoint *e, char *out, size_t len)
{
	if (inet_ntop(e->af == 6 ? AF_INET6 : AF_INET, e->addr, out,
	    (socklen_t)len) == NULL)
		snprintf(out, len, "?");
	return out;
}

/* Decimal digits of v at p; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	char	 t[8];
	size_t	 n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

/*
 * An IPv6 address as glibc's inet_ntop writes it (the longest run of two
 * or more zero groups, the first of equals, as "::"; lower-case hex
 * without leading zeros; ::a.b.c.d and ::ffff:a.b.c.d in dotted quad),
 * at p; returns the end.  tests/unit/test_capture.c holds it to inet_ntop.
 */
static char *
put_ipv6(char *p, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, curlen = 0;
			curlen++;
		} else
			cur = -1;
		if (cur >= 0 && curlen > bestlen)
			best = cur, bestlen = curlen;
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff))) {
			for (int k = 12; k < 16; k++) {
				p = put_dec(p, a[k]);
				if (k < 15)
					*p++ = '.';
			}
			return p;
		}
		for (int shift = 12, lead = 1; shift >= 0; shift -= 4) {
			unsigned d = w[i] >> shift & 15;

			if (d == 0 && lead && shift > 0)
				continue;
			lead = 0;
			*p++ = hex[d];
		}
	}
	if (best >= 0 && best + bestlen == 8)
		*p++ = ':';
	return p;
}

/*
 * Endpoints are written without inet_ntop and snprintf: the capture
 * formats two per exchange, and stdio's format parsing was a measurable
 * part of a busy host's capture.
 */
char *
kd_endpoint_format(const struct kd_endpoint *e, char *out, size_t len)
{
	char a[64], *p = a;

	if (e->af == 6) {
		*p++ = '[';
		p = put_ipv6(p, e->addr);
		*p++ = ']';
		*p++ = ':';
	} else
		for (int i = 0; i < 4; i++) {
			p = put_dec(p, e->addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
	p = put_dec(p, e->port);
	*p = '\0';
	if (len > 0) {
		size_t n = (size_t)(p - a) < len ? (size_t)(p - a) : len - 1;

		memcpy(out, a, n);
		out[n] = '\0';
	}
	return out;
}

