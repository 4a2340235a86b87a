/*
 * Monitoring-plugins conventions: threshold ranges and performance data
 * (Monitoring Plugins Development Guidelines, "Threshold and ranges" and
 * "Performance data").
 *
 *   10       alert if < 0 or > 10        (start 0, end 10)
 *   10:      alert if < 10               (end +infinity)
 *   ~:10     alert if > 10               (start -infinity)
 *   10:20    alert if < 10 or > 20
 *   @10:20   alert if >= 10 and <= 20    (inside, inclusive)
 *
 * Pure functions: no I/O, no globals; the caller prints.
 */
#ifndef KD_NAGIOS_H
#define KD_NAGIOS_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

struct kd_range {
	double	 start, end;
	bool	 start_inf;	/* "~": minus infinity */
	bool	 end_inf;	/* "10:": plus infinity */
	bool	 inside;	/* "@": alert when inside the range */
	char	 text[40];	/* as given, for perfdata */
};

/*
 * Parse one range.  Returns false and sets *errstr (a static string such
 * as "start is greater than end") when the text is not a valid range.
 */
bool	kd_range_parse(const char *s, struct kd_range *, const char **errstr);
/* True when the value raises an alert under this range. */
bool	kd_range_alert(const struct kd_range *, double v);

struct kd_thresholds {
	bool		 has_warn, has_crit;
	struct kd_range	 warn, crit;
};

/* Either text may be NULL (no such threshold).  Same errors as kd_range_parse. */
bool	kd_thresholds_set(struct kd_thresholds *, const char *warn, const char *crit,
	    const char **errstr);
/* KD_V_FAIL if the critical range alerts, else KD_V_WARN if the warning one does, else KD_V_OK. */
enum kd_verdict kd_thresholds_eval(const struct kd_thresholds *, double v);

/*
 * Append one perfdata item "label=value[uom];warn;crit;min;max" to buf
 * (space-separated from what is already there).  The label is quoted with
 * single quotes when it holds a space, '=' or a quote (a quote doubles);
 * '|' in labels becomes '_'.  Trailing empty fields are dropped.  min/max
 * may be NULL.  Returns false if buf is too small (buf is left unchanged).
 */
bool	kd_perfdata_append(char *buf, size_t len, const char *label, double value,
	    const char *uom, const struct kd_thresholds *, const double *min,
	    const double *max);
/* Value as the guidelines want it: plain decimal, no exponent, trailing zeros trimmed. */
void	kd_perfdata_num(char *out, size_t len, double v);

#endif
