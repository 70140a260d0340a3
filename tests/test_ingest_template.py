"""The quarterly template guides the clerk in Excel and WPS: validation messages in warning
style (so 约300 and 200余 can still be entered), an input prompt with each indicator's
definition, and a protected sheet where only the data cells can be typed in."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import resources
from ingest.template import FIRST_DATA_ROW, HEADER_ROW, write_template
from tests.ingest_fixtures import run, units


def template(values=None):
    return write_template(resources.catalog(), units().iloc[:3], "2016Q1", "卢沟桥街道总工会", values)


def test_every_indicator_column_warns_in_chinese_and_prompts_with_its_definition():
    ws = load_workbook(io.BytesIO(template()))["季度数据"]
    catalog = list(resources.catalog())
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert len(rules) == len(catalog)
    for col, ind in enumerate(catalog, start=3):
        dv = rules[f"{get_column_letter(col)}{FIRST_DATA_ROW}"]
        assert dv.showErrorMessage is True and dv.errorStyle == "warning", ind.code
        assert ind.zh in dv.error and dv.errorTitle and len(dv.error) <= 255
        assert dv.showInputMessage is True and dv.promptTitle == ind.zh[:32]
        assert ind.definition_zh in dv.prompt and len(dv.prompt) <= 255


def test_header_and_code_columns_are_protected_and_data_cells_are_not():
    ws = load_workbook(io.BytesIO(template()))["季度数据"]
    assert ws.protection.sheet is True and not ws.protection.password  # no password: 撤销工作表保护 lifts it
    assert ws.protection.formatColumns is False  # columns can still be widened
    last = ws.max_row
    assert ws.cell(row=last, column=2).value == "合计"
    assert str(ws.cell(row=last, column=3).value).startswith("=")  # the formulas are kept
    for col in range(1, ws.max_column + 1):
        assert ws.cell(row=HEADER_ROW, column=col).protection.locked
        assert ws.cell(row=last, column=col).protection.locked
    for row in range(FIRST_DATA_ROW, last):
        assert ws.cell(row=row, column=1).protection.locked and ws.cell(row=row, column=2).protection.locked
        assert all(not ws.cell(row=row, column=c).protection.locked for c in range(3, ws.max_column + 1))


def test_a_protected_template_filled_with_estimates_still_imports():
    import pandas as pd

    values = pd.DataFrame({"unit": ["C01", "C01"], "indicator": ["members", "trainees"], "value": [120, 12]})
    wb = load_workbook(io.BytesIO(template(values)))
    ws = wb["季度数据"]
    header = [c.value for c in ws[HEADER_ROW]]
    trainees = header.index("培训职工（人次）") + 1
    row = next(r for r in range(FIRST_DATA_ROW, ws.max_row) if ws.cell(row=r, column=1).value == "C01")
    ws.cell(row=row, column=trainees, value="约300")  # what the warning style lets a clerk keep
    buf = io.BytesIO()
    wb.save(buf)
    p = run(buf.getvalue(), "template.xlsx")
    assert p.report.errors == []
    assert {w.code for w in p.report.warnings} == {"approximate"}
