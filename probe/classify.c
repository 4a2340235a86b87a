/*
 * Connection classification: what the network did to a connect(), from
 * errno and, when the kernel queued one, the ICMP message behind it.
 * Pure except probe_read_icmp(), which only reads a socket's error queue.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/errqueue.h>

#include "engine.h"

/*
 * The one errno -> reachability table (style R8).  tests/netns/run.sh
 * produces each row for real: RST, nftables drop, ICMP unreachable, no
 * route, and admin-prohibited.
 */
enum probe_state
probe_classify_errno(int err)
{
	switch (err) {
	case 0:
	case EISCONN:
		return PROBE_OPEN;
	case ECONNREFUSED:
		return PROBE_REFUSED;
	/*
	 * A RST to the SYN is ECONNREFUSED; ECONNRESET on a connecting
	 * socket means the handshake completed and the peer reset the
	 * connection before the loop got to it.  Something listens: calling
	 * it "refused" would send the administrator after a service that
	 * runs.
	 */
	case ECONNRESET:
		return PROBE_RESET;
	case ETIMEDOUT:
		return PROBE_FILTERED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case EADDRNOTAVAIL:
	case ENETDOWN:
	case EPROTO:
		return PROBE_UNREACHABLE;
	case EACCES:	/* ICMP administratively prohibited, or local LSM policy */
	case EPERM:	/* a local firewall rule (netfilter OUTPUT reject/drop) */
		return PROBE_BLOCKED;
	default:
		return PROBE_ERROR;
	}
}

/*
 * The ICMP message behind a failed connect, when the kernel queued one
 * (IP_RECVERR): IPv4 reports "administratively prohibited" (type 3, codes
 * 9, 10, 13) as EHOSTUNREACH, so only the ICMP code tells a firewall's
 * reject from a missing route.  Returns PROBE_PENDING when the message
 * does not change the errno's verdict.
 */
enum probe_state
probe_classify_icmp(int family, unsigned type, unsigned code)
{
	if (family == AF_INET && type == 3) {
		if (code == 9 || code == 10 || code == 13)
			return PROBE_BLOCKED;
		if (code == 2 || code == 3)
			return PROBE_REFUSED;	/* protocol/port unreachable */
		return PROBE_UNREACHABLE;
	}
	if (family == AF_INET6 && type == 1) {
		if (code == 1 || code == 5 || code == 6)
			return PROBE_BLOCKED;	/* admin prohibited, policy, reject route */
		if (code == 4)
			return PROBE_REFUSED;
		return PROBE_UNREACHABLE;
	}
	return PROBE_PENDING;
}

/* Read the queued ICMP error of a failed connect into a detail line. */
enum probe_state
probe_read_icmp(int fd, char *detail, size_t len)
{
	union {
		char		buf[512];
		struct cmsghdr	align;
	} cb;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	char dummy[64], addr[64];

	memset(&m, 0, sizeof(m));
	iov.iov_base = dummy;
	iov.iov_len = sizeof(dummy);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cb.buf;
	m.msg_controllen = sizeof(cb.buf);
	if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return PROBE_PENDING;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		struct sock_extended_err ee;
		const struct sockaddr *off;

		if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
			continue;
		addr[0] = '\0';
		off = SO_EE_OFFENDER((struct sock_extended_err *)(void *)CMSG_DATA(c));
		if (c->cmsg_len >= CMSG_LEN(sizeof(ee) + sizeof(struct sockaddr_in6)) ||
		    (off->sa_family == AF_INET && c->cmsg_len >= CMSG_LEN(sizeof(ee) +
		    sizeof(struct sockaddr_in)))) {
			if (off->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
				    off)->sin_addr, addr, sizeof(addr));
			else if (off->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
				    off)->sin6_addr, addr, sizeof(addr));
		}
		snprintf(detail, len, "%s (ICMP%s type %u code %u%s%s)", strerror((int)ee.ee_errno),
		    ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? "v6" : "", ee.ee_type, ee.ee_code,
		    addr[0] ? " from " : "", addr);
		return probe_classify_icmp(ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? AF_INET6 :
		    AF_INET, ee.ee_type, ee.ee_code);
	}
	return PROBE_PENDING;
}

const char *
probe_state_name(enum probe_state s)
{
	static const char *const names[] = {
		"pending", "open", "refused", "filtered", "unreachable",
		"blocked", "dns_error", "error", "reset"
	};

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "error";
}

const char *
probe_rpc_name(enum probe_rpc r)
{
	static const char *const names[] = {
		"none", "kms", "rejected", "not_rpc", "silent"
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}
