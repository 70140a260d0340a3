"""Tests for metrics/rollup.py: hand-computed roll-ups for each kind over a small org tree,
missing quarters, zero denominators, superseded and withdrawn uploads, the overview snapshot,
and properties over random data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from metrics import rollup
from metrics.catalog import parse_catalog

CATALOG = parse_catalog({
    "categories": [{"code": "org", "zh": "组织", "en": "Organisation"}],
    "indicators": [
        {"code": "events", "zh": "活动", "en": "Events", "unit": "场", "kind": "flow", "category": "org"},
        {"code": "staff", "zh": "职工", "en": "Staff", "unit": "人", "kind": "stock", "category": "org"},
        {"code": "members", "zh": "会员", "en": "Members", "unit": "人", "kind": "stock", "category": "org"},
        {"code": "member_rate", "zh": "入会率", "en": "Membership rate", "unit": "%", "kind": "rate",
         "numerator": "members", "denominator": "staff", "category": "org"},
        {"code": "cases", "zh": "案件", "en": "Cases", "unit": "件", "kind": "flow", "category": "org"},
        {"code": "solved", "zh": "结案", "en": "Solved", "unit": "件", "kind": "flow", "category": "org"},
        {"code": "solve_rate", "zh": "结案率", "en": "Solve rate", "unit": "%", "kind": "rate",
         "numerator": "solved", "denominator": "cases", "category": "org"},
    ],
})

# F (federation) -> C1, C2 (joint unions); C1 -> E1, E2 (enterprises).
TREE = pd.DataFrame({"code": ["F", "C1", "C2", "E1", "E2"], "parent": ["", "F", "F", "C1", "C1"]})


def obs(*rows, upload_id=1) -> pd.DataFrame:
    """Observations from (unit, indicator, period, value[, approximate]) tuples."""
    out = []
    for r in rows:
        unit, ind, period, value = r[:4]
        out.append({"upload_id": upload_id, "unit": unit, "indicator": ind, "period": period,
                    "value": float(value), "approximate": bool(r[4]) if len(r) > 4 else False})
    return pd.DataFrame(out, columns=["upload_id", "unit", "indicator", "period", "value", "approximate"])


def value(frame: pd.DataFrame, indicator: str, period: str | None = None, column: str = "value"):
    rows = frame[frame["indicator"] == indicator]
    if period is not None:
        rows = rows[rows["period"] == period]
    assert len(rows) <= 1
    return rows.iloc[0][column] if len(rows) else None


# ---- each kind, by hand -----------------------------------------------------------------

FLOW = obs(("C1", "events", "2016Q1", 3), ("C1", "events", "2016Q2", 4),
           ("C2", "events", "2016Q1", 5), ("C2", "events", "2016Q2", 1))
STOCK = obs(("C1", "staff", "2016Q1", 10), ("C1", "staff", "2016Q2", 12),
            ("C2", "staff", "2016Q1", 20), ("C2", "staff", "2016Q2", 25))
# C1 90 %, C2 25 %: the rate of the two is 19 / 50 = 38 %, not the average 57.5 %.
RATE = obs(("C1", "members", "2016Q1", 9), ("C1", "staff", "2016Q1", 10),
           ("C2", "members", "2016Q1", 10), ("C2", "staff", "2016Q1", 40))


@pytest.mark.parametrize(
    "observations,indicator,period,expected,n_units",
    [(FLOW, "events", "2016Q1", 8, 2), (FLOW, "events", "2016Q2", 5, 2),
     (STOCK, "staff", "2016Q1", 30, 2), (STOCK, "staff", "2016Q2", 37, 2),
     (RATE, "member_rate", "2016Q1", 38.0, 2)],
    ids=["flow-sums-units-q1", "flow-sums-units-q2", "stock-sums-units-q1", "stock-sums-units-q2",
         "rate-divides-summed-parts"],
)
def test_quarterly_combines_units_by_kind(observations, indicator, period, expected, n_units):
    q = rollup.quarterly(observations, TREE, CATALOG, "F")
    assert value(q, indicator, period) == pytest.approx(expected)
    assert value(q, indicator, period, "n_units") == n_units


def test_rate_is_not_the_average_of_unit_rates():
    q = rollup.quarterly(RATE, TREE, CATALOG, "F")
    assert value(q, "member_rate", "2016Q1") != pytest.approx((90 + 25) / 2)


@pytest.mark.parametrize(
    "observations,indicator,expected,quarters",
    [(FLOW, "events", 13, 2), (STOCK, "staff", 37, 1)],
    ids=["flow-sums-quarters", "stock-takes-latest-quarter"],
)
def test_over_span_combines_quarters_by_kind(observations, indicator, expected, quarters):
    q = rollup.quarterly(observations, TREE, CATALOG, "F")
    span = rollup.over_span(q, CATALOG, "2016Q1", "2016Q4")
    assert value(span, indicator) == pytest.approx(expected)
    assert value(span, indicator, column="quarters") == quarters


def test_over_span_rate_of_flows_divides_summed_flows():
    # Q1: 1 of 4 solved (25 %), Q2: 9 of 12 (75 %): over the span 10 / 16 = 62.5 %, not 50 %.
    data = obs(("C1", "cases", "2016Q1", 4), ("C1", "solved", "2016Q1", 1),
               ("C1", "cases", "2016Q2", 12), ("C1", "solved", "2016Q2", 9))
    span = rollup.over_span(rollup.quarterly(data, TREE, CATALOG, "F"), CATALOG, "2016Q1", "2016Q2")
    assert value(span, "solve_rate") == pytest.approx(62.5)


def test_over_span_rate_of_stocks_is_the_latest_quarter():
    data = pd.concat([RATE, obs(("C1", "members", "2016Q2", 10), ("C1", "staff", "2016Q2", 10),
                                ("C2", "members", "2016Q2", 30), ("C2", "staff", "2016Q2", 40))])
    span = rollup.over_span(rollup.quarterly(data, TREE, CATALOG, "F"), CATALOG, "2016Q1", "2016Q2")
    assert value(span, "member_rate") == pytest.approx(80.0)
    assert value(span, "member_rate", column="period") == "2016Q2"


def test_over_span_leaves_out_quarters_outside_it():
    q = rollup.quarterly(FLOW, TREE, CATALOG, "F")
    assert value(rollup.over_span(q, CATALOG, "2016Q2", "2016Q2"), "events") == 5
    assert value(rollup.over_span(q, CATALOG, "2017Q1", "2017Q4"), "events") is None


# ---- missing is missing, not zero ----------------------------------------------------------


def test_unit_missing_a_quarter_gives_a_partial_total_not_zero():
    """A flow is not carried: the quarter's sum is what was reported (1 unit)."""
    data = obs(("C1", "events", "2016Q1", 10), ("C2", "events", "2016Q1", 20), ("C1", "events", "2016Q2", 12))
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    assert value(q, "events", "2016Q2") == 12
    assert value(q, "events", "2016Q2", "n_units") == 1
    assert value(q, "events", "2016Q1", "n_units") == 2


