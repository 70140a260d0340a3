"""``python -m reports.make_template [OUT.docx]``: write the report's Word template
(default ``data/report-template.docx``) in the layout of official documents (GB/T 9704-2012).

The report builder (:mod:`reports.docx_writer`) opens this template, empties its body and
writes the report with its styles, margins and footer. An office restyles the report by
opening the template in Word or WPS, changing the styles (标题, 副标题, 标题 1, 标题 2, 正文,
题注, Table Text, 页脚) or the page setup, saving it, and pointing ``$UNION_REPORT_TEMPLATE``
at the saved file.

What it sets:

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm); a
  line grid of 22 lines (line pitch 579 twips = 28.95 pt) of 28 characters.
- Styles, East Asian fonts named as Windows and WPS know them (Latin: Times New Roman):
  Title 方正小标宋简体 二号 (22 pt, centred; 宋体 named as its fallback in the font table);
  Subtitle 楷体 三号; Heading 1 黑体 三号; Heading 2 楷体 三号; Normal 仿宋 三号 (16 pt),
  first line indented two characters, fixed line spacing on the grid, characters condensed
  by 0.25 pt so that 28 fit a line; Caption 黑体 四号;
  Table Text 仿宋 五号 (10.5 pt, single spacing) for table cells; Footer 宋体 四号.
- Page numbers in the footer, centred, as "— 1 —" (a PAGE field between two 一字线).
- zh-CN as the East Asian language (document defaults, settings, theme); a font table of
  Times New Roman, 仿宋, 黑体, 楷体, 方正小标宋简体 and 宋体 only (python-docx's default
  template names MS Mincho and MS Gothic and has Japanese as its East Asian language).

On Linux these Windows font names are not installed: ``data/fonts/cjk-aliases.conf`` maps them
to the Noto CJK fonts for LibreOffice (see README, "Word report fonts on Linux").
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "data" / "report-template.docx"

LATIN = "Times New Roman"
FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋", "黑体", "楷体", "方正小标宋简体", "宋体"
LINE_PITCH = 579  # twips: 225 mm / 22 lines = 28.99 pt, rounded down so 22 lines fit
CONDENSED = -5  # twentieths of a point: 16 pt characters set 0.25 pt closer, 28 to the 156 mm line
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
EM_DASH = "\u2014"  # 一字线

# (style, East Asian font, size in half-points, bold, alignment, first-line indent in 1/100 chars,
#  exact line spacing in twips or None for single, space after in twips)
STYLES = {
    "Normal": (FANGSONG, 32, False, "both", 200, LINE_PITCH, 0),
    "Title": (XIAOBIAOSONG, 44, False, "center", 0, None, LINE_PITCH),
    "Subtitle": (KAITI, 32, False, "center", 0, LINE_PITCH, LINE_PITCH),
    "Heading 1": (HEITI, 32, False, "both", 200, LINE_PITCH, 0),
    "Heading 2": (KAITI, 32, False, "both", 200, LINE_PITCH, 0),
    "Caption": (HEITI, 28, False, "center", 0, None, 0),
    "Table Text": (FANGSONG, 21, False, None, 0, None, 0),
    "Footer": (SONGTI, 28, False, "center", 0, None, 0),
}

# name, alternative names (Windows English names; the last is the fallback), panose-1, family, pitch
FONTS = [
    (LATIN, "", "02020603050405020304", "roman", "variable"),
    (FANGSONG, "FangSong,仿宋_GB2312", "02010609060101010101", "modern", "fixed"),
    (HEITI, "SimHei", "02010609060101010101", "modern", "fixed"),
    (KAITI, "KaiTi,楷体_GB2312", "02010609060101010101", "modern", "fixed"),
    (XIAOBIAOSONG, "FZXiaoBiaoSong-B05S,宋体", "02000000000000000000", "script", "variable"),
    (SONGTI, "SimSun", "02010600030101010101", "auto", "variable"),
]


def _rpr(east_asia: str, size: int, bold: bool, latin: str = LATIN) -> str:
    spacing = f'<w:spacing w:val="{CONDENSED if size == 32 else 0}"/>'
    b = "<w:b/><w:bCs/>" if bold else "<w:b w:val=\"0\"/><w:bCs w:val=\"0\"/>"
    return (f'<w:rPr {nsdecls("w")}><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" '
            f'w:cs="{latin}"/>{b}<w:i w:val="0"/><w:iCs w:val="0"/><w:color w:val="000000"/>{spacing}<w:kern w:val="2"/>'
            f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>')


def _ppr(name: str, align: str | None, first_chars: int, line: int | None, after: int) -> str:
    keep = "<w:keepNext/><w:keepLines/>" if name.startswith("Heading") or name == "Title" else ""
    snap = "" if line else '<w:snapToGrid w:val="0"/>'
    spacing = (f'<w:spacing w:before="0" w:after="{after}" w:line="{line}" w:lineRule="exact"/>' if line
               else f'<w:spacing w:before="0" w:after="{after}" w:line="240" w:lineRule="auto"/>')
    ind = (f'<w:ind w:firstLineChars="{first_chars}" w:firstLine="{first_chars * 32 // 10}"/>' if first_chars
           else '<w:ind w:firstLineChars="0" w:firstLine="0"/>')
    jc = f'<w:jc w:val="{align}"/>' if align else ""
    outline = {"Heading 1": '<w:outlineLvl w:val="0"/>', "Heading 2": '<w:outlineLvl w:val="1"/>'}.get(name, "")
    return f'<w:pPr {nsdecls("w")}>{keep}{snap}{spacing}{ind}<w:contextualSpacing w:val="0"/>{jc}{outline}</w:pPr>'


def _replace(parent, tag: str, xml: str) -> None:
    """Put ``xml`` in place of ``parent``'s child ``tag`` (added where the schema wants it)."""
    old = parent.find(qn(tag))
    new = parse_xml(xml)
    if old is not None:
        old.addprevious(new)
        parent.remove(old)
    elif tag == "w:pPr":
        parent.get_or_add_pPr()
        _replace(parent, tag, xml)
    else:
        parent.get_or_add_rPr()
        _replace(parent, tag, xml)


