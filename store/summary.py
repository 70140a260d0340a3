"""Roll-ups kept in the database (issue 12): the current value of every cell, who reported
which quarter, and each unit's roll-up and reporting coverage per quarter.

Tables (store/schema.py): ``current_values`` (the latest active upload's value of each cell,
resolved in SQL by :func:`current_query`), ``reported_quarters``, ``unit_closure``
(store/closure.py), ``unit_summary`` (the rows of :func:`metrics.rollup.quarterly` of each
unit), ``unit_coverage`` (the rows of :func:`metrics.rollup.coverage`) and ``subtree_uploads``
(the uploads behind each unit's subtree, store/subtree.py; migration 0007).

Maintenance happens inside the write transaction that changes what counts (``Store.add_upload``,
``withdraw``, ``restore``, ``remove_example_data``, ``add_units``, ``set_unit_span``): the touched
cells' current values are resolved again in SQL, then :func:`recompute` rolls up just the
touched units and their ancestors for the touched quarters and the four quarters the carry of
stocks reaches (plus, for every unit, the quarters that became the first or latest anyone
reported). The formulas stay in metrics/rollup.py (``own_quarterly``, ``combine``,
``own_coverage``, ``combine_coverage``): a unit's rows are its own rows combined with its
children's rows, computed bottom-up on the small frames read here.

Commands::

    python -m store.summary rebuild [--db URL]          # write every roll-up table again
    python -m store.summary check [--db URL] [--json]   # compare with a full recomputation

``check`` exits 0 when the tables equal a recomputation from the stored observations
(:func:`metrics.rollup.current`, then :func:`metrics.rollup.quarterly` and
:func:`metrics.rollup.coverage` of every unit on the whole frame), 1 with the differences listed
otherwise. Floats are compared with a relative tolerance of 1e-9 (sums in another order).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa

import resources
from metrics import periods, rollup
from metrics.catalog import Catalog
from store import bulk, closure, subtree
from store import schema as s

CHUNK = 500
#: units rolled up at once within a depth of the tree (:func:`recompute`): bounds the rows held
UNIT_CHUNK = 2_000
CARRY = rollup.CARRY_QUARTERS
SUMMARY_COLUMNS = rollup.QUARTERLY_COLUMNS
COVERAGE_COLUMNS = ["period", "n_units", "expected", "carried", "complete"]


def _catalog() -> Catalog:
    return resources.catalog()


def _chunks(items: Iterable[str]) -> list[list[str]]:
    items = sorted(set(items))
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)] or [[]]


# ---- the current value of each cell, in SQL ------------------------------------------------------
def active_uploads() -> sa.Select:
    """The ids of uploads whose latest event is not a withdrawal."""
    e = s.upload_events
    last = sa.select(e.c.upload_id, sa.func.max(e.c.id).label("last")).group_by(e.c.upload_id).subquery()
    withdrawn = sa.select(e.c.upload_id).join(last, e.c.id == last.c.last).where(e.c.action == "withdraw")
    return sa.select(s.uploads.c.id).where(s.uploads.c.id.not_in(withdrawn))


def current_query(*where) -> sa.Select:
    """``unit, indicator, period, value, approximate, upload_id`` of every cell's value from its
    latest active upload (:func:`metrics.rollup.current` in SQL), optionally limited by ``where``
    conditions on ``observations``."""
    o = s.observations
    rank = sa.func.row_number().over(partition_by=(o.c.unit, o.c.indicator, o.c.period),
                                     order_by=o.c.upload_id.desc()).label("rank")
    inner = (sa.select(o.c.unit, o.c.indicator, o.c.period, o.c.value, o.c.approximate, o.c.upload_id, rank)
             .where(o.c.upload_id.in_(active_uploads()), *where).subquery())
    return sa.select(inner.c.unit, inner.c.indicator, inner.c.period, inner.c.value, inner.c.approximate,
                     inner.c.upload_id).where(inner.c.rank == 1)


_CURRENT_COLS = ["unit", "indicator", "period", "value", "approximate", "upload_id"]


def refresh_current(conn: sa.Connection, pairs: pd.DataFrame) -> None:
    """Resolve the current values (and ``reported_quarters``) of the ``unit, period`` pairs again."""
    cv, rq, o = s.current_values, s.reported_quarters, s.observations
    for period, part in pairs.groupby("period"):
        for chunk in _chunks(part["unit"].astype(str)):
            conn.execute(sa.delete(cv).where(cv.c.period == period, cv.c.unit.in_(chunk)))
            conn.execute(sa.insert(cv).from_select(_CURRENT_COLS, current_query(o.c.period == period,
                                                                               o.c.unit.in_(chunk))))
            conn.execute(sa.delete(rq).where(rq.c.period == period, rq.c.unit.in_(chunk)))
            conn.execute(sa.insert(rq).from_select(["unit", "period"], sa.select(cv.c.unit, cv.c.period).distinct()
                                                   .where(cv.c.period == period, cv.c.unit.in_(chunk))))


def current_from_upload(conn: sa.Connection, upload_id: int) -> None:
    """What :func:`refresh_current` gives for the cells of upload ``upload_id``, just stored in
    this write, copied straight from its rows of ``observations``: that upload is the newest
    (its id is above every other upload's, and a concurrent upload of the same quarters waits
    for this write: SQLite's write lock, PostgreSQL's review lock of each quarter), so each of
    its cells now counts with its value. Cells the upload lacks keep their current value, and
    each of its ``unit, period`` pairs has been reported. Two statements run inside the
    database (``INSERT … SELECT … ON CONFLICT``, SQLite and PostgreSQL alike), instead of the
    window query over every stored upload of the touched units (4 s for 20,000 new units at
    size M) and without the values passing through Python."""
    cols = ", ".join(_CURRENT_COLS)
    pick = f"SELECT {cols} FROM observations WHERE upload_id = :u"
    if conn.dialect.name == "postgresql":  # one row per cell (a cell twice in one upload: its last row)
        pick = (f"SELECT DISTINCT ON (unit, indicator, period) {cols} FROM observations WHERE upload_id = :u "
                "ORDER BY unit, indicator, period, id DESC")
    else:  # SQLite applies the rows in id order: a cell twice in one upload keeps its last row
        pick += " ORDER BY id"
    conn.execute(sa.text(f"INSERT INTO current_values ({cols}) {pick} ON CONFLICT (unit, indicator, period) "
                         "DO UPDATE SET value = excluded.value, approximate = excluded.approximate, "
                         "upload_id = excluded.upload_id"), {"u": int(upload_id)})
    conn.execute(sa.text("INSERT INTO reported_quarters (unit, period) SELECT DISTINCT unit, period "
                         "FROM observations WHERE upload_id = :u ON CONFLICT (unit, period) DO NOTHING"),
                 {"u": int(upload_id)})


def bounds(conn: sa.Connection) -> tuple[str | None, str | None]:
    """The first and the latest quarter anyone reported (None, None when nothing counts)."""
    rq = s.reported_quarters
    first, last = conn.execute(sa.select(sa.func.min(rq.c.period), sa.func.max(rq.c.period))).one()
    return first, last


def quarters(conn: sa.Connection) -> list[str]:
    """Every quarter with a current value, oldest first: one index seek per quarter."""
    rq = s.reported_quarters
    out: list[str] = []
    while True:
        q = sa.select(sa.func.min(rq.c.period))
        if out:
            q = q.where(rq.c.period > out[-1])
        nxt = conn.execute(q).scalar()
        if nxt is None:
            return out
        out.append(nxt)


def quarters_of(conn: sa.Connection, units: Iterable[str]) -> list[str]:
    """The quarters any of ``units`` reported, oldest first."""
    rq = s.reported_quarters
    found = {p for chunk in _chunks(units) for p in conn.execute(
        sa.select(rq.c.period).distinct().where(rq.c.unit.in_(chunk))).scalars()}
    return sorted(found, key=periods.index)


# ---- reading small frames ----------------------------------------------------------------------
def _units(conn: sa.Connection) -> pd.DataFrame:
    u = s.units
    rows = _tuples(conn, sa.select(u.c.code, u.c.parent, u.c.level, u.c.active_from, u.c.active_until,
                                   u.c.merged_into))
    frame = pd.DataFrame.from_records(rows, columns=["code", "parent", "level", "active_from", "active_until",
                                                     "merged_into"], nrows=len(rows))
    return frame.fillna("").astype(str)


def _spans(conn: sa.Connection, codes: Iterable[str] | None) -> pd.DataFrame:
    """Each unit's first and last reported quarter: ``unit, first, last``."""
    rq = s.reported_quarters
    q = sa.select(rq.c.unit, sa.func.min(rq.c.period), sa.func.max(rq.c.period)).group_by(rq.c.unit)
    if codes is None:
        rows = _tuples(conn, q)
    else:  # the driver's tuples: a frame of SQLAlchemy rows probes each row's attributes
        rows = [r for chunk in _chunks(codes) for r in _tuples(conn, q.where(rq.c.unit.in_(chunk)))]
    return pd.DataFrame.from_records(rows, columns=["unit", "first", "last"], nrows=len(rows))


