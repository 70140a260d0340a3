"""Progress against the goals of a five-year plan: elapsed time, progress, pace status,
outlook, projection and trends, for one unit at one as-of quarter.

Everything here is pure: functions take frames and values, return new ones, never change
their input, and ignore every quarter after ``as_of`` (so any past quarter can be replayed).
:func:`evaluate` is the reference, one unit at a time; :func:`evaluate_grid` (with
:func:`unit_goals_grid`) gives the same pace and outlook for many units at once, with numpy
over a units x quarters matrix (section "every unit at once" at the end).

The two signals shown beside each goal
--------------------------------------

**Pace status** (进度状态), in the words of Chinese mid-term reviews ("时间过半、任务过半")::

    t        = quarters from plan start through the latest reported quarter <= as_of
               / quarters in the plan (20 for a five-year plan)
    progress = level target:      d * (current - base) / |target - base|
               cumulative target: sum of the flow since plan start / target
    r        = progress / t

``d`` is +1 for higher-is-better, -1 for lower-is-better, so a goal to go *down* from base
to target reads ``(base - current) / (base - target)``. Status, checked in this order
(defaults in :class:`Thresholds`; ratios are rounded to ``Thresholds.decimals`` before the
comparison so a hand-computed 0.9 is 0.9):

=================  ====================================================================
``no_data``        no current value, or no base (level goals)
``achieved``       the target is reached (level: current at or better than target;
                   cumulative: sum >= target) -- a fact, so it needs no trend
``no_data``        fewer than ``min_quarters`` (2) quarters reported in the plan
``ahead``          r >= 1.0
``on_track``       0.9 <= r < 1.0
``behind``         0.5 <= r < 0.9
``far_behind``     0 <= r < 0.5
``regressing``     r < 0: further from the target than the base
``direction_only`` a goal written with a direction and no number has no pace
=================  ====================================================================

**Outlook** (趋势研判), a second signal following Open SDG's progress measure
(open-sdg/sdg-build ``sdg/ProgressMeasure.py``, methodology in open-sdg/open-sdg
``docs/progress-methodology.md``)::

    growth(v1, v0, years) = (v1 / v0) ** (1 / years) - 1          (Open SDG growth_calculation)
    numeric target:  ratio = sign * d * growth(current, base, elapsed years)
                             / |growth(target, base, plan years)|
                     >= 0.95 on_track, >= 0.60 acceleration_needed, >= 0 limited, else deteriorating
    no number:       value = sign * d * growth(current, base, elapsed years)
                     >= 0.015*C on_track, >= 0.005*C acceleration_needed, >= 0 limited, else deteriorating
    C (natural limit L, base y0, exponent 4.44; as Open SDG):
                     1 - (y0/L)**4.44 if y0 <= L; 1 - ((2L - y0)/L)**4.44 if L < y0 < 2L; else 1

``sign`` is -1 when the base is negative (never, for union counts). Elapsed years run from
the base period (the quarter before plan start) to the latest reported quarter, in quarters
/ 4; plan years are the plan's quarters / 4. As in Open SDG, a reached target gives outlook
``achieved`` before any ratio, and a base or target of zero is replaced by 0.001 in the
growth formula. Where this module differs from Open SDG, and why:

* Minimum data: Open SDG needs two yearly values at least a year apart; here the outlook
  needs the same ``min_quarters`` reported quarters as the pace status.
* Cumulative targets (a total over the plan) have no growth rate to compare; their observed
  "growth" is the pace so far, ``sum / elapsed years``, and the required one
  ``target / plan years``, so the outlook ratio equals the pace ratio ``r`` and only the
  thresholds differ.
* A level target equal to its base requires zero growth; Open SDG would divide by zero.
  Here, if the target is not reached, the ratio is -inf (deteriorating).
* Natural limit: only percentages (``Indicator.is_percent``) have one, 100, and only for
  "raise" goals (Open SDG ignores a limit against the desired direction; a minimum limit of 0
  gives C = 1 by its formula anyway).
* "keep" (保持) goals: on_track while the value stays at or better than
  ``base - tolerance`` in the indicator's direction (tolerance: 1 percentage point for rates,
  2 % of the base for counts), otherwise deteriorating. Open SDG has no such case.
* Open SDG's -5..5 score and its aggregation over series are not used.

Projection (``projected``, ``projected_low``, ``projected_high``): see :func:`project`.

Alerts: a 约束性 (binding) goal that is behind, far behind or regressing (or, with no number,
whose outlook is deteriorating) gets ``"critical"``; a 预期性 one ``"warning"``; else ``""``.

Frames
------

``quarters``: a :func:`metrics.rollup.quarterly` frame (``indicator, period, value,
approximate, n_units``), one unit with its descendants.

``goals``: ``indicator, target_type`` (``level`` / ``cumulative`` / ``direction``),
``base, target`` (NaN for direction), ``attribute`` (``预期性`` / ``约束性``) and
``goal_direction`` (``raise`` / ``keep`` / ``lower``, or 提高 / 保持 / 降低, or empty: a
direction goal then follows the indicator's direction). For a flow, a level target
and its base are annual figures (the sum of four quarters).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import periods
from metrics.catalog import Catalog, Indicator

# --------------------------------------------------------------------------- codes & labels

STATUS_ZH = {
    "achieved": "提前实现",
    "ahead": "快于预期",
    "on_track": "基本符合预期",
    "behind": "滞后",
    "far_behind": "严重滞后",
    "regressing": "倒退",
    "no_data": "数据不足",
    "direction_only": "定性目标",
}
STATUS_EN = {
    "achieved": "Achieved",
    "ahead": "Ahead of pace",
    "on_track": "About on pace",
    "behind": "Behind",
    "far_behind": "Far behind",
    "regressing": "Moving away",
    "no_data": "Not enough data",
    "direction_only": "Direction only (no number)",
}
#: Status codes, most urgent first: sort by this to show what needs attention first.
STATUS_URGENCY = ("regressing", "far_behind", "behind", "no_data", "direction_only", "on_track", "ahead", "achieved")

OUTLOOK_ZH = {
    "achieved": "已实现",
    "on_track": "预计可完成",
    "acceleration_needed": "需加快进度",
    "limited": "进展有限",
    "deteriorating": "趋势倒退",
    "no_data": "无法研判",
}
OUTLOOK_EN = {
    "achieved": "Target achieved",
    "on_track": "On track",
    "acceleration_needed": "Acceleration needed",
    "limited": "Limited progress",
    "deteriorating": "Deterioration",
    "no_data": "Unable to assess",
}
#: Outlook codes, most urgent first.
OUTLOOK_URGENCY = ("deteriorating", "limited", "acceleration_needed", "no_data", "on_track", "achieved")

ALERT_URGENCY = ("critical", "warning", "")

BINDING = ("约束性", "binding")
TARGET_TYPES = ("level", "cumulative", "direction")
GOAL_DIRECTIONS = ("raise", "keep", "lower")
#: The words plans use for a goal with no number, accepted in ``goal_direction``.
GOAL_DIRECTION_WORDS = {"提高": "raise", "保持": "keep", "降低": "lower", "提升": "raise", "减少": "lower"}

EVALUATE_COLUMNS = [
    "indicator", "target_type", "attribute", "goal_direction", "base", "target", "current", "period",
    "elapsed", "progress", "ratio", "status", "alert",
    "outlook", "outlook_ratio", "required_growth", "observed_growth",
    "projected", "projected_low", "projected_high", "projection_model",
    "qoq", "yoy", "cagr", "ytd", "ytd_yoy", "quarters_reported", "approximate",
]


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the method, in one place. Pass a changed copy to :func:`evaluate`,
    e.g. ``Thresholds(on_track=0.85)``.

    Pace (r = progress / t): ``ahead`` <= r; ``on_track`` <= r < ``ahead``; ``behind`` <= r <
    ``on_track``; 0 <= r < ``behind`` is far behind; r < 0 regressing. ``min_quarters``: fewer
    quarters reported in the plan give ``no_data``.

    Outlook with a target (Open SDG method 2): ``outlook_high`` / ``outlook_med`` /
    ``outlook_low``. Without a number (Open SDG method 1): ``growth_high`` / ``growth_med`` /
    ``growth_low`` on the annual growth, the positive ones scaled by the limit coefficient
    with ``limit_exponent``. ``zero_replacement`` stands in for a zero base or target in the
    growth formula. ``keep_points`` / ``keep_share``: how far a "keep" goal may slip (rates
    in percentage points; counts as a share of the base). ``band_z``: width of the projection
    band in residual standard errors. ``decimals``: rounding before comparisons.
    """

    ahead: float = 1.0
    on_track: float = 0.9
    behind: float = 0.5
    min_quarters: int = 2
    outlook_high: float = 0.95
    outlook_med: float = 0.60
    outlook_low: float = 0.0
    growth_high: float = 0.015
    growth_med: float = 0.005
    growth_low: float = 0.0
    rate_limit: float = 100.0
    limit_exponent: float = 4.44
    zero_replacement: float = 0.001
    keep_points: float = 1.0
    keep_share: float = 0.02
    band_z: float = 1.96
    decimals: int = 9


