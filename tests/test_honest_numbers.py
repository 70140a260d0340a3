"""Honest numbers (issue 9): a missing report never looks like a decline, a base from an
incomplete quarter is flagged, a rate counts only units with both parts and a positive
denominator, a floor is a floor, and every caller shows the same goal rows.

The scenarios run on the example database (84 units reporting 2011Q1-2017Q4, the 2016-2020
plan) with real uploads added through the store, or on small hand-made frames.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import resources
from metrics import goals as G
from metrics import progress, rollup
from metrics.catalog import parse_catalog
from store.db import NewUpload
from tests.apptest_util import open_page

CAT = resources.catalog()
PLAN = "2016-2020"


def upload_copy_of_2017q4(store, units: set[str] | None, name: str, exclude: set[str] = frozenset()) -> None:
    """Upload 2018Q1 for ``units`` (all when None, minus ``exclude``): each unit's 2017Q4 values."""
    obs = rollup.current(store.observations())
    last = obs[obs["period"] == "2017Q4"]
    if units is not None:
        last = last[last["unit"].isin(units)]
    last = last[~last["unit"].isin(exclude)]
    values = last.assign(period="2018Q1")[["unit", "indicator", "period", "value", "approximate"]]
    store.add_upload(NewUpload(name, name.encode(), "clerk", values, "2018Q1"))


def evaluate(store, unit: str, as_of: str) -> pd.DataFrame:
    plan = store.plans().set_index("code").loc[PLAN].to_dict()
    plan["code"] = PLAN
    return G.evaluate_plan(rollup.current(store.observations()), store.units(), store.targets(PLAN), plan, CAT,
                           unit, as_of)


def federation_value(store, indicator: str, period: str) -> float:
    q = rollup.quarterly(rollup.current(store.observations()), store.units(), CAT, "LGQ")
    return float(q[(q["indicator"] == indicator) & (q["period"] == period)]["value"].iloc[0])


# ---- 1. a half-reported quarter does not draw a collapse -------------------------------------


def test_a_quarter_one_community_reported_early_is_no_collapse(example_store):
    upload_copy_of_2017q4(example_store, {"C01"}, "C01-2018Q1.xlsx")
    # stocks of the 83 silent units are carried: the total stays where it was, not at C01's share
    for code in ("members", "union_enterprises"):
        assert federation_value(example_store, code, "2018Q1") == pytest.approx(
            federation_value(example_store, code, "2017Q4"))
    before = evaluate(example_store, "LGQ", "2017Q4").set_index("indicator")
    now = evaluate(example_store, "LGQ", "2018Q1").set_index("indicator")
    assert (now["reported"] == 1).all() and (now["expected"] == 84).all() and now["incomplete"].all()
    assert now.loc["union_enterprises", "progress"] > 0 and now.loc["members", "progress"] > 0
    assert set(now.index[now["status"] == "regressing"]) <= set(before.index[before["status"] == "regressing"])
    rank = {c: i for i, c in enumerate(progress.STATUS_URGENCY)}
    assert all(rank[now.loc[c, "status"]] >= rank[before.loc[c, "status"]] for c in now.index)
    # one quarter's judgement: the header's time elapsed is every row's
    head = G.overall(now.reset_index())
    numeric = now[now["progress"].notna()]
    assert (numeric["elapsed"] == head["elapsed"]).all()


def test_progress_page_on_a_half_reported_quarter_says_so_and_shows_no_regress(example_store):
    upload_copy_of_2017q4(example_store, {"C01"}, "C01-2018Q1.xlsx")
    at = open_page("progress", "zh", quarter="2018Q1")
    assert not at.exception, at.exception
    text = " ".join(w.value for w in at.warning) + " ".join(c.value for c in at.caption)
    assert "已报 1/84" in text
    rows = pd.concat([d.value for d in at.dataframe], ignore_index=True)
    org = rows[rows["指标"].str.contains("建会企业数|会员人数")]
    assert len(org) and not org["进度状态"].str.contains("倒退").any()
    assert not org["完成进度"].astype(float).lt(0).any()


