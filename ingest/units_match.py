"""Which known unit did a file mean? Suggestions by the distinctive part of a name (issue 10).

Union names share long generic parts — 北京…有限公司工会, …社区联合工会 — so plain string
similarity (difflib over the whole name) proposes any 北京…有限公司工会 for an unknown
北京莲花池物业管理有限公司工会 and misses 莲花池社区联合工会. Here both names are first
reduced to their distinctive part by removing the generic words in :data:`GENERIC` (place
prefixes, legal forms, union words, 社区/楼宇 and the like), and the distinctive parts are
compared: a shared run of characters (longest common substring of two or more characters)
ranks first, then difflib's ratio of the distinctive parts. A name that is nothing but
generic words falls back to the whole name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

# longest first, so 有限责任公司 goes before 有限公司 and 公司
GENERIC = sorted({
    "北京市", "北京", "丰台区", "丰台", "街道", "总工会", "联合工会", "工会联合会", "工会委员会", "工会",
    "股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "分公司", "责任", "股份",
    "社区", "楼宇", "商务区", "委员会", "联合会", "联合", "中国", "（", "）", "(", ")",
}, key=len, reverse=True)
_GENERIC_RE = re.compile("|".join(map(re.escape, GENERIC)))


def fold(text: str) -> str:
    """Width and case folded, spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def distinctive(name: str) -> str:
    """``name`` without its generic words (北京, 有限公司, 工会, 社区 …); the folded whole
    name when nothing else is left."""
    whole = fold(name)
    part = _GENERIC_RE.sub("", whole)
    return part or whole


def _common_run(a: str, b: str) -> int:
    match = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size


def suggest(text: str, names: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` known ``names`` closest to ``text`` by their distinctive parts."""
    want = distinctive(text)
    scored = []
    for name in dict.fromkeys(str(x) for x in names if x):
        part = distinctive(name)
        run = _common_run(want, part)
        ratio = difflib.SequenceMatcher(None, want, part, autojunk=False).ratio()
        if run >= 2 or ratio >= 0.5:
            scored.append((run if run >= 2 else 0, ratio, name))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    return [name for _, _, name in scored[:n]]


def likely_parent(units, file_units: Iterable[str] = (), uploader_units: Iterable[str] = ()) -> str | None:
    """The community a new enterprise most likely belongs to: the uploader's (one) community,
    else the community most of the file's other units are in, else None. ``units``: the org
    tree (code, parent, level)."""
    level = dict(zip(units["code"], units["level"]))
    parent = dict(zip(units["code"], units["parent"].fillna("")))

    def community(code: str) -> str | None:
        if level.get(code) == "community":
            return code
        if level.get(code) == "enterprise" and level.get(parent.get(code)) == "community":
            return parent[code]
        return None

    mine = {c for c in (community(u) for u in uploader_units) if c}
    if len(mine) == 1:
        return next(iter(mine))
    counts: dict[str, int] = {}
    for u in dict.fromkeys(file_units):
        if c := community(u):
            counts[c] = counts.get(c, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda c: (counts[c], c))
    # shared by the file's units: all of them, or more than half (a federation-wide file spread
    # over every community names no parent; the administrator picks one)
    return best if counts[best] * 2 > sum(counts.values()) else None


#: Name endings of a community or building joint union (a new unit so named goes under the
#: federation, not under a community).
COMMUNITY_ENDINGS = ("联合工会", "工会联合会", "社区工会", "社区工会委员会", "联合工会委员会")


def looks_like_community(name: str) -> bool:
    """True for a name such as 新华社区联合工会 or 万达楼宇工会联合会 (by its ending)."""
    return fold(name).endswith(COMMUNITY_ENDINGS)


def place(units, name: str, file_units: Iterable[str] = (), uploader_units: Iterable[str] = ()) -> tuple[str, str]:
    """Where a new unit named ``name`` most likely belongs: ``(parent code, level)``.

    A name ending like a joint union's (:func:`looks_like_community`) is a community under the
    federation. Otherwise it is an enterprise under :func:`likely_parent` (the uploader's one
    community, else the community shared by the file's other units); with no likely parent it
    goes under the federation as a community, as before (an administrator can move it). On an
    empty tree the parent is ``""`` (the caller supplies the federation)."""
    fed = units.loc[units["level"] == "federation", "code"]
    federation = str(fed.iloc[0]) if len(fed) else ""
    if not looks_like_community(name):
        parent = likely_parent(units, file_units, uploader_units)
        if parent:
            return parent, "enterprise"
    return federation, "community"


def parent_choices(units, allowed: Iterable[str] | None = None, *, federation: bool = False) -> list[str]:
    """Codes a new unit may be put under: the communities and building joint unions still open
    (not closed or merged), those in ``allowed`` only when it is given (a clerk's scope), and
    the federation last when ``federation`` (an administrator adding a community)."""
    keep = set(allowed) if allowed is not None else None
    open_ = (units["active_until"].fillna("") == "") & (units["merged_into"].fillna("") == "") \
        if "active_until" in units else units["level"].notna()
    codes = [str(c) for c in units.loc[(units["level"] == "community") & open_, "code"]
             if keep is None or str(c) in keep]
    if federation:
        codes += [str(c) for c in units.loc[units["level"] == "federation", "code"]]
    return codes
