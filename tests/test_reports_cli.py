"""``python -m reports`` writes the .docx and .xlsx for a span from a database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_writes_docx_and_xlsx(example_url, tmp_path):
    out, xlsx = tmp_path / "r.docx", tmp_path / "sub" / "r.xlsx"
    done = run("--span", "2011-2015", "--out", str(out), "--xlsx", str(xlsx), "--db", example_url, "--no-charts")
    assert done.returncode == 0, done.stderr
    doc = Document(out)
    assert doc.paragraphs[0].text == "卢沟桥街道总工会2011—2015年工作报告（数据部分）"
    assert any("发展会员7167人" in p.text for p in doc.paragraphs)
    assert "主要指标" in load_workbook(xlsx).sheetnames


def test_cli_unit_and_english(example_url, tmp_path):
    out = tmp_path / "c01.docx"
    done = run("--span", "2016—2020", "--out", str(out), "--db", example_url, "--unit", "C01", "--lang", "en", "--no-charts")
    assert done.returncode == 0, done.stderr
    doc = Document(out)
    assert doc.paragraphs[0].text == "Lugouqiao Community Joint Union: work report 2016–2020 (figures)"
    assert any(p.text.startswith("Since 2016, ") for p in doc.paragraphs)


def test_cli_refuses_a_bad_span_or_unit(example_url, tmp_path):
    bad = run("--span", "2011", "--out", str(tmp_path / "x.docx"), "--db", example_url)
    assert bad.returncode == 2 and "2011-2015" in bad.stderr
    bad = run("--span", "2011-2015", "--out", str(tmp_path / "x.docx"), "--db", example_url, "--unit", "NOPE")
    assert bad.returncode == 2 and "NOPE" in bad.stderr
    assert not (tmp_path / "x.docx").exists()
