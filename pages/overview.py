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
            layout.Tile(
                "Revenue",
                formatting.money(kpis.at["revenue", "current"], currency),
                overview.DEFINITIONS["revenue"],
                relative("revenue"),
                link=product_link,
                link_label="Products",
            ),
            layout.Tile(
                "Active users",
                formatting.count(kpis.at["active_users", "current"]),
                overview.DEFINITIONS["active_users"],
                relative("active_users"),
                link=product_link,
                link_label="Adoption",
            ),
            layout.Tile(
                "NPS",
                formatting.score(kpis.at["nps", "current"]),
                overview.DEFINITIONS["nps"],
                points("nps"),
                link=product_link,
                link_label="Customer voice",
            ),
            layout.Tile(
                "CSAT",
                formatting.percent(kpis.at["csat", "current"], points=True),
                overview.DEFINITIONS["csat"],
                points("csat"),
                link=product_link,
                link_label="Customer voice",
            ),
        ]
    )

    revenue = data.query(overview.monthly_revenue_by_product, 24)
    left, right = layout.side_by_side([11, 9], present)
    with left:
        layout.chart(charts.revenue_by_product(revenue, currency=currency, present=present), key="revenue_chart")
    with right:
        st.markdown(f"**Product scorecard**, last {WINDOW_DAYS} days")
        st.dataframe(
            # Shares become percent points for display only; the numbers themselves come from analytics.
            scorecard.drop(columns=["product_id", "revenue_previous", "lifecycle_stage"]).assign(
                revenue_change=scorecard["revenue_change"] * 100
            ),
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
        layout.Tile(
            "Forward budget",
            formatting.money(portfolio["forward_budget"], currency),
            overview.DEFINITIONS["forward_budget"],
            f"{formatting.money(portfolio['committed_budget'], currency)} committed",
            delta_color="off",
            delta_arrow="off",
            link=portfolio_link,
            link_label="Portfolio",
        ),
        layout.Tile(
            "Projects in red",
            f"{portfolio['red_projects']:.0f} of {portfolio['active_projects']:.0f} active",
            overview.DEFINITIONS["red_projects"],
            link=portfolio_link,
            link_label="Health",
        ),
        layout.Tile(
            "Capacity used, next 12 months",
            formatting.percent(portfolio["capacity_utilisation"], 0),
            overview.DEFINITIONS["capacity_utilisation"],
            f"{portfolio['overbooked_team_months']:.0f} team-months over-booked",
            delta_color="off",
            delta_arrow="off",
            link=portfolio_link,
            link_label="Capacity",
        ),
        layout.Tile(
            "Open risk exposure",
            formatting.number(portfolio["open_risk_exposure"], 1),
            overview.DEFINITIONS["open_risk_exposure"],
            link=portfolio_link,
            link_label="Risks",
        ),
    ]
)
budget = data.query(overview.forward_budget_by_program)
layout.chart(charts.forward_budget_by_program(budget, currency=currency, present=present), key="budget_chart")
