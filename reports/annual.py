"""The figures part of the annual work summary (年度工作总结) of one year: this year against last
year, and against the plan's yearly pace.

Which value a figure is (:func:`metrics.rollup.over_span`): a flow summed over the quarters of
the year, a stock at the year's last quarter, a rate from the summed parts. The year runs up to
its latest complete quarter (``as_of``); a later quarter that only some units have reported
is left out and named ("第四季度数据尚未报齐"), and last year is then taken over the same
quarters (上年同期), so a year that is not yet complete is never worded as a decline. A
quarter within the year that only some units reported, or none did, is named in the note.

Which indicators: per area, those the congress report speaks of (the codes of its sentence
templates, :data:`metrics.report_text.AREA_SENTENCES`) and those with a goal in the plan of
the year, in catalog order, when the year has data for them.

The plan's yearly pace is :func:`metrics.pace.plan_pace` for the goals of the plan that holds
the year (bases as the progress page has them, :func:`reports.content.plan_goals`); what the
year did against it: a cumulative goal's flow over the year, a level goal's change over the
year (from last year's end). Compared only over a full year.

Words come from ``i18n/<lang>/annual.toml`` (no figure there); figures are phrased by
:mod:`metrics.wording` through :func:`metrics.report_text.figure_text`, never stating more
than the data.
"""

from __future__ import annotations

import math

import pandas as pd

from i18n import t
from metrics import goals as goal_rows
from metrics import pace as pace_math
from metrics import periods, rollup
from metrics.report_text import AREA_SENTENCES, clean_text, figure_text, indicator_codes, render_sentence
from metrics.wording import join_list, phrase, quarter_label, quarter_list
from reports.content import Inputs, _plan_name, _unit_name, plan_goals, root_unit
from reports.docx_writer import _number, _percent
from reports.office_doc import Block, OfficeDoc, Table

COLUMNS = ["indicator", "name", "unit", "kind", "this_year", "last_year", "change", "change_pct",
           "period", "last_period", "approximate", "goal_type", "plan_pace", "year_done", "pace_ratio"]


def _area_codes(inputs: Inputs, plan_code: str | None) -> dict[str, list[str]]:
    from i18n import strings

    catalog = inputs.catalog
    templates = strings("zh")
    spoken: list[str] = []
    for category, specs in AREA_SENTENCES.items():
        for spec in specs:
            for clause in spec.clauses:
                key = f"report.sentence.{category}.{clause.rstrip('?')}"
                if key in templates:
                    spoken += indicator_codes(templates[key])
    goal_codes = set(inputs.targets.get(plan_code, pd.DataFrame(columns=["indicator"]))["indicator"]) if plan_code else set()
    wanted = set(spoken) | goal_codes
    out: dict[str, list[str]] = {}
    for ind in catalog:
        if ind.code in wanted:
            out.setdefault(ind.category, []).append(ind.code)
    return out


def year_figures(inputs: Inputs, year: int, unit: str | None = None, lang: str = "zh") -> tuple[pd.DataFrame, dict]:
    """Each indicator's value this year and last year (:data:`COLUMNS`) and what the year
    covers: ``as_of`` (latest complete quarter of the year), ``left_out`` (later quarters of
    the year with only some units' data), ``partial`` and ``missing`` quarters up to
    ``as_of``, ``plan`` (the plan holding the year) and ``full`` (the year is complete)."""
    catalog = inputs.catalog
    unit = unit or root_unit(inputs.units)
    quarters = rollup.quarterly(inputs.observations, inputs.units, catalog, unit)
    cover = rollup.coverage(inputs.observations, inputs.units, unit)
    first, last = periods.make(year, 1), periods.make(year, 4)
    as_of = rollup.latest_complete(cover, upto=last)
    if as_of is None or periods.index(as_of) < periods.index(first):
        raise ValueError(t("annual.no_data", lang, year=year))
    in_year = cover[cover["period"].map(periods.index).between(periods.index(first), periods.index(last))]
    reported = set(in_year["period"])
    up_to = periods.span(first, as_of)
    info = {
        "as_of": as_of, "full": as_of == last,
        "left_out": [p for p in periods.span(periods.shift(as_of, 1), last) if p in reported] if as_of != last else [],
        "partial": [p for p in up_to if p in reported and not bool(in_year.set_index("period").at[p, "complete"])],
        "missing": [p for p in up_to if p not in reported],
    }
    this = rollup.over_span(quarters, catalog, first, as_of).set_index("indicator")
    prev = rollup.over_span(quarters, catalog, periods.make(year - 1, 1), periods.year_ago(as_of)).set_index("indicator")
    plan_code = goal_rows.current_plan(inputs.plans, as_of) if len(inputs.plans) else None
    plan_row = inputs.plans[inputs.plans["code"] == plan_code].iloc[0] if plan_code else None
    if plan_row is not None and not (periods.index(plan_row["start_period"]) <= periods.index(as_of) <= periods.index(plan_row["end_period"])):
        plan_code, plan_row = None, None
    info["plan"] = plan_code
    info["plan_row"] = plan_row
    goals = plan_goals(inputs, plan_code).set_index("indicator") if plan_code else pd.DataFrame()
    info["areas"] = _area_codes(inputs, plan_code)
    rows = []
    for codes in info["areas"].values():
        for code in codes:
            if code not in this.index:
                continue
            ind = catalog[code]
            value = float(this.at[code, "value"])
            last_value = float(prev.at[code, "value"]) if code in prev.index else math.nan
            change = value - last_value
            pct = change / last_value if ind.unit != "%" and last_value and not math.isnan(last_value) else math.nan
            goal_type, ppace, done, ratio = "", math.nan, math.nan, math.nan
            if code in goals.index and plan_row is not None:
                goal = goals.loc[code]
                goal_type = str(goal["target_type"])
                ppace = pace_math.plan_pace(goal.to_dict(), plan_row["start_period"], plan_row["end_period"])
                if info["full"] and not math.isnan(ppace):
                    done = value if goal_type == "cumulative" else change
                    ratio = done / ppace if ppace and not math.isnan(done) else math.nan
            rows.append(dict(
                indicator=code, name=clean_text(ind.name("zh")), unit=ind.unit, kind=ind.kind, this_year=value,
                last_year=last_value, change=change, change_pct=pct, period=this.at[code, "period"],
                last_period=prev.at[code, "period"] if code in prev.index else None,
                approximate=bool(this.at[code, "approximate"]) or (bool(prev.at[code, "approximate"]) if code in prev.index else False),
                goal_type=goal_type, plan_pace=ppace, year_done=done, pace_ratio=ratio))
    return pd.DataFrame(rows, columns=COLUMNS), info


