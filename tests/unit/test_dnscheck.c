/*
 * Unit tests for lib/dnslookup.c and dnscheck/dnscheck.c that need no
 * server: answer decoding from hand-made wire messages, server and name
 * parsing, resolv.conf, corrected-record formats, and the whole engine on
 * a zone file written to a temporary directory.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../dnscheck/dnscheck.h"
#include "dnslookup.h"
#include "loop.h"
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
	/* 1689 unproven: a warning to check, with no record rewritten to 1688. */
	c = find(&r, "srv_port", "ex.test");
	KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
	KDT_CHECK(c != NULL && json_object_get(c->facts, "zone_lines") == NULL);
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


/* Any RR with an uncompressed owner; rdata given as bytes. */
static void
rr(struct msg *m, const char *owner, unsigned type, const uint8_t *rd, size_t rdlen)
{
	size_t i;

	putname(m, owner);
	put16(m, type);
	put16(m, 1);
	put32(m, 3600);
	put16(m, (unsigned)rdlen);
	for (i = 0; i < rdlen; i++)
		put8(m, rd[i]);
}

/* A name in wire form, for CNAME rdata. */
static size_t
wirename(const char *name, uint8_t *out)
{
	struct msg t;

	t.n = 0;
	putname(&t, name);
	memcpy(out, t.b, t.n);
	return t.n;
}

/*
 * Only records owned by the query name or its CNAME chain count (issue
 * "Hardening, second pass"): an SRV of evil.test in the answer for
 * example.com is not example.com's record, an A record of an unrelated
 * host is not the target's address.
 */
static void
test_foreign(void)
{
	static const uint8_t a66[4] = { 192, 0, 2, 66 }, a1[4] = { 192, 0, 2, 1 };
	struct kd_dns_result r;
	uint8_t cn[300];
	size_t cnlen;
	struct msg m;

	start(&m, 1, 0x8400, 1, Q, KD_DNS_T_SRV);
	putname(&m, "_vlmcs._tcp.evil.test");
	put16(&m, KD_DNS_T_SRV);
	put16(&m, 1);
	put32(&m, 3600);
	put16(&m, 6 + 10);
	put16(&m, 0);
	put16(&m, 0);
	put16(&m, 1688);
	putname(&m, "kms.evil");
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 1, Q, KD_DNS_T_SRV, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NODATA);
	KDT_CHECK(r.nrr == 0 && r.nforeign == 1);
	KDT_STREQ(r.foreign, "_vlmcs._tcp.evil.test. SRV");
	kd_dns_result_fini(&r);

	start(&m, 2, 0x8400, 2, "kms.corp.test", KD_DNS_T_A);
	rr(&m, "unrelated.evil.test", KD_DNS_T_A, a66, 4);
	rr(&m, "kms.corp.test", KD_DNS_T_A, a1, 4);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 2, "kms.corp.test.", KD_DNS_T_A, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_ANSWER && r.nrr == 1 && r.nforeign == 1);
	KDT_STREQ(r.nrr ? r.rr[0].data : "", "192.0.2.1");
	kd_dns_result_fini(&r);

	/* A CNAME chain given backwards: every link is owned, so all is kept. */
	start(&m, 3, 0x8400, 3, "kms.corp.test", KD_DNS_T_A);
	rr(&m, "host.other.test", KD_DNS_T_A, a1, 4);
	cnlen = wirename("host.other.test", cn);
	rr(&m, "mid.corp.test", KD_DNS_T_CNAME, cn, cnlen);
	cnlen = wirename("mid.corp.test", cn);
	rr(&m, "kms.corp.test", KD_DNS_T_CNAME, cn, cnlen);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 3, "kms.corp.test.", KD_DNS_T_A, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_ANSWER && r.nrr == 3 && r.nforeign == 0);
	kd_dns_result_fini(&r);

	/* A CNAME loop does not make the walk go on forever. */
	start(&m, 4, 0x8400, 2, "a.loop.test", KD_DNS_T_A);
	cnlen = wirename("b.loop.test", cn);
	rr(&m, "a.loop.test", KD_DNS_T_CNAME, cn, cnlen);
	cnlen = wirename("a.loop.test", cn);
	rr(&m, "b.loop.test", KD_DNS_T_CNAME, cn, cnlen);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_parse_answer(m.b, m.n, 4, "a.loop.test.", KD_DNS_T_A, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NODATA && r.nrr == 2);
	kd_dns_result_fini(&r);
}

/* ------------------------------------------------------------------ */
/* The engine against a scripted server in the same loop. */

