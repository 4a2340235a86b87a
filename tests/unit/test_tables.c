/*
 * The generated tables against the TSV files they come from, and against
 * facts from the protocol reference (kms-protocol.md sections 5 and 6).
 *
 * The TSVs are read here with a separate, deliberately plain C reader, so
 * every row is checked end to end: awk generator, C escaping, the sorted
 * indexes and the lookups.  Run from the repository root.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guid.h"
#include "kdtest.h"
#include "tables.h"

#define TSV_MAXCOL	32
#define TSV_MAXLINE	16384

struct tsv {
	const char	*path;
	FILE		*fp;
	unsigned	 lineno;
	char		 hdrbuf[TSV_MAXLINE];
	char		*hdr[TSV_MAXCOL];
	size_t		 nhdr;
	char		 line[TSV_MAXLINE];
	char		*f[TSV_MAXCOL];
	size_t		 nf;
	int		 bad;		/* rows that disagreed with the tables */
};

static size_t
split_tabs(char *s, char **out)
{
	size_t	n = 0;

	for (;;) {
		if (n == TSV_MAXCOL)
			return TSV_MAXCOL + 1;
		out[n++] = s;
		if ((s = strchr(s, '\t')) == NULL)
			return n;
		*s++ = '\0';
	}
}

/* Reads one line into buf without its newline; false at EOF or if too long. */
static bool
read_line(struct tsv *t, char *buf)
{
	size_t	len;

	if (fgets(buf, TSV_MAXLINE, t->fp) == NULL)
		return false;
	t->lineno++;
	len = strlen(buf);
	if (len == 0 || buf[len - 1] != '\n') {
		if (!feof(t->fp)) {
			fprintf(stderr, "%s:%u: line too long for the test\n",
			    t->path, t->lineno);
			return false;
		}
	} else
		buf[--len] = '\0';
	return true;
}

static bool
tsv_open(struct tsv *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->path = path;
	if ((t->fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s (run from the repository root)\n",
		    path, strerror(errno));
		return false;
	}
	if (!read_line(t, t->hdrbuf)) {
		fclose(t->fp);
		t->fp = NULL;
		return false;
	}
	t->nhdr = split_tabs(t->hdrbuf, t->hdr);
	return true;
}

static bool
tsv_next(struct tsv *t)
{
	if (t->fp == NULL || !read_line(t, t->line))
		return false;
	t->nf = split_tabs(t->line, t->f);
	if (t->nf != t->nhdr)
		fprintf(stderr, "%s:%u: %zu columns, header has %zu\n",
		    t->path, t->lineno, t->nf, t->nhdr);
	return true;
}

static void
tsv_close(struct tsv *t)
{
	if (t->fp != NULL)
		fclose(t->fp);
	t->fp = NULL;
}

/* The cell in the named column; "" (and a complaint) if there is none. */
static const char *
get(struct tsv *t, const char *name)
{
	size_t	i;

	for (i = 0; i < t->nhdr && i < t->nf; i++)
		if (strcmp(t->hdr[i], name) == 0)
			return t->f[i];
	fprintf(stderr, "%s:%u: no column %s\n", t->path, t->lineno, name);
	t->bad++;
	return "";
}

static void
row_bad(struct tsv *t, const char *what)
{
	fprintf(stderr, "%s:%u: table disagrees: %s\n", t->path, t->lineno, what);
	t->bad++;
}

static struct kd_guid
guid_of(struct tsv *t, const char *name)
{
	struct kd_guid	g;

	memset(&g, 0, sizeof(g));
	if (!kd_guid_parse(&g, get(t, name)))
		row_bad(t, name);
	return g;
}

static struct kd_guid
G(const char *s)
{
	struct kd_guid	g;

	memset(&g, 0xff, sizeof(g));
	if (!kd_guid_parse(&g, s))
		fprintf(stderr, "test bug: bad GUID %s\n", s);
	return g;
}

static unsigned long
num_of(struct tsv *t, const char *name, int base)
{
	const char	*s = get(t, name);
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (*s != '\0' && (*end != '\0' || errno != 0))
		row_bad(t, name);
	return v;
}

static bool
yes_of(struct tsv *t, const char *name)
{
	return strcmp(get(t, name), "yes") == 0;
}

#define SAME_STR(t, field, col) do {					\
	if (strcmp((field), get((t), (col))) != 0)			\
		row_bad((t), (col));					\
} while (0)

