"""The annual summary and the mid-term review: every figure read back from the .docx and checked
against the metrics computed here independently; a year that is not complete is compared
like for like and never worded as a decline; the required pace follows its formula; the
command line writes both documents; and both render to PDF with Chinese text (page 1 kept as
a picture in test-output/office/)."""

from __future__ import annotations

import io
import math
import re
import subprocess

import pytest
from docx import Document

import resources
from metrics import goals as goal_rows
from metrics import pace, periods, rollup
from metrics.wording import phrase
from reports.annual import build_annual
from reports.content import load_inputs, plan_goals
from reports.midterm import build_midterm
from reports.office_doc import write_office_docx
from tests.conftest import OUTPUT, ROOT
from tests.office_render import require, to_pdf


@pytest.fixture
def inputs(example_store):
    return load_inputs(example_store, resources.catalog())


def _docx(doc):
    return Document(io.BytesIO(write_office_docx(doc)))


def _table_rows(word) -> list[list[str]]:
    table = word.tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def _num(cell: str) -> float:
    cell = cell.replace("约", "").replace(",", "").replace("+", "").replace("−", "-").rstrip("%")
    return float(cell)


# --------------------------------------------------------------------------- the pace formula


def test_required_pace_is_what_is_left_over_the_years_left():
    level = {"target_type": "level", "target": 1800.0, "current": 1640.0}
    need = pace.required_pace(level, "2020Q4", "2017Q4", is_rate=False)
    assert need["years_left"] == 3.0
    assert need["increase"] == pytest.approx(160 / 3)
    assert need["growth"] == pytest.approx((1800 / 1640) ** (1 / 3) - 1)
    cumulative = {"target_type": "cumulative", "target": 2500.0, "current": 900.0}
    need = pace.required_pace(cumulative, "2020Q4", "2018Q2", is_rate=False)
    assert need["years_left"] == 2.5 and need["increase"] == pytest.approx(640.0) and math.isnan(need["growth"])
    rate = {"target_type": "level", "target": 98.0, "current": 95.0}
    need = pace.required_pace(rate, "2020Q4", "2017Q4", is_rate=True)
    assert need["increase"] == pytest.approx(1.0) and math.isnan(need["growth"])  # points, no growth for a rate
    assert pace.required_pace({"target_type": "level", "target": 60.0, "current": 61.0}, "2020Q4", "2017Q4",
                              is_rate=False)["increase"] == 0  # reached: nothing more needed
    assert math.isnan(pace.required_pace({"target_type": "direction", "target": math.nan, "current": 5.0},
                                         "2020Q4", "2017Q4", is_rate=False)["increase"])
    assert pace.plan_pace({"target_type": "cumulative", "target": 6000.0}, "2016Q1", "2020Q4") == 1200
    assert pace.plan_pace({"target_type": "level", "target": 1800.0, "base": 1500.0}, "2016Q1", "2020Q4") == 60


# --------------------------------------------------------------------------- the annual summary


def test_annual_summary_2017_table_figures_match_the_year_and_last_year(inputs):
    catalog = inputs.catalog
    doc = build_annual(inputs, 2017)
    word = _docx(doc)
    rows = _table_rows(word)
    assert rows[0] == ["指标", "本年", "上年", "增减", "增幅", "规划年均", "本年完成", "完成/年均"]
    quarters = rollup.quarterly(inputs.observations, inputs.units, catalog, rollup.root_unit(inputs.units))
    this = rollup.over_span(quarters, catalog, "2017Q1", "2017Q4").set_index("indicator")["value"]
    last = rollup.over_span(quarters, catalog, "2016Q1", "2016Q4").set_index("indicator")["value"]
    by_name = {f"{catalog[c].name('zh')}（{catalog[c].unit_label('zh')}）": catalog[c] for c in this.index}
    goals = plan_goals(inputs, "2016-2020").set_index("indicator")
    checked = 0
    for row in rows[1:]:
        ind = by_name[row[0]]
        assert _num(row[1]) == pytest.approx(this[ind.code], abs=0.005), row
        assert _num(row[2]) == pytest.approx(last[ind.code], abs=0.005), row
        assert _num(row[3]) == pytest.approx(this[ind.code] - last[ind.code], abs=0.011), row
        if not ind.is_percent and last[ind.code]:
            assert _num(row[4]) == pytest.approx((this[ind.code] / last[ind.code] - 1) * 100, abs=0.06), row
        if ind.code in goals.index and goals.at[ind.code, "target_type"] != "direction":
            g = goals.loc[ind.code]
            expected = g["target"] / 5 if g["target_type"] == "cumulative" else (g["target"] - g["base"]) / 5
            assert _num(row[5]) == pytest.approx(expected, abs=0.005), row
            done = this[ind.code] if g["target_type"] == "cumulative" else this[ind.code] - last[ind.code]
            assert _num(row[6]) == pytest.approx(done, abs=0.011), row
            if expected:
                assert _num(row[7]) == pytest.approx(done / expected * 100, abs=0.06), row
            checked += 1
    assert len(rows) > 20 and checked >= 10
    # the sentences state the same figures, worded as the congress report words them
    body = "\n".join(p.text for p in word.paragraphs)
    members = catalog["enterprises_unionized"] if "enterprises_unionized" in catalog else None
    code = next(c for c in this.index if catalog[c].name("zh") == "建会企业数")
    level, change = this[code], this[code] - last[code]
    assert f"建会企业数达到{phrase(level, '家')}，比上年末增加{phrase(change, '家')}" in body
    assert "2017年工作总结（数据部分）" in body and "比上年" in body
    assert members is None or members.code == code


