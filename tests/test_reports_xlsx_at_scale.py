"""The report's traceability sheet at a district's size (issue 12): one row per indicator and
unit, built from grouped frames (speed: python -m benchmarks), with the same rows as before (quarters first–last, count, sum, upload numbers ascending)."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pandas as pd
from openpyxl import load_workbook

import resources
from reports.content import build_report, load_inputs
from reports.xlsx_writer import _trace_rows, write_xlsx


def big_trace(n_units: int, quarters: list[str]) -> pd.DataFrame:
    inds = [i.code for i in resources.catalog() if i.kind != "rate"][:35]
    units = [f"E{u:05d}" for u in range(n_units)]
    per_q = n_units * len(inds)
    frame = pd.DataFrame({
        "area": np.tile(np.repeat(["org", "rights", "service", "culture", "build"], 7), n_units * len(quarters)),
        "indicator": np.tile(inds, n_units * len(quarters)),
        "unit": np.tile(np.repeat(units, len(inds)), len(quarters)),
        "period": np.repeat(quarters, per_q),
        "value": 2.0, "approximate": False,
        # uploads 30, 20, 10 … descending by quarter: the sheet lists them ascending
        "upload_id": np.repeat([10 * (len(quarters) - k) for k in range(len(quarters))], per_q),
        "filename": "f.xlsx"})
    frame["unit_name"] = frame["unit"].str.replace("E", "企业", regex=False)
    frame.loc[0, "approximate"] = True
    return frame


QUARTERS = ["2016Q1", "2016Q2", "2016Q3", "2016Q4", "2017Q1", "2017Q2", "2017Q3", "2017Q4"]


def test_trace_sheet_lists_each_indicator_and_unit_once_with_quarters_sum_and_uploads(example_store):
    inputs = load_inputs(example_store, resources.catalog())
    report = build_report(inputs, 2016, 2020, None, "en")
    big = dataclasses.replace(report, trace=big_trace(200, QUARTERS))
    wb = load_workbook(io.BytesIO(write_xlsx(big)), read_only=True)
    rows = list(wb[report.labels["sheet.trace"][:31]].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 200 * 35
    assert rows[0][2:] == ("E00000", "企业00000", "2016 Q1–2017 Q4", 8, 16.0, True, "10、20、30、40、50、60、70、80")
    assert rows[1][7] is False and rows[-1][2] == "E00199"


def test_trace_rows_of_77000_indicator_unit_pairs_are_built():
    trace = big_trace(2_200, QUARTERS)
    rows = list(_trace_rows(trace, "zh", {}, {}))
    assert len(rows) == 2_200 * 35 and rows[0][4].count("–") == 1 and rows[0][5] == 8
