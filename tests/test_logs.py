"""Logs for the operator (logsetup.py): JSON lines of imports committed and refused, uploads
withdrawn and restored, sign-ins (never the password) and errors with their traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import auth
from store.db import open_store
from tests.ingest_fixtures import TITLE, xlsx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Zheshi-Mima-2026"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def events(path: Path, name: str) -> list[dict]:
    return [e for e in lines(path) if e["event"] == name]


@pytest.fixture
def log_path(tmp_path, monkeypatch) -> Path:
    import logsetup

    path = tmp_path / "logs" / "union.log"
    monkeypatch.setenv("UNION_LOG_FILE", str(path))
    monkeypatch.delenv("UNION_LOG_LEVEL", raising=False)
    logsetup.setup_logging()
    yield path
    monkeypatch.setenv("UNION_LOG_FILE", "-")
    logsetup.setup_logging()


def ingest(path, db, *args, log_file):
    env = {**os.environ, "UNION_LOG_FILE": str(log_file)}
    return subprocess.run([sys.executable, "-m", "ingest", str(path), "--db", db, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_line_imports_are_logged_committed_and_refused(tmp_path):
    log_file = tmp_path / "var" / "logs" / "union.log"
    db = f"sqlite:///{tmp_path / 'u.sqlite'}"
    good = tmp_path / "2016Q1.xlsx"
    good.write_bytes(xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工"], ["新社区联合工会", 120, 30]]}))
    bad = tmp_path / "2016Q2.xlsx"
    bad.write_bytes(xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], ["无名社区", -5]]}))

    done = ingest(good, db, "--allow-new-units", "--commit", "--user", "李填报", log_file=log_file)
    assert done.returncode == 0, done.stderr
    assert "{" not in done.stderr  # the command's own output is unchanged: logs go to the file
    done = ingest(bad, db, "--commit", "--user", "李填报", log_file=log_file)
    assert done.returncode == 1
    done = ingest(good, db, "--allow-new-units", "--commit", "--user", "张三", log_file=log_file)
    assert done.returncode == 1

    committed = events(log_file, "import.committed")
    assert len(committed) == 1
    c = committed[0]
    assert c["level"] == "INFO" and c["logger"] == "union.ingest"
    assert (c["user"], c["file"], c["upload_id"], c["source"], c["values"]) == ("李填报", "2016Q1.xlsx", 1, "cli", 2)
    assert c["new_units"] >= 1
    assert len(c["sha256"]) == 64 and c["counts"]["new"] == 2
    assert datetime.fromisoformat(c["time"]).tzinfo is not None
    refused = events(log_file, "import.refused")
    assert [(r["user"], r["file"], r["reason"]) for r in refused] == [
        ("李填报", "2016Q2.xlsx", "has_errors"), ("张三", "2016Q1.xlsx", "duplicate")]
    assert refused[0]["errors"] and refused[0]["level"] == "WARNING" and refused[1]["duplicate_of"] == 1
    upgrades = events(log_file, "schema.upgrade")
    assert len(upgrades) == 1 and upgrades[0]["from"] is None  # the new database, once


def test_withdraw_and_restore_are_logged(sqlite_url, log_path):
    store = open_store(sqlite_url)
    upload = _one_upload(store)
    store.withdraw([upload], "王管理", reason="填错了")
    store.restore([upload], "王管理")
    got = [(e["event"], e["user"], e["uploads"]) for e in lines(log_path) if e["event"].startswith("upload.")]
    assert got == [("upload.withdraw", "王管理", [upload]), ("upload.restore", "王管理", [upload])]
    assert events(log_path, "upload.withdraw")[0]["reason"] == "填错了"
    store.engine.dispose()


def _one_upload(store) -> int:
    from ingest import importer

    raw = xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], ["新社区联合工会", 120]]})
    prepared = importer.prepare(store, raw, "2016Q1.xlsx", allow_new_units=True)
    return importer.commit(store, prepared, "李填报", acknowledged=True)


def test_sign_ins_are_logged_without_the_password(sqlite_url, log_path):
    store = open_store(sqlite_url)
    store.add_user("wang", "王主席", "admin", auth.hash_password(PASSWORD), "setup")
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert auth.authenticate(store, "wang", PASSWORD, now=at).status == "ok"
    for _ in range(auth.MAX_FAILURES):
        auth.authenticate(store, " wang ", PASSWORD + "x", now=at)
    assert auth.authenticate(store, "wang", PASSWORD, now=at).status == "locked"
    auth.authenticate(store, "nobody", PASSWORD, now=at)

    got = [(e["event"], e["user"], e.get("reason")) for e in lines(log_path) if e["event"].startswith("signin.")]
    assert got == [("signin.ok", "wang", None)] + [("signin.failed", "wang", "wrong_password")] * 4 + [
        ("signin.locked", "wang", "wrong_password"), ("signin.locked", "wang", None),
        ("signin.failed", "nobody", "unknown_user")]
    text = log_path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2" not in text
    store.engine.dispose()


def test_an_uncaught_error_is_logged_with_its_traceback_and_the_level_setting_holds(tmp_path):
    log_file = tmp_path / "union.log"
    code = ("import logging, logsetup; logsetup.setup_logging(); log = logging.getLogger('union.x'); "
            "log.info('hidden'); log.warning('shown', extra={'event': 'x.warn'}); raise ValueError('boom')")
    env = {**os.environ, "UNION_LOG_FILE": str(log_file), "UNION_LOG_LEVEL": "warning"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "ValueError: boom" in done.stderr  # still reported as before
    got = lines(log_file)
    assert [e["event"] for e in got] == ["x.warn", "error"]
    assert got[1]["level"] == "ERROR" and "ValueError: boom" in got[1]["traceback"]
    assert "Traceback (most recent call last)" in got[1]["traceback"]


def test_the_log_file_rotates(tmp_path, monkeypatch):
    import logging

    import logsetup

    monkeypatch.setattr(logsetup, "MAX_BYTES", 2000)
    monkeypatch.setenv("UNION_LOG_FILE", str(tmp_path / "union.log"))
    logsetup.setup_logging()
    try:
        for i in range(100):
            logging.getLogger("union.test").info("line %s %s", i, "x" * 50)
    finally:
        monkeypatch.setenv("UNION_LOG_FILE", "-")
        logsetup.setup_logging()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["union.log", "union.log.1", "union.log.2", "union.log.3", "union.log.4", "union.log.5"]
    assert all(json.loads(line) for line in (tmp_path / "union.log").read_text().splitlines())


def test_each_page_run_is_logged_with_its_seconds_and_slow_runs_at_info(example_url, log_path, monkeypatch):
    """An operator finds the slow pages in the log: every run is a ``page.run`` line at DEBUG
    (page, seconds, user); at the default INFO level only runs of $UNION_SLOW_PAGE_SECONDS or
    more are written."""
    from tests.apptest_util import open_page, run_app

    monkeypatch.setenv("UNION_LOG_LEVEL", "DEBUG")
    open_page("progress")
    runs = events(log_path, "page.run")
    assert [e["page"] for e in runs] == ["overview", "progress"]
    assert all(e["level"] == "DEBUG" and 0 < e["seconds"] < 120 and "user" in e for e in runs)

    log_path.write_text("", encoding="utf-8")
    monkeypatch.setenv("UNION_LOG_LEVEL", "INFO")
    monkeypatch.setenv("UNION_SLOW_PAGE_SECONDS", "1000")
    run_app()
    assert events(log_path, "page.run") == []  # fast runs stay out of the operator's log
    monkeypatch.setenv("UNION_SLOW_PAGE_SECONDS", "0")
    run_app()
    slow = events(log_path, "page.run")
    assert [(e["page"], e["level"]) for e in slow] == [("overview", "INFO")]
