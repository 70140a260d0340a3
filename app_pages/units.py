"""单位对比: at the chosen quarter, which units are on pace with which goals, and which are
behind? A grid of units by goals, each cell the unit's pace status; download as Excel."""

import streamlit as st

import app_cache
from metrics import goals as goal_frames
from tables import grid_cells, partial_units, status_grid_table, status_grid_xlsx, styled_grid
from ui import dataframe, lang, period_label, plain, tr

unit, quarter = st.session_state.get("unit"), st.session_state.get("quarter")
units = app_cache.units()
plan = app_cache.current_plan(quarter)

st.title(tr("units.title"))
if not quarter or not plan:
    st.info(tr("common.no_data"))
    st.stop()
info = app_cache.plan_info(plan)
plan_name = info["name_zh"] if lang() == "zh" else info["name_en"] or info["name_zh"]
st.caption(tr("units.caption", plan=plain(plan_name), quarter=period_label(quarter)))

# every unit by default while the tree is small enough to read at a glance
st.session_state.setdefault("units_scope", "all" if len(units) <= goal_frames.ALL_UNITS_DEFAULT_MAX else "children")
scope = st.radio(tr("units.scope"), ["children", "all"], horizontal=True, key="units_scope",
                 format_func={s: tr(f"units.scope_{s}") for s in ("children", "all")}.get)
codes = [unit, *goal_frames.children(units, unit)] if scope == "children" else list(units["code"])

evaluated = app_cache.unit_evaluations(plan, quarter, codes)
if evaluated.empty:
    st.info(tr("progress.no_goals"))
    st.stop()
grid = grid_cells(goal_frames.status_grid(evaluated), goal_frames.status_grid(evaluated, "outlook"))
partial = partial_units(evaluated)
shown = status_grid_table(grid, units, partial)
dataframe(styled_grid(grid, shown), width="stretch", key="units_grid",
             height=min(40 + 35 * len(shown), 900))
st.caption(tr("units.note"))
if partial:
    st.caption(tr("coverage.units_note"))
st.caption(tr("units.legend"))

title = tr("units.file_title", plan=plan_name, quarter=period_label(quarter))
# built only when clicked: at 20,000 units the workbook takes longer than the grid itself
st.download_button(tr("units.download"), lambda: status_grid_xlsx(grid, shown, title),
                   file_name=f"units-{plan}-{quarter}.xlsx", key="units_download",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
