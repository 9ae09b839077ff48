"""Figures of the what-if page: the efficient frontier, budget and capacity use, and the simulated NPV.

They draw the frames of ``analytics.optimize`` and ``analytics.simulate``.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.charts.portfolio import capacity_heatmap
from analytics.charts.template import (
    BAD,
    GOOD,
    LEGEND_ABOVE,
    ROOM_TAB_CHART_PX,
    legend_above_margin,
    money_axis,
    styled,
)
from analytics.formatting import counted, money
from analytics.rules import TINY

FRONTIER_COLOUR = "#0072B2"
RANKING_COLOUR = "#E69F00"
CURRENT_COLOUR = "#D55E00"
STRATEGY_COLOUR = "#009E73"


def efficient_frontier(frontier, current: dict, *, currency: str, present: bool):
    """Draw the best portfolio at each budget (each point an exact optimum) beside the PPM suites' ranked list.

    ``frontier``: ``optimize.efficient_frontier`` rows (None while it is computed): ``rnpv`` of the exact optimum
    at each budget level, ``ranking_rnpv`` of projects ranked by value ÷ cost and taken in order under the same
    budget, capacity and dependencies. ``current``: the selection on screen, with ``budget`` and ``rnpv`` (money).
    Points not proven optimal are drawn hollow; levels the settings cannot meet are left out.

    Each point maximises the blended objective, not rNPV alone: with α > 0 a panel under the rNPV one draws each
    point's Σ strategic score, so a dip in rNPV (``rnpv_given_up``, see ``optimize.frontier_trades``) shows beside
    the strategic fit it bought; the title says from which budget, and every hover gives rNPV, strategic score and
    the objective together.
    """
    if frontier is not None:
        # Levels the settings cannot meet have no point; left in, their budgets stretched the axis past the curve.
        frontier = frontier[frontier["rnpv"].notna()]
    blended = frontier is not None and len(frontier) > 0 and float(frontier["alpha"].iloc[0]) > 0
    if blended:
        fig = make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.14 if present else 0.08
        )
    else:
        fig = go.Figure()
    on_top = {"row": 1, "col": 1} if blended else {}
    if frontier is not None and len(frontier):
        fig.add_scatter(
            x=frontier["budget"],
            y=frontier["ranking_rnpv"],
            mode="lines+markers",
            line={"color": RANKING_COLOUR, "dash": "dash"},
            marker={"size": 7 if present else 5},
            name="ranked list",
            customdata=frontier[["budget_pct"]].to_numpy(),
            hovertemplate=f"budget %{{customdata[0]:.0f}}% of plan<br>ranked list reaches rNPV %{{y:,.0f}} {currency}"
            "<extra></extra>",
            **on_top,
        )
        proven = frontier["status"] == "optimal"
        marker = {
            "size": 11 if present else 8,
            "color": ["#FFFFFF" if not p else FRONTIER_COLOUR for p in proven],
            "line": {"color": FRONTIER_COLOUR, "width": 2},
        }
        # rNPV, the strategic score and the objective they blend, together in every hover: never one alone.
        point = (
            f"budget %{{customdata[0]:.0f}}% of plan (%{{x:,.0f}} {currency})<br>"
            f"rNPV %{{customdata[3]:,.0f}} {currency} with %{{customdata[1]}} projects<br>"
            "strategic score %{customdata[4]:.2f} (Σ over the chosen)<br>"
            "blended objective %{customdata[5]:.3f} (α = %{customdata[6]:.2f}), the value maximised<br>"
            f"ranked list at this budget: %{{customdata[2]:,.0f}} {currency}<extra></extra>"
        )
        hover_data = frontier[
            ["budget_pct", "projects", "ranking_rnpv", "rnpv", "strategic_total", "value", "alpha"]
        ].to_numpy()
        fig.add_scatter(
            x=frontier["budget"],
            y=frontier["rnpv"],
            mode="lines+markers",
            name="exact optimum",
            line={"color": FRONTIER_COLOUR},
            marker=marker,
            customdata=hover_data,
            hovertemplate=point,
            **on_top,
        )
        if blended:
            fig.add_scatter(
                x=frontier["budget"],
                y=frontier["strategic_total"],
                mode="lines+markers",
                name="exact optimum",
                showlegend=False,
                line={"color": STRATEGY_COLOUR},
                marker={
                    **marker,
                    "color": ["#FFFFFF" if not p else STRATEGY_COLOUR for p in proven],
                    "line": {"color": STRATEGY_COLOUR, "width": 2},
                },
                customdata=hover_data,
                hovertemplate=point,
                row=2,
                col=1,
            )
    fig.add_scatter(
        x=[current["budget"]],
        y=[current["rnpv"]],
        mode="markers",
        name="these settings",
        marker={
            "symbol": "star",
            "size": 24 if present else 18,
            "color": CURRENT_COLOUR,
            "line": {"color": "#000000", "width": 1},
        },
        hovertemplate=f"these settings<br>budget %{{x:,.0f}} {currency}<br>rNPV %{{y:,.0f}} {currency}<extra></extra>",
        **on_top,
    )
    title = _frontier_title(frontier, currency, present)
    fig.update_layout(
        # Above the plot: below it, at room type, the legend printed over the x axis title.
        legend=LEGEND_ABOVE,
        # Beside the changes table the legend can take a second line: room for it under the title.
        margin={"t": legend_above_margin(present)["t"] + (30 if present else 24)},
    )
    # In a room the long axis title ran into the chart's title.
    rnpv_title = f"rNPV of the best portfolio ({currency})"
    if blended:
        rnpv_title = "rNPV" if present else f"rNPV ({currency})"
    elif present:
        rnpv_title = f"rNPV ({currency})"
    budget_title = f"Budget over the horizon ({currency})"
    if blended:
        fig.update_yaxes(title_text=rnpv_title, row=1, col=1, **money_axis(currency))
        # Short: a longer title ran past the lower panel's height into the rNPV one's.
        fig.update_yaxes(title_text="Strategy, Σ", title_font_size=15 if present else None, row=2, col=1)
        # A room's type leaves each panel room for three ticks: more printed over the other panel's.
        fig.update_yaxes(nticks=4 if present else None)
        fig.update_xaxes(title_text=budget_title, row=2, col=1)
        fig.update_xaxes(**money_axis(currency))
    else:
        fig.update_layout(xaxis_title=budget_title, yaxis_title=rnpv_title)
        fig.update_xaxes(**money_axis(currency))
        fig.update_yaxes(**money_axis(currency))
    if frontier is None or not len(frontier):
        # Until the sweep arrives, the point alone sits on the sweep's own scale (40-160 % of the budget), not on
        # an axis a thousandth wide.
        fig.update_xaxes(range=[0.35 * current["budget"], 1.65 * current["budget"]])
        # Likewise its height: a lone point gave an axis of "$28.513198M, $28.5131985M…".
        spread = max(0.1 * abs(current["rnpv"]), 1.0)
        fig.update_yaxes(range=[current["rnpv"] - spread, current["rnpv"] + spread])
    # Shorter in a room: the plan line and the tiles above it leave the frontier about 420 px of a 1080 px screen.
    return styled(fig, present=present, title=title, height=330 if present else 440)


def _frontier_title(frontier, currency: str, present: bool) -> str:
    """Word the frontier's finding: from which budget it buys strategy rather than rNPV, else what exactness buys."""
    if frontier is None or not len(frontier):
        return "Efficient frontier: the best portfolio at every budget"
    trades = frontier[frontier["rnpv_given_up"].notna()]
    if len(trades):
        # The finding in a few words (the caption under the chart says how much, and for what): half a desk's or a
        # projector's width holds about 45 characters of title.
        # "Past X %" only when every level above X gives up rNPV against it; else at the levels that do: at bench
        # scale rNPV dipped at one level and rose past X's again, and "past 110 %" claimed what the line did not do.
        start = trades["from_pct"].min()
        above = frontier.loc[(frontier["budget_pct"] > start) & frontier["rnpv"].notna(), "budget_pct"]
        if set(above) == set(trades.loc[trades["from_pct"] == start, "budget_pct"]):
            return f"Past {start:.0f}% of plan, budget buys strategy, not rNPV"
        first, more = trades["budget_pct"].iloc[0], len(trades) - 1
        where = f"At {first:.0f}% of plan" + (f" and {more} more level{'s' if more > 1 else ''}" if more else "")
        return f"{where}, budget buys strategy, not rNPV"
    gap = (frontier["rnpv"] - frontier["ranking_rnpv"]).dropna()
    if len(gap) and gap.max() > TINY:
        worst = frontier.loc[gap.idxmax()]
        if present:
            return f"Exact choice beats the ranked list by up to {money(gap.max(), currency)}"
        # Short enough for half a projector at room type (the longer wording ran off the chart there).
        return (
            f"Exact choice beats the ranked list by up to {money(gap.max(), currency)} (at {worst['budget_pct']:.0f}%)"
        )
    return "Efficient frontier: the best portfolio at every budget"


