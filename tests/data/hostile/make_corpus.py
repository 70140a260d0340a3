"""Generate the hostile-file corpus: small files that once killed or stalled the importer, or
could, each with the refusal it must get.

    python tests/data/hostile/make_corpus.py OUT_DIR      # writes the files, prints the cases

Nothing binary is committed: every case is built here from a small workbook written by
openpyxl, the committed LibreOffice .xls fixture (tests/data/ingest/2016Q1_template.xls,
patched record by record) or plain bytes. :data:`CASES` maps a case name to
``(file name, expected code, expected where or None)``; code None means the file may be read
(it must still be read within the time and memory bounds and store nothing).
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
XLS_FIXTURE = ROOT / "tests" / "data" / "ingest" / "2016Q1_template.xls"
TITLE = "卢沟桥街道总工会 2016年第1季度 工会工作统计表"
UNIT = "卢沟桥社区联合工会"
SHEET = "xl/worksheets/sheet1.xml"


def _good() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "季度数据"
    for row in ([TITLE], ["单位名称", "会员人数", "培训职工"], [UNIT, 200, 5]):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rezip(raw: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, (replace or {}).get(item.filename, zin.read(item)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def _sheet(transform) -> bytes:
    raw = _good()
    xml = zipfile.ZipFile(io.BytesIO(raw)).read(SHEET)
    return _rezip(raw, {SHEET: transform(xml)})


def _dimension(xml: bytes, ref: str | None) -> bytes:
    return re.sub(rb'<dimension ref="[^"]*"/>', b"" if ref is None else f'<dimension ref="{ref}"/>'.encode(), xml)


def _append_rows(xml: bytes, rows: bytes) -> bytes:
    return xml.replace(b"</sheetData>", rows + b"</sheetData>")


def xlsx_cell_xfd1048576_no_dimension() -> bytes:
    return _sheet(lambda x: _append_rows(_dimension(x, None), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def xlsx_cell_xfd1048576_false_dimension() -> bytes:
    return _sheet(lambda x: _append_rows(_dimension(x, "A1:B2"), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def xlsx_column_ap_far_row() -> bytes:
    return _sheet(lambda x: _append_rows(_dimension(x, "A1:B2"), b'<row r="1048576"><c r="AP1048576"><v>1</v></c></row>'))


def xlsx_far_column() -> bytes:
    return _sheet(lambda x: _append_rows(_dimension(x, None), b'<row r="4"><c r="XFD4"><v>1</v></c></row>'))


def xlsx_sparse_far_cells() -> bytes:
    """A thousand cells strewn down to row 59,000 and across to column 400: within the row and
    column limits, but the rectangle from A1 is 23.6 million cells."""
    rows = b"".join(f'<row r="{r}"><c r="{col}{r}"><v>{r}</v></c></row>'.encode()
                    for r, col in ((4 + i * 59, "OJ" if i % 2 else "B") for i in range(1000)))
    return _sheet(lambda x: _append_rows(_dimension(x, "A1:C3"), rows))


def xlsx_far_cell_behind_padding() -> bytes:
    pad = b"<!--" + b" " * 300_000 + b"-->"
    return _sheet(lambda x: _append_rows(x, pad + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def xlsx_cells_without_r() -> bytes:
    """Cells without an ``r`` attribute follow the one before: 500 of them reach column SF."""
    cells = b"<c><v>1</v></c>" * 500
    return _sheet(lambda x: _append_rows(_dimension(x, None), b'<row r="4">' + cells + b"</row>"))


def xlsx_prefixed_far_cell() -> bytes:
    """The same far cell written with a namespace prefix (still a cell to a parser)."""
    def tr(x: bytes) -> bytes:
        x = x.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ')
        return _append_rows(x, b'<x:row r="70000"><x:c r="A70000"><x:v>1</x:v></x:c></x:row>')
    return _sheet(tr)


def xlsx_sheet_outside_worksheets() -> bytes:
    """The far cell in a sheet part the relationships place outside xl/worksheets/."""
    raw = _good()
    z = zipfile.ZipFile(io.BytesIO(raw))
    xml = _append_rows(_dimension(z.read(SHEET), None), b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    rels = z.read("xl/_rels/workbook.xml.rels").replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="/xl/elsewhere/data.xml"')
    rels = rels.replace(b'Target="worksheets/sheet1.xml"', b'Target="elsewhere/../elsewhere/data.xml"')
    ct = z.read("[Content_Types].xml").replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere/data.xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in z.infolist():
            if item.filename == SHEET:
                zout.writestr("xl/elsewhere/data.xml", xml)
            else:
                zout.writestr(item.filename, {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": ct}.get(
                    item.filename, z.read(item)))
    return out.getvalue()


def xlsx_many_merges() -> bytes:
    merges = b"".join(f'<mergeCell ref="A{r}:XFD{r}"/>'.encode() for r in range(10, 60_010))
    return _sheet(lambda x: x.replace(b"</sheetData>", b'</sheetData><mergeCells count="60000">' + merges + b"</mergeCells>"))


def xlsx_huge_shared_strings_count() -> bytes:
    raw = _good()
    z = zipfile.ZipFile(io.BytesIO(raw))
    ct = z.read("[Content_Types].xml").replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = z.read("xl/_rels/workbook.xml.rels").replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                                                         b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                                         b'Target="sharedStrings.xml"/></Relationships>')
    sst = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           b'count="2000000000" uniqueCount="2000000000"><si><t>a</t></si></sst>')
    return _rezip(raw, {"[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels}, {"xl/sharedStrings.xml": sst})


def xlsx_deeply_nested() -> bytes:
    """100,000 nested elements in the sheet's extension list: harmless to a streaming parser."""
    deep = b"<extLst>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</extLst>"
    return _sheet(lambda x: x.replace(b"</worksheet>", deep + b"</worksheet>"))


