/*
 * The site model and the checklist engine, on sites built by hand: the
 * rules of kmsdiag(7) "THE SITE MODEL", each on the evidence that shows it.
 */
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "kdtest.h"
#include "site.h"

#define WIN_APP		"55c92734-d682-4d71-983e-d6ec3f16059f"
#define WIN10_VOL	"58e2134f-8e11-4d17-9cb2-91069c151148"	/* Windows 10/11 (Volume), 25 */
#define WIN10_RETAIL	"e1c51358-fe3e-4203-a4a2-3b6b20c9734e"	/* Windows 10/11 (Retail) */
/* Server 2019 host key (group 206, key 560123456): covers Windows 10/11. */
#define EPID_2019	"03612-00206-560-123456-03-1033-17763.0000-3302024"
/* Server 2012 R2 host key (key 271000000): cannot activate Windows 10/11. */
#define EPID_2012R2	"06401-00206-271-000000-03-1033-9600.0000-3652015"

static struct kd_guid app, win10, retail;

static struct kd_guid
guid(const char *s)
{
	struct kd_guid g;

	if (!kd_guid_parse(&g, s))
		abort();
	return g;
}

/* A host that answered Windows 10/11 with count/25. */
static long
answered(struct kd_site *s, const char *addr, uint16_t port, const char *name,
    uint32_t count, const char *epid)
{
	long h = kd_site_host(s, addr, port, KD_SRC_PROBE);

	kd_site_host_name(s, h, name);
	s->hosts[h].reach = KD_REACH_OPEN;
	s->hosts[h].rpc = KD_RPC_KMS;
	s->hosts[h].act_tried = true;
	kd_site_count(s, h, &win10)->requests++;
	kd_site_answer(s, h, &app, &win10, epid, NULL, count, 25, 120, 10080,
	    1700000000, KD_SRC_PROBE);
	return h;
}

static const struct kd_finding *
finding(const struct kd_checklist *cl, const char *code, long host)
{
	for (size_t i = 0; i < cl->nfindings; i++)
		if (strcmp(cl->findings[i].code, code) == 0 &&
		    (host < 0 || cl->findings[i].host == host))
			return &cl->findings[i];
	return NULL;
}

static bool
any_text(const struct kd_checklist *cl, const char *needle)
{
	for (size_t i = 0; i < cl->nfindings; i++)
		if (strstr(cl->findings[i].summary, needle) != NULL ||
		    strstr(cl->findings[i].fix, needle) != NULL)
			return true;
	return false;
}

static bool
any_fix(const struct kd_checklist *cl, const char *needle)
{
	for (size_t i = 0; i < cl->nfindings; i++)
		if (strstr(cl->findings[i].fix, needle) != NULL)
			return true;
	return false;
}

static void
judge(const struct kd_site *s, bool asked, struct kd_checklist *cl)
{
	struct kd_judge_opts o = { 0, asked, 0 };

	kd_site_judge(s, &o, cl);
	KDT_CHECK(!cl->oom);
}

static void
test_model(void)
{
	struct kd_site s;
	struct kd_site_count *c;
	char buf[64];
	long h, h2, d, r;
	bool isnew;

	kd_site_init(&s);
	h = kd_site_host(&s, "127.0.0.1", 1688, KD_SRC_PROBE);
	h2 = kd_site_host(&s, "127.0.0.1", 21788, KD_SRC_CAPTURE);
	KDT_CHECK(h == 0 && h2 == 1);
	KDT_CHECK(kd_site_host(&s, "127.0.0.1", 1688, KD_SRC_DNS) == h);
	KDT_CHECK(s.hosts[h].src == (KD_SRC_PROBE | KD_SRC_DNS));
	KDT_CHECK(kd_site_host_find(&s, "127.0.0.1", 21788) == h2);
	KDT_CHECK(kd_site_host_find(&s, "127.0.0.2", 1688) == -1);
	{
		char longaddr[100];

		memset(longaddr, 'a', sizeof(longaddr) - 1);
		longaddr[sizeof(longaddr) - 1] = '\0';
		h2 = kd_site_host(&s, longaddr, 1, KD_SRC_USER);
		KDT_CHECK(kd_site_host(&s, longaddr, 1, KD_SRC_USER) == h2);
		KDT_CHECK(kd_site_host_find(&s, longaddr, 1) == h2);
		s.nhosts--;	/* not part of the site below */
		h2 = 1;
	}
	KDT_CHECK(s.hosts[h].connect_ms < 0);
	kd_site_host_name(&s, h, "kms.corp.test.");
	kd_site_host_name(&s, h, "KMS.corp.test");
	kd_site_host_name(&s, h, "alias.corp.test");
	KDT_CHECK(s.hosts[h].nnames == 2);
	KDT_STREQ(s.hosts[h].names[0], "kms.corp.test");
	KDT_STREQ(kd_src_format(KD_SRC_PROBE | KD_SRC_CAPTURE | KD_SRC_USER, buf,
	    sizeof(buf)), "probe,capture,user");

	/* One host, two applications: both ePIDs kept (rule 9). */
	kd_site_answer(&s, h, &app, &win10, EPID_2019, NULL, 30, 25, 120, 10080, 1,
	    KD_SRC_PROBE);
	{
		struct kd_guid office = guid("0ff1ce15-a989-479d-af46-f275c6370663");
		struct kd_guid o2016 = guid("85b5f61b-320b-4be3-814a-b76b2bfafc82");

		kd_site_answer(&s, h, &office, &o2016, EPID_2012R2, NULL, 10, 5, 120,
		    10080, 2, KD_SRC_PROBE);
	}
	KDT_CHECK(s.hosts[h].napps == 2);
	KDT_STREQ(s.hosts[h].apps[0].epid, EPID_2019);
	KDT_CHECK(s.hosts[h].apps[0].parsed.valid);
	KDT_CHECK(s.hosts[h].apps[0].hostkey != NULL &&
	    strcmp(s.hosts[h].apps[0].hostkey->name, "Windows Server 2019") == 0);
	KDT_CHECK(s.hosts[h].apps[0].os != NULL);
	c = kd_site_count(&s, h, &win10);
	KDT_CHECK(c->have_count && c->count == 30 && c->required == 25 && !c->foreign);
	KDT_CHECK(c->info != NULL && strcmp(c->info->name, "Windows 10/11 (Volume)") == 0);
	KDT_CHECK(!(s.hosts[h].signs & KD_SIGN_EPID_CHANGED));
	/* Another ePID for the same application: an emulator sign. */
	kd_site_answer(&s, h, &app, &win10, EPID_2012R2, NULL, 31, 25, 120, 10080, 3,
	    KD_SRC_PROBE);
	KDT_CHECK(s.hosts[h].apps[0].epid_changes == 1);
	KDT_CHECK(s.hosts[h].signs & KD_SIGN_EPID_CHANGED);
	KDT_CHECK(c->foreign && (s.hosts[h].signs & KD_SIGN_FOREIGN));
	KDT_CHECK(c->max_count == 31 && c->answers == 2);
	{
		static const uint8_t vl[8] = { 0x3a, 0x1c, 0x04, 0x96, 0x00, 0xb6, 0x00, 0x76 };

		kd_site_answer(&s, h2, &app, &win10, "garbage", vl, 50, 25, 120, 10080,
		    4, KD_SRC_CAPTURE);
		KDT_CHECK(s.hosts[h2].signs & KD_SIGN_VLMCSD_HWID);
		KDT_CHECK(s.hosts[h2].signs & KD_SIGN_EPID_MALFORMED);
		KDT_CHECK(s.hosts[h2].apps[0].has_hwid);
	}

	/* Domains and SRV records; port 0 makes no host. */
	d = kd_site_domain(&s, "corp.test", KD_SRC_DNS);
	KDT_STREQ(s.domains[d].name, "corp.test.");
	KDT_CHECK(kd_site_domain(&s, "CORP.test.", KD_SRC_ZONE) == d);
	r = kd_site_srv(&s, d, "kms2.corp.test.", 0, 0, 21789, 3600);
	KDT_CHECK(r == 0 && s.domains[d].status == KD_SITE_DNS_FOUND);
	h2 = kd_site_srv_addr(&s, d, r, "127.0.0.2", KD_SRC_DNS);
	KDT_CHECK(h2 == 2 && s.hosts[h2].port == 21789);
	KDT_STREQ(s.hosts[h2].names[0], "kms2.corp.test");
	KDT_CHECK(kd_site_srv_addr(&s, d, r, "127.0.0.2", KD_SRC_DNS) == h2);
	KDT_CHECK(s.domains[d].srv[r].naddrs == 1);
	r = kd_site_srv(&s, d, "zero.corp.test.", 0, 0, 0, 3600);
	KDT_CHECK(kd_site_srv_addr(&s, d, r, "127.0.0.3", KD_SRC_DNS) == -1);
	KDT_CHECK(s.nhosts == 3 && !s.oom && s.domains[d].srv[r].resolved);

	/* Clients: found again through the index, across growth. */
	{
		unsigned i, bad = 0;
		struct kd_guid cm;

		for (i = 0; i < 5000; i++) {
			memset(&cm, 0, sizeof(cm));
			memcpy(cm.b, &i, sizeof(i));
			if (kd_site_client(&s, &cm, &win10, &isnew) != (long)i || !isnew)
				bad++;
		}
		KDT_CHECK(bad == 0);
		i = 4321;

		memset(&cm, 0, sizeof(cm));
		memcpy(cm.b, &i, sizeof(i));
		KDT_CHECK(kd_site_client(&s, &cm, &win10, &isnew) == 4321 && !isnew);
		KDT_CHECK(kd_site_client(&s, &cm, &retail, &isnew) == 5000 && isnew);
		for (i = 0; i < 5000; i++) {
			memset(&cm, 0, sizeof(cm));
			memcpy(cm.b, &i, sizeof(i));
			if (kd_site_client(&s, &cm, &win10, &isnew) != (long)i || isnew)
				bad++;
		}
		KDT_CHECK(bad == 0);
	}
	KDT_CHECK(s.clients[7].host == -1);
	KDT_CHECK(kd_site_observe(&s, KD_ITEM_DNS, KD_V_WARN, "srv_ttl", "corp.test.",
	    "TTL 600", "", json_pack("{s:i}", "ttl", 600), KD_SRC_DNS) == 0);
	KDT_CHECK(s.obs[0].domain == -1 && s.obs[0].count == 1);
	kd_site_fini(&s);
}

