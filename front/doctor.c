/*
 * kmsdiag doctor: the checklist in one non-interactive run.
 *
 * Steps run in the order a client goes through them (kmsdiag(7), "How
 * a client activates"): find the host in DNS, connect to TCP 1688, bind the
 * KMS RPC interface, and with --activate ask for the count and judge the
 * host key.  The dnscheck engine and one probe run (SRV targets and --host
 * targets) fill a site model (lib/site.h); the checklist engine
 * (kd_site_judge) makes every verdict and picks the most likely root cause,
 * so doctor only prints struct kd_checklist.  Items a network check cannot
 * see (client key, domain membership and reboot, clocks) are listed as
 * "check by hand" unless the run saw evidence for them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "../dnscheck/dnscheck.h"
#include "../evidence/evidence.h"
#include "../probe/args.h"
#include "../probe/probesite.h"
#include "../tui/tui.h"
#include "dnslookup.h"
#include "explain.h"
#include "front.h"
#include "textf.h"
#include "loop.h"
#include "parse.h"
#include "../probe/probe.h"
#include "report.h"
#include "site.h"
#include "tables.h"

#define PROG		"kmsdiag doctor"
#define TOOL		"kmsdiag-doctor"

/* The items a network run can judge, in the order a client meets them. */
static const enum kd_item steps[] = {
	KD_ITEM_DNS, KD_ITEM_PORT, KD_ITEM_RPC, KD_ITEM_THRESHOLD, KD_ITEM_HOST_KEY
};
/* Items that may need a person: a step when the run saw evidence, else by hand. */
static const enum kd_item maybe_hand[] = {
	KD_ITEM_CLIENT_KEY, KD_ITEM_DOMAIN, KD_ITEM_TIME
};

struct doctor {
	struct doctor_args a;
	bool		 color, dns_run;
	struct kd_site	 site;
	struct kd_checklist cl;
	struct kd_report checks;	/* the checklist as checks, for --json */
	char		 local_domain[256];	/* what resolv.conf says, for the by-hand list */
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [-hj] [-d domain]... [-H host[:port]]... [-p port]\n"
	    "                      [-s server[:port]] [-t timeout] [-z zonefile]\n"
	    "                      [--activate] [--evidence file]... [--product name]\n"
	    "                      [--resolv-conf file]\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	    "The KMS checklist in one run: DNS, then TCP port, then RPC, and with\n"
	    "--activate the count and the host key; each step's verdict and fix,\n"
	    "then the most likely root cause.  Without -d and -H the domains of\n"
	    "resolv.conf are checked, as a client on this machine would.\n"
	    "\n"
	    "      --activate          send one activation request (counts as one client)\n"
	    "  -d, --domain DOMAIN     check _vlmcs._tcp.DOMAIN and probe its hosts (repeatable)\n"
	    "      --evidence FILE     a Windows export (event log, slmgr /dlv, ipconfig /all,\n"
	    "                          systeminfo): its findings join the steps (repeatable)\n"
	    "  -H, --host HOST[:PORT]  also probe this host (repeatable)\n"
	    "  -h, --help              this help\n"
	    "  -j, --json              JSON Lines: one object per step, then the root cause\n"
	    "  -p, --port PORT         port the KMS host listens on (default %u)\n"
	    "      --product NAME|SKU  product for --activate (default Windows 10/11 Enterprise)\n"
	    "      --resolv-conf FILE  read FILE instead of /etc/resolv.conf\n"
	    "  -s, --server ADDR[:PORT] DNS server to ask (default: the system resolver)\n"
	    "  -t, --timeout SECONDS   per DNS query and per probe phase, 0.01 to 60\n"
	    "                          (default 5 for DNS, 3 for probes)\n"
	    "  -z, --zone FILE         check the SRV record in a zone file instead of DNS\n"
	    "\n"
	    "Exit: 0 all OK, 1 warnings, 2 a step failed, 3 could not check, 64 usage.\n",
	    PROBE_DEFAULT_PORT);
}

/* ---------------------------------------------------------------------- */
/* DNS: the dnscheck engine, its domains and SRV records into the site. */

