"""Plotly figure builders and the one template every chart uses, plain and for presentation.

The palette is Okabe-Ito, chosen because it stays distinguishable for the common colour-vision
deficiencies; "good" and "bad" are blue and vermillion rather than green and red for the same reason.
Builders take tidy frames from the analytics modules and return ``go.Figure``; they never query the store.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from analytics.formatting import CURRENCY_SYMBOLS, money

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GOOD = "#0072B2"
BAD = "#D55E00"
NEUTRAL = "#8C8C8C"
HEALTH_COLOURS = {"green": "#009E73", "amber": "#E69F00", "red": "#D55E00", "unknown": NEUTRAL}
SEQUENTIAL = ("#F7FBFF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B")
DIVERGING = ("#0072B2", "#9ECAE1", "#F7F7F7", "#FDAE6B", "#D55E00")

FONT_FAMILY = "Source Sans, Source Sans Pro, Helvetica Neue, Arial, sans-serif"  # Streamlit serves "Source Sans"
TEMPLATE = "quarterdeck"
TEMPLATE_PRESENT = "quarterdeck_present"


def _template(font_size: int, line_width: float, title_size: int) -> go.layout.Template:
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": FONT_FAMILY, "size": font_size, "color": "#1F2933"},
        title={"font": {"size": title_size, "color": "#102A43"}, "x": 0.005, "xanchor": "left", "xref": "container"},
        colorway=list(OKABE_ITO),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 56 + (title_size - 18), "b": 10},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": font_size}},
        # A legend beside the plot never collides with a long, finding-stating title.
        legend={
            "orientation": "v",
            "yanchor": "top",
            "y": 1,
            "xanchor": "left",
            "x": 1.01,
            "title": None,
            "font": {"size": font_size - 1},
        },
        xaxis={
            "showgrid": False,
            "linecolor": "#9AA5B1",
            "ticks": "outside",
            "tickcolor": "#9AA5B1",
            "automargin": True,
            "title": {"standoff": 8},
        },
        yaxis={"gridcolor": "#E4E7EB", "zerolinecolor": "#9AA5B1", "automargin": True, "title": {"standoff": 8}},
        colorscale={
            "sequential": [[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
            "diverging": [[i / (len(DIVERGING) - 1), c] for i, c in enumerate(DIVERGING)],
        },
    )
    template.data.scatter = [go.Scatter(line={"width": line_width}, marker={"size": 4 + line_width * 2})]
    template.data.bar = [go.Bar(marker={"line": {"width": 0}})]
    return template


def register_templates() -> None:
    """Register the plain and presentation templates with Plotly, once per process (building one takes ~40 ms)."""
    if TEMPLATE not in pio.templates:
        pio.templates[TEMPLATE] = _template(font_size=14, line_width=2.0, title_size=18)
    if TEMPLATE_PRESENT not in pio.templates:
        pio.templates[TEMPLATE_PRESENT] = _template(font_size=20, line_width=3.5, title_size=26)


def template_name(present: bool) -> str:
    """Return the template to draw with: the presentation one when the room is watching."""
    register_templates()
    return TEMPLATE_PRESENT if present else TEMPLATE


def styled(fig: go.Figure, *, present: bool, title: str, height: int | None = None) -> go.Figure:
    """Apply the shared template, the finding-stating title and a height scaled for presentation."""
    fig.update_layout(template=template_name(present), title={"text": title})
    if height:
        fig.update_layout(height=int(height * (1.25 if present else 1.0)))
    return fig


def money_axis(currency: str) -> dict:
    """Axis settings that print amounts as money (``$1.2M``) in the store's currency."""
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    # Plotly's own number format with exponentformat "B": SI suffixes, but B (not G) for billions.
    return {"tickprefix": symbol, "tickformat": "", "exponentformat": "B", "hoverformat": ",.0f"}


def revenue_by_product(frame, *, currency: str, present: bool) -> go.Figure:
    """Stacked monthly revenue per product; the current, partial month is drawn hatched and labelled as such.

    ``frame`` has columns period, product_id, name, revenue, partial (``overview.monthly_revenue_by_product``).
    """
    fig = go.Figure()
    totals = frame.groupby("period")["revenue"].sum()
    complete = totals[~frame.groupby("period")["partial"].any()]
    last_year, year_before = complete.iloc[-12:].sum(), complete.iloc[-24:-12].sum()
    for name, rows in frame.groupby("name", sort=False):
        fig.add_bar(
            x=rows["period"],
            y=rows["revenue"],
            name=name,
            marker_pattern_shape=["/" if p else "" for p in rows["partial"]],
            hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:,.0f}} {currency}<extra></extra>",
        )
    growth = f", {last_year / year_before - 1:+.0%} on the year before" if year_before else ""
    title = f"Revenue: {money(last_year, currency)} over the last 12 complete months{growth}"
    fig.update_layout(barmode="stack", xaxis_title=None, yaxis_title=f"Revenue per month ({currency})")
    fig.update_yaxes(**money_axis(currency))
    fig.update_xaxes(dtick="M6" if present else "M3", tickformat="%b %Y")
    return styled(fig, present=present, title=title, height=420)


STAGE_COLOURS = {
    "active": "#0072B2",
    "approved": "#56B4E9",
    "proposed": "#BBBBBB",
    "on_hold": "#E69F00",
    "completed": "#009E73",
    "cancelled": "#D55E00",
}


def forward_budget_by_program(frame, *, currency: str, present: bool) -> go.Figure:
    """Horizontal stacked bars: forward planned cost per program split by stage (from ``overview``)."""
    fig = go.Figure()
    programs = list(dict.fromkeys(frame["program"]))[::-1]
    for stage in ("active", "approved", "on_hold", "proposed"):
        rows = frame[frame["stage"] == stage].set_index("program").reindex(programs)
        fig.add_bar(
            y=programs,
            x=rows["forward_cost"],
            name=stage.replace("_", " "),
            orientation="h",
            marker_color=STAGE_COLOURS[stage],
            customdata=rows["projects"],
            hovertemplate=f"%{{y}} · {stage}: %{{x:,.0f}} {currency} (%{{customdata}} projects)<extra></extra>",
        )
    committed = frame.loc[frame["stage"].isin(["active", "approved"]), "forward_cost"].sum()
    planned = frame["forward_cost"].sum()
    title = f"Forward spend: {money(planned, currency)} planned, {money(committed, currency)} committed"
    fig.update_layout(
        barmode="stack", yaxis_title=None, xaxis_title=f"Planned cost from the valuation date on ({currency})"
    )
    fig.update_xaxes(**money_axis(currency))
    return styled(fig, present=present, title=title, height=420)


