"""Helpers for browser tests: run the dashboard as a real server, wait for Streamlit to finish
a run, launch Debian's Chromium with Playwright (no browser download)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run dashboard.py`` on 127.0.0.1 with its own database."""

    def __init__(self, db_url: str, log: Path | None = None):
        self.db_url = db_url
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = log or ROOT / "test-output" / f"streamlit-{self.port}.log"

    def start(self, timeout: float = 60) -> str:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        from launcher import server_environment  # the process's environment as `make run` gives it

        env = server_environment({**os.environ, "UNION_DB_URL": self.db_url})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return url
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"streamlit did not become healthy in {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_for_streamlit(page, timeout: int = 60_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'
                          && a.getAttribute('data-test-connection-state') === 'CONNECTED'; }""",
        timeout=timeout,
    )
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=timeout)


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait for the run to finish."""
    page.goto(url)
    wait_for_streamlit(page)
