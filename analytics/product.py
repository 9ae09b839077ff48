"""One product over its lifecycle: adoption, customer voice, money, retention, roadmap and backlog.

Every number on the product page comes from a function here; the formulas are DESIGN.md's and each docstring
restates its own. "Today" is the store's ``settings.as_of`` (the demo store fixes it), never the wall clock, so a
window such as "last 90 days" ends on ``as_of``.

Queries filter ``kpi_history`` by ``product_id``, metric and date first: the demo builder writes the table
sorted by ``(product_id, metric, date)``, so DuckDB's per-row-group min/max (zonemaps) skip every other product's
rows and a product query reads a few row groups out of the 10M-row bench store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from analytics.rules import LIVE_SQL, TINY
from analytics.store import read_settings

# DESIGN.md: NPS = 100 × (promoters − detractors) / answers, promoters score 9–10, detractors 0–6; an answer
# without an NPS score does not count. CSAT = 100 × answers scoring 4 or 5 / answers on the 1–5 scale.
# Both are SQL fragments over `feedback` rows so that every query (per product, per period, per theme,
# company-wide on the overview) uses the one definition.
NPS_SQL = (
    "100.0 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6)) "
    "/ nullif(count(nps_score), 0)"
)
CSAT_SQL = "100.0 * count(*) FILTER (WHERE csat_score >= 4) / nullif(count(csat_score), 0)"

#: Roll-up grains; the keys are also DuckDB's ``date_trunc`` parts (a week starts on Monday).
GRAINS = ("week", "month", "quarter")
#: Time windows offered by the page, ending on ``as_of``; "custom" takes explicit dates.
WINDOWS = {
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "365d": "Last 365 days",
    "ytd": "Year to date",
    "custom": "Custom",
}
WINDOW_DAYS = {"30d": 30, "90d": 90, "365d": 365}
COMPARISONS = {"previous": "Previous period", "last_year": "Same period last year"}
#: The KPI tiles in page order: stored daily metrics, then the two computed from survey answers.
TILE_METRICS = ("active_users", "signups", "revenue", "churn_rate", "nps", "csat")
#: The trend charts: metrics stored in kpi_history, one chart each.
TREND_METRICS = ("active_users", "signups", "revenue", "churn_rate")
BACKLOG_STATUSES = ("idea", "planned", "in_progress")
SCORES = ("rice", "wsjf")

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


@dataclass(frozen=True)
class Window:
    """The window ``[start, end]`` and the comparison window ``[compare_start, compare_end]`` (inclusive)."""

    start: date
    end: date
    compare_start: date
    compare_end: date
    comparison: str = "previous"

    @property
    def days(self) -> int:
        """Number of days in the window, both ends included."""
        return (self.end - self.start).days + 1

    def comparison_label(self) -> str:
        """How the comparison reads after a change: "vs previous 90 days", "vs same period last year"."""
        if self.comparison == "last_year":
            return "vs same period last year"
        return f"vs previous {self.days} days"


def resolve_window(
    as_of: date,
    window: str,
    comparison: str = "previous",
    custom_start: date | None = None,
    custom_end: date | None = None,
    fiscal_year_start_month: int = 1,
) -> Window:
    """Turn the page's choices into dates; every window but "custom" ends on ``as_of``.

    Parameters
    ----------
    as_of
        The store's valuation date ("today").
    window
        One of ``WINDOWS``: the last 30, 90 or 365 days, the (fiscal) year to date, or custom dates.
    comparison
        ``"previous"``: the same number of days just before; ``"last_year"``: the same dates a year earlier
        (29 February maps to 28 February).
    custom_start, custom_end
        The dates of a custom window (swapped if given in the wrong order; ``as_of`` when missing).
    fiscal_year_start_month
        Month (1–12) in which the year starts, for "year to date".

    Returns
    -------
    Window
        The window and its comparison window.
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {sorted(WINDOWS)}, not {window!r}")
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison must be one of {sorted(COMPARISONS)}, not {comparison!r}")
    if window in WINDOW_DAYS:
        start, end = as_of - timedelta(days=WINDOW_DAYS[window] - 1), as_of
    elif window == "ytd":
        year = as_of.year if as_of.month >= fiscal_year_start_month else as_of.year - 1
        start, end = date(year, fiscal_year_start_month, 1), as_of
    else:
        start, end = custom_start or as_of, custom_end or as_of
        start, end = min(start, end), max(start, end)
    if comparison == "last_year":
        compare_start, compare_end = _year_earlier(start), _year_earlier(end)
    else:
        length = (end - start).days + 1
        compare_start, compare_end = start - timedelta(days=length), start - timedelta(days=1)
    return Window(start, end, compare_start, compare_end, comparison)


