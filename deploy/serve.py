"""``python -m deploy.serve``: prepare the database, then run the dashboard in the foreground.

1. Wait for the database (``$UNION_DB_URL``) to answer, up to ``$UNION_DB_WAIT`` seconds
   (default 60: PostgreSQL in a container may still be starting).
2. Open it: the schema is migrated to the newest revision (``store.migrate``).
3. On first start (no uploads at all) load the example data (``bootstrap.ensure_example_data``).
4. Replace this process with ``launcher.py`` (Streamlit), passing on any further arguments.

Every step is logged (``logsetup``: JSON lines to stderr and ``$UNION_LOG_FILE``).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("union.deploy")


def wait_for_database(seconds: float) -> None:
    """Return once the database accepts a connection; raise the last error after ``seconds``."""
    import sqlalchemy as sa

    from store.db import make_engine

    deadline = time.monotonic() + seconds
    while True:
        engine = make_engine()
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return
        except sa.exc.OperationalError as exc:
            if time.monotonic() > deadline:
                raise
            log.info("waiting for the database", extra={"event": "db.wait", "error": str(exc.orig)[:200]})
            time.sleep(1)
        finally:
            engine.dispose()


def prepare() -> bool:
    """Migrate the database and load the example data if it is new; True when example data was loaded."""
    import bootstrap
    from store.db import open_store

    store = open_store()
    try:
        loaded = bootstrap.ensure_example_data(store)
        if loaded:
            log.info("example data loaded (first start)", extra={"event": "example.loaded"})
        return loaded
    finally:
        store.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from logsetup import setup_logging

    setup_logging(stderr=True)
    argv = sys.argv[1:] if argv is None else argv
    try:
        wait_for_database(float(os.environ.get("UNION_DB_WAIT") or 60))
        prepare()
    except Exception:
        log.exception("the database could not be prepared", extra={"event": "error"})
        return 1
    log.info("starting the dashboard", extra={"event": "app.start"})
    cmd = [sys.executable, str(ROOT / "launcher.py"), *argv]
    os.chdir(ROOT)
    os.execv(cmd[0], cmd)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
