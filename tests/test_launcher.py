"""``make run`` (launcher.py): single-user mode, where a visitor is the administrator, listens
on 127.0.0.1 only; with users, or when the operator names an address, it listens there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import auth
from store.db import open_store

ROOT = Path(__file__).resolve().parents[1]


def printed(db_url: str, *args: str, env: dict | None = None) -> str:
    import os
    environment = {k: v for k, v in os.environ.items() if k != "UNION_SERVER_ADDRESS"}
    environment |= {"UNION_DB_URL": db_url, **(env or {})}
    done = subprocess.run([sys.executable, "launcher.py", "--print", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_users_make_run_listens_on_this_computer_only(sqlite_url):
    out = printed(sqlite_url)
    assert "--server.address 127.0.0.1" in out and "streamlit run dashboard.py" in out


def test_with_users_it_listens_on_every_interface(sqlite_url):
    store = open_store(sqlite_url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password("Gonghui-2026-chair"), actor="test")
    store.engine.dispose()
    assert "--server.address 0.0.0.0" in printed(sqlite_url)


def test_the_operator_chooses_the_address(sqlite_url, monkeypatch):
    assert "--server.address 0.0.0.0" in printed(sqlite_url, "--address", "0.0.0.0")
    assert "--server.address 10.1.2.3" in printed(sqlite_url, env={"UNION_SERVER_ADDRESS": "10.1.2.3"})
    out = printed(sqlite_url, "--server.port", "8600", "--server.address", "192.168.1.5")
    assert out.count("--server.address") == 1 and "192.168.1.5" in out and "--server.port 8600" in out
    monkeypatch.delenv("UNION_SERVER_ADDRESS", raising=False)
    import launcher
    assert launcher.choose_address(None, ["--server.address=::1"], sqlite_url) is None


def test_make_run_starts_the_dashboard_through_the_launcher():
    done = subprocess.run(["make", "-n", "-W", "requirements.txt", "run", "VENV=.venv-none", "ADDRESS=0.0.0.0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    run_line = [line for line in done.stdout.splitlines() if "launcher.py" in line]
    assert run_line and run_line[-1].strip().endswith("launcher.py --address 0.0.0.0"), done.stdout
    plain = subprocess.run(["make", "-n", "run", "VENV=.venv-none"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert [line for line in plain.stdout.splitlines() if "launcher.py" in line][-1].strip().endswith("launcher.py")


def test_readme_explains_the_address_and_the_security_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    help_text = subprocess.run([sys.executable, "launcher.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                               timeout=60).stdout
    for option in ("--address",):
        assert option in help_text and option in readme
    for text in ("make run ADDRESS=", "UNION_SERVER_ADDRESS", "UNION_SECRET_KEY", "UNION_SESSION_IDLE_MINUTES",
                 "var/secret_key", "## 安全 · Security", "TLS", "Backups"):
        assert text in readme, text


def test_the_dashboard_starts_with_two_malloc_arenas_unless_the_operator_says_otherwise(sqlite_url, monkeypatch):
    # each session's script thread got a glibc malloc arena of its own: two replicas under 20
    # sessions at a district's size held 1.9 GB, with two arenas 1.3 GB (benchmarks/RESULTS.md)
    import launcher

    started = {}
    monkeypatch.setattr(launcher.os, "execve", lambda path, args, env: started.update(args=args, env=env))
    monkeypatch.setenv("UNION_DB_URL", sqlite_url)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    launcher.main([])
    assert started["env"]["MALLOC_ARENA_MAX"] == "2" and started["env"]["UNION_DB_URL"] == sqlite_url
    assert started["args"][1:4] == ["-m", "streamlit", "run"]
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    launcher.main([])
    assert started["env"]["MALLOC_ARENA_MAX"] == "4"


def test_test_and_benchmark_servers_run_with_the_launchers_environment(example_url):
    from tests.browser_util import AppServer

    server = AppServer(example_url)
    server.start(timeout=120)
    try:
        environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
    finally:
        server.stop()
    assert b"MALLOC_ARENA_MAX=2" in environ
