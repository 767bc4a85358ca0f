"""Import: a validated upload becomes submission versions, in one transaction (DESIGN section 3).

Rules, as an official or an evaluator would expect them:

* A rejected upload (``result.ok`` is False) stores nothing: :class:`UploadRejected` carries the
  validator's messages. The whole import is one transaction, so a crash or a kill part-way leaves no
  trace either.
* Versions count 1, 2, 3... per region and period, without gaps (the next number is taken while the
  region is locked: ``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on the regions' rows on
  PostgreSQL).
* Idempotent: the identical file for the same region and period never makes a second version; the
  existing version is returned (``created=False``), whatever its status. A file whose values equal
  the latest version's (say the same workbook re-saved, or a batch in which most counties did not
  change) does not make a new version either.
* A new version supersedes the previous versions still pending or returned. An approved version is
  locked: it stays approved, and is what scores use, while a newer version waits for review; it is
  superseded only when that newer version is approved (see :mod:`assessment.store.workflow`).
* A batch file (many regions and periods) makes one submission per region and period, all in one
  transaction: either every one is stored or none is. Its bytes are stored once.
* The original bytes are kept in ``upload_blobs``, addressed by SHA-256, written in the same
  transaction as the submission, unchanged for the audit. What the workbook holds besides values
  (formulas, DDE, HYPERLINK formulas, external links and hyperlinks:
  :func:`assessment.intake.active_content.findings`) is recorded in the import's audit details
  (``active_content``: counts by kind and the first items with sheet and cell). Only
  administrators download the original; everyone else gets the values-only copy.

Partial batch files merge instead of erasing (a department's or a statistics bureau's extract):

* What is partial is decided by the upload's kind (``result.kind`` of
  :func:`assessment.intake.ingest.read_upload`): a region's own **template** is a complete form and
  replaces the whole version, as before; a **batch** file may carry any subset of indicators
  (intake warns ``W_MISSING_INDICATORS`` for what it lacks), so each of its region-periods is
  *merged*: the new version's values are those of the **base** version updated by the file's rows.
  Indicators the file carries replace the base's (a row of the file always counts, whatever its
  value); indicators it lacks keep the base's values. A complete batch thus replaces every value.
* The base is the version that counts today when pending figures are included
  (:func:`assessment.store.queries.chosen_submissions` with ``include_pending``): the newest version
  of the region and period that is ``submitted`` or ``approved``. Taking a pending version rather than
  the approved one is deliberate: the new version supersedes the pending one, so two departments
  uploading one after the other both keep their items. Returned and superseded versions are never a
  base. A base of another edition is merged too: an indicator code means the same indicator in
  every edition (the crosswalk maps them one to one), so a partial file sent under the 2023 edition
  completes a version sent on a 2021 template; codes the new edition lacks are kept but not scored.
  With no base, the version holds the file's indicators only.
* The merged values are what is stored (``submission_values``, ``value_count``, ``values_sha256``),
  so scoring, snapshots and :func:`assessment.store.queries.diff` need nothing new: the diff against
  the base shows only the indicators the file changed. The import's audit event records
  ``merged_from`` (the base's id and version), ``from_file`` and ``kept`` (counts), and the outcome
  item carries them; :func:`assessment.store.queries.merged_from` reads them back for reviewers.
* Idempotency is unchanged: the same bytes find their version; a file whose *merged* values equal
  the latest version's (the same partial file re-saved, say) makes no new version.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from assessment.domain.model import VALUE_COLUMNS
from assessment.intake import active_content
from assessment.store import audit, reference, snapshots
from assessment.store.errors import refuse, rejected
from assessment.store.outcome import ImportedSubmission, ImportOutcome, MergeOrigin, UploadResultLike
from assessment.store.schema import regions, submission_values, submissions, upload_blobs

NUMBERS = ["value", "numerator", "denominator"]
REPLY_MAX = 2000  # characters of an official's reply to a return


def clean_reply(reply: str | None) -> str | None:
    """The reply as stored (stripped; None when empty); refused when longer than REPLY_MAX.
    It is plain text: stored as typed, never rendered as markup."""
    text = (reply or "").strip()
    if len(text) > REPLY_MAX:
        raise refuse("reply_too_long", limit=REPLY_MAX, length=len(text))
    return text or None


def _tidy(result: UploadResultLike, filename: str) -> pd.DataFrame:
    values = result.values
    missing = [c for c in ("indicator_code", *NUMBERS) if c not in values.columns]
    if missing:
        raise refuse("bad_values", file=filename, columns=", ".join(missing))
    frame = values.copy()
    if "region_code" not in frame.columns:
        frame = frame.assign(region_code=result.region_code)
    if "period" not in frame.columns:
        frame = frame.assign(period=result.period)
    if "note" not in frame.columns:
        frame = frame.assign(note=None)
    frame = frame[list(VALUE_COLUMNS)]
    if frame.empty:
        raise refuse("no_values", file=filename)
    period = pd.to_numeric(frame["period"], errors="coerce")
    if period.isna().any() or (period != period.round()).any():
        raise refuse("bad_period", file=filename)
    note = frame["note"].astype("string").str.strip()
    frame = frame.assign(
        region_code=frame["region_code"].astype("string").str.strip(),
        period=period.astype("int64"),
        indicator_code=frame["indicator_code"].astype("string").str.strip(),
        note=note.where(note.notna() & (note != ""), pd.NA),
        **{c: pd.to_numeric(frame[c], errors="coerce").astype("float64") for c in NUMBERS},
    )
    if frame["region_code"].isna().any() or frame["indicator_code"].isna().any():
        raise refuse("bad_values", file=filename, columns="region_code, indicator_code")
    dupes = frame.duplicated(["region_code", "period", "indicator_code"])
    if dupes.any():
        first = frame.loc[dupes].iloc[0]
        raise refuse(
            "duplicate_value",
            file=filename,
            region=first["region_code"],
            period=int(first["period"]),
            indicator=first["indicator_code"],
        )
    return frame.sort_values(["region_code", "period", "indicator_code"], ignore_index=True)


def _values_hashes(frame: pd.DataFrame, edition: str) -> pd.DataFrame:
    """One SHA-256 per region and period over its canonical values (order-independent)."""
    text = frame["indicator_code"].astype(str)
    for col in NUMBERS:
        text = text + "|" + frame[col].map(repr).where(frame[col].notna(), "")
    text = text + "|" + frame["note"].fillna("").astype(str)
    keys = frame[["region_code", "period"]]
    starts = np.flatnonzero(~keys.duplicated().to_numpy())
    chunks = np.split(text.to_numpy(dtype=object), starts[1:])
    digests = [hashlib.sha256(("\n".join([edition, *c])).encode()).hexdigest() for c in chunks]
    groups = keys.iloc[starts].reset_index(drop=True)
    return groups.assign(values_sha256=digests, value_count=np.diff(np.append(starts, len(frame))))


def _lock_regions(conn: Connection, codes: list[str]) -> None:
    """Serialise writers per region on PostgreSQL (SQLite is already serialised by BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.select(regions.c.code)
            .where(regions.c.code.in_(codes))
            .order_by(regions.c.code)
            .with_for_update()
        )


