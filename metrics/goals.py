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
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from metrics import grid, periods, progress
from metrics.catalog import Catalog

GOAL_COLUMNS = ["indicator", "target_type", "base", "target", "attribute", "goal_direction",
                "goal_text_zh", "goal_text_en", "base_source", "base_incomplete"]

#: The flags :func:`judge` adds to an evaluation, for every page, the report and the command
#: line: ``reported``/``expected`` units in the as-of quarter (已报 n/m), ``incomplete`` (not
#: all expected units reported it), ``carried_units`` (units whose stocks in ``current`` are
#: carried from an earlier report), ``base_incomplete`` (a base taken from data of a quarter
#: not every unit reported), ``held`` (the judgement is that of ``judged_at``, the latest
#: complete quarter, because the incomplete quarter would have made it worse) and ``judged_at``.
FLAG_COLUMNS = ["reported", "expected", "incomplete", "carried_units", "base_incomplete", "held", "judged_at"]

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


def base_incomplete(cover: pd.DataFrame | None, plan_start: str, kind: str) -> bool:
    """True when a base taken from the data rests on a quarter not every unit reported.

    The base quarter (the quarter before ``plan_start``; for a flow the four quarters of the
    base year) must be complete in ``cover`` (:func:`metrics.rollup.coverage`), and must have
    as many reporting units as are expected in the plan's first quarter: a base that counts 5
    units against later totals of 10 is not the same measure.
    """
    if cover is None or cover.empty:
        return False
    base_q = periods.previous(plan_start)
    rows = cover.set_index("period")
    if base_q not in rows.index:
        return True
    quarters = periods.span(periods.shift(base_q, -3), base_q) if kind == "flow" else [base_q]
    if any(q in rows.index and not bool(rows.at[q, "complete"]) for q in quarters):
        return True
    return bool(plan_start in rows.index and int(rows.at[base_q, "n_units"]) < int(rows.at[plan_start, "expected"]))


def base_incomplete_all(cover_all: pd.DataFrame, plan_start: str) -> pd.DataFrame:
    """:func:`base_incomplete` for every unit of a :func:`metrics.rollup.coverage_all` frame at
    once: a frame indexed by unit with bool columns ``flow`` and ``stock`` (stocks and rates)."""
    base_q = periods.previous(plan_start)
    year = periods.span(periods.shift(base_q, -3), base_q)
    units = pd.Index(pd.unique(cover_all["unit"]))
    part = cover_all[cover_all["period"].isin([*year, plan_start])]
    done = part.pivot(index="unit", columns="period", values="complete").reindex(index=units)
    n = part.pivot(index="unit", columns="period", values="n_units").reindex(index=units)
    m = part.pivot(index="unit", columns="period", values="expected").reindex(index=units)

    def col(frame: pd.DataFrame, q: str, fill) -> pd.Series:
        return frame[q].astype(object).where(frame[q].notna(), fill) if q in frame else pd.Series(fill, index=units)

    has_base = done[base_q].notna() if base_q in done else pd.Series(False, index=units)
    fewer = col(n, base_q, 0).astype(float) < col(m, plan_start, 0).astype(float)
    year_open = pd.concat([~col(done, q, True).astype(bool) for q in year], axis=1).any(axis=1)
    stock = ~has_base | ~col(done, base_q, True).astype(bool) | fewer
    flow = ~has_base | year_open | fewer
    return pd.DataFrame({"flow": flow.astype(bool), "stock": stock.astype(bool)}, index=units)


