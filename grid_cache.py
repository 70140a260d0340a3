"""The kept whole-grid workbooks of the units page (issue 12): one folder that every server
process of the same database shares and that survives restarts.

At 22,001 units the whole grid's Excel takes about 15 s to build (grid_worker.py). Kept only in
a temporary folder per server process, every restart, every replica and every new data version
paid that again. Here a finished workbook is a file in ``$UNION_CACHE_DIR/grid`` (default
``var/cache/grid`` beside the code, like ``var/secret_key`` and ``var/logs``), named

    grid-<database>-<data version>-<key>.xlsx

- ``<database>``: a hash of the database's identity (a SQLite file's absolute path; any other
  URL in full, password included, hashed: the password is never written to disk);
- ``<data version>``: ``Store.data_version()`` (so a file is only ever looked up for the data
  version it was built from, and the files of older versions can be removed);
- ``<key>``: a hash of everything else that decides the bytes: the database identity, the data
  version, plan, quarter, unit, kind, the clerk's allowed units (null: every unit), language,
  title, and the code and strings that write it (:func:`code_fingerprint`), so an upgrade never
  serves a workbook of the old layout.

A file is written as ``<name>.<pid>.<thread>.part`` and renamed into place (atomic on one file
system), so a reader sees either nothing or the whole file; one that does not open as a zip
archive (cut short by a full disk or a crash before the data reached the disk) is ignored and
rebuilt. Two workers of the same key (two replicas) take an exclusive ``flock`` on
``<name>.lock``: the second waits and then finds the first one's file (POSIX; on Windows there is
no such lock and both build, each renaming a whole file). Writing a file removes the same
database's files of older data versions, ``.part`` files left by killed builds, and the oldest
files beyond :data:`KEEP_FILES` / :data:`KEEP_BYTES`. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ENV_DIR = "UNION_CACHE_DIR"
DEFAULT_DIR = ROOT / "var" / "cache"
KEEP_FILES = 32  # kept workbooks per folder (all databases), newest first
KEEP_BYTES = 512 * 1024 * 1024  # and at most this many bytes (an L workbook is about 13 MB)
PART_AGE = 3600.0  # seconds after which a .part file is a killed build's leftover
_PREFIX = "grid-"

try:  # POSIX: one builder per key across processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def folder() -> Path:
    """Where kept workbooks live: ``$UNION_CACHE_DIR/grid`` (default ``var/cache/grid``)."""
    base = (os.environ.get(ENV_DIR) or "").strip()
    return (Path(base).expanduser() if base else DEFAULT_DIR) / "grid"


def database_identity(url: str) -> str:
    """A short hash naming the database: a SQLite file by its absolute path (a relative path
    means the same file from the same working directory), any other URL as written (password
    included, only its hash is kept)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an odd URL: hash it as written
        parsed = None
    if parsed is not None and parsed.drivername.startswith("sqlite"):
        path = parsed.database or ""
        if path.startswith("file:"):
            path = path[len("file:"):]
        if path and path != ":memory:":
            text = "sqlite:" + str(Path(path).expanduser().resolve())
        else:
            text = url
    else:
        text = parsed.render_as_string(hide_password=False) if parsed is not None else url
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_FINGERPRINT: list[str] = []


def code_fingerprint() -> str:
    """A hash of the code and strings that decide a workbook's bytes (read once per process)."""
    if not _FINGERPRINT:
        digest = hashlib.sha256()
        files = [ROOT / "tables.py", ROOT / "app_cache.py", ROOT / "grid_worker.py", ROOT / "grid_cache.py",
                 ROOT / "data" / "indicators.yaml",
                 *sorted((ROOT / "metrics").glob("*.py")), *sorted((ROOT / "i18n").glob("*/*.toml"))]
        for path in files:
            digest.update(path.name.encode("utf-8"))
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
        _FINGERPRINT.append(digest.hexdigest()[:16])
    return _FINGERPRINT[0]


def _version_text(version) -> str:
    return ".".join(str(int(v)) for v in version)


def name(args: tuple) -> str:
    """The file name of the workbook of ``args`` (``app_cache._units_grid_xlsx``'s arguments:
    ``((url, data version), plan, quarter, unit, kind, allowed, lang, title)``)."""
    (url, version), plan, as_of, unit, kind, allowed, lang, title = args
    db = database_identity(url)
    key = json.dumps([db, list(version), plan, as_of, unit, kind, None if allowed is None else sorted(allowed),
                      lang, title, code_fingerprint()], ensure_ascii=False)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"{_PREFIX}{db}-{_version_text(version)}-{digest}.xlsx"