#define SAME(t, cond, what) do {					\
	if (!(cond))							\
		row_bad((t), (what));					\
} while (0)

/* Finish a table: every row agreed and the row count is the table's. */
static void
tsv_done(struct tsv *t, size_t rows, size_t count)
{
	if (rows != count)
		fprintf(stderr, "%s: %zu rows, table has %zu\n", t->path, rows, count);
	KDT_CHECK(rows > 0);
	KDT_CHECK(rows == count);
	KDT_CHECK(t->bad == 0);
	tsv_close(t);
}

static void
check_apps(void)
{
	struct tsv		 t;
	const struct kd_app	*a;
	struct kd_guid		 id;
	size_t			 n = 0;

	KDT_CHECK(tsv_open(&t, "data/kms-applications.tsv"));
	while (tsv_next(&t)) {
		id = guid_of(&t, "app_id");
		a = kd_app_find(&id);
		SAME(&t, a != NULL && a == kd_app_at(n), "app_id lookup / TSV order");
		if (a != NULL) {
			SAME_STR(&t, a->name, "name");
			SAME(&t, a->max_reported_count ==
			    num_of(&t, "max_reported_count", 10), "max_reported_count");
		}
		n++;
	}
	tsv_done(&t, n, kd_app_count());
	KDT_CHECK(kd_app_at(kd_app_count()) == NULL);
}

static void
check_kmsids(void)
{
	struct tsv		 t;
	const struct kd_kmsid	*k;
	struct kd_guid		 id, app;
	size_t			 n = 0;

	KDT_CHECK(tsv_open(&t, "data/kms-counted-ids.tsv"));
	while (tsv_next(&t)) {
		id = guid_of(&t, "kms_id");
		app = guid_of(&t, "app_id");
		k = kd_kmsid_find(&id);
		SAME(&t, k != NULL && k == kd_kmsid_at(n), "kms_id lookup / TSV order");
		if (k != NULL) {
			SAME_STR(&t, k->name, "name");
			SAME(&t, kd_guid_eq(&k->app_id, &app), "app_id");
			SAME(&t, kd_app_find(&k->app_id) != NULL, "app_id resolves");
			SAME(&t, k->min_clients == num_of(&t, "min_clients", 10),
			    "min_clients");
			SAME_STR(&t, k->default_protocol, "default_protocol");
			SAME_STR(&t, k->channel, "channel");
		}
		n++;
	}
	tsv_done(&t, n, kd_kmsid_count());
	KDT_CHECK(kd_kmsid_at(kd_kmsid_count()) == NULL);
}

static void
check_skus(void)
{
	struct tsv		 t;
	const struct kd_sku	*s;
	struct kd_guid		 id, kid, app;
	char			 upper[512];
	size_t			 n = 0, i;

	KDT_CHECK(tsv_open(&t, "data/kms-skus.tsv"));
	while (tsv_next(&t)) {
		id = guid_of(&t, "sku_id");
		kid = guid_of(&t, "kms_id");
		app = guid_of(&t, "app_id");
		s = kd_sku_find(&id);
		SAME(&t, s != NULL && s == kd_sku_at(n), "sku_id lookup / TSV order");
		if (s == NULL) {
			n++;
			continue;
		}
		SAME_STR(&t, s->name, "name");
		SAME(&t, kd_guid_eq(&s->kms_id, &kid), "kms_id");
		SAME_STR(&t, s->kms_name, "kms_name");
		SAME(&t, kd_guid_eq(&s->app_id, &app), "app_id");
		SAME_STR(&t, s->gvlk, "gvlk");
		SAME_STR(&t, s->gvlk_unverified, "gvlk_unverified");
		SAME_STR(&t, s->channel, "channel");
		SAME(&t, kd_kmsid_find(&s->kms_id) != NULL, "kms_id resolves");

		/* The name index, hit with a differently cased name. */
		for (i = 0; s->name[i] != '\0' && i + 1 < sizeof(upper); i++)
			upper[i] = (s->name[i] >= 'a' && s->name[i] <= 'z') ?
			    (char)(s->name[i] - 'a' + 'A') : s->name[i];
		upper[i] = '\0';
		SAME(&t, kd_sku_find_name(upper) == s, "kd_sku_find_name");
		n++;
	}
	tsv_done(&t, n, kd_sku_count());
	KDT_CHECK(kd_sku_at(kd_sku_count()) == NULL);
}

