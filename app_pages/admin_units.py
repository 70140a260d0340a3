"""单位与用户: the org tree and the sign-in users, managed by an administrator (issue 10).

Units: add under a parent, rename (old name kept for the reader), close from a quarter,
merge into a unit of the same level, reopen (ingest/units_admin.py). Users: add, change role and
units, disable / re-enable, reset the password (store.db.Store). Every write re-checks the
session's user as the database has it now (signin.recheck) and is audited.
"""

import streamlit as st

import app_cache
import auth
import signin
import unit_request_view
from i18n import t
from ingest import units_admin
from store.db import UserExists
from ui import dataframe, lang, plain, tr

st.title(tr("admin.title"))
if not auth.allows(st.session_state.get("role"), "admin"):  # reached by URL without the right
    st.error(tr("signin.refused"))
    st.stop()
if notice := st.session_state.pop("admin_notice", None):
    st.success(notice)

store = app_cache.store()
units = store.units()
names = dict(zip(units["code"], units["name_zh"]))
label = {c: f"{names[c]}（{c}）" for c in units["code"]}
actor = st.session_state.get("user") or "admin"


def done(message: str) -> None:
    st.session_state["admin_notice"] = message
    app_cache.clear()
    st.rerun()


waiting = unit_request_view.pending_count()
if waiting:
    st.info(tr("unitreq.pending_notice", n=waiting), icon=":material/domain_add:")
unit_tab, user_tab, request_tab = st.tabs([tr("admin.units"), tr("admin.users"),
                                           tr("unitreq.tab_count", n=waiting) if waiting else tr("unitreq.tab")])

with unit_tab:
    shown = units[["code", "name_zh", "parent", "level", "active_from", "active_until", "merged_into"]].copy()
    shown["level"] = shown["level"].map(lambda v: tr(f"upload.level.{v}"))
    shown.columns = [tr(f"admin.col.{c}") for c in ("code", "name", "parent", "level", "from", "until", "merged")]
    dataframe(shown, hide_index=True, width="stretch", height=300, key="admin_units_table")

    st.subheader(tr("admin.add_unit"))
    level = st.radio(tr("admin.level"), ["community", "enterprise"], horizontal=True, key="admin_add_level",
                     format_func={v: tr(f"upload.level.{v}") for v in ("community", "enterprise")}.get)
    parents = units.loc[units["level"] == units_admin.PARENT_LEVEL[level], "code"].tolist()
    with st.form("admin_add_unit"):
        name = st.text_input(tr("admin.name"), key="admin_add_name")
        parent = st.selectbox(tr("admin.parent"), parents, format_func=label.get, key="admin_add_parent")
        code = st.text_input(tr("admin.code_optional"), key="admin_add_code")
        start = st.text_input(tr("admin.from_optional"), key="admin_add_from")
        if st.form_submit_button(tr("admin.add_unit")):
            if signin.recheck("admin"):
                try:
                    new = units_admin.add_unit(store, name, parent, level, code=code, active_from=start, actor=actor)
                    done(tr("admin.unit_added", code=new))
                except units_admin.UnitProblem as problem:
                    st.error(plain(t(problem.key, lang(), **problem.values)))

    st.subheader(tr("admin.change_unit"))
    changeable = units.loc[units["level"] != "federation", "code"].tolist()
    with st.form("admin_change_unit"):
        unit = st.selectbox(tr("admin.unit"), changeable, format_func=label.get, key="admin_change_code")
        action = st.radio(tr("admin.action"), ["rename", "close", "merge", "reopen"], horizontal=True,
                          format_func={a: tr(f"admin.do.{a}") for a in ("rename", "close", "merge", "reopen")}.get,
                          key="admin_change_action")
        new_name = st.text_input(tr("admin.new_name"), key="admin_change_name")
        quarter = st.text_input(tr("admin.from_quarter"), key="admin_change_quarter")
        into = st.selectbox(tr("admin.into"), changeable, format_func=label.get, key="admin_change_into")
        if st.form_submit_button(tr("admin.apply")):
            if signin.recheck("admin"):
                try:
                    if action == "rename":
                        units_admin.rename_unit(store, unit, new_name, actor=actor)
                    elif action == "close":
                        units_admin.close_unit(store, unit, quarter, actor=actor)
                    elif action == "merge":
                        units_admin.merge_unit(store, unit, into, quarter, actor=actor)
                    else:
                        units_admin.reopen_unit(store, unit, actor=actor)
                    done(tr("admin.unit_changed", unit=names[unit]))
                except units_admin.UnitProblem as problem:
                    st.error(plain(t(problem.key, lang(), **problem.values)))

