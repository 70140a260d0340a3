"""Figures in the pages' tables are numbers (issue 11): every figure column of the overview,
progress, goals, indicator, reporting and report pages has a numeric dtype, names its unit in
its header (or sits beside a 单位 column where the rows mix units), is shown by the grid as a
number column with thousands separators, sorts as numbers (9 before 10, not "10" before "9"),
and shows a missing figure as an empty cell, never the text "nan"."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import open_page, run_app

UNIT = {"zh": "单位", "en": "Unit"}


def numeric(frame, column) -> None:
    """``column`` of ``frame`` holds numbers that sort as numbers."""
    values = frame[column]
    assert values.dtype.kind in "fi", (column, values.dtype)
    ordered = values.sort_values(kind="stable").dropna().tolist()
    assert ordered == sorted(float(v) for v in values.dropna())


def no_nan_text(frame) -> None:
    for col in frame.columns:
        if frame[col].dtype.kind not in "fi":
            texts = {str(v).strip().lower() for v in frame[col].dropna()}
            assert not texts & {"nan", "none", "<na>"}, col


def number_columns(element) -> dict:
    """The grid's column configuration as sent to the browser: ``{column: config}``."""
    config = json.loads(element.proto.columns or "{}")
    return {name: c for name, c in config.items() if c.get("type_config", {}).get("type") == "number"}


def test_sorting_text_figures_would_put_10_before_9():
    """What the change fixes: figures as text sort by character."""
    import pandas as pd

    assert pd.Series(["10人", "9人"]).sort_values().tolist() == ["10人", "9人"]
    assert pd.Series([10.0, 9.0]).sort_values().tolist() == [9.0, 10.0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_figures_are_numbers_beside_a_unit_column(example_url, lang):
    at = run_app(lang)
    assert not at.exception, at.exception
    value, change = ("本季值", "较上季") if lang == "zh" else ("This quarter", "On last quarter")
    for tab in at.tabs:
        element = tab.dataframe[0]
        frame = element.value
        assert UNIT[lang] in frame.columns
        pct = f"{change}（%）" if lang == "zh" else f"{change} (%)"
        for col in (value, change, pct):
            numeric(frame, col)
        no_nan_text(frame)
        shown = number_columns(element)
        assert shown[value]["type_config"]["format"] == "localized" and pct in shown
    members = next(t for t in at.tabs if t.label == ("基层组织建设" if lang == "zh" else "Grassroots organisation"))
    frame = members.dataframe[0].value
    row = frame[frame.iloc[:, 0] == ("会员人数" if lang == "zh" else "Union members")].iloc[0]
    assert row[value] == 7700 and row[UNIT[lang]] == ("人" if lang == "zh" else "persons")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_progress_table_figures_are_numbers(example_url, lang):
    at = open_page("progress", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    base, target, current = ("基期值", "目标值", "当前值") if lang == "zh" else ("Base", "Target", "Current")
    for element in at.dataframe:
        frame = element.value
        assert UNIT[lang] in frame.columns
        for col in (base, target, current):
            numeric(frame, col)
        no_nan_text(frame)
        assert {base, target, current} <= set(number_columns(element))
    # a goal with a direction only has no target figure (NaN: the grid shows —, not "None");
    # a goal totalled over the plan says so beside its unit
    rights = at.dataframe[0].value
    contract = rights[rights.iloc[:, 0].str.contains("集体合同签订率" if lang == "zh" else "Collective contract rate")].iloc[0]
    assert contract[target] != contract[target]
    assert at.dataframe[0].proto.placeholder == "—"
    harmonious = rights[rights.iloc[:, 0].str.contains("劳动关系和谐企业" if lang == "zh" else "Harmonious")].iloc[0]
    assert harmonious[UNIT[lang]] == ("家（累计）" if lang == "zh" else "enterprises, total")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_goals_table_base_and_target_are_numbers(example_url, lang):
    at = open_page("goals", lang, quarter="2017Q4")
    element = at.dataframe[0]
    frame = element.value
    base, target = ("基期值", "目标值") if lang == "zh" else ("Base", "Target")
    numeric(frame, base)
    numeric(frame, target)
    assert UNIT[lang] in frame.columns
    assert {base, target} <= set(number_columns(element))
    no_nan_text(frame)


def test_goals_pace_in_points_has_no_stray_space(example_url):
    at = open_page("goals", "zh", quarter="2017Q4")
    paces = at.dataframe[0].value["年均/累计"].tolist()
    assert any(p.startswith("年均+") and p.endswith("个百分点") for p in paces)
    assert not any(" 个百分点" in p for p in paces)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_units_table_names_the_unit_in_its_headers(example_url, lang):
    at = open_page("indicator", lang, quarter="2017Q4", indicator="members")
    assert not at.exception, at.exception
    element = at.dataframe[0]
    frame = element.value
    headers = ("基期值（人）", "目标值（人）", "当前值（人）") if lang == "zh" else (
        "Base (persons)", "Target (persons)", "Current (persons)")
    for col in headers:
        numeric(frame, col)
    assert set(headers) <= set(number_columns(element))
    no_nan_text(frame)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reporting_rates_are_numbers(example_url, lang):
    at = open_page("reporting", lang)
    assert not at.exception, at.exception
    rate = "报送率(%)" if lang == "zh" else "Reporting rate (%)"
    element = next(d for d in at.dataframe if rate in d.value.columns)
    numeric(element.value, rate)
    assert rate in number_columns(element)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_page_tables_are_numbers(example_url, lang):
    at = open_page("report", lang)
    assert not at.exception, at.exception
    progress = "完成进度（%）" if lang == "zh" else "Progress (%)"
    element = next(d for d in at.dataframe if progress in d.value.columns)
    main = element.value
    base, current = ("基期值", "当前值") if lang == "zh" else ("Base", "Current")
    for col in (base, current, progress):
        numeric(main, col)
    assert {base, current, progress} <= set(number_columns(element))
    no_nan_text(main)
    # the annual summary's and the mid-term review's tables on the same page
    # by session state: the radio's labels depend on the run's language, which AppTest cannot see
    at.session_state["report_kind"] = "annual"
    at.run(timeout=120)
    assert not at.exception, at.exception
    this_year = "本年" if lang == "zh" else "This year"
    annual = next(d for d in at.dataframe if this_year in d.value.columns)
    numeric(annual.value, this_year)
    assert this_year in number_columns(annual)
    at.session_state["report_kind"] = "midterm"
    at.run(timeout=120)
    assert not at.exception, at.exception
    midterm = next(d for d in at.dataframe if progress in d.value.columns)
    numeric(midterm.value, progress)
    numeric(midterm.value, current)


@pytest.mark.parametrize("lang, word", [("zh", "系统"), ("en", "System")])
def test_reporting_units_table_names_the_programs_own_account(example_url, lang, word):
    """The example data were uploaded by the built-in account: 报送人 reads 系统, not "system"."""
    at = open_page("reporting", lang)
    uploader = "报送人" if lang == "zh" else "Reported by"
    units = next(d.value for d in at.dataframe if uploader in d.value.columns)
    assert set(units[uploader]) == {word}
