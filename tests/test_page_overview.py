"""AppTest of the overview page (指标总览) through the real entry point on the example database:
what a leader sees for the federation and a chosen unit, in Chinese and English."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

import resources
from tests.apptest_util import run_app

CODES = resources.catalog().codes
TAB_ORDER = [i.code for c in resources.catalog().categories for i in resources.catalog().in_category(c.code)]

CASES = {
    "zh": {"title": "指标总览", "tab": "基层组织建设", "indicator": "指标", "value": "本季值",
           "members": "会员人数", "figure": 7700.0, "unit": "单位", "persons": "人", "rate": "职代会建制率", "rate_figure": 95.0,
           "banner": "示例数据", "caption": "卢沟桥街道总工会 · 2017年第4季度"},
    "en": {"title": "Overview", "tab": "Grassroots organisation", "indicator": "Indicator", "value": "This quarter",
           "members": "Union members", "figure": 7700.0, "unit": "Unit", "persons": "persons",
           "rate": "Workers' congress rate", "rate_figure": 95.0, "banner": "EXAMPLE data",
           "caption": "Lugouqiao Sub-district Trade Union Federation · 2017 Q4"},
}


def plotly_spec(at) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def plotly_values(data) -> list[float]:
    """Plotly sends numpy arrays as {"dtype", "bdata"} (base64); plain lists otherwise."""
    if isinstance(data, dict):
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"])).tolist()
    return list(data)


def table_in_tab(at, tab_label: str):
    tab = next(t for t in at.tabs if t.label == tab_label)
    frames = tab.dataframe
    assert len(frames) == 1
    return frames[0].value


def row(frame, col: str, name: str):
    hit = frame[frame[col] == name]
    assert len(hit) == 1, f"{name} not in {frame[col].tolist()}"
    return hit.iloc[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_shows_federation_figures_for_latest_quarter(example_url, lang):
    c = CASES[lang]
    at = run_app(lang)
    assert not at.exception, at.exception
    assert at.title[0].value == c["title"]
    assert c["caption"] in [x.value for x in at.caption]
    assert any(c["banner"] in w.value for w in at.warning)
    assert at.session_state["quarter"] == "2017Q4" and at.session_state["unit"] == "LGQ"
    assert len(at.tabs) == 6
    organisation = table_in_tab(at, c["tab"])
    members = row(organisation, c["indicator"], c["members"])
    assert members[c["value"]] == c["figure"] and members[c["unit"]] == c["persons"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_rate_is_shown_in_percent_with_change_in_points(example_url, lang):
    c = CASES[lang]
    at = run_app(lang)
    rights = table_in_tab(at, at.tabs[0].label)
    r = row(rights, c["indicator"], c["rate"])
    assert r[c["value"]] == c["rate_figure"] and r[c["unit"]] == "%"
    # a rate's change is in percentage points, as the note under the tables says
    assert any(("百分点" if lang == "zh" else "percentage points") in x.value for x in at.caption)


def test_overview_earlier_quarter_shows_the_seed_level(example_url):
    at = run_app("zh", quarter="2015Q4")
    organisation = table_in_tab(at, "基层组织建设")
    assert row(organisation, "指标", "会员人数")["本季值"] == 7167
    assert "2015年第4季度" in at.caption[0].value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trend_chart_has_the_chosen_indicators_quarters(example_url, lang):
    at = run_app(lang)
    # by position: the options' labels depend on the session language, which AppTest's
    # format_func cannot see from outside the script run
    at.selectbox(key="overview_indicator").select_index(TAB_ORDER.index("members")).run()
    assert not at.exception, at.exception
    spec = plotly_spec(at)
    title = spec["layout"]["title"]["text"]
    assert CASES[lang]["members"] in title
    trace = spec["data"][0]
    first, q4, last = {"zh": ("2011年一季度", "2015年四季度", "2017年四季度"), "en": ("2011Q1", "2015Q4", "2017Q4")}[lang]
    assert len(trace["x"]) == 28 and trace["x"][0] == first and trace["x"][-1] == last
    y = plotly_values(trace["y"])
    assert y[trace["x"].index(q4)] == 7167 and y[-1] == 7700
    low, high = spec["layout"]["yaxis"]["range"]  # the axis reaches above the line's top point
    assert low == 0 and high > max(y)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trend_chart_opens_on_an_indicator_of_the_open_tab(example_url, lang):
    at = run_app(lang)
    assert not at.exception, at.exception
    first_tab = resources.catalog().categories[0].code
    code = at.selectbox(key="overview_indicator").value
    assert resources.catalog()[code].category == first_tab


def test_trend_chart_follows_indicator_choice(example_url):
    at = run_app("zh")
    first = plotly_spec(at)["layout"]["title"]["text"]
    at.selectbox(key="overview_indicator").select("service_station_area").run()
    spec = plotly_spec(at)
    assert spec["layout"]["title"]["text"] != first and "工会服务站面积" in spec["layout"]["title"]["text"]
    assert plotly_values(spec["data"][0]["y"])[-1] == 400


def test_choosing_a_unit_in_the_sidebar_changes_the_figures(example_url):
    at = run_app("zh")
    before = row(table_in_tab(at, "基层组织建设"), "指标", "会员人数")["本季值"]
    at.selectbox(key="unit").select("C01").run()
    assert not at.exception, at.exception
    assert at.caption[0].value.startswith("卢沟桥社区联合工会")
    after = row(table_in_tab(at, "基层组织建设"), "指标", "会员人数")["本季值"]
    assert after != before
    assert after < 7700


def test_choosing_a_quarter_in_the_sidebar_changes_the_figures(example_url):
    at = run_app("zh")
    at.selectbox(key="quarter").select("2016Q1").run()
    assert "2016年第1季度" in at.caption[0].value
    assert row(table_in_tab(at, "基层组织建设"), "指标", "会员人数")["本季值"] != 7700


def test_switching_language_changes_the_page(example_url):
    at = run_app("zh")
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert at.tabs[0].label == "Protecting workers' rights"


@pytest.mark.parametrize("state", [{}, {"quarter": "2017Q4"}], ids=["fresh-session", "quarter-kept-from-before"])
def test_overview_after_example_data_removed_says_no_data(example_store, state):
    example_store.remove_example_data("admin")
    at = run_app("zh", **state)
    assert not at.exception, at.exception
    assert at.title[0].value == "指标总览"
    assert "暂无数据" in [i.value for i in at.info]
    assert not at.warning, "no example banner once it is removed"
    assert not at.get("plotly_chart")


def test_a_newly_uploaded_quarter_becomes_the_selected_one_once_complete(example_store):
    """One community sends 2018Q1 early: its partial totals are not shown by default, the quarter
    is listed as 1 of 84 units. Once every unit has reported, a session that was on the latest
    quarter moves on to 2018Q1; a leader looking back at an older quarter stays where they were."""
    from metrics import rollup
    from store.db import NewUpload
    from tests.apptest_util import run_app

    on_latest = run_app("zh")
    looking_back = run_app("zh", quarter="2016Q2")
    assert on_latest.session_state["quarter"] == "2017Q4"
    last = rollup.current(example_store.observations())
    last = last[last["period"] == "2017Q4"].assign(period="2018Q1")
    early = last[last["unit"] == "C01"]
    example_store.add_upload(NewUpload("C01-2018Q1.xlsx", b"early", "clerk", early, "2018Q1"))
    on_latest.run()
    assert on_latest.session_state["quarter"] == "2017Q4"
    quarter_box = on_latest.selectbox(key="quarter")
    assert "2018年第1季度（已报 1/84）" in quarter_box.options
    on_latest.selectbox(key="quarter").select("2018Q1").run()
    assert "已报 1/84 个单位，合计数为初步数" in on_latest.warning[-1].value and "2017年第4季度" in on_latest.warning[-1].value
    on_latest.selectbox(key="quarter").select("2017Q4").run()

    example_store.add_upload(NewUpload("all-2018Q1.xlsx", b"everyone", "clerk", last[last["unit"] != "C01"], "2018Q1"))
    on_latest.run()
    looking_back.run()
    assert on_latest.session_state["quarter"] == "2018Q1"
    assert not any("合计数为初步数" in w.value for w in on_latest.warning)
    assert looking_back.session_state["quarter"] == "2016Q2"
