"""The meeting brief (会议简报): one A4 page on where the plan stands at a quarter, for the
leadership's quarterly meeting -- headline progress, the 需关注 list (goals below pace,
binding first, with their lagging units and change since last quarter), one small chart per
area, and the data's quarter and coverage.

Every figure comes from :func:`metrics.goals.evaluate_plan` (the one road to a goal's row)
and :func:`metrics.attention.attention_list`; this module only words and draws them.

* :func:`brief_data` -- the figures and sentences (a :class:`Brief`);
* :func:`brief_pdf` -- the page drawn with matplotlib (no browser, no LibreOffice), with the
  machine's CJK font found as :func:`reports.charts.cjk_font` finds it;
* :func:`brief_docx` -- the same content in the office template (data/report-template.docx).

Percentages are worded never to overstate: 完成进度 is cut (not rounded) to one decimal,
时间进度 is exact (a multiple of 5%), and the gap shown is the difference of the two shown.
"""

from __future__ import annotations

import io
import textwrap
import math
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal

import pandas as pd

from i18n import t
from metrics import attention as attn
from metrics import goals as goal_rows
from metrics import periods, rollup
from metrics.catalog import Catalog
from metrics.progress import STATUS_URGENCY
from metrics.report_text import clean_text
from metrics.wording import phrase_indicator, quarter_label

#: Goals listed on the page at most; the rest are counted ("另有n个").
MAX_LISTED = 8
STATUS_COLOURS = {"achieved": "#009E73", "ahead": "#0072B2", "on_track": "#56B4E9", "behind": "#E69F00",
                  "far_behind": "#D55E00", "regressing": "#CC0000", "no_data": "#999999", "direction_only": "#999999"}


# --------------------------------------------------------------------------- wording


def percent_cut(share: float) -> Decimal | None:
    """A share as a percentage cut to one decimal (0.29078 → 29.0, -0.3887 → -38.9): never more
    than the data. None when missing."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return None
    return (Decimal(repr(float(share))) * 100).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)


def pct_text(value: Decimal | None) -> str:
    """``29.0`` → ``29%``, ``29.1`` → ``29.1%``; ``—`` when missing."""
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def points_text(value: Decimal) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def figure_text(value: float, indicator, lang: str = "zh") -> str:
    """A base or current value with its unit, exact (cut to two decimals): ``7700人``, ``94.47%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if indicator.kind == "rate" or indicator.unit_label(lang) in ("%",):
        cut = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        return f"{cut:f}".rstrip("0").rstrip(".") + "%"
    return phrase_indicator(value, indicator, approximate=False, lang=lang) or "—"


def explain(row, catalog: Catalog, lang: str = "zh") -> str:
    """The one-line reason a status is shown (``attention.reason.*``), with the quarter's
    coverage when it was not complete (已报 n/m): e.g. 完成进度29%，时间进度40%，落后11个百分点.
    """
    ind = catalog[row["indicator"]]
    progress, elapsed = percent_cut(row["progress"]), percent_cut(row["elapsed"])
    if row["status"] == "direction_only" or progress is None:
        growth = row.get("observed_growth")
        growth_text = "—" if growth is None or math.isnan(growth) else _signed(
            (Decimal(repr(float(growth))) * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN), lang)
        text = t("attention.reason.direction", lang, base=figure_text(row["base"], ind, lang),
                 current=figure_text(row["current"], ind, lang), growth=growth_text)
    elif row["status"] == "regressing":
        text = t("attention.reason.regressing", lang, base=figure_text(row["base"], ind, lang),
                 current=figure_text(row["current"], ind, lang), progress=pct_text(progress),
                 elapsed=pct_text(elapsed))
    else:
        text = t("attention.reason.pace", lang, progress=pct_text(progress), elapsed=pct_text(elapsed),
                 gap=points_text(elapsed - progress))
    quarter = periods_label(row.get("as_of") or row.get("period") or "", lang)
    if bool(row.get("held")):
        text += t("attention.reason.held", lang, quarter=quarter, n=int(row["reported"]), m=int(row["expected"]),
                  judged=periods_label(row["judged_at"], lang))
    elif bool(row.get("incomplete")):
        text += t("attention.reason.incomplete", lang, quarter=quarter, n=int(row["reported"]), m=int(row["expected"]))
    return text


