"""Units' reporting spans in the store (active_from, active_until, merged_into): round trip on
SQLite and PostgreSQL, audited changes, and an older database gaining the columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from store.db import open_store

TREE = pd.DataFrame({"code": ["F", "A", "B"], "name_zh": ["总工会", "甲", "乙"], "parent": ["", "F", "F"],
                     "level": ["federation", "community", "community"],
                     "active_from": ["", "", "2018Q1"], "active_until": ["", "2017Q4", ""],
                     "merged_into": ["", "B", ""]})


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_unit_spans_round_trip_and_changes_are_audited(db, sqlite_url, request):
    url = sqlite_url if db == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    store.add_units(TREE)
    units = store.units().set_index("code")
    assert units.loc["A", ["active_from", "active_until", "merged_into"]].tolist() == ["", "2017Q4", "B"]
    assert units.loc["B", "active_from"] == "2018Q1" and units.loc["F", "merged_into"] == ""
    store.set_unit_span("B", active_from="2017Q3", actor="admin")
    assert store.units().set_index("code").loc["B", "active_from"] == "2017Q3"
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT actor, action, detail FROM audit_log WHERE action = 'units.span'")).all()
    assert rows and rows[-1][0] == "admin"
    detail = json.loads(rows[-1][2])
    assert detail["old"]["active_from"] == "2018Q1" and detail["new"]["active_from"] == "2017Q3"
    with pytest.raises(KeyError):
        store.set_unit_span("NOPE", active_until="2019Q4")
    store.engine.dispose()


def test_an_older_database_gains_the_span_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the units table as first released
        conn.exec_driver_sql("CREATE TABLE units (code VARCHAR(64) PRIMARY KEY, name_zh VARCHAR(200) NOT NULL, "
                             "name_en VARCHAR(200) NOT NULL DEFAULT '', parent VARCHAR(64), level VARCHAR(20) NOT NULL, "
                             "is_example BOOLEAN NOT NULL DEFAULT 0, created_at DATETIME NOT NULL)")
        conn.exec_driver_sql("INSERT INTO units VALUES ('F', '总工会', '', NULL, 'federation', 0, '2020-01-01')")
    engine.dispose()
    store = open_store(url)
    units = store.units()
    assert units[["code", "active_from", "active_until", "merged_into"]].values.tolist() == [["F", "", "", ""]]
    store.set_unit_span("F", active_from="2011Q1")
    assert store.units()["active_from"].tolist() == ["2011Q1"]
    store.engine.dispose()
