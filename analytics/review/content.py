"""The slides of a review pack, built from the same functions as the pages: no number is computed twice.

Every number comes from ``analytics.overview``, ``portfolio``, ``product``, ``optimize``, ``scenarios`` and
``simulate``, every chart from ``analytics.charts`` (drawn with the presentation template); this module only picks
and words them for a slide. The sections run in order (:data:`COMPANY_SECTIONS`, then the scenario sections, then
:data:`COMPARE_SECTIONS` when several scenarios are compared, and last :data:`CLOSING_SECTIONS`: the latest decision
against now); a section is a function of the :class:`Pack` that returns its slides, so a new slide is one
function added to the right tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import charts, formatting, headlines, optimize, overview, portfolio, product, scenarios, simulate
from analytics.review.slides import Chart, Row, Slide, Table, Text, Tile, Tiles
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
        parts.append(f"{len(params.objective_weights)} weights set")
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


def _ratio(value) -> str:
    """Return a ratio (CPI, SPI) with two decimals; ``–`` where it does not exist."""
    return "–" if formatting.is_missing(value) else f"{value:.2f}"


def _status_sentence(view: ScenarioView) -> str:
    selection = view.selection
    if selection.status == optimize.STATUS_INFEASIBLE:
        return "No portfolio meets these settings: " + (optimize.conflict_sentence(selection.conflict) or "")
    if selection.proven:
        return f"Proven optimal: no selection of the {view.what_if.model.n} candidates is worth more at these settings."
    return f"Best found within {selection.gap:.1%} of the optimum ({selection.status.replace('_', ' ')})."


# --- The company and its portfolio --------------------------------------------------------------------------


def title_slide(pack: Pack) -> list[Slide]:
    """Slide: the company, the valuation date and what the pack is about (the scenario's name and note)."""
    lines = [f"Portfolio review · figures as of {pack.settings.as_of:%d %B %Y}"]
    if len(pack.scenarios) == 1:
        spec = pack.scenarios[0].spec
        lines.append(f"Scenario: {spec.name}")
        if spec.note:
            lines.append(cut(spec.note, 160))
    else:
        lines.append("Scenarios compared: " + " · ".join(view.spec.name for view in pack.scenarios))
    return [Slide(title=pack.settings.company, rows=(Row((Text(tuple(lines), lead=True),)),), kind="title")]


def glance_slide(pack: Pack) -> list[Slide]:
    """Slide: the company at a glance: the overview page's tiles and the forward budget by program."""
    con, currency = pack.con, pack.currency
    kpis = overview.company_kpis(con, WINDOW_DAYS).set_index("measure")
    figures = overview.portfolio_headlines(con, CAPACITY_MONTHS)

    def change(measure: str, points: bool) -> str:
        value = kpis.at[measure, "change" if points else "relative_change"]
        if formatting.is_missing(value):
            return ""
        shown = f"{value:+.1f} points" if points else formatting.percent(value, 1)
        return f"{shown} vs previous {WINDOW_DAYS} days"

    rows = []
    if not overview.product_scorecard(con, WINDOW_DAYS).empty:
        rows.append(
            Row(
                (
                    Tiles(
                        (
                            Tile("Revenue", money(pack, kpis.at["revenue", "current"]), change("revenue", False)),
                            Tile(
                                "Active users",
                                formatting.count(kpis.at["active_users", "current"]),
                                change("active_users", False),
                            ),
                            Tile("NPS", formatting.score(kpis.at["nps", "current"]), change("nps", True)),
                            Tile(
                                "CSAT",
                                formatting.percent(kpis.at["csat", "current"], points=True),
                                change("csat", True),
                            ),
                        )
                    ),
                )
            )
        )
    rows.append(
        Row(
            (
                Tiles(
                    tuple(
                        Tile(shown.label, shown.value, shown.note or "")
                        for shown in (
                            headlines.headline(key, figures, currency)
                            for key in ("forward_budget", "red_projects", "capacity_utilisation", "risk_exposure")
                        )
                    )
                ),
            )
        )
    )
    budget = overview.forward_budget_by_program(con)
    if not budget.empty:
        rows.append(Row((Chart(charts.forward_budget_by_program(budget, currency=currency, present=True)),)))
    return [
        Slide(
            title=f"{pack.settings.company} at a glance",
            subtitle=f"Last {WINDOW_DAYS} days to {pack.settings.as_of:%d %b %Y} against the {WINDOW_DAYS} before",
            rows=tuple(rows),
        )
    ]


def products_slide(pack: Pack) -> list[Slide]:
    """Slide: the products scorecard (a native table) beside revenue by product."""
    con = pack.con
    scorecard = overview.product_scorecard(con, WINDOW_DAYS)
    if scorecard.empty:
        return [
            Slide(
                title="Products",
                rows=(
                    Row((Text(("No products in this store yet: add them and their KPI history on the Data page.",)),)),
                ),
            )
        ]
    table = table_of(
        scorecard,
        {
            "name": ("Product", None),
            "revenue": ("Revenue", lambda v: money(pack, v)),
            "revenue_change": ("Δ", lambda v: formatting.percent(v, 0)),
            "active_users": ("Users", formatting.count),
            "nps": ("NPS", lambda v: f"{v:+.0f}" if not formatting.is_missing(v) else "–"),
            "csat": ("CSAT", lambda v: formatting.percent(v, 0, points=True)),
            "churn_rate": ("Churn", lambda v: formatting.percent(v, 1, points=True)),
        },
        widths=(2.6, 1.3, 1.0, 1.1, 0.9, 1.0, 1.0),
        caption=f"Last {WINDOW_DAYS} days; Δ revenue against the {WINDOW_DAYS} before",
    )
    revenue = overview.monthly_revenue_by_product(con, REVENUE_MONTHS)
    figure = charts.revenue_by_product(revenue, currency=pack.currency, present=True)
    return [Slide(title="Products: scorecard and revenue", rows=(Row((table, Chart(figure)), widths=(1.0, 1.05)),))]


def product_slide(pack: Pack) -> list[Slide]:
    """Slide: one product (``--product``): its scorecard line and its retention curve."""
    if pack.product_id is None:
        return []
    scorecard = overview.product_scorecard(pack.con, WINDOW_DAYS)
    line = scorecard[scorecard["product_id"] == pack.product_id]
    name = pack.product_id if line.empty else str(line["name"].iloc[0])
    rows = []
    if not line.empty:
        row = line.iloc[0]
        rows.append(
            Row(
                (
                    Tiles(
                        (
                            Tile("Revenue", money(pack, row["revenue"]), f"last {WINDOW_DAYS} days"),
                            Tile("Δ revenue", formatting.percent(row["revenue_change"], 0), f"vs {WINDOW_DAYS} before"),
                            Tile("Active users", formatting.count(row["active_users"])),
                            Tile("NPS", formatting.score(row["nps"])),
                            Tile("CSAT", formatting.percent(row["csat"], 0, points=True)),
                        )
                    ),
                )
            )
        )
    curve = product.retention_curve(pack.con, pack.product_id)
    if curve.empty:
        rows.append(Row((Text(("No retention cohorts for this product yet.",)),)))
    else:
        rows.append(Row((Chart(charts.retention_curve(curve, present=True)),)))
    return [Slide(title=f"Product: {name}", rows=tuple(rows))]


def _red_caption(red: pd.DataFrame, live: pd.DataFrame, currency: str) -> str:
    """Word "Projects in red" as the tiles do (``headlines``), so the slide and the pages say one thing."""
    figures = {
        "red_projects": len(red),
        "health_tracked": int(live["health"].notna().sum()),
        "live_projects": len(live),
    }
    said = headlines.headline("red_projects", figures, currency)
    return f"{said.label}: {said.value} {said.note}"


def value_map_slide(pack: Pack) -> list[Slide]:
    """Slide: the portfolio value map beside the projects in red."""
    table = portfolio.project_table(pack.con, portfolio.PortfolioFilter())
    if table.empty:
        return [Slide(title="Portfolio", rows=(Row((Text(("No projects in this store yet.",)),)),))]
    figure = charts.value_map(table, currency=pack.currency, present=True, colour_by="health")
    live = portfolio.live(table)
    red = live[live["health"] == "red"].sort_values("rnpv", ascending=False)
    red_table = table_of(
        red.head(TABLE_ROWS),
        {
            "project_id": ("Project", None),
            "name": ("", None),
            "stage": ("Stage", None),
            "cpi": ("CPI", _ratio),
            "spi": ("SPI", _ratio),
            "rnpv": ("rNPV", lambda v: money(pack, v)),
        },
        widths=(1.15, 2.45, 1.05, 0.75, 0.75, 1.3),
        caption=_red_caption(red, live, pack.currency)
        + (f", the {TABLE_ROWS} with the most rNPV" if len(red) > TABLE_ROWS else ""),
    )
    return [
        Slide(
            title="Portfolio: value map and the projects in red",
            rows=(Row((Chart(figure), red_table), widths=(1.45, 1.0)),),
        )
    ]


def capacity_slide(pack: Pack) -> list[Slide]:
    """Slide: capacity against demand, the team × month heatmap and the over-booked months with their causes."""
    flt = portfolio.PortfolioFilter()
    cells = portfolio.capacity_vs_demand(pack.con, flt, CAPACITY_MONTHS)
    if cells.empty:
        return [Slide(title="Capacity against demand", rows=(Row((Text(("No team capacity in this store.",)),)),))]
    causes = portfolio.overbooking_causes(pack.con, flt, CAPACITY_MONTHS)
    causes_table = table_of(
        causes.head(TABLE_ROWS - 2),
        {
            "team": ("Team", None),
            "period": ("Month", lambda v: f"{pd.Timestamp(v):%b %Y}"),
            "excess_fte": ("Over by", lambda v: f"{v:.1f} FTE"),
        },
        widths=(2.0, 1.1, 1.1),
        caption=f"Over-booked team-months: {len(causes)}",
    )
    return [
        Slide(
            title="Capacity against demand, next 12 months",
            subtitle=portfolio.DEFINITIONS["capacity_utilisation"],
            rows=(Row((Chart(charts.capacity_heatmap(cells, present=True)), causes_table), widths=(1.6, 1.0)),),
        )
    ]


def risks_slide(pack: Pack) -> list[Slide]:
    """Slide: the risk matrix beside the top open risks by exposure."""
    flt = portfolio.PortfolioFilter()
    risks = portfolio.open_risks(portfolio.risk_register(pack.con, flt))
    if risks.empty:
        return [Slide(title="Risks", rows=(Row((Text(("No open or mitigating risks in this store.",)),)),))]
    matrix = charts.risk_matrix_heatmap(portfolio.risk_matrix(pack.con, flt), present=True)
    top = table_of(
        risks.head(TABLE_ROWS),
        {
            "project_id": ("Project", None),
            "title": ("Risk", None),
            "probability": ("p", lambda v: f"{v:.0%}"),
            "impact": ("Impact", lambda v: f"{v:.0f}"),
            "exposure": ("Exposure", lambda v: f"{v:.2f}"),
            "owner": ("Owner", None),
        },
        widths=(0.9, 2.9, 0.65, 0.8, 1.1, 1.45),
        caption=f"Top risks by exposure, of {len(risks)} open or mitigating",
    )
    return [
        Slide(
            title="Risks",
            subtitle=portfolio.DEFINITIONS["risk_exposure"],
            rows=(Row((Chart(matrix), top), widths=(1.0, 1.45)),),
        )
    ]


# --- One scenario -------------------------------------------------------------------------------------------


def _scenario_title(view: ScenarioView, what: str) -> str:
    return f"{view.spec.name}: {what}"


def selection_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the scenario's settings, its headline numbers against the plan and what changes."""
    chosen = view.selection.chosen
    settings_table = Table(("Lever", "Setting"), settings_rows(view.spec.params, view, pack.settings), (False, False))
    if view.what_if.model.n == 0:
        # The what-if page's own empty state, in its words.
        nothing = Text(
            (
                "There are no candidate projects (stage proposed, approved or active) to choose from.",
                "Import projects with their cash flows on the Data page.",
            )
        )
        return [Slide(title=_scenario_title(view, "settings and selection"), rows=(Row((settings_table, nothing)),))]
    if not view.selection.feasible:
        return [
            Slide(
                title=_scenario_title(view, "settings and selection"),
                subtitle=_status_sentence(view),
                rows=(Row((settings_table,)),),
            )
        ]
    summary = optimize.selection_summary(view.what_if, chosen)
    tiles = Tiles(
        (
            Tile(
                "rNPV", money(pack, summary["rnpv"]), f"{money(pack, summary['rnpv'] - summary['plan_rnpv'])} vs plan"
            ),
            Tile(
                "Strategic score",
                f"{summary['strategic_score']:.2f}",
                f"{summary['strategic_score'] - summary['plan_strategic_score']:+.2f} vs plan",
            ),
            Tile("Projects", f"{summary['projects']}", f"+{summary['added']} / −{summary['dropped']} vs plan"),
            Tile(
                "Budget used",
                formatting.percent(summary["budget_use"], 0),
                f"{money(pack, summary['spend'])} of {money(pack, summary['budget'])}",
            ),
            Tile(
                "Portfolio value", f"{summary['value']:.2f}", f"{summary['value'] - summary['plan_value']:+.2f} vs plan"
            ),
        )
    )
    table = optimize.selection_table(view.what_if, chosen)
    changed = table[table["change"] != ""].sort_values(["change", "rnpv"], ascending=[True, False])
    changed = changed.assign(change=changed["change"].map({"added": "in", "dropped": "out"}))
    # Both directions shown when the table cannot hold every change: the most valuable ins, then the outs.
    room = TABLE_ROWS - 2
    outs = changed[changed["change"] == "out"].head(room // 2)
    shown = pd.concat([changed[changed["change"] == "in"].head(room - len(outs)), outs])
    changes = table_of(
        shown,
        {
            "change": ("", None),
            "project_id": ("Project", None),
            "name": ("", None),
            "rnpv": ("rNPV", lambda v: money(pack, v)),
        },
        widths=(0.5, 0.95, 2.8, 1.0),
        caption=f"Against the plan: {summary['added']} in, {summary['dropped']} out"
        + (f" ({len(shown)} shown)" if len(changed) > len(shown) else ""),
    )
    if changed.empty:
        changes = Text(("Nothing changes: the plan is already the best selection for these settings.",))
    return [
        Slide(
            title=_scenario_title(view, "the selection against the plan"),
            subtitle=_status_sentence(view),
            rows=(Row((tiles,)), Row((settings_table, changes), widths=(1.0, 1.25))),
        )
    ]


def frontier_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the efficient frontier at the scenario's settings (every budget level), its own budget marked."""
    if not view.chooses:
        return []
    at_plan = optimize.apply_what_if(
        view.what_if.model,
        optimize.WhatIf.from_dict({**view.spec.params.to_dict(), "budget_pct": 100.0, "budget_by_year": None}),
    )
    frontier = optimize.efficient_frontier(at_plan, time_limit=FRONTIER_LEVEL_LIMIT_S)
    summary = optimize.selection_summary(view.what_if, view.selection.chosen)
    figure = charts.efficient_frontier(
        frontier, {"budget": summary["budget"], "rnpv": summary["rnpv"]}, currency=pack.currency, present=True
    )
    return [
        Slide(
            title=_scenario_title(view, "the efficient frontier"),
            subtitle="The best portfolio (blended objective) at each budget level, its rNPV and strategic score drawn",
            rows=(Row((Chart(figure),)),),
        )
    ]


def budget_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: budget by fiscal year, the chart and its numbers as a table."""
    if not view.chooses:
        return []
    use = optimize.budget_use(view.what_if, view.selection.chosen)
    figure = charts.budget_by_year(use, currency=pack.currency, present=True)
    table = table_of(
        use,
        {
            "fiscal_year": ("Fiscal year", lambda v: f"FY{int(v)}", False),
            "budget": ("Budget", lambda v: money(pack, v)),
            "spend": ("Selection", lambda v: money(pack, v)),
            "plan_spend": ("Plan", lambda v: money(pack, v)),
            "utilisation": ("Used", lambda v: formatting.percent(v, 0)),
        },
        widths=(1.3, 1.0, 1.1, 1.0, 0.8),
        caption="Forward spend by fiscal year, with any cost overrun",
    )
    return [
        Slide(title=_scenario_title(view, "budget by year"), rows=(Row((Chart(figure), table), widths=(1.6, 1.0)),))
    ]


def monte_carlo_slide(pack: Pack, view: ScenarioView) -> list[Slide]:
    """Slide: the Monte Carlo of the selection's NPV: the page's tiles and histogram (10,000 trials, seed 7)."""
    if not view.chooses:
        return []
    result = simulate.simulate_selection(view.what_if, view.selection.chosen, trials=MC_TRIALS, seed=MC_SEED)
    tiles = Tiles(
        (
            Tile("P10", money(pack, result.p10), "nine trials in ten end above"),
            Tile("P50", money(pack, result.p50), "the median simulated NPV"),
            Tile("P90", money(pack, result.p90), "one trial in ten ends above"),
            Tile("Chance of a loss", formatting.percent(result.prob_negative, 0), f"of {MC_TRIALS:,} trials"),
        )
    )
    figure = charts.npv_distribution(result, currency=pack.currency, present=True)
    return [
        Slide(
            title=_scenario_title(view, "how sure is the value? (Monte Carlo)"),
            subtitle="Each project succeeds with its probability; costs and benefits vary ±15 % and ±30 %",
            rows=(Row((tiles,)), Row((Chart(figure),))),
        )
    ]


# --- Several scenarios side by side ---------------------------------------------------------------------------


def comparison_slides(pack: Pack) -> list[Slide]:
    """Slides: two to four saved scenarios side by side (``scenarios.compare``): the table, then values and budgets."""
    ids = [view.spec.scenario_id for view in pack.scenarios]
    comparison = scenarios.compare(pack.con, pack.model, ids)
    summary = comparison["summary"]
    table = table_of(
        summary,
        {
            "name": ("Scenario", None),
            "rnpv": ("rNPV", lambda v: money(pack, v)),
            "strategic_score": ("Strategic", lambda v: f"{v:.2f}"),
            "projects": ("Projects", lambda v: f"{v:.0f}"),
            "spend": ("Spend", lambda v: money(pack, v)),
            "budget_use": ("Budget used", lambda v: formatting.percent(v, 0)),
            "peak_capacity_use": ("Peak team load", lambda v: formatting.percent(v, 0)),
            "added": ("Added", lambda v: f"{v:.0f}"),
            "dropped": ("Dropped", lambda v: f"{v:.0f}"),
        },
        widths=(3.0, 1.1, 1.0, 1.0, 1.1, 1.2, 1.4, 0.9, 0.9),
        caption="Each valued under its own settings on today's store, with the selection it saved",
    )
    settings = Table(
        ("Scenario", "Settings"),
        tuple((cut(view.spec.name), view.short) for view in pack.scenarios),
        (False, False),
        widths=(1.0, 2.6),
    )
    values = charts.scenario_values(summary, currency=pack.currency, present=True)
    budgets = charts.scenario_budgets(comparison["budget"], currency=pack.currency, present=True)
    return [
        Slide(title="Scenarios side by side", rows=(Row((table,)), Row((settings,)))),
        Slide(title="Scenarios side by side: value and budget", rows=(Row((Chart(values), Chart(budgets))),)),
    ]


# --- After the last meeting -----------------------------------------------------------------------------------


def decision_slide(pack: Pack) -> list[Slide]:
    """Slide: the latest decision against the store as it is now (``scenarios.decision_vs_now``); none without one."""
    decision = scenarios.latest_decision(pack.con)
    if decision is None:
        return []
    check = scenarios.decision_vs_now(pack.con, decision.decision_id, pack.model)
    said = scenarios.decision_sentences(check, pack.currency)
    blocks: list = [Text(tuple(said), lead=check.nothing_changed)]
    if len(check.projects):
        blocks.append(
            table_of(
                check.projects.head(TABLE_ROWS),
                {
                    "project_id": ("Project", None),
                    "name": ("Name", None),
                    "finding": ("Since the decision", None),
                    "stage_now": ("Stage now", lambda v: str(v).replace("_", " ")),
                },
                widths=(0.9, 2.4, 2.6, 1.1),
                caption=f"{len(check.projects)} project finding{'' if len(check.projects) == 1 else 's'}",
            )
        )
    name = decision.name or "a scenario no longer saved"
    return [
        Slide(
            title=f"Since the last decision: {cut(name, 60)}",
            subtitle=f"Decided {decision.decided_at:%d %b %Y} by {cut(decision.decided_by, 60)}",
            rows=(Row(tuple(blocks), widths=(1.2, 1.6) if len(blocks) == 2 else None),),
        )
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


def scenario_of(con: duckdb.DuckDBPyConnection, name_or_id: str) -> ScenarioSpec:
    """Return the saved scenario named (or with the id) ``name_or_id``; ``scenarios.ScenarioError`` if none."""
    saved = scenarios.list_scenarios(con)
    match = saved[(saved["name"] == name_or_id) | (saved["scenario_id"] == name_or_id)]
    if match.empty:
        known = ", ".join(f"“{n}”" for n in saved["name"].head(8)) or "none is saved yet"
        raise scenarios.ScenarioError(f"There is no saved scenario named “{name_or_id}” in this store ({known}).")
    scenario = scenarios.load_scenario(con, str(match["scenario_id"].iloc[0]))
    return ScenarioSpec(scenario.name, scenarios.check_params(scenario.params), scenario.note, scenario.scenario_id)


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
