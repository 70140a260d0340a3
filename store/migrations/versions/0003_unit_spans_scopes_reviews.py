"""Issues 9 and 10: each unit's reporting span (``units.active_from``, ``active_until``,
``merged_into``); a clerk's units (``user_units``); review actions on a unit's quarter
(``reviews``); each quarter's reporting deadline (``deadlines``); a renamed unit's earlier names
(``unit_aliases``).

Before migrations the span columns were added by hand on start (``Store._upgrade_units``, an
``ALTER TABLE``) and the tables by ``create_all``, so a database made by that release (commit
4726bd9) already has some or all of them: each step is skipped when what it adds is there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNIT_SPAN = (("active_from", 10), ("active_until", 10), ("merged_into", 64))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    have = {c["name"] for c in inspector.get_columns("units")}
    for name, length in UNIT_SPAN:
        if name not in have:
            op.add_column("units", sa.Column(name, sa.String(length), nullable=True))
    tables = set(inspector.get_table_names())
    if "user_units" not in tables:
        op.create_table(
            "user_units",
            sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), primary_key=True),
            sa.Column("unit", sa.String(64), sa.ForeignKey("units.code"), primary_key=True),
        )
    if "reviews" not in tables:
        op.create_table(
            "reviews",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("unit", sa.String(64), nullable=False),
            sa.Column("period", sa.String(10), nullable=False),
            sa.Column("action", sa.String(20), nullable=False),
            sa.Column("comment", sa.Text, nullable=False, server_default=""),
            sa.Column("actor", sa.String(100), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        )
        op.create_index("ix_reviews_cell", "reviews", ["unit", "period"])
    if "deadlines" not in tables:
        op.create_table(
            "deadlines",
            sa.Column("period", sa.String(10), primary_key=True),
            sa.Column("deadline", sa.Date, nullable=False),
            sa.Column("changed_by", sa.String(100), nullable=False),
            sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        )
    if "unit_aliases" not in tables:
        op.create_table(
            "unit_aliases",
            sa.Column("unit", sa.String(64), sa.ForeignKey("units.code"), primary_key=True),
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        )


def downgrade() -> None:
    for table in ("unit_aliases", "deadlines", "reviews", "user_units"):
        op.drop_table(table)
    with op.batch_alter_table("units") as batch:
        for name, _ in reversed(UNIT_SPAN):
            batch.drop_column(name)