def xlsx_billion_laughs() -> bytes:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                      for i in range(1, 10)) + b"]>")
    return _sheet(lambda x: lol + x.replace(b"<sheetData>", b"<sheetData><row r=\"9\"><c r=\"A9\" t=\"inlineStr\">"
                                                           b"<is><t>&lol9;</t></is></c></row>", 1))


def xlsx_zip_bomb_ratio() -> bytes:
    return _rezip(_good(), add={"xl/worksheets/sheet2.xml": b"\x00" * 20_000_000})


def xlsx_zip_bomb_padding() -> bytes:
    """A worksheet inflating to 250 MB of whitespace (over the per-part limit)."""
    raw = _good()
    z = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in z.infolist():
            if item.filename != SHEET:
                zout.writestr(item.filename, z.read(item))
        with zout.open(SHEET, "w", force_zip64=True) as f:
            xml = z.read(SHEET)
            f.write(xml[:-len(b"</worksheet>")])
            block = b" " * (1 << 20)
            for _ in range(250):
                f.write(block)
            f.write(b"</worksheet>")
    return out.getvalue()


def xlsx_many_parts() -> bytes:
    return _rezip(_good(), add={f"xl/media/p{i}.bin": b"x" for i in range(2100)})


def _xls(patch) -> bytes:
    """The committed LibreOffice .xls with its Workbook stream patched by ``patch(stream, records)``."""
    import olefile

    tmp = io.BytesIO(XLS_FIXTURE.read_bytes())
    path = Path(TMP) / "patch.xls"
    path.write_bytes(tmp.getvalue())
    ole = olefile.OleFileIO(str(path), write_mode=True)
    stream = bytearray(ole.openstream("Workbook").read())
    records, pos = [], 0
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        records.append((typ, pos, size))
        pos += 4 + size
    patch(stream, records)
    ole.write_stream("Workbook", bytes(stream))
    ole.close()
    return path.read_bytes()


TMP = "."


def xls_far_cell() -> bytes:
    def patch(stream, records):
        last = [p for t, p, _ in records if t == 0x00FD][-1]  # a LABELSST cell of the second sheet
        struct.pack_into("<HH", stream, last + 4, 0xFFFF, 0xFF)
    return _xls(patch)


def xls_far_column() -> bytes:
    def patch(stream, records):
        last = [p for t, p, _ in records if t == 0x00FD][-1]
        struct.pack_into("<HH", stream, last + 4, 3, 0xFFFF)
    return _xls(patch)


