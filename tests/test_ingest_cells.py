"""Tests for ingest/cells.py: cleaning single cells, labels, periods and header units."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.cells import (
    DATE_NOT_NUMBER,
    FORMULA_ERROR,
    NOT_A_NUMBER,
    Cell,
    HeaderUnit,
    PeriodConflict,
    find_periods,
    is_note_line,
    is_subtotal_label,
    is_total_label,
    parse_cell,
    parse_header_unit,
    parse_period,
    subset_label,
)

FULL_WIDTH = str.maketrans("0123456789,.%+-", "０１２３４５６７８９，．％＋－")


def close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


# --- parse_cell: missing -------------------------------------------------------------------

MISSING_CASES = [
    None,
    "",
    " ",
    "\u3000",
    "\n",
    "—",
    "–",
    "-",
    "--",
    "- -",
    "/",
    "无",
    "——",
    "－",
    "／",
    "暂无",
    "N/A",
    "#N/A",
    float("nan"),
]


@pytest.mark.parametrize("raw", MISSING_CASES, ids=repr)
def test_missing_markers_are_missing_not_zero(raw):
    cell = parse_cell(raw)
    assert cell.missing
    assert cell.value is None
    assert cell.error is None
    assert not cell.ok


def test_zero_is_a_value_not_missing():
    assert parse_cell("0") == Cell(0.0, text="0")
    assert parse_cell(0.0).value == 0.0 and not parse_cell(0.0).missing


# --- parse_cell: numbers -------------------------------------------------------------------

# (raw, value, approximate, unit)
NUMBER_CASES = [
    ("plain-int-text", "1234", 1234.0, False, ""),
    ("thousands-comma", "1,234", 1234.0, False, ""),
    ("full-width-comma", "1，234", 1234.0, False, ""),
    ("millions-comma", "1,234,567.5", 1234567.5, False, ""),
    ("full-width-digits", "１２３", 123.0, False, ""),
    ("percent-sign", "98%", 98.0, False, "%"),
    ("full-width-percent", "９８％", 98.0, False, "%"),
    ("wan", "23万", 230000.0, False, "万"),
    ("wan-decimal", "1.5万", 15000.0, False, "万"),
    ("wan-exact-decimal", "1.23万", 12300.0, False, "万"),
    ("yi", "2亿", 200000000.0, False, "亿"),
    ("wan-yuan", "23万元", 230000.0, False, "万元"),
    ("yu", "200余", 200.0, True, ""),
    ("duo", "2000多", 2000.0, True, ""),
    ("yue", "约300", 300.0, True, ""),
    ("dayue", "大约300人", 300.0, True, "人"),
    ("zuoyou", "300左右", 300.0, True, ""),
    ("unit-then-zuoyou", "300人左右", 300.0, True, "人"),
    ("jin", "近300", 300.0, True, ""),
    ("yishang", "300以上", 300.0, True, ""),
    ("yu-before-wan", "200余万", 2000000.0, True, "万"),
    ("yu-after-wan", "2万余", 20000.0, True, "万"),
    ("yu-wan-yuan", "200余万元", 2000000.0, True, "万元"),
    ("plus-suffix", "300+", 300.0, True, ""),
    ("at-least", "≥300", 300.0, True, ""),
    ("unit-jian", "12件", 12.0, False, "件"),
    ("unit-ge", "47个", 47.0, False, "个"),
    ("unit-area", "350平方米", 350.0, False, "平方米"),
    ("unit-renci", "5000人次", 5000.0, False, "人次"),
    ("space-before-unit", "300 人", 300.0, False, "人"),
    ("padded", "  12  ", 12.0, False, ""),
    ("ideographic-space", "\u300012\u3000", 12.0, False, ""),
    ("plus-sign", "+12", 12.0, False, ""),
    ("minus-sign", "-5", -5.0, False, ""),
    ("full-width-minus", "－5", -5.0, False, ""),
    ("minus-with-space", "- 5", -5.0, False, ""),
    ("accounting-negative", "(5)", -5.0, False, ""),
    ("accounting-full-width", "（1,234）", -1234.0, False, ""),
    ("trailing-point", "5.", 5.0, False, ""),
    ("leading-point", ".5", 0.5, False, ""),
    ("scientific", "1.5E+04", 15000.0, False, ""),
    ("decimal-text", "12.75", 12.75, False, ""),
]


@pytest.mark.parametrize(
    ("raw", "value", "approximate", "unit"),
    [case[1:] for case in NUMBER_CASES],
    ids=[case[0] for case in NUMBER_CASES],
)
def test_numbers_written_as_text(raw, value, approximate, unit):
    cell = parse_cell(raw)
    assert cell == Cell(value, approximate=approximate, text=raw, unit=unit)


@pytest.mark.parametrize(
    ("raw", "value"),
    [(1500, 1500.0), (1500.0, 1500.0), (-5, -5.0), (0.25, 0.25), (12345678901.0, 12345678901.0)],
    ids=["int", "whole-float", "negative-int", "fraction", "large-float"],
)
def test_numeric_cells_become_floats(raw, value):
    cell = parse_cell(raw)
    assert type(cell.value) is float
    assert cell.value == value
    assert not cell.missing and not cell.approximate and cell.error is None


def test_numpy_pandas_and_decimal_values_are_read():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    assert parse_cell(np.float64(2.5)).value == 2.5
    assert parse_cell(np.int64(7)).value == 7.0
    assert parse_cell(np.str_("约12")) == Cell(12.0, approximate=True, text="约12")
    assert parse_cell(np.bool_(True)).error == NOT_A_NUMBER
    assert parse_cell(np.datetime64("2016-01-01")).error == DATE_NOT_NUMBER
    assert parse_cell(pd.Timestamp("2016-01-01")).error == DATE_NOT_NUMBER
    assert parse_cell(np.float64("nan")).missing
    assert parse_cell(pd.NA).missing
    assert parse_cell(pd.NaT).missing
    assert parse_cell(Decimal("1.25")).value == 1.25


@pytest.mark.parametrize(
    "raw",
    [10**400, "1e999", "1" * 400, "1" * 10_000 + "人"],
    ids=["huge-int", "overflowing-exponent", "overflowing-digits", "very-long-text"],
)
def test_numbers_beyond_the_float_range_or_very_long_text_are_errors(raw):
    assert parse_cell(raw).error == NOT_A_NUMBER


# --- parse_cell: errors --------------------------------------------------------------------

ERROR_CASES = [
    ("bool-true", True, NOT_A_NUMBER),
    ("bool-false", False, NOT_A_NUMBER),
    ("date", date(2016, 3, 15), DATE_NOT_NUMBER),
    ("datetime", datetime(2016, 3, 15, 10, 0), DATE_NOT_NUMBER),
    ("time", time(10, 30), DATE_NOT_NUMBER),
    ("duration", timedelta(hours=30), DATE_NOT_NUMBER),
    ("date-text-iso", "2016-03-15", DATE_NOT_NUMBER),
    ("date-text-slash", "2016/3/15", DATE_NOT_NUMBER),
    ("date-text-zh", "2016年3月15日", DATE_NOT_NUMBER),
    ("year-text", "2016年", DATE_NOT_NUMBER),
    ("month-day-text", "3月15日", DATE_NOT_NUMBER),
    ("see-attachment", "见附表", NOT_A_NUMBER),
    ("letters", "abc", NOT_A_NUMBER),
    ("two-points", "1.2.3", NOT_A_NUMBER),
    ("space-inside-number", "1 234", NOT_A_NUMBER),
    ("bad-grouping", "12,34", NOT_A_NUMBER),
    ("letters-after-number", "12abc", NOT_A_NUMBER),
    ("range", "200-300", NOT_A_NUMBER),
    ("two-numbers", "12件3个", NOT_A_NUMBER),
    ("half-parenthesis", "(5", NOT_A_NUMBER),
    ("sign-in-parentheses", "(-5)", NOT_A_NUMBER),
    ("nan-text", "nan", NOT_A_NUMBER),
    ("infinity", float("inf"), NOT_A_NUMBER),
    ("chinese-numeral", "三百", NOT_A_NUMBER),
    ("excel-div0", "#DIV/0!", FORMULA_ERROR),
    ("excel-value", "#VALUE!", FORMULA_ERROR),
    ("list", [1], NOT_A_NUMBER),
]


@pytest.mark.parametrize(
    ("raw", "error"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_values_that_are_not_numbers_are_errors(raw, error):
    cell = parse_cell(raw)
    assert cell.error == error
    assert cell.value is None
    assert not cell.missing
    assert cell.text == str(raw)


# --- parse_cell: percent columns and header multipliers --------------------------------------

PERCENT_CASES = [
    ("text-percent", "98%", 98.0),
    ("text-plain", "98", 98.0),
    ("text-share", "0.98", 98.0),
    ("text-share-one", "1.0", 100.0),
    ("text-share-half", "0.5", 50.0),
    ("text-int-one-is-one-percent", "1", 1.0),
    ("text-small-percent", "0.5%", 0.5),
    ("float-share", 0.98, 98.0),
    ("float-share-exact", 0.985, 98.5),
    ("float-plain", 98.0, 98.0),
    ("float-one-is-one-percent", 1.0, 1.0),
    ("int-one-is-one-percent", 1, 1.0),
    ("zero", 0, 0.0),
    ("float-zero", 0.0, 0.0),
    ("full-width-share", "０．９８", 98.0),
    ("approximate-share", "约0.98", 98.0),
]


@pytest.mark.parametrize(
    ("raw", "value"), [case[1:] for case in PERCENT_CASES], ids=[case[0] for case in PERCENT_CASES]
)
def test_percent_column_reads_shares_as_percent(raw, value):
    assert parse_cell(raw, percent=True).value == value


def test_percent_sign_outside_a_percent_column_is_kept_and_marked():
    assert parse_cell("98%") == Cell(98.0, text="98%", unit="%")


MULTIPLIER_CASES = [
    ("bare-int", 23, 230000.0),
    ("bare-float", 1.23, 12300.0),
    ("bare-text", "1.23", 12300.0),
    ("bare-text-comma", "1,234", 12340000.0),
    ("own-wan-wins", "23万", 230000.0),
    ("own-wan-yuan-wins", "23万元", 230000.0),
    ("own-base-unit-wins", "230000元", 230000.0),
    ("approximate-bare", "约23", 230000.0),
]


@pytest.mark.parametrize(
    ("raw", "value"), [case[1:] for case in MULTIPLIER_CASES], ids=[case[0] for case in MULTIPLIER_CASES]
)
def test_header_multiplier_scales_bare_numbers_only(raw, value):
    assert parse_cell(raw, multiplier=10_000).value == value


def test_cell_is_frozen_and_keeps_the_original_text():
    cell = parse_cell("  1，234件 ")
    assert cell.text == "  1，234件 "
    with pytest.raises(dataclasses.FrozenInstanceError):
        cell.value = 1.0  # type: ignore[misc]
    assert hash(cell) == hash(parse_cell("  1，234件 "))


# --- parse_cell: properties ----------------------------------------------------------------

UNITS = st.sampled_from(["人", "人次", "家", "个", "件", "元", "平方米", "张件套", "份"])
COUNTS = st.integers(min_value=-(10**12), max_value=10**12)


def _full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


@given(n=COUNTS, form=st.sampled_from(["plain", "commas", "full-width", "full-width-commas", "padded"]))
def test_any_integer_text_reads_back_as_itself(n, form):
    text = {
        "plain": str(n),
        "commas": f"{n:,}",
        "full-width": _full_width(str(n)),
        "full-width-commas": _full_width(f"{n:,}"),
        "padded": f"  {n}\u3000",
    }[form]
    assert parse_cell(text) == Cell(float(n), text=text)


@given(n=st.integers(min_value=0, max_value=10**12), unit=UNITS, commas=st.booleans())
def test_any_integer_with_a_trailing_unit_reads_back(n, unit, commas):
    text = (f"{n:,}" if commas else str(n)) + unit
    assert parse_cell(text) == Cell(float(n), text=text, unit=unit)


@given(wan=st.integers(min_value=0, max_value=10**8), places=st.integers(min_value=0, max_value=4), yuan=st.booleans())
def test_any_exact_wan_figure_reads_back(wan, places, yuan):
    # wan / 10**places 万 == wan * 10**(4 - places), exactly
    amount = Decimal(wan).scaleb(-places)
    text = f"{amount:f}万" + ("元" if yuan else "")
    expected = wan * 10 ** (4 - places)
    cell = parse_cell(text)
    assert cell.value == float(expected)
    assert not cell.approximate and cell.error is None


@given(
    n=st.integers(min_value=0, max_value=10**10),
    marker=st.sampled_from(["{}余", "{}多", "约{}", "近{}", "{}左右", "{}以上", "{}+", "{}余万", "{}多万元"]),
    commas=st.booleans(),
)
def test_any_approximate_figure_reads_back_flagged(n, marker, commas):
    number = f"{n:,}" if commas else str(n)
    text = marker.format(number)
    cell = parse_cell(text)
    assert cell.approximate
    assert cell.value == float(n * 10_000 if "万" in marker else n)


@given(n=st.integers(min_value=-(10**9), max_value=10**9), places=st.integers(min_value=0, max_value=6))
def test_any_decimal_text_reads_back(n, places):
    amount = Decimal(n).scaleb(-places)
    for text in (f"{amount:f}", f"{amount:,f}", _full_width(f"{amount:,f}")):
        assert close(parse_cell(text).value, float(amount)), text


@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_cell_and_its_repr_read_back_exactly(x):
    assert parse_cell(x).value == x
    assert parse_cell(repr(x)).value == x


@given(n=st.integers())
def test_any_int_cell_reads_back(n):
    assert parse_cell(n).value == float(n)


PERCENTS = st.integers(min_value=0, max_value=1000).map(lambda tenths: Decimal(tenths).scaleb(-1))


@given(p=PERCENTS, column=st.booleans(), full_width=st.booleans())
def test_any_percent_text_reads_back(p, column, full_width):
    text = f"{p:f}%"
    text = _full_width(text) if full_width else text
    assert close(parse_cell(text, percent=column).value, float(p))


@given(p=PERCENTS)
def test_any_share_text_in_a_percent_column_reads_back_as_percent(p):
    text = f"{p / 100:f}"  # always has a decimal point: 98.5 -> "0.985", 100 -> "1.000"
    assert "." in text
    assert close(parse_cell(text, percent=True).value, float(p))


@given(p=PERCENTS.filter(lambda p: p < 100))
def test_any_share_cell_in_a_percent_column_reads_back_as_percent(p):
    assert close(parse_cell(float(p / 100), percent=True).value, float(p))


# --- row labels ----------------------------------------------------------------------------

TOTAL_CASES = [
    ("合计", True),
    ("总计", True),
    ("共计", True),
    ("合 计", True),
    ("总　计", True),
    ("全街道合计", True),
    ("卢沟桥街道总计", True),
    ("合计：", True),
    ("合计（不含社区）", True),
    ("Total", True),
    ("小计", False),
    ("累计", False),
    ("本年累计", False),
    ("合计人数", False),
    ("卢沟桥社区", False),
    ("", False),
    (None, False),
    (12, False),
]


@pytest.mark.parametrize(("text", "expected"), TOTAL_CASES, ids=[repr(c[0]) for c in TOTAL_CASES])
def test_is_total_label(text, expected):
    assert is_total_label(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("小计", True), ("小 计", True), ("非公企业小计", True), ("合计", False), ("卢沟桥社区", False), (None, False)],
    ids=["subtotal", "spaced", "prefixed", "total-is-not-subtotal", "unit", "none"],
)
def test_is_subtotal_label(text, expected):
    assert is_subtotal_label(text) is expected


SUBSET_CASES = [
    ("其中：XX社区", "XX社区"),
    ("其中:XX社区", "XX社区"),
    ("其中：", ""),
    ("其中:", ""),
    ("其中", ""),
    ("  其中", ""),
    ("其中 XX社区", "XX社区"),
    ("其中女职工", "女职工"),
    ("#XX社区", "XX社区"),
    ("# XX社区", "XX社区"),
    ("＃女职工", "女职工"),
    ("#", ""),
    ("\u3000其中：（女）职工 ", "（女）职工"),
    ("of which: women", "women"),
    ("XX社区", None),
    ("#N/A", None),
    ("#DIV/0!", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), SUBSET_CASES, ids=[repr(c[0]) for c in SUBSET_CASES])
def test_subset_label(text, expected):
    assert subset_label(text) == expected


NOTE_CASES = [
    ("填报人：张三", True),
    ("填报人：张三    审核人：李四    联系电话：12345678", True),
    ("审核人", True),
    ("联系电话：010-12345678", True),
    ("单位负责人：          统计负责人：", True),
    ("报出日期：2016年4月10日", True),
    ("注：本表由各社区填报", True),
    ("注1：会员人数为季末数", True),
    ("说明：", True),
    ("填表说明", True),
    ("填报说明：", True),
    ("1.本表按季度填报", True),
    ("1、本表按季度填报", True),
    ("１．本表按季度填报", True),
    ("（1）本表按季度填报", True),
    ("①本表按季度填报", True),
    ("  2、金额单位为元", True),
    ("（盖章）", True),
    ("一、组织建设", False),
    ("1.5", False),
    ("12", False),
    ("卢沟桥社区", False),
    ("合计", False),
    ("备注", False),
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("text", "expected"), NOTE_CASES, ids=[repr(c[0]) for c in NOTE_CASES])
def test_is_note_line(text, expected):
    assert is_note_line(text) is expected


# --- periods ------------------------------------------------------------------------------

PERIOD_CASES = [
    ("2016年第1季度", "2016Q1"),
    ("2016年第一季度", "2016Q1"),
    ("2016年一季度", "2016Q1"),
    ("2016年1季度", "2016Q1"),
    ("2016年第二季度", "2016Q2"),
    ("2016年度第三季度", "2016Q3"),
    ("2016 年 第 4 季度", "2016Q4"),
    ("2016年1-3月", "2016Q1"),
    ("2016年1—3月", "2016Q1"),
    ("2016年1～3月", "2016Q1"),
    ("2016年1至3月", "2016Q1"),
    ("2016年1月-3月", "2016Q1"),
    ("2016年1月至2016年3月", "2016Q1"),
    ("2016年4-6月", "2016Q2"),
    ("2016年7-9月", "2016Q3"),
    ("2016年10-12月", "2016Q4"),
    ("2016Q1", "2016Q1"),
    ("2016 Q1", "2016Q1"),
    ("2016q1", "2016Q1"),
    ("2016-Q1", "2016Q1"),
    ("Q2 2017", "2017Q2"),
    ("卢沟桥_2016Q3_统计.xlsx", "2016Q3"),
    ("2016年三季度.xls", "2016Q3"),
    ("２０１６年第１季度", "2016Q1"),
    ("２０１６Ｑ２", "2016Q2"),
    ("卢沟桥街道总工会 2016年第1季度 工会工作统计表", "2016Q1"),
    ("2016年第1季度（1-3月）", "2016Q1"),
    ("2016年第一季度 2016年1-3月", "2016Q1"),
    ("2016年第1季度 报出日期：2016年4月10日", "2016Q1"),
    ("报出日期：2016年3月15日", None),
    ("2016年3月15日", None),
    ("有效期至2018年12月", None),
    ("2016年3月", None),
    ("2016年1-6月", None),
    ("2016年2-4月", None),
    ("2016年", None),
    ("第1季度", None),
    ("12016Q1", None),
    ("卢沟桥街道总工会工会工作统计表", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), PERIOD_CASES, ids=[repr(c[0]) for c in PERIOD_CASES])
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016年第1季度（2016年4-6月）", {"2016Q1", "2016Q2"}),
        ("2016Q4_2017年第一季度", {"2016Q4", "2017Q1"}),
    ],
    ids=["quarter-and-month-range", "file-name-and-title"],
)
def test_two_quarters_are_a_conflict(text, expected):
    assert find_periods(text) == expected
    with pytest.raises(PeriodConflict) as info:
        parse_period(text)
    assert info.value.periods == sorted(expected)
    assert isinstance(info.value, ValueError)


# --- header units -------------------------------------------------------------------------

HEADER_CASES = [
    ("会员人数（人）", ("会员人数", "人", 1)),
    ("会员人数(人)", ("会员人数", "人", 1)),
    ("会员\n人数 （ 人 ）", ("会员人数", "人", 1)),
    ("培训职工（人次）", ("培训职工", "人次", 1)),
    ("金额（万元）", ("金额", "万元", 10_000)),
    ("会员人数（万人）", ("会员人数", "万人", 10_000)),
    ("（万人）", ("", "万人", 10_000)),
    ("收入（千元）", ("收入", "千元", 1_000)),
    ("金额（亿元）", ("金额", "亿元", 100_000_000)),
    ("金额（单位：万元）", ("金额", "万元", 10_000)),
    ("建会率(%)", ("建会率", "%", 1)),
    ("建会率（％）", ("建会率", "%", 1)),
    ("(%)", ("", "%", 1)),
    ("签订率（百分比）", ("签订率", "%", 1)),
    ("帮扶物资（张件套）", ("帮扶物资", "张件套", 1)),
    ("活动场地面积【平方米】", ("活动场地面积", "平方米", 1)),
    ("金额（万元）（含补贴）", ("金额", "万元", 10_000)),
    ("建会企业数（含联合工会）", ("建会企业数", None, 1)),
    ("会员人数", ("会员人数", None, 1)),
    ("Members (persons)", ("members", "persons", 1)),
    ("", ("", None, 1)),
    (None, ("", None, 1)),
]


@pytest.mark.parametrize(("header", "expected"), HEADER_CASES, ids=[repr(c[0]) for c in HEADER_CASES])
def test_parse_header_unit(header, expected):
    result = parse_header_unit(header)
    assert isinstance(result, HeaderUnit)
    assert tuple(result) == expected
    assert result.percent is (expected[1] == "%")


def test_header_multiplier_feeds_parse_cell():
    name, unit, multiplier = parse_header_unit("讨薪金额（万元）")
    assert parse_cell("1.5", multiplier=multiplier).value == 15_000.0
