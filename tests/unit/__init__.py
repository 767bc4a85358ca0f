"""Pure core, fast: no database, no xlsx files on disk, no subprocess, no AppTest."""
