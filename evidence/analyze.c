/*
 * From records to conclusions: the host's view (12290: one row per
 * client, the count it keeps per application, cloned CMIDs, refusals,
 * idle time, DNS publishing), the client's view (12288/12289: the host
 * it asked, unanswered requests, the count it was given), slmgr /dlv
 * (channel, /skms, DNS discovery, host count and port) and the client's
 * DNS settings (ipconfig /all, systeminfo).  Every conclusion is a check
 * with its checklist item, its evidence and the file it came from.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence_int.h"
#include "ev_set.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kms.h"
#include "site.h"
#include "tables.h"
#include "textf.h"

void
evidence_opts_init(struct evidence_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->now = EV_TIME_UNKNOWN;
}

struct ev_set *
ev_set_new(const struct evidence_opts *o)
{
	struct ev_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->o = *o;
	s->host_first = s->host_last = EV_TIME_UNKNOWN;
	return s;
}

void
ev_set_free(struct ev_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nslmgr; i++)
		free(s->slmgr[i]);
	free(s->rows);
	free(s->idx);
	free(s->cev);
	free(s);
}

/* --- collecting ---------------------------------------------------------------- */

static uint64_t
row_hash(const struct kd_guid *cmid, const struct kd_guid *actid)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ cmid->b[i]) * 1099511628211ULL;
	for (i = 0; i < 16; i++)
		h = (h ^ actid->b[i]) * 1099511628211ULL;
	return h;
}

static bool
idx_grow(struct ev_set *s)
{
	size_t cap = s->idx_cap ? s->idx_cap * 2 : 1024, i;
	uint32_t *n;

	if ((n = calloc(cap, sizeof(*n))) == NULL)
		return false;
	for (i = 0; i < s->nrows; i++) {
		size_t k = row_hash(&s->rows[i].cmid, &s->rows[i].actid) & (cap - 1);

		while (n[k] != 0)
			k = (k + 1) & (cap - 1);
		n[k] = (uint32_t)i + 1;
	}
	free(s->idx);
	s->idx = n;
	s->idx_cap = cap;
	return true;
}

static struct row *
row_get(struct ev_set *s, const struct kd_guid *cmid, const struct kd_guid *actid)
{
	size_t k;
	struct row *r;

	if (s->idx_cap == 0 || (s->nrows + 1) * 4 > s->idx_cap * 3)
		if (!idx_grow(s))
			return NULL;
	k = row_hash(cmid, actid) & (s->idx_cap - 1);
	while (s->idx[k] != 0) {
		r = &s->rows[s->idx[k] - 1];
		if (kd_guid_eq(&r->cmid, cmid) && kd_guid_eq(&r->actid, actid))
			return r;
		k = (k + 1) & (s->idx_cap - 1);
	}
	if (s->nrows == MAX_ROWS) {
		s->rows_dropped++;
		return NULL;
	}
	if (s->nrows == s->rows_cap) {
		size_t cap = s->rows_cap ? s->rows_cap * 2 : 256;
		struct row *n = realloc(s->rows, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		s->rows = n;
		s->rows_cap = cap;
	}
	r = &s->rows[s->nrows];
	memset(r, 0, sizeof(*r));
	r->cmid = *cmid;
	r->actid = *actid;
	r->sku = kd_sku_find(actid);
	r->first = r->last = EV_TIME_UNKNOWN;
	r->file = s->cur;
	s->idx[k] = (uint32_t)++s->nrows;
	return r;
}

static void
hr_note(struct ev_set *s, uint32_t code, const char *example)
{
	size_t i;

	for (i = 0; i < s->nhr; i++)
		if (s->hr[i].code == code)
			break;
	if (i == s->nhr) {
		if (s->nhr == MAX_HRESULTS)
			return;
		s->nhr++;
		s->hr[i].code = code;
		kd_setf(s->hr[i].example, sizeof(s->hr[i].example), "%s", example);
	}
	s->hr[i].n++;
}

static void
on_12290(struct ev_set *s, const struct ev_event *ev, const struct ev_kms *k)
{
	struct row *r;
	int64_t t = ev->when != EV_TIME_UNKNOWN ? ev->when : k->client_time;

	s->n12290++;
	if (s->host_name[0] == '\0' && ev->computer[0] != '\0')
		kd_setf(s->host_name, sizeof(s->host_name), "%s", ev->computer);
	if ((r = row_get(s, &k->cmid, &k->actid)) == NULL)
		return;
	if (r->nfqdn == 0) {
		kd_setf(r->fqdn, sizeof(r->fqdn), "%s", k->name);
		r->nfqdn = 1;
	} else if (strcasecmp(r->fqdn, k->name) != 0 && r->nfqdn == 1) {
		kd_setf(r->other_fqdn, sizeof(r->other_fqdn), "%s", k->name);
		r->nfqdn = 2;
	}
	r->vm = k->vm;
	r->license_status = k->license_status;
	if (k->required > r->required)
		r->required = k->required;
	r->requests++;
	if (t != EV_TIME_UNKNOWN) {
		if (r->first == EV_TIME_UNKNOWN || t < r->first)
			r->first = t;
		if (r->last == EV_TIME_UNKNOWN || t >= r->last)
			r->last_hresult = k->hresult;
		if (r->last == EV_TIME_UNKNOWN || t > r->last)
			r->last = t;
		if (s->host_first == EV_TIME_UNKNOWN || t < s->host_first)
			s->host_first = t;
		if (s->host_last == EV_TIME_UNKNOWN || t > s->host_last)
			s->host_last = t;
	} else
		r->last_hresult = k->hresult;
	if (k->hresult != 0) {
		r->refused++;
		hr_note(s, k->hresult, k->name);
	}
}

static void
on_client_event(struct ev_set *s, const struct ev_event *ev, const struct ev_kms *k)
{
	struct cev *c;

	if (s->ncev == MAX_CEVENTS) {
		s->cev_dropped++;
		return;
	}
	if (s->ncev == s->cev_cap) {
		size_t cap = s->cev_cap ? s->cev_cap * 2 : 256;
		struct cev *n = realloc(s->cev, cap * sizeof(*n));

		if (n == NULL) {
			s->cev_dropped++;
			return;
		}
		s->cev = n;
		s->cev_cap = cap;
	}
	c = &s->cev[s->ncev++];
	memset(c, 0, sizeof(*c));
	c->id = k->id;
	c->hresult = k->hresult;
	c->flags = k->flags;
	c->required = k->required;
	c->activated = k->activated;
	c->count = k->count;
	c->license_status = k->license_status;
	c->minutes_left = k->minutes_left;
	c->actid = k->actid;
	c->cmid = k->cmid;
	c->when = ev->when != EV_TIME_UNKNOWN ? ev->when : k->client_time;
	c->record = ev->record;
	c->file = s->cur;
	kd_setf(c->hostport, sizeof(c->hostport), "%s", k->name);
}

static void
on_dns(struct ev_set *s, const struct ev_event *ev, const struct ev_kms *k)
{
	struct dns_event *d;

	if (s->ndns == MAX_DOMAINS)
		memmove(&s->dns[0], &s->dns[1], sizeof(s->dns[0]) * --s->ndns);
	d = &s->dns[s->ndns++];
	kd_setf(d->domain, sizeof(d->domain), "%s", k->name);
	d->hresult = k->hresult;
	d->published = k->id == 12294;
	d->when = ev->when;
	d->file = s->cur;
}

static void
sink_error(void *arg, const struct ev_err *e)
{
	struct ev_set *s = arg;
	struct file_info *f = &s->files[s->cur];

	if (f->nerrs < ERRS_SHOWN)
		ev_err_format(e, f->errs[f->nerrs++], sizeof(f->errs[0]));
}

static void
sink_event(void *arg, const struct ev_event *ev)
{
	struct ev_set *s = arg;
	struct file_info *f = &s->files[s->cur];
	struct ev_kms k;
	struct ev_err e;

	if (!ev_id_known(ev->id)) {
		f->other_events++;
		return;
	}
	memset(&e, 0, sizeof(e));
	e.source = f->name;
	if (!ev_info_decode(ev, &k, &e)) {
		f->errors++;
		sink_error(s, &e);
		return;
	}
	f->kms_events++;
	switch (k.id) {
	case 12290:
		f->host_log = true;
		on_12290(s, ev, &k);
		break;
	case 12288:
	case 12289:
		f->client_log = true;
		on_client_event(s, ev, &k);
		break;
	case 12293:
	case 12294:
		f->host_log = true;
		on_dns(s, ev, &k);
		break;
	case 12291:
	case 12292:
		s->timer_errors++;
		break;
	case 12308:
		f->client_log = true;
		s->adba++;
		break;
	}
}

static void
sink_slmgr(void *arg, const struct ev_slmgr *sl)
{
	struct ev_set *s = arg;
	struct ev_slmgr *c;

	if (s->nslmgr == MAX_FILES || (c = malloc(sizeof(*c))) == NULL)
		return;
	*c = *sl;
	s->slmgr_file[s->nslmgr] = s->cur;
	s->slmgr[s->nslmgr++] = c;
}

static void
sink_netcfg(void *arg, const struct ev_netcfg *n)
{
	struct ev_set *s = arg;

	if (s->nnet == MAX_FILES)
		return;
	s->net_file[s->nnet] = s->cur;
	s->net[s->nnet++] = *n;
}

static void
read_common(struct ev_set *s, const char *name, const char *path, const void *buf, size_t len)
{
	struct ev_sink sink = { sink_event, sink_slmgr, sink_netcfg, sink_error, s };
	struct ev_parser *p;
	struct file_info *f;

	if (s->nfiles == MAX_FILES) {
		s->files_dropped++;
		return;
	}
	s->cur = s->nfiles++;
	f = &s->files[s->cur];
	memset(f, 0, sizeof(*f));
	kd_setf(f->name, sizeof(f->name), "%s", name);
	if ((p = ev_parser_new(f->name, &sink)) == NULL) {
		kd_setf(f->errs[f->nerrs++], sizeof(f->errs[0]), "%s: out of memory", name);
		f->errors++;
		return;
	}
	if (path != NULL)
		ev_parser_read_file(p, path);
	else {
		ev_parser_feed(p, buf, len);
		ev_parser_end(p);
	}
	f->fmt = ev_parser_format(p);
	f->enc = ev_parser_encoding(p);
	f->records = ev_parser_records(p);
	f->errors += ev_parser_errors(p);
	ev_parser_free(p);
}

void
ev_set_read(struct ev_set *s, const char *path)
{
	read_common(s, path, path, NULL, 0);
}

void
ev_set_read_buffer(struct ev_set *s, const char *source, const void *buf, size_t len)
{
	read_common(s, source, NULL, buf, len);
}

/* --- output helpers --------------------------------------------------------------- */

/* A stable keyed hash of a name or CMID, so evidence can be shared (--anonymize). */
static void
anon_bytes(const struct ev_set *s, const void *in, size_t n, uint8_t out[32])
{
	const char *key = s->o.anon_key ? s->o.anon_key : "kmsdiag-evidence";
	unsigned int len = 32;

	HMAC(EVP_sha256(), key, (int)strlen(key), in, n, out, &len);
}

/* "kms1.contoso.com:1688", "[fd00::1]:1688" -> the name or address. */
static void
host_of(const char *hostport, char *out, size_t len)
{
	const char *colon = strrchr(hostport, ':');

	if (hostport[0] == '[') {
		const char *rb = strchr(hostport, ']');

		kd_setf(out, len, "%.*s", rb ? (int)(rb - hostport - 1) : 0, hostport + 1);
		return;
	}
	if (colon != NULL && strchr(hostport, ':') == colon)
		kd_setf(out, len, "%.*s", (int)(colon - hostport), hostport);
	else
		kd_setf(out, len, "%s", hostport);
}

/* Same machine: the same FQDN, or one side is the other's first label. */
static bool
same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	if (strcasecmp(a, b) == 0)
		return true;
	if ((a[la] == '\0' || b[lb] == '\0') && la == lb && strncasecmp(a, b, la) == 0)
		return true;
	return false;
}

