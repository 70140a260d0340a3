"""Text that users supplied (unit names, file names, user names, goal notes) is shown as text on
every page: never as Markdown, KaTeX or HTML in captions and messages, never as HTML in a
chart, and never as a live formula in a table that Streamlit's toolbar downloads as CSV or
copies to the clipboard. Walks every page with AppTest against a real SQLite database."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import auth
from store.db import NewUpload, open_store
from tests.apptest_util import open_page

MD_NAME = '**x** [l](http://e.x) $x^2$ ![i](http://e.x/i.png) <b>h</b> <a href="http://e.x">a</a>'
RAW_MARKUP = re.compile(r"(?<!\\)(\*\*x|\[l\]|\$x\^2|<b>h|<a href)|http://e\.x")  # not backslash-escaped
FORMULAS = {
    "unit": '=HYPERLINK("http://e.x/?","x")',
    "unit_en": "@SUM(1+1)*cmd|' /C calc'!A0",
    "file": '=HYPERLINK("http://e.x","x")2016Q3.xlsx',
    "uploader": "+cmd|' /C calc'!A0",
    "note": "-2+3+cmd|' /C calc'!A0",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PAGES = ["overview", "progress", "indicator", "units", "goals", "report", "upload", "history", "data"]


@pytest.fixture
def hostile_url(example_url):
    """The example data plus two units under the federation, one named in Markdown and one
    with a formula, each reporting what B01 reported; an upload whose file name and uploader
    are formulas; an administrator with a Markdown name; a goal note in Markdown."""
    store = open_store(example_url)
    store.add_units(pd.DataFrame([
        {"code": "ZMD", "name_zh": MD_NAME, "name_en": MD_NAME, "parent": "LGQ", "level": "community"},
        {"code": "ZFX", "name_zh": FORMULAS["unit"], "name_en": FORMULAS["unit_en"], "parent": "LGQ",
         "level": "community"},
    ]))
    obs = store.observations()
    b01 = obs[obs["unit"] == "B01"][["indicator", "period", "value", "approximate"]]
    values = pd.concat([b01.assign(unit="ZMD"), b01.assign(unit="ZFX")])
    for period, part in values.groupby("period"):  # one upload a quarter; the last one's name is a formula
        name = FORMULAS["file"] if period == "2017Q4" else f"{period}.xlsx"
        store.add_upload(NewUpload(name, period.encode(), FORMULAS["uploader"], part, period=period))
    plan = store.plans()["code"].iloc[0]
    goal = store.targets(plan).query("unit == '' and indicator == 'members'").iloc[0].to_dict()
    store.set_targets(plan, [{**goal, "goal_text_zh": MD_NAME, "goal_text_en": FORMULAS["note"]}], FORMULAS["uploader"])
    store.set_user(MD_NAME, MD_NAME, "admin", auth.hash_password("pw"), "test")
    store.engine.dispose()
    return example_url


def markdown_texts(at) -> list[str]:
    """Every piece of text Streamlit renders as Markdown on the page and in the sidebar."""
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        texts += [e.value for e in at.get(kind)]
    texts += [e.label for e in at.get("expander")] + [e.label for e in at.get("tab")]
    texts += [e.label for e in at.get("metric")]
    return texts


def plotly_strings(at) -> list[str]:
    out = []

    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_user_text_is_never_rendered_as_markdown_or_chart_html(hostile_url, page, lang):
    state = {"user": MD_NAME, "role": "admin", "quarter": "2017Q4", "indicator": "members"}
    at = open_page(page, lang, unit="ZMD", **state)
    assert not at.exception, at.exception
    texts = markdown_texts(at)
    for text in texts:
        assert not RAW_MARKUP.search(text), (page, text)
    # the name is there, escaped: the sidebar says who is signed in, the pages name the unit
    assert any(r"\*\*x\*\* \[l\](http\://e.x) \$x^2\$ !\[i\]" in t for t in texts), texts
    # the units below the federation are charted by name on the indicator page
    at = open_page(page, lang, unit="LGQ", **state)
    strings = plotly_strings(at)
    assert not [s for s in strings if "<a" in s or "<b>h" in s], page
    if page == "indicator":
        assert any("&lt;b&gt;h&lt;/b&gt;" in s for s in strings)


def cell_texts(frame: pd.DataFrame) -> list[str]:
    texts = [str(c) for c in frame.columns] + [str(i) for i in frame.index]
    for col in frame.columns:
        texts += [v for v in frame[col] if isinstance(v, str)]
    return texts


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_table_a_page_shows_downloads_a_formula(hostile_url, page, lang):
    state = {"user": MD_NAME, "role": "admin", "quarter": "2017Q4", "indicator": "members", "units_scope": "all"}
    at = open_page(page, lang, unit="LGQ", **state)  # the formula-named unit is one of the units below
    assert not at.exception, at.exception
    seen = [text for table in at.dataframe for text in cell_texts(table.value)]
    # only a signed figure of ours may start with + or - ("+12人（+3.1%）")
    assert not [t for t in seen if t.startswith(FORMULA_START) and not re.fullmatch(r"[+\-]\d[^=@|!\"]*", t)], page
    wanted = {"units": "'" + FORMULAS["unit"], "history": "'" + FORMULAS["file"], "indicator": "'" + FORMULAS["file"]}
    if page in wanted and lang == "zh":
        assert wanted[page] in seen, page  # shown readable, with the apostrophe a spreadsheet hides


def test_signed_figures_stay_readable_and_formulas_do_not():
    from tables import display_text, safe_frame

    assert display_text("+12人（+3.1%）") == "+12人（+3.1%）"
    assert display_text("-3.0 pp (-10.0%)") == "-3.0 pp (-10.0%)"
    for text in ("-2+3", "+1+1", "=1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "＋SUM(A1)", "－1", "＠A1",
                 "+12人 HYPERLINK(1)", "-1|calc", "+1!A1"):
        assert display_text(text) == "'" + text
    frame = pd.DataFrame({"=a": ["=b", 1.5]}, index=pd.Index(["@c", "d"], name="+e"))
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=a"] and list(safe.index) == ["'@c", "d"] and safe.index.name == "'+e"
    assert safe.iloc[0, 0] == "'=b" and safe.iloc[1, 0] == 1.5 and frame.iloc[0, 0] == "=b"  # input untouched


def test_web_upload_of_a_formula_named_file_is_stored_under_a_safe_name(example_url):
    from tests.test_page_upload import edited_example

    raw = edited_example()
    at = open_page("upload")
    name = '..\\..\\=HYPERLINK("e.x","x")2017Q4.xlsx'  # a path sent with it is dropped'
    at.file_uploader(key="upload_file").upload(name, raw).run()
    assert not at.exception, at.exception
    at.checkbox(key="upload_ack").check().run()
    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    store = open_store(example_url)
    uploads = store.uploads()
    stored = uploads.sort_values("id")["filename"].iloc[-1]
    stored_raw = store.upload_raw(int(uploads["id"].max()))
    store.engine.dispose()
    assert stored == '\'=HYPERLINK("e.x","x")2017Q4.xlsx'
    assert stored_raw == raw  # the bytes as uploaded


def test_markdown_safe_escapes_links_math_html_and_line_markers():
    from metrics.report_text import markdown_safe, plotly_safe

    assert markdown_safe(MD_NAME) == (r"\*\*x\*\* \[l\](http\://e.x) \$x^2\$ !\[i\](http\://e.x/i.png) "
                                      r'\<b\>h\</b\> \<a href="http\://e.x"\>a\</a\>')
    assert markdown_safe("# x\n- y\n1. z") == "\\# x\n\\- y\n1\\. z"
    assert markdown_safe("Sub-district (Beijing) Co., Ltd.") == "Sub-district (Beijing) Co., Ltd."
    assert markdown_safe("www.e.x a@b.c :red[x]") == r"www\.e.x a\@b.c \:red\[x\]"
    assert plotly_safe('<a href="x">&</a>') == '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
