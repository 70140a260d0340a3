"""五年目标: what did the plan set out to reach, and who changed which target when?
Administrators edit goals and unit quotas, add a plan, and import or export it as .xlsx."""

import streamlit as st

import app_cache
import auth
import resources
import signin
from metrics import periods
from ingest import plans_io
from tables import (edited_rows, editable_goals, plan_table, quota_frame, quota_rows, target_history_table)
from ui import plan_option, data_editor, dataframe, indicator_name, lang, plain, tr

plans = app_cache.plans()
st.title(tr("goals.title"))
if plans.empty:
    st.info(tr("goals.no_plans"))
codes = list(plans["code"])
current = app_cache.current_plan(st.session_state.get("quarter"))
plan_names = dict(zip(codes, plans["name_zh"] if lang() == "zh" else plans["name_en"].where(plans["name_en"] != "", plans["name_zh"])))
plan = st.selectbox(tr("goals.pick_plan"), codes, index=codes.index(current) if current in codes else 0,
                    key="goals_plan", format_func=lambda c, fmt=tr("goals.plan_option"): plan_option(fmt, plan_names.get(c), c)) if codes else None
admin = auth.allows(st.session_state.get("role"), "admin")
actor = st.session_state.get("user") or "admin"
if msg := st.session_state.pop("goals_message", None):
    st.success(msg)

if plan:
    info = app_cache.plan_info(plan)
    st.caption(tr("goals.caption", name=plain(info["name_zh"] if lang() == "zh" else info["name_en"] or info["name_zh"]),
                  start=periods.label(info["start_period"], lang()), end=periods.label(info["end_period"], lang()),
                  base=periods.label(info["base_period"], lang())))
    goals = app_cache.plan_goals(plan)
    st.subheader(tr("goals.main_table"))
    years = periods.count(info["start_period"], info["end_period"]) / 4
    dataframe(plan_table(goals, years), hide_index=True, width="stretch", height="content", key="goals_table")
    if (goals["base_source"] == "data").any():
        st.caption(tr("numbers.from_data_note"))
    if goals["base_incomplete"].any():
        st.warning(tr("coverage.base_incomplete", goals="、".join(indicator_name(c) for c in goals.loc[goals["base_incomplete"], "indicator"])),
                   icon=":material/warning:")
    targets = app_cache.targets(plan)

    if admin:
        with st.expander(tr("goals.edit")):
            st.caption(tr("goals.edit_help"))
            edited = data_editor(editable_goals(targets), hide_index=True, width="stretch", key="goals_editor",
                                    disabled=["indicator"], column_config={
                "indicator": st.column_config.TextColumn(tr("goals.col.indicator")),
                "target_type": st.column_config.SelectboxColumn(tr("goals.col.target_type"), options=["level", "cumulative", "direction"], required=True),
                "base_value": st.column_config.NumberColumn(tr("goals.col.base")),
                "target_value": st.column_config.NumberColumn(tr("goals.col.target")),
                "attribute": st.column_config.SelectboxColumn(tr("goals.col.attribute"), options=["预期性", "约束性"], required=True),
                "goal_direction": st.column_config.SelectboxColumn(tr("goals.col.goal_direction"), options=["", "raise", "keep", "lower"]),
                "goal_text_zh": st.column_config.TextColumn(tr("goals.col.text")),
                "goal_text_en": st.column_config.TextColumn(tr("goals.col.text") + " (EN)")})
            if st.button(tr("goals.save"), key="goals_save") and signin.recheck("admin"):
                n = app_cache.store().set_targets(plan, edited_rows(edited), actor)
                st.session_state["goals_message"] = tr("goals.saved", n=n) if n else tr("goals.nothing_changed")
                st.rerun()
        with st.expander(tr("goals.quotas")):
            st.caption(tr("goals.quotas_help"))
            labels = {c: indicator_name(c) for c in goals["indicator"]}
            code = st.selectbox(tr("goals.quota_indicator"), list(goals["indicator"]), format_func=labels.get, key="goals_quota_indicator")
            units = app_cache.units()
            root = app_cache.root_unit()  # once: each call reads the data version and the unit table
            before = quota_frame(targets, code, units.loc[units["code"] != root, "code"].tolist(), units)
            quota = data_editor(before, hide_index=True, width="stretch", key=f"goals_quota_{code}", disabled=["unit", "name"],
                                   column_config={"unit": tr("goals.quota_unit"), "name": tr("goals.quota_unit"),
                                                  "quota": st.column_config.NumberColumn(tr("goals.quota_col"), min_value=0)})
            if st.button(tr("goals.save"), key="goals_quota_save") and signin.recheck("admin"):
                goal = goals.set_index("indicator").loc[code].to_dict() | {"indicator": code}
                n = app_cache.store().set_targets(plan, quota_rows(quota, before, goal), actor)
                st.session_state["goals_message"] = tr("goals.saved", n=n) if n else tr("goals.nothing_changed")
                st.rerun()

    with st.expander(tr("goals.import_export")):
        st.download_button(tr("goals.export"), plans_io.export_plan(info, targets, resources.catalog()),
                           file_name=f"plan-{plan}.xlsx", key="goals_export",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        if admin:
            upload = st.file_uploader(tr("goals.import_file"), type=["xlsx"], key="goals_import_file")
            if upload is not None and st.button(tr("goals.import_button"), key="goals_import") and signin.recheck("admin"):
                rows, errors = plans_io.read_targets(upload.getvalue(), resources.catalog(), set(app_cache.units()["code"]), lang())
                if errors:
                    st.error(tr("goals.import_errors") + "\n\n" + "\n".join(f"- {plain(e)}" for e in errors))
                else:
                    n = app_cache.store().set_targets(plan, rows, actor)
                    st.session_state["goals_message"] = tr("goals.imported", n=n)
                    st.rerun()

    st.subheader(tr("goals.history"))
    history = app_cache.targets(plan, history=True)
    dataframe(target_history_table(history), hide_index=True, width="stretch", key="goals_history")

if admin:
    with st.expander(tr("goals.add_plan")), st.form("goals_add_plan"):
        new_code = st.text_input(tr("goals.new_code"), key="goals_new_code")
        name_zh, name_en = st.text_input(tr("goals.new_name_zh")), st.text_input(tr("goals.new_name_en"))
        start, end = st.text_input(tr("goals.new_start"), "2021Q1"), st.text_input(tr("goals.new_end"), "2025Q4")
        source = st.selectbox(tr("goals.copy_from"), ["", *codes], index=len(codes), format_func=lambda c, none=tr("goals.copy_none"): c or none)
        if st.form_submit_button(tr("goals.create")) and signin.recheck("admin"):
            problems = plans_io.check_new_plan(new_code, start.strip(), end.strip(), set(codes), lang())
            if problems:
                st.error(tr("goals.bad_plan", reason=plain("；".join(problems))))
            else:
                plans_io.copy_plan(app_cache.store(), source or None, new_code, name_zh or new_code, name_en, start.strip(), end.strip(), actor)
                st.session_state["goals_message"] = tr("goals.created", code=plain(new_code.strip()))
                st.rerun()
