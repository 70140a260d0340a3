"""Small helpers that every page shares: the current language, translation, unit names,
number display. Pages read session state through here; ``dashboard.py`` owns it."""

from __future__ import annotations

import functools
import math
import threading
import unicodedata
from contextlib import contextmanager

import pandas as pd
import streamlit as st

import resources
from i18n import t as _t
from metrics import periods
from metrics.report_text import markdown_safe as plain  # noqa: F401 - user text inside Markdown


_SPOKEN = threading.local()


def lang() -> str:
    """The session's language, or the one :func:`speaking` set for work done outside a page run."""
    return getattr(_SPOKEN, "code", None) or st.session_state.get("lang", "zh")


@contextmanager
def speaking(code: str):
    """Within this block (in this thread) :func:`lang` is ``code``: for tables built outside a
    page run (a download built when its button is clicked, or in the background), where there
    is no session to read the language from."""
    before = getattr(_SPOKEN, "code", None)
    _SPOKEN.code = code
    try:
        yield
    finally:
        _SPOKEN.code = before


def tr(key: str, **values) -> str:
    """Translate ``key`` into the session's language."""
    return _t(key, lang(), **values)


_NAMES: dict[tuple[int, str], tuple[pd.DataFrame, dict[str, str]]] = {}


def unit_names(units: pd.DataFrame, language: str | None = None) -> dict[str, str]:
    """``{code: name}`` in ``language`` (default: the page's), the Chinese name where the
    English one is blank; built once per units frame and language and kept for the last few
    frames, so a picker of 22,001 units formats each option with one dict lookup instead of
    filtering the whole unit table (about 25 s per run at 22,001 units)."""
    language = language or lang()
    key = (id(units), language)
    hit = _NAMES.get(key)
    if hit is not None and hit[0] is units:
        return hit[1]
    first = units.drop_duplicates("code")
    zh = first["name_zh"].fillna("").astype(str)
    if language == "zh":
        names = zh
    else:
        en = first["name_en"].fillna("").astype(str) if "name_en" in first else zh
        names = en.where(en != "", zh)
    built = dict(zip(first["code"], names.where(names != "", first["code"])))
    if len(_NAMES) >= 4:  # the frame is held while cached (its id stays its own): keep a few
        try:
            _NAMES.pop(next(iter(_NAMES)))
        except (KeyError, RuntimeError, StopIteration):  # another session's thread got there first
            pass
    _NAMES[key] = (units, built)
    return built


def unit_name(units: pd.DataFrame, code: str) -> str:
    return unit_names(units).get(code, code)


def uploader_label(name: object) -> str:
    """Who uploaded or changed something, as a page shows it: the program's own account
    ``system`` reads 系统 (System); anyone else as stored."""
    text = "" if name is None else str(name)
    return tr("forms.system") if text == "system" else text


def period_label(period: str) -> str:
    return periods.label(period, lang())


def person(name) -> str:
    """Who did something, for a table or chart: the built-in account ``system`` (example data,
    imports without ``--user``) in the page's language (系统 / System), anyone else as stored."""
    return tr("screens.system") if name == "system" else name


def plan_option(fmt: str, name, code: str) -> str:
    """A plan in a list: ``fmt`` (``{name}（{code}）``) with its name and code, or the name alone
    when it already carries the code's years (``Five-year plan 2016-2020``, not ``… (2016-2020)``)."""
    if not name:
        return code
    dashes = str.maketrans({"—": "-", "–": "-", "－": "-"})
    return name if code.translate(dashes) in str(name).translate(dashes) else fmt.format(name=name, code=code)


def indicator_name(code: str) -> str:
    return resources.catalog()[code].name(lang())


