"""Chinese screens in Chinese, English ones in English (issue 11 item 7): chart quarter labels,
percentage-point changes, the system account's name, plan names, the English report's sentences
and its goal attributes. The layout at 1440 / 390 px is tested in test_browser_screens.py."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
import streamlit as st
from docx import Document

import resources
from charts import trend_chart
from metrics import periods


def test_chart_quarters_read_2011年一季度_in_chinese_and_2011Q1_in_english():
    assert periods.short_label("2011Q1", "zh") == "2011年一季度"
    assert periods.short_label("2017Q4", "zh") == "2017年四季度"
    assert periods.short_label("2011Q1", "en") == "2011Q1"
    series = pd.Series([100.0, 120.0, 90.0, 180.0, 200.0],
                       index=["2016Q1", "2016Q2", "2016Q3", "2016Q4", "2017Q1"])
    zh = trend_chart(series, name="会员人数", unit="人", title="t", lang="zh")
    assert list(zh.data[0].x) == ["2016年一季度", "2016年二季度", "2016年三季度", "2016年四季度", "2017年一季度"]
    assert list(zh.layout.xaxis.tickvals) == ["2016年一季度", "2017年一季度"]
    assert list(zh.layout.xaxis.ticktext) == ["2016年<br>一季度", "2017年<br>一季度"]  # two short lines
    en = trend_chart(series, name="Members", unit="persons", title="t", lang="en")
    assert en.data[0].x[0] == "2016Q1" and "2016 Q1" not in en.data[0].x


def test_trend_chart_axis_reaches_above_the_highest_point():
    series = pd.Series([7000.0, 7167.0, 7700.0], index=["2017Q2", "2017Q3", "2017Q4"])
    low, high = trend_chart(series, name="m", unit="人", title="t").layout.yaxis.range
    assert low == 0 and high > 7700


@pytest.fixture
def lang_of():
    def set_lang(lang):
        st.session_state["lang"] = lang
    yield set_lang
    st.session_state.pop("lang", None)


def test_percentage_points_have_no_stray_space_in_chinese(lang_of):
    from ui import fmt_number

    lang_of("zh")
    assert fmt_number(0.6, "pp", signed=True) == "+0.6个百分点"
    lang_of("en")
    assert fmt_number(0.6, "pp", signed=True) == "+0.6 pp"


def test_the_system_account_is_named_in_the_page_language(lang_of):
    from tables import audit_table

    log = pd.DataFrame({"at": ["2026-01-01 08:00"], "actor": ["system"], "action": ["upload.commit"], "detail": ["{}"]})
    lang_of("zh")
    assert audit_table(log).iloc[0, 1] == "系统"
    lang_of("en")
    assert audit_table(log).iloc[0, 1] == "System"
    log["actor"] = ["李填报"]
    assert audit_table(log).iloc[0, 1] == "李填报"


def test_a_plan_named_with_its_years_is_not_followed_by_them_again():
    from ui import plan_option

    assert plan_option("{name} ({code})", "Five-year plan 2016-2020 (example)", "2016-2020") == "Five-year plan 2016-2020 (example)"
    assert plan_option("{name}（{code}）", "“十三五”规划", "2016-2020") == "“十三五”规划（2016-2020）"
    assert plan_option("{name}（{code}）", "规划（2016—2020年）", "2016-2020") == "规划（2016—2020年）"


def test_table_columns_are_wide_enough_for_their_header_and_longest_cell():
    from ui import fit_columns, text_px

    frame = pd.DataFrame({"趋势研判": ["↗ 预计可完成", "⇡ 需加快进度"], "Outlook of the goal": ["→ Limited progress", "x"],
                          "n": [1, 2], "目标值（人次）": [9.0, 12000.5]})
    config = fit_columns(frame, {"趋势研判": st.column_config.TextColumn("趋势研判", width=40)})
    assert config["趋势研判"]["width"] >= text_px("⇡ 需加快进度") + 16 > 100  # Chromium: 100.5 px with padding
    assert config["Outlook of the goal"]["width"] >= text_px("Outlook of the goal") + 16
    # a number column: the grid sizes it by its figures only, so its header needs a width too
    assert config["目标值（人次）"]["width"] >= text_px("目标值（人次）") + 16
    assert config["n"]["width"] >= text_px("2") + 16


@pytest.fixture(scope="module")
def english_report(_example_template):
    from reports.content import build_report, load_inputs
    from reports.docx_writer import write_docx
    from store.db import open_store

    store = open_store(f"sqlite:///{_example_template}")
    report = build_report(load_inputs(store, resources.catalog()), 2016, 2020, lang="en")
    doc = Document(io.BytesIO(write_docx(report)))
    store.engine.dispose()
    return report, "\n".join(p.text for p in doc.paragraphs), doc


def test_english_report_sentences_do_not_double_their_units(english_report):
    _report, text, _doc = english_report
    assert "signed by 43 unions in communities and buildings, covering 810 enterprises among small private firms" in text
    for garbled in ("unions community", "enterprises small", "cases problems", "cases labour", "courses of training courses",
                    "events of cultural", "works of works", "reports of information and research reports",
                    "libraries of worker libraries", "cards of member service cards"):
        assert garbled not in text
    # no two identical words in a row ("works works") anywhere in the text
    assert not re.search(r"\b(\w+) \1\b", text)


def test_english_report_tables_say_binding_and_indicative(english_report):
    report, _text, doc = english_report
    assert set(report.main_table["attribute"]) <= {"binding", "indicative", ""}
    assert {"binding", "indicative"} <= set(report.main_table["attribute"])
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert not cells & {"约束性", "预期性"}
    assert "System" in cells and "system" not in cells  # the sources table's uploader
