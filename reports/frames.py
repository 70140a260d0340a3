"""Where the congress report reads its frames (issue 12): one unit's roll-up and coverage, the
quarters with data, and the traceability rows of a figure -- from the summary tables the
database keeps (:class:`StoreFrames`), or computed from a frame of current values
(:class:`ObservationFrames`, the road of callers and tests that hand the report observations).

Both give the same frames (the summary tables equal a recomputation, ``python -m store.summary
check``): ``quarterly(unit)`` is :func:`metrics.rollup.quarterly`, ``coverage(unit)`` is
:func:`metrics.rollup.coverage`. The report never needs every stored value: a unit's roll-up is
a few hundred rows, its children's roll-ups a few thousand.

Traceability (:meth:`trace`): a figure of a unit is the sum of its direct children's roll-ups
(and of what the unit reported itself), so the trace lists, per indicator of the figure and
quarter behind it, each child's roll-up (from ``unit_summary``: its value, with stocks of units
that missed the quarter carried as the roll-up carries them) and the unit's own part, with the
upload numbers whose values count there (the child's own from ``current_values``, those below
it from ``subtree_uploads``, store/subtree.py). The per-cell trace of every
enterprise is :mod:`reports.trace_csv`, written on request.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from metrics import goals as goal_rows
from metrics import periods, rollup
from metrics.catalog import Catalog

#: Columns of :meth:`trace`: per indicator, unit (a child, or the unit itself for its own
#: reports) and quarter, that unit's roll-up value.
TRACE_FRAME_COLUMNS = ["indicator", "unit", "period", "value", "approximate", "n_units", "carried_units"]
#: Columns of the uploads behind the trace: which uploads' values count for each indicator and unit.
TRACE_UPLOAD_COLUMNS = ["indicator", "unit", "upload_id"]


def wanted_cells(values: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The stored indicators behind each figure and the quarter they are read at:
    ``indicator, only`` (``only`` None: every quarter of the span up to as_of, for a flow or a
    rate of flows; else the figure's quarter). A rate is traced through its two parts."""
    wanted = []
    for code, period in zip(values["indicator"], values["period"]):
        ind = catalog[code]
        if ind.kind == "rate":
            flow = catalog[ind.numerator].kind == "flow"
            for part in (ind.numerator, ind.denominator):
                wanted.append((part, None if flow else period))
        else:
            wanted.append((ind.code, None if ind.kind == "flow" else period))
    return pd.DataFrame(wanted, columns=["indicator", "only"]).drop_duplicates("indicator").reset_index(drop=True)


def _pick(frame: pd.DataFrame, wanted: pd.DataFrame, start: str, as_of: str) -> pd.DataFrame:
    """The rows of ``frame`` (``indicator, period``) that :func:`wanted_cells` asks for."""
    lo, hi = periods.index(start), periods.index(as_of)
    idx = frame["period"].map({p: periods.index(p) for p in frame["period"].unique()})
    part = frame[(idx >= lo) & (idx <= hi)].merge(wanted, on="indicator")
    part = part[part["only"].isna() | (part["period"] == part["only"])]
    return part.drop(columns="only")


def _own_rows(unit_q: pd.DataFrame, kids_q: pd.DataFrame, unit: str, reported: bool) -> pd.DataFrame:
    """The unit's own part of its roll-up: its value less its children's (only when the unit
    reported values itself; otherwise the children make up the whole figure)."""
    if not reported or unit_q.empty:
        return pd.DataFrame(columns=TRACE_FRAME_COLUMNS)
    kids = kids_q.groupby(["indicator", "period"]).agg(kv=("value", "sum"), kn=("n_units", "sum"),
                                                       kc=("carried_units", "sum")).reset_index()
    own = unit_q.merge(kids, on=["indicator", "period"], how="left").fillna({"kv": 0.0, "kn": 0, "kc": 0})
    own = own.assign(value=own["value"] - own["kv"], n_units=own["n_units"] - own["kn"],
                     carried_units=own["carried_units"] - own["kc"], unit=unit)
    own = own[own["n_units"] > 0]
    return own[TRACE_FRAME_COLUMNS]


class ObservationFrames:
    """The frames computed from a frame of current values (:func:`metrics.rollup.current`)."""

    def __init__(self, observations: pd.DataFrame, units: pd.DataFrame, catalog: Catalog):
        self.observations, self.units, self.catalog = observations, units, catalog

    def quarterly(self, unit: str) -> pd.DataFrame:
        return rollup.quarterly(self.observations, self.units, self.catalog, unit)

    def coverage(self, unit: str) -> pd.DataFrame:
        return rollup.coverage(self.observations, self.units, unit)

    def quarters(self) -> list[str]:
        obs = self.observations
        return sorted(set(obs["period"]), key=periods.index) if len(obs) else []

    def trace(self, unit: str, wanted: pd.DataFrame, start: str, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        kids = goal_rows.children(self.units, unit)
        frames = [self.quarterly(k).assign(unit=k) for k in kids]
        kids_q = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["unit", *rollup.QUARTERLY_COLUMNS])
        obs = self.observations[self.observations["value"].notna()]
        own_reported = bool((obs["unit"] == unit).any())
        rows = pd.concat([_pick(kids_q, wanted, start, as_of)[TRACE_FRAME_COLUMNS],
                          _own_rows(_pick(self.quarterly(unit), wanted, start, as_of),
                                    _pick(kids_q, wanted, start, as_of), unit, own_reported)], ignore_index=True)
        # the uploads: which child's subtree each stored value belongs to
        top = {}
        for k in kids:
            for member in rollup.subtree(self.units, k):
                top[member] = k
        top[unit] = unit
        cells = _pick(obs[obs["unit"].isin(set(top))], wanted, start, as_of)
        ups = cells.assign(unit=cells["unit"].map(top))[TRACE_UPLOAD_COLUMNS].drop_duplicates()
        return rows, ups.astype({"upload_id": "int64"}).reset_index(drop=True)


