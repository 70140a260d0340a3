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
A quarter of the span with no data (or only some units' data) is named where the review opens
("五年来（缺2011年第三季度数据）") and in the data note.

A stock is a level, not an achievement of the span: where the quarter before the span has
data, its sentence states the level and the change since then ("建会企业达到1640家，比2015年末
增加140家"), with the clause variant ``<clause>_change`` of ``report.toml``; without that base
it keeps the plain clause.

Plan goals are prepared and evaluated by :mod:`metrics.goals` (``plan_goals`` and
``evaluate_plan``), the same road as the progress and goals pages, so the main table shows
what those pages show. A span without a plan of its own gets a table of start value, end value
and change instead.

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
    SPECIAL_FIELDS as SPECIAL,
    clean_text,
    figure_text,
    fields,
    indicator_codes,
    render_clause,
    render_sentence,
    years_word,
)
from metrics.wording import join_list, phrase, quarter_label, quarter_list, span_label
from reports.frames import ObservationFrames, StoreFrames, wanted_cells

#: The trace of the report's figures: per area, stored indicator, unit directly below the
#: report's unit (or the unit itself, for what it reported) and quarter, that unit's roll-up.
TRACE_COLUMNS = ["area", "indicator", "unit", "unit_name", "period", "value", "approximate", "n_units", "carried_units"]
#: The uploads whose values count in each row group of the trace.
TRACE_UPLOAD_COLUMNS = ["area", "indicator", "unit", "upload_id", "filename"]
MAIN_COLUMNS = ["indicator", "name", "unit", "base", "target", "target_text", "current", "progress",
                "status", "status_label", "attribute", "approximate"]
#: The main table of a span without a plan of its own: value at the start, at the end, change.
SPAN_COLUMNS = ["indicator", "name", "unit", "start", "current", "change", "start_period", "end_period", "approximate"]
NEXT_COLUMNS = ["indicator", "name", "unit", "base", "target", "target_text", "target_type",
                "target_type_label", "attribute", "sentence"]


class Inputs:
    """What the report is built from (see :func:`load_inputs`).

    ``frames`` gives one unit's roll-up and coverage, the quarters with data and the trace rows
    (:mod:`reports.frames`): read from the database's summary tables when the inputs come from
    a store, else computed from ``observations``. ``observations`` (the current values,
    :func:`metrics.rollup.current`, with upload_id) is read from the store only when someone
    asks for it (the annual summary, the mid-term review, the brief); setting it makes the
    report use those values (a caller's own frame)."""

    def __init__(self, observations: pd.DataFrame | None = None, units: pd.DataFrame | None = None,
                 uploads: pd.DataFrame | None = None, plans: pd.DataFrame | None = None,
                 targets: dict[str, pd.DataFrame] | None = None, catalog: Catalog | None = None, *,
                 frames=None, load_observations=None):
        self.units, self.uploads, self.plans = units, uploads, plans
        self.targets = targets if targets is not None else {}  # plan code -> store.targets(plan)
        self.catalog = catalog
        self._observations = None
        self._load = load_observations
        self._frames = frames
        if observations is not None:
            self.observations = observations

    @property
    def observations(self) -> pd.DataFrame:
        if self._observations is None:
            if self._load is None:
                raise ValueError("these report inputs have no observations")
            self._observations = self._load()
        return self._observations

    @observations.setter
    def observations(self, frame: pd.DataFrame) -> None:
        self._observations = frame
        self._frames = ObservationFrames(frame, self.units, self.catalog)

    @property
    def frames(self):
        if self._frames is None:
            self._frames = ObservationFrames(self.observations, self.units, self.catalog)
        return self._frames

    def quarters(self) -> list[str]:
        """Every quarter with a value that counts, oldest first."""
        return self.frames.quarters()


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
    trace: pd.DataFrame  # TRACE_COLUMNS: the children's roll-ups behind its figures
    trace_summary: pd.DataFrame  # per indicator: name, wording, units, quarters, uploads
    trace_uploads: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRACE_UPLOAD_COLUMNS))


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
    main_note: str  # "" or report.no_plan (then main_table has SPAN_COLUMNS)
    next_plan: str | None
    next_caption: str
    next_sentences: list[str]
    next_table: pd.DataFrame  # NEXT_COLUMNS
    notes: list[str]
    sources: pd.DataFrame  # upload_id, filename, uploaded_at, period, uploader
    trace: pd.DataFrame  # TRACE_COLUMNS, all sections
    trace_uploads: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRACE_UPLOAD_COLUMNS))
    missing: list[str] = field(default_factory=list)  # quarters of the span with no data
    partial: list[str] = field(default_factory=list)  # quarters of the span only some units reported
    is_example: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # column and sheet labels in lang
    names: dict[str, str] = field(default_factory=dict)  # indicator code -> name in lang (figures and traced parts)


