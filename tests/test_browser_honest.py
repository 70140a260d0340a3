"""A half-reported quarter in a real browser: one community sends 2018Q1 early. The overview
draws that quarter hollow and dotted (no cliff) and says 已报 1/84; the progress page says the
judgement is held at 2017Q4. Screenshots in test-output/screenshots/."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser_util import open_page, wait_for_streamlit
from tests.test_browser_overview import full_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def half_reported_url(start_app, _example_template, tmp_path_factory):
    from metrics import rollup
    from store.db import NewUpload, open_store

    path = tmp_path_factory.mktemp("half") / "union.sqlite"
    shutil.copyfile(_example_template, path)
    store = open_store(f"sqlite:///{path}")
    obs = rollup.current(store.observations())
    early = obs[(obs["period"] == "2017Q4") & (obs["unit"] == "C01")].assign(period="2018Q1")
    store.add_upload(NewUpload("C01-2018Q1.xlsx", b"early", "clerk",
                               early[["unit", "indicator", "period", "value", "approximate"]], "2018Q1"))
    store.engine.dispose()
    return start_app(f"sqlite:///{path}")


def pick_quarter(page, label: str) -> None:
    page.get_by_role("combobox", name="季度").click()
    page.get_by_role("option", name=label).click()
    wait_for_streamlit(page)


def test_overview_and_progress_of_a_half_reported_quarter(half_reported_url, page, screenshots):
    open_page(page, half_reported_url)
    expect(page.get_by_role("combobox", name="季度")).to_have_value("2017年第4季度")  # the complete one
    pick_quarter(page, "2018年第1季度（已报 1/84）")
    expect(page.get_by_text("已报 1/84 个单位，合计数为初步数").first).to_be_visible()
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible()
    # the incomplete quarter is a second, dotted trace with hollow markers
    expect(chart.locator("g.scatterlayer g.trace")).to_have_count(2)
    expect(chart.locator("g.scatterlayer path.js-line[style*='dasharray']")).to_have_count(1)
    full_screenshot(page, screenshots / "honest-overview-half-reported.png")

    open_page(page, f"{half_reported_url}/progress")
    pick_quarter(page, "2018年第1季度（已报 1/84）")
    expect(page.get_by_text("进度判断沿用2017年第4季度").first).to_be_visible()
    expect(page.get_by_text("时间进度 40.0%").first).to_be_visible()
    full_screenshot(page, screenshots / "honest-progress-half-reported.png")
