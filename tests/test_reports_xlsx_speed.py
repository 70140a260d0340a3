"""The congress report's workbook at a district's size (issue 12, item 4: the report under 10 s
with charts): the traceability sheet's rows are grouped on integer codes and its 666,000 cells
go through xlsxwriter's undecorated writers, with the same rows as a plain pandas group-by by
the four text columns (the code of before): the same order, quarters, counts, sums, flags and
upload numbers, a row with a missing key left out, an indicator under two areas twice."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import xlsxwriter
from openpyxl import load_workbook

import resources
from metrics import periods
from metrics.report_text import safe_text
from metrics.wording import quarter_label
from reports.content import build_report, load_inputs
from reports.xlsx_writer import _trace_rows, write_xlsx


def plain_group_by(tr, lang, area_names, names, uploads=None) -> list[list]:
    """The sheet's rows as the code before issue 12's fifth pass made them: a group-by on the
    four text columns, the upload numbers per group sorted and joined."""
    keys = ["area", "indicator", "unit", "unit_name"]
    frame = tr[keys + ["value", "approximate"]].astype({k: object for k in keys})
    frame["_i"] = tr["period"].map(periods.index).to_numpy()
    got = frame.groupby(keys, sort=False).agg(first=("_i", "min"), last=("_i", "max"), n=("_i", "size"),
                                              value=("value", "sum"), approximate=("approximate", "any"))
    if "upload_id" in tr:
        ups = frame[keys].assign(upload_id=tr["upload_id"].to_numpy())
    else:
        names_of = frame[["unit", "unit_name"]].drop_duplicates("unit")
        ups = uploads[["area", "indicator", "unit", "upload_id"]].astype(
            {"area": object, "indicator": object, "unit": object}).merge(names_of, on="unit")[keys + ["upload_id"]]
    ids = {k: "、".join(str(u) for u in sorted(set(g["upload_id"]))) for k, g in ups.groupby(keys, sort=False)}
    rows = []
    for key, r in got.iterrows():
        a, b = quarter_label(periods.from_index(int(r["first"])), lang), quarter_label(periods.from_index(int(r["last"])), lang)
        area, code, unit, name = key
        rows.append([safe_text(area_names.get(area, area)), safe_text(names.get(code, code)), safe_text(unit), safe_text(name),
                     a if a == b else f"{a}–{b}", int(r["n"]), float(r["value"]), bool(r["approximate"]), ids.get(key, "")])
    return rows


def awkward_trace(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A trace in no particular order: two areas sharing an indicator, a unit without a name,
    values that do not add up exactly in floating point, uploads repeated and unordered, an
    upload of a unit the trace does not show, a text that starts with '='."""
    rng = np.random.default_rng(seed)
    quarters = ["2016Q1", "2016Q2", "2016Q3", "2016Q4", "2017Q1"]
    rows = []
    for area, inds in (("org", ["members", "=sum"]), ("rights", ["members", "contracts"])):
        for ind in inds:
            for u in rng.permutation(12):
                for q in rng.choice(quarters, size=int(rng.integers(1, 5)), replace=False):
                    rows.append((area, ind, f"C{u:03d}", None if u == 5 else f"社区{u}", q, float(rng.random() * 1e6) / 7,
                                 bool(rng.random() < 0.1)))
    trace = pd.DataFrame(rows, columns=["area", "indicator", "unit", "unit_name", "period", "value", "approximate"])
    trace = trace.sample(frac=1, random_state=seed).reset_index(drop=True)
    trace = trace.astype({c: "str" for c in ("area", "indicator", "unit", "period")})
    ups = trace[["area", "indicator", "unit"]].drop_duplicates()
    ups = pd.concat([ups.assign(upload_id=int(k)) for k in rng.integers(1, 40, size=4)], ignore_index=True)
    ups = pd.concat([ups, ups.head(7), pd.DataFrame([("org", "members", "C999", 77)], columns=list(ups.columns))],
                    ignore_index=True).sample(frac=1, random_state=seed + 1)
    return trace, ups.reset_index(drop=True)


def test_trace_sheet_rows_equal_a_plain_group_by_of_the_four_text_columns():
    trace, ups = awkward_trace()
    area_names, names = {"org": "组织建设", "rights": "=维权"}, {"members": "会员人数"}
    for lang in ("zh", "en"):
        want = plain_group_by(trace, lang, area_names, names, ups)
        got = [list(r) for r in _trace_rows(trace, lang, area_names, names, ups)]
        assert got == want
        assert [type(v) for v in got[0]] == [str] * 5 + [int, float, bool, str]
    assert not any(r[3] == "" or r[2] == "C005" for r in got)  # the unit without a name: no row (as before)
    assert {r[0] for r in got if r[1] == "会员人数"} == {"组织建设", "'=维权"}
    # the road of stored cells: an upload number on each row
    cells = trace.assign(upload_id=np.arange(len(trace)) % 5 + 1)
    assert [list(r) for r in _trace_rows(cells, "zh", {}, {})] == plain_group_by(cells, "zh", {}, {})


def test_trace_sheet_cells_skip_xlsxwriters_a1_conversion(example_store, monkeypatch):
    """The 666,000 cells at a district's size are written by the undecorated writers: the
    public ones convert an "A1" reference first (a quarter of the sheet's time)."""
    assert all(callable(getattr(xlsxwriter.worksheet.Worksheet, m, None))
               for m in ("_write_string", "_write_number", "_write_boolean"))
    report = build_report(load_inputs(example_store, resources.catalog()), 2011, 2015, None, "zh")
    assert len(report.trace) > 100
    calls = {"n": 0}
    real = xlsxwriter.worksheet.Worksheet.write_string

    def counted(self, *args, **kwargs):
        calls["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(xlsxwriter.worksheet.Worksheet, "write_string", counted)
    book = load_workbook(io.BytesIO(write_xlsx(report)), read_only=True)
    trace = list(book[report.labels["sheet.trace"][:31]].iter_rows(min_row=3, values_only=True))
    assert len(trace) > 50
    assert calls["n"] < len(trace)  # captions, headers and the small sheets only
