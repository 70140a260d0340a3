"""Every unit at once: the pace and outlook of :mod:`metrics.progress`, vectorised.

The same method as :func:`metrics.progress.evaluate` (``detail=False``) and
:func:`metrics.progress.unit_goals`, computed for many units in one numpy pass per goal
instead of a Python loop over units. Each unit's quarterly values of an indicator are a row of
a units x quarters matrix (NaN = not reported); every formula of :mod:`metrics.progress` is
applied to whole columns of that matrix, and the status and outlook codes come from the same
thresholds (:class:`metrics.progress.Thresholds`) through :func:`pace_status_array` and
:func:`classify_outlook_array`, the array forms of :func:`metrics.progress.pace_status` and
:func:`metrics.progress.classify_outlook`. The per-unit functions stay the reference:
tests/test_metrics_grid.py checks the two agree cell by cell.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from metrics import periods
from metrics.catalog import Catalog
from metrics.progress import (
    BINDING,
    DEFAULT_THRESHOLDS,
    EVALUATE_COLUMNS,
    GOAL_DIRECTION_WORDS,
    GROWTH_EPSILON,
    GOAL_DIRECTIONS,
    TARGET_TYPES,
    Thresholds,
    _float,
    _nan,
    _text,
    is_floor,
    sign_of,
)


class DuplicateQuarters(ValueError):
    """A quarterly frame with more than one row for a unit, indicator and quarter (the
    per-unit path reads such a frame row by row; the grid needs one value per cell)."""


def _round_near(values: np.ndarray, marks: list, decimals: int) -> np.ndarray:
    """``values`` rounded to ``decimals`` exactly as Python's ``round`` does, where that can
    change a comparison with one of ``marks`` (scalars or arrays like ``values``).

    Rounding moves a value by at most half a unit of the last decimal, so only values within
    one unit (10**-decimals) of a mark can compare differently once rounded; those few are
    rounded one by one with ``round`` (numpy's own rounding may differ in the last bit),
    the rest are left as they are. Infinite and NaN values are left alone, as in the scalar
    functions.
    """
    out = np.array(values, dtype=float, copy=True)
    unit = 10.0 ** -decimals
    near = np.zeros(out.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        for mark in marks:
            near |= np.abs(out - mark) <= unit
    near &= np.isfinite(out)
    if near.any():
        out[near] = [round(v, decimals) for v in out[near].tolist()]
    return out


def pace_status_array(
    ratio: np.ndarray,
    achieved: np.ndarray,
    quarters_reported: np.ndarray,
    thresholds: Thresholds | None = None,
) -> np.ndarray:
    """:func:`pace_status` for arrays (same order of checks, same thresholds, same rounding):
    achieved; no_data (too few quarters or NaN r); ahead; on_track; behind; far_behind;
    regressing. Returns an object array of codes."""
    th = thresholds or DEFAULT_THRESHOLDS
    ratio = np.asarray(ratio, dtype=float)
    r = _round_near(ratio, [th.ahead, th.on_track, th.behind, 0.0], th.decimals)
    with np.errstate(invalid="ignore"):
        return np.select(
            [np.asarray(achieved, dtype=bool), (np.asarray(quarters_reported) < th.min_quarters) | np.isnan(ratio),
             r >= th.ahead, r >= th.on_track, r >= th.behind, r >= 0],
            ["achieved", "no_data", "ahead", "on_track", "behind", "far_behind"],
            "regressing",
        ).astype(object)


def classify_outlook_array(value: np.ndarray, high, med, low=0.0, decimals: int = 9) -> np.ndarray:
    """:func:`classify_outlook` for arrays; ``high``, ``med``, ``low`` may be scalars or arrays
    (the growth thresholds scaled by each unit's limit coefficient)."""
    value = np.asarray(value, dtype=float)
    v = _round_near(value, [high, med, low], decimals)
    with np.errstate(invalid="ignore"):
        return np.select(
            [np.isnan(value), v >= high, v >= med, v >= low],
            ["no_data", "on_track", "acceleration_needed", "limited"],
            "deteriorating",
        ).astype(object)


def growth_rate_array(current, base, years) -> np.ndarray:
    """:func:`growth_rate` for arrays: ``(current / base) ** (1 / years) - 1``, NaN where
    ``years`` <= 0, the base is zero, a value is missing or the ratio is negative; inf where
    it overflows."""
    current, base = np.asarray(current, dtype=float), np.asarray(base, dtype=float)
    years = np.broadcast_to(np.asarray(years, dtype=float), current.shape)
    with np.errstate(all="ignore"):
        q = current / base
        ok = ~np.isnan(current) & ~np.isnan(base) & ~np.isnan(years) & (years > 0) & (base != 0) & (q >= 0)
        return np.where(ok, q ** (1 / years) - 1, np.nan)


def limit_coefficient_array(base, limit: float | None, exponent: float = 4.44) -> np.ndarray:
    """:func:`limit_coefficient` for an array of bases (1 without a limit or a base)."""
    base = np.asarray(base, dtype=float)
    if limit is None:
        return np.ones(base.shape)
    b, lim = np.abs(base), abs(limit)
    with np.errstate(all="ignore"):
        inside = 1 - (b / lim) ** exponent
        beyond = 1 - ((2 * lim - b) / lim) ** exponent
        out = np.where(b >= 2 * lim, 1.0, np.where(b <= lim, inside, beyond))
    return np.where(np.isnan(base), 1.0, out)


def _text_column(column: pd.Series) -> np.ndarray:
    """:func:`_text` of every value, computed once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return np.array([_text(u) for u in uniques] + [""], dtype=object)[codes]


def _float_column(column: pd.Series) -> np.ndarray:
    """:func:`_float` of every value (numbers; missing or empty text gives NaN)."""
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return np.array([_float(v) for v in column.tolist()], dtype=float)


def _groups(*columns: np.ndarray) -> dict[tuple, np.ndarray]:
    """``DataFrame(columns).groupby(..., sort=False).indices`` of text columns without missing
    values: each distinct tuple's positions, ascending, without a frame of text columns."""
    parts = [pd.factorize(c) for c in columns]
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for codes, uniques in parts:
        key = key * max(len(uniques), 1) + codes
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(key) else np.array([], dtype=np.int64)
    out: dict[tuple, np.ndarray] = {}
    for a, b in zip(starts, np.r_[starts[1:], len(key)]):
        first = order[a]
        out[tuple(u[c[first]] for c, u in parts)] = order[a:b]
    return out


def _positions(column: pd.Series, index: pd.Index) -> np.ndarray:
    """Where each value of ``column`` (as text) is in ``index`` (-1 if absent); looked up once
    per distinct value (a string column of millions of rows has a few thousand)."""
    codes, uniques = pd.factorize(column)
    found = index.get_indexer(pd.Index([str(u) for u in uniques], dtype=object))
    return np.append(found, -1)[codes]  # code -1 (a missing value) takes the appended -1


def quarter_matrices(
    quarters_all: pd.DataFrame, units: list[str], indicators: list[str], first: str, last: str
) -> tuple[np.ndarray, np.ndarray]:
    """Values and approximate flags of ``indicators`` for ``units`` over the quarters
    ``first``..``last``, from an all-units quarterly frame (``unit, indicator, period, value,
    approximate``, as :func:`metrics.goals.all_quarterly`).

    Returns two arrays of shape (indicators, units, quarters): ``values`` (NaN where nothing
    is reported, or the reported value is NaN) and ``flags`` (the row's approximate flag,
    also for a NaN value, as :func:`_split` keeps it). A unit missing from the frame has an
    empty row. Raises :class:`DuplicateQuarters` if a cell has more than one row.

    ``quarters_all`` may also be a :class:`metrics.unitgrid.QuarterCube` (the same numbers as
    arrays already): then its :meth:`~metrics.unitgrid.QuarterCube.window` is the answer.
    """
    window = getattr(quarters_all, "window", None)
    if window is not None:
        return window(units, indicators, first, last)
    lo, hi = periods.index(first), periods.index(last)
    width = max(hi - lo + 1, 0)
    unit_index = pd.Index(units) if pd.Index(units).is_unique else pd.Index(list(dict.fromkeys(units)))
    vals = np.full((len(indicators), len(unit_index), width), np.nan)
    flgs = np.zeros(vals.shape, dtype=bool)
    if width and len(quarters_all) and len(unit_index) and indicators:
        pcodes, puniq = pd.factorize(quarters_all["period"])
        pcol = np.array([periods.index(p) - lo if periods.is_period(p) else -1 for p in puniq], dtype=np.int64)
        col = pcol[pcodes]
        ind_row = _positions(quarters_all["indicator"], pd.Index(indicators))
        unit_row = _positions(quarters_all["unit"], unit_index)
        keep = (ind_row >= 0) & (unit_row >= 0) & (col >= 0) & (col < width)
        i, u, c = ind_row[keep], unit_row[keep], col[keep]
        flat = (i * len(unit_index) + u) * width + c
        if len(flat) and np.bincount(flat).max() > 1:
            raise DuplicateQuarters("more than one quarterly row for a unit, indicator and quarter")
        vals[i, u, c] = quarters_all["value"].to_numpy(dtype=float, na_value=np.nan)[keep]
        flgs[i, u, c] = quarters_all["approximate"].to_numpy(dtype=bool)[keep]
    if len(unit_index) != len(units):  # the same unit asked for twice: repeat its row
        back = unit_index.get_indexer(units)
        vals, flgs = vals[:, back], flgs[:, back]
    return vals, flgs


def unit_goals_grid(
    goals: pd.DataFrame,
    quarters_all: pd.DataFrame,
    catalog: Catalog,
    plan_start: str,
    units: list[str],
    quotas: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """:func:`unit_goals` for each of ``units`` at once, stacked (unit by unit, each with the
    goals in the order of ``goals``) with a ``unit`` column first.

    ``quarters_all``: every unit's roll-up (:func:`metrics.goals.all_quarterly`); ``quotas``:
    ``{unit: {indicator: quota}}``. Same rules as :func:`unit_goals`: the base is the unit's
    base-period value (stocks, rates) or base-year sum (flows, all four quarters needed), the
    target its quota, else the federation's rate, else ``unit_base * target / federation_base``.
    """
    units = [str(u) for u in units]
    quotas = quotas or {}
    n_goals, n_units = len(goals), len(units)
    codes = [str(c) for c in goals["indicator"]]
    inds = [catalog[c] for c in codes]
    base_q = periods.previous(plan_start)
    distinct = list(dict.fromkeys(codes))
    values, _flags = quarter_matrices(quarters_all, units, distinct, periods.shift(base_q, -3), base_q)
    slot = {c: k for k, c in enumerate(distinct)}
    where: dict[str, list[int]] = {}
    for k, u in enumerate(units):
        where.setdefault(u, []).append(k)
    fb_all, ft_all = _float_column(goals["base"]), _float_column(goals["target"])
    kinds = _text_column(goals["target_type"]) if "target_type" in goals else np.full(n_goals, "", dtype=object)
    base = np.empty((n_units, n_goals))
    target = np.empty((n_units, n_goals))
    source = np.empty((n_units, n_goals), dtype=object)
    for j, ind in enumerate(inds):
        v = values[slot[ind.code]]
        ub = ((v[:, 0] + v[:, 1]) + v[:, 2]) + v[:, 3] if ind.kind == "flow" else v[:, 3]  # _base_from
        fb, ft, kind = fb_all[j], ft_all[j], kinds[j] or "level"
        quota = np.full(n_units, np.nan)
        for u, given in quotas.items():  # few units have quotas: look only at those
            if ind.code in given and str(u) in where:
                quota[where[str(u)]] = _float(given[ind.code])
        has_quota = ~np.isnan(quota)
        if kind == "direction":
            t, s = np.full(n_units, np.nan), np.full(n_units, "", dtype=object)
        else:
            if ind.kind == "rate" and kind == "level":
                derived = np.full(n_units, ft)
            elif _nan(fb) or fb == 0:
                derived = np.full(n_units, np.nan)
            else:
                derived = ub * ft / fb
            t = np.where(has_quota, quota, derived)
            s = np.where(has_quota, "quota", "derived").astype(object)
        base[:, j], target[:, j], source[:, j] = ub, t, s
    out = goals.loc[np.tile(np.arange(n_goals), n_units)].reset_index(drop=True)
    out.insert(0, "unit", np.repeat(np.array(units, dtype=object), n_goals))
    out["federation_base"] = np.tile(fb_all, n_units)
    out["federation_target"] = np.tile(ft_all, n_units)
    out["base"] = base.ravel()
    out["target"] = target.ravel()
    out["target_source"] = source.ravel()
    return out


def evaluate_grid(
    goals: pd.DataFrame,
    quarters_all: pd.DataFrame,
    catalog: Catalog,
    plan_start: str,
    plan_end: str,
    as_of: str,
    thresholds: Thresholds | None = None,
) -> pd.DataFrame:
    """:func:`evaluate` with ``detail=False`` for many units at once.

    ``goals``: one row per unit and goal, with a ``unit`` column and the columns
    :func:`evaluate` reads (``indicator, target_type, base, target, attribute,
    goal_direction``) -- e.g. :func:`unit_goals_grid`, each unit's own bases and targets.
    ``quarters_all``: every unit's quarterly roll-up with a ``unit`` column
    (:func:`metrics.goals.all_quarterly`), one row per unit, indicator and quarter.

    Returns ``unit`` and :data:`EVALUATE_COLUMNS`, one row per row of ``goals`` in the same
    order, with the values :func:`evaluate` gives for that unit (projection and trend columns
    NaN / empty, as with ``detail=False``). The rows of one goal are computed together, as
    columns of a units x quarters matrix; the formulas are those of the module docstring and
    :func:`_evaluate_goal`. Raises :class:`DuplicateQuarters` when a unit has two rows for
    the same indicator and quarter.
    """
    th = thresholds or DEFAULT_THRESHOLDS
    end = as_of if periods.index(as_of) <= periods.index(plan_end) else plan_end
    plan_q = periods.count(plan_start, plan_end)
    plan_years = plan_q / 4
    i_start, i_end = periods.index(plan_start), periods.index(end)
    g = goals.reset_index(drop=True)
    n = len(g)

    unit = g["unit"].astype(str).to_numpy(dtype=object)
    indicator = g["indicator"].astype(str).to_numpy(dtype=object)
    ttype = _text_column(g["target_type"]) if "target_type" in g else np.full(n, "", dtype=object)
    ttype = np.where(ttype == "", "level", ttype).astype(object)
    gdir = _text_column(g["goal_direction"]) if "goal_direction" in g else np.full(n, "", dtype=object)
    gdir = np.array([GOAL_DIRECTION_WORDS.get(w, w) for w in gdir.tolist()], dtype=object)
    attribute = _text_column(g["attribute"]) if "attribute" in g else np.full(n, "", dtype=object)
    base = _float_column(g["base"]) if "base" in g else np.full(n, np.nan)
    texts = [_text_column(g[c]) if c in g else np.full(n, "", dtype=object) for c in ("goal_text_zh", "goal_text_en")]
    triples = list(zip(attribute.tolist(), texts[0].tolist(), texts[1].tolist()))
    floors = {t: is_floor({"attribute": t[0], "goal_text_zh": t[1], "goal_text_en": t[2]}) for t in set(triples)}
    floor = np.array([floors[t] for t in triples], dtype=bool)
    target = _float_column(g["target"]) if "target" in g else np.full(n, np.nan)
    for code, tt, gd in set(zip(indicator.tolist(), ttype.tolist(), gdir.tolist())):
        if tt not in TARGET_TYPES:
            raise ValueError(f"goal {catalog[code].code}: unknown target_type {tt!r}")
        if gd and gd not in GOAL_DIRECTIONS:
            raise ValueError(f"goal {catalog[code].code}: unknown goal_direction {gd!r} (use raise, keep or lower)")

    # outputs, with the defaults of _evaluate_goal
    current = np.full(n, np.nan)
    latest_col = np.full(n, -1, dtype=np.int64)
    elapsed = np.zeros(n)
    progress = np.full(n, np.nan)
    ratio = np.full(n, np.nan)
    status = np.full(n, "no_data", dtype=object)
    outlook = np.full(n, "no_data", dtype=object)
    outlook_ratio = np.full(n, np.nan)
    required_growth = np.full(n, np.nan)
    observed_growth = np.full(n, np.nan)
    reported_all = np.zeros(n, dtype=np.int64)
    approximate = np.zeros(n, dtype=bool)

    unit_list = list(dict.fromkeys(unit.tolist()))
    unit_row = pd.Index(unit_list).get_indexer(unit)
    distinct = list(dict.fromkeys(indicator.tolist()))
    # quarters i_start-3 .. end: a flow's last four quarters may begin before plan start
    values, flags = quarter_matrices(quarters_all, unit_list, distinct, periods.from_index(i_start - 3), end)
    slot = {c: k for k, c in enumerate(distinct)}
    width_plan = max(i_end - i_start + 1, 0)

    groups = _groups(indicator, ttype, gdir)
    for (code, tt, gd), pos in groups.items():
        ind = catalog[code]
        rows = unit_row[pos]
        v_all, f_all = values[slot[code]][rows], flags[slot[code]][rows]
        v_plan, f_plan = v_all[:, 3:3 + width_plan], f_all[:, 3:3 + width_plan]
        seen = ~np.isnan(v_plan)
        reported = seen.sum(axis=1)
        has = reported > 0
        last = np.where(has, width_plan - 1 - np.argmax(seen[:, ::-1], axis=1), 0) if width_plan else reported
        # elapsed_share: quarters from plan start through the latest reported / plan quarters
        t = np.where(has, np.minimum(last + 1, plan_q) / plan_q if plan_q else 0.0, 0.0)
        years = np.where(has, (last + 1) / 4, np.nan)  # (index(latest) - index(base period)) / 4
        k = np.arange(len(pos))
        if tt == "cumulative":  # the sum of the flow from plan start
            cur = np.where(has, np.where(seen, v_plan, 0.0).sum(axis=1), np.nan)
            approx = (f_plan & seen).any(axis=1)
        elif ind.kind == "flow":  # the latest four quarters (columns last..last+3 of v_all)
            w = [v_all[k, last + j] for j in range(4)] if width_plan else [np.full(len(pos), np.nan)] * 4
            cur = np.where(has, ((w[0] + w[1]) + w[2]) + w[3], np.nan)
            approx = has & np.any([f_all[k, last + j] for j in range(4)], axis=0) if width_plan else has
        else:  # the latest reported value
            cur = np.where(has, v_plan[k, last], np.nan) if width_plan else np.full(len(pos), np.nan)
            approx = has & f_plan[k, last] if width_plan else has
        b, tg = base[pos], target[pos]
        direction = gd if gd in ("raise", "lower") else ind.direction
        d = sign_of(direction)
        st_, ol = np.full(len(pos), "no_data", dtype=object), np.full(len(pos), "no_data", dtype=object)
        prog, rat = np.full(len(pos), np.nan), np.full(len(pos), np.nan)
        orat, obs_g, req_g = np.full(len(pos), np.nan), np.full(len(pos), np.nan), np.full(len(pos), np.nan)

        with np.errstate(all="ignore"):
            if tt == "direction":
                st_[:] = "direction_only"
                enough = (reported >= th.min_quarters) & ~np.isnan(cur) & ~np.isnan(b)
                way = gd or ("raise" if ind.direction == "up" else "lower")
                if way == "keep":  # direction_outlook, keep
                    change = sign_of(ind.direction) * (cur - b)
                    tol = th.keep_points if ind.is_percent else th.keep_share * np.abs(b)
                    tol = np.where(floor[pos], 0.0, tol)  # is_floor: no tolerance below a floor
                    c = np.where(_round_near(change, [-tol], th.decimals) >= -tol, "on_track", "deteriorating")
                    value = change
                else:  # direction_outlook, raise / lower
                    dd = sign_of(way)
                    coeff = limit_coefficient_array(b, th.rate_limit if (ind.is_percent and dd == 1) else None,
                                                    th.limit_exponent)
                    observed = growth_rate_array(cur, np.where(b == 0, th.zero_replacement, b), years)
                    value = np.where(b < 0, -1, 1) * dd * observed
                    low = th.growth_low * (coeff if th.growth_low > 0 else 1)
                    c = classify_outlook_array(value, th.growth_high * coeff, th.growth_med * coeff, low, th.decimals)
                ol = np.where(enough, c, "no_data").astype(object)
                orat = np.where(enough, value, np.nan)
                obs_g = growth_rate_array(cur, b, years)
            elif tt == "level":
                ok = ~np.isnan(cur) & ~np.isnan(b) & ~np.isnan(tg)
                gap = np.abs(tg - b)
                beyond = d * (cur - tg)
                reached = ok & (beyond >= 0)  # is_reached
                p = np.where(gap == 0, np.where(beyond >= 0, 1.0, np.nan), d * (cur - b) / gap)  # level_progress
                r = np.where(t > 0, p / t, np.nan)  # pace_ratio
                r = np.where(~reached & np.isnan(p), -np.inf, r)
                prog, rat = np.where(ok, p, np.nan), np.where(ok, r, np.nan)
                st_ = np.where(ok, pace_status_array(r, reached, reported, th), "no_data").astype(object)
                # target_outlook
                zero = th.zero_replacement
                b0 = np.where(b == 0, zero, b)
                observed = growth_rate_array(cur, b0, years)
                required = growth_rate_array(np.where(tg == 0, zero, tg), b0, plan_years)
                required = np.where(np.abs(required) < GROWTH_EPSILON, 0.0, required)  # NaN stays NaN
                missing = np.isnan(observed) | np.isnan(required)
                ratio_reached = np.where(missing | (required == 0), np.nan, d * observed / np.abs(required))
                sdo = np.where(b < 0, -1, 1) * d * observed
                ratio_open = np.where(required == 0, np.where(observed != 0, np.copysign(np.inf, sdo), -np.inf),
                                      sdo / np.abs(required))
                ratio_open = np.where(missing, np.nan, ratio_open)
                c = classify_outlook_array(ratio_open, th.outlook_high, th.outlook_med, th.outlook_low, th.decimals)
                c = np.where(missing, "no_data", c)
                c = np.where(reached, "achieved", np.where(reported < th.min_quarters, "no_data", c))
                ol = np.where(ok, c, "no_data").astype(object)
                orat = np.where(ok, np.where(reached, ratio_reached, ratio_open), np.nan)
                obs_g, req_g = np.where(ok, observed, np.nan), np.where(ok, required, np.nan)
            else:  # cumulative
                ok = ~np.isnan(cur) & ~np.isnan(tg) & (tg > 0)
                used = cur / tg  # cumulative_progress
                if d == 1:
                    reached = ok & (cur >= tg)
                    r = np.where(t > 0, used / t, np.nan)
                else:  # a ceiling
                    reached = ok & (t >= 1) & (cur <= tg)
                    r = np.where(t > 0, np.where(used == 0, np.inf, t / used), np.nan)
                    r = np.where(cur > tg, -np.inf, r)
                prog, rat = np.where(ok, used, np.nan), np.where(ok, r, np.nan)
                st_ = np.where(ok, pace_status_array(r, reached, reported, th), "no_data").astype(object)
                obs_g = np.where(ok & (years > 0), cur / years, np.nan)
                req_g = np.where(ok, tg / plan_years, np.nan)
                orat = np.where(ok, r, np.nan)
                c = classify_outlook_array(r, th.outlook_high, th.outlook_med, th.outlook_low, th.decimals)
                c = np.where(reached, "achieved", np.where(reported >= th.min_quarters, c, "no_data"))
                ol = np.where(ok, c, "no_data").astype(object)

        current[pos], latest_col[pos], elapsed[pos] = cur, np.where(has, last, -1), t
        progress[pos], ratio[pos], status[pos], outlook[pos] = prog, rat, st_, ol
        outlook_ratio[pos], observed_growth[pos], required_growth[pos] = orat, obs_g, req_g
        reported_all[pos], approximate[pos] = reported, approx

    bad = np.isin(status, ["behind", "far_behind", "regressing"]) | (
        (status == "direction_only") & (outlook == "deteriorating"))
    alert = np.where(bad, np.where(np.isin(attribute, BINDING), "critical", "warning"), "").astype(object)
    plan_periods = np.array(periods.span(plan_start, end) if width_plan else [None], dtype=object)
    period = np.where(latest_col >= 0, plan_periods[np.maximum(latest_col, 0)], None)
    nan = np.full(n, np.nan)
    out = pd.DataFrame({
        "unit": unit, "indicator": indicator, "target_type": ttype, "attribute": attribute, "goal_direction": gdir,
        "base": base, "target": target, "current": current, "period": period, "elapsed": elapsed,
        "progress": progress, "ratio": ratio, "status": status, "alert": alert,
        "outlook": outlook, "outlook_ratio": outlook_ratio, "required_growth": required_growth,
        "observed_growth": observed_growth, "projected": nan, "projected_low": nan, "projected_high": nan,
        "projection_model": np.full(n, "", dtype=object), "qoq": nan, "yoy": nan, "cagr": nan, "ytd": nan,
        "ytd_yoy": nan, "quarters_reported": reported_all, "approximate": approximate,
    })
    return out[["unit", *EVALUATE_COLUMNS]]
