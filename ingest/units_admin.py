"""The org tree managed in the app (issue 10): add a unit under its parent, rename it (old
names kept as aliases for the reader), close it from a quarter, merge it into another from a
quarter, reopen it. Every change is checked here, written through :class:`store.db.Store`
(one audited write each) and takes effect in the roll-ups at once.

How history rolls up (docs/progress-method.md, "Units that close or merge"):

* A closed unit is expected to report through the quarter before it closed; its reports
  stay under its own code and its parent, so totals before the closure do not change.
* A merged unit is closed the same way and records ``merged_into``. Its observations stay
  under its own code and parent (the federation total before and after the merge is right,
  and nothing is counted twice); the successor reports the merged activity from the merge
  quarter on and is expected from then (its ``active_from`` is moved no later than that).
* Reopening clears the closure and the merge: the unit is expected again.

Problems raise :class:`UnitProblem` with an i18n key (``orgtree.*``) and its values.
"""

from __future__ import annotations

from metrics import periods

PARENT_LEVEL = {"community": "federation", "enterprise": "community"}


class UnitProblem(ValueError):
    """A change that is refused; ``key`` and ``values`` make its message (``i18n.t``)."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


def _row(units, code: str) -> dict:
    row = units[units["code"] == code]
    if row.empty:
        raise UnitProblem("orgtree.unknown", code=code)
    return row.iloc[0].to_dict()


def _quarter(text: str) -> str:
    text = (text or "").strip().upper()
    if not periods.is_period(text):
        raise UnitProblem("orgtree.bad_quarter", quarter=text)
    return text


def add_unit(store, name_zh: str, parent: str, level: str, *, code: str = "", name_en: str = "",
             active_from: str = "", actor: str = "system") -> str:
    """Add a community (under the federation) or an enterprise (under a community or building
    joint union); returns its code (the next free ``N0001``-style code when none is given)."""
    import pandas as pd

    from ingest.units_match import fold
    from store.db import _free_code

    name_zh = (name_zh or "").strip()
    if not name_zh:
        raise UnitProblem("orgtree.no_name")
    if level not in PARENT_LEVEL:
        raise UnitProblem("orgtree.bad_level", level=level)
    units = store.units()
    parent_row = _row(units, parent)
    if parent_row["level"] != PARENT_LEVEL[level]:
        raise UnitProblem("orgtree.bad_parent", parent=parent_row["name_zh"], level=level)
    taken = {fold(n): c for c, n in zip(units["code"], units["name_zh"])}
    taken.update({fold(n): u for u, n in zip(store.unit_aliases()["unit"], store.unit_aliases()["name"])})
    if fold(name_zh) in taken:
        raise UnitProblem("orgtree.name_taken", name=name_zh, code=taken[fold(name_zh)])
    code = (code or "").strip() or _free_code(set(units["code"]))
    if code in set(units["code"]):
        raise UnitProblem("orgtree.code_taken", code=code)
    store.add_units(pd.DataFrame([{"code": code, "name_zh": name_zh, "name_en": name_en, "parent": parent,
                                   "level": level, "active_from": _quarter(active_from) if active_from else ""}]),
                    actor=actor)
    return code


def rename_unit(store, code: str, name_zh: str, name_en: str | None = None, actor: str = "system") -> None:
    from ingest.units_match import fold

    name_zh = (name_zh or "").strip()
    if not name_zh:
        raise UnitProblem("orgtree.no_name")
    units = store.units()
    _row(units, code)
    other = {fold(n): c for c, n in zip(units["code"], units["name_zh"]) if c != code}
    if fold(name_zh) in other:
        raise UnitProblem("orgtree.name_taken", name=name_zh, code=other[fold(name_zh)])
    store.rename_unit(code, name_zh, name_en, actor=actor)


def close_unit(store, code: str, from_quarter: str, actor: str = "system") -> None:
    """``code`` no longer reports from ``from_quarter`` (expected through the quarter before)."""
    units = store.units()
    row = _row(units, code)
    if row["level"] == "federation":
        raise UnitProblem("orgtree.not_federation")
    q = _quarter(from_quarter)
    store.set_unit_span(code, row["active_from"], periods.shift(q, -1), "", actor=actor)


def merge_unit(store, code: str, into: str, from_quarter: str, actor: str = "system") -> None:
    """``code`` merges into ``into`` from ``from_quarter``: ``code`` is expected through the
    quarter before and keeps its history; ``into`` is expected from ``from_quarter`` at the latest."""
    units = store.units()
    row, target = _row(units, code), _row(units, into)
    if code == into:
        raise UnitProblem("orgtree.merge_self")
    if row["level"] == "federation" or target["level"] != row["level"]:
        raise UnitProblem("orgtree.merge_level", unit=row["name_zh"], into=target["name_zh"])
    if target["active_until"] or target["merged_into"]:
        raise UnitProblem("orgtree.merge_closed", into=target["name_zh"])
    q = _quarter(from_quarter)
    store.set_unit_span(code, row["active_from"], periods.shift(q, -1), into, actor=actor)
    if target["active_from"] and periods.index(target["active_from"]) > periods.index(q):
        store.set_unit_span(into, q, target["active_until"], target["merged_into"], actor=actor)


def reopen_unit(store, code: str, actor: str = "system") -> None:
    """Expected again from where it left off: the closure and any merge are cleared."""
    row = _row(store.units(), code)
    store.set_unit_span(code, row["active_from"], "", "", actor=actor)
