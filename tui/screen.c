/*
 * The dashboard: ncurses paints what the model and the layout say, and
 * keys come in through the same kd_loop as the engines' sockets, so a
 * probe waiting for its timeout never freezes the screen.
 *
 * Redraws happen only when something changed: a key, a resize, or the
 * model's generation moving (coalesced to at most one redraw per
 * REDRAW_MS).  With nothing happening the process sleeps in poll(2).
 *
 * The terminal is restored on every way out: a normal quit, SIGINT and
 * SIGTERM (a self-pipe the loop watches), an error (the caller), and
 * exit() from anywhere (atexit).
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "../capture/capture.h"
#include "explain.h"
#include "loop.h"
#include "textf.h"
#include "tui.h"

#define REDRAW_MS	100
#define FILTER_MAX	48
#define MAX_DETAIL	2000

enum mode { M_MAIN, M_DETAILS, M_HELP };

/* Semantic colour roles; pairs are set up once in one table. */
enum role { ROLE_OK = 1, ROLE_WARN, ROLE_FAIL, ROLE_UNKNOWN, ROLE_TITLE };

struct ui {
	struct tui_app	*app;
	struct kd_loop	*loop;
	int		 rows, cols;
	struct tui_layout lay;
	enum tui_panel	 focus, lower;
	size_t		 sel[TUI_NPANELS], top[TUI_NPANELS];
	bool		 color, utf8;
	enum mode	 mode;
	size_t		 dtop;			/* first details line shown */
	char		 filter[FILTER_MAX + 1];
	bool		 editing;
	bool		 follow;		/* traffic: keep the newest line selected */
	long		 redraw_timer;
	bool		 quit;
	int		 sigpipe[2];
	/* scratch */
	size_t		*idx;
	size_t		 idx_cap;
	char		**lines;
	size_t		 nlines;
};

static volatile sig_atomic_t curses_on;
static int sig_wfd = -1;

static void
restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (sig_wfd >= 0)
		(void)!write(sig_wfd, &c, 1);
	errno = saved;
}

static attr_t
vattr(const struct ui *u, bool known, enum kd_verdict v)
{
	if (!known || v == KD_V_UNKNOWN)
		return u->color ? COLOR_PAIR(ROLE_UNKNOWN) : A_DIM;
	if (u->color)
		return COLOR_PAIR(v == KD_V_OK ? ROLE_OK : v == KD_V_WARN ? ROLE_WARN : ROLE_FAIL) |
		    (v == KD_V_FAIL ? A_BOLD : 0);
	/* Monochrome: the words carry the meaning, emphasis follows severity. */
	return v == KD_V_FAIL ? (A_BOLD | A_REVERSE) : v == KD_V_WARN ? A_BOLD : A_NORMAL;
}

/* Put UTF-8 text at y,x, at most w columns. */
static int
put(int y, int x, int w, const char *s, attr_t a)
{
	wchar_t wb[512];
	mbstate_t st;
	const char *p = s;
	size_t n;
	int cols = 0, k;

	if (w <= 0)
		return 0;
	memset(&st, 0, sizeof(st));
	n = mbsrtowcs(wb, &p, sizeof(wb) / sizeof(wb[0]) - 1, &st);
	if (n == (size_t)-1) {
		/* Not valid in this locale: ASCII only. */
		for (n = 0; s[n] != '\0' && n < sizeof(wb) / sizeof(wb[0]) - 1; n++)
			wb[n] = isprint((unsigned char)s[n]) ? (wchar_t)s[n] : L'?';
	}
	wb[n] = L'\0';
	for (k = 0; wb[k] != L'\0'; k++) {
		int cw = wcwidth(wb[k]);

		/* Bidi controls have width 0 but still reorder the line. */
		if (cw < 0 || kd_terminal_control((uint32_t)wb[k]))
			wb[k] = L'?', cw = 1;
		if (cols + cw > w)
			break;
		cols += cw;
	}
	attron(a);
	mvaddnwstr(y, x, wb, k);
	attroff(a);
	return cols;
}

static const char *
vword(bool known, enum kd_verdict v)
{
	return known ? kd_verdict_name(v) : "??";
}

static void
sparkline(const struct ui *u, const struct tui_host *h, char *out, size_t len)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
	    "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=+*#@";
	double max = 0;
	size_t o = 0, first = h->nrtt > 10 ? h->nrtt - 10 : 0;

	out[0] = '\0';
	for (size_t i = first; i < h->nrtt; i++)
		if (h->rtt[i] > max)
			max = h->rtt[i];
	for (size_t i = first; i < h->nrtt && o + 4 < len; i++) {
		int lv = max > 0 ? (int)(h->rtt[i] / max * 7.0 + 0.5) : 0;

		if (lv < 0)
			lv = 0;
		if (lv > 7)
			lv = 7;
		if (u->utf8) {
			memcpy(out + o, blocks[lv], 3);
			o += 3;
		} else
			out[o++] = ascii[lv];
	}
	out[o] = '\0';
}

