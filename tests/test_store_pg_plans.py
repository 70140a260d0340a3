"""PostgreSQL plans every read of the store with its own values (issue 12).

psycopg 3 prepares a statement on the server after running it five times, and PostgreSQL may
then plan it once for any parameters. The chunked reads of the summary upkeep
("unit IN (500 codes) AND period BETWEEN …") got such a generic plan: a scan of the period
index with a 500-parameter filter on every row, 30 s each at size M, so a commit of 20,000 new
units took 25 minutes (benchmarks/RESULTS.md). The store's connections must not prepare: a
read run many times leaves no prepared statement in the session and is planned with its
values (the unit index, not the period index).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from store import schema
from store.db import NewUpload, open_store


def _store_with_values(url: str):
    store = open_store(url)
    units = [("F", "", "federation")] + [(f"C{i}", "F", "community") for i in range(3)] + \
        [(f"E{i:03d}", f"C{i % 3}", "enterprise") for i in range(60)]
    frame = pd.DataFrame(units, columns=["code", "parent", "level"])
    store.add_units(frame.assign(name_zh=frame["code"] + "名", name_en=frame["code"]))
    for q in ("2016Q1", "2016Q2", "2016Q3", "2016Q4"):
        values = pd.DataFrame([(f"E{i:03d}", "MEMBERS", q, float(100 + i), False) for i in range(60)],
                              columns=["unit", "indicator", "period", "value", "approximate"])
        store.add_upload(NewUpload(filename=f"{q}.xlsx", raw=q.encode(), uploader="clerk", values=values, period=q))
    return store


def test_postgresql_reads_are_never_prepared_so_each_is_planned_with_its_values(pg_url):
    store = _store_with_values(pg_url)
    cv = schema.current_values
    codes = [f"E{i:03d}" for i in range(0, 60, 2)]
    q = sa.select(cv.c.unit, cv.c.value).where(cv.c.period >= "2016Q1", cv.c.period <= "2016Q4",
                                               cv.c.unit.in_(codes))
    with store.read() as conn:
        for _ in range(12):  # past psycopg's five runs before it prepares
            assert len(conn.execute(q).all()) == 30 * 4
        prepared = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
    assert prepared == 0
    store.engine.dispose()
