"""Resident populations per region and year (the region tree's population_YYYY columns).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_populations",
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("population", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("population > 0", name=op.f("ck_region_populations_population")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_region_populations_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("region_code", "period", name=op.f("pk_region_populations")),
    )


def downgrade() -> None:
    op.drop_table("region_populations")
