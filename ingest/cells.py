"""Cell cleaning: what one spreadsheet cell, label or title says, as plain values.

Pure functions on single values, no pandas, no I/O. The reader calls them on every cell
(20,000 rows x 40 columns), so plain ints and floats take a short path, all patterns are
compiled once, and text is normalised (NFKC: full-width digits, commas, brackets and
percent signs to half-width) only when the short path does not apply.

- :func:`parse_cell`: a value cell -> :class:`Cell` (value, approximate, missing, error).
- :func:`is_total_label`, :func:`is_subtotal_label`, :func:`subset_label`,
  :func:`is_note_line`: what a row label or a line of text is.
- :func:`parse_period`, :func:`find_periods`: the quarter a title, cell or file name names.
- :func:`parse_header_unit`: the unit and multiplier in a column header.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from metrics import periods
from metrics.catalog import fold_header

# Error codes of a cell; stable, so the import report can map them to messages.
NOT_A_NUMBER = "not_a_number"
DATE_NOT_NUMBER = "date_not_number"
FORMULA_ERROR = "formula_error"

ERROR_CODES = (NOT_A_NUMBER, DATE_NOT_NUMBER, FORMULA_ERROR)


@dataclass(frozen=True, slots=True)
class Cell:
    """One cleaned value cell.

    ``value`` is a float or None; ``missing`` is True for an empty cell or a dash (never the
    same as zero); ``approximate`` is True for 约300, 200余, 2000多 and the like (``value`` is
    the number written, read as a lower bound); ``error`` is None or one of
    :data:`ERROR_CODES`; ``text`` is the original as a string (for messages); ``unit`` is the
    unit written in the cell after the number (``"万元"``, ``"人次"``, ``"%"``), or ``""``.
    """

    value: float | None
    approximate: bool = False
    missing: bool = False
    error: str | None = None
    text: str = ""
    unit: str = ""

    @property
    def ok(self) -> bool:
        """True when the cell holds a number (exact or approximate)."""
        return self.value is not None


MISSING = Cell(None, missing=True)

# Characters never kept in a name or text cell: C0 controls but tab and line breaks (ESC starts
# terminal escape sequences), DEL, C1 controls, and the invisible marks and overrides that turn
# text direction around (U+202A-U+202E, U+2066-U+2069, LRM, RLM, ALM).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# A whole terminal escape sequence (ESC [ 31 m, ESC ] 0;title BEL, CSI ...) goes, not only its ESC.
_ESCAPE_SEQUENCE = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?"
                              "|\x1b[@-Z\\\\-_]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and :data:`CONTROL_CHARS`."""
    return CONTROL_CHARS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def printable(text: str) -> str:
    """``text`` safe for a terminal: each control or direction character shown as its escape
    (``\\u001b``, ``\\u202e``, valid inside a JSON string too) instead of being sent raw."""
    return CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# --- parse_cell -------------------------------------------------------------------------

# Short path: a plain ASCII decimal, as most CSV and text cells are.
# At most 15 digits each side, so the float is finite and as exact as the text.
_PLAIN = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,15})?")
# No number this module accepts is longer; longer text is refused before any pattern runs.
_MAX_TEXT = 64

# Dashes of every width and kind, read as "-" (missing when alone, a minus sign before a number).
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
# Whitespace that is not between two digits ("1 234" stays an error, "300 人" is fine).
_LOOSE_SPACE = re.compile(r"(?<![0-9])\s+|\s+(?![0-9])")
_DASH_ONLY = re.compile(r"-+")
# After NFKC, dash folding and space removal; compared in lower case.
_MISSING_TOKENS = frozenset({"", "/", "//", "\\", "无", "暂无", "n/a", "na", "#n/a"})
_EXCEL_ERRORS = frozenset({"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#getting_data", "#spill!", "#calc!"})