def _change_clause(row, ind, ref: str, lang: str) -> str | None:
    change = row["change"]
    if math.isnan(change):
        return None
    unit = ind.unit_label(lang)
    if ind.is_percent:
        points = math.floor(abs(change) * 10) / 10  # cut, never rounded up
        if change == 0:
            return t("annual.change.same", lang, ref=ref)
        if points == 0:
            return t("annual.change.about_same", lang, ref=ref)
        key = "annual.change.points_up" if change > 0 else "annual.change.points_down"
        return t(key, lang, ref=ref, points=f"{points:g}")
    if change == 0:
        return t("annual.change.same", lang, ref=ref)
    amount = phrase(abs(change), unit, approximate=ind.approx_wording or bool(row["approximate"]), lang=lang)
    return t("annual.change.more" if change > 0 else "annual.change.less", lang, ref=ref, amount=amount)


def build_annual(inputs: Inputs, year: int, unit: str | None = None, lang: str = "zh", is_example: bool = False) -> OfficeDoc:
    """The annual summary's figures for ``year`` and ``unit`` (default: the federation)."""
    catalog = inputs.catalog
    unit = unit or root_unit(inputs.units)
    uname = _unit_name(inputs.units, unit, lang)
    frame, info = year_figures(inputs, year, unit, lang)
    as_of, full = info["as_of"], info["full"]
    q = periods.parse(as_of)[1]
    year_label = t("annual.year", lang, year=year)
    opener = year_label if full else t("annual.opener_partial", lang, year=year, quarter=quarter_label(as_of, lang))
    ref_flow = t("annual.ref.last_year" if full else "annual.ref.same_period", lang)
    ref_stock = t("annual.ref.last_year_end" if full else "annual.ref.same_period", lang)
    by_code = frame.set_index("indicator") if len(frame) else frame
    paragraphs: list[str] = []
    blocks: list[Block] = []
    intro = [t("annual.intro_full" if full else "annual.intro_partial", lang, year=year, unit=uname,
               quarter=quarter_label(as_of, lang), left_out=quarter_list(info["left_out"], lang))]
    if not full and not info["left_out"]:
        intro = [t("annual.intro_partial_plain", lang, year=year, unit=uname, quarter=quarter_label(as_of, lang))]
    for category in catalog.categories:
        clauses = []
        for code in info["areas"].get(category.code, []):
            if code not in by_code.index:
                continue
            row = by_code.loc[code]
            ind = catalog[code]
            if row["this_year"] == 0:
                continue  # "…0篇" is not written (the table still shows it)
            value = figure_text(row["this_year"], ind, lang=lang, source_approximate=bool(row["approximate"]))
            key = "annual.clause.flow" if ind.kind == "flow" or (ind.kind == "rate" and catalog[ind.numerator].kind == "flow") else "annual.clause.level"
            name = clean_text(ind.name(lang))
            if lang == "en" and name[:1].isupper() and not name[1:2].isupper():
                name = name[:1].lower() + name[1:]  # it follows "In 2017, "
            clause = t(key, lang, name=name, value=value)
            change = _change_clause(row, ind, ref_flow if ind.kind == "flow" else ref_stock, lang)
            if change:
                clause += SEP[lang] + change
            clauses.append(clause)
        sentence = render_sentence(clauses, lang, "semicolon", opener=opener)
        if sentence:
            paragraphs.append(t("annual.area_lead", lang, area=clean_text(category.name(lang))) + sentence)
    blocks.append(Block(t("annual.heading.review", lang, year=year), intro + (paragraphs or [t("report.no_data", lang)])))

    plan_row = info["plan_row"]
    with_goal = frame[frame["goal_type"] != ""] if len(frame) else frame
    pace_paras: list[str] = []
    if plan_row is not None and len(with_goal):
        plan_name = _plan_name(plan_row, lang)
        if full:
            met = [catalog[c].name(lang) for c, r in zip(with_goal["indicator"], with_goal["pace_ratio"]) if r >= 1]
            short = [catalog[c].name(lang) for c, r in zip(with_goal["indicator"], with_goal["pace_ratio"]) if r < 1]
            pace_paras.append(t("annual.pace.summary", lang, plan=plan_name, year=year, n=len(met) + len(short), k=len(met)))
            if met:
                pace_paras.append(t("annual.pace.met", lang, items=join_list([clean_text(x) for x in met], lang)))
            if short:
                pace_paras.append(t("annual.pace.short", lang, items=join_list([clean_text(x) for x in short], lang)))
        else:
            pace_paras.append(t("annual.pace.partial", lang, plan=plan_name, quarter=quarter_label(as_of, lang)))
    else:
        pace_paras.append(t("annual.pace.no_plan", lang, year=year))

    lab = {k: t(f"annual.col.{k}", lang) for k in ("indicator", "this_year", "last_year", "change", "change_pct",
                                                  "plan_pace", "year_done", "pace_ratio")}
    rows = []
    for _, r in frame.iterrows():
        ind = catalog[r["indicator"]]
        unit_label = ind.unit_label(lang)
        rows.append([t("annual.name_unit", lang, name=clean_text(ind.name(lang)), unit=unit_label), _number(r["this_year"], ind.unit, lang, r["approximate"]),
                     _number(r["last_year"], ind.unit, lang), _signed(r["change"], ind.unit, lang),
                     _signed_percent(r["change_pct"]),
                     _number(r["plan_pace"], ind.unit, lang), _signed(r["year_done"], ind.unit, lang),
                     _percent(r["pace_ratio"])])
    caption = t("annual.table_caption" if full else "annual.table_caption_partial", lang, year=year,
                quarter=quarter_label(as_of, lang), last=year - 1)
    table = Table(caption, [lab[k] for k in lab], rows, numeric={1, 2, 3, 4, 5, 6, 7},
                  widths=[3.2, 1.7, 1.7, 1.8, 1.8, 1.8, 1.8, 1.8], frame=frame)
    blocks.append(Block(t("annual.heading.table", lang), pace_paras, table))

    notes = [t("annual.note.kinds", lang), t("annual.note.pace", lang)]
    if not full:
        notes.append(t("annual.note.like_for_like", lang, quarter=quarter_label(as_of, lang), q=q))
    if info["left_out"]:
        notes.append(t("annual.note.left_out", lang, quarters=quarter_list(info["left_out"], lang)))
    if info["partial"]:
        notes.append(t("report.doc.note_partial", lang, quarters=quarter_list(info["partial"], lang)))
    if info["missing"]:
        notes.append(t("report.doc.note_missing", lang, quarters=quarter_list(info["missing"], lang), n=len(info["missing"])))
    notes.append(t("report.doc.note_rounding", lang))
    approx = [clean_text(catalog[c].name(lang)) for c, a in zip(frame["indicator"], frame["approximate"]) if a]
    if approx:
        notes.append(t("report.doc.note_approx", lang, items=join_list(approx, lang)))
    notes.append(t("report.doc.note_unit", lang, unit=uname))
    if is_example:
        notes.append(t("report.doc.note_example", lang))
    return OfficeDoc(kind="annual", lang=lang, unit=unit, unit_name=uname,
                     title=t("annual.title", lang, unit=uname, year=year),
                     subtitle=t("annual.subtitle", lang, as_of=quarter_label(as_of, lang)),
                     blocks=blocks, notes=notes, as_of=as_of, is_example=is_example)


SEP = {"zh": "，", "en": ", "}


def _signed_percent(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = _percent(abs(value))
    return text if value == 0 else ("+" if value > 0 else "−") + text


def _signed(value, unit: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = _number(abs(value), unit, lang)
    if float(value) == 0:
        return text
    return ("+" if value > 0 else "−") + text


__all__ = ["COLUMNS", "build_annual", "year_figures"]
