"""Read what clerks really send into one long table of cells, with the cell each came from.

:func:`read_file` takes the bytes of an .xlsx, .xls or .csv (UTF-8 or GBK), refuses hostile
files first (:mod:`ingest.guard`), and reads every sheet that holds a table:

* **wide tables** (the template and most hand-made sheets): the header is the row among the
  first 20 that names the most indicators (by name, code or alias after folding width, spaces,
  line breaks and a trailing unit; ``其中：X`` / ``#X`` is indicator X); a second header row
  above it with merged category cells is allowed, and a row below it splitting an indicator
  into 本季 / 本年累计 (the quarter is stored, the year to date cross-checked); a 栏次 row
  (甲 乙 1 2 …) is skipped; a unit multiplier in the header (``（万元）``) scales the values.
  Rows: a unit (code and/or name column), the 合计/总计 row (kept aside for a check), subset
  rows (其中 / # / 其中：…, parts of the row above), subtotal rows, section headings, notes and
  signature lines (skipped).
* **long tables**: columns 单位, 指标, (期间), 数值; **vertical forms**: 指标名称 down the rows and a
  本季 column, one unit per sheet named in the 填报单位 line (or by the sheet name).

Cells are cleaned by :func:`ingest.cells.parse_cell`; in a percent column whose number cells
are all shares (every one at most 1, at least one a non-zero share below 1) a cell stored as
1.0 (shown as 100%) reads as 100, otherwise cell by cell (98 beside 0.98). Missing cells (empty, —, /, 无) are not
recorded. The result is plain data: a :class:`ReadResult` whose ``cells`` frame has one row per
non-empty value cell and whose ``findings`` are what reading alone can tell (unknown column,
formula without a cached value (found by the guard's pass over the sheet, :func:`ingest.guard.formula_gaps`),
no table). Validation against units and stored values is in
:mod:`ingest.validate`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from ingest import cells as C
from ingest import guard, isolate
from ingest.report import Finding, UnreadableFile
from metrics.catalog import Catalog, fold_header

HEADER_SCAN_ROWS = 20
UNIT_CODE_HEADERS = {"单位代码", "代码", "单位编码", "编码", "编号", "unitcode", "code", "组织代码"}
UNIT_NAME_HEADERS = {"单位名称", "单位", "名称", "工会名称", "基层工会名称", "填报单位", "工会", "unit", "unitname",
                     "企业名称", "企业工会名称", "单位(企业)名称"}
SILENT_HEADERS = {"序号", "备注", "栏次", "no", "no.", "说明", "行次", "计量单位", "单位类型", "所属社区", "上级单位"}
INDICATOR_HEADERS = {"指标", "指标名称", "项目", "指标代码", "indicator"}
VALUE_HEADERS = {"数值", "值", "本季", "本期", "本季度", "本季数", "本期数", "value", "本季度数", "数据"}
PERIOD_HEADERS = {"期间", "报告期", "季度", "period", "时期"}
QUARTER_WORDS = {"本季", "本期", "本季度", "本季数", "本期数", "当季", "本季度数"}
YTD_WORDS = {"本年累计", "累计", "1-本季累计", "本年度累计", "年累计", "1至本季累计", "1-本期累计"}
PRIOR_WORDS = {"上年同期", "去年同期", "同期", "上年同期数"}
LANCI = {"甲", "乙", "丙", "丁", "栏次"}
_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")
# 填报单位：X, 填报单位（盖章）：X, 填报单位(盖章): X, 填报单位 X; the name may also sit in the next cell
_SEAL = r"[（(]\s*(?:盖章|公章|签章|章)\s*[)）]"
_FILLED_BY = re.compile(r"填\s*报\s*单\s*位\s*(?:" + _SEAL + r")?\s*[:：]?(?!\s*负责人)\s*(.*?)\s*"
                        r"(?:$|\s{2,}|报告期|报送日期|填报日期|日期|填报人|时间)")
_SEAL_AT_END = re.compile(r"\s*" + _SEAL + r"\s*$")
# sheet names that do not name a unit: Sheet1, 表1, 工作表2, 季度数据, 2016Q1, 一季度 ...
_GENERIC_SHEET = re.compile(r"(?i)^(?:sheet|工作表|表|页|第)?\s*\d*\s*$|.*(?:表|报|数据|季|年|月|统计|汇总|sheet)|^\d")

CELL_COLUMNS = ["sheet", "row", "col", "where", "row_where", "unit_code", "unit_name", "row_kind", "parent_row",
                "indicator", "col_role", "col_parent", "value", "approximate", "error", "text", "period"]
NUMBER_COLUMNS = {"row", "col", "parent_row", "value", "approximate"}


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_LETTERS = [column_letter(i) for i in range(702)]


def cell_ref(sheet: str, row: int, col: int) -> str:
    """``季度数据!D7`` for zero-based row and column."""
    return f"{sheet}!{_LETTERS[col] if col < 702 else column_letter(col)}{row + 1}"


@dataclass
class ReadResult:
    """Everything read from one file."""

    cells: pd.DataFrame  # CELL_COLUMNS
    findings: list[Finding] = field(default_factory=list)
    periods: list[tuple[str, str]] = field(default_factory=list)  # (quarter, where it was found)
    sheets: list[str] = field(default_factory=list)
    ignored_columns: list[dict] = field(default_factory=list)
    ignored: int = 0  # non-empty cells read but not stored (subtotals, unknown columns, prior-year)
    format: str = ""


class _Sink:
    """Collects the cells of a file: wide sheets column-wise (:func:`_wide_cells`, one array per
    column for 800,000 cells), long tables and forms as records (a few hundred rows)."""

    def __init__(self):
        self.records: list[tuple] = []
        self.chunks: list[dict] = []

    def add(self, *values) -> None:
        self.records.append(values)

    def add_columns(self, columns: dict) -> None:
        self._flush()
        self.chunks.append(columns)

    def _flush(self) -> None:
        if self.records:
            self.chunks.append({name: _objects(list(values)) for name, values in zip(CELL_COLUMNS, zip(*self.records))})
            self.records = []

    def frame(self) -> pd.DataFrame:
        self._flush()
        chunks = [chunk for chunk in self.chunks if len(chunk["sheet"])]
        if not chunks:
            frame = pd.DataFrame.from_records([], columns=CELL_COLUMNS)
        else:
            data = {name: np.concatenate([chunk[name] for chunk in chunks]) if len(chunks) > 1 else chunks[0][name]
                    for name in CELL_COLUMNS}
            parent = data["parent_row"]
            there = pd.notna(parent)
            if parent.dtype == object and there.any():  # as from_records: NaN for None
                data["parent_row"] = np.full(len(parent), np.nan)
                data["parent_row"][there] = parent[there].astype(float)
            # text columns stay object arrays (a pointer per cell, taken and hashed by numpy), not
            # converted to Arrow strings that every boolean filter of validation then copies
            frame = pd.DataFrame({name: pd.Series(data[name], dtype=object if data[name].dtype == object
                                                  and name not in NUMBER_COLUMNS else None, copy=False)
                                  for name in CELL_COLUMNS}, copy=False)
        frame["value"] = frame["value"].astype(float)
        frame["approximate"] = frame["approximate"].astype(bool)
        frame["row"] = frame["row"].astype(int)
        frame["col"] = frame["col"].astype(int)
        return frame


# ---- entry point -------------------------------------------------------------------------------


def read_file(data: bytes, filename: str, catalog: Catalog) -> ReadResult:
    """Read ``data`` (the file's bytes); raises :class:`UnreadableFile` for a file that cannot
    be read at all. The file name is used for messages and as a source of the period."""
    fmt = guard.check(data, filename)
    gaps = guard.formula_gaps(data) if fmt == guard.XLSX else {}  # found by the guard's pass
    if fmt == guard.CSV:
        sheets = [(filename, _csv_rows(guard.decode_csv(data, filename), filename), [])]
    else:
        sheets = isolate.run_limited(_workbook_sheets, data, filename, where=filename)
    sink = _Sink()
    result = ReadResult(pd.DataFrame(columns=CELL_COLUMNS), format=fmt)
    for period in C.find_periods(filename):
        result.periods.append((period, filename))
    for name, rows, merged in sheets:
        clean = _strip_controls(name, rows, result)
        if clean != name:
            gaps = {(clean if k == name else k): v for k, v in gaps.items()}
            name = clean
        if _read_sheet(name, rows, merged, catalog, gaps.get(name, set()), sink, result):
            result.sheets.append(name)
    if not result.sheets:
        result.findings.append(Finding("no_table", filename))
    result.cells = sink.frame()
    return result


def _workbook_sheets(data: bytes, filename: str) -> list[tuple[str, list[list], list]]:
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        out = []
        for meta in wb.sheets_metadata:
            if str(meta.typ).split(".")[-1] != "WorkSheet":
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            guard.check_shape(sheet.total_height, sheet.total_width, f"{meta.name}")
            out.append((meta.name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []))
        return out
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - calamine raises its own types for every kind of damage
        raise UnreadableFile("corrupt_file", filename) from None


def _csv_rows(text: str, filename: str) -> list[list]:
    """The rows of a CSV whose size the guard has bounded (rows, line length, cells)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text), dialect)):
            if len(row) > guard.MAX_COLS:
                raise UnreadableFile("too_many_columns", cell_ref(filename, r, guard.MAX_COLS), cols=len(row),
                                     limit=guard.MAX_COLS)
            if r >= guard.MAX_ROWS:
                raise UnreadableFile("too_many_rows", cell_ref(filename, r, 0), rows=r + 1, limit=guard.MAX_ROWS)
            rows.append(row)
    except csv.Error:
        raise UnreadableFile("corrupt_file", filename) from None
    return rows


