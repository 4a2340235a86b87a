/*
 * kmsdiag-probe engine helpers: the errno/ICMP classification table,
 * target parsing, the machine CMID, verdicts, and the report facts.
 * The network behaviour itself is tested for real by tests/netns/run.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../../probe/probe.h"
#include "../../probe/probesite.h"
#include "kdnet.h"
#include "kdtest.h"

static void
test_classify(void)
{
	KDT_CHECK(probe_classify_errno(0) == PROBE_OPEN);
	KDT_CHECK(probe_classify_errno(ECONNREFUSED) == PROBE_REFUSED);
	/* Accepted, then reset before the loop saw it: something listens. */
	KDT_CHECK(probe_classify_errno(ECONNRESET) == PROBE_RESET);
	KDT_STREQ(probe_state_name(PROBE_RESET), "reset");
	KDT_CHECK(probe_classify_errno(ETIMEDOUT) == PROBE_FILTERED);
	KDT_CHECK(probe_classify_errno(EHOSTUNREACH) == PROBE_UNREACHABLE);
	KDT_CHECK(probe_classify_errno(ENETUNREACH) == PROBE_UNREACHABLE);
	KDT_CHECK(probe_classify_errno(EACCES) == PROBE_BLOCKED);
	KDT_CHECK(probe_classify_errno(EPERM) == PROBE_BLOCKED);
	KDT_CHECK(probe_classify_errno(EMFILE) == PROBE_ERROR);
	/* IPv4 reports admin-prohibited as EHOSTUNREACH: the ICMP code decides. */
	KDT_CHECK(probe_classify_icmp(AF_INET, 3, 13) == PROBE_BLOCKED);
	KDT_CHECK(probe_classify_icmp(AF_INET, 3, 1) == PROBE_UNREACHABLE);
	KDT_CHECK(probe_classify_icmp(AF_INET, 3, 3) == PROBE_REFUSED);
	KDT_CHECK(probe_classify_icmp(AF_INET6, 1, 1) == PROBE_BLOCKED);
	KDT_CHECK(probe_classify_icmp(AF_INET6, 1, 3) == PROBE_UNREACHABLE);
	KDT_CHECK(probe_classify_icmp(AF_INET6, 1, 4) == PROBE_REFUSED);
	KDT_CHECK(probe_classify_icmp(AF_INET, 11, 0) == PROBE_PENDING);
	KDT_STREQ(probe_state_name(PROBE_DNS_ERROR), "dns_error");
	KDT_STREQ(probe_state_name(PROBE_FILTERED), "filtered");
	KDT_STREQ(probe_rpc_name(PROBE_RPC_NOT_RPC), "not_rpc");
	KDT_STREQ(probe_rpc_name(PROBE_RPC_SILENT), "silent");
}

