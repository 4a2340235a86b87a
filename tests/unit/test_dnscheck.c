/*
 * Unit tests for lib/dnslookup.c and dnscheck/dnscheck.c that need no
 * server: answer decoding from hand-made wire messages, server and name
 * parsing, resolv.conf, corrected-record formats, and the whole engine on
 * a zone file written to a temporary directory.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../dnscheck/dnscheck.h"
#include "dnslookup.h"
#include "kdnet.h"
#include "kdtest.h"
#include "report.h"

/* A small DNS message writer for the tests (no ldns here on purpose). */
struct msg {
	uint8_t	b[8192];
	size_t	n;
};

static void
put8(struct msg *m, unsigned v)
{
	if (m->n < sizeof(m->b))
		m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void
putname(struct msg *m, const char *name)
{
	const char *p = name, *dot;

	while (*p != '\0') {
		dot = strchr(p, '.');
		if (dot == NULL)
			dot = p + strlen(p);
		put8(m, (unsigned)(dot - p));
		while (p < dot)
			put8(m, (unsigned char)*p++);
		p = *dot ? dot + 1 : dot;
	}
	put8(m, 0);
}

/* Header + question for qname/SRV; answers are added by the caller. */
static void
start(struct msg *m, unsigned id, unsigned flags, unsigned ancount, const char *qname,
    unsigned qtype)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	putname(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* An SRV answer whose owner is the question name (pointer to offset 12). */
static void
srv(struct msg *m, uint32_t ttl, unsigned prio, unsigned weight, unsigned port,
    const char *target)
{
	size_t rdlen_at;

	put16(m, 0xc00c);
	put16(m, KD_DNS_T_SRV);
	put16(m, 1);
	put32(m, ttl);
	rdlen_at = m->n;
	put16(m, 0);
	put16(m, prio);
	put16(m, weight);
	put16(m, port);
	putname(m, target);
	m->b[rdlen_at] = (uint8_t)((m->n - rdlen_at - 2) >> 8);
	m->b[rdlen_at + 1] = (uint8_t)(m->n - rdlen_at - 2);
}

static const char Q[] = "_vlmcs._tcp.example.com.";

static void
test_parse(void)
{
	struct kd_dns_result r;
	struct msg m;
	unsigned i;

	/* A good answer, authoritative. */
	start(&m, 0x1234, 0x8400, 2, Q, KD_DNS_T_SRV);
	srv(&m, 3600, 0, 100, 1688, "kms1.example.com");
	srv(&m, 600, 10, 0, 1689, "kms2.example.com");
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x1234, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_ANSWER);
	KDT_CHECK(r.rcode == 0 && r.aa);
	KDT_CHECK(r.nrr == 2);
	KDT_STREQ(r.rr[0].owner, "_vlmcs._tcp.example.com.");
	KDT_STREQ(r.rr[0].data, "kms1.example.com.");
	KDT_CHECK(r.rr[0].ttl == 3600 && r.rr[0].port == 1688 && r.rr[0].weight == 100);
	KDT_CHECK(r.rr[1].priority == 10 && r.rr[1].port == 1689 && r.rr[1].ttl == 600);
	kd_dns_result_fini(&r);

	/* The question matches case-insensitively. */
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x1234, "_VLMCS._TCP.Example.COM.",
	    KD_DNS_T_SRV, &r) == KD_OK);
	kd_dns_result_fini(&r);

	/* Wrong id, wrong question, wrong type. */
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x1235, Q, KD_DNS_T_SRV, &r) == KD_EINVAL);
	KDT_CHECK(r.outcome == KD_DNS_MALFORMED);
	KDT_CHECK(strstr(r.diag.msg, "does not match query id") != NULL);
	kd_dns_result_fini(&r);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x1234, "_vlmcs._tcp.example.org.",
	    KD_DNS_T_SRV, &r) == KD_EINVAL);
	KDT_CHECK(strstr(r.diag.msg, "question") != NULL);
	kd_dns_result_fini(&r);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x1234, Q, KD_DNS_T_A, &r) == KD_EINVAL);
	kd_dns_result_fini(&r);

	/* Every truncation of a good answer is an error, never a crash. */
	for (i = 0; i < m.n; i++) {
		kd_dns_result_init(&r);
		KDT_CHECK(kd_dns_parse_answer(m.b, i, 0x1234, Q, KD_DNS_T_SRV, &r) != KD_OK);
		KDT_CHECK(r.outcome == KD_DNS_MALFORMED);
		kd_dns_result_fini(&r);
	}

	/* A query (QR clear) is not an answer. */
	start(&m, 7, 0x0100, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) != KD_OK);
	KDT_CHECK(strstr(r.diag.msg, "query") != NULL);
	kd_dns_result_fini(&r);

	/* rcodes. */
	start(&m, 7, 0x8403, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NXDOMAIN && r.rcode == 3);
	kd_dns_result_fini(&r);
	start(&m, 7, 0x8400, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NODATA);
	kd_dns_result_fini(&r);
	start(&m, 7, 0x8182, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_SERVFAIL && !r.aa);
	kd_dns_result_fini(&r);
	start(&m, 7, 0x8185, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_REFUSED);
	kd_dns_result_fini(&r);
	start(&m, 7, 0x8184, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_RCODE);
	KDT_STREQ(kd_dns_rcode_name(r.rcode), "NOTIMP");
	kd_dns_result_fini(&r);

	/* TC is reported. */
	start(&m, 7, 0x8600, 0, Q, KD_DNS_T_SRV);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.truncated);
	kd_dns_result_fini(&r);

	/* A compression pointer to itself. */
	start(&m, 7, 0x8400, 1, Q, KD_DNS_T_SRV);
	put16(&m, 0xc000 | (unsigned)m.n);
	put16(&m, KD_DNS_T_SRV);
	put16(&m, 1);
	put32(&m, 3600);
	put16(&m, 8);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 1688);
	put16(&m, 0xc00c);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 7, Q, KD_DNS_T_SRV, &r) != KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_MALFORMED);
	kd_dns_result_fini(&r);

	/* More answers than the cap: reported, not stored. */
	start(&m, 9, 0x8400, KD_DNS_MAX_ANSWERS + 1, Q, KD_DNS_T_SRV);
	for (i = 0; i <= KD_DNS_MAX_ANSWERS; i++) {
		put16(&m, 0xc00c);
		put16(&m, KD_DNS_T_SRV);
		put16(&m, 1);
		put32(&m, 3600);
		put16(&m, 8);
		put16(&m, 0);
		put16(&m, 0);
		put16(&m, 1688);
		put16(&m, 0xc00c);
	}
	KDT_CHECK(m.n < sizeof(m.b));
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 9, Q, KD_DNS_T_SRV, &r) == KD_ELIMIT);
	KDT_CHECK(r.outcome == KD_DNS_MALFORMED);
	KDT_CHECK(strstr(r.diag.msg, "more than") != NULL);
	kd_dns_result_fini(&r);
}

