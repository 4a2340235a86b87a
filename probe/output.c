/*
 * kmsdiag-probe's own renderings of a finished run: the text table and
 * the monitoring-plugins status line.  JSON goes through the shared
 * kd_check_to_json().  These write only to the FILE they are given.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "output.h"
#include "report.h"

static const char *
vcolor(enum kd_verdict v)
{
	return v == KD_V_OK ? "\033[32m" : v == KD_V_WARN ? "\033[33m" :
	    v == KD_V_FAIL ? "\033[31m" : "\033[35m";
}

static void
fmt_ms(char *out, size_t len, bool have, double ms)
{
	if (!have)
		snprintf(out, len, "-");
	else if (ms < 10)
		snprintf(out, len, "%.2fms", ms);
	else
		snprintf(out, len, "%.0fms", ms);
}

/* "192.0.2.1:1688", "[2001:db8::1]:1688", "name:1688" when it never resolved. */
static void
endpoint(const struct probe_result *r, char *out, size_t len)
{
	char t[300];

	if (r->family == AF_INET6)
		snprintf(out, len, "[%s]:%u", r->address, r->port);
	else
		snprintf(out, len, "%s:%u", r->address[0] ? r->address :
		    kd_sanitize(r->target, t, sizeof(t)), r->port);
}

static size_t
maxz(size_t a, size_t b)
{
	return a > b ? a : b;
}

int
probe_emit_table(FILE *fp, const struct probe *p, bool color)
{
	const struct probe_opts *o = probe_opts_of(p);
	size_t i, n = probe_nresults(p), wt = 6, wa = 7;
	char t[300], a[300], c[32], rm[32], cnt[32];
	struct probe_judged jd;

	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);

		wt = maxz(wt, strlen(kd_sanitize(r->target, t, sizeof(t))));
		wa = maxz(wa, strlen(r->address) + (r->family == AF_INET6 ? 2 : 0));
	}
	if (wt > 40)
		wt = 40;
	fprintf(fp, "%-*s  %-*s  %5s  %-11s  %8s  ", (int)wt, "TARGET", (int)wa,
	    "ADDRESS", "PORT", "STATE", "CONNECT");
	/* -n: the connect times of every attempt and the share lost, as ping(8) gives them. */
	if (o->count > 1)
		fprintf(fp, "%8s  %8s  %5s  ", "MIN", "MAX", "LOSS");
	fprintf(fp, "%-8s  %8s  ", "RPC", "RPC_TIME");
	if (o->activate)
		fprintf(fp, "%-7s  ", "COUNT");
	fprintf(fp, "STATUS\n");
	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);
		bool open = r->state == PROBE_OPEN && r->received > 0;

		kd_sanitize(r->target, t, sizeof(t));
		if (r->family == AF_INET6)
			snprintf(a, sizeof(a), "[%s]", r->address);
		else
			snprintf(a, sizeof(a), "%s", r->address[0] ? r->address : "-");
		fmt_ms(c, sizeof(c), open, r->connect_ms);
		fmt_ms(rm, sizeof(rm), r->rpc != PROBE_RPC_NONE && r->rpc != PROBE_RPC_SILENT,
		    r->rpc_ms);
		fprintf(fp, "%-*.*s  %-*s  %5u  %-11s  %8s  ", (int)wt, (int)wt, t,
		    (int)wa, a, r->port, probe_state_name(r->state), c);
		if (o->count > 1) {
			char mn[32], mx[32], loss[16];

			fmt_ms(mn, sizeof(mn), open, r->connect_min_ms);
			fmt_ms(mx, sizeof(mx), open, r->connect_max_ms);
			snprintf(loss, sizeof(loss), "%.0f%%", r->sent ?
			    100.0 * (r->sent - r->received) / r->sent : 0.0);
			fprintf(fp, "%8s  %8s  %5s  ", mn, mx, loss);
		}
		fprintf(fp, "%-8s  %8s  ", r->rpc == PROBE_RPC_NONE ? "-" :
		    probe_rpc_name(r->rpc), rm);
		if (o->activate) {
			if (r->act.answered)
				snprintf(cnt, sizeof(cnt), "%u/%u%s", r->act.count,
				    r->act.required_count, r->act.verified ? "" : "?");
			else
				snprintf(cnt, sizeof(cnt), "-");
			fprintf(fp, "%-7s  ", cnt);
		}
		if (color)
			fprintf(fp, "%s%s\033[0m\n", vcolor(r->verdict), kd_verdict_name(r->verdict));
		else
			fprintf(fp, "%s\n", kd_verdict_name(r->verdict));
	}
	/*
	 * Then each host in words: the worst finding (the STATUS column), what
	 * the host said (ePID, HwId), the fix, and every other problem the
	 * checklist engine found about it.
	 */
	if (probe_judge_run(p, &jd) != 0)
		fprintf(fp, "(out of memory: the findings below may be incomplete)\n");
	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);
		long h = jd.hosts != NULL ? jd.hosts[i] : -1;
		char s[512], f[512], hw[24];
		struct probe_judged one;
		const struct kd_checklist *cl;

		if (r->verdict == KD_V_OK && !o->activate)
			continue;
		endpoint(r, a, sizeof(a));
		kd_sanitize(r->summary, s, sizeof(s));
		fprintf(fp, "%s %s: %s\n", kd_verdict_name(r->verdict), a, s);
		if (r->act.answered)
			fprintf(fp, "    ePID %s (build %u, key group %u, key date %s)%s%s, "
			    "intervals %u/%u min\n", kd_sanitize(r->act.epid, f, sizeof(f)),
			    r->act.host_build, r->act.key_group,
			    r->act.key_date[0] ? r->act.key_date : "?",
			    r->act.has_hwid ? ", HwId " : "", probe_hwid_text(&r->act, hw,
			    sizeof(hw)), r->act.activation_interval, r->act.renewal_interval);
		if (r->fix[0] != '\0' && r->verdict != KD_V_OK)
			fprintf(fp, "    fix: %s\n", kd_sanitize(r->fix, f, sizeof(f)));
		if (h < 0)
			(void)probe_judge_one(o, r, &one, &h);
		cl = jd.hosts != NULL && jd.hosts[i] >= 0 ? &jd.cl : &one.cl;
		for (size_t k = 0; h >= 0 && k < cl->nfindings; k++) {
			const struct kd_finding *x = &cl->findings[k];

			if (x->host != h || x->verdict == KD_V_OK ||
			    strstr(x->summary, r->summary) != NULL)
				continue;
			fprintf(fp, "    also %s [%s] %s\n", kd_verdict_name(x->verdict),
			    kd_item_id(x->item), kd_sanitize(x->summary, s, sizeof(s)));
			if (x->fix[0] != '\0')
				fprintf(fp, "        fix: %s\n", kd_sanitize(x->fix, f, sizeof(f)));
		}
		if (cl == &one.cl)
			probe_judged_fini(&one);
	}
	probe_judged_fini(&jd);
	return ferror(fp) ? -1 : 0;
}

