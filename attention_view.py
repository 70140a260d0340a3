"""The 需关注 block that opens the overview: goals below pace (binding first, by gap to the
required pace), each with why, its lagging units and its change since last quarter; and the
meeting brief's download button (built on click). One call: :func:`show`."""

from __future__ import annotations

import streamlit as st

import app_cache
from reports import brief as brief_mod
from ui import lang, tr
from ui import plain as markdown_safe


def show(unit: str | None, quarter: str | None) -> None:
    """Draw the block (nothing when no plan covers ``quarter``)."""
    plan = app_cache.current_plan(quarter) if quarter else None
    if not plan or not unit:
        return
    brief = app_cache.attention_brief(plan, unit, quarter, lang())  # cached per data version and scope
    with st.container(border=True, key="attention_block"):
        st.subheader(tr("attention.title"))
        st.markdown(markdown_safe(brief.attention_summary()))
        for i in range(len(brief.attention)):
            head, detail = brief.goal_line(i)
            colour = "red" if brief.attention.iloc[i]["binding"] else "orange"
            st.markdown(f":{colour}[**{markdown_safe(head)}**]" + (f"  \n{markdown_safe(detail)}" if detail else ""))
        extra = brief.also_slipped_line()
        if extra:
            st.markdown(markdown_safe(extra))
        st.markdown(f":gray[{markdown_safe(tr('attention.reason_note'))}]")
        name = f"{tr('brief.file')}-{quarter}"
        left, right = st.columns(2)
        left.download_button(tr("brief.button"), data=lambda: brief_mod.brief_pdf(brief), file_name=f"{name}.pdf",
                             mime="application/pdf", key="brief_pdf", on_click="ignore", icon=":material/picture_as_pdf:")
        right.download_button(tr("brief.button_docx"), data=lambda: brief_mod.brief_docx(brief),
                              file_name=f"{name}.docx", key="brief_docx", on_click="ignore",
                              mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
