"""The whole units grid from a cube of quarterly values (metrics.unitgrid.evaluate_cube, issue
12) against the frame road it replaces (metrics.goals.evaluate_units with ``cover_all``) and
against the per-unit road (metrics.goals.judge of each unit on its own frames): the same rows
and values, on generated trees with gaps, approximate values, carried stocks, quotas, plan and
derived targets, every target type and both directions, and incomplete quarters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from metrics import goals as G
from metrics import grid as GR
from metrics import periods, rollup
from metrics import unitgrid as UG
from tests.metrics_fixtures import catalog_with_lower_is_better
from tests.test_metrics_grid import END, START, assert_same, trees

CAT = catalog_with_lower_is_better()


def _cube(allq: pd.DataFrame, goals: pd.DataFrame, codes: list[str], as_of: str) -> UG.QuarterCube:
    """Only what the grid reads: the goals' indicators, the base year to ``as_of``."""
    first, last = UG.cube_span(START, as_of)
    return UG.cube_from_frame(allq, codes, list(goals["indicator"]), first, last)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=trees())
def test_cube_grid_equals_the_frame_road_and_each_units_own_judgement(case):
    units, obs, goals, quotas, as_of = case
    allq = G.all_quarterly(obs, units, CAT)
    cover = rollup.coverage_all(obs, units, G.ancestors(units))
    codes = list(units["code"])
    want = G.evaluate_units(goals, allq, CAT, START, END, as_of, codes, "F", quotas, cover_all=cover)
    got = UG.evaluate_cube(goals, _cube(allq, goals, codes, as_of), CAT, START, END, as_of, codes, "F", quotas,
                           cover_all=cover)
    assert_same(want, got)
    # the per-unit road: each unit judged on its own roll-up and coverage (metrics.goals.judge)
    by_unit = {u: part.drop(columns="unit") for u, part in allq.groupby("unit")}
    empty = allq.iloc[0:0].drop(columns="unit")
    for u in codes:
        q = by_unit.get(u, empty)
        own = G.goals_for_unit(goals, q, CAT, START, u, "F", quotas.get(u))
        ref = G.judge(own, q, rollup.coverage(obs, units, u), CAT, START, END, as_of, detail=False)
        ref.insert(0, "unit", u)
        ref["target_source"] = own["target_source"].to_numpy()
        mine = got[got["unit"] == u].reset_index(drop=True)
        cols = [c for c in ref.columns if c not in ("base_incomplete", "expected", "reported", "incomplete")]
        assert_same(ref[cols].reset_index(drop=True), mine[cols])


def test_an_incomplete_quarter_with_carried_stocks_is_judged_alike_on_both_roads():
    # C1 reports members every quarter, C2 stops after 2017Q1: the federation's 2017Q2 is
    # incomplete (C2's members carried), so it may keep 2017Q1's judgement: both roads agree.
    units = pd.DataFrame({"code": ["F", "C1", "C2"], "parent": ["", "F", "F"]})
    rows = []
    for i, p in enumerate(periods.span("2015Q1", "2017Q2")):
        rows.append(("C1", "members", p, 100.0 + 10 * i, False))
        if p <= "2017Q1":
            rows.append(("C2", "members", p, 100.0 + 10 * i, i % 2 == 0))
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate"])
    goals = pd.DataFrame([dict(indicator="members", target_type="level", base=200.0, target=400.0,
                               attribute="预期性", goal_direction="", base_source="plan")])
    allq = G.all_quarterly(obs, units, CAT)
    cover = rollup.coverage_all(obs, units, G.ancestors(units))
    codes = ["F", "C1", "C2"]
    want = G.evaluate_units(goals, allq, CAT, START, END, "2017Q2", codes, "F", cover_all=cover)
    got = UG.evaluate_cube(goals, _cube(allq, goals, codes, "2017Q2"), CAT, START, END, "2017Q2", codes, "F",
                           cover_all=cover)
    assert_same(want, got)
    assert got["incomplete"].any() and got["carried_units"].max() > 0  # a real case: flags are set


def test_the_cube_answers_as_the_frame_does_for_any_window():
    units = pd.DataFrame({"code": ["F", "A", "B"], "parent": ["", "F", "F"]})
    rows = [(u, ind, p, float(k), k % 3 == 0) for k, (u, ind, p) in enumerate(
        (u, ind, p) for u in ["A", "B"] for ind in ["members", "trainees"] for p in periods.span("2015Q1", "2017Q4"))]
    allq = G.all_quarterly(pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate"]),
                           units, CAT)
    cube = UG.cube_from_frame(allq, ["F", "A", "B"], ["members", "trainees"], "2015Q1", "2017Q4")
    for args in [(["B", "A", "X", "A"], ["trainees", "nothing", "members"], "2014Q3", "2016Q2"),
                 (["F"], ["members"], "2017Q3", "2018Q2"), (["A"], ["members"], "2016Q1", "2015Q4")]:
        v1, f1 = GR.quarter_matrices(allq, *args)
        v2, f2 = GR.quarter_matrices(cube, *args)
        np.testing.assert_array_equal(v1, v2)
        np.testing.assert_array_equal(f1, f2)


def test_a_cube_refuses_two_rows_for_one_cell():
    with pytest.raises(GR.DuplicateQuarters):
        UG.cube_from_arrays(["A", "A"], ["members", "members"], ["2016Q1", "2016Q1"], [1.0, 2.0], [False, False],
                            [0, 0], ["A"], ["members"], "2016Q1", "2016Q4")
