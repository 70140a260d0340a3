"""metrics.progress: every status and outlook boundary on hand-computed cases, then properties.

The plan in all cases is 2016Q1-2020Q4 (20 quarters, 5 years), base period 2015Q4. With
as_of 2018Q2, ten quarters are reported, so t = 0.5 and r = 2 * progress; with as_of 2017Q4,
eight quarters, so 2 years have elapsed since the base.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import periods
from i18n import strings, t
from metrics import progress as P
from tests.metrics_fixtures import catalog_with_lower_is_better

START, END = "2016Q1", "2020Q4"


@pytest.fixture(scope="module")
def catalog():
    return catalog_with_lower_is_better()


def frame(*series: tuple[str, dict], approximate: tuple[str, ...] = ()) -> pd.DataFrame:
    """A quarterly frame from ``(indicator, {period: value})`` pairs."""
    rows = [
        (code, p, float(v), p in approximate, 1)
        for code, values in series
        for p, v in values.items()
    ]
    return pd.DataFrame(rows, columns=["indicator", "period", "value", "approximate", "n_units"])


def flat(start: str, end: str, value: float, **override: float) -> dict:
    """``value`` in every quarter from start to end, with some quarters overridden."""
    out = {p: value for p in periods.span(start, end)}
    out.update(override)
    return out


def goal(indicator, target_type="level", base=np.nan, target=np.nan, attribute="预期性", goal_direction=""):
    return dict(indicator=indicator, target_type=target_type, base=base, target=target,
                attribute=attribute, goal_direction=goal_direction)


def one(catalog, g: dict, quarters: pd.DataFrame, as_of: str) -> pd.Series:
    """Evaluate a single goal and return its row."""
    out = P.evaluate(pd.DataFrame([g]), quarters, catalog, START, END, as_of)
    assert len(out) == 1
    return out.iloc[0]


# --------------------------------------------------------------------------- elapsed share


@pytest.mark.parametrize(
    "latest, expected",
    [
        pytest.param("2016Q1", 0.05, id="first-quarter-is-1/20"),
        pytest.param("2018Q2", 0.5, id="half-way"),
        pytest.param("2020Q4", 1.0, id="plan-end"),
        pytest.param("2022Q1", 1.0, id="after-plan-end-caps-at-1"),
        pytest.param("2015Q4", 0.0, id="before-plan-start"),
        pytest.param(None, 0.0, id="nothing-reported"),
    ],
)
def test_elapsed_share_counts_quarters_through_the_latest_reported(latest, expected):
    assert P.elapsed_share(START, END, latest) == pytest.approx(expected)


def test_elapsed_share_uses_latest_reported_quarter_not_as_of(catalog):
    # members reported through 2018Q1 only: t = 9/20 although as_of is 2018Q2
    q = frame(("members", flat("2016Q1", "2018Q1", 120)))
    row = one(catalog, goal("members", base=100, target=200), q, "2018Q2")
    assert row["period"] == "2018Q1"
    assert row["elapsed"] == pytest.approx(9 / 20)
    assert row["progress"] == pytest.approx(0.2)
    assert row["ratio"] == pytest.approx(0.2 / 0.45)


# --------------------------------------------------------------------------- pace status, level

LEVEL_PACE = [
    # current at 2018Q2 (t = 0.5), base 100, target 200
    pytest.param(230, 1.3, "achieved", id="beyond-target-is-achieved"),
    pytest.param(200, 1.0, "achieved", id="exactly-at-target-is-achieved"),
    pytest.param(150, 0.5, "ahead", id="r-exactly-1.0-is-ahead"),
    pytest.param(149, 0.49, "on_track", id="r-0.98-is-on-track"),
    pytest.param(145, 0.45, "on_track", id="r-exactly-0.9-is-on-track"),
    pytest.param(144, 0.44, "behind", id="r-0.88-is-behind"),
    pytest.param(125, 0.25, "behind", id="r-exactly-0.5-is-behind"),
    pytest.param(124, 0.24, "far_behind", id="r-0.48-is-far-behind"),
    pytest.param(100, 0.0, "far_behind", id="r-exactly-0-is-far-behind"),
    pytest.param(99, -0.01, "regressing", id="below-base-is-regressing"),
]


@pytest.mark.parametrize("current, progress, status", LEVEL_PACE)
def test_level_goal_pace_status(catalog, current, progress, status):
    q = frame(("members", flat("2015Q4", "2018Q2", 100, **{"2018Q2": current})))
    row = one(catalog, goal("members", base=100, target=200), q, "2018Q2")
    assert row["current"] == current
    assert row["elapsed"] == 0.5
    assert row["progress"] == pytest.approx(progress)
    assert row["ratio"] == pytest.approx(progress / 0.5)
    assert row["status"] == status
    assert t(f"signals.status.{row['status']}", "zh")  # every code has a Chinese label


CUMULATIVE_PACE = [
    # ten equal quarters 2016Q1..2018Q2 (t = 0.5), target 1000 over the plan
    pytest.param(100, 1000, 1.0, "achieved", id="target-reached-half-way-is-achieved"),
    pytest.param(50, 500, 0.5, "ahead", id="r-exactly-1.0-is-ahead"),
    pytest.param(45, 450, 0.45, "on_track", id="r-exactly-0.9-is-on-track"),
    pytest.param(44, 440, 0.44, "behind", id="r-0.88-is-behind"),
    pytest.param(25, 250, 0.25, "behind", id="r-exactly-0.5-is-behind"),
    pytest.param(24, 240, 0.24, "far_behind", id="r-0.48-is-far-behind"),
    pytest.param(0, 0, 0.0, "far_behind", id="r-exactly-0-is-far-behind"),
]


@pytest.mark.parametrize("per_quarter, total, progress, status", CUMULATIVE_PACE)
def test_cumulative_goal_pace_status(catalog, per_quarter, total, progress, status):
    # base-year quarters are ignored by the sum: it starts at plan start
    q = frame(("disputes_mediated", flat("2015Q1", "2018Q2", per_quarter, **dict.fromkeys(
        periods.span("2015Q1", "2015Q4"), 999))))
    row = one(catalog, goal("disputes_mediated", "cumulative", base=3996, target=1000), q, "2018Q2")
    assert row["current"] == total
    assert row["progress"] == pytest.approx(progress)
    assert row["status"] == status


def test_cumulative_goal_needs_no_base(catalog):
    q = frame(("disputes_mediated", flat("2016Q1", "2018Q2", 50)))
    row = one(catalog, goal("disputes_mediated", "cumulative", target=1000), q, "2018Q2")
    assert row["status"] == "ahead"


# --------------------------------------------------------------------------- lower is better

LOWER_LEVEL = [
    # accidents (stock, down): base 10, target 6, t = 0.5
    pytest.param(8, 0.5, "ahead", id="half-way-down-is-ahead"),
    pytest.param(9, 0.25, "behind", id="quarter-way-down-is-behind"),
    pytest.param(6, 1.0, "achieved", id="at-target-is-achieved"),
    pytest.param(5, 1.25, "achieved", id="below-target-is-achieved"),
    pytest.param(11, -0.25, "regressing", id="above-base-is-regressing"),
]


@pytest.mark.parametrize("current, progress, status", LOWER_LEVEL)
def test_lower_is_better_level_goal_mirrors_progress(catalog, current, progress, status):
    q = frame(("accidents", flat("2016Q1", "2018Q2", 10, **{"2018Q2": current})))
    row = one(catalog, goal("accidents", base=10, target=6), q, "2018Q2")
    assert row["progress"] == pytest.approx(progress)
    assert row["status"] == status


LOWER_CUMULATIVE = [
    # complaints (flow, down): a ceiling of 400 over the plan; progress = share used, r = t / used
    pytest.param("2018Q2", 20, 0.5, 1.0, "ahead", id="half-used-half-way-is-ahead"),
    pytest.param("2018Q2", 25, 0.625, 0.8, "behind", id="using-faster-than-time-is-behind"),
    pytest.param("2018Q2", 45, 1.125, -math.inf, "regressing", id="ceiling-exceeded-is-regressing"),
    pytest.param("2020Q4", 19, 0.95, 1 / 0.95, "achieved", id="within-ceiling-at-plan-end-is-achieved"),
]


@pytest.mark.parametrize("as_of, per_quarter, used, ratio, status", LOWER_CUMULATIVE)
def test_lower_is_better_cumulative_goal_is_a_ceiling(catalog, as_of, per_quarter, used, ratio, status):
    q = frame(("complaints", flat("2016Q1", as_of, per_quarter)))
    row = one(catalog, goal("complaints", "cumulative", base=100, target=400), q, as_of)
    assert row["progress"] == pytest.approx(used)
    assert row["ratio"] == pytest.approx(ratio)
    assert row["status"] == status


# --------------------------------------------------------------------------- special bases, too little data


@pytest.mark.parametrize(
    "base, target, current, progress, status",
    [
        pytest.param(0, 50, 25, 0.5, "ahead", id="base-zero-half-way"),
        pytest.param(0, 50, 0, 0.0, "far_behind", id="base-zero-still-zero"),
        pytest.param(95, 95, 96, 1.0, "achieved", id="base-equals-target-reached"),
        pytest.param(95, 95, 95, 1.0, "achieved", id="base-equals-target-held"),
        pytest.param(95, 95, 94, math.nan, "regressing", id="base-equals-target-slipped"),
        pytest.param(math.nan, 95, 94, math.nan, "no_data", id="no-base-is-no-data"),
    ],
)
def test_level_goal_with_special_base(catalog, base, target, current, progress, status):
    q = frame(("union_establishment_rate", flat("2016Q1", "2018Q2", current)))
    row = one(catalog, goal("union_establishment_rate", base=base, target=target), q, "2018Q2")
    if math.isnan(progress):
        assert math.isnan(row["progress"])
    else:
        assert row["progress"] == pytest.approx(progress)
    assert row["status"] == status


@pytest.mark.parametrize(
    "g, values, status, outlook",
    [
        pytest.param(goal("members", base=100, target=200), {"2016Q1": 120}, "no_data", "no_data",
                     id="level-single-quarter-is-no-data"),
        pytest.param(goal("disputes_mediated", "cumulative", target=1000), {"2016Q1": 120}, "no_data", "no_data",
                     id="cumulative-single-quarter-is-no-data"),
        pytest.param(goal("members", base=100, target=200), {"2016Q1": 210}, "achieved", "achieved",
                     id="level-reached-in-first-quarter-is-achieved"),
        pytest.param(goal("members", base=100, target=200), {"2015Q4": 100}, "no_data", "no_data",
                     id="nothing-in-plan-is-no-data"),
        pytest.param(goal("union_establishment_rate", "direction", base=90, goal_direction="raise"),
                     {"2016Q1": 95}, "direction_only", "no_data", id="direction-single-quarter-has-no-outlook"),
    ],
)
def test_too_little_data(catalog, g, values, status, outlook):
    row = one(catalog, g, frame((g["indicator"], values)), "2016Q1")
    assert row["status"] == status
    assert row["outlook"] == outlook


def test_flow_with_level_target_uses_the_latest_four_quarters(catalog):
    # annual figure 2017Q3..2018Q2 = 15 * 4 = 60; base 40, target 80 -> progress 0.5, t 0.5
    q = frame(("disputes_mediated", flat("2016Q1", "2018Q2", 15, **{"2017Q2": 999})))
    row = one(catalog, goal("disputes_mediated", base=40, target=80), q, "2018Q2")
    assert row["current"] == 60
    assert row["progress"] == pytest.approx(0.5)
    assert row["status"] == "ahead"


def test_flow_with_level_target_and_a_gap_in_the_last_year_is_no_data(catalog):
    values = flat("2016Q1", "2018Q2", 15)
    del values["2017Q4"]
    row = one(catalog, goal("disputes_mediated", base=40, target=80), frame(("disputes_mediated", values)), "2018Q2")
    assert math.isnan(row["current"])
    assert row["status"] == "no_data"


# --------------------------------------------------------------------------- alerts


@pytest.mark.parametrize(
    "status, attribute, outlook, alert",
    [
        pytest.param("behind", "约束性", "", "critical", id="binding-behind-is-critical"),
        pytest.param("far_behind", "约束性", "", "critical", id="binding-far-behind-is-critical"),
        pytest.param("regressing", "约束性", "", "critical", id="binding-regressing-is-critical"),
        pytest.param("behind", "预期性", "", "warning", id="expected-behind-is-warning"),
        pytest.param("regressing", "预期性", "", "warning", id="expected-regressing-is-warning"),
        pytest.param("on_track", "约束性", "", "", id="binding-on-track-no-alert"),
        pytest.param("no_data", "约束性", "", "", id="no-data-no-alert"),
        pytest.param("direction_only", "约束性", "deteriorating", "critical", id="binding-direction-deteriorating"),
        pytest.param("direction_only", "预期性", "limited", "", id="expected-direction-limited-no-alert"),
    ],
)
def test_alert(status, attribute, outlook, alert):
    assert P.alert_for(status, attribute, outlook) == alert


def test_binding_goal_behind_is_flagged_critical_in_evaluate(catalog):
    q = frame(("members", flat("2016Q1", "2018Q2", 125)))
    goals = pd.DataFrame([goal("members", base=100, target=200, attribute="约束性"),
                          goal("members", base=100, target=200, attribute="预期性")])
    out = P.evaluate(goals, q, catalog, START, END, "2018Q2")
    assert list(out["status"]) == ["behind", "behind"]
    assert list(out["alert"]) == ["critical", "warning"]


# --------------------------------------------------------------------------- outlook, numeric target

REQUIRED_10PCT = 100 * 1.1**5  # 161.051: needs 10 % a year over 5 years


@pytest.mark.parametrize(
    "current, ratio, outlook",
    [
        pytest.param(100 * 1.095**2, 0.95, "on_track", id="ratio-exactly-0.95-on-track"),
        pytest.param(100 * 1.094**2, 0.94, "acceleration_needed", id="ratio-0.94-acceleration"),
        pytest.param(100 * 1.06**2, 0.60, "acceleration_needed", id="ratio-exactly-0.60-acceleration"),
        pytest.param(100 * 1.059**2, 0.59, "limited", id="ratio-0.59-limited"),
        pytest.param(100, 0.0, "limited", id="ratio-exactly-0-limited"),
        pytest.param(100 * 0.99**2, -0.1, "deteriorating", id="falling-is-deteriorating"),
        pytest.param(170, math.nan, "achieved", id="target-reached-is-achieved"),
    ],
)
def test_level_outlook_compares_observed_with_required_growth(catalog, current, ratio, outlook):
    # as_of 2017Q4: 2 years since the 2015Q4 base; required growth 10 % a year
    q = frame(("members", flat("2016Q1", "2017Q4", 100, **{"2017Q4": current})))
    row = one(catalog, goal("members", base=100, target=REQUIRED_10PCT), q, "2017Q4")
    assert row["required_growth"] == pytest.approx(0.10)
    assert row["outlook"] == outlook
    if not math.isnan(ratio):
        assert row["outlook_ratio"] == pytest.approx(ratio)
    assert t(f"signals.outlook.{outlook}", "zh") and t(f"signals.outlook.{outlook}", "en")


def test_lower_is_better_outlook_counts_a_fall_as_progress(catalog):
    # accidents 100 -> 50 over 5 years needs -12.94 %/yr; observed 100 -> 81 in 2 years is -10 %/yr
    q = frame(("accidents", flat("2016Q1", "2017Q4", 100, **{"2017Q4": 81})))
    row = one(catalog, goal("accidents", base=100, target=50), q, "2017Q4")
    assert row["observed_growth"] == pytest.approx(-0.10)
    assert row["required_growth"] == pytest.approx(0.5**0.2 - 1)
    assert row["outlook_ratio"] == pytest.approx(0.10 / (1 - 0.5**0.2))  # 0.7725
    assert row["outlook"] == "acceleration_needed"


def test_base_of_zero_uses_open_sdg_replacement_in_outlook(catalog):
    # growth from 0.001 (Open SDG's stand-in for zero): observed (25/0.001)**(1/2.5) - 1
    q = frame(("members", flat("2016Q1", "2018Q2", 25)))
    row = one(catalog, goal("members", base=0, target=50), q, "2018Q2")
    assert row["observed_growth"] == pytest.approx(25000**0.4 - 1)
    assert row["required_growth"] == pytest.approx(50000**0.2 - 1)
    assert row["outlook"] == "on_track"
    assert math.isnan(row["cagr"])  # the plain trend figure has no growth from zero


@pytest.mark.parametrize(
    "per_quarter, outlook",
    [
        pytest.param(47.5, "on_track", id="ratio-exactly-0.95-on-track"),
        pytest.param(30, "acceleration_needed", id="ratio-exactly-0.60-acceleration"),
        pytest.param(29, "limited", id="ratio-0.58-limited"),
        pytest.param(0, "limited", id="ratio-exactly-0-limited"),
    ],
)
def test_cumulative_outlook_compares_yearly_pace(catalog, per_quarter, outlook):
    q = frame(("disputes_mediated", flat("2016Q1", "2018Q2", per_quarter)))
    row = one(catalog, goal("disputes_mediated", "cumulative", target=1000), q, "2018Q2")
    assert row["required_growth"] == pytest.approx(200)  # 1000 over 5 years
    assert row["observed_growth"] == pytest.approx(per_quarter * 10 / 2.5)
    assert row["outlook"] == outlook


# --------------------------------------------------------------------------- outlook, direction only


@pytest.mark.parametrize(
    "base, limit, coefficient",
    [
        pytest.param(98, 100, 0.0858, id="near-limit-damps-hard"),
        pytest.param(50, 100, 0.9539, id="half-way-barely-damps"),
        pytest.param(100, 100, 0.0, id="at-limit-is-zero"),
        pytest.param(150, 100, 1 - 0.5**4.44, id="above-limit-mirrors"),
        pytest.param(200, 100, 1.0, id="twice-the-limit-no-damping"),
        pytest.param(98, None, 1.0, id="no-limit"),
    ],
)
def test_limit_coefficient_follows_open_sdg(base, limit, coefficient):
    assert P.limit_coefficient(base, limit) == pytest.approx(coefficient, abs=1e-4)


@pytest.mark.parametrize(
    "indicator, goal_direction, base, current, outlook",
    [
        # rate near its limit of 100: 98 -> 98.5 in 2 years is +0.25 %/yr, above 1.5 % * 0.0858
        pytest.param("union_establishment_rate", "raise", 98, 98.5, "on_track", id="rate-near-limit-small-rise-on-track"),
        # the same growth for a count (no limit) is below 0.5 %: limited
        pytest.param("members", "raise", 98, 98.5, "limited", id="count-same-rise-limited"),
        pytest.param("members", "raise", 100, 102.01, "acceleration_needed", id="count-1pct-a-year-acceleration-needed"),
        pytest.param("members", "raise", 100, 100 * 1.015**2, "on_track", id="count-exactly-1.5pct-on-track"),
        pytest.param("members", "raise", 100, 100 * 1.005**2, "acceleration_needed", id="count-exactly-0.5pct"),
        pytest.param("members", "raise", 100, 100, "limited", id="count-flat-is-limited"),
        pytest.param("union_establishment_rate", "raise", 100, 100, "on_track", id="rate-held-at-limit-on-track"),
        pytest.param("union_establishment_rate", "raise", 98, 97.9, "deteriorating", id="rate-near-limit-falling"),
        pytest.param("members", "lower", 100, 100 * 0.98**2, "on_track", id="lower-count-falling-2pct-on-track"),
        pytest.param("members", "lower", 100, 101, "deteriorating", id="lower-count-rising-deteriorating"),
        pytest.param("union_establishment_rate", "keep", 95, 94.0, "on_track", id="keep-rate-within-1-point"),
        pytest.param("union_establishment_rate", "keep", 95, 93.9, "deteriorating", id="keep-rate-slips-over-1-point"),
        pytest.param("members", "keep", 1000, 980, "on_track", id="keep-count-within-2pct"),
        pytest.param("members", "keep", 1000, 979, "deteriorating", id="keep-count-slips-over-2pct"),
        pytest.param("members", "keep", 1000, 1500, "on_track", id="keep-count-rising-is-fine"),
    ],
)
def test_direction_only_goal_has_no_pace_but_an_outlook(catalog, indicator, goal_direction, base, current, outlook):
    # a binding keep goal is a floor (no tolerance, see test_honest_numbers): the tolerance
    # cases are expected (预期性) goals, whose alert is a warning
    attribute = "预期性" if goal_direction == "keep" else "约束性"
    q = frame((indicator, flat("2016Q1", "2017Q4", base, **{"2017Q4": current})))
    g = goal(indicator, "direction", base=base, goal_direction=goal_direction, attribute=attribute)
    row = one(catalog, g, q, "2017Q4")
    assert row["status"] == "direction_only"
    assert math.isnan(row["progress"])
    assert row["outlook"] == outlook
    alert = "critical" if attribute == "约束性" else "warning"
    assert row["alert"] == (alert if outlook == "deteriorating" else "")


@pytest.mark.parametrize(
    "word, outlook",
    [
        pytest.param("提高", "on_track", id="zh-raise"),
        pytest.param("保持", "on_track", id="zh-keep"),
        pytest.param("降低", "deteriorating", id="zh-lower"),
        pytest.param("", "on_track", id="empty-follows-indicator-direction-up"),
    ],
)
def test_direction_goal_accepts_chinese_words(catalog, word, outlook):
    q = frame(("members", flat("2016Q1", "2017Q4", 100, **{"2017Q4": 110})))
    row = one(catalog, goal("members", "direction", base=100, goal_direction=word), q, "2017Q4")
    assert row["outlook"] == outlook


@pytest.mark.parametrize(
    "g",
    [
        pytest.param(goal("members", "total", base=1, target=2), id="unknown-target-type"),
        pytest.param(goal("members", "direction", base=1, goal_direction="up-ish"), id="unknown-goal-direction"),
    ],
)
def test_evaluate_refuses_a_malformed_goal(catalog, g):
    with pytest.raises(ValueError, match="members"):
        one(catalog, g, frame(("members", {"2016Q1": 1})), "2016Q1")


def test_docstring_examples_hold():
    import doctest

    assert doctest.testmod(P).failed == 0


def test_direction_outlook_reports_damping_coefficient():
    code, value, coeff = P.direction_outlook(98.5, 98, 2, "raise", is_percent=True)
    assert coeff == pytest.approx(1 - 0.98**4.44)
    assert value == pytest.approx((98.5 / 98) ** 0.5 - 1)
    assert code == "on_track"


# --------------------------------------------------------------------------- projection


def test_projection_of_a_straight_line_is_exact_with_no_band():
    s = pd.Series([10.0, 12, 14, 16], index=periods.span("2016Q1", "2016Q4"))
    out = P.project(s, ["2017Q2"])
    assert out["projected"] == pytest.approx(20.0)
    assert out["low"] == pytest.approx(20.0) and out["high"] == pytest.approx(20.0)
    assert out["model"] == "linear"


def test_projection_band_is_the_prediction_interval():
    # x = 0,1,2; y = 0,2,1 -> y = 0.5 + 0.5x, SSE 1.5, s = sqrt(1.5); predict x = 3: 2.0
    # half width = 1.96 * s * sqrt(1 + 1/3 + (3 - 1)^2 / 2)
    s = pd.Series([0.0, 2, 1], index=periods.span("2016Q1", "2016Q3"))
    out = P.project(s, ["2016Q4"], bounds=(-math.inf, math.inf))
    half = 1.96 * math.sqrt(1.5) * math.sqrt(1 + 1 / 3 + 2)
    assert out["projected"] == pytest.approx(2.0)
    assert out["low"] == pytest.approx(2.0 - half)
    assert out["high"] == pytest.approx(2.0 + half)


def test_projection_prefers_compound_growth_for_counts_when_it_fits_better():
    s = pd.Series([100.0, 110, 121, 133.1], index=periods.span("2016Q1", "2016Q4"))
    assert P.project(s, ["2017Q1"], log_fit=True)["projected"] == pytest.approx(146.41)
    assert P.project(s, ["2017Q1"], log_fit=True)["model"] == "compound"
    assert P.project(s, ["2017Q1"], log_fit=False)["model"] == "linear"


def test_projection_of_growth_too_steep_for_exp_keeps_the_line():
    # a count growing 1e50-fold a quarter fits compound growth exactly, but five quarters on
    # exp() overflows: the projection is the line's (finite), with no overflow warning
    s = pd.Series([1.0, 1e50, 1e100], index=periods.span("2016Q1", "2016Q3"))
    with np.errstate(over="raise"):
        out = P.project(s, periods.span("2016Q4", "2018Q4"), log_fit=True)
    assert out["model"] == "linear"
    assert math.isfinite(out["projected"]) and out["projected"] > 1e100


def test_projection_of_a_total_adds_reported_and_predicted_quarters():
    s = pd.Series([10.0, 10, 10], index=periods.span("2016Q1", "2016Q3"))
    out = P.project(s, periods.span("2016Q1", "2017Q4"))
    assert out["projected"] == pytest.approx(80.0)
    assert out["model"] == "linear"


def test_projection_of_a_rate_is_clipped_to_100(catalog):
    q = frame(("union_establishment_rate", {p: 80 + 5 * i for i, p in enumerate(periods.span("2016Q1", "2017Q4"))}))
    row = one(catalog, goal("union_establishment_rate", base=80, target=95), q, "2017Q4")
    assert row["projected"] == 100.0
    assert row["projection_model"] == "linear"


def test_projection_at_plan_end_is_the_observed_value(catalog):
    q = frame(("members", {p: 100 + i for i, p in enumerate(periods.span("2016Q1", "2020Q4"))}))
    row = one(catalog, goal("members", base=100, target=150), q, "2020Q4")
    assert row["projected"] == row["current"] == 119
    assert row["projection_model"] == "observed"


def test_projection_of_a_total_never_falls_below_what_is_reported():
    # a sparse flow: 1, 0, 0, 1, 1, 0, 0, 0 -> the line falls below zero; the future quarters
    # are clipped to 0 each, so the plan's total is at least the 3 already reported (it was 0.0)
    s = pd.Series([1.0, 0, 0, 1, 1, 0, 0, 0], index=periods.span("2016Q1", "2017Q4"))
    out = P.project(s, periods.span("2016Q1", "2020Q4"), log_fit=True)
    b, a = np.polyfit(np.arange(8.0), s.to_numpy(), 1)
    expected = 3 + sum(max(a + b * x, 0.0) for x in range(8, 20))
    assert out["projected"] == pytest.approx(expected)
    assert out["projected"] >= 3 and out["low"] >= 3
    assert out["model"] == "linear"  # zeros: no compound fit


def test_projection_of_a_falling_count_uses_compound_growth_not_a_negative_line():
    # 24, 8, 9, 13, 20, 8, 5, 8: the line (slope -1.46 a quarter) is below zero in 2020, which a
    # count cannot be; compound growth is used although its squared error is larger
    s = pd.Series([24.0, 8, 9, 13, 20, 8, 5, 8], index=periods.span("2016Q1", "2017Q4"))
    target = periods.span("2020Q1", "2020Q4")
    x = np.arange(8.0)
    bl, al = np.polyfit(x, np.log(s.to_numpy()), 1)
    out = P.project(s, target, log_fit=True)
    assert out["model"] == "compound"
    assert out["projected"] == pytest.approx(float(np.exp(al + bl * np.arange(16.0, 20.0)).sum()))
    assert out["projected"] > 0
    assert P.project(s, target, log_fit=False)["projected"] == 0.0  # linear, each quarter clipped to 0


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 50), min_size=3, max_size=12))
def test_property_a_projected_total_is_at_least_the_reported_sum(values):
    s = pd.Series([float(v) for v in values], index=periods.span("2016Q1", periods.shift("2016Q1", len(values) - 1)))
    out = P.project(s, periods.span("2016Q1", "2020Q4"), log_fit=True)
    if not math.isnan(out["projected"]):
        assert out["projected"] >= s.sum() - 1e-9
        assert out["low"] >= s.sum() - 1e-9


def test_evaluate_without_detail_keeps_pace_and_outlook_and_skips_projection(catalog):
    q = frame(("members", {p: 100 + 3 * i for i, p in enumerate(periods.span("2015Q4", "2017Q4"))}),
              ("trainees", {p: 10.0 for p in periods.span("2016Q1", "2017Q4")}))
    goals = pd.DataFrame([goal("members", base=100, target=150), goal("trainees", target_type="cumulative", target=200)])
    full = P.evaluate(goals, q, catalog, START, END, "2017Q4")
    quick = P.evaluate(goals, q, catalog, START, END, "2017Q4", detail=False)
    cols = ["status", "outlook", "progress", "ratio", "current", "alert"]
    pd.testing.assert_frame_equal(full[cols], quick[cols])
    assert quick["projected"].isna().all() and quick["yoy"].isna().all()
    assert full["projected"].notna().all()


# --------------------------------------------------------------------------- trends


def test_trends_of_a_stock(catalog):
    q = frame(("members", {"2017Q2": 100, "2018Q1": 110, "2018Q2": 121}))
    row = one(catalog, goal("members", base=100, target=200), q, "2018Q2")
    assert row["qoq"] == pytest.approx(0.10)
    assert row["yoy"] == pytest.approx(0.21)
    assert row["cagr"] == pytest.approx(1.21**0.4 - 1)  # 2.5 years since 2015Q4
    assert math.isnan(row["ytd"])


def test_trends_of_a_rate_are_in_percentage_points(catalog):
    q = frame(("union_establishment_rate", {"2017Q2": 90, "2018Q1": 92, "2018Q2": 93.5}))
    row = one(catalog, goal("union_establishment_rate", base=90, target=95), q, "2018Q2")
    assert row["qoq"] == pytest.approx(1.5)
    assert row["yoy"] == pytest.approx(3.5)


def test_trends_of_a_flow_include_year_to_date(catalog):
    q = frame(("disputes_mediated", {"2017Q1": 10, "2017Q2": 5, "2018Q1": 10, "2018Q2": 20}))
    row = one(catalog, goal("disputes_mediated", "cumulative", target=100), q, "2018Q2")
    assert row["qoq"] == pytest.approx(1.0)  # 20 on 10
    assert row["yoy"] == pytest.approx(3.0)  # 20 on 5
    assert row["ytd"] == 30
    assert row["ytd_yoy"] == pytest.approx(1.0)  # 30 on 15


def test_approximate_figure_behind_current_is_flagged(catalog):
    q = frame(("members", flat("2016Q1", "2018Q2", 150)), approximate=("2018Q2",))
    row = one(catalog, goal("members", base=100, target=200), q, "2018Q2")
    assert bool(row["approximate"]) is True
    row = one(catalog, goal("members", base=100, target=200), q, "2018Q1")
    assert bool(row["approximate"]) is False


# --------------------------------------------------------------------------- evaluate as a whole


def test_evaluate_returns_one_row_per_goal_in_order_with_all_columns(catalog):
    q = frame(("members", flat("2016Q1", "2018Q2", 150)), ("disputes_mediated", flat("2016Q1", "2018Q2", 50)))
    goals = pd.DataFrame([goal("disputes_mediated", "cumulative", target=1000), goal("members", base=100, target=200)])
    out = P.evaluate(goals, q, catalog, START, END, "2018Q2")
    assert list(out.columns) == P.EVALUATE_COLUMNS
    assert list(out["indicator"]) == ["disputes_mediated", "members"]
    assert list(out["quarters_reported"]) == [10, 10]


def test_evaluate_does_not_change_its_inputs(catalog):
    q = frame(("members", flat("2016Q1", "2018Q2", 150)))
    goals = pd.DataFrame([goal("members", base=100, target=200)])
    q0, g0 = q.copy(), goals.copy()
    P.evaluate(goals, q, catalog, START, END, "2018Q2")
    P.unit_goals(goals, q, catalog, START)
    pd.testing.assert_frame_equal(q, q0)
    pd.testing.assert_frame_equal(goals, g0)


def test_thresholds_are_configurable(catalog):
    q = frame(("members", flat("2016Q1", "2018Q2", 143)))  # r = 0.86
    g = pd.DataFrame([goal("members", base=100, target=200)])
    assert P.evaluate(g, q, catalog, START, END, "2018Q2")["status"][0] == "behind"
    lenient = P.Thresholds(on_track=0.85)
    assert P.evaluate(g, q, catalog, START, END, "2018Q2", lenient)["status"][0] == "on_track"


def test_sort_by_urgency_puts_critical_and_regressing_first():
    rows = pd.DataFrame(
        {
            "indicator": list("abcde"),
            "status": ["achieved", "behind", "regressing", "behind", "no_data"],
            "alert": ["", "warning", "warning", "critical", ""],
            "outlook": ["achieved", "limited", "deteriorating", "limited", "no_data"],
        }
    )
    assert list(P.sort_by_urgency(rows)["indicator"]) == ["d", "c", "b", "e", "a"]


def test_every_status_and_outlook_code_has_both_labels():
    assert {k.split(".")[2] for k in strings("zh") if k.startswith("signals.status.")} == set(P.STATUS_URGENCY)
    assert {k.split(".")[2] for k in strings("en") if k.startswith("signals.outlook.")} == set(P.OUTLOOK_URGENCY)


# --------------------------------------------------------------------------- a child unit's goals


def test_unit_goals_apply_the_federation_targets(catalog):
    unit = frame(
        ("members", {"2015Q4": 50}),
        ("union_establishment_rate", {"2015Q4": 80}),
        ("disputes_mediated", flat("2015Q1", "2015Q4", 5)),
        ("hardship_aid", {"2015Q4": 3}),  # only one base-year quarter: no base
    )
    goals = pd.DataFrame([
        goal("members", base=1000, target=1500),
        goal("union_establishment_rate", base=85, target=95),
        goal("disputes_mediated", "cumulative", base=80, target=400),
        goal("employees", base=5000, target=6000),
        goal("hardship_aid", "cumulative", base=100, target=600),
        goal("membership_rate", "direction", base=90, goal_direction="raise"),
    ])
    out = P.unit_goals(goals, unit, catalog, START, quotas={"employees": 321})
    by = out.set_index("indicator")
    assert by.loc["members", "base"] == 50
    assert by.loc["members", "target"] == pytest.approx(75)  # same +50 % growth
    assert by.loc["union_establishment_rate", "target"] == 95  # a rate keeps the level
    assert by.loc["disputes_mediated", "base"] == 20  # base-year sum
    assert by.loc["disputes_mediated", "target"] == pytest.approx(100)  # 20/80 of 400
    assert by.loc["employees", "target"] == 321
    assert by.loc["employees", "target_source"] == "quota"
    assert math.isnan(by.loc["hardship_aid", "base"]) and math.isnan(by.loc["hardship_aid", "target"])
    assert math.isnan(by.loc["membership_rate", "target"])
    assert by.loc["members", "federation_target"] == 1500


# --------------------------------------------------------------------------- properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(base=finite, target=finite, a=finite, b=finite, direction=st.sampled_from(["up", "down"]))
def test_progress_is_monotone_in_the_current_value(base, target, a, b, direction):
    lo, hi = sorted([a, b])
    p_lo, p_hi = P.level_progress(lo, base, target, direction), P.level_progress(hi, base, target, direction)
    if math.isnan(p_lo) or math.isnan(p_hi):
        return
    if direction == "up":
        assert p_lo <= p_hi + 1e-9
    else:
        assert p_lo >= p_hi - 1e-9


values = st.floats(min_value=0, max_value=1e5, allow_nan=False)
plan_quarters = periods.span("2015Q4", END)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.one_of(st.none(), values), min_size=len(plan_quarters), max_size=len(plan_quarters)),
    base=values,
    target=values,
    kind=st.sampled_from(["level", "cumulative"]),
    indicator=st.sampled_from(["members", "accidents", "disputes_mediated"]),
    as_of=st.sampled_from(plan_quarters[1:]),
)
def test_status_never_says_achieved_below_target(catalog, data, base, target, kind, indicator, as_of):
    q = frame((indicator, {p: v for p, v in zip(plan_quarters, data) if v is not None}))
    row = one(catalog, goal(indicator, kind, base=base, target=target), q, as_of)
    if row["status"] == "achieved":
        if kind == "cumulative" and catalog[indicator].direction == "up":
            assert row["current"] >= target
        else:
            assert P.is_reached(row["current"], target, catalog[indicator].direction)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(values, min_size=len(plan_quarters), max_size=len(plan_quarters)),
    later=st.lists(values, min_size=len(plan_quarters), max_size=len(plan_quarters)),
    cut=st.integers(min_value=1, max_value=len(plan_quarters) - 2),
)
def test_as_of_ignores_later_data(catalog, data, later, cut):
    as_of = plan_quarters[cut]
    goals = pd.DataFrame([
        goal("members", base=100, target=200),
        goal("disputes_mediated", "cumulative", base=40, target=500),
        goal("union_establishment_rate", "direction", base=90, goal_direction="raise"),
    ])
    series = [(code, dict(zip(plan_quarters, data))) for code in ("members", "disputes_mediated")]
    series.append(("union_establishment_rate", {p: min(v, 100) for p, v in zip(plan_quarters, data)}))
    full = frame(*series)
    # the same history up to as_of, different (arbitrary) figures after it
    changed = full.copy()
    after = changed["period"].map(periods.index) > periods.index(as_of)
    changed.loc[after, "value"] = [later[i % len(later)] for i in range(int(after.sum()))]
    truncated = full[~after]
    a = P.evaluate(goals, full, catalog, START, END, as_of)
    pd.testing.assert_frame_equal(a, P.evaluate(goals, changed, catalog, START, END, as_of))
    pd.testing.assert_frame_equal(a, P.evaluate(goals, truncated.reset_index(drop=True), catalog, START, END, as_of))
