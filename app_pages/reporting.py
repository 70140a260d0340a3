"""报送情况: which units have reported this quarter, which are late or returned, who must be
reminded, and (administrators) review: approve, return, unlock, set the deadline."""

import streamlit as st

import app_cache
import auth
import signin
from metrics import rollup
from reports import reporting
from ui import dataframe, lang, period_label, plain, tr

quarter = st.session_state.get("quarter")
st.title(tr("reporting.title"))
if not quarter:
    st.info(tr("reporting.no_data"))
    st.stop()
store = app_cache.store()
season = reporting.season(store, quarter)
st.caption(tr("reporting.caption", quarter=period_label(quarter), deadline=season.deadline.isoformat()))

root = rollup.root_unit(season.units)
head = reporting.to_dict(season)
a, b, c = st.columns(3)
a.metric(tr("reporting.col.ACTUAL_REPORTS"), f"{head['ACTUAL_REPORTS'] or 0}/{head['EXPECTED_REPORTS'] or 0}")
b.metric(tr("reporting.col.REPORTING_RATE"), reporting._pct(head["REPORTING_RATE"]))
c.metric(tr("reporting.col.REPORTING_RATE_ON_TIME"), reporting._pct(head["REPORTING_RATE_ON_TIME"]))

st.subheader(tr("reporting.rates_heading"))
dataframe(reporting.rates_table(season.rates, season.units, lang()), hide_index=True, width="stretch")
st.subheader(tr("reporting.history_heading"))
dataframe(reporting.rates_table(season.history[season.history["unit"] == root], season.units, lang(), by="period"),
          hide_index=True, width="stretch")

st.subheader(tr("reporting.units_heading"))
dataframe(reporting.status_table(season, lang()), hide_index=True, width="stretch")

st.subheader(tr("reporting.chase.heading", n=len(season.chase)))
left, right = st.columns(2)
left.download_button(tr("reporting.download_xlsx"), reporting.chase_xlsx(season, lang()),
                     file_name=tr("reporting.file.chase_xlsx", quarter=quarter), key="reporting_chase_xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(tr("reporting.download_docx"), reporting.chase_docx(season, lang()),
                      file_name=tr("reporting.file.chase_docx", quarter=quarter), key="reporting_chase_docx",
                      mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

if not auth.allows(st.session_state.get("role"), "admin"):
    st.stop()

st.subheader(tr("reporting.review_heading"))
with st.form("reporting_deadline"):
    due = st.date_input(tr("reporting.deadline_label"), value=season.deadline, key="reporting_due")
    if st.form_submit_button(tr("reporting.deadline_save")) and signin.recheck("admin"):
        store.set_deadline(quarter, due, st.session_state.get("user") or "admin")
        st.success(tr("reporting.deadline_saved"))
        st.rerun()

names = dict(zip(season.units["code"].astype(str), season.units["name_zh"]))
codes = season.status["unit"].tolist()
communities = season.units.loc[season.units["level"] == "community", "code"].tolist()
picked = st.multiselect(tr("reporting.review_units"), codes, key="reporting_pick",
                        format_func=lambda u: plain(f"{u} {names.get(u, '')}"))
comment = st.text_input(tr("reporting.review_comment"), key="reporting_comment")
community = st.selectbox(tr("reporting.community"), communities, key="reporting_community",
                         format_func=lambda u: plain(names.get(u, u)))
cols = st.columns(5)
actions = {
    "approve": (cols[0].button(tr("reporting.approve"), key="reporting_approve", type="primary"), picked),
    "return": (cols[1].button(tr("reporting.return_"), key="reporting_return"), picked),
    "unlock": (cols[2].button(tr("reporting.unlock"), key="reporting_unlock"), picked),
    "approve_community": (cols[3].button(tr("reporting.approve_community"), key="reporting_approve_community"),
                          reporting.reported_under(season, community)),
    "approve_all": (cols[4].button(tr("reporting.approve_all"), key="reporting_approve_all"),
                    reporting.reported_under(season, root)),
}
for name, (pressed, units) in actions.items():
    if not pressed:
        continue
    action = "approve" if name.startswith("approve") else name
    if action in ("return", "unlock") and not comment.strip():
        st.error(tr("reporting.need_reason"))
        st.stop()
    if not signin.recheck("admin"):
        st.stop()
    n = store.review(units, quarter, action, st.session_state.get("user") or "admin", comment=comment)
    st.session_state["reporting_done"] = n
    st.rerun()
if "reporting_done" in st.session_state:
    st.success(tr("reporting.done", n=st.session_state.pop("reporting_done")))