static void
run_dns(struct doctor *d)
{
	struct dnscheck_opts o;
	struct kd_report r;

	kd_report_init(&r, DNSCHECK_TOOL);
	dnscheck_opts_init(&o);
	o.domains = d->a.domains;
	o.ndomains = d->a.ndomains;
	o.server = d->a.server;
	o.zone_file = d->a.zone;
	o.resolv_conf = d->a.resolv_conf;
	if (d->a.timeout_ms)
		o.timeout_ms = d->a.timeout_ms;
	o.expect_port = d->a.port;
	dnscheck_run(&o, &r);
	dnscheck_site(&d->site, &r, d->a.zone != NULL);
	if (r.oom)
		d->site.oom = true;
	d->dns_run = true;
	kd_report_fini(&r);
}

/* ---------------------------------------------------------------------- */
/* Port, RPC, count, host key: one probe run of the SRV targets and --host. */

static int
run_probe(struct doctor *d, const char **errstr)
{
	struct probe_opts o;
	struct kd_loop *l = NULL;
	struct probe *p = NULL;
	size_t i, n;
	int rc = -1;

	probe_opts_init(&o);
	o.default_port = d->a.port;
	if (d->a.timeout_ms)
		o.timeout_ms = d->a.timeout_ms;
	o.activate = d->a.activate;
	if (d->a.activate) {
		o.product = d->a.product;
		if (!probe_machine_cmid("/etc/machine-id", &o.cmid) &&
		    !probe_machine_cmid("/var/lib/dbus/machine-id", &o.cmid)) {
			*errstr = "--activate: cannot read /etc/machine-id to derive this "
			    "machine's CMID";
			return -1;
		}
	}
	if ((l = kd_loop_new()) == NULL || (p = probe_new(&o, l)) == NULL) {
		*errstr = "out of memory";
		goto out;
	}
	n = probe_add_site_targets(p, &d->site);
	for (i = 0; i < d->a.nhosts; i++) {
		if (probe_add_target(p, d->a.hosts[i], errstr) != 0)
			goto out;
		n++;
	}
	if (n > 0 && (probe_start(p) != 0 || kd_loop_run(l) != 0)) {
		*errstr = strerror(errno);
		goto out;
	}
	for (i = 0; i < probe_nresults(p); i++) {
		const struct probe_result *r = probe_result_at(p, i);
		long h = probe_site_result(&d->site, &o, r, (int64_t)time(NULL));

		if (h >= 0 && probe_site_declared(r, d->a.hosts, d->a.nhosts, d->a.port))
			d->site.hosts[h].declared = true;
	}
	rc = 0;
out:
	probe_free(p);
	kd_loop_free(l);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* What the host and clients recorded themselves: --evidence, into the same site. */

static int
run_evidence(struct doctor *d)
{
	struct evidence_opts o;
	struct ev_set *set;
	size_t i;

	if (d->a.nevidence == 0)
		return 0;
	evidence_opts_init(&o);
	if ((set = ev_set_new(&o)) == NULL)
		return -1;
	/* A file that cannot be read is a finding of its own, not a stop. */
	for (i = 0; i < d->a.nevidence; i++)
		ev_set_read(set, d->a.evidence[i]);
	ev_set_site(set, &d->site);
	ev_set_free(set);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Output: the checklist the engine made, in the order a client meets it. */

static const char *
status_key(const struct kd_item_result *it)
{
	if (it->basis == KD_BASIS_SKIPPED)
		return "skipped";
	if (it->basis == KD_BASIS_MANUAL && it->verdict == KD_V_UNKNOWN)
		return "manual";
	return kd_verdict_key(it->verdict);
}

/* UNKNOWN is the longest word: every status is padded to it. */
static void
print_status(const struct doctor *d, const struct kd_item_result *it)
{
	const char *w = it->basis == KD_BASIS_SKIPPED ? "SKIP" : kd_verdict_name(it->verdict);

	if (d->color && it->basis != KD_BASIS_SKIPPED)
		printf("%s%-7s\033[0m", kd_verdict_color(it->verdict), w);
	else
		printf("%-7s", w);
}

/* Why an item was not judged, in doctor's words where doctor knows better. */
static const char *
item_summary(const struct doctor *d, const struct kd_item_result *it)
{
	if (it->item == KD_ITEM_DNS && !d->dns_run)
		return "not checked: hosts given with --host (as with slmgr /skms); add "
		    "--domain to check the SRV record too";
	return it->summary;
}

/* A finding the engine drew from several sources together names none. */
static void
print_source(const struct kd_finding *f)
{
	char src[64];

	if (tui_finding_source(f, src, sizeof(src))[0] != '\0')
		printf(" [%s]", src);
}

static void
emit_step(const struct doctor *d, enum kd_item item)
{
	const struct kd_item_result *it = &d->cl.items[item];
	char clean[1024];
	bool first = true;

	if (d->a.json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o}",
		    "type", "step", "step", kd_item_id(item), "checklist",
		    (int)kd_item_number(item), "title", kd_item_title(item),
		    "status", status_key(it), "basis", kd_basis_name(it->basis),
		    "detail", item_summary(d, it), "fix", it->fix,
		    "evidence", tui_findings_json(&d->checks, item));

		kd_json_line(stdout, o);
		json_decref(o);
		return;
	}
	printf("%u. %-11s ", kd_item_number(item), kd_item_title(item));
	print_status(d, it);
	printf("  %s", kd_sanitize(item_summary(d, it), clean, sizeof(clean)));
	/* Where the item's line comes from: "[dns]", "[host log]". */
	for (size_t i = 0; i < d->cl.nfindings; i++)
		if (d->cl.findings[i].item == item) {
			print_source(&d->cl.findings[i]);
			break;
		}
	putchar('\n');
	if (it->fix[0] != '\0' && it->verdict != KD_V_OK)
		printf("   fix: %s\n", kd_sanitize(it->fix, clean, sizeof(clean)));
	/* The first finding is the item's line; the others follow, worst first. */
	for (size_t i = 0; i < d->cl.nfindings; i++) {
		const struct kd_finding *f = &d->cl.findings[i];

		if (f->item != item)
			continue;
		if (first) {
			first = false;
			continue;
		}
		printf("   also: %-7s %s", kd_verdict_name(f->verdict),
		    kd_sanitize(f->summary, clean, sizeof(clean)));
		print_source(f);
		putchar('\n');
	}
}