DEFAULT_THRESHOLDS = Thresholds()


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float | int | np.floating | np.integer) and math.isnan(float(x)))


# --------------------------------------------------------------------------- time & progress


def elapsed_share(plan_start: str, plan_end: str, latest: str | None) -> float:
    """时间进度: quarters from ``plan_start`` through ``latest`` / quarters in the plan.

    >>> elapsed_share("2016Q1", "2020Q4", "2018Q2")
    0.5

    ``latest`` is the latest reported quarter (<= as_of); None or a quarter before the plan
    gives 0.0, one after it 1.0.
    """
    n = periods.count(plan_start, plan_end)
    if latest is None or n == 0:
        return 0.0
    return min(periods.count(plan_start, latest), n) / n


def sign_of(direction: str) -> int:
    """+1 for a higher-is-better direction (``up``, ``raise``), -1 for lower-is-better
    (``down``, ``lower``)."""
    if direction in ("up", "raise"):
        return 1
    if direction in ("down", "lower"):
        return -1
    raise ValueError(f"unknown direction {direction!r}")


def level_progress(current: float, base: float, target: float, direction: str = "up") -> float:
    """完成进度 of a level target: ``d * (current - base) / |target - base|``.

    ``d`` = +1 (up) or -1 (down), so going down from base to target reads
    ``(base - current) / (base - target)``. 1.0 means the target is reached, a negative value
    that the value moved away from the target. A base of zero is fine (``target - 0``).
    A target equal to its base gives 1.0 if the current value is at or better than it and NaN
    otherwise (no gap to measure against). Missing inputs give NaN.

    >>> level_progress(150, 100, 200)
    0.5
    >>> level_progress(8, 10, 6, "down")
    0.5
    """
    if _nan(current) or _nan(base) or _nan(target):
        return math.nan
    d = sign_of(direction)
    gap = abs(target - base)
    if gap == 0:
        return 1.0 if d * (current - target) >= 0 else math.nan
    return d * (current - base) / gap


