/*
 * kmsdiag-capture's engine: packets in, events out.  It owns the flow
 * table, TCP reassembly, the DCE/RPC state per connection and the KMS
 * decode, and keeps the statistics the summary needs.  It never prints;
 * events go to a callback (the text/JSON writer, or the dashboard).
 */
#ifndef KD_CAPTURE_H
#define KD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "dcerpc.h"
#include "diag.h"
#include "kms.h"
#include "pkt.h"
#include "report.h"
#include "tables.h"

#define CAPTURE_MAX_PORTS	16

struct capture_opts {
	uint16_t	 ports[CAPTURE_MAX_PORTS];
	size_t		 nports;		/* 0 = 1688 */
	size_t		 max_flows;		/* 0 = KD_MAX_FLOWS */
	size_t		 max_flow_bytes;	/* 0 = KD_MAX_FLOW_BYTES */
	size_t		 max_buffered;		/* 0 = KD_MAX_BUFFERED, over all flows */
	/* Seconds of silence after which a SYN with no answer is "filtered". */
	unsigned	 syn_timeout;
};

enum capture_verdict {
	CV_ACTIVATES,		/* count >= required and the response verified */
	CV_BELOW_THRESHOLD,	/* valid response, count < required: 0xC004F038 */
	CV_REFUSED,		/* in-band HRESULT from the host */
	CV_UNVERIFIED,		/* response failed its integrity check */
	CV_FAULT,		/* RPC fault */
	CV_NO_RESPONSE,		/* request never answered in the capture */
	CV_UNDECODABLE		/* request or response could not be decoded */
};

struct capture_exchange {
	const char	*source;
	uint64_t	 req_pkt, resp_pkt;
	struct timeval	 req_ts, resp_ts;
	struct kd_endpoint client, host;
	uint32_t	 call_id;
	uint16_t	 ctx_id;
	enum dcerpc_syntax syntax;
	bool		 have_req, have_resp;
	struct kms_request req;
	struct kms_response resp;
	uint32_t	 hresult;
	const struct kd_errcode *herr;
	bool		 fault;
	uint32_t	 fault_status;
	/* lookups */
	const struct kd_app	*app;
	const struct kd_kmsid	*kmsid;
	const struct kd_sku	*sku;
	/* kd_license_status_name(req.license_status), when license_named. */
	bool			 license_named;
	const char		*license_name;
	struct kms_epid		 epid;
	const struct kd_hostkey	*hostkey;
	const struct kd_osbuild	*os;
	int64_t		 clock_skew;		/* client time - capture time, seconds */
	bool		 skew_known;
	bool		 host_key_mismatch;	/* host key group cannot activate kms_id */
	enum capture_verdict verdict;
	char		 reason[200];
};

enum capture_conn_kind {
	CC_FILTERED,		/* SYN retransmitted, never answered */
	CC_REFUSED,		/* SYN answered by RST */
	CC_BIND_NAK,
	CC_BIND_REJECTED,	/* bind_ack rejected every KMS context */
	CC_NOT_RPC,		/* something that is not DCE/RPC on the port */
	CC_GAP,			/* bytes missing from the capture */
	CC_SNAPLEN,		/* payload cut by the snaplen */
	CC_INCOMPLETE,		/* capture ended inside a PDU */
	CC_EVICTED,		/* flow evicted by the flow cap */
	CC_LIMIT		/* per-flow buffer cap hit */
};

struct capture_conn_event {
	const char	*source;
	uint64_t	 pkt_no;
	struct timeval	 ts;
	struct kd_endpoint client, host;
	enum capture_conn_kind kind;
	unsigned	 count;		/* SYN retransmissions, gap bytes, ... */
	uint16_t	 reason;	/* bind_nak / bind_ack reason */
	char		 detail[200];
};

enum capture_event_type { CE_EXCHANGE, CE_CONNECTION, CE_ERROR };

struct capture;

struct capture_event {
	enum capture_event_type type;
	const struct capture_exchange	*ex;
	const struct capture_conn_event	*conn;
	const struct kd_diag		*err;
	const struct capture		*cap;	/* the engine that emitted it */
};

typedef void capture_event_cb(const struct capture_event *, void *arg);

struct capture	*capture_new(const struct capture_opts *, capture_event_cb *, void *arg);
void		 capture_free(struct capture *);
/* Feed one packet.  source and pkt_no are used in events and errors. */
void		 capture_packet(struct capture *, const char *source, uint64_t pkt_no,
		    const struct timeval *ts, int dlt, const uint8_t *data,
		    size_t caplen, size_t wirelen);
