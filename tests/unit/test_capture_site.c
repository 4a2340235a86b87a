/*
 * The site model as the capture fills it (capture/analyze.c), fed with
 * exchanges and packets made here, and judged by the checklist engine:
 * per-application ePIDs on one host, the threshold per host in both
 * orders, an answer that failed its integrity check, a capture with no
 * KMS traffic (exit 3, what was seen instead) and the host cap.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/capture_int.h"
#include "kdtest.h"
#include "site.h"

#define T0	1795600800LL	/* 2026-11-25T10:00:00Z */

static void
noop(const struct capture_event *e, void *arg)
{
	(void)e;
	(void)arg;
}

static void
endpoint(struct kd_endpoint *e, const char *addr, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->af = 4;
	inet_pton(AF_INET, addr, e->addr);
	e->port = port;
}

static unsigned ncmid;

/* What a test may set about the asking client; NULL/0: a new one per call. */
struct asker {
	const char	*addr;
	uint16_t	 port;
	const char	*ws;
	int		 cmid;
};

static void answer_by(struct capture *, const struct asker *, const char *,
    uint16_t, const char *, const char *, uint32_t, bool);

/* A verified v6 answer from host:port for product sku with count. */
static void
answer(struct capture *cap, const char *host, uint16_t port, const char *sku,
    const char *epid, uint32_t count, bool verified)
{
	answer_by(cap, NULL, host, port, sku, epid, count, verified);
}

static void
answer_by(struct capture *cap, const struct asker *who, const char *host,
    uint16_t port, const char *sku, const char *epid, uint32_t count,
    bool verified)
{
	const struct kd_sku *s = kd_sku_find_name(sku);
	const struct kd_kmsid *k = s != NULL ? kd_kmsid_find(&s->kms_id) : NULL;
	struct capture_exchange ex;

	if (s == NULL || k == NULL)
		abort();
	memset(&ex, 0, sizeof(ex));
	endpoint(&ex.client, "192.0.2.200", (uint16_t)(50000 + ncmid));
	endpoint(&ex.host, host, port);
	ex.req_pkt = ex.resp_pkt = 1 + ncmid;
	ex.req_ts.tv_sec = ex.resp_ts.tv_sec = T0 + ncmid;
	ex.have_req = ex.have_resp = true;
	ex.req.major = ex.resp.major = 6;
	ex.req.app_id = s->app_id;
	ex.req.sku_id = s->id;
	ex.req.kms_id = s->kms_id;
	ex.req.cmid.b[0] = (uint8_t)ncmid;
	ex.req.cmid.b[1] = (uint8_t)(ncmid >> 8);
	ex.req.cmid.b[6] = 0x40;
	ncmid++;
	ex.req.required_count = k->min_clients;
	ex.req.client_time = kd_filetime_from_unix(ex.req_ts.tv_sec, 0);
	snprintf(ex.req.workstation, sizeof(ex.req.workstation), "PC-%u", ncmid);
	if (who != NULL) {
		endpoint(&ex.client, who->addr, who->port);
		memset(&ex.req.cmid, 0, sizeof(ex.req.cmid));
		ex.req.cmid.b[0] = (uint8_t)who->cmid;
		ex.req.cmid.b[6] = 0x40;
		snprintf(ex.req.workstation, sizeof(ex.req.workstation), "%s",
		    who->ws);
	}
	snprintf(ex.resp.epid, sizeof(ex.resp.epid), "%s", epid);
	ex.resp.count = count;
	ex.resp.has_hwid = true;
	ex.resp.verified = verified;
	if (!verified)
		snprintf(ex.resp.verify_detail, sizeof(ex.resp.verify_detail),
		    "HMAC mismatch");
	finalize_exchange(cap, &ex);
	analyze_exchange(cap, &ex);
	cap->stats.exchanges++;
}

static const struct kd_finding *
finding(const struct kd_checklist *cl, const char *code)
{
	for (size_t i = 0; i < cl->nfindings; i++)
		if (strcmp(cl->findings[i].code, code) == 0)
			return &cl->findings[i];
	return NULL;
}

#define WIN_EPID "03612-00206-560-123456-03-1033-17763.0000-3302024"
#define OFC_EPID "03612-00206-670-654321-03-1033-17763.0000-3302024"
#define KMS2_EPID "03612-00206-561-222222-03-1033-17763.0000-3302024"

/* Rule 9: one host, Windows and Office, one ePID each; not an emulator sign. */
static void
test_epid_per_application(void)
{
	struct capture *cap = capture_new(NULL, noop, NULL);
	const struct kd_site *s = capture_site(cap);

	answer(cap, "192.0.2.10", 1688, "Windows 10/11 Enterprise", WIN_EPID, 50, true);
	answer(cap, "192.0.2.10", 1688, "Office Professional Plus 2019", OFC_EPID, 10,
	    true);
	KDT_CHECK(s->nhosts == 1 && s->hosts[0].napps == 2 && s->hosts[0].ncounts == 2);
	KDT_STREQ(s->hosts[0].apps[0].epid, WIN_EPID);
	KDT_STREQ(s->hosts[0].apps[1].epid, OFC_EPID);
	KDT_CHECK((s->hosts[0].signs & KD_SIGN_EPID_CHANGED) == 0);
	KDT_CHECK(s->hosts[0].apps[0].has_hwid && s->hosts[0].answers == 2);
	capture_free(cap);
}

