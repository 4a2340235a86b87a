/*
 * Prometheus text exposition (format 0.0.4) of the site model.
 *
 * Names follow Prometheus's conventions: one kmsdiag_ prefix, base units
 * (_seconds), _total for counters, _info for metadata.  Labels are the
 * host, port, domain, application and counted ID; never CMIDs or client
 * names, which are personal data and would make one series per machine.
 * Every metric is listed in kmsdiag-exporter(1).
 *
 * A metric family is written as one block (HELP, TYPE, then its samples),
 * as the format requires; struct kd_prom collects the samples of a
 * family so the callers can add them in any order.
 */
#ifndef KD_PROM_H
#define KD_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct kd_site;
struct kd_checklist;

/* One label: name="value".  The value is escaped on output. */
struct kd_prom_label {
	const char	*name, *value;
};

#define KD_PROM_MAX_LABELS	6

struct kd_prom_sample {
	size_t		 family;
	char		*labels;	/* rendered {a="b",...}, or "" */
	double		 value;
};

struct kd_prom_family {
	const char	*name, *help, *type;	/* static strings */
};

struct kd_prom {
	struct kd_prom_family	*fam;
	size_t			 nfam, fam_cap;
	struct kd_prom_sample	*s;
	size_t			 ns, s_cap;
	bool			 oom;
};

void	kd_prom_init(struct kd_prom *);
void	kd_prom_fini(struct kd_prom *);
/*
 * Add a sample of the family NAME (declared by its first use; name, help
 * and type must be static strings).  Labels with a NULL or empty value
 * are left out.
 */
void	kd_prom_add(struct kd_prom *, const char *name, const char *type,
	    const char *help, double value, const struct kd_prom_label *labels,
	    size_t nlabels);
/* Families in first-use order, samples in insertion order.  -1 on a write error. */
int	kd_prom_write(FILE *, const struct kd_prom *);

/*
 * Write the exposition to path atomically, for node_exporter's textfile
 * collector: a temporary file in the same directory (mode 0644, O_EXCL,
 * never through a symlink), flushed and synced, then renamed over path, so
 * the collector never reads half a file.  path "-" is stdout.  Returns 0,
 * or -1 with err set ("FILE: what failed").
 */
int	kd_prom_write_file(const char *path, const struct kd_prom *, char *err, size_t errlen);

/* Label value escaping of the text format: backslash, double quote, newline. */
size_t	kd_prom_escape(char *out, size_t len, const char *in);
/* A value as the format writes it: integers plainly, NaN, +Inf, -Inf. */
void	kd_prom_num(char *out, size_t len, double v);

/*
 * The site's metrics: one series per host and port (reachability, RPC,
 * connect time), per host, port and counted ID (count, threshold, age),
 * per host and application (_info with build, key group), per domain and
 * SRV record (TTL, port, priority), and one kmsdiag_check_status per
 * checklist item (0 OK, 1 warning, 2 failure, 3 unknown: the Nagios codes).
 * now: unix seconds, for the age of counts (0: no ages).
 */
void	kd_prom_site(struct kd_prom *, const struct kd_site *,
	    const struct kd_checklist *, long long now);

#endif
