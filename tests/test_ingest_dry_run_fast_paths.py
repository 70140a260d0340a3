"""Short cuts of the dry run, each giving what the long way gives: each cell's quarter and sheet
numbered without hashing 800,000 cells when they all hold one text (the file's quarter, a
one-sheet file), as pandas.factorize numbers them; a row label of ASCII letters and digits (a
unit code) folded by lower case alone, as fold_header folds it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ingest import cells as C
from ingest.validate import _codes
from metrics.catalog import fold_header


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


@pytest.mark.parametrize("label", ["X00000", "C01", "SUM", "Total", "grandTOTAL", "subtotal", "sum1", "ABC", "a1b2",
                                   "ＳＵＭ", "X 0001", "合计", "Total(元)", "x\u00b2", "ⅸ", "٣"])
def test_a_unit_code_label_is_judged_as_the_folded_text_is(label):
    folded = fold_header(label)
    assert C.label_facts(label) == (folded, C.is_total_label(label), C.is_subtotal_label(label))
    assert C.label_facts(label)[0] == folded


def test_the_unit_filter_and_the_validation_number_the_file_s_unit_rows_once(monkeypatch):
    """The importer's unit filter (``file_units``) and the validation each needed every unit row
    once; they numbered the rows' cells (compare and factorize 800,000 cells) twice."""
    import io

    from openpyxl import Workbook

    import resources
    from ingest import importer
    from ingest.template import header_text

    catalog = resources.catalog()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("季度数据")
    ws.append(["卢沟桥街道总工会 2016年第1季度 工会工作统计表"])
    ws.append(["单位代码", "单位名称", header_text(catalog["members"]), header_text(catalog["employees"])])
    for n in range(300):
        ws.append([f"X{n:05d}", f"新企业{n}工会", float(n % 40), float(n % 40 + 10)])
    buf = io.BytesIO()
    wb.save(buf)
    numbered = []
    real = pd.factorize

    def factorize(values, *args, **kwargs):
        if len(values) == 600 and isinstance(values[0], str) and values[0].startswith("季度数据!B"):
            numbered.append(len(values))  # the unit rows' cells, by their row's cell
        return real(values, *args, **kwargs)

    monkeypatch.setattr(pd, "factorize", factorize)
    prepared = importer.dry_run(buf.getvalue(), "2016Q1.xlsx", catalog=catalog, units=resources.example_units(),
                                current=lambda *a: pd.DataFrame(columns=["unit", "indicator", "period", "value",
                                                                         "approximate"]),
                                allow_new_units=True)
    assert prepared.report.ok and len(prepared.new_units) == 300
    assert numbered == [600]
