#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

void
kd_report_init(struct kd_report *r, const char *tool)
{
	memset(r, 0, sizeof(*r));
	r->tool = tool;
}

void
kd_report_fini(struct kd_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->checks[i].facts);
	free(r->checks);
	r->checks = NULL;
	r->n = r->cap = 0;
}

struct kd_check *
kd_report_add(struct kd_report *r, const char *id, const char *subject,
    enum kd_verdict v, const char *fmt, ...)
{
	struct kd_check *c;
	va_list ap;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;
		struct kd_check *nc = realloc(r->checks, ncap * sizeof(*nc));

		if (nc == NULL) {
			r->oom = true;
			return NULL;
		}
		r->checks = nc;
		r->cap = ncap;
	}
	c = &r->checks[r->n];
	memset(c, 0, sizeof(*c));
	if ((c->facts = json_object()) == NULL) {
		r->oom = true;
		return NULL;
	}
	r->n++;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->subject, sizeof(c->subject), "%s", subject ? subject : "");
	c->verdict = v;
	va_start(ap, fmt);
	vsnprintf(c->summary, sizeof(c->summary), fmt, ap);
	va_end(ap);
	return c;
}

void
kd_check_fix(struct kd_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

void
kd_check_item(struct kd_check *c, const char *item)
{
	if (c != NULL)
		snprintf(c->checklist, sizeof(c->checklist), "%s", item ? item : "");
}

void
kd_check_json(struct kd_check *c, const char *key, json_t *val)
{
	if (c == NULL || val == NULL) {
		json_decref(val);
		return;
	}
	json_object_set_new(c->facts, key, val);
}

/* Wire text may not be valid UTF-8; jansson refuses it, so keep it printable. */
static json_t *
jstr(const char *val)
{
	json_t *j;

	if ((j = json_string(val)) == NULL) {
		char buf[512];

		j = json_string(kd_sanitize(val, buf, sizeof(buf)));
	}
	return j;
}

void
kd_check_str(struct kd_check *c, const char *key, const char *val)
{
	if (c == NULL)
		return;
	if (val == NULL) {
		kd_check_json(c, key, json_null());
		return;
	}
	kd_check_json(c, key, jstr(val));
}

void
kd_check_int(struct kd_check *c, const char *key, int64_t val)
{
	if (c != NULL)
		kd_check_json(c, key, json_integer((json_int_t)val));
}

void
kd_check_bool(struct kd_check *c, const char *key, bool val)
{
	if (c != NULL)
		kd_check_json(c, key, json_boolean(val));
}

void
kd_check_real(struct kd_check *c, const char *key, double val)
{
	if (c != NULL)
		kd_check_json(c, key, json_real(val));
}

int
kd_verdict_rank(enum kd_verdict v)
{
	/* A definite failure is the more useful answer than "could not check". */
	switch (v) {
	case KD_V_OK:
		return 0;
	case KD_V_WARN:
		return 1;
	case KD_V_UNKNOWN:
		return 2;
	case KD_V_FAIL:
		return 3;
	}
	return 2;	/* out of range: as good as unknown */
}

enum kd_verdict
kd_verdict_worst(enum kd_verdict a, enum kd_verdict b)
{
	return kd_verdict_rank(b) > kd_verdict_rank(a) ? b : a;
}

enum kd_verdict
kd_report_worst(const struct kd_report *r)
{
	enum kd_verdict w = KD_V_OK;
	size_t counted = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->checks[i].skipped)
			continue;
		w = kd_verdict_worst(w, r->checks[i].verdict);
		counted++;
	}
	return r->n > 0 && counted == 0 ? KD_V_UNKNOWN : w;
}

size_t
kd_report_count(const struct kd_report *r, enum kd_verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->checks[i].verdict == v)
			n++;
	return n;
}

const char *
kd_verdict_name(enum kd_verdict v)
{
	switch (v) {
	case KD_V_OK:
		return "OK";
	case KD_V_WARN:
		return "WARN";
	case KD_V_FAIL:
		return "FAIL";
	default:
		return "UNKNOWN";
	}
}