static void
test_names(void)
{
	struct kd_diag d;
	char buf[KD_DNS_TEXT_MAX], addr[64], longname[400];
	const char *err;
	uint16_t port;

	KDT_CHECK(kd_dns_vlmcs_name("example.com", buf, sizeof(buf), &d) == KD_OK);
	KDT_STREQ(buf, "_vlmcs._tcp.example.com.");
	KDT_CHECK(kd_dns_vlmcs_name("example.com.", buf, sizeof(buf), &d) == KD_OK);
	KDT_STREQ(buf, "_vlmcs._tcp.example.com.");
	KDT_CHECK(kd_dns_name_check("", &d) != KD_OK);
	KDT_CHECK(kd_dns_name_check("a..b", &d) != KD_OK);
	memset(longname, 'a', 64);
	strcpy(longname + 64, ".test");
	KDT_CHECK(kd_dns_name_check(longname, &d) == KD_ELIMIT);
	KDT_CHECK(strstr(d.msg, "63") != NULL);
	/* 243 octets is fine alone but not with "_vlmcs._tcp." in front. */
	memset(longname, 'a', 60);
	memcpy(longname + 60, ".", 1);
	memset(longname + 61, 'b', 60);
	memcpy(longname + 121, ".", 1);
	memset(longname + 122, 'c', 60);
	memcpy(longname + 182, ".", 1);
	memset(longname + 183, 'd', 55);
	strcpy(longname + 238, ".test");
	KDT_CHECK(kd_dns_name_check(longname, &d) == KD_OK);
	KDT_CHECK(kd_dns_vlmcs_name(longname, buf, sizeof(buf), &d) == KD_ELIMIT);
	KDT_CHECK(strstr(d.msg, "255") != NULL);

	KDT_CHECK(kd_dns_name_eq("Example.COM.", "example.com"));
	KDT_CHECK(!kd_dns_name_eq("example.com", "example.co"));

	KDT_CHECK(kd_dns_server_parse("127.0.0.1", addr, sizeof(addr), &port, &err));
	KDT_STREQ(addr, "127.0.0.1");
	KDT_CHECK(port == 53);
	KDT_CHECK(kd_dns_server_parse("127.0.0.1:5353", addr, sizeof(addr), &port, &err));
	KDT_CHECK(port == 5353);
	KDT_CHECK(kd_dns_server_parse("[::1]:5300", addr, sizeof(addr), &port, &err));
	KDT_STREQ(addr, "::1");
	KDT_CHECK(port == 5300);
	KDT_CHECK(kd_dns_server_parse("2001:db8::1", addr, sizeof(addr), &port, &err));
	KDT_CHECK(port == 53);
	KDT_CHECK(!kd_dns_server_parse("ns.example", addr, sizeof(addr), &port, &err));
	KDT_STREQ(err, "not an IP address");
	KDT_CHECK(!kd_dns_server_parse("127.0.0.1:0", addr, sizeof(addr), &port, &err));
	KDT_CHECK(!kd_dns_server_parse("127.0.0.1:65536", addr, sizeof(addr), &port, &err));
	KDT_CHECK(!kd_dns_server_parse("127.0.0.1:x", addr, sizeof(addr), &port, &err));
	KDT_CHECK(!kd_dns_server_parse("[::1", addr, sizeof(addr), &port, &err));
	KDT_CHECK(!kd_dns_server_parse("", addr, sizeof(addr), &port, &err));
}

