"""What a slide holds, and where each part of it goes: one geometry, drawn alike by the deck and the PDF writers.

A slide is a title, an optional line under it that says what to look for, rows of blocks (a chart, a table, a
row of tiles, lines of text) and a footer. The page is 16:9, 13.333 × 7.5 inches; :func:`place` turns the rows
into boxes in inches, so the PowerPoint and the PDF put every part at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

#: The page, in inches (PowerPoint's 16:9).
WIDTH_IN = 13.333
HEIGHT_IN = 7.5
MARGIN_IN = 0.45
TITLE_TOP_IN = 0.3
TITLE_HEIGHT_IN = 0.6
SUBTITLE_HEIGHT_IN = 0.4
FOOTER_HEIGHT_IN = 0.3
GAP_IN = 0.25
#: A row of tiles is this tall; other rows share what is left.
TILES_HEIGHT_IN = 1.15

#: Type sizes in points, chosen to read from the back of a room on a projector.
TITLE_PT = 28
SUBTITLE_PT = 15
TABLE_PT = 12
TILE_VALUE_PT = 26
TILE_LABEL_PT = 12
TEXT_PT = 18
FOOTER_PT = 9

INK = (0x1F, 0x29, 0x33)
HEADING = (0x10, 0x2A, 0x43)
MUTED = (0x61, 0x6E, 0x7C)
RULE = (0xD9, 0xDE, 0xE3)
HEADER_FILL = (0x10, 0x2A, 0x43)
BAND_FILL = (0xF1, 0xF4, 0xF7)
TILE_FILL = (0xF1, 0xF4, 0xF7)
#: The font the deck names (every PowerPoint has it; on Linux it is Liberation Sans, which the PDF embeds).
FONT = "Arial"


@dataclass(frozen=True)
class Chart:
    """A Plotly figure, drawn as a picture of its box's size."""

    figure: go.Figure


@dataclass(frozen=True)
class Table:
    """A table as text, already formatted; ``numeric`` columns align right. A native table in the deck."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    widths: tuple[float, ...] | None = None  # relative column widths; None: equal
    caption: str | None = None


@dataclass(frozen=True)
class Tile:
    """One headline number: its label, the number as text, and a line under it."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Tiles:
    """A row of headline numbers."""

    tiles: tuple[Tile, ...]


@dataclass(frozen=True)
class Text:
    """Lines of text; the first can be larger (``lead``)."""

    lines: tuple[str, ...]
    lead: bool = False


Block = Chart | Table | Tiles | Text


@dataclass(frozen=True)
class Row:
    """Blocks side by side; ``widths`` are relative. Tiles rows have their own height, others share the rest."""

    blocks: tuple[Block, ...]
    widths: tuple[float, ...] | None = None
    height: float = 1.0  # relative share of the height left after tile rows


@dataclass
class Slide:
    """One slide (one PDF page)."""

    title: str
    rows: tuple[Row, ...]
    subtitle: str | None = None
    footer: str = ""
    kind: str = "content"  # "title" draws the title big, on the left of an otherwise empty page


@dataclass(frozen=True)
class Box:
    """Where a block goes, in inches from the top left."""

    block: Block
    x: float
    y: float
    w: float
    h: float


def body_top(slide: Slide) -> float:
    """Return where the body starts, under the title and its subtitle."""
    return TITLE_TOP_IN + TITLE_HEIGHT_IN + (SUBTITLE_HEIGHT_IN if slide.subtitle else 0.0) + 0.15


def footer_top() -> float:
    """Return where the footer's line of text starts."""
    return HEIGHT_IN - FOOTER_HEIGHT_IN - 0.12


