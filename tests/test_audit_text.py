"""The audit log reads as sentences, filters by who, what and when, and exports safely."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
from openpyxl import load_workbook

from audit_text import audit_frame, export_csv, export_xlsx, filter_log, sentence
from store.db import open_store
from tests.apptest_util import open_page


def _log():
    return pd.DataFrame({
        "id": [3, 2, 1],
        "at": ["2026-11-03 09:00:00", "2026-11-02 10:00:00", "2026-11-01 08:00:00"],
        "actor": ["admin", "李填报", "system"],
        "action": ["upload.withdraw", "upload.commit", "units.add"],
        "detail": [json.dumps({"uploads": [12], "reason": "=cmd|' /C calc'!A0"}, ensure_ascii=False),
                   json.dumps({"upload": 12, "file": "2016Q1.xlsx", "values": 120, "period": "2016Q1"}),
                   json.dumps({"codes": ["C01", "C02"]})]})


def test_each_entry_reads_as_a_sentence_in_both_languages():
    log = _log()
    zh = audit_frame(log, "zh")
    assert zh["经过"].tolist() == ["admin撤回了第 12 号上报，原因：=cmd|' /C calc'!A0。",
                                  "李填报导入了第 12 号上报“2016Q1.xlsx”（2016年第1季度，120 个数据）。",
                                  "系统添加了 2 个单位：C01、C02。"]
    assert zh["操作人"].tolist() == ["admin", "李填报", "系统"]
    en = audit_frame(log, "en")
    assert en.iloc[1, 3] == '李填报 imported upload #12 "2016Q1.xlsx" (2016 Q1, 120 figures).'
    assert en.iloc[2, 1] == "System"
    assert not any(s.lstrip().startswith("{") for s in zh["经过"])  # no raw JSON


def test_an_action_without_a_template_still_reads():
    assert sentence("review.lock", "admin", '{"period": "2016Q1"}', "zh").startswith("admin：review.lock")
    assert sentence("upload.commit", "a", "{}", "zh") == "a导入了第 — 号上报“—”（—，— 个数据）。"


def test_filters_by_who_what_and_days():
    log = _log()
    assert filter_log(log, actors=["system"])["id"].tolist() == [1]
    assert filter_log(log, actions=["upload.commit", "upload.withdraw"])["id"].tolist() == [3, 2]
    assert filter_log(log, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 2))["id"].tolist() == [2]
    assert len(filter_log(log)) == 3


def test_exports_keep_chinese_and_never_a_formula():
    frame = audit_frame(_log(), "zh")
    raw = export_csv(frame)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["操作人"].tolist() == ["admin", "李填报", "系统"]
    frame.iloc[0, 3] = "=HYPERLINK(1)"
    wb = load_workbook(io.BytesIO(export_xlsx(frame)))
    ws = wb.active
    assert ws["D2"].value == "'=HYPERLINK(1)" and ws["D2"].data_type == "s"
    assert export_csv(frame).decode("utf-8-sig").splitlines()[1].endswith("'=HYPERLINK(1)")


def test_data_page_shows_sentences_filters_and_exports(example_url):
    store = open_store(example_url)
    newest = int(store.uploads()["id"].max())
    store.withdraw([newest], "admin", "重复上报")
    store.engine.dispose()
    at = open_page("data", "zh")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert f"admin撤回了第 {newest} 号上报，原因：重复上报。" in table["经过"].tolist()
    assert "系统" in table["操作人"].tolist() and "system" not in table["操作人"].tolist()
    at.multiselect(key="data_audit_action").select("upload.withdraw").run()
    assert not at.exception
    assert at.dataframe[0].value["经过"].tolist() == [f"admin撤回了第 {newest} 号上报，原因：重复上报。"]
    at.multiselect(key="data_audit_action").unselect("upload.withdraw").run()
    at.multiselect(key="data_audit_actor").select("system").run()
    assert set(at.dataframe[0].value["操作人"]) == {"系统"}
    labels = {b.label for b in at.get("download_button")}
    assert {"导出 CSV", "导出 Excel"} <= labels


def test_an_upload_of_one_figure_reads_in_the_singular_in_english():
    log = _log().iloc[[1]].assign(detail=json.dumps({"upload": 12, "file": "a.xlsx", "values": 1, "period": "2016Q1"}))
    assert audit_frame(log, "en").iloc[0, 3] == '李填报 imported upload #12 "a.xlsx" (2016 Q1, 1 figure).'
