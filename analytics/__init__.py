"""Quarterdeck analytics: the store, every formula and figure builder; no Streamlit here."""
