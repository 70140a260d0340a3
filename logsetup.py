"""Logs for the operator: one JSON object per line, configured once at each entry point.

``setup_logging()`` is called by the dashboard (``dashboard.py``, on every rerun: it is
idempotent) and by the command-line tools. Only the ``union`` loggers (and Alembic's) are
configured; other libraries keep their own output.

* ``$UNION_LOG_LEVEL``: ``DEBUG``, ``INFO`` (default), ``WARNING`` or ``ERROR``.
* ``$UNION_LOG_FILE``: the log file, default ``var/logs/union.log``; rotated at 10 MB, five old
  files kept (``union.log.1`` … ``union.log.5``). ``-`` writes no file.
* The dashboard also writes every line to stderr (the terminal of ``make run``, ``docker compose
  logs``); the command-line tools write only to the file, so their own output stays as documented.

A line: ``{"time": "2026-11-27T08:00:00.123Z", "level": "INFO", "logger": "union.ingest",
"event": "import.committed", "message": "...", ...the event's fields}``; an error adds
``"traceback"``. Events: ``import.committed``, ``import.refused``, ``upload.withdraw``,
``upload.restore``, ``signin.ok``, ``signin.failed``, ``signin.locked``, ``schema.upgrade``,
``schema.adopt``, ``page.run`` (at DEBUG; at INFO when slow: ``$UNION_SLOW_PAGE_SECONDS``), ``grid.build_failed``,
``error``. A password is never logged.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ENV_LEVEL = "UNION_LOG_LEVEL"
ENV_FILE = "UNION_LOG_FILE"
DEFAULT_FILE = ROOT / "var" / "logs" / "union.log"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
LOGGERS = ("union", "alembic")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonLines(logging.Formatter):
    """A record as one JSON object: time (UTC), level, logger, event, message, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or ("error" if record.levelno >= logging.ERROR else "log"),
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k not in line})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_file() -> Path | None:
    """The file logs go to (``$UNION_LOG_FILE``), or None for ``-``."""
    value = os.environ.get(ENV_FILE)
    if value is None or value.strip() == "":
        return DEFAULT_FILE
    return None if value.strip() == "-" else Path(value).expanduser()


def setup_logging(*, stderr: bool = False) -> logging.Logger:
    """Configure the ``union`` loggers from the settings (again only if they changed); returns
    the ``union`` logger."""
    level = (os.environ.get(ENV_LEVEL) or "INFO").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        level = "INFO"
    path = log_file()
    wanted = (level, str(path), stderr)
    root = logging.getLogger("union")
    if getattr(root, "_union_setup", None) == wanted:
        return root
    handlers: list[logging.Handler] = []
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                                 encoding="utf-8"))
        except OSError as exc:  # an unwritable folder must not stop the dashboard
            print(f"logging: cannot write {path} ({exc}); logging to stderr only", file=sys.stderr)
            stderr = True
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(JsonLines())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_union", False):
                logger.removeHandler(old)
                old.close()
        for handler in handlers:
            handler._union = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    root._union_setup = wanted  # type: ignore[attr-defined]
    if not getattr(sys.excepthook, "_union", False):
        sys.excepthook = _logging_excepthook(sys.excepthook)
    return root


def _logging_excepthook(previous):
    """An uncaught error is logged (``error``, with its traceback), then reported as before."""
    def hook(kind, value, tb):
        if not issubclass(kind, KeyboardInterrupt):
            logging.getLogger("union").error("uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, tb),
                                             extra={"event": "error"})
        previous(kind, value, tb)
    hook._union = True  # type: ignore[attr-defined]
    return hook
