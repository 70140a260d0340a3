"""The report's charts on any PC: without a browser they are drawn with matplotlib, a browser
that hangs is killed at the time limit, and a chart that cannot be drawn is left out with a
message -- never a hang, never a traceback, always a .docx."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
from docx import Document

import resources
from reports import charts
from reports.build import build
from reports.content import load_inputs

ROOT = Path(__file__).resolve().parents[1]
AREAS = ["维权工作", "基层组织建设", "职工素质", "服务帮扶", "枢纽型社会组织", "工会自身建设"]


def no_browser_env() -> dict:
    """A PC without Chrome: BROWSER_PATH points nowhere and PATH holds only Python."""
    env = {k: v for k, v in os.environ.items() if k not in ("BROWSER_PATH", "PATH")}
    env["BROWSER_PATH"] = "/nonexistent/chrome"
    env["PATH"] = str(Path(sys.executable).parent)
    return env


def captions(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]


def test_cli_without_a_browser_writes_the_report_with_its_charts_in_under_30_s(example_url, tmp_path):
    out = tmp_path / "report.docx"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "reports", "--span", "2011-2015", "--out", str(out), "--db", example_url],
                          cwd=ROOT, env=no_browser_env(), capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ChromeNotFound" not in done.stderr
    assert elapsed < 30, elapsed
    doc = Document(out)
    assert len(doc.inline_shapes) == 6
    assert len(captions(doc)) == 6


def test_a_browser_that_hangs_is_killed_at_the_time_limit_and_matplotlib_draws(example_store, tmp_path, monkeypatch):
    pidfile = tmp_path / "browser.pid"
    fake = tmp_path / "chrome"
    fake.write_text(f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    monkeypatch.setenv("UNION_CHART_TIMEOUT", "8")
    started = time.perf_counter()
    built = build(load_inputs(example_store, resources.catalog()), 2011, 2015)
    assert time.perf_counter() - started < 60  # the 8 s limit, then matplotlib; never the 600 s sleep
    assert built.chart_engines == ["matplotlib"] * 6
    assert any("8秒" in m for m in built.messages), built.messages
    assert len(Document(io.BytesIO(built.docx)).inline_shapes) == 6
    if pidfile.exists():  # the browser was started: it must be gone now
        pid = int(pidfile.read_text())
        time.sleep(0.2)
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split()[2] == "Z"


def test_a_chart_whose_drawing_fails_is_left_out_with_a_message(example_store, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    real = charts.matplotlib_png

    def failing(fig, **kw):
        if "职工素质" in (fig.layout.title.text or ""):
            raise MemoryError("out of memory while drawing")
        return real(fig, **kw)

    monkeypatch.setattr(charts, "matplotlib_png", failing)
    # the report's worker process draws nothing here: every chart is drawn in this process
    monkeypatch.setattr(charts, "_worker_pngs", lambda *args, **kwargs: ({}, {}, False))
    built = build(load_inputs(example_store, resources.catalog()), 2011, 2015)
    assert built.chart_engines == ["matplotlib", "matplotlib", None, "matplotlib", "matplotlib", "matplotlib"]
    assert len(built.messages) == 1 and "职工素质" in built.messages[0] and "out of memory" in built.messages[0]
    doc = Document(io.BytesIO(built.docx))
    assert len(doc.inline_shapes) == 5
    # the figures are numbered without a gap, and the area without its chart keeps its text
    assert [c.split("　")[0] for c in captions(doc)] == ["图1", "图2", "图3", "图4", "图5"]
    assert not any("职工素质" in c for c in captions(doc))
    assert any("培训职工5000余人次" in p.text for p in doc.paragraphs)


def test_a_figure_matplotlib_cannot_draw_gives_none_and_names_the_chart():
    bars = go.Figure(go.Bar(x=["2011", "2012"], y=[1, 2], text=["1", "2"]), layout={"title": {"text": "会员"}})
    pie = go.Figure(go.Pie(labels=["甲", "乙"], values=[1, 2]))
    out = charts.render_charts([bars, pie, None], titles=["会员", "饼图", "空"], engine="matplotlib")
    assert out.pngs[0][:8] == b"\x89PNG\r\n\x1a\n" and out.pngs[1] is None and out.pngs[2] is None
    assert out.engines == ["matplotlib", None, None]
    assert len(out.messages) == 1 and "饼图" in out.messages[0]


def test_matplotlib_finds_a_chinese_font():
    """fonts-noto-cjk (CI installs it) gives matplotlib a font with Chinese glyphs, not boxes."""
    assert charts.cjk_font() in charts.CJK_FONTS or "CJK" in (charts.cjk_font() or "")


def test_no_browser_is_found_when_browser_path_points_nowhere(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    assert charts.find_browser() is None
    monkeypatch.delenv("BROWSER_PATH")
    if Path("/usr/bin/chromium").exists():
        assert charts.find_browser() is not None


def test_cli_asked_for_browser_charts_without_a_browser_warns_per_chart_and_still_writes(example_url, tmp_path):
    out = tmp_path / "report.docx"
    done = subprocess.run([sys.executable, "-m", "reports", "--span", "2011-2015", "--out", str(out), "--db", example_url,
                           "--charts", "browser"], cwd=ROOT, env=no_browser_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("警告: ")]
    assert len(warnings) == 6 and all("未找到Chrome类浏览器" in w for w in warnings), done.stderr
    assert "维权工作" in warnings[0] and "Traceback" not in done.stderr
    doc = Document(out)
    assert len(doc.inline_shapes) == 0 and any("发展会员7167人" in p.text for p in doc.paragraphs)
