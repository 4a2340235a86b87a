/*
 * The one results model.  Tools produce a kd_report made of kd_checks;
 * the emitters (text, JSON Lines, Nagios) and the dashboard consume it.
 * No check prints anything itself.
 *
 * Evidence ("facts") is held as a jansson object so nested evidence such
 * as a list of SRV records needs no second model; jansson also does the
 * JSON escaping of wire text, which we never do by hand.
 */
#ifndef KD_REPORT_H
#define KD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Ordered like the Nagios plugin return codes, so a verdict is an exit status. */
enum kd_verdict { KD_V_OK = 0, KD_V_WARN = 1, KD_V_FAIL = 2, KD_V_UNKNOWN = 3 };

/* Exit statuses shared by every tool. */
#define KD_EXIT_OK	0
#define KD_EXIT_WARN	1
#define KD_EXIT_FAIL	2
#define KD_EXIT_UNKNOWN	3
#define KD_EXIT_USAGE	64

struct kd_check {
	char		 id[64];	/* stable key: "dns.srv_ttl", "probe.reach" */
	char		 subject[256];	/* what was checked: domain, host:port */
	enum kd_verdict	 verdict;
	char		 summary[256];	/* one human line */
	char		 fix[256];	/* one-line fix, empty when nothing to do */
	char		 checklist[16];	/* checklist item: port, dns, threshold, ... */
	json_t		*facts;		/* object; owned by the check */
	/*
	 * The check could not run or only a person can make it: shown (as
	 * SKIP in text, "unknown" in JSON, with the reason in summary) but not
	 * counted by kd_report_worst, so a step nobody asked for does not
	 * make a run "could not check".
	 */
	bool		 skipped;
};

struct kd_report {
	const char	*tool;		/* "kmsdiag-probe" */
	struct kd_check	*checks;
	size_t		 n, cap;
	bool		 oom;		/* an allocation failed; some checks are missing */
};

void		 kd_report_init(struct kd_report *, const char *tool);
void		 kd_report_fini(struct kd_report *);
/* Returns NULL only on allocation failure (and sets oom); every kd_check_*() accepts NULL. */
struct kd_check	*kd_report_add(struct kd_report *, const char *id, const char *subject,
		    enum kd_verdict, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 kd_check_fix(struct kd_check *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 kd_check_item(struct kd_check *, const char *checklist_item);
void		 kd_check_str(struct kd_check *, const char *key, const char *val);
void		 kd_check_int(struct kd_check *, const char *key, int64_t val);
void		 kd_check_bool(struct kd_check *, const char *key, bool val);
void		 kd_check_real(struct kd_check *, const char *key, double val);
/* Takes ownership of val (jansson "new" reference semantics). */
void		 kd_check_json(struct kd_check *, const char *key, json_t *val);
/*
 * The one verdict order, used everywhere a worst verdict is taken:
 * FAIL > UNKNOWN > WARN > OK.  (The enum's numeric order is Nagios's exit
 * status, not severity: never compare verdicts with < or >.)
 */
int		 kd_verdict_rank(enum kd_verdict);
enum kd_verdict	 kd_verdict_worst(enum kd_verdict, enum kd_verdict);
/* The worst verdict of the checks not skipped; UNKNOWN if every check was skipped. */
enum kd_verdict	 kd_report_worst(const struct kd_report *);
size_t		 kd_report_count(const struct kd_report *, enum kd_verdict);

const char	*kd_verdict_name(enum kd_verdict);	/* "OK", "WARN", "FAIL", "UNKNOWN" */
const char	*kd_verdict_key(enum kd_verdict);	/* "ok", "warn", "fail", "unknown" */

/* Output options shared by the emitters. */
struct kd_emit_opts {
	bool	color;		/* ANSI colour for verdicts; off under NO_COLOR or !isatty */
	bool	verbose;	/* print every fact */
};
bool		 kd_want_color(FILE *);		/* isatty and NO_COLOR unset and TERM not dumb */
bool		 kd_no_color_env(void);		/* NO_COLOR set and not empty */
/* The ANSI colour of a verdict: green, yellow, red, magenta for unknown. */
const char	*kd_verdict_color(enum kd_verdict);
/* Check as a JSON object: type, tool, check, subject, status, detail, fix, checklist + facts. */
json_t		*kd_check_to_json(const struct kd_report *, const struct kd_check *);
int		 kd_emit_text(FILE *, const struct kd_report *, const struct kd_emit_opts *);
int		 kd_emit_json(FILE *, const struct kd_report *);
/* One JSON object per line, compact, keys in insertion order. */
int		 kd_json_line(FILE *, json_t *);
/*
 * Monitoring-plugins status line: "KMS OK - summary|perfdata".  perfdata may
 * be NULL.  Returns the exit status to use.
 */
int		 kd_emit_nagios(FILE *, const struct kd_report *, const char *service,
		    const char *summary, const char *perfdata);
/*
 * Copy wire text for a terminal: bytes that are not printable ASCII nor
 * part of well-formed UTF-8, and the backslash, as \xNN; code points that
 * still control a terminal (C1 such as U+009B CSI, bidirectional overrides
 * and isolates, line separators) as \uNNNN.  Always NUL terminates; cuts
 * at outlen - 1 without splitting an escape or a character.
 */
char		*kd_sanitize(const char *in, char *out, size_t outlen);
/* A code point that kd_sanitize escapes although it is well-formed UTF-8. */
bool		 kd_terminal_control(uint32_t cp);

#endif
