"""Command line: ``python -m ingest FILE [--period 2016Q1] [--db URL] [--allow-new-units]
[--commit] [--json] [--lang en] [--dump OUT.csv]``.

A dry run unless ``--commit``. Prints the import report (``--json``: one JSON object with
``ok``, ``period``, ``counts``, ``errors``, ``warnings`` and ``kept`` (stored values of the
quarter the file leaves blank, which keep counting), messages in Chinese unless
``--lang en``). ``--dump`` writes the parsed values (rates excluded) as CSV (UTF-8 with a BOM,
so Excel opens it without garbling Chinese) with the header ``unit,indicator,period,value,approximate``.
Exit status: 0 no errors, 1 errors, 2 the file cannot be read at all, 75 the database is busy
(another import held the lock longer than ``$UNION_DB_BUSY_TIMEOUT`` seconds; nothing was stored,
run the same command again). Control and text-direction characters (ESC, U+202E ...) in anything
printed, from the file name to a unit name, are shown as escapes (``\\u001b``), never sent raw
to the terminal.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pandas as pd

from i18n import t
from ingest.cells import printable
from ingest import guard
from ingest.importer import VALUE_FRAME, ImportRefused, Prepared, commit, log_refused, prepare
from ingest.report import Finding, ImportReport
from logsetup import setup_logging
from store.db import StoreBusy, open_store

EXIT_BUSY = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, try again


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Import a quarterly spreadsheet.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--period", help="the quarter, e.g. 2016Q1 (else from the title, a cell or the file name)")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite); created if new")
    parser.add_argument("--allow-new-units", action="store_true", help="add unknown units under the federation")
    parser.add_argument("--commit", action="store_true", help="store the values (default: dry run)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--dump", type=Path, help="write the parsed values as CSV")
    parser.add_argument("--user", default="cli", help="uploader recorded with a commit")
    args = parser.parse_args(argv)
    setup_logging()

    try:
        size = args.file.stat().st_size
        with open(args.file, "rb") as f:
            raw = f.read(guard.MAX_BYTES + 1)  # a larger file is refused without reading it into memory
    except OSError as exc:
        print(printable(f"{args.file}: {exc.strerror}"), file=sys.stderr)
        return 2
    try:
        store = open_store(args.db)
        if size > guard.MAX_BYTES:
            prepared = Prepared(ImportReport(args.file.name, "", readable=False, findings=[Finding(
                "too_large", args.file.name, {"size_mb": round(size / 1024 / 1024, 1),
                                              "limit_mb": guard.MAX_BYTES // 1024 // 1024})]),
                                pd.DataFrame(columns=VALUE_FRAME), pd.DataFrame(), b"", args.file.name)
        else:
            prepared = prepare(store, raw, args.file.name, period=args.period,
                               allow_new_units=args.allow_new_units, uploader=args.user)
        report = prepared.report
        upload_id = None
        if args.commit and prepared.can_commit:
            try:
                upload_id = commit(store, prepared, args.user, acknowledged=True, source="cli")
            except ImportRefused as refused:  # the same file committed meanwhile by another import
                if refused.reason == "duplicate":
                    report.duplicate_of = refused.upload_id
                    report.findings.insert(0, Finding("duplicate_file", args.file.name, {"upload": refused.upload_id}))
                for unit, quarter in refused.pairs:  # approved (locked) meanwhile
                    report.findings.insert(0, Finding("period_locked", args.file.name, {"unit": unit, "quarter": quarter}))
        elif args.commit:
            log_refused(prepared, args.user, "duplicate" if report.duplicate_of else "has_errors", "cli")
    except StoreBusy as busy:
        message = t(f"store.busy.{busy.reason}", args.lang)
        if args.json:
            print(json.dumps({"ok": False, "busy": busy.reason, "message": message, "committed": None},
                             ensure_ascii=False))
        print(message, file=sys.stderr)
        return EXIT_BUSY
    if args.dump and report.readable:
        # utf-8 with a BOM: Excel on Windows then reads the Chinese unit codes without garbling
        with open(args.dump, "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow(["unit", "indicator", "period", "value", "approximate"])
            for row in prepared.values.itertuples():
                value = int(row.value) if float(row.value).is_integer() else row.value
                writer.writerow([row.unit_text, row.indicator, row.period, value, "true" if row.approximate else "false"])
    lang = args.lang
    if args.json:
        out = report.to_dict(lang)
        out["committed"] = upload_id
        print(printable(json.dumps(out, ensure_ascii=False, indent=None)))  # escapes stay valid JSON
    else:
        c = report.counts
        print(t("upload.report.counts_line", lang, **c, period=report.period or "—"))
        for f in report.errors:
            print(printable(f"{t('upload.report.error', lang)}  {f.message(lang)}"))
        for f in report.warnings:
            print(printable(f"{t('upload.report.warning', lang)}  {f.message(lang)}"))
        if report.kept:
            blank = sum(k["reason"] == "blank" for k in report.kept)
            print(t("kept.cli_line", lang, n=len(report.kept), blank=blank, missing=len(report.kept) - blank))
        if upload_id is not None:
            print(t("upload.committed", lang, id=upload_id, n=len(prepared.values)))
        elif not args.commit:
            print(t("upload.cli_dry_run", lang))
    if not report.readable:
        return 2
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
