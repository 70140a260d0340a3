"""Deterministic data for the harness (``python -m benchmarks``): an org tree and 20 quarters of
values, loaded through the store's own upload path.

Sizes: S is the example data (``bootstrap.ensure_example_data``, 84 units); M is one federation,
200 communities and 2,000 enterprises; L is 2,000 communities and 20,000 enterprises. Every
community and enterprise reports every stored (non-rate) indicator of 40 catalog indicators
(the example plan's goal indicators and their parts first, then the catalog's order) for the
20 quarters 2013Q1–2017Q4, so the 2016–2020 example plan has a base (2015Q4) and eight
quarters of progress. Parts never exceed their wholes (so rates stay at most 100%). Each quarter
is one :class:`store.db.NewUpload` (the bytes: the quarter's values as CSV), committed with
``Store.add_upload`` — the same road an import takes, so whatever the store keeps beside the
values (summary tables) is kept up to date.
"""

from __future__ import annotations

import io
import sqlite3
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

import bootstrap
import resources
from metrics import periods
from store.db import NewUpload, Store

SEED = 12
QUARTERS = periods.span("2013Q1", "2017Q4")
SIZES = {"S": (0, 0), "M": (200, 2_000), "L": (2_000, 20_000)}  # communities, enterprises
FED = "FED"


def indicators(n: int = 40) -> list:
    """The harness's ``n`` catalog indicators: the plan's goal indicators and the parts of its
    rates first, then the catalog in order."""
    catalog = resources.catalog()
    chosen: list[str] = []

    def take(code: str | None) -> None:
        if code and code in catalog.codes and code not in chosen:
            chosen.append(code)

    for goal in resources.example_plan()["goals"]:
        take(goal["indicator"])
        ind = catalog[goal["indicator"]]
        if ind.kind == "rate":
            take(ind.numerator)
            take(ind.denominator)
    for ind in catalog:
        if len(chosen) >= n:
            break
        take(ind.code)
        if ind.kind == "rate":  # a rate comes with its parts, or it has no figure
            take(ind.numerator)
            take(ind.denominator)
    return [catalog[c] for c in chosen[:n]]


def tree(communities: int, enterprises: int) -> pd.DataFrame:
    """One federation, ``communities`` community unions, ``enterprises`` enterprise unions spread
    evenly over them (codes C0001…, E00001…)."""
    rows = [{"code": FED, "name_zh": "测试区总工会", "name_en": "Test District Federation", "parent": "",
             "level": "federation"}]
    for c in range(communities):
        rows.append({"code": f"C{c + 1:04d}", "name_zh": f"第{c + 1}社区联合工会", "name_en": f"Community {c + 1}",
                     "parent": FED, "level": "community"})
    for e in range(enterprises):
        rows.append({"code": f"E{e + 1:05d}", "name_zh": f"第{e + 1}企业工会", "name_en": f"Enterprise {e + 1}",
                     "parent": f"C{e % communities + 1:04d}", "level": "enterprise"})
    frame = pd.DataFrame(rows)
    frame["is_example"] = False
    return frame


def quarter_values(units: pd.DataFrame, inds: list, quarter_no: int) -> pd.DataFrame:
    """One quarter's long table (unit, indicator, period, value, approximate) for every
    reporting unit; deterministic in (SEED, quarter_no)."""
    reporters = units.loc[units["level"] != "federation", "code"].to_numpy()
    stored = [i for i in inds if i.kind != "rate"]
    pos = {i.code: n for n, i in enumerate(stored)}
    base_rng = np.random.default_rng(SEED)
    base = base_rng.integers(20, 200, size=(len(reporters), len(stored))).astype(float)
    rng = np.random.default_rng([SEED, quarter_no])
    data = np.empty_like(base)
    for j, ind in enumerate(stored):
        if ind.kind == "stock":  # slow growth with noise
            data[:, j] = np.round(base[:, j] * (1 + 0.01 * quarter_no) + rng.integers(0, 5, len(reporters)))
        else:
            data[:, j] = rng.integers(0, 30, len(reporters))
    for _ in range(3):  # parts within wholes (chains need passes)
        for ind in inds:
            if ind.kind == "rate" and ind.numerator in pos and ind.denominator in pos:
                num, den = pos[ind.numerator], pos[ind.denominator]
                data[:, num] = np.minimum(data[:, num], data[:, den])
    period = QUARTERS[quarter_no]
    return pd.DataFrame({
        "unit": np.repeat(reporters, len(stored)),
        "indicator": np.tile([i.code for i in stored], len(reporters)),
        "period": period,
        "value": data.reshape(-1),
        "approximate": False,
    })


@dataclass
class Loaded:
    size: str
    n_units: int
    n_values: int
    seconds: float  # the store's upload path, every quarter
    baseline_seconds: float  # sqlite3 executemany of the same rows into a bare table


def _bare_insert(frames: list[pd.DataFrame]) -> float:
    """The floor: the same rows through sqlite3's executemany into a table of the same shape in
    memory, no indexes, one transaction per quarter."""
    con = sqlite3.connect(":memory:")
    con.execute("create table observations (id integer primary key, upload_id integer, unit text, indicator text,"
                " period text, value real, approximate integer)")
    started = time.perf_counter()
    for n, frame in enumerate(frames):
        with con:
            con.executemany("insert into observations (upload_id, unit, indicator, period, value, approximate)"
                            " values (?, ?, ?, ?, ?, ?)",
                            zip([n] * len(frame), frame["unit"].tolist(), frame["indicator"].tolist(),
                                frame["period"].tolist(), frame["value"].tolist(), frame["approximate"].tolist()))
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def load(store: Store, size: str, on_quarter=None) -> Loaded:
    """Fill an empty ``store`` with the data of ``size``; timed through the store's own path."""
    if size == "S":
        started = time.perf_counter()
        bootstrap.ensure_example_data(store)
        seconds = time.perf_counter() - started
        obs = store.observations()
        frames = [g for _, g in obs.groupby("period")]
        return Loaded(size, len(store.units()), len(obs), seconds, _bare_insert(frames))
    communities, enterprises = SIZES[size]
    units = tree(communities, enterprises)
    inds = indicators()
    frames = [quarter_values(units, inds, n) for n in range(len(QUARTERS))]
    started = time.perf_counter()
    store.add_units(units, actor="bench")
    for n, (quarter, frame) in enumerate(zip(QUARTERS, frames)):
        buf = io.StringIO()
        frame.to_csv(buf, index=False)
        store.add_upload(NewUpload(f"{quarter}_bench_{size}.csv", buf.getvalue().encode("utf-8"), "bench", frame,
                                   quarter, source="bench", report={"bench": size}))
        if on_quarter:
            on_quarter(n + 1, len(QUARTERS), time.perf_counter() - started)
    bootstrap.load_plan(store, resources.example_plan() | {"example": False}, actor="bench")
    seconds = time.perf_counter() - started
    return Loaded(size, len(units), sum(len(f) for f in frames), seconds, _bare_insert(frames))
