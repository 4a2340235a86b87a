/*
 * The checklist model: what each engine reported, folded into the items of
 * the troubleshooting checklist (in kmsdiag(7)'s order), and the tables behind
 * the panels.  Pure data; the screen and --report only read it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../capture/capture.h"
#include "tui.h"

static const struct {
	const char	*key, *title, *question;
	bool		 manual;
} items[TUI_NITEMS] = {
	[TUI_PORT] = { "port", "Port reachable",
	    "Can clients reach TCP 1688 (or the published port) on the host?", false },
	[TUI_DNS] = { "dns", "DNS SRV record",
	    "Does _vlmcs._tcp.<domain> exist with TTL 3600, the right port and "
	    "a target that resolves?", false },
	[TUI_RPC] = { "rpc", "Host answers KMS",
	    "Is the listener really a KMS host, and does it answer?", false },
	[TUI_THRESHOLD] = { "threshold", "Count >= threshold",
	    "Has the host seen enough distinct clients (25 Windows, 5 Server/Office)?",
	    false },
	[TUI_HOSTKEY] = { "host_key", "Host key covers product",
	    "Can the host key group activate the products asked for?", false },
	[TUI_KEY] = { "key", "Client has a GVLK",
	    "Do clients still use a KMS client setup key (GVLK)?", false },
	[TUI_DOMAIN] = { "domain", "Domain-joined, rebooted",
	    "Is the machine joined to the domain (DNS suffix) and rebooted since? "
	    "Only a person can check: press space to confirm.", true },
	[TUI_TIME] = { "time", "Clocks within 4 h",
	    "Are client and host clocks within 4 hours of each other?", false },
	[TUI_OTHER] = { "other", "Other findings",
	    "Anything the engines found that belongs to no item above.", false },
};

/* The engines' spellings of an item (probe says "hostkey", capture "host_key"). */
static const struct {
	const char	*name;
	enum tui_item	 item;
} aliases[] = {
	{ "hostkey", TUI_HOSTKEY },
	{ "host_state", TUI_RPC },	/* bind nak, faults, emulators: who answers */
	{ "clock", TUI_TIME },
};

const char *
tui_item_key(enum tui_item i)
{
	return i < TUI_NITEMS ? items[i].key : "?";
}

const char *
tui_item_title(enum tui_item i)
{
	return i < TUI_NITEMS ? items[i].title : "?";
}

const char *
tui_item_question(enum tui_item i)
{
	return i < TUI_NITEMS ? items[i].question : "";
}

bool
tui_item_manual(enum tui_item i)
{
	return i < TUI_NITEMS && items[i].manual;
}

int
tui_item_parse(const char *key)
{
	for (int i = 0; i < TUI_NITEMS; i++)
		if (strcasecmp(key, items[i].key) == 0)
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(key, aliases[i].name) == 0)
			return (int)aliases[i].item;
	return -1;
}

enum tui_item
tui_item_of(const char *checklist)
{
	int i;

	if (checklist == NULL || checklist[0] == '\0')
		return TUI_OTHER;
	i = tui_item_parse(checklist);
	return i < 0 ? TUI_OTHER : (enum tui_item)i;
}

void
tui_model_init(struct tui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->traffic = calloc(TUI_TRAFFIC, sizeof(*m->traffic));
	for (int i = 0; i < TUI_NITEMS; i++)
		kd_setf(m->items[i].reason, sizeof(m->items[i].reason), "not yet known");
}

