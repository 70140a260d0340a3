"""Quarters as the dashboard counts them: ``"2016Q1"`` strings with integer arithmetic.

A quarter's *index* is ``year * 4 + (quarter - 1)``, so consecutive quarters differ by one
and ``index // 4`` is the year. All functions are pure.
"""

from __future__ import annotations

import re

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


def parse(period: str) -> tuple[int, int]:
    """``"2016Q3"`` -> ``(2016, 3)``; raises ValueError for anything else."""
    m = _PERIOD.match(str(period).strip())
    if not m:
        raise ValueError(f"not a quarter: {period!r} (expected like 2016Q1)")
    return int(m.group(1)), int(m.group(2))


def is_period(text: object) -> bool:
    """True for a well-formed quarter string such as ``"2016Q1"``."""
    return isinstance(text, str) and bool(_PERIOD.match(text.strip()))


def make(year: int, quarter: int) -> str:
    """``(2016, 3)`` -> ``"2016Q3"``."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1-4, got {quarter}")
    return f"{year}Q{quarter}"


def index(period: str) -> int:
    """Integer position of a quarter: ``year * 4 + quarter - 1``."""
    y, q = parse(period)
    return y * 4 + q - 1


def from_index(i: int) -> str:
    """Inverse of :func:`index`."""
    return make(i // 4, i % 4 + 1)


def shift(period: str, quarters: int) -> str:
    """The quarter ``quarters`` after (negative: before) ``period``."""
    return from_index(index(period) + quarters)


def previous(period: str) -> str:
    """The quarter before: ``previous("2016Q1") == "2015Q4"``."""
    return shift(period, -1)


def year_ago(period: str) -> str:
    """The same quarter one year earlier."""
    return shift(period, -4)


def span(start: str, end: str) -> list[str]:
    """All quarters from ``start`` to ``end`` inclusive (empty if end is before start)."""
    return [from_index(i) for i in range(index(start), index(end) + 1)]


def year_of(period: str) -> int:
    """The calendar year of a quarter."""
    return parse(period)[0]


def year_start(period: str) -> str:
    """The first quarter of the same year (for year-to-date sums)."""
    return make(year_of(period), 1)


def count(start: str, end: str) -> int:
    """Number of quarters from ``start`` to ``end`` inclusive."""
    return max(0, index(end) - index(start) + 1)


def label(period: str, lang: str = "zh") -> str:
    """Human label: ``2016年第1季度`` in Chinese, ``2016 Q1`` in English."""
    y, q = parse(period)
    return f"{y}年第{q}季度" if lang == "zh" else f"{y} Q{q}"


_ZH_QUARTERS = "一二三四"


def short_label(period: str, lang: str = "zh") -> str:
    """A chart axis label: ``2016年一季度`` in Chinese, ``2016Q1`` in English."""
    y, q = parse(period)
    return f"{y}年{_ZH_QUARTERS[q - 1]}季度" if lang == "zh" else f"{y}Q{q}"