# ---- 2. a unit that misses a quarter stays in the stock totals -------------------------------


def test_a_unit_missing_one_quarter_stays_in_every_stock_total(example_store):
    upload_copy_of_2017q4(example_store, None, "all-but-E001-2018Q1.xlsx", exclude={"E001"})
    assert federation_value(example_store, "members", "2018Q1") == pytest.approx(
        federation_value(example_store, "members", "2017Q4"))
    cover = rollup.coverage(rollup.current(example_store.observations()), example_store.units(), "LGQ")
    row = cover[cover["period"] == "2018Q1"].iloc[0]
    assert (row["n_units"], row["expected"], bool(row["complete"])) == (83, 84, False)
    assert row["carried"] == 1
    now = evaluate(example_store, "LGQ", "2018Q1").set_index("indicator")
    before = evaluate(example_store, "LGQ", "2017Q4").set_index("indicator")
    assert now.loc["members", "status"] != "regressing"
    assert now.loc["members", "alert"] == before.loc["members", "alert"] or now.loc["members", "alert"] != "critical"
    # the silent unit's own row says it has not reported, and its stocks are marked as carried
    mine = evaluate(example_store, "E001", "2018Q1").set_index("indicator")
    assert (mine["reported"] == 0).all() and (mine["expected"] == 1).all() and mine["incomplete"].all()
    assert mine.loc["members", "carried_units"] == 1 or mine["held"].all()


def test_units_grid_marks_the_unit_that_did_not_report(example_store):
    upload_copy_of_2017q4(example_store, None, "all-but-E001-2018Q1.xlsx", exclude={"E001"})
    obs, units = rollup.current(example_store.observations()), example_store.units()
    allq = G.all_quarterly(obs, units, CAT)
    cover_all = rollup.coverage_all(obs, units, G.ancestors(units))
    fed_q = allq[allq["unit"] == "LGQ"].drop(columns="unit")
    goals = G.plan_goals(example_store.targets(PLAN), fed_q, CAT, "2016Q1")
    ev = G.evaluate_units(goals, allq, CAT, "2016Q1", "2020Q4", "2018Q1", ["E002", "E001"], "LGQ",
                          G.quotas(example_store.targets(PLAN)), cover_all=cover_all)
    flags = ev.groupby("unit")[["incomplete", "reported", "expected"]].first()
    assert flags.loc["E001"].tolist() == [True, 0, 1]
    assert flags.loc["E002"].tolist() == [False, 1, 1]


# ---- 3. a base from an incomplete quarter is flagged -------------------------------------------


def test_a_base_from_a_quarter_half_the_units_reported_is_flagged():
    units = pd.DataFrame({"code": ["F", *[f"U{i}" for i in range(10)]], "parent": ["", *["F"] * 10],
                          "level": ["federation", *["community"] * 10]})
    rows = [(f"U{i}", "members", "2015Q4", 100.0) for i in range(5)]
    rows += [(f"U{i}", "members", p, 100.0) for i in range(10) for p in ("2016Q1", "2016Q2", "2016Q3", "2016Q4")]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value"]).assign(approximate=False)
    targets = pd.DataFrame([{"indicator": "members", "unit": "", "target_type": "level", "base_value": None,
                             "target_value": 2000.0, "attribute": "预期性", "goal_direction": "",
                             "goal_text_zh": "", "goal_text_en": ""}])
    plan = {"start_period": "2016Q1", "end_period": "2020Q4"}
    ev = G.evaluate_plan(obs, units, targets, plan, CAT, "F", "2016Q4").set_index("indicator")
    assert ev.loc["members", "base"] == 500  # what the data gives ...
    assert bool(ev.loc["members", "base_incomplete"])  # ... flagged, not taken silently
    q = rollup.quarterly(obs, units, CAT, "F")
    goals = G.plan_goals(targets, q, CAT, "2016Q1", rollup.coverage(obs, units, "F"))
    assert goals["base_incomplete"].tolist() == [True]
    # a base the administrator entered is not flagged
    entered = targets.assign(base_value=1000.0)
    ev2 = G.evaluate_plan(obs, units, entered, plan, CAT, "F", "2016Q4").set_index("indicator")
    assert not bool(ev2.loc["members", "base_incomplete"]) and ev2.loc["members", "base"] == 1000


