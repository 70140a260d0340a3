"""Shared fixtures: databases (a fresh SQLite file, one with the example data, PostgreSQL),
a running dashboard for browser tests, and a headless Chromium page.

In CI (``CI=true``) a test that cannot get its browser or database FAILS instead of being
skipped, and any skip at all fails the run (see ``pytest_sessionfinish``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# operator logs (logsetup.py): none by default in tests; tests/test_logs.py points them at a file
os.environ.setdefault("UNION_LOG_FILE", "-")
# kept units-grid workbooks (grid_cache.py): never the repository's var/cache; each test gets its
# own folder (_own_cache_dir), servers started for the whole session this one
_SESSION_CACHE = tempfile.mkdtemp(prefix="union-test-cache-")
os.environ["UNION_CACHE_DIR"] = _SESSION_CACHE
OUTPUT = ROOT / "test-output"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """Skip locally, fail in CI: nothing may be skipped silently there."""
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} test(s) skipped; failing the run", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path, monkeypatch):
    """A folder of kept workbooks (grid_cache) per test: nothing carries over between tests."""
    monkeypatch.setenv("UNION_CACHE_DIR", str(tmp_path / "union-cache"))


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    """st.cache_data/resource outlive an AppTest; clear them around every test."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch) -> str:
    """A fresh, empty SQLite database file, also set as $UNION_DB_URL."""
    url = f"sqlite:///{tmp_path / 'union.sqlite'}"
    monkeypatch.setenv("UNION_DB_URL", url)
    return url


@pytest.fixture(scope="session")
def _example_template(tmp_path_factory) -> Path:
    """One SQLite file with the example data, built once per session and copied per test."""
    import bootstrap
    from store.db import open_store

    path = tmp_path_factory.mktemp("example") / "example.sqlite"
    store = open_store(f"sqlite:///{path}")
    bootstrap.ensure_example_data(store)
    store.engine.dispose()
    return path


@pytest.fixture
def example_url(_example_template, tmp_path, monkeypatch) -> str:
    """A private copy of the example database, set as $UNION_DB_URL."""
    path = tmp_path / "union.sqlite"
    shutil.copyfile(_example_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("UNION_DB_URL", url)
    return url


@pytest.fixture
def example_store(example_url):
    from store.db import open_store

    store = open_store(example_url)
    yield store
    store.engine.dispose()


@pytest.fixture
def pg_url() -> str:
    """A fresh, empty PostgreSQL database on the server named by $UNION_TEST_PG_URL
    (``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``); dropped afterwards."""
    admin_url = os.environ.get("UNION_TEST_PG_URL")
    if not admin_url:
        unavailable("UNION_TEST_PG_URL is not set (no PostgreSQL server)")
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"union_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any connection failure means no server
        unavailable(f"PostgreSQL at {admin_url} is not reachable: {exc}")
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# ---- browser tests ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def start_app(tmp_path_factory, _example_template):
    """A factory: ``start_app()`` runs the dashboard on a free loopback port against a fresh
    copy of the example database (or ``db_url``) and returns its base URL. Stopped at the end."""
    from tests.browser_util import AppServer

    servers: list[AppServer] = []

    def _start(db_url: str | None = None) -> str:
        if db_url is None:
            path = tmp_path_factory.mktemp("app") / "union.sqlite"
            shutil.copyfile(_example_template, path)
            db_url = f"sqlite:///{path}"
        server = AppServer(db_url)
        servers.append(server)
        return server.start()

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def app_url(start_app) -> str:
    """A dashboard with the example data, shared by the read-only browser tests."""
    return start_app()


@pytest.fixture(scope="session")
def browser():
    from tests.browser_util import CHROMIUM, launch

    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests save what they saw (kept as CI output)."""
    out = OUTPUT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
