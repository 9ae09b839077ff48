"""Layout pieces shared by pages: page headers, KPI tile rows, empty states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from ui import data, shell


@dataclass(frozen=True)
class Tile:
    """One headline number: its label, the value as text, an optional change, and its definition."""

    label: str
    value: str
    help: str
    delta: str | None = None
    # "normal" colours an increase as good, "inverse" as bad (churn), "off" leaves it grey.
    delta_color: str = "normal"
    # Context rather than a change ("$10.9M committed") gets no arrow.
    delta_arrow: str = "auto"
    link: str | None = None
    link_label: str | None = None


def header(title: str, question: str) -> None:
    """A page title and the question the page answers; in presentation mode, whose figures and as of when."""
    st.title(title, anchor=False)
    if shell.presentation_mode():
        settings = data.settings()
        st.caption(f"{settings.company} · figures as of {settings.as_of:%d %B %Y} · {question}")
    else:
        st.caption(question)


def tile_row(tiles: Sequence[Tile]) -> None:
    """A row of bordered metric tiles; each can link to the page that explains it."""
    for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        with column:
            st.metric(
                tile.label,
                tile.value,
                delta=tile.delta,
                delta_color=tile.delta_color,
                delta_arrow=tile.delta_arrow,
                help=tile.help,
                border=True,
            )
            if tile.link:
                st.page_link(tile.link, label=tile.link_label or "Details", icon=":material/arrow_forward:")


def empty_state(what_is_missing: str, how_to_add: str) -> None:
    """Say what is missing and how to add it, instead of an empty chart."""
    st.info(f"{what_is_missing} {how_to_add}", icon=":material/info:")


def chart(fig, key: str, **kwargs):
    """Draw a figure with Quarterdeck's own template (Streamlit's theme would override it) and a quiet toolbar."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)


def side_by_side(spec: Sequence[int], present: bool) -> list:
    """Columns for a desk; stacked full-width blocks in presentation mode, where half a projector is too narrow."""
    if present:
        return [st.container() for _ in spec]
    return list(st.columns(spec, gap="medium"))
