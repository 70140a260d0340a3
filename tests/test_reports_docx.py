"""The congress report as a Word document, read back with python-docx: the seed report's
figures in their areas for 2011-2015, the plan's targets and progress for 2016-2020, a new
upload changing the report, and hostile names that must not break it."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

import resources
from metrics import periods, rollup
from reports.build import build
from reports.content import build_report, load_inputs
from reports.docx_writer import write_docx
from store.db import NewUpload

# What the 2016 congress review says for 2011-2015 (../shared/seed/congress-2016-review.txt),
# as the report words it from the example data, area by area. Where the seed overstates (it
# says "43余人次" for 43, "7167余人" for 7167 and "办卡率…98%以上" for 97.99%), the report states
# what the data supports; figures under 100 are exact (32期, 31件). Every figure, one by one:
# tests/test_reports_seed.py.
SEED = {
    "维权工作": ["集体合同和工资专项协议签订率达到98%", "43个社区、楼宇联合工会签订的区域性集体合同和工资专项协议",
             "涵盖非公小微企业743家", "独立建会企业职代会建制率达到95%", "4家企业被命名为“劳动关系和谐企业”"],
    "基层组织建设": ["五年来，帮助企业解决难题15件", "调解劳资纠纷12件", "为农民工讨薪200余万元",
               "救助困难党员、职工200余人次", "冬季保暖物品700余件套", "累计组织1500家企业建立工会组织，发展会员7167人"],
    "职工素质": ["培训班32期", "培训职工5000余人次", "5名专业技术人员考取高、中级技术资格",
             "建成职工书屋47个，覆盖企业800余家"],
    "服务帮扶": ["采集会员信息7167个", "办理会员京卡·互助服务卡7023张", "档案合格率100%", "信息准确率98%以上",
             "办卡率达到近98%", "投资3万余元印制宣传资料", "互助保障计划各类险种3785份",
             "投续保资金23万元", "办理出险理赔43人次", "理赔金13万元", "错时接待咨询和服务1000余人次",
             "票据物品6000余张件套"],
    "枢纽型社会组织": ["组织各类教育培训5000人次", "志愿服务活动2000余人次", "文化体育活动300余场",
                "选送100余件作品", "31件作品获得市、区级奖励", "北京市先进工作者2名，北京市五一劳动奖章获得者2名"],
    "工会自身建设": ["350平方米工会服务站", "100%完成上级调训任务", "信息和调研报告280余篇，其中1篇被市总评为优秀调研报告"],
}


def sections(doc) -> dict[str, str]:
    """Text under each Heading 2 (until the next heading), keyed by the heading without its number."""
    out, current = {}, None
    for p in doc.paragraphs:
        style = p.style.name
        if style.startswith("Heading") or style == "Title":
            current = re.sub(r"^（.）|^[\d.]+\s*", "", p.text) if style == "Heading 2" else None
            if current is not None:
                out[current] = ""
        elif current is not None:
            out[current] += p.text
    return out


def docx_for(store, span, unit=None, lang="zh"):
    inputs = load_inputs(store, resources.catalog())
    report = build_report(inputs, *span, unit, lang)
    return report, Document(io.BytesIO(write_docx(report)))


def test_2011_2015_states_each_seed_figure_in_its_area(example_store):
    _, doc = docx_for(example_store, (2011, 2015))
    found = sections(doc)
    assert list(found) == list(SEED)
    for area, phrases in SEED.items():
        for phrase in phrases:
            assert phrase in found[area], (area, phrase, found[area])
    titles = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert titles and "2011—2015年" in titles[0]


def test_document_uses_heading_styles_and_the_offices_chinese_fonts(example_store):
    _, doc = docx_for(example_store, (2011, 2015))
    used = {p.style.name for p in doc.paragraphs}
    assert {"Title", "Subtitle", "Heading 1", "Heading 2", "Caption"} <= used
    fonts = {"Normal": "仿宋", "Heading 1": "黑体", "Heading 2": "楷体", "Title": "方正小标宋简体"}
    for name, east_asia in fonts.items():
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == east_asia, name
        assert rfonts.get(qn("w:asciiTheme")) is None and rfonts.get(qn("w:eastAsiaTheme")) is None
    # main table, next plan table, sources table; header as the five-year plans print it
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "单位", "期初值", "期末值", "变化"]  # 2011-2015 has no plan of its own
    _, planned = docx_for(example_store, (2016, 2020))
    header = [c.text for c in planned.tables[0].rows[0].cells]
    assert header == ["指标", "单位", "基期值", "目标值", "当前值", "完成进度", "状态", "属性"]


def test_2011_2015_lists_the_following_plans_targets(example_store):
    report, doc = docx_for(example_store, (2011, 2015))
    targets = example_store.targets("2016-2020")
    level = targets[(targets["target_type"] == "level") & (targets["unit"].fillna("") == "")]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert report.next_plan == "2016-2020"
    assert "到2020年，" in text
    for _, row in level.iterrows():
        ind = resources.catalog()[row["indicator"]]
        figure = f"{row['target_value']:g}{ind.unit_label('zh')}"
        assert figure in text and row["goal_text_zh"] in text, figure  # the plan's own words
    next_rows = {r.cells[0].text: r.cells[3].text for r in doc.tables[1].rows[1:]}
    assert len(next_rows) == len(targets[targets["unit"].fillna("") == ""])


def test_2016_2020_shows_the_plans_targets_and_progress_so_far(example_store):
    report, doc = docx_for(example_store, (2016, 2020))
    obs = rollup.current(example_store.observations())
    latest = max(obs["period"], key=periods.index)
    assert report.as_of == latest and not report.complete
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "一、2016年以来工作情况" in text and "五年来" not in text
    # 建会企业数: a stock, so the current value is the sum over all units in the latest quarter
    current = obs[(obs["indicator"] == "union_enterprises") & (obs["period"] == latest)]["value"].sum()
    goal = example_store.targets("2016-2020").set_index("indicator").loc["union_enterprises"]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    row = rows["建会企业数"]
    assert row[2] == f"{goal['base_value']:g}" and row[3] == f"{goal['target_value']:g}家"
    assert row[4] == f"{current:g}"
    progress = (current - goal["base_value"]) / (goal["target_value"] - goal["base_value"])
    assert row[5] == f"{progress * 100:.1f}%"
    assert row[6] in {"提前实现", "快于预期", "基本符合预期", "滞后", "严重滞后", "倒退"} and row[7] == "约束性"
    assert len(rows) == len(example_store.targets("2016-2020"))
    assert "尚未录入下一个五年规划的目标。" in text


def test_a_new_upload_changes_the_report(example_store):
    obs = rollup.current(example_store.observations())
    members = obs[(obs["indicator"] == "members") & (obs["period"] == "2015Q4")]
    before = members["value"].sum()
    one = members.iloc[0]
    values = pd.DataFrame([{"unit": one["unit"], "indicator": "members", "period": "2015Q4",
                            "value": one["value"] + 123, "approximate": False}])
    example_store.add_upload(NewUpload("2015Q4_更正.xlsx", b"correction", "clerk", values, period="2015Q4"))
    report, doc = docx_for(example_store, (2011, 2015))
    text = sections(doc)["基层组织建设"]
    assert f"发展会员{before + 123:g}人" in text and f"发展会员{before:g}人" not in text
    assert "2015Q4_更正.xlsx" in set(report.sources["filename"])
    # the rate built on it moves too: 办卡率 = cards / members
    cards = obs[(obs["indicator"] == "member_cards") & (obs["period"] == "2015Q4")]["value"].sum()
    assert report.figures.set_index("indicator").loc["card_rate", "value"] == pytest.approx(cards / (before + 123) * 100)


def test_an_indicator_without_data_is_left_out_not_printed_as_zero(example_store):
    inputs = load_inputs(example_store, resources.catalog())
    inputs.observations = inputs.observations[inputs.observations["indicator"] != "disputes_mediated"]
    report = build_report(inputs, 2011, 2015)
    text = "".join(s.text for s in report.sections[1].sentences)
    assert "调解劳资纠纷" not in text and "帮助企业解决难题15件，为农民工讨薪" in text
    # a whole sentence whose figures are all missing is left out, and its opener moves on
    inputs.observations = inputs.observations[~inputs.observations["indicator"].isin(["education_participants"])]
    hub = build_report(inputs, 2011, 2015).sections[4].sentences[0].text
    assert hub.startswith("五年来，组织职工参加志愿服务活动")


HOSTILE_UNIT = "<w:p>&amp;联合\x01工会\x0b]]></w:body>"
HOSTILE_FILE = "=HYPERLINK(\"http://x\")\x07.xlsx"


def hostile_store(store):
    units = pd.DataFrame([{"code": "X<1>", "name_zh": HOSTILE_UNIT, "name_en": "-2+3", "parent": "LGQ",
                           "level": "community"}])
    store.add_units(units)
    values = pd.DataFrame([{"unit": "X<1>", "indicator": "members", "period": "2015Q4", "value": 5.0, "approximate": True},
                           {"unit": "X<1>", "indicator": "trainees", "period": "2014Q2", "value": 7.0, "approximate": False}])
    store.add_upload(NewUpload(HOSTILE_FILE, b"hostile", "@clerk", values, period="2015Q4"))
    return store


def test_markup_and_control_characters_in_names_cannot_break_the_document(example_store):
    hostile_store(example_store)
    cleaned = "<w:p>&amp;联合工会]]></w:body>"
    for unit in ("X<1>", None):
        inputs = load_inputs(example_store, resources.catalog())
        report = build_report(inputs, 2011, 2015, unit)
        doc = Document(io.BytesIO(write_docx(report)))
        text = "\n".join(p.text for p in doc.paragraphs)
        cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
        if unit:
            assert doc.paragraphs[0].text.startswith(cleaned)
            assert "发展会员5人" in sections(doc)["基层组织建设"]
        else:
            assert '=HYPERLINK("http://x").xlsx' in cells
            assert "会员人数" in text  # the source estimate is named in the data note
        assert "\x01" not in text + cells and "\x07" not in text + cells


def test_build_puts_one_picture_per_area(example_store):
    built = build(load_inputs(example_store, resources.catalog()), 2011, 2015)
    doc = Document(io.BytesIO(built.docx))
    assert len(doc.inline_shapes) == 6
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    assert len(captions) == 6 and "维权工作" in captions[0]


def test_a_quarter_only_one_unit_has_sent_does_not_enter_the_report(example_store):
    """C01 sends 2018Q1 early: the 2016-2020 report still stands at 2017Q4 with the full totals,
    instead of quoting one community's figures as the federation's."""
    from metrics import rollup
    from store.db import NewUpload

    before = build_report(load_inputs(example_store, resources.catalog()), 2016, 2020)
    last = rollup.current(example_store.observations())
    early = last[(last["period"] == "2017Q4") & (last["unit"] == "C01")].assign(period="2018Q1")
    example_store.add_upload(NewUpload("C01-2018Q1.xlsx", b"early", "clerk", early, "2018Q1"))
    after = build_report(load_inputs(example_store, resources.catalog()), 2016, 2020)
    assert before.as_of == after.as_of == "2017Q4"
    pd.testing.assert_frame_equal(after.figures, before.figures)
    assert [s.text for sec in after.sections for s in sec.sentences] == [s.text for sec in before.sections for s in sec.sentences]
