"""README stays true: every command-line option and setting it should explain is in it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", ["ingest", "reports", "store.users", "store.migrate", "store.summary",
                                    "benchmarks", "benchmarks.load"])
def test_every_command_line_option_is_in_the_readme(module):
    out = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out)) - {"--help"}
    missing = sorted(o for o in options if o not in README)
    assert not missing, f"python -m {module}: {missing} not documented in README"


@pytest.mark.parametrize("text", ["make run", "make test", "UNION_DB_URL", "python -m store.users add",
                                  "docs/screenshot-overview.png", "提前实现", "快于预期", "基本符合预期", "滞后",
                                  "严重滞后", "倒退", "数据不足"])
def test_readme_explains(text):
    assert text in README


def test_readme_screenshots_exist():
    for path in re.findall(r"\((docs/[^)]+\.png)\)", README):
        assert (ROOT / path).is_file(), path
