"""进度总览: where does each five-year goal stand at the chosen quarter, is it on pace, will it
be met, and which goals need attention first?"""

import streamlit as st

import app_cache
import resources
from charts import OUTLOOK_COLOURS, STATUS_COLOURS
from metrics import goals as goal_frames
from tables import count_labels, goals_of_category, progress_table
from ui import dataframe, fmt_number, indicator_name, lang, period_label, plain, tr, unit_name, warn_if_partial

catalog = resources.catalog()
unit, quarter = st.session_state.get("unit"), st.session_state.get("quarter")
plan = app_cache.current_plan(quarter)

st.title(tr("progress.title"))
if not quarter or not plan:
    st.info(tr("progress.no_plan") if quarter else tr("common.no_data"))
    st.stop()
info = app_cache.plan_info(plan)
st.caption(tr("progress.caption", plan=plain(info["name_zh"] if lang() == "zh" else info["name_en"] or info["name_zh"]),
              unit=plain(unit_name(app_cache.units(), unit)), quarter=period_label(quarter)))

warn_if_partial(unit, quarter)
ev = app_cache.evaluation(plan, unit, quarter)
if ev.empty:
    st.info(tr("progress.no_goals"))
    st.stop()
first = ev.iloc[0]
if bool(first["held"]):
    st.info(tr("coverage.held", judged=period_label(first["judged_at"]), quarter=period_label(quarter),
               n=int(first["reported"]), m=int(first["expected"])), icon=":material/history:")
elif bool(first["incomplete"]):
    st.caption(tr("coverage.incomplete_judged", quarter=period_label(quarter), n=int(first["reported"]),
                  m=int(first["expected"])))
if ev["base_incomplete"].any():
    st.warning(tr("coverage.base_incomplete", goals="、".join(indicator_name(c) for c in ev.loc[ev["base_incomplete"], "indicator"])),
               icon=":material/warning:")
head = goal_frames.overall(ev)
st.subheader(tr("progress.header", elapsed=fmt_number(head["elapsed"] * 100, "%"),
                progress=fmt_number(head["progress"] * 100, "%"), n=head["goals"]))
st.caption(tr("progress.header_note", period=period_label(head["period"]) if head["period"] else "—"))

for kind, column, order in (("status", "status", list(STATUS_COLOURS)), ("outlook", "outlook", list(OUTLOOK_COLOURS))):
    st.markdown(f"**{tr(f'progress.counts.{kind}')}**")
    labelled = count_labels(goal_frames.counts(ev, column, order), kind)
    row = st.container(horizontal=True, gap="medium")  # one compact row that wraps on a phone, not a stack
    for label, n, _colour in labelled:
        row.metric(label, n, width="content")

quarters = app_cache.quarterly(unit)
progress_col, elapsed_col, trend_col = (tr("progress.col.progress"), tr("progress.col.elapsed"),
                                        tr("progress.col.trend"))
column_config = {
    tr("progress.col.indicator"): st.column_config.Column(pinned=True),  # stays in view when the table scrolls
    progress_col: st.column_config.ProgressColumn(progress_col, min_value=0.0, max_value=100.0, format="%.1f%%", width=110),
    elapsed_col: st.column_config.NumberColumn(elapsed_col, format="%.1f%%", width=84),  # a number: it sorts
    trend_col: st.column_config.LineChartColumn(trend_col, width=110),
}
codes_shown = []
for category in catalog.categories:
    rows = goals_of_category(ev, category.code)
    if rows.empty:
        continue
    st.subheader(category.name(lang()))
    names = [indicator_name(c) for c in rows["indicator"]]
    st.plotly_chart(app_cache.progress_board(plan, unit, quarter, category.code, names, lang()), key=f"progress_board_{category.code}",
                    width="stretch", config={"displayModeBar": False})
    table = progress_table(rows, quarters, info["start_period"], quarter)
    picked = dataframe(table, hide_index=True, width="stretch", column_config=column_config,
                          on_select="rerun", selection_mode="single-row", key=f"progress_table_{category.code}")
    if picked and picked.selection.rows:
        st.session_state["indicator"] = rows["indicator"].iloc[picked.selection.rows[0]]
        st.switch_page("app_pages/indicator.py")
    codes_shown += list(rows["indicator"])

if ev["approximate"].any():
    st.caption(tr("numbers.approx_note"))
if ev["base_incomplete"].any() or (ev["carried_units"] > 0).any():
    st.caption(tr("coverage.table_legend"))
st.caption(tr("progress.legend"))

st.divider()
left, right = st.columns([3, 1], vertical_alignment="bottom")
labels = {c: indicator_name(c) for c in codes_shown}  # bound now: AppTest formats after the run
code = left.selectbox(tr("progress.open_label"), codes_shown, format_func=labels.get, key="progress_open")
if right.button(tr("progress.open_button"), key="progress_open_button"):
    st.session_state["indicator"] = code
    st.switch_page("app_pages/indicator.py")