def cumulative_progress(total: float, target: float) -> float:
    """完成进度 of a cumulative target: ``sum so far / target`` (NaN if the target is not
    positive or either is missing).

    >>> cumulative_progress(12500, 25000)
    0.5
    """
    if _nan(total) or _nan(target) or target <= 0:
        return math.nan
    return total / target


def is_reached(current: float, target: float, direction: str = "up") -> bool:
    """True when ``current`` is at or better than ``target`` in ``direction``."""
    if _nan(current) or _nan(target):
        return False
    return sign_of(direction) * (current - target) >= 0


def pace_ratio(progress: float, elapsed: float) -> float:
    """r = progress / t; NaN when no time has elapsed or progress is missing."""
    if _nan(progress) or _nan(elapsed) or elapsed <= 0:
        return math.nan
    return progress / elapsed


def pace_status(
    ratio: float,
    *,
    achieved: bool = False,
    quarters_reported: int = 2,
    thresholds: Thresholds | None = None,
) -> str:
    """The pace status code for a pace ratio r (see the module docstring for the table).

    ``achieved`` wins over everything; fewer than ``min_quarters`` reported quarters or a
    missing r give ``no_data``. Boundaries belong to the better status: r = 0.9 is on_track.

    >>> pace_status(0.9)
    'on_track'
    """
    th = thresholds or DEFAULT_THRESHOLDS
    if achieved:
        return "achieved"
    if quarters_reported < th.min_quarters or _nan(ratio):
        return "no_data"
    r = round(float(ratio), th.decimals) if math.isfinite(ratio) else ratio
    if r >= th.ahead:
        return "ahead"
    if r >= th.on_track:
        return "on_track"
    if r >= th.behind:
        return "behind"
    if r >= 0:
        return "far_behind"
    return "regressing"


def alert_for(status: str, attribute: str, outlook: str = "") -> str:
    """``"critical"`` for a binding (约束性) goal below 基本符合预期 (behind, far behind,
    regressing; for a goal with no number: outlook deteriorating), ``"warning"`` for an
    expected (预期性) one in the same state, else ``""``."""
    bad = status in ("behind", "far_behind", "regressing") or (
        status == "direction_only" and outlook == "deteriorating"
    )
    if not bad:
        return ""
    return "critical" if attribute in BINDING else "warning"


# --------------------------------------------------------------------------- outlook (Open SDG)


def growth_rate(current: float, base: float, years: float) -> float:
    """Compound annual growth ``(current / base) ** (1 / years) - 1`` (a fraction: 0.05 is 5 %).

    NaN when ``years`` <= 0, the base is zero, either value is missing, or they have
    different signs (no real root).

    >>> round(growth_rate(121, 100, 2), 9)
    0.1
    """
    if _nan(current) or _nan(base) or _nan(years) or years <= 0 or base == 0:
        return math.nan
    try:
        q = float(current) / float(base)
        if q < 0:
            return math.nan
        return q ** (1 / years) - 1
    except OverflowError:  # absurd ratios (e.g. from a base near zero)
        return math.inf


def _sdg_growth(current: float, base: float, years: float, zero: float) -> float:
    """Open SDG's growth_calculation with its zero replacement (0.001) for base and target."""
    base = zero if base == 0 else base
    return growth_rate(current, base, years)


def limit_coefficient(base: float, limit: float | None, exponent: float = 4.44) -> float:
    """Open SDG's scaling factor C in [0, 1] for a value near a natural limit.

    ``1 - (y0/L)**a`` if y0 <= L; ``1 - ((2L - y0)/L)**a`` if L < y0 < 2L; 1 if y0 >= 2L or
    there is no limit (absolute values, a = 4.44, as in ``get_progress_thresholds``).

    >>> round(limit_coefficient(50, 100), 4)
    0.9539
    """
    if limit is None or _nan(base):
        return 1.0
    b, lim = abs(base), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** exponent
    return 1 - ((2 * lim - b) / lim) ** exponent


def classify_outlook(value: float, high: float, med: float, low: float = 0.0, decimals: int = 9) -> str:
    """Open SDG's get_progress_status with our codes: ``value >= high`` on_track,
    ``med <= value < high`` acceleration_needed, ``low <= value < med`` limited,
    ``value < low`` deteriorating; NaN gives no_data."""
    if _nan(value):
        return "no_data"
    v = round(float(value), decimals) if math.isfinite(value) else value
    if v >= high:
        return "on_track"
    if v >= med:
        return "acceleration_needed"
    if v >= low:
        return "limited"
    return "deteriorating"


