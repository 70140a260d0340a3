"""One test per error and warning code: the cell it names, its severity, and both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.ingest_fixtures import TITLE, finding, run, stored, xlsx

C01, C02 = "卢沟桥社区联合工会", "小瓦窑社区联合工会"


def sheet(header, *rows, **kw):
    return run(xlsx({"季度数据": [[TITLE], ["单位名称", *header], *rows]}), **kw)


CASES = [
    # code, header, rows, where, severity
    ("unknown_unit", ["会员人数"], [["卢沟桥社区工会", 5]], "季度数据!A3", "error"),
    ("missing_unit", ["会员人数"], [[None, 5]], "季度数据!A3", "error"),
    ("not_a_number", ["会员人数"], [[C01, "见附表"]], "季度数据!B3", "error"),
    ("negative_count", ["会员人数"], [[C01, -5]], "季度数据!B3", "error"),
    ("percent_over_100", ["企业建会率（%）"], [[C01, 120]], "季度数据!B3", "error"),
    ("part_over_whole", ["建会企业数", "签订集体合同企业数"], [[C01, 40, 45]], "季度数据!C3", "error"),
    ("part_over_whole", ["职工人数", "会员人数"], [[C01, 100, 120]], "季度数据!C3", "error"),
    ("duplicate_unit", ["会员人数"], [[C01, 5], ["C01", 6]], "季度数据!A4", "error"),
    ("total_mismatch", ["会员人数"], [[C01, 5], [C02, 6], ["合计", 12]], "季度数据!B5", "warning"),
    ("rate_mismatch", ["建会企业数", "签订集体合同企业数", "集体合同签订率"], [[C01, 50, 40, 98]], "季度数据!D3", "warning"),
    ("approximate", ["会员人数"], [[C01, "约300"]], "季度数据!B3", "warning"),
    ("unknown_column", ["会员人数", "党员人数"], [[C01, 5, 3]], "季度数据!C2", "warning"),
]


@pytest.mark.parametrize("code,header,rows,where,severity", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_rule_names_the_cell(code, header, rows, where, severity):
    p = sheet(header, *rows)
    f = finding(p, code)
    assert (f.where, f.severity) == (where, severity)
    zh, en = f.message("zh"), f.message("en")
    assert where in zh and where in en and zh != en
    assert p.report.ok is (severity != "error" and not any(x.severity == "error" for x in p.report.findings))


def test_unknown_unit_suggests_the_closest_names():
    f = finding(sheet(["会员人数"], ["卢沟桥社区工会", 5]), "unknown_unit")
    assert "卢沟桥社区联合工会" in f.params["suggestions"]
    assert "卢沟桥社区联合工会" in f.message("en")


def test_unit_by_code_or_by_name_with_width_and_spaces_folded():
    p = sheet(["会员人数"], ["c01", 5], ["小瓦窑 社区联合工会", 6], ["Dajing Community Joint Union", 7])
    assert stored(p) == {("C01", "members"): 5, ("C02", "members"): 6, ("C03", "members"): 7}


def test_period_conflict_between_file_name_and_title():
    p = run(xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], [C01, 5]]}), "2016年第二季度.xlsx")
    f = finding(p, "period_conflict")
    assert f.where == "季度数据!A1" and "2016年第2季度" in f.message() and f.severity == "error"


def test_far_from_last_quarter_against_stored_values():
    current = pd.DataFrame({"unit": ["C01", "C01"], "indicator": ["members", "trainees"], "period": ["2015Q4", "2015Q4"],
                            "value": [100.0, 50.0], "approximate": [False, False]})
    p = sheet(["会员人数", "培训职工"], [C01, 1000, 40], current=current)
    f = finding(p, "far_from_last_quarter")
    assert f.where == "季度数据!B3" and f.params["last"] == "100"
    assert [w.code for w in p.report.warnings] == ["far_from_last_quarter"]
    p = sheet(["会员人数"], [C01, 30], current=current)  # under a third
    assert finding(p, "far_from_last_quarter").where == "季度数据!B3"


def test_counts_new_updated_unchanged_ignored_and_old_values():
    current = pd.DataFrame({"unit": ["C01", "C01"], "indicator": ["members", "employees"], "period": ["2016Q1"] * 2,
                            "value": [100.0, 150.0], "approximate": [False, False]})
    p = sheet(["会员人数", "职工人数", "建会企业数", "企业建会率"], [C01, 110, 150, 40, 90], ["合计", 110, 150, 40, 90],
              current=current)
    assert p.report.counts == {"read": 8, "new": 1, "updated": 1, "unchanged": 1, "ignored": 5}
    assert p.report.changes == [{"unit": "C01", "unit_text": C01, "indicator": "members", "period": "2016Q1",
                                 "old": 100.0, "new": 110.0, "where": "季度数据!B3"}]


def test_allow_new_units_adds_them_under_the_federation_with_a_warning():
    p = sheet(["会员人数"], ["新成立社区联合工会", 5], allow_new_units=True)
    f = finding(p, "new_unit")
    assert f.severity == "warning" and p.report.ok
    code = f.params["code"]
    assert stored(p) == {(code, "members"): 5}
    assert p.new_units.iloc[0]["parent"] == "LGQ"
