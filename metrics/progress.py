"""Progress against the goals of a five-year plan: elapsed time, progress, pace status,
outlook, projection and trends, for one unit at one as-of quarter.

Everything here is pure: functions take frames and values, return new ones, never change
their input, and ignore every quarter after ``as_of`` (so any past quarter can be replayed).
:func:`evaluate` is the reference, one unit at a time; :func:`metrics.grid.evaluate_grid`
(with :func:`metrics.grid.unit_goals_grid`) gives the same pace and outlook for many units at
once, with numpy over a units x quarters matrix.

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
  A *floor* -- a binding (约束性) keep goal, or one written "以上" / "不低于" / "at least" /
  "or above" (:func:`is_floor`) -- has no tolerance: below the base is deteriorating.
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

# --------------------------------------------------------------------------- codes
#
# The words a reader sees for each code are in the string catalog: i18n/<lang>/signals.toml
# (``signals.status.<code>``, ``signals.outlook.<code>``, ``signals.alert.<code>``).

#: Status codes, most urgent first: sort by this to show what needs attention first.
STATUS_URGENCY = ("regressing", "far_behind", "behind", "no_data", "direction_only", "on_track", "ahead", "achieved")

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


#: A required growth closer to zero than this (a year) is taken as zero: a target equal to its
#: base can differ from it in the last bit after a sum or a quota, and its growth is then
#: 1e-16 instead of 0, which would turn "no growth needed" into a ratio of 1e15.
GROWTH_EPSILON = 1e-12


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
    ``ratio = sign * d * observed / |required|`` (sign = -1 for a negative base; a required
    growth within ``GROWTH_EPSILON`` of zero counts as zero). A reached
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
    if abs(required) < GROWTH_EPSILON:  # NaN stays NaN
        required = 0.0
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


#: Words that make a "keep" goal a floor (保持在98%以上): no tolerance below it.
FLOOR_WORDS = ("以上", "不低于", "不少于", "at least", "or above", "or more", "no less than")


def is_floor(goal: Mapping) -> bool:
    """True for a "keep" goal that is a floor: binding (约束性), or worded "以上" / "不低于" /
    "at least" / "or above" in either language."""
    if _text(goal.get("attribute")) in BINDING:
        return True
    words = f"{_text(goal.get('goal_text_zh'))} {_text(goal.get('goal_text_en'))}".lower()
    return any(w in words for w in FLOOR_WORDS)


def direction_outlook(
    current: float,
    base: float,
    elapsed_years: float,
    goal_direction: str,
    *,
    indicator_direction: str = "up",
    is_percent: bool = False,
    thresholds: Thresholds | None = None,
    floor: bool = False,
) -> tuple[str, float, float]:
    """Outlook of a goal written with a direction and no number (Open SDG method 1).

    ``raise`` / ``lower``: ``value = sign * d * growth(current, base, elapsed_years)``
    compared with 1.5 % · C (on_track), 0.5 % · C (acceleration_needed), 0 (limited), where C
    is :func:`limit_coefficient` of the *base* for percentages raised towards 100 (1 otherwise).
    ``keep``: on_track while ``d_ind * (current - base) >= -tolerance`` (1 point for rates, 2 %
    of the base for counts; ``d_ind`` from the indicator's direction), else deteriorating.
    With ``floor`` (:func:`is_floor`) the tolerance is 0: below the base is deteriorating.

    Returns ``(code, value, C)``; for keep, ``value`` is the change ``d_ind * (current - base)``.
    """
    th = thresholds or DEFAULT_THRESHOLDS
    if _nan(current) or _nan(base):
        return "no_data", math.nan, math.nan
    if goal_direction == "keep":
        change = sign_of(indicator_direction) * (current - base)
        tol = 0.0 if floor else (th.keep_points if is_percent else th.keep_share * abs(base))
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
    gives way to compound growth even when it fits better; compound growth so steep that
    ``exp`` overflows in a future quarter is never used (the line stays).

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
        with np.errstate(over="ignore"):
            compound = np.exp(al + bl * xf)
        # Growth so steep that exp() overflows is no projection either: the line stays.
        if (sse_log < sse or linear_leaves) and np.isfinite(compound).all():
            pred, sse, model = compound, sse_log, "compound"
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
                is_percent=ind.is_percent, thresholds=th, floor=is_floor(goal),
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
