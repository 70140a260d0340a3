"""The reporting season with a new enterprise, in a real browser (issue 10): an administrator adds
a clerk for one community on the units and users page; she signs in, downloads her template,
fills her community's row and one new enterprise, uploads, and requests the unit the tree lacks;
the administrator confirms the request; she uploads again and imports; the administrator
approves the quarter; the leader's overview for 2018Q1 moves from "已报 2/84" to "已报 4/85"
(her community and the new enterprise, which is expected from its first report).
Screenshots: ``test-output/screenshots/units-story-*.png``."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

import auth
from ingest.importer import commit, prepare
from metrics import rollup
from store.db import open_store
from tests.browser_util import wait_for_streamlit
from tests.ingest_fixtures import xlsx
from tests.test_browser_overview import full_screenshot
from tests.test_browser_season import PASSWORD, fill_her_row, sign_in, upload

pytestmark = pytest.mark.browser
expect.set_options(timeout=30_000)

NEW = "北京卢沟桥新材料科技有限公司工会"
C01 = "卢沟桥社区联合工会"


def seed(db_url: str) -> None:
    """Two other communities have already reported 2018Q1 (their 2017Q4 members again)."""
    store = open_store(db_url)
    try:
        store.set_user("zhang", "张主席", "admin", auth.hash_password(PASSWORD), actor="test")
        store.set_user("li", "李领导", "leader", auth.hash_password(PASSWORD), actor="test")
        cur = rollup.current(store.observations())
        names = dict(zip(store.units()["code"], store.units()["name_zh"]))
        rows = [[names[c], float(cur[(cur["unit"] == c) & (cur["indicator"] == "members")
                                     & (cur["period"] == "2017Q4")]["value"].iloc[0])] for c in ("C02", "C03")]
        raw = xlsx({"季度数据": [["卢沟桥街道总工会 2018年第1季度 工会工作统计表"], ["单位名称", "会员人数"], *rows]})
        prepared = prepare(store, raw, "其他社区2018Q1.xlsx")
        assert prepared.report.ok, [f.message() for f in prepared.report.errors]
        commit(store, prepared, "zhang", acknowledged=True)
    finally:
        store.engine.dispose()


def with_new_enterprise(filled: bytes) -> bytes:
    """Her filled template with a row inserted above 合计 for the new enterprise, as a clerk would."""
    wb = load_workbook(io.BytesIO(filled))
    ws = wb["季度数据"]
    head = [c.value for c in ws[3]]
    total = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=2).value == "合计")
    ws.insert_rows(total)
    ws.cell(row=total, column=head.index("单位名称") + 1, value=NEW)
    ws.cell(row=total, column=head.index("职工人数（人）") + 1, value=30)
    ws.cell(row=total, column=head.index("会员人数（人）") + 1, value=25)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def leader_sees(browser, url: str, line: str, shot: Path | None = None) -> None:
    leader = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    leader.set_default_timeout(30_000)
    try:
        sign_in(leader, url, "li")
        leader.get_by_role("combobox", name="季度").click()
        leader.get_by_role("option", name="2018年第1季度").first.click()
        wait_for_streamlit(leader)
        expect(leader.get_by_text(line)).to_be_visible()
        if shot:
            full_screenshot(leader, shot)
    finally:
        leader.context.close()


def test_a_new_clerk_reports_a_new_enterprise_through_a_request_and_the_leader_sees_it_counted(
        start_app, browser, page, screenshots, tmp_path, _example_template):
    db_path = tmp_path / "union.sqlite"
    shutil.copyfile(_example_template, db_path)
    db_url = f"sqlite:///{db_path}"
    seed(db_url)
    url = start_app(db_url)
    leader_sees(browser, url, "数据截至 2018年第1季度 · 已报 2/84 · 最近更新")

    # the administrator adds the clerk for one community
    admin = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    admin.set_default_timeout(30_000)
    sign_in(admin, url, "zhang")
    admin.get_by_role("link", name="单位与用户").click()
    expect(admin.get_by_role("heading", name="单位与用户")).to_be_visible()
    wait_for_streamlit(admin)
    admin.get_by_role("tab", name="用户", exact=True).click()
    form = admin.locator('[data-testid="stForm"]').filter(has=admin.get_by_role("button", name="新增用户"))
    form.get_by_label("用户名").fill("wang")
    form.get_by_label("姓名").fill("王芳")
    form.get_by_role("combobox", name="角色").click()
    admin.get_by_role("option", name="填报员").click()
    form.get_by_role("combobox", name="负责的单位（填报员；选社区即包括其下企业）").click()
    admin.get_by_role("option", name=f"{C01}（C01）").click()
    admin.keyboard.press("Escape")
    form.get_by_label("初始密码").fill(PASSWORD)
    form.get_by_role("button", name="新增用户").click()
    expect(admin.get_by_text("已新增用户 wang。")).to_be_visible()
    wait_for_streamlit(admin)
    store = open_store(db_url)
    assert store.user("wang")["role"] == "clerk" and list(store.user_units("wang")["unit"]) == ["C01"]
    store.engine.dispose()

    # she signs in, downloads her template, fills her row and a new enterprise, uploads
    sign_in(page, url, "wang")
    page.get_by_role("link", name="数据上报").click()
    wait_for_streamlit(page)
    page.get_by_text("下载填报模板").click()
    wait_for_streamlit(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载模板").first.click()
    raw = Path(info.value.path()).read_bytes()
    form_path = tmp_path / "卢沟桥社区2018年第1季度.xlsx"
    form_path.write_bytes(with_new_enterprise(fill_her_row(raw, db_url)))
    upload(page, form_path)
    expect(page.get_by_role("heading", name="不在单位名录中的单位")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    full_screenshot(page, screenshots / "units-story-clerk-unknown-unit.png")
    page.get_by_role("button", name="提交新增申请").click()
    expect(page.get_by_text("已提交新增单位申请第 1 号")).to_be_visible()
    wait_for_streamlit(page)
    full_screenshot(page, screenshots / "units-story-clerk-requested.png")

    # the administrator confirms it
    admin.reload()
    wait_for_streamlit(admin)
    expect(admin.get_by_text("有 1 条新增单位申请等待确认")).to_be_visible()
    admin.get_by_role("tab", name="新增单位申请（1）").click()
    full_screenshot(admin, screenshots / "units-story-admin-request.png")
    admin.get_by_role("button", name="确认并加入名录").click()
    expect(admin.get_by_text("已确认申请第 1 号")).to_be_visible()
    wait_for_streamlit(admin)
    store = open_store(db_url)
    units = store.units().set_index("name_zh")
    assert (units.loc[NEW, "parent"], units.loc[NEW, "level"]) == ("C01", "enterprise")
    store.engine.dispose()

    # she sees the outcome and uploads again
    page.reload()
    wait_for_streamlit(page)
    expect(page.get_by_text("管理员已确认新增单位申请第 1 号")).to_be_visible()
    upload(page, form_path)
    expect(page.get_by_role("heading", name="不在单位名录中的单位")).to_have_count(0)
    ack = page.get_by_text("我已逐条核对")
    if ack.count():
        ack.click()
        wait_for_streamlit(page)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入：上报记录第")).to_be_visible()
    wait_for_streamlit(page)
    full_screenshot(page, screenshots / "units-story-clerk-imported.png")

    # the administrator approves the quarter
    admin.get_by_role("link", name="报送情况").click()
    expect(admin.get_by_role("heading", name="报送情况")).to_be_visible()
    wait_for_streamlit(admin)
    admin.get_by_role("combobox", name="季度").click()
    admin.get_by_role("option", name="2018年第1季度").first.click()
    expect(admin.get_by_text("4/85", exact=True)).to_be_visible()
    wait_for_streamlit(admin)
    admin.get_by_role("button", name="本季度已报单位全部审核通过").click()
    expect(admin.get_by_text("已记录：4 个单位。")).to_be_visible()
    admin.context.close()

    leader_sees(browser, url, "数据截至 2018年第1季度 · 已报 4/85 · 最近更新",
                screenshots / "units-story-leader-overview.png")