def place(slide: Slide) -> list[Box]:
    """Return every block of ``slide`` with its box, rows top to bottom, blocks left to right."""
    top, bottom = body_top(slide), footer_top() - 0.15
    width = WIDTH_IN - 2 * MARGIN_IN
    # Tiles have their height; a row of tables only is as tall as its longest table (when every row of the slide
    # is such a row, they stand one under the other without gaps); charts and text share what is left.
    fixed = {i: _natural_height(row) for i, row in enumerate(slide.rows) if _natural_height(row) is not None}
    other = [row for i, row in enumerate(slide.rows) if i not in fixed]
    gaps = GAP_IN * (len(slide.rows) - 1)
    room = bottom - top - gaps - (0.5 if other else 0.0)
    if sum(fixed.values()) > room:  # long tables: every fixed row gives up its share (table rows get shorter)
        fixed = {i: h * room / sum(fixed.values()) for i, h in fixed.items()}
    shared = max(bottom - top - gaps - sum(fixed.values()), 0.5)
    total_share = sum(row.height for row in other) or 1.0
    boxes, y = [], top
    for i, row in enumerate(slide.rows):
        h = fixed[i] if i in fixed else shared * row.height / total_share
        weights = row.widths or (1.0,) * len(row.blocks)
        free = width - GAP_IN * (len(row.blocks) - 1)
        x = MARGIN_IN
        for block, weight in zip(row.blocks, weights, strict=True):
            w = free * weight / sum(weights)
            boxes.append(Box(block, x, y, w, h))
            x += w + GAP_IN
        y += h + GAP_IN
    return boxes


def _is_tiles(row: Row) -> bool:
    return all(isinstance(block, Tiles) for block in row.blocks)


def _natural_height(row: Row) -> float | None:
    if _is_tiles(row):
        return TILES_HEIGHT_IN
    if all(isinstance(block, Table) for block in row.blocks):
        return max(TABLE_ROW_IN * (len(t.rows) + 1) + (CAPTION_IN if t.caption else 0.0) for t in row.blocks)
    return None


#: A table row's height when there is room for it, and the caption's line above a table.
TABLE_ROW_IN = 0.4
CAPTION_IN = 0.38


def table_row_height(table: Table, box_h: float) -> float:
    """Return the height of one table row in inches: the header and every row in ``box_h``, at most a comfortable line.

    ``box_h`` is the box's height under the table's caption.
    """
    return min(TABLE_ROW_IN, box_h / (len(table.rows) + 1))


#: Inches a cell keeps free left and right of its text.
CELL_PADDING_IN = 0.06


def fit_tables(slide: Slide, width_of) -> Slide:
    """Return ``slide`` with every table cell cut (with an ellipsis) to fit its column on one line.

    ``width_of(text, bold, size_pt)`` measures a text in inches. Both writers then draw the same text: a deck's
    cell that wrapped would grow its row and push the table over the footer.
    """
    boxes = iter(place(slide))
    rows = []
    for row in slide.rows:
        blocks = []
        for block in row.blocks:
            box = next(boxes)
            blocks.append(_fitted(block, box.w, width_of) if isinstance(block, Table) else block)
        rows.append(Row(tuple(blocks), row.widths, row.height))
    return Slide(slide.title, tuple(rows), slide.subtitle, slide.footer, slide.kind)


def _fitted(table: Table, width_in: float, width_of) -> Table:
    weights = table.widths or (1.0,) * len(table.columns)
    room = [width_in * w / sum(weights) - 2 * CELL_PADDING_IN - 0.04 for w in weights]

    def fit(text: str, limit: float, bold: bool) -> str:
        if width_of(text, bold, TABLE_PT) <= limit:
            return text
        while text and width_of(text + "…", bold, TABLE_PT) > limit:
            text = text[:-1]
        return text.rstrip() + "…"

    columns = tuple(fit(c, r, True) for c, r in zip(table.columns, room, strict=True))
    # A number is never cut (a cut amount reads as another amount): its column is sized for it.
    rows = tuple(
        tuple(v if numeric else fit(v, r, False) for v, r, numeric in zip(row, room, table.numeric, strict=True))
        for row in table.rows
    )
    return Table(columns, rows, table.numeric, table.widths, table.caption)
