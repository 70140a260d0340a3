"""Browser test: with many units the sidebar picks a unit in two steps (a community or joint
union, then a unit under it) in headless Chromium, and the page shows the chosen enterprise;
a screenshot at 1440 px in Chinese (test-output/screenshots/unit-picker-zh-1440.png)."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser_util import open_page, wait_for_streamlit

pytestmark = pytest.mark.browser

ENTERPRISE = "华信中安（北京）保安服务有限公司工会"  # E001, under 莲花池社区联合工会 (C08)


@pytest.fixture(scope="module")
def many_units_url(start_app, _example_template, tmp_path_factory) -> str:
    """The example data plus 250 enterprises (no figures) under one community: 334 units,
    more than the one-list picker holds (unit_picker.ONE_LIST_MAX)."""
    from store.db import open_store

    path = tmp_path_factory.mktemp("picker") / "union.sqlite"
    shutil.copyfile(_example_template, path)
    store = open_store(f"sqlite:///{path}")
    store.add_units(pd.DataFrame([{"code": f"X{n:03d}", "name_zh": f"新建示例企业{n}工会", "name_en": f"New enterprise {n}",
                                   "parent": "C01", "level": "enterprise"} for n in range(250)]))
    store.engine.dispose()
    return start_app(f"sqlite:///{path}")


def _pick(page, box, text: str, option: str) -> None:
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option", name=option, exact=False).first.click()
    wait_for_streamlit(page)


def test_an_enterprise_is_picked_in_two_steps_and_its_page_shows(page, many_units_url, screenshots):
    open_page(page, many_units_url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("所属社区或联合工会").first).to_be_visible()
    boxes = sidebar.locator('[data-testid="stSelectbox"]')
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    assert boxes.count() == 3  # group, unit, quarter
    _pick(page, boxes.nth(0), "莲花池", "莲花池社区联合工会")
    expect(caption).to_contain_text("莲花池社区联合工会")
    boxes.nth(1).click()
    options = page.get_by_role("option")
    expect(options.first).to_contain_text("莲花池社区联合工会")
    assert 1 < options.count() < 20  # the community and its own enterprises, not 334 units
    page.screenshot(path=str(screenshots / "unit-picker-zh-1440-open.png"))
    page.get_by_role("option", name=ENTERPRISE, exact=False).first.click()
    wait_for_streamlit(page)
    expect(caption).to_contain_text(ENTERPRISE)
    expect(boxes.nth(0).get_by_role("combobox")).to_have_value(re.compile("莲花池社区联合工会"))
    assert not page.locator('[data-testid="stException"]').count()
    page.screenshot(path=str(screenshots / "unit-picker-zh-1440.png"), full_page=True)
    # the enterprise's address kept in the session: another page opens for the same unit
    page.locator('[data-testid="stSidebarNav"] a[href$="/indicator"]').click()
    wait_for_streamlit(page)
    expect(page.get_by_role("heading", name="指标详情")).to_be_visible()
    expect(boxes.nth(1).get_by_role("combobox")).to_have_value(re.compile(re.escape(ENTERPRISE)))
