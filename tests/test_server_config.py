"""The settings the dashboard's Streamlit server runs with, read by Streamlit itself from the
repository's .streamlit/config.toml (as `streamlit run dashboard.py` does from the project root)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READ = ("import json; from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(json.dumps({k: config.get_option(k) for k in "
        "['runner.postScriptGC', 'server.maxUploadSize', 'client.toolbarMode', 'browser.gatherUsageStats']}))")


def test_the_server_skips_a_full_garbage_collection_after_every_page_and_keeps_its_other_settings():
    out = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # gc.collect(2) after each run was a quarter of the server's CPU per page step under load
    assert got["runner.postScriptGC"] is False
    assert got["server.maxUploadSize"] == 20
    assert got["client.toolbarMode"] == "viewer"
    assert got["browser.gatherUsageStats"] is False
