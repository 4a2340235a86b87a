/*
 * The dashboard's model: the engines' reports filled into one site and
 * judged by the checklist engine.  Every host reads its own count per
 * counted ID, a step with no evidence is never OK, every domain is listed
 * (with or without a record), the dashboard's own probe is not a client,
 * --report has no key hints, ticks, the traffic ring.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../capture/capsrc.h"
#include "../../capture/capture.h"
#include "../../tui/tui.h"
#include "loop.h"
#include "kdtest.h"

#define EPID	"03612-00206-556-123456-03-1033-17763.0000-3182018"

/* A probe result as the probe engine makes it: open, KMS, and with a count. */
static struct probe_result
answered(const char *addr, uint16_t port, uint32_t count)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.target, sizeof(r.target), "%s", addr);
	snprintf(r.address, sizeof(r.address), "%s", addr);
	r.port = port;
	r.family = AF_INET;
	r.state = PROBE_OPEN;
	r.sent = r.received = 1;
	r.connect_ms = 0.5;
	r.rpc = PROBE_RPC_KMS;
	r.done = true;
	r.act.done = r.act.answered = r.act.verified = true;
	r.act.count = count;
	r.act.required_count = 25;
	r.act.activation_interval = 120;
	r.act.renewal_interval = 10080;
	snprintf(r.act.epid, sizeof(r.act.epid), "%s", EPID);
	snprintf(r.act.product, sizeof(r.act.product), "Windows 10/11 Enterprise");
	snprintf(r.act.cmid, sizeof(r.act.cmid), "11111111-2222-4333-8444-555555555555");
	return r;
}

static void
activating(struct probe_opts *o)
{
	probe_opts_init(o);
	o->activate = true;
	kd_guid_parse(&o->cmid, "11111111-2222-4333-8444-555555555555");
}

static void
test_items(void)
{
	KDT_CHECK(tui_item_parse("port") == TUI_PORT);
	KDT_CHECK(tui_item_parse("host_key") == TUI_HOSTKEY);
	/* The error table's finer names land on their item, once, in the core. */
	KDT_CHECK(tui_item_parse("srv_ttl") == TUI_DNS);
	KDT_CHECK(tui_item_parse("DOMAIN") == TUI_DOMAIN);
	KDT_CHECK(tui_item_parse("bogus") == -1);
	KDT_CHECK(tui_item_manual(TUI_DOMAIN));
	KDT_CHECK(!tui_item_manual(TUI_PORT));
	KDT_STREQ(tui_item_key(TUI_THRESHOLD), "threshold");
	/* One enumeration: the titles are the checklist's. */
	KDT_STREQ(tui_item_title(TUI_HOSTKEY), kd_item_title(KD_ITEM_HOST_KEY));
}

/* Rule 1 in the dashboard: two hosts on two ports, each bar its own count. */
static void
test_hosts_own_count(void)
{
	struct tui_model m;
	struct probe_opts o;
	struct probe_result r[2];
	const struct tui_host *hi = NULL, *lo = NULL;

	tui_model_init(&m);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_UNKNOWN);
	activating(&o);
	r[0] = answered("127.0.0.1", 21788, 50);
	r[1] = answered("127.0.0.1", 21789, 7);
	tui_model_set_probe(&m, &o, r, 2);
	for (size_t i = 0; i < m.nhosts; i++) {
		if (strcmp(m.hosts[i].key, "127.0.0.1:21788") == 0)
			hi = &m.hosts[i];
		if (strcmp(m.hosts[i].key, "127.0.0.1:21789") == 0)
			lo = &m.hosts[i];
	}
	KDT_CHECK(hi != NULL && lo != NULL);
	if (hi == NULL || lo == NULL)
		return;
	KDT_CHECK(hi->count == 50 && hi->required == 25);
	KDT_CHECK(lo->count == 7 && lo->required == 25);
	/* The details read the same numbers as the bar. */
	KDT_CHECK(lo->ncounts == 1 && lo->counts[0].count == 7);
	/* Below beside above: a warning about that host, naming it. */
	KDT_CHECK(m.items[TUI_THRESHOLD].verdict == KD_V_WARN);
	KDT_CHECK(strstr(m.items[TUI_THRESHOLD].reason, "21789") != NULL);
	KDT_CHECK(strstr(m.items[TUI_THRESHOLD].reason, "none reaches") == NULL);
	KDT_STREQ(m.items[TUI_THRESHOLD].tool, "probe");
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_WARN);
	/* A re-run replaces what the last one said. */
	r[1].act.count = 30;
	tui_model_set_probe(&m, &o, r, 2);
	KDT_CHECK(m.items[TUI_THRESHOLD].verdict == KD_V_OK);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_OK);
	tui_model_fini(&m);
}

