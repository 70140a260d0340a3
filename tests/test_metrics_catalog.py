"""Tests for metrics/catalog.py and data/indicators.yaml: the catalog holds exactly the
indicators of the issue (codes, Chinese names, units, kinds, categories, rate parts, aliases),
refuses a broken file with a message naming the problem, and matches spreadsheet headers."""

from __future__ import annotations

import copy

import pytest
import yaml

import resources
from metrics.catalog import CatalogError, fold_header, parse_catalog

CATEGORY = {"维权工作": "rights", "基层组织建设": "organisation", "职工素质": "skills",
            "服务帮扶": "services", "枢纽型社会组织": "hub", "工会自身建设": "self_building"}

# The table of ../shared/CATALOG.md, copied as data:
# code, 中文名称, unit, kind, (numerator, denominator) or None, category, aliases.
EXPECTED = [
    ("enterprises_total", "辖区企业总数", "家", "stock", None, "基层组织建设", ["企业总数", "辖区企业数"]),
    ("union_enterprises", "建会企业数", "家", "stock", None, "基层组织建设", ["已建会企业数", "建立工会企业数"]),
    ("union_establishment_rate", "企业建会率", "%", "rate", ("union_enterprises", "enterprises_total"),
     "基层组织建设", ["建会率"]),
    ("employees", "职工人数", "人", "stock", None, "基层组织建设", ["职工总数"]),
    ("members", "会员人数", "人", "stock", None, "基层组织建设", ["工会会员人数", "会员数"]),
    ("membership_rate", "职工入会率", "%", "rate", ("members", "employees"), "基层组织建设", ["入会率"]),
    ("enterprise_problems_solved", "帮助企业解决难题", "件", "flow", None, "基层组织建设", ["解决企业难题"]),
    ("disputes_mediated", "调解劳资纠纷", "件", "flow", None, "基层组织建设", ["调解劳动争议"]),
    ("wage_arrears_recovered", "为农民工讨薪金额", "元", "flow", None, "基层组织建设", ["讨薪金额"]),
    ("hardship_aid", "救助困难党员职工", "人次", "flow", None, "基层组织建设", ["困难帮扶人次"]),
    ("seasonal_supplies", "配发消夏保暖物品", "件套", "flow", None, "基层组织建设", ["送清凉送温暖物品"]),
    ("contract_enterprises", "签订集体合同企业数", "家", "stock", None, "维权工作", ["已签集体合同企业数"]),
    ("collective_contract_rate", "集体合同签订率", "%", "rate", ("contract_enterprises", "union_enterprises"),
     "维权工作", ["集体合同和工资专项协议签订率"]),
    ("regional_contract_unions", "签订区域性集体合同联合工会数", "个", "stock", None, "维权工作", ["区域性集体合同工会数"]),
    ("regional_contract_smes", "区域性集体合同覆盖小微企业数", "家", "stock", None, "维权工作", ["覆盖非公小微企业数"]),
    ("independent_union_enterprises", "独立建会企业数", "家", "stock", None, "维权工作", ["单独建会企业数"]),
    ("congress_enterprises", "建立职代会制度企业数", "家", "stock", None, "维权工作", ["职代会建制企业数"]),
    ("workers_congress_rate", "职代会建制率", "%", "rate", ("congress_enterprises", "independent_union_enterprises"),
     "维权工作", ["独立建会企业职代会建制率"]),
    ("harmonious_enterprises", "劳动关系和谐企业", "家", "flow", None, "维权工作", ["和谐企业命名数"]),
    ("training_sessions", "举办培训班", "期", "flow", None, "职工素质", ["培训班期数"]),
    ("trainees", "培训职工", "人次", "flow", None, "职工素质", ["培训人次"]),
    ("certified_technicians", "考取高中级技术资格", "人", "flow", None, "职工素质", ["取得技术资格人数"]),
    ("worker_libraries", "职工书屋", "个", "stock", None, "职工素质", ["职工书屋数"]),
    ("library_enterprises", "职工书屋覆盖企业", "家", "stock", None, "职工素质", ["书屋覆盖企业数"]),
    ("member_cards", "办理会员服务卡", "张", "stock", None, "服务帮扶", ["京卡办理数", "互助服务卡"]),
    ("card_rate", "会员办卡率", "%", "rate", ("member_cards", "members"), "服务帮扶", ["办卡率"]),
    ("mutual_aid_policies", "互助保障参保份数", "份", "flow", None, "服务帮扶", ["互助保障计划参保"]),
    ("mutual_aid_premiums", "互助保障投续保资金", "元", "flow", None, "服务帮扶", ["投续保资金"]),
    ("mutual_aid_claims", "互助保障理赔人次", "人次", "flow", None, "服务帮扶", ["出险理赔人次"]),
    ("mutual_aid_payouts", "互助保障理赔金额", "元", "flow", None, "服务帮扶", ["理赔金"]),
    ("offpeak_services", "错时接待咨询服务", "人次", "flow", None, "服务帮扶", ["错时服务人次"]),
    ("free_tickets", "发放免费票据物品", "张件套", "flow", None, "服务帮扶", ["免费票据"]),
    ("education_participants", "教育培训人次", "人次", "flow", None, "枢纽型社会组织", ["组织教育培训"]),
    ("volunteers", "志愿服务人次", "人次", "flow", None, "枢纽型社会组织", ["参加志愿服务"]),
    ("culture_events", "文化体育活动", "场", "flow", None, "枢纽型社会组织", ["文体活动场次"]),
    ("artworks_submitted", "选送文艺作品", "件", "flow", None, "枢纽型社会组织", ["选送作品"]),
    ("artworks_awarded", "作品获奖", "件", "flow", None, "枢纽型社会组织", ["获奖作品"]),
    ("model_workers", "市级先进及劳动奖章获得者", "人", "flow", None, "枢纽型社会组织", ["先进工作者和五一劳动奖章"]),
    ("research_reports", "信息和调研报告", "篇", "flow", None, "工会自身建设", ["调研报告"]),
    ("service_station_area", "工会服务站面积", "平方米", "stock", None, "工会自身建设", ["服务站面积"]),
]


