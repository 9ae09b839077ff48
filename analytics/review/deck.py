"""The review pack as a PowerPoint deck (python-pptx): 16:9, native tables, charts as pictures, a footer on each.

Each part of a slide is a named shape (``Title``, ``Subtitle``, ``Footer``, ``Table``, ``Chart``, ``Tile``), so
people can edit the deck and tests can find what they check.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from analytics.review import slides as s

_EMU_PER_INCH = 914400


def _rgb(colour: tuple[int, int, int]) -> RGBColor:
    return RGBColor(*colour)


def _text_box(
    slide,
    name: str,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    size: int,
    *,
    bold=False,
    colour=s.INK,
    align=PP_ALIGN.LEFT,
    anchor=MSO_ANCHOR.TOP,
):
    shape = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    shape.name = name
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.02)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, s.FONT
        run.font.color.rgb = _rgb(colour)
    return shape


def _table(slide, table: s.Table, box: s.Box) -> None:
    top = box.y
    if table.caption:
        _text_box(slide, "Caption", box.x, top, box.w, 0.35, table.caption, s.TABLE_PT, bold=True, colour=s.HEADING)
        top += s.CAPTION_IN
    row_h = s.table_row_height(table, box.h - (top - box.y))
    rows, cols = len(table.rows) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(box.x), Inches(top), Inches(box.w), Inches(row_h * rows))
    shape.name = "Table"
    grid = shape.table
    weights = table.widths or (1.0,) * cols
    for j, weight in enumerate(weights):
        grid.columns[j].width = Emu(int(box.w * weight / sum(weights) * _EMU_PER_INCH))
    for i in range(rows):
        grid.rows[i].height = Inches(row_h)
        for j in range(cols):
            cell = grid.cell(i, j)
            header = i == 0
            cell.text = table.columns[j] if header else table.rows[i - 1][j]
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(
                s.HEADER_FILL if header else (s.BAND_FILL if i % 2 == 0 else (255, 255, 255))
            )
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if table.numeric[j] else PP_ALIGN.LEFT
            for run in paragraph.runs:
                run.font.size, run.font.name, run.font.bold = Pt(s.TABLE_PT), s.FONT, header
                run.font.color.rgb = _rgb((255, 255, 255) if header else s.INK)


def _tiles(slide, tiles: s.Tiles, box: s.Box) -> None:
    count = len(tiles.tiles)
    gap = 0.2
    w = (box.w - gap * (count - 1)) / count
    for k, tile in enumerate(tiles.tiles):
        x = box.x + k * (w + gap)
        card = slide.shapes.add_shape(1, Inches(x), Inches(box.y), Inches(w), Inches(box.h))  # 1: a rectangle
        card.name = "Tile"
        card.fill.solid()
        card.fill.fore_color.rgb = _rgb(s.TILE_FILL)
        card.line.fill.background()
        card.shadow.inherit = False
        _text_box(
            slide, "Tile label", x + 0.12, box.y + 0.06, w - 0.24, 0.3, tile.label, s.TILE_LABEL_PT, colour=s.MUTED
        )
        _text_box(
            slide,
            "Tile value",
            x + 0.12,
            box.y + 0.32,
            w - 0.24,
            0.5,
            tile.value,
            s.TILE_VALUE_PT,
            bold=True,
            colour=s.HEADING,
        )
        if tile.note:
            _text_box(
                slide, "Tile note", x + 0.12, box.y + 0.8, w - 0.24, 0.3, tile.note, s.TILE_LABEL_PT - 1, colour=s.MUTED
            )


def _text(slide, text: s.Text, box: s.Box, title_slide: bool) -> None:
    size = s.TEXT_PT + (6 if text.lead and title_slide else 0)
    _text_box(slide, "Text", box.x, box.y, box.w, box.h, "\n".join(text.lines), size, colour=s.INK)


def write(slide_list: list[s.Slide], pictures: Callable[[s.Box], bytes]) -> bytes:
    """Return the deck of ``slide_list`` as .pptx bytes; ``pictures(box)`` draws a chart box as PNG."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(s.WIDTH_IN), Inches(s.HEIGHT_IN)
    blank = deck.slide_layouts[6]
    for spec in slide_list:
        slide = deck.slides.add_slide(blank)
        if spec.kind == "title":
            _text_box(
                slide,
                "Title",
                s.MARGIN_IN,
                2.2,
                s.WIDTH_IN - 2 * s.MARGIN_IN,
                1.0,
                spec.title,
                40,
                bold=True,
                colour=s.HEADING,
            )
            body = spec.rows[0].blocks[0]
            _text(slide, body, s.Box(body, s.MARGIN_IN, 3.4, s.WIDTH_IN - 2 * s.MARGIN_IN, 2.5), True)
        else:
            _text_box(
                slide,
                "Title",
                s.MARGIN_IN,
                s.TITLE_TOP_IN,
                s.WIDTH_IN - 2 * s.MARGIN_IN,
                s.TITLE_HEIGHT_IN,
                spec.title,
                s.TITLE_PT,
                bold=True,
                colour=s.HEADING,
            )
            if spec.subtitle:
                _text_box(
                    slide,
                    "Subtitle",
                    s.MARGIN_IN,
                    s.TITLE_TOP_IN + s.TITLE_HEIGHT_IN,
                    s.WIDTH_IN - 2 * s.MARGIN_IN,
                    s.SUBTITLE_HEIGHT_IN,
                    spec.subtitle,
                    s.SUBTITLE_PT,
                    colour=s.MUTED,
                )
            for box in s.place(spec):
                if isinstance(box.block, s.Chart):
                    picture = slide.shapes.add_picture(
                        io.BytesIO(pictures(box)), Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h)
                    )
                    picture.name = "Chart"
                elif isinstance(box.block, s.Table):
                    _table(slide, box.block, box)
                elif isinstance(box.block, s.Tiles):
                    _tiles(slide, box.block, box)
                else:
                    _text(slide, box.block, box, False)
        line = slide.shapes.add_connector(
            1,
            Inches(s.MARGIN_IN),
            Inches(s.footer_top() - 0.04),
            Inches(s.WIDTH_IN - s.MARGIN_IN),
            Inches(s.footer_top() - 0.04),
        )
        line.name = "Footer rule"
        line.line.color.rgb = _rgb(s.RULE)
        _text_box(
            slide,
            "Footer",
            s.MARGIN_IN,
            s.footer_top(),
            s.WIDTH_IN - 2 * s.MARGIN_IN,
            s.FOOTER_HEIGHT_IN,
            spec.footer,
            s.FOOTER_PT,
            colour=s.MUTED,
        )
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
