/*
 * The site model: everything kmsdiag learnt about one KMS site, typed, from
 * every source (probe, capture, DNS, a zone file, Windows' own records), and
 * the one checklist engine that folds it into the items of kmsdiag(7).
 *
 * Tools fill the model; they never judge.  kd_site_judge() is the only place
 * where evidence becomes a verdict, so the same evidence gives the same
 * verdict in kmsdiag doctor, kmsdiag-tui (screen, --report, --json), the
 * capture summary and dnscheck --probe.  Views render a struct kd_checklist
 * (or the kd_report made from it); JSON is made only by the emitters and is
 * never read back by another engine.
 *
 * Keys: a host is an (address, port) pair, because a real site runs a
 * Windows host and an Office host, two hosts for redundancy, an old host
 * during a migration, or a host moved to another port (slmgr /sprt).  A
 * count belongs to a host and a KMS counted ID, never to the site.  A client
 * is a (CMID, KMS counted ID) pair, as the host counts it.
 *
 * Ownership: the caller owns the struct kd_site (kd_site_init/_fini); the
 * arrays inside grow on demand and kd_site_host()/_domain()/_client() may
 * move them, so hold indexes, not pointers, across those calls.  Strings are
 * UTF-8 as received (not sanitised): every view passes them through
 * kd_sanitize() before a terminal sees them.
 */
#ifndef KD_SITE_H
#define KD_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "kms.h"
#include "report.h"
#include "tables.h"

/* Where a fact came from; a bit set, so a fact seen twice names both. */
enum kd_src {
	KD_SRC_PROBE	= 1 << 0,	/* our own connection: kmsdiag-probe, doctor, tui */
	KD_SRC_CAPTURE	= 1 << 1,	/* traffic between clients and hosts */
	KD_SRC_DNS	= 1 << 2,	/* a live DNS answer */
	KD_SRC_ZONE	= 1 << 3,	/* a zone file */
	KD_SRC_WINDOWS	= 1 << 4,	/* slmgr output, event logs, ipconfig (kmsdiag-evidence) */
	KD_SRC_USER	= 1 << 5,	/* declared on the command line (-H host:port) or ticked */
};
/* "probe,capture": the names of the bits set, for views. */
char		*kd_src_format(unsigned src, char *out, size_t len);

/*
 * The checklist items of kmsdiag(7), in its order; KD_ITEM_OTHER collects
 * findings no item owns (capture gaps, snaplen).  Ids as in explain.h:
 * "port", "dns", "rpc", "threshold", "host_key", "key", "domain", "time",
 * "other".
 */
enum kd_item {
	KD_ITEM_PORT, KD_ITEM_DNS, KD_ITEM_RPC, KD_ITEM_THRESHOLD,
	KD_ITEM_HOST_KEY, KD_ITEM_CLIENT_KEY, KD_ITEM_DOMAIN, KD_ITEM_TIME,
	KD_ITEM_OTHER, KD_NITEMS
};
const char	*kd_item_id(enum kd_item);		/* "host_key" */
const char	*kd_item_title(enum kd_item);		/* "Host key" */
unsigned	 kd_item_number(enum kd_item);		/* 1..8, 0 for other */
/* By id or by the finer names of the error table ("srv_ttl", "host_state"); false if unknown. */
bool		 kd_item_parse(const char *, enum kd_item *);

/* The verdict order (kd_verdict_rank, kd_verdict_worst) is in report.h. */

/* --- hosts ---------------------------------------------------------------- */

enum kd_reach {
	KD_REACH_UNKNOWN = 0,	/* not tried */
	KD_REACH_OPEN,		/* handshake completed */
	KD_REACH_REFUSED,	/* RST to the SYN: nothing listens */
	KD_REACH_RESET,		/* accepted, then reset before any answer */
	KD_REACH_FILTERED,	/* SYNs unanswered: a firewall drops them, or the host is down */
	KD_REACH_UNREACHABLE,	/* ICMP unreachable / no route */
	KD_REACH_BLOCKED,	/* ICMP administratively prohibited, local policy */
	KD_REACH_NO_ADDRESS,	/* the name did not resolve */
};
const char	*kd_reach_name(enum kd_reach);	/* "open", "refused", ... */

enum kd_rpc {
	KD_RPC_UNKNOWN = 0,	/* not tried, or the port was not open */
	KD_RPC_KMS,		/* bind_ack accepted the KMS interface (or an exchange was seen) */
	KD_RPC_REJECTED,	/* bind_nak, or every KMS context refused */
	KD_RPC_NOT_RPC,		/* the listener speaks something else */
	KD_RPC_SILENT,		/* accepted the connection, never answered the bind */
	KD_RPC_FAULT,		/* DCE/RPC fault to the activation call */
};
const char	*kd_rpc_name(enum kd_rpc);

