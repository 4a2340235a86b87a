/*
 * A result's verdict is a view of the checklist engine's findings about
 * its host (kd_site_judge), so kmsdiag-probe, doctor, the dashboard and
 * the exporter judge the same evidence the same way.  What stays here:
 * the line that says what was seen (connect and RPC times, the count),
 * and the monitoring thresholds of -w/-c and --count-warning/--count-
 * critical, which are the operator's Nagios ranges, not rules of a site.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "probe.h"
#include "probesite.h"
#include "textf.h"

/* Total response time in seconds: connect + bind + request. */
static double
response_s(const struct probe_result *r)
{
	double ms = r->connect_ms;

	if (r->rpc != PROBE_RPC_NONE)
		ms += r->rpc_ms;
	if (r->act.done)
		ms += r->act.ms;
	return ms / 1000.0;
}

/* What was seen, for a result with nothing wrong: "open (0.03 ms), KMS RPC NDR64 (0.11 ms), count 50/25". */
static void
seen_line(const struct probe_result *r)
{
	struct probe_result *w = (struct probe_result *)r;
	const struct probe_activation *a = &r->act;

	if (r->state != PROBE_OPEN || r->received == 0) {
		kd_setf(w->summary, sizeof(w->summary), "%s: %s", probe_state_name(r->state),
		    r->detail[0] ? r->detail : "no result");
		return;
	}
	kd_setf(w->summary, sizeof(w->summary), "open (%.2f ms)", r->connect_ms);
	if (r->rpc == PROBE_RPC_KMS)
		kd_appendf(w->summary, sizeof(w->summary), ", KMS RPC %s (%.2f ms)",
		    r->rpc_syntax, r->rpc_ms);
	else if (r->rpc != PROBE_RPC_NONE)
		kd_appendf(w->summary, sizeof(w->summary), ", RPC %s", probe_rpc_name(r->rpc));
	if (a->answered && a->verified) {
		kd_appendf(w->summary, sizeof(w->summary), ", count %u/%u", a->count,
		    a->required_count);
		if (a->host_os[0] != '\0')
			kd_appendf(w->summary, sizeof(w->summary), ", host %s", a->host_os);
		if (a->host_key[0] != '\0')
			kd_appendf(w->summary, sizeof(w->summary), ", key %s", a->host_key);
	}
}

