"""Opening a database by URL: what an operator's read-only URL does to the working folder."""

import sqlite3

import sqlalchemy as sa

from store.db import make_engine


def test_read_only_sqlite_uri_reads_the_file_and_makes_no_folder(tmp_path, monkeypatch):
    # benchmarks and operators open a live database read-only as a SQLite URI filename; the
    # engine used to take "file:/path" for a relative folder and make "file:/..." in the cwd
    db = tmp_path / "data" / "union.sqlite"
    db.parent.mkdir()
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA journal_mode=WAL")  # as every database the store makes
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("INSERT INTO t VALUES (7)")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    engine = make_engine(f"sqlite:///file:{db}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT x FROM t")).scalar() == 7
    finally:
        engine.dispose()
    assert list(cwd.iterdir()) == []


def test_plain_sqlite_path_still_gets_its_folder(tmp_path):
    db = tmp_path / "new" / "deeper" / "union.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()
    assert db.parent.is_dir()
