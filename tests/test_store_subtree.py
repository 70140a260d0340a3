"""The uploads behind each unit's subtree (issue 12, item 4; store/subtree.py, migration 0007):
the kept table equals a recomputation after every write (the property test in
tests/test_store_summary.py runs ``summary.check``, which now compares it too), a database at
0006 gets it filled by the upgrade with every other row kept (and loses only it on the way
down), and ``check`` names a stale row that ``rebuild`` mends. SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from store import migrate, subtree, summary
from store import schema as s
from store.db import NewUpload, Store, make_engine, open_store

COLS = ["unit", "indicator", "period", "value", "approximate"]
TREE = pd.DataFrame({"code": ["F", "C0", "C1", "E00", "E01", "E10"], "parent": ["", "F", "F", "C0", "C0", "C1"],
                     "level": ["federation", "community", "community", "enterprise", "enterprise", "enterprise"],
                     "name_zh": ["F", "C0", "C1", "E00", "E01", "E10"], "name_en": ""})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'union.sqlite'}"
    return request.getfixturevalue("pg_url")


def _values(units, quarters, base: float) -> pd.DataFrame:
    return pd.DataFrame([(u, ind, q, base + n, False) for n, (u, ind, q) in enumerate(
        (u, ind, q) for u in units for ind in ("members", "trainees") for q in quarters)], columns=COLS)


def _fill(store) -> int:
    """Uploads over two quarters, a re-upload of part of one, a withdrawn one; the id of the
    re-upload."""
    store.add_upload(NewUpload("a.xlsx", b"a", "clerk", _values(["E00", "E01", "E10", "C1"], ["2016Q1", "2016Q2"], 1),
                               "2016Q1"))
    again = store.add_upload(NewUpload("b.xlsx", b"b", "clerk", _values(["E01"], ["2016Q2"], 50), "2016Q2"))
    gone = store.add_upload(NewUpload("c.xlsx", b"c", "clerk", _values(["E10"], ["2016Q1"], 90), "2016Q1"))
    store.withdraw([gone], "admin")
    return again


def _kept(engine: sa.Engine) -> set[tuple]:
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(sa.select(s.subtree_uploads)).all()}


def _every_other_row(engine: sa.Engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.execute(sa.select(table)).all()))
                for name, table in s.metadata.tables.items() if name != "subtree_uploads"}


def test_the_kept_rows_name_each_upload_below_each_unit(db_url):
    store = open_store(db_url)
    try:
        store.add_units(TREE)
        again = _fill(store)
        rows = _kept(store.engine)
        # the re-upload of E01's 2016Q2 counts under C0 and F, the first upload still for E00
        assert ("C0", "members", "2016Q2", again) in rows and ("F", "members", "2016Q2", again) in rows
        assert ("C0", "members", "2016Q2", 1) in rows  # E00's value of that quarter
        assert ("C0", "members", "2016Q1", 1) in rows and ("C1", "members", "2016Q1", 1) in rows
        assert {r[0] for r in rows} == {"F", "C0", "C1"}  # only units with units below them
        assert {r[3] for r in rows} == {1, again}  # the withdrawn upload counts nowhere
        store.withdraw([again], "admin")
        assert ("C0", "members", "2016Q2", again) not in _kept(store.engine)
        assert summary.check(store) == []
        store.restore([again], "admin")
        assert ("F", "trainees", "2016Q2", again) in _kept(store.engine) and summary.check(store) == []
    finally:
        store.engine.dispose()


def test_migration_0007_fills_the_table_from_a_database_at_0006_and_downgrading_removes_only_it(db_url):
    store = Store(make_engine(db_url))
    try:
        migrate.upgrade(store, "0006")
        with store.read() as conn:
            assert not sa.inspect(conn).has_table("subtree_uploads")
        store.add_units(TREE)
        _fill(store)  # written at 0006 by today's code: the roll-ups without the new table
        before = _every_other_row(store.engine)
        migrate.upgrade(store)
        assert migrate.head() == "0007"
        with store.read() as conn:
            want = subtree.expected(pd.DataFrame(conn.execute(sa.select(s.current_values)).all(),
                                                 columns=[c.name for c in s.current_values.columns]),
                                    pd.DataFrame(conn.execute(sa.select(s.unit_closure)).all(),
                                                 columns=["ancestor", "descendant", "depth"]))
        assert _kept(store.engine) == set(map(tuple, want.itertuples(index=False))) and len(want) > 10
        assert summary.check(store) == []
        after = _every_other_row(store.engine)
        after.pop("alembic_version", None), before.pop("alembic_version", None)
        assert after == before
        migrate.downgrade(store, "0006")
        with store.read() as conn:
            assert not sa.inspect(conn).has_table("subtree_uploads")
        again = _every_other_row(store.engine)
        again.pop("alembic_version", None)
        assert again == before
        migrate.upgrade(store)
        assert summary.check(store) == []
    finally:
        store.engine.dispose()


def test_check_names_a_stale_row_and_rebuild_mends_it(sqlite_url):
    store = open_store(sqlite_url)
    try:
        store.add_units(TREE)
        _fill(store)
        with store.write() as conn:
            conn.execute(sa.delete(s.subtree_uploads).where(s.subtree_uploads.c.ancestor == "C0"))
            conn.execute(sa.insert(s.subtree_uploads).values(ancestor="C1", indicator="members", period="2017Q1",
                                                             upload_id=99))
        problems = summary.check(store)
        assert {p["table"] for p in problems} == {"subtree_uploads"}
        assert {p["problem"] for p in problems} == {"missing", "extra"}
        with store.write() as conn:
            counts = summary.rebuild(conn)
        assert counts["subtree_uploads"] == len(_kept(store.engine)) > 0
        assert summary.check(store) == []
    finally:
        store.engine.dispose()


def test_a_unit_added_below_values_stored_before_it_counts_in_its_ancestors(sqlite_url):
    """Values of a code the tree did not know yet (kept, not rolled up) count below its parent
    once the unit is added."""
    store = open_store(sqlite_url)
    try:
        store.add_units(TREE)
        up = store.add_upload(NewUpload("x.xlsx", b"x", "clerk", _values(["E00", "E99"], ["2016Q1"], 1), "2016Q1"))
        store.add_units(pd.DataFrame([{"code": "E99", "name_zh": "E99", "name_en": "", "parent": "C1",
                                       "level": "enterprise"}]))
        assert ("C1", "members", "2016Q1", up) in _kept(store.engine)
        assert summary.check(store) == []
    finally:
        store.engine.dispose()