_NUMBER = re.compile(
    r"""
    (?P<open>\()?
    (?P<pre>约计|大约|大概|约|将近|接近|近|逾|超过|超|>=|≥|>)?
    (?P<sign>[+-])?
    (?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
    (?P<exp>[eE][+-]?[0-9]{1,3})?
    (?P<post1>余|多|\+)?
    (?P<mag>万|亿)?
    (?P<post2>余|多)?
    (?P<pct>%)?
    (?P<unit>[\u4e00-\u9fff]{1,8}?|m2)??
    (?P<post3>左右|以上|上下|有余|许)?
    (?P<close>\))?
    """,
    re.VERBOSE,
)
# Dates typed as text: 2016-03-15, 2016/3/15, 2016.3, 2016年3月15日, 3月15日.
_DATE_TEXT = re.compile(r"(?:19|20)[0-9]{2}[-/.年][0-9]{1,2}(?:[-/.月][0-9]{1,2}日?|月)?|[0-9]{1,2}月[0-9]{1,2}日")
_DATE_UNITS = frozenset("年月日")
_MAGNITUDE = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_HUNDRED = Decimal(100)


def parse_cell(raw: object, *, percent: bool = False, multiplier: int = 1) -> Cell:
    """Clean one value cell as python-calamine (or a CSV reader) returns it.

    >>> parse_cell("1，234").value
    1234.0
    >>> parse_cell("200余万元")
    Cell(value=2000000.0, approximate=True, missing=False, error=None, text='200余万元', unit='万元')

    Rules, in order:

    - missing, not zero: None, NaN, ``""``, blanks, dashes of any width or number
      (``-``, ``--``, ``—``, ``——``, ``–``, ``－``), ``/``, ``／``, ``无``, ``暂无``, ``N/A``.
    - errors (``value`` None): bools -> ``not_a_number``; dates, times and durations ->
      ``date_not_number``; Excel error text (``#DIV/0!``) -> ``formula_error``; any text that
      is not one number (``见附表``, ``abc``, ``1.2.3``, ``1 234``, ``12,34``) -> ``not_a_number``;
      dates typed as text (``2016-03-15``, ``2016年3月``, ``2016年``, ``3月15日``) -> ``date_not_number``.
    - text numbers: full-width digits, commas and signs; thousands commas (``1,234``, only in
      groups of three); ``+12``; ``-5`` keeps its sign; ``(5)`` is -5 (accounting style);
      ``1.5E+04``; ``23万`` is 230000 and ``2亿`` 200000000; a trailing unit of CJK characters
      (``12件``, ``350平方米``, ``23万元``) is stripped and kept in ``Cell.unit``.
    - approximate (``approximate=True``, ``value`` the number written): prefixes 约, 大约,
      约计, 大概, 近, 将近, 接近, 逾, 超, 超过, ``>``, ``≥``; suffixes 余, 多, ``+`` (before or
      after 万), 左右, 以上, 上下, 有余, 许 (after the unit). ``近300`` means just under 300; it is
      kept as 300 and flagged like the others.
    - percent columns (``percent=True``): ``98%`` and ``98`` are 98.0; a share is turned into
      percent: text with a decimal point and absolute value <= 1 (``0.98``, ``1.0``), or a float
      cell with absolute value < 1 (a cell formatted as a percentage in Excel) -> x100. An
      int cell or text without a decimal point (``1``) is 1%. A float cell 1.0 is 1%, not 100%:
      python-calamine returns 1.0 both for a typed 1 and for a cell showing 100%, so deciding
      that needs the whole column and is the reader's job. Outside a percent column ``98%``
      is 98.0 with ``unit="%"``, so the reader can warn.
    - ``multiplier`` (from the header, ``（万元）`` -> 10000) scales bare numbers only; a cell
      that writes its own unit or magnitude (``23万元``, ``230000元``, ``5%``) is read as written.

    Whole numbers stay floats (1500 -> 1500.0). Decimal arithmetic is used for scaling, so
    ``0.985`` in a percent column is exactly 98.5 and ``1.23万`` exactly 12300.0.
    """
    kind = type(raw)
    if kind is float:
        return _from_float(raw, str(raw), percent, multiplier)
    if kind is str:
        if not raw:
            return MISSING
        if not percent and multiplier == 1 and _PLAIN.fullmatch(raw):
            return Cell(float(raw), text=raw)
        return _from_text(raw, percent, multiplier)
    if raw is None:
        return MISSING
    if kind is bool:
        return Cell(None, error=NOT_A_NUMBER, text=str(raw))
    if kind is int:
        return _from_int(raw, multiplier)
    if kind.__name__ in ("NAType", "NaTType"):  # pandas.NA, pandas.NaT
        return Cell(None, missing=True, text="")
    if isinstance(raw, (datetime, date, time, timedelta)):
        return Cell(None, error=DATE_NOT_NUMBER, text=str(raw))
    if isinstance(raw, str):  # numpy.str_ and other str subclasses
        return parse_cell(str(raw), percent=percent, multiplier=multiplier)
    dtype_kind = getattr(getattr(raw, "dtype", None), "kind", None)
    if dtype_kind == "b":  # numpy bool
        return Cell(None, error=NOT_A_NUMBER, text=str(raw))
    if dtype_kind in ("M", "m"):  # numpy datetime64, timedelta64
        return Cell(None, error=DATE_NOT_NUMBER, text=str(raw))
    if isinstance(raw, int):
        return _from_int(int(raw), multiplier)
    if isinstance(raw, float) or hasattr(raw, "__float__"):
        try:
            number = float(raw)  # numpy floats, Decimal, ...
        except (TypeError, ValueError, OverflowError):
            return Cell(None, error=NOT_A_NUMBER, text=str(raw))
        return _from_float(number, str(raw), percent, multiplier)
    return Cell(None, error=NOT_A_NUMBER, text=str(raw))