static void
check_hostkeys(void)
{
	struct tsv		 t;
	const struct kd_hostkey	*h;
	struct kd_guid		 id, a;
	char			 list[TSV_MAXLINE], *p, *semi;
	size_t			 n = 0, na;
	uint32_t		 group, kmin, kmax;

	KDT_CHECK(tsv_open(&t, "data/kms-host-key-groups.tsv"));
	while (tsv_next(&t)) {
		id = guid_of(&t, "csvlk_id");
		group = (uint32_t)num_of(&t, "epid_group_id", 10);
		kmin = (uint32_t)num_of(&t, "key_id_min", 10);
		kmax = (uint32_t)num_of(&t, "key_id_max", 10);
		h = kd_hostkey_at(n);
		SAME(&t, h != NULL && kd_guid_eq(&h->csvlk_id, &id),
		    "csvlk_id / TSV order");
		if (h == NULL) {
			n++;
			continue;
		}
		/* Ranges within a group are disjoint (data/README.md). */
		SAME(&t, kd_hostkey_find(group, kmin) == h, "find at key_id_min");
		SAME(&t, kd_hostkey_find(group, kmax) == h, "find at key_id_max");
		SAME(&t, kd_hostkey_find(group, kmin + (kmax - kmin) / 2) == h,
		    "find in the middle");
		SAME_STR(&t, h->name, "host_key_name");
		SAME_STR(&t, h->ms_group, "ms_csvlk_group");
		SAME(&t, h->epid_group == group, "epid_group_id");
		SAME(&t, h->key_min == kmin && h->key_max == kmax, "key range");
		SAME_STR(&t, h->key_type, "key_type");
		SAME_STR(&t, h->epid_min_date, "epid_min_date");

		/* The activates list, in order. */
		snprintf(list, sizeof(list), "%s", get(&t, "activates_kms_ids"));
		na = 0;
		for (p = list; *p != '\0'; p = semi + 1) {
			if ((semi = strchr(p, ';')) != NULL)
				*semi = '\0';
			if (!kd_guid_parse(&a, p) || na >= h->nactivates ||
			    !kd_guid_eq(&h->activates[na], &a) ||
			    !kd_hostkey_activates(h, &a) ||
			    kd_kmsid_find(&a) == NULL)
				row_bad(&t, "activates_kms_ids entry");
			na++;
			if (semi == NULL)
				break;
		}
		SAME(&t, na == h->nactivates, "activates_kms_ids count");
		n++;
	}
	tsv_done(&t, n, kd_hostkey_count());
	KDT_CHECK(kd_hostkey_at(kd_hostkey_count()) == NULL);
}

static void
check_osbuilds(void)
{
	struct tsv		 t;
	const struct kd_osbuild	*o;
	size_t			 n = 0;

	KDT_CHECK(tsv_open(&t, "data/kms-os-builds.tsv"));
	while (tsv_next(&t)) {
		o = kd_osbuild_find((unsigned)num_of(&t, "build", 10));
		SAME(&t, o != NULL && o == kd_osbuild_at(n), "build lookup / TSV order");
		if (o != NULL) {
			SAME(&t, o->platform_id == num_of(&t, "platform_id", 10),
			    "platform_id");
			SAME_STR(&t, o->os_name, "os_name");
			SAME(&t, o->server_release == yes_of(&t, "server_release"),
			    "server_release");
			SAME(&t, o->prerelease == yes_of(&t, "prerelease"), "prerelease");
			SAME(&t, o->server_rtm_for_epid ==
			    yes_of(&t, "server_rtm_for_epid"), "server_rtm_for_epid");
			SAME(&t, o->ndr64 == yes_of(&t, "ndr64"), "ndr64");
			SAME_STR(&t, o->epid_min_date, "epid_min_date");
		}
		n++;
	}
	tsv_done(&t, n, kd_osbuild_count());
	KDT_CHECK(kd_osbuild_at(kd_osbuild_count()) == NULL);
}