@pytest.fixture(scope="module")
def catalog():
    return resources.catalog()


@pytest.fixture
def raw() -> dict:
    with open(resources.CATALOG_FILE, encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_catalog_has_every_indicator_of_the_issue(catalog):
    missing = [row[0] for row in EXPECTED if row[0] not in catalog]
    assert not missing


@pytest.mark.parametrize("code,zh,unit,kind,parts,category,aliases", EXPECTED, ids=[r[0] for r in EXPECTED])
def test_indicator_matches_issue_table(catalog, code, zh, unit, kind, parts, category, aliases):
    ind = catalog[code]
    assert ind.zh == zh
    assert ind.unit == unit
    assert ind.kind == kind
    assert ind.category == CATEGORY[category]
    assert (ind.numerator, ind.denominator) == (parts or (None, None))
    assert set(aliases) <= set(ind.aliases)
    assert ind.en and ind.unit_en, "every indicator needs an English name and unit"
    assert ind.is_percent == (unit == "%")


def test_categories_are_the_six_work_areas_in_chinese(catalog):
    assert {c.code: c.zh for c in catalog.categories} == {v: k for k, v in CATEGORY.items()}


@pytest.mark.parametrize("code,zh,unit,kind,parts,category,aliases", EXPECTED, ids=[r[0] for r in EXPECTED])
def test_every_name_and_alias_finds_its_indicator(catalog, code, zh, unit, kind, parts, category, aliases):
    for text in (code, zh, *aliases):
        found = catalog.match(text)
        assert found is not None and found.code == code, text


@pytest.mark.parametrize(
    "header,expected",
    [
        ("会员人数（人）", "members"),
        ("会员人数(人)", "members"),
        ("会员\n人数", "members"),
        ("会员\r\n人数（人）", "members"),
        (" 会员 人数 ", "members"),
        ("会员人数\u3000（人）", "members"),
        ("ｍｅｍｂｅｒｓ", "members"),
        ("MEMBERS", "members"),
        ("工会服务站面积（平方米）", "service_station_area"),
        ("企业建会率（%）", "union_establishment_rate"),
        ("企业建会率(％)", "union_establishment_rate"),
        ("为农民工讨薪金额（元）", "wage_arrears_recovered"),
        ("发放免费票据物品（张件套）", "free_tickets"),
        ("京卡办理数（张）", "member_cards"),
    ],
    ids=["fullwidth-brackets", "halfwidth-brackets", "line-break", "crlf-and-unit", "spaces",
         "ideographic-space", "fullwidth-latin", "upper-case-code", "long-unit", "percent",
         "fullwidth-percent", "yuan", "compound-unit", "alias-with-unit"],
)
def test_header_matching_folds_width_spaces_breaks_and_unit(catalog, header, expected):
    found = catalog.match(header)
    assert found is not None and found.code == expected


@pytest.mark.parametrize("header", ["", "备注", "单位名称", "会员人数合计增长", None],
                         ids=["empty", "note", "unit-name", "longer-text", "none"])
def test_header_that_names_no_indicator_matches_nothing(catalog, header):
    assert catalog.match(header) is None


@pytest.mark.parametrize(
    "text,folded",
    [("会员\n人数（人）", "会员人数"), (" Members (persons) ", "members"), ("ＡＢＣ　１２３", "abc123"),
     ("率（%）（人）", "率"), ("（人）", "(人)"), (None, "")],
    ids=["cjk", "english", "fullwidth", "two-units", "only-a-unit-is-kept", "none"],
)
def test_fold_header(text, folded):
    assert fold_header(text) == folded


def test_catalog_lists_reported_indicators_without_rates(catalog):
    reported = {i.code for i in catalog.reported()}
    assert reported == {i.code for i in catalog if i.kind != "rate"}
    assert {r[0] for r in EXPECTED if r[3] != "rate"} <= reported
    assert not reported & {r[0] for r in EXPECTED if r[3] == "rate"}


# ---- a broken catalog is refused with a message naming the problem -----------------------


def _break(raw: dict, how) -> dict:
    raw = copy.deepcopy(raw)
    how(raw["indicators"])
    return raw


def _find(items, code):
    return next(i for i in items if i["code"] == code)


BROKEN = [
    ("unknown-kind", lambda items: _find(items, "members").update(kind="level"), ["members", "level"]),
    ("rate-missing-part", lambda items: _find(items, "card_rate").update(denominator="member_count"),
     ["card_rate", "member_count"]),
    ("rate-without-denominator", lambda items: _find(items, "card_rate").pop("denominator"), ["card_rate"]),
    ("rate-of-a-rate", lambda items: _find(items, "card_rate").update(numerator="membership_rate"),
     ["card_rate", "membership_rate"]),
    ("duplicate-code", lambda items: items.append({**_find(items, "members"), "zh": "另一个", "en": "Other",
                                                   "aliases": []}), ["members"]),
    ("duplicate-alias", lambda items: _find(items, "employees")["aliases"].append("会员数"),
     ["会员数", "members", "employees"]),
    ("alias-equal-to-other-name", lambda items: _find(items, "volunteers")["aliases"].append("培训职工"),
     ["培训职工", "trainees", "volunteers"]),
    ("unknown-category", lambda items: _find(items, "members").update(category="culture"), ["members", "culture"]),
    ("unknown-direction", lambda items: _find(items, "members").update(direction="sideways"),
     ["members", "sideways"]),
    ("missing-name", lambda items: _find(items, "members").pop("zh"), ["members", "zh"]),
    ("parts-on-a-stock", lambda items: _find(items, "members").update(numerator="employees"), ["members"]),
]


@pytest.mark.parametrize("how,named", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_catalog_is_refused_naming_the_problem(raw, how, named):
    with pytest.raises(CatalogError) as err:
        parse_catalog(_break(raw, how))
    for word in named:
        assert word in str(err.value)


def test_unchanged_catalog_file_parses(raw):
    assert len(parse_catalog(raw)) == len(resources.catalog())


def test_catalog_without_sections_is_refused():
    with pytest.raises(CatalogError, match="categories"):
        parse_catalog({"indicators": []})


# Beyond CATALOG.md's core 40: the indicators that carry the rest of the seed review's figures,
# with codes of their own (code, kind, (numerator, denominator) or None, category).
BEYOND_CORE = [
    ("advanced_workers", "flow", None, "hub"),
    ("may_day_medallists", "flow", None, "hub"),
    ("member_records", "stock", None, "services"),
    ("qualified_records", "stock", None, "services"),
    ("records_pass_rate", "rate", ("qualified_records", "member_records"), "services"),
    ("accurate_records", "stock", None, "services"),
    ("info_accuracy_rate", "rate", ("accurate_records", "member_records"), "services"),
    ("publicity_spending", "flow", None, "services"),
    ("cadre_training_assigned", "flow", None, "self_building"),
    ("cadre_training_completed", "flow", None, "self_building"),
    ("cadre_training_rate", "rate", ("cadre_training_completed", "cadre_training_assigned"), "self_building"),
    ("awarded_reports", "flow", None, "self_building"),
]


def test_catalog_is_the_core_forty_and_the_seeds_other_figures(catalog):
    core = [row[0] for row in EXPECTED]
    extra = [row[0] for row in BEYOND_CORE]
    assert len(core) == 40 and not set(core) & set(extra)
    assert sorted(catalog.codes) == sorted(core + extra)
    for code, kind, parts, category in BEYOND_CORE:
        ind = catalog[code]
        assert (ind.kind, ind.category) == (kind, category), code
        if parts:
            assert (ind.numerator, ind.denominator) == parts, code