static void
test_items(void)
{
	enum kd_item it;

	KDT_STREQ(kd_item_id(KD_ITEM_HOST_KEY), "host_key");
	KDT_STREQ(kd_item_title(KD_ITEM_CLIENT_KEY), "Client key");
	KDT_CHECK(kd_item_number(KD_ITEM_PORT) == 1 && kd_item_number(KD_ITEM_TIME) == 8);
	KDT_CHECK(kd_item_number(KD_ITEM_OTHER) == 0);
	KDT_CHECK(kd_item_parse("host_state", &it) && it == KD_ITEM_HOST_KEY);
	KDT_CHECK(kd_item_parse("srv_ttl", &it) && it == KD_ITEM_DNS);
	KDT_CHECK(kd_item_parse("hostkey", &it) && it == KD_ITEM_HOST_KEY);
	KDT_CHECK(kd_item_parse("key", &it) && it == KD_ITEM_CLIENT_KEY);
	KDT_CHECK(kd_item_parse("other", &it) && it == KD_ITEM_OTHER);
	KDT_CHECK(!kd_item_parse("nonsense", &it) && !kd_item_parse("", &it));
	for (unsigned i = 0; i < KD_ITEM_OTHER; i++)
		KDT_CHECK(kd_checklist_at(i)->number == kd_item_number((enum kd_item)i));
}

/* Rule 11: one order, FAIL > UNKNOWN > WARN > OK. */
static void
test_rank(void)
{
	struct kd_report r;
	struct kd_check *c;

	KDT_CHECK(kd_verdict_rank(KD_V_FAIL) > kd_verdict_rank(KD_V_UNKNOWN));
	KDT_CHECK(kd_verdict_rank(KD_V_UNKNOWN) > kd_verdict_rank(KD_V_WARN));
	KDT_CHECK(kd_verdict_rank(KD_V_WARN) > kd_verdict_rank(KD_V_OK));
	KDT_CHECK(kd_verdict_worst(KD_V_UNKNOWN, KD_V_FAIL) == KD_V_FAIL);
	KDT_CHECK(kd_verdict_worst(KD_V_FAIL, KD_V_UNKNOWN) == KD_V_FAIL);
	KDT_CHECK(kd_verdict_worst(KD_V_WARN, KD_V_UNKNOWN) == KD_V_UNKNOWN);
	KDT_CHECK(kd_verdict_worst(KD_V_OK, KD_V_WARN) == KD_V_WARN);
	kd_report_init(&r, "test");
	kd_report_add(&r, "a", "", KD_V_WARN, "w");
	c = kd_report_add(&r, "b", "", KD_V_UNKNOWN, "not asked");
	c->skipped = true;
	KDT_CHECK(kd_report_worst(&r) == KD_V_WARN);
	kd_report_add(&r, "c", "", KD_V_UNKNOWN, "could not check");
	KDT_CHECK(kd_report_worst(&r) == KD_V_UNKNOWN);
	kd_report_add(&r, "d", "", KD_V_FAIL, "f");
	KDT_CHECK(kd_report_worst(&r) == KD_V_FAIL);
	kd_report_fini(&r);
	kd_report_init(&r, "test");
	c = kd_report_add(&r, "b", "", KD_V_UNKNOWN, "not asked");
	c->skipped = true;
	KDT_CHECK(kd_report_worst(&r) == KD_V_UNKNOWN);
	{
		char out[256] = "";
		FILE *fp = fmemopen(out, sizeof(out), "w");

		KDT_CHECK(kd_emit_nagios(fp, &r, "KMS", NULL, NULL) == KD_V_UNKNOWN);
		kd_emit_text(fp, &r, NULL);
		fclose(fp);
		KDT_STREQ(out, "KMS UNKNOWN - not asked\nSKIP  b                  not asked\n");
	}
	kd_report_add(&r, "a", "", KD_V_WARN, "w");
	{
		char out[256] = "";
		FILE *fp = fmemopen(out, sizeof(out), "w");

		KDT_CHECK(kd_emit_nagios(fp, &r, "KMS", NULL, NULL) == KD_V_WARN);
		fclose(fp);
		KDT_STREQ(out, "KMS WARNING - w\n");
	}
	kd_report_fini(&r);
}

