"""Command line: ``python -m ingest FILE [--period 2016Q1] [--db URL] [--allow-new-units]
[--commit] [--json] [--lang en] [--dump OUT.csv]``.

A dry run unless ``--commit``. Prints the import report (``--json``: one JSON object with
``ok``, ``period``, ``counts``, ``errors``, ``warnings``, ``kept`` (stored values of the
quarter the file leaves blank, which keep counting) and ``new_units`` (where each unit the
tree lacks goes, :func:`new_units_out`), messages in Chinese unless ``--lang en``).
``--allow-new-units`` puts each unknown unit under the parent it most likely belongs to
(:func:`ingest.units_match.place`); with ``--user`` of a clerk it adds nothing: ``--commit``
files a request per unit for an administrator to confirm (as the upload page does) and
imports nothing. ``--dump`` writes the parsed values (rates excluded) as CSV (UTF-8 with a BOM,
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
    parser.add_argument("--allow-new-units", action="store_true",
                        help="add unknown units under their likely parent (a clerk's --user: request them)")
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
    as_clerk = False
    try:
        store = open_store(args.db)
        if size > guard.MAX_BYTES:
            prepared = Prepared(ImportReport(args.file.name, "", readable=False, findings=[Finding(
                "too_large", args.file.name, {"size_mb": round(size / 1024 / 1024, 1),
                                              "limit_mb": guard.MAX_BYTES // 1024 // 1024})]),
                                pd.DataFrame(columns=VALUE_FRAME), pd.DataFrame(), b"", args.file.name)
        else:
            record = store.user(args.user)
            as_clerk = record is not None and record["role"] == "clerk"
            prepared = prepare(store, raw, args.file.name, period=args.period,
                               allow_new_units=args.allow_new_units and not as_clerk, uploader=args.user)
        report = prepared.report
        upload_id = None
        new_units = new_units_out(store, prepared, args, as_clerk) if report.readable else []
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
    if upload_id is not None:  # the codes and parents as committed (another import may have made one first)
        new_units = settled(store, new_units)
    if args.json:
        out = report.to_dict(lang)
        out["committed"] = upload_id
        out["new_units"] = new_units
        print(printable(json.dumps(out, ensure_ascii=False, indent=None)))  # escapes stay valid JSON
    else:
        c = report.counts
        print(t("upload.report.counts_line", lang, **c, period=report.period or "—"))
        for f in report.errors:
            print(printable(f"{t('upload.report.error', lang)}  {f.message(lang)}"))
        for f in report.warnings:
            print(printable(f"{t('upload.report.warning', lang)}  {f.message(lang)}"))
        for unit in new_units:
            print(printable(new_unit_line(unit, lang, committed=upload_id is not None, asked=args.commit)))
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


def new_units_out(store, prepared: Prepared, args, as_clerk: bool) -> list[dict]:
    """Where each unit the tree lacks goes (``--allow-new-units``), as ``--json`` gives them:
    ``name``, ``where``, ``code`` (provisional in a dry run), ``parent``, ``parent_name``,
    ``level`` and ``action``: ``add`` (added at commit), ``request`` (a clerk's request; its
    ``request`` id once filed with ``--commit``, ``pending`` when one for the name was already
    waiting) or ``refused`` (a clerk with no community in her scope to ask under)."""
    from ingest import unit_requests
    from ingest.units_admin import UnitProblem

    if not args.allow_new_units:
        return []
    units = store.units()
    names = dict(zip(units["code"], units["name_zh"]))
    if not as_clerk:
        frame = prepared.new_units
        if not len(frame):
            return []
        names.update(dict(zip(frame["code"], frame["name_zh"])))
        wheres = frame["where"].tolist() if "where" in frame else [""] * len(frame)
        return [{"name": name, "where": where or "", "code": code, "parent": parent,
                 "parent_name": names.get(parent, parent), "level": level, "action": "add"}
                for name, where, code, parent, level in zip(frame["name_zh"].tolist(), wheres, frame["code"].tolist(),
                                                            frame["parent"].tolist(), frame["level"].tolist())
                if level != "federation"]
    mine = list(store.user_units(args.user)["unit"])
    allowed = unit_requests.clerk_parents(store, args.user, units)
    out = []
    for u in unit_requests.unknown_units(prepared, units, mine):
        parent = u["parent"] if u["parent"] in allowed else (allowed[0] if len(allowed) == 1 else None)
        item = {"name": u["name"], "where": u["where"], "code": None, "parent": parent,
                "parent_name": names.get(parent) if parent else None, "level": "enterprise",
                "action": "request" if parent else "refused", "request": None, "pending": False}
        if parent and args.commit:
            try:
                item["request"], new = unit_requests.submit(store, u["name"], parent, file_name=u["name"],
                                                            filename=prepared.filename, username=args.user)
                item["pending"] = not new
            except UnitProblem as problem:
                item.update(action="refused", problem=t(problem.key, args.lang, **problem.values))
        out.append(item)
    return out


def settled(store, new_units: list[dict]) -> list[dict]:
    """``new_units`` with the code and parent each unit got at the commit."""
    from ingest.validate import UnitResolver

    units = store.units()
    find = UnitResolver(units)
    parent = dict(zip(units["code"], units["parent"]))
    names = dict(zip(units["code"], units["name_zh"]))
    out = []
    for item in new_units:
        code = find("", item["name"]) if item["action"] == "add" else None
        if code:
            item = {**item, "code": code, "parent": parent.get(code) or item["parent"]}
            item["parent_name"] = names.get(item["parent"], item["parent"])
        out.append(item)
    return out


def new_unit_line(unit: dict, lang: str, *, committed: bool, asked: bool) -> str:
    """One line of the text output per unit the tree lacks."""
    level = t(f"unitreq.level_{unit['level']}", lang)
    if unit["action"] == "add":
        key = "unitreq.cli_added" if committed else "unitreq.cli_will_add"
        return t(key, lang, name=unit["name"], parent=unit["parent_name"], parent_code=unit["parent"],
                 code=unit["code"], level=level)
    if unit["action"] == "refused":
        return unit.get("problem") or t("unitreq.cli_no_parent", lang, name=unit["name"])
    if unit["request"] is None:
        return t("unitreq.cli_will_request", lang, name=unit["name"], parent=unit["parent_name"])
    key = "unitreq.cli_pending" if unit["pending"] else "unitreq.cli_requested"
    return t(key, lang, id=unit["request"], name=unit["name"], parent=unit["parent_name"])


if __name__ == "__main__":
    sys.exit(main())
