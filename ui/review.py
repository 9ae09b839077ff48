"""The review pack in the app: the data fingerprint in the sidebar, and the "Review pack" download of a page.

A pack is made on request (a button), with a progress bar while its numbers are computed and its charts drawn,
then offered as a download; the file is kept in the session for the settings it was made from, so a rerun does not
lose it and other settings never get it.
"""

from __future__ import annotations

import logging

import streamlit as st

from analytics import fingerprint, optimize, text
from analytics import review as packs
from ui import data, whatif

log = logging.getLogger("quarterdeck")

FORMATS = {"PowerPoint": ".pptx", "PDF": ".pdf"}
CARD_WIDTH_PX = 460
FINGERPRINT_HELP = (
    "12 hex characters of a SHA-256 over the store's data (every table but saved scenarios, decisions, roles and "
    "the import log). Every slide of a review pack carries it: the same fingerprint means the same data."
)


def data_fingerprint() -> str:
    """The store's data fingerprint, computed once per store version."""
    return data.query(fingerprint.data_fingerprint)


def sidebar_line() -> None:
    """One caption in the sidebar: the data fingerprint (nothing when the store cannot be read)."""
    try:
        shown = data_fingerprint()
    except data.StoreError:
        return
    st.caption(f"Data fingerprint `{shown}`", help=FINGERPRINT_HELP)


def on_screen(params: optimize.WhatIf) -> list[packs.ScenarioSpec]:
    """The what-if settings on screen, as the one scenario of a pack."""
    return [packs.ScenarioSpec("Settings on screen", params, "The what-if levers as they were set on the page.")]


def saved(scenario_ids: list[str]) -> list[packs.ScenarioSpec]:
    """Saved scenarios (by id), as the scenarios a pack compares."""
    return data.query(packs.scenario_specs, tuple(scenario_ids))


def download(specs: list[packs.ScenarioSpec], key: str) -> None:
    """The "Review pack" control: a format, a button that makes the pack with a progress bar, then the download."""
    # At most a narrow card's width: beside the levers it fills their column, under a comparison it stays compact.
    with st.container(border=True, key=f"{key}_box", width=CARD_WIDTH_PX):
        st.markdown("**Review pack** for the meeting")
        chosen = st.segmented_control("Format", list(FORMATS), default="PowerPoint", key=f"{key}_format")
        extension = FORMATS[chosen or "PowerPoint"]
        request = (data.store_path(), data.store_version(), tuple(specs), extension)
        kept = f"_review_pack_{key}"
        if st.button("Make the review pack", key=f"{key}_make", icon=":material/slideshow:"):
            bar = st.progress(0.0, text="Starting the pack…")
            try:
                made = data.write(
                    packs.make_pack,
                    extension,
                    specs,
                    model=whatif.model(),
                    fingerprint=data_fingerprint(),
                    progress=lambda share, what: bar.progress(min(share, 1.0), text=what),
                )
            except (packs.ReviewError, packs.RendererError) as problem:
                log.warning("review pack: %s", problem)
                bar.empty()
                st.error(text.markdown(str(problem)), icon=":material/error:")
                return
            bar.empty()
            st.session_state[kept] = (request, made)
        ready = st.session_state.get(kept)
        if ready is not None and ready[0] == request:
            st.download_button(
                f"Download the review pack ({chosen or 'PowerPoint'})",
                ready[1],
                file_name=f"review-pack-{data.settings().as_of:%Y-%m-%d}{extension}",
                mime=packs.MEDIA_TYPES[extension],
                key=f"{key}_download",
                icon=":material/download:",
                type="primary",
            )