def target_outlook(
    current: float,
    base: float,
    target: float,
    elapsed_years: float,
    plan_years: float,
    direction: str = "up",
    thresholds: Thresholds | None = None,
) -> tuple[str, float, float, float]:
    """Outlook of a level goal with a number (Open SDG method 2).

    Returns ``(code, ratio, observed_growth, required_growth)`` with
    ``observed = growth(current, base, elapsed_years)``,
    ``required = growth(target, base, plan_years)`` and
    ``ratio = sign * d * observed / |required|`` (sign = -1 for a negative base). A reached
    target gives ``achieved``; a zero base or target is replaced by 0.001 (as Open SDG); a
    target equal to its base, not reached, gives ratio -inf.
    """
    th = thresholds or DEFAULT_THRESHOLDS
    if _nan(current) or _nan(base) or _nan(target):
        return "no_data", math.nan, math.nan, math.nan
    d = sign_of(direction)
    zero = th.zero_replacement
    observed = _sdg_growth(current, base, elapsed_years, zero)
    required = _sdg_growth(zero if target == 0 else target, base, plan_years, zero)
    if is_reached(current, target, direction):
        ratio = math.nan if _nan(observed) or _nan(required) or required == 0 else d * observed / abs(required)
        return "achieved", ratio, observed, required
    if _nan(observed) or _nan(required):
        return "no_data", math.nan, observed, required
    sign = -1 if base < 0 else 1
    if required == 0:
        ratio = math.copysign(math.inf, sign * d * observed) if observed != 0 else -math.inf
    else:
        ratio = sign * d * observed / abs(required)
    return classify_outlook(ratio, th.outlook_high, th.outlook_med, th.outlook_low, th.decimals), ratio, observed, required


def direction_outlook(
    current: float,
    base: float,
    elapsed_years: float,
    goal_direction: str,
    *,
    indicator_direction: str = "up",
    is_percent: bool = False,
    thresholds: Thresholds | None = None,
) -> tuple[str, float, float]:
    """Outlook of a goal written with a direction and no number (Open SDG method 1).

    ``raise`` / ``lower``: ``value = sign * d * growth(current, base, elapsed_years)``
    compared with 1.5 % · C (on_track), 0.5 % · C (acceleration_needed), 0 (limited), where C
    is :func:`limit_coefficient` of the *base* for percentages raised towards 100 (1 otherwise).
    ``keep``: on_track while ``d_ind * (current - base) >= -tolerance`` (1 point for rates, 2 %
    of the base for counts; ``d_ind`` from the indicator's direction), else deteriorating.

    Returns ``(code, value, C)``; for keep, ``value`` is the change ``d_ind * (current - base)``.
    """
    th = thresholds or DEFAULT_THRESHOLDS
    if _nan(current) or _nan(base):
        return "no_data", math.nan, math.nan
    if goal_direction == "keep":
        change = sign_of(indicator_direction) * (current - base)
        tol = th.keep_points if is_percent else th.keep_share * abs(base)
        code = "on_track" if round(change, th.decimals) >= -tol else "deteriorating"
        return code, change, 1.0
    d = sign_of(goal_direction)
    limit = th.rate_limit if (is_percent and d == 1) else None
    coeff = limit_coefficient(base, limit, th.limit_exponent)
    observed = _sdg_growth(current, base, elapsed_years, th.zero_replacement)
    if _nan(observed):
        return "no_data", math.nan, coeff
    sign = -1 if base < 0 else 1
    value = sign * d * observed
    code = classify_outlook(value, th.growth_high * coeff, th.growth_med * coeff,
                            th.growth_low * (coeff if th.growth_low > 0 else 1), th.decimals)
    return code, value, coeff


# --------------------------------------------------------------------------- projection