def _unit_state(u: dict, lang: str) -> str:
    """A lagging unit's figure: its 完成进度 when it has a non-negative one, else its state in words."""
    if u["status"] == "direction_only":  # beside a goal without a number: its outlook says it all
        return t(f"signals.outlook.{u['outlook']}", lang)
    if math.isnan(u["progress"]) or u["progress"] < 0:
        return state_word(u["status"], u["outlook"], lang)
    return pct_text(percent_cut(u["progress"]))


def _signed(value: Decimal | None, lang: str) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + pct_text(value)


def periods_label(period: str, lang: str = "zh") -> str:
    """``2017Q4`` → ``2017年第四季度`` / ``2017 Q4``."""
    return quarter_label(period, lang) if period and periods.is_period(period) else str(period or "")


def status_word(code: str, lang: str) -> str:
    return t(f"signals.status.{code}", lang)


def state_word(status: str, outlook: str, lang: str) -> str:
    """A goal's state in words: its status, or for a goal without a number its outlook."""
    if status == "direction_only":
        sep = "·" if lang == "zh" else ", "
        return f"{status_word(status, lang)}{sep}{t(f'signals.outlook.{outlook}', lang).lower() if lang == 'en' else t(f'signals.outlook.{outlook}', lang)}"
    return status_word(status, lang)


# --------------------------------------------------------------------------- the figures


@dataclass
class Brief:
    """What the brief shows: every figure, already computed and worded."""

    lang: str
    plan: str
    plan_name: str
    unit: str
    unit_name: str
    as_of: str
    previous: str | None
    evaluated: pd.DataFrame  # evaluate_plan at as_of
    attention: pd.DataFrame  # metrics.attention.attention_list
    reasons: list[str]
    head: dict  # metrics.goals.overall
    counts: dict  # status code -> goals
    reported: int
    expected: int
    incomplete: bool
    held: bool
    judged_at: str
    also_slipped: list[str] = field(default_factory=list)
    names: dict = field(default_factory=dict)  # indicator and unit code -> name
    areas: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (area name, its numbered goals)

    # ---- the sentences (shared by the PDF and the .docx)
    def title(self) -> str:
        return t("brief.title", self.lang, unit=self.unit_name)

    def subtitle(self) -> str:
        return t("brief.subtitle", self.lang, plan=self.plan_name, quarter=periods_label(self.as_of, self.lang))

    def coverage_line(self) -> str:
        text = t("brief.as_of", self.lang, quarter=periods_label(self.as_of, self.lang), n=self.reported,
                 m=self.expected)
        if self.held:
            text += t("brief.held", self.lang, judged=periods_label(self.judged_at, self.lang))
        elif self.incomplete:
            text += t("brief.incomplete", self.lang)
        return text

    def headline(self) -> str:
        order = [c for c in STATUS_URGENCY[::-1] if self.counts.get(c)]
        parts = [t("brief.count", self.lang, status=status_word(c, self.lang), n=self.counts[c]) for c in order]
        sep = "、" if self.lang == "zh" else ", "
        return t("brief.headline", self.lang, elapsed=pct_text(percent_cut(self.head["elapsed"])),
                 progress=pct_text(percent_cut(self.head["progress"])), n=self.head["goals"], total=len(self.evaluated),
                 counts=sep.join(parts))

    def attention_summary(self) -> str:
        a = self.attention
        if a.empty:
            return t("attention.none", self.lang, quarter=periods_label(self.as_of, self.lang))
        return t("attention.summary", self.lang, n=len(a), binding=int(a["binding"].sum()), slipped=int(a["slipped"].sum()))

    def goal_line(self, i: int) -> tuple[str, str]:
        """Goal ``i`` of the list: (its head line, its detail line)."""
        r = self.attention.iloc[i]
        attribute = t("attention.binding" if r["binding"] else "attention.expected", self.lang)
        head = f"{i + 1}. {self.names[r['indicator']]}〔{attribute}〕{state_word(r['status'], r['outlook'], self.lang)}：{self.reasons[i]}"
        if self.lang == "en":
            head = f"{i + 1}. {self.names[r['indicator']]} [{attribute}] {state_word(r['status'], r['outlook'], self.lang)}: {self.reasons[i]}"
        bits = []
        if r["lagging"]:
            sep = "、" if self.lang == "zh" else ", "
            units = sep.join(t("attention.unit_gap", self.lang, unit=self.names.get(u["unit"], u["unit"]),
                               progress=_unit_state(u, self.lang))
                             for u in r["lagging"])
            bits.append(t("attention.lagging", self.lang, count=int(r["lagging_count"]), shown=len(r["lagging"]), units=units))
        if r["slipped"]:
            bits.append(t("attention.slipped", self.lang, before=state_word(r["status_before"], r["outlook_before"], self.lang),
                          now=state_word(r["status"], r["outlook"], self.lang)))
        return head, ("；" if self.lang == "zh" else "; ").join(bits)

    def more_line(self) -> str | None:
        extra = len(self.attention) - MAX_LISTED
        return t("brief.more", self.lang, n=extra) if extra > 0 else None

    def also_slipped_line(self) -> str | None:
        if not self.also_slipped:
            return None
        sep = "、" if self.lang == "zh" else ", "
        return t("attention.also_slipped", self.lang, goals=sep.join(self.names[c] for c in self.also_slipped))

    def note(self) -> str:
        return t("brief.note", self.lang)


