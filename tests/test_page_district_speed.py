"""What the first page after start and a rerun no longer do at district size (issue 12, item 4),
on the example database (84 units): at 22,001 units each of these was seconds of a page.

- the overview's 需关注 names the lagging children of the goals below pace, and evaluates the
  children on those goals only (the first page after start evaluated every goal of 2,000
  communities), with the same rows as the whole evaluation, also where a child's quarter is
  incomplete;
- a rerun of the federation's indicator page evaluates no child and builds its breakdown chart
  and table no more (they were built again for 2,000 children on every click);
- reruns of the indicator and units pages do not walk the whole unit table to find a unit's
  children.
"""

from __future__ import annotations

import pandas as pd
import pytest

from store.db import Store, open_store
from tests.apptest_util import open_page, run_app
from tests.test_honest_numbers import upload_copy_of_2017q4


def test_overview_reads_the_childrens_figures_of_only_the_goals_it_lists(example_url, monkeypatch):
    reads = []
    real = Store.units_quarterly

    def spy(self, units, *args, **kwargs):
        reads.append((list(units), kwargs.get("indicators")))
        return real(self, units, *args, **kwargs)

    monkeypatch.setattr(Store, "units_quarterly", spy)
    at = run_app("zh")
    assert not at.exception, at.exception
    lines = [m.value.replace("\\", "") for m in at.markdown]
    listed = [x for x in lines if x.startswith((":red[", ":orange["))]
    assert len(listed) == 7 and "滞后单位31个，最差的：青塔社区联合工会" in listed[1]  # as before
    children = [r for r in reads if len(r[0]) == 43]  # the federation's 43 communities and joint unions
    assert children, reads
    for _, indicators in children:  # only the 7 goals listed, not all 19 goals and a rate's two parts
        assert indicators is not None and len(indicators) <= 7, sorted(indicators or [])


@pytest.mark.parametrize("as_of", ["2017Q4", "2018Q1"])
def test_lagging_children_are_those_of_the_whole_evaluation_also_when_a_childs_quarter_is_incomplete(
        example_url, as_of):
    import app_cache

    store = open_store(example_url)
    # 2018Q1 reported by every unit but one enterprise: its community's quarter is incomplete,
    # and a community judged on an incomplete quarter keeps its previous judgement when any of
    # its goals would be worse, so it is judged on all its goals even here
    upload_copy_of_2017q4(store, None, "all-but-E001-2018Q1.xlsx", exclude={"E001"})
    store.engine.dispose()
    plan = app_cache.current_plan(as_of)
    root = app_cache.root_unit()
    kids = tuple(app_cache.children(root))
    now = app_cache.evaluation(plan, root, as_of)
    listed = app_cache._attention_indicators(now)
    assert listed and len(listed) < len(now)
    cover = app_cache.store().units_coverage(kids)
    open_kids = set(cover[(cover["period"] == as_of) & ~cover["complete"]]["unit"])
    assert bool(open_kids) == (as_of == "2018Q1")
    whole = app_cache._evaluate_units(plan, as_of, kids, None)
    want = whole[whole["indicator"].isin(listed)].reset_index(drop=True)
    got = app_cache._attention_grid(plan, as_of, kids, listed)
    assert list(got["unit"]) == list(want["unit"]) and list(got["indicator"]) == list(want["indicator"])
    for col in ("status", "outlook", "alert", "progress", "current", "base", "target", "held", "judged_at",
                "reported", "expected", "incomplete"):
        pd.testing.assert_series_equal(got[col], want[col], check_dtype=False, check_names=False)


def test_federation_indicator_page_rerun_evaluates_no_child_and_builds_no_breakdown_again(example_url, monkeypatch):
    import charts
    import tables
    from metrics import goals

    evaluated, drawn, tabled = [], [], []
    real_ev, real_chart, real_table = goals.evaluate_units, charts.units_progress_chart, tables.breakdown_table
    monkeypatch.setattr(goals, "evaluate_units", lambda *a, **k: evaluated.append(1) or real_ev(*a, **k))
    monkeypatch.setattr(charts, "units_progress_chart", lambda *a, **k: drawn.append(1) or real_chart(*a, **k))
    monkeypatch.setattr(tables, "breakdown_table", lambda *a, **k: tabled.append(1) or real_table(*a, **k))
    at = open_page("indicator", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    first = at.dataframe[0].value
    assert len(first) == 43 and drawn and tabled  # the federation's 43 children, drawn on the first run
    evaluated.clear(), drawn.clear(), tabled.clear()
    at.run()  # a rerun (a click anywhere)
    assert not at.exception, at.exception
    assert (evaluated, drawn, tabled) == ([], [], [])
    pd.testing.assert_frame_equal(at.dataframe[0].value, first)
    assert len(at.get("plotly_chart")) == 2


@pytest.mark.parametrize("page", ["indicator", "units"])
def test_page_rerun_does_not_walk_the_unit_table_for_a_units_children(example_url, monkeypatch, page):
    from metrics import goals

    walked = []
    real = goals.children
    monkeypatch.setattr(goals, "children", lambda *a, **k: walked.append(a[1]) or real(*a, **k))
    at = open_page(page, "zh", quarter="2017Q4", unit="C01", units_scope="children")
    assert not at.exception, at.exception
    walked.clear()
    at.run()
    assert not at.exception, at.exception
    assert walked == []