def project(
    values: pd.Series,
    target_periods: list[str],
    *,
    log_fit: bool = False,
    bounds: tuple[float, float] = (0.0, math.inf),
    z: float = 1.96,
) -> dict:
    """Project the sum of ``values`` over ``target_periods`` (one quarter for a stock or rate
    at plan end; the plan's last four quarters for an annual flow; every plan quarter for a
    cumulative target) from a least-squares trend through the reported quarters.

    ``values``: reported quarterly values indexed by period (NaN ignored). A target quarter
    already reported counts as observed; the others are predicted. Models, on x = quarter
    index: linear ``y = a + b x``; with ``log_fit`` (counts, all values > 0) also compound
    growth ``log y = a + b x``, used when its squared error in original units is smaller.

    Band: ``projected ± z * s * sqrt(m + m²/n + (Σ(x_j - x̄))² / Sxx)``, the prediction
    interval of a sum of m new quarters, with ``s`` the residual standard error of the chosen
    model in original units (n - 2 degrees of freedom). Needs 3 quarters (2 for a projection
    without band). Each predicted quarter is clipped to ``bounds`` (0..100 for rates, >= 0
    for counts), and the total to [reported sum + m * low bound, reported sum + m * high
    bound], so a cumulative total never falls below what is already reported. With
    ``log_fit``, a line that leaves the bounds in a future quarter (a count going negative)
    gives way to compound growth even when it fits better.

    Returns ``{"projected", "low", "high", "model"}`` (model ``"linear"``, ``"compound"``,
    ``"observed"`` when every target quarter is reported, or ``""``).
    """
    obs = values.dropna()
    obs = obs[[periods.is_period(p) for p in obs.index]]
    origin = periods.index(obs.index[0]) if len(obs) else 0  # small x keeps the fit exact
    x = np.array([periods.index(p) - origin for p in obs.index], dtype=float)
    y = obs.to_numpy(dtype=float)
    known = [p for p in target_periods if p in obs.index]
    future = [p for p in target_periods if p not in obs.index]
    observed_sum = float(obs.loc[known].sum()) if known else 0.0
    lo, hi = bounds
    if not future:
        v = float(np.clip(observed_sum, lo, hi))
        return {"projected": v, "low": v, "high": v, "model": "observed"}
    n = len(y)
    if n < 2 or np.ptp(x) == 0:
        return {"projected": math.nan, "low": math.nan, "high": math.nan, "model": ""}
    xf = np.array([periods.index(p) - origin for p in future], dtype=float)
    b, a = np.polyfit(x, y, 1)
    fitted, pred, model = a + b * x, a + b * xf, "linear"
    sse = float(((y - fitted) ** 2).sum())
    if log_fit and (y > 0).all():
        bl, al = np.polyfit(x, np.log(y), 1)
        fitted_log = np.exp(al + bl * x)
        sse_log = float(((y - fitted_log) ** 2).sum())
        # A line that leaves the bounds (a count falling below zero) is no projection of a
        # count: compound growth, which never does, is used instead.
        linear_leaves = bool(((pred < lo) | (pred > hi)).any())
        if sse_log < sse or linear_leaves:
            pred, sse, model = np.exp(al + bl * xf), sse_log, "compound"
    pred = np.clip(pred, lo, hi)  # each future quarter within bounds, not just the total
    m = len(xf)
    projected = observed_sum + float(pred.sum())
    if n > 2:
        s = math.sqrt(sse / (n - 2))
        sxx = float(((x - x.mean()) ** 2).sum())
        half = z * s * math.sqrt(m + m * m / n + float((xf - x.mean()).sum()) ** 2 / sxx)
        low, high = projected - half, projected + half
    else:
        low = high = math.nan
    # The total lies between the reported part plus m quarters at the lower bound and the
    # reported part plus m quarters at the upper bound (a cumulative total never falls below
    # what is already reported).
    floor, ceiling = observed_sum + m * lo, observed_sum + m * hi

    def clip(v: float) -> float:
        return v if _nan(v) else float(min(max(v, floor), ceiling))

    return {"projected": clip(projected), "low": clip(low), "high": clip(high), "model": model}


# --------------------------------------------------------------------------- values & trends


def _series(quarters: pd.DataFrame, indicator: str, as_of: str) -> pd.Series:
    """One indicator's reported values up to ``as_of``, indexed by period in time order."""
    part = quarters[(quarters["indicator"] == indicator) & quarters["value"].notna()]
    idx = part["period"].map(periods.index)
    part = part[idx <= periods.index(as_of)]
    part = part.assign(_i=part["period"].map(periods.index)).sort_values("_i")
    return pd.Series(part["value"].to_numpy(dtype=float), index=part["period"].to_numpy())


def _window_sum(s: pd.Series, end: str, length: int = 4) -> float:
    """Sum over the ``length`` quarters ending at ``end``; NaN unless all are reported."""
    window = periods.span(periods.shift(end, -(length - 1)), end)
    if not all(p in s.index for p in window):
        return math.nan
    return float(s.loc[window].sum())


def base_value(quarters: pd.DataFrame, indicator: Indicator, plan_start: str) -> float:
    """A unit's base (基期值) from its quarterly frame.

    stock or rate: the value in the quarter before ``plan_start`` (2015Q4 for 2016Q1);
    flow: the sum of the four quarters before ``plan_start`` (the base year), NaN unless all
    four are reported (a partial year would understate every later ratio).
    """
    base_q = periods.previous(plan_start)
    return _base_from(_series(quarters, indicator.code, base_q), indicator, base_q)


def _base_from(s: pd.Series, indicator: Indicator, base_q: str) -> float:
    """:func:`base_value` from one indicator's series cut at the base quarter."""
    if indicator.kind == "flow":
        return _window_sum(s, base_q)
    return float(s.loc[base_q]) if base_q in s.index else math.nan


def _relative(now: float, before: float) -> float:
    if _nan(now) or _nan(before) or before == 0:
        return math.nan
    try:
        return (float(now) - float(before)) / abs(float(before))
    except OverflowError:
        return math.copysign(math.inf, float(now) - float(before))


