/*
 * kmsdiag-tui: the troubleshooting checklist on one screen.
 *
 * Three parts, so that most of it is testable without a terminal:
 *   model.c   the checklist state: checks from the three engines merged
 *             into checklist items, plus the tables the panels show
 *             (pure data; I/O only in the --report emitters and the
 *             resolv.conf reader)
 *   layout.c  terminal size -> panel rectangles (a pure function)
 *   engines.c probe, dnscheck (in a worker thread) and capture driven
 *             from one kd_loop, feeding the model
 *   screen.c  ncurses painting and keys; the only file with <curses.h>
 */
#ifndef KD_TUI_H
#define KD_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "../probe/probe.h"
#include "report.h"
#include "site.h"
#include "textf.h"

#define TUI_TOOL	"kmsdiag-tui"

/*
 * The checklist items are the engine's (enum kd_item, lib/site.h), in
 * kmsdiag(7)'s order; these names keep the dashboard's code short.
 */
enum tui_item {
	TUI_PORT = KD_ITEM_PORT, TUI_DNS = KD_ITEM_DNS, TUI_RPC = KD_ITEM_RPC,
	TUI_THRESHOLD = KD_ITEM_THRESHOLD, TUI_HOSTKEY = KD_ITEM_HOST_KEY,
	TUI_KEY = KD_ITEM_CLIENT_KEY, TUI_DOMAIN = KD_ITEM_DOMAIN, TUI_TIME = KD_ITEM_TIME,
	TUI_OTHER = KD_ITEM_OTHER, TUI_NITEMS = KD_NITEMS
};

/* One item as the views show it: read from the engine's struct kd_item_result. */
struct tui_itemstate {
	bool		 known;		/* judged on evidence, or ticked */
	bool		 pending;	/* its engine has not reported yet */
	enum kd_verdict	 verdict;
	enum kd_basis	 basis;
	char		 reason[320];	/* the deciding finding's line, or why not judged */
	char		 fix[320];
	char		 tool[32];	/* where the deciding finding came from: "probe", "dns" */
	size_t		 nevidence;	/* findings behind the item */
};

#define TUI_SPARK	40	/* latency samples kept per host */
#define TUI_HOST_COUNTS	4	/* counted IDs shown per host */

/* One KMS counted ID of a host: its own count, never another host's. */
struct tui_count {
	char		 product[96];
	int64_t		 count, required;	/* count -1: no verified count */
};

struct tui_host {
	char		 key[80];	/* "ADDR:PORT" or "[V6]:PORT" */
	char		 target[128];	/* name it was found under */
	char		 reach[24];	/* "open", "refused", ... ; "" unknown */
	char		 rpc[24];
	enum kd_verdict	 verdict;	/* worst finding about this host */
	bool		 probed;
	char		 summary[320];	/* that finding's line */
	double		 rtt[TUI_SPARK];	/* connect times, ms, oldest first */
	size_t		 nrtt;
	struct tui_count counts[TUI_HOST_COUNTS];
	size_t		 ncounts;
	int64_t		 count, required;	/* the first counted ID's, for the bar; -1 none */
	char		 epid[200], host_os[96], key_group[96];
	int64_t		 exchanges;
	long		 site;		/* index in the model's site, -1 not in it */
};

struct tui_dnsrec {
	char		 domain[256], target[256], addrs[128];
	char		 detail[320];	/* a domain without a record: why */
	bool		 none;		/* the domain has no record (or could not be asked) */
	uint32_t	 ttl;
	unsigned	 port, priority, weight;
	enum kd_verdict	 ttl_v, port_v, verdict;
};

struct tui_product {
	char		 name[96];
	int64_t		 distinct, required, count;
};

struct tui_client {
	char		 cmid[40], workstation[64], client[64], product[96];
	char		 license[32], last_seen[32], host[80];
	int64_t		 requests;
};

#define TUI_TRAFFIC	1024	/* exchange lines kept for the traffic panel */
#define TUI_LINE	200

struct capture_exchange;

/*
 * One line of the traffic panel and the decode behind it.  The exchange is
 * copied (it holds no pointers into packet buffers) so that its JSON is
 * only built when someone opens the details: a fast replay pays a memcpy
 * per exchange, not a JSON document.
 */
struct tui_event {
	char		 line[TUI_LINE];
	enum kd_verdict	 verdict;
	bool		 have_ex;
	struct capture_exchange *ex;	/* owned, reused by the slot */
};

/*
 * The dashboard's model: what each engine last reported, folded into one
 * struct kd_site and judged by kd_site_judge, plus the tables the panels
 * show.  The site is rebuilt from the engines' latest reports on every
 * change, so a re-run replaces what the last run said.
 */
