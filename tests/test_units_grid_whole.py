"""The units grid of every unit (the units page's Excel download, issue 12): read from the
summary table once as a cube of arrays, on SQLite and PostgreSQL, with the same cells as the
page's own pages of the grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from metrics import unitgrid as UG
from store.db import NewUpload, open_store

QUARTER = "2017Q4"


def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _whole_and_page(monkeypatch, lang="zh", codes=None):
    import streamlit as st

    import app_cache

    monkeypatch.setitem(st.session_state, "lang", lang)
    plan = app_cache.current_plan(QUARTER)
    key = app_cache.version()
    return (app_cache._units_grid(key, plan, QUARTER, "", "all", None, lang, None),
            None if codes is None else app_cache._units_grid(key, plan, QUARTER, "", "all", None, lang, tuple(codes)))


def _statements(engine: sa.Engine, table: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        if f"FROM {table}" in statement:
            seen.append((statement, parameters))

    return seen


def test_the_whole_grid_reads_the_summary_in_one_query_of_the_goals_indicators(example_url, monkeypatch):
    # At 22,001 units the grid was read in 45 queries of 500 unit codes each, of every
    # indicator a goal or a rate's parts need (10.5 M rows, 69 s): now one query without unit
    # codes, of the goals' own indicators only, from the base year to the chosen quarter.
    import app_cache

    _fresh_caches()
    app_cache.plan_goals(app_cache.current_plan(QUARTER))  # the plan's bases: the federation's own rows
    engine = app_cache.store().engine
    summary_reads = _statements(engine, "unit_summary")
    coverage_reads = _statements(engine, "unit_coverage")
    whole, _ = _whole_and_page(monkeypatch)
    assert whole is not None and whole.grid.shape == (84, 38)
    assert len(summary_reads) == 1 and len(coverage_reads) == 1
    statement, params = summary_reads[0]
    values = set(params.values() if isinstance(params, dict) else params)
    assert not values & set(app_cache.units()["code"]) and "unit_coverage.unit IN" not in coverage_reads[0][0]
    goals = set(app_cache.plan_goals(app_cache.current_plan(QUARTER))["indicator"])
    assert goals <= values and not ({"employees", "enterprises_total"} & values)  # no rate's parts
    assert "2015Q1" in values and QUARTER in values


def test_the_whole_grids_read_on_sqlite_seeks_the_goal_rows_instead_of_scanning_every_row(example_url, monkeypatch):
    # At 22,001 units SQLite scanned all 17.6 M summary rows (every indicator and quarter) for
    # the 5 M the grid needs, 3.5 s of its own time; seeking each unit's goal indicators and
    # quarters by the primary key takes 1.6 s.
    import app_cache

    _fresh_caches()
    app_cache.plan_goals(app_cache.current_plan(QUARTER))
    engine = app_cache.store().engine
    summary_reads = _statements(engine, "unit_summary")
    whole, _ = _whole_and_page(monkeypatch)
    assert whole is not None and len(summary_reads) == 1
    statement, params = summary_reads[0]
    with engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()]
    assert any(step.startswith("SEARCH unit_summary USING PRIMARY KEY (unit=? AND indicator=?") for step in plan), plan
    assert not any(step.startswith("SCAN unit_summary") for step in plan), plan


def test_a_page_of_the_grid_has_exactly_those_rows_of_the_whole_grid(example_url, monkeypatch):
    _fresh_caches()
    import app_cache

    codes = app_cache.grid_units("", "all")
    for lang in ("zh", "en"):
        whole, page = _whole_and_page(monkeypatch, lang, codes[30:60])
        pd.testing.assert_frame_equal(page.grid, whole.grid.iloc[30:60])
        pd.testing.assert_frame_equal(page.shown, whole.shown.iloc[30:60])
        assert page.partial == {u: v for u, v in whole.partial.items() if u in codes[30:60]}


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_the_cube_read_from_the_summary_equals_the_summary_rows(db, request, tmp_path):
    import bootstrap
    from metrics import periods

    url = request.getfixturevalue("pg_url") if db == "postgres" else f"sqlite:///{tmp_path / 'u.sqlite'}"
    store = open_store(url)
    try:
        bootstrap.ensure_example_data(store)
        # one unit reports 2018Q1, an estimate: its value is approximate, the others' stocks carried
        store.add_uploads([NewUpload("c01.xlsx", b"c01 2018Q1", "t", pd.DataFrame(
            {"unit": ["C01"], "indicator": ["members"], "period": ["2018Q1"], "value": [1.0], "approximate": [True]}),
            "2018Q1")])
        codes = list(store.units()["code"])
        inds = ["members", "trainees", "membership_rate", "card_rate"]
        rows = store.units_quarterly(codes, indicators=inds, start="2015Q1", end="2018Q1")
        want = UG.cube_from_frame(rows, codes, inds, "2015Q1", "2018Q1")
        for units in (None, codes[:5] + codes[-3:]):
            got = store.units_cube(units, inds, "2015Q1", "2018Q1", cube_units=codes)
            assert list(got.units) == codes and list(got.indicators) == sorted(inds)
            rows_of = slice(None) if units is None else want.units.get_indexer(units)
            order = want.indicators.get_indexer(got.indicators)
            for mine, theirs in [(got.values, want.values), (got.flags, want.flags), (got.carried, want.carried)]:
                np.testing.assert_array_equal(mine[:, rows_of], theirs[order][:, rows_of])
        assert np.isfinite(want.values).sum() > 1000 and want.flags.any() and want.carried.any()
        assert want.width == len(periods.span("2015Q1", "2018Q1"))
    finally:
        store.engine.dispose()


def test_the_whole_grid_on_postgresql_equals_the_one_on_sqlite(example_url, pg_url, monkeypatch):
    import bootstrap

    _fresh_caches()
    on_sqlite, _ = _whole_and_page(monkeypatch)
    pg = open_store(pg_url)
    try:
        bootstrap.ensure_example_data(pg)
    finally:
        pg.engine.dispose()
    monkeypatch.setenv("UNION_DB_URL", pg_url)
    _fresh_caches()
    on_pg, _ = _whole_and_page(monkeypatch)
    pd.testing.assert_frame_equal(on_pg.grid, on_sqlite.grid)
    pd.testing.assert_frame_equal(on_pg.shown, on_sqlite.shown)
    assert on_pg.partial == on_sqlite.partial
    _fresh_caches()


def test_a_long_grid_has_its_english_excel_ready_before_the_click(example_url, monkeypatch):
    # A grid longer than one page (a district: the whole grid and its workbook take tens of
    # seconds) is built in the background when the page opens; the click then only hands it
    # over, in the page's language although built outside the page run.
    import io

    import openpyxl

    import app_cache
    import tables
    from metrics import goals as G
    from tests.apptest_util import open_page

    _fresh_caches()
    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    at = open_page("units", "en", quarter=QUARTER)
    assert not at.exception, at.exception
    app_cache.prebuild_wait(120)
    calls = []
    real = G.evaluate_units
    monkeypatch.setattr(G, "evaluate_units", lambda *a, **k: calls.append("evaluate") or real(*a, **k))
    write = tables.status_grid_xlsx
    monkeypatch.setattr(tables, "status_grid_xlsx", lambda *a, **k: calls.append("write") or write(*a, **k))
    click = at.get("download_button")[0].proto
    assert click.deferred_file_id or click.url
    data = app_cache.units_grid_xlsx(app_cache.current_plan(QUARTER), QUARTER, "LGQ", "all", "en",
                                     _page_title())()
    assert calls == []  # built already
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "Units compared" and ws.max_row == 3 + 84 and ws["A3"].value == "Unit"
    words = [ws.cell(r, j).value for r in (3, 4, 5) for j in range(2, 40)]
    assert all(w and not any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words)  # no Chinese word
    _fresh_caches()


def _page_title() -> str:
    """The Excel title the page passed (units.file_title in the page's language)."""
    from i18n import t

    import app_cache
    from ui import period_label, speaking

    plan = app_cache.current_plan(QUARTER)
    with speaking("en"):
        return t("units.file_title", "en", plan=app_cache.plan_info(plan)["name_en"], quarter=period_label(QUARTER))