def test_annual_summary_of_an_incomplete_year_compares_the_same_quarters_and_names_the_rest(inputs):
    """Only some units have reported 2017Q4: the year runs to 2017Q3, last year to 2016Q3,
    and the fourth quarter is named as left out, not counted as a fall."""
    catalog = inputs.catalog
    obs = inputs.observations
    some = sorted(obs.loc[obs["period"] == "2017Q4", "unit"].unique())[:5]
    inputs.observations = obs[~((obs["period"] == "2017Q4") & ~obs["unit"].isin(some))].reset_index(drop=True)
    doc = build_annual(inputs, 2017)
    assert doc.as_of == "2017Q3"
    word = _docx(doc)
    body = "\n".join(p.text for p in word.paragraphs)
    assert "2017年第四季度只有部分单位上报，未计入" in body
    assert "上年同期" in body and "不能视为全年较上年下降" in body
    review = "".join(doc.blocks[0].paragraphs)
    assert "比上年末" not in review  # stocks compared with the same quarter, not last year's end
    quarters = rollup.quarterly(inputs.observations, inputs.units, catalog, rollup.root_unit(inputs.units))
    this = rollup.over_span(quarters, catalog, "2017Q1", "2017Q3").set_index("indicator")["value"]
    last = rollup.over_span(quarters, catalog, "2016Q1", "2016Q3").set_index("indicator")["value"]
    by_name = {f"{catalog[c].name('zh')}（{catalog[c].unit_label('zh')}）": c for c in this.index}
    for row in _table_rows(word)[1:]:
        code = by_name[row[0]]
        assert _num(row[1]) == pytest.approx(this[code], abs=0.005), row
        assert _num(row[2]) == pytest.approx(last[code], abs=0.005), row
        assert row[7] == "—"  # no comparison with the yearly pace before the year is complete
    assert "待全年数据报齐后进行" in body


# --------------------------------------------------------------------------- the mid-term review


def test_midterm_review_table_matches_the_progress_rows_and_the_required_pace(inputs):
    catalog = inputs.catalog
    doc = build_midterm(inputs, "2016-2020", "2017Q4")
    word = _docx(doc)
    rows = _table_rows(word)
    assert rows[0] == ["指标", "单位", "基期值", "目标值", "当前值", "完成进度", "时间进度", "状态", "剩余期需年均"]
    plan = inputs.plans[inputs.plans["code"] == "2016-2020"].iloc[0].to_dict()
    ev = goal_rows.evaluate_plan(inputs.observations, inputs.units, inputs.targets["2016-2020"], plan, catalog,
                                 rollup.root_unit(inputs.units), "2017Q4")
    assert len(rows) - 1 == len(ev)
    for row, (_, g) in zip(rows[1:], ev.iterrows()):
        ind = catalog[g["indicator"]]
        assert row[0] == ind.name("zh")
        assert _num(row[2]) == pytest.approx(g["base"], abs=0.005)
        assert _num(row[4]) == pytest.approx(g["current"], abs=0.005)
        assert row[7] == {"achieved": "提前实现", "ahead": "快于预期", "on_track": "基本符合预期", "behind": "滞后",
                          "far_behind": "严重滞后", "regressing": "倒退", "no_data": "数据不足",
                          "direction_only": "定性目标"}[g["status"]]
        assert _num(row[6]) == pytest.approx(g["elapsed"] * 100, abs=0.05)
        if g["target_type"] == "direction":
            assert row[5] == "—" and row[8] == "—"
            continue
        assert _num(row[5]) == pytest.approx(g["progress"] * 100, abs=0.05)
        left = (periods.index("2020Q4") - periods.index("2017Q4")) / 4
        need = (g["target"] - g["current"]) / left
        reached = g["current"] >= g["target"] if ind.direction == "up" else g["current"] <= g["target"]
        if reached:
            assert row[8] == "已完成"
            continue
        first = re.match(r"[+−][\d.]+", row[8]).group(0)
        assert _num(first) == pytest.approx(need, abs=0.005), row
        if g["target_type"] == "level" and not ind.is_percent:
            growth = (g["target"] / g["current"]) ** (1 / left) - 1
            assert f"年均增长{growth * 100:.1f}%" in row[8], row
        if ind.is_percent:
            assert "个百分点" in row[8]
    body = "\n".join(p.text for p in word.paragraphs)
    assert "时间过半、任务过半" in body and "已实施两年，时间进度40.0%" in body
    numeric = ev[ev["progress"].notna()]
    k = int((numeric["progress"] >= numeric["elapsed"]).sum())
    assert f"有数值目标的{len(numeric)}项指标中，{k}项完成进度达到或超过时间进度" in body
    # the goals at risk: each behind goal is named with the pace it needs
    risk = ev[ev["status"].isin(["behind", "far_behind", "regressing"])]
    assert len(risk)
    for code in risk["indicator"]:
        assert re.search(catalog[code].name("zh") + r"（(约束性|预期性)）：.*剩余3年需年均", body), code