struct fake {
	int	 fd;
	int	 port;
	int	 nq;		/* queries received */
	int	 ndup;		/* ... for _vlmcs._tcp.dup.test. */
	int	 nsilent;	/* ... for names with "silent" in them */
	int	 nlossy;	/* ... with "lossy": the first is dropped */
	bool	 mute;		/* answer nothing at all */
};

static void
fake_cb(struct kd_loop *l, int fd, short rev, void *arg)
{
	struct fake *f = arg;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	uint8_t q[512];
	char name[256];
	size_t off = 12, nl = 0;
	struct msg m;
	ssize_t n;

	(void)l;
	(void)rev;
	if ((n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl)) < 12)
		return;
	f->nq++;
	while (off < (size_t)n && q[off] != 0 && nl + q[off] + 1 < sizeof(name)) {
		memcpy(name + nl, q + off + 1, q[off]);
		nl += q[off];
		name[nl++] = '.';
		off += q[off] + 1U;
	}
	name[nl] = '\0';
	off += 1 + 4;	/* root, type, class: the question ends here */
	if (off > (size_t)n)
		return;
	if (strcmp(name, "_vlmcs._tcp.dup.test.") == 0)
		f->ndup++;
	if (strstr(name, "silent") != NULL || f->mute) {
		f->nsilent++;
		return;
	}
	/* A lost datagram: the first query of a "lossy" name goes unanswered. */
	if (strstr(name, "lossy") != NULL && f->nlossy++ == 0)
		return;
	memcpy(m.b, q, off);
	m.n = off;
	m.b[2] = 0x84;
	m.b[3] = 0x00;
	m.b[6] = 0;
	m.b[7] = 1;	/* one answer */
	m.b[8] = m.b[9] = m.b[10] = m.b[11] = 0;
	srv(&m, 3600, 0, 0, 1688, "kms.example.com");
	sendto(fd, m.b, m.n, 0, (struct sockaddr *)&from, fl);
}

