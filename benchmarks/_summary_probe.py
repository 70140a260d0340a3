"""Probe for issue 12: the roll-ups kept in the database at size M (200 communities, 2,000
enterprises, 40 indicators, 20 quarters; about 1.5 M values), on SQLite.

    python benchmarks/_summary_probe.py [--communities 200] [--enterprises 2000] [--db PATH]

Writes the org tree and the values straight into the tables (one upload per quarter), then
times ``store.summary.rebuild``, the commit of one more quarter through ``Store.add_upload``
(with the summary kept inside it), one unit's roll-up read from the summary
(``Store.unit_quarterly``) against the old full path (``rollup.current(store.observations())``
then ``rollup.quarterly``), and ``store.summary.check``-free reads. Prints one JSON object.
Deterministic (seeded); not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import resources  # noqa: E402
from metrics import periods, rollup  # noqa: E402
from store import schema as s  # noqa: E402
from store import summary  # noqa: E402
from store.db import NewUpload, open_store  # noqa: E402


def tree(n_comm: int, n_ent: int) -> pd.DataFrame:
    rows = [("F", "总工会", "", "federation")]
    rows += [(f"C{c:04d}", f"社区{c}", "F", "community") for c in range(n_comm)]
    rows += [(f"E{e:05d}", f"企业{e}", f"C{e % n_comm:04d}", "enterprise") for e in range(n_ent)]
    return pd.DataFrame(rows, columns=["code", "name_zh", "parent", "level"]).assign(name_en="")


def values(codes: list[str], inds: list[str], period: str, rng) -> pd.DataFrame:
    n = len(codes) * len(inds)
    return pd.DataFrame({"unit": np.repeat(codes, len(inds)), "indicator": np.tile(inds, len(codes)),
                         "period": period, "value": rng.integers(0, 500, n).astype(float),
                         "approximate": rng.random(n) < 0.01})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communities", type=int, default=200)
    ap.add_argument("--enterprises", type=int, default=2000)
    ap.add_argument("--quarters", type=int, default=20)
    ap.add_argument("--db", default="/tmp/summary_probe.sqlite")
    a = ap.parse_args()
    rng = np.random.default_rng(12)
    cat = resources.catalog()
    inds = [i.code for i in cat if i.kind != "rate"][:40]
    Path(a.db).unlink(missing_ok=True)
    store = open_store(f"sqlite:///{a.db}")
    units = tree(a.communities, a.enterprises)
    store.add_units(units)
    reporters = units.loc[units["level"] != "federation", "code"].tolist()
    qs = [periods.shift("2016Q1", i) for i in range(a.quarters)]
    out: dict = {"units": len(units), "indicators": len(inds), "quarters": len(qs)}
    t = time.perf_counter()
    with store.engine.begin() as conn:  # bulk load, bypassing the maintenance (rebuilt below)
        for i, q in enumerate(qs):
            vals = values(reporters, inds, q, rng)
            conn.execute(sa.insert(s.uploads).values(id=i + 1, filename=f"{q}.xlsx", sha256=f"{i:064d}", size=0,
                                                     uploader="probe", uploaded_at=datetime.now(UTC), period=q))
            conn.execute(sa.insert(s.observations), vals.assign(upload_id=i + 1).to_dict("records"))
    out["values"] = len(reporters) * len(inds) * len(qs)
    out["bulk_load_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    with store.write() as conn:
        summary.rebuild(conn, cat)
    out["rebuild_s"] = round(time.perf_counter() - t, 1)
    nxt = periods.shift(qs[-1], 1)
    t = time.perf_counter()
    store.add_upload(NewUpload("next.xlsx", b"next quarter", "probe", values(reporters, inds, nxt, rng), nxt))
    out["commit_new_quarter_s"] = round(time.perf_counter() - t, 1)
    one = [c for c in reporters if c.startswith("C")][:1] + [c for c in reporters if units.set_index("code").loc[c, "parent"] == "C0000"]
    t = time.perf_counter()
    store.add_upload(NewUpload("again.xlsx", b"one community again", "probe", values(one, inds, qs[-3], rng), qs[-3]))
    out["commit_one_community_past_quarter_s"] = round(time.perf_counter() - t, 1)
    for unit in ("F", "C0000"):
        t = time.perf_counter()
        q = store.unit_quarterly(unit)
        cov = store.coverage(unit)
        out[f"read_summary_{unit}_s"] = round(time.perf_counter() - t, 3)
        out[f"read_summary_{unit}_rows"] = len(q) + len(cov)
    t = time.perf_counter()
    full = rollup.current(store.observations())
    out["old_observations_s"] = round(time.perf_counter() - t, 1)
    all_units = store.units()
    t = time.perf_counter()
    ref = rollup.quarterly(full, all_units, cat, "C0000")
    out["old_quarterly_C0000_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    rollup.quarterly(full, all_units, cat, "F")
    out["old_quarterly_F_s"] = round(time.perf_counter() - t, 2)
    got = store.unit_quarterly("C0000")
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, rtol=1e-9)
    out["C0000_equal"] = True
    print(json.dumps(out))


if __name__ == "__main__":
    main()
