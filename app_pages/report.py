"""工作报告: what do the data say for the congress work report of a five-year span, and where
does each figure come from? Preview the sentences, tables and charts; download Word and Excel.
The same page drafts the annual summary of a year and the mid-term review of a plan
(report kind 年度总结 / 中期评估)."""

import streamlit as st

import app_cache
import resources
from metrics.wording import span_label
from reports import preview
from reports.build import area_figures, build
from reports.charts import REPORT_ENGINE
from ui import dataframe, lang, tr, unit_name


def office_page(kind: str, units) -> None:
    """The annual summary (a year) or the mid-term review (a plan and quarter): choices, the
    Word download, and a preview of the same content."""
    from metrics import periods
    from metrics.wording import quarter_label
    from reports.midterm import resolve

    inputs = app_cache.report_inputs()
    quarters = inputs.quarters()
    if not quarters:
        st.info(tr("report.no_data"))
        return
    left, right = st.columns(2)
    year = plan = as_of = None
    if kind == "annual":
        years = sorted({periods.year_of(q) for q in quarters}, reverse=True)
        year = left.selectbox(tr("annual.page.year"), years, key="report_year")
    else:
        if inputs.plans.empty:
            st.info(tr("annual.page.no_plan"))
            return
        default_plan, default_q = resolve(inputs)
        codes = list(inputs.plans["code"])
        plan = left.selectbox(tr("annual.page.plan"), codes, index=codes.index(default_plan), key="report_plan")
        row = inputs.plans[inputs.plans["code"] == plan].iloc[0]
        in_plan = [q for q in quarters if periods.index(row["start_period"]) <= periods.index(q) <= periods.index(row["end_period"])][::-1]
        if not in_plan:
            st.info(tr("annual.page.no_plan_data"))
            return
        as_of = left.selectbox(tr("annual.page.as_of"), in_plan, index=in_plan.index(default_q) if default_q in in_plan else 0,
                               key="report_as_of", format_func={q: quarter_label(q, lang()) for q in in_plan}.get)
    codes = units["code"].tolist()
    default = codes.index(st.session_state["unit"]) if st.session_state.get("unit") in codes else 0
    unit = right.selectbox(tr("report.unit"), codes, index=default, key="report_office_unit",
                           format_func={c: unit_name(units, c) for c in codes}.get)
    try:
        doc, docx = app_cache.office_report(kind, year=year, plan=plan, as_of=as_of, unit=unit, lang=lang())
    except ValueError as exc:
        st.info(preview.markdown_safe(str(exc)))
        return
    names = {"year": year or "", "plan": plan or "", "unit": unit}
    st.download_button(tr("annual.page.download"), docx, file_name=tr(f"annual.page.file_{kind}", **names),
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       key="report_office_download", icon=":material/download:", type="primary")
    st.divider()
    st.header(preview.markdown_safe(doc.title))
    st.caption(preview.markdown_safe(doc.subtitle))
    for block in doc.blocks:
        st.subheader(preview.markdown_safe(block.heading))
        for text in block.paragraphs:
            st.markdown(preview.markdown_safe(text))
        if block.table is not None:
            st.caption(preview.markdown_safe(block.table.caption))
            # figures as numbers that sort; a Word cell's line break as a space
            dataframe(preview.office_table(block.table.header, block.table.rows, lang()), hide_index=True, width="stretch")
    st.subheader(tr("report.doc.note"))
    for note in doc.notes:
        st.caption(preview.markdown_safe(note))

spans = app_cache.report_spans()
units = app_cache.units()
st.title(tr("report.title"))
st.caption(tr("report.intro"))
kinds = {k: tr(f"annual.page.kind_{k}") for k in ("congress", "annual", "midterm")}  # bound now: AppTest formats after the run
kind = st.radio(tr("annual.page.kind"), list(kinds), horizontal=True, key="report_kind", format_func=kinds.get)
if kind != "congress":
    office_page(kind, units)
    st.stop()
