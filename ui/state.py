"""View state in the URL for widgets that Streamlit's own binding cannot serve.

``bind="query-params"`` matches a URL value against the *formatted* option label, so a picker that shows
"P-010 · Partner marketplace" cannot be opened by ``?project=P-010``; nor can it read a date, or a flag spelled
``present=1``. These widgets keep the code in the URL: ``seed_from_url`` gives the widget its value from the URL,
then the widget writes its value back on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

from analytics import text


def seed_from_url(key: str, read: Callable[[str | None], Any]) -> None:
    """Give the widget keyed ``key`` its value from the URL's ``?key=`` when it has none.

    That is on the session's first run, and again after Streamlit dropped the state of a widget it did not draw
    (on another page, in a closed tab), so the widget shows what the URL says. ``read`` turns the URL's text (None
    without the parameter) into the widget's value, or returns None to leave the widget to its own default.
    """
    if key in st.session_state:
        return
    value = read(st.query_params.get(key))
    if value is not None:
        st.session_state[key] = value


def selectbox_with_url(
    label: str,
    options: Sequence[str],
    key: str,
    format_func: Callable[[str], str],
    *,
    default: str | None = None,
    **kwargs,
):
    """Draw a selectbox whose chosen option (an id) lives in the URL as ``?key=id``; return the id or None.

    Without a valid id in the URL the box starts at ``default`` (None: nothing chosen).
    """
    seed_from_url(key, lambda wanted: wanted if wanted in options else default)
    if st.session_state.get(key) not in (None, *options):
        # The filters changed and the chosen project is no longer listed.
        st.session_state[key] = None
    value = st.selectbox(label, options, key=key, format_func=format_func, index=None, **kwargs)
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def choice_with_url(label: str, options: dict[str, str], key: str, default: str, **kwargs) -> str:
    """Draw a segmented control of ``options`` (code -> label) whose chosen code lives in the URL as ``?key=code``."""
    seed_from_url(key, lambda wanted: wanted if wanted in options else default)
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    value = st.segmented_control(label, list(options), format_func=options.get, key=key, required=True, **kwargs)
    st.query_params[key] = value
    return value


def date_with_url(label: str, key: str, default: date, *, min_value: date, max_value: date, **kwargs) -> date:
    """Draw a date input whose value lives in the URL as ``?key=YYYY-MM-DD`` (``default`` when the URL has none).

    A URL date that is not a date (``abc``, ``2026-02-30``, year 0) is ignored, one outside
    ``[min_value, max_value]`` is moved to the nearer end; either way a toast says so once, and the widget then
    writes the date it shows back to the URL, so reloading the link is quiet.
    """

    def read(text: str | None) -> date:
        if text is None:
            return default
        wanted = _iso_date(text)
        if wanted is None:
            _note(f"“{text}” in the link is not a date (YYYY-MM-DD): {label} shows {default:%d %b %Y}.")
            return default
        shown = min(max(wanted, min_value), max_value)
        if shown != wanted:
            side = "before the earliest" if wanted < min_value else "after the latest"
            _note(f"{label} {wanted.isoformat()} in the link is {side} date shown: it shows {shown:%d %b %Y}.")
        return shown

    seed_from_url(key, read)
    # A value kept from another store (whose dates differ) is moved inside this one's range too.
    st.session_state[key] = min(max(st.session_state[key], min_value), max_value)
    value = st.date_input(label, key=key, format="YYYY-MM-DD", min_value=min_value, max_value=max_value, **kwargs)
    st.query_params[key] = value.isoformat()
    return value


def _note(message: str) -> None:
    """Say once that a URL value was ignored or moved (a toast: it shows on the run that read the URL only)."""
    st.toast(text.markdown(message), icon=":material/link:")


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def flag_from_url(text: str | None) -> bool:
    """Read a URL flag such as ``?present=1``: on for 1, true or yes (any case), off otherwise."""
    return (text or "").lower() in ("1", "true", "yes")


def multiselect_with_url(label: str, options: Sequence[str], key: str, format_func: Callable[[str], str], **kwargs):
    """Draw a multiselect of ids kept in the URL as ``?key=id1,id2``; return the chosen ids (a list)."""
    # Seeded whenever the widget (re)appears: it may live in a folded expander that skips runs.
    seed_from_url(key, lambda _: ids_in_url(key, options))
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
