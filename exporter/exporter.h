/*
 * kmsdiag-exporter: KMS health for Prometheus in the multi-target
 * exporter pattern (like blackbox_exporter).  GET /probe?target=T&module=M
 * runs one check of a module from the configuration against one allowed
 * target and answers with its metrics; GET /metrics answers with the
 * exporter's own.
 *
 * The parts: config.c reads the configuration (pure: text in, struct
 * out), check.c runs one module against one target into the site model,
 * serve.c is the HTTP side (libmicrohttpd), main.c the command line.
 */
#ifndef KD_EXPORTER_H
#define KD_EXPORTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "../probe/probe.h"
#include "prom.h"
#include "site.h"
#include "tables.h"

#define EXP_DEFAULT_LISTEN	"127.0.0.1:9688"
#define EXP_DEFAULT_CONCURRENCY	8
#define EXP_MAX_MODULES		32
#define EXP_MAX_ALLOW		256
#define EXP_MAX_CONFIG		(256 * 1024)
/* Taken off Prometheus's scrape timeout so the answer arrives in time. */
#define EXP_DEADLINE_MARGIN_MS	500

enum exp_check {
	EXP_CHECK_TCP,		/* TCP connect only */
	EXP_CHECK_RPC,		/* TCP + DCE/RPC bind to the KMS interface */
	EXP_CHECK_ACTIVATE,	/* + one activation request (only with "activate yes") */
	EXP_CHECK_SRV,		/* the _vlmcs._tcp SRV record of a domain, its targets probed */
};

struct exp_module {
	char		 name[64];
	enum exp_check	 check;
	unsigned	 timeout_ms;		/* per phase; capped by the scrape deadline */
	uint16_t	 port;			/* default port of targets without one */
	bool		 activate;		/* explicit consent to be counted as a client */
	const struct kd_sku *product;		/* for activate; NULL = the probe's default */
	char		 dns_server[128];	/* for srv; "" = the system resolver */
	bool		 probe_targets;		/* srv: also probe the SRV targets (RPC) */
	int		 family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
};

/* One allowed target: an address prefix, or a DNS name (exact, or a suffix with "*."). */
struct exp_allow {
	bool		 is_prefix;
	int		 family;
	uint8_t		 addr[16];
	unsigned	 bits;
	char		 name[256];		/* lower case, without a trailing dot */
	bool		 suffix;		/* "*.corp.example" */
};

struct exp_config {
	char		 listen[128];
	unsigned	 concurrency;
	unsigned	 max_connections;
	struct exp_module modules[EXP_MAX_MODULES];
	size_t		 nmodules;
	struct exp_allow allow[EXP_MAX_ALLOW];
	size_t		 nallow;
	char		 state_dir[256];	/* where activation times are kept; "" = memory only */
};

void	exp_config_init(struct exp_config *);
/*
 * Parse the configuration text.  false with err set to "FILE:LINE: what"
 * on the first error.
 */
bool	exp_config_parse(struct exp_config *, const char *text, size_t len,
	    const char *file, char *err, size_t errlen);
const struct exp_module *exp_config_module(const struct exp_config *, const char *name);
/*
 * Whether a target ("host", "host:port", "[v6]:port", or a domain for srv
 * modules) is in the allow list.  Names are compared as given, addresses
 * against the prefixes: the exporter never resolves a name to decide.
 */
bool	exp_config_allowed(const struct exp_config *, const char *target);

/* At most one activation per target per renewal interval. */
struct exp_ratelimit {
	pthread_mutex_t	 mu;
	struct exp_rl_entry {
		char	 key[320];
		long long last;		/* unix seconds of the last activation request */
		long long interval;	/* seconds until the next one is allowed */
		struct kd_site_count count;	/* what it returned, shown until then */
		struct kd_site_app app;
		bool	 have;
	} *e;
	size_t		 n, cap;
};

void	exp_ratelimit_init(struct exp_ratelimit *);
void	exp_ratelimit_fini(struct exp_ratelimit *);

struct exp_result {
	bool		 success;	/* the check ran and nothing it checked failed */
	double		 seconds;
	char		 error[256];	/* why the check could not run, "" */
	bool		 activation_cached;	/* count from an earlier request (rate limit) */
};

/*
 * Run module m against target within deadline_ms, filling site (and its
 * judged checklist).  Thread-safe: each call has its own event loop.
 */
void	exp_check_run(const struct exp_module *m, const char *target, unsigned deadline_ms,
	    struct exp_ratelimit *, struct kd_site *, struct kd_checklist *,
	    struct exp_result *);
const char *exp_check_name(enum exp_check);
/* The srv module's part of exp_check_run. */
void	exp_check_srv(const struct exp_module *, const char *domain, unsigned deadline_ms,
	    struct kd_site *, struct exp_result *);

#endif
