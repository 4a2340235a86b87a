/*
 * DNS lookups on ldns: queries over UDP with TCP fallback, answers from a
 * zone file, the resolv.conf reader.  ldns builds and parses the messages;
 * the sockets are ours so that a timeout, "nothing listening" and a bad
 * answer can be told apart (ldns_resolver_send folds them into one
 * LDNS_STATUS_NETWORK_ERR) and so that the wait is bounded by a monotonic
 * deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "cursor.h"
#include "dnslookup.h"

struct kd_dns_zone {
	ldns_rr		*soa;		/* the first SOA, or NULL */
	ldns_rr_list	*rrs;		/* every other record */
	ldns_rdf	*origin;
	char		 origin_str[KD_DNS_TEXT_MAX];
	char		 path[64];
};

static const char *const outcome_names[] = {
	[KD_DNS_ANSWER] = "answer",
	[KD_DNS_NODATA] = "nodata",
	[KD_DNS_NXDOMAIN] = "nxdomain",
	[KD_DNS_SERVFAIL] = "servfail",
	[KD_DNS_REFUSED] = "refused",
	[KD_DNS_RCODE] = "rcode",
	[KD_DNS_NOTZONE] = "notzone",
	[KD_DNS_MALFORMED] = "malformed",
	[KD_DNS_TIMEOUT] = "timeout",
	[KD_DNS_UNREACHABLE] = "unreachable",
	[KD_DNS_ERROR] = "error",
};

const char *
kd_dns_outcome_name(enum kd_dns_outcome o)
{
	if ((size_t)o >= sizeof(outcome_names) / sizeof(outcome_names[0]))
		return "?";
	return outcome_names[o];
}

const char *
kd_dns_rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	    "NOTAUTH", "NOTZONE" };

	if (rcode < 0)
		return "none";
	if ((size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "RCODE?";
}

const char *
kd_dns_type_name(uint16_t type, char *buf, size_t len)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	if (d != NULL && d->_name != NULL)
		snprintf(buf, len, "%s", d->_name);
	else
		snprintf(buf, len, "TYPE%u", (unsigned)type);
	return buf;
}

void
kd_dns_opts_init(struct kd_dns_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = KD_DNS_TIMEOUT_DEFAULT;
}

void
kd_dns_result_init(struct kd_dns_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = KD_DNS_ERROR;
	r->rcode = -1;
	kd_diag_clear(&r->diag);
}

void
kd_dns_result_fini(struct kd_dns_result *r)
{
	free(r->rr);
	r->rr = NULL;
	r->nrr = 0;
}

/* Forget everything but the name of the server asked. */
static void
result_reset(struct kd_dns_result *r)
{
	char server[sizeof(r->server)];

	memcpy(server, r->server, sizeof(server));
	kd_dns_result_fini(r);
	kd_dns_result_init(r);
	memcpy(r->server, server, sizeof(server));
}

