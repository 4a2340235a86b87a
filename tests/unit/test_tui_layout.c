/*
 * The dashboard's layout is a pure function of the terminal size: every
 * size the tests care about is checked here without a terminal.  Panels
 * must lie inside the screen, not overlap, and keep the checklist whole.
 */
#include <stdbool.h>
#include <stdio.h>

#include "../../tui/tui.h"
#include "kdtest.h"

static bool
inside(const struct tui_rect *r, int rows, int cols)
{
	return r->y >= 0 && r->x >= 0 && r->h > 0 && r->w > 0 &&
	    r->y + r->h <= rows && r->x + r->w <= cols;
}

static bool
overlap(const struct tui_rect *a, const struct tui_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w &&
	    a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Every visible panel inside the body, none overlapping another. */
static void
sane(int rows, int cols, enum tui_panel lower)
{
	struct tui_layout l;
	bool ok = true;

	tui_layout(rows, cols, lower, &l);
	KDT_CHECK(!l.too_small);
	KDT_CHECK(l.header.y == 0 && l.header.h == 1 && l.header.w == cols);
	KDT_CHECK(l.footer.y == rows - 1 && l.footer.w == cols);
	for (int p = 0; p < TUI_NPANELS; p++) {
		if (!l.visible[p])
			continue;
		if (!inside(&l.panel[p], rows - 1, cols) || l.panel[p].y < 1)
			ok = false;
		for (int q = p + 1; q < TUI_NPANELS; q++)
			if (l.visible[q] && overlap(&l.panel[p], &l.panel[q]))
				ok = false;
	}
	if (!ok)
		fprintf(stderr, "layout %dx%d lower %d is not sane\n", cols, rows, lower);
	KDT_CHECK(ok);
	KDT_CHECK(l.visible[TUI_P_CHECKLIST]);
}

static void
test_80x24(void)
{
	struct tui_layout l;

	for (int p = 0; p < TUI_NPANELS; p++)
		sane(24, 80, (enum tui_panel)p);
	tui_layout(24, 80, TUI_P_TRAFFIC, &l);
	KDT_CHECK(!l.all_visible);
	/* Border + the nine items + border: the checklist is never cut at 80x24. */
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].h == TUI_NITEMS + 2);
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].w == 80);
	/* The focused lower panel takes the rest of the body. */
	KDT_CHECK(l.visible[TUI_P_TRAFFIC] && !l.visible[TUI_P_HOSTS]);
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].y == 1 + TUI_NITEMS + 2);
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].h == 24 - 2 - (TUI_NITEMS + 2));
	/* Focus on the checklist: the hosts panel shows below it. */
	tui_layout(24, 80, TUI_P_CHECKLIST, &l);
	KDT_CHECK(l.visible[TUI_P_HOSTS]);
	KDT_CHECK(!l.visible[TUI_P_DNS] && !l.visible[TUI_P_CLIENTS]);
}

static void
test_200x60(void)
{
	struct tui_layout l;
	int area = 0;

	sane(60, 200, TUI_P_HOSTS);
	tui_layout(60, 200, TUI_P_HOSTS, &l);
	KDT_CHECK(l.all_visible);
	for (int p = 0; p < TUI_NPANELS; p++) {
		KDT_CHECK(l.visible[p]);
		area += l.panel[p].h * l.panel[p].w;
	}
	/* The panels tile the body exactly: nothing wasted, nothing doubled. */
	KDT_CHECK(area == (60 - 2) * 200);
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].h == TUI_NITEMS + 2);
	/* Every panel has room for at least three rows of content. */
	for (int p = 0; p < TUI_NPANELS; p++)
		KDT_CHECK(l.panel[p].h >= 5);
	sane(50, 200, TUI_P_DNS);
	sane(40, 160, TUI_P_DNS);
}

static void
test_edges(void)
{
	struct tui_layout l;

	tui_layout(TUI_MIN_ROWS - 1, 80, TUI_P_HOSTS, &l);
	KDT_CHECK(l.too_small);
	tui_layout(24, TUI_MIN_COLS - 1, TUI_P_HOSTS, &l);
	KDT_CHECK(l.too_small);
	tui_layout(0, 0, TUI_P_HOSTS, &l);
	KDT_CHECK(l.too_small);
	tui_layout(-5, 80, TUI_P_HOSTS, &l);
	KDT_CHECK(l.too_small);
	/* The smallest size: the checklist alone, inside the screen. */
	tui_layout(TUI_MIN_ROWS, TUI_MIN_COLS, TUI_P_HOSTS, &l);
	KDT_CHECK(!l.too_small && l.visible[TUI_P_CHECKLIST]);
	KDT_CHECK(inside(&l.panel[TUI_P_CHECKLIST], TUI_MIN_ROWS - 1, TUI_MIN_COLS));
	KDT_CHECK(!l.visible[TUI_P_HOSTS]);
	/* One row short of the grid in either direction: compact. */
	tui_layout(39, 200, TUI_P_HOSTS, &l);
	KDT_CHECK(!l.all_visible);
	tui_layout(60, 159, TUI_P_HOSTS, &l);
	KDT_CHECK(!l.all_visible);
	/* An out-of-range lower panel falls back to the hosts. */
	tui_layout(24, 80, TUI_NPANELS, &l);
	KDT_CHECK(l.visible[TUI_P_HOSTS]);
	/* Every size from tiny to large is sane. */
	for (int r = TUI_MIN_ROWS; r <= 70; r += 3)
		for (int c = TUI_MIN_COLS; c <= 240; c += 17)
			sane(r, c, TUI_P_CLIENTS);
	KDT_STREQ(tui_panel_name(TUI_P_TRAFFIC), "Traffic");
}

int
main(void)
{
	test_80x24();
	test_200x60();
	test_edges();
	return KDT_DONE("test_tui_layout");
}
