#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

static const char *const status_names[] = {
	[KD_OK] = "ok",
	[KD_ETRUNC] = "truncated",
	[KD_EINVAL] = "invalid",
	[KD_EUNSUP] = "unsupported",
	[KD_ELIMIT] = "limit reached",
	[KD_ENOMEM] = "out of memory",
	[KD_EIO] = "I/O error",
	[KD_ETIMEDOUT] = "timed out",
	[KD_EVERIFY] = "integrity check failed",
};

const char *
kd_strstatus(enum kd_status s)
{
	if ((size_t)s < sizeof(status_names) / sizeof(status_names[0]) &&
	    status_names[s] != NULL)
		return status_names[s];
	return "unknown error";
}

void
kd_diag_clear(struct kd_diag *d)
{
	if (d == NULL)
		return;
	d->offset = 0;
	d->layer = NULL;
	d->status = KD_OK;
	d->msg[0] = '\0';
}

enum kd_status
kd_diag_set(struct kd_diag *d, enum kd_status st, const char *layer,
    size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return st;
	d->status = st;
	d->layer = layer;
	d->offset = offset;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return st;
}

int
kd_diag_format(const struct kd_diag *d, char *buf, size_t len)
{
	char pkt[32] = "";

	if (d->pkt_no != 0)
		snprintf(pkt, sizeof(pkt), "packet %llu: ",
		    (unsigned long long)d->pkt_no);
	return snprintf(buf, len, "%s%s%soffset %zu: %s: %s%s%s%s",
	    d->source ? d->source : "", d->source ? ": " : "", pkt, d->offset,
	    d->layer ? d->layer : "input", kd_strstatus(d->status),
	    d->msg[0] ? " (" : "", d->msg, d->msg[0] ? ")" : "");
}
