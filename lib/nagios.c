/*
 * Monitoring-plugins threshold ranges and perfdata.  See nagios.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nagios.h"

/* strtod that must consume the whole [s, end) span and give a finite number. */
static bool
parse_num(const char *s, const char *end, double *out)
{
	char buf[40], *ep;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* Reject what strtod would take but a threshold must not: inf, nan, hex. */
	if (strpbrk(buf, "xXiInN") != NULL || buf[0] == ' ' || buf[0] == '\t')
		return false;
	errno = 0;
	*out = strtod(buf, &ep);
	if (errno != 0 || *ep != '\0' || !isfinite(*out))
		return false;
	return true;
}

bool
kd_range_parse(const char *s, struct kd_range *r, const char **errstr)
{
	const char *p, *colon;

	memset(r, 0, sizeof(*r));
	if (s == NULL || *s == '\0') {
		*errstr = "empty range";
		return false;
	}
	if (strlen(s) >= sizeof(r->text)) {
		*errstr = "range too long";
		return false;
	}
	memcpy(r->text, s, strlen(s) + 1);
	p = s;
	if (*p == '@') {
		r->inside = true;
		p++;
	}
	if ((colon = strchr(p, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL) {
			*errstr = "more than one ':'";
			return false;
		}
		if (colon - p == 1 && *p == '~')
			r->start_inf = true;
		else if (colon == p)
			r->start = 0;	/* ":10" is accepted by the plugins library as 0:10 */
		else if (!parse_num(p, colon, &r->start)) {
			*errstr = "invalid start of range";
			return false;
		}
		if (colon[1] == '\0')
			r->end_inf = true;
		else if (!parse_num(colon + 1, colon + 1 + strlen(colon + 1), &r->end)) {
			*errstr = "invalid end of range";
			return false;
		}
	} else {
		r->start = 0;
		if (!parse_num(p, p + strlen(p), &r->end)) {
			*errstr = "invalid number";
			return false;
		}
	}
	if (!r->start_inf && !r->end_inf && r->start > r->end) {
		*errstr = "start of range is greater than end";
		return false;
	}
	return true;
}

bool
kd_range_alert(const struct kd_range *r, double v)
{
	bool within = (r->start_inf || v >= r->start) && (r->end_inf || v <= r->end);

	return r->inside ? within : !within;
}

bool
kd_thresholds_set(struct kd_thresholds *t, const char *warn, const char *crit,
    const char **errstr)
{
	memset(t, 0, sizeof(*t));
	if (warn != NULL) {
		if (!kd_range_parse(warn, &t->warn, errstr))
			return false;
		t->has_warn = true;
	}
	if (crit != NULL) {
		if (!kd_range_parse(crit, &t->crit, errstr))
			return false;
		t->has_crit = true;
	}
	return true;
}

enum kd_verdict
kd_thresholds_eval(const struct kd_thresholds *t, double v)
{
	if (t->has_crit && kd_range_alert(&t->crit, v))
		return KD_V_FAIL;
	if (t->has_warn && kd_range_alert(&t->warn, v))
		return KD_V_WARN;
	return KD_V_OK;
}

void
kd_perfdata_num(char *out, size_t len, double v)
{
	char *dot, *e;

	if (!isfinite(v)) {
		snprintf(out, len, "U");	/* "unknown" in perfdata */
		return;
	}
	snprintf(out, len, "%.6f", v);
	if ((dot = strchr(out, '.')) != NULL) {
		e = out + strlen(out) - 1;
		while (e > dot && *e == '0')
			*e-- = '\0';
		if (e == dot)
			*e = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, len, "0");
}

bool
kd_perfdata_append(char *buf, size_t len, const char *label, double value,
    const char *uom, const struct kd_thresholds *t, const double *min,
    const double *max)
{
	char item[512], lab[256], num[64], f[4][64];
	size_t used = strlen(buf), j = 0, i;
	bool quote;
	int last, k, n;

	/* Label: '|' would end the perfdata section, so it is replaced. */
	quote = strpbrk(label, " '=\t") != NULL;
	if (quote)
		lab[j++] = '\'';
	for (i = 0; label[i] != '\0' && j + 3 < sizeof(lab); i++) {
		char c = label[i];

		if (c == '|' || (unsigned char)c < 0x20)
			c = '_';
		if (c == '\'')
			lab[j++] = '\'';
		lab[j++] = c;
	}
	if (quote)
		lab[j++] = '\'';
	lab[j] = '\0';

	kd_perfdata_num(num, sizeof(num), value);
	for (k = 0; k < 4; k++)
		f[k][0] = '\0';
	if (t != NULL && t->has_warn)
		snprintf(f[0], sizeof(f[0]), "%s", t->warn.text);
	if (t != NULL && t->has_crit)
		snprintf(f[1], sizeof(f[1]), "%s", t->crit.text);
	if (min != NULL)
		kd_perfdata_num(f[2], sizeof(f[2]), *min);
	if (max != NULL)
		kd_perfdata_num(f[3], sizeof(f[3]), *max);
	for (last = 3; last >= 0 && f[last][0] == '\0'; last--)
		;
	n = snprintf(item, sizeof(item), "%s%s=%s%s", used ? " " : "", lab, num,
	    uom ? uom : "");
	for (k = 0; k <= last && n > 0 && (size_t)n < sizeof(item); k++)
		n += snprintf(item + n, sizeof(item) - (size_t)n, ";%s", f[k]);
	if (n < 0 || (size_t)n >= sizeof(item) || used + (size_t)n >= len)
		return false;
	memcpy(buf + used, item, (size_t)n + 1);
	return true;
}
