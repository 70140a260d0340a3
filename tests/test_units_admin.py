"""The org tree managed in the app (issue 10 item 1): add, rename, close, merge and reopen a
unit, each with the federation's roll-up and its expected reporters checked before and after,
on SQLite and PostgreSQL; the reader still finds a renamed unit by its old name; suggestions
for an unknown unit match the distinctive part of its name."""

from __future__ import annotations

import pytest

import resources
from ingest.importer import commit, prepare
from ingest.units_match import distinctive, likely_parent, suggest
from metrics import rollup
from ingest import units_admin as ua
from store.db import open_store
from tests.ingest_fixtures import xlsx

C01, C02, C03, E037 = "卢沟桥社区联合工会", "小瓦窑社区联合工会", "大井社区联合工会", "北京万丰电气有限公司工会"


def upload(store, period: str, rows: dict[str, int]) -> None:
    year, q = period[:4], period[-1]
    raw = xlsx({"季度数据": [[f"卢沟桥街道总工会 {year}年第{q}季度 工会工作统计表"], ["单位名称", "会员人数"],
                            *[[name, value] for name, value in rows.items()]]})
    p = prepare(store, raw, f"{period}.xlsx", period=period)
    assert p.report.ok, [f.message() for f in p.report.errors]
    commit(store, p, "admin", acknowledged=True)


def federation(store, unit: str = "LGQ") -> tuple[dict, dict]:
    """(members per quarter, expected reporters per quarter) of ``unit``'s roll-up."""
    obs = rollup.current(store.observations())
    units = store.units()
    q = rollup.quarterly(obs, units, resources.catalog(), unit)
    cover = rollup.coverage(obs, units, unit)
    return rollup.series(q, "members").to_dict(), dict(zip(cover["period"], cover["expected"]))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    s = open_store(url)
    s.add_units(resources.example_units())
    upload(s, "2017Q4", {C01: 100, C02: 200, E037: 30, C03: 40})
    yield s
    s.engine.dispose()


def test_merging_a_community_keeps_its_history_and_stops_expecting_it(store):
    upload(store, "2018Q1", {C01: 110, C02: 250, E037: 30})  # 大井 has merged into 小瓦窑
    members, expected = federation(store)
    assert members["2017Q4"] == 370 and expected == {"2017Q4": 4, "2018Q1": 4}
    assert members["2018Q1"] == 110 + 250 + 30 + 40  # before: 大井's members carried as if it still existed
    ua.merge_unit(store, "C03", "C02", "2018Q1", actor="admin")
    members, expected = federation(store)
    assert members["2017Q4"] == 370 and expected == {"2017Q4": 4, "2018Q1": 3}
    assert members["2018Q1"] == 110 + 250 + 30  # nothing counted twice, nothing carried
    c03 = store.units().set_index("code").loc["C03"]
    assert (c03["active_until"], c03["merged_into"]) == ("2017Q4", "C02")
    assert federation(store, "C03")[0] == {"2017Q4": 40}  # its history stays under its own code
    ua.reopen_unit(store, "C03", actor="admin")
    assert federation(store)[1] == {"2017Q4": 4, "2018Q1": 4}


def test_closing_a_unit_from_a_quarter(store):
    upload(store, "2018Q1", {C02: 210, E037: 31, C03: 41})
    assert federation(store)[1]["2018Q1"] == 4
    ua.close_unit(store, "C01", "2018Q1", actor="admin")
    members, expected = federation(store)
    assert expected == {"2017Q4": 4, "2018Q1": 3} and members == {"2017Q4": 370, "2018Q1": 210 + 31 + 41}
    ua.reopen_unit(store, "C01", actor="admin")
    assert federation(store)[1]["2018Q1"] == 4


