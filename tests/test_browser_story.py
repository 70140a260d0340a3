"""The story a clerk and a leader walk in a real browser: the clerk uploads the new quarter's
form (a filled template), reads the dry-run report and imports it; the leader then opens the
dashboard and sees the new quarter with the new federation total."""

from __future__ import annotations

import io
import shutil

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

import resources
from ingest.example import reporting_units
from ingest.importer import prepare
from ingest.template import write_template
from metrics import rollup
from store.db import open_store
from tests.browser_util import open_page, wait_for_streamlit
from tests.test_browser_overview import full_screenshot

pytestmark = pytest.mark.browser

FEDERATION = "LGQ"
BUMP = 10  # members (and employees, their whole) added to each unit that reports members


def federation_members(db_url: str, period: str) -> float:
    store = open_store(db_url)
    try:
        q = rollup.quarterly(store.observations(), store.units(), resources.catalog(), FEDERATION)
    finally:
        store.engine.dispose()
    return float(q.loc[(q["indicator"] == "members") & (q["period"] == period), "value"].iloc[0])


def next_quarter_form(db_url: str) -> tuple[bytes, int]:
    """A 2018Q1 template filled with every unit's 2017Q4 figures, members and employees raised
    by BUMP, and one training figure written as a clerk would when unsure (约…); returns the
    workbook and how many units' members moved."""
    catalog = resources.catalog()
    store = open_store(db_url)
    try:
        cur = rollup.current(store.observations())
        units = store.units()
    finally:
        store.engine.dispose()
    rates = {i.code for i in catalog if i.kind == "rate"}
    last = cur[(cur["period"] == "2017Q4") & ~cur["indicator"].isin(rates)][["unit", "indicator", "value"]].copy()
    moved = last["indicator"].isin(["members", "employees"])
    last.loc[moved, "value"] += BUMP
    n_units = int((last["indicator"] == "members").sum())
    raw = write_template(catalog, reporting_units(units), "2018Q1", resources.FEDERATION_NAME, last)
    wb = load_workbook(io.BytesIO(raw))
    ws = wb["季度数据"]
    col = next(c.column for c in ws[3] if str(c.value).startswith("培训职工"))
    cell = ws.cell(row=5, column=col)  # the first joint union's row
    cell.value = f"约{int(cell.value)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), n_units


def test_upload_quarter_then_see_progress(start_app, browser, page, screenshots, tmp_path, _example_template):
    db_path = tmp_path / "union.sqlite"
    shutil.copyfile(_example_template, db_path)
    db_url = f"sqlite:///{db_path}"
    before = federation_members(db_url, "2017Q4")
    raw, n_units = next_quarter_form(db_url)
    assert n_units > 10
    form = tmp_path / "2018年第1季度统计表.xlsx"
    form.write_bytes(raw)
    store = open_store(db_url)  # what the page should report, from the importer itself
    expected = prepare(store, raw, form.name).report
    store.engine.dispose()
    assert expected.ok and expected.period == "2018Q1" and expected.counts["updated"] == 0
    assert [f.code for f in expected.warnings] == ["approximate"]
    url = start_app(db_url)

    # the clerk: upload, read the dry-run report, acknowledge, import
    open_page(page, url)
    expect(page.get_by_role("combobox", name="季度")).to_have_value("2017年第4季度")
    page.get_by_role("link", name="数据上报").click()
    expect(page.get_by_text("选择统计表文件")).to_be_visible()
    wait_for_streamlit(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(form))
    expect(page.get_by_text("试读报告")).to_be_visible()
    wait_for_streamlit(page)
    c = expected.counts
    expect(page.get_by_text(f"报告期 2018年第1季度：读到 {c['read']} 个数据，新增 {c['new']}，更新 0，"
                            f"未变 0，忽略 {c['ignored']}。")).to_be_visible()
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values.nth(1)).to_have_text(str(c["new"]))  # 新增
    expect(values.nth(2)).to_have_text("0")  # 更新
    expect(page.get_by_text("提醒（1）：请逐条核对")).to_be_visible()
    where = expected.warnings[0].where
    warnings = page.locator('[data-testid="stTable"]').first  # findings wrap in full: a static table
    expect(warnings.get_by_text(where, exact=True)).to_have_count(1)
    ack = page.get_by_text("我已逐条核对以上 1 条提醒")
    expect(page.get_by_role("button", name="确认导入")).to_be_disabled()
    ack.click()
    expect(page.get_by_role("button", name="确认导入")).to_be_enabled()
    wait_for_streamlit(page)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入：上报记录第")).to_be_visible()
    wait_for_streamlit(page)
    after = federation_members(db_url, "2018Q1")
    assert after == before + BUMP * n_units

    # the leader opens the dashboard: the new quarter is shown, with the new total
    leader = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    leader.set_default_timeout(30_000)
    try:
        open_page(leader, url)
        main = leader.locator('[data-testid="stMain"]')
        expect(main.get_by_role("heading", name="指标总览")).to_be_visible()
        expect(leader.get_by_role("combobox", name="季度")).to_have_value("2018年第1季度")
        expect(leader.get_by_role("combobox", name="单位")).to_have_value(resources.FEDERATION_NAME)
        leader.get_by_role("tab", name="基层组织建设").click()
        grid = leader.locator('[data-testid="stDataFrame"]').filter(visible=True)
        expect(grid).to_have_count(1)
        expect(grid.get_by_text("会员人数", exact=True)).to_have_count(1)
        expect(grid.get_by_text(f"{after:.0f}", exact=True)).to_have_count(1)
        wait_for_streamlit(leader)
        full_screenshot(leader, screenshots / "upload-then-overview.png")
    finally:
        leader.context.close()
