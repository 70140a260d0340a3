"""Alembic environment: run by :func:`store.migrate.upgrade` on a connection that already holds
the schema lock (``config.attributes["connection"]``); there is no alembic.ini and no URL here."""

from __future__ import annotations

from alembic import context

from store import schema

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=schema.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
