"""Signup-month retention cohorts: the heatmap's cells and the average curve, mature cells only."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.store import read_settings

# A cell (cohort_month, month_offset) is mature when the month it describes, cohort_month + offset, is over:
# before the month of as_of. Younger cells are not zero retention, they are not known yet.
_MATURE = "cohort_month + to_months(month_offset) < date_trunc('month', ?::DATE)"


def retention_matrix(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the cohort heatmap: every stored (cohort_month, month_offset) cell of the product, with maturity.

    Columns ``cohort_month`` (datetime), ``month_offset``, ``cohort_size``, ``retained``, ``retention``
    (retained / cohort size; NaN for an empty cohort) and ``mature`` (the cell's month, cohort_month +
    month_offset, is before the month of ``as_of``). A heatmap must leave immature cells blank, not 0 %.
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        f"""
        SELECT cohort_month, month_offset, cohort_size, retained,
               retained / nullif(cohort_size, 0) AS retention, {_MATURE} AS mature
        FROM retention_cohorts WHERE product_id = ?
        ORDER BY cohort_month, month_offset
        """,  # noqa: S608 -- a constant of this module
        [as_of, product_id],
    ).df()
    frame["cohort_month"] = pd.to_datetime(frame["cohort_month"])
    frame["retention"] = frame["retention"].astype("float64")
    return frame


def retention_curve(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the product's average retention curve, weighted by cohort size over the cohorts that reached each month.

    ``retention(k) = Σ retained / Σ cohort_size`` over the product's cohorts whose month ``cohort_month + k`` is
    before the month of ``as_of``; cells of later months (immature), if a store holds any, are ignored rather
    than averaged in as zeros. Columns ``month_offset``, ``retention`` (0–1), ``cohorts`` (how many cohorts
    the point averages) and ``users`` (their total size), oldest offset first.
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        f"""
        SELECT month_offset, sum(retained) / nullif(sum(cohort_size), 0) AS retention,
               count(*) AS cohorts, sum(cohort_size) AS users
        FROM retention_cohorts
        WHERE product_id = ? AND {_MATURE}
        GROUP BY month_offset ORDER BY month_offset
        """,  # noqa: S608 -- a constant of this module
        [product_id, as_of],
    ).df()
    frame["retention"] = frame["retention"].astype("float64")
    return frame