/* Set outcome and diag together; returns the status for "return fail(...)". */
static enum kd_status
fail(struct kd_dns_result *r, enum kd_dns_outcome o, enum kd_status st,
    size_t off, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum kd_status
fail(struct kd_dns_result *r, enum kd_dns_outcome o, enum kd_status st,
    size_t off, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(r->diag.msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->outcome = o;
	kd_diag_set(&r->diag, st, "dns", off, "%s", msg);
	r->diag.source = "dns";
	return st;
}

/* Copy an ldns rdf's presentation form; false when it cannot be rendered. */
static bool
rdf_text(const ldns_rdf *rdf, char *out, size_t outlen)
{
	char *s;

	if (rdf == NULL || (s = ldns_rdf2str(rdf)) == NULL)
		return false;
	snprintf(out, outlen, "%s", s);
	free(s);
	return true;
}

static int
name_to_rdf(const char *name, ldns_rdf **out)
{
	return ldns_str2rdf_dname(out, name) == LDNS_STATUS_OK ? 0 : -1;
}

bool
kd_dns_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

enum kd_status
kd_dns_name_check(const char *name, struct kd_diag *d)
{
	ldns_rdf *rdf = NULL;
	ldns_status s;

	if (name == NULL || *name == '\0')
		return kd_diag_set(d, KD_EINVAL, "dns", 0, "empty name");
	s = ldns_str2rdf_dname(&rdf, name);
	ldns_rdf_deep_free(rdf);
	switch (s) {
	case LDNS_STATUS_OK:
		return KD_OK;
	case LDNS_STATUS_LABEL_OVERFLOW:
		return kd_diag_set(d, KD_ELIMIT, "dns", 0,
		    "label longer than %d octets", KD_DNS_LABEL_MAX);
	case LDNS_STATUS_DOMAINNAME_OVERFLOW:
		return kd_diag_set(d, KD_ELIMIT, "dns", 0,
		    "name longer than %d octets", KD_DNS_NAME_MAX);
	case LDNS_STATUS_EMPTY_LABEL:
		return kd_diag_set(d, KD_EINVAL, "dns", 0, "empty label");
	default:
		return kd_diag_set(d, KD_EINVAL, "dns", 0, "%s",
		    ldns_get_errorstr_by_id(s));
	}
}

enum kd_status
kd_dns_vlmcs_name(const char *domain, char *out, size_t outlen, struct kd_diag *d)
{
	enum kd_status st;
	size_t n;
	int w;

	if ((st = kd_dns_name_check(domain, d)) != KD_OK)
		return st;
	n = strlen(domain);
	if (strcmp(domain, ".") == 0)
		w = snprintf(out, outlen, "_vlmcs._tcp.");
	else
		w = snprintf(out, outlen, "_vlmcs._tcp.%s%s", domain,
		    domain[n - 1] == '.' ? "" : ".");
	if (w < 0 || (size_t)w >= outlen)
		return kd_diag_set(d, KD_ELIMIT, "dns", 0, "name too long");
	if ((st = kd_dns_name_check(out, d)) != KD_OK) {
		char why[sizeof(d->msg)];

		/* d->msg cannot be both source and destination. */
		memcpy(why, d->msg, sizeof(why));
		return kd_diag_set(d, st, "dns", 0, "_vlmcs._tcp.%.40s...: %s",
		    domain, why);
	}
	return KD_OK;
}

bool
kd_dns_server_parse(const char *spec, char *addr, size_t addrlen, uint16_t *port,
    const char **errstr)
{
	const char *host = spec, *portstr = NULL, *c;
	char buf[INET6_ADDRSTRLEN + 8];
	size_t hlen, ncolon = 0;
	struct in6_addr a6;
	struct in_addr a4;

	*port = 53;
	if (spec == NULL || *spec == '\0') {
		*errstr = "empty server";
		return false;
	}
	for (c = spec; *c != '\0'; c++)
		if (*c == ':')
			ncolon++;
	if (*spec == '[') {
		if ((c = strchr(spec, ']')) == NULL) {
			*errstr = "missing ]";
			return false;
		}
		host = spec + 1;
		hlen = (size_t)(c - host);
		if (c[1] == ':')
			portstr = c + 2;
		else if (c[1] != '\0') {
			*errstr = "junk after ]";
			return false;
		}
	} else if (ncolon == 1) {
		c = strchr(spec, ':');
		hlen = (size_t)(c - spec);
		portstr = c + 1;
	} else
		hlen = strlen(spec);
	if (hlen == 0 || hlen >= sizeof(buf)) {
		*errstr = "not an IP address";
		return false;
	}
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (inet_pton(AF_INET, buf, &a4) != 1 && inet_pton(AF_INET6, buf, &a6) != 1) {
		*errstr = "not an IP address";
		return false;
	}
	if (portstr != NULL) {
		char *end;
		unsigned long p;

		errno = 0;
		if (!isdigit((unsigned char)*portstr)) {
			*errstr = "bad port";
			return false;
		}
		p = strtoul(portstr, &end, 10);
		if (*end != '\0' || errno != 0 || p == 0 || p > 65535) {
			*errstr = "bad port";
			return false;
		}
		*port = (uint16_t)p;
	}
	if (hlen >= addrlen) {
		*errstr = "address too long";
		return false;
	}
	memcpy(addr, buf, hlen + 1);
	return true;
}

enum kd_status
kd_dns_resolv_conf(const char *path, struct kd_resolv_conf *rc, struct kd_diag *d)
{
	char line[4096], *tok, *save, *p;
	FILE *fp;

	memset(rc, 0, sizeof(*rc));
	if (path == NULL)
		path = "/etc/resolv.conf";
	if ((fp = fopen(path, "r")) == NULL)
		return kd_diag_set(d, KD_EIO, "resolv.conf", 0, "%s: %s", path,
		    strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((p = strpbrk(line, "#;")) != NULL)
			*p = '\0';
		if ((tok = strtok_r(line, " \t\r\n", &save)) == NULL)
			continue;
		if (strcmp(tok, "nameserver") == 0) {
			tok = strtok_r(NULL, " \t\r\n", &save);
			if (tok != NULL && rc->nns < KD_DNS_MAX_NS &&
			    strlen(tok) < sizeof(rc->nameserver[0]))
				snprintf(rc->nameserver[rc->nns++],
				    sizeof(rc->nameserver[0]), "%s", tok);
		} else if (strcmp(tok, "search") == 0 || strcmp(tok, "domain") == 0) {
			/* The last search or domain line wins (resolv.conf(5)). */
			rc->nsearch = 0;
			while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL &&
			    rc->nsearch < KD_DNS_MAX_SEARCH) {
				if (strlen(tok) >= sizeof(rc->search[0]))
					continue;
				snprintf(rc->search[rc->nsearch++],
				    sizeof(rc->search[0]), "%s", tok);
			}
		}
	}
	fclose(fp);
	return KD_OK;
}

/* -------------------------------------------------------------------- */
/* Decoding an answer. */

static enum kd_status
add_rr(struct kd_dns_result *res, const ldns_rr *rr, size_t cap_off)
{
	struct kd_dns_rr *out;
	const ldns_rdf *rdf;
	size_t i, used;
	char part[KD_DNS_TEXT_MAX];

	if (res->rr == NULL) {
		res->rr = calloc(KD_DNS_MAX_ANSWERS, sizeof(*res->rr));
		if (res->rr == NULL)
			return fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
	}
	if (res->nrr >= KD_DNS_MAX_ANSWERS)
		return fail(res, KD_DNS_MALFORMED, KD_ELIMIT, cap_off,
		    "more than %d answer records", KD_DNS_MAX_ANSWERS);
	out = &res->rr[res->nrr];
	memset(out, 0, sizeof(*out));
	if (!rdf_text(ldns_rr_owner(rr), out->owner, sizeof(out->owner)))
		return fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0, "bad owner name");
	out->type = (uint16_t)ldns_rr_get_type(rr);
	out->class = (uint16_t)ldns_rr_get_class(rr);
	out->ttl = ldns_rr_ttl(rr);
	switch (out->type) {
	case KD_DNS_T_SRV:
		if (ldns_rr_rd_count(rr) != 4)
			return fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0,
			    "SRV record with %zu rdata fields", ldns_rr_rd_count(rr));
		for (i = 0; i < 3; i++)
			if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) != LDNS_RDF_TYPE_INT16 ||
			    ldns_rdf_size(ldns_rr_rdf(rr, i)) != 2)
				return fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0,
				    "SRV rdata field %zu is not a 16-bit integer", i);
		out->priority = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		out->weight = ldns_rdf2native_int16(ldns_rr_rdf(rr, 1));
		out->port = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
		if (!rdf_text(ldns_rr_rdf(rr, 3), out->data, sizeof(out->data)))
			return fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0,
			    "bad SRV target");
		break;
	default:
		/* A, AAAA, CNAME: one field; anything else: fields joined. */
		used = 0;
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			rdf = ldns_rr_rdf(rr, i);
			if (!rdf_text(rdf, part, sizeof(part)))
				continue;
			if (used + (i ? 1 : 0) + strlen(part) >= sizeof(out->data))
				break;
			used += (size_t)snprintf(out->data + used,
			    sizeof(out->data) - used, "%s%s", i ? " " : "", part);
		}
		break;
	}
	res->nrr++;
	return KD_OK;
}

