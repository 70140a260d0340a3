"""The commit of a quarterly import at a district's size (issue 12 item 4), second pass: what a
clerk notices is the time and memory of ``python -m ingest F --commit`` (measured by
``python -m benchmarks``, not here); these tests pin the structure behind it and what must not
change, on SQLite and PostgreSQL:

* an upload's current values are written from its own values (it is the newest upload), not
  resolved again by the window query over every stored upload of the touched units, and the
  roll-up tables still equal a full recomputation, also after a partial re-upload, a
  withdrawal and a restore;
* on SQLite, ``unit_summary`` and ``current_values`` are ``WITHOUT ROWID`` tables (one B-tree
  each instead of two), in a new database and after migration 0006 of an existing one, with
  every row kept; downgrading gives the rowid tables back;
* the summary stored with an upload is the same as before for many new-unit findings.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import pytest
import sqlalchemy as sa

from ingest.report import Finding, ImportReport
from store import migrate, schema, summary
from store.db import NewUpload, Store, make_engine, open_store
from tests.test_store_bulk import COLS, _new_units, _statements, _store


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_an_upload_writes_its_current_values_without_resolving_every_upload_again(db, sqlite_url, request):
    """A re-upload of part of a quarter (some cells new, some changed, the rest left to the
    older upload) with new units: no ROW_NUMBER window over ``observations`` runs, the newest
    values count, the cells the file lacks keep the older values, and the roll-ups equal a full
    recomputation, then again after a withdrawal (the older values come back) and a restore."""
    store = _store(db, sqlite_url, request)
    new = _new_units(4)
    values = pd.DataFrame([("E00", "members", "2016Q2", 50.0, False), ("E10", "employees", "2016Q3", 7.0, True),
                           ("C1", "disputes_mediated", "2016Q2", 3.0, False)]
                          + [(c, "members", "2016Q2", float(i), False) for i, c in enumerate(new["code"])],
                          columns=COLS)
    seen = _statements(store.engine)
    upload_id = store.add_upload(NewUpload("again.xlsx", b"again", "clerk", values, "2016Q2", new_units=new))
    assert not [s for s, _ in seen if "ROW_NUMBER" in s], "the window query ran for an upload"
    with store.read() as conn:
        cv = {(u, i, p): (v, a, up) for u, i, p, v, a, up in conn.execute(sa.select(
            *[schema.current_values.c[c] for c in ["unit", "indicator", "period", "value", "approximate",
                                                   "upload_id"]])).all()}
    assert cv[("E00", "members", "2016Q2")] == (50.0, False, upload_id)
    assert cv[("E10", "employees", "2016Q3")] == (7.0, True, upload_id)
    assert cv[("E00", "employees", "2016Q2")][2] == upload_id - 1  # not in the file: the older value counts
    assert summary.check(store) == []
    store.withdraw([upload_id], "admin")
    assert summary.check(store) == []
    store.restore([upload_id], "admin")
    assert summary.check(store) == []
    store.engine.dispose()


def _without_rowid(engine: sa.Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        return {name: "WITHOUT ROWID" in (sql or "").upper() for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE name IN ('unit_summary', 'current_values')").all()}


def _rows(engine: sa.Engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t: sorted(tuple(r) for r in conn.execute(sa.select(schema.metadata.tables[t])).all())
                for t in ("unit_summary", "current_values")}


def test_a_new_sqlite_database_keeps_the_roll_ups_without_rowid(sqlite_url):
    store = open_store(sqlite_url)
    assert _without_rowid(store.engine) == {"unit_summary": True, "current_values": True}
    with store.read() as conn:
        assert "ix_current_period" in {i["name"] for i in sa.inspect(conn).get_indexes("current_values")}
    store.engine.dispose()


def test_migration_0006_keeps_every_roll_up_row_of_an_existing_database(tmp_path):
    """A database at 0005 (rowid tables) with values and new units: upgraded, its two tables
    are WITHOUT ROWID with the same rows and the summary check passes; downgraded to 0005,
    they are rowid tables again with the same rows."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = Store(make_engine(url))
    migrate.upgrade(store, "0005")
    assert _without_rowid(store.engine) == {"unit_summary": False, "current_values": False}
    store.add_units(pd.DataFrame({"code": ["F", "C0", "E00"], "parent": ["", "F", "C0"],
                                  "level": ["federation", "community", "enterprise"],
                                  "name_zh": ["F", "C0", "E00"], "name_en": ""}))
    values = pd.DataFrame([(u, ind, q, float(n), n % 3 == 0) for n, (u, ind, q) in enumerate(
        (u, ind, q) for u in ("E00", "C0") for ind in ("members", "employees") for q in ("2016Q1", "2016Q2"))],
        columns=COLS)
    with store.write() as conn:  # 0005's tables: written by the code of then, through the same path
        store._add_upload(conn, NewUpload("q.xlsx", b"q", "clerk", values, "2016Q1", new_units=_new_units(2)))
    before = _rows(store.engine)
    assert len(before["unit_summary"]) > 0 and len(before["current_values"]) == len(values)
    migrate.upgrade(store)
    assert _without_rowid(store.engine) == {"unit_summary": True, "current_values": True}
    assert _rows(store.engine) == before
    assert summary.check(store) == []
    migrate.downgrade(store, "0005")
    assert _without_rowid(store.engine) == {"unit_summary": False, "current_values": False}
    assert _rows(store.engine) == before
    store.engine.dispose()


def test_the_summary_stored_with_an_upload_is_the_same_for_many_new_units():
    """20,000 new-unit findings: the stored summary is what ``dataclasses.asdict`` of each
    finding gave (the form stored before), as JSON, and changing it does not change the report."""
    findings = [Finding("new_unit", f"季度数据!B{n + 4}", {"unit": f"企业X{n:05d}工会", "parent": "测试区总工会",
                                                         "code": f"X{n:05d}", "parts": ["a", n]})
                for n in range(20_000)]
    report = ImportReport("f.xlsx", "0" * 64, period="2016Q1", findings=findings, sheets=["季度数据"],
                          kept=[{"unit": "E"}])
    got = report.summary()
    want = {"period": "2016Q1", "counts": dict(report.counts), "findings": [asdict(f) for f in findings],
            "sheets": ["季度数据"], "kept": 1}
    assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
    got["findings"][0]["params"]["unit"] = "changed"
    assert findings[0].params["unit"] == "企业X00000工会"


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_the_roll_up_writes_each_depth_when_it_is_made(db, sqlite_url, request, monkeypatch):
    """200 new enterprises under two communities: the roll-up inserts the enterprises' rows,
    then the communities', then the federation's (three inserts into ``unit_summary``, deepest
    first, each only its own depth's units), instead of keeping every depth in memory for one
    insert at the end; the tables still equal a full recomputation."""
    store = _store(db, sqlite_url, request)
    new = _new_units(200)
    values = pd.DataFrame([(c, ind, "2016Q2", float(i % 7), bool(i % 5 == 0)) for i, c in enumerate(new["code"])
                           for ind in ("members", "employees", "disputes_mediated")], columns=COLS)
    written: list[set[str]] = []
    real = summary._insert
    monkeypatch.setattr(summary, "_insert", lambda conn, table, frame: (
        written.append(set(frame["unit"])) if table is schema.unit_summary else None, real(conn, table, frame))[1])
    store.add_upload(NewUpload("new.xlsx", b"new", "clerk", values, "2016Q2", new_units=new))
    assert written == [set(new["code"]), {"C0", "C1"}, {"F"}]
    assert summary.check(store) == []
    store.engine.dispose()
