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


def test_a_pooled_sqlite_connection_gives_back_its_page_cache(tmp_path):
    # each pooled connection of a server kept up to 128 MB of pages after a large read (two
    # replicas under 20 sessions at a district's size: 2.2 GB); freed when it goes back to the pool
    import ctypes

    lib = ctypes.CDLL("libsqlite3.so.0")  # the library Python's sqlite3 module is linked to
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    db = tmp_path / "big.sqlite"
    with sqlite3.connect(db) as con:  # about 24 MB of pages, well under the 128 MB cache
        con.execute("CREATE TABLE t (x INTEGER, pad BLOB)")
        con.executemany("INSERT INTO t VALUES (?, randomblob(200))", ((k,) for k in range(100_000)))
    con.close()
    # the counter is for the whole process: other tests' engines and threads hold their own
    # memory, so the read's pages are measured from a baseline taken just before it
    before = lib.sqlite3_memory_used()
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM t")).all()
            during = lib.sqlite3_memory_used() - before
        after = lib.sqlite3_memory_used() - before
    finally:
        engine.dispose()
    assert len(rows) == 100_000
    assert during > 16 * 2**20, during  # the pages read are in the connection's cache
    assert after < during / 4, (during, after)
