"""The guard's pass over each worksheet also finds the formulas saved without a value, so an
upload's sheet XML is inflated and scanned once, not once by the guard and again by the reader.
The cells it finds are those the reader's own scan of the whole sheet found (kept in
``tests/reader_v1.py`` as the reference), wherever the 64 kB pieces of the stream cut the XML."""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from openpyxl import Workbook

import resources
from ingest import guard, reader
from tests import reader_v1
from tests.ingest_fixtures import TITLE

CATALOG = resources.catalog()


def big_workbook(rows: int, seed: int, prefixed: bool = False) -> bytes:
    """A template-like sheet of ``rows`` units with formula cells scattered over it, about half
    saved without a value (openpyxl writes ``<f>..</f><v></v>``) and half patched to hold one,
    so that formula cells fall across the guard's 64 kB pieces."""
    rnd = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.title = "季度数据"
    ws.append([TITLE])
    ws.append(["单位代码", "单位名称", "会员人数", "职工人数", "建会企业数"])
    for n in range(rows):
        r = n + 3
        row = [f"X{n:05d}", f"企业{n:05d}工会", rnd.randint(0, 500), rnd.randint(0, 900), rnd.randint(0, 3)]
        for c in range(2, 5):
            if rnd.random() < 0.08:
                row[c] = f"=C{r}+{rnd.randint(1, 9)}"
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                # every other formula gets a cached value, as Excel would have saved it
                count = iter(range(10**9))
                data = re.sub(rb"</f><v></v>", lambda m: b"</f><v>7</v>" if next(count) % 2 else m.group(0), data)
                if prefixed:  # a writer that prefixes the spreadsheet namespace: the exact parse
                    data = data.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                                        b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
                    data = re.sub(rb"<(/?)(worksheet|sheetData|row|c|f|v|is|t|sheetPr|outlinePr|pageSetUpPr|"
                                  rb"sheetViews|sheetView|selection|sheetFormatPr|dimension|pageMargins)\b",
                                  rb"<\1x:\2", data)
            zout.writestr(item, data)
    return out.getvalue()


@pytest.fixture
def counted_opens(monkeypatch):
    """How many times each zip member is opened in this process (``ZipFile.read`` opens too)."""
    opened: dict[str, int] = {}
    real_open = zipfile.ZipFile.open

    def open_(self, name, *args, **kwargs):
        key = name.filename if isinstance(name, zipfile.ZipInfo) else name
        opened[key] = opened.get(key, 0) + 1
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_)
    guard._PASSED.clear()
    return opened


def test_reading_an_upload_inflates_each_worksheet_once(counted_opens):
    raw = big_workbook(3000, seed=1)
    assert len(zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")) > 4 * 65536
    counted_opens.clear()
    result = reader.read_file(raw, "2016Q1.xlsx", CATALOG)
    assert counted_opens["xl/worksheets/sheet1.xml"] == 1
    assert (result.cells["error"] == "formula_no_value").sum() > 50
    assert set(result.cells.loc[result.cells["error"] == "formula_no_value", "where"]) == {
        reader.cell_ref("季度数据", r, c) for r, c in reader_v1._formula_gaps(raw)["季度数据"]}


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_formula_gaps_equal_a_scan_of_the_whole_sheet_wherever_the_pieces_cut(seed):
    raw = big_workbook(2500 + 700 * seed, seed=seed)
    guard._PASSED.clear()
    assert guard.check(raw, "f.xlsx") == guard.XLSX
    found = guard.formula_gaps(raw)
    expected = reader_v1._formula_gaps(raw)
    assert found == expected and len(expected["季度数据"]) > 100


def test_a_sheet_with_a_prefixed_namespace_has_its_formula_gaps_found_by_the_exact_parse():
    raw = big_workbook(400, seed=5, prefixed=True)
    plain = big_workbook(400, seed=5)
    guard._PASSED.clear()
    guard.check(raw, "f.xlsx")
    guard.check(plain, "g.xlsx")
    assert guard.formula_gaps(raw) == guard.formula_gaps(plain) == reader_v1._formula_gaps(plain)


def test_bytes_the_guard_has_not_passed_have_no_formula_gaps():
    guard._PASSED.clear()
    assert guard.formula_gaps(big_workbook(10, seed=6)) == {}


FRAGMENTS = [b'<c r="A1">', b'<c r="Z9"/>', b'<c r="AA12" t="s">', b'<c r="AP20001">', b'<c r="ZZ3">', b'<c r="AAA4">',
             b'<c r="XFD1048576"/>', b"<col min=\"1\"/>", b"<cols>", b"<cfRule>", b"<c>", b"<c/>", b"<c\t r=\"B2\">",
             b'<c  r="C3">', b"<c\nr=\"D4\">", b"</c>", b"<v>1</v>", b"<row r=\"7\">", b"x", b"<c", b'<c r="a1">']


@pytest.mark.parametrize("seed", range(40))
def test_the_sheet_scan_counts_cells_and_finds_the_farthest_column_as_the_plain_patterns_do(seed):
    """The fast path counts ``<c`` tags by ``bytes.count`` and takes column letters out only when
    a piece holds a column right of the farthest so far; the counts, the farthest row and column
    and the switch to the exact parse are those of the plain patterns over every piece."""
    rnd = random.Random(seed)
    pool = FRAGMENTS if seed % 4 == 0 else FRAGMENTS[:4] + FRAGMENTS[7:10] + FRAGMENTS[15:19]  # fast, in bounds
    scan = guard._SheetScan("s")
    far_row = far_col = 0
    for n in range(30):
        piece = b"".join(rnd.choice(pool) for _ in range(rnd.randint(0, 40)))
        if seed % 4 == 1 and n == 20:
            piece += rnd.choice(FRAGMENTS[4:7])  # a cell beyond the bounds, late
        letters, digits = guard._FAST_COL.findall(piece), guard._FAST_ROW.findall(piece)
        tags = len(guard._ANY_CELL.findall(piece))
        exact = len(letters) != tags or len(digits) != tags
        before = scan.cells
        try:
            scan.feed(piece)
        except Exception as exc:  # a far cell: refused by the plain rule too
            assert exc.__class__.__name__ == "UnreadableFile"
            rows = max([far_row] + [int(d) for d in digits])
            cols = max([far_col] + [guard.column_number(x.decode()) for x in letters])
            assert rows > guard.MAX_ROWS or cols > guard.MAX_COLS or rows * cols > guard.MAX_CELLS
            assert seed % 4 in (0, 1)
            return
        assert scan.exact == exact
        if exact:
            assert seed % 4 == 0
            return
        assert scan.cells == before + tags
        if tags:
            far_row = max([far_row] + [int(d) for d in digits])
            far_col = max([far_col] + [guard.column_number(x.decode()) for x in letters])
        assert (scan.max_row, scan.max_col) == (far_row, far_col)
    assert seed % 4 in (2, 3)  # the fast pieces went through to the end


@pytest.mark.parametrize("col", [0, 1, 2, 25, 26, 27, 42, 52, 400, 701, 702, 703, 18277])
def test_the_pattern_of_columns_beyond_the_farthest_finds_exactly_those(col):
    pattern = guard._columns_beyond(col)
    for n in range(1, 18279):
        ref = b'<c r="' + guard.column_letters(n).encode() + b'12"'
        assert (pattern.search(ref) is not None) == (n > col), (col, n)
