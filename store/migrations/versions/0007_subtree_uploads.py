"""Issue 12 item 4 (the congress report under 10 s at 22,001 units): the table
``subtree_uploads(ancestor, indicator, period, upload_id)``, the uploads behind each unit's
subtree (store/subtree.py), filled from ``current_values`` and ``unit_closure``.

The report's trace listed the uploads behind each child's part of a figure by joining the
closure with every current value of the district (6 s of CPU at 22,001 units, 15.4 M values);
this table holds those few rows per unit. The upgrade fills it with one statement in the
database (a few minutes for a district of 22,001 units; seconds for a sub-district); the
downgrade drops it (nothing else changes). On SQLite it is ``WITHOUT ROWID`` (one B-tree).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if "subtree_uploads" not in sa.inspect(bind).get_table_names():
        op.create_table(
            "subtree_uploads",
            sa.Column("ancestor", sa.String(64), primary_key=True),
            sa.Column("indicator", sa.String(64), primary_key=True),
            sa.Column("period", sa.String(10), primary_key=True),
            sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
            sqlite_with_rowid=False,
        )
    bind.execute(sa.text("DELETE FROM subtree_uploads"))
    # every current value under each unit strictly above it, distinct (store/subtree.py's rows)
    bind.execute(sa.text(
        "INSERT INTO subtree_uploads (ancestor, indicator, period, upload_id) "
        "SELECT DISTINCT cl.ancestor, cv.indicator, cv.period, cv.upload_id "
        "FROM current_values cv JOIN unit_closure cl ON cl.descendant = cv.unit WHERE cl.depth >= 1 "
        "ORDER BY cl.ancestor, cv.indicator, cv.period, cv.upload_id"))


def downgrade() -> None:
    op.drop_table("subtree_uploads")