enum kd_status
kd_dns_parse_answer(const uint8_t *wire, size_t len, int id, const char *qname,
    uint16_t qtype, struct kd_dns_result *res)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an, *qd;
	ldns_rdf *want = NULL;
	ldns_status s;
	struct kd_cur c;
	uint16_t wid, flags;
	enum kd_status st = KD_OK;
	bool have = false;
	size_t i;

	/* The header first, through the cursor, so a short message says so. */
	kd_cur_init(&c, wire, len);
	kd_cur_u16(&c, KD_BE, &wid);
	kd_cur_u16(&c, KD_BE, &flags);
	if (!kd_cur_ok(&c) || len < 12)
		return fail(res, KD_DNS_MALFORMED, KD_ETRUNC, len,
		    "%zu-byte message is shorter than a DNS header", len);
	/* Parse first: "compression loop" says more than "wrong id". */
	if ((s = ldns_wire2pkt(&pkt, wire, len)) != LDNS_STATUS_OK)
		return fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0, "%s",
		    ldns_get_errorstr_by_id(s));
	if (id >= 0 && wid != (uint16_t)id) {
		st = fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0,
		    "message id %u does not match query id %u", (unsigned)wid,
		    (unsigned)id);
		goto out;
	}
	if ((flags & 0x8000) == 0) {
		st = fail(res, KD_DNS_MALFORMED, KD_EINVAL, 2,
		    "message is a query, not a response");
		goto out;
	}
	res->rcode = (int)ldns_pkt_get_rcode(pkt);
	res->aa = ldns_pkt_aa(pkt);
	res->edns = ldns_pkt_edns(pkt);
	if (ldns_pkt_tc(pkt))
		res->truncated = true;
	if (qname != NULL) {
		qd = ldns_pkt_question(pkt);
		if (name_to_rdf(qname, &want) != 0) {
			st = fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "bad query name");
			goto out;
		}
		if (ldns_rr_list_rr_count(qd) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(qd, 0)), want) != 0 ||
		    ldns_rr_get_type(ldns_rr_list_rr(qd, 0)) != qtype) {
			st = fail(res, KD_DNS_MALFORMED, KD_EINVAL, 12,
			    "question section does not match the query");
			goto out;
		}
	}
	an = ldns_pkt_answer(pkt);
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if ((st = add_rr(res, rr, 12)) != KD_OK)
			goto out;
		if (ldns_rr_get_type(rr) == qtype)
			have = true;
	}
	switch (res->rcode) {
	case KD_DNS_R_NOERROR:
		res->outcome = have ? KD_DNS_ANSWER : KD_DNS_NODATA;
		break;
	case KD_DNS_R_NXDOMAIN:
		res->outcome = KD_DNS_NXDOMAIN;
		break;
	case KD_DNS_R_SERVFAIL:
		res->outcome = KD_DNS_SERVFAIL;
		break;
	case KD_DNS_R_REFUSED:
		res->outcome = KD_DNS_REFUSED;
		break;
	default:
		res->outcome = KD_DNS_RCODE;
		break;
	}
