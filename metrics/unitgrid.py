"""The units grid of a whole district at once (issue 12): every unit's pace and outlook against
its goals, from a cube of quarterly values instead of a long frame of them.

Pure, like the rest of ``metrics/``: arrays and frames in, new frames out.

Why a cube: at 22,001 units the grid needs 19 goals' values over 12 quarters (the base year to
the chosen quarter), 5 M numbers. As a long frame (``unit, indicator, period, value, ...``, one
row each) they cost more to build than to evaluate (tens of seconds of text columns), and
:func:`metrics.grid.quarter_matrices` then turns them into exactly this cube again, twice. A
:class:`QuarterCube` holds them once as arrays of shape (indicators, units, quarters); it can
stand wherever :mod:`metrics.grid` takes an all-units quarterly frame (``quarter_matrices``
asks it for its :meth:`QuarterCube.window`).

The method is unchanged: :func:`evaluate_cube` gives what :func:`metrics.goals.evaluate_units`
gives with ``cover_all`` (the same rows, the same values; tests/test_metrics_unitgrid.py
checks it against that road and against :func:`metrics.goals.judge` unit by unit):

- each unit's goals (:func:`metrics.grid.unit_goals_grid`: its base from the base year, its
  quota or the derived target) and their pace and outlook as of the chosen quarter
  (:func:`metrics.grid.evaluate_grid`);
- a unit whose chosen quarter is incomplete (fewer reporting units than expected) keeps the
  judgement of its latest complete quarter before it (not before the base period) when the
  incomplete quarter would make any goal's (status, outlook) more urgent (``held``,
  ``judged_at``), as :func:`metrics.goals.judge` does;
- ``reported``/``expected``/``incomplete`` from the unit's coverage of the chosen quarter;
  ``carried_units`` the roll-up's carried units of the goal's indicator in the quarter the
  goal was judged on (0 for cumulative goals); ``base_incomplete`` a base from the data (a
  unit's own base, or the federation's ``base_source`` "data") resting on an incomplete base
  quarter (:func:`metrics.goals.base_incomplete_all`).

Here the last three are array look-ups (a cell of the cube, a row of the coverage) where the
frame road merged the evaluation with the whole quarterly frame and looped over its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat

import numpy as np
import pandas as pd

from metrics import goals as goals_mod
from metrics import periods, progress
from metrics.catalog import Catalog
from metrics.grid import DuplicateQuarters


class QuarterCube:
    """Quarterly roll-ups of ``units`` × ``indicators`` over the quarters ``first``..``last``:
    ``values`` (float, NaN where nothing is reported or the value is missing), ``flags`` (the
    row's approximate flag) and ``carried`` (its carried units, 0 where there is no row), each
    of shape (indicators, units, quarters). Read-only once built."""

    def __init__(self, units: Sequence[str], indicators: Sequence[str], first: str, last: str,
                 values: np.ndarray, flags: np.ndarray, carried: np.ndarray):
        self.units = pd.Index([str(u) for u in units])
        self.indicators = pd.Index([str(i) for i in indicators])
        self.first, self.last = first, last
        self.start = periods.index(first)
        self.values, self.flags, self.carried = values, flags, carried
        for a in (values, flags, carried):
            a.setflags(write=False)

    @property
    def width(self) -> int:
        return self.values.shape[2]

    def window(self, units: Sequence[str], indicators: Sequence[str], first: str, last: str
               ) -> tuple[np.ndarray, np.ndarray]:
        """What :func:`metrics.grid.quarter_matrices` gives for these arguments: values and
        flags of shape (indicators, units, quarters ``first``..``last``); NaN / False for a unit,
        indicator or quarter outside the cube."""
        lo = periods.index(first) - self.start
        width = max(periods.index(last) - periods.index(first) + 1, 0)
        vals = np.full((len(indicators), len(units), width), np.nan)
        flgs = np.zeros(vals.shape, dtype=bool)
        rows = self.units.get_indexer(pd.Index([str(u) for u in units], dtype=object))
        slots = self.indicators.get_indexer(pd.Index([str(i) for i in indicators], dtype=object))
        cols = np.arange(width) + lo
        have_r, have_c = rows >= 0, (cols >= 0) & (cols < self.width)
        if width and have_r.any() and have_c.any():
            r, c = rows[have_r], cols[have_c]
            for k, slot in enumerate(slots):
                if slot >= 0:
                    vals[k][np.ix_(have_r, have_c)] = self.values[slot][np.ix_(r, c)]
                    flgs[k][np.ix_(have_r, have_c)] = self.flags[slot][np.ix_(r, c)]
        return vals, flgs

    def carried_at(self, units: np.ndarray, indicators: np.ndarray, quarters: np.ndarray) -> np.ndarray:
        """The carried units of each (unit, indicator, quarter) triple (0 outside the cube or
        where ``quarters`` is not a quarter code)."""
        n = len(units)
        out = np.zeros(n, dtype=np.int64)
        if not n:
            return out
        rows = self.units.get_indexer(pd.Index(units, dtype=object))
        slots = self.indicators.get_indexer(pd.Index(indicators, dtype=object))
        codes, uniq = pd.factorize(pd.Series(quarters, dtype=object), use_na_sentinel=True)
        col_of = np.array([periods.index(q) - self.start if isinstance(q, str) and periods.is_period(q) else -1
                           for q in uniq], dtype=np.int64)
        cols = np.append(col_of, -1)[codes]
        ok = (rows >= 0) & (slots >= 0) & (cols >= 0) & (cols < self.width)
        out[ok] = self.carried[slots[ok], rows[ok], cols[ok]]
        return out


class CubeBuilder:
    """A :class:`QuarterCube` of ``units`` × ``indicators`` × ``first``..``last`` built from
    batches of long rows (one per unit, indicator and quarter, in any order; rows of other
    units, indicators or quarters are left out): each batch is turned into positions at once,
    so a read of millions of rows never holds them as text."""

    def __init__(self, units: Sequence[str], indicators: Sequence[str], first: str, last: str):
        self.unit_index = pd.Index(list(dict.fromkeys(str(u) for u in units)), dtype=object)
        self.ind_index = pd.Index(list(dict.fromkeys(str(i) for i in indicators)), dtype=object)
        self.first, self.last = first, last
        self.lo = periods.index(first)
        self.width = max(periods.index(last) - self.lo + 1, 0)
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.unit_pos = {u: k for k, u in enumerate(self.unit_index)}
        self.ind_pos = {c: k for k, c in enumerate(self.ind_index)}
        self.period_pos = {p: k for k, p in enumerate(periods.span(first, last))} if self.width else {}

    @staticmethod
    def _positions(column: Sequence, lookup: dict) -> np.ndarray:
        """Each value's position in ``lookup`` (-1 if absent): one dictionary look-up per row,
        in C (``map`` of ``dict.get``)."""
        return np.fromiter(map(lookup.get, column, repeat(-1)), dtype=np.int64, count=len(column))

    def add(self, unit: Sequence, indicator: Sequence, period: Sequence, value: Sequence, approximate: Sequence,
            carried: Sequence) -> None:
        """One batch of rows, as columns (values may hold None for a missing value)."""
        if not len(unit) or not self.width:
            return
        u = self._positions(unit, self.unit_pos)
        i = self._positions(indicator, self.ind_pos)
        c = self._positions(period, self.period_pos)
        keep = (u >= 0) & (i >= 0) & (c >= 0)
        flat = (i[keep] * len(self.unit_index) + u[keep]) * self.width + c[keep]
        self.parts.append((flat, np.array(value, dtype=float)[keep], np.array(approximate, dtype=bool)[keep],
                           np.array(carried, dtype=np.int64)[keep]))

    def add_packed(self, unit: Sequence, cells: Sequence, codes: Sequence[str], values: Sequence[str]) -> None:
        """One batch of units' cells packed as text, one row per unit: ``cells`` numbers in
        each of ``codes`` and ``values``, comma-separated, cell by cell in the same order. A
        cell's code is ``k + mark × K``: ``k`` = indicator × quarters + quarter (positions in
        ``indicators`` and ``first``..``last``), ``K`` = indicators × quarters, ``mark`` =
        approximate + 2 × carried units; its value is ``nan`` where missing. The batch's numbers
        are parsed at once by numpy (C's strtod: a value written with 17 or more significant
        digits, or as the shortest text that reads back to it, comes back bit for bit); rows of
        other units are left out."""
        if not len(unit) or not self.width:
            return
        counts = np.asarray(cells, dtype=np.int64)
        total = int(counts.sum())
        code = np.fromstring(",".join(codes), dtype=np.int64, sep=",") if total else np.empty(0, np.int64)
        vals = np.fromstring(",".join(values), dtype=float, sep=",") if total else np.empty(0)
        if len(code) != total or len(vals) != total:
            raise ValueError(f"packed cells: {len(code)} codes and {len(vals)} values for {total} cells")
        whole = len(self.ind_index) * self.width
        mark, k = np.divmod(code, whole)
        u = np.repeat(self._positions(unit, self.unit_pos), counts)
        keep = (u >= 0) & (code >= 0)
        i, c = np.divmod(k[keep], self.width)
        flat = (i * len(self.unit_index) + u[keep]) * self.width + c
        flag = mark[keep] % 2
        self.parts.append((flat, vals[keep], flag.astype(bool), (mark[keep] - flag) // 2))

    def build(self) -> QuarterCube:
        """The cube. Raises :class:`metrics.grid.DuplicateQuarters` if a cell had two rows."""
        shape = (len(self.ind_index), len(self.unit_index), self.width)
        vals = np.full(shape, np.nan)
        flgs = np.zeros(shape, dtype=bool)
        carr = np.zeros(shape, dtype=np.int64)
        if self.parts:
            flat = np.concatenate([p[0] for p in self.parts])
            if len(flat) and np.bincount(flat).max() > 1:
                raise DuplicateQuarters("more than one quarterly row for a unit, indicator and quarter")
            vals.ravel()[flat] = np.concatenate([p[1] for p in self.parts])
            flgs.ravel()[flat] = np.concatenate([p[2] for p in self.parts])
            carr.ravel()[flat] = np.concatenate([p[3] for p in self.parts])
        self.parts = []
        return QuarterCube(self.unit_index, self.ind_index, self.first, self.last, vals, flgs, carr)


def cube_from_arrays(unit: Sequence, indicator: Sequence, period: Sequence, value: Sequence,
                     approximate: Sequence, carried: Sequence, units: Sequence[str],
                     indicators: Sequence[str], first: str, last: str) -> QuarterCube:
    """:class:`CubeBuilder` of one batch: the cube of ``units`` × ``indicators`` ×
    ``first``..``last`` from the columns of long rows."""
    builder = CubeBuilder(units, indicators, first, last)
    builder.add(unit, indicator, period, value, approximate, carried)
    return builder.build()


def cube_from_frame(quarters_all: pd.DataFrame, units: Sequence[str], indicators: Sequence[str],
                    first: str, last: str) -> QuarterCube:
    """:func:`cube_from_arrays` of an all-units quarterly frame (``unit, indicator, period,
    value, approximate`` and optionally ``carried_units``, :func:`metrics.goals.all_quarterly`)."""
    f = quarters_all
    carried = f["carried_units"].to_numpy() if "carried_units" in f else np.zeros(len(f), dtype=np.int64)
    return cube_from_arrays(f["unit"].to_numpy(dtype=object), f["indicator"].to_numpy(dtype=object),
                            f["period"].to_numpy(dtype=object), f["value"].to_numpy(dtype=float, na_value=np.nan),
                            f["approximate"].to_numpy(dtype=bool), carried, units, indicators, first, last)


def cube_span(plan_start: str, as_of: str) -> tuple[str, str]:
    """The quarters :func:`evaluate_cube` reads: the base year (the four quarters before the
    plan starts) to the chosen quarter."""
    return periods.shift(plan_start, -4), as_of


_STATUS_RANK = {c: i for i, c in enumerate(progress.STATUS_URGENCY)}
_OUTLOOK_RANK = {c: i for i, c in enumerate(progress.OUTLOOK_URGENCY)}


def _ranks(codes: pd.Series, ranks: dict) -> np.ndarray:
    return codes.map(ranks).to_numpy(dtype=float, na_value=np.nan)


def evaluate_cube(goals: pd.DataFrame, cube: QuarterCube, catalog: Catalog, plan_start: str, plan_end: str,
                  as_of: str, units: Iterable[str], root: str,
                  unit_quotas: Mapping[str, Mapping[str, float]] | None = None,
                  cover_all: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`metrics.goals.evaluate_units` (``detail=False``, with ``cover_all``: every unit's
    :func:`metrics.rollup.coverage_all` rows, not only some quarters) of ``units`` from ``cube``,
    which must hold the goals' indicators for the quarters of :func:`cube_span` (or more).
    Returns the same rows and columns (module docstring)."""
    units = [str(u) for u in units]
    ev = goals_mod.evaluate_units(goals, cube, catalog, plan_start, plan_end, as_of, units, root, unit_quotas)
    if cover_all is None:
        return ev
    return _judge(ev.reset_index(drop=True), goals, cube, cover_all, catalog, plan_start, plan_end, as_of, units,
                  root, unit_quotas)


