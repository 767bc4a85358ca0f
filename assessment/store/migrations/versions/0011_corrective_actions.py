"""Issue 17: corrective actions tied to the gaps.

* ``corrective_actions``: one per gap (region, period, indicator): the measures, the responsible
  department, the budget (total, central, local), the due period, the status (planned, in progress,
  done, dropped with a reason) and the evaluators' review (pending, accepted, returned with a
  comment). What the approved data say of an action is computed on read, not stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("gap_kind", sa.String(16), nullable=False),
        sa.Column("gap_value", sa.Float, nullable=True),
        sa.Column("gap_threshold", sa.Float, nullable=True),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("budget_total", sa.Float, nullable=True),
        sa.Column("budget_central", sa.Float, nullable=True),
        sa.Column("budget_local", sa.Float, nullable=True),
        sa.Column("due_period", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("review", sa.String(16), nullable=False),
        sa.Column("review_comment", sa.Text, nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_corrective_actions_status"),
        ),
        sa.CheckConstraint(
            "review IN ('pending', 'accepted', 'returned')", name=op.f("ck_corrective_actions_review")
        ),
        sa.CheckConstraint("due_period >= period", name=op.f("ck_corrective_actions_due_period")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_corrective_actions_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.username"], name=op.f("fk_corrective_actions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
        sa.UniqueConstraint(
            "region_code",
            "period",
            "indicator_code",
            name=op.f("uq_corrective_actions_region_code_period_indicator_code"),
        ),
    )
    op.create_index(
        op.f("ix_corrective_actions_region_code_period"), "corrective_actions", ["region_code", "period"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_corrective_actions_region_code_period"), table_name="corrective_actions")
    op.drop_table("corrective_actions")
