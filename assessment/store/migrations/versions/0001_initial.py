"""Initial schema: users, settings, regions, editions, local standards, uploads, submissions, values,
reviews, audit log; append-only and never-delete triggers; the built-in ``system`` user.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("audit_log", "reviews")
NEVER_DELETE = ("submissions", "submission_values", "upload_blobs", "local_standards")


def _pk(table: str, *cols: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*cols, name=op.f(f"pk_{table}"))


def _fk(table: str, col: str, ref: str, ref_col: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.{ref_col}"], name=op.f(f"fk_{table}_{col}_{ref}"))


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), server_default="", nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope_region_code", sa.String(12), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("external_identity", sa.String(255), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'evaluator', 'official')", name=op.f("ck_users_role")),
        _pk("users", "username"),
        sa.UniqueConstraint("external_identity", name=op.f("uq_users_external_identity")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _pk("settings", "key"),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("urban", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mountainous", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ethnic_autonomous", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fiscal_capacity_per_head", sa.Double(), nullable=True),
        sa.Column("reports", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _pk("regions", "code"),
    )
    op.create_index(op.f("ix_regions_parent_code"), "regions", ["parent_code"])
    op.create_table(
        "editions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title_zh", sa.String(300), server_default="", nullable=False),
        sa.Column("title_en", sa.String(300), server_default="", nullable=False),
        sa.Column("published", sa.String(10), server_default="", nullable=False),
        sa.Column("loaded_by", sa.String(64), nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        _pk("editions", "id"),
    )
    op.create_table(
        "local_standards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("effective_from", sa.Integer(), nullable=False),
        sa.Column("effective_to", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("superseded_at", TS, nullable=True),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        _fk("local_standards", "jurisdiction_code", "regions", "code"),
        _pk("local_standards", "id"),
    )
    op.create_index(op.f("ix_local_standards_jurisdiction_code"), "local_standards", ["jurisdiction_code"])
    op.create_table(
        "upload_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("upload_blobs", "sha256"),
    )
    op.create_table(
        "reporting_deadlines",
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        _pk("reporting_deadlines", "period"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("values_sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("value_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", TS, nullable=True),
        sa.CheckConstraint("kind IN ('template', 'batch')", name=op.f("ck_submissions_kind")),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'returned', 'superseded')",
            name=op.f("ck_submissions_status"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_submissions_version")),
        _fk("submissions", "edition", "editions", "id"),
        _fk("submissions", "region_code", "regions", "code"),
        _fk("submissions", "reviewed_by", "users", "username"),
        _fk("submissions", "sha256", "upload_blobs", "sha256"),
        _fk("submissions", "uploaded_by", "users", "username"),
        _pk("submissions", "id"),
        sa.UniqueConstraint(
            "region_code", "period", "sha256", name=op.f("uq_submissions_region_code_period_sha256")
        ),
        sa.UniqueConstraint(
            "region_code", "period", "version", name=op.f("uq_submissions_region_code_period_version")
        ),
    )
    op.create_index(op.f("ix_submissions_status"), "submissions", ["status"])
    for status in ("submitted", "approved"):
        where = sa.text(f"status = '{status}'")
        op.create_index(
            f"uq_submissions_one_{status}",
            "submissions",
            ["region_code", "period"],
            unique=True,
            sqlite_where=where,
            postgresql_where=where,
        )
    op.create_table(
        "submission_values",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(32), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("numerator", sa.Double(), nullable=True),
        sa.Column("denominator", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("submission_values", "submission_id", "submissions", "id"),
        _pk("submission_values", "submission_id", "indicator_code"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.CheckConstraint("decision IN ('approve', 'return', 'reopen')", name=op.f("ck_reviews_decision")),
        _fk("reviews", "actor", "users", "username"),
        _fk("reviews", "submission_id", "submissions", "id"),
        _pk("reviews", "id"),
    )
    op.create_index(op.f("ix_reviews_submission_id"), "reviews", ["submission_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        _pk("audit_log", "id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_object_type_object_id"), "audit_log", ["object_type", "object_id"])
    _create_guards()
    op.bulk_insert(
        sa.table(
            "users",
            sa.column("username", sa.String),
            sa.column("display_name", sa.String),
            sa.column("role", sa.String),
            sa.column("created_at", TS),
        ),
        [
            {
                "username": "system",
                "display_name": "System / 系统",
                "role": "admin",
                "created_at": datetime.now(UTC).replace(tzinfo=None)
                if op.get_bind().dialect.name == "sqlite"
                else datetime.now(UTC),
            }
        ],
    )


def _create_guards() -> None:
    """Triggers that refuse UPDATE/DELETE on append-only tables and DELETE on kept-forever ones."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} refused'); END"
                )
        for table in NEVER_DELETE:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} keeps its history: DELETE refused'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION assessment_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% keeps its history: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in APPEND_ONLY + NEVER_DELETE:
            events = "UPDATE OR DELETE" if table in APPEND_ONLY else "DELETE"
            op.execute(
                f"CREATE TRIGGER {table}_guard BEFORE {events} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION assessment_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION assessment_refuse_change()"
            )


def downgrade() -> None:
    for table in (
        "audit_log",
        "reviews",
        "submission_values",
        "submissions",
        "reporting_deadlines",
        "upload_blobs",
        "local_standards",
        "editions",
        "regions",
        "settings",
        "users",
    ):
        op.drop_table(table)  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS assessment_refuse_change()")
