"""The one template every chart uses, plain and for presentation, and what every page's figures share.

The palette is Okabe-Ito, chosen because it stays distinguishable for the common colour-vision
deficiencies; "good" and "bad" are blue and vermillion rather than green and red for the same reason.
Also here: the colours of each stage, money axes, and the escaping that keeps store text from rendering as markup
(:func:`escape_store_text`, applied by :func:`styled` to every figure).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from analytics.formatting import CURRENCY_SYMBOLS
from analytics.text import plotly as plotly_text

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

#: A dotted line that marks a date (the valuation date) or a reference value (a ratio of 1) behind the data.
REFERENCE_LINE = {"color": NEUTRAL, "dash": "dot"}
#: A horizontal legend between the title and the plot, for figures whose series are read one against another;
#: it needs the taller top margin of :func:`legend_above_margin`.
LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"}


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


#: The height a page's key chart may take on a projector (1920 x 1080 in presentation mode): what is left of the first
#: screen under the page's header, its compact tiles and its tabs (they end about 555 px down on /portfolio).
ROOM_CHART_PX = 500
#: The what-if's tabs sit under its status, plan line and headline tiles (they start about 610 px down): each tab's
#: chart there gets this much of the first screen.
ROOM_TAB_CHART_PX = 440


def styled(
    fig: go.Figure, *, present: bool, title: str, height: int | None = None, room_height: int | None = None
) -> go.Figure:
    """Apply the shared template, the finding-stating title and a height scaled for presentation.

    Parameters
    ----------
    fig
        The figure to style; it is changed in place, its store text escaped (:func:`escape_store_text`).
    present
        Draw with the presentation template (larger type, thicker lines) and 25 % taller.
    title
        The finding the figure shows, in words: plain text, which may name store text (it is escaped here).
    height
        Height in pixels for the plain template; None leaves Plotly's default.
    room_height
        Height in pixels in presentation mode, instead of ``height`` made 25 % taller: a key chart that must fit the
        first screen of a projector (:data:`ROOM_CHART_PX`).

    Returns
    -------
    go.Figure
        ``fig`` itself, so a builder can end with ``return styled(...)``.
    """
    escape_store_text(fig)
    fig.update_layout(template=template_name(present), title={"text": plotly_text(title)})
    if present and room_height:
        fig.update_layout(height=room_height)
    elif height:
        fig.update_layout(height=int(height * (1.25 if present else 1.0)))
    return fig


def legend_above_margin(present: bool) -> dict:
    """Return the top margin that fits the title and a :data:`LEGEND_ABOVE` legend (or a top axis's labels) under it."""
    return {"t": 96 if present else 78}


def money_axis(currency: str) -> dict:
    """Return axis settings that print amounts as money (``$1.2M``) in the store's currency.

    Parameters
    ----------
    currency
        ISO code of the store's currency; one without a known symbol gets no prefix.

    Returns
    -------
    dict
        Keyword arguments for ``update_xaxes`` / ``update_yaxes`` or an axis dict of ``update_layout``.
    """
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    # Plotly's own number format with exponentformat "B": SI suffixes, but B (not G) for billions.
    return {"tickprefix": symbol, "tickformat": "", "exponentformat": "B", "hoverformat": ",.0f"}


#: One colour per project stage (``analytics.rules.STAGE_ORDER``), in the order legends list them.
STAGE_COLOURS = {
    "active": "#0072B2",
    "approved": "#56B4E9",
    "proposed": "#BBBBBB",
    "on_hold": "#E69F00",
    "completed": "#009E73",
    "cancelled": "#D55E00",
}


#: Trace properties that hold data Plotly shows as text: category values on axes and in hovers, point labels,
#: legend names, hover data.
_TRACE_TEXT = ("x", "y", "text", "hovertext", "customdata", "labels", "name")
#: Axis properties that hold shown text.
_AXIS_TEXT = ("categoryarray", "ticktext")


def _escaped(values):
    """Return ``values`` (a string, or arrays of them mixed with numbers and dates) with each string escaped."""
    if isinstance(values, str):
        return plotly_text(values)
    if isinstance(values, np.ndarray):
        if values.dtype.kind not in "OU":
            return values
        flat = values.astype(object).ravel()
        for i, value in enumerate(flat):
            if isinstance(value, str | np.ndarray | list | tuple):
                flat[i] = _escaped(value)
        return flat.reshape(values.shape)
    if isinstance(values, list | tuple):
        return type(values)(_escaped(v) for v in values)
    return values


def escape_store_text(fig: go.Figure) -> go.Figure:
    """Escape every shown text of ``fig``'s data and axes, and its axis titles, with :func:`analytics.text.plotly`.

    Builders pass store text (names, programs, themes, labels) as data, so escaping it here covers every figure;
    text a builder writes into a hover template, a title or an annotation itself it escapes where it writes it.
    """
    for trace in fig.data:
        for prop in _TRACE_TEXT:
            value = getattr(trace, prop, None) if prop in trace else None
            if value is not None:
                trace[prop] = _escaped(value)
    for axis in [*fig.select_xaxes(), *fig.select_yaxes()]:
        for prop in _AXIS_TEXT:
            if axis[prop] is not None:
                axis[prop] = _escaped(axis[prop])
        if axis.title.text:
            axis.title.text = plotly_text(axis.title.text)
    return fig
