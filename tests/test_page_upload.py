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
    warnings = at.table[0].value  # no errors: the warnings (wrapped in full), then changes and preview
    changes, preview = (d.value for d in at.dataframe)
    assert "季度数据!G5" in warnings["位置"].tolist()
    assert len(preview) == 2433 + 1  # 2100 cells of the core 40 indicators, 333 of the 12 that complete the seed
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
    assert members(example_url, "B01") == before + 1  # one click only asks
    warning = [w.value for w in at.warning if "2017Q4\\_fix.xlsx" in w.value][0]
    assert "2017年第4季度" in warning and "admin" in warning, warning
    at.button(key="history_withdraw_confirm").click().run()
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
    errors = at.table[0].value
    assert errors.iloc[0]["位置"] == "季度数据!G5" and "不能是负数" in errors.iloc[0]["说明"]
    assert "不能导入" in at.error[0].value
    assert not [b for b in at.button if b.key == "upload_commit"]


def test_unreadable_file_is_refused_with_a_message(example_url):
    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).run()
    assert not at.exception
    assert "不是电子表格" in at.error[1].value


def test_report_commit_and_history_in_english(example_url):
    before = members(example_url, "B01")
    at = open_page("upload", lang="en")
    assert not at.exception
    assert at.title[0].value == "Upload"
    assert at.selectbox(key="upload_period").options[0] == "From the file (title, cells or file name)"
    assert "2017 Q4" in at.selectbox(key="upload_period").options
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Dry-run report"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Read": metrics["Read"], "New": "0", "Updated": "1", "Unchanged": metrics["Unchanged"],
                       "Ignored": metrics["Ignored"]}
    warnings = at.table[0].value
    changes, preview = (d.value for d in at.dataframe)
    assert int(metrics["Unchanged"]) == len(preview) - 1 and int(metrics["Read"]) > len(preview)
    assert any(c.value.startswith("Period 2017 Q4: read ") for c in at.caption)
    n = len(warnings)
    assert f"**Warnings ({n}): check each one**" in [m.value for m in at.markdown]
    assert list(warnings.columns) == ["Where", "What to do"]
    assert all(w.startswith("季度数据!") for w in warnings["Where"])
    message = warnings.set_index("Where").loc["季度数据!G5", "What to do"]
    assert message.startswith("Union members is the approximate figure") and "marked approximate" in message
    assert list(changes.columns) == ["Where", "Unit", "Indicator", "Old value", "New value"]
    assert changes.iloc[0]["Indicator"] == "Union members" and changes.iloc[0]["New value"] == before + 1
    assert {"Where", "Unit", "Indicator", "Value", "Approximate"} == set(preview.columns)
    ack = at.checkbox(key="upload_ack")
    assert ack.label == f"I have checked the {n} {'warning' if n == 1 else 'warnings'} above; import as shown"
    assert at.button(key="upload_commit").label == "Import" and at.button(key="upload_commit").disabled
    ack.check().run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Imported as upload #") and at.success[0].value.endswith(" figures.")
    assert members(example_url, "B01") == before + 1

    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    assert at.title[0].value == "Upload history"
    table = at.dataframe[0].value
    assert list(table.columns) == ["No.", "File", "Period", "Uploaded by", "Time", "Figures", "Status", "SHA-256"]
    top = table.iloc[0]
    assert (top["File"], top["Period"], top["Status"]) == ("2017Q4_fix.xlsx", "2017 Q4", "counting")
    new_id = int(top["No."])
    choice = at.selectbox(key="history_choice")
    assert choice.options[0] == f"#{new_id}: 2017Q4_fix.xlsx (2017 Q4, counting)"
    choice.select(new_id).run()
    assert at.button(key="history_withdraw").label == "Withdraw this upload"
    at.button(key="history_withdraw").click().run()
    assert [w for w in at.warning if w.value.startswith(f"Withdraw upload #{new_id}? File: 2017Q4\\_fix.xlsx; quarter: 2017 Q4")]
    at.button(key="history_withdraw_cancel").click().run()
    assert not [w for w in at.warning if "2017Q4\\_fix.xlsx" in w.value] and members(example_url, "B01") == before + 1
    at.button(key="history_withdraw").click().run()
    at.button(key="history_withdraw_confirm").click().run()
    assert not at.exception
    assert at.success[0].value == f"Upload #{new_id} withdrawn."
    assert at.dataframe[0].value.iloc[0]["Status"] == "withdrawn" and members(example_url, "B01") == before
    assert at.button(key="history_restore").label == "Undo the withdrawal (restore this upload)"
    at.button(key="history_restore").click().run()
    assert at.success[0].value == f"Upload #{new_id} restored."
    assert members(example_url, "B01") == before + 1


