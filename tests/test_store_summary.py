"""The roll-ups kept in the database (issue 12) equal a plain recomputation.

A property test: random sequences of uploads, re-uploads, withdrawals, restores, unit closures,
merges and new units on a small random org tree; after every step ``store.summary.check`` is
clean, i.e. every unit's ``unit_summary`` rows equal :func:`metrics.rollup.quarterly` (and its
``unit_coverage`` rows :func:`metrics.rollup.coverage`) on the full frame of current values,
``current_values`` equals :func:`metrics.rollup.current`, and ``unit_closure`` the tree. On
SQLite and PostgreSQL. Plus the commands ``python -m store.summary rebuild|check``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import rollup
from store import schema, summary
from store.db import NewUpload, open_store

ROOT = Path(__file__).resolve().parents[1]
QUARTERS = [f"{y}Q{q}" for y in (2016, 2017) for q in (1, 2, 3, 4)]
# a stock rate (members / employees), a flow rate (completed / assigned), a plain flow, a stock
INDICATORS = ["members", "employees", "cadre_training_completed", "cadre_training_assigned",
              "disputes_mediated", "member_cards"]

value = st.one_of(st.integers(0, 40).map(float), st.sampled_from([0.5, 12.25, 1e6]))
upload_step = st.tuples(
    st.just("upload"),
    st.lists(st.integers(0, 20), min_size=1, max_size=4, unique=True),  # units (by index)
    st.lists(st.sampled_from(QUARTERS), min_size=1, max_size=2, unique=True),
    st.lists(st.tuples(st.sampled_from(INDICATORS), value, st.booleans()), min_size=1, max_size=5),
)
other_step = st.one_of(
    st.tuples(st.just("withdraw"), st.integers(0, 20)),
    st.tuples(st.just("restore"), st.integers(0, 20)),
    st.tuples(st.just("close"), st.integers(0, 20), st.sampled_from(QUARTERS)),
    st.tuples(st.just("merge"), st.integers(0, 20), st.integers(0, 20), st.sampled_from(QUARTERS)),
    st.tuples(st.just("reopen"), st.integers(0, 20)),
    st.tuples(st.just("start"), st.integers(0, 20), st.sampled_from(QUARTERS)),
    st.tuples(st.just("add"), st.integers(0, 20)),
)
# a few uploads first, then half uploads (re-uploads), half everything else
steps = st.tuples(st.lists(upload_step, min_size=1, max_size=3),
                  st.lists(st.one_of(upload_step, other_step), max_size=6)).map(lambda t: t[0] + t[1])
trees = st.lists(st.integers(0, 3), min_size=1, max_size=3)  # enterprises under each community


def _tree(shape: list[int]) -> pd.DataFrame:
    rows = [("F", "", "federation")]
    for c, n in enumerate(shape):
        rows.append((f"C{c}", "F", "community"))
        rows += [(f"E{c}{e}", f"C{c}", "enterprise") for e in range(n)]
    frame = pd.DataFrame(rows, columns=["code", "parent", "level"])
    return frame.assign(name_zh=frame["code"] + "名", name_en=frame["code"])


def _apply(store, step, n: list[int]) -> None:
    units = store.units()
    codes = units["code"].tolist()
    kind = step[0]
    if kind == "upload":
        _, picks, quarters, cells = step
        rows = {(codes[i % len(codes)], ind, q): (v, a) for i in picks for q in quarters for ind, v, a in cells}
        values = pd.DataFrame([(u, ind, q, v, a) for (u, ind, q), (v, a) in rows.items()],
                              columns=["unit", "indicator", "period", "value", "approximate"])
        n[0] += 1
        store.add_upload(NewUpload(f"f{n[0]}.xlsx", f"file {n[0]}".encode(), "clerk", values, quarters[0]))
    elif kind in ("withdraw", "restore"):
        ups = store.uploads()
        pool = ups[ups["status"] == ("active" if kind == "withdraw" else "withdrawn")]["id"].tolist()
        if pool:
            (store.withdraw if kind == "withdraw" else store.restore)([pool[step[1] % len(pool)]], "admin")
    elif kind == "close":
        code = codes[step[1] % len(codes)]
        store.set_unit_span(code, "", step[2], "", actor="admin")
    elif kind == "merge":
        code, into = codes[step[1] % len(codes)], codes[step[2] % len(codes)]
        if code != into:
            store.set_unit_span(code, "", step[3], into, actor="admin")
            store.set_unit_span(code, "", "", into, actor="admin") if step[1] % 2 else None  # merged, open end
    elif kind == "reopen":
        store.set_unit_span(codes[step[1] % len(codes)], "", "", "", actor="admin")
    elif kind == "start":
        store.set_unit_span(codes[step[1] % len(codes)], step[2], "", "", actor="admin")
    elif kind == "add":
        parent = codes[step[1] % len(codes)]
        n[0] += 1
        store.add_units(pd.DataFrame([{"code": f"N{n[0]}", "name_zh": f"新{n[0]}", "name_en": "", "parent": parent,
                                       "level": "enterprise"}]))


def _run(url: str, shape: list[int], sequence: list) -> None:
    store = open_store(url)
    try:
        store.add_units(_tree(shape))
        assert summary.check(store) == []
        n = [0]
        for step in sequence:
            _apply(store, step, n)
            problems = summary.check(store)
            assert problems == [], (step, problems[:5])
        # and literally: each unit's stored rows equal rollup.quarterly on the whole frame
        full = rollup.current(store.observations())
        units = store.units()
        for code in units["code"]:
            want = rollup.quarterly(full, units, __import__("resources").catalog(), code)
            got = store.unit_quarterly(code)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                          check_dtype=False, rtol=1e-9)
    finally:
        store.engine.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=trees, sequence=steps)
def test_summary_equals_recomputation_after_any_writes_sqlite(shape, sequence):
    with tempfile.TemporaryDirectory() as tmp:
        _run(f"sqlite:///{Path(tmp) / 'u.sqlite'}", shape, sequence)


@pytest.mark.postgres
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shape=trees, sequence=steps)
def test_summary_equals_recomputation_after_any_writes_postgres(pg_url, shape, sequence):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # a fresh, empty database for each example
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    _run(pg_url, shape, sequence)


def test_rebuild_and_check_commands(example_url):
    """``check`` is clean on the example data; after the summary is damaged it exits 1 naming
    the cell; ``rebuild`` repairs it."""
    cmd = [sys.executable, "-m", "store.summary"]
    ok = subprocess.run([*cmd, "check", "--db", example_url, "--json"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout) == {"ok": True, "differences": []}
    engine = sa.create_engine(example_url)
    with engine.begin() as conn:
        conn.execute(sa.update(schema.unit_summary).where(schema.unit_summary.c.indicator == "members")
                     .values(value=schema.unit_summary.c.value + 1))
    engine.dispose()
    bad = subprocess.run([*cmd, "check", "--db", example_url, "--json"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    found = json.loads(bad.stdout)
    assert not found["ok"] and any(d["table"] == "unit_summary" and d["indicator"] == "members"
                                   for d in found["differences"])
    fixed = subprocess.run([*cmd, "rebuild", "--db", example_url], capture_output=True, text=True, cwd=ROOT)
    assert fixed.returncode == 0, fixed.stderr
    again = subprocess.run([*cmd, "check", "--db", example_url], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stdout


def test_an_older_database_gets_its_summary_built_by_the_upgrade(tmp_path):
    """A database at the revision before issue 12 (0004: no roll-up tables) with data is
    summarised by migration 0005 when the app opens it."""
    from store import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = open_store(url)
    store.add_units(_tree([2]))
    store.add_upload(NewUpload("a.xlsx", b"a", "clerk", pd.DataFrame(
        [("E00", "members", "2016Q1", 5.0, False), ("E01", "members", "2016Q2", 7.0, True)],
        columns=["unit", "indicator", "period", "value", "approximate"]), "2016Q1"))
    migrate.downgrade(store, "0004")
    assert not set(schema.SUMMARY_TABLES) & set(sa.inspect(store.engine).get_table_names())
    store.engine.dispose()
    store = open_store(url)
    assert summary.check(store) == []
    q = store.unit_quarterly("F")
    assert q.loc[(q["indicator"] == "members") & (q["period"] == "2016Q2"), "value"].tolist() == [12.0]
    store.engine.dispose()


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_the_example_data_loads_in_one_transaction_with_its_roll_ups_whole(db, sqlite_url, request):
    """The example's 28 files go in as one write (rolled up once, not 28 times); a batch with
    a file that cannot be stored is refused whole and leaves the database as it was."""
    import bootstrap

    store = open_store(request.getfixturevalue("pg_url") if db == "postgres" else sqlite_url)
    assert bootstrap.ensure_example_data(store)
    assert len(store.uploads()) == 28 and summary.check(store) == []
    fed = store.unit_quarterly(rollup.root_unit(store.units()))
    assert set(fed["period"]) == set(store.quarters()) and fed["n_units"].max() == 84
    before = store.unit_quarterly("C01")

    first = store.uploads().iloc[-1]
    fresh = NewUpload("new.xlsx", b"new bytes", "t", pd.DataFrame(
        {"unit": ["C01"], "indicator": ["members"], "period": ["2021Q1"], "value": [1.0], "approximate": [False]}),
        "2021Q1")
    again = NewUpload("again.xlsx", store.upload_raw(int(first["id"])), "t", fresh.values, "2021Q1")
    with pytest.raises(Exception):
        store.add_uploads([fresh, again])  # the second is the same bytes as a stored file
    assert len(store.uploads()) == 28 and "2021Q1" not in store.quarters()
    pd.testing.assert_frame_equal(store.unit_quarterly("C01"), before)
    assert summary.check(store) == []
