"""The KPI roll-up behind every trend chart, at bench scale: DuckDB over the store against plain pandas.

Company revenue by month over the whole history (every product, 10M+ kpi_history rows): the same answer two
ways. pandas gets its frame already in memory, which flatters it (loading it is not timed).
"""

from __future__ import annotations

import pandas as pd

ROLLUP_SQL = """
    SELECT date_trunc('month', date) AS period, sum(value) AS revenue
    FROM kpi_history
    WHERE metric = ?
    GROUP BY period
    ORDER BY period
"""


def cases(con):
    def duckdb_rollup():
        return con.execute(ROLLUP_SQL, ["revenue"]).fetchnumpy()

    frame = con.execute("SELECT product_id, metric, date, value FROM kpi_history").to_arrow_table().to_pandas()
    frame["date"] = pd.to_datetime(frame["date"])

    def pandas_rollup():
        revenue = frame[frame["metric"] == "revenue"]
        return revenue.groupby(revenue["date"].dt.to_period("M"))["value"].sum()

    return [
        ("company revenue by month, 3 years, all products", duckdb_rollup),
        ("company revenue by month, 3 years, all products (pandas)", pandas_rollup),
    ]
