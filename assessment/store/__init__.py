"""Storage: submissions that are never lost (issue 4, DESIGN sections 3 and 6).

SQLAlchemy 2 on SQLite (default, a file under data/, WAL) or PostgreSQL (``ASSESSMENT_DB_URL``),
schema managed by Alembic (run automatically when a :class:`Store` opens). Modules:

* :mod:`.engine`: URL resolution, SQLite settings, migrations;
* :mod:`.schema`: the tables;
* :mod:`.submissions`: import rules (versions, idempotency, supersession);
* :mod:`.workflow`: review transitions (approve, return, reopen);
* :mod:`.queries`: lists, values for scoring, diffs, review history;
* :mod:`.completeness`: who reported, who is late, who never reported;
* :mod:`.reference`, :mod:`.standards`, :mod:`.users`: regions, editions, settings, deadlines,
  local standards with history, users;
* :mod:`.audit`: the append-only audit trail;
* :mod:`.service`: the :class:`Store` facade that ties them together (its plumbing), with its read
  methods in :mod:`.service_reads` and its write methods in :mod:`.service_writes`.

(The demo province is seeded by :mod:`assessment.demo.seed`.)
"""

from assessment.store.errors import StoreError, UploadRejected
from assessment.store.outcome import ImportedSubmission, ImportOutcome
from assessment.store.service import Store, open_store
from assessment.store.users import User
from assessment.store.workflow import REASON_CODES, Submission

__all__ = [
    "REASON_CODES",
    "ImportOutcome",
    "ImportedSubmission",
    "Store",
    "StoreError",
    "Submission",
    "UploadRejected",
    "User",
    "open_store",
]
