/*
 * Fuzz target for the evidence parsers (evidence/): the encoding and
 * format detection, wevtutil text and XML (expat), Export-Csv (libcsv),
 * ConvertTo-Json (jansson), slmgr /dlv, ipconfig /all, systeminfo, the
 * Info-field decoder and the analysis that turns records into checks.
 *
 *	byte 0 % 4	0  bytes 1.. as one file, in one piece
 *			1  bytes 1.. as one file, fed in pieces whose sizes come
 *			   from the data (streaming: a character, a tag or a
 *			   quoted field cut between two pieces)
 *			2  bytes 1.. as one file through the whole analysis
 *			   (ev_set_read_buffer, ev_set_report, the CSV inventory)
 *			3  bytes 1.. as an Info line and a date, for each KMS ID
 *
 * Invariants: at most EV_MAX_FIELDS fields, every string NUL-terminated in
 * its field, a record count no larger than the input could hold.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../evidence/evidence.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
terminated(const char *s, size_t len)
{
	if (memchr(s, '\0', len) == NULL)
		abort();
}

static void
on_event(void *arg, const struct ev_event *ev)
{
	struct ev_kms k;
	struct ev_err e;
	size_t i;

	(void)arg;
	if (ev->nfields > EV_MAX_FIELDS)
		abort();
	for (i = 0; i < ev->nfields; i++)
		terminated(ev->fields[i], sizeof(ev->fields[i]));
	terminated(ev->computer, sizeof(ev->computer));
	terminated(ev->channel, sizeof(ev->channel));
	terminated(ev->provider, sizeof(ev->provider));
	memset(&e, 0, sizeof(e));
	if (ev_info_decode(ev, &k, &e))
		terminated(k.name, sizeof(k.name));
	else
		terminated(e.msg, sizeof(e.msg));
}

static void
on_slmgr(void *arg, const struct ev_slmgr *s)
{
	size_t i;

	(void)arg;
	if (s->nblocks > EV_MAX_BLOCKS)
		abort();
	for (i = 0; i < s->nblocks; i++) {
		terminated(s->blocks[i].name, sizeof(s->blocks[i].name));
		terminated(s->blocks[i].channel, sizeof(s->blocks[i].channel));
		terminated(s->blocks[i].registered_kms, sizeof(s->blocks[i].registered_kms));
	}
}

static void
on_net(void *arg, const struct ev_netcfg *n)
{
	(void)arg;
	if (n->nsearch > EV_MAX_LIST || n->nconn > EV_MAX_LIST || n->ndns > EV_MAX_LIST)
		abort();
	terminated(n->host_name, sizeof(n->host_name));
}

static void
on_error(void *arg, const struct ev_err *e)
{
	char buf[512];

	(void)arg;
	terminated(e->msg, sizeof(e->msg));
	ev_err_format(e, buf, sizeof(buf));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev_sink sink = { on_event, on_slmgr, on_net, on_error, NULL };
	struct ev_parser *p;
	size_t pos, step;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		ev_parse_buffer("fuzz", data + 1, size - 1, &sink, NULL);
		break;
	case 1:
		if ((p = ev_parser_new("fuzz", &sink)) == NULL)
			return 0;
		for (pos = 1; pos < size; pos += step) {
			step = 1 + data[pos] % 7;
			if (step > size - pos)
				step = size - pos;
			ev_parser_feed(p, data + pos, step);
		}
		ev_parser_end(p);
		if (ev_parser_records(p) > size)
			abort();
		ev_parser_free(p);
		break;
	case 2: {
		struct evidence_opts o;
		struct kd_report r;
		struct ev_set *s;
		FILE *null;

		evidence_opts_init(&o);
		o.now = 1796025641;
		o.anonymize = data[0] & 4;
		if ((s = ev_set_new(&o)) == NULL)
			return 0;
		kd_report_init(&r, EVIDENCE_TOOL);
		ev_set_read_buffer(s, "fuzz", data + 1, size - 1);
		ev_set_report(s, &r);
		if ((null = fopen("/dev/null", "w")) != NULL) {
			ev_set_csv(s, null);
			fclose(null);
		}
		kd_report_fini(&r);
		ev_set_free(s);
		break;
	}
	case 3: {
		static const uint32_t ids[] = { 12288, 12289, 12290, 12291, 12293, 12294, 12308 };
		struct ev_event ev;
		struct ev_kms k;
		struct ev_err e;
		char *s;
		int64_t t;
		size_t i;

		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		ev_parse_time(s, &t);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			memset(&ev, 0, sizeof(ev));
			ev.id = ids[i];
			if (ev_split_info(s, &ev) > EV_MAX_FIELDS)
				abort();
			on_event(NULL, &ev);
			ev_info_decode(&ev, &k, &e);
		}
		free(s);
		break;
	}
	}
	return 0;
}
