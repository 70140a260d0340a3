"""Refuse hostile and broken files before any parser sees them, quickly and in bounded memory.

The format is decided by the bytes, never by the file name: ``PK`` is a zip (.xlsx), the OLE
signature is a legacy .xls, anything else must decode as UTF-8 or GBK text without NUL bytes
to be a CSV. :func:`check` runs every check for the format; each raises
:class:`~ingest.report.UnreadableFile` with a stable code:

* ``too_large``: more bytes than :data:`MAX_BYTES`; ``empty_file``.
* ``not_a_spreadsheet``: none of the above formats (a picture, a PDF, a .docx renamed .xlsx).
* ``corrupt_file``: a truncated zip, a zip without ``xl/workbook.xml``, XML that is not well
  formed, a shared-string table or .xls record that declares more than it holds.
* ``zip_bomb``: the *declared* uncompressed sizes (from the zip directory, nothing is
  inflated) over :data:`MAX_UNZIPPED` in all or :data:`MAX_MEMBER` in one part, or a
  compression ratio no spreadsheet has, or too many parts.
* ``xml_entities``: a DOCTYPE or ENTITY declaration in any XML part (billion laughs, external
  entities); spreadsheets written by Excel, WPS or LibreOffice never have one.
* ``too_many_rows`` / ``too_many_columns`` / ``too_many_cells``: a cell actually present (not
  the ``<dimension>`` a sheet declares, which may lie either way) beyond row
  :data:`MAX_ROWS` or column :data:`MAX_COLS`, or cells spread over more than
  :data:`MAX_CELLS` positions (the spreadsheet library allocates the whole rectangle from A1
  to the farthest cell: one cell at XFD1048576 would be 512 GB). ``where`` names the sheet
  and that cell. For .xlsx every worksheet is streamed; for .xls every cell record and the
  DIMENSIONS record of the BIFF stream is walked; for CSV rows, line length and cells are
  counted in the bytes before decoding.
* ``encoding_unsupported``: a CSV that is neither UTF-8 nor plausibly GBK/GB18030 (Big5,
  Shift-JIS, UTF-16 ... decode as GB18030 into nonsense): refused rather than guessed.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import xml.parsers.expat
import zipfile
from collections import Counter

from ingest.report import UnreadableFile

MAX_BYTES = 25 * 1024 * 1024  # an upload: 20,000 enterprise rows x 40 indicators is ~6 MB as .xlsx
MAX_UNZIPPED = 400 * 1024 * 1024
MAX_MEMBER = 200 * 1024 * 1024  # a worksheet of 60,000 rows x 40 numbers is about 90 MB of XML
MAX_OTHER = 20 * 1024 * 1024  # workbook.xml, styles.xml, relationships: kilobytes in real files
MAX_RATIO = 200  # real sheets compress 5-30x; only crafted data compresses hundreds of times
MAX_PARTS = 2000
MAX_ROWS = 60_000  # a quarterly sheet: one row per unit; a sub-district has at most a few thousand
MAX_COLS = 400
MAX_CELLS = 2_500_000  # rows x columns from A1 to the farthest cell (60,000 x 40 is 2.4 million)
MAX_MERGES = 50_000
MAX_LINE = 1_000_000  # characters in one CSV line

XLSX, XLS, CSV = "xlsx", "xls", "csv"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENTITY = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA (inverse of :func:`column_number`)."""
    out = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


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
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16 with a BOM
        raise UnreadableFile("encoding_unsupported", filename, encoding="UTF-16")
    if data[:2] in (b"PK",) or b"\x00" in data[:4096]:
        raise UnreadableFile("not_a_spreadsheet", filename)
    if decode_text(data) is None:
        raise UnreadableFile("not_a_spreadsheet", filename)
    return CSV


# sha256 -> (format, formula gaps), of the last files that passed every check
_PASSED: dict[str, tuple[str, dict[str, set[tuple[int, int]]]]] = {}