# ---- 4. a rate counts a numerator only with its positive denominator ---------------------------


def test_a_re_upload_of_a_zero_denominator_does_not_push_the_rate_over_100(example_store):
    obs = rollup.current(example_store.observations())
    one = obs[(obs["period"] == "2017Q4") & (obs["indicator"] == "union_enterprises") & (obs["value"] > 0)]
    unit = one["unit"].iloc[0]
    values = pd.DataFrame([{"unit": unit, "indicator": "union_enterprises", "period": "2017Q4", "value": 0.0,
                            "approximate": False}])
    example_store.add_upload(NewUpload("zero.xlsx", b"zero", "clerk", values, "2017Q4"))
    assert federation_value(example_store, "collective_contract_rate", "2017Q4") <= 100.0


FLOWS = parse_catalog({
    "categories": [{"code": "c", "zh": "c", "en": "c"}],
    "indicators": [
        {"code": "cases", "zh": "案件", "en": "Cases", "unit": "件", "kind": "flow", "category": "c"},
        {"code": "solved", "zh": "结案", "en": "Solved", "unit": "件", "kind": "flow", "category": "c"},
        {"code": "solve_rate", "zh": "结案率", "en": "Solve rate", "unit": "%", "kind": "rate",
         "numerator": "solved", "denominator": "cases", "category": "c"},
    ],
})


def test_a_rate_over_a_span_follows_the_both_parts_rule():
    """A reports 90 of 100 cases solved; B reports 200 solved and no cases: the quarter's rate
    is 90 %, and so is the span's (not (90 + 200) / 100 = 290 %)."""
    tree = pd.DataFrame({"code": ["F", "A", "B"], "parent": ["", "F", "F"]})
    obs = pd.DataFrame([("A", "solved", "2016Q1", 90.0), ("A", "cases", "2016Q1", 100.0),
                        ("B", "solved", "2016Q1", 200.0)],
                       columns=["unit", "indicator", "period", "value"]).assign(approximate=False)
    q = rollup.quarterly(obs, tree, FLOWS, "F")
    assert q[q["indicator"] == "solve_rate"]["value"].iloc[0] == pytest.approx(90.0)
    span = rollup.over_span(q, FLOWS, "2016Q1", "2016Q4").set_index("indicator")
    assert span.loc["solve_rate", "value"] == pytest.approx(90.0)


# ---- 5. a floor is a floor -------------------------------------------------------------------


@pytest.mark.parametrize("attribute, text, expected", [
    ("约束性", "集体合同和工资专项协议签订率保持在98%以上", "deteriorating"),
    ("预期性", "集体合同签订率保持在98%以上", "deteriorating"),
    ("预期性", "集体合同签订率保持在98%左右", "on_track"),  # no floor: the 1-point tolerance applies
], ids=["binding", "yishang", "about"])
def test_a_keep_goal_just_below_its_floor_is_not_on_track(attribute, text, expected):
    q = pd.DataFrame({"indicator": "collective_contract_rate", "period": ["2016Q1", "2016Q2", "2016Q3", "2016Q4"],
                      "value": [98.5, 98.0, 97.6, 97.2], "approximate": False, "n_units": 1})
    goals = pd.DataFrame([{"indicator": "collective_contract_rate", "target_type": "direction", "base": 98.0,
                           "target": math.nan, "attribute": attribute, "goal_direction": "keep",
                           "goal_text_zh": text, "goal_text_en": ""}])
    row = progress.evaluate(goals, q, CAT, "2016Q1", "2020Q4", "2016Q4").iloc[0]
    assert row["outlook"] == expected
    grid = G.grid.evaluate_grid(goals.assign(unit="F"), q.assign(unit="F"), CAT, "2016Q1", "2020Q4", "2016Q4")
    assert grid["outlook"].iloc[0] == expected
    if attribute == "约束性":
        assert row["alert"] == "critical"


