/*
 * One scrape: run a module against a target into the site model, within
 * the scrape's deadline.  Each call owns its event loop and probe, so the
 * HTTP threads never share engine state; the only shared state is the
 * activation rate limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"
#include "loop.h"
#include "textf.h"
#include "../probe/probe.h"
#include "../probe/probesite.h"

const char *
exp_check_name(enum exp_check c)
{
	switch (c) {
	case EXP_CHECK_TCP:
		return "tcp";
	case EXP_CHECK_RPC:
		return "rpc";
	case EXP_CHECK_ACTIVATE:
		return "activate";
	case EXP_CHECK_SRV:
		return "srv";
	}
	return "?";
}

void
exp_ratelimit_init(struct exp_ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	pthread_mutex_init(&rl->mu, NULL);
}

void
exp_ratelimit_fini(struct exp_ratelimit *rl)
{
	free(rl->e);
	pthread_mutex_destroy(&rl->mu);
}

/* Failed activations are retried like a client does: every 2 hours. */
#define RETRY_FAILED_S		(2 * 3600)
/* A client renews every 7 days unless the host says otherwise. */
#define RENEW_DEFAULT_S		(7 * 24 * 3600)
#define RL_MAX_ENTRIES		4096

/*
 * Claim the right to send an activation request to key now.  false: one
 * was sent less than an interval ago, and *cached holds what it returned.
 */
static bool
rl_claim(struct exp_ratelimit *rl, const char *key, long long now,
    struct exp_rl_entry *cached)
{
	bool ok = true;
	size_t i;

	pthread_mutex_lock(&rl->mu);
	for (i = 0; i < rl->n; i++)
		if (strcmp(rl->e[i].key, key) == 0)
			break;
	if (i < rl->n) {
		if (now - rl->e[i].last < rl->e[i].interval) {
			*cached = rl->e[i];
			ok = false;
		} else
			rl->e[i].last = now;	/* claimed: concurrent scrapes wait */
	} else if (rl->n < RL_MAX_ENTRIES) {
		if (rl->n == rl->cap) {
			size_t ncap = rl->cap ? rl->cap * 2 : 16;
			struct exp_rl_entry *ne = realloc(rl->e, ncap * sizeof(*ne));

			if (ne == NULL) {
				pthread_mutex_unlock(&rl->mu);
				return false;
			}
			rl->e = ne;
			rl->cap = ncap;
		}
		memset(&rl->e[rl->n], 0, sizeof(rl->e[0]));
		snprintf(rl->e[rl->n].key, sizeof(rl->e[0].key), "%s", key);
		rl->e[rl->n].last = now;
		rl->e[rl->n].interval = RETRY_FAILED_S;
		rl->n++;
	} else
		ok = false;	/* a full table refuses rather than forgets */
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

static void
rl_record(struct exp_ratelimit *rl, const char *key, const struct kd_site_count *c,
    const struct kd_site_app *a)
{
	pthread_mutex_lock(&rl->mu);
	for (size_t i = 0; i < rl->n; i++) {
		if (strcmp(rl->e[i].key, key) != 0)
			continue;
		if (c != NULL && c->have_count) {
			rl->e[i].count = *c;
			rl->e[i].have = true;
			if (a != NULL)
				rl->e[i].app = *a;
			rl->e[i].interval = a != NULL && a->renewal_interval > 0 ?
			    (long long)a->renewal_interval * 60 : RENEW_DEFAULT_S;
		} else
			rl->e[i].interval = RETRY_FAILED_S;
		break;
	}
	pthread_mutex_unlock(&rl->mu);
}

struct run {
	struct kd_loop	*loop;
	struct probe	*probe;
	bool		 timed_out;
};

static void
on_done(struct probe *p, void *arg)
{
	struct run *r = arg;

	(void)p;
	kd_loop_stop(r->loop);
}

static int64_t
on_deadline(struct kd_loop *l, long id, void *arg)
{
	struct run *r = arg;

	(void)id;
	r->timed_out = true;
	probe_cancel(r->probe);
	kd_loop_stop(l);
	return KD_NOMORE;
}

static void
run_probe(const struct exp_module *m, const char *target, unsigned deadline_ms,
    struct exp_ratelimit *rl, struct kd_site *site, struct exp_result *res)
{
	struct probe_opts o;
	struct run run = { 0 };
	struct exp_rl_entry cached;
	char key[320];
	const char *errstr = NULL;
	long long now = (long long)time(NULL);
	long *hosts = NULL;

