"""The units grid's Excel download at a district's size (issue 12): 2,200 units × 19 goals
(pace and outlook columns each) written with each cell in its status colour."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import load_workbook

import resources
from metrics import goals as G
from tables import grid_cells, status_grid_table, status_grid_xlsx

GOALS = [g["indicator"] for g in resources.example_plan()["goals"]]


def test_units_grid_of_2200_units_is_written_to_excel_with_its_colours():
    units = pd.DataFrame({"code": [f"E{i:05d}" for i in range(2_200)], "name_zh": [f"第{i}企业工会" for i in range(2_200)],
                          "name_en": "", "parent": "FED", "level": "enterprise"})
    statuses = np.array(["behind", "ahead", "on_track", "seriously_behind"])
    outlooks = np.array(["limited", "on_track", "reversing", "faster"])
    n = len(units) * len(GOALS)
    ev = pd.DataFrame({"unit": np.repeat(units["code"], len(GOALS)), "indicator": np.tile(GOALS, len(units)),
                       "status": statuses[np.arange(n) % 4], "outlook": outlooks[np.arange(n) % 3]})
    grid = grid_cells(G.status_grid(ev), G.status_grid(ev, "outlook"))
    shown = status_grid_table(grid, units)
    data = status_grid_xlsx(grid, shown, "标题")
    ws = load_workbook(io.BytesIO(data), read_only=False).active
    assert ws["A1"].value == "标题" and ws["A4"].value == "第0企业工会" and ws.max_row == 3 + 2_200
    assert ws["B4"].value == shown.iloc[0, 0] and ws["B4"].fill.fgColor.rgb.endswith("E69F00")  # behind
    assert ws.freeze_panes == "B4"
