/*
 * DNS lookups for the _vlmcs._tcp SRV record and its targets, on ldns.
 *
 * One question in, one kd_dns_result out: the rcode, the answer section
 * as plain values (no ldns types cross this header), and a classification
 * that tells NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout and "nothing
 * listening" apart.  The same call answers from a zone file loaded with
 * kd_dns_zone_load() instead of the network, so a checker runs unchanged
 * offline.  Used by kmsdiag-dnscheck and by kmsdiag-probe --srv.
 *
 * Queries are non-blocking operations of a kd_loop (kd_dns_new and
 * kd_dns_start): many in flight at once, each bounded by one deadline
 * that covers every server, resend and TCP retry.  UDP first, resent
 * over the time left to each nameserver in turn (the first answer from
 * any counts), TCP again when the answer comes back truncated.  Queries
 * carry an EDNS0 OPT record that offers KD_DNS_EDNS_UDP bytes, so answers
 * up to that size need no TCP; a server that answers FORMERR or NOTIMP to
 * it is asked again without (RFC 6891 7).  The same question asked twice
 * of one engine goes on the wire once.  kd_dns_query and
 * kd_dns_query_addrs are blocking wrappers around a private loop.
 *
 * An answer keeps only the records owned by the name asked or its CNAME
 * chain, as a stub resolver does; the rest are counted (nforeign) and the
 * first named, so an SRV record of another domain or an address of an
 * unrelated host is never taken for the answer.  Nothing here prints or
 * exits.
 */
#ifndef KD_DNSLOOKUP_H
#define KD_DNSLOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* RFC 1035 3.1: 255 octets in a name, 63 in a label. */
#define KD_DNS_NAME_MAX		255
#define KD_DNS_LABEL_MAX	63
/*
 * Room for the presentation form of any name: every octet may need a
 * \DDD escape.  Longer rdata text (TXT, ...) is cut to fit.
 */
#define KD_DNS_TEXT_MAX		1040
/*
 * Answer RRs kept from one message.  A 64 KiB TCP message holds at most
 * a few thousand SRV records; no real KMS deployment has more than a
 * handful, so more than this is reported (KD_ELIMIT), not stored.
 */
#define KD_DNS_MAX_ANSWERS	256
/* Records held from one zone file (a local file, but still a cap). */
#define KD_DNS_MAX_ZONE_RRS	1000000
/* Bytes read from one zone file: a million records of 256 bytes. */
#define KD_DNS_ZONE_MAX_BYTES	(256u * 1024 * 1024)
/* CNAME hops followed inside a zone file (resolvers use 8 to 16). */
#define KD_DNS_MAX_CNAME	8
/* resolv.conf: glibc reads 3 nameservers; search lists are capped here. */
#define KD_DNS_MAX_NS		3
#define KD_DNS_MAX_SEARCH	8
/*
 * EDNS0 UDP payload offered: the DNS Flag Day 2020 value, which fits the
 * IPv6 minimum MTU without fragmentation.
 */
#define KD_DNS_EDNS_UDP		1232
/* Query timeout bounds, in milliseconds. */
#define KD_DNS_TIMEOUT_DEFAULT	5000
#define KD_DNS_TIMEOUT_MAX	60000

/* RR types and rcodes we name (RFC 1035, 2782, 3596). */
#define KD_DNS_T_A		1
#define KD_DNS_T_CNAME		5
#define KD_DNS_T_SOA		6
#define KD_DNS_T_AAAA		28
#define KD_DNS_T_SRV		33
#define KD_DNS_C_IN		1

#define KD_DNS_R_NOERROR	0
#define KD_DNS_R_FORMERR	1
#define KD_DNS_R_SERVFAIL	2
#define KD_DNS_R_NXDOMAIN	3
#define KD_DNS_R_NOTIMP		4
#define KD_DNS_R_REFUSED	5

enum kd_dns_outcome {
	KD_DNS_ANSWER = 0,	/* NOERROR with an RR of the type asked */
	KD_DNS_NODATA,		/* NOERROR, the name exists, no RR of that type */
	KD_DNS_NXDOMAIN,	/* the name does not exist */
	KD_DNS_SERVFAIL,
	KD_DNS_REFUSED,
	KD_DNS_RCODE,		/* any other rcode (FORMERR, NOTIMP, ...) */
	KD_DNS_NOTZONE,		/* zone file: the name is outside the zone */
	KD_DNS_MALFORMED,	/* an answer came but could not be used */
	KD_DNS_TIMEOUT,		/* no answer before the deadline */
	KD_DNS_UNREACHABLE,	/* nothing listens there (ICMP/RST), no route */
	KD_DNS_ERROR		/* local trouble: bad address, no server, ENOMEM */
};