void
tui_model_fini(struct tui_model *m)
{
	for (int s = 0; s < TUI_NSRC; s++)
		json_decref(m->checks[s]);
	free(m->hosts);
	free(m->dns);
	free(m->products);
	free(m->clients);
	for (size_t i = 0; m->traffic != NULL && i < TUI_TRAFFIC; i++)
		free(m->traffic[i].ex);
	free(m->traffic);
	memset(m, 0, sizeof(*m));
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static enum kd_verdict
verdict_of(json_t *check)
{
	const char *s = jstr(check, "status");

	if (strcmp(s, "ok") == 0)
		return KD_V_OK;
	if (strcmp(s, "warn") == 0)
		return KD_V_WARN;
	if (strcmp(s, "fail") == 0)
		return KD_V_FAIL;
	return KD_V_UNKNOWN;
}

/*
 * Precedence within an item: FAIL > WARN > OK > could-not-check.  An
 * engine that could not look (UNKNOWN) does not hide another's evidence.
 */
static int
rank(enum kd_verdict v)
{
	switch (v) {
	case KD_V_FAIL:	return 3;
	case KD_V_WARN:	return 2;
	case KD_V_OK:	return 1;
	default:	return 0;
	}
}

static const char *const source_tool[TUI_NSRC] = {
	"kmsdiag-probe", "kmsdiag-dnscheck", "kmsdiag-capture"
};

static void
recompute(struct tui_model *m)
{
	bool any_source = false;

	for (int i = 0; i < TUI_NITEMS; i++) {
		struct tui_itemstate *it = &m->items[i];
		int best = -1;

		memset(it, 0, sizeof(*it));
		for (int s = 0; s < TUI_NSRC; s++) {
			size_t k;
			json_t *c;

			if (m->checks[s] == NULL)
				continue;
			any_source = true;
			json_array_foreach(m->checks[s], k, c) {
				enum kd_verdict v = verdict_of(c);

				if (tui_item_of(jstr(c, "checklist")) != (enum tui_item)i)
					continue;
				it->nevidence++;
				/* The first check at the worst level names the reason. */
				if (rank(v) > best) {
					best = rank(v);
					it->verdict = v;
					const char *subj = jstr(c, "subject");
					/* Most details already name their subject. */
					bool named = subj[0] == '\0' ||
					    strstr(jstr(c, "detail"), subj) != NULL;

					kd_setf(it->reason, sizeof(it->reason), "%s%s%s",
					    named ? "" : subj, named ? "" : ": ",
					    jstr(c, "detail"));
					kd_setf(it->fix, sizeof(it->fix), "%s", jstr(c, "fix"));
					kd_setf(it->tool, sizeof(it->tool), "%s", source_tool[s]);
				}
			}
		}
		if (m->ticked[i] && best < rank(KD_V_OK)) {
			best = rank(KD_V_OK);
			it->verdict = KD_V_OK;
			kd_setf(it->reason, sizeof(it->reason), "confirmed by hand");
			it->fix[0] = '\0';
			kd_setf(it->tool, sizeof(it->tool), "operator");
		}
		it->known = best >= 1;
		if (best < 0) {
			it->verdict = KD_V_UNKNOWN;
			if (items[i].manual && i == TUI_DOMAIN && m->suffix[0] != '\0')
				kd_setf(it->reason, sizeof(it->reason), "not confirmed yet "
				    "(space to tick); this machine's DNS suffix: %s",
				    m->suffix);
			else
				kd_setf(it->reason, sizeof(it->reason), "%s",
				    items[i].manual ? "not confirmed yet (space to tick)" :
				    "not yet known");
		} else if (best == 0)
			it->known = false;
	}
	/* "Nothing else" is itself a finding once any engine has reported. */
	if (any_source && m->items[TUI_OTHER].nevidence == 0) {
		m->items[TUI_OTHER].known = true;
		m->items[TUI_OTHER].verdict = KD_V_OK;
		kd_setf(m->items[TUI_OTHER].reason, sizeof(m->items[TUI_OTHER].reason),
		    "no other findings");
	}
	m->generation++;
}

/* Records and per-record verdicts from dnscheck's evidence. */
static void
dns_records(struct tui_model *m, json_t *checks)
{
	size_t i, k, n = 0;
	json_t *c, *r;

	free(m->dns);
	m->dns = NULL;
	m->ndns = 0;
	json_array_foreach(checks, i, c)
		if (strcmp(jstr(c, "check"), "srv_exists") == 0)
			n += json_array_size(json_object_get(c, "records"));
	if (n == 0 || (m->dns = calloc(n, sizeof(*m->dns))) == NULL)
		return;
	json_array_foreach(checks, i, c) {
		json_t *want_ttl = NULL, *want_port = NULL;
		size_t j;
		json_t *o;

		if (strcmp(jstr(c, "check"), "srv_exists") != 0)
			continue;
		/* The expected values are in the domain's ttl/port checks. */
		json_array_foreach(checks, j, o) {
			if (strcmp(jstr(o, "subject"), jstr(c, "subject")) != 0)
				continue;
			if (strcmp(jstr(o, "check"), "srv_ttl") == 0)
				want_ttl = json_object_get(o, "expected_ttl");
			if (strcmp(jstr(o, "check"), "srv_port") == 0)
				want_port = json_object_get(o, "expected_port");
		}
		json_array_foreach(json_object_get(c, "records"), k, r) {
			struct tui_dnsrec *d = &m->dns[m->ndns++];
			json_t *a;
			size_t ai;

			kd_setf(d->domain, sizeof(d->domain), "%s", jstr(c, "subject"));
			kd_setf(d->target, sizeof(d->target), "%s", jstr(r, "target"));
			d->ttl = (uint32_t)json_integer_value(json_object_get(r, "ttl"));
			d->port = (unsigned)json_integer_value(json_object_get(r, "port"));
			d->priority = (unsigned)json_integer_value(json_object_get(r, "priority"));
			d->weight = (unsigned)json_integer_value(json_object_get(r, "weight"));
			json_array_foreach(json_object_get(r, "addresses"), ai, a) {
				size_t used = strlen(d->addrs);

				kd_setf(d->addrs + used, sizeof(d->addrs) - used, "%s%s",
				    used ? " " : "", json_string_value(a) ?
				    json_string_value(a) : "");
			}
			d->ttl_v = d->ttl == (want_ttl ? json_integer_value(want_ttl) : 3600) ?
			    KD_V_OK : KD_V_WARN;
			d->port_v = d->port == (want_port ? json_integer_value(want_port) :
			    1688) ? KD_V_OK : KD_V_FAIL;
		}
		if (m->ndns == n)
			break;
	}
}

void
tui_model_set_checks(struct tui_model *m, enum tui_source src, const struct kd_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < r->n; i++)
		json_array_append_new(a, kd_check_to_json(r, &r->checks[i]));
	json_decref(m->checks[src]);
	m->checks[src] = a;
	if (src == TUI_SRC_DNS && a != NULL)
		dns_records(m, a);
	recompute(m);
}

