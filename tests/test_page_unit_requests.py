"""A file naming a unit the org tree lacks, on the real pages (AppTest), in Chinese and English:
an administrator adds it on the upload page under the suggested parent and the file imports
into that community's roll-up; a clerk requests it, the administrator confirms it on the units
and users page, the clerk sees the outcome and uploads."""

from __future__ import annotations

import hashlib

import pytest

import auth
import resources
from metrics import rollup
from store.db import open_store
from tests.apptest_util import open_page
from tests.ingest_fixtures import xlsx

C01 = "卢沟桥社区联合工会"
NEW = "北京卢沟桥新材料科技有限公司工会"
PASSWORD = "pw-for-tests-1"
TEXT = {
    "zh": {"add": "加入单位名录", "request": "提交新增申请", "confirm": "确认并加入名录", "commit": "已导入",
           "heading": "不在单位名录中的单位", "added": "加入单位名录（代码", "requested": "已提交新增单位申请第 1 号",
           "waiting": "正在等待管理员确认", "pending_top": "新增单位申请第 1 号", "confirmed": "管理员已确认新增单位申请第 1 号", "tab": "新增单位申请（1）",
           "admin_done": "已确认申请第 1 号"},
    "en": {"add": "Add to the list of units", "request": "Request this unit", "confirm": "Confirm and add",
           "commit": "Imported", "heading": "Units not in the list of units", "added": "was added to the list of units",
           "requested": "Request no. 1 sent", "waiting": "is waiting for an administrator",
           "pending_top": "Request no. 1 for a new unit",
           "confirmed": "An administrator confirmed request no. 1", "tab": "New unit requests (1)",
           "admin_done": "Request no. 1 confirmed"},
}


