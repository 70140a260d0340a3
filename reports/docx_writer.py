"""The congress work report as a Word document (python-docx), in the office's format.

Layout only: everything said comes from a :class:`reports.content.Report`. The document is
written into a reference template -- ``data/report-template.docx`` (made by
``python -m reports.make_template``: GB/T 9704 layout, 仿宋/黑体/楷体/方正小标宋简体, page
numbers "— 1 —") or the office's own restyled copy named by ``$UNION_REPORT_TEMPLATE`` -- whose
body is emptied and whose styles, page setup and footer are kept. The writer sets no fonts,
sizes or margins itself: it uses the styles Title, Subtitle, Heading 1, Heading 2, Normal,
Caption, Table Text and Table Grid (one a template lacks falls back to Normal), so what the
office changes in the template is what the report shows.
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm

from i18n import t
from metrics import periods
from metrics.report_text import clean_text
from metrics.wording import quarter_label
from reports.content import Report

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "report-template.docx"
_ZH_ORDINALS = "一二三四五六七八九十"
_ZH_DIGITS = "〇一二三四五六七八九"


def template_path() -> Path:
    """The reference template: ``$UNION_REPORT_TEMPLATE`` if set, else data/report-template.docx."""
    env = os.environ.get("UNION_REPORT_TEMPLATE", "").strip()
    return Path(env).expanduser() if env else TEMPLATE


def _open_template(template, lang: str = "zh") -> Document:
    """The template opened, its body emptied (the sample paragraphs), its last section kept."""
    path = template_path() if template is None else template
    if isinstance(path, (str, Path)) and not Path(path).is_file():
        raise FileNotFoundError(t("office.template.missing", lang, path=str(path)))
    doc = Document(io.BytesIO(path) if isinstance(path, bytes) else str(path))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _style(doc, name: str, fallback: str = "Normal"):
    """The template's style ``name``, or ``fallback`` when the template lacks it."""
    try:
        return doc.styles[name]
    except KeyError:
        return doc.styles[fallback]


def _para(doc, text: str, style: str):
    return doc.add_paragraph(zh_quarter(clean_text(text)), style=_style(doc, style))


def _body(doc, text: str):
    """A body paragraph (Normal: the template indents the first line by two characters)."""
    return _para(doc, text, "Normal")


def zh_quarter(label: str) -> str:
    """``2016年第4季度`` as official texts write it: ``2016年第四季度`` (years and counts stay
    Arabic). Applied to every paragraph and cell the writer adds; English text is unchanged."""
    return re.sub(r"第(\d)季度", lambda m: f"第{_ZH_DIGITS[int(m.group(1))]}季度", label)


def _text_width_cm(doc) -> float:
    section = doc.sections[-1]
    try:
        return (section.page_width - section.left_margin - section.right_margin) / 360000
    except TypeError:
        return 15.6


def _number(value, unit: str = "", lang: str = "zh", approximate: bool = False) -> str:
    """A table figure: integers without decimals, rates and other figures to two decimals
    (what the data note says)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if unit == "%":
        text = f"{value:.2f}"
    elif value.is_integer():
        text = f"{value:,.0f}" if lang == "en" else f"{value:.0f}"
    else:
        text = f"{value:,.2f}" if lang == "en" else f"{value:.2f}"
    if approximate:
        text = t("common.approx_mark", lang) + text
    return text


def _change(value, unit: str, lang: str) -> str:
    """A change in a table: signed (+140, −3), a rate's in percentage points to two decimals."""
    text = _number(abs(value) if value is not None else value, unit, lang)
    if text == "—" or float(value) == 0:
        return text
    return ("+" if float(value) > 0 else "−") + text


def _percent(value) -> str:
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return "—"
    return f"{value * 100:.1f}%"


def _table(doc, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), widths: list[float] | None = None):
    table = doc.add_table(rows=1, cols=len(header))
    if "Table Grid" in {s.name for s in doc.styles}:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell_style = _style(doc, "Table Text")
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(clean_text(text))
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    # repeat the header row on each page
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    head = OxmlElement("w:tblHeader")
    head.set(qn("w:val"), "true")
    tr_pr.append(head)
    for values in rows:
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            cell.text = zh_quarter(clean_text(text))
            if j in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths:  # scaled to the template's text width
        scale = min(1.0, _text_width_cm(doc) / sum(widths))
        widths = [w * scale for w in widths]
        table.autofit = False
        for j, column in enumerate(table.columns):
            column.width = Cm(widths[j])
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            for p in cell.paragraphs:
                p.style = cell_style
            if widths:
                cell.width = Cm(widths[j])
    return table


def _caption(doc, text: str):
    return _para(doc, text, "Caption")


