"""Small helpers that every page shares: the current language, translation, unit names,
number display. Pages read session state through here; ``dashboard.py`` owns it."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

import resources
from i18n import t as _t
from metrics import periods
from metrics.report_text import markdown_safe as plain  # noqa: F401 - user text inside Markdown


def lang() -> str:
    return st.session_state.get("lang", "zh")


def tr(key: str, **values) -> str:
    """Translate ``key`` into the session's language."""
    return _t(key, lang(), **values)


def unit_name(units: pd.DataFrame, code: str) -> str:
    row = units[units["code"] == code]
    if row.empty:
        return code
    name = row.iloc[0]["name_zh" if lang() == "zh" else "name_en"]
    return name or row.iloc[0]["name_zh"]


def uploader_label(name: object) -> str:
    """Who uploaded or changed something, as a page shows it: the program's own account
    ``system`` reads 系统 (System); anyone else as stored."""
    text = "" if name is None else str(name)
    return tr("forms.system") if text == "system" else text


def period_label(period: str) -> str:
    return periods.label(period, lang())


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
        text += (" 个百分点" if lang() == "zh" else " pp")
    elif unit:
        text += unit if lang() == "zh" else " " + (_singular(unit) if abs(value) == 1 else unit)
    if approximate:
        text = tr("common.approx_mark") + text
    return text


def _singular(unit: str) -> str:
    """The English unit for exactly one: the catalog's English units are plural nouns
    ("enterprises", "policies", "person-times"); "yuan" and "m²" stay as they are."""
    if unit.endswith("ies"):
        return unit[:-3] + "y"
    if unit.endswith("s") and not unit.endswith("ss"):
        return unit[:-1]
    return unit


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


def dataframe(data, **kwargs):
    """``st.dataframe`` of ``data`` made safe to download or copy (:func:`tables.safe_frame`):
    every page shows its tables through here."""
    from tables import safe_frame

    return st.dataframe(safe_frame(data), **kwargs)


def data_editor(data, **kwargs) -> pd.DataFrame:
    """``st.data_editor`` showing ``data`` as :func:`dataframe` does; returns the edited frame
    with the text as the user typed it (the neutralising ``'`` taken off again)."""
    from tables import safe_frame, unsafe_text

    edited = st.data_editor(safe_frame(data), **kwargs)
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
