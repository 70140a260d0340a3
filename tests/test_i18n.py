"""Tests for i18n/: both languages have the same keys and placeholders, and every key the code
asks for with a literal ``tr("...")`` / ``t("...")`` exists."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from i18n import LANGS, has, strings, t

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "i18n"
KEY_CALL = re.compile(r"""(?<![\w.])(?:tr|t|_t|i18n\.t)\(\s*(["'])([A-Za-z_][\w.]*)\1""")


def placeholders(text: str) -> set[str]:
    return {name.split("|")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def area_files(lang: str) -> set[str]:
    return {p.name for p in (I18N / lang).glob("*.toml")}


def test_both_languages_have_the_same_area_files():
    assert area_files("zh") == area_files("en")
    assert "common.toml" in area_files("zh")


@pytest.mark.parametrize("area", sorted(area_files("zh")))
def test_both_languages_have_the_same_keys(area):
    zh = {k for k in strings("zh") if k.split(".")[0] == area[:-5]}
    en = {k for k in strings("en") if k.split(".")[0] == area[:-5]}
    assert not zh - en, f"missing in en: {sorted(zh - en)}"
    assert not en - zh, f"missing in zh: {sorted(en - zh)}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_file_parses_and_has_no_empty_string(lang):
    for path in sorted((I18N / lang).glob("*.toml")):
        with open(path, "rb") as f:
            tomllib.load(f)
    empty = [k for k, v in strings(lang).items() if not v.strip()]
    assert not empty


def test_same_placeholders_in_both_languages():
    zh, en = strings("zh"), strings("en")
    wrong = {k: (placeholders(zh[k]), placeholders(en[k])) for k in zh.keys() & en.keys()
             if placeholders(zh[k]) != placeholders(en[k])}
    assert not wrong


def test_chinese_strings_are_chinese():
    """A zh value that is pure ASCII letters is probably an untranslated copy of the English."""
    zh, en = strings("zh"), strings("en")
    bare = {k: re.sub(r"\{[^}]*\}", "", v) for k, v in zh.items()}
    copies = [k for k in zh if zh[k] == en.get(k) and re.search(r"[A-Za-z]{4,}", bare[k])
              and not re.search(r"[\u4e00-\u9fff]", bare[k])]
    assert not copies


def used_keys() -> list[tuple[str, str]]:
    """(file, key) for every literal key in the project's Python code."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if {".venv", "tests"} & set(parts):
            continue
        for m in KEY_CALL.finditer(path.read_text(encoding="utf-8")):
            if "." in m.group(2):
                out.append((str(path.relative_to(ROOT)), m.group(2)))
    return out


def test_the_code_uses_translated_keys():
    files = {f for f, _ in used_keys()}
    assert {"dashboard.py", "app_pages/overview.py", "tables.py"} <= files


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_used_in_code_exists(lang):
    missing = sorted({f"{f}: {k}" for f, k in used_keys() if not has(k, lang)})
    assert not missing


@pytest.mark.parametrize(
    "key,lang,values,expected",
    [("common.nav.overview", "zh", {}, "指标总览"), ("common.nav.overview", "en", {}, "Overview"),
     ("common.signed_in_as", "zh", {"name": "王", "role": "管理员"}, "当前用户：王（管理员）"),
     ("overview.trend_title", "en", {"indicator": "Union members"}, "Union members by quarter")],
    ids=["zh", "en", "zh-values", "en-values"],
)
def test_t_translates_and_formats(key, lang, values, expected):
    assert t(key, lang, **values) == expected


def test_unknown_key_and_language_raise():
    with pytest.raises(KeyError):
        t("common.no_such_key", "zh")
    with pytest.raises(ValueError):
        strings("fr")


FSTRING_KEY = re.compile(r"""(?<![\w.])(?:tr|t|_t)\(\s*f(["'])([A-Za-z_][\w.]*\.)\{""")


def test_computed_keys_have_a_family_in_both_languages():
    """``tr(f"overview.kind.{kind}")``: some key must start with ``overview.kind.`` in each language."""
    prefixes = set()
    for path in sorted(ROOT.rglob("*.py")):
        if not {".venv", "tests"} & set(path.relative_to(ROOT).parts):
            prefixes |= {m.group(2) for m in FSTRING_KEY.finditer(path.read_text(encoding="utf-8"))}
    assert "overview.kind." in prefixes
    for lang in LANGS:
        orphans = [p for p in prefixes if not any(k.startswith(p) for k in strings(lang))]
        assert not orphans, lang
