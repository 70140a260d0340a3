"""The benchmark harness (``python -m benchmarks``) at size S, once: every figure the issue asks
for is measured (positive, with its same-run baseline where it has one) and written to
RESULTS.md and results.csv."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("overview", "indicator", "progress", "goals", "units")
LEVELS = ("federation", "community", "enterprise")


def test_harness_at_size_s_writes_every_figure_to_results_md_and_csv(tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n\nEarlier text stays.\n", encoding="utf-8")
    work = tmp_path / "work"
    cmd = [sys.executable, "-m", "benchmarks", "--size", "S", "--runs", "1", "--out", str(out), "--work", str(work),
           "--import-rows", "300", "--charts", "matplotlib"]
    env = {k: v for k, v in os.environ.items() if k != "UNION_DB_URL"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    with open(tmp_path / "results.csv", newline="", encoding="utf-8") as f:
        rows = {r["figure"]: r for r in csv.DictReader(f)}
    expected = ["load", "import_dry_run_300", "import_commit_300", "import_calamine_300",
                "import_dry_run_300_peak_rss", "import_commit_300_peak_rss", "page_start", "units_grid_84",
                "units_grid_xlsx_84", "units_grid_xlsx_again_84", "page_units_all_first", "page_units_all_warm",
                "report_charts", "server_rss_end", "server_rss_peak"]
    expected += [f"page_{p}_{lv}_{w}" for p in PAGES for lv in LEVELS for w in ("first", "warm")]
    missing = [name for name in expected if name not in rows]
    assert not missing, missing
    for name in expected:
        row = rows[name]
        assert row["size"] == "S" and row["runs"] == "1" and row["machine"], row
        assert float(row["median_s"]) > 0, row
        if name not in ("units_grid_84", "units_grid_xlsx_again_84"):  # no baseline of their own
            assert float(row["baseline_s"]) > 0 and float(row["ratio"]) > 0, row
    # a process's peak memory is in MB and at least what the interpreter itself takes
    assert rows["import_commit_300_peak_rss"]["unit"] == "MB"
    assert float(rows["import_commit_300_peak_rss"]["median_s"]) > 30

    md = out.read_text(encoding="utf-8")
    assert md.startswith("# Benchmark results\n\nEarlier text stays.")
    assert "## Harness, size S on sqlite" in md and f"{os.cpu_count()} CPUs" in md
    for name in expected:
        assert f"| {name} |" in md, name

    # a second run replaces the section of the same size instead of adding another
    again = subprocess.run(cmd + ["--skip", "import,pages,report"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    md = out.read_text(encoding="utf-8")
    assert md.count("## Harness, size S on sqlite") == 1
    assert "not measured in this run (--skip import)" in md
    with open(tmp_path / "results.csv", newline="", encoding="utf-8") as f:
        assert [r["figure"] for r in csv.DictReader(f)] == ["load"]


def test_harness_reuse_keeps_the_database_an_earlier_run_loaded(tmp_path):
    work = tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if k != "UNION_DB_URL"}
    base = [sys.executable, "-m", "benchmarks", "--size", "S", "--runs", "1", "--work", str(work),
            "--skip", "import,pages,report"]
    first = subprocess.run(base + ["--out", str(tmp_path / "first.md")], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    db = work / "size_S_0.sqlite"
    stamp = db.stat().st_mtime_ns
    again = subprocess.run(base + ["--reuse", "--out", str(tmp_path / "again.md")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert db.stat().st_mtime_ns == stamp  # not loaded again
    text = (tmp_path / "again.md").read_text(encoding="utf-8")
    assert "load: not measured in this run (--reuse of size_S_0.sqlite)" in text
    assert "| load |" not in text
