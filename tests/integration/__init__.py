"""Real files, real SQLite and PostgreSQL, CLI entry points and subprocesses."""
