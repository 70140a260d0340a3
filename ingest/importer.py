"""The import: a dry run that reports, then a commit of exactly what was reported.

>>> prepared = prepare(store, raw, "2016Q1.xlsx", period="2016Q1")   # reads nothing into the store
>>> prepared.report.ok, prepared.report.counts
>>> upload_id = commit(store, prepared, uploader="clerk1", acknowledged=True)

:func:`dry_run` is pure (file bytes, catalog, units, current values in; report and values out);
:func:`prepare` gathers its inputs from a :class:`store.db.Store`. :func:`commit` refuses a
report with errors, one whose warnings were not acknowledged, and a file already stored
(same SHA-256, still counting); otherwise it stores the file and its values in one transaction
(the raw bytes archived with their SHA-256, the uploader and the time). A later upload of the
same quarter supersedes earlier values (they stay in history); a withdrawal brings them back.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import pandas as pd

import resources
from ingest import guard
from ingest.kept import kept_values
from ingest.reader import read_file
from ingest.report import Finding, ImportReport, UnreadableFile
from ingest.validate import UnitResolver, validate
from metrics import rollup
from metrics.catalog import Catalog
from metrics.report_text import safe_filename

log = logging.getLogger("union.ingest")


VALUE_FRAME = ["unit", "indicator", "period", "value", "approximate", "unit_text", "where"]


@dataclass
class Prepared:
    """A dry run's outcome: the report, and what a commit would store."""

    report: ImportReport
    values: pd.DataFrame  # unit, indicator, period, value, approximate, unit_text, where
    new_units: pd.DataFrame
    raw: bytes
    filename: str

    @property
    def needs_ack(self) -> bool:
        return bool(self.report.warnings)

    @property
    def can_commit(self) -> bool:
        return self.report.ok and self.report.readable


class ImportRefused(Exception):
    """commit() said no: ``reason`` is has_errors, needs_ack or duplicate."""

    def __init__(self, reason: str, upload_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.upload_id = upload_id


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def dry_run(raw: bytes, filename: str, *, catalog: Catalog, units: pd.DataFrame, current: pd.DataFrame,
            period: str | None = None, allow_new_units: bool = False, duplicate_of: int | None = None,
            uploader: str | None = None) -> Prepared:
    """Read and validate ``raw``; nothing is stored. ``current``: the values that count now
    (unit, indicator, period, value, approximate). ``duplicate_of``: the id of an active
    upload with the same bytes, if the caller found one. ``uploader``: who would commit.
    ``filename`` is stored as :func:`metrics.report_text.safe_filename` gives it (no path, no
    formula-like start)."""
    filename = safe_filename(filename)
    report = ImportReport(filename=filename, sha256=sha256(raw))
    empty = pd.DataFrame(columns=VALUE_FRAME)
    try:
        read = read_file(raw, filename, catalog)
    except UnreadableFile as exc:
        report.readable = False
        report.findings.append(exc.finding)
        return Prepared(report, empty, pd.DataFrame(), raw, filename)
    checked = validate(read, catalog=catalog, units=units, current=current, period=period, filename=filename,
                       allow_new_units=allow_new_units, uploader=uploader)
    report.period = checked.period
    report.counts = checked.counts
    report.findings = checked.findings
    report.changes = checked.changes
    report.ignored_columns = read.ignored_columns
    report.sheets = read.sheets
    report.kept = kept_values(checked.values, current, checked.period)
    if duplicate_of is not None:
        report.duplicate_of = duplicate_of
        report.findings.insert(0, Finding("duplicate_file", filename, {"upload": duplicate_of}))
    return Prepared(report, checked.values, checked.new_units, raw, filename)


def prepare(store, raw: bytes, filename: str, *, period: str | None = None, allow_new_units: bool = False,
            catalog: Catalog | None = None, uploader: str | None = None) -> Prepared:
    """:func:`dry_run` with units, current values and duplicates taken from ``store``."""
    catalog = catalog or resources.catalog()
    filename = safe_filename(filename)
    try:  # refuse a broken or hostile file before touching the database at all
        guard.check(raw, filename)
    except UnreadableFile as exc:
        report = ImportReport(filename=filename, sha256=sha256(raw), readable=False, findings=[exc.finding])
        return Prepared(report, pd.DataFrame(columns=VALUE_FRAME), pd.DataFrame(), raw, filename)
    current = rollup.current(store.observations())
    return dry_run(raw, filename, catalog=catalog, units=store.units(), current=current, period=period,
                   allow_new_units=allow_new_units, duplicate_of=store.find_upload_by_hash(sha256(raw)),
                   uploader=uploader)


def commit(store, prepared: Prepared, uploader: str, *, acknowledged: bool = False, source: str = "upload") -> int:
    """Store what the dry run reported; returns the new upload id. Raises :class:`ImportRefused`,
    or :class:`store.db.StoreBusy` when the database stays locked (nothing is stored; try again).

    The units the dry run found new are looked up again inside the write transaction, by the
    dry run's own rule (:class:`ingest.validate.UnitResolver`: code, then name, width and
    spaces folded): one created meanwhile by another import is used, the others are created
    with codes free at that moment, and the values are stored under those codes. Logged as
    ``import.committed`` or ``import.refused`` (see :mod:`logsetup`)."""
    try:
        upload_id = _commit(store, prepared, uploader, acknowledged=acknowledged, source=source)
    except ImportRefused as refused:
        log_refused(prepared, uploader, refused.reason, source, refused.upload_id)
        raise
    log.info("import committed: upload %s", upload_id, extra={
        "event": "import.committed", "user": uploader, "file": prepared.filename, "sha256": prepared.report.sha256,
        "upload_id": upload_id, "period": prepared.report.period, "source": source,
        "values": len(prepared.values), "new_units": len(prepared.new_units), "counts": dict(prepared.report.counts)})
    return upload_id


def log_refused(prepared: Prepared, uploader: str, reason: str, source: str, duplicate_of: int | None = None) -> None:
    """Log an import that was asked for and refused (``import.refused``): who, which file, why."""
    report = prepared.report
    log.warning("import refused: %s", reason, extra={
        "event": "import.refused", "user": uploader, "file": prepared.filename, "sha256": report.sha256,
        "reason": reason, "duplicate_of": duplicate_of or report.duplicate_of, "source": source,
        "period": report.period, "counts": dict(report.counts),
        "errors": [f.code for f in report.findings if f.severity == "error"][:20]})


def _commit(store, prepared: Prepared, uploader: str, *, acknowledged: bool, source: str) -> int:
    from store.db import DuplicateUpload, NewUpload

    report = prepared.report
    if not prepared.can_commit:
        raise ImportRefused("duplicate" if report.duplicate_of else "has_errors", report.duplicate_of)
    if prepared.needs_ack and not acknowledged:
        raise ImportRefused("needs_ack")
    values = prepared.values[["unit", "indicator", "period", "value", "approximate"]]
    new_units = None
    if len(prepared.new_units):
        new_units = prepared.new_units.drop(columns=["where"], errors="ignore").assign(is_example=False)
        if "file_code" in new_units:
            new_units["file_code"] = new_units["file_code"].fillna("")
    try:  # new units, the file and its values: one transaction
        return store.add_upload(NewUpload(prepared.filename, prepared.raw, uploader, values, report.period,
                                          source=source, report=report.summary(), new_units=new_units,
                                          unit_matcher=UnitResolver))
    except DuplicateUpload as exc:
        raise ImportRefused("duplicate", exc.upload_id) from None