static bool
matches(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return true;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static size_t
nrows_raw(const struct ui *u, enum tui_panel p)
{
	const struct tui_model *m = &u->app->model;

	switch (p) {
	case TUI_P_CHECKLIST:	return TUI_NITEMS;
	case TUI_P_HOSTS:	return m->nhosts;
	case TUI_P_DNS:		return m->ndns;
	case TUI_P_TRAFFIC:	return m->ntraffic;
	case TUI_P_CLIENTS:	return m->nproducts + m->nclients;
	default:		return 0;
	}
}

/* One row of a panel as text, with the verdict that colours it. */
static void
row_text(const struct ui *u, enum tui_panel p, size_t i, char *out, size_t len,
    bool *known, enum kd_verdict *v)
{
	const struct tui_model *m = &u->app->model;
	char spark[64], bar[32];

	*known = false;
	*v = KD_V_UNKNOWN;
	out[0] = '\0';
	switch (p) {
	case TUI_P_CHECKLIST: {
		const struct tui_itemstate *it = &m->items[i];

		*known = it->known;
		*v = it->verdict;
		/* Only the dashboard has a space bar: the hint is the screen's, not the model's. */
		kd_setf(out, len, "%u %-11s %-7s %s%s%s", (unsigned)i + 1,
		    tui_item_title((enum tui_item)i), tui_item_word(it),
		    tui_item_manual((enum tui_item)i) ? (m->ticked[i] ? "[x] " : "[ ] ") :
		    "", it->reason, tui_item_manual((enum tui_item)i) && !m->ticked[i] ?
		    " (space to tick)" : "");
		break;
	}
	case TUI_P_HOSTS: {
		const struct tui_host *h = &m->hosts[i];
		size_t o;

		*known = h->site >= 0 && h->verdict != KD_V_UNKNOWN;
		*v = h->verdict;
		kd_setf(out, len, "%-4s %-21s %-9s %-6s", vword(*known, h->verdict), h->key,
		    h->reach[0] ? h->reach : "-", h->rpc[0] ? h->rpc : "-");
		/* The host's own count for each counted ID: the bar for the first. */
		for (size_t k = 0; k < h->ncounts; k++) {
			const struct tui_count *c = &h->counts[k];

			o = strlen(out);
			if (c->count < 0)
				kd_setf(out + o, len - o, " %s: no count", c->product);
			else if (k == 0) {
				tui_bar(bar, 11, c->count, c->required);
				kd_setf(out + o, len - o, " [%s] %lld/%lld", bar,
				    (long long)c->count, (long long)c->required);
			} else
				kd_setf(out + o, len - o, " %s %lld/%lld", c->product,
				    (long long)c->count, (long long)c->required);
		}
		if (h->nrtt > 0) {
			sparkline(u, h, spark, sizeof(spark));
			o = strlen(out);
			kd_setf(out + o, len - o, " %s %.1fms", spark, h->rtt[h->nrtt - 1]);
		}
		o = strlen(out);
		if (h->host_os[0] || h->key_group[0])
			kd_setf(out + o, len - o, " %s%s%s", h->host_os, h->key_group[0] ?
			    ", key " : "", h->key_group);
		else
			kd_setf(out + o, len - o, " %s", h->summary);
		break;
	}
	case TUI_P_DNS: {
		const struct tui_dnsrec *d = &m->dnsrecs[i];

		*known = d->verdict != KD_V_UNKNOWN;
		*v = d->verdict;
		if (d->none) {
			kd_setf(out, len, "%-4s _vlmcs._tcp.%s: %s", vword(*known, *v), d->domain,
			    d->detail);
			break;
		}
		kd_setf(out, len, "%-4s _vlmcs._tcp.%s -> %s port %u %s, TTL %u %s, prio %u "
		    "weight %u, %s", vword(*known, *v), d->domain, d->target, d->port,
		    kd_verdict_name(d->port_v), d->ttl, kd_verdict_name(d->ttl_v),
		    d->priority, d->weight, d->addrs[0] ? d->addrs : "no address");
		break;
	}
	case TUI_P_TRAFFIC: {
		const struct tui_event *e = tui_model_traffic_at(m, i);

		kd_setf(out, len, "%s", e ? e->line : "");
		*known = e != NULL;
		*v = e ? e->verdict : KD_V_UNKNOWN;
		break;
	}
	case TUI_P_CLIENTS:
		if (i < m->nproducts) {
			const struct tui_product *pr = &m->products[i];

			*known = true;
			*v = pr->distinct >= pr->required ? KD_V_OK : KD_V_FAIL;
			tui_bar(bar, 17, pr->distinct, pr->required);
			kd_setf(out, len, "%-4s %-40.40s [%s] %lld/%lld", kd_verdict_name(*v),
			    pr->name, bar, (long long)pr->distinct, (long long)pr->required);
		} else {
			const struct tui_client *c = &m->clients[i - m->nproducts];

			kd_setf(out, len, "     %-15.15s %-12.12s %s %-36s %s", c->workstation,
			    c->license, c->last_seen, c->product, c->client);
		}
		break;
	default:
		break;
	}
}

/* Rows of a panel that pass the filter; the checklist is never filtered. */
static size_t
visible_rows(struct ui *u, enum tui_panel p)
{
	size_t n = nrows_raw(u, p), k = 0;
	char buf[512];
	bool known;
	enum kd_verdict v;

	if (n > u->idx_cap) {
		size_t *ni = realloc(u->idx, n * sizeof(*ni));

		if (ni == NULL)
			return 0;
		u->idx = ni;
		u->idx_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		if (p != TUI_P_CHECKLIST && u->filter[0] != '\0') {
			row_text(u, p, i, buf, sizeof(buf), &known, &v);
			if (!matches(buf, u->filter))
				continue;
		}
		u->idx[k++] = i;
	}
	return k;
}

static void
frame(struct ui *u, const struct tui_rect *r, const char *title, bool focused)
{
	char t[96];

	attron(focused ? A_BOLD : A_NORMAL);
	mvaddch(r->y, r->x, ACS_ULCORNER);
	mvhline(r->y, r->x + 1, ACS_HLINE, r->w - 2);
	mvaddch(r->y, r->x + r->w - 1, ACS_URCORNER);
	mvvline(r->y + 1, r->x, ACS_VLINE, r->h - 2);
	mvvline(r->y + 1, r->x + r->w - 1, ACS_VLINE, r->h - 2);
	mvaddch(r->y + r->h - 1, r->x, ACS_LLCORNER);
	mvhline(r->y + r->h - 1, r->x + 1, ACS_HLINE, r->w - 2);
	mvaddch(r->y + r->h - 1, r->x + r->w - 1, ACS_LRCORNER);
	attroff(focused ? A_BOLD : A_NORMAL);
	kd_setf(t, sizeof(t), " %s%s ", title, focused ? " *" : "");
	put(r->y, r->x + 2, r->w - 4, t, focused ? (A_REVERSE | A_BOLD) :
	    (u->color ? COLOR_PAIR(ROLE_TITLE) : A_NORMAL));
}

static void
draw_panel(struct ui *u, enum tui_panel p)
{
	const struct tui_rect *r = &u->lay.panel[p];
	size_t n = visible_rows(u, p), inner = r->h > 2 ? (size_t)r->h - 2 : 0;
	char title[96], buf[512];
	bool focused = u->focus == p;

	if (p == TUI_P_TRAFFIC)
		kd_setf(title, sizeof(title), "%s (%llu events)", tui_panel_name(p),
		    (unsigned long long)u->app->model.traffic_total);
	else if (p == TUI_P_CLIENTS)
		kd_setf(title, sizeof(title), "%s (%zu distinct CMIDs)", tui_panel_name(p),
		    u->app->model.nclients);
	else
		kd_setf(title, sizeof(title), "%s", tui_panel_name(p));
	if (p != TUI_P_CHECKLIST && u->filter[0] != '\0')
		kd_setf(title + strlen(title), sizeof(title) - strlen(title), " /%s", u->filter);
	frame(u, r, title, focused);
	/* The traffic panel follows new lines unless the user moved up. */
	if (p == TUI_P_TRAFFIC && u->follow)
		u->sel[p] = n ? n - 1 : 0;
	if (u->sel[p] >= n)
		u->sel[p] = n ? n - 1 : 0;
	if (inner == 0)
		return;
	if (u->sel[p] < u->top[p])
		u->top[p] = u->sel[p];
	if (u->sel[p] >= u->top[p] + inner)
		u->top[p] = u->sel[p] - inner + 1;
	if (n == 0) {
		put(r->y + 1, r->x + 2, r->w - 4, p == TUI_P_CHECKLIST ? "" :
		    u->filter[0] ? "(nothing matches the filter)" : "(nothing yet)", A_DIM);
		return;
	}
	for (size_t k = 0; k < inner && u->top[p] + k < n; k++) {
		size_t i = u->idx[u->top[p] + k];
		bool known, sel = focused && u->top[p] + k == u->sel[p];
		enum kd_verdict v;
		int y = r->y + 1 + (int)k, x = r->x + 1, w = r->w - 2;
		attr_t base = sel ? A_REVERSE : A_NORMAL;

		row_text(u, p, i, buf, sizeof(buf), &known, &v);
		if (sel)
			mvhline(y, x, ' ' | A_REVERSE, w);
		if (p == TUI_P_CHECKLIST) {
			/* Number and title plain, the verdict word in its colour. */
			const char *word = tui_item_word(&u->app->model.items[i]);
			size_t hl = strlen(buf) - strlen(strstr(buf + 2 + 11, word));
			char head[40];

			kd_setf(head, sizeof(head), "%.*s", (int)hl, buf);
			x += put(y, x, w, head, base);
			x += put(y, x, r->x + r->w - 1 - x, word,
			    vattr(u, known, v) | (sel ? A_REVERSE : 0));
			put(y, x, r->x + r->w - 1 - x, buf + hl + strlen(word), base);
		} else if (p == TUI_P_CLIENTS && i >= u->app->model.nproducts)
			put(y, x, w, buf, base);
		else if (p == TUI_P_TRAFFIC) {
			/* The verdict colours the time stamp; the words say the rest. */
			char ts[16];

			kd_setf(ts, sizeof(ts), "%.8s", buf);
			x += put(y, x, w, ts, vattr(u, known, v) | (sel ? A_REVERSE : 0));
			put(y, x, r->x + r->w - 1 - x, buf + strlen(ts), base);
		}
		else {
			size_t vl = strlen(vword(known, v));

			x += put(y, x, w, vword(known, v), vattr(u, known, v) |
			    (sel ? A_REVERSE : 0));
			put(y, x, r->x + r->w - 1 - x, buf + vl, base);
		}
	}
}

static void
lines_clear(struct ui *u)
{
	for (size_t i = 0; i < u->nlines; i++)
		free(u->lines[i]);
	free(u->lines);
	u->lines = NULL;
	u->nlines = 0;
}

/* Add text as lines, wrapped at width columns (bytes; the text is sanitized). */
static void
lines_add(struct ui *u, const char *text, int width)
{
	char clean[2048];
	const char *s = kd_sanitize(text, clean, sizeof(clean));
	size_t w = width > 8 ? (size_t)width : 8;

	do {
		size_t n = strlen(s), next;
		char **nl;

		if (u->nlines >= MAX_DETAIL)
			return;
		next = n;
		if (n > w) {
			/* Break at the last blank that fits; a word longer than a line is cut. */
			size_t b = w;

			while (b > 0 && s[b] != ' ')
				b--;
			n = b > 0 ? b : w;
			next = b > 0 ? b + 1 : w;
		}
		if ((nl = realloc(u->lines, (u->nlines + 1) * sizeof(*nl))) == NULL)
			return;
		u->lines = nl;
		if ((u->lines[u->nlines] = strndup(s, n)) == NULL)
			return;
		u->nlines++;
		s += next;
	} while (*s != '\0');
}

static void
lines_addf(struct ui *u, int width, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void
lines_addf(struct ui *u, int width, const char *f, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	lines_add(u, buf, width);
}

/* "activation_interval" -> "activation interval": labels a person reads. */
static void
label(const char *prefix, const char *key, char *out, size_t len)
{
	kd_setf(out, len, "%s%s%s", prefix, prefix[0] ? " " : "", key);
	for (char *p = out; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
}

/*
 * A decode or a finding's facts as labelled lines ("count: 50"), nested
 * objects and arrays flattened under their parent's label: evidence an
 * administrator reads, not JSON.
 */
static void
lines_facts(struct ui *u, int width, const char *prefix, json_t *j, int depth)
{
	const char *key;
	json_t *v;
	size_t i;
	char lab[160], val[400];

	if (depth > 4)
		return;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			kd_setf(lab, sizeof(lab), "%s %zu", prefix, i + 1);
			lines_facts(u, width, lab, v, depth + 1);
		}
		return;
	}
	json_object_foreach(j, key, v) {
		label(prefix, key, lab, sizeof(lab));
		if (json_is_object(v) || json_is_array(v)) {
			if (json_is_array(v) && json_array_size(v) == 0)
				continue;
			lines_facts(u, width, lab, v, depth + 1);
			continue;
		}
		if (json_is_null(v))
			continue;
		if (json_is_string(v))
			kd_setf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			kd_setf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			kd_setf(val, sizeof(val), "%.3f", json_real_value(v));
		else
			kd_setf(val, sizeof(val), "%s", json_is_true(v) ? "yes" : "no");
		if (val[0] != '\0')
			lines_addf(u, width, "  %s: %s", lab, val);
	}
}

/* One finding: what was checked, what was seen, where it came from, the fix. */
static void
lines_finding(struct ui *u, int width, json_t *c)
{
	static const char *const shown[] = {
		"type", "tool", "check", "subject", "status", "detail", "fix", "checklist",
		"source", "host", "domain",
	};
	json_t *rest = json_deep_copy(c);
	const char *st = json_string_value(json_object_get(c, "status"));
	const char *s;

	lines_addf(u, width, "%s  %s", st ? (strcmp(st, "ok") == 0 ? "OK" : strcmp(st,
	    "warn") == 0 ? "WARN" : strcmp(st, "fail") == 0 ? "FAIL" : "UNKNOWN") : "?",
	    json_string_value(json_object_get(c, "detail")) ?
	    json_string_value(json_object_get(c, "detail")) : "");
	if ((s = json_string_value(json_object_get(c, "subject"))) != NULL && s[0])
		lines_addf(u, width, "  checked: %s (%s)", s,
		    json_string_value(json_object_get(c, "check")));
	if ((s = json_string_value(json_object_get(c, "source"))) != NULL && s[0])
		lines_addf(u, width, "  seen by: %s", s);
	if ((s = json_string_value(json_object_get(c, "fix"))) != NULL && s[0])
		lines_addf(u, width, "  fix: %s", s);
	for (size_t i = 0; rest != NULL && i < sizeof(shown) / sizeof(shown[0]); i++)
		json_object_del(rest, shown[i]);
	lines_facts(u, width, "", rest, 0);
	json_decref(rest);
}

/*
 * The error code a client gets from this exchange, as kmsdiag explain
 * shows it: the host's HRESULT, or the code a client reports for a count
 * below the threshold (0xC004F038) or an unanswered request (0xC004F074).
 */
static void
lines_explain(struct ui *u, int width, const struct capture_exchange *ex)
{
	struct kd_explanation x;
	char code[16];
	uint32_t c;
	size_t k;

	if (ex->hresult != 0)
		c = ex->hresult;
	else if (ex->verdict == CV_BELOW_THRESHOLD)
		c = 0xC004F038;
	else if (ex->verdict == CV_NO_RESPONSE)
		c = 0xC004F074;
	else
		return;
	kd_explain(c, &x);
	lines_addf(u, width, "%s", "");
	lines_addf(u, width, "Error %s%s%s (kmsdiag explain)",
	    kd_explain_code_str(c, code, sizeof(code)), x.err ? ": " : "",
	    x.err ? x.err->name : "");
	if (x.err != NULL)
		lines_addf(u, width, "  %s", x.err->meaning);
	for (k = 0; k < x.nitems; k++)
		lines_addf(u, width, "  checklist %u. %s: %s", x.items[k]->number,
		    x.items[k]->title, x.items[k]->question);
	for (k = 0; k < x.ncommands; k++)
		lines_addf(u, width, "  next: %s", x.commands[k]);
}

static void
build_details(struct ui *u, int width)
{
	const struct tui_model *m = &u->app->model;
	enum tui_panel p = u->focus;
	size_t n = visible_rows(u, p), i;
	char buf[512];
	bool known;
	enum kd_verdict v;

	lines_clear(u);
	if (n == 0) {
		lines_add(u, "Nothing selected.", width);
		return;
	}
	if (p == TUI_P_TRAFFIC && u->follow)
		u->sel[p] = n - 1;
	i = u->idx[u->sel[p] < n ? u->sel[p] : n - 1];
	switch (p) {
	case TUI_P_CHECKLIST: {
		const struct tui_itemstate *it = &m->items[i];
		json_t *ev = tui_model_evidence(m, (enum tui_item)i), *c;
		size_t k;

		lines_addf(u, width, "%zu. %s: %s", i + 1, tui_item_title((enum tui_item)i),
		    tui_item_word(it));
		lines_addf(u, width, "Question: %s", tui_item_question((enum tui_item)i));
		lines_addf(u, width, "Finding:  %s", it->reason);
		if (it->tool[0])
			lines_addf(u, width, "Source:   %s", it->tool);
		if (it->fix[0])
			lines_addf(u, width, "Fix:      %s", it->fix);
		if (tui_item_manual((enum tui_item)i))
			lines_addf(u, width, "Ticked:   %s (space toggles)",
			    m->ticked[i] ? "yes" : "no");
		lines_addf(u, width, "%s", "");
		lines_addf(u, width, "Evidence: %zu finding%s", json_array_size(ev),
		    json_array_size(ev) == 1 ? "" : "s");
		json_array_foreach(ev, k, c) {
			lines_addf(u, width, "%s", "");
			lines_finding(u, width, c);
		}
		json_decref(ev);
		break;
	}
	case TUI_P_HOSTS: {
		const struct tui_host *h = &m->hosts[i];
		const struct kd_site_host *sh = h->site >= 0 ? &m->site.hosts[h->site] : NULL;

		lines_addf(u, width, "KMS host %s%s%s%s", h->key, h->target[0] ? " (" : "",
		    h->target, h->target[0] ? ")" : "");
		lines_addf(u, width, "Verdict:      %s %s", vword(h->site >= 0 &&
		    h->verdict != KD_V_UNKNOWN, h->verdict), h->summary);
		lines_addf(u, width, "Reachability: %s", h->reach[0] ? h->reach : "-");
		lines_addf(u, width, "RPC:          %s", h->rpc[0] ? h->rpc : "-");
		buf[0] = '\0';
		for (size_t k = 0; k < h->nrtt; k++)
			kd_setf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%.2f ", h->rtt[k]);
		lines_addf(u, width, "Connect ms:   %s", buf[0] ? buf : "-");
		/* The same numbers as the bar: this host's own count per counted ID. */
		for (size_t k = 0; k < h->ncounts; k++) {
			if (h->counts[k].count >= 0)
				lines_addf(u, width, "Count:        %s: %lld of %lld required",
				    h->counts[k].product, (long long)h->counts[k].count,
				    (long long)h->counts[k].required);
			else
				lines_addf(u, width, "Count:        %s: none", h->counts[k].product);
		}
		for (size_t k = 0; sh != NULL && k < sh->napps; k++) {
			const struct kd_site_app *ap = &sh->apps[k];
			const struct kd_app *an = kd_app_find(&ap->app_id);
			char hw[20] = "";

			for (size_t b = 0; ap->has_hwid && b < sizeof(ap->hwid); b++)
				kd_appendf(hw, sizeof(hw), "%02X", ap->hwid[b]);
			lines_addf(u, width, "%s ePID: %s", an ? an->name : "Application",
			    ap->epid);
			lines_addf(u, width, "  host OS %s, key %s%s%s",
			    ap->os ? ap->os->os_name : "unknown", ap->hostkey ?
			    ap->hostkey->name : "in no known group", hw[0] ? ", HwId " : "", hw);
		}
		lines_addf(u, width, "Exchanges:    %lld", (long long)h->exchanges);
		break;
	}
	case TUI_P_DNS: {
		const struct tui_dnsrec *d = &m->dnsrecs[i];

		if (d->none) {
			lines_addf(u, width, "_vlmcs._tcp.%s: %s", d->domain,
			    kd_verdict_name(d->verdict));
			lines_addf(u, width, "%s", d->detail);
			break;
		}
		lines_addf(u, width, "_vlmcs._tcp.%s SRV %u %u %u %s", d->domain,
		    d->priority, d->weight, d->port, d->target);
		lines_addf(u, width, "TTL %u: %s (60 minutes expected)", d->ttl,
		    kd_verdict_name(d->ttl_v));
		lines_addf(u, width, "Port %u: %s", d->port, kd_verdict_name(d->port_v));
		lines_addf(u, width, "Addresses: %s", d->addrs[0] ? d->addrs : "none");
		break;
	}
	case TUI_P_TRAFFIC: {
		const struct tui_event *e = tui_model_traffic_at(m, i);

		if (e == NULL)
			break;
		lines_add(u, e->line, width);
		lines_addf(u, width, "Verdict: %s", kd_verdict_name(e->verdict));
		if (e->have_ex) {
			json_t *j = capture_exchange_json(e->ex);

			lines_explain(u, width, e->ex);
			lines_addf(u, width, "%s", "");
			lines_addf(u, width, "%s", "Decoded exchange:");
			lines_facts(u, width, "", j, 0);
			json_decref(j);
		}
		break;
	}
	case TUI_P_CLIENTS:
		if (i < m->nproducts) {
			row_text(u, p, i, buf, sizeof(buf), &known, &v);
			lines_add(u, buf, width);
			lines_addf(u, width, "Highest count returned by the host: %lld",
			    (long long)m->products[i].count);
		} else {
			const struct tui_client *c = &m->clients[i - m->nproducts];

			lines_addf(u, width, "CMID:        %s", c->cmid);
			lines_addf(u, width, "Workstation: %s", c->workstation);
			lines_addf(u, width, "Address:     %s", c->client);
			lines_addf(u, width, "Product:     %s", c->product);
			lines_addf(u, width, "License:     %s", c->license);
			lines_addf(u, width, "Requests:    %lld", (long long)c->requests);
			lines_addf(u, width, "Last seen:   %s", c->last_seen);
			lines_addf(u, width, "Host:        %s", c->host);
		}
		break;
	default:
		break;
	}
}

static const char *const help_text[] = {
	"kmsdiag-tui keys",
	"",
	"  q            quit",
	"  ? F1         this help (any key closes it)",
	"  Tab S-Tab    next / previous panel",
	"  Up Down      move the selection",
	"  PgUp PgDn    a page up / down",
	"  Home End     first / last row",
	"  Enter        details and evidence of the selected row (Esc: back)",
	"  Space        tick a checklist item only a person can check (7, domain)",
	"  /            filter the rows of the lists (Esc clears)",
	"  r            re-run DNS checks and probes now",
	"  p            pause (capture replay and periodic checks)",
	"",
	"Verdicts: OK, WARN, FAIL, UNKNOWN (could not tell); SKIP = not checked,",
	"MANUAL = only a person can check; ?? = nothing known yet.",
};

/* What each panel holds, for the layout: rows after the filter, widest row. */
static void
measure(struct ui *u, struct tui_content *c)
{
	char buf[512];
	bool known;
	enum kd_verdict v;

	memset(c, 0, sizeof(*c));
	for (int p = 0; p < TUI_NPANELS; p++) {
		c->rows[p] = visible_rows(u, (enum tui_panel)p);
		/* Only the checklist and the hosts can sit side by side: measure those. */
		if (p != TUI_P_CHECKLIST && p != TUI_P_HOSTS)
			continue;
		for (size_t k = 0; k < c->rows[p]; k++) {
			int w;

			row_text(u, (enum tui_panel)p, u->idx[k], buf, sizeof(buf), &known, &v);
			w = (int)strlen(buf) + 1;
			if (w > c->width[p])
				c->width[p] = w;
		}
	}
}

static void
draw(struct ui *u)
{
	struct tui_content content;
	char buf[512], st[128];
	int status = tui_model_status(&u->app->model);
	const char *overall = status == 3 ? "??" : kd_verdict_name((enum kd_verdict)status);

	erase();
	measure(u, &content);
	tui_layout(u->rows, u->cols, u->lower, &content, &u->lay);
	if (u->lay.too_small) {
		kd_setf(buf, sizeof(buf), "Terminal too small (%dx%d): need %dx%d. q quits.",
		    u->cols, u->rows, TUI_MIN_COLS, TUI_MIN_ROWS);
		put(0, 0, u->cols, buf, A_BOLD);
		refresh();
		return;
	}
	tui_app_status(u->app, st, sizeof(st));
	kd_setf(buf, sizeof(buf), " kmsdiag-tui %s | overall ", KD_VERSION);
	{
		int x = put(0, 0, u->cols, buf, A_BOLD);

		x += put(0, x, u->cols - x, overall, vattr(u, status != 3,
		    (enum kd_verdict)status));
		kd_setf(buf, sizeof(buf), " | %s", st);
		put(0, x, u->cols - x, buf, A_NORMAL);
	}
	if (u->mode == M_HELP) {
		for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]) &&
		    (int)i + 2 < u->rows - 1; i++)
			put(2 + (int)i, 2, u->cols - 4, help_text[i], i == 0 ? A_BOLD : A_NORMAL);
	} else if (u->mode == M_DETAILS) {
		struct tui_rect r = u->lay.body;
		size_t inner = (size_t)r.h - 2;

		build_details(u, r.w - 4);
		if (u->nlines > inner && u->dtop > u->nlines - inner)
			u->dtop = u->nlines - inner;
		if (u->nlines <= inner)
			u->dtop = 0;
		kd_setf(buf, sizeof(buf), "Details: %s (Esc back)", tui_panel_name(u->focus));
		frame(u, &r, buf, true);
		for (size_t k = 0; k < inner && u->dtop + k < u->nlines; k++)
			put(r.y + 1 + (int)k, r.x + 2, r.w - 4, u->lines[u->dtop + k],
			    k == 0 && u->dtop == 0 ? A_BOLD : A_NORMAL);
	} else {
		for (int p = 0; p < TUI_NPANELS; p++)
			if (u->lay.visible[p])
				draw_panel(u, (enum tui_panel)p);
	}
	if (u->editing)
		kd_setf(buf, sizeof(buf), "/%s_   (Enter keeps, Esc clears)", u->filter);
	else
		kd_setf(buf, sizeof(buf), "q:quit ?:help Tab:panel Enter:details Space:tick "
		    "/:filter r:re-run p:%s", u->app->paused ? "resume" : "pause");
	put(u->lay.footer.y, 0, u->cols, buf, A_REVERSE);
	refresh();
}

