"""The reporting season in a real browser: an administrator assigns a clerk to one community (through
the store API: the user-management screens are another branch's work), she signs in, downloads her
template and uploads her community's 2018Q1 figures; the leader's overview line moves from
"已报 84/84" (2017Q4) to "已报 1/84" for 2018Q1; the administrator approves the quarter on the
报送情况 page; a second upload into the approved quarter is refused with the lock message."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

import auth
import resources
from ingest.example import reporting_units
from ingest.template import write_template
from metrics import rollup
from store.db import open_store
from tests.browser_util import open_page, wait_for_streamlit
from tests.test_browser_overview import full_screenshot

pytestmark = pytest.mark.browser
expect.set_options(timeout=30_000)  # the machine is shared and slow: sign-in (Argon2) and a dry run take time

PASSWORD = "Season-Test-2018!"
COMMUNITY, COMMUNITY_NAME = "C01", "卢沟桥社区联合工会"


def sign_in(page, url: str, user: str) -> None:
    open_page(page, url)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="指标总览")).to_be_visible(timeout=60_000)
    wait_for_streamlit(page)


def fill_her_row(template: bytes, db_url: str) -> bytes:
    """The downloaded template with the community's row filled with its 2017Q4 figures (copied
    from a template written with those values: same layout, checked)."""
    store = open_store(db_url)
    try:
        cur = rollup.current(store.observations())
        units = store.units()
    finally:
        store.engine.dispose()
    catalog = resources.catalog()
    rates = {i.code for i in catalog if i.kind == "rate"}
    mine = cur[(cur["period"] == "2017Q4") & (cur["unit"] == COMMUNITY) & ~cur["indicator"].isin(rates)]
    filled = load_workbook(io.BytesIO(write_template(catalog, reporting_units(units), "2018Q1",
                                                     resources.FEDERATION_NAME, mine[["unit", "indicator", "value"]])))
    wb = load_workbook(io.BytesIO(template))
    ws, src = wb["季度数据"], filled["季度数据"]
    assert [c.value for c in ws[3]] == [c.value for c in src[3]]
    # her template lists only her units (a clerk's scope), so find the row by name in each
    row = next(r for r in range(4, ws.max_row + 1) if COMMUNITY_NAME in [c.value for c in ws[r]])
    src_row = next(r for r in range(4, src.max_row + 1) if COMMUNITY_NAME in [c.value for c in src[r]])
    for col in range(1, ws.max_column + 1):
        ws.cell(row=row, column=col).value = src.cell(row=src_row, column=col).value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(page, path) -> None:
    expect(page.get_by_text("选择统计表文件")).to_be_visible()
    wait_for_streamlit(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    expect(page.get_by_text("试读报告")).to_be_visible()
    wait_for_streamlit(page)


def test_clerk_reports_leader_sees_reported_move_admin_approves_and_the_quarter_locks(
        start_app, browser, page, screenshots, tmp_path, _example_template):
    db_path = tmp_path / "union.sqlite"
    shutil.copyfile(_example_template, db_path)
    db_url = f"sqlite:///{db_path}"
    store = open_store(db_url)
    for name, display, role in [("zhang", "张主席", "admin"), ("li", "李领导", "leader"), ("wang", "王芳", "clerk")]:
        store.set_user(name, display, role, auth.hash_password(PASSWORD), actor="test")
    store.set_user_units("wang", [COMMUNITY], actor="zhang")  # the administrator assigns her community
    store.engine.dispose()
    url = start_app(db_url)

    # the leader before: the latest complete quarter, everyone reported
    leader = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    leader.set_default_timeout(30_000)
    try:
        sign_in(leader, url, "li")
        expect(leader.get_by_text("数据截至 2017年第4季度 · 已报 84/84 · 最近更新")).to_be_visible()
        expect(leader.get_by_role("link", name="报送情况")).to_be_visible()
    finally:
        leader.context.close()

    # the clerk: her template, her row, the upload
    sign_in(page, url, "wang")
    expect(page.get_by_role("link", name="报送情况")).to_have_count(0)
    page.get_by_role("link", name="数据上报").click()
    wait_for_streamlit(page)
    page.get_by_text("下载填报模板").click()
    wait_for_streamlit(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载模板").first.click()
    template = info.value
    form = tmp_path / "卢沟桥社区2018年第1季度.xlsx"
    raw = Path(template.path()).read_bytes()
    assert template.suggested_filename.endswith(".xlsx")
    form.write_bytes(fill_her_row(raw, db_url))
    upload(page, form)
    ack = page.get_by_text("我已逐条核对")
    if ack.count():
        ack.click()
        wait_for_streamlit(page)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入：上报记录第")).to_be_visible()
    wait_for_streamlit(page)
    full_screenshot(page, screenshots / "season-clerk-uploaded.png")

    # the leader after: 2018Q1 is not complete, so the dashboard stays on 2017Q4; picking 2018Q1
    # shows who has reported it
    admin = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    admin.set_default_timeout(30_000)
    try:
        sign_in(admin, url, "zhang")
        admin.get_by_role("combobox", name="季度").click()
        admin.get_by_role("option", name="2018年第1季度").first.click()
        wait_for_streamlit(admin)
        expect(admin.get_by_text("数据截至 2018年第1季度 · 已报 1/84 · 最近更新")).to_be_visible()
        admin.get_by_role("link", name="报送情况").click()
        expect(admin.get_by_role("heading", name="报送情况")).to_be_visible()
        wait_for_streamlit(admin)
        expect(admin.get_by_text("催报名单：83 个单位")).to_be_visible()
        admin.get_by_role("button", name="本季度已报单位全部审核通过").click()
        expect(admin.get_by_text("已记录：1 个单位。")).to_be_visible()
        wait_for_streamlit(admin)
        full_screenshot(admin, screenshots / "season-reporting-page.png")
    finally:
        admin.context.close()
    store = open_store(db_url)
    try:
        assert store.reviews("2018Q1")[["unit", "action", "actor"]].values.tolist() == [[COMMUNITY, "approve", "zhang"]]
    finally:
        store.engine.dispose()

    # the clerk sends a corrected file: refused, nothing changes
    again = tmp_path / "更正.xlsx"
    wb = load_workbook(form)
    ws = wb["季度数据"]
    row = next(r for r in range(4, ws.max_row + 1) if COMMUNITY_NAME in [c.value for c in ws[r]])
    cell = next(c for c in ws[row] if isinstance(c.value, (int, float)))
    cell.value = cell.value + 1
    wb.save(again)
    page.reload()
    wait_for_streamlit(page)
    page.get_by_role("link", name="数据上报").click()
    upload(page, again)
    # the finding is a cell of the errors table (drawn on a canvas; its accessible cell is hidden)
    expect(page.get_by_text(f"{COMMUNITY_NAME} 2018Q1：该季度数据已审核锁定，如需修改请联系管理员").first).to_be_attached()
    expect(page.get_by_text("有 1 个错误，不能导入")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    full_screenshot(page, screenshots / "season-clerk-locked.png")
