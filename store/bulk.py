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
