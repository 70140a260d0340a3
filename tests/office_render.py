"""Render .docx files to PDF the way an office PC would show them: LibreOffice headless with
the repository's CJK font aliases (data/fonts/cjk-aliases.conf maps 仿宋, 黑体, 楷体 and
方正小标宋简体 to the installed Noto CJK fonts)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT, unavailable

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <include>{aliases}</include>
</fontconfig>
"""


def require(*tools: str) -> None:
    """Fail under CI (skip locally) when a rendering tool is missing."""
    for tool in tools:
        if not shutil.which(tool):
            unavailable(f"{tool} is not installed (apt-get install libreoffice-writer-nogui poppler-utils)")


def to_pdf(docs: list[Path], outdir: Path, work: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """Convert ``docs`` to ``outdir/<stem>.pdf`` with LibreOffice; ``work`` holds its profile and
    the font configuration."""
    conf = work / "fonts.conf"
    conf.write_text(FONTS_CONF.format(aliases=ROOT / "data" / "fonts" / "cjk-aliases.conf"), encoding="utf-8")
    return subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{work / 'lo-profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(outdir), *map(str, docs)],
        capture_output=True, text=True, timeout=timeout, env=dict(os.environ, FONTCONFIG_FILE=str(conf)))
