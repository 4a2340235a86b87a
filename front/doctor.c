/*
 * kmsdiag doctor: the checklist in one non-interactive run.
 *
 * Steps run in the order a client goes through them (kmsdiag(7), "How
 * a client activates"): find the host in DNS, connect to TCP 1688, bind the
 * KMS RPC interface, and with --activate ask for the count and judge the
 * host key.  The DNS step is the dnscheck engine, the others one run of the
 * probe engine on the SRV targets and the --host targets.  The most likely
 * root cause is the first step that fails in that order: a later failure is
 * usually a consequence (no record, so no host to connect to; no
 * connection, so no RPC).  Items a network check cannot see (client key,
 * domain membership and reboot, clocks) are listed as "check by hand".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "../dnscheck/dnscheck.h"
#include "dnslookup.h"
#include "explain.h"
#include "front.h"
#include "textf.h"
#include "loop.h"
#include "parse.h"
#include "../probe/probe.h"
#include "report.h"
#include "tables.h"

#define PROG		"kmsdiag doctor"
#define TOOL		"kmsdiag-doctor"
#define MAX_ARGS	64

/* Steps in run order; the index is the precedence of the root cause. */
enum { S_DNS, S_PORT, S_RPC, S_THRESHOLD, S_HOSTKEY, S_N };
static const char *const step_item[S_N] = { "dns", "port", "rpc", "threshold", "host_key" };
/* Items only a person can check, listed after the run. */
static const char *const hand_items[] = { "key", "domain", "time" };

#define V_SKIPPED	(-1)

struct step {
	int		 verdict;	/* enum kd_verdict, or V_SKIPPED */
	char		 detail[512];
	char		 fix[256];
	json_t		*evidence;	/* array of the engine's checks as JSON */
	int		 shown;		/* evidence index the detail is about, -1 */
};

struct doctor {
	const char	*domains[MAX_ARGS];
	size_t		 ndomains;
	const char	*hosts[MAX_ARGS];
	size_t		 nhosts;
	const char	*zone, *server, *resolv_conf, *product;
	unsigned	 timeout_ms;
	uint16_t	 port;
	bool		 activate, json, color;
	struct step	 s[S_N];
	char		 local_domain[256];	/* what resolv.conf says, for the by-hand list */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hj] [-d domain]... [-H host[:port]]... [-p port]\n"
	    "                      [-s server[:port]] [-t timeout] [-z zonefile]\n"
	    "                      [--activate] [--product name] [--resolv-conf file]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "The KMS checklist in one run: DNS, then TCP port, then RPC, and with\n"
	    "--activate the count and the host key; each step's verdict and fix,\n"
	    "then the most likely root cause.  Without -d and -H the domains of\n"
	    "resolv.conf are checked, as a client on this machine would.\n"
	    "\n"
	    "      --activate          send one activation request (counts as one client)\n"
	    "  -d, --domain DOMAIN     check _vlmcs._tcp.DOMAIN and probe its hosts (repeatable)\n"
	    "  -H, --host HOST[:PORT]  also probe this host (repeatable)\n"
	    "  -h, --help              this help\n"
	    "  -j, --json              JSON Lines: one object per step, then the root cause\n"
	    "  -p, --port PORT         port the KMS host listens on (default %u)\n"
	    "      --product NAME|SKU  product for --activate (default Windows 10/11 Enterprise)\n"
	    "      --resolv-conf FILE  read FILE instead of /etc/resolv.conf\n"
	    "  -s, --server ADDR[:PORT] DNS server to ask (default: the system resolver)\n"
	    "  -t, --timeout SECONDS   per DNS query and per probe phase (default 3)\n"
	    "  -z, --zone FILE         check the SRV record in a zone file instead of DNS\n"
	    "\n"
	    "Exit: 0 all OK, 1 warnings, 2 a step failed, 3 could not check, 64 usage.\n",
	    PROBE_DEFAULT_PORT);
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kd_usage_vmsg(PROG, fmt, ap);
	va_end(ap);
	usage(stderr);
	return KD_EXIT_USAGE;
}