void
tui_model_set_suffix(struct tui_model *m, const char *suffix)
{
	char buf[256];

	kd_setf(m->suffix, sizeof(m->suffix), "%s", kd_sanitize(suffix, buf, sizeof(buf)));
	recompute(m);
}

void
tui_resolv_suffix(const char *path, char *out, size_t len)
{
	char line[512], word[256];
	FILE *fp;

	out[0] = '\0';
	if (len == 0 || (fp = fopen(path, "r")) == NULL)
		return;
	/* The resolver uses the last domain or search line; so do we. */
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((strncmp(line, "domain", 6) == 0 || strncmp(line, "search", 6) == 0) &&
		    (line[6] == ' ' || line[6] == '\t') &&
		    sscanf(line + 6, "%255s", word) == 1)
			kd_setf(out, len, "%s", word);
	}
	fclose(fp);
}

bool
tui_model_tick(struct tui_model *m, enum tui_item i, bool on)
{
	if (!tui_item_manual(i))
		return false;
	m->ticked[i] = on;
	recompute(m);
	return true;
}

json_t *
tui_model_evidence(const struct tui_model *m, enum tui_item item)
{
	json_t *a = json_array(), *c;
	size_t k;

	for (int s = 0; a != NULL && s < TUI_NSRC; s++)
		if (m->checks[s] != NULL)
			json_array_foreach(m->checks[s], k, c)
				if (tui_item_of(jstr(c, "checklist")) == item)
					json_array_append(a, c);
	return a;
}

struct tui_host *
tui_model_host(struct tui_model *m, const char *key)
{
	struct tui_host *h;

	for (size_t i = 0; i < m->nhosts; i++)
		if (strcmp(m->hosts[i].key, key) == 0)
			return &m->hosts[i];
	if (m->nhosts == m->hosts_cap) {
		size_t ncap = m->hosts_cap ? m->hosts_cap * 2 : 16;

		/* Hosts on screen, not the probe's 65536 addresses. */
		if (ncap > 4096 ||
		    (h = realloc(m->hosts, ncap * sizeof(*h))) == NULL)
			return NULL;
		m->hosts = h;
		m->hosts_cap = ncap;
	}
	h = &m->hosts[m->nhosts++];
	memset(h, 0, sizeof(*h));
	kd_setf(h->key, sizeof(h->key), "%s", key);
	h->count = h->required = -1;
	h->verdict = KD_V_UNKNOWN;
	m->generation++;
	return h;
}

void
tui_host_rtt(struct tui_host *h, double ms)
{
	if (h->nrtt == TUI_SPARK) {
		memmove(h->rtt, h->rtt + 1, (TUI_SPARK - 1) * sizeof(h->rtt[0]));
		h->nrtt--;
	}
	h->rtt[h->nrtt++] = ms;
}

