"""Refuse hostile and broken files before any parser sees them, quickly and in bounded memory.

The format is decided by the bytes, never by the file name: ``PK`` is a zip (.xlsx), the OLE
signature is a legacy .xls, anything else must decode as UTF-8 or GBK text without NUL bytes
to be a CSV. Checks, each raising :class:`~ingest.report.UnreadableFile` with a stable code:

* ``too_large``: more bytes than :data:`MAX_BYTES`; ``empty_file``.
* ``not_a_spreadsheet``: none of the above formats (a picture, a PDF, a .docx renamed .xlsx).
* ``corrupt_file``: a truncated zip, a zip without ``xl/workbook.xml``.
* ``zip_bomb``: the *declared* uncompressed sizes (from the zip directory, nothing is
  inflated) over :data:`MAX_UNZIPPED` in all or :data:`MAX_MEMBER` in one part, or a
  compression ratio no spreadsheet has, or too many parts.
* ``xml_entities``: a DOCTYPE or ENTITY declaration in any XML part (billion laughs, external
  entities); spreadsheets written by Excel, WPS or LibreOffice never have one.
* ``too_many_rows`` / ``too_many_columns``: the sheet's declared ``<dimension>`` (read from
  the first bytes of each sheet) beyond what a quarterly sheet could have.
"""

from __future__ import annotations

import io
import re
import zipfile

from ingest.report import UnreadableFile

MAX_BYTES = 25 * 1024 * 1024  # an upload: 20,000 enterprise rows x 40 indicators is ~6 MB as .xlsx
MAX_UNZIPPED = 400 * 1024 * 1024
MAX_MEMBER = 300 * 1024 * 1024
MAX_RATIO = 200  # real sheets compress 5-30x; only crafted data compresses hundreds of times
MAX_PARTS = 2000
MAX_ROWS = 60_000  # a quarterly sheet: one row per unit; a sub-district has at most a few thousand
MAX_COLS = 400

XLSX, XLS, CSV = "xlsx", "xls", "csv"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def sniff(data: bytes, filename: str) -> str:
    """The format of ``data``: ``xlsx``, ``xls`` or ``csv``; raises UnreadableFile otherwise."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile("too_large", filename, size_mb=round(len(data) / 1024 / 1024, 1),
                             limit_mb=MAX_BYTES // 1024 // 1024)
    if not data:
        raise UnreadableFile("empty_file", filename)
    if data[:4] == b"PK\x03\x04":
        return XLSX
    if data[:8] == _OLE:
        return XLS
    if data[:2] in (b"PK",) or b"\x00" in data[:4096]:
        raise UnreadableFile("not_a_spreadsheet", filename)
    if decode_text(data) is None:
        raise UnreadableFile("not_a_spreadsheet", filename)
    return CSV


def decode_text(data: bytes) -> str | None:
    """CSV text as UTF-8 (with or without BOM) or GBK/GB18030; None if it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        return text
    return None


def check_zip(data: bytes, filename: str) -> dict[str, tuple[int, int]]:
    """Check an .xlsx without inflating it; returns {sheet part: (rows, cols)} as declared."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableFile("corrupt_file", filename) from None
    names = {i.filename for i in infos}
    if "EncryptedPackage" in names:
        raise UnreadableFile("encrypted_file", filename)
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise UnreadableFile("not_a_spreadsheet" if "[Content_Types].xml" in names else "corrupt_file", filename)
    if len(infos) > MAX_PARTS:
        raise UnreadableFile("zip_bomb", filename)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER or total > MAX_UNZIPPED or (info.file_size > 5_000_000 and ratio > MAX_RATIO):
            raise UnreadableFile("zip_bomb", filename)
    dims: dict[str, tuple[int, int]] = {}
    try:
        for info in infos:
            if not (info.filename.endswith(".xml") or info.filename.endswith(".rels")):
                continue
            head = _scan_part(zf, info, filename)
            if info.filename.startswith("xl/worksheets/"):
                m = _DIMENSION.search(head)
                if m:
                    rows = int(m.group(4) or m.group(2) or 0)
                    cols = column_number((m.group(3) or m.group(1) or "A").decode())
                    dims[info.filename] = (rows, cols)
                    check_shape(rows, cols, filename)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UnreadableFile("corrupt_file", filename) from None
    return dims


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str) -> bytes:
    """Stream one XML part (its size is already bounded): refuse a DOCTYPE or ENTITY anywhere
    in it, however much padding comes first, and return its head up to ``<sheetData`` (at
    most 1 MB), where a worksheet's ``<dimension>`` stands."""
    head, tail, in_head = b"", b"", True
    with zf.open(info) as f:
        while chunk := f.read(1 << 16):
            if _ENTITY.search(tail + chunk):
                raise UnreadableFile("xml_entities", filename)
            if in_head:
                head += chunk
                if b"<sheetData" in head or len(head) > (1 << 20):
                    in_head = False
            tail = chunk[-64:]
    return head


def check_shape(rows: int, cols: int, where: str) -> None:
    if rows > MAX_ROWS:
        raise UnreadableFile("too_many_rows", where, rows=rows, limit=MAX_ROWS)
    if cols > MAX_COLS:
        raise UnreadableFile("too_many_columns", where, cols=cols, limit=MAX_COLS)