/* A scripted server on addr:port (0: any free port). */
static int
fake_start_at(struct fake *f, struct kd_loop *l, const char *addr, int port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(f, 0, sizeof(*f));
	if ((f->fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(f->fd, (struct sockaddr *)&sin, &sl) != 0 ||
	    kd_loop_add_fd(l, f->fd, POLLIN, fake_cb, f) != 0)
		return -1;
	f->port = ntohs(sin.sin_port);
	return 0;
}

static int
fake_start(struct fake *f, struct kd_loop *l)
{
	return fake_start_at(f, l, "127.0.0.1", 0);
}

static void
fake_stop(struct fake *f, struct kd_loop *l)
{
	kd_loop_del_fd(l, f->fd);
	close(f->fd);
}

struct got {
	int		 n, answers, timeouts;
	uint64_t	 last_ms;
};

static void
on_got(struct kd_dns_result *res, enum kd_status st, void *arg)
{
	struct got *g = arg;

	g->n++;
	if (st == KD_OK && res->outcome == KD_DNS_ANSWER && res->nrr == 1)
		g->answers++;
	if (res->outcome == KD_DNS_TIMEOUT && st == KD_ETIMEDOUT)
		g->timeouts++;
	g->last_ms = kd_now_ms();
}

struct srvgot {
	int	 n, nt, port, addr_outcome, srv_outcome;
};

static void
on_srv_got(struct kd_dns_srv_result *res, void *arg)
{
	struct srvgot *g = arg;

	g->n++;
	g->nt = (int)res->nt;
	g->srv_outcome = res->srv.outcome;
	if (res->nt > 0) {
		g->port = res->t[0].srv->port;
		g->addr_outcome = res->t[0].addrs.outcome;
	}
}

/* Run the loop until the engine has nothing pending (or 5 s passed). */
static void
drain(struct kd_loop *l, struct kd_dns *dns)
{
	uint64_t end = kd_now_ms() + 5000;

	while (kd_dns_pending(dns) > 0 && kd_now_ms() < end)
		kd_loop_once(l, 50);
}

#define NMANY	300

static void
test_async(void)
{
	struct kd_loop *l = kd_loop_new();
	struct kd_dns_opts o;
	struct kd_dns *dns;
	struct fake f;
	struct got g, g2, g3;
	char spec[32], name[64];
	uint64_t t0;
	int i, nfail = 0;

	KDT_CHECK(l != NULL && fake_start(&f, l) == 0);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", f.port);
	kd_dns_opts_init(&o);
	o.server = spec;
	o.timeout_ms = 3000;
	KDT_CHECK((dns = kd_dns_new(l, &o)) != NULL);

	/* Hundreds in flight at once: one query each, all answered quickly. */
	memset(&g, 0, sizeof(g));
	t0 = kd_now_ms();
	for (i = 0; i < NMANY; i++) {
		snprintf(name, sizeof(name), "_vlmcs._tcp.d%d.many.test.", i);
		if (kd_dns_start(dns, name, KD_DNS_T_SRV, 0, on_got, &g) == NULL)
			nfail++;
	}
	KDT_CHECK(nfail == 0);
	/* Never a callback from inside kd_dns_start. */
	KDT_CHECK(g.n == 0);
	drain(l, dns);
	KDT_CHECK(g.n == NMANY && g.answers == NMANY);
	KDT_CHECK(f.nq == NMANY);
	KDT_CHECK(kd_now_ms() - t0 < 2000);

	/* The same question five times at once: one on the wire. */
	memset(&g, 0, sizeof(g));
	for (i = 0; i < 5; i++)
		kd_dns_start(dns, "_vlmcs._tcp.dup.test.", KD_DNS_T_SRV, 0, on_got, &g);
	drain(l, dns);
	KDT_CHECK(g.n == 5 && g.answers == 5 && f.ndup == 1);
	/* ... and asked again later, answered from what came, still from the loop. */
	kd_dns_start(dns, "_VLMCS._tcp.DUP.test", KD_DNS_T_SRV, 0, on_got, &g);
	KDT_CHECK(g.n == 5);
	drain(l, dns);
	KDT_CHECK(g.n == 6 && g.answers == 6 && f.ndup == 1);

	/*
	 * A server that never answers: asked again within the deadline, and
	 * the deadline is the end, not a multiple of it.
	 */
	memset(&g, 0, sizeof(g));
	t0 = kd_now_ms();
	kd_dns_start(dns, "silent.test.", KD_DNS_T_SRV, t0 + 400, on_got, &g);
	kd_dns_start_addrs(dns, "silent-host.test.", t0 + 400, on_got, &g);
	drain(l, dns);
	KDT_CHECK(g.n == 2 && g.timeouts == 2);
	KDT_CHECK(g.last_ms >= t0 + 390 && g.last_ms < t0 + 900);
	KDT_CHECK(f.nsilent >= 2 * 3);	/* a resend each after 200 ms */

	/* A lost query is sent again and answered, well within the deadline. */
	memset(&g, 0, sizeof(g));
	t0 = kd_now_ms();
	kd_dns_start(dns, "_vlmcs._tcp.lossy.test.", KD_DNS_T_SRV, t0 + 2000, on_got, &g);
	drain(l, dns);
	KDT_CHECK(g.n == 1 && g.answers == 1 && f.nlossy == 2);
	KDT_CHECK(g.last_ms - t0 >= 100 && g.last_ms - t0 < 1500);

	/* Cancelled: no callback, nothing pending; the pair half too. */
	memset(&g2, 0, sizeof(g2));
	kd_dns_cancel(kd_dns_start(dns, "_vlmcs._tcp.c.test.", KD_DNS_T_SRV, 0, on_got, &g2));
	kd_dns_cancel(kd_dns_start_addrs(dns, "c-host.test.", 0, on_got, &g2));
	KDT_CHECK(kd_dns_pending(dns) == 0);
	for (i = 0; i < 5; i++)
		kd_loop_once(l, 20);
	KDT_CHECK(g2.n == 0);

	/*
	 * SRV discovery in one request: the record, then its target (which
	 * answers with no address here); a name that is no DNS name is said
	 * from the loop too; a silent domain ends at its deadline.
	 */
	{
		struct srvgot sg, sbad, ssil;

		memset(&sg, 0, sizeof(sg));
		memset(&sbad, 0, sizeof(sbad));
		memset(&ssil, 0, sizeof(ssil));
		t0 = kd_now_ms();
		KDT_CHECK(kd_dns_start_srv(dns, "srvd.test", 0, on_srv_got, &sg) != NULL);
		KDT_CHECK(kd_dns_start_srv(dns, "a..b", 0, on_srv_got, &sbad) != NULL);
		KDT_CHECK(kd_dns_start_srv(dns, "silent-srv.test", t0 + 300, on_srv_got,
		    &ssil) != NULL);
		KDT_CHECK(sbad.n == 0);
		drain(l, dns);
		KDT_CHECK(sg.n == 1 && sg.nt == 1 && sg.port == 1688);
		KDT_CHECK(sg.srv_outcome == KD_DNS_ANSWER && sg.addr_outcome == KD_DNS_NODATA);
		KDT_CHECK(sbad.n == 1 && sbad.nt == 0 && sbad.srv_outcome == KD_DNS_ERROR);
		KDT_CHECK(ssil.n == 1 && ssil.srv_outcome == KD_DNS_TIMEOUT);
		KDT_CHECK(kd_now_ms() - t0 < 1000);
		/* Cancelled: nothing. */
		memset(&sg, 0, sizeof(sg));
		kd_dns_cancel_srv(kd_dns_start_srv(dns, "srve.test", 0, on_srv_got, &sg));
		for (i = 0; i < 5; i++)
			kd_loop_once(l, 20);
		KDT_CHECK(sg.n == 0);
		/* Left pending when the engine is freed below. */
		kd_dns_start_srv(dns, "silent-left.test", 0, on_srv_got, &sg);
	}

	/* Freed with requests in flight: no callback, no leak (ASan). */
	memset(&g3, 0, sizeof(g3));
	kd_dns_start(dns, "silent.two.test.", KD_DNS_T_SRV, 0, on_got, &g3);
	kd_dns_start_addrs(dns, "silent-three.test.", 0, on_got, &g3);
	kd_loop_once(l, 10);
	kd_dns_free(dns);
	KDT_CHECK(g3.n == 0);
	kd_loop_del_fd(l, f.fd);
	close(f.fd);
	KDT_CHECK(kd_loop_nfds(l) == 0);
	kd_loop_free(l);
}

/*
 * A zone is indexed by owner name: thousands of queries against a zone of
 * 100,000 records take a moment, not a scan each; empty non-terminals
 * still exist.
 */
static void
test_zone_index(void)
{
	struct kd_dns_opts o;
	struct kd_dns_result r;
	struct kd_dns_zone *zn;
	struct kd_diag d;
	char path[128], name[64];
	uint64_t t0;
	FILE *fp;
	int i, ok = 0;

	snprintf(path, sizeof(path), "%s/big.zone", tmpdir);
	if ((fp = fopen(path, "w")) == NULL)
		return;
	fprintf(fp, "$ORIGIN big.test.\n@ 3600 IN SOA ns hm 1 2 3 4 5\n");
	for (i = 0; i < 100000; i++)
		fprintf(fp, "h%d 3600 IN A 192.0.%d.%d\n", i, (i >> 8) & 255, i & 255);
	fprintf(fp, "x.ent 3600 IN A 192.0.2.9\n");
	fclose(fp);
	zn = kd_dns_zone_load(path, NULL, &d);
	KDT_CHECK(zn != NULL);
	if (zn == NULL)
		return;
	kd_dns_opts_init(&o);
	o.zone = zn;
	t0 = kd_now_ms();
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "h%d.big.test.", i * 50);
		kd_dns_result_init(&r);
		if (kd_dns_query(&o, name, KD_DNS_T_A, &r) == KD_OK &&
		    r.outcome == KD_DNS_ANSWER && r.nrr == 1)
			ok++;
		kd_dns_result_fini(&r);
	}
	KDT_CHECK(ok == 2000);
	KDT_CHECK(kd_now_ms() - t0 < 5000);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_query(&o, "ent.big.test.", KD_DNS_T_A, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NODATA);
	kd_dns_result_fini(&r);
	kd_dns_result_init(&r);
	KDT_CHECK(kd_dns_query(&o, "h100000.big.test.", KD_DNS_T_A, &r) == KD_OK);
	KDT_CHECK(r.outcome == KD_DNS_NXDOMAIN);
	kd_dns_result_fini(&r);
	kd_dns_zone_free(zn);
	unlink(path);
}