/* Rule 1: two hosts, one at 8/25 and one at 50/25, in both orders. */
static void
two_hosts(bool low_first)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long lo, hi;

	kd_site_init(&s);
	if (low_first) {
		lo = answered(&s, "127.0.0.1", 21788, "kms1.corp.test", 8, EPID_2019);
		hi = answered(&s, "127.0.0.2", 21789, "kms2.corp.test", 50, EPID_2019);
	} else {
		hi = answered(&s, "127.0.0.2", 21789, "kms2.corp.test", 50, EPID_2019);
		lo = answered(&s, "127.0.0.1", 21788, "kms1.corp.test", 8, EPID_2019);
	}
	judge(&s, true, &cl);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_WARN);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].basis == KD_BASIS_EVIDENCE);
	f = finding(&cl, "threshold_host", lo);
	KDT_CHECK(f != NULL && f->verdict == KD_V_WARN);
	KDT_CHECK(f != NULL && strstr(f->summary, "kms1.corp.test 127.0.0.1:21788: "
	    "count 8 < 25 for Windows 10/11 (Volume)") != NULL);
	KDT_CHECK(f != NULL && strstr(f->summary, "kms2.corp.test 127.0.0.2:21789 "
	    "answers 50 >= 25") != NULL);
	f = finding(&cl, "threshold", hi);
	KDT_CHECK(f != NULL && f->verdict == KD_V_OK);
	KDT_CHECK(finding(&cl, "split_count", -1) == NULL);
	KDT_CHECK(!any_text(&cl, "none reaches"));
	KDT_CHECK(cl.overall == KD_V_WARN);
	KDT_CHECK(cl.root_cause == KD_ITEM_THRESHOLD);
	KDT_CHECK(any_fix(&cl, "retire 127.0.0.1:21788"));
	kd_checklist_fini(&cl);
	/* The host above is a likely emulator: no fix sends clients to it. */
	s.hosts[hi].signs |= KD_SIGN_VLMCSD_HWID;
	judge(&s, true, &cl);
	f = finding(&cl, "threshold_host", lo);
	KDT_CHECK(f != NULL && f->fix[0] == '\0' &&
	    strstr(f->summary, "shows signs of a KMS emulator") != NULL);
	kd_checklist_fini(&cl);
	/* The emulator finding names every sign, not the first "(and more)". */
	s.hosts[hi].signs |= KD_SIGN_EPID_CHANGED | KD_SIGN_UNKNOWN_BUILD;
	judge(&s, true, &cl);
	f = finding(&cl, "emulator", hi);
	KDT_CHECK(f != NULL && strstr(f->summary, "shows 3 signs of a KMS emulator: "
	    "HwId 3A1C049600B60076 is vlmcsd's default; ePID changed between "
	    "requests; ePID build is not a known Windows build") != NULL);
	KDT_CHECK(f != NULL && strstr(f->summary, "more") == NULL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 1, split: only when every host is below and the clients would reach it. */
static void
test_split(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	long a, b;
	const struct kd_finding *f;

	for (int many = 0; many < 2; many++) {
		kd_site_init(&s);
		a = answered(&s, "127.0.0.1", 1688, "kms1.corp.test", 7, EPID_2019);
		b = answered(&s, "127.0.0.2", 1688, "kms2.corp.test", 8, EPID_2019);
		for (unsigned i = 0; i < (many ? 30u : 10u); i++) {
			struct kd_guid cm;
			long c;

			memset(&cm, 0, sizeof(cm));
			cm.b[0] = (uint8_t)i;
			c = kd_site_client(&s, &cm, &win10, NULL);
			s.clients[c].host = i % 2 ? a : b;
			s.clients[c].requests = 1;
		}
		/* Our own probe is never a client of the site (rule 12). */
		{
			struct kd_guid self = guid("11111111-2222-3333-4444-555555555555");
			long c = kd_site_client(&s, &self, &win10, NULL);

			s.clients[c].self = true;
		}
		judge(&s, true, &cl);
		KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_FAIL);
		f = finding(&cl, "threshold", a);
		KDT_CHECK(f != NULL && f->verdict == KD_V_FAIL &&
		    strstr(f->summary, "kms1.corp.test 127.0.0.1:1688: count 7 < 25") != NULL);
		f = finding(&cl, "split_count", -1);
		if (many) {
			KDT_CHECK(f != NULL && strstr(f->summary, "split across 2 hosts") &&
			    strstr(f->summary, "30 distinct clients"));
			/* The split explains the item, not one of its hosts. */
			KDT_CHECK(f != NULL && strcmp(cl.items[KD_ITEM_THRESHOLD].summary,
			    f->summary) == 0);
		} else
			KDT_CHECK(f == NULL);
		kd_checklist_fini(&cl);
		kd_site_fini(&s);
	}
}

