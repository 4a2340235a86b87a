/*
 * Lookups over the tables that tools/gentables.awk generates from data/.
 *
 * Each table stays in TSV order (that is what listings show) and gets an
 * index: an array of row numbers sorted by the table's key, searched with
 * a binary search.  The generator leaves the index arrays zeroed and
 * kd_tables_init() fills and sorts them, on the first lookup at the latest.
 * Sorting here rather than in awk means the order is made by the same
 * comparison the search uses, whatever locale awk ran in; it costs a few
 * hundred comparisons once per process.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KD_TABLES_GEN
#include "tables.h"

/* Set once every index is sorted; see kd_tables_init() about threads. */
static bool	tables_ready;

static void
ensure_ready(void)
{
	if (!tables_ready)
		kd_tables_init();
}

/* Equal keys cannot happen (the generator rejects them) except for SKU
 * names, where the earlier row must come first. */
static int
row_cmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int
u32_cmp(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int
guid_cmp(const struct kd_guid *a, const struct kd_guid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

/*
 * ASCII-only case folding: strcasecmp() follows LC_CTYPE, which a curses
 * front end changes with setlocale(), and the index must not be sorted
 * under one rule and searched under another.
 */
static int
ascii_casecmp(const char *a, const char *b)
{
	unsigned char	ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb || ca == '\0')
			return (ca > cb) - (ca < cb);
	}
}

/*
 * First position in idx whose row does not sort before key, i.e. where
 * cmp(key, row) <= 0.  cmp returns <0, 0, >0 as key sorts before, equal
 * to or after the row.
 */
typedef int	keycmp_fn(const void *key, uint32_t row);

static size_t
lower_bound(const uint32_t *idx, size_t n, const void *key, keycmp_fn *cmp)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp(key, idx[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const void *
find_row(const uint32_t *idx, size_t n, const void *key, keycmp_fn *cmp,
    const void *table, size_t rowsize)
{
	size_t	pos;

	pos = lower_bound(idx, n, key, cmp);
	if (pos == n || cmp(key, idx[pos]) != 0)
		return NULL;
	return (const char *)table + (size_t)idx[pos] * rowsize;
}

/* Applications, by id. */

static int
app_key(const void *key, uint32_t r)
{
	return guid_cmp(key, &kd_gen_app[r].id);
}

static int
app_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = guid_cmp(&kd_gen_app[ra].id, &kd_gen_app[rb].id)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* Counted IDs, by id. */

static int
kmsid_key(const void *key, uint32_t r)
{
	return guid_cmp(key, &kd_gen_kmsid[r].id);
}

static int
kmsid_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = guid_cmp(&kd_gen_kmsid[ra].id, &kd_gen_kmsid[rb].id)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* SKUs, by id and by name. */

static int
sku_key(const void *key, uint32_t r)
{
	return guid_cmp(key, &kd_gen_sku[r].id);
}

static int
sku_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = guid_cmp(&kd_gen_sku[ra].id, &kd_gen_sku[rb].id)) != 0)
		return c;
	return row_cmp(ra, rb);
}

static int
sku_name_key(const void *key, uint32_t r)
{
	return ascii_casecmp(key, kd_gen_sku[r].name);
}

static int
sku_name_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = ascii_casecmp(kd_gen_sku[ra].name, kd_gen_sku[rb].name)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* Host keys, by (ePID group, start of the key-ID range). */