def test_a_unit_that_missed_a_quarter_keeps_its_stock_marked_as_carried():
    data = obs(("C1", "staff", "2016Q1", 10), ("C2", "staff", "2016Q1", 20), ("C1", "staff", "2016Q2", 12))
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    assert value(q, "staff", "2016Q2") == 32  # C2's 20 carried from 2016Q1
    assert value(q, "staff", "2016Q2", "carried_units") == 1
    assert value(q, "staff", "2016Q1", "carried_units") == 0
    assert value(rollup.quarterly(data, TREE, CATALOG, "F", carry=False), "staff", "2016Q2") == 12


def test_a_stock_is_carried_for_a_bounded_number_of_quarters_only():
    rows = [("C1", "staff", "2016Q1", 10), ("C2", "staff", "2016Q1", 20)]
    rows += [("C1", "staff", p, 10) for p in ("2016Q2", "2016Q3", "2016Q4", "2017Q1", "2017Q2")]
    q = rollup.quarterly(obs(*rows), TREE, CATALOG, "F")
    assert value(q, "staff", "2017Q1") == 30  # four quarters after C2's last report
    assert value(q, "staff", "2017Q2") == 10  # five: no longer carried
    assert rollup.CARRY_QUARTERS == 4


def test_quarter_nobody_reported_is_absent():
    q = rollup.quarterly(FLOW, TREE, CATALOG, "F")
    assert value(q, "events", "2016Q3") is None
    assert value(q, "staff") is None
    assert list(rollup.series(q, "events").index) == ["2016Q1", "2016Q2"]


def test_nan_value_counts_as_not_reported():
    data = pd.concat([obs(("C1", "events", "2016Q1", 3)), obs(("C2", "events", "2016Q1", 0))])
    data.loc[data["unit"] == "C2", "value"] = np.nan
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    assert value(q, "events", "2016Q1") == 3
    assert value(q, "events", "2016Q1", "n_units") == 1


