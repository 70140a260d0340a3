"""A user's units over the org tree (issue 10): pure, frames in, sets out.

* :func:`expand` — the units a clerk may upload for: the communities and enterprises assigned
  to her, each with every unit below it (a community includes its enterprises; a merged or
  closed unit stays in the tree, so her history stays hers).
* :func:`visible` — what she may see: with ``sees="own"`` (the default) her units and the
  federation's total (the root), with ``"all"`` everything (``None`` = no limit).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

SEES = ("own", "all")


def expand(units: pd.DataFrame, assigned: Iterable[str]) -> frozenset[str]:
    """``assigned`` codes that exist in ``units``, each with all its descendants."""
    children: dict[str, list[str]] = {}
    for code, parent in zip(units["code"], units["parent"].fillna("")):
        if parent:
            children.setdefault(str(parent), []).append(str(code))
    known = set(units["code"].astype(str))
    out: set[str] = set()
    todo = [str(a) for a in assigned if str(a) in known]
    while todo:
        code = todo.pop()
        if code not in out:
            out.add(code)
            todo += children.get(code, [])
    return frozenset(out)


def roots(units: pd.DataFrame) -> frozenset[str]:
    """The federation(s): units with no parent inside the tree."""
    known = set(units["code"].astype(str))
    return frozenset(str(c) for c, p in zip(units["code"], units["parent"].fillna("")) if not p or p not in known)


def visible(units: pd.DataFrame, own: frozenset[str] | None, sees: str = "own") -> frozenset[str] | None:
    """The units whose figures a user may see: ``None`` (all) when ``own`` is None or
    ``sees == "all"``; else her own units and the federation total."""
    if own is None or sees == "all":
        return None
    return frozenset(own) | roots(units)