/* perfdata label for one result: plain "time" when there is only one. */
static void
label(char *out, size_t len, const char *base, const struct probe_result *r, size_t n)
{
	if (n == 1)
		snprintf(out, len, "%s", base);
	else if (r->address[0] != '\0')
		snprintf(out, len, "%s_%s_%u", base, r->address, r->port);
	else
		snprintf(out, len, "%s_%s_%u", base, r->target, r->port);
}

int
probe_emit_nagios(FILE *fp, const struct probe *p, const struct kd_report *rep)
{
	const struct probe_opts *o = probe_opts_of(p);
	size_t i, n = probe_nresults(p), nok = 0;
	char perf[4096] = "", summary[1024] = "", lab[320], ep[300];
	double zero = 0, tmax = o->timeout_ms / 1000.0;
	const struct probe_result *worst = NULL;

	for (i = 0; i < n; i++) {
		const struct probe_result *r = probe_result_at(p, i);
		double secs = r->connect_ms;

		if (r->verdict == KD_V_OK)
			nok++;
		/* The one verdict order: UNKNOWN never outranks FAIL. */
		if (worst == NULL || kd_verdict_rank(r->verdict) > kd_verdict_rank(worst->verdict))
			worst = r;
		if (r->state == PROBE_OPEN && r->received > 0) {
			if (r->rpc != PROBE_RPC_NONE)
				secs += r->rpc_ms;
			if (r->act.done)
				secs += r->act.ms;
			label(lab, sizeof(lab), "time", r, n);
			kd_perfdata_append(perf, sizeof(perf), lab, secs / 1000.0, "s",
			    &o->time_thr, &zero, &tmax);
		}
		if (r->act.answered && r->act.verified) {
			struct kd_thresholds def;
			const struct kd_thresholds *th = &o->count_thr;
			char crit[16];
			const char *err;

			if (!o->count_thr_set) {
				snprintf(crit, sizeof(crit), "%u:", r->act.required_count);
				kd_thresholds_set(&def, NULL, crit, &err);
				th = &def;
			}
			label(lab, sizeof(lab), "count", r, n);
			kd_perfdata_append(perf, sizeof(perf), lab, r->act.count, NULL, th,
			    &zero, NULL);
		}
	}
	if (worst != NULL)
		endpoint(worst, ep, sizeof(ep));
	/* The line names the worst address and its port, however many there are. */
	if (worst == NULL)
		snprintf(summary, sizeof(summary), "no target");
	else if (n == 1)
		snprintf(summary, sizeof(summary), "%s: %s", ep, worst->summary);
	else if (nok == n)
		snprintf(summary, sizeof(summary), "%zu of %zu addresses OK", nok, n);
	else
		snprintf(summary, sizeof(summary), "%zu of %zu addresses OK; %s: %s", nok, n, ep,
		    worst->summary);
	return kd_emit_nagios(fp, rep, "KMS", summary, perf);
}