/* One answer RR, decoded.  Names are in presentation form, absolute. */
struct kd_dns_rr {
	char		owner[KD_DNS_TEXT_MAX];
	uint16_t	type;
	uint16_t	class;
	uint32_t	ttl;
	uint16_t	priority, weight, port;		/* SRV only */
	/* SRV/CNAME target, A/AAAA address, or the rdata text of other types. */
	char		data[KD_DNS_TEXT_MAX];
};

struct kd_dns_result {
	enum kd_dns_outcome	 outcome;
	int			 rcode;		/* -1 when no DNS message came back */
	bool			 aa;		/* authoritative answer */
	bool			 tcp;		/* the answer came over TCP */
	bool			 truncated;	/* UDP answer had TC set (then TCP was used) */
	bool			 edns;		/* the answer had an OPT record (EDNS0) */
	bool			 edns_fallback;	/* asked again without EDNS after FORMERR/NOTIMP */
	char			 server[64];	/* "127.0.0.1#5353", or the zone file name */
	struct kd_dns_rr	*rr;		/* answer section, owned, heap */
	size_t			 nrr, rrcap;
	/* Answer records owned by no name of the query's CNAME chain: dropped. */
	size_t			 nforeign;
	char			 foreign[KD_DNS_TEXT_MAX + 16];	/* the first: "OWNER TYPE" */
	struct kd_diag		 diag;		/* set when outcome >= KD_DNS_MALFORMED */
};

struct kd_dns_zone;	/* a zone file held in memory; opaque */

struct kd_dns_opts {
	const char			*server;	/* "ADDR", "ADDR:PORT", "[V6]:PORT"; NULL: resolv.conf */
	unsigned			 timeout_ms;	/* per query; 0: KD_DNS_TIMEOUT_DEFAULT */
	bool				 tcp;		/* TCP only */
	const char			*resolv_conf;	/* NULL: /etc/resolv.conf */
	const struct kd_dns_zone	*zone;		/* non-NULL: answer from this zone, no network */
};

struct kd_resolv_conf {
	char	nameserver[KD_DNS_MAX_NS][64];
	size_t	nns;
	char	search[KD_DNS_MAX_SEARCH][KD_DNS_TEXT_MAX];	/* last search/domain line wins */
	size_t	nsearch;
};

void		 kd_dns_opts_init(struct kd_dns_opts *);
void		 kd_dns_result_init(struct kd_dns_result *);
void		 kd_dns_result_fini(struct kd_dns_result *);
/* Take src's contents (its records too); src is left empty. */
void		 kd_dns_result_move(struct kd_dns_result *dst, struct kd_dns_result *src);

/*
 * The engine.  kd_dns_new reads resolv.conf (or parses opts->server) once;
 * when that fails, every request answers KD_DNS_ERROR with the reason.
 * opts->zone, when set, must outlive the engine.  NULL: out of memory.
 * kd_dns_free cancels what is still pending without calling back; never
 * call it from inside a kd_dns_cb.
 */
struct kd_loop;
struct kd_dns;
struct kd_dns_req;

/*
 * A finished request.  res is the callback's until it returns (then it is
 * freed): kd_dns_result_move() it to keep it.  st is as kd_dns_query's.
 * The callback may start and cancel requests.
 */
typedef void	 kd_dns_cb(struct kd_dns_result *res, enum kd_status st, void *arg);

struct kd_dns	*kd_dns_new(struct kd_loop *, const struct kd_dns_opts *);
void		 kd_dns_free(struct kd_dns *);
/*
 * Ask (qname, qtype).  deadline_ms is a kd_now_ms() time that bounds the
 * whole request (every server, resend, TCP); 0: now + opts->timeout_ms.
 * The callback always runs later, from the loop, exactly once, unless the
 * request is cancelled.  NULL: out of memory (no callback).
 */
struct kd_dns_req *kd_dns_start(struct kd_dns *, const char *qname, uint16_t qtype,
		    uint64_t deadline_ms, kd_dns_cb *, void *arg);
/* A and AAAA at once, merged as kd_dns_query_addrs does. */
struct kd_dns_req *kd_dns_start_addrs(struct kd_dns *, const char *host,
		    uint64_t deadline_ms, kd_dns_cb *, void *arg);
/* No callback for r any more; NULL is a no-op.  Not for a request already answered. */
void		 kd_dns_cancel(struct kd_dns_req *r);
/* Requests not answered yet (an SRV discovery counts once more). */
size_t		 kd_dns_pending(const struct kd_dns *);

