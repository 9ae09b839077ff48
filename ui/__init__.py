"""Streamlit pieces shared by the pages: the connection, cached analytics calls, the shell, layout helpers."""