# ---- one road: the page, the report and the command line show the same goal rows ------------


ROW_COLUMNS = ["indicator", "base", "target", "current", "progress", "status", "outlook", "elapsed"]


@pytest.mark.parametrize("unit, quarter", [("LGQ", "2017Q4"), ("C01", "2017Q2")])
def test_progress_page_rows_are_the_goal_evaluation(example_store, unit, quarter):
    import app_cache

    page = app_cache.evaluation(PLAN, unit, quarter)
    road = evaluate(example_store, unit, quarter)
    pd.testing.assert_frame_equal(page.reset_index(drop=True), road.reset_index(drop=True), check_dtype=False)


def test_report_main_table_equals_the_progress_page_rows(example_store):
    """The report's 主要指标 table (federation, 2016-2020 as of the latest complete quarter)
    shows the goals with the base, target, current value, progress and status of the progress
    page for the same plan, unit and quarter."""
    import app_cache
    from reports.content import build_report, load_inputs

    report = build_report(load_inputs(example_store, CAT), 2016, 2020, "LGQ", "zh")
    table = report.plan_table if hasattr(report, "plan_table") else None
    if table is None:
        table = next(v for k, v in vars(report).items() if isinstance(v, pd.DataFrame) and "status" in v)
    page = app_cache.evaluation(PLAN, "LGQ", "2017Q4").set_index("indicator")
    mine = table.set_index("indicator")
    for code in mine.index:
        for col in ("base", "target", "current", "progress"):
            a, b = mine.loc[code, col], page.loc[code, col]
            assert (pd.isna(a) and pd.isna(b)) or a == pytest.approx(b), (code, col, a, b)
        assert mine.loc[code, "status"] == page.loc[code, "status"], code


def test_part_over_whole_is_checked_against_what_is_stored(sqlite_url):
    """A clerk first uploads 建会企业数 and 集体合同签订企业数 for C01, then re-uploads only
    建会企业数 = 0: after the upload the stored part would exceed its whole, so the import is
    refused with the cell named, and nothing stored changes."""
    from ingest.importer import commit, prepare
    from store.db import open_store
    from tests.ingest_fixtures import TITLE, xlsx

    store = open_store(sqlite_url)
    store.add_units(resources.example_units())
    names = (CAT["union_enterprises"].zh, CAT["contract_enterprises"].zh)
    first = xlsx({"季度数据": [[TITLE], ["单位名称", *names], ["卢沟桥社区联合工会", 40, 38]]})
    commit(store, prepare(store, first, "2016Q1.xlsx"), "clerk")
    again = prepare(store, xlsx({"季度数据": [[TITLE], ["单位名称", names[0]], ["卢沟桥社区联合工会", 0]]}),
                    "2016Q1-fix.xlsx")
    found = [f for f in again.report.findings if f.code == "part_over_stored_whole"]
    assert found and found[0].severity == "error" and found[0].where.startswith("季度数据!")
    assert "已入库" in found[0].message("zh") and "already stored" in found[0].message("en")
    assert not again.report.ok
    cur = rollup.current(store.observations())
    assert float(cur[cur["indicator"] == "union_enterprises"]["value"].iloc[0]) == 40
    store.engine.dispose()


@pytest.mark.parametrize("page, key", [("overview", "overview_trend"), ("indicator", "indicator_chart")])
def test_charts_draw_the_incomplete_quarter_hollow_and_dotted_with_its_note(example_store, page, key):
    import json

    upload_copy_of_2017q4(example_store, {"C01"}, "C01-2018Q1.xlsx")
    at = open_page(page, "zh", quarter="2018Q1", indicator="members")
    assert not at.exception, at.exception
    chart = next(c for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id)
    traces = json.loads(chart.proto.spec)["data"]
    partial = [t for t in traces if t.get("meta") == "incomplete"]
    assert len(partial) == 1 and partial[0]["line"]["dash"] == "dot"
    assert partial[0]["x"][-1] == "2018年一季度" and partial[0]["marker"]["symbol"][-1] == "circle-open"
    assert partial[0]["customdata"][-1] == "已报 1/84 · 含结转 83 个单位"
    solid = next(t for t in traces if t.get("meta") in ("complete", "actual"))
    assert solid["y"][solid["x"].index("2018年一季度")] is None  # not part of the solid line


