"""Editions in force per period, revisions of an edition's catalogue, local-only indicators.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.add_column(sa.Column("effective_from", sa.Integer, nullable=True))
        batch.add_column(sa.Column("scheduled", sa.Boolean, nullable=True))
    op.create_table(
        "edition_revisions",
        sa.Column("edition_id", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("revision >= 2", name=op.f("ck_edition_revisions_revision")),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["editions.id"], name=op.f("fk_edition_revisions_edition_id_editions")
        ),
        sa.PrimaryKeyConstraint("edition_id", "revision", name=op.f("pk_edition_revisions")),
    )
    op.create_table(
        "local_indicators",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("item_code", sa.String(32), nullable=False, server_default=""),
        sa.Column("name_zh", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False, server_default=""),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("threshold", sa.Double, nullable=False),
        sa.Column("lower_bound", sa.Double, nullable=False),
        sa.Column("effective_from", sa.Integer, nullable=False),
        sa.Column("effective_to", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("set_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["regions.code"],
            name=op.f("fk_local_indicators_jurisdiction_code_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_indicators")),
    )
    op.create_index(op.f("ix_local_indicators_code"), "local_indicators", ["code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_local_indicators_code"), table_name="local_indicators")
    op.drop_table("local_indicators")
    op.drop_table("edition_revisions")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("scheduled")
        batch.drop_column("effective_from")