/* Rule 2: an SRV record on port 21788, with a KMS host proven there, not probed, refused. */
static void
srv_case(int state, bool with_default)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long d, r, h;

	kd_site_init(&s);
	d = kd_site_domain(&s, "corp.test", KD_SRC_DNS);
	r = kd_site_srv(&s, d, "kms.corp.test.", 0, 0, 21788, 3600);
	h = kd_site_srv_addr(&s, d, r, "127.0.0.1", KD_SRC_DNS);
	/* dnscheck's own note on the port: re-judged by the engine. */
	kd_site_observe(&s, KD_ITEM_DNS, KD_V_WARN, "srv_port", "kms.corp.test.:21788",
	    "port 21788 is not the default", "publish 1688", NULL, KD_SRC_DNS);
	kd_site_observe(&s, KD_ITEM_DNS, KD_V_WARN, "srv_ttl", "corp.test.",
	    "TTL 600 s", "", NULL, KD_SRC_DNS);
	if (state == 1) {
		s.hosts[h].reach = KD_REACH_OPEN;
		s.hosts[h].rpc = KD_RPC_KMS;
	} else if (state == 2) {
		s.hosts[h].reach = KD_REACH_REFUSED;
		memcpy(s.hosts[h].reach_detail, "Connection refused", 19);
	}
	if (with_default) {
		long h1 = kd_site_host(&s, "127.0.0.1", 1688, KD_SRC_PROBE);

		s.hosts[h1].reach = KD_REACH_OPEN;
		s.hosts[h1].rpc = KD_RPC_KMS;
	}
	judge(&s, false, &cl);
	f = finding(&cl, "srv_port", -1);
	KDT_CHECK(f != NULL && f->item == KD_ITEM_DNS);
	KDT_CHECK(f != NULL && f->verdict == (state == 1 ? KD_V_OK : state == 0 ?
	    KD_V_WARN : KD_V_FAIL));
	if (state == 1)
		KDT_CHECK(f != NULL && strstr(f->summary, "port 21788 is not the default; "
		    "a KMS host answers there") != NULL);
	/* Never propose a port nothing is proven to listen on. */
	KDT_CHECK(any_fix(&cl, "1688") == (with_default && state == 2));
	KDT_CHECK(!any_text(&cl, "publish 1688"));
	KDT_CHECK(finding(&cl, "srv_ttl", -1) != NULL);
	if (state == 2)
		KDT_CHECK(finding(&cl, "port_closed", h) != NULL &&
		    strstr(finding(&cl, "port_closed", h)->summary, ": Connection") == NULL);
	KDT_CHECK(cl.items[KD_ITEM_DNS].verdict == (state == 2 ? KD_V_FAIL : KD_V_WARN));
	if (state == 1)
		KDT_CHECK(cl.items[KD_ITEM_PORT].verdict == KD_V_OK &&
		    cl.items[KD_ITEM_RPC].verdict == KD_V_OK);
	if (state == 0 && !with_default)
		KDT_CHECK(cl.items[KD_ITEM_PORT].basis == KD_BASIS_SKIPPED &&
		    cl.items[KD_ITEM_PORT].verdict == KD_V_UNKNOWN);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

static void
test_srv_port0(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long d, r;

	kd_site_init(&s);
	d = kd_site_domain(&s, "corp.test", KD_SRC_DNS);
	r = kd_site_srv(&s, d, "kms.corp.test.", 0, 0, 0, 3600);
	kd_site_srv_addr(&s, d, r, "127.0.0.1", KD_SRC_DNS);
	judge(&s, false, &cl);
	KDT_CHECK(s.nhosts == 0);
	f = finding(&cl, "srv_port", -1);
	KDT_CHECK(f != NULL && f->verdict == KD_V_FAIL && strstr(f->summary, "port 0"));
	KDT_CHECK(cl.root_cause == KD_ITEM_DNS);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rules 3 and 5: a refusal 0xC004F042 is the host key, and no threshold verdict. */
static void
test_refused(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_site_count *c;
	const struct kd_finding *f;
	long h;

	kd_site_init(&s);
	h = kd_site_host(&s, "127.0.0.1", 1688, KD_SRC_PROBE);
	kd_site_host_name(&s, h, "kms.corp.test");
	s.hosts[h].reach = KD_REACH_OPEN;
	s.hosts[h].rpc = KD_RPC_KMS;
	s.hosts[h].act_tried = true;
	c = kd_site_count(&s, h, &win10);
	c->requests = 1;
	c->refusals = 1;
	c->last_hresult = 0xC004F042;
	judge(&s, true, &cl);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_UNKNOWN);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].basis == KD_BASIS_SKIPPED);
	KDT_CHECK(strstr(cl.items[KD_ITEM_THRESHOLD].summary,
	    "refused the request with 0xC004F042") != NULL);
	f = finding(&cl, "host_key", h);
	KDT_CHECK(f != NULL && f->verdict == KD_V_FAIL && f->item == KD_ITEM_HOST_KEY);
	KDT_CHECK(f != NULL && strstr(f->fix, "install a host key (CSVLK) whose group "
	    "covers Windows 10/11 (Volume)") != NULL);
	KDT_CHECK(cl.overall == KD_V_FAIL && cl.root_cause == KD_ITEM_HOST_KEY);
	kd_checklist_fini(&cl);

	/* Not asked: skipped with the option to use. */
	memset(c, 0, sizeof(*c));
	c->kms_id = win10;
	s.hosts[h].act_tried = false;
	s.hosts[h].ncounts = 0;
	judge(&s, false, &cl);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].basis == KD_BASIS_SKIPPED);
	KDT_STREQ(cl.items[KD_ITEM_THRESHOLD].summary,
	    "no activation request was sent: use --activate");
	KDT_CHECK(cl.overall == KD_V_OK);
	KDT_CHECK(cl.items[KD_ITEM_DOMAIN].basis == KD_BASIS_MANUAL &&
	    cl.items[KD_ITEM_DOMAIN].verdict == KD_V_UNKNOWN);
	{
		struct kd_report r;

		kd_report_init(&r, "test");
		kd_checklist_report(&cl, &s, &r);
		KDT_CHECK(kd_report_worst(&r) == KD_V_OK);
		KDT_STREQ(r.checks[0].id, "checklist.port");
		KDT_STREQ(r.checks[KD_ITEM_THRESHOLD].id, "checklist.threshold");
		KDT_CHECK(r.checks[KD_ITEM_THRESHOLD].skipped);
		kd_report_fini(&r);
	}
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 4: a retail product is the client's key, never the host's. */
static void
test_retail(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_site_count *c;
	const struct kd_finding *f;
	long h;

	kd_site_init(&s);
	h = answered(&s, "127.0.0.1", 1688, "kms.corp.test", 30, EPID_2019);
	c = kd_site_count(&s, h, &retail);
	c->requests = 1;
	c->refusals = 1;
	c->last_hresult = 0xC004F042;
	judge(&s, true, &cl);
	f = finding(&cl, "retail_product", -1);
	KDT_CHECK(f != NULL && f->item == KD_ITEM_CLIENT_KEY && f->verdict == KD_V_FAIL);
	KDT_CHECK(f != NULL && strstr(f->summary, "needs a GVLK") != NULL &&
	    strstr(f->summary, "Windows 10/11 (Retail)") != NULL);
	KDT_CHECK(finding(&cl, "host_key", -1) == NULL);
	KDT_CHECK(cl.items[KD_ITEM_HOST_KEY].verdict == KD_V_OK);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_OK);
	KDT_CHECK(cl.root_cause == KD_ITEM_CLIENT_KEY);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 5: a foreign ePID with a count above threshold is a WARN about the host. */