def _from_int(number: int, multiplier: int) -> Cell:
    try:
        return Cell(float(number * multiplier), text=str(number))
    except OverflowError:  # beyond the float range
        return Cell(None, error=NOT_A_NUMBER, text=str(number))


def _from_float(number: float, text: str, percent: bool, multiplier: int) -> Cell:
    if number != number:  # NaN: an empty cell as pandas reads it
        return Cell(None, missing=True, text="")
    if math.isinf(number):
        return Cell(None, error=NOT_A_NUMBER, text=text)
    if percent:
        if -1.0 < number < 1.0 and number != 0.0:
            return Cell(float(Decimal(repr(number)) * _HUNDRED), text=text)
        return Cell(number, text=text)
    if multiplier != 1:
        return Cell(float(Decimal(repr(number)) * multiplier), text=text)
    return Cell(number, text=text)


def _from_text(raw: str, percent: bool, multiplier: int) -> Cell:
    s = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    s = _LOOSE_SPACE.sub("", s)
    if len(s) > _MAX_TEXT:
        return Cell(None, error=NOT_A_NUMBER, text=raw)
    folded = s.lower()
    if folded in _MISSING_TOKENS or _DASH_ONLY.fullmatch(s):
        return Cell(None, missing=True, text=raw)
    if folded in _EXCEL_ERRORS:
        return Cell(None, error=FORMULA_ERROR, text=raw)
    m = _NUMBER.fullmatch(s)
    if m is None and _DATE_TEXT.fullmatch(s):
        return Cell(None, error=DATE_NOT_NUMBER, text=raw)
    if m is None or (m["open"] is None) != (m["close"] is None) or (m["open"] and m["sign"]):
        return Cell(None, error=NOT_A_NUMBER, text=raw)
    num, mag, unit = m["num"], m["mag"], m["unit"] or ""
    if unit[:1] in _DATE_UNITS:  # 2016年, 3月, 15日
        return Cell(None, error=DATE_NOT_NUMBER, text=raw)
    value = Decimal(num.replace(",", "") + (m["exp"] or ""))
    if mag:
        value *= _MAGNITUDE[mag]
    if m["pct"]:
        unit = "%"
    elif percent:
        if not mag and "." in num and abs(value) <= 1:
            value *= _HUNDRED
    elif multiplier != 1 and not mag and not unit:
        value *= multiplier
    if m["sign"] == "-" or m["open"]:
        value = -value
    number = float(value)
    if math.isinf(number):  # 1e999
        return Cell(None, error=NOT_A_NUMBER, text=raw)
    approximate = bool(m["pre"] or m["post1"] or m["post2"] or m["post3"])
    return Cell(number, approximate=approximate, text=raw, unit=(mag or "") + unit)