/*
 * SRV discovery in one request: _vlmcs._tcp.DOMAIN's SRV records, then
 * the A and AAAA records of every target, all bounded by deadline_ms.
 * A record with port 0 or target "." is kept with an empty address
 * lookup (outcome KD_DNS_NODATA, st KD_OK).  Targets shared with other
 * requests of the engine are asked once.  For kmsdiag-probe --srv, the
 * doctor and the dashboard.
 */
struct kd_dns_srv_target {
	const struct kd_dns_rr	*srv;		/* points into the result's srv.rr */
	struct kd_dns_result	 addrs;		/* A and AAAA of srv->data, merged */
	enum kd_status		 st;
};

struct kd_dns_srv_result {
	char			 domain[KD_DNS_TEXT_MAX];
	char			 qname[KD_DNS_TEXT_MAX];	/* "" when domain is no DNS name */
	struct kd_dns_result	 srv;		/* the SRV answer (records of SRV type and CNAMEs) */
	enum kd_status		 st;
	struct kd_dns_srv_target *t;		/* one per SRV record, in answer order */
	size_t			 nt;
};

struct kd_dns_srvreq;
/* res is the callback's until it returns; then it is freed. */
typedef void	 kd_dns_srv_cb(struct kd_dns_srv_result *res, void *arg);
/* NULL: out of memory (no callback).  Callback always from the loop. */
struct kd_dns_srvreq *kd_dns_start_srv(struct kd_dns *, const char *domain,
		    uint64_t deadline_ms, kd_dns_srv_cb *, void *arg);
/* No callback any more; NULL is a no-op.  Not after the callback ran. */
void		 kd_dns_cancel_srv(struct kd_dns_srvreq *);

/*
 * Ask one question and wait (a private loop and engine).  Returns KD_OK
 * when a DNS answer was obtained (any rcode: look at res->outcome),
 * otherwise the failure with res->diag set and res->outcome one of
 * MALFORMED/TIMEOUT/UNREACHABLE/ERROR.  Without a server the nameservers
 * of resolv.conf share the timeout: each is asked in turn while none has
 * answered.  A CNAME at qname is part of the answer section.
 */
enum kd_status	 kd_dns_query(const struct kd_dns_opts *, const char *qname,
		    uint16_t qtype, struct kd_dns_result *);
/*
 * A and AAAA for host, asked together and merged into one result: ANSWER
 * if either has an address, else the worse of the two outcomes.
 */
enum kd_status	 kd_dns_query_addrs(const struct kd_dns_opts *, const char *host,
		    struct kd_dns_result *);

/* "_vlmcs._tcp." + domain, absolute, checked against the RFC 1035 limits. */
enum kd_status	 kd_dns_vlmcs_name(const char *domain, char *out, size_t outlen,
		    struct kd_diag *);
/* A name given by a user: labels <= 63, total <= 255 octets, not empty. */
enum kd_status	 kd_dns_name_check(const char *name, struct kd_diag *);
/* Case-insensitive equality of two presentation-form names (trailing dot optional). */
bool		 kd_dns_name_eq(const char *, const char *);

/*
 * "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" or "V6ADDR": numeric only (we do not
 * use a resolver to find the resolver).  *errstr is static text on failure.
 */
bool		 kd_dns_server_parse(const char *spec, char *addr, size_t addrlen,
		    uint16_t *port, const char **errstr);

/* nameserver, search and domain lines of resolv.conf(5). */
enum kd_status	 kd_dns_resolv_conf(const char *path, struct kd_resolv_conf *,
		    struct kd_diag *);

/*
 * Load a zone file.  origin may be NULL when the file has $ORIGIN or an
 * absolute SOA owner.  On a syntax error the diag names the line:
 * "zone.db: line 12: syntax error (...)".  NULL on failure.
 */
struct kd_dns_zone *kd_dns_zone_load(const char *path, const char *origin,
		    struct kd_diag *);
void		 kd_dns_zone_free(struct kd_dns_zone *);
const char	*kd_dns_zone_origin(const struct kd_dns_zone *);

/*
 * Decode a DNS message that answers (qname, qtype) with message id id into
 * res.  qname NULL skips the id/question match (fuzzing).  Pure: no I/O.
 */
enum kd_status	 kd_dns_parse_answer(const uint8_t *wire, size_t len, int id,
		    const char *qname, uint16_t qtype, struct kd_dns_result *);

const char	*kd_dns_outcome_name(enum kd_dns_outcome);	/* "nxdomain", "timeout", ... */
const char	*kd_dns_rcode_name(int rcode);			/* "NOERROR", "SERVFAIL", ... */
const char	*kd_dns_type_name(uint16_t type, char *buf, size_t len);

#endif