def indicator_trends(
    quarters: pd.DataFrame, indicator: Indicator, as_of: str, base: float, plan_start: str
) -> dict:
    """Trends at the latest reported quarter <= ``as_of`` (``period``):

    ``value``: that quarter's value; ``qoq`` / ``yoy``: change on the previous quarter / the
    same quarter a year before -- a fraction (0.05 = +5 %) for counts, a difference in
    percentage points for rates (as reports say "提高2个百分点"); ``cagr``: compound annual
    growth since the base period (quarter before ``plan_start``) of the level (the stock or
    rate, or for a flow its last-four-quarter sum), plain (NaN for a zero base); for flows
    ``ytd`` (the year to date, reported quarters only) and ``ytd_yoy`` (its change on the same
    quarters a year before, a fraction). NaN where data is missing.
    """
    return _trends(_series(quarters, indicator.code, as_of), indicator, base, plan_start)


def _trends(s: pd.Series, indicator: Indicator, base: float, plan_start: str) -> dict:
    """:func:`indicator_trends` on one indicator's series already cut at as_of."""
    out = {k: math.nan for k in ("value", "qoq", "yoy", "cagr", "ytd", "ytd_yoy")}
    out["period"] = None
    if s.empty:
        return out
    p = s.index[-1]
    v = float(s.iloc[-1])
    prev = s.get(periods.previous(p), math.nan)
    ago = s.get(periods.year_ago(p), math.nan)
    if indicator.kind == "rate":
        out["qoq"], out["yoy"] = v - prev, v - ago
    else:
        out["qoq"], out["yoy"] = _relative(v, prev), _relative(v, ago)
    level = _window_sum(s, p) if indicator.kind == "flow" else v
    years = (periods.index(p) - periods.index(periods.previous(plan_start))) / 4
    out["cagr"] = growth_rate(level, base, years)
    if indicator.kind == "flow":
        this = [q for q in periods.span(periods.year_start(p), p) if q in s.index]
        out["ytd"] = float(s.loc[this].sum()) if this else math.nan
        last = [periods.year_ago(q) for q in periods.span(periods.year_start(p), p)]
        last = [q for q in last if q in s.index]
        out["ytd_yoy"] = _relative(out["ytd"], float(s.loc[last].sum())) if last else math.nan
    out["value"], out["period"] = v, p
    return out


# --------------------------------------------------------------------------- evaluate


def evaluate(
    goals: pd.DataFrame,
    quarters: pd.DataFrame,
    catalog: Catalog,
    plan_start: str,
    plan_end: str,
    as_of: str,
    thresholds: Thresholds | None = None,
    *,
    detail: bool = True,
) -> pd.DataFrame:
    """Every goal of a plan, for the unit whose ``quarters`` these are, as of ``as_of``.

    ``detail=False`` skips the projection and the trends (left NaN): the status grid of many
    units needs only the pace and the outlook, and this is most of the time per goal.

    Data after ``as_of`` (and after ``plan_end``) is ignored. Per goal:

    * ``current``: level goals: the latest reported value in the plan up to as_of for stocks
      and rates, the sum of the latest four quarters for flows (an annual figure, NaN unless
      all four are reported); cumulative goals: the sum of the flow from plan start (累计完成).
      ``period``: the latest reported quarter it comes from.
    * ``elapsed`` (t), ``progress``, ``ratio`` (r), ``status``, ``alert``: see the module
      docstring. The direction is the goal's ``raise``/``lower`` if given, else the
      indicator's. A cumulative goal does not need a base. For a cumulative goal on a
      lower-is-better indicator the target is a ceiling: ``progress`` is the share of it
      used, r = t / progress (below 1 when spending faster than time), achieved only at plan
      end within the ceiling, regressing once it is exceeded.
    * ``outlook``, ``outlook_ratio``, ``observed_growth``, ``required_growth``: Open SDG's
      measure (module docstring); for cumulative goals the growths are amounts per year.
    * ``projected``, ``projected_low``, ``projected_high``, ``projection_model``: the value
      the target is judged on at plan end (see :func:`project`).
    * ``qoq``, ``yoy``, ``cagr``, ``ytd``, ``ytd_yoy``: :func:`indicator_trends`.
    * ``quarters_reported``: quarters with data from plan start to as_of; ``approximate``:
      any figure behind ``current`` was approximate (余/多/约).

    Returns one row per goal, in the order of ``goals``, with :data:`EVALUATE_COLUMNS`.
    Does not change its inputs.
    """
    th = thresholds or DEFAULT_THRESHOLDS
    end = as_of if periods.index(as_of) <= periods.index(plan_end) else plan_end
    plan_q = periods.count(plan_start, plan_end)
    plan_years = plan_q / 4
    base_period = periods.previous(plan_start)
    by_indicator = _split(quarters, end)
    rows = [
        _evaluate_goal(goal, by_indicator, catalog, plan_start, plan_end, end, plan_years, base_period, th, detail)
        for goal in goals.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=EVALUATE_COLUMNS)


def _text(value: object) -> str:
    return "" if _nan(value) else str(value).strip()


def _float(value: object) -> float:
    return math.nan if _nan(value) or value == "" else float(value)