def _styles(doc) -> None:
    styles = doc.styles
    names = {s.name for s in styles}
    for name, (font, size, bold, align, first, line, after) in STYLES.items():
        if name not in names:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.quick_style = True
        style = styles[name]
        if name != "Normal":
            style.element.get_or_add_pPr()
        _replace(style.element, "w:pPr", _ppr(name, align, first, line, after))
        latin = SONGTI if name == "Footer" else LATIN  # page numbers: 半角宋体 digits
        _replace(style.element, "w:rPr", _rpr(font, size, bold, latin))
        link = style.element.find(qn("w:link"))
        if link is not None:  # the linked character style ("标题 1 字符") gets the same font
            char = next((s for s in styles if s.style_id == link.get(qn("w:val"))), None)
            if char is not None:
                _replace(char.element, "w:rPr", _rpr(font, size, bold, latin))
    numbering = styles["Subtitle"].element.pPr.find(qn("w:numPr"))
    if numbering is not None:
        styles["Subtitle"].element.pPr.remove(numbering)
    styles["Caption"].element.remove(styles["Caption"].element.find(qn("w:semiHidden")))
    # document defaults: explicit fonts instead of theme fonts, Chinese as the East Asian language
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault"))
    rpr.remove(rpr[0])
    rpr.append(parse_xml(_rpr(FANGSONG, 32, False).replace('<w:b w:val="0"/><w:bCs w:val="0"/><w:i w:val="0"/>'
                                                          '<w:iCs w:val="0"/><w:color w:val="000000"/>', "")))
    ppr = defaults.find(qn("w:pPrDefault"))
    ppr.remove(ppr[0])
    ppr.append(parse_xml(f'<w:pPr {nsdecls("w")}><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'))