def brief_data(inputs, as_of: str | None, unit: str | None = None, lang: str = "zh", plan_code: str | None = None) -> Brief:
    """The brief's figures for ``unit`` (default the federation) at ``as_of`` (default the
    quarter the dashboard opens on), from :class:`reports.content.Inputs`."""
    catalog, units, obs = inputs.catalog, inputs.units, inputs.observations
    root = rollup.root_unit(units)
    unit = unit or root
    if as_of is None:
        as_of = rollup.default_quarter(rollup.coverage(obs, units, root))
    if as_of is None:
        raise ValueError("the database has no data")
    plan_code = plan_code or goal_rows.current_plan(inputs.plans, as_of)
    if plan_code is None or plan_code not in set(inputs.plans["code"]):
        raise ValueError("no plan covers this quarter")
    plan = inputs.plans[inputs.plans["code"] == plan_code].iloc[0].to_dict()
    targets = inputs.targets[plan_code]
    now = goal_rows.evaluate_plan(obs, units, targets, plan, catalog, unit, as_of, detail=False)
    previous = periods.previous(as_of)
    before = None
    if periods.index(previous) >= periods.index(plan["start_period"]):
        before = goal_rows.evaluate_plan(obs, units, targets, plan, catalog, unit, previous, detail=False)
    else:
        previous = None
    kids = goal_rows.children(units, unit)
    grid = None
    if kids:
        fed_q = rollup.quarterly(obs, units, catalog, root)
        goals = goal_rows.plan_goals(targets, fed_q, catalog, plan["start_period"], rollup.coverage(obs, units, root))
        grid = goal_rows.evaluate_units(goals, goal_rows.all_quarterly(obs, units, catalog), catalog,
                                        plan["start_period"], plan["end_period"], as_of, kids, root,
                                        goal_rows.quotas(targets),
                                        cover_all=rollup.coverage_all(obs, units, goal_rows.ancestors(units)))
    return assemble(now, before, grid, catalog=catalog, units=units, plan=plan, unit=unit, as_of=as_of,
                    previous=previous, lang=lang)


