"""metrics.goals: from the stored plan to the frames the progress pages show."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import resources
from metrics import goals as G
from metrics import periods, progress, rollup

CAT = resources.catalog()
START, END = "2016Q1", "2020Q4"


def targets(*rows: dict) -> pd.DataFrame:
    base = dict(plan="P", unit="", target_type="level", base_value=math.nan, target_value=math.nan,
                attribute="预期性", goal_direction="", goal_text_zh="", goal_text_en="")
    return pd.DataFrame([{**base, **r} for r in rows])


def obs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "indicator", "period", "value"]).assign(approximate=False)


UNITS = pd.DataFrame({"code": ["F", "A", "B", "A1"], "parent": ["", "F", "F", "A"]})


@pytest.mark.parametrize("quarter, expected", [
    ("2017Q4", "2016-2020"), ("2021Q1", "2021-2025"), ("2026Q2", "2021-2025"), ("2014Q1", "2016-2020"), (None, "2021-2025"),
], ids=["inside-first", "inside-second", "after-all", "before-all", "no-quarter"])
def test_current_plan_is_the_one_whose_span_contains_the_quarter(quarter, expected):
    plans = pd.DataFrame({"code": ["2016-2020", "2021-2025"], "start_period": ["2016Q1", "2021Q1"],
                          "end_period": ["2020Q4", "2025Q4"]})
    assert G.current_plan(plans, quarter) == expected


def test_current_plan_of_no_plans_is_none():
    assert G.current_plan(pd.DataFrame(columns=["code", "start_period", "end_period"]), "2017Q1") is None


def test_plan_goal_without_base_takes_the_base_period_from_the_data():
    q = rollup.quarterly(obs([
        ("F", "members", "2015Q3", 90), ("F", "members", "2015Q4", 100), ("F", "members", "2016Q1", 105),
        *[("F", "hardship_aid", p, v) for p, v in zip(periods.span("2015Q1", "2015Q4"), [1, 2, 3, 4])],
        *[("F", "trainees", p, 10) for p in periods.span("2015Q2", "2015Q4")],  # 2015Q1 missing
    ]), UNITS, CAT, "F")
    t = targets(
        dict(indicator="members", target_value=150),                                     # stock: 2015Q4 value
        dict(indicator="hardship_aid", target_type="direction", goal_direction="raise"),  # flow: 2015 sum
        dict(indicator="trainees", target_type="cumulative", target_value=300),           # 2015 incomplete
        dict(indicator="worker_libraries", base_value=47, target_value=60),               # plan's own base
        dict(indicator="members", unit="A", target_value=80),                             # a quota, not a goal
    )
    g = G.plan_goals(t, q, CAT, START).set_index("indicator")
    assert g.loc["members", "base"] == 100 and g.loc["members", "base_source"] == "data"
    assert g.loc["hardship_aid", "base"] == 10 and g.loc["hardship_aid", "base_source"] == "data"
    assert math.isnan(g.loc["trainees", "base"]) and g.loc["trainees", "base_source"] == ""
    assert g.loc["worker_libraries", "base"] == 47 and g.loc["worker_libraries", "base_source"] == "plan"
    assert len(g) == 4
    assert list(g.index) == [c for c in CAT.codes if c in g.index]  # catalog order


def test_quotas_are_the_rows_with_a_unit_and_a_number():
    t = targets(dict(indicator="members", target_value=150), dict(indicator="members", unit="A", target_value=80),
                dict(indicator="trainees", unit="A", target_value=20), dict(indicator="trainees", unit="B"))
    assert G.quotas(t) == {"A": {"members": 80.0, "trainees": 20.0}}


def test_all_quarterly_equals_rollup_of_each_unit():
    o = obs([
        ("A", "members", "2016Q1", 10), ("A1", "members", "2016Q1", 5), ("B", "members", "2016Q1", 7),
        ("A", "employees", "2016Q1", 20), ("A1", "employees", "2016Q1", 10), ("B", "members", "2016Q2", 8),
        ("B", "employees", "2016Q2", 0), ("A1", "trainees", "2016Q2", 3), ("F", "trainees", "2016Q2", 4),
    ])
    o.loc[1, "approximate"] = True
    allq = G.all_quarterly(o, UNITS, CAT)
    for unit in ["F", "A", "B", "A1"]:
        mine = allq[allq["unit"] == unit].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, rollup.quarterly(o, UNITS, CAT, unit)[list(mine.columns)], check_dtype=False)
    rate = allq[(allq["unit"] == "F") & (allq["indicator"] == "membership_rate")].set_index("period")["value"]
    assert rate["2016Q1"] == pytest.approx(15 / 30 * 100)  # B reported no employees in Q1: left out


def test_units_are_measured_against_quota_else_the_derived_target():
    series = {"A": (50, 60), "B": (50, 70)}  # F is their roll-up: 100 -> 130
    o = obs([(u, "members", p, v) for u, (b, c) in series.items()
             for p, v in [("2015Q4", b), ("2016Q4", c), ("2017Q4", c)]])
    allq = G.all_quarterly(o, UNITS[UNITS["code"] != "A1"], CAT)
    goals = G.plan_goals(targets(dict(indicator="members", base_value=100, target_value=200)),
                         allq[allq["unit"] == "F"], CAT, START)
    ev = G.evaluate_units(goals, allq, CAT, START, END, "2017Q4", ["F", "A", "B"], "F", {"B": {"members": 70}})
    ev = ev.set_index("unit")
    assert ev.loc["F", "target"] == 200 and ev.loc["F", "target_source"] == "plan"
    assert ev.loc["A", "target"] == 100 and ev.loc["A", "target_source"] == "derived"  # 50 * 200 / 100
    assert ev.loc["B", "target"] == 70 and ev.loc["B", "target_source"] == "quota"
    # t = 8/20 = 0.4; F: (130-100)/100 = 0.3 -> r 0.75 behind; A: 10/50 = 0.2 -> 0.5 behind
    assert ev.loc["F", "status"] == "behind" and ev.loc["A", "status"] == "behind"
    assert ev.loc["B", "status"] == "achieved"
    grid = G.status_grid(ev.reset_index())
    assert list(grid.index) == ["F", "A", "B"] and grid.loc["B", "members"] == "achieved"
    assert G.counts(ev, "status", progress.STATUS_URGENCY)["behind"] == 2


def test_goal_path_of_a_level_and_a_cumulative_goal():
    o = obs([("F", "members", "2015Q4", 100), ("F", "members", "2016Q1", 110),
             ("F", "trainees", "2016Q1", 5), ("F", "trainees", "2016Q3", 7)])
    q = rollup.quarterly(o, UNITS, CAT, "F")
    level = G.goal_path(q, {"indicator": "members", "target_type": "level", "base": 100, "target": 200},
                        CAT, START, END, "2016Q3")
    assert len(level) == 21 and level["period"].iloc[0] == "2015Q4" and level["period"].iloc[-1] == END
    assert level["required"].iloc[0] == 100 and level["required"].iloc[-1] == 200
    assert level["required"].iloc[10] == pytest.approx(150)  # half way, 2018Q2
    # F sent nothing in 2016Q2: its members are carried from 2016Q1; its 2016Q3 report has none
    assert level["actual"].iloc[1] == 110 and level["actual"].iloc[2] == 110 and math.isnan(level["actual"].iloc[3])
    assert math.isnan(level["actual"].iloc[4])  # after as_of
    cum = G.goal_path(q, {"indicator": "trainees", "target_type": "cumulative", "base": math.nan, "target": 40},
                      CAT, START, END, "2016Q3")
    assert list(cum["actual"].iloc[:4]) == [0, 5, 5, 12]
    assert cum["required"].iloc[0] == 0 and cum["required"].iloc[-1] == 40
    assert (cum["target"] == 40).all()


def test_goal_path_of_an_annual_flow_sums_four_quarters():
    o = obs([("F", "hardship_aid", p, v) for p, v in zip(periods.span("2015Q1", "2016Q2"), [1, 2, 3, 4, 5, 6])])
    q = rollup.quarterly(o, UNITS, CAT, "F")
    path = G.goal_path(q, {"indicator": "hardship_aid", "target_type": "level", "base": 10, "target": 20},
                       CAT, START, END, "2017Q4").set_index("period")
    assert path.loc["2015Q4", "actual"] == 10 and path.loc["2016Q2", "actual"] == 3 + 4 + 5 + 6
    assert math.isnan(path.loc["2016Q3", "actual"])  # 2016Q3 not reported


def test_overall_header_figures():
    ev = pd.DataFrame({"elapsed": [0.4, 0.4, 0.35], "progress": [0.2, 0.6, math.nan],
                       "period": ["2017Q4", "2017Q4", "2017Q3"]})
    assert G.overall(ev) == {"elapsed": 0.4, "progress": pytest.approx(0.4), "goals": 2, "period": "2017Q4"}


def test_example_plan_statuses_as_of_2017q4(example_store):
    """The example data as the lead listed it (federation, as of 2017Q4)."""
    o = rollup.current(example_store.observations())
    allq = G.all_quarterly(o, example_store.units(), CAT)
    q = allq[allq["unit"] == "LGQ"]
    goals = G.plan_goals(example_store.targets("2016-2020"), q, CAT, START)
    ev = progress.evaluate(goals, q, CAT, START, END, "2017Q4").set_index("indicator")
    status = ev["status"]
    assert set(status[status == "ahead"].index) == {"regional_contract_smes", "union_enterprises", "trainees",
                                                    "mutual_aid_policies", "culture_events", "research_reports"}
    assert set(status[status == "behind"].index) == {"harmonious_enterprises", "members", "offpeak_services",
                                                     "service_station_area"}
    assert status["workers_congress_rate"] == "far_behind" and status["card_rate"] == "regressing"
    assert ev.loc["members", "alert"] == "critical"
    # hardship_aid had no base in the plan: it now has the 2015 sum and an outlook
    assert goals.set_index("indicator").loc["hardship_aid", "base_source"] == "data"
    assert ev.loc["hardship_aid", "outlook"] != "no_data"
    assert ev.loc["hardship_aid", "projected"] > 0
    assert ev.loc["certified_technicians", "projected"] >= ev.loc["certified_technicians", "current"]


def test_children_and_source_uploads():
    assert G.children(UNITS, "F") == ["A", "B"] and G.children(UNITS, "A1") == []
    o = obs([("A1", "members", "2016Q1", 1), ("A", "employees", "2016Q1", 2), ("B", "members", "2016Q1", 3),
             ("A", "members", "2015Q1", 4), ("A", "trainees", "2016Q1", 5)])
    o["upload_id"] = [1, 2, 3, 4, 5]
    assert G.source_uploads(o, UNITS, CAT, "A", "membership_rate", "2015Q4", "2017Q4") == {1, 2}
    assert G.source_uploads(o, UNITS, CAT, "F", "members", "2015Q1", "2016Q1") == {1, 3, 4}
