"""The Word report opens in LibreOffice, converts to PDF and shows Chinese text, not boxes:
the PDF gives the Chinese sentences back (pdftotext), embeds CJK fonts (pdffonts) -- with
data/fonts/cjk-aliases.conf, the template's 仿宋/方正小标宋简体 as Noto Serif CJK and 黑体 as Noto
Sans CJK -- shows the page number "— 1 —", and the first page is kept as a picture in
test-output/report/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import resources
from reports.build import build
from reports.content import load_inputs
from tests.conftest import OUTPUT, ROOT, unavailable

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <include>{aliases}</include>
</fontconfig>
"""


def test_docx_converts_to_pdf_with_chinese_text_and_fonts(example_store, tmp_path):
    for tool in ("soffice", "pdftotext", "pdffonts", "pdftoppm"):
        if not shutil.which(tool):
            unavailable(f"{tool} is not installed (apt-get install libreoffice-writer-nogui poppler-utils)")
    out = OUTPUT / "report"
    out.mkdir(parents=True, exist_ok=True)
    built = build(load_inputs(example_store, resources.catalog()), 2011, 2015)
    docx = out / "report-2011-2015.docx"
    docx.write_bytes(built.docx)
    (out / "report-2011-2015.xlsx").write_bytes(built.xlsx)
    profile = tmp_path / "lo-profile"
    conf = tmp_path / "fonts.conf"
    conf.write_text(FONTS_CONF.format(aliases=ROOT / "data" / "fonts" / "cjk-aliases.conf"), encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)], capture_output=True, text=True, timeout=180, env=env)
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