static void
skip(struct step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
skip(struct step *s, const char *fmt, ...)
{
	va_list ap;

	s->verdict = V_SKIPPED;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
}

/* Worse in kd_report_worst's order: FAIL, UNKNOWN, WARN, OK. */
static bool
worse(int a, int b)
{
	static const int rank[] = { 0, 1, 3, 2 };	/* by verdict: OK WARN FAIL UNKNOWN */

	if (b == V_SKIPPED)
		return a != V_SKIPPED;
	if (a == V_SKIPPED)
		return false;
	return rank[a] > rank[b];
}

/* ---------------------------------------------------------------------- */
/* DNS: the dnscheck engine, then the SRV targets as probe targets. */

static void
step_dns(struct doctor *d, struct kd_report *r)
{
	struct dnscheck_opts o;
	struct step *s = &d->s[S_DNS];
	const struct kd_check *w = NULL;
	size_t i;

	dnscheck_opts_init(&o);
	o.domains = d->domains;
	o.ndomains = d->ndomains;
	o.server = d->server;
	o.zone_file = d->zone;
	o.resolv_conf = d->resolv_conf;
	if (d->timeout_ms)
		o.timeout_ms = d->timeout_ms;
	o.expect_port = d->port;
	dnscheck_run(&o, r);

	s->verdict = (int)kd_report_worst(r);
	for (i = 0; i < r->n; i++) {
		json_array_append_new(s->evidence, kd_check_to_json(r, &r->checks[i]));
		if (w == NULL && r->checks[i].verdict == (enum kd_verdict)s->verdict) {
			w = &r->checks[i];
			s->shown = (int)i;
		}
	}
	if (r->n == 0) {
		s->verdict = KD_V_UNKNOWN;
		kd_setf(s->detail, sizeof(s->detail), "no DNS check could run");
		return;
	}
	if (s->verdict != KD_V_OK && w != NULL) {
		kd_setf(s->detail, sizeof(s->detail), "%s: %s: %s", w->subject, w->id, w->summary);
		kd_setf(s->fix, sizeof(s->fix), "%s", w->fix);
		return;
	}
	/* All good: name what clients will find. */
	for (i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		json_t *recs, *rec;
		size_t k;

		if (strcmp(c->id, "srv_exists") != 0)
			continue;
		kd_appendf(s->detail, sizeof(s->detail), "%s_vlmcs._tcp.%s ->",
		    s->detail[0] ? "; " : "", c->subject);
		recs = json_object_get(c->facts, "records");
		json_array_foreach(recs, k, rec)
			kd_appendf(s->detail, sizeof(s->detail), " %s:%d",
			    json_string_value(json_object_get(rec, "target")),
			    (int)json_integer_value(json_object_get(rec, "port")));
	}
	kd_appendf(s->detail, sizeof(s->detail), " (name, TTL, port and target correct)");
}

/* Every SRV record dnscheck found becomes a probe target, by the addresses it found. */
static size_t
add_srv_targets(struct doctor *d, struct probe *p, const struct kd_report *r)
{
	size_t i, k, a, n = 0;

	for (i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];
		json_t *recs, *rec, *addr;

		if (strcmp(c->id, "srv_exists") != 0 || c->verdict != KD_V_OK)
			continue;
		recs = json_object_get(c->facts, "records");
		json_array_foreach(recs, k, rec) {
			const char *target = json_string_value(json_object_get(rec, "target"));
			uint16_t port = (uint16_t)json_integer_value(json_object_get(rec, "port"));
			json_t *addrs = json_object_get(rec, "addresses");
			char spec[300];

			if (target == NULL || strcmp(target, ".") == 0)
				continue;
			json_array_foreach(addrs, a, addr)
				if (json_string_value(addr) != NULL &&
				    probe_add_numeric(p, target, json_string_value(addr), port) == 0)
					n++;
			if (json_array_size(addrs) > 0)
				continue;
			/* A zone file does not hold names outside its zone: ask the system. */
			if (d->zone != NULL) {
				const char *err;

				kd_setf(spec, sizeof(spec), "%s:%u", target, (unsigned)port);
				if (probe_add_target(p, spec, &err) == 0)
					n++;
			} else if (probe_add_error(p, target, port, PROBE_DNS_ERROR,
			    "the SRV target has no address") == 0)
				n++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/* Port, RPC, count, host key: one probe run, judged step by step. */

static void
result_name(const struct probe_result *res, char *buf, size_t len)
{
	if (res->address[0] == '\0')
		kd_setf(buf, len, "%s:%u", res->target, res->port);
	else if (strcmp(res->target, res->address) == 0)
		kd_setf(buf, len, res->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		    res->address, res->port);
	else
		kd_setf(buf, len, res->family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		    res->target, res->address, res->port);
}

/* Record one address's finding in a step: the first of the worst verdict explains the step. */
static void
note(struct step *s, int v, const char *who, const char *what, const char *fix)
{
	if (s->verdict == V_SKIPPED || worse(v, s->verdict)) {
		s->verdict = v;
		s->fix[0] = '\0';
		if (fix != NULL)
			kd_setf(s->fix, sizeof(s->fix), "%s", fix);
	}
	kd_appendf(s->detail, sizeof(s->detail), "%s%s %s", s->detail[0] ? "; " : "", who, what);
}

/* Why an address gave no count, for the steps that could not be judged. */
static void
stop(char *buf, size_t len, const char *who, const char *what)
{
	kd_appendf(buf, len, "%s%s %s", buf[0] ? "; " : "", who, what);
}

/* Whether the probe's own fix is about this step's item. */
static const char *
fix_for(const struct probe_result *res, const char *item)
{
	return kd_checklist_find(res->item) == kd_checklist_find(item) && res->fix[0] ?
	    res->fix : NULL;
}

static void
judge(struct doctor *d, const struct probe *p)
{
	struct step *port = &d->s[S_PORT], *rpc = &d->s[S_RPC];
	struct step *thr = &d->s[S_THRESHOLD], *hk = &d->s[S_HOSTKEY];
	size_t i, n = probe_nresults(p), open = 0, answered = 0;
	char who[400], what[400], stopped[400] = "";

	for (i = 0; i < n; i++) {
		const struct probe_result *res = probe_result_at(p, i);
		const struct probe_activation *a = &res->act;

		result_name(res, who, sizeof(who));
		if (res->state != PROBE_OPEN || res->received == 0) {
			kd_setf(what, sizeof(what), "%s%s%s", probe_state_name(res->state),
			    res->detail[0] ? ": " : "", res->detail);
			note(port, KD_V_FAIL, who, what, fix_for(res, res->item));
			stop(stopped, sizeof(stopped), who, what);
			continue;
		}
		open++;
		if (res->received < res->sent) {
			kd_setf(what, sizeof(what), "open, but %u of %u attempts failed",
			    res->sent - res->received, res->sent);
			note(port, KD_V_WARN, who, what, fix_for(res, "port"));
		} else {
			kd_setf(what, sizeof(what), "open (%.2f ms)", res->connect_ms);
			note(port, KD_V_OK, who, what, NULL);
		}
		if (res->rpc != PROBE_RPC_KMS) {
			kd_setf(what, sizeof(what), "%s%s%s", probe_rpc_name(res->rpc),
			    res->rpc_detail[0] ? ": " : "", res->rpc_detail);
			note(rpc, KD_V_FAIL, who, what, fix_for(res, "rpc"));
			stop(stopped, sizeof(stopped), who, what);
			continue;
		}
		if (!d->activate) {
			kd_setf(what, sizeof(what), "KMS host (bind accepted, %s)", res->rpc_syntax);
			note(rpc, KD_V_OK, who, what, NULL);
			continue;
		}
		if (a->hresult != 0 && a->hresult != 0xC004F038) {
			/* The host's own error: the error table says which item it is. */
			struct kd_explanation x;
			const char *item;
			struct step *s;
			char code[16];

			kd_explain(a->hresult, &x);
			item = x.nitems > 0 ? x.items[0]->id : "rpc";
			s = strcmp(item, "host_key") == 0 ? hk :
			    strcmp(item, "threshold") == 0 ? thr : rpc;
			kd_setf(what, sizeof(what), "answered %s%s%s", kd_explain_code_str(a->hresult,
			    code, sizeof(code)), x.err && x.err->name[0] ? " " : "",
			    x.err ? x.err->name : "");
			note(s, KD_V_FAIL, who, what, fix_for(res, item));
			kd_appendf(what, sizeof(what), " instead of a count");
			stop(stopped, sizeof(stopped), who, what);
			if (s != rpc)
				note(rpc, KD_V_OK, who, "KMS host (answers activation requests)", NULL);
			continue;
		}
		if (!a->done || (!a->answered && a->hresult == 0) || (a->answered && !a->verified)) {
			kd_setf(what, sizeof(what), "%s", !a->done ? "no activation answer" :
			    a->error[0] ? a->error : a->verify_detail);
			note(rpc, KD_V_FAIL, who, what, fix_for(res, "rpc"));
			stop(stopped, sizeof(stopped), who, what);
			continue;
		}
		answered++;
		note(rpc, KD_V_OK, who, "KMS host (answers activation requests)", NULL);
		if (a->hresult == 0xC004F038 || a->count < a->required_count) {
			kd_setf(what, sizeof(what), "count %u < %u required for %s", a->count,
			    a->required_count, a->product);
			note(thr, KD_V_FAIL, who, what, fix_for(res, "threshold"));
		} else {
			kd_setf(what, sizeof(what), "count %u >= %u required for %s", a->count,
			    a->required_count, a->product);
			note(thr, KD_V_OK, who, what, NULL);
		}
		if (a->can_activate == 0) {
			kd_setf(what, sizeof(what), "key %s cannot activate %s", a->host_key,
			    a->product);
			note(hk, KD_V_FAIL, who, what, fix_for(res, "host_key"));
		} else if (a->can_activate == 1) {
			kd_setf(what, sizeof(what), "key %s covers %s", a->host_key, a->product);
			note(hk, KD_V_OK, who, what, NULL);
		} else {
			kd_setf(what, sizeof(what), "ePID %s: key group not in the table", a->epid);
			note(hk, KD_V_UNKNOWN, who, what, "read the host key with slmgr /dlv on "
			    "the host and compare with the products it must activate");
		}
	}
	if (open == 0)
		skip(rpc, "not checked: no address has its KMS port open");
	if (!d->activate) {
		skip(thr, "not checked: add --activate (this machine then counts as one "
		    "client on the host)");
		skip(hk, "not checked: add --activate to read the host's ePID");
	} else if (answered == 0) {
		/* No count and no ePID: nothing to judge, and the reason is what stopped it. */
		if (thr->verdict == V_SKIPPED)
			skip(thr, "not checked: no host answered with a count: %s", stopped);
		if (hk->verdict == V_SKIPPED)
			skip(hk, "not checked: no host answered with its ePID: %s", stopped);
	}
}

static int
step_probe(struct doctor *d, const struct kd_report *dns, struct kd_report *r,
    const char **errstr)
{
	struct probe_opts o;
	struct kd_loop *l = NULL;
	struct probe *p = NULL;
	size_t i, n = 0;
	int rc = -1;

	probe_opts_init(&o);
	o.default_port = d->port;
	if (d->timeout_ms)
		o.timeout_ms = d->timeout_ms;
	o.activate = d->activate;
	if (d->activate) {
		if (d->product != NULL) {
			struct kd_guid g;

			o.product = kd_guid_parse(&g, d->product) ? kd_sku_find(&g) :
			    kd_sku_find_name(d->product);
		}
		if (!probe_machine_cmid("/etc/machine-id", &o.cmid) &&
		    !probe_machine_cmid("/var/lib/dbus/machine-id", &o.cmid)) {
			*errstr = "--activate: cannot read /etc/machine-id to derive this "
			    "machine's CMID";
			return -1;
		}
	}
	if ((l = kd_loop_new()) == NULL || (p = probe_new(&o, l)) == NULL) {
		*errstr = "out of memory";
		goto out;
	}
	n = add_srv_targets(d, p, dns);
	for (i = 0; i < d->nhosts; i++) {
		if (probe_add_target(p, d->hosts[i], errstr) != 0)
			goto out;
		n++;
	}
	if (n == 0) {
		skip(&d->s[S_PORT], "not checked: DNS gave no host and no --host was given");
		skip(&d->s[S_RPC], "not checked: no host to bind to");
		skip(&d->s[S_THRESHOLD], "not checked: no host to ask");
		skip(&d->s[S_HOSTKEY], "not checked: no host to ask");
		rc = 0;
		goto out;
	}
	if (probe_start(p) != 0 || kd_loop_run(l) != 0) {
		*errstr = strerror(errno);
		goto out;
	}
	probe_report(p, r);
	for (i = 0; i < r->n; i++) {
		json_t *j = kd_check_to_json(r, &r->checks[i]);

		/*
		 * Once, in the first step judged on it: the RPC, count and host
		 * key steps read the same per-address checks.
		 */
		json_array_append_new(d->s[S_PORT].evidence, j);
	}
	judge(d, p);
	rc = 0;
out:
	probe_free(p);
	kd_loop_free(l);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Output. */

static const char *
status_key(int v)
{
	return v == V_SKIPPED ? "skipped" : kd_verdict_key((enum kd_verdict)v);
}

static const char *
status_name(int v)
{
	return v == V_SKIPPED ? "SKIP" : kd_verdict_name((enum kd_verdict)v);
}

static void
print_status(const struct doctor *d, int v)
{
	if (d->color && v != V_SKIPPED)
		printf("%s%-4s\033[0m", kd_verdict_color((enum kd_verdict)v),
		    status_name(v));
	else
		printf("%-4s", status_name(v));
}

static void
emit_step(const struct doctor *d, size_t i)
{
	const struct kd_checklist_item *it = kd_checklist_find(step_item[i]);
	const struct step *s = &d->s[i];
	char clean[1024];

	if (d->json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:O}",
		    "type", "step", "step", it->id, "checklist", (int)it->number,
		    "title", it->title, "status", status_key(s->verdict),
		    "detail", s->detail, "fix", s->fix, "evidence", s->evidence);

		kd_json_line(stdout, o);
		json_decref(o);
		return;
	}
	printf("%u. %-11s ", it->number, it->title);
	print_status(d, s->verdict);
	printf("  %s\n", kd_sanitize(s->detail, clean, sizeof(clean)));
	if (s->fix[0] != '\0' && s->verdict != KD_V_OK && s->verdict != V_SKIPPED)
		printf("   fix: %s\n", kd_sanitize(s->fix, clean, sizeof(clean)));
	/* The DNS step's detail is its worst check; the other problems follow. */
	if (i == S_DNS && s->verdict != KD_V_OK) {
		json_t *c;
		size_t k;

		json_array_foreach(s->evidence, k, c) {
			const char *st = json_string_value(json_object_get(c, "status"));

			if ((int)k == s->shown || st == NULL || strcmp(st, "ok") == 0)
				continue;
			printf("   also: %s %s: %s\n", kd_verdict_name(strcmp(st, "warn") == 0 ?
			    KD_V_WARN : strcmp(st, "fail") == 0 ? KD_V_FAIL : KD_V_UNKNOWN),
			    json_string_value(json_object_get(c, "check")),
			    kd_sanitize(json_string_value(json_object_get(c, "detail")),
			    clean, sizeof(clean)));
		}
	}
}

static void
emit_by_hand(const struct doctor *d)
{
	size_t i;

	if (!d->json)
		printf("\nCheck by hand:\n");
	for (i = 0; i < sizeof(hand_items) / sizeof(hand_items[0]); i++) {
		const struct kd_checklist_item *it = kd_checklist_find(hand_items[i]);
		char detail[512];

		kd_setf(detail, sizeof(detail), "%s", it->by_hand);
		if (strcmp(it->id, "domain") == 0 && d->local_domain[0] != '\0')
			kd_appendf(detail, sizeof(detail), " (this machine's resolv.conf "
			    "domain: %s)", d->local_domain);
		if (d->json) {
			json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}",
			    "type", "step", "step", it->id, "checklist", (int)it->number,
			    "title", it->title, "status", "manual", "detail", detail,
			    "question", it->question);

			kd_json_line(stdout, o);
			json_decref(o);
		} else {
			char clean[1024];

			/* detail quotes resolv.conf's search domain. */
			printf("%u. %-11s %s\n   %s\n", it->number, it->title, it->question,
			    kd_sanitize(detail, clean, sizeof(clean)));
		}
	}
}

