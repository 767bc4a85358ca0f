"""Issue 16 points 1, 4, 6: official replies to a return (stored with the new version) and value queries.

* ``submissions.reply``: what the official wrote to the reviewer when sending the version that
  answers a return (nullable text, never rendered as markup).
* ``value_queries``: an evaluator's question about one value (region, period, indicator, on a
  submission version), the official's answer and the evaluator's closing note.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("submissions", sa.Column("reply", sa.Text, nullable=True))
    op.create_table(
        "value_queries",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("closing_note", sa.Text, nullable=True),
        sa.CheckConstraint("status IN ('open', 'answered', 'closed')", name=op.f("ck_value_queries_status")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_value_queries_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_value_queries_submission_id_submissions")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["users.username"], name=op.f("fk_value_queries_raised_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_queries")),
    )
    op.create_index(op.f("ix_value_queries_region_code_period"), "value_queries", ["region_code", "period"])


def downgrade() -> None:
    op.drop_index(op.f("ix_value_queries_region_code_period"), table_name="value_queries")
    op.drop_table("value_queries")
    op.drop_column("submissions", "reply")