def budget_by_year(use, *, currency: str, present: bool):
    """Per fiscal year: the budget, what the selection spends and what the current plan spends."""
    years = [f"FY{int(y)}" for y in use["fiscal_year"]]
    fig = go.Figure()
    fig.add_bar(
        x=years,
        y=use["spend"],
        name="this selection",
        marker_color=GOOD,
        hovertemplate=f"%{{x}}: spends %{{y:,.0f}} {currency}<extra></extra>",
    )
    fig.add_bar(
        x=years,
        y=use["plan_spend"],
        name="current plan",
        marker_color="#BBBBBB",
        hovertemplate=f"%{{x}}: plan spends %{{y:,.0f}} {currency}<extra></extra>",
    )
    fig.add_scatter(
        x=years,
        y=use["budget"],
        name="budget",
        mode="markers",
        marker={"symbol": "line-ew", "size": 46 if present else 38, "line": {"width": 4, "color": BAD}},
        hovertemplate=f"%{{x}}: budget %{{y:,.0f}} {currency}<extra></extra>",
    )
    tightest = use.loc[use["utilisation"].idxmax()] if use["utilisation"].notna().any() else None
    title = "Budget use by fiscal year"
    if tightest is not None:
        title = f"Budget: FY{int(tightest['fiscal_year'])} is the tightest year at {tightest['utilisation']:.0%} used"
    fig.update_layout(barmode="group", xaxis_title=None, yaxis_title=f"{currency}")
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title=title, height=360, room_height=ROOM_TAB_CHART_PX)


