"""Yearly pace: what a plan asks for each year, and what the rest of the plan now needs.

Pure arithmetic on the goal rows of :func:`metrics.goals.evaluate_plan` (no I/O). Years are
counted in quarters / 4, so a plan of 20 quarters is 5 years and, judged at the end of its
8th quarter, has 3 years left.

**The plan's yearly pace** (:func:`plan_pace`), what an even plan asks of one year:

* cumulative goal (a flow summed over the plan): ``target / plan_years`` per year;
* level goal: ``(target - base) / plan_years`` per year (an increase; negative for a goal
  below its base, e.g. a lower-is-better indicator).

**The pace the rest of the plan needs** (:func:`required_pace`), from the value the goal is
judged on at ``as_of``:

* cumulative goal: ``(target - done) / years_left`` per year, where ``done`` is the total
  since the plan started; 0 once the target is reached;
* level goal: the yearly increase ``(target - current) / years_left`` and, for a count or
  amount with positive values (not a rate), the compound yearly growth
  ``(target / current) ** (1 / years_left) - 1``; a rate's increase is in percentage points;
* a goal already reached needs nothing more (increase 0, growth 0); a direction-only goal
  (no number) or one without a current value has no required pace (NaN); so has any goal
  when no quarter of the plan is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from metrics import periods

NAN = math.nan


def _num(x) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return NAN
    return value


def years_left(plan_end: str, as_of: str) -> float:
    """Years of the plan after ``as_of``: quarters from the one after ``as_of`` to ``plan_end``, / 4.

    >>> years_left("2020Q4", "2017Q4")
    3.0
    >>> years_left("2020Q4", "2018Q2")
    2.5
    """
    return max(0, periods.index(plan_end) - periods.index(as_of)) / 4


def plan_years(plan_start: str, plan_end: str) -> float:
    """>>> plan_years("2016Q1", "2020Q4")
    5.0
    """
    return periods.count(plan_start, plan_end) / 4


def plan_pace(goal: Mapping, plan_start: str, plan_end: str) -> float:
    """What an even plan asks of one year (see the module docstring); NaN without a number."""
    target, base = _num(goal.get("target")), _num(goal.get("base"))
    years = plan_years(plan_start, plan_end)
    if math.isnan(target) or goal.get("target_type") == "direction" or years <= 0:
        return NAN
    if goal.get("target_type") == "cumulative":
        return target / years
    return NAN if math.isnan(base) else (target - base) / years


def required_pace(goal: Mapping, plan_end: str, as_of: str, *, is_rate: bool, direction: str = "up") -> dict:
    """What the rest of the plan needs each year: ``{"increase": float, "growth": float,
    "years_left": float}`` (growth NaN where it does not apply; see the module docstring).

    ``goal``: an evaluated goal row (``target_type``, ``target``, ``current``, and for a
    cumulative goal ``current`` is the total since the plan started, as
    :func:`metrics.goals.evaluate_plan` gives it).

    >>> required_pace({"target_type": "level", "target": 1800, "current": 1640}, "2020Q4", "2017Q4", is_rate=False)["increase"]
    53.333333333333336
    >>> round(required_pace({"target_type": "level", "target": 1800, "current": 1640}, "2020Q4", "2017Q4", is_rate=False)["growth"], 4)
    0.0315
    >>> required_pace({"target_type": "cumulative", "target": 2500, "current": 1300}, "2020Q4", "2017Q4", is_rate=False)["increase"]
    400.0
    """
    left = years_left(plan_end, as_of)
    out = {"increase": NAN, "growth": NAN, "years_left": left}
    target, current = _num(goal.get("target")), _num(goal.get("current"))
    if goal.get("target_type") == "direction" or math.isnan(target) or math.isnan(current):
        return out
    lower = direction == "down"
    reached = current <= target if lower else current >= target
    if reached:
        return {**out, "increase": 0.0, "growth": NAN if (is_rate or goal.get("target_type") == "cumulative") else 0.0}
    if left <= 0:
        return out
    out["increase"] = (target - current) / left
    if goal.get("target_type") != "cumulative" and not is_rate and current > 0 and target > 0:
        out["growth"] = (target / current) ** (1 / left) - 1
    return out


__all__ = ["plan_pace", "plan_years", "required_pace", "years_left"]
