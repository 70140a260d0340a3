"""Tests for store/db.py on SQLite AND PostgreSQL (the same tests run on both): schema on first
use, one transaction per upload, duplicates, superseding and withdrawing, target history, the
audit log, and that nothing is ever deleted."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from metrics import rollup
from store import schema
from store.db import DuplicateUpload, NewUpload, Store, open_store

TABLES = {"units", "uploads", "upload_events", "observations", "plans", "targets", "audit_log", "users"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    st = open_store(db_url)
    st.add_units(pd.DataFrame({"code": ["F", "C1", "C2"], "name_zh": ["总工会", "甲社区", "乙社区"],
                               "name_en": ["Federation", "A", "B"], "parent": ["", "F", "F"],
                               "level": ["federation", "community", "community"]}))
    yield st
    st.engine.dispose()


def upload(raw: bytes, *rows, name="2016Q1.xlsx", period="2016Q1", is_example=False) -> NewUpload:
    values = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate"])
    return NewUpload(name, raw, "clerk1", values, period, is_example=is_example)


def counted(store: Store, unit: str = "C1", indicator: str = "members", period: str = "2016Q1"):
    cur = rollup.current(store.observations(), store.active_upload_ids())
    hit = cur[(cur["unit"] == unit) & (cur["indicator"] == indicator) & (cur["period"] == period)]
    return None if hit.empty else hit["value"].iloc[0]


def row_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in schema.metadata.sorted_tables}


def actions(store: Store) -> list[str]:
    return store.audit_log()["action"].tolist()[::-1]


# ---- schema --------------------------------------------------------------------------------


def test_schema_is_created_on_first_use_and_reopening_keeps_data(db_url):
    first = open_store(db_url)
    assert TABLES <= set(sa.inspect(first.engine).get_table_names())
    assert first.is_empty() and first.units().empty and first.observations().empty
    first.add_units(pd.DataFrame({"code": ["F"], "name_zh": ["总工会"], "parent": [""], "level": ["federation"]}))
    first.engine.dispose()
    again = open_store(db_url)
    assert again.units()["code"].tolist() == ["F"]
    again.engine.dispose()


def test_sqlite_file_is_in_wal_mode(tmp_path):
    path = tmp_path / "wal.sqlite"
    st = open_store(f"sqlite:///{path}")
    st.add_units(pd.DataFrame({"code": ["F"], "name_zh": ["总工会"], "parent": [""], "level": ["federation"]}))
    st.engine.dispose()
    with sqlite3.connect(path) as conn:  # a fresh connection sees the file's persistent mode
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_folder_is_created(tmp_path):
    st = open_store(f"sqlite:///{tmp_path / 'new' / 'folder' / 'union.sqlite'}")
    assert (tmp_path / "new" / "folder" / "union.sqlite").exists()
    st.engine.dispose()


def test_units_are_added_once(store):
    again = pd.DataFrame({"code": ["C1", "C3"], "name_zh": ["甲社区", "丙社区"], "parent": ["F", "F"],
                          "level": ["community", "community"]})
    assert store.add_units(again) == 1
    units = store.units()
    assert sorted(units["code"]) == ["C1", "C2", "C3", "F"] and units["code"].iloc[-1] == "C3"
    assert units.set_index("code").loc["F", "parent"] == ""
    assert units.set_index("code").loc["C3", "name_zh"] == "丙社区"


# ---- uploads -------------------------------------------------------------------------------


def test_upload_stores_file_values_and_report(store):
    raw = b"PK\x03\x04 first file \xe4\xb8\xad"
    uid = store.add_upload(upload(raw, ("C1", "members", "2016Q1", 120, False), ("C2", "members", "2016Q1", 80, True)))
    assert store.upload_raw(uid) == raw
    ups = store.uploads()
    assert ups.loc[0, "id"] == uid and ups.loc[0, "status"] == "active" and ups.loc[0, "n_values"] == 2
    assert "raw" not in ups.columns
    assert store.find_upload_by_hash(NewUpload("x", raw, "u", pd.DataFrame()).sha256) == uid
    obs = store.observations().sort_values("unit")
    assert obs["value"].tolist() == [120.0, 80.0]
    assert obs["approximate"].tolist() == [False, True]
    assert set(obs["upload_id"]) == {uid}


class _Boom(RuntimeError):
    pass


def _fail_audit(*_args, **_kwargs):
    raise _Boom("audit write failed")


@pytest.mark.parametrize(
    "rows,patch",
    [([("C1", "members", "2016Q1", 120, False), ("C2", "members", "2016Q1", "not a number", False)], None),
     ([("C1", "members", "2016Q1", 120, False)], _fail_audit)],
    ids=["bad-value-in-second-row", "audit-write-fails-last"],
)
def test_failed_upload_leaves_nothing_behind(store, monkeypatch, rows, patch):
    before = row_counts(store)
    if patch is not None:
        monkeypatch.setattr(Store, "_audit", staticmethod(patch))
    with pytest.raises((ValueError, _Boom)):
        store.add_upload(upload(b"broken file", *rows))
    monkeypatch.undo()
    assert row_counts(store) == before
    assert store.uploads().empty and store.observations().empty
    # the same file can be imported once fixed: nothing half-stored blocks it
    store.add_upload(upload(b"broken file", ("C1", "members", "2016Q1", 120, False)))
    assert counted(store) == 120


def test_duplicate_file_refused_until_withdrawn(store):
    raw = b"same bytes"
    first = store.add_upload(upload(raw, ("C1", "members", "2016Q1", 120, False)))
    with pytest.raises(DuplicateUpload) as err:
        store.add_upload(upload(raw, ("C1", "members", "2016Q1", 120, False), name="renamed.xlsx"))
    assert err.value.upload_id == first and f"#{first}" in str(err.value)
    assert len(store.uploads()) == 1
    store.withdraw([first], "admin", "wrong quarter")
    second = store.add_upload(upload(raw, ("C1", "members", "2016Q1", 121, False)))
    assert second != first and counted(store) == 121


def test_later_upload_supersedes_and_withdrawal_brings_earlier_back(store):
    first = store.add_upload(upload(b"v1", ("C1", "members", "2016Q1", 100, False), ("C2", "members", "2016Q1", 50, False)))
    second = store.add_upload(upload(b"v2", ("C1", "members", "2016Q1", 110, False)))
    assert counted(store) == 110
    assert counted(store, "C2") == 50  # cells the correction does not touch keep counting
    store.withdraw([second], "admin", "typo")
    assert counted(store) == 100
    statuses = store.uploads().set_index("id")["status"]
    assert statuses[second] == "withdrawn" and statuses[first] == "active"
    assert len(store.observations(include_withdrawn=True)) == 3
    assert len(store.observations()) == 2
    store.restore([second], "admin", "it was right")
    assert counted(store) == 110
    assert store.active_upload_ids() == {first, second}


def test_withdrawing_everything_leaves_no_values(store):
    uid = store.add_upload(upload(b"only", ("C1", "members", "2016Q1", 100, False)))
    store.withdraw([uid], "admin")
    assert store.observations().empty
    assert list(store.observations().columns) == ["upload_id", "unit", "indicator", "period", "value", "approximate"]
    assert counted(store) is None


def test_data_version_changes_on_every_kind_of_write(store):
    v0 = store.data_version()
    uid = store.add_upload(upload(b"a", ("C1", "members", "2016Q1", 1, False)))
    v1 = store.data_version()
    store.withdraw([uid], "admin")
    v2 = store.data_version()
    store.add_plan("2016-2020", "十三五", "13th", "2016Q1", "2020Q4", "2015Q4", "admin")
    store.set_targets("2016-2020", [{"indicator": "members", "target_type": "level", "target_value": 8000}], "admin")
    v3 = store.data_version()
    store.add_plan("2021-2025", "十四五", "14th", "2021Q1", "2025Q4", "2020Q4", "admin")  # no goals yet
    v4 = store.data_version()
    store.add_units(pd.DataFrame({"code": ["C9"], "name_zh": ["新社区"], "parent": ["F"], "level": ["community"]}))
    v5 = store.data_version()
    assert len({v0, v1, v2, v3, v4, v5}) == 6


def test_example_uploads_are_removed_by_withdrawal(store):
    ex = store.add_upload(upload(b"example", ("C1", "members", "2016Q1", 7, False), is_example=True))
    own = store.add_upload(upload(b"own", ("C2", "members", "2016Q1", 9, False)))
    assert store.has_example_data()
    assert store.remove_example_data("admin") == 1
    assert not store.has_example_data()
    assert store.active_upload_ids() == {own}
    assert ex in set(store.uploads()["id"])  # still listed
    assert store.remove_example_data("admin") == 0


# ---- plans and targets ---------------------------------------------------------------------

GOAL = {"indicator": "members", "unit": "", "target_type": "level", "base_value": 7167.0, "target_value": 8000.0,
        "attribute": "预期性", "goal_direction": "raise", "goal_text_zh": "会员达到8000人", "goal_text_en": "8,000 members"}


def test_targets_keep_every_version_and_latest_counts(store):
    store.add_plan("2016-2020", "十三五规划", "13th plan", "2016Q1", "2020Q4", "2015Q4", "admin")
    assert store.set_targets("2016-2020", [GOAL, {**GOAL, "indicator": "employees", "target_value": 9000.0}], "admin") == 2
    assert store.set_targets("2016-2020", [GOAL], "admin") == 0  # unchanged rows are not new versions
    assert store.set_targets("2016-2020", [{**GOAL, "target_value": 8500.0}], "leader1") == 1
    history = store.targets("2016-2020", history=True)
    assert history.loc[history["indicator"] == "members", "target_value"].tolist() == [8000.0, 8500.0]
    current = store.targets("2016-2020").set_index("indicator")
    assert current.loc["members", "target_value"] == 8500.0 and current.loc["members", "changed_by"] == "leader1"
    assert current.loc["employees", "target_value"] == 9000.0
    assert current.loc["members", "goal_text_zh"] == "会员达到8000人"


def test_deactivated_target_drops_out_of_current_but_stays_in_history(store):
    store.add_plan("2016-2020", "十三五规划", "13th plan", "2016Q1", "2020Q4", "2015Q4", "admin")
    store.set_targets("2016-2020", [GOAL], "admin")
    store.set_targets("2016-2020", [{**GOAL, "active": False}], "admin")
    assert store.targets("2016-2020").empty
    assert len(store.targets("2016-2020", history=True)) == 2


def test_unit_quota_is_separate_from_plan_goal(store):
    store.add_plan("2016-2020", "十三五规划", "13th plan", "2016Q1", "2020Q4", "2015Q4", "admin")
    store.set_targets("2016-2020", [GOAL, {**GOAL, "unit": "C1", "target_value": 300.0}], "admin")
    current = store.targets("2016-2020").set_index("unit")
    assert current.loc["", "target_value"] == 8000.0 and current.loc["C1", "target_value"] == 300.0


def test_plans_are_listed(store):
    store.add_plan("2016-2020", "十三五规划", "13th plan", "2016Q1", "2020Q4", "2015Q4", "admin", is_example=True)
    store.add_plan("2021-2025", "十四五规划", "14th plan", "2021Q1", "2025Q4", "2020Q4", "admin",
                   copied_from="2016-2020")
    plans = store.plans()
    assert plans["code"].tolist() == ["2016-2020", "2021-2025"]
    assert plans.set_index("code").loc["2021-2025", "copied_from"] == "2016-2020"


# ---- users, audit, append-only -------------------------------------------------------------


def test_users_are_added_and_updated(store):
    assert store.users().empty and store.user("wang") is None
    store.set_user("wang", "王会计", "clerk", "hash1", actor="admin")
    store.set_user("wang", "王会计", "admin", "hash2", actor="admin")
    assert store.users()["role"].tolist() == ["admin"]
    assert store.user("wang")["password_hash"] == "hash2"


def test_audit_log_records_who_did_what(store):
    uid = store.add_upload(upload(b"a", ("C1", "members", "2016Q1", 1, False)))
    store.withdraw([uid], "admin", "wrong file")
    store.restore([uid], "admin2", "right after all")
    store.add_plan("2016-2020", "十三五规划", "13th plan", "2016Q1", "2020Q4", "2015Q4", "admin")
    store.set_targets("2016-2020", [GOAL], "admin")
    store.audit("admin", "custom.action", {"note": "中文"})
    assert actions(store) == ["units.add", "upload.commit", "upload.withdraw", "upload.restore", "plan.add",
                              "targets.set", "custom.action"]
    log = store.audit_log()
    assert log.loc[log["action"] == "upload.restore", "actor"].item() == "admin2"
    assert "wrong file" in log.loc[log["action"] == "upload.withdraw", "detail"].item()
    assert "中文" in log.loc[log["action"] == "custom.action", "detail"].item()


def test_nothing_is_ever_deleted(store):
    history = [row_counts(store)]
    uid = store.add_upload(upload(b"a", ("C1", "members", "2016Q1", 1, False)))
    history.append(row_counts(store))
    store.add_upload(upload(b"b", ("C1", "members", "2016Q1", 2, False), is_example=True))
    history.append(row_counts(store))
    store.withdraw([uid], "admin")
    history.append(row_counts(store))
    store.remove_example_data("admin")
    history.append(row_counts(store))
    store.restore([uid], "admin")
    history.append(row_counts(store))
    store.add_plan("p", "规划", "plan", "2016Q1", "2020Q4", "2015Q4", "admin")
    store.set_targets("p", [GOAL], "admin")
    store.set_targets("p", [{**GOAL, "active": False}], "admin")
    history.append(row_counts(store))
    for before, after in zip(history, history[1:]):
        # the roll-up tables (issue 12) are derived from the records and rewritten as they change
        assert all(after[t] >= before[t] for t in before if t not in schema.SUMMARY_TABLES), (before, after)
    assert history[-1]["observations"] == 2 and history[-1]["uploads"] == 2
    assert history[-1]["targets"] == 2


def test_two_sessions_writing_at_once_both_succeed(db_url):
    """Two app sessions (separate engines) upload at the same time: nothing is lost or half-written."""
    from concurrent.futures import ThreadPoolExecutor

    stores = [open_store(db_url), open_store(db_url)]

    def work(n: int) -> list[int]:
        st = stores[n]
        return [st.add_upload(upload(f"s{n}-{i}".encode(), (f"C{n + 1}", "members", "2016Q1", 10 * i + n, False),
                                     ("F", "events", f"2016Q{i % 4 + 1}", i, False)))
                for i in range(8)]

    with ThreadPoolExecutor(2) as pool:
        ids = [i for chunk in pool.map(work, [0, 1]) for i in chunk]
    assert len(set(ids)) == 16
    check = open_store(db_url)
    assert len(check.uploads()) == 16 and len(check.observations()) == 32
    assert (check.audit_log()["action"] == "upload.commit").sum() == 16
    for st in (*stores, check):
        st.engine.dispose()


def test_same_file_sent_by_two_sessions_at_once_is_stored_once(db_url):
    """The duplicate check runs inside the write transaction, so a race cannot store it twice."""
    from concurrent.futures import ThreadPoolExecutor

    from store.db import DuplicateUpload

    stores = [open_store(db_url) for _ in range(4)]
    same = upload(b"the same bytes", ("C1", "members", "2016Q1", 5, False))

    def send(n: int) -> str:
        try:
            stores[n].add_upload(same)
            return "stored"
        except DuplicateUpload:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(send, range(4)))
    assert outcomes == ["refused", "refused", "refused", "stored"]
    assert len(stores[0].uploads()) == 1 and len(stores[0].observations()) == 1
    for st in stores:
        st.engine.dispose()


def test_units_a_refused_upload_brings_are_not_left_behind(store):
    """New units travel with their upload in one transaction: a refused upload adds none."""
    from store.db import DuplicateUpload

    store.add_upload(upload(b"same", ("C1", "members", "2016Q1", 5, False)))
    units_before = len(store.units())
    newcomer = pd.DataFrame({"code": ["N1"], "name_zh": ["新单位"], "parent": ["F"], "level": ["community"]})
    again = upload(b"same", ("N1", "members", "2016Q1", 1, False))
    with pytest.raises(DuplicateUpload):
        store.add_upload(NewUpload(again.filename, again.raw, again.uploader, again.values, again.period,
                                   new_units=newcomer))
    assert len(store.units()) == units_before
    fresh = upload(b"other", ("N1", "members", "2016Q1", 1, False))
    store.add_upload(NewUpload(fresh.filename, fresh.raw, fresh.uploader, fresh.values, fresh.period,
                               new_units=newcomer))
    assert "N1" in set(store.units()["code"])


def test_restoring_an_upload_whose_file_was_imported_again_is_refused(store):
    """Withdraw a file, import the same bytes again, then try to restore the first: refused
    (one file counts once), nothing changes; after withdrawing the second, the first restores."""
    from store.db import SameFileActive

    raw = b"the same bytes twice"
    first = store.add_upload(upload(raw, ("C1", "members", "2016Q1", 100, False)))
    store.withdraw([first], "admin", "wrong quarter")
    second = store.add_upload(upload(raw, ("C1", "members", "2016Q1", 100, False), name="again.xlsx"))
    events = len(store.audit_log())
    with pytest.raises(SameFileActive) as refused:
        store.restore([first], "admin", "undo")
    assert (refused.value.restoring, refused.value.upload_id) == (first, second)
    assert store.active_upload_ids() == {second} and len(store.audit_log()) == events
    active = store.uploads().query("status == 'active'")
    assert active["sha256"].is_unique
    store.withdraw([second], "admin", "keep the first")
    store.restore([first], "admin", "undo")
    assert store.active_upload_ids() == {first} and counted(store) == 100
    store.withdraw([first], "admin")
    with pytest.raises(SameFileActive):  # two withdrawn copies restored at once: refused, neither counts
        store.restore([first, second], "admin")
    assert store.active_upload_ids() == set()


def test_every_write_goes_through_store_write():
    """On SQLite only ``Store.write`` takes the write lock up front (BEGIN IMMEDIATE); a plain
    ``engine.begin()`` would start a deferred transaction that can fail half-way with
    "database is locked". Reads and writes in the app and library code use Store.read/write."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    skip = {".venv", "tests", "benchmarks"}
    uses = []
    for path in sorted(root.rglob("*.py")):
        if skip & set(path.relative_to(root).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)] + [tree]:
            for node in ast.walk(func):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("begin", "connect") and isinstance(node.func.value, ast.Attribute)
                        and node.func.value.attr == "engine"):
                    uses.append((str(path.relative_to(root)), getattr(func, "name", "<module>"), node.lineno))
    outside = {(p, line) for p, f, line in uses} - {(p, line) for p, f, line in uses
                                                      if (p, f) in {("store/db.py", "read"), ("store/db.py", "write")}}
    assert not outside, f"engine.begin()/connect() outside Store.read/write: {sorted(outside)}"
    assert len({line for p, f, line in uses if p == "store/db.py"}) == 2  # the two in read() and write()