def test_errors_in_english_name_sheet_and_cell(example_url):
    raw = (resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes()
    wb = load_workbook(io.BytesIO(raw))
    wb["季度数据"]["G5"] = -4
    buf = io.BytesIO()
    wb.save(buf)
    at = open_page("upload", lang="en")
    at.file_uploader(key="upload_file").upload("bad.xlsx", buf.getvalue()).run()
    assert not at.exception
    errors = at.table[0].value
    assert f"**Errors ({len(errors)}): must be corrected**" in [m.value for m in at.markdown]
    assert errors.iloc[0]["Where"] == "季度数据!G5"
    assert errors.iloc[0]["What to do"] == ("Union members is -4; it cannot be negative. "
                                            "Enter 0 or a positive number.")
    assert errors.iloc[1]["What to do"].startswith("Member service cards issued (197) is larger than")
    assert at.error[0].value.startswith(f"{len(errors)} {'error' if len(errors) == 1 else 'errors'}: the file cannot be imported.")
    assert not [b for b in at.button if b.key == "upload_commit"]


def test_switching_language_after_the_report_keeps_the_page_working(example_url):
    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    at.selectbox(key="upload_tpl_level").select("community").run()
    assert at.selectbox(key="upload_tpl_level").options[2] == "社区、楼宇联合工会"
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    # the selections are kept and their labels follow the language
    assert at.selectbox(key="upload_tpl_level").value == "community"
    assert at.selectbox(key="upload_tpl_level").options[2] == "Community and building joint unions"
    assert at.selectbox(key="upload_tpl_quarter").options[3] == "2018 Q1"
    at.selectbox(key="upload_period").select("2017Q4").run()
    assert not at.exception
    assert at.selectbox(key="upload_period").value == "2017Q4"
    assert any(c.value.startswith("Period 2017 Q4: read ") for c in at.caption)
    assert at.table[0].value.iloc[0]["Where"] == "季度数据!G5"


def test_a_withdrawn_file_can_be_sent_again_in_the_same_session(example_url):
    """After an administrator withdraws an upload, the clerk's page runs the dry run for the same
    file again instead of saying it is already imported."""
    at = open_page("upload")
    raw = edited_example()
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", raw).run()
    at.checkbox(key="upload_ack").check().run()
    at.button(key="upload_commit").click().run()
    assert "已导入" in at.success[0].value
    store = open_store(example_url)
    newest = int(store.uploads()["id"].max())
    store.withdraw([newest], "admin")
    store.engine.dispose()
    at.run()
    assert not at.exception
    assert not any("已导入" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["更新"] == "1"


def test_commit_while_the_database_is_held_says_busy_and_stores_nothing(example_url, monkeypatch):
    import sqlite3

    monkeypatch.setenv("UNION_DB_BUSY_TIMEOUT", "1")
    before = members(example_url, "B01")
    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    at.checkbox(key="upload_ack").check().run()
    holder = sqlite3.connect(example_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        at.button(key="upload_commit").click().run()
    finally:
        holder.close()
    assert not at.exception
    assert [e.value for e in at.error] == ["数据库正忙：另一项导入或修改正在写入，等待超时。本次没有保存任何内容，请稍后再试一次。"]
    assert members(example_url, "B01") == before
    at.button(key="upload_commit").click().run()
    assert not at.exception and "已导入" in at.success[0].value
    assert members(example_url, "B01") == before + 1


def test_a_note_on_the_acknowledgement_is_kept_and_shown_with_the_sources(example_url):
    """The clerk says why a figure jumped; the note stays with the upload and the indicator
    page's source list shows it beside the file."""
    import json

    from tables import sources_table

    at = open_page("upload")
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    at.checkbox(key="upload_ack").check().run()
    at.text_area(key="upload_note").input("B01 新建1家企业工会，会员增加").run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    store = open_store(example_url)
    uploads = store.uploads()
    new = uploads.iloc[0]
    assert new["filename"] == "2017Q4_fix.xlsx"
    assert json.loads(new["report"])["note"] == "B01 新建1家企业工会，会员增加"
    table = sources_table(uploads, {int(new["id"]), int(uploads.iloc[1]["id"])})
    assert dict(zip(table["文件"], table["填报说明"]))["2017Q4_fix.xlsx"] == "B01 新建1家企业工会，会员增加"
    assert set(table["填报说明"]) == {"B01 新建1家企业工会，会员增加", ""}
    store.engine.dispose()
