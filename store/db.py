"""The :class:`Store`: every read and write of the database goes through here.

Reads use :meth:`Store.read` and writes :meth:`Store.write`. On SQLite (the default, in WAL
mode) a read is a plain deferred ``BEGIN`` and never waits for a writer; only a write takes the
write lock, with ``BEGIN IMMEDIATE``, so two sessions never interleave half-writes. A lock that
cannot be had within the busy timeout (``$UNION_DB_BUSY_TIMEOUT`` seconds, default 30; on
PostgreSQL the ``lock_timeout`` of each write) raises :class:`StoreBusy`, never a raw driver error.
PostgreSQL works unchanged: set ``UNION_DB_URL=postgresql+psycopg://user@host/db``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from store import bulk as _bulk
from store import schema as s
from store import summary as _summary

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'union.sqlite'}"
ENV_URL = "UNION_DB_URL"
ENV_BUSY_TIMEOUT = "UNION_DB_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 30.0  # seconds a write waits for the write lock before StoreBusy
#: SQLite page cache per connection, KiB (``PRAGMA cache_size``); pages are taken as needed, so
#: a connection that only reads a little stays small
SQLITE_CACHE_KIB = 131_072
WRITE_ATTEMPTS = 3  # an import whose new units conflict with a concurrent one is tried this often
# PostgreSQL advisory transaction locks (two-key form): (class, key)
_LOCK_FILE, _LOCK_UNITS, _LOCK_SCHEMA, _LOCK_REVIEW = 1, 2, 3, 4
# Store.data_version: the newest id of each table whose change changes what counts
_DATA_VERSION = sa.select(*[sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0)).scalar_subquery()
                            for t in (s.uploads, s.upload_events, s.targets, s.audit_log)])
log = logging.getLogger("union.store")

#: Review actions (issue 10): approve locks a unit's quarter, return sends it back, unlock lifts the lock.
REVIEW_ACTIONS = ("approve", "return", "unlock")


class StoreBusy(RuntimeError):
    """The database could not be used in time; nothing was stored, and trying again later helps.

    ``reason``: ``locked`` (another import or change held the lock longer than the busy
    timeout) or ``conflict`` (a concurrent import kept creating the same units; retried
    :data:`WRITE_ATTEMPTS` times). The message for users is ``i18n`` key ``store.busy.<reason>``.
    """

    def __init__(self, reason: str = "locked", detail: str = ""):
        super().__init__(f"database busy ({reason}): {detail}".rstrip(": "))
        self.reason = reason
        self.detail = detail


def busy_timeout() -> float:
    """Seconds a write waits for the lock: ``$UNION_DB_BUSY_TIMEOUT``, default 30."""
    try:
        return max(0.0, float(os.environ.get(ENV_BUSY_TIMEOUT) or DEFAULT_BUSY_TIMEOUT))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT


def _busy_reason(exc: BaseException) -> str | None:
    """``locked`` for a lock wait that timed out, ``conflict`` for a unique, serialization or
    deadlock failure that a retry can resolve, else None (a real error)."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED and their extended codes
            return "locked"
        text = str(orig).lower()
        if "database is locked" in text or "database is busy" in text or "table is locked" in text:
            return "locked"
        if "unique constraint failed" in text:
            return "conflict"
        return None
    state = getattr(orig, "sqlstate", None)
    if state in ("55P03", "57014"):  # lock_not_available (lock_timeout), query_canceled
        return "locked"
    if state in ("40001", "40P01", "23505"):  # serialization failure, deadlock, unique violation
        return "conflict"
    return None


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``$UNION_DB_URL``, else ``var/union.sqlite``."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


def now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str | None = None) -> sa.Engine:
    """An engine for ``url``. SQLite: the folder is created, WAL, busy timeout, a deferred
    ``BEGIN`` for reads and ``BEGIN IMMEDIATE`` for :meth:`Store.write` transactions."""
    url = database_url(url)
    timeout = busy_timeout()
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        # a URI filename ("file:/path?mode=ro&uri=true", e.g. a read-only copy) is SQLite's to
        # open: made into a folder, it became a directory "file:" in the working directory
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # a larger page cache than SQLite's 2 MB default: an import of 20,000 units writes
            # 700,000 values and 2 M summary rows into indexes of millions of rows (issue 12)
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover
            # only writers take the write lock; WAL readers see a snapshot and never wait
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("union_write") else "BEGIN")

        return engine
    # psycopg 3 turns a statement it has run five times into a server-side prepared statement,
    # and PostgreSQL then plans it once for any parameters (a generic plan): the chunked reads
    # of "unit IN (500 codes) AND period BETWEEN …" were planned as a scan of the period index
    # with a 500-parameter filter on every row, 30 s each, so committing 20,000 new units at
    # size M took 25 minutes (issue 12). Unprepared statements are planned with their values.
    connect_args = {"prepare_threshold": None} if sa.engine.make_url(url).get_driver_name() == "psycopg" else {}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@dataclass(frozen=True)
class NewUpload:
    """What an import commits: the file and the long table of values read from it."""

    filename: str
    raw: bytes
    uploader: str
    values: pd.DataFrame  # unit, indicator, period, value, approximate
    period: str | None = None
    source: str = "upload"
    is_example: bool = False
    report: dict | None = None
    # units the file introduces: code (provisional), name_zh, name_en, parent, level[, file_code]; they
    # are looked up again and created inside the write transaction (see Store.add_upload)
    new_units: pd.DataFrame | None = None
    # given the units table as it is inside that transaction, a function (file_code, name) -> the
    # code of an existing unit that the file's row means, or None; default: same code or same name
    unit_matcher: Callable[[pd.DataFrame], Callable[[str, str], str | None]] | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


class DuplicateUpload(ValueError):
    """The same file (by SHA-256) is already stored and not withdrawn."""

    def __init__(self, upload_id: int):
        super().__init__(f"this file was already imported as upload #{upload_id}")
        self.upload_id = upload_id


class SameFileActive(DuplicateUpload):
    """Restoring ``restoring`` would make two active uploads of the same bytes: ``upload_id``
    (the same SHA-256) still counts. Withdraw that one first."""

    def __init__(self, restoring: int, upload_id: int):
        ValueError.__init__(self, f"upload #{restoring} is the same file as upload #{upload_id}, which still counts")
        self.restoring = restoring
        self.upload_id = upload_id


class UserExists(ValueError):
    """A user with this name (in any letter case) is already there."""

    def __init__(self, username: str):
        super().__init__(f"user {username} already exists")
        self.username = username


class UnknownUser(LookupError):
    """No user with this name."""

    def __init__(self, username: str):
        super().__init__(f"no user {username}")
        self.username = username


