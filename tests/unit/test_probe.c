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

static void
test_verdict(void)
{
	struct probe_opts o;
	struct probe_result r;
	const char *err;

	probe_opts_init(&o);
	memset(&r, 0, sizeof(r));
	r.port = 1688;
	r.state = PROBE_FILTERED;
	r.sent = 1;
	snprintf(r.detail, sizeof(r.detail), "no answer within 3 s");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "port");
	KDT_CHECK(strstr(r.summary, "filtered") != NULL);
	KDT_CHECK(strstr(r.fix, "firewall") != NULL);

	/* Accepted then reset: not "nothing listens". */
	memset(&r, 0, sizeof(r));
	r.port = 1688;
	r.state = PROBE_RESET;
	r.sent = 1;
	snprintf(r.detail, sizeof(r.detail), "accepted the connection, then reset it");
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_CHECK(strstr(r.summary, "reset") != NULL);
	KDT_CHECK(strstr(r.fix, "nothing listens") == NULL);
	KDT_CHECK(strstr(r.fix, "resets the connection") != NULL);

	memset(&r, 0, sizeof(r));
	r.state = PROBE_OPEN;
	r.sent = r.received = 1;
	r.connect_ms = 1.5;
	r.rpc = PROBE_RPC_KMS;
	r.rpc_ms = 0.5;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_OK);

	/* Response time thresholds, seconds: 2 ms total. */
	KDT_CHECK(kd_thresholds_set(&o.time_thr, "0.001", "0.005", &err));
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
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

	/* Activation: count against the threshold, and against ranges. */
	o.activate = true;
	r.rpc = PROBE_RPC_KMS;
	r.act.done = r.act.answered = r.act.verified = true;
	r.act.count = 10;
	r.act.required_count = 25;
	r.act.can_activate = 1;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "threshold");
	r.act.count = 50;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_OK);
	KDT_CHECK(kd_thresholds_set(&o.count_thr, "25:", "5:", &err));
	o.count_thr_set = true;
	r.act.count = 10;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_WARN);
	o.count_thr_set = false;
	/* An answer that fails its integrity check is not believed. */
	r.act.count = 50;
	r.act.verified = false;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_CHECK(strstr(r.summary, "not believed") != NULL);
	/* The host key cannot activate the product. */
	r.act.verified = true;
	r.act.can_activate = 0;
	probe_verdict(&o, &r);
	KDT_CHECK(r.verdict == KD_V_FAIL);
	KDT_STREQ(r.item, "host_key");
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

int
main(void)
{
	test_classify();
	test_parse();
	test_cmid();
	test_verdict();
	test_engine_dns_error();
	test_engine_resolve();
	test_add_numeric();
	return KDT_DONE("test_probe");
}