def _year_earlier(day: date) -> date:
    return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()


def _check_grain(grain: str) -> str:
    # The grain is interpolated into date_trunc, so it must come from the allow-list, never from user text.
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    return grain


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


# ---- Customer voice -------------------------------------------------------------------------------------------


def nps(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> float | None:
    """Return the Net Promoter Score of the answers about ``product_id`` received in ``[start, end]``.

    ``100 × (promoters − detractors) / answers``: promoters score 9–10, detractors 0–6, answers without an NPS
    score are left out. None when the window holds no NPS answer (never 0).
    """
    row = con.execute(
        f"SELECT {NPS_SQL} FROM feedback WHERE product_id = ? AND received_on BETWEEN ? AND ?",  # noqa: S608 -- own constant
        [product_id, start, end],
    ).fetchone()
    return None if row[0] is None else float(row[0])


def csat(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> float | None:
    """Return the customer satisfaction of the answers about ``product_id`` received in ``[start, end]``.

    ``100 × answers scoring 4 or 5 / answers`` on the 1–5 scale; answers without a CSAT score are left out.
    None when the window holds no CSAT answer.
    """
    row = con.execute(
        f"SELECT {CSAT_SQL} FROM feedback WHERE product_id = ? AND received_on BETWEEN ? AND ?",  # noqa: S608 -- own constant
        [product_id, start, end],
    ).fetchone()
    return None if row[0] is None else float(row[0])


def voice_series(con: duckdb.DuckDBPyConnection, product_id: str, grain: str, start: date, end: date) -> pd.DataFrame:
    """NPS and CSAT per period of ``grain`` over the answers received in ``[start, end]``.

    Columns ``period`` (the period's first day; weeks start on Monday), ``promoters``, ``passives``,
    ``detractors`` (counts of NPS answers), ``nps_answers``, ``nps``, ``csat_answers``, ``csat``. Only periods
    with at least one answer; ``nps``/``csat`` are NaN in a period without an answer of that kind.
    """
    grain = _check_grain(grain)
    frame = con.execute(
        f"""
        SELECT date_trunc('{grain}', received_on)::DATE AS period,
               count(*) FILTER (WHERE nps_score >= 9) AS promoters,
               count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8) AS passives,
               count(*) FILTER (WHERE nps_score <= 6) AS detractors,
               count(nps_score) AS nps_answers, {NPS_SQL} AS nps,
               count(csat_score) AS csat_answers, {CSAT_SQL} AS csat
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ?
        GROUP BY period ORDER BY period
        """,  # noqa: S608 -- grain from the allow-list, formulas are this module's constants
        [product_id, start, end],
    ).fetchnumpy()
    frame = pd.DataFrame({name: np.asarray(values) for name, values in frame.items()})
    frame["period"] = pd.to_datetime(frame["period"])
    counts = ["promoters", "passives", "detractors", "nps_answers", "csat_answers"]
    frame[counts] = frame[counts].astype("int64")
    frame[["nps", "csat"]] = frame[["nps", "csat"]].astype("float64")
    return frame


def feedback_themes(con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date) -> pd.DataFrame:
    """Rank what customers talk about in ``[start, end]``: one row per theme, most answers first.

    Columns ``theme`` ("(no theme)" for answers without one), ``answers``, ``share`` of all answers (0–1),
    ``nps`` and ``csat`` of the theme's answers (same formulas as ``nps``/``csat``; NaN without answers of
    that kind), ``mean_nps_score`` (0–10) and ``mean_csat_score`` (1–5).
    """
    frame = con.execute(
        f"""
        SELECT coalesce(theme, '(no theme)') AS theme, count(*) AS answers,
               count(*) / sum(count(*)) OVER () AS share,
               {NPS_SQL} AS nps, {CSAT_SQL} AS csat,
               avg(nps_score) AS mean_nps_score, avg(csat_score) AS mean_csat_score
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ?
        GROUP BY ALL ORDER BY answers DESC, theme
        """,  # noqa: S608 -- the formulas are this module's constants
        [product_id, start, end],
    ).df()
    numeric = ["share", "nps", "csat", "mean_nps_score", "mean_csat_score"]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def latest_comments(
    con: duckdb.DuckDBPyConnection, product_id: str, start: date, end: date, limit: int = 25
) -> pd.DataFrame:
    """Return the newest answers with a comment in ``[start, end]``, newest first, at most ``limit``.

    Columns ``received_on``, ``channel``, ``theme``, ``nps_score``, ``csat_score``, ``comment``. The comment is
    customer text: show it as plain text, never as HTML or Markdown.
    """
    return con.execute(
        """
        SELECT received_on, channel, theme, nps_score, csat_score, comment
        FROM feedback
        WHERE product_id = ? AND received_on BETWEEN ? AND ? AND comment IS NOT NULL AND trim(comment) <> ''
        ORDER BY received_on DESC, feedback_id DESC
        LIMIT ?
        """,
        [product_id, start, end, int(limit)],
    ).df()


# ---- KPIs ------------------------------------------------------------------------------------------------------

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
    period = "NULL::DATE" if grain is None else f"date_trunc('{_check_grain(grain)}', h.date)::DATE"
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
        _check_grain(grain)
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


def periods(grain: str, start: date, end: date) -> pd.DatetimeIndex:
    """Return the first days of every ``grain`` period that overlaps ``[start, end]`` (weeks start on Monday)."""
    _check_grain(grain)
    first = pd.Timestamp(start)
    if grain == "week":
        first = first - pd.Timedelta(days=first.weekday())
        return pd.date_range(first, pd.Timestamp(end), freq="7D")
    freq = "MS" if grain == "month" else "QS"
    first = first.to_period("M" if grain == "month" else "Q").to_timestamp()
    return pd.date_range(first, pd.Timestamp(end), freq=freq)


def _cut_by_window(starts, grain: str, start: date, end: date) -> np.ndarray:
    """Whether each period starting at ``starts`` is cut by the window (it has days outside ``[start, end]``)."""
    starts = pd.DatetimeIndex(starts)
    step = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}
    ends = starts + step[grain] - pd.Timedelta(days=1)
    return np.asarray((starts < pd.Timestamp(start)) | (ends > pd.Timestamp(end)))


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
    partial = _cut_by_window(now, grain, window.start, window.end)
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
    good side of the target). NaN (None for the flags) wherever a figure does not exist.
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
        SELECT 'current', {NPS_SQL}, {CSAT_SQL} FROM feedback
        WHERE product_id = $product AND received_on BETWEEN $start AND $end
        UNION ALL
        SELECT 'previous', {NPS_SQL}, {CSAT_SQL} FROM feedback
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
    for name, nps_value, csat_value in voice:
        values[(name, "nps")], values[(name, "csat")] = nps_value, csat_value
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
            )
        )
    frame = pd.DataFrame(rows, columns=["metric", "label", "unit", "direction", "current", "previous", "target"])
    for column in ("current", "previous", "target"):
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