const char *
kd_verdict_key(enum kd_verdict v)
{
	switch (v) {
	case KD_V_OK:
		return "ok";
	case KD_V_WARN:
		return "warn";
	case KD_V_FAIL:
		return "fail";
	default:
		return "unknown";
	}
}

/* no-color.org: NO_COLOR present and not empty turns colour off; empty is unset. */
bool
kd_no_color_env(void)
{
	const char *nc = getenv("NO_COLOR");

	return nc != NULL && nc[0] != '\0';
}

bool
kd_want_color(FILE *fp)
{
	const char *term = getenv("TERM");

	if (kd_no_color_env())
		return false;
	if (term == NULL || strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(fp));
}

/*
 * Well-formed code points that still act on a terminal: the C1 controls
 * (U+009B is CSI on xterm, like ESC [; U+0085 is a line break), the line
 * and paragraph separators, and the bidirectional controls, which make a
 * workstation name or a host name display as something else (the
 * "Trojan Source" trick: U+202E turns "exe.txt" around).
 */
bool
kd_terminal_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *
kd_sanitize(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outlen == 0)
		return out;
	for (const unsigned char *s = (const unsigned char *)in; *s != '\0'; s++) {
		if (*s >= 0x20 && *s < 0x7f && *s != '\\') {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)*s;
		} else if (*s >= 0x80) {
			/* Keep well-formed UTF-8 sequences, escape the rest. */
			int extra = (*s & 0xe0) == 0xc0 ? 1 : (*s & 0xf0) == 0xe0 ? 2 :
			    (*s & 0xf8) == 0xf0 ? 3 : -1;
			int k;

			uint32_t cp = extra == 1 ? (*s & 0x1fu) : extra == 2 ?
			    (*s & 0x0fu) : (*s & 0x07u);

			for (k = 1; extra > 0 && k <= extra; k++) {
				if ((s[k] & 0xc0) != 0x80)
					break;
				cp = cp << 6 | (s[k] & 0x3fu);
			}
			/* Overlong forms, surrogates and > U+10FFFF are not UTF-8 (jansson refuses them). */
			if (extra > 0 && k > extra &&
			    ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
			    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff)))
				goto esc;
			if (extra > 0 && k > extra && kd_terminal_control(cp)) {
				/* One escape for the code point, not one per byte. */
				if (o + 6 >= outlen)
					break;
				out[o++] = '\\';
				out[o++] = 'u';
				out[o++] = hex[cp >> 12 & 15];
				out[o++] = hex[cp >> 8 & 15];
				out[o++] = hex[cp >> 4 & 15];
				out[o++] = hex[cp & 15];
				s += extra;
				continue;
			}
			if (extra > 0 && k > extra) {
				if (o + (size_t)extra + 1 >= outlen)
					break;
				memcpy(out + o, s, (size_t)extra + 1);
				o += (size_t)extra + 1;
				s += extra;
				continue;
			}
			goto esc;
		} else {
esc:
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	out[o] = '\0';
	return out;
}

json_t *
kd_check_to_json(const struct kd_report *r, const struct kd_check *c)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "type", json_string("check"));
	json_object_set_new(o, "tool", json_string(r->tool ? r->tool : "kmsdiag"));
	json_object_set_new(o, "check", jstr(c->id));
	json_object_set_new(o, "subject", jstr(c->subject));
	json_object_set_new(o, "status", json_string(kd_verdict_key(c->verdict)));
	json_object_set_new(o, "detail", jstr(c->summary));
	json_object_set_new(o, "fix", jstr(c->fix));
	json_object_set_new(o, "checklist", c->checklist[0] ?
	    jstr(c->checklist) : json_null());
	json_object_foreach(c->facts, k, v)
		json_object_set(o, k, v);
	return o;
}

int
kd_json_line(FILE *fp, json_t *o)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9);
	char buf[16384];
	size_t n;
	int rc;

	if (o == NULL)
		return -1;
	/*
	 * One fwrite per line: json_dumpf writes token by token, and stdio's
	 * per-call cost was the largest part of --json output.
	 */
	n = json_dumpb(o, buf, sizeof(buf) - 1, flags);
	if (n == 0)
		return -1;
	if (n < sizeof(buf) - 1) {
		buf[n++] = '\n';
		return fwrite(buf, 1, n, fp) == n ? 0 : -1;
	}
	rc = json_dumpf(o, fp, flags);		/* longer than the buffer */
	fputc('\n', fp);
	return rc;
}

