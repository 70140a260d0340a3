"""Issue 12: the roll-ups kept in the database -- ``current_values`` (each cell's value from its
latest active upload), ``reported_quarters``, ``unit_closure`` (unit-ancestor pairs),
``unit_summary`` (each unit's roll-up per indicator and quarter) and ``unit_coverage``, and an
index of ``observations`` by quarter and unit. The
upgrade also BUILDS them from the stored observations and units (``store.summary.rebuild``), so
an existing database shows the same figures right after the upgrade; from then on every write
keeps them (store/summary.py). ``python -m store.summary rebuild`` builds them again by hand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("current_values", "reported_quarters", "unit_closure", "unit_summary", "unit_coverage")


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if "current_values" not in have:
        op.create_table(
            "current_values",
            sa.Column("unit", sa.String(64), primary_key=True),
            sa.Column("indicator", sa.String(64), primary_key=True),
            sa.Column("period", sa.String(10), primary_key=True),
            sa.Column("value", sa.Float, nullable=False),
            sa.Column("approximate", sa.Boolean, nullable=False),
            sa.Column("upload_id", sa.Integer, nullable=False),
        )
        op.create_index("ix_current_period", "current_values", ["period", "unit"])
    if "reported_quarters" not in have:
        op.create_table(
            "reported_quarters",
            sa.Column("unit", sa.String(64), primary_key=True),
            sa.Column("period", sa.String(10), primary_key=True),
        )
        op.create_index("ix_reported_period", "reported_quarters", ["period"])
    if "unit_closure" not in have:
        op.create_table(
            "unit_closure",
            sa.Column("ancestor", sa.String(64), primary_key=True),
            sa.Column("descendant", sa.String(64), primary_key=True),
            sa.Column("depth", sa.Integer, nullable=False),
        )
        op.create_index("ix_closure_descendant", "unit_closure", ["descendant"])
    if "unit_summary" not in have:
        op.create_table(
            "unit_summary",
            sa.Column("unit", sa.String(64), primary_key=True),
            sa.Column("indicator", sa.String(64), primary_key=True),
            sa.Column("period", sa.String(10), primary_key=True),
            sa.Column("value", sa.Float, nullable=True),
            sa.Column("approximate", sa.Boolean, nullable=False),
            sa.Column("n_units", sa.Integer, nullable=False),
            sa.Column("carried_units", sa.Integer, nullable=False),
            sa.Column("num", sa.Float, nullable=True),
            sa.Column("den", sa.Float, nullable=True),
        )
    if "unit_coverage" not in have:
        op.create_table(
            "unit_coverage",
            sa.Column("unit", sa.String(64), primary_key=True),
            sa.Column("period", sa.String(10), primary_key=True),
            sa.Column("n_units", sa.Integer, nullable=False),
            sa.Column("expected", sa.Integer, nullable=False),
            sa.Column("carried", sa.Integer, nullable=False),
        )
    if "ix_obs_period_unit" not in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("observations")}:
        op.create_index("ix_obs_period_unit", "observations", ["period", "unit"])
    from store import summary

    summary.rebuild(op.get_bind())  # build them from what is stored (nothing, in a new database)


def downgrade() -> None:
    op.drop_index("ix_obs_period_unit", table_name="observations")
    for name, index in (("current_values", "ix_current_period"), ("reported_quarters", "ix_reported_period"),
                        ("unit_closure", "ix_closure_descendant")):
        op.drop_index(index, table_name=name)
    for name in TABLES:
        op.drop_table(name)
