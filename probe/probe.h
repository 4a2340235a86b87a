/*
 * kmsdiag-probe engine: is a KMS host reachable, is it really a KMS host,
 * and (opt-in) what does it answer to one activation request?
 *
 * The engine never prints and never exits.  It runs inside a kd_loop that
 * the caller owns, so the dashboard can drive it from its own loop:
 *
 *	p = probe_new(&opts, loop);
 *	probe_set_callbacks(p, on_result, on_done, arg);
 *	probe_add_target(p, "kms1.example:1688");	(never blocks)
 *	probe_start(p);					(non-blocking)
 *	... kd_loop_run(loop) ...
 *	probe_report(p, &report);
 *	probe_free(p);
 *
 * probe_run() does all of that with a private loop.
 *
 * Nothing here blocks the loop, name resolution included: a host name is
 * resolved in the background (glibc getaddrinfo_a, polled from a loop
 * timer) while the numeric targets are already being probed, and a name
 * that has not resolved within timeout_ms becomes a dns_error ("timed
 * out").  Until then its result is PROBE_PENDING with the port it was
 * given; once it resolves, its first address takes that result and any
 * further addresses are inserted right after it, so probe_nresults() may
 * grow after probe_start() and indexes may shift.  Result pointers never
 * move: a pointer from probe_result_at() or a callback stays valid until
 * probe_free().  probe_finished() waits for every lookup.
 */
#ifndef KD_PROBE_H
#define KD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "guid.h"
#include "loop.h"
#include "nagios.h"
#include "report.h"
#include "site.h"
#include "tables.h"

#define PROBE_DEFAULT_PORT	1688
#define PROBE_DEFAULT_TIMEOUT	3000	/* ms, per phase */
#define PROBE_MAX_COUNT		1000	/* -n cap */
#define PROBE_MAX_ADDRS		65536	/* addresses per run */
/* The detail of PROBE_RESET, wherever the reset came. */
#define PROBE_RESET_DETAIL	"accepted the connection, then reset it before answering"

/*
 * Reachability, from what the network did (style R8: one table, covered by
 * tests/netns/run.sh).  See probe_classify_errno().
 */
enum probe_state {
	PROBE_PENDING = 0,
	PROBE_OPEN,		/* handshake completed */
	PROBE_REFUSED,		/* RST: nothing listens */
	PROBE_FILTERED,		/* no answer before the deadline */
	PROBE_UNREACHABLE,	/* ICMP unreachable, no route */
	PROBE_BLOCKED,		/* refused by local policy (EPERM/EACCES) */
	PROBE_DNS_ERROR,	/* the name did not resolve */
	PROBE_ERROR,		/* a local failure: out of fds, ... */
	PROBE_RESET		/* accepted, then reset before answering: something listens */
};

/* What answered the DCE/RPC bind. */
enum probe_rpc {
	PROBE_RPC_NONE = 0,	/* not tried: --tcp-only, or the port was not open */
	PROBE_RPC_KMS,		/* bind_ack accepted the KMS interface */
	PROBE_RPC_REJECTED,	/* bind_nak, fault, or every KMS context refused */
	PROBE_RPC_NOT_RPC,	/* something that is not DCE/RPC answered */
	PROBE_RPC_SILENT	/* accepted the connection, said nothing (or closed) */
};

struct probe_opts {
	int		 family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	uint16_t	 default_port;		/* 0 = 1688 */
	unsigned	 timeout_ms;		/* per phase (connect, bind, request); 0 = 3000 */
	unsigned	 count;			/* attempts per address; 0 = 1 */
	unsigned	 interval_ms;		/* between attempts to one address */
	unsigned	 parallel;		/* connections in flight; 0 = from the descriptor limit */
	bool		 tcp_only;		/* no RPC bind */
	bool		 activate;		/* send one activation request */
	unsigned	 protocol;		/* 4, 5 or 6; 0 = the product's (probe_protocol_for) */
	const struct kd_sku *product;		/* NULL = Windows 10/11 Enterprise */
	struct kd_guid	 cmid;			/* see probe_machine_cmid() */
	const char	*workstation;		/* NULL = gethostname() */
	/* Verdict thresholds (monitoring-plugins ranges). */
	struct kd_thresholds time_thr;		/* response time, seconds */
	struct kd_thresholds count_thr;		/* host count; unset: count < required is critical */
	bool		 count_thr_set;
};

