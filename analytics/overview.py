"""The company at a glance: headline numbers for the overview page, from the product and the portfolio side.

Windows are the ``days`` up to and including ``as_of`` and the same number of days just before, so a tile's
change compares like with like. Definitions follow DESIGN.md; each function's docstring restates its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from analytics import charts, portfolio

# The NPS and CSAT formulas (DESIGN.md) have one home, the product module; the overview applies them company-wide.
from analytics.product import CSAT_SQL, NPS_SQL
from analytics.rules import LIVE_SQL
from analytics.store import read_settings


@dataclass(frozen=True)
class Windows:
    """The current window ``[start, end]`` and the equally long one just before it (inclusive dates)."""

    start: date
    end: date
    previous_start: date
    previous_end: date

    @classmethod
    def trailing(cls, as_of: date, days: int) -> Windows:
        """Return the ``days`` ending on ``as_of`` and the ``days`` before them."""
        start = as_of - timedelta(days=days - 1)
        return cls(start, as_of, start - timedelta(days=days), start - timedelta(days=1))


def company_kpis(con: duckdb.DuckDBPyConnection, days: int = 90) -> pd.DataFrame:
    """Company-wide product KPIs over the last ``days`` against the ``days`` before.

    One row per measure (revenue, active_users, nps, csat) with columns ``measure``, ``current``, ``previous``,
    ``change`` (current − previous) and ``relative_change`` (change / |previous|; NaN when previous is 0 or
    missing). Revenue is the sum over every product's days in the window (``sum`` aggregation). Active users
    is the sum over products of each product's value on its last day with data in the window (``last``
    aggregation). NPS and CSAT are computed over every answer received in the window, all products together.
    A window without data gives NaN, never 0.
    """
    windows = Windows.trailing(read_settings(con).as_of, days)
    params = [windows.start, windows.end, windows.previous_start, windows.previous_end]
    kpis = con.execute(
        """
        WITH tagged AS (
            SELECT *, CASE WHEN date BETWEEN ? AND ? THEN 'current' ELSE 'previous' END AS window_name
            FROM kpi_history
            WHERE metric IN ('revenue', 'active_users') AND (date BETWEEN ? AND ? OR date BETWEEN ? AND ?)
        ),
        last_users AS (
            SELECT window_name, product_id, arg_max(value, date) AS users
            FROM tagged WHERE metric = 'active_users' GROUP BY ALL
        )
        SELECT window_name,
               (SELECT sum(value) FROM tagged t WHERE t.metric = 'revenue' AND t.window_name = w.window_name),
               (SELECT sum(users) FROM last_users u WHERE u.window_name = w.window_name)
        FROM (VALUES ('current'), ('previous')) w(window_name)
        """,
        [windows.start, windows.end, *params],
    ).fetchall()
    voice = con.execute(
        f"""
        SELECT CASE WHEN received_on BETWEEN ? AND ? THEN 'current' ELSE 'previous' END AS window_name,
               {NPS_SQL}, {CSAT_SQL}
        FROM feedback WHERE received_on BETWEEN ? AND ? OR received_on BETWEEN ? AND ?
        GROUP BY window_name
        """,  # noqa: S608 -- the interpolated text is this module's own formula constants
        [windows.start, windows.end, *params],
    ).fetchall()
    values: dict[str, dict[str, float | None]] = {"current": {}, "previous": {}}
    for window_name, revenue, users in kpis:
        values[window_name].update(revenue=revenue, active_users=users)
    for window_name, nps_value, csat_value in voice:
        values[window_name].update(nps=nps_value, csat=csat_value)
    frame = pd.DataFrame(
        {
            "measure": ["revenue", "active_users", "nps", "csat"],
            "current": [values["current"].get(m) for m in ("revenue", "active_users", "nps", "csat")],
            "previous": [values["previous"].get(m) for m in ("revenue", "active_users", "nps", "csat")],
        }
    )
    frame[["current", "previous"]] = frame[["current", "previous"]].astype("float64")
    frame["change"] = frame["current"] - frame["previous"]
    frame["relative_change"] = frame["change"] / frame["previous"].abs().where(frame["previous"] != 0)
    return frame


def product_scorecard(con: duckdb.DuckDBPyConnection, days: int = 90) -> pd.DataFrame:
    """One row per product: how each one is doing over the last ``days`` (same definitions as ``company_kpis``).

    Columns: ``product_id``, ``name``, ``lifecycle_stage``, ``revenue`` and ``revenue_previous`` (sum over the
    window and the one before), ``revenue_change`` (relative), ``active_users`` (value on the last day with
    data), ``nps`` and ``csat`` over the window's answers (NaN when there are none), ``churn_rate`` (mean of
    the daily monthly-churn values in the window, in percent points). Ordered by revenue, largest first.
    """
    windows = Windows.trailing(read_settings(con).as_of, days)
    frame = con.execute(
        f"""
        WITH kpi AS (
            SELECT product_id,
                   sum(value) FILTER (WHERE metric = 'revenue' AND date >= $start) AS revenue,
                   sum(value) FILTER (WHERE metric = 'revenue' AND date < $start) AS revenue_previous,
                   arg_max(value, date) FILTER (WHERE metric = 'active_users' AND date >= $start) AS active_users,
                   avg(value) FILTER (WHERE metric = 'churn_rate' AND date >= $start) AS churn_rate
            FROM kpi_history
            WHERE date BETWEEN $previous_start AND $end
              AND metric IN ('revenue', 'active_users', 'churn_rate')
            GROUP BY product_id
        ),
        voice AS (
            SELECT product_id, {NPS_SQL} AS nps, {CSAT_SQL} AS csat
            FROM feedback WHERE received_on BETWEEN $start AND $end GROUP BY product_id
        )
        SELECT p.product_id, p.name, p.lifecycle_stage, kpi.revenue, kpi.revenue_previous,
               kpi.revenue / nullif(kpi.revenue_previous, 0) - 1 AS revenue_change,
               kpi.active_users, voice.nps, voice.csat, kpi.churn_rate
        FROM products p LEFT JOIN kpi USING (product_id) LEFT JOIN voice USING (product_id)
        ORDER BY kpi.revenue DESC NULLS LAST, p.product_id
        """,  # noqa: S608 -- the interpolated text is this module's own formula constants
        {"start": windows.start, "end": windows.end, "previous_start": windows.previous_start},
    ).df()
    numeric = ["revenue", "revenue_previous", "revenue_change", "active_users", "nps", "csat", "churn_rate"]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


#: Products a stacked revenue chart can show one by one and still be read; the rest are summed as one "other".
TOP_PRODUCTS = 8


def monthly_revenue_by_product(
    con: duckdb.DuckDBPyConnection, months: int = 24, top: int = TOP_PRODUCTS
) -> pd.DataFrame:
    """Revenue per product per calendar month over the last ``months`` complete-or-current months.

    The ``top`` products by revenue over those months keep a series each; every other product's revenue is summed
    into one series named "Other (N products)", so 1,700 products draw as nine readable series, not a legend no
    one can read. Columns ``period`` (month start), ``product_id`` (None for the others), ``name``, ``rank`` (1 =
    most revenue; ``top + 1`` for the others), ``revenue`` (sum of the month's days up to ``as_of``; the current
    month is partial and flagged by ``partial``), ordered by period then rank. No rows without revenue history.
    """
    as_of = read_settings(con).as_of
    first = (pd.Timestamp(as_of).to_period("M") - (months - 1)).to_timestamp().date()
    frame = con.execute(
        """
        WITH monthly AS (
            SELECT date_trunc('month', date)::DATE AS period, product_id, sum(value) AS revenue
            FROM kpi_history WHERE metric = 'revenue' AND date BETWEEN $first AND $as_of
            GROUP BY ALL
        ),
        ranked AS (
            SELECT product_id, row_number() OVER (ORDER BY sum(revenue) DESC, product_id) AS rank
            FROM monthly GROUP BY product_id
        )
        SELECT m.period,
               CASE WHEN r.rank <= $top THEN m.product_id END AS product_id,
               CASE WHEN r.rank <= $top THEN coalesce(p.name, m.product_id) END AS name,
               least(r.rank, $top + 1) AS rank,
               sum(m.revenue) AS revenue,
               (SELECT count(*) FROM ranked) AS products
        FROM monthly m JOIN ranked r USING (product_id) LEFT JOIN products p USING (product_id)
        GROUP BY ALL ORDER BY m.period, rank
        """,
        {"first": first, "as_of": as_of, "top": top},
    ).df()
    others = int(frame["products"].iloc[0]) - top if len(frame) else 0
    frame["name"] = (
        frame["name"]
        .astype(object)
        .where(frame["rank"] <= top, f"Other ({others:,} product{'s' if others != 1 else ''})")
    )
    frame["period"] = pd.to_datetime(frame["period"])
    frame["revenue"] = frame["revenue"].astype("float64")
    frame["rank"] = frame["rank"].astype("int64")
    frame["partial"] = frame["period"] == pd.Timestamp(as_of).to_period("M").to_timestamp()
    return frame.drop(columns="products")


def revenue_chart(con: duckdb.DuckDBPyConnection, months: int = 24, *, currency: str, present: bool):
    """Return the overview's revenue figure, or None when those months hold no revenue.

    The figure is ``charts.revenue_by_product`` of ``monthly_revenue_by_product``.
    A function of the store and its parameters, so the page caches the figure itself by store version and
    parameters instead of rebuilding it on every run.
    """
    frame = monthly_revenue_by_product(con, months)
    if frame.empty:
        return None
    return charts.revenue_by_product(frame, currency=currency, present=present)


def portfolio_headlines(con: duckdb.DuckDBPyConnection, months: int = 12) -> dict:
    """Headline numbers of the whole project portfolio as of the store's ``as_of``: ``portfolio.summary`` unfiltered.

    The overview and the portfolio page show the same figures under the same labels (``portfolio.LABELS``), so
    they come from the one function; see ``portfolio.summary`` for each figure's definition. ``capacity``
    counts over the next ``months`` months.
    """
    return portfolio.summary(con, portfolio.PortfolioFilter(), months=months)


def forward_budget_by_program(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Planned cost dated on or after ``as_of``, per program and stage, over live projects.

    Columns ``program``, ``stage``, ``forward_cost``, ``projects``; programs ordered by total forward cost.
    """
    as_of = read_settings(con).as_of
    return con.execute(
        f"""
        WITH by_stage AS (
            SELECT coalesce(p.program, 'No program') AS program, p.stage,
                   sum(c.cost) AS forward_cost, count(DISTINCT p.project_id) AS projects
            FROM projects p JOIN project_cashflows c USING (project_id)
            WHERE p.stage IN ({LIVE_SQL}) AND c.period >= ?
            GROUP BY ALL
        )
        SELECT * FROM by_stage
        ORDER BY sum(forward_cost) OVER (PARTITION BY program) DESC, program, stage
        """,  # noqa: S608 -- the interpolated stages are constants of analytics.rules
        [as_of],
    ).df()


#: What each product headline means, shown in its tile's help (DESIGN.md's definitions, in a sentence each); the
#: portfolio headlines are ``portfolio.DEFINITIONS``.
DEFINITIONS = {
    "revenue": "Sum of every product's daily revenue over the window, against the same number of days just before.",
    "active_users": "Sum over products of active users on the last day of the window with data (KPI roll-up 'last').",
    "nps": "Net Promoter Score over every answer in the window: 100 × (promoters 9–10 − detractors 0–6) / answers.",
    "csat": "Customer satisfaction over every answer in the window: 100 × answers scoring 4 or 5 / answers (1–5).",
}