/* Rule 1: 8/25 on one host and 50/25 on another is about the first, in both orders. */
static void
test_threshold_per_host(void)
{
	for (int order = 0; order < 2; order++) {
		struct capture *cap = capture_new(NULL, noop, NULL);
		struct kd_checklist cl;
		const struct kd_finding *f;

		for (int pass = 0; pass < 2; pass++) {
			bool low = (pass == 0) == (order == 0);

			answer(cap, low ? "192.0.2.11" : "192.0.2.10",
			    low ? 21789 : 1688, "Windows 10/11 Enterprise",
			    low ? KMS2_EPID : WIN_EPID, low ? 8 : 50, true);
		}
		capture_checklist(cap, &cl);
		KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_WARN);
		f = finding(&cl, "threshold_host");
		KDT_CHECK(f != NULL && strstr(f->summary, "192.0.2.11:21789: count 8 < 25") != NULL);
		KDT_CHECK(finding(&cl, "split_count") == NULL);
		kd_checklist_fini(&cl);
		capture_free(cap);
	}
}

/* Rule 7: an answer that failed its integrity check is no host's word. */
static void
test_unverified(void)
{
	struct capture *cap = capture_new(NULL, noop, NULL);
	const struct kd_site *s = capture_site(cap);
	struct kd_checklist cl;

	answer(cap, "192.0.2.10", 1688, "Windows 10/11 Enterprise", WIN_EPID, 50, false);
	KDT_CHECK(s->nhosts == 1 && s->hosts[0].napps == 0 && s->hosts[0].answers == 0);
	KDT_CHECK(s->hosts[0].ncounts == 1 && s->hosts[0].counts[0].unverified == 1 &&
	    !s->hosts[0].counts[0].have_count);
	capture_checklist(cap, &cl);
	KDT_CHECK(cl.items[KD_ITEM_RPC].verdict == KD_V_FAIL && finding(&cl, "integrity"));
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_UNKNOWN);
	kd_checklist_fini(&cl);
	capture_free(cap);
}

/* Rule 8: nothing on the KMS port, a bind to 21688: could not check, use -p 21688. */
static void
test_no_kms_traffic(void)
{
	static const uint8_t bind[16] = { 5, 0, 11, 3, 0x10, 0, 0, 0, 16, 0 };
	struct capture *cap = capture_new(NULL, noop, NULL);
	struct kd_report r;
	struct pkt_info pi;

	memset(&pi, 0, sizeof(pi));
	endpoint(&pi.src, "192.0.2.21", 51000);
	endpoint(&pi.dst, "192.0.2.10", 21688);
	pi.flags = TH_SYN;
	analyze_other(cap, &pi);
	pi.flags = TH_ACK | TH_PUSH;
	pi.payload = bind;
	pi.paylen = pi.wirelen = sizeof(bind);
	analyze_other(cap, &pi);
	kd_report_init(&r, "kmsdiag-capture");
	capture_report(cap, &r);
	KDT_CHECK(capture_exit_status(cap, &r) == KD_EXIT_UNKNOWN);
	{
		bool seen = false;

		for (size_t i = 0; i < r.n; i++)
			if (strcmp(r.checks[i].id, "no_kms_traffic") == 0 &&
			    strstr(r.checks[i].summary, "DCE/RPC to 192.0.2.10:21688, "
			    "not on TCP 1688: use -p 21688") != NULL)
				seen = true;
		KDT_CHECK(seen);
	}
	kd_report_fini(&r);
	capture_free(cap);
}

/*
 * What the capture keeps of a client that asks again (its address and name
 * are text only when they change): the address is the last one it asked
 * from, a name cut to fit is still the same name, another name is a cloned
 * image; and an ePID seen again is no change while a new one is.
 */
