"""The Word report opens in LibreOffice, converts to PDF and shows Chinese text, not boxes:
the PDF gives the Chinese sentences back (pdftotext), embeds CJK fonts (pdffonts) -- with
data/fonts/cjk-aliases.conf, the template's 仿宋/方正小标宋简体 as Noto Serif CJK and 黑体 as Noto
Sans CJK -- shows the page number "— 1 —", and the first page is kept as a picture in
test-output/report/."""

from __future__ import annotations

import re
import subprocess

import resources
from reports.build import build
from reports.content import load_inputs
from tests.conftest import OUTPUT
from tests.office_render import require, to_pdf



def test_docx_converts_to_pdf_with_chinese_text_and_fonts(example_store, tmp_path):
    require("soffice", "pdftotext", "pdffonts", "pdftoppm")
    out = OUTPUT / "report"
    out.mkdir(parents=True, exist_ok=True)
    built = build(load_inputs(example_store, resources.catalog()), 2011, 2015)
    docx = out / "report-2011-2015.docx"
    docx.write_bytes(built.docx)
    (out / "report-2011-2015.xlsx").write_bytes(built.xlsx)
    done = to_pdf([docx], tmp_path, tmp_path, timeout=180)
    pdf = tmp_path / "report-2011-2015.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr

    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
    assert "卢沟桥街道总工会2011—2015年工作报告" in text
    assert "集体合同和工资专项协议签订率达到98%" in text
    assert "累计组织1500家企业建立工会组织，发展会员7167人" in text
    assert "主要指标完成情况" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts
    # the body, title and headings in serif and sans CJK faces, not a Japanese stand-in for all
    assert any("NotoSerifCJK" in line for line in cjk) and any("NotoSansCJK" in line for line in cjk), fonts
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert re.search(r"—\s*1\s*—", first), first[-300:]

    for old in out.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(pdf), str(out / "page")], check=True)
    pages = sorted(out.glob("page-*.png"))
    assert pages and pages[0].stat().st_size > 20_000
