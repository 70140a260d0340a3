"""AppTest of the data page (数据管理) and of sign-in: an administrator removes the example data
and the banner goes; once users exist, everyone signs in first."""

from __future__ import annotations

import pytest

import auth
from store.db import open_store
from tests.apptest_util import open_page, run_app


def test_admin_removes_example_data_and_banner_disappears(example_url):
    at = open_page("data", "zh")
    assert not at.exception, at.exception
    assert at.title[0].value == "数据管理"
    assert any("示例数据" in w.value for w in at.warning)
    remove = at.button(key="data_remove_example")
    assert remove.disabled, "the button waits for the confirmation"
    at.checkbox(key="data_confirm_remove").check().run()
    assert not at.button(key="data_remove_example").disabled
    at.button(key="data_remove_example").click().run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert "当前没有示例数据。" in [m.value for m in at.markdown]
    store = open_store(example_url)
    assert not store.has_example_data()
    assert len(store.uploads()) == 28  # withdrawn, still listed
    assert "upload.withdraw" in set(store.audit_log()["action"])
    store.engine.dispose()


def test_remove_button_is_disabled_without_confirmation(example_url):
    at = open_page("data", "en")
    assert at.button(key="data_remove_example").disabled
    at.checkbox(key="data_confirm_remove").check().run()
    at.checkbox(key="data_confirm_remove").uncheck().run()
    assert at.button(key="data_remove_example").disabled
    assert any("EXAMPLE" in w.value for w in at.warning)
    store = open_store(example_url)
    assert store.has_example_data()
    store.engine.dispose()


def test_data_page_shows_the_audit_log(example_url):
    at = open_page("data", "en")
    log = at.dataframe[0].value
    assert list(log.columns) == ["Time", "By", "Action", "What happened"]
    assert "Upload imported" in set(log["Action"])


@pytest.fixture
def with_users(example_url):
    store = open_store(example_url)
    store.set_user("zhang", "张主席", "leader", auth.hash_password("correct horse"), actor="test")
    store.engine.dispose()
    return example_url


def test_with_users_a_login_form_is_shown_first(with_users):
    at = run_app("zh")
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["请登录"]
    assert len(at.text_input) == 2
    assert not at.title, "no page before signing in"
    assert not at.dataframe


@pytest.mark.parametrize("lang,message", [("zh", "用户名或密码不正确。"), ("en", None)], ids=["zh", "en"])
def test_wrong_password_gives_an_error(with_users, lang, message):
    at = run_app(lang)
    at.text_input[0].input("zhang")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    if message:
        assert at.error[0].value == message
    assert at.session_state["user"] is None
    assert not at.title


def test_right_password_signs_in_with_the_users_role(with_users):
    at = run_app("zh")
    at.text_input[0].input("zhang")
    at.text_input[1].input("correct horse")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["user"] == "zhang" and at.session_state["role"] == "leader"
    assert at.title[0].value == "指标总览"
    assert not at.error
