"""The content of the congress work report, built from the data: sections with sentences (each
with the figures and observations behind it), the main-indicator table, the next plan's goals,
the data note and its sources.

:func:`build_report` is pure (frames in, a :class:`Report` out); :func:`load_inputs` reads the
frames it needs from a store. Writers (:mod:`reports.docx_writer`, :mod:`reports.xlsx_writer`)
and the report page only lay out what is here, so the Word document, the workbook and the
page preview always say the same thing.

Which value a figure is (see :func:`metrics.rollup.over_span`): for a flow the sum of the
quarters of the span up to ``as_of``; for a stock the latest quarter with data; for a rate the
rate of the summed parts at that quarter. ``as_of`` is the latest quarter with data in the
span; when it is before the span's end the review is worded "2016年以来" instead of "五年来".

Words come from ``i18n/<lang>/report.toml``; figures are phrased by :mod:`metrics.wording`
with the catalog's ``approx_wording`` flag. Nothing here or in the templates holds a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from i18n import strings, t
from metrics import goals as goal_rows
from metrics import periods, progress, rollup
from metrics.catalog import Catalog
from metrics.report_text import (
    AREA_SENTENCES,
    SEPARATORS,
    clean_text,
    figure_text,
    fields,
    indicator_codes,
    render_clause,
    render_sentence,
    years_word,
)
from metrics.wording import join_list, phrase, span_label

TRACE_COLUMNS = ["area", "indicator", "unit", "unit_name", "period", "value", "approximate", "upload_id", "filename"]
MAIN_COLUMNS = ["indicator", "name", "unit", "base", "target", "target_text", "current", "progress",
                "status", "status_label", "attribute", "approximate"]
NEXT_COLUMNS = ["indicator", "name", "unit", "base", "target", "target_text", "target_type",
                "target_type_label", "attribute", "sentence"]


@dataclass
class Inputs:
    """What the report is built from (see :func:`load_inputs`)."""

    observations: pd.DataFrame  # current values (metrics.rollup.current), with upload_id
    units: pd.DataFrame
    uploads: pd.DataFrame
    plans: pd.DataFrame
    targets: dict[str, pd.DataFrame]  # plan code -> store.targets(plan)
    catalog: Catalog


@dataclass
class Sentence:
    text: str
    indicators: tuple[str, ...]


@dataclass
class Section:
    code: str
    title: str
    sentences: list[Sentence]
    indicators: list[str]  # the indicators its sentences use, in order, with data
    yearly: pd.DataFrame  # indicator, year, value: for the chart
    trace: pd.DataFrame  # TRACE_COLUMNS: the observations behind its figures
    trace_summary: pd.DataFrame  # per indicator: name, wording, units, quarters, uploads


@dataclass
class Report:
    lang: str
    unit: str
    unit_name: str
    start_year: int
    end_year: int
    span: str  # "2011—2015年"
    as_of: str | None  # latest quarter with data in the span
    complete: bool  # data reach the end of the span
    title: str
    subtitle: str
    review_heading: str
    sections: list[Section]
    figures: pd.DataFrame  # area, indicator, name, unit, value, wording, period, approximate
    plan: str | None  # the plan of the span, if any
    main_caption: str
    main_table: pd.DataFrame  # MAIN_COLUMNS
    main_note: str  # "" or report.no_plan
    next_plan: str | None
    next_caption: str
    next_sentences: list[str]
    next_table: pd.DataFrame  # NEXT_COLUMNS
    notes: list[str]
    sources: pd.DataFrame  # upload_id, filename, uploaded_at, period, uploader
    trace: pd.DataFrame  # TRACE_COLUMNS, all sections
    is_example: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # column and sheet labels in lang


def load_inputs(store, catalog: Catalog) -> Inputs:
    """Read what :func:`build_report` needs from a :class:`store.db.Store`."""
    plans = store.plans()
    return Inputs(
        observations=rollup.current(store.observations()),
        units=store.units(),
        uploads=store.uploads(),
        plans=plans,
        targets={code: store.targets(code) for code in plans["code"]},
        catalog=catalog,
    )


root_unit = rollup.root_unit  # the federation: one rule, in metrics.rollup


def available_spans(inputs: Inputs, length: int = 5) -> list[tuple[int, int]]:
    """Five-year spans that have data, aligned on the plans' start years (or on 2016, the
    start of the 十三五 plans, when there is no plan), newest first."""
    obs = inputs.observations
    if obs.empty:
        return []
    years = sorted({periods.year_of(p) for p in obs["period"].unique()})
    anchor = int(inputs.plans["start_period"].map(periods.year_of).min()) if len(inputs.plans) else 2016
    first = anchor + ((years[0] - anchor) // length) * length
    spans = [(y, y + length - 1) for y in range(first, years[-1] + 1, length)]
    return spans[::-1]


def parse_span(text: str) -> tuple[int, int]:
    """``"2011-2015"`` (or with —, –) -> (2011, 2015). Raises ValueError."""
    cleaned = str(text).replace("—", "-").replace("–", "-").replace("年", "").strip()
    parts = [p.strip() for p in cleaned.split("-")]
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise ValueError(f"a span is written like 2011-2015, not {text!r}")
    start, end = int(parts[0]), int(parts[1])
    if end < start:
        raise ValueError(f"span ends before it starts: {text!r}")
    return start, end


def _unit_name(units: pd.DataFrame, code: str, lang: str) -> str:
    row = units[units["code"] == code]
    if row.empty:
        raise KeyError(f"unknown unit {code!r}")
    name = row.iloc[0]["name_en"] if lang == "en" else row.iloc[0]["name_zh"]
    if not isinstance(name, str) or not name.strip():
        name = row.iloc[0]["name_zh"]
    return clean_text(name)


def _unit_names(units: pd.DataFrame, lang: str) -> dict[str, str]:
    """Every unit's name in ``lang`` (the Chinese name where there is no English one)."""
    zh = units["name_zh"].fillna("").astype(str)
    names = units["name_en"].fillna("").astype(str).where(lambda s: s.str.strip() != "", zh) if lang == "en" else zh
    return {str(c): clean_text(n) for c, n in zip(units["code"], names)}


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def build_report(inputs: Inputs, start_year: int, end_year: int, unit: str | None = None, lang: str = "zh") -> Report:
    """The report for ``unit`` (default: the federation) over ``start_year``..``end_year``."""
    catalog = inputs.catalog
    unit = unit or root_unit(inputs.units)
    uname = _unit_name(inputs.units, unit, lang)
    start, end = periods.make(start_year, 1), periods.make(end_year, 4)
    span = span_label(start_year, end_year, lang)
    quarters = rollup.quarterly(inputs.observations, inputs.units, catalog, unit)
    idx = quarters["period"].map(periods.index) if len(quarters) else pd.Series(dtype=int)
    inside = quarters[(idx >= periods.index(start)) & (idx <= periods.index(end))] if len(quarters) else quarters
    # the latest quarter that (nearly) every unit has reported: a quarter only a few units have
    # sent yet would put partial sums into the report (see rollup.coverage)
    in_span = rollup.coverage(inputs.observations, inputs.units, unit)
    in_span = in_span[in_span["period"].map(periods.index).between(periods.index(start), periods.index(end))]
    as_of = rollup.latest_complete(in_span) if len(inside) else None
    complete = as_of == end
    n_years = end_year - start_year + 1
    labels = {k.split(".", 2)[2]: v for k, v in strings(lang).items() if k.startswith("report.col.")}
    labels.update({f"sheet.{k.split('.', 2)[2]}": v for k, v in strings(lang).items() if k.startswith("report.sheet.")})

    if as_of is None:
        values = pd.DataFrame(columns=["indicator", "value", "approximate", "period", "quarters"])
        since = ""
    else:
        values = rollup.over_span(quarters, catalog, start, as_of)
        since = (t("report.since.full", lang, years=years_word(n_years, lang)) if complete
                 else t("report.since.partial", lang, start=start_year))
    by_code = values.set_index("indicator") if len(values) else pd.DataFrame(columns=["value", "approximate", "period"])

    def figure(code: str, counter: str = "") -> str | None:
        if code not in by_code.index or code not in catalog:
            return None
        row = by_code.loc[code]
        return figure_text(float(row["value"]), catalog[code], lang=lang,
                           source_approximate=bool(row["approximate"]), counter=counter)

    yearly = _yearly(quarters, catalog, start_year, end_year, as_of)
    trace_all = _trace(inputs, unit, catalog, values, start, as_of, lang)
    templates = strings(lang)

    sections: list[Section] = []
    figure_rows = []
    for category in catalog.categories:
        specs = AREA_SENTENCES.get(category.code, ())
        sentences: list[Sentence] = []
        used: list[str] = []
        for spec in specs:
            clauses, codes, opener = [], [], ""
            for i, clause in enumerate(spec.clauses):
                template = templates[f"report.sentence.{category.code}.{clause}"]
                figs = {(f"{n}:{s}" if s else n): figure(n, s) for n, s in fields(template) if n != "since"}
                text = render_clause(template, figs, {"since": since})
                if text is None and "since" in [n for n, _ in fields(template)] and since:
                    opener = since
                if text is not None:
                    clauses.append(clean_text(text))
                    codes += indicator_codes(template)
            if opener and clauses and since in clauses[0]:
                opener = ""
            sentence = render_sentence(clauses, lang, spec.sep, opener=opener if clauses else "")
            if sentence:
                sentences.append(Sentence(sentence, tuple(dict.fromkeys(codes))))
                used += [c for c in codes if c not in used]
        for code in used:
            row = by_code.loc[code]
            ind = catalog[code]
            figure_rows.append(dict(
                area=category.name(lang), indicator=code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang),
                value=float(row["value"]), wording=figure(code), period=row["period"],
                approximate=bool(row["approximate"])))
        trace = trace_all[trace_all["indicator"].isin(_with_parts(used, catalog))].copy()
        trace["area"] = category.code
        sections.append(Section(
            code=category.code, title=clean_text(category.name(lang)), sentences=sentences, indicators=used,
            yearly=yearly[yearly["indicator"].isin(used)].reset_index(drop=True),
            trace=trace[TRACE_COLUMNS].reset_index(drop=True),
            trace_summary=_trace_summary(trace, used, catalog, figure, lang),
        ))

    plan_row = _plan_for(inputs.plans, start, end)
    next_row = _plan_for(inputs.plans, periods.shift(end, 1), None)
    as_of_label = periods.label(as_of, lang) if as_of else "—"
    if plan_row is not None and as_of is not None:
        main = _plan_table(inputs, plan_row, quarters, unit, as_of, lang)
        main_caption = t("report.doc.main_table_caption", lang, plan=_plan_name(plan_row, lang), as_of=as_of_label)
        main_note = ""
    else:
        focus = list(inputs.targets.get(next_row["code"], pd.DataFrame(columns=["indicator"]))["indicator"]) if next_row is not None else []
        focus = focus or [c for s in sections for c in s.indicators]
        main = _span_table(quarters, catalog, by_code, focus, start_year, lang)
        main_caption = t("report.doc.span_table_caption", lang, span=span, as_of=as_of_label)
        main_note = t("report.no_plan", lang)

    if next_row is not None:
        next_table, next_sentences = _next_plan(inputs, next_row, lang)
        ny0, ny1 = periods.year_of(next_row["start_period"]), periods.year_of(next_row["end_period"])
        next_caption = t("report.doc.next_table_caption", lang, span=span_label(ny0, ny1, lang))
    else:
        next_table, next_sentences, next_caption = pd.DataFrame(columns=NEXT_COLUMNS), [], ""

    sources = _sources(inputs.uploads, trace_all)
    is_example = bool(inputs.uploads.loc[inputs.uploads["id"].isin(sources["upload_id"]), "is_example"].any()) if len(sources) else False
    notes = _notes(sources, values, catalog, uname, as_of_label, is_example, lang)
    fig_frame = pd.DataFrame(figure_rows, columns=["area", "indicator", "name", "unit", "value", "wording", "period", "approximate"])

    review = (t("report.doc.review_full", lang, years=years_word(n_years, lang)) if complete or as_of is None
              else t("report.doc.review_partial", lang, start=start_year))
    return Report(
        lang=lang, unit=unit, unit_name=uname, start_year=start_year, end_year=end_year, span=span,
        as_of=as_of, complete=complete,
        title=t("report.doc.title", lang, unit=uname, span=span),
        subtitle=t("report.doc.subtitle", lang, as_of=as_of_label),
        review_heading=review, sections=sections, figures=fig_frame,
        plan=None if plan_row is None else plan_row["code"], main_caption=main_caption, main_table=main,
        main_note=main_note, next_plan=None if next_row is None else next_row["code"], next_caption=next_caption,
        next_sentences=next_sentences, next_table=next_table, notes=notes, sources=sources,
        trace=pd.concat([s.trace for s in sections], ignore_index=True) if sections else trace_all,
        is_example=is_example, labels=labels,
    )


