"""Fiscal figures per region and year (the region tree's revenue_per_head_YYYY and
transfers_per_head_YYYY columns; issue 19 point 7).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_finances",
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("revenue_per_head", sa.Double, nullable=True),
        sa.Column("transfers_per_head", sa.Double, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(revenue_per_head IS NULL OR revenue_per_head >= 0)"
            " AND (transfers_per_head IS NULL OR transfers_per_head >= 0)"
            " AND (revenue_per_head IS NOT NULL OR transfers_per_head IS NOT NULL)",
            name=op.f("ck_region_finances_figures"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_region_finances_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("region_code", "period", name=op.f("pk_region_finances")),
    )


def downgrade() -> None:
    op.drop_table("region_finances")
