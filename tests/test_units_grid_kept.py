"""The whole-grid Excel kept per data version in a folder every server process shares and that
survives restarts (grid_cache.py, issue 12): a restart, a second replica or a click after a
commit no longer waits 15 s for a district's workbook."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

QUARTER = "2017Q4"
ROOT = Path(__file__).resolve().parents[1]
NEVER = [sys.executable, "-c", "import sys; sys.exit('RuntimeError: no worker may start')"]


def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _cells(data: bytes) -> list:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [ws.title, *[[c.value for c in row] for row in ws.iter_rows()]]


def _args(lang: str = "zh", allowed: frozenset | None = None, title: str = "T") -> tuple:
    import app_cache

    return (app_cache.version(), app_cache.current_plan(QUARTER), QUARTER, "", "all", allowed, lang, title)


def _a_clerks_units() -> frozenset:
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


def _built(builds, args) -> bytes:
    first = builds()
    assert first.start(args)
    data = first.result(args)
    assert data
    first.close()  # the server process that built it ends (its temporary folder goes)
    return data


def test_a_restarted_server_process_serves_the_kept_workbook_without_starting_a_worker(example_url, builds):
    import grid_cache

    args = _args()
    data = _built(builds, args)
    kept = grid_cache.path(args)
    assert kept.is_file() and kept.parent == Path(os.environ["UNION_CACHE_DIR"]) / "grid"
    assert args[0][0] not in kept.name and example_url not in kept.read_bytes().decode("latin-1")
    # a fresh server process on the same database (a restart, or a second replica on the same
    # disk): a worker started there would fail; none starts, and the click reads the kept file
    script = (
        "import hashlib, json, sys\n"
        "import app_cache, grid_worker\n"
        "app_cache._units_grid_xlsx = lambda *a: sys.exit('built in the server process')\n"
        f"b = grid_worker.Builds(command={NEVER!r})\n"
        f"args = (app_cache.version(), app_cache.current_plan('{QUARTER}'), '{QUARTER}', '', 'all', None, 'zh', 'T')\n"
        "app_cache._GRID_BUILDS.append(b)\n"
        "started = b.start(args)\n"
        "data = app_cache._GRID_BUILDS[0].result(args) or app_cache._kept_units_grid_xlsx(args)\n"
        "print(json.dumps({'started': started, 'builds': len(b._builds), 'sha': hashlib.sha256(data).hexdigest()}))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"started": False, "builds": 0, "sha": hashlib.sha256(data).hexdigest()}


def test_the_click_that_builds_in_the_server_keeps_the_workbook_for_the_next_process(example_url, monkeypatch, builds):
    import app_cache
    import grid_cache

    _fresh_caches()
    monkeypatch.setattr(app_cache, "_GRID_BUILDS", [builds(command=NEVER)])
    plan = app_cache.current_plan(QUARTER)
    data = app_cache.units_grid_xlsx(plan, QUARTER, "LGQ", "all", "en", "Title")()  # no worker: built here
    assert grid_cache.load(_args("en", title="Title")) == data
    fresh = builds(command=NEVER)
    assert not fresh.start(_args("en", title="Title")) and not fresh._builds
    assert fresh.result(_args("en", title="Title")) == data
    _fresh_caches()


def test_an_upload_makes_a_new_data_version_whose_workbook_is_built_and_the_old_one_removed(example_url, builds):
    import app_cache
    import grid_cache
    from store.db import NewUpload

    _fresh_caches()
    before = _args()
    old = _built(builds, before)
    old_file = grid_cache.path(before)
    assert old_file.is_file()
    units = app_cache.units()
    kids = units.loc[units["parent"] == app_cache.root_unit(), "code"]
    app_cache.store().add_uploads([NewUpload("q.xlsx", b"new 2017Q4", "t", pd.DataFrame(
        {"unit": list(kids), "indicator": "members", "period": QUARTER, "value": 1.0, "approximate": False}),
        QUARTER)])
    _fresh_caches()
    after = _args()
    assert after[0] != before[0]
    fresh = builds()
    assert fresh.result(after) is None  # the old version's file is never served for the new one
    assert fresh.start(after)
    assert not old_file.exists()  # removed as soon as a build of the new version starts
    new = fresh.result(after)
    assert _cells(new) == _cells(app_cache._units_grid_xlsx(*after)) != _cells(old)
    assert [p.name for p in grid_cache.folder().glob("*.xlsx")] == [grid_cache.path(after).name]
    # a page run that read the version just before the upload asks for the old data late: its
    # build fails as stale and the newer data's workbook stays
    late = builds()
    assert late.start(before) and late.result(before) is None
    assert grid_cache.load(after) == new
    _fresh_caches()


def test_a_clerks_workbook_and_a_viewers_are_never_the_same_file(example_url, builds):
    import grid_cache

    _fresh_caches()
    clerk = _a_clerks_units()
    wider = frozenset([*clerk, *sorted(_a_clerks_units_of_another_community())])
    narrow, everyone, more = _args(allowed=clerk), _args(), _args(allowed=wider)
    assert len({grid_cache.name(a) for a in (narrow, everyone, more)}) == 3
    mine = builds()
    assert mine.start(narrow)
    clerks = mine.result(narrow)
    # the viewer's (every unit) and a wider clerk's are built for them, not handed the clerk's
    for args in (everyone, more):
        assert mine.start(args)
        other = mine.result(args)
        assert len(_cells(other)) > len(_cells(clerks))
    assert len(_cells(clerks)) == 1 + 3 + len(clerk)
    assert grid_cache.load(narrow) == clerks
    _fresh_caches()


def _a_clerks_units_of_another_community() -> frozenset:
    import app_cache

    units = app_cache.units()
    community = units.loc[units["level"] == "community", "code"].iloc[1]
    return frozenset([community, *units.loc[units["parent"] == community, "code"]])


@pytest.mark.parametrize("damage", ["truncated", "part only", "empty"])
def test_a_half_written_or_cut_short_kept_file_is_ignored_and_rebuilt(example_url, builds, damage):
    import grid_cache

    _fresh_caches()
    args = _args()
    good = _built(builds, args)
    kept = grid_cache.path(args)
    if damage == "truncated":  # the end of the archive (its directory) is missing
        kept.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        kept.write_bytes(b"")
    else:  # a build killed while writing: only its .part is there
        kept.unlink()
        kept.with_name(f"{kept.name}.99999.1.part").write_bytes(good[:1000])
    fresh = builds()
    assert fresh.result(args) is None  # not served
    assert fresh.start(args)  # rebuilt
    assert fresh.result(args) == kept.read_bytes()
    assert _cells(kept.read_bytes()) == _cells(good)


def test_two_server_processes_asking_for_the_same_key_at_once_build_it_once(example_url, builds, tmp_path):
    # two replicas open the units page at the same moment: the second worker waits for the
    # first one's build lock and then hands over its file; no torn bytes, one build
    marks = tmp_path / "builds.txt"
    counting = [sys.executable, "-c",
                "import runpy, sys, time\n"
                "import app_cache\n"
                "real = app_cache._units_grid_xlsx\n"
                "def counted(*a):\n"
                f"    open({str(marks)!r}, 'a').write('built\\n')\n"
                "    time.sleep(2)\n"
                "    return real(*a)\n"
                "app_cache._units_grid_xlsx = counted\n"
                "sys.argv = ['grid_worker', *sys.argv[1:]]\n"
                "runpy.run_module('grid_worker', run_name='__main__', alter_sys=True)\n"]
    args = _args()
    one, two = builds(command=counting), builds(command=counting)
    assert one.start(args) and two.start(args)
    first, second = one.result(args), two.result(args)
    assert first and first == second
    assert marks.read_text().splitlines() == ["built"]


def test_the_page_download_after_a_commit_finds_the_build_started_by_the_commit(example_url, monkeypatch, builds):
    # the clerk commits an upload; the district's every-unit Excel of the new data version (the
    # federation's view in the session's language) starts building at once, so the office's
    # click on the units page a little later waits for that build instead of starting anew
    import app_cache
    import tables
    from metrics import unitgrid
    from tests.apptest_util import open_page
    from tests.test_page_upload import edited_example

    _fresh_caches()
    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    mine = builds()
    monkeypatch.setattr(app_cache, "_GRID_BUILDS", [mine])
    at = open_page("upload", "en")
    at.file_uploader(key="upload_file").upload("2017Q4_fix.xlsx", edited_example()).run()
    at.checkbox(key="upload_ack").check().run()
    before = app_cache.version()
    assert not mine._builds  # the dry run starts nothing
    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    assert app_cache.version() != before
    (args, build), = mine._builds.items()
    assert args[0] == app_cache.version() and args[3:7] == ("", "all", None, "en")

    whole = []
    real = unitgrid.evaluate_cube
    monkeypatch.setattr(unitgrid, "evaluate_cube",
                        lambda g, cube, *a, **k: (whole.append(1) if len(a[4]) >= 84 else None) or real(g, cube, *a, **k))
    page = open_page("units", "en")
    assert not page.exception, page.exception
    assert list(mine._builds) == [args]  # the page asked for the same key: no second build
    quarter = page.session_state["quarter"]
    assert (quarter, page.session_state["unit"]) == (args[2], app_cache.root_unit())
    data = app_cache.units_grid_xlsx(args[1], quarter, "LGQ", "all", "en", args[7])()
    assert whole == [] and build.proc.returncode == 0
    assert _cells(data) == _cells(app_cache._units_grid_xlsx(*args))
    _fresh_caches()


def test_a_build_that_cannot_start_after_a_commit_is_logged_and_never_raised(example_url, monkeypatch, caplog):
    import logging

    import app_cache
    import tables

    _fresh_caches()
    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)

    def broken():
        raise OSError("no room for the worker")

    monkeypatch.setattr(app_cache, "_grid_builds", broken)
    with caplog.at_level(logging.ERROR, logger="union.grid"):
        assert app_cache.prebuild_after_change("zh") is False
    assert "no room for the worker" in caplog.text
    _fresh_caches()


def test_a_withdrawal_and_its_undo_each_start_the_build_of_the_new_data(example_url, monkeypatch, builds):
    import app_cache
    import tables
    from store.db import open_store
    from tests.apptest_util import open_page

    _fresh_caches()
    monkeypatch.setattr(tables, "GRID_PAGE_ROWS", 30)
    mine = builds(command=[sys.executable, "-c", "import time; time.sleep(30)"])  # still running: never waited for
    monkeypatch.setattr(app_cache, "_GRID_BUILDS", [mine])
    store = open_store(example_url)
    last = int(store.uploads()["id"].max())
    store.engine.dispose()
    at = open_page("history", "zh")
    at.selectbox(key="history_choice").select(last).run()
    at.button(key="history_withdraw").click().run()
    at.button(key="history_withdraw_confirm").click().run()
    assert not at.exception, at.exception
    withdrawn = app_cache.version()
    assert [a[0] for a in mine._builds] == [withdrawn] and list(mine._builds)[0][3:7] == ("", "all", None, "zh")
    at.selectbox(key="history_choice").select(last).run()
    at.button(key="history_restore").click().run()
    assert not at.exception, at.exception
    assert app_cache.version() != withdrawn
    assert [a[0] for a in mine._builds] == [app_cache.version()]  # the withdrawn data's build stopped: stale
    _fresh_caches()