class RequestDecided(ValueError):
    """A unit request that is no longer pending (decided meanwhile in another session)."""

    def __init__(self, request_id: int, status: str):
        super().__init__(f"request {request_id} is {status}")
        self.request_id, self.status = request_id, status


class PeriodLocked(ValueError):
    """A write would change a unit's quarter that has been approved (审核通过) and so locked;
    nothing was changed. ``pairs``: the locked ``(unit, period)`` pairs it touched."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.pairs = sorted(set(pairs))
        super().__init__("locked: " + ", ".join(f"{u} {p}" for u, p in self.pairs))


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for timezone-aware columns: they are UTC."""
    if moment is None or (isinstance(moment, float) and pd.isna(moment)):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Store:
    """All reads and writes. Cheap to create; holds only the engine.

    Every method reads through :meth:`read` and writes through :meth:`write`; code outside this
    class that writes must use :meth:`write` too (a plain ``engine.begin()`` would not take the
    SQLite write lock up front)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # ---- transactions -------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for reading: one snapshot (SQLite: deferred ``BEGIN``, never waits for a
        writer in WAL mode). Raises :class:`StoreBusy` instead of a driver's "locked" error."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            if _busy_reason(exc) == "locked":
                raise StoreBusy("locked", str(exc.orig)) from exc
            raise

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction, committed on success and rolled back on any error. SQLite:
        ``BEGIN IMMEDIATE`` (the write lock is taken first, waiting up to the busy timeout);
        PostgreSQL: ``lock_timeout`` set to the same. A lock not had in time: :class:`StoreBusy`."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(union_write=True)
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(busy_timeout() * 1000)}ms'")
                    yield conn
        except sa.exc.DBAPIError as exc:
            if _busy_reason(exc) == "locked":
                raise StoreBusy("locked", str(exc.orig)) from exc
            raise

    def _write_retrying(self, work: Callable[[sa.Connection], int]) -> int:
        """``work(conn)`` in a write transaction, tried again (from scratch) when it collides with
        a concurrent writer (unique, serialization or deadlock failure); :class:`StoreBusy`
        ``conflict`` after :data:`WRITE_ATTEMPTS` tries."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.write() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as exc:
                if _busy_reason(exc) != "conflict":
                    raise
                if attempt == WRITE_ATTEMPTS:
                    raise StoreBusy("conflict", str(exc.orig)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _lock(conn: sa.Connection, kind: int, key: str = "") -> None:
        """PostgreSQL: serialise writers on ``(kind, key)`` until the transaction ends (SQLite's
        ``BEGIN IMMEDIATE`` already serialises all writers)."""
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k, hashtext(:h))"), {"k": kind, "h": key})

    # ---- schema -------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Bring the schema to the newest migration (idempotent; see :mod:`store.migrate`). Only
        reads when it is already there, so opening a store never waits for a running import."""
        from store import migrate

        migrate.upgrade(self)

    # ---- units --------------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        """The org tree: code, name_zh, name_en, parent, level, is_example, and each unit's
        reporting span: active_from, active_until (quarters, "" when open), merged_into."""
        with self.read() as conn:
            frame = pd.read_sql(sa.select(s.units).order_by(s.units.c.created_at, s.units.c.code), conn)
        frame["parent"] = frame["parent"].fillna("")
        for col in s.UNIT_SPAN_COLUMNS:
            frame[col] = frame[col].fillna("").astype(str)
        return frame.drop(columns=["created_at"])

    def set_unit_span(self, code: str, active_from: str = "", active_until: str = "", merged_into: str = "",
                      actor: str = "system") -> None:
        """Set when ``code`` is expected to report (quarters like ``2018Q1``; "" for open) and
        the unit it merged into; audited with the old and new values. Raises KeyError for an
        unknown unit."""
        new = {"active_from": active_from or None, "active_until": active_until or None,
               "merged_into": merged_into or None}
        with self.write() as conn:
            old = conn.execute(sa.select(*[s.units.c[c] for c in s.UNIT_SPAN_COLUMNS])
                               .where(s.units.c.code == code)).mappings().first()
            if old is None:
                raise KeyError(code)
            conn.execute(sa.update(s.units).where(s.units.c.code == code).values(**new))
            _summary.after_units(conn, [code], spans_changed=True)
            self._audit(conn, actor, "units.span", {"code": code, "old": dict(old), "new": new})

    # ---- the org tree managed in the app (issue 10; ingest/units_admin.py checks the input) ----
    def unit_aliases(self) -> pd.DataFrame:
        """Earlier names of renamed units: unit, name, until."""
        with self.read() as conn:
            return pd.read_sql(sa.select(s.unit_aliases).order_by(s.unit_aliases.c.unit, s.unit_aliases.c.until), conn)

    def rename_unit(self, code: str, name_zh: str, name_en: str | None = None, actor: str = "system") -> None:
        """Give ``code`` a new name; the old Chinese (and English) name is kept as an alias, so a
        file with the old name still finds the unit. Audited. Raises KeyError for an unknown unit."""
        with self.write() as conn:
            old = conn.execute(sa.select(s.units.c.name_zh, s.units.c.name_en)
                               .where(s.units.c.code == code)).mappings().first()
            if old is None:
                raise KeyError(code)
            values = {"name_zh": name_zh, **({"name_en": name_en} if name_en is not None else {})}
            conn.execute(sa.update(s.units).where(s.units.c.code == code).values(**values))
            kept = {n for n in (old["name_zh"], old["name_en"] if name_en is not None else "") if n}
            kept -= {name_zh, name_en}
            have = set(conn.execute(sa.select(s.unit_aliases.c.name).where(s.unit_aliases.c.unit == code)).scalars())
            rows = [{"unit": code, "name": n, "until": now()} for n in sorted(kept - have)]
            if rows:
                conn.execute(sa.insert(s.unit_aliases), rows)
            self._audit(conn, actor, "units.rename", {"code": code, "old": dict(old), "new": values})

    def add_units(self, frame: pd.DataFrame, actor: str = "system") -> int:
        """Insert units that are not there yet (by code); returns how many were added."""
        def work(conn: sa.Connection) -> int:
            self._lock(conn, _LOCK_UNITS)
            return self._add_units(conn, frame, actor)
        return self._write_retrying(work)

    def _add_units(self, conn: sa.Connection, frame: pd.DataFrame, actor: str, action: str = "units.add",
                   detail: dict | None = None, *, roll_up: bool = True) -> int:
        """Insert the units of ``frame`` not there yet in one statement; ``roll_up=False``: the
        caller rolls them up later in the same write (``summary.after_values(new_units=…)``)."""
        existing = set(conn.execute(sa.select(s.units.c.code)).scalars().all())
        new = frame[~frame["code"].isin(existing)]
        if new.empty:
            return 0
        rows = [
            {
                "code": str(r.code),
                "name_zh": str(r.name_zh),
                "name_en": str(getattr(r, "name_en", "") or ""),
                "parent": (str(r.parent) or None) if isinstance(r.parent, str) else None,
                "level": str(r.level),
                "is_example": bool(getattr(r, "is_example", False)),
                "created_at": now(),
                **{c: _span_text(getattr(r, c, "")) for c in s.UNIT_SPAN_COLUMNS},
            }
            for r in new.itertuples(index=False)
        ]
        conn.execute(sa.insert(s.units), rows)
        if roll_up:
            _summary.after_units(conn, [r["code"] for r in rows])
        self._audit(conn, actor, action, {"codes": [r["code"] for r in rows], **(detail or {})})
        return len(rows)

    # ---- units a file names that the tree lacks (issue 10; ingest/unit_requests.py checks them) ----
    def _insert_named_unit(self, conn: sa.Connection, unit: dict, aliases: Iterable[str], actor: str,
                           action: str, detail: dict) -> str:
        """Inside a write: create ``unit`` (code, name_zh, parent, level; a free ``N0001``-style
        code when code is empty) and keep ``aliases`` (the name as a file writes it) for the
        reader; one audit entry ``action``. Returns the code."""
        self._lock(conn, _LOCK_UNITS)
        taken = set(conn.execute(sa.select(s.units.c.code)).scalars())
        code = unit.get("code") or _free_code(taken)
        if code in taken:
            raise ValueError(f"unit code {code} is taken")
        row = {"code": code, "name_zh": unit["name_zh"], "name_en": unit.get("name_en", ""),
               "parent": unit["parent"], "level": unit["level"], "active_from": unit.get("active_from", "")}
        self._add_units(conn, pd.DataFrame([row]), actor, action,
                        {**detail, "name": unit["name_zh"], "parent": unit["parent"],
                         "parent_name": self._unit_name(conn, unit["parent"])})
        names = sorted({a for a in aliases if a and a != unit["name_zh"]})
        if names:
            conn.execute(sa.insert(s.unit_aliases), [{"unit": code, "name": n, "until": now()} for n in names])
        return code

    def add_unit_from_upload(self, unit: dict, aliases: Iterable[str], filename: str, actor: str) -> str:
        """An administrator adds a unit an upload names (audited ``units.add_from_upload`` with the
        file); returns its code."""
        return self._write_retrying(lambda conn: self._insert_named_unit(
            conn, unit, aliases, actor, "units.add_from_upload", {"file": filename}))

    def add_unit_request(self, name_zh: str, file_name: str, parent: str, filename: str,
                         requested_by: str) -> tuple[int, bool]:
        """Record a clerk's request for a new unit; ``(id, True)``, or ``(id, False)`` when a
        request for the same name (width, case and spaces folded) is already pending."""
        with self.write() as conn:
            self._lock(conn, _LOCK_UNITS)
            pending = conn.execute(sa.select(s.unit_requests.c.id, s.unit_requests.c.name_zh)
                                   .where(s.unit_requests.c.status == "pending")).all()
            for rid, name in pending:
                if _fold(name) == _fold(name_zh):
                    return int(rid), False
            rid = conn.execute(sa.insert(s.unit_requests).values(
                name_zh=name_zh, file_name=file_name, parent=parent, filename=filename[:300],
                requested_by=requested_by, requested_at=now(), status="pending")).inserted_primary_key[0]
            self._audit(conn, requested_by, "unit_request.submit",
                        {"request": int(rid), "name": name_zh, "parent": parent,
                         "parent_name": self._unit_name(conn, parent), "file": filename})
            return int(rid), True

    def unit_requests(self, status: str | None = None, requested_by: str | None = None) -> pd.DataFrame:
        """Unit requests, newest first: id, name_zh, file_name, parent, filename, requested_by,
        requested_at, status, decided_by, decided_at, reason, unit."""
        q = sa.select(s.unit_requests).order_by(s.unit_requests.c.id.desc())
        if status is not None:
            q = q.where(s.unit_requests.c.status == status)
        if requested_by is not None:
            q = q.where(s.unit_requests.c.requested_by == requested_by)
        with self.read() as conn:
            frame = pd.read_sql(q, conn)
        for col in ("decided_by", "unit"):
            frame[col] = frame[col].fillna("").astype(str)
        return frame

    @staticmethod
    def _unit_name(conn: sa.Connection, code: str) -> str:
        return conn.execute(sa.select(s.units.c.name_zh).where(s.units.c.code == code)).scalar() or str(code)

    def _pending_request(self, conn: sa.Connection, request_id: int) -> dict:
        row = conn.execute(sa.select(s.unit_requests).where(s.unit_requests.c.id == request_id)).mappings().first()
        if row is None:
            raise KeyError(request_id)
        if row["status"] != "pending":
            raise RequestDecided(request_id, row["status"])
        return dict(row)

    def confirm_unit_request(self, request_id: int, unit: dict, aliases: Iterable[str], actor: str) -> str:
        """Create the requested ``unit`` (as the administrator settled it: name, parent, level)
        and mark the request confirmed, in one transaction; returns the new code. Raises
        :class:`RequestDecided` when it was decided meanwhile (nothing changes)."""
        def work(conn: sa.Connection) -> int:
            self._lock(conn, _LOCK_UNITS)
            request = self._pending_request(conn, request_id)
            code = self._insert_named_unit(conn, unit, aliases, actor, "unit_request.confirm",
                                           {"request": request_id, "requested_by": request["requested_by"],
                                            "file": request["filename"]})
            conn.execute(sa.update(s.unit_requests).where(s.unit_requests.c.id == request_id).values(
                status="confirmed", decided_by=actor, decided_at=now(), unit=code))
            return code
        return self._write_retrying(work)

    def reject_unit_request(self, request_id: int, reason: str, actor: str) -> None:
        """Mark the request rejected with ``reason`` (audited). Raises :class:`RequestDecided`."""
        with self.write() as conn:
            self._lock(conn, _LOCK_UNITS)
            request = self._pending_request(conn, request_id)
            conn.execute(sa.update(s.unit_requests).where(s.unit_requests.c.id == request_id).values(
                status="rejected", decided_by=actor, decided_at=now(), reason=reason))
            self._audit(conn, actor, "unit_request.reject",
                        {"request": request_id, "name": request["name_zh"], "requested_by": request["requested_by"],
                         "reason": reason})

    def _bind_new_units(self, conn: sa.Connection, upload: NewUpload) -> tuple[dict[str, str], list[str]]:
        """Inside the write transaction: find each unit the file introduces again (another
        import may have created it since the dry run) and create the ones still missing, with
        codes free now, in one statement. Returns ({provisional code: code}, the codes created);
        the caller rolls the created ones up with the values. A federation row (an empty
        database's first import) becomes the federation that exists by now, if any."""
        frame = upload.new_units
        self._lock(conn, _LOCK_UNITS)
        units = pd.read_sql(sa.select(s.units.c.code, s.units.c.name_zh, s.units.c.name_en, s.units.c.level), conn)
        match = (upload.unit_matcher or _same_code_or_name)(units)
        taken = set(units["code"])
        feds = units.loc[units["level"] == "federation", "code"]
        federation = str(feds.iloc[0]) if len(feds) else None
        mapping: dict[str, str] = {}
        rows = []
        ordered = sorted(frame.to_dict("records"), key=lambda r: r.get("level") != "federation")
        for r in ordered:
            code = str(r["code"])
            if r.get("level") == "federation" and federation is not None:
                mapping[code] = federation
                continue
            file_code = r.get("file_code", code)
            found = match(file_code if isinstance(file_code, str) else "", str(r.get("name_zh") or ""))
            if found is not None:
                mapping[code] = found
                continue
            final = code if code and code not in taken else _free_code(taken)
            taken.add(final)
            mapping[code] = final
            if r.get("level") == "federation":
                federation = final
            rows.append({**r, "code": final})
        if rows:
            new = pd.DataFrame(rows)
            new["parent"] = [mapping.get(p, p) if isinstance(p, str) else p for p in new["parent"]] \
                if "parent" in new else ""
            self._add_units(conn, new.drop(columns=["file_code"], errors="ignore"), upload.uploader, roll_up=False)
        return mapping, [r["code"] for r in rows]

    # ---- uploads and observations ---------------------------------------------------------
    def find_upload_by_hash(self, sha256: str) -> int | None:
        """The id of an active upload with these bytes, if any."""
        with self.read() as conn:
            return self._active_upload_with_hash(conn, sha256)

    @staticmethod
    def _active_upload_with_hash(conn: sa.Connection, sha256: str) -> int | None:
        ids = conn.execute(sa.select(s.uploads.c.id).where(s.uploads.c.sha256 == sha256)
                           .order_by(s.uploads.c.id)).scalars().all()
        if not ids:
            return None
        events = conn.execute(
            sa.select(s.upload_events.c.upload_id, s.upload_events.c.action)
            .where(s.upload_events.c.upload_id.in_(ids)).order_by(s.upload_events.c.id)
        ).all()
        last = dict(events)
        hits = [i for i in ids if last.get(i) != "withdraw"]
        return hits[-1] if hits else None

    def add_upload(self, upload: NewUpload) -> int:
        """Store the file, its new units and its values in one write transaction; returns the upload id.

        The units the file introduces are looked up again by name and created there, with codes
        allocated there, and the values bound to them; a collision with a concurrent import is
        retried, then refused with :class:`StoreBusy`. Raises :class:`DuplicateUpload` if the same
        bytes are already stored and active.
        """
        return self._write_retrying(lambda conn: self._add_upload(conn, upload))

    def add_uploads(self, uploads: list[NewUpload]) -> list[int]:
        """Store several files in ONE write transaction (all or none), rolling up once at the
        end rather than after each file: the loader of the example data and of benchmark data.
        Same checks as :meth:`add_upload`."""
        ids: list[int] = []

        def work(conn: sa.Connection) -> int:
            ids.clear()
            touched, created = [], []
            for upload in uploads:
                ids.append(self._add_upload(conn, upload, roll_up=False, created=created))
                touched.append(conn.execute(sa.select(s.observations.c.unit, s.observations.c.period)
                                            .where(s.observations.c.upload_id == ids[-1]).distinct()).all())
            pairs = pd.DataFrame([row for rows in touched for row in rows], columns=["unit", "period"])
            _summary.after_values(conn, pairs, new_units=created)
            return len(ids)

        self._write_retrying(work)
        return list(ids)

    def _add_upload(self, conn: sa.Connection, upload: NewUpload, *, roll_up: bool = True,
                    created: list[str] | None = None) -> int:
        """One upload inside the write ``conn``. ``roll_up=False``: the caller rolls up (the
        units this upload created are appended to ``created``)."""
        values = upload.values
        new_codes: list[str] = []
        # Checked inside the write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a lock
        # on the file's hash), so two sessions sending the same file at once store it once.
        self._lock(conn, _LOCK_FILE, upload.sha256)
        dup = self._active_upload_with_hash(conn, upload.sha256)
        if dup is not None:
            raise DuplicateUpload(dup)
        if upload.new_units is not None and len(upload.new_units):
            mapping, new_codes = self._bind_new_units(conn, upload)
            if created is not None:
                created.extend(new_codes)
            if len(values) and any(k != v for k, v in mapping.items()):
                values = values.assign(unit=[mapping.get(u, u) for u in values["unit"]])
        self._refuse_locked(conn, values)
        upload_id = conn.execute(
            sa.insert(s.uploads).values(
                filename=upload.filename[:300],
                sha256=upload.sha256,
                size=len(upload.raw),
                uploader=upload.uploader,
                uploaded_at=now(),
                period=upload.period,
                source=upload.source,
                is_example=upload.is_example,
                n_values=len(values),
                report=json.dumps(upload.report or {}, ensure_ascii=False, default=str),
                raw=upload.raw,
            )
        ).inserted_primary_key[0]
        if len(values):
            _insert_observations(conn, int(upload_id), values)
        if roll_up and (len(values) or new_codes):
            _summary.after_values(conn, pd.DataFrame({"unit": values["unit"].astype(str),
                                                      "period": values["period"].astype(str)}),
                                  new_units=new_codes, upload=int(upload_id))
        self._audit(conn, upload.uploader, "upload.commit",
                    {"upload": upload_id, "file": upload.filename, "values": len(values), "period": upload.period})
        return int(upload_id)

    def uploads(self) -> pd.DataFrame:
        """Every upload, newest first, with ``status`` (active / withdrawn), without the raw bytes."""
        cols = [c for c in s.uploads.c if c.name != "raw"]
        with self.read() as conn:
            frame = pd.read_sql(sa.select(*cols).order_by(s.uploads.c.id.desc()), conn)
        active = self.active_upload_ids()
        frame["status"] = ["active" if i in active else "withdrawn" for i in frame["id"]]
        return frame

    def upload_raw(self, upload_id: int) -> bytes:
        with self.read() as conn:
            return conn.execute(sa.select(s.uploads.c.raw).where(s.uploads.c.id == upload_id)).scalar_one()

    def active_upload_ids(self) -> set[int]:
        """Uploads whose latest event is not a withdrawal."""
        with self.read() as conn:
            ids = conn.execute(sa.select(s.uploads.c.id)).scalars().all()
            events = conn.execute(
                sa.select(s.upload_events.c.upload_id, s.upload_events.c.action).order_by(s.upload_events.c.id)
            ).all()
        last = {}
        for upload_id, action in events:
            last[upload_id] = action
        return {i for i in ids if last.get(i) != "withdraw"}

    def withdraw(self, upload_ids: Iterable[int], actor: str, reason: str = "", *, check_lock: bool = True) -> None:
        """Stop counting these uploads' values (the previous values come back). Undo: :meth:`restore`.
        Refused with :class:`PeriodLocked` (nothing changes) when an upload holds values of a
        unit's approved quarter (``check_lock=False``: only for removing the example data)."""
        self._upload_event(upload_ids, "withdraw", actor, reason, check_lock)

    def restore(self, upload_ids: Iterable[int], actor: str, reason: str = "") -> None:
        """Undo a withdrawal. Refused with :class:`SameFileActive` (nothing changes) when another
        upload of the same bytes counts now: one file counts once; withdraw that one first.
        Refused with :class:`PeriodLocked` like :meth:`withdraw`."""
        self._upload_event(upload_ids, "restore", actor, reason)

    def _upload_event(self, upload_ids: Iterable[int], action: str, actor: str, reason: str,
                      check_lock: bool = True) -> None:
        ids = [int(i) for i in upload_ids]
        if not ids:
            return
        with self.write() as conn:
            if check_lock:
                touched = pd.DataFrame(conn.execute(
                    sa.select(s.observations.c.unit, s.observations.c.period).distinct()
                    .where(s.observations.c.upload_id.in_(ids))).all(), columns=["unit", "period"])
                self._refuse_locked(conn, touched)
            if action == "restore":
                hashes = dict(conn.execute(sa.select(s.uploads.c.id, s.uploads.c.sha256)
                                           .where(s.uploads.c.id.in_(ids))).all())
                for sha in sorted(set(hashes.values())):
                    self._lock(conn, _LOCK_FILE, sha)
                for i in ids:  # one at a time, so two restored copies of one file also collide
                    active = self._active_upload_with_hash(conn, hashes.get(i, ""))
                    if active is not None and active != i:
                        raise SameFileActive(i, active)
                    conn.execute(sa.insert(s.upload_events).values(
                        upload_id=i, action=action, actor=actor, at=now(), reason=reason))
            else:
                conn.execute(
                    sa.insert(s.upload_events),
                    [{"upload_id": i, "action": action, "actor": actor, "at": now(), "reason": reason} for i in ids],
                )
            touched = pd.DataFrame(conn.execute(
                sa.select(s.observations.c.unit, s.observations.c.period).distinct()
                .where(s.observations.c.upload_id.in_(ids))).all(), columns=["unit", "period"])
            _summary.after_values(conn, touched)
            self._audit(conn, actor, f"upload.{action}", {"uploads": ids, "reason": reason})
        log.info("upload %s: %s", action, ids, extra={"event": f"upload.{action}", "user": actor, "uploads": ids,
                                                       "reason": reason})

    def observations(self, *, include_withdrawn: bool = False) -> pd.DataFrame:
        """Every stored observation (upload_id, unit, indicator, period, value, approximate),
        by default only those of active uploads. Use :func:`metrics.rollup.current` to resolve
        which value counts."""
        q = sa.select(
            s.observations.c.upload_id, s.observations.c.unit, s.observations.c.indicator,
            s.observations.c.period, s.observations.c.value, s.observations.c.approximate,
        )
        if not include_withdrawn:
            active = sorted(self.active_upload_ids())
            if not active:
                return _empty_observations()
            q = q.where(s.observations.c.upload_id.in_(active))
        with self.read() as conn:
            result = conn.execute(q)
            # the driver's plain tuples: SQLAlchemy's per-row processing (pd.read_sql) took 40% of
            # reading 1.5 M values; booleans and floats are converted below
            rows = result.cursor.fetchall() if result.cursor is not None else []
            result.close()
        frame = pd.DataFrame.from_records(rows, columns=["upload_id", "unit", "indicator", "period", "value",
                                                         "approximate"], nrows=len(rows))
        if frame.empty:
            return _empty_observations()
        frame["upload_id"] = frame["upload_id"].astype("int64")
        frame["approximate"] = frame["approximate"].astype(bool)
        frame["value"] = frame["value"].astype(float)
        return frame

    # ---- roll-ups kept in the database (issue 12; store/summary.py) -----------------------
    def quarters(self, units: Iterable[str] | None = None) -> list[str]:
        """Every quarter with a value that counts, oldest first (from ``reported_quarters``);
        with ``units``, the quarters any of them reported."""
        with self.read() as conn:
            return _summary.quarters(conn) if units is None else _summary.quarters_of(conn, units)

    def source_uploads(self, unit: str, indicators: Iterable[str], start: str, end: str) -> set[int]:
        """The uploads whose values count for ``indicators`` of ``unit`` and the units below it
        over the quarters ``start``..``end`` (from ``current_values`` and ``unit_closure``)."""
        cv, cl = s.current_values, s.unit_closure
        q = (sa.select(cv.c.upload_id).distinct().join(cl, cl.c.descendant == cv.c.unit)
             .where(cl.c.ancestor == unit, cv.c.indicator.in_(sorted(set(indicators))),
                    cv.c.period >= start, cv.c.period <= end))
        with self.read() as conn:
            return {int(i) for i in conn.execute(q).scalars()}

    def unit_quarterly(self, unit: str) -> pd.DataFrame:
        """``unit``'s roll-up with all its descendants: the rows of
        :func:`metrics.rollup.quarterly` for it, read from ``unit_summary``."""
        with self.read() as conn:
            return _summary.unit_quarterly(conn, unit)

    def units_quarterly(self, units: Iterable[str], period: str | None = None,
                        indicators: Iterable[str] | None = None, start: str | None = None,
                        end: str | None = None) -> pd.DataFrame:
        """The roll-ups of several units with a ``unit`` column (one quarter, or every quarter;
        only ``indicators`` when given; only the quarters ``start``..``end`` when given)."""
        with self.read() as conn:
            return _summary.units_quarterly(conn, units, period, indicators, start, end)

    def units_cube(self, units: Iterable[str] | None, indicators: Iterable[str], start: str, end: str,
                   cube_units: Iterable[str] | None = None):
        """The roll-ups of ``units`` (None: every unit, in one query) for ``indicators`` over the
        quarters ``start``..``end`` as a :class:`metrics.unitgrid.QuarterCube` of ``cube_units``
        (default ``units``): the units grid's read (:func:`store.summary.units_cube`)."""
        with self.read() as conn:
            return _summary.units_cube(conn, units, indicators, start, end, cube_units)

    def upload_ids_of_units(self, units: Iterable[str]) -> set[int]:
        """The uploads (active or withdrawn) holding a value of any of ``units``: one
        ``DISTINCT upload_id`` query per chunk of units, not every stored value."""
        codes = sorted(set(units))
        o = s.observations
        found: set[int] = set()
        with self.read() as conn:
            for i in range(0, len(codes), 500):
                found.update(int(u) for u in conn.execute(
                    sa.select(o.c.upload_id).distinct().where(o.c.unit.in_(codes[i:i + 500]))).scalars())
        return found

    def children(self, unit: str) -> list[str]:
        """The units directly below ``unit`` (from ``unit_closure``)."""
        with self.read() as conn:
            return _summary.closure.children(conn, unit)

    def children_quarterly(self, unit: str, period: str | None = None) -> pd.DataFrame:
        """The roll-ups of ``unit``'s children, with a ``unit`` column (one quarter, or all)."""
        with self.read() as conn:
            return _summary.units_quarterly(conn, _summary.closure.children(conn, unit), period)

    def coverage(self, unit: str) -> pd.DataFrame:
        """``unit``'s reporting coverage: the rows of :func:`metrics.rollup.coverage`, read from
        ``unit_coverage``."""
        with self.read() as conn:
            return _summary.unit_coverage(conn, [unit]).drop(columns="unit")

    def units_coverage(self, units: Iterable[str] | None = None) -> pd.DataFrame:
        """Coverage of several units (None: all), with a ``unit`` column first."""
        with self.read() as conn:
            return _summary.unit_coverage(conn, None if units is None else list(units))

    def data_version(self) -> tuple[int, ...]:
        """Changes whenever what counts changes (new upload, withdrawal, target edit, new plan,
        new unit, renamed unit): a cache key. The audit log gets a row with every write."""
        # one statement (four scalar subqueries): pages ask for it a dozen times per rerun
        with self.read() as conn:
            return tuple(int(v) for v in conn.execute(_DATA_VERSION).one())

    def has_example_data(self) -> bool:
        """True while any example upload still counts."""
        frame = self.uploads()
        return bool(((frame["is_example"]) & (frame["status"] == "active")).any()) if len(frame) else False

    def remove_example_data(self, actor: str) -> int:
        """Withdraw every example upload (nothing is deleted); returns how many."""
        frame = self.uploads()
        ids = frame.loc[frame["is_example"] & (frame["status"] == "active"), "id"].tolist()
        self.withdraw(ids, actor, reason="remove example data", check_lock=False)
        return len(ids)

    def is_empty(self) -> bool:
        with self.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(s.uploads)).scalar_one() == 0

    # ---- plans and targets ---------------------------------------------------------------
    def add_plan(self, code: str, name_zh: str, name_en: str, start: str, end: str, base: str,
                 actor: str, *, is_example: bool = False, copied_from: str | None = None) -> None:
        with self.write() as conn:
            conn.execute(sa.insert(s.plans).values(
                code=code, name_zh=name_zh, name_en=name_en, start_period=start, end_period=end,
                base_period=base, is_example=is_example, copied_from=copied_from, created_by=actor, created_at=now()))
            self._audit(conn, actor, "plan.add", {"plan": code, "copied_from": copied_from})

    def plans(self) -> pd.DataFrame:
        with self.read() as conn:
            return pd.read_sql(sa.select(s.plans).order_by(s.plans.c.start_period), conn)

    def set_targets(self, plan: str, rows: Iterable[dict], actor: str) -> int:
        """Add a new version of each goal or quota (keys: indicator, unit, target_type, base_value,
        target_value, attribute, goal_direction, goal_text_zh, goal_text_en, active). Rows equal to
        the current version are skipped; returns how many versions were written."""
        current = self.targets(plan, history=False)
        key = {(r.indicator, r.unit): r for r in current.itertuples(index=False)}
        fields = ("target_type", "base_value", "target_value", "attribute", "goal_direction",
                  "goal_text_zh", "goal_text_en", "active")
        new_rows, changes = [], []
        for row in rows:
            row = {**_TARGET_DEFAULTS, **row}
            old = key.get((row["indicator"], row.get("unit") or ""))
            if old is not None and all(_same(getattr(old, f), row[f]) for f in fields):
                continue
            new_rows.append({**{f: row[f] for f in fields}, "plan": plan, "indicator": row["indicator"],
                             "unit": row.get("unit") or "", "changed_by": actor, "changed_at": now()})
            changes.append({"indicator": row["indicator"], "unit": row.get("unit") or "",
                            "old": None if old is None else {f: getattr(old, f) for f in fields},
                            "new": {f: row[f] for f in fields}})
        if new_rows:
            with self.write() as conn:
                conn.execute(sa.insert(s.targets), new_rows)
                self._audit(conn, actor, "targets.set", {"plan": plan, "changes": changes})
        return len(new_rows)

    def targets(self, plan: str | None = None, *, history: bool = False) -> pd.DataFrame:
        """Goals and quotas: the latest active version of each (plan, indicator, unit), or with
        ``history=True`` every version ever written, oldest first."""
        q = sa.select(s.targets).order_by(s.targets.c.id)
        if plan is not None:
            q = q.where(s.targets.c.plan == plan)
        with self.read() as conn:
            frame = pd.read_sql(q, conn)
        if history or frame.empty:
            return frame
        latest = frame.drop_duplicates(["plan", "indicator", "unit"], keep="last")
        return latest[latest["active"].astype(bool)].reset_index(drop=True)

    # ---- users -------------------------------------------------------------------------------
    def users(self) -> pd.DataFrame:
        """Everyone who may sign in (or could, if not disabled): username, display_name, role, active."""
        with self.read() as conn:
            frame = pd.read_sql(sa.select(s.users.c.username, s.users.c.display_name, s.users.c.role,
                                          s.users.c.active).order_by(s.users.c.username), conn)
        frame["active"] = frame["active"].astype(bool)
        return frame

    def user(self, username: str) -> dict | None:
        """One user's row (with ``password_hash``, ``active``, ``session_epoch``), or None. A
        single-row query: the dashboard reads it on every rerun to see role changes at once."""
        with self.read() as conn:
            row = conn.execute(sa.select(s.users).where(s.users.c.username == username)).mappings().first()
        if not row:
            return None
        record = dict(row)
        record["active"] = bool(record["active"])
        record["session_epoch"] = int(record["session_epoch"])
        return record

    def set_user(self, username: str, display_name: str, role: str, password_hash: str, actor: str) -> None:
        """Add the user or overwrite them (tests and scripts; the CLI uses :meth:`add_user` and
        :meth:`update_user`, which never overwrite by accident)."""
        with self.write() as conn:
            exists = conn.execute(sa.select(s.users.c.username).where(s.users.c.username == username)).first()
            values = {"display_name": display_name, "role": role, "password_hash": password_hash}
            if exists:
                conn.execute(sa.update(s.users).where(s.users.c.username == username).values(**values))
            else:
                conn.execute(sa.insert(s.users).values(username=username, created_at=now(), **values))
            self._audit(conn, actor, "user.set", {"username": username, "role": role})

    def add_user(self, username: str, display_name: str, role: str, password_hash: str, actor: str) -> None:
        """Add a new user; raises :class:`UserExists` if the name is taken (also in another case)."""
        with self.write() as conn:
            taken = conn.execute(sa.select(s.users.c.username)
                                 .where(sa.func.lower(s.users.c.username) == username.lower())).scalar()
            if taken is not None:
                raise UserExists(taken)
            conn.execute(sa.insert(s.users).values(username=username, display_name=display_name, role=role,
                                                   password_hash=password_hash, created_at=now()))
            self._audit(conn, actor, "user.add", {"username": username, "role": role})

    def update_user(self, username: str, actor: str, *, role: str | None = None, display_name: str | None = None,
                    password_hash: str | None = None, active: bool | None = None) -> None:
        """Change what is given. A new password or disabling ends the user's sessions
        everywhere (``session_epoch`` + 1); a new role takes effect at the user's next click.
        Raises :class:`UnknownUser`."""
        with self.write() as conn:
            old = conn.execute(sa.select(s.users).where(s.users.c.username == username)).mappings().first()
            if old is None:
                raise UnknownUser(username)
            values = {k: v for k, v in (("role", role), ("display_name", display_name),
                                        ("password_hash", password_hash), ("active", active)) if v is not None}
            if password_hash is not None or active is False:
                values["session_epoch"] = s.users.c.session_epoch + 1
            conn.execute(sa.update(s.users).where(s.users.c.username == username).values(**values))
            detail = {"username": username, **{k: (old[k], v) for k, v in values.items()
                                                if k in ("role", "display_name", "active")}}
            if password_hash is not None:
                detail["password"] = "changed"
            self._audit(conn, actor, "user.update", detail)

    def set_password_hash(self, username: str, old_hash: str, new_hash: str) -> None:
        """Replace an outdated hash of the same password (at sign-in), unless it changed meanwhile."""
        with self.write() as conn:
            conn.execute(sa.update(s.users).where(s.users.c.username == username,
                                                  s.users.c.password_hash == old_hash).values(password_hash=new_hash))

    def end_sessions(self, username: str) -> None:
        """Sign the user out everywhere: every session and cookie issued before now stops working."""
        with self.write() as conn:
            conn.execute(sa.update(s.users).where(s.users.c.username == username)
                         .values(session_epoch=s.users.c.session_epoch + 1))

    def sign_in_locked_until(self, key: str, at: datetime) -> datetime | None:
        """Until when sign-in under ``key`` is locked, or None if it is not locked at ``at``."""
        with self.read() as conn:
            until = conn.execute(sa.select(s.sign_in_failures.c.locked_until)
                                 .where(s.sign_in_failures.c.key == key)).scalar()
        until = _utc(until)
        return until if until is not None and until > at else None

    def sign_in_failed(self, key: str, at: datetime, limit: int, lock: timedelta) -> datetime | None:
        """Count a wrong password under ``key``; the ``limit``-th within ``lock`` of each other
        locks it for ``lock``: returns the end of that lock, else None."""
        table = s.sign_in_failures
        with self.write() as conn:
            if conn.dialect.name == "postgresql":  # two replicas counting the same name at once
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "sign-in " + key})
            row = conn.execute(sa.select(table).where(table.c.key == key)).mappings().first()
            failures = 1
            if row is not None and _utc(row["last_at"]) > at - lock and not _utc(row["locked_until"]):
                failures = int(row["failures"]) + 1
            until = at + lock if failures >= limit else None
            values = {"failures": 0 if until else failures, "last_at": at, "locked_until": until}
            if row is None:
                conn.execute(sa.insert(table).values(key=key, **values))
            else:
                conn.execute(sa.update(table).where(table.c.key == key).values(**values))
        return until

    def sign_in_succeeded(self, key: str) -> None:
        """Forget the failures under ``key`` (also used to unlock a name by hand)."""
        with self.write() as conn:
            conn.execute(sa.delete(s.sign_in_failures).where(s.sign_in_failures.c.key == key))

    def user_units(self, username: str | None = None) -> pd.DataFrame:
        """Units assigned to users (``username``, ``unit``), all users or one; a community
        assigned to a clerk includes its enterprises (expanded by the caller over the tree)."""
        q = sa.select(s.user_units.c.username, s.user_units.c.unit).order_by(s.user_units.c.username,
                                                                            s.user_units.c.unit)
        if username is not None:
            q = q.where(s.user_units.c.username == username)
        with self.read() as conn:
            return pd.read_sql(q, conn)

    def set_user_units(self, username: str, units: Iterable[str], actor: str) -> None:
        """Replace the units assigned to ``username`` (audited with old and new)."""
        new = sorted(set(units))
        with self.write() as conn:
            old = sorted(conn.execute(sa.select(s.user_units.c.unit)
                                      .where(s.user_units.c.username == username)).scalars())
            conn.execute(sa.delete(s.user_units).where(s.user_units.c.username == username))
            if new:
                conn.execute(sa.insert(s.user_units), [{"username": username, "unit": u} for u in new])
            self._audit(conn, actor, "user.units", {"username": username, "old": old, "new": new})

    # ---- review and deadlines (issue 10) ---------------------------------------------------
    def reviews(self, period: str | None = None) -> pd.DataFrame:
        """Every review action (``id, unit, period, action, comment, actor, at``), oldest first;
        all quarters or one. The latest action per (unit, period) decides
        (:func:`metrics.reporting.review_state`)."""
        q = sa.select(s.reviews).order_by(s.reviews.c.id)
        if period is not None:
            q = q.where(s.reviews.c.period == period)
        with self.read() as conn:
            return pd.read_sql(q, conn)

    def review(self, units: Iterable[str], period: str, action: str, actor: str, comment: str = "") -> int:
        """Record ``action`` (approve / return / unlock) for each unit's ``period`` in one
        transaction, audited; returns how many rows were written. ``return`` and ``unlock`` need
        a comment (the reason); ``unlock`` of a unit that is not locked is skipped, and so is
        ``approve`` of one already approved."""
        if action not in REVIEW_ACTIONS:
            raise ValueError(f"unknown review action {action!r}")
        comment = (comment or "").strip()
        if action in ("return", "unlock") and not comment:
            raise ValueError("a reason is needed")
        codes = sorted({str(u) for u in units})
        if not codes:
            return 0
        with self.write() as conn:
            self._lock(conn, _LOCK_REVIEW, period)
            latest = self._latest_reviews(conn, codes, [period])
            rows = []
            for code in codes:
                last = latest.get((code, period))
                if action == "unlock" and last != "approve":
                    continue
                if action == "approve" and last == "approve":
                    continue
                rows.append({"unit": code, "period": period, "action": action, "comment": comment,
                             "actor": actor, "at": now()})
            if rows:
                conn.execute(sa.insert(s.reviews), rows)
                self._audit(conn, actor, f"review.{action}",
                            {"period": period, "units": [r["unit"] for r in rows], "comment": comment})
            return len(rows)

    @staticmethod
    def _latest_reviews(conn: sa.Connection, units: list[str], periods_: list[str]) -> dict[tuple[str, str], str]:
        rows = conn.execute(sa.select(s.reviews.c.unit, s.reviews.c.period, s.reviews.c.action)
                            .where(s.reviews.c.period.in_(periods_)).where(s.reviews.c.unit.in_(units))
                            .order_by(s.reviews.c.id)).all()
        return {(u, p): a for u, p, a in rows}

    def locked(self, pairs: pd.DataFrame) -> list[tuple[str, str]]:
        """The ``(unit, period)`` pairs of ``pairs`` (columns unit, period) approved and so locked."""
        with self.read() as conn:
            return self._locked_pairs(conn, pairs)

    def _locked_pairs(self, conn: sa.Connection, pairs: pd.DataFrame) -> list[tuple[str, str]]:
        if pairs is None or not len(pairs):
            return []
        pairs = pairs[["unit", "period"]].drop_duplicates().astype(str)
        quarters = sorted(set(pairs["period"].unique()))
        # the review rows of those quarters (a few per unit and quarter reviewed), not a query
        # naming every unit of a 20,000-unit file
        rows = conn.execute(sa.select(s.reviews.c.unit, s.reviews.c.period, s.reviews.c.action)
                            .where(s.reviews.c.period.in_(quarters)).order_by(s.reviews.c.id)).all()
        approved = {pair for pair, action in {(u, p): a for u, p, a in rows}.items() if action == "approve"}
        if not approved:
            return []
        return sorted((u, p) for u, p in zip(pairs["unit"], pairs["period"]) if (u, p) in approved)

    def _refuse_locked(self, conn: sa.Connection, pairs: pd.DataFrame) -> None:
        """Inside a write: raise :class:`PeriodLocked` if any pair is locked (PostgreSQL: after
        taking each quarter's review lock, so an approval and an upload do not cross)."""
        if pairs is None or not len(pairs):
            return
        for period in sorted(set(pairs["period"].astype(str).unique())):
            self._lock(conn, _LOCK_REVIEW, period)
        hits = self._locked_pairs(conn, pairs)
        if hits:
            raise PeriodLocked(hits)

    def deadlines(self) -> dict:
        """``{period: date}`` of the quarters whose deadline was set (others: the default,
        :func:`metrics.reporting.deadline`)."""
        with self.read() as conn:
            return dict(conn.execute(sa.select(s.deadlines.c.period, s.deadlines.c.deadline)).all())

    def set_deadline(self, period: str, deadline, actor: str) -> None:
        """Set (or change) a quarter's reporting deadline, audited with the old and new date."""
        with self.write() as conn:
            old = conn.execute(sa.select(s.deadlines.c.deadline).where(s.deadlines.c.period == period)).scalar()
            values = {"deadline": deadline, "changed_by": actor, "changed_at": now()}
            if old is None:
                conn.execute(sa.insert(s.deadlines).values(period=period, **values))
            else:
                conn.execute(sa.update(s.deadlines).where(s.deadlines.c.period == period).values(**values))
            self._audit(conn, actor, "deadline.set", {"period": period, "old": old, "new": deadline})

    # ---- audit -------------------------------------------------------------------------------
    def audit_log(self, limit: int = 500) -> pd.DataFrame:
        with self.read() as conn:
            return pd.read_sql(sa.select(s.audit_log).order_by(s.audit_log.c.id.desc()).limit(limit), conn)

    def audit(self, actor: str, action: str, detail: dict) -> None:
        with self.write() as conn:
            self._audit(conn, actor, action, detail)

    @staticmethod
    def _audit(conn: sa.Connection, actor: str, action: str, detail: dict) -> None:
        conn.execute(sa.insert(s.audit_log).values(
            at=now(), actor=actor, action=action, detail=json.dumps(detail, ensure_ascii=False, default=str)))


