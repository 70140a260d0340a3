"""数据管理: is example data loaded, and what has everyone changed? (administrators)"""

import streamlit as st

import pandas as pd

import app_cache
import signin
from audit_text import audit_frame, export_csv, export_xlsx, filter_log
from ui import dataframe, lang, tr, uploader_label

st.title(tr("data.title"))

st.subheader(tr("data.example.heading"))
if app_cache.has_example_data():
    st.write(tr("data.example.loaded"))
    confirm = st.checkbox(tr("data.example.confirm"), key="data_confirm_remove")
    if st.button(tr("data.example.remove"), disabled=not confirm, type="primary", key="data_remove_example"):
        if not signin.recheck("admin"):
            st.stop()
        n = app_cache.store().remove_example_data(st.session_state["user"])
        st.success(tr("data.example.removed", n=n))
        st.rerun()
else:
    st.write(tr("data.example.none"))

st.subheader(tr("data.audit.heading"))
log = app_cache.store().audit_log(limit=5000)
if log.empty:
    st.info(tr("common.no_data"))
else:
    who, what, when = st.columns(3)
    actor_labels = {a: uploader_label(a) for a in sorted(log["actor"].astype(str).unique())}
    actors = who.multiselect(tr("forms.audit_filter_actor"), list(actor_labels), format_func=actor_labels.get,
                             key="data_audit_actor")
    action_labels = {a: audit_frame(log[log["action"] == a].head(1), lang()).iloc[0, 2]
                     for a in sorted(log["action"].unique())}
    actions = what.multiselect(tr("forms.audit_filter_action"), list(action_labels), format_func=action_labels.get,
                               key="data_audit_action")
    days = pd.to_datetime(log["at"].astype(str).str.slice(0, 10), errors="coerce").dt.date.dropna()
    span = when.date_input(tr("forms.audit_filter_days"), value=(days.min(), days.max()) if len(days) else (),
                           key="data_audit_days")
    start, end = (tuple(span) + (None, None))[:2] if isinstance(span, (tuple, list)) else (span, span)
    shown = audit_frame(filter_log(log, actors, actions, start, end), lang())
    st.caption(tr("forms.audit_shown", n=len(shown), total=len(log)))
    dataframe(shown, hide_index=True, width="stretch", key="data_audit")
    csv_col, xlsx_col = st.columns(2)
    csv_col.download_button(tr("forms.audit_csv"), export_csv(shown), file_name="audit-log.csv", mime="text/csv",
                            key="data_audit_csv")
    xlsx_col.download_button(tr("forms.audit_xlsx"), export_xlsx(shown), file_name="audit-log.xlsx",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             key="data_audit_xlsx")
