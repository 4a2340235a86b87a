/*
 * DNS lookups on ldns: queries over UDP with TCP fallback, answers from a
 * zone file, the resolv.conf reader.  ldns builds and parses the messages;
 * the sockets are ours so that a timeout, "nothing listening" and a bad
 * answer can be told apart (ldns_resolver_send folds them into one
 * LDNS_STATUS_NETWORK_ERR) and so that the wait is bounded by a monotonic
 * deadline.
 */
#include <sys/types.h>
#include <sys/resource.h>
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
#include "fileio.h"
#include "loop.h"

/* A zone record and its place in the file (ties keep file order). */
struct kd_zent {
	const ldns_rr	*rr;
	size_t		 ix;
};

struct kd_dns_zone {
	ldns_rr		*soa;		/* the first SOA, or NULL */
	ldns_rr_list	*rrs;		/* every other record */
	/*
	 * Every record, SOA included, in canonical DNS order (RFC 4034 6.1)
	 * of owner names: a name's records are adjacent, and the names below
	 * it follow them, so one binary search answers "which records" and
	 * "does the name exist" (990,000 records: no scan per query).
	 */
	struct kd_zent	*idx;
	size_t		 nidx;
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
	r->rrcap = 0;
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

/* resolv.conf is small; more than this is not one. */
#define KD_RESOLV_MAX_BYTES	(1024 * 1024)

enum kd_status
kd_dns_resolv_conf(const char *path, struct kd_resolv_conf *rc, struct kd_diag *d)
{
	char err[sizeof(d->msg)], *buf = NULL, *line, *tok, *save, *p;
	struct kd_lines it;
	size_t len;
	int n;

	memset(rc, 0, sizeof(*rc));
	if (path == NULL)
		path = "/etc/resolv.conf";
	/* Regular files only, capped: /dev/zero or a directory is an error, not a spin. */
	if (kd_read_regular(path, KD_RESOLV_MAX_BYTES, &buf, &len, err,
	    sizeof(err)) != 0)
		return kd_diag_set(d, KD_EIO, "resolv.conf", 0, "%s", err);
	kd_lines_init(&it, buf, len, path, KD_FILE_MAX_LINE);
	while ((n = kd_lines_next(&it, &line, err, sizeof(err))) != 0) {
		if (n < 0) {
			free(buf);
			return kd_diag_set(d, KD_EINVAL, "resolv.conf", it.lineno,
			    "%s", err);
		}
		if ((p = strpbrk(line, "#;")) != NULL)
			*p = '\0';
		if ((tok = strtok_r(line, " \t\r", &save)) == NULL)
			continue;
		if (strcmp(tok, "nameserver") == 0) {
			tok = strtok_r(NULL, " \t\r", &save);
			if (tok != NULL && rc->nns < KD_DNS_MAX_NS &&
			    strlen(tok) < sizeof(rc->nameserver[0]))
				snprintf(rc->nameserver[rc->nns++],
				    sizeof(rc->nameserver[0]), "%s", tok);
		} else if (strcmp(tok, "search") == 0 || strcmp(tok, "domain") == 0) {
			/* The last search or domain line wins (resolv.conf(5)). */
			rc->nsearch = 0;
			while ((tok = strtok_r(NULL, " \t\r", &save)) != NULL &&
			    rc->nsearch < KD_DNS_MAX_SEARCH) {
				if (strlen(tok) >= sizeof(rc->search[0]))
					continue;
				snprintf(rc->search[rc->nsearch++],
				    sizeof(rc->search[0]), "%s", tok);
			}
		}
	}
	free(buf);
	return KD_OK;
}

/* -------------------------------------------------------------------- */
/* Decoding an answer. */

/*
 * Room for one more answer RR, grown as needed: most answers hold one to
 * three, and a run keeps thousands of them.
 */
static struct kd_dns_rr *
rr_slot(struct kd_dns_result *res, size_t cap_off)
{
	struct kd_dns_rr *n;
	size_t ncap;

	if (res->nrr >= KD_DNS_MAX_ANSWERS) {
		fail(res, KD_DNS_MALFORMED, KD_ELIMIT, cap_off,
		    "more than %d answer records", KD_DNS_MAX_ANSWERS);
		return NULL;
	}
	if (res->nrr == res->rrcap) {
		ncap = res->rrcap ? res->rrcap * 2 : 4;
		if (ncap > KD_DNS_MAX_ANSWERS)
			ncap = KD_DNS_MAX_ANSWERS;
		if ((n = realloc(res->rr, ncap * sizeof(*n))) == NULL) {
			fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
			return NULL;
		}
		res->rr = n;
		res->rrcap = ncap;
	}
	return &res->rr[res->nrr];
}

static enum kd_status
add_rr_copy(struct kd_dns_result *res, const struct kd_dns_rr *rr)
{
	struct kd_dns_rr *out;

	if ((out = rr_slot(res, 0)) == NULL)
		return res->diag.status;
	*out = *rr;
	res->nrr++;
	return KD_OK;
}

static enum kd_status
add_rr(struct kd_dns_result *res, const ldns_rr *rr, size_t cap_off)
{
	struct kd_dns_rr *out;
	const ldns_rdf *rdf;
	size_t i, used;
	char part[KD_DNS_TEXT_MAX];

	if ((out = rr_slot(res, cap_off)) == NULL)
		return res->diag.status;
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

/*
 * Keep only what a stub resolver would use: records owned by the name
 * asked or by a name its CNAME chain leads to (RFC 1034 5.3.3, RFC 2181
 * 5.4.1).  Anything else in the answer section (an SRV record of another
 * domain, an address of an unrelated host) is counted and the first one
 * named, never taken for the answer.
 */
static void
keep_owned(struct kd_dns_result *res, const char *qname, uint16_t qtype)
{
	char chain[KD_DNS_MAX_CNAME + 1][KD_DNS_TEXT_MAX];
	size_t nchain = 1, i, k, kept;
	bool grew = true, owned;
	char tname[16];

	snprintf(chain[0], sizeof(chain[0]), "%s", qname);
	/* CNAMEs may come in any order: follow until the chain stops growing. */
	while (grew && nchain <= KD_DNS_MAX_CNAME) {
		grew = false;
		for (i = 0; i < res->nrr && qtype != KD_DNS_T_CNAME; i++) {
			if (res->rr[i].type != KD_DNS_T_CNAME ||
			    !kd_dns_name_eq(res->rr[i].owner, chain[nchain - 1]))
				continue;
			for (k = 0; k < nchain; k++)
				if (kd_dns_name_eq(res->rr[i].data, chain[k]))
					break;
			if (k < nchain || nchain > KD_DNS_MAX_CNAME)
				continue;	/* a loop, or too long */
			snprintf(chain[nchain++], sizeof(chain[0]), "%s", res->rr[i].data);
			grew = true;
			break;
		}
	}
	for (i = kept = 0; i < res->nrr; i++) {
		owned = false;
		for (k = 0; k < nchain && !owned; k++)
			owned = kd_dns_name_eq(res->rr[i].owner, chain[k]);
		if (owned) {
			if (kept != i)
				res->rr[kept] = res->rr[i];
			kept++;
			continue;
		}
		if (res->nforeign++ == 0)
			snprintf(res->foreign, sizeof(res->foreign), "%.*s %s",
			    (int)(sizeof(res->foreign) - 16), res->rr[i].owner,
			    kd_dns_type_name(res->rr[i].type, tname, sizeof(tname)));
	}
	res->nrr = kept;
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
	}
	if (qname != NULL)
		keep_owned(res, qname, qtype);
	for (i = 0; i < res->nrr; i++)
		if (res->rr[i].type == qtype)
			have = true;
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
/* Zone files. */

static int
zent_cmp(const void *a, const void *b)
{
	const struct kd_zent *x = a, *y = b;
	int c = ldns_dname_compare(ldns_rr_owner(x->rr), ldns_rr_owner(y->rr));

	if (c != 0)
		return c;
	return x->ix < y->ix ? -1 : x->ix > y->ix;
}

static int
zone_index(struct kd_dns_zone *zn)
{
	size_t i, n = ldns_rr_list_rr_count(zn->rrs);

	if ((zn->idx = calloc(n + 1, sizeof(*zn->idx))) == NULL)
		return -1;
	if (zn->soa != NULL) {
		zn->idx[zn->nidx].rr = zn->soa;
		zn->idx[zn->nidx].ix = zn->nidx;
		zn->nidx++;
	}
	for (i = 0; i < n; i++) {
		zn->idx[zn->nidx].rr = ldns_rr_list_rr(zn->rrs, i);
		zn->idx[zn->nidx].ix = zn->nidx;
		zn->nidx++;
	}
	qsort(zn->idx, zn->nidx, sizeof(*zn->idx), zent_cmp);
	return 0;
}

/* The first index entry whose owner is not below name in canonical order. */
static size_t
zone_lower_bound(const struct kd_dns_zone *zn, const ldns_rdf *name)
{
	size_t lo = 0, hi = zn->nidx, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ldns_dname_compare(ldns_rr_owner(zn->idx[mid].rr), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

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
	char *text = NULL, *nul, *p, err[sizeof(d->msg)];
	size_t textlen = 0;

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
	/*
	 * Read whole, regular files only and capped: a directory, /dev/zero
	 * or a FIFO is an error, not an endless loop.  A NUL byte is no zone
	 * text: refused with its line.
	 */
	if (kd_read_regular(path, KD_DNS_ZONE_MAX_BYTES, &text, &textlen, err,
	    sizeof(err)) != 0) {
		kd_diag_set(d, KD_EIO, "zone", 0, "%s", err);
		goto fail;
	}
	if ((nul = memchr(text, '\0', textlen)) != NULL) {
		for (p = text, line = 1; p < nul; p++)
			if (*p == '\n')
				line++;
		kd_diag_set(d, KD_EINVAL, "zone", (size_t)line,
		    "%s: line %d: NUL byte", path, line);
		goto fail;
	}
	line = 0;
	if (textlen == 0 || (fp = fmemopen(text, textlen, "r")) == NULL) {
		if (textlen == 0)
			kd_diag_set(d, KD_EINVAL, "zone", 0, "%s: empty file", path);
		else
			kd_diag_set(d, KD_ENOMEM, "zone", 0, "%s: %s", path,
			    strerror(errno));
		goto fail;
	}
	while (!feof(fp) && !ferror(fp)) {
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
	if (zone_index(zn) != 0) {
		kd_diag_set(d, KD_ENOMEM, "zone", 0, "out of memory");
		goto fail;
	}
	fclose(fp);
	free(text);
	ldns_rdf_deep_free(cur_origin);
	ldns_rdf_deep_free(prev);
	return zn;
fail:
	if (fp != NULL)
		fclose(fp);
	free(text);
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
	free(zn->idx);
	ldns_rdf_deep_free(zn->origin);
	free(zn);
}

const char *
kd_dns_zone_origin(const struct kd_dns_zone *zn)
{
	return zn->origin_str;
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
	size_t i;
	bool exists, found;
	enum kd_status st = KD_OK;
	int hop;

	result_reset(res);
	snprintf(res->server, sizeof(res->server), "%s", zn->path);
	res->aa = true;
	if (name_to_rdf(qname, &cur) != 0)
		return fail(res, KD_DNS_ERROR, KD_EINVAL, 0, "bad name %.64s", qname);
	for (hop = 0;; hop++) {
		if (!in_zone(zn, cur)) {
			res->outcome = KD_DNS_NOTZONE;
			res->rcode = hop == 0 ? KD_DNS_R_REFUSED : KD_DNS_R_NOERROR;
			goto out;
		}
		exists = found = false;
		cname = NULL;
		for (i = zone_lower_bound(zn, cur); i < zn->nidx; i++) {
			rr = zn->idx[i].rr;
			if (ldns_dname_compare(ldns_rr_owner(rr), cur) != 0) {
				/* Names below cur come right after it: an empty non-terminal. */
				if (ldns_dname_is_subdomain(ldns_rr_owner(rr), cur))
					exists = true;
				break;
			}
			exists = true;
			if (ldns_rr_get_type(rr) == qtype) {
				if ((st = add_rr(res, rr, 0)) != KD_OK)
					goto out;
				found = true;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME)
				cname = rr;
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
/* The engine: every question a non-blocking operation of one kd_loop. */

/* Resends of an unanswered UDP query: between these, spread over the deadline. */
#define KD_DNS_RETRY_MIN_MS	100
#define KD_DNS_RETRY_MAX_MS	1000
/* Hash buckets of the question table (chained; a run asks a few thousand). */
#define KD_DNS_BUCKETS		1024
/* Questions on the wire at once: bounded by the descriptor limit, see below. */
#define KD_DNS_INFLIGHT_MIN	8
#define KD_DNS_INFLIGHT_MAX	1024

struct kd_dns_srv {
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	char			 name[64];	/* "ADDR#PORT" */
};

struct dq;

/* The UDP socket of one question to one server. */
struct dq_sock {
	struct dq	*q;
	int		 fd;		/* -1: not opened */
	unsigned	 srv;
	bool		 dead;		/* unreachable: do not send there again */
	bool		 sent;
};

enum dq_state { DQ_QUEUED, DQ_RUNNING, DQ_DONE };
enum dq_tcp { DQ_TCP_NONE, DQ_TCP_CONNECT, DQ_TCP_WRITE, DQ_TCP_READ };

/*
 * One question (name, type), asked once however many requests want it:
 * the requests wait on it, and its answer stays for later ones.
 */
struct dq {
	struct kd_dns		*dns;
	struct dq		*hnext;		/* hash chain */
	struct dq		*qnext;		/* queue of questions waiting for a slot */
	char			 qname[KD_DNS_TEXT_MAX];
	uint16_t		 qtype;
	enum dq_state		 state;
	struct kd_dns_req	*waiters;
	size_t			 nwaiters;
	uint64_t		 deadline_ms;	/* the latest of the waiters' */
	/* On the wire. */
	uint8_t			*wire;
	size_t			 wlen;
	uint16_t		 id;
	bool			 edns;
	bool			 truncated;	/* a UDP answer had TC: now over TCP */
	struct dq_sock		 us[KD_DNS_MAX_NS];
	unsigned		 next_srv;
	uint64_t		 retry_ms;
	long			 retry_timer;
	enum dq_tcp		 tcp;
	int			 tfd;
	unsigned		 tsrv;
	size_t			 toff;
	uint16_t		 tmlen;
	uint8_t			 tlen[2];
	uint8_t			*tbuf;		/* TCP message out, then in */
	/* What to say when nothing better comes before the deadline. */
	bool			 have_bogus;
	enum kd_dns_outcome	 bogus_outcome;
	struct kd_diag		 bogus_diag;
	/* Done. */
	struct kd_dns_result	 res;
	enum kd_status		 st;
};

struct kd_dns_req {
	struct kd_dns		*dns;
	struct dq		*q;		/* NULL for an address pair */
	struct kd_dns_req	*prev, *next;	/* among q's waiters or the ready list */
	bool			 ready;		/* on the ready list */
	kd_dns_cb		*cb;
	void			*arg;
	uint64_t		 deadline_ms;
	long			 timer;
	/* An address pair: A and AAAA asked together, merged. */
	struct kd_dns_req	*parent;
	struct kd_dns_req	*sub[2];
	struct kd_dns_result	 part[2];
	enum kd_status		 pst[2];
	int			 ndone;
};

struct kd_dns {
	struct kd_loop		*loop;
	const struct kd_dns_zone *zone;
	unsigned		 timeout_ms;
	bool			 tcp_only;
	struct kd_dns_srv	 srv[KD_DNS_MAX_NS];
	unsigned		 nsrv;
	/* Why no question can be asked (resolv.conf unreadable, bad server). */
	bool			 broken;
	enum kd_status		 broken_st;
	struct kd_diag		 broken_diag;
	struct dq		*bucket[KD_DNS_BUCKETS];
	struct dq		*qhead, *qtail;	/* waiting for a slot */
	size_t			 nqueued;
	size_t			 inflight, max_inflight;
	struct kd_dns_req	*ready_head, *ready_tail;
	long			 ready_timer;
	long			 kick_timer;	/* start queued questions from the loop */
	struct kd_dns_srvreq	*srv_head;	/* SRV discoveries in progress */
	uint8_t			 buf[65536];	/* one datagram or TCP message in */
};

static void	dq_run(struct dq *);
static void	dq_finish(struct dq *);
static void	start_queued(struct kd_dns *);
static void	srvreq_free(struct kd_dns_srvreq *);
static void	kick(struct kd_dns *);
static void	req_deliver(struct kd_dns_req *, struct kd_dns_result *, enum kd_status);

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

/* A deep copy; false (dst empty, diag set) when out of memory. */
static bool
result_copy(struct kd_dns_result *dst, const struct kd_dns_result *src)
{
	*dst = *src;
	dst->rr = NULL;
	dst->rrcap = 0;
	if (src->nrr == 0)
		return true;
	if ((dst->rr = malloc(src->nrr * sizeof(*dst->rr))) == NULL) {
		dst->nrr = 0;
		fail(dst, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
		return false;
	}
	memcpy(dst->rr, src->rr, src->nrr * sizeof(*dst->rr));
	dst->rrcap = src->nrr;
	return true;
}

void
kd_dns_result_move(struct kd_dns_result *dst, struct kd_dns_result *src)
{
	*dst = *src;
	src->rr = NULL;
	src->nrr = 0;
	src->rrcap = 0;
}

static unsigned
name_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

static void
hash_del(struct kd_dns *dns, struct dq *q)
{
	struct dq **pp = &dns->bucket[name_hash(q->qname) % KD_DNS_BUCKETS];

	for (; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == q) {
			*pp = q->hnext;
			return;
		}
}

/* ------------------------------------------------------------------ */
/* Engine setup. */

static bool
srv_set(struct kd_dns_srv *s, const char *addr, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&s->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&s->sa;

	memset(s, 0, sizeof(*s));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s->salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s->salen = sizeof(*s6);
	} else
		return false;
	snprintf(s->name, sizeof(s->name), "%s#%u", addr, (unsigned)port);
	return true;
}

struct kd_dns *
kd_dns_new(struct kd_loop *loop, const struct kd_dns_opts *o)
{
	struct kd_resolv_conf rc;
	struct kd_dns *dns;
	struct rlimit rl;
	char addr[INET6_ADDRSTRLEN];
	const char *errstr;
	uint16_t port;
	size_t i, fds;

	if ((dns = calloc(1, sizeof(*dns))) == NULL)
		return NULL;
	dns->loop = loop;
	dns->zone = o->zone;
	dns->tcp_only = o->tcp;
	dns->timeout_ms = o->timeout_ms ? o->timeout_ms : KD_DNS_TIMEOUT_DEFAULT;
	if (dns->timeout_ms > KD_DNS_TIMEOUT_MAX)
		dns->timeout_ms = KD_DNS_TIMEOUT_MAX;
	kd_diag_clear(&dns->broken_diag);
	if (o->zone != NULL) {
		/* Answers come from the zone: no server. */
	} else if (o->server != NULL) {
		if (!kd_dns_server_parse(o->server, addr, sizeof(addr), &port, &errstr) ||
		    !srv_set(&dns->srv[0], addr, port)) {
			dns->broken = true;
			dns->broken_st = kd_diag_set(&dns->broken_diag, KD_EINVAL, "dns",
			    0, "server %.64s: %s", o->server, errstr);
		} else
			dns->nsrv = 1;
	} else if ((dns->broken_st = kd_dns_resolv_conf(o->resolv_conf, &rc,
	    &dns->broken_diag)) != KD_OK)
		dns->broken = true;
	else {
		if (rc.nns == 0) {
			/* resolv.conf(5): no nameserver line means the local one. */
			snprintf(rc.nameserver[0], sizeof(rc.nameserver[0]), "127.0.0.1");
			rc.nns = 1;
		}
		for (i = 0; i < rc.nns; i++) {
			/* resolv.conf names no port: 53 whatever the text says. */
			if (!kd_dns_server_parse(rc.nameserver[i], addr, sizeof(addr),
			    &port, &errstr) || !srv_set(&dns->srv[dns->nsrv], addr, 53)) {
				dns->broken_st = kd_diag_set(&dns->broken_diag, KD_EINVAL,
				    "dns", 0, "resolv.conf nameserver %.64s: %s",
				    rc.nameserver[i], errstr);
				continue;
			}
			dns->nsrv++;
		}
		dns->broken = dns->nsrv == 0;
	}
	/*
	 * A running question holds a UDP socket per server and maybe a TCP
	 * one: leave half the descriptors to the rest of the process (the
	 * probe, the dashboard).
	 */
	fds = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		fds = (size_t)rl.rlim_cur;
	dns->max_inflight = fds > 64 ? (fds - 64) / 2 / (dns->nsrv + 1) : 0;
	if (dns->max_inflight < KD_DNS_INFLIGHT_MIN)
		dns->max_inflight = KD_DNS_INFLIGHT_MIN;
	if (dns->max_inflight > KD_DNS_INFLIGHT_MAX)
		dns->max_inflight = KD_DNS_INFLIGHT_MAX;
	return dns;
}

static void
udp_close(struct dq *q, unsigned i)
{
	if (q->us[i].fd >= 0) {
		kd_loop_del_fd(q->dns->loop, q->us[i].fd);
		close(q->us[i].fd);
		q->us[i].fd = -1;
	}
}

static void
tcp_close(struct dq *q)
{
	if (q->tfd >= 0) {
		kd_loop_del_fd(q->dns->loop, q->tfd);
		close(q->tfd);
		q->tfd = -1;
	}
}

/* Stop all network activity of q (not its waiters). */
static void
dq_quiet(struct dq *q)
{
	unsigned i;

	for (i = 0; i < q->dns->nsrv; i++)
		udp_close(q, i);
	tcp_close(q);
	if (q->retry_timer > 0) {
		kd_loop_del_timer(q->dns->loop, q->retry_timer);
		q->retry_timer = 0;
	}
	free(q->wire);
	q->wire = NULL;
	free(q->tbuf);
	q->tbuf = NULL;
	if (q->state == DQ_RUNNING) {
		q->state = DQ_QUEUED;
		q->dns->inflight--;
	}
}

static void
dq_free(struct dq *q)
{
	dq_quiet(q);
	kd_dns_result_fini(&q->res);
	free(q);
}

static void
req_free(struct kd_dns_req *r)
{
	if (r->timer > 0)
		kd_loop_del_timer(r->dns->loop, r->timer);
	kd_dns_result_fini(&r->part[0]);
	kd_dns_result_fini(&r->part[1]);
	free(r);
}

/* A request and, when it is half of a pair, the pair (once). */
static void
req_free_tree(struct kd_dns_req *r)
{
	struct kd_dns_req *p = r->parent;
	int k;

	if (p != NULL) {
		for (k = 0; k < 2; k++)
			if (p->sub[k] != NULL && p->sub[k] != r)
				p->sub[k]->parent = NULL;
		req_free(p);
	}
	req_free(r);
}

void
kd_dns_free(struct kd_dns *dns)
{
	struct kd_dns_req *r, *rn;
	struct dq *q, *qn;
	size_t b;

	if (dns == NULL)
		return;
	/* Their parts are freed with the questions below. */
	while (dns->srv_head != NULL)
		srvreq_free(dns->srv_head);
	for (b = 0; b < KD_DNS_BUCKETS; b++)
		for (q = dns->bucket[b]; q != NULL; q = qn) {
			qn = q->hnext;
			for (r = q->waiters; r != NULL; r = rn) {
				rn = r->next;
				req_free_tree(r);
			}
			dq_free(q);
		}
	for (r = dns->ready_head; r != NULL; r = rn) {
		rn = r->next;
		req_free_tree(r);
	}
	if (dns->ready_timer > 0)
		kd_loop_del_timer(dns->loop, dns->ready_timer);
	if (dns->kick_timer > 0)
		kd_loop_del_timer(dns->loop, dns->kick_timer);
	free(dns);
}

/* ------------------------------------------------------------------ */
/* Waiters and delivery. */

static void
waiter_add(struct dq *q, struct kd_dns_req *r)
{
	r->q = q;
	r->prev = NULL;
	r->next = q->waiters;
	if (q->waiters != NULL)
		q->waiters->prev = r;
	q->waiters = r;
	q->nwaiters++;
	if (r->deadline_ms > q->deadline_ms)
		q->deadline_ms = r->deadline_ms;
}

static void
waiter_del(struct kd_dns_req *r)
{
	struct dq *q = r->q;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		q->waiters = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	q->nwaiters--;
}

static void
ready_del(struct kd_dns_req *r)
{
	struct kd_dns *dns = r->dns;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		dns->ready_head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		dns->ready_tail = r->prev;
	r->prev = r->next = NULL;
	r->ready = false;
}

static int64_t
ready_cb(struct kd_loop *loop, long id, void *arg)
{
	struct kd_dns *dns = arg;
	struct kd_dns_result res;
	struct kd_dns_req *r;

	(void)loop;
	(void)id;
	/* Callbacks may add to the list: those run in this round too. */
	while ((r = dns->ready_head) != NULL) {
		ready_del(r);
		result_copy(&res, &r->q->res);
		req_deliver(r, &res, r->q->st);
	}
	dns->ready_timer = 0;
	return KD_NOMORE;
}

/* Answer r from its question's finished result, from the loop, never from inside the caller. */
static void
ready_add(struct kd_dns_req *r)
{
	struct kd_dns *dns = r->dns;

	r->ready = true;
	r->next = NULL;
	r->prev = dns->ready_tail;
	if (dns->ready_tail != NULL)
		dns->ready_tail->next = r;
	else
		dns->ready_head = r;
	dns->ready_tail = r;
	if (dns->ready_timer <= 0)
		dns->ready_timer = kd_loop_add_timer(dns->loop, 0, ready_cb, dns);
}

/* A question nobody waits for any more stops and is forgotten. */
static void
dq_orphan(struct dq *q)
{
	struct kd_dns *dns = q->dns;
	struct dq **pp;

	if (q->nwaiters > 0 || q->state == DQ_DONE)
		return;
	if (q->state == DQ_QUEUED)
		for (pp = &dns->qhead; *pp != NULL; pp = &(*pp)->qnext)
			if (*pp == q) {
				*pp = q->qnext;
				dns->nqueued--;
				break;
			}
	dns->qtail = NULL;
	for (struct dq *x = dns->qhead; x != NULL; x = x->qnext)
		dns->qtail = x;
	hash_del(dns, q);
	dq_free(q);
	kick(dns);
}

static void	addrs_part(struct kd_dns_result *, enum kd_status, void *);

/* Hand res to r's owner; res is the owner's to keep until the callback returns. */
static void
req_deliver(struct kd_dns_req *r, struct kd_dns_result *res, enum kd_status st)
{
	kd_dns_cb *cb = r->cb;
	void *arg = r->arg;

	if (r->timer > 0) {
		kd_loop_del_timer(r->dns->loop, r->timer);
		r->timer = 0;
	}
	if (cb == addrs_part) {
		/* Part of a pair: arg is the parent, r is freed by it. */
		cb(res, st, r);
		return;
	}
	req_free(r);
	cb(res, st, arg);
	kd_dns_result_fini(res);
}

/* What a request that reaches its deadline gets: the best we can say. */
static enum kd_status
timeout_result(const struct dq *q, struct kd_dns_result *res)
{
	const struct kd_dns *dns = q->dns;
	char asked[3 * 64 + 8];
	unsigned i;

	kd_dns_result_init(res);
	if (q->state == DQ_QUEUED) {
		snprintf(res->server, sizeof(res->server), "%s",
		    dns->nsrv > 0 ? dns->srv[0].name : "");
		return fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0, "not asked before "
		    "the deadline: %zu questions waited for a slot",
		    dns->nqueued);
	}
	if (q->have_bogus) {
		res->outcome = q->bogus_outcome;
		res->diag = q->bogus_diag;
		snprintf(res->server, sizeof(res->server), "%s", dns->srv[q->tsrv].name);
		return res->diag.status;
	}
	if (q->tcp != DQ_TCP_NONE) {
		res->tcp = true;
		res->truncated = q->truncated;
		snprintf(res->server, sizeof(res->server), "%s", dns->srv[q->tsrv].name);
		if (q->tcp == DQ_TCP_CONNECT)
			return fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
			    "TCP connect to %s timed out", res->server);
		return fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
		    "no answer from %s over TCP", res->server);
	}
	asked[0] = '\0';
	for (i = 0; i < dns->nsrv; i++)
		if (q->us[i].sent) {
			if (res->server[0] == '\0')
				snprintf(res->server, sizeof(res->server), "%s",
				    dns->srv[i].name);
			snprintf(asked + strlen(asked), sizeof(asked) - strlen(asked),
			    "%s%s", asked[0] ? ", " : "", dns->srv[i].name);
		}
	return fail(res, KD_DNS_TIMEOUT, KD_ETIMEDOUT, 0,
	    "no answer from %s over UDP", asked);
}

static int64_t
req_timeout(struct kd_loop *loop, long id, void *arg)
{
	struct kd_dns_req *r = arg;
	struct kd_dns_result res;
	enum kd_status st;
	struct dq *q = r->q;

	(void)loop;
	(void)id;
	r->timer = 0;
	st = timeout_result(q, &res);
	waiter_del(r);
	req_deliver(r, &res, st);
	dq_orphan(q);
	return KD_NOMORE;
}

/* ------------------------------------------------------------------ */
/* Finishing a question. */

/* q has its answer (or its final error) in q->res: tell every waiter. */
static void
dq_finish(struct dq *q)
{
	struct kd_dns *dns = q->dns;
	struct kd_dns_result res;
	struct kd_dns_req *r;

	dq_quiet(q);
	q->state = DQ_DONE;
	while ((r = q->waiters) != NULL) {
		waiter_del(r);
		result_copy(&res, &q->res);
		req_deliver(r, &res, q->st);
	}
	kick(dns);
}

static void
dq_fail(struct dq *q, enum kd_dns_outcome o, enum kd_status st, const char *server,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
dq_fail(struct dq *q, enum kd_dns_outcome o, enum kd_status st, const char *server,
    const char *fmt, ...)
{
	char msg[sizeof(q->res.diag.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kd_dns_result_fini(&q->res);
	kd_dns_result_init(&q->res);
	snprintf(q->res.server, sizeof(q->res.server), "%s", server);
	q->st = fail(&q->res, o, st, 0, "%s", msg);
	q->res.tcp = q->tcp != DQ_TCP_NONE;
	q->res.truncated = q->truncated;
	dq_finish(q);
}

/* A parsed answer from server srv: use it, or go on over TCP or without EDNS. */
static void	tcp_start(struct dq *, unsigned);
static void	udp_send(struct dq *, unsigned);
static enum kd_status new_wire(struct dq *);

static void
dq_answer(struct dq *q, unsigned srv, struct kd_dns_result *res)
{
	unsigned i;

	if (q->tcp == DQ_TCP_NONE && res->truncated && !q->dns->tcp_only) {
		/* RFC 7766: a truncated UDP answer is asked again over TCP. */
		kd_dns_result_fini(res);
		for (i = 0; i < q->dns->nsrv; i++)
			udp_close(q, i);
		if (q->retry_timer > 0) {
			kd_loop_del_timer(q->dns->loop, q->retry_timer);
			q->retry_timer = 0;
		}
		q->truncated = true;
		tcp_start(q, srv);
		return;
	}
	/*
	 * RFC 6891 7: a server that does not know EDNS answers FORMERR or
	 * NOTIMP without an OPT record; ask it once more the old way.
	 */
	if (q->edns && !res->edns && (res->rcode == KD_DNS_R_FORMERR ||
	    res->rcode == KD_DNS_R_NOTIMP)) {
		kd_dns_result_fini(res);
		q->edns = false;
		if (new_wire(q) != KD_OK)
			return;
		if (q->tcp != DQ_TCP_NONE) {
			tcp_close(q);
			tcp_start(q, srv);
		} else
			udp_send(q, srv);
		return;
	}
	kd_dns_result_fini(&q->res);
	kd_dns_result_move(&q->res, res);
	snprintf(q->res.server, sizeof(q->res.server), "%s", q->dns->srv[srv].name);
	q->res.edns_fallback = !q->edns;
	q->res.tcp = q->tcp != DQ_TCP_NONE;
	if (q->truncated)
		q->res.truncated = true;
	q->st = KD_OK;
	dq_finish(q);
}

/* ------------------------------------------------------------------ */
/* UDP. */

static unsigned
alive_servers(const struct dq *q)
{
	unsigned i, n = 0;

	for (i = 0; i < q->dns->nsrv; i++)
		if (!q->us[i].dead)
			n++;
	return n;
}

/* Server srv is unreachable: try another, or give up when none is left. */
static void
udp_dead(struct dq *q, unsigned srv, int e)
{
	unsigned i;

	q->us[srv].dead = true;
	udp_close(q, srv);
	if (alive_servers(q) == 0) {
		dq_fail(q, errno_outcome(e), KD_EIO, q->dns->srv[srv].name, "%s: %s",
		    q->dns->srv[srv].name, strerror(e));
		return;
	}
	/* The next live server that was not asked yet, at once. */
	for (i = 0; i < q->dns->nsrv; i++)
		if (!q->us[i].dead && !q->us[i].sent) {
			udp_send(q, i);
			return;
		}
}

static void
udp_read_cb(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct dq_sock *s = arg;
	struct dq *q = s->q;
	struct kd_dns_result res;
	enum kd_status st;
	ssize_t n;

	(void)loop;
	(void)revents;
	for (;;) {
		n = recv(fd, q->dns->buf, sizeof(q->dns->buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				udp_dead(q, s->srv, errno);
			return;
		}
		kd_dns_result_init(&res);
		st = kd_dns_parse_answer(q->dns->buf, (size_t)n, q->id, q->qname,
		    q->qtype, &res);
		if (st == KD_OK) {
			dq_answer(q, s->srv, &res);
			return;
		}
		/*
		 * A datagram that is not a usable answer to our query may be
		 * stray or spoofed: keep waiting for the real one, but report
		 * it if nothing better comes.
		 */
		q->have_bogus = true;
		q->bogus_outcome = res.outcome;
		q->bogus_diag = res.diag;
		q->tsrv = s->srv;
		kd_dns_result_fini(&res);
	}
}

static void
udp_send(struct dq *q, unsigned srv)
{
	struct kd_dns *dns = q->dns;
	struct dq_sock *s = &q->us[srv];
	int fd;

	if (s->fd < 0) {
		fd = socket(dns->srv[srv].sa.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			dq_fail(q, KD_DNS_ERROR, KD_EIO, dns->srv[srv].name,
			    "socket: %s", strerror(errno));
			return;
		}
		/* Connected: ICMP port unreachable comes back as ECONNREFUSED. */
		if (connect(fd, (struct sockaddr *)&dns->srv[srv].sa,
		    dns->srv[srv].salen) < 0) {
			int e = errno;

			close(fd);
			udp_dead(q, srv, e);
			return;
		}
		if (kd_loop_add_fd(dns->loop, fd, POLLIN, udp_read_cb, s) != 0) {
			close(fd);
			dq_fail(q, KD_DNS_ERROR, KD_EIO, dns->srv[srv].name,
			    "cannot watch a socket: %s", strerror(errno));
			return;
		}
		s->fd = fd;
	}
	s->sent = true;
	if (send(s->fd, q->wire, q->wlen, 0) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK)
		udp_dead(q, srv, errno);
}

/* No answer yet: ask again, the next live server in turn. */
static int64_t
retry_cb(struct kd_loop *loop, long id, void *arg)
{
	struct dq *q = arg;
	int64_t again = (int64_t)q->retry_ms;
	unsigned i, srv;

	(void)loop;
	(void)id;
	for (i = 0; i < q->dns->nsrv; i++) {
		srv = (q->next_srv + i) % q->dns->nsrv;
		if (!q->us[srv].dead) {
			q->next_srv = srv + 1;
			/*
			 * This may finish q, which deletes this timer: the
			 * loop then does not reschedule it, whatever we return.
			 */
			udp_send(q, srv);
			break;
		}
	}
	return again;
}

/* ------------------------------------------------------------------ */
/* TCP (RFC 1035 4.2.2: a two-byte length, then the message). */

static void	tcp_cb(struct kd_loop *, int, short, void *);

/* TCP to srv failed: another server when only TCP is used, else the end. */
static void
tcp_fail(struct dq *q, enum kd_dns_outcome o, enum kd_status st, const char *msg)
{
	unsigned next = q->tsrv + 1;
	char server[64];

	snprintf(server, sizeof(server), "%s", q->dns->srv[q->tsrv].name);
	if (o == KD_DNS_UNREACHABLE && q->dns->tcp_only && next < q->dns->nsrv) {
		tcp_close(q);
		tcp_start(q, next);
		return;
	}
	dq_fail(q, o, st, server, "%s", msg);
}

static void
tcp_start(struct dq *q, unsigned srv)
{
	struct kd_dns *dns = q->dns;
	char msg[160];
	int fd;

	q->tsrv = srv;
	q->tcp = DQ_TCP_CONNECT;
	q->toff = 0;
	fd = socket(dns->srv[srv].sa.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dq_fail(q, KD_DNS_ERROR, KD_EIO, dns->srv[srv].name, "socket: %s",
		    strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&dns->srv[srv].sa, dns->srv[srv].salen) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		snprintf(msg, sizeof(msg), "%s (TCP): %s", dns->srv[srv].name,
		    strerror(e));
		tcp_fail(q, errno_outcome(e), KD_EIO, msg);
		return;
	}
	if (kd_loop_add_fd(dns->loop, fd, POLLOUT, tcp_cb, q) != 0) {
		close(fd);
		dq_fail(q, KD_DNS_ERROR, KD_EIO, dns->srv[srv].name,
		    "cannot watch a socket: %s", strerror(errno));
		return;
	}
	q->tfd = fd;
}

static void
tcp_cb(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct dq *q = arg;
	const char *name = q->dns->srv[q->tsrv].name;
	struct kd_dns_result res;
	char msg[160];
	socklen_t sl;
	ssize_t n;
	int e;

	(void)revents;
	switch (q->tcp) {
	case DQ_TCP_CONNECT:
		e = 0;
		sl = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
			e = errno;
		if (e != 0) {
			snprintf(msg, sizeof(msg), "%s (TCP): %s", name, strerror(e));
			tcp_fail(q, errno_outcome(e), KD_EIO, msg);
			return;
		}
		free(q->tbuf);
		if ((q->tbuf = malloc(q->wlen + 2)) == NULL) {
			dq_fail(q, KD_DNS_ERROR, KD_ENOMEM, name, "out of memory");
			return;
		}
		q->tbuf[0] = (uint8_t)(q->wlen >> 8);
		q->tbuf[1] = (uint8_t)q->wlen;
		memcpy(q->tbuf + 2, q->wire, q->wlen);
		q->tcp = DQ_TCP_WRITE;
		q->toff = 0;
		/* FALLTHROUGH */
	case DQ_TCP_WRITE:
		while (q->toff < q->wlen + 2) {
			n = write(fd, q->tbuf + q->toff, q->wlen + 2 - q->toff);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n < 0) {
				snprintf(msg, sizeof(msg), "%s (TCP): %s", name,
				    strerror(errno));
				tcp_fail(q, errno_outcome(errno), KD_EIO, msg);
				return;
			}
			q->toff += (size_t)n;
		}
		q->tcp = DQ_TCP_READ;
		q->toff = 0;
		q->tmlen = 0;
		kd_loop_mod_fd(loop, fd, POLLIN);
		return;
	case DQ_TCP_READ:
		break;
	case DQ_TCP_NONE:
		return;
	}
	for (;;) {
		uint8_t *dst;
		size_t want;

		if (q->toff < 2) {
			dst = q->tlen + q->toff;
			want = 2 - q->toff;
		} else {
			dst = q->dns->buf + (q->toff - 2);
			want = (size_t)q->tmlen + 2 - q->toff;
		}
		n = read(fd, dst, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			snprintf(msg, sizeof(msg), "%s (TCP): %s", name, strerror(errno));
			tcp_fail(q, errno_outcome(errno), KD_EIO, msg);
			return;
		}
		if (n == 0) {
			if (q->toff == 0)
				/* Accepted, then hung up: no DNS service to speak of. */
				dq_fail(q, KD_DNS_UNREACHABLE, KD_EIO, name,
				    "%s closed the TCP connection without answering",
				    name);
			else
				dq_fail(q, KD_DNS_MALFORMED, KD_ETRUNC, name,
				    "%s closed the TCP connection after %zu of %u bytes",
				    name, q->toff < 2 ? q->toff : q->toff - 2,
				    q->toff < 2 ? 2u : (unsigned)q->tmlen);
			return;
		}
		q->toff += (size_t)n;
		if (q->toff == 2) {
			struct kd_cur c;

			kd_cur_init(&c, q->tlen, 2);
			kd_cur_u16(&c, KD_BE, &q->tmlen);
			if (q->tmlen == 0) {
				dq_fail(q, KD_DNS_MALFORMED, KD_EINVAL, name,
				    "zero-length TCP message from %s", name);
				return;
			}
		}
		if (q->toff >= 2 && q->toff == (size_t)q->tmlen + 2)
			break;
	}
	kd_dns_result_init(&res);
	if (kd_dns_parse_answer(q->dns->buf, q->tmlen, q->id, q->qname, q->qtype,
	    &res) != KD_OK) {
		/* One connection, one message: a bad one is the answer. */
		kd_dns_result_fini(&q->res);
		kd_dns_result_move(&q->res, &res);
		snprintf(q->res.server, sizeof(q->res.server), "%s", name);
		q->res.tcp = true;
		q->res.truncated = q->truncated;
		q->st = q->res.diag.status;
		dq_finish(q);
		return;
	}
	/* An answer over TCP is complete whatever its TC bit says. */
	res.truncated = q->truncated;
	dq_answer(q, q->tsrv, &res);
}

/* ------------------------------------------------------------------ */
/* Running questions. */

static enum kd_status
new_wire(struct dq *q)
{
	struct kd_dns_result res;
	enum kd_status st;

	free(q->wire);
	q->wire = NULL;
	q->id = ldns_get_random();
	kd_dns_result_init(&res);
	if ((st = build_query(q->qname, q->qtype, q->edns, q->id, &q->wire, &q->wlen,
	    &res)) != KD_OK)
		dq_fail(q, res.outcome, st, q->dns->nsrv ? q->dns->srv[0].name : "",
		    "%s", res.diag.msg);
	return st;
}

static void
dq_run(struct dq *q)
{
	struct kd_dns *dns = q->dns;
	uint64_t now = kd_now_ms(), budget;

	q->state = DQ_RUNNING;
	dns->inflight++;
	q->edns = true;
	if (new_wire(q) != KD_OK)
		return;
	if (dns->tcp_only) {
		tcp_start(q, 0);
		return;
	}
	/*
	 * Resends spread over the time left, every server in turn, as a stub
	 * resolver does; the first answer from any of them counts.
	 */
	budget = q->deadline_ms > now ? q->deadline_ms - now : 1;
	q->retry_ms = budget / (2 * dns->nsrv);
	if (q->retry_ms < KD_DNS_RETRY_MIN_MS)
		q->retry_ms = KD_DNS_RETRY_MIN_MS;
	if (q->retry_ms > KD_DNS_RETRY_MAX_MS)
		q->retry_ms = KD_DNS_RETRY_MAX_MS;
	q->next_srv = 1;
	q->retry_timer = kd_loop_add_timer(dns->loop, q->retry_ms, retry_cb, q);
	udp_send(q, 0);
}

static int64_t
kick_cb(struct kd_loop *loop, long id, void *arg)
{
	struct kd_dns *dns = arg;

	(void)loop;
	(void)id;
	dns->kick_timer = 0;
	start_queued(dns);
	return KD_NOMORE;
}

/*
 * Questions start from the loop, never inside kd_dns_start() or a
 * callback's caller: a question that fails at once (no route to the
 * server) then cannot call back into code that is not ready for it, nor
 * recurse through a long queue of such failures.
 */
static void
kick(struct kd_dns *dns)
{
	if (dns->kick_timer <= 0 && dns->qhead != NULL)
		dns->kick_timer = kd_loop_add_timer(dns->loop, 0, kick_cb, dns);
}

static void
start_queued(struct kd_dns *dns)
{
	struct dq *q;

	while (dns->inflight < dns->max_inflight && (q = dns->qhead) != NULL) {
		dns->qhead = q->qnext;
		if (dns->qhead == NULL)
			dns->qtail = NULL;
		q->qnext = NULL;
		dns->nqueued--;
		dq_run(q);
	}
}

static struct dq *
dq_get(struct kd_dns *dns, const char *qname, uint16_t qtype, bool *fresh)
{
	unsigned b = name_hash(qname) % KD_DNS_BUCKETS;
	struct dq *q;
	unsigned i;

	*fresh = false;
	for (q = dns->bucket[b]; q != NULL; q = q->hnext)
		if (q->qtype == qtype && kd_dns_name_eq(q->qname, qname))
			return q;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->dns = dns;
	snprintf(q->qname, sizeof(q->qname), "%s", qname);
	q->qtype = qtype;
	q->tfd = -1;
	for (i = 0; i < KD_DNS_MAX_NS; i++) {
		q->us[i].q = q;
		q->us[i].fd = -1;
		q->us[i].srv = i;
	}
	kd_dns_result_init(&q->res);
	q->hnext = dns->bucket[b];
	dns->bucket[b] = q;
	*fresh = true;
	return q;
}

struct kd_dns_req *
kd_dns_start(struct kd_dns *dns, const char *qname, uint16_t qtype,
    uint64_t deadline_ms, kd_dns_cb *cb, void *arg)
{
	struct kd_dns_req *r;
	struct dq *q;
	bool fresh;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->dns = dns;
	r->cb = cb;
	r->arg = arg;
	r->deadline_ms = deadline_ms ? deadline_ms : kd_now_ms() + dns->timeout_ms;
	if ((q = dq_get(dns, qname, qtype, &fresh)) == NULL) {
		free(r);
		return NULL;
	}
	if (fresh && (dns->zone != NULL || dns->broken)) {
		/* Nothing to wait for: answered now, delivered from the loop. */
		if (dns->zone != NULL)
			q->st = zone_query(dns->zone, q->qname, qtype, &q->res);
		else {
			q->res.outcome = KD_DNS_ERROR;
			q->res.diag = dns->broken_diag;
			q->st = dns->broken_st;
		}
		q->state = DQ_DONE;
	}
	if (q->state == DQ_DONE) {
		r->q = q;
		ready_add(r);
		return r;
	}
	waiter_add(q, r);
	if ((r->timer = kd_loop_add_timer(dns->loop, r->deadline_ms > kd_now_ms() ?
	    r->deadline_ms - kd_now_ms() : 0, req_timeout, r)) < 0) {
		waiter_del(r);
		free(r);
		dq_orphan(q);
		return NULL;
	}
	if (fresh) {
		q->state = DQ_QUEUED;
		if (dns->qtail != NULL)
			dns->qtail->qnext = q;
		else
			dns->qhead = q;
		dns->qtail = q;
		dns->nqueued++;
		kick(dns);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* A and AAAA together. */

/* Merge the AAAA part into the A part: one result, as kd_dns_query_addrs says. */
static enum kd_status
addrs_merge(struct kd_dns_result *res, enum kd_status st, struct kd_dns_result *r6,
    enum kd_status st6)
{
	size_t i, j;

	for (i = 0; i < r6->nrr; i++) {
		/* The CNAME chain is the same for both; keep it once. */
		if (r6->rr[i].type != KD_DNS_T_AAAA) {
			bool dup = false;

			for (j = 0; j < res->nrr; j++)
				if (res->rr[j].type == r6->rr[i].type &&
				    kd_dns_name_eq(res->rr[j].owner, r6->rr[i].owner))
					dup = true;
			if (dup)
				continue;
		}
		if (add_rr_copy(res, &r6->rr[i]) != KD_OK) {
			st = res->diag.status;
			goto out;
		}
	}
	res->nforeign += r6->nforeign;
	if (res->foreign[0] == '\0')
		memcpy(res->foreign, r6->foreign, sizeof(res->foreign));
	if (res->outcome == KD_DNS_ANSWER)
		goto out;
	/* Neither had an address: keep the more telling outcome. */
	if (r6->outcome == KD_DNS_ANSWER || r6->outcome > res->outcome) {
		res->outcome = r6->outcome;
		res->rcode = r6->rcode;
		res->diag = r6->diag;
		st = st6;
	}
out:
	res->tcp = res->tcp || r6->tcp;
	res->truncated = res->truncated || r6->truncated;
	return st;
}

static void
addrs_part(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct kd_dns_req *sub = arg, *p = sub->parent;
	int k = p->sub[0] == sub ? 0 : 1;

	kd_dns_result_move(&p->part[k], res);
	p->pst[k] = st;
	p->sub[k] = NULL;
	req_free(sub);
	if (++p->ndone < 2)
		return;
	st = addrs_merge(&p->part[0], p->pst[0], &p->part[1], p->pst[1]);
	kd_dns_result_move(res, &p->part[0]);
	{
		kd_dns_cb *cb = p->cb;
		void *parg = p->arg;

		req_free(p);
		cb(res, st, parg);
		kd_dns_result_fini(res);
	}
}

struct kd_dns_req *
kd_dns_start_addrs(struct kd_dns *dns, const char *host, uint64_t deadline_ms,
    kd_dns_cb *cb, void *arg)
{
	struct kd_dns_req *p;
	int k;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->dns = dns;
	p->cb = cb;
	p->arg = arg;
	kd_dns_result_init(&p->part[0]);
	kd_dns_result_init(&p->part[1]);
	if (deadline_ms == 0)
		deadline_ms = kd_now_ms() + dns->timeout_ms;
	for (k = 0; k < 2; k++) {
		p->sub[k] = kd_dns_start(dns, host, k == 0 ? KD_DNS_T_A : KD_DNS_T_AAAA,
		    deadline_ms, addrs_part, NULL);
		if (p->sub[k] == NULL) {
			if (k == 1)
				kd_dns_cancel(p->sub[0]);
			free(p);
			return NULL;
		}
		/* The part's argument is the part itself: addrs_part finds the pair. */
		p->sub[k]->arg = p->sub[k];
		p->sub[k]->parent = p;
	}
	return p;
}

void
kd_dns_cancel(struct kd_dns_req *r)
{
	struct dq *q;
	int k;

	if (r == NULL)
		return;
	if (r->q == NULL) {
		/* A pair: its parts, then itself. */
		for (k = 0; k < 2; k++)
			if (r->sub[k] != NULL) {
				r->sub[k]->parent = NULL;
				kd_dns_cancel(r->sub[k]);
			}
		req_free(r);
		return;
	}
	q = r->q;
	if (r->ready)
		ready_del(r);
	else
		waiter_del(r);
	req_free(r);
	dq_orphan(q);
}


/* ------------------------------------------------------------------ */
/* SRV discovery: the records, then every target's addresses. */

struct kd_dns_srvtq {
	struct kd_dns_srvreq	*parent;
	size_t			 i;
	struct kd_dns_req	*req;		/* NULL once answered */
};

struct kd_dns_srvreq {
	struct kd_dns		*dns;
	kd_dns_srv_cb		*cb;
	void			*arg;
	uint64_t		 deadline_ms;
	struct kd_dns_req	*srvq;		/* NULL once answered */
	struct kd_dns_srvtq	*tq;
	size_t			 pending;
	long			 timer;		/* delivers a domain that is no DNS name */
	struct kd_dns_srvreq	*prev, *next;	/* in the engine's list */
	struct kd_dns_srv_result res;
};

static void
srvreq_free(struct kd_dns_srvreq *sr)
{
	size_t i;

	if (sr->prev != NULL)
		sr->prev->next = sr->next;
	else
		sr->dns->srv_head = sr->next;
	if (sr->next != NULL)
		sr->next->prev = sr->prev;
	if (sr->timer > 0)
		kd_loop_del_timer(sr->dns->loop, sr->timer);
	kd_dns_result_fini(&sr->res.srv);
	for (i = 0; i < sr->res.nt; i++)
		kd_dns_result_fini(&sr->res.t[i].addrs);
	free(sr->res.t);
	free(sr->tq);
	free(sr);
}

static void
srvreq_deliver(struct kd_dns_srvreq *sr)
{
	sr->cb(&sr->res, sr->arg);
	srvreq_free(sr);
}

static void
srv_target_done(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct kd_dns_srvtq *tq = arg;
	struct kd_dns_srvreq *sr = tq->parent;

	tq->req = NULL;
	kd_dns_result_move(&sr->res.t[tq->i].addrs, res);
	sr->res.t[tq->i].st = st;
	if (--sr->pending == 0)
		srvreq_deliver(sr);
}

static void
srv_records_done(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct kd_dns_srvreq *sr = arg;
	struct kd_dns_srv_result *r = &sr->res;
	size_t i, n = 0;

	sr->srvq = NULL;
	kd_dns_result_move(&r->srv, res);
	r->st = st;
	for (i = 0; i < r->srv.nrr; i++)
		if (r->srv.rr[i].type == KD_DNS_T_SRV)
			n++;
	if (n > 0 && ((r->t = calloc(n, sizeof(*r->t))) == NULL ||
	    (sr->tq = calloc(n, sizeof(*sr->tq))) == NULL)) {
		r->st = fail(&r->srv, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
		n = 0;
	}
	for (i = 0; i < r->srv.nrr && n > 0; i++) {
		struct kd_dns_srv_target *t;

		if (r->srv.rr[i].type != KD_DNS_T_SRV)
			continue;
		t = &r->t[r->nt];
		t->srv = &r->srv.rr[i];
		kd_dns_result_init(&t->addrs);
		sr->tq[r->nt].parent = sr;
		sr->tq[r->nt].i = r->nt;
		r->nt++;
		if (t->srv->port == 0 || strcmp(t->srv->data, ".") == 0) {
			/* Nothing a client could connect to: nothing to resolve. */
			t->addrs.outcome = KD_DNS_NODATA;
			t->st = KD_OK;
			continue;
		}
		if ((sr->tq[r->nt - 1].req = kd_dns_start_addrs(sr->dns, t->srv->data,
		    sr->deadline_ms, srv_target_done, &sr->tq[r->nt - 1])) == NULL) {
			t->st = fail(&t->addrs, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
			continue;
		}
		sr->pending++;
	}
	if (sr->pending == 0)
		srvreq_deliver(sr);
}

static int64_t
srv_invalid_cb(struct kd_loop *loop, long id, void *arg)
{
	struct kd_dns_srvreq *sr = arg;

	(void)loop;
	(void)id;
	sr->timer = 0;
	srvreq_deliver(sr);
	return KD_NOMORE;
}

struct kd_dns_srvreq *
kd_dns_start_srv(struct kd_dns *dns, const char *domain, uint64_t deadline_ms,
    kd_dns_srv_cb *cb, void *arg)
{
	struct kd_dns_srvreq *sr;
	struct kd_diag d;

	if ((sr = calloc(1, sizeof(*sr))) == NULL)
		return NULL;
	sr->dns = dns;
	sr->cb = cb;
	sr->arg = arg;
	sr->deadline_ms = deadline_ms ? deadline_ms : kd_now_ms() + dns->timeout_ms;
	sr->next = dns->srv_head;
	if (dns->srv_head != NULL)
		dns->srv_head->prev = sr;
	dns->srv_head = sr;
	snprintf(sr->res.domain, sizeof(sr->res.domain), "%s", domain);
	kd_dns_result_init(&sr->res.srv);
	kd_diag_clear(&d);
	if (kd_dns_vlmcs_name(domain, sr->res.qname, sizeof(sr->res.qname), &d) != KD_OK) {
		/* Said from the loop, like every other answer. */
		sr->res.qname[0] = '\0';
		sr->res.srv.outcome = KD_DNS_ERROR;
		sr->res.srv.diag = d;
		sr->res.st = d.status;
		if ((sr->timer = kd_loop_add_timer(dns->loop, 0, srv_invalid_cb, sr)) < 0) {
			sr->timer = 0;
			srvreq_free(sr);
			return NULL;
		}
		return sr;
	}
	if ((sr->srvq = kd_dns_start(dns, sr->res.qname, KD_DNS_T_SRV, sr->deadline_ms,
	    srv_records_done, sr)) == NULL) {
		srvreq_free(sr);
		return NULL;
	}
	return sr;
}

void
kd_dns_cancel_srv(struct kd_dns_srvreq *sr)
{
	size_t i;

	if (sr == NULL)
		return;
	kd_dns_cancel(sr->srvq);
	for (i = 0; i < sr->res.nt; i++)
		kd_dns_cancel(sr->tq[i].req);
	srvreq_free(sr);
}

size_t
kd_dns_pending(const struct kd_dns *dns)
{
	size_t b, n = 0;
	const struct dq *q;
	const struct kd_dns_req *r;
	const struct kd_dns_srvreq *sr;

	for (b = 0; b < KD_DNS_BUCKETS; b++)
		for (q = dns->bucket[b]; q != NULL; q = q->hnext)
			n += q->nwaiters;
	for (r = dns->ready_head; r != NULL; r = r->next)
		n++;
	for (sr = dns->srv_head; sr != NULL; sr = sr->next)
		n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* The blocking calls: a private loop around the engine. */

struct sync_wait {
	struct kd_dns_result	*res;
	enum kd_status		 st;
	bool			 done;
};

static void
sync_done(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct sync_wait *w = arg;

	kd_dns_result_fini(w->res);
	kd_dns_result_move(w->res, res);
	w->st = st;
	w->done = true;
}

static enum kd_status
sync_run(const struct kd_dns_opts *o, const char *name, int qtype,
    struct kd_dns_result *res)
{
	struct sync_wait w = { res, KD_ENOMEM, false };
	struct kd_loop *loop;
	struct kd_dns *dns = NULL;
	struct kd_dns_req *r = NULL;

	if ((loop = kd_loop_new()) != NULL && (dns = kd_dns_new(loop, o)) != NULL)
		r = qtype < 0 ? kd_dns_start_addrs(dns, name, 0, sync_done, &w) :
		    kd_dns_start(dns, name, (uint16_t)qtype, 0, sync_done, &w);
	if (r != NULL)
		while (!w.done && kd_loop_once(loop, -1) >= 0)
			;
	if (!w.done) {
		kd_dns_result_fini(res);
		kd_dns_result_init(res);
		w.st = fail(res, KD_DNS_ERROR, KD_ENOMEM, 0, "out of memory");
	}
	kd_dns_free(dns);
	kd_loop_free(loop);
	return w.st;
}

enum kd_status
kd_dns_query(const struct kd_dns_opts *o, const char *qname, uint16_t qtype,
    struct kd_dns_result *res)
{
	return sync_run(o, qname, qtype, res);
}

enum kd_status
kd_dns_query_addrs(const struct kd_dns_opts *o, const char *host,
    struct kd_dns_result *res)
{
	return sync_run(o, host, -1, res);
}
