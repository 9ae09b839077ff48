"""The review pack's slides about the company and its portfolio, each from the pages' own functions.

Title, the company at a glance, products, one product, the value map, capacity and risks.
"""

from __future__ import annotations

import pandas as pd

from analytics import charts, formatting, headlines, overview, portfolio, product
from analytics.review.pack import (
    CAPACITY_MONTHS,
    REVENUE_MONTHS,
    TABLE_ROWS,
    WINDOW_DAYS,
    Pack,
    cut,
    money,
    table_of,
)
from analytics.review.slides import Chart, Row, Slide, Text, Tile, Tiles


def _ratio(value) -> str:
    """Return a ratio (CPI, SPI) with two decimals; ``–`` where it does not exist."""
    return "–" if formatting.is_missing(value) else f"{value:.2f}"


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