def write_docx(report: Report, charts: list[bytes] | None = None, template: Path | bytes | None = None) -> bytes:
    """The .docx bytes of ``report``. ``charts``: one PNG per section (``None`` entries and a
    missing list leave the pictures out). ``template``: a .docx path or bytes whose styles,
    page setup and footer the report takes (default :func:`template_path`)."""
    lang = report.lang
    lab = report.labels
    doc = _open_template(template, lang)
    doc.core_properties.title = clean_text(report.title)
    doc.core_properties.author = clean_text(t("common.app_title", lang))
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"

    _para(doc, report.title, "Title")
    _para(doc, report.subtitle, "Subtitle")

    _para(doc, clean_text(report.review_heading), "Heading 1")
    if not any(s.sentences for s in report.sections):
        _body(doc, t("report.no_data", lang))
    figure_no = 0
    for i, sec in enumerate(report.sections):
        n = _ZH_ORDINALS[i] if lang == "zh" and i < len(_ZH_ORDINALS) else str(i + 1)
        _para(doc, t("report.doc.area_heading", lang, n=n, area=sec.title), "Heading 2")
        if not sec.sentences:
            _body(doc, t("report.no_data", lang))
            continue
        joiner = "" if lang == "zh" else " "
        _body(doc, joiner.join(s.text for s in sec.sentences))
        png = charts[i] if charts and i < len(charts) else None
        if png:
            figure_no += 1
            doc.add_picture(io.BytesIO(png), width=Cm(min(15.5, _text_width_cm(doc))))
            picture = doc.paragraphs[-1]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            # a picture's line is as high as the picture (not the body's fixed spacing), no indent
            picture.paragraph_format.line_spacing = 1.0
            picture.paragraph_format.first_line_indent = Cm(0)
            _caption(doc, t("report.chart_caption", lang, n=figure_no, area=sec.title))

    _para(doc, t("report.doc.main_table", lang), "Heading 1")
    if report.main_note:
        _body(doc, report.main_note)
    _caption(doc, report.main_caption)
    if report.plan is None:  # no plan of its own: start, end and change (SPAN_COLUMNS)
        header = [lab["indicator"], lab["unit"], lab["start"], lab["end"], lab["change"]]
        rows = [[r["name"], r["unit"], _number(r["start"], r["unit"], lang),
                 _number(r["current"], r["unit"], lang, r["approximate"]), _change(r["change"], r["unit"], lang)]
                for _, r in report.main_table.iterrows()]
        _table(doc, header, rows, numeric={2, 3, 4}, widths=[6.0, 1.6, 2.6, 2.6, 2.6])
    else:
        header = [lab["indicator"], lab["unit"], lab["base"], lab["target"], lab["current"], lab["progress"], lab["status"], lab["attribute"]]
        rows = [[r["name"], r["unit"], _number(r["base"], r["unit"], lang), r["target_text"] or "—",
                 _number(r["current"], r["unit"], lang, r["approximate"]), _percent(r["progress"]),
                 r["status_label"] or "—", r["attribute"] or "—"] for _, r in report.main_table.iterrows()]
        _table(doc, header, rows, numeric={2, 4, 5}, widths=[4.2, 1.3, 1.6, 1.8, 1.8, 1.6, 2.0, 1.5])

    _para(doc, t("report.doc.next_plan", lang), "Heading 1")
    if report.next_plan is None:
        _body(doc, t("report.no_next_plan", lang))
    else:
        for sentence in report.next_sentences:
            _body(doc, sentence)
        _caption(doc, report.next_caption)
        header = [lab["indicator"], lab["unit"], lab["base"], lab["target"], lab["target_type"], lab["attribute"]]
        rows = [[r["name"], r["unit"], _number(r["base"], r["unit"], lang), r["target_text"] or "—",
                 r["target_type_label"], r["attribute"] or "—"] for _, r in report.next_table.iterrows()]
        _table(doc, header, rows, numeric={2}, widths=[5.0, 1.5, 2.0, 2.4, 2.2, 2.0])

    _para(doc, t("report.doc.note", lang), "Heading 1")
    for note in report.notes:
        _body(doc, note)
    if len(report.sources):
        _caption(doc, t("report.doc.sources_caption", lang))
        header = [lab["upload_id"], lab["filename"], lab["report_period"], lab["uploaded_at"], lab["uploader"]]
        rows = [[str(r["upload_id"]), r["filename"],
                 quarter_label(r["period"], lang) if periods.is_period(r["period"]) else clean_text(r["period"]),
                 str(r["uploaded_at"])[:16], r["uploader"]] for _, r in report.sources.iterrows()]
        _table(doc, header, rows, numeric={0}, widths=[1.8, 5.5, 3.0, 3.5, 2.0])

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