void	probe_opts_init(struct probe_opts *);

struct probe_activation {
	bool		 done;			/* a response (or an error) came back */
	bool		 answered;		/* a KMS response message was decoded */
	uint32_t	 hresult;		/* 0 = success */
	uint32_t	 fault;			/* RPC fault status, 0 = none */
	char		 error[192];		/* why there is no usable answer */
	double		 ms;
	unsigned	 protocol;		/* version sent */
	char		 syntax[8];		/* "NDR", "NDR64" */
	char		 product[96];
	const struct kd_sku *sku;		/* the product asked for */
	char		 workstation[64];	/* the name the request carried */
	char		 cmid[KD_GUID_STRLEN];
	uint32_t	 count, required_count;
	uint32_t	 activation_interval, renewal_interval;	/* minutes */
	char		 epid[200];
	bool		 has_hwid;		/* v6 answers carry the host's HwId */
	uint8_t		 hwid[8];
	bool		 epid_valid;
	unsigned	 host_build, key_group;
	uint32_t	 key_id;
	char		 key_date[16];
	char		 host_os[96];
	char		 host_key[96];		/* host key group name, "" if unknown */
	int		 can_activate;		/* 1 yes, 0 no, -1 unknown */
	bool		 verified;		/* every integrity check passed */
	char		 verify_detail[96];
};

struct probe_result {
	char		 target[256];		/* as given (host part) */
	char		 address[64];		/* numeric, "" on dns_error */
	uint16_t	 port;
	int		 family;
	enum probe_state state;
	int		 err;			/* errno behind the state, 0 if none */
	char		 detail[192];		/* human detail for the state */
	/* connect times of successful attempts, ms */
	double		 connect_ms, connect_min_ms, connect_max_ms;
	unsigned	 sent, received;	/* attempts made / handshakes completed */
	enum probe_rpc	 rpc;
	double		 rpc_ms;
	char		 rpc_detail[192];
	char		 rpc_syntax[16];	/* accepted transfer syntax(es) */
	bool		 rpc_partial;		/* part of an answer came, never all of it */
	struct probe_activation act;
	bool		 done;
	enum kd_verdict	 verdict;		/* set by probe_verdict() */
	char		 summary[256];
	char		 fix[256];
	char		 item[16];		/* checklist item of the worst finding */
};

struct probe;

typedef void	probe_result_cb(struct probe *, const struct probe_result *, void *arg);
typedef void	probe_done_cb(struct probe *, void *arg);

/* NULL on allocation failure.  opts is copied. */
struct probe	*probe_new(const struct probe_opts *, struct kd_loop *);
void		 probe_free(struct probe *);
void		 probe_set_callbacks(struct probe *, probe_result_cb *, probe_done_cb *, void *arg);
/*
 * Add "HOST", "HOST:PORT", "[V6]:PORT" or an IPv6 literal.  A numeric
 * address is added at once, with no resolver involved; a name starts a
 * background lookup and holds one pending result until it resolves (one
 * job per address then) or fails (one dns_error result).  Never blocks.
 * Returns 0, or -1 with *errstr set when the spec itself is malformed
 * (bad port, ...).
 */
int		 probe_add_target(struct probe *, const char *spec, const char **errstr);
/* Add one already-resolved address (for --srv and dnscheck --probe). */
int		 probe_add_addr(struct probe *, const char *target, const struct sockaddr *,
		    socklen_t);
/*
 * Add one address found as text ("192.0.2.10", "2001:db8::10") with its
 * port, as the SRV records of a DNS answer or a zone give them.  Returns
 * 0, 1 when the address is of the family -4/-6 excluded (not added), or
 * -1 when addr is not a numeric address (or no memory).
 */