def xls_lying_dimensions() -> bytes:
    def patch(stream, records):
        first = [p for t, p, _ in records if t == 0x0200][0]
        struct.pack_into("<IIHH", stream, first + 4, 0, 0xFFFFFFFF, 0, 0xFFFF)
    return _xls(patch)


def xls_huge_sst_count() -> bytes:
    def patch(stream, records):
        sst = [p for t, p, _ in records if t == 0x00FC][0]
        struct.pack_into("<II", stream, sst + 4, 0xFFFFFFF0, 0xFFFFFFF0)
    return _xls(patch)


def csv_header() -> bytes:
    return "单位名称,会员人数\n".encode()


def csv_long_line() -> bytes:
    return csv_header() + b"x," + b"9" * 5_000_000 + b"\n"


def csv_100mb_line() -> bytes:
    return csv_header() + b"x," + b"9" * 100_000_000 + b"\n"


def csv_million_columns() -> bytes:
    return csv_header() + (b"," * 999_000 + b"\n") * 3


def csv_wide_row() -> bytes:
    return csv_header() + ",".join(["x"] + ["1"] * 500).encode() + b"\n"


def csv_cr_only_rows() -> bytes:
    return "单位名称,会员人数\r".encode() + b"x,1\r" * 100_000


def csv_nul_bytes() -> bytes:
    return csv_header() + f"{UNIT},1\n".encode() + b"\x00" * 10_000


def csv_utf16() -> bytes:
    return f"单位名称\t会员人数\n{UNIT}\t120\n".encode("utf-16")


def csv_big5() -> bytes:
    rows = ["單位名稱,會員人數,培訓職工", "盧溝橋社區聯合工會,120,5", "盧溝橋街道機關工會,80,3", "豐台區總工會,60,2"]
    return "\n".join(rows).encode("big5") + b"\n"


def csv_shift_jis() -> bytes:
    rows = ["単位名称,会員人数", "東京都労働組合連合会,120", "大阪市職員労働組合,80", "ナゴヤ工場ユニオン,60"]
    return "\n".join(rows).encode("shift_jis") + b"\n"


def csv_control_chars() -> bytes:
    rows = ["单位名称,会员人数,培训职工", "卢沟桥\x1b[2J\x1b[31m社区联合工会\x07,200,5",
            "\u202e会工新区社\u202c,7,1", "\x1b]0;pwned\x07新单位\x9b工会,3,1"]
    return "\n".join(rows).encode("utf-8") + b"\n"


def xlsx_control_chars() -> bytes:
    """Control characters as Excel escapes them (_x001B_) and a right-to-left override in a
    sheet name and in a unit name."""
    raw = _good()
    z = zipfile.ZipFile(io.BytesIO(raw))
    xml = z.read(SHEET).replace(UNIT.encode(), "卢沟桥_x001B_[31m社区\u202e联合工会".encode())
    xml = xml.replace("&#21346;&#27807;&#26725;&#31038;&#21306;&#32852;&#21512;&#24037;&#20250;".encode(),
                      "&#21346;&#27807;&#26725;_x001B_[31m&#31038;&#21306;&#x202e;&#32852;&#21512;&#24037;&#20250;".encode())
    book = z.read("xl/workbook.xml").replace("季度数据".encode(), "季度\u202e数据".encode())
    return _rezip(raw, {SHEET: xml, "xl/workbook.xml": book})


