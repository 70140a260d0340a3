"""Hostile and broken files: refused quickly, with a clear message, nothing stored touched."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest

import resources
from ingest import guard
from ingest.importer import prepare
from store.db import open_store
from tests.ingest_fixtures import TITLE, xlsx

C01 = "卢沟桥社区联合工会"


def good() -> bytes:
    return xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工"], [C01, 120, 5]]})


def rezip(raw: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, (replace or {}).get(item.filename, zin.read(item)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook with one part of 20 MB of zeros, compressed about 1000 times: no real sheet
    compresses like that (the guard reads only the zip directory, nothing is inflated)."""
    raw = good()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zin = zipfile.ZipFile(io.BytesIO(raw))
        for item in zin.infolist():
            z.writestr(item.filename, zin.read(item))
        z.writestr("xl/worksheets/sheet2.xml", b"\x00" * 20_000_000)  # 20 MB of zeros -> ~20 KB
    return buf.getvalue()


def far_cell(ref: str, dimension: str | None = "A1:C3") -> bytes:
    """One real cell at ``ref`` below the table; the declared <dimension> is ``dimension``."""
    raw = good()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    import re
    row = re.sub(r"[A-Z]+", "", ref)
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode(),
                   sheet)
    sheet = sheet.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode())
    return rezip(raw, {"xl/worksheets/sheet1.xml": sheet})


def huge_dimension() -> bytes:
    return far_cell("C1048576")


def wide_dimension() -> bytes:
    return far_cell("XFD3")


def entities() -> bytes:
    raw = good()
    z = zipfile.ZipFile(io.BytesIO(raw))
    sheet = z.read("xl/worksheets/sheet1.xml")
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
    return rezip(raw, {"xl/worksheets/sheet1.xml": lol + sheet.split(b"?>", 1)[-1] if sheet.startswith(b"<?xml") else lol + sheet})


def padded_entities() -> bytes:
    """The entity declaration hidden behind a long comment, past any fixed-size header check."""
    raw = good()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    body = sheet.split(b"?>", 1)[-1] if sheet.startswith(b"<?xml") else sheet
    pad = b"<!--" + b" " * 200_000 + b"-->"
    return rezip(raw, {"xl/worksheets/sheet1.xml": b'<?xml version="1.0"?>' + pad +
                       b'<!DOCTYPE x [<!ENTITY a "AAAA">]>' + body})


def padded_huge_dimension() -> bytes:
    """A far cell behind 100 kB of comment still counts."""
    raw = huge_dimension()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    return rezip(raw, {"xl/worksheets/sheet1.xml": sheet.replace(
        b"<sheetData>", b"<sheetData><!--" + b" " * 100_000 + b"-->")})


CASES = {
    "xml_entities_behind_padding": (padded_entities, "xml_entities"),
    "too_many_rows_behind_padding": (padded_huge_dimension, "too_many_rows"),
    "picture_named_xlsx": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "not_a_spreadsheet"),
    "pdf_named_csv": (lambda: b"%PDF-1.4\n\x00\x01\x02 binary", "not_a_spreadsheet"),
    "docx_named_xlsx": (lambda: _docx(), "not_a_spreadsheet"),
    "truncated": (lambda: good()[: len(good()) // 2], "corrupt_file"),
    "garbage_zip": (lambda: b"PK\x03\x04" + b"\xff" * 5000, "corrupt_file"),
    "corrupt_ole": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "corrupt_file"),
    "zip_bomb": (zip_bomb, "zip_bomb"),
    "too_many_rows": (huge_dimension, "too_many_rows"),
    "too_many_columns": (wide_dimension, "too_many_columns"),
    "too_large": (lambda: b"a,b\n" * (guard.MAX_BYTES // 4 + 10), "too_large"),
    "xml_entities": (entities, "xml_entities"),
    "empty": (lambda: b"", "empty_file"),
}


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_fast_and_nothing_changes(case, example_url):
    path = Path(example_url.removeprefix("sqlite:///"))
    store = open_store(example_url)
    store.engine.dispose()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    make, code = CASES[case]
    raw = make()
    store = open_store(example_url)
    start = time.perf_counter()
    p = prepare(store, raw, f"{case}.xlsx", catalog=resources.catalog())
    elapsed = time.perf_counter() - start
    store.engine.dispose()
    assert not p.report.readable and not p.can_commit
    f = p.report.errors[0]
    assert f.code == code, p.report.codes()
    assert f.message("zh") and f.message("en")
    assert elapsed < 2.0, f"{case} took {elapsed:.2f}s"  # the bound: refused in under 2 s
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_csv_with_too_many_rows_is_refused():
    raw = ("单位名称,会员人数\n" + "x,1\n" * (guard.MAX_ROWS + 5)).encode()
    from tests.ingest_fixtures import run
    p = run(raw, "big.csv")
    assert p.report.errors[0].code == "too_many_rows"


@pytest.mark.parametrize("dimension", ["A1:B2", "A1:XFD1048576", None], ids=["false_small", "false_huge", "none"])
def test_a_sheet_whose_dimension_lies_is_read_from_its_real_cells(dimension):
    """The <dimension> a sheet declares is not trusted either way: the bounds come from the
    cells present, so a file with a wrong dimension but a normal table reads normally."""
    from tests.ingest_fixtures import run, stored
    raw = good()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    import re
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode(),
                   sheet)
    p = run(rezip(raw, {"xl/worksheets/sheet1.xml": sheet}), "2016Q1.xlsx")
    assert p.report.readable and p.report.ok, p.report.codes()
    assert stored(p)[("C01", "members")] == 120


def test_one_far_cell_is_refused_naming_the_sheet_and_the_cell():
    from tests.ingest_fixtures import run
    p = run(far_cell("XFD1048576", dimension=None), "2016Q1.xlsx")
    f = p.report.errors[0]
    assert (f.code, f.where) == ("too_many_rows", "季度数据!XFD1048576")
    assert "季度数据!XFD1048576" in f.message("zh") and "1048576" in f.message("en")


def test_a_merge_reaching_column_xfd_costs_nothing():
    from tests.ingest_fixtures import run, stored, xlsx
    raw = xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工"], [C01, 120, 5]]}, {"季度数据": ["A1:XFD1"]})
    start = time.perf_counter()
    p = run(raw, "2016Q1.xlsx")
    assert time.perf_counter() - start < 2
    assert stored(p)[("C01", "members")] == 120