out:
	ldns_rdf_deep_free(want);
	ldns_pkt_free(pkt);
	return st;
}

/* -------------------------------------------------------------------- */
/* The network. */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now;
	int n;

	for (;;) {
		now = now_ms();
		if (now >= deadline)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		return 1;
	}
}

static enum kd_dns_outcome
errno_outcome(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ECONNRESET:
		return KD_DNS_UNREACHABLE;
	default:
		return KD_DNS_ERROR;
	}
}

struct query_ctx {
	const struct sockaddr	*sa;
	socklen_t		 salen;
	const char		*qname;
	uint16_t		 qtype;
	uint16_t		 id;
	const uint8_t		*q;	/* query in wire form */
	size_t			 qlen;
	uint64_t		 deadline;
	uint8_t			 buf[65535];
};

static enum kd_status
udp_exchange(struct query_ctx *qc, struct kd_dns_result *res)
{
	struct kd_dns_result bogus;
	bool have_bogus = false;
	enum kd_status st;
	ssize_t n;
	int fd, w;

	fd = socket(qc->sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(res, KD_DNS_ERROR, KD_EIO, 0, "socket: %s", strerror(errno));
	if (connect(fd, qc->sa, qc->salen) < 0 ||
	    send(fd, qc->q, qc->qlen, 0) < 0) {
		st = fail(res, errno_outcome(errno), KD_EIO, 0, "%s: %s",
		    res->server, strerror(errno));
		close(fd);
		return st;
	}
	kd_dns_result_init(&bogus);
	for (;;) {
		w = wait_fd(fd, POLLIN, qc->deadline);
		if (w <= 0)
			break;
		n = recv(fd, qc->buf, sizeof(qc->buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			st = fail(res, errno_outcome(errno), KD_EIO, 0, "%s: %s",
			    res->server, strerror(errno));
			goto out;
		}
		st = kd_dns_parse_answer(qc->buf, (size_t)n, qc->id, qc->qname,
		    qc->qtype, res);
		if (st == KD_OK)
			goto out;
		/*
		 * A datagram that is not a usable answer to our query may be
		 * stray or spoofed: keep waiting for the real one, but report
		 * it if nothing better comes.
		 */
		result_reset(&bogus);
		bogus.outcome = res->outcome;
		bogus.diag = res->diag;
		have_bogus = true;
		result_reset(res);
	}
	if (have_bogus) {
		res->outcome = bogus.outcome;
		res->diag = bogus.diag;
		st = bogus.diag.status;
	} else if (w < 0)
		st = fail(res, KD_DNS_ERROR, KD_EIO, 0, "poll: %s", strerror(errno));
	else
		st = fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
		    "no answer from %s over UDP", res->server);
out:
	kd_dns_result_fini(&bogus);
	close(fd);
	return st;
}

/* Read exactly n bytes before the deadline: 1 done, 0 timeout, -1 eof/error (errno, *got). */
static int
read_full(int fd, uint8_t *buf, size_t n, uint64_t deadline, size_t *got)
{
	ssize_t r;
	int w;

	*got = 0;
	while (*got < n) {
		if ((w = wait_fd(fd, POLLIN, deadline)) <= 0)
			return w;
		r = read(fd, buf + *got, n - *got);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = 0;
			return -1;
		}
		*got += (size_t)r;
	}
	return 1;
}