with user_tab:
    users = store.users()
    held = store.user_units().groupby("username")["unit"].agg(lambda s: "、".join(names.get(u, u) for u in s))
    table = users.assign(units=[held.get(u, "") for u in users["username"]])
    table["role"] = table["role"].map(lambda r: tr(f"common.role.{r}"))
    table.columns = [tr(f"admin.ucol.{c}") for c in ("username", "display_name", "role", "active", "units")]
    dataframe(table, hide_index=True, width="stretch", key="admin_users_table")
    assignable = units.loc[units["level"] != "federation", "code"].tolist()
    role_label = {r: tr(f"common.role.{r}") for r in auth.ROLES}  # bound now: a later call would miss the language

    st.subheader(tr("admin.add_user"))
    with st.form("admin_add_user"):
        username = st.text_input(tr("admin.username"), key="admin_user_name")
        display = st.text_input(tr("admin.display_name"), key="admin_user_display")
        role = st.selectbox(tr("admin.role"), list(auth.ROLES), format_func=role_label.get,
                            index=1, key="admin_user_role")
        mine = st.multiselect(tr("admin.user_units"), assignable, format_func=label.get, key="admin_user_units")
        password = st.text_input(tr("admin.password"), type="password", key="admin_user_password")
        if st.form_submit_button(tr("admin.add_user")):
            problems = auth.password_problems(password, username.strip(), role)
            if not username.strip():
                st.error(tr("admin.no_username"))
            elif problems:
                st.error("；".join(tr(k, **v) for k, v in problems))
            elif signin.recheck("admin"):
                try:
                    store.add_user(username.strip(), display.strip() or username.strip(), role,
                                   auth.hash_password(password), actor)
                    store.set_user_units(username.strip(), mine, actor)
                    done(tr("admin.user_added", username=username.strip()))
                except UserExists as exc:
                    st.error(tr("admin.user_exists", username=exc.username))

    if len(users):
        st.subheader(tr("admin.change_user"))
        who = st.selectbox(tr("admin.username"), users["username"].tolist(), key="admin_edit_user")
        record = store.user(who) or {}
        current_units = store.user_units(who)["unit"].tolist()
        with st.form("admin_change_user"):
            role = st.selectbox(tr("admin.role"), list(auth.ROLES), index=list(auth.ROLES).index(record.get("role", "clerk")),
                                format_func=role_label.get, key=f"admin_edit_role_{who}")
            mine = st.multiselect(tr("admin.user_units"), assignable, default=[u for u in current_units if u in assignable],
                                  format_func=label.get, key=f"admin_edit_units_{who}")
            active = st.checkbox(tr("admin.active"), value=bool(record.get("active", True)), key=f"admin_edit_active_{who}")
            password = st.text_input(tr("admin.new_password"), type="password", key=f"admin_edit_password_{who}")
            if st.form_submit_button(tr("admin.apply")):
                problems = auth.password_problems(password, who, role) if password else []
                if problems:
                    st.error("；".join(tr(k, **v) for k, v in problems))
                elif who == actor and (role != "admin" or not active):
                    st.error(tr("admin.not_yourself"))
                elif signin.recheck("admin"):
                    store.update_user(who, actor, role=role if role != record.get("role") else None,
                                      active=active if active != record.get("active") else None,
                                      password_hash=auth.hash_password(password) if password else None)
                    if sorted(mine) != sorted(current_units):
                        store.set_user_units(who, mine, actor)
                    if password:
                        store.sign_in_succeeded(auth.lock_key(who))
                    done(tr("admin.user_changed", username=who))

with request_tab:  # clerks' requests for units their files name (unit_request_view)
    unit_request_view.admin_requests(actor)
