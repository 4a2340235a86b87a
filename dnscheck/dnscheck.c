/*
 * kmsdiag-dnscheck engine: the _vlmcs._tcp SRV checks.
 *
 * Every lookup goes through lib/dnslookup (live server or zone file alike),
 * every verdict into the kd_report.  The checks follow the checklist's DNS
 * item: right name, TTL 60 minutes, right port, a target that resolves, the
 * record in every client domain (kmsdiag(7), "DNS publication").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../probe/probe.h"
#include "../probe/probesite.h"
#include "dnscheck.h"
#include "textf.h"
#include "dnslookup.h"
#include "loop.h"
#include "report.h"

/* Records kept per domain; more are reported by dnslookup as a limit. */
#define DC_MAX_REC	KD_DNS_MAX_ANSWERS
/* Labels looked at by the doubled-suffix test (a name has at most 127). */
#define DC_MAX_LABELS	128

/* One SRV record as the checks see it, with what its target resolved to. */
struct dc_rec {
	char			 name[KD_DNS_TEXT_MAX];
	uint16_t		 class;
	uint32_t		 ttl;
	uint16_t		 priority, weight, port;
	char			 target[KD_DNS_TEXT_MAX];
	/* Target resolution. */
	enum kd_dns_outcome	 t_outcome;
	char			 t_cname[KD_DNS_TEXT_MAX];	/* target is an alias for this */
	char			 t_err[192];
	json_t			*addrs;				/* array of strings */
	size_t			 t_foreign;			/* records of other names dropped */
	struct dc_domain	*dd;				/* the domain this record is of */
};

/* Where a missing record often ends up instead; asked when it is missing. */
#define DC_MAX_NEAR	8

struct dc_domain {
	struct dnscheck		*cx;
	char			 domain[KD_DNS_TEXT_MAX];	/* as given, without the final dot */
	char			 qname[KD_DNS_TEXT_MAX];
	char			 invalid[256];			/* not a name we can ask: why */
	uint64_t		 deadline_ms;			/* bounds every lookup of the domain */
	struct kd_dns_result	 res;
	struct dc_rec		*rec;
	size_t			 nrec;
	char			 alias[KD_DNS_TEXT_MAX];	/* qname was a CNAME to this */
	bool			 has_record;
	bool			 unknown;			/* could not tell */
	/* Near misses: names asked when the record is missing, and their answers. */
	struct dc_near {
		char			 name[2 * KD_DNS_TEXT_MAX + 32];
		const char		*why;
		struct kd_dns_result	 res;
		bool			 asked;
		struct dc_domain	*dd;
	}			 near[DC_MAX_NEAR];
	size_t			 nnear;
};

struct dc_ptargets;

/* One run: every domain's lookups in flight at once on one loop. */
struct dnscheck {
	const struct dnscheck_opts	*o;
	struct kd_dns_opts		 dns;
	struct kd_report		*r;
	struct kd_dns_zone		*zone;
	struct kd_loop			*loop;
	struct kd_dns			*eng;
	struct kd_resolv_conf		 rc;		/* the domains may come from here */
	const char			**list;
	struct dc_domain		*dd;
	size_t				 n;
	size_t				 pending;	/* DNS requests not answered yet */
	bool				 dns_done;
	struct probe			*probe;
	size_t				 probe_first;	/* first probe check in the report */
	struct dc_ptargets		*pt;
	long				 finish_timer;
	int				 ret;
	dnscheck_done_cb		*done;
	void				*arg;
};

void
dnscheck_opts_init(struct dnscheck_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = KD_DNS_TIMEOUT_DEFAULT;
	o->expect_ttl = DNSCHECK_TTL;
	o->expect_port = DNSCHECK_PORT;
}

/* -------------------------------------------------------------------- */
/* Corrected records in the three forms an administrator uses. */

static void
strip_dot(char *out, size_t len, const char *name)
{
	size_t n;

	kd_setf(out, len, "%s", name);
	n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

static void
abs_name(char *out, size_t len, const char *name)
{
	size_t n = strlen(name);

	kd_setf(out, len, "%s%s", name, n > 0 && name[n - 1] == '.' ? "" : ".");
}

void
dnscheck_zone_line(char *buf, size_t len, const char *domain, uint32_t ttl,
    unsigned prio, unsigned weight, unsigned port, const char *target)
{
	char d[KD_DNS_TEXT_MAX], t[KD_DNS_TEXT_MAX];

	abs_name(d, sizeof(d), domain);
	abs_name(t, sizeof(t), target);
	kd_setf(buf, len, "_vlmcs._tcp.%s %u IN SRV %u %u %u %s", d,
	    (unsigned)ttl, prio, weight, port, t);
}

void
dnscheck_nsupdate(char *buf, size_t len, const char *verb, const char *domain,
    uint32_t ttl, unsigned prio, unsigned weight, unsigned port, const char *target)
{
	char d[KD_DNS_TEXT_MAX], t[KD_DNS_TEXT_MAX];

	abs_name(d, sizeof(d), domain);
	abs_name(t, sizeof(t), target);
	if (strcmp(verb, "delete") == 0)
		kd_setf(buf, len, "update delete _vlmcs._tcp.%s IN SRV %u %u %u %s",
		    d, prio, weight, port, t);
	else
		kd_setf(buf, len, "update add _vlmcs._tcp.%s %u IN SRV %u %u %u %s",
		    d, (unsigned)ttl, prio, weight, port, t);
}

void
dnscheck_dnscmd(char *buf, size_t len, const char *verb, const char *domain,
    uint32_t ttl, unsigned prio, unsigned weight, unsigned port, const char *target)
{
	char d[KD_DNS_TEXT_MAX], t[KD_DNS_TEXT_MAX];

	/* dnscmd wants the zone without the root dot and a node relative to it. */
	strip_dot(d, sizeof(d), domain);
	abs_name(t, sizeof(t), target);
	if (strcmp(verb, "delete") == 0)
		kd_setf(buf, len, "dnscmd /RecordDelete %s _vlmcs._tcp SRV %u %u %u %s /f",
		    d, prio, weight, port, t);
	else
		kd_setf(buf, len, "dnscmd /RecordAdd %s _vlmcs._tcp %u SRV %u %u %u %s",
		    d, (unsigned)ttl, prio, weight, port, t);
}

/* Split a presentation-form name into labels (escapes kept as written). */
static size_t
split_labels(const char *name, const char **lab, size_t *llen, size_t max)
{
	const char *p = name, *start = name;
	size_t n = 0;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (*p == '.') {
			if (n < max && p > start) {
				lab[n] = start;
				llen[n++] = (size_t)(p - start);
			}
			start = p + 1;
		}
		p++;
	}
	if (p > start && n < max) {
		lab[n] = start;
		llen[n++] = (size_t)(p - start);
	}
	return n;
}