def load_inputs(store, catalog: Catalog) -> Inputs:
    """Read what :func:`build_report` needs from a :class:`store.db.Store`: the small tables;
    roll-ups and coverage come from the summary tables when asked for (:class:`StoreFrames`),
    every stored value only if a caller reads ``observations``."""
    plans = store.plans()
    return Inputs(
        units=store.units(),
        uploads=store.uploads(),
        plans=plans,
        targets={code: store.targets(code) for code in plans["code"]},
        catalog=catalog,
        frames=StoreFrames(store),
        load_observations=lambda: rollup.current(store.observations()),
    )


root_unit = rollup.root_unit  # the federation: one rule, in metrics.rollup


def available_spans(inputs: Inputs, length: int = 5) -> list[tuple[int, int]]:
    """Five-year spans that have data, aligned on the plans' start years (or on 2016, the
    start of the 十三五 plans, when there is no plan), newest first."""
    quarters = inputs.quarters()
    if not quarters:
        return []
    years = sorted({periods.year_of(p) for p in quarters})
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
    quarters = inputs.frames.quarterly(unit)
    idx = quarters["period"].map(periods.index) if len(quarters) else pd.Series(dtype=int)
    inside = quarters[(idx >= periods.index(start)) & (idx <= periods.index(end))] if len(quarters) else quarters
    # the latest quarter that (nearly) every unit has reported: a quarter only a few units have
    # sent yet would put partial sums into the report (see rollup.coverage)
    in_span = inputs.frames.coverage(unit)
    in_span = in_span[in_span["period"].map(periods.index).between(periods.index(start), periods.index(end))]
    as_of = rollup.latest_complete(in_span) if len(inside) else None
    complete = as_of == end
    missing, partial = _gaps(in_span, start, as_of)
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
    # the first opener of the review names the quarters with no data; the later ones do not repeat it
    since_first = since + t("report.since.missing", lang, quarters=quarter_list(missing, lang)) if since and missing else since
    by_code = values.set_index("indicator") if len(values) else pd.DataFrame(columns=["value", "approximate", "period"])
    base_q = periods.previous(start)
    base_values = _values_at(quarters, base_q)
    base_end = t("report.base_end", lang, year=periods.year_of(base_q))

    def figure(code: str, counter: str = "") -> str | None:
        if code not in by_code.index or code not in catalog:
            return None
        row = by_code.loc[code]
        if counter == "change":
            return _change_text(float(row["value"]), base_values.get(code), catalog[code], lang)
        return figure_text(float(row["value"]), catalog[code], lang=lang,
                           source_approximate=bool(row["approximate"]), counter=counter)

    yearly = _yearly(quarters, catalog, start_year, end_year, as_of)
    trace_all, uploads_all = _trace(inputs, unit, catalog, values, start, as_of, lang)
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
                optional = clause.endswith("?")
                key = f"report.sentence.{category.code}.{clause.rstrip('?')}"
                text, template = None, templates[key]
                extras = {"since": since_first, "base_end": base_end}
                # a stock with a base before the span: its level and the change, not an achievement;
                # a figure with its parts: the parts
                variants = [templates[key + v] for v in ("_change", "_detail") if key + v in templates]
                for candidate in variants + [template]:
                    figs = {(f"{n}:{s}" if s else n): figure(n, s) for n, s in fields(candidate) if n not in SPECIAL}
                    if candidate is templates.get(key + "_detail") and any(
                            code in by_code.index and float(by_code.loc[code, "value"]) == 0
                            for code in indicator_codes(candidate)):
                        continue  # parts only when each part is there ("…获得者0名" is not written)
                    text = render_clause(candidate, figs, extras)
                    if text is not None:
                        template = candidate
                        break
                if optional and text is not None and all(
                        code in by_code.index and float(by_code.loc[code, "value"]) == 0 for code in indicator_codes(template)):
                    text = None
                if text is None and "since" in [n for n, _ in fields(template)] and since:
                    opener = since_first
                if text is not None:
                    clauses.append(clean_text(text))
                    codes += indicator_codes(template)
                    if since_first in text or opener:
                        since_first = since
            if opener and clauses and opener in clauses[0]:
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
        trace_ups = uploads_all[uploads_all["indicator"].isin(_with_parts(used, catalog))].copy()
        trace_ups["area"] = category.code
        sections.append(Section(
            code=category.code, title=clean_text(category.name(lang)), sentences=sentences, indicators=used,
            yearly=yearly[yearly["indicator"].isin(used)].reset_index(drop=True),
            trace=trace[TRACE_COLUMNS].reset_index(drop=True),
            trace_summary=_trace_summary(trace, trace_ups, used, catalog, figure, lang),
            trace_uploads=trace_ups[TRACE_UPLOAD_COLUMNS].reset_index(drop=True),
        ))

    plan_row = _plan_for(inputs.plans, start, end)
    next_row = _plan_for(inputs.plans, periods.shift(end, 1), None)
    as_of_label = quarter_label(as_of, lang) if as_of else "—"
    if plan_row is not None and as_of is not None:
        main = _plan_table(inputs, plan_row, quarters, unit, as_of, lang)
        main_caption = t("report.doc.main_table_caption", lang, plan=_plan_name(plan_row, lang), as_of=as_of_label)
        main_note = ""
    else:
        focus = list(inputs.targets.get(next_row["code"], pd.DataFrame(columns=["indicator"]))["indicator"]) if next_row is not None else []
        focus = focus or [c for s in sections for c in s.indicators]
        main = _span_table(quarters, catalog, focus, start, as_of, lang)
        main_caption = t("report.doc.span_table_caption", lang, span=span, as_of=as_of_label)
        main_note = _span_note(main, start, as_of, lang)

    if next_row is not None:
        next_table, next_sentences = _next_plan(inputs, next_row, lang)
        ny0, ny1 = periods.year_of(next_row["start_period"]), periods.year_of(next_row["end_period"])
        next_caption = t("report.doc.next_table_caption", lang, span=span_label(ny0, ny1, lang))
    else:
        next_table, next_sentences, next_caption = pd.DataFrame(columns=NEXT_COLUMNS), [], ""

    sources = _sources(inputs.uploads, uploads_all, lang)
    is_example = bool(inputs.uploads.loc[inputs.uploads["id"].isin(sources["upload_id"]), "is_example"].any()) if len(sources) else False
    notes = _notes(sources, values, catalog, uname, as_of_label, is_example, lang, missing, partial)
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
        trace_uploads=pd.concat([s.trace_uploads for s in sections], ignore_index=True) if sections else uploads_all,
        missing=missing, partial=partial, is_example=is_example, labels=labels,
        names={c: clean_text(catalog[c].name(lang)) for c in catalog.codes},
    )


