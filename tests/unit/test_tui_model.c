/*
 * The checklist model: checks from the three engines folded into items.
 * Precedence within an item, the engines' item aliases, manual ticks, the
 * exit status, the DNS and capture tables, the traffic ring, and the
 * --report --json lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../capture/capture.h"
#include "../../tui/tui.h"
#include "kdtest.h"

static void
add(struct kd_report *r, const char *id, const char *subject, enum kd_verdict v,
    const char *item, const char *detail, const char *fix)
{
	struct kd_check *c = kd_report_add(r, id, subject, v, "%s", detail);

	kd_check_item(c, item);
	if (fix != NULL)
		kd_check_fix(c, "%s", fix);
}

static void
test_items(void)
{
	KDT_CHECK(tui_item_of("port") == TUI_PORT);
	KDT_CHECK(tui_item_of("dns") == TUI_DNS);
	/* The engines spell some items differently; all land on one item. */
	KDT_CHECK(tui_item_of("hostkey") == TUI_HOSTKEY);
	KDT_CHECK(tui_item_of("host_key") == TUI_HOSTKEY);
	KDT_CHECK(tui_item_of("host_state") == TUI_RPC);
	KDT_CHECK(tui_item_of("rpc") == TUI_RPC);
	KDT_CHECK(tui_item_of("") == TUI_OTHER);
	KDT_CHECK(tui_item_of(NULL) == TUI_OTHER);
	KDT_CHECK(tui_item_of("no-such-item") == TUI_OTHER);
	KDT_CHECK(tui_item_parse("DOMAIN") == TUI_DOMAIN);
	KDT_CHECK(tui_item_parse("bogus") == -1);
	KDT_CHECK(tui_item_manual(TUI_DOMAIN));
	KDT_CHECK(!tui_item_manual(TUI_PORT));
	KDT_STREQ(tui_item_key(TUI_THRESHOLD), "threshold");
}

static void
test_precedence(void)
{
	struct tui_model m;
	struct kd_report probe, dns, cap;
	json_t *ev;

	tui_model_init(&m);
	/* Nothing run yet: every item unknown, status unknown. */
	for (int i = 0; i < TUI_NITEMS; i++)
		KDT_CHECK(!m.items[i].known);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_UNKNOWN);

	kd_report_init(&probe, "kmsdiag-probe");
	add(&probe, "probe.target", "10.0.0.1:1688", KD_V_OK, "port", "open (1.00 ms)", NULL);
	add(&probe, "probe.target", "10.0.0.2:1688", KD_V_FAIL, "port",
	    "filtered: no answer", "allow the flow");
	add(&probe, "probe.target", "10.0.0.3:1688", KD_V_WARN, "port",
	    "2 of 3 attempts failed", NULL);
	tui_model_set_checks(&m, TUI_SRC_PROBE, &probe);
	/* FAIL wins over WARN and OK, whatever the order. */
	KDT_CHECK(m.items[TUI_PORT].known);
	KDT_CHECK(m.items[TUI_PORT].verdict == KD_V_FAIL);
	KDT_CHECK(strstr(m.items[TUI_PORT].reason, "10.0.0.2:1688") != NULL);
	KDT_CHECK(strstr(m.items[TUI_PORT].reason, "filtered") != NULL);
	KDT_STREQ(m.items[TUI_PORT].fix, "allow the flow");
	KDT_STREQ(m.items[TUI_PORT].tool, "kmsdiag-probe");
	KDT_CHECK(m.items[TUI_PORT].nevidence == 3);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_FAIL);
	/* Items nobody reported on stay unknown; the catch-all is OK. */
	KDT_CHECK(!m.items[TUI_DNS].known);
	KDT_CHECK(m.items[TUI_OTHER].known && m.items[TUI_OTHER].verdict == KD_V_OK);

	/* Could-not-check does not hide evidence from another engine. */
	kd_report_init(&dns, "kmsdiag-dnscheck");
	add(&dns, "srv_exists", "corp.test", KD_V_UNKNOWN, "dns", "timeout", NULL);
	tui_model_set_checks(&m, TUI_SRC_DNS, &dns);
	KDT_CHECK(!m.items[TUI_DNS].known);
	KDT_CHECK(strstr(m.items[TUI_DNS].reason, "timeout") != NULL);
	kd_report_init(&cap, "kmsdiag-capture");
	add(&cap, "split_hosts", "Office", KD_V_OK, "dns", "one host", NULL);
	add(&cap, "host_key", "h:1688", KD_V_FAIL, "host_key", "key cannot activate", "ipk");
	add(&cap, "emulator", "h:1688", KD_V_WARN, "host_state", "vlmcsd HwId", NULL);
	add(&cap, "capture_gap", "h:1688", KD_V_WARN, NULL, "bytes missing", NULL);
	tui_model_set_checks(&m, TUI_SRC_CAPTURE, &cap);
	KDT_CHECK(m.items[TUI_DNS].known && m.items[TUI_DNS].verdict == KD_V_OK);
	KDT_CHECK(m.items[TUI_HOSTKEY].verdict == KD_V_FAIL);
	KDT_CHECK(m.items[TUI_RPC].verdict == KD_V_WARN);
	KDT_CHECK(m.items[TUI_OTHER].verdict == KD_V_WARN);
	KDT_STREQ(m.items[TUI_OTHER].tool, "kmsdiag-capture");
	ev = tui_model_evidence(&m, TUI_DNS);
	KDT_CHECK(json_array_size(ev) == 2);
	json_decref(ev);

	/* A newer report replaces the engine's old one entirely. */
	kd_report_fini(&probe);
	kd_report_init(&probe, "kmsdiag-probe");
	add(&probe, "probe.target", "10.0.0.2:1688", KD_V_OK, "port", "open", NULL);
	tui_model_set_checks(&m, TUI_SRC_PROBE, &probe);
	KDT_CHECK(m.items[TUI_PORT].verdict == KD_V_OK);
	KDT_CHECK(m.items[TUI_PORT].nevidence == 1);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_FAIL);	/* host key still fails */

	kd_report_fini(&cap);
	kd_report_init(&cap, "kmsdiag-capture");
	add(&cap, "emulator", "h:1688", KD_V_WARN, "host_state", "vlmcsd HwId", NULL);
	tui_model_set_checks(&m, TUI_SRC_CAPTURE, &cap);
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_WARN);
	KDT_CHECK(!m.items[TUI_HOSTKEY].known);
	kd_report_fini(&probe);
	kd_report_fini(&dns);
	kd_report_fini(&cap);
	tui_model_fini(&m);
}

