"""Plans in and out of Excel, and a new plan copied from an old one.

The workbook (``export_plan``) has a sheet 规划 (code, names, quarters) and a sheet 目标 with
one row per goal or unit quota::

    指标代码 | 指标名称 | 单位 | 目标类型 | 基期值 | 目标值 | 属性 | 方向 | 规划表述 | 规划表述（英文） | 分解单位

``read_targets`` reads that 目标 sheet back (also with indicator names instead of codes and
the Chinese words for type and direction) and returns rows for ``Store.set_targets``, or every
problem at once, each naming its sheet and cell, so nothing is stored from a broken file.
"""

from __future__ import annotations

import io
import math

import pandas as pd

from i18n import t
from metrics import periods
from metrics.catalog import Catalog
from metrics.report_text import safe_text

PLAN_SHEET = "规划"
TARGET_SHEET = "目标"
HEADERS = ["指标代码", "指标名称", "单位", "目标类型", "基期值", "目标值", "属性", "方向",
           "规划表述", "规划表述（英文）", "分解单位"]
TYPE_WORDS = {"level": "level", "达到": "level", "水平": "level", "cumulative": "cumulative", "累计": "cumulative",
              "direction": "direction", "方向": "direction", "定性": "direction"}
DIRECTION_WORDS = {"": "", "raise": "raise", "提高": "raise", "提升": "raise", "keep": "keep", "保持": "keep",
                   "lower": "lower", "降低": "lower", "减少": "lower"}
ATTRIBUTES = {"预期性": "预期性", "约束性": "约束性", "expected": "预期性", "binding": "约束性"}


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def export_plan(plan: dict, targets: pd.DataFrame, catalog: Catalog) -> bytes:
    """The plan (a ``Store.plans()`` row as a dict) and its current goals and quotas as .xlsx."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = PLAN_SHEET
    for i, (label, key) in enumerate([("规划代码", "code"), ("规划名称", "name_zh"), ("规划名称（英文）", "name_en"),
                                      ("起始季度", "start_period"), ("结束季度", "end_period"),
                                      ("基期", "base_period")], start=1):
        ws.cell(i, 1, label).font = Font(bold=True)
        ws.cell(i, 2, safe_text(plan.get(key) or ""))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 18, 50
    ws = wb.create_sheet(TARGET_SHEET)
    ws.append(HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    order = {c: i for i, c in enumerate(catalog.codes)}
    rows = targets.assign(_o=targets["indicator"].map(order)).sort_values(["unit", "_o"], kind="stable")
    for r in rows.to_dict("records"):
        ind = catalog[r["indicator"]] if r["indicator"] in catalog else None
        ws.append([
            r["indicator"], ind.zh if ind else "", ind.unit if ind else "", r["target_type"],
            None if _blank(r["base_value"]) else float(r["base_value"]),
            None if _blank(r["target_value"]) else float(r["target_value"]),
            safe_text(r["attribute"]), safe_text(r["goal_direction"] or ""), safe_text(r["goal_text_zh"] or ""),
            safe_text(r["goal_text_en"] or ""), safe_text(r["unit"] or ""),
        ])
    for col, width in zip("ABCDEFGHIJK", (26, 22, 8, 12, 10, 10, 8, 8, 40, 40, 10)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_targets(data: bytes, catalog: Catalog, unit_codes: set[str], lang: str = "zh") -> tuple[list[dict], list[str]]:
    """Rows for ``Store.set_targets`` from the 目标 sheet of a workbook, and the problems found
    (``目标!E5: ...``), in ``lang``. Any problem means no rows should be stored."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any parse failure is the same message to the user
        return [], [t("goals.io.not_xlsx", lang)]
    if TARGET_SHEET not in wb.sheet_names:
        return [], [t("goals.io.no_sheet", lang, sheet=TARGET_SHEET)]
    cells = wb.get_sheet_by_name(TARGET_SHEET).to_python()
    if not cells:
        return [], [t("goals.io.no_sheet", lang, sheet=TARGET_SHEET)]
    header = [str(h).strip() for h in cells[0]]
    missing = [h for h in ("指标代码", "目标类型", "目标值") if h not in header]
    if missing:
        return [], [t("goals.io.missing_column", lang, sheet=TARGET_SHEET, column="、".join(missing))]
    col = {h: i for i, h in enumerate(header)}

    def cell(row, name):
        i = col.get(name)
        return row[i] if i is not None and i < len(row) else None

    def ref(i_row, name):
        return f"{TARGET_SHEET}!{chr(ord('A') + col[name])}{i_row + 1}"

    rows, errors, seen = [], [], set()
    for i, row in enumerate(cells[1:], start=1):
        if all(_blank(v) for v in row):
            continue
        code = str(cell(row, "指标代码") or "").strip()
        ind = catalog[code] if code in catalog else catalog.match(code) or catalog.match(str(cell(row, "指标名称") or ""))
        if ind is None:
            errors.append(t("goals.io.unknown_indicator", lang, cell=ref(i, "指标代码"), value=code))
            continue
        kind = TYPE_WORDS.get(str(cell(row, "目标类型") or "").strip())
        if kind is None:
            errors.append(t("goals.io.bad_type", lang, cell=ref(i, "目标类型"), value=cell(row, "目标类型")))
        numbers = {}
        for name in ("基期值", "目标值"):
            v = cell(row, name) if name in col else None
            if _blank(v):
                numbers[name] = None
                continue
            try:
                numbers[name] = float(str(v).replace(",", "").replace("，", "").rstrip("%"))
            except ValueError:
                errors.append(t("goals.io.not_number", lang, cell=ref(i, name), value=v))
        if kind in ("level", "cumulative") and numbers.get("目标值") is None and "目标值" in numbers:
            errors.append(t("goals.io.no_target", lang, cell=ref(i, "目标值")))
        attribute = ATTRIBUTES.get(str(cell(row, "属性") or "预期性").strip())
        if attribute is None:
            errors.append(t("goals.io.bad_attribute", lang, cell=ref(i, "属性"), value=cell(row, "属性")))
        direction = DIRECTION_WORDS.get(str(cell(row, "方向") or "").strip())
        if direction is None:
            errors.append(t("goals.io.bad_direction", lang, cell=ref(i, "方向"), value=cell(row, "方向")))
        unit = str(cell(row, "分解单位") or "").strip()
        if unit and unit not in unit_codes:
            errors.append(t("goals.io.unknown_unit", lang, cell=ref(i, "分解单位"), value=unit))
        if (ind.code, unit) in seen:
            errors.append(t("goals.io.duplicate", lang, cell=ref(i, "指标代码"), value=ind.code))
        seen.add((ind.code, unit))
        rows.append({"indicator": ind.code, "unit": unit, "target_type": kind, "base_value": numbers.get("基期值"),
                     "target_value": numbers.get("目标值"), "attribute": attribute, "goal_direction": direction or "",
                     "goal_text_zh": str(cell(row, "规划表述") or ""), "goal_text_en": str(cell(row, "规划表述（英文）") or ""),
                     "active": True})
    return ([], errors) if errors else (rows, [])


