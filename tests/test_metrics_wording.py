"""Tests for metrics/wording.py: the examples from the issue as tables, and property tests that
parse each phrase back into a number and check it never states more than the data."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, strategies as st

from metrics.catalog import parse_catalog
from metrics.wording import (
    DEFAULTS,
    WordingSettings,
    join_list,
    phrase,
    phrase_indicator,
    phrase_rate,
    round_down_leading,
    span_label,
)

ROOT = Path(__file__).resolve().parents[1]


# --- parsing a phrase back into (stated figure, qualifier) -------------------------------

_ZH = re.compile(
    r"^(?P<near>近)?(?P<num>\d+(?:\.\d+)?)(?P<yu1>余)?(?P<wan>万)?(?P<yu2>余)?(?P<rest>.*?)(?P<above>以上)?$"
)
_EN = re.compile(r"^(?P<q>more than |nearly |over )?(?P<num>\d{1,3}(?:,\d{3})*(?:\.\d+)?)(?P<rest>.*)$")


def parse_zh(text: str) -> tuple[Decimal, str, str]:
    """'200余万元' -> (Decimal(2000000), 'more', '元'); qualifier one of exact/more/near/above."""
    m = _ZH.match(text)
    assert m, f"cannot parse {text!r}"
    number = Decimal(m["num"]) * (10_000 if m["wan"] else 1)
    qualifier = "more" if (m["yu1"] or m["yu2"]) else "near" if m["near"] else "above" if m["above"] else "exact"
    assert sum(bool(m[g]) for g in ("yu1", "yu2", "near", "above")) <= 1, text
    return number, qualifier, m["rest"]


def parse_en(text: str) -> tuple[Decimal, str, str]:
    m = _EN.match(text)
    assert m, f"cannot parse {text!r}"
    qualifier = {"more than ": "more", "nearly ": "near", "over ": "above", None: "exact"}[m["q"]]
    return Decimal(m["num"].replace(",", "")), qualifier, m["rest"].strip()


# --- rule 1 and 2: counts ----------------------------------------------------------------

COUNTS = [
    # value, unit, approximate, expected
    (12, "件", False, "12件"),
    (47, "个", False, "47个"),
    (1500, "家", False, "1500家"),
    (1500, "家", True, "1500家"),
    (7167, "人", False, "7167人"),
    (7167, "人", True, "7000余人"),
    (5230, "人次", True, "5000余人次"),
    (5230, "人次", False, "5230人次"),
    (1360, "家", True, "1300余家"),
    (5000, "人次", True, "5000人次"),
    (300, "场", True, "300场"),
    (310, "场", True, "300余场"),
    (283, "篇", True, "280余篇"),
    (43, "人次", True, "43人次"),  # exact below 100: never "40余" for a known 43
    (43, "人次", False, "43人次"),
    (32, "期", True, "32期"),
    (99, "期", True, "99期"),
    (100, "期", True, "100期"),
    (104, "件", True, "100余件"),
    (15, "件", True, "15件"),
    (4, "家", True, "4家"),
    (0, "件", True, "0件"),
    (350, "平方米", False, "350平方米"),
    (350.5, "平方米", False, "350.5平方米"),
    (350.456, "平方米", False, "350.45平方米"),  # cut, never rounded up
    (7167.0, "人", False, "7167人"),
    (1_234_567, "人", False, "1200000余人"),
    (999_999, "人", False, "999999人"),
    (1_000_000, "人", False, "1000000人"),
    (5000.4, "人次", True, "5000余人次"),
    (1100, "人", True, "1000余人"),  # 1000 is 9.1% below
    (1112, "人", True, "1100余人"),  # 1000 would be 10.07% below
]


@pytest.mark.parametrize(
    "value, unit, approximate, expected",
    COUNTS,
    ids=[f"{v}{u}{'-approx' if a else ''}" for v, u, a, _ in COUNTS],
)
def test_phrase_counts(value, unit, approximate, expected):
    assert phrase(value, unit, approximate=approximate) == expected


# --- rule 3: money -----------------------------------------------------------------------

MONEY = [
    (230_000, False, "23万元"),
    (130_000, False, "13万元"),
    (3_000, False, "3000元"),
    (3_000, True, "3000元"),
    (9_999, False, "9999元"),
    (9_999, True, "9000余元"),  # 9000 is 9.99% below: within 10%
    (10_000, False, "1万元"),
    (235_600, False, "23.5万余元"),  # one decimal in 万 at most
    (235_649, False, "23.5万余元"),
    (218_392, False, "21.8万余元"),
    (118_000, False, "11.8万元"),
    (235_600, True, "23万余元"),
    (30_500, True, "3万余元"),
    (13_600, True, "1.3万余元"),
    (2_134_000, True, "200余万元"),
    (2_134_000, False, "200余万元"),  # large: at or above DEFAULTS.large_from
    (2_000_000, True, "200万元"),
    (2_005_000, True, "200万余元"),
    (2_050_000, True, "200余万元"),
    (5_230_000, True, "500余万元"),
]


@pytest.mark.parametrize(
    "value, approximate, expected", MONEY, ids=[f"{v}元{'-approx' if a else ''}" for v, a, _ in MONEY]
)
def test_phrase_money(value, approximate, expected):
    assert phrase(value, "元", approximate=approximate) == expected


# --- rule 4: rates -----------------------------------------------------------------------

RATES = [
    # value, exact style, approximate style
    (98.0, "98%", "98%"),
    (95.0, "95%", "95%"),
    (100.0, "100%", "100%"),
    (0.0, "0%", "0%"),
    (97.99, "97.9%", "近98%"),
    (7023 / 7167 * 100, "97.9%", "近98%"),
    (98.4, "98.4%", "98%以上"),
    (98.04, "98%", "98%以上"),
    (84.98583569405099, "84.9%", "近85%"),
    (97.95, "97.9%", "近98%"),
    (97.94, "97.9%", "近98%"),
    (97.6, "97.6%", "近98%"),
    (97.5, "97.5%", "97%以上"),
    (49 / 50 * 100, "98%", "98%"),  # 98.00000000000001: float noise is not "以上"
    (100.3, "100.3%", "100%以上"),
    (1.6, "1.6%", "1.6%"),  # 近2% would be 25% above: too far, exact style instead
    (0.3, "0.3%", "0.3%"),
    (0.04, "0%", "0%"),
    (99.99999999999999, "100%", "100%"),  # float noise is not "99.9%"
]


@pytest.mark.parametrize("value, exact, approx", RATES, ids=[repr(v) for v, _, _ in RATES])
def test_phrase_rate(value, exact, approx):
    assert phrase_rate(value) == exact
    assert phrase_rate(value, approximate=True) == approx
    assert phrase(value, "%") == exact
    assert phrase(value, "%", approximate=True) == approx


@pytest.mark.parametrize(
    "value, approximate, expected",
    [(98.0, False, "98%"), (97.6, False, "97.6%"), (97.99, True, "nearly 98%"), (98.4, True, "over 98%")],
)
def test_phrase_rate_in_english(value, approximate, expected):
    assert phrase_rate(value, approximate=approximate, lang="en") == expected


def test_rate_never_says_yishang_below_the_integer():
    assert "以上" not in phrase_rate(97.99, approximate=True)


# --- rule 6: English ---------------------------------------------------------------------

ENGLISH = [
    (1500, "enterprises", False, "1,500 enterprises"),
    (7167, "persons", False, "7,167 persons"),
    (7167, "persons", True, "more than 7,000 persons"),
    (2_134_000, "yuan", True, "more than 2,000,000 yuan"),
    (235_600, "yuan", False, "235,600 yuan"),
    (235_600, "yuan", True, "more than 230,000 yuan"),
    (350.5, "m²", False, "350.5 m²"),
    (12, "", False, "12"),
]


@pytest.mark.parametrize("value, unit, approximate, expected", ENGLISH, ids=[e for *_, e in ENGLISH])
def test_phrase_in_english(value, unit, approximate, expected):
    assert phrase(value, unit, approximate=approximate, lang="en") == expected


# --- rules 5 and 7: lists and spans ------------------------------------------------------

LISTS = [
    ([], "zh", ""),
    (["庙会"], "zh", "庙会"),
    (["庙会", "电影"], "zh", "庙会和电影"),
    (["庙会", "电影", "果园采摘", "戏曲"], "zh", "庙会、电影、果园采摘和戏曲"),
    ([], "en", ""),
    (["fairs"], "en", "fairs"),
    (["fairs", "films"], "en", "fairs and films"),
    (["fairs", "films", "opera"], "en", "fairs, films and opera"),
]


@pytest.mark.parametrize("items, lang, expected", LISTS, ids=[f"{lang}-{len(i)}" for i, lang, _ in LISTS])
def test_join_list(items, lang, expected):
    assert join_list(items, lang) == expected


def test_join_list_takes_any_iterable_and_stringifies():
    assert join_list((str(x) + "件" for x in (1, 2, 3))) == "1件、2件和3件"
    assert join_list([1, 2], "en") == "1 and 2"


@pytest.mark.parametrize(
    "start, end, lang, expected",
    [
        (2011, 2015, "zh", "2011\u20142015年"),
        (2011, 2015, "en", "2011\u20132015"),
        (2016, 2016, "zh", "2016年"),
        (2016, 2016, "en", "2016"),
    ],
)
def test_span_label(start, end, lang, expected):
    assert span_label(start, end, lang) == expected


def test_span_ending_before_start_is_refused():
    with pytest.raises(ValueError, match="ends before"):
        span_label(2015, 2011)


# --- missing, invalid and numpy figures --------------------------------------------------


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, np.float64("nan")], ids=repr)
def test_missing_figure_gives_none(missing):
    assert phrase(missing, "家") is None
    assert phrase(missing, "%") is None
    assert phrase_rate(missing) is None


def test_pandas_na_gives_none():
    pd = pytest.importorskip("pandas")
    assert phrase(pd.NA, "家") is None


@pytest.mark.parametrize("bad", [-1, -0.5, float("inf"), float("-inf")], ids=repr)
def test_negative_or_infinite_figure_is_refused(bad):
    with pytest.raises(ValueError):
        phrase(bad, "家")
    with pytest.raises(ValueError):
        phrase_rate(bad)
    with pytest.raises(ValueError):
        round_down_leading(bad)


@pytest.mark.parametrize("bad", ["12", True], ids=repr)
def test_text_or_bool_figure_is_refused(bad):
    with pytest.raises(TypeError):
        phrase(bad, "件")


def test_round_down_of_missing_is_refused():
    with pytest.raises(ValueError, match="missing"):
        round_down_leading(None)


def test_numpy_scalars_phrase_like_python_numbers():
    assert phrase(np.int64(7167), "人") == "7167人"
    assert phrase(np.float64(2_134_000.0), "元", approximate=True) == "200余万元"
    assert phrase_rate(np.float64(98.0)) == "98%"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        phrase(1, "家", lang="fr")
    with pytest.raises(ValueError, match="lang"):
        join_list(["a"], "fr")


# --- round_down_leading and settings -----------------------------------------------------

ROUNDS = [
    (2_134_000, (2_000_000.0, True)),
    (5230, (5000.0, True)),
    (1360, (1300.0, True)),
    (1300, (1300.0, False)),
    (5000, (5000.0, False)),
    (19.9, (19.0, True)),
    (0.37, (0.37, False)),
    (0.375, (0.37, True)),
    (0, (0.0, False)),
]


@pytest.mark.parametrize("value, expected", ROUNDS, ids=[repr(v) for v, _ in ROUNDS])
def test_round_down_leading(value, expected):
    assert round_down_leading(value) == expected


def test_settings_change_the_rule_in_one_place():
    one_digit = WordingSettings(max_leading_digits=1)
    assert phrase(1360, "家", approximate=True, settings=one_digit) == "1360家"  # 1000 is 26% below
    loose = WordingSettings(max_leading_digits=1, tolerance=0.3)
    assert phrase(1360, "家", approximate=True, settings=loose) == "1000余家"
    early = WordingSettings(large_from=5000)
    assert phrase(7167, "人", settings=early) == "7000余人"
    people_in_wan = WordingSettings(wan_units=frozenset({"元", "人次"}))
    assert phrase(21_340, "人次", approximate=True, settings=people_in_wan) == "2万余人次"
    two_places = WordingSettings(rate_decimals=2)
    assert phrase_rate(97.99, settings=two_places) == "97.99%"
    assert phrase_rate(97.99, settings=WordingSettings(rate_decimals=0)) == "97%"
    assert phrase(218_392, "元", settings=WordingSettings(wan_decimals=4)) == "21.8392万元"
    assert phrase(43, "人次", approximate=True, settings=WordingSettings(exact_below=10)) == "40余人次"


def test_tolerance_boundary_is_inclusive():
    assert phrase(1250, "家", approximate=True, settings=WordingSettings(tolerance=0.2)) == "1000余家"
    assert phrase(1251, "家", approximate=True, settings=WordingSettings(tolerance=0.2)) == "1200余家"


def test_tight_tolerance_with_no_close_round_down_stays_exact():
    tight = WordingSettings(tolerance=0.01)
    assert round_down_leading(19.9, tight) == (19.9, False)
    assert phrase(1360, "家", approximate=True, settings=tight) == "1360家"


@pytest.mark.parametrize(
    "kwargs",
    [{"tolerance": 0}, {"tolerance": 1}, {"max_leading_digits": 0}, {"large_from": 0}, {"decimals": -1}],
    ids=lambda k: ",".join(k),
)
def test_settings_are_checked(kwargs):
    with pytest.raises(ValueError):
        WordingSettings(**kwargs)


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        DEFAULTS.tolerance = 0.2  # type: ignore[misc]


# --- the seed report, re-phrased from the catalog ----------------------------------------

SEED = [
    # code, a data value the example data could hold, report wording, dashboard wording
    ("union_enterprises", 1500, "1500家", "1500家"),
    ("members", 7167, "7167人", "7167人"),
    ("disputes_mediated", 12, "12件", "12件"),
    ("wage_arrears_recovered", 2_050_000, "200余万元", "200余万元"),
    ("hardship_aid", 203, "200余人次", "203人次"),
    ("seasonal_supplies", 712, "700余件套", "712件套"),
    ("regional_contract_smes", 743, "743家", "743家"),
    ("training_sessions", 32, "32期", "32期"),
    ("trainees", 5230, "5000余人次", "5230人次"),
    ("library_enterprises", 805, "800余家", "805家"),
    ("mutual_aid_premiums", 230_000, "23万元", "23万元"),
    ("mutual_aid_claims", 43, "43人次", "43人次"),
    ("mutual_aid_payouts", 130_000, "13万元", "13万元"),
    ("free_tickets", 6010, "6000余张件套", "6010张件套"),
    ("research_reports", 283, "280余篇", "283篇"),
    ("service_station_area", 350, "350平方米", "350平方米"),
    ("collective_contract_rate", 98.0, "98%", "98%"),
    ("card_rate", 7023 / 7167 * 100, "97.9%", "近98%"),
]


@pytest.fixture(scope="module")
def catalog():
    return parse_catalog(yaml.safe_load((ROOT / "data" / "indicators.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("code, value, report, dashboard", SEED, ids=[s[0] for s in SEED])
def test_seed_figures_from_the_catalog(catalog, code, value, report, dashboard):
    indicator = catalog[code]
    if indicator.is_percent:
        # a rate is stated plainly unless the 近/以上 style is asked for
        assert phrase_indicator(value, indicator) == report
        assert phrase_indicator(value, indicator, approximate=True) == dashboard
    else:
        assert phrase_indicator(value, indicator) == report
        assert phrase_indicator(value, indicator, approximate=False) == dashboard


def test_phrase_indicator_uses_the_english_unit(catalog):
    assert phrase_indicator(1500, catalog["union_enterprises"], lang="en") == "1,500 enterprises"
    assert phrase_indicator(5230, catalog["trainees"], lang="en") == "more than 5,000 person-times"


# --- properties: the wording never states more than the data -----------------------------

UNITS = st.sampled_from(["家", "人次", "元", "件套"])
SETTINGS = st.builds(
    WordingSettings,
    large_from=st.sampled_from([1_000, 10_000, 1_000_000]),
    tolerance=st.sampled_from([0.01, 0.05, 0.10, 0.25]),
    max_leading_digits=st.integers(1, 3),
)
COUNT_VALUES = st.integers(0, 10**12)
CENT_VALUES = st.integers(0, 10**11).map(lambda cents: cents / 100)


def _check_stated(value, stated: Decimal, qualifier: str, tolerance: float):
    exact = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    if qualifier == "more":
        assert stated < exact, "a 余 figure is below the value"
        assert exact - stated <= Decimal(repr(tolerance)) * exact, "a 余 figure is within the tolerance"
    else:
        assert qualifier == "exact"


@given(COUNT_VALUES, UNITS, st.booleans(), SETTINGS)
def test_integer_wording_never_states_more_than_the_data(value, unit, approximate, rule):
    stated, qualifier, rest = parse_zh(phrase(value, unit, approximate=approximate, settings=rule))
    assert rest == unit
    _check_stated(value, stated, qualifier, rule.tolerance)
    if qualifier == "exact":
        assert stated == value, "exact phrasing round-trips the integer"


@given(CENT_VALUES, st.booleans())
def test_money_with_cents_never_states_more_than_the_data(value, approximate):
    stated, qualifier, _ = parse_zh(phrase(value, "元", approximate=approximate))
    _check_stated(value, stated, qualifier, DEFAULTS.tolerance)
    if qualifier == "exact":
        assert stated == Decimal(repr(value))


@given(COUNT_VALUES, st.booleans())
def test_exact_wording_is_exact_unless_asked_or_large(value, approximate):
    _, qualifier, _ = parse_zh(phrase(value, "家", approximate=approximate))
    if not approximate and value < DEFAULTS.large_from:
        assert qualifier == "exact"


@given(COUNT_VALUES, UNITS, st.booleans())
def test_english_states_the_same_figure_as_chinese(value, unit, approximate):
    zh = parse_zh(phrase(value, unit, approximate=approximate))
    en = parse_en(phrase(value, "units", approximate=approximate, lang="en"))
    if unit == "元" and zh[1] == "more" and en[1] == "exact":
        # 万 keeps one decimal in Chinese (21.8万余元); English, without 万, states it exactly
        assert zh[0] <= en[0] == value
    else:
        assert (zh[0], zh[1]) == (en[0], en[1])


@given(st.floats(0, 10**9, allow_nan=False), SETTINGS)
def test_round_down_leading_keeps_few_digits_and_stays_close(value, rule):
    stated, more = round_down_leading(value, rule)
    assert stated <= value
    assert more == (stated < value)
    if more:
        assert value - stated <= rule.tolerance * value * (1 + 1e-12)
        assert len(Decimal(repr(stated)).normalize().as_tuple().digits) <= rule.max_leading_digits


RATE_VALUES = st.one_of(
    st.integers(0, 12_000).map(lambda tenths_of_hundredths: tenths_of_hundredths / 100),
    st.floats(0, 120, allow_nan=False),
    st.tuples(st.integers(0, 10_000), st.integers(1, 10_000)).map(lambda nd: nd[0] / nd[1] * 100),
)


@given(RATE_VALUES, st.sampled_from([0.05, 0.10, 0.25]))
def test_approximate_rate_never_overstates(value, tolerance):
    rule = WordingSettings(tolerance=tolerance)
    stated, qualifier, rest = parse_zh(phrase_rate(value, approximate=True, settings=rule))
    assert rest == "%"
    exact = Decimal(repr(value))
    if qualifier == "near":
        assert stated > exact, "a 近 figure is above the value"
        assert stated - exact <= Decimal(repr(tolerance)) * exact, "a 近 figure is within the tolerance"
    elif qualifier == "above":
        assert stated < exact, "an 以上 figure is below the value"
        assert exact - stated <= Decimal(repr(tolerance)) * exact
    else:
        assert qualifier == "exact"
        # an integer (up to float noise) or the exact style's cut to one place
        assert stated - exact <= Decimal("1e-7"), "an exact-style rate is never above the value"
        assert exact - stated < Decimal("0.1")


@given(RATE_VALUES)
def test_exact_rate_never_states_more_than_the_value(value):
    stated, qualifier, _ = parse_zh(phrase_rate(value))
    assert qualifier == "exact"
    exact = Decimal(repr(value))
    assert stated - exact <= Decimal("1e-7"), "97.99% is never stated as 98%"
    assert exact - stated < Decimal("0.1")
    assert stated == stated.quantize(Decimal("0.1"))


@given(st.lists(st.text(alphabet="工会职工书屋abc ", min_size=1, max_size=5), max_size=6))
def test_join_list_round_trips(items):
    joined = join_list(items)
    if len(items) >= 2 and not any("和" in i or "、" in i for i in items):
        head, last = joined.rsplit("和", 1)
        assert head.split("、") + [last] == items


# --- boundaries of the package -----------------------------------------------------------


def test_wording_is_pure():
    source = (ROOT / "metrics" / "wording.py").read_text(encoding="utf-8")
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert not imported & {"streamlit", "os", "pathlib", "io", "sqlalchemy", "requests"}
    assert "open(" not in source


def test_doc_examples_hold():
    import doctest

    import metrics.wording

    failures, tested = doctest.testmod(metrics.wording)
    assert tested > 0 and failures == 0

