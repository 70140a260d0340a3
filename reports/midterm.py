"""The mid-term review of a plan (规划中期评估): 时间过半、任务过半, the goals at risk, and the
pace the rest of the plan needs.

The goal rows are those of the progress page (:func:`metrics.goals.evaluate_plan`, through
:func:`reports.content.plan_evaluation`): base, target, current value, 完成进度, 时间进度,
status, and the flags for an incomplete quarter. The required pace is
:func:`metrics.pace.required_pace` (formula documented there) over the quarters of the plan
after the quarter judged. A goal is at risk when its status is 滞后, 严重滞后 or 倒退, or its
outlook is 进展有限 or 趋势倒退 (a binding goal first).

``as_of`` defaults to the quarter the dashboard opens on (the latest complete quarter),
clipped to the plan's end; the plan defaults to the plan of that quarter. Words come from
``i18n/<lang>/midterm.toml`` (no figure there).
"""

from __future__ import annotations

import math

import pandas as pd

from i18n import t
from metrics import goals as goal_rows
from metrics import pace as pace_math
from metrics import periods, rollup
from metrics.report_text import clean_text, years_word
from metrics.wording import join_list, quarter_label
from reports.content import Inputs, _plan_name, _target_text, _unit_name, plan_evaluation, root_unit
from reports.docx_writer import _number, _percent
from reports.office_doc import Block, OfficeDoc, Table

ATTRIBUTES = {"约束性": "binding", "预期性": "expected", "binding": "binding", "expected": "expected"}
RISK_STATUS = ("regressing", "far_behind", "behind")
RISK_OUTLOOK = ("deteriorating", "limited")
COLUMNS = ["indicator", "name", "unit", "target_type", "attribute", "base", "target", "current", "progress", "elapsed",
           "status", "outlook", "required_increase", "required_growth", "years_left", "observed_yearly", "at_risk",
           "incomplete", "held", "judged_at", "approximate"]


def resolve(inputs: Inputs, plan: str | None = None, as_of: str | None = None) -> tuple[str, str]:
    """The plan and quarter a review is for (see the module docstring). Raises ValueError."""
    root = root_unit(inputs.units)
    if as_of is not None and not periods.is_period(as_of):
        raise ValueError(f"a quarter is written like 2017Q4, not {as_of!r}")
    quarter = as_of or rollup.default_quarter(rollup.coverage(inputs.observations, inputs.units, root))
    if quarter is None:
        raise ValueError("the database has no data")
    code = plan or goal_rows.current_plan(inputs.plans, quarter)
    if code is None or code not in set(inputs.plans["code"]):
        raise ValueError(f"unknown plan {plan!r}" if plan else "the database has no plan")
    row = inputs.plans[inputs.plans["code"] == code].iloc[0]
    if periods.index(quarter) > periods.index(row["end_period"]):
        quarter = str(row["end_period"])
    if periods.index(quarter) < periods.index(row["start_period"]):
        raise ValueError(f"{quarter} is before plan {code} starts ({row['start_period']})")
    return str(code), quarter