static void
test_ticks(void)
{
	struct tui_model m;
	struct kd_report r;
	uint64_t g;

	tui_model_init(&m);
	KDT_CHECK(!tui_model_tick(&m, TUI_PORT, true));	/* not a manual item */
	KDT_CHECK(!m.items[TUI_PORT].known);
	g = m.generation;
	KDT_CHECK(tui_model_tick(&m, TUI_DOMAIN, true));
	KDT_CHECK(m.generation != g);
	KDT_CHECK(m.items[TUI_DOMAIN].known && m.items[TUI_DOMAIN].verdict == KD_V_OK);
	KDT_STREQ(m.items[TUI_DOMAIN].tool, "operator");
	KDT_CHECK(tui_model_status(&m) == KD_EXIT_OK);
	/* Evidence against the tick wins over the tick. */
	kd_report_init(&r, "kmsdiag-capture");
	add(&r, "x", "", KD_V_FAIL, "domain", "client has no DNS suffix", NULL);
	tui_model_set_checks(&m, TUI_SRC_CAPTURE, &r);
	KDT_CHECK(m.items[TUI_DOMAIN].verdict == KD_V_FAIL);
	kd_report_fini(&r);
	kd_report_init(&r, "kmsdiag-capture");
	tui_model_set_checks(&m, TUI_SRC_CAPTURE, &r);
	KDT_CHECK(m.items[TUI_DOMAIN].verdict == KD_V_OK);
	KDT_CHECK(tui_model_tick(&m, TUI_DOMAIN, false));
	KDT_CHECK(!m.items[TUI_DOMAIN].known);
	KDT_CHECK(strstr(m.items[TUI_DOMAIN].reason, "space") != NULL);
	kd_report_fini(&r);
	tui_model_fini(&m);
}

