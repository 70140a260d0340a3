"""The upload page through dry run, acknowledgement and commit; then withdrawal and undo on the
history page, as a clerk and an administrator would click through them (AppTest, real pages)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

import resources
from store.db import open_store
from tests.apptest_util import open_page


def edited_example(period: str = "2017Q4") -> bytes:
    """The example workbook of ``period`` with one figure changed and one written as 约…."""
    raw = (resources.DEMO_DIR / f"{period}_example.xlsx").read_bytes()
    wb = load_workbook(io.BytesIO(raw))
    ws = wb["季度数据"]
    ws["G5"] = f"约{int(ws['G5'].value) + 1}"  # members of the first community union
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def members(url: str, unit: str, period: str = "2017Q4") -> float:
    from metrics import rollup
    store = open_store(url)
    cur = rollup.current(store.observations())
    store.engine.dispose()
    row = cur[(cur["unit"] == unit) & (cur["indicator"] == "members") & (cur["period"] == period)]
    return float(row["value"].iloc[0])


def test_dry_run_ack_commit_then_withdraw_and_undo(example_url):
    before = members(example_url, "B01")  # row 5 of the example form
    at = open_page("upload")
    assert not at.exception
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["更新"] == "1" and metrics["新增"] == "0"
    warnings, changes, preview = (d.value for d in at.dataframe)  # no errors: warnings, changes, preview
    assert "季度数据!G5" in warnings["位置"].tolist()
    assert len(preview) == 2100 + 1
    assert changes.iloc[0]["原值"] == before and changes.iloc[0]["新值"] == before + 1
    assert members(example_url, "B01") == before  # a dry run stores nothing
    assert at.button(key="upload_commit").disabled
    at.checkbox(key="upload_ack").check().run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    assert "已导入" in at.success[0].value
    assert members(example_url, "B01") == before + 1

    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["文件"] == "2017Q4_fix.xlsx" and table.iloc[0]["状态"] == "有效"
    new_id = int(table.iloc[0]["编号"])
    at.selectbox(key="history_choice").select(new_id).run()
    at.button(key="history_withdraw").click().run()
    assert not at.exception and members(example_url, "B01") == before
    assert at.dataframe[0].value.iloc[0]["状态"] == "已撤回"
    at.button(key="history_restore").click().run()
    assert members(example_url, "B01") == before + 1
    assert at.dataframe[0].value.iloc[0]["状态"] == "有效"


def test_errors_block_the_import(example_url):
    raw = (resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes()
    wb = load_workbook(io.BytesIO(raw))
    wb["季度数据"]["G5"] = -4
    buf = io.BytesIO()
    wb.save(buf)
    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("bad.xlsx", buf.getvalue()).run()
    assert not at.exception
    errors = at.dataframe[0].value
    assert errors.iloc[0]["位置"] == "季度数据!G5" and "不能是负数" in errors.iloc[0]["说明"]
    assert "不能导入" in at.error[0].value
    assert not [b for b in at.button if b.key == "upload_commit"]


def test_unreadable_file_is_refused_with_a_message(example_url):
    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).run()
    assert not at.exception
    assert "不是电子表格" in at.error[1].value