# -- Portfolio ---------------------------------------------------------------------------------------------------


def _money_hover(currency: str) -> str:
    return f"%{{y:,.0f}} {currency}"


def value_map(frame, *, currency: str, present: bool, colour_by: str = "stage", selected: str | None = None):
    """Bubble chart of rNPV against strategic score, bubble area ∝ forward cost; one trace per stage or health.

    ``frame``: ``portfolio.project_table`` rows. Each point's ``customdata[0]`` is its project_id so a selection
    event names the project.
    """
    fig = go.Figure()
    palette = STAGE_COLOURS if colour_by == "stage" else HEALTH_COLOURS
    largest = max(float(frame["forward_cost"].max() or 0), 1.0)
    # A hundred bubbles can be big; two thousand must shrink or they hide one another.
    crowding = min(1.0, (80 / max(len(frame), 1)) ** 0.5)
    groups = frame.assign(group=frame[colour_by].fillna("unknown"))
    order = [g for g in palette if g in set(groups["group"])] + sorted(set(groups["group"]) - set(palette))
    for group in order:
        rows = groups[groups["group"] == group]
        size = 6 + 54 * crowding * (rows["forward_cost"].clip(lower=0) / largest) ** 0.5
        fig.add_scatter(
            x=rows["strategic_score"],
            y=rows["rnpv"],
            mode="markers",
            name=str(group).replace("_", " "),
            marker={
                "size": size * (1.2 if present else 1.0),
                "color": palette.get(group, NEUTRAL),
                "opacity": 0.78 if crowding == 1.0 else 0.6,
                "line": {
                    "width": [3 if p == selected else 0.5 for p in rows["project_id"]],
                    "color": ["#000000" if p == selected else "#FFFFFF" for p in rows["project_id"]],
                },
            },
            customdata=rows[["project_id", "name", "forward_cost"]].to_numpy(),
            hovertemplate=(
                "%{customdata[0]} %{customdata[1]}<br>rNPV %{y:,.0f} "
                + currency
                + "<br>strategic score %{x:.2f}<br>forward cost %{customdata[2]:,.0f} "
                + currency
                + "<extra></extra>"
            ),
        )
    fig.add_hline(y=0, line={"color": NEUTRAL, "width": 1, "dash": "dot"})
    top = frame.nlargest(1, "rnpv")
    title = "Value against strategy: bigger bubbles spend more from now on"
    if len(top):
        title = f"Value against strategy: {top.iloc[0]['name']} carries the most risk-adjusted value"
    fig.update_layout(
        xaxis_title="Strategic score (0 = serves no objective, 1 = all, fully)",
        yaxis_title=f"rNPV ({currency}, risk-adjusted, forward)",
        # Click picks a bubble; dragmode "select" would swallow the click (Streamlit gets no point).
        clickmode="event+select",
    )
    fig.update_yaxes(**money_axis(currency))
    low, high = float(frame["strategic_score"].min()), float(frame["strategic_score"].max())
    fig.update_xaxes(range=[max(-0.03, low - 0.05), min(1.03, high + 0.05)])
    return styled(fig, present=present, title=title, height=520)


def project_cashflow(frame, *, currency: str, present: bool, as_of, title: str):
    """Monthly cost (down) and benefit (up) bars with the cumulative net line; a line marks the valuation date."""
    fig = go.Figure()
    fig.add_bar(
        x=frame["period"],
        y=-frame["cost"],
        name="cost",
        marker_color=BAD,
        hovertemplate="%{x|%b %Y}: cost %{customdata:,.0f}<extra></extra>",
        customdata=frame["cost"],
    )
    fig.add_bar(
        x=frame["period"],
        y=frame["benefit"],
        name="benefit",
        marker_color=GOOD,
        hovertemplate="%{x|%b %Y}: benefit %{y:,.0f}<extra></extra>",
    )
    fig.add_scatter(
        x=frame["period"], y=frame["cumulative_net"], name="cumulative net", mode="lines", line={"color": "#000000"}
    )
    fig.add_vline(x=as_of, line={"color": NEUTRAL, "dash": "dot"})
    fig.update_layout(barmode="relative", yaxis_title=f"{currency} per month", xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title=title, height=360)


def evm_s_curve(frame, *, currency: str, present: bool, title: str):
    """Planned value, earned value and actual cost over the project's progress snapshots (the EVM S-curve)."""
    fig = go.Figure()
    for column, label, colour in (
        ("planned_value", "planned value (PV)", NEUTRAL),
        ("earned_value", "earned value (EV)", GOOD),
        ("actual_cost", "actual cost (AC)", BAD),
    ):
        fig.add_scatter(x=frame["as_of"], y=frame[column], name=label, mode="lines+markers", line={"color": colour})
    fig.update_layout(yaxis_title=f"Cumulative {currency}", xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title=title, height=360)


