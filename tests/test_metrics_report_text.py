"""Sentence templates and their rendering (metrics/report_text.py): templates hold no figure,
name only catalog indicators, exist in both languages; missing figures drop clauses."""

from __future__ import annotations

import doctest
import re

import pytest

import metrics.report_text as rt
import resources
from i18n import strings
from metrics.report_text import AREA_SENTENCES, fields, render_clause, render_sentence


def test_doctests():
    assert doctest.testmod(rt).failed == 0


def template_keys():
    """Every clause key of AREA_SENTENCES ("?" marks a clause left out when zero) and the
    variants the strings define for it (``_change``, ``_detail``)."""
    keys = [f"report.sentence.{area}.{clause.rstrip('?')}" for area, specs in AREA_SENTENCES.items()
            for spec in specs for clause in spec.clauses]
    texts = strings("zh")
    return keys + [k + v for k in keys for v in ("_change", "_detail") if k + v in texts]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_template_exists_names_catalog_indicators_and_holds_no_figure(lang):
    catalog = resources.catalog()
    texts = strings(lang)
    for key in template_keys():
        template = texts[key]
        names = [n for n, _ in fields(template)]
        assert names, key
        for name in names:
            assert name in ("since", "base_end") or name in catalog, (key, name)
            assert name in ("since", "base_end") or catalog[name].category == key.split(".")[2], (key, name)
        assert not re.search(r"\d", re.sub(r"\{[^}]*\}", "", template)), f"a figure is written in {key}"
    assert set(template_keys()) == {k for k in texts if k.startswith("report.sentence.")}


def test_the_areas_are_the_catalog_categories():
    assert list(AREA_SENTENCES) == [c.code for c in resources.catalog().categories]


@pytest.mark.parametrize("template, figures, expected", [
    ("发展会员{members}", {"members": "7167人"}, "发展会员7167人"),
    ("发展会员{members}", {"members": None}, None),
    ("辖区{certified_technicians:名}专业技术人员", {"certified_technicians:名": "5名"}, "辖区5名专业技术人员"),
    ("{since}，建成职工书屋{worker_libraries}", {"worker_libraries": "47个"}, "五年来，建成职工书屋47个"),
    ("{{literal}}{members}", {"members": "1人"}, "{literal}1人"),
])
def test_render_clause(template, figures, expected):
    assert render_clause(template, figures, {"since": "五年来"}) == expected


@pytest.mark.parametrize("clauses, lang, sep, opener, expected", [
    (["甲1件", "乙2件"], "zh", "comma", "", "甲1件，乙2件。"),
    (["甲1件", None, "丙3场"], "zh", "semicolon", "", "甲1件；丙3场。"),
    ([None], "zh", "comma", "五年来", None),
    (["乙2件"], "zh", "comma", "五年来", "五年来，乙2件。"),
    (["trained 5 persons", "held 3 events"], "en", "comma", "", "Trained 5 persons, held 3 events."),
])
def test_render_sentence(clauses, lang, sep, opener, expected):
    assert render_sentence(clauses, lang, sep, opener) == expected
