"""Validation rules are a table: one function per rule, each with its code, severity and message;
a new rule is one function, one list entry and two strings."""

from __future__ import annotations

import inspect

import resources
from i18n import has
from ingest import validate as V
from ingest.reader import read_file
from ingest.report import CODES
from tests.ingest_fixtures import TITLE, no_values, units, xlsx

HEAD = ["单位名称", "建会企业数（家）", "会员人数（人）", "职工人数（人）"]


def test_every_rule_has_a_code_a_severity_and_a_message_in_both_languages():
    codes = [r.code for r in V.RULES]
    assert len(codes) == len(set(codes))
    for rule in V.RULES:
        assert rule.severity in ("error", "warning") and CODES[rule.code] == rule.severity
        assert has(rule.message_key, "zh") and has(rule.message_key, "en"), rule.code
        assert callable(rule.check) and inspect.getdoc(rule.check)


def test_every_rule_is_short():
    """No rule function is the old 224-line function again."""
    for rule in V.RULES:
        lines = inspect.getsource(rule.check).count("\n")
        assert lines < 45, (rule.code, lines)


def test_the_known_rules_are_all_in_the_table():
    assert {"unknown_unit", "missing_unit", "negative_count", "percent_over_100", "part_over_whole",
            "total_mismatch", "far_from_last_quarter", "too_long", "part_over_stored_whole", "ytd_mismatch",
            "duplicate_unit", "subset_over_parent", "rate_mismatch", "approximate", "new_unit"} <= \
        {r.code for r in V.RULES}


def _read(rows):
    return read_file(xlsx({"季度数据": [[TITLE], HEAD, *rows]}), "2016Q1.xlsx", resources.catalog())


def test_a_new_rule_is_one_function_and_one_entry(monkeypatch):
    def rule_members_round(ctx):
        """会员人数 that ends in 000 is probably an estimate."""
        c = ctx.cells
        hit = c[ctx.ok & (c["indicator"] == "members") & (c["value"] % 1000 == 0) & (c["value"] > 0)]
        return [V.Finding("approximate", row.where, {"text": str(row.value), "value": str(row.value),
                                                     "indicator_zh": "会员人数", "indicator_en": "members"})
                for row in hit.itertuples()]

    read = _read([["卢沟桥社区联合工会", 40, 3000, 4000]])
    kw = dict(catalog=resources.catalog(), units=units(), current=no_values(), filename="2016Q1.xlsx")
    assert V.validate(read, **kw).findings == []
    rules = [*V.RULES, V.Rule("approximate", "warning", rule_members_round)]
    found = V.validate(read, rules=rules, **kw).findings
    assert [(f.code, f.where) for f in found] == [("approximate", "季度数据!C3")]
    # and left out of the table, a rule finds nothing
    without = [r for r in V.RULES if r.code != "negative_count"]
    neg = _read([["卢沟桥社区联合工会", -1, 30, 40]])
    assert [f.code for f in V.validate(neg, **kw).findings] == ["negative_count"]
    assert V.validate(neg, rules=without, **kw).findings == []
