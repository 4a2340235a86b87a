/*
 * Prometheus text exposition of the site model; see prom.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prom.h"
#include "site.h"

void
kd_prom_init(struct kd_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void
kd_prom_fini(struct kd_prom *p)
{
	for (size_t i = 0; i < p->ns; i++)
		free(p->s[i].labels);
	free(p->s);
	free(p->fam);
	memset(p, 0, sizeof(*p));
}

size_t
kd_prom_escape(char *out, size_t len, const char *in)
{
	size_t o = 0;

	if (len == 0)
		return 0;
	for (; *in != '\0'; in++) {
		const char *rep = NULL;
		char one[2] = { *in, '\0' };

		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '"')
			rep = "\\\"";
		else if (*in == '\n')
			rep = "\\n";
		else
			rep = one;
		if (o + strlen(rep) >= len)
			break;
		memcpy(out + o, rep, strlen(rep));
		o += strlen(rep);
	}
	out[o] = '\0';
	return o;
}

void
kd_prom_num(char *out, size_t len, double v)
{
	if (isnan(v))
		snprintf(out, len, "NaN");
	else if (isinf(v))
		snprintf(out, len, "%sInf", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(out, len, "%.0f", v);
	else
		snprintf(out, len, "%.9g", v);
}

static long
family(struct kd_prom *p, const char *name, const char *type, const char *help)
{
	for (size_t i = 0; i < p->nfam; i++)
		if (strcmp(p->fam[i].name, name) == 0)
			return (long)i;
	if (p->nfam == p->fam_cap) {
		size_t ncap = p->fam_cap ? p->fam_cap * 2 : 32;
		struct kd_prom_family *nf = realloc(p->fam, ncap * sizeof(*nf));

		if (nf == NULL) {
			p->oom = true;
			return -1;
		}
		p->fam = nf;
		p->fam_cap = ncap;
	}
	p->fam[p->nfam].name = name;
	p->fam[p->nfam].type = type;
	p->fam[p->nfam].help = help;
	return (long)p->nfam++;
}

void
kd_prom_add(struct kd_prom *p, const char *name, const char *type,
    const char *help, double value, const struct kd_prom_label *labels,
    size_t nlabels)
{
	char buf[2048], esc[1024];
	size_t o = 0;
	long f = family(p, name, type, help);
	bool any = false;

	if (f < 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < nlabels && i < KD_PROM_MAX_LABELS; i++) {
		int n;

		if (labels[i].value == NULL || labels[i].value[0] == '\0')
			continue;
		kd_prom_escape(esc, sizeof(esc), labels[i].value);
		n = snprintf(buf + o, sizeof(buf) - o, "%s%s=\"%s\"", any ? "," : "{",
		    labels[i].name, esc);
		if (n < 0 || (size_t)n >= sizeof(buf) - o - 1)
			break;
		o += (size_t)n;
		any = true;
	}
	if (any) {
		buf[o++] = '}';
		buf[o] = '\0';
	}
	if (p->ns == p->s_cap) {
		size_t ncap = p->s_cap ? p->s_cap * 2 : 64;
		struct kd_prom_sample *ns = realloc(p->s, ncap * sizeof(*ns));

		if (ns == NULL) {
			p->oom = true;
			return;
		}
		p->s = ns;
		p->s_cap = ncap;
	}
	if ((p->s[p->ns].labels = strdup(buf)) == NULL) {
		p->oom = true;
		return;
	}
	p->s[p->ns].family = (size_t)f;
	p->s[p->ns].value = value;
	p->ns++;
}

int
kd_prom_write(FILE *fp, const struct kd_prom *p)
{
	char num[64];

	for (size_t f = 0; f < p->nfam; f++) {
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", p->fam[f].name,
		    p->fam[f].help, p->fam[f].name, p->fam[f].type);
		for (size_t i = 0; i < p->ns; i++) {
			if (p->s[i].family != f)
				continue;
			kd_prom_num(num, sizeof(num), p->s[i].value);
			fprintf(fp, "%s%s %s\n", p->fam[f].name, p->s[i].labels, num);
		}
	}
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

/* --- the site ------------------------------------------------------------ */

static const char *
host_name(const struct kd_site_host *h)
{
	return h->nnames > 0 ? h->names[0] : h->addr;
}