static enum kd_status
tcp_exchange(struct query_ctx *qc, struct kd_dns_result *res)
{
	enum kd_status st;
	uint8_t lenbuf[2];
	struct kd_cur c;
	uint16_t mlen;
	socklen_t sl;
	size_t off, got;
	bool in_len;
	ssize_t n;
	int fd, w, e;

	res->tcp = true;
	fd = socket(qc->sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(res, KD_DNS_ERROR, KD_EIO, 0, "socket: %s", strerror(errno));
	if (connect(fd, qc->sa, qc->salen) < 0 && errno != EINPROGRESS) {
		st = fail(res, errno_outcome(errno), KD_EIO, 0, "%s (TCP): %s",
		    res->server, strerror(errno));
		goto out;
	}
	if ((w = wait_fd(fd, POLLOUT, qc->deadline)) <= 0) {
		st = w == 0 ? fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
		    "TCP connect to %s timed out", res->server) :
		    fail(res, KD_DNS_ERROR, KD_EIO, 0, "poll: %s", strerror(errno));
		goto out;
	}
	e = 0;
	sl = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		e = errno;
	if (e != 0) {
		st = fail(res, errno_outcome(e), KD_EIO, 0, "%s (TCP): %s",
		    res->server, strerror(e));
		goto out;
	}
	/* RFC 1035 4.2.2: two-byte length, then the message. */
	lenbuf[0] = (uint8_t)(qc->qlen >> 8);
	lenbuf[1] = (uint8_t)qc->qlen;
	for (off = 0; off < qc->qlen + 2;) {
		if ((w = wait_fd(fd, POLLOUT, qc->deadline)) <= 0) {
			st = fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
			    "TCP send to %s timed out", res->server);
			goto out;
		}
		if (off < 2)
			n = write(fd, lenbuf + off, 2 - off);
		else
			n = write(fd, qc->q + (off - 2), qc->qlen - (off - 2));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			st = fail(res, errno_outcome(errno), KD_EIO, 0, "%s (TCP): %s",
			    res->server, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	w = read_full(fd, lenbuf, 2, qc->deadline, &got);
	in_len = w != 1;
	if (w == 1) {
		kd_cur_init(&c, lenbuf, 2);
		kd_cur_u16(&c, KD_BE, &mlen);
		if (mlen == 0) {
			st = fail(res, KD_DNS_MALFORMED, KD_EINVAL, 0,
			    "zero-length TCP message from %s", res->server);
			goto out;
		}
		w = read_full(fd, qc->buf, mlen, qc->deadline, &got);
	} else
		mlen = 2;
	if (w == 0) {
		st = fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
		    "no answer from %s over TCP", res->server);
		goto out;
	}
	if (w < 0) {
		if (errno != 0)
			st = fail(res, errno_outcome(errno), KD_EIO, 0,
			    "%s (TCP): %s", res->server, strerror(errno));
		else if (in_len && got == 0)
			/* Accepted, then hung up: no DNS service to speak of. */
			st = fail(res, KD_DNS_UNREACHABLE, KD_EIO, 0,
			    "%s closed the TCP connection without answering",
			    res->server);
		else
			st = fail(res, KD_DNS_MALFORMED, KD_ETRUNC, got,
			    "%s closed the TCP connection after %zu of %u bytes",
			    res->server, got, (unsigned)mlen);
		goto out;
	}
	st = kd_dns_parse_answer(qc->buf, mlen, qc->id, qc->qname, qc->qtype, res);
out:
	close(fd);
	return st;
}

/* The query in wire form, with an EDNS0 OPT record when edns. */
static enum kd_status
build_query(const char *qname, uint16_t qtype, bool edns, uint16_t id, uint8_t **wire,
    size_t *len, struct kd_dns_result *res)
{
	ldns_pkt *pkt;
	ldns_rdf *qrdf = NULL;
	enum kd_status st = KD_OK;

	if (name_to_rdf(qname, &qrdf) != 0)
		return fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "bad name %.64s", qname);
	if ((pkt = ldns_pkt_query_new(qrdf, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN,
	    LDNS_RD)) == NULL) {
		ldns_rdf_deep_free(qrdf);
		return fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
	}
	ldns_pkt_set_id(pkt, id);
	if (edns)
		ldns_pkt_set_edns_udp_size(pkt, KD_DNS_EDNS_UDP);
	if (ldns_pkt2wire(wire, pkt, len) != LDNS_STATUS_OK)
		st = fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "cannot build the query");
	ldns_pkt_free(pkt);
	return st;
}

