"""The pages read the frames they show from the summary tables (issue 12): a rerun of the
overview, indicator, progress, goals and units pages never loads every stored value."""

from __future__ import annotations

import pytest

from store.db import Store
from tests.apptest_util import open_page


def _no_full_read(*_args, **_kwargs):
    raise AssertionError("a page read every stored value (Store.observations)")


@pytest.mark.parametrize("page", ["overview", "indicator", "progress", "goals", "units", "history"])
def test_page_rerun_does_not_read_every_stored_value(example_url, monkeypatch, page):
    monkeypatch.setattr(Store, "observations", _no_full_read)
    at = open_page(page, "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if page == "units":
        at.radio(key="units_scope").set_value("all").run()
        assert not at.exception, at.exception
        assert at.dataframe[0].value.shape[0] == 84
    at.run()  # a rerun
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", ["overview", "indicator", "progress", "goals", "units"])
def test_page_rerun_work_does_not_grow_with_the_number_of_units(example_url, monkeypatch, page):
    # Each cached loader asks the database for its data version; a loader called once per
    # unit (the goals page's quota editor called root_unit() for each of 84 units, 17 s a
    # rerun at 2,201 units) makes every rerun scale with the org tree.
    calls = []
    version = Store.data_version
    monkeypatch.setattr(Store, "data_version", lambda self: calls.append(1) or version(self))
    at = open_page(page, "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    calls.clear()
    at.run()  # a rerun
    assert not at.exception, at.exception
    assert len(calls) < 40, f"{len(calls)} data-version reads in one rerun of the {page} page (84 units)"


def test_progress_page_rerun_reuses_its_goal_charts(example_url, monkeypatch):
    # The bar charts of the goals depend only on the data version, plan, unit, quarter and
    # language: a rerun (a click) draws the figures built on the first run.
    import charts

    built = []
    real = charts.progress_board_chart
    monkeypatch.setattr(charts, "progress_board_chart", lambda *a, **k: built.append(1) or real(*a, **k))
    at = open_page("progress", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    assert built and len(at.get("plotly_chart")) == len(built)
    built.clear()
    at.run()
    assert not at.exception, at.exception
    assert built == [] and len(at.get("plotly_chart")) > 0


def test_units_grid_words_are_looked_up_once_per_status_not_per_cell(monkeypatch):
    # 2,201 units × 38 cells at M: a language lookup per cell cost about a second a rerun.
    import pandas as pd

    import tables

    codes = ["on_track", "behind", "outlook:likely", None]
    grid = pd.DataFrame({("g", "status"): [codes[i % 2] for i in range(300)],
                         ("g", "outlook"): [codes[2 + i % 2] for i in range(300)]},
                        index=[f"U{i}" for i in range(300)])
    calls = []
    real = tables._cell_label
    monkeypatch.setattr(tables, "_cell_label", lambda c: calls.append(c) or real(c))
    units = pd.DataFrame({"code": list(grid.index), "name_zh": list(grid.index), "name_en": list(grid.index)})
    monkeypatch.setattr(tables.resources, "catalog", lambda: _OneGoal())
    shown = tables.status_grid_table(grid, units)
    assert len(calls) <= 3
    assert shown.iloc[0, 0] == real("on_track") and shown.iloc[1, 1] == ""


class _OneGoal:
    class _Ind:
        def name(self, lang):
            return "goal"

    def __getitem__(self, code):
        return self._Ind()


def test_a_clerks_history_page_reads_her_uploads_not_every_stored_value(example_url, monkeypatch):
    # The history page lists the uploads holding figures of her units: it asked for every
    # stored value (15.4 M at L, withdrawn ones included) to find them.
    import auth
    from store.db import open_store

    store = open_store(example_url)
    store.set_user("wang", "王填报", "clerk", auth.hash_password("pw"), "test")
    store.set_user_units("wang", ["C02"], "test")
    epoch = store.user("wang")["session_epoch"]
    store.engine.dispose()
    monkeypatch.setattr(Store, "observations", _no_full_read)
    at = open_page("history", "zh", user="wang", role="clerk", epoch=epoch)
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) > 0  # the example uploads hold her units' figures
    at.run()
    assert not at.exception, at.exception


def test_overview_rerun_reuses_its_attention_list(example_url, monkeypatch):
    # 需关注 depends on the data version, the user's scope, plan, unit, quarter and language: a
    # rerun (a click elsewhere on the page) shows the list built on the first run.
    from reports import brief

    built = []
    real = brief.assemble
    monkeypatch.setattr(brief, "assemble", lambda *a, **k: built.append(1) or real(*a, **k))
    at = open_page("overview", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    assert built
    built.clear()
    at.run()
    assert not at.exception, at.exception
    assert built == []


@pytest.mark.parametrize("page", ["overview", "units"])
def test_a_rerun_builds_no_table_of_every_units_name(example_url, monkeypatch, page):
    # The sidebar's unit picker (22,001 options at L) and the pages' unit names come from a
    # name table built once per data version and language, not on every rerun.
    import ui

    class Counting(dict):
        builds = 0

        def __setitem__(self, key, value):
            Counting.builds += 1
            super().__setitem__(key, value)

    monkeypatch.setattr(ui, "_NAMES", Counting())
    at = open_page(page, "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    Counting.builds = 0
    at.run()
    assert not at.exception, at.exception
    assert Counting.builds == 0


def test_charts_carry_the_white_template_of_only_the_kinds_they_draw():
    # naming "plotly_white" copied its templates of 24 trace kinds into every figure (~0.1 s)
    import plotly.graph_objects as go
    import plotly.io as pio

    import charts

    fig = charts.base_layout(go.Figure(go.Bar(x=["a"], y=[1])), title="t")
    template = fig.layout.template
    assert set(template.data.to_plotly_json()) == {"bar", "scatter"}
    assert template.layout == pio.templates["plotly_white"].layout
