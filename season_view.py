"""The reporting season on other pages (issue 10): the overview's status line and, on the
upload page, the review state of the clerk's own units with any 退回 comment.

Numbers come from the same roads as the rest of the app: 已报 n/m from
:func:`metrics.rollup.coverage` (the sidebar's "已报 n/m"), states from
:func:`reports.reporting.season` (the 报送情况 page and ``python -m reports reporting``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import app_cache
from metrics import rollup
from ui import period_label, plain, tr


def overview_line(unit: str, quarter: str) -> None:
    """"数据截至 2017年第4季度 · 已报 80/84 · 最近更新 2018-01-09 16:20" under the overview's title."""
    cover = app_cache.coverage(unit)
    row = cover[cover["period"] == quarter]
    n, m = (int(row["n_units"].iloc[0]), int(row["expected"].iloc[0])) if len(row) else (0, 0)
    uploads = app_cache.uploads()
    active = uploads[uploads["status"] == "active"] if len(uploads) else uploads
    updated = pd.Timestamp(active["uploaded_at"].max()).strftime("%Y-%m-%d %H:%M") if len(active) else "—"
    st.caption(tr("reporting.overview_line", quarter=period_label(quarter), n=n, m=m, updated=updated))


def my_units(user: str | None, quarter: str | None) -> None:
    """On the upload page: the state of the units this clerk covers (assigned ones and, for a
    community, its enterprises) for ``quarter``; a 退回 comment as a warning she cannot miss."""
    if not user or not quarter:
        return
    from reports import reporting

    store = app_cache.store()
    assigned = store.user_units(user)
    if assigned.empty:
        return
    season = reporting.season(store, quarter)
    mine = set()
    for code in assigned["unit"]:
        mine |= set(rollup.subtree(season.units, code))
    rows = season.status[season.status["unit"].isin(mine)]
    if rows.empty:
        return
    names = dict(zip(season.units["code"].astype(str), season.units["name_zh"]))
    for r in rows[rows["state"] == "returned"].to_dict("records"):
        st.warning(tr("reporting.returned_note", unit=plain(names.get(r["unit"], r["unit"])),
                      quarter=period_label(quarter), comment=plain(r["comment"])), icon=":material/undo:")
    with st.expander(tr("reporting.my_heading") + f" · {period_label(quarter)}"):
        from ui import dataframe, lang

        table = reporting.status_table(season, lang())
        dataframe(table[season.status["unit"].isin(mine).to_numpy()], hide_index=True, width="stretch")
