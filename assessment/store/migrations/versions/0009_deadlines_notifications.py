"""Issue 16 points 2, 3: reporting deadlines per jurisdiction, user e-mail addresses, the notification outbox.

* New table ``jurisdiction_deadlines`` (jurisdiction_code, period): the deadline a province or a
  prefecture set for its regions. The province-wide deadlines of ``reporting_deadlines`` move to
  the root of the region tree (the first active region without a parent); the old table goes. A
  database without a region tree has nowhere to put them: its deadlines are dropped (none can have
  been used, since nobody reports without regions).
* ``users.email`` (nullable): the address notifications go to.
* New table ``notification_outbox``: e-mails queued, sent or failed.

Downgrade puts the root's deadlines back into ``reporting_deadlines``; the deadlines of lower
jurisdictions are lost (the old schema had no place for them).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

_regions = sa.table(
    "regions",
    sa.column("code", sa.String),
    sa.column("parent_code", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("sort_order", sa.Integer),
)
_COLS = ("period", "deadline", "set_by", "set_at")


def _root(conn: sa.Connection) -> str | None:
    return conn.execute(
        sa.select(_regions.c.code)
        .where(_regions.c.parent_code.is_(None), _regions.c.active.is_(True))
        .order_by(_regions.c.sort_order)
        .limit(1)
    ).scalar()


def _old_table() -> sa.TableClause:
    return sa.table("reporting_deadlines", *(sa.column(c) for c in _COLS))


def _new_table() -> sa.TableClause:
    return sa.table("jurisdiction_deadlines", sa.column("jurisdiction_code"), *(sa.column(c) for c in _COLS))


def upgrade() -> None:
    op.create_table(
        "jurisdiction_deadlines",
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_code"],
            ["regions.code"],
            name=op.f("fk_jurisdiction_deadlines_jurisdiction_code_regions"),
        ),
        sa.PrimaryKeyConstraint("jurisdiction_code", "period", name=op.f("pk_jurisdiction_deadlines")),
    )
    conn = op.get_bind()
    root = _root(conn)
    old = _old_table()
    rows = [dict(r) for r in conn.execute(sa.select(*(old.c[c] for c in _COLS))).mappings()]
    if root is not None and rows:
        conn.execute(sa.insert(_new_table()), [{"jurisdiction_code": root, **r} for r in rows])
    op.drop_table("reporting_deadlines")
    op.add_column("users", sa.Column("email", sa.String(255), nullable=True))
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=True),
        sa.Column("period", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name=op.f("ck_notification_outbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_notification_outbox_status"), "notification_outbox", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notification_outbox_status"), table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_column("users", "email")  # SQLite >= 3.35 drops a plain column in place
    op.create_table(
        "reporting_deadlines",
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_reporting_deadlines")),
    )
    conn = op.get_bind()
    root = _root(conn)
    new = _new_table()
    if root is not None:
        rows = [
            dict(r)
            for r in conn.execute(
                sa.select(*(new.c[c] for c in _COLS)).where(new.c.jurisdiction_code == root)
            ).mappings()
        ]
        if rows:
            conn.execute(sa.insert(_old_table()), rows)
    op.drop_table("jurisdiction_deadlines")