def _strip_controls(name: str, rows: list[list], result: ReadResult) -> str:
    """Remove control characters (ESC, NUL ... C1) and text-direction overrides from the sheet
    name and every text cell, in place; one warning per sheet naming the first cells. Tabs and
    line breaks inside a cell stay. Returns the cleaned sheet name."""
    clean = C.strip_controls(name)
    found = [] if clean == name else [cell_ref(clean, 0, 0)]
    control = C.CONTROL_CHARS.search
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v.__class__ is str and control(v):
                row[c] = C.strip_controls(v)
                found.append(cell_ref(clean, r, c))
    if found:
        result.findings.append(Finding("control_chars", found[0], {"n": len(found), "cells": "、".join(found[:5])}))
    return clean


# ---- one sheet ---------------------------------------------------------------------------------


@dataclass
class _Column:
    col: int
    indicator: str
    role: str = "value"  # value | ytd
    percent: bool = False
    multiplier: int = 1
    parent: str | None = None  # for 其中：X columns, the indicator of the parent column


def _numeric(v) -> bool:
    """A number cell as the spreadsheet stores it (not text, not a bool)."""
    return type(v) in (float, int) and v == v


def _read_as_shares(sink: _Sink, percent_cells: dict) -> None:
    """The whole-column rule for percent columns: a cell formatted as 100% is stored by Excel
    as 1.0, indistinguishable from a typed 1. When every number cell of a percent column is
    at most 1 and at least one is a non-zero share below 1, the column holds shares and each
    number cell is read x100 (1.0 -> 100). Otherwise (98 beside 0.98) cells keep their own
    reading. ``percent_cells``: {column key: [(sink index, raw number)]}; text cells are
    never in it (``98%``, ``0.98`` as text read the same in any column)."""
    value_at = CELL_COLUMNS.index("value")
    for found in percent_cells.values():
        numbers = [abs(raw) for _, raw in found]
        if not numbers or max(numbers) > 1 or not any(0 < x < 1 for x in numbers):
            continue
        for index, raw in found:
            record = list(sink.records[index])
            record[value_at] = float(Decimal(repr(float(raw))) * 100)
            sink.records[index] = tuple(record)


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _at(row: list, col: int | None):
    if col is None or col >= len(row):
        return None
    return row[col]