static void
test_formats(void)
{
	char buf[512];

	dnscheck_zone_line(buf, sizeof(buf), "example.com", 3600, 0, 100, 1688,
	    "kms1.example.com.");
	KDT_STREQ(buf, "_vlmcs._tcp.example.com. 3600 IN SRV 0 100 1688 kms1.example.com.");
	dnscheck_nsupdate(buf, sizeof(buf), "add", "example.com.", 3600, 0, 0, 1688,
	    "kms1.example.com");
	KDT_STREQ(buf, "update add _vlmcs._tcp.example.com. 3600 IN SRV 0 0 1688 kms1.example.com.");
	dnscheck_nsupdate(buf, sizeof(buf), "delete", "example.com", 600, 0, 0, 1688,
	    "kms1.example.com.");
	KDT_STREQ(buf, "update delete _vlmcs._tcp.example.com. IN SRV 0 0 1688 kms1.example.com.");
	dnscheck_dnscmd(buf, sizeof(buf), "add", "example.com.", 3600, 0, 0, 1688,
	    "kms1.example.com.");
	KDT_STREQ(buf, "dnscmd /RecordAdd example.com _vlmcs._tcp 3600 SRV 0 0 1688 kms1.example.com.");
	dnscheck_dnscmd(buf, sizeof(buf), "delete", "example.com", 600, 0, 0, 1689,
	    "kms1.example.com.");
	KDT_STREQ(buf, "dnscmd /RecordDelete example.com _vlmcs._tcp SRV 0 0 1689 kms1.example.com. /f");

	KDT_CHECK(dnscheck_doubled_suffix("kms.example.com.example.com.", buf, sizeof(buf)));
	KDT_STREQ(buf, "kms.example.com.");
	KDT_CHECK(dnscheck_doubled_suffix("KMS.corp.Example.com.corp.example.COM.", buf, sizeof(buf)));
	KDT_STREQ(buf, "KMS.corp.Example.com.");
	KDT_CHECK(!dnscheck_doubled_suffix("kms.example.com.", buf, sizeof(buf)));
	KDT_CHECK(!dnscheck_doubled_suffix("kms.com.com.", buf, sizeof(buf)));
	KDT_CHECK(!dnscheck_doubled_suffix(".", buf, sizeof(buf)));
	/* An escaped dot does not split a label. */
	KDT_CHECK(!dnscheck_doubled_suffix("a\\.b.c.b.c.", NULL, 0));
	KDT_CHECK(dnscheck_doubled_suffix("x.a\\.b.c.a\\.b.c.", NULL, 0));
}

static char tmpdir[64];