struct tui_model {
	struct kd_report dns;		/* dnscheck's last report, owned */
	bool		 have_dns, dns_zone;
	bool		 dns_pending;	/* the first lookup is still running */
	struct probe_result *probe;	/* the last probe run's results, copied */
	size_t		 nprobe;
	struct probe_opts probe_opts;
	bool		 have_probe;
	const struct kd_site *cap_site;	/* the capture engine's own site */
	/*
	 * The model reads cap_site on every rebuild, between refreshes too,
	 * while the capture goes on: cap_sync(cap_arg) brings its texts up
	 * to date first (capture_site()).  NULL: nothing to do.
	 */
	void		(*cap_sync)(void *);
	void		*cap_arg;
	struct kd_site_obs *cap_obs;	/* input errors, as observations */
	size_t		 ncap_obs;
	bool		 have_capture;
	/* -H hosts: declared by the user, as slmgr /skms names one. */
	const char *const *declared;
	size_t		 ndeclared;
	struct ev_set	*evidence;	/* --evidence files, owned; NULL: none */

	struct kd_site	 site;
	struct kd_checklist cl;
	struct kd_report checks;	/* the checklist as checks: the evidence */

	bool		 ticked[TUI_NITEMS];	/* confirmed by hand (manual items) */
	/* This machine's DNS suffix (resolv.conf), a hint for the domain item. */
	char		 suffix[256];
	struct tui_itemstate items[TUI_NITEMS];
	struct tui_host	*hosts;
	size_t		 nhosts, hosts_cap;
	struct tui_dnsrec *dnsrecs;
	size_t		 ndns;
	struct tui_product *products;
	size_t		 nproducts;
	struct tui_client *clients;
	size_t		 nclients;
	struct tui_event *traffic;	/* ring of TUI_TRAFFIC events */
	size_t		 traffic_next, ntraffic;
	uint64_t	 traffic_total;
	/* Bumped on every change; the screen redraws only when it moved. */
	uint64_t	 generation;
};

/* model.c */
void		 tui_model_init(struct tui_model *);
void		 tui_model_fini(struct tui_model *);
const char	*tui_item_key(enum tui_item);		/* "port", "dns", ... */
const char	*tui_item_title(enum tui_item);		/* "Port", "DNS", ... */
const char	*tui_item_question(enum tui_item);
bool		 tui_item_manual(enum tui_item);	/* only a person can check it */
int		 tui_item_parse(const char *key);	/* -1 if unknown */
/* dnscheck's report; the model takes it over (*rep is left empty). */
void		 tui_model_set_dns(struct tui_model *, struct kd_report *rep, bool zone);
/* The results of one finished probe run, copied. */
void		 tui_model_set_probe(struct tui_model *, const struct probe_opts *,
		    const struct probe_result *, size_t n);
/*
 * The capture's site (capture_site; the model reads it at every rebuild, so
 * it must live as long as the model or until the next call), the input
 * errors it reported as events (as checks); the Clients panel's tables
 * are made from the site's clients.
 */
/* The --evidence files, read: the model takes the set over. */
struct ev_set;
void		 tui_model_set_evidence(struct tui_model *, struct ev_set *);
void		 tui_model_set_capture(struct tui_model *, const struct kd_site *site,
		    const struct kd_report *inputs);
/* Manual items only; returns false for the others. */
bool		 tui_model_tick(struct tui_model *, enum tui_item, bool on);
/* New reference: the findings behind an item, as check objects. */
json_t		*tui_model_evidence(const struct tui_model *, enum tui_item);
struct tui_host	*tui_model_host(struct tui_model *, const char *key);
void		 tui_host_rtt(struct tui_host *, double ms);
/* ex is copied; NULL for a line without an exchange. */
void		 tui_model_traffic(struct tui_model *, const char *line, enum kd_verdict,
		    const struct capture_exchange *ex);
/* i-th traffic event, 0 = oldest kept; NULL past the end. */
const struct tui_event *tui_model_traffic_at(const struct tui_model *, size_t i);
/* 0 OK, 1 WARN, 2 FAIL, 3 nothing judged (suite exit statuses). */
int		 tui_model_status(const struct tui_model *);
/* The domain/first search entry of a resolv.conf; "" if none. */
void		 tui_resolv_suffix(const char *path, char *out, size_t len);
void		 tui_model_set_suffix(struct tui_model *, const char *suffix);
void		 tui_model_report_text(FILE *, const struct tui_model *, bool color);
void		 tui_model_report_json(FILE *, const struct tui_model *);
/* Characters of a count-vs-threshold bar ("#####.....") into out. */
void		 tui_bar(char *out, size_t width, int64_t value, int64_t max);
/* The word a view shows for an item: OK, WARN, FAIL, UNKNOWN, SKIP, MANUAL, ?? (pending). */
const char	*tui_item_word(const struct tui_itemstate *);

