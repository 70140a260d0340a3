"""From the stored plan to the frames the progress pages show: the plan's goals with their
bases, per-unit quotas, every unit's roll-up at once, the status grid of units by goals, and
the paths drawn on an indicator's chart.

Pure, like the rest of ``metrics/``: frames in, new frames out, inputs never changed. The
method itself (progress, pace status, outlook, projection) is :mod:`metrics.progress`.

Frames used here
----------------

``targets``: the store's targets (``plan, indicator, unit, target_type, base_value,
target_value, attribute, goal_direction, goal_text_zh, goal_text_en``; ``unit`` empty for a
plan goal, a unit code for that unit's quota).

``plans``: the store's plans (``code, start_period, end_period, base_period, ...``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from metrics import grid, periods, progress
from metrics.catalog import Catalog

GOAL_COLUMNS = ["indicator", "target_type", "base", "target", "attribute", "goal_direction",
                "goal_text_zh", "goal_text_en", "base_source"]

# The units page shows every unit by default up to this many units (else the chosen unit's
# children): the vectorised grid takes ~0.1 s for 500 units (benchmarks/RESULTS.md).
ALL_UNITS_DEFAULT_MAX = 200


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float | int | np.floating | np.integer) and math.isnan(float(x)))


def current_plan(plans: pd.DataFrame, quarter: str | None) -> str | None:
    """The code of the plan whose span contains ``quarter``; else the latest plan that started
    before it; else the first plan; None when there is none.

    >>> current_plan(pd.DataFrame({"code": ["A", "B"], "start_period": ["2016Q1", "2021Q1"],
    ...                            "end_period": ["2020Q4", "2025Q4"]}), "2017Q4")
    'A'
    """
    if plans.empty:
        return None
    if not quarter:
        return str(plans["code"].iloc[-1])
    q = periods.index(quarter)
    start = plans["start_period"].map(periods.index)
    end = plans["end_period"].map(periods.index)
    inside = plans[(start <= q) & (q <= end)]
    if len(inside):
        return str(inside["code"].iloc[-1])
    before = plans[start <= q]
    if len(before):
        return str(before.loc[before["start_period"].map(periods.index).idxmax(), "code"])
    return str(plans["code"].iloc[0])


def plan_goals(targets: pd.DataFrame, quarters: pd.DataFrame, catalog: Catalog, plan_start: str) -> pd.DataFrame:
    """The plan's goals (rows with an empty ``unit``) as :func:`metrics.progress.evaluate`
    wants them: ``base``/``target`` from ``base_value``/``target_value``.

    A goal with no base in the plan takes it from the data (``quarters``: the federation's
    roll-up) with :func:`metrics.progress.base_value`: the base-period value (the quarter
    before ``plan_start``) for stocks and rates, the base year's sum for flows (all four
    quarters needed). ``base_source`` says ``"plan"``, ``"data"`` or ``""`` (none found).
    Goals for indicators missing from the catalog are dropped. Catalog order.
    """
    if targets.empty:
        return pd.DataFrame(columns=GOAL_COLUMNS)
    plan = targets[(targets["unit"].fillna("") == "") & targets["indicator"].isin(set(catalog.codes))]
    rows = []
    for t in plan.to_dict("records"):
        ind = catalog[t["indicator"]]
        base, source = t.get("base_value"), "plan"
        if _nan(base):
            base = progress.base_value(quarters, ind, plan_start)
            source = "" if _nan(base) else "data"
        rows.append({
            "indicator": ind.code, "target_type": t.get("target_type") or "level",
            "base": float(base) if not _nan(base) else math.nan,
            "target": math.nan if _nan(t.get("target_value")) else float(t["target_value"]),
            "attribute": t.get("attribute") or "", "goal_direction": t.get("goal_direction") or "",
            "goal_text_zh": t.get("goal_text_zh") or "", "goal_text_en": t.get("goal_text_en") or "",
            "base_source": source,
        })
    order = {c: i for i, c in enumerate(catalog.codes)}
    out = pd.DataFrame(rows, columns=GOAL_COLUMNS)
    return out.sort_values("indicator", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def quotas(targets: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per-unit quotas (上级下达任务): ``{unit: {indicator: target_value}}`` from the rows
    with a unit code and a number."""
    out: dict[str, dict[str, float]] = {}
    if targets.empty:
        return out
    rows = targets[(targets["unit"].fillna("") != "") & targets["target_value"].notna()]
    for r in rows.itertuples(index=False):
        out.setdefault(str(r.unit), {})[str(r.indicator)] = float(r.target_value)
    return out


