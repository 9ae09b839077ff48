"""A product's stored KPIs rolled up per period or per window, with targets, comparisons and the tile figures.

Queries filter ``kpi_history`` by ``product_id``, metric and date first: the demo builder writes the table
sorted by ``(product_id, metric, date)``, so DuckDB's per-row-group min/max (zonemaps) skip every other product's
rows and a product query reads a few row groups out of the 10M-row bench store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics.product.catalogue import TILE_METRICS, UnknownMetricError
from analytics.product.voice import CSAT_SQL, NPS_SQL, voice_series
from analytics.product.windows import Window, check_grain, cut_by_window, periods

# One roll-up for every KPI query: the metric's aggregation picks sum, mean or the value on the last day with
# data (arg_max by date). `{period}` is a date_trunc expression from the grain allow-list, or NULL for a
# whole-window roll-up. Each window is its own filtered scan (UNION ALL), so windows that overlap (a two-year
# custom window against the same dates a year earlier) each keep all their days.
_ROLLUP_SQL = """
    WITH days AS ({scans})
    SELECT h.window_name, h.metric, {period} AS period,
           CASE any_value(d.aggregation)
               WHEN 'sum' THEN sum(h.value)
               WHEN 'mean' THEN avg(h.value)
               ELSE arg_max(h.value, h.date)
           END AS value
    FROM days h JOIN kpi_definitions d USING (metric)
    GROUP BY ALL
    ORDER BY h.window_name, h.metric, period
