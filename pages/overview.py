from functools import partial

import streamlit as st

from analytics import charts, formatting, overview, text
from ui import data, layout, nav, shell

shell.ensure_framed()

WINDOW_DAYS = 90
present = shell.presentation_mode()
settings = data.settings()
currency = settings.currency

layout.header(
    f"{text.markdown(settings.company)} at a glance",
    f"How are our products doing, and is the portfolio on track? Last {WINDOW_DAYS} days to "
    f"{settings.as_of:%d %b %Y} against the {WINDOW_DAYS} before.",
)

kpis = data.query(overview.company_kpis, WINDOW_DAYS).set_index("measure")
product_link = "pages/product.py" if nav.is_available("product") else None
portfolio_link = "pages/portfolio.py" if nav.is_available("portfolio") else None


def relative(measure: str) -> str | None:
    change = kpis.at[measure, "relative_change"]
    return None if formatting.is_missing(change) else f"{formatting.percent(change, 1)} vs previous {WINDOW_DAYS} days"


def points(measure: str) -> str | None:
    change = kpis.at[measure, "change"]
    return None if formatting.is_missing(change) else f"{change:+.1f} points vs previous {WINDOW_DAYS} days"


st.subheader("Products", anchor=False)
scorecard = data.query(overview.product_scorecard, WINDOW_DAYS)
if scorecard.empty:
    layout.empty_state(
        "No products in this store yet, so there is no revenue, adoption or satisfaction to show.",
        "Add products, their KPI history and customer feedback on the Data page (templates are there); "
        "the portfolio below works without them.",
    )
else:
    layout.tile_row(
        [
            # "all products": the product page's tiles of the same names are one product's.
            layout.Tile(
                "Revenue, all products",
                formatting.money(kpis.at["revenue", "current"], currency),
                overview.DEFINITIONS["revenue"],
                relative("revenue"),
                link=product_link,
                link_label="Trends",
                link_query={"section": "Trends"},
            ),
            layout.Tile(
                "Active users, all products",
                formatting.count(kpis.at["active_users", "current"]),
                overview.DEFINITIONS["active_users"],
                relative("active_users"),
                link=product_link,
                link_label="Trends",
                link_query={"section": "Trends"},
            ),
            layout.Tile(
                "NPS, all products",
                formatting.score(kpis.at["nps", "current"]),
                overview.DEFINITIONS["nps"],
                points("nps"),
                link=product_link,
                link_label="Customer voice",
                link_query={"section": "Customer voice"},
            ),
            layout.Tile(
                "CSAT, all products",
                formatting.percent(kpis.at["csat", "current"], points=True),
                overview.DEFINITIONS["csat"],
                points("csat"),
                link=product_link,
                link_label="Customer voice",
                link_query={"section": "Customer voice"},
            ),
        ]
    )

    left, right = layout.side_by_side([11, 9], present)
    with left:
        revenue_figure = data.query(overview.revenue_chart, 24, currency=currency, present=present)
        if revenue_figure is None:
            layout.empty_state(
                "No revenue recorded in the last 24 months, so there is no revenue chart.",
                "Import the products' daily revenue (kpi_history, metric revenue) on the Data page.",
            )
        else:
            layout.chart(revenue_figure, key="revenue_chart")
    with right, st.container(key="product_scorecard"):
        st.markdown(f"**Product scorecard**, last {WINDOW_DAYS} days")
        shown_scorecard = scorecard.drop(columns=["product_id", "revenue_previous", "lifecycle_stage"])
        if present:
            # A room reads a static table at room type (a data grid draws desk-size type on its canvas).
            layout.table(
                shown_scorecard,
                formats={
                    "revenue": partial(formatting.money, currency=currency),
                    "revenue_change": lambda share: f"{share * 100:+.0f}%",
                    "active_users": formatting.count,
                    "nps": "{:+.0f}".format,
                    "csat": "{:.0f}%".format,
                    "churn_rate": "{:.1f}%".format,
                },
                labels={
                    "name": "Product",
                    "revenue": "Revenue",
                    "revenue_change": "Δ",
                    "active_users": "Users",
                    "nps": "NPS",
                    "csat": "CSAT",
                    "churn_rate": "Churn",
                },
            )
        else:
            st.dataframe(
                # Shares become percent points for display only; the numbers themselves come from analytics.
                shown_scorecard.assign(revenue_change=scorecard["revenue_change"] * 100),
                hide_index=True,
                width="stretch",
                column_config={
                    "name": st.column_config.TextColumn("Product"),
                    "revenue": st.column_config.NumberColumn(
                        "Revenue", format="compact", help=f"{currency}, last {WINDOW_DAYS} days"
                    ),
                    "revenue_change": st.column_config.NumberColumn(
                        "Δ", format="%+.0f%%", help="Revenue against the previous window"
                    ),
                    "active_users": st.column_config.NumberColumn(
                        "Users", format="compact", help=overview.DEFINITIONS["active_users"]
                    ),
                    "nps": st.column_config.NumberColumn("NPS", format="%+.0f", help=overview.DEFINITIONS["nps"]),
                    "csat": st.column_config.NumberColumn("CSAT", format="%.0f%%", help=overview.DEFINITIONS["csat"]),
                    "churn_rate": st.column_config.NumberColumn(
                        "Churn", format="%.1f%%", help="Monthly churn rate, mean over the window"
                    ),
                },
            )

st.subheader("Portfolio", anchor=False)
portfolio = data.query(overview.portfolio_headlines, 12)
layout.tile_row(
    [
        # The same tiles as the portfolio page's, from the same function; each opens the tab that explains it.
        layout.portfolio_tile("forward_budget", portfolio, currency, link=portfolio_link, tab="Health and money"),
        layout.portfolio_tile("red_projects", portfolio, currency, link=portfolio_link, tab="Health and money"),
        layout.portfolio_tile("capacity_utilisation", portfolio, currency, link=portfolio_link, tab="Capacity"),
        layout.portfolio_tile("risk_exposure", portfolio, currency, link=portfolio_link, tab="Risk"),
    ]
)
budget = data.query(overview.forward_budget_by_program)
if budget.empty:
    layout.empty_state(
        "No live project plans any cost from the valuation date on, so there is no forward spend to chart.",
        "Import projects and their monthly cost (project_cashflows) on the Data page.",
    )
else:
    layout.chart(charts.forward_budget_by_program(budget, currency=currency, present=present), key="budget_chart")
