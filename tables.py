"""Display tables: turn metric frames into what a page shows (translated headers, figures
with their units, approximate figures marked). No formulas here, only presentation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import resources
from metrics.report_text import safe_text
from ui import fmt_number, lang, person, tr


def figures(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with ``columns`` as float columns (a missing figure is NaN, never text) and
    named in ``frame.attrs["figures"]``, which :func:`ui.dataframe` shows as number columns
    (thousands separators; sorted as numbers)."""
    columns = [c for c in columns if c in frame.columns]
    for col in columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame.attrs["figures"] = list(columns)
    return frame


def with_unit(name: str, unit: str) -> str:
    """A column header naming its unit: ``目标值（人）`` / ``Target (persons)``."""
    return tr("numbers.header", name=name, unit=unit)


def _figure(value, digits: int = 2) -> float:
    """A figure for a number column: rounded to ``digits`` decimals, NaN when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return math.nan
    value = float(value)
    return round(value, digits) if math.isfinite(value) else math.nan


def snapshot_table(snap: pd.DataFrame, category: str) -> pd.DataFrame:
    """The overview rows of one category: indicator, its unit, this quarter, change on the
    previous quarter and on last year (each also in %), year to date for flows. Every figure is
    a number (it sorts); the unit is in its own column because the rows mix units; a rate's
    changes are in percentage points. An approximate figure's row is marked after its name."""
    cat = resources.catalog()
    part = snap[snap["category"] == category]
    pct = "%"
    value, change_q, change_y, ytd = (tr(f"overview.col.{k}") for k in ("value", "change_q", "change_y", "ytd"))
    change_q_pct, change_y_pct = with_unit(change_q, pct), with_unit(change_y, pct)
    rows = []
    for r in part.itertuples(index=False):
        ind = cat[r.indicator]
        rows.append({
            tr("overview.col.indicator"): ind.name(lang()) + (tr("numbers.approx_row") if bool(r.approximate) else ""),
            tr("numbers.unit"): ind.unit_label(lang()),
            value: _figure(r.value),
            change_q: _figure(r.change_q),
            change_q_pct: _figure(r.change_q_pct, 1),
            change_y: _figure(r.change_y),
            change_y_pct: _figure(r.change_y_pct, 1),
            ytd: _figure(r.ytd) if ind.kind == "flow" else math.nan,
            tr("overview.col.kind"): tr(f"overview.kind.{ind.kind}"),
        })
    columns = [tr("overview.col.indicator"), tr("numbers.unit"), value, change_q, change_q_pct, change_y, change_y_pct,
               ytd, tr("overview.col.kind")]
    return figures(pd.DataFrame(rows, columns=columns), [value, change_q, change_q_pct, change_y, change_y_pct, ytd])


# ---- progress against the five-year goals ---------------------------------------------------
import io  # noqa: E402

from charts import OUTLOOK_COLOURS, STATUS_COLOURS, outlook_label, status_label  # noqa: E402
from metrics import periods as _periods  # noqa: E402
from metrics import progress as _progress  # noqa: E402


def _unit_of(ind) -> str:
    return ind.unit_label(lang())


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def goals_of_category(ev: pd.DataFrame, category: str) -> pd.DataFrame:
    """The rows of an evaluate frame in one catalog category, what needs attention first."""
    cat = resources.catalog()
    part = ev[[cat[c].category == category for c in ev["indicator"]]]
    return _progress.sort_by_urgency(part) if len(part) else part