def review_rows(inputs: Inputs, plan: str, unit: str, as_of: str) -> pd.DataFrame:
    """The evaluated goals with the pace the rest of the plan needs (:data:`COLUMNS`)."""
    catalog = inputs.catalog
    row = inputs.plans[inputs.plans["code"] == plan].iloc[0]
    ev = plan_evaluation(inputs, plan, unit, as_of)
    out = []
    for r in ev.to_dict("records"):
        ind = catalog[r["indicator"]]
        judged = r.get("judged_at") or as_of
        need = pace_math.required_pace(r, row["end_period"], judged, is_rate=ind.is_percent, direction=ind.direction)
        done_years = periods.count(row["start_period"], judged) / 4
        observed = math.nan
        if r["target_type"] == "cumulative" and done_years > 0 and not _nan(r["current"]):
            observed = float(r["current"]) / done_years
        elif r["target_type"] != "direction" and done_years > 0 and not (_nan(r["current"]) or _nan(r["base"])):
            observed = (float(r["current"]) - float(r["base"])) / done_years
        at_risk = r["status"] in RISK_STATUS or r["outlook"] in RISK_OUTLOOK
        out.append(dict(
            indicator=ind.code, name=clean_text(ind.name("zh")), unit=ind.unit, target_type=r["target_type"],
            attribute=clean_text(r["attribute"]), base=r["base"], target=r["target"], current=r["current"],
            progress=r["progress"], elapsed=r["elapsed"], status=r["status"], outlook=r["outlook"],
            required_increase=need["increase"], required_growth=need["growth"], years_left=need["years_left"],
            observed_yearly=observed, at_risk=bool(at_risk), incomplete=bool(r["incomplete"]), held=bool(r["held"]),
            judged_at=judged, approximate=bool(r["approximate"])))
    return pd.DataFrame(out, columns=COLUMNS)


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _points(figure: str, lang: str) -> str:
    """The words after a change in percentage points: " point" after exactly 1, else " points"."""
    return t("midterm.point" if figure == "1" else "midterm.points", lang)


def need_text(r, ind, lang: str, cell: bool = False) -> str:
    """The 剩余期需年均 cell: ``+53/年（3.1%）``-style in the unit, ``已完成`` when reached."""
    if _nan(r["required_increase"]):
        return "—"
    if r["required_increase"] == 0:
        return t("midterm.reached", lang)
    inc = r["required_increase"]
    figure = _number(abs(inc), ind.unit, lang)
    text = ("+" if inc > 0 else "−") + figure
    if ind.is_percent:
        text += _points(figure, lang)
    if not _nan(r["required_growth"]):
        text += ("\n" if cell else "") + (lambda g: g.lstrip() if cell else g)(t("midterm.growth", lang, pct=_percent(r["required_growth"])))
    return text