static void
check_errors(void)
{
	struct tsv		 t;
	const struct kd_errcode	*e;
	size_t			 n = 0;

	KDT_CHECK(tsv_open(&t, "data/activation-errors.tsv"));
	while (tsv_next(&t)) {
		e = kd_err_find((uint32_t)num_of(&t, "code", 16));
		SAME(&t, e != NULL && e == kd_err_at(n), "code lookup / TSV order");
		if (e != NULL) {
			SAME_STR(&t, e->name, "name");
			SAME_STR(&t, e->meaning, "meaning");
			SAME_STR(&t, e->check, "check");
			SAME_STR(&t, e->also_check, "also_check");
			SAME_STR(&t, e->applies_to, "applies_to");
			SAME(&t, e->ms_documented == yes_of(&t, "ms_documented"),
			    "ms_documented");
		}
		n++;
	}
	tsv_done(&t, n, kd_err_count());
	KDT_CHECK(kd_err_at(kd_err_count()) == NULL);
}

/*
 * data/README.md as the error table's legend: every check name is one the
 * README lists for the check column, and every source key is defined in
 * its Sources section, so a row cannot cite a source nobody can look up.
 */
/* readme contains pre, word, post in a row. */
static bool
readme_has(const char *readme, const char *pre, const char *word, const char *post)
{
	char	pat[128];

	snprintf(pat, sizeof(pat), "%s%s%s", pre, word, post);
	return strstr(readme, pat) != NULL;
}

static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(1 << 20)) != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, fp);
		buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

static void
check_error_legend(void)
{
	static const char *checks[] = { "port", "dns", "rpc", "srv_ttl", "srv_port",
	    "threshold", "key", "host_key", "time", "domain", "host_state", "other" };
	struct tsv	 t;
	char		*readme = slurp("data/README.md"), *list, *p, *e;
	const char	*sp;
	size_t		 i, k, nc = sizeof(checks) / sizeof(checks[0]);
	bool		 found;

	KDT_CHECK(readme != NULL);
	if (readme == NULL)
		return;
	/* The legend of the check column names every check a row may use. */
	if ((sp = strstr(readme, "### activation-errors.tsv")) == NULL)
		sp = "";
	for (i = 0; i < nc; i++)
		if (!readme_has(sp, "`", checks[i], "`")) {
			fprintf(stderr, "data/README.md: check %s not described\n", checks[i]);
			KDT_CHECK(false);
		}
	KDT_CHECK(tsv_open(&t, "data/activation-errors.tsv"));
	while (tsv_next(&t)) {
		/* check, then also_check's ';'-separated names. */
		for (k = 0; k < 2; k++) {
			list = strdup(get(&t, k == 0 ? "check" : "also_check"));
			for (p = list; p != NULL && *p != '\0'; p = e) {
				if ((e = strchr(p, ';')) != NULL)
					*e++ = '\0';
				for (found = false, i = 0; i < nc; i++)
					found |= strcmp(p, checks[i]) == 0;
				SAME(&t, found, "check name not in data/README.md");
			}
			free(list);
		}
		list = strdup(get(&t, "source"));
		SAME(&t, list != NULL && *list != '\0', "source is empty");
		for (p = list; p != NULL && *p != '\0'; p = e) {
			if ((e = strchr(p, ';')) != NULL)
				*e++ = '\0';
			SAME(&t, readme_has(readme, "* `", p, "` - "),
			    "source key not defined in data/README.md");
		}
		free(list);
	}
	tsv_close(&t);
	KDT_CHECK(t.bad == 0);
	free(readme);
}

/* The row counts the README's file table gives are the tables' own. */
static void
check_readme_counts(void)
{
	static const struct {
		const char	*file;
		size_t		(*count)(void);
	} tabs[] = {
		{ "kms-applications.tsv", kd_app_count },
		{ "kms-counted-ids.tsv", kd_kmsid_count },
		{ "kms-skus.tsv", kd_sku_count },
		{ "kms-host-key-groups.tsv", kd_hostkey_count },
		{ "kms-os-builds.tsv", kd_osbuild_count },
		{ "activation-errors.tsv", kd_err_count },
		{ "license-states.tsv", kd_licfact_count },
	};
	char	*readme = slurp("data/README.md"), pat[96];
	size_t	 i;

	KDT_CHECK(readme != NULL);
	for (i = 0; readme != NULL && i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		snprintf(pat, sizeof(pat), "| `%s` | %zu |", tabs[i].file, tabs[i].count());
		if (strstr(readme, pat) == NULL) {
			fprintf(stderr, "data/README.md: no \"%s\"\n", pat);
			KDT_CHECK(false);
		}
	}
	free(readme);
}