def progress_table(rows: pd.DataFrame, quarters: pd.DataFrame, plan_start: str, as_of: str) -> pd.DataFrame:
    """The overview rows of some goals (an evaluate frame, in display order): status and
    outlook with icon and words, the goal's attribute (before the figures, so it is seen
    without scrolling), the unit (“人次（累计）” for a goal totalled over the plan, whose current
    value is that total), base, target (none for a goal without a number: its status says so),
    current, 完成进度 and 时间进度 in %, and a sparkline from the base period to ``as_of``.
    Every figure is a number (it sorts); marks go after the indicator's name:
    ``‼``/``!`` below pace, ``⚠`` base from an incomplete quarter, ``↻`` carried values,
    （约） an approximate current value."""
    cat = resources.catalog()
    span = _periods.span(_periods.previous(plan_start), as_of) if as_of else []
    out = []
    base, target, current = tr("progress.col.base"), tr("progress.col.target"), tr("progress.col.current")
    progress, elapsed = tr("progress.col.progress"), tr("progress.col.elapsed")
    for r in rows.itertuples(index=False):
        ind = cat[r.indicator]
        series = quarters[quarters["indicator"] == r.indicator].set_index("period")["value"]
        line = [float(series[p]) for p in span if p in series.index and not _nan(series[p])]
        alert = {"critical": "‼ ", "warning": "! "}.get(r.alert, "")
        marks = ((tr("numbers.approx_row") if bool(r.approximate) else "")
                 + (" ⚠" if getattr(r, "base_incomplete", False) else "")
                 + (" ↻" if getattr(r, "carried_units", 0) else ""))
        out.append({
            tr("progress.col.indicator"): alert + ind.name(lang()) + marks,
            tr("progress.col.status"): status_label(r.status, lang()),
            tr("progress.col.outlook"): outlook_label(r.outlook, lang()),
            tr("progress.col.attribute"): attribute_label(r.attribute),  # before the figures: seen without scrolling
            tr("numbers.unit"): _unit_of(ind) + (tr("numbers.cumulative_unit") if r.target_type == "cumulative" else ""),
            base: _figure(r.base),
            target: math.nan if r.target_type == "direction" else _figure(r.target),
            current: _figure(r.current),
            progress: None if _nan(r.progress) else float(r.progress) * 100,
            elapsed: None if r.target_type == "direction" or _nan(r.elapsed) else float(r.elapsed) * 100,
            tr("progress.col.trend"): line,
        })
    frame = pd.DataFrame(out)
    return figures(frame, [base, target, current]) if len(frame) else frame


def attribute_label(attribute: str) -> str:
    return tr("goals.attribute.binding") if attribute in _progress.BINDING else tr("goals.attribute.expected")


def count_labels(counts: dict, kind: str) -> list[tuple[str, int, str]]:
    """(label with icon, count, colour) per status or outlook code."""
    label = status_label if kind == "status" else outlook_label
    colours = STATUS_COLOURS if kind == "status" else OUTLOOK_COLOURS
    return [(label(code, lang()), n, colours.get(code, "#999999")) for code, n in counts.items()]


def partial_units(evaluated: pd.DataFrame) -> dict:
    """``{unit: (reported, expected)}`` for the units of an evaluate_units frame (with flags)
    whose as-of quarter is incomplete."""
    if "incomplete" not in evaluated:
        return {}
    rows = evaluated[evaluated["incomplete"].astype(bool)].drop_duplicates("unit")
    return {r.unit: (int(r.reported), int(r.expected)) for r in rows.itertuples(index=False)}


