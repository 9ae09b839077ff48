"""Layout pieces shared by pages: page headers, KPI tile rows, empty states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import text
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
        st.caption(f"{text.markdown(settings.company)} · figures as of {settings.as_of:%d %B %Y} · {question}")
    else:
        st.caption(question)


#: On a projector the big type fits four tiles across; more wrap onto further rows instead of being cut off.
PRESENT_TILES_PER_ROW = 4


def _tile_columns(count: int, per_row: int | None) -> list:
    per_row = per_row or (PRESENT_TILES_PER_ROW if shell.presentation_mode() else count)
    columns = []
    for start in range(0, count, per_row):
        columns.extend(st.columns(per_row)[: count - start])
    return columns


def tile_row(tiles: Sequence[Tile], per_row: int | None = None) -> None:
    """A row of bordered metric tiles (rows of four in presentation mode, or ``per_row``); each can link to the
    page that explains it."""
    for column, tile in zip(_tile_columns(len(tiles), per_row), tiles, strict=True):
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


def table(frame, formats: dict | None = None, labels: dict[str, str] | None = None, **kwargs):
    """A sortable table whose numbers read as money, rates or plain figures.

    ``formats`` maps a column to a function from value to text (``analytics.formatting``); the cells keep their
    values, so sorting a column sorts numbers, not text. ``labels`` renames column headers. Missing text reads
    "–"; Streamlit draws a missing number as a grey "None" whatever the format (streamlit#11123), which keeps
    the column numeric and sortable.
    """
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    filled = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "–") for c in text_columns})
    styled_frame = filled.style.format(formats or {}, na_rep="–")
    column_config = {column: st.column_config.Column(label) for column, label in (labels or {}).items()}
    return st.dataframe(styled_frame, hide_index=True, width="stretch", column_config=column_config, **kwargs)


def chart(fig, key: str, **kwargs):
    """Draw a figure with Quarterdeck's own template (Streamlit's theme would override it) and a quiet toolbar."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)


def side_by_side(spec: Sequence[int], present: bool) -> list:
    """Columns for a desk; stacked full-width blocks in presentation mode, where half a projector is too narrow."""
    if present:
        return [st.container() for _ in spec]
    return list(st.columns(spec, gap="medium"))
