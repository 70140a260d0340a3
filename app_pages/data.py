"""数据管理: is example data loaded, and what has everyone changed? (administrators)"""

import streamlit as st

import app_cache
import signin
from tables import audit_table
from ui import dataframe, tr

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
log = app_cache.store().audit_log(limit=200)
if log.empty:
    st.info(tr("common.no_data"))
else:
    dataframe(audit_table(log), hide_index=True, width="stretch")