static void
emit_by_hand(const struct doctor *d, enum kd_item item)
{
	const struct kd_checklist_item *it = kd_checklist_at((size_t)item);
	char detail[512];

	kd_setf(detail, sizeof(detail), "%s", it->by_hand);
	if (item == KD_ITEM_DOMAIN && d->local_domain[0] != '\0')
		kd_appendf(detail, sizeof(detail), " (this machine's resolv.conf "
		    "domain: %s)", d->local_domain);
	if (d->a.json) {
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
		    "type", "step", "step", it->id, "checklist", (int)it->number,
		    "title", it->title, "status", "manual", "basis", "manual",
		    "detail", detail, "question", it->question);

		kd_json_line(stdout, o);
		json_decref(o);
	} else {
		char clean[1024];

		/* detail quotes resolv.conf's search domain. */
		printf("%u. %-11s %s\n   %s\n", it->number, it->title, it->question,
		    kd_sanitize(detail, clean, sizeof(clean)));
	}
}

static void
emit_root_cause(const struct doctor *d)
{
	const struct kd_checklist *cl = &d->cl;
	const struct kd_item_result *it = cl->root_cause < KD_NITEMS ?
	    &cl->items[cl->root_cause] : NULL;
	const char *why = "the first step in the order a client goes through "
	    "them (DNS, port, RPC, count, host key) that fails, else that could not "
	    "be checked, else that warns; later failures usually follow from it";
	char detail[700], clean[1024];

	if (it != NULL)
		kd_setf(detail, sizeof(detail), "%s (checklist item %u): %s",
		    kd_item_title(it->item), kd_item_number(it->item), it->summary);
	else
		kd_setf(detail, sizeof(detail), "no fault found in DNS, port and RPC%s: the "
		    "cause is in what only a person can check (client key, domain and "
		    "reboot, clocks)", d->a.activate ? ", count and host key" : "");
	if (d->a.json) {
		json_t *o = json_pack("{s:s, s:s, s:s?, s:o, s:s, s:s, s:s}",
		    "type", "root_cause", "status", kd_verdict_key(cl->overall),
		    "step", it ? kd_item_id(it->item) : NULL, "checklist", it ?
		    json_integer(kd_item_number(it->item)) : json_null(),
		    "detail", detail, "fix", it ? it->fix : "", "precedence", why);

		kd_json_line(stdout, o);
		json_decref(o);
	} else {
		printf("\nMost likely root cause: %s\n", kd_sanitize(detail, clean,
		    sizeof(clean)));
		if (it != NULL && it->fix[0] != '\0')
			printf("   fix: %s\n", kd_sanitize(it->fix, clean, sizeof(clean)));
		if (it != NULL)
			printf("   (%s)\n", why);
	}
}

