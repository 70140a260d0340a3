"""The congress work report as a Word document (python-docx).

Layout only: everything said comes from a :class:`reports.content.Report`. The document uses
Word's built-in styles (Title, Heading 1, Heading 2, Caption, Table Grid), so the office can
restyle it in one place, and sets a Chinese (East Asian) font on every style it uses:
python-docx's ``font.name`` sets only the Latin font, so ``w:eastAsia`` is set as well, and
the template's theme fonts (which would win over a named font) are removed.

Fonts: "Noto Serif CJK SC" (a 宋体-like serif) for the body and "Noto Sans CJK SC" (黑体-like)
for headings -- what Debian's fonts-noto-cjk installs, so LibreOffice renders and embeds them
here; Word on a machine without them substitutes its default Chinese font.
"""

from __future__ import annotations

import io
import math

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from i18n import t
from metrics import periods
from metrics.report_text import clean_text
from metrics.wording import quarter_label
from reports.content import Report

BODY_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"
LATIN_FONT = "Times New Roman"
_ZH_ORDINALS = "一二三四五六七八九十"


def _set_font(style, east_asia: str, latin: str, size: float | None = None, bold: bool | None = None) -> None:
    style.font.name = latin
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(doc) -> None:
    styles = doc.styles
    _set_font(styles["Normal"], BODY_FONT, LATIN_FONT, 12)
    styles["Normal"].paragraph_format.line_spacing = 1.5
    styles["Normal"].paragraph_format.space_after = Pt(0)
    _set_font(styles["Title"], HEADING_FONT, LATIN_FONT, 20, bold=True)
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # the default Title has a bottom border line; an official title has none
    ppr = styles["Title"].element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    _set_font(styles["Heading 1"], HEADING_FONT, LATIN_FONT, 16, bold=True)
    _set_font(styles["Heading 2"], HEADING_FONT, LATIN_FONT, 14, bold=True)
    _set_font(styles["Caption"], HEADING_FONT, LATIN_FONT, 10.5, bold=False)
    styles["Caption"].font.italic = False
    styles["Caption"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Heading 1", "Heading 2"):
        styles[name].paragraph_format.space_before = Pt(12)
        styles[name].paragraph_format.space_after = Pt(6)


def _body(doc, text: str):
    p = doc.add_paragraph(clean_text(text))
    p.paragraph_format.first_line_indent = Pt(24)  # 首行缩进两字
    return p


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
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
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
            cell.text = clean_text(text)
            if j in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths:
        table.autofit = False
        for j, column in enumerate(table.columns):
            column.width = Cm(widths[j])
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            for p in cell.paragraphs:
                p.paragraph_format.line_spacing = 1.0
                p.paragraph_format.first_line_indent = None
                for run in p.runs:
                    run.font.size = Pt(10)
            if widths:
                cell.width = Cm(widths[j])
    return table


def _caption(doc, text: str):
    return doc.add_paragraph(clean_text(text), style="Caption")


def write_docx(report: Report, charts: list[bytes] | None = None) -> bytes:
    """The .docx bytes of ``report``. ``charts``: one PNG per section (``None`` entries and a
    missing list leave the pictures out)."""
    lang = report.lang
    lab = report.labels
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    doc.core_properties.title = clean_text(report.title)
    doc.core_properties.author = clean_text(t("common.app_title", lang))
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"

    doc.add_heading(clean_text(report.title), level=0)
    sub = doc.add_paragraph(clean_text(report.subtitle))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(clean_text(report.review_heading), level=1)
    if not any(s.sentences for s in report.sections):
        _body(doc, t("report.no_data", lang))
    figure_no = 0
    for i, sec in enumerate(report.sections):
        n = _ZH_ORDINALS[i] if lang == "zh" and i < len(_ZH_ORDINALS) else str(i + 1)
        doc.add_heading(t("report.doc.area_heading", lang, n=n, area=sec.title), level=2)
        if not sec.sentences:
            _body(doc, t("report.no_data", lang))
            continue
        joiner = "" if lang == "zh" else " "
        _body(doc, joiner.join(s.text for s in sec.sentences))
        png = charts[i] if charts and i < len(charts) else None
        if png:
            figure_no += 1
            doc.add_picture(io.BytesIO(png), width=Cm(15.5))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _caption(doc, t("report.chart_caption", lang, n=figure_no, area=sec.title))

    doc.add_heading(t("report.doc.main_table", lang), level=1)
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

    doc.add_heading(t("report.doc.next_plan", lang), level=1)
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

    doc.add_heading(t("report.doc.note", lang), level=1)
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
