/*
 * kmsdiag-exporter's pure parts: the configuration, the allow list and
 * the Prometheus exposition of a site.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../exporter/args.h"
#include "../../exporter/exporter.h"
#include "kdargv.h"
#include "kdtest.h"

static bool
parse(struct exp_config *c, const char *text, char *err, size_t errlen)
{
	exp_config_init(c);
	return exp_config_parse(c, text, strlen(text), "t.conf", err, errlen);
}

static void
test_config(void)
{
	struct exp_config c;
	char err[256];
	const struct exp_module *m;

	KDT_CHECK(parse(&c, "listen [::1]:9700\nconcurrency 4\nallow 127.0.0.0/8\n"
	    "module rpc   # a comment\n\tcheck rpc\n\ttimeout 0.5\n"
	    "module act\n  check activate\n  activate yes\n  port 21688\n", err, sizeof(err)));
	KDT_STREQ(c.listen, "[::1]:9700");
	KDT_CHECK(c.concurrency == 4);
	KDT_CHECK(c.nmodules == 2);
	m = exp_config_module(&c, "rpc");
	KDT_CHECK(m != NULL && m->check == EXP_CHECK_RPC && m->timeout_ms == 500 &&
	    m->port == 1688);
	m = exp_config_module(&c, "act");
	KDT_CHECK(m != NULL && m->check == EXP_CHECK_ACTIVATE && m->activate &&
	    m->port == 21688);
	KDT_CHECK(exp_config_module(&c, "nope") == NULL);

	/* Being counted as a client needs explicit consent. */
	KDT_CHECK(!parse(&c, "allow 127.0.0.1\nmodule a\n\tcheck activate\n", err, sizeof(err)));
	KDT_CHECK(strstr(err, "activate yes") != NULL);
	/* Errors name the file and line. */
	KDT_CHECK(!parse(&c, "allow 127.0.0.1\nmodule a\n\tchek rpc\n", err, sizeof(err)));
	KDT_STREQ(err, "t.conf:3: chek rpc: unknown module setting");
	KDT_CHECK(!parse(&c, "allow 127.0.0.1\n\tcheck rpc\n", err, sizeof(err)));
	KDT_STREQ(err, "t.conf:2: indented setting outside a module");
	KDT_CHECK(!parse(&c, "allow 300.1.1.1/8\nmodule a\n", err, sizeof(err)));
	KDT_CHECK(strncmp(err, "t.conf:1: allow 300.1.1.1/8", 27) == 0);
	KDT_CHECK(!parse(&c, "allow 10.0.0.0/33\nmodule a\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "module a\n", err, sizeof(err)));
	KDT_CHECK(strstr(err, "port scanner") != NULL);
	KDT_CHECK(!parse(&c, "allow ::1\n", err, sizeof(err)));
	KDT_CHECK(strstr(err, "no module") != NULL);
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\nmodule a\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a b\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\ttimeout 0\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\ttimeout 1e9\n", err, sizeof(err)));
	/* The tools' -t syntax: no hex, exponent, sign or space. */
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\ttimeout 0x1\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\ttimeout 1e0\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\tproduct Windows 99 Ultimate\n", err,
	    sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nmodule a\n\tactivate maybe\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nconcurrency 0\nmodule a\n", err, sizeof(err)));
	KDT_CHECK(!parse(&c, "allow ::1\nlisten\nmodule a\n", err, sizeof(err)));
	KDT_STREQ(err, "t.conf:2: listen: missing value");
	{
		char big[2000];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		KDT_CHECK(!parse(&c, big, err, sizeof(err)));
		KDT_CHECK(strstr(err, "line longer") != NULL);
	}
	{
		static const char nul[] = "allow ::1\nmod\0ule a\n";

		exp_config_init(&c);
		KDT_CHECK(!exp_config_parse(&c, nul, sizeof(nul) - 1, "t.conf", err, sizeof(err)));
		KDT_STREQ(err, "t.conf:2: NUL byte");
	}
}

static void
test_allow(void)
{
	struct exp_config c;
	char err[256];

	KDT_CHECK(parse(&c, "allow 192.0.2.0/25\nallow 2001:db8::/33\nallow KMS1.corp.example.\n"
	    "allow *.branch.example\nallow 10.1.2.3\nmodule a\n", err, sizeof(err)));
	KDT_CHECK(exp_config_allowed(&c, "192.0.2.1"));
	KDT_CHECK(exp_config_allowed(&c, "192.0.2.127:1688"));
	KDT_CHECK(!exp_config_allowed(&c, "192.0.2.128"));
	KDT_CHECK(exp_config_allowed(&c, "[2001:db8:7fff::1]:1688"));
	KDT_CHECK(!exp_config_allowed(&c, "[2001:db8:8000::1]:1688"));
	KDT_CHECK(exp_config_allowed(&c, "10.1.2.3:21688"));
	KDT_CHECK(!exp_config_allowed(&c, "10.1.2.4"));
	KDT_CHECK(exp_config_allowed(&c, "kms1.corp.example"));
	KDT_CHECK(exp_config_allowed(&c, "kms1.CORP.example.:1688"));
	KDT_CHECK(!exp_config_allowed(&c, "kms2.corp.example"));
	KDT_CHECK(exp_config_allowed(&c, "kms.branch.example"));
	KDT_CHECK(exp_config_allowed(&c, "a.b.branch.example:1688"));
	/* The suffix is a whole label: not the domain itself, not "xbranch". */
	KDT_CHECK(!exp_config_allowed(&c, "branch.example"));
	KDT_CHECK(!exp_config_allowed(&c, "kms.xbranch.example"));
	/* A name never matches a prefix (the exporter does not resolve to decide). */
	KDT_CHECK(!exp_config_allowed(&c, "localhost"));
	KDT_CHECK(!exp_config_allowed(&c, "192.0.2.1:99999"));
	KDT_CHECK(!exp_config_allowed(&c, ""));
}

static void
test_prom_format(void)
{
	struct kd_prom p;
	struct kd_prom_label l[2] = { { "host", "a\"b\\c\nd" }, { "port", "" } };
	char buf[64], *out = NULL;
	size_t len = 0;
	FILE *fp;

	kd_prom_escape(buf, sizeof(buf), "x\"y\\z\n");
	KDT_STREQ(buf, "x\\\"y\\\\z\\n");
	kd_prom_num(buf, sizeof(buf), 3.0);
	KDT_STREQ(buf, "3");
	kd_prom_num(buf, sizeof(buf), 0.25);
	KDT_STREQ(buf, "0.25");
	kd_prom_num(buf, sizeof(buf), NAN);
	KDT_STREQ(buf, "NaN");
	kd_prom_num(buf, sizeof(buf), -INFINITY);
	KDT_STREQ(buf, "-Inf");

	kd_prom_init(&p);
	kd_prom_add(&p, "kmsdiag_a", "gauge", "first", 1, l, 2);
	kd_prom_add(&p, "kmsdiag_b_total", "counter", "second", 2, NULL, 0);
	kd_prom_add(&p, "kmsdiag_a", "gauge", "first", 0.5, NULL, 0);
	fp = open_memstream(&out, &len);
	KDT_CHECK(kd_prom_write(fp, &p) == 0);
	fclose(fp);
	/* Samples of a family stay together, whatever the order of the calls. */
	KDT_STREQ(out, "# HELP kmsdiag_a first\n# TYPE kmsdiag_a gauge\n"
	    "kmsdiag_a{host=\"a\\\"b\\\\c\\nd\"} 1\nkmsdiag_a 0.5\n"
	    "# HELP kmsdiag_b_total second\n# TYPE kmsdiag_b_total counter\n"
	    "kmsdiag_b_total 2\n");
	free(out);
	kd_prom_fini(&p);
}

static void
test_prom_site(void)
{
	struct kd_site s;
	struct kd_checklist cl;
	struct kd_judge_opts jo;
	struct kd_prom p;
	const struct kd_sku *sku = kd_sku_find_name("Windows 10/11 Enterprise");
	char *out = NULL;
	size_t len = 0;
	FILE *fp;
	long h, d, r;

	KDT_CHECK(sku != NULL);
	if (sku == NULL)
		return;
	kd_site_init(&s);
	h = kd_site_host(&s, "192.0.2.10", 1688, KD_SRC_PROBE);
	kd_site_host_name(&s, h, "kms1.corp.example.");
	s.hosts[h].reach = KD_REACH_OPEN;
	s.hosts[h].connect_ms = 1.5;
	s.hosts[h].rpc = KD_RPC_KMS;
	s.hosts[h].act_tried = true;
	kd_site_answer(&s, h, &sku->app_id, &sku->kms_id,
	    "03612-00206-560-123456-03-1033-17763.0000-3302024", NULL, 7, 25, 120, 10080,
	    1000, KD_SRC_PROBE);
	d = kd_site_domain(&s, "corp.example.", KD_SRC_DNS);
	s.domains[d].status = KD_SITE_DNS_FOUND;
	r = kd_site_srv(&s, d, "kms1.corp.example.", 0, 100, 1688, 600);
	kd_site_srv_addr(&s, d, r, "192.0.2.10", KD_SRC_DNS);
	memset(&jo, 0, sizeof(jo));
	jo.activation_asked = true;
	memset(&cl, 0, sizeof(cl));
	kd_site_judge(&s, &jo, &cl);
	kd_prom_init(&p);
	kd_prom_site(&p, &s, &cl, 1060);
	fp = open_memstream(&out, &len);
	kd_prom_write(fp, &p);
	fclose(fp);
	KDT_CHECK(strstr(out, "kmsdiag_tcp_open{host=\"kms1.corp.example\",address=\"192.0.2.10\","
	    "port=\"1688\"} 1\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_tcp_state{host=\"kms1.corp.example\",address=\"192.0.2.10\","
	    "port=\"1688\",state=\"refused\"} 0\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_tcp_connect_seconds{host=\"kms1.corp.example\","
	    "address=\"192.0.2.10\",port=\"1688\"} 0.0015\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_activation_counted_clients{host=\"kms1.corp.example\",port=\"1688\","
	    "counted_id=\"Windows 10/11 (Volume)\"} 7\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_activation_below_threshold{host=\"kms1.corp.example\","
	    "port=\"1688\",counted_id=\"Windows 10/11 (Volume)\"} 1\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_activation_age_seconds{host=\"kms1.corp.example\","
	    "port=\"1688\",counted_id=\"Windows 10/11 (Volume)\"} 60\n") != NULL);
	KDT_CHECK(strstr(out, "key_group=\"Windows Server 2019\"") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_srv_ttl_seconds{domain=\"corp.example.\","
	    "target=\"kms1.corp.example.\",port=\"1688\"} 600\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_check_status{item=\"threshold\"} 2\n") != NULL);
	/* Probe evidence only: no capture counters. */
	KDT_CHECK(strstr(out, "kmsdiag_capture_requests_total") == NULL);
	/* Never a CMID or a client name: personal data, one series per machine. */
	KDT_CHECK(strstr(out, "cmid") == NULL && strstr(out, "workstation") == NULL);
	free(out);
	kd_prom_fini(&p);
	kd_checklist_fini(&cl);

	/* A capture's counts: requests and results per host and counted ID. */
	{
		struct kd_site_count *k = kd_site_count(&s, h, &sku->kms_id);

		k->src |= KD_SRC_CAPTURE;
		k->requests = 12;
		k->answers = 9;
		k->refusals = 3;
		k->distinct_clients = 4;
	}
	kd_prom_init(&p);
	kd_prom_site(&p, &s, NULL, 0);
	out = NULL;
	fp = open_memstream(&out, &len);
	kd_prom_write(fp, &p);
	fclose(fp);
	KDT_CHECK(strstr(out, "# TYPE kmsdiag_capture_requests_total counter\n"
	    "kmsdiag_capture_requests_total{host=\"kms1.corp.example\",port=\"1688\","
	    "counted_id=\"Windows 10/11 (Volume)\"} 12\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_capture_responses_total{host=\"kms1.corp.example\","
	    "port=\"1688\",counted_id=\"Windows 10/11 (Volume)\",result=\"refused\"} 3\n") != NULL);
	KDT_CHECK(strstr(out, "kmsdiag_capture_distinct_clients{") != NULL);
	/* No checklist given: no statuses, and no ages without a clock. */
	KDT_CHECK(strstr(out, "kmsdiag_check_status") == NULL);
	KDT_CHECK(strstr(out, "kmsdiag_activation_age_seconds") == NULL);
	free(out);
	kd_prom_fini(&p);
	kd_site_fini(&s);
}

static void
test_prom_file(void)
{
	char dir[] = "/tmp/kd-prom.XXXXXX", path[256], err[512], buf[256];
	struct kd_prom p;
	FILE *fp;
	size_t n;

	KDT_CHECK(mkdtemp(dir) != NULL);
	kd_prom_init(&p);
	kd_prom_add(&p, "kmsdiag_x", "gauge", "x", 42, NULL, 0);
	snprintf(path, sizeof(path), "%s/kms.prom", dir);
	KDT_CHECK(kd_prom_write_file(path, &p, err, sizeof(err)) == 0);
	/* Replaces what was there, in one rename. */
	KDT_CHECK(kd_prom_write_file(path, &p, err, sizeof(err)) == 0);
	fp = fopen(path, "r");
	n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		fclose(fp);
	KDT_STREQ(buf, "# HELP kmsdiag_x x\n# TYPE kmsdiag_x gauge\nkmsdiag_x 42\n");
	/* A directory in the way: an error naming it, and no temporary file left. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	KDT_CHECK(mkdir(path, 0700) == 0);
	KDT_CHECK(kd_prom_write_file(path, &p, err, sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "sub") != NULL);
	snprintf(path, sizeof(path), "%s/none/kms.prom", dir);
	KDT_CHECK(kd_prom_write_file(path, &p, err, sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "No such file") != NULL);
	snprintf(buf, sizeof(buf), "ls -A %s | grep -c tmp >/dev/null", dir);
	KDT_CHECK(system(buf) != 0);
	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	KDT_CHECK(system(buf) == 0);
	kd_prom_fini(&p);
}

/* exp_parse_args: the command line, without reading the configuration. */
static int
args(const char *line, struct exp_args *a, struct kd_cli_err *err)
{
	char **argv;
	int argc = kda_split("kmsdiag-exporter", line, &argv);

	err->msg[0] = '\0';
	return exp_parse_args(argc, argv, a, err);
}

static void
test_args(void)
{
	struct exp_args a;
	struct kd_cli_err err;

	KDT_CHECK(args("", &a, &err) == KD_CLI_RUN && strcmp(a.config, EXP_DEFAULT_CONFIG) == 0 &&
	    a.listen == NULL && a.user == NULL && !a.check_only);
	KDT_CHECK(args("-c x.conf -l [::1]:9688 -u kd --check-config", &a, &err) == KD_CLI_RUN &&
	    strcmp(a.config, "x.conf") == 0 && strcmp(a.listen, "[::1]:9688") == 0 &&
	    strcmp(a.user, "kd") == 0 && a.check_only);
	KDT_CHECK(args("-h", &a, &err) == KD_CLI_HELP);
	KDT_CHECK(args("-V", &a, &err) == KD_CLI_VERSION);
	/* A -l the exporter cannot listen on is a usage error, before any file is read. */
	KDT_CHECK(args("-l localhost:9688", &a, &err) == KD_CLI_USAGE &&
	    strncmp(err.msg, "listen localhost:9688: ", 23) == 0);
	KDT_CHECK(args("extra", &a, &err) == KD_CLI_USAGE);
	KDT_STREQ(err.msg, "unexpected argument extra");
	KDT_CHECK(args("--config", &a, &err) == KD_CLI_USAGE);
	KDT_STREQ(err.msg, "option '--config' requires an argument");
}

int
main(void)
{
	kd_tables_init();
	test_args();
	test_config();
	test_allow();
	test_prom_format();
	test_prom_site();
	test_prom_file();
	return KDT_DONE("test_exporter");
}