# --- row labels and lines -----------------------------------------------------------------

_TOTAL = re.compile(r"\D{0,12}?(?:合计|总计|共计)数?[:：]?|(?:grand)?total|sum")
_SUBTOTAL = re.compile(r"\D{0,12}?小计[:：]?|subtotal")


def is_total_label(text: object) -> bool:
    """True for the label of a whole-table total row: 合计, 总计, 共计, ``合 计``, 全街道合计,
    ``合计（不含X）``, Total.

    A prefix (全街道, 卢沟桥街道) is allowed, so 非公企业合计 also counts; a sheet with several
    such rows is for the reader to report. 小计 is *not* a total (it sums a group, not the
    table): see :func:`is_subtotal_label`. Neither is 累计 (a year-to-date column).
    """
    if not isinstance(text, str) or not text:
        return False
    return _TOTAL.fullmatch(fold_header(text)) is not None


def is_subtotal_label(text: object) -> bool:
    """True for a group subtotal row (小计, ``小 计``, 非公企业小计): not a unit, and not the
    table total either, so the reader neither stores it nor checks it against all rows."""
    if not isinstance(text, str) or not text:
        return False
    return _SUBTOTAL.fullmatch(fold_header(text)) is not None


def label_facts(text: object) -> tuple[str, bool, bool]:
    """(the folded text, :func:`is_total_label`, :func:`is_subtotal_label`) with one fold: the
    reader asks all three of each row label of a 20,000-row sheet."""
    if not isinstance(text, str) or not text:
        return (fold_header(text) if isinstance(text, str) else ""), False, False
    # a unit code such as X00000: ASCII letters and digits fold to their lower case alone (NFKC
    # leaves them, there is no space or bracketed unit to remove)
    folded = text.lower() if text.isascii() and text.isalnum() else fold_header(text)
    return folded, _TOTAL.fullmatch(folded) is not None, _SUBTOTAL.fullmatch(folded) is not None


_SUBSET = re.compile(r"\s*(?:其中|[#＃](?![A-Za-z]+[!?/])|of\s*which\b)\s*[:：]?\s*(?P<rest>.*?)\s*", re.IGNORECASE | re.DOTALL)


def subset_label(text: object) -> str | None:
    """The name in a subset row or child header (a part of the row or column before), else None.

    >>> subset_label("其中：XX社区")
    'XX社区'
    >>> subset_label("  其中") , subset_label("#女职工"), subset_label("XX社区")
    ('', '女职工', None)

    Recognised: 其中 (with or without ``:``/``：`` and spaces), ``#`` or ``＃``, "of which".
    The rest is returned as written (stripped, not normalised); ``""`` when nothing follows.
    Excel error text such as ``#N/A`` is not a subset.
    """
    if not isinstance(text, str):
        return None
    m = _SUBSET.fullmatch(text)
    return None if m is None else m["rest"]


_NOTE = re.compile(
    r"""
    (?:填报人|填表人|制表人|审核人|复核人|审批人|单位负责人|统计负责人|部门负责人|负责人[:：]|联系人
      |联系电话|电话[:：]|手机[:：]|报出日期|填报日期|填表日期|报送日期|制表日期|日期[:：]
      |注[:：0-9]|注释|备注[:：]|说明[:：]|填表说明|填报说明|编制说明|指标解释|数据来源|资料来源
      |单位盖章|\(盖章\)|签字|签名
      |[0-9]{1,2}[.、](?![0-9])|\([0-9]{1,2}\))
    """,
    re.VERBOSE,
)
_CIRCLED = re.compile(r"\s*[\u2460-\u2473\u3251-\u325f]")


