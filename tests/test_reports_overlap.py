"""The congress report under 10 s with charts at a district's size (issue 12, item 4): the
workbook is written in a thread while a worker process draws the charts with matplotlib (the two
took 5.6 s and 2.6 s one after the other at 22,001 units), and the trace reads the uploads behind
each child from the kept table (store/subtree.py). What it hands out stays the same: every cell
of every sheet and the text of the .docx equal the report computed from the current values
(the road of before issue 12), on a tree of 30 communities and 150 enterprises with
re-uploads, a withdrawal and a restore."""

from __future__ import annotations

import io
import threading
import time

import pandas as pd
from docx import Document
from openpyxl import load_workbook

import resources
from benchmarks import generate
from metrics import rollup
from reports import build as build_module
from reports import charts
from reports.build import build
from reports.content import load_inputs
from store.db import NewUpload, open_store

CAT = resources.catalog()


def test_the_workbook_is_written_while_a_worker_process_draws_the_charts(example_store, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    seen: dict[str, object] = {}
    real_xlsx, real_worker = build_module.write_xlsx, charts._worker_pngs

    def xlsx(report):
        seen["xlsx_thread"] = threading.current_thread() is not threading.main_thread()
        seen["xlsx_start"] = time.perf_counter()
        return real_xlsx(report)

    def worker(figures, browser, *args):
        seen["worker"] = (len(figures), browser)
        out = real_worker(figures, browser, *args)
        seen["charts_end"] = time.perf_counter()
        return out

    monkeypatch.setattr(build_module, "write_xlsx", xlsx)
    monkeypatch.setattr(charts, "_worker_pngs", worker)
    built = build(load_inputs(example_store, CAT), 2011, 2015)
    assert seen["worker"] == (6, None)  # matplotlib, in the worker process
    assert built.chart_engines == ["matplotlib"] * 6 and not built.messages
    assert seen["xlsx_thread"] and seen["xlsx_start"] < seen["charts_end"]
    assert len(Document(io.BytesIO(built.docx)).inline_shapes) == 6
    assert load_workbook(io.BytesIO(built.xlsx)).sheetnames[0]
    assert set(built.timings) == {"content", "charts", "docx", "xlsx"}


def test_a_failing_workbook_is_reported_by_the_build_not_lost_in_its_thread(example_store, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")

    def broken(report):
        raise ValueError("the workbook could not be written")

    monkeypatch.setattr(build_module, "write_xlsx", broken)
    try:
        build(load_inputs(example_store, CAT), 2011, 2015)
    except ValueError as exc:
        assert "could not be written" in str(exc)
    else:
        raise AssertionError("the build hid the workbook's failure")


def _cells(xlsx: bytes) -> dict[str, list]:
    book = load_workbook(io.BytesIO(xlsx))
    return {ws.title: [tuple(c for c in row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _text(docx: bytes) -> list[str]:
    doc = Document(io.BytesIO(docx))
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


def test_report_with_charts_equals_the_report_from_the_current_values_on_a_larger_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    store = open_store(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        units = generate.tree(30, 150)
        inds = generate.indicators(12)
        store.add_units(units, actor="test")
        quarters = generate.QUARTERS[8:]  # 2015Q1-2017Q4
        for n, quarter in enumerate(quarters, start=8):
            frame = generate.quarter_values(units, inds, n)
            store.add_upload(NewUpload(f"{quarter}.csv", quarter.encode(), "clerk", frame, quarter))
        # a community's quarter again (its figure from two uploads), a withdrawn one, a restored one
        again = generate.quarter_values(units, inds, 3)  # other numbers
        again = again[again["unit"].isin(["E00001", "E00031", "C0001"])].assign(period="2017Q3")
        store.add_upload(NewUpload("again.csv", b"again", "clerk", again, "2017Q3"))
        gone = store.add_upload(NewUpload("gone.csv", b"gone", "clerk", again.assign(period="2017Q2"), "2017Q2"))
        store.withdraw([gone], "admin")
        back = store.add_upload(NewUpload("back.csv", b"back", "clerk", again.assign(period="2016Q4",
                                                                                 value=again["value"] + 3), "2016Q4"))
        store.withdraw([back], "admin")
        store.restore([back], "admin")
        import bootstrap

        bootstrap.load_plan(store, resources.example_plan() | {"example": False}, actor="test")

        for span, unit in (((2016, 2020), None), ((2016, 2020), "C0001")):
            reference = load_inputs(store, CAT)
            reference.observations = rollup.current(store.observations())
            want = build(reference, *span, unit, charts=False)
            got = build(load_inputs(store, CAT), *span, unit, charts=True)
            assert got.chart_engines and all(e == "matplotlib" for e in got.chart_engines if e)
            want_cells, got_cells = _cells(want.xlsx), _cells(got.xlsx)
            assert list(got_cells) == list(want_cells)
            for sheet in want_cells:
                assert got_cells[sheet] == want_cells[sheet], sheet
            assert len(want_cells[list(want_cells)[4]]) > 30  # the trace sheet: children × indicators
            want_text = _text(build(reference, *span, unit, charts=True).docx)
            assert _text(got.docx) == want_text
            pd.testing.assert_frame_equal(got.report.trace_uploads.sort_values(list(got.report.trace_uploads.columns))
                                          .reset_index(drop=True),
                                          want.report.trace_uploads.sort_values(list(want.report.trace_uploads.columns))
                                          .reset_index(drop=True), check_dtype=False)
    finally:
        store.engine.dispose()


def test_the_worker_makes_the_chart_figures_the_main_process_only_writes_the_workbook(example_store, monkeypatch):
    """The six Plotly figures (0.5-0.7 s of the main process at a district's size, beside the
    workbook's thread) are made in the worker process from the yearly figures; the pictures
    are the same bytes as those drawn from figures made here."""
    import charts as chart_module

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    inputs = load_inputs(example_store, CAT)
    report = build_module.build_report(inputs, 2011, 2015)
    drawn_here = charts.render_charts(build_module.area_figures(report, CAT), engine="matplotlib").pngs

    def not_here(*args, **kwargs):
        raise AssertionError("a chart figure was made in the report's main process")

    monkeypatch.setattr(chart_module, "report_area_chart", not_here)
    monkeypatch.setattr(build_module, "report_area_chart", not_here)
    monkeypatch.setattr(charts, "matplotlib_png", not_here)  # nor drawn again here
    built = build(inputs, 2011, 2015, report=report)
    assert built.chart_engines == ["matplotlib"] * 6 and not built.messages
    assert len(Document(io.BytesIO(built.docx)).inline_shapes) == 6
    pictures = [r.target_part.blob for r in Document(io.BytesIO(built.docx)).part.rels.values() if "image" in r.reltype]
    assert sorted(pictures) == sorted(drawn_here)


def test_figures_sent_to_the_worker_as_json_are_drawn_there_not_again_here(example_store, monkeypatch):
    """Plotly 6 writes a figure's numbers as typed arrays (base64) in its JSON: read that way,
    the worker could draw no chart and every one was drawn again in the main process, beside
    the workbook's thread (the 6-7 s "charts" step of the report at a district's size)."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    report = build_module.build_report(load_inputs(example_store, CAT), 2011, 2015)
    figures = build_module.area_figures(report, CAT)
    here = charts.render_charts(figures, engine="matplotlib").pngs

    def not_here(*args, **kwargs):
        raise AssertionError("a chart was drawn again in the main process")

    monkeypatch.setattr(charts, "matplotlib_png", not_here)
    rendered = charts.render_charts(figures, engine="matplotlib", in_worker=True)
    assert rendered.engines == ["matplotlib"] * 6 and not rendered.messages
    assert rendered.pngs == here


def test_the_charts_worker_is_started_before_the_content_and_gone_after_the_build(example_store, monkeypatch):
    """The worker loads its libraries (about 1 s) while the content is computed; it has ended
    and its folder is gone when the report is built, and when the content fails."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    seen: dict[str, object] = {}
    real_warm, real_content = build_module.WarmWorker, build_module.build_report

    def warm():
        seen["warm"] = real_warm()
        seen["warm_at"] = time.perf_counter()
        return seen["warm"]

    def content(*args, **kwargs):
        seen["content_at"] = time.perf_counter()
        seen["alive"] = seen["warm"].proc.poll() is None
        return real_content(*args, **kwargs)

    monkeypatch.setattr(build_module, "WarmWorker", warm)
    monkeypatch.setattr(build_module, "build_report", content)
    built = build(load_inputs(example_store, CAT), 2011, 2015, chart_engine="matplotlib")
    assert built.chart_engines == ["matplotlib"] * 6 and not built.messages
    assert seen["warm_at"] < seen["content_at"] and seen["alive"]
    worker = seen["warm"]
    assert worker.proc.poll() is not None and not worker.out.exists()

    def broken(*args, **kwargs):
        raise ValueError("no content")

    monkeypatch.setattr(build_module, "build_report", broken)
    try:
        build(load_inputs(example_store, CAT), 2011, 2015, chart_engine="matplotlib")
    except ValueError:
        pass
    else:
        raise AssertionError("the build hid the content's failure")
    assert seen["warm"] is not worker and seen["warm"].proc.poll() is not None and not seen["warm"].out.exists()


def test_a_worker_started_ahead_ends_by_itself_when_no_charts_come(tmp_path):
    import subprocess
    import sys

    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "reports.chart_worker", str(tmp_path), str(tmp_path / "job.json"),
                           "--wait", "1"], capture_output=True, timeout=60)
    assert proc.returncode == 0 and time.perf_counter() - started < 30
    assert not list(tmp_path.glob("*.png"))
