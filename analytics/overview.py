"""The company at a glance: headline numbers for the overview page, from the product and the portfolio side.

Windows are the ``days`` up to and including ``as_of`` and the same number of days just before, so a tile's
change compares like with like. Definitions follow DESIGN.md; each function's docstring restates its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

# The NPS and CSAT formulas (DESIGN.md) have one home, the product module; the overview applies them company-wide.
from analytics.product import CSAT_SQL, NPS_SQL
from analytics.rules import ACTIVE_STAGE, COMMITTED_SQL, EVM_HEALTH_TEXT, LIVE_SQL, OPEN_RISK_SQL, evm_health_sql
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


def monthly_revenue_by_product(con: duckdb.DuckDBPyConnection, months: int = 24) -> pd.DataFrame:
    """Revenue per product per calendar month over the last ``months`` complete-or-current months.

    Columns ``period`` (month start), ``product_id``, ``name``, ``revenue`` (sum of the month's days up to
    ``as_of``; the current month is partial and flagged by ``partial``).
    """
    as_of = read_settings(con).as_of
    first = (pd.Timestamp(as_of).to_period("M") - (months - 1)).to_timestamp().date()
    frame = con.execute(
        """
        SELECT date_trunc('month', h.date)::DATE AS period, h.product_id, p.name, sum(h.value) AS revenue
        FROM kpi_history h JOIN products p USING (product_id)
        WHERE h.metric = 'revenue' AND h.date BETWEEN ? AND ?
        GROUP BY ALL ORDER BY period, h.product_id
        """,
        [first, as_of],
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["partial"] = frame["period"] == pd.Timestamp(as_of).to_period("M").to_timestamp()
    return frame


def portfolio_headlines(con: duckdb.DuckDBPyConnection, months: int = 12) -> dict[str, float]:
    """Headline numbers of the project portfolio as of the store's ``as_of``.

    - ``forward_budget``: Σ planned cost dated on or after ``as_of`` (DESIGN.md: earlier flows are sunk) over
      live projects (proposed, approved, active, on hold); ``committed_budget`` the same over approved and
      active only.
    - ``live_projects`` and ``active_projects``: counts by stage.
    - ``red_projects``: active projects whose health is red: the stored health where there is one, else the
      EVM rule (``rules.evm_health_sql``) from the latest progress snapshot (CPI = EV / AC, SPI = EV / PV).
    - ``capacity_utilisation``: Σ FTE demanded by approved and active projects / Σ FTE capacity, over the
      next ``months`` months from the month of ``as_of``; ``overbooked_team_months``: team-months in that span
      where demand exceeds capacity.
    - ``open_risk_exposure``: Σ probability × impact over open and mitigating risks of live projects.
    """
    as_of = read_settings(con).as_of
    month0 = as_of.replace(day=1)
    horizon_end = (pd.Timestamp(month0) + pd.DateOffset(months=months)).date()
    row = con.execute(
        f"""
        WITH live AS (SELECT * FROM projects WHERE stage IN ({LIVE_SQL})),
        latest AS (
            SELECT project_id, earned_value / nullif(actual_cost, 0) AS cpi,
                   earned_value / nullif(planned_value, 0) AS spi
            FROM project_progress
            QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY as_of DESC) = 1
        ),
        health AS (
            SELECT p.project_id, coalesce(p.health, {evm_health_sql("l.cpi", "l.spi")}) AS health
            FROM live p LEFT JOIN latest l USING (project_id) WHERE p.stage = '{ACTIVE_STAGE}'
        ),
        demand AS (
            SELECT d.team_id, d.period, sum(d.fte) AS fte
            FROM project_demand d JOIN projects p USING (project_id)
            WHERE p.stage IN ({COMMITTED_SQL}) AND d.period >= $month0 AND d.period < $horizon_end
            GROUP BY ALL
        ),
        cells AS (
            SELECT c.team_id, c.period, c.fte AS capacity, coalesce(d.fte, 0) AS demand
            FROM team_capacity c LEFT JOIN demand d USING (team_id, period)
            WHERE c.period >= $month0 AND c.period < $horizon_end
        )
        SELECT
            (SELECT sum(cost) FROM project_cashflows JOIN live USING (project_id) WHERE period >= $as_of),
            (SELECT sum(cost) FROM project_cashflows JOIN live USING (project_id)
             WHERE period >= $as_of AND stage IN ({COMMITTED_SQL})),
            (SELECT count(*) FROM live),
            (SELECT count(*) FROM live WHERE stage = '{ACTIVE_STAGE}'),
            (SELECT count(*) FROM health WHERE health = 'red'),
            (SELECT sum(demand) / nullif(sum(capacity), 0) FROM cells),
            (SELECT count(*) FROM cells WHERE demand > capacity),
            (SELECT sum(probability * impact) FROM risks JOIN live USING (project_id)
             WHERE status IN ({OPEN_RISK_SQL}))
        """,  # noqa: S608 -- the interpolated rules are constants of analytics.rules
        {"as_of": as_of, "month0": month0, "horizon_end": horizon_end},
    ).fetchone()
    keys = (
        "forward_budget",
        "committed_budget",
        "live_projects",
        "active_projects",
        "red_projects",
        "capacity_utilisation",
        "overbooked_team_months",
        "open_risk_exposure",
    )
    return {k: float(v) if v is not None else float("nan") for k, v in zip(keys, row, strict=True)}


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


#: What each headline number means, shown in its tile's help (DESIGN.md's definitions, in a sentence each).
DEFINITIONS = {
    "revenue": "Sum of every product's daily revenue over the window, against the same number of days just before.",
    "active_users": "Sum over products of active users on the last day of the window with data (KPI roll-up 'last').",
    "nps": "Net Promoter Score over every answer in the window: 100 × (promoters 9–10 − detractors 0–6) / answers.",
    "csat": "Customer satisfaction over every answer in the window: 100 × answers scoring 4 or 5 / answers (1–5).",
    "forward_budget": "Planned cost dated on or after the valuation date (earlier spend is sunk) of live projects "
    "(proposed, approved, active, on hold); committed = approved and active only.",
    "red_projects": "Active projects in red: stored health, else EVM from the latest snapshot (CPI = EV / AC, "
    f"SPI = EV / PV; {EVM_HEALTH_TEXT}).",
    "capacity_utilisation": "FTE demanded by approved and active projects / FTE capacity, all teams, next 12 "
    "months; over-booked = team-months where demand exceeds capacity.",
    "open_risk_exposure": "Σ probability × impact (1–5) over open and mitigating risks of live projects.",
}