/* Most recently seen first, then by name: the panel reads like a log. */
static int
client_cmp(const void *x, const void *y)
{
	const struct tui_client *a = x, *b = y;
	int c = strcmp(b->last_seen, a->last_seen);

	return c != 0 ? c : strcmp(a->workstation, b->workstation);
}

void
tui_model_set_capture_summary(struct tui_model *m, json_t *s)
{
	json_t *o, *a;
	size_t i;

	json_array_foreach(json_object_get(s, "hosts"), i, o) {
		struct tui_host *h = tui_model_host(m, jstr(o, "host"));

		if (h == NULL)
			break;
		kd_setf(h->epid, sizeof(h->epid), "%s", jstr(o, "epid"));
		kd_setf(h->host_os, sizeof(h->host_os), "%s", jstr(o, "host_os"));
		kd_setf(h->key_group, sizeof(h->key_group), "%s", jstr(o, "key_group"));
		h->exchanges = json_integer_value(json_object_get(o, "exchanges"));
		if (json_is_integer(json_object_get(o, "last_count")) && h->epid[0])
			h->count = json_integer_value(json_object_get(o, "last_count"));
	}
	a = json_object_get(s, "products");
	free(m->products);
	m->nproducts = 0;
	if ((m->products = calloc(json_array_size(a) + 1, sizeof(*m->products))) != NULL)
		json_array_foreach(a, i, o) {
			struct tui_product *p = &m->products[m->nproducts++];

			kd_setf(p->name, sizeof(p->name), "%s", jstr(o, "name")[0] ?
			    jstr(o, "name") : jstr(o, "kms_id"));
			p->distinct = json_integer_value(json_object_get(o, "distinct_cmids"));
			p->required = json_integer_value(json_object_get(o, "required_count"));
			p->count = json_integer_value(json_object_get(o, "max_count_returned"));
		}
	/*
	 * The count is per product: a host's bar shows the product with the
	 * highest threshold (Windows clients, 25) and the most it answered.
	 */
	for (size_t h = 0; h < m->nhosts; h++) {
		struct tui_host *ho = &m->hosts[h];

		if (ho->exchanges == 0 || ho->count < 0)
			continue;
		ho->required = -1;
		for (size_t k = 0; k < m->nproducts; k++) {
			const struct tui_product *p = &m->products[k];

			if (p->required > ho->required ||
			    (p->required == ho->required && p->count > ho->count)) {
				ho->required = p->required;
				ho->count = p->count;
			}
		}
	}
	a = json_object_get(s, "clients");
	free(m->clients);
	m->nclients = 0;
	if ((m->clients = calloc(json_array_size(a) + 1, sizeof(*m->clients))) != NULL)
		json_array_foreach(a, i, o) {
			struct tui_client *c = &m->clients[m->nclients++];
			json_t *ls = json_object_get(o, "license_status");

			kd_setf(c->cmid, sizeof(c->cmid), "%s", jstr(o, "cmid"));
			kd_setf(c->workstation, sizeof(c->workstation), "%s",
			    jstr(o, "workstation"));
			kd_setf(c->client, sizeof(c->client), "%s", jstr(o, "client"));
			kd_setf(c->product, sizeof(c->product), "%s", jstr(o, "product"));
			if (json_is_string(ls))
				kd_setf(c->license, sizeof(c->license), "%s",
				    json_string_value(ls));
			else
				kd_setf(c->license, sizeof(c->license), "%lld",
				    (long long)json_integer_value(ls));
			kd_setf(c->last_seen, sizeof(c->last_seen), "%s",
			    jstr(o, "last_seen"));
			kd_setf(c->host, sizeof(c->host), "%s", jstr(o, "host"));
			c->requests = json_integer_value(json_object_get(o, "requests"));
		}
	if (m->clients != NULL)
		qsort(m->clients, m->nclients, sizeof(*m->clients), client_cmp);
	m->generation++;
}

void
tui_model_traffic(struct tui_model *m, const char *line, enum kd_verdict v,
    const struct capture_exchange *ex)
{
	struct tui_event *e;

	if (m->traffic == NULL)
		return;
	e = &m->traffic[m->traffic_next];
	kd_setf(e->line, sizeof(e->line), "%s", line);
	e->verdict = v;
	e->have_ex = false;
	if (ex != NULL && (e->ex != NULL || (e->ex = malloc(sizeof(*e->ex))) != NULL)) {
		memcpy(e->ex, ex, sizeof(*e->ex));
		e->have_ex = true;
	}
	m->traffic_next = (m->traffic_next + 1) % TUI_TRAFFIC;
	if (m->ntraffic < TUI_TRAFFIC)
		m->ntraffic++;
	m->traffic_total++;
	m->generation++;
}

