"""Entry point: page config, sign-in, language, the shared sidebar and navigation.

Run with ``streamlit run dashboard.py``. This file owns every cross-page session key
(``lang``, ``unit``, ``quarter``, ``user``, ``role``); pages only read them. ``signin.py``
re-reads the signed-in user on every rerun, so a changed role or a disabled user applies at once.
"""

import logging
import os
import time
from pathlib import Path

import streamlit as st

import app_cache
import auth
import signin
import unit_picker
from i18n import t
from metrics import periods, rollup
from metrics.report_text import markdown_safe
from logsetup import setup_logging
from store.db import StoreBusy

_run_started = time.perf_counter()
setup_logging(stderr=True)  # once per process in effect: it only reconfigures when the settings change
st.set_page_config(page_title="街道总工会五年规划指标看板", page_icon="📊", layout="wide")

st.session_state.setdefault("lang", "zh")
st.session_state.setdefault("user", None)
st.session_state.setdefault("role", None)



def _language_changed() -> None:
    """Streamlit resends a keyed selectbox's value only when the value changes, so after a
    language switch it would keep showing the old language's label: set the selections again."""
    for key in list(st.session_state.keys()):
        value = st.session_state[key]
        if key != "lang" and isinstance(value, str):
            st.session_state[key] = value


with st.sidebar:
    st.radio(t("common.language"), ["zh", "en"], key="lang", horizontal=True, on_change=_language_changed,
             format_func=lambda code: {"zh": "简体中文", "en": "English"}[code])
lang = st.session_state["lang"]

store = app_cache.store()
users = store.users()
if users.empty:
    signin.single_user()
elif not signin.current(store, lang):
    def sign_in() -> None:
        signin.form(store, lang)

    # Only the sign-in form, under every page's address (a bookmarked page asks to sign in, then
    # opens), with no links: the previous user's page links go with them.
    paths = sorted(p.stem for p in (Path(__file__).parent / "app_pages").glob("*.py") if not p.stem.startswith("_"))
    st.navigation([st.Page(sign_in, title=t("common.login.title", lang), default=True, url_path="signin")]
                  + [st.Page(sign_in, title=t("common.login.title", lang), url_path=p) for p in paths],
                  position="hidden").run()
    st.stop()

role = st.session_state["role"]
units = app_cache.units()
observed = app_cache.quarters()
federation = units.loc[units["level"] == "federation", "code"]
st.session_state.setdefault("unit", federation.iloc[0] if len(federation) else (units["code"].iloc[0] if len(units) else ""))
# another user's choice, or set from outside: not hers (isin: no set of 22,001 codes built per rerun)
if not units["code"].isin([st.session_state["unit"]]).any():
    st.session_state["unit"] = federation.iloc[0] if len(federation) else (units["code"].iloc[0] if len(units) else "")
cover = app_cache.coverage(federation.iloc[0]) if len(federation) and observed else None
if observed:
    # Follow the newest complete quarter (one that (nearly) every unit has reported): a session
    # looking at it moves on when a newer one is complete; one looking back stays where it is.
    latest = rollup.default_quarter(cover) or observed[-1]
    latest_before = st.session_state.get("quarter_latest")
    if st.session_state.get("quarter") not in observed or st.session_state.get("quarter") == latest_before:
        st.session_state["quarter"] = latest
    st.session_state["quarter_latest"] = latest
partial = {} if cover is None else {r.period: (r.n_units, r.expected) for r in cover.itertuples() if not r.complete}

with st.sidebar:
    if len(units):  # one list of indented names, or two steps when there are many units
        unit_picker.show(units, lang)
    if observed:
        st.selectbox(t("common.quarter", lang), observed[::-1], key="quarter",
                     format_func=lambda p: periods.label(p, lang) + (
                         t("common.partial_suffix", lang, n=partial[p][0], m=partial[p][1]) if p in partial else ""))
    if users.empty:
        st.caption(t("common.single_user", lang))
    else:
        st.caption(t("common.signed_in_as", lang, name=markdown_safe(st.session_state["user"]), role=t(f"common.role.{role}", lang)))
        if st.button(t("common.sign_out", lang), key="sign_out"):
            signin.sign_out(store, lang)
            st.rerun()
        signin.keep_cookie()

if app_cache.has_example_data():
    st.warning(t("common.example_banner", lang), icon=":material/science:")

pages = [
    st.Page("app_pages/overview.py", title=t("common.nav.overview", lang), icon=":material/dashboard:", default=True),
    st.Page("app_pages/progress.py", title=t("common.nav.progress", lang), icon=":material/flag:"),
    st.Page("app_pages/indicator.py", title=t("common.nav.indicator", lang), icon=":material/query_stats:"),
    st.Page("app_pages/units.py", title=t("common.nav.units", lang), icon=":material/grid_view:"),
    st.Page("app_pages/goals.py", title=t("common.nav.goals", lang), icon=":material/target:"),
    st.Page("app_pages/report.py", title=t("common.nav.report", lang), icon=":material/description:"),
]
if role in ("leader", "admin"):  # clerks see their own units' state on the upload page
    pages.append(st.Page("app_pages/reporting.py", title=t("reporting.nav", lang), icon=":material/fact_check:"))
if auth.allows(role, "clerk"):
    pages += [
        st.Page("app_pages/upload.py", title=t("common.nav.upload", lang), icon=":material/upload_file:"),
        st.Page("app_pages/history.py", title=t("common.nav.history", lang), icon=":material/history:"),
    ]
if auth.allows(role, "admin"):
    pages.append(st.Page("app_pages/data.py", title=t("common.nav.data", lang), icon=":material/database:"))
    pages.append(st.Page("app_pages/admin_units.py", title=t("admin.title", lang), icon=":material/group:"))


def _log_run(page: str, started: float) -> None:
    """One ``page.run`` line per script run, with the page and its seconds from the top of this
    file: at DEBUG, or at INFO when it took ``$UNION_SLOW_PAGE_SECONDS`` (default 2) or more, so
    an operator sees the slow pages without turning on every line (and the load test reads the
    server's own time per step, apart from the browsers')."""
    seconds = time.perf_counter() - started
    try:
        slow = float(os.environ.get("UNION_SLOW_PAGE_SECONDS") or 2)
    except ValueError:
        slow = 2.0
    logging.getLogger("union.app").log(
        logging.INFO if seconds >= slow else logging.DEBUG, "page run",
        extra={"event": "page.run", "page": page or "overview", "seconds": round(seconds, 4),
               "user": st.session_state.get("user")})


current = st.navigation(pages)
try:
    current.run()
except StoreBusy as busy:  # any page: a database locked too long is a message, not a traceback
    logging.getLogger("union.app").warning("database busy", extra={"event": "store.busy", "reason": busy.reason})
    st.error(t(f"store.busy.{busy.reason}", lang))
except app_cache.OutOfScope:  # a unit outside the clerk's scope asked for by any road: nothing shown
    st.error(t("scope.not_yours", lang))
except Exception:  # logged for the operator with its traceback, then shown by Streamlit as before
    logging.getLogger("union.app").exception("page error", extra={"event": "error",
                                                                  "user": st.session_state.get("user")})
    raise
finally:  # also after st.stop() and st.rerun(), which end a run by raising
    _log_run(current.url_path, _run_started)
