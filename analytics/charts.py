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
    """Register the plain and presentation templates with Plotly (idempotent)."""
    pio.templates[TEMPLATE] = _template(font_size=14, line_width=2.0, title_size=18)
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
    return {"tickprefix": symbol, "tickformat": "~s", "hoverformat": ",.0f"}


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


STAGE_COLOURS = {"active": "#0072B2", "approved": "#56B4E9", "proposed": "#BBBBBB", "on_hold": "#E69F00",
                 "completed": "#009E73", "cancelled": "#D55E00"}  # fmt: skip


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