static bool
same_domain(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '.')
		la--;
	while (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* A machine name, or its keyed hash: the same name in any case, with or without its final dot. */
static const char *
name_out(const struct ev_set *s, const char *name, char *buf, size_t len)
{
	char low[256];
	uint8_t h[32];
	size_t i;

	if (!s->o.anonymize || *name == '\0')
		return name;
	for (i = 0; name[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	while (i > 0 && low[i - 1] == '.')
		i--;
	anon_bytes(s, low, i, h);
	snprintf(buf, len, "host-%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4]);
	return buf;
}

/* "kms1.contoso.com:1688" with the name hashed and the port kept. */
static const char *
hostport_out(const struct ev_set *s, const char *hp, char *buf, size_t len)
{
	char host[256], hb[64];
	const char *colon = strrchr(hp, ':');

	if (!s->o.anonymize || *hp == '\0')
		return hp;
	host_of(hp, host, sizeof(host));
	kd_setf(buf, len, "%s%s", name_out(s, host, hb, sizeof(hb)),
	    colon != NULL && strchr(hp, ':') == colon ? colon : "");
	return buf;
}

static const char *
cmid_out(const struct ev_set *s, const struct kd_guid *g, char buf[KD_GUID_STRLEN])
{
	struct kd_guid a;
	uint8_t h[32];

	if (!s->o.anonymize)
		return kd_guid_format(g, buf);
	anon_bytes(s, g->b, sizeof(g->b), h);
	memcpy(a.b, h, 16);
	return kd_guid_format(&a, buf);
}

static const char *
when_out(int64_t t, char *buf, size_t len)
{
	if (t == EV_TIME_UNKNOWN)
		return "unknown";
	return kd_unix_format(t, buf, len);
}

static const char *
product_name(const struct kd_sku *sku)
{
	return sku != NULL ? sku->name : "unknown product";
}

static struct kd_check *
add(struct kd_report *r, const char *code, const char *item, const char *subject,
    enum kd_verdict v, const char *source, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static struct kd_check *
add(struct kd_report *r, const char *code, const char *item, const char *subject,
    enum kd_verdict v, const char *source, const char *file, const char *fmt, ...)
{
	struct kd_check *c;
	char id[64], line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	snprintf(id, sizeof(id), "evidence.%s", code);
	if ((c = kd_report_add(r, id, subject, v, "%s", line)) == NULL)
		return NULL;
	kd_check_item(c, item);
	/* "source" is the site model's (windows); this names the record kind. */
	if (source != NULL)
		kd_check_str(c, "evidence", source);
	if (file != NULL)
		kd_check_str(c, "file", file);
	return c;
}

static const char *
err_explain(uint32_t code, char *buf, size_t len)
{
	const struct kd_errcode *e = kd_err_find(code);

	if (e == NULL)
		snprintf(buf, len, "0x%08" PRIX32, code);
	else
		snprintf(buf, len, "0x%08" PRIX32 " %s: %s", code, e->name, e->meaning);
	return buf;
}

static const char *
err_item(uint32_t code)
{
	const struct kd_errcode *e = kd_err_find(code);

	if (e == NULL || e->check[0] == '\0')
		return "other";
	/* The error table's finer names map onto the checklist items. */
	if (strncmp(e->check, "srv", 3) == 0)
		return "dns";
	if (strcmp(e->check, "host_state") == 0)
		return "host_key";
	return e->check;
}

/* --- the files ---------------------------------------------------------------------- */

static void
report_files(const struct ev_set *s, struct kd_report *r)
{
	size_t i, k;

	for (i = 0; i < s->nfiles; i++) {
		const struct file_info *f = &s->files[i];
		struct kd_check *c;
		enum kd_verdict v = KD_V_OK;

		if (f->fmt == EV_FMT_UNKNOWN || f->fmt == EV_FMT_EVTX || f->records == 0)
			v = KD_V_UNKNOWN;
		else if (f->errors > 0)
			v = KD_V_WARN;
		if (v == KD_V_UNKNOWN)
			c = add(r, "input", "other", f->name, v, NULL, f->name,
			    "not read: %s", f->nerrs > 0 ? f->errs[0] : "no records");
		else if (f->fmt >= EV_FMT_EVENT_TEXT && f->fmt <= EV_FMT_EVENT_JSON)
			c = add(r, "input", "other", f->name, v, NULL, f->name,
			    "%s, %s: %" PRIu64 " event%s, %" PRIu64 " of them KMS events%s",
			    ev_format_name(f->fmt), ev_encoding_name(f->enc), f->records,
			    f->records == 1 ? "" : "s", f->kms_events,
			    f->errors ? "; some records could not be read" : "");
		else
			c = add(r, "input", "other", f->name, v, NULL, f->name,
			    "%s, %s: %" PRIu64 " record%s%s", ev_format_name(f->fmt),
			    ev_encoding_name(f->enc), f->records, f->records == 1 ? "" : "s",
			    f->errors ? "; some records could not be read" : "");
		kd_check_str(c, "format", ev_format_name(f->fmt));
		kd_check_str(c, "encoding", ev_encoding_name(f->enc));
		kd_check_int(c, "records", (int64_t)f->records);
		kd_check_int(c, "errors", (int64_t)f->errors);
		if (f->nerrs > 0) {
			json_t *a = json_array();

			for (k = 0; k < f->nerrs; k++)
				json_array_append_new(a, json_string(f->errs[k]));
			kd_check_json(c, "error_lines", a);
			if (v == KD_V_WARN && f->errors > 1)
				kd_check_fix(c, "%s (and %" PRIu64 " more; --verbose "
				    "shows the first %d)", f->errs[0], f->errors - 1,
				    ERRS_SHOWN);
			else if (v == KD_V_WARN)
				kd_check_fix(c, "%s", f->errs[0]);
		}
		if (f->fmt >= EV_FMT_EVENT_TEXT && f->fmt <= EV_FMT_EVENT_JSON &&
		    f->records > 0 && f->kms_events == 0)
			add(r, "no_kms_events", "other", f->name, KD_V_UNKNOWN, NULL, f->name,
			    "%" PRIu64 " events, none of them a KMS event (12288-12294, 12308): "
			    "the wrong log? host: \"Key Management Service\", client: Application",
			    f->records);
	}
	if (s->files_dropped > 0)
		add(r, "input", "other", "", KD_V_UNKNOWN, NULL, NULL,
		    "%" PRIu64 " more files not read (at most %d)", s->files_dropped, MAX_FILES);
}

/* --- the host's log ------------------------------------------------------------------ */

static int
cmp_guid(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct kd_guid));
}

/* Distinct CMIDs asking for products of app within the host's window before ref. */
static size_t
pool_count(const struct ev_set *s, const struct kd_guid *app, int64_t ref, struct kd_guid *tmp)
{
	size_t i, n = 0, distinct = 0;

	for (i = 0; i < s->nrows; i++) {
		const struct row *w = &s->rows[i];

		if (w->sku == NULL || !kd_guid_eq(&w->sku->app_id, app))
			continue;
		if (ref != EV_TIME_UNKNOWN && w->last != EV_TIME_UNKNOWN &&
		    w->last < ref - HOST_WINDOW)
			continue;
		tmp[n++] = w->cmid;
	}
	qsort(tmp, n, sizeof(*tmp), cmp_guid);
	for (i = 0; i < n; i++)
		if (i == 0 || !kd_guid_eq(&tmp[i], &tmp[i - 1]))
			distinct++;
	return distinct;
}

static void
report_counts(const struct ev_set *s, struct kd_report *r, const char *file)
{
	struct kd_guid *tmp, *ids;
	size_t i, j, nids = 0;
	char ts[32];

	if (s->nrows == 0)
		return;
	if ((tmp = malloc(s->nrows * sizeof(*tmp))) == NULL ||
	    (ids = malloc(s->nrows * sizeof(*ids))) == NULL) {
		free(tmp);
		r->oom = true;
		return;
	}
	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].sku != NULL)
			ids[nids++] = s->rows[i].sku->kms_id;
	qsort(ids, nids, sizeof(*ids), cmp_guid);
	for (i = 0; i < nids; i++) {
		const struct kd_kmsid *info;
		const struct kd_app *app;
		struct kd_check *c;
		uint32_t required = 0;
		size_t distinct, count;
		unsigned cap;
		char g[KD_GUID_STRLEN];

		if (i > 0 && kd_guid_eq(&ids[i], &ids[i - 1]))
			continue;
		if ((info = kd_kmsid_find(&ids[i])) == NULL)
			continue;
		for (j = 0; j < s->nrows; j++)
			if (s->rows[j].sku != NULL && kd_guid_eq(&s->rows[j].sku->kms_id, &ids[i]) &&
			    s->rows[j].required > required)
				required = s->rows[j].required;
		if (required == 0)
			required = info->min_clients;
		app = kd_app_find(&info->app_id);
		cap = app != NULL && app->max_reported_count ? app->max_reported_count : 50;
		distinct = pool_count(s, &info->app_id, s->host_last, tmp);
		count = distinct > cap ? cap : distinct;
		c = add(r, "host_count", "threshold", info->name,
		    count >= required ? KD_V_OK : KD_V_FAIL, "host log", file,
		    "the host's count for %s: %zu (distinct CMIDs of %s in the 30 days to %s%s); "
		    "its clients need %" PRIu32, info->name, count,
		    app != NULL ? app->name : "this application",
		    when_out(s->host_last, ts, sizeof(ts)),
		    distinct > cap ? ", capped" : "", required);
		if (count < required)
			kd_check_fix(c, "%zu more machine%s must ask this host within 30 days "
			    "(clients get 0xC004F038 until then); cloned CMIDs count once",
			    required - count, required - count == 1 ? "" : "s");
		kd_check_str(c, "kms_id", kd_guid_format(&ids[i], g));
		kd_check_int(c, "count", (int64_t)count);
		kd_check_int(c, "distinct_cmids", (int64_t)distinct);
		kd_check_int(c, "required", required);
		kd_check_int(c, "cap", cap);
	}
	free(tmp);
	free(ids);
}

/* A CMID and where it came from, for sorting instead of pairwise comparing. */
struct rowref {
	struct kd_guid	 cmid;
	size_t		 row;
};

static int
cmp_rowref(const void *a, const void *b)
{
	const struct rowref *x = a, *y = b;
	int c = memcmp(&x->cmid, &y->cmid, sizeof(x->cmid));

	return c != 0 ? c : x->row < y->row ? -1 : x->row > y->row;
}

struct fqdn_ref {
	const char		*fqdn;
	const struct kd_guid	*cmid;
};

static int
cmp_fqdn(const void *a, const void *b)
{
	const struct fqdn_ref *x = a, *y = b;
	int c = strcasecmp(x->fqdn, y->fqdn);

	return c != 0 ? c : memcmp(x->cmid, y->cmid, sizeof(*x->cmid));
}

static void
report_identity(const struct ev_set *s, struct kd_report *r, const char *file)
{
	struct fqdn_ref *refs;
	struct rowref *cl;
	size_t i, j, shown = 0, cloned = 0, n = 0, ncl = 0;
	char g[KD_GUID_STRLEN], b1[64], b2[64];

	/* One finding per CMID, whatever the number of its products: sorted, not compared pairwise. */
	if (s->nrows > 0 && (cl = malloc(s->nrows * sizeof(*cl))) != NULL) {
		for (i = 0; i < s->nrows; i++)
			if (s->rows[i].nfqdn >= 2) {
				cl[ncl].cmid = s->rows[i].cmid;
				cl[ncl++].row = i;
			}
		qsort(cl, ncl, sizeof(*cl), cmp_rowref);
		for (i = 0; i < ncl; i++) {
			const struct row *w = &s->rows[cl[i].row];

			if (i > 0 && kd_guid_eq(&cl[i].cmid, &cl[i - 1].cmid))
				continue;
			cloned++;
			if (shown++ < MAX_SHOWN) {
				struct kd_check *c = add(r, "cloned_cmid", "threshold",
				    cmid_out(s, &w->cmid, g), KD_V_WARN, "host log", file,
				    "one CMID from at least two machines (%s, %s): a cloned image not "
				    "generalized with sysprep; the host counts them as one",
				    name_out(s, w->fqdn, b1, sizeof(b1)),
				    name_out(s, w->other_fqdn, b2, sizeof(b2)));

				kd_check_fix(c, "on each clone: slmgr /rearm and a reboot gives a new "
				    "CMID; generalize the image with sysprep /generalize");
			}
		}
		free(cl);
	}
	if (cloned > MAX_SHOWN)
		add(r, "cloned_cmid", "threshold", "", KD_V_WARN, "host log", file,
		    "%zu CMIDs in all came from more than one machine", cloned);

	if (s->nrows == 0 || (refs = malloc(s->nrows * sizeof(*refs))) == NULL)
		return;
	for (i = 0; i < s->nrows; i++) {
		refs[n].fqdn = s->rows[i].fqdn;
		refs[n++].cmid = &s->rows[i].cmid;
	}
	qsort(refs, n, sizeof(*refs), cmp_fqdn);
	shown = 0;
	for (i = 0; i < n; i = j) {
		size_t distinct = 1;

		for (j = i + 1; j < n && strcasecmp(refs[j].fqdn, refs[i].fqdn) == 0; j++)
			if (!kd_guid_eq(refs[j].cmid, refs[j - 1].cmid))
				distinct++;
		if (distinct >= MANY_CMIDS && shown++ < MAX_SHOWN) {
			struct kd_check *c = add(r, "fqdn_many_cmids", "threshold",
			    name_out(s, refs[i].fqdn, b1, sizeof(b1)), KD_V_WARN, "host log", file,
			    "one machine name with %zu CMIDs: reimaged, rearmed or non-persistent "
			    "(VDI); each CMID counts for 30 days", distinct);

			kd_check_int(c, "cmids", (int64_t)distinct);
		}
	}
	free(refs);
}

#define ROWS_IN_JSON	200	/* --csv has them all */

/* The client inventory for --json: one object per CMID and product, the first ROWS_IN_JSON. */
static json_t *
rows_json(const struct ev_set *s)
{
	json_t *a = json_array();
	size_t i;
	char g[KD_GUID_STRLEN], act[KD_GUID_STRLEN], t[32], hn[64];

	for (i = 0; i < s->nrows && i < ROWS_IN_JSON; i++) {
		const struct row *w = &s->rows[i];
		const char *ls = kd_license_status_name(w->license_status);
		json_t *o = json_object();

		json_object_set_new(o, "cmid", json_string(cmid_out(s, &w->cmid, g)));
		json_object_set_new(o, "fqdn", json_string(name_out(s, w->fqdn, hn, sizeof(hn))));
		if (w->nfqdn > 1)
			json_object_set_new(o, "other_fqdn",
			    json_string(name_out(s, w->other_fqdn, hn, sizeof(hn))));
		json_object_set_new(o, "product", json_string(product_name(w->sku)));
		json_object_set_new(o, "act_id", json_string(kd_guid_format(&w->actid, act)));
		json_object_set_new(o, "vm", json_boolean(w->vm != 0));
		json_object_set_new(o, "license_status", json_string(ls ? ls : "unknown"));
		json_object_set_new(o, "required", json_integer(w->required));
		if (w->first != EV_TIME_UNKNOWN)
			json_object_set_new(o, "first_seen", json_string(when_out(w->first, t,
			    sizeof(t))));
		if (w->last != EV_TIME_UNKNOWN)
			json_object_set_new(o, "last_seen", json_string(when_out(w->last, t,
			    sizeof(t))));
		json_object_set_new(o, "requests", json_integer((json_int_t)w->requests));
		json_object_set_new(o, "refused", json_integer((json_int_t)w->refused));
		snprintf(t, sizeof(t), "0x%08" PRIX32, w->last_hresult);
		json_object_set_new(o, "last_hresult", json_string(t));
		json_array_append_new(a, o);
	}
	return a;
}

static void
report_host(const struct ev_set *s, struct kd_report *r, int64_t now)
{
	const char *file = NULL;
	struct kd_check *c;
	size_t i, j, vms = 0;
	char t1[32], t2[32], why[400], hn[64];

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].host_log) {
			file = s->files[i].name;
			break;
		}
	if (file == NULL)
		return;
	for (i = 0; i < s->nrows; i++)
		vms += s->rows[i].vm != 0;
	if (s->n12290 > 0) {
		c = add(r, "host_log", "other", name_out(s, s->host_name, hn, sizeof(hn)), KD_V_OK,
		    "host log", file, "%" PRIu64 " requests (12290) from %zu client%s between %s "
		    "and %s", s->n12290, s->nrows, s->nrows == 1 ? "" : "s",
		    when_out(s->host_first, t1, sizeof(t1)), when_out(s->host_last, t2, sizeof(t2)));
		kd_check_int(c, "requests", (int64_t)s->n12290);
		kd_check_int(c, "clients", (int64_t)s->nrows);
		kd_check_int(c, "vm_clients", (int64_t)vms);
		kd_check_json(c, "clients", rows_json(s));
		if (s->rows_dropped > 0)
			kd_check_int(c, "rows_dropped", (int64_t)s->rows_dropped);
	}
	report_counts(s, r, file);
	report_identity(s, r, file);

	for (i = 0; i < s->nhr; i++) {
		const struct hr_group *h = &s->hr[i];
		uint64_t last_n = 0;

		for (j = 0; j < s->nrows; j++)
			last_n += s->rows[j].last_hresult == h->code;
		c = add(r, "host_refused", err_item(h->code), name_out(s, s->host_name, t2,
		    sizeof(t2)),
		    last_n > 0 ? KD_V_FAIL : KD_V_WARN, "host log", file,
		    "%" PRIu64 " request%s answered 0x%08" PRIX32 " (e.g. %s)%s", h->n,
		    h->n == 1 ? "" : "s", h->code, name_out(s, h->example, hn, sizeof(hn)),
		    last_n > 0 ? "" : "; not the latest answer to any client");
		kd_check_fix(c, "%s", err_explain(h->code, why, sizeof(why)));
		kd_check_int(c, "requests", (int64_t)h->n);
		kd_check_int(c, "clients_now", (int64_t)last_n);
	}

	if (s->n12290 > 0 && now != EV_TIME_UNKNOWN && s->host_last != EV_TIME_UNKNOWN &&
	    now - s->host_last > IDLE_AFTER) {
		c = add(r, "host_idle", "port", name_out(s, s->host_name, hn, sizeof(hn)),
		    KD_V_WARN, "host log", file,
		    "no request for %" PRId64 " days (last %s): clients renew every 7 days, so "
		    "they are not reaching this host or activate elsewhere",
		    (now - s->host_last) / DAY, when_out(s->host_last, t1, sizeof(t1)));
		kd_check_fix(c, "check the SRV record and the port from a client: kmsdiag doctor");
		kd_check_int(c, "idle_days", (now - s->host_last) / DAY);
	}

	for (i = 0; i < s->ndns; i++) {
		const struct dns_event *d = &s->dns[i];
		bool later = false;

		for (j = i + 1; j < s->ndns; j++)
			later |= strcasecmp(s->dns[j].domain, d->domain) == 0;
		if (later)
			continue;
		if (d->published)
			add(r, "host_dns_publish", "dns", d->domain, KD_V_OK, "host log",
			    s->files[d->file].name, "the host published its SRV record in %s (12294)",
			    d->domain);
		else {
			c = add(r, "host_dns_publish", "dns", d->domain, KD_V_FAIL, "host log",
			    s->files[d->file].name, "the host could not publish its SRV record in "
			    "%s (12293, 0x%08" PRIX32 ")", d->domain, d->hresult);
			kd_check_fix(c, "let the host's computer account update the zone (secure "
			    "dynamic update), or create _vlmcs._tcp.%s by hand", d->domain);
		}
	}
	if (s->timer_errors > 0)
		add(r, "host_timer", "other", name_out(s, s->host_name, hn, sizeof(hn)),
		    KD_V_WARN, "host log", file,
		    "%" PRIu64 " renewal/activation timer failures (12291/12292)", s->timer_errors);
}

