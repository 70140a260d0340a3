"""AppTest of 进度总览 on the example data (federation, as of 2017Q4)."""

from __future__ import annotations

import json

import pytest

import resources
from charts import status_label
from metrics import goals as G
from metrics import progress, rollup
from tests.apptest_util import open_page


def expected_counts(store) -> dict[str, int]:
    cat = resources.catalog()
    q = rollup.quarterly(rollup.current(store.observations()), store.units(), cat, "LGQ")
    goals = G.plan_goals(store.targets("2016-2020"), q, cat, "2016Q1")
    ev = progress.evaluate(goals, q, cat, "2016Q1", "2020Q4", "2017Q4")
    return ev["status"].value_counts().to_dict()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_counts_match_the_metrics(example_store, lang):
    at = open_page("progress", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    shown = {m.label: int(m.value) for m in at.metric}
    counts = expected_counts(example_store)
    for code, n in counts.items():
        assert shown[status_label(code, lang)] == n
    assert shown[status_label("ahead", lang)] + shown[status_label("on_track", lang)] >= 1
    assert sum(shown[status_label(c, lang)] for c in ("behind", "far_behind", "regressing")) >= 1
    header = at.subheader[0].value
    assert ("时间进度 40.0%" if lang == "zh" else "Time elapsed 40.0%") in header


def test_overview_rows_put_what_needs_attention_first(example_url):
    at = open_page("progress", "zh", quarter="2017Q4")
    rights = at.dataframe[0].value  # 维权工作: workers_congress_rate (critical) before the others
    assert rights.iloc[0]["指标"] == "‼ 职代会建制率"
    assert rights.iloc[0]["进度状态"] == "▼▼ 严重滞后"
    assert rights.iloc[0]["基期值"] == 95.0 and rights.iloc[0]["目标值"] == 98.0 and rights.iloc[0]["单位"] == "%"
    # 时间进度 and 完成进度 are numbers (the grid formats them with %), so the columns sort
    assert rights["时间进度"].dtype.kind == "f" and rights.iloc[0]["时间进度"] == pytest.approx(40.0)
    assert rights["完成进度"].dtype.kind == "f"
    board = json.loads(at.get("plotly_chart")[0].proto.spec)
    metas = [t.get("meta") for t in board["data"]]
    assert metas == ["progress", "elapsed"]
    assert board["data"][1]["x"][-1] == pytest.approx(40.0)  # top row's elapsed tick at 40 %


def test_choosing_an_indicator_opens_its_page(example_url):
    at = open_page("progress", "zh", quarter="2017Q4")
    at.selectbox(key="progress_open").set_value("members").run()
    at.button(key="progress_open_button").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "指标详情"
    assert at.session_state["indicator"] == "members"
    assert any("进度状态：▼ 滞后" in m.value for m in at.markdown)


def test_an_earlier_quarter_is_replayed(example_url):
    at = open_page("progress", "en", quarter="2016Q4")
    assert not at.exception
    assert "Time elapsed 20.0%" in at.subheader[0].value


def test_a_community_is_measured_against_derived_goals(example_url):
    at = open_page("progress", "zh", quarter="2017Q4", unit="C01")
    assert not at.exception, at.exception
    assert "卢沟桥社区联合工会" in at.caption[0].value
    assert sum(int(m.value) for m in at.metric[:8]) == 19