static void
get_size(struct ui *u)
{
	struct winsize ws;

	/* resizeterm() queues a KEY_RESIZE: call it only when the size moved. */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		u->rows = ws.ws_row;
		u->cols = ws.ws_col;
		if (u->rows != LINES || u->cols != COLS)
			resizeterm(u->rows, u->cols);
	} else
		getmaxyx(stdscr, u->rows, u->cols);
	clearok(stdscr, TRUE);
}

static void
move_sel(struct ui *u, long delta, bool absolute)
{
	enum tui_panel p = u->focus;
	size_t n;

	if (u->mode == M_DETAILS) {
		long t = absolute ? delta : (long)u->dtop + delta;

		u->dtop = t < 0 ? 0 : (size_t)t;
		return;
	}
	n = visible_rows(u, p);
	if (n == 0)
		return;
	if (p == TUI_P_TRAFFIC && u->follow)
		u->sel[p] = n - 1;
	if (absolute)
		u->sel[p] = delta < 0 ? n - 1 : (size_t)delta;
	else if (delta < 0 && (size_t)-delta > u->sel[p])
		u->sel[p] = 0;
	else if (delta > 0 && u->sel[p] + (size_t)delta >= n)
		u->sel[p] = n - 1;
	else
		u->sel[p] = (size_t)((long)u->sel[p] + delta);
	/* Back on the last line (End, or scrolling down to it): follow again. */
	if (p == TUI_P_TRAFFIC)
		u->follow = u->sel[p] == n - 1;
}