/* --- the client's log ----------------------------------------------------------------- */

static int
cmp_cev(const void *a, const void *b)
{
	const struct cev *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	/* Same second: the request comes before its response. */
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->record < y->record ? -1 : x->record > y->record;
}

struct hostport {
	char		 name[128];
	uint64_t	 n;
};

static void
report_client(struct ev_set *s, struct kd_report *r)
{
	struct hostport hp[MAX_HOSTPORTS];
	size_t nhp = 0, i, k;
	uint64_t requests = 0, unanswered = 0;
	const struct cev *last_req = NULL, *last_resp = NULL, *req_of_resp = NULL, *cur_req = NULL;
	size_t cur_file = SIZE_MAX;
	bool last_unanswered = false;
	struct kd_check *c;
	char list[256] = "", why[400], hn[64];
	const char *file;

	if (s->adba > 0) {
		for (i = 0; i < s->nfiles; i++)
			if (s->files[i].client_log)
				break;
		add(r, "client_adba", "other", "", KD_V_OK, "client log",
		    i < s->nfiles ? s->files[i].name : NULL,
		    "activated by Active Directory (12308): no KMS host is involved, so its "
		    "absence from the host log is not a fault");
	}
	if (s->ncev == 0)
		return;
	qsort(s->cev, s->ncev, sizeof(*s->cev), cmp_cev);
	for (i = 0; i < s->ncev; i++) {
		const struct cev *e = &s->cev[i];

		if (e->file != cur_file) {
			cur_file = e->file;
			cur_req = NULL;
		}
		if (e->id == 12289) {
			last_resp = e;
			req_of_resp = cur_req;
			continue;
		}
		requests++;
		last_req = cur_req = e;
		for (k = 0; k < nhp; k++)
			if (strcasecmp(hp[k].name, e->hostport) == 0)
				break;
		if (k == nhp && nhp < MAX_HOSTPORTS) {
			kd_setf(hp[nhp].name, sizeof(hp[0].name), "%s", e->hostport);
			hp[nhp++].n = 0;
		}
		if (k < nhp)
			hp[k].n++;
		/* Answered when a 12289 follows before the next request of this file. */
		last_unanswered = !(i + 1 < s->ncev && s->cev[i + 1].file == e->file &&
		    s->cev[i + 1].id == 12289);
		unanswered += last_unanswered;
	}
	file = s->files[(last_req ? last_req : last_resp)->file].name;
	for (k = 0; k < nhp; k++)
		kd_appendf(list, sizeof(list), "%s%s (%" PRIu64 ")", k ? ", " : "",
		    hostport_out(s, hp[k].name, hn, sizeof(hn)), hp[k].n);
	if (requests > 0) {
		json_t *a = json_array();

		c = add(r, "client_hosts", "dns", "", KD_V_OK, "client log", file,
		    "the client asked %s", list);
		for (k = 0; k < nhp; k++)
			json_array_append_new(a, json_string(hostport_out(s, hp[k].name, hn,
			    sizeof(hn))));
		kd_check_json(c, "hosts", a);
		kd_check_int(c, "requests", (int64_t)requests);
	}
	if (unanswered > 0) {
		c = add(r, "client_no_response", "port",
		    last_req ? hostport_out(s, last_req->hostport, hn, sizeof(hn)) : "",
		    last_unanswered ? KD_V_FAIL : KD_V_WARN, "client log", file,
		    "%" PRIu64 " of %" PRIu64 " requests got no response (12288 without 12289)%s: "
		    "the host was not reached or did not answer", unanswered, requests,
		    last_unanswered ? ", the latest included" : "");
		kd_check_fix(c, "from the client's network: kmsdiag probe %s",
		    last_req ? hostport_out(s, last_req->hostport, hn, sizeof(hn)) : "HOST");
		kd_check_int(c, "unanswered", (int64_t)unanswered);
	}
	if (last_resp != NULL) {
		uint32_t need = req_of_resp ? req_of_resp->required : 0;

		if (last_resp->hresult != 0) {
			c = add(r, "client_result", err_item(last_resp->hresult), "", KD_V_FAIL,
			    "client log", file, "the latest response was processed with 0x%08" PRIX32,
			    last_resp->hresult);
			kd_check_fix(c, "%s", err_explain(last_resp->hresult, why, sizeof(why)));
		} else if (last_resp->activated)
			c = add(r, "client_count", "threshold", "", KD_V_OK, "client log", file,
			    "activated; the host's count was %" PRIu32 " (the product needs %" PRIu32
			    ")", last_resp->count, need);
		else if (need != 0 && last_resp->count < need) {
			c = add(r, "client_count", "threshold", "", KD_V_FAIL, "client log", file,
			    "not activated: the host's count is %" PRIu32 ", the product needs %" PRIu32
			    " (0xC004F038)", last_resp->count, need);
			kd_check_fix(c, "%" PRIu32 " more machine%s must ask this host; see the "
			    "host log for cloned CMIDs", need - last_resp->count,
			    need - last_resp->count == 1 ? "" : "s");
		} else
			c = add(r, "client_count", "threshold", "", KD_V_WARN, "client log", file,
			    "not activated by the latest response (count %" PRIu32 ")",
			    last_resp->count);
		kd_check_int(c, "count", last_resp->count);
		if (need)
			kd_check_int(c, "required", need);
		kd_check_int(c, "flags", last_resp->flags);
	}
	if (last_req != NULL) {
		/* The client's own state when it last asked: 1 licensed, 2 and 6 grace, else lapsed. */
		uint32_t ls = last_req->license_status;
		const char *name = kd_license_status_name(ls);
		enum kd_verdict v = ls == 1 ? KD_V_OK : ls == 2 || ls == 6 ? KD_V_WARN : KD_V_FAIL;

		c = add(r, "client_license", "key", "", v, "client log", file,
		    "when it last asked, the client was in state %" PRIu32 " (%s), %" PRIu32
		    " days left", ls, name ? name : "unknown", last_req->minutes_left / 1440);
		if (v == KD_V_FAIL)
			kd_check_fix(c, "it is out of its grace period: activate it (slmgr /ato) once "
			    "the host answers");
		kd_check_int(c, "license_status", ls);
		kd_check_int(c, "minutes_left", last_req->minutes_left);
	}
	if (s->cev_dropped > 0)
		add(r, "client_log", "other", "", KD_V_WARN, "client log", file,
		    "%" PRIu64 " client events over the cap were not read", s->cev_dropped);
}

