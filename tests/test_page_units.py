"""AppTest of 单位对比: the grid of units by goals and its Excel download."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from tests.apptest_util import open_page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grid_of_children_by_goals(example_url, lang):
    at = open_page("units", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    assert at.dataframe[0].value.shape == (84, 38)  # a small tree: every unit by default; pace and outlook per goal
    at.radio(key="units_scope").set_value("children").run()
    grid = at.dataframe[0].value
    assert grid.shape == (44, 38)  # the federation and its 43 units; 19 goals, two columns each
    first = grid.iloc[0]
    pace, outlook = ("进度", "趋势") if lang == "zh" else ("pace", "outlook")
    members = "会员人数" if lang == "zh" else "Union members"
    assert first[f"{members} · {pace}"] == ("▼ 滞后" if lang == "zh" else "▼ Behind")
    assert first[f"{members} · {outlook}"].split(" ")[0] in "✔↗⇡→↘？"  # its own column, not the pace cell
    keep = "集体合同签订率" if lang == "zh" else "Collective contract rate"
    assert first[f"{keep} · {pace}"] == ("→ 定性目标" if lang == "zh" else "→ Direction only (no number)")
    assert first[f"{keep} · {outlook}"] == ("↗ 预计可完成" if lang == "zh" else "↗ On track")  # no number: its outlook


def test_all_units_and_excel_download(example_url):
    at = open_page("units", "zh", quarter="2017Q4")
    at.radio(key="units_scope").set_value("all").run()
    assert at.dataframe[0].value.shape[0] == 84
    data = at.get("download_button")[0].proto
    assert data.label == "下载 Excel"
    assert data.deferred_file_id or data.url  # the workbook is built when the button is clicked


def test_excel_grid_has_the_cells_and_colours(example_url):
    import app_cache  # noqa: F401 - the page's own builders, on the page's own frames
    from metrics import goals as G
    from tables import grid_cells, status_grid_xlsx

    at = open_page("units", "zh", quarter="2017Q4")
    shown = at.dataframe[0].value
    ev = pd.DataFrame({"unit": ["LGQ", "LGQ"], "indicator": ["members", "collective_contract_rate"],
                       "status": ["behind", "direction_only"], "outlook": ["limited", "on_track"]})
    grid = grid_cells(G.status_grid(ev), G.status_grid(ev, "outlook"))
    data = status_grid_xlsx(grid, shown.iloc[:1, :4].set_axis(["会员人数 · 进度", "会员人数 · 趋势", "集体合同签订率 · 进度",
                                                                "集体合同签订率 · 趋势"], axis=1), "标题")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "标题" and ws["B3"].value == "会员人数 · 进度"
    assert ws["B4"].fill.fgColor.rgb.endswith("E69F00")  # behind
    assert ws["C4"].fill.fgColor.rgb.endswith("D55E00")  # outlook limited, in its own column
    assert ws["E4"].fill.fgColor.rgb.endswith("56B4E9")  # outlook on track


def _uncached_grid(url: str, quarter: str, lang: str):
    """The grid the page should show, by the plain pandas road from every stored value
    (rollup.current, goals.all_quarterly over every quarter), no summary table and no cache."""
    import resources
    from metrics import goals as G
    from metrics import rollup
    from store.db import open_store
    from tables import grid_cells, partial_units

    store = open_store(url)
    try:
        obs, units, plans = rollup.current(store.observations()), store.units(), store.plans()
        plan_code = G.current_plan(plans, quarter)
        plan = plans[plans["code"] == plan_code].iloc[0].to_dict()
        targets = store.targets(plan_code)
    finally:
        store.engine.dispose()
    cat = resources.catalog()
    root = rollup.root_unit(units)
    goals = G.plan_goals(targets, rollup.quarterly(obs, units, cat, root), cat, plan["start_period"],
                         rollup.coverage(obs, units, root))
    ev = G.evaluate_units(goals, G.all_quarterly(obs, units, cat), cat, plan["start_period"], plan["end_period"],
                          quarter, list(units["code"]), root, G.quotas(targets),
                          cover_all=rollup.coverage_all(obs, units, G.ancestors(units)))
    grid = grid_cells(G.status_grid(ev), G.status_grid(ev, "outlook"))
    return grid, partial_units(ev), units


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_grid_cell_equals_the_uncached_computation_from_the_stored_values(example_url, lang, monkeypatch):
    # The page reads only the quarters the evaluation needs from the summary tables and keeps
    # the grid for every session: the cells must be the ones a full recomputation gives.
    import streamlit as st

    from tables import status_grid_table

    at = open_page("units", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    grid, partial, units = _uncached_grid(example_url, "2017Q4", lang)
    monkeypatch.setitem(st.session_state, "lang", lang)
    want = status_grid_table(grid, units, partial)
    assert shown.shape == want.shape == (84, 38)
    assert list(shown.index) == list(want.index) and list(shown.columns) == list(want.columns)
    assert (shown.to_numpy() == want.to_numpy()).all()
    assert shown.iloc[:, 0].nunique() > 1  # the grid is not all one word


def test_a_second_session_gets_the_grid_without_evaluating_again(example_url, monkeypatch):
    from metrics import goals as G
    from store.db import Store

    at = open_page("units", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    calls = []
    real = G.evaluate_units
    monkeypatch.setattr(G, "evaluate_units", lambda *a, **k: calls.append("evaluate") or real(*a, **k))
    read = Store.units_quarterly
    monkeypatch.setattr(Store, "units_quarterly", lambda *a, **k: calls.append("read") or read(*a, **k))
    import tables

    table = tables.status_grid_table  # the words of 84 × 38 cells (22,001 × 38 at L)
    monkeypatch.setattr(tables, "status_grid_table", lambda *a, **k: calls.append("table") or table(*a, **k))
    at.run()  # a rerun
    again = open_page("units", "zh", quarter="2017Q4")  # another session, same process
    assert not again.exception, again.exception
    assert again.dataframe[0].value.equals(at.dataframe[0].value)
    assert calls == []


def test_the_grid_reads_only_the_quarters_from_the_base_year_to_the_chosen_one(example_url, monkeypatch):
    from store.db import Store

    asked = []
    read = Store.units_cube
    monkeypatch.setattr(Store, "units_cube",
                        lambda self, units, indicators, start, end, *a, **k: asked.append((start, end))
                        or read(self, units, indicators, start, end, *a, **k))
    at = open_page("units", "zh", quarter="2017Q4")  # the 2016-2020 plan: base year 2015
    assert not at.exception, at.exception
    assert asked and all(span == ("2015Q1", "2017Q4") for span in asked)


def test_a_long_grid_is_shown_a_page_at_a_time_and_found_by_name(example_url, monkeypatch):
    import tables

    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    at = open_page("units", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    assert at.dataframe[0].value.shape == (30, 38)
    assert "第 1–30 个单位，共 84 个" in " ".join(c.value for c in at.caption)
    at.number_input(key="units_page").set_value(3).run()
    last = at.dataframe[0].value
    assert last.shape == (24, 38) and "第 61–84 个单位，共 84 个" in " ".join(c.value for c in at.caption)
    at.text_input(key="units_find").set_value("小瓦窑").run()
    found = at.dataframe[0].value
    assert len(found) >= 1 and all("小瓦窑" in name for name in found.index)
    at.text_input(key="units_find").set_value("没有这个单位").run()
    assert not at.dataframe and "没有名称包含“没有这个单位”的单位。" in [i.value for i in at.info]


def test_a_page_of_a_long_grid_evaluates_only_its_own_units_and_shows_their_true_cells(example_url, monkeypatch):
    # At 22,001 units evaluating every unit took 160 s: a page evaluates the units it shows,
    # and its cells are those rows of the full recomputation.
    import streamlit as st

    import tables
    from metrics import goals as G
    from tables import status_grid_table

    import app_cache

    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    # the page's own run only: not the Excel of every unit built meanwhile in the background
    monkeypatch.setattr(app_cache, "prebuild_units_grid_xlsx", lambda *a, **k: None)
    evaluated = []
    real = G.evaluate_units
    monkeypatch.setattr(G, "evaluate_units",
                        lambda goals, q, cat, s, e, a, units, *r, **k: evaluated.append(list(units))
                        or real(goals, q, cat, s, e, a, units, *r, **k))
    at = open_page("units", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    evaluated.clear()
    at.number_input(key="units_page").set_value(2).run()
    shown = at.dataframe[0].value
    assert evaluated and all(len(u) <= 30 for u in evaluated)  # page 2's units only, not all 84
    grid, partial, units = _uncached_grid(example_url, "2017Q4", "zh")
    monkeypatch.setitem(st.session_state, "lang", "zh")
    want = status_grid_table(grid, units, partial).iloc[30:60]
    assert shown.shape == want.shape == (30, 38)
    assert list(shown.index) == list(want.index)
    assert (shown.to_numpy() == want.to_numpy()).all()


def test_the_excel_holds_every_unit_even_when_the_page_shows_one_page(example_url, monkeypatch):
    import app_cache
    import tables

    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    at = open_page("units", "en", quarter="2017Q4")
    assert not at.exception, at.exception
    built = app_cache._units_grid(app_cache.version(), app_cache.current_plan("2017Q4"), "2017Q4", "", "all", None,
                                  "en")
    data = app_cache.units_grid_xlsx(app_cache.current_plan("2017Q4"), "2017Q4", "LGQ", "all", "en", "Title")()
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "Units compared"  # the language of the page, though built outside its run
    assert ws.max_row == 3 + 84 and ws["A1"].value == "Title"
    assert ws["B3"].value == built.shown.columns[0]
