"""Page timings in a process of their own, as a dashboard server would run them:
``python -m benchmarks.pages --units FED,C0001,E00001 [--quarter 2017Q4]`` with ``$UNION_DB_URL``
set; prints one JSON object.

Each page is run through the real entry point (``dashboard.py``) with Streamlit's AppTest, in
one process whose caches live on between sessions as a server's do:

- ``start``: the first run after the process started (empty caches), the overview for the
  first unit;
- ``first``: a new session (fresh session state, the process's caches kept) opening the page
  for the unit;
- ``warm``: the same session running the page again (a rerun: a click, a widget change).

Also the units grid for every unit (``scope=all``, built by ``app_cache.units_grid`` as the
units page builds it: the first build in the process) and its Excel download (the first click,
and ``grid_xlsx_again`` a later one), with ``DataFrame.to_excel(engine="openpyxl")`` of the same
table as the baseline; then the units page showing every unit (``units_all``, first and warm, the
grid already built), and the process's resident memory (VmRSS, VmHWM from /proc) after the imports and
at the end. The baseline of the page timings is AppTest running a one-line script in the same
process (AppTest's own floor).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "indicator", "progress", "goals", "units")


def memory_mb() -> dict[str, float]:
    """VmRSS and VmHWM of this process in MB (Linux /proc)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages")
    parser.add_argument("--units", required=True, help="comma-separated unit codes")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--quarter", default=None)
    args = parser.parse_args(argv)
    # the grid's Excel is timed from nothing: not a workbook kept by an earlier run (grid_cache)
    kept = tempfile.TemporaryDirectory(prefix="bench-grid-cache-")
    os.environ["UNION_CACHE_DIR"] = kept.name
    import warnings

    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    import app_cache  # the imports a server has made before its first page
    import charts  # noqa: F401
    import tables  # noqa: F401
    mem_start = memory_mb()
    entry = str(ROOT / "dashboard.py")
    codes = args.units.split(",")
    out: dict = {"pages": {}, "errors": []}

    def session(unit: str, page: str) -> tuple[AppTest, float]:
        """A new session opening ``page`` for ``unit`` (as a bookmarked address would)."""
        at = AppTest.from_file(entry, default_timeout=1800)
        at.session_state["lang"] = "zh"
        at.session_state["unit"] = unit
        if args.quarter:
            at.session_state["quarter"] = args.quarter
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        if at.exception:
            out["errors"].append(f"{page} {unit}: {at.exception[0].value}")
        return at, seconds

    _, out["start"] = session(codes[0], "overview")
    for page in PAGES:
        for unit in codes:
            firsts, warms = [], []
            for _ in range(args.runs):
                at, first = session(unit, page)
                firsts.append(first)
                started = time.perf_counter()
                at.run()
                warms.append(time.perf_counter() - started)
                if at.exception:
                    out["errors"].append(f"{page} {unit} rerun: {at.exception[0].value}")
            out["pages"][f"{page}:{unit}"] = {"first": statistics.median(firsts), "warm": statistics.median(warms)}

    quarter = args.quarter or at.session_state["quarter"]

    # AppTest's own floor: a one-line script
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "floor.py"
        script.write_text("import streamlit as st\nst.write('x')\n")
        floors = []
        for _ in range(3):
            at = AppTest.from_file(str(script))
            started = time.perf_counter()
            at.run()
            floors.append(time.perf_counter() - started)
        out["floor"] = statistics.median(floors)

    # the units grid for every unit and its Excel download, as app_pages/units.py builds them
    # (app_cache.units_grid: evaluated and tabled once, then kept for every session)
    plan = app_cache.current_plan(quarter)
    started = time.perf_counter()
    built = app_cache.units_grid(plan, quarter, codes[0], "all", "zh")
    out["grid"] = time.perf_counter() - started
    shown = built.shown
    started = time.perf_counter()
    xlsx = app_cache.units_grid_xlsx(plan, quarter, codes[0], "all", "zh", "bench")()
    out["grid_xlsx"] = time.perf_counter() - started
    started = time.perf_counter()
    app_cache.units_grid_xlsx(plan, quarter, codes[0], "all", "zh", "bench")()
    out["grid_xlsx_again"] = time.perf_counter() - started
    started = time.perf_counter()
    buf = io.BytesIO()
    shown.to_excel(buf, engine="openpyxl")
    out["grid_xlsx_baseline"] = time.perf_counter() - started
    # the units page showing every unit (scope "all"): a new session, then its rerun
    firsts, warms = [], []
    for _ in range(args.runs):
        at = AppTest.from_file(entry, default_timeout=1800)
        for key, value in {"lang": "zh", "unit": codes[0], "units_scope": "all"}.items():
            at.session_state[key] = value
        if args.quarter:
            at.session_state["quarter"] = args.quarter
        at.switch_page("app_pages/units.py")
        started = time.perf_counter()
        at.run()
        firsts.append(time.perf_counter() - started)
        started = time.perf_counter()
        at.run()
        warms.append(time.perf_counter() - started)
        if at.exception:
            out["errors"].append(f"units all: {at.exception[0].value}")
    out["pages"][f"units_all:{codes[0]}"] = {"first": statistics.median(firsts), "warm": statistics.median(warms)}
    out["grid_rows"] = int(len(shown))
    out["grid_xlsx_bytes"] = len(xlsx)
    mem_end = memory_mb()
    out["rss_start_mb"] = mem_start.get("VmRSS", 0.0)
    out["rss_end_mb"] = mem_end.get("VmRSS", 0.0)
    out["rss_peak_mb"] = mem_end.get("VmHWM", 0.0)
    out["pid"] = os.getpid()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
