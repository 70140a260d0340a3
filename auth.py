"""Sign-in and roles. With no users in the database the dashboard runs in single-user mode
(the person at the machine is the administrator; ``make run`` then listens on 127.0.0.1 only);
once an administrator adds users (``python -m store.users add``), everyone signs in and sees
what their role allows:

* leader  (领导):   view and download
* clerk   (填报员): + upload quarterly spreadsheets
* admin   (管理员): + plans and targets, withdrawals, example data, users

Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher``: any length, salted,
memory-hard). Hashes written by earlier versions with bcrypt still verify and are replaced by
an Argon2 hash at the next successful sign-in. :func:`authenticate` is the one sign-in check:
it refuses a name with too many recent failures (:data:`MAX_FAILURES` within the lock, then
:data:`LOCK_MINUTES` locked; counted in the database, so it holds across processes and
replicas) and takes about as long for an unknown name as for a known one (the password is
checked against a dummy hash). Nothing here imports Streamlit; the session cookie is in
``signin.py``.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import argon2
import bcrypt

ROLES = ("leader", "clerk", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}

MAX_FAILURES = 5        # wrong passwords in a row for one user name ...
LOCK_MINUTES = 15       # ... lock that name for this long (known or not: the answer is the same)
MIN_LENGTH = {"leader": 8, "clerk": 8, "admin": 12}
MAX_LENGTH = 1024       # characters; longer is refused rather than hashed
# The most common passwords in leaked lists and the obvious local ones; checked case-insensitively.
DENYLIST = frozenset("""
12345678 123456789 1234567890 0123456789 12345678910 87654321 11111111 00000000 88888888 66666666
password password1 password123 passw0rd p@ssw0rd qwertyuiop qwerty123 qwertyui asdfghjkl 1qaz2wsx
1q2w3e4r 1q2w3e4r5t abc12345 abcd1234 a1234567 aa123456 abc123456 iloveyou 5201314520 woaini1314
admin123 admin1234 admin12345 administrator root1234 welcome1 letmein1 changeme 11223344 147258369
123123123 123321123 zxcvbnm1 12341234 zhonghua gonghui123 union123 union2016 union2020 union2025
""".split())

_hasher = argon2.PasswordHasher()
log = logging.getLogger("union.auth")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (any length)."""
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(os.urandom(16).hex())


def check_password(password: str, hashed: str) -> bool:
    """True if ``password`` matches ``hashed`` (Argon2, or a bcrypt hash from an earlier version)."""
    try:
        if hashed.startswith("$argon2"):
            return _hasher.verify(hashed, password)
        if hashed.startswith(("$2a$", "$2b$", "$2y$")):
            return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError, ValueError):
        return False
    return False


def needs_rehash(hashed: str) -> bool:
    """True for a bcrypt hash or an Argon2 hash made with weaker parameters than today's."""
    if not hashed.startswith("$argon2"):
        return True
    try:
        return _hasher.check_needs_rehash(hashed)
    except argon2.exceptions.InvalidHashError:
        return True


def allows(role: str | None, needed: str) -> bool:
    """True if ``role`` may do what ``needed`` may (admin ⊃ clerk ⊃ leader)."""
    return RANK.get(role, -1) >= RANK[needed]


def password_problems(password: str, username: str, role: str) -> list[tuple[str, dict]]:
    """Why ``password`` is not good enough for ``username`` with ``role``, as i18n keys
    (``signin.password.*``) with their values; empty if it is fine.

    Everyone: at least 8 characters (administrators 12), at most 1024, not on the list of
    common passwords, not the user name or containing it, not one repeated character or a
    run of consecutive digits/letters. Administrators additionally mix at least two kinds of
    character (letters, digits, other)."""
    problems: list[tuple[str, dict]] = []
    need = MIN_LENGTH.get(role, 8)
    if len(password) < need:
        problems.append(("signin.password.too_short", {"n": need}))
    if len(password) > MAX_LENGTH:
        problems.append(("signin.password.too_long", {"n": MAX_LENGTH}))
    low = password.lower()
    if low in DENYLIST or _is_sequence(low) or len(set(low)) <= 2:
        problems.append(("signin.password.common", {}))
    if username and username.lower() in low:
        problems.append(("signin.password.has_name", {}))
    if role == "admin":
        kinds = sum(bool(re.search(p, password)) for p in (r"[^\W\d_]", r"\d", r"[\W_]"))
        if kinds < 2:
            problems.append(("signin.password.admin_mix", {}))
    return problems


def _is_sequence(text: str) -> bool:
    """``12345678``, ``87654321``, ``abcdefgh``: each character one above (or below) the last."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return len(text) > 1 and steps in ({1}, {-1})


# ---- sign-in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The answer of :func:`authenticate`: ``status`` is ok | failed | locked."""

    status: str
    user: dict | None = None
    locked_until: datetime | None = None


def lock_key(username: str) -> str:
    """The key failures are counted under: the name as typed, trimmed and case-folded."""
    return "name:" + username.strip().casefold()


def authenticate(store, username: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a sign-in against ``store``: a locked name is refused without looking at the
    password; an unknown or disabled user fails exactly like a wrong password (and takes as
    long: a dummy hash is verified); :data:`MAX_FAILURES` failures lock the name for
    :data:`LOCK_MINUTES`. A success clears the count and upgrades an old hash."""
    now = now or datetime.now(UTC)
    key = lock_key(username)
    name = username.strip()[:100]  # logged as typed (never the password)
    until = store.sign_in_locked_until(key, now)
    if until is not None:
        log.warning("sign-in refused: %s is locked", name, extra={"event": "signin.locked", "user": name,
                                                                  "locked_until": until.isoformat(), "new_lock": False})
        return SignIn("locked", locked_until=until)
    record = store.user(username.strip()) if username.strip() else None
    usable = record is not None and record.get("active", True)
    ok = check_password(password, record["password_hash"] if usable else _dummy_hash()) and usable
    if not ok:
        until = store.sign_in_failed(key, now, MAX_FAILURES, timedelta(minutes=LOCK_MINUTES))
        why = "unknown_user" if record is None else "disabled" if not usable else "wrong_password"
        if until:
            log.warning("sign-in failed: %s, now locked", name, extra={
                "event": "signin.locked", "user": name, "reason": why, "locked_until": until.isoformat(),
                "new_lock": True})
            return SignIn("locked", locked_until=until)
        log.warning("sign-in failed: %s", name, extra={"event": "signin.failed", "user": name, "reason": why})
        return SignIn("failed")
    store.sign_in_succeeded(key)
    log.info("signed in: %s", record["username"], extra={"event": "signin.ok", "user": record["username"],
                                                         "role": record["role"]})
    if needs_rehash(record["password_hash"]):
        store.set_password_hash(record["username"], record["password_hash"], hash_password(password))
    return SignIn("ok", user=record)
