"""Units an upload names that the org tree lacks (issue 10 item 1): where each most likely
belongs, an administrator adding one from the upload, a clerk's request confirmed or turned
down, the clerk's scope, and the audit sentences; on SQLite and PostgreSQL. A refused action
leaves every table as it was."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

import auth
import resources
from audit_text import sentence
from ingest import unit_requests as ur
from ingest.importer import commit, prepare
from ingest.units_admin import UnitProblem
from ingest.units_match import place
from metrics import rollup
from store import schema
from store.db import RequestDecided, open_store
from tests.ingest_fixtures import xlsx

C01 = "卢沟桥社区联合工会"
NEW = "北京卢沟桥新材料科技有限公司工会"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = open_store(url)
    s.add_units(resources.example_units())
    s.set_user("zhang", "张主席", "admin", auth.hash_password("pw-for-tests-1"), "test")
    s.set_user("wang", "王芳", "clerk", auth.hash_password("pw-for-tests-1"), "test")
    s.set_user_units("wang", ["C01"], "zhang")
    yield s
    s.engine.dispose()


def quarter_file(*rows) -> bytes:
    return xlsx({"季度数据": [["卢沟桥街道总工会 2018年第1季度 工会工作统计表"], ["单位名称", "会员人数"], *rows]})


def everything(store) -> dict:
    """Every row of every table: what a refused action must leave as it was."""
    with store.read() as conn:
        return {t.name: sorted(map(repr, conn.execute(sa.select(t)).all())) for t in schema.metadata.sorted_tables}


# ---- where a new unit belongs -----------------------------------------------------------------

def test_a_new_enterprise_goes_under_the_uploaders_community_else_the_one_the_file_shares():
    units = resources.example_units()
    assert place(units, NEW, uploader_units=["C02"]) == ("C02", "enterprise")
    assert place(units, NEW, file_units=["C01"]) == ("C01", "enterprise")
    assert place(units, NEW, file_units=["C08", "E001", "C01"]) == ("C08", "enterprise")  # 2 of 3 in C08
    # a federation-wide file shares no community: under the federation, to be moved by an administrator
    everyone = list(units.loc[units["level"] != "federation", "code"])
    assert place(units, NEW, file_units=everyone) == ("LGQ", "community")
    # a joint union's name is a community of the federation, wherever the file comes from
    assert place(units, "新华社区联合工会", uploader_units=["C02"]) == ("LGQ", "community")


def test_the_unknown_units_of_a_dry_run_with_their_likely_parent(store):
    p = prepare(store, quarter_file([C01, 100], [NEW, 12], [NEW, 13]), "c01.xlsx", uploader="wang")
    assert [f.code for f in p.report.errors] == ["unknown_unit", "unknown_unit"]
    found = ur.unknown_units(p, store.units(), ["C01"])
    assert found == [{"name": NEW, "where": "季度数据!A4", "parent": "C01", "level": "enterprise"}]


# ---- an administrator adds it from the upload -------------------------------------------------

def test_an_administrator_adds_the_unit_then_the_file_imports_into_the_communitys_roll_up(store):
    raw = quarter_file([C01, 100], ["北京卢沟桥新材料公司工会", 12])
    first = prepare(store, raw, "c01.xlsx", uploader="zhang")
    assert not first.report.ok
    code = ur.add_from_upload(store, NEW, "C01", file_name="北京卢沟桥新材料公司工会", filename="c01.xlsx",
                              actor="zhang")
    units = store.units().set_index("code")
    assert (units.loc[code, "name_zh"], units.loc[code, "parent"], units.loc[code, "level"]) == (NEW, "C01", "enterprise")
    # the file's own spelling is kept, so the same file now finds the unit
    assert store.unit_aliases().query("unit == @code")["name"].tolist() == ["北京卢沟桥新材料公司工会"]
    again = prepare(store, raw, "c01.xlsx", uploader="zhang")
    assert again.report.ok, [f.message() for f in again.report.errors]
    commit(store, again, "zhang", acknowledged=True)
    q = rollup.quarterly(rollup.current(store.observations()), store.units(), resources.catalog(), "C01")
    row = q[(q["indicator"] == "members") & (q["period"] == "2018Q1")].iloc[0]
    assert (row["value"], row["n_units"]) == (112, 2)
    entry = store.audit_log().query("action == 'units.add_from_upload'").iloc[0]
    assert sentence(entry["action"], entry["actor"], entry["detail"], "zh") == \
        f"zhang在上传“c01.xlsx”时把“{NEW}”加入单位名录（代码 {code}，上级：{C01}）。"
    assert sentence(entry["action"], entry["actor"], entry["detail"], "en") == \
        f"zhang added “{NEW}” to the list of units while uploading “c01.xlsx” (code {code}, parent: {C01})."


def test_an_administrator_cannot_put_a_unit_under_an_enterprise_or_take_a_name_in_use(store):
    before = everything(store)
    with pytest.raises(UnitProblem) as refused:
        ur.add_from_upload(store, NEW, "E001", actor="zhang")
    assert refused.value.key == "unitreq.parent_not_allowed"
    with pytest.raises(UnitProblem) as taken:
        ur.add_from_upload(store, " 卢沟桥社区联合工会", "LGQ", actor="zhang")
    assert taken.value.key == "orgtree.name_taken"
    assert everything(store) == before


# ---- a clerk asks, an administrator decides ---------------------------------------------------

def test_a_clerks_request_is_confirmed_under_the_parent_chosen_and_her_file_then_imports(store):
    raw = quarter_file([C01, 100], ["新材料公司工会", 12])
    p = prepare(store, raw, "卢沟桥2018Q1.xlsx", uploader="wang")
    [item] = ur.unknown_units(p, store.units(), ["C01"])
    rid, new = ur.submit(store, NEW, item["parent"], file_name=item["name"], filename=p.filename, username="wang")
    assert new and ur.submit(store, NEW.replace("工会", " 工会"), "C01", username="wang") == (rid, False)
    request = store.unit_requests("pending").iloc[0]
    assert (request["name_zh"], request["file_name"], request["parent"], request["filename"], request["requested_by"]) \
        == (NEW, "新材料公司工会", "C01", "卢沟桥2018Q1.xlsx", "wang")
    assert not prepare(store, raw, "卢沟桥2018Q1.xlsx", uploader="wang").report.ok  # nothing added yet

    code = ur.confirm(store, rid, "zhang")
    assert store.units().set_index("code").loc[code, "parent"] == "C01"
    decided = store.unit_requests().iloc[0]
    assert (decided["status"], decided["decided_by"], decided["unit"]) == ("confirmed", "zhang", code)
    with pytest.raises(RequestDecided):
        ur.confirm(store, rid, "zhang")
    again = prepare(store, raw, "卢沟桥2018Q1.xlsx", uploader="wang")  # her scope now holds the new enterprise
    assert again.report.ok, [f.message() for f in again.report.errors]
    commit(store, again, "wang", acknowledged=True)

    log = store.audit_log()
    said = {a: sentence(a, who, d, "zh") for a, who, d in zip(log["action"], log["actor"], log["detail"])}
    assert said["unit_request.submit"] == f"wang提交了新增单位申请第 {rid} 号：“{NEW}”（上级：{C01}，文件“卢沟桥2018Q1.xlsx”）。"
    assert said["unit_request.confirm"] == \
        f"zhang确认了wang的新增单位申请第 {rid} 号：“{NEW}”加入单位名录（代码 {code}，上级：{C01}）。"
    en = {a: sentence(a, who, d, "en") for a, who, d in zip(log["action"], log["actor"], log["detail"])}
    assert en["unit_request.confirm"] == \
        f"zhang confirmed request no. {rid} by wang: “{NEW}” added to the list of units (code {code}, parent: {C01})."


def test_the_administrator_may_confirm_with_another_name_and_parent_keeping_both_spellings(store):
    rid, _ = ur.submit(store, "新材料公司", "C01", file_name="新材料", username="wang")
    code = ur.confirm(store, rid, "zhang", name=NEW, parent="B01")
    units = store.units().set_index("code")
    assert (units.loc[code, "name_zh"], units.loc[code, "parent"]) == (NEW, "B01")
    assert sorted(store.unit_aliases().query("unit == @code")["name"]) == ["新材料", "新材料公司"]


def test_a_rejected_request_keeps_its_reason_and_adds_nothing(store):
    rid, _ = ur.submit(store, NEW, "C01", filename="a.xlsx", username="wang")
    units_before = len(store.units())
    before = everything(store)
    with pytest.raises(UnitProblem) as no_reason:
        ur.reject(store, rid, "zhang", "  ")
    assert no_reason.value.key == "unitreq.no_reason" and everything(store) == before
    ur.reject(store, rid, "zhang", "已有此单位：卢沟桥新材料，请改用名录中的名称")
    row = store.unit_requests().iloc[0]
    assert (row["status"], row["reason"]) == ("rejected", "已有此单位：卢沟桥新材料，请改用名录中的名称")
    assert len(store.units()) == units_before
    entry = store.audit_log().query("action == 'unit_request.reject'").iloc[0]
    assert sentence(entry["action"], entry["actor"], entry["detail"], "zh") == \
        f"zhang未同意wang的新增单位申请第 {rid} 号“{NEW}”，原因：已有此单位：卢沟桥新材料，请改用名录中的名称。"
    assert sentence(entry["action"], entry["actor"], entry["detail"], "en").startswith(
        f"zhang turned down request no. {rid} by wang for “{NEW}”; reason: ")
    with pytest.raises(RequestDecided):
        ur.confirm(store, rid, "zhang")


@pytest.mark.parametrize("parent", ["C02", "B01", "LGQ", "E001", "NOPE"])
def test_a_clerk_cannot_ask_for_a_unit_outside_her_scope_and_nothing_is_stored(store, parent):
    before = everything(store)
    with pytest.raises(UnitProblem) as refused:
        ur.submit(store, NEW, parent, filename="a.xlsx", username="wang")
    assert refused.value.key == "unitreq.parent_not_allowed"
    assert everything(store) == before


def test_a_leader_or_a_disabled_clerk_cannot_ask(store):
    store.set_user("li", "李领导", "leader", auth.hash_password("pw-for-tests-1"), "test")
    store.update_user("wang", "zhang", active=False)
    before = everything(store)
    for who in ("li", "wang", "nobody"):
        with pytest.raises(UnitProblem) as refused:
            ur.submit(store, NEW, "C01", username=who)
        assert refused.value.key == "unitreq.not_allowed"
    assert everything(store) == before


def test_a_clerk_who_holds_only_enterprises_has_no_parent_to_ask_under(store):
    store.set_user_units("wang", ["E001"], "zhang")
    assert ur.clerk_parents(store, "wang") == []
    assert ur.clerk_parents(store, "zhang") == []  # not a clerk's scope: the administrator adds directly
    store.set_user_units("wang", ["C01", "C02", "E001"], "zhang")
    assert ur.clerk_parents(store, "wang") == ["C01", "C02"]


def test_closed_communities_are_not_offered_as_parents(store):
    from ingest import units_admin

    units_admin.close_unit(store, "C02", "2018Q1", actor="zhang")
    parents = ur.admin_parents(store.units())
    assert "C02" not in parents and "C01" in parents and parents[-1] == "LGQ"


def test_the_audit_reads_renames_reviews_and_deadlines_as_sentences(store):
    from ingest import units_admin

    units_admin.rename_unit(store, "C01", "卢沟桥社区工会联合会", actor="zhang")
    store.review(["C01", "C02"], "2017Q4", "approve", "zhang")
    store.review(["C01"], "2017Q4", "unlock", "zhang", comment="补报")
    store.set_deadline("2018Q1", pd.Timestamp("2018-04-15").date(), "zhang")
    log = store.audit_log()
    zh = [sentence(a, w, d, "zh") for a, w, d in zip(log["action"], log["actor"], log["detail"])][:4]
    assert zh == ["zhang把2018年第1季度的报送截止日期设为 2018-04-15。",
                  "zhang解锁了 1 个单位2017年第4季度的数据：C01，理由：补报。",
                  "zhang审核通过了 2 个单位2017年第4季度的数据：C01、C02。",
                  f"zhang把单位 C01 由“{C01}”改名为“卢沟桥社区工会联合会”（旧名保留为曾用名）。"]
    en = sentence(log["action"].iloc[2], "zhang", log["detail"].iloc[2], "en")
    assert en == "zhang approved 2017 Q4 for 2 unit(s): C01, C02."


def test_every_action_the_store_audits_has_a_name_and_a_sentence_in_both_languages():
    """So the audit log never falls back to a raw action code or JSON (issue 10 item 5)."""
    import re
    from pathlib import Path

    from i18n import has
    from store.db import REVIEW_ACTIONS

    source = (Path(__file__).resolve().parents[1] / "store" / "db.py").read_text(encoding="utf-8")
    # every "area.verb" literal in store/db.py is an audited action, but the logger's name
    actions = {a for a in re.findall(r'"([a-z_]+\.[a-z_]+)"', source) if not a.startswith("union.")}
    actions |= {f"upload.{a}" for a in ("withdraw", "restore")} | {f"review.{a}" for a in REVIEW_ACTIONS}
    assert {"units.add_from_upload", "unit_request.submit", "unit_request.confirm", "unit_request.reject",
            "units.rename", "deadline.set"} <= actions
    for action in sorted(actions):
        key = action.replace(".", "_")
        for lang in ("zh", "en"):
            assert has(f"forms.audit.{key}", lang), (action, lang)
            assert has(f"data.action.{key}", lang), (action, lang)
