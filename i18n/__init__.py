"""The string catalog: every text a user reads, in 简体中文 and English.

Strings live in ``i18n/<lang>/<area>.toml``; a key is ``<area>.<name>`` (``overview.title``,
``upload.error.negative_count``). ``t(key, lang, **values)`` formats with ``str.format``.
A word that depends on a count is written ``{n|unit|units}``: the first form when the value
``n`` is exactly 1 (or -1), the second otherwise (``"{n} {n|unit|units} lagging"``: "1 unit
lagging", "2 units lagging"); Chinese strings do not need it.
A test checks that both languages have the same keys and that every key used in code exists.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def strings(lang: str) -> dict[str, str]:
    """All strings of one language, as a flat ``{dotted.key: text}`` mapping."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    out: dict[str, str] = {}
    for path in sorted((_HERE / lang).glob("*.toml")):
        with open(path, "rb") as f:
            _flatten(tomllib.load(f), path.stem, out)
    return out


def _flatten(tree: dict, prefix: str, out: dict[str, str]) -> None:
    for key, value in tree.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(value, full, out)
        else:
            out[full] = str(value)


_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def _is_one(value) -> bool:
    """Whether a count reads as exactly one ("1", 1, 1.0, "-1", "one"; "1.5" and "1,000" do not)."""
    if str(value).strip().lower() == "one":
        return True
    try:
        return abs(float(str(value).replace("\u2212", "-"))) == 1
    except ValueError:
        return False


def plural(text: str, values: dict) -> str:
    """``text`` with each ``{n|one|other}`` replaced by the form that fits the value of ``n``.

    >>> plural("{n} {n|unit|units}", {"n": 1}), plural("{n} {n|unit|units}", {"n": 2})
    ('{n} unit', '{n} units')
    """
    def pick(m: re.Match) -> str:
        if m.group(1) not in values:  # not this call's count: left for whoever fills the text in
            return m.group(0)
        return m.group(2) if _is_one(values[m.group(1)]) else m.group(3)

    return _PLURAL.sub(pick, text)


def t(key: str, lang: str = "zh", /, **values) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values`` (count-dependent words
    ``{n|one|other}`` chosen first, see :func:`plural`). Raises KeyError if missing."""
    text = strings(lang)[key]
    if "|" in text:
        text = plural(text, values)
    return text.format(**values) if values else text


def has(key: str, lang: str = "zh") -> bool:
    return key in strings(lang)
