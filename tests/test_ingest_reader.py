"""The reader on real files: the template and each deviation clerks' sheets really show."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resources
from ingest.template import write_template
from tests.ingest_fixtures import TITLE, csv_bytes, finding, run, stored, units, xlsx

HEAD = ["单位名称", "建会企业数（家）", "会员人数（人）", "职工人数（人）"]
C01, C02 = "卢沟桥社区联合工会", "小瓦窑社区联合工会"


def plain(rows, **kw):
    return run(xlsx({"季度数据": [[TITLE], HEAD, *rows]}), **kw)


def test_filled_template_imports_with_no_warning():
    values = pd.DataFrame({"unit": ["C01", "C01", "C02", "C02", "C01"],
                           "indicator": ["union_enterprises", "members", "union_enterprises", "members", "trainees"],
                           "value": [40, 120, 35, 100, 12]})
    raw = write_template(resources.catalog(), units().iloc[:3], "2016Q1", "卢沟桥街道总工会", values)
    p = run(raw, "template.xlsx")
    assert p.report.findings == []
    assert stored(p) == {("C01", "union_enterprises"): 40, ("C01", "members"): 120, ("C02", "union_enterprises"): 35,
                         ("C02", "members"): 100, ("C01", "trainees"): 12}
    assert p.report.period == "2016Q1"
    assert p.values.set_index(["unit", "indicator"]).loc[("C02", "members"), "where"] == "季度数据!G6"


def test_template_for_one_level_has_only_those_units():
    raw = write_template(resources.catalog(), units(), "2016Q2", "卢沟桥街道总工会", level="enterprise")
    from openpyxl import load_workbook
    import io
    ws = load_workbook(io.BytesIO(raw))["季度数据"]
    codes = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row)]
    assert codes and all(c.startswith("E") for c in codes)
    assert ws.freeze_panes == "C4"
    assert ws.data_validations.dataValidation


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=6, max_size=6))
def test_any_table_written_to_a_template_reads_back_unchanged(numbers):
    inds = ["union_enterprises", "members", "trainees"]
    values = pd.DataFrame({"unit": ["C01"] * 3 + ["C02"] * 3, "indicator": inds * 2, "value": numbers})
    # keep parts under wholes so the table is valid
    raw = write_template(resources.catalog(), units().iloc[1:3], "2016Q1", "卢沟桥街道总工会", values)
    p = run(raw)
    assert stored(p) == {(u, i): float(v) for u, i, v in zip(values["unit"], values["indicator"], values["value"])}


def test_header_found_under_title_and_filled_by_lines_with_messy_headers():
    rows = [[TITLE], ["填报单位：卢沟桥街道总工会", None, "报告期：2016年第1季度"], [],
            [None, "单位 名称", "建会\n企业数(家)", "工会会员人数（人）", "employees"],
            [None, C01, 40, 120, 150]]
    p = run(xlsx({"Sheet1": rows}))
    assert stored(p) == {("C01", "union_enterprises"): 40, ("C01", "members"): 120, ("C01", "employees"): 150}
    assert p.values["where"].tolist() == ["Sheet1!C5", "Sheet1!D5", "Sheet1!E5"]


def test_two_row_header_with_merged_category_cells():
    rows = [[TITLE], ["单位名称", "基层组织建设", None, "职工素质"], [None, "建会企业数", "会员人数", "培训职工（人次）"],
            [C01, 40, 120, 30]]
    p = run(xlsx({"季度数据": rows}, {"季度数据": ["A2:A3", "B2:C2"]}))
    assert stored(p) == {("C01", "union_enterprises"): 40, ("C01", "members"): 120, ("C01", "trainees"): 30}
    assert p.report.warnings == []


@pytest.mark.parametrize("text,value,approx", [
    ("1,234", 1234, False), ("１２３", 123, False), ("23万", 230000, False), ("200余", 200, True),
    ("2000多", 2000, True), ("约300", 300, True), (" 45 ", 45, False)])
def test_numbers_written_as_text(text, value, approx):
    p = run(xlsx({"季度数据": [[TITLE], ["单位名称", "培训职工（人次）", "会员人数"], [C01, text, 5]]}))
    assert stored(p)[("C01", "trainees")] == value
    assert bool(p.values.iloc[0]["approximate"]) is approx
    assert ("approximate" in p.report.codes()) is approx


@pytest.mark.parametrize("text,value", [("98%", 98.0), ("0.98", 98.0), (0.98, 98.0), ("98", 98.0)])
def test_percent_column_forms_are_cross_checked_not_stored(text, value):
    rows = [[TITLE], ["单位名称", "建会企业数", "签订集体合同企业数", "集体合同签订率（%）"], [C01, 50, 49, text]]
    p = run(xlsx({"季度数据": rows}))
    assert ("C01", "collective_contract_rate") not in stored(p)
    assert "rate_mismatch" not in p.report.codes()  # 49/50 = 98%
    cell = p.report.counts
    assert cell["ignored"] == 1


@pytest.mark.parametrize("text", [None, "—", "-", "/", "无", "  "])
def test_missing_is_not_zero(text):
    p = plain([[C01, text, 120, 150]])
    assert ("C01", "union_enterprises") not in stored(p)
    assert ("C01", "members") in stored(p)


def test_blank_rows_columns_notes_and_signatures_are_skipped():
    rows = [[TITLE], HEAD + [None, "备注"], [C01, 40, 120, 150], [], [None, None, None, None],
            [C02, 35, 100, 130, None, "新建"], [], ["注：1. 会员人数为季末数。"], ["填报人：张三", None, "审核人：李四", "报出日期：2016年4月5日"],
            ["联系电话：12345678"]]
    p = plain(rows[2:])
    assert set(stored(p)) == {(u, i) for u in ("C01", "C02") for i in ("union_enterprises", "members", "employees")}
    assert p.report.errors == [] and p.report.period == "2016Q1"


def test_total_row_is_not_stored_and_checked():
    p = plain([[C01, 40, 120, 150], [C02, 35, 100, 130], ["合计", 75, 230, 280]])
    assert len(p.values) == 6
    f = finding(p, "total_mismatch")
    assert f.where == "季度数据!C5" and f.params["total"] == "230" and f.params["sum"] == "220"
    assert [w.code for w in p.report.warnings] == ["total_mismatch"]


def test_total_first_row_as_on_official_forms():
    p = plain([["总计", 75, 220, 280], [C01, 40, 120, 150], [C02, 35, 100, 130]])
    assert p.report.findings == [] and len(p.values) == 6


@pytest.mark.parametrize("label", ["其中：女职工较多企业", "#楼宇企业", "其中"])
def test_subset_rows_are_parts_of_the_row_above(label):
    p = plain([[C01, 40, 120, 150], [label, 10, 30, 40], [C02, 35, 100, 130]])
    assert len(p.values) == 6 and p.report.findings == []
    p = plain([[C01, 40, 120, 150], [label, 50, 30, 40]])
    f = finding(p, "subset_over_parent")
    assert f.where == "季度数据!B4" and f.severity == "error"


@pytest.mark.parametrize("title,period", [
    ("卢沟桥街道总工会2016年第3季度工会统计表", "2016Q3"), ("2016年三季度统计表", "2016Q3"),
    ("统计表（2016年7-9月）", "2016Q3"), ("2016Q3 统计", "2016Q3")])
def test_period_from_the_title(title, period):
    p = run(xlsx({"季度数据": [[title], HEAD, [C01, 40, 120, 150]]}), "data.xlsx")
    assert p.report.period == period and set(p.values["period"]) == {period}


def test_period_from_a_cell_the_file_name_or_the_clerk():
    rows = [["工会工作统计表"], ["报告期：", "2016年第2季度"], HEAD, [C01, 40, 120, 150]]
    assert run(xlsx({"S": rows}), "data.xlsx").report.period == "2016Q2"
    bare = xlsx({"S": [HEAD, [C01, 40, 120, 150]]})
    assert run(bare, "卢沟桥_2016年1-3月.xlsx").report.period == "2016Q1"
    assert run(bare, "data.xlsx", period="2017Q4").report.period == "2017Q4"
    p = run(bare, "data.xlsx")
    assert finding(p, "period_missing").severity == "error"


def test_period_conflict_is_an_error_naming_the_cell():
    p = run(xlsx({"季度数据": [[TITLE], HEAD, [C01, 40, 120, 150]]}), "2016Q2.xlsx")
    f = finding(p, "period_conflict")
    assert f.severity == "error" and f.where == "季度数据!A1"
    p = run(xlsx({"季度数据": [[TITLE], HEAD, [C01, 40, 120, 150]]}), "data.xlsx", period="2016Q4")
    assert finding(p, "period_conflict").where == "季度数据!A1"


def test_several_sheets():
    raw = xlsx({"组织": [[TITLE], ["单位名称", "建会企业数", "会员人数"], [C01, 40, 120]],
                "素质": [[TITLE], ["单位名称", "培训职工", "举办培训班"], [C01, 30, 2]]})
    p = run(raw)
    assert stored(p) == {("C01", "union_enterprises"): 40, ("C01", "members"): 120, ("C01", "trainees"): 30,
                         ("C01", "training_sessions"): 2}
    assert p.report.sheets == ["组织", "素质"]


def test_long_table():
    rows = [["单位", "指标", "期间", "数值"], [C01, "会员人数", "2016Q1", 120], ["C02", "培训人次", "2016年第1季度", "约50"],
            [C02, "不存在的指标", "2016Q1", 3]]
    p = run(xlsx({"数据": rows}), "long.xlsx")
    assert stored(p) == {("C01", "members"): 120, ("C02", "trainees"): 50}
    assert finding(p, "unknown_indicator").where == "数据!B4"
    assert p.report.period == "2016Q1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_and_gbk(encoding):
    raw = csv_bytes([["单位名称", "建会企业数（家）", "会员人数（人）"], [C01, "1,234", "约300"], [C02, 35, 100]], encoding)
    p = run(raw, "2016Q1.csv")
    assert stored(p) == {("C01", "union_enterprises"): 1234, ("C01", "members"): 300, ("C02", "union_enterprises"): 35,
                         ("C02", "members"): 100}
    assert finding(p, "approximate").where == "2016Q1.csv!C2"


def test_formula_cells_by_cached_value_and_missing_cached_value_is_an_error():
    from openpyxl import load_workbook
    import io
    raw = xlsx({"季度数据": [[TITLE], HEAD, [C01, 40, "=B3*3", 150]]})
    p = run(raw)
    f = finding(p, "formula_no_value")
    assert f.where == "季度数据!C3" and f.severity == "error"
    # a formula saved with its value (as Excel does) reads as the value: patch the cached value in
    import zipfile
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>B3*3</f><v></v>", b"<f>B3*3</f><v>120</v>")
            zout.writestr(item, data)
    p = run(out.getvalue())
    assert stored(p)[("C01", "members")] == 120 and p.report.errors == []
    assert load_workbook(io.BytesIO(out.getvalue()))  # still a valid workbook


def test_official_form_furniture_lanci_row_split_columns_and_multiplier():
    rows = [["表号：工统1表", None, None, "制表机关：区总工会"], [TITLE], ["计量单位：见各栏"],
            ["单位名称", "代码", "会员人数", "为农民工讨薪金额（万元）", "调解劳资纠纷", None],
            [None, None, None, None, "本季", "本年累计"],
            ["甲", "乙", 1, 2, 3, 4],
            ["一、社区联合工会"],
            [C01, "C01", 120, "2.5", 3, 3],
            ["单位负责人：王五", None, "填表人：张三", None, "报出日期：2016年4月5日"]]
    p = run(xlsx({"表1": rows}, {"表1": ["E4:F4"]}))
    assert stored(p) == {("C01", "members"): 120, ("C01", "wage_arrears_recovered"): 25000,
                         ("C01", "disputes_mediated"): 3}
    assert p.report.errors == [] and p.report.period == "2016Q1"


def test_vertical_form_one_unit_per_sheet():
    rows = [[TITLE], ["填报单位：卢沟桥社区联合工会"], ["指标名称", "计量单位", "代码", "本季", "上年同期"],
            ["会员人数", "人", "03", 120, 110], ["其中：培训职工", "人次", "04", 30, 20], ["调解劳资纠纷", "件", "05", "—", 1]]
    p = run(xlsx({"表": rows}))
    assert stored(p) == {("C01", "members"): 120, ("C01", "trainees"): 30}


def test_unknown_column_is_ignored_and_listed():
    p = plain([[C01, 40, 120, 150, "x"]])
    p = run(xlsx({"季度数据": [[TITLE], HEAD + ["党员人数"], [C01, 40, 120, 150, 12]]}))
    f = finding(p, "unknown_column")
    assert f.where == "季度数据!E2" and f.params["header"] == "党员人数" and f.severity == "warning"
    assert p.report.ignored_columns == [{"where": "季度数据!E2", "header": "党员人数"}]
    assert len(p.values) == 3


def test_legacy_xls_reads_like_the_template():
    """tests/data/ingest/2016Q1_template.xls: a filled template (the federation and 3 joint unions, 会员人数 and
    职工人数) saved as Excel 97-2003 by LibreOffice Calc (no kept Python library writes .xls)."""
    from pathlib import Path

    raw = (Path(__file__).parent / "data" / "ingest" / "2016Q1_template.xls").read_bytes()
    p = run(raw, "2016Q1_template.xls")
    assert p.report.ok, [f.code for f in p.report.errors]
    assert p.report.period == "2016Q1"
    got = stored(p)
    assert got[("LGQ", "members")] == 10 and got[("C01", "members")] == 20 and got[("C03", "members")] == 40
    assert got[("C03", "employees")] == 50
    assert len(got) == 8
    assert not [w.code for w in p.report.warnings if w.code != "approximate"]


# ---- percent columns: the whole-column rule for shares ------------------------------------------

RATE_HEAD = ["单位名称", "建会企业数", "签订集体合同企业数", "集体合同签订率（%）"]
C03 = "大井社区联合工会"


def percent_formatted(rows, fmt="0%"):
    """A real workbook whose rate column D is formatted as a percentage, as Excel users do:
    the cell shows 100% and stores 1.0."""
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(xlsx({"季度数据": [[TITLE], RATE_HEAD, *rows]})))
    for r in range(3, 3 + len(rows)):
        wb["季度数据"].cell(row=r, column=4).number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rate_cells(raw):
    from ingest.reader import read_file
    cells = read_file(raw, "2016Q1.xlsx", resources.catalog()).cells
    rate = cells[cells["indicator"] == "collective_contract_rate"]
    return dict(zip(rate["where"], rate["value"]))


def test_a_column_of_shares_reads_one_as_one_hundred_percent():
    # 50/50 = 100%, 49/50 = 98%, 25/50 = 50%: Excel stores the shown 100% as 1.0
    raw = percent_formatted([[C01, 50, 50, 1.0], [C02, 50, 49, 0.98], [C03, 50, 25, 0.5]])
    assert rate_cells(raw) == {"季度数据!D3": 100.0, "季度数据!D4": 98.0, "季度数据!D5": 50.0}
    p = run(raw)
    assert "rate_mismatch" not in p.report.codes()
    assert p.report.findings == []


def test_a_column_mixing_percent_and_shares_is_read_cell_by_cell():
    # 98 beside 0.98: the column is not all shares, so 1.0 stays 1% and is flagged against 50/50
    raw = xlsx({"季度数据": [[TITLE], RATE_HEAD, [C01, 50, 49, 98], [C02, 50, 49, 0.98], [C03, 50, 50, 1.0]]})
    assert rate_cells(raw) == {"季度数据!D3": 98.0, "季度数据!D4": 98.0, "季度数据!D5": 1.0}
    p = run(raw)
    assert [f.where for f in p.report.findings if f.code == "rate_mismatch"] == ["季度数据!D5"]


def test_a_column_of_only_ones_and_zeros_is_not_taken_for_shares():
    # nothing below 1 proves the column holds shares: 1.0 is read as typed (1%)
    raw = xlsx({"季度数据": [[TITLE], RATE_HEAD, [C01, 50, 0, 0], [C02, 100, 1, 1.0]]})
    assert rate_cells(raw) == {"季度数据!D3": 0.0, "季度数据!D4": 1.0}


def test_percent_text_beside_shares_keeps_its_own_reading():
    # text cells say what they mean; only the number cells decide whether the column holds shares
    raw = percent_formatted([[C01, 50, 50, 1.0], [C02, 50, 49, "98%"], [C03, 50, 25, 0.5]])
    assert rate_cells(raw) == {"季度数据!D3": 100.0, "季度数据!D4": 98.0, "季度数据!D5": 50.0}


def test_a_long_table_of_shares_reads_one_as_one_hundred_percent():
    rows = [["单位名称", "指标", "数值"], [C01, "集体合同签订率", 1.0], [C02, "集体合同签订率", 0.96],
            [C01, "会员人数", 1.0]]
    from ingest.reader import read_file
    cells = read_file(xlsx({"Sheet1": rows}), "2016Q1.xlsx", resources.catalog()).cells
    got = {(w, i): v for w, i, v in zip(cells["where"], cells["indicator"], cells["value"])}
    assert got == {("Sheet1!C2", "collective_contract_rate"): 100.0, ("Sheet1!C3", "collective_contract_rate"): 96.0,
                   ("Sheet1!C4", "members"): 1.0}
