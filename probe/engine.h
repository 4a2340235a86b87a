/*
 * The probe engine's private parts, shared by its four pieces and seen by
 * nothing outside probe/:
 *
 *	classify.c	what the network did: errno and ICMP -> reachability
 *	target.c	targets: parsing, adding, background name lookups
 *	rpc.c		the DCE/RPC bind and the activation request on an open socket
 *	sched.c		the scheduler: jobs, attempts, deadlines, parallelism
 *
 * Dependencies go one way: sched.c drives target.c's lookups and rpc.c's
 * state machine, and both report back only through probe_job_end().  The
 * verdict (verdict.c) and the report (report.c) read finished results and
 * are never called from here except probe_verdict() when a job ends.
 */
#ifndef KD_PROBE_ENGINE_H
#define KD_PROBE_ENGINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netdb.h>
#include <sys/socket.h>

#include "dcerpc.h"
#include "kms.h"
#include "kmscrypto.h"
#include "probe.h"
#include "resolve.h"

/* The request is sent once; call ids as a Windows client numbers them (§2.10). */
#define PROBE_CALL_ID		2
#define PROBE_CTX_NDR		0
#define PROBE_CTX_NDR64		1
#define PROBE_DEFAULT_SKU	"73111121-5638-40f6-bc11-f1d7b0d64300"	/* Windows 10/11 Enterprise */
/* How often running name lookups are polled: small next to any timeout. */
#define PROBE_RESOLVE_POLL_MS	5
/* Connect starts: at most BURST per WINDOW (50,000 a second); see probe_pump(). */
#define PROBE_PACE_BURST	500
#define PROBE_PACE_WINDOW_MS	10
/* Descriptors left for everything but the connections (auto_parallel()). */
#define PROBE_FD_RESERVE	64

enum phase { PH_IDLE, PH_CONNECT, PH_BIND, PH_REQUEST };

/*
 * One address (or, while its name resolves, one name).  Jobs are allocated
 * one by one and never move: loop callbacks hold job pointers, and the
 * result inside stays valid for probe_result_at() callers while names
 * resolve and more jobs arrive.
 */
struct job {
	struct probe		*p;
	struct probe_result	 r;
	struct probe_lookup	*lookup;	/* name being resolved, NULL once known */
	struct probe_lookup	*next_lookup;	/* the other family's, while it starts */
	bool			 other_family;	/* lookup is the other family's (-4/-6) */
	int			 first_err;	/* the asked family's gai error */
	uint64_t		 t_lookup;	/* when the lookup started */
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	unsigned		 attempt;	/* attempts started */
	int			 fd;
	enum phase		 ph;
	long			 timer;		/* phase deadline or next-attempt timer */
	uint64_t		 t_attempt, t_phase;
	uint8_t			*rbuf;		/* KD_MAX_RPC_FRAG, only while reading */
	size_t			 rlen;
	unsigned		 nrecv;		/* reads that brought bytes, this phase */
	uint64_t		 t_last_rx;
	uint64_t		 tx_rt, rx_rt;	/* CLOCK_REALTIME ns: our PDU sent, answer received */
	uint8_t			 wbuf[640];
	size_t			 wlen, woff;
	struct kms_request	 req;
	enum dcerpc_syntax	 syntax;	/* accepted for the request */
	uint16_t		 ctx_id;
	double			 conn_ms;	/* this attempt's connect time, < 0 until connected */
	/* sums over attempts */
	double			 sum_connect, sum_rpc;
	unsigned		 n_rpc;
};

struct probe {
	struct probe_opts	 o;
	struct kd_loop		*loop;
	struct job		**jobs;		/* in target order; a name's addresses follow it */
	size_t			 n, cap;
	struct job		**queue;	/* ring: jobs ready to start an attempt */
	size_t			 qhead, qlen, qcap;
	size_t			 nresolving;	/* jobs whose name is still resolving */
	long			 resolve_timer;	/* polls the lookups while any runs */
	long			 done_timer;	/* on_done, from the loop */
	unsigned		 inflight, parallel;
	bool			 pumping;	/* inside probe_pump() */
	uint64_t		 pace_t0;	/* start of the pacing window, ns */
	unsigned		 pace_n;	/* connects started in it */
	long			 pace_timer;
	size_t			 ndone;
	bool			 started, cancelled, finished;
	probe_result_cb		*on_result;
	probe_done_cb		*on_done;
	void			*cbarg;
	struct kms_keys		 keys;
	const struct kd_sku	*product;
	char			 workstation[64];
};

/* sched.c */
void	 probe_job_end(struct job *, enum probe_state, int err, const char *detail);
void	 probe_job_finished(struct job *);
void	 probe_job_deadline(struct job *);
void	 probe_job_close(struct job *);
void	 probe_pump(struct probe *);
void	 probe_check_finished(struct probe *);
bool	 probe_queue_reserve(struct probe *, size_t need);
void	 probe_enqueue(struct probe *, struct job *);
double	 probe_ms_since(uint64_t t_ns);
/* Copy with truncation; wire and user text may be longer than our fields. */
void	 probe_scopy(char *dst, size_t len, const char *src);

/* classify.c: the ICMP error queued for a failed connect (IP_RECVERR). */
enum probe_state probe_read_icmp(int fd, char *detail, size_t len);

/* target.c */
int64_t	 probe_poll_lookups(struct kd_loop *, long id, void *arg);

/* rpc.c: the bind (and request) on a connected socket; each ends the attempt itself. */
void	 probe_rpc_begin(struct job *);
void	 probe_rpc_event(struct job *, short revents);
void	 probe_rpc_deadline(struct job *);

#endif
