"""The report's tables as an Excel workbook (xlsxwriter), one sheet per table.

Each sheet: the table's caption in row 1, the header in row 2, data from row 3 (panes frozen
below the header). Numbers are written as numbers with a number format (counts ``0``, rates
``0.0``, money ``#,##0``, progress ``0.0%``); missing numbers are empty cells.

Written with xlsxwriter, in memory: the traceability sheet has about 74,000 rows at a
district's size, which xlsxwriter writes with 3.1 s of CPU (4.1 s before its rows were grouped on
integer codes and its cells written by the undecorated writers; openpyxl took 5.6 s; issue 12:
the report under 10 s), holding the sheet until it is saved (about 60 MB more at that size than
openpyxl's streaming; xlsxwriter's own streaming mode, ``constant_memory`` with temporary files,
saves that memory but is barely quicker than openpyxl). A text repeated down a sheet (an area,
an indicator, a quarter span) is stored once (shared strings), so the file is smaller too.

Formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
carriage return, which some programs strip before them) is written with a leading ``'`` so no
spreadsheet program evaluates it (OWASP "CSV injection"); every text is also stripped of
control characters that are illegal in XML (:func:`metrics.report_text.clean_text`). Every
text is written as text (``write_string``; xlsxwriter's guessing of formulas, numbers and
links is off), never as a formula or a hyperlink.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import xlsxwriter

from i18n import t
from metrics import periods
from metrics.report_text import FORMULA_STARTS, clean_text, safe_text  # noqa: F401 - re-exported
from metrics.wording import quarter_label
from reports.content import Report

COUNT, RATE, MONEY, DECIMAL, PERCENT = "0", "0.00", "#,##0", "0.00", "0.0%"
#: xlsxwriter's options: the workbook in memory (no temporary files), no guessing what a text is.
OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def _format_for(unit: str) -> str:
    if unit == "%":
        return RATE
    if unit in ("元", "yuan"):
        return MONEY
    return COUNT


class _Book:
    """An xlsxwriter workbook in memory with its cell formats made once each."""

    def __init__(self):
        self.out = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.out, OPTIONS)
        self._formats: dict[tuple, object] = {}

    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def close(self) -> bytes:
        self.wb.close()
        return self.out.getvalue()


class _Sheet:
    def __init__(self, book: _Book, title: str, caption: str, header: list[str], widths: list[int]):
        self.book = book
        self.ws = book.wb.add_worksheet(safe_text(title)[:31].replace("'", "") or "Sheet")
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)
        self.ws.freeze_panes(2, 0)  # below the header (A3)
        self.ws.write_string(0, 0, safe_text(caption), book.fmt(bold=True, font_size=12))
        head = book.fmt(bold=True, align="center", valign="vcenter", text_wrap=True)
        for j, text in enumerate(header):
            self.ws.write_string(1, j, safe_text(text), head)
        self.n = 2  # the next row (0-based)

    def row(self, values: list[object], formats: dict[int, str] | None = None) -> None:
        formats = formats or {}
        ws, i = self.ws, self.n
        for j, value in enumerate(values):
            if isinstance(value, bool):
                ws.write_boolean(i, j, value)
            elif isinstance(value, (int, float)):
                v = float(value)
                if math.isnan(v) or math.isinf(v):
                    if j in formats:
                        ws.write_blank(i, j, None, self.book.fmt(num_format=formats[j]))
                    continue
                number = int(v) if v.is_integer() and formats.get(j) in (COUNT, MONEY) else v
                if j in formats:
                    ws.write_number(i, j, number, self.book.fmt(num_format=formats[j]))
                else:
                    ws.write_number(i, j, number)
            elif value is None:
                continue
            else:
                text = safe_text(value)
                if text:  # an empty text is an empty cell (as openpyxl wrote it)
                    ws.write_string(i, j, text)
        self.n += 1

    def plain_rows(self, rows) -> None:
        """Rows of already safe text, numbers and flags (the traceability sheet's), without
        formats: the quick road for tens of thousands of rows. The cells go through
        xlsxwriter's undecorated writers (``_write_string``, ``_write_number``,
        ``_write_boolean``: what ``write_string`` and the others call after converting an
        "A1" reference, which these numbered cells do not need; a quarter less time for the
        sheet's 666,000 cells at a district's size). xlsxwriter is pinned in requirements.txt;
        tests/test_reports_xlsx_speed.py checks these writers are still there."""
        ws = self.ws
        text, number, flag = ws._write_string, ws._write_number, ws._write_boolean
        i = self.n
        for row in rows:
            for j, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        text(i, j, value)
                elif isinstance(value, bool):
                    flag(i, j, value)
                elif value is not None:
                    number(i, j, value)
            i += 1
        self.n = i


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def _trace_rows(tr, lang: str, area_names: dict, names: dict, uploads=None):
    """The traceability sheet's rows, one per indicator and unit: area, indicator, unit code and
    name, quarters (first–last), how many, the summed value, approximate, the upload numbers.
    ``tr``: the report's trace (each unit directly below the report's unit, per quarter, with
    the upload numbers in ``uploads``: area, indicator, unit, upload_id), or a frame of stored
    cells with an ``upload_id`` column each.
    Rows in the order each (area, indicator, unit, unit name) first appears; a row whose key is
    missing is left out (as a pandas group-by leaves it out). Every aggregate is a grouped
    (compiled) pandas operation on one integer group number per row, and every label is made
    once per distinct value, then taken by number: at 20,000 units the sheet has about 74,000
    rows from 382,000 trace rows (grouping by four text columns and a label per cell took
    1.1 s of the report's 10; now about 0.3 s)."""
    if not len(tr):
        return []
    keys = ["area", "indicator", "unit", "unit_name"]
    # each key column as integer codes of its distinct values (-1: missing)
    codes, uniques = [], []
    for key in keys:
        c, u = pd.factorize(tr[key], use_na_sentinel=True)
        codes.append(c.astype(np.int64))
        uniques.append(u)
    sizes = [len(u) for u in uniques]
    ucodes = None
    if "upload_id" not in tr:  # the uploads' keys as the same codes (a unit's name: its first row's)
        ups = uploads
        ucodes = [pd.Index(uniques[k]).get_indexer(ups[key]).astype(np.int64) for k, key in enumerate(keys[:3])]
        name_of_unit = np.full(sizes[2] + 1, -1, dtype=np.int64)
        unit_first = pd.Series(codes[3]).groupby(codes[2]).first()
        name_of_unit[unit_first.index.to_numpy()] = unit_first.to_numpy()
        ucodes.append(np.where(ucodes[2] >= 0, name_of_unit[ucodes[2]], -1))
        both = _combine([np.concatenate([c, u]) for c, u in zip(codes, ucodes)], sizes)
        combined, up_combined = both[:len(tr)], both[len(tr):]
    else:
        combined = _combine(codes, sizes)
    keep = combined >= 0  # a row with a missing key is in no group
    # group numbers in order of first appearance (a pandas group-by's sort=False order)
    gid, first_keys = pd.factorize(combined[keep])
    period_codes, period_uniques = pd.factorize(tr["period"])
    order = np.array([periods.index(p) for p in period_uniques], dtype=np.int64)
    frame = pd.DataFrame({"_i": order[period_codes[keep]] if len(order) else np.zeros(int(keep.sum()), np.int64),
                          "value": tr["value"].to_numpy()[keep], "approximate": tr["approximate"].to_numpy()[keep]})
    grouped = frame.groupby(gid, sort=True).agg(first=("_i", "min"), last=("_i", "max"), n=("_i", "size"),
                                                value=("value", "sum"), approximate=("approximate", "any"))
    # each group's key codes, from its first row
    rows_of = np.flatnonzero(keep)[np.unique(gid, return_index=True)[1]]
    key_codes = [c[rows_of] for c in codes]

    # the upload numbers of each group, ascending and distinct, joined by 、
    if "upload_id" in tr:
        up_gid = np.full(len(tr), -1, dtype=np.int64)
        up_gid[keep] = gid
        up_ids = tr["upload_id"].to_numpy()
    else:
        up_gid = pd.Index(first_keys).get_indexer(up_combined).astype(np.int64)
        up_ids = uploads["upload_id"].to_numpy()
    pairs = pd.DataFrame({"g": up_gid, "u": up_ids})
    pairs = pairs[pairs["g"] >= 0].drop_duplicates().sort_values(["g", "u"], kind="stable")
    text = pairs["u"].astype(int).astype(str).astype(object) + "、"
    joined = text.groupby(pairs["g"].to_numpy(), sort=True).sum().str[:-1]
    ups_text = np.full(len(grouped), "", dtype=object)
    ups_text[joined.index.to_numpy()] = joined.to_numpy()

    def labels(k: int, table: dict | None) -> np.ndarray:
        vals = uniques[k]
        made = [safe_text(table.get(v, v) if table is not None else v) for v in vals]
        return np.array(made, dtype=object)[key_codes[k]]

    quarter = {i: quarter_label(periods.from_index(i), lang) for i in set(grouped["first"]) | set(grouped["last"])}
    spans = [quarter[a] if a == b else f"{quarter[a]}–{quarter[b]}"
             for a, b in zip(grouped["first"].tolist(), grouped["last"].tolist())]
    return list(zip(labels(0, area_names).tolist(), labels(1, names).tolist(), labels(2, None).tolist(),
                    labels(3, None).tolist(), spans, grouped["n"].tolist(), grouped["value"].astype(float).tolist(),
                    grouped["approximate"].astype(bool).tolist(), ups_text.tolist()))


def _combine(codes: list, sizes: list) -> np.ndarray:
    """One integer per row for each distinct combination of several columns of codes (``sizes``:
    how many distinct values each has), -1 where any code is -1 (missing). Numbered again after
    each column, so it never overflows."""
    out = np.zeros(len(codes[0]), dtype=np.int64)
    missing = np.zeros(len(codes[0]), dtype=bool)
    for c, size in zip(codes, sizes):
        out = pd.factorize(out * (size + 1) + (c + 1))[0].astype(np.int64)
        missing |= c < 0
    out[missing] = -1
    return out


def write_xlsx(report: Report) -> bytes:
    """The .xlsx bytes with the report's tables: main indicators, next five years' goals,
    figures by area, the report's sentences, traceability (the observations behind each
    figure) and sources (the uploads)."""
    lang, lab = report.lang, report.labels
    wb = _Book()

    if report.plan is None:  # no plan of its own: start, end and change
        main = _Sheet(wb, lab["sheet.main"], report.main_caption,
                      [lab["indicator"], lab["unit"], lab["start"], lab["end"], lab["change"], lab["approximate"]],
                      [30, 8, 14, 14, 14, 8])
        spans, goals = report.main_table, report.main_table.iloc[0:0]
    else:
        main = _Sheet(wb, lab["sheet.main"], report.main_caption,
                      [lab["indicator"], lab["unit"], lab["base"], lab["target"], lab["target_type"], lab["current"],
                       lab["progress"], lab["status"], lab["attribute"], lab["approximate"]],
                      [30, 8, 12, 12, 12, 12, 12, 14, 10, 8])
        spans, goals = report.main_table.iloc[0:0], report.main_table
    for _, r in spans.iterrows():
        fmt = _format_for(r["unit"])
        main.row([r["name"], r["unit"], _num(r["start"]), _num(r["current"]), _num(r["change"]), bool(r["approximate"])],
                 {2: fmt, 3: fmt, 4: fmt})
    for _, r in goals.iterrows():
        fmt = _format_for(r["unit"])
        progress = _num(r["progress"])
        if progress is not None and math.isinf(progress):
            progress = None
        target = _num(r["target"])
        main.row([r["name"], r["unit"], _num(r["base"]), target if target is not None else None,
                  "" if target is not None else r["target_text"], _num(r["current"]), progress,
                  r["status_label"], r["attribute"], bool(r["approximate"])],
                 {2: fmt, 3: fmt, 5: fmt, 6: PERCENT})

    nxt = _Sheet(wb, lab["sheet.next"], report.next_caption or t("report.no_next_plan", lang),
                 [lab["indicator"], lab["unit"], lab["base"], lab["target"], lab["target_type"], lab["attribute"], lab["sentence"]],
                 [30, 8, 12, 12, 12, 10, 50])
    for _, r in report.next_table.iterrows():
        fmt = _format_for(r["unit"])
        target = _num(r["target"])
        nxt.row([r["name"], r["unit"], _num(r["base"]), target if target is not None else r["target_text"],
                 r["target_type_label"], r["attribute"], r["sentence"]], {2: fmt, 3: fmt})

    figs = _Sheet(wb, lab["sheet.figures"], report.title,
                  [lab["area"], lab["indicator"], lab["unit"], lab["value"], lab["wording"], lab["period"], lab["approximate"]],
                  [16, 30, 8, 14, 16, 14, 8])
    for _, r in report.figures.iterrows():
        figs.row([r["area"], r["name"], r["unit"], _num(r["value"]), r["wording"],
                  quarter_label(r["period"], lang), bool(r["approximate"])],
                 {3: DECIMAL if not float(r["value"]).is_integer() else _format_for(r["unit"])})

    sents = _Sheet(wb, lab["sheet.sentences"], report.title, [lab["area"], lab["sentence"]], [16, 100])
    for sec in report.sections:
        for s in sec.sentences:
            sents.row([sec.title, s.text])

    # every traced indicator by name (a rate's parts too; an indicator two areas use once)
    names = {**report.names, **dict(zip(report.figures["indicator"], report.figures["name"]))}
    area_names = {sec.code: sec.title for sec in report.sections}
    trace = _Sheet(wb, lab["sheet.trace"], report.title,
                   [lab["area"], lab["indicator"], lab["unit_code"], lab["unit_name"], lab["quarters"], lab["n_quarters"],
                    lab["value"], lab["approximate"], lab["upload_id"]],
                   [16, 28, 10, 28, 30, 8, 12, 8, 30])
    # one row per indicator and unit directly below the report's unit (and the unit itself for
    # what it reported): the quarters, its roll-up summed over them and the uploads behind its
    # part of the figure (the upload numbers are listed on the sources sheet); every stored
    # cell is the separate per-cell trace (python -m reports --trace-csv, reports.trace_csv)
    trace.plain_rows(_trace_rows(report.trace, lang, area_names, names, report.trace_uploads))

    src = _Sheet(wb, lab["sheet.sources"], t("report.doc.sources_caption", lang),
                 [lab["upload_id"], lab["filename"], lab["report_period"], lab["uploaded_at"], lab["uploader"]],
                 [10, 36, 14, 20, 12])
    for _, r in report.sources.iterrows():
        src.row([int(r["upload_id"]), r["filename"],
                 quarter_label(r["period"], lang) if periods.is_period(r["period"]) else r["period"],
                 str(r["uploaded_at"])[:19], r["uploader"]], {0: COUNT})

    return wb.close()