/*
 * resolv.conf nameservers share one deadline: a silent first server does
 * not cost a timeout of its own, three silent ones end at the deadline,
 * not three times it, and one where nothing listens is skipped at once.
 * resolv.conf names no port, so this needs port 53 on 127.0.0.2-4: root.
 */
static void
test_nameservers(void)
{
	struct kd_loop *l;
	struct kd_dns_opts o;
	struct kd_dns_result r;
	struct fake f2, f3, f4;
	struct kd_dns *dns;
	struct got g;
	const char *p;
	uint64_t t0;

	if (geteuid() != 0) {
		printf("SKIP test_nameservers (port 53 needs root)\n");
		return;
	}
	l = kd_loop_new();
	if (fake_start_at(&f2, l, "127.0.0.2", 53) != 0 ||
	    fake_start_at(&f3, l, "127.0.0.3", 53) != 0) {
		printf("SKIP test_nameservers (127.0.0.2/3 port 53 taken)\n");
		kd_loop_free(l);
		return;
	}
	f2.mute = true;
	p = write_file("ns.conf", "nameserver 127.0.0.2\nnameserver 127.0.0.3\n");
	kd_dns_opts_init(&o);
	o.resolv_conf = p;
	o.timeout_ms = 2000;
	dns = kd_dns_new(l, &o);
	memset(&g, 0, sizeof(g));
	t0 = kd_now_ms();
	kd_dns_start(dns, "_vlmcs._tcp.ns.test.", KD_DNS_T_SRV, 0, on_got, &g);
	drain(l, dns);
	/* The second server is asked after 2000 / (2 x 2) = 500 ms. */
	KDT_CHECK(g.answers == 1 && f2.nsilent == 1 && f3.nq == 1);
	KDT_CHECK(g.last_ms - t0 >= 450 && g.last_ms - t0 < 1000);

	/* Both silent: the deadline, once. */
	f3.mute = true;
	memset(&g, 0, sizeof(g));
	t0 = kd_now_ms();
	kd_dns_start(dns, "_vlmcs._tcp.ns2.test.", KD_DNS_T_SRV, 0, on_got, &g);
	drain(l, dns);
	KDT_CHECK(g.timeouts == 1);
	KDT_CHECK(g.last_ms - t0 >= 1990 && g.last_ms - t0 < 2500);
	KDT_CHECK(f2.nsilent >= 2 && f3.nsilent >= 2);
	kd_dns_free(dns);

	/* Nothing listens on the first: the second is asked at once. */
	f3.mute = false;
	fake_stop(&f2, l);
	memset(&g, 0, sizeof(g));
	dns = kd_dns_new(l, &o);
	t0 = kd_now_ms();
	kd_dns_start(dns, "_vlmcs._tcp.ns3.test.", KD_DNS_T_SRV, 0, on_got, &g);
	drain(l, dns);
	KDT_CHECK(g.answers == 1 && g.last_ms - t0 < 400);
	kd_dns_free(dns);

	/* The blocking call, three silent servers: one timeout, not three. */
	f3.mute = true;
	if (fake_start_at(&f4, l, "127.0.0.4", 53) == 0) {
		f4.mute = true;
		p = write_file("ns3.conf", "nameserver 127.0.0.3\nnameserver 127.0.0.4\n"
		    "nameserver 127.0.0.3\n");
		o.resolv_conf = p;
		o.timeout_ms = 1000;
		kd_dns_result_init(&r);
		t0 = kd_now_ms();
		/* The fakes are not served while this blocks: all silent. */
		KDT_CHECK(kd_dns_query(&o, "_vlmcs._tcp.ns4.test.", KD_DNS_T_SRV, &r) ==
		    KD_ETIMEDOUT);
		KDT_CHECK(r.outcome == KD_DNS_TIMEOUT);
		KDT_CHECK(kd_now_ms() - t0 >= 990 && kd_now_ms() - t0 < 1500);
		kd_dns_result_fini(&r);
		fake_stop(&f4, l);
	}
	fake_stop(&f3, l);
	kd_loop_free(l);
	unlink(p);
}

