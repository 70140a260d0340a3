"""The string catalog: every text a user reads, in 简体中文 and English.

Strings live in ``i18n/<lang>/<area>.toml``; a key is ``<area>.<name>`` (``overview.title``,
``upload.error.negative_count``). ``t(key, lang, **values)`` formats with ``str.format``.
A test checks that both languages have the same keys and that every key used in code exists.
"""

from __future__ import annotations

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


def t(key: str, lang: str = "zh", /, **values) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``. Raises KeyError if missing."""
    text = strings(lang)[key]
    return text.format(**values) if values else text


def has(key: str, lang: str = "zh") -> bool:
    return key in strings(lang)
