"""Helpers for AppTest page tests: run the real entry point and switch pages as a user would."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ENTRY = str(Path(__file__).resolve().parents[1] / "dashboard.py")


def run_app(lang: str = "zh", **state) -> AppTest:
    """Run ``dashboard.py`` (the default page) with ``lang`` and any session state set first."""
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def open_page(page: str, lang: str = "zh", **state) -> AppTest:
    """Run the app, then switch to ``app_pages/<page>.py`` and run it."""
    at = run_app(lang, **state)
    at.switch_page(f"app_pages/{page}.py")
    return at.run()
