"""Access checks inside the store's transactions (issue 6): every service call goes through these.

The rules themselves are :mod:`assessment.domain.access` (pure); this module applies them against the
region tree stored in the same database, in the caller's transaction, so no page or command can
reach around them. A submission outside the actor's regions is refused with exactly the message of
a submission that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain import access
from assessment.domain.model import Region, RegionTree
from assessment.store import completeness as reporting
from assessment.store import queries, reference, users, workflow
from assessment.store.errors import StoreError, refuse
from assessment.store.outcome import UploadResultLike
from assessment.store.schema import regions
from assessment.store.users import User
from assessment.store.workflow import Submission

_TREES: dict[tuple[str, int, object], RegionTree] = {}


def access_tree(conn: Connection) -> RegionTree:
    """Every region ever saved, retired ones included (they keep their parent), so the submissions
    of a retired county stay visible to the evaluators above it. Uploads to a retired region are
    still refused by the import (it accepts active regions only).

    Only codes, levels and parents are read (access needs nothing else), and the tree is reused
    until a region is added or saved again (keyed by the row count and the newest ``updated_at``):
    at national scale (3,100 regions) this takes the check from ~65 ms to ~1 ms per call.
    """
    count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(regions.c.updated_at))).one()
    key = (conn.engine.url.render_as_string(hide_password=True), int(count), newest)
    tree = _TREES.get(key)
    if tree is None:
        query = sa.select(regions.c.code, regions.c.level, regions.c.parent_code).order_by(
            regions.c.active.desc(), regions.c.sort_order
        )
        rows = conn.execute(query).all()
        tree = RegionTree(tuple(Region(code, "", "", level, parent, 0) for code, level, parent in rows))
        if len(_TREES) > 16:
            _TREES.clear()
        _TREES[key] = tree
    return tree


def actor_and_tree(conn: Connection, actor: str) -> tuple[User, RegionTree]:
    """The acting user (existing, enabled) and the region tree access is judged against."""
    return users.require(conn, actor), access_tree(conn)


def authorize(conn: Connection, actor: str, action: str, region_code: str | None = None) -> User:
    """The acting user when it may do ``action`` on ``region_code``; AccessDenied otherwise."""
    user, tree = actor_and_tree(conn, actor)
    access.require(user, action, region_code, tree)
    return user


def authorize_region(conn: Connection, actor: str, action: str, region_code: str) -> User:
    """The acting user when ``region_code`` is in the stored tree (retired regions included) and
    the actor may do ``action`` there.

    A code that is not in the tree is refused as unknown (``store.unknown_region_code``: the tree is
    public reference data, so this reveals nothing); one outside the actor's regions gets the
    :class:`~assessment.domain.access.AccessDenied` of every page (``access.denied_region``). The
    acting user is checked first, so an unknown or disabled user learns nothing about regions.
    """
    user, tree = actor_and_tree(conn, actor)
    if region_code not in tree:
        raise refuse("unknown_region_code", code=region_code)
    access.require(user, action, region_code, tree)
    return user


def hidden_submission(submission_id: object) -> StoreError:
    """The refusal for a submission outside the actor's regions: word for word the one for a
    submission that does not exist (``store.unknown_submission``), so ids cannot be probed."""
    return refuse("unknown_submission", id=submission_id)


def submission(conn: Connection, actor: str, submission_id: int, action: str = "view") -> Submission:
    """The submission when the actor may do ``action`` on its region.

    One outside the actor's regions is refused as if it did not exist (:func:`hidden_submission`);
    one the actor may see but not act on gets the usual :class:`AccessDenied`.
    """
    user, tree = actor_and_tree(conn, actor)
    sub = workflow.get(conn, submission_id)
    if access.allowed(user, action, sub.region_code, tree):
        return sub
    if access.allowed(user, "view", sub.region_code, tree):
        raise access.denied(action, sub.region_code)
    raise hidden_submission(submission_id)


def upload_regions(result: UploadResultLike) -> set[str]:
    """The region codes an upload would write to (from its values, else its header)."""
    values = getattr(result, "values", None)
    codes: set[str] = set()
    if isinstance(values, pd.DataFrame) and "region_code" in values.columns:
        codes = {str(c) for c in values["region_code"].dropna().unique() if str(c)}
    if not codes and getattr(result, "region_code", None):
        codes = {str(result.region_code)}
    return codes


def authorize_upload(conn: Connection, actor: str, result: UploadResultLike) -> None:
    """Refuse an upload touching any known region the actor may not upload to.

    Codes that are not in the tree are left to the import, which names them as unknown regions.
    """
    user, tree = actor_and_tree(conn, actor)
    access.require_all(user, "upload", {c for c in upload_regions(result) if c in tree}, tree)


def region_filter(conn: Connection, actor: str, asked: Iterable[str] | None = None) -> list[str] | None:
    """The region codes a read by ``actor`` is limited to (None: no limit); see
    :func:`assessment.domain.access.region_filter`."""
    user, tree = actor_and_tree(conn, actor)
    return access.region_filter(user, tree, None if asked is None else list(asked))


def visible_regions(conn: Connection, actor: str) -> set[str]:
    """The codes of the regions ``actor`` may view."""
    user, tree = actor_and_tree(conn, actor)
    return access.visible_regions(user, tree)


def deadline(conn: Connection, actor: str, jurisdiction: str | None = None) -> User:
    """A jurisdiction's reporting deadline (None: the root's, province-wide) is set by the evaluator
    of exactly that jurisdiction, or an admin (issue 16)."""
    tree = access_tree(conn)
    if jurisdiction is None:
        jurisdiction = tree.root.code if len(tree) else None
    elif jurisdiction not in tree:
        users.require(conn, actor)  # an unknown user learns nothing about codes
        raise refuse("unknown_region_code", code=jurisdiction)
    return authorize(conn, actor, "set_deadline", jurisdiction)


def review_history(conn: Connection, actor: str, submission_id: int | None = None) -> pd.DataFrame:
    """Review decisions (one submission's, or all) limited to the actor's regions."""
    if submission_id is not None:
        submission(conn, actor, submission_id)
        return queries.review_history(conn, submission_id)
    codes = region_filter(conn, actor)
    history = queries.review_history(conn)
    if codes is None:
        return history
    own = queries.list_submissions(conn, codes)["id"]
    return history.loc[history["submission_id"].isin(own)].reset_index(drop=True)


def completeness(
    conn: Connection,
    actor: str,
    period: int,
    when: datetime | None,
    given: RegionTree | None,
    jurisdiction: str | None,
) -> pd.DataFrame:
    """:func:`assessment.store.completeness.completeness` for the actor's regions only.

    ``jurisdiction`` outside them is refused; a scoped actor's default is its own scope. Rows are
    filtered against the stored tree, so a tree passed in cannot widen what is shown.
    """
    user, tree = actor_and_tree(conn, actor)
    seen = None if access.is_global(user) else access.visible_regions(user, tree)
    if jurisdiction is not None:
        access.require(user, "view", jurisdiction, tree)
    elif seen is not None:
        jurisdiction = user.scope_region_code
    active = given if given is not None else reference.region_tree(conn)
    due = when or reference.effective_deadlines(active, reference.deadlines_set(conn, period))
    frame = reporting.completeness(conn, period, due, active, jurisdiction)
    if seen is not None:
        frame = frame.loc[reporting.member(frame["region_code"], seen)].reset_index(drop=True)
    return frame
