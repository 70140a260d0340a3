"""The vectorised all-units grid (metrics.grid.evaluate_grid / unit_goals_grid, used by
metrics.goals.evaluate_units) against the per-unit reference (metrics.progress.evaluate for
each unit, metrics.goals.evaluate_units_per_unit), cell by cell: codes equal, numbers within
1e-9 -- on the example data and on small generated trees."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resources
from metrics import goals as G
from metrics import periods
from metrics import grid as GR
from metrics import progress as P
from tests.metrics_fixtures import catalog_with_lower_is_better
from metrics.rollup import current

START, END = "2016Q1", "2020Q4"
CAT = resources.catalog()


def assert_same(reference: pd.DataFrame, grid: pd.DataFrame) -> None:
    """Every cell equal: text and codes exactly, numbers within 1e-9 (relative beyond 1: a
    growth ratio from a zero base replaced by 0.001 can be 1e21, and numpy's vectorised power
    may differ from the C library's in the last bit), NaN = NaN, inf = inf."""
    assert list(grid.columns) == list(reference.columns)
    assert len(grid) == len(reference)
    for col in reference.columns:
        a, b = reference[col].to_numpy(), grid[col].to_numpy()
        if pd.api.types.is_float_dtype(reference[col]):
            a, b = a.astype(float), b.astype(float)
            with np.errstate(invalid="ignore"):
                same = (a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= 1e-9 * np.maximum(1, np.abs(a)))
        else:
            same = np.array([x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a, b)])
        if not same.all():
            rows = reference.loc[~same, ["unit", "indicator", col]].head(5).assign(grid=b[~same][:5])
            raise AssertionError(f"column {col!r} differs in {int((~same).sum())} cells:\n{rows}")


# --------------------------------------------------------------------------- the example data


@pytest.fixture(scope="module")
def example():
    """All units' roll-ups, the plan's 19 goals and a few quotas, from the example database."""
    import bootstrap
    from store.db import open_store

    store = open_store("sqlite://")
    bootstrap.ensure_example_data(store)
    units = store.units()
    allq = G.all_quarterly(current(store.observations()), units, CAT)
    targets = store.targets("2016-2020")
    goals = G.plan_goals(targets, allq[allq["unit"] == "LGQ"], CAT, START)
    # quotas (上级下达任务) for two communities, so the grid also takes targets from them
    children = G.children(units, "LGQ")
    quotas = {children[0]: {"members": 5000.0, "trainees": 400.0}, children[1]: {"card_rate": 99.0}}
    store.engine.dispose()
    return dict(units=units, allq=allq, goals=goals, quotas=quotas)


@pytest.mark.parametrize("as_of", ["2015Q4", "2016Q1", "2016Q2", "2017Q1", "2017Q4", "2021Q2"])
def test_example_grid_equals_the_per_unit_reference(example, as_of):
    codes = list(example["units"]["code"])
    args = (example["goals"], example["allq"], CAT, START, END, as_of, codes, "LGQ", example["quotas"])
    reference = G.evaluate_units_per_unit(*args)
    grid = G.evaluate_units(*args)
    assert len(grid) == 84 * 19
    assert_same(reference, grid)
    # it is a real grid: as of 2017Q4 many codes occur
    if as_of == "2017Q4":
        assert {"ahead", "on_track", "behind", "far_behind", "regressing", "achieved"} <= set(grid["status"])
        assert {"quota", "derived", "plan"} <= set(grid["target_source"])


def test_example_grid_with_other_thresholds(example):
    th = P.Thresholds(on_track=0.8, behind=0.4, outlook_high=0.9, growth_high=0.01, min_quarters=3)
    codes = list(example["units"]["code"])
    g = GR.unit_goals_grid(example["goals"], example["allq"], CAT, START, codes, example["quotas"])
    grid = GR.evaluate_grid(g, example["allq"], CAT, START, END, "2016Q3", thresholds=th)
    by_unit = dict(tuple(example["allq"].groupby("unit")))
    reference = pd.concat([
        P.evaluate(part.drop(columns="unit"), by_unit[u], CAT, START, END, "2016Q3", th, detail=False)
        .assign(unit=u) for u, part in g.groupby("unit", sort=False)
    ], ignore_index=True)[["unit", *P.EVALUATE_COLUMNS]]
    assert_same(reference, grid)


def test_unit_goals_grid_equals_unit_goals(example):
    codes = [c for c in example["units"]["code"] if c != "LGQ"]
    grid = GR.unit_goals_grid(example["goals"], example["allq"], CAT, START, codes, example["quotas"])
    by_unit = dict(tuple(example["allq"].groupby("unit")))
    for u in codes:
        ref = P.unit_goals(example["goals"], by_unit[u], CAT, START, example["quotas"].get(u))
        mine = grid[grid["unit"] == u].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, ref, check_dtype=False)


def test_a_duplicate_quarter_falls_back_to_the_per_unit_path(example):
    allq = example["allq"]
    again = allq[(allq["unit"] == "C01") & (allq["indicator"] == "members") & (allq["period"] == "2017Q2")]
    twice = pd.concat([allq, again.assign(value=again["value"] + 1)], ignore_index=True)
    codes = ["LGQ", "C01", "C02"]
    with pytest.raises(GR.DuplicateQuarters):
        GR.evaluate_grid(GR.unit_goals_grid(example["goals"], twice, CAT, START, codes), twice, CAT, START, END, "2017Q4")
    args = (example["goals"], twice, CAT, START, END, "2017Q4", codes, "LGQ")
    assert_same(G.evaluate_units_per_unit(*args), G.evaluate_units(*args))


# --------------------------------------------------------------------------- generated trees


