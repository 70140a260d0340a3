"""AppTest of 五年目标: the main-indicator table, change history, adding a copied plan."""

from __future__ import annotations

import pytest

from tests.apptest_util import open_page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_indicator_table_as_plans_print_it(example_url, lang):
    at = open_page("goals", lang, quarter="2017Q4")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == 19
    ind, base, target, pace, attr = (("指标", "基期值", "目标值", "年均/累计", "属性") if lang == "zh"
                                     else ("Indicator", "Base", "Target", "Yearly / total", "Type"))
    members = table[table[ind] == ("会员人数" if lang == "zh" else "Union members")].iloc[0]
    assert members[base] == 7167 and members[target] == 9000
    assert members["单位" if lang == "zh" else "Unit"] == ("人" if lang == "zh" else "persons")
    assert members[pace] == ("年均增长4.7%" if lang == "zh" else "4.7% a year")  # (9000/7167)^(1/5) - 1
    assert members[attr] == ("约束性" if lang == "zh" else "Binding")
    # no base in the plan: marked after the name, the base itself a number
    aid = table[table[ind] == ("救助困难党员职工（据数据）" if lang == "zh" else "Hardship aid to members and workers (from data)")].iloc[0]
    assert aid[base] > 0 and aid[target] != aid[target]  # a direction goal has no target figure (NaN)


def test_every_change_is_shown_with_who_and_old_and_new(example_store):
    example_store.set_targets("2016-2020", [{"indicator": "members", "target_type": "level", "base_value": 7167,
                                             "target_value": 9500, "attribute": "约束性"}], "zhang")
    at = open_page("goals", "zh", quarter="2017Q4")
    history = at.dataframe[-1].value
    latest = history.iloc[0]
    assert latest["修改人"] == "zhang" and latest["指标"] == "会员人数"
    assert latest["修改内容"] == "目标值: 9000 → 9500"
    assert len(history) == 20  # 19 first versions + this change


def test_admin_adds_a_plan_copied_from_the_previous_one(example_store):
    at = open_page("goals", "zh", quarter="2017Q4")
    at.text_input(key="goals_new_code").input("2021-2025")
    form_submit = [b for b in at.button if b.label == "新增规划"][0]
    form_submit.click().run()
    assert not at.exception, at.exception
    assert "已新增规划 2021-2025。" in [s.value for s in at.success]
    plans = example_store.plans()
    assert list(plans["code"]) == ["2016-2020", "2021-2025"]
    copied = example_store.targets("2021-2025")
    assert len(copied) == 19 and copied["base_value"].isna().all()
    assert copied.set_index("indicator").loc["members", "target_value"] == 9000


def test_a_plan_code_twice_is_refused(example_store):
    at = open_page("goals", "en", quarter="2017Q4")
    at.text_input(key="goals_new_code").input("2016-2020")
    [b for b in at.button if b.label == "Add plan"][0].click().run()
    assert any("already exists" in e.value for e in at.error)
    assert len(example_store.plans()) == 1


def test_quota_editor_lists_every_unit_below_the_federation_with_its_quota(example_store):
    units = example_store.units()
    root = units.loc[units["level"] == "federation", "code"].iloc[0]
    child = units.loc[units["parent"] == root, "code"].iloc[0]
    example_store.set_targets("2016-2020", [{"indicator": "members", "unit": child, "target_type": "level",
                                             "target_value": 640, "attribute": "约束性"}], "zhang")
    at = open_page("goals", "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    at.selectbox(key="goals_quota_indicator").set_value("members").run()
    editor = next(d.value for d in at.dataframe if "quota" in d.value.columns or "配额" in "".join(d.value.columns))
    assert len(editor) == len(units) - 1 and root not in set(editor.iloc[:, 0])
    row = editor[editor.iloc[:, 0] == child].iloc[0]
    assert row.iloc[1] == units.set_index("code").loc[child, "name_zh"]
    assert row.iloc[2] == 640
    assert editor.iloc[:, 2].isna().sum() == len(editor) - 1  # no other unit has a quota
