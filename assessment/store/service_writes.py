"""The write side of :class:`~assessment.store.service.Store`: every method that changes data.

Users and settings, the region tree and boundaries, catalogue editions, local standards,
deadlines, uploads (:mod:`.submissions`), review decisions and reopening (:mod:`.workflow`) and
audit events of other modules. Each runs in one write transaction (:meth:`Store._write`) that first
checks the acting user and the access rule (:mod:`.scope`), then makes the change and records its
audit events.

:class:`StoreWrites` is a mixin: it needs ``_write`` from :class:`~assessment.store.service.Store`
and ``region_tree`` from :class:`~assessment.store.service_reads.StoreReads`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Connection

from assessment.catalogue.local_indicators import check_local_indicators
from assessment.domain.editions import LocalIndicator
from assessment.domain.errors import Problem
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.intake import active_content
from assessment.store import audit, reference, scope, standards, users, workflow
from assessment.store import editions as catalogue_editions
from assessment.store.errors import StoreError, refuse
from assessment.store.outcome import ImportOutcome, UploadResultLike
from assessment.store.submissions import import_upload, prefetch_bases
from assessment.store.users import User
from assessment.store.workflow import Submission

T = TypeVar("T")


class StoreWrites:
    """Write methods of the store (mixed into :class:`~assessment.store.service.Store`)."""

    if TYPE_CHECKING:  # provided by Store and StoreReads

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

        def region_tree(self) -> RegionTree: ...

        def read(self) -> AbstractContextManager[Connection]: ...

    # -- users and settings -----------------------------------------------------------------
    def add_user(
        self,
        actor: str,
        username: str,
        display_name: str,
        role: str,
        scope_region_code: str | None = None,
        *,
        password_hash: str | None = None,
        external_identity: str | None = None,
    ) -> User:
        """Create a user (role admin, evaluator or official; scope = own region or jurisdiction)."""
        return self._write(
            actor,
            lambda c: users.add(
                c,
                actor,
                username,
                display_name,
                role,
                scope_region_code,
                password_hash=password_hash,
                external_identity=external_identity,
            ),
            lambda c: scope.authorize(c, actor, "manage_users"),
        )

    def set_setting(self, actor: str, key: str, value: str) -> None:
        """Store a setting (audited)."""
        self._write(
            actor,
            lambda c: reference.set_setting(c, actor, key, value),
            lambda c: scope.authorize(c, actor, "manage_settings"),
        )

    # -- reference data ---------------------------------------------------------------------
    def save_region_tree(self, actor: str, tree: RegionTree) -> dict[str, int]:
        """Save a region tree (new regions added, known ones updated, absent ones retired)."""
        return self._write(
            actor,
            lambda c: reference.save_region_tree(c, actor, tree),
            lambda c: scope.authorize(c, actor, "manage_regions"),
        )

    def save_boundaries(
        self, actor: str, geometries: Mapping[str, Mapping[str, Any]], source: str = ""
    ) -> dict[str, int]:
        """Replace the boundaries of the regions in ``geometries`` (checked with
        :func:`assessment.catalogue.boundaries.parse_boundaries`); admins only, audited."""
        return self._write(
            actor,
            lambda c: reference.save_boundaries(c, actor, geometries, source),
            lambda c: scope.authorize(c, actor, "manage_regions"),
        )

    def register_edition(self, actor: str, edition: Edition) -> None:
        """Record a catalogue edition's id, titles and publication date."""
        self._write(
            actor,
            lambda c: reference.register_edition(c, actor, edition),
            lambda c: scope.authorize(c, actor, "manage_editions"),
        )

    def set_edition_in_force(self, actor: str, edition_id: str, start: int | None) -> None:
        """Put an edition in force from period ``start`` (None: for no period); admins only, audited."""
        self._write(
            actor,
            lambda c: catalogue_editions.set_in_force(c, actor, edition_id, start),
            lambda c: scope.authorize(c, actor, "manage_editions"),
        )

    def save_edition_revision(self, actor: str, edition: Edition, note: str = "") -> int:
        """Store a corrected catalogue as the next revision of its edition (checked by the workbook
        reader before); admins only, audited. Returns the revision number."""
        return self._write(
            actor,
            lambda c: catalogue_editions.save_revision(c, actor, edition, note),
            lambda c: scope.authorize(c, actor, "manage_editions"),
        )

    def save_local_indicators(self, actor: str, items: Sequence[LocalIndicator]) -> int:
        """Add or redefine local-only indicators. Each is checked against every edition, the other
        jurisdictions' local indicators and the tree (codes never collide with national ones);
        the actor must be allowed to set standards for each jurisdiction. Returns how many."""

        def write(c: Connection) -> int:
            tree = reference.region_tree(c)
            sched = catalogue_editions.schedule(c)
            existing = catalogue_editions.local_in_force(c)
            problems = check_local_indicators(items, sched.editions, existing, tree)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise StoreError(errors)
            return catalogue_editions.save_local(c, actor, items)

        def allowed(c: Connection) -> None:
            for code in sorted({li.jurisdiction_code for li in items}):
                scope.authorize(c, actor, "set_standard", code)

        return self._write(actor, write, allowed)

    def set_local_standard(
        self, actor: str, std: LocalStandard, edition: Edition, tree: RegionTree | None = None
    ) -> list[Problem]:
        """Set a local standard (checked; supersedes what it overlaps). Returns warnings."""
        tree = tree or self.region_tree()
        return self._write(
            actor,
            lambda c: standards.set_standard(c, actor, std, edition, tree),
            lambda c: scope.authorize(c, actor, "set_standard", std.jurisdiction_code),
        )

    # -- submissions ------------------------------------------------------------------------
    def import_upload(
        self,
        actor: str,
        data: bytes,
        filename: str,
        result: UploadResultLike,
        *,
        now: datetime | None = None,
        reply: str | None = None,
    ) -> ImportOutcome:
        """Store a validated upload as new submission version(s); see :mod:`.submissions`.
        ``reply``: the official's answer to a return, stored with the new version(s)."""
        # what the workbook holds besides values, read before the write transaction takes its lock
        active = active_content.summary(active_content.findings(data)) if result.ok else None
        # and the rows of the versions a batch merges onto (seconds at national scale: read under
        # the write lock they held up every other user's write; see submissions.prefetch_bases)
        prefetched = None
        if result.ok and result.kind == "batch":
            with self.read() as conn:
                scope.authorize_upload(conn, actor, result)
                prefetched = prefetch_bases(conn, result, filename)
        return self._write(
            actor,
            lambda c: import_upload(
                c, actor, data, filename, result, now=now, active=active, reply=reply, prefetched=prefetched
            ),
            lambda c: scope.authorize_upload(c, actor, result),
        )

    def review(
        self,
        actor: str,
        submission_id: int,
        decision: str,
        comment: str = "",
        reason_code: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Submission:
        """Approve or return a pending submission (return needs a comment; evaluators of its region)."""
        if decision not in ("approve", "return"):
            raise refuse("bad_decision", decision=decision)
        return self._write(
            actor,
            lambda c: workflow.decide(c, actor, submission_id, decision, comment, reason_code, now=now),
            lambda c: scope.submission(c, actor, submission_id, "review"),
        )

    def reopen(
        self, actor: str, submission_id: int, comment: str, *, now: datetime | None = None
    ) -> Submission:
        """Put an approved or returned latest version back to pending (comment required)."""
        return self._write(
            actor,
            lambda c: workflow.decide(c, actor, submission_id, "reopen", comment, now=now),
            lambda c: scope.submission(c, actor, submission_id, "review"),
        )

    # -- audit ------------------------------------------------------------------------------
    def audit(
        self,
        actor: str,
        action: str,
        object_type: str,
        object_id: object,
        details: Mapping[str, Any] | None = None,
        *,
        region_code: str | None = None,
    ) -> None:
        """Append one audit event (for events of other modules: sign-in, export...). Any actor name."""
        event = audit.event(actor, action, object_type, object_id, region_code=region_code, details=details)
        self._write(None, lambda c: audit.record(c, [event]))