class StoreFrames:
    """The frames read from the summary tables of a :class:`store.db.Store` (each read once)."""

    def __init__(self, store):
        self.store = store
        self._q: dict[str, pd.DataFrame] = {}
        self._c: dict[str, pd.DataFrame] = {}

    def quarterly(self, unit: str) -> pd.DataFrame:
        if unit not in self._q:
            self._q[unit] = self.store.unit_quarterly(unit)
        return self._q[unit]

    def coverage(self, unit: str) -> pd.DataFrame:
        if unit not in self._c:
            self._c[unit] = self.store.coverage(unit)
        return self._c[unit]

    def quarters(self) -> list[str]:
        return self.store.quarters()

    def trace(self, unit: str, wanted: pd.DataFrame, start: str, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        from store import schema as s
        from store.summary import SUMMARY_COLUMNS, _summary_frame, _tuples

        cv, cl, us, su = s.current_values, s.unit_closure, s.unit_summary, s.subtree_uploads
        cols = ["unit", *SUMMARY_COLUMNS]
        # the units directly below, as a subquery (no list of thousands of codes to send)
        below = sa.select(cl.c.descendant).where(cl.c.ancestor == unit, cl.c.depth == 1).scalar_subquery()
        found: list[tuple] = []
        rows: list[tuple] = []
        with self.store.read() as conn:
            own_reported = conn.execute(sa.select(cv.c.unit).where(cv.c.unit == unit).limit(1)).first() is not None
            # one read per group of cells an index range reads (flows over the span, the stocks
            # of their quarter): the children's roll-ups only where the trace shows them, and
            # the uploads behind each child's subtree grouped in SQL (DISTINCT child,
            # indicator, upload: a few rows per child, not one per stored value)
            for cond in cell_filters(us, wanted, start, as_of):
                found += _tuples(conn, sa.select(*[us.c[c] for c in cols]).where(us.c.unit.in_(below), cond))
            # the uploads behind each child: its own values and those below it (the kept
            # table store/subtree.py writes with every commit: a few rows per child, where
            # joining the closure with current_values read every value of the district)
            for cond, below_cond in zip(cell_filters(cv, wanted, start, as_of), cell_filters(su, wanted, start, as_of)):
                rows += _tuples(conn, sa.union(  # distinct in the database: one row per child, indicator, upload
                    sa.select(cv.c.unit, cv.c.indicator, cv.c.upload_id).where(cv.c.unit.in_(below), cond),
                    sa.select(su.c.ancestor, su.c.indicator, su.c.upload_id).where(su.c.ancestor.in_(below), below_cond)))
                if own_reported:  # the unit's own values by themselves
                    rows += [(unit, i, u) for i, u in _tuples(conn, sa.select(cv.c.indicator, cv.c.upload_id)
                                                               .distinct().where(cv.c.unit == unit, cond))]
        kids_q = _summary_frame(pd.DataFrame.from_records(found, columns=cols, nrows=len(found)))
        picked = _pick(kids_q, wanted, start, as_of) if len(kids_q) else pd.DataFrame(columns=TRACE_FRAME_COLUMNS)
        own = _own_rows(_pick(self.quarterly(unit), wanted, start, as_of), picked, unit, own_reported)
        ups = pd.DataFrame.from_records(rows, columns=["unit", "indicator", "upload_id"], nrows=len(rows))
        ups = ups.drop_duplicates()[TRACE_UPLOAD_COLUMNS]
        frame = pd.concat([f for f in (picked[TRACE_FRAME_COLUMNS], own) if len(f)], ignore_index=True) \
            if len(picked) or len(own) else pd.DataFrame(columns=TRACE_FRAME_COLUMNS)
        return frame, ups.astype({"upload_id": "int64"})


def cell_filters(cv, wanted: pd.DataFrame, start: str, as_of: str) -> list:
    """SQL conditions on ``cv`` (``current_values``, or ``unit_summary``: any table with
    ``indicator`` and ``period``) for the cells :func:`wanted_cells` asks for, one
    per group that an index range reads (flows over ``start``..``as_of``; the stocks of each
    quarter, written as a range so SQLite reads them by unit and indicator, not every value of
    the quarter): query them one by one, not joined with OR (one OR made SQLite read every
    value of each unit)."""
    every = [c for c, o in zip(wanted["indicator"], wanted["only"]) if o is None or pd.isna(o)]
    one = [(c, o) for c, o in zip(wanted["indicator"], wanted["only"]) if not (o is None or pd.isna(o))]
    terms = []
    if every:
        terms.append(sa.and_(cv.c.indicator.in_(every), cv.c.period >= start, cv.c.period <= as_of))
    by_period: dict[str, list[str]] = {}
    for c, o in one:
        if periods.index(start) <= periods.index(o) <= periods.index(as_of):
            by_period.setdefault(o, []).append(c)
    terms += [sa.and_(cv.c.indicator.in_(cs), cv.c.period >= p, cv.c.period <= p) for p, cs in by_period.items()]
    return terms