bool
dnscheck_doubled_suffix(const char *name, char *fixed, size_t fixedlen)
{
	const char *lab[DC_MAX_LABELS];
	size_t llen[DC_MAX_LABELS], n, k, i, cut;
	bool same;

	n = split_labels(name, lab, llen, DC_MAX_LABELS);
	for (k = n / 2; k >= 2; k--) {
		same = true;
		for (i = 0; i < k && same; i++) {
			size_t a = n - 2 * k + i, b = n - k + i;

			same = llen[a] == llen[b] &&
			    strncasecmp(lab[a], lab[b], llen[a]) == 0;
		}
		if (!same)
			continue;
		if (fixed != NULL) {
			cut = (size_t)(lab[n - k] - name);
			kd_setf(fixed, fixedlen, "%.*s", (int)cut, name);
		}
		return true;
	}
	return false;
}

/* -------------------------------------------------------------------- */
/* Evidence. */

static json_t *
rec_json(const struct dc_rec *rc)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_string(rc->name));
	json_object_set_new(o, "ttl", json_integer(rc->ttl));
	json_object_set_new(o, "priority", json_integer(rc->priority));
	json_object_set_new(o, "weight", json_integer(rc->weight));
	json_object_set_new(o, "port", json_integer(rc->port));
	json_object_set_new(o, "target", json_string(rc->target));
	json_object_set_new(o, "addresses", rc->addrs != NULL ?
	    json_incref(rc->addrs) : json_array());
	if (rc->t_cname[0] != '\0')
		json_object_set_new(o, "target_cname", json_string(rc->t_cname));
	return o;
}

static json_t *
records_json(const struct dc_domain *dd)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < dd->nrec; i++)
		json_array_append_new(a, rec_json(&dd->rec[i]));
	return a;
}

/* A check about one domain: subject, domain and records set once here. */
static struct kd_check *
dc_add(struct dnscheck *cx, const struct dc_domain *dd, const char *id,
    enum kd_verdict v, const char *detail)
{
	struct kd_check *c;

	c = kd_report_add(cx->r, id, dd->domain, v, "%s", detail);
	kd_check_item(c, "dns");
	kd_check_str(c, "domain", dd->domain);
	kd_check_str(c, "name", dd->qname);
	kd_check_json(c, "records", records_json(dd));
	return c;
}

/*
 * Corrected forms of the records that need changing, as facts: zone
 * lines, nsupdate and dnscmd commands (delete the old, add the new).
 * The correction is the whole record, right in every field (TTL, port,
 * a target expanded twice), whichever check found it wrong: applying any
 * one of the proposed fixes mends the record, and two fixes never undo
 * each other.  Its port is the record's own unless the user declared the
 * port the host listens on (-p): a non-default port where a KMS host may
 * answer is never rewritten on a guess (kmsdiag(7), rule 2); a record of
 * port 0 gets the expected port, since it names no service at all.
 */
/* The user said which port the host listens on (-p): a record that differs is wrong. */
static bool
port_declared(const struct dnscheck_opts *o)
{
	return o->expect_port != DNSCHECK_PORT;
}

static void
add_corrections(struct kd_check *c, const struct dc_domain *dd,
    const struct dc_rec *const *bad, size_t nbad, const struct dnscheck_opts *o)
{
	json_t *zl = json_array(), *nu = json_array(), *dc = json_array();
	char line[2 * KD_DNS_TEXT_MAX + 128], t[KD_DNS_TEXT_MAX];
	uint32_t ttl = o->expect_ttl;
	size_t i;

	for (i = 0; i < nbad; i++) {
		const struct dc_rec *rc = bad[i];
		unsigned p = port_declared(o) || rc->port == 0 ? o->expect_port : rc->port;

		kd_setf(t, sizeof(t), "%s", rc->target);
		dnscheck_doubled_suffix(rc->target, t, sizeof(t));
		dnscheck_zone_line(line, sizeof(line), dd->domain, ttl, rc->priority,
		    rc->weight, p, t);
		json_array_append_new(zl, json_string(line));
		if (i == 0)
			kd_check_fix(c, "%s%s", line, nbad > 1 ? " (and the others in zone_lines)" : "");
		dnscheck_nsupdate(line, sizeof(line), "delete", dd->domain, rc->ttl,
		    rc->priority, rc->weight, rc->port, rc->target);
		json_array_append_new(nu, json_string(line));
		dnscheck_nsupdate(line, sizeof(line), "add", dd->domain, ttl,
		    rc->priority, rc->weight, p, t);
		json_array_append_new(nu, json_string(line));
		dnscheck_dnscmd(line, sizeof(line), "delete", dd->domain, rc->ttl,
		    rc->priority, rc->weight, rc->port, rc->target);
		json_array_append_new(dc, json_string(line));
		dnscheck_dnscmd(line, sizeof(line), "add", dd->domain, ttl,
		    rc->priority, rc->weight, p, t);
		json_array_append_new(dc, json_string(line));
	}
	kd_check_json(c, "zone_lines", zl);
	kd_check_json(c, "nsupdate", nu);
	kd_check_json(c, "dnscmd", dc);
}

/* The record to add when there is none; target is a guess or a placeholder. */
static void
add_new_record(struct kd_check *c, const struct dc_domain *dd, uint32_t ttl,
    unsigned port, const char *target)
{
	char line[2 * KD_DNS_TEXT_MAX + 128], t[KD_DNS_TEXT_MAX];

	if (target != NULL && strcmp(target, ".") != 0)
		kd_setf(t, sizeof(t), "%s", target);
	else
		kd_setf(t, sizeof(t), "KMSHOST.%s", dd->domain);
	dnscheck_zone_line(line, sizeof(line), dd->domain, ttl, 0, 0, port, t);
	kd_check_fix(c, "add %s", line);
	kd_check_json(c, "zone_lines", json_pack("[s]", line));
	dnscheck_nsupdate(line, sizeof(line), "add", dd->domain, ttl, 0, 0, port, t);
	kd_check_json(c, "nsupdate", json_pack("[s]", line));
	dnscheck_dnscmd(line, sizeof(line), "add", dd->domain, ttl, 0, 0, port, t);
	kd_check_json(c, "dnscmd", json_pack("[s]", line));
}

/* -------------------------------------------------------------------- */
/* Lookups. */