static int
emit_root_cause(const struct doctor *d)
{
	int v[S_N], worst = KD_V_OK, idx;
	const struct kd_checklist_item *it = NULL;
	const char *why = "the first failing step in the order a client goes "
	    "through them: DNS, port, RPC, count, host key; later failures usually "
	    "follow from it";
	char detail[700], fix[300], clean[1024];
	size_t i;

	for (i = 0; i < S_N; i++) {
		v[i] = d->s[i].verdict;
		if (worse(v[i], worst))
			worst = v[i];
	}
	idx = kd_root_cause_index(v, S_N);
	if (idx >= 0) {
		it = kd_checklist_find(step_item[idx]);
		kd_setf(detail, sizeof(detail), "%s (checklist item %u): %s", it->title,
		    it->number, d->s[idx].detail);
		kd_setf(fix, sizeof(fix), "%s", d->s[idx].fix);
	} else {
		kd_setf(detail, sizeof(detail), "no fault found in DNS, port and RPC%s: the "
		    "cause is in what only a person can check (client key, domain and "
		    "reboot, clocks)", d->activate ? ", count and host key" : "");
		fix[0] = '\0';
	}
	if (d->json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:o, s:s, s:s, s:s}",
		    "type", "root_cause", "status", status_key(worst),
		    "step", it ? it->id : NULL, "checklist", it ?
		    json_integer(it->number) : json_null(),
		    "detail", detail, "fix", fix, "precedence", why);

		kd_json_line(stdout, o);
		json_decref(o);
	} else {
		printf("\nMost likely root cause: %s\n", kd_sanitize(detail, clean,
		    sizeof(clean)));
		if (fix[0] != '\0')
			printf("   fix: %s\n", kd_sanitize(fix, clean, sizeof(clean)));
		if (idx >= 0)
			printf("   (%s)\n", why);
	}
	return worst;
}