def _store_blob(conn: Connection, sha: str, data: bytes, now: datetime) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(upload_blobs).values(sha256=sha, size=len(data), data=data, created_at=now)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))


def _existing(conn: Connection, groups: pd.DataFrame) -> pd.DataFrame:
    cols = [
        submissions.c[c]
        for c in ("id", "region_code", "period", "version", "status", "sha256", "values_sha256", "edition")
    ]
    query = sa.select(*cols).where(
        submissions.c.region_code.in_(sorted(set(groups["region_code"]))),
        submissions.c.period.in_(sorted({int(p) for p in groups["period"]})),
    )
    rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in cols])
    frame = frame.astype({"region_code": "string", "period": "int64", "version": "int64", "id": "int64"})
    return frame.merge(groups[["region_code", "period"]], on=["region_code", "period"], how="inner")


_BASE_COLUMNS = ["submission_id", "indicator_code", "value", "numerator", "denominator", "note"]


def prefetch_bases(conn: Connection, result: UploadResultLike, filename: str) -> pd.DataFrame | None:
    """The stored rows of the versions a batch file would merge onto, read in a read transaction
    *before* the write transaction (issue 20 point 7): at national scale reading them inside it
    held SQLite's write lock for most of an import (17 of 31 s), and every other user's write
    waited. A version's values never change (``submission_values`` is append-only), so rows read
    now stay right; :func:`_merge` fetches only the bases that appeared in between. Read through
    the value snapshots when there are many. None when there is nothing to read ahead."""
    if not result.ok or result.kind != "batch":
        return None
    frame = _tidy(result, filename)
    groups = frame[["region_code", "period"]].drop_duplicates(ignore_index=True)
    bases = _bases(_existing(conn, groups))
    if bases.empty:
        return None
    ids = [int(i) for i in bases["base_id"]]
    if len(ids) >= snapshots.MIN_SUBMISSIONS:
        rows, _ = snapshots.rows(conn, sorted({int(p) for p in bases["period"]}), ids)  # not saved here
    else:
        rows = snapshots.fetch_rows(conn, ids)
    return rows[_BASE_COLUMNS]