# ------------------------------------------------------------------------------- helpers


def _with_parts(codes: list[str], catalog: Catalog) -> list[str]:
    """The codes and, for rates, their numerator and denominator (the observations are the parts)."""
    out = []
    for code in codes:
        ind = catalog[code]
        for c in ([ind.numerator, ind.denominator] if ind.kind == "rate" else [code]):
            if c and c not in out:
                out.append(c)
    return out


def _yearly(quarters: pd.DataFrame, catalog: Catalog, y0: int, y1: int, as_of: str | None) -> pd.DataFrame:
    """Each indicator per year of the span up to ``as_of``: flows summed, stocks and rates at
    the year's last quarter with data (as :func:`metrics.rollup.over_span` does for a year)."""
    frames = []
    if as_of is None:
        return pd.DataFrame(columns=["indicator", "year", "value"])
    for year in range(y0, min(y1, periods.year_of(as_of)) + 1):
        end = min(periods.make(year, 4), as_of, key=periods.index)
        part = rollup.over_span(quarters, catalog, periods.make(year, 1), end)
        frames.append(part.assign(year=year)[["indicator", "year", "value"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["indicator", "year", "value"])


def _trace(inputs: Inputs, unit: str, catalog: Catalog, values: pd.DataFrame, start: str, as_of: str | None, lang: str) -> pd.DataFrame:
    """The stored observations behind each figure: for a flow (or a rate of flows) every
    quarter of the span up to ``as_of``; for a stock (or a rate of stocks) the quarter the
    figure comes from. Units: ``unit`` and its descendants."""
    if as_of is None or values.empty:
        return pd.DataFrame(columns=TRACE_COLUMNS)
    members = set(rollup.subtree(inputs.units, unit))
    obs = inputs.observations
    lo, hi = periods.index(start), periods.index(as_of)
    pidx = obs["period"].map({p: periods.index(p) for p in obs["period"].unique()})
    obs = obs[obs["unit"].isin(members) & (pidx >= lo) & (pidx <= hi) & obs["value"].notna()]
    wanted = []
    for _, row in values.iterrows():
        ind = catalog[row["indicator"]]
        if ind.kind == "rate":
            flow = catalog[ind.numerator].kind == "flow"
            for part in (ind.numerator, ind.denominator):
                wanted.append((part, None if flow else row["period"]))
        else:
            wanted.append((ind.code, None if ind.kind == "flow" else row["period"]))
    keys = pd.DataFrame(wanted, columns=["indicator", "only"]).drop_duplicates("indicator")
    merged = obs.merge(keys, on="indicator")
    merged = merged[merged["only"].isna() | (merged["period"] == merged["only"])]
    names = dict(zip(inputs.uploads["id"], inputs.uploads["filename"].map(clean_text)))
    unit_names = _unit_names(inputs.units, lang)
    merged = merged.assign(filename=merged["upload_id"].map(names), area="", unit_name=merged["unit"].map(unit_names))
    return merged.sort_values(["indicator", "period", "unit"])[TRACE_COLUMNS].reset_index(drop=True)


def _trace_summary(trace: pd.DataFrame, used: list[str], catalog: Catalog, figure, lang: str) -> pd.DataFrame:
    rows = []
    for code in used:
        ind = catalog[code]
        part = trace[trace["indicator"].isin(_with_parts([code], catalog))]
        ps = sorted(part["period"].unique(), key=periods.index)
        files = sorted(part["filename"].dropna().unique())
        rows.append({
            "indicator": clean_text(ind.name(lang)),
            "wording": figure(code),
            "n_units": int(part["unit"].nunique()),
            "quarters": (f"{periods.label(ps[0], lang)}–{periods.label(ps[-1], lang)} ({len(ps)})" if len(ps) > 1
                         else (periods.label(ps[0], lang) if ps else "")),
            "uploads": join_list(files, lang) if len(files) <= 6 else f"{join_list(files[:3], lang)} … ({len(files)})",
        })
    return pd.DataFrame(rows, columns=["indicator", "wording", "n_units", "quarters", "uploads"])


def _plan_for(plans: pd.DataFrame, start: str, end: str | None):
    if plans.empty:
        return None
    hit = plans[(plans["start_period"] == start) & ((plans["end_period"] == end) if end else True)]
    return None if hit.empty else hit.iloc[0]


def _plan_name(row, lang: str) -> str:
    name = row.get("name_en") if lang == "en" else row.get("name_zh")
    return clean_text(name if isinstance(name, str) and name else row["code"])


def goals_frame(targets: pd.DataFrame) -> pd.DataFrame:
    """The plan goals (``unit == ""``) of ``store.targets(plan)`` as :func:`metrics.progress.evaluate`
    takes them: ``indicator, target_type, base, target, attribute, goal_direction``."""
    plan_level = targets[targets["unit"].fillna("") == ""] if "unit" in targets else targets
    out = plan_level.rename(columns={"base_value": "base", "target_value": "target"})
    texts = [c for c in ("goal_text_zh", "goal_text_en") if c in out]
    out = out[["indicator", "target_type", "base", "target", "attribute", "goal_direction", *texts]].copy()
    out["goal_direction"] = out["goal_direction"].fillna("")
    out["base"] = pd.to_numeric(out["base"], errors="coerce")
    out["target"] = pd.to_numeric(out["target"], errors="coerce")
    return out.reset_index(drop=True)


def _target_text(row, ind, lang: str) -> str:
    """A target as the plan tables print it: the number, or 提高/保持/降低 for a direction goal."""
    if row["target_type"] == "direction" or _nan(row["target"]):
        direction = progress.GOAL_DIRECTION_WORDS.get(str(row.get("goal_direction") or ""), row.get("goal_direction") or "")
        direction = direction or ("raise" if ind.direction == "up" else "lower")
        return t(f"report.direction.{direction}", lang)
    return phrase(float(row["target"]), ind.unit_label(lang), lang=lang) or ""


def _plan_table(inputs: Inputs, plan_row, quarters, unit, as_of, lang) -> pd.DataFrame:
    catalog = inputs.catalog
    targets = inputs.targets.get(plan_row["code"], pd.DataFrame())
    if targets.empty:
        return pd.DataFrame(columns=MAIN_COLUMNS)
    # the goal rows of the progress page (one road: metrics.goals.evaluate_plan)
    evaluated = goal_rows.evaluate_plan(inputs.observations, inputs.units, targets, plan_row, catalog, unit, as_of)
    labels = {code: t(f"signals.status.{code}", lang) for code in progress.STATUS_URGENCY}
    rows = []
    for (_, goal), (_, ev) in zip(evaluated.iterrows(), evaluated.iterrows()):
        ind = catalog[ev["indicator"]]
        rows.append(dict(
            indicator=ind.code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang),
            base=ev["base"], target=ev["target"], target_text=_target_text(goal, ind, lang), current=ev["current"],
            progress=ev["progress"], status=ev["status"], status_label=labels.get(ev["status"], ev["status"]),
            attribute=clean_text(ev["attribute"]), approximate=bool(ev["approximate"]),
        ))
    return pd.DataFrame(rows, columns=MAIN_COLUMNS)


def _span_table(quarters, catalog, by_code, focus, start_year, lang) -> pd.DataFrame:
    """Without a plan for the span: the indicators of ``focus`` with their value the year
    before the span (基期) and at the end of the span; no target, progress or status."""
    base = rollup.over_span(quarters, catalog, periods.make(start_year - 1, 1), periods.make(start_year - 1, 4)).set_index("indicator") if len(quarters) else pd.DataFrame(columns=["value"])
    rows = []
    for code in dict.fromkeys(focus):
        if code not in catalog:
            continue
        ind = catalog[code]
        current = float(by_code.loc[code, "value"]) if code in by_code.index else math.nan
        if math.isnan(current):
            continue
        rows.append(dict(
            indicator=code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang),
            base=float(base.loc[code, "value"]) if code in base.index else math.nan,
            target=math.nan, target_text="", current=current, progress=math.nan, status="", status_label="",
            attribute="", approximate=bool(by_code.loc[code, "approximate"]),
        ))
    return pd.DataFrame(rows, columns=MAIN_COLUMNS)