# ------------------------------------------------------------------------------- helpers


def _gaps(cover: pd.DataFrame, start: str, as_of: str | None) -> tuple[list[str], list[str]]:
    """The quarters of ``start``..``as_of`` with no data at all, and those only some units
    reported (a :func:`metrics.rollup.coverage` frame), in order."""
    if as_of is None:
        return [], []
    # a quarter that no unit reported is missing, even where stocks were carried into it
    reported = cover[cover["n_units"] > 0] if "n_units" in cover else cover
    seen = dict(zip(reported["period"], reported["complete"]))
    span = periods.span(start, as_of)
    return [q for q in span if q not in seen], [q for q in span if q in seen and not seen[q]]


def _values_at(quarters: pd.DataFrame, period: str) -> dict[str, float]:
    """Each indicator's value in one quarter of a roll-up (``{}`` when the quarter has none)."""
    if quarters.empty:
        return {}
    part = quarters[(quarters["period"] == period) & quarters["value"].notna()]
    return dict(zip(part["indicator"], part["value"].astype(float)))


def _change_text(value: float, base: float | None, ind, lang: str) -> str | None:
    """The change of a stock since ``base`` as the report words it ("增加140家", "减少3个",
    "持平"), phrased like the level (余 only for large or flagged figures, never more than the
    change); None without a base."""
    if base is None or _nan(base):
        return None
    delta = float(value) - float(base)
    if abs(delta) < 1e-9:
        return t("report.change.same", lang)
    amount = figure_text(abs(delta), ind, lang=lang)
    return t("report.change.more" if delta > 0 else "report.change.less", lang, amount=amount)


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


