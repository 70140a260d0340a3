"""Who may upload and see which units (issue 10). Administrators and leaders are not limited
(``None``); a clerk is limited to the units assigned to her (``user_units``) with everything
below them (:func:`metrics.scope.expand`). A clerk with no units assigned may upload for none.

``$UNION_CLERK_SEES``: ``own`` (default) — a clerk sees her units and the federation total;
``all`` — she sees every unit's figures (uploading stays limited to her units).
"""

from __future__ import annotations

import os

from metrics import scope as _scope


def clerk_sees() -> str:
    value = (os.environ.get("UNION_CLERK_SEES") or "own").strip().lower()
    return value if value in _scope.SEES else "own"


def upload_scope(store, username: str | None, units=None, role: str | None = None) -> frozenset[str] | None:
    """The units ``username`` may upload for: None (any) unless she is a known clerk. ``role``:
    her role as just read from the database (the dashboard's rerun has it); else it is read."""
    if role is None:
        record = store.user(username) if username else None
        role = record["role"] if record else None
    if role != "clerk":
        return None
    units = store.units() if units is None else units
    return _scope.expand(units, store.user_units(username)["unit"])


def view_scope(store, username: str | None, units=None, role: str | None = None) -> frozenset[str] | None:
    """The units whose figures ``username`` may see (None: all)."""
    own = upload_scope(store, username, units, role)
    if own is None:
        return None
    units = store.units() if units is None else units
    return _scope.visible(units, own, clerk_sees())
