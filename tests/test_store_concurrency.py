"""Imports and reads at the same time, on SQLite and PostgreSQL (real files, real server,
real ``python -m ingest`` processes): values land under the unit their file names, readers
never wait for a writer, and a lock that cannot be had in time is a message and exit code 75,
not a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import resources
from i18n import t
from ingest.__main__ import EXIT_BUSY
from ingest.importer import commit, prepare
from store import schema
from store.db import NewUpload, StoreBusy, open_store
from tests.ingest_fixtures import TITLE, xlsx

ROOT = Path(__file__).resolve().parents[1]
C01 = "卢沟桥社区联合工会"  # an existing unit of the example tree (code C01)
N_FILES = 20


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")


def quarter_file(rows: list[list]) -> bytes:
    return xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], *rows]})


def stored_by_name(url: str) -> pd.DataFrame:
    """Every stored value (withdrawn or not) with its file name and the name of its unit."""
    engine = sa.create_engine(url)
    q = (sa.select(schema.uploads.c.filename, schema.observations.c.value, schema.units.c.name_zh,
                   schema.observations.c.unit)
         .select_from(schema.observations.join(schema.uploads).join(
             schema.units, schema.units.c.code == schema.observations.c.unit, isouter=True)))
    with engine.connect() as conn:
        frame = pd.read_sql(q, conn)
    engine.dispose()
    return frame


def ingest(path: Path, url: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ingest", str(path), "--commit", "--allow-new-units", "--json",
                             "--db", url, *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


# ---- item 2: units an import introduces ---------------------------------------------------


def test_units_created_meanwhile_by_another_import_keep_each_files_values(db_url):
    """Two clerks dry-run files naming new units at the same time (both get the same proposed
    codes), then commit one after the other: each value sits under the unit its file names,
    and a unit both files name is created once."""
    store = open_store(db_url)
    first = prepare(store, quarter_file([["新华社区联合工会", 11], ["共建楼宇联合工会", 12]]), "a_2016Q1.xlsx",
                    allow_new_units=True)
    second = prepare(store, quarter_file([["和平社区联合工会", 21], ["共建楼宇联合工会", 22]]), "b_2016Q1.xlsx",
                     allow_new_units=True)
    assert first.report.ok and second.report.ok
    assert set(first.new_units["code"]) & set(second.new_units["code"])  # the dry runs propose the same codes
    commit(store, first, "clerk1", acknowledged=True)
    commit(store, second, "clerk2", acknowledged=True)
    got = stored_by_name(db_url)
    assert sorted(zip(got["value"], got["name_zh"])) == [
        (11.0, "新华社区联合工会"), (12.0, "共建楼宇联合工会"), (21.0, "和平社区联合工会"), (22.0, "共建楼宇联合工会")]
    units = store.units()
    assert units["name_zh"].value_counts().max() == 1, "a unit was created twice"
    assert (units["level"] == "federation").sum() == 1
    store.engine.dispose()


def twenty_files(folder: Path) -> dict[str, dict[float, str]]:
    """20 quarterly files, each naming two units of its own and one of three shared ones (none
    with a code), plus an existing unit; every value is unique: {file name: {value: unit name}}."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for i in range(N_FILES):
        names = [f"新建{i:02d}号社区联合工会", f"新建{i:02d}号楼宇联合工会", f"共享{i % 3}号联合工会", C01]
        rows = [[name, 1000 * (i + 1) + k] for k, name in enumerate(names)]
        name = f"f{i:02d}_2016Q1.xlsx"
        (folder / name).write_bytes(quarter_file(rows))
        expected[name] = {float(v): n for n, v in rows}
    return expected


@pytest.mark.timeout(900)
@pytest.mark.parametrize("setup", [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("postgres-empty", marks=pytest.mark.postgres),
])
def test_twenty_concurrent_imports_put_every_value_under_its_files_unit(setup, tmp_path, request):
    """20 ``python -m ingest --commit --allow-new-units`` at once, on files naming new units
    without codes: every process ends 0 (or 75 and succeeds when run again), no value is lost,
    and every value sits under the unit its file names. ``postgres-empty``: the first imports
    into a database without tables or units (no crash on units_pkey)."""
    url = f"sqlite:///{tmp_path / 'c.sqlite'}" if setup == "sqlite" else request.getfixturevalue("pg_url")
    if setup != "postgres-empty":
        store = open_store(url)
        store.add_units(resources.example_units())
        store.engine.dispose()
    expected = twenty_files(tmp_path / "files")
    procs = {name: ingest(tmp_path / "files" / name, url) for name in expected}
    codes = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        codes[name] = proc.returncode
        assert "Traceback" not in err, err
        if proc.returncode == EXIT_BUSY:  # documented: nothing stored, run it again
            again = ingest(tmp_path / "files" / name, url)
            out, err = again.communicate(timeout=600)
            codes[name] = again.returncode
        assert codes[name] == 0, (name, out, err)
        assert json.loads(out)["committed"]
    got = stored_by_name(url)
    assert len(got) == 4 * N_FILES, "a value was lost"
    assert got["name_zh"].notna().all(), "a value points at no unit"
    wrong = [(r.filename, r.value, r.name_zh) for r in got.itertuples()
             if expected[r.filename][r.value] != r.name_zh]
    assert not wrong, f"{len(wrong)} values under another file's unit, e.g. {wrong[:3]}"
    store = open_store(url)
    units = store.units()
    assert units["name_zh"].value_counts().max() == 1, "a unit was created twice"
    assert (units["level"] == "federation").sum() == 1
    assert len(store.uploads()) == N_FILES
    store.engine.dispose()