def _filled(units: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """``units`` with each span that :func:`metrics.rollup.expected_reporters` would take from
    the unit's reports written in (``active_from``: its first report; a unit merged without
    ``active_until``: its last), so that a window of its values gives the same reporters."""
    out = units.copy()
    first = out["code"].map(dict(zip(spans["unit"], spans["first"]))).astype(object).fillna("").astype(str)
    last = out["code"].map(dict(zip(spans["unit"], spans["last"]))).astype(object).fillna("").astype(str)
    out["active_from"] = out["active_from"].where(out["active_from"].str.strip() != "", first)
    merged = out["merged_into"].str.strip() != ""
    out["active_until"] = out["active_until"].where(~merged | (out["active_until"].str.strip() != ""), last)
    return out


def _read(conn: sa.Connection, table: sa.Table, cols: list[str], codes: Iterable[str] | None, lo: str, hi: str
          ) -> pd.DataFrame:
    q = sa.select(*[table.c[c] for c in cols]).where(table.c.period >= lo, table.c.period <= hi)
    if codes is None:
        rows = _tuples(conn, q)
    else:  # the driver's tuples (SQLAlchemy rows cost twice the read for 700,000 values)
        rows = [r for chunk in _chunks(codes) for r in _tuples(conn, q.where(table.c.unit.in_(chunk)))]
    return pd.DataFrame.from_records(rows, columns=cols, nrows=len(rows))


def _summary_frame(rows: pd.DataFrame, with_unit: bool = True) -> pd.DataFrame:
    cols = (["unit"] if with_unit else []) + SUMMARY_COLUMNS
    return rollup.typed_quarterly(rows.reindex(columns=cols), cols)


# ---- maintenance ----------------------------------------------------------------------------------
def _depths(units: pd.DataFrame) -> dict[str, int]:
    parent = dict(zip(units["code"], units["parent"]))
    out: dict[str, int] = {}
    for code in parent:
        node, depth, seen = code, 0, set()
        while parent.get(node, "") in parent and parent.get(node, "") not in seen:
            seen.add(node)
            node, depth = parent[node], depth + 1
        out[code] = depth
    return out


def recompute(conn: sa.Connection, codes: Iterable[str] | None, lo: str, hi: str,
              catalog: Catalog | None = None) -> None:
    """Write again the ``unit_summary`` and ``unit_coverage`` rows of ``codes`` (None: every
    unit) and all their ancestors for the quarters ``lo``..``hi``, from the current values."""
    catalog = catalog or _catalog()
    first, last = bounds(conn)
    units = _units(conn)
    if codes is None:
        affected = set(units["code"])
    else:
        affected = closure.ancestors(conn, codes) & set(units["code"])
    if first is None or not affected:
        return
    lo, hi = max(lo, first), min(hi, last)
    if lo > hi:
        return
    scope = None if codes is None else affected
    tree = _filled(units[units["code"].isin(affected)], _spans(conn, scope))

    def inside(f: pd.DataFrame) -> pd.DataFrame:  # "2016Q1" strings sort in time
        return f[(f["period"] >= lo) & (f["period"] <= hi)]

    parent = dict(zip(units["code"], units["parent"]))
    kids: dict[str, list[str]] = {}
    for code, p in parent.items():
        kids.setdefault(p, []).append(code)
    outside = {c for a in affected for c in kids.get(a, []) if c not in affected}
    known_sum = _read(conn, s.unit_summary, ["unit", *SUMMARY_COLUMNS], outside, lo, hi) if outside else None
    known_cov = _read(conn, s.unit_coverage, ["unit", "period", "n_units", "expected", "carried"], outside, lo, hi) \
        if outside else None
    known_sum = _summary_frame(known_sum) if known_sum is not None else None

    for table in (s.unit_summary, s.unit_coverage):  # the old rows first: each depth is written when made
        if codes is None:
            conn.execute(sa.delete(table).where(table.c.period >= lo, table.c.period <= hi))
        else:
            for chunk in _chunks(affected):
                conn.execute(sa.delete(table).where(table.c.unit.in_(chunk), table.c.period >= lo,
                                                    table.c.period <= hi))
    # Bottom-up, one depth at a time: a unit's children are one depth below it, so the parts of
    # a unit are its own rows, its children's rows from the depth below (just made) and the
    # stored rows of its children outside the affected units. Within a depth the units are
    # rolled up UNIT_CHUNK at a time (their current values read, their rows made and inserted),
    # and each chunk's rows are handed up already summed per parent (combine sums, counts and
    # flags, so the sum of the chunks' sums is the sum of the rows): a quarter of 20,000 new
    # enterprises makes 2.2 M rows, and holding them at once was the commit's peak memory.
    depth = _depths(units)
    up_sum: pd.DataFrame | None = None  # the depth below, summed per parent
    up_cov: pd.DataFrame | None = None
    window = periods.shift(lo, -CARRY)
    levels = sorted({depth[a] for a in affected}, reverse=True)
    for d in levels:
        level = sorted(a for a in affected if depth[a] == d)
        next_sum: list[pd.DataFrame] = []
        next_cov: list[pd.DataFrame] = []
        for start in range(0, len(level), UNIT_CHUNK):
            chunk = level[start:start + UNIT_CHUNK]
            mine = set(chunk)
            below = {c for a in chunk for c in kids.get(a, [])}
            obs = _read(conn, s.current_values, ["unit", "indicator", "period", "value", "approximate"], chunk,
                        window, hi)
            obs["value"] = obs["value"].astype(float)
            obs["approximate"] = obs["approximate"].astype(bool)
            part_tree = tree[tree["code"].isin(mine)]
            own_sum, own_cov = rollup.own_parts(obs, part_tree, catalog, first, last)  # expected, carried: once
            sum_parts = [inside(own_sum),
                         *[_up(f, below, parent) for f in (known_sum,) if f is not None],
                         *[f[f["unit"].isin(mine)] for f in (up_sum,) if f is not None]]
            cov_parts = [inside(own_cov),
                         *[_up(f, below, parent)[rollup.COVERAGE_PARTS] for f in (known_cov,) if f is not None],
                         *[f[f["unit"].isin(mine)][rollup.COVERAGE_PARTS] for f in (up_cov,) if f is not None]]
            del obs, own_sum, own_cov
            sum_parts = [f for f in sum_parts if len(f)]
            cov_parts = [f for f in cov_parts if len(f)]
            rows_sum = rollup.combine(pd.concat(sum_parts, ignore_index=True), catalog) if sum_parts else None
            rows_cov = rollup.combine_coverage(pd.concat(cov_parts, ignore_index=True)) if cov_parts else None
            del sum_parts, cov_parts
            if rows_sum is not None and len(rows_sum):
                _insert(conn, s.unit_summary, rows_sum[["unit", *SUMMARY_COLUMNS]])
                if d != levels[-1]:
                    next_sum.append(rollup.combine(_up(rows_sum, mine, parent), catalog))
            if rows_cov is not None and len(rows_cov):
                _insert(conn, s.unit_coverage, rows_cov[["unit", "period", "n_units", "expected", "carried"]])
                if d != levels[-1]:
                    next_cov.append(rollup.combine_coverage(_up(rows_cov, mine, parent)[rollup.COVERAGE_PARTS]))
            del rows_sum, rows_cov
        up_sum = pd.concat(next_sum, ignore_index=True) if next_sum else None
        up_cov = pd.concat(next_cov, ignore_index=True) if next_cov else None


def _up(frame: pd.DataFrame, below: set[str], parent: dict[str, str]) -> pd.DataFrame:
    """The rows of the units ``below``, as parts of their parents."""
    part = frame[frame["unit"].isin(below)]
    return part.assign(unit=part["unit"].map(parent))


def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """The rows straight to the driver (:mod:`store.bulk`; SQLAlchemy's per-row parameter
    dictionaries took 90 s of a quarter of 20,000 new units). The frames come sorted by unit,
    indicator and quarter within each depth (``rollup.combine``), the tables' key."""
    bulk.insert_columns(conn, table, {c: frame[c] for c in frame.columns})  # each text one string


def _trim(conn: sa.Connection, first: str, last: str) -> None:
    for table in (s.unit_summary, s.unit_coverage):
        conn.execute(sa.delete(table).where(sa.or_(table.c.period < first, table.c.period > last)))


def after_values(conn: sa.Connection, pairs: pd.DataFrame, new_units: Iterable[str] = (),
                 upload: int | None = None) -> None:
    """Inside a write that changed which values count for the ``unit, period`` pairs (an
    upload, a withdrawal, a restore): resolve their current values and roll up again what they
    reach. See the module docstring.

    ``new_units``: units the same write added without :func:`after_units` (an import's new
    units): their closure rows are written here, and they are rolled up once, with their
    values, instead of once when added and again when their first report arrives.

    ``upload``: the id of the upload the write added, when that is all it did and the pairs are
    its values': the current values are copied from its rows (:func:`current_from_upload`)
    instead of being resolved again over every stored upload."""
    pairs = pairs[["unit", "period"]].astype(str).drop_duplicates()
    new_units = sorted(set(new_units))
    if pairs.empty:
        after_units(conn, new_units)
        return
    if new_units:
        closure.refresh(conn, new_units)
    touched = sorted(set(pairs["unit"]))
    old_first, old_last = bounds(conn)
    old_spans = _spans(conn, touched).set_index("unit")
    if upload is not None:
        current_from_upload(conn, upload)
    else:
        refresh_current(conn, pairs)
    subtree.refresh(conn, pairs)  # the uploads behind each subtree (store/subtree.py)
    first, last = bounds(conn)
    if first is None:
        for table in (s.unit_summary, s.unit_coverage):
            conn.execute(sa.delete(table))
        return
    lo, hi = min(pairs["period"]), periods.shift(max(pairs["period"]), CARRY)
    if old_first is None:  # the first values: every unit, every quarter
        recompute(conn, None, first, last)
        return
    # quarters before the old first or after the old latest are rolled up for every unit below
    if first < old_first:
        lo = max(lo, old_first)
    if last > old_last:
        hi = min(hi, old_last)
    # a unit whose first (or, merged without an end, last) report moved, and a new unit: every
    # quarter of it (the spans come from reported_quarters, final once refresh_current ran)
    new_spans = _spans(conn, touched).set_index("unit")
    units = _units(conn).set_index("code")
    open_merged = set(units.index[(units["merged_into"].str.strip() != "") & (units["active_until"].str.strip() == "")])
    before = old_spans.reindex(touched).astype(object).fillna("")
    after = new_spans.reindex(touched).astype(object).fillna("")
    changed = (before["first"] != after["first"]) | ((before["last"] != after["last"]) & before.index.isin(open_merged))
    moved = set(before.index[changed.to_numpy()]) | set(new_units)
    if moved:  # once, over every quarter (a quarter of 20,000 new units: not twice)
        recompute(conn, sorted(moved), first, last)
    rest = [u for u in touched if u not in moved]
    if rest:
        recompute(conn, rest, lo, hi)
    if first > old_first or last < old_last:
        _trim(conn, first, last)
    if first < old_first:
        recompute(conn, None, first, periods.previous(old_first))
    if last > old_last:
        recompute(conn, None, periods.shift(old_last, 1), last)


def after_units(conn: sa.Connection, codes: Iterable[str], *, spans_changed: bool = False) -> None:
    """Inside a write that added units or changed their spans: the closure rows of new units,
    and the roll-ups of every quarter of units whose expected span may have changed."""
    codes = sorted(set(codes))
    if not codes:
        return
    if not spans_changed:
        closure.refresh(conn, codes)
        subtree.after_units(conn, codes)
    first, last = bounds(conn)
    if first is not None:
        recompute(conn, codes, first, last)


def rebuild(conn: sa.Connection, catalog: Catalog | None = None) -> dict:
    """Write every roll-up table again from the stored observations and units."""
    n_closure = closure.rebuild(conn)
    for table in (s.current_values, s.reported_quarters, s.unit_summary, s.unit_coverage):
        conn.execute(sa.delete(table))
    conn.execute(sa.insert(s.current_values).from_select(_CURRENT_COLS, current_query()))
    cv = s.current_values
    conn.execute(sa.insert(s.reported_quarters).from_select(["unit", "period"],
                                                            sa.select(cv.c.unit, cv.c.period).distinct()))
    first, last = bounds(conn)
    if first is not None:
        recompute(conn, None, first, last, catalog)
    subtree.rebuild(conn)
    counts = {t: conn.execute(sa.select(sa.func.count()).select_from(s.metadata.tables[t])).scalar_one()
              for t in s.SUMMARY_TABLES if t != s.subtree_uploads.name or subtree.present(conn)}
    counts["unit_closure"] = n_closure
    return counts


# ---- reading for the pages ----------------------------------------------------------------------
def _tuples(conn: sa.Connection, q) -> list[tuple]:
    """The driver's own rows of ``q`` (no SQLAlchemy row objects: the types are fixed by
    :func:`_summary_frame`), for reads of many rows."""
    result = conn.execute(q)
    try:
        return result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    """A frame of result rows as plain tuples: ``pd.DataFrame`` of SQLAlchemy ``Row`` objects
    probes each row's attributes (a failed lookup per row: 23 s for 1.4 M rows at M, against
    a few seconds for the same rows as tuples)."""
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns, nrows=len(rows))