int
kd_emit_json(FILE *fp, const struct kd_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		json_t *o = kd_check_to_json(r, &r->checks[i]);

		kd_json_line(fp, o);
		json_decref(o);
	}
	return ferror(fp) ? -1 : 0;
}

const char *
kd_verdict_color(enum kd_verdict v)
{
	switch (v) {
	case KD_V_OK:
		return "\033[32m";
	case KD_V_WARN:
		return "\033[33m";
	case KD_V_FAIL:
		return "\033[31m";
	default:
		return "\033[35m";
	}
}

int
kd_emit_text(FILE *fp, const struct kd_report *r, const struct kd_emit_opts *o)
{
	char buf[512];

	for (size_t i = 0; i < r->n; i++) {
		const struct kd_check *c = &r->checks[i];

		/* A check that could not run says so, apart from one that ran and could not tell. */
		const char *name = c->skipped ? "SKIP" : kd_verdict_name(c->verdict);

		if (o != NULL && o->color)
			fprintf(fp, "%s%-4s\033[0m", kd_verdict_color(c->verdict), name);
		else
			fprintf(fp, "%-4s", name);
		fprintf(fp, "  %-18s ", c->id);
		/* A check about nothing in particular has no subject, not ": ". */
		if (c->subject[0] != '\0')
			fprintf(fp, "%s: ", kd_sanitize(c->subject, buf, sizeof(buf)));
		fprintf(fp, "%s\n", kd_sanitize(c->summary, buf, sizeof(buf)));
		if (c->fix[0] != '\0' && c->verdict != KD_V_OK)
			fprintf(fp, "      fix: %s\n", kd_sanitize(c->fix, buf, sizeof(buf)));
		if (o != NULL && o->verbose) {
			const char *k;
			json_t *v;

			json_object_foreach(c->facts, k, v) {
				char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

				fprintf(fp, "      %s: %s\n", k,
				    s ? kd_sanitize(s, buf, sizeof(buf)) : "?");
				free(s);
			}
		}
	}
	if (r->oom)
		fprintf(fp, "warning: out of memory, some results are missing\n");
	return ferror(fp) ? -1 : 0;
}

/*
 * Nagios output must not contain '|' outside the perfdata separator, nor
 * newlines; it is also read on a terminal, so the rest is escaped as for
 * one (a '|' never comes out of kd_sanitize).
 */
static void
nagios_clean(const char *in, char *out, size_t outlen)
{
	char flat[512];
	size_t o = 0;

	for (; *in != '\0' && o + 1 < sizeof(flat); in++)
		flat[o++] = (*in == '|' || *in == '\n' || *in == '\r') ? ' ' : *in;
	flat[o] = '\0';
	kd_sanitize(flat, out, outlen);
}

int
kd_emit_nagios(FILE *fp, const struct kd_report *r, const char *service,
    const char *summary, const char *perfdata)
{
	enum kd_verdict w = kd_report_worst(r);
	char clean[512];
	const char *state = w == KD_V_OK ? "OK" : w == KD_V_WARN ? "WARNING" :
	    w == KD_V_FAIL ? "CRITICAL" : "UNKNOWN";

	if (summary == NULL) {
		/*
		 * The first counted check with the worst verdict explains the
		 * state; when every check was skipped, the first of them.
		 */
		const struct kd_check *why = NULL;

		for (size_t i = 0; i < r->n && why == NULL; i++)
			if (r->checks[i].verdict == w && !r->checks[i].skipped)
				why = &r->checks[i];
		if (why == NULL && r->n > 0 && w == KD_V_UNKNOWN)
			why = &r->checks[0];
		summary = why != NULL ? why->summary : "";
	}
	nagios_clean(summary, clean, sizeof(clean));
	fprintf(fp, "%s %s - %s", service, state, clean);
	if (perfdata != NULL && perfdata[0] != '\0')
		fprintf(fp, "|%s", perfdata);
	fputc('\n', fp);
	return (int)w;
}
