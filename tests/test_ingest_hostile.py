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
