"""Units a file names that the org tree lacks (issue 10): where each most likely belongs, an
administrator adding one from the upload page, a clerk's request and its confirmation or
rejection. Checks live here; every write is one audited transaction of :class:`store.db.Store`.

>>> unknown = unknown_units(prepared, store.units(), ["C02"])   # [{"name", "where", "parent", "level"}]
>>> add_from_upload(store, "北京莲花池物业管理有限公司工会", "C08", file_name=..., filename=..., actor="zhang")
>>> rid, new = submit(store, "北京莲花池物业管理有限公司工会", "C02", file_name=..., filename=..., username="wang")
>>> confirm(store, rid, "zhang")                  # or reject(store, rid, "zhang", "已有此单位，请改用名录中的名称")

Who may do what:

* an administrator adds a unit under any open community or building joint union (an
  enterprise), or under the federation (a community);
* a clerk asks, and only for an enterprise under a community inside her scope (the units
  assigned to her, with everything below them); a request naming another parent is refused
  and nothing is stored;
* an administrator confirms a pending request (possibly with another name or parent) or
  rejects it with a reason. The name the file writes is kept as an alias when the unit gets
  another name, so the file finds it.

Problems raise :class:`ingest.units_admin.UnitProblem` with an i18n key (``orgtree.*`` or
``unitreq.*``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ingest.units_admin import UnitProblem
from ingest.units_match import fold, parent_choices, place

NAME_LIMIT = 200  # store/schema.py units.name_zh
REASON_LIMIT = 500


def unknown_units(prepared, units: pd.DataFrame, uploader_units: Iterable[str] = ()) -> list[dict]:
    """The units a dry run could not find (``unknown_unit`` findings), once each, with the
    place each most likely belongs (:func:`ingest.units_match.place`): ``name`` (as the file
    writes it), ``where`` (its cell), ``parent`` and ``level``."""
    known = [str(u) for u in prepared.values["unit"]] if len(prepared.values) else []
    out, seen = [], set()
    for finding in prepared.report.findings:
        if finding.code != "unknown_unit":
            continue
        name = str(finding.params.get("unit") or "").strip()
        if not name or fold(name) in seen:
            continue
        seen.add(fold(name))
        parent, level = place(units, name, known, list(uploader_units))
        out.append({"name": name, "where": finding.where, "parent": parent, "level": level})
    return out


def level_under(units: pd.DataFrame, parent: str) -> str:
    """The level of a unit put under ``parent``: a community under the federation, an
    enterprise under a community."""
    row = units[units["code"] == parent]
    if row.empty:
        raise UnitProblem("orgtree.unknown", code=parent)
    level = row["level"].iloc[0]
    if level == "federation":
        return "community"
    if level == "community":
        return "enterprise"
    raise UnitProblem("unitreq.bad_parent", parent=str(row["name_zh"].iloc[0]))


def _clean_name(name: str) -> str:
    from metrics.report_text import clean_text

    name = clean_text(name or "").strip()
    if not name:
        raise UnitProblem("orgtree.no_name")
    if len(name) > NAME_LIMIT:
        raise UnitProblem("unitreq.too_long", n=len(name), limit=NAME_LIMIT)
    return name


def _taken(store, name: str) -> str | None:
    """The code of a unit already called ``name`` (or that had it as a former name)."""
    units, aliases = store.units(), store.unit_aliases()
    names = {fold(n): c for c, n in zip(units["code"], units["name_zh"])}
    names.update({fold(n): c for c, n in zip(units["code"], units["name_en"]) if n})
    names.update({fold(n): u for u, n in zip(aliases["unit"], aliases["name"])})
    return names.get(fold(name))


def _unit(store, name: str, parent: str, allowed: list[str]) -> dict:
    units = store.units()
    name = _clean_name(name)
    if parent not in allowed:
        row = units[units["code"] == parent]
        raise UnitProblem("unitreq.parent_not_allowed",
                          parent=str(row["name_zh"].iloc[0]) if len(row) else str(parent))
    if (code := _taken(store, name)) is not None:
        raise UnitProblem("orgtree.name_taken", name=name, code=code)
    return {"code": "", "name_zh": name, "parent": parent, "level": level_under(units, parent)}


def _aliases(store, name: str, file_name: str) -> list[str]:
    """The file's spelling, kept when the unit is given another name (and nobody has it yet)."""
    file_name = (file_name or "").strip()
    if not file_name or fold(file_name) == fold(name) or len(file_name) > NAME_LIMIT or _taken(store, file_name):
        return []
    return [file_name]


