"""AppTest of 单位对比: the grid of units by goals and its Excel download."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from tests.apptest_util import open_page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grid_of_children_by_goals(example_url, lang):
    at = open_page("units", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    assert at.dataframe[0].value.shape == (84, 38)  # a small tree: every unit by default; pace and outlook per goal
    at.radio(key="units_scope").set_value("children").run()
    grid = at.dataframe[0].value
    assert grid.shape == (44, 38)  # the federation and its 43 units; 19 goals, two columns each
    first = grid.iloc[0]
    pace, outlook = ("进度", "趋势") if lang == "zh" else ("pace", "outlook")
    members = "会员人数" if lang == "zh" else "Union members"
    assert first[f"{members} · {pace}"] == ("▼ 滞后" if lang == "zh" else "▼ Behind")
    assert first[f"{members} · {outlook}"].split(" ")[0] in "✔↗⇡→↘？"  # its own column, not the pace cell
    keep = "集体合同签订率" if lang == "zh" else "Collective contract rate"
    assert first[f"{keep} · {pace}"] == ("→ 定性目标" if lang == "zh" else "→ Direction only (no number)")
    assert first[f"{keep} · {outlook}"] == ("↗ 预计可完成" if lang == "zh" else "↗ On track")  # no number: its outlook


def test_all_units_and_excel_download(example_url):
    at = open_page("units", "zh", quarter="2017Q4")
    at.radio(key="units_scope").set_value("all").run()
    assert at.dataframe[0].value.shape[0] == 84
    data = at.get("download_button")[0].proto
    assert data.label == "下载 Excel"
    assert data.deferred_file_id or data.url  # the workbook is built when the button is clicked


def test_excel_grid_has_the_cells_and_colours(example_url):
    import app_cache  # noqa: F401 - the page's own builders, on the page's own frames
    from metrics import goals as G
    from tables import grid_cells, status_grid_xlsx

    at = open_page("units", "zh", quarter="2017Q4")
    shown = at.dataframe[0].value
    ev = pd.DataFrame({"unit": ["LGQ", "LGQ"], "indicator": ["members", "collective_contract_rate"],
                       "status": ["behind", "direction_only"], "outlook": ["limited", "on_track"]})
    grid = grid_cells(G.status_grid(ev), G.status_grid(ev, "outlook"))
    data = status_grid_xlsx(grid, shown.iloc[:1, :4].set_axis(["会员人数 · 进度", "会员人数 · 趋势", "集体合同签订率 · 进度",
                                                                "集体合同签订率 · 趋势"], axis=1), "标题")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "标题" and ws["B3"].value == "会员人数 · 进度"
    assert ws["B4"].fill.fgColor.rgb.endswith("E69F00")  # behind
    assert ws["C4"].fill.fgColor.rgb.endswith("D55E00")  # outlook limited, in its own column
    assert ws["E4"].fill.fgColor.rgb.endswith("56B4E9")  # outlook on track