def test_rate_with_zero_denominator_is_nan():
    data = obs(("C1", "members", "2016Q1", 0), ("C1", "staff", "2016Q1", 0))
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    rate = value(q, "member_rate", "2016Q1")
    assert rate is None or math.isnan(rate)


def test_rate_counts_only_units_that_reported_both_parts():
    # C2 forgot its staff figure: its members must not inflate the rate.
    data = obs(("C1", "members", "2016Q1", 9), ("C1", "staff", "2016Q1", 10), ("C2", "members", "2016Q1", 30))
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    assert value(q, "member_rate", "2016Q1") == pytest.approx(90.0)
    assert value(q, "member_rate", "2016Q1", "n_units") == 1


def test_approximate_part_marks_the_total_approximate():
    data = obs(("C1", "events", "2016Q1", 3, True), ("C2", "events", "2016Q1", 5))
    q = rollup.quarterly(data, TREE, CATALOG, "F")
    assert bool(value(q, "events", "2016Q1", "approximate")) is True


# ---- the org tree --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit,expected",
    [("F", ["F", "C1", "C2", "E1", "E2"]), ("C1", ["C1", "E1", "E2"]), ("C2", ["C2"]), ("E1", ["E1"])],
    ids=["root-all-three-levels", "middle-with-children", "middle-leaf", "leaf"],
)
def test_subtree_lists_unit_and_descendants_parents_first(unit, expected):
    assert rollup.subtree(TREE, unit) == expected


def test_subtree_of_unknown_unit_raises():
    with pytest.raises(KeyError):
        rollup.subtree(TREE, "X99")


THREE_LEVELS = obs(("F", "events", "2016Q1", 1), ("C1", "events", "2016Q1", 10), ("C2", "events", "2016Q1", 100),
                   ("E1", "events", "2016Q1", 1000), ("E2", "events", "2016Q1", 10000))


@pytest.mark.parametrize(
    "unit,expected,n_units",
    [("F", 11111, 5), ("C1", 11010, 3), ("C2", 100, 1), ("E2", 10000, 1)],
    ids=["root", "middle-with-enterprises", "middle-alone", "leaf"],
)
def test_quarterly_rolls_up_the_subtree(unit, expected, n_units):
    q = rollup.quarterly(THREE_LEVELS, TREE, CATALOG, unit)
    assert value(q, "events", "2016Q1") == expected
    assert value(q, "events", "2016Q1", "n_units") == n_units


# ---- which upload counts -----------------------------------------------------------------

UPLOADS = pd.concat([
    obs(("C1", "staff", "2016Q1", 10), ("C2", "staff", "2016Q1", 20), upload_id=1),
    obs(("C1", "staff", "2016Q1", 11), upload_id=2),  # a correction for C1
    obs(("C1", "staff", "2016Q1", 99), upload_id=3),  # a wrong file, later withdrawn
], ignore_index=True)


@pytest.mark.parametrize(
    "active,expected_c1,expected_total",
    [(None, 99, 119), ({1, 2, 3}, 99, 119), ({1, 2}, 11, 31), ({1}, 10, 30), ({1, 3}, 99, 119), (set(), None, None)],
    ids=["all-latest-wins", "all-active", "withdrawn-stops-counting", "first-comes-back", "skips-withdrawn-middle",
         "nothing-active"],
)
def test_current_takes_latest_active_upload(active, expected_c1, expected_total):
    cur = rollup.current(UPLOADS, active)
    c1 = cur[(cur["unit"] == "C1")]
    assert (c1["value"].iloc[0] if len(c1) else None) == expected_c1
    assert len(c1) <= 1
    q = rollup.quarterly(cur, TREE, CATALOG, "F")
    assert value(q, "staff", "2016Q1") == expected_total


def test_current_does_not_change_its_input():
    before = UPLOADS.copy()
    rollup.current(UPLOADS, {1})
    pd.testing.assert_frame_equal(UPLOADS, before)


def test_current_uses_upload_order_not_row_order():
    shuffled = UPLOADS.iloc[::-1].reset_index(drop=True)
    cur = rollup.current(shuffled, {1, 2})
    assert cur.loc[cur["unit"] == "C1", "value"].iloc[0] == 11


# ---- the overview snapshot ------------------------------------------------------------------

SNAP_DATA = obs(
    ("C1", "events", "2015Q2", 4), ("C1", "events", "2015Q4", 7),
    ("C1", "events", "2016Q1", 3), ("C1", "events", "2016Q2", 5),
    ("C1", "staff", "2015Q2", 50), ("C1", "staff", "2016Q1", 80), ("C1", "staff", "2016Q2", 100),
    ("C1", "members", "2015Q2", 25), ("C1", "members", "2016Q1", 60), ("C1", "members", "2016Q2", 80),
)


