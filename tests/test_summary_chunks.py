"""The roll-up maintenance works a chunk of units at a time (issue 12 item 4: a quarter of 20,000
new enterprises made 2.2 M summary rows at once, the import's peak memory): each depth of the
tree is rolled up ``store.summary.UNIT_CHUNK`` units at a time and handed up summed per parent.
The tables still equal a plain recomputation after any sequence of writes, with chunks of one
unit (every parent then sums partial sums of its children), on SQLite and PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from metrics import rollup
from store import summary
from store.db import NewUpload, open_store
from tests.test_store_summary import _run, steps, trees

INDICATORS = ["members", "employees", "cadre_training_completed", "cadre_training_assigned", "member_cards"]


def _one_unit_chunks(run):
    old = summary.UNIT_CHUNK
    summary.UNIT_CHUNK = 1
    try:
        run()
    finally:
        summary.UNIT_CHUNK = old


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=trees, sequence=steps)
def test_summary_rolled_up_one_unit_at_a_time_equals_recomputation_sqlite(shape, sequence):
    with tempfile.TemporaryDirectory() as tmp:
        _one_unit_chunks(lambda: _run(f"sqlite:///{Path(tmp) / 'u.sqlite'}", shape, sequence))


@pytest.mark.postgres
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shape=trees, sequence=steps)
def test_summary_rolled_up_one_unit_at_a_time_equals_recomputation_postgres(pg_url, shape, sequence):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # a fresh, empty database for each example
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    _one_unit_chunks(lambda: _run(pg_url, shape, sequence))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'c.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_an_upload_of_many_new_units_never_rolls_up_more_than_a_chunk_of_units_at_once(db_url, monkeypatch):
    store = open_store(db_url)
    try:
        tree = pd.DataFrame([("F", "", "federation"), ("C0", "F", "community"), ("C1", "F", "community")],
                            columns=["code", "parent", "level"])
        store.add_units(tree.assign(name_zh=tree["code"] + "名", name_en=tree["code"]))
        first = pd.DataFrame([("C0", ind, "2016Q1", 5.0, False) for ind in INDICATORS],
                             columns=["unit", "indicator", "period", "value", "approximate"])
        store.add_upload(NewUpload("first.xlsx", b"first", "clerk", first, "2016Q1"))

        seen: list[int] = []
        combine = rollup.combine

        def counting(parts, catalog, by="unit"):
            seen.append(parts[by].nunique())
            return combine(parts, catalog, by)

        monkeypatch.setattr(summary, "UNIT_CHUNK", 4, raising=False)  # (absent before chunks)
        monkeypatch.setattr(rollup, "combine", counting)
        codes = [f"N{i:02d}" for i in range(30)]  # 30 new enterprises, 15 under each community
        new = pd.DataFrame({"code": codes, "name_zh": [f"新企业{c}" for c in codes], "name_en": "",
                            "parent": [f"C{i % 2}" for i in range(30)], "level": "enterprise"})
        values = pd.DataFrame([(c, ind, q, float(i + n), i % 3 == 0) for i, c in enumerate(codes)
                               for n, ind in enumerate(INDICATORS) for q in ("2016Q2", "2016Q3")],
                              columns=["unit", "indicator", "period", "value", "approximate"])
        store.add_upload(NewUpload("new.xlsx", b"new units", "clerk", values, "2016Q2", new_units=new))
        monkeypatch.setattr(rollup, "combine", combine)

        assert seen and max(seen) <= 4, seen
        assert summary.check(store) == []
        # the community with only new enterprises counts each of its 15, from every chunk
        got = store.unit_quarterly("C1").set_index(["indicator", "period"])
        assert got.loc[("members", "2016Q2"), "n_units"] == 15
        assert got.loc[("members", "2016Q2"), "value"] == sum(float(i) for i in range(1, 30, 2))
    finally:
        store.engine.dispose()