def test_units_page_names_the_unit_that_has_not_reported(example_store):
    upload_copy_of_2017q4(example_store, None, "all-but-E001-2018Q1.xlsx", exclude={"E001"})
    at = open_page("units", "zh", quarter="2018Q1", units_scope="all")
    assert not at.exception, at.exception
    labels = [str(i) for i in at.dataframe[0].value.index]
    assert any(label.endswith("(已报 0/1)") for label in labels)
    assert any("卢沟桥街道总工会 (已报 83/84)" == label for label in labels)


def test_units_grid_flags_equal_each_units_own_evaluation(example_store):
    """The units page's judgement and flags are those of the progress page for each unit."""
    upload_copy_of_2017q4(example_store, None, "most-2018Q1.xlsx", exclude={"E001", "C03"})
    obs, units = rollup.current(example_store.observations()), example_store.units()
    allq = G.all_quarterly(obs, units, CAT)
    fed_cover = rollup.coverage(obs, units, "LGQ")
    goals = G.plan_goals(example_store.targets(PLAN), allq[allq["unit"] == "LGQ"].drop(columns="unit"), CAT,
                         "2016Q1", fed_cover)
    codes = ["LGQ", "C03", "E001", "E002"]
    grid = G.evaluate_units(goals, allq, CAT, "2016Q1", "2020Q4", "2018Q1", codes, "LGQ",
                            G.quotas(example_store.targets(PLAN)), cover_all=rollup.coverage_all(obs, units, G.ancestors(units)))
    for code in codes:
        mine = grid[grid["unit"] == code].reset_index(drop=True)
        own = evaluate(example_store, code, "2018Q1")
        for col in ("status", "outlook", *G.FLAG_COLUMNS):
            assert mine[col].tolist() == own[col].tolist(), (code, col)


def test_units_grid_holds_many_incomplete_units_like_their_own_pages_in_one_pass(example_store, monkeypatch):
    """After a partial upload most units' quarter is incomplete; each keeps its latest complete
    quarter's judgement where the incomplete one reads worse, exactly as its own progress page
    says, and the earlier quarter is compared once for all of them (it was once per unit,
    quadratic in the units: a district's 20,000 enterprises)."""
    units = example_store.units()
    skipped = set(units["code"][units["code"].str.startswith("E")].iloc[::2])  # half the enterprises
    upload_copy_of_2017q4(example_store, None, "half-2018Q1.xlsx", exclude=skipped)
    obs = rollup.current(example_store.observations())
    allq = G.all_quarterly(obs, units, CAT)
    fed_cover = rollup.coverage(obs, units, "LGQ")
    goals = G.plan_goals(example_store.targets(PLAN), allq[allq["unit"] == "LGQ"].drop(columns="unit"), CAT,
                         "2016Q1", fed_cover)
    codes = list(units["code"])
    compared = []
    real = G._worse
    monkeypatch.setattr(G, "_worse", lambda a, b: compared.append(len(a)) or real(a, b))
    grid = G.evaluate_units(goals, allq, CAT, "2016Q1", "2020Q4", "2018Q1", codes, "LGQ",
                            G.quotas(example_store.targets(PLAN)), cover_all=rollup.coverage_all(obs, units, G.ancestors(units)))
    assert len(compared) == 1  # one earlier quarter (2017Q4), compared once for every open unit
    assert grid["incomplete"].sum() > 0 and grid["held"].any()
    monkeypatch.setattr(G, "_worse", real)
    for code in codes:
        mine = grid[grid["unit"] == code].reset_index(drop=True)
        own = evaluate(example_store, code, "2018Q1")
        for col in ("status", "outlook", "progress", *G.FLAG_COLUMNS):
            assert mine[col].tolist() == own[col].tolist() or (
                col == "progress" and mine[col].fillna(-1).round(9).tolist() == own[col].fillna(-1).round(9).tolist()), (code, col)