def unit_quarterly(conn: sa.Connection, unit: str) -> pd.DataFrame:
    """``unit``'s roll-up: :data:`metrics.rollup.QUARTERLY_COLUMNS` sorted by indicator, period."""
    t = s.unit_summary
    rows = conn.execute(sa.select(*[t.c[c] for c in SUMMARY_COLUMNS]).where(t.c.unit == unit)
                        .order_by(t.c.indicator, t.c.period)).all()
    return _summary_frame(_frame(rows, SUMMARY_COLUMNS), with_unit=False)


def units_quarterly(conn: sa.Connection, codes: Iterable[str], period: str | None = None,
                    indicators: Iterable[str] | None = None, start: str | None = None,
                    end: str | None = None) -> pd.DataFrame:
    """The roll-ups of several units, with a ``unit`` column (one quarter, or all; only
    ``indicators`` when given; only the quarters ``start``..``end`` when given: quarter codes
    ``YYYYQn`` order as text)."""
    t = s.unit_summary
    cols = ["unit", *SUMMARY_COLUMNS]
    q = sa.select(*[t.c[c] for c in cols])
    if period is not None:
        q = q.where(t.c.period == period)
    if start is not None:
        q = q.where(t.c.period >= start)
    if end is not None:
        q = q.where(t.c.period <= end)
    if indicators is not None:
        q = q.where(t.c.indicator.in_(sorted(set(indicators))))
    rows = [r for chunk in _chunks(codes) for r in _tuples(conn, q.where(t.c.unit.in_(chunk)))]
    frame = _summary_frame(_frame(rows, cols))
    return frame.sort_values(["unit", "indicator", "period"]).reset_index(drop=True)


