"""Frozen copy of store/schema.py as of commit 126dfb1 (the migration baseline 0001), to build an
older database in tests/test_store_migrations.py. Do not edit.

Table definitions (SQLAlchemy Core). Nothing is ever deleted or updated in place except
``units`` names: superseding, withdrawing and editing are new rows, so history stays whole.

* ``uploads``        one row per committed file, with the raw bytes and their SHA-256.
* ``upload_events``  withdraw / restore of an upload; the latest event decides.
* ``observations``   (upload, unit, indicator, period, value, approximate), append-only.
* ``plans``          a five-year plan (2016-2020) and its quarters.
* ``targets``        each version of a plan goal (or of a per-unit quota); the latest counts.
* ``audit_log``      who did what, when, with the old and new values.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

units = sa.Table(
    "units",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name_zh", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False, server_default=""),
    sa.Column("parent", sa.String(64), nullable=True),
    sa.Column("level", sa.String(20), nullable=False),  # federation | community | enterprise
    sa.Column("is_example", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("uploader", sa.String(100), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("period", sa.String(10), nullable=True),
    sa.Column("source", sa.String(20), nullable=False, server_default="upload"),  # upload | cli | example
    sa.Column("is_example", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("n_values", sa.Integer, nullable=False, server_default="0"),
    sa.Column("report", sa.Text, nullable=False, server_default="{}"),  # import report as JSON
    sa.Column("raw", sa.LargeBinary, nullable=True),
)

upload_events = sa.Table(
    "upload_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False, index=True),
    sa.Column("action", sa.String(20), nullable=False),  # withdraw | restore
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("indicator", sa.String(64), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("approximate", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_obs_cell", "unit", "indicator", "period"),
    sa.Index("ix_obs_upload", "upload_id"),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),  # e.g. 2016-2020
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

targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan", sa.String(40), sa.ForeignKey("plans.code"), nullable=False, index=True),
    sa.Column("indicator", sa.String(64), nullable=False),
    sa.Column("unit", sa.String(64), nullable=False, server_default=""),  # "" = the plan's own goal; else a quota
    sa.Column("target_type", sa.String(20), nullable=False),  # level | cumulative | direction
    sa.Column("base_value", sa.Float, nullable=True),
    sa.Column("target_value", sa.Float, nullable=True),
    sa.Column("attribute", sa.String(10), nullable=False, server_default="预期性"),  # 预期性 | 约束性
    sa.Column("goal_direction", sa.String(10), nullable=False, server_default=""),  # raise | keep | lower
    sa.Column("goal_text_zh", sa.Text, nullable=False, server_default=""),
    sa.Column("goal_text_en", sa.Text, nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),  # leader | clerk | admin
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