def kpi_sparklines(
    con: duckdb.DuckDBPyConnection, product_id: str, grain: str, window: Window
) -> dict[str, list[float]]:
    """Return, per tile metric, its values per period of the window (oldest first) for the tiles' sparklines.

    Stored metrics use ``kpi_series``'s roll-up; NPS and CSAT use ``voice_series``. Periods the window cuts are
    left out when at least two whole ones remain, so a half week's sum does not read as a collapse.
    """
    stored = [m for m in TILE_METRICS if m not in ("nps", "csat")]
    rolled = _rollup(con, product_id, stored, grain, {"current": (window.start, window.end)})
    rolled["partial"] = _cut_by_window(rolled["period"], grain, window.start, window.end)
    voice = voice_series(con, product_id, grain, window.start, window.end)
    voice["partial"] = _cut_by_window(voice["period"], grain, window.start, window.end)
    lines = {}
    for metric in TILE_METRICS:
        if metric in ("nps", "csat"):
            rows = voice.rename(columns={metric: "value"}).dropna(subset=["value"])
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


# ---- Retention -------------------------------------------------------------------------------------------------

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


# ---- Roadmap ---------------------------------------------------------------------------------------------------


def roadmap(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Return the product's features with dates, for the timeline: everything but dropped items, by theme then start.

    Columns ``feature_id``, ``title``, ``theme`` ("(no theme)" when missing), ``status``, ``start_date``,
    ``target_date``, ``shipped_on``, ``finish`` (the bar's end: shipped_on when shipped; for open work the
    target date, or ``as_of`` once the target has passed, since the work is still going on), ``days_late``
    (shipped: shipped_on − target_date; open: as_of − target_date when the target has passed; else NaN;
    negative means early) as datetimes and floats. Items without a start or finish date are left out.
    """
    as_of = read_settings(con).as_of
    frame = con.execute(
        """
        SELECT * FROM (
            SELECT feature_id, title, coalesce(theme, '(no theme)') AS theme, status, start_date, target_date,
                   shipped_on,
                   CASE WHEN status = 'shipped' THEN shipped_on
                        WHEN target_date < $as_of THEN $as_of
                        ELSE target_date END AS finish,
                   CASE WHEN status = 'shipped' THEN date_diff('day', target_date, shipped_on)
                        WHEN target_date < $as_of THEN date_diff('day', target_date, $as_of) END AS days_late
            FROM features
            WHERE product_id = $product AND status <> 'dropped' AND start_date IS NOT NULL
        )
        WHERE finish IS NOT NULL
        ORDER BY theme, start_date, feature_id
        """,
        {"as_of": as_of, "product": product_id},
    ).df()
    for column in ("start_date", "target_date", "shipped_on", "finish"):
        frame[column] = pd.to_datetime(frame[column])
    frame["days_late"] = frame["days_late"].astype("float64")
    return frame


def late_features(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """List what shipped after its target date, and open work already past it: most days late first.

    Columns ``feature_id``, ``title``, ``theme``, ``status``, ``target_date``, ``shipped_on``, ``days_late``
    (shipped_on − target_date for shipped items, as_of − target_date for open ones) and ``state``
    ("shipped late" or "open, past target").
    """
    frame = roadmap(con, product_id)
    late = frame[frame["days_late"] > 0].copy()
    late["state"] = np.where(late["status"] == "shipped", "shipped late", "open, past target")
    late = late.sort_values(["days_late", "feature_id"], ascending=[False, True], ignore_index=True)
    return late[["feature_id", "title", "theme", "status", "target_date", "shipped_on", "days_late", "state"]]


# ---- Backlog ---------------------------------------------------------------------------------------------------


def rice(reach, impact, confidence, effort) -> np.ndarray:
    """RICE score, ``reach × impact × confidence / effort`` (DESIGN.md), element-wise.

    NaN where an input is missing or effort is not positive (the score does not exist).
    """
    reach, impact, confidence, effort = (np.asarray(v, dtype="float64") for v in (reach, impact, confidence, effort))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(effort > 0, reach * impact * confidence / effort, np.nan)


def wsjf(business_value, time_criticality, risk_reduction, job_size) -> np.ndarray:
    """WSJF score, ``(business value + time criticality + risk reduction) / job size`` (DESIGN.md), element-wise.

    NaN where an input is missing or the job size is not positive.
    """
    values = (business_value, time_criticality, risk_reduction, job_size)
    business_value, time_criticality, risk_reduction, job_size = (np.asarray(v, dtype="float64") for v in values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(job_size > 0, (business_value + time_criticality + risk_reduction) / job_size, np.nan)


def rank_desc(scores, ids) -> np.ndarray:
    """Rank scores, 1 = highest; ties broken by id so the ranking does not depend on row order; NaN scores last."""
    scores = np.asarray(scores, dtype="float64")
    ids = np.asarray(ids, dtype=object).astype(str)
    order = np.lexsort((ids, np.where(np.isnan(scores), np.inf, -scores)))
    ranks = np.empty(len(scores), dtype="int64")
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def backlog(con: duckdb.DuckDBPyConnection, product_id: str) -> pd.DataFrame:
    """Score the product's open backlog (ideas, planned and in-progress items) with RICE and WSJF scores and ranks.

    Columns: the scoring inputs (``reach``, ``impact``, ``confidence``, ``effort`` in person-months,
    ``business_value``, ``time_criticality``, ``risk_reduction``, ``job_size``), ``feature_id``, ``title``,
    ``theme``, ``status``, ``rice``, ``wsjf`` (see ``rice``/``wsjf``), ``rice_rank`` and ``wsjf_rank`` (1 =
    do first; ties by feature id). Ordered by RICE rank.
    """
    frame = con.execute(
        f"""
        SELECT feature_id, title, theme, status, reach, impact, confidence, effort, business_value,
               time_criticality, risk_reduction, job_size
        FROM features
        WHERE product_id = ? AND status IN ({", ".join("?" for _ in BACKLOG_STATUSES)})
        ORDER BY feature_id
        """,  # noqa: S608 -- only placeholders are interpolated
        [product_id, *BACKLOG_STATUSES],
    ).df()
    inputs = [
        "reach",
        "impact",
        "confidence",
        "effort",
        "business_value",
        "time_criticality",
        "risk_reduction",
        "job_size",
    ]
    frame[inputs] = frame[inputs].astype("float64")
    frame["rice"] = rice(frame["reach"], frame["impact"], frame["confidence"], frame["effort"])
    frame["wsjf"] = wsjf(frame["business_value"], frame["time_criticality"], frame["risk_reduction"], frame["job_size"])
    frame["rice_rank"] = rank_desc(frame["rice"], frame["feature_id"])
    frame["wsjf_rank"] = rank_desc(frame["wsjf"], frame["feature_id"])
    return frame.sort_values("rice_rank", ignore_index=True)


def quadrants(items: pd.DataFrame, score: str) -> pd.DataFrame:
    """Place each backlog item in a value-vs-effort quadrant, split at the median effort and median ``score``.

    Adds ``quadrant``: "Quick win" (value at or above the median, effort below it), "Big bet" (high value, high
    effort), "Fill-in" (low value, low effort) or "Money pit" (low value, high effort).
    """
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, not {score!r}")
    value_split, effort_split = items[score].median(), items["effort"].median()
    high_value = items[score] >= value_split
    low_effort = items["effort"] < effort_split
    labels = np.select(
        [high_value & low_effort, high_value, low_effort], ["Quick win", "Big bet", "Fill-in"], "Money pit"
    )
    return items.assign(quadrant=labels)


@dataclass(frozen=True)
class CapacityPlan:
    """Which backlog items fit a capacity, chosen exactly, against cutting the ranked list."""

    items: pd.DataFrame  # the backlog, ranked by the score, with `chosen` and `in_sorted_cut`
    capacity: float
    chosen_value: float
    chosen_effort: float
    sorted_cut_value: float
    sorted_cut_effort: float
    status: str


def capacity_plan(items: pd.DataFrame, capacity_person_months: float, score: str = "rice") -> CapacityPlan:
    """Choose the backlog items that fit ``capacity_person_months`` with the most total ``score`` (a 0/1 knapsack).

    The choice is exact: ``analytics.optimize.select_portfolio`` (the portfolio's MILP, HiGHS) with value =
    the item's score and one budget row, effort in person-months. The baseline it is compared with is what
    people do by hand: walk the ranked list and stop at the first item that no longer fits.

    Parameters
    ----------
    items
        ``backlog`` rows (with ``feature_id``, ``effort`` and the score columns).
    capacity_person_months
        Person-months available (e.g. next quarter).
    score
        ``"rice"`` or ``"wsjf"``: the value each item adds.

    Returns
    -------
    CapacityPlan
        ``items`` ranked by the score with boolean ``chosen`` and ``in_sorted_cut`` columns, and the totals.
    """
    from analytics.optimize import select_portfolio

    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, not {score!r}")
    ranked = items.sort_values(f"{score}_rank", ignore_index=True)
    usable = ranked[score].notna().to_numpy() & ranked["effort"].notna().to_numpy()
    value = ranked[score].fillna(0).to_numpy(dtype="float64")
    effort = ranked["effort"].fillna(0).to_numpy(dtype="float64")
    capacity = max(float(capacity_person_months), 0.0)
    chosen = np.zeros(len(ranked), dtype=bool)
    status = "optimal"
    if usable.any():
        selection = select_portfolio(
            value, effort[:, None], np.array([capacity]), exclude=tuple(int(i) for i in np.flatnonzero(~usable))
        )
        status = selection.status
        chosen = np.asarray(selection.chosen, dtype=bool)
    cut = np.zeros(len(ranked), dtype=bool)
    used = 0.0
    for i in range(len(ranked)):
        if not usable[i] or used + effort[i] > capacity + TINY:
            break
        cut[i] = True
        used += effort[i]
    ranked = ranked.assign(chosen=chosen, in_sorted_cut=cut)
    return CapacityPlan(
        items=ranked,
        capacity=capacity,
        chosen_value=float(value[chosen].sum()),
        chosen_effort=float(effort[chosen].sum()),
        sorted_cut_value=float(value[cut].sum()),
        sorted_cut_effort=float(effort[cut].sum()),
        status=str(status),
    )


# ---- Investment vs outcome -------------------------------------------------------------------------------------


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
