"""The unit-ancestor closure table ``unit_closure(ancestor, descendant, depth)``: every unit
with itself (depth 0) and each unit above it (its parent at depth 1, ...). Kept right by the
Store whenever units are added (``Store.add_units`` and the units an import creates), and
rebuilt by ``python -m store.summary rebuild``. Pages and the roll-up maintenance read a
unit's subtree, its children or its ancestors from it without walking the tree.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from store import bulk
from store import schema as s

CHUNK = 500


def pairs(units: pd.DataFrame) -> pd.DataFrame:
    """``ancestor, descendant, depth`` of an org tree (``code``, ``parent``); a cycle stops the walk."""
    parent = dict(zip(units["code"].astype(str), units["parent"].fillna("").astype(str)))
    rows = []
    for code in parent:
        node, depth, seen = code, 0, set()
        while node and node not in seen and (node == code or node in parent):
            rows.append((node, code, depth))
            seen.add(node)
            node, depth = parent.get(node, ""), depth + 1
    return pd.DataFrame(rows, columns=["ancestor", "descendant", "depth"])


def _tree(conn: sa.Connection) -> pd.DataFrame:
    rows = conn.execute(sa.select(s.units.c.code, s.units.c.parent)).all()
    return pd.DataFrame(rows, columns=["code", "parent"]).fillna("")


def rebuild(conn: sa.Connection) -> int:
    """Write the whole closure again from ``units``; returns the number of rows."""
    frame = pairs(_tree(conn))
    conn.execute(sa.delete(s.unit_closure))
    bulk.insert_frame(conn, s.unit_closure, frame, sort=["ancestor", "descendant"])
    return len(frame)


def refresh(conn: sa.Connection, codes: Iterable[str]) -> None:
    """Write the closure rows of ``codes`` and everything below them again (new units, or a
    unit given another parent), inside the caller's transaction."""
    tree = _tree(conn)
    children: dict[str, list[str]] = {}
    for code, parent in zip(tree["code"], tree["parent"]):
        children.setdefault(parent, []).append(code)
    todo, below = list(codes), set()
    while todo:
        node = todo.pop()
        if node not in below:
            below.add(node)
            todo.extend(children.get(node, []))
    if not below:
        return
    frame = pairs(tree)
    frame = frame[frame["descendant"].isin(below)]
    chunk = sorted(below)
    for i in range(0, len(chunk), CHUNK):
        conn.execute(sa.delete(s.unit_closure).where(s.unit_closure.c.descendant.in_(chunk[i:i + CHUNK])))
    bulk.insert_frame(conn, s.unit_closure, frame, sort=["ancestor", "descendant"])


def ancestors(conn: sa.Connection, codes: Iterable[str]) -> set[str]:
    """``codes`` and every unit above them."""
    codes = sorted(set(codes))
    out = set(codes)
    for i in range(0, len(codes), CHUNK):
        out |= set(conn.execute(sa.select(s.unit_closure.c.ancestor)
                                .where(s.unit_closure.c.descendant.in_(codes[i:i + CHUNK]))).scalars())
    return out


def children(conn: sa.Connection, unit: str) -> list[str]:
    """The units directly below ``unit``."""
    return sorted(conn.execute(sa.select(s.unit_closure.c.descendant).where(
        s.unit_closure.c.ancestor == unit, s.unit_closure.c.depth == 1)).scalars())
