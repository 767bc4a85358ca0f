"""The Streamlit pages through streamlit.testing (AppTest) against a seeded demo database."""