const struct tui_event *
tui_model_traffic_at(const struct tui_model *m, size_t i)
{
	if (i >= m->ntraffic)
		return NULL;
	return &m->traffic[(m->traffic_next + TUI_TRAFFIC - m->ntraffic + i) % TUI_TRAFFIC];
}

int
tui_model_status(const struct tui_model *m)
{
	bool known = false, warn = false;

	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct tui_itemstate *it = &m->items[i];

		if (!it->known)
			continue;
		if (it->verdict == KD_V_FAIL)
			return KD_EXIT_FAIL;
		warn |= it->verdict == KD_V_WARN;
		/* The catch-all alone says nothing about activation. */
		known |= i != TUI_OTHER;
	}
	if (warn)
		return KD_EXIT_WARN;
	return known ? KD_EXIT_OK : KD_EXIT_UNKNOWN;
}

void
tui_bar(char *out, size_t width, int64_t value, int64_t max)
{
	size_t fill = 0;

	if (width == 0)
		return;
	width--;
	if (max > 0 && value > 0)
		fill = value >= max ? width : (size_t)((double)value * (double)width /
		    (double)max + 0.5);
	for (size_t i = 0; i < width; i++)
		out[i] = i < fill ? '#' : '.';
	out[width] = '\0';
}

static const char *
vname(const struct tui_itemstate *it)
{
	return it->known ? kd_verdict_name(it->verdict) : "??";
}

void
tui_model_report_text(FILE *fp, const struct tui_model *m, bool color)
{
	static const char *const sgr[] = { "\033[32m", "\033[33m", "\033[31m", "" };
	char buf[512];
	json_t *ev, *c;
	size_t k;

	fprintf(fp, "KMS activation checklist\n");
	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct tui_itemstate *it = &m->items[i];

		fprintf(fp, "%d. %-24s %s%-4s%s  %s", i + 1, items[i].title,
		    color && it->known ? sgr[it->verdict] : "", vname(it),
		    color && it->known ? "\033[0m" : "",
		    kd_sanitize(it->reason, buf, sizeof(buf)));
		if (it->tool[0] != '\0')
			fprintf(fp, " [%s]", it->tool);
		fputc('\n', fp);
		if (it->fix[0] != '\0' && it->known && it->verdict != KD_V_OK)
			fprintf(fp, "   fix: %s\n", kd_sanitize(it->fix, buf, sizeof(buf)));
		/* Every check behind the verdict, one line each: the evidence. */
		ev = tui_model_evidence(m, (enum tui_item)i);
		if (json_array_size(ev) > 1 || (json_array_size(ev) == 1 &&
		    it->verdict != KD_V_OK))
			json_array_foreach(ev, k, c) {
				const char *subj = jstr(c, "subject");
				bool named = subj[0] == '\0' ||
				    strstr(jstr(c, "detail"), subj) != NULL;

				fprintf(fp, "   - %-4s %s: %s%s%s\n",
				    kd_verdict_name(verdict_of(c)), jstr(c, "tool"),
				    named ? "" : subj, named ? "" : ": ",
				    kd_sanitize(jstr(c, "detail"), buf, sizeof(buf)));
			}
		json_decref(ev);
	}
	if (m->nhosts > 0)
		fprintf(fp, "\nKMS hosts\n");
	for (size_t i = 0; i < m->nhosts; i++) {
		const struct tui_host *h = &m->hosts[i];

		fprintf(fp, "  %s", kd_sanitize(h->key, buf, sizeof(buf)));
		/* The probe's summary already names count, OS and key. */
		if (h->probed) {
			fprintf(fp, " %s: %s\n", kd_verdict_name(h->verdict),
			    kd_sanitize(h->summary, buf, sizeof(buf)));
			continue;
		}
		if (h->count >= 0)
			fprintf(fp, " count %lld/%lld", (long long)h->count,
			    (long long)h->required);
		if (h->host_os[0])
			fprintf(fp, " host %s", kd_sanitize(h->host_os, buf, sizeof(buf)));
		if (h->key_group[0])
			fprintf(fp, " key %s", kd_sanitize(h->key_group, buf, sizeof(buf)));
		fputc('\n', fp);
	}
	if (m->ndns > 0)
		fprintf(fp, "\nDNS SRV records\n");
	for (size_t i = 0; i < m->ndns; i++) {
		const struct tui_dnsrec *d = &m->dns[i];

		fprintf(fp, "  _vlmcs._tcp.%s -> %s:%u ttl %u (%s) port %s prio %u "
		    "weight %u [%s]\n", d->domain, d->target, d->port, d->ttl,
		    kd_verdict_name(d->ttl_v), kd_verdict_name(d->port_v), d->priority,
		    d->weight, d->addrs);
	}
	if (m->nproducts > 0)
		fprintf(fp, "\nClients per product (captured)\n");
	for (size_t i = 0; i < m->nproducts; i++)
		fprintf(fp, "  %-48s %lld distinct, %lld required\n",
		    kd_sanitize(m->products[i].name, buf, sizeof(buf)),
		    (long long)m->products[i].distinct, (long long)m->products[i].required);
}