def admin_parents(units: pd.DataFrame) -> list[str]:
    """Where an administrator may put a unit a file names: every open community or building
    joint union, then the federation (the new unit is then a community)."""
    return parent_choices(units, federation=True)


def clerk_parents(store, username: str, units: pd.DataFrame | None = None) -> list[str]:
    """Where a clerk may ask for a unit: the open communities inside her scope (none for a
    clerk who holds only enterprises)."""
    from ingest.scope import upload_scope

    units = store.units() if units is None else units
    scope = upload_scope(store, username, units, role="clerk")
    return parent_choices(units, scope or frozenset())


def add_from_upload(store, name: str, parent: str, *, file_name: str = "", filename: str = "",
                    actor: str = "system") -> str:
    """An administrator adds the unit ``name`` under ``parent`` from the upload page; the
    file's own spelling ``file_name`` stays an alias. Returns the new code."""
    unit = _unit(store, name, parent, admin_parents(store.units()))
    return store.add_unit_from_upload(unit, _aliases(store, unit["name_zh"], file_name), filename, actor)


def submit(store, name: str, parent: str, *, file_name: str = "", filename: str = "",
           username: str) -> tuple[int, bool]:
    """A clerk asks for the unit ``name`` under ``parent`` (a community in her scope).
    Returns ``(request id, True)``, or the pending request's id and False when the same name is
    already asked for. Refused (:class:`UnitProblem`, nothing stored) for a parent outside her
    scope, a name already in the tree, or a user who is not a clerk or administrator."""
    record = store.user(username) if username else None
    role = record["role"] if record and record["active"] else None
    if role == "admin":
        allowed = admin_parents(store.units())
    elif role == "clerk":
        allowed = clerk_parents(store, username)
    else:
        raise UnitProblem("unitreq.not_allowed")
    unit = _unit(store, name, parent, allowed)
    file_name = (file_name or "").strip()[:NAME_LIMIT]
    return store.add_unit_request(unit["name_zh"], file_name, parent, filename or "", username)


def confirm(store, request_id: int, actor: str, *, name: str | None = None, parent: str | None = None) -> str:
    """Create the unit a pending request asks for (the administrator may change its name and
    parent); the file's spelling and the requested name stay aliases when they differ.
    Returns the new code. :class:`store.db.RequestDecided` when it was decided meanwhile."""
    request = _request(store, request_id)
    name = request["name_zh"] if name is None else name
    parent = request["parent"] if parent is None else parent
    unit = _unit(store, name, parent, admin_parents(store.units()))
    aliases = _aliases(store, unit["name_zh"], request["file_name"]) + _aliases(store, unit["name_zh"], request["name_zh"])
    return store.confirm_unit_request(int(request_id), unit, list(dict.fromkeys(aliases)), actor)


def reject(store, request_id: int, actor: str, reason: str) -> None:
    """Reject a pending request; the reason (required) is what the clerk reads."""
    from metrics.report_text import clean_text

    reason = clean_text(reason or "").strip()
    if not reason:
        raise UnitProblem("unitreq.no_reason")
    _request(store, request_id)
    store.reject_unit_request(int(request_id), reason[:REASON_LIMIT], actor)


def _request(store, request_id: int) -> dict:
    """The pending request ``request_id``; :class:`store.db.RequestDecided` when it was decided
    (the store checks again inside its write)."""
    from store.db import RequestDecided

    rows = store.unit_requests()
    row = rows[rows["id"] == int(request_id)]
    if row.empty:
        raise UnitProblem("unitreq.unknown", id=request_id)
    if row["status"].iloc[0] != "pending":
        raise RequestDecided(int(request_id), str(row["status"].iloc[0]))
    return row.iloc[0].to_dict()
