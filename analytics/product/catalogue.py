"""What the product page shows and what each figure means: the products, their metrics and the definitions."""

from __future__ import annotations

import duckdb
import pandas as pd

#: The KPI tiles in page order: stored daily metrics, then the two computed from survey answers.
TILE_METRICS = ("active_users", "signups", "revenue", "churn_rate", "nps", "csat")
#: The trend charts: metrics stored in kpi_history, one chart each.
TREND_METRICS = ("active_users", "signups", "revenue", "churn_rate")
#: What each number means, shown in its tile's or chart's help.
DEFINITIONS = {
    "active_users": "Active users on the last day of the window with data (KPI roll-up 'last'). Target: the "
    "monthly target in force on the window's last day.",
    "signups": "New signups summed over the window's days (roll-up 'sum'). Target: each month's target, "
    "prorated by the days of that month inside the window.",
    "revenue": "Revenue summed over the window's days (roll-up 'sum'). Target: each month's target, prorated by "
    "the days of that month inside the window.",
    "churn_rate": "Monthly churn rate in percent, the mean of the daily values in the window (roll-up 'mean'); "
    "lower is better. Target: the monthly target in force on the window's last day.",
    "nps": "Net Promoter Score over the survey answers received in the window: 100 × (promoters scoring 9–10 − "
    "detractors scoring 0–6) / answers with an NPS score. From −100 to +100.",
    "csat": "Customer satisfaction over the answers received in the window: 100 × answers scoring 4 or 5 / "
    "answers with a CSAT score (1–5 scale). Target: the CSAT target in force on the window's last day.",
    "rice": "RICE = reach × impact × confidence / effort (effort in person-months).",
    "wsjf": "WSJF = (business value + time criticality + risk reduction) / job size.",
    "retention": "Retention = retained / cohort size, per signup-month cohort and month since signup. The "
    "average at each month is weighted by cohort size over only the cohorts old enough to have reached it.",
}


class UnknownMetricError(ValueError):
    """A metric that has no row in ``kpi_definitions`` (its roll-up rule is unknown)."""


def products(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """List every product by name (the picker's order).

    Columns ``product_id``, ``name``, ``segment``, ``owner``, ``lifecycle_stage``, ``launched_on``.
    """
    return con.execute(
        "SELECT product_id, name, segment, owner, lifecycle_stage, launched_on FROM products ORDER BY name, product_id"
    ).df()


def product_info(con: duckdb.DuckDBPyConnection, product_id: str) -> dict | None:
    """Return one product's row of ``products`` as a dict (None if there is no such product)."""
    row = con.execute(
        "SELECT product_id, name, segment, owner, lifecycle_stage, launched_on FROM products WHERE product_id = ?",
        [product_id],
    ).fetchone()
    if row is None:
        return None
    keys = ("product_id", "name", "segment", "owner", "lifecycle_stage", "launched_on")
    return dict(zip(keys, row, strict=True))


def metric_definitions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``kpi_definitions`` (metric, label, unit, direction, aggregation), indexed by metric."""
    return (
        con.execute("SELECT metric, label, unit, direction, aggregation FROM kpi_definitions").df().set_index("metric")
    )