def alignment_heatmap(matrix, *, present: bool):
    """Projects × objectives scores 0–5, darker = stronger; rows as given (``portfolio.alignment_matrix``)."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=list(matrix.columns),
            y=list(matrix.index),
            zmin=0,
            zmax=5,
            colorscale="Blues",
            colorbar={"title": "score"},
            xgap=1,
            ygap=1,
            hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 11 if not present else 14})
    fig.update_xaxes(side="top")
    height = max(420, 18 * len(matrix) + 160)
    return styled(fig, present=present, title="Which objectives each live project serves (0–5)", height=height)


def investment_bars(frame, label: str, *, currency: str, present: bool, title: str):
    """Horizontal bars of forward cost per ``label`` (objective or product), largest on top."""
    fig = go.Figure(
        go.Bar(
            y=frame[label],
            x=frame["forward_cost"],
            orientation="h",
            marker_color=OKABE_ITO[0],
            customdata=frame["projects"],
            hovertemplate=f"%{{y}}: %{{x:,.0f}} {currency} (%{{customdata}} projects)<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=f"Forward cost ({currency})", **money_axis(currency))
    return styled(fig, present=present, title=title, height=max(300, 44 * len(frame) + 120))


def capacity_heatmap(cells, *, present: bool, title: str | None = None):
    """Team × month utilisation of committed demand against capacity; over 100 % shows in vermillion.

    ``title`` replaces the default, which counts the over-booked team-months of ``cells["overbooked"]``.
    """
    pivot = cells.pivot_table(index="team", columns="period", values="utilisation", aggfunc="first")
    z = pivot.to_numpy() * 100
    text = [[("" if v != v else f"{v:.0f}") for v in row] for row in z]
    scale = [[0, "#F7FBFF"], [0.45, "#9ECAE1"], [0.6, "#2171B5"], [0.6667, "#FDAE6B"], [1, "#D55E00"]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(pivot.columns),
            y=list(pivot.index),
            zmin=0,
            zmax=150,
            colorscale=scale,
            text=text,
            texttemplate="%{text}",
            xgap=2,
            ygap=2,
            colorbar={"title": "% used", "ticksuffix": "%"},
            hovertemplate="%{y}, %{x|%b %Y}: %{z:.0f}% of capacity<extra></extra>",
        )
    )
    if title is None:
        over = int(cells["overbooked"].sum())
        title = f"Capacity: {over} team-months over-booked in the next {cells['period'].nunique()} months"
    fig.update_xaxes(tickformat="%b %y", dtick="M1" if not present else "M2")
    return styled(fig, present=present, title=title, height=max(360, 40 * len(pivot) + 140))


def team_load(cells, team: str, *, present: bool):
    """One team's committed and proposed demand stacked against its capacity line, per month."""
    rows = cells[cells["team"] == team]
    fig = go.Figure()
    fig.add_bar(x=rows["period"], y=rows["committed_fte"], name="committed (approved + active)", marker_color=GOOD)
    fig.add_bar(x=rows["period"], y=rows["proposed_fte"], name="proposed", marker_color="#BBBBBB")
    fig.add_scatter(
        x=rows["period"], y=rows["capacity_fte"], name="capacity", mode="lines", line={"color": BAD, "shape": "hv"}
    )
    fig.update_layout(barmode="stack", yaxis_title="FTE", xaxis_title=None)
    peak = (rows["committed_fte"] / rows["capacity_fte"].where(rows["capacity_fte"] > 0)).max()
    title = f"{team}: committed work peaks at {peak:.0%} of capacity" if peak == peak else f"{team}: no capacity"
    return styled(fig, present=present, title=title, height=380)


def risk_matrix_heatmap(cells, *, present: bool):
    """Draw the 5×5 probability × impact matrix: colour = exposure, text = number of risks."""
    z = cells.pivot(index="probability_bin", columns="impact", values="exposure").to_numpy()
    counts = cells.pivot(index="probability_bin", columns="impact", values="risks").to_numpy()
    labels = ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[1, 2, 3, 4, 5],
            y=labels,
            colorscale=[[0, "#FFFFFF"], [1, BAD]],
            text=[[f"{int(c)}" if c else "" for c in row] for row in counts],
            texttemplate="%{text}",
            textfont={"size": 22 if present else 16},
            xgap=3,
            ygap=3,
            colorbar={"title": "exposure"},
            hovertemplate="probability %{y}, impact %{x}: %{text} risks, exposure %{z:.1f}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title="Impact (1 = minor, 5 = severe)", yaxis_title="Probability")
    return styled(
        fig, present=present, title=f"{int(cells['risks'].sum())} open risks by probability and impact", height=440
    )


