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
import sqlalchemy as sa

import resources
from ingest import guard
from ingest.frames import shared_objects
from ingest.kept import kept_values
from ingest.reader import read_file
from ingest.report import Finding, ImportReport, UnreadableFile
from ingest.validate import UnitResolver, unit_rows_of, validate
from metrics import periods as P
from metrics.catalog import Catalog
from metrics.report_text import safe_filename
from store import schema

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
    """commit() said no: ``reason`` is has_errors, needs_ack, duplicate, out_of_scope or locked
    (a unit's quarter in the file was approved meanwhile; ``pairs`` names them)."""

    def __init__(self, reason: str, upload_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.upload_id = upload_id
        self.pairs: list[tuple[str, str]] = []


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def periods_needed(read, period: str | None) -> set[str]:
    """The stored quarters the checks of a file compare with: each quarter the file (or
    ``period``) names, the quarter before it (far from last quarter) and the earlier quarters of
    its year (本年累计)."""
    out: set[str] = set()
    for p in file_periods(read, period):
        out.update(P.span(P.year_start(p), p))
        try:
            out.add(P.previous(p))
        except ValueError:
            pass
    return out


#: Past this many stored units named by one file, :func:`current_values` reads the quarters of
#: every unit (one scan) rather than a list of units.
UNIT_FILTER_LIMIT = 2000


def file_units(read, units: pd.DataFrame, resolve: UnitResolver | None = None) -> set[str] | None:
    """The stored units a file's rows name, found by the validation's own resolver
    (``ingest.validate.UnitResolver``: code, name, an old name; pass the one the validation
    will use, which remembers each row's answer), so the stored values the checks compare with
    can be read for them alone; None when the file names more than :data:`UNIT_FILTER_LIMIT`
    of them (a whole district's file: every unit is read). A file of 20,000 units the tree
    lacks names none, so nothing stored is read for it."""
    cells = read.cells
    if not len(cells):
        return set()
    # a row's cells share its code and name: the first cell of each row (numbered by factorize)
    first = unit_rows_of(read)[4]
    pairs = dict.fromkeys(zip(cells["unit_code"].to_numpy()[first].tolist(),
                              cells["unit_name"].to_numpy()[first].tolist()))
    resolve = resolve or UnitResolver(units)
    found = {code for code in (resolve(c, n) for c, n in pairs) if code}
    return None if len(found) > UNIT_FILTER_LIMIT else found


def file_periods(read, period: str | None) -> set[str]:
    """The quarters a file (or ``period``) names itself."""
    named = {period} if period else set()
    named |= {p for p, _where in read.periods}
    if len(read.cells):
        named |= set(read.cells["period"].dropna().astype(str).unique())
    return {p for p in named if P.is_period(p)}


def beside(units: pd.DataFrame, named: set[str] | None) -> set[str] | None:
    """The stored units a file of the ``named`` units may have left out: the other units of the
    parents it is a form of (:func:`ingest.kept.forms`). None with ``named``."""
    from ingest.kept import forms

    if named is None:
        return None
    if not len(units) or "parent" not in units:
        return set()
    parent = dict(zip(units["code"], units["parent"]))
    return set(units.loc[units["parent"].isin(forms(named, parent)), "code"]) - named


#: Rows of stored values fetched at a time by :func:`current_values` (each chunk's Python tuples
#: are freed once it is a frame of typed columns, a tenth of their size).
READ_CHUNK = 50_000


def current_values(store, periods: set[str], units: set[str] | None = None,
                   own_periods: set[str] | None = None, beside: set[str] | None = None) -> pd.DataFrame:
    """The values that count now (:func:`metrics.rollup.current`) in ``periods`` only: a
    quarterly file is checked against a year of stored quarters, not every stored value (the
    whole table was most of the command line's time and memory at 1.5 M values, and 15 M at a
    district's size). Read from the ``current_values`` summary table (store/summary.py), which
    every commit, withdrawal and restore keeps equal to that resolution in the same transaction
    (``python -m store.summary check`` verifies it), so no upload's older values are read and
    resolved again here.

    With ``units`` (:func:`file_units`), only what the checks of a file of those units use:
    their own values in ``periods``, and, in ``own_periods`` (the file's quarters), the values of
    the units ``beside`` them (:func:`beside`) that come from an earlier upload holding one of
    theirs -- the file a re-upload corrects, whose left-out units keep counting
    (:func:`ingest.kept.kept_values`). A community's file of 160 rows in a district of 20,000
    enterprises read 3.9 M values (15 s, 1 GB)."""
    empty = pd.DataFrame({"upload_id": pd.Series(dtype=int), "unit": pd.Series(dtype=object),
                          "indicator": pd.Series(dtype=object), "period": pd.Series(dtype=object),
                          "value": pd.Series(dtype=float), "approximate": pd.Series(dtype=bool)})
    if not periods:
        return empty
    cv = schema.current_values.c
    query = sa.select(cv.upload_id, cv.unit, cv.indicator, cv.period, cv.value, cv.approximate).where(
        cv.period.in_(sorted(periods)))
    if units is not None:  # index searches by unit, not a scan of every unit's quarters
        own, named = sorted(own_periods or ()), sorted(units)
        query = query.where(cv.unit.in_(named))
        if beside and own and named:
            earlier = sa.select(cv.upload_id).where(cv.unit.in_(named), cv.period.in_(own)).distinct()
            query = sa.union_all(query, sa.select(cv.upload_id, cv.unit, cv.indicator, cv.period, cv.value,
                                                  cv.approximate).where(
                cv.unit.in_(sorted(beside)), cv.period.in_(own), cv.upload_id.in_(earlier)))
    with store.read() as conn:  # in chunks: the rows as Python tuples, all at once, were 0.6 GB at 854,000
        parts = list(pd.read_sql(query, conn, chunksize=READ_CHUNK))
        if conn.dialect.name == "sqlite":  # the pages of this scan, up to 128 MB of the page cache
            conn.exec_driver_sql("PRAGMA shrink_memory")  # (store.db.SQLITE_CACHE_KIB): not read again
    frame = pd.concat(parts, ignore_index=True) if parts else empty
    del parts
    if frame.empty:
        return empty
    frame["approximate"] = frame["approximate"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    for col in ("unit", "indicator", "period"):  # objects, as the checks compare them: each text once
        frame[col] = shared_objects(frame[col])
    return frame


def dry_run(raw: bytes, filename: str, *, catalog: Catalog, units: pd.DataFrame, current,
            period: str | None = None, allow_new_units: bool = False, duplicate_of: int | None = None,
            uploader: str | None = None, locked: list[tuple[str, str]] | None = None,
            scope: frozenset[str] | None = None, uploader_units: tuple[str, ...] = ()) -> Prepared:
    """Read and validate ``raw``; nothing is stored. ``current``: the values that count now
    (unit, indicator, period, value, approximate), or a function of the set of quarters the
    checks need (:func:`periods_needed`), the stored units the file names (:func:`file_units`),
    the file's own quarters (:func:`file_periods`) and the units beside them (:func:`beside`)
    that returns them. ``duplicate_of``: the id of an active
    upload with the same bytes, if the caller found one. ``uploader``: who would commit.
    ``locked``: the approved (so locked) ``(unit, period)`` pairs; values of the file for one of
    them are an error (``period_locked``, one finding per unit and quarter).
    ``filename`` is stored as :func:`metrics.report_text.safe_filename` gives it (no path, no
    formula-like start). ``scope``: the units the uploader may upload for (None: any); rows of
    other units are an ``out_of_scope`` error naming them (:func:`scope_finding`).
    ``uploader_units``: the units assigned to the uploader; a new unit (``allow_new_units``) goes
    under her community, else under the community the file's other units share
    (:func:`ingest.units_match.place`)."""
    filename = safe_filename(filename)
    report = ImportReport(filename=filename, sha256=sha256(raw))
    empty = pd.DataFrame(columns=VALUE_FRAME)
    try:
        read = read_file(raw, filename, catalog)
    except UnreadableFile as exc:
        report.readable = False
        report.findings.append(exc.finding)
        return Prepared(report, empty, pd.DataFrame(), raw, filename)
    resolver = UnitResolver(units)  # one for the file: each row's unit is looked up once
    if callable(current):  # read only the stored quarters and units the checks compare with
        named = file_units(read, units, resolver)
        current = current(periods_needed(read, period), named, file_periods(read, period), beside(units, named))
    checked = validate(read, catalog=catalog, units=units, current=current, period=period, filename=filename,
                       allow_new_units=allow_new_units, uploader=uploader, uploader_units=tuple(uploader_units),
                       resolver=resolver)
    report.period = checked.period
    report.counts = checked.counts
    report.findings = checked.findings
    report.changes = checked.changes
    report.ignored_columns = read.ignored_columns
    report.sheets = read.sheets
    report.kept = kept_values(checked.values, current, checked.period, units)
    if locked and len(checked.values):
        hits = set(locked)
        touched = checked.values[["unit", "period", "unit_text", "where"]].drop_duplicates(["unit", "period"])
        for row in touched.itertuples():
            if (str(row.unit), str(row.period)) in hits:
                report.findings.insert(0, Finding("period_locked", str(row.where or filename),
                                                  {"unit": str(row.unit_text or row.unit), "quarter": str(row.period)}))
    if (refused := scope_finding(checked.values, scope, filename)) is not None:
        report.findings.insert(0, refused)
    if duplicate_of is not None:
        report.duplicate_of = duplicate_of
        report.findings.insert(0, Finding("duplicate_file", filename, {"upload": duplicate_of}))
    return Prepared(report, checked.values, checked.new_units, raw, filename)


def scope_finding(values: pd.DataFrame, scope: frozenset[str] | None, filename: str) -> Finding | None:
    """An ``out_of_scope`` error naming the units of ``values`` outside ``scope`` (as the
    file writes them), or None when every row is within it."""
    if scope is None or values.empty:
        return None
    outside = values[~values["unit"].isin(scope)]
    if outside.empty:
        return None
    names = list(dict.fromkeys(str(t) if isinstance(t, str) and t else str(u)
                               for u, t in zip(outside["unit"], outside.get("unit_text", outside["unit"]))))
    shown = "、".join(names[:10]) + ("……" if len(names) > 10 else "")
    return Finding("out_of_scope", filename, {"units": shown, "n": len(names)})


def prepare(store, raw: bytes, filename: str, *, period: str | None = None, allow_new_units: bool = False,
            catalog: Catalog | None = None, uploader: str | None = None) -> Prepared:
    """:func:`dry_run` with units, current values and duplicates taken from ``store``; a
    clerk ``uploader`` is limited to her units (:func:`ingest.scope.upload_scope`)."""
    from ingest.scope import upload_scope

    catalog = catalog or resources.catalog()
    filename = safe_filename(filename)
    try:  # refuse a broken or hostile file before touching the database at all
        guard.check(raw, filename)
    except UnreadableFile as exc:
        report = ImportReport(filename=filename, sha256=sha256(raw), readable=False, findings=[exc.finding])
        return Prepared(report, pd.DataFrame(columns=VALUE_FRAME), pd.DataFrame(), raw, filename)
    reviews = store.reviews()
    locked = []
    if len(reviews):  # approved quarters: the latest review action of the unit's quarter is approve
        last = reviews.groupby(["unit", "period"])["action"].last()
        locked = [pair for pair, action in last.items() if action == "approve"]
    units = store.units()
    aliases = store.unit_aliases().groupby("unit")["name"].agg(list)
    if len(aliases):  # a renamed unit's old names still find it (ingest.validate.UnitResolver)
        units = units.assign(aliases=units["code"].map(aliases))
    return dry_run(raw, filename, catalog=catalog, units=units, current=lambda *needed: current_values(store, *needed),
                   period=period,
                   allow_new_units=allow_new_units, duplicate_of=store.find_upload_by_hash(sha256(raw)),
                   uploader=uploader, locked=locked, scope=upload_scope(store, uploader, units),
                   uploader_units=tuple(store.user_units(uploader)["unit"]) if uploader else ())


NOTE_LIMIT = 500  # characters of the clerk's note kept with an upload


def commit(store, prepared: Prepared, uploader: str, *, acknowledged: bool = False, source: str = "upload",
           note: str = "") -> int:
    """Store what the dry run reported; returns the new upload id. Raises :class:`ImportRefused`,
    or :class:`store.db.StoreBusy` when the database stays locked (nothing is stored; try again).

    The units the dry run found new are looked up again inside the write transaction, by the
    dry run's own rule (:class:`ingest.validate.UnitResolver`: code, then name, width and
    spaces folded): one created meanwhile by another import is used, the others are created
    with codes free at that moment, and the values are stored under those codes. Logged as
    ``import.committed`` or ``import.refused`` (see :mod:`logsetup`)."""
    try:
        upload_id = _commit(store, prepared, uploader, acknowledged=acknowledged, source=source, note=note)
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


def _commit(store, prepared: Prepared, uploader: str, *, acknowledged: bool, source: str, note: str) -> int:
    from metrics.report_text import clean_text
    from store.db import DuplicateUpload, NewUpload, PeriodLocked

    report = prepared.report
    if not prepared.can_commit:
        raise ImportRefused("duplicate" if report.duplicate_of else "has_errors", report.duplicate_of)
    if prepared.needs_ack and not acknowledged:
        raise ImportRefused("needs_ack")
    from ingest.scope import upload_scope  # again at commit: her units may have changed since the dry run
    if scope_finding(prepared.values, upload_scope(store, uploader), prepared.filename) is not None:
        raise ImportRefused("out_of_scope")
    values = prepared.values[["unit", "indicator", "period", "value", "approximate"]]
    new_units = None
    if len(prepared.new_units):
        new_units = prepared.new_units.drop(columns=["where"], errors="ignore").assign(is_example=False)
        if "file_code" in new_units:
            new_units["file_code"] = new_units["file_code"].fillna("")
    summary = report.summary()
    note = clean_text(note or "").strip()[:NOTE_LIMIT]
    if note:  # the clerk's word on the figures ("why did this figure jump"), shown where they are explained
        summary["note"] = note
    try:  # new units, the file and its values: one transaction
        return store.add_upload(NewUpload(prepared.filename, prepared.raw, uploader, values, report.period,
                                          source=source, report=summary, new_units=new_units,
                                          unit_matcher=UnitResolver))
    except DuplicateUpload as exc:
        raise ImportRefused("duplicate", exc.upload_id) from None
    except PeriodLocked as exc:  # approved between the dry run and the commit: nothing stored
        refused = ImportRefused("locked")
        refused.pairs = exc.pairs
        raise refused from None