_TARGET_DEFAULTS = {"unit": "", "base_value": None, "target_value": None, "attribute": "预期性",
                    "goal_direction": "", "goal_text_zh": "", "goal_text_en": "", "active": True}


def _span_text(value) -> str | None:
    """A unit's span cell as stored: stripped text, None when blank or missing."""
    return value.strip() or None if isinstance(value, str) else None


def _fold(text: str) -> str:
    """A name compared as the reader compares it: width and case folded, spaces removed."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).casefold()


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or (isinstance(b, float) and pd.isna(b))
    return a == b


def _same_code_or_name(units: pd.DataFrame) -> Callable[[str, str], str | None]:
    """The default unit matcher: the same code, else the same Chinese name."""
    codes = set(units["code"])
    names = dict(zip(units["name_zh"], units["code"]))

    def match(code: str, name: str) -> str | None:
        return code if code in codes else names.get(name)
    return match


def _free_code(taken: set[str]) -> str:
    """The first ``N0001``-style code not in ``taken`` counting from ``len(taken) + 1``, as the
    dry run proposes them."""
    n = len(taken) + 1
    while f"N{n:04d}" in taken:
        n += 1
    return f"N{n:04d}"


def _insert_observations(conn: sa.Connection, upload_id: int, values: pd.DataFrame) -> None:
    """An upload's values (unit, indicator, period, value, approximate) into ``observations``
    in one bulk insert (:mod:`store.bulk`), sorted by unit, indicator and quarter: the key of
    ``ix_obs_cell``, so SQLite adds to that index in order rather than at random places (with
    ``ix_obs_period_unit`` and ``ix_obs_upload`` in order too: one quarter, one upload)."""
    _bulk.insert_columns(conn, s.observations, {  # each unit's code one string, not one per value
        "upload_id": int(upload_id), "unit": values["unit"], "indicator": values["indicator"],
        "period": values["period"], "value": values["value"].astype(float),
        "approximate": values["approximate"].astype(bool)}, sort=["unit", "indicator", "period"])


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "upload_id": pd.Series(dtype="int64"), "unit": pd.Series(dtype="str"),
        "indicator": pd.Series(dtype="str"), "period": pd.Series(dtype="str"),
        "value": pd.Series(dtype="float64"), "approximate": pd.Series(dtype="bool"),
    })


def open_store(url: str | None = None) -> Store:
    """Open the database at ``url`` / ``$UNION_DB_URL``, creating it if new and upgrading its
    schema to the newest migration (``store/migrations``)."""
    store = Store(make_engine(url))
    store.create_schema()
    return store