/*
 * New reference: the findings of one item in a kd_checklist_report()
 * report, as check objects (the "checklist.ITEM" lines left out).
 */
json_t		*tui_findings_json(const struct kd_report *, enum kd_item);
/*
 * Where a finding comes from, as a line names it: the kind of Windows record
 * the evidence reader read it from ("host log", "slmgr /dlv"), else the
 * site sources ("probe", "dns,zone").
 */
char		*tui_finding_source(const struct kd_finding *, char *out, size_t len);

/* layout.c */
enum tui_panel { TUI_P_CHECKLIST, TUI_P_HOSTS, TUI_P_DNS, TUI_P_TRAFFIC, TUI_P_CLIENTS,
	TUI_NPANELS };

struct tui_rect { int y, x, h, w; };

struct tui_layout {
	bool		 too_small;
	bool		 all_visible;	/* wide terminal: every panel at once */
	struct tui_rect	 header, footer, body;
	struct tui_rect	 panel[TUI_NPANELS];
	bool		 visible[TUI_NPANELS];
};

/* What the panels hold, so the layout can size them by content. */
struct tui_content {
	size_t		 rows[TUI_NPANELS];	/* rows each has to show */
	int		 width[TUI_NPANELS];	/* columns its widest row needs */
};

#define TUI_MIN_ROWS	12
#define TUI_MIN_COLS	40

/*
 * Where everything goes on a rows x cols terminal.  Small terminals show
 * the checklist and one more panel (lower, the focused one); wide ones
 * show all five, sized by content (NULL: as if every panel were full).
 */
void		 tui_layout(int rows, int cols, enum tui_panel lower,
		    const struct tui_content *, struct tui_layout *);
const char	*tui_panel_name(enum tui_panel);

/* engines.c: the three engines in one loop. */
struct kd_loop;
struct probe;
struct capture;
struct capsrc;
struct tui_dnsjob;

#define TUI_MAX_ARGS	64

struct tui_opts {
	const char	*domains[TUI_MAX_ARGS];
	size_t		 ndomains;
	const char	*hosts[TUI_MAX_ARGS];
	size_t		 nhosts;
	const char	*iface;		/* -i */
	const char	*file;		/* -r */
	const char	*filter;	/* -f: BPF for -i or -r */
	const char	*zone, *origin;	/* --zone, -o */
	const char	*server;	/* -s: DNS server */
	const char	*resolv_conf;	/* --resolv-conf; NULL: /etc/resolv.conf */
	const char	*user;		/* -Z: drop to this user after opening -i */
	uint16_t	 ports[16];	/* -p: ports the capture decodes; none = 1688 */
	size_t		 nports;
	unsigned	 interval_ms;	/* re-run probes and DNS; 0 = once */
	double		 speed;		/* replay: 0 = as fast as possible, 1 = real time */
	unsigned	 iterations;	/* quit after this many cycles; 0 = never */
	unsigned	 timeout_ms;
	int		 family;
	bool		 activate;
	bool		 report, json, color;
	bool		 tick[TUI_NITEMS];
	const char	*evidence[TUI_MAX_ARGS];	/* --evidence: Windows exports */
	size_t		 nevidence;
};

struct tui_app {
	struct tui_opts	 o;
	struct kd_loop	*loop;
	struct tui_model model;
	struct probe	*probe;
	bool		 probe_running;
	struct tui_dnsjob *dns;		/* the DNS check while it runs */
	struct capture	*cap;
	struct capsrc	*src;
	bool		 cap_running, cap_dirty;
	long		 cap_timer, cycle_timer;
	uint64_t	 cap_exchanges;
	uint64_t	 cap_errors;		/* input errors (truncated file, ...) */
	char		 cap_first_error[256];
	unsigned	 cycles;
	bool		 cycle_net_done;
	bool		 paused;
	bool		 quit;		/* --iterations reached */
	char		 error[256];	/* why starting failed */
	bool		 bad_filter;	/* ... because -f does not compile: a usage error */
	/* Called after the model changed (the screen schedules a redraw). */
	void		(*changed)(struct tui_app *);
	void		*ui;
};

/* 0, or -1 with app->error set.  The loop is the caller's. */
int		 tui_app_start(struct tui_app *, const struct tui_opts *, struct kd_loop *);
/* Re-run DNS checks and probes now ('r'). */
void		 tui_app_rerun(struct tui_app *);
void		 tui_app_pause(struct tui_app *, bool);
/* End the capture now (--report with -i, on SIGINT): what it saw counts. */
void		 tui_app_stop_capture(struct tui_app *);
/* Short status of what runs, for the header. */
void		 tui_app_status(const struct tui_app *, char *, size_t);
void		 tui_app_fini(struct tui_app *);

/* screen.c: the dashboard.  Returns the exit status. */
int		 tui_screen_run(struct tui_app *);

#endif