@pytest.fixture(scope="module")
def catalog():
    return catalog_with_lower_is_better()


QUARTERS = periods.span("2015Q1", "2017Q4")
RAW = ["members", "employees", "trainees", "hardship_aid", "accidents", "complaints"]  # what units report
GOAL_INDICATORS = RAW + ["membership_rate"]  # stock, stock, flow, flow, down stock, down flow, rate
number = st.one_of(st.just(0.0), st.integers(1, 60).map(float), st.floats(0.5, 80, allow_nan=False))


@st.composite
def trees(draw):
    n = draw(st.integers(1, 6))
    parents = [""] + [draw(st.sampled_from(["F", *[f"U{j}" for j in range(i)]])) for i in range(n)]
    codes = ["F", *[f"U{i}" for i in range(n)]]
    units = pd.DataFrame({"code": codes, "parent": parents})
    rows = []
    for unit in codes:
        for ind in [i for i in RAW if draw(st.integers(0, 5))]:  # most units report most indicators
            start, step = draw(number), draw(st.sampled_from([0.0, 1.0, 2.0, -1.0, 0.5, 5.0]))
            gaps = draw(st.sets(st.sampled_from(QUARTERS), max_size=3))
            odd = draw(st.dictionaries(st.sampled_from(QUARTERS), number, max_size=2))  # a jump, or a zero
            for i, p in enumerate(QUARTERS):
                if p not in gaps:
                    rows.append((unit, ind, p, max(odd.get(p, start + step * i), 0.0), draw(st.booleans())))
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate"])
    goal_rows = []
    for ind in draw(st.lists(st.sampled_from(GOAL_INDICATORS), min_size=1, unique=True)):
        kind = draw(st.sampled_from(["level", "cumulative", "direction"]))
        base = draw(st.one_of(number, number, number, st.just(math.nan)))
        target = draw(st.one_of(st.just(math.nan), st.just(base), number)) if kind != "direction" else math.nan
        goal_rows.append(dict(indicator=ind, target_type=kind, base=base, target=target,
                              attribute=draw(st.sampled_from(["预期性", "约束性"])),
                              goal_direction=draw(st.sampled_from(["", "raise", "keep", "lower", "提高", "保持"]))
                              if kind == "direction" else draw(st.sampled_from(["", "", "raise", "lower"]))))
    goals = pd.DataFrame(goal_rows)
    quotas = {u: {ind: draw(number)} for u in codes[1:] for ind in GOAL_INDICATORS if draw(st.integers(0, 5)) == 0}
    as_of = draw(st.sampled_from(["2015Q4", *periods.span("2016Q1", "2018Q1") * 2]))
    return units, obs, goals, quotas, as_of


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=trees())
def test_generated_tree_grid_equals_the_per_unit_reference(catalog, case):
    units, obs, goals, quotas, as_of = case
    allq = G.all_quarterly(obs, units, catalog)
    codes = list(units["code"])
    args = (goals, allq, catalog, START, END, as_of, codes, "F", quotas)
    assert_same(G.evaluate_units_per_unit(*args), G.evaluate_units(*args))


# --------------------------------------------------------------------------- the array classifiers

near = st.sampled_from([0.0, 0.5, 0.9, 1.0, 0.95, 0.6]).flatmap(
    lambda m: st.floats(m - 3e-9, m + 3e-9, allow_nan=False) | st.sampled_from([m, m * (1 + 1e-16), m - 1e-10]))
ratios = st.lists(near | st.floats(-5, 5) | st.sampled_from([math.inf, -math.inf, math.nan]), min_size=1, max_size=30)


@given(ratios)
def test_pace_status_array_equals_pace_status_at_the_boundaries(values):
    reported = np.arange(len(values)) % 4
    achieved = np.arange(len(values)) % 7 == 6
    got = GR.pace_status_array(np.array(values), achieved, reported)
    want = [P.pace_status(v, achieved=a, quarters_reported=int(q)) for v, a, q in zip(values, achieved, reported)]
    assert list(got) == want


@given(ratios)
def test_classify_outlook_array_equals_classify_outlook_at_the_boundaries(values):
    got = GR.classify_outlook_array(np.array(values), 0.95, 0.6, 0.0)
    assert list(got) == [P.classify_outlook(v, 0.95, 0.6, 0.0) for v in values]


def test_a_target_equal_to_its_base_but_for_the_last_bits_needs_no_growth(example):
    """A level target that equals its base except for float rounding (a sum taken in another
    order, a quota) needs no growth: its required growth is 0, not 1e-16, so a reached goal
    shows no outlook ratio instead of one of 1e15 -- in the per-unit method and in the grid."""
    base = 7.591579
    target = base * (1 + 1e-15)
    code, ratio, _observed, required = P.target_outlook(9.0, base, target, 2.0, 5.0)
    assert (code, required) == ("achieved", 0.0) and math.isnan(ratio)
    assert P.target_outlook(9.0, base, base, 2.0, 5.0)[0] == "achieved"

    goals = example["goals"].copy()
    level = goals.index[(goals["target_type"] == "level") & goals["base"].notna() & (goals["base"] > 0)][0]
    goals.loc[level, "target"] = goals.loc[level, "base"] * (1 + 1e-15)
    codes = list(example["units"]["code"])
    args = (goals, example["allq"], CAT, START, END, "2017Q4", codes, "LGQ", example["quotas"])
    reference, grid = G.evaluate_units_per_unit(*args), G.evaluate_units(*args)
    assert_same(reference, grid)
    mine = grid[(grid["unit"] == "LGQ") & (grid["indicator"] == goals.loc[level, "indicator"])]
    assert mine["required_growth"].tolist() == [0.0]