def check(data: bytes, filename: str) -> str:
    """Every check for the file's format; returns the format. A file that passed is
    remembered by its SHA-256, so the importer's pre-check and the reader check once; for an
    .xlsx with it what the same pass over each worksheet found (:func:`formula_gaps`)."""
    digest = hashlib.sha256(data).hexdigest()
    if digest in _PASSED:
        return _PASSED[digest][0]
    fmt = sniff(data, filename)
    gaps: dict[str, set[tuple[int, int]]] = {}
    if fmt == XLSX:
        check_zip(data, filename, gaps)
    elif fmt == XLS:
        check_xls(data, filename)
    else:
        check_csv(data, filename)
        decode_csv(data, filename)
    if len(_PASSED) > 16:
        _PASSED.clear()
    _PASSED[digest] = (fmt, gaps)
    return fmt


def formula_gaps(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """{sheet name: {(row, col)}} (zero-based) of the formula cells saved without a cached value
    that :func:`check` found in an .xlsx that passed it (see :class:`_SheetScan`); empty for
    other files and for bytes :func:`check` has not passed. The reader asks for them after the
    check, so no sheet's XML is read twice."""
    found = _PASSED.get(hashlib.sha256(data).hexdigest())
    return {} if found is None else {name: set(cells) for name, cells in found[1].items()}


# ---- CSV ----------------------------------------------------------------------------------------


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


def decode_csv(data: bytes, filename: str) -> str:
    """CSV text as UTF-8 or GBK/GB18030, or :class:`UnreadableFile` ``encoding_unsupported``.

    UTF-8 is self-checking (other encodings of Chinese almost never decode as UTF-8). GB18030
    decodes nearly any bytes, so a GB18030 reading is accepted only when it looks like
    simplified Chinese: at most 10% of its non-ASCII characters (and at most 2 when there are
    few) may fall outside the GB2312 hanzi and punctuation that clerks' files use. Big5 and
    Shift-JIS text read as GB18030 gives kana, box-drawing, private-use and rare characters
    far above that; such a file is refused naming the encoding it more likely is.
    """
    text = decode_text(data)
    if text is None:
        raise UnreadableFile("not_a_spreadsheet", filename)
    if text.isascii() or _is_utf8(data):
        return text
    if _plausible_gbk(text):
        return text
    raise UnreadableFile("encoding_unsupported", filename, encoding=_likely_encoding(data))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _plausible_gbk(text: str, sample: int = 200_000) -> bool:
    counts = Counter(ch for ch in text[: sample * 4] if ord(ch) > 0x7F)
    total = sum(counts.values())
    if not total:
        return True
    odd = 0
    for ch, n in counts.items():
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            odd += n
            continue
        if not (lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xF7):  # punctuation, full-width, hanzi
            odd += n
    return odd <= 2 or odd / total <= 0.10


def _likely_encoding(data: bytes) -> str:
    for name, codec in (("Big5", "big5"), ("Shift-JIS", "shift_jis"), ("EUC-KR", "euc_kr")):
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return name
    return "?"


def check_csv(data: bytes, filename: str) -> None:
    """Bound a CSV's rows, line length and cells in its bytes (``,`` ``;`` tab and line
    breaks are never part of a multi-byte character in UTF-8 or GB18030)."""
    import numpy as np

    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > MAX_ROWS:
        raise UnreadableFile("too_many_rows", f"{filename}!A{MAX_ROWS + 1}", rows=lines, limit=MAX_ROWS)
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = np.concatenate(([-1], np.flatnonzero((raw == 10) | (raw == 13)), [len(data)]))
    gaps = np.diff(breaks) - 1
    if len(gaps) and gaps.max() > MAX_LINE:
        at = int(gaps.argmax())
        line = data[: breaks[at] + 1].count(b"\n") + 1
        raise UnreadableFile("line_too_long", f"{filename}!A{line}", chars=int(gaps.max()), limit=MAX_LINE)
    fields = data.count(b",") + data.count(b"\t") + data.count(b";") + lines + 1
    if fields > MAX_CELLS:
        raise UnreadableFile("too_many_cells", filename, cells=fields, limit=MAX_CELLS)


# ---- .xlsx --------------------------------------------------------------------------------------

_SHEET_TAG = re.compile(rb'<(?:[\w.\-]+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]+)"')
_REL_TAG = re.compile(rb'<(?:[\w.\-]+:)?Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"'
                      rb'|<(?:[\w.\-]+:)?Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')
# The fast path reads cells written the way every spreadsheet program writes them,
# <c r="B7" ...>; any other <c> tag (no r, other quotes, a prefix) sends the part to the exact parse.
_FAST_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_FAST_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_NOT_CELL = re.compile(rb"<c(?![\s/>])")  # <col, <cfRule ... : counting <c less these counts _ANY_CELL
_PREFIX_MARK = re.compile(rb":(?:c[\s/>]|mergeCell)")
_PREFIXED_CELL = re.compile(rb"<[^\s<>/!?]+:(?:c|mergeCell)[\s/>]")
_SST = re.compile(rb'<(?:[\w.\-]+:)?sst\b[^>]*?\buniqueCount="([0-9]+)"')
_SI = re.compile(rb"<(?:[^\s<>/!?]+:)?si[\s/>]")
# a cell and its body (the reader's formula-gap rule since the first version), its value, its position
_FORMULA_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)
_VALUE = re.compile(rb"<v>(.*?)</v>", re.DOTALL)
_REF_ATTR = re.compile(rb'r="([A-Z]{1,3})(\d+)"')
_PENDING_MAX = 1 << 18


