"""Figures of the product page: KPI trends, customer voice, retention, roadmap, backlog and investment.

They draw the frames of ``analytics.product``; store text in them is escaped by ``styled``
(data) and ``plotly_text`` (what a builder writes into a hover template).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.charts.template import (
    BAD,
    GOOD,
    LEGEND_ABOVE,
    NEUTRAL,
    REFERENCE_LINE,
    SEQUENTIAL,
    legend_above_margin,
    money_axis,
    styled,
)
from analytics.formatting import CURRENCY_SYMBOLS, counted, plural
from analytics.text import plotly as plotly_text

STATUS_COLOURS = {
    "shipped": "#0072B2",
    "in_progress": "#56B4E9",
    "planned": "#E69F00",
    "idea": "#BBBBBB",
    "dropped": "#DDDDDD",
}
TARGET_COLOUR = "#E69F00"

#: A section's key chart on a projector, before the presentation template's 1.25 scaling: under the header, the
#: folded controls, the tiles and the tabs, it then ends inside the first 1080 pixels of a 1920x1080 screen
#: (tests/browser/test_product.py measures it).
ROOM_HEIGHT = 330
#: Signup cohorts a heatmap shows on a projector, the latest: more rows than this are too thin to read there.
ROOM_COHORTS = 10
#: Features a roadmap shows on a projector: open work and the latest shipped.
ROOM_FEATURES = 10

#: The hidden axis the release markers hang from: 0 at the bottom of the plot, 1 just under its top.
RELEASE_AXIS = {"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True}
#: Net promoter score on the right, over the whole of its range, its zero marked.
NPS_AXIS = {
    "overlaying": "y",
    "side": "right",
    "range": [-100, 100],
    "title": "NPS",
    "showgrid": False,
    "zeroline": True,
    "zerolinecolor": "#9AA5B1",
    "tickformat": "+d",
}
#: Active users on the right of the money axis, from zero, with SI suffixes (12k, 1.2M).
ACTIVE_USERS_AXIS = {
    "overlaying": "y",
    "side": "right",
    "title": "Active users",
    "showgrid": False,
    "tickformat": ".2~s",
    "rangemode": "tozero",
    "tickmode": "auto",
}


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
        hovertemplate=f"{plotly_text(comparison_label)}: %{{y}} (%{{customdata|%d %b %Y}})<extra></extra>",
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
        hovertemplate=f"{plotly_text(label)}, %{{x|%d %b %Y}}: %{{y}}<extra></extra>",
    )
    if cut.any():
        fig.add_scatter(
            x=frame["period"][cut],
            y=frame["value"][cut],
            name="part of a period",
            mode="markers",
            marker={"color": "#FFFFFF", "line": {"color": GOOD, "width": 2}, "size": 9 if present else 7},
            hovertemplate=f"{plotly_text(label)}, %{{x|%d %b %Y}}: %{{y}} (only the days inside the window)"
            "<extra></extra>",
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
        yaxis2=RELEASE_AXIS,
        xaxis_title=None,
        yaxis_title=f"{label} ({unit})" if unit else label,
        hovermode="closest",
        legend=LEGEND_ABOVE,
    )
    fig.update_yaxes(**_value_axis(unit, currency), rangemode="tozero" if unit != "%" else "normal")
    _period_ticks(fig, grain, len(frame))
    fig.update_layout(margin=legend_above_margin(present))
    return styled(fig, present=present, title=title, height=ROOM_HEIGHT if present else 360)


#: Up to this many answers a count axis ticks every answer; above it Plotly's own steps (2, 5, 10...) are whole.
COUNT_TICKS_EACH = 10
#: Figures from too few answers: light grey, hollow, and said so in the hover.
TOO_FEW_COLOUR = "#C8CDD2"
TOO_FEW_OPACITY = 0.35


def _survey_line(fig, voice, column: str, readable, *, name: str, colour: str, hover: str, yaxis: str = "y"):
    """Draw a survey score per period: a line through the readable periods, hollow grey points for the others.

    ``hover`` is a template over ``%{y}`` and ``%{customdata}`` (the answers); the grey points add "too few to
    read", so every point says how many answers it stands on.
    """
    fig.add_scatter(
        x=voice["period"],
        y=voice[column].where(readable),
        name=name,
        yaxis=yaxis,
        mode="lines+markers",
        line={"color": colour},
        customdata=voice[f"{column}_answers"],
        hovertemplate=hover + "<extra></extra>",
    )
    few = voice[~readable & voice[column].notna()]
    if len(few):
        fig.add_scatter(
            x=few["period"],
            y=few[column],
            name="too few answers",
            yaxis=yaxis,
            mode="markers",
            marker={"color": "#FFFFFF", "size": 8, "line": {"color": "#9AA5B1", "width": 2}},
            customdata=few[f"{column}_answers"],
            hovertemplate=hover + ": too few to read<extra></extra>",
        )


def nps_mix(voice, *, present: bool, title: str, grain: str = "month"):
    """Share of promoters, passives and detractors per period (stacked to 100 %) with the NPS line on the right.

    Periods with too few answers (``voice_series``'s ``nps_readable`` False) are faded bars and hollow grey NPS
    points; every hover says how many answers the period has.
    """
    fig = go.Figure()
    answers = voice["nps_answers"].where(voice["nps_answers"] > 0)
    readable = voice["nps_readable"]
    opacity = [1.0 if ok else TOO_FEW_OPACITY for ok in readable]
    for column, name, colour in (
        ("detractors", "detractors (0–6)", BAD),
        ("passives", "passives (7–8)", "#C8CDD2"),
        ("promoters", "promoters (9–10)", GOOD),
    ):
        fig.add_bar(
            x=voice["period"],
            y=100 * voice[column] / answers,
            name=name,
            marker={"color": colour, "opacity": opacity},
            customdata=voice[[column, "nps_answers"]].to_numpy(),
            hovertemplate=f"{name}: %{{y:.0f}}% (%{{customdata[0]}} of %{{customdata[1]}} answers)<extra></extra>",
        )
    _survey_line(
        fig,
        voice,
        "nps",
        readable,
        name="NPS",
        colour="#000000",
        hover="NPS %{y:+.0f} from %{customdata} answers",
        yaxis="y2",
    )
    fig.update_layout(
        barmode="stack",
        xaxis_title=None,
        yaxis={"title": "Share of answers", "ticksuffix": "%", "range": [0, 100]},
        yaxis2=NPS_AXIS,
        legend=LEGEND_ABOVE,
    )
    _period_ticks(fig, grain, len(voice))
    fig.update_layout(margin=legend_above_margin(present))
    return styled(fig, present=present, title=title, height=ROOM_HEIGHT if present else 380)


def csat_trend(voice, target: float | None, *, present: bool, title: str, grain: str = "month"):
    """CSAT per period (share of answers scoring 4–5) with the number of answers in the hover and the target.

    Periods with too few answers (``csat_readable`` False) are hollow grey points off the line.
    """
    rows = voice.dropna(subset=["csat"])
    fig = go.Figure()
    _survey_line(
        fig,
        rows,
        "csat",
        rows["csat_readable"],
        name="CSAT",
        colour=GOOD,
        hover="%{x|%d %b %Y}: %{y:.0f}% satisfied of %{customdata} answers",
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
    """Horizontal bars of feedback themes ranked by ``column`` (volume or average score), the largest on top.

    ``themes``: ``product.top_themes`` rows. Ranked by a score, a theme with too few NPS answers
    (``nps_readable`` False) is a grey bar, neither above nor below the product's average, and not ranked: the
    well-answered themes come first by score, the others after them by name (all by name when none is well
    answered, which ``product.score_title`` says). Answers are counted on whole-number ticks.
    """
    rows = themes.dropna(subset=[column])
    colours = GOOD
    if column == "answers":
        rows = rows.sort_values([column, "theme"], ascending=[False, True], kind="stable")
    else:
        # A score from a handful of answers is no rank: its place would claim an order the data does not show.
        rows = rows.assign(_unranked=~rows["nps_readable"], _score=rows[column].where(rows["nps_readable"]))
        rows = rows.sort_values(["_unranked", "_score", "theme"], ascending=[True, False, True], kind="stable")
        # Blue above the product's own average score, vermillion below: which themes pull it down.
        overall = (themes[column] * themes["answers"]).sum() / max(themes["answers"].sum(), 1)
        colours = [
            TOO_FEW_COLOUR if not ok else GOOD if v >= overall else BAD
            for v, ok in zip(rows[column], rows["nps_readable"], strict=True)
        ]
    fig = go.Figure(
        go.Bar(
            y=rows["theme"],
            x=rows[column],
            orientation="h",
            marker_color=colours,
            text=[format(v, value_format) for v in rows[column]],
            textposition="outside",
            cliponaxis=False,
            customdata=rows[["answers", "nps", "csat", "nps_answers"]].to_numpy(),
            hovertemplate="%{y}: %{customdata[0]} answers, NPS %{customdata[1]:+.0f} from %{customdata[3]}, "
            "CSAT %{customdata[2]:.0f}%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=axis_title, showgrid=True, gridcolor="#E4E7EB")
    if column == "answers":
        # Plotly's own ticks fall on halves when the counts are small (0, 0.5, 1): no one gave half an answer.
        fig.update_xaxes(tickformat=",d", dtick=1 if rows[column].max() <= COUNT_TICKS_EACH else None)
    return styled(fig, present=present, title=title, height=max(300, 40 * len(rows) + 130))


def retention_heatmap(matrix, *, present: bool):
    """Cohort month × months since signup, retention in each cell; cells a cohort has not reached are left blank.

    ``matrix``: ``product.retention_matrix``. Only mature cells are drawn: an immature one is unknown, not 0 %.
    """
    mature = matrix[matrix["mature"]]
    cohorts = sorted(mature["cohort_month"].unique())
    title = "Retention by signup cohort: blank cells are months a cohort has not reached yet"
    if present and len(cohorts) > ROOM_COHORTS:
        # A projector reads a few rows: the latest cohorts, said in the title.
        mature = mature[mature["cohort_month"] >= cohorts[-ROOM_COHORTS]]
        title = f"Retention of the {ROOM_COHORTS} latest of {len(cohorts)} signup cohorts (blank: not reached yet)"
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
            textfont={"size": 15 if present else 9},
            xgap=1,
            ygap=1,
            colorbar={"title": "retained", "ticksuffix": "%"},
            hovertemplate="cohort %{y} users<br>month %{x}: %{z:.1f}% still active<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title="Signup month · cohort size", tickfont={"size": 16 if present else 11})
    fig.update_xaxes(title="Months since signup", dtick=1 if len(pivot.columns) <= 24 else 2)
    height = ROOM_HEIGHT if present else max(420, 24 * len(pivot) + 150)
    return styled(fig, present=present, title=title, height=height)


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
        months = counted(int(row["month_offset"]), "month")
        title = f"{100 * row['retention']:.0f}% of users are still active after {months}"
    fig.update_layout(
        xaxis_title="Months since signup",
        yaxis={"title": "Retained (weighted by cohort size)", "ticksuffix": "%", "range": [0, 103]},
        showlegend=False,
    )
    return styled(fig, present=present, title=title, height=420)


def roadmap_timeline(frame, *, as_of, late: str, present: bool):
    """Features as bars from start to ship (or target) date, grouped by theme, coloured by status, with a today line.

    Late items (shipped late, or open past the target date) carry a vermillion outline and a tick at their target
    date. On a projector only the ``ROOM_FEATURES`` bars ending nearest ``as_of`` are drawn (the title's count
    stays over every feature). ``late`` is ``product.late_text`` of the same rows: what the late table under the
    chart lists, open work past its target included (worded in analytics.product, which charts do not import).
    """
    title = f"Roadmap by theme, {late}"
    if present and len(frame) > ROOM_FEATURES:
        distance = (frame["finish"] - pd.Timestamp(as_of)).abs()
        nearest = distance.sort_values(kind="stable").index[:ROOM_FEATURES]
        frame = frame.loc[sorted(nearest)].reset_index(drop=True)
        title += f"; the {ROOM_FEATURES} ending nearest today"
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
    # Room type for the theme and feature names: ten rows of 18 px fit the room height, and read from the back.
    fig.update_yaxes(autorange="reversed", tickfont={"size": 18 if present else 11})
    fig.update_xaxes(type="date", tickformat="%b %Y", showgrid=True, gridcolor="#EEF0F2")
    height = ROOM_HEIGHT if present else max(420, 22 * len(frame) + 140)
    return styled(fig, present=present, title=title, height=height)


def rank_slope(items, *, present: bool, top: int = 10):
    """RICE rank against WSJF rank for the items in either top ``top``: flat lines agree, steep ones disagree.

    The top is at most the backlog: of 5 items both tops hold all 5, so the title then counts the items each
    ranking puts in the same place instead of an agreement that could not have been otherwise.
    """
    top = min(top, len(items))
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
            textfont={"size": 17 if present else 11},
            showlegend=False,
            hovertemplate=f"{plotly_text(f'{row.feature_id} {row.title}')}<br>%{{x}} rank %{{y}}<extra></extra>",
        )
    agree = int(((shown["rice_rank"] <= top) & (shown["wsjf_rank"] <= top)).sum())
    fig.update_yaxes(autorange="reversed", visible=False)
    fig.update_xaxes(range=[-1.1, 2.1], side="top", tickfont={"size": 18 if present else 14}, showline=False)
    title = f"RICE and WSJF agree on {agree} of their top {top}; steep lines are where they disagree"
    if top == len(items):
        same = int((shown["rice_rank"] == shown["wsjf_rank"]).sum())
        title = (
            f"RICE and WSJF rank {'the one' if top == 1 else f'all {top}'} {plural(top, 'item')}, "
            f"{same} in the same place; steep lines are where they disagree"
        )
    return styled(fig, present=present, title=title, height=max(420, 26 * len(shown) + 120))


def value_effort_quadrant(items, score: str, *, present: bool, title: str):
    """Plot each backlog item's score against its effort, split at the medians into four quadrants.

    Quick wins, big bets, fill-ins and money pits; items the capacity plan chose (``chosen``) are filled, the rest
    hollow.
    """
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
            # Room type in a room: at 12 px the ids could not be read from the back of it.
            textfont={"size": 16 if present else 9, "color": "#52606D", "shadow": "auto"},
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
        legend=LEGEND_ABOVE,
        margin=legend_above_margin(present),
    )
    fig.update_xaxes(rangemode="tozero", showgrid=True, gridcolor="#EEF0F2")
    positive = items[score][items[score] > 0]
    if len(positive) and positive.max() / positive.min() > 30:
        # RICE spans orders of magnitude (reach is a head count): a log axis keeps the small items readable.
        fig.update_yaxes(type="log", title=f"{label} score (log scale)", dtick=1, tickformat="~s")
    else:
        fig.update_yaxes(rangemode="tozero")
    return styled(fig, present=present, title=title, height=480)


def investment_outcome(frame, *, currency: str, present: bool, as_of, title: str):
    """Monthly planned cost of the product's projects (before and after ``as_of``) against its revenue and users.

    The bars are plan: actual cost is known only as a running total at each progress snapshot, never by month.
    ``title`` states the tab's spent to date (``product.investment_title``), so it reads what the tile reads.
    """
    fig = go.Figure()
    past, ahead = frame[~frame["forecast"]], frame[frame["forecast"]]
    fig.add_bar(
        x=past["period"],
        y=past["project_cost"],
        name="planned cost",
        marker_color="#E69F00",
        hovertemplate=f"%{{x|%b %Y}}: planned cost %{{y:,.0f}} {currency}<extra></extra>",
    )
    fig.add_bar(
        x=ahead["period"],
        y=ahead["project_cost"],
        name="planned cost ahead",
        marker_color="#F3CF8C",
        marker_pattern_shape="/",
        hovertemplate=f"%{{x|%b %Y}}: planned cost ahead %{{y:,.0f}} {currency}<extra></extra>",
    )
    whole, partial = frame[~frame["partial"]], frame[frame["partial"]]
    if frame["revenue"].notna().any():
        fig.add_scatter(
            x=whole["period"],
            y=whole["revenue"],
            name="revenue",
            mode="lines",
            line={"color": GOOD},
            hovertemplate=f"%{{x|%b %Y}}: revenue %{{y:,.0f}} {currency}<extra></extra>",
        )
    if len(partial) and partial["revenue"].notna().any():
        # The month of as_of has only run part way: a point of its own, not a cliff at the end of the line.
        fig.add_scatter(
            x=partial["period"],
            y=partial["revenue"],
            name="revenue, month to date",
            mode="markers",
            marker={"color": "#FFFFFF", "size": 9, "line": {"color": GOOD, "width": 2}},
            hovertemplate=f"%{{x|%b %Y}} to date: revenue %{{y:,.0f}} {currency}<extra></extra>",
        )
    if frame["active_users"].notna().any():
        fig.add_scatter(
            x=frame["period"],
            y=frame["active_users"],
            name="active users (right)",
            mode="lines",
            yaxis="y2",
            line={"color": "#009E73", "dash": "dash"},
            hovertemplate="%{x|%b %Y}: %{y:,.0f} active users<extra></extra>",
        )
    fig.add_vline(x=as_of, line=REFERENCE_LINE)
    fig.update_layout(
        xaxis_title=None,
        yaxis_title=f"{currency} per month",
        bargap=0.2,
        yaxis2=ACTIVE_USERS_AXIS,
        legend=LEGEND_ABOVE,
        margin=legend_above_margin(present),
    )
    fig.update_layout(yaxis=money_axis(currency))
    return styled(fig, present=present, title=title, height=ROOM_HEIGHT if present else 420)
