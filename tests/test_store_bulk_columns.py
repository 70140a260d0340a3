"""An upload's values reach the driver with each distinct text as one Python string (issue 12
item 4): a quarter of 20,000 units x 35 values made 700,000 new strings per text column in the
commit, its peak memory. The rows are still sorted by cell and stored as given, NaN as NULL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from store import bulk, schema, summary
from store.db import NewUpload, open_store
from tests.test_store_bulk import COLS, _tree


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, sqlite_url):
    store = open_store(request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url)
    store.add_units(_tree())
    yield store
    store.engine.dispose()


def test_an_uploads_values_share_one_string_per_unit_and_are_stored_sorted(store, monkeypatch):
    cells = [(u, ind, q) for u in ("E10", "E00", "C1") for ind in ("members", "employees") for q in ("2016Q2", "2016Q1")]
    values = pd.DataFrame([(u, ind, q, float(n) + 0.5, n % 2 == 0) for n, (u, ind, q) in enumerate(cells)],
                          columns=COLS)
    values["unit"] = values["unit"].astype("str")  # pandas' own text type, as the reader gives it
    handed: list[tuple] = []
    insert_rows = bulk.insert_rows

    def spy(conn, table, columns, rows):
        rows = list(rows)
        if table.name == "observations":
            handed.extend(rows)
        return insert_rows(conn, table, columns, rows)

    monkeypatch.setattr(bulk, "insert_rows", spy)
    upload_id = store.add_upload(NewUpload("u.xlsx", b"u", "clerk", values, "2016Q1"))
    monkeypatch.setattr(bulk, "insert_rows", insert_rows)

    units = [r[1] for r in handed]
    assert units == sorted(units) and len(handed) == len(cells)
    first_e00 = next(u for u in units if u == "E00")
    assert all(u is first_e00 for u in units if u == "E00")  # one string object for every value of E00
    with store.read() as conn:
        o = schema.observations
        stored = conn.execute(sa.select(o.c.unit, o.c.indicator, o.c.period, o.c.value, o.c.approximate)
                              .where(o.c.upload_id == upload_id).order_by(o.c.id)).all()
    want = sorted((u, ind, q, float(n) + 0.5, n % 2 == 0) for n, (u, ind, q) in enumerate(cells))
    assert [tuple(r) for r in stored] == want
    assert summary.check(store) == []


def test_bulk_insert_by_columns_sends_missing_numbers_as_null(sqlite_url):
    store = open_store(sqlite_url)
    try:
        with store.write() as conn:
            bulk.insert_columns(conn, schema.unit_coverage, {
                "unit": pd.Series(["B", "A"]), "period": "2016Q1", "n_units": np.array([1, 2]),
                "expected": np.array([3, 4]), "carried": np.array([0, 0])}, sort=["unit"])
            bulk.insert_columns(conn, schema.unit_summary, {
                "unit": ["A"], "indicator": ["members"], "period": ["2016Q1"], "value": np.array([np.nan]),
                "approximate": np.array([False]), "n_units": np.array([1]), "carried_units": np.array([0]),
                "num": np.array([np.nan]), "den": np.array([np.nan])})
        with store.read() as conn:
            cov = conn.execute(sa.select(schema.unit_coverage.c.unit, schema.unit_coverage.c.expected)
                               .order_by(schema.unit_coverage.c.unit)).all()
            value = conn.execute(sa.select(schema.unit_summary.c.value)).scalar_one()
        assert [tuple(r) for r in cov] == [("A", 4), ("B", 3)] and value is None
    finally:
        store.engine.dispose()
