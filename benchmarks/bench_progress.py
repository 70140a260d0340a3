"""Benchmark: progress against the goals for all goals and all units.

Makes a synthetic org tree (1 federation, communities of 20 enterprises each) with 28 quarters
(2011Q1-2017Q4) of every indicator the example plan's goals need, then times, in one run:

* baseline: ``progress.evaluate`` of all 19 goals for the federation (with projections);
* ``goals.all_quarterly``: every unit's roll-up at once;
* ``goals.evaluate_units``: every goal for every unit (pace and outlook, no projections),
  i.e. the units page's grid with "all units".

Usage: ``python benchmarks/bench_progress.py [n_units ...]`` (default 500 2000).
"""

from __future__ import annotations

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


def timed(fn, repeat: int = 1):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main(sizes: list[int]) -> None:
    plan = resources.example_plan()
    targets = pd.DataFrame([{"plan": "P", "unit": "", "indicator": g["indicator"], "target_type": g["target_type"],
                             "base_value": np.nan, "target_value": g.get("target", np.nan),
                             "attribute": g.get("attribute", "预期性"), "goal_direction": g.get("goal_direction", ""),
                             "goal_text_zh": "", "goal_text_en": ""} for g in plan["goals"]])
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"pandas {pd.__version__}")
    print("| units | observations | baseline: evaluate 19 goals, federation (s) | all_quarterly (s) "
          "| evaluate_units, all units x 19 goals (s) | per unit (ms) | ratio to baseline |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        units, obs = synthetic(n)
        allq_t, allq = timed(lambda: G.all_quarterly(obs, units, CAT))
        fed = allq[allq["unit"] == "F"]
        goals = G.plan_goals(targets, fed, CAT, "2016Q1")
        base_t, _ = timed(lambda: progress.evaluate(goals, fed, CAT, "2016Q1", "2020Q4", "2017Q4"), repeat=5)
        all_t, ev = timed(lambda: G.evaluate_units(goals, allq, CAT, "2016Q1", "2020Q4", "2017Q4",
                                                   list(units["code"]), "F"))
        assert len(ev) == n * len(goals)
        check = rollup.quarterly(obs, units, CAT, "F")
        assert np.allclose(check.sort_values(["indicator", "period"])["value"].to_numpy(),
                           fed.sort_values(["indicator", "period"])["value"].to_numpy(), equal_nan=True)
        print(f"| {n:,} | {len(obs):,} | {base_t:.3f} | {allq_t:.2f} | {all_t:.1f} | {all_t / n * 1000:.1f} "
              f"| {all_t / base_t:,.0f}x |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 2000])
