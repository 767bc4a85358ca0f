"""Tables of the store (SQLAlchemy 2 Core), the design of record for the Alembic migrations.

``migrations/versions/*.py`` build exactly these tables; ``tests/test_store_schema.py`` checks that a
migrated database equals this metadata. Change a table here only together with a new migration.

Times are stored in UTC (:class:`UTCDateTime`): aware datetimes go in, aware UTC datetimes come out,
on SQLite (which has no time zones) as on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

STATUSES = ("submitted", "approved", "returned", "superseded")
DECISIONS = ("approve", "return", "reopen")
KINDS = ("template", "batch")
ROLES = ("admin", "evaluator", "official")
SYSTEM_USER = "system"

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp kept in UTC; naive input is taken as UTC, output is always aware UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - SQLite returns datetime via the dialect
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("scope_region_code", sa.String(12), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("external_identity", sa.String(255), nullable=True, unique=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("email", sa.String(255), nullable=True),  # notifications (migration 0009)
    sa.CheckConstraint(_in("role", ROLES), name="role"),
)

# Failed sign-ins per user name (known or not) and per source address, for throttling
# (assessment.auth.signin). ``key`` is a SHA-256 of the normalised name or address, so names typed
# by strangers (sometimes a password typed into the wrong field) are never stored in clear.
ATTEMPT_KINDS = ("name", "source")
sign_in_attempts = sa.Table(
    "sign_in_attempts",
    metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_failure", UTCDateTime, nullable=False),
    sa.Column("blocked_until", UTCDateTime, nullable=True),
    sa.CheckConstraint(_in("kind", ATTEMPT_KINDS), name="kind"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("code", sa.String(12), primary_key=True),
    sa.Column("name_zh", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("parent_code", sa.String(12), nullable=True, index=True),
    sa.Column("population", sa.BigInteger, nullable=False),
    sa.Column("urban", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("mountainous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("ethnic_autonomous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fiscal_capacity_per_head", sa.Double, nullable=True),
    sa.Column("reports", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

editions = sa.Table(
    "editions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("title_zh", sa.String(300), nullable=False, server_default=""),
    sa.Column("title_en", sa.String(300), nullable=False, server_default=""),
    sa.Column("published", sa.String(10), nullable=False, server_default=""),
    sa.Column("loaded_by", sa.String(64), nullable=False),
    sa.Column("loaded_at", UTCDateTime, nullable=False),
    # An administrator's choice of the periods the edition is in force for; NULL = as shipped.
    sa.Column("effective_from", sa.Integer, nullable=True),
    sa.Column("scheduled", sa.Boolean, nullable=True),  # False = in force for no period
)

# Revisions of an edition's catalogue imported by an administrator (revision 1 is the shipped
# folder and is not stored); ``content`` is the whole edition as JSON (assessment.catalogue.serial).
edition_revisions = sa.Table(
    "edition_revisions",
    metadata,
    sa.Column("edition_id", sa.String(32), sa.ForeignKey("editions.id"), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("revision >= 2", name="revision"),
)

# Indicators a jurisdiction adds for the regions below it (DESIGN section 3), with their history:
# a new definition of a code supersedes the old row, which is kept.
local_indicators = sa.Table(
    "local_indicators",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("jurisdiction_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False),
    sa.Column("code", sa.String(32), nullable=False, index=True),
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
    sa.Column("entered_at", UTCDateTime, nullable=False),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.Column("superseded_by", sa.String(64), nullable=True),
)

local_standards = sa.Table(
    "local_standards",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("jurisdiction_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False, index=True),
    sa.Column("indicator_code", sa.String(32), nullable=False),
    sa.Column("threshold", sa.Double, nullable=False),
    sa.Column("effective_from", sa.Integer, nullable=False),
    sa.Column("effective_to", sa.Integer, nullable=True),
    sa.Column("set_by", sa.String(200), nullable=False),
    sa.Column("set_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.Column("superseded_by", sa.String(64), nullable=True),
)

upload_blobs = sa.Table(
    "upload_blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("edition", sa.String(32), sa.ForeignKey("editions.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("upload_blobs.sha256"), nullable=False),
    sa.Column("values_sha256", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("value_count", sa.Integer, nullable=False),
    sa.Column("uploaded_by", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("reviewed_by", sa.String(64), sa.ForeignKey("users.username"), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("review_comment", sa.Text, nullable=True),
    sa.Column("reason_code", sa.String(32), nullable=True),
    sa.Column("superseded_by_id", sa.Integer, nullable=True),
    sa.Column("superseded_at", UTCDateTime, nullable=True),
    sa.Column("reply", sa.Text, nullable=True),  # the official's answer to the return (migration 0008)
    sa.UniqueConstraint("region_code", "period", "version"),
    sa.UniqueConstraint("region_code", "period", "sha256"),
    sa.CheckConstraint(_in("status", STATUSES), name="status"),
    sa.CheckConstraint(_in("kind", KINDS), name="kind"),
    sa.CheckConstraint("version >= 1", name="version"),
    # At most one pending and one approved version per region and period (workflow invariants).
    sa.Index(
        "uq_submissions_one_submitted",
        "region_code",
        "period",
        unique=True,
        sqlite_where=sa.text("status = 'submitted'"),
        postgresql_where=sa.text("status = 'submitted'"),
    ),
    sa.Index(
        "uq_submissions_one_approved",
        "region_code",
        "period",
        unique=True,
        sqlite_where=sa.text("status = 'approved'"),
        postgresql_where=sa.text("status = 'approved'"),
    ),
)

submission_values = sa.Table(
    "submission_values",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), primary_key=True),
    sa.Column("indicator_code", sa.String(32), primary_key=True),
    sa.Column("value", sa.Double, nullable=True),
    sa.Column("numerator", sa.Double, nullable=True),
    sa.Column("denominator", sa.Double, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False, index=True),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("from_status", sa.String(16), nullable=False),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("reason_code", sa.String(32), nullable=True),
    sa.Column("actor", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("decision", DECISIONS), name="decision"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("object_type", sa.String(32), nullable=False),
    sa.Column("object_id", sa.String(64), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=True),
    sa.Column("details", sa.JSON, nullable=True),
    sa.Index(None, "object_type", "object_id"),
)

# Map boundaries per region (GeoJSON geometry as text), replaced region by region by admins.
region_boundaries = sa.Table(
    "region_boundaries",
    metadata,
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), primary_key=True),
    sa.Column("geometry", sa.Text, nullable=False),
    sa.Column("source", sa.String(255), nullable=False, server_default=""),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# The resident population of a region in a particular year (the region tree's population_YYYY
# columns); a year without a row takes the latest earlier one, else regions.population (the base).
region_populations = sa.Table(
    "region_populations",
    metadata,
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), primary_key=True),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("population", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("population > 0", name="population"),
)

# The fiscal figures of a region in a particular year (the region tree's revenue_per_head_YYYY and
# transfers_per_head_YYYY columns), CNY per resident; a year without a row has no figures (never
# carried forward). At least one of the two is given.
region_finances = sa.Table(
    "region_finances",
    metadata,
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), primary_key=True),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("revenue_per_head", sa.Double, nullable=True),
    sa.Column("transfers_per_head", sa.Double, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(
        "(revenue_per_head IS NULL OR revenue_per_head >= 0)"
        " AND (transfers_per_head IS NULL OR transfers_per_head >= 0)"
        " AND (revenue_per_head IS NOT NULL OR transfers_per_head IS NOT NULL)",
        name="figures",
    ),
)

# Per-period snapshots of the values that can count (a cache, see assessment.store.snapshots):
# rebuilt from submission_values whenever they do not match; deleting rows loses nothing.
value_snapshots = sa.Table(
    "value_snapshots",
    metadata,
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ids_digest", sa.String(64), nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("built_at", UTCDateTime, nullable=False),
)

# Append-only tables: a trigger refuses UPDATE/DELETE on these (migration 0001; submission_values
# since 0002, so that a version's values can never change once stored).
APPEND_ONLY = ("audit_log", "reviews", "submission_values")
# Never-delete tables: a trigger refuses DELETE (history is kept, DESIGN section 3).
NEVER_DELETE = ("submissions", "upload_blobs", "local_standards")

# Signed-in sessions (issue 15.1): the browser holds a random token in an HttpOnly, SameSite=Strict
# cookie; the database holds only its SHA-256. A row ends by sign-out, idle time-out, disabling the
# account or a password change (rows are deleted; the audit log keeps the history).
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "username",
        sa.String(64),
        sa.ForeignKey("users.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
)

# --- issue 16, points 1, 4, 6: replies to returns and value queries (migration 0008) -------------
# (and the column ``submissions.reply``: the official's answer to a return, stored with the version)
QUERY_STATUSES = ("open", "answered", "closed")

# A question an evaluator asks about one value of one submission version (DHIS2's "follow-up");
# the official answers it (or corrects the value in a new version), the evaluator closes it.
value_queries = sa.Table(
    "value_queries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("indicator_code", sa.String(32), nullable=False),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("raised_by", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answered_by", sa.String(64), nullable=True),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("closing_note", sa.Text, nullable=True),
    sa.CheckConstraint(_in("status", QUERY_STATUSES), name="status"),
    sa.Index(None, "region_code", "period"),
)

# --- end of migration 0008 -----------------------------------------------------------------------

# --- issue 16, points 2, 3: deadlines per jurisdiction, e-mail, notifications (migration 0009) ---

# The reporting deadline a jurisdiction set for a period (replaces the province-wide
# ``reporting_deadlines`` of migration 0001). A region's effective deadline is the earliest one set
# on its way up to the root (assessment.store.deadlines).
jurisdiction_deadlines = sa.Table(
    "jurisdiction_deadlines",
    metadata,
    sa.Column("jurisdiction_code", sa.String(12), sa.ForeignKey("regions.code"), primary_key=True),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("deadline", UTCDateTime, nullable=False),
    sa.Column("set_by", sa.String(64), nullable=False),
    sa.Column("set_at", UTCDateTime, nullable=False),
)

# E-mail notifications waiting to be sent, sent, or failed (assessment.store.notifications): rows
# are queued in the transaction of the action that caused them and delivered after its commit.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")
notification_outbox = sa.Table(
    "notification_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("region_code", sa.String(12), nullable=True),
    sa.Column("period", sa.Integer, nullable=True),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_attempt_at", UTCDateTime, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("dedupe_key", sa.String(200), nullable=True, unique=True),
    sa.CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
)


# --- end of migration 0009 -----------------------------------------------------------------------

# --- issue 16, point 9: user administration (migration 0010) --------------------------------------


# --- end of migration 0010 -----------------------------------------------------------------------

# --- issue 17: corrective actions (migration 0011) ------------------------------------------------

# One corrective action per gap (region, period, indicator): the official's plan, its progress and
# the evaluators' review (assessment.store.actions). What the approved data say of it (closed by
# the data, escalated, reopened) is computed on read, never stored (assessment.scoring.accountability).
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
ACTION_REVIEWS = ("pending", "accepted", "returned")
corrective_actions = sa.Table(
    "corrective_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=False),
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
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("created_by", sa.String(64), sa.ForeignKey("users.username"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("status", ACTION_STATUSES), name="status"),
    sa.CheckConstraint(_in("review", ACTION_REVIEWS), name="review"),
    sa.CheckConstraint("due_period >= period", name="due_period"),
    sa.UniqueConstraint("region_code", "period", "indicator_code"),
    sa.Index(None, "region_code", "period"),
)

# --- end of migration 0011 -----------------------------------------------------------------------