/* --- slmgr /dlv ------------------------------------------------------------------------- */

static bool
block_installed(const struct ev_slmgr_block *b)
{
	return b->partial_key[0] != '\0' ||
	    (b->license_status[0] != '\0' && strcmp(b->license_status, "Unlicensed") != 0);
}

static void
report_slmgr_host(const struct ev_set *s, struct kd_report *r, const struct ev_slmgr_block *b,
    const char *file)
{
	struct kd_check *c;
	struct kms_epid e;
	const struct kd_hostkey *hk;
	bool office = strstr(b->name, "Office") != NULL;
	long long need_clients = office ? 5 : 25, need_servers = 5;

	(void)s;
	if (b->current_count >= 0) {
		enum kd_verdict v = b->current_count >= need_clients ? KD_V_OK :
		    b->current_count >= need_servers ? KD_V_WARN : KD_V_FAIL;

		c = add(r, "slmgr_host_count", "threshold", b->name, v, "slmgr /dlv", file,
		    "the host's current count is %lld%s", (long long)b->current_count,
		    v == KD_V_OK ? "" : office ? ": Office needs 5" :
		    v == KD_V_WARN ? ": enough for servers (5), not for Windows clients (25)" :
		    ": below 5, nothing activates");
		kd_check_int(c, "count", b->current_count);
		if (v != KD_V_OK)
			kd_check_fix(c, "more machines must ask this host within 30 days; "
			    "cloned CMIDs count once");
	}
	if (b->listening_port > 0 && b->listening_port != 1688) {
		c = add(r, "slmgr_host_port", "port", b->name, KD_V_WARN, "slmgr /dlv", file,
		    "the host listens on port %lld, not 1688", (long long)b->listening_port);
		kd_check_fix(c, "the SRV record must give port %lld, and clients pinned with "
		    "/skms need HOST:%lld", (long long)b->listening_port,
		    (long long)b->listening_port);
	}
	if (b->dns_publishing == 0) {
		c = add(r, "slmgr_host_publish", "dns", b->name, KD_V_WARN, "slmgr /dlv", file,
		    "DNS publishing is disabled: the _vlmcs._tcp record must be kept by hand");
		kd_check_fix(c, "check it with kmsdiag dnscheck, or enable publishing: "
		    "slmgr /sdns");
	}
	if (b->failed_requests > 0)
		add(r, "slmgr_host_failed", "other", b->name, KD_V_WARN, "slmgr /dlv", file,
		    "%lld of %lld requests failed (see the host log's 12290 results)",
		    (long long)b->failed_requests, (long long)b->total_requests);
	if (b->epid[0] != '\0') {
		if (!kms_epid_parse(b->epid, &e) || !e.valid)
			add(r, "slmgr_host_epid", "host_key", b->name, KD_V_WARN, "slmgr /dlv", file,
			    "the host's extended PID \"%.60s\" is malformed", b->epid);
		else if ((hk = kd_hostkey_find(e.group, e.key_id)) == NULL)
			add(r, "slmgr_host_epid", "host_key", b->name, KD_V_WARN, "slmgr /dlv", file,
			    "the host's key (group %u, key %" PRIu32 ") is in no known host key group",
			    e.group, e.key_id);
		else
			add(r, "slmgr_host_epid", "host_key", b->name, KD_V_OK, "slmgr /dlv", file,
			    "the host's key is a %s key (%s)", hk->name, hk->key_type);
	}
}

