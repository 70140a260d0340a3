"""The units grid's whole-grid Excel built in a worker process (grid_worker, issue 12): the
server's page runs do not share their interpreter with a 20-second build, and the workbook the
click hands over is the one the server would have built itself."""

from __future__ import annotations

import io
import logging
import shutil
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

QUARTER = "2017Q4"
# the real worker, started 8 seconds late: a build still running when the page reruns or
# the button is clicked
SLOW_WORKER = [sys.executable, "-c",
               "import runpy, sys, time; time.sleep(8); sys.argv = ['grid_worker', *sys.argv[1:]]; "
               "runpy.run_module('grid_worker', run_name='__main__', alter_sys=True)"]


def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _cells(data: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [ws.title, *[[c.value for c in row] for row in ws.iter_rows()]]


def _args(lang: str, allowed: frozenset | None = None, kind: str = "all", unit: str = "", title: str = "T"):
    import app_cache

    return (app_cache.version(), app_cache.current_plan(QUARTER), QUARTER, unit, kind, allowed, lang, title)


def _a_clerks_units() -> frozenset:
    """A community and its enterprises: the units a community's clerk may see."""
    import app_cache

    units = app_cache.units()
    community = units.loc[units["level"] == "community", "code"].iloc[0]
    return frozenset([community, *units.loc[units["parent"] == community, "code"]])


@pytest.fixture
def builds():
    import grid_worker

    made = []

    def make(**kw):
        made.append(grid_worker.Builds(**kw))
        return made[-1]

    yield make
    for b in made:
        b.close()


def test_the_units_page_reruns_while_the_whole_grid_is_built_in_another_process(example_url, monkeypatch, builds):
    # At 22,001 units the whole grid's Excel took 20 s of CPU in a thread of the server: the
    # page's rerun went from 0.36 to 0.90 s meanwhile. Now no part of it runs in the server
    # process: the rerun finishes while the build still runs, and the click waits for it.
    import app_cache
    import tables
    from metrics import unitgrid
    from tests.apptest_util import open_page

    _fresh_caches()
    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    mine = builds(command=SLOW_WORKER)
    monkeypatch.setattr(app_cache, "_GRID_BUILDS", [mine])
    whole = []
    real = unitgrid.evaluate_cube
    monkeypatch.setattr(unitgrid, "evaluate_cube",
                        lambda g, cube, *a, **k: (whole.append(1) if len(a[4]) >= 84 else None) or real(g, cube, *a, **k))
    at = open_page("units", "en", quarter=QUARTER)
    assert not at.exception, at.exception
    at.run()
    assert not at.exception, at.exception
    assert mine.running()  # the rerun did not wait for the build
    assert len(mine._builds) == 1
    (args, build), = mine._builds.items()
    assert build.proc.pid and args[5] is None and args[6] == "en"
    data = app_cache.units_grid_xlsx(args[1], QUARTER, "LGQ", "all", "en", args[7])()  # clicked during the build
    assert not mine.running() and build.proc.returncode == 0
    assert whole == []  # never evaluated in this process
    assert _cells(data) == _cells(app_cache._units_grid_xlsx(*args))
    assert _cells(data)[0] == "Units compared" and len(_cells(data)) == 1 + 3 + 84
    _fresh_caches()


@pytest.mark.parametrize("db, lang", [("sqlite", "zh"), ("sqlite", "en"), ("postgres", "en")])
def test_the_worker_workbook_equals_the_servers_own_for_a_clerks_units(db, lang, request, monkeypatch, builds):
    import app_cache

    if db == "postgres":
        import bootstrap
        from store.db import open_store

        url = request.getfixturevalue("pg_url")
        pg = open_store(url)
        try:
            bootstrap.ensure_example_data(pg)
        finally:
            pg.engine.dispose()
        monkeypatch.setenv("UNION_DB_URL", url)
    else:
        request.getfixturevalue("example_url")
    _fresh_caches()
    allowed = _a_clerks_units()
    mine = builds()
    for args in (_args(lang, allowed, title="标题" if lang == "zh" else "Title"),
                 _args(lang, allowed, kind="children", unit=sorted(allowed)[0])):
        assert mine.start(args)
        assert args[0][0] not in mine._builds[args].job.read_text(encoding="utf-8")  # the URL (a password) not on disk
        data = mine.result(args)
        assert data
        want = _cells(app_cache._units_grid_xlsx(*args))
        assert _cells(data) == want
        assert 3 < len(want) <= 1 + 3 + len(allowed)  # only the clerk's units
        assert want[0] == ("单位对比" if lang == "zh" else "Units compared")
    _fresh_caches()


def test_a_new_upload_gives_a_new_workbook_and_drops_the_old_one(example_url, builds, caplog):
    import app_cache
    from store.db import NewUpload

    _fresh_caches()
    mine = builds()
    before = _args("zh")
    assert mine.start(before)
    old = mine.result(before)
    old_file = mine._builds[before].out
    assert old and old_file.is_file()
    assert not mine.start(before)  # built once per data version and arguments
    units = app_cache.units()
    kids = units.loc[units["parent"] == app_cache.root_unit(), "code"]
    app_cache.store().add_uploads([NewUpload("q.xlsx", b"new 2017Q4", "t", pd.DataFrame(
        {"unit": list(kids), "indicator": "members", "period": QUARTER, "value": 1.0, "approximate": False}),
        QUARTER)])
    _fresh_caches()
    after = _args("zh")
    assert after[0] != before[0]
    assert mine.start(after)
    assert not old_file.exists() and before not in mine._builds  # the old version's file is gone
    new = mine.result(after)
    assert _cells(new) == _cells(app_cache._units_grid_xlsx(*after))
    assert _cells(new) != _cells(old)
    # a build asked for with the old version reads newer data: it fails as stale, and the click
    # builds it in the server process (as before)
    with caplog.at_level(logging.ERROR, logger="union.grid"):
        assert mine.start(before)
        assert mine.result(before) is None
    assert "stale" in caplog.text
    _fresh_caches()


def test_a_failing_worker_is_logged_and_the_click_builds_the_workbook_itself(example_url, monkeypatch, builds, caplog):
    import app_cache
    import tables

    _fresh_caches()
    broken = builds(command=[sys.executable, "-c", "import sys; sys.exit('OperationalError: database is locked')"])
    monkeypatch.setattr(app_cache, "_GRID_BUILDS", [broken])
    app_cache.prebuild_units_grid_xlsx(app_cache.current_plan(QUARTER), QUARTER, "LGQ", "all", "en", "Title")
    args = _args("en", title="Title")
    assert args in broken._builds
    with caplog.at_level(logging.ERROR, logger="union.grid"):
        data = app_cache.units_grid_xlsx(app_cache.current_plan(QUARTER), QUARTER, "LGQ", "all", "en", "Title")()
    assert "database is locked" in caplog.text
    assert _cells(data) == _cells(app_cache._units_grid_xlsx(*args)) and len(_cells(data)) == 1 + 3 + 84
    assert not broken.start(args)  # not retried on every rerun: the click builds it here
    # when the server's own build fails too, its error is what the click shows
    _fresh_caches()
    monkeypatch.setattr(tables, "status_grid_xlsx", lambda *a, **k: (_ for _ in ()).throw(MemoryError("no room")))
    click = app_cache.units_grid_xlsx(app_cache.current_plan(QUARTER), QUARTER, "LGQ", "all", "zh", "T")
    app_cache.prebuild_units_grid_xlsx(app_cache.current_plan(QUARTER), QUARTER, "LGQ", "all", "zh", "T")
    with pytest.raises(MemoryError, match="no room"):
        click()
    _fresh_caches()


def test_a_build_past_its_time_limit_is_killed_and_its_files_removed_at_exit(example_url, builds, caplog):
    mine = builds(command=[sys.executable, "-c", "import time; time.sleep(60)"], time_limit=1.0)
    args = _args("zh")
    assert mine.start(args)
    proc, folder = mine._builds[args].proc, mine._dir
    assert not mine.start(_args("en"))  # one build at a time
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="union.grid"):
        assert mine.result(args) is None
    assert time.monotonic() - started < 10 and proc.returncode is not None
    assert "took longer than 1 s: killed" in caplog.text
    assert mine.start(_args("en"))
    running = mine._builds[_args("en")].proc
    mine.close()
    assert running.poll() is not None and not folder.exists()


def test_a_worker_stops_when_the_server_process_is_killed(example_url, tmp_path):
    # the server killed outright (no atexit): its worker notices it has a new parent and exits
    import os
    import signal
    import subprocess

    folder = ""
    script = tmp_path / "server.py"
    script.write_text(
        "import sys, time\n"
        "import app_cache, grid_worker\n"
        f"b = grid_worker.Builds()\n"
        f"b.start((app_cache.version(), app_cache.current_plan('{QUARTER}'), '{QUARTER}', '', 'all', None, 'zh', 'T'))\n"
        "(build,) = b._builds.values()\n"
        "print(build.proc.pid, b._dir, flush=True)\n"
        "time.sleep(120)\n", encoding="utf-8")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=root,
                              env=dict(os.environ, PYTHONPATH=root))
    try:
        child, folder = server.stdout.readline().split()
        server.send_signal(signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _running(int(child)):
            time.sleep(0.1)
        assert not _running(int(child))
        assert not list(Path(folder).glob("*.xlsx"))  # gone before it built anything
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False
