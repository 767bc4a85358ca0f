"""Tests in layers: unit, integration, app (Streamlit AppTest), e2e (browser)."""