static void
report_slmgr_client(const struct ev_set *s, struct kd_report *r, const struct ev_slmgr_block *b,
    const char *file)
{
	struct kd_check *c;
	const struct kd_sku *sku = b->has_activation_id ? kd_sku_find(&b->activation_id) : NULL;
	char hn[64];

	if (strcmp(b->channel, "VOLUME_KMSCLIENT") == 0)
		add(r, "slmgr_channel", "key", b->name, KD_V_OK, "slmgr /dlv", file,
		    "a KMS client key (VOLUME_KMSCLIENT)");
	else if (b->channel[0] != '\0' && strncmp(b->channel, "VOLUME_KMS", 10) != 0) {
		c = add(r, "slmgr_channel", "key", b->name, KD_V_FAIL, "slmgr /dlv", file,
		    "the installed key is %s, not a KMS client key: a KMS host cannot activate it",
		    b->channel);
		if (sku != NULL && sku->gvlk[0] != '\0')
			kd_check_fix(c, "install the KMS client key: slmgr /ipk %s", sku->gvlk);
		else
			kd_check_fix(c, "install the product's KMS client key (GVLK) with slmgr /ipk");
	}
	if (!b->kms_client)
		return;
	if (b->registered_kms[0] != '\0') {
		c = add(r, "slmgr_pinned", "dns", b->name, KD_V_WARN, "slmgr /dlv", file,
		    "the client is pinned to %s with /skms: it does not use DNS",
		    hostport_out(s, b->registered_kms, hn, sizeof(hn)));
		kd_check_fix(c, "if that host is gone or wrong: slmgr /ckms (back to DNS)");
	}
	if (b->dns_unavailable && b->registered_kms[0] == '\0') {
		c = add(r, "slmgr_dns", "dns", b->name, KD_V_FAIL, "slmgr /dlv", file,
		    "the client's DNS auto-discovery found no KMS host%s%s",
		    b->lookup_domain[0] ? " in " : "", b->lookup_domain);
		kd_check_fix(c, "check _vlmcs._tcp in the client's DNS suffixes (ipconfig /all): "
		    "kmsdiag dnscheck DOMAIN");
	} else if (b->kms_from_dns[0] != '\0') {
		char host[256];

		add(r, "slmgr_dns", "dns", b->name, KD_V_OK, "slmgr /dlv", file,
		    "DNS discovery found %s", hostport_out(s, b->kms_from_dns, hn, sizeof(hn)));
		host_of(b->kms_from_dns, host, sizeof(host));
		if (s->host_name[0] != '\0' && !same_host(host, s->host_name)) {
			c = add(r, "slmgr_dns_other_host", "dns", b->name, KD_V_WARN, "slmgr /dlv",
			    file, "DNS discovery finds %s, not %s whose log was given",
			    hostport_out(s, b->kms_from_dns, hn, sizeof(hn)),
			    name_out(s, s->host_name, host, sizeof(host)));
			kd_check_fix(c, "if %s is the host you expect, the SRV record points "
			    "elsewhere: kmsdiag dnscheck", name_out(s, s->host_name, host,
			    sizeof(host)));
		}
	}
	if (b->lookup_domain[0] != '\0')
		add(r, "slmgr_lookup_domain", "dns", b->name, KD_V_OK, "slmgr /dlv", file,
		    "SRV lookups are set to the domain %s (/skms-domain)", b->lookup_domain);
	if (b->license_status[0] != '\0') {
		enum kd_verdict v = strcmp(b->license_status, "Licensed") == 0 ? KD_V_OK :
		    strncmp(b->license_status, "Initial grace", 13) == 0 ? KD_V_WARN : KD_V_FAIL;
		char left[64] = "";

		if (b->expiration_minutes >= 0)
			kd_setf(left, sizeof(left), ", %lld days left",
			    (long long)(b->expiration_minutes / 1440));
		c = add(r, "slmgr_license", "key", b->name, v, "slmgr /dlv", file,
		    "license status: %s%s", b->license_status, left);
		if (b->expiration_minutes >= 0)
			kd_check_int(c, "expiration_minutes", b->expiration_minutes);
	}
	if (b->kms_epid[0] != '\0') {
		struct kms_epid e;
		const struct kd_hostkey *hk;

		if (kms_epid_parse(b->kms_epid, &e) && e.valid &&
		    (hk = kd_hostkey_find(e.group, e.key_id)) != NULL)
			add(r, "slmgr_host_epid", "host_key", b->name, KD_V_OK, "slmgr /dlv", file,
			    "the host it last used has a %s key (%s)", hk->name, hk->key_type);
	}
	if (b->caching >= 0)
		add(r, "slmgr_caching", "dns", b->name, KD_V_OK, "slmgr /dlv", file,
		    "KMS host caching is %s%s", b->caching ? "enabled" : "disabled",
		    b->caching ? ": the client asks the last host that answered first" : "");
}