def test_midterm_review_in_english_says_the_same_figures(inputs):
    zh = build_midterm(inputs, "2016-2020", "2017Q4")
    en = build_midterm(inputs, "2016-2020", "2017Q4", lang="en")
    zh_rows, en_rows = zh.blocks[0].table.rows, en.blocks[0].table.rows
    assert [r[4] for r in zh_rows] == [r[4].replace(",", "") for r in en_rows]
    assert "mid-term review" in en.title and "Needed per year" in en.blocks[0].table.header


# --------------------------------------------------------------------------- command line and PDF


def test_command_line_writes_the_annual_summary_and_the_midterm_review(example_url, tmp_path, capsys):
    from openpyxl import load_workbook

    from reports.__main__ import main

    assert main(["annual", "--year", "2017", "--out", str(tmp_path / "a.docx"), "--xlsx", str(tmp_path / "a.xlsx"),
                 "--db", example_url]) == 0
    word = Document(str(tmp_path / "a.docx"))
    assert "卢沟桥街道总工会2017年工作总结（数据部分）" in word.paragraphs[0].text
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert sheet["A1"].value == "指标" and sheet.max_row == len(word.tables[0].rows)
    assert main(["midterm", "--plan", "2016-2020", "--as-of", "2017Q4", "--out", str(tmp_path / "m.docx"),
                 "--db", example_url, "--lang", "en"]) == 0
    assert "mid-term review" in Document(str(tmp_path / "m.docx")).paragraphs[0].text
    with pytest.raises(SystemExit) as bad:
        main(["midterm", "--as-of", "2017", "--out", str(tmp_path / "x.docx"), "--db", example_url])
    assert bad.value.code == 2
    assert main(["annual", "--year", "2030", "--out", str(tmp_path / "x.docx"), "--db", example_url]) == 1
    assert "2030年还没有报齐的季度" in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()




def test_both_render_to_pdf_with_chinese_text_and_page_numbers(inputs, tmp_path):
    require("soffice", "pdftotext", "pdftoppm")
    out = OUTPUT / "office"
    out.mkdir(parents=True, exist_ok=True)
    docs = {"annual-2017": build_annual(inputs, 2017), "midterm-2016-2020": build_midterm(inputs, "2016-2020", "2017Q4")}
    for name, doc in docs.items():
        (out / f"{name}.docx").write_bytes(write_office_docx(doc))
    done = to_pdf([out / f"{n}.docx" for n in docs], tmp_path, tmp_path)
    assert done.returncode == 0, done.stderr
    for name in docs:
        pdf = tmp_path / f"{name}.pdf"
        assert pdf.exists(), done.stderr
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                               capture_output=True, text=True).stdout
        assert re.search(r"—\s*1\s*—", first), first[-300:]
        if name.startswith("annual"):
            assert "卢沟桥街道总工会2017年工作总结（数据部分）" in text
            assert "建会企业数达到1640家，比上年末增加71家" in text
        else:
            assert "中期评估（数据部分）" in text and "剩余期需年均" in text and "时间过半、任务过半" in text
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(out / name)], check=True)


@pytest.mark.parametrize("kind", ["annual", "midterm"])
def test_every_option_of_the_annual_and_midterm_commands_is_in_the_readme(kind):
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "reports", kind, "--help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out)) - {"--help"}
    assert options and not sorted(o for o in options if o not in readme)
    assert f"python -m reports {kind}" in readme