"""
_SCAN_SQL = (
    "SELECT ? AS window_name, metric, date, value FROM kpi_history "
    "WHERE product_id = ? AND metric IN ({metrics}) AND date BETWEEN ? AND ?"
)


def _rollup(
    con, product_id: str, metrics: Sequence[str], grain: str | None, windows: dict[str, tuple[date, date]]
) -> pd.DataFrame:
    """Roll ``metrics`` up per period of ``grain`` (or per whole window) in each of the named ``windows``."""
    period = "NULL::DATE" if grain is None else f"date_trunc('{check_grain(grain)}', h.date)::DATE"
    scan = _SCAN_SQL.format(metrics=", ".join("?" for _ in metrics))
    sql = _ROLLUP_SQL.format(period=period, scans=" UNION ALL ".join(scan for _ in windows))
    params = [p for name, (start, end) in windows.items() for p in (name, product_id, *metrics, start, end)]
    columns = con.execute(sql, params).fetchnumpy()
    return pd.DataFrame(
        {
            "window": columns["window_name"].astype(object),
            "metric": columns["metric"].astype(object),
            "period": pd.to_datetime(columns["period"]),
            "value": columns["value"].astype("float64"),
        }
    )


def _known_metric(con, metric: str) -> None:
    if con.execute("SELECT count(*) FROM kpi_definitions WHERE metric = ?", [metric]).fetchone()[0] == 0:
        raise UnknownMetricError(f"metric {metric!r} has no row in kpi_definitions, so its roll-up is unknown")


def kpi_series(
    con: duckdb.DuckDBPyConnection, product_id: str, metric: str, grain: str, start: date, end: date
) -> pd.DataFrame:
    """Roll a product's metric up to weeks, months or quarters over ``[start, end]`` (both inclusive).

    Parameters
    ----------
    con
        Connection to the store.
    product_id, metric
        Which series; ``metric`` must have a ``kpi_definitions`` row.
    grain
        ``"week"`` (starting Monday), ``"month"`` or ``"quarter"``.
    start, end
        The days to roll up; a period cut by the window rolls up only its days inside it.

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (the period's first day) and ``value``: one row per period with data, oldest
        first. ``value`` follows ``kpi_definitions.aggregation``: ``sum`` adds the days, ``mean`` averages
        them, ``last`` takes the value on the period's last day with data.
    """
    _known_metric(con, metric)
    frame = _rollup(con, product_id, [metric], grain, {"current": (start, end)})
    return frame[["period", "value"]].reset_index(drop=True)


def kpi_targets(
    con: duckdb.DuckDBPyConnection, product_id: str, metrics: Sequence[str], grain: str | None, start: date, end: date
) -> pd.DataFrame:
    """Roll targets up like the values: per period of ``grain``, or for the whole window when ``grain`` is None.

    A monthly target holds from its month on (until a later month's target replaces it). For ``sum`` metrics
    (revenue, signups) a month's target is spread evenly over its days and a period gets the share of its days
    inside ``[start, end]``; for ``mean`` and ``last`` metrics (churn, CSAT, active users) a period's target is
    the one in force on its last day in the window. Columns ``metric``, ``period`` (NaT for the whole window),
    ``target``; no row where no target is set.
    """
    if grain is not None:
        check_grain(grain)
    placeholders = ", ".join("?" for _ in metrics)
    stored = con.execute(
        f"""
        SELECT t.metric, t.period, t.target, d.aggregation
        FROM kpi_targets t JOIN kpi_definitions d USING (metric)
        WHERE t.product_id = ? AND t.metric IN ({placeholders}) AND t.period <= ?
        ORDER BY t.metric, t.period
        """,  # noqa: S608 -- only placeholders are interpolated
        [product_id, *metrics, end],
    ).fetchnumpy()
    # A product has a few hundred target rows at most: prorating day by day is cheaper in numpy than as a join.
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    day_months = days.astype("datetime64[M]")
    month_days = ((day_months + 1).astype("datetime64[D]") - day_months.astype("datetime64[D]")).astype("float64")
    if grain is None:
        keys = np.array([np.datetime64("NaT", "D")])
        bucket = np.zeros(len(days), dtype="int64")
    else:
        keys = periods(grain, start, end).to_numpy().astype("datetime64[D]")
        bucket = np.searchsorted(keys, days, side="right") - 1
    stored_metric = np.asarray(stored["metric"], dtype=object)
    stored_month = np.asarray(stored["period"]).astype("datetime64[M]")
    stored_target = np.asarray(stored["target"], dtype="float64")
    stored_aggregation = np.asarray(stored["aggregation"], dtype=object)
    out_metric, out_period, out_target = [], [], []
    for metric in metrics:
        mine = stored_metric == metric
        if not mine.any():
            continue
        index = np.searchsorted(stored_month[mine], day_months, side="right") - 1
        known = index >= 0
        if not known.any():
            continue
        daily = stored_target[mine][np.clip(index, 0, None)]
        where = bucket[known]
        has = np.bincount(where, minlength=len(keys)) > 0
        if stored_aggregation[mine][0] == "sum":
            values = np.bincount(where, weights=(daily / month_days)[known], minlength=len(keys))
        else:
            last = np.full(len(keys), -1)
            np.maximum.at(last, where, np.flatnonzero(known))
            values = np.where(last >= 0, daily[last], np.nan)
        out_metric += [metric] * int(has.sum())
        out_period.append(keys[has])
        out_target.append(values[has])
    return pd.DataFrame(
        {
            "metric": np.asarray(out_metric, dtype=object),
            "period": pd.to_datetime(np.concatenate(out_period) if out_period else np.array([], "datetime64[D]")),
            "target": np.concatenate(out_target).astype("float64") if out_target else np.array([], "float64"),
        }
    )


def kpi_trends(
    con: duckdb.DuckDBPyConnection, product_id: str, metrics: Sequence[str], grain: str, window: Window
) -> pd.DataFrame:
    """Return the trend charts' data: each metric per period of the window, its comparison and its target.

    One row per metric and period of ``grain`` overlapping the window. ``value`` is ``kpi_series`` of the
    window; ``comparison`` is ``kpi_series`` of the comparison window, matched period by period in order (the
    first period of one window against the first of the other), with ``comparison_period`` its own date;
    ``target`` is ``kpi_targets`` per period. NaN where a period has no data or no target. ``partial`` is True
    for a period that the window cuts (its sum covers only the days inside the window, and so does its target).
    """
    windows = {"current": (window.start, window.end), "comparison": (window.compare_start, window.compare_end)}
    rolled = _rollup(con, product_id, metrics, grain, windows)
    targets = kpi_targets(con, product_id, metrics, grain, window.start, window.end)
    now = periods(grain, window.start, window.end)
    then = periods(grain, window.compare_start, window.compare_end)
    then_aligned = pd.DatetimeIndex([then[i] if i < len(then) else pd.NaT for i in range(len(now))])
    values = {(w, m, p): v for w, m, p, v in rolled.itertuples(index=False)}
    goals = {(m, p): t for m, p, t in targets.itertuples(index=False)}
    partial = cut_by_window(now, grain, window.start, window.end)
    frame = pd.DataFrame(
        {
            "metric": np.repeat(np.asarray(metrics, dtype=object), len(now)),
            "period": np.tile(now.to_numpy(), len(metrics)),
            "value": [values.get(("current", m, p), np.nan) for m in metrics for p in now],
            "comparison_period": np.tile(then_aligned.to_numpy(), len(metrics)),
            "comparison": [values.get(("comparison", m, p), np.nan) for m in metrics for p in then_aligned],
            "target": [goals.get((m, p), np.nan) for m in metrics for p in now],
            "partial": np.tile(partial, len(metrics)),
        }
    )
    frame[["value", "comparison", "target"]] = frame[["value", "comparison", "target"]].astype("float64")
    return frame


def kpi_summary(con: duckdb.DuckDBPyConnection, product_id: str, window: Window) -> pd.DataFrame:
    """Return the KPI tiles: each of ``TILE_METRICS`` over the window, against the comparison window and the target.

    Stored metrics roll up over the whole window by their aggregation (as ``kpi_series`` does per period); NPS
    and CSAT are the ``nps``/``csat`` formulas over the answers in each window. Columns: ``metric``, ``label``,
    ``unit``, ``direction``, ``current``, ``previous``, ``change`` (current − previous), ``relative_change``
    (change / |previous|), ``target``, ``vs_target`` (current / target − 1), ``better`` (True when the change
    goes the metric's good way, None when there is no change), ``on_target`` (True when current is at or on the
    good side of the target), and for NPS and CSAT ``answers`` and ``previous_answers`` (answers with a score of
    that kind in each window; NaN for the stored metrics). NaN (None for the flags) wherever a figure does not
    exist.
    """
    definitions = dict(
        (m, (label, unit, direction))
        for m, label, unit, direction in con.execute(
            "SELECT metric, label, unit, direction FROM kpi_definitions"
        ).fetchall()
    )
    stored = [m for m in TILE_METRICS if m in definitions and m not in ("nps", "csat")]
    windows = {"current": (window.start, window.end), "previous": (window.compare_start, window.compare_end)}
    values = {}
    if stored:
        rolled = _rollup(con, product_id, stored, None, windows)
        values = {(w, m): v for w, m, _, v in rolled.itertuples(index=False)}
    voice = con.execute(
        f"""
        SELECT 'current', {NPS_SQL}, {CSAT_SQL}, count(nps_score), count(csat_score) FROM feedback
        WHERE product_id = $product AND received_on BETWEEN $start AND $end
        UNION ALL
        SELECT 'previous', {NPS_SQL}, {CSAT_SQL}, count(nps_score), count(csat_score) FROM feedback
        WHERE product_id = $product AND received_on BETWEEN $compare_start AND $compare_end
        """,  # noqa: S608 -- the formulas are this module's constants
        {
            "product": product_id,
            "start": window.start,
            "end": window.end,
            "compare_start": window.compare_start,
            "compare_end": window.compare_end,
        },
    ).fetchall()
    answers = {}
    for name, nps_value, csat_value, nps_answers, csat_answers in voice:
        values[(name, "nps")], values[(name, "csat")] = nps_value, csat_value
        answers[(name, "nps")], answers[(name, "csat")] = nps_answers, csat_answers
    goals = kpi_targets(con, product_id, [*stored, "csat"], None, window.start, window.end)
    goals = dict(zip(goals["metric"], goals["target"], strict=True))
    rows = []
    for metric in TILE_METRICS:
        if metric == "nps":
            label, unit, direction = "NPS", "score", "higher_is_better"
        elif metric == "csat":
            label, unit, direction = "CSAT", "%", "higher_is_better"
        elif metric in definitions:
            label, unit, direction = definitions[metric]
        else:
            continue
        rows.append(
            (
                metric,
                label,
                unit,
                direction,
                values.get(("current", metric)),
                values.get(("previous", metric)),
                goals.get(metric),
                answers.get(("current", metric)),
                answers.get(("previous", metric)),
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "metric",
            "label",
            "unit",
            "direction",
            "current",
            "previous",
            "target",
            "answers",
            "previous_answers",
        ],
    )
    for column in ("current", "previous", "target", "answers", "previous_answers"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["change"] = frame["current"] - frame["previous"]
    frame["relative_change"] = frame["change"] / frame["previous"].abs().where(frame["previous"] != 0)
    frame["vs_target"] = frame["current"] / frame["target"].where(frame["target"] != 0) - 1
    sign = np.where(frame["direction"] == "lower_is_better", -1.0, 1.0)
    frame["better"] = _flag(frame["change"] * sign > 0, frame["change"].isna() | (frame["change"] == 0))
    frame["on_target"] = _flag(
        (frame["current"] - frame["target"]) * sign >= 0, frame["current"].isna() | frame["target"].isna()
    )
    return frame


def _flag(values: pd.Series, missing: pd.Series) -> pd.Series:
    return pd.Series(
        [None if m else bool(v) for v, m in zip(values, missing, strict=True)], index=values.index, dtype=object
    )


#: Survey answers arrive a few a day: a sparkline of NPS or CSAT needs a month's answers per point.
SURVEY_SPARK_GRAIN = "month"


def kpi_sparklines(
    con: duckdb.DuckDBPyConnection, product_id: str, grain: str, window: Window
) -> dict[str, list[float]]:
    """Return, per tile metric, its values per period of the window (oldest first) for the tiles' sparklines.

    Stored metrics use ``kpi_series``'s roll-up by ``grain``; NPS and CSAT use ``voice_series`` by
    ``SURVEY_SPARK_GRAIN``, keeping only the periods with at least ``MIN_ANSWERS`` answers (a week of five answers
    would swing the line from -100 to +100). Periods the window cuts are left out when at least two whole ones
    remain, so a half week's sum does not read as a collapse.
    """
    stored = [m for m in TILE_METRICS if m not in ("nps", "csat")]
    rolled = _rollup(con, product_id, stored, grain, {"current": (window.start, window.end)})
    rolled["partial"] = cut_by_window(rolled["period"], grain, window.start, window.end)
    voice = voice_series(con, product_id, SURVEY_SPARK_GRAIN, window.start, window.end)
    voice["partial"] = cut_by_window(voice["period"], SURVEY_SPARK_GRAIN, window.start, window.end)
    lines = {}
    for metric in TILE_METRICS:
        if metric in ("nps", "csat"):
            rows = voice[voice[f"{metric}_readable"]].rename(columns={metric: "value"}).dropna(subset=["value"])
        else:
            rows = rolled[rolled["metric"] == metric]
        whole = rows[~rows["partial"]]
        lines[metric] = (whole if len(whole) >= 2 else rows)["value"].tolist()
    return lines


def shipped_features(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> pd.DataFrame:
    """List the features of the product shipped in ``[start, end]`` (the release markers), oldest first.

    Columns ``feature_id``, ``title``, ``theme``, ``shipped_on`` (datetime), ``impact``.
    """
    frame = con.execute(
        """
        SELECT feature_id, title, theme, shipped_on, impact FROM features
        WHERE product_id = ? AND shipped_on BETWEEN ? AND ?
        ORDER BY shipped_on, feature_id
        """,
        [product_id, start, end],
    ).df()
    frame["shipped_on"] = pd.to_datetime(frame["shipped_on"])
    return frame
