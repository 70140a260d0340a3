"""``python -m reports status``: every goal as the progress page shows it, as a table or JSON;
on an empty database the example data is loaded first, and the command says so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return subprocess.run([sys.executable, "-m", "reports", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_status_json_is_the_progress_page_rows(example_url):
    import app_cache

    done = run("status", "--db", example_url, "--json", "--as-of", "2017Q2", "--unit", "C01")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["plan"], out["unit"], out["as_of"], out["incomplete"], out["held"]) == ("2016-2020", "C01", "2017Q2", False, False)
    page = app_cache.evaluation("2016-2020", "C01", "2017Q2")
    assert [g["indicator"] for g in out["goals"]] == list(page["indicator"])
    for goal, (_, row) in zip(out["goals"], page.iterrows()):
        assert (goal["status"], goal["outlook"]) == (row["status"], row["outlook"])
        for col in ("base", "current", "target", "progress", "elapsed"):
            assert (goal[col] is None and row[col] != row[col]) or goal[col] == pytest.approx(row[col])
        for flag in ("reported", "expected", "incomplete", "carried_units", "base_incomplete", "held", "judged_at"):
            assert goal[flag] == row[flag]


def test_status_without_as_of_uses_the_quarter_the_dashboard_opens_on(example_url):
    done = run("status", "--db", example_url)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first == "2016-2020 · LGQ · 2017Q4"
    table = done.stdout.splitlines()[2:]
    assert table[0].split()[:3] == ["indicator", "status", "outlook"]
    assert any(line.startswith("members ") and "behind 滞后" in line for line in table)


def test_status_of_a_half_reported_quarter_shows_the_flags(example_store, example_url):
    from store.db import NewUpload
    from metrics import rollup

    obs = rollup.current(example_store.observations())
    early = obs[(obs["period"] == "2017Q4") & (obs["unit"] == "C01")].assign(period="2018Q1")
    example_store.add_upload(NewUpload("C01-2018Q1.xlsx", b"early", "clerk",
                                       early[["unit", "indicator", "period", "value", "approximate"]], "2018Q1"))
    done = run("status", "--db", example_url, "--as-of", "2018Q1", "--lang", "en")
    assert done.returncode == 0, done.stderr
    head = done.stdout.splitlines()[0]
    assert "1/84 reported" in head and "judged_at 2017Q4" in head
    assert "incomplete 1/84" in done.stdout and "held 2017Q4" in done.stdout
    # without --as-of: the dashboard opens on the latest complete quarter, 2017Q4
    assert run("status", "--db", example_url).stdout.splitlines()[0].endswith("2017Q4")


def test_every_command_loads_the_example_data_into_an_empty_database_and_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    done = run("status", "--db", url, "--as-of", "2017Q4")
    assert done.returncode == 0, done.stderr
    assert "已载入示例数据" in done.stderr
    assert "members" in done.stdout
    again = run("status", "--db", url, "--as-of", "2017Q4")
    assert "示例数据" not in again.stderr  # loaded once only
    url2 = f"sqlite:///{tmp_path / 'empty2.sqlite'}"
    report = run("--span", "2011-2015", "--out", str(tmp_path / "r.docx"), "--db", url2, "--no-charts", "--lang", "en")
    assert report.returncode == 0, report.stderr
    assert "loaded the example data" in report.stderr and (tmp_path / "r.docx").exists()


def test_status_refuses_bad_arguments(example_url):
    bad = run("status", "--db", example_url, "--unit", "NOPE")
    assert bad.returncode == 2 and "NOPE" in bad.stderr
    bad = run("status", "--db", example_url, "--as-of", "2017-4")
    assert bad.returncode == 2 and "2017Q4" in bad.stderr
    bad = run("status", "--db", example_url, "--plan", "1999-2003")
    assert bad.returncode == 2 and "1999-2003" in bad.stderr


def test_every_status_option_is_in_the_readme():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "reports", "status", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out)) - {"--help"}
    assert options >= {"--plan", "--as-of", "--unit", "--db", "--json", "--lang"}
    assert not sorted(o for o in options if o not in readme)
    assert "python -m reports status" in readme