static int
rec_cmp(const void *a, const void *b)
{
	const struct dc_rec *x = a, *y = b;
	int c;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	if ((c = strcasecmp(x->target, y->target)) != 0)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

static void	maybe_dns_done(struct dnscheck *);

/* A target's A and AAAA, asked with every other lookup of the run. */
static void
on_target(struct kd_dns_result *ar, enum kd_status st, void *arg)
{
	struct dc_rec *rc = arg;
	struct dnscheck *cx = rc->dd->cx;
	size_t i;

	(void)st;
	cx->pending--;
	rc->t_outcome = ar->outcome;
	rc->t_foreign = ar->nforeign;
	kd_setf(rc->t_err, sizeof(rc->t_err), "%s", ar->diag.msg);
	for (i = 0; i < ar->nrr; i++) {
		const struct kd_dns_rr *x = &ar->rr[i];

		if (x->type == KD_DNS_T_CNAME && kd_dns_name_eq(x->owner, rc->target))
			kd_setf(rc->t_cname, sizeof(rc->t_cname), "%s", x->data);
		else if (x->type == KD_DNS_T_A || x->type == KD_DNS_T_AAAA)
			json_array_append_new(rc->addrs, json_string(x->data));
	}
	/* An alias that ends nowhere still counts as an alias. */
	if (rc->t_cname[0] != '\0' && json_array_size(rc->addrs) == 0 &&
	    rc->t_outcome == KD_DNS_ANSWER)
		rc->t_outcome = KD_DNS_NODATA;
	if (ar->nforeign > 0 && rc->t_err[0] == '\0')
		kd_setf(rc->t_err, sizeof(rc->t_err), "ignored %zu record%s of "
		    "other names (%s)", ar->nforeign, ar->nforeign == 1 ? "" : "s",
		    ar->foreign);
	maybe_dns_done(cx);
}

static void
ask(struct dnscheck *cx, struct kd_dns_req *req)
{
	if (req == NULL)
		cx->r->oom = true;
	else
		cx->pending++;
}

static void
start_targets(struct dnscheck *cx, struct dc_domain *dd)
{
	size_t i;

	for (i = 0; i < dd->nrec; i++) {
		struct dc_rec *rc = &dd->rec[i];

		rc->dd = dd;
		rc->addrs = json_array();
		if (strcmp(rc->target, ".") == 0) {
			rc->t_outcome = KD_DNS_NODATA;
			continue;
		}
		/* A target named twice, here or in another domain, goes on the wire once. */
		ask(cx, kd_dns_start_addrs(cx->eng, rc->target, dd->deadline_ms,
		    on_target, rc));
	}
}

static void	start_near_misses(struct dnscheck *, struct dc_domain *);

static void
on_srv(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct dc_domain *dd = arg;
	struct dnscheck *cx = dd->cx;
	size_t i, n = 0;

	(void)st;
	cx->pending--;
	kd_dns_result_move(&dd->res, res);
	res = &dd->res;
	for (i = 0; i < res->nrr; i++)
		if (res->rr[i].type == KD_DNS_T_SRV)
			n++;
		else if (res->rr[i].type == KD_DNS_T_CNAME &&
		    kd_dns_name_eq(res->rr[i].owner, dd->qname))
			kd_setf(dd->alias, sizeof(dd->alias), "%s", res->rr[i].data);
	if (n > 0 && (dd->rec = calloc(n, sizeof(*dd->rec))) == NULL)
		cx->r->oom = true;
	for (i = 0; dd->rec != NULL && i < res->nrr; i++) {
		const struct kd_dns_rr *x = &res->rr[i];
		struct dc_rec *rc;

		if (x->type != KD_DNS_T_SRV)
			continue;
		rc = &dd->rec[dd->nrec++];
		kd_setf(rc->name, sizeof(rc->name), "%s", x->owner);
		kd_setf(rc->target, sizeof(rc->target), "%s", x->data);
		rc->class = x->class;
		rc->ttl = x->ttl;
		rc->priority = x->priority;
		rc->weight = x->weight;
		rc->port = x->port;
	}
	if (dd->nrec > 0) {
		qsort(dd->rec, dd->nrec, sizeof(*dd->rec), rec_cmp);
		dd->has_record = true;
		start_targets(cx, dd);
	} else if (res->outcome == KD_DNS_NXDOMAIN || res->outcome == KD_DNS_NODATA ||
	    res->outcome == KD_DNS_ANSWER)
		start_near_misses(cx, dd);
	maybe_dns_done(cx);
}

static void
domain_fini(struct dc_domain *dd)
{
	size_t i;

	for (i = 0; i < dd->nrec; i++)
		json_decref(dd->rec[i].addrs);
	free(dd->rec);
	kd_dns_result_fini(&dd->res);
	for (i = 0; i < dd->nnear; i++)
		kd_dns_result_fini(&dd->near[i].res);
}

/* -------------------------------------------------------------------- */
/* The checks. */

static const char *
secs(uint32_t ttl, char *buf, size_t len)
{
	if (ttl != 0 && ttl % 3600 == 0)
		kd_setf(buf, len, "%u s (%u hour%s)", (unsigned)ttl,
		    (unsigned)(ttl / 3600), ttl == 3600 ? "" : "s");
	else if (ttl != 0 && ttl % 60 == 0)
		kd_setf(buf, len, "%u s (%u minute%s)", (unsigned)ttl,
		    (unsigned)(ttl / 60), ttl == 60 ? "" : "s");
	else
		kd_setf(buf, len, "%u s", (unsigned)ttl);
	return buf;
}

struct near_miss {
	const char	*prefix;	/* put before the domain */
	bool		 twice;		/* the domain twice */
	const char	*why;
};

static const struct near_miss near_misses[] = {
	{ "_vlmcs._udp.", false, "named _vlmcs._udp: KMS clients look up _vlmcs._tcp" },
	{ "vlmcs._tcp.", false, "named vlmcs._tcp: the leading underscore is missing" },
	{ "_vlmcs.tcp.", false, "named _vlmcs.tcp: the underscore before tcp is missing" },
	{ "vlmcs.tcp.", false, "named vlmcs.tcp: both underscores are missing" },
	{ "_vlmcs._tcp.", true, "the domain is in the name twice: the owner was "
	    "written without its final dot" },
};

struct near_found {
	json_t	*found;				/* array of misplaced records */
	char	 detail[256];
	char	 target[KD_DNS_TEXT_MAX];	/* first misplaced record's target */
};

static void
on_near(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct dc_near *nm = arg;
	struct dnscheck *cx = nm->dd->cx;

	(void)st;
	kd_dns_result_move(&nm->res, res);
	cx->pending--;
	maybe_dns_done(cx);
}

/* The record is missing: ask where it often ends up instead, all at once. */
static void
start_near_misses(struct dnscheck *cx, struct dc_domain *dd)
{
	struct kd_diag diag;
	char d[KD_DNS_TEXT_MAX];
	const char *parent;
	size_t i, nq = 0;

	abs_name(d, sizeof(d), dd->domain);
	for (i = 0; i < sizeof(near_misses) / sizeof(near_misses[0]); i++) {
		kd_setf(dd->near[nq].name, sizeof(dd->near[nq].name), "%s%s%s",
		    near_misses[i].prefix, d, near_misses[i].twice ? d : "");
		dd->near[nq++].why = near_misses[i].why;
	}
	/* The parent domain, when it is not a top-level domain. */
	if ((parent = strchr(d, '.')) != NULL && strchr(parent + 1, '.') != NULL &&
	    strchr(parent + 1, '.')[1] != '\0') {
		kd_setf(dd->near[nq].name, sizeof(dd->near[nq].name), "_vlmcs._tcp.%s",
		    parent + 1);
		dd->near[nq++].why = "the record is in the parent domain: clients of "
		    "this domain do not look there";
	}
	dd->nnear = nq;
	for (i = 0; i < nq; i++) {
		kd_dns_result_init(&dd->near[i].res);
		if (kd_dns_name_check(dd->near[i].name, &diag) != KD_OK)
			continue;
		dd->near[i].asked = true;
		dd->near[i].dd = dd;
		ask(cx, kd_dns_start(cx->eng, dd->near[i].name, KD_DNS_T_SRV,
		    dd->deadline_ms, on_near, &dd->near[i]));
	}
}

/* What the near-miss lookups found, in the order they are listed. */
static void
find_near_misses(struct dnscheck *cx, struct dc_domain *dd, struct near_found *nf)
{
	size_t i, j;

	(void)cx;
	nf->found = json_array();
	for (i = 0; i < dd->nnear; i++) {
		const struct kd_dns_result *nr = &dd->near[i].res;

		if (!dd->near[i].asked)
			continue;
		/* A server that stops answering will not answer the rest either. */
		if (nr->outcome == KD_DNS_TIMEOUT || nr->outcome == KD_DNS_UNREACHABLE)
			break;
		for (j = 0; j < nr->nrr; j++) {
			const struct kd_dns_rr *x = &nr->rr[j];

			if (x->type != KD_DNS_T_SRV)
				continue;
			json_array_append_new(nf->found, json_pack("{s:s,s:I,s:I,s:I,s:I,s:s,s:s}",
			    "name", x->owner, "ttl", (json_int_t)x->ttl,
			    "priority", (json_int_t)x->priority,
			    "weight", (json_int_t)x->weight, "port", (json_int_t)x->port,
			    "target", x->data, "problem", dd->near[i].why));
			if (nf->detail[0] == '\0') {
				kd_setf(nf->detail, sizeof(nf->detail), "found %s instead: %s",
				    x->owner, dd->near[i].why);
				kd_setf(nf->target, sizeof(nf->target), "%s", x->data);
			}
		}
	}
}

static void
check_exists(struct dnscheck *cx, struct dc_domain *dd)
{
	const struct kd_dns_result *res = &dd->res;
	enum kd_verdict v = KD_V_FAIL;
	struct near_found nf;
	struct kd_check *c;
	char detail[256];
	size_t i;

	memset(&nf, 0, sizeof(nf));
	detail[0] = '\0';
	switch (res->outcome) {
	case KD_DNS_ANSWER:
		if (dd->nrec == 0)
			goto nodata;
		v = KD_V_OK;
		kd_setf(detail, sizeof(detail), "%zu SRV record%s:", dd->nrec,
		    dd->nrec == 1 ? "" : "s");
		for (i = 0; i < dd->nrec; i++)
			kd_appendf(detail, sizeof(detail), "%s %s:%u", i ? "," : "",
			    dd->rec[i].target, (unsigned)dd->rec[i].port);
		break;
	case KD_DNS_NODATA:
	nodata:
		kd_setf(detail, sizeof(detail), "%s exists but has no SRV record (NODATA)%s%s",
		    dd->qname, dd->alias[0] ? "; it is an alias for " : "", dd->alias);
		break;
	case KD_DNS_NXDOMAIN:
		kd_setf(detail, sizeof(detail), "%s does not exist (NXDOMAIN)", dd->qname);
		break;
	case KD_DNS_SERVFAIL:
		kd_setf(detail, sizeof(detail), "the server failed to answer for %s "
		    "(SERVFAIL from %s)", dd->qname, res->server);
		break;
	case KD_DNS_REFUSED:
		kd_setf(detail, sizeof(detail), "the server refused to answer for %s "
		    "(REFUSED from %s)", dd->qname, res->server);
		break;
	case KD_DNS_RCODE:
		kd_setf(detail, sizeof(detail), "error answer %s from %s for %s",
		    kd_dns_rcode_name(res->rcode), res->server, dd->qname);
		break;
	case KD_DNS_NOTZONE:
		v = KD_V_UNKNOWN;
		kd_setf(detail, sizeof(detail), "%s is outside the zone %s: cannot "
		    "check it offline", dd->qname, kd_dns_zone_origin(cx->zone));
		break;
	case KD_DNS_MALFORMED:
		kd_setf(detail, sizeof(detail), "unusable answer from %s: %s",
		    res->server, res->diag.msg);
		break;
	case KD_DNS_TIMEOUT:
		v = KD_V_UNKNOWN;
		kd_setf(detail, sizeof(detail), "no answer from %s within %u ms (timeout)",
		    res->server, cx->dns.timeout_ms);
		break;
	case KD_DNS_UNREACHABLE:
		v = KD_V_UNKNOWN;
		kd_setf(detail, sizeof(detail), "no DNS server answers: %s",
		    res->diag.msg);
		break;
	case KD_DNS_ERROR:
		v = KD_V_UNKNOWN;
		kd_setf(detail, sizeof(detail), "lookup failed: %s", res->diag.msg);
		break;
	}
	/*
	 * Records owned by names the query did not lead to were dropped, as a
	 * stub resolver drops them; a server that sends them is broken or
	 * hostile, and that is worth a warning even when the rest is right.
	 */
	if (res->nforeign > 0) {
		kd_appendf(detail, sizeof(detail), "; ignored %zu record%s of other "
		    "names (%s)", res->nforeign, res->nforeign == 1 ? "" : "s",
		    res->foreign);
		if (v == KD_V_OK)
			v = KD_V_WARN;
	}
	if (v == KD_V_UNKNOWN)
		dd->unknown = true;
	/* Before any kd_report_add: it may move the checks already added. */
	if (v == KD_V_FAIL && (res->outcome == KD_DNS_NXDOMAIN ||
	    res->outcome == KD_DNS_NODATA || res->outcome == KD_DNS_ANSWER))
		find_near_misses(cx, dd, &nf);
	c = dc_add(cx, dd, "srv_exists", v, detail);
	kd_check_str(c, "outcome", kd_dns_outcome_name(res->outcome));
	if (res->nforeign > 0) {
		kd_check_int(c, "ignored_records", (json_int_t)res->nforeign);
		kd_check_str(c, "ignored_example", res->foreign);
	}
	kd_check_str(c, "rcode", kd_dns_rcode_name(res->rcode));
	kd_check_str(c, "server", res->server);
	if (cx->zone == NULL) {
		kd_check_str(c, "transport", res->tcp ? "tcp" : "udp");
		kd_check_bool(c, "truncated", res->truncated);
		kd_check_bool(c, "authoritative", res->aa);
		/* The server answered with EDNS0, or only to a query without it. */
		kd_check_bool(c, "edns", res->edns);
		kd_check_bool(c, "edns_fallback", res->edns_fallback);
	} else
		kd_check_str(c, "zone", cx->o->zone_file);
	if (dd->alias[0] != '\0')
		kd_check_str(c, "alias", dd->alias);
	switch (res->outcome) {
	case KD_DNS_SERVFAIL:
		kd_check_fix(c, "make the server that holds %s load its zone "
		    "(SERVFAIL: zone not loaded, broken delegation or DNSSEC failure)",
		    dd->domain);
		break;
	case KD_DNS_REFUSED:
		kd_check_fix(c, "ask a server that serves %s or allows recursion "
		    "for clients (-s), or allow the query on %s", dd->domain,
		    res->server);
		break;
	case KD_DNS_MALFORMED:
		kd_check_fix(c, "the server at %s sends answers a client cannot use: "
		    "check its software and the zone data for %s", res->server,
		    dd->domain);
		break;
	case KD_DNS_TIMEOUT:
	case KD_DNS_UNREACHABLE:
		kd_check_fix(c, "check that a DNS server runs at %s and that its "
		    "port is open to UDP and TCP, or pick another with -s",
		    res->server);
		break;
	default:
		break;
	}
	if (nf.found != NULL)
		add_new_record(c, dd, cx->o->expect_ttl, cx->o->expect_port,
		    nf.target[0] ? nf.target : NULL);
	if (json_array_size(nf.found) > 0) {
		c = dc_add(cx, dd, "srv_name", KD_V_FAIL, nf.detail);
		kd_check_json(c, "near_misses", nf.found);
		add_new_record(c, dd, cx->o->expect_ttl, cx->o->expect_port, nf.target);
	} else
		json_decref(nf.found);
}

static void
check_name(struct dnscheck *cx, struct dc_domain *dd)
{
	const struct dc_rec *bad[DC_MAX_REC];
	char detail[256], fixed[KD_DNS_TEXT_MAX];
	enum kd_verdict v = KD_V_OK;
	struct kd_check *c;
	size_t i, nbad = 0;

	detail[0] = '\0';
	for (i = 0; i < dd->nrec; i++) {
		const struct dc_rec *rc = &dd->rec[i];

		if (rc->class != KD_DNS_C_IN) {
			v = KD_V_FAIL;
			kd_appendf(detail, sizeof(detail), "%s%s has class %u, not IN",
			    detail[0] ? "; " : "", rc->name, (unsigned)rc->class);
		}
		if (dnscheck_doubled_suffix(rc->target, fixed, sizeof(fixed))) {
			v = KD_V_FAIL;
			bad[nbad++] = rc;
			kd_appendf(detail, sizeof(detail), "%starget %s has the domain twice: "
			    "written without its final dot (meant %s)",
			    detail[0] ? "; " : "", rc->target, fixed);
		}
	}
	if (dd->alias[0] != '\0') {
		if (v == KD_V_OK)
			v = KD_V_WARN;
		kd_appendf(detail, sizeof(detail), "%s%s is an alias (CNAME) for %s: put the "
		    "SRV records at %s itself", detail[0] ? "; " : "", dd->qname,
		    dd->alias, dd->qname);
	}
	if (v == KD_V_OK)
		kd_setf(detail, sizeof(detail), "records are named %s", dd->qname);
	c = dc_add(cx, dd, "srv_name", v, detail);
	if (nbad > 0)
		add_corrections(c, dd, bad, nbad, cx->o);
	else if (dd->alias[0] != '\0')
		kd_check_fix(c, "replace the CNAME %s with the SRV records of %s",
		    dd->qname, dd->alias);
}

static void
check_ttl(struct dnscheck *cx, struct dc_domain *dd)
{
	const struct dc_rec *bad[DC_MAX_REC];
	char detail[256], a[48], e[48];
	uint32_t want = cx->o->expect_ttl;
	struct kd_check *c;
	size_t i, nbad = 0;

	detail[0] = '\0';
	for (i = 0; i < dd->nrec; i++)
		if (dd->rec[i].ttl != want)
			bad[nbad++] = &dd->rec[i];
	if (nbad == 0) {
		kd_setf(detail, sizeof(detail), "TTL %s as expected",
		    secs(want, e, sizeof(e)));
		dc_add(cx, dd, "srv_ttl", KD_V_OK, detail);
		return;
	}
	kd_setf(detail, sizeof(detail), "TTL %s, expected %s",
	    secs(bad[0]->ttl, a, sizeof(a)), secs(want, e, sizeof(e)));
	if (dd->nrec > 1)
		kd_appendf(detail, sizeof(detail), " (%zu of %zu records)", nbad, dd->nrec);
	if (!dd->res.aa && cx->zone == NULL && bad[0]->ttl < want)
		kd_appendf(detail, sizeof(detail), "; the answer is not authoritative, a cache "
		    "may have counted the TTL down: ask the zone's server with -s");
	c = dc_add(cx, dd, "srv_ttl", KD_V_WARN, detail);
	kd_check_int(c, "ttl", bad[0]->ttl);
	kd_check_int(c, "expected_ttl", want);
	add_corrections(c, dd, bad, nbad, cx->o);
}

static void
check_port(struct dnscheck *cx, struct dc_domain *dd)
{
	const struct dc_rec *bad[DC_MAX_REC];
	unsigned want = cx->o->expect_port;
	char detail[256];
	struct kd_check *c;
	size_t i, nbad = 0;

	for (i = 0; i < dd->nrec; i++)
		if (dd->rec[i].port != want)
			bad[nbad++] = &dd->rec[i];
	if (nbad == 0) {
		kd_setf(detail, sizeof(detail), "port %u as expected", want);
		dc_add(cx, dd, "srv_port", KD_V_OK, detail);
		return;
	}
	kd_setf(detail, sizeof(detail), "%s has port %u%s, expected %u",
	    bad[0]->target, (unsigned)bad[0]->port,
	    bad[0]->port == 0 ? " (no service)" : "", want);
	if (nbad > 1)
		kd_appendf(detail, sizeof(detail), " (%zu of %zu records)", nbad, dd->nrec);
	/*
	 * A port other than the default is legitimate where a KMS host listens
	 * (slmgr /sprt): unproven, it is a warning to check, never a rewrite.
	 * Port 0, or a port other than the one the user declared, is wrong.
	 */
	if (bad[0]->port != 0 && !port_declared(cx->o)) {
		kd_appendf(detail, sizeof(detail), "; nothing here shows whether a KMS "
		    "host answers there");
		c = dc_add(cx, dd, "srv_port", KD_V_WARN, detail);
		kd_check_fix(c, "check it: kmsdiag probe %s:%u (or dnscheck --probe); "
		    "declare the port with -p if it is right", bad[0]->target,
		    (unsigned)bad[0]->port);
		kd_check_int(c, "port", bad[0]->port);
		kd_check_int(c, "expected_port", want);
		return;
	}
	c = dc_add(cx, dd, "srv_port", KD_V_FAIL, detail);
	kd_check_int(c, "port", bad[0]->port);
	kd_check_int(c, "expected_port", want);
	add_corrections(c, dd, bad, nbad, cx->o);
}

static void
check_target(struct dnscheck *cx, struct dc_domain *dd)
{
	char detail[256], one[256];
	enum kd_verdict v = KD_V_OK, rv;
	struct kd_check *c;
	json_t *unchecked = json_array();
	size_t i;

	detail[0] = '\0';
	for (i = 0; i < dd->nrec; i++) {
		const struct dc_rec *rc = &dd->rec[i];

		/* Same target as the record before: said already. */
		if (i > 0 && kd_dns_name_eq(rc->target, dd->rec[i - 1].target))
			continue;
		rv = KD_V_OK;
		if (strcmp(rc->target, ".") == 0) {
			rv = KD_V_FAIL;
			kd_setf(one, sizeof(one), "target \".\": the service is "
			    "declared unavailable (RFC 2782)");
		} else if (rc->t_cname[0] != '\0') {
			rv = KD_V_FAIL;
			kd_setf(one, sizeof(one), "%s is an alias (CNAME) for %s; "
			    "RFC 2782 requires a host name with A/AAAA", rc->target,
			    rc->t_cname);
		} else if (rc->t_outcome == KD_DNS_ANSWER) {
			size_t k;

			kd_setf(one, sizeof(one), "%s ->", rc->target);
			for (k = 0; k < json_array_size(rc->addrs); k++)
				kd_appendf(one, sizeof(one), " %s",
				    json_string_value(json_array_get(rc->addrs, k)));
		} else if (rc->t_outcome == KD_DNS_NXDOMAIN ||
		    rc->t_outcome == KD_DNS_NODATA) {
			rv = KD_V_FAIL;
			kd_setf(one, sizeof(one), "%s has no A or AAAA record (%s)",
			    rc->target, rc->t_outcome == KD_DNS_NXDOMAIN ?
			    "NXDOMAIN" : "NODATA");
			if (rc->t_foreign > 0)
				kd_appendf(one, sizeof(one), "; %s", rc->t_err);
		} else if (rc->t_outcome == KD_DNS_NOTZONE) {
			kd_setf(one, sizeof(one), "%s is outside the zone: not "
			    "checked offline", rc->target);
			json_array_append_new(unchecked, json_string(rc->target));
		} else if (rc->t_outcome == KD_DNS_SERVFAIL ||
		    rc->t_outcome == KD_DNS_REFUSED || rc->t_outcome == KD_DNS_RCODE) {
			rv = KD_V_FAIL;
			kd_setf(one, sizeof(one), "%s: the server answered %s",
			    rc->target, kd_dns_outcome_name(rc->t_outcome));
		} else {
			rv = rc->t_outcome == KD_DNS_MALFORMED ? KD_V_FAIL : KD_V_UNKNOWN;
			kd_setf(one, sizeof(one), "%s: %s (%s)", rc->target,
			    kd_dns_outcome_name(rc->t_outcome), rc->t_err);
		}
		if (rv > v)
			v = rv;
		kd_appendf(detail, sizeof(detail), "%s%s", detail[0] ? "; " : "", one);
	}
	c = dc_add(cx, dd, "srv_target", v, detail);
	if (json_array_size(unchecked) > 0)
		kd_check_json(c, "unchecked", unchecked);
	else
		json_decref(unchecked);
	if (v == KD_V_FAIL)
		kd_check_fix(c, "point the record at the KMS host's own name and give "
		    "that name an A and/or AAAA record (no CNAME)");
}

static void
check_policy(struct dnscheck *cx, struct dc_domain *dd)
{
	char detail[256];
	unsigned hosts = 0, lo, nlo = 0;
	struct kd_check *c;
	size_t i;

	/* Records are sorted by priority: the first has the lowest. */
	lo = dd->rec[0].priority;
	for (i = 0; i < dd->nrec; i++) {
		if (i == 0 || !kd_dns_name_eq(dd->rec[i].target, dd->rec[i - 1].target))
			hosts++;
		if (dd->rec[i].priority == lo)
			nlo++;
	}
	if (dd->nrec == 1)
		kd_setf(detail, sizeof(detail), "one host, %s: every client of %s "
		    "activates there", dd->rec[0].target, dd->domain);
	else if (nlo == dd->nrec)
		kd_setf(detail, sizeof(detail), "%zu records, same priority %u: "
		    "Windows 7/2008 R2 and later pick by weight, Vista/2008 at "
		    "random; the activation count is split between the hosts",
		    dd->nrec, lo);
	else
		kd_setf(detail, sizeof(detail), "%zu records, priorities %u to %u: "
		    "Windows 7/2008 R2 and later use %s first, Vista/2008 pick at "
		    "random; the activation count is split between the hosts",
		    dd->nrec, lo, (unsigned)dd->rec[dd->nrec - 1].priority,
		    dd->rec[0].target);
	c = dc_add(cx, dd, "srv_policy", KD_V_OK, detail);
	kd_check_int(c, "hosts", hosts);
	kd_check_bool(c, "count_split", hosts > 1);
}

static void
check_multi(struct dnscheck *cx, struct dc_domain *dd, size_t n)
{
	json_t *ok = json_array(), *missing = json_array(), *unknown = json_array();
	enum kd_verdict v = KD_V_OK;
	char detail[256], subj[256];
	struct kd_check *c;
	size_t i;

	detail[0] = subj[0] = '\0';
	for (i = 0; i < n; i++) {
		kd_appendf(subj, sizeof(subj), "%s%s", i ? "," : "", dd[i].domain);
		if (dd[i].has_record)
			json_array_append_new(ok, json_string(dd[i].domain));
		else if (dd[i].unknown)
			json_array_append_new(unknown, json_string(dd[i].domain));
		else {
			json_array_append_new(missing, json_string(dd[i].domain));
			kd_appendf(detail, sizeof(detail), "%s%s", json_array_size(missing) > 1 ?
			    ", " : "no record in ", dd[i].domain);
		}
	}
	if (json_array_size(missing) > 0)
		v = KD_V_FAIL;
	else if (json_array_size(unknown) > 0) {
		v = KD_V_UNKNOWN;
		kd_setf(detail, sizeof(detail), "%zu of %zu domains could not be checked",
		    json_array_size(unknown), n);
	} else
		kd_setf(detail, sizeof(detail), "all %zu domains have a _vlmcs._tcp record", n);
	c = kd_report_add(cx->r, "multi_domain", subj, v, "%s", detail);
	kd_check_item(c, "dns");
	kd_check_json(c, "domains_ok", ok);
	kd_check_json(c, "domains_missing", missing);
	kd_check_json(c, "domains_unknown", unknown);
	if (v == KD_V_FAIL)
		kd_check_fix(c, "every DNS domain that holds KMS clients needs its own "
		    "_vlmcs._tcp record (see srv_exists for each)");
}

/* -------------------------------------------------------------------- */
/* --probe: every SRV target, with the probe engine, in process. */

/* One address (or, outside a zone file, one name) and port to probe. */
struct dc_ptarget {
	char		 name[KD_DNS_TEXT_MAX];	/* SRV target without the final dot */
	char		 addr[64];		/* "" = resolve name */
	uint16_t	 port;
	json_t		*domains;		/* whose records lead here */
};

struct dc_ptargets {
	struct dc_ptarget	*v;
	size_t			 n, cap;
};

/* Each address and port once, however many records and domains name it. */
static bool
ptarget_add(struct dc_ptargets *t, const char *name, const char *addr, uint16_t port,
    const char *domain)
{
	struct dc_ptarget *x;
	size_t i;

	for (i = 0; i < t->n; i++) {
		x = &t->v[i];
		if (x->port != port || strcmp(x->addr, addr) != 0 ||
		    (addr[0] == '\0' && !kd_dns_name_eq(x->name, name)))
			continue;
		for (size_t k = 0; k < json_array_size(x->domains); k++)
			if (strcmp(json_string_value(json_array_get(x->domains, k)), domain) == 0)
				return true;
		json_array_append_new(x->domains, json_string(domain));
		return true;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 8;
		struct dc_ptarget *nv = realloc(t->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return false;
		t->v = nv;
		t->cap = ncap;
	}
	x = &t->v[t->n];
	memset(x, 0, sizeof(*x));
	strip_dot(x->name, sizeof(x->name), name);
	kd_setf(x->addr, sizeof(x->addr), "%s", addr);
	x->port = port;
	if ((x->domains = json_pack("[s]", domain)) == NULL)
		return false;
	t->n++;
	return true;
}

static void
ptargets_collect(struct dnscheck *cx, const struct dc_domain *dd, size_t n,
    struct dc_ptargets *t)
{
	size_t i, r, k;

	for (i = 0; i < n; i++) {
		for (r = 0; r < dd[i].nrec; r++) {
			const struct dc_rec *rc = &dd[i].rec[r];

			/* Nothing a client could connect to: srv_port/srv_target say why. */
			if (rc->port == 0 || strcmp(rc->target, ".") == 0)
				continue;
			if (rc->t_outcome == KD_DNS_NOTZONE) {
				if (!ptarget_add(t, rc->target, "", rc->port, dd[i].domain))
					cx->r->oom = true;
				continue;
			}
			for (k = 0; k < json_array_size(rc->addrs); k++)
				if (!ptarget_add(t, rc->target,
				    json_string_value(json_array_get(rc->addrs, k)), rc->port,
				    dd[i].domain))
					cx->r->oom = true;
		}
	}
}

static void
ptarget_to_probe(struct probe *p, const struct dc_ptarget *x)
{
	char spec[KD_DNS_TEXT_MAX + 16], why[KD_DNS_TEXT_MAX + 64];
	const char *err = NULL;

	if (x->addr[0] == '\0') {
		kd_setf(spec, sizeof(spec), "%s:%u", x->name, x->port);
		if (probe_add_target(p, spec, &err) == 0)
			return;
		/* Wire text that is no host name (a ':' in a label, ...). */
		kd_setf(why, sizeof(why), "%s cannot be probed: %s", x->name, err);
		probe_add_error(p, x->name, x->port, PROBE_DNS_ERROR, why);
	} else
		probe_add_numeric(p, x->name, x->addr, x->port);
}

/* Which domains lead to this probe result: its target name and port. */
static const struct dc_ptarget *
ptarget_find(const struct dc_ptargets *t, const char *name, json_int_t port)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].port == port && kd_dns_name_eq(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

static void	finish_later(struct dnscheck *);

/* The probe ended: its checks, each with the domains whose records lead there. */
static void
on_probe_done(struct probe *p, void *arg)
{
	struct dnscheck *cx = arg;
	size_t i;

	probe_report(p, cx->r);
	for (i = cx->probe_first; i < cx->r->n; i++) {
		struct kd_check *c = &cx->r->checks[i];
		const struct dc_ptarget *x = ptarget_find(cx->pt,
		    json_string_value(json_object_get(c->facts, "target")) ?
		    json_string_value(json_object_get(c->facts, "target")) : "",
		    json_integer_value(json_object_get(c->facts, "port")));

		if (x == NULL)
			continue;
		kd_check_str(c, "domain", json_string_value(json_array_get(x->domains, 0)));
		kd_check_json(c, "domains", json_deep_copy(x->domains));
	}
	dnscheck_probe_verdicts(cx->r, p, cx->zone != NULL, cx->o->expect_port);
	if (cx->o->site != NULL)
		for (i = 0; i < probe_nresults(p); i++)
			probe_site_result(cx->o->site, probe_opts_of(p), probe_result_at(p, i),
			    (int64_t)time(NULL));
	finish_later(cx);
}

/* Probe every SRV target on the run's loop; false when there is nothing to probe. */
static bool
start_probe(struct dnscheck *cx)
{
	struct probe_opts po;
	size_t i;

	if ((cx->pt = calloc(1, sizeof(*cx->pt))) == NULL) {
		cx->r->oom = true;
		return false;
	}
	ptargets_collect(cx, cx->dd, cx->n, cx->pt);
	if (cx->pt->n == 0)
		return false;
	probe_opts_init(&po);
	po.timeout_ms = cx->dns.timeout_ms;
	po.tcp_only = cx->o->probe_tcp_only;
	if ((cx->probe = probe_new(&po, cx->loop)) == NULL) {
		cx->r->oom = true;
		return false;
	}
	for (i = 0; i < cx->pt->n; i++)
		ptarget_to_probe(cx->probe, &cx->pt->v[i]);
	cx->probe_first = cx->r->n;
	probe_set_callbacks(cx->probe, NULL, on_probe_done, cx);
	if (probe_start(cx->probe) != 0) {
		kd_report_add(cx->r, "probe.target", "probe", KD_V_UNKNOWN,
		    "the probe could not run: out of memory");
		return false;
	}
	return true;
}

/* -------------------------------------------------------------------- */

static int
cannot_run(struct kd_report *r, const char *id, const char *subject,
    const char *detail, const char *fix)
{
	struct kd_check *c;

	c = kd_report_add(r, id, subject, KD_V_UNKNOWN, "%s", detail);
	kd_check_item(c, "dns");
	if (fix != NULL)
		kd_check_fix(c, "%s", fix);
	return -1;
}

/*
 * Every lookup answered (or timed out): the checks, domain by domain in
 * the order given, whatever order the answers came in.
 */
static void
maybe_dns_done(struct dnscheck *cx)
{
	size_t i;

	if (cx->pending > 0 || cx->dns_done)
		return;
	cx->dns_done = true;
	for (i = 0; i < cx->n; i++) {
		struct dc_domain *d = &cx->dd[i];

		if (d->invalid[0] != '\0') {
			d->unknown = true;
			cannot_run(cx->r, "srv_exists", d->domain, d->invalid,
			    "give a domain name within the DNS limits");
			continue;
		}
		check_exists(cx, d);
		if (!d->has_record)
			continue;
		check_name(cx, d);
		check_ttl(cx, d);
		check_port(cx, d);
		check_target(cx, d);
		check_policy(cx, d);
	}
	if (cx->n > 1)
		check_multi(cx, cx->dd, cx->n);
	if (cx->o->probe && start_probe(cx))
		return;
	finish_later(cx);
}

static void
run_free(struct dnscheck *cx)
{
	size_t i;

	if (cx == NULL)
		return;
	if (cx->finish_timer > 0)
		kd_loop_del_timer(cx->loop, cx->finish_timer);
	probe_free(cx->probe);
	kd_dns_free(cx->eng);
	for (i = 0; cx->dd != NULL && i < cx->n; i++)
		domain_fini(&cx->dd[i]);
	free(cx->dd);
	free(cx->list);
	if (cx->pt != NULL) {
		for (i = 0; i < cx->pt->n; i++)
			json_decref(cx->pt->v[i].domains);
		free(cx->pt->v);
		free(cx->pt);
	}
	kd_dns_zone_free(cx->zone);
	free(cx);
}

/*
 * The end, from a timer of its own: never from inside a DNS or probe
 * callback, whose engine the caller's done callback may free.
 */
static int64_t
finish_cb(struct kd_loop *loop, long id, void *arg)
{
	struct dnscheck *cx = arg;
	dnscheck_done_cb *done = cx->done;
	struct kd_report *r = cx->r;
	void *darg = cx->arg;
	int ret = cx->ret;

	(void)loop;
	(void)id;
	cx->finish_timer = 0;
	run_free(cx);
	if (done != NULL)
		done(r, ret, darg);
	return KD_NOMORE;
}

static void
finish_later(struct dnscheck *cx)
{
	if (cx->finish_timer <= 0)
		cx->finish_timer = kd_loop_add_timer(cx->loop, 0, finish_cb, cx);
	if (cx->finish_timer < 0)
		cx->r->oom = true;
}

struct dnscheck *
dnscheck_start(const struct dnscheck_opts *o, struct kd_report *r, struct kd_loop *loop,
    dnscheck_done_cb *done, void *arg)
{
	struct dnscheck *cx;
	struct kd_diag diag;
	size_t i, n = 0, max;
	uint64_t deadline;

	if ((cx = calloc(1, sizeof(*cx))) == NULL)
		return NULL;
	cx->o = o;
	cx->r = r;
	cx->loop = loop;
	cx->done = done;
	cx->arg = arg;
	kd_diag_clear(&diag);
	kd_dns_opts_init(&cx->dns);
	cx->dns.server = o->server;
	cx->dns.timeout_ms = o->timeout_ms ? o->timeout_ms : KD_DNS_TIMEOUT_DEFAULT;
	if (cx->dns.timeout_ms > KD_DNS_TIMEOUT_MAX)
		cx->dns.timeout_ms = KD_DNS_TIMEOUT_MAX;
	cx->dns.tcp = o->tcp;
	cx->dns.resolv_conf = o->resolv_conf;
	if (o->zone_file != NULL) {
		if ((cx->zone = kd_dns_zone_load(o->zone_file, o->origin, &diag)) == NULL) {
			cx->ret = cannot_run(r, "zone_load", o->zone_file, diag.msg,
			    "correct the zone file at the line shown");
			goto later;
		}
		cx->dns.zone = cx->zone;
	}
	max = o->ndomains + 1 + KD_DNS_MAX_SEARCH;
	if ((cx->list = calloc(max, sizeof(*cx->list))) == NULL)
		goto oom;
	for (i = 0; i < o->ndomains; i++)
		cx->list[n++] = o->domains[i];
	if (n == 0 && cx->zone != NULL)
		cx->list[n++] = kd_dns_zone_origin(cx->zone);
	if (n == 0) {
		if (kd_dns_resolv_conf(o->resolv_conf, &cx->rc, &diag) != KD_OK) {
			cx->ret = cannot_run(r, "srv_exists", "resolv.conf", diag.msg,
			    "name the domains to check on the command line");
			goto later;
		}
		for (i = 0; i < cx->rc.nsearch; i++)
			cx->list[n++] = cx->rc.search[i];
		if (n == 0) {
			cx->ret = cannot_run(r, "srv_exists", "resolv.conf",
			    "no domain given and no search or domain line in resolv.conf",
			    "name the domains to check on the command line");
			goto later;
		}
	}
	if ((cx->dd = calloc(n, sizeof(*cx->dd))) == NULL ||
	    (cx->eng = kd_dns_new(loop, &cx->dns)) == NULL)
		goto oom;
	cx->n = n;
	/* One deadline per domain bounds all its lookups: -t means what it says. */
	deadline = kd_now_ms() + cx->dns.timeout_ms;
	for (i = 0; i < n; i++) {
		struct dc_domain *d = &cx->dd[i];

		d->cx = cx;
		d->deadline_ms = deadline;
		kd_dns_result_init(&d->res);
		strip_dot(d->domain, sizeof(d->domain), cx->list[i]);
		if (kd_dns_vlmcs_name(d->domain, d->qname, sizeof(d->qname), &diag) != KD_OK) {
			kd_setf(d->invalid, sizeof(d->invalid), "cannot check %.64s%s: %s",
			    d->domain, strlen(d->domain) > 64 ? "..." : "", diag.msg);
			continue;
		}
		ask(cx, kd_dns_start(cx->eng, d->qname, KD_DNS_T_SRV, deadline, on_srv, d));
	}
	/* Nothing asked (every domain invalid): the checks now, the end from the loop. */
	maybe_dns_done(cx);
	return cx;
oom:
	r->oom = true;
	cx->ret = -1;
later:
	finish_later(cx);
	if (cx->finish_timer < 0) {
		run_free(cx);
		return NULL;
	}
	return cx;
}

void
dnscheck_cancel(struct dnscheck *cx)
{
	run_free(cx);
}

struct sync_run {
	bool	done;
	int	ret;
};

static void
sync_done(struct kd_report *r, int ret, void *arg)
{
	struct sync_run *w = arg;

	(void)r;
	w->done = true;
	w->ret = ret;
}

int
dnscheck_run(const struct dnscheck_opts *o, struct kd_report *r)
{
	struct sync_run w = { false, -1 };
	struct kd_loop *loop;

	if ((loop = kd_loop_new()) == NULL) {
		r->oom = true;
		return -1;
	}
	if (dnscheck_start(o, r, loop, sync_done, &w) == NULL)
		r->oom = true;
	else
		while (!w.done && kd_loop_once(loop, -1) >= 0)
			;
	kd_loop_free(loop);
	return w.ret;
}