def _empty(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _match_header(text: str, catalog: Catalog):
    """(indicator, is_subset, HeaderUnit) for a header text, or (None, False, None)."""
    if not text:
        return None, False, None
    sub = C.subset_label(text)
    body = sub if sub else text
    hu = C.parse_header_unit(body)
    ind = catalog.match(body) or (catalog.match(hu.name) if hu.name else None)
    return ind, sub is not None and ind is not None, hu


def _fill_merged(rows: list[list], merged: list, top: int, bottom: int) -> list[list]:
    """Copies of rows top..bottom with each merged range's value written into all its cells."""
    band = [list(rows[r]) for r in range(top, bottom + 1)]
    width = max((len(line) for line in band), default=0)
    for (r0, c0), (r1, c1) in merged:
        if r1 < top or r0 > bottom or r0 >= len(rows) or c0 >= width:
            continue
        c1 = min(c1, width - 1)  # a merge past the last cell with data adds nothing
        value = _at(rows[r0], c0)
        for r in range(max(r0, top), min(r1, bottom) + 1):
            line = band[r - top]
            if len(line) <= c1:
                line.extend([""] * (c1 + 1 - len(line)))
            for c in range(c0, c1 + 1):
                if _empty(line[c]):
                    line[c] = value
    return band


def _read_sheet(name: str, rows: list[list], merged: list, catalog: Catalog, gaps: set, sink: _Sink,
                result: ReadResult) -> bool:
    scan = rows[:HEADER_SCAN_ROWS]
    best, best_n = None, 0
    for r, row in enumerate(scan):
        found = {_match_header(v, catalog)[0] for v in row if isinstance(v, str)}
        n = len(found - {None})  # distinct indicators: a notes sheet names each one twice (code, name)
        if n == 1 and not any(fold_header(_text(v)) in UNIT_NAME_HEADERS | UNIT_CODE_HEADERS for v in row):
            n = 0  # one indicator is a header only beside a unit column
        else:
            n += 1 if n else 0
        if n > best_n:
            best, best_n = r, n
    long_at = _long_header(scan)
    if long_at is not None and (best is None or best_n < 2 or long_at <= best):
        return _read_long(name, rows, long_at, catalog, sink, result)
    if best is None or best_n < 2:
        return False
    return _read_wide(name, rows, merged, best, catalog, gaps, sink, result)


def _period_evidence(name: str, rows: list[list], upto: int, result: ReadResult) -> None:
    for r in range(min(upto, len(rows))):
        for c, v in enumerate(rows[r]):
            if isinstance(v, str) and v.strip():
                for p in C.find_periods(v):
                    result.periods.append((p, cell_ref(name, r, c)))


def _read_wide(name, rows, merged, h, catalog, gaps, sink, result) -> bool:
    # the header band: a split row (本季 / 本年累计, 其中) below the indicator row, a category row above
    below = rows[h + 1] if h + 1 < len(rows) else []
    split = any(fold_header(_text(v)) in QUARTER_WORDS | YTD_WORDS | PRIOR_WORDS for v in below)
    bottom = h + 1 if split else h
    top = max(0, h - 1)
    band = _fill_merged(rows, merged, top, bottom)
    width = max(len(line) for line in band)
    columns: list[_Column] = []
    code_col = name_col = None
    unknown: list[tuple[int, str]] = []
    last_parent = None
    for c in range(width):
        texts = [_text(line[c]) if c < len(line) else "" for line in band]
        low = texts[-1]
        key = fold_header(low)
        role = "value"
        if key in QUARTER_WORDS | YTD_WORDS | PRIOR_WORDS:
            role = "ytd" if key in YTD_WORDS else ("prior" if key in PRIOR_WORDS else "value")
            candidates = [t for t in texts[:-1][::-1] if t]
        else:
            candidates = [low] if low else [t for t in texts[:-1][::-1] if t]
        ind = is_sub = hu = None
        for text in candidates:
            ind, is_sub, hu = _match_header(text, catalog)
            if ind is not None:
                break
        if ind is not None:
            if role == "prior":
                unknown.append((c, " ".join(t for t in texts if t)))
                continue
            percent = ind.is_percent or (hu is not None and hu.percent)
            multiplier = hu.multiplier if hu is not None and not percent else 1
            columns.append(_Column(c, ind.code, role, percent, multiplier, last_parent if is_sub else None))
            if not is_sub and role == "value":
                last_parent = ind.code
            continue
        folded = {fold_header(t) for t in candidates}
        if folded & UNIT_CODE_HEADERS and code_col is None:
            code_col = c
        elif folded & UNIT_NAME_HEADERS and name_col is None:
            name_col = c
        elif not candidates or folded & SILENT_HEADERS:
            continue
        else:
            unknown.append((c, " ".join(t for t in candidates)))
    if not columns:
        return False
    if code_col is None and name_col is None:
        used = {col.col for col in columns}
        name_col = next((c for c in range(width) if c not in used), None)
    _period_evidence(name, rows, h, result)
    start = bottom + 1
    grid = _Grid(rows, start, [col.col for col in columns], gaps)
    unknown_with_data = {c: _count_filled(rows, start, c) for c, _ in unknown}
    rows_of = _classify_rows(rows, start, grid, code_col, name_col, min(col.col for col in columns))
    result.ignored += rows_of.ignored
    sink.add_columns(_wide_cells(name, start, columns, grid, rows_of, name_col, code_col))
    for c, header in unknown:
        if unknown_with_data.get(c):
            result.ignored_columns.append({"where": cell_ref(name, h, c), "header": header})
            result.findings.append(Finding("unknown_column", cell_ref(name, bottom, c), {"header": header}))
            result.ignored += unknown_with_data[c]
    return True


_TYPE_OF = np.frompyfunc(type, 1, 1)


class _Grid:
    """The indicator columns of a wide sheet's data rows (``rows[start:]``) as one 2-D object
    array, with which cells are empty (None, blank text), plain floats (and their values) and
    formulas saved without a value; what the old per-cell loop asked of each cell, asked of
    the whole array at once."""

    def __init__(self, rows: list[list], start: int, cols: list[int], gaps: set):
        data = rows[start:]
        n, k = len(data), len(cols)
        lengths = {len(row) for row in data}
        if len(lengths) == 1 and min(lengths) > max(cols, default=0):  # a rectangle, as calamine gives
            whole = np.empty((n, min(lengths)), dtype=object)
            whole[:] = data
            self.values = whole[:, cols]
        else:  # ragged rows (a CSV): column by column
            self.values = np.empty((n, k), dtype=object)
            for j, c in enumerate(cols):
                column = np.empty(n, dtype=object)
                column[:] = [row[c] if c < len(row) else None for row in data]
                self.values[:, j] = column
        types = _TYPE_OF(self.values) if n and k else np.empty((n, k), dtype=object)
        self.empty = np.asarray(np.equal(types, type(None)), dtype=bool).reshape(n, k)
        texts = np.nonzero(np.asarray(np.equal(types, str), dtype=bool).reshape(n, k))
        if len(texts[0]):
            self.empty[texts] = [not v.strip() for v in self.values[texts]]
        self.is_float = np.asarray(np.equal(types, float), dtype=bool).reshape(n, k)
        self.number = np.full((n, k), np.nan)
        self.number[self.is_float] = self.values[self.is_float].astype(float)
        self.gap = np.zeros((n, k), dtype=bool)
        where = {c: j for j, c in enumerate(cols)}
        for r, c in gaps:
            if start <= r < start + n and c in where:
                self.gap[r - start, where[c]] = True


def _count_filled(rows: list[list], start: int, c: int) -> int:
    """Non-empty cells of column ``c`` from row ``start`` down."""
    return sum(1 for row in rows[start:] if c < len(row) and not _empty(row[c]))


@dataclass
class _Rows:
    """What each data row of a wide sheet is: ``kind`` unit, total, subset or None (not stored:
    empty, 栏次, subtotal, section heading, note), with its code, unit name and parent row."""

    kind: list
    code: list
    unit_name: list
    parent: list
    ignored: int  # non-empty value cells of subtotal rows and section headings


def _classify_rows(rows: list[list], start: int, grid: _Grid, code_col, name_col, first_value_col) -> _Rows:
    n = len(rows) - start
    filled = ~grid.empty
    counts = filled.sum(axis=1)
    out = _Rows([None] * n, [""] * n, [""] * n, [None] * n, 0)
    last_unit_row = None
    facts: dict[str, tuple[bool, bool]] = {}  # text -> (total label, subtotal label): each text judged once
    folds: dict[str, str] = {}

    def judge(text) -> tuple[bool, bool]:
        if not isinstance(text, str):
            return False, False
        found = facts.get(text)
        if found is None:
            folds[text], *found = C.label_facts(text)
            found = facts[text] = tuple(found)
        return found

    def unit_like(label: str) -> bool:  # _unit_like, through judge
        return bool(label) and not any(judge(label)) and not label.replace(".", "").isdigit()

    def side_label(row: list) -> str:  # _side_label, through judge
        for c in range(min(first_value_col, len(row))):
            if any(judge(row[c])):
                return row[c]
        return ""

    for i in np.flatnonzero((counts > 0) | grid.gap.any(axis=1)).tolist():
        r = start + i
        row = rows[r]
        code = _text(_at(row, code_col))
        uname = _text(_at(row, name_col))
        label = uname or code
        total_name, total_code, subtotal = judge(uname)[0], judge(code)[0], judge(label)[1]
        if folds[label] in LANCI or (not label and _is_lanci_row(row)):
            continue
        # (the side label only counts beside a label that names no unit)
        side = side_label(row) if (not label or not (total_name or total_code or subtotal)) \
            and not unit_like(label) else ""
        if total_name or total_code or (not unit_like(label) and judge(side)[0]):
            kind = "total"
        elif subtotal or (not unit_like(label) and judge(side)[1]):
            out.ignored += int(counts[i])
            continue
        elif C.subset_label(label) is not None and last_unit_row is not None:
            kind = "subset"
        elif _SECTION.match(label) or (not label and any(C.is_note_line(_text(v)) for v in row)):
            out.ignored += int(counts[i])
            continue
        elif label and C.is_note_line(label) and not any(isinstance(v, (int, float))
                                                         for v in grid.values[i][filled[i]]):
            continue
        else:
            kind = "unit"
        out.kind[i], out.code[i] = kind, code
        if kind == "subset":
            out.parent[i] = last_unit_row
            out.unit_name[i] = C.subset_label(label) or label
        else:
            out.unit_name[i] = uname
        if kind == "unit":
            last_unit_row = r
    return out


def _wide_cells(name: str, start: int, columns: list[_Column], grid: _Grid, rows_of: _Rows, name_col,
                code_col) -> dict[str, np.ndarray]:
    """The cells of a wide sheet, column-wise (:data:`CELL_COLUMNS`), in the order the old
    per-cell loop gave them: row by row, a row's formulas without a value first, then its
    value cells left to right. Plain number cells (most of a file) are taken as the array
    holds them; only the others go through :func:`ingest.cells.parse_cell`."""
    kinds = _objects(rows_of.kind)
    kept = np.array([k is not None for k in rows_of.kind], dtype=bool)
    not_total = kept & (kinds != "total")
    filled = ~grid.empty & kept[:, None]
    gap_i, gap_j = np.nonzero(grid.gap & grid.empty & not_total[:, None])
    fast_col = np.array([col.multiplier == 1 and not col.percent for col in columns], dtype=bool)
    pct_col = np.array([col.percent for col in columns], dtype=bool)
    with np.errstate(invalid="ignore"):
        fast = filled & grid.is_float & fast_col[None, :] & (np.abs(grid.number) < 1e15)
        # a number cell of a percent column: parse_cell's float rule (a share below 1 read x100)
        pct = filled & grid.is_float & pct_col[None, :] & np.isfinite(grid.number)
    fast_i, fast_j = np.nonzero(fast)
    pct_i, pct_j = np.nonzero(pct)
    pct_raw = grid.number[pct_i, pct_j]
    pct_value = pct_raw.copy()
    small = (pct_raw > -1.0) & (pct_raw < 1.0) & (pct_raw != 0.0)
    if small.any():
        pct_value[small] = [float(Decimal(repr(x)) * 100) for x in pct_raw[small].tolist()]
    # every other filled cell, one by one: text, dates, ints, a scaled (万元) column
    slow_i, slow_j, slow_value, slow_approx, slow_error, slow_text = [], [], [], [], [], []
    slow_percent: dict[int, list] = {}  # a number cell of a percent column read here: {column: [(n, raw)]}
    for i, j in zip(*(a.tolist() for a in np.nonzero(filled & ~fast & ~pct))):
        raw, col = grid.values[i, j], columns[j]
        cell = C.parse_cell(raw, percent=col.percent, multiplier=col.multiplier)
        if cell.missing:
            continue
        if col.percent and _numeric(raw):
            slow_percent.setdefault(j, []).append((len(pct_raw) + len(slow_value), raw))
        slow_i.append(i)
        slow_j.append(j)
        slow_value.append(cell.value if cell.value is not None else float("nan"))
        slow_approx.append(cell.approximate)
        slow_error.append(cell.error)
        slow_text.append(cell.text or _text(raw))
    n_gap, n_fast, n_pct = len(gap_i), len(fast_i), len(pct_raw)
    value = np.concatenate([np.full(n_gap, np.nan), grid.number[fast_i, fast_j], pct_value,
                            np.array(slow_value, dtype=float)])
    _shares_by_column(value, n_gap + n_fast, pct_j, pct_raw, slow_percent)
    i = np.concatenate([gap_i, fast_i, pct_i, np.array(slow_i, dtype=np.intp)])
    j = np.concatenate([gap_j, fast_j, pct_j, np.array(slow_j, dtype=np.intp)])
    # the order: row by row, a row's formula gaps first, then its value cells left to right. Each
    # cell's key is unique (a gap is an empty cell, the others filled); the four parts are each
    # in order already, and a stable sort (timsort) merges such runs in about one pass
    k = len(columns)
    key = i.astype(np.int64) * (2 * k) + j
    key[n_gap:] += k
    order = np.argsort(key, kind="stable")
    i, j = i[order], j[order]
    approx = np.zeros(len(key), dtype=bool)
    approx[n_gap + n_fast + n_pct:] = slow_approx
    error = np.empty(len(key), dtype=object)  # None
    error[:n_gap] = "formula_no_value"
    error[n_gap + n_fast + n_pct:] = slow_error
    text = _same(len(key), "")
    text[n_gap + n_fast: n_gap + n_fast + n_pct] = _float_texts(pct_raw)
    text[n_gap + n_fast + n_pct:] = slow_text
    m = len(i)
    cols = np.array([col.col for col in columns], dtype=np.int64)
    letters = _objects([f"{name}!{column_letter(c)}" for c in cols.tolist()])
    numbers = _objects([str(start + r + 1) for r in range(len(kinds))])
    where_col = name_col if name_col is not None else code_col or 0
    row_where = _objects([cell_ref(name, start + r, where_col) if kept[r] else None for r in range(len(kinds))])
    return {
        "sheet": _same(m, name), "row": start + i.astype(np.int64), "col": cols[j],
        "where": letters[j] + numbers[i], "row_where": row_where[i],
        "unit_code": _objects(rows_of.code)[i], "unit_name": _objects(rows_of.unit_name)[i], "row_kind": kinds[i],
        "parent_row": _objects(rows_of.parent)[i],
        "indicator": _objects([col.indicator for col in columns])[j],
        "col_role": _objects([col.role for col in columns])[j], "col_parent": _objects([col.parent for col in columns])[j],
        "value": value[order], "approximate": approx[order], "error": error[order], "text": text[order],
        "period": np.empty(m, dtype=object),
    }


def _same(n: int, value) -> np.ndarray:
    """An object array of ``n`` times ``value`` (``np.full`` is 40x slower for objects)."""
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def _float_texts(numbers: np.ndarray) -> np.ndarray:
    """``str(x)`` of each float, as an object array: made once per distinct value (a percent
    column repeats few), -0.0 kept apart from 0.0."""
    if not len(numbers):
        return np.empty(0, dtype=object)
    distinct, at = np.unique(numbers, return_inverse=True)
    out = _objects([str(x) for x in distinct.tolist()])[at.reshape(-1)]
    negative_zero = (numbers == 0.0) & np.signbit(numbers)
    if negative_zero.any():
        out[negative_zero] = "-0.0"
    return out


def _shares_by_column(values: np.ndarray, offset: int, pct_j: np.ndarray, pct_raw: np.ndarray,
                      slow_percent: dict[int, list]) -> None:
    """:func:`_read_as_shares` for a wide sheet's percent columns, column by column: the number
    cells are ``pct_raw`` (their values from ``values[offset:]``, columns ``pct_j``) and those in
    ``slow_percent`` ({column: [(index from offset, raw)]}). A column whose numbers are all at
    most 1 with one a non-zero share below 1 reads each x100 from the raw number."""
    for j in sorted(set(np.unique(pct_j).tolist()) | set(slow_percent)):
        at = np.flatnonzero(pct_j == j)
        slow = slow_percent.get(j, [])
        numbers = np.abs(np.concatenate([pct_raw[at], np.array([float(raw) for _, raw in slow], dtype=float)]))
        if not len(numbers) or numbers.max() > 1 or not ((numbers > 0) & (numbers < 1)).any():
            continue
        for index, raw in zip(at.tolist() + [n for n, _ in slow], pct_raw[at].tolist() + [raw for _, raw in slow]):
            values[offset + index] = float(Decimal(repr(float(raw))) * 100)


def _objects(items: list) -> np.ndarray:
    """A one-dimensional object array of ``items`` (strings, None, numbers) as they are."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _side_label(row: list, upto: int) -> str:
    """The first text left of the first value column that is a total or subtotal label: a 合计
    written in the 序号 column (often A:B merged, so the 单位 cell is empty)."""
    for c in range(min(upto, len(row))):
        v = row[c]
        if isinstance(v, str) and (C.is_total_label(v) or C.is_subtotal_label(v)):
            return v
    return ""


def _unit_like(label: str) -> bool:
    """A label that names a unit (so a 合计 elsewhere on its row does not make it a total row)."""
    return bool(label) and not C.is_total_label(label) and not C.is_subtotal_label(label) \
        and not label.replace(".", "").isdigit()


def _is_lanci_row(row: list) -> bool:
    """A 栏次 row: small whole numbers 1, 2, 3 … in order (and 甲/乙 labels)."""
    nums = [v for v in row if not _empty(v)]
    if len(nums) < 3:
        return False
    try:
        ints = [int(float(v)) for v in nums if _text(v) not in LANCI]
    except (TypeError, ValueError):
        return False
    return ints == list(range(ints[0], ints[0] + len(ints))) and ints[0] in (0, 1)


# ---- long tables and vertical forms -----------------------------------------------------------


def _long_header(scan: list[list]) -> int | None:
    """The row of a long table's or vertical form's header: an indicator column and a value column."""
    for r, row in enumerate(scan):
        keys = {fold_header(_text(v)) for v in row if isinstance(v, str)}
        if keys & INDICATOR_HEADERS and keys & VALUE_HEADERS:
            return r
    return None


def _filled_by(rows: list[list], h: int, sheet: str) -> tuple[str, str]:
    """(unit name, its cell) from a vertical form's 填报单位 line: above the header first, else
    anywhere on the sheet (a signature block below the table); ("", "") when there is none.
    ``填报单位（盖章）：丰益花园社区工会``, ``填报单位(盖章): X``, ``填报单位 X`` or the name in
    the next non-empty cell of the same row."""
    order = list(range(min(h, len(rows)))) + list(range(h + 1, len(rows)))
    for r in order:
        row = rows[r]
        for c, v in enumerate(row):
            text = _text(v)
            if "填" not in text:
                continue
            m = _FILLED_BY.search(text)
            if not m:
                continue
            found = _SEAL_AT_END.sub("", m.group(1)).strip(" :：")
            if found:
                return found, cell_ref(sheet, r, c)
            for c2 in range(c + 1, len(row)):
                nxt = _SEAL_AT_END.sub("", _text(row[c2])).strip(" :：")
                if nxt:
                    if re.match(r"(报告期|填报日期|日期|填报人)", nxt):
                        break
                    return nxt, cell_ref(sheet, r, c2)
    return "", ""


def _sheet_disagrees(sheet: str, unit: str) -> bool:
    """The sheet's name names a unit other than the form's 填报单位 (丰益花园 agrees with
    丰益花园社区工会; Sheet1, 表1, 2016Q1 name no unit)."""
    s, u = fold_header(sheet), fold_header(unit)
    if not s or _GENERIC_SHEET.match(s):
        return False
    return s not in u and u not in s


def _read_long(name, rows, h, catalog, sink, result) -> bool:
    header = [fold_header(_text(v)) for v in rows[h]]

    def find(keys):
        return next((c for c, k in enumerate(header) if k in keys), None)

    ind_col, val_col, per_col = find(INDICATOR_HEADERS), find(VALUE_HEADERS), find(PERIOD_HEADERS)
    code_col, name_col = find(UNIT_CODE_HEADERS - {"代码"}), find(UNIT_NAME_HEADERS)
    ytd_col = find(YTD_WORDS)
    sheet_unit = ""
    if code_col is None and name_col is None:  # a vertical form: one unit per sheet
        sheet_unit, where = _filled_by(rows, h, name)
        if sheet_unit and _sheet_disagrees(name, sheet_unit):
            result.findings.append(Finding("sheet_name_differs", where, {"sheet": name, "unit": sheet_unit}))
        sheet_unit = sheet_unit or name
    _period_evidence(name, rows, h, result)
    unknown_inds: dict[str, str] = {}
    percent_cells: dict[tuple, list] = {}
    last_unit_row = None
    for r in range(h + 1, len(rows)):
        row = rows[r]
        ind_text = _text(_at(row, ind_col))
        raw = _at(row, val_col)
        if not ind_text or fold_header(ind_text) in LANCI:
            continue
        if _empty(raw) and (ytd_col is None or _empty(_at(row, ytd_col))):
            continue
        ind, _sub, hu = _match_header(ind_text, catalog)
        if ind is None:
            if _SECTION.match(ind_text) or C.is_note_line(ind_text):
                continue
            unknown_inds.setdefault(ind_text, cell_ref(name, r, ind_col))
            result.ignored += 1
            continue
        code = _text(_at(row, code_col))
        uname = _text(_at(row, name_col)) if name_col is not None else sheet_unit
        label = uname or code
        kind = "total" if C.is_total_label(label) else "unit"
        period = None
        if per_col is not None:
            ptext = _text(_at(row, per_col))
            found = C.find_periods(ptext)
            if len(found) == 1:
                period = next(iter(found))
            elif ptext:
                period = "!" + ptext  # validation reports it
        percent = ind.is_percent or (hu is not None and hu.percent)
        mult = hu.multiplier if hu is not None and not percent else 1
        where_row = cell_ref(name, r, name_col if name_col is not None else (code_col or 0)) \
            if (name_col is not None or code_col is not None) else cell_ref(name, r, ind_col)
        for col, role in ((val_col, "value"), (ytd_col, "ytd")):
            if col is None or _empty(_at(row, col)):
                continue
            cell = C.parse_cell(_at(row, col), percent=percent, multiplier=mult)
            if cell.missing:
                continue
            if percent and _numeric(_at(row, col)):
                percent_cells.setdefault((ind.code, role), []).append((len(sink.records), _at(row, col)))
            sink.add(name, r, col, cell_ref(name, r, col), where_row, code, uname, kind, None, ind.code, role,
                     None, cell.value if cell.value is not None else float("nan"), cell.approximate, cell.error,
                     cell.text or _text(_at(row, col)), period)
        last_unit_row = r
    _read_as_shares(sink, percent_cells)
    for text, where in unknown_inds.items():
        result.findings.append(Finding("unknown_indicator", where, {"header": text}))
        result.ignored_columns.append({"where": where, "header": text})
    return last_unit_row is not None or bool(unknown_inds)


# ---- the first simple interface, kept for bootstrap.py ------------------------------------------


@dataclass
class SheetTable:
    """One sheet's values: unit_code, unit_name, indicator, value, approximate, cell."""

    sheet: str
    values: pd.DataFrame
    header_row: int = 0
    columns: dict = field(default_factory=dict)


def read_workbook_bytes(data: bytes, catalog: Catalog) -> list[SheetTable]:
    """Every sheet's unit rows (not totals or subsets) with a number, through :func:`read_file`."""
    result = read_file(data, "workbook.xlsx", catalog)
    cells = result.cells
    cells = cells[(cells["row_kind"] == "unit") & (cells["col_role"] == "value") & cells["error"].isna()]
    out = []
    for sheet, part in cells.groupby("sheet", sort=False):
        values = pd.DataFrame({"unit_code": part["unit_code"], "unit_name": part["unit_name"],
                               "indicator": part["indicator"], "value": part["value"],
                               "approximate": part["approximate"], "cell": part["where"]}).reset_index(drop=True)
        out.append(SheetTable(str(sheet), values))
    return out
