/*
 * Terminal size and content -> panel rectangles.  A pure function so that
 * every size can be tested without a terminal; ncurses only paints what it
 * says.
 *
 * Panels are laid out by what they hold, not in fixed halves: the
 * checklist's findings get the width they need (the whole screen if need
 * be), a panel with few rows gets few rows, and the traffic panel, which
 * scrolls, takes what is left.
 */
#include <string.h>

#include "tui.h"

/* Border, one line per item, border. */
#define CHECKLIST_H	(TUI_NITEMS + 2)
/* Below this the panels do not fit together with useful sizes. */
#define GRID_MIN_COLS	160
#define GRID_MIN_ROWS	40
/* Border and one line ("(nothing yet)"): the least a panel shrinks to. */
#define PANEL_MIN_H	3

static const char *const names[TUI_NPANELS] = {
	"Checklist", "KMS hosts", "DNS", "Traffic", "Clients"
};

const char *
tui_panel_name(enum tui_panel p)
{
	return p < TUI_NPANELS ? names[p] : "?";
}

static struct tui_rect
rect(int y, int x, int h, int w)
{
	struct tui_rect r = { y, x, h, w };

	return r;
}

/* Rows a panel would use to show everything, borders included. */
static int
want_h(const struct tui_content *c, enum tui_panel p, int avail)
{
	size_t n;

	if (c == NULL)
		return avail;	/* unknown content: as full as it gets */
	n = c->rows[p];
	return n + 2 > (size_t)avail ? avail : (int)n + 2 < PANEL_MIN_H ? PANEL_MIN_H :
	    (int)n + 2;
}

/*
 * Stack panels in[0..n) top to bottom in a column of height h: each gets at
 * least PANEL_MIN_H, then rows go one at a time to the smallest panel that
 * still has rows to show, and the last panel (the one that scrolls) takes
 * what nobody needs.
 */
static void
stack(struct tui_layout *l, const struct tui_content *c, const enum tui_panel *in,
    size_t n, int y, int x, int h, int w)
{
	int hh[TUI_NPANELS], want[TUI_NPANELS], left = h;
	size_t i;

	for (i = 0; i < n; i++) {
		hh[i] = PANEL_MIN_H;
		want[i] = want_h(c, in[i], h);
		left -= PANEL_MIN_H;
	}
	while (left > 0) {
		long best = -1;

		for (i = 0; i < n; i++)
			if (hh[i] < want[i] && (best < 0 || hh[i] < hh[best]))
				best = (long)i;
		if (best < 0)
			break;
		hh[best]++;
		left--;
	}
	hh[n - 1] += left > 0 ? left : 0;
	for (i = 0; i < n; i++) {
		l->panel[in[i]] = rect(y, x, hh[i], w);
		l->visible[in[i]] = true;
		y += hh[i];
	}
}

void
tui_layout(int rows, int cols, enum tui_panel lower, const struct tui_content *c,
    struct tui_layout *l)
{
	struct tui_rect b;

	memset(l, 0, sizeof(*l));
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		l->too_small = true;
		return;
	}
	l->header = rect(0, 0, 1, cols);
	l->footer = rect(rows - 1, 0, 1, cols);
	b = l->body = rect(1, 0, rows - 2, cols);

	if (cols >= GRID_MIN_COLS && rows >= GRID_MIN_ROWS) {
		static const enum tui_panel with_hosts[] = {
			TUI_P_HOSTS, TUI_P_DNS, TUI_P_CLIENTS, TUI_P_TRAFFIC
		}, without_hosts[] = { TUI_P_DNS, TUI_P_CLIENTS, TUI_P_TRAFFIC };
		/* The checklist as wide as its longest finding, the hosts beside it if they fit. */
		int cw = c ? c->width[TUI_P_CHECKLIST] + 2 : cols / 2;
		int hw = c ? c->width[TUI_P_HOSTS] + 2 : cols / 2;
		bool side = cw + hw <= cols && (c == NULL ||
		    c->rows[TUI_P_HOSTS] + 2 <= (size_t)CHECKLIST_H);

		l->all_visible = true;
		if (side) {
			/* Room to spare goes to the findings: they wrap least. */
			cw = cols - hw;
			l->panel[TUI_P_CHECKLIST] = rect(b.y, 0, CHECKLIST_H, cw);
			l->panel[TUI_P_HOSTS] = rect(b.y, cw, CHECKLIST_H, cols - cw);
			l->visible[TUI_P_HOSTS] = true;
			stack(l, c, without_hosts, 3, b.y + CHECKLIST_H, 0,
			    b.h - CHECKLIST_H, cols);
		} else {
			l->panel[TUI_P_CHECKLIST] = rect(b.y, 0, CHECKLIST_H, cols);
			stack(l, c, with_hosts, 4, b.y + CHECKLIST_H, 0, b.h - CHECKLIST_H,
			    cols);
		}
		l->visible[TUI_P_CHECKLIST] = true;
		return;
	}
	if (lower == TUI_P_CHECKLIST || lower >= TUI_NPANELS)
		lower = TUI_P_HOSTS;
	if (b.h < CHECKLIST_H + 3) {
		/* Not even room for a second panel with one row: the checklist. */
		l->panel[TUI_P_CHECKLIST] = b;
		l->visible[TUI_P_CHECKLIST] = true;
		return;
	}
	l->panel[TUI_P_CHECKLIST] = rect(b.y, 0, CHECKLIST_H, cols);
	l->visible[TUI_P_CHECKLIST] = true;
	l->panel[lower] = rect(b.y + CHECKLIST_H, 0, b.h - CHECKLIST_H, cols);
	l->visible[lower] = true;
}
