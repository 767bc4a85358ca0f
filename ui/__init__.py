"""Helpers for the pages: session-state keys, cached wrappers around the core, plotly charts."""
