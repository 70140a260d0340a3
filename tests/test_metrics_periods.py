"""Tests for metrics/periods.py: "2016Q1" quarter arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from metrics import periods


@pytest.mark.parametrize(
    "period,quarters,expected",
    [("2016Q1", -1, "2015Q4"), ("2015Q4", 1, "2016Q1"), ("2016Q3", 4, "2017Q3"), ("2016Q2", -8, "2014Q2"),
     ("2016Q2", 0, "2016Q2"), ("2020Q4", 1, "2021Q1")],
    ids=["back-over-new-year", "forward-over-new-year", "a-year-on", "two-years-back", "zero", "end-of-plan"],
)
def test_shift(period, quarters, expected):
    assert periods.shift(period, quarters) == expected


@pytest.mark.parametrize(
    "func,period,expected",
    [(periods.previous, "2016Q1", "2015Q4"), (periods.previous, "2016Q3", "2016Q2"),
     (periods.year_ago, "2016Q1", "2015Q1"), (periods.year_start, "2016Q3", "2016Q1"),
     (periods.year_of, "2017Q4", 2017)],
    ids=["previous-over-new-year", "previous-in-year", "year-ago", "year-start", "year-of"],
)
def test_neighbours(func, period, expected):
    assert func(period) == expected


@pytest.mark.parametrize(
    "start,end,expected",
    [("2015Q3", "2016Q2", ["2015Q3", "2015Q4", "2016Q1", "2016Q2"]), ("2016Q1", "2016Q1", ["2016Q1"]),
     ("2016Q2", "2016Q1", [])],
    ids=["over-new-year", "single", "end-before-start-is-empty"],
)
def test_span_and_count(start, end, expected):
    assert periods.span(start, end) == expected
    assert periods.count(start, end) == len(expected)


def test_five_year_plan_has_twenty_quarters():
    assert periods.count("2016Q1", "2020Q4") == 20


@pytest.mark.parametrize("text", ["2016Q5", "2016Q0", "2016-Q1", "16Q1", "2016q1", "", "2016 Q1"],
                         ids=["q5", "q0", "dash", "short-year", "lower-q", "empty", "space"])
def test_malformed_quarter_is_refused(text):
    assert not periods.is_period(text)
    with pytest.raises(ValueError, match="not a quarter"):
        periods.parse(text)


@pytest.mark.parametrize("period,lang,expected", [("2016Q1", "zh", "2016年第1季度"), ("2016Q1", "en", "2016 Q1")],
                         ids=["zh", "en"])
def test_label(period, lang, expected):
    assert periods.label(period, lang) == expected


@given(st.integers(1990 * 4, 2100 * 4), st.integers(-200, 200))
def test_index_round_trips_and_orders(i, k):
    p = periods.from_index(i)
    assert periods.index(p) == i
    assert periods.index(periods.shift(p, k)) - periods.index(p) == k
    assert (periods.shift(p, k) > p) == (k > 0) or k == 0
