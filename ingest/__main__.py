"""Command line: ``python -m ingest FILE [--period 2016Q1] [--db URL] [--allow-new-units]
[--commit] [--json] [--lang en] [--dump OUT.csv]``.

A dry run unless ``--commit``. Prints the import report (``--json``: one JSON object with
``ok``, ``period``, ``counts``, ``errors``, ``warnings`` and ``kept`` (stored values of the
quarter the file leaves blank, which keep counting), messages in Chinese unless
``--lang en``). ``--dump`` writes the parsed values (rates excluded) as CSV with the header
``unit,indicator,period,value,approximate``. Exit status: 0 no errors, 1 errors, 2 the file
cannot be read at all.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from i18n import t
from ingest.importer import ImportRefused, commit, prepare
from store.db import open_store


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

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    store = open_store(args.db)
    prepared = prepare(store, raw, args.file.name, period=args.period, allow_new_units=args.allow_new_units)
    report = prepared.report
    upload_id = None
    if args.commit and prepared.can_commit:
        try:
            upload_id = commit(store, prepared, args.user, acknowledged=True, source="cli")
        except ImportRefused:
            pass
    if args.dump and report.readable:
        with open(args.dump, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["unit", "indicator", "period", "value", "approximate"])
            for row in prepared.values.itertuples():
                value = int(row.value) if float(row.value).is_integer() else row.value
                writer.writerow([row.unit_text, row.indicator, row.period, value, "true" if row.approximate else "false"])
    lang = args.lang
    if args.json:
        out = report.to_dict(lang)
        out["committed"] = upload_id
        print(json.dumps(out, ensure_ascii=False, indent=None))
    else:
        c = report.counts
        print(t("upload.report.counts_line", lang, **c, period=report.period or "—"))
        for f in report.errors:
            print(f"{t('upload.report.error', lang)}  {f.message(lang)}")
        for f in report.warnings:
            print(f"{t('upload.report.warning', lang)}  {f.message(lang)}")
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
