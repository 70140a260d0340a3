"""Users can be disabled (``active``) and signed out everywhere (``session_epoch``); wrong
passwords are counted per user name (``sign_in_failures``).

Before migrations these were added by hand on start (``Store._upgrade_users`` and
``create_all``), so a database adopted into migrations may already have some of them: each step
is skipped when what it adds is already there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    have = {c["name"] for c in inspector.get_columns("users")}
    new_columns = [
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
    ]
    for column in new_columns:
        if column.name not in have:
            op.add_column("users", column)
    if not inspector.has_table("sign_in_failures"):
        op.create_table(
            "sign_in_failures",
            sa.Column("key", sa.String(300), primary_key=True),
            sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
        batch.drop_column("active")