static void
test_client_asks_again(void)
{
	struct capture *cap = capture_new(NULL, noop, NULL);
	const struct kd_site *s = capture_site(cap);
	/* 62 ASCII bytes and a 3-byte character: cut before the character. */
	const char *longws = "PC-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xe2\x82\xac";
	struct asker a = { "192.0.2.50", 50001, longws, 200 };
	const char *w = "Windows 10/11 Enterprise";
	struct kms_epid e;
	struct kd_checklist ck;
	const struct kd_finding *f;
	json_t *sum, *cl;

	answer_by(cap, &a, "192.0.2.10", 1688, w, WIN_EPID, 50, true);
	KDT_CHECK(s->nclients == 1 && strlen(s->clients[0].workstation) == 62);
	KDT_STREQ(capture_site(cap)->clients[0].addr, "192.0.2.50:50001");
	a.port = 50002;
	answer_by(cap, &a, "192.0.2.10", 1688, w, WIN_EPID, 51, true);
	KDT_STREQ(capture_site(cap)->clients[0].addr, "192.0.2.50:50002");
	KDT_CHECK(s->nclients == 1 && s->clients[0].nws == 1 &&
	    s->clients[0].requests == 2);
	a.addr = "192.0.2.51";
	answer_by(cap, &a, "192.0.2.10", 1688, w, WIN_EPID, 52, true);
	KDT_STREQ(capture_site(cap)->clients[0].addr, "192.0.2.51:50002");
	a.ws = "PC-CLONE";
	answer_by(cap, &a, "192.0.2.10", 1688, w, WIN_EPID, 53, true);
	KDT_CHECK(s->clients[0].nws == 2);
	KDT_STREQ(s->clients[0].other_ws, "PC-CLONE");
	KDT_CHECK(s->hosts[0].apps[0].epid_changes == 0 &&
	    (s->hosts[0].signs & KD_SIGN_EPID_CHANGED) == 0);
	answer_by(cap, &a, "192.0.2.10", 1688, w, KMS2_EPID, 54, true);
	KDT_CHECK(s->hosts[0].apps[0].epid_changes == 1 &&
	    (s->hosts[0].signs & KD_SIGN_EPID_CHANGED) != 0);
	KDT_STREQ(s->hosts[0].apps[0].epid, KMS2_EPID);
	KDT_CHECK(kms_epid_parse(KMS2_EPID, &e) && s->hosts[0].apps[0].parsed.valid &&
	    s->hosts[0].apps[0].parsed.key_id == e.key_id &&
	    s->hosts[0].apps[0].parsed.group == e.group);
	/* The summary's site lists the address it last asked from too. */
	sum = capture_site_summary(cap);
	cl = json_array_get(json_object_get(json_object_get(sum, "site"),
	    "clients"), 0);
	KDT_STREQ(json_string_value(json_object_get(cl, "client")),
	    "192.0.2.51:50002");
	KDT_CHECK(json_integer_value(json_object_get(json_object_get(sum, "site"),
	    "clients_total")) == 1);
	json_decref(sum);
	/* ... and the checklist names the clone. */
	capture_checklist(cap, &ck);
	f = finding(&ck, "duplicate_cmid");
	KDT_CHECK(f != NULL && strstr(f->summary, "PC-CLONE") != NULL);
	kd_checklist_fini(&ck);
	capture_free(cap);
}

/*
 * finalize_exchange keeps the last ePID's parse: a malformed one between
 * two good ones, and another host's, each get their own; the activation
 * reason is written without printf, so check its words and the widest count.
 */
static void
test_epid_reuse(void)
{
	static const char *seq[] = { WIN_EPID, WIN_EPID, "not-an-epid", WIN_EPID,
	    KMS2_EPID };
	struct capture *cap = capture_new(NULL, noop, NULL);
	struct capture_exchange ex;
	struct kms_epid want;

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		bool ok = kms_epid_parse(seq[i], &want);

		memset(&ex, 0, sizeof(ex));
		ex.have_req = ex.have_resp = true;
		ex.resp_pkt = 1;
		ex.resp.verified = true;
		ex.resp.count = i == 4 ? UINT32_MAX : 50;
		ex.req.required_count = 25;
		snprintf(ex.resp.epid, sizeof(ex.resp.epid), "%s", seq[i]);
		finalize_exchange(cap, &ex);
		KDT_CHECK(ex.epid.valid == ok && ex.epid.key_id == want.key_id &&
		    ex.epid.build == want.build);
		KDT_CHECK((ex.hostkey != NULL) == (ok && kd_hostkey_find(want.group,
		    want.key_id) != NULL));
		KDT_CHECK(ex.verdict == CV_ACTIVATES);
		KDT_STREQ(ex.reason, i == 4 ? "count 4294967295 >= 25 required" :
		    "count 50 >= 25 required");
	}
	capture_free(cap);
}

/* Past KD_MAX_HOSTS hosts the rest are not judged, and the summary says so. */
static void
test_host_cap(void)
{
	struct capture *cap = capture_new(NULL, noop, NULL);
	struct kd_checklist cl;
	char a[32];

	for (int i = 0; i <= KD_MAX_HOSTS; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250 + 1);
		answer(cap, a, 1688, "Windows 10/11 Enterprise", WIN_EPID, 50, true);
	}
	KDT_CHECK(capture_site(cap)->nhosts == KD_MAX_HOSTS);
	capture_checklist(cap, &cl);
	KDT_CHECK(finding(&cl, "host_limit") != NULL);
	kd_checklist_fini(&cl);
	capture_free(cap);
}

int
main(void)
{
	kd_tables_init();
	test_epid_per_application();
	test_threshold_per_host();
	test_unverified();
	test_no_kms_traffic();
	test_host_cap();
	test_client_asks_again();
	test_epid_reuse();
	printf("test_capture_site: %d passed, %d failed\n", kdt_passed, kdt_failed);
	return kdt_failed != 0;
}