static enum kd_status
query_server(const char *addr, uint16_t port, const char *qname, uint16_t qtype,
    unsigned timeout_ms, bool tcp_only, struct kd_dns_result *res)
{
	struct addrinfo hints, *ai = NULL;
	struct query_ctx *qc = NULL;
	uint8_t *wire = NULL;
	char portstr[8];
	enum kd_status st;
	bool edns = true;
	int gai;

	result_reset(res);
	snprintf(res->server, sizeof(res->server), "%s#%u", addr, (unsigned)port);
	if ((qc = calloc(1, sizeof(*qc))) == NULL)
		return fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if ((gai = getaddrinfo(addr, portstr, &hints, &ai)) != 0) {
		st = fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "%s: %s", addr,
		    gai_strerror(gai));
		goto out;
	}
	qc->sa = ai->ai_addr;
	qc->salen = ai->ai_addrlen;
	qc->qname = qname;
	qc->qtype = qtype;
	qc->deadline = now_ms() + timeout_ms;
again:
	qc->id = ldns_get_random();
	free(wire);
	wire = NULL;
	if ((st = build_query(qname, qtype, edns, qc->id, &wire, &qc->qlen, res)) != KD_OK)
		goto out;
	qc->q = wire;
	if (!tcp_only) {
		st = udp_exchange(qc, res);
		if (st != KD_OK || !res->truncated)
			goto answered;
		/* RFC 7766: a truncated UDP answer is retried over TCP. */
		result_reset(res);
		res->truncated = true;
	}
	st = tcp_exchange(qc, res);
answered:
	/*
	 * RFC 6891 7: a server that does not know EDNS answers FORMERR or
	 * NOTIMP without an OPT record; ask it once more the old way.
	 */
	if (st == KD_OK && edns && !res->edns && (res->rcode == KD_DNS_R_FORMERR ||
	    res->rcode == KD_DNS_R_NOTIMP)) {
		edns = false;
		result_reset(res);
		goto again;
	}
	res->edns_fallback = !edns;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	free(wire);
	free(qc);
	return st;
}

/* -------------------------------------------------------------------- */
/* Zone files. */

/*
 * Our own loop over ldns_rr_new_frm_fp_l() rather than
 * ldns_zone_new_frm_fp_l(): on a syntax error the latter frees its zone
 * shallowly and leaks every record read so far (ldns 1.8.3).
 */
