"""Region boundaries for the maps (GeoJSON geometry per region, uploaded by administrators).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_boundaries",
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("geometry", sa.Text, nullable=False),
        sa.Column("source", sa.String(255), server_default="", nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_region_boundaries_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_region_boundaries")),
    )


def downgrade() -> None:
    op.drop_table("region_boundaries")
