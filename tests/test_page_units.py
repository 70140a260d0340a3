"""AppTest of 单位对比: the grid of units by goals and its Excel download."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.apptest_util import run_app


def open_page(page: str, lang: str = "zh", **state):
    """Run the app in Chinese first (see tests/test_page_progress.py: AppTest formats the
    overview's selectbox outside the script), then switch language and page."""
    at = run_app("zh", **state)
    at.session_state["lang"] = lang
    at.switch_page(f"app_pages/{page}.py")
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grid_of_children_by_goals(example_url, lang):
    at = open_page("units", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    grid = at.dataframe[0].value
    assert grid.shape == (44, 19)  # the federation and its 43 units; 19 goals
    first = grid.iloc[0]
    members = "会员人数" if lang == "zh" else "Union members"
    assert first[members] == ("▼ 滞后" if lang == "zh" else "▼ Behind")


def test_all_units_and_excel_download(example_url):
    at = open_page("units", "zh", quarter="2017Q4")
    at.radio(key="units_scope").set_value("all").run()
    assert at.dataframe[0].value.shape[0] == 84
    data = at.get("download_button")[0].proto
    assert data.label == "下载 Excel"
