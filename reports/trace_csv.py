"""The per-cell trace of a congress report (issue 12): every stored value behind the report's
figures, one CSV line each -- indicator, the unit directly below the report's unit it belongs
to (the row of the workbook's 数据溯源 sheet it adds up to), the reporting unit, quarter, value,
estimate flag, upload number and file name.

The workbook's traceability sheet lists the units directly below the report's unit; this file
lists every enterprise's cell, so an office can follow any figure down to the upload it came
from. It is written only on request (``python -m reports ... --trace-csv FILE``, the report
page's download button), streamed from the database in chunks (``current_values`` and
``unit_closure``), never held whole in memory. Cells: the same as the report's trace
(:func:`reports.frames.wanted_cells`): for a flow every quarter of the span up to the report's
quarter, for a stock the figure's quarter; a rate through its two parts. Stocks carried for a
unit that missed a quarter are in the figure but are not stored cells of that quarter (the sheet
counts them; their cell is the unit's latest report).

UTF-8 with a byte-order mark (Excel opens the Chinese text as such); text cells are made safe
against formula injection (:func:`metrics.report_text.safe_text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pandas as pd
import sqlalchemy as sa

from i18n import t
from metrics import periods
from metrics.catalog import Catalog
from metrics.report_text import clean_text, safe_text
from reports.content import Report, _unit_names
from reports.frames import cell_filters, wanted_cells

CHUNK = 20_000
KEYS = ["indicator", "indicator_name", "part_of", "part_of_name", "unit", "unit_name", "period", "value",
        "approximate", "upload_id", "filename"]


def header(lang: str) -> list[str]:
    return [t(f"report_trace.col.{k}", lang) for k in KEYS]


def rows(store, report: Report, catalog: Catalog) -> Iterator[list]:
    """The CSV lines (without the header) of ``report``'s figures, read in chunks."""
    from store import schema as s

    if report.as_of is None or report.figures.empty:
        return
    wanted = wanted_cells(report.figures[["indicator", "period"]], catalog)
    start = periods.make(report.start_year, 1)
    cv, cl = s.current_values, s.unit_closure
    units = store.units()
    names = _unit_names(units, report.lang)
    uploads = store.uploads()
    files = dict(zip(uploads["id"], uploads["filename"].map(clean_text)))
    ind_names = {c: clean_text(catalog[c].name(report.lang)) for c in wanted["indicator"]}
    with store.read() as conn:
        kids = set(conn.execute(sa.select(cl.c.descendant).where(cl.c.ancestor == report.unit, cl.c.depth == 1))
                   .scalars())
        top = {d: a for a, d in conn.execute(sa.select(cl.c.ancestor, cl.c.descendant)
                                              .where(cl.c.ancestor.in_(sorted(kids)))).all()} if kids else {}
        safe: dict[str, str] = {}

        def label(text: str) -> str:
            if text not in safe:
                safe[text] = safe_text(text)
            return safe[text]

        for cond in cell_filters(cv, wanted, start, report.as_of):  # flows, then each quarter's stocks
            q = (sa.select(cv.c.indicator, cv.c.unit, cv.c.period, cv.c.value, cv.c.approximate, cv.c.upload_id)
                 .join(cl, cl.c.descendant == cv.c.unit)
                 .where(cl.c.ancestor == report.unit, cond)
                 .order_by(cv.c.indicator, cv.c.period, cv.c.unit))
            result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(q)
            for part in result.partitions(CHUNK):
                for indicator, unit, period, value, approx, upload in part:
                    owner = top.get(unit, report.unit)
                    yield [indicator, label(ind_names.get(indicator, indicator)), label(owner),
                           label(names.get(owner, owner)), label(unit), label(names.get(unit, unit)), period,
                           float(value), bool(approx), int(upload), label(files.get(upload, ""))]


def write(store, report: Report, catalog: Catalog, out) -> int:
    """Write the per-cell trace to ``out`` (a text file opened with ``newline=""``); returns
    the number of cells."""
    writer = csv.writer(out)
    writer.writerow(header(report.lang))
    n = 0
    batch: list[list] = []
    for row in rows(store, report, catalog):
        batch.append(row)
        if len(batch) >= CHUNK:
            writer.writerows(batch)
            n += len(batch)
            batch = []
    writer.writerows(batch)
    return n + len(batch)


def to_bytes(store, report: Report, catalog: Catalog) -> bytes:
    """The per-cell trace as CSV bytes (UTF-8 with BOM), for the report page's download."""
    buf = io.StringIO()
    buf.write("\ufeff")
    write(store, report, catalog, buf)
    return buf.getvalue().encode("utf-8")


def frame(store, report: Report, catalog: Catalog) -> pd.DataFrame:
    """The per-cell trace as a frame (KEYS), for tests and small reports."""
    return pd.DataFrame(list(rows(store, report, catalog)), columns=KEYS)
