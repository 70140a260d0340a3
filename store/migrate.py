"""Schema migrations (Alembic, in ``store/migrations/``), run on every start by
:func:`store.db.open_store` and by hand with ``python -m store.migrate``.

* A new, empty database is built by running every migration from the baseline (0001), so the
  path that upgrades an office's database is the same one every test database takes.
* A database made before migrations existed (tables, no ``alembic_version``) is upgraded from
  the start too: each revision skips the tables and columns such a database already has.
* Several processes starting at once: the upgrade runs inside one write transaction
  (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an advisory transaction lock), and the revision is read
  again after the lock is had, so one process migrates and the others find the work done. A
  database already at head is only read, so a start never waits for a running import.

Rolling back: ``python -m store.migrate downgrade REVISION`` with the *newer* code (older code
does not know how to undo what it never made); restoring the backup taken before the upgrade
(``python -m store.restore``) is the other way back.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import sqlalchemy as sa

from store.db import _LOCK_SCHEMA, Store, make_engine

# Alembic itself is imported only when a migration has to run: opening a database that is
# already at the newest revision (every start but the first after an upgrade) reads one row.

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
MIGRATION_LOCK_TIMEOUT = 600  # seconds a start waits for another process's migration (PostgreSQL)
log = logging.getLogger("union.store.migrate")


def _config(conn: sa.Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    """The newest revision: revisions are numbered ``0001``, ``0002``… and each file in
    ``store/migrations/versions`` starts with its number (a test checks Alembic agrees)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def current(conn: sa.Connection) -> str | None:
    """The revision the database is at, or None (new, or made before migrations)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(store: Store, revision: str = "head") -> str | None:
    """Bring the database of ``store`` (a :class:`store.db.Store`) to ``revision``; returns the
    revision it was at before, or the same when nothing was to do."""
    target = head() if revision == "head" else revision
    with store.read() as conn:
        before = current(conn)
    if before == target:
        return before
    with store.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT * 1000}ms'")
        store._lock(conn, _LOCK_SCHEMA)
        before = current(conn)  # again, under the lock: another process may have done it
        if before == target:
            return before
        from alembic import command

        cfg = _config(conn)
        if before is None and sa.inspect(conn).get_table_names():
            # made before migrations: each revision skips what such a database already has
            log.info("adopting a database made before migrations", extra={"event": "schema.adopt"})
        command.upgrade(cfg, target)
    log.info("schema upgraded", extra={"event": "schema.upgrade", "from": before, "to": target})
    return before


def downgrade(store: Store, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` empties the database)."""
    from alembic import command

    with store.write() as conn:
        store._lock(conn, _LOCK_SCHEMA)
        before = current(conn)
        command.downgrade(_config(conn), revision)
    log.info("schema downgraded", extra={"event": "schema.downgrade", "from": before, "to": revision})


def new_revision(message: str) -> Path:
    """Write ``store/migrations/versions/NNNN_<message>.py`` chained on the head, its
    ``upgrade()``/``downgrade()`` drafted by Alembic's autogenerate from the difference between
    ``store/schema.py`` and a scratch SQLite database migrated to the head. Review it before
    committing (autogenerate sees tables, columns, indexes and types, not renames or data)."""
    import tempfile

    from alembic import command

    number = f"{int(head()) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(make_engine(f"sqlite:///{Path(scratch) / 'head.sqlite'}"))
        try:
            upgrade(store)
            with store.write() as conn:  # a scratch file, but every write goes through Store.write
                script = command.revision(_config(conn), message=message, autogenerate=True, rev_id=number)
        finally:
            store.engine.dispose()
    return Path(script.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m store.migrate",
        description="Show or change the database schema revision (the app upgrades to the newest on start).")
    parser.add_argument("--db", help="database URL (default: $UNION_DB_URL, else var/union.sqlite)")
    sub = parser.add_subparsers(dest="action")
    sub.add_parser("current", help="print the revision the database is at and the newest one")
    up = sub.add_parser("upgrade", help="upgrade to the newest revision (or REVISION)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="undo migrations down to REVISION (e.g. 0001)")
    down.add_argument("revision")
    rev = sub.add_parser("revision", help="draft the next migration from the difference between store/schema.py "
                                          "and the newest revision (for developers)")
    rev.add_argument("message", help="what it adds, e.g. \"unit totals\" (becomes the file name)")
    args = parser.parse_args(argv)
    if args.action == "revision":
        print(new_revision(args.message))
        return 0

    from logsetup import setup_logging

    setup_logging()
    store = Store(make_engine(args.db))
    try:
        if args.action == "upgrade":
            upgrade(store, args.revision)
        elif args.action == "downgrade":
            downgrade(store, args.revision)
        with store.read() as conn:
            print(f"current: {current(conn) or '(none)'}  newest: {head()}")
    finally:
        store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