def _judge(ev: pd.DataFrame, goals: pd.DataFrame, cube: QuarterCube, cover_all: pd.DataFrame, catalog: Catalog,
           plan_start: str, plan_end: str, as_of: str, units: list[str], root: str, unit_quotas) -> pd.DataFrame:
    n_goals = len(goals)
    now = cover_all[cover_all["period"] == as_of].drop_duplicates("unit").set_index("unit")
    complete_now = now["complete"].astype(bool)
    open_units = set(now.index[~complete_now.to_numpy()]) & set(units)
    held_at: dict[str, str] = {}
    if open_units and n_goals and len(set(units)) == len(units):
        # each open unit's latest complete quarter before the chosen one (not before the base period)
        part = cover_all[cover_all["unit"].isin(open_units) & cover_all["complete"].astype(bool)]
        codes, uniq = pd.factorize(part["period"])
        at = np.array([periods.index(p) for p in uniq], dtype=np.int64)[codes] if len(part) else np.array([], int)
        part = part.assign(_at=at)[at < periods.index(as_of)]
        last = part.groupby("unit")["_at"].max()
        floor = periods.index(periods.previous(plan_start))
        redo: dict[str, list[str]] = {}
        for u in units:
            before = last.get(u)
            if u in open_units and before is not None and before >= floor:
                redo.setdefault(periods.from_index(int(before)), []).append(u)
        block = {u: k * n_goals for k, u in enumerate(units)}
        for before, codes_ in redo.items():
            other = goals_mod.evaluate_units(goals, cube, catalog, plan_start, plan_end, before, codes_, root,
                                             unit_quotas).reset_index(drop=True)
            pos = (np.array([block[u] for u in codes_])[:, None] + np.arange(n_goals)).ravel()
            here = ev.iloc[pos]
            s_now, s_then = _ranks(here["status"], _STATUS_RANK), _ranks(other["status"], _STATUS_RANK)
            o_now, o_then = _ranks(here["outlook"], _OUTLOOK_RANK), _ranks(other["outlook"], _OUTLOOK_RANK)
            worse = (s_now < s_then) | ((s_now == s_then) & (o_now < o_then))  # (status, outlook) tuples
            hit = worse.reshape(len(codes_), n_goals).any(axis=1)
            if not hit.any():
                continue
            take = np.repeat(hit, n_goals)
            for j, col in enumerate(ev.columns):
                if col in other:
                    ev.iloc[pos[take], j] = other[col].to_numpy()[take]
            held_at.update({u: before for u, h in zip(codes_, hit) if h})
    elif open_units and n_goals:  # a unit asked for twice: the frame road's own rules
        return goals_mod._judge_units(ev, goals, _as_frame(cube), cover_all, catalog, plan_start, plan_end,
                                      as_of, root, unit_quotas)
    who = ev["unit"]
    # ``who.map(by_unit)`` looked up once per unit, not per row (418,000 rows of text at 22,001
    # units: each map cost about 0.1 s)
    w_codes, w_units = pd.factorize(who.to_numpy(dtype=object), use_na_sentinel=False)
    w_index = pd.Index(w_units, dtype=object)

    def per_unit(by_unit: pd.Series) -> pd.Series:
        if not by_unit.index.is_unique:
            return who.map(by_unit)
        return pd.Series(by_unit.reindex(w_index).to_numpy()[w_codes], index=who.index)

    ev["reported"] = per_unit(now["n_units"]).fillna(0).astype("int64").to_numpy()
    ev["expected"] = per_unit(now["expected"]).fillna(0).astype("int64").to_numpy()
    ev["incomplete"] = per_unit(~complete_now).eq(True).to_numpy()
    carried = cube.carried_at(who.to_numpy(dtype=object), ev["indicator"].to_numpy(dtype=object),
                              ev["period"].to_numpy(dtype=object))
    ev["carried_units"] = np.where(ev["target_type"].to_numpy() == "cumulative", 0, carried).astype("int64")
    flag = np.zeros(len(ev), dtype=bool)
    if len(cover_all):
        bases = goals_mod.base_incomplete_all(cover_all, plan_start)
        codes, uniq = pd.factorize(ev["indicator"].to_numpy(dtype=object))
        flow = np.array([catalog[c].kind == "flow" for c in uniq], dtype=bool)[codes]
        as_flow = per_unit(bases["flow"]).eq(True).to_numpy()
        as_stock = per_unit(bases["stock"]).eq(True).to_numpy()
        flag = np.where(flow, as_flow, as_stock)
    source = goals_mod._goal_base_source_map(goals)
    from_data = ev["target_source"].isin(["derived", "quota"]).to_numpy() | (
        (who == root).to_numpy() & _by_value(ev["indicator"], lambda c: source.get(c) == "data"))
    ev["base_incomplete"] = from_data & ev["base"].notna().to_numpy() & flag
    ev["held"] = who.isin(list(held_at)).to_numpy()
    judged = np.full(len(ev), as_of, dtype=object)
    if held_at:
        mine = who.isin(list(held_at)).to_numpy()
        judged[mine] = [held_at[u] for u in who[mine]]
    ev["judged_at"] = judged
    return ev.reset_index(drop=True)