def check_zip(data: bytes, filename: str, gaps: dict | None = None) -> dict[str, tuple[int, int]]:
    """Check an .xlsx: the zip directory without inflating, then every XML part streamed once.
    Returns {sheet part: (rows, columns)} of the cells actually present; fills ``gaps`` (when
    given) with {sheet name: {(row, col)}} of formula cells saved without a value, for each
    worksheet the workbook lists."""
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
        big = info.filename.startswith(("xl/worksheets/", "xl/sharedStrings")) or not info.filename.endswith(
            (".xml", ".rels"))
        if (info.file_size > (MAX_MEMBER if big else MAX_OTHER) or total > MAX_UNZIPPED
                or (info.file_size > 5_000_000 and ratio > MAX_RATIO)):
            raise UnreadableFile("zip_bomb", filename)
    dims: dict[str, tuple[int, int]] = {}
    try:
        sheet_names = _sheet_names(zf, names)
        for info in infos:
            if not (info.filename.endswith(".xml") or info.filename.endswith(".rels")):
                continue
            if info.filename.startswith("xl/worksheets/") or info.filename in sheet_names:
                scan = _SheetScan(sheet_names.get(info.filename, info.filename.rsplit("/", 1)[-1]))
                _stream_part(zf, info, filename, scan)
                dims[info.filename] = (scan.max_row, scan.max_col)
                if scan.gaps and gaps is not None and info.filename in sheet_names:
                    gaps[sheet_names[info.filename]] = scan.gaps
            elif info.filename.startswith("xl/sharedStrings"):
                _stream_part(zf, info, filename, _StringsScan(filename))
            else:
                _stream_part(zf, info, filename, None)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise UnreadableFile("corrupt_file", filename) from None
    return dims


_BEYOND: dict[int, re.Pattern] = {}


def _columns_beyond(col: int) -> re.Pattern:
    """A pattern finding a fast-path cell ``<c r="..."`` whose column is right of column ``col``
    (more letters, or as many and later in the alphabet): most pieces of a sheet hold none, and
    then its column letters need not be taken out one by one."""
    found = _BEYOND.get(col)
    if found is None:
        letters = column_letters(col) if col else ""
        alternatives = [rb"[A-Z]{%d,3}" % (len(letters) + 1)] if len(letters) < 3 else []
        for at, ch in enumerate(letters):
            if ch != "Z":
                alternatives.append(letters[:at].encode() + b"[" + chr(ord(ch) + 1).encode() + b"-Z]"
                                    + (rb"[A-Z]{%d}" % (len(letters) - at - 1) if at < len(letters) - 1 else b""))
        body = b"|".join(alternatives) or rb"(?!)"
        found = _BEYOND[col] = re.compile(rb'<c r="(?:' + body + rb')[0-9]{1,7}"')
        if len(_BEYOND) > 1000:
            _BEYOND.clear()
    return found


