"""Sentences of the congress work report, built from figures and sentence templates.

Pure: templates (plain strings, from the i18n catalog) and figures in, sentences out; no
Streamlit, no I/O. No figure is ever written in a template: a template names the indicator
whose figure goes in its place, and the figure is phrased by :mod:`metrics.wording`.

Templates
---------
A *clause* template is text with placeholders in ``str.format`` syntax:

* ``{collective_contract_rate}`` -- an indicator code: its figure over the span, phrased with
  the catalog unit (``98%``, ``1500家``, ``200余万元``);
* ``{certified_technicians:名}`` -- the same with the measure word after ``:`` in place of
  the catalog unit (``5名``; a Chinese report counts people as 名 in a running sentence);
* ``{members:change}`` -- a stock's change since the end of the year before the span
  (``增加533人``, ``减少3个``, ``持平``); the clause is left out when there is no such base;
* ``{since}`` -- the opener for the span (``五年来`` / ``2016年以来``, with the quarters that
  have no data: ``五年来（缺2011年第三季度数据）``);
* ``{base_end}`` -- the end of the year before the span (``2015年末``).

A clause key may have variants ``<clause>_change`` (a stock worded as its level and change)
and ``<clause>_detail`` (a figure told by its parts, as 先进工作者2名，五一劳动奖章获得者2名):
the report uses the first variant whose figures are all there (for ``_detail``, none of them
zero), else the plain clause.

A clause whose figures are not all there is left out (a report leaves out what it has no
data for rather than printing zeros); a sentence is its remaining clauses joined by the
sentence's separator (``，`` or ``；``) and ended with ``。``; a sentence with no clause left
is left out. An opener belongs to the first clause of a sentence, so a sentence opens with
it even when that clause's figures are missing (:func:`render_sentence`).

>>> from metrics.catalog import Indicator
>>> ind = Indicator("members", "会员人数", "Union members", "人", "persons", "stock", "organisation")
>>> render_clause("发展会员{members}", {"members": figure_text(7167, ind)})
'发展会员7167人'
>>> render_sentence(["累计组织1500家企业建立工会组织", "发展会员7167人"])
'累计组织1500家企业建立工会组织，发展会员7167人。'
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metrics.wording import phrase

if TYPE_CHECKING:
    from metrics.catalog import Indicator

SPECIAL_FIELDS = ("since", "base_end")
SEPARATORS = {
    "zh": {"comma": "，", "semicolon": "；", "end": "。"},
    "en": {"comma": ", ", "semicolon": "; ", "end": "."},
}
_ZH_DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class SentenceSpec:
    """One sentence of an area: its clause keys (under ``report.sentence.<area>.``), in order,
    and the separator between clauses (``"comma"`` or ``"semicolon"``). A key ending in ``?``
    is left out when all its figures are zero ("其中0篇…" is not written)."""

    clauses: tuple[str, ...]
    sep: str = "comma"


def _s(*clauses: str, sep: str = "comma") -> SentenceSpec:
    return SentenceSpec(tuple(clauses), sep)


#: The sentences of each area, in the order of the seed report (2016 congress review).
#: The words are in ``i18n/<lang>/report.toml`` under ``sentence.<area>.<clause>``.
AREA_SENTENCES: dict[str, tuple[SentenceSpec, ...]] = {
    "rights": (
        _s("contract_rate"),
        _s("regional_contracts"),
        _s("congress_rate"),
        _s("harmonious"),
    ),
    "organisation": (
        _s("problems", "disputes", "wages", "hardship", "supplies"),
        _s("union_enterprises", "members"),
        _s("establishment_rate", "membership_rate"),
    ),
    "skills": (
        _s("training_sessions", "trainees"),
        _s("technicians"),
        _s("libraries", "library_enterprises"),
    ),
    "services": (
        _s("member_records", "member_cards", "records_rate", "accuracy_rate", "card_rate"),
        _s("publicity"),
        _s("policies", "premiums", "claims", "payouts"),
        _s("offpeak", "tickets"),
    ),
    "hub": (
        _s("education", "volunteers", "culture", "artworks_submitted", "artworks_awarded", sep="semicolon"),
        _s("model_workers"),
    ),
    "self_building": (
        _s("service_station"),
        _s("cadre_training"),
        _s("research_reports", "awarded_reports?"),
    ),
}


def fields(template: str) -> list[tuple[str, str]]:
    """The placeholders of a template as ``(name, format_spec)`` pairs, in order.

    >>> fields("辖区{certified_technicians:名}专业技术人员{since}")
    [('certified_technicians', '名'), ('since', '')]
    """
    return [(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template)
            if name is not None and "|" not in name]  # ``{code|one|other}`` is a word, not a figure


def indicator_codes(template: str) -> list[str]:
    """The indicator codes a template uses (placeholders other than ``since``)."""
    return [name for name, _ in fields(template) if name not in SPECIAL_FIELDS]


def figure_text(
    value: float | None,
    indicator: Indicator,
    *,
    lang: str = "zh",
    source_approximate: bool = False,
    counter: str = "",
) -> str | None:
    """The figure as the report states it: the catalog's ``approx_wording`` decides 余 wording,
    and a figure that was already an estimate in the source (``source_approximate``) is never
    stated as exact. A rate is always in the 近/以上 style, so it is never stated above its
    value (97.99% reads 近98%, not 98%). ``counter`` replaces the unit label (Chinese only,
    e.g. ``名`` for 人). None when the value is missing."""
    unit = counter if (counter and lang == "zh") else indicator.unit_label(lang)
    approximate = indicator.approx_wording or source_approximate or indicator.is_percent
    return phrase(value, unit, approximate=approximate, lang=lang)


def render_clause(template: str, figures: Mapping[str, str | None], extras: Mapping[str, str] | None = None) -> str | None:
    """Fill a clause template. ``figures`` maps ``code`` (or ``code:counter``) to the phrased
    figure; ``extras`` gives the special fields (``since``). None if any figure is missing.

    Literal braces in a template are written ``{{`` and ``}}``.
    """
    extras = extras or {}
    # a word that depends on the figure, ``{code|one|other}``: the first form when the phrased
    # figure is exactly one (``1 report``), else the second (English only needs it)
    template = re.sub(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}",
                      lambda m: m.group(2) if re.match(r"1(?:\s|$)", figures.get(m.group(1)) or "") else m.group(3),
                      template)
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if name in SPECIAL_FIELDS:
            text = extras.get(name)
        else:
            text = figures.get(f"{name}:{spec}" if spec else name)
        if text is None:
            return None
        out.append(text)
    return "".join(out)


def render_sentence(clauses: Iterable[str | None], lang: str = "zh", sep: str = "comma", opener: str = "") -> str | None:
    """Join the clauses that are there into one sentence; None when none is.

    ``opener`` (``五年来``) is put in front, followed by a comma. English sentences start with
    a capital letter.

    >>> render_sentence(["帮助企业解决难题15件", None, "调解劳资纠纷12件"], opener="五年来")
    '五年来，帮助企业解决难题15件，调解劳资纠纷12件。'
    >>> render_sentence([None, None]) is None
    True
    """
    marks = SEPARATORS[lang]
    parts = [c for c in clauses if c]
    if not parts:
        return None
    text = marks[sep].join(parts)
    if opener:
        text = opener + marks["comma"] + text
    if lang == "en":
        text = text[:1].upper() + text[1:]
    return text + marks["end"]


def years_word(years: int, lang: str = "zh") -> str:
    """A number of years as a report writes it: ``五`` (Chinese numerals up to ten), else digits.

    >>> years_word(5), years_word(12), years_word(5, "en")
    ('五', '12', 'five')
    """
    if lang == "en":
        words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        return words[years] if 0 <= years <= 10 else str(years)
    return _ZH_DIGITS[years] if 0 <= years <= 10 else str(years)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object) -> str:
    """Text safe to put in a Word or Excel file: control characters (other than tab and line
    breaks), lone surrogates and non-characters removed; markup is kept as plain text (the
    writers escape it). ``None`` gives ``""``.

    >>> clean_text("C01\\x00<b>工会</b>\\x0b")
    'C01<b>工会</b>'
    """
    if text is None:
        return ""
    return _CONTROL.sub("", str(text))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width ＝＋－＠


def safe_text(value: object) -> str:
    """Text for a spreadsheet cell that shows as typed and never runs as a formula: control
    characters removed, and a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR.

    >>> safe_text("=HYPERLINK(\\"http://x\\")"), safe_text("-3"), safe_text("会员人数")
    ('\\'=HYPERLINK("http://x")', "'-3", '会员人数')
    """
    text = clean_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_filename(name: object) -> str:
    """The name an uploaded file is stored and shown under: the last path part only, control
    characters and line breaks removed, at most 200 characters (the extension kept), and a
    formula-like start neutralised as in :func:`safe_text`. The file's bytes are not touched.

    >>> safe_filename("C:\\\\x\\\\..\\\\=HYPERLINK(1)2017Q4.xlsx"), safe_filename("../../2016Q1.xlsx")
    ("'=HYPERLINK(1)2017Q4.xlsx", '2016Q1.xlsx')
    """
    text = re.sub(r"[\t\r\n]+", " ", clean_text(name)).replace("\\", "/").split("/")[-1].strip()
    if len(text) > 200:
        stem, dot, ext = text.rpartition(".")
        text = stem[: 199 - len(ext)] + dot + ext if dot and len(ext) <= 10 else text[:200]
    if not text.strip("."):
        text = "upload"
    return safe_text(text)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>~$|:&@])|(?<=www)(\.)", re.IGNORECASE)  # special anywhere (@, www.: autolinks)
_LINE_START = re.compile(r"^([ \t]*)([-+#=>]|\d+[.)])", re.MULTILINE)  # lists, headings, quotes


def markdown_safe(text: object) -> str:
    """Text that Streamlit's Markdown (``st.markdown``, ``st.caption``, widget labels, alerts)
    shows literally: emphasis, links and images, code, HTML, KaTeX (``$``), tables,
    strikethrough, Streamlit's ``:red[...]`` and ``:material/...:``, the ``www.``, ``http:`` and
    ``a@b`` that GitHub-flavoured Markdown turns into links escaped with a backslash,
    and a list, heading or quote marker at the start of a line; control characters removed.
    Characters that only mean something after those (``(``, ``!``, ``.`` mid-line) stay as
    they are, so "Sub-district (Beijing) Co., Ltd." reads unchanged.

    >>> markdown_safe("<b>*工会*</b> $x$ [l](u)")
    '\\\\<b\\\\>\\\\*工会\\\\*\\\\</b\\\\> \\\\$x\\\\$ \\\\[l\\\\](u)'
    >>> markdown_safe("# 1. x"), markdown_safe("2017. Q4")
    ('\\\\# 1. x', '2017\\\\. Q4')
    """
    text = _MARKDOWN.sub(lambda m: "\\" + m[0], clean_text(text))
    return _LINE_START.sub(lambda m: m[1] + (m[2][:-1] + "\\" + m[2][-1] if m[2][0].isdigit() else "\\" + m[2]), text)


def plotly_safe(text: object) -> str:
    """Text that a Plotly title, tick label, annotation or hover label shows literally (Plotly
    reads a subset of HTML there: ``<a href>``, ``<b>``, ``<br>``, entities).

    >>> plotly_safe('<a href="http://e.x">x</a> & y')
    '&lt;a href="http://e.x"&gt;x&lt;/a&gt; &amp; y'
    """
    return clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