/* Report an input error (e.g. from the pcap reader) through the event stream. */
void		 capture_error(struct capture *, const struct kd_diag *);
/* End of input: close every flow, report what is unfinished. */
void		 capture_finish(struct capture *);

/*
 * Where an event still to come can be dated earliest, for a writer that
 * prints in capture order: each call waiting for its response (its
 * request's packet), each connection that so far is only a SYN (a
 * "filtered" line is dated by the SYN), and the current packet.  fn gets
 * each (source, packet); every later event is dated at or after one.
 */
void		 capture_pending_marks(const struct capture *,
		    void (*fn)(void *arg, const char *source, uint64_t pkt),
		    void *arg);

/*
 * Summary.  The engine fills a site model (site.h) as it goes; these judge
 * it with the checklist engine, as every kmsdiag tool does.
 * capture_checklist: the checklist (kd_checklist_fini it).
 * capture_report: the same as checks, one "checklist.ITEM" per item and
 * one per finding (kd_checklist_report).
 * capture_site_summary: counters, distinct clients per KMS counted ID, and
 * the site (kd_site_json) under "site".
 */
struct kd_checklist;
struct kd_site;
void		 capture_checklist(struct capture *, struct kd_checklist *);
/* The site as the capture saw it so far (client addresses brought up to date). */
const struct kd_site *capture_site(struct capture *);
void		 capture_report(struct capture *, struct kd_report *);
json_t		*capture_site_summary(struct capture *);
/*
 * Per KMS counted ID, in the order first asked for: the distinct clients
 * seen and the count they need (the highest N a client sent, else the
 * product table's).  Returns how many; free(*out).
 */
struct capture_product {
	struct kd_guid		 kms_id;
	const struct kd_kmsid	*info;		/* NULL: not in the product table */
	uint64_t		 distinct;
	uint32_t		 required;
};
size_t		 capture_products(const struct capture *, struct capture_product **out);
/*
 * The exit status for what capture_report() found: the worst item or
 * finding judged on evidence (FAIL 2, could not check 3, WARN 1; items the
 * capture cannot see, such as DNS, do not count); decode errors alone are
 * a warning.
 */
int		 capture_exit_status(const struct capture *, const struct kd_report *);

struct capture_stats {
	uint64_t	 packets, tcp_packets, port_packets, exchanges, errors;
	uint64_t	 flows, flows_evicted, flow_limit_hits, gaps;
	uint64_t	 flows_evicted_memory;	/* of flows_evicted: over the buffer budget */
	/*
	 * Not tracked: calls pending on evicted flows (dropped, not reported
	 * as exchanges) and packets of evicted connections seen afterwards.
	 */
	uint64_t	 calls_untracked, packets_untracked;
	size_t		 peak_flows, peak_buffered;
};
const struct capture_stats *capture_stats(const struct capture *);

const char	*capture_verdict_name(enum capture_verdict);
const char	*capture_conn_kind_name(enum capture_conn_kind);

/* Output (capture/output.c): the event writer used by kmsdiag-capture. */
struct capture_held;
struct capture_out {
	FILE		*fp;
	bool		 json, verbose, color;
	/*
	 * Text from files: hold the lines and print them in capture order
	 * (source, then packet), since an exchange is only known when it
	 * ends and a filtered SYN when the capture does.  Lines are printed
	 * as soon as no event still to come can be dated before them
	 * (capture_pending_marks()), so only the lines of calls in flight
	 * are held.  Live captures print as events come.
	 */
	bool		 in_capture_order;
	uint64_t	 counts[3];
	/* private: the held lines, their text one after another in arena */
	struct capture_held *held;
	size_t		 nheld, held_cap, held_bytes;
	char		*arena;
	size_t		 arena_len, arena_cap;
	uint64_t	 since_release, release_every;
	/* private: table strings as jw_scan() found them, by address */
	struct capture_tstr {
		const char	*s;
		size_t		 len;
		bool		 valid, plain;
	} tstr[64];
	const char	*sources[16];
	size_t		 nsources;
};
void	capture_out_event(const struct capture_event *, void *arg);
/* Print the held lines (in order) and free them; capture_out_summary does it too. */
void	capture_out_flush(struct capture_out *);
json_t	*capture_exchange_json(const struct capture_exchange *);
void	capture_out_summary(struct capture_out *, struct capture *, struct kd_report *);

#endif