static void
report_slmgr(const struct ev_set *s, struct kd_report *r)
{
	size_t i, k;

	for (i = 0; i < s->nslmgr; i++) {
		const struct ev_slmgr *sl = s->slmgr[i];
		const char *file = s->files[s->slmgr_file[i]].name;
		unsigned shown = 0;

		if (sl->non_english) {
			struct kd_check *c = add(r, "slmgr_language", "key", "", KD_V_UNKNOWN,
			    "slmgr /dlv", file, "slmgr output with labels in another language "
			    "(\"%s\"): not read", sl->sample_label);

			kd_check_fix(c, "run slmgr with the English UI, or use the PowerShell export");
			continue;
		}
		for (k = 0; k < sl->nblocks; k++) {
			const struct ev_slmgr_block *b = &sl->blocks[k];

			if (!block_installed(b) && sl->nblocks > 1)
				continue;
			shown++;
			if (b->kms_host || strncmp(b->channel, "VOLUME_KMS_", 11) == 0 ||
			    strcmp(b->channel, "VOLUME_KMS") == 0)
				report_slmgr_host(s, r, b, file);
			else
				report_slmgr_client(s, r, b, file);
		}
		if (shown == 0)
			add(r, "slmgr_channel", "key", "", KD_V_UNKNOWN, "slmgr /dlv", file,
			    "no installed license in %zu block%s", sl->nblocks,
			    sl->nblocks == 1 ? "" : "s");
	}
}

/* --- ipconfig /all, systeminfo ----------------------------------------------------------- */

static bool
is_workgroup(const char *domain)
{
	/* systeminfo names the workgroup ("WORKGROUP") where a joined machine has an FQDN. */
	return domain[0] != '\0' && strchr(domain, '.') == NULL;
}

static void
report_net(const struct ev_set *s, struct kd_report *r)
{
	size_t i, k;
	char hn[64];

	for (i = 0; i < s->nnet; i++) {
		const struct ev_netcfg *n = &s->net[i];
		const char *file = s->files[s->net_file[i]].name;
		const char *src = n->kind == EV_FMT_IPCONFIG ? "ipconfig /all" : "systeminfo";
		const char *host = name_out(s, n->host_name, hn, sizeof(hn));
		struct kd_check *c;

		if (n->non_english) {
			c = add(r, "netcfg_language", "dns", host, KD_V_UNKNOWN, src, file,
			    "%s output with labels in another language (\"%s\"): not read", src,
			    n->sample_label);
			kd_check_fix(c, "run it on an English UI, or use the PowerShell equivalents");
			continue;
		}
		if (n->kind == EV_FMT_IPCONFIG) {
			char names[512] = "";
			json_t *a = json_array();
			size_t nn = 0;

			/* What the client asks: _vlmcs._tcp in its primary suffix, then its lists. */
			if (n->primary_suffix[0] != '\0') {
				kd_appendf(names, sizeof(names), "_vlmcs._tcp.%s", n->primary_suffix);
				json_array_append_new(a, json_string(n->primary_suffix));
				nn++;
			}
			for (k = 0; k < n->nconn; k++) {
				if (strcasecmp(n->conn_suffix[k], n->primary_suffix) == 0)
					continue;
				kd_appendf(names, sizeof(names), "%s_vlmcs._tcp.%s", nn ? ", " : "",
				    n->conn_suffix[k]);
				json_array_append_new(a, json_string(n->conn_suffix[k]));
				nn++;
			}
			for (k = 0; k < n->nsearch; k++) {
				size_t m;
				bool dup = strcasecmp(n->search[k], n->primary_suffix) == 0;

				for (m = 0; m < n->nconn; m++)
					dup |= strcasecmp(n->search[k], n->conn_suffix[m]) == 0;
				if (dup)
					continue;
				kd_appendf(names, sizeof(names), "%s_vlmcs._tcp.%s", nn ? ", " : "",
				    n->search[k]);
				json_array_append_new(a, json_string(n->search[k]));
				nn++;
			}
			if (nn == 0) {
				c = add(r, "client_suffixes", "dns", host, KD_V_FAIL, src, file,
				    "the client has no DNS suffix (primary, connection-specific or "
				    "search list): it cannot find a KMS host through DNS");
				kd_check_fix(c, "set the primary DNS suffix (join the domain) or DHCP "
				    "option 15, or pin the host: slmgr /skms HOST:1688");
			} else {
				c = add(r, "client_suffixes", "dns", host, KD_V_OK, src, file,
				    "the client looks for %s", names);
				if (n->primary_suffix[0] == '\0')
					kd_check_str(c, "note", "no primary DNS suffix: the "
					    "connection-specific suffix (DHCP option 15) is used");
			}
			kd_check_json(c, "domains", a);
			if (n->ndns > 0) {
				json_t *d = json_array();

				for (k = 0; k < n->ndns; k++)
					json_array_append_new(d, json_string(n->dns_servers[k]));
				kd_check_json(c, "dns_servers", d);
			}
			continue;
		}
		if (n->domain[0] != '\0') {
			if (is_workgroup(n->domain)) {
				c = add(r, "client_domain", "domain", host, KD_V_WARN, src, file,
				    "the client is in the workgroup %s, not a domain: it finds a KMS "
				    "host only through a connection-specific suffix or /skms",
				    n->domain);
				kd_check_fix(c, "join it to the domain, or give it a DNS suffix "
				    "(DHCP option 15), or slmgr /skms HOST:1688");
			} else
				add(r, "client_domain", "domain", host, KD_V_OK, src, file,
				    "the client is joined to %s", n->domain);
		}
		if (n->boot_time != EV_TIME_UNKNOWN) {
			char t[32];

			c = add(r, "client_boot", "domain", host, KD_V_OK, src, file,
			    "booted %s", when_out(n->boot_time, t, sizeof(t)));
			kd_check_str(c, "boot_time", t);
			if (n->os_name[0] != '\0')
				kd_check_str(c, "os", n->os_name);
		}
	}
}

/* --- the host's and the client's records side by side ----------------------------------- */


/* The row with this CMID (any product), by binary search in rows sorted by CMID; NULL if none. */
static const struct row *
row_by_cmid(const struct ev_set *s, const struct rowref *sorted, size_t n, const struct kd_guid *g)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&sorted[mid].cmid, g, sizeof(*g));

		if (c == 0)
			return &s->rows[sorted[mid].row];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Each client CMID of the client logs against the host's log: grouped by
 * sorting (a hostile log of many clients stays n log n), findings capped.
 */