# ---- item 3: readers never wait; a lock not had in time ------------------------------------


@pytest.fixture
def held_sqlite_write_lock(tmp_path):
    """A SQLite store with data, and another connection holding the write lock (BEGIN IMMEDIATE,
    an uncommitted insert) until the test ends."""
    url = f"sqlite:///{tmp_path / 'locked.sqlite'}"
    store = open_store(url)
    store.add_units(resources.example_units())
    commit(store, prepare(store, quarter_file([[C01, 120]]), "2016Q1.xlsx"), "clerk1")
    store.engine.dispose()
    other = sqlite3.connect(tmp_path / "locked.sqlite", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO audit_log (at, actor, action, detail) VALUES ('2016-01-01', 'x', 'held', '{}')")
    yield url
    other.execute("ROLLBACK")
    other.close()


def test_sqlite_reads_proceed_while_another_connection_holds_the_write_lock(held_sqlite_write_lock, monkeypatch):
    monkeypatch.setenv("UNION_DB_BUSY_TIMEOUT", "20")
    started = time.monotonic()
    store = open_store(held_sqlite_write_lock)  # opening reads only: the tables exist
    assert len(store.units()) > 40
    assert store.observations()["value"].tolist() == [120.0]
    assert len(store.uploads()) == 1 and store.find_upload_by_hash("0" * 64) is None
    store.data_version()
    again = prepare(store, quarter_file([[C01, 130]]), "b_2016Q1.xlsx")  # a whole dry run
    assert again.report.ok and again.report.counts["updated"] == 1
    assert time.monotonic() - started < 10, "a read waited for the writer"
    store.engine.dispose()


def test_sqlite_write_lock_not_had_in_time_is_store_busy(held_sqlite_write_lock, monkeypatch):
    monkeypatch.setenv("UNION_DB_BUSY_TIMEOUT", "1")
    store = open_store(held_sqlite_write_lock)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as busy:
        store.withdraw([1], "admin")
    assert busy.value.reason == "locked" and time.monotonic() - started < 10
    values = pd.DataFrame({"unit": ["C01"], "indicator": ["members"], "period": ["2016Q2"], "value": [1.0],
                           "approximate": [False]})
    with pytest.raises(StoreBusy):
        store.add_upload(NewUpload("x.xlsx", b"other bytes", "clerk1", values, "2016Q2"))
    assert store.active_upload_ids() == {1} and len(store.observations(include_withdrawn=True)) == 1
    assert "稍后再试" in t("store.busy.locked", "zh") and "try again" in t("store.busy.locked", "en")
    store.engine.dispose()


def test_a_long_read_does_not_hold_up_a_write_and_keeps_its_snapshot(db_url):
    store, writer = open_store(db_url), open_store(db_url)
    store.add_units(resources.example_units())
    with store.read() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(schema.uploads)).scalar_one()
        done = []
        thread = threading.Thread(target=lambda: done.append(
            commit(writer, prepare(writer, quarter_file([[C01, 120]]), "2016Q1.xlsx"), "clerk1")))
        thread.start()
        thread.join(timeout=60)
        assert done, "the write waited for the reader"
        if db_url.startswith("sqlite"):  # a SQLite read is one snapshot (PostgreSQL: read committed)
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.uploads)).scalar_one() == before
    assert len(store.uploads()) == before + 1
    store.engine.dispose()
    writer.engine.dispose()


@pytest.mark.timeout(300)
def test_cli_import_meeting_a_held_lock_exits_75_with_a_message_then_succeeds(db_url, tmp_path):
    """The dry run reads while another connection holds the lock; the commit cannot get it
    within UNION_DB_BUSY_TIMEOUT: exit 75, a message in the language asked, no traceback,
    nothing stored. Run again once the lock is gone: stored."""
    store = open_store(db_url)
    store.add_units(resources.example_units())
    store.engine.dispose()
    path = tmp_path / "2016Q1.xlsx"
    path.write_bytes(quarter_file([[C01, 120], ["新成立社区联合工会", 7]]))
    if db_url.startswith("sqlite"):
        holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO audit_log (at, actor, action, detail) VALUES ('2016-01-01', 'x', 'held', '{}')")
        release = holder.close  # closing rolls back
    else:
        engine = sa.create_engine(db_url)
        conn = engine.connect()
        conn.exec_driver_sql("LOCK TABLE uploads IN EXCLUSIVE MODE")  # reads pass, inserts wait
        release = lambda: (conn.rollback(), conn.close(), engine.dispose())  # noqa: E731
    try:
        proc = ingest(path, db_url, "--lang", "en", env={"UNION_DB_BUSY_TIMEOUT": "1"})
        out, err = proc.communicate(timeout=120)
    finally:
        release()
    assert proc.returncode == EXIT_BUSY, (out, err)
    assert "Traceback" not in err
    assert t("store.busy.locked", "en") in err
    assert json.loads(out) == {"ok": False, "busy": "locked", "message": t("store.busy.locked", "en"),
                               "committed": None}
    check = open_store(db_url)
    assert check.is_empty() and "新成立社区联合工会" not in set(check.units()["name_zh"])
    proc = ingest(path, db_url)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(out)["committed"] and len(check.observations()) == 2
    check.engine.dispose()