static const char *
write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_resolv_conf(void)
{
	struct kd_resolv_conf rc;
	struct kd_diag d;
	const char *p;

	p = write_file("resolv.conf",
	    "# comment\n"
	    "nameserver 192.0.2.1\n"
	    "domain first.test\n"
	    "nameserver 2001:db8::1 ; trailing comment\n"
	    "search a.test b.test\tc.test\n"
	    "nameserver 192.0.2.3\n"
	    "nameserver 192.0.2.4\n"
	    "options ndots:2\n");
	KDT_CHECK(p != NULL);
	KDT_CHECK(kd_dns_resolv_conf(p, &rc, &d) == KD_OK);
	KDT_CHECK(rc.nns == KD_DNS_MAX_NS);
	KDT_STREQ(rc.nameserver[0], "192.0.2.1");
	KDT_STREQ(rc.nameserver[1], "2001:db8::1");
	KDT_CHECK(rc.nsearch == 3);
	KDT_STREQ(rc.search[0], "a.test");
	KDT_STREQ(rc.search[2], "c.test");
	p = write_file("resolv2.conf", "search x.test\ndomain last.test\n");
	KDT_CHECK(kd_dns_resolv_conf(p, &rc, &d) == KD_OK);
	KDT_CHECK(rc.nsearch == 1 && rc.nns == 0);
	KDT_STREQ(rc.search[0], "last.test");
	KDT_CHECK(kd_dns_resolv_conf("/nonexistent/resolv.conf", &rc, &d) == KD_EIO);
}

static const struct kd_check *
find(const struct kd_report *r, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].id, id) == 0 &&
		    (subject == NULL || strcmp(r->checks[i].subject, subject) == 0))
			return &r->checks[i];
	return NULL;
}

