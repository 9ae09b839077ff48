"""Layout pieces shared by pages: page headers, KPI tile rows, the portfolio's headline tiles, tables, empty states."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import headlines, text
from ui import data, shell

#: Presentation-mode styles that every page shares: compact tiles, room-size tables. Static CSS, no stored text.
ROOM_CSS = (Path(__file__).resolve().parent / "assets" / "present.css").read_text()


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
    # The query string the link opens its page with (e.g. the tab to show).
    link_query: dict[str, str] | None = None


def header(title: str, question: str) -> None:
    """A page title and the question the page answers; in presentation mode, whose figures and as of when."""
    st.title(title, anchor=False)
    if shell.presentation_mode():
        st.html(f"<style>{ROOM_CSS}</style>")
        settings = data.settings()
        st.caption(f"{text.markdown(settings.company)} · figures as of {settings.as_of:%d %B %Y} · {question}")
    else:
        st.caption(question)


#: On a projector the big type fits four tiles across; more wrap onto further rows instead of being cut off.
PRESENT_TILES_PER_ROW = 4
#: At a desk five tiles fit across a 1440 px window beside the sidebar with their labels readable; a longer row is
#: split into even rows (eight as four and four), not squeezed until its labels wrap word by word.
DESK_TILES_PER_ROW = 5


def _tile_columns(count: int, per_row: int | None) -> list:
    if not per_row:
        even = -(-count // -(-count // DESK_TILES_PER_ROW)) if count else 1  # rows of equal length, at most five
        per_row = PRESENT_TILES_PER_ROW if shell.presentation_mode() else even
    columns = []
    for start in range(0, count, per_row):
        columns.extend(st.columns(per_row)[: count - start])
    return columns


#: Tiles a compact row holds in front of a room: eight across at 1920 px, in smaller type with labels that wrap.
COMPACT_TILES_PER_ROW = 8


def tile_row(tiles: Sequence[Tile], per_row: int | None = None, *, compact: bool = False) -> None:
    """A row of bordered metric tiles (rows of four in presentation mode, or ``per_row``); each can link to the
    page that explains it.

    ``compact`` in presentation mode: up to ``COMPACT_TILES_PER_ROW`` tiles in one row, in the smaller type of
    ui/assets/present.css, so that a page of many headlines still shows its key chart on the first screen.
    """
    if compact and shell.presentation_mode():
        with st.container(key="compact_tiles"):
            tile_row(tiles, per_row or min(len(tiles), COMPACT_TILES_PER_ROW))
        return
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
                st.page_link(
                    tile.link,
                    label=tile.link_label or "Details",
                    icon=":material/arrow_forward:",
                    query_params=tile.link_query,
                )


def portfolio_tile(
    key: str, figures: Mapping, currency: str, *, link: str | None = None, tab: str | None = None, rate=None
) -> Tile:
    """The tile of one headline figure of ``portfolio.summary`` (``figures``), the same on every page.

    Label, value, note and help come from ``analytics.headlines.headline``, the one wording of each figure, so the
    overview, the portfolio page and the review pack cannot show the same label with different numbers. ``link``
    and ``tab`` make the tile open that page (``pages/portfolio.py``) on that tab; ``rate`` is said beside NPVs.
    """
    shown = headlines.headline(key, figures, currency, rate)
    quiet = {"delta_color": "off", "delta_arrow": "off"}
    link_label = tab or ("Portfolio" if link else None)
    return Tile(
        shown.label,
        shown.value,
        shown.definition,
        shown.note,
        link=link,
        link_label=link_label,
        link_query={"tab": tab} if tab else None,
        **quiet,
    )


def empty_state(what_is_missing: str, how_to_add: str) -> None:
    """Say what is missing and how to add it, instead of an empty chart."""
    st.info(f"{what_is_missing} {how_to_add}", icon=":material/info:")


#: Rows a table shows in front of a room, at room-size type; the desk view keeps the whole sortable table.
PRESENT_TABLE_ROWS = 12


def table(
    frame,
    formats: dict | None = None,
    labels: dict[str, str] | None = None,
    helps: dict[str, str] | None = None,
    **kwargs,
):
    """A sortable table whose numbers read as money, rates or plain figures.

    ``formats`` maps a column to a function from value to text (``analytics.formatting``); the cells keep their
    values, so sorting a column sorts numbers, not text. ``labels`` renames column headers and ``helps`` gives
    them a hover (what the figure means, forward or lifetime). Missing values read
    "–" (numbers too: a missing number would otherwise show as a grey "None", streamlit#11123). In presentation
    mode the first ``PRESENT_TABLE_ROWS`` rows are drawn as a static table at room-size type (a data grid draws
    on a canvas at desk size whatever the page's type), with a line saying how many rows the desk view has.
    """
    labels = labels or {}
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    filled = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "–") for c in text_columns})
    if shell.presentation_mode():
        # Renamed in the frame: st.table draws the frame's own column names, not a Styler's relabel_index.
        shown = filled.head(PRESENT_TABLE_ROWS).rename(columns=labels)
        room_formats = {labels.get(column, column): format_ for column, format_ in (formats or {}).items()}
        element = st.table(shown.style.format(room_formats, na_rep="–").hide(axis="index"))
        if len(frame) > PRESENT_TABLE_ROWS:
            st.caption(f"The first {PRESENT_TABLE_ROWS} of {len(frame):,} rows; the desk view lists them all.")
        return element
    styled_frame = filled.style.format(formats or {}, na_rep="–")
    helps = helps or {}
    column_config = {
        column: st.column_config.Column(labels.get(column), help=helps.get(column))
        for column in {*labels, *helps}
        if column in frame.columns
    }
    return st.dataframe(styled_frame, hide_index=True, width="stretch", column_config=column_config, **kwargs)


def chart(fig, key: str, **kwargs):
    """Draw a figure with Quarterdeck's own template (Streamlit's theme would override it) and a quiet toolbar."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)


def side_by_side(spec: Sequence[int], present: bool) -> list:
    """Columns for a desk; stacked full-width blocks in presentation mode, where half a projector is too narrow."""
    if present:
        return [st.container() for _ in spec]
    return list(st.columns(spec, gap="medium"))
