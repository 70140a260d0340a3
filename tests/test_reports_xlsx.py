"""The report's tables as an Excel workbook, read back with openpyxl: one sheet per table,
numbers as numbers with formats, and no text cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

import resources
from reports.content import build_report, load_inputs
from reports.xlsx_writer import FORMULA_STARTS, safe_text, write_xlsx
from store.db import NewUpload


def workbook(store, span=(2016, 2020), unit=None):
    report = build_report(load_inputs(store, resources.catalog()), *span, unit)
    return report, load_workbook(io.BytesIO(write_xlsx(report)))


def test_one_sheet_per_table_with_numbers_as_numbers(example_store):
    report, wb = workbook(example_store)
    assert wb.sheetnames == ["主要指标", "今后五年目标", "各领域数据", "报告句子", "数据溯源", "数据来源"]
    main = wb["主要指标"]
    assert [c.value for c in main[2]][:3] == ["指标", "单位", "基期值"]
    rows = {r[0].value: r for r in main.iter_rows(min_row=3)}
    assert len(rows) == len(report.main_table)
    row = rows["建会企业数"]
    expected = report.main_table.set_index("name").loc["建会企业数"]
    assert isinstance(row[5].value, (int, float)) and row[5].value == expected["current"]
    assert row[6].value == pytest.approx(expected["progress"]) and row[6].number_format == "0.0%"
    assert rows["企业建会率"][5].number_format == "0.00"  # two decimals, as the data note says
    figures = {r[1].value: r for r in wb["各领域数据"].iter_rows(min_row=3)}
    assert figures["为农民工讨薪金额"][3].number_format == "#,##0"
    assert wb["数据溯源"].max_row - 2 == len(report.trace.groupby(["area", "indicator", "unit"]))
    assert wb["数据来源"].max_row - 2 == len(report.sources)


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("会员人数", "会员人数"), ("a=1", "a=1"), ("—", "—"), ("x\x00y\x1f", "xy"),
])
def test_safe_text(text, expected):
    assert safe_text(text) == expected


def test_formula_injection_in_names_and_files_is_neutralised(example_store):
    units = pd.DataFrame([{"code": "=cmd|' /C calc'!A0", "name_zh": "+1-1@工会\x02", "name_en": "@SUM(1)",
                           "parent": "LGQ", "level": "community"}])
    example_store.add_units(units)
    values = pd.DataFrame([{"unit": "=cmd|' /C calc'!A0", "indicator": "trainees", "period": "2016Q3",
                            "value": 9.0, "approximate": False}])
    example_store.add_upload(NewUpload("=HYPERLINK(\"http://evil\",\"x\").xlsx", b"x", "-clerk", values, period="2016Q3"))
    _, wb = workbook(example_store)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_STARTS), (ws.title, cell.coordinate, cell.value)
    assert "'=HYPERLINK(\"http://evil\",\"x\").xlsx" in texts
    assert "'+1-1@工会" in texts and "'=cmd|' /C calc'!A0" in texts and "'-clerk" in texts