def _fold(column: pd.Series, n_u: int, n_g: int, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """A column of ``n_u × n_g`` rows (unit by unit, goals in order) as a units × goals frame.
    Text without missing values (pandas' ``str``, what the frame infers from those texts) is
    taken column by column from the text array, not turned into Python objects and checked
    again (0.3 s at 22,001 units)."""
    if isinstance(column.dtype, pd.StringDtype) and not column.isna().any():
        rows = np.arange(n_u) * n_g
        return pd.DataFrame({k: column.array.take(rows + k) for k in range(n_g)}, index=index).set_axis(
            columns, axis=1)
    return pd.DataFrame(column.to_numpy(dtype=object).reshape(n_u, n_g), index=index, columns=columns)


def _by_value(column: pd.Series, test) -> np.ndarray:
    """``test`` of each value of ``column``, called once per distinct value."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    return np.array([bool(test(u)) for u in uniques], dtype=bool)[codes] if len(uniques) else np.zeros(0, bool)


def _as_frame(cube: QuarterCube) -> pd.DataFrame:
    """The cube as a long quarterly frame (rows with a value, a flag or carried units)."""
    i, u, c = np.nonzero(~np.isnan(cube.values) | cube.flags | (cube.carried != 0))
    span = np.array(periods.span(cube.first, cube.last), dtype=object)
    return pd.DataFrame({"unit": cube.units.to_numpy()[u], "indicator": cube.indicators.to_numpy()[i],
                         "period": span[c], "value": cube.values[i, u, c], "approximate": cube.flags[i, u, c],
                         "carried_units": cube.carried[i, u, c]})


def status_frames(evaluated: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`metrics.goals.status_grid` of ``status`` and of ``outlook`` (units down in the
    order given, goals across in goal order). An evaluation of :func:`evaluate_cube` comes unit
    by unit with the same goals in the same order: then each frame is its column folded into
    units × goals (no pivot of 418,000 rows of text at 22,001 units); otherwise the pivots."""
    unit = evaluated["unit"].to_numpy(dtype=object)
    ind = evaluated["indicator"].to_numpy(dtype=object)
    units, goals = pd.unique(unit), pd.unique(ind)
    n_u, n_g = len(units), len(goals)
    if n_u and len(evaluated) == n_u * n_g and (ind.reshape(n_u, n_g) == goals).all() \
            and (unit.reshape(n_u, n_g) == units[:, None]).all():
        index = pd.Index(units, name="unit")
        columns = pd.Index(goals, name="indicator")
        return tuple(_fold(evaluated[c], n_u, n_g, index, columns) for c in ("status", "outlook"))
    return goals_mod.status_grid(evaluated), goals_mod.status_grid(evaluated, "outlook")
