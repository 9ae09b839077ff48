"""The headline figures of the portfolio (``portfolio.summary``), worded once for every page, export and slide.

One label, one definition and one way of showing each figure: the overview, the portfolio page and the review
pack all take their tiles from :func:`headline`, so the same title never shows two numbers. A figure the store
cannot support (no health tracked, no alignment scores, no capacity, no risks) reads "–" with the reason, never
as a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from analytics import formatting
from analytics.rules import EVM_HEALTH_TEXT

#: The title of each headline figure of ``summary``, on every page and export that shows it: one label, one number.
LABELS = {
    "live_projects": "Live projects",
    "forward_budget": "Forward budget",
    "npv": "NPV, forward",
    "rnpv": "rNPV, forward",
    "strategic_score": "Strategic score, live",
    "capacity_utilisation": "Capacity used, 12 months",
    "red_projects": "Projects in red",
    "risk_exposure": "Open risk exposure",
}

#: Each figure the portfolio pages show, as its tile's help or column hover: DESIGN.md's definition in a sentence.
#: "Forward" is over the flows dated on or after the valuation date (earlier ones are sunk); "lifetime" over all.
DEFINITIONS = {
    "live_projects": "Projects not yet finished or abandoned: proposed, approved, active and on hold.",
    "forward_budget": "Planned cost dated on or after the valuation date of live projects (proposed, approved, "
    "active, on hold); earlier spend is sunk. Committed = approved and active only.",
    "npv": "Forward net present value, Excel XNPV: Σ (benefit − cost) / (1 + r) ^ (days from the valuation date / "
    "365) over flows on or after the valuation date.",
    "rnpv": "Forward risk-adjusted NPV: probability of success × PV(benefits) − PV(costs), flows on or after the "
    "valuation date.",
    "irr": "Lifetime internal rate of return, Excel XIRR over all planned flows, sunk ones included; none when the "
    "flows never change sign.",
    "irr_forward": "Forward internal rate of return, Excel XIRR over the flows on or after the valuation date (the "
    "basis of forward NPV); none when they never change sign, e.g. when all the cost is already spent.",
    "roi": "Lifetime return on investment: (Σ benefit − Σ cost) / Σ cost over the whole plan, undiscounted.",
    "roi_forward": "Forward return on investment: (Σ benefit − Σ cost) / Σ cost over the flows on or after the "
    "valuation date, undiscounted; none without forward cost.",
    "payback_months": "Lifetime payback: months from the plan's first month with cost until cumulative net cash "
    "flow first reaches zero.",
    "payback_months_forward": "Forward payback: months from the first month with cost on or after the valuation "
    "date until the cumulative forward net cash flow first reaches zero.",
    "profitability_index": "Forward profitability index: PV(benefits) / PV(costs) over flows on or after the "
    "valuation date.",
    "strategic_score": "Σ weight × alignment score / (5 × Σ weights), 0–1; the portfolio's is over live projects, "
    "weighted by each one's forward cost.",
    "capacity_utilisation": "FTE demanded by approved and active projects / FTE capacity of all teams, over the 12 "
    "months from the valuation date's month; over-booked = the team-months where demand exceeds capacity.",
    "red_projects": "Live projects (proposed, approved, active, on hold) in red: stored health, else EVM from the "
    f"latest snapshot (CPI = EV / AC, SPI = EV / PV; {EVM_HEALTH_TEXT}).",
    "health": f"Stored health where the project has one, else EVM from its latest snapshot: {EVM_HEALTH_TEXT}.",
    "risk_exposure": "Expected impact points: Σ probability × impact (1–5) over open and mitigating risks of live "
    "projects.",
}


@dataclass(frozen=True)
class Headline:
    """One headline figure as shown: its label, value, a short note under it (or None) and its definition."""

    key: str
    label: str
    value: str
    note: str | None
    definition: str


def headline(key: str, figures: Mapping, currency: str, rate: float | None = None) -> Headline:
    """Word the headline figure ``key`` of ``figures`` (a ``portfolio.summary``) for a tile or a slide.

    ``rate`` is the discount rate, said beside the NPVs when given. Raises ``KeyError`` for a key ``LABELS`` does
    not name.
    """
    if key == "live_projects":
        value, note = formatting.count(figures[key]), None
    elif key == "forward_budget":
        value = formatting.money(figures[key], currency)
        note = f"{formatting.money(figures['committed_budget'], currency)} committed"
    elif key in ("npv", "rnpv"):
        value = formatting.money(figures[key], currency)
        note = None if rate is None else f"at {formatting.percent(rate)}"
    elif key == "strategic_score":
        recorded = figures["alignment_recorded"]
        value = formatting.number(figures[key], 2) if recorded else "–"
        note = None if recorded else "no alignment scores"
    elif key == "capacity_utilisation":
        recorded = figures["capacity_recorded"]
        value = formatting.percent(figures[key], 0)
        note = f"{figures['overbooked_team_months']:,} over-booked" if recorded else "no capacity recorded"
    elif key == "red_projects":
        tracked = figures["health_tracked"] > 0
        value = formatting.count(figures[key]) if tracked else "–"
        # Red out of those whose health is known: projects with neither a stored health nor a progress snapshot are
        # not green either, so "of 49 live" would claim more than the data holds.
        if not tracked:
            note = "no health tracked"
        elif figures["health_tracked"] == figures["live_projects"]:
            note = f"of {figures['live_projects']:,} live"
        else:
            note = f"of {figures['health_tracked']:,} tracked, {figures['live_projects']:,} live"
    elif key == "risk_exposure":
        recorded = figures["risks_recorded"] > 0
        value = formatting.number(figures[key], 1) if recorded else "–"
        # Its unit: a risk certain to happen at the top impact adds 5 points, not money (impact is a 1–5 score).
        note = "impact points" if recorded else "no risks recorded"
    else:
        raise KeyError(f"no headline {key!r}: headlines.LABELS names them")
    return Headline(key, LABELS[key], value, note, DEFINITIONS[key])


def health_overridden(table: pd.DataFrame) -> pd.Series:
    """Return, per row of ``table`` (a ``portfolio.project_table``), whether its stored health differs from EVM.

    Such a project sits in one band of the CPI/SPI quadrant (``evm_health``) and counts in another (``health``: a
    stored health overrides, DESIGN.md); the views that place it by EVM mark it instead of letting colour and
    position disagree unsaid. All False for a frame without ``health_source`` and ``evm_health``.
    """
    if not {"health_source", "evm_health"} <= set(table.columns):
        return table["health"].notna() & False
    return (table["health_source"] == "stored") & table["evm_health"].notna() & (table["health"] != table["evm_health"])


def health_basis(health, source, evm_health) -> str:
    """Return where one project's health comes from: ``"EVM"``, ``"stored"``, ``"stored; EVM says red"``, or "".

    ``source`` and ``evm_health`` are its ``health_source`` and ``evm_health`` (``portfolio.effective_health``).
    """
    if not isinstance(health, str):
        return ""
    if source != "stored":
        return "EVM"
    if isinstance(evm_health, str) and evm_health != health:
        return f"stored; EVM says {evm_health}"
    return "stored"


def health_words(health, source, evm_health) -> str:
    """Return one project's health as the views say it: ``"green (EVM)"``, ``"green (stored; EVM says red)"``, "–"."""
    if not isinstance(health, str):
        return "–"
    return f"{health} ({health_basis(health, source, evm_health)})"