def snap_row(period="2016Q2", indicator="events"):
    q = rollup.quarterly(SNAP_DATA, TREE, CATALOG, "F")
    snap = rollup.snapshot(q, CATALOG, period)
    assert list(snap["indicator"]) == CATALOG.codes
    return snap.set_index("indicator").loc[indicator]


@pytest.mark.parametrize(
    "indicator,column,expected",
    [("events", "value", 5), ("events", "previous", 3), ("events", "change_q", 2),
     ("events", "change_q_pct", 200 / 3), ("events", "year_ago", 4), ("events", "change_y", 1),
     ("events", "change_y_pct", 25.0), ("events", "ytd", 8),
     ("staff", "change_q", 20), ("staff", "change_q_pct", 25.0), ("staff", "change_y_pct", 100.0),
     ("member_rate", "value", 80.0), ("member_rate", "change_q", 5.0), ("member_rate", "change_y", 30.0)],
    ids=["value", "previous", "change-on-quarter", "change-on-quarter-pct", "year-ago", "change-on-year",
         "change-on-year-pct", "ytd-leaves-out-last-year", "stock-change", "stock-change-pct",
         "stock-change-on-year-pct", "rate-value", "rate-change-in-points", "rate-change-on-year-in-points"],
)
def test_snapshot_changes(indicator, column, expected):
    assert snap_row(indicator=indicator)[column] == pytest.approx(expected)


def test_snapshot_rate_changes_have_no_relative_percent():
    row = snap_row(indicator="member_rate")
    assert math.isnan(row["change_q_pct"]) and math.isnan(row["change_y_pct"])
    assert math.isnan(row["ytd"])


def test_snapshot_missing_previous_quarter_gives_nan_change():
    row = snap_row("2016Q1", "events")  # 2015Q4 reported 7, 2015Q1 nothing
    assert row["change_q"] == -4
    assert math.isnan(row["year_ago"]) and math.isnan(row["change_y"])


def test_snapshot_of_quarter_without_data_is_all_nan():
    row = snap_row("2019Q1", "events")
    assert math.isnan(row["value"]) and not row["approximate"]


def test_snapshot_relative_change_from_zero_is_nan():
    data = obs(("C1", "events", "2016Q1", 0), ("C1", "events", "2016Q2", 5))
    snap = rollup.snapshot(rollup.quarterly(data, TREE, CATALOG, "F"), CATALOG, "2016Q2").set_index("indicator")
    assert snap.loc["events", "change_q"] == 5
    assert math.isnan(snap.loc["events", "change_q_pct"])


@pytest.mark.parametrize(
    "period,expected",
    [("2016Q1", 3), ("2016Q2", 8), ("2016Q3", 8), ("2015Q4", 11)],
    ids=["first-quarter", "second-quarter", "unreported-quarter-adds-nothing", "previous-year"],
)
def test_year_to_date_sums_flows_from_january(period, expected):
    q = rollup.quarterly(SNAP_DATA, TREE, CATALOG, "F")
    ytd = rollup.year_to_date(q, CATALOG, period)
    assert ytd["events"] == expected
    assert "staff" not in ytd.index


def test_year_to_date_of_an_empty_year_is_missing():
    q = rollup.quarterly(SNAP_DATA, TREE, CATALOG, "F")
    assert "events" not in rollup.year_to_date(q, CATALOG, "2018Q2").index


# ---- properties over random data ---------------------------------------------------------

PERIODS = ["2016Q1", "2016Q2", "2016Q3"]


@st.composite
def flat_tree_data(draw):
    n = draw(st.integers(1, 6))
    units = [f"U{i}" for i in range(n)]
    tree = pd.DataFrame({"code": ["ROOT", *units], "parent": ["", *(["ROOT"] * n)]})
    rows = []
    for u in units:
        for p in PERIODS:
            for code in ("events", "staff"):
                v = draw(st.one_of(st.none(), st.integers(0, 10_000)))
                if v is not None:
                    rows.append((u, code, p, v))
    return tree, units, obs(*rows) if rows else obs(("U0", "events", "2016Q1", 0))


