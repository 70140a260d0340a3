"""The install: lock files, the Makefile, compose.yaml and Dockerfile (checked as text: this
machine has no container engine), and deploy/run-stack.sh, the same services without
containers, started, checked over HTTP and stopped."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    return {norm(n): v for n, v in PIN.findall(path.read_text(encoding="utf-8"))}


def locked(path: Path) -> dict[str, str]:
    """name → version of every entry in a lock file; each must carry at least one hash."""
    text = path.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    out = {}
    for entry in entries:
        m = PIN.match(entry)
        if m:
            assert "--hash=sha256:" in entry, f"{path.name}: {m.group(1)} has no hash"
            out[norm(m.group(1))] = m.group(2)
    return out


@pytest.mark.parametrize("source, lock", [("requirements.txt", "requirements.lock"),
                                          ("requirements.txt", "requirements-dev.lock"),
                                          ("requirements-dev.txt", "requirements-dev.lock")])
def test_every_direct_pin_is_in_the_lock_at_the_same_version(source, lock):
    wanted, have = pins(ROOT / source), locked(ROOT / lock)
    assert wanted and len(have) > len(wanted)
    wrong = {n: (v, have.get(n)) for n, v in wanted.items() if have.get(n) != v}
    assert not wrong, f"{lock} is out of date (run make lock): {wrong}"


def test_the_dev_lock_agrees_with_the_runtime_lock():
    runtime, dev = locked(ROOT / "requirements.lock"), locked(ROOT / "requirements-dev.lock")
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}


def test_make_installs_from_the_locks_and_runs_ruff_before_pytest():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r requirements.lock" in make
    assert "pip install -q --require-hashes -r requirements-dev.lock" in make
    test_recipe = make.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert test_recipe.index("ruff check") < test_recipe.index("pytest")
    assert "--require-hashes -r requirements.lock" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


def test_compose_runs_the_app_and_postgresql_with_volumes_and_health_checks():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert app["build"] == "."
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    env = app["environment"]
    assert env["UNION_DB_URL"].startswith("postgresql+psycopg://union:") and "@db:5432/union" in env["UNION_DB_URL"]
    assert env["UNION_LOG_FILE"].startswith("/app/var/")
    assert any(v.endswith(":/app/var") for v in app["volumes"])
    assert "/_stcore/health" in " ".join(app["healthcheck"]["test"])
    assert app["ports"] == ["${UNION_BIND:-127.0.0.1}:${UNION_PORT:-8501}:8501"]  # this computer by default
    assert set(compose["volumes"]) == {"pgdata", "appvar"}


def test_the_image_runs_as_a_user_with_a_health_check():
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert docker.startswith("#") and "FROM python:3.11-slim" in docker
    assert re.search(r"apt-get install .*chromium fonts-noto-cjk", docker)
    assert re.search(r"^USER union$", docker, re.M)
    assert "HEALTHCHECK" in docker and "/_stcore/health" in docker
    assert '"deploy.serve"' in docker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.browser
def test_run_stack_starts_postgresql_and_the_dashboard_with_example_data_then_stops(tmp_path, page):
    """What CI runs in place of ``docker compose up`` (no container engine there): the script
    starts its own PostgreSQL cluster and the dashboard, which migrates the new database and
    loads the example data; the page, opened in Chromium, shows it; then everything stops."""
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        from tests.conftest import unavailable

        unavailable("PostgreSQL server programs are not installed")
    pg_port, app_port = free_port(), free_port()
    log_file = tmp_path / "union.log"
    env = {**os.environ, "UNION_STACK_DIR": str(tmp_path / "stack"), "UNION_STACK_PG_PORT": str(pg_port),
           "UNION_STACK_PGDATA": "" if os.geteuid() else f"/var/tmp/union-stack-test-{pg_port}",
           "UNION_PORT": str(app_port), "PYTHON": sys.executable, "UNION_LOG_FILE": str(log_file),
           "UNION_STACK_WAIT": "400"}
    if not env["UNION_STACK_PGDATA"]:
        del env["UNION_STACK_PGDATA"]
    script = [str(ROOT / "deploy" / "run-stack.sh")]
    try:
        done = subprocess.run([*script, "start"], env=env, capture_output=True, text=True, timeout=500)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"dashboard healthy: http://127.0.0.1:{app_port}" in done.stdout
        with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/_stcore/health", timeout=10) as resp:
            assert resp.read() == b"ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/", timeout=10) as resp:
            assert resp.status == 200 and b"<div id=\"root\">" in resp.read()
        from i18n import t
        from tests.browser_util import open_page

        open_page(page, f"http://127.0.0.1:{app_port}/")
        assert page.get_by_text(t("common.example_banner", "zh")).is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
        engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/union")
        try:
            with engine.connect() as conn:
                from store import migrate

                assert migrate.current(conn) == migrate.head()
                assert conn.execute(sa.text("SELECT count(*) FROM uploads WHERE is_example")).scalar() > 0
        finally:
            engine.dispose()
        assert '"event": "example.loaded"' in log_file.read_text(encoding="utf-8")
        status = subprocess.run([*script, "status"], env=env, capture_output=True, text=True, timeout=60).stdout
        assert "dashboard running" in status and "PostgreSQL running" in status
    finally:
        done = subprocess.run([*script, "stop"], env=env, capture_output=True, text=True, timeout=120)
        shutil.rmtree(f"/var/tmp/union-stack-test-{pg_port}", ignore_errors=True)
    assert done.returncode == 0, done.stderr
    status = subprocess.run([*script, "status"], env=env, capture_output=True, text=True, timeout=60).stdout
    assert "dashboard not running" in status and "PostgreSQL not running" in status
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{app_port}/_stcore/health", timeout=5)