struct kd_dns_zone *
kd_dns_zone_load(const char *path, const char *origin, struct kd_diag *d)
{
	struct kd_dns_zone *zn;
	ldns_rdf *cur_origin = NULL, *prev = NULL;
	uint32_t ttl = LDNS_DEFAULT_TTL;
	ldns_rr *rr;
	ldns_status s;
	FILE *fp = NULL;
	int line = 0;
	const char *base;

	if ((zn = calloc(1, sizeof(*zn))) == NULL ||
	    (zn->rrs = ldns_rr_list_new()) == NULL) {
		kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
		goto fail;
	}
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(zn->path, sizeof(zn->path), "%s", base);
	if (origin != NULL && name_to_rdf(origin, &zn->origin) != 0) {
		kd_diag_set(d, KD_EINVAL, "zone", 0, "bad origin %.64s", origin);
		goto fail;
	}
	if (zn->origin != NULL && (cur_origin = ldns_rdf_clone(zn->origin)) == NULL) {
		kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
		goto fail;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		kd_diag_set(d, KD_EIO, "zone", 0, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (!feof(fp)) {
		rr = NULL;
		s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &cur_origin, &prev, &line);
		switch (s) {
		case LDNS_STATUS_OK:
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			continue;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			s = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
			/* FALLTHROUGH */
		default:
			ldns_rr_free(rr);
			kd_diag_set(d, KD_EINVAL, "zone", (size_t)line,
			    "%s: line %d: %s", path, line, ldns_get_errorstr_by_id(s));
			goto fail;
		}
		if (ldns_rr_list_rr_count(zn->rrs) + 1 >= KD_DNS_MAX_ZONE_RRS) {
			ldns_rr_free(rr);
			kd_diag_set(d, KD_ELIMIT, "zone", (size_t)line,
			    "%s: line %d: more than %d records", path, line,
			    KD_DNS_MAX_ZONE_RRS);
			goto fail;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && zn->soa == NULL) {
			zn->soa = rr;
			/* Relative names after the SOA are relative to its owner. */
			if (cur_origin == NULL &&
			    (cur_origin = ldns_rdf_clone(ldns_rr_owner(rr))) == NULL) {
				kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
				goto fail;
			}
			continue;
		}
		if (!ldns_rr_list_push_rr(zn->rrs, rr)) {
			ldns_rr_free(rr);
			kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
			goto fail;
		}
	}
	if (ferror(fp)) {
		kd_diag_set(d, KD_EIO, "zone", 0, "%s: read error", path);
		goto fail;
	}
	if (zn->origin == NULL) {
		if (zn->soa == NULL) {
			kd_diag_set(d, KD_EINVAL, "zone", 0,
			    "%s: no SOA record: give the zone's name with --origin",
			    path);
			goto fail;
		}
		if ((zn->origin = ldns_rdf_clone(ldns_rr_owner(zn->soa))) == NULL) {
			kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
			goto fail;
		}
	}
	if (!rdf_text(zn->origin, zn->origin_str, sizeof(zn->origin_str))) {
		kd_diag_set(d, KD_EINVAL, "zone", 0, "bad origin");
		goto fail;
	}
	fclose(fp);
	ldns_rdf_deep_free(cur_origin);
	ldns_rdf_deep_free(prev);
	return zn;
fail:
	if (fp != NULL)
		fclose(fp);
	ldns_rdf_deep_free(cur_origin);
	ldns_rdf_deep_free(prev);
	kd_dns_zone_free(zn);
	return NULL;
}

void
kd_dns_zone_free(struct kd_dns_zone *zn)
{
	if (zn == NULL)
		return;
	ldns_rr_free(zn->soa);
	ldns_rr_list_deep_free(zn->rrs);
	ldns_rdf_deep_free(zn->origin);
	free(zn);
}

const char *
kd_dns_zone_origin(const struct kd_dns_zone *zn)
{
	return zn->origin_str;
}

/* The zone's records, SOA included, as one sequence 0..zone_nrr()-1. */
static size_t
zone_nrr(const struct kd_dns_zone *zn)
{
	return ldns_rr_list_rr_count(zn->rrs) + (zn->soa != NULL ? 1 : 0);
}

static const ldns_rr *
zone_rr(const struct kd_dns_zone *zn, size_t i)
{
	if (zn->soa == NULL)
		return ldns_rr_list_rr(zn->rrs, i);
	if (i == 0)
		return zn->soa;
	return ldns_rr_list_rr(zn->rrs, i - 1);
}

static bool
in_zone(const struct kd_dns_zone *zn, const ldns_rdf *name)
{
	return ldns_dname_compare(name, zn->origin) == 0 ||
	    ldns_dname_is_subdomain(name, zn->origin);
}

/*
 * Answer the way an authoritative server would from this zone alone:
 * follow CNAMEs that stay in the zone, NODATA for names that own other
 * types or are empty non-terminals.  Wildcards and delegations are not
 * interpreted.
 */
static enum kd_status
zone_query(const struct kd_dns_zone *zn, const char *qname, uint16_t qtype,
    struct kd_dns_result *res)
{
	const ldns_rr *rr, *cname;
	ldns_rdf *cur = NULL;
	size_t i, n;
	bool exists, found;
	enum kd_status st = KD_OK;
	int hop;

	result_reset(res);
	snprintf(res->server, sizeof(res->server), "%s", zn->path);
	res->aa = true;
	if (name_to_rdf(qname, &cur) != 0)
		return fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "bad name %.64s", qname);
	n = zone_nrr(zn);
	for (hop = 0;; hop++) {
		if (!in_zone(zn, cur)) {
			res->outcome = KD_DNS_NOTZONE;
			res->rcode = hop == 0 ? KD_DNS_R_REFUSED : KD_DNS_R_NOERROR;
			goto out;
		}
		exists = found = false;
		cname = NULL;
		for (i = 0; i < n; i++) {
			rr = zone_rr(zn, i);
			if (ldns_dname_compare(ldns_rr_owner(rr), cur) == 0) {
				exists = true;
				if (ldns_rr_get_type(rr) == qtype) {
					if ((st = add_rr(res, rr, 0)) != KD_OK)
						goto out;
					found = true;
				} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME)
					cname = rr;
			} else if (ldns_dname_is_subdomain(ldns_rr_owner(rr), cur))
				exists = true;
		}
		res->rcode = KD_DNS_R_NOERROR;
		if (found) {
			res->outcome = KD_DNS_ANSWER;
			goto out;
		}
		if (cname == NULL || qtype == KD_DNS_T_CNAME) {
			if (!exists && hop == 0)
				res->rcode = KD_DNS_R_NXDOMAIN;
			res->outcome = exists ? KD_DNS_NODATA :
			    hop == 0 ? KD_DNS_NXDOMAIN : KD_DNS_NODATA;
			goto out;
		}
		if ((st = add_rr(res, cname, 0)) != KD_OK)
			goto out;
		if (hop + 1 >= KD_DNS_MAX_CNAME) {
			st = fail(res, KD_DNS_MALFORMED, KD_ELIMIT, 0,
			    "more than %d CNAMEs in a chain", KD_DNS_MAX_CNAME);
			goto out;
		}
		ldns_rdf_deep_free(cur);
		cur = ldns_rdf_clone(ldns_rr_rdf(cname, 0));
		if (cur == NULL) {
			st = fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
			goto out;
		}
	}