def _trace(inputs: Inputs, unit: str, catalog: Catalog, values: pd.DataFrame, start: str, as_of: str | None,
           lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What each figure is made of: per stored indicator (a rate: its two parts) and quarter
    (for a flow, or a rate of flows, every quarter of the span up to ``as_of``; for a stock, or
    a rate of stocks, the quarter the figure comes from), the roll-up of each unit directly
    below ``unit`` and what ``unit`` reported itself (TRACE_COLUMNS; they add up to the unit's
    figure), and the uploads whose values count there (TRACE_UPLOAD_COLUMNS). See
    :mod:`reports.frames`; every stored cell: :mod:`reports.trace_csv`."""
    if as_of is None or values.empty:
        return pd.DataFrame(columns=TRACE_COLUMNS), pd.DataFrame(columns=TRACE_UPLOAD_COLUMNS)
    rows, ups = inputs.frames.trace(unit, wanted_cells(values, catalog), start, as_of)
    unit_names = _unit_names(inputs.units, lang)
    rows = rows.assign(area="", unit_name=rows["unit"].map(unit_names))
    rows = rows.astype({"approximate": bool, "n_units": "int64", "carried_units": "int64", "value": float})
    names = dict(zip(inputs.uploads["id"], inputs.uploads["filename"].map(clean_text)))
    ups = ups.assign(area="", filename=ups["upload_id"].map(names))
    return (rows.sort_values(["indicator", "period", "unit"])[TRACE_COLUMNS].reset_index(drop=True),
            ups.sort_values(["indicator", "unit", "upload_id"])[TRACE_UPLOAD_COLUMNS].reset_index(drop=True))


def _trace_summary(trace: pd.DataFrame, uploads: pd.DataFrame, used: list[str], catalog: Catalog, figure,
                   lang: str) -> pd.DataFrame:
    rows = []
    for code in used:
        ind = catalog[code]
        parts = _with_parts([code], catalog)
        part = trace[trace["indicator"].isin(parts)]
        ps = sorted(part["period"].unique(), key=periods.index)
        files = sorted(uploads.loc[uploads["indicator"].isin(parts), "filename"].dropna().unique())
        # the units that reported: the most in any one quarter of any of its indicators
        reporting = (part["n_units"] - part["carried_units"]).groupby([part["indicator"], part["period"]]).sum()
        rows.append({
            "indicator": clean_text(ind.name(lang)),
            "wording": figure(code),
            "n_units": int(reporting.max()) if len(reporting) else 0,
            "quarters": (f"{quarter_label(ps[0], lang)}–{quarter_label(ps[-1], lang)} ({len(ps)})" if len(ps) > 1
                         else (quarter_label(ps[0], lang) if ps else "")),
            "uploads": join_list(files, lang) if len(files) <= 6 else f"{join_list(files[:3], lang)} … ({len(files)})",
        })
    return pd.DataFrame(rows, columns=["indicator", "wording", "n_units", "quarters", "uploads"])


def _plan_for(plans: pd.DataFrame, start: str, end: str | None):
    if plans.empty:
        return None
    hit = plans[(plans["start_period"] == start) & ((plans["end_period"] == end) if end else True)]
    return None if hit.empty else hit.iloc[0]


def attribute_word(attribute, lang: str) -> str:
    """A goal's attribute in ``lang``: 约束性 / 预期性 in Chinese, binding / indicative in
    English (the plan stores the Chinese word, or ``binding`` / ``expected``); blank stays blank."""
    text = clean_text(attribute) if isinstance(attribute, str) else ""
    if not text.strip():
        return text
    key = "binding" if text.strip() in progress.BINDING else "indicative"
    return t(f"screens.attribute.{key}", lang)


def _plan_name(row, lang: str) -> str:
    name = row.get("name_en") if lang == "en" else row.get("name_zh")
    return clean_text(name if isinstance(name, str) and name else row["code"])


def _target_text(row, ind, lang: str) -> str:
    """A target as the plan tables print it: the number, or 提高/保持/降低 for a direction goal."""
    if row["target_type"] == "direction" or _nan(row["target"]):
        direction = progress.GOAL_DIRECTION_WORDS.get(str(row.get("goal_direction") or ""), row.get("goal_direction") or "")
        direction = direction or ("raise" if ind.direction == "up" else "lower")
        return t(f"report.direction.{direction}", lang)
    return phrase(float(row["target"]), ind.unit_label(lang), lang=lang) or ""


def plan_goals(inputs: Inputs, plan_code: str) -> pd.DataFrame:
    """The plan's goals as the progress and goals pages see them: :func:`metrics.goals.plan_goals`
    with bases from the plan, else from the federation's data."""
    catalog = inputs.catalog
    plan_row = inputs.plans[inputs.plans["code"] == plan_code].iloc[0]
    targets = inputs.targets.get(plan_code, pd.DataFrame())
    root = root_unit(inputs.units)
    return goal_rows.plan_goals(targets, inputs.frames.quarterly(root), catalog, plan_row["start_period"],
                                inputs.frames.coverage(root))


def plan_evaluation(inputs: Inputs, plan_code: str, unit: str, as_of: str) -> pd.DataFrame:
    """The evaluated goals of ``plan_code`` for ``unit`` at ``as_of``: the rows of the progress
    page, by the same road (:func:`metrics.goals.evaluate_plan`)."""
    plan_row = inputs.plans[inputs.plans["code"] == plan_code].iloc[0]
    targets = inputs.targets.get(plan_code, pd.DataFrame())
    # metrics.goals.evaluate_plan's own road, on the units' frames (as the progress page does)
    frames = inputs.frames
    return goal_rows.evaluate_frames(lambda code: (frames.quarterly(code), frames.coverage(code)), targets, plan_row,
                                     inputs.catalog, unit, root_unit(inputs.units), as_of)


def _plan_table(inputs: Inputs, plan_row, quarters, unit, as_of, lang) -> pd.DataFrame:
    catalog = inputs.catalog
    targets = inputs.targets.get(plan_row["code"], pd.DataFrame())
    if targets.empty:
        return pd.DataFrame(columns=MAIN_COLUMNS)
    # the goal rows of the progress page (one road: metrics.goals.evaluate_plan)
    evaluated = plan_evaluation(inputs, plan_row["code"], unit, as_of)
    labels = {code: t(f"signals.status.{code}", lang) for code in progress.STATUS_URGENCY}
    rows = []
    for _, ev in evaluated.iterrows():
        goal = ev
        ind = catalog[ev["indicator"]]
        rows.append(dict(
            indicator=ind.code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang),
            base=ev["base"], target=ev["target"], target_text=_target_text(goal, ind, lang), current=ev["current"],
            progress=ev["progress"], status=ev["status"], status_label=labels.get(ev["status"], ev["status"]),
            attribute=attribute_word(ev["attribute"], lang), approximate=bool(ev["approximate"]),
        ))
    return pd.DataFrame(rows, columns=MAIN_COLUMNS)


