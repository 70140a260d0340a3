"""The quarterly template clerks fill in, written with openpyxl.

Layout of the sheet ``季度数据``: a title row ("卢沟桥街道总工会 2016年第1季度 工会工作统计表"),
a 填报单位/报告期 line, the header row (单位代码 · 单位名称 · one column per catalog indicator
with its unit, "会员人数（人）"), one row per unit, then a 合计 row with SUM formulas.
Cells carry Excel data validation (whole numbers >= 0 for counts, 0-100 for percentages) in
*warning* style: Excel and WPS show the Chinese message and let the clerk keep an entry such
as "约300" or "200余", which the 填报说明 allows. Selecting a data cell shows an input prompt
with the indicator's definition. The sheet is protected without a password (审阅 → 撤销工作表
保护 lifts it): only the data cells are unlocked, so the title, header, 单位代码, 单位名称 and
合计 formulas cannot be typed over by accident; columns can still be widened. The header is
frozen. A second sheet ``填报说明`` explains each column.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from metrics import periods
from metrics.catalog import Catalog
from metrics.report_text import safe_text

DATA_SHEET = "季度数据"
NOTES_SHEET = "填报说明"
HEADER_ROW = 3
FIRST_DATA_ROW = 4
CODE_HEADER = "单位代码"
NAME_HEADER = "单位名称"
TOTAL_LABEL = "合计"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNLOCKED = Protection(locked=False)
_KINDS_SHORT = {"flow": "填本季度发生数，不填累计数", "stock": "填季末数", "rate": "填0到100之间的数，可不填"}


def header_text(indicator) -> str:
    """The column header for an indicator: name and unit, "会员人数（人）"."""
    return f"{indicator.zh}（{indicator.unit}）"


def write_template(
    catalog: Catalog,
    units: pd.DataFrame,
    period: str,
    federation: str,
    values: pd.DataFrame | None = None,
    *,
    level: str | None = None,
) -> bytes:
    """The template for ``period`` with one row per unit in ``units`` (code, name_zh), as .xlsx bytes.

    ``values`` (long: unit, indicator, value) fills the cells, for the example data and tests;
    without it the data cells are empty for the clerk to fill. ``level`` (federation,
    community, enterprise) keeps only the units of that level.
    """
    if level:
        units = units[units["level"] == level]
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    inds = list(catalog)
    ncols = 2 + len(inds)
    title = f"{federation} {periods.label(period)} 工会工作统计表"
    ws.cell(row=1, column=1, value=title).font = Font(size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=min(ncols, 12))
    ws.cell(row=2, column=1, value=f"填报单位：{federation}")
    ws.cell(row=2, column=3, value=f"报告期：{periods.label(period)}")
    headers = [CODE_HEADER, NAME_HEADER] + [header_text(i) for i in inds]
    for col, text in enumerate(headers, start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=text)
        c.font = Font(bold=True)
        c.fill = _HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        c.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else (10 if col == 1 else 26)
    ws.row_dimensions[HEADER_ROW].height = 48

    lookup = {}
    if values is not None and len(values):
        lookup = {(u, i): v for u, i, v in zip(values["unit"], values["indicator"], values["value"])}
    n = len(units)
    for r, (code, name) in enumerate(zip(units["code"], units["name_zh"]), start=FIRST_DATA_ROW):
        ws.cell(row=r, column=1, value=safe_text(code)).border = _BORDER
        ws.cell(row=r, column=2, value=safe_text(name)).border = _BORDER
        for col, ind in enumerate(inds, start=3):
            v = lookup.get((code, ind.code))
            cell = ws.cell(row=r, column=col, value=None if v is None or pd.isna(v) else _plain(v))
            cell.border = _BORDER
            cell.protection = _UNLOCKED
    last = FIRST_DATA_ROW + n - 1
    total_row = last + 1
    ws.cell(row=total_row, column=2, value=TOTAL_LABEL).font = Font(bold=True)
    for col, ind in enumerate(inds, start=3):
        letter = get_column_letter(col)
        if ind.kind == "rate":
            num = get_column_letter(3 + inds.index(catalog[ind.numerator]))
            den = get_column_letter(3 + inds.index(catalog[ind.denominator]))
            formula = f'=IF({den}{total_row}>0,ROUND({num}{total_row}/{den}{total_row}*100,1),"")'
        else:
            formula = f"=SUM({letter}{FIRST_DATA_ROW}:{letter}{last})"
        c = ws.cell(row=total_row, column=col, value=formula if n else None)
        c.font = Font(bold=True)
        c.border = _BORDER
        rng = f"{letter}{FIRST_DATA_ROW}:{letter}{max(last, FIRST_DATA_ROW)}"
        if ind.is_percent:
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                                errorTitle="数值超出范围", error=f"{ind.zh}应为0到100之间的百分数。")
        else:
            dv = DataValidation(type="decimal" if ind.unit in ("元", "平方米") else "whole",
                                operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                errorTitle="数值无效", error=f"{ind.zh}应为不小于0的数。")
        # warning style: the message shows, and "约300" / "200余" can still be kept (是 = keep)
        dv.errorStyle = "warning"
        dv.showErrorMessage = True
        dv.error = _limit(f"{dv.error}估计数可写“约300”“200余”，如确认无误请点“是”保留。")
        dv.showInputMessage = True
        dv.promptTitle = _limit(ind.zh, 32)
        dv.prompt = _limit(f"{ind.definition_zh}（{ind.unit}；{_KINDS_SHORT[ind.kind]}）")
        dv.add(rng)
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=3)
    # no password: protection guards against slips, 审阅 → 撤销工作表保护 lifts it
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False

    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["填报说明"])
    notes["A1"].font = Font(size=14, bold=True)
    for line in (
        f"1. 报告期：{periods.label(period)}。请勿修改表头和单位代码。",
        "2. 存量指标（如会员人数）填季末数；流量指标（如培训人次）填本季度发生数，不填累计数。",
        "3. 百分比指标填0到100之间的数（98表示98%），可不填，系统按分子分母重新计算。",
        "4. 没有数据的格子请留空，不要填0；估计数可写“约300”或“200余”，系统会标为约数。",
        "5. 合计行由公式自动计算，请勿手工修改。",
        "6. 选中数据格可看到该指标的定义；填写超出范围的数时会提示，确认无误可点“是”保留。",
        "7. 表头、单位代码、单位名称和合计行已保护，防止误改；如确需修改，可在“审阅”中撤销工作表保护（无密码）。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["指标代码", "指标名称", "计量单位", "类型", "说明"])
    kinds = {"flow": "流量（本季发生）", "stock": "存量（季末数）", "rate": "比率（%）"}
    for ind in inds:
        notes.append([ind.code, ind.zh, ind.unit, kinds[ind.kind], ind.definition_zh])
    for col, width in zip("ABCDE", (28, 30, 10, 16, 60)):
        notes.column_dimensions[col].width = width

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _limit(text: str, size: int = 255) -> str:
    """Excel refuses validation titles over 32 and messages over 255 characters."""
    return text if len(text) <= size else text[: size - 1] + "…"


def _plain(v: float):
    """Whole floats as ints so the cell reads 1500, not 1500.0."""
    f = float(v)
    return int(f) if f.is_integer() else f
