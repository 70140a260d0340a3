"""Table definitions (SQLAlchemy Core). Nothing is ever deleted or updated in place except
``units`` names and reporting spans (audited): superseding, withdrawing and editing are new rows, so history stays whole.

* ``uploads``        one row per committed file, with the raw bytes and their SHA-256.
* ``upload_events``  withdraw / restore of an upload; the latest event decides.
* ``observations``   (upload, unit, indicator, period, value, approximate), append-only.
* ``plans``          a five-year plan (2016-2020) and its quarters.
* ``targets``        each version of a plan goal (or of a per-unit quota); the latest counts.
* ``audit_log``      who did what, when, with the old and new values.
* ``users``          who may sign in, with which role; ``active`` false = disabled;
                     ``session_epoch`` goes up to end every session of that user at once.
* ``sign_in_failures`` wrong passwords per user name (and the lock they lead to).
* ``unit_requests``  a clerk's request for a unit missing from the org tree; its status changes
                     once (pending -> confirmed or rejected), audited.
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
    # the quarters the unit is expected to report (empty: from its first report, open-ended),
    # and the unit it merged into; see metrics.rollup.expected_reporters
    sa.Column("active_from", sa.String(10), nullable=True),
    sa.Column("active_until", sa.String(10), nullable=True),
    sa.Column("merged_into", sa.String(64), nullable=True),
)

#: Columns added to ``units`` after its first release (migration 0003).
UNIT_SPAN_COLUMNS = ("active_from", "active_until", "merged_into")

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
    sa.Index("ix_obs_period_unit", "period", "unit"),  # issue 12: a quarter's current values, resolved per write
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
    # added later (migration 0002)
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),  # "name:<case-folded user name>"
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
)

# A clerk's units (issue 10): the communities and enterprises assigned to a user; a community
# includes its enterprises. Written by Store.set_user_units, read by Store.user_units.
user_units = sa.Table(
    "user_units",
    metadata,
    sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), primary_key=True),
    sa.Column("unit", sa.String(64), sa.ForeignKey("units.code"), primary_key=True),
)

# The reporting season (issue 10): every review action on a unit's quarter, append-only (the
# latest decides: approve locks the quarter, return sends it back with a comment, unlock lifts
# a lock with a reason); and each quarter's reporting deadline (a setting; see
# metrics.reporting.deadline for the default).
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # approve | return | unlock
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_reviews_cell", "unit", "period"),
)

deadlines = sa.Table(
    "deadlines",
    metadata,
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# A renamed unit's earlier names (issue 10): the reader still finds the unit by them.
unit_aliases = sa.Table(
    "unit_aliases",
    metadata,
    sa.Column("unit", sa.String(64), sa.ForeignKey("units.code"), primary_key=True),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("until", sa.DateTime(timezone=True), nullable=False),  # when the name was replaced
)

# ---- roll-ups kept in the database (issue 12; maintained by store/summary.py, store/closure.py) ----
# Derived from the tables above and rebuilt by ``python -m store.summary rebuild``; every write that
# changes what counts (an upload, a withdrawal or restore, a unit's span, new units) updates them
# inside its own transaction, for just the units and quarters it touched.

# The value that counts for each cell: the one of the latest upload that is not withdrawn.
current_values = sa.Table(
    "current_values",
    metadata,
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("indicator", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("approximate", sa.Boolean, nullable=False),
    sa.Column("upload_id", sa.Integer, nullable=False),
    sa.Index("ix_current_period", "period", "unit"),
    sqlite_with_rowid=False,  # one B-tree for the rows and the key (migration 0006)
)

# The (unit, quarter) pairs with at least one current value: who reported when.
reported_quarters = sa.Table(
    "reported_quarters",
    metadata,
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Index("ix_reported_period", "period"),
)

# Every unit with each unit above it (and itself at depth 0).
unit_closure = sa.Table(
    "unit_closure",
    metadata,
    sa.Column("ancestor", sa.String(64), primary_key=True),
    sa.Column("descendant", sa.String(64), primary_key=True),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Index("ix_closure_descendant", "descendant"),
)

# Each unit's roll-up (the unit with all its descendants) per indicator and quarter: the rows of
# metrics.rollup.quarterly for that unit.
unit_summary = sa.Table(
    "unit_summary",
    metadata,
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("indicator", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("approximate", sa.Boolean, nullable=False),
    sa.Column("n_units", sa.Integer, nullable=False),
    sa.Column("carried_units", sa.Integer, nullable=False),
    sa.Column("num", sa.Float, nullable=True),
    sa.Column("den", sa.Float, nullable=True),
    sqlite_with_rowid=False,  # one B-tree for the rows and the key (migration 0006)
)

# Each unit's reporting coverage per quarter: the rows of metrics.rollup.coverage for that unit
# (``complete`` is n_units >= expected, computed when read).
unit_coverage = sa.Table(
    "unit_coverage",
    metadata,
    sa.Column("unit", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("n_units", sa.Integer, nullable=False),
    sa.Column("expected", sa.Integer, nullable=False),
    sa.Column("carried", sa.Integer, nullable=False),
)

# The uploads behind each unit's subtree (issue 12, migration 0007): for a unit with units
# below it, each (indicator, quarter, upload) such that some unit strictly below it has a
# current value of that indicator and quarter from that upload. The report's trace lists the
# uploads behind each child's part of a figure from here (store/subtree.py keeps it).
subtree_uploads = sa.Table(
    "subtree_uploads",
    metadata,
    sa.Column("ancestor", sa.String(64), primary_key=True),
    sa.Column("indicator", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

#: The roll-up tables, built by store.summary.rebuild when they are new (see Store.create_schema).
SUMMARY_TABLES = ("current_values", "reported_quarters", "unit_closure", "unit_summary", "unit_coverage",
                  "subtree_uploads")

# A clerk's request for a unit her file names but the org tree lacks (issue 10): the name
# asked for, the name as the file writes it (kept as an alias on confirmation), the proposed
# parent (a community in her scope), the file, who asked and when. An administrator confirms
# it (the unit is created under the chosen parent; ``unit`` records its code) or rejects it
# with a reason; ``status`` changes once, from pending, and each step is audited.
unit_requests = sa.Table(
    "unit_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name_zh", sa.String(200), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("parent", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(300), nullable=False, server_default=""),
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),  # pending | confirmed | rejected
    sa.Column("decided_by", sa.String(100), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Index("ix_unit_requests_status", "status"),
)
