"""The report in the office's format: data/report-template.docx (GB/T 9704 layout) is what the
report is written into -- fonts as Windows and WPS name them, sizes, margins, the line grid,
page numbers "— 1 —", zh-CN -- and an office's restyled copy of it is followed."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import resources
from reports import make_template
from reports.content import build_report, load_inputs
from reports.docx_writer import TEMPLATE, write_docx


def report_doc(store, span=(2011, 2015), template=None) -> Document:
    report = build_report(load_inputs(store, resources.catalog()), *span)
    return Document(io.BytesIO(write_docx(report, template=template)))


def east_asia(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


@pytest.mark.parametrize("style,font,size", [
    ("Title", "方正小标宋简体", 22), ("Heading 1", "黑体", 16), ("Heading 2", "楷体", 16),
    ("Normal", "仿宋", 16), ("Subtitle", "楷体", 16), ("Table Text", "仿宋", 10.5)])
def test_styles_carry_the_official_fonts_and_sizes(example_store, style, font, size):
    doc = report_doc(example_store)
    st = doc.styles[style]
    assert east_asia(st) == font and st.font.name == "Times New Roman"
    assert st.font.size == Pt(size) and not st.font.bold
    assert st.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_page_setup_is_a4_with_official_margins_line_grid_and_page_numbers(example_store):
    doc = report_doc(example_store)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)]
    assert margins == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 22 lines in the 225 mm text block
    normal = doc.styles["Normal"]
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    assert normal.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    # 28 characters of 16 pt (condensed by 0.25 pt) fit the 156 mm line
    condensed = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 27 * 16 < 28 * (16 + condensed) * 1.0 <= (210 - 28 - 26) / 25.4 * 72
    footer = section.footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
    assert footer.text == "— 1 —" and footer.alignment is None  # "1" stands for the PAGE field; centred by its style
    assert doc.styles["Footer"].paragraph_format.alignment == 1  # WD_ALIGN_PARAGRAPH.CENTER


def test_document_is_chinese_and_names_no_japanese_fonts(example_store):
    report = build_report(load_inputs(example_store, resources.catalog()), 2011, 2015)
    raw = write_docx(report)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = z.namelist()
        fonts = z.read("word/fontTable.xml").decode()
        styles = z.read("word/styles.xml").decode()
        settings = z.read("word/settings.xml").decode()
        theme = z.read(next(n for n in names if n.startswith("word/theme/"))).decode()
    for japanese in ("ＭＳ 明朝", "ＭＳ ゴシック", "MS Mincho", "MS Gothic", "ja-JP", 'script="Jpan"'):
        assert japanese not in fonts + styles + settings + theme, japanese
    for font in ("仿宋", "黑体", "楷体", "方正小标宋简体", "宋体"):
        assert f'w:name="{font}"' in fonts
    assert 'w:name="方正小标宋简体"><w:altName w:val="FZXiaoBiaoSong-B05S,宋体"' in fonts  # 宋体 as fallback
    assert 'w:eastAsia="zh-CN"' in settings and "word/stylesWithEffects.xml" not in names
    assert Document(io.BytesIO(raw)).core_properties.language == "zh-CN"


def test_headings_use_chinese_numerals_and_quarters_are_written_in_words(example_store):
    doc = report_doc(example_store)
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [h[:2] for h in h1] == ["一、", "二、", "三、", "四、"]
    assert [h[:3] for h in h2] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"]
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "2015年第四季度" in text and "第4季度" not in text
    # the sample paragraphs of the template are gone
    assert not any("XX街道总工会" in p.text or "黑体三号" in p.text for p in doc.paragraphs)


def test_committed_template_is_what_the_generator_makes():
    fresh = zipfile.ZipFile(io.BytesIO(make_template.make_template()))
    committed = zipfile.ZipFile(TEMPLATE)
    assert sorted(fresh.namelist()) == sorted(committed.namelist())
    for name in fresh.namelist():
        if name != "docProps/core.xml":
            assert fresh.read(name) == committed.read(name), f"{name}: run python -m reports.make_template"


def test_an_offices_restyled_template_is_followed(example_store, tmp_path, monkeypatch):
    """The office opens the template in Word, changes 正文 to 宋体 15 pt and the left margin to
    30 mm, saves it and sets UNION_REPORT_TEMPLATE: the report follows."""
    office = Document(str(TEMPLATE))
    office.styles["Normal"].element.rPr.find(qn("w:rFonts")).set(qn("w:eastAsia"), "宋体")
    office.styles["Normal"].font.size = Pt(15)
    office.sections[0].left_margin = Mm(30)
    path = tmp_path / "我们的模板.docx"
    office.save(str(path))
    monkeypatch.setenv("UNION_REPORT_TEMPLATE", str(path))
    doc = report_doc(example_store)
    assert east_asia(doc.styles["Normal"]) == "宋体" and doc.styles["Normal"].font.size == Pt(15)
    assert round(doc.sections[0].left_margin.mm) == 30
    assert any("发展会员7167人" in p.text for p in doc.paragraphs)


def test_a_missing_template_is_a_clear_message(example_store, tmp_path, monkeypatch):
    monkeypatch.setenv("UNION_REPORT_TEMPLATE", str(tmp_path / "nowhere.docx"))
    with pytest.raises(FileNotFoundError, match="找不到报告模板文件"):
        report_doc(example_store)


def test_a_template_without_the_reports_styles_still_gives_a_report(example_store, tmp_path):
    """A plain Word document as template: styles it lacks fall back to Normal."""
    bare = tmp_path / "bare.docx"
    Document().save(str(bare))
    doc = report_doc(example_store, template=bare)
    assert any("发展会员7167人" in p.text for p in doc.paragraphs) and len(doc.tables) == 3
