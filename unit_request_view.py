"""Units an upload names that the org tree lacks (issue 10), on the upload and admin pages.

On the upload page an administrator adds each such unit right there, under the parent it most
likely belongs to (:func:`ingest.units_match.place`; she can change the name and the parent);
a clerk sends a request instead, and sees its outcome at the top of the page. On the units and
users page an administrator confirms or turns down the requests. The checks and writes are
:mod:`ingest.unit_requests`; every write re-checks the session's user first (signin.recheck).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

import app_cache
import auth
import signin
from i18n import t
from ingest import unit_requests
from ingest.units_admin import UnitProblem
from ingest.units_match import fold, looks_like_community
from store.db import RequestDecided, StoreBusy
from ui import dataframe, lang, plain, tr

RECENT_DAYS = 30  # a clerk sees her requests decided in the last month


def _names() -> dict:
    units = app_cache.store().units()
    return dict(zip(units["code"], units["name_zh"]))


def _label(names: dict):
    """A picker's option labels, bound during this run (a format_func that read the language
    later would show stale labels)."""
    fmt = "{name}（{code}）" if lang() == "zh" else "{name} ({code})"
    labels = {c: fmt.format(name=n, code=c) for c, n in names.items()}
    return lambda c: labels.get(c, c)


def _problem(problem: UnitProblem) -> None:
    st.error(plain(t(problem.key, lang(), **problem.values)))


def _is_admin() -> bool:
    return auth.allows(st.session_state.get("role"), "admin")


def notices() -> None:
    """Top of the upload page: a clerk's requests (waiting, confirmed, turned down) and, for an
    administrator, how many requests wait for her; then any notice of the last action."""
    if notice := st.session_state.pop("unitreq_notice", None):
        st.success(notice)
    store = app_cache.store()
    if _is_admin():
        pending = store.unit_requests("pending")
        if len(pending):
            st.info(tr("unitreq.admin_pending", n=len(pending)), icon=":material/domain_add:")
        return
    user = st.session_state.get("user")
    if not user:
        return
    mine = store.unit_requests(requested_by=user)
    if mine.empty:
        return
    just_sent = st.session_state.pop("unitreq_just_sent", None)  # its success notice says it already
    mine = mine[mine["id"] != just_sent]
    since = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=RECENT_DAYS)
    decided = pd.to_datetime(mine["decided_at"], utc=True)
    mine = mine[(mine["status"] == "pending") | (decided >= since)]
    names = _names()
    for r in mine.to_dict("records"):
        values = {"id": r["id"], "name": plain(r["name_zh"]), "parent": plain(names.get(r["parent"], r["parent"])),
                  "file": plain(r["filename"] or "—"), "code": r["unit"], "reason": plain(r["reason"])}
        if r["status"] == "pending":
            st.info(tr("unitreq.mine_pending", **values), icon=":material/hourglass_top:")
        elif r["status"] == "confirmed":
            unit = names.get(r["unit"])
            st.success(tr("unitreq.mine_confirmed", **{**values, "name": plain(unit or r["name_zh"])}))
        else:
            st.warning(tr("unitreq.mine_rejected", **values), icon=":material/block:")


def _why(units: pd.DataFrame, item: dict, uploader_units: list[str]) -> str:
    if item["level"] == "community" and looks_like_community(item["name"]):
        return tr("unitreq.why_name")
    if item["level"] != "enterprise":
        return tr("unitreq.why_none")
    mine = set(uploader_units)
    parent_of = dict(zip(units["code"], units["parent"]))
    if item["parent"] in mine or any(parent_of.get(c) == item["parent"] for c in mine):
        return tr("unitreq.why_uploader")
    return tr("unitreq.why_file")


def unknown_units(prepared) -> None:
    """Under the dry run's errors: each unit the tree lacks, with a form to add it (an
    administrator) or to request it (a clerk). After an addition the dry run runs again."""
    store = app_cache.store()
    units = store.units()
    user = st.session_state.get("user")
    admin = _is_admin()
    mine = [] if admin or not user else list(store.user_units(user)["unit"])
    found = unit_requests.unknown_units(prepared, units, mine)
    if not found:
        return
    names = dict(zip(units["code"], units["name_zh"]))
    label = _label(names)
    st.subheader(tr("unitreq.heading"))
    st.caption(tr("unitreq.intro_admin" if admin else "unitreq.intro_clerk"))
    allowed = unit_requests.admin_parents(units) if admin else unit_requests.clerk_parents(store, user, units)
    if not allowed:
        st.warning(tr("unitreq.no_parent"))
        return
    pending = store.unit_requests("pending")
    waiting = {fold(n): int(i) for n, i in zip(pending["name_zh"], pending["id"])}
    for item in found:
        tag = hashlib.sha1(item["name"].encode("utf-8")).hexdigest()[:10]
        st.markdown(f"**{plain(tr('unitreq.unit_line', where=item['where'], name=item['name']))}**")
        if not admin and fold(item["name"]) in waiting:
            st.info(tr("unitreq.already_pending", name=plain(item["name"]), id=waiting[fold(item["name"])]))
            continue
        suggested = item["parent"] if item["parent"] in allowed else None
        st.caption(tr("unitreq.suggested", parent=plain(names.get(suggested, "—")) if suggested else "—",
                      why=_why(units, item, mine) if suggested else tr("unitreq.why_none")))
        with st.form(f"unitreq_form_{tag}", border=True):
            left, right = st.columns(2)
            name = left.text_input(tr("unitreq.name"), value=item["name"], key=f"unitreq_name_{tag}",
                                   max_chars=unit_requests.NAME_LIMIT)
            parent = right.selectbox(tr("unitreq.parent"), allowed, format_func=label, key=f"unitreq_parent_{tag}",
                                     index=allowed.index(suggested) if suggested else 0,
                                     help=tr("unitreq.parent_help" if admin else "unitreq.parent_help_clerk"))
            clicked = st.form_submit_button(tr("unitreq.add" if admin else "unitreq.request"), type="primary")
        if not clicked:
            continue
        if not signin.recheck("admin" if admin else "clerk"):
            st.stop()
        try:
            if admin:
                code = unit_requests.add_from_upload(store, name, parent, file_name=item["name"],
                                                     filename=prepared.filename, actor=user or "admin")
                message = tr("unitreq.added", name=plain(name.strip()), code=code, parent=plain(names.get(parent, parent)))
            else:
                rid, new = unit_requests.submit(store, name, parent, file_name=item["name"],
                                                filename=prepared.filename, username=user)
                message = tr("unitreq.requested" if new else "unitreq.already_pending", id=rid,
                             name=plain(name.strip()), parent=plain(names.get(parent, parent)))
                st.session_state["unitreq_just_sent"] = rid
        except UnitProblem as problem:
            _problem(problem)
            continue
        except StoreBusy as busy:
            st.error(tr(f"store.busy.{busy.reason}"))
            continue
        st.session_state["unitreq_notice"] = message
        app_cache.clear()
        st.rerun()


def pending_count() -> int:
    return len(app_cache.store().unit_requests("pending"))


def admin_requests(actor: str) -> None:
    """The units and users page: the requests waiting (confirm, possibly with another name
    or parent, or turn down with a reason), then the decided ones."""
    store = app_cache.store()
    units = store.units()
    names = dict(zip(units["code"], units["name_zh"]))
    label = _label(names)
    requests = store.unit_requests()
    pending = requests[requests["status"] == "pending"]
    if pending.empty:
        st.info(tr("unitreq.none_pending"))
    else:
        dataframe(_table(pending, names, ["id", "name_zh", "file_name", "parent", "filename", "requested_by",
                                          "requested_at"]), hide_index=True, width="stretch", key="unitreq_pending")
        ids = [int(i) for i in pending["id"]]
        rows = {int(r["id"]): r for r in pending.to_dict("records")}
        choices = {i: tr("unitreq.choose_label", id=i, name=rows[i]["name_zh"], user=rows[i]["requested_by"])
                   for i in ids}
        choice = st.selectbox(tr("unitreq.choose"), ids, key="unitreq_choice", format_func=choices.get)
        request = rows[choice]
        allowed = unit_requests.admin_parents(units)
        with st.form(f"unitreq_decide_{choice}"):
            left, right = st.columns(2)
            name = left.text_input(tr("unitreq.name"), value=request["name_zh"], key=f"unitreq_decide_name_{choice}",
                                   max_chars=unit_requests.NAME_LIMIT)
            parent = right.selectbox(tr("unitreq.parent"), allowed, format_func=label,
                                     index=allowed.index(request["parent"]) if request["parent"] in allowed else 0,
                                     key=f"unitreq_decide_parent_{choice}", help=tr("unitreq.parent_help"))
            reason = st.text_input(tr("unitreq.reason"), key=f"unitreq_decide_reason_{choice}")
            ok, no = st.columns(2)
            confirm = ok.form_submit_button(tr("unitreq.confirm"), type="primary")
            reject = no.form_submit_button(tr("unitreq.reject"))
        if (confirm or reject) and signin.recheck("admin"):
            try:
                if confirm:
                    code = unit_requests.confirm(store, choice, actor, name=name, parent=parent)
                    message = tr("unitreq.confirmed", id=choice, name=plain(name.strip()), code=code)
                else:
                    unit_requests.reject(store, choice, actor, reason)
                    message = tr("unitreq.rejected", id=choice)
            except UnitProblem as problem:
                _problem(problem)
            except RequestDecided as decided:
                st.warning(tr("unitreq.decided_meanwhile", status=tr(f"unitreq.status.{decided.status}")))
            else:
                st.session_state["admin_notice"] = message
                app_cache.clear()
                st.rerun()
    decided = requests[requests["status"] != "pending"].head(50)
    if len(decided):
        st.markdown(f"**{tr('unitreq.decided_heading')}**")
        dataframe(_table(decided, names, ["id", "name_zh", "parent", "requested_by", "status", "decided_by",
                                          "reason", "unit"]), hide_index=True, width="stretch", key="unitreq_decided")


def _table(frame: pd.DataFrame, names: dict, columns: list[str]) -> pd.DataFrame:
    shown = frame[columns].copy()
    if "parent" in shown:
        shown["parent"] = shown["parent"].map(lambda c: names.get(c, c))
    if "status" in shown:
        shown["status"] = shown["status"].map(lambda s: tr(f"unitreq.status.{s}"))
    if "requested_at" in shown:
        shown["requested_at"] = pd.to_datetime(shown["requested_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
    shown.columns = [tr(f"unitreq.col.{'name' if c == 'name_zh' else c}") for c in columns]
    return shown