# --------------------------------------------------------------------------- every unit at once


def ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """``unit, ancestor`` pairs: each unit with itself and every unit above it."""
    parent = dict(zip(units["code"].astype(str), units["parent"].fillna("").astype(str)))
    rows = []
    for code in parent:
        node, seen = code, set()
        while node and node not in seen:
            rows.append((code, node))
            seen.add(node)
            node = parent.get(node, "")
    return pd.DataFrame(rows, columns=["unit", "ancestor"])


def all_quarterly(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, *,
                  carry: bool = True) -> pd.DataFrame:
    """:func:`metrics.rollup.quarterly` for every unit in one pass, with a ``unit`` column
    (the unit whose subtree was rolled up): ``unit, indicator, period, value, approximate,
    n_units, carried_units``. Rates from the paired parts (:func:`metrics.rollup.paired_parts`),
    stocks of a unit that missed a quarter carried (:func:`metrics.rollup.carry_forward`), as
    in rollup."""
    from metrics import rollup

    cols = ["unit", "indicator", "period", "value", "approximate", "n_units", "carried_units"]
    obs = observations[observations["value"].notna()][["unit", "indicator", "period", "value", "approximate"]]
    if obs.empty:
        return pd.DataFrame(columns=cols)
    obs = rollup.carry_forward(obs, units, catalog) if carry else obs.assign(carried=False)
    up = ancestors(units)
    wide = obs.merge(up, on="unit")
    summed = (wide.groupby(["ancestor", "indicator", "period"], sort=False)
              .agg(value=("value", "sum"), approximate=("approximate", "any"), n_units=("unit", "nunique"),
                   carried_units=("carried", "sum"))
              .reset_index())
    frames = [summed]
    for ind in catalog:
        if ind.kind != "rate":
            continue
        p = rollup.paired_parts(obs, ind.numerator, ind.denominator)
        if p.empty:
            continue
        p = p.merge(up, on="unit")
        g = p.groupby(["ancestor", "period"], sort=False).agg(
            num=("num", "sum"), den=("den", "sum"), approximate=("approximate", "any"),
            n_units=("unit", "size"), carried_units=("carried", "sum")).reset_index()
        value = np.where(g["den"] > 0, g["num"] / g["den"].where(g["den"] > 0) * 100, np.nan)
        frames.append(pd.DataFrame({"ancestor": g["ancestor"], "indicator": ind.code, "period": g["period"],
                                    "value": value, "approximate": g["approximate"].astype(bool),
                                    "n_units": g["n_units"], "carried_units": g["carried_units"]}))
    out = pd.concat(frames, ignore_index=True).rename(columns={"ancestor": "unit"})
    out = out[out["indicator"].isin(set(catalog.codes))]
    out["approximate"] = out["approximate"].astype(bool)
    out["n_units"] = out["n_units"].astype("int64")
    out["carried_units"] = out["carried_units"].astype("int64")
    return out.sort_values(["unit", "indicator", "period"]).reset_index(drop=True)[cols]


