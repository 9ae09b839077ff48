"""Figures of the portfolio page: value map, project detail, alignment, capacity, risk, dependencies and health.

They draw the frames of ``analytics.portfolio``; ``capacity_heatmap`` also draws the what-if's selection.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.charts.template import (
    BAD,
    GOOD,
    HEALTH_COLOURS,
    NEUTRAL,
    OKABE_ITO,
    REFERENCE_LINE,
    ROOM_CHART_PX,
    STAGE_COLOURS,
    legend_above_margin,
    money_axis,
    styled,
)
from analytics.formatting import counted
from analytics.headlines import health_overridden, health_words
from analytics.rules import EVM_AMBER_AT, EVM_GREEN_AT, stage_label

#: Bubbles of the value map named on the chart (the largest rNPV): enough to talk about, few enough to read.
LABELLED_BUBBLES = 8
#: Where an id may go around its bubble, in the order tried (Plotly's ``textposition`` names).
LABEL_PLACES = ("top center", "bottom center", "middle right", "middle left")
#: The narrowest plot area the value map is drawn in (a 1440 px desk; slides and wider screens only spread the
#: bubbles further apart), so that labels placed apart at this width stay apart at every width.
VALUE_MAP_MIN_PLOT_PX = 760
#: The figure's height at a desk and in a room.
VALUE_MAP_HEIGHT_PX = 520
VALUE_MAP_ROOM_HEIGHT_PX = 475
#: Unlabelled bubbles at least this wide (px) are kept clear of labels; smaller ones may sit under a label's edge.
BIG_BUBBLE_PX = 24


def _label_box(place: str, x: float, y: float, radius: float, width: float, height: float) -> tuple:
    """Return the box (left, bottom, right, top) of a ``width`` × ``height`` px label at ``place`` around a bubble."""
    if place == "top center":
        return (x - width / 2, y + radius, x + width / 2, y + radius + height)
    if place == "bottom center":
        return (x - width / 2, y - radius - height, x + width / 2, y - radius)
    if place == "middle right":
        return (x + radius, y - height / 2, x + radius + width, y + height / 2)
    return (x - radius - width, y - height / 2, x - radius, y + height / 2)


def _overlap(a: tuple, b: tuple) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def place_labels(points, *, plot_px: tuple[float, float], font_px: float, bubbles_beside=()) -> dict[str, str]:
    """Return where each bubble's label goes so that no label overlaps another label or another bubble.

    ``points``: rows of (label, x, y, diameter) in order of importance, x and y as shares (0-1) of the plot's width
    and height, the diameter in px; ``bubbles_beside``: rows of (x, y, diameter) of unlabelled bubbles a label must
    not cover either; ``plot_px``: the plot area's (width, height) in px. Each label takes the first of
    :data:`LABEL_PLACES` that is free and inside the plot; a label with no free place is left out (the first one
    always stays). Deterministic: the same points give the same places.
    """
    width_px, height_px = plot_px

    def circle_box(x: float, y: float, diameter: float) -> tuple:
        return (
            x * width_px - diameter / 2,
            y * height_px - diameter / 2,
            x * width_px + diameter / 2,
            y * height_px + diameter / 2,
        )

    placed: dict[str, str] = {}
    taken = [circle_box(x, y, d) for x, y, d in bubbles_beside]
    own = {label: circle_box(x, y, d) for label, x, y, d in points}
    for label, x, y, diameter in points:
        # About 0.6 em a character for these ids (Source Sans), a line and a little for its height.
        size = (0.6 * font_px * len(label) + 4, 1.25 * font_px)
        others = taken + [box for other, box in own.items() if other != label]
        boxes = {place: _label_box(place, x * width_px, y * height_px, diameter / 2, *size) for place in LABEL_PLACES}
        free = [
            place
            for place, box in boxes.items()
            if box[0] >= 0
            and box[1] >= 0
            and box[2] <= width_px
            and box[3] <= height_px
            and not any(_overlap(box, other) for other in others)
        ]
        if free or not placed:
            place = free[0] if free else LABEL_PLACES[0]
            placed[label] = place
            taken.append(boxes[place])
    return placed


def value_map(frame, *, currency: str, present: bool, colour_by: str = "stage", selected: str | None = None):
    """Bubble chart of forward rNPV against strategic score, bubble area ∝ forward cost; one trace per stage or health.

    ``frame``: ``portfolio.project_table`` rows. Each point's ``customdata[0]`` is its project_id so a selection
    event names the project. The ``LABELLED_BUBBLES`` projects with the most positive rNPV (and the selected one)
    carry their id on the chart. The title names the project carrying the most value only when one carries any.
    """
    fig = go.Figure()
    positive = frame[frame["rnpv"] > 0]
    named = set(positive.nlargest(LABELLED_BUBBLES, "rnpv")["project_id"]) | ({selected} if selected else set())
    palette = STAGE_COLOURS if colour_by == "stage" else HEALTH_COLOURS
    largest = max(float(frame["forward_cost"].max() or 0), 1.0)
    # A hundred bubbles can be big; two thousand must shrink or they hide one another.
    crowding = min(1.0, (80 / max(len(frame), 1)) ** 0.5)
    sources = zip(
        frame["health"],
        frame.get("health_source", pd.Series("evm", index=frame.index)),
        frame.get("evm_health", frame["health"]),
        strict=True,
    )
    # Colour by health is the health the tiles count; the hover says where it comes from (stored, or EVM).
    groups = frame.assign(group=frame[colour_by].fillna("unknown"), said=[health_words(*s) for s in sources])
    order = [g for g in palette if g in set(groups["group"])] + sorted(set(groups["group"]) - set(palette))
    # Bubble diameters in px, and the plot's ranges set here (not left to Plotly) so that the labels can be placed
    # where they stay apart: the map's ids in px at its narrowest (VALUE_MAP_MIN_PLOT_PX).
    groups["size"] = (6 + 54 * crowding * (groups["forward_cost"].clip(lower=0) / largest) ** 0.5) * (
        1.2 if present else 1.0
    )
    font_px = 17 if present else 12
    # The plot area is the figure less its title, x axis and their margins: 114 px plain, 136 in a room (measured).
    plot_px = (VALUE_MAP_MIN_PLOT_PX, VALUE_MAP_ROOM_HEIGHT_PX - 140 if present else VALUE_MAP_HEIGHT_PX - 120)
    low, high = float(frame["strategic_score"].min()), float(frame["strategic_score"].max())
    x_range = [max(-0.03, low - 0.05), min(1.03, high + 0.05)]
    y_range = _padded_range(groups["rnpv"], groups["size"].max() / 2, 1.25 * font_px + 4, plot_px[1])
    # The selected project's label first (it always shows), then the others by value.
    labelled = groups[groups["project_id"].isin(named)]
    ranked = pd.concat(
        [
            labelled[labelled["project_id"] == selected],
            labelled[labelled["project_id"] != selected].sort_values("rnpv", ascending=False, kind="stable"),
        ]
    )
    places = place_labels(
        [
            (
                row.project_id,
                (row.strategic_score - x_range[0]) / (x_range[1] - x_range[0]),
                (row.rnpv - y_range[0]) / (y_range[1] - y_range[0]),
                row.size,
            )
            for row in ranked.itertuples()
        ],
        plot_px=plot_px,
        font_px=font_px,
        # A label printed over a big bubble cannot be read: those bubbles are kept clear too.
        bubbles_beside=[
            (
                (row.strategic_score - x_range[0]) / (x_range[1] - x_range[0]),
                (row.rnpv - y_range[0]) / (y_range[1] - y_range[0]),
                row.size,
            )
            for row in groups[~groups["project_id"].isin(named) & (groups["size"] >= BIG_BUBBLE_PX)].itertuples()
        ],
    )
    for group in order:
        rows = groups[groups["group"] == group]
        fig.add_scatter(
            x=rows["strategic_score"],
            y=rows["rnpv"],
            mode="markers+text",
            text=[p if p in places else "" for p in rows["project_id"]],
            textposition=[places.get(p, LABEL_PLACES[0]) for p in rows["project_id"]],
            # A white halo keeps an id legible where it crosses a gridline or the edge of a small bubble.
            textfont={"size": font_px, "color": "#102A43", "shadow": "auto"},
            name=stage_label(group),
            marker={
                "size": rows["size"],
                "color": palette.get(group, NEUTRAL),
                "opacity": 0.78 if crowding == 1.0 else 0.6,
                # Per bubble only in the trace holding the selected one: Plotly checks a list colour by colour, and
                # 2,000 white outlines were a third of the figure's build at bench scale, on every discount rate.
                "line": (
                    {
                        "width": [3 if p == selected else 0.5 for p in rows["project_id"]],
                        "color": ["#000000" if p == selected else "#FFFFFF" for p in rows["project_id"]],
                    }
                    if selected in set(rows["project_id"])
                    else {"width": 0.5, "color": "#FFFFFF"}
                ),
            },
            customdata=rows[["project_id", "name", "forward_cost", "said"]].to_numpy(),
            hovertemplate=(
                f"%{{customdata[0]}} %{{customdata[1]}}<br>rNPV, forward %{{y:,.0f}} {currency}"
                "<br>strategic score %{x:.2f}"
                f"<br>forward cost %{{customdata[2]:,.0f}} {currency}<br>health %{{customdata[3]}}<extra></extra>"
            ),
        )
    fig.add_hline(y=0, line={"color": NEUTRAL, "width": 1, "dash": "dot"})
    top = positive.nlargest(1, "rnpv")
    if len(top):
        # By id as well: the points are labelled by id, and at bench scale 57 projects share one name.
        title = (
            f"Value against strategy: {top.iloc[0]['project_id']} {top.iloc[0]['name']} carries the most "
            "risk-adjusted value"
        )
    elif (frame["rnpv"] == 0).all():
        title = "Value against strategy: no forward cash flows planned, so every rNPV is 0"
    else:
        title = "Value against strategy: no project's forward rNPV is positive"
    fig.update_layout(
        xaxis_title="Strategic score (0 = serves no objective, 1 = all, fully)",
        yaxis_title=f"rNPV ({currency}, risk-adjusted, forward)",
        # Click picks a bubble; dragmode "select" would swallow the click (Streamlit gets no point).
        clickmode="event+select",
    )
    fig.update_yaxes(**money_axis(currency), range=y_range)
    fig.update_xaxes(range=x_range)
    # Shorter in front of a room, so the whole map fits the first screen under the page's tiles.
    return styled(fig, present=present, title=title, height=VALUE_MAP_HEIGHT_PX, room_height=VALUE_MAP_ROOM_HEIGHT_PX)


def _padded_range(values, radius_px: float, label_px: float, plot_height_px: float) -> list[float]:
    """Return the y range that shows every bubble whole, with room for a label over the top one and under the lowest."""
    low, high = float(values.min()), float(values.max())
    span = max(high - low, abs(high) * 0.1, 1.0)  # one value (or all equal): a range around it
    # Each pad is px of the range that holds it: span + 2 pads = whole, with pad = whole * pad_px / plot px.
    whole = span / max(1 - 2 * (radius_px + label_px) / plot_height_px, 0.2)
    pad = (whole - (high - low)) / 2
    return [low - pad, high + pad]


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
    fig.add_vline(x=as_of, line=REFERENCE_LINE)
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
    # A projector needs 17 px labels on rows of 30 px; the page limits the rows to what fits (HEATMAP_PROJECTS_PRESENT).
    fig.update_yaxes(autorange="reversed", tickfont={"size": 17 if present else 11})
    fig.update_xaxes(side="top", tickfont={"size": 17 if present else 12})
    fig.update_layout(margin=legend_above_margin(present))
    title = "Which objectives each live project serves (0–5)"
    return styled(fig, present=present, title=title, height=max(420, 18 * len(matrix) + 160), room_height=ROOM_CHART_PX)


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


def capacity_heatmap(cells, *, present: bool, title: str | None = None, room_height: int = ROOM_CHART_PX):
    """Team × month utilisation of committed demand against capacity; over 100 % shows in vermillion.

    ``title`` replaces the default, which counts the over-booked team-months of ``cells["overbooked"]``.
    """
    pivot = cells.pivot_table(index="team", columns="period", values="utilisation", aggfunc="first")
    z = pivot.to_numpy() * 100
    text = [[("" if v != v else f"{v:.0f}") for v in row] for row in z]
    # Blue up to 100 % of capacity, orange from there (zmax 150 %): a cell shaded between the two read as over-booked.
    scale = [[0, "#F7FBFF"], [0.45, "#9ECAE1"], [0.6666, "#2171B5"], [0.6667, "#FDAE6B"], [1, "#D55E00"]]
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
        title = (
            f"Capacity: {counted(over, 'team-month')} over-booked in the next "
            f"{counted(cells['period'].nunique(), 'month')}"
        )
    # The months above the cells: under them they were below the first screen, and no cell could be read by month.
    # Level labels, at most a dozen in a room (18 at a desk): the what-if's 36 months, turned on their side, ran into
    # the title above them.
    step = max(2 if present else 1, -(-pivot.shape[1] // (12 if present else 18)))
    fig.update_xaxes(tickformat="%b %y", dtick=f"M{step}", tickangle=0, side="top")
    fig.update_layout(margin=legend_above_margin(present))
    return styled(fig, present=present, title=title, height=max(360, 40 * len(pivot) + 140), room_height=room_height)


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
    title = f"{int(cells['risks'].sum())} open risks by probability and impact"
    return styled(fig, present=present, title=title, height=440, room_height=ROOM_CHART_PX)


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
            name=stage_label(stage),
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
    title = (
        f"Dependencies: {counted(len(edges), 'link')} among {counted(len(nodes), 'project')}, "
        f"chains up to {layers} deep"
    )
    height = max(460, 30 * int(nodes.groupby("layer").size().max() if len(nodes) else 0) + 120)
    return styled(fig, present=present, title=title, height=height, room_height=ROOM_CHART_PX)


#: Both axes of the quadrant (CPI and SPI), and the narrowest plot it is drawn in (half a 1440 px desk).
QUADRANT_RANGE = (0.6, 1.2)
QUADRANT_MIN_PLOT_PX = 520
#: The health bands run past the quadrant's axes (0.6 to 1.2) so that they meet the plot's edges.
QUADRANT_SHADE_EXTENT = (0.5, 1.3)
HEALTH_BAND_SHAPE = {"type": "rect", "line_width": 0}


def cpi_spi_quadrant(frame, *, present: bool):
    """CPI against SPI per project with a snapshot, over the EVM health bands of ``analytics.rules``.

    The green box is both at least ``EVM_GREEN_AT``; red shading is either below ``EVM_AMBER_AT``. Position is EVM;
    colour is the health the tiles count (a stored health overrides EVM, ``portfolio.effective_health``), so a
    project whose stored health differs from its band (``headlines.health_overridden``) is a labelled diamond,
    counted in the legend, and its hover says both: colour and position never disagree unsaid.
    """
    rows = frame.dropna(subset=["cpi", "spi"])
    fig = go.Figure()
    green, red = HEALTH_COLOURS["green"], HEALTH_COLOURS["red"]
    low, high = QUADRANT_SHADE_EXTENT
    fig.add_shape(
        x0=EVM_GREEN_AT, y0=EVM_GREEN_AT, x1=high, y1=high, fillcolor=green, opacity=0.08, **HEALTH_BAND_SHAPE
    )
    fig.add_shape(x0=low, y0=low, x1=EVM_AMBER_AT, y1=high, fillcolor=red, opacity=0.06, **HEALTH_BAND_SHAPE)
    fig.add_shape(x0=EVM_AMBER_AT, y0=low, x1=high, y1=EVM_AMBER_AT, fillcolor=red, opacity=0.06, **HEALTH_BAND_SHAPE)
    labelled = rows.assign(h=rows["health"].fillna("unknown"), overridden=health_overridden(rows))
    sources = zip(
        rows["health"],
        rows.get("health_source", pd.Series("evm", index=rows.index)),
        rows.get("evm_health", rows["health"]),
        strict=True,
    )
    labelled["said"] = [health_words(*source) for source in sources]
    # Labels for a readable few: all of them up to 40 points, else the 12 furthest behind plan (hover names all). In
    # a room only those 12, at room type: two dozen ids around (1, 1) printed over one another there. A few
    # overridden healths are named too (what the room asks about); a hundred of them at bench scale would be clutter.
    labelled["label"] = labelled["project_id"]
    if len(labelled) > (12 if present else 40):
        furthest = labelled[["cpi", "spi"]].min(axis=1).nsmallest(12).index
        keep = labelled.index.isin(furthest) | (labelled["overridden"] & (labelled["overridden"].sum() <= 8))
        labelled["label"] = labelled["project_id"].where(keep, "")
    labelled["size"] = [(17 if present else 14) if o else (13 if present else 10) for o in labelled["overridden"]]
    # Each id placed where it prints over no other id nor point (P-035 and P-047 overlapped on the demo): the
    # diamonds first, then those furthest behind plan; an id with no free place is left to the hover.
    named = labelled[labelled["label"] != ""].assign(behind=labelled[["cpi", "spi"]].min(axis=1))
    named = named.sort_values(["overridden", "behind"], ascending=[False, True], kind="stable")

    def share(values):
        return ((values - QUADRANT_RANGE[0]) / (QUADRANT_RANGE[1] - QUADRANT_RANGE[0])).clip(0, 1)

    places = place_labels(
        list(zip(named["label"], share(named["spi"]), share(named["cpi"]), named["size"], strict=True)),
        plot_px=(QUADRANT_MIN_PLOT_PX, (ROOM_CHART_PX - 136) if present else 480 - 114),
        font_px=16 if present else 9,
        bubbles_beside=list(
            zip(
                share(labelled.loc[labelled["label"] == "", "spi"]),
                share(labelled.loc[labelled["label"] == "", "cpi"]),
                labelled.loc[labelled["label"] == "", "size"],
                strict=True,
            )
        ),
    )
    labelled["label"] = [label if label in places else "" for label in labelled["label"]]
    for health in [h for h in HEALTH_COLOURS if h in set(labelled["h"])]:
        group = labelled[labelled["h"] == health]
        fig.add_scatter(
            x=group["spi"],
            y=group["cpi"],
            mode="markers+text",
            text=group["label"],
            textposition=[places.get(label, LABEL_PLACES[0]) for label in group["label"]],
            name=health,
            textfont={"size": 16 if present else 9, "shadow": "auto"},
            marker={
                "size": group["size"],
                "symbol": ["diamond" if o else "circle" for o in group["overridden"]],
                "line": {"width": [2 if o else 0 for o in group["overridden"]], "color": "#000000"},
                "color": HEALTH_COLOURS.get(health, NEUTRAL),
                "opacity": 1.0 if len(labelled) <= 40 else 0.7,
            },
            customdata=group[["project_id", "name", "said"]].to_numpy(),
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>SPI %{x:.2f}, CPI %{y:.2f}<br>health %{customdata[2]}"
            "<extra></extra>",
        )
    differing = int(labelled["overridden"].sum())
    if differing:
        # A legend key for the diamonds (drawn off the axes' range, so it shows nothing on the plot itself).
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            # Counted here, not in the title: half a desk's width holds no longer title.
            name=f"stored health ≠ EVM ({differing})",
            marker={"symbol": "diamond", "size": 12, "color": "#FFFFFF", "line": {"width": 2, "color": "#000000"}},
            hoverinfo="skip",
        )
    fig.add_vline(x=1, line=REFERENCE_LINE)
    fig.add_hline(y=1, line=REFERENCE_LINE)
    behind = int(((rows["cpi"] < EVM_GREEN_AT) | (rows["spi"] < EVM_GREEN_AT)).sum())
    fig.update_layout(
        xaxis_title="SPI = EV / PV (schedule; < 1 is late)", yaxis_title="CPI = EV / AC (cost; < 1 is over budget)"
    )
    fig.update_xaxes(range=list(QUADRANT_RANGE))
    fig.update_yaxes(range=list(QUADRANT_RANGE))
    title = f"Health: {behind} of {len(rows)} tracked projects behind plan"
    return styled(fig, present=present, title=title, height=480, room_height=ROOM_CHART_PX)


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
    fig.add_vline(x=as_of, line=REFERENCE_LINE)
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
            x=[stage_label(s) for s in frame["stage"]],
            y=frame["forward_cost"],
            marker_color=[STAGE_COLOURS.get(s, NEUTRAL) for s in frame["stage"]],
            customdata=frame[["projects", "rnpv"]].to_numpy(),
            text=[counted(int(n), "project") for n in frame["projects"]],
            textposition="outside",
            hovertemplate=f"%{{x}}: %{{y:,.0f}} {currency} forward, %{{customdata[0]}} projects, "
            f"rNPV %{{customdata[1]:,.0f}}<extra></extra>",
        )
    )
    fig.update_layout(yaxis_title=f"Forward cost ({currency})", xaxis_title=None)
    fig.update_yaxes(**money_axis(currency))
    return styled(fig, present=present, title="Pipeline: forward cost by stage", height=380)