# name -> (file name, builder, expected code or None, expected where or None)
CASES = {
    "xlsx_cell_xfd1048576_no_dimension": ("2016Q1.xlsx", xlsx_cell_xfd1048576_no_dimension, "too_many_rows", "季度数据!XFD1048576"),
    "xlsx_cell_xfd1048576_false_dimension": ("2016Q1.xlsx", xlsx_cell_xfd1048576_false_dimension, "too_many_rows", "季度数据!XFD1048576"),
    "xlsx_column_ap_far_row": ("2016Q1.xlsx", xlsx_column_ap_far_row, "too_many_rows", "季度数据!AP1048576"),
    "xlsx_far_column": ("2016Q1.xlsx", xlsx_far_column, "too_many_columns", "季度数据!XFD4"),
    "xlsx_sparse_far_cells": ("2016Q1.xlsx", xlsx_sparse_far_cells, "too_many_cells", None),
    "xlsx_far_cell_behind_padding": ("2016Q1.xlsx", xlsx_far_cell_behind_padding, "too_many_rows", "季度数据!XFD1048576"),
    "xlsx_cells_without_r": ("2016Q1.xlsx", xlsx_cells_without_r, "too_many_columns", "季度数据!OK4"),
    "xlsx_prefixed_far_cell": ("2016Q1.xlsx", xlsx_prefixed_far_cell, "too_many_rows", "季度数据!A70000"),
    "xlsx_sheet_outside_worksheets": ("2016Q1.xlsx", xlsx_sheet_outside_worksheets, "too_many_rows", "季度数据!XFD1048576"),
    "xlsx_many_merges": ("2016Q1.xlsx", xlsx_many_merges, "too_many_cells", None),
    "xlsx_huge_shared_strings_count": ("2016Q1.xlsx", xlsx_huge_shared_strings_count, "corrupt_file", None),
    "xlsx_deeply_nested": ("2016Q1.xlsx", xlsx_deeply_nested, None, None),
    "xlsx_billion_laughs": ("2016Q1.xlsx", xlsx_billion_laughs, "xml_entities", None),
    "xlsx_zip_bomb_ratio": ("2016Q1.xlsx", xlsx_zip_bomb_ratio, "zip_bomb", None),
    "xlsx_zip_bomb_padding": ("2016Q1.xlsx", xlsx_zip_bomb_padding, "zip_bomb", None),
    "xlsx_many_parts": ("2016Q1.xlsx", xlsx_many_parts, "zip_bomb", None),
    "xls_far_cell": ("2016Q1.xls", xls_far_cell, "too_many_rows", "填报说明!IV65536"),
    "xls_far_column": ("2016Q1.xls", xls_far_column, "too_many_columns", None),
    "xls_lying_dimensions": ("2016Q1.xls", xls_lying_dimensions, "too_many_rows", None),
    "xls_huge_sst_count": ("2016Q1.xls", xls_huge_sst_count, "corrupt_file", None),
    "csv_long_line": ("2016Q1.csv", csv_long_line, "line_too_long", "2016Q1.csv!A2"),
    "csv_100mb_line": ("2016Q1.csv", csv_100mb_line, "too_large", None),
    "csv_million_columns": ("2016Q1.csv", csv_million_columns, "too_many_cells", None),
    "csv_wide_row": ("2016Q1.csv", csv_wide_row, "too_many_columns", "2016Q1.csv!OK2"),
    "csv_cr_only_rows": ("2016Q1.csv", csv_cr_only_rows, "too_many_rows", None),
    "csv_nul_bytes": ("2016Q1.csv", csv_nul_bytes, "not_a_spreadsheet", None),
    "csv_utf16": ("2016Q1.csv", csv_utf16, "encoding_unsupported", None),
    "csv_big5": ("2016Q1.csv", csv_big5, "encoding_unsupported", None),
    "csv_shift_jis": ("2016Q1.csv", csv_shift_jis, "encoding_unsupported", None),
    "csv_control_chars": ("2016Q1.csv", csv_control_chars, None, None),
    "xlsx_control_chars": ("2016Q1.xlsx", xlsx_control_chars, None, None),
}


def build(out: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Write the corpus (or the named cases) into ``out``; returns {case: path}."""
    global TMP
    out.mkdir(parents=True, exist_ok=True)
    TMP = str(out)
    paths = {}
    for name in names or list(CASES):
        filename, make, _code, _where = CASES[name]
        folder = out / name
        folder.mkdir(exist_ok=True)
        path = folder / filename
        path.write_bytes(make())
        paths[name] = path
    (out / "patch.xls").unlink(missing_ok=True)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for case, path in build(target).items():
        print(f"{case}\t{path.stat().st_size}\t{CASES[case][2]}")
    shutil.rmtree(target / "__pycache__", ignore_errors=True)
