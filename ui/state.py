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


def multiselect_with_url(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str], **kwargs):
    """Draw a multiselect of ids kept in the URL as ``?key=id1,id2``; return the chosen ids (a list).

    The URL seeds the widget whenever it appears, then the widget writes it back.
    """
    if key not in st.session_state:
        # Seeded from the URL whenever the widget (re)appears: it may live in a folded expander that skips runs.
        st.session_state[key] = ids_in_url(key, options)
    else:
        # Ids that are no longer options (another store, or a finished project) drop out instead of failing.
        st.session_state[key] = [i for i in st.session_state[key] if i in options]
    chosen = st.multiselect(label, options, key=key, format_func=format_func, **kwargs)
    if chosen:
        st.query_params[key] = ",".join(chosen)
    else:
        st.query_params.pop(key, None)
    return chosen


def ids_in_url(key: str, options: Sequence[str]) -> list[str]:
    """The ids kept in the URL as ``?key=id1,id2`` that are among ``options`` (for a widget not drawn this run)."""
    allowed = set(options)
    return [i for i in st.query_params.get(key, "").split(",") if i in allowed]
