"""The column-wise wide-sheet reader gives, cell for cell, what the per-cell reader gave before
it (kept as ``tests/reader_v1.py``, the reference): the same cells frame (values, cell
references, kinds, dtypes, order), the same findings and the same counts, on random workbooks
full of what clerks send (text in number columns, blanks, merged category headers, formulas
saved without a value, dates, percentages as shares, 其中 rows and columns, 合计 and 小计 rows,
notes, a (万元) column, a 本季 / 本年累计 split). And it no longer builds a cell reference or
parses a cell one by one for each plain number cell of an 800,000-cell sheet."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import resources
from ingest import cells as C
from ingest import reader
from tests import reader_v1
from tests.ingest_fixtures import TITLE, xlsx

CATALOG = resources.catalog()
HEADERS = ["建会企业数", "职工人数", "会员人数", "职工入会率(%)", "其中：女职工会员", "为农民工讨薪金额（万元）",
           "调解劳资纠纷", "帮助企业解决难题"]

NUMBERS = st.one_of(st.integers(-5, 5_000).map(float), st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3)),
                    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
HOSTILE = st.one_of(
    st.sampled_from(["", " ", "—", "/", "无", "约300", "200余", "12,345", "98%", "0.98", "1.2万", "三百", "#DIV/0!",
                     "=A1+B1", "1e3", "（12）", "-", "n/a", "12 345", "２３"]),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
    st.booleans(),
    st.integers(-10**17, 10**17).map(float),
)
CELLS = st.one_of(st.none(), NUMBERS, NUMBERS, NUMBERS, HOSTILE)
LABELS = st.one_of(
    st.sampled_from(["丰益花园社区工会", "看丹社区工会", "新村社区工会", "其中：分会", "#车间", "合计", "总计", "小计", "",
                     "一、企业", "注：本表数据截至季末", "填表人：张三", "甲", "某某公司工会", "", "看丹社区工会"]),
    st.text("企业工会甲乙丙12", min_size=1, max_size=6))


def workbook(rows: list[list], header: list[str], split: bool, category: bool, formulas: list[tuple[int, int]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "季度数据"
    ws.append([TITLE])
    top = 2
    if category:  # a merged category row above the indicator row
        ws.append(["", "", "组建情况"] + [None] * (len(header) - 1))
        ws.merge_cells(start_row=2, start_column=3, end_row=2, end_column=2 + min(3, len(header)))
        top = 3
    ws.append(["单位代码", "单位名称"] + header)
    if split:  # 本季 / 本年累计 under the last indicator, merged across the two
        ws.append(["", ""] + [""] * (len(header) - 1) + ["本季", "本年累计"])
        ws.cell(row=top, column=2 + len(header) + 1, value=None)
        ws.merge_cells(start_row=top, start_column=2 + len(header), end_row=top, end_column=3 + len(header))
    first = ws.max_row + 1
    for row in rows:
        ws.append(row)
    for r, c in formulas:  # a formula saved by a program that does not calculate: no cached value
        if r < len(rows) and c < len(rows[r]):
            ws.cell(row=first + r, column=c + 1, value="=SUM(C3:D3)")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@st.composite
def hostile_workbooks(draw):
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=2, max_size=6, unique=True))
    if draw(st.booleans()):
        header.append("备注说明栏")  # an unknown column
    split = draw(st.booleans())
    width = len(header) + (1 if split else 0)
    n = draw(st.integers(0, 12))
    rows = []
    for r in range(n):
        code = draw(st.sampled_from(["", f"E{r:03d}", "B01", "栏次"]))
        rows.append([code, draw(LABELS)] + draw(st.lists(CELLS, min_size=0, max_size=width)))
    formulas = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(2, 2 + width)), max_size=3))
    return workbook(rows, header, split, draw(st.booleans()), formulas)


def as_objects(cells: pd.DataFrame) -> pd.DataFrame:
    """The old reader's frame with its Arrow text columns as object arrays (None where missing)."""
    out = cells.copy()
    for c in out.columns:
        if pd.api.types.is_string_dtype(out[c]):
            column = out[c].astype(object)
            out[c] = column.where(column.notna(), None)
    return out


def assert_same(raw: bytes) -> None:
    old = reader_v1.read_file(raw, "2016Q1.xlsx", CATALOG)
    new = reader.read_file(raw, "2016Q1.xlsx", CATALOG)
    # the same cells; text columns are object arrays now (they were Arrow strings)
    assert all(new.cells[c].dtype == object for c in old.cells.columns if pd.api.types.is_string_dtype(old.cells[c]))
    pd.testing.assert_frame_equal(new.cells, as_objects(old.cells))
    assert new.findings == old.findings
    assert (new.ignored, new.ignored_columns, new.periods, new.sheets) == \
        (old.ignored, old.ignored_columns, old.periods, old.sheets)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_workbooks())
def test_random_hostile_workbooks_read_as_the_per_cell_reader_read_them(raw):
    assert_same(raw)


def test_a_workbook_of_every_kind_of_row_reads_as_before():
    rows = [["单位代码", "单位名称", "建会企业数", "职工人数", "会员人数", "其中：女职工会员", "职工入会率(%)", "为农民工讨薪金额（万元）"],
            ["栏次", "甲", 1, 2, 3, 4, 5, 6],
            ["", "一、企业", None, None, None, None, None, None],
            ["B01", "丰益花园社区工会", 10, 200, 150, 40, 0.75, 1.5],
            ["", "其中：分会", 3, 50, "约40", 10, 0.8, None],
            ["B02", "看丹社区工会", "12,000", "—", 90, 200, 1, "=A1"],
            ["", "小计", 13, 250, 240, 50, None, 1.5],
            ["", "合计", 13, 250, 240, 50, None, 1.5],
            ["注：本表数据截至季末", None, None, None, None, None, None, None],
            ["", "", dt.datetime(2016, 3, 31), None, None, None, None, None],
            ["B03", "新村社区工会", True, 1e16, -3, None, "98%", 2]]
    assert_same(xlsx({"季度数据": [[TITLE]] + rows}))


def test_plain_number_cells_get_no_cell_reference_or_parse_of_their_own(monkeypatch):
    """A sheet of plain numbers: cell references are made per row (the unit's cell) and per
    column, not per cell; no number cell goes through parse_cell one by one."""
    n_rows, header = 300, HEADERS[:3]
    raw = workbook([[f"E{r:04d}", f"企业{r}工会"] + [float(r + c) for c in range(len(header))] for r in range(n_rows)],
                   header, split=False, category=False, formulas=[])
    calls = {"ref": 0, "parse": 0}
    real_ref, real_parse = reader.cell_ref, C.parse_cell

    def counting_ref(*args):
        calls["ref"] += 1
        return real_ref(*args)

    def counting_parse(*args, **kw):
        calls["parse"] += 1
        return real_parse(*args, **kw)

    monkeypatch.setattr(reader, "cell_ref", counting_ref)
    monkeypatch.setattr(C, "parse_cell", counting_parse)
    read = reader.read_file(raw, "2016Q1.xlsx", CATALOG)
    assert len(read.cells) == n_rows * len(header)
    assert read.cells["where"].iloc[-1] == f"季度数据!E{n_rows + 2}"
    assert calls["parse"] == 0
    assert calls["ref"] <= n_rows + 20  # one per unit row (its row_where), not one per cell