void
tui_model_report_json(FILE *fp, const struct tui_model *m)
{
	for (int i = 0; i < TUI_NITEMS; i++) {
		const struct tui_itemstate *it = &m->items[i];
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string("item"));
		json_object_set_new(o, "tool", json_string(TUI_TOOL));
		json_object_set_new(o, "number", json_integer(i + 1));
		json_object_set_new(o, "item", json_string(items[i].key));
		json_object_set_new(o, "title", json_string(items[i].title));
		json_object_set_new(o, "status", json_string(it->known ?
		    kd_verdict_key(it->verdict) : "unknown"));
		json_object_set_new(o, "detail", json_string(it->reason));
		json_object_set_new(o, "fix", json_string(it->fix));
		json_object_set_new(o, "source", it->tool[0] ? json_string(it->tool) :
		    json_null());
		json_object_set_new(o, "manual", json_boolean(items[i].manual));
		json_object_set_new(o, "ticked", json_boolean(m->ticked[i]));
		json_object_set_new(o, "evidence", tui_model_evidence(m, (enum tui_item)i));
		kd_json_line(fp, o);
		json_decref(o);
	}
	for (size_t i = 0; i < m->nhosts; i++) {
		const struct tui_host *h = &m->hosts[i];
		json_t *o = json_object(), *rtt = json_array();

		for (size_t k = 0; k < h->nrtt; k++)
			json_array_append_new(rtt, json_real(h->rtt[k]));
		json_object_set_new(o, "type", json_string("host"));
		json_object_set_new(o, "host", json_string(h->key));
		json_object_set_new(o, "probed", json_boolean(h->probed));
		json_object_set_new(o, "state", h->reach[0] ? json_string(h->reach) :
		    json_null());
		json_object_set_new(o, "rpc", h->rpc[0] ? json_string(h->rpc) : json_null());
		json_object_set_new(o, "connect_ms", rtt);
		json_object_set_new(o, "count", h->count >= 0 ? json_integer(h->count) :
		    json_null());
		json_object_set_new(o, "required_count", h->required >= 0 ?
		    json_integer(h->required) : json_null());
		json_object_set_new(o, "epid", h->epid[0] ? json_string(h->epid) : json_null());
		json_object_set_new(o, "host_os", h->host_os[0] ? json_string(h->host_os) :
		    json_null());
		json_object_set_new(o, "key_group", h->key_group[0] ?
		    json_string(h->key_group) : json_null());
		json_object_set_new(o, "exchanges", json_integer(h->exchanges));
		kd_json_line(fp, o);
		json_decref(o);
	}
	for (size_t i = 0; i < m->nproducts; i++) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "type", "product",
		    "name", m->products[i].name, "distinct_cmids",
		    (json_int_t)m->products[i].distinct, "required_count",
		    (json_int_t)m->products[i].required, "max_count_returned",
		    (json_int_t)m->products[i].count);

		kd_json_line(fp, o);
		json_decref(o);
	}
	{
		int st = tui_model_status(m);
		json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "type", "summary",
		    "tool", TUI_TOOL, "status", st == 3 ? "unknown" :
		    kd_verdict_key((enum kd_verdict)st), "exit", st,
		    "clients", (json_int_t)m->nclients, "events",
		    (json_int_t)m->traffic_total);

		kd_json_line(fp, o);
		json_decref(o);
	}
}
