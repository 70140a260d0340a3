"""``python -m store.users``: a long password works whole, an existing user is never silently
overwritten, a weak password is refused (more strictly for administrators), the password can
come from standard input, and every refusal is a message, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import auth
from store.db import open_store

ROOT = Path(__file__).resolve().parents[1]


def users(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    import os
    environment = {k: v for k, v in os.environ.items() if k != "UNION_NEW_PASSWORD"} | (env or {})
    return subprocess.run([sys.executable, "-m", "store.users", *args], cwd=ROOT, input=stdin, text=True,
                          capture_output=True, timeout=120, env=environment)


def record(url: str, name: str) -> dict | None:
    store = open_store(url)
    try:
        return store.user(name)
    finally:
        store.engine.dispose()


def test_a_password_longer_than_72_bytes_is_stored_and_checked_whole(sqlite_url):
    password = "工会" * 20 + "-2026-long-passphrase"  # 141 bytes in UTF-8
    assert len(password.encode()) > 72
    done = users("add", "zhang", "--role", "admin", "--db", sqlite_url, env={"UNION_NEW_PASSWORD": password})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    hashed = record(sqlite_url, "zhang")["password_hash"]
    assert auth.check_password(password, hashed)
    assert not auth.check_password(password.encode()[:72].decode(errors="ignore"), hashed)


def test_adding_an_existing_user_is_refused_and_changes_nothing(sqlite_url):
    assert users("add", "zhang", "--role", "admin", "--db", sqlite_url,
                 env={"UNION_NEW_PASSWORD": "Gonghui-2026-chair"}).returncode == 0
    before = record(sqlite_url, "zhang")
    for name in ("zhang", "ZHANG"):
        again = users("add", name, "--role", "leader", "--db", sqlite_url, env={"UNION_NEW_PASSWORD": "another-pass-99"})
        assert again.returncode == 1
        assert "already exists" in again.stderr and "已存在" in again.stderr
        assert "Traceback" not in again.stderr
    assert record(sqlite_url, "zhang") == before
    assert record(sqlite_url, "ZHANG") is None


def test_a_weak_password_is_refused_for_an_administrator(sqlite_url):
    done = users("add", "zhang", "--role", "admin", "--db", sqlite_url, env={"UNION_NEW_PASSWORD": "12345678"})
    assert done.returncode == 1
    assert "at least 12 characters" in done.stderr and "too common" in done.stderr
    assert "Traceback" not in done.stderr
    assert record(sqlite_url, "zhang") is None
    eleven = users("add", "zhang", "--role", "admin", "--db", sqlite_url, "--password-stdin", stdin="tea-books-1\n")
    assert eleven.returncode == 1 and record(sqlite_url, "zhang") is None
    assert users("add", "li", "--role", "clerk", "--db", sqlite_url, "--password-stdin",
                 stdin="tea-books-1\n").returncode == 0, "8+ characters are enough for a clerk"


def test_password_from_stdin_and_the_change_commands(sqlite_url):
    assert users("add", "li", "--role", "clerk", "--name", "李填报", "--db", sqlite_url, "--password-stdin",
                 stdin="first-pass-2026\n").returncode == 0
    li = record(sqlite_url, "li")
    assert li["display_name"] == "李填报" and li["role"] == "clerk" and li["active"]
    assert auth.check_password("first-pass-2026", li["password_hash"])

    done = users("passwd", "li", "--db", sqlite_url, "--password-stdin", stdin="second-pass-2026\n")
    assert done.returncode == 0, done.stderr
    after = record(sqlite_url, "li")
    assert auth.check_password("second-pass-2026", after["password_hash"])
    assert after["session_epoch"] == li["session_epoch"] + 1, "a new password ends the old sessions"

    assert users("set", "li", "--role", "admin", "--db", sqlite_url).returncode == 0
    assert record(sqlite_url, "li")["role"] == "admin"
    assert users("disable", "li", "--db", sqlite_url).returncode == 0
    assert record(sqlite_url, "li")["active"] is False
    assert users("enable", "li", "--db", sqlite_url).returncode == 0
    assert record(sqlite_url, "li")["active"] is True

    listing = users("list", "--db", sqlite_url)
    assert listing.returncode == 0 and "li" in listing.stdout and "active" in listing.stdout


def test_unlock_lifts_a_sign_in_lock(sqlite_url):
    assert users("add", "li", "--role", "clerk", "--db", sqlite_url, "--password-stdin",
                 stdin="first-pass-2026\n").returncode == 0
    store = open_store(sqlite_url)
    for _ in range(auth.MAX_FAILURES):
        auth.authenticate(store, "li", "wrong")
    assert auth.authenticate(store, "li", "first-pass-2026").status == "locked"
    assert users("unlock", "li", "--db", sqlite_url).returncode == 0
    assert auth.authenticate(store, "li", "first-pass-2026").status == "ok"
    store.engine.dispose()


def test_mistakes_are_messages_not_tracebacks(sqlite_url):
    cases = [
        (("passwd", "nobody", "--db", sqlite_url, "--password-stdin"), "good-pass-2026\n", "no user nobody"),
        (("add", "li", "--role", "clerk", "--db", sqlite_url, "--password-stdin"), "\n", "no password read"),
        (("set", "nobody", "--role", "clerk", "--db", sqlite_url), None, "no user nobody"),
    ]
    for args, stdin, message in cases:
        done = users(*args, stdin=stdin)
        assert done.returncode == 1, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