def fmt_number(value: float, unit: str = "", *, approximate: bool = False, signed: bool = False) -> str:
    """A figure for display: thousands separators, percentages to one decimal, the unit after
    it, ``约`` / ``≈`` in front of an approximate figure, "—" for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit in ("%", "pp"):
        text = f"{value:+.1f}" if signed else f"{value:.1f}"
    elif float(value).is_integer():
        text = f"{value:+,.0f}" if signed else f"{value:,.0f}"
    else:
        text = f"{value:+,.2f}" if signed else f"{value:,.2f}"
    if unit == "%":
        text += "%"
    elif unit == "pp":
        text += ("个百分点" if lang() == "zh" else " pp")
    elif unit:
        text += unit if lang() == "zh" else " " + (_singular(unit) if abs(value) == 1 else unit)
    if approximate:
        text = tr("common.approx_mark") + text
    return text


def _singular(unit: str) -> str:
    """The English unit for exactly one (:func:`metrics.wording.singular`)."""
    from metrics.wording import singular

    return singular(unit)


def warn_if_partial(unit: str, quarter: str) -> None:
    """A warning above a page's figures when ``quarter`` is not complete for ``unit`` (only some
    of its units have reported), naming the latest complete quarter."""
    import app_cache
    from metrics import rollup

    cover = app_cache.coverage(unit)
    row = cover[cover["period"] == quarter]
    if len(row) and not bool(row["complete"].iloc[0]):
        latest = rollup.latest_complete(cover, upto=quarter)
        st.warning(tr("coverage.partial_quarter", quarter=period_label(quarter), n=int(row["n_units"].iloc[0]),
                      m=int(row["expected"].iloc[0]), latest=period_label(latest) if latest else "—"),
                   icon=":material/warning:")


def text_px(text) -> int:
    """An upper estimate of ``text``'s width in pixels in the table font (14 px): a wide or
    ambiguous East Asian character (汉字, full-width signs, ▼ ● ✔) 14 px, anything else 8 px
    (Source Sans averages about 7 px at 14 px; digits 7.3). Checked against Chromium's canvas
    ``measureText`` in ``tests/test_browser_screens.py``."""
    return _text_px(str(text))


@functools.lru_cache(maxsize=65_536)
def _text_px(text: str) -> int:
    # remembered: the same headers, names and status words are measured on every rerun of
    # every session (issue 12: the tables' widths were a tenth of the server's time per step)
    return sum(14 if unicodedata.east_asian_width(ch) in "WFA" else 8 for ch in text)


@functools.lru_cache(maxsize=65_536)
def _number_px(value: float) -> int:
    """:func:`text_px` of a number as the grid formats it (thousands separators, up to 3 decimals)."""
    return _text_px(f"{value:,.3f}".rstrip("0").rstrip("."))


# the grid pads each cell 8 px on both sides; a few px more for rounding
_CELL_PADDING = 20
_MAX_WIDTH = 420


def fit_columns(frame: pd.DataFrame, column_config: dict | None = None) -> dict:
    """``column_config`` with a pixel width for every text and number column of ``frame`` wide
    enough for its header and its longest cell (a number as the grid formats it), so nothing is
    clipped at 1440 px (a table wider than the page scrolls sideways instead), and for any
    column whose configured width is narrower than its header. A sparkline is not text."""
    config = dict(column_config or {})
    for col in frame.columns:
        name = str(col)
        current = config.get(name)
        if current is None and name in config:
            continue  # a hidden column
        label = current.get("label") if isinstance(current, dict) and current.get("label") else name
        header = text_px(label) + _CELL_PADDING
        values = frame[col]
        if pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
            sample = values.dropna().head(500)
            if pd.api.types.is_object_dtype(sample.dtype):  # a sparkline (a list) is no text
                sample = sample[[not isinstance(v, (list, tuple)) for v in sample]].astype(str)
            # each distinct text once (a status grid repeats a few words)
            longest = max(map(_text_px, sample.unique().tolist()), default=0) + _CELL_PADDING
        elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            # a number column as the grid shows it (thousands separators, up to 3 decimals): the
            # grid sizes it by its figures alone, which is narrower than a header like 目标值
            longest = max(map(_number_px, values.dropna().head(500).unique().tolist()), default=0) + _CELL_PADDING
        else:
            longest = 0
        need = min(max(header, longest), _MAX_WIDTH)
        width = current.get("width") if isinstance(current, dict) else None
        if isinstance(width, int) and width >= need:
            continue
        if isinstance(current, dict):
            config[name] = {**current, "width": need}
        elif isinstance(current, str):
            config[name] = st.column_config.Column(current, width=need)
        else:
            config[name] = st.column_config.Column(width=need)
    return config


def dataframe(data, **kwargs):
    """``st.dataframe`` of ``data`` made safe to download or copy (:func:`tables.safe_frame`),
    with column widths that fit each header and cell (:func:`fit_columns`): every page shows
    its tables through here."""
    from tables import safe_frame

    shown = safe_frame(data)
    frame = shown.data if hasattr(shown, "data") and not isinstance(shown, pd.DataFrame) else shown
    if isinstance(frame, pd.DataFrame):
        kwargs["column_config"] = figure_columns(frame, kwargs.get("column_config"))
        kwargs["column_config"] = fit_columns(frame, kwargs["column_config"])
        if frame.attrs.get("figures"):
            kwargs.setdefault("placeholder", "—")  # a missing figure reads — (the grid's own word is "None")
        if frame.index.name and not kwargs.get("hide_index"):  # a named index (the units grid's unit names)
            index_px = min(max(text_px(frame.index.name), *(text_px(v) for v in frame.index[:500])) + _CELL_PADDING,
                           _MAX_WIDTH)
            kwargs["column_config"].setdefault("_index", st.column_config.Column(width=index_px))
    return st.dataframe(shown, **kwargs)


def figure_columns(frame: pd.DataFrame, column_config: dict | None = None) -> dict:
    """``column_config`` with a number column for each figure column a table builder named in
    ``frame.attrs["figures"]`` (:func:`tables.figures`): the grid shows it with thousands
    separators and at most the decimals the builder rounded to, sorts it as a number and
    leaves a missing figure empty. A column the page configured itself is left as it is."""
    config = dict(column_config or {})
    for col in frame.attrs.get("figures", ()):
        if col in frame.columns and str(col) not in config:
            config[str(col)] = st.column_config.NumberColumn(format="localized")
    return config


def data_editor(data, **kwargs) -> pd.DataFrame:
    """``st.data_editor`` showing ``data`` as :func:`dataframe` does; returns the edited frame
    with the text as the user typed it (the neutralising ``'`` taken off again)."""
    from tables import safe_frame, unsafe_text

    shown = safe_frame(data)
    if isinstance(shown, pd.DataFrame):
        kwargs["column_config"] = fit_columns(shown, kwargs.get("column_config"))
    edited = st.data_editor(shown, **kwargs)
    return edited.apply(lambda col: col.map(unsafe_text) if col.dtype == object or pd.api.types.is_string_dtype(col.dtype) else col)


def chart_notes(unit: str) -> dict[str, str]:
    """Hover notes for the incomplete quarters of ``unit``'s charts: ``{period: "已报 n/m · 含结转 k 个单位"}``."""
    import app_cache

    cover = app_cache.coverage(unit)
    notes = {}
    for r in cover[~cover["complete"].astype(bool)].itertuples(index=False):
        text = tr("coverage.reported", n=int(r.n_units), m=int(r.expected))
        if int(r.carried):
            text += " · " + tr("coverage.carried", k=int(r.carried))
        notes[r.period] = text
    return notes
