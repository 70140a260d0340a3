"""The signed-in session (Streamlit side of ``auth.py``): who is this session, may they still
do this, and the cookie that keeps them signed in across a reload and a new tab.

* Every rerun re-reads the user's row (one small query): a disabled or removed user, or one
  whose sessions were ended (``session_epoch`` went up: sign-out, new password, disabling), is
  signed out at once with a message; a changed role applies at once.
* :func:`recheck` reads the row again right before a write, so a button on a page drawn under
  an older role cannot act with it.
* The cookie ``union_session`` holds a token signed with itsdangerous (HMAC-SHA1 over the user
  name, their session epoch and the sign-in time). It expires after :data:`IDLE` without a
  click (the token is re-signed while the user works) and :data:`MAX_AGE` after signing in.
  Streamlit cannot set an HttpOnly cookie, so a small script sets it (SameSite=Strict, Secure
  over HTTPS). The signing key is ``$UNION_SECRET_KEY``, else ``var/secret_key`` (made on first
  use, readable by its owner only); several replicas must share one key.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import itsdangerous
import streamlit as st

import app_cache
import auth
from i18n import t

COOKIE = "union_session"
IDLE = int(os.environ.get("UNION_SESSION_IDLE_MINUTES") or 30) * 60  # seconds without a click
MAX_AGE = 12 * 3600  # seconds after signing in, however active
RESIGN_AFTER = 60  # seconds: re-sign the token (and rewrite the cookie) at most this often
SECRET_FILE = Path(__file__).resolve().parent / "var" / "secret_key"


def secret_key() -> str:
    """``$UNION_SECRET_KEY``, else the key in ``var/secret_key`` (created 0600 if missing)."""
    if key := os.environ.get("UNION_SECRET_KEY"):
        return key
    try:
        return SECRET_FILE.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return SECRET_FILE.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key)
        return key


def _serializer() -> itsdangerous.URLSafeTimedSerializer:
    return itsdangerous.URLSafeTimedSerializer(secret_key(), salt="union-session")


def make_token(username: str, epoch: int, since: float) -> str:
    return _serializer().dumps({"u": username, "e": int(epoch), "s": int(since)})


def read_token(token: str, now: float | None = None) -> dict | None:
    """The token's content if its signature is right, it was signed less than :data:`IDLE`
    ago and its sign-in is less than :data:`MAX_AGE` ago; else None."""
    now = time.time() if now is None else now
    try:
        data, signed = _serializer().loads(token, max_age=IDLE, return_timestamp=True)
    except (itsdangerous.BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or now - signed.timestamp() > IDLE:
        return None
    if now - float(data.get("s", 0)) > MAX_AGE:
        return None
    return data


# ---- the session ---------------------------------------------------------------------------


def single_user() -> None:
    """No users: the person at the machine is the administrator."""
    state = st.session_state
    state["user"], state["role"], state["single_user"] = "admin", "admin", True


def current(store, lang: str) -> dict | None:
    """The signed-in user's fresh row (role and active flag as of now), or None. Ends a session
    that is no longer valid and leaves the reason for the sign-in form."""
    state = st.session_state
    now = time.time()
    if state.get("single_user"):  # users were added since this session began
        return _end("signin.users_added", lang)
    if state.get("user"):
        record = store.user(state["user"])
        epoch = state.setdefault("epoch", record["session_epoch"] if record else -1)
        if record is None or not record["active"] or record["session_epoch"] != epoch:
            return _end("signin.ended", lang)
        if now - state.setdefault("last_active", now) > IDLE:
            return _end("signin.idle", lang)
        if now - state.setdefault("since", now) > MAX_AGE:
            return _end("signin.expired", lang)
        state["role"], state["last_active"] = record["role"], now
        return record
    token = st.context.cookies.get(COOKIE)
    data = read_token(token, now) if token else None
    if data:
        record = store.user(data["u"])
        if record and record["active"] and record["session_epoch"] == data["e"]:
            _start(record, since=float(data["s"]), now=now)
            return record
    return None


def _start(record: dict, since: float, now: float) -> None:
    state = st.session_state
    state.update(user=record["username"], role=record["role"], epoch=record["session_epoch"],
                 since=since, last_active=now, token_at=0.0)


def _reset(lang: str) -> None:
    """Forget everything this session knew: every key but the language."""
    st.session_state.clear()
    st.session_state["lang"] = lang
    st.session_state["user"] = st.session_state["role"] = None


def _end(reason: str, lang: str) -> None:
    """Sign this session out and leave ``reason`` (an i18n key) for the sign-in form."""
    _reset(lang)
    st.session_state["signin_notice"] = reason
    return None


def sign_out(store, lang: str) -> None:
    """End this user's sessions everywhere (their cookies stop working) and clear this one."""
    if user := st.session_state.get("user"):
        store.end_sessions(user)
    _end("signin.signed_out", lang)


def keep_cookie() -> None:
    """Write (or refresh) the session cookie in the browser. Call once per run when signed in."""
    state = st.session_state
    now = time.time()
    if now - state.get("token_at", 0.0) > RESIGN_AFTER or "token" not in state:
        state["token"] = make_token(state["user"], state["epoch"], state["since"])
        state["token_at"] = now
    _cookie_script(f"{COOKIE}={state['token']}; Max-Age={IDLE}")


def drop_cookie() -> None:
    """Remove the session cookie from the browser (on the sign-in form)."""
    _cookie_script(f"{COOKIE}=; Max-Age=0")


def _cookie_script(cookie: str) -> None:
    value = json.dumps(cookie + "; Path=/; SameSite=Strict")
    st.html(f"<script>document.cookie = {value} + (location.protocol === 'https:' ? '; Secure' : '');</script>",
            unsafe_allow_javascript=True, width="content")


def form(store, lang: str) -> None:
    """The sign-in form. On success the session starts and the app reruns."""
    drop_cookie()
    if notice := st.session_state.pop("signin_notice", None):
        st.info(t(notice, lang))
    with st.form("login"):
        st.subheader(t("common.login.title", lang))
        name = st.text_input(t("common.login.username", lang))
        password = st.text_input(t("common.login.password", lang), type="password")
        if st.form_submit_button(t("common.login.submit", lang)):
            result = auth.authenticate(store, name, password)
            if result.status == "ok":
                _reset(lang)
                now = time.time()
                _start(result.user, since=now, now=now)
                st.rerun()
            elif result.status == "locked":
                minutes = max(1, round((result.locked_until.timestamp() - time.time()) / 60))
                st.error(t("signin.locked", lang, minutes=minutes))
            else:
                st.error(t("common.login.failed", lang))


def recheck(needed: str) -> bool:
    """Right before a write: may this session's user (as the database says now) do what
    ``needed`` may? If not, show why and return False; the caller stops."""
    state = st.session_state
    store = app_cache.store()
    if state.get("single_user") and store.users().empty:
        return True
    record = None if state.get("single_user") else store.user(state.get("user") or "")
    ok = (record is not None and record["active"] and record["session_epoch"] == state.get("epoch", record["session_epoch"])
          and auth.allows(record["role"], needed))
    if not ok:
        st.error(t("signin.refused", state.get("lang", "zh")))
    return ok
