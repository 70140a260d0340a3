"""需关注: the goals below pace, most urgent first, each with its lagging units and its
change since the previous quarter -- what the overview and the meeting brief open with.

Pure, like the rest of ``metrics/``: evaluated goals in (rows of
:func:`metrics.goals.evaluate_plan`, the one road from the stored state to a goal's row, and
the units grid of :func:`metrics.goals.evaluate_units`), a new frame out.

Which goals
-----------
A goal *needs attention* when :func:`metrics.progress.alert_for` gives it an alert: a goal
with a number whose pace status is 滞后 (behind), 严重滞后 (far behind) or 倒退
(regressing), or a goal without a number whose outlook is 趋势倒退 (deteriorating).

Order
-----
1. binding (约束性) goals before expected (预期性) ones;
2. within each, goals with a number by their **gap to the required pace**, largest first:

       gap = elapsed − progress        (percentage points when × 100)

   where ``elapsed`` is 时间进度 (the share of the plan's time gone) and ``progress`` is
   完成进度 (the share of the way from base to target covered); a goal on the straight path
   from base to target has gap 0, a goal that went backwards has progress < 0 and so a gap
   larger than ``elapsed``;
3. then goals without a number (no progress, so no gap), by outlook urgency;
4. ties keep the catalog order.

Slipped
-------
``slipped`` is True when the goal's status at the previous quarter was less urgent than now
(:data:`metrics.progress.STATUS_URGENCY`; for a goal without a number, its outlook,
:data:`metrics.progress.OUTLOOK_URGENCY`). A goal not evaluated then (no row, or no previous
quarter) has ``status_before`` "" and is not counted as slipped.

Lagging units
-------------
For each listed goal, the units (of the ``units_grid`` given, normally the chosen unit's
children) whose own row for that indicator has an alert, ordered as the goals are (gap
largest first, then status urgency), the worst ``worst`` of them (default 3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from metrics.progress import BINDING, OUTLOOK_URGENCY, STATUS_URGENCY

#: The columns of :func:`attention_list`.
ATTENTION_COLUMNS = [
    "indicator", "attribute", "binding", "target_type", "status", "outlook", "alert", "base", "current",
    "target", "progress", "elapsed", "gap", "observed_growth", "required_growth", "period", "approximate",
    "status_before", "outlook_before", "slipped", "lagging", "lagging_count",
    "reported", "expected", "incomplete", "held", "judged_at",
]

_S = {c: i for i, c in enumerate(STATUS_URGENCY)}
_O = {c: i for i, c in enumerate(OUTLOOK_URGENCY)}


def gap(progress: float, elapsed: float) -> float:
    """Gap to the required pace: ``elapsed - progress`` (shares; NaN when either is missing).

    >>> round(gap(0.32, 0.45), 2)
    0.13
    """
    if progress is None or elapsed is None or math.isnan(progress) or math.isnan(elapsed):
        return math.nan
    return float(elapsed) - float(progress)


def _urgency(status: str, outlook: str) -> int:
    """Rank of a row's state, smaller = more urgent: the status, or the outlook for a goal
    without a number (``direction_only``)."""
    if status == "direction_only":
        return _O.get(outlook, len(_O))
    return _S.get(status, len(_S))


def slipped(status: str, outlook: str, status_before: str, outlook_before: str) -> bool:
    """Is the state now more urgent than the quarter before? (False when there is no before.)"""
    if not status_before:
        return False
    if status == "direction_only" and status_before == "direction_only":
        return _O.get(outlook, 99) < _O.get(outlook_before, 99)
    return _S.get(status, 99) < _S.get(status_before, 99)


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    """Goals (or units) worst first: binding first when the frame has ``binding``, then those
    with a gap by gap descending, then those without by urgency; stable."""
    has_gap = frame["gap"].notna()
    keys = pd.DataFrame({
        "_b": ~frame["binding"] if "binding" in frame else False,
        "_n": ~has_gap,
        "_g": -frame["gap"].fillna(0.0),
        "_u": [_urgency(s, o) for s, o in zip(frame["status"], frame["outlook"])],
    }, index=frame.index)
    order = keys.sort_values(["_b", "_n", "_g", "_u"], kind="stable").index
    return frame.loc[order]


def lagging_units(units_grid: pd.DataFrame, indicator: str, worst: int = 3) -> list[dict]:
    """The units of ``units_grid`` (:func:`metrics.goals.evaluate_units` rows) below pace on
    ``indicator``, worst first, at most ``worst``: dicts ``unit, status, outlook, progress,
    elapsed, gap``."""
    if units_grid is None or units_grid.empty:
        return []
    part = units_grid[(units_grid["indicator"] == indicator) & (units_grid["alert"].fillna("") != "")]
    if part.empty:
        return []
    part = part.assign(gap=[gap(p, e) for p, e in zip(part["progress"].astype(float), part["elapsed"].astype(float))])
    part = _order(part)
    return [{"unit": str(r["unit"]), "status": r["status"], "outlook": r["outlook"], "progress": float(r["progress"]),
             "elapsed": float(r["elapsed"]), "gap": float(r["gap"])}
            for r in part.head(worst).to_dict("records")]


def attention_list(now: pd.DataFrame, before: pd.DataFrame | None = None, units_grid: pd.DataFrame | None = None,
                   *, worst: int = 3) -> pd.DataFrame:
    """The goals of ``now`` that need attention, in the order of the module docstring, with
    :data:`ATTENTION_COLUMNS`.

    ``now``: the evaluated goals at the quarter (:func:`metrics.goals.evaluate_plan`);
    ``before``: the same at the previous quarter (None or empty: nothing slipped);
    ``units_grid``: :func:`metrics.goals.evaluate_units` rows at the quarter for the units
    whose lagging ones are named (None: none named). ``lagging`` holds at most ``worst``
    units (:func:`lagging_units`), ``lagging_count`` how many units are below pace in all.
    Does not change its inputs.
    """
    if now is None or now.empty:
        return pd.DataFrame(columns=ATTENTION_COLUMNS)
    rows = now[now["alert"].fillna("") != ""].copy()
    rows["binding"] = rows["attribute"].isin(BINDING)
    rows["gap"] = [gap(p, e) for p, e in zip(rows["progress"].astype(float), rows["elapsed"].astype(float))]
    prev = {}
    if before is not None and len(before):
        prev = {r["indicator"]: (r["status"], r["outlook"]) for r in before.to_dict("records")}
    rows["status_before"] = [prev.get(c, ("", ""))[0] for c in rows["indicator"]]
    rows["outlook_before"] = [prev.get(c, ("", ""))[1] for c in rows["indicator"]]
    rows["slipped"] = [slipped(s, o, sb, ob) for s, o, sb, ob in
                       zip(rows["status"], rows["outlook"], rows["status_before"], rows["outlook_before"])]
    rows["lagging"] = [lagging_units(units_grid, c, worst) for c in rows["indicator"]]
    if units_grid is not None and len(units_grid):
        below = units_grid[units_grid["alert"].fillna("") != ""]["indicator"].value_counts()
    else:
        below = pd.Series(dtype=np.int64)
    rows["lagging_count"] = [int(below.get(c, 0)) for c in rows["indicator"]]
    for flag, default in (("reported", 0), ("expected", 0), ("incomplete", False), ("held", False), ("judged_at", "")):
        if flag not in rows:
            rows[flag] = default
    return _order(rows)[ATTENTION_COLUMNS].reset_index(drop=True)


def slipped_goals(now: pd.DataFrame, before: pd.DataFrame | None) -> list[str]:
    """Every goal of ``now`` whose state is more urgent than at the previous quarter (whether
    or not it is below pace), in the order of ``now``."""
    if now is None or now.empty or before is None or before.empty:
        return []
    prev = {r["indicator"]: (r["status"], r["outlook"]) for r in before.to_dict("records")}
    return [c for c, s, o in zip(now["indicator"], now["status"], now["outlook"])
            if c in prev and slipped(s, o, *prev[c])]
