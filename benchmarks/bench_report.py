"""Time to build the congress report: content, charts, .docx and .xlsx, for the example data
and for a large data set (the example data plus N synthetic enterprises, default 1000, each
reporting every indicator the example enterprises report, every quarter 2011Q1-2017Q4).

    python benchmarks/bench_report.py [--enterprises 1000] [--runs 3]

Prints a Markdown table (median of --runs, seconds) for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bootstrap  # noqa: E402
import resources  # noqa: E402
from reports.build import area_figures  # noqa: E402
from reports.charts import render_pngs  # noqa: E402
from reports.content import build_report, load_inputs  # noqa: E402
from reports.docx_writer import write_docx  # noqa: E402
from reports.xlsx_writer import write_xlsx  # noqa: E402
from store.db import open_store  # noqa: E402


def enlarge(inputs, n: int, seed: int = 7):
    """The inputs with ``n`` more enterprises, each a copy of a random example enterprise's
    series scaled by a random factor (so flows and stocks stay plausible)."""
    rng = np.random.default_rng(seed)
    units, obs = inputs.units, inputs.observations
    ents = units[units["level"] == "enterprise"]
    parents = units.loc[units["level"] == "community", "code"].to_numpy()
    new_units, new_obs = [], []
    next_upload = int(obs["upload_id"].max())
    for i in range(n):
        src = ents["code"].iloc[i % len(ents)]
        code = f"BIG{i:05d}"
        new_units.append({"code": code, "name_zh": f"压力测试企业{i}", "name_en": f"Load test {i}",
                          "parent": rng.choice(parents), "level": "enterprise", "is_example": True})
        part = obs[obs["unit"] == src].copy()
        part["unit"] = code
        part["value"] = np.round(part["value"] * rng.uniform(0.5, 1.5))
        new_obs.append(part)
    inputs.units = pd.concat([units, pd.DataFrame(new_units)], ignore_index=True)
    inputs.observations = pd.concat([obs, *new_obs], ignore_index=True)
    return inputs, next_upload


def timed(fn, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def measure(inputs, span, runs, charts=True):
    row = {}
    row["content"], report = timed(lambda: build_report(inputs, *span), runs)
    if charts:
        figures = [f for f in area_figures(report, inputs.catalog) if f is not None]
        row["charts"], pngs = timed(lambda: render_pngs(figures), 1)
    else:
        pngs = []
    row["docx"], docx = timed(lambda: write_docx(report, pngs), runs)
    row["xlsx"], xlsx = timed(lambda: write_xlsx(report), runs)
    row["total"] = sum(row.values())
    row["trace_rows"] = len(report.trace)
    row["docx_kb"], row["xlsx_kb"] = len(docx) // 1024, len(xlsx) // 1024
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("BROWSER_PATH", "/usr/lib/chromium/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite")
        bootstrap.ensure_example_data(store)
        t0 = time.perf_counter()
        inputs = load_inputs(store, resources.catalog())
        load = time.perf_counter() - t0
        results = {}
        for span in [(2011, 2015), (2016, 2020)]:
            results[("example", span)] = measure(inputs, span, args.runs)
        big, _ = enlarge(load_inputs(store, resources.catalog()), args.enterprises)
        for span in [(2011, 2015), (2016, 2020)]:
            results[("large", span)] = measure(big, span, args.runs)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Example data: {len(inputs.units)} units, {len(inputs.observations)} observations; "
          f"large: {len(big.units)} units, {len(big.observations)} observations. Reading the example store: {load:.2f} s.\n")
    print("| data | span | content | charts | docx | xlsx | total | trace rows | .docx KB | .xlsx KB | total vs example |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (data, span), r in results.items():
        base = results[("example", span)]["total"]
        print(f"| {data} | {span[0]}–{span[1]} | {r['content']:.2f} | {r.get('charts', 0):.2f} | {r['docx']:.2f} | "
              f"{r['xlsx']:.2f} | {r['total']:.2f} | {r['trace_rows']} | {r['docx_kb']} | {r['xlsx_kb']} | {r['total'] / base:.1f}× |")


if __name__ == "__main__":
    main()
