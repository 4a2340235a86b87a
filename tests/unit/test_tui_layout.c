/*
 * The dashboard's layout is a pure function of the terminal size and the
 * panels' content: every size the tests care about is checked here without
 * a terminal.  Panels must lie inside the screen, not overlap, keep the
 * checklist whole, give findings the width they need and shrink when empty.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

	tui_layout(rows, cols, lower, NULL, &l);
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
	tui_layout(24, 80, TUI_P_TRAFFIC, NULL, &l);
	KDT_CHECK(!l.all_visible);
	/* Border + the nine items + border: the checklist is never cut at 80x24. */
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].h == TUI_NITEMS + 2);
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].w == 80);
	/* The focused lower panel takes the rest of the body. */
	KDT_CHECK(l.visible[TUI_P_TRAFFIC] && !l.visible[TUI_P_HOSTS]);
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].y == 1 + TUI_NITEMS + 2);
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].h == 24 - 2 - (TUI_NITEMS + 2));
	/* Focus on the checklist: the hosts panel shows below it. */
	tui_layout(24, 80, TUI_P_CHECKLIST, NULL, &l);
	KDT_CHECK(l.visible[TUI_P_HOSTS]);
	KDT_CHECK(!l.visible[TUI_P_DNS] && !l.visible[TUI_P_CLIENTS]);
}

static void
test_200x60(void)
{
	struct tui_layout l;
	int area = 0;

	sane(60, 200, TUI_P_HOSTS);
	tui_layout(60, 200, TUI_P_HOSTS, NULL, &l);
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

	tui_layout(TUI_MIN_ROWS - 1, 80, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(l.too_small);
	tui_layout(24, TUI_MIN_COLS - 1, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(l.too_small);
	tui_layout(0, 0, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(l.too_small);
	tui_layout(-5, 80, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(l.too_small);
	/* The smallest size: the checklist alone, inside the screen. */
	tui_layout(TUI_MIN_ROWS, TUI_MIN_COLS, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(!l.too_small && l.visible[TUI_P_CHECKLIST]);
	KDT_CHECK(inside(&l.panel[TUI_P_CHECKLIST], TUI_MIN_ROWS - 1, TUI_MIN_COLS));
	KDT_CHECK(!l.visible[TUI_P_HOSTS]);
	/* One row short of the grid in either direction: compact. */
	tui_layout(39, 200, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(!l.all_visible);
	tui_layout(60, 159, TUI_P_HOSTS, NULL, &l);
	KDT_CHECK(!l.all_visible);
	/* An out-of-range lower panel falls back to the hosts. */
	tui_layout(24, 80, TUI_NPANELS, NULL, &l);
	KDT_CHECK(l.visible[TUI_P_HOSTS]);
	/* Every size from tiny to large is sane. */
	for (int r = TUI_MIN_ROWS; r <= 70; r += 3)
		for (int c = TUI_MIN_COLS; c <= 240; c += 17)
			sane(r, c, TUI_P_CLIENTS);
	KDT_STREQ(tui_panel_name(TUI_P_TRAFFIC), "Traffic");
}

static struct tui_content
content(int check_w, size_t hosts, int hosts_w, size_t dns, size_t clients, size_t traffic)
{
	struct tui_content c;

	memset(&c, 0, sizeof(c));
	c.rows[TUI_P_CHECKLIST] = TUI_NITEMS;
	c.width[TUI_P_CHECKLIST] = check_w;
	c.rows[TUI_P_HOSTS] = hosts;
	c.width[TUI_P_HOSTS] = hosts_w;
	c.rows[TUI_P_DNS] = dns;
	c.width[TUI_P_DNS] = 80;
	c.rows[TUI_P_CLIENTS] = clients;
	c.width[TUI_P_CLIENTS] = 90;
	c.rows[TUI_P_TRAFFIC] = traffic;
	c.width[TUI_P_TRAFFIC] = 100;
	return c;
}

/* Tiles the body exactly with every panel inside: no gap, no overlap. */
static void
tiles(const struct tui_layout *l, int rows, int cols)
{
	int area = 0;

	for (int p = 0; p < TUI_NPANELS; p++) {
		KDT_CHECK(l->visible[p]);
		KDT_CHECK(inside(&l->panel[p], rows - 1, cols));
		area += l->panel[p].h * l->panel[p].w;
		for (int q = p + 1; q < TUI_NPANELS; q++)
			KDT_CHECK(!overlap(&l->panel[p], &l->panel[q]));
	}
	KDT_CHECK(area == (rows - 2) * cols);
}

static void
test_by_content(void)
{
	struct tui_layout l;
	struct tui_content c;

	/* 160x45, a 150-column finding: the checklist takes the whole width. */
	c = content(150, 2, 100, 0, 0, 40);
	tui_layout(45, 160, TUI_P_HOSTS, &c, &l);
	tiles(&l, 45, 160);
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].w == 160);
	/* Two hosts: two rows and the borders, not a third of the screen. */
	KDT_CHECK(l.panel[TUI_P_HOSTS].h == 4);
	/* No DNS record and no client yet: those panels shrink to one line. */
	KDT_CHECK(l.panel[TUI_P_DNS].h == 3);
	KDT_CHECK(l.panel[TUI_P_CLIENTS].h == 3);
	/* The traffic scrolls: it takes what is left. */
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].h == 45 - 2 - (TUI_NITEMS + 2) - 4 - 3 - 3);

	/* 220x50, findings of 100 columns, one host of 90: side by side. */
	c = content(100, 1, 90, 3, 10, 500);
	tui_layout(50, 220, TUI_P_HOSTS, &c, &l);
	tiles(&l, 50, 220);
	KDT_CHECK(l.panel[TUI_P_HOSTS].y == l.panel[TUI_P_CHECKLIST].y);
	KDT_CHECK(l.panel[TUI_P_CHECKLIST].w >= 102 && l.panel[TUI_P_HOSTS].w >= 92);
	KDT_CHECK(l.panel[TUI_P_DNS].h == 5 && l.panel[TUI_P_CLIENTS].h == 12);
	KDT_CHECK(l.panel[TUI_P_TRAFFIC].h == 50 - 2 - (TUI_NITEMS + 2) - 5 - 12);

	/* More rows than room: everyone gets a share, none less than one row. */
	c = content(120, 300, 120, 200, 5000, 900);
	tui_layout(45, 160, TUI_P_HOSTS, &c, &l);
	tiles(&l, 45, 160);
	for (int p = TUI_P_HOSTS; p < TUI_NPANELS; p++)
		KDT_CHECK(l.panel[p].h >= 7);

	/* Every size, content empty or full, tiles the body. */
	for (int r = 40; r <= 70; r += 5)
		for (int k = 160; k <= 260; k += 25) {
			c = content(k - 30, (size_t)r, 60, 0, (size_t)r / 2, 0);
			tui_layout(r, k, TUI_P_CLIENTS, &c, &l);
			tiles(&l, r, k);
		}
}

int
main(void)
{
	test_80x24();
	test_200x60();
	test_edges();
	test_by_content();
	return KDT_DONE("test_tui_layout");
}