def _span_table(quarters, catalog, focus, start: str, as_of: str | None, lang) -> pd.DataFrame:
    """Without a plan for the span: the indicators of ``focus`` with their value at the start
    and at the end of the span and the change (SPAN_COLUMNS).

    Stocks and rates: the value in the quarter before the span when it has data, else in the
    span's first quarter with data (``start_period``), and the value at ``as_of``; the change
    of a rate is in percentage points. Flows: the first four quarters of the span summed
    against the four quarters up to ``as_of`` (a year against a year); ``start_period`` and
    ``end_period`` name the last quarter of each window.
    """
    if as_of is None or quarters.empty:
        return pd.DataFrame(columns=SPAN_COLUMNS)
    before = periods.previous(start)
    first_year = rollup.over_span(quarters, catalog, start, periods.shift(start, 3)).set_index("indicator")
    last_year = rollup.over_span(quarters, catalog, periods.shift(as_of, -3), as_of).set_index("indicator")
    whole = rollup.over_span(quarters, catalog, start, as_of).set_index("indicator")
    rows = []
    for code in dict.fromkeys(focus):
        if code not in catalog or code not in whole.index:
            continue
        ind = catalog[code]
        if ind.kind == "flow" or (ind.kind == "rate" and catalog[ind.numerator].kind == "flow"):
            if code not in first_year.index or code not in last_year.index:
                continue
            s_value, s_period = float(first_year.loc[code, "value"]), periods.shift(start, 3)
            e_value, e_period = float(last_year.loc[code, "value"]), as_of
            approx = bool(first_year.loc[code, "approximate"] or last_year.loc[code, "approximate"])
        else:
            series = quarters[(quarters["indicator"] == code) & quarters["value"].notna()]
            series = series[series["period"].map(periods.index).between(periods.index(before), periods.index(as_of))]
            series = series.sort_values("period", key=lambda p: p.map(periods.index))
            if series.empty:
                continue
            s_value, s_period = float(series["value"].iloc[0]), series["period"].iloc[0]
            e_value, e_period = float(whole.loc[code, "value"]), whole.loc[code, "period"]
            approx = bool(series["approximate"].iloc[0] or whole.loc[code, "approximate"])
        rows.append(dict(indicator=code, name=clean_text(ind.name(lang)), unit=ind.unit_label(lang), start=s_value,
                         current=e_value, change=e_value - s_value, start_period=s_period, end_period=e_period,
                         approximate=approx))
    return pd.DataFrame(rows, columns=SPAN_COLUMNS)


