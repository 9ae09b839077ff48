"""What every slide of the review pack builds on: the pack, its scenarios solved, and the cell and table helpers.

A :class:`Pack` is the store, its settings and fingerprint, the prepared model and the scenarios solved on it
(:func:`solve`, exactly as the what-if page does); a section (:data:`Section`) is a function of it that returns
slides (``analytics.review.company_slides``, ``scenario_slides``), put in order by ``analytics.review.content``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import formatting, optimize, scenarios
from analytics.review.slides import Slide, Table
from analytics.rules import DEFAULT_ALPHA
from analytics.store import Settings

#: The overview page's window, in days: the company at a glance compares the last 90 days with the 90 before.
WINDOW_DAYS = 90
#: Months of revenue history and of capacity ahead, as on the overview and portfolio pages.
REVENUE_MONTHS = 24
CAPACITY_MONTHS = 12
#: Rows a table on a slide can show and still be read from the back of the room.
TABLE_ROWS = 10
#: Longest text in a table cell before it is cut with an ellipsis (a name, a risk's title).
CELL_CHARS = 34
#: Seconds the exact solve of a scenario may take (it is proven far sooner on most stores); per frontier level.
SOLVE_LIMIT_S = 30.0
FRONTIER_LEVEL_LIMIT_S = 5.0
#: The Monte Carlo of the what-if page: the same trials and seed, so the slide shows the page's numbers.
MC_TRIALS = 10_000
MC_SEED = 7


@dataclass(frozen=True)
class ScenarioSpec:
    """What a scenario section shows: a name, an optional note and the what-if settings."""

    name: str
    params: optimize.WhatIf
    note: str | None = None
    scenario_id: str | None = None  # a saved scenario's id, for the side-by-side comparison


@dataclass(frozen=True)
class ScenarioView:
    """A scenario solved on today's store: its settings applied and its selection, exactly optimised."""

    spec: ScenarioSpec
    what_if: optimize.WhatIfProblem
    selection: optimize.Selection
    short: str  # the settings in short, for the footer

    @property
    def chooses(self) -> bool:
        """Whether there is a selection to show: candidates to choose from, and a feasible choice among them."""
        return self.what_if.model.n > 0 and self.selection.feasible


@dataclass
class Pack:
    """Everything a section needs: the store, its settings and fingerprint, the solved scenarios."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    fingerprint: str
    model: optimize.PortfolioModel
    scenarios: list[ScenarioView]
    product_id: str | None = None

    @property
    def currency(self) -> str:
        """Return the store's currency code."""
        return self.settings.currency


Section = Callable[[Pack], list[Slide]]


def money(pack: Pack, value: float | None) -> str:
    """Return ``value`` as money in the store's currency (``analytics.formatting.money``)."""
    return formatting.money(value, pack.currency)


