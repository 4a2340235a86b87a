/*
 * Terminal size -> panel rectangles.  A pure function so that every size
 * can be tested without a terminal; ncurses only paints what it says.
 */
#include <string.h>

#include "tui.h"

/* Border, one line per item, border. */
#define CHECKLIST_H	(TUI_NITEMS + 2)
/* Below this the five panels do not fit side by side with useful widths. */
#define GRID_MIN_COLS	160
#define GRID_MIN_ROWS	40

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

void
tui_layout(int rows, int cols, enum tui_panel lower, struct tui_layout *l)
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
		/*
		 * Left: checklist, DNS, clients.  Right: hosts, then traffic,
		 * which gets whatever height is left because it scrolls.
		 */
		int lw = cols / 2, rw = cols - lw;
		int rest = b.h - CHECKLIST_H;
		int dns_h = rest / 3;
		int hosts_h = b.h / 3;

		l->all_visible = true;
		l->panel[TUI_P_CHECKLIST] = rect(b.y, 0, CHECKLIST_H, lw);
		l->panel[TUI_P_DNS] = rect(b.y + CHECKLIST_H, 0, dns_h, lw);
		l->panel[TUI_P_CLIENTS] = rect(b.y + CHECKLIST_H + dns_h, 0,
		    rest - dns_h, lw);
		l->panel[TUI_P_HOSTS] = rect(b.y, lw, hosts_h, rw);
		l->panel[TUI_P_TRAFFIC] = rect(b.y + hosts_h, lw, b.h - hosts_h, rw);
		for (int p = 0; p < TUI_NPANELS; p++)
			l->visible[p] = true;
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