def dependency_network(nodes, edges, *, present: bool, highlight: set | None = None):
    """Draw the layered dependency graph: prerequisites left, dependants right; highlighted nodes ringed."""
    highlight = highlight or set()
    fig = go.Figure()
    xs, ys = [], []
    for row in edges.itertuples(index=False):
        xs += [row.x0, (row.x0 + row.x1) / 2, row.x1, None]
        ys += [row.y0, (row.y0 + row.y1) / 2, row.y1, None]
    fig.add_scatter(
        x=xs, y=ys, mode="lines", line={"color": "#B8C2CC", "width": 1.2}, hoverinfo="skip", showlegend=False
    )
    for stage, rows in nodes.groupby("stage", sort=False):
        fig.add_scatter(
            x=rows["x"],
            y=rows["y"],
            mode="markers+text",
            name=stage.replace("_", " "),
            text=rows["project_id"],
            textposition="middle right",
            textfont={"size": 13 if present else 10},
            marker={
                "size": 16 if present else 12,
                "color": STAGE_COLOURS.get(stage, NEUTRAL),
                "line": {
                    "width": [3 if p in highlight else 0.5 for p in rows["project_id"]],
                    "color": ["#000000" if p in highlight else "#FFFFFF" for p in rows["project_id"]],
                },
            },
            customdata=rows[["project_id", "name"]].to_numpy(),
            hovertemplate="%{customdata[0]} %{customdata[1]}<extra></extra>",
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    layers = int(nodes["layer"].max()) + 1 if len(nodes) else 0
    title = f"Dependencies: {len(edges)} links among {len(nodes)} projects, chains up to {layers} deep"
    height = max(460, 30 * int(nodes.groupby("layer").size().max() if len(nodes) else 0) + 120)
    return styled(fig, present=present, title=title, height=height)


def cpi_spi_quadrant(frame, *, present: bool):
    """CPI against SPI per project with a snapshot; the green box is ≥ 0.95 on both, the amber band ≥ 0.85."""
    rows = frame.dropna(subset=["cpi", "spi"])
    fig = go.Figure()
    fig.add_shape(type="rect", x0=0.95, y0=0.95, x1=1.3, y1=1.3, fillcolor="#009E73", opacity=0.08, line_width=0)
    fig.add_shape(type="rect", x0=0.5, y0=0.5, x1=0.85, y1=1.3, fillcolor="#D55E00", opacity=0.06, line_width=0)
    fig.add_shape(type="rect", x0=0.85, y0=0.5, x1=1.3, y1=0.85, fillcolor="#D55E00", opacity=0.06, line_width=0)
    labelled = rows.assign(h=rows["health"].fillna("unknown"))
    # Labels for a readable few: all of them up to 40 points, else the 12 furthest behind plan (hover names all).
    labelled["label"] = labelled["project_id"]
    if len(labelled) > 40:
        furthest = labelled[["cpi", "spi"]].min(axis=1).nsmallest(12).index
        labelled["label"] = labelled["project_id"].where(labelled.index.isin(furthest), "")
    for health in [h for h in HEALTH_COLOURS if h in set(labelled["h"])]:
        group = labelled[labelled["h"] == health]
        fig.add_scatter(
            x=group["spi"],
            y=group["cpi"],
            mode="markers+text",
            text=group["label"],
            textposition="top center",
            name=health,
            textfont={"size": 12 if present else 9},
            marker={
                "size": 13 if present else 10,
                "color": HEALTH_COLOURS.get(health, NEUTRAL),
                "opacity": 1.0 if len(labelled) <= 40 else 0.7,
            },
            customdata=group[["project_id", "name"]].to_numpy(),
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>SPI %{x:.2f}, CPI %{y:.2f}<extra></extra>",
        )
    fig.add_vline(x=1, line={"color": NEUTRAL, "dash": "dot"})
    fig.add_hline(y=1, line={"color": NEUTRAL, "dash": "dot"})
    behind = int(((rows["cpi"] < 0.95) | (rows["spi"] < 0.95)).sum())
    fig.update_layout(
        xaxis_title="SPI = EV / PV (schedule; < 1 is late)", yaxis_title="CPI = EV / AC (cost; < 1 is over budget)"
    )
    fig.update_xaxes(range=[0.6, 1.2])
    fig.update_yaxes(range=[0.6, 1.2])
    return styled(
        fig, present=present, title=f"Health: {behind} of {len(rows)} tracked projects behind plan", height=480
    )


def portfolio_cash_flow(frame, *, currency: str, present: bool, as_of):
    """Monthly planned cost and benefit of the live portfolio with the cumulative net line."""
    fig = go.Figure()
    fig.add_bar(x=frame["period"], y=-frame["cost"], name="cost", marker_color=BAD)
    fig.add_bar(x=frame["period"], y=frame["benefit"], name="benefit", marker_color=GOOD)
    fig.add_scatter(
        x=frame["period"],
        y=frame["cumulative_net"],
        name="cumulative net",
        mode="lines",
        line={"color": "#000000"},
        yaxis="y2",
    )
    fig.add_vline(x=as_of, line={"color": NEUTRAL, "dash": "dot"})
    turn = frame[frame["cumulative_net"] >= 0]
    title = "Portfolio cash flow: the live plan never pays back"
    if len(turn):
        title = f"Portfolio cash flow: the live plan is cash-positive from {turn.iloc[0]['period']:%b %Y}"
    monthly = _zero_aligned_range(-frame["cost"].max(), frame["benefit"].max(), *_range_of(frame["cumulative_net"]))
    fig.update_layout(barmode="relative", legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"})
    fig.update_yaxes(title=f"{currency} per month", range=monthly[0], **money_axis(currency))
    fig.update_layout(
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": f"Cumulative net ({currency})",
            "showgrid": False,
            "zeroline": False,
            "range": monthly[1],
            "tickmode": "auto",
            "nticks": 6,
            **money_axis(currency),
        }
    )
    return styled(fig, present=present, title=title, height=440)


def _range_of(values) -> tuple[float, float]:
    return float(min(values.min(), 0.0)), float(max(values.max(), 0.0))


def _zero_aligned_range(low_1: float, high_1: float, low_2: float, high_2: float) -> tuple[list, list]:
    """Return ranges for two y axes, each padded 8 %, whose zeros sit at the same height.

    Otherwise the bars' zero and the line's zero disagree and a reader takes a loss for a gain.
    """
    low_1, high_1 = min(low_1, 0.0) * 1.08, max(high_1, 0.0) * 1.08
    low_2, high_2 = low_2 * 1.08, high_2 * 1.08
    # The share of each axis below zero; both axes take the larger share.
    below = max(-low_1 / ((high_1 - low_1) or 1.0), -low_2 / ((high_2 - low_2) or 1.0))
    # An axis with nothing above zero still keeps a sliver above it for the other axis's positives.
    below = min(below, 0.9)

    def stretch(low: float, high: float) -> list:
        span = max(high / (1 - below), -low / below if below > 0 else 0.0, 1.0)
        return [-below * span, (1 - below) * span]

    return stretch(low_1, high_1), stretch(low_2, high_2)


def pipeline(frame, *, currency: str, present: bool):
    """Forward cost per stage in pipeline order, with project counts and rNPV in the hover."""
    fig = go.Figure(
        go.Bar(
            x=[s.replace("_", " ") for s in frame["stage"]],
            y=frame["forward_cost"],
            marker_color=[STAGE_COLOURS.get(s, NEUTRAL) for s in frame["stage"]],
            customdata=frame[["projects", "rnpv"]].to_numpy(),
            text=[f"{int(n)} projects" for n in frame["projects"]],
            textposition="outside",
            hovertemplate=f"%{{x}}: %{{y:,.0f}} {currency} forward, %{{customdata[0]}} projects, "
            f"rNPV %{{customdata[1]:,.0f}}<extra></extra>",
        )
    )
    fig.update_layout(yaxis_title=f"Forward cost ({currency})", xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title="Pipeline: forward cost by stage", height=380)


# ---- Product view (analytics.product) ---------------------------------------------------------------------------

STATUS_COLOURS = {
    "shipped": "#0072B2",
    "in_progress": "#56B4E9",
    "planned": "#E69F00",
    "idea": "#BBBBBB",
    "dropped": "#DDDDDD",
}
TARGET_COLOUR = "#E69F00"


def plain(text) -> str:
    """Escape store text (a theme, a feature title) so that Plotly shows it as typed.

    Plotly reads ``<b>``, ``<a href>`` and the like in titles, labels and hovers as markup; text from the store
    or an upload must never render as HTML.
    """
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_columns(frame, columns):
    return frame.assign(**{c: frame[c].map(plain) for c in columns if c in frame})


def _period_ticks(fig: go.Figure, grain: str, count: int) -> None:
    """Ticks on period starts, named like the period ("Aug 2026"), every period while they fit, else fewer."""
    if grain in ("month", "quarter"):
        months = (1 if grain == "month" else 3) * (1 if count <= 8 else 3 if grain == "month" else 2)
        fig.update_xaxes(dtick=f"M{months}", tickformat="%b %Y")


def _value_axis(unit: str | None, currency: str) -> dict:
    """Axis settings for a KPI's unit: money, percent points, or plain counts with SI suffixes."""
    if unit == currency or unit in CURRENCY_SYMBOLS:
        return money_axis(currency)
    if unit == "%":
        return {"ticksuffix": "%", "hoverformat": ".2f"}
    return {"tickformat": "~s", "hoverformat": ",.0f"}


def kpi_trend(
    frame,
    ships,
    *,
    label: str,
    unit: str | None,
    currency: str,
    present: bool,
    comparison_label: str,
    title: str,
    grain: str = "month",
):
    """Draw one KPI per period against its comparison window, its target and the releases.

    The window is solid, the comparison window dashed (aligned period by period), the target dotted, and a marker
    on top stands for each feature that shipped, so a jump can be read against a release.

    ``frame``: one metric's rows of ``product.kpi_trends``; ``ships``: ``product.shipped_features``. Periods the
    window cuts are drawn hollow: their sums cover only the days inside it.
    """
    ships = _plain_columns(ships, ["feature_id", "title"])
    partial = frame["partial"].to_numpy()
    # A period the window cuts holds only some of its days: its sum would draw a cliff at each end of the line.
    # With at least two whole periods, lines join whole periods only and a cut one is a hollow point on its own.
    cut = partial if (~partial).sum() >= 2 else partial & False
    fig = go.Figure()
    fig.add_scatter(
        x=frame["period"],
        y=frame["comparison"].where(~cut),
        name=comparison_label,
        mode="lines",
        line={"color": NEUTRAL, "dash": "dash"},
        customdata=frame["comparison_period"],
        hovertemplate=f"{comparison_label}: %{{y}} (%{{customdata|%d %b %Y}})<extra></extra>",
    )
    fig.add_scatter(
        x=frame["period"],
        y=frame["target"].where(~cut),
        name="target",
        mode="lines",
        line={"color": TARGET_COLOUR, "dash": "dot"},
        hovertemplate="target: %{y}<extra></extra>",
    )
    fig.add_scatter(
        x=frame["period"],
        y=frame["value"].where(~cut),
        name=label,
        mode="lines+markers",
        line={"color": GOOD},
        marker={
            "color": ["#FFFFFF" if p else GOOD for p in partial],
            "line": {"color": GOOD, "width": 2},
            "size": 9 if present else 7,
        },
        hovertemplate=f"{label}, %{{x|%d %b %Y}}: %{{y}}<extra></extra>",
    )
    if cut.any():
        fig.add_scatter(
            x=frame["period"][cut],
            y=frame["value"][cut],
            name="part of a period",
            mode="markers",
            marker={"color": "#FFFFFF", "line": {"color": GOOD, "width": 2}, "size": 9 if present else 7},
            hovertemplate=f"{label}, %{{x|%d %b %Y}}: %{{y}} (only the days inside the window)<extra></extra>",
        )
    if len(ships):
        # All release lines as one trace of vertical segments: a shape per release costs a rerun dearly.
        xs = [x for day in ships["shipped_on"] for x in (day, day, None)]
        fig.add_scatter(
            x=xs,
            y=[0, 1, None] * len(ships),
            yaxis="y2",
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            line={"color": "#9AA5B1", "width": 1, "dash": "dot"},
        )
        fig.add_scatter(
            x=ships["shipped_on"],
            y=[1.0] * len(ships),
            yaxis="y2",
            mode="markers",
            name="shipped",
            marker={"symbol": "triangle-down", "size": 13 if present else 10, "color": "#009E73"},
            customdata=ships[["feature_id", "title"]].to_numpy(),
            hovertemplate="shipped %{x|%d %b %Y}: %{customdata[0]} %{customdata[1]}<extra></extra>",
        )
    fig.update_layout(
        yaxis2={"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True},
        xaxis_title=None,
        yaxis_title=f"{label} ({unit})" if unit else label,
        hovermode="closest",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
    )
    fig.update_yaxes(**_value_axis(unit, currency), rangemode="tozero" if unit != "%" else "normal")
    _period_ticks(fig, grain, len(frame))
    fig.update_layout(margin={"t": 96 if present else 78})
    return styled(fig, present=present, title=title, height=360)


def nps_mix(voice, *, present: bool, title: str, grain: str = "month"):
    """Share of promoters, passives and detractors per period (stacked to 100 %) with the NPS line on the right."""
    fig = go.Figure()
    answers = voice["nps_answers"].where(voice["nps_answers"] > 0)
    for column, name, colour in (
        ("detractors", "detractors (0–6)", BAD),
        ("passives", "passives (7–8)", "#C8CDD2"),
        ("promoters", "promoters (9–10)", GOOD),
    ):
        fig.add_bar(
            x=voice["period"],
            y=100 * voice[column] / answers,
            name=name,
            marker_color=colour,
            customdata=voice[column],
            hovertemplate=f"{name}: %{{y:.0f}}% (%{{customdata}} answers)<extra></extra>",
        )
    fig.add_scatter(
        x=voice["period"],
        y=voice["nps"],
        name="NPS",
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#000000"},
        customdata=voice["nps_answers"],
        hovertemplate="NPS %{y:+.0f} from %{customdata} answers<extra></extra>",
    )
    fig.update_layout(
        barmode="stack",
        xaxis_title=None,
        yaxis={"title": "Share of answers", "ticksuffix": "%", "range": [0, 100]},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [-100, 100],
            "title": "NPS",
            "showgrid": False,
            "zeroline": True,
            "zerolinecolor": "#9AA5B1",
            "tickformat": "+d",
        },
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
    )
    _period_ticks(fig, grain, len(voice))
    fig.update_layout(margin={"t": 96 if present else 78})
    return styled(fig, present=present, title=title, height=380)


def csat_trend(voice, target: float | None, *, present: bool, title: str, grain: str = "month"):
    """CSAT per period (share of answers scoring 4–5) with the number of answers in the hover and the target."""
    rows = voice.dropna(subset=["csat"])
    fig = go.Figure()
    fig.add_scatter(
        x=rows["period"],
        y=rows["csat"],
        name="CSAT",
        mode="lines+markers",
        line={"color": GOOD},
        customdata=rows["csat_answers"],
        hovertemplate="%{x|%d %b %Y}: %{y:.0f}% satisfied of %{customdata} answers<extra></extra>",
    )
    if target is not None and target == target:
        fig.add_hline(
            y=target,
            line={"color": TARGET_COLOUR, "dash": "dot"},
            annotation_text=f"target {target:.0f}%",
            annotation_position="top right",
        )
    _period_ticks(fig, grain, len(rows))
    fig.update_layout(
        xaxis_title=None, yaxis={"title": "Answers scoring 4–5", "ticksuffix": "%", "range": [0, 103]}, showlegend=False
    )
    return styled(fig, present=present, title=title, height=380)


def theme_ranking(themes, column: str, *, present: bool, title: str, axis_title: str, value_format: str):
    """Horizontal bars of feedback themes ranked by ``column`` (volume or average score), the largest on top."""
    themes = _plain_columns(themes, ["theme"])
    rows = themes.dropna(subset=[column]).sort_values(column, ascending=False)
    colours = GOOD
    if column != "answers":
        # Blue above the product's own average score, vermillion below: which themes pull it down.
        overall = (themes[column] * themes["answers"]).sum() / max(themes["answers"].sum(), 1)
        colours = [GOOD if v >= overall else BAD for v in rows[column]]
    fig = go.Figure(
        go.Bar(
            y=rows["theme"],
            x=rows[column],
            orientation="h",
            marker_color=colours,
            text=[format(v, value_format) for v in rows[column]],
            textposition="outside",
            cliponaxis=False,
            customdata=rows[["answers", "nps", "csat"]].to_numpy(),
            hovertemplate="%{y}: %{customdata[0]} answers, NPS %{customdata[1]:+.0f}, CSAT %{customdata[2]:.0f}%"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=axis_title, showgrid=True, gridcolor="#E4E7EB")
    return styled(fig, present=present, title=title, height=max(300, 40 * len(rows) + 130))


def retention_heatmap(matrix, *, present: bool):
    """Cohort month × months since signup, retention in each cell; cells a cohort has not reached are left blank.

    ``matrix``: ``product.retention_matrix``. Only mature cells are drawn: an immature one is unknown, not 0 %.
    """
    mature = matrix[matrix["mature"]]
    pivot = mature.pivot_table(index="cohort_month", columns="month_offset", values="retention", aggfunc="first")
    sizes = mature.groupby("cohort_month")["cohort_size"].first().reindex(pivot.index)
    z = pivot.to_numpy() * 100
    text = [["" if v != v else f"{v:.0f}" for v in row] for row in z]
    labels = [f"{m:%b %Y} · {int(n):,}" for m, n in zip(pivot.index, sizes, strict=True)]
    # Start the colour scale a little below the lowest retention so the cells that matter are not all one blue.
    low = float(mature["retention"].min() * 100) if mature["retention"].notna().any() else 0.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(pivot.columns),
            y=labels,
            zmin=max(0.0, 10 * (low // 10) - 10),
            zmax=100,
            colorscale=[[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12 if present else 9},
            xgap=1,
            ygap=1,
            colorbar={"title": "retained", "ticksuffix": "%"},
            hovertemplate="cohort %{y} users<br>month %{x}: %{z:.1f}% still active<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title="Signup month · cohort size", tickfont={"size": 14 if present else 11})
    fig.update_xaxes(title="Months since signup", dtick=1 if len(pivot.columns) <= 24 else 2)
    title = "Retention by signup cohort: blank cells are months a cohort has not reached yet"
    return styled(fig, present=present, title=title, height=max(420, 24 * len(pivot) + 150))


def retention_curve(curve, *, present: bool):
    """Draw the average retention curve: each point weighted by cohort size over the cohorts that reached it."""
    fig = go.Figure()
    fig.add_scatter(
        x=curve["month_offset"],
        y=100 * curve["retention"],
        mode="lines+markers",
        name="retained",
        line={"color": GOOD},
        customdata=curve[["cohorts", "users"]].to_numpy(),
        hovertemplate="month %{x}: %{y:.1f}% retained<br>over %{customdata[0]} cohorts, "
        "%{customdata[1]:,.0f} users<extra></extra>",
    )
    title = "Average retention curve"
    at = curve[curve["month_offset"] == 12] if 12 in set(curve["month_offset"]) else curve.tail(1)
    if len(at):
        row = at.iloc[0]
        title = f"{100 * row['retention']:.0f}% of users are still active after {int(row['month_offset'])} months"
    fig.update_layout(
        xaxis_title="Months since signup",
        yaxis={"title": "Retained (weighted by cohort size)", "ticksuffix": "%", "range": [0, 103]},
        showlegend=False,
    )
    return styled(fig, present=present, title=title, height=420)


def roadmap_timeline(frame, *, as_of, present: bool):
    """Features as bars from start to ship (or target) date, grouped by theme, coloured by status, with a today line.

    Shipped-late items carry a vermillion outline and a tick at their target date.
    """
    frame = _plain_columns(frame, ["feature_id", "title", "theme"])
    fig = go.Figure()
    y = [frame["theme"].tolist(), (frame["feature_id"] + " " + frame["title"]).tolist()]
    durations = (frame["finish"] - frame["start_date"]).dt.total_seconds() * 1000
    late = frame["days_late"].fillna(0) > 0
    for status in ("shipped", "in_progress", "planned", "idea"):
        mask = (frame["status"] == status).to_numpy()
        if not mask.any():
            continue
        fig.add_bar(
            y=[y[0][i] for i in range(len(frame)) if mask[i]],
            x=durations[mask],
            base=frame["start_date"][mask],
            orientation="h",
            name=status.replace("_", " "),
            marker_color=STATUS_COLOURS[status],
            marker_line={"color": [BAD if v else "rgba(0,0,0,0)" for v in late[mask]], "width": 2.5},
            customdata=frame.loc[mask, ["title", "start_date", "target_date", "shipped_on", "days_late"]].to_numpy(),
            hovertemplate="%{customdata[0]}<br>start %{customdata[1]|%d %b %Y}, target %{customdata[2]|%d %b %Y}"
            "<br>shipped %{customdata[3]|%d %b %Y}<br>days late: %{customdata[4]}<extra></extra>",
        )
        fig.data[-1].y = [
            [y[0][i] for i in range(len(frame)) if mask[i]],
            [y[1][i] for i in range(len(frame)) if mask[i]],
        ]
    ticks = frame[late]
    if len(ticks):
        fig.add_scatter(
            x=ticks["target_date"],
            y=[ticks["theme"].tolist(), (ticks["feature_id"] + " " + ticks["title"]).tolist()],
            mode="markers",
            name="target date (missed)",
            marker={"symbol": "line-ns", "size": 16, "line": {"width": 3, "color": BAD}},
            hovertemplate="target %{x|%d %b %Y}<extra></extra>",
        )
    fig.add_vline(x=as_of, line={"color": "#000000", "width": 2})
    fig.add_annotation(
        x=as_of,
        y=1,
        yref="paper",
        text=f"today, {as_of:%d %b %Y}",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        xshift=4,
        font={"size": 16 if present else 12},
    )
    fig.update_layout(barmode="overlay", xaxis_title=None, bargap=0.25)
    fig.update_yaxes(autorange="reversed", tickfont={"size": 14 if present else 11})
    fig.update_xaxes(type="date", tickformat="%b %Y", showgrid=True, gridcolor="#EEF0F2")
    shipped_late = int((late & (frame["status"] == "shipped")).sum())
    shipped = int((frame["status"] == "shipped").sum())
    title = f"Roadmap by theme: {shipped_late} of {shipped} shipped features landed after their target date"
    return styled(fig, present=present, title=title, height=max(420, 22 * len(frame) + 140))


def rank_slope(items, *, present: bool, top: int = 10):
    """RICE rank against WSJF rank for the items in either top ``top``: flat lines agree, steep ones disagree."""
    items = _plain_columns(items, ["feature_id", "title"])
    shown = items[(items["rice_rank"] <= top) | (items["wsjf_rank"] <= top)]
    fig = go.Figure()
    for row in shown.itertuples(index=False):
        both = row.rice_rank <= top and row.wsjf_rank <= top
        colour = GOOD if both else ("#E69F00" if row.rice_rank <= top else "#CC79A7")
        fig.add_scatter(
            x=["RICE", "WSJF"],
            y=[row.rice_rank, row.wsjf_rank],
            mode="lines+markers+text",
            line={"color": colour, "width": 3 if both else 1.5},
            marker={"size": 9, "color": colour},
            text=[f"{row.rice_rank}. {row.title}  ", f"  {row.wsjf_rank}. {row.title}"],
            textposition=["middle left", "middle right"],
            textfont={"size": 14 if present else 11},
            showlegend=False,
            hovertemplate=f"{row.feature_id} {row.title}<br>%{{x}} rank %{{y}}<extra></extra>",
        )
    agree = int(((shown["rice_rank"] <= top) & (shown["wsjf_rank"] <= top)).sum())
    fig.update_yaxes(autorange="reversed", visible=False)
    fig.update_xaxes(range=[-1.1, 2.1], side="top", tickfont={"size": 18 if present else 14}, showline=False)
    title = f"RICE and WSJF agree on {agree} of their top {top}; steep lines are where they disagree"
    return styled(fig, present=present, title=title, height=max(420, 26 * len(shown) + 120))


def value_effort_quadrant(items, score: str, *, present: bool, title: str):
    """Plot each backlog item's score against its effort, split at the medians into four quadrants.

    Quick wins, big bets, fill-ins and money pits; items the capacity plan chose (``chosen``) are filled, the rest
    hollow.
    """
    items = _plain_columns(items, ["feature_id", "title"])
    label = score.upper()
    fig = go.Figure()
    chosen = items["chosen"] if "chosen" in items else items[score].notna()
    for picked, name, colour in ((True, "fits the capacity", GOOD), (False, "does not fit", NEUTRAL)):
        rows = items[chosen == picked]
        fig.add_scatter(
            x=rows["effort"],
            y=rows[score],
            mode="markers+text",
            name=name,
            text=rows["feature_id"],
            textposition="top center",
            textfont={"size": 12 if present else 9, "color": "#52606D"},
            marker={
                "size": 15 if present else 12,
                "color": colour if picked else "#FFFFFF",
                "line": {"color": colour, "width": 2},
            },
            customdata=rows[["title", "quadrant"]].to_numpy(),
            hovertemplate=f"%{{text}} %{{customdata[0]}}<br>{label} %{{y:,.1f}}, effort %{{x}} "
            "person-months<br>%{customdata[1]}<extra></extra>",
        )
    x_split, y_split = items["effort"].median(), items[score].median()
    fig.add_vline(x=x_split, line={"color": "#9AA5B1", "dash": "dot"})
    fig.add_hline(y=y_split, line={"color": "#9AA5B1", "dash": "dot"})
    for text, x, y, xanchor, yanchor in (
        ("Quick wins", 0.01, 0.99, "left", "top"),
        ("Big bets", 0.99, 0.99, "right", "top"),
        ("Fill-ins", 0.01, 0.01, "left", "bottom"),
        ("Money pits", 0.99, 0.01, "right", "bottom"),
    ):
        fig.add_annotation(
            text=f"<b>{text}</b>",
            x=x,
            y=y,
            xref="paper",
            yref="paper",
            showarrow=False,
            xanchor=xanchor,
            yanchor=yanchor,
            font={"size": 18 if present else 14, "color": "#7B8794"},
        )
    fig.update_layout(
        xaxis_title="Effort (person-months)",
        yaxis_title=f"{label} score",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        margin={"t": 96 if present else 78},
    )
    fig.update_xaxes(rangemode="tozero", showgrid=True, gridcolor="#EEF0F2")
    positive = items[score][items[score] > 0]
    if len(positive) and positive.max() / positive.min() > 30:
        # RICE spans orders of magnitude (reach is a head count): a log axis keeps the small items readable.
        fig.update_yaxes(type="log", title=f"{label} score (log scale)", dtick=1, tickformat="~s")
    else:
        fig.update_yaxes(rangemode="tozero")
    return styled(fig, present=present, title=title, height=480)


def investment_outcome(frame, *, currency: str, present: bool, as_of):
    """Monthly project cost for the product (spent, then planned) against its revenue and active users."""
    fig = go.Figure()
    past, ahead = frame[~frame["forecast"]], frame[frame["forecast"]]
    fig.add_bar(
        x=past["period"],
        y=past["project_cost"],
        name="project cost",
        marker_color="#E69F00",
        hovertemplate=f"%{{x|%b %Y}}: project cost %{{y:,.0f}} {currency}<extra></extra>",
    )
    fig.add_bar(
        x=ahead["period"],
        y=ahead["project_cost"],
        name="planned project cost",
        marker_color="#F3CF8C",
        marker_pattern_shape="/",
        hovertemplate=f"%{{x|%b %Y}}: planned cost %{{y:,.0f}} {currency}<extra></extra>",
    )
    whole, partial = frame[~frame["partial"]], frame[frame["partial"]]
    fig.add_scatter(
        x=whole["period"],
        y=whole["revenue"],
        name="revenue",
        mode="lines",
        line={"color": GOOD},
        hovertemplate=f"%{{x|%b %Y}}: revenue %{{y:,.0f}} {currency}<extra></extra>",
    )
    if len(partial):
        # The month of as_of has only run part way: a point of its own, not a cliff at the end of the line.
        fig.add_scatter(
            x=partial["period"],
            y=partial["revenue"],
            name="revenue, month to date",
            mode="markers",
            marker={"color": "#FFFFFF", "size": 9, "line": {"color": GOOD, "width": 2}},
            hovertemplate=f"%{{x|%b %Y}} to date: revenue %{{y:,.0f}} {currency}<extra></extra>",
        )
    fig.add_scatter(
        x=frame["period"],
        y=frame["active_users"],
        name="active users (right)",
        mode="lines",
        yaxis="y2",
        line={"color": "#009E73", "dash": "dash"},
        hovertemplate="%{x|%b %Y}: %{y:,.0f} active users<extra></extra>",
    )
    fig.add_vline(x=as_of, line={"color": NEUTRAL, "dash": "dot"})
    spent = past["project_cost"].sum()
    earned = past["revenue"].sum()
    title = (
        f"Invested {money(spent, currency)} in projects over {len(past)} months; the product earned "
        f"{money(earned, currency)} over the same months"
    )
    fig.update_layout(
        xaxis_title=None,
        yaxis_title=f"{currency} per month",
        bargap=0.2,
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": "Active users",
            "showgrid": False,
            "tickformat": ".2~s",
            "rangemode": "tozero",
            "tickmode": "auto",
        },
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        margin={"t": 96 if present else 78},
    )
    fig.update_layout(yaxis=money_axis(currency))
    return styled(fig, present=present, title=title, height=420)


# ---- What-if and scenarios (analytics.optimize, analytics.simulate, analytics.scenarios) -----------------------

FRONTIER_COLOUR = "#0072B2"
RANKING_COLOUR = "#E69F00"
CURRENT_COLOUR = "#D55E00"


def efficient_frontier(frontier, current: dict, *, currency: str, present: bool):
    """Best value at each budget (each point an exact optimum) beside the ranked list PPM suites call a frontier.

    ``frontier``: ``optimize.efficient_frontier`` rows (None while it is computed): ``value`` is the exact optimum
    at each budget level, ``ranking_value`` what projects ranked by value ÷ cost and taken in order achieve under
    the same budget, capacity and dependencies. ``current``: the selection on screen, with ``budget`` (money) and
    ``value``. Points not proven optimal are drawn hollow.
    """
    fig = go.Figure()
    if frontier is not None and len(frontier):
        fig.add_scatter(
            x=frontier["budget"],
            y=frontier["ranking_value"],
            mode="lines+markers",
            line={"color": RANKING_COLOUR, "dash": "dash"},
            marker={"size": 7 if present else 5},
            name="ranked list (value ÷ cost, taken in order)",
            customdata=frontier[["budget_pct"]].to_numpy(),
            hovertemplate=("budget %{customdata[0]:.0f}% of plan<br>ranked list reaches value %{y:.2f}<extra></extra>"),
        )
        proven = frontier["status"] == "optimal"
        fig.add_scatter(
            x=frontier["budget"],
            y=frontier["value"],
            mode="lines+markers",
            name="exact optimum",
            line={"color": FRONTIER_COLOUR},
            marker={
                "size": 11 if present else 8,
                "color": ["#FFFFFF" if not p else FRONTIER_COLOUR for p in proven],
                "line": {"color": FRONTIER_COLOUR, "width": 2},
            },
            customdata=frontier[["budget_pct", "projects", "rnpv", "ranking_value"]].to_numpy(),
            hovertemplate=(
                "budget %{customdata[0]:.0f}% of plan (%{x:,.0f} " + currency + ")<br>"
                "best value %{y:.2f} with %{customdata[1]} projects<br>"
                "rNPV %{customdata[2]:,.0f} "
                + currency
                + "<br>ranked list at this budget: %{customdata[3]:.2f}<extra></extra>"
            ),
        )
    fig.add_scatter(
        x=[current["budget"]],
        y=[current["value"]],
        mode="markers",
        name="these settings",
        marker={
            "symbol": "star",
            "size": 24 if present else 18,
            "color": CURRENT_COLOUR,
            "line": {"color": "#000000", "width": 1},
        },
        hovertemplate=f"these settings<br>budget %{{x:,.0f}} {currency}<br>value %{{y:.2f}}<extra></extra>",
    )
    title = "Efficient frontier: the best portfolio at every budget"
    if frontier is not None and len(frontier):
        gap = frontier["value"] - frontier["ranking_value"]
        worst = frontier.loc[gap.idxmax()]
        if gap.max() > 1e-9:
            share = gap.max() / worst["ranking_value"] if worst["ranking_value"] > 0 else float("nan")
            title = f"Frontier: exact choice beats the ranked list by up to {share:.0%} (at {worst['budget_pct']:.0f}%)"
    fig.update_layout(
        xaxis_title=f"Budget over the horizon ({currency})",
        yaxis_title="Portfolio value (objective)",
        legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
    )
    fig.update_xaxes(**money_axis(currency))
    if frontier is None or not len(frontier):
        # Until the sweep arrives, the point alone sits on the sweep's own scale (40-160 % of the budget), not on
        # an axis a thousandth wide.
        fig.update_xaxes(range=[0.35 * current["budget"], 1.65 * current["budget"]])
    return styled(fig, present=present, title=title, height=440)


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
    return styled(fig, present=present, title=title, height=360)


def selection_capacity(cells, *, present: bool):
    """Team × month use of capacity by the selection (``optimize.capacity_use``); over the limit in vermillion."""
    over = int((cells["demand_fte"] > cells["limit_fte"] + 1e-9).sum())
    months = cells["period"].nunique()
    title = (
        f"Capacity: the selection fits every team in all {months} months"
        if not over
        else f"Capacity: {over} team-months over the limit"
    )
    return capacity_heatmap(cells, present=present, title=title)


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
    return styled(fig, present=present, title=title, height=380)


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
        marker={"size": 18 if present else 14, "color": RANKING_COLOUR, "symbol": "diamond"},
        hovertemplate="%{x}: strategic score %{y:.2f}<extra></extra>",
    )
    best = summary.loc[summary["rnpv"].idxmax(), "name"] if len(summary) else ""
    fig.update_layout(
        yaxis_title=f"rNPV ({currency})",
        xaxis_title=None,
        yaxis2={"overlaying": "y", "side": "right", "title": "Strategic score", "range": [0, 1], "showgrid": False},
        legend={"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"},
    )
    fig.update_yaxes(**money_axis(currency), selector={"side": "left"})
    return styled(fig, present=present, title=f"Scenarios: {best} carries the most risk-adjusted value", height=400)


def scenario_budgets(budget, *, currency: str, present: bool):
    """Spend per fiscal year of each compared scenario, against each one's budget."""
    fig = go.Figure()
    for i, (name, rows) in enumerate(budget.groupby("scenario", sort=False)):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        years = [f"FY{int(y)}" for y in rows["fiscal_year"]]
        fig.add_bar(
            x=years,
            y=rows["spend"],
            name=name,
            marker_color=colour,
            hovertemplate=f"{name}, %{{x}}: spends %{{y:,.0f}} {currency}<extra></extra>",
        )
        fig.add_scatter(
            x=years,
            y=rows["budget"],
            mode="markers",
            showlegend=False,
            marker={"symbol": "line-ew", "size": 30, "line": {"width": 3, "color": colour}},
            hovertemplate=f"{name}, %{{x}}: budget %{{y:,.0f}} {currency}<extra></extra>",
        )
    fig.update_layout(barmode="group", yaxis_title=currency, xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title="Spend by fiscal year against each scenario's budget", height=380)
