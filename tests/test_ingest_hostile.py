"""The hostile-file corpus (tests/data/hostile/make_corpus.py), each file given to the command a
clerk runs (``python -m ingest FILE --commit --allow-new-units --json``) in its own process:
refused with the right code and cell in under 2 s and 300 MB peak memory, the database file
byte for byte unchanged. A file that used to abort the process (512 GB allocation) must now
get a report."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.data.hostile import make_corpus

MAX_SECONDS = 2.0
MAX_RSS_MB = 300

# Imports happen before the clock starts: the bound is on reading the file, not on Python start.
DRIVER = r"""
import contextlib, io, json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # a regression fails here, not the machine
import ingest.__main__ as cli
from store.db import open_store
out = io.StringIO()
start = time.perf_counter()
with contextlib.redirect_stdout(out):
    code = cli.main(sys.argv[1:])
elapsed = time.perf_counter() - start
# peak resident memory of this process since exec (ru_maxrss would include the forking parent's)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"exit": code, "elapsed": elapsed, "out": out.getvalue(), "rss_mb": hwm / 1024}))
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return make_corpus.build(tmp_path_factory.mktemp("hostile"))


def run_cli(path: Path, db_url: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(path), "--db", db_url, *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, f"the process died ({proc.returncode}): {proc.stderr.decode()[-2000:]}"
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def db_digest(url: str) -> str:
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


REFUSED = [name for name, (_, _, code, _) in make_corpus.CASES.items() if code is not None]


@pytest.mark.parametrize("case", REFUSED)
def test_hostile_file_is_refused_within_2s_and_300mb_and_nothing_is_stored(case, corpus, example_url):
    _, _, code, where = make_corpus.CASES[case]
    before = db_digest(example_url)
    run = run_cli(corpus[case], example_url, "--commit", "--allow-new-units", "--json")
    report = json.loads(run["out"])
    assert run["exit"] == 2, report
    assert [e["code"] for e in report["errors"]] == [code], report["errors"]
    error = report["errors"][0]
    if where:
        assert error["where"] == where
        assert where in error["message"]
    assert report["committed"] is None
    assert run["elapsed"] < MAX_SECONDS, f"{case}: {run['elapsed']:.2f} s"
    assert run["rss_mb"] < MAX_RSS_MB, f"{case}: {run['rss_mb']:.0f} MB"
    assert db_digest(example_url) == before


def test_a_sheet_nested_100000_deep_is_read_within_the_bounds(corpus, example_url):
    before = db_digest(example_url)
    run = run_cli(corpus["xlsx_deeply_nested"], example_url, "--json")
    report = json.loads(run["out"])
    assert run["exit"] == 0 and report["counts"]["read"] == 2, report
    assert run["elapsed"] < MAX_SECONDS and run["rss_mb"] < MAX_RSS_MB, run
    assert db_digest(example_url) == before


@pytest.mark.parametrize("case", ["csv_control_chars", "xlsx_control_chars"])
def test_control_characters_are_stripped_with_a_warning_and_never_printed_raw(case, corpus, example_url):
    """ESC sequences, BEL, C1 and right-to-left overrides in unit and sheet names: removed
    (the unit is then recognised), one warning naming the cells, and the command line prints
    none of them raw, in its text report or its JSON."""
    from tests.ingest_fixtures import run, stored

    path = corpus[case]
    p = run(path.read_bytes(), path.name, allow_new_units=True)
    warning = next(f for f in p.report.warnings if f.code == "control_chars")
    assert warning.where in (f"{path.name}!A2", "季度数据!A1")
    assert stored(p)[("C01", "members")] == 200  # 卢沟桥<ESC>[31m社区联合工会 is 卢沟桥社区联合工会
    names = " ".join(p.new_units["name_zh"]) if len(p.new_units) else ""
    assert not any(ch in names for ch in "\x1b\x07\x9b\u202e\u202c"), names
    for args in ((), ("--json",), ("--allow-new-units",)):
        out = run_cli(path, example_url, *args)["out"]
        assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\u202c"), repr(out)
        if args == ("--json",):
            assert "control_chars" in {w["code"] for w in json.loads(out)["warnings"]}


def test_a_file_name_with_escape_sequences_is_not_printed_raw(tmp_path, example_url):
    path = tmp_path / "2016Q1\x1b[2J\u202e.csv"
    path.write_bytes(make_corpus.csv_big5())
    out = run_cli(path, example_url)["out"]
    assert "encoding" in out or "编码" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert "2016Q1" in out  # the file is still named (its control characters stripped or escaped)


@pytest.mark.parametrize("case, encoding", [("csv_big5", "Big5"), ("csv_shift_jis", "Shift-JIS"),
                                            ("csv_utf16", "UTF-16")])
def test_a_csv_in_another_encoding_is_refused_naming_it_and_what_to_do(case, encoding, corpus):
    from tests.ingest_fixtures import run

    p = run(corpus[case].read_bytes(), "季度.csv", allow_new_units=True)
    f = p.report.errors[0]
    assert f.code == "encoding_unsupported" and f.params["encoding"] == encoding
    assert "季度.csv" in f.message("zh") and "UTF-8" in f.message("zh") and encoding in f.message("en")
    assert p.values.empty and p.new_units.empty


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_in_utf8_or_gbk_still_reads(encoding):
    from tests.ingest_fixtures import csv_bytes, run, stored

    rows = [["单位名称", "会员人数", "培训职工"], ["卢沟桥社区联合工会", 120, 5], ["小瓦窑社区联合工会", 80, 3],
            ["卢沟桥街道机关工会（含离退休）", 12, 1]]
    p = run(csv_bytes(rows, encoding), "2016Q1.csv")
    assert "encoding_unsupported" not in p.report.codes()
    assert stored(p)[("C01", "members")] == 120


def test_a_hostile_upload_shows_the_refusal_and_the_app_keeps_working(corpus, example_url):
    """Through the upload page: the file that used to abort the server gets its message, and
    the page then takes a good file as usual."""
    from tests.apptest_util import open_page
    from tests.test_page_upload import edited_example

    before = db_digest(example_url)
    at = open_page("upload")
    raw = corpus["xlsx_cell_xfd1048576_no_dimension"].read_bytes()
    at.file_uploader(key="upload_file").upload("2016Q1.xlsx", raw).run()
    assert not at.exception
    assert any("季度数据!XFD1048576" in e.value for e in at.error), [e.value for e in at.error]
    assert db_digest(example_url) == before
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    assert not at.exception and not at.error
    assert at.metric[0].value != "0"


def test_without_the_guard_the_child_process_still_saves_the_command(corpus, example_url):
    """Defence in depth: with the guard switched off, the file that made the library abort
    (512 GB allocation) kills only the reading child; the command reports read_limit."""
    before = db_digest(example_url)
    driver = DRIVER.replace("import ingest.__main__ as cli",
                            "import ingest.__main__ as cli\nfrom ingest import guard\nguard.check = guard.sniff")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", driver, str(corpus["xlsx_cell_xfd1048576_no_dimension"]), "--db",
                           example_url, "--json", "--commit"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    run = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    report = json.loads(run["out"])
    assert run["exit"] == 2 and [e["code"] for e in report["errors"]] == ["read_limit"], report
    assert db_digest(example_url) == before