static void
test_tables(void)
{
	struct tui_model m;
	struct kd_report r;
	struct kd_check *c;
	struct tui_host *h;
	json_t *sum;
	char bar[16];

	tui_model_init(&m);
	kd_report_init(&r, "kmsdiag-dnscheck");
	c = kd_report_add(&r, "srv_exists", "corp.test", KD_V_OK, "2 records");
	kd_check_item(c, "dns");
	kd_check_json(c, "records", json_pack("[{s:s,s:i,s:i,s:i,s:i,s:s,s:[s,s]},"
	    "{s:s,s:i,s:i,s:i,s:i,s:s,s:[]}]",
	    "name", "_vlmcs._tcp.corp.test.", "ttl", 600, "priority", 0, "weight", 100,
	    "port", 1688, "target", "kms1.corp.test.", "addresses", "192.0.2.1", "2001:db8::1",
	    "name", "_vlmcs._tcp.corp.test.", "ttl", 3600, "priority", 0, "weight", 100,
	    "port", 1689, "target", "kms2.corp.test.", "addresses"));
	tui_model_set_checks(&m, TUI_SRC_DNS, &r);
	KDT_CHECK(m.ndns == 2);
	KDT_STREQ(m.dns[0].target, "kms1.corp.test.");
	KDT_STREQ(m.dns[0].addrs, "192.0.2.1 2001:db8::1");
	KDT_CHECK(m.dns[0].ttl_v == KD_V_WARN && m.dns[0].port_v == KD_V_OK);
	KDT_CHECK(m.dns[1].ttl_v == KD_V_OK && m.dns[1].port_v == KD_V_FAIL);
	kd_report_fini(&r);

	h = tui_model_host(&m, "192.0.2.1:1688");
	KDT_CHECK(h != NULL && h->count == -1 && !h->probed);
	KDT_CHECK(tui_model_host(&m, "192.0.2.1:1688") == h);
	for (int i = 0; i < TUI_SPARK + 5; i++)
		tui_host_rtt(h, i);
	KDT_CHECK(h->nrtt == TUI_SPARK);
	KDT_CHECK(h->rtt[0] == 5 && h->rtt[TUI_SPARK - 1] == TUI_SPARK + 4);

	sum = json_pack("{s:[{s:s,s:s,s:s,s:s,s:i,s:i}],s:[{s:s,s:i,s:i,s:i},"
	    "{s:s,s:i,s:i,s:i}],s:[{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s}]}",
	    "hosts", "host", "192.0.2.1:1688", "epid", "06401-00206-271-000000-03-1033-9600.0000-3652015",
	    "host_os", "Windows Server 2012 R2", "key_group", "Windows Server 2012 R2",
	    "last_count", 2, "exchanges", 8,
	    "products", "name", "Windows 10/11 (Volume)", "distinct_cmids", 6,
	    "required_count", 25, "max_count_returned", 6,
	    "name", "Office 2016 (Volume)", "distinct_cmids", 2, "required_count", 5,
	    "max_count_returned", 2,
	    "clients", "cmid", "df458164-e6d4-4ed4-ad01-5335625970ad", "workstation",
	    "CL-WIN-01", "client", "192.0.2.9:50000", "product", "Windows 10 Education",
	    "license_status", "OOB grace", "requests", 1, "last_seen",
	    "2026-11-25T14:44:39Z", "host", "192.0.2.1:1688");
	KDT_CHECK(sum != NULL);
	tui_model_set_capture_summary(&m, sum);
	json_decref(sum);
	KDT_CHECK(m.nhosts == 1);
	/* The host's bar: the product with the highest threshold. */
	KDT_CHECK(m.hosts[0].count == 6 && m.hosts[0].required == 25);
	KDT_STREQ(m.hosts[0].key_group, "Windows Server 2012 R2");
	KDT_CHECK(m.nproducts == 2 && m.products[1].required == 5);
	KDT_CHECK(m.nclients == 1);
	KDT_STREQ(m.clients[0].workstation, "CL-WIN-01");
	KDT_STREQ(m.clients[0].license, "OOB grace");

	tui_bar(bar, 11, 6, 25);
	KDT_STREQ(bar, "##........");
	tui_bar(bar, 11, 30, 25);
	KDT_STREQ(bar, "##########");
	tui_bar(bar, 11, 0, 25);
	KDT_STREQ(bar, "..........");
	tui_bar(bar, 11, 5, 0);
	KDT_STREQ(bar, "..........");
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
test_report_json(void)
{
	struct tui_model m;
	struct kd_report r;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *fp;
	int items = 0, summaries = 0;

	tui_model_init(&m);
	kd_report_init(&r, "kmsdiag-probe");
	add(&r, "probe.target", "10.0.0.2:1688", KD_V_FAIL, "port", "refused \"x\"\n",
	    "start it");
	tui_model_set_checks(&m, TUI_SRC_PROBE, &r);
	tui_model_tick(&m, TUI_DOMAIN, true);
	fp = open_memstream(&buf, &len);
	tui_model_report_json(fp, &m);
	fclose(fp);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(o, "type"));

		KDT_CHECK(o != NULL && type != NULL);
		if (type != NULL && strcmp(type, "item") == 0) {
			const char *item = json_string_value(json_object_get(o, "item"));

			items++;
			if (strcmp(item, "port") == 0) {
				KDT_STREQ(json_string_value(json_object_get(o, "status")), "fail");
				KDT_CHECK(json_array_size(json_object_get(o, "evidence")) == 1);
				KDT_STREQ(json_string_value(json_object_get(o, "fix")), "start it");
			}
			if (strcmp(item, "domain") == 0)
				KDT_CHECK(json_is_true(json_object_get(o, "ticked")));
			if (strcmp(item, "dns") == 0)
				KDT_STREQ(json_string_value(json_object_get(o, "status")),
				    "unknown");
		} else if (type != NULL && strcmp(type, "summary") == 0) {
			summaries++;
			KDT_CHECK(json_integer_value(json_object_get(o, "exit")) == 2);
		}
		json_decref(o);
	}
	KDT_CHECK(items == TUI_NITEMS);
	KDT_CHECK(summaries == 1);
	free(buf);
	kd_report_fini(&r);
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
	test_precedence();
	test_ticks();
	test_tables();
	test_traffic();
	test_report_json();
	return KDT_DONE("test_tui_model");
}