def _goal_clause(row, ind, lang: str) -> str | None:
    name = clean_text(ind.name(lang))
    unit = ind.unit_label(lang)
    kind = row["target_type"]
    if kind == "direction" or _nan(row["target"]):
        own = row.get(f"goal_text_{lang}")
        if isinstance(own, str) and own.strip():
            return clean_text(own.strip().rstrip("。.；;"))  # a goal with no number: the plan's own words
        direction = progress.GOAL_DIRECTION_WORDS.get(str(row.get("goal_direction") or ""), row.get("goal_direction") or "")
        direction = direction or ("raise" if ind.direction == "up" else "lower")
        if direction == "keep":
            base = phrase(row["base"], unit, lang=lang) if not _nan(row["base"]) else None
            return t("report.goal.keep", lang, name=name, base=base) if base else t("report.goal.keep_plain", lang, name=name)
        return t(f"report.goal.{direction}", lang, name=name)
    target = phrase(float(row["target"]), unit, lang=lang)
    if kind == "cumulative":
        return t("report.goal.cumulative", lang, name=name, target=target)
    return t("report.goal.level_rate" if ind.is_percent else "report.goal.level", lang, name=name, target=target)


def _next_plan(inputs: Inputs, plan_row, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """The goals of the plan that follows the span: a table and one sentence per area
    ("到2020年，企业建会率达到95%以上，…。")."""
    catalog = inputs.catalog
    targets = inputs.targets.get(plan_row["code"], pd.DataFrame())
    goals = goals_frame(targets) if len(targets) else pd.DataFrame(columns=["indicator", "target_type", "base", "target", "attribute", "goal_direction"])
    goals = goals[goals["indicator"].isin(set(catalog.codes))]
    year = periods.year_of(plan_row["end_period"])
    rows, by_area = [], {}
    for _, goal in goals.iterrows():
        ind = catalog[goal["indicator"]]
        clause = clean_text(_goal_clause(goal, ind, lang))
        by_area.setdefault(ind.category, []).append(clause)
        rows.append(dict(
            indicator=ind.code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang), base=goal["base"],
            target=goal["target"], target_text=_target_text(goal, ind, lang), target_type=goal["target_type"],
            target_type_label=t(f"report.target_type.{goal['target_type']}", lang),
            attribute=clean_text(goal["attribute"]), sentence=clause,
        ))
    sentences = []
    for category in catalog.categories:
        clauses = by_area.get(category.code)
        if clauses:
            sentences.append(render_sentence([t("report.goal.by_year", lang, year=year) + clauses[0], *clauses[1:]], lang))
    return pd.DataFrame(rows, columns=NEXT_COLUMNS), sentences


