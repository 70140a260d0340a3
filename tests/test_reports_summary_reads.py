"""The congress report at a district's size (issue 12): its figures, goal rows and trace come
from the summary tables (never every stored value), equal to the report computed from the
current values; the traceability sheet lists the units directly below the report's unit, which
add up to each figure, with the uploads behind them; every stored cell goes to a separate CSV
on request (``python -m reports --trace-csv``)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import resources
from metrics import goals as goal_rows
from metrics import rollup
from reports.build import build
from reports.content import build_report, load_inputs
from store.db import NewUpload, Store

ROOT = Path(__file__).resolve().parents[1]
CAT = resources.catalog()


def _no_full_read(*_args, **_kwargs):
    raise AssertionError("the report read every stored value (Store.observations)")


def _same(a, b):
    for name in ("figures", "main_table", "next_table", "sources"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)
    assert a.notes == b.notes and a.as_of == b.as_of and a.missing == b.missing and a.partial == b.partial
    assert [s.text for x in a.sections for s in x.sentences] == [s.text for x in b.sections for s in x.sentences]
    for x, y in zip(a.sections, b.sections):
        pd.testing.assert_frame_equal(x.yearly, y.yearly, check_dtype=False)
        pd.testing.assert_frame_equal(x.trace_summary, y.trace_summary, check_dtype=False)


@pytest.mark.parametrize("span, unit, lang", [((2011, 2015), None, "zh"), ((2016, 2020), None, "zh"),
                                              ((2016, 2020), "C01", "en")])
def test_report_reads_no_stored_values_and_says_what_the_current_values_say(example_store, monkeypatch, span,
                                                                             unit, lang):
    # the report computed from every current value (the road before issue 12)
    reference = load_inputs(example_store, CAT)
    reference.observations = rollup.current(example_store.observations())
    want = build_report(reference, *span, unit, lang)
    monkeypatch.setattr(Store, "observations", _no_full_read)
    built = build(load_inputs(example_store, CAT), *span, unit, lang, charts=False)
    _same(built.report, want)
    assert built.docx and built.xlsx


def _figure_parts(report, code: str) -> pd.DataFrame:
    """The trace rows behind one figure that is not a rate (an indicator that two areas use is
    traced in each)."""
    tr = report.trace[report.trace["indicator"] == code].drop_duplicates(["indicator", "unit", "period"])
    if CAT[code].kind == "stock":
        period = report.figures.drop_duplicates("indicator").set_index("indicator").loc[code, "period"]
        tr = tr[tr["period"] == period]
    return tr


def _community_with_enterprises(store) -> None:
    """A community CX with two enterprises below it; CX reports a figure of its own too."""
    units = pd.DataFrame([
        {"code": "CX", "name_zh": "新社区", "name_en": "New community", "parent": "LGQ", "level": "community"},
        {"code": "EX1", "name_zh": "甲企业", "name_en": "", "parent": "CX", "level": "enterprise"},
        {"code": "EX2", "name_zh": "乙企业", "name_en": "", "parent": "CX", "level": "enterprise"}])
    store.add_units(units)
    for period, rows in {
        "2016Q1": [("EX1", "trainees", 10), ("EX2", "trainees", 5), ("EX1", "members", 100), ("EX2", "members", 40),
                   ("CX", "trainees", 2)],
        "2016Q2": [("EX1", "trainees", 7), ("EX2", "trainees", 1), ("EX1", "members", 110), ("EX2", "members", 42),
                   ("CX", "trainees", 3)],
    }.items():
        values = pd.DataFrame([{"unit": u, "indicator": i, "period": period, "value": float(v), "approximate": False}
                               for u, i, v in rows])
        store.add_upload(NewUpload(f"CX-{period}.xlsx", period.encode(), "clerk", values, period=period))


@pytest.mark.parametrize("unit", ["LGQ", "CX"])
def test_each_figure_is_the_sum_of_the_units_directly_below_in_the_trace(example_store, unit):
    _community_with_enterprises(example_store)
    report = build_report(load_inputs(example_store, CAT), 2016, 2020, unit)
    below = set(goal_rows.children(example_store.units(), unit)) | {unit}
    assert set(report.trace["unit"]) <= below and len(set(report.trace["unit"])) > 1
    checked = 0
    for code, value in zip(report.figures["indicator"], report.figures["value"]):
        if CAT[code].kind == "rate":
            continue
        assert _figure_parts(report, code)["value"].sum() == pytest.approx(value), code
        checked += 1
    assert checked >= (10 if unit == "LGQ" else 2)
    # every unit of every traced indicator names the uploads its values came from
    groups = report.trace[["indicator", "unit"]].drop_duplicates()
    traced = report.trace_uploads[["indicator", "unit"]].drop_duplicates()
    assert len(groups.merge(traced, on=["indicator", "unit"])) == len(groups)
    assert set(report.trace_uploads["upload_id"]) == set(report.sources["upload_id"])
    if unit == "CX":  # the community's own report is its own row; the enterprises' rows add up to the rest
        trainees = _figure_parts(report, "trainees").groupby("unit")["value"].sum()
        assert trainees.to_dict() == {"CX": 5.0, "EX1": 17.0, "EX2": 6.0}
        members = _figure_parts(report, "members").set_index("unit")["value"].to_dict()
        assert members == {"EX1": 110.0, "EX2": 42.0}
        files = dict(zip(report.sources["upload_id"], report.sources["filename"]))
        ups = report.trace_uploads[report.trace_uploads["indicator"] == "members"]
        assert {files[i] for i in ups["upload_id"]} == {"CX-2016Q2.xlsx"}


def test_trace_sheet_lists_each_unit_below_once_per_indicator_with_its_sum_and_uploads(example_store):
    report = build_report(load_inputs(example_store, CAT), 2016, 2020)
    from reports.xlsx_writer import write_xlsx

    wb = load_workbook(io.BytesIO(write_xlsx(report)), read_only=True)
    rows = list(wb["数据溯源"].iter_rows(min_row=3, values_only=True))
    children = set(goal_rows.children(example_store.units(), "LGQ"))
    assert len(rows) == len(report.trace.groupby(["area", "indicator", "unit"]))
    assert {r[2] for r in rows} <= children | {"LGQ"}
    # each indicator by its name, a rate's parts and an indicator two areas share included
    assert {r[1] for r in rows} <= {i.name("zh") for i in CAT} and CAT["union_enterprises"].name("zh") in {r[1] for r in rows}
    sources = {str(i) for i in report.sources["upload_id"]}
    assert all(r[8] and set(r[8].split("、")) <= sources for r in rows)
    # a flow's row per unit: its roll-up summed over the quarters of the span
    name = CAT["trainees"].name("zh")
    sheet = sum(r[6] for r in rows if r[1] == name)
    assert sheet == pytest.approx(report.figures.set_index("indicator").loc["trainees", "value"])


def test_trace_csv_lists_every_stored_cell_behind_the_figures(example_url, tmp_path):
    out = tmp_path / "trace.csv"
    done = subprocess.run([sys.executable, "-m", "reports", "--span", "2016-2020", "--out",
                           str(tmp_path / "r.docx"), "--no-charts", "--db", example_url, "--trace-csv", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "逐项溯源" in done.stderr
    with out.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0][:3] == ["指标代码", "指标", "所属下级单位代码"]
    cells = pd.DataFrame(lines[1:], columns=["indicator", "name", "part_of", "part_of_name", "unit", "unit_name",
                                             "period", "value", "approximate", "upload_id", "filename"])
    cells["value"] = cells["value"].astype(float)
    from store.db import open_store

    report = build_report(load_inputs(open_store(example_url), CAT), 2016, 2020)
    # the cells of a flow add up to each unit's row of the trace sheet, and to the figure
    flows = [c for c in report.figures["indicator"] if CAT[c].kind == "flow"]
    assert flows
    for code in flows:
        by_unit = cells[cells["indicator"] == code].groupby("part_of")["value"].sum()
        sheet = report.trace[report.trace["indicator"] == code].groupby("unit")["value"].sum()
        pd.testing.assert_series_equal(by_unit.sort_index(), sheet.sort_index(), check_names=False, check_index_type=False)
        assert by_unit.sum() == pytest.approx(report.figures.set_index("indicator").loc[code, "value"])
    assert set(cells["upload_id"].astype(int)) == set(report.sources["upload_id"])
    assert (cells["filename"] != "").all()
    assert set(cells["part_of"]) == set(report.trace["unit"]) and len(set(cells["unit"])) > 40


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_page_previews_and_builds_without_reading_every_stored_value(example_url, monkeypatch, lang):
    from tests.apptest_util import open_page

    monkeypatch.setattr(Store, "observations", _no_full_read)
    at = open_page("report")
    if lang == "en":
        at.session_state["lang"] = "en"
        at.run()
    assert not at.exception, at.exception
    at.selectbox(key="report_span").set_value((2011, 2015)).run()
    assert not at.exception, at.exception
    assert len(at.expander) == 6
    at.button(key="report_build").click().run(timeout=120)
    assert not at.exception, at.exception
    _, docx, xlsx, messages = at.session_state["report_files"]
    assert messages == [] and docx and xlsx and len(at.get("download_button")) == 2


def test_report_and_trace_csv_on_postgresql_equal_sqlite(example_store, pg_url, monkeypatch):
    import bootstrap
    from reports import trace_csv
    from store.db import open_store

    pg = open_store(pg_url)
    bootstrap.ensure_example_data(pg)
    want = build_report(load_inputs(example_store, CAT), 2016, 2020)
    cells_sqlite = trace_csv.frame(example_store, want, CAT)
    monkeypatch.setattr(Store, "observations", _no_full_read)
    got = build_report(load_inputs(pg, CAT), 2016, 2020)
    # upload numbers differ between the two databases only if loaded in another order
    _same(got.__class__(**{**got.__dict__, "sources": got.sources.drop(columns="uploaded_at")}),
          want.__class__(**{**want.__dict__, "sources": want.sources.drop(columns="uploaded_at")}))
    cells = trace_csv.frame(pg, got, CAT)
    assert len(cells) == len(cells_sqlite) and cells["value"].sum() == pytest.approx(cells_sqlite["value"].sum())
    pg.engine.dispose()
