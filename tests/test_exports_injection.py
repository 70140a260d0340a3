"""No text a user or a spreadsheet supplied becomes a formula in a workbook the dashboard writes
(plan export, units grid, quarterly template): such cells start with ``'``."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

import resources

HOSTILE = ['=HYPERLINK("http://evil.example/","x")', "+1+1", "-2+3", "@SUM(A1)"]


def all_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formula_from(data: bytes, texts: list[str]):
    cells = list(all_cells(data))
    assert not [c.coordinate for c in cells if c.data_type == "f" and any(t.lstrip("=+-@")[:6] in str(c.value) for t in texts)]
    shown = {c.value for c in cells if isinstance(c.value, str)}
    for text in texts:
        assert "'" + text in shown, text


def test_plan_export_neutralises_goal_texts_and_plan_names():
    from ingest.plans_io import export_plan

    plan = {"code": "2021-2025", "name_zh": HOSTILE[0], "name_en": HOSTILE[1], "start_period": "2021Q1",
            "end_period": "2025Q4", "base_period": "2020Q4"}
    targets = pd.DataFrame([{"plan": "2021-2025", "indicator": "members", "unit": "", "target_type": "level",
                             "base_value": 1.0, "target_value": 2.0, "attribute": "预期性", "goal_direction": "",
                             "goal_text_zh": HOSTILE[2], "goal_text_en": HOSTILE[3], "active": True}])
    data = export_plan(plan, targets, resources.catalog())
    assert_no_formula_from(data, HOSTILE)


def test_template_neutralises_unit_names():
    from ingest.template import write_template

    units = pd.DataFrame({"code": ["X1", "X2"], "name_zh": [HOSTILE[0], HOSTILE[2]]})
    data = write_template(resources.catalog(), units, "2016Q1", "卢沟桥街道总工会")
    assert_no_formula_from(data, [HOSTILE[0], HOSTILE[2]])
    # the template's own 合计 formulas are still formulas
    assert any(c.data_type == "f" and str(c.value).startswith("=SUM(") for c in all_cells(data))


@pytest.mark.usefixtures("example_url")
def test_units_grid_neutralises_unit_names_and_title():
    from tables import grid_cells, status_grid_xlsx
    from metrics import goals as G

    ev = pd.DataFrame({"unit": ["LGQ"], "indicator": ["members"], "status": ["behind"], "outlook": ["limited"]})
    grid = grid_cells(G.status_grid(ev), G.status_grid(ev, "outlook"))
    shown = pd.DataFrame({"会员人数": ["▼ 滞后"]}, index=pd.Index([HOSTILE[0]], name="单位"))
    data = status_grid_xlsx(grid, shown, HOSTILE[1])
    assert_no_formula_from(data, [HOSTILE[0], HOSTILE[1]])