def import_upload(
    conn: Connection,
    actor: str,
    data: bytes,
    filename: str,
    result: UploadResultLike,
    *,
    now: datetime | None = None,
    active: dict[str, Any] | None = None,
    reply: str | None = None,
    prefetched: pd.DataFrame | None = None,
) -> ImportOutcome:
    """Store a validated upload inside the caller's transaction; see the module docstring.
    ``active``: :func:`assessment.intake.active_content.summary` of ``data`` when the caller read it
    already (outside the transaction). ``reply``: the official's answer to a return, stored with
    every new version (:func:`clean_reply`). ``prefetched``: :func:`prefetch_bases`."""
    reply = clean_reply(reply)
    if not result.ok:
        raise rejected(result.problems, filename)
    sha = hashlib.sha256(data).hexdigest()
    if result.sha256 and result.sha256 != sha:
        raise refuse("sha_mismatch", file=filename)
    kind = result.kind if result.kind in ("template", "batch") else "template"
    frame = _tidy(result, filename)
    groups = frame[["region_code", "period"]].drop_duplicates(ignore_index=True)
    codes = sorted(set(groups["region_code"]))
    unknown = sorted(set(codes) - reference.active_codes(conn, set(codes)))
    if unknown:
        raise refuse("unknown_region", file=filename, codes=", ".join(unknown[:10]), count=len(unknown))
    reference.ensure_edition(conn, actor, result.edition)
    _lock_regions(conn, codes)
    now = now or audit.utcnow()
    existing = _existing(conn, groups)
    bases = _bases(existing if kind == "batch" else existing.iloc[:0])
    frame, merges = _merge(conn, frame, bases, prefetched)
    groups = _values_hashes(frame, result.edition)
    plan = _plan(groups, existing, sha).merge(merges, on=["region_code", "period"], how="left")
    to_create = plan.loc[plan["create"]]
    warnings = tuple(p for p in result.problems if p.severity != "error")
    new_ids: list[int] = []
    events: list[dict[str, Any]] = []
    if not to_create.empty:
        _store_blob(conn, sha, data, now)  # only when a version will point at it
        if active is None:  # formulas, DDE, links
            active = active_content.summary(active_content.findings(data))
        superseded = existing.loc[existing["status"].isin(["submitted", "returned"])]
        superseded = superseded.merge(to_create[["region_code", "period"]], on=["region_code", "period"])
        if not superseded.empty:
            conn.execute(
                sa.update(submissions)
                .where(submissions.c.id.in_([int(i) for i in superseded["id"]]))
                .values(status="superseded", superseded_at=now)
            )
        rows = [
            {
                "region_code": r.region_code,
                "period": int(r.period),
                "edition": result.edition,
                "version": int(r.next_version),
                "status": "submitted",
                "kind": kind,
                "sha256": sha,
                "values_sha256": r.values_sha256,
                "filename": filename[:255],
                "value_count": int(r.value_count),
                "uploaded_by": actor,
                "uploaded_at": now,
                "reply": reply,
            }
            for r in to_create.itertuples(index=False)
        ]
        inserted = conn.execute(
            sa.insert(submissions).returning(submissions.c.id, sort_by_parameter_order=True), rows
        )
        new_ids = [int(i) for i in inserted.scalars().all()]
        ids = to_create[["region_code", "period"]].assign(submission_id=new_ids)
        _insert_values(conn, frame.merge(ids, on=["region_code", "period"], how="inner"))
        if not superseded.empty:
            links = superseded.merge(ids, on=["region_code", "period"])
            conn.execute(
                sa.update(submissions)
                .where(submissions.c.id == sa.bindparam("b_id"))
                .values(superseded_by_id=sa.bindparam("b_new")),
                [
                    {"b_id": int(a), "b_new": int(b)}
                    for a, b in zip(links["id"], links["submission_id"], strict=True)
                ],
            )
            events += [
                audit.event(
                    actor,
                    "submission.supersede",
                    "submission",
                    int(a),
                    region_code=str(region),
                    details={"superseded_by": int(b)},
                    at=now,
                )
                for a, b, region in zip(
                    links["id"], links["submission_id"], links["region_code"], strict=True
                )
            ]
        events += [
            audit.event(
                actor,
                "submission.import",
                "submission",
                new_id,
                region_code=row["region_code"],
                details={
                    "period": row["period"],
                    "version": row["version"],
                    "kind": kind,
                    "filename": row["filename"],
                    "sha256": sha,
                    "values": row["value_count"],
                    "edition": result.edition,
                    **({"reply": reply} if reply else {}),
                    **merge,
                    **({"active_content": active} if active["counts"] else {}),
                },
                at=now,
            )
            for new_id, row, merge in zip(new_ids, rows, _merge_details(to_create), strict=True)
        ]
        audit.record(conn, events)
    return ImportOutcome(
        kind=kind,
        filename=filename,
        sha256=sha,
        edition=result.edition,
        items=_items(plan, new_ids, existing),
        warnings=warnings,
    )


