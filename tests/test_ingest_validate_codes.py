"""The dry run numbers each cell's quarter and sheet without hashing 800,000 cells when they all
hold one text (the file's quarter, a one-sheet file); the numbers are pandas.factorize's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ingest.validate import _codes


def objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


QUARTER = "2016Q1"


@pytest.mark.parametrize("items", [
    [QUARTER] * 5, [QUARTER, "2016" + "Q1", QUARTER], [QUARTER, "2016Q2", QUARTER], [QUARTER, None, QUARTER],
    [None, QUARTER], [], [QUARTER, pd.NA], [QUARTER, float("nan")], ["季度数据"] * 3 + ["表2"], [1.0, 1.0],
])
def test_quarter_and_sheet_numbers_are_those_of_factorize(items):
    values = objects(items)
    codes = _codes(values)
    expected = pd.factorize(values, use_na_sentinel=False)[0]
    assert codes.dtype == expected.dtype and codes.tolist() == expected.tolist()


def test_one_quarter_in_every_cell_is_numbered_without_factorize(monkeypatch):
    values = objects([QUARTER] * 800_000)

    def refuse(*args, **kwargs):
        raise AssertionError("factorize called")

    monkeypatch.setattr(pd, "factorize", refuse)
    assert not _codes(values).any()