static void
test_engine(void)
{
	struct dnscheck_opts o;
	struct kd_report r;
	const struct kd_check *c;
	const char *zone, *domains[2] = { "ex.test", "sub.ex.test" };
	json_t *recs;

	zone = write_file("ex.test.zone",
	    "$ORIGIN ex.test.\n"
	    "$TTL 3600\n"
	    "@ IN SOA ns hostmaster 1 3600 600 86400 300\n"
	    "@ IN NS ns\n"
	    "ns IN A 127.0.0.1\n"
	    "_vlmcs._tcp 600 IN SRV 10 0 1688 kms2\n"
	    "_vlmcs._tcp 3600 IN SRV 0 0 1689 kms1\n"
	    "kms1 IN A 192.0.2.1\n"
	    "kms2 IN CNAME kms1\n"
	    "host.sub IN A 192.0.2.9\n");
	KDT_CHECK(zone != NULL);
	dnscheck_opts_init(&o);
	o.zone_file = zone;
	o.domains = domains;
	o.ndomains = 2;
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == 0);
	c = find(&r, "srv_exists", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	recs = c ? json_object_get(c->facts, "records") : NULL;
	KDT_CHECK(json_array_size(recs) == 2);
	/* Sorted by priority. */
	KDT_STREQ(json_string_value(json_object_get(json_array_get(recs, 0), "target")),
	    "kms1.ex.test.");
	KDT_CHECK(json_integer_value(json_object_get(json_array_get(recs, 1), "ttl")) == 600);
	c = find(&r, "srv_ttl", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
	c = find(&r, "srv_port", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	c = find(&r, "srv_target", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	KDT_CHECK(c != NULL && strstr(c->summary, "CNAME") != NULL);
	c = find(&r, "srv_policy", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	c = find(&r, "srv_exists", "sub.ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	KDT_STREQ(c ? json_string_value(json_object_get(c->facts, "outcome")) : NULL,
	    "nxdomain");
	c = find(&r, "srv_name", "sub.ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	c = find(&r, "multi_domain", NULL);
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	KDT_CHECK(kd_report_worst(&r) == KD_V_FAIL);
	kd_report_fini(&r);

	/* A broken zone: one UNKNOWN check naming the line. */
	zone = write_file("bad.zone",
	    "$ORIGIN bad.test.\n"
	    "@ 3600 IN SOA ns hostmaster 1 3600 600 86400 300\n"
	    "_vlmcs._tcp 3600 IN SRV 0 0\n");
	dnscheck_opts_init(&o);
	o.zone_file = zone;
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == -1);
	KDT_CHECK(r.n == 1);
	c = find(&r, "zone_load", NULL);
	KDT_CHECK(c != NULL && c->verdict == KD_V_UNKNOWN);
	KDT_CHECK(c != NULL && strstr(c->summary, "line 3") != NULL);
	kd_report_fini(&r);

	/* No SOA and no origin. */
	zone = write_file("nosoa.zone", "kms.x.test. 3600 IN A 192.0.2.1\n");
	dnscheck_opts_init(&o);
	o.zone_file = zone;
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == -1);
	c = find(&r, "zone_load", NULL);
	KDT_CHECK(c != NULL && strstr(c->summary, "--origin") != NULL);
	kd_report_fini(&r);
	o.origin = "x.test";
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == 0);
	c = find(&r, "srv_exists", "x.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);
}

/* An EDNS0 OPT record in the additional section is seen, and only then. */
static void
test_edns(void)
{
	struct kd_dns_result r;
	struct msg m;

	start(&m, 0x4b4d, 0x8400, 1, Q, KD_DNS_T_SRV);
	m.b[11] = 1;		/* ARCOUNT */
	srv(&m, 3600, 0, 0, 1688, "kms1.example.com");
	put8(&m, 0);		/* root owner */
	put16(&m, 41);		/* OPT */
	put16(&m, KD_DNS_EDNS_UDP);	/* class: the sender's UDP payload size */
	put32(&m, 0);
	put16(&m, 0);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x4b4d, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_ANSWER && r.nrr == 1 && r.edns);
	kd_dns_result_fini(&r);
	start(&m, 0x4b4d, 0x8400, 1, Q, KD_DNS_T_SRV);
	srv(&m, 3600, 0, 0, 1688, "kms1.example.com");
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 0x4b4d, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(!r.edns && !r.edns_fallback);
	kd_dns_result_fini(&r);
}

/*
 * opts.probe: one probe.target check per address and port, after the DNS
 * checks, however many records and domains lead there.
 */
static void
test_engine_probe(void)
{
	struct dnscheck_opts o;
	struct kd_report r;
	const struct kd_check *c = NULL;
	const char *zone, *domains[2] = { "pr.test", "sub.pr.test" };
	char text[1024];
	size_t i, nprobe = 0;
	int fd, port = kdt_refused_port(&fd);

	KDT_CHECK(port > 0);
	snprintf(text, sizeof(text),
	    "$ORIGIN pr.test.\n"
	    "$TTL 3600\n"
	    "@ IN SOA ns hostmaster 1 3600 600 86400 300\n"
	    "@ IN NS ns\n"
	    "ns IN A 127.0.0.1\n"
	    "_vlmcs._tcp IN SRV 0 0 %d kms1\n"
	    "_vlmcs._tcp IN SRV 5 0 %d kms1\n"
	    "_vlmcs._tcp.sub IN SRV 0 0 %d kms1.pr.test.\n"
	    "_vlmcs._tcp IN SRV 9 0 0 kms1\n"
	    "kms1 IN A 127.0.0.1\n", port, port, port);
	zone = write_file("pr.test.zone", text);
	KDT_CHECK(zone != NULL);
	dnscheck_opts_init(&o);
	o.zone_file = zone;
	o.domains = domains;
	o.ndomains = 2;
	o.probe = true;
	o.probe_tcp_only = true;
	o.timeout_ms = 2000;
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == 0);
	for (i = 0; i < r.n; i++)
		if (strcmp(r.checks[i].id, "probe.target") == 0) {
			c = &r.checks[i];
			nprobe++;
			/* The probe runs after every DNS check. */
			KDT_CHECK(i + 1 == r.n);
		}
	/* Port 0 is not probed; the three other records are one address and port. */
	KDT_CHECK(nprobe == 1);
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	KDT_STREQ(c ? json_string_value(json_object_get(c->facts, "state")) : NULL, "refused");
	KDT_STREQ(c ? json_string_value(json_object_get(c->facts, "target")) : NULL,
	    "kms1.pr.test");
	KDT_STREQ(c ? json_string_value(json_object_get(c->facts, "domain")) : NULL, "pr.test");
	KDT_CHECK(c != NULL && json_array_size(json_object_get(c->facts, "domains")) == 2);
	KDT_STREQ(c ? json_string_value(json_array_get(json_object_get(c->facts, "domains"),
	    1)) : NULL, "sub.pr.test");
	kd_report_fini(&r);

	/* Without opts.probe nothing is probed. */
	o.probe = false;
	kd_report_init(&r, DNSCHECK_TOOL);
	KDT_CHECK(dnscheck_run(&o, &r) == 0);
	for (i = 0; i < r.n; i++)
		KDT_CHECK(strcmp(r.checks[i].id, "probe.target") != 0);
	kd_report_fini(&r);
	close(fd);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kd-test-dnscheck.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_names();
	test_formats();
	test_resolv_conf();
	test_engine();
	test_edns();
	test_engine_probe();
	{
		static const char *const files[] = { "resolv.conf", "resolv2.conf",
		    "ex.test.zone", "bad.zone", "nosoa.zone", "pr.test.zone" };
		char path[128];
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
	return KDT_DONE("test_dnscheck");
}
