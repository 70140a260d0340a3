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
@st.cache_data(show_spinner=False, max_entries=8)
def _dry_run(key: tuple, raw: bytes, filename: str, period: str | None):
    from ingest import importer

    return importer.prepare(store(), raw, filename, period=period, catalog=resources.catalog())


def dry_run(raw: bytes, filename: str, period: str | None):
    """The import report and values of an uploaded file (nothing stored); cached per file."""
    return _dry_run(version(), raw, filename, period)


@st.cache_data(show_spinner=False, max_entries=16)
def _template(key: tuple, period: str, level: str | None) -> bytes:
    from ingest import example, template

    frame = units()
    fed = frame.loc[frame["level"] == "federation", "name_zh"]
    name = fed.iloc[0] if len(fed) else resources.FEDERATION_NAME
    return template.write_template(resources.catalog(), example.reporting_units(frame), period, name, level=level)


def template(period: str, level: str | None = None) -> bytes:
    """The .xlsx template for ``period`` with the units of ``level`` (all when None)."""
    return _template(version(), period, level)


#


#


# ---- progress against the five-year goals --------------------------------------------------
# (cached loaders for the progress, indicator, units and goals pages go here)


#


#


# ---- congress work report -------------------------------------------------------------------
# (cached loaders for the report page go here)