static void
check_licfacts(void)
{
	struct tsv		 t;
	const struct kd_licfact	*f;
	char			*end;
	unsigned long		 st;
	size_t			 n = 0;

	KDT_CHECK(tsv_open(&t, "data/license-states.tsv"));
	while (tsv_next(&t)) {
		f = kd_licfact_find(get(&t, "kind"), get(&t, "key"));
		SAME(&t, f != NULL && f == kd_licfact_at(n), "kind/key lookup / TSV order");
		if (f != NULL) {
			SAME_STR(&t, f->value, "value");
			SAME_STR(&t, f->unit, "unit");
			SAME_STR(&t, f->applies_to, "applies_to");
			SAME_STR(&t, f->meaning, "meaning");
			SAME(&t, f->verified == yes_of(&t, "verified"), "verified");
		}
		if (strcmp(get(&t, "kind"), "license_status") == 0) {
			st = strtoul(get(&t, "key"), &end, 10);
			SAME(&t, *end == '\0' && kd_license_status_name((uint32_t)st) != NULL &&
			    strcmp(kd_license_status_name((uint32_t)st),
			    get(&t, "value")) == 0, "kd_license_status_name");
		}
		n++;
	}
	tsv_done(&t, n, kd_licfact_count());
	KDT_CHECK(kd_licfact_at(kd_licfact_count()) == NULL);
}

