"""AppTest: the overview opens with 需关注 (goals below pace, binding first, with lagging units
and what slipped) and the meeting brief's download buttons, on the example database."""

from __future__ import annotations

import io

import docx
from streamlit.runtime.media_file_manager import MediaFileManager

from tests.apptest_util import run_app


def test_overview_opens_with_goals_below_pace_binding_first_with_lagging_units(example_url):
    at = run_app("zh")
    assert not at.exception, at.exception
    assert at.subheader[0].value == "需关注"  # before the figures and the trend
    lines = [m.value.replace("\\", "") for m in at.markdown]  # markdown_safe escapes "1."
    goals = [x for x in lines if x.startswith((":red[", ":orange["))]
    assert goals[0].startswith(":red[**1. 职代会建制率〔约束性〕严重滞后：完成进度0%，时间进度40%，落后40个百分点")
    assert goals[1].startswith(":red[**2. 会员人数〔约束性〕滞后")
    assert all(g.startswith(":orange[") for g in goals[2:])
    assert "滞后单位31个，最差的：青塔社区联合工会" in goals[1]
    assert any("较上季度变差：基本符合预期→滞后" in g for g in goals)
    assert "7个目标低于进度（其中约束性2个）；较上季度变差2个。" in lines


def test_the_meeting_brief_buttons_build_the_brief_on_click_in_english(example_url, monkeypatch):
    deferred = {}  # what a click on each button runs (Streamlit calls it on the click, not on the page run)
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        deferred[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = run_app("en")
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Needs attention"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the meeting brief (PDF)", "Download the meeting brief (Word)"]
    pdf = deferred["meeting-brief-2017Q4.pdf"]()
    assert pdf.startswith(b"%PDF") and b"/Count 1" in pdf  # one page
    words = "\n".join(p.text for p in docx.Document(io.BytesIO(deferred["meeting-brief-2017Q4.docx"]())).paragraphs)
    assert "Data as of 2017 Q4 · 84/84 units reported" in words and "Needs attention" in words