def _sources(uploads: pd.DataFrame, trace: pd.DataFrame) -> pd.DataFrame:
    ids = set(trace["upload_id"].dropna().astype(int))
    part = uploads[uploads["id"].isin(ids)].copy()
    part = part.rename(columns={"id": "upload_id"})
    part["filename"] = part["filename"].map(clean_text)
    part["uploader"] = part["uploader"].map(clean_text)
    part = part.sort_values(["period", "upload_id"], key=lambda s: s.map(periods.index) if s.name == "period" else s)
    return part[["upload_id", "filename", "uploaded_at", "period", "uploader"]].reset_index(drop=True)


def _notes(sources, values, catalog, uname, as_of_label, is_example, lang) -> list[str]:
    notes = []
    if len(sources):
        notes.append(t("report.doc.note_sources", lang, n=len(sources),
                       first=periods.label(sources["period"].iloc[0], lang) if periods.is_period(sources["period"].iloc[0]) else sources["period"].iloc[0],
                       last=periods.label(sources["period"].iloc[-1], lang) if periods.is_period(sources["period"].iloc[-1]) else sources["period"].iloc[-1],
                       as_of=as_of_label))
    notes.append(t("report.doc.note_rounding", lang))
    approx = [clean_text(catalog[c].name(lang)) for c, a in zip(values.get("indicator", []), values.get("approximate", [])) if a]
    if approx:
        notes.append(t("report.doc.note_approx", lang, items=join_list(approx, lang)))
    notes.append(t("report.doc.note_unit", lang, unit=uname))
    if is_example:
        notes.append(t("report.doc.note_example", lang))
    return notes


__all__ = ["Inputs", "Report", "Section", "Sentence", "available_spans", "build_report", "goals_frame",
           "load_inputs", "parse_span", "root_unit", "SEPARATORS"]