static void
local_domain(struct doctor *d)
{
	struct kd_resolv_conf rc;
	struct kd_diag diag;

	kd_diag_clear(&diag);
	if (kd_dns_resolv_conf(d->resolv_conf, &rc, &diag) == KD_OK && rc.nsearch > 0)
		kd_setf(d->local_domain, sizeof(d->local_domain), "%s", rc.search[0]);
}

/* ---------------------------------------------------------------------- */

enum { OPT_ACTIVATE = 256, OPT_PRODUCT, OPT_RESOLV };

static const struct option longopts[] = {
	{ "activate",	no_argument,		NULL, OPT_ACTIVATE },
	{ "domain",	required_argument,	NULL, 'd' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "host",	required_argument,	NULL, 'H' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "product",	required_argument,	NULL, OPT_PRODUCT },
	{ "resolv-conf", required_argument,	NULL, OPT_RESOLV },
	{ "server",	required_argument,	NULL, 's' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "zone",	required_argument,	NULL, 'z' },
	{ NULL,		0,			NULL, 0 }
};

int
doctor_main(int argc, char **argv)
{
	struct doctor *d;
	struct kd_report dns, pr;
	struct kd_diag diag;
	const char *errstr = NULL;
	char addr[64], q[KD_DNS_TEXT_MAX];
	uint16_t sport;
	long long v;
	size_t i;
	int ch, rc = KD_EXIT_UNKNOWN;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	d->port = PROBE_DEFAULT_PORT;
	kd_report_init(&dns, TOOL);
	kd_report_init(&pr, TOOL);
	/* A step is not OK until evidence says so: each starts as not checked. */
	for (i = 0; i < S_N; i++) {
		d->s[i].verdict = V_SKIPPED;
		d->s[i].evidence = json_array();
		d->s[i].shown = -1;
	}

	opterr = 0;	/* its messages echo arguments unescaped */
	while ((ch = getopt_long(argc, argv, "d:H:hjp:s:t:z:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (d->ndomains == MAX_ARGS) {
				rc = usage_error("too many domains (at most %d)", MAX_ARGS);
				goto out;
			}
			kd_diag_clear(&diag);
			if (kd_dns_vlmcs_name(optarg, q, sizeof(q), &diag) != KD_OK) {
				rc = usage_error("domain %.80s: %s", optarg, diag.msg);
				goto out;
			}
			d->domains[d->ndomains++] = optarg;
			break;
		case 'H':
			if (d->nhosts == MAX_ARGS) {
				rc = usage_error("too many hosts (at most %d)", MAX_ARGS);
				goto out;
			}
			d->hosts[d->nhosts++] = optarg;
			break;
		case 'h':
			help();
			rc = KD_EXIT_OK;
			goto out;
		case 'j':
			d->json = true;
			break;
		case 'p':
			v = kd_parse_num(optarg, 1, 65535, &errstr);
			if (errstr != NULL) {
				rc = usage_error("port %s: %s", optarg, errstr);
				goto out;
			}
			d->port = (uint16_t)v;
			break;
		case 's':
			if (!kd_dns_server_parse(optarg, addr, sizeof(addr), &sport, &errstr)) {
				rc = usage_error("server %s: %s", optarg, errstr);
				goto out;
			}
			d->server = optarg;
			break;
		case 't':
			v = kd_parse_num(optarg, 1, KD_DNS_TIMEOUT_MAX / 1000, &errstr);
			if (errstr != NULL) {
				rc = usage_error("timeout %s: %s", optarg, errstr);
				goto out;
			}
			d->timeout_ms = (unsigned)v * 1000;
			break;
		case 'z':
			d->zone = optarg;
			break;
		case OPT_ACTIVATE:
			d->activate = true;
			break;
		case OPT_PRODUCT:
			d->product = optarg;
			break;
		case OPT_RESOLV:
			d->resolv_conf = optarg;
			break;
		default:
			kd_getopt_error(PROG, argv, "d:H:hjp:s:t:z:", longopts);
			usage(stderr);
			rc = KD_EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		rc = usage_error("unexpected argument \"%.80s\" (domains go with -d, hosts "
		    "with -H)", argv[optind]);
		goto out;
	}
	if (d->zone != NULL && d->server != NULL) {
		rc = usage_error("cannot use --zone and --server");
		goto out;
	}
	if (d->product != NULL) {
		struct kd_guid g;

		if (!d->activate) {
			rc = usage_error("--product needs --activate");
			goto out;
		}
		if ((kd_guid_parse(&g, d->product) ? kd_sku_find(&g) :
		    kd_sku_find_name(d->product)) == NULL) {
			rc = usage_error("product %.80s: not in the product table", d->product);
			goto out;
		}
	}
	for (i = 0; i < d->nhosts; i++) {
		char host[256];
		uint16_t hport;

		if (!probe_parse_target(d->hosts[i], d->port, host, sizeof(host), &hport,
		    &errstr)) {
			rc = usage_error("host %.80s: %s", d->hosts[i], errstr);
			goto out;
		}
	}
	d->color = !d->json && kd_want_color(stdout);
	local_domain(d);

	/* Only --host: the client was pointed at the host by hand, DNS plays no part. */
	if (d->nhosts > 0 && d->ndomains == 0 && d->zone == NULL)
		skip(&d->s[S_DNS], "not checked: hosts given with --host (as with slmgr "
		    "/skms); add --domain to check the SRV record too");
	else
		step_dns(d, &dns);
	if (step_probe(d, &dns, &pr, &errstr) != 0) {
		fprintf(stderr, PROG ": %s\n", errstr);
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	if (!d->json)
		printf("Steps in the order a client meets them; numbers are checklist "
		    "items (kmsdiag(7)).\n");
	for (i = 0; i < S_N; i++)
		emit_step(d, i);
	emit_by_hand(d);
	rc = emit_root_cause(d);
	if (dns.oom || pr.oom)
		rc = KD_EXIT_UNKNOWN;
	if (fflush(stdout) != 0)
		rc = KD_EXIT_UNKNOWN;
out:
	for (i = 0; i < S_N; i++)
		json_decref(d->s[i].evidence);
	kd_report_fini(&dns);
	kd_report_fini(&pr);
	free(d);
	return rc;
}
