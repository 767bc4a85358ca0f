"""auth: TODO docstring."""