def is_note_line(text: object) -> bool:
    """True for a note or signature line below a table, judged by how it starts.

    Signatures: 填报人, 填表人, 制表人, 审核人, 单位负责人, 统计负责人, 联系人, 联系电话,
    报出日期, 填报日期, ``(盖章)``. Notes: ``注：``, ``注1``, ``说明：``, 填表说明, 填报说明,
    数据来源, ``备注：``, numbered lines (``1.``, ``1、``, ``(1)``, ``①``; ``1.5`` is a number).
    Section headings such as ``一、组织建设`` are not notes. A data row can also start with
    ``1、``: call this on lines after the table (or rows whose other cells are empty).
    """
    if not isinstance(text, str) or not text.strip():
        return False
    if _CIRCLED.match(text):
        return True
    s = unicodedata.normalize("NFKC", text).lstrip()
    return _NOTE.match(s) is not None


# --- periods ----------------------------------------------------------------------------

_QUARTER_DIGIT = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_MONTH_RANGES = {(1, 3): 1, (4, 6): 2, (7, 9): 3, (10, 12): 4}
_YEAR = r"(?<![0-9])((?:19|20)[0-9]{2})"
_QUARTER_PATTERNS = (
    # 2016年第1季度, 2016年一季度, 2016年度第三季, 2016年 1季度
    re.compile(_YEAR + r"\s*年度?\s*第?\s*([1-4一二三四])\s*季"),
    # 2016Q1, 2016 Q1, 2016q1, 2016-Q1, 2016年Q1, 卢沟桥_2016Q3_统计
    re.compile(_YEAR + r"\s*年?\s*[-_.]?\s*[Qq]([1-4])(?![0-9])"),
)
# Q1 2016, Q3-2016
_QUARTER_FIRST = re.compile(r"(?<![A-Za-z0-9])[Qq]([1-4])\s*[-_ ]?\s*((?:19|20)[0-9]{2})(?![0-9])")
# 2016年1-3月, 2016年1月-3月, 2016年1月至2016年3月, 2016年10~12月
_MONTH_RANGE = re.compile(
    _YEAR + r"\s*年\s*([0-9]{1,2})\s*月?\s*[-~〜至到]\s*(?:((?:19|20)[0-9]{2})\s*年\s*)?([0-9]{1,2})\s*月"
)


class PeriodConflict(ValueError):
    """A text names more than one quarter; ``periods`` holds them, sorted."""

    def __init__(self, found: set[str]):
        self.periods = sorted(found)
        super().__init__(f"more than one quarter: {', '.join(self.periods)}")


def find_periods(text: object) -> set[str]:
    """Every quarter a title, cell or file name names, as ``"2016Q1"`` strings.

    >>> sorted(find_periods("2016年第一季度（1-3月）"))
    ['2016Q1']

    Forms: 2016年第1季度, 2016年第一季度, 2016年一季度, 2016年1季度, 2016年度第三季度;
    2016年1-3月 (also ``—``, ``～``, ``至``, 1月-3月, 1月至2016年3月) for 1-3, 4-6, 7-9, 10-12;
    2016Q1, 2016 Q1, 2016q1, 2016-Q1, 2016_Q3, Q1 2016; full-width digits and letters.
    Not periods: single dates and months (2016年3月15日, 有效期至2018年12月), and month ranges
    that are not one quarter (2016年1-6月 is a half year, often year-to-date figures).
    """
    if not isinstance(text, str) or not text:
        return set()
    s = unicodedata.normalize("NFKC", text).translate(_DASHES)
    found: set[str] = set()
    for pattern in _QUARTER_PATTERNS:
        for year, q in pattern.findall(s):
            found.add(periods.make(int(year), _QUARTER_DIGIT[q]))
    for q, year in _QUARTER_FIRST.findall(s):
        found.add(periods.make(int(year), int(q)))
    for year, first, year2, last in _MONTH_RANGE.findall(s):
        q = _MONTH_RANGES.get((int(first), int(last)))
        if q is not None and (not year2 or year2 == year):
            found.add(periods.make(int(year), q))
    return found


