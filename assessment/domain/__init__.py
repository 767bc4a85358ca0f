"""domain: TODO docstring."""
