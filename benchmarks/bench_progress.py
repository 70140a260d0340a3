"""Benchmark: progress against the goals for all goals and all units.

Makes a synthetic org tree (1 federation, communities of 20 enterprises each) with 28 quarters
(2011Q1-2017Q4) of every indicator the example plan's goals need, then times, in one run:

* baseline: ``progress.evaluate`` of all 19 goals for the federation (with projections);
* ``goals.all_quarterly``: every unit's roll-up at once;
* ``goals.evaluate_units``: every goal for every unit (pace and outlook, no projections),
  i.e. the units page's grid with "all units" -- vectorised over units
  (``grid.unit_goals_grid`` + ``grid.evaluate_grid``);
* for sizes up to ``--loop-max`` units (default 500) also the per-unit loop
  (``goals.evaluate_units_per_unit``, the reference), checked equal to the vectorised grid.

Every figure is the median of ``--repeat`` runs (default 3).

Usage: ``python benchmarks/bench_progress.py [--repeat N] [--loop-max N] [n_units ...]``
(default 500 2000 20000).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import resources  # noqa: E402
from metrics import goals as G  # noqa: E402
from metrics import periods, progress, rollup  # noqa: E402

CAT = resources.catalog()
PERIODS = periods.span("2011Q1", "2017Q4")


def synthetic(n_units: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_comm = max(1, n_units // 21)
    codes = ["F"] + [f"C{i:04d}" for i in range(n_comm)] + [f"E{i:05d}" for i in range(n_units - 1 - n_comm)]
    parents = [""] + ["F"] * n_comm + [f"C{i % n_comm:04d}" for i in range(n_units - 1 - n_comm)]
    units = pd.DataFrame({"code": codes, "parent": parents})
    leaves = codes[1 + n_comm:] or codes[1:]
    needed = set()
    for ind in CAT:
        needed.add(ind.code if ind.kind != "rate" else ind.numerator)
        if ind.kind == "rate":
            needed.add(ind.denominator)
    frames = []
    t = np.arange(len(PERIODS))
    for code in sorted(needed):
        kind = CAT[code].kind
        base = rng.uniform(5, 50, size=len(leaves))
        growth = rng.normal(0.01, 0.01, size=len(leaves))
        values = base[:, None] * (1 + growth[:, None]) ** t[None, :]
        if kind == "flow":
            values = rng.poisson(values / 5)
        frames.append(pd.DataFrame({
            "unit": np.repeat(leaves, len(PERIODS)), "indicator": code,
            "period": np.tile(PERIODS, len(leaves)), "value": np.round(values).ravel().astype(float),
            "approximate": False,
        }))
    obs = pd.concat(frames, ignore_index=True)
    # denominators at least their numerators
    for ind in CAT:
        if ind.kind == "rate":
            num = obs["indicator"] == ind.numerator
            den = obs["indicator"] == ind.denominator
            obs.loc[den, "value"] = np.maximum(obs.loc[den, "value"].to_numpy(), obs.loc[num, "value"].to_numpy())
    return units, obs


def timed(fn, repeat: int = 3):
    """Median wall time of ``repeat`` calls, the list of times and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), times, out


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"nproc {os.cpu_count()}, CPU {model}, Python {platform.python_version()}, pandas {pd.__version__}, "
            f"numpy {np.__version__}; load average {load}")


def main(sizes: list[int], repeat: int, loop_max: int) -> None:
    plan = resources.example_plan()
    targets = pd.DataFrame([{"plan": "P", "unit": "", "indicator": g["indicator"], "target_type": g["target_type"],
                             "base_value": np.nan, "target_value": g.get("target", np.nan),
                             "attribute": g.get("attribute", "预期性"), "goal_direction": g.get("goal_direction", ""),
                             "goal_text_zh": "", "goal_text_en": ""} for g in plan["goals"]])
    args = ("2016Q1", "2020Q4", "2017Q4")
    print(f"machine: {machine()}; median of {repeat} runs")
    print("| units | observations | baseline: evaluate 19 goals, federation (s) | all_quarterly (s) "
          "| all units x 19 goals, vectorised (s) | per unit (ms) | ratio to baseline "
          "| per-unit loop (s) | loop / vectorised |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        units, obs = synthetic(n)
        allq_t, allq_times, allq = timed(lambda: G.all_quarterly(obs, units, CAT), repeat)
        fed = allq[allq["unit"] == "F"]
        goals = G.plan_goals(targets, fed, CAT, "2016Q1")
        codes = list(units["code"])
        base_t, base_times, _ = timed(lambda: progress.evaluate(goals, fed, CAT, *args), max(repeat, 5))
        grid_t, grid_times, ev = timed(lambda: G.evaluate_units(goals, allq, CAT, *args, codes, "F"), repeat)
        assert len(ev) == n * len(goals)
        check = rollup.quarterly(obs, units, CAT, "F")
        assert np.allclose(check.sort_values(["indicator", "period"])["value"].to_numpy(),
                           fed.sort_values(["indicator", "period"])["value"].to_numpy(), equal_nan=True)
        loop = ""
        if n <= loop_max:
            loop_t, loop_times, ref = timed(lambda: G.evaluate_units_per_unit(goals, allq, CAT, *args, codes, "F"),
                                            repeat)
            assert (ref["status"] == ev["status"]).all() and (ref["outlook"] == ev["outlook"]).all()
            assert np.allclose(ref["ratio"].to_numpy(float), ev["ratio"].to_numpy(float), equal_nan=True, atol=1e-9)
            loop = f"| {loop_t:.1f} | {loop_t / grid_t:,.0f}x "
            print(f"  runs: loop {[round(x, 2) for x in loop_times]}", file=sys.stderr)
        else:
            loop = "| – | – "
        print(f"  runs: baseline {[round(x, 3) for x in base_times]}, all_quarterly "
              f"{[round(x, 2) for x in allq_times]}, vectorised {[round(x, 3) for x in grid_times]}", file=sys.stderr)
        print(f"| {n:,} | {len(obs):,} | {base_t:.3f} | {allq_t:.2f} | {grid_t:.2f} | {grid_t / n * 1000:.2f} "
              f"| {grid_t / base_t:,.1f}x {loop}|", flush=True)
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[500, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-max", type=int, default=500)
    a = parser.parse_args()
    main(a.sizes, a.repeat, a.loop_max)