def parse_period(text: object) -> str | None:
    """The one quarter a text names (``"2016Q1"``), None if it names none.

    Raises :class:`PeriodConflict` (a ValueError) if it names two different quarters; use
    :func:`find_periods` to list them for a report. See :func:`find_periods` for the forms.

    >>> parse_period("卢沟桥街道总工会 2016年第1季度 工会工作统计表")
    '2016Q1'
    >>> parse_period("卢沟桥_2016Q3_统计.xlsx")
    '2016Q3'
    """
    found = find_periods(text)
    if len(found) > 1:
        raise PeriodConflict(found)
    return next(iter(found), None)


# --- header units -----------------------------------------------------------------------


class HeaderUnit(NamedTuple):
    """A header split into its folded name, its unit as written (or None) and the multiplier."""

    name: str
    unit: str | None
    multiplier: int

    @property
    def percent(self) -> bool:
        return self.unit == "%"


_BRACKETED = re.compile(r"[(\[【]([^()\[\]【】]{1,12})[)\]】]$")
_UNIT_PREFIX = re.compile(r"(?:计量)?单位[:：]?")
_UNIT_MULTIPLIERS = (("百万", 1_000_000), ("千万", 10_000_000), ("万", 10_000), ("亿", 100_000_000))
_PERCENT_WORDS = frozenset({"%", "百分比", "百分率", "百分数", "percent"})
_NOT_A_UNIT = re.compile(r"[含其包不及或和与以按注见]")
_UNIT_TEXT = re.compile(r"[\u4e00-\u9fff]{1,4}|[A-Za-z][A-Za-z0-9²/ .]{0,15}")


def _as_unit(text: str) -> tuple[str, int] | None:
    """``"万元"`` -> ``("万元", 10000)``; None when the bracket holds a qualifier, not a unit."""
    prefix = _UNIT_PREFIX.match(text)
    unit = text[prefix.end() :] if prefix else text
    if unit.lower() in _PERCENT_WORDS:
        return "%", 1
    if not unit or _NOT_A_UNIT.search(unit) or not _UNIT_TEXT.fullmatch(unit):
        return None
    if unit == "千元":
        return unit, 1000
    for prefix, factor in _UNIT_MULTIPLIERS:
        if unit.startswith(prefix):
            return unit, factor
    return unit, 1


def parse_header_unit(header: object) -> HeaderUnit:
    """Split a column header into name, unit and multiplier.

    >>> parse_header_unit("会员人数（人）")
    HeaderUnit(name='会员人数', unit='人', multiplier=1)
    >>> parse_header_unit("讨薪金额 （万元）")
    HeaderUnit(name='讨薪金额', unit='万元', multiplier=10000)

    The unit is the last bracketed part (full- or half-width, or 【】; ``单位：`` inside is
    dropped) when it looks like a unit: ``%``/百分比 (``percent`` is then True), up to four CJK
    characters (人, 人次, 张件套, 平方米) or an English word. 万/亿/百万/千万 in front, or
    千元, set the multiplier; otherwise it is 1. A qualifier such as ``（含联合工会）`` is not a
    unit (unit None). The name is folded by :func:`metrics.catalog.fold_header`, ready for
    ``Catalog.match``.
    """
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header or "")))
    body, unit, factor = s, None, 1
    while (m := _BRACKETED.search(body)) is not None and m.start() > 0:
        body = body[: m.start()]
        found = _as_unit(m.group(1))
        if found is not None:
            unit, factor = found
            break
    if unit is None and (m := _BRACKETED.fullmatch(s)) is not None:
        unit, factor = _as_unit(m.group(1)) or (None, 1)  # a header that is only "（%）"
        body = "" if unit else s
    return HeaderUnit(fold_header(body) if body else "", unit, factor)
