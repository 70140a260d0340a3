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


def huge_dimension() -> bytes:
    raw = good()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    import re
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:C1048576"/>', sheet)
    return rezip(raw, {"xl/worksheets/sheet1.xml": sheet})


def wide_dimension() -> bytes:
    raw = good()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    import re
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD3"/>', sheet)
    return rezip(raw, {"xl/worksheets/sheet1.xml": sheet})


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
    """A too-large <dimension> behind 100 kB of comment still counts."""
    raw = huge_dimension()
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml")
    head, rest = sheet.split(b"?>", 1) if sheet.startswith(b"<?xml") else (b"", sheet)
    return rezip(raw, {"xl/worksheets/sheet1.xml": head + b"?>" + b"<!--" + b" " * 100_000 + b"-->" + rest})


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
    assert elapsed < 0.9, f"{case} took {elapsed:.2f}s"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_csv_with_too_many_rows_is_refused():
    raw = ("单位名称,会员人数\n" + "x,1\n" * (guard.MAX_ROWS + 5)).encode()
    from tests.ingest_fixtures import run
    p = run(raw, "big.csv")
    assert p.report.errors[0].code == "too_many_rows"
