"""What the portfolio invests in a product against what the product brings in."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.rules import LIVE_SQL
from analytics.store import read_settings


def investment(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the portfolio projects attached to the product and what they cost, most total planned cost first.

    Columns ``project_id``, ``name``, ``program``, ``stage``, ``health``, ``start_date``, ``end_date``,
    ``budget``, ``spent_to_date`` (planned cost dated before ``as_of``, as DESIGN.md treats it: sunk),
    ``planned_forward`` (planned cost dated on or after ``as_of``; none for completed or cancelled projects),
    ``actual_cost`` (the latest progress snapshot's AC; NaN without one) and ``features`` (how many of the
    product's features the project carries).
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        f"""
        WITH money AS (
            SELECT project_id, sum(cost) FILTER (WHERE period < $as_of) AS spent_to_date,
                   -- a completed or cancelled project spends nothing more, whatever its old plan said
                   sum(cost) FILTER (WHERE period >= $as_of AND stage IN ({LIVE_SQL})) AS planned_forward
            FROM project_cashflows JOIN projects USING (project_id)
            WHERE projects.product_id = $product GROUP BY project_id
        ),
        latest AS (
            SELECT project_id, actual_cost FROM project_progress
            WHERE project_id IN (SELECT project_id FROM projects WHERE product_id = $product)
            QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY as_of DESC) = 1
        ),
        carried AS (
            SELECT project_id, count(*) AS features FROM features
            WHERE product_id = $product AND project_id IS NOT NULL GROUP BY project_id
        )
        SELECT p.project_id, p.name, p.program, p.stage, p.health, p.start_date, p.end_date, p.budget,
               coalesce(m.spent_to_date, 0) AS spent_to_date, coalesce(m.planned_forward, 0) AS planned_forward,
               l.actual_cost, coalesce(c.features, 0) AS features
        FROM projects p LEFT JOIN money m USING (project_id) LEFT JOIN latest l USING (project_id)
             LEFT JOIN carried c USING (project_id)
        WHERE p.product_id = $product
        ORDER BY spent_to_date + planned_forward DESC, p.project_id
        """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
        {"as_of": as_of, "product": product_id},
    ).df()
    numeric = ["budget", "spent_to_date", "planned_forward", "actual_cost"]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def investment_vs_outcome(
    con: duckdb.DuckDBPyConnection, product_id: str, months_back: int = 24, months_ahead: int = 12
) -> pd.DataFrame:
    """Compare month by month what the product's projects cost against the revenue and users the product brings.

    One row per month from ``months_back`` months before the month of ``as_of`` to ``months_ahead`` after.
    Columns ``period``, ``project_cost`` (planned cost of the product's projects that month; from ``as_of`` on
    only projects still live, as in ``investment``), ``revenue`` (sum of the month's days up to ``as_of``),
    ``active_users`` (value on the month's last day with data), ``forecast`` (True for months dated on or after
    ``as_of``: their cost is plan, they have no KPIs yet) and ``partial`` (the month of ``as_of``, whose KPIs
    run to ``as_of`` only). KPI months without data are NaN.
    """
    as_of = read_settings(con).as_of
    month0 = pd.Timestamp(as_of).to_period("M").to_timestamp()
    first = (month0 - pd.DateOffset(months=months_back)).date()
    last = (month0 + pd.DateOffset(months=months_ahead)).date()
    frame = con.execute(
        f"""
        WITH months AS (SELECT m::DATE AS period FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 MONTH) r(m)),
        cost AS (
            SELECT c.period, sum(c.cost) AS project_cost
            FROM project_cashflows c JOIN projects p USING (project_id)
            WHERE p.product_id = ? AND (c.period < ? OR p.stage IN ({LIVE_SQL}))
            GROUP BY c.period
        ),
        kpi AS (
            SELECT date_trunc('month', date)::DATE AS period,
                   sum(value) FILTER (WHERE metric = 'revenue') AS revenue,
                   arg_max(value, date) FILTER (WHERE metric = 'active_users') AS active_users
            FROM kpi_history
            WHERE product_id = ? AND metric IN ('revenue', 'active_users') AND date BETWEEN ? AND ?
            GROUP BY ALL
        )
        SELECT months.period, coalesce(cost.project_cost, 0) AS project_cost, kpi.revenue, kpi.active_users
        FROM months LEFT JOIN cost USING (period) LEFT JOIN kpi USING (period)
        ORDER BY months.period
        """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
        [first, last, product_id, as_of, product_id, first, as_of],
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame[["project_cost", "revenue", "active_users"]] = frame[["project_cost", "revenue", "active_users"]].astype(
        "float64"
    )
    # As DESIGN.md dates flows: a month dated on or after as_of is plan; the month of as_of has started (its cost
    # counts as spent, as in `investment`) but its KPIs cover only the days up to as_of.
    frame["forecast"] = frame["period"] >= pd.Timestamp(as_of)
    frame["partial"] = frame["period"] == month0
    return frame


@dataclass(frozen=True)
class InvestmentTotals:
    """The investment tab's headline figures (see ``investment_totals``)."""

    spent_to_date: float
    planned_forward: float
    months: int
    revenue: float
    active_users: float | None


def investment_totals(projects: pd.DataFrame, flows: pd.DataFrame) -> InvestmentTotals:
    """Sum what the product's projects cost against what the product brought in over the same past months.

    Parameters
    ----------
    projects
        ``investment`` rows: ``spent_to_date`` and ``planned_forward`` are summed over the projects.
    flows
        ``investment_vs_outcome`` rows: only the months before ``as_of`` (not ``forecast``) count.

    Returns
    -------
    InvestmentTotals
        ``months`` past months with their summed ``revenue``, and ``active_users`` on the last of them with data
        (None when none has any).
    """
    past = flows[~flows["forecast"]]
    users = past["active_users"].dropna()
    return InvestmentTotals(
        spent_to_date=float(projects["spent_to_date"].sum()),
        planned_forward=float(projects["planned_forward"].sum()),
        months=len(past),
        revenue=float(past["revenue"].sum()),
        active_users=float(users.iloc[-1]) if len(users) else None,
    )
