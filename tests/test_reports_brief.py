"""The meeting brief (reports/brief.py, ``python -m reports brief``): one A4 page whose every
figure is read back from the PDF (pdftotext) and the .docx and checked against
metrics.goals.evaluate_plan; page 1 rendered to PNG (pdftoppm) for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import docx
import pytest

import resources
from metrics import goals as goal_rows
from metrics import rollup
from reports.content import load_inputs
from store.db import open_store

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "screenshots"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reports", "brief", *args], cwd=ROOT, check=False, capture_output=True,
                          text=True, timeout=600)


def cut(share: float) -> str:
    """完成进度 as the brief words it: cut (never rounded up) to one decimal."""
    text = f"{(Decimal(repr(float(share))) * 100).quantize(Decimal('0.1'), rounding=ROUND_FLOOR):.1f}"
    return text.rstrip("0").rstrip(".") + "%"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def expected_rows(url: str, as_of: str):
    inputs = load_inputs(open_store(url), resources.catalog())
    plan = inputs.plans.iloc[0].to_dict()
    root = rollup.root_unit(inputs.units)
    ev = goal_rows.evaluate_plan(inputs.observations, inputs.units, inputs.targets[plan["code"]], plan,
                                 resources.catalog(), root, as_of)
    return ev, inputs


def check_figures(text: str, ev, inputs) -> None:
    """Every figure of the brief against the evaluated goals."""
    catalog = resources.catalog()
    body = flat(text)
    head = goal_rows.overall(ev)
    assert flat(f"时间进度{cut(head['elapsed'])}；{head['goals']}个有数值目标的完成进度中位数为{cut(head['progress'])}") in body
    counts = goal_rows.counts(ev, "status", ["ahead", "on_track", "behind", "far_behind", "regressing", "direction_only"])
    for code, word in [("ahead", "快于预期"), ("on_track", "基本符合预期"), ("behind", "滞后"), ("far_behind", "严重滞后"),
                       ("regressing", "倒退"), ("direction_only", "定性目标")]:
        assert f"{word}{counts[code]}个" in body
    assert f"已报{int(ev['reported'].iloc[0])}/{int(ev['expected'].iloc[0])}个单位" in body
    below = ev[ev["alert"] != ""]
    assert f"{len(below)}个目标低于进度" in body
    binding = below[below["attribute"] == "约束性"]
    assert f"其中约束性{len(binding)}个" in body
    # each goal below pace with its own figures, binding ones listed first
    positions = {}
    for r in below.to_dict("records"):
        name = catalog[r["indicator"]].name("zh")
        positions[r["indicator"]] = body.index(name + "〔")
        if r["status"] in ("behind", "far_behind"):
            gap = Decimal(cut(r["elapsed"])[:-1]) - Decimal(cut(r["progress"])[:-1])
            gap_text = f"{gap:.1f}".rstrip("0").rstrip(".")
            assert f"完成进度{cut(r['progress'])}，时间进度{cut(r['elapsed'])}，落后{gap_text}个百分点" in body
        elif r["status"] == "regressing":
            assert f"完成进度{cut(r['progress'])}" in body
    first_expected = min(v for k, v in positions.items() if k not in set(binding["indicator"]))
    assert all(positions[c] < first_expected for c in binding["indicator"])
    # the worst three lagging units of each goal are named: the units grid of evaluate_units
    # (the federation's communities), units below pace, largest gap first
    plan = inputs.plans.iloc[0].to_dict()
    root = rollup.root_unit(inputs.units)
    goals = goal_rows.plan_goals(inputs.targets[plan["code"]], rollup.quarterly(inputs.observations, inputs.units, catalog, root),
                                 catalog, plan["start_period"], rollup.coverage(inputs.observations, inputs.units, root))
    grid = goal_rows.evaluate_units(goals, goal_rows.all_quarterly(inputs.observations, inputs.units, catalog), catalog,
                                    plan["start_period"], plan["end_period"], ev["judged_at"].iloc[0],
                                    goal_rows.children(inputs.units, root), root, goal_rows.quotas(inputs.targets[plan["code"]]))
    names = dict(zip(inputs.units["code"], inputs.units["name_zh"]))
    for code in below["indicator"]:
        part = grid[(grid["indicator"] == code) & (grid["alert"] != "")]
        part = part.assign(gap=part["elapsed"] - part["progress"]).sort_values("gap", ascending=False, kind="stable")
        if part["gap"].notna().all() and len(part):
            worst = [names[u] for u in part["unit"].head(3)]
            listed = body[body.index(catalog[code].name("zh") + "〔"):]
            assert flat(f"滞后单位{len(part)}个，最差的：{worst[0]}") in listed
            assert all(w in listed for w in worst)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) missing")
def test_brief_pdf_is_one_page_whose_figures_match_the_progress_rows(example_url, tmp_path):
    out = tmp_path / "brief.pdf"
    done = run("--db", example_url, "--as-of", "2017Q4", "--out", str(out), "--docx", str(tmp_path / "brief.docx"))
    assert done.returncode == 0, done.stderr
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts", info), info  # A4
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True).stdout
    ev, inputs = expected_rows(example_url, "2017Q4")
    check_figures(text, ev, inputs)
    assert "数据截至2017年第四季度" in text
    # the example's two binding goals below pace and their lagging units (evaluate_units of the communities)
    assert flat("1. 职代会建制率〔约束性〕严重滞后") in flat(text)
    assert flat("2. 会员人数〔约束性〕滞后") in flat(text)
    assert "较上季度变差：基本符合预期→滞后" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(out),
                    str(SHOTS / "brief-2017Q4")], check=True)
    assert (SHOTS / "brief-2017Q4.png").stat().st_size > 20_000
    # the .docx carries the same figures
    d = docx.Document(str(tmp_path / "brief.docx"))
    words = "\n".join([p.text for p in d.paragraphs]
                      + [c.text for t in d.tables for row in t.rows for c in row.cells])
    check_figures(words, ev, inputs)
    assert len(d.inline_shapes) == 1  # the six small area charts, one picture


def test_brief_for_an_earlier_quarter_in_english_by_docx_extension(example_url, tmp_path):
    out = tmp_path / "brief.docx"
    done = run("--db", example_url, "--as-of", "2017Q2", "--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    d = docx.Document(str(out))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Data as of 2017 Q2" in text and "Needs attention" in text


def test_brief_refuses_bad_arguments(example_url, tmp_path):
    for args, reason in [(["--out", str(tmp_path / "x.txt")], "must end in .pdf or .docx"),
                         (["--as-of", "2017-4", "--out", str(tmp_path / "x.pdf")], "written like 2017Q4"),
                         (["--unit", "NOPE", "--out", str(tmp_path / "x.pdf")], "unknown unit 'NOPE'")]:
        done = run("--db", example_url, *args)
        assert done.returncode == 2 and reason in done.stderr, done.stderr
    assert not list(tmp_path.glob("x.*"))  # nothing written




@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brief_docx_renders_on_one_a4_page_like_the_pdf(example_url, tmp_path, lang):
    """The .docx as Word/WPS would print it (LibreOffice with the office fonts mapped to the
    installed CJK fonts): exactly one A4 page, as the PDF; page images kept for a person."""
    from tests.office_render import require, to_pdf

    require("soffice", "pdfinfo", "pdftoppm")
    pdf, word = tmp_path / "brief.pdf", tmp_path / f"brief-{lang}.docx"
    done = run("--db", example_url, "--as-of", "2017Q4", "--out", str(pdf), "--docx", str(word), "--lang", lang)
    assert done.returncode == 0, done.stderr
    converted = to_pdf([word], tmp_path / "docx", tmp_path)
    assert converted.returncode == 0, converted.stderr
    rendered = tmp_path / "docx" / f"brief-{lang}.pdf"
    for path in (pdf, rendered):
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        assert re.search(r"Pages:\s+1\b", info), (path.name, info)
        assert re.search(r"Page size:\s+595\.\d* x 841\.\d* pts", info), info  # A4
    text = subprocess.run(["pdftotext", "-layout", str(rendered), "-"], check=True, capture_output=True, text=True).stdout
    if lang == "zh":
        assert "数据截至2017年第四季度" in flat(text) and "需关注" in text and "各方面进度" in text
    else:
        assert "Data as of 2017 Q4" in text and "Needs attention" in text and "Progress by area" in text
        assert not re.search(r"(?<![\d,.])1\s+units\b", text)
        assert "1unitlagging" in flat(text)  # 劳动关系和谐企业: one lagging unit
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(rendered), str(SHOTS / f"brief-docx-{lang}")],
                   check=True)
