/*
 * The three engines in one kd_loop, feeding the checklist model.
 *
 * A cycle is: DNS checks (when a domain or a zone is given), then probes of
 * the explicit hosts plus every address the SRV records gave.  The capture
 * runs alongside for the whole session.  The DNS checks are operations of
 * the same loop (dnscheck_start), so the screen never waits for a DNS
 * timeout and quitting cancels them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/capsrc.h"
#include "../capture/capture.h"
#include "../dnscheck/dnscheck.h"
#include "../evidence/evidence.h"
#include "loop.h"
#include "privdrop.h"
#include "../probe/probe.h"
#include "../probe/probesite.h"
#include "tui.h"


/* How often the capture's aggregates are folded into the model while packets flow. */
#define CAPTURE_REFRESH_MS	250

/* A DNS check in flight: its options and report live until it is done or cancelled. */
struct tui_dnsjob {
	struct tui_app		*app;
	struct dnscheck		*run;
	struct dnscheck_opts	 opts;
	char			*domains[TUI_MAX_ARGS];
	char			*zone, *origin, *server;
	struct kd_report	 rep;
};

static void	start_probe(struct tui_app *, bool dns);
static void	cycle_maybe_done(struct tui_app *);

static void
changed(struct tui_app *a)
{
	if (a->changed != NULL)
		a->changed(a);
}

/* ------------------------------------------------------------------ */
/* DNS, on the loop. */

static void
dns_job_free(struct tui_dnsjob *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < TUI_MAX_ARGS; i++)
		free(j->domains[i]);
	free(j->zone);
	free(j->origin);
	free(j->server);
	kd_report_fini(&j->rep);
	free(j);
}

