"""The portfolio filters, bound to the URL so a link reproduces the view."""

from __future__ import annotations

import streamlit as st

from analytics import formatting, portfolio, text
from ui import data, shell

#: The filters, as (key in the URL and in PortfolioFilter, label).
FIELDS = (
    ("programs", "Program"),
    ("products", "Product"),
    ("stages", "Stage"),
    ("sponsors", "Sponsor"),
    ("health", "Health"),
)
RATE_KEY = "rate"


def _chosen(key: str) -> list[str]:
    """What a filter holds before it is drawn this run: its state, else what the URL says."""
    if key in st.session_state:
        return list(st.session_state[key])
    return st.query_params.get_all(key)


def summary_line(with_rate: bool, default_rate: float) -> str:
    """One line saying which filters are on and at which rate, e.g. "Filters: Program Growth · rate 8.0%"."""
    parts = []
    for key, label in FIELDS:
        values = _chosen(key)
        if values:
            more = f" +{len(values) - 2}" if len(values) > 2 else ""
            shown = ", ".join(v.replace("_", " ") for v in values[:2]) + more
            parts.append(f"{label} {text.markdown(shown)}")  # store text, shown in a Markdown label
    line = "Filters: " + ("; ".join(parts) if parts else "all projects")
    if with_rate:
        rate = st.session_state.get(RATE_KEY)
        if rate is None:
            try:
                rate = float(st.query_params.get(RATE_KEY, default_rate))
            except ValueError:
                rate = default_rate
        line += f" · discount rate {formatting.percent(rate)}"
    return line


def portfolio_filters(with_rate: bool = True) -> tuple[portfolio.PortfolioFilter, float]:
    """Draw program, product, stage, sponsor and health filters and the discount rate; return them.

    At a desk they sit in one bordered row; in presentation mode they fold into one line that says which are on
    (a folded expander), so the room sees the figures first and the filters still open in place.
    """
    options = data.query(portfolio.filter_options)
    settings = data.settings()
    if shell.presentation_mode():
        holder = st.expander(summary_line(with_rate, float(settings.discount_rate)), icon=":material/filter_list:")
    else:
        holder = st.container(border=True)
    with holder:
        columns = st.columns([1, 1, 1, 1, 1, 1.2])
        chosen = {}
        for column, (key, label) in zip(columns, FIELDS, strict=False):
            with column:
                chosen[key] = tuple(
                    st.multiselect(
                        label,
                        options[key],
                        key=key,
                        bind="query-params",
                        placeholder="All",
                        format_func=lambda v: v.replace("_", " "),
                    )
                )
        rate = settings.discount_rate
        if with_rate:
            with columns[-1]:
                rate = st.slider(
                    "Discount rate",
                    0.0,
                    0.25,
                    float(settings.discount_rate),
                    0.005,
                    key=RATE_KEY,
                    bind="query-params",
                    format="percent",
                    help="Annual rate for the forward NPV and rNPV (Excel XNPV); the store's by default.",
                )
    return portfolio.PortfolioFilter(**chosen), rate
