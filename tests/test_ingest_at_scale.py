"""The import checks at a district's size (issue 12): a quarterly file of 20,000 enterprise
rows, all new to the database, still finds what each rule must find. Their speed is measured
by the harness (python -m benchmarks), not here; a check gone quadratic would show there and
as a test timeout."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import Workbook

import resources
from ingest.importer import dry_run
from ingest.kept import kept_values
from ingest.template import header_text
from ingest.validate import _parts_against_stored

CATALOG = resources.catalog()
N = 20_000


def test_part_over_stored_whole_checks_20000_units_and_names_each_cell():
    units = [f"X{i:05d}" for i in range(N)]
    # the file brings 建会企业数 (the part); the stored state has 企业总数 (the whole)
    values = pd.DataFrame({"unit": units, "indicator": "union_enterprises", "period": "2016Q1",
                           "value": 5.0, "where": [f"季度数据!C{i + 4}" for i in range(N)]})
    stored = pd.DataFrame({"unit": units, "indicator": "enterprises_total", "period": "2016Q1", "value": 10.0,
                           "approximate": False})
    stored.loc[[7, 1234, 19_999], "value"] = 4.0  # three wholes below the file's part
    found = _parts_against_stored(values, stored, CATALOG)
    assert [(f.code, f.where) for f in found] == [("part_over_stored_whole", f"季度数据!C{i + 4}")
                                                  for i in (7, 1234, 19_999)]
    assert found[0].params["part_value"] == "5" and found[0].params["whole_value"] == "4"


def test_kept_values_of_a_file_of_700000_values():
    units = np.repeat([f"X{i:05d}" for i in range(N)], 35)
    codes = [i.code for i in CATALOG if i.kind != "rate"][:35]
    values = pd.DataFrame({"unit": units, "indicator": np.tile(codes, N), "period": "2016Q1", "value": 1.0,
                           "where": "季度数据!C4"})
    current = pd.DataFrame({"unit": ["C01", "C02", "X00001"], "indicator": ["members", "members", codes[0]],
                            "period": "2016Q1", "value": [3.0, 4.0, 5.0], "approximate": False})
    kept = kept_values(values, current, "2016Q1")
    assert [(k["unit"], k["reason"]) for k in kept] == [("C01", "not_in_file"), ("C02", "not_in_file")]


def test_dry_run_of_20000_new_units_gives_each_its_own_code():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("季度数据")
    ws.append(["卢沟桥街道总工会 2016年第1季度 工会工作统计表"])
    ws.append(["填报单位：卢沟桥街道总工会"])
    ws.append(["单位代码", "单位名称", header_text(CATALOG["members"])])
    for i in range(N):
        ws.append(["", f"新企业{i}工会", float(i % 50)])
    buf = io.BytesIO()
    wb.save(buf)
    empty = pd.DataFrame(columns=["unit", "indicator", "period", "value", "approximate"])
    prepared = dry_run(buf.getvalue(), "2016Q1.xlsx", catalog=CATALOG, units=resources.example_units(),
                       current=empty, allow_new_units=True)
    assert prepared.report.ok, prepared.report.codes()[:5]
    codes = prepared.new_units["code"]
    assert len(codes) == N and codes.is_unique and not set(codes) & set(resources.example_units()["code"])


def test_a_dry_run_compares_with_its_year_of_stored_quarters_without_reading_every_stored_value(
        example_store, monkeypatch):
    from ingest.importer import periods_needed, prepare

    def every_value(*_args, **_kwargs):
        raise AssertionError("the dry run read every stored value")

    monkeypatch.setattr(example_store, "observations", every_value)
    raw = (resources.DEMO_DIR / "2016Q3_example.xlsx").read_bytes()
    prepared = prepare(example_store, raw, "2016Q3_example.xlsx")
    assert prepared.report.duplicate_of is not None  # the example's own file, already stored
    # the same figures as stored: every value is compared with the stored one and unchanged
    assert prepared.report.counts["unchanged"] == len(prepared.values) > 0
    assert prepared.report.counts["new"] == 0
    read = type("Read", (), {"periods": [("2016Q3", "title")], "cells": pd.DataFrame({"period": [None]})})()
    assert periods_needed(read, None) == {"2016Q1", "2016Q2", "2016Q3"}
    assert periods_needed(read, "2017Q1") == {"2016Q1", "2016Q2", "2016Q3", "2016Q4", "2017Q1"}
