"""Figures of the overview page: revenue per product and forward spend per program (from ``analytics.overview``)."""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.charts.template import NEUTRAL, STAGE_COLOURS, money_axis, styled
from analytics.formatting import money
from analytics.rules import COMMITTED_STAGES, LIVE_STAGES, stage_label
from analytics.text import plotly as plotly_text

#: Stack order of the forward-spend bars: committed money at the base, then the rest; later stages first in each.
FORWARD_STACK = tuple(sorted(reversed(LIVE_STAGES), key=lambda stage: stage not in COMMITTED_STAGES))


def revenue_by_product(frame, *, currency: str, present: bool) -> go.Figure:
    """Stacked monthly revenue per product, largest at the base; the current, partial month is drawn hatched.

    ``frame`` has columns period, product_id, name, rank, revenue, partial (``overview.monthly_revenue_by_product``:
    the top products one series each, the rest as one "Other" series, drawn grey on top).
    """
    fig = go.Figure()
    totals = frame.groupby("period")["revenue"].sum()
    complete = totals[~frame.groupby("period")["partial"].any()]
    last_year, year_before = complete.iloc[-12:].sum(), complete.iloc[-24:-12].sum()
    for (_, name), rows in frame.groupby(["rank", "name"], sort=True):
        is_other = bool(rows["product_id"].isna().all())
        fig.add_bar(
            x=rows["period"],
            y=rows["revenue"],
            name=name,
            marker_color=NEUTRAL if is_other else None,
            marker_pattern_shape=["/" if p else "" for p in rows["partial"]],
            hovertemplate=f"{plotly_text(name)}<br>%{{x|%b %Y}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    growth = f", {last_year / year_before - 1:+.0%} on the year before" if year_before else ""
    title = f"Revenue: {money(last_year, currency)} over the last 12 complete months{growth}"
    # The grey "Other (N products)" series names itself in the legend: said in the title too, the title ran off the
    # chart's half of the page at bench scale.
    fig.update_layout(barmode="stack", xaxis_title=None, yaxis_title=f"Revenue per month ({currency})")
    fig.update_yaxes(**money_axis(currency))
    fig.update_xaxes(dtick="M6" if present else "M3", tickformat="%b %Y")
    return styled(fig, present=present, title=title, height=420)


def forward_budget_by_program(frame, *, currency: str, present: bool) -> go.Figure:
    """Horizontal stacked bars: forward planned cost per program split by stage (from ``overview``)."""
    fig = go.Figure()
    programs = list(dict.fromkeys(frame["program"]))[::-1]
    for stage in FORWARD_STACK:
        # A program without this stage is a zero, not a gap: Plotly stops stacking a bar at a NaN, and a program
        # with no proposed work drew without its active spend (the bars fell short of the title's total).
        rows = frame[frame["stage"] == stage].set_index("program").reindex(programs).fillna({"forward_cost": 0})
        rows["projects"] = rows["projects"].fillna(0).astype(int)
        fig.add_bar(
            y=programs,
            x=rows["forward_cost"],
            name=stage_label(stage),
            orientation="h",
            marker_color=STAGE_COLOURS[stage],
            customdata=rows["projects"],
            hovertemplate=f"%{{y}} · {stage}: %{{x:,.0f}} {currency} (%{{customdata}} projects)<extra></extra>",
        )
    committed = frame.loc[frame["stage"].isin(COMMITTED_STAGES), "forward_cost"].sum()
    planned = frame["forward_cost"].sum()
    title = f"Forward spend: {money(planned, currency)} planned, {money(committed, currency)} committed"
    fig.update_layout(
        barmode="stack", yaxis_title=None, xaxis_title=f"Planned cost from the valuation date on ({currency})"
    )
    fig.update_xaxes(**money_axis(currency))
    return styled(fig, present=present, title=title, height=420)