def cut(value, limit: int = CELL_CHARS) -> str:
    """Return a cell's text, cut with an ellipsis past ``limit`` characters; ``–`` for a missing value."""
    if not isinstance(value, str) and formatting.is_missing(value):
        return "–"
    value = str(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def settings_in_short(params: optimize.WhatIf, settings: Settings) -> str:
    """Return the what-if settings in a few words: budget, α and rate always, every other lever when moved."""
    rate = settings.discount_rate if params.discount_rate is None else params.discount_rate
    budget = "budget set per year" if params.budget_by_year is not None else f"budget {params.budget_pct:.0f}%"
    parts = [budget, f"α {params.alpha:.2f}", f"rate {formatting.percent(rate)}"]
    for label, value in (("PoS haircut", params.pos_haircut), ("overrun", params.cost_overrun), ("flex", params.flex)):
        if value:
            parts.append(f"{label} {formatting.percent(value, 0)}")
    if params.benefit_delay_months:
        parts.append(f"benefit delay {params.benefit_delay_months} mo")
    if params.objective_weights:
        parts.append(f"{formatting.counted(len(params.objective_weights), 'weight')} set")
    moved = [(team, fte) for team, fte in params.capacity_fte_delta if fte]
    if moved:
        parts.append(", ".join(f"{team} {fte:+g} FTE" for team, fte in moved))
    for label, ids in (("forced in", params.force_in), ("forced out", params.force_out)):
        if ids:
            parts.append(f"{len(ids)} {label}")
    return ", ".join(parts)


def settings_rows(params: optimize.WhatIf, view: ScenarioView, settings: Settings) -> tuple[tuple[str, str], ...]:
    """Return every lever as (lever, setting) rows for the settings table of a scenario."""
    model = view.what_if.model
    rate = settings.discount_rate if params.discount_rate is None else params.discount_rate
    budget = (
        ", ".join(
            f"FY{int(y)} {formatting.money(b, settings.currency)}"
            for y, b in zip(model.fiscal_years, params.budget_by_year, strict=False)
        )
        if params.budget_by_year is not None
        else f"{params.budget_pct:.0f}% of the plan's"
    )
    weights = dict(params.objective_weights)
    names = dict(zip(model.objective_ids, model.objective_names, strict=True))
    teams = dict(zip(model.teams, model.team_names, strict=True))
    rows = [
        ("Budget", budget),
        ("Money ↔ strategy (α)", f"{params.alpha:.2f}" + (" (default)" if params.alpha == DEFAULT_ALPHA else "")),
        ("Discount rate", formatting.percent(rate) + (" (store's)" if params.discount_rate is None else "")),
        (
            "PoS haircut · cost overrun",
            f"{formatting.percent(params.pos_haircut, 0)} · {formatting.percent(params.cost_overrun, 0)}",
        ),
        (
            "Benefit delay · capacity flex",
            f"{params.benefit_delay_months} months · {formatting.percent(params.flex, 0)}",
        ),
    ]
    if weights:
        rows.append(("Objective weights", cut(", ".join(f"{names.get(k, k)} {v:g}" for k, v in weights.items()), 60)))
    moved = [(team, fte) for team, fte in params.capacity_fte_delta if fte]
    if moved:
        rows.append(("Team capacity", cut(", ".join(f"{teams.get(t, t)} {f:+g} FTE" for t, f in moved), 60)))
    for label, ids in (("Forced in", params.force_in), ("Forced out", params.force_out)):
        if ids:
            rows.append((label, cut(", ".join(ids), 60)))
    return tuple(rows)


def solve(model: optimize.PortfolioModel, spec: ScenarioSpec, settings: Settings) -> ScenarioView:
    """Apply a scenario's settings and select exactly, as the what-if page does, synchronously with a time limit."""
    what_if = optimize.apply_what_if(model, spec.params)
    selection = optimize.solve_fast(what_if.problem)
    if selection.status not in (optimize.STATUS_OPTIMAL, optimize.STATUS_INFEASIBLE):
        start = selection.chosen if selection.feasible else None
        selection = optimize.solve_exact(what_if.problem, time_limit=SOLVE_LIMIT_S, start=start)
    return ScenarioView(spec, what_if, selection, settings_in_short(spec.params, settings))


def table_of(frame: pd.DataFrame, columns: dict[str, tuple], widths=None, caption=None) -> Table:
    """Return a :class:`Table` of ``frame``.

    ``columns`` maps a column to (header, formatter) or (header, formatter, right-aligned): a formatter's column
    aligns right unless told otherwise; None formats as text (cut at :data:`CELL_CHARS`), aligned left.
    """
    specs = [(spec[0], spec[1], spec[2] if len(spec) > 2 else spec[1] is not None) for spec in columns.values()]
    rows = tuple(
        tuple(cut(value) if fmt is None else fmt(value) for (_, fmt, _), value in zip(specs, row, strict=True))
        for row in frame[list(columns)].itertuples(index=False)
    )
    return Table(tuple(h for h, _, _ in specs), rows, tuple(r for _, _, r in specs), widths, caption)


def scenario_of(con: duckdb.DuckDBPyConnection, name_or_id: str) -> ScenarioSpec:
    """Return the saved scenario named (or with the id) ``name_or_id``; ``scenarios.ScenarioError`` if none."""
    saved = scenarios.list_scenarios(con)
    match = saved[(saved["name"] == name_or_id) | (saved["scenario_id"] == name_or_id)]
    if match.empty:
        known = ", ".join(f"“{n}”" for n in saved["name"].head(8)) or "none is saved yet"
        raise scenarios.ScenarioError(f"There is no saved scenario named “{name_or_id}” in this store ({known}).")
    scenario = scenarios.load_scenario(con, str(match["scenario_id"].iloc[0]))
    return ScenarioSpec(scenario.name, scenarios.check_params(scenario.params), scenario.note, scenario.scenario_id)
