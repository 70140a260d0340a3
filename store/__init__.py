"""The database: schema, uploads, append-only observations, plans and targets, users, audit log.

Use :func:`store.db.open_store` to get a :class:`store.db.Store`. The database URL comes from
the environment variable ``UNION_DB_URL`` (default: a SQLite file ``var/union.sqlite``).
"""