def _section(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # the page number's line starts about 7 mm under the text block (35 mm - 7 mm - one line)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = parse_xml(f'<w:docGrid {nsdecls("w")}/>')
        sect.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    # a line grid only: LibreOffice spreads the characters of a "lines and characters" grid
    # over twice their width; 28 characters a line come from the condensed 16 pt body instead
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    # page number: "— 1 —", centred (GB/T 9704: 4号半角宋体阿拉伯数字, 一字线 either side)
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.style = doc.styles["Footer"]
    p._p.append(parse_xml(
        f'<w:r {nsdecls("w")}><w:t xml:space="preserve">{EM_DASH} </w:t></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t>1</w:t></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve"> {EM_DASH}</w:t></w:r>'))


def _font_table() -> bytes:
    fonts = []
    for name, alt, panose, family, pitch in FONTS:
        charset = "00" if name == LATIN else "86"  # 86: GB2312
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        fonts.append(f'<w:font w:name="{name}">{alt_xml}<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
                     f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>')
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            + "".join(fonts) + "</w:fonts>").encode("utf-8")


def _theme(blob: bytes) -> bytes:
    """The theme's East Asian fonts: Chinese ones, and no Japanese script font."""
    text = blob.decode("utf-8")
    text = re.sub(r'\s*<a:font script="Jpan" typeface="[^"]*"/>', "", text)
    major, minor = text.index("<a:majorFont>"), text.index("<a:minorFont>")
    head, major_part, minor_part = text[:major], text[major:minor], text[minor:]
    major_part = major_part.replace('<a:ea typeface=""/>', f'<a:ea typeface="{HEITI}"/>', 1)
    major_part = re.sub(r'<a:font script="Hans" typeface="[^"]*"/>', f'<a:font script="Hans" typeface="{HEITI}"/>', major_part)
    minor_part = minor_part.replace('<a:ea typeface=""/>', f'<a:ea typeface="{FANGSONG}"/>', 1)
    minor_part = re.sub(r'<a:font script="Hans" typeface="[^"]*"/>', f'<a:font script="Hans" typeface="{FANGSONG}"/>', minor_part)
    return (head + major_part + minor_part).encode("utf-8")


def _parts(doc) -> None:
    """Font table, theme and settings in Chinese; the Word 2010 style copy and thumbnail dropped."""
    main = doc.part
    for rid, rel in list(main.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            main.drop_rel(rid)
        elif rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = _font_table()
        elif rel.reltype.endswith("/theme"):
            rel.target_part._blob = _theme(rel.target_part.blob)
    package = main.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rid)
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")


def _samples(doc) -> None:
    """One paragraph per style, so an office sees what it restyles (the builder removes them)."""
    doc.add_paragraph("XX街道总工会XXXX—XXXX年工作报告（标题：方正小标宋简体二号）", style="Title")
    doc.add_paragraph("副标题：楷体三号，居中", style="Subtitle")
    doc.add_paragraph("一、一级标题：黑体三号", style="Heading 1")
    doc.add_paragraph("（一）二级标题：楷体三号", style="Heading 2")
    doc.add_paragraph("正文：仿宋三号，首行缩进两字，每页22行、每行28字。数字、年份用阿拉伯数字，"
                      "如2016年第一季度会员人数7167人。", style="Normal")
    doc.add_paragraph("图1　题注：黑体四号，居中", style="Caption")
    table = doc.add_table(rows=2, cols=3)
    table.style = doc.styles["Table Grid"]
    for row, texts in zip(table.rows, (["指标", "单位", "当前值"], ["表格文字：仿宋五号", "人", "7167"])):
        for cell, text in zip(row.cells, texts):
            cell.paragraphs[0].text = text
            cell.paragraphs[0].style = doc.styles["Table Text"]


def make_template() -> bytes:
    """The template's .docx bytes (see the module docstring)."""
    doc = Document()
    _styles(doc)
    _section(doc)
    _parts(doc)
    _samples(doc)
    props = doc.core_properties
    props.title = "工作报告模板"
    props.author = props.last_modified_by = ""
    props.language = "zh-CN"
    props.keywords = props.comments = props.subject = props.category = ""
    props.revision = 1
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else TEMPLATE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(make_template())
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
