"""``python -m reports --span 2011-2015 --out FILE.docx [--xlsx FILE.xlsx] [--trace-csv FILE.csv] [--db URL] [--unit CODE] [--lang zh|en]``
``python -m reports status [--plan CODE] [--as-of QUARTER] [--unit CODE] [--db URL] [--json] [--lang en]``
(see :mod:`reports.status`)
``python -m reports brief [--as-of QUARTER] --out FILE.pdf [--docx FILE.docx] [--unit CODE] [--db URL] [--lang en]``
(the one-page meeting brief, see :mod:`reports.brief`)
``python -m reports reporting --period QUARTER [--db URL] [--json] [--lang en]`` (see :mod:`reports.reporting`)
``python -m reports annual --year 2017 --out FILE.docx [...]`` and
``python -m reports midterm [--plan CODE] [--as-of QUARTER] --out FILE.docx [...]`` (see :mod:`reports.office_cli`)

Builds the congress work report (and, with ``--xlsx``, its tables) from the database
(``--db``, else ``$UNION_DB_URL``, else var/union.sqlite); with ``--trace-csv`` also the per-cell
trace of its figures (:mod:`reports.trace_csv`). Charts are drawn with a
matplotlib by default (``--charts browser`` or ``auto`` use a Chrome-type browser); a chart
that cannot be drawn is left out with a one-line warning on stderr, and the files are still
written (exit 0). Exits 2 on a bad argument (unknown unit, malformed span) with the reason on
stderr, 1 when the report cannot be built at all (the reason on stderr, no traceback). On an empty database every
command first loads the example data, as the dashboard does, and says so on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import resources
from i18n import t
from reports.build import build
from reports.charts import REPORT_ENGINE
from reports.content import load_inputs, parse_span, root_unit
from store.db import open_store


def open_with_example_data(url: str | None, lang: str = "zh"):
    """The store at ``url``; an empty database first gets the example data, as the dashboard
    does on first start, with a note on stderr."""
    import bootstrap
    from i18n import t

    store = open_store(url)
    if bootstrap.ensure_example_data(store):
        print(t("cli.example_loaded", lang), file=sys.stderr)
    return store


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "status":
        from reports import status

        return status.main(argv[1:])
    if argv and argv[0] == "brief":
        from reports import brief

        return brief.main(argv[1:])
    if argv and argv[0] == "reporting":
        from reports import reporting

        return reporting.main(argv[1:])
    if argv and argv[0] in ("annual", "midterm"):
        from reports import office_cli

        return office_cli.main(argv[0], argv[1:])
    parser = argparse.ArgumentParser(prog="python -m reports", description="Build the congress work report (.docx) and its tables (.xlsx).",
                                     epilog="Also: python -m reports status | brief | reporting | annual | midterm (each with --help).")
    parser.add_argument("--span", required=True, help="five-year span, e.g. 2011-2015")
    parser.add_argument("--out", required=True, type=Path, help="the .docx to write")
    parser.add_argument("--xlsx", type=Path, help="also write the tables to this .xlsx")
    parser.add_argument("--trace-csv", type=Path,
                        help="also write every stored value behind the figures to this .csv (the per-cell trace)")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite)")
    parser.add_argument("--unit", help="unit code (default: the federation)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--no-charts", action="store_true", help="leave the charts out")
    parser.add_argument("--charts", choices=["auto", "browser", "matplotlib"], default=REPORT_ENGINE,
                        help="how to draw the charts: matplotlib (the default, the quickest), a browser, or "
                             "auto (a browser when one is found, else matplotlib)")
    args = parser.parse_args(argv)
    try:
        start, end = parse_span(args.span)
    except ValueError as exc:
        parser.error(str(exc))
    started = time.perf_counter()
    store = open_with_example_data(args.db, args.lang)
    inputs = load_inputs(store, resources.catalog())
    if inputs.units.empty:
        parser.error("the database has no units (load data first)")
    unit = args.unit or root_unit(inputs.units)
    if unit not in set(inputs.units["code"]):
        parser.error(f"unknown unit {args.unit!r}")
    try:
        built = build(inputs, start, end, unit, args.lang, charts=not args.no_charts, chart_engine=args.charts)
    except Exception as exc:  # noqa: BLE001 - one line for the clerk, not a traceback
        print(t("office.report.failed", args.lang, reason=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    for message in built.messages:
        print(f"{t('office.report.cli_warning', args.lang)}: {message}", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(built.docx)
    if args.xlsx:
        args.xlsx.parent.mkdir(parents=True, exist_ok=True)
        args.xlsx.write_bytes(built.xlsx)
    if args.trace_csv:
        from reports import trace_csv

        args.trace_csv.parent.mkdir(parents=True, exist_ok=True)
        with args.trace_csv.open("w", encoding="utf-8-sig", newline="") as out:
            n = trace_csv.write(store, built.report, inputs.catalog, out)
        print(t("report_trace.written", args.lang, n=n, path=args.trace_csv), file=sys.stderr)
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in built.timings.items())
    print(f"{args.out}{' and ' + str(args.xlsx) if args.xlsx else ''}: {built.report.title} "
          f"({time.perf_counter() - started:.1f} s: {steps})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
