"""单位对比: at the chosen quarter, which units are on pace with which goals, and which are
behind? A grid of units by goals, each cell the unit's pace status; download as Excel.

The grid is built once per data version, plan, quarter, scope, page and language and shared by
every session (app_cache.units_grid). The page shows at most tables.GRID_PAGE_ROWS (100) units
at a time, with a name filter and a page number, and evaluates only the units of the page it
shows: a coloured grid of 22,001 units × 38 columns (a district) is neither readable on one
screen nor cheap to colour and send on each rerun (about 2.5 ms a row), and evaluating every
unit took 160 s at that size; the sidebar's unit and the "children" scope narrow it to one
community, and the Excel download holds every unit (built in the background when the page opens
on a grid longer than one page, else on its first click)."""

import streamlit as st

import app_cache
import tables
from metrics import goals as goal_frames
from tables import styled_grid
from ui import dataframe, lang, period_label, plain, tr, unit_names

PAGE_ROWS = tables.GRID_PAGE_ROWS

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

codes = app_cache.grid_units(unit, scope)
paged = len(codes) > PAGE_ROWS
if paged:  # a page of the grid at a time, found by name; only that page is evaluated
    left, right = st.columns([3, 1])
    text = left.text_input(tr("unitsgrid.find"), key="units_find").strip()
    if text:
        names = unit_names(units)
        codes = [c for c in codes if text in names.get(c, c)]
    pages = max(1, -(-len(codes) // PAGE_ROWS))
    page = int(right.number_input(tr("unitsgrid.page"), min_value=1, max_value=pages, value=1, step=1,
                                  key="units_page"))
    page = min(page, pages)
    first = (page - 1) * PAGE_ROWS
    total, codes = len(codes), codes[first:first + PAGE_ROWS]
    if codes:
        st.caption(tr("unitsgrid.rows", first=first + 1, last=first + len(codes), total=total, size=PAGE_ROWS))
    else:
        st.info(tr("unitsgrid.none", text=plain(text)))
        st.stop()
    built = app_cache.units_grid(plan, quarter, unit, scope, lang(), codes)
else:
    built = app_cache.units_grid(plan, quarter, unit, scope, lang())
if built is None:
    st.info(tr("progress.no_goals"))
    st.stop()
grid, shown, partial = built
if len(shown):
    dataframe(styled_grid(grid, shown), width="stretch", key="units_grid",
              height=min(40 + 35 * len(shown), 900))
st.caption(tr("units.note"))
if partial:
    st.caption(tr("coverage.units_note"))
st.caption(tr("units.legend"))

title = tr("units.file_title", plan=plan_name, quarter=period_label(quarter))
# built when clicked and then kept; a grid longer than one page (a district: tens of seconds) is
# also started in the background now, so that the click finds it ready
if paged:
    app_cache.prebuild_units_grid_xlsx(plan, quarter, unit, scope, lang(), title)
st.download_button(tr("units.download"), app_cache.units_grid_xlsx(plan, quarter, unit, scope, lang(), title),
                   file_name=f"units-{plan}-{quarter}.xlsx", key="units_download",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
