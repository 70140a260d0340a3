"""Baseline: the schema as released before migrations (commit 126dfb1, store/schema.py).

Frozen here on purpose: later changes to store/schema.py get a new revision, never an edit of
this one. A database made by ``create_all`` before migrations existed (maybe only some of its
tables) gets the tables it lacks: a table that is already there is skipped.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())

    def create_table(name, *columns, indexes=()):
        if name in have:
            return
        op.create_table(name, *columns)
        for index, cols in indexes:
            op.create_index(index, name, cols)

    create_table(
        "units",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False, server_default=""),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("is_example", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uploader", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("source", sa.String(20), nullable=False, server_default="upload"),
        sa.Column("is_example", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("n_values", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.Text, nullable=False, server_default="{}"),
        sa.Column("raw", sa.LargeBinary, nullable=True),
        indexes=[("ix_uploads_sha256", ["sha256"])],
    )
    create_table(
        "upload_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        indexes=[("ix_upload_events_upload_id", ["upload_id"])],
    )
    create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("approximate", sa.Boolean, nullable=False, server_default=sa.false()),
        indexes=[("ix_obs_cell", ["unit", "indicator", "period"]), ("ix_obs_upload", ["upload_id"])],
    )
    create_table(
        "plans",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False, server_default=""),
        sa.Column("start_period", sa.String(10), nullable=False),
        sa.Column("end_period", sa.String(10), nullable=False),
        sa.Column("base_period", sa.String(10), nullable=False),
        sa.Column("is_example", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("copied_from", sa.String(40), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan", sa.String(40), sa.ForeignKey("plans.code"), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False, server_default=""),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("base_value", sa.Float, nullable=True),
        sa.Column("target_value", sa.Float, nullable=True),
        sa.Column("attribute", sa.String(10), nullable=False, server_default="预期性"),
        sa.Column("goal_direction", sa.String(10), nullable=False, server_default=""),
        sa.Column("goal_text_zh", sa.Text, nullable=False, server_default=""),
        sa.Column("goal_text_en", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        indexes=[("ix_targets_plan", ["plan"])],
    )
    create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    create_table(
        "users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("users", "audit_log", "targets", "plans", "observations", "upload_events", "uploads", "units"):
        op.drop_table(table)