def _split(quarters: pd.DataFrame, as_of: str) -> dict[str, tuple[pd.Series, dict]]:
    """Each indicator's reported values up to ``as_of`` (as :func:`_series`) and its
    approximate flags by period, from one pass over ``quarters``."""
    limit = periods.index(as_of)
    values: dict[str, list] = {}
    flags: dict[str, dict] = {}
    for code, p, v, a in zip(quarters["indicator"].to_numpy(), quarters["period"].to_numpy(),
                             quarters["value"].to_numpy(dtype=float), quarters["approximate"].to_numpy(dtype=bool)):
        flags.setdefault(code, {})[p] = bool(a)
        if not math.isnan(v):
            i = periods.index(p)
            if i <= limit:
                values.setdefault(code, []).append((i, p, v))
    out = {}
    for code, f in flags.items():
        rows = sorted(values.get(code, []))
        out[code] = (pd.Series([r[2] for r in rows], index=[r[1] for r in rows], dtype=float), f)
    return out


_EMPTY = (pd.Series([], dtype=float), {})


def _evaluate_goal(goal, by_indicator, catalog, plan_start, plan_end, end, plan_years, base_period, th, detail) -> dict:
    ind = catalog[goal["indicator"]]
    target_type = _text(goal.get("target_type")) or "level"
    if target_type not in TARGET_TYPES:
        raise ValueError(f"goal {ind.code}: unknown target_type {target_type!r}")
    goal_dir = _text(goal.get("goal_direction"))
    goal_dir = GOAL_DIRECTION_WORDS.get(goal_dir, goal_dir)
    if goal_dir and goal_dir not in GOAL_DIRECTIONS:
        raise ValueError(f"goal {ind.code}: unknown goal_direction {goal_dir!r} (use raise, keep or lower)")
    attribute = _text(goal.get("attribute"))
    base, target = _float(goal.get("base")), _float(goal.get("target"))
    direction = goal_dir if goal_dir in ("raise", "lower") else ind.direction
    d_word = "up" if sign_of(direction) == 1 else "down"

    s_all, flags = by_indicator.get(ind.code, _EMPTY)
    in_plan = s_all[[periods.index(p) >= periods.index(plan_start) for p in s_all.index]]
    reported = len(in_plan)
    latest = in_plan.index[-1] if reported else None
    t = elapsed_share(plan_start, plan_end, latest)
    years = (periods.index(latest) - periods.index(base_period)) / 4 if latest else math.nan

    if target_type == "cumulative":
        current = float(in_plan.sum()) if reported else math.nan
        used_periods = list(in_plan.index)
    elif ind.kind == "flow":
        current = _window_sum(s_all, latest) if latest else math.nan
        used_periods = periods.span(periods.shift(latest, -3), latest) if latest else []
    else:
        current = float(in_plan.iloc[-1]) if reported else math.nan
        used_periods = [latest] if latest else []
    approximate = bool(any(flags.get(p, False) for p in used_periods))

    row = dict(
        indicator=ind.code, target_type=target_type, attribute=attribute, goal_direction=goal_dir,
        base=base, target=target, current=current, period=latest, elapsed=t,
        progress=math.nan, ratio=math.nan, status="no_data", alert="",
        outlook="no_data", outlook_ratio=math.nan, required_growth=math.nan, observed_growth=math.nan,
        quarters_reported=reported, approximate=approximate,
    )

    # --- pace and outlook
    if target_type == "direction":
        row["status"] = "direction_only"
        enough = reported >= th.min_quarters and not _nan(current) and not _nan(base)
        if enough:
            code, value, _coeff = direction_outlook(
                current, base, years, goal_dir or ("raise" if ind.direction == "up" else "lower"),
                indicator_direction=ind.direction,
                is_percent=ind.is_percent, thresholds=th,
            )
            row["outlook"], row["outlook_ratio"] = code, value
        row["observed_growth"] = growth_rate(current, base, years)
    elif target_type == "level":
        if not (_nan(current) or _nan(base) or _nan(target)):
            progress = level_progress(current, base, target, d_word)
            reached = is_reached(current, target, d_word)
            ratio = pace_ratio(progress, t)
            if not reached and _nan(progress):  # target equal to base, not reached
                ratio = -math.inf
            row["progress"], row["ratio"] = progress, ratio
            row["status"] = pace_status(ratio, achieved=reached, quarters_reported=reported, thresholds=th)
            code, oratio, observed, required = target_outlook(current, base, target, years, plan_years, d_word, th)
            if code != "achieved" and reported < th.min_quarters:
                code = "no_data"
            row.update(outlook=code, outlook_ratio=oratio, observed_growth=observed, required_growth=required)
    else:  # cumulative
        if not (_nan(current) or _nan(target)) and target > 0:
            used = cumulative_progress(current, target)
            if d_word == "up":
                reached = current >= target
                ratio = pace_ratio(used, t)
            else:
                reached = t >= 1 and current <= target
                ratio = (math.inf if used == 0 else t / used) if t > 0 else math.nan
                if current > target:
                    ratio = -math.inf
            row["progress"], row["ratio"] = used, ratio
            row["status"] = pace_status(ratio, achieved=reached, quarters_reported=reported, thresholds=th)
            observed = current / years if years and years > 0 else math.nan
            required = target / plan_years
            row.update(observed_growth=observed, required_growth=required, outlook_ratio=ratio)
            if reached:
                row["outlook"] = "achieved"
            elif reported >= th.min_quarters:
                row["outlook"] = classify_outlook(ratio, th.outlook_high, th.outlook_med, th.outlook_low, th.decimals)
    row["alert"] = alert_for(row["status"], attribute, row["outlook"])

    if not detail:
        row.update(projected=math.nan, projected_low=math.nan, projected_high=math.nan, projection_model="",
                   qoq=math.nan, yoy=math.nan, cagr=math.nan, ytd=math.nan, ytd_yoy=math.nan)
        return row

    # --- projection at plan end
    if target_type == "cumulative":
        tp = periods.span(plan_start, plan_end)
    elif ind.kind == "flow":
        tp = periods.span(periods.shift(plan_end, -3), plan_end)
    else:
        tp = [plan_end]
    bounds = (0.0, th.rate_limit) if ind.is_percent else (0.0, math.inf)
    proj = project(in_plan, tp, log_fit=not ind.is_percent, bounds=bounds, z=th.band_z)
    row.update(projected=proj["projected"], projected_low=proj["low"], projected_high=proj["high"],
               projection_model=proj["model"])

    # --- trends
    tr = _trends(s_all, ind, base, plan_start)
    row.update(qoq=tr["qoq"], yoy=tr["yoy"], cagr=tr["cagr"], ytd=tr["ytd"], ytd_yoy=tr["ytd_yoy"])
    return row


