"""AppTest of 指标详情: the goal chart's traces, the units below, definition and sources."""

from __future__ import annotations

import json

import pytest

from tests.apptest_util import open_page


def spec(at, key_index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[key_index].proto.spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_goal_chart_has_target_required_path_and_projection(example_url, lang):
    at = open_page("indicator", lang, quarter="2017Q4", indicator="members")
    assert not at.exception, at.exception
    fig = spec(at)
    metas = [t.get("meta") for t in fig["data"]]
    assert {"actual", "required", "target", "projection", "band"} <= set(metas)
    required = fig["data"][metas.index("required")]
    assert required["y"][0] == pytest.approx(7167) and required["y"][-1] == pytest.approx(9000)
    target = fig["data"][metas.index("target")]
    assert set(target["y"]) == {9000}
    projection = fig["data"][metas.index("projection")]
    assert projection["x"][-1] == ("2020年四季度" if lang == "zh" else "2020Q4")
    assert projection["y"][-1] > 7700  # the members trend rises
    assert ("会员人数" if lang == "zh" else "Union members") in fig["layout"]["title"]["text"]


def test_units_below_are_listed_with_their_own_pace(example_url):
    at = open_page("indicator", "zh", quarter="2017Q4", indicator="union_enterprises")
    table = at.dataframe[0].value
    assert len(table) == 43  # C01-C35 and B01-B08 below the federation
    assert set(table["考核依据"]) == {"按全街道目标折算"}
    bars = spec(at, 1)
    assert len(bars["data"][0]["y"]) == 43
    assert any("滞后" in s or "倒退" in s for s in table["进度状态"])


def test_a_quota_set_for_a_unit_is_what_it_is_measured_against(example_store):
    example_store.set_targets("2016-2020", [{"indicator": "members", "unit": "C01", "target_type": "level",
                                             "target_value": 1.0, "attribute": "约束性"}], "tester")
    at = open_page("indicator", "zh", quarter="2017Q4", indicator="members")
    table = at.dataframe[0].value
    row = table[table["单位"] == "卢沟桥社区联合工会"].iloc[0]
    assert row["考核依据"] == "下达任务" and row["目标值（人）"] == 1
    assert row["进度状态"] == "✔ 提前实现"


def test_definition_formula_and_sources(example_url):
    at = open_page("indicator", "zh", quarter="2017Q4", indicator="card_rate")
    text = " ".join(m.value for m in at.markdown)
    assert "计算公式：持卡会员数 ÷ 会员人数 × 100%" in text or "计算公式：" in text
    sources = at.dataframe[-1].value
    assert len(sources) >= 9 and sources["文件"].str.endswith(".xlsx").all()


def test_an_indicator_without_a_goal_shows_data_only(example_url):
    at = open_page("indicator", "en", quarter="2017Q4", indicator="disputes_mediated")
    assert not at.exception, at.exception
    assert any("no goal" in i.value for i in at.info)
    assert [t.get("meta") for t in spec(at)["data"]] == ["actual"]
