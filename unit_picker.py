"""The sidebar's unit picker (``dashboard.py`` draws it; the chosen unit is ``st.session_state["unit"]``).

Up to :data:`ONE_LIST_MAX` units (a sub-district: 84) it is one list, each unit indented under
its parent. With more (a district: 2,000 communities and 20,000 enterprises) it is two steps:
first the federation or a community / joint union (``unit_group``), then the unit itself among
that group and the units below it (``unit``). One list of 22,001 options was formatted and sent
to the browser on every rerun of every page, and built on the first page after start.

Either way the unit can be set from outside (a bookmarked address, the session state): the
group follows the unit; choosing a group chooses the group itself as the unit. A clerk sees only
her units (:func:`app_cache.picker_tree` and :func:`app_cache.unit_labels` are scoped).
"""

from __future__ import annotations

import streamlit as st

import app_cache
from i18n import t

#: Up to this many units (that the user may see) the picker is one list.
ONE_LIST_MAX = 300

_INDENT = "\u3000"  # a full-width space per level, as the one list has always shown


def _group_chosen() -> None:
    """A group was picked: it is the unit now (its own figures: the total of its units)."""
    st.session_state["unit"] = st.session_state["unit_group"]


def show(units, lang: str) -> None:
    """Draw the picker in the sidebar (call inside ``with st.sidebar``); ``units``: the units
    this session's user may see (:func:`app_cache.units`)."""
    if len(units) <= ONE_LIST_MAX:
        codes, labels = app_cache.unit_labels(lang)
        st.selectbox(t("common.unit", lang), codes, key="unit", format_func=lambda c: labels.get(c, c))
        return
    from ui import unit_names

    tree = app_cache.picker_tree()
    names = unit_names(units, lang)
    unit = st.session_state["unit"]
    group = tree.group_of.get(unit, tree.groups[0])
    st.session_state["unit_group"] = group  # the group follows the unit, however it was set
    st.selectbox(t("picker.group", lang), tree.groups, key="unit_group", on_change=_group_chosen,
                 help=t("picker.group_help", lang),
                 format_func=lambda c: _INDENT * tree.depth.get(c, 0) + names.get(c, c))
    members = tree.members.get(group, (group,))
    top = tree.depth.get(group, 0)
    st.selectbox(t("common.unit", lang), members, key="unit", disabled=len(members) == 1,
                 format_func=lambda c: _INDENT * (tree.depth.get(c, 0) - top) + names.get(c, c))