CUBE_BATCH = 100_000
#: units per batch of the whole grid's read (:func:`_packed_rows`): about 230,000 cells' text
CUBE_UNITS_BATCH = 1_000
#: how a stored REAL is written as text for the cube: 18 significant digits. SQLite 3.40's
#: printf with 17 renders some values (about 1 in 800 random doubles, at magnitudes over 1e100)
#: one unit off in the last place; with 18 every double tried parsed back to the same bits.
SQLITE_REAL = "%!.18g"


def units_cube(conn: sa.Connection, codes: Iterable[str] | None, indicators: Iterable[str], start: str, end: str,
               units: Iterable[str] | None = None):
    """The roll-ups of ``indicators`` over the quarters ``start``..``end`` as a
    :class:`metrics.unitgrid.QuarterCube` of ``units`` (default ``codes``): for the units grid
    of a whole district (5 M numbers at 22,001 units). ``codes`` None reads every unit's rows in
    one query (the grid of every unit), else the units in chunks.

    The database packs each unit's cells into one text (:func:`_packed_query`): per cell its
    position in the cube (indicator × quarter), its value written exactly, and its flag and
    carried units as one integer. Python then sees a row per unit (22,001 at the district's
    size, not 5 M rows of six objects each: 7.6 → about 2 s) and numpy parses each batch's
    numbers at once. On PostgreSQL (float8 written as the shortest text that reads back to the
    same double, the default since version 12) a server-side cursor, so the rows are never all
    in memory as text."""
    from metrics.unitgrid import CubeBuilder

    t = s.unit_summary
    inds = sorted(set(indicators))
    listed = None if codes is None else sorted(set(codes))
    builder = CubeBuilder(list(units) if units is not None else (listed or []), inds, start, end)
    if not builder.width or not inds:
        return builder.build()
    q = _packed_query(conn, inds, periods.span(start, end))
    if listed is None and conn.dialect.name == "sqlite":
        # every unit: SQLite otherwise scans the whole table (17.6 M rows at 22,001 units, 40
        # indicators, 20 quarters) for the 5 M it needs; "unit IN (every unit)" makes it seek
        # each unit's goal indicators and quarters by the primary key (unit, indicator, period):
        # 3.5 → 1.6 s of SQLite's own time at that size
        q = q.where(t.c.unit.in_(sa.select(s.units.c.code)))
    queries = [q] if listed is None else [q.where(t.c.unit.in_(chunk)) for chunk in _chunks(listed)]
    _packed_rows(conn, queries, builder)
    return builder.build()


