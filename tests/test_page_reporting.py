"""The 报送情况 page (leaders and administrators), review from it, the clerk's view of a 退回 on
the upload page, and the overview's "数据截至 … · 已报 n/m · 最近更新 …" line."""

from __future__ import annotations

import pytest

import auth
from store.db import open_store
from tests.apptest_util import open_page, run_app


def test_reporting_page_shows_rates_units_and_chase_list(example_url):
    at = open_page("reporting")
    assert not at.exception
    assert at.title[0].value == "报送情况"
    assert at.metric[0].value == "84/84"
    tables = [d.value for d in at.dataframe]
    assert any("报送率(%)" in t.columns for t in tables)
    unit_table = next(t for t in tables if "已填指标数" in t.columns)
    assert len(unit_table) == 84 and set(unit_table["状态"]) == {"已报"}
    assert [b for b in at.get("download_button")]


def test_administrator_approves_a_community_and_returns_a_unit_with_a_comment(example_url):
    at = open_page("reporting")
    quarter = at.session_state["quarter"]
    at.selectbox(key="reporting_community").select("C01").run()
    at.button(key="reporting_approve_community").click().run()
    assert not at.exception
    assert "已记录" in at.success[0].value
    at.multiselect(key="reporting_pick").select("C02").run()
    at.button(key="reporting_return").click().run()
    assert "请填写理由" in at.error[0].value  # a return needs a comment
    at.text_input(key="reporting_comment").input("请核对会员人数").run()
    at.button(key="reporting_return").click().run()
    assert not at.exception
    store = open_store(example_url)
    reviews = store.reviews(quarter)
    assert set(reviews.loc[reviews["action"] == "approve", "unit"]) >= {"C01"}
    assert reviews.loc[reviews["action"] == "return", ["unit", "comment"]].values.tolist() == [["C02", "请核对会员人数"]]
    unit_table = next(d.value for d in at.dataframe if "已填指标数" in d.value.columns)
    assert set(unit_table["状态"]) == {"已报", "已审核", "退回"}
    store.engine.dispose()


def test_clerk_sees_her_returned_unit_on_the_upload_page_and_has_no_reporting_page(example_url):
    store = open_store(example_url)
    store.set_user("clerk1", "王芳", "clerk", auth.hash_password("pw"), "test")
    store.set_user_units("clerk1", ["C02"], actor="admin")
    quarter = store.observations()["period"].max()
    store.review(["C02"], quarter, "return", "admin", comment="请核对会员人数")
    store.engine.dispose()
    at = open_page("upload", role="clerk", user="clerk1", quarter=quarter)
    assert not at.exception
    assert any("被退回：请核对会员人数" in w.value for w in at.warning)
    at = run_app(role="clerk", user="clerk1")
    assert not at.exception
    with pytest.raises(ValueError):  # not among her pages
        at.switch_page("app_pages/reporting.py").run()


def test_overview_says_data_as_of_reported_and_last_update(example_url):
    at = run_app()
    assert not at.exception
    line = next(c.value for c in at.caption if c.value.startswith("数据截至 "))
    assert line.startswith("数据截至 ") and "已报 84/84" in line and "最近更新 20" in line
