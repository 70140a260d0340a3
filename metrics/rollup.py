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
  rates. Per quarter only units that reported both parts count, so a unit that forgot its
  denominator cannot inflate the rate. A zero or missing denominator gives NaN.

A quarter nobody reported is missing (absent or NaN), never zero. ``n_units`` says how many
units were summed, so a caller can tell a partial total from a full one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from metrics import periods
from metrics.catalog import Catalog

QUARTERLY_COLUMNS = ["indicator", "period", "value", "approximate", "n_units"]


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


def quarterly(observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog, unit: str) -> pd.DataFrame:
    """Every indicator per quarter for ``unit`` and its descendants.

    Returns the columns ``indicator, period, value, approximate, n_units``, sorted by
    indicator then period; rates are computed from their parts (see the module docstring).
    """
    members = set(subtree(units, unit))
    obs = observations[observations["unit"].isin(members) & observations["value"].notna()]
    summed = (
        obs.groupby(["indicator", "period"], sort=True)
        .agg(value=("value", "sum"), approximate=("approximate", "any"), n_units=("unit", "nunique"))
        .reset_index()
    )
    rates = [_rate_quarterly(obs, ind.code, ind.numerator, ind.denominator) for ind in catalog if ind.kind == "rate"]
    frame = pd.concat([summed, *rates], ignore_index=True) if rates else summed
    frame = frame[frame["indicator"].isin(set(catalog.codes))]
    frame["approximate"] = frame["approximate"].astype(bool)
    frame["n_units"] = frame["n_units"].astype("int64")
    return frame.sort_values(["indicator", "period"]).reset_index(drop=True)[QUARTERLY_COLUMNS]


def _rate_quarterly(obs: pd.DataFrame, code: str, numerator: str, denominator: str) -> pd.DataFrame:
    """rate = sum(numerator) / sum(denominator) * 100 per quarter, over units that reported both."""
    parts = obs[obs["indicator"].isin([numerator, denominator])]
    if parts.empty:
        return pd.DataFrame(columns=QUARTERLY_COLUMNS)
    wide = parts.pivot_table(
        index=["unit", "period"], columns="indicator", values="value", aggfunc="sum"
    )
    if numerator not in wide or denominator not in wide:
        return pd.DataFrame(columns=QUARTERLY_COLUMNS)
    approx = parts.groupby(["unit", "period"])["approximate"].any()
    wide = wide.dropna(subset=[numerator, denominator]).join(approx)
    per_q = wide.groupby(level="period").agg(
        num=(numerator, "sum"), den=(denominator, "sum"), approximate=("approximate", "any"), n_units=(numerator, "size")
    )
    value = np.where(per_q["den"] > 0, per_q["num"] / per_q["den"].where(per_q["den"] > 0) * 100, np.nan)
    return pd.DataFrame(
        {
            "indicator": code,
            "period": per_q.index.astype(str),
            "value": value,
            "approximate": per_q["approximate"].to_numpy(dtype=bool),
            "n_units": per_q["n_units"].to_numpy(dtype="int64"),
        }
    )


def over_span(quarters: pd.DataFrame, catalog: Catalog, start: str, end: str) -> pd.DataFrame:
    """Each indicator's value over the quarters ``start``..``end`` from a :func:`quarterly` frame.

    flow: the sum of the reported quarters (NaN if none); stock: the latest quarter in the
    span with data; rate of stocks: the rate at the latest quarter with both parts; rate of
    flows: summed numerator / summed denominator. Returns one row per indicator that has data,
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
            num = inside[inside["indicator"] == ind.numerator]
            den = inside[inside["indicator"] == ind.denominator]
            if num.empty or den.empty or den["value"].sum() == 0:
                continue
            rows.append((ind.code, num["value"].sum() / den["value"].sum() * 100,
                         bool(num["approximate"].any() or den["approximate"].any()),
                         max(num["period"].max(), den["period"].max()), len(den)))
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


# A quarter counts as complete when at least this share of the units that reported the busiest
# earlier quarter have reported it. Totals of an incomplete quarter are partial sums.
COMPLETE_SHARE = 0.9


def coverage(observations: pd.DataFrame, units: pd.DataFrame, unit: str) -> pd.DataFrame:
    """How many units of ``unit``'s subtree reported anything, per quarter, and whether the
    quarter is complete.

    ``complete`` is True when ``n_units >= COMPLETE_SHARE * max(n_units of all earlier
    quarters)``; the first quarter is complete. So when one community has sent 2018Q1 and the
    other 83 units have not, 2018Q1 is incomplete (1 of 84) and its federation totals are not
    the quarter's totals. Returns ``period, n_units, expected, complete`` sorted by period,
    where ``expected`` is the earlier maximum (or ``n_units`` for the first quarter).
    """
    members = set(subtree(units, unit))
    obs = observations[observations["unit"].isin(members) & observations["value"].notna()]
    counts = obs.groupby("period")["unit"].nunique()
    order = sorted(counts.index, key=periods.index)
    counts = counts.reindex(order)
    earlier = counts.cummax().shift(1)
    expected = earlier.fillna(counts).astype("int64")
    complete = counts >= COMPLETE_SHARE * expected
    return pd.DataFrame({"period": order, "n_units": counts.to_numpy(dtype="int64"),
                         "expected": expected.to_numpy(dtype="int64"), "complete": complete.to_numpy(dtype=bool)})


def latest_complete(cover: pd.DataFrame, upto: str | None = None) -> str | None:
    """The latest complete quarter of a :func:`coverage` frame (at or before ``upto``)."""
    part = cover[cover["complete"]]
    if upto is not None:
        part = part[part["period"].map(periods.index) <= periods.index(upto)]
    return None if part.empty else part["period"].iloc[-1]