def plan_goals(targets: pd.DataFrame, quarters: pd.DataFrame, catalog: Catalog, plan_start: str,
               cover: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's goals (rows with an empty ``unit``) as :func:`metrics.progress.evaluate`
    wants them: ``base``/``target`` from ``base_value``/``target_value``.

    A goal with no base in the plan takes it from the data (``quarters``: the federation's
    roll-up) with :func:`metrics.progress.base_value`: the base-period value (the quarter
    before ``plan_start``) for stocks and rates, the base year's sum for flows (all four
    quarters needed). ``base_source`` says ``"plan"``, ``"data"`` or ``""`` (none found);
    ``base_incomplete`` flags a base from the data of an incomplete quarter
    (:func:`base_incomplete`, with ``cover``, the federation's coverage), which an
    administrator should enter by hand. Goals for indicators missing from the catalog are
    dropped. Catalog order.
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
            "base_incomplete": bool(source == "data" and base_incomplete(cover, plan_start, ind.kind)),
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
                   detail: bool = False, cover_all: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every goal for each of ``units`` against :func:`goals_for_unit`, stacked with ``unit``
    and ``target_source`` columns (unit by unit, goals in the order of ``goals``): the status
    grid of the units page. ``quarters_all`` is an :func:`all_quarterly` frame.

    With ``cover_all`` (:func:`metrics.rollup.coverage_all`) each unit is judged as
    :func:`judge` does (a unit whose as-of quarter is incomplete keeps its latest complete
    quarter's judgement if the incomplete one would be worse) and the :data:`FLAG_COLUMNS`
    are added.

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
    if cover_all is not None:
        ev = _judge_units(ev, goals, quarters_all, cover_all, catalog, plan_start, plan_end, as_of, root, unit_quotas)
    return ev


def _judge_units(ev: pd.DataFrame, goals: pd.DataFrame, quarters_all: pd.DataFrame, cover_all: pd.DataFrame,
                 catalog: Catalog, plan_start: str, plan_end: str, as_of: str, root: str,
                 unit_quotas) -> pd.DataFrame:
    """:func:`judge` for the stacked evaluation of many units (see :func:`evaluate_units`)."""
    ev = ev.reset_index(drop=True)
    now = cover_all[cover_all["period"] == as_of].drop_duplicates("unit").set_index("unit")
    open_units = set(now.index[~now["complete"].astype(bool)]) & set(ev["unit"])
    redo: dict[str, list[str]] = {}
    if open_units:  # each unit whose quarter is incomplete: its latest complete quarter before
        part = cover_all[cover_all["unit"].isin(open_units) & cover_all["complete"].astype(bool)]
        part = part[part["period"].map(periods.index) < periods.index(as_of)]
        last = part.groupby("unit")["period"].agg(lambda ps: max(ps, key=periods.index))
        floor = periods.index(periods.previous(plan_start))
        for u in dict.fromkeys(ev["unit"]):
            before = last.get(u)
            if u in open_units and before is not None and periods.index(before) >= floor:
                redo.setdefault(before, []).append(u)
    held_at: dict[str, str] = {}
    # each unit's rows of the earlier quarter line up with its rows in ``ev`` by their place
    # within the unit (both are the goals in the order of ``goals``); a unit is held when any
    # of its goals would read worse now. Matched on (unit, place) in one merge, not a mask
    # of the whole stack per unit (quadratic: 20,000 open units after a partial upload).
    place = ev.groupby("unit", sort=False).cumcount().to_numpy()
    for before, codes in redo.items():
        other = evaluate_units(goals, quarters_all, catalog, plan_start, plan_end, before, codes, root, unit_quotas)
        other = other.reset_index(drop=True)
        other["_place"] = other.groupby("unit", sort=False).cumcount().to_numpy()
        rows = pd.DataFrame({"unit": ev["unit"].to_numpy(), "_place": place, "_row": ev.index.to_numpy()})
        both = rows.merge(other.reset_index(names="_other")[["unit", "_place", "_other"]], on=["unit", "_place"],
                          how="inner", validate="one_to_one")
        worse = _worse(ev.loc[both["_row"]], other.loc[both["_other"]])
        held = set(both["unit"][worse])
        if not held:
            continue
        take = both[both["unit"].isin(held)]
        for c in other.columns.drop("_place"):
            ev.loc[take["_row"].to_numpy(), c] = other[c].to_numpy()[take["_other"].to_numpy()]
        held_at.update(dict.fromkeys(held, before))
    units = ev["unit"]
    ev["reported"] = units.map(now["n_units"]).fillna(0).astype("int64").to_numpy()
    ev["expected"] = units.map(now["expected"]).fillna(0).astype("int64").to_numpy()
    ev["incomplete"] = units.isin(open_units).to_numpy()  # a unit with no coverage row: not incomplete
    if "carried_units" in quarters_all and len(quarters_all):
        keys = ["unit", "indicator", "period"]
        carried = ev[keys].merge(quarters_all[[*keys, "carried_units"]].drop_duplicates(keys), on=keys, how="left")
        ev["carried_units"] = np.where(ev["target_type"].to_numpy() == "cumulative", 0,
                                       carried["carried_units"].fillna(0).to_numpy()).astype("int64")
    else:
        ev["carried_units"] = 0
    bases = base_incomplete_all(cover_all, plan_start) if len(cover_all) else pd.DataFrame(columns=["flow", "stock"])
    kind = ["flow" if catalog[c].kind == "flow" else "stock" for c in ev["indicator"]]
    lookup = {(u, k): bool(v) for k in ("flow", "stock") for u, v in bases[k].items()} if len(bases) else {}
    flag = np.array([lookup.get((u, k), False) for u, k in zip(units.tolist(), kind)], dtype=bool)
    source = _goal_base_source_map(goals)
    from_data = ev["target_source"].isin(["derived", "quota"]).to_numpy() | (
        (units == root).to_numpy() & (ev["indicator"].map(source) == "data").to_numpy())
    ev["base_incomplete"] = from_data & ev["base"].notna().to_numpy() & flag
    ev["held"] = units.isin(list(held_at)).to_numpy()
    ev["judged_at"] = np.array([held_at.get(u, as_of) for u in units], dtype=object)
    return ev.reset_index(drop=True)


def _goal_base_source_map(goals: pd.DataFrame) -> dict[str, str]:
    if "base_source" not in goals:
        return {}
    return {str(i): str(s) for i, s in zip(goals["indicator"], goals["base_source"])}


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


def judge(goals: pd.DataFrame, quarters: pd.DataFrame, cover: pd.DataFrame | None, catalog: Catalog,
          plan_start: str, plan_end: str, as_of: str, thresholds: progress.Thresholds | None = None, *,
          detail: bool = True) -> pd.DataFrame:
    """:func:`metrics.progress.evaluate` of one unit's goals, with the :data:`FLAG_COLUMNS`,
    so that a missing report never looks like a decline.

    ``quarters``: the unit's roll-up (stocks of units that missed a quarter carried);
    ``cover``: its :func:`metrics.rollup.coverage`. When ``as_of`` is incomplete (not every
    expected unit reported it), the goals are also evaluated at the latest complete quarter
    before it; if any goal's status or outlook would be more urgent at ``as_of`` than there,
    every goal keeps the judgement of that complete quarter (``held``, ``judged_at``): absence
    alone never makes a status worse, and one quarter's judgement is never mixed with
    another's. Otherwise the judgement at ``as_of`` stands, marked ``incomplete``.
    A goal's base from the data is flagged ``base_incomplete`` (:func:`base_incomplete`);
    a plan base entered by hand is not.
    """
    ev = progress.evaluate(goals, quarters, catalog, plan_start, plan_end, as_of, thresholds, detail=detail)
    row = cover[cover["period"] == as_of] if cover is not None and len(cover) else pd.DataFrame()
    reported = int(row["n_units"].iloc[0]) if len(row) else 0
    expected = int(row["expected"].iloc[0]) if len(row) else 0
    incomplete = bool(len(row) and not bool(row["complete"].iloc[0]))
    held, judged_at = False, as_of
    if incomplete:
        from metrics import rollup

        before = rollup.latest_complete(cover, upto=periods.previous(as_of))
        if before is not None and periods.index(before) >= periods.index(periods.previous(plan_start)):
            ev_c = progress.evaluate(goals, quarters, catalog, plan_start, plan_end, before, thresholds,
                                     detail=detail)
            if _worse(ev, ev_c).any():
                ev, held, judged_at = ev_c, True, before
    ev = ev.copy()
    ev["reported"], ev["expected"], ev["incomplete"] = reported, expected, incomplete
    ev["carried_units"] = _carried(ev, quarters)
    ev["base_incomplete"] = _base_flags(goals, cover, catalog, plan_start)
    ev["held"], ev["judged_at"] = held, judged_at
    return ev


_STATUS_RANK = {c: i for i, c in enumerate(progress.STATUS_URGENCY)}
_OUTLOOK_RANK = {c: i for i, c in enumerate(progress.OUTLOOK_URGENCY)}


def _worse(now: pd.DataFrame, before: pd.DataFrame) -> np.ndarray:
    """Per goal: is (status, outlook) more urgent in ``now`` than in ``before``?"""
    # (status rank, outlook rank) compared as pairs: a lower status rank, or the same status
    # and a lower outlook rank, is more urgent; an unranked code is never worse
    s_now = now["status"].map(_STATUS_RANK).to_numpy(dtype=float)
    s_before = before["status"].map(_STATUS_RANK).to_numpy(dtype=float)
    o_now = now["outlook"].map(_OUTLOOK_RANK).to_numpy(dtype=float)
    o_before = before["outlook"].map(_OUTLOOK_RANK).to_numpy(dtype=float)
    return (s_now < s_before) | ((s_now == s_before) & (o_now < o_before))


def _carried(ev: pd.DataFrame, quarters: pd.DataFrame) -> np.ndarray:
    """Per goal: units whose stocks in ``current`` were carried (0 for flows and cumulative goals)."""
    if "carried_units" not in quarters or quarters.empty:
        return np.zeros(len(ev), dtype=np.int64)
    look = quarters.set_index(["indicator", "period"])["carried_units"]
    look = look[~look.index.duplicated()]
    out = []
    for ind, period, kind in zip(ev["indicator"], ev["period"], ev["target_type"]):
        out.append(int(look.get((ind, period), 0)) if isinstance(period, str) and kind != "cumulative" else 0)
    return np.array(out, dtype=np.int64)


def _base_flags(goals: pd.DataFrame, cover, catalog: Catalog, plan_start: str) -> np.ndarray:
    """Per goal: a base from the data (``base_source`` "data", or a unit's own base) of an
    incomplete quarter."""
    out = []
    for g in goals.to_dict("records"):
        from_data = g.get("target_source") in ("derived", "quota") or g.get("base_source") == "data"
        out.append(bool(from_data and not _nan(g.get("base"))
                        and base_incomplete(cover, plan_start, catalog[g["indicator"]].kind)))
    return np.array(out, dtype=bool)


def evaluate_plan(observations: pd.DataFrame, units: pd.DataFrame, targets: pd.DataFrame, plan: Mapping,
                  catalog: Catalog, unit: str, as_of: str, *, detail: bool = True) -> pd.DataFrame:
    """Every goal of ``plan`` for ``unit`` as of ``as_of``, as the progress page shows it: the
    one road from the stored state to a goal's row, for the pages, the report and
    ``python -m reports status``.

    ``observations``: the values that count (:func:`metrics.rollup.current`); ``units``: the
    org tree; ``targets``: the plan's targets; ``plan``: its row (``start_period``,
    ``end_period``). Returns :data:`metrics.progress.EVALUATE_COLUMNS`, ``target_source``
    and :data:`FLAG_COLUMNS` (:func:`judge`), goals in catalog order.
    """
    from metrics import rollup

    root = rollup.root_unit(units)

    def frames(code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        return rollup.quarterly(observations, units, catalog, code), rollup.coverage(observations, units, code)

    return evaluate_frames(frames, targets, plan, catalog, unit, root, as_of, detail=detail)


def evaluate_frames(frames: Callable[[str], tuple[pd.DataFrame, pd.DataFrame]], targets: pd.DataFrame,
                    plan: Mapping, catalog: Catalog, unit: str, root: str, as_of: str, *,
                    detail: bool = True, goals: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`evaluate_plan` from the small frames it needs: ``frames(code)`` gives a unit's
    roll-up (:func:`metrics.rollup.quarterly`) and coverage (:func:`metrics.rollup.coverage`),
    e.g. read from the database's summary tables (``Store.unit_quarterly``/``Store.coverage``);
    only ``root`` (the federation whose plan it is) and ``unit`` are asked for. ``goals``: the
    plan's goals with their bases (:func:`plan_goals`) if the caller has them already."""
    start, end = plan["start_period"], plan["end_period"]
    fed = None
    if goals is None:
        fed = frames(root)
        goals = plan_goals(targets, fed[0], catalog, start, fed[1])
    q, cover = fed if fed is not None and unit == root else frames(unit)
    g = goals_for_unit(goals, q, catalog, start, unit, root, quotas(targets).get(unit))
    ev = judge(g, q, cover, catalog, start, end, as_of, detail=detail)
    ev.insert(EVALUATE_COLUMNS_END, "target_source", g["target_source"].to_numpy())
    return ev


EVALUATE_COLUMNS_END = len(progress.EVALUATE_COLUMNS)


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


def source_indicators(catalog: Catalog, indicator: str) -> set[str]:
    """The stored indicators a figure of ``indicator`` is made of: itself, and a rate's two parts."""
    ind = catalog[indicator]
    return {indicator} | ({ind.numerator, ind.denominator} if ind.kind == "rate" else set())


def source_uploads(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, unit: str,
                   indicator: str, start: str, end: str) -> set[int]:
    """The uploads behind ``indicator`` (and a rate's two parts) for ``unit`` and the units
    below it, over the quarters ``start``..``end``: what a figure can be traced back to."""
    from metrics import rollup

    codes = source_indicators(catalog, indicator)
    members = set(rollup.subtree(units, unit))
    lo, hi = periods.index(start), periods.index(end)
    part = observations[observations["unit"].isin(members) & observations["indicator"].isin(codes)]
    inside = part["period"].map(periods.index).between(lo, hi)
    return {int(u) for u in part.loc[inside, "upload_id"].unique()}