/* What a host said for one application (Windows, Office 2010, Office 2013+). */
struct kd_site_app {
	struct kd_guid		 app_id;
	char			 epid[KMS_EPID_MAX * 3 + 1];
	struct kms_epid		 parsed;		/* .valid false: malformed ePID */
	const struct kd_hostkey	*hostkey;		/* NULL: key ID in no known group */
	const struct kd_osbuild	*os;			/* NULL: unknown build */
	bool			 has_hwid;		/* v6 only */
	uint8_t			 hwid[8];
	uint32_t		 activation_interval, renewal_interval;	/* minutes */
	unsigned		 epid_changes;		/* a genuine host has one ePID per host key */
	int64_t			 when;			/* unix seconds of the last answer */
	unsigned		 src;
};

/* The host's state for one KMS counted ID (the unit its count is kept in). */
struct kd_site_count {
	struct kd_guid		 kms_id;
	const struct kd_kmsid	*info;			/* NULL: not in the product table */
	uint32_t		 required;		/* the N clients send; 0 = from the table */
	bool			 have_count;		/* a verified answer carried a count */
	uint32_t		 count;			/* the last verified count */
	uint32_t		 max_count;
	int64_t			 when;			/* unix seconds of that answer */
	uint64_t		 requests, answers, refusals, faults, no_response, unverified;
	uint32_t		 last_hresult;		/* last in-band refusal, 0 none */
	/* The host's key group cannot cover this ID, yet it answered with a count. */
	bool			 foreign;
	uint64_t		 distinct_clients;	/* distinct CMIDs seen asking this host (capture) */
	unsigned		 src;
};

#define KD_SITE_MAX_NAMES	4
#define KD_SITE_MAX_APPS	4
#define KD_SITE_MAX_COUNTS	16

/* Emulator signs (§11 of the protocol notes): each a hint, never proof. */
enum kd_sign {
	KD_SIGN_IV_REUSED	= 1 << 0,	/* v6 response reuses the request IV */
	KD_SIGN_VLMCSD_HWID	= 1 << 1,
	KD_SIGN_PYKMS_HWID	= 1 << 2,
	KD_SIGN_EPID_CHANGED	= 1 << 3,
	KD_SIGN_FOREIGN		= 1 << 4,	/* answered a product its key cannot activate */
	KD_SIGN_UNKNOWN_KEY	= 1 << 5,	/* ePID key ID in no known group */
	KD_SIGN_UNKNOWN_BUILD	= 1 << 6,
	KD_SIGN_PLATFORM	= 1 << 7,	/* ePID platform ID does not match its build */
	KD_SIGN_KEY_DATE	= 1 << 8,	/* key date before its build was released */
	KD_SIGN_EPID_MALFORMED	= 1 << 9,
	KD_SIGN_OLD_BUILD_NEW_KEY = 1 << 10,	/* e.g. a Vista/7 build carrying a Server 2019 key */
};
/* One line per sign, for views: "HwId 3A1C049600B60076 is vlmcsd's default". */
const char	*kd_sign_text(enum kd_sign);

struct kd_site_host {
	char			 addr[64];	/* numeric, no brackets; "" when the name never resolved */
	int			 family;	/* AF_INET, AF_INET6, 0 unknown */
	uint16_t		 port;
	char			 names[KD_SITE_MAX_NAMES][256];	/* SRV targets, -H names */
	size_t			 nnames;
	unsigned		 src;		/* every source that mentioned it */
	bool			 declared;	/* named by the user (-H), not only found */

	enum kd_reach		 reach;
	unsigned		 reach_src;
	char			 reach_detail[160];
	double			 connect_ms;	/* < 0: unknown */
	unsigned		 attempts, connected;	/* probe -n */

	enum kd_rpc		 rpc;
	unsigned		 rpc_src;
	char			 rpc_detail[160];

	bool			 act_tried;	/* we sent an activation request (probe --activate) */
	char			 act_error[160];	/* why it gave no count: "no answer", "0xC004F042 …" */

	struct kd_site_app	 apps[KD_SITE_MAX_APPS];
	size_t			 napps;
	struct kd_site_count	 counts[KD_SITE_MAX_COUNTS];
	size_t			 ncounts;

	uint64_t		 exchanges;	/* activation calls seen or made */
	uint64_t		 answers;	/* verified responses */
	uint32_t		 signs;		/* enum kd_sign */
};

