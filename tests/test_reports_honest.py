"""Honest numbers in the congress report: a rate just under a round figure is not worded as
reaching it, a stock reads as its level and change, a quarter missing from the span is named,
the main table is the progress page's rows, goals are in the plan's own words, and every
worded figure is never above its data (hypothesis over made-up data)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resources
from metrics import periods, rollup
from reports.content import Inputs, build_report, load_inputs
from reports.docx_writer import write_docx
from tests.test_metrics_wording import parse_zh


def report_for(store, span, unit=None, lang="zh"):
    inputs = load_inputs(store, resources.catalog())
    report = build_report(inputs, *span, unit, lang)
    doc = Document(io.BytesIO(write_docx(report)))
    return report, doc


def all_text(doc) -> str:
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def level(store, code, period):
    obs = rollup.current(store.observations())
    return obs[(obs["indicator"] == code) & (obs["period"] == period)]["value"].sum()


# --- 6. rates just under a round figure ------------------------------------------------------


def test_a_rate_just_under_a_round_figure_reads_nearly_not_reached(example_store):
    report, doc = report_for(example_store, (2011, 2015))
    text = "\n".join(p.text for p in doc.paragraphs)
    figures = report.figures.set_index("indicator")
    assert figures.loc["card_rate", "value"] < 98 and figures.loc["union_establishment_rate", "value"] < 85
    assert "办卡率达到近98%" in text and "办卡率达到98%" not in text
    assert "企业建会率达到近85%" in text and "企业建会率达到85%" not in text
    assert not re.search(r"办卡率[^。，；]*98%以上", text)


# --- 7. stocks as level and change -----------------------------------------------------------


def test_stocks_read_as_their_level_and_the_change_since_the_year_before_the_span(example_store):
    report, doc = report_for(example_store, (2016, 2020))
    text = "\n".join(p.text for p in doc.paragraphs)
    as_of = report.as_of
    grew = {code: (level(example_store, code, as_of), level(example_store, code, "2015Q4"))
            for code in ("union_enterprises", "members", "worker_libraries")}
    now, then = grew["union_enterprises"]
    assert f"建会企业达到{now:g}家，比2015年末增加{now - then:g}家" in text
    now, then = grew["members"]
    assert f"会员达到{now:g}人，增加{now - then:g}人" in text
    now, then = grew["worker_libraries"]
    assert f"职工书屋达到{now:g}个，比2015年末增加{now - then:g}个" in text
    assert "累计组织" not in text and "建成职工书屋" not in text and "发展会员" not in text


@given(st.floats(0, 1e7, allow_nan=False), st.floats(0, 1e7, allow_nan=False))
def test_a_worded_change_is_never_more_than_the_change(now, then):
    from reports.content import _change_text

    ind = resources.catalog()["members"]
    text = _change_text(now, then, ind, "zh")
    if abs(now - then) < 1e-9:
        assert text == "持平"
        return
    verb, rest = text[:2], text[2:]
    assert verb == ("增加" if now > then else "减少")
    stated, qualifier, unit = parse_zh(rest)
    assert unit == "人" and qualifier in ("exact", "more")
    assert stated <= Decimal(repr(abs(now - then))) + Decimal("1e-6")


# --- 8. a quarter missing inside the span ------------------------------------------------------


def test_a_withdrawn_quarter_inside_the_span_is_named_and_left_out_of_the_sums(example_store):
    uploads = example_store.uploads()
    example_store.withdraw(uploads.loc[uploads["period"] == "2011Q3", "id"].tolist(), "admin", "wrong file")
    report, doc = report_for(example_store, (2011, 2015))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert report.missing == ["2011Q3"]
    assert "五年来（缺2011年第三季度数据），帮助企业解决难题" in text
    assert text.count("缺2011年第三季度数据") == 1  # named once where the review opens
    assert "2011年第三季度没有上报数据，文中各项合计不含该季度" in text
    obs = rollup.current(example_store.observations())
    disputes = obs[(obs["indicator"] == "disputes_mediated") & (obs["period"] <= "2015Q4")]["value"].sum()
    assert f"调解劳资纠纷{disputes:g}件" in text
    assert report.figures.set_index("indicator").loc["disputes_mediated", "value"] == disputes
    # money stays at one decimal in 万 even when the sum is not round (21.8392万 is not written)
    assert not re.search(r"\d+\.\d{2,}万", text)


# --- 9. one road: the main table is the progress page's rows ---------------------------------


@pytest.mark.parametrize("unit", ["LGQ", "C01"])
def test_report_main_table_equals_the_progress_pages_rows(example_url, example_store, unit):
    import app_cache

    app_cache.clear()
    report, _ = report_for(example_store, (2016, 2020), unit)
    page = app_cache.evaluation("2016-2020", unit, report.as_of)
    table = report.main_table.set_index("indicator")
    page = page.set_index("indicator")
    assert list(table.index) == list(page.index)
    for column in ("base", "target", "current", "progress"):
        pd.testing.assert_series_equal(table[column].astype(float), page[column].astype(float), check_names=False)
    assert list(table["status"]) == list(page["status"])


def test_report_main_table_shows_the_bases_the_progress_page_shows(example_url, example_store):
    from tests.apptest_util import open_page

    report, doc = report_for(example_store, (2016, 2020))
    at = open_page("progress", "zh", quarter=report.as_of)
    assert not at.exception, at.exception
    shown = {}
    for frame in at.dataframe:
        for _, row in frame.value.iterrows():
            shown[row["指标"].lstrip("‼! ")] = row
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    assert set(rows) == set(shown)
    for name, row in rows.items():
        page_base = shown[name]["基期值"]  # a number (NaN where the goal has none)
        word_base = row[2]
        if pd.isna(page_base):
            assert word_base == "—", name
        else:
            assert float(word_base) == pytest.approx(float(page_base), abs=0.051), name
        assert shown[name]["进度状态"].endswith(row[6]), name
    # the bases the plan leaves out come from the data, as on the progress page
    assert rows["培训职工"][2] == "1149" and rows["互助保障参保份数"][2] == "647" and rows["救助困难党员职工"][2] == "36"


# --- 10. words where the plan has them, and tables that say something ------------------------


def test_next_plans_goals_are_in_the_plans_own_words(example_store):
    report, doc = report_for(example_store, (2011, 2015))
    text = "\n".join(report.next_sentences)
    assert "组织职工参加志愿服务2500人次" in text
    assert "8名职工考取高、中级技术资格" in text
    assert "五年累计达到" not in text


def test_plan_words_that_disagree_with_the_target_give_way_to_the_number(example_store):
    inputs = load_inputs(example_store, resources.catalog())
    targets = inputs.targets["2016-2020"].copy()
    targets.loc[targets["indicator"] == "volunteers", "target_value"] = 2600.0
    inputs.targets["2016-2020"] = targets
    text = "\n".join(build_report(inputs, 2011, 2015).next_sentences)
    assert "2500人次" not in text and "志愿服务人次五年累计达到2600人次" in text


def test_a_span_without_its_own_plan_gets_start_end_and_change(example_store):
    report, doc = report_for(example_store, (2011, 2015))
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "单位", "期初值", "期末值", "变化"]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    assert len(rows) >= 19
    assert all(any(ch.isdigit() for ch in "".join(row[2:])) for row in rows.values())
    start = level(example_store, "union_enterprises", "2011Q1")
    assert rows["建会企业数"][2:] == [f"{start:g}", "1500", f"+{1500 - start:g}"]
    assert "2011年第一季度" in report.main_note and "2015年第四季度" in report.main_note


def test_quarters_are_written_with_official_numerals(example_store):
    report, doc = report_for(example_store, (2011, 2015))
    text = all_text(doc)
    assert "数据截至2015年第四季度" in text
    assert not re.search(r"第\d季度", text)


def test_the_data_note_says_what_the_tables_hold(example_store):
    report, doc = report_for(example_store, (2016, 2020))
    text = all_text(doc)
    assert "表中为准确数" not in text and "表中比率和非整数保留两位小数" in text
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    assert rows["会员办卡率"][2] == "97.99"  # the base as it is, not rounded up to 98.0


# --- every worded figure against its data ---------------------------------------------------

SPAN = periods.span("2011Q1", "2015Q4")
UNITS = pd.DataFrame({"code": ["F", "A", "B"], "name_zh": ["总工会", "甲", "乙"], "name_en": ["F", "A", "B"],
                      "parent": ["", "F", "F"], "level": ["federation", "community", "enterprise"]})
SCALES = [1, 3, 40, 700, 9_000, 120_000, 3_000_000]


@st.composite
def made_up_data(draw):
    """Observations of every reported indicator for two units over 2011-2015: magnitudes from
    a handful to millions, some with fractions, some flagged approximate, some quarters missing."""
    seed = draw(st.integers(0, 2**32 - 1))
    missing = draw(st.sets(st.sampled_from(SPAN[1:-1]), max_size=3))
    rng = np.random.default_rng(seed)
    rows = []
    for ind in resources.catalog().reported():
        scale = SCALES[draw(st.integers(0, len(SCALES) - 1))]
        cents = draw(st.booleans()) and ind.unit == "元"
        approx = draw(st.booleans()) and draw(st.booleans())
        for unit in ("A", "B"):
            for q in SPAN:
                if q in missing:
                    continue
                value = rng.uniform(0, scale)
                value = round(value, 2) if cents else float(round(value))
                rows.append((unit, ind.code, q, value, approx, 1))
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate", "upload_id"])
    return obs, sorted(missing, key=periods.index)


def made_up_inputs(obs):
    uploads = pd.DataFrame({"id": [1], "filename": ["made-up.xlsx"], "uploaded_at": ["2016-01-10 09:00"],
                            "period": ["2015Q4"], "uploader": ["clerk"], "is_example": [False]})
    plans = pd.DataFrame(columns=["code", "name_zh", "name_en", "start_period", "end_period", "base_period"])
    return Inputs(observations=obs, units=UNITS, uploads=uploads, plans=plans, targets={},
                  catalog=resources.catalog())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made_up_data())
def test_every_worded_figure_of_the_report_is_never_above_its_data(data):
    obs, missing = data
    report = build_report(made_up_inputs(obs), 2011, 2015)
    text = "".join(s.text for sec in report.sections for s in sec.sentences)
    assert report.missing == missing
    for row in report.figures.itertuples(index=False):
        stated, qualifier, _ = parse_zh(row.wording)
        value = Decimal(repr(float(row.value)))
        if qualifier == "near":  # 近98%: just below the stated figure
            assert value < stated, row
        else:  # exact, 余 or 以上: the stated figure is at most the data
            assert stated <= value + Decimal("1e-9"), row
        if qualifier == "exact" and row.unit != "%":
            assert value - stated < Decimal("0.1") * max(value, Decimal(1)), row
    for number in re.findall(r"(\d+(?:\.\d+)?)万元", text):
        assert len(number.partition(".")[2]) <= 1, number
    if missing:
        assert f"缺{periods.label(missing[0]).split('年')[0]}年" in text


def test_a_part_that_is_zero_is_not_written(example_store):
    report, doc = report_for(example_store, (2016, 2020))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "0名" not in text and "其中0篇" not in text
    assert "选树培养北京市先进工作者和五一劳动奖章获得者1名" in text  # the total, as its parts are not both there