def _packed_query(conn: sa.Connection, inds: list[str], span: list[str]) -> sa.Select:
    """``unit, cells, codes, values`` per unit, comma-separated texts of ``cells`` numbers each
    (in the same order: one aggregate's rows): per cell its code ``k + mark × K`` (``k`` = the
    indicator's position × quarters + the quarter's position in ``span``, ``K`` the cube's
    indicators × quarters, ``mark`` = approximate + 2 × carried units; -1 for a row of a
    quarter in the range that ``span`` lacks) and its value written
    exactly (``nan`` where missing). SQLite's float-to-text is the costly part of the query, so
    a whole number is written as an integer (a REAL column stores those as integers anyway;
    -0.0 does not survive SQLite's storage), the rest by :data:`SQLITE_REAL`."""
    t = s.unit_summary

    def const(n: int):  # inline integers: PostgreSQL cannot type a bound parameter in a CASE
        return sa.literal_column(str(int(n)), sa.Integer)

    k = (sa.case({c: const(n) for n, c in enumerate(inds)}, value=t.c.indicator) * const(len(span))
         + sa.case({p: const(n) for n, p in enumerate(span)}, value=t.c.period))
    # 64-bit: PostgreSQL's 32-bit integers would overflow at many indicators × quarters × carried units
    flag = sa.cast(sa.cast(t.c.approximate, sa.Integer), sa.BigInteger)  # PostgreSQL: boolean -> int4 only
    mark = flag + const(2) * sa.cast(t.c.carried_units, sa.BigInteger)
    # -1: a row of a quarter in the range but not of ``span`` (a malformed code), left out in
    # Python; a condition on ``k`` would compute both CASEs twice (1 s of SQLite at 5 M rows)
    code = sa.func.coalesce(k + mark * const(len(inds) * len(span)), const(-1))
    if conn.dialect.name == "postgresql":
        value = sa.func.coalesce(sa.cast(t.c.value, sa.Text), "nan")
        cells = [sa.func.string_agg(sa.cast(code, sa.Text), ","), sa.func.string_agg(value, ",")]
    else:
        whole = sa.cast(t.c.value, sa.Integer)
        # printf gives 0.0 for NULL: the missing value first
        value = sa.case((t.c.value.is_(None), "nan"), (t.c.value == whole, sa.cast(whole, sa.Text)),
                        else_=sa.func.printf(SQLITE_REAL, t.c.value))
        cells = [sa.func.group_concat(code), sa.func.group_concat(value)]
    return (sa.select(t.c.unit, sa.func.count(), *cells)
            .where(t.c.period >= span[0], t.c.period <= span[-1], t.c.indicator.in_(inds))
            .group_by(t.c.unit))