	probe_opts_init(&o);
	o.family = m->family;
	o.default_port = m->port;
	o.timeout_ms = m->timeout_ms < deadline_ms ? m->timeout_ms : deadline_ms;
	o.tcp_only = m->check == EXP_CHECK_TCP;
	if (m->check == EXP_CHECK_ACTIVATE && m->activate) {
		o.product = m->product;
		if (o.product == NULL)
			o.product = kd_sku_find_name("Windows 10/11 Enterprise");
		snprintf(key, sizeof(key), "%s|%s", target,
		    o.product != NULL ? o.product->kms_name : "");
		if (rl_claim(rl, key, now, &cached))
			o.activate = true;
		else
			res->activation_cached = true;
		if (o.activate && !probe_machine_cmid("/etc/machine-id", &o.cmid) &&
		    !probe_machine_cmid("/var/lib/dbus/machine-id", &o.cmid)) {
			snprintf(res->error, sizeof(res->error),
			    "cannot read /etc/machine-id to derive the exporter's CMID");
			rl_record(rl, key, NULL, NULL);
			return;
		}
	}
	if ((run.loop = kd_loop_new()) == NULL || (run.probe = probe_new(&o, run.loop)) == NULL) {
		kd_loop_free(run.loop);
		snprintf(res->error, sizeof(res->error), "out of memory");
		return;
	}
	probe_set_callbacks(run.probe, NULL, on_done, &run);
	if (probe_add_target(run.probe, target, &errstr) != 0) {
		snprintf(res->error, sizeof(res->error), "target %s: %s", target,
		    errstr ? errstr : "invalid");
		goto out;
	}
	kd_loop_add_timer(run.loop, deadline_ms, on_deadline, &run);
	if (probe_start(run.probe) != 0 || kd_loop_run(run.loop) != 0) {
		snprintf(res->error, sizeof(res->error), "probe failed to run");
		goto out;
	}
	if (run.timed_out)
		snprintf(res->error, sizeof(res->error),
		    "deadline of %u ms reached before the check finished", deadline_ms);
	/* The target was named in the scrape: declared, as -H is. */
	if ((hosts = calloc(probe_nresults(run.probe) + 1, sizeof(*hosts))) == NULL) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	probe_site_fill(run.probe, site, (int64_t)now, PROBE_SITE_DECLARED |
	    PROBE_SITE_DONE_ONLY, hosts);
	for (size_t i = 0; i < probe_nresults(run.probe); i++) {
		long h = hosts[i];

		if (h < 0)
			continue;
		if (o.activate) {
			const struct kd_site_count *c = o.product ?
			    kd_site_count(site, h, &o.product->kms_id) : NULL;
			const struct kd_site_app *a = o.product ?
			    kd_site_app(site, h, &o.product->app_id) : NULL;

			rl_record(rl, key, c, a);
		} else if (res->activation_cached && cached.have) {
			struct kd_site_count *c = kd_site_count(site, h, &cached.count.kms_id);
			struct kd_site_app *a = kd_site_app(site, h, &cached.app.app_id);

			if (c != NULL)
				*c = cached.count;
			if (a != NULL)
				*a = cached.app;
		}
	}
out:
	free(hosts);
	probe_free(run.probe);
	kd_loop_free(run.loop);
}

void
exp_check_run(const struct exp_module *m, const char *target, unsigned deadline_ms,
    struct exp_ratelimit *rl, struct kd_site *site, struct kd_checklist *cl,
    struct exp_result *res)
{
	struct kd_judge_opts jo;
	uint64_t t0 = kd_now_ns();

	memset(res, 0, sizeof(*res));
	if (m->check == EXP_CHECK_SRV)
		exp_check_srv(m, target, deadline_ms, site, res);
	else
		run_probe(m, target, deadline_ms, rl, site, res);
	memset(&jo, 0, sizeof(jo));
	jo.default_port = 1688;
	jo.activation_asked = m->check == EXP_CHECK_ACTIVATE;
	jo.now = (int64_t)time(NULL);
	kd_site_judge(site, &jo, cl);
	res->seconds = (double)(kd_now_ns() - t0) / 1e9;
	res->success = res->error[0] == '\0' && !cl->oom;
	if (res->success)
		for (int i = 0; i < KD_NITEMS; i++)
			if (cl->items[i].basis == KD_BASIS_EVIDENCE &&
			    cl->items[i].verdict == KD_V_FAIL)
				res->success = false;
}