def check_new_plan(code: str, start: str, end: str, existing: set[str], lang: str = "zh") -> list[str]:
    """What is wrong with a new plan's code and quarters (empty when it is fine)."""
    problems = []
    if not code.strip():
        problems.append(t("goals.io.no_code", lang))
    elif code.strip() in existing:
        problems.append(t("goals.io.code_exists", lang, code=code.strip()))
    if not (periods.is_period(start) and periods.is_period(end)):
        problems.append(t("goals.io.bad_quarters", lang))
    elif periods.index(end) < periods.index(start):
        problems.append(t("goals.io.end_before_start", lang))
    return problems


def copy_plan(store, source: str | None, code: str, name_zh: str, name_en: str, start: str, end: str,
              actor: str) -> int:
    """Add plan ``code`` (base period: the quarter before ``start``) and, from ``source``, copy
    every goal and quota with its targets, types and wording. Bases are left empty: the new
    plan's base is the data at its own base period (filled from the data when shown).
    Returns how many goals were copied."""
    store.add_plan(code.strip(), name_zh, name_en, start, end, periods.previous(start), actor, copied_from=source)
    if not source:
        return 0
    old = store.targets(source)
    rows = [{**{k: r[k] for k in ("indicator", "unit", "target_type", "target_value", "attribute", "goal_direction",
                                    "goal_text_zh", "goal_text_en")}, "base_value": None, "active": True}
            for r in old.to_dict("records")]
    for r in rows:
        if _blank(r["target_value"]):
            r["target_value"] = None
    return store.set_targets(code.strip(), rows, actor)
