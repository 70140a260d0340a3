"""The sidebar's unit picker with many units (a district, issue 12): two steps, a community or
joint union first and then a unit under it, instead of one list of every unit formatted and sent
on every rerun. The example data (84 units) keeps its one list (tests/test_page_overview.py,
tests/test_units_scope.py); here the threshold is lowered so that the same 84 units count as many."""

from __future__ import annotations

import pytest

import unit_picker
from tests.apptest_util import run_app
from tests.test_units_scope import as_clerk, clerk_db  # noqa: F401 - the fixture


@pytest.fixture
def many(monkeypatch):
    monkeypatch.setattr(unit_picker, "ONE_LIST_MAX", 40)


def test_with_many_units_the_first_page_lists_the_communities_not_every_unit(example_url, many, monkeypatch):
    import app_cache

    every = []
    monkeypatch.setattr(app_cache, "unit_labels", lambda *a: every.append(1) or (_ for _ in ()).throw(
        AssertionError("every unit's label was built")))
    at = run_app("zh")
    assert not at.exception, at.exception
    group, unit = at.selectbox(key="unit_group"), at.selectbox(key="unit")
    assert group.label == "所属社区或联合工会" and unit.label == "单位"
    assert len(group.options) == 44  # the federation and its 43 communities and joint unions, not 84 units
    assert group.options[0] == "卢沟桥街道总工会" and group.options[1].startswith("\u3000")
    assert group.value == "LGQ" and unit.options == ["卢沟桥街道总工会"] and unit.disabled
    assert every == []


C08 = "莲花池社区联合工会"


def test_an_administrator_reaches_an_enterprise_in_two_steps_and_its_figures_show(example_url, many):
    at = run_app("zh")
    before = at.caption[0].value
    at.selectbox(key="unit_group").select("C08").run()
    assert not at.exception, at.exception
    assert at.session_state["unit"] == "C08" and at.caption[0].value.startswith(C08)
    unit = at.selectbox(key="unit")
    assert unit.options[0] == C08 and len(unit.options) > 1
    assert all(o.startswith("\u3000") for o in unit.options[1:])  # its enterprises, indented under it
    enterprise = unit.options[1].strip("\u3000")
    pick = _member_codes(at)[1]
    at.selectbox(key="unit").select(pick).run()
    assert not at.exception, at.exception
    assert at.session_state["unit"] == pick and at.session_state["unit_group"] == "C08"
    assert at.caption[0].value.startswith(enterprise) and at.caption[0].value != before


def _member_codes(at) -> list[str]:
    import app_cache

    return list(app_cache.picker_tree().members[at.session_state["unit_group"]])


@pytest.mark.parametrize("page", ["overview", "indicator"])
def test_an_enterprise_set_from_outside_opens_with_its_community_chosen(example_url, many, page):
    at = run_app("zh", unit="E001")
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    assert at.session_state["unit"] == "E001"
    group = at.session_state["unit_group"]
    assert group != "LGQ" and "E001" in _member_codes(at)
    assert at.selectbox(key="unit").value == "E001"
    assert at.selectbox(key="unit_group").value == group
    at.selectbox(key="unit_group").select("LGQ").run()  # back to the federation: everything
    assert at.session_state["unit"] == "LGQ" and at.selectbox(key="unit").options == ["卢沟桥街道总工会"]


def test_a_clerk_picks_in_two_steps_among_her_units_only(clerk_db, monkeypatch):  # noqa: F811
    monkeypatch.setattr(unit_picker, "ONE_LIST_MAX", 2)  # her 3 units count as many
    _, epoch = clerk_db
    at = as_clerk(None, epoch)
    assert not at.exception, at.exception
    assert at.selectbox(key="unit_group").options == ["卢沟桥街道总工会", "\u3000小瓦窑社区联合工会"]
    at.selectbox(key="unit_group").select("C02").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="unit").options == ["小瓦窑社区联合工会", "\u3000北京万丰电气有限公司工会"]
    # another community's enterprise set from outside: not hers, the federation instead
    at = as_clerk(None, epoch, unit="E001")
    assert not at.exception, at.exception
    assert at.session_state["unit"] == "LGQ" and at.session_state["unit_group"] == "LGQ"


def test_english_labels_of_the_two_step_picker(example_url, many):
    at = run_app("en")
    assert at.selectbox(key="unit_group").label == "Community or joint union"
    assert at.selectbox(key="unit").label == "Unit"