def _plan(groups: pd.DataFrame, existing: pd.DataFrame, sha: str) -> pd.DataFrame:
    """Per region and period: create a new version, or point at the existing one it repeats."""
    keys = ["region_code", "period"]
    same_file = existing.loc[existing["sha256"] == sha, [*keys, "id"]].rename(columns={"id": "file_id"})
    latest = existing.sort_values("version").drop_duplicates(keys, keep="last")
    latest = latest[[*keys, "id", "version", "values_sha256"]].rename(
        columns={"id": "latest_id", "version": "latest_version", "values_sha256": "latest_values"}
    )
    plan = groups.merge(same_file, on=keys, how="left").merge(latest, on=keys, how="left")
    same_values = plan["latest_values"].eq(plan["values_sha256"]).fillna(False).astype(bool)
    has_file = plan["file_id"].notna()
    plan = plan.assign(
        create=~has_file & ~same_values,
        same_as=np.where(has_file, "file", np.where(same_values, "values", "")),
        found_id=plan["file_id"].where(has_file, plan["latest_id"]),
        next_version=plan["latest_version"].fillna(0).astype("int64") + 1,
    )
    return plan.sort_values(keys, ignore_index=True)


_MERGE_COLUMNS = ["region_code", "period", "base_id", "base_version", "from_file", "kept"]


def _bases(existing: pd.DataFrame) -> pd.DataFrame:
    """Per region and period, the version a batch file merges onto (see the module docstring):
    the newest ``submitted`` or ``approved`` version, of whatever edition."""
    live = existing.loc[existing["status"].isin(["submitted", "approved"])]
    live = live.sort_values("version").drop_duplicates(["region_code", "period"], keep="last")
    out = live[["region_code", "period", "id", "version"]].rename(
        columns={"id": "base_id", "version": "base_version"}
    )
    return out.astype({"base_id": "int64", "base_version": "int64"}).reset_index(drop=True)