/* A monitoring threshold crossed: worse verdict, its line, its item. */
static void
threshold_crossed(struct probe_result *r, enum kd_verdict v, const char *item,
    const char *fix, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
threshold_crossed(struct probe_result *r, enum kd_verdict v, const char *item,
    const char *fix, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (kd_verdict_rank(v) > kd_verdict_rank(r->verdict)) {
		/* It becomes the worst finding: it leads; a finding it outranks follows. */
		char rest[sizeof(r->summary)];

		kd_setf(rest, sizeof(rest), "%s", r->verdict == KD_V_OK ? "" : r->summary);
		kd_setf(r->summary, sizeof(r->summary), "%s%s%s", line,
		    rest[0] ? "; " : "", rest);
		kd_setf(r->fix, sizeof(r->fix), "%s", fix);
		kd_setf(r->item, sizeof(r->item), "%s", item);
		r->verdict = v;
	} else
		kd_appendf(r->summary, sizeof(r->summary), "; %s", line);
}

/*
 * The engine's fix, unless the probe saw more than the site model holds:
 * a bind answer that began and never finished is a stall on the host or
 * the path, not a stopped service.
 */
static void
probe_fix(const struct probe_result *r, const struct kd_finding *f, char *out,
    size_t len)
{
	if (strcmp(f->code, "rpc_silent") == 0 && r->rpc_partial)
		kd_setf(out, len, "the listener began to answer the RPC bind but never "
		    "finished: an overloaded or hung host, a network path that stalls, or a "
		    "tarpit; check the host's load and the path");
	else
		kd_setf(out, len, "%s", f->fix);
}

/*
 * A finding's line without the host it starts with ("kms2.corp.test
 * 127.0.0.1:21789: count 7 < 25" -> "count 7 < 25"): a result is already
 * about one address, and every view prints its endpoint beside it.
 */
static void
set_summary(struct probe_result *r, const char *s)
{
	char ep[300];
	const char *at;
	size_t n;

	if (r->family == AF_INET6)
		kd_setf(ep, sizeof(ep), "[%s]:%u", r->address, r->port);
	else
		kd_setf(ep, sizeof(ep), "%s:%u", r->address[0] ? r->address : r->target,
		    r->port);
	n = strlen(ep);
	if ((at = strstr(s, ep)) != NULL && (at == s || at[-1] == ' ') &&
	    (size_t)(at - s) < 260) {
		if (strncmp(at + n, ": ", 2) == 0)
			s = at + n + 2;
		else if (at[n] == ' ')
			s = at + n + 1;
	}
	kd_setf(r->summary, sizeof(r->summary), "%s", s);
}

static bool
count_finding(const struct kd_finding *f)
{
	return f->item == KD_ITEM_THRESHOLD && (strcmp(f->code, "threshold") == 0 ||
	    strcmp(f->code, "threshold_host") == 0);
}

void
probe_view(const struct probe_opts *o, struct probe_result *r, const struct kd_checklist *cl,
    long host)
{
	const struct probe_activation *a = &r->act;
	const struct kd_finding *worst = NULL;
	enum kd_verdict v;
	size_t i;

	r->summary[0] = r->fix[0] = r->item[0] = '\0';
	/*
	 * The worst finding about this host; the first of equal rank, which
	 * is the earliest item a client meets (the engine groups findings in
	 * checklist order).  With --count-warning/--count-critical the
	 * operator's ranges judge the count instead of the table's threshold.
	 */
	for (i = 0; cl != NULL && host >= 0 && i < cl->nfindings; i++) {
		const struct kd_finding *f = &cl->findings[i];

		if (f->host != host || (o->count_thr_set && count_finding(f)))
			continue;
		if (worst == NULL || kd_verdict_rank(f->verdict) > kd_verdict_rank(worst->verdict))
			worst = f;
	}
	if (worst != NULL && worst->verdict != KD_V_OK) {
		r->verdict = worst->verdict;
		set_summary(r, worst->summary);
		probe_fix(r, worst, r->fix, sizeof(r->fix));
		kd_setf(r->item, sizeof(r->item), "%s", kd_item_id(worst->item));
	} else if (worst == NULL && r->state == PROBE_DNS_ERROR) {
		/*
		 * Not a host: an SRV lookup that found no usable record (no
		 * record, port 0, target "."), judged by the DNS answer itself.
		 */
		r->verdict = KD_V_FAIL;
		kd_setf(r->summary, sizeof(r->summary), "%s", r->detail[0] ? r->detail :
		    "the name does not resolve");
		kd_setf(r->item, sizeof(r->item), "dns");
	} else {
		/* No finding at all (a local error, cancelled): nothing was checked. */
		r->verdict = worst != NULL ? KD_V_OK : KD_V_UNKNOWN;
		seen_line(r);
		if (worst == NULL)
			kd_setf(r->item, sizeof(r->item), "port");
	}
	if (o->count_thr_set && a->answered && a->verified) {
		v = kd_thresholds_eval(&o->count_thr, a->count);
		if (v != KD_V_OK)
			threshold_crossed(r, v, "threshold", "the count is outside the range "
			    "this check was given (--count-warning/--count-critical)",
			    "count %u for %s (%u required) is outside the --count-%s range %s",
			    a->count, a->product, a->required_count,
			    v == KD_V_WARN ? "warning" : "critical",
			    v == KD_V_WARN ? o->count_thr.warn.text : o->count_thr.crit.text);
	}
	if (r->state == PROBE_OPEN && r->received > 0) {
		double secs = response_s(r);

		v = kd_thresholds_eval(&o->time_thr, secs);
		if (v != KD_V_OK)
			threshold_crossed(r, v, "port", "the host answers slowly: check its "
			    "load and the network path", "response time %.3f s is outside "
			    "the -%c range %s", secs, v == KD_V_WARN ? 'w' : 'c',
			    v == KD_V_WARN ? o->time_thr.warn.text : o->time_thr.crit.text);
	}
}

void
probe_verdict(const struct probe_opts *o, struct probe_result *r)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	long h;

	memset(&jo, 0, sizeof(jo));
	jo.default_port = o->default_port;
	jo.activation_asked = o->activate;
	jo.now = (int64_t)time(NULL);
	kd_site_init(&s);
	h = probe_site_result(&s, o, r, jo.now);
	kd_site_judge(&s, &jo, &cl);
	probe_view(o, r, &cl, h);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}