int		 probe_add_numeric(struct probe *, const char *target, const char *addr,
		    uint16_t port);
/* Add a final result that needs no connection (an SRV lookup that failed). */
int		 probe_add_error(struct probe *, const char *target, uint16_t port,
		    enum probe_state, const char *detail);
/* Start connecting; returns immediately.  -1 if called twice. */
int		 probe_start(struct probe *);
bool		 probe_finished(const struct probe *);
/* Abort everything in flight (the results stay as they are). */
void		 probe_cancel(struct probe *);
size_t		 probe_nresults(const struct probe *);
const struct probe_opts *probe_opts_of(const struct probe *);
const struct probe_result *probe_result_at(const struct probe *, size_t);
/* One kd_check per address, facts named as in the JSON output. */
void		 probe_report(const struct probe *, struct kd_report *);

/* Convenience: add targets, run a private loop to the end, fill the report. */
int		 probe_run(const struct probe_opts *, const char *const *targets, size_t n,
		    struct kd_report *, const char **errstr);

/* Pure helpers, unit-tested. */
unsigned	 probe_protocol_for(unsigned asked, const struct kd_sku *product);
/* Products whose name holds every word of q, else the nearest by spelling; at most max (8). */
size_t		 probe_product_suggest(const char *q, const struct kd_sku **out, size_t max);
/* --product list: name, KMS counted ID, threshold, protocol, channel. */
void		 probe_product_list(FILE *);
enum probe_state probe_classify_errno(int err);
/* ICMP type/code of a failed connect; PROBE_PENDING if it says nothing new. */
enum probe_state probe_classify_icmp(int family, unsigned type, unsigned code);
const char	*probe_state_name(enum probe_state);
const char	*probe_rpc_name(enum probe_rpc);
/* Split HOST[:PORT]; host gets no brackets.  false + errstr when malformed. */
bool		 probe_parse_target(const char *spec, uint16_t default_port, char *host,
		    size_t hostlen, uint16_t *port, const char **errstr);
/*
 * The CMID this machine uses: SHA-256 of the machine-id text (trimmed),
 * first 16 bytes, as a version 4 / RFC 4122 variant GUID.  Stable across
 * runs, so the probe counts as exactly one client on the host.  false if
 * the file cannot be read or is empty.
 */
bool		 probe_machine_cmid(const char *path, struct kd_guid *out);
/*
 * The verdict, summary, fix and checklist item of one result: a view of
 * what kd_site_judge() finds about its host (the worst finding, by
 * kd_verdict_rank), judged on this result alone, plus the probe's own
 * monitoring thresholds (-w/-c on the response time, --count-warning and
 * --count-critical on the count), which are Nagios conventions, not site
 * rules.  When the run ends the engine re-judges every result together
 * (probe_view() on one site), so a host below threshold while another
 * answers above it is a finding about that host.
 */
void		 probe_verdict(const struct probe_opts *, struct probe_result *);
/* Set r's verdict, summary, fix and item from cl's findings about host (an index of its site). */
void		 probe_view(const struct probe_opts *, struct probe_result *,
		    const struct kd_checklist *, long host);

/* A finished run judged as one site: what the text and JSON views list per host. */
struct probe_judged {
	struct kd_site		 site;
	struct kd_checklist	 cl;
	long			*hosts;		/* per result: its host in site, or -1 (judged alone) */
	bool			 judged;
};
int		 probe_judge_run(const struct probe *, struct probe_judged *);
int		 probe_judge_one(const struct probe_opts *, const struct probe_result *,
		    struct probe_judged *, long *host);
/* The result carries a verified count: the only kind another host's can change. */
bool		 probe_counted(const struct probe_result *);
void		 probe_judged_fini(struct probe_judged *);
/* "0123456789ABCDEF", or "" without a HwId. */
const char	*probe_hwid_text(const struct probe_activation *, char *out, size_t len);
/* Judge the whole run as one site and set every result's view of it. */
void		 probe_judge_all(struct probe *);

#endif
