"""Alembic migrations of the database schema (see :mod:`store.migrate`, which runs them)."""
