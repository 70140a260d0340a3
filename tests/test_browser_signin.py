"""Signing in, in a real browser against a real server: the sign-in survives a reload and a
new tab (the signed session cookie), sign-out ends it there too and takes the page links away,
and a tampered cookie is refused."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

import auth
from store.db import open_store
from tests.browser_util import open_page, wait_for_streamlit

PASSWORD = "Gonghui-2026-chair"


@pytest.fixture
def users_url(_example_template, tmp_path, start_app):
    path = tmp_path / "union.sqlite"
    shutil.copyfile(_example_template, path)
    url = f"sqlite:///{path}"
    store = open_store(url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password(PASSWORD), actor="test")
    store.engine.dispose()
    return start_app(url)


def sign_in(page, url):
    open_page(page, url)
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="指标总览")).to_be_visible()
    wait_for_streamlit(page)


def signed_in(page) -> None:
    expect(page.get_by_text("当前用户：zhang")).to_be_visible()
    expect(page.get_by_role("link", name="上报记录")).to_be_visible()
    expect(page.get_by_role("button", name="登录", exact=True)).to_have_count(0)


def signed_out(page) -> None:
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_text("当前用户：zhang")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(page.get_by_role("link", name="上报记录")).to_have_count(0)


@pytest.mark.browser
def test_sign_in_survives_reload_and_new_tab_and_sign_out_ends_it(users_url, page, screenshots):
    sign_in(page, users_url)
    signed_in(page)
    cookie = {c["name"]: c for c in page.context.cookies()}["union_session"]
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0

    page.reload()
    wait_for_streamlit(page)
    signed_in(page)

    tab = page.context.new_page()
    open_page(tab, users_url + "/history")
    signed_in(tab)
    expect(tab.get_by_role("heading", name="上报记录")).to_be_visible()
    tab.close()

    page.get_by_role("button", name="退出登录").click()
    wait_for_streamlit(page)
    signed_out(page)
    expect(page.get_by_text("已退出登录。")).to_be_visible()
    page.screenshot(path=str(screenshots / "signin_after_sign_out.png"), full_page=True)
    assert "union_session" not in {c["name"] for c in page.context.cookies()}

    page.reload()
    wait_for_streamlit(page)
    signed_out(page)
    tab = page.context.new_page()
    open_page(tab, users_url)
    signed_out(tab)

    # a bookmarked page asks to sign in (no "page not found"), then opens
    open_page(tab, users_url + "/history")
    signed_out(tab)
    expect(tab.get_by_role("dialog")).to_have_count(0)
    tab.get_by_label("用户名").fill("zhang")
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录", exact=True).click()
    expect(tab.get_by_role("heading", name="上报记录")).to_be_visible()


@pytest.mark.browser
def test_a_stolen_cookie_stops_working_after_sign_out_and_a_tampered_one_is_refused(users_url, page, browser):
    sign_in(page, users_url)
    token = {c["name"]: c for c in page.context.cookies()}["union_session"]["value"]
    page.get_by_role("button", name="退出登录").click()
    wait_for_streamlit(page)

    other = browser.new_context(locale="zh-CN")
    try:
        thief = other.new_page()
        for value in (token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
            other.clear_cookies()
            other.add_cookies([{"name": "union_session", "value": value, "url": users_url}])
            open_page(thief, users_url)
            signed_out(thief)
    finally:
        other.close()
