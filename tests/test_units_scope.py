"""A clerk's units (issue 10 item 2): she uploads only for her units (web dry run and commit,
command line), sees only her units and the federation total on every page, in the session
state, by URL and in every export; the units are set with ``python -m store.users --unit``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import auth
import resources
from ingest.importer import ImportRefused, commit, prepare
from store.db import open_store
from tests.apptest_util import open_page, run_app
from tests.ingest_fixtures import TITLE, xlsx

ROOT = Path(__file__).resolve().parents[1]
C01, C02, E037 = "卢沟桥社区联合工会", "小瓦窑社区联合工会", "北京万丰电气有限公司工会"  # E037 is under C02


def workbook(*names: str, members: int = 120) -> bytes:
    return xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], *[[n, members + i] for i, n in enumerate(names)]]})


def snapshot(store) -> tuple:
    return (len(store.uploads()), len(store.observations(include_withdrawn=True)), store.data_version()[:3])


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    s = open_store(url)
    s.add_units(resources.example_units())
    s.set_user("wang", "王填报", "clerk", auth.hash_password("pw"), "test")
    s.set_user_units("wang", ["C02"], "test")
    yield s
    s.engine.dispose()


def test_a_clerk_uploads_her_community_and_its_enterprises(store):
    p = prepare(store, workbook(C02, E037), "own.xlsx", uploader="wang")
    assert p.report.ok, [f.message() for f in p.report.errors]
    commit(store, p, "wang")
    assert set(store.observations()["unit"]) == {"C02", "E037"}


def test_rows_of_another_community_are_refused_naming_it_and_nothing_is_stored(store):
    before = snapshot(store)
    p = prepare(store, workbook(C02, C01), "mixed.xlsx", uploader="wang")
    assert "out_of_scope" in p.report.codes() and not p.report.ok
    message = next(f for f in p.report.errors if f.code == "out_of_scope").message("zh")
    assert C01 in message and C02 not in message
    assert C01 in next(f for f in p.report.errors if f.code == "out_of_scope").message("en")
    with pytest.raises(ImportRefused):
        commit(store, p, "wang")
    assert snapshot(store) == before


def test_units_taken_away_after_the_dry_run_are_refused_at_commit(store):
    p = prepare(store, workbook(C02), "ok.xlsx", uploader="wang")
    assert p.report.ok
    store.set_user_units("wang", ["C01"], "admin")
    before = snapshot(store)
    with pytest.raises(ImportRefused) as refused:
        commit(store, p, "wang")
    assert refused.value.reason == "out_of_scope"
    assert snapshot(store) == before


def test_a_commit_checks_the_uploader_even_when_the_dry_run_did_not(store):
    p = prepare(store, workbook(C01), "someone-else.xlsx")  # dry run without an uploader: no limit
    assert p.report.ok
    with pytest.raises(ImportRefused) as refused:
        commit(store, p, "wang")
    assert refused.value.reason == "out_of_scope" and store.uploads().empty


def test_a_clerk_without_units_can_upload_for_none_and_an_admin_for_all(store):
    store.set_user_units("wang", [], "admin")
    assert "out_of_scope" in prepare(store, workbook(C02), "a.xlsx", uploader="wang").report.codes()
    store.set_user("boss", "管理员", "admin", auth.hash_password("pw"), "test")
    assert prepare(store, workbook(C01, C02), "b.xlsx", uploader="boss").report.ok


def test_the_command_line_user_obeys_the_clerks_units(sqlite_url, tmp_path):
    s = open_store(sqlite_url)
    s.add_units(resources.example_units())
    s.set_user("wang", "王填报", "clerk", auth.hash_password("pw"), "test")
    s.set_user_units("wang", ["C02"], "test")
    path = tmp_path / "2016Q1.xlsx"
    path.write_bytes(workbook(C02, C01))
    done = subprocess.run([sys.executable, "-m", "ingest", str(path), "--db", sqlite_url, "--commit",
                           "--user", "wang", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["committed"] is None and any(e["code"] == "out_of_scope" and C01 in e["message"] for e in out["errors"])
    assert s.uploads().empty
    s.engine.dispose()


def users_cli(url: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "store.users", *args, "--db", url], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, input=(password + "\n") if password else None)


def test_store_users_sets_a_clerks_units(sqlite_url):
    s = open_store(sqlite_url)
    s.add_units(resources.example_units())
    done = users_cli(sqlite_url, "add", "zhao", "--role", "clerk", "--unit", "C02", "--unit", "C05",
                     "--password-stdin", password="Lianhua-chi-2016")
    assert done.returncode == 0, done.stderr
    assert list(s.user_units("zhao")["unit"]) == ["C02", "C05"]
    assert users_cli(sqlite_url, "set", "zhao", "--unit", "C01").returncode == 0
    assert list(s.user_units("zhao")["unit"]) == ["C01"]
    refused = users_cli(sqlite_url, "set", "zhao", "--unit", "NOPE", "--unit", "LGQ")
    assert refused.returncode == 1 and "NOPE" in refused.stderr and "LGQ" in refused.stderr
    assert list(s.user_units("zhao")["unit"]) == ["C01"]
    assert "C01" in users_cli(sqlite_url, "list").stdout
    assert users_cli(sqlite_url, "set", "zhao", "--no-units").returncode == 0
    assert s.user_units("zhao").empty
    s.engine.dispose()


# ---- pages ------------------------------------------------------------------------------------
@pytest.fixture
def clerk_db(example_url):
    s = open_store(example_url)
    s.set_user("wang", "王填报", "clerk", auth.hash_password("pw"), "test")
    s.set_user_units("wang", ["C02"], "test")
    s.set_user("boss", "管理员", "admin", auth.hash_password("pw"), "test")
    epoch = s.user("wang")["session_epoch"]
    yield s, epoch
    s.engine.dispose()


def as_clerk(page: str | None, epoch: int, **state):
    state = {"user": "wang", "role": "clerk", "epoch": epoch, **state}
    return open_page(page, **state) if page else run_app(**state)


def all_frames(at) -> list:
    return [d.value for d in at.dataframe]


def text_of(at) -> str:
    parts = [str(getattr(e, "value", "")) for e in list(at.markdown) + list(at.caption) + list(at.title)]
    parts += [frame.to_csv() for frame in all_frames(at) if hasattr(frame, "to_csv")]
    return "\n".join(parts)


def test_the_unit_picker_offers_only_her_units_and_the_federation(clerk_db):
    _, epoch = clerk_db
    at = as_clerk(None, epoch)
    assert not at.exception, at.exception
    assert set(at.selectbox(key="unit").options) == {"卢沟桥街道总工会", "\u3000小瓦窑社区联合工会",
                                                     "\u3000\u3000北京万丰电气有限公司工会"}


@pytest.mark.parametrize("page", ["overview", "progress", "indicator", "units", "report"])
def test_another_communitys_unit_set_in_the_session_state_shows_nothing_of_it(clerk_db, page):
    _, epoch = clerk_db
    at = as_clerk(page, epoch, unit="C01")
    assert not at.exception, at.exception
    assert at.session_state["unit"] != "C01"
    assert C01 not in text_of(at)


def test_the_units_page_and_its_export_hold_only_her_units(clerk_db):
    _, epoch = clerk_db
    at = as_clerk("units", epoch, units_scope="all")
    assert not at.exception, at.exception
    shown = text_of(at)
    assert C02 in shown and C01 not in shown and "大井社区联合工会" not in shown


def test_the_history_page_lists_no_upload_of_another_unit(clerk_db):
    store, epoch = clerk_db
    store.set_user_units("wang", ["E037"], "test")
    at = as_clerk("history", epoch)
    assert not at.exception, at.exception
    # the example uploads each hold every unit, so they are hers to see; a new upload of C01 only is not
    raw = xlsx({"季度数据": [[TITLE], ["单位名称", "培训职工"], [C01, 12]]})
    admin_upload = commit(store, prepare(store, raw, "c01-only.xlsx", uploader="boss"), "boss", acknowledged=True)
    at.run()
    ids = {int(i) for i in at.dataframe[0].value.iloc[:, 0]}
    assert admin_upload not in ids


def test_the_app_cache_refuses_another_unit_by_any_road(clerk_db):
    """What a page, a URL or the session state would reach goes through app_cache's filters."""
    import streamlit as st
    import app_cache
    _, epoch = clerk_db
    at = as_clerk("overview", epoch)
    assert not at.exception
    # the same loaders, called as the clerk's session would
    st.session_state.clear()
    st.session_state.update(user="wang", role="clerk")
    try:
        assert set(app_cache.units()["code"]) == {"LGQ", "C02", "E037"}
        assert set(app_cache.observations()["unit"]) <= {"LGQ", "C02", "E037"}
        assert set(app_cache.all_quarterly()["unit"]) <= {"LGQ", "C02", "E037"}
        for call in (lambda: app_cache.quarterly("C01"), lambda: app_cache.coverage("C01"),
                     lambda: app_cache.report_content(2011, 2015, "LGQ", "zh")):
            with pytest.raises(app_cache.OutOfScope):
                call()
        # the federation total is hers to see and is the whole federation's
        st.session_state.update(user="boss", role="admin")
        total = app_cache.quarterly("LGQ")
        st.session_state.update(user="wang", role="clerk")
        assert app_cache.quarterly("LGQ").equals(total)
    finally:
        st.session_state.clear()


def test_a_clerk_may_see_every_unit_when_the_setting_says_all(clerk_db, monkeypatch):
    monkeypatch.setenv("UNION_CLERK_SEES", "all")
    _, epoch = clerk_db
    at = as_clerk(None, epoch)
    assert not at.exception
    assert len(at.selectbox(key="unit").options) == 84


def test_a_clerks_web_upload_of_another_unit_is_refused_and_stores_nothing(clerk_db):
    store, epoch = clerk_db
    before = snapshot(store)
    at = as_clerk("upload", epoch)
    assert not at.exception, at.exception
    at = at.file_uploader(key="upload_file").upload("2016Q1.xlsx", workbook(C02, C01)).run()
    assert not at.exception, at.exception
    assert any(C01 in str(e.value) for e in at.error) or C01 in text_of(at)
    assert not [b for b in at.button if b.key == "upload_commit"]
    assert snapshot(store) == before