def build_midterm(inputs: Inputs, plan: str | None = None, as_of: str | None = None, unit: str | None = None,
                  lang: str = "zh", is_example: bool = False) -> OfficeDoc:
    catalog = inputs.catalog
    unit = unit or root_unit(inputs.units)
    uname = _unit_name(inputs.units, unit, lang)
    plan, as_of = resolve(inputs, plan, as_of)
    plan_row = inputs.plans[inputs.plans["code"] == plan].iloc[0]
    plan_name = _plan_name(plan_row, lang)
    rows = review_rows(inputs, plan, unit, as_of)
    ev_head = {"elapsed": float(rows["elapsed"].max()) if len(rows) else math.nan}
    numeric = rows[rows["progress"].notna()]
    on_pace = numeric[numeric["progress"] >= numeric["elapsed"]]
    judged = rows["judged_at"].iloc[0] if len(rows) else as_of
    years_done = periods.count(plan_row["start_period"], judged) / 4
    if float(years_done).is_integer():
        word = years_word(int(years_done), lang)
        word = "两" if lang == "zh" and word == "二" else word  # 两年, not 二年
        duration = t("midterm.duration_years", lang, n=word)
    else:
        duration = t("midterm.duration_quarters", lang, n=periods.count(plan_row["start_period"], judged))

    head = [t("midterm.headline", lang, quarter=quarter_label(judged, lang), plan=plan_name, duration=duration,
              elapsed=_percent(ev_head["elapsed"]), n=len(numeric), k=len(on_pace), m=len(numeric) - len(on_pace))]
    if len(numeric):
        if len(on_pace) == len(numeric):
            head.append(t("midterm.all_on_pace", lang))
        elif len(on_pace):
            head.append(t("midterm.on_pace_list", lang, items=join_list([clean_text(catalog[c].name(lang)) for c in on_pace["indicator"]], lang)))
    if len(rows) and bool(rows["held"].iloc[0]):
        head.append(t("midterm.held", lang, quarter=quarter_label(as_of, lang), judged=quarter_label(judged, lang)))
    elif len(rows) and bool(rows["incomplete"].iloc[0]):
        head.append(t("midterm.incomplete", lang, quarter=quarter_label(as_of, lang)))

    risk = rows[rows["at_risk"]].copy()
    risk["_binding"] = risk["attribute"].map(lambda a: 0 if ATTRIBUTES.get(a) == "binding" else 1)
    risk = risk.sort_values(["_binding"], kind="stable")
    risk_paras = []
    for _, r in risk.iterrows():
        ind = catalog[r["indicator"]]
        name = clean_text(ind.name(lang))
        status = t(f"signals.status.{r['status']}", lang)
        outlook = t(f"signals.outlook.{r['outlook']}", lang)
        if _nan(r["progress"]):
            risk_paras.append(t("midterm.risk_direction", lang, name=name, status=status, outlook=outlook))
            continue
        need = need_text(r, ind, lang)
        done_figure = "" if _nan(r["observed_yearly"]) else _number(abs(r["observed_yearly"]), ind.unit, lang)
        done = "—" if _nan(r["observed_yearly"]) else ("+" if r["observed_yearly"] >= 0 else "−") + done_figure + (_points(done_figure, lang) if ind.is_percent else "")
        attribute = t(f"midterm.attribute.{ATTRIBUTES[r['attribute']]}", lang) if r["attribute"] in ATTRIBUTES else r["attribute"]
        risk_paras.append(t("midterm.risk", lang, name=name, attribute=attribute or "—", status=status,
                            progress=_percent(r["progress"]), elapsed=_percent(r["elapsed"]), outlook=outlook,
                            need=need, unit=ind.unit_label(lang), done=done,
                            years=f"{r['years_left']:g}"))
    if not risk_paras:
        risk_paras.append(t("midterm.no_risk", lang))

    lab = {k: t(f"midterm.col.{k}", lang) for k in ("indicator", "unit", "base", "target", "current", "progress",
                                                   "elapsed", "status", "need")}
    cells = []
    for _, r in rows.iterrows():
        ind = catalog[r["indicator"]]
        target_text = _target_text({"target_type": r["target_type"], "target": r["target"],
                                    "goal_direction": ""}, ind, lang)
        cells.append([clean_text(ind.name(lang)), ind.unit_label(lang), _number(r["base"], ind.unit, lang), target_text or "—",
                      _number(r["current"], ind.unit, lang, r["approximate"]), _percent(r["progress"]),
                      _percent(r["elapsed"]), t(f"signals.status.{r['status']}", lang), need_text(r, ind, lang, cell=True)])
    table = Table(t("midterm.table_caption", lang, plan=plan_name, quarter=quarter_label(judged, lang)),
                  [lab[k] for k in lab], cells, numeric={2, 4, 5, 6, 8},
                  widths=[2.5, 0.8, 1.5, 1.5, 1.5, 1.6, 1.6, 2.1, 2.5], frame=rows)
    blocks = [
        Block(t("midterm.heading.overall", lang), head, table),
        Block(t("midterm.heading.risk", lang), risk_paras),
    ]
    notes = [t("midterm.note.method", lang), t("midterm.note.pace", lang),
             t("report.doc.note_rounding", lang), t("report.doc.note_unit", lang, unit=uname)]
    if is_example:
        notes.append(t("report.doc.note_example", lang))
    return OfficeDoc(kind="midterm", lang=lang, unit=unit, unit_name=uname,
                     title=t("midterm.title", lang, unit=uname, plan=plan_name),
                     subtitle=t("midterm.subtitle", lang, quarter=quarter_label(judged, lang)),
                     blocks=blocks, notes=notes, as_of=judged, is_example=is_example)


__all__ = ["COLUMNS", "build_midterm", "need_text", "resolve", "review_rows"]
