"""Earlier values that a re-upload leaves counting: cells blank in the new file, and units the
new file does not list, for a quarter that is already stored.

The import supersedes per cell (unit, indicator, quarter): a figure in the new file replaces
the stored one; a cell left blank, or a unit row left out, replaces nothing, so the earlier
figure keeps counting. That is deliberate (a blank means "not filled in", not "zero" or
"delete": a correction file may carry only the rows it corrects, and nothing stored is lost
by a half-filled form); this module makes it visible in the dry run, cell by cell.

Pure: the values a file would store and the values that count now in, a list out.

>>> import pandas as pd
>>> new = pd.DataFrame({"unit": ["B01"], "indicator": ["members"], "period": ["2017Q4"], "value": [5.0],
...                     "where": ["季度数据!F5"]})
>>> old = pd.DataFrame({"unit": ["B01", "B01", "B02"], "indicator": ["members", "trainees", "members"],
...                     "period": ["2017Q4"] * 3, "value": [4.0, 9.0, 7.0]})
>>> [(k["unit"], k["indicator"], k["reason"], k["where"]) for k in kept_values(new, old, "2017Q4")]
[('B01', 'trainees', 'blank', ''), ('B02', 'members', 'not_in_file', '')]
"""

from __future__ import annotations

import re

import pandas as pd

from ingest.frames import rows_in

_REF = re.compile(r"^(?P<sheet>.*)!(?P<col>[A-Z]+)(?P<row>\d+)$")


def _split(where: str) -> tuple[str, str, str] | None:
    m = _REF.match(str(where or ""))
    return (m["sheet"], m["col"], m["row"]) if m else None


def forms(listed: set[str], parent: dict) -> set[str]:
    """The parents whose units a file of ``listed`` units is a form of, so the units it may have
    left out are their other units: each listed unit (a community's form lists its enterprises
    under its own row), and the parent of a top unit (one whose parent is not listed) that lists
    no unit of its own (a clerk's list of communities, without the federation's row). A
    community's form (its row and its enterprises) is not a form of the whole district, so a
    district's bulk load does not make every other community "left out" of it.

    >>> sorted(forms({"C1", "E1", "E2"}, {"C1": "F", "C2": "F", "E1": "C1", "E2": "C1"}))
    ['C1', 'E1', 'E2']
    >>> sorted(forms({"C1", "C2"}, {"C1": "F", "C2": "F", "C3": "F"}))
    ['C1', 'C2', 'F']
    """
    tops = {u for u in listed if parent.get(u) not in listed}
    heads = {p for p in (parent.get(u) for u in listed) if p in listed}
    return set(listed) | {parent[t] for t in tops - heads if parent.get(t)}


def kept_values(values: pd.DataFrame, current: pd.DataFrame, period: str | None,
                units: pd.DataFrame | None = None) -> list[dict]:
    """The stored values of the file's quarter(s) that the file does not replace.

    ``values``: what the file would store (unit, indicator, period, value, where);
    ``current``: what counts now (unit, indicator, period, value; with ``upload_id``, the upload
    each value comes from). Each item: unit, indicator, period, value (the earlier one, which
    keeps counting), reason (``blank``: the unit's row is in the file and this cell is empty;
    ``not_in_file``: the unit is not in the file for that quarter, but an earlier upload of the
    quarter that the file corrects -- one holding a value of a unit the file lists -- has it,
    and, with ``units`` (code, parent), it is a unit of a parent the file is a form of: :func:`forms`)
    and where (the blank cell, ``季度数据!G9``, when the sheet has a column for the
    indicator and a row for the unit; else ``""``). Sorted by unit, then indicator.
    """
    if current is None or not len(current):
        return []
    periods = set(values["period"].dropna()) | ({period} if period else set())
    if not periods:
        return []
    cur = current[current["period"].isin(periods) & current["value"].notna()]
    listed = set(values["unit"])
    in_file = cur["unit"].isin(listed)
    if "upload_id" in cur.columns:
        # a unit left out counts only in the earlier upload this file corrects (one holding a value
        # of a unit the file lists, in its quarter): another clerk's file is not corrected by it
        corrected = cur["upload_id"].isin(set(cur.loc[in_file, "upload_id"]))
        cur, in_file = cur[in_file | corrected], in_file[in_file | corrected]
    if units is not None and "parent" in units:
        # ... and only from the form the file is (forms(): the units of a parent it lists)
        parent = dict(zip(units["code"], units["parent"]))
        cur = cur[in_file | cur["unit"].map(parent).isin(forms(listed, parent))]
    keys = ["unit", "indicator", "period"]
    # hashed joins, not Python tuples of 800,000 cells
    replaced = rows_in(cur, values, keys)
    left = cur[~replaced]
    if left.empty:
        return []
    in_file = values[["unit", "period"]].drop_duplicates()
    blank = rows_in(left, in_file, ["unit", "period"])
    # where each unit's row is, and where each indicator's column is, in a wide sheet; only
    # needed for blanks (a file of 20,000 new units keeps nothing blank: skip its 800,000 cells)
    row_of: dict[tuple, tuple[str, str]] = {}
    col_of: dict[tuple[str, str], set[str]] = {}
    any_blank = bool(blank.any())
    for unit, indicator, p, where in (zip(values["unit"], values["indicator"], values["period"], values["where"])
                                      if any_blank else ()):
        ref = _split(where)
        if ref is None:
            continue
        sheet, col, row = ref
        row_of.setdefault((unit, p), (sheet, row))
        col_of.setdefault((sheet, indicator), set()).add(col)
    letters_per_sheet: dict[str, set[str]] = {}
    for (sheet, _ind), cols in col_of.items():
        letters_per_sheet.setdefault(sheet, set()).update(cols)
    out = []
    for unit, indicator, p, value, is_blank in zip(left["unit"].tolist(), left["indicator"].tolist(),
                                                   left["period"].tolist(), left["value"].astype(float).tolist(),
                                                   blank.tolist()):
        reason = "blank" if is_blank else "not_in_file"
        where = ""
        if is_blank and (unit, p) in row_of:
            sheet, row = row_of[(unit, p)]
            cols = col_of.get((sheet, indicator), set())
            # one column per indicator (a wide form); a long table puts every indicator in one column
            if len(cols) == 1 and len(letters_per_sheet[sheet]) > 1:
                where = f"{sheet}!{next(iter(cols))}{row}"
        out.append({"unit": unit, "indicator": indicator, "period": p, "value": value,
                    "reason": reason, "where": where})
    return sorted(out, key=lambda k: (k["reason"] != "blank", k["unit"], k["indicator"], k["period"]))
