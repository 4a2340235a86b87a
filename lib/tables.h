/*
 * Product, host key, build, error and licence tables.
 *
 * The data lives in the TSV files in data/ and nothing here is typed by hand:
 * tools/gentables.awk turns the TSV files into build/gen/tables_gen.c at
 * build time, and this module adds the lookups.  See data/README.md for
 * what every column means and where each value comes from.
 *
 * Strings are never NULL.  An empty string means the TSV cell was empty
 * ("unknown / not applicable"); a numeric 0 in a field the TSV may leave
 * empty means the same.  Text is UTF-8, as in the TSV files.
 *
 * Lookups are O(log n): each table has an index sorted by its key, built
 * by qsort() on the first lookup (see kd_tables_init()).  Everything a
 * lookup returns points into static storage and stays valid for the life
 * of the process.
 */
#ifndef KD_TABLES_H
#define KD_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"

/* kms-applications.tsv */
struct kd_app {
	struct kd_guid	 id;
	const char	*name;
	unsigned	 max_reported_count;	/* 50 Windows, 10 Office */
};

/* kms-counted-ids.tsv */
struct kd_kmsid {
	struct kd_guid	 id;
	const char	*name;
	struct kd_guid	 app_id;
	unsigned	 min_clients;		/* the N a client of this group sends */
	const char	*default_protocol;	/* "4.0", "5.0", "6.0": a hint */
	const char	*channel;		/* "volume", "retail", "preview" */
};

/* kms-skus.tsv */
struct kd_sku {
	struct kd_guid	 id;
	const char	*name;
	struct kd_guid	 kms_id;
	const char	*kms_name;
	struct kd_guid	 app_id;
	const char	*gvlk;			/* only where Microsoft publishes it */
	const char	*gvlk_unverified;	/* community databases only */
	const char	*channel;
};

/* kms-host-key-groups.tsv */
struct kd_hostkey {
	struct kd_guid		 csvlk_id;
	const char		*name;
	const char		*ms_group;	/* Microsoft's name, often "" */
	unsigned		 epid_group;
	uint32_t		 key_min, key_max;	/* inclusive */
	const char		*key_type;	/* production, azure, lab, preview */
	const char		*epid_min_date;	/* YYYY-MM-DD, a tool bound */
	const struct kd_guid	*activates;	/* counted IDs, TSV order */
	size_t			 nactivates;
};

/* kms-os-builds.tsv */
struct kd_osbuild {
	unsigned	 build, platform_id;
	const char	*os_name;
	bool		 server_release, prerelease, server_rtm_for_epid, ndr64;
	const char	*epid_min_date;
};

/* activation-errors.tsv */
struct kd_errcode {
	uint32_t	 code;
	const char	*name, *meaning;
	const char	*check;		/* the diagnostic check to run first */
	const char	*also_check;	/* ';'-separated, often "" */
	const char	*applies_to;	/* ';'-separated */
	bool		 ms_documented;
};

/* license-states.tsv: one fact per row, keyed by (kind, key). */
struct kd_licfact {
	const char	*kind, *key, *value, *unit, *applies_to, *meaning;
	bool		 verified;
};

/*
 * Build the sorted indexes now instead of on the first lookup.  Optional
 * and idempotent.  The lazy build writes static arrays without a lock:
 * that is fine for our single-threaded tools, but a program that looks
 * things up from several threads must call this once before starting them.
 */
void			 kd_tables_init(void);

/* Exact lookups; NULL when the key is not in the table. */
const struct kd_app	*kd_app_find(const struct kd_guid *);
const struct kd_kmsid	*kd_kmsid_find(const struct kd_guid *);
const struct kd_sku	*kd_sku_find(const struct kd_guid *);
/* Case-insensitive (ASCII only) exact name; the first TSV row if several match. */
const struct kd_sku	*kd_sku_find_name(const char *);
/*
 * The host key whose key-ID range within epid_group contains key_id.  If
 * ranges overlap, production wins over azure, azure over lab and preview,
 * and then the earlier TSV row.
 */
const struct kd_hostkey	*kd_hostkey_find(unsigned epid_group, uint32_t key_id);
bool			 kd_hostkey_activates(const struct kd_hostkey *,
			    const struct kd_guid *kms_id);
const struct kd_osbuild	*kd_osbuild_find(unsigned build);
const struct kd_errcode	*kd_err_find(uint32_t code);
/* "Licensed", "OOB grace", ... (kind license_status); NULL if unknown. */
const char		*kd_license_status_name(uint32_t status);
const struct kd_licfact	*kd_licfact_find(const char *kind, const char *key);

/* Iteration in TSV order, for listings; _at() returns NULL past the end. */
size_t			 kd_app_count(void);
const struct kd_app	*kd_app_at(size_t);
size_t			 kd_kmsid_count(void);
const struct kd_kmsid	*kd_kmsid_at(size_t);
size_t			 kd_sku_count(void);
const struct kd_sku	*kd_sku_at(size_t);
size_t			 kd_hostkey_count(void);
const struct kd_hostkey	*kd_hostkey_at(size_t);
size_t			 kd_osbuild_count(void);
const struct kd_osbuild	*kd_osbuild_at(size_t);
size_t			 kd_err_count(void);
const struct kd_errcode	*kd_err_at(size_t);
size_t			 kd_licfact_count(void);
const struct kd_licfact	*kd_licfact_at(size_t);

#ifdef KD_TABLES_GEN
/*
 * Shared only between tables.c and the generated tables_gen.c, which
 * both define KD_TABLES_GEN; everyone else uses the functions above.
 * The *_idx arrays are zero in tables_gen.c and filled by tables.c, so
 * that their size comes from the data without a generated header.
 */
extern const struct kd_app	kd_gen_app[];
extern const size_t		kd_gen_napp;
extern uint32_t			kd_gen_app_idx[];

extern const struct kd_kmsid	kd_gen_kmsid[];
extern const size_t		kd_gen_nkmsid;
extern uint32_t			kd_gen_kmsid_idx[];

extern const struct kd_sku	kd_gen_sku[];
extern const size_t		kd_gen_nsku;
extern uint32_t			kd_gen_sku_idx[];
extern uint32_t			kd_gen_sku_name_idx[];

extern const struct kd_guid	kd_gen_activates[];
extern const size_t		kd_gen_nactivates;
extern const struct kd_hostkey	kd_gen_hostkey[];
extern const size_t		kd_gen_nhostkey;
extern uint32_t			kd_gen_hostkey_idx[];
extern uint32_t			kd_gen_hostkey_reach[];

extern const struct kd_osbuild	kd_gen_osbuild[];
extern const size_t		kd_gen_nosbuild;
extern uint32_t			kd_gen_osbuild_idx[];

extern const struct kd_errcode	kd_gen_err[];
extern const size_t		kd_gen_nerr;
extern uint32_t			kd_gen_err_idx[];

extern const struct kd_licfact	kd_gen_licfact[];
extern const size_t		kd_gen_nlicfact;
extern uint32_t			kd_gen_licfact_idx[];
#endif

#endif
