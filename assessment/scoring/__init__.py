"""scoring: TODO docstring."""
