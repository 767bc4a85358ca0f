"""Display-ready tables for the pages: pure pandas, one module per page (no streamlit, no plotly)."""