/* --- domains -------------------------------------------------------------- */

#define KD_SITE_MAX_ADDRS	8

struct kd_site_srv {
	char		 target[256];		/* as published, with the trailing dot */
	uint16_t	 priority, weight, port;
	uint32_t	 ttl;
	bool		 resolved;		/* the address lookup ran */
	char		 resolve_error[160];	/* "" when it answered */
	size_t		 naddrs;
	size_t		 host[KD_SITE_MAX_ADDRS];	/* index into site.hosts, one per address */
};

enum kd_dns_status {
	KD_SITE_DNS_UNKNOWN = 0,	/* not asked */
	KD_SITE_DNS_FOUND,		/* SRV records found */
	KD_SITE_DNS_NONE,		/* NXDOMAIN or no SRV data */
	KD_SITE_DNS_ERROR,	/* no answer, SERVFAIL, timeout: could not check */
};

struct kd_site_domain {
	char			 name[256];	/* without the _vlmcs._tcp. prefix, with the trailing dot */
	unsigned		 src;		/* KD_SRC_DNS or KD_SRC_ZONE */
	enum kd_dns_status	 status;
	char			 detail[160];	/* why NONE or ERROR */
	struct kd_site_srv	*srv;
	size_t			 nsrv, srv_cap;
	bool			 client_domain;	/* a domain clients are in (resolv.conf, -d, ipconfig) */
};

/* --- clients -------------------------------------------------------------- */

/* What the client got on its last request. */
enum kd_outcome {
	KD_OUT_NONE = 0,	/* request seen, nothing back yet */
	KD_OUT_ACTIVATES,	/* verified count >= required */
	KD_OUT_BELOW,		/* verified count < required */
	KD_OUT_REFUSED,		/* in-band HRESULT */
	KD_OUT_FAULT,		/* DCE/RPC fault */
	KD_OUT_NO_RESPONSE,
	KD_OUT_UNVERIFIED,	/* failed its integrity check: the client rejects it */
	KD_OUT_UNDECODABLE,
};

/*
 * A client's texts are kept apart from its entry, in the site's string
 * pool, and set only through kd_site_client_text(): a capture of a large
 * site holds tens of thousands of clients, and 192 bytes of mostly empty
 * names per entry were most of the table, its memory and its page faults.
 * The pointers are never NULL ("" when unknown).
 */
#define KD_SITE_TEXT_MAX	64	/* bytes with the NUL; longer is cut (UTF-8) */

enum kd_client_text {
	KD_CT_WORKSTATION,
	KD_CT_OTHER_WS,
	KD_CT_ADDR,
	KD_CT_N
};

struct kd_site_client {
	struct kd_guid		 cmid, kms_id, sku_id, app_id;
	const char		*workstation;
	const char		*other_ws;	/* a second name with this CMID: a cloned image */
	const char		*addr;		/* client address as seen on the wire */
	uint64_t		 requests;
	int64_t			 first_seen, last_seen;	/* unix seconds */
	int64_t			 skew;		/* client clock minus capture clock, seconds */
	long			 host;		/* last host asked, index into hosts, -1 none */
	uint64_t		 host_mask;	/* hosts 0..63 asked */
	uint32_t		 license_status, required;
	uint32_t		 last_count, last_hresult;
	enum kd_outcome		 outcome;
	unsigned		 src;
	uint16_t		 major, minor;	/* protocol version it sent */
	uint8_t			 nws;		/* distinct names seen, capped at 2 */
	uint8_t			 text_room[KD_CT_N];	/* bytes behind each text pointer, private */
	bool			 skew_known;
	bool			 self;		/* our own probe's CMID: not a client of the site */
};

/* --- observations --------------------------------------------------------- */

/*
 * A fact one source established on its own that is already a finding, with
 * no other evidence to weigh: a TTL of 600 s, a capture gap, a snaplen-cut
 * packet.  The engine passes these through to their item (and may still
 * outweigh them: an SRV port note is re-judged against the probe).
 */
struct kd_site_obs {
	enum kd_item	 item;
	enum kd_verdict	 verdict;
	char		 code[32];	/* stable: "srv_ttl", "capture_gap" */
	char		 subject[160];
	char		 summary[320];
	char		 fix[320];
	long		 host, domain;	/* indexes or -1 */
	uint64_t	 count;		/* occurrences */
	json_t		*facts;		/* object or NULL; owned */
	unsigned	 src;
};

/* --- the site ------------------------------------------------------------- */

struct kd_site_chunk;