def _span_note(table: pd.DataFrame, start: str, as_of: str | None, lang: str) -> str:
    """What the start and end columns of a span table are (report.no_plan with the quarters)."""
    if as_of is None or table.empty:
        return t("report.no_plan_plain", lang)
    stock_starts = sorted(set(table.loc[table["end_period"] != table["start_period"], "start_period"]) - {periods.shift(start, 3)},
                          key=periods.index)
    first = stock_starts[0] if stock_starts else start
    return t("report.no_plan", lang, start=quarter_label(first, lang), end=quarter_label(as_of, lang),
             first_year=quarter_label(start, lang), first_year_end=quarter_label(periods.shift(start, 3), lang),
             last_year=quarter_label(periods.shift(as_of, -3), lang))


def _own_words(row, lang: str) -> str | None:
    """The plan's own words for a goal, when it has them and they state the goal's target
    (its digits, separators ignored, appear in the words); else None."""
    own = row.get(f"goal_text_{lang}")
    if not isinstance(own, str) or not own.strip():
        return None
    own = clean_text(own.strip().rstrip("。.；;"))
    if lang == "en" and own[:1].isupper() and not own[1:2].isupper():
        own = own[:1].lower() + own[1:]  # it follows "By 2020, "
    target = row.get("target")
    if row["target_type"] != "direction" and not _nan(target):
        digits = format(float(target), "f").rstrip("0").rstrip(".")
        if digits not in own.replace(",", "").replace("，", ""):
            return None  # the words and the number disagree: the number wins
    return own