static void
test_foreign(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long h;

	kd_site_init(&s);
	h = answered(&s, "127.0.0.1", 1688, "kms.corp.test", 30, EPID_2012R2);
	judge(&s, true, &cl);
	f = finding(&cl, "foreign_epid", h);
	KDT_CHECK(f != NULL && f->verdict == KD_V_WARN && f->item == KD_ITEM_HOST_KEY);
	KDT_CHECK(f != NULL && strstr(f->summary, "forged ePID or emulator: a genuine host refuses "
	    "with 0xC004F042") != NULL &&
	    strstr(f->summary, "Windows Server 2012 R2") != NULL);
	KDT_CHECK(!any_text(&cl, "install"));
	KDT_CHECK(cl.items[KD_ITEM_HOST_KEY].verdict == KD_V_WARN);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_OK);
	KDT_CHECK(cl.overall == KD_V_WARN);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* A captured host that refused one client's request with hr; *ci is the client. */
static long
refused_by(struct kd_site *s, uint32_t hr, const char *cmid, long *ci)
{
	struct kd_guid cm = guid(cmid);
	struct kd_site_count *c;
	long h = kd_site_host(s, "127.0.0.1", 1688, KD_SRC_CAPTURE);

	s->hosts[h].rpc = KD_RPC_KMS;
	s->hosts[h].exchanges = 1;
	c = kd_site_count(s, h, &win10);
	c->requests = c->refusals = 1;
	c->last_hresult = hr;
	*ci = kd_site_client(s, &cm, &win10, NULL);
	s->clients[*ci].host = h;
	s->clients[*ci].requests = 1;
	s->clients[*ci].outcome = KD_OUT_REFUSED;
	s->clients[*ci].last_hresult = hr;
	return h;
}

/* Rule 6: 0x8007000D after protocol 7.0 is the version, under RPC. */
static void
test_version(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long h, ci;

	kd_site_init(&s);
	h = refused_by(&s, 0x8007000D, "aaaaaaaa-2222-3333-4444-555555555555", &ci);
	s.clients[ci].major = 7;
	kd_site_client_text(&s, ci, KD_CT_WORKSTATION, "PC1");
	judge(&s, true, &cl);
	f = finding(&cl, "protocol_version", h);
	KDT_CHECK(f != NULL && f->item == KD_ITEM_RPC && f->verdict == KD_V_FAIL &&
	    strstr(f->summary, "rejects protocol version 7.0") != NULL);
	KDT_CHECK(finding(&cl, "refused", -1) == NULL);
	KDT_CHECK(!any_text(&cl, "1000"));
	KDT_CHECK(cl.items[KD_ITEM_CLIENT_KEY].verdict != KD_V_FAIL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 8: a capture without KMS traffic could not check: UNKNOWN, with the hint. */
static void
test_no_traffic(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;

	kd_site_init(&s);
	s.sources = KD_SRC_CAPTURE;
	s.other_traffic = 12;
	memcpy(s.other_traffic_hint, "DCE/RPC on TCP 21688: use -p 21688", 35);
	judge(&s, true, &cl);
	f = finding(&cl, "no_kms_traffic", -1);
	KDT_CHECK(f != NULL && f->verdict == KD_V_UNKNOWN &&
	    strstr(f->summary, "use -p 21688") != NULL);
	KDT_CHECK(cl.overall == KD_V_UNKNOWN);
	kd_checklist_fini(&cl);
	memset(&s.other_traffic_hint, 0, sizeof(s.other_traffic_hint));
	judge(&s, true, &cl);
	KDT_CHECK(strstr(finding(&cl, "no_kms_traffic", -1)->summary, "12 packets on "
	    "other ports") != NULL);
	kd_checklist_fini(&cl);
	/* Nothing at all: UNKNOWN, never OK. */
	memset(&s.other_traffic_hint, 0, sizeof(s.other_traffic_hint));
	s.sources = 0;
	judge(&s, false, &cl);
	KDT_CHECK(cl.overall == KD_V_UNKNOWN && cl.nfindings == 0);
	KDT_CHECK(cl.root_cause == KD_NITEMS);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 9: per-application ePIDs; a host that never answered has no count. */
static void
test_json(void)
{
	struct kd_site s;
	struct kd_site_count *c;
	json_t *j, *hosts;
	long h2;

	kd_site_init(&s);
	answered(&s, "127.0.0.1", 1688, "kms.corp.test", 30, EPID_2019);
	h2 = kd_site_host(&s, "::1", 1688, KD_SRC_PROBE);
	c = kd_site_count(&s, h2, &win10);
	c->requests = 1;
	c->no_response = 1;
	j = kd_site_json(&s);
	KDT_CHECK(j != NULL);
	hosts = json_object_get(j, "hosts");
	KDT_CHECK(json_array_size(hosts) == 2);
	KDT_STREQ(json_string_value(json_object_get(json_array_get(hosts, 1), "host")),
	    "[::1]:1688");
	KDT_CHECK(json_is_null(json_object_get(json_array_get(json_object_get(
	    json_array_get(hosts, 1), "counts"), 0), "count")));
	KDT_CHECK(json_is_false(json_object_get(json_array_get(hosts, 1), "answered")));
	KDT_STREQ(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(hosts, 0), "applications"), 0), "epid")), EPID_2019);
	KDT_CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(hosts, 0), "counts"), 0), "count")) == 30);
	json_decref(j);
	/* Wire text that is not UTF-8 stays in the JSON, made printable. */
	{
		struct kd_guid cm = guid("dddddddd-2222-3333-4444-555555555555");
		long ci = kd_site_client(&s, &cm, &win10, NULL);
		const char *ws;

		kd_site_client_text(&s, ci, KD_CT_WORKSTATION, "PC\xff\xfe");
		kd_site_answer(&s, h2, &app, &win10, "\xc3\x28" "bad", NULL, 1, 25, 0, 0, 0,
		    KD_SRC_PROBE);
		j = kd_site_json(&s);
		ws = json_string_value(json_object_get(json_array_get(json_object_get(j,
		    "clients"), 0), "workstation"));
		KDT_CHECK(ws != NULL && strncmp(ws, "PC", 2) == 0);
		KDT_CHECK(json_string_value(json_object_get(json_array_get(json_object_get(
		    json_array_get(json_object_get(j, "hosts"), 1), "applications"), 0),
		    "epid")) != NULL);
		json_decref(j);
	}
	{
		char buf[128];

		KDT_STREQ(kd_site_endpoint(&s.hosts[h2], buf, sizeof(buf)), "[::1]:1688");
		KDT_STREQ(kd_site_host_label(&s.hosts[0], buf, sizeof(buf)),
		    "kms.corp.test 127.0.0.1:1688");
		KDT_STREQ(kd_basis_name(KD_BASIS_MANUAL), "manual");
	}
	kd_site_fini(&s);
}