def assemble(now: pd.DataFrame, before: pd.DataFrame | None, grid: pd.DataFrame | None, *, catalog: Catalog,
             units: pd.DataFrame, plan: dict, unit: str, as_of: str, previous: str | None, lang: str) -> Brief:
    """A :class:`Brief` from evaluated goals (the overview builds it from its cached ones)."""
    att = attn.attention_list(now, before, grid)
    reasons = [explain({**r, "as_of": as_of}, catalog, lang) for r in att.to_dict("records")]
    names = {c: catalog[c].name(lang) for c in catalog.codes}
    name_col = "name_zh" if lang == "zh" else "name_en"
    for code, zh, other in zip(units["code"], units["name_zh"], units.get(name_col, units["name_zh"])):
        names[str(code)] = clean_text(str(other if isinstance(other, str) and other else zh))
    first = now.iloc[0] if len(now) else None
    listed = set(att["indicator"])
    areas = []
    for category in catalog.categories:
        part = now[[catalog[c].category == category.code for c in now["indicator"]]]
        areas.append((category.name(lang), part.reset_index(drop=True)))
    plan_name = str(plan.get("name_zh") if lang == "zh" else (plan.get("name_en") or plan.get("name_zh")) or plan.get("code"))
    return Brief(
        lang=lang, plan=str(plan["code"]), plan_name=clean_text(plan_name), unit=unit, unit_name=names.get(unit, unit),
        as_of=as_of, previous=previous, evaluated=now, attention=att, reasons=reasons,
        head=goal_rows.overall(now), counts=goal_rows.counts(now, "status", STATUS_URGENCY),
        reported=int(first["reported"]) if first is not None else 0,
        expected=int(first["expected"]) if first is not None else 0,
        incomplete=bool(first["incomplete"]) if first is not None else False,
        held=bool(first["held"]) if first is not None else False,
        judged_at=str(first["judged_at"]) if first is not None else as_of,
        also_slipped=[c for c in attn.slipped_goals(now, before) if c not in listed],
        names=names, areas=areas,
    )


# --------------------------------------------------------------------------- drawing