/* Steps, what is left to a person, the site as seen, the root cause. */
static int
emit(struct doctor *d)
{
	size_t i;
	bool hand = false;

	if (!d->a.json)
		printf("Steps in the order a client meets them; numbers are checklist "
		    "items (kmsdiag(7)).\n");
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		emit_step(d, steps[i]);
	/* An item a network run saw evidence for is a step like the others. */
	for (i = 0; i < sizeof(maybe_hand) / sizeof(maybe_hand[0]); i++)
		if (d->cl.items[maybe_hand[i]].basis == KD_BASIS_EVIDENCE)
			emit_step(d, maybe_hand[i]);
	if (d->cl.items[KD_ITEM_OTHER].nfindings > 0)
		emit_step(d, KD_ITEM_OTHER);
	for (i = 0; i < sizeof(maybe_hand) / sizeof(maybe_hand[0]); i++) {
		if (d->cl.items[maybe_hand[i]].basis == KD_BASIS_EVIDENCE)
			continue;
		if (!hand && !d->a.json)
			printf("\nCheck by hand:\n");
		hand = true;
		emit_by_hand(d, maybe_hand[i]);
	}
	if (d->a.json) {
		json_t *o = json_pack("{s:s, s:o}", "type", "site", "site",
		    kd_site_json(&d->site));

		kd_json_line(stdout, o);
		json_decref(o);
	}
	emit_root_cause(d);
	switch (d->cl.overall) {
	case KD_V_OK:	return KD_EXIT_OK;
	case KD_V_WARN:	return KD_EXIT_WARN;
	case KD_V_FAIL:	return KD_EXIT_FAIL;
	default:	return KD_EXIT_UNKNOWN;
	}
}

static void
local_domain(struct doctor *d)
{
	struct kd_resolv_conf rc;
	struct kd_diag diag;

	kd_diag_clear(&diag);
	if (kd_dns_resolv_conf(d->a.resolv_conf, &rc, &diag) == KD_OK && rc.nsearch > 0)
		kd_setf(d->local_domain, sizeof(d->local_domain), "%s", rc.search[0]);
}

/* ---------------------------------------------------------------------- */

enum { OPT_ACTIVATE = 256, OPT_EVIDENCE, OPT_PRODUCT, OPT_RESOLV };

#define OPTSTRING	"d:H:hjp:s:t:z:"
static const struct option longopts[] = {
	{ "activate",	no_argument,		NULL, OPT_ACTIVATE },
	{ "domain",	required_argument,	NULL, 'd' },
	{ "evidence",	required_argument,	NULL, OPT_EVIDENCE },
	{ "help",	no_argument,		NULL, 'h' },
	{ "host",	required_argument,	NULL, 'H' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "port",	required_argument,	NULL, 'p' },
	{ "product",	required_argument,	NULL, OPT_PRODUCT },
	{ "resolv-conf", required_argument,	NULL, OPT_RESOLV },
	{ "server",	required_argument,	NULL, 's' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "zone",	required_argument,	NULL, 'z' },
	{ NULL,		0,			NULL, 0 }
};

/* What the loop learns besides the options themselves. */
struct parse {
	struct doctor_args *a;
	const char	*product;	/* checked once --activate is known */
};

