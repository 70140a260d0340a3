"""上报记录: who uploaded what, when, and does it still count? Administrators withdraw an
upload (its figures stop counting, the previous ones come back) and undo a withdrawal."""

import streamlit as st

import app_cache
import auth
import signin
from store.db import SameFileActive, StoreBusy
from ui import dataframe, lang, period_label, plain, tr, uploader_label

st.title(tr("history.title"))
st.caption(tr("history.intro"))

uploads = app_cache.uploads()
if uploads.empty:
    st.info(tr("history.empty"))
    st.stop()

status = {s: tr(f"history.status.{s}") for s in ("active", "withdrawn")}
periods_shown = uploads["period"].map(lambda p: period_label(p) if p else "—")
table = {
    tr("history.col.id"): uploads["id"],
    tr("history.col.file"): uploads["filename"],
    tr("history.col.period"): periods_shown,
    tr("history.col.uploader"): uploads["uploader"].map(uploader_label),
    tr("history.col.at"): uploads["uploaded_at"],
    tr("history.col.values"): uploads["n_values"],
    tr("history.col.status"): uploads["status"].map(status),
    tr("history.col.sha256"): uploads["sha256"].str[:12],
}
dataframe(table, hide_index=True, width="stretch", key="history_table")

if not auth.allows(st.session_state.get("role"), "admin"):
    st.caption(tr("history.admin_only"))
    st.stop()

labels = {int(r.id): tr("history.option", id=int(r.id), file=r.filename, period=p, status=status[r.status])
          for r, p in zip(uploads.itertuples(), periods_shown)}
chosen = st.selectbox(tr("history.choose"), list(labels), format_func=labels.get, key="history_choice")
row = uploads[uploads["id"] == chosen].iloc[0]
reason = st.text_input(tr("history.reason"), key="history_reason")
store = app_cache.store()
action = None
if row["status"] == "active":
    if st.button(tr("history.withdraw"), type="primary", key="history_withdraw"):
        if not signin.recheck("admin"):
            st.stop()
        st.session_state["history_confirm"] = int(chosen)  # one more click, naming what goes
    if st.session_state.get("history_confirm") == int(chosen):
        st.warning(tr("forms.withdraw_confirm", id=int(chosen), file=plain(row["filename"]),
                      period=period_label(row["period"]) if row["period"] else "—",
                      uploader=plain(uploader_label(row["uploader"]))), icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button(tr("forms.withdraw_yes"), type="primary", key="history_withdraw_confirm"):
            action, done = store.withdraw, "history.withdrawn"
        if no.button(tr("forms.withdraw_no"), key="history_withdraw_cancel"):
            st.session_state.pop("history_confirm", None)
            st.rerun()
elif st.button(tr("history.restore"), type="primary", key="history_restore"):
    action, done = store.restore, "history.restored"
if action is not None:
    if not signin.recheck("admin"):  # the role as the database says now, right before the write
        st.stop()
    try:
        action([chosen], st.session_state["user"], reason)
    except SameFileActive as same:  # the same bytes were imported again after the withdrawal
        st.error(tr("store.restore.same_file", id=same.restoring, active=same.upload_id))
    except StoreBusy as busy:  # an import is writing: nothing changed, try again
        st.error(tr(f"store.busy.{busy.reason}"))
    else:
        st.session_state.pop("history_confirm", None)
        st.session_state["history_message"] = tr(done, id=chosen)
        app_cache.prebuild_after_change(lang())  # the district's Excel, in the background (never fails here)
        st.rerun()
if st.session_state.get("history_message"):
    st.success(st.session_state.pop("history_message"))
st.download_button(tr("history.download"), store.upload_raw(chosen), file_name=row["filename"],
                   key="history_download")