def _sheet_names(zf: zipfile.ZipFile, names: set) -> dict[str, str]:
    """{worksheet part: sheet name} from workbook.xml and its relationships (both small)."""
    import html

    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    book = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels")
    if _ENTITY.search(book) or _ENTITY.search(rels):
        raise UnreadableFile("xml_entities", zf.filename or "")
    targets = {}
    for m in _REL_TAG.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode("utf-8", "replace")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rid.decode("utf-8", "replace")] = posixpath.normpath(part)  # a sheet may live anywhere
    out = {}
    for m in _SHEET_TAG.finditer(book):
        part = targets.get(m.group(2).decode("utf-8", "replace"))
        if part:
            out[part] = html.unescape(m.group(1).decode("utf-8", "replace"))
    return out


def _stream_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, scan) -> None:
    """Stream one XML part (its size is already bounded) in 64 kB pieces: refuse a DOCTYPE or
    ENTITY anywhere in it, however much padding comes first; check it is well-formed XML
    (expat, which never sees a DOCTYPE: the check runs on each piece before it is parsed);
    and hand each piece to ``scan``, cut at its last ``<`` so that no tag is split."""
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    if scan is not None and scan.exact:
        scan.attach(parser)
    tail, carry = b"", b""
    try:
        with zf.open(info) as f:
            while chunk := f.read(1 << 16):
                if _ENTITY.search(tail + chunk):
                    raise UnreadableFile("xml_entities", filename)
                tail = chunk[-64:]
                parser.Parse(chunk, False)
                if scan is not None and not scan.exact:
                    text = carry + chunk
                    cut = text.rfind(b"<")
                    cut = len(text) if cut < 0 else cut
                    carry = text[cut:]
                    if len(carry) > (1 << 20):  # one tag of a megabyte: no spreadsheet writes that
                        raise UnreadableFile("corrupt_file", filename)
                    scan.feed(text[:cut])
                    if scan.exact:  # the fast path gave up: parse the part again, exactly
                        _stream_part(zf, info, filename, scan)
                        return
            parser.Parse(b"", True)
            if scan is not None and not scan.exact:
                scan.feed(carry)
                if scan.exact:
                    _stream_part(zf, info, filename, scan)
                    return
            if scan is not None:
                scan.finish()
    except xml.parsers.expat.ExpatError:
        raise UnreadableFile("corrupt_file", filename) from None



def refuse_far(where: str, rows: int, cols: int) -> None:
    """Refuse a sheet whose farthest cell (``where``) makes it ``rows`` x ``cols``: the first
    bound it breaks names the finding (rows, then columns, then the cell area from A1)."""
    if rows > MAX_ROWS:
        raise UnreadableFile("too_many_rows", where, rows=rows, limit=MAX_ROWS)
    if cols > MAX_COLS:
        raise UnreadableFile("too_many_columns", where, cols=cols, limit=MAX_COLS)
    raise UnreadableFile("too_many_cells", where, cells=rows * cols, limit=MAX_CELLS)

