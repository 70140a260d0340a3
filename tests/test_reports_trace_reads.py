"""The congress report under 10 s at a district's size (issue 12, item 4): the trace reads the
children's roll-ups and the uploads behind them with a few grouped statements that name no child
(the children are a subquery of the closure table) and only for the cells the trace shows, and
the workbook is written with xlsxwriter (repeated texts stored once). The same trace as the one
computed from the current values, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import sqlalchemy as sa
from openpyxl import load_workbook

import resources
from metrics import goals as goal_rows
from metrics import periods, rollup
from reports.content import build_report, load_inputs
from reports.frames import ObservationFrames, StoreFrames, wanted_cells
from reports.xlsx_writer import write_xlsx
from store.db import NewUpload
from tests.test_reports_summary_reads import _community_with_enterprises

CAT = resources.catalog()


def _wanted(store, unit: str):
    quarterly = store.unit_quarterly(unit)
    as_of = max(quarterly["period"], key=periods.index)
    start = periods.make(periods.year_of(as_of) - 1, 1)
    return wanted_cells(rollup.over_span(quarterly, CAT, start, as_of), CAT), start, as_of


def _sorted(rows: pd.DataFrame, ups: pd.DataFrame):
    rows = rows.astype({"approximate": bool, "n_units": "int64", "carried_units": "int64", "value": float})
    return (rows.sort_values(["indicator", "period", "unit"]).reset_index(drop=True),
            ups.astype({"upload_id": "int64"}).sort_values(["indicator", "unit", "upload_id"]).reset_index(drop=True))


def _reupload_part(store) -> None:
    """A second upload for part of a quarter (one community's trainees again) and a withdrawn one,
    so that a child's figure comes from two uploads and a withdrawn upload counts nowhere."""
    store.add_upload(NewUpload("again.xlsx", b"again", "clerk", pd.DataFrame([
        {"unit": "C01", "indicator": "trainees", "period": "2017Q3", "value": 77.0, "approximate": True}]),
        period="2017Q3"))
    gone = store.add_upload(NewUpload("gone.xlsx", b"gone", "clerk", pd.DataFrame([
        {"unit": "C02", "indicator": "trainees", "period": "2017Q2", "value": 5.0, "approximate": False}]),
        period="2017Q2"))
    store.withdraw([gone], "admin")


def _check_same_trace(store):
    _community_with_enterprises(store)
    _reupload_part(store)
    units = store.units()
    observations = rollup.current(store.observations())
    for unit in ("LGQ", "C01", "CX"):
        wanted, start, as_of = _wanted(store, unit)
        got = _sorted(*StoreFrames(store).trace(unit, wanted, start, as_of))
        want = _sorted(*ObservationFrames(observations, units, CAT).trace(unit, wanted, start, as_of))
        pd.testing.assert_frame_equal(got[0], want[0], check_dtype=False)
        pd.testing.assert_frame_equal(got[1], want[1], check_dtype=False)
        assert len(got[0]) and len(got[1])


def test_trace_from_the_database_equals_the_trace_from_the_current_values(example_store):
    _check_same_trace(example_store)


def test_trace_on_postgresql_equals_the_trace_from_the_current_values(pg_url):
    import bootstrap
    from store.db import open_store

    pg = open_store(pg_url)
    try:
        bootstrap.ensure_example_data(pg)
        _check_same_trace(pg)
    finally:
        pg.engine.dispose()


def _statements(store, unit: str, wanted, start: str, as_of: str):
    """The trace of ``unit`` and the SQL statements with their parameters it sent."""
    sent: list[tuple[str, list]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, list(parameters.values() if isinstance(parameters, dict) else parameters or ())))

    sa.event.listen(store.engine, "before_cursor_execute", remember)
    try:
        rows, ups = StoreFrames(store).trace(unit, wanted, start, as_of)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", remember)
    return rows, ups, sent


