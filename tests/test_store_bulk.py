"""The store's bulk write path (issue 12 item 4): an import of many new units and values.

What a user notices is the time of a commit (measured in ``python -m benchmarks``, not here);
these tests pin the structure that makes it fast and the guarantees that must survive it, on
SQLite and PostgreSQL: the roll-ups equal a full recomputation after an upload that brings
new units, those units are inserted in one statement and rolled up once (not when added and
again with their values), the values go to the driver in the order of the cell index without
SQLAlchemy's per-row parameters, a refused upload leaves nothing behind, and every SQLite
connection of the store has the larger page cache.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest
import sqlalchemy as sa

from store import schema, summary
from store.db import SQLITE_CACHE_KIB, NewUpload, PeriodLocked, open_store

COLS = ["unit", "indicator", "period", "value", "approximate"]


def _tree() -> pd.DataFrame:
    rows = [("F", "", "federation"), ("C0", "F", "community"), ("C1", "F", "community"),
            ("E00", "C0", "enterprise"), ("E10", "C1", "enterprise")]
    frame = pd.DataFrame(rows, columns=["code", "parent", "level"])
    return frame.assign(name_zh=frame["code"] + "名", name_en=frame["code"])


def _store(db: str, sqlite_url: str, request):
    store = open_store(request.getfixturevalue("pg_url") if db == "postgres" else sqlite_url)
    store.add_units(_tree())
    old = pd.DataFrame([(u, ind, q, float(n + len(u)), False) for n, (u, ind, q) in enumerate(
        (u, ind, q) for u in ("E00", "E10", "C1") for ind in ("members", "employees")
        for q in ("2016Q1", "2016Q2", "2016Q3"))], columns=COLS)
    store.add_upload(NewUpload("old.xlsx", b"old", "clerk", old, "2016Q1"))
    return store


def _new_units(n: int) -> pd.DataFrame:
    return pd.DataFrame({"code": [f"N{i:04d}" for i in range(1, n + 1)],
                         "name_zh": [f"新企业{i}工会" for i in range(1, n + 1)], "name_en": "",
                         "parent": ["C0" if i % 2 else "C1" for i in range(1, n + 1)], "level": "enterprise",
                         "is_example": False, "file_code": ""})


def _statements(engine: sa.Engine) -> list[tuple[str, bool]]:
    seen: list[tuple[str, bool]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _log(conn, cursor, statement, parameters, context, executemany):
        seen.append((" ".join(statement.split()).upper(), executemany))
    return seen


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_an_import_of_new_units_is_rolled_up_once_and_whole(db, sqlite_url, request, monkeypatch):
    """200 new enterprises with their values: one INSERT of units, one roll-up pass (the old
    path rolled them up when added, then for the touched quarters, then for every quarter:
    three), and the roll-up tables equal a full recomputation afterwards."""
    store = _store(db, sqlite_url, request)
    new = _new_units(200)
    values = pd.DataFrame([(c, ind, "2016Q2", float(i % 7), bool(i % 5 == 0)) for i, c in enumerate(new["code"])
                           for ind in ("members", "employees", "disputes_mediated")], columns=COLS)
    passes = []
    real = summary.recompute
    monkeypatch.setattr(summary, "recompute", lambda conn, codes, lo, hi, catalog=None: (
        passes.append((None if codes is None else len(list(codes)), lo, hi)), real(conn, codes, lo, hi, catalog))[1])
    seen = _statements(store.engine)
    store.add_upload(NewUpload("new.xlsx", b"new", "clerk", values, "2016Q2", new_units=new))
    unit_inserts = [s for s, _ in seen if s.startswith("INSERT INTO UNITS ")]
    assert len(unit_inserts) == 1
    assert len(passes) == 1, passes
    assert len(store.units()) == 5 + 200
    assert summary.check(store) == []
    fed = store.unit_quarterly("F")
    row = fed[(fed["indicator"] == "members") & (fed["period"] == "2016Q2")]
    assert int(row["n_units"].iloc[0]) == 3 + 200
    store.engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_an_upload_mixing_new_and_known_units_keeps_the_roll_ups_whole(db, sqlite_url, request):
    """New units beside known ones, a quarter after the latest one (the bounds move), then the
    upload withdrawn and restored: the roll-ups equal a full recomputation at every step."""
    store = _store(db, sqlite_url, request)
    new = _new_units(3)
    values = pd.DataFrame([("N0001", "members", "2016Q4", 4.0, False), ("E00", "members", "2016Q4", 9.0, True),
                           ("N0002", "employees", "2016Q3", 2.0, False), ("C1", "members", "2016Q4", 1.5, False)],
                          columns=COLS)
    upload_id = store.add_upload(NewUpload("mix.xlsx", b"mix", "clerk", values, "2016Q4", new_units=new))
    assert summary.check(store) == []
    assert {"N0001", "N0002", "N0003"} <= set(store.units()["code"])  # N0003 has no values: still a unit
    store.withdraw([upload_id], "admin")
    assert summary.check(store) == []
    store.restore([upload_id], "admin")
    assert summary.check(store) == []
    store.engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_a_refused_import_with_new_units_leaves_nothing_behind(db, sqlite_url, request):
    """An approved (locked) quarter among the file's cells: the upload is refused after its new
    units were created inside the transaction, and nothing of it stays: no units, no closure
    rows, no values, the roll-ups as they were."""
    store = _store(db, sqlite_url, request)
    store.review(["E10"], "2016Q2", "approve", "admin")

    def counts():
        with store.read() as conn:
            return {t: conn.execute(sa.select(sa.func.count()).select_from(schema.metadata.tables[t])).scalar_one()
                    for t in ("units", "unit_closure", "observations", "current_values", "unit_summary",
                              "unit_coverage", "uploads")}
    before, fed = counts(), store.unit_quarterly("F")
    new = _new_units(50)
    values = pd.DataFrame([(c, "members", "2016Q2", 1.0, False) for c in new["code"]]
                          + [("E10", "members", "2016Q2", 99.0, False)], columns=COLS)
    with pytest.raises(PeriodLocked) as refused:
        store.add_upload(NewUpload("locked.xlsx", b"locked", "clerk", values, "2016Q2", new_units=new))
    assert refused.value.pairs == [("E10", "2016Q2")]
    assert counts() == before
    pd.testing.assert_frame_equal(store.unit_quarterly("F"), fed)
    assert summary.check(store) == []
    store.engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_values_go_to_the_driver_in_the_order_of_the_cell_index(db, sqlite_url, request):
    """The values of an upload, given in any order, are stored sorted by unit, indicator and
    quarter (the key of the cell index, so SQLite adds to it in order), and neither they nor
    the roll-up rows go through SQLAlchemy's per-row parameters."""
    store = _store(db, sqlite_url, request)
    cells = [(u, ind, q) for u in ("E00", "E10", "C0") for ind in ("members", "employees", "disputes_mediated")
             for q in ("2017Q1", "2017Q2")]
    random.Random(4).shuffle(cells)
    values = pd.DataFrame([(u, ind, q, float(n), False) for n, (u, ind, q) in enumerate(cells)], columns=COLS)
    seen = _statements(store.engine)
    upload_id = store.add_upload(NewUpload("shuffled.xlsx", b"shuffled", "clerk", values, "2017Q1"))
    with store.read() as conn:
        stored = conn.execute(sa.select(schema.observations.c.unit, schema.observations.c.indicator,
                                        schema.observations.c.period)
                              .where(schema.observations.c.upload_id == upload_id)
                              .order_by(schema.observations.c.id)).all()
    assert [tuple(r) for r in stored] == sorted(cells)
    per_row = [s for s, many in seen if many and (s.startswith("INSERT INTO OBSERVATIONS ")
                                                  or s.startswith("INSERT INTO UNIT_SUMMARY "))]
    assert per_row == []
    assert summary.check(store) == []
    store.engine.dispose()


def test_every_sqlite_connection_of_the_store_has_the_larger_page_cache(sqlite_url):
    """Reads and writes, on a new connection each (the pool's connections are made by the same
    event): the page cache is ``SQLITE_CACHE_KIB``, not SQLite's 2 MB default, and the write
    guarantees stay (WAL, busy timeout, ``BEGIN IMMEDIATE``)."""
    store = open_store(sqlite_url)
    store.engine.dispose()
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    with store.write() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
        assert conn.connection.driver_connection.in_transaction
    raw = [store.engine.raw_connection() for _ in range(3)]  # three at once: three connections
    try:
        for c in raw:
            assert c.driver_connection.execute("PRAGMA cache_size").fetchone()[0] == -SQLITE_CACHE_KIB
    finally:
        for c in raw:
            c.close()
    store.engine.dispose()