static void
site_hosts(struct kd_prom *p, const struct kd_site *s, long long now)
{
	char port[8], g[KD_GUID_STRLEN], build[16], date[16];

	for (size_t i = 0; i < s->nhosts; i++) {
		const struct kd_site_host *h = &s->hosts[i];
		struct kd_prom_label l[6] = {
			{ "host", host_name(h) }, { "address", h->addr }, { "port", port },
		};

		snprintf(port, sizeof(port), "%u", h->port);
		if (h->reach != KD_REACH_UNKNOWN) {
			kd_prom_add(p, "kmsdiag_tcp_open", "gauge",
			    "1 when a TCP connection to the host's port completed",
			    h->reach == KD_REACH_OPEN, l, 3);
			for (int st = KD_REACH_OPEN; st <= KD_REACH_NO_ADDRESS; st++) {
				l[3].name = "state";
				l[3].value = kd_reach_name((enum kd_reach)st);
				kd_prom_add(p, "kmsdiag_tcp_state", "gauge",
				    "1 for the reachability class the last check saw",
				    h->reach == (enum kd_reach)st, l, 4);
			}
		}
		if (h->connect_ms >= 0 && h->reach == KD_REACH_OPEN)
			kd_prom_add(p, "kmsdiag_tcp_connect_seconds", "gauge",
			    "time the TCP handshake took", h->connect_ms / 1000.0, l, 3);
		if (h->rpc != KD_RPC_UNKNOWN)
			kd_prom_add(p, "kmsdiag_rpc_kms", "gauge",
			    "1 when the listener accepted an RPC bind to the KMS interface",
			    h->rpc == KD_RPC_KMS, l, 3);
		for (size_t a = 0; a < h->napps; a++) {
			const struct kd_site_app *ap = &h->apps[a];
			const struct kd_app *info = kd_app_find(&ap->app_id);
			struct kd_prom_label li[6] = {
				{ "host", host_name(h) }, { "port", port },
				{ "application", info ? info->name : kd_guid_format(&ap->app_id, g) },
				{ "build", build }, { "key_group", ap->hostkey ? ap->hostkey->name : "unknown" },
				{ "key_date", date },
			};

			build[0] = date[0] = '\0';
			if (ap->parsed.valid) {
				snprintf(build, sizeof(build), "%u", ap->parsed.build);
				kms_epid_date(&ap->parsed, date, sizeof(date));
			}
			kd_prom_add(p, "kmsdiag_host_info", "gauge",
			    "the host's ePID for one application, decoded (always 1)",
			    1, li, 6);
			if (ap->renewal_interval > 0)
				kd_prom_add(p, "kmsdiag_host_renewal_interval_seconds", "gauge",
				    "renewal interval the host tells its clients",
				    ap->renewal_interval * 60.0, li, 3);
		}
		for (size_t c = 0; c < h->ncounts; c++) {
			const struct kd_site_count *k = &h->counts[c];
			uint32_t need = k->required ? k->required :
			    k->info ? k->info->min_clients : 0;
			struct kd_prom_label lc[4] = {
				{ "host", host_name(h) }, { "port", port },
				{ "counted_id", k->info ? k->info->name : kd_guid_format(&k->kms_id, g) },
			};

			/* What the clients asked and got, as a capture saw it. */
			if (k->src & KD_SRC_CAPTURE) {
				static const char *const what[] = { "answered", "refused",
				    "fault", "no_response", "unverified" };
				const uint64_t n[] = { k->answers, k->refusals, k->faults,
				    k->no_response, k->unverified };

				kd_prom_add(p, "kmsdiag_capture_requests_total", "counter",
				    "activation requests the capture saw, by host and counted ID",
				    (double)k->requests, lc, 3);
				kd_prom_add(p, "kmsdiag_capture_distinct_clients", "gauge",
				    "distinct CMIDs the capture saw asking the host",
				    (double)k->distinct_clients, lc, 3);
				lc[3].name = "result";
				for (size_t w = 0; w < sizeof(n) / sizeof(n[0]); w++) {
					lc[3].value = what[w];
					kd_prom_add(p, "kmsdiag_capture_responses_total", "counter",
					    "what the host did with those requests", (double)n[w],
					    lc, 4);
				}
			}
			if (!k->have_count)
				continue;
			kd_prom_add(p, "kmsdiag_activation_counted_clients", "gauge",
			    "the count the host returned for this KMS counted ID",
			    k->count, lc, 3);
			if (need > 0) {
				kd_prom_add(p, "kmsdiag_activation_threshold", "gauge",
				    "clients the host must count before this product activates",
				    need, lc, 3);
				kd_prom_add(p, "kmsdiag_activation_below_threshold", "gauge",
				    "1 when the count is below the threshold (clients stay unactivated)",
				    k->count < need, lc, 3);
			}
			if (now > 0 && k->when > 0)
				kd_prom_add(p, "kmsdiag_activation_age_seconds", "gauge",
				    "age of the count (activation requests are rate-limited)",
				    (double)(now - k->when), lc, 3);
		}
	}
}