/* Not regular files: refused at once, naming the file; NUL bytes by line. */
static void
test_files(void)
{
	struct kd_resolv_conf rc;
	struct kd_diag d;
	const char *p;

	KDT_CHECK(kd_dns_zone_load("/dev/zero", "x.test", &d) == NULL);
	KDT_CHECK(strstr(d.msg, "/dev/zero") != NULL);
	KDT_CHECK(kd_dns_zone_load(tmpdir, "x.test", &d) == NULL);
	KDT_CHECK(strstr(d.msg, "directory") != NULL);
	KDT_CHECK(kd_dns_resolv_conf("/dev/zero", &rc, &d) != KD_OK);
	KDT_CHECK(strstr(d.msg, "/dev/zero") != NULL);
	p = write_file("long.conf", "search a.test\n");
	KDT_CHECK(p != NULL);
	{
		FILE *fp = fopen(p, "a");
		int i;

		if (fp != NULL) {
			for (i = 0; i < 5000; i++)
				fputc('x', fp);
			fputs("\nnameserver 192.0.2.1\n", fp);
			fclose(fp);
		}
	}
	KDT_CHECK(kd_dns_resolv_conf(p, &rc, &d) != KD_OK);
	KDT_CHECK(strstr(d.msg, "line 2") != NULL);
	unlink(p);
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
	test_foreign();
	test_async();
	test_zone_index();
	test_files();
	test_nameservers();
	{
		static const char *const files[] = { "resolv.conf", "resolv2.conf",
		    "ex.test.zone", "bad.zone", "nosoa.zone", "pr.test.zone", "ns.conf" };
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