/* Issue 13 in the dashboard: no answer, no count, no threshold verdict. */
static void
test_no_evidence(void)
{
	struct tui_model m;
	struct probe_opts o;
	struct probe_result r = answered("127.0.0.1", 1, 0);

	tui_model_init(&m);
	activating(&o);
	r.state = PROBE_REFUSED;
	r.received = 0;
	r.rpc = PROBE_RPC_NONE;
	memset(&r.act, 0, sizeof(r.act));
	tui_model_set_probe(&m, &o, &r, 1);
	KDT_CHECK(m.items[TUI_PORT].verdict == KD_V_FAIL);
	KDT_CHECK(!m.items[TUI_THRESHOLD].known);
	KDT_CHECK(m.items[TUI_THRESHOLD].verdict == KD_V_UNKNOWN);
	KDT_CHECK(m.items[TUI_THRESHOLD].reason[0] != '\0');
	KDT_CHECK(!m.items[TUI_HOSTKEY].known);
	KDT_STREQ(tui_item_word(&m.items[TUI_THRESHOLD]), "SKIP");
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_FAIL);
	tui_model_fini(&m);
}

static void
srv_exists(struct kd_report *r, const char *domain, enum kd_verdict v, const char *detail,
    json_t *records)
{
	struct kd_check *c = kd_report_add(r, "srv_exists", domain, v, "%s", detail);

	kd_check_item(c, "dns");
	kd_check_json(c, "records", records);
}

/* The DNS panel lists every domain checked, those without a record too. */
static void
test_dns_domains(void)
{
	struct tui_model m;
	struct kd_report r;
	size_t none = 0, recs = 0;

	tui_model_init(&m);
	kd_report_init(&r, "kmsdiag-dnscheck");
	srv_exists(&r, "corp.test", KD_V_OK, "1 SRV record", json_pack("[{s:s, s:i, s:i, "
	    "s:i, s:i, s:[s]}]", "target", "kms1.corp.test.", "port", 1688, "priority", 0,
	    "weight", 0, "ttl", 3600, "addresses", "192.0.2.10"));
	srv_exists(&r, "missing.test", KD_V_FAIL, "_vlmcs._tcp.missing.test. does not exist "
	    "(NXDOMAIN)", json_array());
	tui_model_set_dns(&m, &r, false);
	KDT_CHECK(r.n == 0);	/* taken over */
	for (size_t i = 0; i < m.ndns; i++) {
		if (m.dnsrecs[i].none) {
			none++;
			KDT_STREQ(m.dnsrecs[i].domain, "missing.test.");
			KDT_CHECK(m.dnsrecs[i].verdict == KD_V_FAIL);
			KDT_CHECK(strstr(m.dnsrecs[i].detail, "NXDOMAIN") != NULL);
		} else {
			recs++;
			KDT_STREQ(m.dnsrecs[i].target, "kms1.corp.test.");
			KDT_STREQ(m.dnsrecs[i].addrs, "192.0.2.10");
		}
	}
	KDT_CHECK(none == 1 && recs == 1);
	KDT_CHECK(m.items[TUI_DNS].verdict == KD_V_FAIL);
	/* The SRV address is a host of the site, not yet probed. */
	KDT_CHECK(m.nhosts == 1 && strcmp(m.hosts[0].key, "192.0.2.10:1688") == 0);
	kd_report_fini(&r);
	tui_model_fini(&m);
}