static void
test_parse(void)
{
	char h[64];
	uint16_t port;
	const char *err = NULL;

	KDT_CHECK(probe_parse_target("kms1.example", 1688, h, sizeof(h), &port, &err));
	KDT_STREQ(h, "kms1.example");
	KDT_CHECK(port == 1688);
	KDT_CHECK(probe_parse_target("kms1:1700", 1688, h, sizeof(h), &port, &err));
	KDT_STREQ(h, "kms1");
	KDT_CHECK(port == 1700);
	KDT_CHECK(probe_parse_target("[::1]:1689", 1688, h, sizeof(h), &port, &err));
	KDT_STREQ(h, "::1");
	KDT_CHECK(port == 1689);
	KDT_CHECK(probe_parse_target("[fe80::1]", 1688, h, sizeof(h), &port, &err));
	KDT_STREQ(h, "fe80::1");
	KDT_CHECK(port == 1688);
	KDT_CHECK(probe_parse_target("2001:db8::5", 99, h, sizeof(h), &port, &err));
	KDT_STREQ(h, "2001:db8::5");
	KDT_CHECK(port == 99);
	KDT_CHECK(!probe_parse_target("", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("h:0", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("h:65536", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("h:x", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("h:", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("h:-1", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("[::1", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("[::1]x", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target("[]:5", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target(":5", 1688, h, sizeof(h), &port, &err));
	/* An IPv6 address with a port needs brackets; say so. */
	err = NULL;
	KDT_CHECK(!probe_parse_target("::1:21688", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(err != NULL && strstr(err, "[address]:port") != NULL);
	KDT_CHECK(!probe_parse_target("fe80::1:x", 1688, h, sizeof(h), &port, &err));
	KDT_CHECK(!probe_parse_target(
	    "a-very-long-name-that-does-not-fit-in-the-small-buffer-given-here.example",
	    1688, h, sizeof(h), &port, &err));
	KDT_STREQ(err, "host name too long");
}

static void
test_cmid(void)
{
	char path[] = "/tmp/kd-machine-id.XXXXXX", g1[KD_GUID_STRLEN], g2[KD_GUID_STRLEN];
	struct kd_guid a, b;
	int fd = mkstemp(path);

	KDT_CHECK(fd >= 0);
	KDT_CHECK(write(fd, "0123456789abcdef0123456789abcdef\n", 33) == 33);
	close(fd);
	KDT_CHECK(probe_machine_cmid(path, &a));
	KDT_CHECK(probe_machine_cmid(path, &b));
	KDT_CHECK(kd_guid_eq(&a, &b));			/* stable */
	kd_guid_format(&a, g1);
	KDT_CHECK(g1[14] == '4');			/* version 4 */
	KDT_CHECK(strchr("89ab", g1[19]) != NULL);	/* RFC 4122 variant */
	/* Not the machine-id itself (machine-id(5): do not expose it). */
	KDT_CHECK(strncmp(g1, "01234567", 8) != 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	KDT_CHECK(fd >= 0 && write(fd, "fedcba9876543210fedcba9876543210", 32) == 32);
	close(fd);
	KDT_CHECK(probe_machine_cmid(path, &b));
	kd_guid_format(&b, g2);
	KDT_CHECK(strcmp(g1, g2) != 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	KDT_CHECK(!probe_machine_cmid(path, &b));	/* empty */
	unlink(path);
	KDT_CHECK(!probe_machine_cmid("/nonexistent/machine-id", &b));
}

/* A result as the engine leaves it: one address, one attempt. */
static void
result(struct probe_result *r, enum probe_state st, const char *detail)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->target, sizeof(r->target), "kms1.test");
	snprintf(r->address, sizeof(r->address), "192.0.2.10");
	r->family = AF_INET;
	r->port = 1688;
	r->state = st;
	r->sent = 1;
	r->received = st == PROBE_OPEN;
	r->connect_ms = 1.5;
	r->act.can_activate = -1;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
}

/* A verified answer from the test responder's default host (Server 2019, key group 206). */
static void
answered(struct probe_result *r, uint32_t count)
{
	struct kd_guid g;

	result(r, PROBE_OPEN, "");
	r->rpc = PROBE_RPC_KMS;
	r->rpc_ms = 0.5;
	KDT_CHECK(kd_guid_parse(&g, "73111121-5638-40f6-bc11-f1d7b0d64300"));
	r->act.sku = kd_sku_find(&g);
	KDT_CHECK(r->act.sku != NULL);
	snprintf(r->act.product, sizeof(r->act.product), "%s", r->act.sku->name);
	snprintf(r->act.cmid, sizeof(r->act.cmid), "3f1e2d4c-0000-4000-8000-000000000001");
	r->act.done = r->act.answered = r->act.verified = true;
	r->act.count = count;
	r->act.required_count = 25;
	r->act.protocol = 6;
	snprintf(r->act.epid, sizeof(r->act.epid), "03612-00206-556-123456-03-1033-17763.0000-3182018");
}

static void
test_verdict(void)
{
	struct probe_opts o;
	struct probe_result r;
	const char *err;

	probe_opts_init(&o);
	result(&r, PROBE_FILTERED, "no answer within 3 s");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "port");
	KDT_CHECK(strstr(r.summary, "not answered") != NULL);
	KDT_CHECK(strncmp(r.summary, "TCP SYNs to port 1688", 21) == 0);	/* the host is the subject */
	KDT_CHECK(strstr(r.fix, "firewall") != NULL);

	/* Accepted then reset: not "nothing listens". */
	result(&r, PROBE_RESET, PROBE_RESET_DETAIL);
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_CHECK(strstr(r.summary, "reset") != NULL);
	KDT_CHECK(strstr(r.summary, "nothing listens") == NULL);
	KDT_CHECK(strstr(r.fix, "resets the connection") != NULL);

	/* A local failure checked nothing: UNKNOWN, never OK or FAIL. */
	result(&r, PROBE_ERROR, "Too many open files");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_UNKNOWN);

	result(&r, PROBE_OPEN, "");
	r.rpc = PROBE_RPC_KMS;
	r.rpc_ms = 0.5;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_OK);

	/* Response time thresholds, seconds: 2 ms total; the line says which range. */
	KDT_CHECK(kd_thresholds_set(&o.time_thr, "0.001", "0.005", &err));
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
	KDT_CHECK(strstr(r.summary, "-w range 0.001") != NULL);
	KDT_CHECK(kd_thresholds_set(&o.time_thr, NULL, "0.001", &err));
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_CHECK(kd_thresholds_set(&o.time_thr, NULL, NULL, &err));

	/* Loss with -n: a warning while some attempts connect. */
	r.sent = 4;
	r.received = 3;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
	r.sent = 1;
	r.received = 1;

	r.rpc = PROBE_RPC_SILENT;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "rpc");

	/* Activation: the count against the threshold, naming the host. */
	o.activate = true;
	answered(&r, 10);
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "threshold");
	KDT_CHECK(strncmp(r.summary, "count 10 < 25 for Windows 10/11", 31) == 0);
	answered(&r, 50);
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_OK);
	/* The operator's Nagios ranges judge the count instead, and say so. */
	KDT_CHECK(kd_thresholds_set(&o.count_thr, "30:", "5:", &err));
	o.count_thr_set = true;
	answered(&r, 27);
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
	KDT_CHECK(strstr(r.summary, "outside the --count-warning range 30:") != NULL);
	answered(&r, 10);
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);	/* below 25, above the critical 5 */
	o.count_thr_set = false;

	/* An answer that fails its integrity check is not believed (rule 7). */
	answered(&r, 50);
	r.act.verified = false;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_CHECK(strstr(r.summary, "integrity check failed") != NULL);

	/* A refusal has no threshold verdict; 0xC004F042 is the host key (rule 3, 5). */
	answered(&r, 0);
	r.act.answered = r.act.verified = false;
	r.act.hresult = 0xC004F042;
	snprintf(r.act.error, sizeof(r.act.error), "the host refused the request");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "host_key");
	KDT_CHECK(strstr(r.fix, "install a host key") != NULL);

	/* An ePID whose key cannot cover the product, with a count: a warning about the host (rule 5). */
	answered(&r, 50);
	snprintf(r.act.epid, sizeof(r.act.epid), "06401-00206-200-123456-03-1033-9200.0000-2992012");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
	KDT_STREQ(r.item, "host_key");
	KDT_CHECK(strstr(r.fix, "install a higher") == NULL);

	/* A retail product is the client's key, never the host's (rule 4). */
	{
		const struct kd_sku *home = kd_sku_find_name("Windows 10/11 Home");

		KDT_CHECK(home != NULL);
		answered(&r, 50);
		if (home != NULL)
			r.act.sku = home;
		probe_verdict(&o, &r);
		KDT_CHECK(r.verdict == KD_V_FAIL);
		KDT_STREQ(r.item, "key");
	}

	/* An SRV record with port 0 is never a host (and never probed). */
	{
		struct kd_site s;

		kd_site_init(&s);
		result(&r, PROBE_DNS_ERROR, "SRV record is unusable");
		r.port = 0;
		r.address[0] = '\0';
		KDT_CHECK(probe_site_result(&s, &o, &r, 0) == -1);
		KDT_CHECK(s.nhosts == 0);
		kd_site_fini(&s);
		probe_verdict(&o, &r);
		KDT_CHECK(r.verdict == KD_V_FAIL);
		KDT_STREQ(r.item, "dns");
	}
}

/*
 * Two hosts for one product, one above and one below the threshold: the
 * one below is a warning about that host, in either order (rule 1), and
 * UNKNOWN (a local error) never outranks FAIL in the worst verdict.
 */
static void
test_verdict_site(void)
{
	struct probe_opts o;
	struct probe_result r[3];
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	long h[3];
	int order;

	probe_opts_init(&o);
	o.activate = true;
	memset(&jo, 0, sizeof(jo));
	jo.activation_asked = true;
	for (order = 0; order < 2; order++) {
		answered(&r[order], 50);
		answered(&r[1 - order], 7);
		snprintf(r[1 - order].address, sizeof(r[0].address), "192.0.2.11");
		kd_site_init(&s);
		h[0] = probe_site_result(&s, &o, &r[0], 0);
		h[1] = probe_site_result(&s, &o, &r[1], 0);
		KDT_CHECK(h[0] >= 0 && h[1] >= 0 && h[0] != h[1]);
		kd_site_judge(&s, &jo, &cl);
		probe_view(&o, &r[0], &cl, h[0]);
		probe_view(&o, &r[1], &cl, h[1]);
		KDT_CHECK(r[order].verdict == KD_V_OK);
		KDT_CHECK(r[1 - order].verdict == KD_V_WARN);
		KDT_CHECK(strstr(r[1 - order].summary, "192.0.2.11:1688") != NULL);
		KDT_CHECK(strstr(r[1 - order].summary, "192.0.2.10:1688 answers 50") != NULL);
		kd_checklist_fini(&cl);
		kd_site_fini(&s);
	}
	/* Our own request is a client marked self, never a client of the site (rule 12). */
	answered(&r[0], 50);
	kd_site_init(&s);
	h[0] = probe_site_result(&s, &o, &r[0], 0);
	KDT_CHECK(s.nclients == 1 && s.clients[0].self);
	KDT_CHECK(s.hosts[h[0]].napps == 1 && strcmp(s.hosts[h[0]].apps[0].epid,
	    r[0].act.epid) == 0);
	kd_site_fini(&s);
}

static void
test_engine_dns_error(void)
{
	struct probe_opts o;
	struct kd_report rep;
	const char *err = NULL;
	const char *bad[] = { "h:99999" };
	json_t *j;

	probe_opts_init(&o);
	kd_report_init(&rep, "kmsdiag-probe");
	KDT_CHECK(probe_run(&o, bad, 1, &rep, &err) == -1);
	KDT_STREQ(err, "invalid port");
	KDT_CHECK(rep.n == 0);

	/* The incremental API with a result that needs no connection. */
	{
		struct kd_loop *l = kd_loop_new();
		struct probe *p = probe_new(&o, l);

		KDT_CHECK(probe_add_error(p, "x.invalid", 1688, PROBE_DNS_ERROR,
		    "x.invalid does not resolve") == 0);
		KDT_CHECK(probe_start(p) == 0);
		KDT_CHECK(kd_loop_run(l) == 0);
		KDT_CHECK(probe_finished(p));
		probe_report(p, &rep);
		KDT_CHECK(rep.n == 1);
		j = kd_check_to_json(&rep, &rep.checks[0]);
		KDT_STREQ(json_string_value(json_object_get(j, "state")), "dns_error");
		KDT_CHECK(json_is_null(json_object_get(j, "address")));
		KDT_CHECK(json_is_null(json_object_get(j, "connect_ms")));
		KDT_STREQ(json_string_value(json_object_get(j, "status")), "fail");
		KDT_CHECK(json_object_get(j, "activation") == NULL);	/* not asked */
		json_decref(j);
		probe_free(p);
		kd_loop_free(l);
	}
	kd_report_fini(&rep);
}

struct seen {
	size_t	results, done;
	bool	pending_at_start;
};

static void
count_result(struct probe *p, const struct probe_result *r, void *arg)
{
	struct seen *s = arg;

	(void)p;
	(void)r;
	s->results++;
}

static void
count_done(struct probe *p, void *arg)
{
	struct seen *s = arg;

	(void)p;
	s->done++;
}

/*
 * Names resolve in the background (localhost comes from /etc/hosts: no
 * network), numeric addresses at once; results keep the target order.
 */
static void
test_engine_resolve(void)
{
	struct probe_opts o;
	struct kd_loop *l;
	struct probe *p;
	const struct probe_result *r, *keep;
	struct seen seen = { 0, 0, false };
	char spec[64];
	const char *err = NULL;
	size_t i, n;
	int fd, port = kdt_refused_port(&fd);

	KDT_CHECK(port > 0);
	probe_opts_init(&o);
	o.family = AF_INET;
	o.tcp_only = true;
	o.timeout_ms = 2000;
	l = kd_loop_new();
	p = probe_new(&o, l);
	probe_set_callbacks(p, count_result, count_done, &seen);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	KDT_CHECK(probe_add_target(p, spec, &err) == 0);
	snprintf(spec, sizeof(spec), "localhost:%d", port);
	KDT_CHECK(probe_add_target(p, spec, &err) == 0);
	snprintf(spec, sizeof(spec), "[::1]:%d", port);	/* numeric, wrong family */
	KDT_CHECK(probe_add_target(p, spec, &err) == 0);
	KDT_CHECK(probe_nresults(p) == 3);
	/* The numeric target is known before anything runs; the name is not. */
	KDT_STREQ(probe_result_at(p, 0)->address, "127.0.0.1");
	keep = probe_result_at(p, 1);
	KDT_STREQ(keep->target, "localhost");
	KDT_STREQ(keep->address, "");
	KDT_CHECK(keep->state == PROBE_PENDING && !keep->done);
	KDT_CHECK(keep->port == port);
	KDT_CHECK(probe_result_at(p, 2)->state == PROBE_DNS_ERROR);
	KDT_CHECK(probe_start(p) == 0);
	KDT_CHECK(!probe_finished(p));
	KDT_CHECK(kd_loop_run(l) == 0);
	KDT_CHECK(probe_finished(p));
	n = probe_nresults(p);
	KDT_CHECK(n == 3);
	KDT_CHECK(seen.results == n && seen.done == 1);
	/* The pointer taken while the name was pending is the final result. */
	KDT_CHECK(probe_result_at(p, 1) == keep);
	KDT_STREQ(keep->address, "127.0.0.1");
	for (i = 0; i < 2; i++) {
		r = probe_result_at(p, i);
		KDT_CHECK(r->done && r->state == PROBE_REFUSED);
	}
	KDT_CHECK(probe_result_at(p, 2)->done);
	probe_free(p);
	kd_loop_free(l);

	/* Cancelled while the name resolves: a final result, nothing leaks. */
	l = kd_loop_new();
	p = probe_new(&o, l);
	KDT_CHECK(probe_add_target(p, "localhost", &err) == 0);
	KDT_CHECK(probe_start(p) == 0);
	probe_cancel(p);
	r = probe_result_at(p, 0);
	KDT_CHECK(r->done && r->state == PROBE_PENDING);
	KDT_STREQ(r->detail, "cancelled");
	probe_free(p);
	kd_loop_free(l);

	/* Freed before it started, lookup still registered. */
	l = kd_loop_new();
	p = probe_new(&o, l);
	KDT_CHECK(probe_add_target(p, "localhost", &err) == 0);
	probe_free(p);
	kd_loop_free(l);
	close(fd);
}

/* Addresses as DNS answers give them: numeric text, filtered by -4/-6. */
static void
test_add_numeric(void)
{
	struct probe_opts o;
	struct kd_loop *l = kd_loop_new();
	struct probe *p;

	probe_opts_init(&o);
	p = probe_new(&o, l);
	KDT_CHECK(probe_add_numeric(p, "kms1", "192.0.2.10", 1688) == 0);
	KDT_CHECK(probe_add_numeric(p, "kms1", "2001:db8::10", 1689) == 0);
	KDT_CHECK(probe_add_numeric(p, "kms1", "kms1.example", 1688) == -1);
	KDT_CHECK(probe_add_numeric(p, "kms1", "", 1688) == -1);
	KDT_CHECK(probe_nresults(p) == 2);
	KDT_STREQ(probe_result_at(p, 0)->address, "192.0.2.10");
	KDT_CHECK(probe_result_at(p, 0)->port == 1688);
	KDT_CHECK(probe_result_at(p, 1)->family == AF_INET6);
	KDT_CHECK(probe_result_at(p, 1)->port == 1689);
	probe_free(p);

	o.family = AF_INET6;
	p = probe_new(&o, l);
	KDT_CHECK(probe_add_numeric(p, "kms1", "192.0.2.10", 1688) == 1);
	KDT_CHECK(probe_add_numeric(p, "kms1", "::1", 1688) == 0);
	KDT_CHECK(probe_nresults(p) == 1);
	probe_free(p);
	o.family = AF_INET;
	p = probe_new(&o, l);
	KDT_CHECK(probe_add_numeric(p, "kms1", "::1", 1688) == 1);
	KDT_CHECK(probe_nresults(p) == 0);
	probe_free(p);
	kd_loop_free(l);
}

/* Issue 16: the protocol of the product's row; --product list and "did you mean". */
static void
test_products(void)
{
	const struct kd_sku *w7 = kd_sku_find_name("Windows 7 Enterprise");
	const struct kd_sku *w10 = kd_sku_find_name("Windows 10/11 Enterprise");
	const struct kd_sku *near[4];
	size_t n, i;
	bool all;

	KDT_CHECK(w7 != NULL && w10 != NULL);
	KDT_CHECK(probe_protocol_for(0, w7) == 4);	/* a Windows 7 client sends v4 */
	KDT_CHECK(probe_protocol_for(0, w10) == 6);
	KDT_CHECK(probe_protocol_for(5, w7) == 5);	/* --protocol wins */
	KDT_CHECK(probe_protocol_for(0, NULL) == 6);
	n = probe_product_suggest("Windows Server 2022", near, 4);
	KDT_CHECK(n > 0);
	for (i = 0, all = true; i < n; i++)
		all = all && strstr(near[i]->name, "Windows Server 2022") != NULL;
	KDT_CHECK(all);
	n = probe_product_suggest("office 2016", near, 4);	/* any case, any order of words */
	KDT_CHECK(n > 0 && strstr(near[0]->name, "2016") != NULL);
	n = probe_product_suggest("Windos 10/11 Enterprize", near, 4);	/* misspelt */
	KDT_CHECK(n > 0 && strcmp(near[0]->name, "Windows 10/11 Enterprise") == 0);
	KDT_CHECK(probe_product_suggest("zzzzzzzz", near, 4) == 0);
}

int
main(void)
{
	test_classify();
	test_parse();
	test_cmid();
	test_verdict();
	test_verdict_site();
	test_products();
	test_engine_dns_error();
	test_engine_resolve();
	test_add_numeric();
	return KDT_DONE("test_probe");
}
