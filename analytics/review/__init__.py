"""The review pack: a 16:9 deck (.pptx) or PDF of the company, its portfolio and a scenario, for the meeting.

``make_pack(con, ".pptx", specs)`` returns the file's bytes; ``write_pack`` is the command line's
``python -m analytics review``. The slides come from :mod:`analytics.review.content` (the pages' own functions),
their geometry from :mod:`~analytics.review.slides`, the charts from :mod:`~analytics.review.render` (Kaleido and
the system Chromium), and the file from :mod:`~analytics.review.deck` (python-pptx) or
:mod:`~analytics.review.pdf` (fpdf2): the same pages either way. Every footer carries the valuation date, the
scenario's settings in short and the data fingerprint (:func:`analytics.fingerprint.data_fingerprint`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from analytics import optimize, product, scenarios
from analytics.fingerprint import data_fingerprint
from analytics.review import content, deck, pdf, render
from analytics.review.content import ScenarioSpec, settings_in_short
from analytics.review.render import RendererError
from analytics.review.slides import Chart, Slide, fit_tables, place
from analytics.store import connect, read_settings

#: What each file extension writes.
WRITERS = {".pptx": deck.write, ".pdf": pdf.write}
MEDIA_TYPES = {
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".pdf": "application/pdf",
}
#: The scenario a pack shows when none is named: the what-if at its defaults (the plan's budget, the store's rate).
DEFAULT_SCENARIO = ScenarioSpec("Today's settings", optimize.WhatIf(), "Every lever at its default: the plan's budget.")

#: progress(share done 0-1, what is being done)
Progress = Callable[[float, str], None]


class ReviewError(ValueError):
    """A pack cannot be made as asked (an unknown scenario, product or extension); the message says why."""


def extension_of(out: str | Path) -> str:
    """Return the pack's format from ``out``'s extension, ``.pptx`` or ``.pdf``; ``ReviewError`` for another."""
    suffix = Path(out).suffix.lower()
    if suffix not in WRITERS:
        raise ReviewError(
            f"A review pack is a .pptx deck or a .pdf, chosen by the file's extension: {Path(out).name} is neither."
        )
    return suffix


def scenario_specs(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> list[ScenarioSpec]:
    """Return the scenarios a pack shows: the defaults for none, the saved ones named (one, or two to four)."""
    if not names:
        return [DEFAULT_SCENARIO]
    unique = list(dict.fromkeys(names))
    if len(unique) > scenarios.COMPARE_AT_MOST:
        raise ReviewError(f"A pack compares at most {scenarios.COMPARE_AT_MOST} scenarios; {len(unique)} were named.")
    try:
        return [content.scenario_of(con, name) for name in unique]
    except scenarios.ScenarioError as exc:
        raise ReviewError(str(exc)) from exc


def build_slides(
    con: duckdb.DuckDBPyConnection,
    specs: Sequence[ScenarioSpec],
    *,
    model: optimize.PortfolioModel | None = None,
    product_id: str | None = None,
    fingerprint: str | None = None,
    progress: Progress | None = None,
) -> list[Slide]:
    """Return the pack's slides (numbers and figures, nothing drawn yet) for ``specs`` on the store ``con``."""
    if product_id is not None and product.product_info(con, product_id) is None:
        raise ReviewError(f"There is no product {product_id!r} in this store: see the Data page's products table.")
    if len(specs) > 1 and any(spec.scenario_id is None for spec in specs):
        raise ReviewError("Only saved scenarios can be compared side by side: save each one first.")
    settings = read_settings(con)
    fingerprint = fingerprint or data_fingerprint(con)
    step = [0]

    def building(what: str) -> None:
        step[0] += 1
        if progress:
            progress(min(0.4, 0.04 * step[0]), f"Computing: {what}")

    return content.build(con, settings, fingerprint, specs, model=model, product_id=product_id, progress=building)


def draw(slides: list[Slide], extension: str, progress: Progress | None = None) -> bytes:
    """Return the file of ``slides`` in ``extension``'s format, drawing each chart with Kaleido."""
    charts = sum(isinstance(box.block, Chart) for slide in slides for box in place(slide))
    drawn = [0]

    def picture(box) -> bytes:
        drawn[0] += 1
        if progress:
            progress(0.4 + 0.6 * drawn[0] / max(charts, 1), f"Drawing chart {drawn[0]} of {charts}")
        return render.picture(box.block.figure, box.w, box.h)

    fitted = [fit_tables(slide, pdf.text_width) for slide in slides]
    return WRITERS[extension](fitted, picture)


def make_pack(
    con: duckdb.DuckDBPyConnection,
    extension: str,
    specs: Sequence[ScenarioSpec],
    *,
    model: optimize.PortfolioModel | None = None,
    product_id: str | None = None,
    fingerprint: str | None = None,
    progress: Progress | None = None,
) -> bytes:
    """Return the review pack as ``.pptx`` or ``.pdf`` bytes.

    Parameters
    ----------
    con
        A connection or cursor to the store (read-only is enough).
    extension
        ``".pptx"`` or ``".pdf"``.
    specs
        One scenario (its section follows the company's), or two to four saved ones compared side by side.
    model
        The prepared optimisation model, when the caller has one (the app caches it); else prepared here.
    product_id
        Adds the slide of one product.
    fingerprint
        The store's data fingerprint, when the caller has it (the app caches it); else computed here.
    progress
        Called with (share done, what) as the pack is computed and drawn.
    """
    if extension not in WRITERS:
        raise ReviewError(f"A review pack is .pptx or .pdf, not {extension}.")
    slides = build_slides(con, specs, model=model, product_id=product_id, fingerprint=fingerprint, progress=progress)
    return draw(slides, extension, progress)


def write_pack(store: str | Path, out: str | Path, scenario_names: Sequence[str] = (), product_id: str | None = None):
    """Write the review pack of the store at ``store`` to ``out`` (.pptx or .pdf); return the slide count."""
    extension = extension_of(out)
    con = connect(store, read_only=True)
    # A fingerprint of millions of rows takes seconds: no progress bar drawn over the command's own lines.
    con.execute("SET enable_progress_bar = false")
    try:
        specs = scenario_specs(con, scenario_names)
        slides = build_slides(con, specs, product_id=product_id)
        Path(out).write_bytes(draw(slides, extension))
    finally:
        con.close()
    return len(slides)


__all__ = [
    "DEFAULT_SCENARIO",
    "MEDIA_TYPES",
    "WRITERS",
    "RendererError",
    "ReviewError",
    "ScenarioSpec",
    "build_slides",
    "draw",
    "extension_of",
    "make_pack",
    "scenario_specs",
    "settings_in_short",
    "write_pack",
]
