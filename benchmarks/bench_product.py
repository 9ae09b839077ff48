"""Every query the product page runs, at bench scale (10M+ kpi_history rows, 1,726 products), and the page's rerun.

The issue's bar: each product query under 30 ms median. The product is Ledger, one of the demo's long-lived
products (three years of daily KPIs), over its heaviest view: the last 365 days by week against the same period a
year earlier. "(pandas)" twins compute the same answer from frames already in memory (loading them is not timed).
The page rerun cases drive the real page in-process (AppTest) on a copy of the bench store.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from analytics import product, store

PRODUCT = "LEDGER"
REPEAT = 9


def cases(con):
    as_of = store.read_settings(con).as_of
    window = product.resolve_window(as_of, "365d", "last_year")
    start, end = window.start, window.end
    items = product.backlog(con, PRODUCT)
    capacity = float(items["effort"].sum()) / 3

    queries = [
        ("products (the picker)", lambda: product.products(con)),
        ("product_info", lambda: product.product_info(con, PRODUCT)),
        ("metric_definitions", lambda: product.metric_definitions(con)),
        ("kpi_summary: 6 tiles, window and comparison, targets", lambda: product.kpi_summary(con, PRODUCT, window)),
        ("kpi_sparklines: 6 tiles by week", lambda: product.kpi_sparklines(con, PRODUCT, "week", window)),
        (
            "kpi_trends: 4 metrics by week, comparison, targets",
            lambda: product.kpi_trends(con, PRODUCT, product.TREND_METRICS, "week", window),
        ),
        (
            "kpi_series: revenue by week, 365 days",
            lambda: product.kpi_series(con, PRODUCT, "revenue", "week", start, end),
        ),
        (
            "kpi_targets: 4 metrics by week",
            lambda: product.kpi_targets(con, PRODUCT, product.TREND_METRICS, "week", start, end),
        ),
        ("shipped_features (release markers)", lambda: product.shipped_features(con, PRODUCT, start, end)),
        ("nps, 365 days", lambda: product.nps(con, PRODUCT, start, end)),
        ("csat, 365 days", lambda: product.csat(con, PRODUCT, start, end)),
        ("voice_series: NPS mix and CSAT by week", lambda: product.voice_series(con, PRODUCT, "week", start, end)),
        ("feedback_themes", lambda: product.feedback_themes(con, PRODUCT, start, end)),
        ("latest_comments", lambda: product.latest_comments(con, PRODUCT, start, end, 25)),
        ("retention_matrix", lambda: product.retention_matrix(con, PRODUCT)),
        ("retention_curve", lambda: product.retention_curve(con, PRODUCT)),
        ("roadmap", lambda: product.roadmap(con, PRODUCT)),
        ("late_features", lambda: product.late_features(con, PRODUCT)),
        ("backlog: RICE and WSJF", lambda: product.backlog(con, PRODUCT)),
        ("capacity_plan: exact knapsack (HiGHS)", lambda: product.capacity_plan(items, capacity, "rice")),
        ("investment: the product's projects", lambda: product.investment(con, PRODUCT)),
        ("investment_vs_outcome: 36 months", lambda: product.investment_vs_outcome(con, PRODUCT, 23, 12)),
    ]
    return queries + _pandas_twins(con, window) + _page_reruns(con)


def _pandas_twins(con, window):
    """The same answers in plain pandas, from whole tables already in memory."""
    history = con.sql("SELECT product_id, metric, date, value FROM kpi_history").to_arrow_table().to_pandas()
    history["date"] = pd.to_datetime(history["date"])
    feedback = con.execute("SELECT product_id, received_on, nps_score, csat_score FROM feedback").df()
    feedback["received_on"] = pd.to_datetime(feedback["received_on"])
    cohorts = con.execute("SELECT * FROM retention_cohorts").df()
    cohorts["cohort_month"] = pd.to_datetime(cohorts["cohort_month"])
    aggregation = dict(con.execute("SELECT metric, aggregation FROM kpi_definitions").fetchall())
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    month0 = pd.Timestamp(store.read_settings(con).as_of).to_period("M").to_timestamp()

    def rows(metric, first, last):
        mask = (history["product_id"] == PRODUCT) & (history["metric"] == metric)
        mask &= history["date"].between(first, last)
        return history[mask]

    def series_pandas():
        chosen = rows("revenue", start, end)
        return chosen.groupby(chosen["date"].dt.to_period("W-SUN").dt.start_time)["value"].sum()

    def summary_pandas():
        windows = {
            "current": (start, end),
            "previous": (pd.Timestamp(window.compare_start), pd.Timestamp(window.compare_end)),
        }
        out = {}
        for name, (first, last) in windows.items():
            for metric in ("active_users", "signups", "revenue", "churn_rate"):
                values = rows(metric, first, last).sort_values("date")["value"]
                rollup = {"sum": values.sum, "mean": values.mean, "last": lambda v=values: v.iloc[-1]}
                out[name, metric] = rollup[aggregation[metric]]() if len(values) else None
        return out

    def nps_pandas():
        mask = (feedback["product_id"] == PRODUCT) & feedback["received_on"].between(start, end)
        scores = feedback.loc[mask, "nps_score"].dropna()
        return 100 * ((scores >= 9).sum() - (scores <= 6).sum()) / len(scores)

    def retention_pandas():
        mine = cohorts[cohorts["product_id"] == PRODUCT]
        months_since = (month0.year - mine["cohort_month"].dt.year) * 12 + month0.month - mine["cohort_month"].dt.month
        mature = mine[mine["month_offset"] < months_since]
        totals = mature.groupby("month_offset")[["retained", "cohort_size"]].sum()
        return totals["retained"] / totals["cohort_size"]

    return [
        ("kpi_summary: 6 tiles, window and comparison, targets (pandas)", summary_pandas),
        ("kpi_series: revenue by week, 365 days (pandas)", series_pandas),
        ("nps, 365 days (pandas)", nps_pandas),
        ("retention_curve (pandas)", retention_pandas),
    ]


def _page_reruns(con):
    """The whole page script, as a control change reruns it, on a copy of the bench store (the app writes)."""
    from tests.apptest import open_page

    source = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    folder = Path(tempfile.mkdtemp(prefix="bench-product-"))
    copy = folder / "bench.duckdb"
    shutil.copyfile(source, copy)

    class Env:
        # open_page takes pytest's monkeypatch; outside pytest the environment is set directly.
        @staticmethod
        def setenv(name, value):
            import os

            os.environ[name] = value

    at = open_page(
        Env,
        copy,
        "pages/product.py",
        query={"product": PRODUCT, "window": "365d", "grain": "week", "compare": "last_year"},
    )
    # Each cold run switches to a product the page has not shown yet, so every one of its queries runs.
    unseen = iter(
        con.execute("SELECT product_id FROM products WHERE product_id <> ? ORDER BY product_id", [PRODUCT])
        .fetchnumpy()["product_id"]
        .tolist()
    )
    windows = iter(["90d", "365d"] * 1000)

    def cold():
        at.selectbox(key="product").set_value(next(unseen)).run()
        assert not at.exception, at.exception

    def warm():
        # Flipping between two windows already seen: the page script reruns, its queries come from the cache.
        at.segmented_control(key="window").set_value(next(windows)).run()
        assert not at.exception, at.exception

    return [
        ("page rerun after a product switch, cold cache (every query of the page runs)", cold),
        ("page rerun after a window change, warm cache", warm),
    ]