/* Rule 12: the dashboard's own probe, seen by its own capture, is not a client. */
static void
test_self(void)
{
	struct tui_model m;
	struct probe_opts o;
	struct probe_result r = answered("127.0.0.1", 1688, 50);
	struct kd_report none;
	struct kd_site cs;
	static const char *const who[2][2] = {
		{ "11111111-2222-4333-8444-555555555555", "THIS-MACHINE" },
		{ "aaaaaaaa-2222-4333-8444-555555555555", "PC-01" },
	};
	struct kd_guid kms_id, cmid;
	char addr[32];
	long h;

	tui_model_init(&m);
	activating(&o);
	tui_model_set_probe(&m, &o, &r, 1);
	kd_report_init(&none, "kmsdiag-capture");
	/* What a capture saw: our own request and another client's. */
	kd_site_init(&cs);
	h = kd_site_host(&cs, "127.0.0.1", 1688, KD_SRC_CAPTURE);
	kd_guid_parse(&kms_id, "58e2134f-8e11-4d17-9cb2-91069c151148");
	for (int i = 0; i < 2; i++) {
		long ci;

		kd_guid_parse(&cmid, who[i][0]);
		ci = kd_site_client(&cs, &cmid, &kms_id, NULL);
		KDT_CHECK(ci == i);
		if (ci < 0)
			continue;
		kd_site_client_text(&cs, ci, KD_CT_WORKSTATION, who[i][1]);
		snprintf(addr, sizeof(addr), "192.0.2.%d:50000", 50 + i);
		kd_site_client_text(&cs, ci, KD_CT_ADDR, addr);
		cs.clients[ci].host = h;
		cs.clients[ci].requests = 1;
		cs.clients[ci].required = 25;
		cs.clients[ci].src = KD_SRC_CAPTURE;
	}
	tui_model_set_capture(&m, &cs, &none);
	KDT_CHECK(m.nclients == 1);
	KDT_STREQ(m.nclients ? m.clients[0].workstation : "", "PC-01");
	KDT_STREQ(m.nclients ? m.clients[0].client : "", "192.0.2.51:50000");
	KDT_STREQ(m.nclients ? m.clients[0].host : "", "127.0.0.1:1688");
	/* The product row counts the clients the capture saw, as the host would. */
	KDT_CHECK(m.nproducts == 1 && m.products[0].distinct == 2 &&
	    m.products[0].required == 25);
	/* Whoever filled it (the probe's request, the capture's), our CMID is self. */
	for (size_t i = 0; i < m.site.nclients; i++)
		KDT_CHECK(m.site.clients[i].self == kd_guid_eq(&m.site.clients[i].cmid,
		    &o.cmid));
	kd_report_fini(&none);
	tui_model_fini(&m);
	kd_site_fini(&cs);
}

static void
capture_ignore(const struct capture_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

static void
capture_ended(struct capsrc *src, enum capsrc_end how, void *arg)
{
	(void)src;
	(void)how;
	(void)arg;
}

/* Read a capture file into cap, as the dashboard's capture does. */
static void
feed_file(struct capture *cap, const char *path)
{
	struct capsrc_opts o = { .file = path };
	struct kd_loop *loop = kd_loop_new();
	struct kd_diag err;
	struct capsrc *src;

	src = loop != NULL ? capsrc_open(&o, cap, loop, capture_ended, NULL, &err,
	    NULL) : NULL;
	KDT_CHECK(src != NULL);
	if (src != NULL) {
		kd_loop_run(loop);
		capsrc_close(src);
	}
	kd_loop_free(loop);
}

static void
sync_capture(void *cap)
{
	(void)capture_site(cap);
}

/*
 * The capture goes on between refreshes and the model reads its site on
 * every rebuild: a client first seen since the refresh has its address.
 */
static void
test_capture_between_refreshes(void)
{
	struct tui_model m;
	struct kd_report none;
	struct capture *cap = capture_new(NULL, capture_ignore, NULL);
	size_t n0;

	KDT_CHECK(cap != NULL);
	if (cap == NULL)
		return;
	tui_model_init(&m);
	m.cap_sync = sync_capture;
	m.cap_arg = cap;
	kd_report_init(&none, "kmsdiag-capture");
	feed_file(cap, "fixtures/kms-v6-win10-education.pcap");
	tui_model_set_capture(&m, capture_site(cap), &none);
	n0 = m.site.nclients;
	KDT_CHECK(n0 >= 1);
	feed_file(cap, "fixtures/kms-clientlist-6win-2office2016.pcap");
	/* A rebuild that is not a capture refresh: a tick. */
	KDT_CHECK(tui_model_tick(&m, TUI_DOMAIN, true));
	KDT_CHECK(m.site.nclients > n0);
	for (size_t i = 0; i < m.site.nclients; i++)
		if (!m.site.clients[i].self && m.site.clients[i].addr[0] == '\0')
			KDT_CHECK(!"a capture client without its address");
	kd_report_fini(&none);
	tui_model_fini(&m);
	capture_free(cap);
}

static void
test_ticks_and_report(void)
{
	struct tui_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	tui_model_init(&m);
	KDT_CHECK(!tui_model_tick(&m, TUI_PORT, true));	/* not a manual item */
	KDT_CHECK(!m.items[TUI_DOMAIN].known);
	KDT_STREQ(tui_item_word(&m.items[TUI_DOMAIN]), "MANUAL");
	/* --report has no space bar: no key hint in its text. */
	fp = open_memstream(&buf, &len);
	tui_model_report_text(fp, &m, false);
	fclose(fp);
	KDT_CHECK(buf != NULL && strstr(buf, "space") == NULL);
	KDT_CHECK(buf != NULL && strstr(buf, "7. Domain      MANUAL   ") != NULL);
	free(buf);
	KDT_CHECK(tui_model_tick(&m, TUI_DOMAIN, true));
	KDT_CHECK(m.items[TUI_DOMAIN].known && m.items[TUI_DOMAIN].verdict == KD_V_OK);
	KDT_STREQ(m.items[TUI_DOMAIN].tool, "operator");
	/* A tick alone is judged evidence: OK. */
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_OK);
	KDT_CHECK(tui_model_tick(&m, TUI_DOMAIN, false));
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_UNKNOWN);
	tui_model_fini(&m);
}