def goals_for_unit(goals: pd.DataFrame, unit_quarters: pd.DataFrame, catalog: Catalog, plan_start: str,
                   unit: str, root: str, unit_quotas: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The goals a unit is measured against: the plan's own for the ``root`` unit (the
    federation that set the plan), otherwise :func:`metrics.progress.unit_goals` (its quota
    where the plan sets one, else the federation's target applied to the unit). Adds
    ``target_source``: ``"plan"``, ``"quota"``, ``"derived"`` or ``""``."""
    if unit == root:
        out = goals.copy()
        out["target_source"] = np.where(out["target"].notna(), "plan", "")
        return out
    return progress.unit_goals(goals, unit_quarters, catalog, plan_start, quotas=unit_quotas)


def evaluate_units(goals: pd.DataFrame, quarters_all: pd.DataFrame, catalog: Catalog, plan_start: str,
                   plan_end: str, as_of: str, units: Iterable[str], root: str,
                   unit_quotas: Mapping[str, Mapping[str, float]] | None = None, *,
                   detail: bool = False) -> pd.DataFrame:
    """Every goal for each of ``units`` against :func:`goals_for_unit`, stacked with ``unit``
    and ``target_source`` columns (unit by unit, goals in the order of ``goals``): the status
    grid of the units page. ``quarters_all`` is an :func:`all_quarterly` frame.

    ``detail=False`` (default: pace and outlook, no projections or trends) computes all units
    at once with :func:`metrics.grid.unit_goals_grid` and
    :func:`metrics.grid.evaluate_grid` (one numpy pass per goal); ``detail=True`` runs
    :func:`evaluate_units_per_unit`. Both give the same values (tests/test_metrics_grid.py).
    A roll-up with two rows for one unit, indicator and quarter also goes unit by unit.
    """
    if detail:
        return evaluate_units_per_unit(goals, quarters_all, catalog, plan_start, plan_end, as_of, units, root,
                                       unit_quotas, detail=True)
    units = [str(u) for u in units]
    if not units:
        return pd.DataFrame(columns=["unit", *progress.EVALUATE_COLUMNS, "target_source"])
    try:
        g = grid.unit_goals_grid(goals, quarters_all, catalog, plan_start, units, unit_quotas)
        mine = (g["unit"] == root).to_numpy()
        if mine.any():  # the federation that set the plan: the plan's own bases and targets
            n = int(mine.sum() // max(len(goals), 1))
            g.loc[mine, "base"] = np.tile(goals["base"].to_numpy(dtype=float), n)
            g.loc[mine, "target"] = np.tile(goals["target"].to_numpy(dtype=float), n)
            g.loc[mine, "target_source"] = np.where(g.loc[mine, "target"].notna(), "plan", "")
        ev = grid.evaluate_grid(g, quarters_all, catalog, plan_start, plan_end, as_of)
    except grid.DuplicateQuarters:
        return evaluate_units_per_unit(goals, quarters_all, catalog, plan_start, plan_end, as_of, units, root,
                                       unit_quotas)
    ev["target_source"] = g["target_source"].to_numpy()
    return ev


def evaluate_units_per_unit(goals: pd.DataFrame, quarters_all: pd.DataFrame, catalog: Catalog, plan_start: str,
                            plan_end: str, as_of: str, units: Iterable[str], root: str,
                            unit_quotas: Mapping[str, Mapping[str, float]] | None = None, *,
                            detail: bool = False) -> pd.DataFrame:
    """The reference for :func:`evaluate_units`: :func:`metrics.progress.evaluate` for each
    of ``units`` in turn against :func:`goals_for_unit` (about 65 ms per unit for 19 goals)."""
    unit_quotas = unit_quotas or {}
    by_unit = {u: part for u, part in quarters_all.groupby("unit", sort=False)}
    empty = quarters_all.iloc[0:0]
    frames = []
    for u in units:
        q = by_unit.get(u, empty)
        g = goals_for_unit(goals, q, catalog, plan_start, u, root, unit_quotas.get(u))
        ev = progress.evaluate(g, q, catalog, plan_start, plan_end, as_of, detail=detail)
        ev.insert(0, "unit", u)
        ev["target_source"] = g["target_source"].to_numpy()
        frames.append(ev)
    if not frames:
        return pd.DataFrame(columns=["unit", *progress.EVALUATE_COLUMNS, "target_source"])
    return pd.concat(frames, ignore_index=True)


def status_grid(evaluated: pd.DataFrame, column: str = "status") -> pd.DataFrame:
    """Units (rows, in the order given) by goals (columns, in goal order): each cell the
    unit's ``column`` code (``status`` or ``outlook``)."""
    units = list(dict.fromkeys(evaluated["unit"]))
    goals = list(dict.fromkeys(evaluated["indicator"]))
    grid = evaluated.pivot(index="unit", columns="indicator", values=column)
    return grid.reindex(index=units, columns=goals)


def counts(evaluated: pd.DataFrame, column: str, order: Iterable[str]) -> dict[str, int]:
    """How many goals have each code of ``column`` (every code of ``order``, zeros kept)."""
    found = evaluated[column].value_counts()
    return {code: int(found.get(code, 0)) for code in order}


def overall(evaluated: pd.DataFrame) -> dict:
    """The header figures: ``elapsed`` (时间进度, the largest over the goals), ``progress``
    (the median 完成进度 of goals with a number), ``goals`` (with a number) and ``period``
    (the latest quarter any goal counts)."""
    numeric = evaluated[evaluated["progress"].notna()]
    latest = [p for p in evaluated["period"] if isinstance(p, str) and p]
    return {
        "elapsed": float(evaluated["elapsed"].max()) if len(evaluated) else math.nan,
        "progress": float(numeric["progress"].median()) if len(numeric) else math.nan,
        "goals": int(len(numeric)),
        "period": max(latest, key=periods.index) if latest else None,
    }


# --------------------------------------------------------------------------- an indicator's chart


def goal_path(quarters: pd.DataFrame, goal: Mapping, catalog: Catalog, plan_start: str, plan_end: str,
              as_of: str) -> pd.DataFrame:
    """What an indicator's chart draws, one row per quarter from the base period to plan end:

    * ``actual``: the value the goal is judged on, up to ``as_of`` -- the quarter's value for
      stocks and rates, the sum of the latest four quarters for a flow with a level (annual)
      target (NaN unless all four are reported), the running total from plan start for a
      cumulative target (0 in the base period; a quarter not reported adds nothing);
    * ``required``: the straight path from the base (0 for a cumulative target) in the base
      period to the target at plan end; NaN without a target (or base);
    * ``target``: the target on every row (NaN without one).

    ``goal`` is one row of :func:`metrics.progress.evaluate` (``indicator, target_type,
    base, target``).
    """
    ind = catalog[goal["indicator"]]
    base_q = periods.previous(plan_start)
    span = periods.span(base_q, plan_end)
    end_i = periods.index(as_of)
    part = quarters[(quarters["indicator"] == ind.code) & quarters["value"].notna()]
    values = dict(zip(part["period"], part["value"].astype(float)))
    kind = goal.get("target_type") or "level"
    actual = []
    running = 0.0
    for p in span:
        if periods.index(p) > end_i:
            actual.append(math.nan)
        elif kind == "cumulative":
            if p != base_q:
                running += values.get(p, 0.0)
            actual.append(running)
        elif ind.kind == "flow":
            window = periods.span(periods.shift(p, -3), p)
            actual.append(sum(values[w] for w in window) if all(w in values for w in window) else math.nan)
        else:
            actual.append(values.get(p, math.nan))
    target = goal.get("target")
    target = math.nan if _nan(target) else float(target)
    start_value = 0.0 if kind == "cumulative" else goal.get("base")
    n = len(span) - 1
    if _nan(target) or _nan(start_value):
        required = [math.nan] * len(span)
    else:
        required = [float(start_value) + (target - float(start_value)) * i / n for i in range(len(span))]
    return pd.DataFrame({"period": span, "actual": actual, "required": required, "target": target})


def children(units: pd.DataFrame, unit: str) -> list[str]:
    """The codes of the units directly below ``unit``, in the tree's order."""
    return [str(c) for c, p in zip(units["code"], units["parent"].fillna("")) if p == unit]


def source_uploads(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, unit: str,
                   indicator: str, start: str, end: str) -> set[int]:
    """The uploads behind ``indicator`` (and a rate's two parts) for ``unit`` and the units
    below it, over the quarters ``start``..``end``: what a figure can be traced back to."""
    from metrics import rollup

    ind = catalog[indicator]
    codes = {indicator} | ({ind.numerator, ind.denominator} if ind.kind == "rate" else set())
    members = set(rollup.subtree(units, unit))
    lo, hi = periods.index(start), periods.index(end)
    part = observations[observations["unit"].isin(members) & observations["indicator"].isin(codes)]
    inside = part["period"].map(periods.index).between(lo, hi)
    return {int(u) for u in part.loc[inside, "upload_id"].unique()}
