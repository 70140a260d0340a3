"""Real forms as clerks fill them: a 合计 row written in the 序号 column (merged A:B or not,
first or last, 合计 / 总计 / 合 计 / 小计), and vertical forms whose unit is the 填报单位 line."""

from __future__ import annotations

import pytest

from tests.ingest_fixtures import TITLE, finding, run, stored, xlsx

C01, C02 = "卢沟桥社区联合工会", "小瓦窑社区联合工会"
HEAD = ["序号", "单位名称", "建会企业数（家）", "会员人数（人）", "职工人数（人）"]
UNITS = [[1, C01, 40, 120, 150], [2, C02, 35, 100, 130]]
GOOD = {("C01", "union_enterprises"): 40, ("C01", "members"): 120, ("C01", "employees"): 150,
        ("C02", "union_enterprises"): 35, ("C02", "members"): 100, ("C02", "employees"): 130}


def _form(label, *, column, merged, first, total=(75, 220, 280)):
    """The title, header, two unit rows and a total row labelled ``label`` in column A (序号)
    or B (单位名称), A:B merged or not, before or after the units."""
    total_row = [label, None, *total] if column == "A" else [None, label, *total]
    body = [total_row, *UNITS] if first else [*UNITS, total_row]
    r = 3 if first else 5
    merges = {"季度数据": [f"A{r}:B{r}"]} if merged else None
    return xlsx({"季度数据": [[TITLE], HEAD, *body]}, merges), r


# a merged A:B range keeps its text in A (what Excel and WPS save), so "B, merged" is not a form
PLACES = [("A", True), ("A", False), ("B", False)]


@pytest.mark.parametrize("label", ["合计", "总计", "合 计", "合　计", "合计：", "全街道合计", " 总 计 "])
@pytest.mark.parametrize("column,merged", PLACES)
@pytest.mark.parametrize("first", [True, False])
def test_total_row_in_the_number_or_unit_column_is_checked_not_stored(label, column, merged, first):
    raw, _ = _form(label, column=column, merged=merged, first=first)
    p = run(raw)
    assert p.report.findings == [], p.report.codes()
    assert stored(p) == GOOD


@pytest.mark.parametrize("column,merged", PLACES)
def test_a_total_in_the_number_column_that_disagrees_is_a_warning_at_its_cell(column, merged):
    raw, r = _form("合计", column=column, merged=merged, first=False, total=(75, 230, 280))
    p = run(raw)
    assert p.report.codes() == ["total_mismatch"]
    f = finding(p, "total_mismatch")
    assert f.where == f"季度数据!D{r}" and f.params["total"] == "230" and f.params["sum"] == "220"
    assert "请补上单位名称" not in f.message("zh")


@pytest.mark.parametrize("merged", [True, False])
def test_subtotal_in_the_number_column_is_neither_stored_nor_an_unnamed_unit(merged):
    raw, _ = _form("小计", column="A", merged=merged, first=False)
    p = run(raw)
    assert "missing_unit" not in p.report.codes()
    assert stored(p) == GOOD


def test_a_unit_row_with_a_number_in_the_number_column_is_still_a_unit():
    p = run(xlsx({"季度数据": [[TITLE], HEAD, *UNITS]}))
    assert stored(p) == GOOD and p.report.findings == []


def test_a_row_with_data_and_no_name_still_asks_for_the_name():
    p = run(xlsx({"季度数据": [[TITLE], HEAD, *UNITS, [3, None, 5, 6, 7]]}))
    assert finding(p, "missing_unit").where == "季度数据!B5"


def _vertical(line, sheet="Sheet1", extra=None, below=False):
    head = ["指标名称", "计量单位", "本季"]
    body = [["会员人数", "人", 120], ["职工人数", "人", 150]]
    filled = [line] + (extra or [])
    rows = [[TITLE], head, *body, [], filled] if below else [[TITLE], filled, head, *body]
    return run(xlsx({sheet: rows}))


@pytest.mark.parametrize("line", [
    "填报单位（盖章）：卢沟桥社区联合工会", "填报单位(盖章):卢沟桥社区联合工会", "填报单位：卢沟桥社区联合工会",
    "填报单位: 卢沟桥社区联合工会", "填报单位（盖章）： 卢沟桥社区联合工会  ", "填 报 单 位 ：卢沟桥社区联合工会",
    "填报单位 卢沟桥社区联合工会", "填报单位：卢沟桥社区联合工会（盖章）",
    "填报单位（盖章）：卢沟桥社区联合工会        报告期：2016年第1季度"])
@pytest.mark.parametrize("sheet", ["Sheet1", "卢沟桥", "表1", "2016Q1"])
def test_vertical_form_takes_its_unit_from_the_filled_by_line(line, sheet):
    p = _vertical(line, sheet)
    assert stored(p) == {("C01", "members"): 120, ("C01", "employees"): 150}
    assert p.report.findings == [], p.report.codes()


@pytest.mark.parametrize("extra", [["卢沟桥社区联合工会"], [None, "卢沟桥社区联合工会（盖章）"]])
def test_vertical_form_unit_in_the_cell_after_the_label(extra):
    p = _vertical("填报单位（盖章）：", "Sheet1", extra)
    assert stored(p) == {("C01", "members"): 120, ("C01", "employees"): 150}


def test_vertical_form_filled_by_line_below_the_table():
    p = _vertical("填报单位（盖章）：卢沟桥社区联合工会", "小瓦窑", below=True)
    assert set(stored(p)) == {("C01", "members"), ("C01", "employees")}
    assert p.report.codes() == ["sheet_name_differs"]


def test_vertical_form_whose_sheet_names_another_unit_warns_and_counts_for_the_form():
    p = _vertical("填报单位（盖章）：卢沟桥社区联合工会", "小瓦窑")
    f = finding(p, "sheet_name_differs")
    assert f.severity == "warning" and f.where == "小瓦窑!A2"
    assert "卢沟桥社区联合工会" in f.message("zh") and "小瓦窑" in f.message("zh")
    assert "小瓦窑" in f.message("en")
    assert set(stored(p)) == {("C01", "members"), ("C01", "employees")}


def test_vertical_form_without_a_filled_by_line_takes_the_sheet_name():
    p = _vertical("报告期：2016年第1季度", "卢沟桥社区联合工会")
    assert stored(p) == {("C01", "members"): 120, ("C01", "employees"): 150}


def test_unit_head_signature_is_not_the_unit():
    p = _vertical("填报单位负责人：张三", "卢沟桥社区联合工会")
    assert set(stored(p)) == {("C01", "members"), ("C01", "employees")}


def test_findings_table_shows_the_location_once():
    from ingest.report import findings_frame

    p = _vertical("填报单位（盖章）：卢沟桥社区联合工会", "小瓦窑")
    frame = findings_frame(p.report.warnings, "zh")
    where, message = frame.iloc[0].tolist()
    assert where == "小瓦窑!A2" and "小瓦窑!A2" not in message and message.startswith("表内填报单位")
    en = findings_frame(p.report.warnings, "en").iloc[0].tolist()
    assert "小瓦窑!A2" not in en[1] and en[1].startswith("the form")