static void
cross_host_log(const struct ev_set *s, struct kd_report *r)
{
	struct rowref *reqs, *rows;
	size_t nreq = 0, i, j, shown[3] = { 0, 0, 0 };
	char g[KD_GUID_STRLEN], hn[64], name[128];
	struct kd_check *c;

	reqs = malloc((s->ncev ? s->ncev : 1) * sizeof(*reqs));
	rows = malloc((s->nrows ? s->nrows : 1) * sizeof(*rows));
	if (reqs == NULL || rows == NULL) {
		free(reqs);
		free(rows);
		r->oom = true;
		return;
	}
	for (i = 0; i < s->ncev; i++)
		if (s->cev[i].id == 12288) {
			reqs[nreq].cmid = s->cev[i].cmid;
			reqs[nreq++].row = i;
		}
	qsort(reqs, nreq, sizeof(*reqs), cmp_rowref);
	for (i = 0; i < s->nrows; i++) {
		rows[i].cmid = s->rows[i].cmid;
		rows[i].row = i;
	}
	qsort(rows, s->nrows, sizeof(*rows), cmp_rowref);
	for (i = 0; i < nreq; i = j) {
		const struct cev *e = &s->cev[reqs[i].row];
		const struct row *w = row_by_cmid(s, rows, s->nrows, &e->cmid);
		uint64_t asked = 0, other = 0, covered = 0;

		for (j = i; j < nreq && kd_guid_eq(&reqs[j].cmid, &reqs[i].cmid); j++) {
			const struct cev *q = &s->cev[reqs[j].row];

			host_of(q->hostport, name, sizeof(name));
			if (!same_host(name, s->host_name)) {
				other++;
				continue;
			}
			asked++;
			/* Only a request inside the span the host's log covers can be missing from it. */
			if (q->when != EV_TIME_UNKNOWN && s->host_first != EV_TIME_UNKNOWN &&
			    q->when >= s->host_first - 3600 && q->when <= s->host_last + 3600)
				covered++;
		}
		if (asked > 0 && w == NULL && covered == 0) {
			if (shown[0]++ < MAX_SHOWN)
				add(r, "client_not_in_host_log", "port", cmid_out(s, &e->cmid, g),
				    KD_V_UNKNOWN, "client log", s->files[e->file].name,
				    "the client asked %s, but not while that host's log was kept: "
				    "export both logs over the same days",
				    name_out(s, s->host_name, hn, sizeof(hn)));
		} else if (asked > 0 && w == NULL) {
			if (shown[1]++ < MAX_SHOWN) {
				c = add(r, "client_not_in_host_log", "port", cmid_out(s, &e->cmid, g),
				    KD_V_FAIL, "client log", s->files[e->file].name,
				    "the client asked %s %" PRIu64 " time%s while its log was kept, but "
				    "the log has no request with its CMID: the requests never arrived",
				    name_out(s, s->host_name, hn, sizeof(hn)), covered,
				    covered == 1 ? "" : "s");
				kd_check_fix(c, "a firewall between them, or the name resolves to "
				    "another machine: kmsdiag probe from the client's network");
			}
		} else if (asked > 0 && shown[2]++ < MAX_SHOWN)
			add(r, "client_in_host_log", "port", cmid_out(s, &e->cmid, g), KD_V_OK,
			    "client log", s->files[e->file].name,
			    "the host's log has this client's requests (as %s)",
			    name_out(s, w->fqdn, hn, sizeof(hn)));
		if (other > 0 && shown[2] + shown[1] <= MAX_SHOWN) {
			c = add(r, "client_other_host", "dns", cmid_out(s, &e->cmid, g),
			    KD_V_WARN, "client log", s->files[e->file].name,
			    "the client also asked %" PRIu64 " time%s a host other than %s, whose "
			    "log was not given", other, other == 1 ? "" : "s",
			    name_out(s, s->host_name, hn, sizeof(hn)));
			kd_check_fix(c, "compare the host:port of its 12288 events with the "
			    "published SRV targets: kmsdiag dnscheck");
		}
	}
	if (shown[1] > MAX_SHOWN)
		add(r, "client_not_in_host_log", "port", "", KD_V_FAIL, "client log", NULL,
		    "%zu client CMIDs in all are missing from the host's log", shown[1]);
	free(reqs);
	free(rows);
}

static void
report_cross(const struct ev_set *s, struct kd_report *r)
{
	size_t i, j, k;
	char hn[64];
	struct kd_check *c;

	/* A client's requests against the host log of the host it asked. */
	if (s->n12290 > 0 && s->host_name[0] != '\0')
		cross_host_log(s, r);

	/* The domain the host publishes in against the suffixes a client asks. */
	for (i = 0; i < s->nnet; i++) {
		const struct ev_netcfg *n = &s->net[i];

		if (n->kind != EV_FMT_IPCONFIG || n->non_english)
			continue;
		for (j = 0; j < s->ndns; j++) {
			const struct dns_event *d = &s->dns[j];
			char list[400] = "";
			bool found = same_domain(d->domain, n->primary_suffix), dup = false;

			for (k = 0; k < j && !dup; k++)
				dup = same_domain(s->dns[k].domain, d->domain);
			if (dup)
				continue;
			for (k = 0; k < n->nconn; k++)
				found |= same_domain(d->domain, n->conn_suffix[k]);
			for (k = 0; k < n->nsearch; k++)
				found |= same_domain(d->domain, n->search[k]);
			if (found) {
				add(r, "client_finds_record", "dns", name_out(s, n->host_name, hn,
				    sizeof(hn)), KD_V_OK, "ipconfig /all",
				    s->files[s->net_file[i]].name, "the client asks in %s, where the "
				    "host publishes its record", d->domain);
				continue;
			}
			for (k = 0; k < EV_MAX_LIST * 2 + 1; k++) {
				const char *d2 = k == 0 ? n->primary_suffix : k <= EV_MAX_LIST ?
				    (k - 1 < n->nconn ? n->conn_suffix[k - 1] : "") :
				    (k - 1 - EV_MAX_LIST < n->nsearch ?
				    n->search[k - 1 - EV_MAX_LIST] : "");

				/* Each domain once, in the order the client asks. */
				if (d2[0] == '\0' || strstr(list, d2) != NULL)
					continue;
				kd_appendf(list, sizeof(list), "%s%s", list[0] ? ", " : "", d2);
			}
			c = add(r, "client_misses_record", "dns", name_out(s, n->host_name, hn,
			    sizeof(hn)), KD_V_FAIL, "ipconfig /all", s->files[s->net_file[i]].name,
			    "the host publishes _vlmcs._tcp.%s, but the client asks only in %s: "
			    "it never finds that record", d->domain, list[0] ? list : "no domain");
			kd_check_fix(c, "publish it in the client's domain too (the host's "
			    "DnsDomainPublishList, or by hand), or add %s to the client's suffix "
			    "search list, or slmgr /skms-domain %s", d->domain, d->domain);
		}
	}
}

/*
 * Joined, but not rebooted since: systeminfo reads the domain at once,
 * while the primary DNS suffix ipconfig shows (and the client's SRV
 * lookup uses) takes effect at the next boot.
 */
static void
report_reboot(const struct ev_set *s, struct kd_report *r)
{
	size_t i, j;
	char hn[64], t[32];
	struct kd_check *c;

	for (i = 0; i < s->nnet; i++) {
		const struct ev_netcfg *si = &s->net[i];

		if (si->kind != EV_FMT_SYSTEMINFO || si->non_english || si->domain[0] == '\0' ||
		    is_workgroup(si->domain))
			continue;
		for (j = 0; j < s->nnet; j++) {
			const struct ev_netcfg *ip = &s->net[j];

			if (ip->kind != EV_FMT_IPCONFIG || !ip->has_primary_suffix ||
			    (si->host_name[0] && ip->host_name[0] &&
			    strcasecmp(si->host_name, ip->host_name) != 0))
				continue;
			if (same_domain(ip->primary_suffix, si->domain)) {
				add(r, "client_rebooted", "domain", name_out(s, si->host_name, hn,
				    sizeof(hn)), KD_V_OK, "systeminfo", s->files[s->net_file[i]].name,
				    "joined to %s and its primary DNS suffix is %s: rebooted since "
				    "the join (booted %s)", si->domain, ip->primary_suffix,
				    when_out(si->boot_time, t, sizeof(t)));
				continue;
			}
			c = add(r, "client_rebooted", "domain", name_out(s, si->host_name, hn,
			    sizeof(hn)), KD_V_FAIL, "systeminfo", s->files[s->net_file[i]].name,
			    "joined to %s, but its primary DNS suffix is %s: not rebooted since the "
			    "join (booted %s), so it looks for _vlmcs._tcp in the wrong domain",
			    si->domain, ip->primary_suffix[0] ? ip->primary_suffix : "empty",
			    when_out(si->boot_time, t, sizeof(t)));
			kd_check_fix(c, "reboot the client, then slmgr /ato");
		}
	}
}

/* --- the client's DNS, asked in this run ---------------------------------------------------- */

static bool
target_is(const char *target, const char *host)
{
	char t[256];
	size_t n;

	kd_setf(t, sizeof(t), "%s", target);
	n = strlen(t);
	if (n > 0 && t[n - 1] == '.')
		t[n - 1] = '\0';
	return same_host(t, host);
}