def test_trace_reads_with_a_few_statements_that_name_no_child(example_store):
    """The children are a subquery of ``unit_closure``, not thousands of codes sent as
    parameters (2,000 at a district's size, in chunks of 500 before), and each group of cells
    (the flows over the span, the stocks of one quarter) is one statement per table."""
    wanted, start, as_of = _wanted(example_store, "LGQ")
    children = set(goal_rows.children(example_store.units(), "LGQ"))
    rows, ups, sent = _statements(example_store, "LGQ", wanted, start, as_of)
    assert not children & {str(v) for _, params in sent for v in params}
    groups = 1 + len({o for o in wanted["only"] if isinstance(o, str)})  # flows, then each quarter's stocks
    # (and the unit's own roll-up, one read by its code)
    assert len([s for s, _ in sent if "unit_summary" in s and "unit_closure" in s]) == groups
    # the uploads behind each child: its own values by the child's code, and the kept rows of
    # the uploads below it (store/subtree.py), never every value of the subtree
    assert len([s for s, _ in sent if re.search(r"FROM current_values.*unit_closure.*UNION.*FROM subtree_uploads"
                                                 r".*unit_closure", s, re.S)]) == groups
    assert not [s for s, _ in sent if re.search(r"JOIN current_values", s)]
    assert set(rows["unit"]) <= children | {"LGQ"} and set(ups["unit"]) <= children | {"LGQ"}


def test_trace_reads_a_stocks_roll_up_only_at_the_figures_quarter(example_store):
    """A stock's figure is its level at one quarter: the children's roll-ups of its other
    quarters are not read (before, every quarter of the span was read and then dropped: a
    third of the rows at L)."""
    wanted, start, as_of = _wanted(example_store, "LGQ")
    rows, _, sent = _statements(example_store, "LGQ", wanted, start, as_of)
    stocks = wanted.dropna(subset=["only"])
    assert len(stocks)
    for code, only in zip(stocks["indicator"], stocks["only"]):
        assert set(rows.loc[rows["indicator"] == code, "period"]) == {only}, code
        reads = [params for s, params in sent if "unit_summary" in s and "unit_closure" in s and code in params]
        assert reads and all(start not in params and only in params for params in reads), (code, reads)


def test_trace_sheet_stores_each_repeated_text_once_and_keeps_the_layout(example_store):
    report = build_report(load_inputs(example_store, CAT), 2016, 2020)
    data = write_xlsx(report)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = z.read("xl/sharedStrings.xml").decode("utf-8")
    unique = int(re.search(r'uniqueCount="(\d+)"', shared).group(1))
    wb = load_workbook(io.BytesIO(data))
    trace = wb[report.labels["sheet.trace"][:31]]
    texts = [c.value for row in trace.iter_rows(min_row=3) for c in row if isinstance(c.value, str)]
    assert len(texts) > 2 * unique  # areas, indicators, quarter spans: each stored once
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3", ws.title
        assert ws["A1"].font.b and ws["A2"].font.b and ws["A2"].alignment.wrap_text, ws.title
    assert trace.column_dimensions["B"].width > trace.column_dimensions["F"].width


def test_texts_that_look_like_links_or_numbers_stay_text(example_store):
    values = pd.DataFrame([{"unit": "C01", "indicator": "trainees", "period": "2016Q3", "value": 9.0,
                            "approximate": False}])
    example_store.add_upload(NewUpload("http://example.org/1.xlsx", b"link", "0123", values, period="2016Q3"))
    report = build_report(load_inputs(example_store, CAT), 2016, 2020)
    wb = load_workbook(io.BytesIO(write_xlsx(report)))
    sources = wb[report.labels["sheet.sources"][:31]]
    cells = {c.value: c for row in sources.iter_rows(min_row=3) for c in row if c.value is not None}
    assert cells["http://example.org/1.xlsx"].hyperlink is None
    assert cells["http://example.org/1.xlsx"].data_type == "s" and cells["0123"].data_type == "s"