class _SheetScan:
    """The farthest cell of one worksheet, from the cells actually present.

    Fast path: regular expressions over each piece (``<c r="B7"``), valid when every ``<c>``
    tag of the piece is of that form. Otherwise the exact path: expat start-element handlers,
    where a cell without ``r`` follows the one before it (next column; a ``<row>`` without
    ``r`` is the next row). Raises as soon as a bound is crossed, so a hostile sheet is
    refused after the first far cell.

    In the same pass, ``gaps``: the formula cells saved without a cached value ({(row, col)},
    zero-based), which come from programs that do not calculate (openpyxl, scripts; Excel and
    WPS always save the value). Fast path: a cell ``<c r="B7" ...>`` whose body has an ``<f``
    and no non-blank ``<v>``, found by :data:`_FORMULA_CELL` in the text up to the last
    ``</c>`` of what has come so far (the rest waits for the next piece, so no cell is cut),
    and only in text holding an ``<f``. Exact path: a ``c`` element with an ``f`` child and no
    ``v`` child holding more than blanks, at the cell's position as above.
    """

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.exact = False
        self.max_row = self.max_col = 0
        self.cells = self.merges = 0
        self.row = self.col = 0
        self.gaps: set[tuple[int, int]] = set()
        self._pending = b""  # text after the last </c>: the start of a cell that goes on
        self._formula = self._valued = self._in_v = False  # the exact path's current cell

    # fast path
    def feed(self, text: bytes) -> None:
        digits = _FAST_ROW.findall(text)  # one per <c r="B7" ...> (letters and digits checked)
        tags = text.count(b"<c") - len(_NOT_CELL.findall(text))  # every <c> tag (_ANY_CELL), counted
        if len(digits) != tags or (_PREFIX_MARK.search(text) and _PREFIXED_CELL.search(text)):
            self.exact = True
            self.max_row = self.max_col = self.cells = self.merges = 0
            self.gaps, self._pending = set(), b""
            return
        self._find_gaps(text)
        self.cells += tags
        self.merges += text.count(b"<mergeCell ") + text.count(b"<mergeCell>")
        if tags:
            row = max(map(int, set(digits)))
            col, col_letters = self.max_col, b""
            if _columns_beyond(self.max_col).search(text):  # the letters only when a column is new
                col_letters = max(set(_FAST_COL.findall(text)), key=lambda s: (len(s), s))
                col = column_number(col_letters.decode())
            rows, cols = max(row, self.max_row), max(col, self.max_col)
            if rows > MAX_ROWS or cols > MAX_COLS or rows * cols > MAX_CELLS:
                if rows > MAX_ROWS or (cols <= MAX_COLS and row > self.max_row):  # name the lowest cell
                    m = re.search(rb'<c r="([A-Z]{1,3})' + str(row).encode() + b'"', text)
                    self.raise_far(row, column_number(m.group(1).decode()), rows, cols)
                m = re.search(rb'<c r="' + col_letters + rb'([0-9]{1,7})"', text)  # the rightmost cell
                self.raise_far(int(m.group(1)), col, rows, cols)
            self.max_row, self.max_col = rows, cols
        self._check_counts()

    def _find_gaps(self, text: bytes) -> None:
        if b"<f" not in text and b"<f" not in self._pending:  # no formula: only the tail to keep
            end = text.rfind(b"</c>")
            self._pending = (self._pending + text)[-_PENDING_MAX:] if end < 0 else text[end + 4:]
            return
        text = self._pending + text if self._pending else text
        end = text.rfind(b"</c>")
        if end < 0:  # no cell ends here: keep the text (bounded: a cell is far shorter)
            self._pending = text[-_PENDING_MAX:]
            return
        end += 4
        done, self._pending = text[:end], text[end:]
        if b"<f" not in done:
            return
        for cell in _FORMULA_CELL.finditer(done):
            body = cell.group(2) or b""
            if b"<f" not in body:
                continue
            value = _VALUE.search(body)
            if value is None or not value.group(1).strip():
                ref = _REF_ATTR.search(cell.group(1))
                if ref:
                    self.gaps.add((int(ref.group(2)) - 1, column_number(ref.group(1).decode()) - 1))

    def raise_far(self, row: int, col: int, rows: int, cols: int) -> None:
        refuse_far(f"{self.sheet}!{column_letters(col)}{row}", rows, cols)

    def _check_counts(self) -> None:
        if self.cells > MAX_CELLS:
            raise UnreadableFile("too_many_cells", self.sheet, cells=self.cells, limit=MAX_CELLS)
        if self.merges > MAX_MERGES:
            raise UnreadableFile("too_many_cells", self.sheet, cells=self.merges, limit=MAX_MERGES)

    # exact path
    def attach(self, parser) -> None:
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars

    def _end(self, name: str) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "v":
            self._in_v = False
        elif local == "c" and self._formula:
            if not self._valued:
                self.gaps.add((self.row - 1, self.col - 1))
            self._formula = False

    def _chars(self, data: str) -> None:
        if self._in_v and not self._valued and data.strip():
            self._valued = True

    def _start(self, name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "c":
            ref = attrs.get("r")
            if ref:
                m = _CELL_REF.fullmatch(ref)
                if m is None:
                    raise ValueError(ref)
                self.row, self.col = int(m.group(2)), column_number(m.group(1))
            else:
                self.col += 1
                self.row = max(self.row, 1)
            self.cells += 1
            self._formula = self._valued = False
            if self.row > self.max_row or self.col > self.max_col:
                rows, cols = max(self.row, self.max_row), max(self.col, self.max_col)
                if rows > MAX_ROWS or cols > MAX_COLS or rows * cols > MAX_CELLS:
                    self.raise_far(self.row, self.col, rows, cols)
                self.max_row, self.max_col = rows, cols
            if self.cells > MAX_CELLS:
                self._check_counts()
        elif local == "row":
            ref = attrs.get("r")
            self.row = int(ref) if ref else self.row + 1
            self.col = 0
        elif local == "f":
            self._formula = True
        elif local == "v":
            self._in_v = True
        elif local == "mergeCell":
            self.merges += 1
            if self.merges > MAX_MERGES:
                self._check_counts()

    def finish(self) -> None:
        self._check_counts()


class _StringsScan:
    """sharedStrings.xml: the ``uniqueCount`` it declares (the spreadsheet library reserves
    room for that many strings up front) against the ``<si>`` entries it really holds."""

    exact = False

    def __init__(self, filename: str):
        self.filename = filename
        self.declared = None
        self.found = 0

    def feed(self, text: bytes) -> None:
        if self.declared is None:
            m = _SST.search(text)
            if m:
                self.declared = int(m.group(1))
                if self.declared > MAX_CELLS:
                    raise UnreadableFile("corrupt_file", self.filename)
        self.found += len(_SI.findall(text))

    def finish(self) -> None:
        if self.declared is not None and self.declared > self.found + 1000:
            raise UnreadableFile("corrupt_file", self.filename)


# ---- .xls ---------------------------------------------------------------------------------------

# BIFF records that hold one cell (row, column first) and the ones holding a run of cells
_CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6,
                 0x0003, 0x0001, 0x0002, 0x0004, 0x0005, 0x0206, 0x0406}