def capacity_finding(cells) -> str:
    """Return the load of a team × month frame (``optimize.capacity_use``) in words: above capacity, beyond the limit.

    The limit is capacity plus flex (and the plan's own bookings, which a selection may keep): a team-month above
    100 % but within it is allowed, and is said so, not counted as fitting.
    """
    above = int((cells["demand_fte"] > cells["capacity_fte"] + TINY).sum())
    beyond = int((cells["demand_fte"] > cells["limit_fte"] + TINY).sum())
    if not above:
        return "every team within its capacity"
    text = f"{counted(above, 'team-month')} above capacity"
    return text + (f", {beyond} beyond the limit" if beyond else ", within flex and the plan's own bookings")


def selection_capacity(cells, *, present: bool):
    """Team × month use of capacity by the selection (``optimize.capacity_use``); above 100 % in orange."""
    # "fits every team" stood over orange cells of 115-123 %: within flex, but above capacity all the same.
    title = f"Capacity over {cells['period'].nunique()} months: {capacity_finding(cells)}"
    return capacity_heatmap(cells, present=present, title=title, room_height=ROOM_TAB_CHART_PX)


def capacity_before_after(before, after, *, present: bool):
    """Two team × month heatmaps of ``capacity_heatmap``: the plan at its planned starts, then the schedule.

    ``before`` and ``after`` are ``optimize.capacity_before_after``'s frames; each title counts its team-months
    above capacity (with flex), and those beyond the limit (which lets the plan keep its own over-booking), so the
    room reads what the start shifts did to the load.
    """
    return (
        capacity_heatmap(
            before,
            present=present,
            title=f"Before, the plan as planned: {capacity_finding(before)}",
            room_height=ROOM_TAB_CHART_PX,
        ),
        capacity_heatmap(
            after,
            present=present,
            title=f"After, this schedule's starts: {capacity_finding(after)}",
            room_height=ROOM_TAB_CHART_PX,
        ),
    )


def npv_distribution(simulation, *, currency: str, present: bool):
    """Histogram of the portfolio's simulated NPV with P10, P50 and P90 marked and losses in vermillion."""
    counts, edges = simulation.histogram(bins=50)
    centres = (edges[:-1] + edges[1:]) / 2
    share = counts / max(simulation.trials, 1)
    fig = go.Figure(
        go.Bar(
            x=centres,
            y=share,
            width=edges[1:] - edges[:-1],
            marker_color=[BAD if c < 0 else GOOD for c in centres],
            marker_line_width=0,
            hovertemplate=f"NPV about %{{x:,.0f}} {currency}: %{{y:.1%}} of trials<extra></extra>",
        )
    )
    for label, value in (("P10", simulation.p10), ("P50", simulation.p50), ("P90", simulation.p90)):
        fig.add_vline(
            x=value,
            line={"color": "#000000", "dash": "dot", "width": 1.5},
            annotation_text=f"{label} {money(value, currency)}",
            annotation_position="top",
        )
    title = (
        f"Uncertainty: {simulation.prob_negative:.0%} chance the portfolio loses money; "
        f"P50 {money(simulation.p50, currency)}"
    )
    fig.update_layout(
        xaxis_title=f"Portfolio NPV ({currency}, {simulation.trials:,} trials)",
        yaxis_title="Share of trials",
        showlegend=False,
        bargap=0,
        margin={"t": 90},
    )
    fig.update_xaxes(**money_axis(currency))
    fig.update_yaxes(tickformat=".0%")
    return styled(fig, present=present, title=title, height=380, room_height=ROOM_TAB_CHART_PX)
