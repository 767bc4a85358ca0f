"""Value snapshots (a per-period cache that scoring reads) and stored values made unchangeable.

* ``value_snapshots``: one compressed Parquet table per period of the values of every version that
  can count (see :mod:`assessment.store.snapshots`); a cache, rebuilt on demand.
* ``submission_values`` refuses UPDATE as well as DELETE: a snapshot is keyed by submission ids, so
  the values behind an id must never change (no code ever updated them; now the database says so).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE = "submission_values"


def upgrade() -> None:
    op.create_table(
        "value_snapshots",
        sa.Column("period", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("ids_digest", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_value_snapshots")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END"
        )
    else:
        _pg_guard("UPDATE OR DELETE")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
    else:
        _pg_guard("DELETE")
    op.drop_table("value_snapshots")


def _pg_guard(events: str) -> None:
    op.execute(f"DROP TRIGGER {TABLE}_guard ON {TABLE}")
    op.execute(
        f"CREATE TRIGGER {TABLE}_guard BEFORE {events} ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION assessment_refuse_change()"
    )