_RUN_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column
_BOF, _BOUNDSHEET, _DIMENSIONS, _SST_REC, _MERGECELLS, _FILEPASS = 0x0809, 0x0085, 0x0200, 0x00FC, 0x00E5, 0x002F


def check_xls(data: bytes, filename: str) -> None:
    """Walk the BIFF records of a legacy .xls (in its OLE container, via ``olefile``):
    every cell record's row and column, each sheet's DIMENSIONS record (the spreadsheet
    library reserves that rectangle before reading a cell), the shared-string count."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        stream_name = next((n for n in ("Workbook", "Book", "workbook", "BOOK") if ole.exists(n)), None)
        if stream_name is None:
            raise UnreadableFile("not_a_spreadsheet", filename)
        if ole.get_size(stream_name) > MAX_MEMBER:
            raise UnreadableFile("zip_bomb", filename)
        stream = ole.openstream(stream_name).read()
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - olefile raises OSError, struct.error, IndexError ... for damage
        raise UnreadableFile("corrupt_file", filename) from None
    try:
        _walk_biff(stream, filename)
    except struct.error:
        raise UnreadableFile("corrupt_file", filename) from None


def _walk_biff(stream: bytes, filename: str) -> None:
    names: dict[int, str] = {}
    sheet = filename
    max_row = max_col = cells = merges = 0
    pos, end = 0, len(stream)

    def far(row: int, col: int) -> None:  # zero-based cell position
        nonlocal max_row, max_col
        rows, cols = max(max_row, row + 1), max(max_col, col + 1)
        if rows > MAX_ROWS or cols > MAX_COLS or rows * cols > MAX_CELLS:
            refuse_far(f"{sheet}!{column_letters(col + 1)}{row + 1}", rows, cols)
        max_row, max_col = rows, cols

    while pos + 4 <= end:
        typ, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if body + size > end:
            raise UnreadableFile("corrupt_file", filename)
        if typ == _BOF:
            if pos in names:  # a sheet starts (an embedded chart's BOF does not restart the bounds)
                sheet = names[pos]
                max_row = max_col = 0
        elif typ == _BOUNDSHEET and size >= 8:
            (offset,) = struct.unpack_from("<I", stream, body)
            names[offset] = _biff_name(stream[body + 6: body + size]) or filename
        elif typ == _FILEPASS:
            raise UnreadableFile("encrypted_file", filename)
        elif typ in _CELL_RECORDS and size >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            cells += 1
            if row >= max_row or col >= max_col:
                far(row, col)
        elif typ in _RUN_RECORDS and size >= 6:
            row, first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, body + size - 2)
            cells += max(last - first + 1, 1)
            far(row, max(first, last))
        elif typ == _DIMENSIONS:
            if size >= 14:
                r0, r1, c0, c1 = struct.unpack_from("<IIHH", stream, body)
            elif size >= 10:
                r0, r1, c0, c1 = struct.unpack_from("<HHHH", stream, body)
            else:
                r0 = r1 = c0 = c1 = 0
            if r0 > r1 or c0 > c1:
                raise UnreadableFile("corrupt_file", filename)
            if r1 > r0 or c1 > c0:  # last row and column + 1: the rectangle reserved up front
                if r1 > MAX_ROWS + 1 or c1 > MAX_COLS + 1 or r1 * c1 > MAX_CELLS:
                    row, col = max(r1 - 1, 0), max(c1 - 1, 0)
                    where = f"{sheet}!{column_letters(col + 1)}{row + 1}"
                    if r1 > MAX_ROWS + 1:
                        raise UnreadableFile("too_many_rows", where, rows=r1, limit=MAX_ROWS)
                    if c1 > MAX_COLS + 1:
                        raise UnreadableFile("too_many_columns", where, cols=c1, limit=MAX_COLS)
                    raise UnreadableFile("too_many_cells", where, cells=r1 * c1, limit=MAX_CELLS)
        elif typ == _SST_REC and size >= 8:
            _total, unique = struct.unpack_from("<II", stream, body)
            if unique > MAX_CELLS or unique > len(stream) // 3:
                raise UnreadableFile("corrupt_file", filename)
        elif typ == _MERGECELLS and size >= 2:
            merges += struct.unpack_from("<H", stream, body)[0]
        if cells > MAX_CELLS:
            raise UnreadableFile("too_many_cells", sheet, cells=cells, limit=MAX_CELLS)
        if merges > MAX_MERGES:
            raise UnreadableFile("too_many_cells", sheet, cells=merges, limit=MAX_MERGES)
        pos = body + size


def _biff_name(raw: bytes) -> str:
    """A BOUNDSHEET sheet name: length, flags (bit 0: UTF-16), characters."""
    if len(raw) < 2:
        return ""
    n, flags = raw[0], raw[1]
    try:
        return raw[2: 2 + 2 * n].decode("utf-16-le") if flags & 1 else raw[2: 2 + n].decode("latin-1")
    except UnicodeDecodeError:
        return ""


def check_shape(rows: int, cols: int, where: str) -> None:
    if rows > MAX_ROWS:
        raise UnreadableFile("too_many_rows", where, rows=rows, limit=MAX_ROWS)
    if cols > MAX_COLS:
        raise UnreadableFile("too_many_columns", where, cols=cols, limit=MAX_COLS)
    if rows * cols > MAX_CELLS:
        raise UnreadableFile("too_many_cells", where, cells=rows * cols, limit=MAX_CELLS)