def _units_of(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` columns (a CJK character is two), at a
    space for English words where possible."""
    lines, line = [], ""
    for ch in text:
        if _units_of(line + ch) > width:
            cut = line.rfind(" ") if unicodedata.east_asian_width(ch) not in "WF" and ch != " " else -1
            if cut > width // 2:
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line)
                line = ""
        line += ch
    if line:
        lines.append(line)
    return lines or [""]


def _area_axes(ax, name: str, rows: pd.DataFrame, brief: Brief, family) -> None:
    """One area's small chart: 完成进度 of each goal with a number (bars, coloured by status,
    with the figure), the plan's 时间进度 as a dashed line."""
    numbered = rows[rows["progress"].notna()]
    ax.set_title(name, fontsize=8, family=family, loc="left", pad=3)
    ax.tick_params(labelsize=6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if numbered.empty:
        ax.text(0.5, 0.5, t("brief.no_numbered", brief.lang), ha="center", va="center", fontsize=7,
                family=family, transform=ax.transAxes, color="#666666")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    labels = [_short(brief.names[c], 14 if brief.lang == "zh" else 11) for c in numbered["indicator"]]
    values = [float(percent_cut(p)) for p in numbered["progress"]]
    y = list(range(len(values)))[::-1]
    ax.barh(y, [max(v, -20) for v in values], color=[STATUS_COLOURS.get(s, "#999999") for s in numbered["status"]],
            height=0.6)
    elapsed = float(percent_cut(brief.head["elapsed"])) if not math.isnan(brief.head["elapsed"]) else None
    if elapsed is not None:
        ax.axvline(elapsed, color="#333333", linestyle="--", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, family=family, fontsize=6)
    ax.set_xlim(min(-20, min(values) if values else 0) if min(values) < 0 else 0, 105)
    for yi, v in zip(y, values):
        ax.text(max(v, 0) + 1.5, yi, pct_text(Decimal(str(v))), va="center", fontsize=6, family=family)
    ax.set_xlabel(t("brief.axis", brief.lang), fontsize=6, family=family)


def _short(text: str, width: int) -> str:
    if _units_of(text) <= width * 2:
        return text
    out = ""
    for ch in text:
        if _units_of(out + ch) > width * 2 - 1:
            return out + "…"
        out += ch
    return out


def brief_pdf(brief: Brief) -> bytes:
    """The brief as one A4 page of PDF, drawn with matplotlib."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    from reports.charts import cjk_font

    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    fig = Figure(figsize=(8.27, 11.69))
    FigureCanvasPdf(fig)
    left, width_cols = 0.07, 116  # columns of 8.5 pt text across the page
    y = 0.955

    def line(text: str, size: float = 8.5, weight: str = "normal", colour: str = "#222222", indent: float = 0.0,
             cols: int = width_cols, gap: float = 1.45) -> None:
        nonlocal y
        for part in wrap(text, cols):
            fig.text(left + indent, y, part, fontsize=size, weight=weight, color=colour, family=family, va="top")
            y -= size * gap / 72 / 11.69

    line(brief.title(), 15, "bold", gap=1.6)
    line(brief.subtitle(), 10, colour="#444444", gap=1.5)
    line(brief.coverage_line(), 8.5, colour="#444444")
    y -= 0.008
    line(t("brief.section.headline", brief.lang), 11, "bold")
    line(brief.headline())
    y -= 0.008
    line(t("brief.section.attention", brief.lang), 11, "bold")
    line(brief.attention_summary() + " " + t("attention.reason_note", brief.lang), colour="#444444")
    for i in range(min(len(brief.attention), MAX_LISTED)):
        head, detail = brief.goal_line(i)
        colour = "#B00000" if brief.attention.iloc[i]["binding"] else "#222222"
        line(head, 8.5, "bold", colour=colour)
        if detail:
            line(detail, 7.8, colour="#444444", indent=0.02, cols=width_cols + 4)
    for extra in (brief.more_line(), brief.also_slipped_line()):
        if extra:
            line(extra, 7.8, colour="#444444")
    y -= 0.01
    line(t("brief.section.areas", brief.lang), 11, "bold")
    # the six small charts below what is written, 3 rows x 2
    bottom, top = 0.06, y - 0.005
    rows_n = math.ceil(len(brief.areas) / 2) or 1
    cell_h = (top - bottom) / rows_n
    for k, (name, rows) in enumerate(brief.areas):
        r, c = divmod(k, 2)
        ax = fig.add_axes([0.22 + c * 0.46, top - (r + 1) * cell_h + 0.03, 0.25, cell_h - 0.055])
        _area_axes(ax, name, rows, brief, family)
    for k, part in enumerate(wrap(brief.note(), 150)):
        fig.text(left, 0.04 - k * 0.011, part, fontsize=6.5, color="#666666", family=family, va="top")
    out = io.BytesIO()
    fig.savefig(out, format="pdf", metadata={"Title": brief.title(), "Subject": brief.subtitle()})
    return out.getvalue()


def areas_png(brief: Brief, dpi: int = 200, columns: int = 3) -> bytes:
    """The small area charts as one PNG in ``columns`` columns (for the .docx)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from reports.charts import cjk_font

    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    rows_n = math.ceil(len(brief.areas) / columns) or 1
    # constrained: each small chart's names and title fit inside the picture, none cut at its edge
    fig = Figure(figsize=(7.0, 1.35 * rows_n), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows_n, columns, squeeze=False)
    for k, (name, rows) in enumerate(brief.areas):
        ax = axes[k // columns][k % columns]
        _area_axes(ax, name, rows, brief, family)
        # centred titles and one axis note for all: the layout keeps them inside the picture
        ax.set_title("", loc="left")
        ax.set_title(name if brief.lang == "zh" else textwrap.fill(name, 22), fontsize=7.5, family=family, pad=3)
        ax.set_xlabel("")
    fig.supxlabel(t("brief.axis", brief.lang), fontsize=6.5, family=family)
    for k in range(len(brief.areas), rows_n * columns):
        axes[k // columns][k % columns].set_visible(False)
    fig.get_layout_engine().set(w_pad=0.06, h_pad=0.04, wspace=0.08, hspace=0.1)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _compact(doc) -> None:
    """Fit the brief on one A4 page of the office template: narrower margins and smaller
    sizes for this document only (the template's fonts, page numbers and styles' names stay;
    the template file itself is not changed). A congress report keeps the 公文 layout; a
    one-page brief handed out at a meeting reads as a sheet, as the PDF does."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Cm, Pt

    section = doc.sections[-1]
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(1.6)
    section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(0.8)
    for name, size, before, after in (("Title", 15, 0, 2), ("Heading 1", 11, 3, 1), ("Table Text", 8.5, 0, 0),
                                      ("Normal", 8.5, 0, 0)):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.size = Pt(size)
        pf = style.paragraph_format
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.first_line_indent = Cm(0) if name != "Normal" else pf.first_line_indent
    doc.styles["Normal"].paragraph_format.first_line_indent = Cm(0)


def _tight_cells(table) -> None:
    """Table cells with small top and bottom margins (Word's default leaves a blank line's worth)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 0), ("bottom", 0), ("left", 70), ("right", 70)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    pr.append(mar)
    for row in table.rows[1:]:  # ragged right: justified Chinese spreads a short line's characters apart
        for cell in row.cells:
            for p in cell.paragraphs:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT


def brief_docx(brief: Brief, template=None) -> bytes:
    """The brief in the office template's styles (title, headings, body, Table Text), on one
    A4 page (:func:`_compact`): title, subtitle with data as of and coverage, the headline, the
    attention list as a two-column table, the six small area charts as one picture, the note."""
    from docx.shared import Cm

    from reports import docx_writer as w

    doc = w._open_template(template, brief.lang)
    _compact(doc)
    w._para(doc, brief.title(), "Title")
    w._para(doc, f"{brief.subtitle()} · {brief.coverage_line()}", "Table Text")
    w._para(doc, t("brief.section.headline", brief.lang), "Heading 1")
    w._para(doc, brief.headline(), "Table Text")
    w._para(doc, t("brief.section.attention", brief.lang), "Heading 1")
    w._para(doc, brief.attention_summary() + " " + t("attention.reason_note", brief.lang), "Table Text")
    width = w._text_width_cm(doc)
    if len(brief.attention):
        rows = []
        for i in range(min(len(brief.attention), MAX_LISTED)):
            head, detail = brief.goal_line(i)
            rows.append([head, detail])
        _tight_cells(w._table(doc, [t("brief.col.goal", brief.lang), t("brief.col.detail", brief.lang)], rows,
                              widths=[width * 0.52, width * 0.48]))
    for extra in (brief.more_line(), brief.also_slipped_line()):
        if extra:
            w._para(doc, extra, "Table Text")
    w._para(doc, t("brief.section.areas", brief.lang), "Heading 1")
    doc.add_picture(io.BytesIO(areas_png(brief)), width=Cm(min(16.0, width)))
    w._para(doc, brief.note(), "Table Text")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m reports brief [--as-of QUARTER] --out FILE.pdf|FILE.docx [--docx FILE.docx] [--unit CODE]
    [--plan CODE] [--db URL] [--lang en]``: exit 0 when written, 1 when it cannot be built, 2 on a bad argument."""
    import argparse
    import sys
    from pathlib import Path

    import resources
    from reports.content import load_inputs

    parser = argparse.ArgumentParser(prog="python -m reports brief",
                                     description="Write the one-page meeting brief (PDF, or .docx by extension).")
    parser.add_argument("--as-of", dest="as_of", help="quarter, e.g. 2017Q4 (default: the quarter the dashboard opens on)")
    parser.add_argument("--out", required=True, type=Path, help="the file to write: .pdf, or .docx")
    parser.add_argument("--docx", type=Path, help="also write the brief as this .docx")
    parser.add_argument("--unit", help="unit code (default: the federation)")
    parser.add_argument("--plan", help="plan code (default: the plan of the quarter)")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() not in (".pdf", ".docx"):
        parser.error(f"--out must end in .pdf or .docx, not {args.out.name!r}")
    if args.as_of is not None and not periods.is_period(args.as_of):
        parser.error(f"a quarter is written like 2017Q4, not {args.as_of!r}")
    from reports.__main__ import open_with_example_data

    store = open_with_example_data(args.db, args.lang)
    inputs = load_inputs(store, resources.catalog())
    if inputs.units.empty or inputs.observations.empty:
        parser.error("the database has no data")
    if args.unit and args.unit not in set(inputs.units["code"]):
        parser.error(f"unknown unit {args.unit!r}")
    if args.plan and args.plan not in set(inputs.plans["code"]):
        parser.error(f"unknown plan {args.plan!r}")
    try:
        brief = brief_data(inputs, args.as_of, args.unit, args.lang, args.plan)
        files = {args.out: brief_pdf(brief) if args.out.suffix.lower() == ".pdf" else brief_docx(brief)}
        if args.docx:
            files[args.docx] = brief_docx(brief)
    except Exception as exc:  # noqa: BLE001 - one line for the clerk, not a traceback
        print(t("brief.failed", args.lang, reason=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"{' and '.join(str(p) for p in files)}: {brief.title()} · {brief.as_of} · "
          f"{len(brief.attention)} goals need attention")
    return 0
