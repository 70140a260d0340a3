"""The shape shared by the annual summary and the mid-term review, and their Word writer.

A :class:`OfficeDoc` is what a report says: a title and subtitle, blocks (a heading, body
paragraphs, optionally a table with its caption) and the data note. :func:`write_office_docx`
lays it out with the congress report's writer pieces (:mod:`reports.docx_writer`: the office
template, its styles, the table layout and 第四季度 wording), so the three reports look alike
and an office's restyled template applies to all of them. The content modules
(:mod:`reports.annual`, :mod:`reports.midterm`) keep the numbers behind each table in
``Table.frame`` so tests and the page read the same figures the document prints.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pandas as pd

from i18n import t
from metrics.report_text import clean_text
from reports.docx_writer import _body, _caption, _open_template, _para, _table


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]  # the cells as printed
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    widths: list[float] | None = None  # cm, scaled to the template's text width
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # the figures behind the rows


@dataclass
class Block:
    heading: str
    paragraphs: list[str]
    table: Table | None = None


@dataclass
class OfficeDoc:
    kind: str  # "annual" or "midterm"
    lang: str
    unit: str
    unit_name: str
    title: str
    subtitle: str
    blocks: list[Block]
    notes: list[str]
    as_of: str | None = None
    is_example: bool = False


def uses_example(inputs) -> bool:
    """Whether any value that counts comes from the example data (the note then says so)."""
    obs, up = inputs.observations, inputs.uploads
    if obs.empty or up.empty or "is_example" not in up:
        return False
    ids = set(obs["upload_id"].dropna().astype(int))
    return bool(up.loc[up["id"].isin(ids), "is_example"].astype(bool).any())


def write_office_docx(doc: OfficeDoc, template=None) -> bytes:
    """The .docx bytes of ``doc`` in the office template (see :mod:`reports.docx_writer`)."""
    lang = doc.lang
    word = _open_template(template, lang)
    word.core_properties.title = clean_text(doc.title)
    word.core_properties.author = clean_text(t("common.app_title", lang))
    word.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"
    _para(word, doc.title, "Title")
    _para(word, doc.subtitle, "Subtitle")
    for block in doc.blocks:
        _para(word, block.heading, "Heading 1")
        for text in block.paragraphs:
            _body(word, text)
        if block.table is not None:
            _caption(word, block.table.caption)
            if block.table.rows:
                _table(word, block.table.header, block.table.rows, numeric=block.table.numeric, widths=block.table.widths)
            else:
                _body(word, t("report.no_data", lang))
    _para(word, t("report.doc.note", lang), "Heading 1")
    for note in doc.notes:
        _body(word, note)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
