"""Restore the database from a backup: ``python -m store.restore IN [--db URL] [--force]``.

See :mod:`store.backup` (both commands live there)."""

import sys

from store.backup import restore_main

if __name__ == "__main__":
    sys.exit(restore_main())