def _merge(
    conn: Connection, frame: pd.DataFrame, bases: pd.DataFrame, prefetched: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file's rows plus, per region and period with a base, the base's rows for the indicators
    the file lacks; and per region and period the counts (columns _MERGE_COLUMNS; ``kept`` 0 and no
    base when nothing was taken from one). Base rows in ``prefetched`` are not read again."""
    keys = ["region_code", "period"]
    from_file = frame.groupby(keys, as_index=False, sort=False).size().rename(columns={"size": "from_file"})
    if bases.empty:
        merges = from_file.assign(base_id=pd.NA, base_version=pd.NA, kept=0)
        return frame, merges[_MERGE_COLUMNS]
    cols = _BASE_COLUMNS
    ids = [int(i) for i in bases["base_id"]]
    have = None if prefetched is None else prefetched.loc[prefetched["submission_id"].isin(ids), cols]
    missing = ids if have is None else sorted(set(ids) - {int(i) for i in have["submission_id"]})
    v = submission_values
    rows = (
        conn.execute(sa.select(*(v.c[c] for c in cols)).where(v.c.submission_id.in_(missing))).all()
        if missing
        else []
    )
    old = pd.DataFrame(rows, columns=cols)
    if have is not None:
        old = pd.concat([have.astype(object), old.astype(object)], ignore_index=True) if len(old) else have
    old = old.astype({"submission_id": "int64"}).merge(
        bases.rename(columns={"base_id": "submission_id"})[[*keys, "submission_id"]], on="submission_id"
    )
    old = old.astype(
        {
            "region_code": "string",
            "period": "int64",
            "indicator_code": "string",
            "note": "string",
            **dict.fromkeys(NUMBERS, "float64"),
        }
    )
    carried = frame[[*keys, "indicator_code"]].assign(_in_file=True)
    old = old.merge(carried, on=[*keys, "indicator_code"], how="left")
    kept = old.loc[old["_in_file"].isna(), list(VALUE_COLUMNS)]
    merged = pd.concat([frame, kept], ignore_index=True) if len(kept) else frame
    merged = merged.sort_values([*keys, "indicator_code"], ignore_index=True)
    counts = kept.groupby(keys, as_index=False, sort=False).size().rename(columns={"size": "kept"})
    merges = from_file.merge(counts, on=keys, how="left").merge(bases, on=keys, how="left")
    merges["kept"] = merges["kept"].fillna(0).astype("int64")
    none = merges["kept"] == 0  # a base that lent nothing is no merge: the file replaced it all
    merges["base_id"] = merges["base_id"].astype("Int64").mask(none)
    merges["base_version"] = merges["base_version"].astype("Int64").mask(none)
    return merged, merges[_MERGE_COLUMNS]


def _merge_details(plan: pd.DataFrame) -> list[dict[str, Any]]:
    """Per row of ``plan``: the audit details of a merge ({} when the version was not merged)."""
    out: list[dict[str, Any]] = []
    for base_id, base_version, from_file, kept in zip(
        plan["base_id"], plan["base_version"], plan["from_file"], plan["kept"], strict=True
    ):
        if pd.isna(base_id):
            out.append({})
        else:
            out.append(
                {
                    "merged_from": {"id": int(base_id), "version": int(base_version)},
                    "from_file": int(from_file),
                    "kept": int(kept),
                }
            )
    return out


def _items(plan: pd.DataFrame, new_ids: list[int], existing: pd.DataFrame) -> tuple[ImportedSubmission, ...]:
    live = existing.loc[existing["status"].isin(["submitted", "returned"])]
    superseded: dict[tuple[str, int], list[int]] = {}
    for region, period, ident in zip(live["region_code"], live["period"], live["id"], strict=True):
        superseded.setdefault((str(region), int(period)), []).append(int(ident))
    found = {
        int(i): (int(v), str(st))
        for i, v, st in zip(existing["id"], existing["version"], existing["status"], strict=True)
    }
    new_iter = iter(new_ids)
    out = []
    for region, period, create, version, found_id, same_as, merge in zip(
        plan["region_code"],
        plan["period"],
        plan["create"],
        plan["next_version"],
        plan["found_id"],
        plan["same_as"],
        _merge_details(plan),
        strict=True,
    ):
        key = (str(region), int(period))
        if create:
            item = ImportedSubmission(
                id=next(new_iter),
                region_code=key[0],
                period=key[1],
                version=int(version),
                status="submitted",
                created=True,
                superseded=tuple(superseded.get(key, ())),
                merged_from=MergeOrigin.from_details(merge),
            )
        else:
            old_version, old_status = found[int(found_id)]
            item = ImportedSubmission(
                id=int(found_id),
                region_code=key[0],
                period=key[1],
                version=old_version,
                status=old_status,
                created=False,
                same_as=str(same_as),
            )
        out.append(item)
    return tuple(out)


def _rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Plain tuples (None for missing) for the DB-API, column by column (fast)."""
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
    return list(zip(*columns, strict=True))


def _insert_values(conn: Connection, frame: pd.DataFrame) -> None:
    """Insert value rows with the driver's executemany (SQLite) or one CSV COPY (PostgreSQL)."""
    cols = ["submission_id", "indicator_code", "value", "numerator", "denominator", "note"]
    frame = frame[cols].astype({"submission_id": "int64"})
    table = submission_values.name
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection  # psycopg's own connection, in this transaction
        text = frame.to_csv(index=False, header=False)  # missing -> empty unquoted field -> NULL
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            copy.write(text)
    else:
        marks = ", ".join("?" * len(cols))
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", _rows(frame))