struct kd_site {
	struct kd_site_host	*hosts;
	size_t			 nhosts, hosts_cap;
	struct kd_site_domain	*domains;
	size_t			 ndomains, domains_cap;
	struct kd_site_client	*clients;
	size_t			 nclients, clients_cap;
	uint64_t		*client_index;	/* open-addressing hash of clients, private */
	size_t			 client_index_cap;
	struct kd_site_chunk	*texts;		/* the clients' string pool, private */
	uint64_t		 clients_dropped;	/* over the client cap: counts are lower bounds */
	struct kd_site_obs	*obs;
	size_t			 nobs, obs_cap;
	unsigned		 sources;	/* every source that contributed */
	/* What was looked at, so "nothing found" can say what was not seen. */
	uint64_t		 exchanges_seen;	/* capture: KMS activation calls */
	uint64_t		 other_traffic;		/* capture: packets not on the KMS ports */
	char			 other_traffic_hint[160];	/* "DCE/RPC on TCP 21688: use -p 21688" */
	bool			 manual[KD_NITEMS];	/* items confirmed by hand (dashboard tick) */
	bool			 oom;
};

void			 kd_site_init(struct kd_site *);
void			 kd_site_fini(struct kd_site *);

/* Find or add; -1 only on allocation failure (site.oom set).  addr is numeric. */
long			 kd_site_host(struct kd_site *, const char *addr, uint16_t port, unsigned src);
long			 kd_site_host_find(const struct kd_site *, const char *addr, uint16_t port);
/* "127.0.0.1:1688", "[::1]:1688"; "kms.corp.test:1688" when the name never resolved. */
char			*kd_site_endpoint(const struct kd_site_host *, char *out, size_t len);
/* The host as findings name it: "kms2.corp.test 127.0.0.1:21789" (first name, endpoint). */
char			*kd_site_host_label(const struct kd_site_host *, char *out, size_t len);
/* Record a name the host is known by (deduplicated, capped). */
void			 kd_site_host_name(struct kd_site *, long host, const char *name);
struct kd_site_app	*kd_site_app(struct kd_site *, long host, const struct kd_guid *app_id);
struct kd_site_count	*kd_site_count(struct kd_site *, long host, const struct kd_guid *kms_id);
/*
 * Record one verified answer for (host, app, counted ID): ePID (parsed and
 * looked up here), HwId (NULL if none), intervals, count, required count
 * (0: keep the one known); updates the emulator signs and the foreign
 * flag.  Counts the answer, not the request: kd_site_exchange() does both.
 */
void			 kd_site_answer(struct kd_site *, long host, const struct kd_guid *app_id,
			    const struct kd_guid *kms_id, const char *epid, const uint8_t *hwid,
			    uint32_t count, uint32_t required, uint32_t activation_interval,
			    uint32_t renewal_interval, int64_t when, unsigned src);

long			 kd_site_domain(struct kd_site *, const char *name, unsigned src);
/* Adds an SRV record; returns its index in the domain, -1 on allocation failure. */
long			 kd_site_srv(struct kd_site *, long domain, const char *target,
			    uint16_t priority, uint16_t weight, uint16_t port, uint32_t ttl);
/*
 * Links an address of an SRV target to its host (address, SRV port), adding
 * the host and naming it by the target.  A record with port 0 gets no host
 * (it is a DNS finding, never a probe target): -1 without site.oom.
 */
long			 kd_site_srv_addr(struct kd_site *, long domain, long srv, const char *addr,
			    unsigned src);

/* Find or add by (CMID, KMS counted ID); -1 past the cap (clients_dropped counted). */
long			 kd_site_client(struct kd_site *, const struct kd_guid *cmid,
			    const struct kd_guid *kms_id, bool *isnew);
/*
 * Set one of client ci's texts (cut to KD_SITE_TEXT_MAX on a UTF-8
 * boundary).  A changed address reuses its room in the pool when it fits,
 * so a client that connects from a new port each time does not grow it.
 */
void			 kd_site_client_text(struct kd_site *, long ci, enum kd_client_text,
			    const char *);
/* Client ci becomes a copy of another site's client, its texts in this site's pool. */
void			 kd_site_client_copy(struct kd_site *, long ci,
			    const struct kd_site_client *);

/*
 * One activation exchange, as a capture sees it or a probe makes it: the
 * request, and what came back.  kd_site_exchange() does the bookkeeping
 * every source needs the same way: the host's exchange and per-ID
 * counters, the answer (kd_site_answer), and the client (names, a second
 * workstation name for one CMID, version, clock, host asked, outcome).
 */
