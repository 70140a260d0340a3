"""The :class:`Store`: every read and write of the database goes through here.

SQLite (the default) is opened in WAL mode with a busy timeout, and every write transaction
starts with ``BEGIN IMMEDIATE`` so two Streamlit sessions never interleave half-writes.
PostgreSQL works unchanged: set ``UNION_DB_URL=postgresql+psycopg://user@host/db``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from store import schema as s

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'union.sqlite'}"
ENV_URL = "UNION_DB_URL"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``$UNION_DB_URL``, else ``var/union.sqlite``."""
    return url or os.environ.get(ENV_URL) or DEFAULT_URL


def now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str | None = None) -> sa.Engine:
    """An engine for ``url``; for SQLite: the folder is created, WAL, busy timeout, BEGIN IMMEDIATE."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
            dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):  # pragma: no cover
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


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
    new_units: pd.DataFrame | None = None  # units the file introduces, added in the same transaction

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


class DuplicateUpload(ValueError):
    """The same file (by SHA-256) is already stored and not withdrawn."""

    def __init__(self, upload_id: int):
        super().__init__(f"this file was already imported as upload #{upload_id}")
        self.upload_id = upload_id


class Store:
    """All reads and writes. Cheap to create; holds only the engine."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    # ---- schema -------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Create missing tables (idempotent); add the units' span columns to an older table."""
        s.metadata.create_all(self.engine)
        have = {c["name"] for c in sa.inspect(self.engine).get_columns("units")}
        missing = [c for c in s.UNIT_SPAN_COLUMNS if c not in have]
        if missing:
            with self.engine.begin() as conn:
                for name in missing:
                    col = s.units.c[name]
                    conn.exec_driver_sql(f"ALTER TABLE units ADD COLUMN {name} {col.type.compile(self.engine.dialect)}")

    # ---- units --------------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        """The org tree: code, name_zh, name_en, parent, level, is_example, and each unit's
        reporting span: active_from, active_until (quarters, "" when open), merged_into."""
        with self.engine.connect() as conn:
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
        with self.engine.begin() as conn:
            old = conn.execute(sa.select(*[s.units.c[c] for c in s.UNIT_SPAN_COLUMNS])
                               .where(s.units.c.code == code)).mappings().first()
            if old is None:
                raise KeyError(code)
            conn.execute(sa.update(s.units).where(s.units.c.code == code).values(**new))
            self._audit(conn, actor, "units.span", {"code": code, "old": dict(old), "new": new})

    def add_units(self, frame: pd.DataFrame, actor: str = "system") -> int:
        """Insert units that are not there yet (by code); returns how many were added."""
        with self.engine.begin() as conn:
            return self._add_units(conn, frame, actor)

    def _add_units(self, conn: sa.Connection, frame: pd.DataFrame, actor: str) -> int:
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
        self._audit(conn, actor, "units.add", {"codes": [r["code"] for r in rows]})
        return len(rows)

    # ---- uploads and observations ---------------------------------------------------------
    def find_upload_by_hash(self, sha256: str) -> int | None:
        """The id of an active upload with these bytes, if any."""
        with self.engine.connect() as conn:
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
        """Store the file and its values in one transaction; returns the upload id.

        Raises :class:`DuplicateUpload` if the same bytes are already stored and active.
        """
        values = upload.values
        with self.engine.begin() as conn:
            # Checked inside the write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a lock
            # on the file's hash), so two sessions sending the same file at once store it once.
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:h))"), {"h": upload.sha256})
            dup = self._active_upload_with_hash(conn, upload.sha256)
            if dup is not None:
                raise DuplicateUpload(dup)
            if upload.new_units is not None and len(upload.new_units):
                self._add_units(conn, upload.new_units, upload.uploader)
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
                rows = [
                    {"upload_id": upload_id, "unit": str(u), "indicator": str(i), "period": str(p),
                     "value": float(v), "approximate": bool(a)}
                    for u, i, p, v, a in zip(values["unit"], values["indicator"], values["period"],
                                             values["value"], values["approximate"])
                ]
                conn.execute(sa.insert(s.observations), rows)
            self._audit(conn, upload.uploader, "upload.commit",
                        {"upload": upload_id, "file": upload.filename, "values": len(values), "period": upload.period})
        return int(upload_id)

    def uploads(self) -> pd.DataFrame:
        """Every upload, newest first, with ``status`` (active / withdrawn), without the raw bytes."""
        cols = [c for c in s.uploads.c if c.name != "raw"]
        with self.engine.connect() as conn:
            frame = pd.read_sql(sa.select(*cols).order_by(s.uploads.c.id.desc()), conn)
        active = self.active_upload_ids()
        frame["status"] = ["active" if i in active else "withdrawn" for i in frame["id"]]
        return frame

    def upload_raw(self, upload_id: int) -> bytes:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(s.uploads.c.raw).where(s.uploads.c.id == upload_id)).scalar_one()

    def active_upload_ids(self) -> set[int]:
        """Uploads whose latest event is not a withdrawal."""
        with self.engine.connect() as conn:
            ids = conn.execute(sa.select(s.uploads.c.id)).scalars().all()
            events = conn.execute(
                sa.select(s.upload_events.c.upload_id, s.upload_events.c.action).order_by(s.upload_events.c.id)
            ).all()
        last = {}
        for upload_id, action in events:
            last[upload_id] = action
        return {i for i in ids if last.get(i) != "withdraw"}

    def withdraw(self, upload_ids: Iterable[int], actor: str, reason: str = "") -> None:
        """Stop counting these uploads' values (the previous values come back). Undo: :meth:`restore`."""
        self._upload_event(upload_ids, "withdraw", actor, reason)

    def restore(self, upload_ids: Iterable[int], actor: str, reason: str = "") -> None:
        """Undo a withdrawal."""
        self._upload_event(upload_ids, "restore", actor, reason)

    def _upload_event(self, upload_ids: Iterable[int], action: str, actor: str, reason: str) -> None:
        ids = [int(i) for i in upload_ids]
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(s.upload_events),
                [{"upload_id": i, "action": action, "actor": actor, "at": now(), "reason": reason} for i in ids],
            )
            self._audit(conn, actor, f"upload.{action}", {"uploads": ids, "reason": reason})

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
        with self.engine.connect() as conn:
            frame = pd.read_sql(q, conn)
        if frame.empty:
            return _empty_observations()
        frame["approximate"] = frame["approximate"].astype(bool)
        frame["value"] = frame["value"].astype(float)
        return frame

    def data_version(self) -> tuple[int, ...]:
        """Changes whenever what counts changes (new upload, withdrawal, target edit, new plan,
        new unit, renamed unit): a cache key. The audit log gets a row with every write."""
        with self.engine.connect() as conn:
            return (
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(s.uploads.c.id), 0))).scalar_one(),
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(s.upload_events.c.id), 0))).scalar_one(),
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(s.targets.c.id), 0))).scalar_one(),
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(s.audit_log.c.id), 0))).scalar_one(),
            )

    def has_example_data(self) -> bool:
        """True while any example upload still counts."""
        frame = self.uploads()
        return bool(((frame["is_example"]) & (frame["status"] == "active")).any()) if len(frame) else False

    def remove_example_data(self, actor: str) -> int:
        """Withdraw every example upload (nothing is deleted); returns how many."""
        frame = self.uploads()
        ids = frame.loc[frame["is_example"] & (frame["status"] == "active"), "id"].tolist()
        self.withdraw(ids, actor, reason="remove example data")
        return len(ids)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(s.uploads)).scalar_one() == 0

    # ---- plans and targets ---------------------------------------------------------------
    def add_plan(self, code: str, name_zh: str, name_en: str, start: str, end: str, base: str,
                 actor: str, *, is_example: bool = False, copied_from: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(s.plans).values(
                code=code, name_zh=name_zh, name_en=name_en, start_period=start, end_period=end,
                base_period=base, is_example=is_example, copied_from=copied_from, created_by=actor, created_at=now()))
            self._audit(conn, actor, "plan.add", {"plan": code, "copied_from": copied_from})

    def plans(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
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
            with self.engine.begin() as conn:
                conn.execute(sa.insert(s.targets), new_rows)
                self._audit(conn, actor, "targets.set", {"plan": plan, "changes": changes})
        return len(new_rows)

    def targets(self, plan: str | None = None, *, history: bool = False) -> pd.DataFrame:
        """Goals and quotas: the latest active version of each (plan, indicator, unit), or with
        ``history=True`` every version ever written, oldest first."""
        q = sa.select(s.targets).order_by(s.targets.c.id)
        if plan is not None:
            q = q.where(s.targets.c.plan == plan)
        with self.engine.connect() as conn:
            frame = pd.read_sql(q, conn)
        if history or frame.empty:
            return frame
        latest = frame.drop_duplicates(["plan", "indicator", "unit"], keep="last")
        return latest[latest["active"].astype(bool)].reset_index(drop=True)

    # ---- users -------------------------------------------------------------------------------
    def users(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(s.users.c.username, s.users.c.display_name, s.users.c.role), conn)

    def user(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.users).where(s.users.c.username == username)).mappings().first()
        return dict(row) if row else None

    def set_user(self, username: str, display_name: str, role: str, password_hash: str, actor: str) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(s.users.c.username).where(s.users.c.username == username)).first()
            values = {"display_name": display_name, "role": role, "password_hash": password_hash}
            if exists:
                conn.execute(sa.update(s.users).where(s.users.c.username == username).values(**values))
            else:
                conn.execute(sa.insert(s.users).values(username=username, created_at=now(), **values))
            self._audit(conn, actor, "user.set", {"username": username, "role": role})

    # ---- audit -------------------------------------------------------------------------------
    def audit_log(self, limit: int = 500) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(s.audit_log).order_by(s.audit_log.c.id.desc()).limit(limit), conn)

    def audit(self, actor: str, action: str, detail: dict) -> None:
        with self.engine.begin() as conn:
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


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or (isinstance(b, float) and pd.isna(b))
    return a == b


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "upload_id": pd.Series(dtype="int64"), "unit": pd.Series(dtype="str"),
        "indicator": pd.Series(dtype="str"), "period": pd.Series(dtype="str"),
        "value": pd.Series(dtype="float64"), "approximate": pd.Series(dtype="bool"),
    })


def open_store(url: str | None = None) -> Store:
    """Open (and create if new) the database at ``url`` / ``$UNION_DB_URL``."""
    store = Store(make_engine(url))
    store.create_schema()
    return store