def _packed_rows(conn: sa.Connection, queries: list, builder) -> None:
    if conn.dialect.name == "postgresql":
        digits = conn.exec_driver_sql("SHOW extra_float_digits").scalar()
        if int(digits) < 1:  # float8 text would round: write the shortest exact text
            conn.exec_driver_sql("SET LOCAL extra_float_digits = 1")
    for query in queries:
        if conn.dialect.name == "postgresql":
            # a server-side (named) cursor of the driver, read in batches: SQLAlchemy's own
            # streaming result keeps the first rows in its buffer, out of reach of the cursor
            compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            with conn.connection.driver_connection.cursor(name="units_cube") as cursor:
                cursor.execute(str(compiled), compiled.params)
                while rows := cursor.fetchmany(CUBE_UNITS_BATCH):
                    builder.add_packed(*zip(*rows))
            continue
        result = conn.execute(query)
        try:
            cursor = result.cursor
            while cursor is not None and (rows := cursor.fetchmany(CUBE_UNITS_BATCH)):
                builder.add_packed(*zip(*rows))
        finally:
            result.close()


def unit_coverage(conn: sa.Connection, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Coverage rows (:func:`metrics.rollup.coverage`) with a ``unit`` column, of ``codes`` or all."""
    t = s.unit_coverage
    cols = ["unit", "period", "n_units", "expected", "carried"]
    q = sa.select(*[t.c[c] for c in cols])
    rows = _tuples(conn, q) if codes is None else \
        [r for chunk in _chunks(codes) for r in _tuples(conn, q.where(t.c.unit.in_(chunk)))]
    frame = _frame(rows, cols)
    for col in ("n_units", "expected", "carried"):
        frame[col] = frame[col].astype("int64")
    frame["complete"] = frame["n_units"] >= frame["expected"]
    codes_, uniq = pd.factorize(frame["period"])  # one periods.index per distinct quarter, not per row
    frame["_i"] = np.array([periods.index(p) for p in uniq], dtype=np.int64)[codes_] if len(frame) else 0
    return frame.sort_values(["unit", "_i"]).drop(columns="_i").reset_index(drop=True)


# ---- check ------------------------------------------------------------------------------------------
def _same(a, b) -> bool:
    if isinstance(a, float | np.floating) or isinstance(b, float | np.floating):
        a = float("nan") if a is None else float(a)
        b = float("nan") if b is None else float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _compare(name: str, have: pd.DataFrame, want: pd.DataFrame, keys: list[str], cols: list[str],
             out: list[dict], limit: int) -> None:
    m = have.merge(want, on=keys, how="outer", suffixes=("_have", "_want"), indicator=True)
    for row in m.to_dict("records"):
        if len(out) >= limit:
            return
        where = {k: row[k] for k in keys}
        if row["_merge"] != "both":
            out.append({"table": name, **where, "problem": "missing" if row["_merge"] == "right_only" else "extra"})
            continue
        for c in cols:
            a, b = row[f"{c}_have"], row[f"{c}_want"]
            a = a.item() if isinstance(a, np.generic) else a
            b = b.item() if isinstance(b, np.generic) else b
            if not _same(a, b):
                out.append({"table": name, **where, "column": c, "have": a, "want": b})


def check(store, limit: int = 200) -> list[dict]:
    """The differences between the roll-up tables and a full recomputation from the stored
    observations (empty when they agree); at most ``limit``."""
    catalog = _catalog()
    units = store.units()
    full = rollup.current(store.observations())
    out: list[dict] = []
    with store.read() as conn:
        cv = pd.DataFrame(conn.execute(sa.select(*[s.current_values.c[c] for c in _CURRENT_COLS])).all(),
                          columns=_CURRENT_COLS)
        sql_current = pd.DataFrame(conn.execute(current_query()).all(), columns=_CURRENT_COLS)
        cl = pd.DataFrame(conn.execute(sa.select(s.unit_closure)).all(), columns=["ancestor", "descendant", "depth"])
        rq = pd.DataFrame(conn.execute(sa.select(s.reported_quarters)).all(), columns=["unit", "period"])
        summ = _summary_frame(pd.DataFrame(conn.execute(sa.select(
            *[s.unit_summary.c[c] for c in ["unit", *SUMMARY_COLUMNS]])).all(), columns=["unit", *SUMMARY_COLUMNS]))
        cov = unit_coverage(conn)
        sub = subtree.read(conn) if subtree.present(conn) else None
    keys = ["unit", "indicator", "period"]
    want_cv = full[_CURRENT_COLS]
    _compare("current_values", cv, want_cv, keys, ["value", "approximate", "upload_id"], out, limit)
    _compare("current_values (SQL)", sql_current, want_cv, keys, ["value", "approximate", "upload_id"], out, limit)
    _compare("reported_quarters", rq.assign(x=1), full[["unit", "period"]].drop_duplicates().assign(x=1),
             ["unit", "period"], ["x"], out, limit)
    _compare("unit_closure", cl, closure.pairs(units), ["ancestor", "descendant"], ["depth"], out, limit)
    if sub is not None:
        _compare("subtree_uploads", sub.assign(x=1), subtree.expected(full, closure.pairs(units)).assign(x=1),
                 subtree.COLUMNS, ["x"], out, limit)
    for code in units["code"]:
        want = rollup.quarterly(full, units, catalog, code).assign(unit=code)
        _compare("unit_summary", summ[summ["unit"] == code], want, keys, SUMMARY_COLUMNS[2:], out, limit)
        want_cov = rollup.coverage(full, units, code).assign(unit=code)
        _compare("unit_coverage", cov[cov["unit"] == code], want_cov, ["unit", "period"],
                 ["n_units", "expected", "carried", "complete"], out, limit)
        if len(out) >= limit:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    from store.db import open_store  # a command: the Store opens the database

    parser = argparse.ArgumentParser(prog="python -m store.summary",
                                     description="Rebuild or check the roll-up tables (issue 12).")
    parser.add_argument("command", choices=["rebuild", "check"])
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL, else var/union.sqlite)")
    parser.add_argument("--json", action="store_true", help="the result as one JSON object")
    args = parser.parse_args(argv)
    store = open_store(args.db)
    if args.command == "rebuild":
        with store.write() as conn:
            counts = rebuild(conn)
        print(json.dumps({"ok": True, "rows": counts}) if args.json else
              "rebuilt: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return 0
    problems = check(store)
    if args.json:
        print(json.dumps({"ok": not problems, "differences": problems}, ensure_ascii=False, default=str))
    elif problems:
        for p in problems:
            print(json.dumps(p, ensure_ascii=False, default=str))
        print(f"{len(problems)} difference(s)", file=sys.stderr)
    else:
        print("ok: the roll-up tables equal a full recomputation")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
