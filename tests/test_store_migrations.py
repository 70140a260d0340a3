"""Schema migrations (store/migrations, Alembic): a new database, a database made by the schema
of before migrations (commit 126dfb1) with data in it, and several processes starting at once
all end at the newest revision, equal to store/schema.py, with nothing lost; on SQLite and on
PostgreSQL."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store import migrate
from store import schema as s
from store.db import Store, make_engine, open_store

ROOT = Path(__file__).resolve().parents[1]
OLD_SCHEMA = ROOT / "tests" / "data" / "schema" / "schema_126dfb1.py"
# the last release before migrations (create_all, then ALTER TABLE on start for later columns)
RELEASED_SCHEMA = ROOT / "tests" / "data" / "schema" / "schema_4726bd9.py"
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'union.sqlite'}"
    return request.getfixturevalue("pg_url")


def old_metadata(path: Path = OLD_SCHEMA) -> sa.MetaData:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.metadata


def differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), s.metadata)


def revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return migrate.current(conn)


def make_old_database(url: str) -> None:
    """A database as the release before migrations made it (create_all of the 126dfb1 schema),
    with a unit, an upload with a value, a withdrawal, a plan, a target, a user and an audit row."""
    engine = make_engine(url)
    old = old_metadata()
    old.create_all(engine)
    t = old.tables
    with engine.begin() as conn:
        conn.execute(sa.insert(t["units"]), [
            {"code": "F", "name_zh": "街道总工会", "level": "federation", "created_at": NOW},
            {"code": "C01", "name_zh": "一社区", "parent": "F", "level": "community", "created_at": NOW}])
        conn.execute(sa.insert(t["uploads"]).values(
            id=1, filename="2016Q1.xlsx", sha256="ab" * 32, size=3, uploader="李填报", uploaded_at=NOW,
            period="2016Q1", n_values=1, raw=b"xyz"))
        conn.execute(sa.insert(t["observations"]).values(
            upload_id=1, unit="C01", indicator="members", period="2016Q1", value=7167.0, approximate=True))
        conn.execute(sa.insert(t["upload_events"]).values(upload_id=1, action="withdraw", actor="admin", at=NOW))
        conn.execute(sa.insert(t["plans"]).values(
            code="2016-2020", name_zh="十三五", start_period="2016Q1", end_period="2020Q4", base_period="2015Q4",
            created_by="admin", created_at=NOW))
        conn.execute(sa.insert(t["targets"]).values(
            plan="2016-2020", indicator="members", target_type="level", target_value=9000.0, changed_by="admin",
            changed_at=NOW))
        conn.execute(sa.insert(t["users"]).values(
            username="wang", display_name="王主席", role="admin", password_hash="$argon2id$x", created_at=NOW))
        conn.execute(sa.insert(t["audit_log"]).values(at=NOW, actor="admin", action="plan.add", detail="{}"))
    engine.dispose()


def test_a_new_database_is_built_by_the_migrations_and_equals_the_schema(db_url):
    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        assert store.users().empty and store.is_empty()
    finally:
        store.engine.dispose()


def test_a_database_from_before_migrations_is_upgraded_keeping_its_data(db_url):
    make_old_database(db_url)
    engine = make_engine(db_url)
    assert differences(engine), "the old schema should differ from today's"
    engine.dispose()

    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        user = store.user("wang")
        assert user["display_name"] == "王主席" and user["active"] is True and user["session_epoch"] == 0
        assert user["password_hash"] == "$argon2id$x"
        assert sorted(store.units()["code"]) == ["C01", "F"]
        uploads = store.uploads()
        assert uploads["filename"].tolist() == ["2016Q1.xlsx"] and uploads["status"].tolist() == ["withdrawn"]
        obs = store.observations(include_withdrawn=True)
        assert obs["value"].tolist() == [7167.0] and obs["approximate"].tolist() == [True]
        assert store.targets("2016-2020")["target_value"].tolist() == [9000.0]
        assert len(store.audit_log()) == 1
        # what came with the new revision works on the upgraded database
        store.update_user("wang", "admin", active=False)
        assert store.user("wang")["active"] is False and store.user("wang")["session_epoch"] == 1
        assert store.sign_in_failed("name:wang", NOW, 5, NOW - NOW) is None
    finally:
        store.engine.dispose()


def test_a_database_upgraded_by_hand_before_migrations_is_adopted(db_url):
    """The releases between 126dfb1 and migrations added the user columns and the failures table
    on start: such a database already has them and is stamped, not altered twice."""
    engine = make_engine(db_url)
    s.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(s.users).values(username="li", display_name="李", role="clerk",
                                               password_hash="h", created_at=NOW, active=False, session_epoch=4))
    engine.dispose()
    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        assert store.user("li")["active"] is False and store.user("li")["session_epoch"] == 4
    finally:
        store.engine.dispose()


def test_the_newest_revision_is_the_one_alembic_finds():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    assert migrate.head() == script.get_current_head() and len(script.get_heads()) == 1
    assert [r.revision for r in script.walk_revisions()][::-1] == sorted(
        p.name.split("_", 1)[0] for p in (migrate.MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def test_opening_a_database_at_the_newest_revision_changes_nothing(db_url):
    open_store(db_url).engine.dispose()
    store = Store(make_engine(db_url))
    try:
        assert migrate.upgrade(store) == migrate.head()  # already there: nothing run
    finally:
        store.engine.dispose()


STARTER = """
import sys
from store.db import open_store
store = open_store(sys.argv[1])
print(len(store.users()), flush=True)
"""


def test_several_processes_starting_at_once_on_a_new_database_all_open_it(db_url):
    procs = [subprocess.Popen([sys.executable, "-c", STARTER, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0, 0, 0], [r[2][-2000:] for r in results]
    assert [r[1].strip() for r in results] == ["0"] * 4
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.head()]
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_the_baseline_and_upgrade_again_keeps_the_users(db_url):
    make_old_database(db_url)
    store = open_store(db_url)
    try:
        migrate.downgrade(store, migrate.BASELINE)
        assert revision(store.engine) == migrate.BASELINE
        with store.read() as conn:
            assert "active" not in {c["name"] for c in sa.inspect(conn).get_columns("users")}
            assert not sa.inspect(conn).has_table("sign_in_failures")
        migrate.upgrade(store)
        assert differences(store.engine) == [] and store.user("wang")["display_name"] == "王主席"
    finally:
        store.engine.dispose()


def test_the_migrate_command_reports_and_upgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env_run = [sys.executable, "-m", "store.migrate", "--db", url]
    make_old_database(url)
    out = subprocess.run([*env_run, "current"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"current: (none)  newest: {migrate.head()}"
    out = subprocess.run([*env_run, "upgrade"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"current: {migrate.head()}  newest: {migrate.head()}"
    out = subprocess.run([*env_run, "downgrade", "0001"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"current: 0001  newest: {migrate.head()}"


# ---- 0003: unit spans, clerks' units, reviews, deadlines, unit aliases (issues 9 and 10) ----


def fill_release_tables(conn: sa.Connection, t) -> None:
    """Rows in what the release before migrations added: unit spans, a clerk's units, a review
    that locks a quarter, a deadline, an alias of a renamed unit."""
    conn.execute(sa.update(t["units"]).where(t["units"].c.code == "C01").values(
        active_from="2016Q1", active_until="2019Q4", merged_into="F"))
    conn.execute(sa.insert(t["users"]).values(username="li", display_name="李填报", role="clerk",
                                               password_hash="h", created_at=NOW, active=True, session_epoch=2))
    conn.execute(sa.insert(t["user_units"]).values(username="li", unit="C01"))
    conn.execute(sa.insert(t["reviews"]).values(unit="C01", period="2016Q1", action="approve", comment="",
                                                 actor="wang", at=NOW))
    conn.execute(sa.insert(t["deadlines"]).values(period="2016Q1", deadline=NOW.date(), changed_by="wang",
                                                   changed_at=NOW))
    conn.execute(sa.insert(t["unit_aliases"]).values(unit="C01", name="旧一社区", until=NOW))


def check_release_data(store: Store) -> None:
    """Everything fill_release_tables and make_old_database stored is there, and works."""
    import pandas as pd

    units = store.units().set_index("code")
    assert units.loc["C01", ["active_from", "active_until", "merged_into"]].tolist() == ["2016Q1", "2019Q4", "F"]
    assert units.loc["F", ["active_from", "active_until", "merged_into"]].tolist() == ["", "", ""]
    assert store.user_units("li")["unit"].tolist() == ["C01"]
    assert store.user("li")["session_epoch"] == 2 and store.user("wang")["password_hash"] == "$argon2id$x"
    assert store.reviews()[["unit", "period", "action"]].values.tolist() == [["C01", "2016Q1", "approve"]]
    assert store.locked(pd.DataFrame({"unit": ["C01"], "period": ["2016Q1"]})) == [("C01", "2016Q1")]
    assert store.deadlines() == {"2016Q1": NOW.date()}
    assert store.unit_aliases()["name"].tolist() == ["旧一社区"]
    assert store.observations(include_withdrawn=True)["value"].tolist() == [7167.0]
    assert store.targets("2016-2020")["target_value"].tolist() == [9000.0]


def test_a_database_made_by_the_release_before_migrations_upgrades_on_start_keeping_everything(db_url):
    """What an office runs today: tables made by create_all (schema 4726bd9, every table and
    column already there), no alembic_version. Opening it stamps it at the newest revision."""
    make_old_database(db_url)  # the issue-8 tables with data, then the release's create_all on top
    engine = make_engine(db_url)
    released = old_metadata(RELEASED_SCHEMA)
    with engine.begin() as conn:
        for name, length in (("active_from", 10), ("active_until", 10), ("merged_into", 64)):  # its ALTERs
            conn.exec_driver_sql(f"ALTER TABLE units ADD COLUMN {name} VARCHAR({length})")
        true = "1" if conn.dialect.name == "sqlite" else "TRUE"
        conn.exec_driver_sql(f"ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT {true}")
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0")
        released.create_all(conn, checkfirst=True)
        fill_release_tables(conn, released.tables)
        assert not sa.inspect(conn).has_table("alembic_version")
    engine.dispose()

    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        check_release_data(store)
    finally:
        store.engine.dispose()


def test_a_database_created_fresh_by_the_release_before_migrations_is_stamped(db_url):
    engine = make_engine(db_url)
    released = old_metadata(RELEASED_SCHEMA)
    released.create_all(engine)
    with engine.begin() as conn:
        t = released.tables
        conn.execute(sa.insert(t["units"]), [
            {"code": "F", "name_zh": "街道总工会", "level": "federation", "created_at": NOW},
            {"code": "C01", "name_zh": "一社区", "parent": "F", "level": "community", "created_at": NOW}])
        conn.execute(sa.insert(t["uploads"]).values(
            id=1, filename="2016Q1.xlsx", sha256="ab" * 32, size=3, uploader="李填报", uploaded_at=NOW,
            period="2016Q1", n_values=1, raw=b"xyz"))
        conn.execute(sa.insert(t["observations"]).values(
            upload_id=1, unit="C01", indicator="members", period="2016Q1", value=7167.0, approximate=True))
        conn.execute(sa.insert(t["plans"]).values(
            code="2016-2020", name_zh="十三五", start_period="2016Q1", end_period="2020Q4", base_period="2015Q4",
            created_by="admin", created_at=NOW))
        conn.execute(sa.insert(t["targets"]).values(
            plan="2016-2020", indicator="members", target_type="level", target_value=9000.0, changed_by="admin",
            changed_at=NOW))
        conn.execute(sa.insert(t["users"]).values(
            username="wang", display_name="王主席", role="admin", password_hash="$argon2id$x", created_at=NOW))
        fill_release_tables(conn, t)
    engine.dispose()

    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        check_release_data(store)
    finally:
        store.engine.dispose()


def test_a_database_at_0002_with_data_is_upgraded_to_the_newest_keeping_it(db_url):
    store = Store(make_engine(db_url))
    try:
        migrate.upgrade(store, "0002")
        assert revision(store.engine) == "0002"
        with store.read() as conn:
            assert "active_from" not in {c["name"] for c in sa.inspect(conn).get_columns("units")}
            assert not sa.inspect(conn).has_table("reviews")
        t = sa.MetaData()
        t.reflect(store.engine)
        with store.engine.begin() as conn:
            conn.execute(sa.insert(t.tables["units"]), [
                {"code": "F", "name_zh": "街道总工会", "level": "federation", "created_at": NOW},
                {"code": "C01", "name_zh": "一社区", "parent": "F", "level": "community", "created_at": NOW}])
            conn.execute(sa.insert(t.tables["users"]).values(
                username="li", display_name="李填报", role="clerk", password_hash="h", created_at=NOW,
                active=False, session_epoch=3))
            conn.execute(sa.insert(t.tables["uploads"]).values(
                id=1, filename="2016Q1.xlsx", sha256="ab" * 32, size=3, uploader="li", uploaded_at=NOW,
                period="2016Q1", n_values=1, raw=b"xyz"))
            conn.execute(sa.insert(t.tables["observations"]).values(
                upload_id=1, unit="C01", indicator="members", period="2016Q1", value=7167.0, approximate=False))
    finally:
        store.engine.dispose()

    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head()
        assert differences(store.engine) == []
        assert store.units().set_index("code").loc["C01", "active_from"] == ""
        user = store.user("li")
        assert user["active"] is False and user["session_epoch"] == 3
        assert store.observations()["value"].tolist() == [7167.0]
        # what 0003 brought works on the upgraded data
        store.set_unit_span("C01", "2016Q1", "2019Q4", "F", actor="wang")
        store.set_user_units("li", ["C01"], actor="wang")
        store.rename_unit("C01", "新一社区", actor="wang")
        assert store.review(["C01"], "2016Q1", "approve", actor="wang") == 1
        assert store.units().set_index("code").loc["C01", "active_until"] == "2019Q4"
        assert store.user_units("li")["unit"].tolist() == ["C01"]
        assert store.unit_aliases()["name"].tolist() == ["一社区"]
    finally:
        store.engine.dispose()


def test_the_schema_check_fails_for_a_table_added_to_schema_py_without_a_migration(db_url):
    """The check the other tests make (Alembic's autogenerate comparison of store/schema.py with
    the migrated database) notices a table, and a column, that no migration makes."""
    store = open_store(db_url)
    try:
        later = sa.MetaData()
        for table in s.metadata.sorted_tables:
            table.to_metadata(later)
        sa.Table("unit_totals", later, sa.Column("unit", sa.String(64), primary_key=True))
        later.tables["units"].append_column(sa.Column("note", sa.Text, nullable=True))
        with store.engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), later)
        assert ("add_table", "unit_totals") in [(d[0], d[1].name) for d in found if d[0] == "add_table"]
        assert [(d[0], d[2], d[3].name) for d in found if d[0] == "add_column"] == [("add_column", "units", "note")]
    finally:
        store.engine.dispose()


def test_downgrade_from_the_newest_to_0002_removes_what_0003_added_and_upgrading_again_restores_it(db_url):
    store = open_store(db_url)
    try:
        migrate.downgrade(store, "0002")
        with store.read() as conn:
            inspector = sa.inspect(conn)
            assert not {"user_units", "reviews", "deadlines", "unit_aliases"} & set(inspector.get_table_names())
            assert "merged_into" not in {c["name"] for c in inspector.get_columns("units")}
        migrate.upgrade(store)
        assert revision(store.engine) == migrate.head() and differences(store.engine) == []
    finally:
        store.engine.dispose()


def test_the_revision_command_drafts_the_next_migration_for_a_table_added_to_schema_py(tmp_path, monkeypatch):
    """What a developer does to add a table: define it in schema.py, run
    ``python -m store.migrate revision "…"``; the drafted file, chained on the head, builds it."""
    import shutil

    versions = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, versions, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", versions)
    before = migrate.head()
    table = sa.Table("unit_totals_draft", s.metadata, sa.Column("unit", sa.String(64), primary_key=True),
                     sa.Column("total", sa.Float, nullable=False))
    try:
        path = migrate.new_revision("unit totals draft")
        assert path.parent == versions / "versions" and path.name.startswith(f"{int(before) + 1:04d}_unit_totals")
        text = path.read_text(encoding="utf-8")
        assert f"down_revision = {before!r}" in text and "create_table('unit_totals_draft'" in text
        assert migrate.head() == f"{int(before) + 1:04d}"
        store = open_store(f"sqlite:///{tmp_path / 'new.sqlite'}")
        try:
            assert revision(store.engine) == migrate.head() and differences(store.engine) == []
        finally:
            store.engine.dispose()
    finally:
        s.metadata.remove(table)


# ---- 0004: clerks' requests for units their uploads name (issue 10) ----------------------------


def test_a_database_at_0003_with_data_gains_unit_requests_and_downgrading_removes_only_them(db_url):
    store = Store(make_engine(db_url))
    try:
        migrate.upgrade(store, "0003")
        assert revision(store.engine) == "0003"
        with store.read() as conn:
            assert not sa.inspect(conn).has_table("unit_requests")
        t = sa.MetaData()
        t.reflect(store.engine)
        with store.engine.begin() as conn:
            conn.execute(sa.insert(t.tables["units"]), [
                {"code": "F", "name_zh": "街道总工会", "level": "federation", "created_at": NOW},
                {"code": "C01", "name_zh": "一社区", "parent": "F", "level": "community", "created_at": NOW}])
            conn.execute(sa.insert(t.tables["users"]).values(
                username="li", display_name="李填报", role="clerk", password_hash="h", created_at=NOW))
            conn.execute(sa.insert(t.tables["user_units"]).values(username="li", unit="C01"))
    finally:
        store.engine.dispose()

    store = open_store(db_url)
    try:
        assert revision(store.engine) == migrate.head() and differences(store.engine) == []
        assert store.user_units("li")["unit"].tolist() == ["C01"]
        rid, new = store.add_unit_request("新材料公司工会", "新材料", "C01", "一社区.xlsx", "li")
        code = store.confirm_unit_request(rid, {"name_zh": "新材料公司工会", "parent": "C01", "level": "enterprise"},
                                          ["新材料"], "admin")
        assert new and store.unit_requests().iloc[0]["unit"] == code
        migrate.downgrade(store, "0003")
        with store.read() as conn:
            assert not sa.inspect(conn).has_table("unit_requests")
        assert code in set(store.units()["code"])  # the unit it created stays
        migrate.upgrade(store)
        assert revision(store.engine) == migrate.head() and differences(store.engine) == []
    finally:
        store.engine.dispose()
