"""``python -m ingest FILE --allow-new-units``: each unit the tree lacks goes under the parent it
most likely belongs to (printed, and in ``--json`` as ``new_units``); with ``--user`` of a clerk
nothing is added: ``--commit`` files a request per unit instead, as the upload page does, and
imports nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

import auth
import resources
from store.db import open_store
from tests.ingest_fixtures import xlsx
from tests.test_ingest_cli import cli
from tests.test_unit_requests import everything

C01 = "卢沟桥社区联合工会"
NEW = "北京卢沟桥新材料科技有限公司工会"
NEW_COMMUNITY = "新华社区联合工会"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    store.add_units(resources.example_units())
    store.set_user("wang", "王芳", "clerk", auth.hash_password("pw-for-tests-1"), "test")
    store.set_user_units("wang", ["C01"], "test")
    store.engine.dispose()
    return url


def form(tmp_path, *rows, name="卢沟桥2018Q1.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx({"季度数据": [["卢沟桥街道总工会 2018年第1季度 工会工作统计表"], ["单位名称", "会员人数"], *rows]}))
    return path


def test_new_units_go_under_their_likely_parent_not_the_federation(db, tmp_path):
    path = form(tmp_path, [C01, 100], [NEW, 12], [NEW_COMMUNITY, 30])
    code, out, err = cli(path, "--db", db, "--allow-new-units")
    assert code == 0, err
    assert f"新单位：{NEW} → {C01}（C01）名下，作为企业工会，暂定代码" in out
    assert f"新单位：{NEW_COMMUNITY} → 卢沟桥街道总工会（LGQ）名下，作为社区（楼宇）联合工会" in out
    warning = next(line for line in out.splitlines() if "季度数据!A4" in line)
    assert f"加入“{C01}”名下" in warning

    code, out, err = cli(path, "--db", db, "--allow-new-units", "--commit", "--json", "--lang", "en")
    report = json.loads(out)
    assert code == 0 and report["committed"] == 1, err
    placed = {u["name"]: u for u in report["new_units"]}
    assert {k: placed[NEW][k] for k in ("where", "parent", "parent_name", "level", "action")} == \
        {"where": "季度数据!A4", "parent": "C01", "parent_name": C01, "level": "enterprise", "action": "add"}
    assert (placed[NEW_COMMUNITY]["parent"], placed[NEW_COMMUNITY]["level"]) == ("LGQ", "community")
    store = open_store(db)
    try:
        units = store.units().set_index("name_zh")
        assert (units.loc[NEW, "code"], units.loc[NEW, "parent"], units.loc[NEW, "level"]) == \
            (placed[NEW]["code"], "C01", "enterprise")
        assert units.loc[NEW_COMMUNITY, "parent"] == "LGQ"
    finally:
        store.engine.dispose()


def test_text_output_after_a_commit_names_the_final_code_and_parent(db, tmp_path):
    path = form(tmp_path, [C01, 100], [NEW, 12])
    code, out, err = cli(path, "--db", db, "--allow-new-units", "--commit", "--lang", "en")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("new unit:"))
    assert line.startswith(f"new unit: {NEW} → added under {C01} (C01) as an enterprise union, code N")


def test_a_clerks_allow_new_units_asks_instead_and_imports_nothing(db, tmp_path):
    path = form(tmp_path, [C01, 100], [NEW, 12])
    store = open_store(db)
    before = everything(store)
    code, out, err = cli(path, "--db", db, "--allow-new-units", "--user", "wang", "--json")
    report = json.loads(out)
    assert code == 1 and report["committed"] is None
    assert [e["code"] for e in report["errors"]] == ["unknown_unit"]
    assert report["new_units"] == [{"name": NEW, "where": "季度数据!A4", "code": None, "parent": "C01",
                                    "parent_name": C01, "level": "enterprise", "action": "request",
                                    "request": None, "pending": False}]
    assert everything(store) == before  # a dry run asks nothing

    code, out, err = cli(path, "--db", db, "--allow-new-units", "--user", "wang", "--commit")
    assert code == 1
    assert f"新单位：{NEW} → 已提交新增单位申请第 1 号（上级：{C01}），管理员确认后再导入" in out
    requests = store.unit_requests()
    assert requests[["name_zh", "parent", "filename", "requested_by", "status"]].values.tolist() == \
        [[NEW, "C01", "卢沟桥2018Q1.xlsx", "wang", "pending"]]
    assert store.uploads().empty and NEW not in set(store.units()["name_zh"])

    code, out, err = cli(path, "--db", db, "--allow-new-units", "--user", "wang", "--commit", "--json")
    assert json.loads(out)["new_units"][0]["pending"] is True and len(store.unit_requests()) == 1
    store.engine.dispose()


def test_a_clerk_with_only_an_enterprise_cannot_ask_from_the_command_line(db, tmp_path):
    store = open_store(db)
    store.set_user_units("wang", ["E001"], "test")
    before = everything(store)
    path = form(tmp_path, ["华信中安（北京）保安服务有限公司工会", 40], [NEW, 12])
    code, out, err = cli(path, "--db", db, "--allow-new-units", "--user", "wang", "--commit", "--lang", "en")
    assert code == 1
    assert f"new unit: {NEW} → cannot request: none of your units is a community or building joint union" in out
    assert everything(store) == before
    store.engine.dispose()