static void
set_focus(struct ui *u, int dir)
{
	int f = ((int)u->focus + dir + TUI_NPANELS) % TUI_NPANELS;

	u->focus = (enum tui_panel)f;
	if (u->focus != TUI_P_CHECKLIST)
		u->lower = u->focus;
}

static int
page(const struct ui *u)
{
	int h = u->mode == M_DETAILS ? u->lay.body.h : u->lay.panel[u->focus].h;

	return h > 3 ? h - 3 : 1;
}

static void
key(struct ui *u, wint_t k, bool fkey)
{
	if (u->editing) {
		size_t n = strlen(u->filter);

		if (!fkey && (k == L'\n' || k == L'\r'))
			u->editing = false;
		else if (!fkey && k == 27) {
			u->editing = false;
			u->filter[0] = '\0';
		} else if ((fkey && k == KEY_BACKSPACE) || (!fkey && (k == 127 || k == 8))) {
			if (n > 0)
				u->filter[n - 1] = '\0';
		} else if (!fkey && k >= 0x20 && k < 0x7f && n < FILTER_MAX) {
			u->filter[n] = (char)k;
			u->filter[n + 1] = '\0';
		}
		return;
	}
	if (u->mode == M_HELP && !(fkey && k == KEY_RESIZE)) {
		if (!fkey && (k == 'q' || k == 'Q'))
			u->quit = true;
		u->mode = M_MAIN;
		return;
	}
	if (fkey) {
		switch (k) {
		case KEY_UP:	move_sel(u, -1, false); break;
		case KEY_DOWN:	move_sel(u, 1, false); break;
		case KEY_PPAGE:	move_sel(u, -page(u), false); break;
		case KEY_NPAGE:	move_sel(u, page(u), false); break;
		case KEY_HOME:	move_sel(u, 0, true); break;
		case KEY_END:	move_sel(u, u->mode == M_DETAILS ? (long)MAX_DETAIL : -1, true);
				break;
		case KEY_BTAB:	if (u->mode == M_MAIN) set_focus(u, -1); break;
		case KEY_ENTER:	u->mode = u->mode == M_DETAILS ? M_MAIN : M_DETAILS;
				u->dtop = 0; break;
		case KEY_LEFT:
		case KEY_BACKSPACE:
				u->mode = M_MAIN; break;
		case KEY_F(1):	u->mode = M_HELP; break;
		case KEY_RESIZE: getmaxyx(stdscr, u->rows, u->cols); break;
		default:	break;
		}
		return;
	}
	switch (k) {
	case 'q': case 'Q':
		u->quit = true;
		break;
	case '?':
		u->mode = M_HELP;
		break;
	case '\t':
		if (u->mode == M_MAIN)
			set_focus(u, 1);
		break;
	case '\n': case '\r':
		u->mode = u->mode == M_DETAILS ? M_MAIN : M_DETAILS;
		u->dtop = 0;
		break;
	case 27:
		if (u->mode != M_MAIN)
			u->mode = M_MAIN;
		else
			u->filter[0] = '\0';
		break;
	case ' ':
		if (u->mode == M_MAIN && u->focus == TUI_P_CHECKLIST &&
		    tui_item_manual((enum tui_item)u->sel[TUI_P_CHECKLIST])) {
			enum tui_item it = (enum tui_item)u->sel[TUI_P_CHECKLIST];

			tui_model_tick(&u->app->model, it, !u->app->model.ticked[it]);
		}
		break;
	case '/':
		u->editing = true;
		break;
	case 'r':
		tui_app_rerun(u->app);
		break;
	case 'p':
		tui_app_pause(u->app, !u->app->paused);
		break;
	case 'k':
		move_sel(u, -1, false);
		break;
	case 'j':
		move_sel(u, 1, false);
		break;
	default:
		break;
	}
}

