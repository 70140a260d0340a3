"""The uploads behind each unit's subtree (issue 12, item 4: the congress report under 10 s):
the table ``subtree_uploads(ancestor, indicator, period, upload_id)`` holds, for every unit with
units below it, each indicator, quarter and upload such that a unit strictly below it has a
current value (``current_values``) of that indicator and quarter from that upload.

The report's trace lists, for each unit directly below the report's unit, the uploads whose
values count in that child's part of a figure: the child's own current values and this table's
rows of the child (:meth:`reports.frames.StoreFrames.trace`). Found by joining the closure with
``current_values`` it read every stored value of the district (6 s of CPU at 22,001 units);
from here it reads a few rows per child.

Kept inside the same writes as the other roll-up tables (:mod:`store.summary`): after the
current values of some units' quarters change (an upload, a withdrawal, a restore, removing the
example data) the rows of every unit above them are written again for those quarters
(:func:`refresh`), bottom-up: a unit's rows are its children's own current values and its
children's rows (``rows(A) = ∪ over children c: own(c) ∪ rows(c)``), so each level reads what is
directly below it, never the whole subtree. New units (no values yet, or values stored before
the unit was known) refresh their ancestors over every quarter. ``python -m store.summary
rebuild`` writes it again, ``check`` compares it with a recomputation from the stored values
(:func:`expected`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from store import schema as s

CHUNK = 500
COLUMNS = ["ancestor", "indicator", "period", "upload_id"]


def present(conn: sa.Connection) -> bool:
    """Whether the table exists (code of a later revision can run on a database at 0005 or
    0006, e.g. inside an earlier migration's rebuild)."""
    return sa.inspect(conn).has_table(s.subtree_uploads.name)


def _chunks(items: Iterable[str]) -> list[list[str]]:
    items = sorted(set(items))
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _depths(conn: sa.Connection, codes: Iterable[str]) -> dict[str, int]:
    """Each of ``codes`` with its depth from the root (the number of units above it: 0 for a
    root), from the closure table."""
    cl = s.unit_closure
    depth: dict[str, int] = {}
    for chunk in _chunks(codes):
        depth.update(conn.execute(sa.select(cl.c.descendant, sa.func.max(cl.c.depth))
                                  .where(cl.c.descendant.in_(chunk)).group_by(cl.c.descendant)).all())
    return {code: int(depth.get(code, 0)) for code in set(codes)}


def _above(conn: sa.Connection, codes: Iterable[str]) -> dict[str, int]:
    """The units strictly above ``codes``, each with its depth (:func:`_depths`)."""
    cl = s.unit_closure
    found: set[str] = set()
    for chunk in _chunks(codes):
        found |= set(conn.execute(sa.select(cl.c.ancestor).distinct()
                                  .where(cl.c.descendant.in_(chunk), cl.c.depth >= 1)).scalars())
    return _depths(conn, found)


def _write(conn: sa.Connection, ancestors: dict[str, int], lo: str | None, hi: str | None) -> None:
    """Write the rows of ``ancestors`` (code → depth) for quarters ``lo``..``hi`` (None: every
    quarter) again, deepest first: each level reads the level below, already written."""
    su, cv, cl = s.subtree_uploads, s.current_values, s.unit_closure

    def span(table):
        if lo is not None and lo == hi:  # one quarter: an equality, so ix_current_period (period, unit) serves
            return [table.c.period == lo]
        conds = []
        if lo is not None:
            conds.append(table.c.period >= lo)
        if hi is not None:
            conds.append(table.c.period <= hi)
        return conds

    for d in sorted(set(ancestors.values()), reverse=True):
        for chunk in _chunks(a for a, da in ancestors.items() if da == d):
            conn.execute(sa.delete(su).where(su.c.ancestor.in_(chunk), *span(su)))
            # the children as an IN subquery and each row's parent looked up by the row's unit:
            # SQLite then reads the current values by (period, unit) for each child; written as a
            # join, it read every value of the quarter once per unit of the chunk (a quarter of
            # 2,200 units took 11 s where this takes a fraction of a second)
            kids = sa.select(cl.c.descendant).where(cl.c.ancestor.in_(chunk), cl.c.depth == 1)

            def parent(unit_col):
                p = cl.alias("p")
                return sa.select(p.c.ancestor).where(p.c.descendant == unit_col, p.c.depth == 1).scalar_subquery()

            own = sa.select(parent(cv.c.unit), cv.c.indicator, cv.c.period, cv.c.upload_id).where(
                cv.c.unit.in_(kids), *span(cv))
            below = sa.select(parent(su.c.ancestor), su.c.indicator, su.c.period, su.c.upload_id).where(
                su.c.ancestor.in_(kids), *span(su))
            conn.execute(sa.insert(su).from_select(COLUMNS, sa.union(own, below)))


def refresh(conn: sa.Connection, pairs: pd.DataFrame) -> None:
    """Inside a write whose ``unit, period`` pairs' current values changed (already resolved
    in ``current_values``): the rows of every unit above them, for those quarters."""
    if pairs.empty or not present(conn):
        return
    above = _above(conn, pairs["unit"].astype(str))
    if above:
        quarters = pairs["period"].astype(str)
        _write(conn, above, min(quarters), max(quarters))


def after_units(conn: sa.Connection, codes: Iterable[str]) -> None:
    """Inside a write that added ``codes`` to the tree: the rows of every unit above them, over
    every quarter (a new unit's stored values, if any, now count below its ancestors)."""
    codes = list(codes)
    if not codes or not present(conn):
        return
    above = _above(conn, codes)
    if above:
        _write(conn, above, None, None)


def rebuild(conn: sa.Connection) -> int:
    """Write the whole table again from ``current_values`` and the closure; the number of rows."""
    if not present(conn):
        return 0
    conn.execute(sa.delete(s.subtree_uploads))
    cl = s.unit_closure
    parents = conn.execute(sa.select(cl.c.ancestor).distinct().where(cl.c.depth == 1)).scalars().all()
    _write(conn, _depths(conn, parents), None, None)
    return conn.execute(sa.select(sa.func.count()).select_from(s.subtree_uploads)).scalar_one()


def expected(current: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The table recomputed: ``current`` (current values: unit, indicator, period, upload_id)
    joined with the closure ``pairs`` (ancestor, descendant, depth) strictly below each
    ancestor, distinct."""
    strict = pairs[pairs["depth"] >= 1][["ancestor", "descendant"]]
    rows = current[["unit", "indicator", "period", "upload_id"]].merge(strict, left_on="unit", right_on="descendant")
    out = rows[COLUMNS].drop_duplicates().reset_index(drop=True)
    return out.astype({"upload_id": "int64"})


def read(conn: sa.Connection) -> pd.DataFrame:
    """Every row of the table (for ``check``)."""
    rows = conn.execute(sa.select(*[s.subtree_uploads.c[c] for c in COLUMNS])).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=COLUMNS).astype({"upload_id": "int64"})
