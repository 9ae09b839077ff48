"""View state in the URL for widgets that Streamlit's own binding cannot serve.

``bind="query-params"`` matches a URL value against the *formatted* option label, so a picker that shows
"P-010 · Partner marketplace" cannot be opened by ``?project=P-010``. These helpers keep the id in the URL:
seed the widget's state from the URL once per session, then write the chosen id back on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def selectbox_with_url(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str], **kwargs):
    """Draw a selectbox whose chosen option (an id) lives in the URL as ``?key=id``; return the id or None."""
    seeded = f"_{key}_seeded"
    if not st.session_state.get(seeded):
        st.session_state[seeded] = True
        wanted = st.query_params.get(key)
        if wanted in options:
            st.session_state[key] = wanted
    if st.session_state.get(key) not in (None, *options):
        # The filters changed and the chosen project is no longer listed.
        st.session_state[key] = None
    value = st.selectbox(label, options, key=key, format_func=format_func, index=None, **kwargs)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value
