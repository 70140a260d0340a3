"""The whole grid's read of the summary (issue 12, item 4: the units grid under 5 s at 22,001
units): the database packs each unit's cells into one row, Python parses the numbers in bulk,
and the cube equals the one read row by row, bit for bit, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from metrics import periods
from metrics import unitgrid as UG
from store import schema as s
from store.db import NewUpload, open_store

FIRST, LAST = "2015Q1", "2018Q1"
INDS = ["members", "trainees", "membership_rate", "card_rate"]


def _row_by_row(store, units, codes) -> UG.QuarterCube:
    """The cube as read before: every summary row through the driver, one tuple per cell."""
    t = s.unit_summary
    q = sa.select(t.c.unit, t.c.indicator, t.c.period, t.c.value, t.c.approximate, t.c.carried_units).where(
        t.c.period >= FIRST, t.c.period <= LAST, t.c.indicator.in_(INDS))
    if units is not None:
        q = q.where(t.c.unit.in_(units))
    with store.read() as conn:
        rows = [tuple(r) for r in conn.execute(q)]
    cols = list(zip(*rows))
    return UG.cube_from_arrays(*cols, units=codes, indicators=sorted(INDS), first=FIRST, last=LAST)


def _same_bits(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    here = ~np.isnan(a)
    np.testing.assert_array_equal(a[here].view(np.int64), b[here].view(np.int64))


def _awkward_values(rng: np.random.Generator, n: int) -> list[float | None]:
    """Doubles over the whole range (random bits: 17 significant digits; SQLite 3.40's printf
    with 17 digits misreads about 1 in 800 of them), fractions, extremes and missing values."""
    bits = rng.integers(0, 2**63, size=n, dtype=np.uint64).view(np.float64)
    bits = np.where(np.isfinite(bits), bits, 1.0) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
    out: list[float | None] = [float(v) for v in bits]
    specials = [0.1 + 0.2, 1 / 3, 2 / 3 * 1e-5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                123456789.12345679, 9007199254740993.0, 2.0**63, 1e22, 0.0, 7.0, None, None, None]
    out[:len(specials)] = specials
    return out


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_the_grids_cube_keeps_every_value_flag_and_carried_unit_bit_for_bit(db, request, tmp_path):
    import bootstrap

    url = request.getfixturevalue("pg_url") if db == "postgres" else f"sqlite:///{tmp_path / 'u.sqlite'}"
    store = open_store(url)
    try:
        bootstrap.ensure_example_data(store)
        store.add_uploads([NewUpload("c01.xlsx", b"c01 2018Q1", "t", pd.DataFrame(
            {"unit": ["C01"], "indicator": ["members"], "period": ["2018Q1"], "value": [1.0], "approximate": [True]}),
            "2018Q1")])
        t = s.unit_summary
        rng = np.random.default_rng(20261128)
        with store.write() as conn:
            keys = conn.execute(sa.select(t.c.unit, t.c.indicator, t.c.period).where(
                t.c.period >= FIRST, t.c.period <= LAST, t.c.indicator.in_(INDS))
                .order_by(t.c.unit, t.c.indicator, t.c.period)).all()
            pick = rng.choice(len(keys), size=min(4000, len(keys)), replace=False)
            values = _awkward_values(rng, len(pick))
            conn.execute(sa.update(t).where(t.c.unit == sa.bindparam("u"), t.c.indicator == sa.bindparam("i"),
                                            t.c.period == sa.bindparam("p"))
                         .values(value=sa.bindparam("v"), approximate=sa.bindparam("a"),
                                 carried_units=sa.bindparam("c")),
                         [{"u": keys[j][0], "i": keys[j][1], "p": keys[j][2], "v": v, "a": bool(rng.random() < 0.3),
                           "c": int(rng.integers(0, 200_000))} for j, v in zip(pick, values)])
            # a malformed quarter inside the range: not a quarter of the cube, left out
            conn.execute(sa.insert(t).values(unit=keys[0][0], indicator=keys[0][1], period="2016Q5", value=99.0,
                                             approximate=True, n_units=1, carried_units=3, num=None, den=None))
        codes = list(store.units()["code"])
        cube_units = codes + ["NO-ROWS"]  # a unit with no summary rows: NaN, not approximate, 0 carried
        for units in (None, codes[:7] + codes[-4:]):
            got = store.units_cube(units, INDS, FIRST, LAST, cube_units=cube_units)
            want = _row_by_row(store, units, cube_units)
            assert list(got.units) == cube_units and list(got.indicators) == sorted(INDS)
            _same_bits(got.values, want.values)
            np.testing.assert_array_equal(got.flags, want.flags)
            np.testing.assert_array_equal(got.carried, want.carried)
            assert np.isnan(got.values[:, -1]).all() and not got.flags[:, -1].any() and not got.carried[:, -1].any()
        assert np.isnan(want.values).any() and want.flags.any() and (want.carried > 100_000).any()
        assert want.width == len(periods.span(FIRST, LAST))
        finite = got.values[np.isfinite(got.values)]
        assert (np.abs(finite) > 1e200).any() and (np.abs(finite[finite != 0]) < 1e-200).any()
    finally:
        store.engine.dispose()


def test_the_whole_grids_read_hands_python_one_row_per_unit_not_one_per_cell(example_url):
    # at 22,001 units the read handed Python 5 M rows of six objects each (7.4 s of the grid's
    # 14.8 s); packed by the database it is one row per unit
    store = open_store(example_url)
    try:
        seen: list[tuple[str, object]] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def _seen(conn, cursor, statement, parameters, context, executemany):
            if "FROM unit_summary" in statement:
                seen.append((statement, parameters))

        codes = list(store.units()["code"])
        cube = store.units_cube(None, INDS, FIRST, LAST, cube_units=codes)
        assert len(seen) == 1
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(*seen[0]).all()
        cells = int((~np.isnan(cube.values) | cube.flags | (cube.carried != 0)).sum())
        assert cells > 1000 and len(rows) <= len(codes)
    finally:
        store.engine.dispose()