/* The fix for a count below: servers raise a Windows count, not Office's. */
static void
test_threshold_fix(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	struct kd_guid office = guid("0ff1ce15-a989-479d-af46-f275c6370663");
	struct kd_guid o2016 = guid("85b5f61b-320b-4be3-814a-b76b2bfafc82");
	long h, o;

	kd_site_init(&s);
	h = answered(&s, "127.0.0.1", 1688, "kms.corp.test", 24, EPID_2019);
	o = kd_site_host(&s, "127.0.0.2", 1688, KD_SRC_PROBE);
	s.hosts[o].reach = KD_REACH_OPEN;
	s.hosts[o].rpc = KD_RPC_KMS;
	kd_site_count(&s, o, &o2016)->requests++;
	kd_site_answer(&s, o, &office, &o2016, EPID_2012R2, NULL, 2, 5, 120, 10080,
	    1700000000, KD_SRC_PROBE);
	judge(&s, true, &cl);
	f = finding(&cl, "threshold", h);
	KDT_CHECK(f != NULL && strstr(f->fix, "1 more distinct machine asking for "
	    "Windows 10/11 (Volume) must reach 127.0.0.1:1688 (VMs count; servers "
	    "count toward Windows)") != NULL);
	f = finding(&cl, "threshold", o);
	KDT_CHECK(f != NULL && strstr(f->fix, "3 more distinct machines asking for "
	    "Office 2016 (Volume) must reach 127.0.0.2:1688 (VMs count)") != NULL);
	KDT_CHECK(f != NULL && strstr(f->fix, "servers") == NULL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 6: 0xC004F06C with the measured skew is the time item. */
static void
test_time(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_site_count *c;
	const struct kd_finding *f;
	long h, ci;

	kd_site_init(&s);
	h = refused_by(&s, 0xC004F06C, "bbbbbbbb-2222-3333-4444-555555555555", &ci);
	c = kd_site_count(&s, h, &win10);
	s.clients[ci].skew_known = true;
	s.clients[ci].skew = 18000;
	judge(&s, true, &cl);
	f = finding(&cl, "clock_refused", h);
	KDT_CHECK(f != NULL && f->item == KD_ITEM_TIME && f->verdict == KD_V_FAIL &&
	    strstr(f->summary, "+18000 s") != NULL);
	f = finding(&cl, "clock_skew", -1);
	KDT_CHECK(f != NULL && f->item == KD_ITEM_TIME);
	KDT_CHECK(cl.items[KD_ITEM_TIME].verdict == KD_V_FAIL &&
	    cl.items[KD_ITEM_TIME].basis == KD_BASIS_EVIDENCE);
	KDT_CHECK(cl.items[KD_ITEM_HOST_KEY].verdict != KD_V_FAIL);
	KDT_CHECK(cl.root_cause == KD_ITEM_TIME);
	kd_checklist_fini(&cl);
	/* Ten clients off: the worst named, the count of the rest, every one in the facts. */
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
	kd_site_init(&s);
	h = refused_by(&s, 0xC004F06C, "bbbbbbbb-2222-3333-4444-555555555555", &ci);
	c = kd_site_count(&s, h, &win10);
	for (int k = 0; k < 10; k++) {
		char cm[40];
		struct kd_guid g;
		long o;

		snprintf(cm, sizeof(cm), "cccccccc-2222-3333-4444-%012d", k);
		g = guid(cm);
		o = kd_site_client(&s, &g, &win10, NULL);
		s.clients[o].host = h;
		s.clients[o].skew_known = true;
		s.clients[o].skew = (k % 2 ? -1 : 1) * (20000 + 1000 * k);
	}
	s.clients[ci].skew_known = false;
	judge(&s, true, &cl);
	f = finding(&cl, "clock_skew", -1);
	KDT_CHECK(f != NULL && f->count == 10);
	KDT_CHECK(f != NULL && strstr(f->summary, "10 clients more than 4 h off "
	    "the capture's clock (cccccccc-2222-3333-4444-000000000009: -29000 s, "
	    "cccccccc-2222-3333-4444-000000000008: +28000 s, ") != NULL);
	KDT_CHECK(f != NULL && strstr(f->summary, " more (--json lists them)): "
	    "hosts refuse them") != NULL);
	KDT_CHECK(f != NULL && json_array_size(json_object_get(f->facts,
	    "clients")) == 10);
	KDT_CHECK(f != NULL && json_integer_value(json_object_get(json_array_get(
	    json_object_get(f->facts, "clients"), 0), "clock_skew")) == -29000);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
	kd_site_init(&s);
	h = refused_by(&s, 0xC004F06C, "bbbbbbbb-2222-3333-4444-555555555555", &ci);
	c = kd_site_count(&s, h, &win10);
	s.clients[ci].skew_known = true;
	/* Within 4 h: OK on the evidence. */
	c->refusals = 0;
	c->last_hresult = 0;
	s.clients[ci].skew = -60;
	judge(&s, true, &cl);
	KDT_CHECK(cl.items[KD_ITEM_TIME].verdict == KD_V_OK &&
	    cl.items[KD_ITEM_TIME].basis == KD_BASIS_EVIDENCE);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 7: a response that fails its integrity check is reported as such. */
static void
test_integrity(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_site_count *c;
	const struct kd_finding *f;
	long h, ci;

	kd_site_init(&s);
	h = refused_by(&s, 0, "cccccccc-2222-3333-4444-555555555555", &ci);
	s.clients[ci].outcome = KD_OUT_UNVERIFIED;
	c = kd_site_count(&s, h, &win10);
	c->refusals = 0;
	c->unverified = 1;
	judge(&s, true, &cl);
	f = finding(&cl, "integrity", h);
	KDT_CHECK(f != NULL && f->verdict == KD_V_FAIL && f->item == KD_ITEM_RPC &&
	    strstr(f->summary, "integrity check failed") != NULL);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].basis == KD_BASIS_SKIPPED &&
	    strstr(cl.items[KD_ITEM_THRESHOLD].summary, "integrity") != NULL);
	KDT_CHECK(cl.items[KD_ITEM_HOST_KEY].basis == KD_BASIS_SKIPPED &&
	    strstr(cl.items[KD_ITEM_HOST_KEY].summary, "no ePID: 127.0.0.1:1688: the "
	    "answer failed its integrity check") != NULL);
	KDT_CHECK(finding(&cl, "no_answer", -1) == NULL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Rule 9: a host that never answered is listed as such. */
static void
test_no_answer(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	const struct kd_finding *f;
	long h;

	kd_site_init(&s);
	answered(&s, "127.0.0.1", 1688, "kms1.corp.test", 30, EPID_2019);
	h = kd_site_host(&s, "127.0.0.2", 1688, KD_SRC_CAPTURE);
	s.hosts[h].rpc = KD_RPC_KMS;
	s.hosts[h].exchanges = 3;
	judge(&s, true, &cl);
	f = finding(&cl, "no_answer", h);
	KDT_CHECK(f != NULL && f->verdict == KD_V_WARN &&
	    strstr(f->summary, "no answer seen to 3 activation calls") != NULL);
	KDT_CHECK(!any_text(&cl, "count 0"));
	kd_checklist_fini(&cl);
	/* Clients reach it in the capture; the probe from here was filtered. */
	s.hosts[h].reach = KD_REACH_FILTERED;
	judge(&s, true, &cl);
	f = finding(&cl, "port_from_here", h);
	KDT_CHECK(f != NULL && f->verdict == KD_V_WARN && f->item == KD_ITEM_PORT &&
	    strstr(f->summary, "connection was filtered") != NULL);
	KDT_CHECK(finding(&cl, "port_filtered", -1) == NULL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Root cause: the first failing item in the order a client meets them. */
static void
test_root_cause(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_report r;
	long d, h;

	kd_site_init(&s);
	h = answered(&s, "127.0.0.1", 1688, "kms.corp.test", 3, EPID_2019);
	d = kd_site_domain(&s, "corp.test", KD_SRC_DNS);
	s.domains[d].status = KD_SITE_DNS_NONE;
	s.manual[KD_ITEM_DOMAIN] = true;
	kd_site_observe(&s, KD_ITEM_OTHER, KD_V_WARN, "capture_gap", "10.0.0.1:1688",
	    "bytes missing", "capture with -B", NULL, KD_SRC_PROBE);
	judge(&s, true, &cl);
	KDT_CHECK(cl.items[KD_ITEM_THRESHOLD].verdict == KD_V_FAIL);
	KDT_CHECK(cl.items[KD_ITEM_DNS].verdict == KD_V_FAIL);
	KDT_CHECK(cl.root_cause == KD_ITEM_DNS);
	KDT_CHECK(cl.items[KD_ITEM_DOMAIN].verdict == KD_V_OK &&
	    cl.items[KD_ITEM_DOMAIN].basis == KD_BASIS_MANUAL);
	/* The fix names the one host proven to answer, by name. */
	KDT_CHECK(any_fix(&cl, "SRV 0 0 1688 kms.corp.test."));
	kd_checklist_fini(&cl);
	memcpy(s.hosts[h].names[0], "127.0.0.1", 10);
	judge(&s, true, &cl);
	KDT_CHECK(!any_fix(&cl, "SRV 0 0"));
	kd_checklist_fini(&cl);
	memcpy(s.hosts[h].names[0], "kms.corp.test", 14);
	s.hosts[h].signs = KD_SIGN_PYKMS_HWID;
	judge(&s, true, &cl);
	KDT_CHECK(!any_fix(&cl, "SRV 0 0"));
	s.hosts[h].signs = 0;
	memcpy(s.hosts[h].names[0], "kms.corp.test", 14);
	kd_checklist_fini(&cl);
	judge(&s, true, &cl);
	KDT_CHECK(cl.items[KD_ITEM_OTHER].verdict == KD_V_WARN &&
	    finding(&cl, "capture_gap", -1) != NULL);
	/* Grouped by item in checklist order, worst first within an item. */
	for (size_t i = 1; i < cl.nfindings; i++) {
		KDT_CHECK(cl.findings[i - 1].item <= cl.findings[i].item);
		if (cl.findings[i - 1].item == cl.findings[i].item)
			KDT_CHECK(kd_verdict_rank(cl.findings[i - 1].verdict) >=
			    kd_verdict_rank(cl.findings[i].verdict));
	}
	kd_report_init(&r, "test");
	kd_checklist_report(&cl, &s, &r);
	KDT_CHECK(kd_report_worst(&r) == KD_V_FAIL);
	KDT_CHECK(r.n == KD_NITEMS + cl.nfindings);
	{
		bool seen = false;

		for (size_t i = 0; i < r.n; i++)
			if (strcmp(r.checks[i].id, "threshold") == 0) {
				seen = true;
				KDT_STREQ(r.checks[i].checklist, "threshold");
				KDT_STREQ(json_string_value(json_object_get(r.checks[i].facts,
				    "host")), "127.0.0.1:1688");
				KDT_CHECK(json_integer_value(json_object_get(
				    r.checks[i].facts, "count")) == 3);
			}
		KDT_CHECK(seen);
	}
	kd_report_fini(&r);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* Signs in one ePID: a Windows 7 build carrying a Server 2019 host key. */
static void
test_signs(void)
{
	struct kd_site s;
	long h;

	kd_site_init(&s);
	h = answered(&s, "127.0.0.1", 1688, "kms.corp.test", 30,
	    "55041-00206-560-123456-03-1033-7601.0000-3302024");
	KDT_CHECK(s.hosts[h].apps[0].hostkey != NULL && s.hosts[h].apps[0].os != NULL);
	KDT_CHECK(s.hosts[h].signs & KD_SIGN_OLD_BUILD_NEW_KEY);
	h = answered(&s, "127.0.0.2", 1688, "kms2.corp.test", 30, EPID_2019);
	KDT_CHECK(s.hosts[h].signs == 0);
	KDT_STREQ(kd_sign_text(KD_SIGN_PYKMS_HWID), "HwId 364F463A8863D35F is py-kms's default");
	KDT_STREQ(kd_sign_text((enum kd_sign)0), "");
	kd_site_fini(&s);
}

/* A site at the caps: every host below, many clients; judged in one pass each. */
static void
test_large(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	char addr[32];
	unsigned i;

	kd_site_init(&s);
	for (i = 0; i < 1024; i++) {
		snprintf(addr, sizeof(addr), "10.0.%u.%u", i / 256, i % 256);
		answered(&s, addr, 1688, NULL, 3, EPID_2019);
	}
	for (i = 0; i < 60000; i++) {
		struct kd_guid cm;
		long c;

		memset(&cm, 0, sizeof(cm));
		memcpy(cm.b, &i, sizeof(i));
		c = kd_site_client(&s, &cm, &win10, NULL);
		s.clients[c].host = (long)(i % 1024);
	}
	judge(&s, true, &cl);
	KDT_CHECK(finding(&cl, "split_count", -1) != NULL);
	KDT_CHECK(finding(&cl, "threshold", 1023) != NULL);
	KDT_CHECK(strstr(finding(&cl, "threshold", 1000)->summary, "58 clients last asked it"));
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/* The bookkeeping of an exchange, as a capture or a probe records it. */
static void
test_exchange(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_site_request rq;
	struct kd_site_response rs;
	const struct kd_site_count *c;
	const struct kd_site_client *cc;
	long a, b, ci = -1;
	unsigned i;

	kd_site_init(&s);
	a = kd_site_host(&s, "10.0.0.1", 1688, KD_SRC_CAPTURE);
	b = kd_site_host(&s, "10.0.0.2", 1688, KD_SRC_CAPTURE);
	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	rq.kms_id = win10;
	rq.app_id = app;
	rq.required = 25;
	rq.major = 6;
	rs.epid = EPID_2019;
	/* 8 clients ask a (count 1..8), 30 ask b (count 20..49). */
	for (i = 0; i < 38; i++) {
		char ws[16];

		snprintf(ws, sizeof(ws), "PC%u", i);
		memset(&rq.cmid, 0, sizeof(rq.cmid));
		rq.cmid.b[0] = (uint8_t)i;
		rq.workstation = ws;
		rq.client_addr = "10.1.0.9:50000";
		rq.when = 1000 + i;
		rs.outcome = KD_OUT_ACTIVATES;
		rs.count = i < 8 ? i + 1 : 20 + (i - 8);
		ci = kd_site_exchange(&s, i < 8 ? a : b, &rq, &rs, KD_SRC_CAPTURE);
		KDT_CHECK(ci == (long)i);
	}
	c = kd_site_count(&s, a, &win10);
	KDT_CHECK(c->requests == 8 && c->answers == 8 && c->count == 8 &&
	    c->distinct_clients == 8 && c->have_count);
	KDT_CHECK(s.clients[0].outcome == KD_OUT_BELOW && s.clients[0].last_count == 1);
	KDT_CHECK(s.clients[37].outcome == KD_OUT_ACTIVATES);
	KDT_CHECK(s.exchanges_seen == 38 && s.hosts[b].exchanges == 30);
	/* The same CMID from another machine: a cloned image; asking b too counts there once. */
	memset(&rq.cmid, 0, sizeof(rq.cmid));
	rq.workstation = "CLONE";
	rq.when = 900;
	rs.count = 50;
	ci = kd_site_exchange(&s, b, &rq, &rs, KD_SRC_CAPTURE);
	cc = &s.clients[ci];
	KDT_CHECK(ci == 0 && cc->nws == 2 && strcmp(cc->other_ws, "CLONE") == 0);
	KDT_CHECK(cc->requests == 2 && cc->host == b && cc->host_mask == 3);
	KDT_CHECK(cc->first_seen == 900 && cc->last_seen == 1000);
	KDT_CHECK(kd_site_count(&s, b, &win10)->distinct_clients == 31);
	kd_site_exchange(&s, b, &rq, &rs, KD_SRC_CAPTURE);
	KDT_CHECK(kd_site_count(&s, b, &win10)->distinct_clients == 31);
	/* A refusal and our own request. */
	rq.cmid.b[0] = 200;
	rq.self = true;
	rq.workstation = NULL;
	rq.client_addr = NULL;
	rs.outcome = KD_OUT_REFUSED;
	rs.hresult = 0xC004F042;
	ci = kd_site_exchange(&s, a, &rq, &rs, KD_SRC_PROBE);
	KDT_CHECK(s.clients[ci].self && s.clients[ci].last_hresult == 0xC004F042);
	c = kd_site_count(&s, a, &win10);
	KDT_CHECK(c->refusals == 1 && c->last_hresult == 0xC004F042 &&
	    c->distinct_clients == 8 && c->count == 8);
	judge(&s, true, &cl);
	KDT_CHECK(finding(&cl, "threshold_host", a) != NULL);
	KDT_CHECK(finding(&cl, "duplicate_cmid", -1) != NULL);
	KDT_CHECK(finding(&cl, "host_key", a) != NULL);
	kd_checklist_fini(&cl);
	kd_site_fini(&s);
}

/*
 * A client's texts live in the site's pool: an address that changes port
 * on every connection keeps its room (the pool does not grow per request),
 * a long name is cut on a character boundary, and a copy into another site
 * owns its texts (the source can go).
 */
static void
test_client_text(void)
{
	struct kd_site s, t;
	struct kd_guid cm = guid("aaaaaaaa-2222-4333-8444-555555555555");
	/* 62 ASCII bytes and a 3-byte character: cut before the character. */
	const char *longws = "PC-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xe2\x82\xac";
	const char *first;
	char a[64];
	long ci, cj;

	kd_site_init(&s);
	kd_site_init(&t);
	ci = kd_site_client(&s, &cm, &win10, NULL);
	KDT_CHECK(ci == 0);
	if (ci < 0)
		return;
	KDT_STREQ(s.clients[ci].workstation, "");
	KDT_STREQ(s.clients[ci].other_ws, "");
	KDT_STREQ(s.clients[ci].addr, "");
	kd_site_client_text(&s, ci, KD_CT_ADDR, "192.0.2.50:1025");
	first = s.clients[ci].addr;
	for (int port = 1026; port < 60000; port += 7) {
		snprintf(a, sizeof(a), "192.0.2.50:%d", port);
		kd_site_client_text(&s, ci, KD_CT_ADDR, a);
	}
	KDT_STREQ(s.clients[ci].addr, a);
	KDT_CHECK(s.clients[ci].addr == first);
	/* An IPv6 endpoint does not fit the room of an IPv4 one: new room. */
	kd_site_client_text(&s, ci, KD_CT_ADDR, "[2001:db8::1234:5678:9abc]:50000");
	KDT_STREQ(s.clients[ci].addr, "[2001:db8::1234:5678:9abc]:50000");
	kd_site_client_text(&s, ci, KD_CT_WORKSTATION, longws);
	KDT_CHECK(strlen(s.clients[ci].workstation) == 62);
	kd_site_client_text(&s, ci, KD_CT_OTHER_WS, "PC-CLONE");
	cj = kd_site_client(&t, &cm, &win10, NULL);
	KDT_CHECK(cj == 0);
	if (cj >= 0) {
		kd_site_client_copy(&t, cj, &s.clients[ci]);
		kd_site_fini(&s);
		KDT_CHECK(strlen(t.clients[cj].workstation) == 62);
		KDT_STREQ(t.clients[cj].other_ws, "PC-CLONE");
		KDT_STREQ(t.clients[cj].addr, "[2001:db8::1234:5678:9abc]:50000");
	} else
		kd_site_fini(&s);
	kd_site_fini(&t);
}

int
main(void)
{
	app = guid(WIN_APP);
	win10 = guid(WIN10_VOL);
	retail = guid(WIN10_RETAIL);
	test_model();
	test_items();
	test_rank();
	two_hosts(true);
	two_hosts(false);
	test_split();
	for (int st = 0; st < 3; st++) {
		srv_case(st, false);
		srv_case(st, true);
	}
	test_srv_port0();
	test_refused();
	test_retail();
	test_foreign();
	test_version();
	test_no_traffic();
	test_json();
	test_time();
	test_threshold_fix();
	test_integrity();
	test_no_answer();
	test_root_cause();
	test_signs();
	test_large();
	test_exchange();
	test_client_text();
	return KDT_DONE("test_site");
}