out:
	ldns_rdf_deep_free(cur);
	return st;
}

/* -------------------------------------------------------------------- */

enum kd_status
kd_dns_query(const struct kd_dns_opts *o, const char *qname, uint16_t qtype,
    struct kd_dns_result *res)
{
	struct kd_resolv_conf rc;
	char addr[INET6_ADDRSTRLEN];
	const char *errstr;
	enum kd_status st;
	uint16_t port;
	unsigned tmo;
	size_t i;

	tmo = o->timeout_ms ? o->timeout_ms : KD_DNS_TIMEOUT_DEFAULT;
	if (tmo > KD_DNS_TIMEOUT_MAX)
		tmo = KD_DNS_TIMEOUT_MAX;
	if (o->zone != NULL)
		return zone_query(o->zone, qname, qtype, res);
	if (o->server != NULL) {
		if (!kd_dns_server_parse(o->server, addr, sizeof(addr), &port, &errstr)) {
			result_reset(res);
			return fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "server %.64s: %s",
			    o->server, errstr);
		}
		return query_server(addr, port, qname, qtype, tmo, o->tcp, res);
	}
	if ((st = kd_dns_resolv_conf(o->resolv_conf, &rc, &res->diag)) != KD_OK) {
		res->outcome = KD_DNS_ERROR;
		return st;
	}
	if (rc.nns == 0) {
		/* resolv.conf(5): no nameserver line means the local one. */
		snprintf(rc.nameserver[0], sizeof(rc.nameserver[0]), "127.0.0.1");
		rc.nns = 1;
	}
	st = KD_EINVAL;
	for (i = 0; i < rc.nns; i++) {
		if (!kd_dns_server_parse(rc.nameserver[i], addr, sizeof(addr), &port,
		    &errstr)) {
			result_reset(res);
			st = fail(res, KD_DNS_ERROR, KD_EINVAL, 0,
			    "resolv.conf nameserver %.64s: %s", rc.nameserver[i], errstr);
			continue;
		}
		st = query_server(addr, 53, qname, qtype, tmo, o->tcp, res);
		if (res->outcome != KD_DNS_TIMEOUT && res->outcome != KD_DNS_UNREACHABLE)
			break;
	}
	return st;
}

enum kd_status
kd_dns_query_addrs(const struct kd_dns_opts *o, const char *host,
    struct kd_dns_result *res)
{
	struct kd_dns_result r6;
	enum kd_status st, st6;
	size_t i;

	st = kd_dns_query(o, host, KD_DNS_T_A, res);
	/* Do not wait a second timeout on a server that did not answer. */
	if (res->outcome == KD_DNS_TIMEOUT || res->outcome == KD_DNS_UNREACHABLE)
		return st;
	kd_dns_result_init(&r6);
	st6 = kd_dns_query(o, host, KD_DNS_T_AAAA, &r6);
	for (i = 0; i < r6.nrr; i++) {
		/* The CNAME chain is the same for both; keep it once. */
		if (r6.rr[i].type != KD_DNS_T_AAAA) {
			size_t j;
			bool dup = false;

			for (j = 0; j < res->nrr; j++)
				if (res->rr[j].type == r6.rr[i].type &&
				    kd_dns_name_eq(res->rr[j].owner, r6.rr[i].owner))
					dup = true;
			if (dup)
				continue;
		}
		if (res->rr == NULL &&
		    (res->rr = calloc(KD_DNS_MAX_ANSWERS, sizeof(*res->rr))) == NULL) {
			st = fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
			goto out;
		}
		if (res->nrr >= KD_DNS_MAX_ANSWERS) {
			st = fail(res, KD_DNS_MALFORMED, KD_ELIMIT, 0,
			    "more than %d address records", KD_DNS_MAX_ANSWERS);
			goto out;
		}
		res->rr[res->nrr++] = r6.rr[i];
	}
	if (res->outcome == KD_DNS_ANSWER)
		goto out;
	/* Neither had an address: keep the more telling outcome. */
	if (r6.outcome == KD_DNS_ANSWER || r6.outcome > res->outcome) {
		res->outcome = r6.outcome;
		res->rcode = r6.rcode;
		res->diag = r6.diag;
		st = st6;
	}
out:
	res->tcp = res->tcp || r6.tcp;
	res->truncated = res->truncated || r6.truncated;
	kd_dns_result_fini(&r6);
	return st;
}
