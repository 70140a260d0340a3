"""Roll-ups: any indicator, for any unit with all its descendants, per quarter or over a span.

Frames used here:

``observations``: one row per stored value -- ``unit`` (unit code), ``indicator`` (catalog
code), ``period`` (``"2016Q1"``), ``value`` (float), ``approximate`` (bool) and, before
:func:`current` has resolved them, ``upload_id`` (int).

``units``: the org tree -- ``code`` and ``parent`` (the parent's code, empty for the root).

The catalog kinds decide how values combine:

* ``flow``  -- over units: sum; over quarters: sum.
* ``stock`` -- over units: sum; over quarters: the latest quarter with data.
* ``rate``  -- ``numerator / denominator * 100`` of the *summed parts*, never an average of
  rates. Per quarter only units that reported both parts *and a positive denominator* count,
  so a unit that forgot its denominator, or re-sent it as 0, cannot inflate the rate. A zero
  or missing total denominator gives NaN. Over a span, a rate of flows is the sum of these
  per-quarter paired parts (``num``, ``den`` columns), never the parts summed separately.

A quarter nobody reported is missing (absent or NaN), never zero. ``n_units`` says how many
units were summed, so a caller can tell a partial total from a full one.

Missing reports (docs/progress-method.md, "A missing report is not a decline"):

* **Expected reporters.** A unit is expected to report from ``active_from`` (else its first
  report) through ``active_until`` (else open; a unit ``merged_into`` another stops at its
  last report); see :func:`expected_reporters`. A quarter is complete when every expected
  unit has reported it (:func:`coverage`).
* **Stocks carried forward.** A unit that is expected in a quarter and sent nothing keeps the
  stocks (and so the stock parts of rates) of its latest report, for at most
  :data:`CARRY_QUARTERS` quarters and never past the latest quarter anyone reported; such rows
  are marked ``carried`` and counted in ``carried_units`` (:func:`carry_forward`).
* **Flows are not carried**: a quarter's flow is the sum of what was reported; the quarter is
  marked incomplete by :func:`coverage`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics import periods
from metrics.catalog import Catalog

QUARTERLY_COLUMNS = ["indicator", "period", "value", "approximate", "n_units", "carried_units", "num", "den"]

#: A unit's stocks are carried forward from its latest report for at most this many quarters.
CARRY_QUARTERS = 4


def current(observations: pd.DataFrame, active_uploads: Iterable[int] | None = None) -> pd.DataFrame:
    """The value that counts for each (unit, indicator, period): the one from the latest
    upload that is not withdrawn.

    ``active_uploads``: upload ids that count; ``None`` means all. Does not change its input.
    """
    obs = observations
    if active_uploads is not None:
        obs = obs[obs["upload_id"].isin(set(active_uploads))]
    obs = obs.sort_values("upload_id", kind="stable")
    obs = obs.drop_duplicates(["unit", "indicator", "period"], keep="last")
    return obs.reset_index(drop=True)


def root_unit(units: pd.DataFrame) -> str:
    """The federation whose plan it is: the top of the org tree.

    The unit without a parent; among several, the first whose ``level`` is ``federation``,
    else the first. ``""`` for an empty tree. The one rule for the pages, the report and the
    command line.
    """
    if units.empty:
        return ""
    roots = units[units["parent"].fillna("").astype(str) == ""]
    if roots.empty:
        return str(units["code"].iloc[0])
    if "level" in roots:
        fed = roots[roots["level"] == "federation"]
        if len(fed):
            return str(fed["code"].iloc[0])
    return str(roots["code"].iloc[0])


def subtree(units: pd.DataFrame, code: str) -> list[str]:
    """``code`` and the codes of all its descendants, parents before children.

    Raises KeyError for a unit that is not in ``units``.
    """
    if code not in set(units["code"]):
        raise KeyError(code)
    children: dict[str, list[str]] = {}
    for child, parent in zip(units["code"], units["parent"].fillna("")):
        children.setdefault(str(parent), []).append(str(child))
    out, todo = [], [code]
    while todo:
        node = todo.pop(0)
        out.append(node)
        todo.extend(children.get(node, []))
    return out


def _pindex(column: pd.Series) -> np.ndarray:
    """``periods.index`` of every value of a period column, computed once per distinct value."""
    codes, uniques = pd.factorize(column)
    return np.array([periods.index(p) for p in uniques], dtype=np.int64)[codes]


def _bounds(column: pd.Series) -> tuple[str, str]:
    """The first and last quarter in a period column."""
    uniques = sorted(pd.unique(column), key=periods.index)
    return uniques[0], uniques[-1]


def _span_of(units: pd.DataFrame, column: str) -> dict[str, str]:
    """``{code: quarter}`` of a units column that may be absent or empty."""
    if column not in units:
        return {}
    out = {}
    for code, value in zip(units["code"].astype(str), units[column]):
        if isinstance(value, str) and periods.is_period(value.strip()):
            out[code] = value.strip()
    return out


def expected_reporters(observations: pd.DataFrame, units: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """The units expected to report each quarter ``first``..``last``: ``unit, period`` rows.

    A unit is expected from ``active_from`` (else the first quarter it reported anything)
    through ``active_until`` (else, for a unit ``merged_into`` another, its last report; else
    ``last``). A unit that never reported and has no ``active_from`` is not expected. Units
    are data (``data/units.csv``, the units table), so a unit that joins, closes or merges
    changes what a quarter's total is measured against, not earlier counts.
    """
    obs = observations[observations["value"].notna()] if "value" in observations else observations
    codes = units["code"].astype(str).to_numpy()
    seen = pd.DataFrame({"unit": obs["unit"].astype(str), "i": _pindex(obs["period"])})
    seen = seen.groupby("unit")["i"].agg(["min", "max"]).reindex(codes)
    lo_all, hi_all = periods.index(first), periods.index(last)
    start, until = _span_of(units, "active_from"), _span_of(units, "active_until")
    merged = np.zeros(len(codes), dtype=bool)
    if "merged_into" in units:
        merged = units["merged_into"].map(lambda m: isinstance(m, str) and bool(m.strip())).to_numpy(dtype=bool)
    lo = np.array([periods.index(start[c]) if c in start else np.nan for c in codes], dtype=float)
    lo = np.where(np.isnan(lo), seen["min"].to_numpy(dtype=float), lo)
    hi = np.array([periods.index(until[c]) if c in until else np.nan for c in codes], dtype=float)
    hi = np.where(np.isnan(hi) & merged, seen["max"].to_numpy(dtype=float), hi)
    hi = np.where(np.isnan(hi), hi_all, hi)
    lo, hi = np.maximum(lo, lo_all), np.minimum(hi, hi_all)
    ok = ~np.isnan(lo) & (hi >= lo)
    lo, hi, codes = lo[ok].astype(np.int64), hi[ok].astype(np.int64), codes[ok]
    n = hi - lo + 1
    unit_col = np.repeat(codes, n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    idx = np.repeat(lo, n) + offsets
    labels = {i: periods.from_index(int(i)) for i in np.unique(idx)}
    return pd.DataFrame({"unit": unit_col.astype(object), "period": [labels[i] for i in idx]})


def carried_pairs(observations: pd.DataFrame, units: pd.DataFrame, max_quarters: int = CARRY_QUARTERS,
                  last: str | None = None, *, expected: pd.DataFrame | None = None,
                  reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The (unit, quarter) pairs whose stocks :func:`carry_forward` fills: the unit was
    expected, sent nothing, and reported at most ``max_quarters`` quarters before (``source``,
    that latest report). Columns ``unit, period, source``.

    ``expected`` (:func:`expected_reporters` of these units from any quarter up to the first in
    ``observations`` through ``last``) and ``reported`` (the distinct ``unit, period`` pairs of
    ``observations`` with a value) when the caller has made them already (:func:`own_parts`);
    expected quarters before the first of ``observations`` are left out (none has a report
    before it to carry)."""
    cols = ["unit", "period", "source"]
    obs = observations[observations["value"].notna()]
    if obs.empty or max_quarters <= 0:
        return pd.DataFrame(columns=cols)
    first, last_seen = _bounds(obs["period"])
    last = last or last_seen
    if expected is None:
        expected = expected_reporters(obs, units, first, last)
    elif len(expected) and expected["period"].min() < first:  # the same rows, in the same order
        expected = expected[expected["period"] >= first]  # ("2016Q1" strings sort in time)
    if expected.empty:
        return pd.DataFrame(columns=cols)
    if reported is None:
        reported = obs[["unit", "period"]].drop_duplicates()
    reported = reported.assign(_r=True)
    missing = expected.merge(reported, on=["unit", "period"], how="left")
    missing = missing[missing["_r"].isna()][["unit", "period"]]
    if missing.empty:
        return pd.DataFrame(columns=cols)
    # the latest quarter each unit reported before each missing quarter (merge_asof on the index)
    rep = reported.assign(_i=_pindex(reported["period"])).sort_values("_i")
    miss = missing.assign(_i=_pindex(missing["period"])).sort_values("_i")
    found = pd.merge_asof(miss, rep.rename(columns={"period": "source"})[["unit", "source", "_i"]],
                          on="_i", by="unit", allow_exact_matches=False, direction="backward",
                          tolerance=max_quarters)
    return found.dropna(subset=["source"])[cols].reset_index(drop=True)