static void
site_domains(struct kd_prom *p, const struct kd_site *s)
{
	char port[8];

	for (size_t i = 0; i < s->ndomains; i++) {
		const struct kd_site_domain *d = &s->domains[i];
		struct kd_prom_label l[4] = { { "domain", d->name } };

		if (d->status == KD_SITE_DNS_UNKNOWN)
			continue;
		if (d->status != KD_SITE_DNS_ERROR)
			kd_prom_add(p, "kmsdiag_srv_records", "gauge",
			    "number of _vlmcs._tcp SRV records of the domain", (double)d->nsrv, l, 1);
		kd_prom_add(p, "kmsdiag_dns_lookup_ok", "gauge",
		    "1 when the SRV lookup got an answer (records or a definite no)",
		    d->status != KD_SITE_DNS_ERROR, l, 1);
		for (size_t r = 0; r < d->nsrv; r++) {
			const struct kd_site_srv *sr = &d->srv[r];

			snprintf(port, sizeof(port), "%u", sr->port);
			l[1].name = "target";
			l[1].value = sr->target;
			l[2].name = "port";
			l[2].value = port;
			kd_prom_add(p, "kmsdiag_srv_ttl_seconds", "gauge",
			    "TTL of the SRV record (deployment guides ask for 3600)", sr->ttl, l, 3);
			kd_prom_add(p, "kmsdiag_srv_priority", "gauge",
			    "priority of the SRV record (lowest is tried first)", sr->priority, l, 3);
			kd_prom_add(p, "kmsdiag_srv_weight", "gauge",
			    "weight of the SRV record", sr->weight, l, 3);
			kd_prom_add(p, "kmsdiag_srv_target_addresses", "gauge",
			    "addresses the SRV target resolves to", (double)sr->naddrs, l, 3);
		}
	}
}

void
kd_prom_site(struct kd_prom *p, const struct kd_site *s,
    const struct kd_checklist *cl, long long now)
{
	site_hosts(p, s, now);
	site_domains(p, s);
	if (cl == NULL)
		return;
	for (int i = 0; i < KD_NITEMS; i++) {
		const struct kd_item_result *it = &cl->items[i];
		struct kd_prom_label l[1] = { { "item", kd_item_id((enum kd_item)i) } };

		/*
		 * Only items judged on evidence: a skipped item (a probe sees no
		 * DNS) or one only a person can check would be a permanent
		 * "unknown" that every alert on the status has to leave out.
		 */
		if (it->basis != KD_BASIS_EVIDENCE)
			continue;
		kd_prom_add(p, "kmsdiag_check_status", "gauge",
		    "checklist item verdict: 0 OK, 1 warning, 2 failure, 3 unknown",
		    it->verdict, l, 1);
	}
}

int
kd_prom_write_file(const char *path, const struct kd_prom *p, char *err, size_t errlen)
{
	char tmp[4096];
	const char *slash;
	FILE *fp;
	int fd, n;

	if (strcmp(path, "-") == 0) {
		if (kd_prom_write(stdout, p) != 0) {
			snprintf(err, errlen, "stdout: write failed");
			return -1;
		}
		return 0;
	}
	/* The same directory, so the rename is atomic. */
	slash = strrchr(path, '/');
	n = snprintf(tmp, sizeof(tmp), "%.*s.kmsdiag-%ld.tmp",
	    slash ? (int)(slash - path + 1) : 0, path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (kd_prom_write(fp, p) != 0 || fsync(fileno(fp)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, errno ? strerror(errno) : "write failed");
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
