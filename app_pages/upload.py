"""数据上报: is this quarter's spreadsheet right, and what exactly would importing it change?

Template download, then upload -> dry-run report (counts, errors, warnings by cell, preview,
old -> new) -> acknowledgement of warnings -> commit. Nothing is stored before the commit.
"""

import streamlit as st

import app_cache
import resources
import season_view
import signin
import unit_request_view
from ingest import importer
from ingest.report import changes_frame, findings_frame, kept_frame, preview_frame
from metrics import periods
from store.db import StoreBusy
from ui import dataframe, lang, period_label, plain, tr

catalog = resources.catalog()


def findings_table(frame) -> None:
    """Errors or warnings as a table whose 说明 wraps in full (a data grid cuts long text at its
    column's edge, losing the how-to-fix part); the location is in its own column only."""
    from tables import safe_frame

    st.table(safe_frame(frame), hide_index=True)

st.title(tr("upload.title"))
st.caption(tr("upload.intro"))
season_view.my_units(st.session_state.get("user"), st.session_state.get("quarter"))
unit_request_view.notices()  # a clerk's requests for new units and their outcome; waiting ones for an admin

observed = app_cache.quarters()
latest = observed[-1] if observed else st.session_state.get("quarter") or "2016Q1"
quarters = periods.span(periods.shift(latest, -12), periods.shift(latest, 4))[::-1]

# option labels bound during this run (a format_func reading the language later shows stale labels)
quarter_labels = {q: period_label(q) for q in quarters}
level_labels = {"": tr("upload.template.all"),
                **{v: tr(f"upload.level.{v}") for v in ("federation", "community", "enterprise")}}
period_labels = {"": tr("upload.period_auto"), **quarter_labels}

with st.expander(tr("upload.template.heading")):
    left, right = st.columns(2)
    if st.session_state.get("upload_tpl_quarter") not in quarter_labels:  # default: the next quarter to report
        st.session_state["upload_tpl_quarter"] = quarters[3]
    tpl_quarter = left.selectbox(tr("upload.template.quarter"), quarters, key="upload_tpl_quarter",
                                 format_func=quarter_labels.get)
    level = right.selectbox(tr("upload.template.level"), list(level_labels), key="upload_tpl_level",
                            format_func=level_labels.get)
    name = f"{tpl_quarter}_template{'_' + level if level else ''}.xlsx"
    st.download_button(tr("upload.template.download", name=name), app_cache.template(tpl_quarter, level or None),
                       file_name=name, key="upload_tpl_download",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

period = st.selectbox(tr("upload.period"), list(period_labels), key="upload_period",
                      format_func=period_labels.get)
own = app_cache.upload_scope()
if own is not None and not own:  # a clerk with no units assigned
    st.warning(tr("scope.no_units"))
    st.stop()
file = st.file_uploader(tr("upload.file"), type=["xlsx", "xls", "csv"], key="upload_file")
done = st.session_state.setdefault("upload_done", {})
if file is None:
    st.info(tr("upload.waiting"))
    st.stop()
raw = file.getvalue()
sha = importer.sha256(raw)
if sha in done and done[sha]["id"] in app_cache.store().active_upload_ids():  # not since withdrawn
    st.success(tr("upload.committed", id=done[sha]["id"], n=done[sha]["n"]))
    st.stop()

prepared = app_cache.dry_run(raw, file.name, period or None)
report = prepared.report
st.subheader(tr("upload.report.heading"))
if not report.readable:
    st.error(tr("upload.unreadable"))
    st.error(plain(report.findings[0].message(lang())))
    st.stop()
for col, key in zip(st.columns(5), ("read", "new", "updated", "unchanged", "ignored")):
    col.metric(tr(f"upload.report.{key}"), report.counts[key])
st.caption(tr("upload.report.counts_line", period=period_label(report.period) if report.period else "—",
              **report.counts))
if report.errors:
    st.markdown(f"**{tr('upload.report.errors', n=len(report.errors))}**")
    findings_table(findings_frame(report.errors, lang()))
if report.warnings:
    st.markdown(f"**{tr('upload.report.warnings', n=len(report.warnings))}**")
    findings_table(findings_frame(report.warnings, lang()))
unit_request_view.unknown_units(prepared)  # add (administrator) or request (clerk) a unit the tree lacks
if not report.findings:
    st.success(tr("upload.report.none"))
if report.changes:
    st.markdown(f"**{tr('upload.report.changes')}**")
    dataframe(changes_frame(report.changes, catalog, lang()), hide_index=True, width="stretch",
                 key="upload_changes")
if report.kept:
    blank = sum(k["reason"] == "blank" for k in report.kept)
    st.info(tr("kept.summary", n=len(report.kept), blank=blank, missing=len(report.kept) - blank),
            icon=":material/info:")
    with st.expander(tr("kept.heading", n=len(report.kept))):
        units = app_cache.units()
        unit_names = dict(zip(units["code"], units["name_zh"] if lang() == "zh" else
                              units["name_en"].where(units["name_en"] != "", units["name_zh"])))
        dataframe(kept_frame(report.kept, catalog, unit_names, lang()), hide_index=True, width="stretch",
                  key="upload_kept")
st.markdown(f"**{tr('upload.report.preview')}**")
dataframe(preview_frame(prepared.values, catalog, lang()), hide_index=True, width="stretch", height=260,
             key="upload_preview")

if report.errors:
    st.error(tr("upload.blocked", n=len(report.errors)))
    st.stop()
ack = True
if report.warnings:
    ack = st.checkbox(tr("upload.ack", n=len(report.warnings)), key="upload_ack")
note = st.text_area(tr("forms.note"), key="upload_note", max_chars=importer.NOTE_LIMIT, help=tr("forms.note_help"))
if st.button(tr("upload.commit"), type="primary", disabled=not ack, key="upload_commit"):
    if not signin.recheck("clerk"):
        st.stop()
    try:
        upload_id = importer.commit(app_cache.store(), prepared, st.session_state["user"], acknowledged=ack,
                                    note=note)
    except importer.ImportRefused as refused:  # e.g. the same file committed meanwhile in another session
        st.error(tr("ingest.duplicate_file", upload=refused.upload_id) if refused.reason == "duplicate"
                 else tr("reporting.locked") if refused.reason == "locked"
                 else tr("scope.refused_commit") if refused.reason == "out_of_scope"
                 else tr("upload.blocked", n=len(report.errors)))
        st.stop()
    except StoreBusy as busy:  # another import held the database too long: nothing stored, try again
        st.error(tr(f"store.busy.{busy.reason}"))
        st.stop()
    done[sha] = {"id": upload_id, "n": len(prepared.values)}
    app_cache.prebuild_after_change(lang())  # the district's Excel, in the background (never fails here)
    st.rerun()
