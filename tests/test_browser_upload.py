"""A clerk's path in a real browser: upload an edited quarter, read the dry-run report,
acknowledge, import; then withdraw and undo on the history page. Screenshot of the report."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

import resources
from tests.browser_util import open_page, wait_for_streamlit


@pytest.mark.browser
def test_upload_report_commit_withdraw_undo(start_app, page, screenshots, tmp_path):
    url = start_app()
    wb = load_workbook(io.BytesIO((resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes()))
    wb["季度数据"]["G5"] = "约200"
    path = tmp_path / "2017Q4_更正.xlsx"
    wb.save(path)

    open_page(page, url)
    page.get_by_role("link", name="数据上报").click()
    expect(page.get_by_text("选择统计表文件")).to_be_visible()
    wait_for_streamlit(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    expect(page.get_by_text("试读报告")).to_be_visible()
    wait_for_streamlit(page)
    expect(page.locator('[data-testid="stMetricValue"]').nth(2)).to_have_text("1")  # updated
    page.screenshot(path=str(screenshots / "upload_report.png"), full_page=True)
    page.get_by_text("我已逐条核对").click()
    wait_for_streamlit(page)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入：上报记录第")).to_be_visible()
    wait_for_streamlit(page)

    page.get_by_role("link", name="上报记录").click()
    expect(page.get_by_role("button", name="撤回这次上报")).to_be_visible()
    wait_for_streamlit(page)
    page.get_by_role("button", name="撤回这次上报").click()
    expect(page.get_by_role("button", name="确认撤回")).to_be_visible()  # it asks first, naming the file
    wait_for_streamlit(page)
    page.get_by_role("button", name="确认撤回").click()
    expect(page.get_by_role("button", name="撤销撤回（恢复这次上报）")).to_be_visible()
    wait_for_streamlit(page)
    page.get_by_role("button", name="撤销撤回（恢复这次上报）").click()
    expect(page.get_by_role("button", name="撤回这次上报")).to_be_visible()
    page.screenshot(path=str(screenshots / "upload_history.png"), full_page=True)
