"""Back up the dashboard's database to one file, and restore it from one.

    python -m store.backup OUT [--db URL]            # SQLite file, or pg_dump custom format
    python -m store.restore IN [--db URL] [--force]  # into an empty database (or --force)

SQLite: Python's ``sqlite3`` online backup API (``Connection.backup``), which copies one
consistent snapshot while the dashboard keeps reading and writing (WAL mode: a commit made
during the copy is in the next backup, never half in this one). OUT is an ordinary SQLite
database file; restoring copies it back the same way.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction --no-owner`` with the URL's host, port, user, password and database;
pg_dump itself takes one consistent snapshot. The programs come with the PostgreSQL client
(Debian: ``postgresql-client``); they are looked for on PATH and in
``/usr/lib/postgresql/*/bin``.

A restore refuses a target that already holds data (any row in any of the dashboard's
tables) unless ``--force``, and refuses a file of the other kind (a SQLite backup into
PostgreSQL or the reverse). Exit status: 0 done, 1 refused or failed (the reason on stderr).

>>> backup("sqlite:///var/union.sqlite", "union-2026-11-27.sqlite")
>>> restore("union-2026-11-27.sqlite", "sqlite:///var/restored.sqlite")
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from store import schema
from store.db import database_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


def _is_sqlite(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> str:
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:":
        raise BackupError(f"not a SQLite database file: {url}")
    return path


def pg_program(name: str) -> str:
    """The path of ``pg_dump`` / ``pg_restore``: the newest under /usr/lib/postgresql, else PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: [int(x) if x.isdigit() else x for x in Path(p).parts[-3].split(".")])
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise BackupError(f"{name} was not found: install the PostgreSQL client programs "
                          "(Debian: apt-get install postgresql-client) or put them on PATH")
    return path


def _pg_args(url: str) -> tuple[list[str], dict]:
    """libpq options and environment (the password goes in PGPASSWORD, never on the command line)."""
    u = sa.engine.make_url(url)
    args = [f"--dbname={u.database}"]
    if u.host:
        args.append(f"--host={u.host}")
    if u.port:
        args.append(f"--port={u.port}")
    if u.username:
        args.append(f"--username={u.username}")
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()}")


def backup(url: str | None, out: str | os.PathLike) -> Path:
    """Write a backup of the database at ``url`` (default ``$UNION_DB_URL``) to ``out``."""
    url = database_url(url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")  # a failed backup never leaves a file that looks whole
    tmp.unlink(missing_ok=True)
    if _is_sqlite(url):
        path = _sqlite_path(url)
        if not Path(path).exists():
            raise BackupError(f"no database at {path}")
        src = sqlite3.connect(path, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)  # all pages in one step: one consistent snapshot
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
        finally:
            src.close()
            dst.close()
    else:
        args, env = _pg_args(url)
        _run([pg_program("pg_dump"), "--format=custom", "--no-owner", f"--file={tmp}", *args], env)
    tmp.replace(out)
    return out


def _has_data(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        present = set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            return any(conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
                       for t in schema.metadata.sorted_tables if t.name in present)
    finally:
        engine.dispose()


def restore(source: str | os.PathLike, url: str | None, *, force: bool = False) -> None:
    """Restore the backup file ``source`` into the database at ``url`` (default
    ``$UNION_DB_URL``). Refuses a target with data unless ``force`` (which replaces it)."""
    url = database_url(url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    with source.open("rb") as fh:
        head = fh.read(16)
    kind = "sqlite" if head.startswith(SQLITE_MAGIC) else "postgresql" if head.startswith(PGDUMP_MAGIC) else None
    if kind is None:
        raise BackupError(f"{source} is neither a SQLite backup nor a pg_dump custom-format file")
    target = "sqlite" if _is_sqlite(url) else "postgresql"
    if kind != target:
        raise BackupError(f"{source} is a {kind} backup and cannot be restored into {target} ({url})")
    if target == "sqlite":
        Path(_sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)
    if not force and _has_data(url):
        raise BackupError("the target database already holds data; restore into an empty database, "
                          "or add --force to replace what is there")
    if kind == "sqlite":
        src = sqlite3.connect(source)
        dst = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the restored database failed its integrity check: {check}")
        finally:
            src.close()
            dst.close()
    else:
        args, env = _pg_args(url)
        _run([pg_program("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner",
              "--exit-on-error", *args, str(source)], env)
    # the units grid's kept workbooks of this database were named by data versions that the
    # restored data will reach again with other contents
    import grid_cache

    grid_cache.forget(url)


def backup_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.backup", description="Back up the database to OUT "
                                     "(SQLite: a database file; PostgreSQL: pg_dump custom format).")
    parser.add_argument("out", help="the backup file to write")
    parser.add_argument("--db", default=None, help="database URL (default: $UNION_DB_URL)")
    args = parser.parse_args(argv)
    try:
        path = backup(args.db, args.out)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {path} ({path.stat().st_size:,} bytes)")
    return 0


def restore_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.restore", description="Restore the database from a "
                                     "file written by python -m store.backup.")
    parser.add_argument("source", metavar="IN", help="the backup file to read")
    parser.add_argument("--db", default=None, help="database URL (default: $UNION_DB_URL)")
    parser.add_argument("--force", action="store_true", help="replace a database that already holds data")
    args = parser.parse_args(argv)
    try:
        restore(args.source, args.db, force=args.force)
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.source} into {sa.engine.make_url(database_url(args.db)).render_as_string()}")
    return 0


if __name__ == "__main__":
    sys.exit(backup_main())