@settings(max_examples=40, deadline=None)
@given(flat_tree_data())
def test_rollup_of_units_equals_sum_of_their_rollups(data):
    tree, units, observations = data
    whole = rollup.quarterly(observations, tree, CATALOG, "ROOT").set_index(["indicator", "period"])["value"]
    parts = pd.concat([rollup.quarterly(observations, tree, CATALOG, u) for u in units])
    summed = parts.groupby(["indicator", "period"])["value"].sum()
    summed = summed[summed.index.get_level_values(0).isin(["events", "staff"])]
    assert whole.loc[summed.index].to_dict() == summed.to_dict()
    assert set(whole.index) - set(summed.index) <= {("member_rate", p) for p in PERIODS}
    span = rollup.over_span(rollup.quarterly(observations, tree, CATALOG, "ROOT"), CATALOG, "2016Q1", "2016Q3")
    unit_spans = pd.concat([rollup.over_span(rollup.quarterly(observations, tree, CATALOG, u), CATALOG,
                                             "2016Q1", "2016Q3") for u in units])
    if (span["indicator"] == "events").any():
        assert value(span, "events") == unit_spans.loc[unit_spans["indicator"] == "events", "value"].sum()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5_000), st.integers(1, 5_000)), min_size=1, max_size=8))
def test_rate_of_units_lies_between_their_rates(pairs):
    n = len(pairs)
    tree = pd.DataFrame({"code": ["ROOT", *[f"U{i}" for i in range(n)]], "parent": ["", *(["ROOT"] * n)]})
    rows = []
    for i, (members, extra) in enumerate(pairs):
        rows += [(f"U{i}", "members", "2016Q1", members), (f"U{i}", "staff", "2016Q1", members + extra)]
    q = rollup.quarterly(obs(*rows), tree, CATALOG, "ROOT")
    rates = [m / (m + e) * 100 for m, e in pairs]
    total = value(q, "member_rate", "2016Q1")
    assert min(rates) - 1e-9 <= total <= max(rates) + 1e-9


def test_a_quarter_only_some_units_reported_is_incomplete():
    """One community of three sends the next quarter early: that quarter is incomplete (1 of
    3 expected), and the other two units' stocks are carried into it."""
    units = pd.DataFrame({"code": ["F", "A", "B", "C"], "parent": ["", "F", "F", "F"]})
    rows = [(u, "members", p, 10.0) for p in ("2016Q1", "2016Q2") for u in ("A", "B", "C")]
    rows += [("A", "members", "2016Q3", 11.0)]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value"]).assign(approximate=False)
    cover = rollup.coverage(obs, units, "F")
    assert cover.to_dict("list") == {"period": ["2016Q1", "2016Q2", "2016Q3"], "n_units": [3, 3, 1],
                                     "expected": [3, 3, 3], "carried": [0, 0, 2], "complete": [True, True, False]}
    assert rollup.latest_complete(cover) == "2016Q2"
    assert rollup.latest_complete(cover, upto="2016Q1") == "2016Q1"
    # a unit's own subtree: A reported every quarter; B did not send 2016Q3 (0 of 1)
    assert rollup.latest_complete(rollup.coverage(obs, units, "A")) == "2016Q3"
    b = rollup.coverage(obs, units, "B")
    assert b[b["period"] == "2016Q3"][["n_units", "expected", "complete"]].values.tolist() == [[0, 1, False]]


def test_one_unit_of_ten_missing_makes_the_quarter_incomplete_unless_it_left():
    """No 90 % rule: a quarter is complete when every expected unit has reported it; a unit
    whose active span ends (active_until) is no longer expected."""
    units = pd.DataFrame({"code": ["F", *[f"U{i}" for i in range(10)]], "parent": ["", *["F"] * 10]})
    rows = [(f"U{i}", "members", "2016Q1", 1.0) for i in range(10)]
    rows += [(f"U{i}", "members", "2016Q2", 1.0) for i in range(9)]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value"]).assign(approximate=False)
    assert rollup.coverage(obs, units, "F")["complete"].tolist() == [True, False]
    left = units.assign(active_until=["", *[""] * 9, "2016Q1"])
    assert rollup.coverage(obs, left, "F")["complete"].tolist() == [True, True]
    merged = units.assign(merged_into=["", *[""] * 9, "U0"])
    assert rollup.coverage(obs, merged, "F")["complete"].tolist() == [True, True]


def test_a_unit_is_expected_from_its_active_from_quarter():
    units = pd.DataFrame({"code": ["F", "A", "N"], "parent": ["", "F", "F"], "active_from": ["", "", "2016Q2"]})
    obs = pd.DataFrame([("A", "members", p, 1.0) for p in ("2016Q1", "2016Q2")],
                       columns=["unit", "indicator", "period", "value"]).assign(approximate=False)
    cover = rollup.coverage(obs, units, "F")
    assert cover["complete"].tolist() == [True, False]  # N is due from 2016Q2 and has not reported
    assert cover["expected"].tolist() == [1, 2]
