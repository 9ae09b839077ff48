"""Figures of the scenarios page: saved scenarios compared on value and on spend per fiscal year.

They draw the frames of ``analytics.scenarios.compare``.
"""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.charts.template import GOOD, OKABE_ITO, money_axis, styled
from analytics.formatting import money
from analytics.text import plotly as plotly_text

#: Strategic score on the right of the rNPV bars, over its whole 0-1 range so scenarios compare at a glance; ticks
#: of its own (the room's template otherwise matched the left axis's count: 0.149, 0.298, …).
STRATEGIC_SCORE_AXIS = {
    "overlaying": "y",
    "side": "right",
    "title": "Strategic score",
    "range": [0, 1],
    "tickmode": "linear",
    "tick0": 0,
    "dtick": 0.2,
    "tickformat": ".1f",
    "showgrid": False,
}
#: The strategic score's diamonds: dark grey, a colour no scenario's bars take (orange was one scenario's in the
#: spend chart below).
STRATEGIC_SCORE_COLOUR = "#444444"


def scenario_values(summary, *, currency: str, present: bool):
    """Compare scenarios side by side: rNPV as bars, strategic score as points on the right axis."""
    fig = go.Figure()
    names = list(summary["name"])
    fig.add_bar(
        x=names,
        y=summary["rnpv"],
        name="rNPV",
        marker_color=GOOD,
        text=[money(v, currency) for v in summary["rnpv"]],
        textposition="outside",
        hovertemplate=f"%{{x}}: rNPV %{{y:,.0f}} {currency}<extra></extra>",
    )
    fig.add_scatter(
        x=names,
        y=summary["strategic_score"],
        name="strategic score (right)",
        yaxis="y2",
        mode="markers",
        marker={"size": 18 if present else 14, "color": STRATEGIC_SCORE_COLOUR, "symbol": "diamond"},
        hovertemplate="%{x}: strategic score %{y:.2f}<extra></extra>",
    )
    best = summary.loc[summary["rnpv"].idxmax(), "name"] if len(summary) else ""
    fig.update_layout(
        yaxis_title=f"rNPV ({currency})",
        xaxis_title=None,
        yaxis2=STRATEGIC_SCORE_AXIS,
        legend={"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"},
    )
    # The left axis by name: a selector on side "left" matched no axis (side is unset), and rNPV ticked "30M".
    fig.layout.yaxis.update(**money_axis(currency))
    return styled(fig, present=present, title=f"Scenarios: {best} carries the most risk-adjusted value", height=400)


def scenario_budgets(budget, *, currency: str, present: bool):
    """Spend per fiscal year of each compared scenario, against each one's budget."""
    fig = go.Figure()
    for i, (name, rows) in enumerate(budget.groupby("scenario", sort=False)):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        years = [f"FY{int(y)}" for y in rows["fiscal_year"]]
        # Each scenario's budget mark in its bar's own slot of the year (one offset group each): marks at the year's
        # centre all sat over the middle bar.
        fig.add_bar(
            x=years,
            y=rows["spend"],
            name=name,
            marker_color=colour,
            offsetgroup=str(i),
            legendgroup=str(i),
            hovertemplate=f"{plotly_text(name)}, %{{x}}: spends %{{y:,.0f}} {currency}<extra></extra>",
        )
        fig.add_scatter(
            x=years,
            y=rows["budget"],
            mode="markers",
            name="budget (the line in each scenario's colour)",
            showlegend=i == 0,
            offsetgroup=str(i),
            legendgroup=str(i),
            marker={"symbol": "line-ew", "size": 30, "line": {"width": 3, "color": colour}},
            hovertemplate=f"{plotly_text(name)}, %{{x}}: budget %{{y:,.0f}} {currency}<extra></extra>",
        )
    fig.update_layout(barmode="group", scattermode="group", yaxis_title=currency, xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title="Spend by fiscal year against each scenario's budget", height=380)
