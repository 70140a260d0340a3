"""Sign-in and roles. With no users in the database the dashboard runs in single-user mode
(the person at the machine is the administrator); once an administrator adds users
(``python -m store.users add``), everyone signs in and sees what their role allows:

* leader  (领导):   view and download
* clerk   (填报员): + upload quarterly spreadsheets
* admin   (管理员): + plans and targets, withdrawals, example data, users
"""

from __future__ import annotations

import bcrypt

ROLES = ("leader", "clerk", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


def allows(role: str, needed: str) -> bool:
    """True if ``role`` may do what ``needed`` may (admin ⊃ clerk ⊃ leader)."""
    return RANK.get(role, -1) >= RANK[needed]