static void
on_tty(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct ui *u = arg;
	wint_t k;
	int r;

	(void)fd;
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* The terminal went away: nobody is left to look. */
		u->quit = true;
		kd_loop_stop(loop);
		return;
	}
	while ((r = get_wch(&k)) != ERR)
		key(u, k, r == KEY_CODE_YES);
	if (u->quit) {
		kd_loop_stop(loop);
		return;
	}
	draw(u);
}

static void
on_sig(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct ui *u = arg;
	unsigned char c;
	bool resized = false;

	(void)revents;
	while (read(fd, &c, 1) == 1) {
		if (c == SIGWINCH)
			resized = true;
		else {
			u->quit = true;
			kd_loop_stop(loop);
		}
	}
	if (resized && !u->quit) {
		get_size(u);
		draw(u);
	}
}

static int64_t
redraw_cb(struct kd_loop *loop, long id, void *arg)
{
	struct ui *u = arg;

	(void)loop;
	(void)id;
	u->redraw_timer = 0;
	draw(u);
	return KD_NOMORE;
}

static void
on_changed(struct tui_app *a)
{
	struct ui *u = a->ui;

	if (u != NULL && u->redraw_timer == 0) {
		u->redraw_timer = kd_loop_add_timer(u->loop, REDRAW_MS, redraw_cb, u);
		if (u->redraw_timer < 0)
			u->redraw_timer = 0;
	}
}