def _goal_clause(row, ind, lang: str) -> str | None:
    name = clean_text(ind.name(lang))
    unit = ind.unit_label(lang)
    kind = row["target_type"]
    own = _own_words(row, lang)
    if own:
        return own  # the plan's own words ("组织职工参加志愿服务2500人次")
    if kind == "direction" or _nan(row["target"]):
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
    goals = plan_goals(inputs, plan_row["code"])
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
            attribute=attribute_word(goal["attribute"], lang), sentence=clause,
        ))
    sentences = []
    for category in catalog.categories:
        clauses = by_area.get(category.code)
        if clauses:
            sentences.append(render_sentence([t("report.goal.by_year", lang, year=year) + clauses[0], *clauses[1:]], lang))
    return pd.DataFrame(rows, columns=NEXT_COLUMNS), sentences


def _sources(uploads: pd.DataFrame, trace: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    ids = set(trace["upload_id"].dropna().astype(int))
    part = uploads[uploads["id"].isin(ids)].copy()
    part = part.rename(columns={"id": "upload_id"})
    part["filename"] = part["filename"].map(clean_text)
    # the built-in account (example data, imports without --user) in the report's language
    part["uploader"] = part["uploader"].map(lambda u: t("screens.system", lang) if u == "system" else clean_text(u))
    part = part.sort_values(["period", "upload_id"], key=lambda s: s.map(periods.index) if s.name == "period" else s)
    return part[["upload_id", "filename", "uploaded_at", "period", "uploader"]].reset_index(drop=True)


def _notes(sources, values, catalog, uname, as_of_label, is_example, lang, missing=(), partial=()) -> list[str]:
    notes = []
    if len(sources):
        def label(p):
            return quarter_label(p, lang) if periods.is_period(p) else clean_text(p)
        notes.append(t("report.doc.note_sources", lang, n=len(sources), first=label(sources["period"].iloc[0]),
                       last=label(sources["period"].iloc[-1]), as_of=as_of_label))
    if missing:
        notes.append(t("report.doc.note_missing", lang, quarters=quarter_list(missing, lang), n=len(missing)))
    if partial:
        notes.append(t("report.doc.note_partial", lang, quarters=quarter_list(partial, lang)))
    notes.append(t("report.doc.note_rounding", lang))
    approx = [clean_text(catalog[c].name(lang)) for c, a in zip(values.get("indicator", []), values.get("approximate", [])) if a]
    if approx:
        notes.append(t("report.doc.note_approx", lang, items=join_list(approx, lang)))
    notes.append(t("report.doc.note_unit", lang, unit=uname))
    if is_example:
        notes.append(t("report.doc.note_example", lang))
    return notes


__all__ = ["Inputs", "Report", "Section", "Sentence", "available_spans", "build_report", "load_inputs",
           "parse_span", "plan_evaluation", "plan_goals", "root_unit", "SEPARATORS"]