def sort_by_urgency(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of an :func:`evaluate` frame, what needs attention first: by ``alert``
    (critical, warning, none), then ``status`` (:data:`STATUS_URGENCY`), then ``outlook``
    (:data:`OUTLOOK_URGENCY`); ties keep their order. Returns a new frame."""
    def rank(order):
        pos = {code: i for i, code in enumerate(order)}
        return lambda col: col.map(lambda c: pos.get(c, len(order)))

    keys = frame.assign(
        _a=rank(ALERT_URGENCY)(frame["alert"]),
        _s=rank(STATUS_URGENCY)(frame["status"]),
        _o=rank(OUTLOOK_URGENCY)(frame["outlook"]),
    )
    return keys.sort_values(["_a", "_s", "_o"], kind="stable").drop(columns=["_a", "_s", "_o"]).reset_index(drop=True)


# --------------------------------------------------------------------------- a unit's goals


def unit_goals(
    goals: pd.DataFrame,
    unit_quarters: pd.DataFrame,
    catalog: Catalog,
    plan_start: str,
    quotas: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The federation's goals applied to one child unit, ready for :func:`evaluate`.

    ``base``: the unit's own :func:`base_value` (its base-period value). ``target``:

    * the unit's own quota, if ``quotas`` has one for the indicator (``target_source`` =
      ``"quota"``);
    * otherwise (``"derived"``): a rate keeps the federation's level; any other number scales
      by the unit's base, ``unit_target = unit_base * target / federation_base`` -- for a
      level target the same relative growth, for a cumulative flow the unit's share of the
      target by its share of the base year's flow. NaN when the federation base is zero or
      missing (no share to scale by) or the unit has no base;
    * direction goals keep NaN (``target_source`` = ``""``).

    Also returns ``federation_base`` and ``federation_target``. Does not change ``goals``.
    """
    quotas = dict(quotas or {})
    base_q = periods.previous(plan_start)
    split = _split(unit_quarters, base_q)
    out = goals.copy()
    out["federation_base"] = goals["base"].astype(float)
    out["federation_target"] = goals["target"].astype(float)
    bases, targets, sources = [], [], []
    for goal in goals.to_dict("records"):
        ind = catalog[goal["indicator"]]
        ub = _base_from(split.get(ind.code, _EMPTY)[0], ind, base_q)
        fb, ft = _float(goal.get("base")), _float(goal.get("target"))
        kind = _text(goal.get("target_type")) or "level"
        quota = _float(quotas.get(ind.code))
        if kind == "direction":
            target, source = math.nan, ""
        elif not _nan(quota):
            target, source = quota, "quota"
        elif ind.kind == "rate" and kind == "level":
            target, source = ft, "derived"
        elif _nan(fb) or fb == 0 or _nan(ub):
            target, source = math.nan, "derived"
        else:
            target, source = ub * ft / fb, "derived"
        bases.append(ub)
        targets.append(target)
        sources.append(source)
    out["base"] = bases
    out["target"] = targets
    out["target_source"] = sources
    return out


# --------------------------------------------------------------------------- every unit at once
#
# The same method as :func:`evaluate` (``detail=False``) and :func:`unit_goals`, computed for
# many units in one numpy pass per goal instead of a Python loop over units. Each unit's
# quarterly values of an indicator are a row of a units x quarters matrix (NaN = not
# reported); every formula above is applied to whole columns of that matrix, and the status
# and outlook codes come from the same thresholds (:class:`Thresholds`) through
# :func:`pace_status_array` and :func:`classify_outlook_array`, the array forms of
# :func:`pace_status` and :func:`classify_outlook`. The per-unit functions stay the reference:
# tests/test_metrics_grid.py checks the two agree cell by cell.


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
    """
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

    groups = pd.DataFrame({"i": indicator, "t": ttype, "d": gdir}).groupby(["i", "t", "d"], sort=False).indices
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
