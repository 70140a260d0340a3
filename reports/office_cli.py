"""``python -m reports annual --year 2017 --out FILE.docx [--xlsx FILE] [--db URL] [--unit CODE] [--lang en]``
``python -m reports midterm [--plan CODE] [--as-of QUARTER] --out FILE.docx [--xlsx FILE] [--db URL] [--unit CODE] [--lang en]``

The annual summary (:mod:`reports.annual`) and the mid-term review (:mod:`reports.midterm`) as
Word documents in the office template, with ``--xlsx`` their table as a workbook. Exits 0 when
the files are written, 1 when the report cannot be built (one line on stderr), 2 for a bad
argument. On an empty database the example data are loaded first, as for every command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import resources
from i18n import t
from metrics import periods
from reports.content import load_inputs


def build_office(kind: str, inputs, *, year=None, plan=None, as_of=None, unit=None, lang="zh"):
    """The :class:`reports.office_doc.OfficeDoc` of ``kind`` (``annual`` or ``midterm``)."""
    from reports.office_doc import uses_example

    is_example = uses_example(inputs)
    if kind == "annual":
        from reports.annual import build_annual

        return build_annual(inputs, year, unit, lang, is_example=is_example)
    from reports.midterm import build_midterm

    return build_midterm(inputs, plan, as_of, unit, lang, is_example=is_example)


def table_xlsx(doc) -> bytes:
    """The document's tables as a workbook: one sheet per table, the printed cells, text made
    safe against formula injection (:func:`tables.safe_frame`)."""
    import io

    import pandas as pd

    from tables import safe_frame

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        n = 0
        for block in doc.blocks:
            if block.table is None:
                continue
            n += 1
            frame = pd.DataFrame(block.table.rows, columns=block.table.header)
            safe_frame(frame).to_excel(writer, sheet_name=f"{n}", index=False)
        if n == 0:
            pd.DataFrame().to_excel(writer, sheet_name="1", index=False)
    return out.getvalue()


def main(kind: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m reports {kind}",
                                     description="Build the annual summary (.docx)." if kind == "annual"
                                     else "Build the mid-term review of a plan (.docx).")
    if kind == "annual":
        parser.add_argument("--year", required=True, type=int, help="the year, e.g. 2017")
    else:
        parser.add_argument("--plan", help="plan code, e.g. 2016-2020 (default: the plan of the quarter)")
        parser.add_argument("--as-of", dest="as_of", help="quarter, e.g. 2017Q4 (default: the quarter the dashboard opens on)")
    parser.add_argument("--out", required=True, type=Path, help="the .docx to write")
    parser.add_argument("--xlsx", type=Path, help="also write the table to this .xlsx")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite)")
    parser.add_argument("--unit", help="unit code (default: the federation)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    if kind == "midterm" and args.as_of is not None and not periods.is_period(args.as_of):
        parser.error(f"a quarter is written like 2017Q4, not {args.as_of!r}")
    from reports.__main__ import open_with_example_data
    from reports.office_doc import write_office_docx

    store = open_with_example_data(args.db, args.lang)
    inputs = load_inputs(store, resources.catalog())
    if inputs.units.empty or inputs.observations.empty:
        parser.error("the database has no data")
    unit = args.unit or None
    if unit is not None and unit not in set(inputs.units["code"]):
        parser.error(f"unknown unit {args.unit!r}")
    if kind == "midterm" and args.plan and args.plan not in set(inputs.plans["code"]):
        parser.error(f"unknown plan {args.plan!r}")
    try:
        doc = build_office(kind, inputs, year=getattr(args, "year", None), plan=getattr(args, "plan", None),
                           as_of=getattr(args, "as_of", None), unit=unit, lang=args.lang)
        docx = write_office_docx(doc)
        xlsx = table_xlsx(doc) if args.xlsx else None
    except Exception as exc:  # noqa: BLE001 - one line for the clerk, not a traceback
        print(t("office.report.failed", args.lang, reason=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(docx)
    if args.xlsx:
        args.xlsx.parent.mkdir(parents=True, exist_ok=True)
        args.xlsx.write_bytes(xlsx)
    print(f"{args.out}{' and ' + str(args.xlsx) if args.xlsx else ''}: {doc.title}")
    return 0
