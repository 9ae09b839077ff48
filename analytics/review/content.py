"""The slides of a review pack, built from the same functions as the pages: no number is computed twice.

Every number comes from ``analytics.overview``, ``portfolio``, ``product``, ``optimize``, ``scenarios`` and
``simulate``, every chart from ``analytics.charts`` (drawn with the presentation template); this module only picks
and words them for a slide. The sections run in order (:data:`COMPANY_SECTIONS`, then the scenario sections, then
:data:`COMPARE_SECTIONS` when several scenarios are compared, and last :data:`CLOSING_SECTIONS`: the latest decision
against now); a section is a function of the :class:`Pack` that returns its slides, so a new slide is one
function added to the right tuple. The pack and its helpers are in ``analytics.review.pack``, the sections in
``company_slides`` and ``scenario_slides``; their names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb

from analytics import optimize
from analytics.review.company_slides import (
    capacity_slide,
    glance_slide,
    product_slide,
    products_slide,
    risks_slide,
    title_slide,
    value_map_slide,
)
from analytics.review.pack import (
    Pack,
    ScenarioSpec,
    ScenarioView,
    Section,
    cut,
    scenario_of,
    settings_in_short,
    solve,
)
from analytics.review.scenario_slides import (
    budget_slide,
    comparison_slides,
    decision_slide,
    frontier_slide,
    monte_carlo_slide,
    selection_slide,
)
from analytics.review.slides import Slide
from analytics.store import Settings

__all__ = [
    "COMPANY_SECTIONS",
    "CLOSING_SECTIONS",
    "COMPARED_SCENARIO_SECTIONS",
    "COMPARE_SECTIONS",
    "SCENARIO_SECTIONS",
    "Pack",
    "ScenarioSpec",
    "ScenarioView",
    "build",
    "decision_slide",
    "footer_text",
    "scenario_of",
    "settings_in_short",
    "slides",
]

COMPANY_SECTIONS: tuple[Section, ...] = (
    title_slide,
    glance_slide,
    products_slide,
    product_slide,
    value_map_slide,
    capacity_slide,
    risks_slide,
)
#: The slides of one scenario, in order: a section takes the pack and the scenario.
SCENARIO_SECTIONS: tuple[Callable[[Pack, ScenarioView], list[Slide]], ...] = (
    selection_slide,
    frontier_slide,
    budget_slide,
    monte_carlo_slide,
)
#: With several scenarios, each gets its selection slide after the side-by-side comparison.
COMPARE_SECTIONS: tuple[Section, ...] = (comparison_slides,)
COMPARED_SCENARIO_SECTIONS: tuple[Callable[[Pack, ScenarioView], list[Slide]], ...] = (selection_slide,)
#: The last slides of every pack: what has happened since the room last decided.
CLOSING_SECTIONS: tuple[Section, ...] = (decision_slide,)


def footer_text(pack: Pack, view: ScenarioView | None, page: int, pages: int) -> str:
    """Return a slide's footer: the valuation date, the settings in short and the data fingerprint."""
    if view is not None:
        shown = f"{view.spec.name} ({view.short})"
    else:
        shown = "scenarios " + "; ".join(f"{v.spec.name} ({v.short})" for v in pack.scenarios)
    return (
        f"As of {pack.settings.as_of:%d %b %Y} · {cut(shown, 150)} · data fingerprint {pack.fingerprint} · "
        f"{page}/{pages}"
    )


def _label(section: Callable) -> str:
    """Return what a section shows, in words, for a progress line (``value_map_slide`` -> "value map")."""
    return section.__name__.removesuffix("_slides").removesuffix("_slide").replace("_", " ")


def slides(pack: Pack, progress: Callable[[str], None] | None = None) -> list[Slide]:
    """Return every slide of the pack in order, each with its footer."""
    tagged: list[tuple[Slide, ScenarioView | None]] = []
    single = pack.scenarios[0] if len(pack.scenarios) == 1 else None
    for section in COMPANY_SECTIONS:
        if progress:
            progress(_label(section))
        tagged += [(s, single) for s in section(pack)]
    if single is not None:
        for scenario_section in SCENARIO_SECTIONS:
            if progress:
                progress(_label(scenario_section))
            tagged += [(s, single) for s in scenario_section(pack, single)]
    else:
        for section in COMPARE_SECTIONS:
            tagged += [(s, None) for s in section(pack)]
        for view in pack.scenarios:
            for scenario_section in COMPARED_SCENARIO_SECTIONS:
                tagged += [(s, view) for s in scenario_section(pack, view)]
    for section in CLOSING_SECTIONS:
        if progress:
            progress(_label(section))
        tagged += [(s, single) for s in section(pack)]
    for page, (slide, view) in enumerate(tagged, start=1):
        slide.footer = footer_text(pack, view, page, len(tagged))
    return [slide for slide, _ in tagged]


def build(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fingerprint: str,
    specs: Sequence[ScenarioSpec],
    *,
    model: optimize.PortfolioModel | None = None,
    product_id: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Slide]:
    """Return the slides for ``specs`` (one scenario, or two to four compared) on the store ``con``."""
    model = model if model is not None else optimize.prepare_model(con)
    views = [solve(model, spec, settings) for spec in specs]
    pack = Pack(con, settings, fingerprint, model, views, product_id)
    return slides(pack, progress)
