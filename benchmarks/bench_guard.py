"""What the upload guard and the child process cost, and how fast hostile files are refused.

    /work/main/.venv/bin/python benchmarks/bench_guard.py [--rows 20000] [--repeat 3] [--corpus]

Normal files: the example workbook of 2017Q4 and the 20,000-row workbook of bench_ingest.py.
For each: ``guard.check`` alone; the spreadsheet library's read in process and in the forked
child (``ingest.isolate``); and ``dry_run`` as shipped (guard + child) against the same with
the guard's scan and the child turned off, in the same run. ``--corpus``: each hostile file of
tests/data/hostile/make_corpus.py through ``python -m ingest`` in its own process (time from
after the imports, peak resident memory of the process).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pandas as pd  # noqa: E402

import resources  # noqa: E402
from bench_ingest import workbook  # noqa: E402
from ingest import guard, isolate, reader  # noqa: E402
from ingest.importer import dry_run  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        guard._PASSED.clear()
        start = time.perf_counter()
        fn()
        runs.append(round(time.perf_counter() - start, 3))
    return statistics.median(runs), runs


def normal_files(rows: int, repeat: int) -> None:
    catalog = resources.catalog()
    empty = pd.DataFrame(columns=["unit", "indicator", "period", "value", "approximate"])
    big, big_units, _ = workbook(rows)
    files = [("example 2017Q4", (resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes(), resources.example_units()),
             (f"{rows:,} rows", big, big_units)]
    print("| file | guard.check (s) | library in process (s) | library in child (s) | dry_run, no guard scan or child (s) "
          "| dry_run as shipped (s) | shipped / without |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    check = guard.check
    for name, raw, units in files:
        g = timed(lambda: guard.check(raw, "f.xlsx"), repeat)
        inproc = timed(lambda: reader._workbook_sheets(raw, "f.xlsx"), repeat)
        child = timed(lambda: isolate.run_limited(reader._workbook_sheets, raw, "f.xlsx", where="f"), repeat)
        guard.check, isolate.ENABLED = guard.sniff, False
        try:
            off = timed(lambda: dry_run(raw, "2016Q1.xlsx", catalog=catalog, units=units, current=empty), repeat)
        finally:
            guard.check, isolate.ENABLED = check, True
        on = timed(lambda: dry_run(raw, "2016Q1.xlsx", catalog=catalog, units=units, current=empty), repeat)
        print(f"| {name} | {g[0]} {g[1]} | {inproc[0]} {inproc[1]} | {child[0]} {child[1]} | {off[0]} {off[1]} "
              f"| {on[0]} {on[1]} | {on[0] / off[0]:.2f}x |")


def corpus() -> None:
    from tests.data.hostile import make_corpus
    from tests.test_ingest_hostile import DRIVER

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus.build(Path(tmp) / "corpus")
        db = f"sqlite:///{tmp}/bench.sqlite"
        print("| case | size (bytes) | code | time after imports (s) | peak RSS (MB) |")
        print("| --- | --- | --- | --- | --- |")
        for case, path in paths.items():
            proc = subprocess.run([sys.executable, "-c", DRIVER, str(path), "--db", db, "--json"], cwd=ROOT,
                                  capture_output=True, timeout=300)
            run = json.loads(proc.stdout.decode().strip().splitlines()[-1])
            report = json.loads(run["out"])
            code = report["errors"][0]["code"] if report["errors"] else "(read)"
            print(f"| {case} | {path.stat().st_size:,} | {code} | {run['elapsed']:.2f} | {run['rss_mb']:.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", action="store_true")
    args = parser.parse_args()
    normal_files(args.rows, args.repeat)
    if args.corpus:
        corpus()
