"""Read and validate a quarterly workbook of 20,000 enterprise rows x 40 indicators, against
``pandas.read_excel(engine="openpyxl")`` of the same file, measured in the same run.

    /work/main/.venv/bin/python benchmarks/bench_ingest.py [--rows 20000] [--repeat 3]

The workbook is the template layout (title, header row, one row per enterprise, 合计 row)
written with openpyxl's write-only mode; units are generated enterprises added to the unit list.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from openpyxl import Workbook  # noqa: E402

import resources  # noqa: E402
from ingest.importer import dry_run  # noqa: E402
from ingest.template import header_text  # noqa: E402


def workbook(rows: int) -> tuple[bytes, pd.DataFrame]:
    catalog = resources.catalog()
    inds = list(catalog)[:40]
    rng = np.random.default_rng(1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("季度数据")
    ws.append(["卢沟桥街道总工会 2016年第1季度 工会工作统计表"])
    ws.append(["填报单位：卢沟桥街道总工会"])
    ws.append(["单位代码", "单位名称"] + [header_text(i) for i in inds])
    data = rng.integers(0, 50, size=(rows, len(inds))).astype(float)
    pos = {ind.code: n for n, ind in enumerate(inds)}
    for ind in [i for _ in range(4) for i in inds]:  # valid parts and wholes (chains need passes)
        if ind.kind == "rate":
            num, den = pos[ind.numerator], pos[ind.denominator]
            data[:, den] = np.maximum(data[:, den], data[:, num] + 1)
    for ind in inds:
        if ind.kind == "rate":
            data[:, pos[ind.code]] = np.round(data[:, pos[ind.numerator]] / data[:, pos[ind.denominator]] * 100, 1)
    codes = [f"X{n:05d}" for n in range(rows)]
    for code, line in zip(codes, data.tolist()):
        ws.append([code, f"企业{code}工会"] + line)
    ws.append(["", "合计"] + [None if i.kind == "rate" else v for i, v in zip(inds, data.sum(axis=0).tolist())])
    buf = io.BytesIO()
    wb.save(buf)
    units = pd.concat([resources.example_units(), pd.DataFrame({
        "code": codes, "name_zh": [f"企业{c}工会" for c in codes], "name_en": "", "parent": "LGQ",
        "level": "enterprise", "is_example": False})], ignore_index=True)
    return buf.getvalue(), units, len(inds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw, units, n_ind = workbook(args.rows)
    catalog = resources.catalog()
    empty = pd.DataFrame(columns=["unit", "indicator", "period", "value", "approximate"])
    ours, base = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        p = dry_run(raw, "2016Q1.xlsx", catalog=catalog, units=units, current=empty)
        ours.append(time.perf_counter() - t)
        n_stored = args.rows * sum(1 for i in list(catalog)[:n_ind] if i.kind != "rate")
        assert p.report.ok and not p.report.findings and len(p.values) == n_stored, p.report.codes()[:5]
        t = time.perf_counter()
        frame = pd.read_excel(io.BytesIO(raw), engine="openpyxl", header=2)
        base.append(time.perf_counter() - t)
    print(f"file: {args.rows} rows x {n_ind} indicators, {len(raw) / 1e6:.1f} MB; cpus {os.cpu_count()}")
    print(f"values read: {len(p.values)}; findings: {len(p.report.findings)}; pandas frame {frame.shape}")
    print(f"ingest.dry_run (read + validate): median {statistics.median(ours):.2f} s {[round(x, 2) for x in ours]}")
    print(f"pandas.read_excel(openpyxl):      median {statistics.median(base):.2f} s {[round(x, 2) for x in base]}")
    print(f"ratio pandas/ours: {statistics.median(base) / statistics.median(ours):.1f}x")


if __name__ == "__main__":
    main()
