"""Layout pieces shared by pages: page headers, KPI tile rows, the portfolio's headline tiles, tables, empty states."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import formatting, headlines, text
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
    room_rows: int | None = PRESENT_TABLE_ROWS,
    **kwargs,
):
    """A sortable table whose numbers read as money, rates or plain figures (``frame``: a DataFrame, or its rows).

    ``formats`` maps a column to a function from value to text (``analytics.formatting``); the cells keep their
    values, so sorting a column sorts numbers, not text. ``labels`` renames column headers and ``helps`` gives
    them a hover (what the figure means, forward or lifetime). Missing values read
    "–" (numbers too: the grid's ``placeholder``, as a Styler's ``na_rep`` left a grey "None" in a number column,
    streamlit#11123). In presentation
    mode the first ``room_rows`` rows (all of them for None) are drawn as a static table at room-size type (a data
    grid draws on a canvas at desk size whatever the page's type), with a line saying how many rows the desk view
    has. ``kwargs`` go to ``st.dataframe`` at a desk (``height``, ``key``).
    """
    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)  # rows as records: one dict each
    labels = labels or {}
    if shell.presentation_mode():
        # A static table sorts nothing, so each formatted column becomes its text here (a column of dates with gaps,
        # "–" beside dates, would not convert for the browser), and the rest reads "–" where a value is missing.
        # Renamed in the frame: st.table draws the frame's own column names, not a Styler's relabel_index.
        shown = frame if room_rows is None else frame.head(room_rows)
        shown = shown.assign(
            **{
                column: ["–" if formatting.is_missing(v) else format_(v) for v in shown[column]]
                for column, format_ in (formats or {}).items()
                if column in shown.columns
            }
        )
        text_shown = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
        shown = shown.assign(**{c: shown[c].astype(object).where(shown[c].notna(), "–") for c in text_shown})
        # hide_index, not the Styler's hide(): st.table drew a filtered frame's index (2, 3, … 11, 13) beside it.
        element = st.table(shown.rename(columns=labels).style.format(na_rep="–"), hide_index=True)
        if len(shown) < len(frame):
            st.caption(f"The first {len(shown)} of {len(frame):,} rows; the desk view lists them all.")
        return element
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    filled = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "–") for c in text_columns})
    styled_frame = filled.style.format(formats or {}, na_rep="–")
    helps = helps or {}
    column_config = {
        column: st.column_config.Column(labels.get(column), help=helps.get(column))
        for column in {*labels, *helps}
        if column in frame.columns
    }
    return st.dataframe(
        styled_frame, hide_index=True, width="stretch", column_config=column_config, **{"placeholder": "–", **kwargs}
    )


#: Streamlit's column formats (moment.js date tokens) as strftime, for a room's static copy of a grid.
_DATE_TOKENS = {"YYYY": "%Y", "MMM": "%b", "MM": "%m", "DD": "%d", "D": "%-d", "HH": "%H", "mm": "%M"}


def _room_format(config: Mapping) -> Callable | None:
    """The text a data grid's column config gives its values, for a static table (None: the value as it is)."""
    type_config = config.get("type_config") or {}
    kind, format_ = type_config.get("type"), type_config.get("format")

    def missing_or(shown: Callable) -> Callable:
        # table() has already written "–" into a text column's gaps: text passes as it is.
        return lambda value: value if isinstance(value, str) else "–" if formatting.is_missing(value) else shown(value)

    if kind == "checkbox":
        return lambda value: "✓" if value is True else ""
    if kind in ("date", "datetime") and format_:
        pattern = re.sub("|".join(_DATE_TOKENS), lambda token: _DATE_TOKENS[token.group()], format_)
        return missing_or(lambda when: pd.Timestamp(when).strftime(pattern))
    if kind in ("number", "progress") and format_:
        if format_ == "compact":
            return missing_or(lambda value: formatting.money(value, currency="").strip())
        if format_ == "localized":
            return missing_or(lambda value: f"{value:,.0f}" if float(value).is_integer() else f"{value:,}")
        if format_ == "percent":
            return missing_or(lambda value: formatting.percent(value, 0))
        if "%" in format_:
            return missing_or(lambda value: format_ % value)
    return None


def grid(frame, column_config: Mapping | None = None, *, room_rows: int | None = PRESENT_TABLE_ROWS, **kwargs):
    """A data grid at a desk (``st.dataframe`` with ``column_config``, sortable, its own widths and formats); in
    presentation mode the same rows as :func:`table`'s static table at room-size type, with the config's labels,
    number and date formats and ``column_order`` (a data grid draws on a canvas at desk size whatever the page's
    type). ``kwargs`` go to ``st.dataframe``.
    """
    if not shell.presentation_mode():
        return st.dataframe(
            frame, hide_index=True, width="stretch", column_config=column_config, **{"placeholder": "–", **kwargs}
        )
    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    configs = {c: ({"label": v} if isinstance(v, str) else v) for c, v in (column_config or {}).items()}
    order = kwargs.get("column_order") or list(frame.columns)
    shown = frame[[c for c in order if c in frame.columns and not (c in configs and configs[c] is None)]]
    labels = {c: config["label"] for c, config in configs.items() if config and config.get("label") is not None}
    # A table's columns need distinct names where a grid's headers need not (two blank ones: a change and a name).
    seen: dict[str, int] = {}
    for column in shown.columns:
        label = labels.get(column, column)
        seen[label] = seen.get(label, -1) + 1
        if seen[label]:
            labels[column] = label + "\u200b" * seen[label]  # zero-width spaces: the same header to the eye
    formats = {c: f for c, config in configs.items() if config and c in shown and (f := _room_format(config))}
    return table(shown, formats, labels, room_rows=room_rows)


def chart(fig, key: str, **kwargs):
    """Draw a figure with Quarterdeck's own template (Streamlit's theme would override it) and a quiet toolbar."""
    return st.plotly_chart(fig, key=key, theme=None, config={"displaylogo": False}, **kwargs)


def side_by_side(spec: Sequence[int], present: bool) -> list:
    """Columns for a desk; stacked full-width blocks in presentation mode, where half a projector is too narrow."""
    if present:
        return [st.container() for _ in spec]
    return list(st.columns(spec, gap="medium"))
