"""The dashboard in a real headless Chromium: Chinese renders, the example banner shows, the
trend chart draws, and switching the language turns the page into English. Full-page
screenshots are kept in test-output/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_util import open_page, wait_for_streamlit

pytestmark = pytest.mark.browser


def full_screenshot(page, path) -> None:
    """Streamlit scrolls inside its main container, so a "full page" screenshot stops at the
    viewport: grow the viewport to the content's height first, then restore it."""
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...['stMain', 'stAppViewContainer', 'stSidebarContent']
        .map(id => document.querySelector(`[data-testid="${id}"]`)).filter(Boolean).map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 40)})
    page.wait_for_timeout(500)  # let Plotly relayout to the new size
    wait_for_streamlit(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def expect_chart_drawn(page):
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible()
    expect(chart.locator("svg.main-svg").first).to_be_attached()
    # a drawn line: the scatter trace has a path with points
    expect(chart.locator("g.scatterlayer path.js-line").first).to_be_attached()


def test_overview_in_chinese_then_english(app_url, page, screenshots):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))

    open_page(page, app_url)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="指标总览")).to_be_visible()
    expect(page.get_by_text("示例数据", exact=False).first).to_be_visible()
    expect(page.get_by_role("tab", name="基层组织建设")).to_be_visible()
    expect(page.get_by_role("tab", name="维权工作")).to_be_visible()
    expect(page.get_by_role("combobox", name="单位")).to_have_value("卢沟桥街道总工会")
    expect(page.get_by_role("combobox", name="季度")).to_have_value("2017年第4季度")
    expect_chart_drawn(page)
    expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("签订集体合同企业数")  # the first indicator of the open tab
    full_screenshot(page, screenshots / "overview-zh.png")

    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    expect(main.get_by_role("heading", name="Overview")).to_be_visible()
    wait_for_streamlit(page)
    expect(page.get_by_role("tab", name="Grassroots organisation")).to_be_visible()
    expect(page.get_by_role("combobox", name="Quarter")).to_have_value("2017 Q4")
    expect(page.get_by_text("EXAMPLE data", exact=False).first).to_be_visible()
    expect_chart_drawn(page)
    expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("by quarter")
    full_screenshot(page, screenshots / "overview-en.png")

    assert not errors, errors
    assert not [u for u in failed if not u.startswith(app_url)], failed


def test_overview_table_shows_the_members_figure(app_url, page):
    open_page(page, app_url)
    page.get_by_role("tab", name="基层组织建设").click()
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True)
    expect(grid).to_have_count(1)
    # st.dataframe draws on a canvas; its accessible table mirror carries the cell text
    expect(grid.get_by_text("会员人数", exact=True)).to_have_count(1)
    # a number that sorts (the canvas draws it "7,700"; the mirror holds the raw value), its unit beside it
    expect(grid.get_by_text("7700", exact=True)).to_have_count(1)
    expect(grid.get_by_text("人", exact=True).first).to_be_attached()


def test_deep_link_to_a_page_on_a_fresh_server(start_app, page):
    """A bookmark to a page other than the overview works even as a new server's first visit."""
    from playwright.sync_api import expect

    from tests.browser_util import open_page as open_url

    url = start_app()
    open_url(page, f"{url}/goals")
    expect(page.get_by_role("heading", name="五年目标")).to_be_visible()
    assert page.get_by_text("Page not found").count() == 0