int
tui_screen_run(struct tui_app *a)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGWINCH, SIGHUP };
	struct ui u;
	struct sigaction sa;
	SCREEN *scr = NULL;
	const char *cs;
	int rc = 0;

	memset(&u, 0, sizeof(u));
	u.app = a;
	u.loop = a->loop;
	u.lower = TUI_P_HOSTS;
	u.follow = true;
	u.sigpipe[0] = u.sigpipe[1] = -1;
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	u.utf8 = cs != NULL && strcasecmp(cs, "UTF-8") == 0;
	if (pipe(u.sigpipe) != 0)
		return KD_EXIT_UNKNOWN;
	for (int i = 0; i < 2; i++) {
		fcntl(u.sigpipe[i], F_SETFL, O_NONBLOCK);
		fcntl(u.sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	atexit(restore_terminal);
	/* newterm(), unlike initscr(), returns an unknown TERM instead of exiting. */
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "%s: cannot drive terminal type \"%s\"; use --report\n",
		    TUI_TOOL, getenv("TERM") ? getenv("TERM") : "");
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	set_term(scr);
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	u.color = a->o.color && has_colors() && !kd_no_color_env();
	if (u.color) {
		start_color();
		use_default_colors();
		init_pair(ROLE_OK, COLOR_GREEN, -1);
		init_pair(ROLE_WARN, COLOR_YELLOW, -1);
		init_pair(ROLE_FAIL, COLOR_RED, -1);
		init_pair(ROLE_UNKNOWN, COLOR_BLUE, -1);
		init_pair(ROLE_TITLE, COLOR_CYAN, -1);
	}
	/* After initscr(): ours replaces ncurses' SIGWINCH handler. */
	sig_wfd = u.sigpipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (kd_loop_add_fd(u.loop, STDIN_FILENO, POLLIN, on_tty, &u) != 0 ||
	    kd_loop_add_fd(u.loop, u.sigpipe[0], POLLIN, on_sig, &u) != 0) {
		rc = KD_EXIT_UNKNOWN;
		goto out;
	}
	a->ui = &u;
	a->changed = on_changed;
	get_size(&u);
	draw(&u);
	while (!u.quit && !a->quit) {
		if (kd_loop_run(u.loop) != 0)
			break;
		if (kd_loop_stopped(u.loop))
			break;
	}
	/* --iterations: the checklist's verdict; a person quitting: 0. */
	rc = a->quit ? tui_model_status(&a->model) : 0;
out:
	a->changed = NULL;
	a->ui = NULL;
	if (u.redraw_timer > 0)
		kd_loop_del_timer(u.loop, u.redraw_timer);
	kd_loop_del_fd(u.loop, STDIN_FILENO);
	kd_loop_del_fd(u.loop, u.sigpipe[0]);
	restore_terminal();
	if (scr != NULL)
		delscreen(scr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sig_wfd = -1;
	for (int i = 0; i < 2; i++)
		if (u.sigpipe[i] >= 0)
			close(u.sigpipe[i]);
	lines_clear(&u);
	free(u.idx);
	return rc;
}
