"""Browser tests: every page at 1440 px and 390 px in Chinese and English, saved as
test-output/screenshots/screens-<page>-<width>-<lang>.png, and at 1440 px no table header and no
status cell is clipped.

How clipping is measured. Streamlit's table is a canvas grid (glide-data-grid): its text is
painted, not laid out in the DOM, so element widths say nothing. Two things the page does expose:
the grid's accessibility table (``th[role=columnheader]`` and ``td`` carry each header's and
visible cell's text, in column order) and the canvas itself, whose pixels can be read back. So:

1. the column edges are the grid's 1 px vertical border lines, found by reading one pixel row
   near the top of the header off the canvas (``getImageData``) -- a pixel of the border colour
   between two runs of the header's background marks the right edge of a column;
2. each header's and each status cell's text width is measured with the canvas's own
   ``measureText`` in the grid's font (14 px, the family the grid element computes to), plus the
   grid's 8 px padding on each side;
3. a column whose left and right edges are both on screen must be at least that wide.

A table wider than the page scrolls sideways; its columns past the right edge are not judged
(they are scrolled to, not clipped).
"""

from __future__ import annotations

import pytest

from tests.browser_util import wait_for_streamlit

pytestmark = pytest.mark.browser

PAGES = ["overview", "progress", "indicator", "units", "goals", "report", "upload", "history", "data"]
WIDTHS = {1440: 1000, 390: 844}
STATUS_ICONS = "✔▲●▼✖？→↗⇡↘"

MEASURE = """(icons) => {
  const out = [];
  for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const canvas = grid.querySelector('canvas');
    if (!canvas || !canvas.width || !grid.getBoundingClientRect().width) continue;
    const box = canvas.getBoundingClientRect();
    const dpr = canvas.width / box.width;
    const ctx = canvas.getContext('2d');
    const row = ctx.getImageData(0, Math.round(4 * dpr), canvas.width, 1).data;
    const bg = [row[0], row[1], row[2]].join();
    const edges = [];  // x (css px) of each vertical border line
    for (let x = 1; x < canvas.width; x++) {
      const k = [row[4 * x], row[4 * x + 1], row[4 * x + 2]].join();
      if (k !== bg && [row[4 * x - 4], row[4 * x - 3], row[4 * x - 2]].join() === bg) edges.push(x / dpr);
    }
    // the scroller's content is as wide as all the columns: when it fits, that is the last edge
    const inner = grid.querySelector('.dvn-scroller > div');
    const total = inner ? inner.getBoundingClientRect().width : Infinity;
    if (total < box.width - 1 && (!edges.length || total - edges[edges.length - 1] > 2)) edges.push(total);
    const family = getComputedStyle(grid).fontFamily;
    const m = document.createElement('canvas').getContext('2d');
    const width = (text, weight) => { m.font = `${weight} 14px ${family}`; return m.measureText(text).width; };
    const heads = [...grid.querySelectorAll('th[role=columnheader]')].map(h => h.textContent);
    const cells = heads.map(() => []);
    for (const tr of grid.querySelectorAll('tbody tr')) {
      [...tr.querySelectorAll('td')].forEach((td, i) => { if (i < cells.length) cells[i].push(td.textContent); });
    }
    // the first edge closes the row-selection or index column; then one edge per column
    const lefts = [0, ...edges];
    const columns = [];
    // a row-selection column (about 32 px, no header) leads a table one can pick rows of
    const offset = lefts.length > 1 && lefts[1] <= 40 ? 1 : 0;
    heads.forEach((text, i) => {
      const j = i + offset;
      if (j + 1 >= lefts.length) return;  // scrolled past the right edge
      const have = lefts[j + 1] - lefts[j];
      const status = cells[i].filter(c => icons.includes([...c.trim()][0] || ''));
      const need = Math.max(width(text, 600), ...status.map(c => width(c, 400))) + 16;
      columns.push({text, have, need, widest: status.length ? status.reduce((a, b) => width(b, 400) > width(a, 400) ? b : a) : ''});
    });
    out.push({heads: heads.length, edges: edges.length, columns});
  }
  return out;
}"""


def _sidebar(page, open_: bool) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button')
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button, [data-testid="stSidebarCollapseButton"]')
    nav_visible = page.locator('[data-testid="stSidebarNav"]').first.is_visible()
    if open_ and not nav_visible and expand.count():
        expand.first.click()
        page.locator('[data-testid="stSidebarNav"]').first.wait_for(state="visible")
    elif not open_ and nav_visible and collapse.count():
        collapse.first.click()
        page.wait_for_timeout(400)


GRIDS_READY = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(g => g.getBoundingClientRect().width > 0)  // a table in a closed tab is not drawn
    .every(g => {
    const c = g.querySelector('canvas'); return c && c.getBoundingClientRect().width > 100
        && g.querySelectorAll('th[role=columnheader]').length > 0; })"""


def _screenshot(page, path, width: int) -> None:
    """The whole page: Streamlit scrolls inside its main block, so ``full_page`` alone shows one
    screen; the viewport is made as tall as the content for the shot, then put back."""
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stMainBlockContainer"], section')]
        .map(e => e.scrollHeight), document.documentElement.scrollHeight)""")
    page.set_viewport_size({"width": width, "height": max(WIDTHS[width], min(int(height) + 40, 16000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})


def _go(page, name: str) -> None:
    _sidebar(page, True)
    nav = page.locator('[data-testid="stSidebarNav"] a')
    link = nav.first if name == "overview" else page.locator(f'[data-testid="stSidebarNav"] a[href$="/{name}"]')
    link.click()
    page.wait_for_timeout(300)
    wait_for_streamlit(page, timeout=180_000)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1440, 390])
def test_every_page_at_1440_and_390_px_nothing_clipped(browser, app_url, screenshots, width, lang):
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(180_000)
    clipped, problems = [], []
    try:
        page.goto(app_url)
        wait_for_streamlit(page, timeout=180_000)
        if lang == "en":
            _sidebar(page, True)
            page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
            wait_for_streamlit(page, timeout=180_000)
        for name in PAGES:
            _go(page, name)
            if width == 390:
                _sidebar(page, False)
            page.wait_for_timeout(800)  # charts resize to the width
            if page.locator('[data-testid="stException"]').count():
                problems.append(f"{name}: {page.locator('[data-testid=stException]').first.inner_text()[:300]}")
            _screenshot(page, screenshots / f"screens-{name}-{width}-{lang}.png", width)
            if width == 1440:
                try:  # a table that never draws (an empty one) is skipped by MEASURE, not waited for
                    page.wait_for_function(GRIDS_READY, timeout=20_000)
                except Exception:  # noqa: BLE001 - playwright's TimeoutError
                    pass
                for g, grid in enumerate(page.evaluate(MEASURE, STATUS_ICONS)):
                    for col in grid["columns"]:
                        if col["have"] + 0.5 < col["need"]:
                            clipped.append(f"{name} table {g + 1}: “{col['text']}” {col['have']:.0f} px < "
                                           f"{col['need']:.0f} px (widest status cell “{col['widest']}”)")
    finally:
        context.close()
    assert not problems, problems
    assert not clipped, "\n".join(clipped)