/* Facts from kms-protocol.md sections 5 and 6 and the worked examples. */
static void
check_facts(void)
{
	const struct kd_kmsid	*k;
	const struct kd_app	*a;
	const struct kd_sku	*s;
	const struct kd_hostkey	*h;
	const struct kd_osbuild	*o;
	const struct kd_errcode	*e;
	const struct kd_licfact	*f;
	struct kd_guid		 win10 = G("58e2134f-8e11-4d17-9cb2-91069c151148");
	struct kd_guid		 off2010 = G("e85af946-2e25-47b7-83e1-bebcebeac611");
	struct kd_guid		 win8 = G("3c40b358-5948-45af-923b-53d21fcc7e79");
	struct kd_guid		 g;
	static const struct {
		unsigned	 win32;
		const char	*name;
	} rpc[] = {
		{ 1722, "RPC_S_SERVER_UNAVAILABLE" },
		{ 1723, "RPC_S_SERVER_TOO_BUSY" },
		{ 1726, "RPC_S_CALL_FAILED" },
		{ 1727, "RPC_S_CALL_FAILED_DNE" },
		{ 1753, "EPT_S_NOT_REGISTERED" },
		{ 1820, "RPC_S_COMM_FAILURE" },
	};

	/* GUID bytes are in text order. */
	a = kd_app_at(0);
	KDT_CHECK(a != NULL && a->id.b[0] == 0x55 && a->id.b[1] == 0xc9 &&
	    a->id.b[2] == 0x27 && a->id.b[3] == 0x34 && a->id.b[15] == 0x9f);

	/* Applications (section 6). */
	g = G("55c92734-d682-4d71-983e-d6ec3f16059f");
	KDT_CHECK((a = kd_app_find(&g)) != NULL);
	KDT_STREQ(a ? a->name : NULL, "Windows");
	KDT_CHECK(a != NULL && a->max_reported_count == 50);
	g = G("0FF1CE15-A989-479D-AF46-F275C6370663");
	KDT_CHECK((a = kd_app_find(&g)) != NULL);
	KDT_CHECK(a != NULL && a->max_reported_count == 10);

	/* Windows 10/11 volume: N = 25, application Windows. */
	KDT_CHECK((k = kd_kmsid_find(&win10)) != NULL);
	KDT_CHECK(k != NULL && k->min_clients == 25);
	KDT_STREQ(k ? k->default_protocol : NULL, "6.0");
	KDT_STREQ(k ? k->channel : NULL, "volume");
	a = k ? kd_app_find(&k->app_id) : NULL;
	KDT_STREQ(a ? a->name : NULL, "Windows");

	/* Office 2010: N = 5, protocol 4. */
	KDT_CHECK((k = kd_kmsid_find(&off2010)) != NULL);
	KDT_CHECK(k != NULL && k->min_clients == 5);
	KDT_STREQ(k ? k->default_protocol : NULL, "4.0");
	a = k ? kd_app_find(&k->app_id) : NULL;
	KDT_STREQ(a ? a->name : NULL, "Office 2010");

	/* Windows Server 2019: N = 5. */
	g = G("8449b1fb-f0ea-497a-99ab-66ca96e9a0f5");
	KDT_CHECK((k = kd_kmsid_find(&g)) != NULL && k->min_clients == 5);

	/* SKUs seen in the sample captures. */
	g = G("2de67392-b7a7-462a-b1ca-108dd189f588");
	KDT_CHECK((s = kd_sku_find(&g)) != NULL);
	KDT_STREQ(s ? s->name : NULL, "Windows 10/11 Professional");
	KDT_CHECK(s != NULL && kd_guid_eq(&s->kms_id, &win10));
	KDT_STREQ(s ? s->gvlk : NULL, "W269N-WFGWX-YVC9B-4J6C9-T83GX");
	KDT_CHECK(kd_sku_find_name("windows 10/11 PROFESSIONAL") == s);
	KDT_CHECK(kd_sku_find_name("Windows 10/11 Professiona") == NULL);
	KDT_CHECK(kd_sku_find_name("Windows 10/11 Professional ") == NULL);
	KDT_CHECK(kd_sku_find_name("") == NULL);
	KDT_CHECK(kd_sku_find_name(NULL) == NULL);
	g = G("458e1bec-837a-45f6-b9d5-925ed5d299de");	/* Windows 8 Enterprise */
	KDT_CHECK((s = kd_sku_find(&g)) != NULL && kd_guid_eq(&s->kms_id, &win8));
	g = G("6f327760-8c5c-417c-9b61-836a98287e0c");	/* Office ProPlus 2010 */
	KDT_CHECK((s = kd_sku_find(&g)) != NULL && kd_guid_eq(&s->kms_id, &off2010));
	KDT_CHECK(s != NULL && s->gvlk[0] == '\0' && s->gvlk_unverified[0] != '\0');

	/* ePID 03612-00206-557-163526-...: Server 2019 host, covers Windows 10. */
	KDT_CHECK((h = kd_hostkey_find(206, 557163526)) != NULL);
	KDT_STREQ(h ? h->name : NULL, "Windows Server 2019");
	KDT_STREQ(h ? h->key_type : NULL, "production");
	KDT_CHECK(kd_hostkey_activates(h, &win10));
	KDT_CHECK(kd_hostkey_activates(h, &win8));
	KDT_CHECK(!kd_hostkey_activates(h, &off2010));
	/* Worked example B: 03612-00206-561-949257-... is the same host key. */
	KDT_CHECK(kd_hostkey_find(206, 561949257) == h);

	/* Worked example A: 06401-00096-213-282362-...: Office 2010 only. */
	KDT_CHECK((h = kd_hostkey_find(96, 213282362)) != NULL);
	KDT_STREQ(h ? h->name : NULL, "Office 2010");
	KDT_CHECK(kd_hostkey_activates(h, &off2010));
	KDT_CHECK(!kd_hostkey_activates(h, &win10));

	/* Group 206 is shared: the key ID decides. */
	KDT_STREQ((h = kd_hostkey_find(206, 200000000)) ? h->name : NULL, "Windows 8");
	KDT_STREQ((h = kd_hostkey_find(206, 240000000)) ? h->name : NULL, "Office 2013");
	KDT_CHECK(kd_hostkey_find(206, 0) == NULL);
	KDT_CHECK(kd_hostkey_find(206, 999999999) == NULL);
	KDT_CHECK(kd_hostkey_find(206, 213999999 + 1) == NULL);	/* gap after Windows 8 */
	KDT_CHECK(kd_hostkey_find(96, 198999999) == NULL);
	KDT_CHECK(kd_hostkey_find(96, 218000000) == NULL);
	KDT_CHECK(kd_hostkey_find(97, 213282362) == NULL);
	KDT_CHECK(kd_hostkey_find(0, 0) == NULL);
	KDT_CHECK(kd_hostkey_find(UINT32_MAX, UINT32_MAX) == NULL);
	KDT_CHECK(!kd_hostkey_activates(NULL, &win10));

	/* Host builds (section 5). */
	KDT_CHECK((o = kd_osbuild_find(14393)) != NULL);
	KDT_STREQ(o ? o->os_name : NULL, "Windows 10 version 1607 / Windows Server 2016");
	KDT_CHECK(o != NULL && o->platform_id == 3612 && o->server_release &&
	    o->server_rtm_for_epid && o->ndr64 && !o->prerelease);
	KDT_CHECK((o = kd_osbuild_find(7601)) != NULL && o->platform_id == 55041 &&
	    !o->ndr64);
	KDT_CHECK((o = kd_osbuild_find(9200)) != NULL && o->platform_id == 5426);
	KDT_CHECK((o = kd_osbuild_find(9600)) != NULL && o->platform_id == 6401);
	KDT_CHECK(kd_osbuild_find(14394) == NULL);
	KDT_CHECK(kd_osbuild_find(0) == NULL);

	/* Errors. */
	KDT_CHECK((e = kd_err_find(0xC004F042)) != NULL);
	KDT_STREQ(e ? e->name : NULL, "SL_E_VL_KEY_MANAGEMENT_SERVICE_ID_MISMATCH");
	KDT_STREQ(e ? e->check : NULL, "host_key");
	KDT_CHECK(e != NULL && e->ms_documented);
	KDT_CHECK((e = kd_err_find(0xC004F038)) != NULL);
	KDT_STREQ(e ? e->check : NULL, "threshold");
	/* Same condition, two codes, both kept. */
	KDT_CHECK(kd_err_find(0x4004F065) != NULL && kd_err_find(0xC004F065) != NULL);
	KDT_CHECK(kd_err_find(0) == NULL);
	KDT_CHECK(kd_err_find(0xC004F043) == NULL);
	/* A value with double quotes survives the C escaping. */
	KDT_CHECK((e = kd_err_find(0x8007007B)) != NULL &&
	    strstr(e->meaning, "\"DNS name does not exist\"") != NULL);
	KDT_CHECK((e = kd_err_find(0x80092328)) != NULL && e->name[0] == '\0');
	/*
	 * The RPC errors a KMS client logs, keyed by HRESULT_FROM_WIN32 of
	 * the winerror.h number (Microsoft's system error codes 1700-3999).
	 */
	for (size_t i = 0; i < sizeof(rpc) / sizeof(rpc[0]); i++)
		KDT_STREQ((e = kd_err_find(0x80070000 | rpc[i].win32)) ? e->name : NULL,
		    rpc[i].name);
	KDT_STREQ(e ? e->check : NULL, "rpc");	/* the last, RPC_S_COMM_FAILURE */
	KDT_CHECK(e != NULL && strstr(e->applies_to, "KMS client") != NULL);
	/* ERROR_INVALID_DATA covers the KMS host on the client's own machine. */
	KDT_CHECK((e = kd_err_find(0x8007000D)) != NULL &&
	    strstr(e->meaning, "same machine") != NULL &&
	    strstr(e->meaning, "Windows 8") != NULL);

	/* Licence states and facts. */
	KDT_STREQ(kd_license_status_name(2), "OOB grace");
	KDT_STREQ(kd_license_status_name(1), "Licensed");
	KDT_STREQ(kd_license_status_name(6), "Extended grace");
	KDT_CHECK(kd_license_status_name(7) == NULL);
	KDT_CHECK(kd_license_status_name(UINT32_MAX) == NULL);
	KDT_STREQ((f = kd_licfact_find("threshold", "windows_client")) ? f->value : NULL, "25");
	KDT_STREQ((f = kd_licfact_find("network", "default_port")) ? f->value : NULL, "1688");
	KDT_CHECK(kd_licfact_find("network", "nope") == NULL);
	KDT_CHECK(kd_licfact_find("license_status", "02") == NULL);

	/* Unknown and NULL keys. */
	g = G("00000000-0000-0000-0000-000000000000");
	KDT_CHECK(kd_app_find(&g) == NULL && kd_kmsid_find(&g) == NULL &&
	    kd_sku_find(&g) == NULL);
	g = G("ffffffff-ffff-ffff-ffff-ffffffffffff");
	KDT_CHECK(kd_app_find(&g) == NULL && kd_kmsid_find(&g) == NULL &&
	    kd_sku_find(&g) == NULL);
	/* Known as a counted ID, not as a SKU. */
	KDT_CHECK(kd_sku_find(&win10) == NULL);
	KDT_CHECK(kd_app_find(NULL) == NULL && kd_kmsid_find(NULL) == NULL &&
	    kd_sku_find(NULL) == NULL);
}

int
main(void)
{
	/* The first lookup builds the indexes; a later init must change nothing. */
	check_facts();
	kd_tables_init();
	check_apps();
	check_kmsids();
	check_skus();
	check_hostkeys();
	check_osbuilds();
	check_errors();
	check_error_legend();
	check_readme_counts();
	check_licfacts();
	return KDT_DONE("test_tables");
}
