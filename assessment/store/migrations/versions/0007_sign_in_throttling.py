"""Sign-in throttling instead of lockout; single sign-on identities as (issuer, subject) or e-mail.

* New table ``sign_in_attempts``: failed sign-ins per user name (known or unknown) and per source
  address, with the time the next attempt is allowed (issue 15, point 5).
* ``users.failed_attempts`` and ``users.locked_until`` are retired (kept, no longer read or written
  by the app): any lock set before this upgrade is cleared here, so nobody stays locked out.
* ``users.external_identity`` gets canonical forms (issue 15, point 9): ``"<issuer> <subject>"`` for
  an OpenID Connect subject, ``"email:<local>@<domain>"`` (domain in lower case) for an e-mail. A
  stored bare e-mail address becomes ``email:...``; a stored bare subject (no issuer) is left as it
  is and no longer matches anyone: an administrator links it again with its issuer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure", TS, nullable=False),
        sa.Column("blocked_until", TS, nullable=True),
        sa.CheckConstraint("kind IN ('name', 'source')", name=op.f("ck_sign_in_attempts_kind")),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_sign_in_attempts")),
    )
    conn = op.get_bind()
    users = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("external_identity", sa.String),
        sa.column("failed_attempts", sa.Integer),
        sa.column("locked_until", TS),
    )
    conn.execute(sa.update(users).values(failed_attempts=0, locked_until=None))
    rows = conn.execute(
        sa.select(users.c.username, users.c.external_identity).where(users.c.external_identity.is_not(None))
    ).all()
    for username, identity in rows:
        text = identity.strip()
        if EMAIL.match(text) and not text.startswith("email:"):
            local, domain = text.rsplit("@", 1)
            conn.execute(
                sa.update(users)
                .where(users.c.username == username)
                .values(external_identity=f"email:{local}@{domain.lower()}")
            )


def downgrade() -> None:
    conn = op.get_bind()
    users = sa.table("users", sa.column("username", sa.String), sa.column("external_identity", sa.String))
    rows = conn.execute(
        sa.select(users.c.username, users.c.external_identity).where(
            users.c.external_identity.like("email:%")
        )
    ).all()
    for username, identity in rows:
        conn.execute(
            sa.update(users)
            .where(users.c.username == username)
            .values(external_identity=identity[len("email:") :])
        )
    op.drop_table("sign_in_attempts")