def breakdown_table(ev: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One goal for several units (an evaluate_units frame): unit, what the unit is measured
    against (its quota or the derived target), base, target, current, progress, status, outlook.
    One indicator, so its unit is in the figure columns' headers; every figure a number."""
    cat = resources.catalog()
    names = dict(zip(units["code"], units["name_zh"] if lang() == "zh" else units["name_en"].where(units["name_en"] != "", units["name_zh"])))
    unit = _unit_of(cat[ev["indicator"].iloc[0]]) if len(ev) else ""
    base, target, current = (with_unit(tr(f"indicator.col.{k}"), unit) for k in ("base", "target", "current"))
    progress, ratio = tr("indicator.col.progress"), tr("indicator.col.ratio")
    # the headers and words looked up once, not once per unit (2,000 children at a district)
    col_unit, col_status, col_outlook, col_source = (tr(f"indicator.col.{k}") for k in ("unit", "status", "outlook", "source"))
    approx, language = tr("numbers.approx_row"), lang()
    statuses, outlooks, sources = {}, {}, {}
    out = []
    for r in ev.itertuples(index=False):
        ind = cat[r.indicator]
        if r.status not in statuses:
            statuses[r.status] = status_label(r.status, language)
        if r.outlook not in outlooks:
            outlooks[r.outlook] = outlook_label(r.outlook, language)
        if r.target_source not in sources:
            sources[r.target_source] = tr(f"indicator.source.{r.target_source or 'none'}")
        out.append({
            col_unit: names.get(r.unit, r.unit) + (approx if bool(r.approximate) else ""),
            col_status: statuses[r.status],
            col_outlook: outlooks[r.outlook],
            base: _figure(r.base),
            target: math.nan if _nan(r.target) else _figure(r.target if ind.is_percent else float(round(r.target))),
            col_source: sources[r.target_source],
            current: _figure(r.current),
            progress: None if _nan(r.progress) else round(float(r.progress) * 100, 1),
            ratio: None if _nan(r.ratio) or not math.isfinite(r.ratio) else round(float(r.ratio), 2),
        })
    frame = pd.DataFrame(out)
    return figures(frame, [base, target, current, progress, ratio]) if len(frame) else frame


def plan_table(goals: pd.DataFrame, plan_years: float) -> pd.DataFrame:
    """The plan's main-indicator table as plans print it: 指标 · 单位 · 基期值 · 目标值 ·
    年均/累计 · 属性, base and target as numbers (a goal without a number has no target; its
    direction is in 年均/累计); a base taken from the data is marked after the indicator's name."""
    cat = resources.catalog()
    out = []
    for r in goals.itertuples(index=False):
        ind = cat[r.indicator]
        unit = _unit_of(ind)
        from_data = tr("goals.from_data_mark") if r.base_source == "data" else ""
        if r.target_type == "cumulative":
            pace = tr("goals.pace.cumulative")
        elif r.target_type == "direction":
            pace = tr(f"goals.direction.{r.goal_direction or 'raise'}")
        elif _nan(r.base) or _nan(r.target) or r.base <= 0:
            pace = "—"
        elif ind.is_percent:
            pace = tr("goals.pace.points", value=fmt_number((r.target - r.base) / plan_years, "pp", signed=True))
        else:
            pace = tr("goals.pace.growth", value=f"{((r.target / r.base) ** (1 / plan_years) - 1) * 100:.1f}%")
        out.append({
            tr("goals.col.category"): cat.category(ind.category).name(lang()),
            tr("goals.col.indicator"): ind.name(lang()) + from_data,
            tr("goals.col.unit"): unit,
            tr("goals.col.base"): _figure(r.base),
            tr("goals.col.target"): math.nan if r.target_type == "direction" else _figure(r.target),
            tr("goals.col.pace"): pace,
            tr("goals.col.attribute"): attribute_label(r.attribute),
            tr("goals.col.text"): r.goal_text_zh if lang() == "zh" else (r.goal_text_en or r.goal_text_zh),
        })
    frame = pd.DataFrame(out)
    return figures(frame, [tr("goals.col.base"), tr("goals.col.target")]) if len(frame) else frame


def target_history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Every change of a plan's goals and quotas: when, who, indicator, unit, and each field
    that changed as ``old → new`` (the first version reads ``— → new``). Newest first."""
    cat = resources.catalog()
    fields = ("target_type", "base_value", "target_value", "attribute", "goal_direction", "active")
    out, last = [], {}
    for r in history.sort_values("id").to_dict("records"):
        key = (r["indicator"], r["unit"] or "")
        old = last.get(key)
        changes = []
        for f in fields:
            new_v, old_v = r[f], (None if old is None else old[f])
            if old is None or not (new_v == old_v or (_nan(new_v) and _nan(old_v))):
                if old is None and (new_v is None or _nan(new_v) or new_v == ""):
                    continue
                changes.append(f"{tr(f'goals.field.{f}')}: {_show(old_v, f)} → {_show(new_v, f)}")
        last[key] = r
        out.append({
            tr("goals.col.changed_at"): pd.Timestamp(r["changed_at"]).strftime("%Y-%m-%d %H:%M"),
            tr("goals.col.changed_by"): person(r["changed_by"]),
            tr("goals.col.indicator"): cat[r["indicator"]].name(lang()) if r["indicator"] in cat else r["indicator"],
            tr("goals.col.quota_unit"): r["unit"] or tr("goals.plan_goal"),
            tr("goals.col.change"): "；".join(changes) if lang() == "zh" else "; ".join(changes),
        })
    return pd.DataFrame(out[::-1])


def _show(v, field: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
        return "—"
    if field == "target_type":
        return tr(f"goals.target_type.{v}")
    if field == "goal_direction":
        return tr(f"goals.direction.{v}")
    if field == "attribute":
        return attribute_label(v)
    if isinstance(v, bool):
        return tr("goals.yes") if v else tr("goals.no")
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def grid_cells(status: pd.DataFrame, outlook: pd.DataFrame) -> pd.DataFrame:
    """The code each grid cell shows, two columns per goal: ``(goal, "status")`` its pace status
    and ``(goal, "outlook")`` its outlook, prefixed ``outlook:`` (pace and outlook never share
    one coloured cell)."""
    cols = {}
    for goal in status.columns:
        cols[(goal, "status")] = status[goal]
        col = outlook[goal]
        cols[(goal, "outlook")] = ("outlook:" + col) if isinstance(col.dtype, pd.StringDtype) else \
            col.map(lambda c: f"outlook:{c}" if isinstance(c, str) else c)
    return pd.DataFrame(cols, index=status.index)


def _cell_label(code) -> str:
    if not isinstance(code, str):
        return ""
    if code.startswith("outlook:"):
        return outlook_label(code.split(":", 1)[1], lang())
    return status_label(code, lang())


def _cell_colour(code) -> str | None:
    if not isinstance(code, str):
        return None
    if code.startswith("outlook:"):
        return OUTLOOK_COLOURS.get(code.split(":", 1)[1])
    return STATUS_COLOURS.get(code)


_DARK = {"#009E73", "#0072B2", "#D55E00", "#CC0000"}


# The units page shows the grid this many units at a time (app_pages/units.py); the Excel has all.
# Each shown row costs the page about 2.5 ms a rerun (pandas' Styler colouring 38 cells, then
# Streamlit sending them): 100 rows keep a rerun well under half a second.
GRID_PAGE_ROWS = 100


def _cell_words(grid: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """``grid.map(lambda c: labels.get(c, "") if isinstance(c, str) else "")``, looked up once
    per distinct code of each column and taken into place (836,000 cells at 22,001 units: a
    Python call each took 0.5 s) when every column is text; else that map."""
    if grid.empty or not all(isinstance(d, pd.StringDtype) for d in grid.dtypes):
        return grid.map(lambda c: labels.get(c, "") if isinstance(c, str) else "")
    cols = {}
    for k, (_, col) in enumerate(grid.items()):
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        words = pd.array([labels.get(c, "") if isinstance(c, str) else "" for c in uniques], dtype=col.dtype)
        cols[k] = words.take(codes)
    out = pd.DataFrame(cols, index=grid.index)
    out.columns = grid.columns
    return out


def status_grid_table(grid: pd.DataFrame, units: pd.DataFrame, partial: dict | None = None) -> pd.DataFrame:
    """A units × goals grid of cell codes (:func:`grid_cells`) for display: unit names down,
    indicator names across, each cell icon and words. ``partial``: ``{unit: (n, m)}`` for
    units whose quarter is incomplete, named with “（已报 n/m）”."""
    cat = resources.catalog()
    names = dict(zip(units["code"], units["name_zh"] if lang() == "zh" else units["name_en"].where(units["name_en"] != "", units["name_zh"])))
    for code, (n, m) in (partial or {}).items():
        names[code] = f"{names.get(code, code)} ({tr('coverage.reported', n=n, m=m)})"
    # one label per distinct code (a handful), not a language lookup per cell (84,000 at M)
    labels = {c: _cell_label(c) for c in pd.unique(grid.to_numpy().ravel()) if isinstance(c, str)}
    shown = _cell_words(grid, labels)
    shown.index = [names.get(u, u) for u in grid.index]
    kinds = {"status": tr("screens.grid.pace"), "outlook": tr("screens.grid.outlook")}
    shown.columns = [f"{cat[c[0]].name(lang())} · {kinds[c[1]]}" if isinstance(c, tuple) else cat[c].name(lang())
                     for c in grid.columns]
    shown.index.name = tr("units.col.unit")
    return shown


def status_grid_xlsx(grid: pd.DataFrame, shown: pd.DataFrame, title: str, sheet: str | None = None) -> bytes:
    """The grid as an .xlsx workbook: a title row, then the shown grid with each cell filled in
    its status colour (``grid`` holds the codes, ``shown`` the words). Written row by row with
    XlsxWriter (in memory, about 3 MB at 22,001 units) and one format per colour: at 22,001 units × 38 columns openpyxl's write-only mode took 60 s on a busy
    machine, XlsxWriter 14 s; the words are made safe (:func:`safe_text`) once per distinct word."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet((sheet or tr("units.sheet"))[:31])
    ws.set_column(0, 0, 26)
    if len(shown.columns):
        ws.set_column(1, len(shown.columns), 14)
    ws.freeze_panes(3, 1)  # B4
    ws.write_string(0, 0, safe_text(title), wb.add_format({"bold": True, "font_size": 13}))
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    ws.write_string(2, 0, safe_text(shown.index.name or ""), bold)
    for j, name in enumerate(shown.columns, start=1):
        ws.write_string(2, j, safe_text(name), head)
    codes, words = grid.to_numpy(), shown.to_numpy()
    formats: dict = {}
    for code in pd.unique(codes.ravel()):
        colour = _cell_colour(code) if isinstance(code, str) else None
        if colour:
            formats[code] = wb.add_format({"pattern": 1, "bg_color": colour,
                                           "font_color": "#FFFFFF" if colour in _DARK else "#000000"})
    safe = {w: safe_text(w) for w in pd.unique(words.ravel()) if isinstance(w, str)}
    write, get = ws.write, formats.get
    for r, (unit_name, row_words, row_codes) in enumerate(zip(shown.index, words, codes), start=3):
        ws.write_string(r, 0, safe_text(unit_name))
        for j, (text, code) in enumerate(zip(row_words, row_codes), start=1):
            fmt = get(code) if isinstance(code, str) else None
            if isinstance(text, str):
                ws.write_string(r, j, safe[text], fmt)
            elif text is not None and not (isinstance(text, float) and math.isnan(text)):
                write(r, j, text, fmt)
            elif fmt is not None:
                ws.write_blank(r, j, None, fmt)
    wb.close()
    return buf.getvalue()


def styled_grid(grid: pd.DataFrame, shown: pd.DataFrame):
    """A pandas Styler colouring each cell of ``shown`` by the status code in ``grid``."""
    codes = grid.to_numpy()

    def colour(frame: pd.DataFrame) -> pd.DataFrame:
        css = [[(f"background-color: {_cell_colour(c)}; color: {'white' if _cell_colour(c) in _DARK else 'black'}")
                if _cell_colour(c) else "" for c in row] for row in codes]
        return pd.DataFrame(css, index=frame.index, columns=frame.columns)

    return shown.style.apply(colour, axis=None)


def sources_table(uploads: pd.DataFrame, upload_ids: set) -> pd.DataFrame:
    """The uploads behind some figures: file, quarter, who, when."""
    part = uploads[uploads["id"].isin(upload_ids)].sort_values("period", ascending=False)
    return pd.DataFrame({
        tr("indicator.col.file"): part["filename"],
        tr("indicator.col.period"): [_periods.label(p, lang()) if p else "" for p in part["period"]],
        tr("indicator.col.uploader"): part["uploader"].map(person),
        tr("indicator.col.uploaded_at"): [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in part["uploaded_at"]],
        tr("forms.note_col"): [upload_note(r) for r in part.get("report", pd.Series("", index=part.index))],
    })


def upload_note(report: object) -> str:
    """The clerk's note kept with an upload (in its stored report), or ""."""
    try:
        return str(json.loads(report or "{}").get("note") or "")
    except (TypeError, ValueError, AttributeError):
        return ""


def fmt_estimate(value: float, indicator: str, *, with_unit: bool = True) -> str:
    """A projected or derived figure: counts to whole numbers, rates to one decimal."""
    ind = resources.catalog()[indicator]
    if _nan(value):
        return "—"
    unit = ind.unit_label(lang()) if with_unit or ind.is_percent else ""
    return fmt_number(value if ind.is_percent else float(round(value)), unit)


EDIT_COLUMNS = ["indicator", "target_type", "base_value", "target_value", "attribute", "goal_direction",
                "goal_text_zh", "goal_text_en"]


def editable_goals(targets: pd.DataFrame) -> pd.DataFrame:
    """The plan's own goals (no quotas) as the goals editor shows them, in catalog order."""
    order = {c: i for i, c in enumerate(resources.catalog().codes)}
    part = targets[targets["unit"].fillna("") == ""]
    part = part.assign(_o=part["indicator"].map(order)).sort_values("_o")
    return part[EDIT_COLUMNS].reset_index(drop=True)


def edited_rows(frame: pd.DataFrame, unit: str = "") -> list[dict]:
    """Rows for ``Store.set_targets`` from an edited goals frame (unchanged rows are skipped
    by the store itself)."""
    rows = []
    for r in frame.to_dict("records"):
        row = {k: (None if _nan(r.get(k)) else r.get(k)) for k in EDIT_COLUMNS}
        for k in ("goal_direction", "goal_text_zh", "goal_text_en"):
            row[k] = row[k] or ""
        rows.append({**row, "unit": unit, "active": True})
    return rows


def quota_frame(targets: pd.DataFrame, indicator: str, unit_codes: list[str], units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit with its quota for ``indicator`` (empty where none is set)."""
    name = units["name_zh"] if lang() == "zh" else units["name_en"].where(units["name_en"] != "", units["name_zh"])
    names = pd.Series(name.to_numpy(), index=units["code"].to_numpy())
    q = targets[(targets["indicator"] == indicator) & (targets["unit"].fillna("") != "")]
    have = pd.Series(q["target_value"].to_numpy(), index=q["unit"].to_numpy())
    have = have[~have.index.duplicated(keep="last")]  # as dict(zip(...)): the last row of a unit
    codes = pd.Index(list(unit_codes), dtype="str")
    # looked up at once (a district lists 22,000 units on every rerun of the goals page)
    found = names[~names.index.duplicated(keep="last")].reindex(codes)
    return pd.DataFrame({"unit": codes.to_numpy(), "name": found.where(found.notna(), codes).to_numpy(),
                         "quota": have.reindex(codes).to_numpy()})


def quota_rows(edited: pd.DataFrame, before: pd.DataFrame, goal: dict) -> list[dict]:
    """Rows for ``Store.set_targets`` from an edited quota frame: a new or changed number is a
    quota (with the plan goal's type and attribute), a cleared one is deactivated."""
    old = dict(zip(before["unit"], before["quota"]))
    rows = []
    for unit, value in zip(edited["unit"], edited["quota"]):
        was = old.get(unit)
        if (_nan(value) and _nan(was)) or value == was:
            continue
        rows.append({"indicator": goal["indicator"], "unit": unit, "target_type": goal["target_type"],
                     "target_value": None if _nan(value) else float(value), "attribute": goal["attribute"],
                     "goal_direction": goal.get("goal_direction") or "", "active": not _nan(value)})
    return rows


# ---- data management ------------------------------------------------------------------------
import json  # noqa: E402

from i18n import has as _has  # noqa: E402


def audit_table(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log for reading: time, who, the action in words (its code when the catalog
    has no words for it), the detail as compact JSON (at most 300 characters)."""
    def action(code: str) -> str:
        key = f"data.action.{code.replace('.', '_')}"
        return tr(key) if _has(key, lang()) else code

    return pd.DataFrame({
        tr("data.audit.at"): log["at"],
        tr("data.audit.actor"): log["actor"].map(person),
        tr("data.audit.action"): log["action"].map(action),
        tr("data.audit.detail"): log["detail"].map(lambda d: json.dumps(json.loads(d), ensure_ascii=False)[:300]),
    })


# ---- every table a page shows ---------------------------------------------------------------
import re  # noqa: E402

from pandas.io.formats.style import Styler  # noqa: E402

from metrics.report_text import FORMULA_STARTS  # noqa: E402

_SIGNED_FIGURE = re.compile(r"[+\-]\d[\d,]*(?:\.\d+)?")
_RISKY = re.compile(r"[=+\-@*/^&|!:;\"'<>\t\r\n]|[A-Za-z_][\w.]*\(")


def display_text(value):
    """A cell as a page shows it, safe to download or copy into a spreadsheet: text starting
    with a formula character gets a leading ``'`` (:func:`metrics.report_text.safe_text`), except
    a figure we wrote ourselves, a signed number with its unit and an optional change in
    brackets (``+12人（+3.1%）``, ``-3.0 pp (-10.0%)``): nothing after the number can call a
    function, follow a link or reach another cell. Anything that is not text is returned as is.

    >>> display_text("=HYPERLINK(1)"), display_text("-2+3"), display_text("+12人（+3.1%）"), display_text(5)
    ("'=HYPERLINK(1)", "'-2+3", '+12人（+3.1%）', 5)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    figure = _SIGNED_FIGURE.match(value)
    if figure:
        rest = re.sub(r"([(（])[+\-]", r"\1", value[figure.end():])
        if not _RISKY.search(rest):
            return value
    return safe_text(value)


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_labels(level) for level in index.levels])
    return index.map(display_text).rename(display_text(index.name))


def safe_frame(data):
    """What a page hands to ``st.dataframe`` / ``st.data_editor``, with every text cell, column
    label and index label passed through :func:`display_text`, so that the table toolbar's
    "Download as CSV" and a copy to the clipboard never carry a live formula. Takes a frame, a
    dict of columns or a pandas ``Styler`` (its frame is replaced; the styles stay). Does not
    change ``data``."""
    if isinstance(data, Styler):
        safe = safe_frame(data.data)
        data.data, data.index, data.columns = safe, safe.index, safe.columns
        return data
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
            # text only: the few cells that start with a formula character, found at once
            # (every cell through Python was a tenth of a rerun's time at a district's size)
            risky = values.str.startswith(FORMULA_STARTS).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                fixed = values.copy()
                fixed.iloc[np.flatnonzero(risky)] = [display_text(v) for v in values.iloc[risky]]
                out[col] = fixed
        elif values.dtype == object:
            out[col] = values.map(display_text)
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
    return out


def unsafe_text(value):
    """The text a user typed, from a cell :func:`display_text` neutralised (for the editors)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
