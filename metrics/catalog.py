"""The indicator catalog: parsed from the raw mapping of ``data/indicators.yaml`` and checked.

The file itself is read by :mod:`resources`; this module only turns the mapping into a
:class:`Catalog` and refuses a broken one with a message that names the problem, so a typo
in the catalog stops the app at start instead of giving wrong figures later.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

KINDS = ("flow", "stock", "rate")
DIRECTIONS = ("up", "down")


class CatalogError(ValueError):
    """The catalog file is inconsistent; the message says where."""


@dataclass(frozen=True)
class Indicator:
    code: str
    zh: str
    en: str
    unit: str
    unit_en: str
    kind: str
    category: str
    direction: str = "up"
    numerator: str | None = None
    denominator: str | None = None
    aliases: tuple[str, ...] = ()
    definition_zh: str = ""
    definition_en: str = ""
    approx_wording: bool = False

    def name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def unit_label(self, lang: str = "zh") -> str:
        return self.unit if lang == "zh" else self.unit_en

    def definition(self, lang: str = "zh") -> str:
        return self.definition_zh if lang == "zh" else self.definition_en

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str

    def name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Catalog:
    """All indicators and categories, in catalog order, with lookups by code and header text."""

    indicators: tuple[Indicator, ...]
    categories: tuple[Category, ...]
    _by_code: dict = field(default_factory=dict, repr=False, compare=False)
    _by_key: dict = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, code: str) -> Indicator:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def category(self, code: str) -> Category:
        return next(c for c in self.categories if c.code == code)

    def in_category(self, category: str) -> list[Indicator]:
        return [i for i in self.indicators if i.category == category]

    def reported(self) -> list[Indicator]:
        """Indicators a spreadsheet reports (flows and stocks; rates are computed)."""
        return [i for i in self.indicators if i.kind != "rate"]

    def match(self, header: str) -> Indicator | None:
        """The indicator a spreadsheet header names, by code, Chinese or English name or alias.

        The header is folded first (:func:`fold_header`), so ``"会员\\n人数（人）"`` matches 会员人数.
        """
        return self._by_key.get(fold_header(header))

    def frame(self, lang: str = "zh") -> pd.DataFrame:
        """One row per indicator: code, name, unit, kind, category name, direction."""
        return pd.DataFrame(
            {
                "code": [i.code for i in self.indicators],
                "name": [i.name(lang) for i in self.indicators],
                "unit": [i.unit_label(lang) for i in self.indicators],
                "kind": [i.kind for i in self.indicators],
                "category": [i.category for i in self.indicators],
                "direction": [i.direction for i in self.indicators],
            }
        )


_UNIT_SUFFIX = re.compile(r"[（(][^（）()]{0,8}[)）]$")
_SPACE = re.compile(r"\s+")


def fold_header(text: object) -> str:
    """Fold a header for matching: NFKC (full-width to half-width), no spaces or line breaks,
    no trailing unit in brackets, lower case.

    >>> fold_header("会员\\n人数（人）")
    '会员人数'
    >>> fold_header(" Members (persons) ")
    'members'
    """
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = _SPACE.sub("", s)
    while True:
        stripped = _UNIT_SUFFIX.sub("", s)
        if stripped == s or not stripped:
            break
        s = stripped
    return s.lower()


def parse_catalog(raw: dict) -> Catalog:
    """Build a :class:`Catalog` from the mapping in ``indicators.yaml``; raise CatalogError if
    a kind or direction is unknown, a rate names a missing or non-count part, a category is
    unknown, or a code, name or alias is used twice."""
    if not isinstance(raw, dict) or "indicators" not in raw or "categories" not in raw:
        raise CatalogError("catalog must have 'categories' and 'indicators'")
    categories = tuple(Category(str(c["code"]), str(c["zh"]), str(c["en"])) for c in raw["categories"])
    cat_codes = {c.code for c in categories}
    if len(cat_codes) != len(categories):
        raise CatalogError("duplicate category code")
    indicators: list[Indicator] = []
    for n, item in enumerate(raw["indicators"], start=1):
        missing = [k for k in ("code", "zh", "en", "unit", "kind", "category") if not item.get(k)]
        if missing:
            raise CatalogError(f"indicator #{n} ({item.get('code', '?')}): missing {', '.join(missing)}")
        ind = Indicator(
            code=str(item["code"]),
            zh=str(item["zh"]),
            en=str(item["en"]),
            unit=str(item["unit"]),
            unit_en=str(item.get("unit_en") or item["unit"]),
            kind=str(item["kind"]),
            category=str(item["category"]),
            direction=str(item.get("direction", "up")),
            numerator=item.get("numerator"),
            denominator=item.get("denominator"),
            aliases=tuple(str(a) for a in item.get("aliases") or ()),
            definition_zh=str(item.get("definition_zh", "")),
            definition_en=str(item.get("definition_en", "")),
            approx_wording=bool(item.get("approx_wording", False)),
        )
        if ind.kind not in KINDS:
            raise CatalogError(f"indicator {ind.code}: unknown kind {ind.kind!r} (use one of {', '.join(KINDS)})")
        if ind.direction not in DIRECTIONS:
            raise CatalogError(f"indicator {ind.code}: unknown direction {ind.direction!r} (use up or down)")
        if ind.category not in cat_codes:
            raise CatalogError(f"indicator {ind.code}: unknown category {ind.category!r}")
        if ind.kind == "rate" and not (ind.numerator and ind.denominator):
            raise CatalogError(f"rate {ind.code}: needs both numerator and denominator")
        if ind.kind != "rate" and (ind.numerator or ind.denominator):
            raise CatalogError(f"indicator {ind.code}: only a rate has numerator/denominator")
        indicators.append(ind)

    by_code: dict[str, Indicator] = {}
    for ind in indicators:
        if ind.code in by_code:
            raise CatalogError(f"duplicate indicator code {ind.code!r}")
        by_code[ind.code] = ind
    for ind in indicators:
        if ind.kind == "rate":
            for part in (ind.numerator, ind.denominator):
                if part not in by_code:
                    raise CatalogError(f"rate {ind.code}: part {part!r} is not in the catalog")
                if by_code[part].kind == "rate":
                    raise CatalogError(f"rate {ind.code}: part {part!r} is itself a rate")
    by_key: dict[str, Indicator] = {}
    for ind in indicators:
        for key in {fold_header(k) for k in (ind.code, ind.zh, ind.en, *ind.aliases)}:
            other = by_key.get(key)
            if other is not None and other.code != ind.code:
                raise CatalogError(f"name or alias {key!r} is used by both {other.code} and {ind.code}")
            by_key[key] = ind
    return Catalog(tuple(indicators), categories, by_code, by_key)