static bool
one_option(void *ctx, int ch, const char *arg, struct kd_cli_err *err)
{
	struct parse *ps = ctx;
	struct doctor_args *a = ps->a;
	struct kd_diag diag;
	const char *errstr = NULL;
	char addr[64], q[KD_DNS_TEXT_MAX];
	uint16_t sport;

	switch (ch) {
	case 'd':
		kd_diag_clear(&diag);
		if (kd_dns_vlmcs_name(arg, q, sizeof(q), &diag) != KD_OK)
			return kd_cli_fail(err, "domain %.80s: %s", arg, diag.msg);
		return kd_cli_push("domains", arg, a->domains, &a->ndomains,
		    DOCTOR_MAX_ARGS, err);
	case 'H':
		return kd_cli_push("hosts", arg, a->hosts, &a->nhosts, DOCTOR_MAX_ARGS,
		    err);
	case 'j':
		a->json = true;
		return true;
	case 'p':
		return kd_cli_port("port", arg, &a->port, err);
	case 's':
		if (!kd_dns_server_parse(arg, addr, sizeof(addr), &sport, &errstr))
			return kd_cli_fail(err, "server %s: %s", arg, errstr);
		a->server = arg;
		return true;
	case 't':
		return kd_cli_secs("timeout", arg, KD_CLI_TIMEOUT_MIN_MS, KD_DNS_TIMEOUT_MAX,
		    &a->timeout_ms, err);
	case 'z':
		a->zone = arg;
		return true;
	case OPT_ACTIVATE:
		a->activate = true;
		return true;
	case OPT_EVIDENCE:
		return kd_cli_push("evidence files", arg, a->evidence, &a->nevidence,
		    DOCTOR_MAX_ARGS, err);
	case OPT_PRODUCT:
		ps->product = arg;
		return true;
	case OPT_RESOLV:
		a->resolv_conf = arg;
		return true;
	}
	return kd_cli_fail(err, "option %d: not handled", ch);
}

static bool
combined(struct doctor_args *a, char **argv, const char *product, struct kd_cli_err *err)
{
	const char *errstr = NULL;
	size_t i;

	if (argv[optind] != NULL)
		return kd_cli_fail(err, "unexpected argument \"%.80s\" (domains go with -d, "
		    "hosts with -H)", argv[optind]);
	if (a->zone != NULL && a->server != NULL)
		return kd_cli_fail(err, "cannot use --zone and --server");
	if (product != NULL && !a->activate)
		return kd_cli_fail(err, "--product needs --activate");
	if (product != NULL && !probe_args_product(product, &a->product, err))
		return false;
	for (i = 0; i < a->nhosts; i++) {
		char host[256];
		uint16_t hport;

		if (!probe_parse_target(a->hosts[i], a->port, host, sizeof(host), &hport,
		    &errstr))
			return kd_cli_fail(err, "host %.80s: %s", a->hosts[i], errstr);
	}
	return true;
}

int
doctor_parse_args(int argc, char **argv, struct doctor_args *a, struct kd_cli_err *err)
{
	struct parse ps = { a, NULL };
	int rc;

	memset(a, 0, sizeof(*a));
	a->port = PROBE_DEFAULT_PORT;
	if ((rc = kd_cli_parse(argc, argv, OPTSTRING, longopts, one_option, &ps, err)) !=
	    KD_CLI_RUN)
		return rc;
	return combined(a, argv, ps.product, err) ? KD_CLI_RUN : KD_CLI_USAGE;
}

static const struct kd_cli_tool tool = { PROG, help, usage, NULL };

int
doctor_main(int argc, char **argv)
{
	struct doctor *d;
	struct kd_judge_opts jo;
	struct kd_cli_err err;
	const char *errstr = NULL;
	int rc = KD_EXIT_UNKNOWN;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return KD_EXIT_UNKNOWN;
	}
	kd_site_init(&d->site);
	kd_report_init(&d->checks, TOOL);
	memset(&jo, 0, sizeof(jo));
	if ((rc = kd_cli_answer(doctor_parse_args(argc, argv, &d->a, &err), &tool,
	    false, &err)) >= 0)
		goto out;
	d->color = !d->a.json && kd_want_color(stdout);
	local_domain(d);

	/* Only --host: the client was pointed at the host by hand, DNS plays no part. */
	if (d->a.nhosts == 0 || d->a.ndomains > 0 || d->a.zone != NULL)
		run_dns(d);
	if (run_probe(d, &errstr) != 0) {
		fprintf(stderr, PROG ": %s\n", errstr);
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	if (run_evidence(d) != 0) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	jo.default_port = d->a.port;
	jo.activation_asked = d->a.activate;
	jo.now = (int64_t)time(NULL);
	kd_site_judge(&d->site, &jo, &d->cl);
	kd_checklist_report(&d->cl, &d->site, &d->checks);
	rc = emit(d);
	if (d->site.oom || d->cl.oom || d->checks.oom)
		rc = KD_EXIT_UNKNOWN;
	if (fflush(stdout) != 0)
		rc = KD_EXIT_UNKNOWN;
out:
	kd_checklist_fini(&d->cl);
	kd_report_fini(&d->checks);
	kd_site_fini(&d->site);
	free(d);
	return rc;
}
