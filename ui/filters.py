"""The portfolio filters, bound to the URL so a link reproduces the view."""

from __future__ import annotations

import streamlit as st

from analytics import portfolio
from ui import data


def portfolio_filters(with_rate: bool = True) -> tuple[portfolio.PortfolioFilter, float]:
    """Draw program, product, stage, sponsor and health filters and the discount rate; return them."""
    options = data.query(portfolio.filter_options)
    settings = data.settings()
    with st.container(border=True):
        columns = st.columns([1, 1, 1, 1, 1, 1.2])
        chosen = {}
        for column, (key, label) in zip(
            columns,
            (
                ("programs", "Program"),
                ("products", "Product"),
                ("stages", "Stage"),
                ("sponsors", "Sponsor"),
                ("health", "Health"),
            ),
            strict=False,
        ):
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
                    key="rate",
                    bind="query-params",
                    format="percent",
                    help="Annual rate for NPV and rNPV (Excel XNPV); the store's by default.",
                )
    return portfolio.PortfolioFilter(**chosen), rate
