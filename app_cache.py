"""The loading boundary: the only place with Streamlit caches.

Everything is keyed by the database URL and the store's data version, so a new upload, a
withdrawal or a target edit shows on the next rerun without a restart. Metric, chart and
report functions stay undecorated so tests and the report builder reuse them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import bootstrap
import resources
from metrics import rollup
from store.db import Store, database_url, open_store


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    store = open_store(url)
    bootstrap.ensure_example_data(store)
    return store


def store() -> Store:
    """The store for ``$UNION_DB_URL``, with the example data loaded on first start."""
    return _store(database_url())


def version() -> tuple:
    return (database_url(), store().data_version())


@st.cache_data(show_spinner=False)
def _units(key: tuple) -> pd.DataFrame:
    return store().units()


def units() -> pd.DataFrame:
    """The org tree (code, name_zh, name_en, parent, level, is_example)."""
    return _units(version())


@st.cache_data(show_spinner=False)
def _observations(key: tuple) -> pd.DataFrame:
    return rollup.current(store().observations())


def observations() -> pd.DataFrame:
    """The values that count now: latest active upload per unit, indicator and quarter."""
    return _observations(version())


@st.cache_data(show_spinner=False)
def _quarterly(key: tuple, unit: str) -> pd.DataFrame:
    return rollup.quarterly(observations(), units(), resources.catalog(), unit)


def quarterly(unit: str) -> pd.DataFrame:
    """Every indicator per quarter for ``unit`` with all its descendants."""
    return _quarterly(version(), unit)


@st.cache_data(show_spinner=False)
def _uploads(key: tuple) -> pd.DataFrame:
    return store().uploads()


def uploads() -> pd.DataFrame:
    return _uploads(version())


@st.cache_data(show_spinner=False)
def _has_example(key: tuple) -> bool:
    return store().has_example_data()


def has_example_data() -> bool:
    return _has_example(version())


@st.cache_data(show_spinner=False)
def _plans(key: tuple) -> pd.DataFrame:
    return store().plans()


def plans() -> pd.DataFrame:
    return _plans(version())


@st.cache_data(show_spinner=False)
def _targets(key: tuple, plan: str, history: bool) -> pd.DataFrame:
    return store().targets(plan, history=history)


def targets(plan: str, history: bool = False) -> pd.DataFrame:
    return _targets(version(), plan, history)


def clear() -> None:
    """Drop every cache (after a write the version changes anyway; tests call this)."""
    st.cache_data.clear()
    st.cache_resource.clear()


# ---- upload and history (quarterly spreadsheets) -----------------------------------------
# (cached loaders for the upload pages go here)


#


#


# ---- progress against the five-year goals --------------------------------------------------
# (cached loaders for the progress, indicator, units and goals pages go here)


#


#


# ---- congress work report -------------------------------------------------------------------
# (cached loaders for the report page go here)


def report_inputs():
    """What the congress report is built from, from the cached loaders above."""
    from reports.content import Inputs

    plan_codes = list(plans()["code"]) if len(plans()) else []
    return Inputs(observations=observations(), units=units(), uploads=uploads(), plans=plans(),
                  targets={code: targets(code) for code in plan_codes}, catalog=resources.catalog())


@st.cache_data(show_spinner=False)
def _report_spans(key: tuple) -> list[tuple[int, int]]:
    from reports.content import available_spans

    return available_spans(report_inputs())


def report_spans() -> list[tuple[int, int]]:
    """Five-year spans with data, newest first."""
    return _report_spans(version())


@st.cache_data(show_spinner=False)
def _report_content(key: tuple, start: int, end: int, unit: str, lang: str):
    from reports.content import build_report

    return build_report(report_inputs(), start, end, unit, lang)


def report_content(start: int, end: int, unit: str, lang: str):
    """The report's content (:class:`reports.content.Report`) for one span, unit and language."""
    return _report_content(version(), start, end, unit, lang)