def carry_forward(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog,
                  max_quarters: int = CARRY_QUARTERS, last: str | None = None, *,
                  pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """``observations`` (reported values) plus, for every quarter a unit was expected and sent
    nothing, its stocks from its latest report at most ``max_quarters`` quarters before,
    marked ``carried`` (a new bool column; reported rows are False).

    Only stocks are carried (and so the stock parts of a rate); flows never are: a flow not
    reported is not known. Nothing is carried past ``last`` (default: the latest quarter
    anyone reported) or outside the unit's active span (:func:`expected_reporters`).
    Returns a new frame; ``observations`` is not changed. ``pairs``: :func:`carried_pairs` of
    the same arguments, when the caller has them.
    """
    obs = observations[observations["value"].notna()]
    out = obs.assign(carried=False)
    found = carried_pairs(obs, units, max_quarters, last) if pairs is None else pairs
    if found.empty:
        return out
    stocks = {i.code for i in catalog if i.kind == "stock"}
    src = obs[obs["indicator"].isin(stocks)]
    copied = found[["unit", "period", "source"]].merge(
        src.rename(columns={"period": "source"}), on=["unit", "source"], how="inner").drop(columns="source")
    copied = copied.assign(carried=True)
    return pd.concat([out, copied[out.columns]], ignore_index=True)


def quarterly(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, unit: str, *,
              carry: bool = True) -> pd.DataFrame:
    """Every indicator per quarter for ``unit`` and its descendants.

    Returns :data:`QUARTERLY_COLUMNS` (``indicator, period, value, approximate, n_units,
    carried_units, num, den``), sorted by indicator then period; rates are computed from their
    parts (see the module docstring; ``num``/``den`` are the paired parts, NaN for other
    kinds). With ``carry`` (default) a unit that missed a quarter keeps its stocks
    (:func:`carry_forward`); ``carried_units`` counts them, ``n_units`` counts every unit
    summed, reported or carried. ``observations`` that already have a ``carried`` column are
    used as they are.
    """
    members = set(subtree(units, unit))
    obs = observations[observations["value"].notna()]
    if carry and "carried" not in obs:
        last = _bounds(obs["period"])[1] if len(obs) else None
        obs = carry_forward(obs[obs["unit"].isin(members)], units, catalog, last=last)
    if "carried" not in obs:
        obs = obs.assign(carried=False)
    obs = obs[obs["unit"].isin(members)]
    summed = (
        obs.groupby(["indicator", "period"], sort=True)
        .agg(value=("value", "sum"), approximate=("approximate", "any"), n_units=("unit", "nunique"),
             carried_units=("carried", "sum"))
        .reset_index()
    )
    rates = [_rate_quarterly(obs, ind.code, ind.numerator, ind.denominator) for ind in catalog if ind.kind == "rate"]
    frame = pd.concat([summed, *rates], ignore_index=True) if rates else summed
    frame = frame[frame["indicator"].isin(set(catalog.codes))]
    frame["approximate"] = frame["approximate"].astype(bool)
    frame["n_units"] = frame["n_units"].astype("int64")
    frame["carried_units"] = frame["carried_units"].astype("int64")
    for col in ("num", "den"):
        frame[col] = frame[col].astype(float) if col in frame else np.nan
    return frame.sort_values(["indicator", "period"]).reset_index(drop=True)[QUARTERLY_COLUMNS]


def paired_parts(obs: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    """A rate's two parts side by side per unit and quarter, only where both are reported and
    the denominator is positive: ``unit, period, num, den, approximate, carried``. The one rule
    for which units a rate counts (the quarterly roll-up, every unit's roll-up, spans): the
    parts' rows summed per unit, indicator and quarter, then :func:`summed_pairs`."""
    parts = obs[obs["indicator"].isin([numerator, denominator])]
    carried = parts["carried"] if "carried" in parts else pd.Series(False, index=parts.index)
    cells = (parts[["unit", "indicator", "period", "value", "approximate"]]
             .assign(carried_units=carried.astype("int64"))
             .groupby(["indicator", "unit", "period"], sort=False)
             .agg(value=("value", "sum"), approximate=("approximate", "any"), carried_units=("carried_units", "sum"))
             .reset_index())
    return summed_pairs(dict(tuple(cells.groupby("indicator", sort=False))), numerator, denominator)


def summed_pairs(by_indicator: dict, numerator: str, denominator: str) -> pd.DataFrame:
    """A rate's two parts side by side from cells already summed per unit, indicator and quarter
    (``by_indicator``: ``{indicator: rows of unit, period, value, approximate, carried_units}``),
    ordered by unit, then quarter: ``unit, period, num, den, approximate, carried``. The rule: a
    unit's quarter counts where both parts are there and the denominator is positive; it is
    approximate (carried) if either part is."""
    cols = ["unit", "period", "num", "den", "approximate", "carried"]
    num, den = by_indicator.get(numerator), by_indicator.get(denominator)
    if num is None or den is None or num.empty or den.empty:
        return pd.DataFrame(columns=cols)
    keep = ["unit", "period", "value", "approximate", "carried_units"]
    both = num[keep].merge(den[keep], on=["unit", "period"], suffixes=("_n", "_d"))
    both = both[both["value_d"] > 0].sort_values(["unit", "period"], kind="stable")
    return pd.DataFrame({"unit": both["unit"].to_numpy(), "period": both["period"].to_numpy(),
                         "num": both["value_n"].to_numpy(dtype=float), "den": both["value_d"].to_numpy(dtype=float),
                         "approximate": (both["approximate_n"].to_numpy(dtype=bool)
                                         | both["approximate_d"].to_numpy(dtype=bool)),
                         "carried": (both["carried_units_n"].to_numpy() + both["carried_units_d"].to_numpy()) > 0})


def _rate_quarterly(obs: pd.DataFrame, code: str, numerator: str, denominator: str) -> pd.DataFrame:
    """rate = sum(numerator) / sum(denominator) * 100 per quarter, over units that reported
    both with a positive denominator (:func:`paired_parts`)."""
    wide = paired_parts(obs, numerator, denominator)
    if wide.empty:
        return pd.DataFrame(columns=QUARTERLY_COLUMNS)
    per_q = wide.groupby("period").agg(
        num=("num", "sum"), den=("den", "sum"), approximate=("approximate", "any"), n_units=("unit", "size"),
        carried_units=("carried", "sum"))
    value = np.where(per_q["den"] > 0, per_q["num"] / per_q["den"].where(per_q["den"] > 0) * 100, np.nan)
    return pd.DataFrame(
        {
            "indicator": code,
            "period": per_q.index.astype(str),
            "value": value,
            "approximate": per_q["approximate"].to_numpy(dtype=bool),
            "n_units": per_q["n_units"].to_numpy(dtype="int64"),
            "carried_units": per_q["carried_units"].to_numpy(dtype="int64"),
            "num": per_q["num"].to_numpy(dtype=float),
            "den": per_q["den"].to_numpy(dtype=float),
        }
    )


def over_span(quarters: pd.DataFrame, catalog: Catalog, start: str, end: str) -> pd.DataFrame:
    """Each indicator's value over the quarters ``start``..``end`` from a :func:`quarterly` frame.

    flow: the sum of the reported quarters (NaN if none); stock: the latest quarter in the
    span with data; rate of stocks: the rate at the latest quarter with both parts; rate of
    flows: the sum of each quarter's paired parts (``num`` / ``den``: units that reported both,
    with a positive denominator), divided. Returns one row per indicator that has data,
    with ``indicator, value, approximate, period`` (for flows, the last quarter that counted)
    and ``quarters`` (how many quarters contributed).
    """
    lo, hi = periods.index(start), periods.index(end)
    idx = quarters["period"].map(periods.index)
    inside = quarters[(idx >= lo) & (idx <= hi) & quarters["value"].notna()]
    rows = []
    for ind in catalog:
        part = inside[inside["indicator"] == ind.code]
        if ind.kind == "rate" and catalog[ind.numerator].kind == "flow":
            # the per-quarter paired parts (both reported, denominator > 0), summed over the span
            if "num" in part and "den" in part:
                paired = part.dropna(subset=["num", "den"])
                num, den = paired["num"].sum(), paired["den"].sum()
            else:  # a frame from before the paired parts were kept
                paired, num, den = part, math.nan, math.nan
            if paired.empty or not den > 0:
                continue
            rows.append((ind.code, num / den * 100, bool(paired["approximate"].any()),
                         max(paired["period"], key=periods.index), len(paired)))
        elif part.empty:
            continue
        elif ind.kind == "flow":
            rows.append((ind.code, part["value"].sum(), bool(part["approximate"].any()), part["period"].max(), len(part)))
        else:
            last = part.loc[part["period"].map(periods.index).idxmax()]
            rows.append((ind.code, float(last["value"]), bool(last["approximate"]), last["period"], 1))
    return pd.DataFrame(rows, columns=["indicator", "value", "approximate", "period", "quarters"])


def series(quarters: pd.DataFrame, indicator: str) -> pd.Series:
    """One indicator's quarterly values from a :func:`quarterly` frame, indexed by period."""
    part = quarters[quarters["indicator"] == indicator]
    return pd.Series(part["value"].to_numpy(dtype=float), index=part["period"].to_numpy(), name=indicator)


def year_to_date(quarters: pd.DataFrame, catalog: Catalog, period: str) -> pd.Series:
    """For each flow, the sum from the first quarter of ``period``'s year up to ``period``,
    indexed by indicator code. Quarters not reported are left out, not counted as zero."""
    flows = [i.code for i in catalog if i.kind == "flow"]
    lo, hi = periods.index(periods.year_start(period)), periods.index(period)
    idx = quarters["period"].map(periods.index)
    part = quarters[quarters["indicator"].isin(flows) & (idx >= lo) & (idx <= hi)]
    return part.groupby("indicator")["value"].sum(min_count=1)


def snapshot(quarters: pd.DataFrame, catalog: Catalog, period: str) -> pd.DataFrame:
    """The overview table for one quarter: each indicator's value in ``period``, the change on
    the previous quarter and on the same quarter a year earlier (absolute, and relative in
    percent; for rates the change is in percentage points and ``change_*_pct`` is NaN), and the
    year to date for flows.

    Columns: ``indicator, category, kind, value, approximate, n_units, previous, change_q,
    change_q_pct, year_ago, change_y, change_y_pct, ytd``; one row per catalog indicator in
    catalog order, NaN where there is no data.
    """
    table = quarters.set_index(["indicator", "period"])

    def at(p: str) -> pd.DataFrame:
        try:
            return table.xs(p, level="period")
        except KeyError:
            return pd.DataFrame(columns=["value", "approximate", "n_units"])

    now, prev, ago = at(period), at(periods.previous(period)), at(periods.year_ago(period))
    codes = catalog.codes
    out = pd.DataFrame({"indicator": codes})
    out["category"] = [catalog[c].category for c in codes]
    out["kind"] = [catalog[c].kind for c in codes]
    out["value"] = now["value"].reindex(codes).to_numpy(dtype=float)
    out["approximate"] = now["approximate"].reindex(codes).fillna(False).to_numpy(dtype=bool)
    out["n_units"] = now["n_units"].reindex(codes).to_numpy(dtype=float)
    out["previous"] = prev["value"].reindex(codes).to_numpy(dtype=float)
    out["year_ago"] = ago["value"].reindex(codes).to_numpy(dtype=float)
    out["change_q"] = out["value"] - out["previous"]
    out["change_y"] = out["value"] - out["year_ago"]
    is_rate = out["kind"] == "rate"
    out["change_q_pct"] = _relative(out["change_q"], out["previous"]).mask(is_rate)
    out["change_y_pct"] = _relative(out["change_y"], out["year_ago"]).mask(is_rate)
    out["ytd"] = year_to_date(quarters, catalog, period).reindex(codes).to_numpy(dtype=float)
    return out


def _relative(change: pd.Series, base: pd.Series) -> pd.Series:
    """change / |base| * 100, NaN where the base is zero or missing."""
    return (change / base.abs().where(base != 0)) * 100


def coverage(observations: pd.DataFrame, units: pd.DataFrame, unit: str) -> pd.DataFrame:
    """How many of the units expected in ``unit``'s subtree reported each quarter, and whether
    the quarter is complete.

    ``expected``: the units of the subtree expected that quarter (:func:`expected_reporters`;
    a unit that reported counts too); ``n_units``: those that reported anything; ``carried``:
    those that did not and whose stocks are carried (:func:`carried_pairs`); ``complete``:
    every expected unit reported. Quarters run from the first to the latest quarter anyone
    (in any subtree) reported, so a unit that missed the latest quarter shows it as 0 of 1.
    Returns ``period, n_units, expected, carried, complete`` sorted by period.
    """
    cols = ["period", "n_units", "expected", "carried", "complete"]
    obs = observations[observations["value"].notna()]
    if obs.empty:
        return pd.DataFrame(columns=cols)
    first, last = _bounds(obs["period"])
    members = set(subtree(units, unit))
    mine = obs[obs["unit"].isin(members)]
    tree = units[units["code"].astype(str).isin(members)]
    reported = mine[["unit", "period"]].drop_duplicates()
    expected = pd.concat([expected_reporters(mine, tree, first, last), reported]).drop_duplicates()
    if expected.empty:
        return pd.DataFrame(columns=cols)
    n = reported.groupby("period")["unit"].nunique()
    m = expected.groupby("period")["unit"].nunique()
    c = carried_pairs(mine, tree, CARRY_QUARTERS, last).groupby("period")["unit"].nunique()
    order = sorted(m.index, key=periods.index)
    out = pd.DataFrame({"period": order})
    out["n_units"] = n.reindex(order).fillna(0).to_numpy(dtype="int64")
    out["expected"] = m.reindex(order).to_numpy(dtype="int64")
    out["carried"] = c.reindex(order).fillna(0).to_numpy(dtype="int64")
    out["complete"] = out["n_units"] >= out["expected"]
    return out[cols]


def coverage_all(observations: pd.DataFrame, units: pd.DataFrame, ancestors: pd.DataFrame) -> pd.DataFrame:
    """:func:`coverage` of every unit's subtree in one pass, with a ``unit`` column first.
    ``ancestors``: ``unit, ancestor`` pairs (:func:`metrics.goals.ancestors`)."""
    cols = ["unit", "period", "n_units", "expected", "carried", "complete"]
    obs = observations[observations["value"].notna()]
    if obs.empty:
        return pd.DataFrame(columns=cols)
    first, last = _bounds(obs["period"])
    reported = obs[["unit", "period"]].drop_duplicates()
    expected = pd.concat([expected_reporters(obs, units, first, last), reported]).drop_duplicates()
    carried = carried_pairs(obs, units, CARRY_QUARTERS, last)[["unit", "period"]]

    def per_ancestor(pairs: pd.DataFrame, name: str) -> pd.Series:
        up = pairs.merge(ancestors, on="unit")
        return up.groupby(["ancestor", "period"])["unit"].nunique().rename(name)

    out = pd.concat([per_ancestor(expected, "expected"), per_ancestor(reported, "n_units"),
                     per_ancestor(carried, "carried")], axis=1)
    out = out.fillna(0).astype("int64").reset_index().rename(columns={"ancestor": "unit"})
    out = out[out["expected"] > 0]
    out["complete"] = out["n_units"] >= out["expected"]
    out["_i"] = out["period"].map(periods.index)
    return out.sort_values(["unit", "_i"]).reset_index(drop=True)[cols]


def latest_complete(cover: pd.DataFrame, upto: str | None = None) -> str | None:
    """The latest complete quarter of a :func:`coverage` frame (at or before ``upto``)."""
    part = cover[cover["complete"]]
    if upto is not None:
        part = part[part["period"].map(periods.index) <= periods.index(upto)]
    return None if part.empty else part["period"].iloc[-1]


def default_quarter(cover: pd.DataFrame) -> str | None:
    """The quarter the dashboard opens on (and ``python -m reports status`` uses without
    ``--as-of``): the latest complete quarter of the federation's :func:`coverage`, else the
    latest quarter with data, else None."""
    if cover is None or cover.empty:
        return None
    return latest_complete(cover) or str(cover["period"].iloc[-1])


# --------------------------------------------------------------------------- roll-ups in parts
# The database keeps each unit's roll-up (store/summary.py). A unit's subtree is the unit itself
# plus the disjoint subtrees of its children, and every column of :func:`quarterly` and
# :func:`coverage` is a sum over units (``approximate``: any; a rate's value: recomputed from the
# summed paired parts), so a unit's rows are its *own* rows (:func:`own_quarterly`,
# :func:`own_coverage`: what it reported itself, plus its own carried stocks) combined with its
# children's rows (:func:`combine`, :func:`combine_coverage`). Each unit's own rows depend only
# on its own values, its reporting span and the latest quarter anyone reported, so after a write
# only the touched units, their ancestors and the quarters the carry reaches are recomputed.


def rate_value(num: pd.Series, den: pd.Series) -> np.ndarray:
    """A rate from its summed paired parts: ``num / den * 100``, NaN where ``den`` is not positive."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, np.nan) * 100, np.nan)


def own_quarterly(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, last: str | None = None,
                  *, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each unit's own roll-up: :func:`quarterly` of the unit alone (without its descendants),
    its stocks carried forward up to ``last`` (default: the latest quarter in ``observations``;
    pass the latest quarter anyone reported when ``observations`` is a window).

    Returns ``unit`` and :data:`QUARTERLY_COLUMNS`, one row per unit, indicator and quarter with
    data. ``observations`` that already have a ``carried`` column are used as they are.
    ``pairs``: the :func:`carried_pairs` of the same arguments, when the caller has them.
    """
    cols = ["unit", *QUARTERLY_COLUMNS]
    obs = observations[observations["value"].notna()]
    if obs.empty:
        return pd.DataFrame(columns=cols)
    if "carried" not in obs:
        obs = carry_forward(obs, units, catalog, last=last, pairs=pairs)
    obs = obs[["unit", "indicator", "period", "value", "approximate", "carried"]]
    summed = (obs.groupby(["unit", "indicator", "period"], sort=False)
              .agg(value=("value", "sum"), approximate=("approximate", "any"), n_units=("unit", "size"),
                   carried_units=("carried", "sum"))
              .reset_index())
    summed["n_units"] = 1  # one row per cell once current() has resolved it
    summed["num"] = np.nan
    summed["den"] = np.nan
    frames = [summed]
    # each indicator's summed cells once (one grouping), then per rate its two parts side by
    # side (:func:`summed_pairs`), rather than filtering and pivoting every cell once per rate
    by_indicator = dict(tuple(summed.groupby("indicator", sort=False)))
    for ind in catalog:
        if ind.kind != "rate":
            continue
        p = summed_pairs(by_indicator, ind.numerator, ind.denominator)
        if p.empty:
            continue
        frames.append(pd.DataFrame({
            "unit": p["unit"], "indicator": ind.code, "period": p["period"],
            "value": rate_value(p["num"], p["den"]), "approximate": p["approximate"].astype(bool),
            "n_units": 1, "carried_units": p["carried"].astype("int64"), "num": p["num"], "den": p["den"]}))
    out = pd.concat(frames, ignore_index=True)
    return typed_quarterly(out[out["indicator"].isin(set(catalog.codes))], cols)


def combine(parts: pd.DataFrame, catalog: Catalog, by: str = "unit") -> pd.DataFrame:
    """Rows of disjoint groups of units (own rows, children's roll-ups) summed per ``by``,
    indicator and quarter: value, n_units, carried_units, num and den summed, approximate if any
    part is, a rate's value recomputed from the summed parts (:func:`rate_value`). Returns ``by``
    and :data:`QUARTERLY_COLUMNS` sorted by ``by``, indicator, period."""
    cols = [by, *QUARTERLY_COLUMNS]
    if parts.empty:
        return pd.DataFrame(columns=cols)
    grouped = parts.astype({"value": float, "num": float, "den": float, "approximate": bool}).groupby(
        [by, "indicator", "period"], sort=True)
    g = pd.concat([grouped[["value", "num", "den"]].sum(min_count=1),  # all-missing parts stay missing
                   grouped[["n_units", "carried_units"]].sum(), grouped["approximate"].any()], axis=1).reset_index()
    rates = g["indicator"].isin({i.code for i in catalog if i.kind == "rate"}).to_numpy()
    if rates.any():
        g.loc[rates, "value"] = rate_value(g.loc[rates, "num"], g.loc[rates, "den"])
    return typed_quarterly(g, cols)


def typed_quarterly(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``frame``'s ``cols`` with the dtypes of :data:`QUARTERLY_COLUMNS` (value/num/den float,
    approximate bool, the unit counts int64), whatever a database driver handed back."""
    out = frame.reset_index(drop=True)
    out["value"] = out["value"].astype(float)
    out["approximate"] = out["approximate"].astype(bool)
    out["n_units"] = out["n_units"].astype("int64")
    out["carried_units"] = out["carried_units"].astype("int64")
    out["num"] = out["num"].astype(float)
    out["den"] = out["den"].astype(float)
    return out[cols]


COVERAGE_PARTS = ["unit", "period", "n_units", "expected", "carried"]


def own_coverage(observations: pd.DataFrame, units: pd.DataFrame, first: str, last: str, *,
                 expected: pd.DataFrame | None = None, carried: pd.DataFrame | None = None,
                 reported: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each unit's own part of :func:`coverage`: per unit and quarter ``first``..``last``, 1/0
    for reported (``n_units``), expected (:func:`expected_reporters`, or reported) and carried
    (:func:`carried_pairs`). ``first``/``last``: the first and latest quarter anyone reported.
    ``units`` must give each unit's span (``active_from`` else its first report; a unit merged
    without ``active_until``: its last report) when ``observations`` is only a window.
    ``expected``, ``carried``, ``reported``: :func:`expected_reporters` (``first``..``last``),
    :func:`carried_pairs` and the reported pairs of the same arguments, when the caller has
    them (:func:`own_parts`)."""
    obs = observations[observations["value"].notna()] if "value" in observations else observations
    if obs.empty and units.empty:
        return pd.DataFrame(columns=COVERAGE_PARTS)
    if reported is None:
        reported = obs[["unit", "period"]].drop_duplicates()
    if expected is None:
        expected = expected_reporters(obs, units, first, last)
    if carried is None:
        carried = carried_pairs(obs, units, CARRY_QUARTERS, last, reported=reported)
    expected = pd.concat([expected, reported]).drop_duplicates()
    carried = carried[["unit", "period"]].drop_duplicates()
    out = expected.assign(expected=1)
    out = out.merge(reported.assign(n_units=1), on=["unit", "period"], how="left")
    out = out.merge(carried.assign(carried=1), on=["unit", "period"], how="left")
    out["n_units"] = out["n_units"].fillna(0).astype("int64")
    out["carried"] = out["carried"].fillna(0).astype("int64")
    out["expected"] = out["expected"].astype("int64")
    return out[COVERAGE_PARTS].reset_index(drop=True)


def own_parts(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, first: str, last: str
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(own_quarterly(...), own_coverage(...))`` of the same units and values, with what both
    need made once: the expected reporters (:func:`expected_reporters`, ``first``..``last``),
    the reported pairs and the carried pairs (:func:`carried_pairs`, which would otherwise make
    the expected reporters again). Each frame equals the function's own result, row for row
    (the carried pairs take the expected quarters from the first of ``observations``, as
    :func:`carried_pairs` alone does)."""
    obs = observations[observations["value"].notna()] if "value" in observations else observations
    if obs.empty and units.empty:
        return own_quarterly(obs, units, catalog, last=last), pd.DataFrame(columns=COVERAGE_PARTS)
    reported = obs[["unit", "period"]].drop_duplicates()
    expected = expected_reporters(obs, units, first, last)
    pairs = carried_pairs(obs, units, CARRY_QUARTERS, last, expected=expected, reported=reported)
    return (own_quarterly(obs, units, catalog, last=last, pairs=pairs),
            own_coverage(obs, units, first, last, expected=expected, carried=pairs, reported=reported))


def combine_coverage(parts: pd.DataFrame, by: str = "unit") -> pd.DataFrame:
    """Coverage parts of disjoint groups of units summed per ``by`` and quarter, quarters with
    no expected unit left out: ``by, period, n_units, expected, carried, complete`` (as
    :func:`coverage`), sorted by ``by`` and quarter."""
    cols = [by, "period", "n_units", "expected", "carried", "complete"]
    if parts.empty:
        return pd.DataFrame(columns=cols)
    g = parts.groupby([by, "period"], sort=False)[["n_units", "expected", "carried"]].sum().reset_index()
    g = g[g["expected"] > 0].copy()
    for col in ("n_units", "expected", "carried"):
        g[col] = g[col].astype("int64")
    g["complete"] = g["n_units"] >= g["expected"]
    g["_i"] = _pindex(g["period"]) if len(g) else []
    return g.sort_values([by, "_i"]).reset_index(drop=True)[cols]
