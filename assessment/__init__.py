"""Pure core of the regional compliance assessment dashboard.

Nothing below this package imports streamlit or plotly (tests/test_architecture.py checks it).
"""

__version__ = "0.1.0"
