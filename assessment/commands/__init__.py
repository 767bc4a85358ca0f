"""Commands: the sub-commands of ``python -m assessment`` (DESIGN 6), the top of the core.

They call the same services as the pages (the :class:`~assessment.store.Store` with an acting user
from ``--as``, :mod:`assessment.reports.service`, the intake and scoring functions), never a copy of
them, and may import every other package of the core; nothing imports a command.

Each module here defines ``register(subparsers)`` that adds one (or a few) sub-parsers and sets
``func`` on them: ``func(args) -> int`` returns the exit code (0 ok, 1 invalid input, 2 usage).
The CLI discovers modules by listing this package (names starting with ``_``, such as the shared
parser helpers in :mod:`._common`, are not commands), so adding a command touches no shared file.
"""