struct kd_site_request {
	struct kd_guid	 cmid, kms_id, sku_id, app_id;
	const char	*workstation;		/* UTF-8, may be NULL */
	const char	*client_addr;		/* as seen on the wire; NULL for our own */
	uint32_t	 license_status, required;
	uint16_t	 major, minor;		/* protocol version sent */
	int64_t		 when;			/* unix seconds */
	bool		 skew_known;
	int64_t		 skew;			/* client clock minus the observer's, seconds */
	bool		 self;			/* kmsdiag's own request (rule 12) */
};

struct kd_site_response {
	/*
	 * KD_OUT_ACTIVATES and KD_OUT_BELOW both mean "a verified answer
	 * with a count": which of the two is decided here from count and
	 * required.
	 */
	enum kd_outcome	 outcome;
	uint32_t	 hresult;		/* KD_OUT_REFUSED: the in-band code */
	const char	*epid;			/* verified answers */
	const uint8_t	*hwid;			/* v6 only, else NULL */
	uint32_t	 count, activation_interval, renewal_interval;
	bool		 iv_reused;		/* v6 response reuses the request IV */
};

/* Returns the client's index, or -1 when it could not be recorded (cap, allocation). */
long			 kd_site_exchange(struct kd_site *, long host,
			    const struct kd_site_request *, const struct kd_site_response *,
			    unsigned src);

/* Copies the strings; takes ownership of facts (may be NULL).  Returns the index or -1. */
long			 kd_site_observe(struct kd_site *, enum kd_item, enum kd_verdict,
			    const char *code, const char *subject, const char *summary,
			    const char *fix, json_t *facts, unsigned src);

/* --- the checklist engine ------------------------------------------------- */

enum kd_basis {
	KD_BASIS_EVIDENCE,	/* judged on the evidence below */
	KD_BASIS_SKIPPED,	/* no evidence: verdict UNKNOWN, summary says what stopped it */
	KD_BASIS_MANUAL,	/* only a person can check it: verdict UNKNOWN until ticked */
};

/* One judged fact, with the evidence and the fix behind it. */
struct kd_finding {
	enum kd_item	 item;
	enum kd_verdict	 verdict;
	char		 code[32];	/* stable: "threshold", "srv_port", "retail_product" */
	char		 subject[160];	/* host:port, domain, CMID, product */
	char		 summary[320];	/* one line that names the host, the product, the numbers */
	char		 fix[320];	/* "" when there is nothing to do */
	long		 host, domain, client;	/* indexes into the site or -1 */
	uint64_t	 count;		/* occurrences behind it */
	json_t		*facts;		/* object; owned by the finding */
	unsigned	 src;
};

struct kd_item_result {
	enum kd_item	 item;
	enum kd_verdict	 verdict;	/* the worst of its findings, by kd_verdict_rank */
	enum kd_basis	 basis;
	char		 summary[320];	/* the worst finding's line, or why skipped */
	char		 fix[320];
	size_t		 nfindings;
};

struct kd_checklist {
	struct kd_item_result	 items[KD_NITEMS];
	struct kd_finding	*findings;	/* grouped by item, worst first within an item */
	size_t			 nfindings, findings_cap;
	/* Worst of the items judged on evidence or ticked; UNKNOWN if none was. */
	enum kd_verdict		 overall;
	/*
	 * The most likely root cause, among items judged on evidence, in the
	 * order a client meets them (domain, DNS, port, RPC, threshold, host
	 * key, client key, time, other): the first FAIL; else the first
	 * UNKNOWN (the run could not see past it); else the first WARN;
	 * KD_NITEMS when every judged item is OK.
	 */
	enum kd_item		 root_cause;
	bool			 oom;
};

struct kd_judge_opts {
	uint16_t	 default_port;		/* 0 = 1688 */
	bool		 activation_asked;	/* a count was sought (--activate, or a capture) */
	int64_t		 now;			/* unix seconds, for ages; 0 = unknown */
};

const char	*kd_basis_name(enum kd_basis);	/* "evidence", "skipped", "manual" */

/* Fold the site into the checklist.  Pure: no I/O, no clock. */
void	kd_site_judge(const struct kd_site *, const struct kd_judge_opts *, struct kd_checklist *);
void	kd_checklist_fini(struct kd_checklist *);
/*
 * One kd_check per finding (id "CODE", item set, facts copied) plus, first,
 * one "checklist.ITEM" check per item: what the emitters and --nagios print.
 */
void	kd_checklist_report(const struct kd_checklist *, const struct kd_site *, struct kd_report *);
/* The site as one JSON object: hosts (per-app ePIDs, counts per ID), domains, clients. */
json_t	*kd_site_json(const struct kd_site *);

#endif
