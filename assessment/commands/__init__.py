"""Sub-commands of ``python -m assessment``.

Each module here defines ``register(subparsers)`` that adds one (or a few) sub-parsers and sets
``func`` on them: ``func(args) -> int`` returns the exit code (0 ok, 1 invalid input, 2 usage).
The CLI discovers modules by listing this package (names starting with ``_``, such as the shared
parser helpers in :mod:`._common`, are not commands), so adding a command touches no shared file.
"""