def tag(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def c01_members(url: str) -> float:
    store = open_store(url)
    cur = rollup.current(store.observations())
    store.engine.dispose()
    return float(cur[(cur["unit"] == "C01") & (cur["indicator"] == "members") & (cur["period"] == "2017Q4")]["value"].iloc[0])


def her_file(url: str) -> bytes:
    """2018Q1: her community's members as last quarter (no warning) and one new enterprise."""
    return xlsx({"季度数据": [["卢沟桥街道总工会 2018年第1季度 工会工作统计表"], ["单位名称", "会员人数"],
                            [C01, c01_members(url)], [NEW, 12]]})


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def commit(at, text: dict):
    if [c for c in at.checkbox if c.key == "upload_ack"]:
        at.checkbox(key="upload_ack").check().run()
    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    assert any(text["commit"] in s.value for s in at.success), [s.value for s in at.success]


def members_2018q1(url: str, unit: str = "C01"):
    store = open_store(url)
    try:
        q = rollup.quarterly(rollup.current(store.observations()), store.units(), resources.catalog(), unit)
        units = store.units()
    finally:
        store.engine.dispose()
    row = q[(q["indicator"] == "members") & (q["period"] == "2018Q1")].iloc[0]
    return row["value"], row["n_units"], units


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_administrator_adds_the_unknown_unit_under_the_suggested_parent_and_imports(example_url, lang):
    text = TEXT[lang]
    raw = her_file(example_url)
    at = open_page("upload", lang=lang)  # no users yet: the person at the machine is the administrator
    at.file_uploader(key="upload_file").upload("卢沟桥2018Q1.xlsx", raw).run()
    assert not at.exception, at.exception
    assert text["heading"] in [s.value for s in at.subheader]
    assert at.selectbox(key=f"unitreq_parent_{tag(NEW)}").value == "C01"  # the community the file shares
    assert at.text_input(key=f"unitreq_name_{tag(NEW)}").value == NEW
    assert not [b for b in at.button if b.key == "upload_commit"]  # blocked until the unit exists
    button(at, text["add"]).click().run()
    assert not at.exception, at.exception
    assert any(text["added"] in s.value for s in at.success), [s.value for s in at.success]
    assert not at.table or "季度数据!A4" not in at.table[0].value.iloc[:, 0].tolist()  # read again: no error left
    commit(at, text)

    value, n_units, units = members_2018q1(example_url)
    code = units.set_index("name_zh").loc[NEW, "code"]
    assert units.set_index("code").loc[code, "parent"] == "C01"
    assert (value, n_units) == (c01_members(example_url) + 12, 2)  # the community's roll-up includes it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_clerk_requests_the_unit_the_administrator_confirms_and_she_uploads(example_url, lang):
    text = TEXT[lang]
    store = open_store(example_url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password(PASSWORD), "test")
    store.set_user("wang", "王芳", "clerk", auth.hash_password(PASSWORD), "test")
    store.set_user_units("wang", ["C01"], "zhang")
    raw = her_file(example_url)
    clerk = {"user": "wang", "role": "clerk", "epoch": store.user("wang")["session_epoch"]}
    admin = {"user": "zhang", "role": "admin", "epoch": store.user("zhang")["session_epoch"]}

    at = open_page("upload", lang=lang, **clerk)
    at.file_uploader(key="upload_file").upload("卢沟桥2018Q1.xlsx", raw).run()
    assert not at.exception, at.exception
    picker = at.selectbox(key=f"unitreq_parent_{tag(NEW)}")
    assert picker.options and len(picker.options) == 1 and picker.value == "C01"  # only her community
    assert not [b for b in at.button if b.label == text["add"]]  # a clerk cannot add, only ask
    button(at, text["request"]).click().run()
    assert not at.exception, at.exception
    assert any(text["requested"] in s.value for s in at.success)
    assert any(text["waiting"] in i.value for i in at.info)  # the file's unit: asked for, waiting
    at.run()  # later: the request waits at the top of her page
    assert any(text["pending_top"] in i.value for i in at.info), [i.value for i in at.info]
    assert store.unit_requests()[["name_zh", "parent", "requested_by", "status"]].values.tolist() == \
        [[NEW, "C01", "wang", "pending"]]
    assert NEW not in set(store.units()["name_zh"])

    boss = open_page("admin_units", lang=lang, **admin)
    assert not boss.exception, boss.exception
    assert text["tab"] in [t.label for t in boss.tabs]
    assert boss.selectbox(key="unitreq_decide_parent_1").value == "C01"
    button(boss, text["confirm"]).click().run()
    assert not boss.exception, boss.exception
    assert any(text["admin_done"] in s.value for s in boss.success)
    request = store.unit_requests().iloc[0]
    assert (request["status"], request["decided_by"]) == ("confirmed", "zhang")

    again = open_page("upload", lang=lang, **clerk)
    assert any(text["confirmed"] in s.value for s in again.success), [s.value for s in again.success]
    again.file_uploader(key="upload_file").upload("卢沟桥2018Q1.xlsx", raw).run()
    assert not again.exception, again.exception
    assert text["heading"] not in [s.value for s in again.subheader]
    commit(again, text)
    value, n_units, units = members_2018q1(example_url)
    assert units.set_index("name_zh").loc[NEW, "parent"] == "C01" and (value, n_units) == (c01_members(example_url) + 12, 2)
    store.engine.dispose()


def test_a_request_clicked_after_the_clerk_was_demoted_is_refused_and_stores_nothing(example_url):
    from tests.test_unit_requests import everything

    store = open_store(example_url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password(PASSWORD), "test")
    store.set_user("wang", "王芳", "clerk", auth.hash_password(PASSWORD), "test")
    store.set_user_units("wang", ["C01"], "zhang")
    at = open_page("upload", user="wang", role="clerk", epoch=store.user("wang")["session_epoch"])
    at.file_uploader(key="upload_file").upload("卢沟桥2018Q1.xlsx", her_file(example_url)).run()
    store.update_user("wang", "zhang", role="leader")  # demoted while her page was open
    before = everything(store)
    button(at, TEXT["zh"]["request"]).click().run()
    assert not at.exception, at.exception
    assert everything(store) == before and store.unit_requests().empty
    store.engine.dispose()