static void
report_dns(const struct ev_set *s, struct kd_report *r)
{
	const struct cev *asked[MAX_HOSTPORTS];
	size_t nasked = 0;
	const struct ev_srvlook *found = NULL;
	char list[400] = "", targets[400] = "", hn[64], name[128];
	bool unknown = false, any_client = false;
	struct kd_check *c;
	size_t i, k, j;

	if (!s->dns_checked)
		return;
	for (i = 0; i < s->nsrv; i++) {
		const struct ev_srvlook *l = &s->srv[i];

		if (!l->client)
			continue;
		any_client = true;
		kd_appendf(list, sizeof(list), "%s%s", list[0] ? ", " : "", l->domain);
		if (l->outcome == KD_DNS_ANSWER && l->nrr > 0 && found == NULL)
			found = l;
		if (l->outcome >= KD_DNS_SERVFAIL && l->outcome != KD_DNS_NOTZONE)
			unknown = true;
	}
	if (any_client && found != NULL) {
		for (k = 0; k < found->nrr; k++)
			kd_appendf(targets, sizeof(targets), "%s%s:%u", k ? ", " : "",
			    name_out(s, found->rr[k].target, hn, sizeof(hn)), found->rr[k].port);
		c = add(r, "client_finds_srv", "dns", found->domain, KD_V_OK, "ipconfig /all", NULL,
		    "the client finds _vlmcs._tcp.%s: %s (%s)", found->domain, targets,
		    s->dns_source);
	} else if (any_client) {
		c = add(r, "client_finds_srv", "dns", list, unknown ? KD_V_UNKNOWN : KD_V_FAIL,
		    "ipconfig /all", NULL, "%s of the domains the client asks (%s) has a "
		    "_vlmcs._tcp record (%s)", unknown ? "could not tell whether any" : "none",
		    list, s->dns_source);
		if (!unknown)
			kd_check_fix(c, "create _vlmcs._tcp.%s (kmsdiag dnscheck shows the record to "
			    "add), or pin the host: slmgr /skms HOST:1688", list);
	}
	if (found == NULL)
		return;
	/* Each host the client asked (the first MAX_HOSTPORTS) against the records it finds. */
	for (i = 0; i < s->ncev; i++) {
		const struct cev *e = &s->cev[i];
		bool seen = false, named = false, port_ok = false;
		const char *colon;
		unsigned port;

		if (e->id != 12288)
			continue;
		for (j = 0; j < nasked && !seen; j++)
			seen = strcasecmp(asked[j]->hostport, e->hostport) == 0;
		if (seen || nasked == MAX_HOSTPORTS)
			continue;
		asked[nasked++] = e;
		host_of(e->hostport, name, sizeof(name));
		colon = strrchr(e->hostport, ':');
		port = colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 1688;
		for (k = 0; k < found->nrr; k++)
			if (target_is(found->rr[k].target, name)) {
				named = true;
				port_ok |= found->rr[k].port == port;
			}
		if (named && port_ok)
			add(r, "client_host_in_srv", "dns", hostport_out(s, e->hostport, hn, sizeof(hn)),
			    KD_V_OK, "client log", s->files[e->file].name,
			    "the host the client asked is a target of _vlmcs._tcp.%s", found->domain);
		else if (named) {
			c = add(r, "client_host_in_srv", "port", hostport_out(s, e->hostport, hn,
			    sizeof(hn)), KD_V_FAIL, "client log", s->files[e->file].name,
			    "the client asked port %u, the record _vlmcs._tcp.%s gives another",
			    port, found->domain);
			kd_check_fix(c, "make the SRV port the one the host listens on");
		} else {
			c = add(r, "client_host_in_srv", "dns", hostport_out(s, e->hostport, hn,
			    sizeof(hn)), KD_V_WARN, "client log", s->files[e->file].name,
			    "the client asked a host no SRV record of its domains names (%s): pinned "
			    "with /skms, or a cached or old host", targets);
			kd_check_fix(c, "slmgr /dlv on the client shows a /skms host; slmgr /ckms "
			    "returns it to DNS");
		}
	}
	/* The port the host listens on (slmgr) against the records naming it. */
	for (i = 0; i < s->nslmgr; i++)
		for (k = 0; k < s->slmgr[i]->nblocks; k++) {
			const struct ev_slmgr_block *b = &s->slmgr[i]->blocks[k];

			if (!b->kms_host || b->listening_port <= 0)
				continue;
			for (j = 0; j < found->nrr; j++) {
				if (s->host_name[0] != '\0' &&
				    !target_is(found->rr[j].target, s->host_name))
					continue;
				if (found->rr[j].port == b->listening_port)
					continue;
				c = add(r, "srv_port_mismatch", "port", name_out(s, found->rr[j].target,
				    hn, sizeof(hn)), KD_V_FAIL,
				    "slmgr /dlv", s->files[s->slmgr_file[i]].name,
				    "the host listens on %lld, _vlmcs._tcp.%s sends clients to port %u",
				    (long long)b->listening_port, found->domain, found->rr[j].port);
				kd_check_fix(c, "change the record's port to %lld (or the host's: "
				    "slmgr /sprt %u)", (long long)b->listening_port, found->rr[j].port);
			}
		}
}

/* --- the whole ------------------------------------------------------------------------- */

/* Every conclusion as a check of its own, before the engine sees it. */
static void
ev_set_findings(struct ev_set *s, struct kd_report *r)
{
	int64_t now = s->o.now != EV_TIME_UNKNOWN ? s->o.now : (int64_t)time(NULL);

	report_files(s, r);
	report_host(s, r, now);
	report_client(s, r);
	report_slmgr(s, r);
	report_net(s, r);
	report_cross(s, r);
	report_reboot(s, r);
	report_dns(s, r);
}

void
ev_set_site(struct ev_set *s, struct kd_site *site)
{
	struct kd_report tmp;
	size_t i;

	kd_report_init(&tmp, EVIDENCE_TOOL);
	ev_set_findings(s, &tmp);
	for (i = 0; i < tmp.n; i++) {
		struct kd_check *c = &tmp.checks[i];
		enum kd_item item;
		const char *code = strncmp(c->id, "evidence.", 9) == 0 ? c->id + 9 : c->id;

		if (!kd_item_parse(c->checklist, &item))
			item = KD_ITEM_OTHER;
		/* The facts move to the observation. */
		kd_site_observe(site, item, c->verdict, code, c->subject, c->summary, c->fix,
		    c->facts, KD_SRC_WINDOWS);
		c->facts = NULL;
	}
	if (tmp.oom)
		site->oom = true;
	kd_report_fini(&tmp);
}

void
ev_set_report(struct ev_set *s, struct kd_report *r)
{
	struct kd_site site;
	struct kd_checklist cl;
	struct kd_judge_opts jo;

	kd_site_init(&site);
	ev_set_site(s, &site);
	memset(&jo, 0, sizeof(jo));
	jo.now = s->o.now != EV_TIME_UNKNOWN ? s->o.now : (int64_t)time(NULL);
	kd_site_judge(&site, &jo, &cl);
	kd_checklist_report(&cl, &site, r);
	kd_checklist_fini(&cl);
	kd_site_fini(&site);
}

int
evidence_run(const struct evidence_opts *o, struct kd_report *r)
{
	struct ev_set *s;
	size_t i, read = 0;

	if ((s = ev_set_new(o)) == NULL) {
		r->oom = true;
		return -1;
	}
	for (i = 0; i < o->nfiles; i++)
		ev_set_read(s, o->files[i]);
	ev_set_report(s, r);
	for (i = 0; i < s->nfiles; i++)
		read += s->files[i].records > 0;
	ev_set_free(s);
	return read > 0 ? 0 : -1;
}

/*
 * RFC 4180: quote every field, double the quotes inside.  A client names
 * itself: a name a spreadsheet would take for a formula (=, +, -, @) gets
 * a leading apostrophe.
 */
static void
csv_field(FILE *fp, const char *v, bool last)
{
	fputc('"', fp);
	if (*v == '=' || *v == '+' || *v == '-' || *v == '@' || *v == '\t' || *v == '\r')
		fputc('\'', fp);
	for (; *v != '\0'; v++) {
		if (*v == '"')
			fputc('"', fp);
		fputc(*v, fp);
	}
	fputc('"', fp);
	fputc(last ? '\n' : ',', fp);
}

int
ev_set_csv(const struct ev_set *s, FILE *fp)
{
	size_t i;
	char g[KD_GUID_STRLEN], a[KD_GUID_STRLEN], t1[32], t2[32], n[32], hn[64], hn2[64];

	fputs("cmid,fqdn,other_fqdn,product,act_id,vm,license_status,required,first_seen,"
	    "last_seen,requests,refused,last_hresult,file\n", fp);
	for (i = 0; i < s->nrows; i++) {
		const struct row *w = &s->rows[i];
		const char *ls = kd_license_status_name(w->license_status);

		csv_field(fp, cmid_out(s, &w->cmid, g), false);
		csv_field(fp, name_out(s, w->fqdn, hn, sizeof(hn)), false);
		csv_field(fp, w->nfqdn > 1 ? name_out(s, w->other_fqdn, hn2, sizeof(hn2)) : "",
		    false);
		csv_field(fp, product_name(w->sku), false);
		csv_field(fp, kd_guid_format(&w->actid, a), false);
		csv_field(fp, w->vm ? "1" : "0", false);
		csv_field(fp, ls ? ls : "", false);
		snprintf(n, sizeof(n), "%" PRIu32, w->required);
		csv_field(fp, n, false);
		csv_field(fp, w->first == EV_TIME_UNKNOWN ? "" : when_out(w->first, t1, sizeof(t1)),
		    false);
		csv_field(fp, w->last == EV_TIME_UNKNOWN ? "" : when_out(w->last, t2, sizeof(t2)),
		    false);
		snprintf(n, sizeof(n), "%" PRIu64, w->requests);
		csv_field(fp, n, false);
		snprintf(n, sizeof(n), "%" PRIu64, w->refused);
		csv_field(fp, n, false);
		snprintf(n, sizeof(n), "0x%08" PRIX32, w->last_hresult);
		csv_field(fp, n, false);
		csv_field(fp, s->files[w->file].name, true);
	}
	return ferror(fp) ? -1 : 0;
}