if not spans:
    st.info(tr("report.no_data"))
    st.stop()

left, right = st.columns(2)
span = left.selectbox(tr("report.span"), spans, key="report_span", format_func={s: span_label(*s, lang()) for s in spans}.get)
codes = app_cache.report_units(units["code"].tolist())  # a clerk: her own units
if not codes:
    st.info(tr("scope.no_report"))
    st.stop()
default = codes.index(st.session_state["unit"]) if st.session_state.get("unit") in codes else 0
unit = right.selectbox(tr("report.unit"), codes, index=default, key="report_unit",
                       format_func={c: unit_name(units, c) for c in codes}.get)

report = app_cache.report_content(span[0], span[1], unit, lang())
key = (app_cache.version(), span, unit, lang())

if st.button(tr("report.build"), key="report_build", type="primary", icon=":material/description:"):
    with st.status(tr("report.building"), expanded=True) as status:
        try:
            built = build(app_cache.report_inputs(), span[0], span[1], unit, lang(), chart_engine=REPORT_ENGINE,
                          report=report,
                          on_step=lambda step: status.write(tr(f"report.step.{step}")),
                          on_chart=lambda done, total: status.update(label=tr("office.chart.progress", done=done, total=total)))
        except Exception as exc:  # noqa: BLE001 - the page says what failed instead of a traceback
            status.update(label=tr("office.report.failed", reason=f"{type(exc).__name__}: {exc}"), state="error")
            built = None
        if built is not None:
            st.session_state["report_files"] = (key, built.docx, built.xlsx, built.messages)
            status.update(label=tr("report.built"), state="complete", expanded=False)
files = st.session_state.get("report_files")
if files and files[0] == key and files[3]:
    st.warning("\n".join([tr("office.report.warnings")] + [f"- {preview.markdown_safe(m)}" for m in files[3]]), icon=":material/warning:")
if files and files[0] == key:
    names = {"span": f"{span[0]}-{span[1]}", "unit": unit}
    a, b = st.columns(2)
    a.download_button(tr("report.download_docx"), files[1], file_name=tr("report.file.docx", **names),
                      mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      key="report_download_docx", icon=":material/download:")
    b.download_button(tr("report.download_xlsx"), files[2], file_name=tr("report.file.xlsx", **names),
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      key="report_download_xlsx", icon=":material/table:")

st.divider()
st.header(preview.markdown_safe(report.title))
st.caption(preview.markdown_safe(report.subtitle))
st.subheader(preview.markdown_safe(report.review_heading))
figures = area_figures(report, resources.catalog())
for i, (section, figure) in enumerate(zip(report.sections, figures)):
    st.markdown(f"**{preview.markdown_safe(section.title)}**")
    if not section.sentences:
        st.caption(tr("report.no_data"))
        continue
    st.markdown(preview.markdown_safe(("" if lang() == "zh" else " ").join(s.text for s in section.sentences)))
    with st.expander(tr("report.trace", area=preview.markdown_safe(section.title)), icon=":material/fact_check:"):
        st.caption(tr("report.trace_caption"))
        dataframe(preview.trace_table(report, i), hide_index=True, width="stretch")
    if figure is not None:
        st.plotly_chart(figure, key=f"report_chart_{section.code}", width="stretch")

st.subheader(tr("report.doc.main_table"))
if report.main_note:
    st.caption(preview.markdown_safe(report.main_note))
st.caption(preview.markdown_safe(report.main_caption))
dataframe(preview.main_table(report), hide_index=True, width="stretch")

st.subheader(tr("report.doc.next_plan"))
if report.next_plan is None:
    st.caption(tr("report.no_next_plan"))
else:
    for sentence in report.next_sentences:
        st.markdown(preview.markdown_safe(sentence))
    st.caption(preview.markdown_safe(report.next_caption))
    dataframe(preview.next_table(report), hide_index=True, width="stretch")

st.subheader(tr("report.doc.note"))
for note in report.notes:
    st.caption(preview.markdown_safe(note))
