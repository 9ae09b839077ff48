"""The review pack as a PDF (fpdf2): the deck's pages, at the same places, in Liberation Sans (Arial's metrics).

Charts are the same PNG pictures as in the deck; tables are drawn as text in cells, so they can be copied.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

from analytics.review import slides as s

#: Liberation Sans has Arial's metrics, so text fits the PDF where it fits the deck; DejaVu Sans stands in
#: where it is missing (Debian's fonts-liberation and fonts-dejavu-core, both installed by .ci/run).
FONT_FILES = (
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
_FAMILY = "pack"


class FontMissingError(RuntimeError):
    """No font for the PDF: the message names the Debian packages that bring one."""


def _fonts(pdf: FPDF) -> None:
    for regular, bold in FONT_FILES:
        if Path(regular).exists() and Path(bold).exists():
            pdf.add_font(_FAMILY, "", regular)
            pdf.add_font(_FAMILY, "B", bold)
            return
    raise FontMissingError(
        "The PDF needs Liberation Sans or DejaVu Sans: install the Debian package fonts-liberation (or "
        "fonts-dejavu-core)."
    )


def text_width(text: str, bold: bool, size_pt: float) -> float:
    """Return the width in inches of ``text`` in the pack's font (Arial's metrics): what a table cell must hold."""
    with _MEASURING_LOCK:  # one measuring document for the process; sessions take turns setting its font
        pdf = _measuring()
        pdf.set_font(_FAMILY, "B" if bold else "", size_pt)
        return pdf.get_string_width(text)


_MEASURING: list[FPDF] = []
_MEASURING_LOCK = threading.Lock()


def _measuring() -> FPDF:
    if not _MEASURING:
        pdf = FPDF(unit="in")
        _fonts(pdf)
        _MEASURING.append(pdf)
    return _MEASURING[0]


def _fit(pdf: FPDF, text: str, width_in: float) -> str:
    """Return ``text`` cut with an ellipsis so that it fits ``width_in`` inches at the current font."""
    if pdf.get_string_width(text) <= width_in:
        return text
    while text and pdf.get_string_width(text + "…") > width_in:
        text = text[:-1]
    return text.rstrip() + "…"


def _colour(pdf: FPDF, colour: tuple[int, int, int], fill: bool = False) -> None:
    (pdf.set_fill_color if fill else pdf.set_text_color)(*colour)


def _lines(pdf: FPDF, x: float, y: float, w: float, text: str, size: int, colour, *, bold=False) -> None:
    pdf.set_font(_FAMILY, "B" if bold else "", size)
    _colour(pdf, colour)
    pdf.set_xy(x, y)
    pdf.multi_cell(w, size * 1.25 / 72, text, align="L")


def _table(pdf: FPDF, table: s.Table, box: s.Box) -> None:
    top = box.y
    if table.caption:
        _lines(pdf, box.x, top, box.w, table.caption, s.TABLE_PT, s.HEADING, bold=True)
        top += s.CAPTION_IN
    row_h = s.table_row_height(table, box.h - (top - box.y))
    weights = table.widths or (1.0,) * len(table.columns)
    widths = [box.w * weight / sum(weights) for weight in weights]
    for i, row in enumerate((table.columns, *table.rows)):
        header = i == 0
        pdf.set_font(_FAMILY, "B" if header else "", s.TABLE_PT)
        fill = s.HEADER_FILL if header else (s.BAND_FILL if i % 2 == 0 else (255, 255, 255))
        _colour(pdf, fill, fill=True)
        _colour(pdf, (255, 255, 255) if header else s.INK)
        x = box.x
        for j, (value, w) in enumerate(zip(row, widths, strict=True)):
            pdf.rect(x, top + i * row_h, w, row_h, style="F")
            pdf.set_xy(x + 0.06, top + i * row_h)
            shown = _fit(pdf, value, w - 0.12)
            pdf.cell(w - 0.12, row_h, shown, align="R" if table.numeric[j] else "L")
            x += w


def _tiles(pdf: FPDF, tiles: s.Tiles, box: s.Box) -> None:
    count, gap = len(tiles.tiles), 0.2
    w = (box.w - gap * (count - 1)) / count
    for k, tile in enumerate(tiles.tiles):
        x = box.x + k * (w + gap)
        _colour(pdf, s.TILE_FILL, fill=True)
        pdf.rect(x, box.y, w, box.h, style="F")
        for text, y, size, colour, bold in (
            (tile.label, 0.1, s.TILE_LABEL_PT, s.MUTED, False),
            (tile.value, 0.38, s.TILE_VALUE_PT, s.HEADING, True),
            (tile.note, 0.84, s.TILE_LABEL_PT - 1, s.MUTED, False),
        ):
            pdf.set_font(_FAMILY, "B" if bold else "", size)
            _colour(pdf, colour)
            pdf.set_xy(x + 0.14, box.y + y)
            pdf.cell(w - 0.28, size / 72, _fit(pdf, text, w - 0.28))


def write(slide_list: list[s.Slide], pictures: Callable[[s.Box], bytes]) -> bytes:
    """Return ``slide_list`` as PDF bytes, one 16:9 page a slide; ``pictures(box)`` draws a chart box as PNG."""
    pdf = FPDF(orientation="L", unit="in", format=(s.HEIGHT_IN, s.WIDTH_IN))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    _fonts(pdf)
    for spec in slide_list:
        pdf.add_page()
        width = s.WIDTH_IN - 2 * s.MARGIN_IN
        if spec.kind == "title":
            _lines(pdf, s.MARGIN_IN, 2.2, width, spec.title, 40, s.HEADING, bold=True)
            body = spec.rows[0].blocks[0]
            _lines(pdf, s.MARGIN_IN, 3.45, width, "\n".join(body.lines), s.TEXT_PT + 6, s.INK)
        else:
            _lines(pdf, s.MARGIN_IN, s.TITLE_TOP_IN + 0.05, width, spec.title, s.TITLE_PT, s.HEADING, bold=True)
            if spec.subtitle:
                _lines(
                    pdf,
                    s.MARGIN_IN,
                    s.TITLE_TOP_IN + s.TITLE_HEIGHT_IN + 0.04,
                    width,
                    spec.subtitle,
                    s.SUBTITLE_PT,
                    s.MUTED,
                )
            for box in s.place(spec):
                if isinstance(box.block, s.Chart):
                    pdf.image(io.BytesIO(pictures(box)), x=box.x, y=box.y, w=box.w, h=box.h)
                elif isinstance(box.block, s.Table):
                    _table(pdf, box.block, box)
                elif isinstance(box.block, s.Tiles):
                    _tiles(pdf, box.block, box)
                else:
                    _lines(pdf, box.x, box.y, box.w, "\n".join(box.block.lines), s.TEXT_PT, s.INK)
        pdf.set_draw_color(*s.RULE)
        pdf.line(s.MARGIN_IN, s.footer_top() - 0.04, s.WIDTH_IN - s.MARGIN_IN, s.footer_top() - 0.04)
        pdf.set_font(_FAMILY, "", s.FOOTER_PT)
        _colour(pdf, s.MUTED)
        pdf.set_xy(s.MARGIN_IN, s.footer_top() + 0.04)
        pdf.cell(width, s.FOOTER_PT / 72, _fit(pdf, spec.footer, width))
    return bytes(pdf.output())
