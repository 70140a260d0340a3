"""Backup and restore, as an operator runs them: ``python -m store.backup OUT`` and
``python -m store.restore IN`` against real SQLite files and the real PostgreSQL server; the
restored database is compared with the original table by table, row by row."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from store import schema
from store.db import NewUpload, open_store

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def cli(module: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "UNION_DB_URL"}
    return subprocess.run([PY, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def dump_tables(url: str) -> dict[str, list[tuple]]:
    """Every table of the schema, every row, in a fixed order (timestamps as text)."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns or table.columns)).all()
            out[table.name] = [tuple(str(v) if v is not None else None for v in r) for r in rows]
    engine.dispose()
    return out


def test_sqlite_backup_restores_into_an_empty_database_with_every_row(example_url, tmp_path):
    out = tmp_path / "backups" / "union-backup.sqlite"
    done = cli("store.backup", str(out), "--db", example_url)
    assert done.returncode == 0, done.stderr
    target = f"sqlite:///{tmp_path / 'restored' / 'union.sqlite'}"
    done = cli("store.restore", str(out), "--db", target)
    assert done.returncode == 0, done.stderr
    before, after = dump_tables(example_url), dump_tables(target)
    assert set(before) == {t.name for t in schema.metadata.sorted_tables}
    assert all(before[name] for name in ("units", "uploads", "observations", "plans", "targets"))
    assert after == before
    # the restored database works as the dashboard's: same figures
    a, b = open_store(example_url), open_store(target)
    pd.testing.assert_frame_equal(a.observations(), b.observations())
    assert b.upload_raw(int(b.uploads()["id"].iloc[0])) == a.upload_raw(int(a.uploads()["id"].iloc[0]))
    a.engine.dispose(), b.engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(example_url, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'other' / 'union.sqlite'}"
    out = tmp_path / "b.sqlite"
    assert cli("store.backup", str(out), "--db", example_url).returncode == 0
    store = open_store(sqlite_url)
    store.add_units(pd.DataFrame([{"code": "X", "name_zh": "别的单位", "parent": "", "level": "federation"}]))
    store.engine.dispose()
    done = cli("store.restore", str(out), "--db", sqlite_url)
    assert done.returncode == 1 and "--force" in done.stderr
    assert dump_tables(sqlite_url)["units"][0][0] == "X"  # untouched
    done = cli("store.restore", str(out), "--db", sqlite_url, "--force")
    assert done.returncode == 0, done.stderr
    assert dump_tables(sqlite_url) == dump_tables(example_url)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'union.sqlite'}"
    bad = tmp_path / "notes.txt"
    bad.write_text("not a backup")
    done = cli("store.restore", str(bad), "--db", sqlite_url)
    assert done.returncode == 1 and "neither" in done.stderr


WRITER = """
import sys, pathlib, pandas as pd
from store.db import NewUpload, open_store
store = open_store(sys.argv[1])
stop = pathlib.Path(sys.argv[2])
i = 0
while not stop.exists() and i < 5000:
    i += 1
    values = pd.DataFrame({"unit": ["LGQ"] * 50, "indicator": ["trainees"] * 50,
                           "period": [f"{2030 + j // 4}Q{j % 4 + 1}" for j in range(50)],
                           "value": [float(i)] * 50, "approximate": [False] * 50})
    store.add_upload(NewUpload(f"loop{i}.xlsx", f"loop{i}".encode(), "writer", values))
    print(i, flush=True)
"""


