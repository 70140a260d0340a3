"""Dry run, commit, duplicate file, supersede, withdraw and undo, on a real SQLite file."""

from __future__ import annotations

import pytest

import resources
from ingest.importer import ImportRefused, commit, prepare
from metrics import rollup
from store.db import open_store
from tests.ingest_fixtures import TITLE, xlsx

C01 = "卢沟桥社区联合工会"


@pytest.fixture
def store(sqlite_url):
    s = open_store(sqlite_url)
    s.add_units(resources.example_units())
    yield s
    s.engine.dispose()


def sheet(members, trainees="12"):
    return xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工"], [C01, members, trainees]]})


def value(store, indicator="members"):
    cur = rollup.current(store.observations())
    row = cur[(cur["unit"] == "C01") & (cur["indicator"] == indicator) & (cur["period"] == "2016Q1")]
    return None if row.empty else float(row["value"].iloc[0])


def test_dry_run_stores_nothing_then_commit_stores_in_one_upload(store):
    p = prepare(store, sheet(120), "a.xlsx")
    assert p.report.ok and p.report.counts["new"] == 2
    assert store.is_empty()
    upload_id = commit(store, p, "clerk1")
    up = store.uploads().iloc[0]
    assert (up["id"], up["uploader"], up["n_values"], up["period"]) == (upload_id, "clerk1", 2, "2016Q1")
    assert up["sha256"] == p.report.sha256 and store.upload_raw(upload_id) == p.raw
    assert value(store) == 120


def test_same_file_twice_is_recognised(store):
    raw = sheet(120)
    commit(store, prepare(store, raw, "a.xlsx"), "clerk1")
    again = prepare(store, raw, "copy.xlsx")
    assert again.report.codes()[0] == "duplicate_file" and not again.report.ok
    with pytest.raises(ImportRefused) as exc:
        commit(store, again, "clerk1")
    assert exc.value.reason == "duplicate"
    assert len(store.uploads()) == 1


def test_reupload_supersedes_and_withdraw_brings_back_the_previous_value(store):
    first = commit(store, prepare(store, sheet(120), "a.xlsx"), "clerk1")
    p = prepare(store, sheet(130), "b.xlsx")
    assert p.report.counts["updated"] == 1 and p.report.counts["unchanged"] == 1
    assert p.report.changes[0]["old"] == 120 and p.report.changes[0]["new"] == 130
    second = commit(store, p, "clerk1")
    assert value(store) == 130
    assert len(store.observations(include_withdrawn=True)) == 4  # the old values stay in history
    store.withdraw([second], "admin")
    assert value(store) == 120
    store.restore([second], "admin")
    assert value(store) == 130
    assert set(store.uploads()["id"]) == {first, second}


def test_errors_block_and_warnings_need_an_acknowledgement(store):
    bad = prepare(store, sheet(-1), "bad.xlsx")
    with pytest.raises(ImportRefused) as exc:
        commit(store, bad, "clerk1")
    assert exc.value.reason == "has_errors"
    warn = prepare(store, sheet("约120"), "warn.xlsx")
    assert warn.report.ok and warn.needs_ack
    with pytest.raises(ImportRefused) as exc:
        commit(store, warn, "clerk1")
    assert exc.value.reason == "needs_ack"
    assert store.is_empty()
    commit(store, warn, "clerk1", acknowledged=True)
    obs = store.observations()
    assert bool(obs.loc[obs["indicator"] == "members", "approximate"].iloc[0]) is True


def walk_the_upload_lifecycle(store):
    """prepare -> commit -> same file refused -> re-upload supersedes -> withdraw -> restore,
    asserting after each step the values that count (shared by SQLite and PostgreSQL)."""
    store.add_units(resources.example_units())
    first_raw = sheet(120, "12")
    p = prepare(store, first_raw, "2016Q1.xlsx")
    assert p.report.ok and p.report.counts["new"] == 2 and p.report.period == "2016Q1"
    assert store.is_empty() and store.uploads().empty  # the dry run stored nothing
    first = commit(store, p, "clerk1")
    assert (value(store), value(store, "trainees")) == (120, 12)

    again = prepare(store, first_raw, "2016Q1 copy.xlsx")
    assert again.report.codes()[0] == "duplicate_file" and again.report.duplicate_of == first
    assert again.report.errors[0].where == "2016Q1 copy.xlsx"
    with pytest.raises(ImportRefused) as exc:
        commit(store, again, "clerk1")
    assert (exc.value.reason, exc.value.upload_id) == ("duplicate", first)
    assert list(store.uploads()["id"]) == [first] and value(store) == 120

    fix_raw = sheet(130, "12")
    fix = prepare(store, fix_raw, "2016Q1 fix.xlsx")
    assert fix.report.counts == {**fix.report.counts, "new": 0, "updated": 1, "unchanged": 1}
    assert [(c["where"], c["old"], c["new"]) for c in fix.report.changes] == [("季度数据!B3", 120, 130)]
    second = commit(store, fix, "clerk2")
    assert (value(store), value(store, "trainees")) == (130, 12)
    assert sorted(store.observations(include_withdrawn=True)["value"]) == [12, 12, 120, 130]

    store.withdraw([second], "admin", "wrong figure")
    assert (value(store), value(store, "trainees")) == (120, 12)
    assert dict(zip(store.uploads()["id"], store.uploads()["status"])) == {first: "active", second: "withdrawn"}
    # the withdrawn file no longer counts, so its bytes may be imported again (and are then refused once more)
    assert store.find_upload_by_hash(fix.report.sha256) is None
    store.restore([second], "admin", "figure confirmed")
    assert (value(store), value(store, "trainees")) == (130, 12)
    assert prepare(store, fix_raw, "again.xlsx").report.duplicate_of == second
    assert set(store.uploads()["status"]) == {"active"}


def test_upload_lifecycle_on_sqlite(sqlite_url):
    store = open_store(sqlite_url)
    try:
        walk_the_upload_lifecycle(store)
    finally:
        store.engine.dispose()


@pytest.mark.postgres
def test_upload_lifecycle_on_postgresql(pg_url):
    store = open_store(pg_url)
    try:
        assert store.engine.dialect.name == "postgresql"
        walk_the_upload_lifecycle(store)
    finally:
        store.engine.dispose()
