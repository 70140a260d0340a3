"""Issue 10: a clerk's request for a unit her upload names that the org tree lacks
(``unit_requests``): the name asked for, the file's spelling, the proposed parent, the file,
who asked and when, and the administrator's decision (confirmed with the unit's code, or
rejected with a reason).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "unit_requests" in set(sa.inspect(op.get_bind()).get_table_names()):
        return  # a database the development branch made with create_all
    op.create_table(
        "unit_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("parent", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("unit", sa.String(64), nullable=True),
    )
    op.create_index("ix_unit_requests_status", "unit_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_unit_requests_status", table_name="unit_requests")
    op.drop_table("unit_requests")