def path(args: tuple) -> Path:
    return folder() / name(args)


def whole(file: Path) -> bool:
    """Does ``file`` hold a whole workbook (a zip archive whose directory at its end reads, with
    the parts every .xlsx has)? Reads only the archive's directory."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def load(args: tuple) -> bytes | None:
    """The kept workbook of ``args``, or None (none kept, or not whole)."""
    return read(path(args))


def read(file: Path) -> bytes | None:
    try:
        data = file.read_bytes()
    except OSError:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    return data if "[Content_Types].xml" in names and "xl/workbook.xml" in names else None


def write(file: Path, data: bytes) -> None:
    """Write ``data`` to ``file`` atomically (a ``.part`` of this process and thread, then a
    rename), then prune the folder (:func:`prune`)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    part = file.with_name(f"{file.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, file)
    finally:
        part.unlink(missing_ok=True)
    prune(file)


def keep(args: tuple, data: bytes) -> None:
    """Keep the workbook of ``args`` (built in a server process) for every process."""
    write(path(args), data)


@contextlib.contextmanager
def building(file: Path):
    """Hold the exclusive build lock of ``file``'s key (waits while another process builds it)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    with open(file.with_name(file.name[:-len(".xlsx")] + ".lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def older(version, than) -> bool:
    """Is data version ``version`` older than ``than``? Each part of a version is the largest id
    of a table that only grows (uploads, upload events, targets, the audit log), so an older
    version has no part larger and is not the same."""
    a, b = tuple(int(v) for v in version), tuple(int(v) for v in than)
    return len(a) == len(b) and a != b and all(x <= y for x, y in zip(a, b))


def _parts(file_name: str) -> tuple[str, str] | None:
    """(database, version) of a kept file's or lock's name."""
    if not file_name.startswith(_PREFIX):
        return None
    bits = file_name[len(_PREFIX):].split("-")
    return (bits[0], bits[1]) if len(bits) >= 3 else None


def _older_text(version: str, than: str) -> bool:
    try:
        return older(version.split("."), than.split("."))
    except ValueError:
        return False


def prune(current: Path) -> None:
    """Remove, beside ``current`` (a kept file just written or about to be built): the files and
    locks of the same database at an older data version (:func:`older`; a newer one is never
    removed by a late build of older data), ``.part`` files older than
    :data:`PART_AGE`, and the oldest workbooks beyond :data:`KEEP_FILES` and :data:`KEEP_BYTES`.
    Errors (a file another process removed first, or one open on Windows) are ignored."""
    mine = _parts(current.name)
    now = time.time()
    kept = []
    try:
        entries = list(current.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        parts = _parts(entry.name)
        if parts is None or entry == current:
            continue
        try:
            stat = entry.stat()
            if mine is not None and parts[0] == mine[0] and _older_text(parts[1], mine[1]):
                entry.unlink()
            elif entry.name.endswith(".part"):
                if now - stat.st_mtime > PART_AGE:
                    entry.unlink()
            elif entry.name.endswith(".xlsx"):
                kept.append((stat.st_mtime, stat.st_size, entry))
        except OSError:
            pass
    kept.sort(key=lambda k: k[0], reverse=True)
    total = current.stat().st_size if current.is_file() else 0
    for count, (_, size, entry) in enumerate(kept, start=2):
        total += size
        if count > KEEP_FILES or total > KEEP_BYTES:
            with contextlib.suppress(OSError):
                entry.unlink()
                entry.with_name(entry.name[:-len(".xlsx")] + ".lock").unlink(missing_ok=True)


def forget(url: str) -> int:
    """Remove every kept workbook, part and lock of the database at ``url`` (after a backup is
    restored into it: its data versions start again from the backup's and could name files
    built from other data). Returns how many files went; errors are ignored."""
    db = database_identity(url)
    gone = 0
    try:
        entries = list(folder().iterdir())
    except OSError:
        return 0
    for entry in entries:
        parts = _parts(entry.name)
        if parts is not None and parts[0] == db:
            with contextlib.suppress(OSError):
                entry.unlink()
                gone += 1
    return gone

