"""English says "1 unit", "1 year", "1 person" and "2 units" (issue 11): counts in the string
catalog choose their word with ``{n|one|other}``, figures their unit (metrics.wording.singular),
report clauses their verb; checked with the values 1 and 2."""

from __future__ import annotations

import pytest

import resources
from i18n import plural, t
from metrics.report_text import render_clause
from metrics.wording import phrase, singular


@pytest.mark.parametrize("key, values, one, two", [
    ("attention.lagging", {"units": "X"}, "1 unit lagging", "2 units lagging"),
    ("attention.summary", {"binding": 0, "slipped": 0}, "1 goal below pace", "2 goals below pace"),
    ("midterm.duration_years", {}, "1 year", "2 years"),
    ("midterm.duration_quarters", {}, "1 quarter", "2 quarters"),
    ("brief.more", {}, "1 more goal below pace", "2 more goals below pace"),
    ("coverage.carried", {}, "incl. 1 unit carried", "incl. 2 units carried"),
    ("reporting.done", {}, "Recorded for 1 unit.", "Recorded for 2 units."),
    ("upload.committed", {"id": 7}, "1 figure.", "2 figures."),
], ids=lambda v: v if isinstance(v, str) and "." in v and " " not in v else None)
def test_english_counts_take_the_singular_for_one(key, values, one, two):
    name = {"attention.lagging": "count", "coverage.carried": "k"}.get(key, "n")
    assert one in t(key, "en", **values, **{name: 1})
    assert two in t(key, "en", **values, **{name: 2})
    assert "|" not in t(key, "zh", **values, **{name: 1})  # Chinese has no plural words


def test_years_and_points_in_words():
    assert t("report.doc.review_full", "en", years="one") == "1. The past one year in review"
    assert t("report.doc.review_full", "en", years="five") == "1. The past five years in review"
    assert t("attention.reason.pace", "en", progress="1%", elapsed="2%", gap="1").endswith("1 point behind")
    assert t("attention.reason.pace", "en", progress="1%", elapsed="3%", gap="2").endswith("2 points behind")
    assert t("midterm.headline", "en", quarter="Q", plan="P", duration="d", elapsed="e", n=1, k=1, m=0).endswith(
        "Of the 1 indicator with a numeric goal, 1 has progress at or above the time elapsed and 0 are below it.")


def test_plural_leaves_other_counts_alone():
    assert plural("{n|a|b} {m|c|d}", {"n": "1.5", "m": "1,000"}) == "b d"
    assert plural("{n|a|b}", {"n": -1}) == "a"


@pytest.mark.parametrize("unit, one", [("persons", "person"), ("enterprises", "enterprise"), ("policies", "policy"),
                                       ("person-times", "person-time"), ("yuan", "yuan"), ("m²", "m²")])
def test_every_english_catalog_unit_has_a_singular(unit, one):
    assert singular(unit) == one
    assert phrase(1, unit, lang="en") == f"1 {one}"
    assert phrase(2, unit, lang="en") == f"2 {unit}"


def test_catalog_units_all_singularise_sensibly():
    for ind in resources.catalog().indicators:
        unit = ind.unit_label("en")
        if unit not in ("%", "yuan", "m²"):
            assert singular(unit) != unit and not singular(unit).endswith("ie"), unit


def test_report_clause_verb_agrees_with_its_figure():
    template = t("report.sentence.self_building.awarded_reports", "en")
    assert render_clause(template, {"awarded_reports": "1 report"}).startswith("of which 1 report was named")
    assert render_clause(template, {"awarded_reports": "2 reports"}).startswith("of which 2 reports were named")
    assert render_clause(template, {"awarded_reports": "more than 1,000 reports"}).startswith("of which more than 1,000 reports were")


def test_english_report_of_the_seed_says_one_report_was(example_url):
    from reports.content import build_report, load_inputs
    from store.db import open_store

    inputs = load_inputs(open_store(example_url), resources.catalog())
    text = " ".join(s.text for sec in build_report(inputs, 2011, 2015, lang="en").sections for s in sec.sentences)
    assert "of which 1 report was named excellent" in text
    assert " 1 report were" not in text and " 1 reports" not in text
    later = " ".join(s.text for sec in build_report(inputs, 2016, 2020, lang="en").sections for s in sec.sentences)
    assert "1 person became a city advanced worker or May Day medal holder" in later
