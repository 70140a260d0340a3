"""Builders of real spreadsheet files for the ingest tests (openpyxl for .xlsx, CSV bytes),
and the units and empty store state the pure dry run needs."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook

import resources
from ingest.importer import dry_run

TITLE = "卢沟桥街道总工会 2016年第1季度 工会工作统计表"


def xlsx(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per entry; rows written from A1, None leaves a cell empty."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue().encode(encoding)


def units() -> pd.DataFrame:
    return resources.example_units()


def no_values() -> pd.DataFrame:
    return pd.DataFrame(columns=["unit", "indicator", "period", "value", "approximate"])


def run(raw: bytes, filename: str = "2016Q1.xlsx", period: str | None = None, current: pd.DataFrame | None = None,
        **kw):
    """The pure dry run against the example units and (by default) nothing stored."""
    return dry_run(raw, filename, catalog=resources.catalog(), units=units(),
                   current=no_values() if current is None else current, period=period, **kw)


def stored(prepared) -> dict:
    """{(unit, indicator): value} of what a commit would store."""
    v = prepared.values
    return {(u, i): x for u, i, x in zip(v["unit"], v["indicator"], v["value"])}


def finding(prepared, code: str):
    hits = [f for f in prepared.report.findings if f.code == code]
    assert hits, f"no {code} among {prepared.report.codes()}"
    return hits[0]
