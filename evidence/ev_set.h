/*
 * The state of one evidence run, shared by the analysis (analyze.c) and
 * the DNS cross-check (evdns.c) only.
 */
#ifndef EV_SET_H
#define EV_SET_H

#include "dnslookup.h"
#include "evidence.h"
#include "tables.h"

#define DAY		86400
#define HOST_WINDOW	(30 * DAY)	/* the host keeps the CMIDs of the last 30 days */
#define IDLE_AFTER	(7 * DAY)	/* clients renew every 7 days (renewal interval) */
#define MANY_CMIDS	3		/* one FQDN with this many CMIDs is not one machine */
#define MAX_FILES	64
#define MAX_SHOWN	5		/* examples per finding */
#define MAX_ROWS	(1u << 20)	/* host-log rows; the host itself keeps 50 per app */
#define MAX_CEVENTS	(1u << 20)	/* client events held */
#define MAX_HRESULTS	32
#define MAX_DOMAINS	16
#define MAX_HOSTPORTS	16
#define ERRS_SHOWN	5

/* One host-log row: a client (CMID) asking for one product (ActID). */
struct row {
	struct kd_guid		 cmid, actid;
	const struct kd_sku	*sku;
	char			 fqdn[128], other_fqdn[128];
	unsigned		 nfqdn;		/* distinct names, capped at 2 */
	uint32_t		 vm, license_status, required, last_hresult;
	int64_t			 first, last;
	uint64_t		 requests, refused;
	size_t			 file;
};

/* A client-log event, compact. */
struct cev {
	uint32_t	 id, hresult, flags, required, activated, count, license_status;
	uint32_t	 minutes_left;
	int64_t		 when;
	uint64_t	 record;
	struct kd_guid	 actid, cmid;
	char		 hostport[128];
	size_t		 file;
};

struct hr_group {
	uint32_t	 code;
	uint64_t	 n, last_n;	/* requests; clients whose last request got it */
	char		 example[128];
};

struct dns_event {
	char		 domain[128];
	uint32_t	 hresult;
	bool		 published;
	int64_t		 when;
	size_t		 file;
};

struct file_info {
	char		 name[256];
	enum ev_format	 fmt;
	enum ev_encoding enc;
	uint64_t	 records, errors, kms_events, other_events;
	char		 errs[ERRS_SHOWN][256];
	size_t		 nerrs;
	bool		 host_log, client_log;
};

#define EV_MAX_SRV_DOMAINS	16
#define EV_MAX_SRV		8

/* A _vlmcs._tcp lookup for a domain the evidence names. */
struct ev_srvlook {
	char			 domain[256];
	bool			 client;	/* a domain the client asks (not only the host's) */
	bool			 asked;
	enum kd_dns_outcome	 outcome;
	char			 error[160];
	struct {
		char		 target[256];
		uint16_t	 port;
		uint32_t	 ttl;
	}			 rr[EV_MAX_SRV];
	size_t			 nrr;
};

struct ev_set {
	struct evidence_opts	 o;
	struct file_info	 files[MAX_FILES];
	size_t			 nfiles;
	uint64_t		 files_dropped;
	size_t			 cur;		/* file being read */

	struct row		*rows;
	size_t			 nrows, rows_cap;
	uint32_t		*idx;		/* open addressing over rows, 0 empty */
	size_t			 idx_cap;
	uint64_t		 rows_dropped, n12290;
	int64_t			 host_first, host_last;
	char			 host_name[128];
	struct hr_group		 hr[MAX_HRESULTS];
	size_t			 nhr;
	struct dns_event	 dns[MAX_DOMAINS];
	size_t			 ndns;
	uint64_t		 timer_errors, adba;

	struct cev		*cev;
	size_t			 ncev, cev_cap;
	uint64_t		 cev_dropped;

	struct ev_slmgr		*slmgr[MAX_FILES];
	size_t			 slmgr_file[MAX_FILES], nslmgr;
	struct ev_netcfg	 net[MAX_FILES];
	size_t			 net_file[MAX_FILES], nnet;

	struct ev_srvlook	 srv[EV_MAX_SRV_DOMAINS];
	size_t			 nsrv;
	bool			 dns_checked;
	char			 dns_source[96];	/* "the system resolver", "zone corp.zone" */
};

/* Ask the SRV records of every domain the evidence names (the only I/O of the analysis). */
void	ev_set_dns(struct ev_set *, const struct kd_dns_opts *);


#endif
