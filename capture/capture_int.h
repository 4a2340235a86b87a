/* Internal state shared by the capture engine's files; not an API. */
#ifndef KD_CAPTURE_INT_H
#define KD_CAPTURE_INT_H

#include "capture.h"
#include "errlimit.h"
#include "kdlimits.h"
#include "site.h"
#include "tcpreasm.h"

#define MAX_FLOW_CTX		16

struct ctx_binding {
	uint16_t		 id;
	enum dcerpc_syntax	 syntax;
	bool			 kms;
};

struct frag_buf {
	bool		 active;
	uint32_t	 call_id;
	uint16_t	 ctx_id, opnum;
	uint8_t		*buf;
	size_t		 len;
};

struct flow {
	struct flow	*hnext, *lru_prev, *lru_next;
	uint64_t	 key;			/* flow_key() of the endpoints */
	struct kd_endpoint client, host;
	const char	*first_source;	/* the file its first packet came from */
	uint64_t	 first_pkt;
	struct timeval	 first_ts, last_ts;
	uint32_t	 syn_seq;
	unsigned	 syn_count;
	bool		 syn_seen, synack_seen, refused, any_data;
	bool		 fin[2];
	bool		 rpc_seen[2], not_rpc[2], resync[2];
	bool		 snaplen_reported, limit_reported;
	bool		 kms_accepted, bind_rejected;
	uint16_t	 reject_reason;
	struct tcpreasm	 dir[2];
	struct ctx_binding ctx[MAX_FLOW_CTX];
	size_t		 nctx;
	struct ctx_binding offer[DCERPC_MAX_CTX];
	size_t		 noffer;
	struct frag_buf	 frag[2];
	struct capture_exchange *pend[KD_MAX_PENDING_CALLS];
	unsigned	 npend;			/* pend[] slots in use */
	size_t		 buffered;		/* its share of capture.buffered */
};

/*
 * A server seen outside the KMS ports asked for: what "no KMS traffic"
 * names instead, with the -p that would decode it.
 */
struct other_server {
	struct kd_endpoint ep;
	uint64_t	 packets;
	bool		 rpc;		/* a DCE/RPC PDU went to or came from it */
	bool		 syn;		/* a client opened a connection to it */
};
#define MAX_OTHER_SERVERS	32

/* The last ePID seen and what it parsed to (finalize_exchange). */
struct epid_cache {
	bool		 have, valid;
	char		 epid[KMS_EPID_MAX * 3 + 1];
	struct kms_epid	 parsed;
	const struct kd_hostkey *hostkey;
	const struct kd_osbuild *os;
};

/*
 * The product tables' rows for a GUID, remembered: a site has a handful of
 * SKUs and counted IDs, and a binary search per exchange and table was a
 * visible cost.  Direct-mapped; a collision only costs a search.
 */
#define TABLE_MEMO_SLOTS	64		/* memo_get() takes the top 6 bits */
struct table_memo {
	struct kd_guid	 key;
	const void	*row;		/* NULL: not in the table */
	bool		 set;
};

struct client_ep {
	struct kd_endpoint ep;
	bool		 dirty;		/* site.clients[i].addr is older */
};

struct capture {
	capture_event_cb *cb;
	void		*cb_arg;
	uint16_t	 ports[CAPTURE_MAX_PORTS];
	size_t		 nports, max_flows, max_flow_bytes;
	struct kms_keys	 keys;
	struct flow	**buckets;
	size_t		 nbuckets;		/* a power of two, grows with nflows */
	size_t		 max_buckets;		/* at least twice max_flows */
	uint64_t	*tombs;			/* keys of evicted flows, | 1 */
	struct capture_exchange *spare_ex;	/* the last exchange released */
	size_t		 ntombs;		/* a power of two */
	struct flow	*lru_head, *lru_tail;
	size_t		 nflows;
	size_t		 buffered, max_buffered;	/* buffer bytes over all flows */
	const char	*cur_source;
	uint64_t	 cur_pkt;
	struct timeval	 cur_ts;
	struct capture_stats stats;
	/*
	 * What the traffic showed, as the site model (analyze.c); host_ep[i]
	 * is site.hosts[i]'s endpoint, for a lookup without formatting.
	 */
	struct kd_site	 site;
	struct epid_cache epid_cache;
	struct table_memo app_memo[TABLE_MEMO_SLOTS];
	struct table_memo kmsid_memo[TABLE_MEMO_SLOTS];
	struct table_memo sku_memo[TABLE_MEMO_SLOTS];
	/* kd_license_status_name() of the few statuses clients send. */
	struct { uint32_t status; const char *name; bool set; } license_memo[8];
	struct kd_endpoint *host_ep;
	size_t		 host_ep_cap;
	/* client_ep[i]: site.clients[i]'s last address, dirty until made text. */
	struct client_ep *client_ep;
	size_t		 client_ep_cap, ndirty;
	bool		 client_ep_off;		/* it could not grow: addr is kept */
	uint64_t	 hosts_dropped;
	struct errlimit	 errlim;		/* error events shown per kind */
	/* TCP outside the KMS ports (files only: a live filter drops it). */
	struct other_server other[MAX_OTHER_SERVERS];
	size_t		 nother;
	uint64_t	 other_packets;
};

/*
 * An empty diag without zeroing its 192-byte message: the engine keeps one
 * per packet and per PDU just in case, and clearing them all with "= { 0 }"
 * was a measurable share of the per-packet cost.
 */
static inline void
diag_empty(struct kd_diag *d)
{
	d->source = NULL;
	d->pkt_no = 0;
	d->offset = 0;
	d->layer = NULL;
	d->status = KD_OK;
	d->msg[0] = '\0';
}

struct capture_exchange *exchange_alloc(struct capture *);
void	exchange_release(struct capture *, struct capture_exchange *);
void	process_stream(struct capture *, struct flow *, int dir);
size_t	cut_pdus(struct capture *, struct flow *, int dir, const uint8_t *,
	    size_t);
void	finalize_exchange(struct capture *, struct capture_exchange *);
void	emit_conn(struct capture *, struct flow *, enum capture_conn_kind,
	    unsigned count, uint16_t reason, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
void	emit_error(struct capture *, struct kd_diag *);
void	emit_exchange(struct capture *, struct capture_exchange *);
void	analyze_init(struct capture *);
void	analyze_fini(struct capture *);
void	analyze_exchange(struct capture *, const struct capture_exchange *);
void	analyze_conn(struct capture *, const struct capture_conn_event *);
void	analyze_other(struct capture *, const struct pkt_info *);
/* The site's client addresses from client_ep, before anyone reads them. */
void	addr_sync(struct capture *);
void	copy_utf8(char *, size_t, const char *);

#endif
