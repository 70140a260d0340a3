"""Spreadsheet to long table: find the header, map columns to indicators, read the unit rows.

This is the reader's first layer: workbooks laid out like the template (a header row with
unit code/name and one column per indicator). Reading uses python-calamine only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pandas as pd
from python_calamine import CalamineWorkbook

from metrics.catalog import Catalog, fold_header

HEADER_SCAN_ROWS = 20
UNIT_NAME_HEADERS = {fold_header(h) for h in ("单位名称", "单位", "工会名称", "填报单位", "基层工会名称", "unit", "name")}
UNIT_CODE_HEADERS = {fold_header(h) for h in ("单位代码", "代码", "编码", "code")}


@dataclass
class SheetTable:
    """What one sheet holds: its long table of values and where each came from."""

    sheet: str
    values: pd.DataFrame  # unit_code, unit_name, indicator, value, approximate, cell
    header_row: int
    columns: dict = field(default_factory=dict)  # indicator code -> column letter


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(sheet: str, row: int, col: int) -> str:
    """``季度数据!D7`` for zero-based row and column."""
    return f"{sheet}!{column_letter(col)}{row + 1}"


def find_header(rows: list[list], catalog: Catalog) -> int | None:
    """The first row among the first 20 that names at least two indicators."""
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for v in row if isinstance(v, str) and catalog.match(v)) >= 2:
            return r
    return None


def read_template_sheet(name: str, rows: list[list], catalog: Catalog) -> SheetTable | None:
    """Read one sheet laid out like the template; None if it has no indicator header."""
    h = find_header(rows, catalog)
    if h is None:
        return None
    header = rows[h]
    cols: dict[str, int] = {}
    code_col = name_col = None
    for c, text in enumerate(header):
        key = fold_header(text) if isinstance(text, str) else ""
        ind = catalog.match(text) if isinstance(text, str) else None
        if ind is not None and ind.code not in cols:
            cols[ind.code] = c
        elif key in UNIT_CODE_HEADERS and code_col is None:
            code_col = c
        elif key in UNIT_NAME_HEADERS and name_col is None:
            name_col = c
    records = []
    for r in range(h + 1, len(rows)):
        row = rows[r]
        code = _text(row, code_col)
        uname = _text(row, name_col)
        if not code and not uname:
            continue
        if fold_header(uname) in ("合计", "总计") or fold_header(code) in ("合计", "总计"):
            continue
        for ind_code, c in cols.items():
            raw = row[c] if c < len(row) else None
            if raw is None or raw == "":
                continue
            records.append((code, uname, ind_code, raw, cell_ref(name, r, c)))
    values = pd.DataFrame(records, columns=["unit_code", "unit_name", "indicator", "raw", "cell"])
    values["value"] = pd.to_numeric(values["raw"], errors="coerce").astype(float)
    values["approximate"] = False
    return SheetTable(name, values.drop(columns=["raw"]), h, {k: column_letter(v) for k, v in cols.items()})


def read_workbook_bytes(data: bytes, catalog: Catalog) -> list[SheetTable]:
    """Every sheet of an .xlsx/.xls/.ods workbook that holds an indicator table."""
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        table = read_template_sheet(name, rows, catalog)
        if table is not None:
            out.append(table)
    return out


def _text(row: list, col: int | None) -> str:
    if col is None or col >= len(row) or row[col] is None:
        return ""
    v = row[col]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()