static void
test_traffic(void)
{
	struct tui_model m;
	struct capture_exchange ex;
	const struct tui_event *e;
	char line[32];

	tui_model_init(&m);
	memset(&ex, 0, sizeof(ex));
	KDT_CHECK(tui_model_traffic_at(&m, 0) == NULL);
	for (int i = 0; i < TUI_TRAFFIC + 10; i++) {
		snprintf(line, sizeof(line), "exchange %d", i);
		/* Each event keeps its own copy of the exchange. */
		ex.call_id = (uint32_t)i;
		tui_model_traffic(&m, line, i % 2 ? KD_V_OK : KD_V_FAIL, &ex);
	}
	/* Bounded: the oldest lines go, the count keeps going. */
	KDT_CHECK(m.ntraffic == TUI_TRAFFIC);
	KDT_CHECK(m.traffic_total == TUI_TRAFFIC + 10);
	e = tui_model_traffic_at(&m, 0);
	KDT_CHECK(e != NULL);
	KDT_STREQ(e ? e->line : NULL, "exchange 10");
	KDT_CHECK(e && e->verdict == KD_V_FAIL);
	KDT_CHECK(e && e->have_ex && e->ex->call_id == 10);
	snprintf(line, sizeof(line), "exchange %d", TUI_TRAFFIC + 9);
	e = tui_model_traffic_at(&m, TUI_TRAFFIC - 1);
	KDT_STREQ(e ? e->line : NULL, line);
	KDT_CHECK(e && e->verdict == KD_V_OK && e->ex->call_id == TUI_TRAFFIC + 9);
	KDT_CHECK(tui_model_traffic_at(&m, TUI_TRAFFIC) == NULL);
	tui_model_traffic(&m, "no decode", KD_V_WARN, NULL);
	e = tui_model_traffic_at(&m, TUI_TRAFFIC - 1);
	KDT_CHECK(e && !e->have_ex);
	tui_model_fini(&m);
}

static void
test_suffix(void)
{
	struct tui_model m;
	char path[] = "/tmp/kdtui-resolv.XXXXXX", out[64];
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;

	KDT_CHECK(fp != NULL);
	if (fp == NULL)
		return;
	fputs("# comment\nnameserver 127.0.0.1\ndomain old.test\n"
	    "search corp.test example.org\nsearchx not.this\n", fp);
	fclose(fp);
	/* The last domain/search line wins, its first name. */
	tui_resolv_suffix(path, out, sizeof(out));
	KDT_STREQ(out, "corp.test");
	unlink(path);
	tui_resolv_suffix(path, out, sizeof(out));
	KDT_STREQ(out, "");
	tui_model_init(&m);
	tui_model_set_suffix(&m, "corp.test");
	KDT_CHECK(strstr(m.items[TUI_DOMAIN].reason, "corp.test") != NULL);
	KDT_CHECK(!m.items[TUI_DOMAIN].known);
	tui_model_tick(&m, TUI_DOMAIN, true);
	KDT_STREQ(m.items[TUI_DOMAIN].reason, "confirmed by hand");
	tui_model_fini(&m);
}

int
main(void)
{
	test_suffix();
	test_items();
	test_hosts_own_count();
	test_no_evidence();
	test_dns_domains();
	test_self();
	test_ticks_and_report();
	test_traffic();
	test_capture_between_refreshes();
	return KDT_DONE("test_tui_model");
}