def test_sqlite_backup_while_uploads_are_committed_is_a_committed_state(example_url, tmp_path):
    """Back up again and again while another process commits uploads of 50 values each: every
    backup passes SQLite's integrity check and holds whole uploads only (50 values per upload)."""
    base = open_store(example_url)
    n_uploads, n_values = len(base.uploads()), len(base.observations(include_withdrawn=True))
    base.engine.dispose()
    from store.backup import backup, restore

    stop = tmp_path / "stop"
    writer = subprocess.Popen([PY, "-c", WRITER, example_url, str(stop)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        writer.stdout.readline()  # the writer is committing
        seen = set()
        for i in range(12):
            out = backup(example_url, tmp_path / f"b{i}.sqlite")
            target = tmp_path / f"r{i}.sqlite"
            restore(out, f"sqlite:///{target}")
            conn = sqlite3.connect(target)
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            uploads = conn.execute("SELECT count(*) FROM uploads").fetchone()[0]
            values = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
            orphans = conn.execute("SELECT count(*) FROM observations o LEFT JOIN uploads u ON u.id = o.upload_id "
                                   "WHERE u.id IS NULL").fetchone()[0]
            conn.close()
            assert orphans == 0
            assert values - n_values == 50 * (uploads - n_uploads), (i, uploads, values)
            seen.add(uploads)
    finally:
        stop.touch()
        writer.wait(timeout=300)
    assert writer.returncode == 0
    assert len(seen) > 1  # the backups really ran while uploads were being committed


@pytest.fixture
def second_pg_url(pg_url):
    """Another fresh, empty database on the same server (the restore target)."""
    admin = sa.create_engine(os.environ["UNION_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    name = f"union_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_postgresql_backup_restores_into_an_empty_database_with_every_row(pg_url, second_pg_url, tmp_path):
    import bootstrap

    store = open_store(pg_url)
    bootstrap.ensure_example_data(store)
    store.withdraw([int(store.uploads()["id"].min())], "admin", "test")  # events and audit rows too
    store.add_upload(NewUpload("二〇一八年一季度.xlsx", b"\x00\xffraw", "李填报", pd.DataFrame(
        {"unit": ["LGQ"], "indicator": ["trainees"], "period": ["2018Q1"], "value": [1.5], "approximate": [True]}),
        period="2018Q1"))
    store.engine.dispose()
    out = tmp_path / "union.pgdump"
    done = cli("store.backup", str(out), "--db", pg_url)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"PGDMP")
    done = cli("store.restore", str(out), "--db", second_pg_url)
    assert done.returncode == 0, done.stderr
    before, after = dump_tables(pg_url), dump_tables(second_pg_url)
    assert all(before[name] for name in ("units", "uploads", "upload_events", "observations", "plans", "targets"))
    assert after == before
    # a second restore is refused, then replaces the data when forced
    done = cli("store.restore", str(out), "--db", second_pg_url)
    assert done.returncode == 1 and "--force" in done.stderr
    assert cli("store.restore", str(out), "--db", second_pg_url, "--force").returncode == 0
    assert dump_tables(second_pg_url) == before
    # the restored database takes new uploads (its id sequences were restored too)
    restored = open_store(second_pg_url)
    new_id = restored.add_upload(NewUpload("next.xlsx", b"next", "x", pd.DataFrame(
        {"unit": ["LGQ"], "indicator": ["trainees"], "period": ["2018Q2"], "value": [2.0], "approximate": [False]}),
        period="2018Q2"))
    assert new_id > max(int(r[0]) for r in before["uploads"])
    restored.engine.dispose()


def test_a_sqlite_backup_is_not_restored_into_postgresql(example_url, pg_url, tmp_path):
    out = tmp_path / "b.sqlite"
    assert cli("store.backup", str(out), "--db", example_url).returncode == 0
    done = cli("store.restore", str(out), "--db", pg_url)
    assert done.returncode == 1 and "sqlite backup" in done.stderr


def test_missing_pg_dump_is_named_with_what_to_install(monkeypatch):
    from store import backup

    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backup.BackupError, match="postgresql-client"):
        backup.pg_program("pg_dump")


@pytest.mark.parametrize("module", ["store.backup", "store.restore"])
def test_backup_commands_and_their_options_are_in_the_readme(module):
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    out = subprocess.run([PY, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert f"python -m {module}" in readme
    missing = sorted(o for o in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out)) - {"--help"} if o not in readme)
    assert not missing, missing
    assert "before every upgrade" in readme and "monthly" in readme


def test_restoring_over_a_database_forgets_its_kept_grid_workbooks(example_url, tmp_path):
    # data versions start again from the backup's, so a kept workbook of the replaced data could
    # later be served for other data under the same version: restore removes that database's files
    import grid_cache

    target = f"sqlite:///{tmp_path / 'live' / 'union.sqlite'}"
    out = tmp_path / "b.sqlite"
    assert cli("store.backup", str(out), "--db", example_url).returncode == 0
    assert cli("store.restore", str(out), "--db", target).returncode == 0

    def kept(url: str) -> Path:
        file = grid_cache.path(((url, (7, 3, 2, 9)), "P2016", "2016Q4", "D", "all", None, "zh", "单位对比"))
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"PK kept")
        return file

    mine, other = kept(target), kept(example_url)
    done = cli("store.restore", str(out), "--db", target)  # refused: nothing changes, the file stays
    assert done.returncode == 1 and mine.exists()
    done = cli("store.restore", str(out), "--db", target, "--force")
    assert done.returncode == 0, done.stderr
    assert not mine.exists() and other.exists()
