"""Figures phrased the way Chinese official work reports phrase them (and plainly in English).

Pure: plain values in, strings out; no Streamlit, no I/O. Every threshold lives in one
frozen :class:`WordingSettings` (``DEFAULTS``), so the house style is changed in one place.

>>> phrase(1500, "家")
'1500家'
>>> phrase(5230, "人次", approximate=True)
'5000余人次'
>>> phrase(2_134_000, "元", approximate=True)
'200余万元'
>>> phrase_rate(97.99, approximate=True)
'近98%'
>>> join_list(["庙会", "电影", "果园采摘", "戏曲"])
'庙会、电影、果园采摘和戏曲'

The rules
---------
1. **Exact figures.** A figure is stated exactly unless rule 2 applies. Integers print
   without thousands separators in Chinese (``1500家``, ``7167人``), with them in English
   (``1,500 enterprises``). A non-integer is cut (rounded down, never up) to
   ``settings.decimals`` places and trailing zeros are dropped (``350.5平方米``,
   350.559 -> ``350.55平方米``); float noise within 1e-9 of the next place counts as it.
2. **余 (rounded down).** A figure is rounded down when it is flagged approximate
   (``approximate=True``, the catalog's ``approx_wording``) or when it is *large*
   (at or above ``settings.large_from``, default one million). Rounding keeps the fewest
   leading digits (1, then 2, up to ``settings.max_leading_digits``) whose round-down stays
   within ``settings.tolerance`` (default 10%) of the value: 5230 -> 5000余, 1360 -> 1300余
   (1000 is 26% below), 283 -> 280余. 余 is written only when the stated figure is strictly
   below the value, so a round value stays exact (5000 -> 5000人次, 300 -> 300场), and a
   small value is stated exactly: below ``settings.exact_below`` (100) the approximate flag
   is ignored, so 43 -> 43人次 (the seed's "43余人次" claims more than the data's 43, and
   "40余人次" hides a figure the data knows exactly), 32 -> 32期, 15 -> 15件. If no
   round-down within the tolerance exists (only possible with tighter settings), the figure
   stays exact: the wording never drifts further from the data than the tolerance.
3. **Money in 万元.** For units in ``settings.wan_units`` (default only 元), a figure at or
   above ``settings.wan_from`` (10,000) is stated in 万 in Chinese: 230000 -> 23万元,
   235000 -> 23.5万元 (at most ``settings.wan_decimals``, one, decimal in 万), 3000 -> 3000元.
   A figure with more 万 decimals than that is cut to them and gets 余: 218392 -> 21.8万余元
   (never "21.8392万元"). With 余 the position of 余 follows the size of the remainder
   dropped: below one 万 it goes after 万 (235600 -> 23万余元 when approximate, 30500 ->
   3万余元, as the seed's "3万余"), otherwise before it (2134000 -> 200余万元). English never
   uses 万: ``more than 2,000,000 yuan``.
   No 亿: a sub-district's figures stay far below 100 million.
4. **Rates** (unit ``%``, values in percent, 98.0 means 98%): see :func:`phrase_rate`.
   Exact style cuts to ``settings.rate_decimals`` (one) place and drops a zero tenth:
   98.0 -> 98%, 97.99 -> 97.9% (never 98%: that is more than the data), 97.6 -> 97.6%.
   Approximate style says 近N% just below an integer and N%以上 just above it, never
   overstating: 97.99 -> 近98%, 98.4 -> 98%以上.
5. **Lists** (:func:`join_list`): 、 between items and 和 before the last; English ", " and
   " and " (no serial comma).
6. **Units** are appended without a space in Chinese (``1500家``) and after a space in
   English (``1,500 enterprises``). The caller passes the label in the language wanted
   (:func:`phrase_indicator` picks it from the catalog). An English figure of exactly one
   takes the singular (:func:`singular`): ``1 enterprise``, ``1 person-time``.
7. **Spans** (:func:`span_label`): ``2011—2015年`` with an em dash, English ``2011–2015``
   with an en dash.

Missing and invalid figures: ``None``, NaN and ``pd.NA`` give ``None`` (the report leaves
such figures out); a negative or infinite figure raises ``ValueError`` (a change is
phrased by the caller as 增长/减少 of its absolute value; infinity is an upstream bug);
a string or bool raises ``TypeError`` (parse a sheet's text before phrasing it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from numbers import Number
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.catalog import Indicator

LANGS = ("zh", "en")

# A rate this close to an integer is that integer (float noise such as 98.00000000000001).
_RATE_EPSILON = Decimal("1e-9")
_WAN = Decimal(10_000)


@dataclass(frozen=True)
class WordingSettings:
    """The house style for figures, in one place.

    - ``large_from``: at and above this value a figure that is not round is worded with 余
      even when not flagged approximate (default 1,000,000).
    - ``tolerance``: how far below (余, 以上) or above (近) the value a stated figure may be,
      as a fraction of the value (default 0.10).
    - ``max_leading_digits``: most leading digits a 余 figure keeps (default 2).
    - ``wan_from`` and ``wan_units``: a figure in one of these units at or above
      ``wan_from`` is stated in 万 in Chinese (default 10,000 and only 元).
    - ``wan_decimals``: most decimals of a figure stated in 万 (default 1: ``21.8万余元``).
    - ``exact_below``: below this value a figure is stated exactly even when flagged
      approximate (default 100: ``43人次``, not ``40余人次``).
    - ``decimals``: places kept for an exact non-integer figure (default 2).
    - ``rate_decimals``: places kept for an exact-style rate (default 1; a zero tenth is dropped).
    """

    large_from: float = 1_000_000
    tolerance: float = 0.10
    max_leading_digits: int = 2
    wan_from: float = 10_000
    wan_units: frozenset[str] = frozenset({"元"})
    wan_decimals: int = 1
    exact_below: float = 100
    decimals: int = 2
    rate_decimals: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.tolerance < 1:
            raise ValueError(f"tolerance must be between 0 and 1, got {self.tolerance}")
        if self.max_leading_digits < 1:
            raise ValueError(f"max_leading_digits must be at least 1, got {self.max_leading_digits}")
        if self.large_from <= 0 or self.wan_from <= 0:
            raise ValueError("large_from and wan_from must be positive")
        if self.decimals < 0 or self.rate_decimals < 0 or self.wan_decimals < 0:
            raise ValueError("decimals and rate_decimals must not be negative")
        object.__setattr__(self, "wan_units", frozenset(self.wan_units))


DEFAULTS = WordingSettings()


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")


def _is_missing(value: object) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, Number) and not isinstance(value, Decimal) and math.isnan(value)  # type: ignore[arg-type]


def _to_decimal(value: object) -> Decimal | None:
    """The figure as an exact Decimal (floats by their shortest repr), or None when missing."""
    if _is_missing(value):
        return None
    if isinstance(value, Decimal):
        d = value
        if d.is_nan():
            return None
    elif isinstance(value, (bool, str, bytes)):
        raise TypeError(f"a figure must be a number, not {type(value).__name__}: {value!r}")
    elif isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        d = Decimal(int(value))  # type: ignore[arg-type]
    else:
        f = float(value)  # type: ignore[arg-type]
        if not math.isfinite(f):
            raise ValueError(f"cannot phrase an infinite figure: {value!r}")
        d = Decimal(repr(f))
    if not d.is_finite():
        raise ValueError(f"cannot phrase an infinite figure: {value!r}")
    if d < 0:
        raise ValueError(f"cannot phrase a negative figure: {value!r} (phrase the change as 增长/减少)")
    return d + 0  # drops a negative zero


def _round_down(d: Decimal, settings: WordingSettings) -> tuple[Decimal, bool]:
    """Rule 2 on a non-negative Decimal: (stated figure, whether 余 applies)."""
    if d == 0:
        return d, False
    tolerance = Decimal(repr(settings.tolerance))
    top = d.adjusted()  # power of ten of the leading digit
    for digits in range(1, settings.max_leading_digits + 1):
        shift = top - digits + 1
        stated = d.scaleb(-shift).to_integral_value(rounding=ROUND_FLOOR).scaleb(shift)
        if stated == d:
            return d, False
        if d - stated <= tolerance * d:
            return stated, True
    return d, False


def round_down_leading(value: float, settings: WordingSettings = DEFAULTS) -> tuple[float, bool]:
    """The figure a report states for ``value`` under rule 2, and whether 余 applies.

    Keeps the fewest leading digits (up to ``settings.max_leading_digits``) whose round-down
    is within ``settings.tolerance`` of the value; a value that is already round comes back
    unchanged with ``False``, as does one with no round-down close enough.

    >>> round_down_leading(1360)
    (1300.0, True)
    >>> round_down_leading(5000)
    (5000.0, False)

    Raises ValueError for a missing, negative or infinite value.
    """
    d = _to_decimal(value)
    if d is None:
        raise ValueError("cannot round a missing figure")
    stated, more = _round_down(d, settings)
    return float(stated), more


def _exact(d: Decimal, places: int) -> Decimal:
    """``d`` cut to ``places`` decimals (never rounded up), except that float noise within
    1e-9 below a value with ``places`` decimals is that value (97.99999999999999 -> 98)."""
    if d == d.to_integral_value():
        return d
    step = Decimal(1).scaleb(-places)
    nearest = d.quantize(step, rounding=ROUND_HALF_UP)
    if abs(nearest - d) <= _RATE_EPSILON * max(Decimal(1), d):
        return nearest
    return d.quantize(step, rounding=ROUND_FLOOR)


def singular(unit: str) -> str:
    """The English unit label for exactly one: the catalog's English units are plural nouns
    (``enterprises``, ``policies``, ``person-times``, ``persons``); ``yuan``, ``m²`` and ``%``
    stay as they are.

    >>> singular("enterprises"), singular("policies"), singular("person-times"), singular("yuan")
    ('enterprise', 'policy', 'person-time', 'yuan')
    """
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith("s") and not unit.endswith("ss"):
        return unit[:-1]
    return unit


def _number(d: Decimal, lang: str) -> str:
    """Digits without exponent or trailing zeros; English with thousands separators."""
    d = d.normalize()
    return format(d, ",f" if lang == "en" else "f")


def phrase(
    value: float | None,
    unit: str,
    *,
    approximate: bool = False,
    lang: str = "zh",
    settings: WordingSettings = DEFAULTS,
) -> str | None:
    """A figure with its unit, worded as a work report words it (rules 1-4, 6 above).

    ``unit`` is the label in ``lang`` (``"家"`` or ``"enterprises"``); ``"%"`` hands over to
    :func:`phrase_rate`. ``approximate`` asks for 余 wording (for a rate, the 近/以上 style).

    >>> phrase(7167, "人"), phrase(7167, "人", approximate=True)
    ('7167人', '7000余人')
    >>> phrase(235_600, "元"), phrase(235_600, "元", approximate=True)
    ('23.5万余元', '23万余元')
    >>> phrase(1360, "enterprises", approximate=True, lang="en")
    'more than 1,300 enterprises'

    Returns None for None/NaN; raises ValueError for a negative or infinite value.
    """
    _check_lang(lang)
    if unit == "%":
        return phrase_rate(value, approximate=approximate, lang=lang, settings=settings)
    d = _to_decimal(value)
    if d is None:
        return None
    if (approximate and d >= Decimal(repr(float(settings.exact_below)))) or d >= Decimal(repr(float(settings.large_from))):
        stated, more = _round_down(d, settings)
    else:
        stated, more = d, False
    if not more:
        stated = _exact(d, settings.decimals)

    if lang == "en":
        if unit and not more and stated == 1:
            unit = singular(unit)
        text = _number(stated, lang) + (f" {unit}" if unit else "")
        return f"more than {text}" if more else text

    if unit in settings.wan_units and stated >= Decimal(repr(float(settings.wan_from))):
        in_wan = stated / _WAN
        tolerance = Decimal(repr(settings.tolerance))
        for places in range(settings.wan_decimals, 5):  # more places only if the tolerance needs them
            cut = in_wan.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
            if d - cut * _WAN <= tolerance * d:
                break
        if cut != in_wan:  # more 万 decimals than the house style keeps: cut, and say 余
            stated, more = cut * _WAN, True
        wan = _number(stated / _WAN, lang)
        if not more:
            return f"{wan}万{unit}"
        if d - stated < _WAN:
            return f"{wan}万余{unit}"
        return f"{wan}余万{unit}"
    return f"{_number(stated, lang)}{'余' if more else ''}{unit}"


def phrase_rate(
    value: float | None,
    *,
    approximate: bool = False,
    lang: str = "zh",
    settings: WordingSettings = DEFAULTS,
) -> str | None:
    """A rate in percent (98.0 means 98%), to whole percent unless the tenth matters.

    Exact style (default): cut to ``settings.rate_decimals`` places (never rounded up, so a
    rate just under a round figure is not stated as it) and a zero tenth is dropped:
    98.0 -> 98%, 97.99 -> 97.9%, 97.6 -> 97.6%, 100 -> 100%.

    Approximate style (``approximate=True``) never overstates: an integer value is stated as
    is (98%); otherwise the nearer integer is stated with a qualifier, 近N% ("nearly") when
    the value is just below it and N%以上 ("over") when just above (a value exactly halfway
    takes the lower, N%以上): 97.99 -> 近98%, 98.4 -> 98%以上, 97.6 -> 近98%. The seed's
    "办卡率达98%以上" for 97.99% is what this style refuses to write. If the gap is more than
    ``settings.tolerance`` of the value (small rates such as 1.6% or 0.3%), the exact style
    is used instead.

    >>> phrase_rate(98.4, approximate=True), phrase_rate(97.99, approximate=True, lang="en")
    ('98%以上', 'nearly 98%')

    Returns None for None/NaN; raises ValueError for a negative or infinite value.
    """
    _check_lang(lang)
    d = _to_decimal(value)
    if d is None:
        return None
    if approximate:
        text = _rate_approximate(d, settings, lang)
        if text is not None:
            return text
    return f"{_number(_exact(d, settings.rate_decimals), lang)}%"


def _rate_approximate(d: Decimal, settings: WordingSettings, lang: str) -> str | None:
    nearest = d.to_integral_value(rounding=ROUND_HALF_UP)
    if abs(d - nearest) <= _RATE_EPSILON:
        return f"{_number(nearest, lang)}%"
    tolerance = Decimal(repr(settings.tolerance))
    low = d.to_integral_value(rounding=ROUND_FLOOR)
    high = low + 1
    if d - low <= high - d:
        if low >= 1 and d - low <= tolerance * d:
            n = _number(low, lang)
            return f"over {n}%" if lang == "en" else f"{n}%以上"
        return None
    if high - d <= tolerance * d:
        n = _number(high, lang)
        return f"nearly {n}%" if lang == "en" else f"近{n}%"
    return None


def phrase_indicator(
    value: float | None,
    indicator: Indicator,
    *,
    approximate: bool | None = None,
    lang: str = "zh",
    settings: WordingSettings = DEFAULTS,
) -> str | None:
    """:func:`phrase` with the unit label and approximate flag taken from a catalog indicator.

    ``approximate=None`` means the indicator's ``approx_wording``; pass True or False to
    override (the dashboard shows exact figures, the congress report approximate ones).
    """
    flag = indicator.approx_wording if approximate is None else approximate
    return phrase(value, indicator.unit_label(lang), approximate=flag, lang=lang, settings=settings)


def join_list(items: Iterable[object], lang: str = "zh") -> str:
    """Items joined as a report lists them: 、 and a final 和; English ", " and " and ".

    >>> join_list(["庙会", "电影", "戏曲"]), join_list(["fairs", "films", "opera"], "en")
    ('庙会、电影和戏曲', 'fairs, films and opera')

    No items give ``""``; one item is returned as is.
    """
    _check_lang(lang)
    parts = [str(item) for item in items]
    if len(parts) < 2:
        return "".join(parts)
    sep, last = ("、", "和") if lang == "zh" else (", ", " and ")
    return sep.join(parts[:-1]) + last + parts[-1]


def span_label(start_year: int, end_year: int, lang: str = "zh") -> str:
    """A span of years: ``2011—2015年`` (em dash) or English ``2011–2015`` (en dash).

    One year gives ``2016年`` / ``2016``; a span that ends before it starts raises ValueError.
    """
    _check_lang(lang)
    start, end = int(start_year), int(end_year)
    if end < start:
        raise ValueError(f"span ends before it starts: {start}-{end}")
    if lang == "en":
        return str(start) if start == end else f"{start}\u2013{end}"
    return f"{start}年" if start == end else f"{start}\u2014{end}年"


_ZH_QUARTERS = "一二三四"


def quarter_label(period: str, lang: str = "zh") -> str:
    """A quarter as an official text writes it: ``2015年第四季度`` (Chinese numerals, as the
    office writes them, not ``第4季度``), English ``2015 Q4``.

    >>> quarter_label("2015Q4"), quarter_label("2011Q3", "en")
    ('2015年第四季度', '2011 Q3')
    """
    _check_lang(lang)
    from metrics import periods

    year, q = periods.parse(period)
    return f"{year}年第{_ZH_QUARTERS[q - 1]}季度" if lang == "zh" else f"{year} Q{q}"


def quarter_list(quarters: Iterable[str], lang: str = "zh") -> str:
    """Quarters named one by one and joined as a list (:func:`join_list`), in the order given.

    >>> quarter_list(["2011Q3", "2012Q1"])
    '2011年第三季度和2012年第一季度'
    """
    return join_list([quarter_label(q, lang) for q in quarters], lang)
