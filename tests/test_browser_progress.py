"""Browser tests: open the progress pages in headless Chromium, click from the overview to an
indicator, and keep screenshots (test-output/screenshots/progress-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser_util import open_page, wait_for_streamlit

pytestmark = pytest.mark.browser


def test_overview_then_click_a_goal_row_opens_the_indicator(page, app_url, screenshots):
    open_page(page, f"{app_url}/progress")
    expect(page.get_by_role("heading", name="进度总览")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_text("时间进度 40.0%").first).to_be_visible()
    assert page.locator('[data-testid="stDataFrame"]').count() == 6
    page.screenshot(path=str(screenshots / "progress-overview.png"), full_page=True)

    grid = page.locator('[data-testid="stDataFrame"]').first  # 维权工作, the critical goal first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    expect(page.get_by_role("heading", name="指标详情")).to_be_visible()
    wait_for_streamlit(page)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_text("职代会建制率").first).to_be_visible()
    page.screenshot(path=str(screenshots / "progress-indicator.png"), full_page=True)


def test_open_button_and_other_pages(page, app_url, screenshots):
    open_page(page, f"{app_url}/progress")
    box = page.locator('[data-testid="stSelectbox"]').last
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name="会员人数").click()
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="指标详情")).to_be_visible()
    wait_for_streamlit(page)
    expect(page.get_by_text("▼ 滞后").first).to_be_visible()
    page.screenshot(path=str(screenshots / "progress-indicator-members.png"), full_page=True)

    for path, heading, name in (("units", "单位对比", "units"), ("goals", "五年目标", "goals")):
        open_page(page, f"{app_url}/{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        wait_for_streamlit(page)
        page.screenshot(path=str(screenshots / f"progress-{name}.png"), full_page=True)
