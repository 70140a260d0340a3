"""Bulk inserts inside a :meth:`store.db.Store.write` transaction (issue 12 item 4).

SQLAlchemy's ``conn.execute(insert, list_of_dicts)`` builds a parameter dictionary per row and
runs its type processors on each value: about 40 µs a row here, 90 s for the 2.2 M summary rows a
quarter of 20,000 new units makes. :func:`insert_rows` hands plain tuples straight to the driver
on the same connection, so in the same transaction (SQLite: the ``BEGIN IMMEDIATE`` the write
took; PostgreSQL: the transaction and its locks):

* SQLite: ``cursor.executemany`` with ``?`` parameters;
* PostgreSQL: ``COPY … FROM STDIN`` through psycopg's ``cursor.copy`` (``write_row``).

Values must already be what the driver takes (``str``, ``int``, ``float``, ``bool``, ``None``;
:func:`frame_rows` makes them from a frame, NaN as ``None``). Rows are inserted in the order
given: callers sort them by the table's index key, so that SQLite adds to each B-tree in order
instead of at random places.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

#: rows handed to the driver per call (bounds the memory of the tuples made at once)
BATCH = 50_000


def frame_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """The rows of ``frame[columns]`` as tuples of Python values, NaN / NA as None."""
    cols = []
    for c in columns:
        series = frame[c]
        if series.dtype.kind == "f":
            arr = series.to_numpy(dtype=float)
            values = arr.tolist()
            if np.isnan(arr).any():
                values = [None if v != v else v for v in values]
        elif series.dtype.kind in "iub" and isinstance(series.dtype, np.dtype):
            values = series.to_numpy().tolist()
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        cols.append(values)
    return list(zip(*cols))


def insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` on ``conn``'s own
    transaction; returns how many. See the module docstring."""
    driver = conn.connection.driver_connection
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    target = conn.dialect.identifier_preparer.format_table(table)
    n = 0
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cur, cur.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    sql = f"INSERT INTO {target} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    cur = driver.cursor()
    try:
        batch = rows if isinstance(rows, list) else list(rows)
        cur.executemany(sql, batch)
        n += len(batch)
    finally:
        cur.close()
    return n


def insert_frame(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame, columns: Sequence[str] | None = None,
                 sort: Sequence[str] | None = None) -> int:
    """Insert ``frame[columns]`` (default: all its columns), sorted by ``sort`` first when given;
    the Python tuples are made :data:`BATCH` rows at a time (a quarter of 20,000 new units
    writes 2.2 M summary rows: as tuples at once, close to 1 GB)."""
    columns = list(columns or frame.columns)
    if not len(frame):
        return 0
    if sort:
        frame = frame.sort_values(list(sort), kind="stable")

    n = 0
    for start in range(0, len(frame), BATCH):
        n += insert_rows(conn, table, columns, frame_rows(frame.iloc[start:start + BATCH], columns))
    return n


def _column(values) -> tuple[np.ndarray | None, np.ndarray]:
    """``(codes, distinct)`` of a text column (codes ordered as the texts sort; each distinct text
    one Python object), or ``(None, array)`` of a number or flag column."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype.kind in "fiub" and isinstance(series.dtype, np.dtype):
        return None, series.to_numpy()
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        series = series.astype("str")  # mixed objects: as text (one sort order); missing stays missing
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=False)
    distinct = np.asarray(uniques, dtype=object)
    distinct[pd.isna(distinct)] = None
    return codes, distinct


def insert_columns(conn: sa.Connection, table: sa.Table, columns: dict, sort: Sequence[str] = ()) -> int:
    """Insert the rows given column by column (``{name: Series, array or scalar}``), sorted by
    the text columns ``sort`` first, :data:`BATCH` rows at a time. Each distinct text is one
    Python object handed to the driver for every row that has it (700,000 values of 20,000
    units: no 700,000 new strings per text column, as :func:`frame_rows` of a pandas ``str``
    column makes), and the order comes from integer codes (``np.lexsort``), not from sorting
    a frame of texts. Floats NaN go as None."""
    names = list(columns)
    n = max((len(v) for v in columns.values() if np.ndim(v)), default=0)
    if not n:
        return 0
    parts = {name: (_column(v) if np.ndim(v) else (None, np.full(n, v, dtype=object)))
             for name, v in columns.items()}
    order = np.lexsort([parts[k][0] for k in reversed(list(sort))]) if sort else np.arange(n)
    done = 0
    for start in range(0, n, BATCH):
        idx = order[start:start + BATCH]
        cols = []
        for name in names:
            codes, values = parts[name]
            picked = values[codes[idx]] if codes is not None else values[idx]
            out = picked.tolist()
            if picked.dtype.kind == "f" and np.isnan(picked).any():
                out = [None if v != v else v for v in out]
            cols.append(out)
        done += insert_rows(conn, table, names, list(zip(*cols)))
    return done