def test_adding_an_enterprise_under_its_community(store):
    code = ua.add_unit(store, "北京莲花池物业管理有限公司工会", "C02", "enterprise", active_from="2018Q1", actor="admin")
    row = store.units().set_index("code").loc[code]
    assert (row["parent"], row["level"]) == ("C02", "enterprise")
    upload(store, "2018Q1", {C01: 100, C02: 200, E037: 30, C03: 40})
    members, expected = federation(store)
    assert expected == {"2017Q4": 4, "2018Q1": 5} and members == {"2017Q4": 370, "2018Q1": 370}
    upload(store, "2018Q1", {"北京莲花池物业管理有限公司工会": 15})
    members, expected = federation(store)
    assert members == {"2017Q4": 370, "2018Q1": 385}
    assert federation(store, "C02")[0] == {"2017Q4": 230, "2018Q1": 245}
    with pytest.raises(ua.UnitProblem) as bad:
        ua.add_unit(store, "某企业工会", "LGQ", "enterprise")
    assert bad.value.key == "orgtree.bad_parent"
    with pytest.raises(ua.UnitProblem) as taken:
        ua.add_unit(store, " 北京莲花池物业管理有限公司工会", "C01", "enterprise")
    assert taken.value.key == "orgtree.name_taken"


def test_renaming_keeps_the_old_name_for_the_reader_and_the_figures(store):
    before = federation(store)
    ua.rename_unit(store, "C03", "大井新区社区联合工会", actor="admin")
    assert list(store.unit_aliases()["name"]) == [C03]
    assert federation(store) == before
    upload(store, "2018Q1", {C03: 45})  # a file still using the old name
    obs = rollup.current(store.observations())
    assert obs[(obs["unit"] == "C03") & (obs["period"] == "2018Q1")]["value"].tolist() == [45]
    with pytest.raises(ua.UnitProblem):
        ua.rename_unit(store, "C01", "大井新区社区联合工会")


def test_merge_and_close_refuse_what_makes_no_sense(store):
    for call, key in ((lambda: ua.merge_unit(store, "C03", "C03", "2018Q1"), "orgtree.merge_self"),
                      (lambda: ua.merge_unit(store, "C03", "E037", "2018Q1"), "orgtree.merge_level"),
                      (lambda: ua.close_unit(store, "LGQ", "2018Q1"), "orgtree.not_federation"),
                      (lambda: ua.close_unit(store, "C03", "2018年"), "orgtree.bad_quarter")):
        with pytest.raises(ua.UnitProblem) as refused:
            call()
        assert refused.value.key == key
    ua.close_unit(store, "C01", "2018Q1")
    with pytest.raises(ua.UnitProblem) as closed:
        ua.merge_unit(store, "C03", "C01", "2018Q1")
    assert closed.value.key == "orgtree.merge_closed"


def test_suggestions_match_the_distinctive_part_of_a_name():
    names = list(resources.example_units()["name_zh"])
    assert distinctive("北京莲花池物业有限公司工会") == "莲花池物业"
    assert suggest("北京莲花池物业管理有限公司工会", names)[0] == "莲花池社区联合工会"
    assert suggest("小瓦窑社区工会联合会", names)[0] == C02
    assert suggest("北京万丰电器有限公司工会", names)[0] == E037


def test_an_unknown_units_message_suggests_the_distinctive_match(sqlite_url):
    s = open_store(sqlite_url)
    s.add_units(resources.example_units())
    raw = xlsx({"季度数据": [["卢沟桥街道总工会 2016年第1季度 工会工作统计表"], ["单位名称", "会员人数"],
                            ["北京莲花池物业管理有限公司工会", 12]]})
    finding = next(f for f in prepare(s, raw, "a.xlsx").report.errors if f.code == "unknown_unit")
    assert finding.params["suggestions"].startswith("莲花池社区联合工会")
    s.engine.dispose()


def test_a_new_units_parent_is_the_uploaders_community_else_the_files():
    units = resources.example_units()
    assert likely_parent(units, uploader_units=["C02"]) == "C02"
    assert likely_parent(units, uploader_units=["E037"]) == "C02"
    assert likely_parent(units, file_units=["C01", "E037", "C02"]) == "C02"
    assert likely_parent(units) is None
