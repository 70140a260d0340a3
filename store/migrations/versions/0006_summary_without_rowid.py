"""Issue 12 item 4: on SQLite, ``unit_summary`` and ``current_values`` become ``WITHOUT ROWID``
tables, stored in the B-tree of their primary key (unit, indicator, period).

A rowid table with a composite primary key is two B-trees: the rows by rowid, and an index of
the key with the rowid. Every row an import writes went into both; a commit of a quarter of
20,000 new units writes 2.2 M ``unit_summary`` rows and 700,000 ``current_values`` rows, and
half of that writing (and of the database's growth) was the second copy. Reads are unchanged:
every read of these tables goes by the key (unit first) or, for ``current_values``, by the
``ix_current_period`` index, which is made again.

The upgrade copies each table into its new form in key order (about 10 s for the 1.8 M
summary rows of 2,200 units and 20 quarters; a minute or two for a district of 22,000 units);
it runs once, under the migration's write lock. PostgreSQL has no rowid: nothing to do there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KEY = ("unit", "indicator", "period")


def _tables(with_rowid: bool) -> list[tuple[sa.Table, list[sa.Index]]]:
    """The two tables as 0005 made them, with or without a rowid (their own copy here, so that
    later changes to store/schema.py do not change what this revision does)."""
    meta = sa.MetaData()
    key = [sa.Column(c, sa.String(64 if c != "period" else 10), primary_key=True) for c in KEY]
    summary = sa.Table(
        "unit_summary", meta, *key,
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("approximate", sa.Boolean, nullable=False),
        sa.Column("n_units", sa.Integer, nullable=False),
        sa.Column("carried_units", sa.Integer, nullable=False),
        sa.Column("num", sa.Float, nullable=True),
        sa.Column("den", sa.Float, nullable=True),
        sqlite_with_rowid=with_rowid,
    )
    current = sa.Table(
        "current_values", meta, *[sa.Column(c.name, c.type, primary_key=True) for c in key],
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("approximate", sa.Boolean, nullable=False),
        sa.Column("upload_id", sa.Integer, nullable=False),
        sqlite_with_rowid=with_rowid,
    )
    return [(summary, []), (current, [sa.Index("ix_current_period", current.c.period, current.c.unit)])]


def _rebuild(with_rowid: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, indexes in _tables(with_rowid):
        sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"),
                           {"n": table.name}).scalar() or ""
        if ("WITHOUT ROWID" not in sql.upper()) == with_rowid:
            continue  # already in that form
        cols = ", ".join(c.name for c in table.columns)
        new = f"{table.name}__new"
        ddl = str(sa.schema.CreateTable(table).compile(dialect=bind.dialect))
        bind.exec_driver_sql(ddl.replace(f"TABLE {table.name} ", f"TABLE {new} ", 1))
        bind.exec_driver_sql(f"INSERT INTO {new} ({cols}) SELECT {cols} FROM {table.name} "
                             f"ORDER BY {', '.join(KEY)}")
        bind.exec_driver_sql(f"DROP TABLE {table.name}")  # and its indexes
        bind.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {table.name}")
        for index in indexes:
            index.create(bind)


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