static void
on_dns_done(struct kd_report *rep, int ret, void *arg)
{
	struct tui_dnsjob *j = arg;
	struct tui_app *a = j->app;

	(void)rep;
	(void)ret;
	a->dns = NULL;
	tui_model_set_dns(&a->model, &j->rep, a->o.zone != NULL);
	dns_job_free(j);
	changed(a);
	start_probe(a, true);
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
start_dns(struct tui_app *a)
{
	struct tui_dnsjob *j;
	size_t i;

	if (a->dns != NULL)
		return 0;	/* the running one will start the probes */
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	dnscheck_opts_init(&j->opts);
	for (i = 0; i < a->o.ndomains; i++)
		if ((j->domains[i] = strdup(a->o.domains[i])) == NULL)
			goto fail;
	j->opts.domains = (const char *const *)j->domains;
	j->opts.ndomains = a->o.ndomains;
	j->zone = dup_or_null(a->o.zone);
	j->origin = dup_or_null(a->o.origin);
	j->server = dup_or_null(a->o.server);
	j->opts.zone_file = j->zone;
	j->opts.origin = j->origin;
	j->opts.server = j->server;
	j->opts.resolv_conf = a->o.resolv_conf;
	if (a->o.timeout_ms)
		j->opts.timeout_ms = a->o.timeout_ms;
	kd_report_init(&j->rep, DNSCHECK_TOOL);
	j->app = a;
	/* Set first: a run that ends at once calls on_dns_done from the loop, later. */
	a->dns = j;
	if ((j->run = dnscheck_start(&j->opts, &j->rep, a->loop, on_dns_done, j)) == NULL) {
		a->dns = NULL;
		goto fail;
	}
	if (!a->model.have_dns) {
		a->model.dns_pending = true;
		a->model.items[TUI_DNS].pending = true;
		kd_setf(a->model.items[TUI_DNS].reason, sizeof(a->model.items[TUI_DNS].reason),
		    "looking up the SRV records");
		a->model.generation++;
	}
	return 0;
fail:
	dns_job_free(j);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Probes. */

static void
host_key(const struct probe_result *r, char *out, size_t len)
{
	if (r->family == AF_INET6)
		kd_setf(out, len, "[%s]:%u", r->address[0] ? r->address : r->target,
		    r->port);
	else
		kd_setf(out, len, "%s:%u", r->address[0] ? r->address : r->target,
		    r->port);
}

/* A result as it comes: the connect time joins the host's sparkline at once. */
static void
on_probe_result(struct probe *p, const struct probe_result *r, void *arg)
{
	struct tui_app *a = arg;
	struct tui_host *h;
	char key[80];

	(void)p;
	if (r->address[0] == '\0')
		return;
	host_key(r, key, sizeof(key));
	if ((h = tui_model_host(&a->model, key)) == NULL)
		return;
	if (r->state == PROBE_OPEN && r->received > 0)
		tui_host_rtt(h, r->connect_ms);
	a->model.generation++;
	changed(a);
}

static void
on_probe_done(struct probe *p, void *arg)
{
	struct tui_app *a = arg;
	size_t n = probe_nresults(p);
	struct probe_result *res;

	if (!a->probe_running)
		return;
	if ((res = calloc(n + 1, sizeof(*res))) != NULL) {
		for (size_t i = 0; i < n; i++)
			res[i] = *probe_result_at(p, i);
		tui_model_set_probe(&a->model, probe_opts_of(p), res, n);
		free(res);
	}
	a->probe_running = false;
	a->cycle_net_done = true;
	changed(a);
	cycle_maybe_done(a);
}

static void
start_probe(struct tui_app *a, bool dns)
{
	struct probe_opts po;
	const char *errstr;

	if (a->probe != NULL) {
		probe_cancel(a->probe);
		probe_free(a->probe);
		a->probe = NULL;
	}
	a->probe_running = false;
	probe_opts_init(&po);
	po.family = a->o.family;
	po.activate = a->o.activate;
	/* The CMID kmsdiag-probe and doctor use: this machine is one client, always the same. */
	if (po.activate && !probe_machine_cmid("/etc/machine-id", &po.cmid))
		(void)probe_machine_cmid("/var/lib/dbus/machine-id", &po.cmid);
	if (a->o.timeout_ms)
		po.timeout_ms = a->o.timeout_ms;
	if ((a->probe = probe_new(&po, a->loop)) == NULL)
		goto nothing;
	probe_set_callbacks(a->probe, on_probe_result, on_probe_done, a);
	for (size_t i = 0; i < a->o.nhosts; i++)
		if (probe_add_target(a->probe, a->o.hosts[i], &errstr) != 0)
			probe_add_error(a->probe, a->o.hosts[i], PROBE_DEFAULT_PORT,
			    PROBE_ERROR, errstr);
	/* Every SRV record's target, the one way the site makes them. */
	if (dns)
		probe_add_site_targets(a->probe, &a->model.site);
	if (probe_nresults(a->probe) == 0 && a->o.nhosts == 0 && !dns)
		goto nothing;
	a->probe_running = true;
	if (probe_start(a->probe) != 0) {
		a->probe_running = false;
		goto nothing;
	}
	/* Nothing to connect to (SRV gave no address): done already. */
	if (probe_finished(a->probe) && a->probe_running)
		on_probe_done(a->probe, a);
	return;
nothing:
	a->cycle_net_done = true;
	cycle_maybe_done(a);
}

/* ------------------------------------------------------------------ */
/* Capture. */

/* The model's cap_sync: the capture's site with its texts up to date. */
static void
sync_capture(void *cap)
{
	(void)capture_site(cap);
}

static void
capture_refresh(struct tui_app *a)
{
	struct kd_report rep;

	if (a->cap == NULL)
		return;
	kd_report_init(&rep, "kmsdiag-capture");
	/*
	 * The engine reports input errors as events only; they are evidence
	 * too.  Its count, not the events': it passes 20 of each kind.
	 */
	if (a->cap_errors > 0) {
		uint64_t nerr = capture_stats(a->cap)->errors;
		struct kd_check *c = kd_report_add(&rep, "input_error", "", KD_V_WARN,
		    "%llu input error%s; first: %s", (unsigned long long)nerr,
		    nerr == 1 ? "" : "s", a->cap_first_error);

		kd_check_fix(c, "the capture is damaged or cut: what came before the "
		    "error was decoded; re-capture if the part after it matters");
		kd_check_int(c, "errors", (int64_t)nerr);
	}
	tui_model_set_capture(&a->model, capture_site(a->cap), &rep);
	kd_report_fini(&rep);
	a->cap_dirty = false;
	changed(a);
}

static int64_t
capture_timer(struct kd_loop *loop, long id, void *arg)
{
	struct tui_app *a = arg;

	(void)loop;
	(void)id;
	a->cap_timer = 0;
	if (a->cap_dirty)
		capture_refresh(a);
	return KD_NOMORE;
}

static void
capture_dirty(struct tui_app *a)
{
	a->cap_dirty = true;
	if (a->cap_timer == 0)
		a->cap_timer = kd_loop_add_timer(a->loop, CAPTURE_REFRESH_MS,
		    capture_timer, a);
	if (a->cap_timer < 0)
		a->cap_timer = 0;
}

static void
on_capture_event(const struct capture_event *e, void *arg)
{
	struct tui_app *a = arg;
	char line[TUI_LINE], when[40], c[96], h[96], buf[400];
	enum kd_verdict v = KD_V_WARN;
	const struct capture_exchange *ex = NULL;

	switch (e->type) {
	case CE_EXCHANGE:
		ex = e->ex;
		v = ex->verdict == CV_ACTIVATES ? KD_V_OK : ex->verdict == CV_NO_RESPONSE ||
		    ex->verdict == CV_UNDECODABLE ? KD_V_WARN : KD_V_FAIL;

		a->cap_exchanges++;
		/* Time of day first and the verdict early: the panel is narrow. */
		kd_unix_format(ex->req_ts.tv_sec, when, sizeof(when));
		kd_endpoint_format(&ex->client, c, sizeof(c));
		kd_endpoint_format(&ex->host, h, sizeof(h));
		if (ex->have_resp)
			kd_setf(buf, sizeof(buf), "%u/%u %s", ex->resp.count,
			    ex->req.required_count, capture_verdict_name(ex->verdict));
		else
			kd_setf(buf, sizeof(buf), "%s: %s", capture_verdict_name(ex->verdict),
			    ex->reason);
		kd_setf(line, sizeof(line), "%.8s %s %s %s %s > %s", strlen(when) > 11 ?
		    when + 11 : when, ex->have_req ? ex->req.workstation : "?", buf,
		    ex->sku ? ex->sku->name : ex->kmsid ? ex->kmsid->name : "", c, h);
		break;
	case CE_CONNECTION:
		v = e->conn->kind == CC_GAP || e->conn->kind == CC_SNAPLEN ||
		    e->conn->kind == CC_INCOMPLETE || e->conn->kind == CC_EVICTED ||
		    e->conn->kind == CC_LIMIT ? KD_V_WARN : KD_V_FAIL;
		kd_endpoint_format(&e->conn->client, c, sizeof(c));
		kd_endpoint_format(&e->conn->host, h, sizeof(h));
		kd_setf(line, sizeof(line), "packet %llu %s > %s %s: %s",
		    (unsigned long long)e->conn->pkt_no, c, h,
		    capture_conn_kind_name(e->conn->kind), e->conn->detail);
		break;
	default: {
		/* The packet number first: a narrow panel still shows where it was. */
		struct kd_diag d = *e->err;

		d.source = NULL;
		d.pkt_no = 0;
		kd_diag_format(&d, buf, sizeof(buf));
		kd_setf(line, sizeof(line), "%s%.0llu%serror: %s%s%s%s", e->err->pkt_no ?
		    "packet " : "", (unsigned long long)e->err->pkt_no, e->err->pkt_no ?
		    " " : "", buf, e->err->source ? " [" : "", e->err->source ?
		    e->err->source : "", e->err->source ? "]" : "");
		kd_diag_format(e->err, buf, sizeof(buf));
		if (a->cap_errors++ == 0)
			kd_setf(a->cap_first_error, sizeof(a->cap_first_error), "%s", buf);
		break;
	}
	}
	kd_sanitize(line, buf, sizeof(buf));
	tui_model_traffic(&a->model, buf, v, ex);
	capture_dirty(a);
	changed(a);
}

static void
on_capture_end(struct capsrc *src, enum capsrc_end how, void *arg)
{
	struct tui_app *a = arg;

	(void)src;
	(void)how;
	if (!a->cap_running)
		return;
	a->cap_running = false;
	capture_finish(a->cap);
	capture_refresh(a);
	cycle_maybe_done(a);
}

/* ------------------------------------------------------------------ */
/* Cycles. */

static void start_cycle(struct tui_app *);

static int64_t
cycle_timer(struct kd_loop *loop, long id, void *arg)
{
	struct tui_app *a = arg;

	(void)loop;
	(void)id;
	a->cycle_timer = 0;
	if (!a->paused)
		start_cycle(a);
	return KD_NOMORE;
}

static void
start_cycle(struct tui_app *a)
{
	a->cycle_net_done = false;
	if (a->o.ndomains > 0 || a->o.zone != NULL) {
		if (start_dns(a) == 0)
			return;
		kd_setf(a->error, sizeof(a->error), "cannot start the DNS worker");
	}
	start_probe(a, false);
}

static void
cycle_maybe_done(struct tui_app *a)
{
	/* A replayed file is part of the first cycle; live capture never ends. */
	if (!a->cycle_net_done || (a->cap_running && a->o.file != NULL))
		return;
	a->cycle_net_done = false;
	a->cycles++;
	changed(a);
	if (a->o.iterations > 0 && a->cycles >= a->o.iterations) {
		a->quit = true;
		kd_loop_stop(a->loop);
		return;
	}
	if (a->cycle_timer != 0)
		return;
	if (a->o.interval_ms > 0)
		a->cycle_timer = kd_loop_add_timer(a->loop,
		    (uint64_t)a->o.interval_ms, cycle_timer, a);
	else if (a->o.iterations > 1)
		a->cycle_timer = kd_loop_add_timer(a->loop, 0, cycle_timer, a);
	if (a->cycle_timer < 0)
		a->cycle_timer = 0;
}

void
tui_app_rerun(struct tui_app *a)
{
	if (a->dns != NULL)
		return;		/* the running checks start the probes when done */
	if (a->cycle_timer != 0) {
		kd_loop_del_timer(a->loop, a->cycle_timer);
		a->cycle_timer = 0;
	}
	start_cycle(a);
}

void
tui_app_stop_capture(struct tui_app *a)
{
	if (a->src == NULL || !a->cap_running)
		return;
	capsrc_stop(a->src);
	/* In case the source ends on its next loop turn rather than now. */
	if (a->cap_running) {
		a->cap_running = false;
		capture_finish(a->cap);
		capture_refresh(a);
	}
}

void
tui_app_pause(struct tui_app *a, bool paused)
{
	a->paused = paused;
	if (a->src != NULL && !capsrc_live(a->src))
		capsrc_pause(a->src, paused);
	if (!paused && a->cycle_timer == 0 && a->cycles > 0 && a->o.interval_ms > 0)
		a->cycle_timer = kd_loop_add_timer(a->loop,
		    (uint64_t)a->o.interval_ms, cycle_timer, a);
	if (a->cycle_timer < 0)
		a->cycle_timer = 0;
	a->model.generation++;
	changed(a);
}

void
tui_app_status(const struct tui_app *a, char *out, size_t len)
{
	kd_setf(out, len, "%s%s%s%scycle %u%s", a->dns ? "dns " : "",
	    a->probe_running ? "probing " : "", a->cap_running ? "capturing " : "",
	    a->dns || a->probe_running || a->cap_running ? "| " : "", a->cycles,
	    a->paused ? " | PAUSED" : "");
}

int
tui_app_start(struct tui_app *a, const struct tui_opts *o, struct kd_loop *loop)
{
	memset(a, 0, sizeof(*a));
	a->o = *o;
	a->loop = loop;
	tui_model_init(&a->model);
	a->model.declared = o->hosts;
	a->model.ndeclared = o->nhosts;
	if (a->model.traffic == NULL) {
		kd_setf(a->error, sizeof(a->error), "out of memory");
		return -1;
	}
	for (int i = 0; i < TUI_NITEMS; i++)
		if (o->tick[i])
			tui_model_tick(&a->model, (enum tui_item)i, true);
	{
		char suffix[256];

		tui_resolv_suffix(o->resolv_conf ? o->resolv_conf : "/etc/resolv.conf",
		    suffix, sizeof(suffix));
		tui_model_set_suffix(&a->model, suffix);
	}
	if (o->nevidence > 0) {
		struct evidence_opts eo;
		struct ev_set *set;

		evidence_opts_init(&eo);
		if ((set = ev_set_new(&eo)) == NULL) {
			kd_setf(a->error, sizeof(a->error), "out of memory");
			return -1;
		}
		/* A file that cannot be read is a finding of its own, not a stop. */
		for (size_t i = 0; i < o->nevidence; i++)
			ev_set_read(set, o->evidence[i]);
		tui_model_set_evidence(&a->model, set);
	}
	if (o->file != NULL || o->iface != NULL) {
		struct capture_opts co;
		struct capsrc_opts so;
		struct kd_diag d;

		memset(&co, 0, sizeof(co));
		memset(&so, 0, sizeof(so));
		kd_diag_clear(&d);
		for (size_t i = 0; i < o->nports && i < CAPTURE_MAX_PORTS; i++)
			co.ports[co.nports++] = o->ports[i];
		if ((a->cap = capture_new(&co, on_capture_event, a)) == NULL) {
			kd_setf(a->error, sizeof(a->error), "out of memory");
			return -1;
		}
		a->model.cap_sync = sync_capture;
		a->model.cap_arg = a->cap;
		so.ports = co.nports ? co.ports : NULL;
		so.nports = co.nports;
		so.iface = o->iface;
		so.filter = o->filter;
		so.file = o->iface ? NULL : o->file;
		so.speed = o->speed;
		if ((a->src = capsrc_open(&so, a->cap, loop, on_capture_end, a, &d,
		    &a->bad_filter)) == NULL) {
			kd_diag_format(&d, a->error, sizeof(a->error));
			return -1;
		}
		a->cap_running = true;
		/* The decoders never run as root: drop right after opening. */
		if (o->iface != NULL && kd_drop_privileges(o->user, &d) != 0) {
			kd_diag_format(&d, a->error, sizeof(a->error));
			return -1;
		}
	}
	start_cycle(a);
	return 0;
}

void
tui_app_fini(struct tui_app *a)
{
	/* Quitting never waits for a DNS timeout: the checks in flight are cancelled. */
	if (a->dns != NULL) {
		dnscheck_cancel(a->dns->run);
		dns_job_free(a->dns);
		a->dns = NULL;
	}
	if (a->probe != NULL) {
		probe_cancel(a->probe);
		probe_free(a->probe);
	}
	if (a->src != NULL)
		capsrc_close(a->src);
	capture_free(a->cap);
	if (a->cap_timer > 0)
		kd_loop_del_timer(a->loop, a->cap_timer);
	if (a->cycle_timer > 0)
		kd_loop_del_timer(a->loop, a->cycle_timer);
	tui_model_fini(&a->model);
}
