"""指标总览: for the chosen unit and quarter, what does every indicator read, and how did it move?"""

import streamlit as st

import app_cache
import attention_view
import resources
import season_view
from charts import trend_chart
from metrics import rollup
from tables import snapshot_table
from ui import chart_notes, dataframe, indicator_name, lang, period_label, plain, tr, unit_name, warn_if_partial

catalog = resources.catalog()
unit, quarter = st.session_state.get("unit"), st.session_state.get("quarter")

st.title(tr("overview.title"))
if not quarter:
    st.info(tr("common.no_data"))
    st.stop()
st.caption(tr("overview.caption", unit=plain(unit_name(app_cache.units(), unit)), quarter=period_label(quarter)))
season_view.overview_line(unit, quarter)  # 数据截至 … · 已报 n/m · 最近更新 …
attention_view.show(unit, quarter)  # 需关注 first: goals below pace, their lagging units, the meeting brief
warn_if_partial(unit, quarter)

quarters = app_cache.quarterly(unit)
snap = rollup.snapshot(quarters, catalog, quarter)

tabs = st.tabs([c.name(lang()) for c in catalog.categories])
for tab, category in zip(tabs, catalog.categories):
    with tab:
        dataframe(snapshot_table(snap, category.code), hide_index=True, width="stretch",  # the name stays in view
                  column_config={tr("overview.col.indicator"): st.column_config.Column(pinned=True)})
st.caption(tr("numbers.rate_change_note"))
if snap["approximate"].any():
    st.caption(tr("numbers.approx_note"))

st.subheader(tr("overview.trend"))
# format in this run's language (AppTest calls format_func outside the run, where it is unknown)
names = {c: indicator_name(c) for c in catalog.codes}
# in the tabs' order, so the chart opens on an indicator of the first (open) tab
options = [i.code for category in catalog.categories for i in catalog.in_category(category.code)]
code = st.selectbox(tr("overview.pick_indicator"), options, key="overview_indicator",
                    format_func=lambda c: names.get(c, c))
ind = catalog[code]
series = rollup.series(quarters, code)
if series.empty:
    st.info(tr("common.no_data"))
else:
    notes = chart_notes(unit)
    fig = trend_chart(series, name=ind.name(lang()), unit=ind.unit_label(lang()),
                      title=tr("overview.trend_title", indicator=ind.name(lang())), lang=lang(), notes=notes)
    st.plotly_chart(fig, key="overview_trend", width="stretch")
    if any(p in notes for p in series.index):
        st.caption(tr("coverage.chart_legend"))