static int
hostkey_sort(const void *a, const void *b)
{
	uint32_t			 ra = *(const uint32_t *)a;
	uint32_t			 rb = *(const uint32_t *)b;
	const struct kd_hostkey		*ha = &kd_gen_hostkey[ra];
	const struct kd_hostkey		*hb = &kd_gen_hostkey[rb];
	int				 c;

	if ((c = u32_cmp(ha->epid_group, hb->epid_group)) != 0)
		return c;
	if ((c = u32_cmp(ha->key_min, hb->key_min)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* OS builds, by build number. */

static int
osbuild_key(const void *key, uint32_t r)
{
	return u32_cmp(*(const unsigned *)key, kd_gen_osbuild[r].build);
}

static int
osbuild_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = u32_cmp(kd_gen_osbuild[ra].build, kd_gen_osbuild[rb].build)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* Error codes, by code. */

static int
err_key(const void *key, uint32_t r)
{
	return u32_cmp(*(const uint32_t *)key, kd_gen_err[r].code);
}

static int
err_sort(const void *a, const void *b)
{
	uint32_t	ra = *(const uint32_t *)a, rb = *(const uint32_t *)b;
	int		c;

	if ((c = u32_cmp(kd_gen_err[ra].code, kd_gen_err[rb].code)) != 0)
		return c;
	return row_cmp(ra, rb);
}

/* Licence facts, by (kind, key), bytewise. */

struct lic_lookup {
	const char	*kind, *key;
};

static int
licfact_key(const void *key, uint32_t r)
{
	const struct lic_lookup	*k = key;
	int				 c;

	if ((c = strcmp(k->kind, kd_gen_licfact[r].kind)) != 0)
		return c;
	return strcmp(k->key, kd_gen_licfact[r].key);
}

static int
licfact_sort(const void *a, const void *b)
{
	uint32_t			 ra = *(const uint32_t *)a;
	uint32_t			 rb = *(const uint32_t *)b;
	struct lic_lookup		 k;
	int				 c;

	k.kind = kd_gen_licfact[ra].kind;
	k.key = kd_gen_licfact[ra].key;
	if ((c = licfact_key(&k, rb)) != 0)
		return c;
	return row_cmp(ra, rb);
}

static void
build_index(uint32_t *idx, size_t n, int (*cmp)(const void *, const void *))
{
	size_t	i;

	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	qsort(idx, n, sizeof(idx[0]), cmp);
}

void
kd_tables_init(void)
{
	const struct kd_hostkey	*h, *prev;
	size_t			 i;

	if (tables_ready)
		return;
	build_index(kd_gen_app_idx, kd_gen_napp, app_sort);
	build_index(kd_gen_kmsid_idx, kd_gen_nkmsid, kmsid_sort);
	build_index(kd_gen_sku_idx, kd_gen_nsku, sku_sort);
	build_index(kd_gen_sku_name_idx, kd_gen_nsku, sku_name_sort);
	build_index(kd_gen_hostkey_idx, kd_gen_nhostkey, hostkey_sort);
	build_index(kd_gen_osbuild_idx, kd_gen_nosbuild, osbuild_sort);
	build_index(kd_gen_err_idx, kd_gen_nerr, err_sort);
	build_index(kd_gen_licfact_idx, kd_gen_nlicfact, licfact_sort);

	/*
	 * reach[i] is the highest key_max among sorted positions 0..i of the
	 * same group, so a search walking back from a position can stop as
	 * soon as no earlier range of the group reaches the key.  With the
	 * disjoint ranges in the data the walk looks at one or two rows.
	 */
	for (i = 0; i < kd_gen_nhostkey; i++) {
		h = &kd_gen_hostkey[kd_gen_hostkey_idx[i]];
		kd_gen_hostkey_reach[i] = h->key_max;
		if (i == 0)
			continue;
		prev = &kd_gen_hostkey[kd_gen_hostkey_idx[i - 1]];
		if (prev->epid_group == h->epid_group &&
		    kd_gen_hostkey_reach[i - 1] > h->key_max)
			kd_gen_hostkey_reach[i] = kd_gen_hostkey_reach[i - 1];
	}
	tables_ready = true;
}

const struct kd_app *
kd_app_find(const struct kd_guid *id)
{
	if (id == NULL)
		return NULL;
	ensure_ready();
	return find_row(kd_gen_app_idx, kd_gen_napp, id, app_key,
	    kd_gen_app, sizeof(kd_gen_app[0]));
}

const struct kd_kmsid *
kd_kmsid_find(const struct kd_guid *id)
{
	if (id == NULL)
		return NULL;
	ensure_ready();
	return find_row(kd_gen_kmsid_idx, kd_gen_nkmsid, id, kmsid_key,
	    kd_gen_kmsid, sizeof(kd_gen_kmsid[0]));
}

const struct kd_sku *
kd_sku_find(const struct kd_guid *id)
{
	if (id == NULL)
		return NULL;
	ensure_ready();
	return find_row(kd_gen_sku_idx, kd_gen_nsku, id, sku_key,
	    kd_gen_sku, sizeof(kd_gen_sku[0]));
}

const struct kd_sku *
kd_sku_find_name(const char *name)
{
	if (name == NULL)
		return NULL;
	ensure_ready();
	return find_row(kd_gen_sku_name_idx, kd_gen_nsku, name, sku_name_key,
	    kd_gen_sku, sizeof(kd_gen_sku[0]));
}

/* Lower is preferred when two ranges of a group contain the same key. */
static int
key_type_rank(const char *type)
{
	if (strcmp(type, "production") == 0)
		return 0;
	if (strcmp(type, "azure") == 0)
		return 1;
	return 2;
}

const struct kd_hostkey *
kd_hostkey_find(unsigned epid_group, uint32_t key_id)
{
	const struct kd_hostkey	*h, *best = NULL;
	uint32_t		 bestrow = 0;
	size_t			 lo, hi, mid;

	ensure_ready();

	/* First position whose (group, key_min) is above (epid_group, key_id). */
	lo = 0;
	hi = kd_gen_nhostkey;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		h = &kd_gen_hostkey[kd_gen_hostkey_idx[mid]];
		if (h->epid_group < epid_group ||
		    (h->epid_group == epid_group && h->key_min <= key_id))
			lo = mid + 1;
		else
			hi = mid;
	}

	/* Every range before lo in the group starts at or below key_id. */
	while (lo > 0) {
		lo--;
		h = &kd_gen_hostkey[kd_gen_hostkey_idx[lo]];
		if (h->epid_group != epid_group || kd_gen_hostkey_reach[lo] < key_id)
			break;
		if (h->key_max < key_id)
			continue;
		if (best == NULL ||
		    key_type_rank(h->key_type) < key_type_rank(best->key_type) ||
		    (key_type_rank(h->key_type) == key_type_rank(best->key_type) &&
		    kd_gen_hostkey_idx[lo] < bestrow)) {
			best = h;
			bestrow = kd_gen_hostkey_idx[lo];
		}
	}
	return best;
}

/* The lists are short (at most a few dozen IDs), so a scan is cheapest. */
bool
kd_hostkey_activates(const struct kd_hostkey *h, const struct kd_guid *kms_id)
{
	size_t	i;

	if (h == NULL || kms_id == NULL)
		return false;
	for (i = 0; i < h->nactivates; i++)
		if (guid_cmp(&h->activates[i], kms_id) == 0)
			return true;
	return false;
}

const struct kd_osbuild *
kd_osbuild_find(unsigned build)
{
	ensure_ready();
	return find_row(kd_gen_osbuild_idx, kd_gen_nosbuild, &build, osbuild_key,
	    kd_gen_osbuild, sizeof(kd_gen_osbuild[0]));
}

const struct kd_errcode *
kd_err_find(uint32_t code)
{
	ensure_ready();
	return find_row(kd_gen_err_idx, kd_gen_nerr, &code, err_key,
	    kd_gen_err, sizeof(kd_gen_err[0]));
}

const struct kd_licfact *
kd_licfact_find(const char *kind, const char *key)
{
	struct lic_lookup	k;

	if (kind == NULL || key == NULL)
		return NULL;
	ensure_ready();
	k.kind = kind;
	k.key = key;
	return find_row(kd_gen_licfact_idx, kd_gen_nlicfact, &k, licfact_key,
	    kd_gen_licfact, sizeof(kd_gen_licfact[0]));
}

const char *
kd_license_status_name(uint32_t status)
{
	const struct kd_licfact	*f;
	char			 key[16];

	/* The TSV keys statuses by their decimal text. */
	snprintf(key, sizeof(key), "%" PRIu32, status);
	if ((f = kd_licfact_find("license_status", key)) == NULL)
		return NULL;
	return f->value;
}

size_t
kd_app_count(void)
{
	return kd_gen_napp;
}

const struct kd_app *
kd_app_at(size_t i)
{
	return i < kd_gen_napp ? &kd_gen_app[i] : NULL;
}

size_t
kd_kmsid_count(void)
{
	return kd_gen_nkmsid;
}

const struct kd_kmsid *
kd_kmsid_at(size_t i)
{
	return i < kd_gen_nkmsid ? &kd_gen_kmsid[i] : NULL;
}

size_t
kd_sku_count(void)
{
	return kd_gen_nsku;
}

const struct kd_sku *
kd_sku_at(size_t i)
{
	return i < kd_gen_nsku ? &kd_gen_sku[i] : NULL;
}

size_t
kd_hostkey_count(void)
{
	return kd_gen_nhostkey;
}

const struct kd_hostkey *
kd_hostkey_at(size_t i)
{
	return i < kd_gen_nhostkey ? &kd_gen_hostkey[i] : NULL;
}

size_t
kd_osbuild_count(void)
{
	return kd_gen_nosbuild;
}

const struct kd_osbuild *
kd_osbuild_at(size_t i)
{
	return i < kd_gen_nosbuild ? &kd_gen_osbuild[i] : NULL;
}

size_t
kd_err_count(void)
{
	return kd_gen_nerr;
}

const struct kd_errcode *
kd_err_at(size_t i)
{
	return i < kd_gen_nerr ? &kd_gen_err[i] : NULL;
}

size_t
kd_licfact_count(void)
{
	return kd_gen_nlicfact;
}

const struct kd_licfact *
kd_licfact_at(size_t i)
{
	return i < kd_gen_nlicfact ? &kd_gen_licfact[i] : NULL;
}
