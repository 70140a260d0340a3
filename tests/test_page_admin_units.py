"""The 单位与用户 page: an administrator adds, merges and reopens a unit and adds a clerk
with her units; a clerk cannot reach the page, not even by its address."""

from __future__ import annotations

import auth
from store.db import open_store
from tests.apptest_util import open_page, run_app


def admin_db(url):
    s = open_store(url)
    s.set_user("boss", "管理员", "admin", auth.hash_password("pw"), "test")
    s.set_user("wang", "王填报", "clerk", auth.hash_password("pw"), "test")
    return s


def as_user(store, name: str, role: str, page: str = "admin_units"):
    return open_page(page, user=name, role=role, epoch=store.user(name)["session_epoch"])


def test_an_administrator_adds_an_enterprise_and_merges_a_community(example_url):
    store = admin_db(example_url)
    at = as_user(store, "boss", "admin")
    assert not at.exception, at.exception
    at.radio(key="admin_add_level").set_value("enterprise").run()
    at.text_input(key="admin_add_name").input("北京莲花池物业管理有限公司工会")
    at.selectbox(key="admin_add_parent").set_value("C08")
    at.button[0].click()  # the add form's submit button comes first
    at.run()
    assert not at.exception, at.exception
    new = store.units()
    row = new[new["name_zh"] == "北京莲花池物业管理有限公司工会"]
    assert list(row["parent"]) == ["C08"] and list(row["level"]) == ["enterprise"]
    assert at.success and "已新增单位" in at.success[0].value

    at.selectbox(key="admin_change_code").set_value("C03")
    at.radio(key="admin_change_action").set_value("merge")
    at.text_input(key="admin_change_quarter").input("2018Q1")
    at.selectbox(key="admin_change_into").set_value("C02")
    at.button[1].click()
    at.run()
    assert not at.exception, at.exception
    c03 = store.units().set_index("code").loc["C03"]
    assert (c03["active_until"], c03["merged_into"]) == ("2017Q4", "C02")

    at.selectbox(key="admin_change_code").set_value("C03")
    at.radio(key="admin_change_action").set_value("merge")
    at.text_input(key="admin_change_quarter").input("2018年")
    at.selectbox(key="admin_change_into").set_value("C01")
    at.button[1].click()
    at.run()
    assert at.error and "不是季度" in at.error[0].value
    store.engine.dispose()


def test_an_administrator_adds_a_clerk_with_her_units(example_url):
    store = admin_db(example_url)
    at = as_user(store, "boss", "admin")
    at.text_input(key="admin_user_name").input("zhao")
    at.selectbox(key="admin_user_role").set_value("clerk")
    at.multiselect(key="admin_user_units").set_value(["C02"])
    at.text_input(key="admin_user_password").input("Xiaowayao-2018")
    at.button[2].click()
    at.run()
    assert not at.exception, at.exception
    assert store.user("zhao")["role"] == "clerk" and list(store.user_units("zhao")["unit"]) == ["C02"]
    store.engine.dispose()


def test_a_clerk_cannot_reach_the_page(example_url):
    store = admin_db(example_url)
    at = run_app(user="wang", role="clerk", epoch=store.user("wang")["session_epoch"])
    assert not at.exception
    before = store.data_version()
    try:
        at.switch_page("app_pages/admin_units.py").run()
    except Exception:  # noqa: BLE001 - not in the navigation at all: the switch itself is refused
        pass
    assert not [b for b in at.button if b.key and b.key.startswith("admin")]
    assert not any(getattr(e, "value", "") == "单位与用户" for e in at.title)
    assert store.data_version() == before
    store.engine.dispose()
