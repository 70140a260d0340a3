"""The report page (AppTest of the real entry point): choose span and unit, preview the
sentences, tables and traces, build and download the Word and Excel files."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from tests.apptest_util import open_page


def text_of(at) -> str:
    parts = [h.value for h in at.header] + [m.value for m in at.markdown]
    return "\n".join(parts).replace("\\", "")


def test_preview_for_2011_2015_shows_the_seed_sentences_and_traces(example_url):
    at = open_page("report")
    assert not at.exception, at.exception
    assert at.selectbox(key="report_span").value == (2016, 2020)  # newest span first
    at.selectbox(key="report_span").set_value((2011, 2015)).run()
    assert not at.exception, at.exception
    text = text_of(at)
    assert "卢沟桥街道总工会2011—2015年工作报告（数据部分）" in text
    assert "累计组织1500家企业建立工会组织，发展会员7167人。" in text
    assert "为农民工讨薪200余万元" in text
    expanders = [e.label for e in at.expander]
    assert len(expanders) == 6 and "维权工作" in expanders[0]
    # the trace of 维权工作: the figure as worded, with units, quarters and upload files
    trace = at.dataframe[0].value
    row = trace[trace["指标"] == "集体合同签订率"].iloc[0]
    assert row["报告表述"] == "98%" and row["单位数"] > 1 and "2015Q4_example.xlsx" in row["上报文件"]
    assert len(at.get("plotly_chart")) == 6


def test_2016_2020_table_and_unit_choice(example_url):
    at = open_page("report")
    main = next(d.value for d in at.dataframe if "完成进度（%）" in d.value.columns)
    assert {"指标", "目标值", "完成进度（%）", "状态"} <= set(main.columns)
    assert "快于预期" in set(main["状态"]) or "滞后" in set(main["状态"])
    at.selectbox(key="report_unit").set_value("C01").run()
    assert not at.exception, at.exception
    assert "卢沟桥社区联合工会2016—2020年工作报告" in text_of(at)


def test_build_then_download_docx_and_xlsx(example_url):
    at = open_page("report")
    at.selectbox(key="report_span").set_value((2011, 2015)).run()
    assert not at.get("download_button")
    at.button(key="report_build").click().run(timeout=120)
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 2
    labels = [b.proto.label for b in buttons]
    assert labels == ["下载Word报告（.docx）", "下载Excel表格（.xlsx）"]
    _, docx, xlsx, messages = at.session_state["report_files"]
    assert messages == [] and not [w for w in at.warning if "报告已生成" in w.value]
    doc = Document(io.BytesIO(docx))
    assert any("发展会员7167人" in p.text for p in doc.paragraphs) and len(doc.inline_shapes) == 6
    assert "数据溯源" in load_workbook(io.BytesIO(xlsx)).sheetnames


def test_english_page(example_url):
    # (open_page("report", lang="en") trips over the overview page's indicator selectbox under
    # AppTest, so switch the language on the report page, as the sidebar radio would)
    at = open_page("report")
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Work report"
    assert "Since 2016, " in text_of(at)


def test_build_without_a_browser_names_a_chart_it_could_not_draw(example_url, monkeypatch):
    """No Chrome on this PC and one chart failing: the page still hands out the Word report
    (five pictures) and says which chart is missing, instead of spinning for ever."""
    from reports import charts

    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chrome")
    real = charts.matplotlib_png

    def failing(fig, **kw):
        if "服务帮扶" in (fig.layout.title.text or ""):
            raise RuntimeError("drawing failed")
        return real(fig, **kw)

    real_worker = charts._worker_pngs

    def worker_failing(figures, browser, *args):
        # the worker process fails that chart too (it draws with its own matplotlib_png)
        done, errors, late = real_worker(figures, browser, *args)
        for k, f in enumerate(figures):
            if "服务帮扶" in (f.title if isinstance(f, charts.AreaChart) else f.layout.title.text or ""):
                done.pop(k, None)
                errors[k] = "RuntimeError: drawing failed"
        return done, errors, late

    monkeypatch.setattr(charts, "matplotlib_png", failing)
    monkeypatch.setattr(charts, "_worker_pngs", worker_failing)
    at = open_page("report")
    at.selectbox(key="report_span").set_value((2011, 2015)).run()
    at.button(key="report_build").click().run(timeout=120)
    assert not at.exception, at.exception
    assert len(at.get("download_button")) == 2
    warning = next(w.value for w in at.warning if "报告已生成" in w.value)
    assert "服务帮扶" in warning and "drawing failed" in warning
    _, docx, _, messages = at.session_state["report_files"]
    assert len(messages) == 1 and len(Document(io.BytesIO(docx)).inline_shapes) == 5


def test_report_kind_annual_and_midterm_preview_and_download(example_url):
    """The report page offers the annual summary of a year and the mid-term review of a plan,
    each previewed with its table and downloadable as Word."""
    at = open_page("report")
    at.radio(key="report_kind").set_value("annual").run(timeout=120)
    assert not at.exception, at.exception
    assert at.selectbox(key="report_year").value == 2017
    text = text_of(at)
    assert "卢沟桥街道总工会2017年工作总结（数据部分）" in text
    assert "建会企业数达到1640家，比上年末增加71家" in text
    table = next(d.value for d in at.dataframe if "规划年均" in d.value.columns)
    assert table.loc[table["指标"] == "建会企业数（家）", "本年"].iloc[0] == 1640
    docx = at.get("download_button")[0]
    assert docx.proto.label == "下载Word文稿（.docx）"
    at.radio(key="report_kind").set_value("midterm").run(timeout=120)
    assert not at.exception, at.exception
    assert at.selectbox(key="report_plan").value == "2016-2020"
    assert at.selectbox(key="report_as_of").value == "2017Q4"
    text = text_of(at)
    assert "中期评估（数据部分）" in text and "已实施两年，时间进度40.0%" in text
    table = next(d.value for d in at.dataframe if "剩余期需年均" in d.value.columns)
    assert table.loc[table["指标"] == "建会企业数", "剩余期需年均"].iloc[0].startswith("+53.33")
    at.selectbox(key="report_as_of").set_value("2016Q4").run(timeout=120)
    assert not at.exception, at.exception
    assert "截至2016年第四季度" in text_of(at).replace("第4季度", "第四季度") or "2016年第4季度" in text_of(at)
