"""指标详情: how has one indicator moved against its goal, where will it end, which units below
are behind, and where do the figures come from?"""

import streamlit as st

import app_cache
import resources
from charts import indicator_progress_chart, outlook_label, status_label
from metrics import goals as goal_frames
from metrics import periods
from tables import attribute_label, fmt_estimate, sources_table
from ui import chart_notes, dataframe, fmt_number, indicator_name, lang, period_label, plain, tr, unit_name, warn_if_partial

catalog = resources.catalog()
unit, quarter = st.session_state.get("unit"), st.session_state.get("quarter")
units = app_cache.units()
plan = app_cache.current_plan(quarter)

st.title(tr("indicator.title"))
if not quarter or not plan:
    st.info(tr("common.no_data"))
    st.stop()
info = app_cache.plan_info(plan)
ev = app_cache.evaluation(plan, unit, quarter)
goal_codes = list(ev["indicator"])
options = goal_codes + [c for c in catalog.codes if c not in goal_codes]
wanted = st.session_state.get("indicator")
labels = {c: indicator_name(c) for c in options}  # bound now: AppTest formats after the run
code = st.selectbox(tr("indicator.pick"), options, index=options.index(wanted) if wanted in options else 0,
                    format_func=labels.get)
st.session_state["indicator"] = code
ind = catalog[code]
u = ind.unit_label(lang())
st.caption(tr("indicator.caption", unit=plain(unit_name(units, unit)), quarter=period_label(quarter)))
warn_if_partial(unit, quarter)

row = ev[ev["indicator"] == code]
if row.empty:
    st.info(tr("indicator.no_goal"))
    goal = {"indicator": code, "target_type": "level", "base": float("nan"), "target": float("nan")}
else:
    goal = row.iloc[0].to_dict()
    text = app_cache.plan_goals(plan).set_index("indicator").loc[code, "goal_text_zh" if lang() == "zh" else "goal_text_en"]
    st.markdown(tr("indicator.goal", text=plain(text) if text else "—", attribute=attribute_label(goal["attribute"])))
    cols = st.columns(4)
    in_label = lang() == "en" and u != "%"  # "1,640 enterprises" would be cut off in a metric
    mu = "" if in_label else u
    label = (lambda key: tr("indicator.metric.with_unit", label=tr(key), unit=u)) if in_label else tr
    cols[0].metric(label("indicator.metric.current"), fmt_number(goal["current"], mu, approximate=bool(goal["approximate"])))
    cols[1].metric(label("indicator.metric.target"), fmt_number(goal["target"], mu))
    cols[2].metric(tr("indicator.metric.progress"), fmt_number(goal["progress"] * 100, "%"))
    cols[3].metric(label("indicator.metric.projected"), fmt_estimate(goal["projected"], code, with_unit=not in_label))
    st.markdown(tr("indicator.signals", status=status_label(goal["status"], lang()), outlook=outlook_label(goal["outlook"], lang())))

path = goal_frames.goal_path(app_cache.quarterly(unit), goal, catalog, info["start_period"], info["end_period"], quarter)
fig = indicator_progress_chart(path, goal, name=ind.name(lang()), unit=u, plan_end=info["end_period"], lang=lang(),
                               notes=chart_notes(unit))
fig.update_layout(title={"text": tr("indicator.chart_title", indicator=ind.name(lang())), "x": 0})
st.plotly_chart(fig, key="indicator_chart", width="stretch")
basis = ("cumulative" if goal["target_type"] == "cumulative" else
         "annual" if ind.kind == "flow" else "rate" if ind.kind == "rate" else "stock")
st.caption(tr("indicator.chart_note", basis=tr(f"indicator.basis_{basis}"),
              model=tr(f"indicator.model_{goal.get('projection_model') or 'none'}")))

st.subheader(tr("indicator.breakdown"))
below = app_cache.children(unit)  # from a map kept per data version and scope
if not below or row.empty:
    st.info(tr("indicator.no_children") if not below else tr("indicator.no_goal"))
else:
    value = "current" if goal["target_type"] == "direction" else "progress"
    chart, table = app_cache.indicator_breakdown(plan, quarter, unit, code, value, u, lang())  # kept per data version
    st.plotly_chart(chart, key="indicator_units_chart", width="stretch")
    dataframe(table, hide_index=True, width="stretch", key="indicator_units_table")
    st.caption(tr("indicator.breakdown_note"))

st.subheader(tr("indicator.definition"))
st.markdown(ind.definition(lang()) or "—")
if ind.kind == "rate":
    st.markdown(tr("indicator.formula", numerator=indicator_name(ind.numerator), denominator=indicator_name(ind.denominator)))
st.markdown(tr("indicator.kind", kind=tr(f"overview.kind.{ind.kind}"), unit=u, direction=tr(f"indicator.direction_{ind.direction}")))

st.subheader(tr("indicator.sources"))
ids = app_cache.source_uploads(unit, code, periods.previous(info["start_period"]), quarter)
if ids:
    dataframe(sources_table(app_cache.uploads(), ids), hide_index=True, width="stretch", key="indicator_sources")
else:
    st.info(tr("indicator.no_sources"))
